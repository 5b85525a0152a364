//! Output: the only place with `Serialize` types. Builds one [`Report`]
//! (`report.rs`) from an analysis, then prints it as JSON (stable, documented in the README and
//! `schema/check.json`; complete: nothing is cut) or as text for a person
//! (`text.rs`: cut to what a person reads, about 40 lines).
//!
//! For CI, commands also produce a format-neutral [`FindingsReport`]
//! (`findings.rs`), written as SARIF (`sarif.rs`), JUnit XML (`junit.rs`)
//! or a markdown comment (`markdown.rs`); those formats know nothing of how
//! the findings were computed.

mod assert;
mod diff;
pub mod emit;
pub mod exposure;
pub mod findings;
mod json;
mod junit;
pub mod lint;
mod markdown;
mod packets;
mod proof;
pub mod queries;
mod report;
mod sarif;
pub mod snapshot;
pub mod synth;
mod text;
mod who;

pub use assert::{AssertReport, AssertionOut, FindingOut, explanation};
pub use diff::{ChangeOut, DiffReport, FlowOut};
pub use findings::{Finding, FindingsReport, Location, Severity};
pub use packets::PacketsOut;
pub use proof::{ProofOut, ProofScopeOut};
pub use report::{
    AccessOut, AssociationOut, BlockOut, HopOut, PathOut, QueryOut, Report, SkippedOut, UnknownOut,
    ViaOut,
};
pub use sarif::{FINGERPRINT_KEY, fingerprint};
pub use who::{WhoReport, WhoSourceOut};
