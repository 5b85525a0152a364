//! `reach synth` and `reach tighten`: least privilege from intents.
//!
//! `synth` finds the filters (security-group directions, network ACL
//! directions, Client VPN authorization) the intents' paths cross, and
//! rewrites them with the fewest rules that make exactly the intents
//! reachable at a chosen granularity; `tighten` starts from the rules the
//! input has and says which can go or be narrowed, with what each allows
//! beyond the intents. Stages, one file each: `intents.rs` (the file),
//! `discover.rs` (the engine's paths in an opened network), `needs.rs`
//! (→ what each filter must let through), `candidates.rs` (→ candidate
//! rules and the covering problem), `problem.rs` (the problem and the
//! [`Optimizer`] trait), `solve.rs` (the z3 MaxSMT implementation behind the
//! `z3` feature), `greedy.rs` (the documented fallback), `patch.rs` (model
//! edits: a rewritten network and the changes against the input),
//! `verify.rs` (the engine and `diff` re-check every result), `tighten.rs`;
//! below them all `types.rs`, the words every stage shares (places, the
//! rules synth writes, granularity, errors).
//!
//! Consumes engine answers (`check`, `Analysis`, its paths' hops and packet
//! sets) and `diff`; never walks packets itself, never formats output
//! (`render::synth` does), and reaches a solver only through [`Optimizer`].

mod candidates;
mod discover;
mod greedy;
mod intents;
mod needs;
mod patch;
mod problem;
mod solve;
mod tighten;
mod types;
mod verify;

use crate::model::Network;

pub use greedy::Greedy;
pub use intents::{Intent, Intents, parse as parse_intents};
pub use needs::Need;
pub use patch::Change;
pub use problem::{Minimality, Optimizer, Problem, Solution};
pub use solve::default_optimizer;
pub use tighten::{Finding as TightenFinding, Tightening, Verdict as TightenVerdict, tighten};
pub use types::{Dir, Granularity, NewAuth, NewRoute, NewRule, Place, SynthError};
pub use verify::{Check, Verification};

#[cfg(feature = "z3")]
pub use solve::Z3Optimizer;

/// How synth was asked.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub granularity: Granularity,
}

/// The answer of `reach synth`.
#[derive(Clone, Debug)]
pub struct Synthesis {
    pub granularity: Granularity,
    pub intents: Intents,
    /// The filter directions rewritten (everything they had is replaced).
    pub places: Vec<Place>,
    /// The Client VPN endpoints whose authorization rules are rewritten.
    pub endpoints: Vec<String>,
    pub rules: Vec<NewRule>,
    pub auth: Vec<NewAuth>,
    pub routes: Vec<NewRoute>,
    pub minimality: Minimality,
    /// Candidates the optimizer chose from.
    pub candidates: usize,
    /// The network with the result applied.
    pub result: Network,
    /// The changes against the input, in the order to apply them.
    pub changes: Vec<Change>,
    pub verification: Verification,
    pub assumptions: Vec<String>,
}

/// Synthesizes the smallest rule set for `intents` on `net`.
pub fn synth(
    net: &Network,
    intents: &Intents,
    opts: &Options,
    optimizer: &mut dyn Optimizer,
) -> Result<Synthesis, SynthError> {
    let found = discover::discover(net, intents, opts.granularity)?;
    let problem = found.problem(net, intents)?;
    let solution = optimizer.solve(&problem.problem)?;
    let mut rules: Vec<NewRule> = solution
        .chosen
        .iter()
        .map(|&i| problem.candidates[i].clone())
        .collect();
    patch::number(&mut rules);
    let result = patch::rewrite(&found.base, &rules, &found.auth, &found.endpoints);
    let changes = patch::changes(net, &result, &found.places, &found.endpoints, &found.routes);
    let verification = verify::verify_synth(&found.base, &result, intents, &rules)?;
    let mut assumptions = found.assumptions.clone();
    assumptions.push(format!(
        "rewritten: {} filter direction(s) the intents' paths cross ({}); everything they allowed before is replaced; routes stay as in the input",
        found.places.len(),
        found
            .places
            .iter()
            .map(Place::describe)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(Synthesis {
        granularity: opts.granularity,
        intents: intents.clone(),
        places: found.places.clone(),
        endpoints: found.endpoints.clone(),
        rules,
        auth: found.auth.clone(),
        routes: found.routes.clone(),
        minimality: solution.minimality,
        candidates: problem.candidates.len(),
        result,
        changes,
        verification,
        assumptions,
    })
}
