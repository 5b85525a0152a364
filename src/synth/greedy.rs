//! The fallback without a solver: a greedy set cover, **not proved
//! minimal**. Repeatedly takes the candidate that lets through the most
//! needs not yet covered (ties: the narrower), skipping any that would
//! open every crossing of a must-not's path; then drops chosen rules that
//! others make redundant, widest first. The classic greedy bound applies:
//! at most H(n) ≈ ln n + 1 times the minimum number of rules, n the
//! largest number of needs one rule covers.

use std::time::Instant;

use super::problem::{Minimality, Optimizer, Problem, Solution, infeasible_reason};
use super::types::SynthError;

#[derive(Clone, Copy, Debug, Default)]
pub struct Greedy;

impl Optimizer for Greedy {
    fn name(&self) -> &'static str {
        "greedy"
    }

    fn solve(&mut self, p: &Problem) -> Result<Solution, SynthError> {
        let start = Instant::now();
        let n = p.weights.len();
        let mut chosen = vec![false; n];
        let mut covered = vec![false; p.covers.len()];
        // Per candidate, the needs it covers.
        let mut by_cand: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (k, c) in p.covers.iter().enumerate() {
            for &i in c {
                by_cand[i].push(k);
            }
        }
        // Would choosing `i` open a must-not path entirely?
        let opens = |chosen: &[bool], i: usize| {
            p.forbids
                .iter()
                .any(|(_, f)| f.iter().all(|t| t.iter().any(|&j| j == i || chosen[j])))
        };
        while covered.iter().any(|c| !c) {
            let best = (0..n)
                .filter(|&i| !chosen[i] && !opens(&chosen, i))
                .map(|i| {
                    let gain = by_cand[i].iter().filter(|&&k| !covered[k]).count();
                    (i, gain)
                })
                .filter(|(_, g)| *g > 0)
                .max_by(|a, b| a.1.cmp(&b.1).then(p.weights[b.0].cmp(&p.weights[a.0])));
            let Some((i, _)) = best else {
                return Err(SynthError::Infeasible(infeasible_reason(p)));
            };
            chosen[i] = true;
            for &k in &by_cand[i] {
                covered[k] = true;
            }
        }
        // Drop what the others make redundant, widest first.
        let mut order: Vec<usize> = (0..n).filter(|&i| chosen[i]).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(p.weights[i]));
        for i in order {
            chosen[i] = false;
            if !p.covers.iter().all(|c| c.iter().any(|&j| chosen[j])) {
                chosen[i] = true;
            }
        }
        Ok(Solution {
            chosen: (0..n).filter(|&i| chosen[i]).collect(),
            minimality: Minimality::Greedy {
                time: start.elapsed(),
            },
        })
    }
}
