//! `reach who`.

use std::io::Write;

use anyhow::Result;

use reach::engine::Verdict;
use reach::render::{FindingsReport, WhoReport};
use reach::who::{self, Ask, From};

use super::args::{Format, Inputs, load};

#[derive(clap::Args, Debug)]
pub(super) struct WhoArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Only these sources: `internet`, `client` (access users per group),
    /// `interfaces` (every interface of the input), an IP, `i-…` or `eni-…`.
    /// Default: all of them.
    #[arg(
        long,
        value_name = "SOURCE",
        default_value = "all",
        allow_hyphen_values = true
    )]
    from: String,
    /// For `--format sarif|markdown`: Terraform files under DIR.
    #[arg(long, value_name = "DIR")]
    tf_root: Option<std::path::PathBuf>,
    /// `DST[:PORTS][/tcp|udp|icmp|icmpv6]`: an IP (IPv6 in brackets with a port), `i-…`, `eni-…` (every address) or `eni-…@ADDRESS` (that one).
    #[arg(allow_hyphen_values = true)]
    target: String,
}

/// Exit code 0 when some source reaches the target, 1 when none does.
pub(super) fn run(args: WhoArgs) -> Result<Verdict> {
    let from = From::parse(&args.from)?;
    let ask = Ask::parse(&args.target, from)?;
    let net = load(&args.inputs)?;
    let answer = who::who(&net, &ask)?;
    let report = WhoReport::new(&answer, &args.target, &net);
    let out = match args.format {
        Format::Json => report.to_json(),
        Format::Text => report.to_text(),
        f => {
            let run_id = format!(
                "reach/who/{}/{}/",
                super::output::input_names(&args.inputs),
                args.target
            );
            let findings = FindingsReport::from_who(&answer, &report, &net, run_id);
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
    Ok(if answer.anything() {
        Verdict::Reachable
    } else {
        Verdict::Unreachable
    })
}
