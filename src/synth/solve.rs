//! The solvers behind [`Optimizer`]: z3's `Optimize` (MaxSMT, lexicographic:
//! fewest rules, then narrowest) when the `z3` feature is on, else
//! [`Greedy`], which z3 also falls back on when it has no model.

#[cfg(feature = "z3")]
use std::time::Duration;

use super::greedy::Greedy;
use super::problem::Optimizer;
#[cfg(feature = "z3")]
use super::problem::{Minimality, Problem, Solution, infeasible_reason};
#[cfg(feature = "z3")]
use super::types::SynthError;

/// z3 when built with it, else the greedy fallback.
pub fn default_optimizer() -> Box<dyn Optimizer> {
    #[cfg(feature = "z3")]
    {
        Box::new(Z3Optimizer::default())
    }
    #[cfg(not(feature = "z3"))]
    {
        Box::new(Greedy)
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
                    None => Greedy.solve(p)?.chosen,
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
