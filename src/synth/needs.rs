//! What a path needs of each filter it crosses: the hops name the filter
//! directions (a security-group crossing is every group of the interface:
//! any of them may hold the rule), the packets that arrive give the header
//! each filter sees — forward as they arrive, the reply reversed — and the
//! peer is cut into the parts a rule can name at the granularity
//! ([`Need`]).

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::engine::{Hop, Path};
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{Network, Peer, PortMatch, Protocol};

use super::types::{Dir, Granularity, Place};

/// Labels the rules synth opens a filter with, so a hop through one is told
/// apart from a hop through a rule of the input.
pub(super) const OPEN: &str = "(reach synth: open)";

/// What one filter crossing of one intent needs: these packets through any
/// of `places`.
#[derive(Clone, Debug)]
pub struct Need {
    /// Indices into the intents (or must-nots).
    pub intents: Vec<usize>,
    /// Any of these may hold the rule (the groups of one interface; one ACL direction).
    pub places: Vec<Place>,
    pub protocol: Protocol,
    pub ports: PortMatch,
    /// The peer's addresses exactly.
    pub peer: IntervalSet,
    /// The peers a rule may name at the granularity (one of them covers `peer`).
    pub options: Vec<Peer>,
    /// In the rules' shape: protocol, ports and the peer field.
    pub set: PacketSet,
}

/// One filter crossing on a path: a direction of an ACL, or of every
/// group of one interface.
#[derive(Clone, Debug)]
pub(super) struct Crossing {
    pub places: Vec<Place>,
    /// Every rule that let the packets through is one synth opened: a
    /// rule at one of `places` can block here.
    pub blockable: bool,
}

fn hop_dir(h: &Hop) -> Option<Dir> {
    if h.rule.starts_with("inbound") {
        Some(Dir::Inbound)
    } else if h.rule.starts_with("outbound") {
        Some(Dir::Outbound)
    } else {
        None
    }
}

/// The filter crossings of one leaf's hops, in order.
pub(super) fn crossings(hops: &[Hop]) -> Vec<Crossing> {
    let mut out: Vec<Crossing> = Vec::new();
    let mut in_sg: Option<Dir> = None;
    for h in hops {
        match (h.kind, h.action, hop_dir(h)) {
            ("security-group", "allow", Some(dir)) => {
                let place = Place::Sg {
                    group: h.component.clone(),
                    dir,
                };
                let mine = h.rule.contains(OPEN);
                match out.last_mut() {
                    Some(c) if in_sg == Some(dir) => {
                        if !c.places.contains(&place) {
                            c.places.push(place);
                        }
                        c.blockable &= mine;
                    }
                    _ => out.push(Crossing {
                        places: vec![place],
                        blockable: mine,
                    }),
                }
                in_sg = Some(dir);
            }
            ("network-acl", "allow", Some(dir)) => {
                out.push(Crossing {
                    places: vec![Place::Nacl {
                        acl: h.component.clone(),
                        dir,
                    }],
                    blockable: h.rule.contains(OPEN),
                });
                in_sg = None;
            }
            _ => in_sg = None,
        }
    }
    out
}

fn first(s: &IntervalSet) -> Option<u128> {
    s.intervals().first().map(|i| i.lo)
}

/// The needs of one arrived path: per crossing, forward and back.
pub(super) fn path_needs(
    net: &Network,
    path: &Path,
    intent: usize,
    gran: Granularity,
    only_blockable: bool,
) -> Result<Vec<Need>, String> {
    let hops = path
        .forward
        .hops
        .iter()
        .chain(path.back.iter().flat_map(|b| b.hops.iter()));
    if let Some(h) = hops.clone().find(|h| h.kind == "nat-gateway") {
        return Err(format!(
            "the path crosses NAT gateway {}: its source translation is not rewritten yet",
            h.component
        ));
    }
    if let Some(h) = hops
        .clone()
        .find(|h| h.kind == "network-interface" && h.action == "forward")
    {
        return Err(format!(
            "the path crosses appliance {}: its filters are not rewritten yet",
            h.component
        ));
    }
    let img = path.forward.flow.image();
    let proto = first(&img.project(Field::Proto)).unwrap_or(6) as u8;
    let protocol = Protocol::Number(proto);
    let src = img.project(Field::Src);
    let dst = img.project(Field::Dst);
    let ports_fwd = if protocol.is_icmp() {
        img.project(Field::IcmpType)
    } else {
        img.project(Field::DstPort)
    };
    let ports_back = img.project(Field::SrcPort);
    let mut out = Vec::new();
    let legs = [
        (crate::engine::Direction::Forward, Some(&path.forward)),
        (crate::engine::Direction::Return, path.back.as_ref()),
    ];
    for (direction, leaf) in legs {
        let Some(leaf) = leaf else { continue };
        let forward = direction == crate::engine::Direction::Forward;
        for c in crossings(&leaf.hops) {
            if only_blockable && !c.blockable {
                continue;
            }
            let dir = c.places[0].dir();
            // The peer: the other end as this filter sees it.
            let peer = match (forward, dir) {
                (true, Dir::Inbound) | (false, Dir::Outbound) => &src,
                (true, Dir::Outbound) | (false, Dir::Inbound) => &dst,
            };
            let ports: Vec<PortMatch> = if protocol.is_icmp() {
                if forward {
                    ports_fwd
                        .intervals()
                        .iter()
                        .map(|i| PortMatch::Icmp {
                            icmp_type: (i.lo == i.hi).then_some(i.lo as u8),
                            code: None,
                        })
                        .collect()
                } else {
                    vec![PortMatch::Icmp {
                        icmp_type: None,
                        code: None,
                    }]
                }
            } else {
                let p = if forward { &ports_fwd } else { &ports_back };
                p.intervals()
                    .iter()
                    .map(|i| PortMatch::Ports {
                        from: i.lo as u16,
                        to: i.hi as u16,
                    })
                    .collect()
            };
            let sg = matches!(c.places[0], Place::Sg { .. });
            for (piece, options) in pieces(net, peer, sg, gran) {
                for pm in &ports {
                    let set = rule_space(protocol, *pm, dir, &piece);
                    out.push(Need {
                        intents: vec![intent],
                        places: c.places.clone(),
                        protocol,
                        ports: *pm,
                        peer: piece.clone(),
                        options: options.clone(),
                        set,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Packets of a protocol and ports from (inbound) or to (outbound) `peer`,
/// in the shape rules are compared in.
pub(super) fn rule_space(
    protocol: Protocol,
    ports: PortMatch,
    dir: Dir,
    peer: &IntervalSet,
) -> PacketSet {
    let base = PacketSet::from_cube(crate::engine::proto_ports(protocol, ports));
    base.restrict(dir.side().peer_field(), peer)
}

pub(super) fn count(s: &IntervalSet) -> u128 {
    s.intervals().iter().fold(0u128, |a, i| {
        a.saturating_add((i.hi - i.lo).saturating_add(1))
    })
}

fn vpc_cidrs(net: &Network) -> IntervalSet {
    net.vpcs
        .values()
        .flat_map(|v| v.cidrs.iter())
        .fold(IntervalSet::empty(), |a, c| a.union(&hs::prefix(*c)))
}

/// The peer split into parts one rule can name, each with the peers a rule
/// may name for it at the granularity (`sg`: a security group's rule).
fn pieces(
    net: &Network,
    peer: &IntervalSet,
    sg: bool,
    gran: Granularity,
) -> Vec<(IntervalSet, Vec<Peer>)> {
    let mut out = Vec::new();
    let inside = vpc_cidrs(net);
    let outside = peer.difference(&inside);
    let mut rest = peer.intersect(&inside);
    // Outside the input's VPCs: a handful of addresses as they are, else
    // the whole family (the internet has no narrower name).
    if !outside.is_empty() {
        let cidrs: Vec<IpNet> = outside
            .intervals()
            .iter()
            .flat_map(|i| hs::cidrs(*i))
            .collect();
        if cidrs.len() <= 16 {
            for c in cidrs {
                out.push((hs::prefix(c), vec![Peer::Cidr(c)]));
            }
        } else {
            for fam in [hs::all_v4(), hs::all_v6()] {
                let part = outside.intersect(&fam);
                if !part.is_empty() {
                    let all: IpNet = if fam == hs::all_v4() {
                        "0.0.0.0/0"
                    } else {
                        "::/0"
                    }
                    .parse()
                    .expect("static cidr");
                    out.push((part, vec![Peer::Cidr(all)]));
                }
            }
        }
    }
    // Security-group references: per interface holding the addresses.
    if sg && gran == Granularity::SgRef && count(&rest) <= 4096 {
        let mut by_eni: BTreeMap<String, IntervalSet> = BTreeMap::new();
        let addrs: Vec<u128> = rest.intervals().iter().flat_map(|i| i.lo..=i.hi).collect();
        for a in addrs {
            let ip = hs::addr_of(a);
            if let Some(i) = net.interfaces_with_ip(ip).next() {
                let e = by_eni
                    .entry(i.id.clone())
                    .or_insert_with(IntervalSet::empty);
                *e = e.union(&IntervalSet::from_interval(Interval::point(a)));
            }
        }
        for (eni, part) in by_eni {
            let groups: Vec<Peer> = net.interfaces[&eni]
                .groups
                .iter()
                .filter(|g| {
                    net.security_groups.contains_key(*g)
                        && part.is_subset(
                            &crate::engine::peer_addresses(net, &Peer::Group((*g).clone())).yes,
                        )
                })
                .map(|g| Peer::Group(g.clone()))
                .collect();
            if !groups.is_empty() {
                rest = rest.difference(&part);
                out.push((part, groups));
            }
        }
        // Client VPN associations and Verified Access subnets whose
        // interfaces the input lacks: the endpoint's groups cover them.
        for g in net.security_groups.keys() {
            if rest.is_empty() {
                break;
            }
            let yes = crate::engine::peer_addresses(net, &Peer::Group(g.clone())).yes;
            let part = rest.intersect(&yes);
            if !part.is_empty() && part.same_as_set(&rest) {
                out.push((part, vec![Peer::Group(g.clone())]));
                rest = IntervalSet::empty();
            }
        }
    }
    // Subnet CIDRs (also for what no group names), else hosts.
    if gran != Granularity::Host {
        for s in net.subnets.values() {
            for c in &s.cidrs {
                let part = rest.intersect(&hs::prefix(*c));
                if !part.is_empty() {
                    rest = rest.difference(&part);
                    out.push((part, vec![Peer::Cidr(*c)]));
                }
            }
        }
    }
    for i in rest.intervals() {
        for c in hs::cidrs(*i) {
            out.push((hs::prefix(c), vec![Peer::Cidr(c)]));
        }
    }
    out
}

trait SameSet {
    fn same_as_set(&self, o: &IntervalSet) -> bool;
}

impl SameSet for IntervalSet {
    fn same_as_set(&self, o: &IntervalSet) -> bool {
        self.is_subset(o) && o.is_subset(self)
    }
}
