//! `reach tighten`: from the rules the input has, those that can be
//! removed or narrowed without losing an intent.
//!
//! The intents are asked of the input as it is: their paths name the rules
//! that let them through and the packets each filter must pass (the same
//! needs as synth, [`Need`]). Every security-group rule, network ACL
//! allow entry and Client VPN authorization rule of the VPCs the intents
//! cross is then compared with what its filter must pass: what it allows
//! beyond that is its excess, an exact packet set; a rule whose packets no
//! intent needs is removed, the others are narrowed to the needs at the
//! chosen granularity (never wider than the rule). The tightened network is
//! re-verified: every intent still reachable, and `diff` against the input
//! finds nothing newly reachable.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;

use crate::engine::Verdict as EngineVerdict;
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{ClientVpnAuthRule, NaclEntry, Network, Peer, PortMatch, SgRule};

use super::candidates::rule_at;
use super::discover::needs_in;
use super::intents::Intents;
use super::needs::Need;
use super::patch::{Change, apply};
use super::types::{Dir, Granularity, NewRule, Place, SynthError, strip_label};
use super::verify::{Verification, verify_tighten};

/// What to do with a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No intent needs anything it allows.
    Remove,
    /// Some intent needs part of it: replace it with `narrowed`.
    Narrow,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Remove => "remove",
            Verdict::Narrow => "narrow",
        }
    }
}

/// One over-broad rule.
#[derive(Clone, Debug)]
pub struct Finding {
    /// `sg-… inbound`, `acl-… outbound`, or the Client VPN endpoint.
    pub component: String,
    /// The rule as the engine's traces print it.
    pub rule: String,
    pub verdict: Verdict,
    /// What it allows beyond the intents, exactly (for an authorization
    /// rule: destination addresses).
    pub excess: PacketSet,
    /// The narrowed rules, as the traces print them.
    pub narrowed: Vec<String>,
}

/// The answer of `reach tighten`.
#[derive(Clone, Debug)]
pub struct Tightening {
    pub granularity: Granularity,
    pub intents: Intents,
    pub findings: Vec<Finding>,
    /// Rules compared (and found tight or listed).
    pub compared: usize,
    pub changes: Vec<Change>,
    pub result: Network,
    pub verification: Verification,
    pub assumptions: Vec<String>,
}

fn merge_ports(rules: Vec<NewRule>) -> Vec<NewRule> {
    // Same place, protocol and peer, contiguous ports: one rule.
    let mut by: BTreeMap<(Place, String, String), (NewRule, IntervalSet)> = BTreeMap::new();
    let mut other: Vec<NewRule> = Vec::new();
    for r in rules {
        let (proto, ports, peer) = match &r {
            NewRule::Sg { rule, .. } => (rule.protocol, rule.ports, rule.peer.describe()),
            NewRule::Nacl { entry, .. } => (entry.protocol, entry.ports, entry.cidr.to_string()),
        };
        match ports {
            PortMatch::Ports { from, to } => {
                let e = by
                    .entry((r.place(), proto.name(), peer))
                    .or_insert_with(|| (r.clone(), IntervalSet::empty()));
                e.1 = e.1.union(&IntervalSet::from_interval(Interval {
                    lo: u128::from(from),
                    hi: u128::from(to),
                }));
            }
            _ => {
                if !other.contains(&r) {
                    other.push(r)
                }
            }
        }
    }
    let mut out = Vec::new();
    for (_, (template, ports)) in by {
        for i in ports.intervals() {
            let mut r = template.clone();
            let pm = PortMatch::Ports {
                from: i.lo as u16,
                to: i.hi as u16,
            };
            match &mut r {
                NewRule::Sg { rule, .. } => rule.ports = pm,
                NewRule::Nacl { entry, .. } => entry.ports = pm,
            }
            out.push(r);
        }
    }
    out.extend(other);
    out
}

fn ports_of(pm: PortMatch, proto_icmp: bool) -> IntervalSet {
    match pm {
        PortMatch::Ports { from, to } => IntervalSet::from_interval(Interval {
            lo: u128::from(from.min(to)),
            hi: u128::from(from.max(to)),
        }),
        _ if proto_icmp => IntervalSet::full(Field::IcmpType),
        _ => IntervalSet::full(Field::DstPort),
    }
}

/// Tightens `net` around `intents`.
pub fn tighten(
    net: &Network,
    intents: &Intents,
    gran: Granularity,
) -> Result<Tightening, SynthError> {
    let (needs, analyses) = needs_in(net, intents, gran)?;
    let mut assumptions: BTreeSet<String> = BTreeSet::new();
    for a in &analyses {
        assumptions.extend(a.assumptions.iter().cloned());
    }
    let vpcs = crossed_vpcs(net, &needs);
    let mut out = Tally::default();
    tighten_groups(net, &vpcs, &needs, &mut out);
    tighten_nacls(net, &vpcs, &needs, &mut out);
    tighten_auth(net, &vpcs, &analyses, gran, &mut out);
    let Tally {
        findings,
        mut changes,
        removals,
        compared,
    } = out;
    changes.extend(removals);
    let result = apply(net, &changes);
    let verification = verify_tighten(net, &result, intents)?;
    Ok(Tightening {
        granularity: gran,
        intents: intents.clone(),
        findings,
        compared,
        changes,
        result,
        verification,
        assumptions: assumptions.into_iter().collect(),
    })
}

/// What tightening found so far: findings, the changes that add narrowed
/// rules, the removals (applied after them), the rules compared.
#[derive(Default)]
struct Tally {
    findings: Vec<Finding>,
    changes: Vec<Change>,
    removals: Vec<Change>,
    compared: usize,
}

impl Tally {
    /// One rule of the input compared: what it lets through, and what of
    /// that no need at its place asks for (`None` when nothing: it stays).
    fn compare(
        &mut self,
        net: &Network,
        current: &NewRule,
        need: &PacketSet,
    ) -> Option<(PacketSet, PacketSet)> {
        self.compared += 1;
        let set = current.packets(net);
        let excess = set.difference(need);
        (!excess.is_empty()).then_some((set, excess))
    }

    /// A rule that lets through `excess` beyond the needs: removed when no
    /// narrower rule serves them, else replaced by `narrowed` (described).
    fn found(&mut self, component: String, rule: String, excess: PacketSet, narrowed: Vec<String>) {
        let verdict = if narrowed.is_empty() {
            Verdict::Remove
        } else {
            Verdict::Narrow
        };
        self.findings.push(Finding {
            component,
            rule,
            verdict,
            excess,
            narrowed,
        });
    }
}

/// The VPCs the intents cross: their filters are compared.
fn crossed_vpcs(net: &Network, needs: &[Need]) -> BTreeSet<String> {
    let mut vpcs: BTreeSet<String> = BTreeSet::new();
    for n in needs {
        for p in &n.places {
            let vpc = match p {
                Place::Sg { group, .. } => net.security_groups.get(group).map(|g| g.vpc.clone()),
                Place::Nacl { acl, .. } => net.network_acls.get(acl).map(|a| a.vpc.clone()),
            };
            vpcs.extend(vpc);
        }
    }
    vpcs
}

/// The needs at `place`, and every packet they must pass there.
fn need_at<'a>(needs: &'a [Need], place: &Place) -> (Vec<&'a Need>, PacketSet) {
    let here: Vec<&Need> = needs.iter().filter(|n| n.places.contains(place)).collect();
    let need = here.iter().fold(PacketSet::empty(), |a, n| a.union(&n.set));
    (here, need)
}

/// Security-group rules against what their group and direction must pass.
fn tighten_groups(net: &Network, vpcs: &BTreeSet<String>, needs: &[Need], out: &mut Tally) {
    for sg in net
        .security_groups
        .values()
        .filter(|g| vpcs.contains(&g.vpc))
    {
        for dir in [Dir::Inbound, Dir::Outbound] {
            let place = Place::Sg {
                group: sg.id.clone(),
                dir,
            };
            let (here, need) = need_at(needs, &place);
            let rules: &Vec<SgRule> = match dir {
                Dir::Inbound => &sg.ingress,
                Dir::Outbound => &sg.egress,
            };
            for r in rules {
                let current = NewRule::Sg {
                    group: sg.id.clone(),
                    dir,
                    rule: r.clone(),
                };
                let Some((set, excess)) = out.compare(net, &current, &need) else {
                    continue;
                };
                let narrowed = narrow(
                    net,
                    &place,
                    &set,
                    &here,
                    r.protocol.is_icmp(),
                    |proto, pm, peer| {
                        let mut x = r.clone();
                        x.protocol = proto;
                        x.ports = pm;
                        x.peer = peer;
                        x.rule_id = None;
                        x.position = "tighten".into();
                        x.description = r.description.clone();
                        NewRule::Sg {
                            group: sg.id.clone(),
                            dir,
                            rule: x,
                        }
                    },
                );
                for n in &narrowed {
                    if let NewRule::Sg { rule, .. } = n {
                        out.changes.push(Change::SgAuthorize {
                            group: sg.id.clone(),
                            dir,
                            rule: rule.clone(),
                        });
                    }
                }
                out.removals.push(Change::SgRevoke {
                    group: sg.id.clone(),
                    dir,
                    rule: r.clone(),
                });
                out.found(
                    place.id().to_string(),
                    current.describe(),
                    excess,
                    narrowed
                        .iter()
                        .map(|n| strip_label(&n.describe(), "tighten"))
                        .collect(),
                );
            }
        }
    }
}

/// Network ACL allow entries against what their ACL and direction must
/// pass; a narrowed entry keeps its number, the others take free ones.
fn tighten_nacls(net: &Network, vpcs: &BTreeSet<String>, needs: &[Need], out: &mut Tally) {
    for acl in net.network_acls.values().filter(|a| vpcs.contains(&a.vpc)) {
        for dir in [Dir::Inbound, Dir::Outbound] {
            let place = Place::Nacl {
                acl: acl.id.clone(),
                dir,
            };
            let (here, need) = need_at(needs, &place);
            let entries: &Vec<NaclEntry> = match dir {
                Dir::Inbound => &acl.inbound,
                Dir::Outbound => &acl.outbound,
            };
            let mut used: BTreeSet<u16> = entries.iter().map(|e| e.number).collect();
            for e in entries
                .iter()
                .filter(|e| e.action == crate::model::Action::Allow)
            {
                let current = NewRule::Nacl {
                    acl: acl.id.clone(),
                    dir,
                    entry: e.clone(),
                };
                let Some((set, excess)) = out.compare(net, &current, &need) else {
                    continue;
                };
                let narrowed = narrow(
                    net,
                    &place,
                    &set,
                    &here,
                    e.protocol.is_icmp(),
                    |proto, pm, peer| {
                        let mut x = e.clone();
                        x.protocol = proto;
                        x.ports = pm;
                        if let Peer::Cidr(c) = peer {
                            x.cidr = c;
                        }
                        NewRule::Nacl {
                            acl: acl.id.clone(),
                            dir,
                            entry: x,
                        }
                    },
                );
                // The first narrowed entry keeps the number; the others
                // take the next free numbers after it.
                let mut numbered = Vec::new();
                let mut next = e.number;
                for (k, n) in narrowed.iter().enumerate() {
                    let NewRule::Nacl { entry, .. } = n else {
                        continue;
                    };
                    let mut x = entry.clone();
                    if k > 0 {
                        while used.contains(&next) && next < 32766 {
                            next += 1;
                        }
                        used.insert(next);
                    }
                    x.number = next;
                    numbered.push(x);
                }
                if numbered.is_empty() {
                    out.removals.push(Change::NaclDelete {
                        acl: acl.id.clone(),
                        dir,
                        entry: e.clone(),
                    });
                } else {
                    for (k, x) in numbered.iter().enumerate() {
                        out.changes.push(if k == 0 {
                            Change::NaclReplace {
                                acl: acl.id.clone(),
                                dir,
                                entry: x.clone(),
                                old: e.clone(),
                            }
                        } else {
                            Change::NaclCreate {
                                acl: acl.id.clone(),
                                dir,
                                entry: x.clone(),
                            }
                        });
                    }
                }
                out.found(
                    place.id().to_string(),
                    current.describe(),
                    excess,
                    numbered
                        .iter()
                        .map(|x| crate::engine::describe_nacl_entry(x, dir.side()))
                        .collect(),
                );
            }
        }
    }
}

/// Client VPN authorization: the destinations the intents' users need.
fn tighten_auth(
    net: &Network,
    vpcs: &BTreeSet<String>,
    analyses: &[crate::engine::Analysis],
    gran: Granularity,
    out: &mut Tally,
) {
    for e in net
        .client_vpn_endpoints
        .values()
        .filter(|e| vpcs.contains(&e.vpc))
    {
        let mut needed: Vec<(std::net::IpAddr, Vec<String>)> = Vec::new();
        for a in analyses {
            if a.access
                .iter()
                .any(|x| x.endpoint == e.id && x.verdict == EngineVerdict::Reachable)
            {
                needed.push((a.query.dst_ip, a.query.groups.clone()));
            }
        }
        for r in &e.auth_rules {
            out.compared += 1;
            let serves = |groups: &Vec<String>| {
                r.access_all
                    || r.group
                        .as_ref()
                        .is_some_and(|g| groups.is_empty() || groups.contains(g))
            };
            let mut dests: Vec<IpNet> = needed
                .iter()
                .filter(|(ip, g)| r.dest.contains(ip) && serves(g))
                .map(|(ip, _)| super::discover::dest_cidr(net, *ip, gran))
                .map(|c| {
                    if r.dest.contains(&c.network()) && r.dest.prefix_len() <= c.prefix_len() {
                        c
                    } else {
                        r.dest
                    }
                })
                .collect();
            dests.sort();
            dests.dedup();
            let keep = dests
                .iter()
                .fold(IntervalSet::empty(), |a, c| a.union(&hs::prefix(*c)));
            let excess_addrs = hs::prefix(r.dest).difference(&keep);
            if excess_addrs.is_empty() {
                continue;
            }
            let excess = PacketSet::product(&[(Field::Dst, excess_addrs)]);
            let narrowed: Vec<ClientVpnAuthRule> = dests
                .iter()
                .map(|d| ClientVpnAuthRule {
                    dest: *d,
                    ..r.clone()
                })
                .collect();
            for n in &narrowed {
                out.changes.push(Change::AuthAuthorize {
                    endpoint: e.id.clone(),
                    rule: n.clone(),
                });
            }
            out.removals.push(Change::AuthRevoke {
                endpoint: e.id.clone(),
                rule: r.clone(),
            });
            out.found(
                e.id.clone(),
                crate::engine::client::describe_auth_rule(r),
                excess,
                narrowed
                    .iter()
                    .map(crate::engine::client::describe_auth_rule)
                    .collect(),
            );
        }
    }
}

/// The rules that let through what `needs` need of `set` (the rule's
/// packets), at the granularity when that is no wider than the rule.
fn narrow(
    net: &Network,
    place: &Place,
    set: &PacketSet,
    needs: &[&Need],
    icmp: bool,
    make: impl Fn(crate::model::Protocol, PortMatch, Peer) -> NewRule,
) -> Vec<NewRule> {
    let mut out = Vec::new();
    for n in needs.iter().filter(|n| n.set.overlaps(set)) {
        // Ports: the need's, inside the rule's.
        let _ = icmp;
        let rule_ports = if n.protocol.is_icmp() {
            set.project(Field::IcmpType)
        } else {
            set.project(Field::DstPort)
        };
        let pm = match n.ports {
            PortMatch::Ports { .. } => {
                let p = ports_of(n.ports, false).intersect(&rule_ports);
                let Some(i) = p.intervals().first() else {
                    continue;
                };
                PortMatch::Ports {
                    from: i.lo as u16,
                    to: i.hi as u16,
                }
            }
            other => other,
        };
        let peer_field = place.dir().side().peer_field();
        let rule_peers = set.project(peer_field);
        let nacl = matches!(place, Place::Nacl { .. });
        let option = n
            .options
            .iter()
            .filter(|o| !nacl || matches!(o, Peer::Cidr(_)))
            .find(|o| {
                let r = rule_at(place, n.protocol, pm, (*o).clone(), 0);
                r.packets(net).project(peer_field).is_subset(&rule_peers)
            })
            .cloned();
        let peer = match option {
            Some(p) => p,
            // Wider than the rule at this granularity: the need's own addresses.
            None => {
                let part = n.peer.intersect(&rule_peers);
                let cidrs: Vec<IpNet> = part
                    .intervals()
                    .iter()
                    .flat_map(|i| hs::cidrs(*i))
                    .collect();
                for c in cidrs {
                    out.push(make(n.protocol, pm, Peer::Cidr(c)));
                }
                continue;
            }
        };
        out.push(make(n.protocol, pm, peer));
    }
    // A narrowed rule inside another narrowed rule adds nothing.
    let merged = merge_ports(out);
    let sets: Vec<PacketSet> = merged.iter().map(|r| r.packets(net)).collect();
    merged
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            !sets.iter().enumerate().any(|(j, s)| {
                j != *i && sets[*i].is_subset(s) && (!s.is_subset(&sets[*i]) || j < *i)
            })
        })
        .map(|(_, r)| r.clone())
        .collect()
}
