//! Network ACLs are stateless (aws-semantics.md §4): an entry that lets a
//! request to a service port through needs, in the other direction, an
//! entry letting the reply through to the client's ephemeral ports. The
//! ephemeral ranges are the engine's (`model::aws`): an instance's by its
//! platform (Linux 32768-60999, Windows 49152-65535), 1024-65535 for
//! interfaces that are not instances (NAT gateways, Client VPN and Verified
//! Access interfaces, load balancers) and for hosts outside the input.
//! Addresses of the input's VPCs that no interface holds open nothing and
//! need no reply.
//!
//! A service entry: allow, tcp or udp, a port range that does not hold
//! 49152-60999 (the ports every ephemeral range shares: a range holding
//! them is a return entry itself).

use std::collections::BTreeMap;

use crate::engine::sets::{
    Side, association_addresses, describe_nacl_entry, input_cidrs, interface_addresses,
    nacl_entry_set, subnet_addresses,
};
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::aws::{EPHEMERAL_ANY, EPHEMERAL_LINUX, EPHEMERAL_WINDOWS, NAT_PORTS};
use crate::model::{
    Action, Interface, NaclEntry, Network, NetworkAcl, Platform, PortMatch, Protocol,
};

use super::finding::{Finding, Kind, Packets, Severity};
use super::nacl::{direction_name, entries, label};
use super::sets::{cidr, meets};
use crate::explain::Names;

/// Addresses that open connections, by the ephemeral range they use.
type Clients = BTreeMap<(u16, u16), IntervalSet>;

fn ephemeral(net: &Network, i: &Interface) -> (u16, u16) {
    match &i.instance {
        Some(id) => match net.instances.get(id) {
            Some(inst) if inst.platform == Platform::Windows => EPHEMERAL_WINDOWS,
            _ => EPHEMERAL_LINUX,
        },
        None => EPHEMERAL_ANY,
    }
}

/// Every client of the network, and hosts outside the input.
fn clients(net: &Network) -> Clients {
    // Intervals first, one set per range at the end: thousands of
    // interfaces cost one sort, not a union each.
    let mut by: BTreeMap<(u16, u16), Vec<Interval>> = BTreeMap::new();
    let mut add = |ports: (u16, u16), s: &IntervalSet| {
        by.entry(ports)
            .or_default()
            .extend_from_slice(s.intervals());
    };
    for i in net.interfaces.values() {
        add(ephemeral(net, i), &interface_addresses(i));
    }
    for n in net.nat_gateways.values() {
        if n.interface
            .as_ref()
            .is_some_and(|i| net.interfaces.contains_key(i))
        {
            continue;
        }
        if let Some(ip) = n.private_ip {
            add(
                NAT_PORTS,
                &IntervalSet::from_interval(Interval::point(hs::addr(ip))),
            );
        }
    }
    for ep in net.client_vpn_endpoints.values() {
        for a in &ep.associations {
            if a.interface
                .as_ref()
                .is_some_and(|i| net.interfaces.contains_key(i))
            {
                continue;
            }
            if let Some(s) = association_addresses(net, a) {
                add(NAT_PORTS, &s);
            }
        }
    }
    for ep in net.va_endpoints.values() {
        for s in &ep.subnets {
            if let Some(s) = subnet_addresses(net, s) {
                add(NAT_PORTS, &s);
            }
        }
    }
    // Hosts outside the input; Client VPN client CIDRs are never seen in
    // a VPC (source NAT), so no reply goes there.
    let client_cidrs = net
        .client_vpn_endpoints
        .values()
        .fold(IntervalSet::empty(), |acc, e| {
            acc.union(&cidr(&e.client_cidr))
        });
    add(
        EPHEMERAL_ANY,
        &hs::all_v4()
            .union(&hs::all_v6())
            .difference(&input_cidrs(net))
            .difference(&client_cidrs),
    );
    by.into_iter()
        .map(|(p, v)| (p, IntervalSet::from_intervals(v)))
        .collect()
}

/// What one direction of an ACL decides, entry by entry (the packets each
/// entry takes first), and everything it allows.
fn decided(acl: &NetworkAcl, side: Side) -> (Vec<PacketSet>, PacketSet) {
    let mut taken = PacketSet::empty();
    let mut allowed = PacketSet::empty();
    let mut firsts = Vec::new();
    for e in entries(acl, side) {
        let set = nacl_entry_set(e, side);
        let first = set.difference(&taken);
        taken = taken.union(&set);
        if e.action == Action::Allow {
            allowed = allowed.union(&first);
        }
        firsts.push(first);
    }
    (firsts, allowed)
}

/// tcp or udp, and a port range that is not a return range.
fn is_service(e: &NaclEntry) -> bool {
    let shared = (EPHEMERAL_WINDOWS.0, EPHEMERAL_LINUX.1);
    e.action == Action::Allow
        && matches!(e.protocol, Protocol::Number(6) | Protocol::Number(17))
        && matches!(e.ports, PortMatch::Ports { from, to }
            if !(from.min(to) <= shared.0 && from.max(to) >= shared.1))
}

fn ports_set(ranges: impl IntoIterator<Item = (u16, u16)>) -> IntervalSet {
    IntervalSet::from_intervals(ranges.into_iter().map(|(lo, hi)| Interval {
        lo: u128::from(lo),
        hi: u128::from(hi),
    }))
}

pub(super) fn missing_returns(net: &Network, names: &Names, out: &mut Vec<Finding>) {
    let everyone = clients(net);
    // Addresses something answers from: the same hosts (a server of the
    // input, or a host outside it).
    let hosts = everyone
        .values()
        .fold(IntervalSet::empty(), |acc, a| acc.union(a));
    for acl in net.network_acls.values() {
        let subnets: Vec<&str> = net
            .nacl_of_subnet
            .iter()
            .filter(|(s, a)| **a == acl.id && net.subnets.contains_key(*s))
            .map(|(s, _)| s.as_str())
            .collect();
        if subnets.is_empty() {
            continue;
        }
        let area = subnets
            .iter()
            .filter_map(|s| net.subnets.get(*s))
            .flat_map(|s| s.cidrs.iter())
            .fold(IntervalSet::empty(), |acc, c| acc.union(&cidr(c)));
        // Traffic inside one subnet meets no ACL.
        let same_subnet = if subnets.len() == 1 {
            area.clone()
        } else {
            IntervalSet::empty()
        };
        // The ephemeral ranges of this ACL's own clients.
        let local: IntervalSet = ports_set(
            everyone
                .iter()
                .filter(|(_, a)| meets(a, &area))
                .map(|(p, _)| *p),
        );
        let (in_first, in_allowed) = decided(acl, Side::Ingress);
        let (out_first, out_allowed) = decided(acl, Side::Egress);
        for (side, first, other_allowed) in [
            (Side::Ingress, &in_first, &out_allowed),
            (Side::Egress, &out_first, &in_allowed),
        ] {
            for (e, eff) in entries(acl, side).iter().zip(first) {
                if !is_service(e) || eff.is_empty() {
                    continue;
                }
                let Protocol::Number(p) = e.protocol else {
                    continue;
                };
                let proto = IntervalSet::from_interval(Interval::point(u128::from(p)));
                let peers = eff
                    .project(side.peer_field())
                    .difference(&same_subnet)
                    .intersect(&hosts);
                // What the other direction drops of `proto` to `ports`,
                // narrowed to the replies' peers: (replies) minus (allowed)
                // without building the replies, whose address sets can hold
                // thousands of hosts.
                let back = match side {
                    Side::Ingress => Side::Egress,
                    Side::Egress => Side::Ingress,
                };
                let dropped = |ports: &IntervalSet, peers: &IntervalSet| {
                    PacketSet::product(&[
                        (Field::Proto, proto.clone()),
                        (Field::DstPort, ports.clone()),
                    ])
                    .difference(other_allowed)
                    .restrict(back.peer_field(), peers)
                };
                let missing = match side {
                    // Replies leave to the peer, at its ephemeral ports.
                    Side::Ingress => everyone.iter().filter(|(_, a)| meets(a, &peers)).fold(
                        PacketSet::empty(),
                        |acc, (range, a)| {
                            acc.union(&dropped(&ports_set([*range]), &a.intersect(&peers)))
                        },
                    ),
                    // Replies come back from the peer, to our clients' ports.
                    Side::Egress if !local.is_empty() && !peers.is_empty() => {
                        dropped(&local, &peers)
                    }
                    Side::Egress => PacketSet::empty(),
                };
                if missing.is_empty() {
                    continue;
                }
                out.push(finding(acl, e, side, &missing, names));
            }
        }
    }
}

fn finding(
    acl: &NetworkAcl,
    e: &NaclEntry,
    side: Side,
    missing: &PacketSet,
    names: &Names,
) -> Finding {
    let back = match side {
        Side::Ingress => Side::Egress,
        Side::Egress => Side::Ingress,
    };
    let ports = missing.project(Field::DstPort);
    let hull = ports
        .intervals()
        .first()
        .zip(ports.intervals().last())
        .map(|(a, b)| (a.lo, b.hi))
        .unwrap_or((1024, 65535));
    let peers = missing.project(back.peer_field());
    let (to_from, whose) = match back {
        Side::Egress => ("to", "the clients' ephemeral ports"),
        Side::Ingress => ("from", "the ephemeral ports of the subnet's own clients"),
    };
    // Many ranges read better as the entry's own CIDR; the packets are exact.
    let named = names.addresses(&peers);
    let who = if named.matches(", ").count() >= 4 {
        format!("addresses in {}", e.cidr)
    } else {
        named
    };
    let reply = format!(
        "{} {to_from} {who} on ports {}",
        e.protocol.name(),
        ports.summary(Field::DstPort)
    );
    // The new entry must come before any entry of the other direction that
    // denies some of these replies.
    let other = entries(acl, back);
    let limit = other
        .iter()
        .filter(|o| o.action == Action::Deny && nacl_entry_set(o, back).overlaps(missing))
        .map(|o| o.number)
        .min();
    let used = |n: u16| other.iter().any(|o| o.number == n);
    let mut number = match limit {
        Some(l) => l.saturating_sub(1),
        None => other
            .iter()
            .map(|o| o.number)
            .max()
            .map_or(100, |m| m.saturating_add(10))
            .min(32766),
    };
    while number > 0 && used(number) {
        number -= 1;
    }
    let where_ = if number == 0 {
        format!(
            "renumber the entries of that direction so an allow fits before rule {}",
            limit.unwrap_or(1)
        )
    } else {
        format!(
            "aws ec2 create-network-acl-entry --network-acl-id {} {} --rule-number {number} --protocol {} --port-range From={},To={} {} {} --rule-action allow",
            acl.id,
            if back == Side::Egress {
                "--egress"
            } else {
                "--ingress"
            },
            e.protocol.name(),
            hull.0,
            hull.1,
            if e.cidr.addr().is_ipv4() {
                "--cidr-block"
            } else {
                "--ipv6-cidr-block"
            },
            e.cidr
        )
    };
    Finding {
        kind: Kind::NaclNoEphemeralReturn,
        severity: Severity::Medium,
        resource: acl.id.clone(),
        rule: Some(label(e, side)),
        vpc: Some(acl.vpc.clone()),
        subject: String::new(),
        message: format!(
            "{} lets requests through, but the {} rules of {} drop their replies: {reply} ({whose}); network ACLs are stateless",
            describe_nacl_entry(e, side),
            direction_name(back),
            acl.id
        ),
        fix: format!(
            "allow the replies in the {} rules, before any deny that matches them: {where_}",
            direction_name(back)
        ),
        related: Vec::new(),
        packets: vec![Packets {
            label: format!("replies the {} rules drop", direction_name(back)),
            set: missing.clone(),
        }],
    }
}
