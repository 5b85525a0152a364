//! The solver's proof (`--prove`) as data and as text.

use serde::Serialize;

use crate::prove::{Proof, Scope};

/// The solver's proof of the verdict (`--prove`).
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ProofOut {
    pub solver: &'static str,
    pub verdict: &'static str,
    /// Solver calls.
    pub queries: usize,
    /// Packets the solver found, replayed through the engine.
    pub replayed: usize,
    pub millis: u128,
    /// Per scope (the query, or each Client VPN endpoint and user): what was proved.
    pub scopes: Vec<ProofScopeOut>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ProofScopeOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub verdict: &'static str,
    /// A packet (with the network's choices) that does not get there and back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<String>,
    /// A packet that does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<String>,
    /// A packet the input cannot decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undecided: Option<String>,
}

impl ProofOut {
    pub fn new(p: &Proof) -> ProofOut {
        let show = |x: &Option<crate::prove::Packet>| x.as_ref().map(|p| p.to_string());
        ProofOut {
            solver: p.solver,
            verdict: p.verdict.name(),
            queries: p.queries,
            replayed: p.replayed,
            millis: p.elapsed.as_millis(),
            scopes: p
                .scopes
                .iter()
                .map(|s| {
                    let (endpoint, group) = match &s.scope {
                        Scope::Query => (None, None),
                        Scope::Client {
                            endpoint, label, ..
                        } => (Some(endpoint.clone()), label.clone()),
                    };
                    ProofScopeOut {
                        endpoint,
                        group,
                        verdict: s.verdict.name(),
                        counterexample: show(&s.witnesses.fails),
                        witness: show(&s.witnesses.reaches),
                        undecided: show(&s.witnesses.undecided),
                    }
                })
                .collect(),
        }
    }

    /// `proof: z3 proved reachable (3 queries, 1 packet replayed, 14 ms)`.
    pub fn line(&self) -> String {
        format!(
            "proof: {} proved {} ({} quer{}, {} packet{} replayed through the engine, {} ms)",
            self.solver,
            self.verdict,
            self.queries,
            if self.queries == 1 { "y" } else { "ies" },
            self.replayed,
            if self.replayed == 1 { "" } else { "s" },
            self.millis
        )
    }

    /// The line, then one line per scope with its packets.
    pub fn to_text(&self) -> String {
        let mut o = self.line() + "\n";
        for s in &self.scopes {
            let at = match (&s.endpoint, &s.group) {
                (Some(e), Some(g)) => format!("{e} group {g}: "),
                (Some(e), None) => format!("{e} no group: "),
                _ => String::new(),
            };
            let mut parts = vec![s.verdict.to_string()];
            if let Some(p) = &s.counterexample {
                parts.push(format!("fails: {p}"));
            }
            if let Some(p) = &s.witness {
                parts.push(format!("gets through: {p}"));
            }
            if let Some(p) = &s.undecided {
                parts.push(format!("undecided: {p}"));
            }
            o += &format!("  {at}{}\n", parts.join("; "));
        }
        o
    }
}
