//! Model rules as sets of packets on the wire (the current frame).

pub use super::derived::{PeerAddrs, RuleSets};
use ipnet::IpNet;

use crate::hs::{self, Cube, Field, Interval, IntervalSet, PacketSet};
use crate::model::{
    Action, ClientVpnAssociation, NaclEntry, Network, Peer, PortMatch, Protocol, RouteDest, SgRule,
    TableRoute,
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

pub fn peer_addresses(net: &Network, peer: &Peer) -> PeerAddrs {
    match peer {
        Peer::Cidr(c) => PeerAddrs {
            yes: cidr_set(c),
            maybe: IntervalSet::empty(),
        },
        Peer::PrefixList(id) => match prefix_list_addresses(net, id) {
            Some(yes) => PeerAddrs {
                yes,
                maybe: IntervalSet::empty(),
            },
            None => PeerAddrs {
                yes: IntervalSet::empty(),
                maybe: prefix_list_bound(net, id),
            },
        },
        Peer::Group(g) => {
            // A group outside the input (peered VPC, other account, stale):
            // the input's interfaces are members only if they carry it; any
            // address that could be an interface outside the input may be.
            let maybe = if net.security_groups.contains_key(g) {
                IntervalSet::empty()
            } else {
                outside_interfaces(net)
            };
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
            let members =
                IntervalSet::from_intervals(net.members_of_group(g).flat_map(interface_intervals));
            PeerAddrs {
                yes: members.union(&unlisted),
                maybe,
            }
        }
    }
}

/// [`peer_addresses`] of group `g`, remembered with the network; `None`
/// when the network changed shape since (then computed each time).
fn group_peers(net: &Network, g: &str) -> Option<std::sync::Arc<PeerAddrs>> {
    let memo = super::derived::of(net)?;
    if let Some(p) = memo.groups.read().ok()?.get(g) {
        return Some(p.clone());
    }
    let p = std::sync::Arc::new(peer_addresses(net, &Peer::Group(g.to_string())));
    memo.groups.write().ok()?.insert(g.to_string(), p.clone());
    Some(p)
}

/// Every address of an interface: private IPs, IPv6 addresses, delegated prefixes.
pub fn interface_addresses(i: &crate::model::Interface) -> IntervalSet {
    IntervalSet::from_intervals(interface_intervals(i))
}

/// [`interface_addresses`] as intervals, for building one set of many interfaces.
fn interface_intervals(i: &crate::model::Interface) -> impl Iterator<Item = Interval> + '_ {
    i.private_ips
        .iter()
        .map(|p| p.address)
        .chain(i.ipv6.iter().copied())
        .map(|a| Interval::point(hs::addr(a)))
        .chain(
            i.prefixes
                .iter()
                .flat_map(|p| cidr_set(p).intervals().to_vec()),
        )
}

/// Every CIDR of every VPC and subnet of the input.
pub fn input_cidrs(net: &Network) -> IntervalSet {
    IntervalSet::from_intervals(
        net.vpcs
            .values()
            .flat_map(|v| v.cidrs.iter())
            .chain(net.subnets.values().flat_map(|s| s.cidrs.iter()))
            .flat_map(|c| cidr_set(c).intervals().to_vec()),
    )
}

/// Addresses an interface outside the input could have: anything but the
/// input's VPC CIDRs and public IPv4 (aws-semantics.md §3: a group peer is
/// the private addresses of its members).
pub fn outside_interfaces(net: &Network) -> IntervalSet {
    let public_v4 = hs::all_v4().difference(&special_addresses());
    hs::all_v4()
        .union(&hs::all_v6())
        .difference(&input_cidrs(net))
        .difference(&public_v4)
}

/// The addresses a prefix list whose entries the input lacks could hold: an
/// AWS-managed list holds only public AWS ranges, never an address of the
/// input's VPCs; any other list, anything.
pub fn prefix_list_bound(net: &Network, id: &str) -> IntervalSet {
    let pl = net.prefix_lists.get(id);
    let bound = match pl {
        Some(pl) if pl.aws_managed() => public_addresses().difference(&input_cidrs(net)),
        _ => hs::all_v4().union(&hs::all_v6()),
    };
    // A list holds addresses of its `AddressFamily` only.
    match pl.and_then(|p| p.family) {
        Some(4) => bound.intersect(&hs::all_v4()),
        Some(6) => bound.intersect(&hs::all_v6()),
        _ => bound,
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

/// [`sg_rule_set`] of every rule of `sg` on `side`, remembered with the
/// network (a walk meets the same groups at every source and destination).
pub fn sg_rule_sets<'n>(
    net: &'n Network,
    sg: &crate::model::SecurityGroup,
    side: Side,
) -> std::borrow::Cow<'n, [(PacketSet, PacketSet)]> {
    use std::borrow::Cow;
    let rules = side_rules(sg, side);
    let fresh = || -> RuleSets { rules.iter().map(|r| sg_rule_set(net, r, side)).collect() };
    let kept = kept_side(net, sg, side)
        .map(|s| s.sets.get_or_init(fresh))
        .filter(|r| r.len() == rules.len());
    match kept {
        Some(r) => Cow::Borrowed(r.as_slice()),
        None => Cow::Owned(fresh()),
    }
}

/// [`describe_sg_rule`] of the rule at `index` of a side of `sg`, kept
/// with the network (a walk describes a passing rule at every hop).
pub fn sg_rule_text<'n>(
    net: &'n Network,
    sg: &crate::model::SecurityGroup,
    side: Side,
    index: usize,
) -> std::borrow::Cow<'n, str> {
    use std::borrow::Cow;
    let rules = side_rules(sg, side);
    let kept = kept_side(net, sg, side)
        .map(|s| {
            s.texts
                .get_or_init(|| rules.iter().map(|r| describe_sg_rule(r, side)).collect())
        })
        .filter(|t| t.len() == rules.len())
        .and_then(|t| t.get(index));
    match kept {
        Some(t) => Cow::Borrowed(t.as_str()),
        None => Cow::Owned(
            rules
                .get(index)
                .map(|r| describe_sg_rule(r, side))
                .unwrap_or_default(),
        ),
    }
}

/// A group's rules of one side.
pub(super) fn side_rules(sg: &crate::model::SecurityGroup, side: Side) -> &[SgRule] {
    match side {
        Side::Ingress => &sg.ingress,
        Side::Egress => &sg.egress,
    }
}

/// What the network's memo keeps of a side of `sg` (`None`: no memo, or
/// the group is not the input's).
fn kept_side<'n>(
    net: &'n Network,
    sg: &crate::model::SecurityGroup,
    side: Side,
) -> Option<&'n super::derived::GroupSide> {
    super::derived::of(net)?.group_side(net, &sg.id, side == Side::Egress)
}

/// The packets one SG rule allows, and those it *might* allow (its peer is
/// not fully known).
pub fn sg_rule_set(net: &Network, rule: &SgRule, side: Side) -> (PacketSet, PacketSet) {
    let base = PacketSet::from_cube(proto_ports(rule.protocol, rule.ports));
    let shared;
    let own;
    let p = match &rule.peer {
        Peer::Group(g) => match group_peers(net, g) {
            Some(p) => {
                shared = p;
                &*shared
            }
            None => {
                own = peer_addresses(net, &rule.peer);
                &own
            }
        },
        other => {
            own = peer_addresses(net, other);
            &own
        }
    };
    let yes = base.restrict(side.peer_field(), &p.yes);
    let maybe = if p.maybe.is_empty() {
        PacketSet::empty()
    } else {
        base.restrict(side.peer_field(), &p.maybe.difference(&p.yes))
    };
    (yes, maybe)
}

/// The packets a security group's rules of one side allow, and those they
/// might (see [`sg_rule_set`]); `None` when the group is not in the input.
pub fn group_rules_set(net: &Network, group: &str, side: Side) -> Option<(PacketSet, PacketSet)> {
    let sg = net.security_groups.get(group)?;
    let rules = side_rules(sg, side);
    let mut yes = PacketSet::empty();
    let mut maybe = PacketSet::empty();
    for r in rules {
        let (y, m) = sg_rule_set(net, r, side);
        yes = yes.union(&y);
        maybe = maybe.union(&m);
    }
    Some((yes, maybe))
}

pub fn nacl_entry_set(e: &NaclEntry, side: Side) -> PacketSet {
    PacketSet::from_cube(proto_ports(e.protocol, e.ports))
        .restrict(side.peer_field(), &cidr_set(&e.cidr))
}

/// `inbound rule sgr-0a1b2c3d: tcp 22 from 10.0.0.0/16`, or, without the
/// rule's ID, `inbound rule IpPermissions[2].IpRanges[0]: …` ([`SgRule::label`]).
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
        rule.label(),
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
    let source = e
        .source
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    format!(
        "{} rule {}{source}: {} {}{} {dir} {}",
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

/// A route table's routes in the order they decide (a VPC route table's,
/// [`crate::model::Route`], or a transit gateway route table's).
pub struct Routes<'r, R> {
    /// Routes to prefix lists whose entries the input lacks, with the
    /// addresses they could capture: checked first, those packets are unknown.
    pub unknown: Vec<(IntervalSet, &'r R)>,
    /// The rest expanded to CIDRs (prefix lists inlined): most specific first,
    /// then by [`TableRoute::priority`] (static before prefix-list before
    /// propagated), then input order (aws-semantics.md §2, "How route
    /// priority works"; the Transit Gateway guide, "Route evaluation order").
    pub known: Vec<(IpNet, &'r R)>,
}

pub fn expanded_routes<'r, R: TableRoute>(
    net: &Network,
    routes: impl IntoIterator<Item = &'r R>,
) -> Routes<'r, R> {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for r in routes {
        match r.dest() {
            RouteDest::Cidr(c) => known.push((*c, r)),
            RouteDest::PrefixList(id) => {
                match net.prefix_lists.get(id).and_then(|p| p.entries.as_ref()) {
                    Some(entries) => known.extend(entries.iter().map(|c| (*c, r))),
                    None => unknown.push((prefix_list_bound(net, id), r)),
                }
            }
        }
    }
    // A stable sort: ties keep input order.
    known.sort_by_key(|(c, r)| (std::cmp::Reverse(c.prefix_len()), r.priority()));
    Routes { unknown, known }
}

/// The addresses of the public internet as this tool assumes them: every
/// IPv4 address outside the private and special-purpose blocks, and every
/// global-unicast IPv6 address (2000::/3).
pub fn internet_addresses() -> IntervalSet {
    public_addresses()
}

/// Public IPv4 (outside the special blocks) and global-unicast IPv6.
pub fn public_addresses() -> IntervalSet {
    let v4 = hs::all_v4().difference(&special_addresses());
    let v6 = cidr_set(&crate::model::aws::PUBLIC_V6.parse().expect("static cidr"));
    v4.union(&v6)
}

/// The internet as a source: [`public_addresses`] minus the input's own
/// public IPs, VPC and subnet CIDRs, interface addresses and prefixes, and
/// idle Elastic IPs (aws-semantics.md §5).
pub fn internet_sources(net: &Network) -> IntervalSet {
    match super::derived::of(net) {
        Some(memo) => memo.internet.get_or_init(|| internet_of(net)).clone(),
        None => internet_of(net),
    }
}

/// The input's own public IPv4 addresses: interfaces' public and Elastic
/// IPs, NAT gateways' and idle Elastic IPs.
pub(super) fn own_public_ips(net: &Network) -> impl Iterator<Item = Interval> + '_ {
    net.interfaces
        .values()
        .flat_map(|i| i.private_ips.iter().filter_map(|p| p.public))
        .chain(net.nat_gateways.values().filter_map(|n| n.public_ip))
        .chain(net.idle_addresses.keys().copied())
        .map(|a| Interval::point(hs::addr(a)))
}

fn internet_of(net: &Network) -> IntervalSet {
    let own = IntervalSet::from_intervals(
        own_public_ips(net).chain(net.interfaces.values().flat_map(interface_intervals)),
    )
    .union(&input_cidrs(net));
    public_addresses().difference(&own)
}

/// Private and special-purpose IPv4 blocks (RFC 1918, 6598, 5735) and
/// non-global IPv6: never routed on the internet.
pub fn special_addresses() -> IntervalSet {
    crate::model::aws::SPECIAL_BLOCKS
        .iter()
        .fold(IntervalSet::empty(), |acc, b| {
            acc.union(&cidr_set(&b.parse().expect("static cidr")))
        })
}

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

/// The addresses a delivery from inside `subnet` reaches without crossing
/// its network ACL: its CIDRs, and every address an interface or NAT
/// gateway of the subnet holds (an input may list an interface at an
/// address outside its subnet's CIDRs; delivery goes by holder). Worked
/// out once per network for every subnet.
pub fn subnet_held(net: &Network, subnet: &str) -> IntervalSet {
    let all = |net: &Network| {
        let mut by: rustc_hash::FxHashMap<String, Vec<Interval>> = Default::default();
        for s in net.subnets.values() {
            by.entry(s.id.clone()).or_default().extend(
                s.cidrs
                    .iter()
                    .flat_map(|c| cidr_set(c).intervals().to_vec()),
            );
        }
        for i in net.interfaces.values() {
            by.entry(i.subnet.clone())
                .or_default()
                .extend(interface_intervals(i));
        }
        for n in net.nat_gateways.values() {
            if let Some(a) = n.private_ip {
                by.entry(n.subnet.clone())
                    .or_default()
                    .push(Interval::point(hs::addr(a)));
            }
        }
        by.into_iter()
            .map(|(s, v)| (s, IntervalSet::from_intervals(v)))
            .collect::<rustc_hash::FxHashMap<String, IntervalSet>>()
    };
    match super::derived::of(net) {
        Some(memo) => memo
            .held
            .get_or_init(|| all(net))
            .get(subnet)
            .cloned()
            .unwrap_or_default(),
        None => all(net).remove(subnet).unwrap_or_default(),
    }
}

/// The addresses a Client VPN association translates client traffic to: its
/// ENI's private IP when the input has the ENI, else (stated as an
/// assumption) any address of its subnet.
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

/// An AWS-provided service an instance reaches on the host (aws-semantics.md §5b).
pub struct AwsService {
    pub name: &'static str,
    pub addr: std::net::IpAddr,
    /// The packets it answers (protocol and destination ports).
    pub serves: PacketSet,
    pub describe: &'static str,
}

/// The AWS-provided services of a VPC: Amazon DNS (the primary IPv4 CIDR's
/// base + 2, 169.254.169.253, fd00:ec2::253; tcp and udp 53), instance
/// metadata (169.254.169.254, fd00:ec2::254; tcp 80) and the Time Sync
/// Service (169.254.169.123, fd00:ec2::123; udp 123).
pub fn aws_services(net: &Network, vpc: &str) -> Vec<AwsService> {
    let on = |proto: u8, port: u16| {
        PacketSet::from_cube(proto_ports(
            Protocol::Number(proto),
            PortMatch::Ports {
                from: port,
                to: port,
            },
        ))
    };
    let dns = || on(6, 53).union(&on(17, 53));
    let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("static address");
    let mut out = Vec::new();
    let base = net
        .vpcs
        .get(vpc)
        .and_then(|v| v.cidrs.iter().find(|c| matches!(c, IpNet::V4(_))))
        .and_then(|c| match c {
            IpNet::V4(n) => Some(u32::from(n.network()).wrapping_add(2)),
            IpNet::V6(_) => None,
        });
    if let Some(b) = base {
        out.push(AwsService {
            name: "Amazon DNS",
            addr: std::net::IpAddr::V4(b.into()),
            serves: dns(),
            describe: "tcp and udp 53",
        });
    }
    for (name, a, serves, describe) in [
        ("Amazon DNS", "169.254.169.253", dns(), "tcp and udp 53"),
        ("Amazon DNS", "fd00:ec2::253", dns(), "tcp and udp 53"),
        ("instance metadata", "169.254.169.254", on(6, 80), "tcp 80"),
        ("instance metadata", "fd00:ec2::254", on(6, 80), "tcp 80"),
        (
            "Amazon Time Sync",
            "169.254.169.123",
            on(17, 123),
            "udp 123",
        ),
        ("Amazon Time Sync", "fd00:ec2::123", on(17, 123), "udp 123"),
    ] {
        out.push(AwsService {
            name,
            addr: ip(a),
            serves,
            describe,
        });
    }
    out
}
