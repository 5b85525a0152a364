//! `reach exposure`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};

use reach::engine::Verdict;
use reach::exposure::{self, From, Risk};
use reach::render::FindingsReport;
use reach::render::exposure::ExposureReport;

use super::args::{Format, Inputs, load};

/// `reach exposure`'s formats: those of the other commands and `html`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ExposureFormat {
    Text,
    Json,
    /// SARIF 2.1.0: one result per interface the internet reaches.
    Sarif,
    /// JUnit XML: a failed test case per interface the internet reaches.
    Junit,
    /// A pull-request comment.
    Markdown,
    /// One self-contained HTML page: a sortable, filterable table and each
    /// interface's paths.
    Html,
}

#[derive(clap::Args, Debug)]
pub(super) struct ExposureArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Output format (`html`: one self-contained page).
    #[arg(long, value_enum, default_value = "text")]
    format: ExposureFormat,
    /// The sources asked: `internet`, `client` (Client VPN and Verified
    /// Access users, per group) or `all`.
    #[arg(long, value_name = "SOURCE", default_value = "all")]
    from: String,
    /// Exit 1 when an interface is at this risk or worse: `critical` (the
    /// internet reaches an administration or database port), `high` (the
    /// internet reaches it), `medium`, `low` (anything reaches it).
    #[arg(long, value_name = "RISK", default_value = "high")]
    fail_on: String,
    /// For `--format sarif|markdown`: Terraform files under DIR.
    #[arg(long, value_name = "DIR")]
    tf_root: Option<PathBuf>,
}

fn risk(s: &str) -> Result<Risk> {
    Ok(match s {
        "critical" => Risk::Critical,
        "high" => Risk::High,
        "medium" => Risk::Medium,
        "low" => Risk::Low,
        _ => bail!("--fail-on `{s}`: expected critical, high, medium or low"),
    })
}

/// Exit code 1 when an interface is at `--fail-on` risk or worse, else 0.
pub(super) fn run(args: ExposureArgs) -> Result<Verdict> {
    let Some(from) = From::parse(&args.from) else {
        bail!("--from `{}`: expected internet, client or all", args.from);
    };
    let fail_on = risk(&args.fail_on)?;
    let net = load(&args.inputs)?;
    let x = exposure::exposure(&net, from)?;
    let report = ExposureReport::new(&x, &net);
    let ci = |f: Format| -> Result<String> {
        let run_id = format!(
            "reach/exposure/{}/",
            super::output::input_names(&args.inputs)
        );
        let findings = FindingsReport::from_exposure(&x, &report, &net, run_id);
        super::output::ci_output(findings, f, &args.inputs.paths(), args.tf_root.clone())
    };
    let out = match args.format {
        ExposureFormat::Json => report.to_json(),
        ExposureFormat::Text => report.to_text(),
        ExposureFormat::Html => report.to_html(),
        ExposureFormat::Sarif => ci(Format::Sarif)?,
        ExposureFormat::Junit => ci(Format::Junit)?,
        ExposureFormat::Markdown => ci(Format::Markdown)?,
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    if matches!(args.format, ExposureFormat::Text) {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(if x.exposed.iter().any(|e| e.risk >= fail_on) {
        Verdict::Unreachable
    } else {
        Verdict::Reachable
    })
}
