//! The combinatorial choice: which candidate rules to write. A weighted
//! set cover with exclusions, solved behind the [`Optimizer`] trait: z3's
//! `Optimize` (MaxSMT, lexicographic: fewest rules, then narrowest) when
//! the `z3` feature is on, else [`Greedy`](super::Greedy).

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

/// z3 when built with it, else the greedy fallback.
pub fn default_optimizer() -> Box<dyn Optimizer> {
    #[cfg(feature = "z3")]
    {
        Box::new(Z3Optimizer::default())
    }
    #[cfg(not(feature = "z3"))]
    {
        Box::new(super::Greedy)
    }
}

/// z3's `Optimize`: one Boolean per candidate; hard constraints for covers
/// and forbids; minimize the number chosen, then the sum of widths
/// (lexicographic). `sat` within the time limit is proved optimal;
/// `unknown` with a model is a bound (the greedy's answer when z3 has none).
#[cfg(feature = "z3")]
#[derive(Debug)]
pub struct Z3Optimizer {
    pub timeout: Duration,
}

#[cfg(feature = "z3")]
impl Default for Z3Optimizer {
    fn default() -> Self {
        Z3Optimizer {
            timeout: Duration::from_secs(30),
        }
    }
}

#[cfg(feature = "z3")]
impl Optimizer for Z3Optimizer {
    fn name(&self) -> &'static str {
        "z3"
    }

    fn solve(&mut self, p: &Problem) -> Result<Solution, SynthError> {
        use z3::ast::{Bool, Int};
        use z3::{Optimize, Params, SatResult};
        let start = std::time::Instant::now();
        let opt = Optimize::new();
        let mut params = Params::new();
        params.set_u32(
            "timeout",
            u32::try_from(self.timeout.as_millis()).unwrap_or(u32::MAX),
        );
        opt.set_params(&params);
        let vars: Vec<Bool> = (0..p.weights.len())
            .map(|i| Bool::new_const(format!("c{i}")))
            .collect();
        for c in &p.covers {
            let alts: Vec<Bool> = c.iter().map(|&i| vars[i].clone()).collect();
            opt.assert(&Bool::or(&alts));
        }
        for (_, f) in &p.forbids {
            let closed: Vec<Bool> = f
                .iter()
                .map(|t| {
                    let nots: Vec<Bool> = t.iter().map(|&i| vars[i].not()).collect();
                    Bool::and(&nots)
                })
                .collect();
            opt.assert(&Bool::or(&closed));
        }
        let zero = Int::from_u64(0);
        let count: Vec<Int> = vars
            .iter()
            .map(|v| v.ite(&Int::from_u64(1), &zero))
            .collect();
        let width: Vec<Int> = vars
            .iter()
            .zip(&p.weights)
            .map(|(v, w)| v.ite(&Int::from_u64(u64::from(*w)), &zero))
            .collect();
        if !vars.is_empty() {
            opt.minimize(&Int::add(&count));
            opt.minimize(&Int::add(&width));
        }
        let r = opt.check(&[]);
        let time = start.elapsed();
        let read = |m: &z3::Model| -> Vec<usize> {
            vars.iter()
                .enumerate()
                .filter(|(_, v)| m.eval(*v, true).and_then(|b| b.as_bool()).unwrap_or(false))
                .map(|(i, _)| i)
                .collect()
        };
        match r {
            SatResult::Sat => {
                let m = opt.get_model().ok_or_else(|| SynthError::Solver {
                    solver: "z3",
                    message: "sat without a model".into(),
                })?;
                Ok(Solution {
                    chosen: read(&m),
                    minimality: Minimality::Proved { solver: "z3", time },
                })
            }
            SatResult::Unsat => Err(SynthError::Infeasible(infeasible_reason(p))),
            SatResult::Unknown => {
                let reason = opt.get_reason_unknown().unwrap_or_else(|| "unknown".into());
                let chosen = opt.get_model().map(|m| read(&m)).filter(|c| {
                    let mut v = vec![false; p.weights.len()];
                    c.iter().for_each(|&i| v[i] = true);
                    p.satisfied_by(&v)
                });
                let chosen = match chosen {
                    Some(c) => c,
                    None => super::Greedy.solve(p)?.chosen,
                };
                Ok(Solution {
                    chosen,
                    minimality: Minimality::Bound {
                        solver: "z3",
                        time,
                        reason,
                    },
                })
            }
        }
    }
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
