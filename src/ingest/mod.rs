//! Reads AWS CLI JSON snapshots and the project's YAML models into a
//! validated [`Network`](crate::model::Network).
//!
//! [`Loader`] accumulates documents (`add_*`), then [`Loader::finish`] merges
//! them, applies AWS's implicit defaults to YAML designs, and checks references.
//! Every error names the file, and for a resource problem the resource and field.
//!
//! Layers, each importing only those below it: `error`, `common` (values),
//! `state` (what readers write), `defaults` (what AWS implies); the readers
//! `aws` and `yaml`, which never import each other; `finish` (once every file
//! is read); `loader` (IO: [`Loader`]) on top, and over it `cache`
//! (IO too: [`load_inputs`], a loaded network kept for `--cache DIR`).
//! Beside them, `locate` (IO too) reads the input files again, only when
//! asked, to point at the line that defines a resource (SARIF, markdown).

mod aws;
mod cache;
mod common;
mod defaults;
mod error;
mod files;
mod finish;
mod loader;
pub mod locate;
mod state;
mod terraform;
mod yaml;

use std::path::Path;

use crate::model::Network;

pub use cache::load_inputs;
pub use error::IngestError;
use files::{decode_owned, io_err};
pub use loader::Loader;
pub use locate::{Locator, SourceLine};
pub use terraform::{AppliedChange, PlanAction, PlanReport, PlanWarning};

/// Applies the Terraform plan at `path` (the JSON `terraform show -json
/// PLAN` prints) to `net`: the what-if of `reach diff --after-plan`. IO
/// happens here. On an error (naming the file, and the resource address and
/// field when there is one) `net` is unchanged.
pub fn apply_terraform_plan(net: &mut Network, path: &Path) -> Result<PlanReport, IngestError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| io_err(&name, "cannot read", &e))?;
    let text = decode_owned(&name, bytes)?;
    terraform::apply(net, &name, &text)
}

/// [`apply_terraform_plan`] on a plan's text; `file` is only used in
/// messages and origins. No IO.
pub fn apply_terraform_plan_json(
    net: &mut Network,
    file: &str,
    text: &str,
) -> Result<PlanReport, IngestError> {
    terraform::apply(net, file, text)
}

#[cfg(test)]
mod tests;
