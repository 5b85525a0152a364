//! The rules that could let through what each filter must, and the
//! covering problem.
//!
//! Candidates are the rules that cover the needs discovery found exactly
//! (merged over ports and CIDRs only where the union is exact); the
//! problem is which of them to pick: every need covered, and for each
//! reachable must-not path some crossing left without a rule that
//! overlaps it.

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{Action, NaclEntry, Network, Peer, PortMatch, Protocol, SgRule};

use super::discover::Found;
use super::intents::Intents;
use super::needs::{Need, count};
use super::problem::Problem;
use super::types::{NewRule, Place, SynthError};

/// The optimization problem with its candidate rules.
pub(super) struct Built {
    pub problem: Problem,
    pub candidates: Vec<NewRule>,
}

/// A candidate's place, protocol and peer (named).
type ShapeKey = (Place, u8, String);

fn bits(n: u128) -> u32 {
    128 - n.max(1).leading_zeros()
}

/// Per place, protocol and peer: the peer, the ports needed as ranges, and
/// the other port matches (ICMP, any).
type Shapes = BTreeMap<ShapeKey, (Peer, IntervalSet, Vec<PortMatch>)>;

impl Found {
    /// Candidate rules and the covering problem.
    pub(super) fn problem(&self, net: &Network, _intents: &Intents) -> Result<Built, SynthError> {
        let _ = net;
        let net = &self.base;
        let mut cands = shape_rules(&shapes(&self.needs));
        merge_cidrs(&mut cands);
        let sets: Vec<PacketSet> = cands.iter().map(|c| c.packets(net)).collect();
        let weights: Vec<u32> = cands
            .iter()
            .zip(&sets)
            .map(|(c, s)| width(net, c, s))
            .collect();
        let covers: Vec<Vec<usize>> = self
            .needs
            .iter()
            .map(|n| {
                (0..cands.len())
                    .filter(|&i| n.places.contains(&cands[i].place()) && n.set.is_subset(&sets[i]))
                    .collect()
            })
            .collect();
        if let Some((n, _)) = self.needs.iter().zip(&covers).find(|(_, c)| c.is_empty()) {
            return Err(SynthError::Infeasible(format!(
                "no rule can let through {} {}{} at {}",
                n.protocol.name(),
                n.ports.describe().trim(),
                n.peer.summary(Field::Src),
                n.places
                    .iter()
                    .map(Place::describe)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        Ok(Built {
            problem: Problem {
                weights,
                covers,
                forbids: self.forbids(&cands, &sets),
            },
            candidates: cands,
        })
    }

    /// Per reachable must-not path, per crossing, the candidates that
    /// overlap it; a path with a crossing no candidate touches stays
    /// blocked and is left out.
    fn forbids(&self, cands: &[NewRule], sets: &[PacketSet]) -> Vec<(String, Vec<Vec<usize>>)> {
        let mut forbids: Vec<(String, Vec<Vec<usize>>)> = Vec::new();
        for (at, needs) in &self.forbid {
            let touch: Vec<Vec<usize>> = needs
                .iter()
                .map(|n| {
                    (0..cands.len())
                        .filter(|&i| {
                            n.places.contains(&cands[i].place()) && n.set.overlaps(&sets[i])
                        })
                        .collect()
                })
                .collect();
            // A crossing no candidate touches stays closed: the path is blocked.
            if touch.iter().any(Vec::is_empty) {
                continue;
            }
            forbids.push((at.clone(), touch));
        }
        forbids
    }
}

/// The needs grouped by (place, protocol, peer): the ports each needs.
fn shapes(needs: &[Need]) -> Shapes {
    // (place, protocol, ports kind, peer) -> ports needed.
    let mut groups: Shapes = BTreeMap::new();
    for n in needs {
        let proto = match n.protocol {
            Protocol::Number(p) => p,
            Protocol::All => 255,
        };
        for place in &n.places {
            for o in &n.options {
                // A network ACL names CIDRs only.
                if matches!(place, Place::Nacl { .. }) && !matches!(o, Peer::Cidr(_)) {
                    continue;
                }
                let e = groups
                    .entry((place.clone(), proto, o.describe()))
                    .or_insert_with(|| (o.clone(), IntervalSet::empty(), Vec::new()));
                match n.ports {
                    PortMatch::Ports { from, to } => {
                        e.1 = e.1.union(&IntervalSet::from_interval(Interval {
                            lo: u128::from(from),
                            hi: u128::from(to),
                        }));
                    }
                    pm => {
                        if !e.2.contains(&pm) {
                            e.2.push(pm);
                        }
                    }
                }
            }
        }
    }
    groups
}

fn push(r: NewRule, cands: &mut Vec<NewRule>) {
    if !cands.contains(&r) {
        cands.push(r);
    }
}

/// One rule per shape and port range (or other port match).
fn shape_rules(groups: &Shapes) -> Vec<NewRule> {
    let mut cands: Vec<NewRule> = Vec::new();
    for ((place, proto, _), (peer, ports, other)) in groups {
        let protocol = Protocol::Number(*proto);
        let pms = ports
            .intervals()
            .iter()
            .map(|i| PortMatch::Ports {
                from: i.lo as u16,
                to: i.hi as u16,
            })
            .chain(other.iter().copied());
        for pm in pms {
            push(
                rule_at(place, protocol, pm, peer.clone(), cands.len()),
                &mut cands,
            );
        }
    }
    cands
}

/// CIDRs whose union is exactly a shorter list of CIDRs: one rule for several.
fn merge_cidrs(cands: &mut Vec<NewRule>) {
    let mut by_shape: BTreeMap<(Place, String, String), Vec<IpNet>> = BTreeMap::new();
    for c in cands.iter() {
        let (place, protocol, ports, peer) = parts(c);
        if let Peer::Cidr(n) = peer {
            by_shape
                .entry((place, protocol.name(), format!("{ports:?}")))
                .or_default()
                .push(n);
        }
    }
    for ((place, _, _), nets) in by_shape {
        if nets.len() < 2 {
            continue;
        }
        let union = nets
            .iter()
            .fold(IntervalSet::empty(), |a, n| a.union(&hs::prefix(*n)));
        let merged: Vec<IpNet> = union
            .intervals()
            .iter()
            .flat_map(|i| hs::cidrs(*i))
            .collect();
        if merged.len() >= nets.len() {
            continue;
        }
        let template = cands
            .iter()
            .find(|c| {
                let (p, _, _, peer) = parts(c);
                p == place && matches!(peer, Peer::Cidr(n) if n == nets[0])
            })
            .cloned();
        if let Some(t) = template {
            let (_, protocol, ports, _) = parts(&t);
            for m in merged.into_iter().filter(|m| !nets.contains(m)) {
                push(
                    rule_at(&place, protocol, ports, Peer::Cidr(m), cands.len()),
                    cands,
                );
            }
        }
    }
}

fn parts(c: &NewRule) -> (Place, Protocol, PortMatch, Peer) {
    match c {
        NewRule::Sg { rule, .. } => (c.place(), rule.protocol, rule.ports, rule.peer.clone()),
        NewRule::Nacl { entry, .. } => (
            c.place(),
            entry.protocol,
            entry.ports,
            Peer::Cidr(entry.cidr),
        ),
    }
}

/// How wide a rule is (the second objective): bits of ports, of peer
/// addresses and, for a security group, of the interfaces it applies to.
fn width(net: &Network, c: &NewRule, set: &PacketSet) -> u32 {
    let ports = set.project(Field::DstPort);
    let (peer_field, members) = match c {
        NewRule::Sg { group, dir, .. } => (
            dir.side().peer_field(),
            net.members_of_group(group).count() as u128,
        ),
        NewRule::Nacl { dir, .. } => (dir.side().peer_field(), 1),
    };
    bits(count(&ports)) + bits(count(&set.project(peer_field))) + bits(members)
}

pub(super) fn rule_at(
    place: &Place,
    protocol: Protocol,
    ports: PortMatch,
    peer: Peer,
    n: usize,
) -> NewRule {
    match place {
        Place::Sg { group, dir } => NewRule::Sg {
            group: group.clone(),
            dir: *dir,
            rule: SgRule {
                protocol,
                ports,
                peer,
                description: Some("reach synth".into()),
                rule_id: None,
                position: format!("synth[{n}]"),
            },
        },
        Place::Nacl { acl, dir } => NewRule::Nacl {
            acl: acl.clone(),
            dir: *dir,
            entry: NaclEntry {
                number: 0,
                action: Action::Allow,
                protocol,
                cidr: match peer {
                    Peer::Cidr(c) => c,
                    _ => "0.0.0.0/0".parse().expect("static cidr"),
                },
                ports,
                source: None,
            },
        },
    }
}
