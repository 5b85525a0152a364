//! Assertions evaluated on one loaded network: each an [`Outcome`] (holds,
//! violated, unknown) with its findings as data — the flow class, a witness
//! packet, the engine's answer for the witness's query, and the resource
//! that allows or blocks it. Never formats (that is `render::assert`).
//!
//! One file per family: `reach.rs` (`must_reach`, through `engine::check`),
//! `who.rs` (`must_not_reach`, `no_exposure`, `only`, through `who`;
//! `narrow.rs`: their header constraints and exclusions), `consistent.rs`
//! (Client VPN associations); shared: `results.rs` (the data),
//! `context.rs`, `witness.rs`.

mod consistent;
mod context;
mod narrow;
mod reach;
mod results;
mod who;
mod witness;

use crate::assert::error::AssertError;
use crate::assert::policy::{Assertion, Kind, Policy};
use crate::model::Network;

use context::Cx;
pub use results::{EXPLAINED_PER_ASSERTION, Finding, Outcome, Packet, Results, Status};

/// Evaluates every assertion of `policy` on `net` (loaded once).
pub fn evaluate(net: &Network, policy: &Policy) -> Result<Results, AssertError> {
    let outcomes = policy
        .assertions
        .iter()
        .map(|a| evaluate_one(net, &policy.file, a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Results {
        file: policy.file.clone(),
        outcomes,
    })
}

fn evaluate_one(net: &Network, file: &str, a: &Assertion) -> Result<Outcome, AssertError> {
    let cx = Cx { file, a };
    let (checked, mut findings) = match a.kind {
        Kind::MustReach => reach::must_reach(net, &cx)?,
        Kind::MustNotReach | Kind::NoExposure => who::forbid(net, &cx)?,
        Kind::Only => who::only(net, &cx)?,
        Kind::Consistent => consistent::consistent(net, &cx)?,
    };
    // Violations first, then undecided flows.
    findings.sort_by_key(|f| f.status != Status::Violated);
    let status = match findings.first() {
        None => Status::Holds,
        Some(f) => f.status,
    };
    let message = match findings.first() {
        None => format!(
            "holds: {checked} flow class{} checked",
            if checked == 1 { "" } else { "es" }
        ),
        Some(f) if findings.len() == 1 => f.message.clone(),
        Some(f) => format!("{} (and {} more)", f.message, findings.len() - 1),
    };
    Ok(Outcome {
        index: a.index,
        name: a.name.clone(),
        kind: a.kind,
        status,
        message,
        checked,
        findings,
    })
}
