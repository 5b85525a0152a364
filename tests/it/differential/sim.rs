//! A brute-force concrete simulator: walks ONE packet at a time through a
//! [`Network`], hop by hop, forward and back, written from
//! `../shared/domain/aws-semantics.md` and the issue-9 semantics page
//! (`spec9.md`, items A-N) without the engine's packet sets.
//!
//! Only the query's syntax (`QuerySpec`) is taken from `reach`; where it
//! starts, its packets, every rule, route and gateway are evaluated here, on
//! concrete values. A query's verdict comes from enumerating one
//! representative packet per equivalence class (the starts of every interval
//! any rule of the snapshot mentions, per field) and, per packet, every
//! network choice (a NAT gateway's or Client VPN association's source port,
//! the address of an association whose ENI the input lacks), explored by
//! backtracking over the choice points a walk actually meets.
//!
//! Addresses of both families live in one `u128` universe (IPv4 as
//! `::ffff:a.b.c.d`); a CIDR of one family never matches the other.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use reach::engine::{DstSpec, QuerySpec, SrcSpec, Verdict};
use reach::model::{
    Action, ClientVpnAssociation, ClientVpnEndpoint, ClientVpnRoute, Interface, NatGateway,
    Network, Peer, Platform, PortMatch, Protocol, Route, RouteDest, RouteOrigin, RouteState,
    RouteTable, Target, TgwAttachment, TgwResourceType, TgwRouteState, TgwRouteType,
    TransitGateway, VaEndpoint, VaTarget,
};

/// Ports a NAT gateway or a Client VPN association ENI translates to (§1).
const TRANSLATED_PORTS: (u16, u16) = (1024, 65535);

/// Private and special-purpose IPv4 blocks: never routed on the internet
/// (the product's definition of "not the internet").
const SPECIAL: [&str; 8] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/3",
];
/// The public IPv6 internet.
const GLOBAL_V6: &str = "2000::/3";

/// Kinds whose delivered packets are forwarded to targets the input lacks (J).
const FORWARDING_KINDS: [&str; 4] = [
    "network_load_balancer",
    "gateway_load_balancer",
    "gateway_load_balancer_endpoint",
    "transit_gateway",
];
/// Kinds AWS documents as group-less (J).
const GROUPLESS: [&str; 5] = [
    "network_load_balancer",
    "transit_gateway",
    "gateway_load_balancer",
    "gateway_load_balancer_endpoint",
    "nat_gateway",
];

const V4_BASE: u128 = 0xffff_0000_0000;
const V4_END: u128 = V4_BASE | 0xffff_ffff;

/// An address in the one universe.
fn u(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(x) => V4_BASE | u128::from(u32::from(x)),
        IpAddr::V6(x) => u128::from(x),
    }
}

/// Inverse of [`u`].
fn ip(v: u128) -> IpAddr {
    if (V4_BASE..=V4_END).contains(&v) {
        IpAddr::V4(Ipv4Addr::from((v - V4_BASE) as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(v))
    }
}

fn cidr(s: &str) -> IpNet {
    s.parse().expect("static cidr")
}

fn cidr_range(c: &IpNet) -> (u128, u128) {
    (u(c.network()), u(c.broadcast()))
}

/// Sorted, disjoint inclusive ranges.
type Ranges = Vec<(u128, u128)>;

fn minus(rs: &Ranges, (lo, hi): (u128, u128)) -> Ranges {
    let mut out = Vec::new();
    for &(a, b) in rs {
        if b < lo || a > hi {
            out.push((a, b));
            continue;
        }
        if a < lo {
            out.push((a, lo - 1));
        }
        if b > hi {
            out.push((hi + 1, b));
        }
    }
    out
}

fn intersect(rs: &Ranges, (lo, hi): (u128, u128)) -> Ranges {
    rs.iter()
        .filter(|(a, b)| *b >= lo && *a <= hi)
        .map(|&(a, b)| (a.max(lo), b.min(hi)))
        .collect()
}

fn family_of(a: IpAddr) -> Ranges {
    if a.is_ipv4() {
        vec![(V4_BASE, V4_END)]
    } else {
        vec![(0, V4_BASE - 1), (V4_END + 1, u128::MAX)]
    }
}

fn is_special_v4(a: IpAddr) -> bool {
    SPECIAL.iter().any(|b| cidr(b).contains(&a))
}

/// Whether the public internet routes `a` (public IPv4, 2000::/3).
fn is_public(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(_) => !is_special_v4(a),
        IpAddr::V6(_) => cidr(GLOBAL_V6).contains(&a),
    }
}

/// The public internet: IPv4 outside the special blocks, and 2000::/3.
fn public_ranges() -> Ranges {
    let mut v4 = vec![(V4_BASE, V4_END)];
    for b in SPECIAL {
        v4 = minus(&v4, cidr_range(&cidr(b)));
    }
    let mut all = v4;
    let g = cidr_range(&cidr(GLOBAL_V6));
    all.insert(0, g);
    all.sort();
    all
}

/// One concrete packet on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pkt {
    pub proto: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub icmp_type: u8,
    pub icmp_code: u8,
}

impl Pkt {
    fn has_ports(&self) -> bool {
        self.proto == 6 || self.proto == 17
    }
    fn is_icmp(&self) -> bool {
        self.proto == 1 || self.proto == 58
    }
    /// The reply to this packet. An echo request (8, ICMPv6 128) is answered
    /// by an echo reply (0 / 129), whatever else the query asks; other types
    /// are checked as the same type (the product's stated assumption).
    fn reply(&self, echo: Option<(u8, u8)>) -> Pkt {
        Pkt {
            proto: self.proto,
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
            icmp_type: match echo {
                Some((req, rep)) if self.is_icmp() && self.icmp_type == req => rep,
                _ => self.icmp_type,
            },
            icmp_code: self.icmp_code,
        }
    }
}

/// How one walk ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Delivered to this interface (or Client VPN association), as this packet.
    Arrived(String, Pkt),
    /// Left onto the internet toward a host outside the input, as this packet.
    Internet(Pkt),
    /// Left through a virtual private gateway (of this VPC) to the on-premises network.
    OnPrem(String, String, Pkt),
    /// Left through a transit gateway's VPN / Direct Connect attachment.
    OnPremTgw(String, Pkt),
    Dropped(&'static str),
    Unknown(String),
}

/// Backtracking over the network's choices: a walk asks [`Chooser::pick`];
/// after the walk, [`Chooser::advance`] moves to the next combination.
#[derive(Default)]
struct Chooser {
    /// (index chosen, number of options) per choice point met, in order.
    stack: Vec<(usize, usize)>,
    at: usize,
}

impl Chooser {
    fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        assert!(!options.is_empty(), "a choice with no options");
        if self.at == self.stack.len() {
            self.stack.push((0, options.len()));
        }
        let (i, n) = self.stack[self.at];
        assert_eq!(
            n,
            options.len(),
            "choice points must be met in a stable order"
        );
        self.at += 1;
        options[i]
    }

    /// The next combination; false when all were explored.
    fn advance(&mut self) -> bool {
        self.stack.truncate(self.at);
        self.at = 0;
        while let Some((i, n)) = self.stack.pop() {
            if i + 1 < n {
                self.stack.push((i + 1, n));
                return true;
            }
        }
        false
    }
}

/// Connection state the request leaves behind.
#[derive(Clone, Debug, Default)]
struct Conn {
    /// Owners (ENI or association) whose security groups let the request through.
    sg_seen: BTreeSet<String>,
    /// NAT gateway -> (original source, original source port).
    nat: Vec<(String, IpAddr, u16)>,
    /// Association -> the address its ENI used (when chosen).
    assoc_addr: BTreeMap<String, IpAddr>,
    /// VPCs a connection left through an egress-only internet gateway of.
    eigw: BTreeSet<String>,
    /// The association whose ENI (not in the input) left for the internet
    /// from the public IP AWS assigned it ([`ASSIGNED`]).
    assigned: Option<String>,
    /// Appliance-mode attachment -> the subnet (zone) the request used.
    tgw_zone: BTreeMap<String, String>,
    /// The request crossed a transit gateway without security-group
    /// referencing (gateway and attachment both on): group rules match nothing.
    no_refs: bool,
}

/// Stands for the public IP AWS assigned to an association ENI the input lacks.
const ASSIGNED: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

#[derive(Clone, Copy)]
enum Node<'n> {
    Eni(&'n Interface),
    Nat(&'n NatGateway),
    Assoc(&'n ClientVpnEndpoint, &'n ClientVpnAssociation),
    /// A transit gateway VPC attachment's interface in this subnet.
    Tgw(&'n TgwAttachment, &'n str),
}

impl<'n> Node<'n> {
    fn subnet(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.subnet,
            Node::Nat(n) => &n.subnet,
            Node::Assoc(_, a) => &a.subnet,
            Node::Tgw(_, s) => s,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Forward,
    Return,
}

/// Where a packet enters a subnet from.
#[derive(Clone, Copy)]
enum From<'a> {
    Subnet(&'a str),
    Outside,
}

/// What passing a filter gives.
enum Pass {
    Yes,
    No(&'static str),
    Unknown(String),
}

macro_rules! pass {
    ($e:expr) => {
        match $e {
            Pass::Yes => {}
            Pass::No(w) => return End::Dropped(w),
            Pass::Unknown(w) => return End::Unknown(w),
        }
    };
}

/// What a route-table lookup gives.
enum Look<'n> {
    /// A prefix list whose entries the input lacks could capture the packet (E).
    Unknown(String),
    NoRoute,
    Route(&'n Route),
}

struct Sim<'n, 'c> {
    net: &'n Network,
    dir: Dir,
    conn: Conn,
    choose: &'c mut Chooser,
    /// NAT gateways this walk went through (a second time is a routing loop).
    nats_seen: Vec<String>,
    /// Transit gateway crossings so far (too many: a routing loop).
    tgw_hops: usize,
    /// Candidate translated source ports (class representatives).
    port_choices: &'c [u16],
    /// Candidate addresses per association subnet (class representatives).
    addr_choices: &'c BTreeMap<String, Vec<IpAddr>>,
}

fn proto_ports_match(p: Protocol, ports: PortMatch, pkt: &Pkt) -> bool {
    match p {
        Protocol::All => true,
        Protocol::Number(n) if n != pkt.proto => false,
        Protocol::Number(_) => match ports {
            PortMatch::Ports { from, to } if pkt.has_ports() => {
                (from.min(to)..=from.max(to)).contains(&pkt.dport)
            }
            PortMatch::Icmp {
                icmp_type: Some(t),
                code,
            } if pkt.is_icmp() => t == pkt.icmp_type && code.is_none_or(|c| c == pkt.icmp_code),
            _ => true,
        },
    }
}

/// Whether an ENI answers (H).
fn answers(net: &Network, i: &Interface) -> bool {
    i.status == "in-use"
        && i.instance
            .as_ref()
            .and_then(|id| net.instances.get(id))
            .is_none_or(|inst| inst.state.as_deref().is_none_or(|s| s == "running"))
}

/// The ENIs of an instance, from `instances` or from the ENIs naming it (G).
fn instance_enis<'n>(net: &'n Network, id: &str) -> Vec<&'n Interface> {
    match net.instances.get(id) {
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
    }
}

/// An instance's primary ENI: device index 0, else the first listed (G).
fn primary_eni<'n>(net: &'n Network, id: &str) -> Option<&'n Interface> {
    let enis = instance_enis(net, id);
    enis.iter()
        .find(|i| i.device_index == Some(0))
        .or(enis.first())
        .copied()
}

fn holds(i: &Interface, a: IpAddr) -> bool {
    i.private_ips.iter().any(|p| p.address == a)
        || i.ipv6.contains(&a)
        || i.prefixes.iter().any(|p| p.contains(&a))
}

/// The region a prefix list whose entries the input lacks could hold (E).
fn unknown_list_has(net: &Network, id: &str, a: IpAddr) -> bool {
    let managed = net.prefix_lists.get(id).is_some_and(|p| {
        p.owner.as_deref() == Some("AWS")
            || p.name
                .as_deref()
                .is_some_and(|n| n.starts_with("com.amazonaws."))
    });
    if !managed {
        return true;
    }
    is_public(a)
        && !net
            .vpcs
            .values()
            .flat_map(|v| &v.cidrs)
            .any(|c| c.contains(&a))
}

impl<'n> Sim<'n, '_> {
    fn node_of_eni(&self, id: &str) -> Option<Node<'n>> {
        let net = self.net;
        for e in net.client_vpn_endpoints.values() {
            for a in &e.associations {
                if a.id == id || a.interface.as_deref() == Some(id) {
                    return Some(Node::Assoc(e, a));
                }
            }
        }
        let i = net.interfaces.get(id)?;
        if let Some(n) = net
            .nat_gateways
            .values()
            .find(|n| n.interface.as_deref() == Some(id))
        {
            return Some(Node::Nat(n));
        }
        Some(Node::Eni(i))
    }

    fn vpc_of(&self, node: Node<'n>) -> &'n str {
        match node {
            Node::Eni(i) => &i.vpc,
            Node::Nat(n) => &n.vpc,
            Node::Assoc(e, _) => &e.vpc,
            Node::Tgw(a, _) => &a.vpc.as_ref().expect("made with details").vpc,
        }
    }

    /// Security groups of `owner`, one direction (J for ENIs without groups).
    fn sgs(
        &mut self,
        owner: &str,
        groups: &[String],
        kind: &str,
        ingress: bool,
        pkt: &Pkt,
    ) -> Pass {
        if self.dir == Dir::Return && self.conn.sg_seen.contains(owner) {
            return Pass::Yes; // stateful
        }
        if groups.is_empty() {
            return if GROUPLESS.contains(&kind) {
                Pass::Yes
            } else {
                Pass::Unknown(format!("{owner} has no groups in the input"))
            };
        }
        let peer_addr = if ingress { pkt.src } else { pkt.dst };
        let mut maybe = None;
        for g in groups {
            let Some(sg) = self.net.security_groups.get(g) else {
                maybe = Some(format!("{g} missing"));
                continue;
            };
            let rules = if ingress { &sg.ingress } else { &sg.egress };
            for r in rules {
                if !proto_ports_match(r.protocol, r.ports, pkt) {
                    continue;
                }
                if ingress && self.conn.no_refs && matches!(r.peer, Peer::Group(_)) {
                    continue;
                }
                match self.peer_has(&r.peer, peer_addr) {
                    Some(true) => {
                        if self.dir == Dir::Forward {
                            self.conn.sg_seen.insert(owner.to_string());
                        }
                        return Pass::Yes;
                    }
                    Some(false) => {}
                    None => maybe = Some(format!("{} could cover the peer", r.peer.describe())),
                }
            }
        }
        match maybe {
            Some(m) => Pass::Unknown(m),
            None if ingress => Pass::No("security group (inbound)"),
            None => Pass::No("security group (outbound)"),
        }
    }

    /// Whether a security-group peer covers `a`; `None` when the input cannot tell.
    fn peer_has(&self, peer: &Peer, a: IpAddr) -> Option<bool> {
        let net = self.net;
        match peer {
            Peer::Cidr(c) => Some(c.contains(&a)),
            Peer::PrefixList(id) => {
                match net.prefix_lists.get(id).and_then(|p| p.entries.as_ref()) {
                    Some(entries) => Some(entries.iter().any(|c| c.contains(&a))),
                    // E: unknown only where the list could reach.
                    None if unknown_list_has(net, id, a) => None,
                    None => Some(false),
                }
            }
            Peer::Group(g) => {
                // Addresses of the interfaces carrying the group ...
                let owners: Vec<&Interface> =
                    net.interfaces.values().filter(|i| holds(i, a)).collect();
                let member = owners.iter().any(|i| i.groups.contains(g));
                // ... and Client VPN association ENIs carrying it (the
                // endpoint's groups); one the input lacks may have any IPv4
                // address of its subnet (the product's stated assumption).
                let assoc = net
                    .client_vpn_endpoints
                    .values()
                    .filter(|e| e.security_groups.contains(g))
                    .flat_map(|e| &e.associations)
                    .filter(|x| {
                        x.interface
                            .as_ref()
                            .is_none_or(|i| !net.interfaces.contains_key(i))
                    })
                    .any(|x| {
                        net.subnets.get(&x.subnet).is_some_and(|s| {
                            s.cidrs.iter().any(|c| c.addr().is_ipv4() && c.contains(&a))
                        })
                    });
                // ... and Verified Access endpoints carrying it: their
                // interfaces (not in the input) may have any IPv4 address
                // of the endpoint's subnets, as for associations.
                let va = net
                    .va_endpoints
                    .values()
                    .filter(|e| e.security_groups.contains(g))
                    .flat_map(|e| va_subnets(net, e))
                    .any(|s| {
                        net.subnets.get(&s).is_some_and(|s| {
                            s.cidrs.iter().any(|c| c.addr().is_ipv4() && c.contains(&a))
                        })
                    });
                if member || assoc || va {
                    return Some(true);
                }
                // L: a group outside the input may sit on ENIs outside it,
                // which may hold any address but the input's VPC CIDRs and
                // public IPv4.
                let in_vpcs = net
                    .vpcs
                    .values()
                    .flat_map(|v| &v.cidrs)
                    .any(|c| c.contains(&a));
                let public_v4 = a.is_ipv4() && is_public(a);
                let outside = !net.security_groups.contains_key(g)
                    && owners.is_empty()
                    && !in_vpcs
                    && !public_v4;
                if outside { None } else { Some(false) }
            }
        }
    }

    /// A subnet's network ACL, one direction: first matching entry by number.
    fn nacl(&self, subnet: &str, inbound: bool, pkt: &Pkt) -> Pass {
        let Some(acl) = self
            .net
            .nacl_of_subnet
            .get(subnet)
            .and_then(|id| self.net.network_acls.get(id))
        else {
            return Pass::Unknown(format!("{subnet} has no ACL"));
        };
        let mut entries: Vec<_> = if inbound {
            acl.inbound.iter().collect()
        } else {
            acl.outbound.iter().collect()
        };
        entries.sort_by_key(|e| e.number);
        let peer = if inbound { pkt.src } else { pkt.dst };
        for e in entries {
            if proto_ports_match(e.protocol, e.ports, pkt) && e.cidr.contains(&peer) {
                return match e.action {
                    Action::Allow => Pass::Yes,
                    Action::Deny => Pass::No("network ACL deny"),
                };
            }
        }
        Pass::No("network ACL default deny")
    }

    /// ACLs crossed entering `to` (none between two nodes of one subnet).
    fn cross(&self, from: From<'_>, to: &str, pkt: &Pkt) -> Pass {
        match from {
            From::Subnet(s) if s == to => Pass::Yes,
            From::Subnet(s) => match self.nacl(s, false, pkt) {
                Pass::Yes => self.nacl(to, true, pkt),
                other => other,
            },
            From::Outside => self.nacl(to, true, pkt),
        }
    }

    /// The packet leaves `node` toward its destination.
    fn at_node(&mut self, node: Node<'n>, pkt: Pkt) -> End {
        let pass = match node {
            Node::Eni(i) => self.sgs(&i.id, &i.groups, &i.kind, false, &pkt),
            Node::Assoc(e, a) => self.sgs(&a.id, &e.security_groups, "client_vpn", false, &pkt),
            Node::Nat(_) | Node::Tgw(..) => Pass::Yes,
        };
        pass!(pass);
        self.route(node, pkt)
    }

    /// The route a table gives `dst`: unknown prefix lists first (E), then
    /// longest prefix, static before prefix list before propagated, then
    /// input order (D).
    fn lookup(&self, table: &'n RouteTable, dst: IpAddr) -> Look<'n> {
        let net = self.net;
        let mut best: Option<(u8, u8, usize, &'n Route)> = None;
        for (n, r) in table.routes.iter().enumerate() {
            let cidrs: Vec<IpNet> = match &r.dest {
                RouteDest::Cidr(c) => vec![*c],
                RouteDest::PrefixList(id) => {
                    match net.prefix_lists.get(id).and_then(|p| p.entries.clone()) {
                        Some(e) => e,
                        None if unknown_list_has(net, id, dst) => {
                            return Look::Unknown(format!("route to {id}"));
                        }
                        None => Vec::new(),
                    }
                }
            };
            let prio = match (&r.dest, r.origin) {
                (_, RouteOrigin::Propagated) => 2,
                (RouteDest::Cidr(_), RouteOrigin::Static) => 0,
                (RouteDest::PrefixList(_), RouteOrigin::Static) => 1,
            };
            for c in cidrs {
                if !c.contains(&dst) {
                    continue;
                }
                let key = (c.prefix_len(), prio, n);
                let better = match best {
                    None => true,
                    Some((l, p, m, _)) => {
                        key.0 > l || (key.0 == l && (key.1 < p || (key.1 == p && key.2 < m)))
                    }
                };
                if better {
                    best = Some((key.0, key.1, key.2, r));
                }
            }
        }
        match best {
            Some((.., r)) => Look::Route(r),
            None => Look::NoRoute,
        }
    }

    /// Routing from a node: same subnet directly (M), else its subnet's table.
    fn route(&mut self, node: Node<'n>, pkt: Pkt) -> End {
        let net = self.net;
        let subnet = node.subnet();
        let vpc = self.vpc_of(node);
        if net
            .subnets
            .get(subnet)
            .is_some_and(|s| s.cidrs.iter().any(|c| c.contains(&pkt.dst)))
        {
            return self.deliver(vpc, From::Subnet(subnet), pkt);
        }
        let table = net
            .route_tables
            .values()
            .find(|t| t.subnets.iter().any(|s| s == subnet))
            .or_else(|| net.route_tables.values().find(|t| t.main && t.vpc == vpc));
        let Some(table) = table else {
            return End::Unknown("no route table".into());
        };
        let r = match self.lookup(table, pkt.dst) {
            Look::Unknown(w) => return End::Unknown(w),
            Look::NoRoute => return End::Dropped("no route"),
            Look::Route(r) => r,
        };
        if r.state == RouteState::Blackhole {
            return End::Dropped("blackhole");
        }
        match &r.target {
            Target::Local => self.deliver(vpc, From::Subnet(subnet), pkt),
            Target::InternetGateway(id) => self.via_igw(node, id, pkt),
            Target::EgressOnlyInternetGateway(id) => self.via_eigw(node, id, pkt),
            Target::NatGateway(id) => self.via_nat(node, id, pkt),
            Target::VpcPeering(id) => self.via_peering(node, id, pkt),
            Target::VirtualPrivateGateway(id) => {
                pass!(self.nacl(subnet, false, &pkt));
                End::OnPrem(id.clone(), vpc.to_string(), pkt)
            }
            Target::TransitGateway(id) => self.via_tgw(node, id, pkt),
            other => End::Unknown(format!("route target {}", other.id())),
        }
    }

    /// Inside a VPC, to whatever holds the destination address.
    fn deliver(&mut self, vpc: &str, from: From<'_>, pkt: Pkt) -> End {
        let net = self.net;
        if self.dir == Dir::Return {
            // The reply to a Client VPN association's translated address.
            for e in net.client_vpn_endpoints.values().filter(|e| e.vpc == vpc) {
                for a in &e.associations {
                    if self.conn.assoc_addr.get(&a.id) == Some(&pkt.dst) {
                        return self.deliver_to(Node::Assoc(e, a), from, pkt);
                    }
                }
            }
        }
        if let Some(n) = net
            .nat_gateways
            .values()
            .find(|n| n.vpc == vpc && n.private_ip == Some(pkt.dst))
        {
            return self.deliver_to(Node::Nat(n), from, pkt);
        }
        let Some(i) = net
            .interfaces
            .values()
            .find(|i| i.vpc == vpc && holds(i, pkt.dst))
        else {
            return End::Dropped("no interface has the address");
        };
        let node = self.node_of_eni(&i.id).expect("interface exists");
        self.deliver_to(node, from, pkt)
    }

    fn deliver_to(&mut self, node: Node<'n>, from: From<'_>, pkt: Pkt) -> End {
        pass!(self.cross(from, node.subnet(), &pkt));
        match node {
            // A reply reaching the private IP of a NAT gateway that
            // translated the request: translated back, and on.
            Node::Nat(n) if self.dir == Dir::Return => {
                let Some((_, src, sport)) = self
                    .conn
                    .nat
                    .iter()
                    .rev()
                    .find(|(id, ..)| *id == n.id)
                    .cloned()
                else {
                    return End::Dropped("a NAT gateway is not a destination");
                };
                let mut pkt = pkt;
                pkt.dst = src;
                pkt.dport = sport;
                self.at_node(Node::Nat(n), pkt)
            }
            Node::Nat(_) => End::Dropped("a NAT gateway is not a destination"),
            Node::Tgw(..) => End::Dropped("a transit gateway interface is not a destination"),
            Node::Assoc(..) if self.dir == Dir::Forward => {
                End::Dropped("an association is not a destination")
            }
            Node::Assoc(e, a) => {
                pass!(self.sgs(&a.id, &e.security_groups, "client_vpn", true, &pkt));
                End::Arrived(a.id.clone(), pkt)
            }
            Node::Eni(i) => {
                if !answers(self.net, i) {
                    return End::Dropped("not answering");
                }
                pass!(self.sgs(&i.id, &i.groups, &i.kind, true, &pkt));
                if self.dir == Dir::Forward
                    && (FORWARDING_KINDS.contains(&i.kind.as_str())
                        || (i.kind == "interface"
                            && i.description
                                .as_deref()
                                .is_some_and(|d| d.starts_with("ELB app/"))))
                {
                    return End::Unknown(format!("{} forwards to targets", i.id));
                }
                End::Arrived(i.id.clone(), pkt)
            }
        }
    }

    /// F: a packet entering `vpc` through `gateway`: its gateway route table
    /// first. `None`: go on with the normal delivery.
    fn gateway_table(&mut self, gateway: &str, vpc: &str, pkt: &Pkt) -> Option<End> {
        let net = self.net;
        let table = net
            .route_tables
            .values()
            .find(|t| t.vpc == vpc && t.gateways.iter().any(|g| g == gateway))?;
        let r = match self.lookup(table, pkt.dst) {
            Look::Unknown(w) => return Some(End::Unknown(w)),
            Look::NoRoute => return Some(End::Dropped("no route in the gateway table")),
            Look::Route(r) => r,
        };
        if r.state == RouteState::Blackhole {
            return Some(End::Dropped("blackhole"));
        }
        let appliance = match &r.target {
            Target::Local => return None,
            Target::NetworkInterface(id) => net.interfaces.get(id),
            Target::Instance(id) => primary_eni(net, id),
            other => return Some(End::Unknown(format!("gateway table target {}", other.id()))),
        };
        let Some(a) = appliance else {
            return Some(End::Unknown("appliance not in the input".into()));
        };
        let end = (|| {
            pass!(self.nacl(&a.subnet, true, pkt));
            pass!(self.sgs(&a.id, &a.groups, &a.kind, true, pkt));
            End::Unknown(format!("the appliance {} decides", a.id))
        })();
        Some(end)
    }

    fn via_igw(&mut self, node: Node<'n>, igw_id: &str, mut pkt: Pkt) -> End {
        let net = self.net;
        let Some(igw) = net.internet_gateways.get(igw_id) else {
            return End::Unknown(format!("{igw_id} not in the input"));
        };
        let vpc = self.vpc_of(node);
        if !igw.vpcs.iter().any(|v| v == vpc) {
            return End::Dropped("internet gateway not attached");
        }
        pass!(self.nacl(node.subnet(), false, &pkt));
        if let Node::Tgw(..) = node {
            // Packets of other VPCs have no public address here.
            return End::Dropped("no public IP");
        }
        if pkt.src.is_ipv6() {
            // IPv6 is global: untranslated.
            return self.on_internet(pkt);
        }
        // 1:1 translation of the node's private address to its public one.
        let pairs: Vec<(IpAddr, Option<IpAddr>)> = match node {
            Node::Eni(i) => i
                .private_ips
                .iter()
                .map(|p| (p.address, p.public))
                .collect(),
            Node::Nat(n) => n.private_ip.map(|p| (p, n.public_ip)).into_iter().collect(),
            // An association ENI in a subnet routed to an internet gateway has
            // a public IP (seed 003): its own, or one AWS assigned when the
            // input lacks the ENI (the product's stated assumption).
            Node::Assoc(_, a) => match a.interface.as_ref().and_then(|i| net.interfaces.get(i)) {
                Some(i) => i
                    .private_ips
                    .iter()
                    .map(|p| (p.address, p.public))
                    .collect(),
                None => {
                    if self.dir == Dir::Forward {
                        self.conn.assigned = Some(a.id.clone());
                    }
                    pkt.src = ASSIGNED;
                    return self.on_internet(pkt);
                }
            },
            Node::Tgw(..) => Vec::new(),
        };
        match pairs.iter().find(|(p, _)| *p == pkt.src) {
            Some((_, Some(public))) => {
                pkt.src = *public;
                self.on_internet(pkt)
            }
            _ => End::Dropped("no public IP"),
        }
    }

    /// C: egress-only internet gateway.
    fn via_eigw(&mut self, node: Node<'n>, id: &str, pkt: Pkt) -> End {
        let net = self.net;
        let Some(g) = net.internet_gateways.get(id) else {
            return End::Unknown(format!("{id} not in the input"));
        };
        let vpc = self.vpc_of(node);
        if !g.vpcs.iter().any(|v| v == vpc) {
            return End::Dropped("egress-only internet gateway not attached");
        }
        if pkt.dst.is_ipv4() {
            return End::Dropped("egress-only internet gateway: IPv4");
        }
        pass!(self.nacl(node.subnet(), false, &pkt));
        self.conn.eigw.insert(vpc.to_string());
        self.on_internet(pkt)
    }

    /// The VPC's internet gateway (not egress-only), if attached.
    fn igw_of(&self, vpc: &str) -> Option<&'n str> {
        self.net
            .internet_gateways
            .values()
            .find(|g| !g.egress_only && g.vpcs.iter().any(|v| v == vpc))
            .map(|g| g.id.as_str())
    }

    fn on_internet(&mut self, mut pkt: Pkt) -> End {
        let net = self.net;
        let dst = pkt.dst;
        if net.idle_addresses.contains_key(&dst) {
            return End::Dropped("idle address");
        }
        if dst == ASSIGNED
            && let Some(aid) = self.conn.assigned.clone()
        {
            let Some((e, a)) = net
                .client_vpn_endpoints
                .values()
                .find_map(|e| e.associations.iter().find(|a| a.id == aid).map(|a| (e, a)))
            else {
                return End::Unknown("association not in the input".into());
            };
            let Some(igw) = self.igw_of(&e.vpc) else {
                return End::Dropped("no internet gateway");
            };
            pkt.dst = self.conn.assoc_addr[&a.id];
            if let Some(end) = self.gateway_table(igw, &e.vpc, &pkt) {
                return end;
            }
            return self.deliver_to(Node::Assoc(e, a), From::Outside, pkt);
        }
        if let Some(n) = net.nat_gateways.values().find(|n| n.public_ip == Some(dst)) {
            let Some(private) = n.private_ip else {
                return End::Dropped("NAT gateway without private IP");
            };
            let Some(igw) = self.igw_of(&n.vpc) else {
                return End::Dropped("no internet gateway");
            };
            pkt.dst = private;
            if let Some(end) = self.gateway_table(igw, &n.vpc, &pkt) {
                return end;
            }
            // Only replies to connections it translated come back in.
            let Some((_, src, sport)) = self.conn.nat.iter().rev().find(|(id, ..)| *id == n.id)
            else {
                return End::Dropped("NAT gateway: unsolicited inbound");
            };
            let (src, sport) = (*src, *sport);
            pass!(self.nacl(&n.subnet, true, &pkt));
            pkt.dst = src;
            pkt.dport = sport;
            return self.at_node(Node::Nat(n), pkt);
        }
        let owner = net.interfaces.values().find_map(|i| {
            i.private_ips
                .iter()
                .find(|p| p.public == Some(dst))
                .map(|p| (i, p.address))
        });
        if let Some((i, private)) = owner {
            let node = self.node_of_eni(&i.id).expect("interface exists");
            let Some(igw) = self.igw_of(&i.vpc) else {
                return End::Dropped("no internet gateway");
            };
            pkt.dst = private;
            if let Some(end) = self.gateway_table(igw, &i.vpc, &pkt) {
                return end;
            }
            return match node {
                Node::Nat(_) => End::Dropped("NAT interface"),
                _ => self.deliver(&i.vpc, From::Outside, pkt),
            };
        }
        if dst.is_ipv6()
            && let Some(vpc) = net
                .vpcs
                .values()
                .find(|v| v.cidrs.iter().any(|c| c.contains(&dst)))
        {
            // B: into the VPC through its internet gateway, untranslated.
            if let Some(igw) = self.igw_of(&vpc.id) {
                if let Some(end) = self.gateway_table(igw, &vpc.id, &pkt) {
                    return end;
                }
                return self.deliver(&vpc.id, From::Outside, pkt);
            }
            if self.dir == Dir::Return && self.conn.eigw.contains(&vpc.id) {
                return self.deliver(&vpc.id, From::Outside, pkt);
            }
            return End::Dropped("no internet gateway");
        }
        if !is_public(dst) {
            return End::Dropped("private address on the internet");
        }
        End::Internet(pkt)
    }

    fn via_nat(&mut self, node: Node<'n>, nat_id: &str, mut pkt: Pkt) -> End {
        let Some(nat) = self.net.nat_gateways.get(nat_id) else {
            return End::Unknown(format!("{nat_id} not in the input"));
        };
        if self.dir == Dir::Return {
            return End::Dropped("reply routed into a NAT gateway");
        }
        if nat.state != "available" {
            return End::Dropped("NAT gateway not available");
        }
        let Some(private) = nat.private_ip else {
            return End::Unknown("NAT gateway without private IP".into());
        };
        if self.nats_seen.contains(&nat.id) {
            return End::Unknown("routing loop".into());
        }
        self.nats_seen.push(nat.id.clone());
        pass!(self.cross(From::Subnet(node.subnet()), &nat.subnet, &pkt));
        self.conn.nat.push((nat.id.clone(), pkt.src, pkt.sport));
        pkt.src = private;
        if pkt.has_ports() {
            pkt.sport = self.choose.pick(self.port_choices);
        }
        self.at_node(Node::Nat(nat), pkt)
    }

    fn via_peering(&mut self, node: Node<'n>, pcx_id: &str, pkt: Pkt) -> End {
        let net = self.net;
        let Some(pcx) = net.peerings.get(pcx_id) else {
            return End::Unknown(format!("{pcx_id} not in the input"));
        };
        if pcx.status != "active" {
            return End::Dropped("peering not active");
        }
        let vpc = self.vpc_of(node);
        let other = if pcx.requester_vpc == vpc {
            &pcx.accepter_vpc
        } else if pcx.accepter_vpc == vpc {
            &pcx.requester_vpc
        } else {
            return End::Dropped("peering not attached to the VPC");
        };
        let Some(peer) = net.vpcs.get(other) else {
            return End::Unknown(format!("{other} not in the input"));
        };
        pass!(self.nacl(node.subnet(), false, &pkt));
        if !peer.cidrs.iter().any(|c| c.contains(&pkt.dst)) {
            return End::Dropped("peering: destination outside the peer VPC");
        }
        self.deliver(&peer.id, From::Outside, pkt)
    }

    /// A route to a transit gateway: in through the VPC's attachment, at its
    /// subnet in the sender's zone.
    fn via_tgw(&mut self, node: Node<'n>, id: &str, pkt: Pkt) -> End {
        let net = self.net;
        self.tgw_hops += 1;
        if self.tgw_hops > 12 {
            return End::Unknown("routing loop".into());
        }
        let Some(tgw) = net.transit_gateways.get(id) else {
            return End::Unknown(format!("{id} not in the input"));
        };
        if !matches!(tgw.state.as_str(), "available" | "modifying") {
            return End::Dropped("transit gateway not available");
        }
        let sender_az = net.subnets.get(node.subnet()).and_then(|s| s.az.clone());
        let att = match node {
            Node::Tgw(a, _) if a.tgw == tgw.id => a,
            _ => {
                let vpc = self.vpc_of(node);
                let Some(att) = net.tgw_attachments.values().find(|a| {
                    a.tgw == tgw.id
                        && a.resource_type == TgwResourceType::Vpc
                        && (a.vpc.as_ref().is_some_and(|v| v.vpc == vpc)
                            || a.resource_id.as_deref() == Some(vpc))
                }) else {
                    return End::Dropped("VPC not attached to the transit gateway");
                };
                if !matches!(att.state.as_str(), "available" | "modifying") {
                    return End::Dropped("attachment not available");
                }
                let Some(v) = &att.vpc else {
                    return End::Unknown("attachment subnets not in the input".into());
                };
                let Some(az) = &sender_az else {
                    return End::Unknown("sender's zone not in the input".into());
                };
                let Some(sub) = v.subnets.iter().find(|s| {
                    net.subnets
                        .get(*s)
                        .and_then(|x| x.az.as_ref())
                        .is_some_and(|z| z == az)
                }) else {
                    return End::Dropped("no attachment subnet in the sender's zone");
                };
                if pkt.dst.is_ipv6() && !v.ipv6 {
                    return End::Dropped("attachment without IPv6");
                }
                // Network ACLs for transit gateways: sender's subnet out,
                // attachment subnet in (one ACL both ways when the same).
                if sub == node.subnet() {
                    pass!(self.nacl(sub, false, &pkt));
                    pass!(self.nacl(sub, true, &pkt));
                } else {
                    pass!(self.cross(From::Subnet(node.subnet()), sub, &pkt));
                }
                att
            }
        };
        self.refs(tgw, att);
        self.tgw_table(tgw, att, sender_az.as_deref(), pkt)
    }

    fn refs(&mut self, tgw: &TransitGateway, att: &TgwAttachment) {
        let on = tgw.sg_referencing && att.vpc.as_ref().is_some_and(|v| v.sg_referencing);
        if !on && self.dir == Dir::Forward {
            self.conn.no_refs = true;
        }
    }

    /// Inside the transit gateway, entered through `att`.
    fn tgw_table(
        &mut self,
        tgw: &'n TransitGateway,
        att: &'n TgwAttachment,
        az: Option<&str>,
        pkt: Pkt,
    ) -> End {
        let net = self.net;
        TGW_ENTERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(table) = att
            .association
            .as_ref()
            .filter(|a| a.state == "associated")
            .map(|a| a.route_table.clone())
        else {
            return End::Unknown("no association".into());
        };
        let Some(rt) = net.tgw_route_tables.get(&table) else {
            return End::Unknown("route table not in the input".into());
        };
        let Some(routes) = &rt.routes else {
            return End::Unknown("routes not in the input".into());
        };
        if rt.routes_truncated {
            return End::Unknown("routes cut".into());
        }
        let mut best: Option<((u8, u8, usize), &reach::model::TgwRoute)> = None;
        for (n, r) in routes.iter().enumerate() {
            if !matches!(r.state, TgwRouteState::Active | TgwRouteState::Blackhole) {
                continue;
            }
            let cidrs: Vec<IpNet> = match &r.dest {
                RouteDest::Cidr(c) => vec![*c],
                RouteDest::PrefixList(id) => {
                    match net.prefix_lists.get(id).and_then(|p| p.entries.clone()) {
                        Some(e) => e,
                        None if unknown_list_has(net, id, pkt.dst) => {
                            return End::Unknown(format!("transit route to {id}"));
                        }
                        None => Vec::new(),
                    }
                }
            };
            let prio = match r.kind {
                TgwRouteType::Static => 0,
                TgwRouteType::Propagated => 1,
            };
            for c in cidrs.iter().filter(|c| c.contains(&pkt.dst)) {
                let key = (c.prefix_len(), prio, n);
                let wins = match best {
                    None => true,
                    Some(((l, p, m), _)) => key.0 > l || (key.0 == l && (key.1, key.2) < (p, m)),
                };
                if wins {
                    best = Some((key, r));
                }
            }
        }
        let Some((_, r)) = best else {
            return End::Dropped("no transit gateway route");
        };
        if r.state == TgwRouteState::Blackhole {
            return End::Dropped("transit gateway blackhole");
        }
        let target = match r.targets.len() {
            0 => return End::Unknown("route without attachment".into()),
            1 => &r.targets[0],
            _ if r.targets.iter().all(|t| {
                matches!(
                    t.resource_type,
                    TgwResourceType::Vpn | TgwResourceType::DirectConnectGateway
                )
            }) =>
            {
                &r.targets[0]
            }
            _ => return End::Unknown("ECMP".into()),
        };
        let Some(out) = net.tgw_attachments.get(&target.attachment) else {
            return End::Unknown("target attachment not in the input".into());
        };
        if !matches!(out.state.as_str(), "available" | "modifying") {
            return End::Dropped("attachment not available");
        }
        match out.resource_type {
            TgwResourceType::Vpc => {}
            TgwResourceType::Vpn | TgwResourceType::DirectConnectGateway => {
                if self.dir == Dir::Return {
                    return End::Dropped("reply routed on-premises");
                }
                TGW_ONPREM.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return End::OnPremTgw(out.id.clone(), pkt);
            }
            _ => return End::Unknown("peering / other attachment".into()),
        }
        let Some(v) = out.vpc.as_ref().filter(|v| !v.subnets.is_empty()) else {
            return End::Unknown("attachment subnets not in the input".into());
        };
        let in_zone = az.and_then(|z| {
            v.subnets.iter().find(|s| {
                net.subnets
                    .get(*s)
                    .and_then(|x| x.az.as_deref())
                    .is_some_and(|y| y == z)
            })
        });
        let kept = self
            .conn
            .tgw_zone
            .get(&out.id)
            .and_then(|k| v.subnets.iter().find(|s| *s == k));
        let sub = match kept {
            Some(k) if v.appliance_mode => k,
            _ => in_zone.unwrap_or(&v.subnets[0]),
        };
        if v.appliance_mode && self.dir == Dir::Forward {
            self.conn
                .tgw_zone
                .entry(out.id.clone())
                .or_insert_with(|| sub.clone());
        }
        if !net.subnets.contains_key(sub) {
            return End::Unknown("attachment subnet not in the input".into());
        }
        if pkt.dst.is_ipv6() && !v.ipv6 {
            return End::Dropped("attachment without IPv6");
        }
        self.refs(tgw, out);
        TGW_INTO_VPC.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.route(Node::Tgw(out, sub), pkt)
    }

    /// A reply from on-premises into the transit gateway through `att`.
    fn tgw_reply(&mut self, att: &str, pkt: Pkt) -> End {
        let net = self.net;
        let Some(a) = net.tgw_attachments.get(att) else {
            return End::Unknown("attachment not in the input".into());
        };
        let Some(tgw) = net.transit_gateways.get(&a.tgw) else {
            return End::Unknown("transit gateway not in the input".into());
        };
        self.tgw_table(tgw, a, None, pkt)
    }
}

/// The fate of one packet under one combination of network choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Ok,
    Fail,
    Unknown,
}

/// K: an AWS-provided service at `dst`, seen from an ENI of `vpc`.
fn service(net: &Network, vpc: &str, pkt: &Pkt) -> Option<Fate> {
    let dns_base = net
        .vpcs
        .get(vpc)
        .and_then(|v| v.cidrs.iter().find(|c| c.addr().is_ipv4()))
        .map(|c| ip(u(c.network()) + 2));
    let a = |s: &str| s.parse::<IpAddr>().expect("static address");
    let d = pkt.dst;
    // (tcp?, udp?, port)
    let serves: (bool, bool, u16) =
        if Some(d) == dns_base || d == a("169.254.169.253") || d == a("fd00:ec2::253") {
            (true, true, 53)
        } else if d == a("169.254.169.254") || d == a("fd00:ec2::254") {
            (true, false, 80)
        } else if d == a("169.254.169.123") || d == a("fd00:ec2::123") {
            (false, true, 123)
        } else {
            return None;
        };
    Some(match pkt.proto {
        6 if serves.0 && pkt.dport == serves.2 => Fate::Ok,
        17 if serves.1 && pkt.dport == serves.2 => Fate::Ok,
        6 | 17 => Fate::Fail,
        _ => Fate::Unknown,
    })
}

/// Where a query's packets start, for the simulator.
#[derive(Clone)]
pub enum Origin {
    Eni(String),
    Internet,
    /// Client VPN and Verified Access users, through every endpoint of the
    /// input, in every combination of the groups the rules and policies name.
    Client,
}

/// The simulator's own resolution of a query (A, G, H).
#[derive(Clone)]
pub struct Ask {
    origin: Origin,
    proto: u8,
    src: Ranges,
    dst: IpAddr,
    /// The interface the query named as destination.
    dst_eni: Option<String>,
    sports: (u16, u16),
    dports: (u16, u16),
    groups: Vec<String>,
    /// (request, reply) ICMP echo types of an ICMP query (each packet of type
    /// `request` is answered by `reply`).
    echo: Option<(u8, u8)>,
}

/// The ephemeral source ports of an ENI's host (§1).
fn ephemeral(net: &Network, i: &Interface) -> (u16, u16) {
    match i.instance.as_ref().and_then(|id| net.instances.get(id)) {
        Some(inst) if inst.platform == Platform::Windows => (49152, 65535),
        Some(_) => (32768, 60999),
        None => (1024, 65535),
    }
}

/// An ENI's address of `dst`'s family (A).
fn address_like(i: &Interface, dst: IpAddr) -> Option<IpAddr> {
    if dst.is_ipv4() {
        i.private_ips
            .iter()
            .map(|p| p.address)
            .find(IpAddr::is_ipv4)
    } else {
        i.ipv6.first().copied()
    }
}

/// The addresses `internet` stands for (A).
fn internet_sources(net: &Network) -> Ranges {
    let mut r = public_ranges();
    let mut own: Vec<(u128, u128)> = Vec::new();
    for i in net.interfaces.values() {
        own.extend(
            i.private_ips
                .iter()
                .filter_map(|p| p.public)
                .map(|a| (u(a), u(a))),
        );
        own.extend(i.ipv6.iter().map(|a| (u(*a), u(*a))));
        own.extend(i.prefixes.iter().map(cidr_range));
    }
    own.extend(
        net.nat_gateways
            .values()
            .filter_map(|n| n.public_ip)
            .map(|a| (u(a), u(a))),
    );
    own.extend(net.idle_addresses.keys().map(|a| (u(*a), u(*a))));
    for c in net
        .vpcs
        .values()
        .flat_map(|v| &v.cidrs)
        .chain(net.subnets.values().flat_map(|s| &s.cidrs))
        .filter(|c| c.addr().is_ipv6())
    {
        own.push(cidr_range(c));
    }
    for o in own {
        r = minus(&r, o);
    }
    r
}

/// Resolves a query as the product must; `Err`: the query is an input error (exit 2).
pub fn resolve(
    net: &Network,
    spec: &QuerySpec,
    src_ports: Option<(u16, u16)>,
    groups: &[String],
) -> Result<Ask, String> {
    if !matches!(spec.src, SrcSpec::Client) && !groups.is_empty() {
        return Err("--group on a non-client query".into());
    }
    let (dst, dst_eni) = match &spec.dst {
        DstSpec::Ip(a) => (*a, None),
        DstSpec::Instance(id) => {
            let i = primary_eni(net, id).ok_or("no such instance")?;
            (named_address(i).ok_or("no address")?, Some(i.id.clone()))
        }
        DstSpec::Eni(id) => {
            let i = net.interfaces.get(id).ok_or("no such interface")?;
            (named_address(i).ok_or("no address")?, Some(i.id.clone()))
        }
        // The interface at one of its own addresses: private or public
        // (either of a private IP), IPv6, or in a delegated prefix.
        DstSpec::EniAt { eni, ip } => {
            let i = net.interfaces.get(eni).ok_or("no such interface")?;
            let own = i
                .private_ips
                .iter()
                .any(|p| p.address == *ip || p.public == Some(*ip))
                || i.ipv6.contains(ip)
                || i.prefixes.iter().any(|p| p.contains(ip));
            if !own {
                return Err("the interface does not hold the address".into());
            }
            (*ip, Some(i.id.clone()))
        }
    };
    let proto = match spec.protocol {
        Protocol::Number(1) if dst.is_ipv6() => return Err("icmp to IPv6".into()),
        Protocol::Number(58) if dst.is_ipv4() => return Err("icmpv6 to IPv4".into()),
        Protocol::Number(n) => n,
        Protocol::All => 6,
    };
    let from_eni = |i: &Interface| -> Result<(Origin, Ranges, (u16, u16)), String> {
        let a = address_like(i, dst).ok_or("no address of the destination's family")?;
        Ok((
            Origin::Eni(i.id.clone()),
            vec![(u(a), u(a))],
            ephemeral(net, i),
        ))
    };
    let (origin, src, default_ports) = match &spec.src {
        SrcSpec::Internet => (
            Origin::Internet,
            intersect_all(&internet_sources(net), &family_of(dst)),
            (1024, 65535),
        ),
        SrcSpec::Client => {
            if net.client_vpn_endpoints.is_empty() && net.va_endpoints.is_empty() {
                return Err("no access endpoint".into());
            }
            (Origin::Client, Vec::new(), (1024, 65535))
        }
        SrcSpec::Instance(id) => from_eni(primary_eni(net, id).ok_or("no such instance")?)?,
        SrcSpec::Eni(id) => from_eni(net.interfaces.get(id).ok_or("no such interface")?)?,
        SrcSpec::Ip(a) => {
            if a.is_ipv4() != dst.is_ipv4() {
                return Err("mixed families".into());
            }
            let owners: Vec<&Interface> =
                net.interfaces.values().filter(|i| holds(i, *a)).collect();
            match owners.as_slice() {
                [one] => (
                    Origin::Eni(one.id.clone()),
                    vec![(u(*a), u(*a))],
                    ephemeral(net, one),
                ),
                [] if is_public(*a) => (Origin::Internet, vec![(u(*a), u(*a))], (1024, 65535)),
                _ => return Err("no single owner".into()),
            }
        }
    };
    let echo = match proto {
        1 => Some((8, 0)),
        58 => Some((128, 129)),
        _ => None,
    };
    Ok(Ask {
        origin,
        proto,
        src,
        dst,
        dst_eni,
        sports: src_ports.unwrap_or(default_ports),
        dports: spec.ports,
        groups: groups.to_vec(),
        echo,
    })
}

fn intersect_all(rs: &Ranges, with: &Ranges) -> Ranges {
    let mut out: Ranges = with.iter().flat_map(|w| intersect(rs, *w)).collect();
    out.sort();
    out
}

/// Why packets were dropped, counted (`REACH_SIM_TRACE=2`, for tuning the generator).
pub static REASONS: std::sync::Mutex<BTreeMap<String, usize>> =
    std::sync::Mutex::new(BTreeMap::new());

thread_local! {
    /// The first drop of the query being answered.
    static FIRST: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn note(why: &str) {
    FIRST.with(|f| {
        f.borrow_mut().get_or_insert_with(|| why.to_string());
    });
}

/// Counts the first drop of an unreachable query.
fn count_reason(v: Verdict) {
    let first = FIRST.with(|f| f.borrow_mut().take());
    if v == Verdict::Unreachable
        && std::env::var("REACH_SIM_TRACE").is_ok_and(|v| v == "2")
        && let Some(why) = first
    {
        *REASONS
            .lock()
            .expect("not poisoned")
            .entry(why)
            .or_default() += 1;
    }
}

/// `REACH_SIM_TRACE=1`: print every walk's ends.
fn trace() -> bool {
    static T: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *T.get_or_init(|| std::env::var("REACH_SIM_TRACE").is_ok_and(|v| v == "1"))
}

/// The fate of one request packet, with its reply.
#[allow(clippy::too_many_arguments)]
fn round_trip(
    net: &Network,
    q: &Ask,
    start: &Start<'_>,
    pkt: Pkt,
    ch: &mut Chooser,
    port_choices: &[u16],
    addr_choices: &BTreeMap<String, Vec<IpAddr>>,
) -> Fate {
    let mut sim = Sim {
        net,
        dir: Dir::Forward,
        conn: Conn::default(),
        choose: ch,
        nats_seen: Vec::new(),
        tgw_hops: 0,
        port_choices,
        addr_choices,
    };
    let fwd = match start {
        Start::Eni(id) => match sim.node_of_eni(id) {
            Some(node) => {
                if let Node::Eni(i) = node {
                    if !answers(net, i) {
                        return Fate::Fail;
                    }
                    if let Some(f) = service(net, &i.vpc, &pkt) {
                        return f;
                    }
                }
                sim.at_node(node, pkt)
            }
            None => End::Unknown("source not in the input".into()),
        },
        Start::Internet => sim.on_internet(pkt),
        Start::Assoc(e, a) => {
            // Source NAT by the association's ENI: its address (or, without
            // the ENI in the input, one of its subnet's) and a port it picks.
            let eni_ip = a
                .interface
                .as_ref()
                .and_then(|i| net.interfaces.get(i))
                .and_then(|i| i.private_ips.first().map(|p| p.address));
            let mut p = pkt;
            p.src = match eni_ip {
                Some(a) => a,
                None => sim.choose.pick(&sim.addr_choices[&a.subnet]),
            };
            if p.has_ports() {
                p.sport = sim.choose.pick(sim.port_choices);
            }
            sim.conn.assoc_addr.insert(a.id.clone(), p.src);
            sim.at_node(Node::Assoc(e, a), p)
        }
    };
    if trace() {
        eprintln!("sim: {pkt:?}\n  forward: {fwd:?}");
    }
    if let End::Dropped(w) = &fwd {
        note(&format!("forward: {w} ({pkt:?})"));
    }
    let reply_of = |p: &Pkt| p.reply(q.echo);
    sim.dir = Dir::Return;
    sim.nats_seen.clear();
    sim.tgw_hops = 0;
    // A query naming its destination interface: packets leaving the input
    // (internet, on-premises) may or may not be delivered to it there.
    if q.dst_eni.is_some() && matches!(fwd, End::Internet(_) | End::OnPrem(..) | End::OnPremTgw(..))
    {
        return Fate::Unknown;
    }
    let back = match fwd {
        End::Arrived(id, p) => {
            if q.dst_eni.as_ref().is_some_and(|want| *want != id) {
                return Fate::Fail;
            }
            let node = sim.node_of_eni(&id).expect("arrived at a known node");
            sim.at_node(node, reply_of(&p))
        }
        End::Internet(p) => sim.on_internet(reply_of(&p)),
        End::OnPrem(vgw, vpc, p) => {
            // N: the far side answers through the same gateway.
            let r = reply_of(&p);
            match sim.gateway_table(&vgw, &vpc, &r) {
                Some(end) => end,
                None => sim.deliver(&vpc, From::Outside, r),
            }
        }
        End::OnPremTgw(att, p) => sim.tgw_reply(&att, reply_of(&p)),
        End::Dropped(_) => return Fate::Fail,
        End::Unknown(_) => return Fate::Unknown,
    };
    if trace() {
        eprintln!("  back: {back:?}");
    }
    if let End::Dropped(w) = &back {
        note(&format!("back: {w}"));
    }
    let want = match start {
        Start::Eni(id) => Some(id.to_string()),
        Start::Internet => None,
        Start::Assoc(_, a) => Some(a.id.clone()),
    };
    match (back, want) {
        (End::Arrived(got, _), Some(w)) if got == w => Fate::Ok,
        (End::Internet(_), None) => Fate::Ok,
        (End::Unknown(_), _) => Fate::Unknown,
        _ => Fate::Fail,
    }
}

/// Where one walk starts.
enum Start<'n> {
    Eni(String),
    Internet,
    Assoc(&'n ClientVpnEndpoint, &'n ClientVpnAssociation),
}

/// Representatives of a field's equivalence classes inside `ranges`: each
/// range's start and every class start (`starts`) inside it.
fn reps(ranges: &[(u128, u128)], starts: &BTreeSet<u128>) -> Vec<u128> {
    let mut out = Vec::new();
    for &(lo, hi) in ranges {
        out.push(lo);
        if hi > lo {
            out.extend(starts.range(lo + 1..=hi).copied());
        }
    }
    out
}

/// Where every interval the snapshot mentions starts and ends (+1), per field.
struct Universe {
    addrs: BTreeSet<u128>,
    ports: BTreeSet<u128>,
    types: BTreeSet<u128>,
    codes: BTreeSet<u128>,
}

impl Universe {
    fn of(net: &Network) -> Universe {
        let mut u_ = Universe {
            addrs: BTreeSet::new(),
            // Ephemeral ranges, and the ports AWS-provided services answer (K).
            ports: [
                1024u128, 65536, 32768, 61000, 49152, 53, 54, 80, 81, 123, 124,
            ]
            .into(),
            types: [0u128, 1, 8, 9, 128, 129, 130].into(),
            codes: [0u128, 1].into(),
        };
        let mut cidrs: Vec<IpNet> = SPECIAL.iter().map(|b| cidr(b)).collect();
        cidrs.push(cidr(GLOBAL_V6));
        cidrs.push(cidr("fc00::/7"));
        let mut ips: Vec<IpAddr> = Vec::new();
        let mut rules: Vec<(Protocol, PortMatch)> = Vec::new();
        cidrs.extend(net.vpcs.values().flat_map(|v| v.cidrs.iter().copied()));
        cidrs.extend(net.subnets.values().flat_map(|s| s.cidrs.iter().copied()));
        for a in net.network_acls.values() {
            for e in a.inbound.iter().chain(&a.outbound) {
                cidrs.push(e.cidr);
                rules.push((e.protocol, e.ports));
            }
        }
        for g in net.security_groups.values() {
            for r in g.ingress.iter().chain(&g.egress) {
                if let Peer::Cidr(c) = r.peer {
                    cidrs.push(c);
                }
                rules.push((r.protocol, r.ports));
            }
        }
        for p in net.prefix_lists.values() {
            cidrs.extend(p.entries.iter().flatten().copied());
        }
        for t in net.route_tables.values() {
            for r in &t.routes {
                if let RouteDest::Cidr(c) = r.dest {
                    cidrs.push(c);
                }
            }
        }
        for t in net.tgw_route_tables.values() {
            for r in t.routes.iter().flatten() {
                if let RouteDest::Cidr(c) = r.dest {
                    cidrs.push(c);
                }
            }
        }
        for i in net.interfaces.values() {
            for p in &i.private_ips {
                ips.push(p.address);
                ips.extend(p.public);
            }
            ips.extend(i.ipv6.iter().copied());
            cidrs.extend(i.prefixes.iter().copied());
        }
        for n in net.nat_gateways.values() {
            ips.extend(n.private_ip);
            ips.extend(n.public_ip);
        }
        ips.extend(net.idle_addresses.keys().copied());
        for e in net.client_vpn_endpoints.values() {
            cidrs.push(e.client_cidr);
            cidrs.extend(e.routes.iter().map(|r| r.dest));
            cidrs.extend(e.auth_rules.iter().map(|r| r.dest));
        }
        for (lo, hi) in cidrs.iter().map(cidr_range) {
            u_.addrs.insert(lo);
            u_.addrs.insert(hi.saturating_add(1));
        }
        for a in ips {
            u_.addrs.insert(u(a));
            u_.addrs.insert(u(a) + 1);
        }
        for (_, m) in rules {
            match m {
                PortMatch::Ports { from, to } => {
                    u_.ports.insert(u128::from(from.min(to)));
                    u_.ports.insert(u128::from(from.max(to)) + 1);
                }
                PortMatch::Icmp {
                    icmp_type: Some(t),
                    code,
                } => {
                    u_.types.insert(u128::from(t));
                    u_.types.insert(u128::from(t) + 1);
                    if let Some(c) = code {
                        u_.codes.insert(u128::from(c));
                        u_.codes.insert(u128::from(c) + 1);
                    }
                }
                _ => {}
            }
        }
        u_
    }
}

/// Per packet: ok for every network choice, ok for some, unknown for some.
#[derive(Default)]
struct Tally {
    packets: usize,
    all_ok: usize,
    some_ok: usize,
    some_unknown: usize,
}

impl Tally {
    /// The product's verdict over the packets counted.
    fn verdict(&self) -> Verdict {
        if self.packets > 0 && self.all_ok == self.packets {
            Verdict::Reachable
        } else if self.some_unknown > 0 {
            Verdict::Unknown
        } else if self.some_ok == 0 {
            Verdict::Unreachable
        } else {
            Verdict::Partial
        }
    }
}

fn tally_packets(net: &Network, q: &Ask, u_: &Universe, src: &Ranges, start: &Start<'_>) -> Tally {
    let port_choices: Vec<u16> = reps(
        &[(
            u128::from(TRANSLATED_PORTS.0),
            u128::from(TRANSLATED_PORTS.1),
        )],
        &u_.ports,
    )
    .into_iter()
    .map(|p| p as u16)
    .collect();
    let addr_choices: BTreeMap<String, Vec<IpAddr>> = net
        .subnets
        .values()
        .map(|s| {
            let ranges: Ranges = s
                .cidrs
                .iter()
                .filter(|c| c.addr().is_ipv4())
                .map(cidr_range)
                .collect();
            let pts = reps(&ranges, &u_.addrs).into_iter().map(ip).collect();
            (s.id.clone(), pts)
        })
        .collect();
    let has_ports = q.proto == 6 || q.proto == 17;
    let icmp = q.proto == 1 || q.proto == 58;
    let span = |(a, b): (u16, u16)| vec![(u128::from(a), u128::from(b))];
    let (sports, dports, codes) = if has_ports {
        (
            reps(&span(q.sports), &u_.ports),
            reps(&span(q.dports), &u_.ports),
            vec![0],
        )
    } else if icmp {
        (
            vec![0],
            reps(&span(q.dports), &u_.types),
            reps(&[(0, 255)], &u_.codes),
        )
    } else {
        (vec![0], vec![0], vec![0])
    };
    let mut t = Tally::default();
    for s in reps(src, &u_.addrs) {
        for &sport in &sports {
            for &dport in &dports {
                for &code in &codes {
                    let pkt = Pkt {
                        proto: q.proto,
                        src: ip(s),
                        dst: q.dst,
                        sport: if has_ports { sport as u16 } else { 0 },
                        dport: if has_ports { dport as u16 } else { 0 },
                        icmp_type: if icmp { dport as u8 } else { 0 },
                        icmp_code: if icmp { code as u8 } else { 0 },
                    };
                    let mut ch = Chooser::default();
                    let (mut all, mut some, mut unknown) = (true, false, false);
                    loop {
                        match round_trip(net, q, start, pkt, &mut ch, &port_choices, &addr_choices)
                        {
                            Fate::Ok => some = true,
                            Fate::Fail => all = false,
                            Fate::Unknown => {
                                all = false;
                                unknown = true;
                            }
                        }
                        if !ch.advance() {
                            break;
                        }
                    }
                    t.packets += 1;
                    t.all_ok += usize::from(all);
                    t.some_ok += usize::from(some);
                    t.some_unknown += usize::from(unknown);
                }
            }
        }
    }
    t
}

/// Every part must hold (associations a client cannot choose, every user).
fn all_of(vs: &[Verdict]) -> Verdict {
    if vs.is_empty() {
        Verdict::Unreachable
    } else if vs.iter().all(|v| *v == Verdict::Reachable) {
        Verdict::Reachable
    } else if vs.contains(&Verdict::Unknown) {
        Verdict::Unknown
    } else if vs.iter().all(|v| *v == Verdict::Unreachable) {
        Verdict::Unreachable
    } else {
        Verdict::Partial
    }
}

/// Any one suffices (a user may pick any endpoint).
fn any_of(vs: &[Verdict]) -> Verdict {
    if vs.contains(&Verdict::Reachable) {
        Verdict::Reachable
    } else if vs.contains(&Verdict::Partial) {
        Verdict::Partial
    } else if vs.contains(&Verdict::Unknown) {
        Verdict::Unknown
    } else {
        Verdict::Unreachable
    }
}

/// An active Client VPN route covering `dst` (via `subnet` if given).
fn cvpn_route(ep: &ClientVpnEndpoint, dst: IpAddr, subnet: Option<&str>) -> bool {
    ep.routes.iter().any(|r| {
        r.status == "active" && r.dest.contains(&dst) && subnet.is_none_or(|s| r.target_subnet == s)
    })
}

/// The most specific active Client VPN route covering `dst` (any target).
fn best_cvpn_route(ep: &ClientVpnEndpoint, dst: IpAddr) -> Option<&ClientVpnRoute> {
    ep.routes
        .iter()
        .filter(|r| r.status == "active" && r.dest.contains(&dst))
        .max_by_key(|r| r.dest.prefix_len())
}

/// Client queries to an address inside a Client VPN client CIDR, and users
/// in several groups answered for (counts, for the summary line).
pub static CLIENT_TO_CLIENT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);
/// Endpoint-user pairs that reached another client through a `local` route.
pub static CLIENT_TO_CLIENT_REACHED: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);
/// Verified Access endpoint-user pairs the policies let through to an
/// endpoint leading to the destination, and those whose path then reached.
pub static VA_PERMITTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Simulated walks that entered a transit gateway, left it into a VPC, left
/// it toward on-premises (the summary line shows how much TGW is covered).
pub static TGW_ENTERED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
pub static TGW_INTO_VPC: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
pub static TGW_ONPREM: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
pub static VA_REACHED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
pub static MULTI_GROUP_USERS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// Authorization: the most specific active rules covering `dst` decide; a
/// user passes if one is AccessAll or names one of the user's groups
/// (certificate users have none).
fn authorized(ep: &ClientVpnEndpoint, dst: IpAddr, groups: &[String]) -> bool {
    let covering: Vec<_> = ep
        .auth_rules
        .iter()
        .filter(|r| r.status == "active" && r.dest.contains(&dst))
        .collect();
    let Some(best) = covering.iter().map(|r| r.dest.prefix_len()).max() else {
        return false;
    };
    covering
        .iter()
        .filter(|r| r.dest.prefix_len() == best)
        .any(|r| {
            r.access_all
                || (ep.has_groups() && r.group.as_ref().is_some_and(|g| groups.contains(g)))
        })
}

/// The simulator's verdict for a query it resolved.
pub fn verdict(net: &Network, q: &Ask) -> Verdict {
    FIRST.with(|f| f.borrow_mut().take());
    let v = verdict_of(net, q);
    count_reason(v);
    v
}

fn verdict_of(net: &Network, q: &Ask) -> Verdict {
    let u_ = Universe::of(net);
    match &q.origin {
        Origin::Eni(eni) => tally_packets(net, q, &u_, &q.src, &Start::Eni(eni.clone())).verdict(),
        Origin::Internet => tally_packets(net, q, &u_, &q.src, &Start::Internet).verdict(),
        Origin::Client => {
            let eps: Vec<&ClientVpnEndpoint> = net.client_vpn_endpoints.values().collect();
            let vaes: Vec<&VaEndpoint> = net.va_endpoints.values().collect();
            // The users to answer for: the given groups, or every
            // combination of the groups any endpoint's rules name (the
            // empty one included: a user in none). Beyond 8 named groups,
            // one user per group plus a user in none.
            let users: Vec<Vec<String>> = if !q.groups.is_empty() {
                vec![q.groups.clone()]
            } else {
                let named: Vec<String> = eps
                    .iter()
                    .filter(|e| e.has_groups())
                    .flat_map(|e| &e.auth_rules)
                    .filter(|r| r.status == "active")
                    .filter_map(|r| r.group.clone())
                    .chain(vaes.iter().flat_map(|e| va_named(net, e)))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if named.len() <= 8 {
                    (0u32..1 << named.len())
                        .map(|bits| {
                            named
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| bits & (1 << i) != 0)
                                .map(|(_, g)| g.clone())
                                .collect()
                        })
                        .collect()
                } else {
                    named
                        .into_iter()
                        .map(|g| vec![g.clone()])
                        .chain(std::iter::once(Vec::new()))
                        .collect()
                }
            };
            MULTI_GROUP_USERS.fetch_add(
                users.iter().filter(|g| g.len() > 1).count(),
                std::sync::atomic::Ordering::Relaxed,
            );
            if eps.iter().any(|e| e.client_cidr.contains(&q.dst)) {
                CLIENT_TO_CLIENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let dst = q.dst;
            // Per association: the path from its ENI on does not depend on the user.
            let mut per_assoc: BTreeMap<(String, String), Verdict> = BTreeMap::new();
            let mut per_va: BTreeMap<String, Verdict> = BTreeMap::new();
            let mut per_user = Vec::new();
            for groups in &users {
                let mut per_ep = Vec::new();
                for ep in &eps {
                    let active: Vec<_> = ep
                        .associations
                        .iter()
                        .filter(|a| a.status == "associated")
                        .collect();
                    if ep.status != "available"
                        || active.is_empty()
                        || !cvpn_route(ep, dst, None)
                        || !authorized(ep, dst, groups)
                    {
                        per_ep.push(Verdict::Unreachable);
                        continue;
                    }
                    // Client-to-client: the most specific active route
                    // covering another client's address must be `local`;
                    // then the authorized user reaches it, no VPC filter,
                    // association or security group in between.
                    if ep.client_cidr.contains(&dst) {
                        let local = best_cvpn_route(ep, dst)
                            .is_some_and(|r| r.target_subnet.eq_ignore_ascii_case("local"));
                        if local {
                            CLIENT_TO_CLIENT_REACHED
                                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        per_ep.push(if local {
                            Verdict::Reachable
                        } else {
                            Verdict::Unreachable
                        });
                        continue;
                    }
                    let mut vs = Vec::new();
                    for a in active {
                        if !cvpn_route(ep, dst, Some(&a.subnet)) {
                            vs.push(Verdict::Unreachable);
                            continue;
                        }
                        let v = *per_assoc
                            .entry((ep.id.clone(), a.id.clone()))
                            .or_insert_with(|| {
                                let src = intersect_all(
                                    &vec![cidr_range(&ep.client_cidr)],
                                    &family_of(dst),
                                );
                                tally_packets(net, q, &u_, &src, &Start::Assoc(ep, a)).verdict()
                            });
                        vs.push(v);
                    }
                    per_ep.push(all_of(&vs));
                }
                for e in &vaes {
                    let v = if e.status == "active"
                        && va_target_unknown(net, e)
                        && va_allows(net, e, groups)
                    {
                        // Where it sends traffic is unknown: whatever the
                        // query, once the user is let in.
                        Verdict::Unknown
                    } else if !va_leads(net, e, q) || !va_allows(net, e, groups) {
                        Verdict::Unreachable
                    } else {
                        let v = *per_va
                            .entry(e.id.clone())
                            .or_insert_with(|| va_path(net, q, e));
                        VA_PERMITTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if v == Verdict::Reachable {
                            VA_REACHED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        v
                    };
                    per_ep.push(v);
                }
                per_user.push(any_of(&per_ep));
            }
            all_of(&per_user)
        }
    }
}

/// A Cedar document of the restricted forms the generator writes, one
/// statement a line: `permit|forbid(principal, action, resource) when { C };`
/// with C `true` or `context.idc.groups has "G"` joined by `&&`.
/// (permit?, groups all required).
fn cedar_statements(doc: &str) -> Vec<(bool, Vec<String>)> {
    doc.split(';')
        .map(str::trim)
        .filter(|st| !st.is_empty())
        .map(|st| {
            let permit = if st.starts_with("permit") {
                true
            } else if st.starts_with("forbid") {
                false
            } else {
                panic!("not a generated Cedar statement: {st}")
            };
            let cond = st
                .split_once("when {")
                .and_then(|(_, c)| c.rsplit_once('}'))
                .map(|(c, _)| c.trim())
                .unwrap_or_else(|| panic!("not a generated Cedar statement: {st}"));
            let groups = if cond == "true" {
                Vec::new()
            } else {
                cond.split("&&")
                    .map(|t| {
                        t.trim()
                            .strip_prefix("context.idc.groups has \"")
                            .and_then(|g| g.strip_suffix('"'))
                            .unwrap_or_else(|| panic!("not a generated Cedar term: {t}"))
                            .to_string()
                    })
                    .collect()
            };
            (permit, groups)
        })
        .collect()
}

/// A document allows when a permit applies and no forbid does.
fn cedar_allows(doc: &str, groups: &[String]) -> bool {
    let st = cedar_statements(doc);
    let applies = |gs: &Vec<String>| gs.iter().all(|g| groups.contains(g));
    st.iter().any(|(p, gs)| *p && applies(gs)) && !st.iter().any(|(p, gs)| !*p && applies(gs))
}

/// The policies of a Verified Access endpoint (its group's, its own if enabled).
fn va_documents<'n>(net: &'n Network, e: &'n VaEndpoint) -> (Option<&'n str>, Option<&'n str>) {
    let group = net
        .va_groups
        .get(&e.group)
        .and_then(|g| g.policy.as_ref())
        .filter(|p| p.enabled)
        .map(|p| p.document.as_str());
    let own = e
        .policy
        .as_ref()
        .filter(|p| p.enabled)
        .map(|p| p.document.as_str());
    (group, own)
}

/// The groups a Verified Access endpoint's policies name.
fn va_named(net: &Network, e: &VaEndpoint) -> Vec<String> {
    let (g, o) = va_documents(net, e);
    [g, o]
        .into_iter()
        .flatten()
        .flat_map(cedar_statements)
        .flat_map(|(_, gs)| gs)
        .collect()
}

/// Whether the policies let a user in `groups` through: the group's policy
/// must allow (none, or a disabled one, denies); an enabled endpoint policy too.
fn va_allows(net: &Network, e: &VaEndpoint, groups: &[String]) -> bool {
    let (g, o) = va_documents(net, e);
    g.is_some_and(|d| cedar_allows(d, groups)) && o.is_none_or(|d| cedar_allows(d, groups))
}

/// A network-interface endpoint sends to its interface's private IP
/// (aws-semantics.md, Verified Access): an interface without one (IPv6
/// only) leaves where it sends unknown.
fn va_target_unknown(net: &Network, e: &VaEndpoint) -> bool {
    let VaTarget::NetworkInterface(id) = &e.target else {
        return false;
    };
    net.interfaces
        .get(id)
        .is_some_and(|i| i.private_ips.is_empty())
}

/// Whether an endpoint can carry the query to its destination: active, TCP,
/// a network-interface target whose primary private IP is the destination.
fn va_leads(net: &Network, e: &VaEndpoint, q: &Ask) -> bool {
    let VaTarget::NetworkInterface(id) = &e.target else {
        panic!("the generator makes network-interface targets only");
    };
    e.status == "active"
        && q.proto == 6
        && primary_eni_address(net, id) == Some(q.dst)
        && e.ports
            .iter()
            .any(|(lo, hi)| *lo <= q.dports.1 && q.dports.0 <= *hi)
}

/// The address a query naming interface `i` goes to: its first private
/// IP; an IPv6-only interface (AWS lists no private IPv4 address for one in
/// an IPv6-only subnet) has none, and is named at its first IPv6 address.
fn named_address(i: &reach::model::Interface) -> Option<IpAddr> {
    match i.private_ips.first() {
        Some(p) => Some(p.address),
        None => i.ipv6.first().copied(),
    }
}

fn primary_eni_address(net: &Network, id: &str) -> Option<IpAddr> {
    net.interfaces
        .get(id)
        .and_then(|i| i.private_ips.first())
        .map(|p| p.address)
}

/// The path through a Verified Access endpoint: like a Client VPN
/// association without its ENI in the input, in each of the endpoint's
/// subnets (the interface's) carrying the endpoint's security groups: source
/// any address of the subnet, port 1024-65535. Ports outside the endpoint's
/// are not carried.
fn va_path(net: &Network, q: &Ask, e: &VaEndpoint) -> Verdict {
    let subnets = va_subnets(net, e);
    let mut sim_net = net.clone();
    let fake = ClientVpnEndpoint {
        id: format!("sim-{}", e.id),
        vpc: e.vpc.clone(),
        client_cidr: cidr("192.0.2.0/30"),
        split_tunnel: false,
        status: "available".into(),
        security_groups: e.security_groups.clone(),
        auth: Vec::new(),
        associations: subnets
            .iter()
            .map(|s| ClientVpnAssociation {
                id: format!("sim-{}-{s}", e.id),
                subnet: s.clone(),
                status: "associated".into(),
                interface: None,
            })
            .collect(),
        routes: Vec::new(),
        auth_rules: Vec::new(),
        origin: e.origin.clone(),
    };
    sim_net.client_vpn_endpoints.insert(fake.id.clone(), fake);
    let net = &sim_net;
    let fake = &net.client_vpn_endpoints[&format!("sim-{}", e.id)];
    let u_ = Universe::of(net);
    // The query's ports, split into the endpoint's (each walked) and the
    // rest (not carried).
    let mut pieces = Vec::new();
    let mut inside: Ranges = Vec::new();
    for (lo, hi) in &e.ports {
        let (a, b) = (q.dports.0.max(*lo), q.dports.1.min(*hi));
        if a <= b {
            inside.push((u128::from(a), u128::from(b)));
        }
    }
    let outside = minus_all(&[(u128::from(q.dports.0), u128::from(q.dports.1))], &inside);
    if !outside.is_empty() {
        pieces.push(Verdict::Unreachable);
    }
    for (a, b) in inside {
        let mut q2 = q.clone();
        q2.dports = (a as u16, b as u16);
        let src = intersect_all(&vec![cidr_range(&fake.client_cidr)], &family_of(q.dst));
        let vs: Vec<Verdict> = fake
            .associations
            .iter()
            .map(|x| tally_packets(net, &q2, &u_, &src, &Start::Assoc(fake, x)).verdict())
            .collect();
        pieces.push(all_of(&vs));
    }
    all_of(&pieces)
}

fn minus_all(rs: &[(u128, u128)], cut: &[(u128, u128)]) -> Ranges {
    let mut out: Ranges = rs.to_vec();
    for c in cut {
        out = minus(&out, *c);
    }
    out
}

/// A Verified Access endpoint's subnets (a network-interface target's: the
/// interface's subnet).
fn va_subnets(net: &Network, e: &VaEndpoint) -> Vec<String> {
    match &e.target {
        _ if !e.subnets.is_empty() => e.subnets.clone(),
        VaTarget::NetworkInterface(id) => net
            .interfaces
            .get(id)
            .map(|i| vec![i.subnet.clone()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
