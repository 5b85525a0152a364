//! Encoding filters: protocol and ports, security-group rules and groups, network ACLs, Client VPN authorization: pure functions of the model and a header.

use ::z3::ast::{BV, Bool};
use ipnet::IpNet;

use super::facts::{association_addresses, eni_nets, subnet_v4, unknown_list_region, vpc_cidrs};
use super::terms::{Filter, Hdr, and, between, ff, in_any, in_cidr, is_v4, num, or, special, tt};
use crate::model::{Action, ClientVpnEndpoint, Network, Peer, PortMatch, Protocol, SgRule};

/// Which direction of a filter (security groups, network ACL) a packet
/// meets: what comes in, or what goes out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Ingress,
    Egress,
}

/// Protocol and ports / ICMP type of a rule.
pub(super) fn proto_ports(proto: Protocol, ports: PortMatch, h: &Hdr) -> Bool {
    let Protocol::Number(n) = proto else {
        return tt();
    };
    let mut c = vec![h.proto.eq(num(u128::from(n), 8))];
    match ports {
        PortMatch::Ports { from, to } if proto.has_ports() => {
            c.push(between(
                &h.dport,
                u128::from(from.min(to)),
                u128::from(from.max(to)),
            ));
        }
        PortMatch::Icmp {
            icmp_type: Some(t),
            code,
        } if proto.is_icmp() => {
            c.push(h.itype.eq(num(u128::from(t), 8)));
            if let Some(k) = code {
                c.push(h.icode.eq(num(u128::from(k), 8)));
            }
        }
        _ => {}
    }
    and(&c)
}

pub(super) fn peer_field(side: Side, h: &Hdr) -> &BV {
    match side {
        Side::Ingress => &h.src,
        Side::Egress => &h.dst,
    }
}

/// The addresses of the members of a security group: the interfaces
/// carrying it (every address they hold), and the Client VPN associations
/// and Verified Access endpoints using it.
pub(super) fn group_members(net: &Network, g: &str) -> Vec<IpNet> {
    let mut out: Vec<IpNet> = net
        .interfaces
        .values()
        .filter(|i| i.groups.iter().any(|x| x == g))
        .flat_map(eni_nets)
        .collect();
    // Client VPN associations whose ENI the input lacks: any address of their subnet.
    for e in net
        .client_vpn_endpoints
        .values()
        .filter(|e| e.security_groups.iter().any(|x| x == g))
    {
        for a in &e.associations {
            if a.interface
                .as_ref()
                .is_none_or(|i| !net.interfaces.contains_key(i))
            {
                out.extend(association_addresses(net, a).unwrap_or_default());
            }
        }
    }
    // Verified Access endpoints' interfaces: any IPv4 address of their subnets.
    for e in net
        .va_endpoints
        .values()
        .filter(|e| e.security_groups.iter().any(|x| x == g))
    {
        for s in &e.subnets {
            out.extend(subnet_v4(net, s).unwrap_or_default());
        }
    }
    out
}

/// One security-group rule: (matches, might match: the input cannot tell).
pub(super) fn sg_rule(net: &Network, r: &SgRule, side: Side, h: &Hdr) -> (Bool, Bool) {
    let base = proto_ports(r.protocol, r.ports, h);
    let x = peer_field(side, h);
    match &r.peer {
        Peer::Cidr(c) => (Bool::and(&[base, in_cidr(x, c)]), ff()),
        Peer::PrefixList(id) => match unknown_list_region(net, id, x) {
            None => {
                let entries = net.prefix_lists[id].entries.clone().unwrap_or_default();
                (Bool::and(&[base, in_any(x, &entries)]), ff())
            }
            Some(region) => (ff(), Bool::and(&[base, region])),
        },
        Peer::Group(g) => {
            let member = in_any(x, &group_members(net, g));
            if net.security_groups.contains_key(g) {
                return (Bool::and(&[base, member]), ff());
            }
            // A group outside the input: the input's interfaces are members
            // only when they carry it; an address that could be an interface
            // outside the input (not in the input's VPCs, not public IPv4)
            // is undecided.
            let ours: Vec<IpNet> = net.interfaces.values().flat_map(eni_nets).collect();
            let public_v4 = Bool::and(&[is_v4(x), special(x).not()]);
            let elsewhere = and(&[
                member.not(),
                in_any(x, &ours).not(),
                in_any(x, &vpc_cidrs(net)).not(),
                public_v4.not(),
            ]);
            (
                Bool::and(&[base.clone(), member]),
                Bool::and(&[base, elsewhere]),
            )
        }
    }
}

/// Security groups: the union of their rules of one direction (allow only).
/// `no_refs`: the packets crossed a transit gateway without security-group
/// referencing, so rules naming a group match nothing.
pub(super) fn sg_filter(
    net: &Network,
    groups: &[String],
    side: Side,
    h: &Hdr,
    no_refs: bool,
) -> Filter {
    let mut allowed = Vec::new();
    let mut maybe = Vec::new();
    for g in groups {
        let Some(sg) = net.security_groups.get(g) else {
            maybe.push(tt());
            continue;
        };
        let rules = match side {
            Side::Ingress => &sg.ingress,
            Side::Egress => &sg.egress,
        };
        for r in rules {
            if no_refs && matches!(r.peer, Peer::Group(_)) {
                continue;
            }
            let (m, u) = sg_rule(net, r, side, h);
            allowed.push(m);
            maybe.push(u);
        }
    }
    Filter {
        pass: or(&allowed),
        unk: or(&maybe),
    }
}

/// A subnet's network ACL, one direction: the first rule by number that
/// matches decides; none matches: denied. No ACL in the input: undecided.
pub(super) fn nacl_filter(net: &Network, subnet: &str, side: Side, h: &Hdr) -> Filter {
    let Some(acl) = net
        .nacl_of_subnet
        .get(subnet)
        .and_then(|id| net.network_acls.get(id))
    else {
        return Filter {
            pass: ff(),
            unk: tt(),
        };
    };
    let mut entries: Vec<_> = match side {
        Side::Ingress => acl.inbound.iter().collect(),
        Side::Egress => acl.outbound.iter().collect(),
    };
    entries.sort_by_key(|e| e.number);
    let x = peer_field(side, h);
    let pass = entries.iter().rev().fold(ff(), |acc, e| {
        let m = Bool::and(&[proto_ports(e.protocol, e.ports, h), in_cidr(x, &e.cidr)]);
        m.ite(&Bool::from_bool(e.action == Action::Allow), &acc)
    });
    Filter { pass, unk: ff() }
}

/// Authorization rules: default deny; the most specific active rules whose
/// CIDR holds `dst` decide; one of them must be AccessAll or name a group of
/// the user (certificate users have none).
pub(super) fn authorized(ep: &ClientVpnEndpoint, dst: &BV, groups: &[String]) -> Bool {
    let active: Vec<_> = ep.auth_rules.iter().filter(|r| r.is_active()).collect();
    let grants = |r: &crate::model::ClientVpnAuthRule| {
        r.access_all || (ep.has_groups() && r.group.as_ref().is_some_and(|g| groups.contains(g)))
    };
    let mut ways = Vec::new();
    for r in active.iter().filter(|r| grants(r)) {
        let mut c = vec![in_cidr(dst, &r.dest)];
        for longer in active
            .iter()
            .filter(|o| o.dest.prefix_len() > r.dest.prefix_len())
        {
            c.push(in_cidr(dst, &longer.dest).not());
        }
        ways.push(and(&c));
    }
    or(&ways)
}
