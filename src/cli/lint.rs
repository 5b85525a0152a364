//! `reach lint`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use reach::engine::Verdict;
use reach::lint::{self, Options};
use reach::render::FindingsReport;
use reach::render::lint::LintReport;

use super::args::{Format, Inputs, load};

#[derive(clap::Args, Debug)]
pub(super) struct LintArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Only these kinds of finding (repeatable, or comma-separated):
    /// nacl-shadowed, nacl-redundant, nacl-partly-shadowed, sg-rule-subsumed,
    /// client-cidr-rule, peer-group-unattached, cvpn-route-missing,
    /// cvpn-auth-unroutable, cvpn-auth-overridden, blackhole-route,
    /// sg-unattached, nacl-no-ephemeral-return.
    #[arg(long = "only", value_name = "KIND")]
    only: Vec<String>,
    /// For `--format sarif|markdown`: Terraform files under DIR.
    #[arg(long, value_name = "DIR")]
    tf_root: Option<PathBuf>,
}

/// Exit code 0 when nothing is found, 1 when something is.
pub(super) fn run(args: LintArgs) -> Result<Verdict> {
    // The options first: a bad `--only` is an error before any load.
    let opts = Options::parse(&args.only)?;
    let net = load(&args.inputs)?;
    let found = lint::lint(&net, &opts);
    let report = LintReport::new(&found, &net);
    let out = match args.format {
        Format::Json => report.to_json(),
        Format::Text => report.to_text(),
        f => {
            let run_id = format!("reach/lint/{}/", super::output::input_names(&args.inputs));
            let findings = FindingsReport::from_lint(&report, run_id);
            super::output::ci_output(findings, f, &args.inputs.paths(), args.tf_root.clone())?
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    if !matches!(args.format, Format::Json) {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(if found.findings.is_empty() {
        Verdict::Reachable
    } else {
        Verdict::Unreachable
    })
}
