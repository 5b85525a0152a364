//! `reach assert POLICY.yaml`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use reach::assert;
use reach::engine::Verdict;
use reach::render::{AssertReport, FindingsReport};

use super::args::{Format, Inputs, load};

#[derive(clap::Args, Debug)]
pub(super) struct AssertArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// For `--format sarif|markdown`: Terraform files under DIR.
    #[arg(long, value_name = "DIR")]
    tf_root: Option<PathBuf>,
    /// The policy: a YAML file of assertions (or a Network Access Analyzer scope).
    #[arg(value_name = "POLICY.yaml")]
    policy: PathBuf,
}

/// Exit code 0 when every assertion holds, 1 when any is violated or unknown.
pub(super) fn run(args: AssertArgs) -> Result<Verdict> {
    // The policy first: a bad policy is an error before any load.
    let file = args.policy.display().to_string();
    let text = std::fs::read_to_string(&args.policy)
        .with_context(|| format!("`{file}`: cannot read the policy"))?;
    let policy = assert::parse(&file, &text)?;
    let net = load(&args.inputs)?;
    let results = assert::evaluate(&net, &policy)?;
    let out = match args.format {
        Format::Json => AssertReport::new(&results, &net).to_json(),
        Format::Text => AssertReport::brief(&results, &net).to_text(),
        f => {
            let report = AssertReport::new(&results, &net);
            let run_id = format!(
                "reach/assert/{}/{}/",
                super::output::input_names(&args.inputs),
                file
            );
            let findings = FindingsReport::from_assert(&report, run_id);
            super::output::ci_output(findings, f, &args.inputs.paths(), args.tf_root.clone())?
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    if !matches!(args.format, Format::Json) {
        for w in &net.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(if results.all_hold() {
        Verdict::Reachable
    } else {
        Verdict::Unreachable
    })
}
