//! `reach synth` and `reach tighten`: the result as text and JSON. The
//! changes as AWS CLI commands and Terraform are `emit.rs`'s; the patched
//! snapshot `snapshot.rs`'s.

use std::fmt::Write as _;

use serde::Serialize;

use crate::explain::Names;
use crate::model::Network;
use crate::synth::{Minimality, NewRule, Synthesis, Tightening, Verification};

use super::packets::{PacketsOut, packets};

#[derive(Serialize, Debug, Clone)]
pub struct MinimalityOut {
    /// `proved`, `bound` (the solver's best within its time limit) or
    /// `greedy` (not proved minimal).
    pub status: &'static str,
    pub solver: &'static str,
    pub time_ms: f64,
    /// In words.
    pub text: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct RuleOut {
    /// `security-group`, `network-acl`, `client-vpn-authorization` or `client-vpn-route`.
    pub kind: &'static str,
    /// The group, ACL or endpoint ID.
    pub component: String,
    /// `inbound`, `outbound` (none for Client VPN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    /// As the engine's traces print it.
    pub rule: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct CheckOut {
    pub intent: String,
    pub query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub expected: &'static str,
    pub verdict: &'static str,
}

#[derive(Serialize, Debug, Clone)]
pub struct GainedOut {
    pub flow: String,
    /// `intent`, `widened` (an intent's destination and ports from more
    /// sources: the granularity) or `beyond`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// The packets, as the engine prints sets.
    pub text: Vec<String>,
    pub packets: Vec<PacketsOut>,
}

#[derive(Serialize, Debug, Clone)]
pub struct VerificationOut {
    pub checks: Vec<CheckOut>,
    /// What `diff` compared.
    pub compared: String,
    pub newly_reachable: Vec<GainedOut>,
    pub exact: bool,
    pub time_ms: f64,
}

#[derive(Serialize, Debug, Clone)]
pub struct SynthReport {
    pub granularity: &'static str,
    pub minimality: MinimalityOut,
    /// Candidate rules the optimizer chose from.
    pub candidates: usize,
    /// The filter directions rewritten (their rules are replaced).
    pub rewritten: Vec<String>,
    pub rules: Vec<RuleOut>,
    /// The changes against the input, one line each.
    pub changes: Vec<String>,
    pub verification: VerificationOut,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
}

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

fn minimality(m: &Minimality) -> MinimalityOut {
    match m {
        Minimality::Proved { solver, time } => MinimalityOut {
            status: "proved",
            solver,
            time_ms: ms(*time),
            text: format!(
                "minimal (proved by {solver} in {} ms): no smaller rule set, then none narrower, exists among the candidates",
                ms(*time)
            ),
        },
        Minimality::Bound {
            solver,
            time,
            reason,
        } => MinimalityOut {
            status: "bound",
            solver,
            time_ms: ms(*time),
            text: format!(
                "not proved minimal: {solver} stopped after {} ms ({reason}); the rule count is an upper bound",
                ms(*time)
            ),
        },
        Minimality::Greedy { time } => MinimalityOut {
            status: "greedy",
            solver: "greedy",
            time_ms: ms(*time),
            text: format!(
                "not proved minimal: greedy set cover in {} ms (built without the `z3` feature); at most ln(n)+1 times the minimum",
                ms(*time)
            ),
        },
    }
}

fn rule_out(r: &NewRule) -> RuleOut {
    let place = r.place();
    RuleOut {
        kind: match r {
            NewRule::Sg { .. } => "security-group",
            NewRule::Nacl { .. } => "network-acl",
        },
        component: place.id().to_string(),
        direction: Some(place.dir().name()),
        rule: r.describe(),
    }
}

fn verification(v: &Verification, net: &Network) -> VerificationOut {
    VerificationOut {
        checks: v
            .checks
            .iter()
            .map(|c| CheckOut {
                intent: c.at.clone(),
                query: c.query.clone(),
                group: c.group.clone(),
                expected: c.want.name(),
                verdict: c.got.name(),
            })
            .collect(),
        compared: v.compared.clone(),
        newly_reachable: v
            .gained
            .iter()
            .map(|g| GainedOut {
                flow: g.class.clone(),
                kind: g.kind.name(),
                intent: g.intent.clone(),
                text: packets(&g.packets, &Names::new(net, Some(4)))
                    .into_iter()
                    .map(|p| p.text)
                    .collect(),
                packets: packets(&g.packets, &Names::new(net, None)),
            })
            .collect(),
        exact: v.exact(),
        time_ms: ms(v.time),
    }
}

/// One line per change, as `emit::aws_cli` would run it.
fn change_lines(changes: &[crate::synth::Change]) -> Vec<String> {
    use crate::synth::Change::*;
    changes
        .iter()
        .map(|c| match c {
            RouteCreate {
                endpoint,
                dest,
                subnet,
            } => format!("{endpoint}: add route {dest} -> {subnet}"),
            SgAuthorize { group, dir, rule } => format!(
                "{group}: authorize {}",
                crate::engine::describe_sg_rule(rule, dir.side()).replacen(
                    &format!(" rule {}:", rule.label()),
                    ":",
                    1
                )
            ),
            SgRevoke { group, dir, rule } => format!(
                "{group}: revoke {}",
                crate::engine::describe_sg_rule(rule, dir.side())
            ),
            NaclCreate { acl, dir, entry } => format!(
                "{acl}: create {}",
                crate::engine::describe_nacl_entry(entry, dir.side())
            ),
            NaclReplace {
                acl, dir, entry, ..
            } => format!(
                "{acl}: replace {}",
                crate::engine::describe_nacl_entry(entry, dir.side())
            ),
            NaclDelete { acl, dir, entry } => format!(
                "{acl}: delete {}",
                crate::engine::describe_nacl_entry(entry, dir.side())
            ),
            AuthAuthorize { endpoint, rule } => format!(
                "{endpoint}: authorize {}",
                crate::engine::client::describe_auth_rule(rule)
            ),
            AuthRevoke { endpoint, rule } => format!(
                "{endpoint}: revoke {}",
                crate::engine::client::describe_auth_rule(rule)
            ),
        })
        .collect()
}

impl SynthReport {
    pub fn new(s: &Synthesis, input: &Network, warnings: Vec<String>) -> SynthReport {
        let mut rules: Vec<RuleOut> = s.rules.iter().map(rule_out).collect();
        for a in &s.auth {
            rules.push(RuleOut {
                kind: "client-vpn-authorization",
                component: a.endpoint.clone(),
                direction: None,
                rule: crate::engine::client::describe_auth_rule(&a.rule),
            });
        }
        for r in &s.routes {
            rules.push(RuleOut {
                kind: "client-vpn-route",
                component: r.endpoint.clone(),
                direction: None,
                rule: format!("route {} -> {}", r.dest, r.subnet),
            });
        }
        SynthReport {
            granularity: s.granularity.name(),
            minimality: minimality(&s.minimality),
            candidates: s.candidates,
            rewritten: s
                .places
                .iter()
                .map(|p| p.describe())
                .chain(s.endpoints.iter().map(|e| format!("{e} authorization")))
                .collect(),
            rules,
            changes: change_lines(&s.changes),
            verification: verification(&s.verification, input),
            assumptions: s.assumptions.clone(),
            warnings,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "synth: {} rule(s), --peer {}: {}",
            self.rules.len(),
            self.granularity,
            self.minimality.text
        );
        let _ = writeln!(t, "\nrules ({} candidates):", self.candidates);
        for r in &self.rules {
            let _ = writeln!(t, "  {} {}", r.component, r.rule);
        }
        verification_text(&mut t, &self.verification);
        let _ = writeln!(t, "\nchanges against the input ({}):", self.changes.len());
        for c in &self.changes {
            let _ = writeln!(t, "  {c}");
        }
        if !self.assumptions.is_empty() {
            let _ = writeln!(t, "\nassumptions:");
            for a in &self.assumptions {
                let _ = writeln!(t, "  - {a}");
            }
        }
        t
    }
}

fn verification_text(t: &mut String, v: &VerificationOut) {
    let _ = writeln!(t, "\nverified by the engine ({} ms):", v.time_ms);
    for c in &v.checks {
        let _ = writeln!(
            t,
            "  {} {}{}: {} ({})",
            c.intent,
            c.query,
            c.group
                .as_ref()
                .map(|g| format!(" (group {g})"))
                .unwrap_or_default(),
            c.verdict,
            if c.verdict == c.expected {
                "as required"
            } else {
                "NOT as required"
            }
        );
    }
    let _ = writeln!(t, "  compared: {}", v.compared);
    if v.newly_reachable.is_empty() {
        let _ = writeln!(t, "  newly reachable: nothing");
    }
    for g in &v.newly_reachable {
        let _ = writeln!(
            t,
            "  newly reachable ({}{}): {}: {}",
            g.kind,
            g.intent
                .as_ref()
                .map(|i| format!(" {i}"))
                .unwrap_or_default(),
            g.flow,
            g.text.join("; ")
        );
    }
}

#[derive(Serialize, Debug, Clone)]
pub struct TightenFindingOut {
    pub component: String,
    pub rule: String,
    /// `remove` or `narrow`.
    pub action: &'static str,
    /// What it allows beyond the intents, as the engine prints sets.
    pub excess: Vec<String>,
    pub excess_packets: Vec<PacketsOut>,
    pub narrowed: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct TightenReport {
    pub granularity: &'static str,
    /// Rules compared with what the intents need.
    pub compared: usize,
    pub findings: Vec<TightenFindingOut>,
    pub changes: Vec<String>,
    pub verification: VerificationOut,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
}

impl TightenReport {
    pub fn new(t: &Tightening, input: &Network, warnings: Vec<String>) -> TightenReport {
        TightenReport {
            granularity: t.granularity.name(),
            compared: t.compared,
            findings: t
                .findings
                .iter()
                .map(|f| TightenFindingOut {
                    component: f.component.clone(),
                    rule: f.rule.clone(),
                    action: f.verdict.name(),
                    excess: f.excess.summary(8),
                    excess_packets: packets(&f.excess, &Names::new(input, None)),
                    narrowed: f.narrowed.clone(),
                })
                .collect(),
            changes: change_lines(&t.changes),
            verification: verification(&t.verification, input),
            assumptions: t.assumptions.clone(),
            warnings,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "tighten: {} of {} rule(s) allow more than the intents need (--peer {})",
            self.findings.len(),
            self.compared,
            self.granularity
        );
        for f in &self.findings {
            let _ = writeln!(t, "\n{} {}: {}", f.component, f.rule, f.action);
            let _ = writeln!(t, "  beyond the intents: {}", f.excess.join("; "));
            for n in &f.narrowed {
                let _ = writeln!(t, "  narrowed: {n}");
            }
        }
        verification_text(&mut t, &self.verification);
        let _ = writeln!(t, "\nchanges against the input ({}):", self.changes.len());
        for c in &self.changes {
            let _ = writeln!(t, "  {c}");
        }
        if !self.assumptions.is_empty() {
            let _ = writeln!(t, "\nassumptions:");
            for a in &self.assumptions {
                let _ = writeln!(t, "  - {a}");
            }
        }
        t
    }
}
