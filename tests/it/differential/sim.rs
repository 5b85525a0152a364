//! A brute-force concrete simulator: walks ONE packet at a time through a
//! [`Network`], hop by hop, forward and back, written from
//! `../shared/domain/aws-semantics.md` without the engine's packet sets.
//!
//! Only the query's resolution (`Query`: where it starts, its packet set) is
//! taken from `reach`; every rule, route and gateway is evaluated here, on
//! concrete values. A query's verdict comes from enumerating one
//! representative packet per equivalence class (the starts of every interval
//! any rule of the snapshot mentions, per field) and, per packet, every
//! network choice (a NAT gateway's or Client VPN association's source port,
//! the address of an association whose ENI the input lacks), explored by
//! backtracking over the choice points a walk actually meets.
//!
//! IPv4 only (the generator makes no IPv6), no ICMP codes.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use reach::engine::{Query, Start, Verdict};
use reach::hs::{Field, addr_of};
use reach::model::{
    Action, ClientVpnAssociation, ClientVpnEndpoint, Interface, NatGateway, Network, Peer,
    PortMatch, Protocol, RouteDest, RouteState, Target,
};

/// Ports a NAT gateway or a Client VPN association ENI translates to (§1).
const TRANSLATED_PORTS: (u32, u32) = (1024, 65535);

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

/// One concrete packet on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pkt {
    pub proto: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub sport: u16,
    pub dport: u16,
    pub icmp_type: u8,
}

impl Pkt {
    fn has_ports(&self) -> bool {
        self.proto == 6 || self.proto == 17
    }
    /// The reply to this packet. ICMP echo request (8) is answered by echo
    /// reply (0); other types are checked as the same type (the product's
    /// stated assumption).
    fn reply(&self) -> Pkt {
        Pkt {
            proto: self.proto,
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
            icmp_type: if self.proto == 1 && self.icmp_type == 8 {
                0
            } else {
                self.icmp_type
            },
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
    nat: Vec<(String, Ipv4Addr, u16)>,
    /// Association -> the address its ENI used (when chosen).
    assoc_addr: BTreeMap<String, Ipv4Addr>,
}

#[derive(Clone, Copy)]
enum Node<'n> {
    Eni(&'n Interface),
    Nat(&'n NatGateway),
    Assoc(&'n ClientVpnEndpoint, &'n ClientVpnAssociation),
}

impl<'n> Node<'n> {
    fn subnet(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.subnet,
            Node::Nat(n) => &n.subnet,
            Node::Assoc(_, a) => &a.subnet,
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

struct Sim<'n, 'c> {
    net: &'n Network,
    dir: Dir,
    conn: Conn,
    choose: &'c mut Chooser,
    /// NAT gateways this walk went through (a second time is a routing loop).
    nats_seen: Vec<String>,
    /// Candidate translated source ports (class representatives).
    port_choices: &'c [u16],
    /// Candidate addresses per association subnet (class representatives).
    addr_choices: &'c BTreeMap<String, Vec<Ipv4Addr>>,
}

fn v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(a) => Some(a),
        IpAddr::V6(_) => None,
    }
}

fn net_has(n: &IpNet, a: Ipv4Addr) -> bool {
    n.contains(&IpAddr::V4(a))
}

fn is_special(a: Ipv4Addr) -> bool {
    SPECIAL
        .iter()
        .any(|b| b.parse::<Ipv4Net>().expect("static").contains(&a))
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
            } if pkt.proto == 1 => {
                assert!(code.is_none(), "the simulator does not model ICMP codes");
                t == pkt.icmp_type
            }
            _ => true,
        },
    }
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
        }
    }

    /// Security groups of `owner`, one direction.
    fn sgs(&mut self, owner: &str, groups: &[String], ingress: bool, pkt: &Pkt) -> Pass {
        if self.dir == Dir::Return && self.conn.sg_seen.contains(owner) {
            return Pass::Yes; // stateful
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
                match self.peer_has(&r.peer, peer_addr) {
                    Some(true) => {
                        if self.dir == Dir::Forward {
                            self.conn.sg_seen.insert(owner.to_string());
                        }
                        return Pass::Yes;
                    }
                    Some(false) => {}
                    None => maybe = Some(format!("{} has unknown entries", r.peer.describe())),
                }
            }
        }
        match maybe {
            Some(m) => Pass::Unknown(m),
            None => Pass::No("security group"),
        }
    }

    /// Whether a security-group peer covers `a`; `None` when the input lacks the entries.
    fn peer_has(&self, peer: &Peer, a: Ipv4Addr) -> Option<bool> {
        let net = self.net;
        match peer {
            Peer::Cidr(c) => Some(net_has(c, a)),
            Peer::PrefixList(id) => {
                let entries = net.prefix_lists.get(id)?.entries.as_ref()?;
                Some(entries.iter().any(|c| net_has(c, a)))
            }
            Peer::Group(g) => {
                // Private addresses of the interfaces carrying the group ...
                let member = net.interfaces.values().any(|i| {
                    i.groups.contains(g) && i.private_ips.iter().any(|p| p.address == IpAddr::V4(a))
                });
                // ... and Client VPN association ENIs carrying it (the
                // endpoint's groups); one the input lacks may have any
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
                        net.subnets
                            .get(&x.subnet)
                            .is_some_and(|s| s.cidrs.iter().any(|c| net_has(c, a)))
                    });
                Some(member || assoc)
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
            if proto_ports_match(e.protocol, e.ports, pkt) && net_has(&e.cidr, peer) {
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
            Node::Eni(i) => self.sgs(&i.id, &i.groups, false, &pkt),
            Node::Assoc(e, a) => self.sgs(&a.id, &e.security_groups, false, &pkt),
            Node::Nat(_) => Pass::Yes,
        };
        match pass {
            Pass::Yes => self.route(node, pkt),
            Pass::No(w) => End::Dropped(w),
            Pass::Unknown(w) => End::Unknown(w),
        }
    }

    /// Longest-prefix match in the subnet's route table.
    fn route(&mut self, node: Node<'n>, pkt: Pkt) -> End {
        let net = self.net;
        let subnet = node.subnet();
        let vpc = self.vpc_of(node);
        let table = net
            .route_tables
            .values()
            .find(|t| t.subnets.iter().any(|s| s == subnet))
            .or_else(|| net.route_tables.values().find(|t| t.main && t.vpc == vpc));
        let Some(table) = table else {
            return End::Unknown("no route table".into());
        };
        let mut best: Option<(u8, &reach::model::Route)> = None;
        for r in &table.routes {
            let cidrs: Vec<IpNet> = match &r.dest {
                RouteDest::Cidr(c) => vec![*c],
                RouteDest::PrefixList(id) => {
                    match net.prefix_lists.get(id).and_then(|p| p.entries.clone()) {
                        Some(e) => e,
                        // Unknown entries could be more specific than anything else.
                        None => return End::Unknown(format!("route to {id}")),
                    }
                }
            };
            for c in cidrs {
                if net_has(&c, pkt.dst) && best.is_none_or(|(l, _)| c.prefix_len() > l) {
                    best = Some((c.prefix_len(), r));
                }
            }
        }
        let Some((_, r)) = best else {
            return End::Dropped("no route");
        };
        if r.state == RouteState::Blackhole {
            return End::Dropped("blackhole");
        }
        match &r.target {
            Target::Local => self.deliver(vpc, From::Subnet(subnet), pkt),
            Target::InternetGateway(id) => self.via_igw(node, id, pkt),
            Target::NatGateway(id) => self.via_nat(node, id, pkt),
            Target::VpcPeering(id) => self.via_peering(node, id, pkt),
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
            .find(|n| n.vpc == vpc && n.private_ip == Some(pkt.dst.into()))
        {
            return self.deliver_to(Node::Nat(n), from, pkt);
        }
        let Some(i) = net.interfaces.values().find(|i| {
            i.vpc == vpc
                && i.private_ips
                    .iter()
                    .any(|p| p.address == IpAddr::V4(pkt.dst))
        }) else {
            return End::Dropped("no interface has the address");
        };
        let node = self.node_of_eni(&i.id).expect("interface exists");
        self.deliver_to(node, from, pkt)
    }

    fn deliver_to(&mut self, node: Node<'n>, from: From<'_>, pkt: Pkt) -> End {
        match self.cross(from, node.subnet(), &pkt) {
            Pass::Yes => {}
            Pass::No(w) => return End::Dropped(w),
            Pass::Unknown(w) => return End::Unknown(w),
        }
        let (pass, id) = match node {
            Node::Nat(_) => return End::Dropped("a NAT gateway is not a destination"),
            Node::Assoc(..) if self.dir == Dir::Forward => {
                return End::Dropped("an association is not a destination");
            }
            Node::Assoc(e, a) => (self.sgs(&a.id, &e.security_groups, true, &pkt), &a.id),
            Node::Eni(i) => (self.sgs(&i.id, &i.groups, true, &pkt), &i.id),
        };
        match pass {
            Pass::Yes => End::Arrived(id.clone(), pkt),
            Pass::No(w) => End::Dropped(w),
            Pass::Unknown(w) => End::Unknown(w),
        }
    }

    fn via_igw(&mut self, node: Node<'n>, igw_id: &str, mut pkt: Pkt) -> End {
        let net = self.net;
        if let Node::Assoc(..) = node {
            return End::Unknown("association ENI to an internet gateway".into());
        }
        let Some(igw) = net.internet_gateways.get(igw_id) else {
            return End::Unknown(format!("{igw_id} not in the input"));
        };
        let vpc = self.vpc_of(node);
        if !igw.vpcs.iter().any(|v| v == vpc) {
            return End::Dropped("internet gateway not attached");
        }
        match self.nacl(node.subnet(), false, &pkt) {
            Pass::Yes => {}
            Pass::No(w) => return End::Dropped(w),
            Pass::Unknown(w) => return End::Unknown(w),
        }
        // 1:1 translation of the node's private address to its public one.
        let pairs: Vec<(IpAddr, Option<IpAddr>)> = match node {
            Node::Eni(i) => i
                .private_ips
                .iter()
                .map(|p| (p.address, p.public))
                .collect(),
            Node::Nat(n) => n.private_ip.map(|p| (p, n.public_ip)).into_iter().collect(),
            Node::Assoc(..) => Vec::new(),
        };
        match pairs.iter().find(|(p, _)| *p == IpAddr::V4(pkt.src)) {
            Some((_, Some(public))) => {
                pkt.src = v4(*public).expect("IPv4 public address");
                self.on_internet(pkt)
            }
            _ => End::Dropped("no public IP"),
        }
    }

    fn on_internet(&mut self, mut pkt: Pkt) -> End {
        let net = self.net;
        let dst: IpAddr = pkt.dst.into();
        if let Some(n) = net.nat_gateways.values().find(|n| n.public_ip == Some(dst)) {
            let Some(private) = n.private_ip.and_then(v4) else {
                return End::Dropped("NAT gateway without private IP");
            };
            if net
                .internet_gateways
                .values()
                .all(|g| g.egress_only || !g.vpcs.contains(&n.vpc))
            {
                return End::Dropped("no internet gateway");
            }
            pkt.dst = private;
            // Only replies to connections it translated come back in.
            let Some((_, src, sport)) = self.conn.nat.iter().rev().find(|(id, ..)| *id == n.id)
            else {
                return End::Dropped("NAT gateway: unsolicited inbound");
            };
            let (src, sport) = (*src, *sport);
            match self.nacl(&n.subnet, true, &pkt) {
                Pass::Yes => {}
                Pass::No(w) => return End::Dropped(w),
                Pass::Unknown(w) => return End::Unknown(w),
            }
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
            if net
                .internet_gateways
                .values()
                .all(|g| g.egress_only || !g.vpcs.contains(&i.vpc))
            {
                return End::Dropped("no internet gateway");
            }
            pkt.dst = v4(private).expect("IPv4");
            return match node {
                Node::Nat(_) => End::Dropped("NAT interface"),
                _ => self.deliver_to(node, From::Outside, pkt),
            };
        }
        if is_special(pkt.dst) {
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
        let Some(private) = nat.private_ip.and_then(v4) else {
            return End::Unknown("NAT gateway without private IP".into());
        };
        if self.nats_seen.contains(&nat.id) {
            return End::Unknown("routing loop".into());
        }
        self.nats_seen.push(nat.id.clone());
        match self.cross(From::Subnet(node.subnet()), &nat.subnet, &pkt) {
            Pass::Yes => {}
            Pass::No(w) => return End::Dropped(w),
            Pass::Unknown(w) => return End::Unknown(w),
        }
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
        match self.nacl(node.subnet(), false, &pkt) {
            Pass::Yes => {}
            Pass::No(w) => return End::Dropped(w),
            Pass::Unknown(w) => return End::Unknown(w),
        }
        if !peer.cidrs.iter().any(|c| net_has(c, pkt.dst)) {
            return End::Dropped("peering: destination outside the peer VPC");
        }
        self.deliver(&peer.id, From::Outside, pkt)
    }
}

/// The fate of one packet under one combination of network choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Ok,
    Fail,
    Unknown,
}

/// The fate of one request packet, with its reply.
fn round_trip(
    net: &Network,
    q: &Query,
    start: &Origin<'_>,
    pkt: Pkt,
    ch: &mut Chooser,
    port_choices: &[u16],
    addr_choices: &BTreeMap<String, Vec<Ipv4Addr>>,
) -> Fate {
    let mut sim = Sim {
        net,
        dir: Dir::Forward,
        conn: Conn::default(),
        choose: ch,
        nats_seen: Vec::new(),
        port_choices,
        addr_choices,
    };
    let fwd = match start {
        Origin::Eni(id) => match sim.node_of_eni(id) {
            Some(node) => sim.at_node(node, pkt),
            None => End::Unknown("source not in the input".into()),
        },
        Origin::Internet => sim.on_internet(pkt),
        Origin::Assoc(e, a) => {
            // Source NAT by the association's ENI: its address (or, without
            // the ENI in the input, one of its subnet's) and a port it picks.
            let eni_ip = a
                .interface
                .as_ref()
                .and_then(|i| net.interfaces.get(i))
                .and_then(|i| i.primary_ip())
                .and_then(v4);
            let mut p = pkt;
            p.src = match eni_ip {
                Some(ip) => ip,
                None => sim.choose.pick(&sim.addr_choices[&a.subnet]),
            };
            if p.has_ports() {
                p.sport = sim.choose.pick(sim.port_choices);
            }
            sim.conn.assoc_addr.insert(a.id.clone(), p.src);
            sim.at_node(Node::Assoc(e, a), p)
        }
    };
    let (arrived_at, last) = match fwd {
        End::Arrived(id, p) => {
            if q.dst_eni.as_ref().is_some_and(|want| *want != id) {
                return Fate::Fail;
            }
            (Some(id), p)
        }
        End::Internet(p) => (None, p),
        End::Dropped(_) => return Fate::Fail,
        End::Unknown(_) => return Fate::Unknown,
    };
    // The reply: the packet as delivered, reversed.
    let reply = last.reply();
    sim.dir = Dir::Return;
    sim.nats_seen.clear();
    let back = match &arrived_at {
        Some(id) => {
            let node = sim.node_of_eni(id).expect("arrived at a known node");
            sim.at_node(node, reply)
        }
        None => sim.on_internet(reply),
    };
    let want = match start {
        Origin::Eni(id) => Some(id.to_string()),
        Origin::Internet => None,
        Origin::Assoc(_, a) => Some(a.id.clone()),
    };
    match (back, want) {
        (End::Arrived(got, _), Some(w)) if got == w => Fate::Ok,
        (End::Internet(_), None) => Fate::Ok,
        (End::Unknown(_), _) => Fate::Unknown,
        _ => Fate::Fail,
    }
}

/// Where a query's packets start, for the simulator.
pub enum Origin<'n> {
    Eni(String),
    Internet,
    Assoc(&'n ClientVpnEndpoint, &'n ClientVpnAssociation),
}

/// Representatives of a field's equivalence classes inside `ranges`: each
/// range's start and every class start (`starts`) inside it.
fn reps(ranges: &[(u64, u64)], starts: &BTreeSet<u64>) -> Vec<u64> {
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
    addrs: BTreeSet<u64>,
    ports: BTreeSet<u64>,
    types: BTreeSet<u64>,
}

fn cidr_range(c: &IpNet) -> Option<(u64, u64)> {
    match c {
        IpNet::V4(n) => Some((
            u64::from(u32::from(n.network())),
            u64::from(u32::from(n.broadcast())),
        )),
        IpNet::V6(_) => None,
    }
}

impl Universe {
    fn of(net: &Network) -> Universe {
        let mut u = Universe {
            addrs: BTreeSet::new(),
            ports: [1024u64, 65536, 32768, 61000, 49152].into(),
            types: [0u64, 1, 8, 9].into(),
        };
        let mut cidrs: Vec<IpNet> = SPECIAL.iter().map(|b| b.parse().expect("static")).collect();
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
        for i in net.interfaces.values() {
            for p in &i.private_ips {
                ips.push(p.address);
                ips.extend(p.public);
            }
        }
        for n in net.nat_gateways.values() {
            ips.extend(n.private_ip);
            ips.extend(n.public_ip);
        }
        for e in net.client_vpn_endpoints.values() {
            cidrs.push(e.client_cidr);
            cidrs.extend(e.routes.iter().map(|r| r.dest));
            cidrs.extend(e.auth_rules.iter().map(|r| r.dest));
        }
        for (lo, hi) in cidrs.iter().filter_map(cidr_range) {
            u.addrs.insert(lo);
            u.addrs.insert(hi + 1);
        }
        for a in ips.into_iter().filter_map(v4) {
            u.addrs.insert(u64::from(u32::from(a)));
            u.addrs.insert(u64::from(u32::from(a)) + 1);
        }
        for (_, m) in rules {
            match m {
                PortMatch::Ports { from, to } => {
                    u.ports.insert(u64::from(from.min(to)));
                    u.ports.insert(u64::from(from.max(to)) + 1);
                }
                PortMatch::Icmp {
                    icmp_type: Some(t), ..
                } => {
                    u.types.insert(u64::from(t));
                    u.types.insert(u64::from(t) + 1);
                }
                _ => {}
            }
        }
        u
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

/// The question's fields as ranges of concrete values.
struct Ranges {
    proto: u8,
    src: Vec<(u64, u64)>,
    dst: Ipv4Addr,
    sports: Vec<(u64, u64)>,
    /// Destination ports (tcp/udp) or ICMP types.
    dports: Vec<(u64, u64)>,
}

fn u128_v4(v: u128) -> u64 {
    match addr_of(v) {
        IpAddr::V4(a) => u64::from(u32::from(a)),
        IpAddr::V6(a) => panic!("the simulator is IPv4 only, got {a}"),
    }
}

fn field_ranges(set: &reach::hs::PacketSet, f: Field) -> Vec<(u64, u64)> {
    set.project(f)
        .intervals()
        .iter()
        .map(|i| (i.lo as u64, i.hi as u64))
        .collect()
}

fn tally_packets(net: &Network, q: &Query, u: &Universe, r: &Ranges, start: &Origin<'_>) -> Tally {
    let port_choices: Vec<u16> = reps(&[TRANSLATED_PORTS_U64], &u.ports)
        .into_iter()
        .map(|p| p as u16)
        .collect();
    let addr_choices: BTreeMap<String, Vec<Ipv4Addr>> = net
        .subnets
        .values()
        .map(|s| {
            let ranges: Vec<(u64, u64)> = s.cidrs.iter().filter_map(cidr_range).collect();
            let pts = reps(&ranges, &u.addrs)
                .into_iter()
                .map(|a| Ipv4Addr::from(a as u32))
                .collect();
            (s.id.clone(), pts)
        })
        .collect();
    let has_ports = r.proto == 6 || r.proto == 17;
    let icmp = r.proto == 1;
    let (sports, dports) = if has_ports {
        (reps(&r.sports, &u.ports), reps(&r.dports, &u.ports))
    } else if icmp {
        (vec![0], reps(&r.dports, &u.types))
    } else {
        (vec![0], vec![0])
    };
    let mut t = Tally::default();
    for src in reps(&r.src, &u.addrs) {
        for &sport in &sports {
            for &dport in &dports {
                let pkt = Pkt {
                    proto: r.proto,
                    src: Ipv4Addr::from(src as u32),
                    dst: r.dst,
                    sport: if has_ports { sport as u16 } else { 0 },
                    dport: if has_ports { dport as u16 } else { 0 },
                    icmp_type: if icmp { dport as u8 } else { 0 },
                };
                let mut ch = Chooser::default();
                let (mut all, mut some, mut unknown) = (true, false, false);
                loop {
                    match round_trip(net, q, start, pkt, &mut ch, &port_choices, &addr_choices) {
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
    t
}

const TRANSLATED_PORTS_U64: (u64, u64) = (TRANSLATED_PORTS.0 as u64, TRANSLATED_PORTS.1 as u64);

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

/// The most specific active Client VPN route covering `dst` (via `subnet` if given).
fn cvpn_route(ep: &ClientVpnEndpoint, dst: Ipv4Addr, subnet: Option<&str>) -> bool {
    ep.routes.iter().any(|r| {
        r.status == "active" && net_has(&r.dest, dst) && subnet.is_none_or(|s| r.target_subnet == s)
    })
}

/// Authorization: the most specific active rules covering `dst` decide; a
/// user passes if one is AccessAll or names one of the user's groups
/// (certificate users have none).
fn authorized(ep: &ClientVpnEndpoint, dst: Ipv4Addr, groups: &[String]) -> bool {
    let covering: Vec<_> = ep
        .auth_rules
        .iter()
        .filter(|r| r.status == "active" && net_has(&r.dest, dst))
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

/// The simulator's verdict for a resolved query.
pub fn verdict(net: &Network, q: &Query) -> Verdict {
    let u = Universe::of(net);
    let packets = q.packets();
    let proto = packets.project(Field::Proto).intervals()[0].lo as u8;
    let dst = v4(q.dst_ip).expect("the simulator is IPv4 only");
    let (sports, dports) = (
        field_ranges(&packets, Field::SrcPort),
        if proto == 1 {
            field_ranges(&packets, Field::IcmpType)
        } else {
            field_ranges(&packets, Field::DstPort)
        },
    );
    let ranges = |src: Vec<(u64, u64)>| Ranges {
        proto,
        src,
        dst,
        sports: sports.clone(),
        dports: dports.clone(),
    };
    match &q.start {
        Start::Interface { eni, .. } => {
            let src = packets
                .project(Field::Src)
                .intervals()
                .iter()
                .map(|i| (u128_v4(i.lo), u128_v4(i.hi)))
                .collect();
            tally_packets(net, q, &u, &ranges(src), &Origin::Eni(eni.clone())).verdict()
        }
        Start::Internet { .. } => {
            let src = packets
                .project(Field::Src)
                .intervals()
                .iter()
                .map(|i| (u128_v4(i.lo), u128_v4(i.hi)))
                .collect();
            tally_packets(net, q, &u, &ranges(src), &Origin::Internet).verdict()
        }
        Start::Client { endpoints } => {
            let eps: Vec<&ClientVpnEndpoint> = endpoints
                .iter()
                .filter_map(|e| net.client_vpn_endpoints.get(e))
                .collect();
            // The users to answer for: the given groups, or one user per
            // group any endpoint's rules name, plus a user in none.
            let users: Vec<Vec<String>> = if !q.groups.is_empty() {
                vec![q.groups.clone()]
            } else {
                let named: BTreeSet<&String> = eps
                    .iter()
                    .filter(|e| e.has_groups())
                    .flat_map(|e| &e.auth_rules)
                    .filter(|r| r.status == "active")
                    .filter_map(|r| r.group.as_ref())
                    .collect();
                named
                    .into_iter()
                    .map(|g| vec![g.clone()])
                    .chain(std::iter::once(Vec::new()))
                    .collect()
            };
            // Per association: the path from its ENI on does not depend on the user.
            let mut per_assoc: BTreeMap<(String, String), Verdict> = BTreeMap::new();
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
                    let mut vs = Vec::new();
                    for a in active {
                        if !cvpn_route(ep, dst, Some(&a.subnet)) {
                            vs.push(Verdict::Unreachable);
                            continue;
                        }
                        let v = *per_assoc
                            .entry((ep.id.clone(), a.id.clone()))
                            .or_insert_with(|| {
                                let src = cidr_range(&ep.client_cidr).into_iter().collect();
                                tally_packets(net, q, &u, &ranges(src), &Origin::Assoc(ep, a))
                                    .verdict()
                            });
                        vs.push(v);
                    }
                    per_ep.push(all_of(&vs));
                }
                per_user.push(any_of(&per_ep));
            }
            all_of(&per_user)
        }
    }
}
