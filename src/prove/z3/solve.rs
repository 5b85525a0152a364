//! The solver loop: the `Solver` implementation that asks z3 for a failing, a succeeding and an undecided packet.

use ::z3::{Params, SatResult};

use super::encode::encode;
use super::terms::never;
use crate::engine::Query;
use crate::model::Network;
use crate::prove::solver::{ProveError, Scope, Solver, Witnesses};

/// Per solver call.
const TIMEOUT_MS: u32 = 120_000;

/// z3, through the `z3` crate against the system libz3.
#[derive(Debug, Default)]
pub struct Z3Solver;

impl Z3Solver {
    pub fn new() -> Z3Solver {
        Z3Solver
    }
}

impl Solver for Z3Solver {
    fn name(&self) -> &'static str {
        "z3"
    }

    fn witnesses(
        &mut self,
        net: &Network,
        query: &Query,
        scope: &Scope,
    ) -> Result<Witnesses, ProveError> {
        let enc = encode(net, query, scope)?;
        let solver = ::z3::Solver::new();
        let mut params = Params::new();
        params.set_u32("timeout", TIMEOUT_MS);
        solver.set_params(&params);
        solver.assert(&enc.domain);
        let mut w = Witnesses::default();
        // A packet of the query on a branch the encoding does not decide.
        if !never(&enc.out.unsup) {
            solver.push();
            solver.assert(&enc.out.unsup);
            w.queries += 1;
            let r = solver.check();
            solver.pop(1);
            match r {
                SatResult::Unsat => {}
                SatResult::Sat => {
                    return Err(ProveError::Unsupported(enc.unsupported.join("; ")));
                }
                SatResult::Unknown => {
                    return Err(ProveError::Solver {
                        solver: "z3",
                        reason: solver
                            .get_reason_unknown()
                            .unwrap_or_else(|| "unknown".into()),
                    });
                }
            }
        }
        let goals = [enc.out.ok.not(), enc.out.ok.clone(), enc.out.unk.clone()];
        let mut found = Vec::new();
        for goal in goals {
            solver.push();
            solver.assert(&goal);
            w.queries += 1;
            let r = solver.check();
            found.push(match r {
                SatResult::Unsat => None,
                SatResult::Sat => {
                    let m = solver.get_model().ok_or_else(|| ProveError::Solver {
                        solver: "z3",
                        reason: "sat without a model".into(),
                    })?;
                    Some(enc.packet(&m))
                }
                SatResult::Unknown => {
                    return Err(ProveError::Solver {
                        solver: "z3",
                        reason: solver
                            .get_reason_unknown()
                            .unwrap_or_else(|| "unknown".into()),
                    });
                }
            });
            solver.pop(1);
        }
        let mut it = found.into_iter();
        w.fails = it.next().flatten();
        w.reaches = it.next().flatten();
        w.undecided = it.next().flatten();
        Ok(w)
    }
}
