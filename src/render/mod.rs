//! Output: the only place with `Serialize` types. Builds one [`Report`] from
//! an analysis, then prints it as JSON (stable, documented in the README) or
//! as text for a person.

use serde::Serialize;

use crate::engine::{Analysis, Cause, End, Hop, Leaf, Path, Verdict, Via};
use crate::explain::{client_cidr_trap, explain};
use crate::model::Network;
use crate::prove::{Proof, Scope};

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub verdict: &'static str,
    /// With `--prove`: what the solver proved (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<ProofOut>,
    pub query: QueryOut,
    /// For `client` queries: the verdict per access endpoint and user group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<AccessOut>,
    pub paths: Vec<PathOut>,
    pub blocked_by: Vec<BlockOut>,
    pub unknown: Vec<UnknownOut>,
    /// Packets that get there and back (summaries, one line per box).
    pub reachable_packets: Vec<String>,
    /// Packets of the query that do not.
    pub unreachable_packets: Vec<String>,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
    pub skipped: Vec<SkippedOut>,
}

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

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct QueryOut {
    pub text: String,
    pub source: String,
    pub destination: String,
    pub protocol: String,
    pub ports: String,
    pub source_ports: String,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct AccessOut {
    pub endpoint: String,
    /// The user's group(s); absent = a user in none of the endpoint's groups
    /// (or certificate authentication).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub verdict: &'static str,
    pub associations: Vec<AssociationOut>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct AssociationOut {
    pub association: String,
    pub subnet: String,
    pub verdict: &'static str,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ViaOut {
    pub endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub association: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct HopOut {
    pub component: String,
    pub kind: &'static str,
    pub action: &'static str,
    pub rule: String,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct PathOut {
    pub verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<ViaOut>,
    pub hops: Vec<HopOut>,
    pub return_hops: Vec<HopOut>,
    /// Where this path's packets stop, if they do: `forward` or `return`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stops: Option<&'static str>,
    pub packets: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct BlockOut {
    pub component: String,
    pub kind: &'static str,
    pub direction: &'static str,
    pub rule: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// A trap worth knowing (e.g. a rule allowing the Client VPN client CIDR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub packets: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct UnknownOut {
    pub component: String,
    pub direction: &'static str,
    pub reason: String,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct SkippedOut {
    pub file: String,
    pub kind: String,
    pub count: usize,
}

const MAX_LINES: usize = 8;

fn hops(h: &[Hop]) -> Vec<HopOut> {
    h.iter()
        .map(|h| HopOut {
            component: h.component.clone(),
            kind: h.kind,
            action: h.action,
            rule: h.rule.clone(),
        })
        .collect()
}

/// How a user (class) reads in text: `group G`, `users in A and B`, `no group`.
fn who(group: Option<&str>) -> String {
    match group {
        Some(g) if crate::engine::users::is_class(g) => g.to_string(),
        Some(g) => format!("group {g}"),
        None => "no group".into(),
    }
}

/// `ipv6`: the packets stopped are IPv6 (the implicit `*` rule is 32768 there).
fn rule_of(cause: &Cause, ipv6: bool) -> String {
    match cause {
        Cause::SecurityGroup { inbound, .. } => format!(
            "no matching {} rule",
            if *inbound { "inbound" } else { "outbound" }
        ),
        Cause::NaclDeny { rule, inbound, .. } => format!(
            "{} rule {rule}",
            if *inbound { "inbound" } else { "outbound" }
        ),
        Cause::NaclDefaultDeny { inbound, .. } => format!(
            "{} rule * ({}, deny all)",
            if *inbound { "inbound" } else { "outbound" },
            if ipv6 { 32768 } else { 32767 }
        ),
        Cause::NoRoute { .. } => "no matching route".into(),
        Cause::Blackhole { route, .. } => format!("{route} (blackhole)"),
        _ => String::new(),
    }
}

fn block(leaf: &Leaf, cause: &Cause, via: Option<&Via>, net: &Network) -> Vec<BlockOut> {
    let e = explain(cause, &leaf.flow, leaf.direction);
    let (component, kind) = cause.component();
    let mut out = vec![BlockOut {
        component,
        kind,
        direction: leaf.direction.name(),
        rule: rule_of(cause, {
            let dst = leaf.flow.current(crate::hs::Field::Dst);
            !dst.is_empty() && dst.intersect(&crate::hs::all_v4()).is_empty()
        }),
        reason: e.reason.clone(),
        fix: e.fix.clone(),
        note: via.and_then(|v| client_cidr_trap(net, cause, v)),
        packets: leaf.flow.some.summary(MAX_LINES),
    }];
    // Every group of the interface could carry the missing rule.
    if let Cause::SecurityGroup { groups, .. } = cause {
        for g in groups.iter().skip(1) {
            let mut b = out[0].clone();
            b.component = g.clone();
            out.push(b);
        }
    }
    out
}

impl Report {
    pub fn new(a: &Analysis, net: &Network) -> Report {
        let q = &a.query;
        let mut blocked_by: Vec<BlockOut> = Vec::new();
        let mut unknown = Vec::new();
        let mut paths = Vec::new();
        // Forward stops first, then return stops: the order packets meet them.
        let stops = |p: &Path| p.stop().map(|l| (l.direction, l.clone(), p.via.clone()));
        let mut all_stops: Vec<_> = a.paths.iter().filter_map(stops).collect();
        all_stops.sort_by_key(|(d, _, _)| *d);
        for (_, leaf, via) in &all_stops {
            match &leaf.end {
                End::Dropped(c) => {
                    for b in block(leaf, c, via.as_ref(), net) {
                        if !blocked_by.iter().any(|x: &BlockOut| {
                            x.component == b.component
                                && x.rule == b.rule
                                && x.direction == b.direction
                                && x.reason == b.reason
                        }) {
                            blocked_by.push(b);
                        }
                    }
                }
                End::Unknown { component, reason } => unknown.push(UnknownOut {
                    component: component.clone(),
                    direction: leaf.direction.name(),
                    reason: reason.clone(),
                }),
                _ => {}
            }
        }
        for p in &a.paths {
            let last = p.back.as_ref().unwrap_or(&p.forward);
            paths.push(PathOut {
                verdict: p.verdict.name(),
                via: p.via.as_ref().map(|v| ViaOut {
                    endpoint: v.endpoint.clone(),
                    association: v.association.clone(),
                    group: v.group.clone(),
                }),
                hops: hops(&p.forward.hops),
                return_hops: p.back.as_ref().map(|b| hops(&b.hops)).unwrap_or_default(),
                stops: p.stop().map(|l| l.direction.name()),
                packets: last.flow.some.summary(MAX_LINES),
            });
        }
        let src_ports = if q.spec.protocol.has_ports() {
            format!("{}-{}", q.src_ports.0, q.src_ports.1)
        } else {
            String::new()
        };
        let ports = if q.spec.ports.0 == q.spec.ports.1 {
            q.spec.ports.0.to_string()
        } else {
            format!("{}-{}", q.spec.ports.0, q.spec.ports.1)
        };
        let mut warnings = net.warnings.clone();
        warnings.extend(
            net.skipped
                .iter()
                .map(|s| format!("skipped {} {} in {}: not modelled", s.count, s.kind, s.file)),
        );
        let unreachable = a.packets.difference(&a.reachable);
        Report {
            verdict: a.verdict.name(),
            proof: None,
            query: QueryOut {
                text: q.spec.text.clone(),
                source: match &q.spec.src {
                    crate::engine::SrcSpec::Internet => "internet".into(),
                    crate::engine::SrcSpec::Client => "client".into(),
                    crate::engine::SrcSpec::Ip(ip) => ip.to_string(),
                    crate::engine::SrcSpec::Instance(s) | crate::engine::SrcSpec::Eni(s) => {
                        s.clone()
                    }
                },
                destination: q.dst_ip.to_string(),
                protocol: q.spec.protocol.name(),
                ports,
                source_ports: src_ports,
            },
            access: a
                .access
                .iter()
                .map(|x| AccessOut {
                    endpoint: x.endpoint.clone(),
                    group: x.group.clone(),
                    verdict: x.verdict.name(),
                    associations: x
                        .associations
                        .iter()
                        .map(|(id, subnet, v)| AssociationOut {
                            association: id.clone(),
                            subnet: subnet.clone(),
                            verdict: v.name(),
                        })
                        .collect(),
                })
                .collect(),
            paths,
            blocked_by,
            unknown,
            reachable_packets: a.reachable.summary(MAX_LINES),
            unreachable_packets: if a.verdict == Verdict::Reachable {
                Vec::new()
            } else {
                unreachable.summary(MAX_LINES)
            },
            assumptions: a.assumptions.clone(),
            warnings,
            skipped: net
                .skipped
                .iter()
                .map(|s| SkippedOut {
                    file: s.file.to_string(),
                    kind: s.kind.clone(),
                    count: s.count,
                })
                .collect(),
        }
    }

    /// Adds the solver's proof (`--prove`).
    pub fn with_proof(mut self, p: &Proof) -> Report {
        self.proof = Some(ProofOut::new(p));
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Text for a person; ANSI colour only when `color`. With a proof, its
    /// lines come last.
    pub fn to_text(&self, color: bool) -> String {
        match &self.proof {
            Some(p) => self.body_text(color) + &p.to_text(),
            None => self.body_text(color),
        }
    }

    /// Text that leads with the proof (`reach prove`).
    pub fn to_text_proof_first(&self, color: bool) -> String {
        match &self.proof {
            Some(p) => p.to_text() + "\n" + &self.body_text(color),
            None => self.body_text(color),
        }
    }

    fn body_text(&self, color: bool) -> String {
        use std::fmt::Write;
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let verdict_color = verdict_color_of(self.verdict);
        let mut o = String::new();
        let q = &self.query;
        // An IPv6 destination prints bracketed, as the query is written.
        let dst = if q.destination.contains(':') {
            format!("[{}]", q.destination)
        } else {
            q.destination.clone()
        };
        let _ = writeln!(
            o,
            "{}: {} -> {dst}:{}/{}",
            paint(verdict_color, self.verdict),
            q.source,
            q.ports,
            q.protocol
        );
        if !self.reachable_packets.is_empty() && self.verdict != "reachable" {
            let _ = writeln!(o, "  gets through: {}", self.reachable_packets.join("; "));
        }
        if !self.unreachable_packets.is_empty() && self.verdict != "unreachable" {
            let short = self.unreachable_packets.len() <= 3
                && self.unreachable_packets.iter().all(|l| l.len() <= 120);
            if short {
                let _ = writeln!(o, "  does not: {}", self.unreachable_packets.join("; "));
            } else {
                let _ = writeln!(
                    o,
                    "  does not: the rest of the query (listed in --format json)"
                );
            }
        }
        if !self.access.is_empty() {
            let _ = writeln!(o, "\naccess:");
            for x in &self.access {
                let who = who(x.group.as_deref());
                let assocs = x
                    .associations
                    .iter()
                    .map(|a| format!("{} ({}) {}", a.association, a.subnet, a.verdict))
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = writeln!(
                    o,
                    "  {} {who}: {}{}",
                    x.endpoint,
                    paint(verdict_color_of(x.verdict), x.verdict),
                    if assocs.is_empty() {
                        String::new()
                    } else {
                        format!(" [{assocs}]")
                    }
                );
            }
        }
        for (n, p) in self.paths.iter().enumerate() {
            let via = p
                .via
                .as_ref()
                .map(|v| {
                    let mut parts = vec![v.endpoint.clone()];
                    parts.extend(v.association.clone());
                    parts.push(who(v.group.as_deref()));
                    format!(" via {}", parts.join(", "))
                })
                .unwrap_or_default();
            let _ = writeln!(o, "\npath {}{via} ({}):", n + 1, p.verdict);
            let step = |o: &mut String, i: usize, h: &HopOut| {
                let _ = writeln!(
                    o,
                    "  {:>2}. {:<24} {:<17} {:<14} {}",
                    i + 1,
                    h.component,
                    h.kind,
                    h.action,
                    h.rule
                );
            };
            let _ = writeln!(o, "  forward");
            for (i, h) in p.hops.iter().enumerate() {
                step(&mut o, i, h);
            }
            if !p.return_hops.is_empty() {
                let _ = writeln!(o, "  return");
                for (i, h) in p.return_hops.iter().enumerate() {
                    step(&mut o, i, h);
                }
            }
            if let Some(d) = p.stops {
                let _ = writeln!(o, "  {} here ({d})", paint("31", "stops"));
            }
        }
        if !self.blocked_by.is_empty() {
            let _ = writeln!(o, "\nblocked by:");
            for b in &self.blocked_by {
                let rule = if b.rule.is_empty() {
                    String::new()
                } else {
                    format!(" {}", b.rule)
                };
                let _ = writeln!(
                    o,
                    "  - {} ({}{rule}, {}): {}",
                    paint("1", &b.component),
                    b.kind,
                    b.direction,
                    b.reason
                );
                if let Some(f) = &b.fix {
                    let _ = writeln!(o, "    fix: {f}");
                }
                if let Some(n) = &b.note {
                    let _ = writeln!(o, "    note: {n}");
                }
            }
        }
        if !self.unknown.is_empty() {
            let _ = writeln!(o, "\nunknown (the input lacks something needed):");
            for u in &self.unknown {
                let _ = writeln!(o, "  - {} ({}): {}", u.component, u.direction, u.reason);
            }
        }
        if !self.assumptions.is_empty() {
            let _ = writeln!(o, "\nassumptions:");
            for a in &self.assumptions {
                let _ = writeln!(o, "  - {a}");
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(o, "\nwarnings:");
            for w in &self.warnings {
                let _ = writeln!(o, "  - {w}");
            }
        }
        o
    }
}

fn verdict_color_of(v: &str) -> &'static str {
    match v {
        "reachable" => "1;32",
        "unreachable" => "1;31",
        _ => "1;33",
    }
}
