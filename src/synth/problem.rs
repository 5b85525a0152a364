//! The combinatorial choice: which candidate rules to write. A weighted
//! set cover with exclusions, posed as a [`Problem`] and answered behind the
//! [`Optimizer`] trait (`solve.rs`: z3's MaxSMT; `greedy.rs`: the fallback).

use std::time::Duration;

use super::types::SynthError;

/// Choose a subset of candidates: every entry of `covers` (the candidates
/// that let one need through) has a chosen one; in every `forbids` entry
/// (one path of a must-not: per crossing, the candidates that would let
/// some of it through) some crossing has none chosen.
#[derive(Clone, Debug, Default)]
pub struct Problem {
    /// Per candidate: how wide it is (the second objective).
    pub weights: Vec<u32>,
    pub covers: Vec<Vec<usize>>,
    pub forbids: Vec<(String, Vec<Vec<usize>>)>,
}

impl Problem {
    /// Whether `chosen` satisfies every constraint.
    pub fn satisfied_by(&self, chosen: &[bool]) -> bool {
        self.covers.iter().all(|c| c.iter().any(|&i| chosen[i]))
            && self
                .forbids
                .iter()
                .all(|(_, f)| f.iter().any(|t| t.iter().all(|&i| !chosen[i])))
    }
}

/// What is known about the answer's size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Minimality {
    /// The solver proved no smaller (then narrower) rule set exists among
    /// the candidates.
    Proved {
        solver: &'static str,
        time: Duration,
    },
    /// A rule set found within the time limit: an upper bound.
    Bound {
        solver: &'static str,
        time: Duration,
        reason: String,
    },
    /// The greedy fallback: not proved minimal.
    Greedy { time: Duration },
}

impl Minimality {
    pub fn time(&self) -> Duration {
        match self {
            Minimality::Proved { time, .. }
            | Minimality::Bound { time, .. }
            | Minimality::Greedy { time } => *time,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Solution {
    /// Indices of the chosen candidates.
    pub chosen: Vec<usize>,
    pub minimality: Minimality,
}

/// A backend that picks the rules.
pub trait Optimizer {
    fn name(&self) -> &'static str;
    fn solve(&mut self, p: &Problem) -> Result<Solution, SynthError>;
}

/// Names the must-nots that cannot hold with the intents.
pub(super) fn infeasible_reason(p: &Problem) -> String {
    let names: Vec<&str> = p.forbids.iter().map(|(at, _)| at.as_str()).collect();
    if names.is_empty() {
        "the intents' needs cannot all be covered".into()
    } else {
        format!(
            "the must-nots ({}) cannot stay unreachable while the intents are reachable at this granularity (try --peer host)",
            {
                let mut n = names.clone();
                n.dedup();
                n.join(", ")
            }
        )
    }
}
