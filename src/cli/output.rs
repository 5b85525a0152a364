//! The CI formats' output of a command: SARIF, JUnit or markdown, each
//! finding pointed at the line of the input (or `.tf`) file behind it.

use std::path::PathBuf;

use anyhow::{Context, Result};

use reach::ingest::Locator;
use reach::render::{FindingsReport, Location};

use super::args::{Format, Inputs};

/// Paths as named on the command line, for a run's ID.
pub(super) fn path_names(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.display().to_string().replace('\\', "/"))
        .collect();
    names.join("+")
}

/// The inputs as named on the command line, for a run's ID.
pub(super) fn input_names(inputs: &Inputs) -> String {
    path_names(&inputs.paths())
}

/// Writes `findings` as SARIF, JUnit or markdown. For the first and last,
/// each finding is pointed at the line of the input (or `.tf`) file that
/// defines its resource or rule, the input files being the fallback; the
/// inputs are read again, only for the formats that show locations.
pub(super) fn ci_output(
    mut findings: FindingsReport,
    format: Format,
    paths: &[PathBuf],
    tf_root: Option<PathBuf>,
) -> Result<String> {
    if format != Format::Junit {
        locate_in(&mut findings, paths, tf_root)?;
    }
    Ok(match format {
        Format::Sarif => findings.to_sarif(),
        Format::Junit => findings.to_junit(),
        _ => findings.to_markdown(),
    })
}

/// Fills in the findings' locations from `paths` (see [`ci_output`]).
fn locate_in(
    report: &mut FindingsReport,
    paths: &[PathBuf],
    tf_root: Option<PathBuf>,
) -> Result<()> {
    let cwd = std::env::current_dir().context("current directory")?;
    let mut locator = Locator::new(paths, &cwd)?;
    if let Some(dir) = tf_root {
        locator = locator.with_tf_root(dir);
    }
    report.inputs = locator.inputs();
    for f in &mut report.findings {
        let found = f
            .tf_address
            .as_deref()
            .and_then(|a| locator.terraform(a))
            .or_else(|| {
                f.resource
                    .as_deref()
                    .and_then(|r| locator.resource(r, f.rule.as_deref()))
            });
        f.location = found.map(|l| Location {
            file: l.file,
            line: l.line,
        });
    }
    Ok(())
}
