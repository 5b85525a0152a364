//! Model rules as sets of packets on the wire (the current frame).

use ipnet::IpNet;

use crate::hs::{self, Cube, Field, Interval, IntervalSet, PacketSet};
use crate::model::{
    Action, ClientVpnAssociation, NaclEntry, Network, Peer, PortMatch, Protocol, RouteDest, SgRule,
};

/// Which address a rule's peer constrains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Inbound rules: the peer is the packet's source.
    Ingress,
    /// Outbound rules: the peer is the packet's destination.
    Egress,
}

impl Side {
    pub fn peer_field(self) -> Field {
        match self {
            Side::Ingress => Field::Src,
            Side::Egress => Field::Dst,
        }
    }
}

/// Protocol and port/type constraints of a rule.
pub fn proto_ports(proto: Protocol, ports: PortMatch) -> Cube {
    let mut c = Cube::all();
    if let Protocol::Number(n) = proto {
        c = c.with(Field::Proto, Interval::point(u128::from(n)));
        match ports {
            PortMatch::Ports { from, to } if proto.has_ports() => {
                let (lo, hi) = (from.min(to), from.max(to));
                c = c.with(
                    Field::DstPort,
                    Interval {
                        lo: u128::from(lo),
                        hi: u128::from(hi),
                    },
                );
            }
            PortMatch::Icmp {
                icmp_type: Some(t),
                code,
            } if proto.is_icmp() => {
                c = c.with(Field::IcmpType, Interval::point(u128::from(t)));
                if let Some(k) = code {
                    c = c.with(Field::IcmpCode, Interval::point(u128::from(k)));
                }
            }
            _ => {}
        }
    }
    c
}

pub fn cidr_set(net: &IpNet) -> IntervalSet {
    hs::prefix(*net)
}

/// Addresses a security-group peer stands for; `None` when the snapshot lacks
/// what is needed (a prefix list without entries).
pub fn peer_addresses(net: &Network, peer: &Peer) -> Option<IntervalSet> {
    match peer {
        Peer::Cidr(c) => Some(cidr_set(c)),
        Peer::PrefixList(id) => prefix_list_addresses(net, id),
        Peer::Group(g) => {
            // Client VPN associations whose ENI the input lacks carry the
            // endpoint's groups from some address of their subnet.
            let unlisted = net
                .client_vpn_endpoints
                .values()
                .filter(|e| e.security_groups.contains(g))
                .flat_map(|e| e.associations.iter())
                .filter(|a| {
                    a.interface
                        .as_ref()
                        .is_none_or(|i| !net.interfaces.contains_key(i))
                })
                .filter_map(|a| association_addresses(net, a))
                .fold(IntervalSet::empty(), |acc, s| acc.union(&s));
            // So do Verified Access endpoints' interfaces, in their subnets.
            let unlisted = net
                .va_endpoints
                .values()
                .filter(|e| e.security_groups.contains(g))
                .flat_map(|e| e.subnets.iter())
                .filter_map(|s| subnet_addresses(net, s))
                .fold(unlisted, |acc, s| acc.union(&s));
            let pts = net.members_of_group(g).flat_map(|i| {
                i.private_ips
                    .iter()
                    .map(|p| p.address)
                    .chain(i.ipv6.iter().copied())
                    .map(|a| Interval::point(hs::addr(a)))
                    .collect::<Vec<_>>()
            });
            Some(IntervalSet::from_intervals(pts).union(&unlisted))
        }
    }
}

pub fn prefix_list_addresses(net: &Network, id: &str) -> Option<IntervalSet> {
    let pl = net.prefix_lists.get(id)?;
    let entries = pl.entries.as_ref()?;
    Some(
        entries
            .iter()
            .fold(IntervalSet::empty(), |acc, n| acc.union(&cidr_set(n))),
    )
}

/// The packets one SG rule allows, or `Err(set)` with the packets it *might*
/// allow when the peer is unknown.
pub fn sg_rule_set(net: &Network, rule: &SgRule, side: Side) -> Result<PacketSet, PacketSet> {
    let base = PacketSet::from_cube(proto_ports(rule.protocol, rule.ports));
    match peer_addresses(net, &rule.peer) {
        Some(addrs) => Ok(base.restrict(side.peer_field(), &addrs)),
        None => Err(base),
    }
}

pub fn nacl_entry_set(e: &NaclEntry, side: Side) -> PacketSet {
    PacketSet::from_cube(proto_ports(e.protocol, e.ports))
        .restrict(side.peer_field(), &cidr_set(&e.cidr))
}

pub fn describe_sg_rule(rule: &SgRule, side: Side) -> String {
    let dir = match side {
        Side::Ingress => "from",
        Side::Egress => "to",
    };
    let desc = rule
        .description
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    format!(
        "{} rule {}: {}{} {dir} {}{desc}",
        match side {
            Side::Ingress => "inbound",
            Side::Egress => "outbound",
        },
        rule.index,
        rule.protocol.name(),
        rule.ports.describe(),
        rule.peer.describe()
    )
}

pub fn describe_nacl_entry(e: &NaclEntry, side: Side) -> String {
    let dir = match side {
        Side::Ingress => "from",
        Side::Egress => "to",
    };
    format!(
        "{} rule {}: {} {}{} {dir} {}",
        match side {
            Side::Ingress => "inbound",
            Side::Egress => "outbound",
        },
        e.number,
        match e.action {
            Action::Allow => "allow",
            Action::Deny => "deny",
        },
        e.protocol.name(),
        e.ports.describe(),
        e.cidr
    )
}

/// A route table's routes expanded to CIDRs (prefix lists inlined), most
/// specific first. `Err(pl)` names a prefix list whose entries are unknown.
pub fn expanded_routes<'r>(
    net: &Network,
    routes: &'r [crate::model::Route],
) -> Result<Vec<(IpNet, &'r crate::model::Route)>, String> {
    let mut out = Vec::new();
    for r in routes {
        match &r.dest {
            RouteDest::Cidr(c) => out.push((*c, r)),
            RouteDest::PrefixList(id) => {
                let entries = net
                    .prefix_lists
                    .get(id)
                    .and_then(|p| p.entries.as_ref())
                    .ok_or_else(|| id.clone())?;
                out.extend(entries.iter().map(|c| (*c, r)));
            }
        }
    }
    out.sort_by_key(|(c, _)| std::cmp::Reverse(c.prefix_len()));
    Ok(out)
}

/// The addresses of the public internet as this tool assumes them: every
/// IPv4 address outside the private and special-purpose blocks, and every
/// global-unicast IPv6 address (2000::/3).
pub fn internet_addresses() -> IntervalSet {
    let v4 = hs::all_v4().difference(&special_addresses());
    let v6 = cidr_set(&"2000::/3".parse().expect("static cidr"));
    v4.union(&v6)
}

/// Private and special-purpose IPv4 blocks (RFC 1918, 6598, 5735) and
/// non-global IPv6: never routed on the internet.
pub fn special_addresses() -> IntervalSet {
    const BLOCKS: [&str; 10] = [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/3",
        "fc00::/7",
        "fe80::/10",
    ];
    BLOCKS.iter().fold(IntervalSet::empty(), |acc, b| {
        acc.union(&cidr_set(&b.parse().expect("static cidr")))
    })
}

/// The addresses a Client VPN association translates client traffic to: its
/// ENI's private IP when the input has the ENI, else (stated as an
/// assumption) any address of its subnet.
/// A subnet's IPv4 addresses.
pub fn subnet_addresses(net: &Network, subnet: &str) -> Option<IntervalSet> {
    let subnet = net.subnets.get(subnet)?;
    Some(
        subnet
            .cidrs
            .iter()
            .filter(|c| matches!(c, ipnet::IpNet::V4(_)))
            .fold(IntervalSet::empty(), |acc, c| acc.union(&cidr_set(c))),
    )
}

pub fn association_addresses(net: &Network, a: &ClientVpnAssociation) -> Option<IntervalSet> {
    if let Some(i) = a.interface.as_ref().and_then(|e| net.interfaces.get(e)) {
        return Some(IntervalSet::from_intervals(
            i.private_ips
                .iter()
                .map(|p| Interval::point(hs::addr(p.address))),
        ));
    }
    subnet_addresses(net, &a.subnet)
}
