//! The report of one query (`reach check`): verdict, paths with their hops,
//! what blocks, what is undecided and the packets of each, built from an
//! [`Analysis`]; `json.rs` and `text.rs` print it.

use std::collections::BTreeSet;

use serde::Serialize;

use super::packets::{PacketsOut, packets};
use super::proof::ProofOut;
use crate::engine::{Analysis, Cause, End, Flow, Hop, Leaf, Path, Verdict, Via};
use crate::explain::{Names, blocker, client_cidr_trap, explain};
use crate::hs::{self, Field, PacketSet};
use crate::model::Network;
use crate::prove::Proof;

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
    /// Packets that get there and back whatever the network chooses.
    pub reachable_packets: Vec<PacketsOut>,
    /// Packets of the query that do not (neither reachable nor undecided).
    pub unreachable_packets: Vec<PacketsOut>,
    /// Packets whose fate the input cannot decide (`unknown`).
    pub undecided_packets: Vec<PacketsOut>,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
    pub skipped: Vec<SkippedOut>,
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
    /// What stops this user's packets, in the order they meet it (rule and component).
    pub blocked_by: Vec<String>,
    /// Components where this user's packets become undecided.
    pub unknown_at: Vec<String>,
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
    /// When `rule` names a prefix list: the entries (CIDRs) that matched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<String>,
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
    pub packets: Vec<PacketsOut>,
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
    pub packets: Vec<PacketsOut>,
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

fn hops(h: &[Hop]) -> Vec<HopOut> {
    h.iter()
        .map(|h| HopOut {
            component: h.component.clone(),
            kind: h.kind,
            action: h.action,
            rule: h.rule.clone(),
            entries: h.entry.iter().cloned().collect(),
        })
        .collect()
}

/// `ipv6`: the packets stopped are IPv6 (the implicit `*` rule is 32768 there).
pub(super) fn rule_of(cause: &Cause, ipv6: bool) -> String {
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
        Cause::Blackhole { route, .. } | Cause::TgwBlackhole { route, .. } => {
            format!("{route} (blackhole)")
        }
        Cause::TgwNoRoute { .. } => "no matching route".into(),
        _ => String::new(),
    }
}

fn block(
    leaf: &Leaf,
    cause: &Cause,
    via: Option<&Via>,
    net: &Network,
    names: &Names,
) -> Vec<BlockOut> {
    let e = explain(cause, &leaf.flow, leaf.direction, names);
    let (component, kind) = cause.component();
    let mut out = vec![BlockOut {
        component,
        kind,
        direction: leaf.direction.name(),
        rule: rule_of(cause, {
            let dst = leaf.flow.current(Field::Dst);
            !dst.is_empty() && dst.intersect(&hs::all_v4()).is_empty()
        }),
        reason: e.reason.clone(),
        fix: e.fix.clone(),
        note: via.and_then(|v| client_cidr_trap(net, cause, v)),
        packets: packets(&leaf.flow.some, names),
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

/// Paths that differ only in their packets or in the prefix-list entry a
/// route matched are one path: their packets and entries are joined.
fn merged_paths(a: &Analysis, names: &Names) -> Vec<PathOut> {
    struct Group<'a> {
        /// The merged paths, the first standing for them all.
        all: Vec<&'a Path>,
        packets: PacketSet,
        entries: Vec<(usize, BTreeSet<String>)>,
    }
    let key = |p: &Path| {
        let hops = |l: &Leaf| {
            l.hops
                .iter()
                .map(|h| {
                    format!(
                        "{}\u{1}{}\u{1}{}\u{1}{}",
                        h.component, h.kind, h.action, h.rule
                    )
                })
                .collect::<Vec<_>>()
        };
        (
            p.verdict.name(),
            p.via
                .as_ref()
                .map(|v| (v.endpoint.clone(), v.association.clone(), v.group.clone())),
            hops(&p.forward),
            p.back.as_ref().map(hops),
            p.stop().map(|l| l.direction.name()),
        )
    };
    let mut groups: Vec<(_, Group)> = Vec::new();
    for p in &a.paths {
        let k = key(p);
        let last = p.back.as_ref().unwrap_or(&p.forward);
        let all_hops = p
            .forward
            .hops
            .iter()
            .chain(p.back.iter().flat_map(|b| b.hops.iter()));
        let entries: Vec<(usize, Option<&String>)> = all_hops
            .enumerate()
            .map(|(i, h)| (i, h.entry.as_ref()))
            .collect();
        match groups.iter_mut().find(|(gk, _)| *gk == k) {
            Some((_, g)) => {
                g.all.push(p);
                g.packets = g.packets.union(&last.flow.some);
                for (i, e) in entries {
                    if let (Some(e), Some(slot)) = (e, g.entries.get_mut(i)) {
                        slot.1.insert(e.clone());
                    }
                }
            }
            None => groups.push((
                k,
                Group {
                    all: vec![p],
                    packets: last.flow.some.clone(),
                    entries: entries
                        .into_iter()
                        .map(|(i, e)| (i, e.into_iter().cloned().collect()))
                        .collect(),
                },
            )),
        }
    }
    groups
        .into_iter()
        .map(|(_, g)| {
            let p = g.all[0];
            let mut set = g.packets;
            set.coalesce();
            let n = p.forward.hops.len();
            let with_entries = |mut hs: Vec<HopOut>, offset: usize| {
                for (i, h) in hs.iter_mut().enumerate() {
                    if let Some((_, e)) = g.entries.get(i + offset) {
                        h.entries = e.iter().cloned().collect();
                    }
                }
                hs
            };
            // Replies split across the merged paths may together cover
            // every request: the verdict is over the union.
            let mut verdict = p.verdict;
            if p.stop().is_none() && p.back.is_some() && g.all.len() > 1 {
                let want = g
                    .all
                    .iter()
                    .fold(PacketSet::empty(), |a, q| a.union(&q.forward.flow.some));
                let backs: Vec<&Flow> = g
                    .all
                    .iter()
                    .filter_map(|q| q.back.as_ref().map(|b| &b.flow))
                    .collect();
                if want.is_subset(&Flow::all_of_union(&backs)) {
                    verdict = Verdict::Reachable;
                }
            }
            PathOut {
                verdict: verdict.name(),
                via: p.via.as_ref().map(|v| ViaOut {
                    endpoint: v.endpoint.clone(),
                    association: v.association.clone(),
                    group: v.group.clone(),
                }),
                hops: with_entries(hops(&p.forward.hops), 0),
                return_hops: with_entries(
                    p.back.as_ref().map(|b| hops(&b.hops)).unwrap_or_default(),
                    n,
                ),
                stops: p.stop().map(|l| l.direction.name()),
                packets: packets(&set, names),
            }
        })
        .collect()
}

impl Report {
    /// The complete report: every list in full (for JSON).
    pub fn new(a: &Analysis, net: &Network) -> Report {
        Report::build(a, net, &Names::new(net, None))
    }

    /// The report for a person: long address lists cut to a few CIDRs, sets
    /// written against named universes (for text).
    pub fn brief(a: &Analysis, net: &Network) -> Report {
        Report::build(a, net, &Names::new(net, Some(8)))
    }

    fn build(a: &Analysis, net: &Network, names: &Names) -> Report {
        let q = &a.query;
        let mut blocked_by: Vec<BlockOut> = Vec::new();
        let mut unknown: Vec<UnknownOut> = Vec::new();
        // Forward stops first, then return stops: the order packets meet them.
        let stops = |p: &Path| p.stop().map(|l| (l.direction, l.clone(), p.via.clone()));
        let mut all_stops: Vec<_> = a.paths.iter().filter_map(stops).collect();
        all_stops.sort_by_key(|(d, _, _)| *d);
        for (_, leaf, via) in &all_stops {
            match &leaf.end {
                End::Dropped(c) => {
                    for b in block(leaf, c, via.as_ref(), net, names) {
                        match blocked_by.iter_mut().find(|x: &&mut BlockOut| {
                            x.component == b.component
                                && x.rule == b.rule
                                && x.direction == b.direction
                                && x.reason == b.reason
                        }) {
                            Some(x) => x.packets.extend(b.packets),
                            None => blocked_by.push(b),
                        }
                    }
                }
                End::Unknown { component, reason } => {
                    let u = UnknownOut {
                        component: component.clone(),
                        direction: leaf.direction.name(),
                        reason: reason.clone(),
                    };
                    if !unknown.contains(&u) {
                        unknown.push(u);
                    }
                }
                _ => {}
            }
        }
        let paths = merged_paths(a, names);
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
        let undecided = a.undecided.difference(&a.reachable);
        let unreachable = a.packets.difference(&a.reachable).difference(&undecided);
        let access = a
            .access
            .iter()
            .map(|x| {
                let mine = a.paths.iter().filter(|p| {
                    p.via
                        .as_ref()
                        .is_some_and(|v| v.endpoint == x.endpoint && v.group == x.group)
                });
                let mut blocked = Vec::new();
                let mut unknown_at = Vec::new();
                for p in mine {
                    match p.stop().map(|l| &l.end) {
                        Some(End::Dropped(c)) => {
                            let b = blocker(c);
                            if !blocked.contains(&b) {
                                blocked.push(b);
                            }
                        }
                        Some(End::Unknown { component, .. }) if !unknown_at.contains(component) => {
                            unknown_at.push(component.clone());
                        }
                        _ => {}
                    }
                }
                AccessOut {
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
                    blocked_by: blocked,
                    unknown_at,
                }
            })
            .collect();
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
            access,
            paths,
            blocked_by,
            unknown,
            reachable_packets: packets(&a.reachable, names),
            unreachable_packets: if a.verdict == Verdict::Reachable {
                Vec::new()
            } else {
                packets(&unreachable, names)
            },
            undecided_packets: packets(&undecided, names),
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
}
