//! Facts read off the model for the encoding (addresses of VPCs and interfaces, route tables in order, association and Verified Access addresses): pure functions of the model.

use std::net::IpAddr;

use ::z3::ast::{BV, Bool};
use ipnet::IpNet;

use super::terms::{Hdr, Out, addr, chain, ff, in_any, is_v4, never, num, or, public, tt};
use crate::model::{
    ClientVpnAssociation, Interface, Network, Route, RouteDest, RouteTable, TableRoute, VaEndpoint,
    VaTarget,
};

/// Every CIDR of every VPC and subnet of the input.
pub(super) fn vpc_cidrs(net: &Network) -> Vec<IpNet> {
    net.vpcs
        .values()
        .flat_map(|v| v.cidrs.iter().copied())
        .chain(net.subnets.values().flat_map(|s| s.cidrs.iter().copied()))
        .collect()
}

/// Every address an interface holds: private IPs, IPv6 addresses, delegated prefixes.
pub(super) fn eni_nets(i: &Interface) -> Vec<IpNet> {
    i.private_ips
        .iter()
        .map(|p| p.address)
        .chain(i.ipv6.iter().copied())
        .map(IpNet::from)
        .chain(i.prefixes.iter().copied())
        .collect()
}

/// The interface answers: `in-use`, and its instance (when the input has it) `running`.
pub(super) fn answering(net: &Network, i: &Interface) -> bool {
    i.in_use()
        && i.instance
            .as_ref()
            .and_then(|id| net.instances.get(id))
            .is_none_or(|inst| inst.running())
}

/// A load balancer's or gateway's interface: past its groups it forwards to
/// targets the input does not list.
pub(super) fn forwards_elsewhere(i: &Interface) -> bool {
    matches!(
        i.kind.as_str(),
        "network_load_balancer"
            | "gateway_load_balancer"
            | "gateway_load_balancer_endpoint"
            | "transit_gateway"
    ) || (i.kind == "interface"
        && i.description
            .as_deref()
            .is_some_and(|d| d.starts_with("ELB app/")))
}

/// An instance's primary interface: device index 0, else the first listed
/// (through `Attachment.InstanceId` when the input lacks the instance).
pub(super) fn instance_primary<'n>(net: &'n Network, id: &str) -> Option<&'n Interface> {
    let enis: Vec<&Interface> = match net.instances.get(id) {
        Some(inst) => inst
            .interfaces
            .iter()
            .filter_map(|e| net.interfaces.get(e))
            .collect(),
        None => net
            .interfaces
            .values()
            .filter(|i| i.instance.as_deref() == Some(id))
            .collect(),
    };
    enis.iter()
        .find(|i| i.device_index == Some(0))
        .or_else(|| enis.first())
        .copied()
}

/// The addresses a prefix list the input has no entries for could hold:
/// `None` when its entries are known. An AWS-managed list holds only public
/// addresses outside the input's VPCs; any other list, anything.
pub(super) fn unknown_list_region(net: &Network, id: &str, x: &BV) -> Option<Bool> {
    let pl = net.prefix_lists.get(id);
    let region = match pl {
        Some(p) if p.entries.is_some() => return None,
        Some(p) if p.aws_managed() => Bool::and(&[public(x), in_any(x, &vpc_cidrs(net)).not()]),
        _ => tt(),
    };
    // A list holds addresses of its `AddressFamily` only.
    Some(match pl.and_then(|p| p.family) {
        Some(4) => Bool::and(&[region, is_v4(x)]),
        Some(6) => Bool::and(&[region, is_v4(x).not()]),
        _ => region,
    })
}

// ---------- rules (pure functions of the model and a header) ----------

/// The AWS-provided services an interface reaches on its host, with no
/// group, ACL or route: (the destination is one, how it ends). Amazon DNS
/// (the VPC's first IPv4 CIDR + 2, 169.254.169.253, fd00:ec2::253; tcp and
/// udp 53), instance metadata (169.254.169.254, fd00:ec2::254; tcp 80), Time
/// Sync (169.254.169.123, fd00:ec2::123; udp 123). Other tcp/udp ports fail;
/// other protocols are undecided.
pub(super) fn aws_services(net: &Network, vpc: &str, h: &Hdr) -> (Bool, Out) {
    /// (protocol, port).
    pub(super) type Served = (u128, u128);
    let ip = |s: &str| s.parse::<IpAddr>().expect("static address");
    let mut dns = vec![ip("169.254.169.253"), ip("fd00:ec2::253")];
    if let Some(IpNet::V4(c)) = net
        .vpcs
        .get(vpc)
        .and_then(|v| v.cidrs.iter().find(|c| matches!(c, IpNet::V4(_))))
    {
        let base = u32::from(c.network());
        if let Some(a) = base.checked_add(2) {
            dns.push(IpAddr::V4(a.into()));
        }
    }
    let services: [(Vec<IpAddr>, &[Served]); 3] = [
        (dns, &[(6, 53), (17, 53)]),
        (vec![ip("169.254.169.254"), ip("fd00:ec2::254")], &[(6, 80)]),
        (
            vec![ip("169.254.169.123"), ip("fd00:ec2::123")],
            &[(17, 123)],
        ),
    ];
    let ported = Bool::or(&[h.proto.eq(num(6, 8)), h.proto.eq(num(17, 8))]);
    let mut hits = Vec::new();
    let mut cases = Vec::new();
    for (addrs, serves) in services {
        let hit = or(&addrs.iter().map(|a| h.dst.eq(addr(*a))).collect::<Vec<_>>());
        if never(&hit) {
            continue;
        }
        let ok = or(&serves
            .iter()
            .map(|(p, port)| Bool::and(&[h.proto.eq(num(*p, 8)), h.dport.eq(num(*port, 16))]))
            .collect::<Vec<_>>());
        hits.push(hit.clone());
        cases.push((
            hit,
            Out {
                ok,
                unk: ported.not(),
                unsup: ff(),
            },
        ));
    }
    (or(&hits), chain(cases, Out::fail()))
}

/// A route table's routes for `dst`, in the order the first match wins
/// ([`ordered_routes`]), what prefix lists without entries could capture
/// as one formula.
pub(super) fn table_routes<'n>(
    net: &Network,
    rtb: &'n RouteTable,
    dst: &BV,
) -> (Bool, Vec<(IpNet, &'n Route)>) {
    let (capture, routes) = ordered_routes(net, &rtb.routes, dst);
    (or(&capture), routes)
}

/// A table's routes for `dst` (a VPC route table's or a transit gateway
/// route table's), in the order the first match wins: most specific prefix
/// first; at equal length static, then prefix-list, then propagated routes;
/// ties in table order. Prefix lists without entries capture what they
/// could hold (the regions, in table order), before every known route.
pub(super) fn ordered_routes<'n, T: TableRoute>(
    net: &Network,
    routes: impl IntoIterator<Item = &'n T>,
    dst: &BV,
) -> (Vec<Bool>, Vec<(IpNet, &'n T)>) {
    let mut capture = Vec::new();
    let mut known = Vec::new();
    for r in routes {
        match r.dest() {
            RouteDest::Cidr(c) => known.push((*c, r)),
            RouteDest::PrefixList(id) => match unknown_list_region(net, id, dst) {
                Some(region) => capture.push(region),
                None => {
                    let entries = net.prefix_lists[id].entries.as_deref().unwrap_or_default();
                    known.extend(entries.iter().map(|c| (*c, r)));
                }
            },
        }
    }
    known.sort_by_key(|(c, r)| (std::cmp::Reverse(c.prefix_len()), r.priority()));
    (capture, known)
}

/// Where a Client VPN association translates client traffic from: its ENI's
/// private IPs, or (the input lacks the ENI) any IPv4 address of its subnet.
pub(super) fn association_addresses(net: &Network, a: &ClientVpnAssociation) -> Option<Vec<IpNet>> {
    if let Some(i) = a.interface.as_ref().and_then(|e| net.interfaces.get(e)) {
        return Some(
            i.private_ips
                .iter()
                .map(|p| IpNet::from(p.address))
                .collect(),
        );
    }
    let subnet = net.subnets.get(&a.subnet)?;
    Some(
        subnet
            .cidrs
            .iter()
            .filter(|c| matches!(c, IpNet::V4(_)))
            .copied()
            .collect(),
    )
}

/// A subnet's IPv4 CIDRs (where Verified Access interfaces are); `None` when
/// the input lacks the subnet.
pub(super) fn subnet_v4(net: &Network, subnet: &str) -> Option<Vec<IpNet>> {
    Some(
        net.subnets
            .get(subnet)?
            .cidrs
            .iter()
            .filter(|c| matches!(c, IpNet::V4(_)))
            .copied()
            .collect(),
    )
}

/// Where a Verified Access endpoint sends traffic; `None` when the input
/// cannot tell. `network-interface`: the ENI's primary private IP; `cidr`:
/// the CIDR; `load-balancer`: the addresses of the interfaces described
/// `ELB <type>/<name>/<id>`; `rds`: every RDS interface of the endpoint's VPC
/// (describe-network-interfaces does not say which database one serves).
pub(super) fn va_targets(net: &Network, ep: &VaEndpoint) -> Option<Vec<IpNet>> {
    let all = |want: &dyn Fn(&Interface) -> bool| -> Option<Vec<IpNet>> {
        let ips: Vec<IpNet> = net
            .interfaces
            .values()
            .filter(|i| want(i))
            .flat_map(|i| i.private_ips.iter().map(|p| IpNet::from(p.address)))
            .collect();
        (!ips.is_empty()).then_some(ips)
    };
    match &ep.target {
        VaTarget::NetworkInterface(eni) => {
            let i = net.interfaces.get(eni)?;
            Some(vec![IpNet::from(i.primary_ip()?)])
        }
        VaTarget::Cidr(c) => Some(vec![*c]),
        VaTarget::LoadBalancer(arn) => {
            let suffix = arn
                .split_once(":loadbalancer/")
                .map_or(arn.as_str(), |(_, s)| s);
            let want = format!("ELB {suffix}");
            all(&|i| i.description.as_deref() == Some(want.as_str()))
        }
        VaTarget::Rds(_) => {
            all(&|i| i.vpc == ep.vpc && i.description.as_deref() == Some("RDSNetworkInterface"))
        }
    }
}
