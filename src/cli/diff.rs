//! `reach diff`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::ValueEnum;

use reach::diff::{self, Diff, Direction};
use reach::engine::Verdict;
use reach::ingest::Loader;
use reach::model::Network;
use reach::render::{DiffReport, FindingsReport};

use super::args::Format;

/// Which flow changes make `reach diff` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum FailOn {
    /// The internet gained packets to some interface.
    NewExposure,
    /// Some source lost packets it had.
    LostAccess,
    /// Any flow gained, lost or newly undecided.
    AnyChange,
}

#[derive(clap::Args, Debug)]
pub(super) struct DiffArgs {
    /// The network before: a snapshot directory, a snapshot file, or a YAML model (`.yaml`). Repeatable.
    #[arg(long, value_name = "PATH", required = true)]
    before: Vec<PathBuf>,
    /// The network after, read like `--before`. Repeatable.
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "after_plan",
        conflicts_with = "after_plan"
    )]
    after: Vec<PathBuf>,
    /// Instead of `--after`: the before-network with a Terraform plan applied
    /// (`terraform show -json PLAN > plan.json`).
    #[arg(long, value_name = "plan.json")]
    after_plan: Option<PathBuf>,
    /// Exit 1 when a flow change of this kind is found (0 otherwise); without it, exit 0.
    #[arg(long, value_enum, value_name = "KIND")]
    fail_on: Option<FailOn>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// For `--format sarif|markdown`: Terraform files under DIR, where
    /// changes from a plan point.
    #[arg(long, value_name = "DIR")]
    tf_root: Option<PathBuf>,
}

/// Loads one side: directories and `.json` files as snapshots, `.yaml`/`.yml` as models.
fn load_side(paths: &[PathBuf]) -> Result<Network> {
    let mut loader = Loader::new();
    for p in paths {
        if is_model(p) {
            loader.add_model_path(p)?;
        } else {
            loader.add_snapshot_path(p)?;
        }
    }
    Ok(loader.finish()?)
}

fn is_model(p: &Path) -> bool {
    p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

/// Whether `d` has a flow change `fail_on` names.
pub(super) fn matched(d: &Diff, fail_on: FailOn) -> bool {
    d.flows.iter().any(|f| match fail_on {
        FailOn::NewExposure => f.is_new_exposure(),
        FailOn::LostAccess => f.direction == Direction::Lost,
        FailOn::AnyChange => true,
    })
}

pub(super) fn run(args: DiffArgs) -> Result<Verdict> {
    let before = load_side(&args.before)?;
    let mut plan_warnings = Vec::new();
    let after = match &args.after_plan {
        Some(plan) => {
            let mut after = before.clone();
            let report = reach::ingest::apply_terraform_plan(&mut after, plan)?;
            for w in &report.warnings {
                plan_warnings.push(format!("{}: `{}`: {}", report.file, w.address, w.message));
            }
            after
        }
        None => load_side(&args.after)?,
    };
    let d = diff::diff(&before, &after)?;
    let mut report = DiffReport::new(&d, &after, matches!(args.format, Format::Json));
    report.warnings.extend(plan_warnings.iter().cloned());
    let out = match args.format {
        Format::Json => report.to_json(),
        Format::Text => report.to_text(),
        f => {
            // Findings point into the after-side files: the plan's changes
            // at their Terraform blocks (`--tf-root`), else the before-side.
            let located: Vec<PathBuf> = if args.after_plan.is_some() {
                args.before.clone()
            } else {
                args.after.clone()
            };
            let run_id = format!("reach/diff/{}/", super::output::path_names(&located));
            let findings = FindingsReport::from_diff(&d, &report, run_id);
            super::output::ci_output(findings, f, &located, args.tf_root.clone())?
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    if !matches!(args.format, Format::Json) {
        let mut shown: Vec<&String> = Vec::new();
        for w in before
            .warnings
            .iter()
            .chain(&after.warnings)
            .chain(&plan_warnings)
        {
            if !shown.contains(&w) {
                eprintln!("warning: {w}");
                shown.push(w);
            }
        }
    }
    let verdict = match args.fail_on {
        Some(f) if matched(&d, f) => Verdict::Unreachable,
        _ => Verdict::Reachable,
    };
    // The process exits next: freeing two networks and a million flows one
    // by one took seconds (a tenth of the output's time at 10k with 1% of
    // rules changed).
    std::mem::forget((d, report, out, before, after));
    Ok(verdict)
}
