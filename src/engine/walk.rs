//! The walk: one function per place a packet can be, each emitting hops and
//! leaves. The same functions serve the forward and the return walk; the
//! return walk differs only in connection state (stateful SGs, NAT).

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::hs::{self, Field, Interval, IntervalSet, Origin as Src, PacketSet};
use crate::model::{
    Action, ClientVpnAssociation, ClientVpnEndpoint, Interface, NatGateway, Network, RouteDest,
    RouteState, Target, VaEndpoint,
};

use super::analysis::{Cause, Conntrack, Direction, End, Hop, Leaf};
use super::flow::Flow;
use super::query::{Query, Start};
use super::rules::{self, Side};

/// Ports a NAT gateway translates to (aws-semantics.md §1).
const NAT_PORTS: (u16, u16) = (1024, 65535);
/// Stands, inside a flow, for the public IP AWS assigned to a Client VPN
/// association ENI the input lacks (never printed: replies to it are
/// recognised through the connection state).
const ASSIGNED_PUBLIC: IpAddr = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
/// A walk longer than this is a routing loop.
const MAX_HOPS: usize = 64;

#[derive(Clone, Copy)]
pub(super) enum Node<'n> {
    Eni(&'n Interface),
    Nat(&'n NatGateway),
    /// A Client VPN association: its ENI source-NATs client traffic.
    Cvpn(&'n ClientVpnEndpoint, &'n ClientVpnAssociation),
    /// A Verified Access endpoint's network interfaces in one of its subnets.
    Va(&'n VaEndpoint, &'n str),
}

impl<'n> Node<'n> {
    fn id(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.id,
            Node::Nat(n) => &n.id,
            Node::Cvpn(_, a) => &a.id,
            Node::Va(e, _) => &e.id,
        }
    }
    fn subnet(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.subnet,
            Node::Nat(n) => &n.subnet,
            Node::Cvpn(_, a) => &a.subnet,
            Node::Va(_, s) => s,
        }
    }
    fn vpc(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.vpc,
            Node::Nat(n) => &n.vpc,
            Node::Cvpn(e, _) => &e.vpc,
            Node::Va(e, _) => &e.vpc,
        }
    }
    /// The security groups the node's traffic carries (a NAT gateway has none).
    fn groups(&self) -> Option<&'n [String]> {
        match self {
            Node::Eni(i) if i.groupless() => None,
            Node::Eni(i) => Some(&i.groups),
            Node::Nat(_) => None,
            Node::Cvpn(e, _) => Some(&e.security_groups),
            Node::Va(e, _) => Some(&e.security_groups),
        }
    }
    /// For a node that translates its users' source (a Client VPN association,
    /// a Verified Access endpoint's interfaces): the addresses replies come
    /// back to.
    fn reply_addresses(&self, net: &Network) -> Option<IntervalSet> {
        match self {
            Node::Cvpn(_, a) => rules::association_addresses(net, a),
            Node::Va(_, s) => rules::subnet_addresses(net, s),
            Node::Eni(_) | Node::Nat(_) => None,
        }
    }
    /// How the trace names a translating node's reply hop: (kind, what).
    fn reply_hop(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Node::Cvpn(..) => Some((
                "client-vpn-association",
                "destination -> the VPN client (reply)",
            )),
            Node::Va(..) => Some((
                "verified-access-endpoint",
                "destination -> the Verified Access user (reply)",
            )),
            Node::Eni(_) | Node::Nat(_) => None,
        }
    }
}

/// Where a packet crosses into its destination's subnet from.
#[derive(Clone, Copy)]
enum Cross<'a> {
    /// From a subnet of the same VPC (no ACL between two ENIs of one subnet).
    Subnet(&'a str),
    /// From outside the VPC (internet gateway, peering).
    Outside,
}

/// One walk, in one direction: the leaves it reaches, and the assumptions
/// it makes on the way (into the query's set).
struct Walk<'n, 'a> {
    net: &'n Network,
    dir: Direction,
    leaves: Vec<Leaf>,
    assumptions: &'a mut BTreeSet<String>,
}

/// The path so far.
#[derive(Clone, Default)]
struct Trail {
    hops: Vec<Hop>,
    ct: Conntrack,
}

impl Trail {
    fn with(&self, hop: Hop) -> Trail {
        let mut t = self.clone();
        t.hops.push(hop);
        t
    }
}

/// Source NAT: the source becomes one of `addrs` and a port of `NAT_PORTS`,
/// both chosen by the network.
fn translate_source(flow: &mut Flow, addrs: IntervalSet) {
    flow.rewrite(Field::Src, Src::Const(addrs));
    flow.rewrite(
        Field::SrcPort,
        Src::Const(IntervalSet::from_interval(Interval {
            lo: u128::from(NAT_PORTS.0),
            hi: u128::from(NAT_PORTS.1),
        })),
    );
}

fn point(ip: IpAddr) -> IntervalSet {
    IntervalSet::from_interval(Interval::point(hs::addr(ip)))
}

/// The query's packets from its source (an interface or the internet): the
/// leaves they reach.
pub(super) fn forward(
    net: &Network,
    q: &Query,
    flow: Flow,
    assumptions: &mut BTreeSet<String>,
) -> Vec<Leaf> {
    let mut w = Walk::new(net, Direction::Forward, assumptions);
    w.start(q, flow);
    w.leaves
}

/// From a Client VPN association: the client's packets, already authorized and
/// routed to this association, are source-NATed by its ENI and enter the VPC.
pub(super) fn from_association(
    net: &Network,
    ep: &ClientVpnEndpoint,
    assoc: &ClientVpnAssociation,
    flow: Flow,
    hops: Vec<Hop>,
    assumptions: &mut BTreeSet<String>,
) -> Vec<Leaf> {
    let mut w = Walk::new(net, Direction::Forward, assumptions);
    w.association_entry(ep, assoc, flow, hops);
    w.leaves
}

/// From a Verified Access endpoint: the user's connection, already allowed
/// by the policies, leaves the endpoint's network interfaces in `subnet`
/// (some address of it; AWS does not list them) carrying the endpoint's
/// security groups, from a port the endpoint picks.
pub(super) fn from_va(
    net: &Network,
    ep: &VaEndpoint,
    subnet: &str,
    flow: Flow,
    hops: Vec<Hop>,
    assumptions: &mut BTreeSet<String>,
) -> Vec<Leaf> {
    let mut w = Walk::new(net, Direction::Forward, assumptions);
    w.va_entry(ep, subnet, flow, hops);
    w.leaves
}

/// The reply to what reached `arrived`, walked back: the leaves it reaches.
pub(super) fn back(
    net: &Network,
    q: &Query,
    arrived: &Leaf,
    assumptions: &mut BTreeSet<String>,
) -> Vec<Leaf> {
    let mut w = Walk::new(net, Direction::Return, assumptions);
    w.reply(q, arrived);
    w.leaves
}

impl<'n, 'a> Walk<'n, 'a> {
    fn new(net: &'n Network, dir: Direction, assumptions: &'a mut BTreeSet<String>) -> Self {
        Walk {
            net,
            dir,
            leaves: Vec::new(),
            assumptions,
        }
    }

    fn assume(&mut self, text: String) {
        self.assumptions.insert(text);
    }

    /// From the query's source.
    fn start(&mut self, q: &Query, flow: Flow) {
        let trail = Trail::default();
        match &q.start {
            Start::Interface { eni, .. } => match self.node_of_eni(eni) {
                Some(node) => {
                    if let Node::Eni(i) = node {
                        if let Some(reason) = not_answering(self.net, i) {
                            return self.drop(
                                flow,
                                trail,
                                Cause::NotAnswering {
                                    eni: i.id.clone(),
                                    reason,
                                },
                            );
                        }
                        let Some(flow) = self.aws_services(i, flow, &trail) else {
                            return;
                        };
                        return self.at_node(node, flow, trail);
                    }
                    self.at_node(node, flow, trail)
                }
                None => self.unknown(flow, trail, eni, "the interface is not in the input"),
            },
            Start::Internet { .. } => self.on_internet(flow, trail),
            Start::Client { .. } => self.unknown(
                flow,
                trail,
                "client",
                "a client query starts at an association (engine bug)",
            ),
        }
    }

    /// Into the VPC from a Client VPN association (see [`from_association`]).
    fn association_entry(
        &mut self,
        ep: &'n ClientVpnEndpoint,
        assoc: &'n ClientVpnAssociation,
        mut flow: Flow,
        hops: Vec<Hop>,
    ) {
        let mut trail = Trail {
            hops,
            ct: Conntrack::default(),
        };
        let Some(addrs) = rules::association_addresses(self.net, assoc) else {
            return self.unknown(
                flow,
                trail,
                &assoc.subnet,
                "the association's subnet is not in the input",
            );
        };
        let what = match assoc
            .interface
            .as_ref()
            .filter(|e| self.net.interfaces.contains_key(*e))
        {
            Some(eni) => format!(
                "source -> {} ({eni}), source port {}-{}",
                addrs.summary(Field::Src),
                NAT_PORTS.0,
                NAT_PORTS.1
            ),
            None => {
                self.assume(format!(
                    "the ENI of {} is not in the input: client traffic is assumed to leave from some address of {} ({}) carrying the endpoint's security groups",
                    assoc.id,
                    assoc.subnet,
                    addrs.summary(Field::Src)
                ));
                format!(
                    "source -> an address of {}, source port {}-{}",
                    assoc.subnet, NAT_PORTS.0, NAT_PORTS.1
                )
            }
        };
        translate_source(&mut flow, addrs);
        trail.hops.push(Hop::new(
            &assoc.id,
            "client-vpn-association",
            "translate",
            what,
        ));
        self.at_node(Node::Cvpn(ep, assoc), flow, trail);
    }

    /// Into the VPC from a Verified Access endpoint (see [`from_va`]).
    fn va_entry(&mut self, ep: &'n VaEndpoint, subnet: &str, mut flow: Flow, hops: Vec<Hop>) {
        let mut trail = Trail {
            hops,
            ct: Conntrack::default(),
        };
        let Some(subnet) = ep.subnets.iter().find(|s| *s == subnet) else {
            return;
        };
        let Some(addrs) = rules::subnet_addresses(self.net, subnet) else {
            return self.unknown(
                flow,
                trail,
                subnet,
                "the endpoint's subnet is not in the input",
            );
        };
        let groups = if ep.security_groups.is_empty() {
            "no security group".to_string()
        } else {
            ep.security_groups.join(", ")
        };
        self.assume(format!(
            "{} enters the VPC from Verified Access network interfaces in {subnet} ({}) carrying {groups}, from source ports {}-{}; AWS does not list those interfaces, so any address of the subnet is assumed (aws-semantics.md §7)",
            ep.id,
            addrs.summary(Field::Src),
            NAT_PORTS.0,
            NAT_PORTS.1
        ));
        translate_source(&mut flow, addrs.clone());
        trail.hops.push(Hop::new(
            &ep.id,
            "verified-access-endpoint",
            "translate",
            format!(
                "source -> an address of {subnet} ({}), source port {}-{}",
                addrs.summary(Field::Src),
                NAT_PORTS.0,
                NAT_PORTS.1
            ),
        ));
        self.at_node(Node::Va(ep, subnet), flow, trail);
    }

    /// The reply to what reached `arrived`: an echo request's reply is an echo
    /// reply, per packet.
    fn reply(&mut self, q: &Query, arrived: &Leaf) {
        let flow = arrived.flow.reversed();
        if !q.spec.protocol.is_icmp() {
            return self.back_flow(q, arrived, flow);
        }
        // Echo request (8, or 128 for ICMPv6) is answered by echo reply (0 / 129),
        // per packet: a query over a range of types splits.
        let (req, rep) = if q.dst_ip.is_ipv6() {
            (128, 129)
        } else {
            (8, 0)
        };
        let (mut echo, other) = flow.split_field(
            Field::IcmpType,
            &IntervalSet::from_interval(Interval::point(req)),
        );
        if !echo.is_empty() {
            echo.rewrite(
                Field::IcmpType,
                Src::Const(IntervalSet::from_interval(Interval::point(rep))),
            );
            self.back_flow(q, arrived, echo);
        }
        if !other.is_empty() {
            self.assume(
                "the ICMP type asked about has no reply: return path checked as for the same type"
                    .into(),
            );
            self.back_flow(q, arrived, other);
        }
    }

    /// Walks one reply `flow` of `arrived` back toward the requester.
    fn back_flow(&mut self, q: &Query, arrived: &Leaf, flow: Flow) {
        let trail = Trail {
            hops: Vec::new(),
            ct: arrived.state.clone(),
        };
        if let (Some(service), Start::Interface { eni, .. }) = (&arrived.state.service, &q.start) {
            // The service answers the instance directly: no filter on the way back.
            let t = trail.with(Hop::new(
                eni,
                "network-interface",
                "deliver",
                format!("reply from {service}, delivered directly (not filtered by security groups or network ACLs)"),
            ));
            return self.leaf(flow, t, End::Arrived { eni: eni.clone() });
        }
        if let (End::Internet, Some((vgw, vpc))) = (&arrived.end, arrived.state.onprem.clone()) {
            return self.reply_from_vgw(&vgw, &vpc, flow, trail);
        }
        match &arrived.end {
            End::Arrived { eni } => match self.node_of_eni(eni) {
                Some(node) => self.at_node(node, flow, trail),
                None => self.unknown(flow, trail, eni, "the interface is not in the input"),
            },
            _ => self.on_internet(flow, trail),
        }
    }
}

fn association_of_eni<'n>(
    net: &'n Network,
    eni: &str,
) -> Option<(&'n ClientVpnEndpoint, &'n ClientVpnAssociation)> {
    net.client_vpn_endpoints.values().find_map(|e| {
        e.associations
            .iter()
            .find(|a| a.interface.as_deref() == Some(eni))
            .map(|a| (e, a))
    })
}

impl<'n> Walk<'n, '_> {
    fn leaf(&mut self, flow: Flow, trail: Trail, end: End) {
        if flow.is_empty() {
            return;
        }
        self.leaves.push(Leaf {
            direction: self.dir,
            hops: trail.hops,
            end,
            flow,
            state: trail.ct,
        });
    }

    fn drop(&mut self, flow: Flow, trail: Trail, cause: Cause) {
        self.leaf(flow, trail, End::Dropped(cause));
    }

    fn unknown(&mut self, flow: Flow, trail: Trail, component: &str, reason: impl Into<String>) {
        self.leaf(
            flow,
            trail,
            End::Unknown {
                component: component.to_string(),
                reason: reason.into(),
            },
        );
    }

    fn node_of_eni(&self, eni: &str) -> Option<Node<'n>> {
        if let Some((e, a)) = association_of_eni(self.net, eni) {
            return Some(Node::Cvpn(e, a));
        }
        if let Some((e, a)) = self
            .net
            .client_vpn_endpoints
            .values()
            .find_map(|e| e.associations.iter().find(|a| a.id == eni).map(|a| (e, a)))
        {
            return Some(Node::Cvpn(e, a));
        }
        let i = self.net.interfaces.get(eni)?;
        Some(match self.net.nat_gateway_by_interface(eni) {
            Some(n) => Node::Nat(n),
            None => Node::Eni(i),
        })
    }

    fn node_by_private_ip(&self, vpc: &str, ip: IpAddr) -> Option<Node<'n>> {
        if let Some(n) = self
            .net
            .nat_gateways
            .values()
            .find(|n| n.vpc == vpc && n.private_ip == Some(ip))
        {
            return Some(Node::Nat(n));
        }
        let i = self.net.interface_by_private_ip(vpc, ip)?;
        self.node_of_eni(&i.id)
    }

    /// Public IP -> (node, private IP).
    fn node_by_public_ip(&self, ip: IpAddr) -> Option<(Node<'n>, IpAddr)> {
        if let Some(n) = self
            .net
            .nat_gateways
            .values()
            .find(|n| n.public_ip == Some(ip))
        {
            return n.private_ip.map(|p| (Node::Nat(n), p));
        }
        let (i, private) = self.net.interface_by_public_ip(ip)?;
        Some((self.node_of_eni(&i.id)?, private))
    }

    /// Leaves a node toward the packet's destination.
    fn at_node(&mut self, node: Node<'n>, flow: Flow, mut trail: Trail) {
        if trail.hops.len() > MAX_HOPS {
            return self.unknown(
                flow,
                trail,
                node.id(),
                "routing loop: the walk exceeded 64 hops",
            );
        }
        let flow = match node.groups() {
            Some(groups) => {
                let Some(f) =
                    self.security_groups(node.id(), groups, Side::Egress, flow, &mut trail)
                else {
                    return;
                };
                f
            }
            None => flow,
        };
        self.route(node, flow, trail);
    }

    /// Security groups of an interface; `None` when nothing passes.
    fn security_groups(
        &mut self,
        owner: &str,
        groups: &[String],
        side: Side,
        flow: Flow,
        trail: &mut Trail,
    ) -> Option<Flow> {
        let stateful = self.dir == Direction::Return && trail.ct.enis.contains(owner);
        if stateful {
            for g in groups {
                trail.hops.push(Hop::new(
                    g,
                    "security-group",
                    "allow-stateful",
                    format!(
                        "{} reply of an allowed connection (security groups are stateful)",
                        if side == Side::Ingress {
                            "inbound"
                        } else {
                            "outbound"
                        }
                    ),
                ));
            }
            return Some(flow);
        }
        if groups.is_empty() {
            let what = match self.net.interfaces.get(owner) {
                Some(i) => format!("{owner} (type `{}`)", i.kind),
                None => owner.to_string(),
            };
            self.unknown(
                flow,
                trail.clone(),
                owner,
                format!(
                    "the input lists no security group for {what}: only NAT gateway, load balancer and transit gateway interfaces have none, so the input is incomplete"
                ),
            );
            return None;
        }
        let img = flow.image();
        let mut allowed = PacketSet::empty();
        let mut maybe = PacketSet::empty();
        let mut matched = Vec::new();
        let mut unknown_peers = Vec::new();
        for g in groups {
            let Some(sg) = self.net.security_groups.get(g) else {
                unknown_peers.push(format!("{g} is not in the input"));
                maybe = PacketSet::all();
                continue;
            };
            let rules = match side {
                Side::Ingress => &sg.ingress,
                Side::Egress => &sg.egress,
            };
            for r in rules {
                let (set, may) = rules::sg_rule_set(self.net, r, side);
                if set.overlaps(&img) {
                    matched.push(Hop::new(
                        &sg.id,
                        "security-group",
                        "allow",
                        rules::describe_sg_rule(r, side),
                    ));
                }
                allowed = allowed.union(&set.intersect(&img));
                if may.overlaps(&img) {
                    let why = match &r.peer {
                        crate::model::Peer::Group(g) => format!(
                            "{g} is not in the input: whether a source outside the input carries it is unknown (sources of the input carry it only if they list it)"
                        ),
                        p => format!("entries of {} are not in the input", p.describe()),
                    };
                    unknown_peers.push(format!(
                        "{} {}: {why}",
                        sg.id,
                        rules::describe_sg_rule(r, side),
                    ));
                    maybe = maybe.union(&may.intersect(&img));
                }
            }
        }
        let (pass, rest) = flow.split(&allowed);
        let (undecided, blocked) = rest.split(&maybe);
        if !undecided.is_empty() {
            let comp = groups.first().cloned().unwrap_or_else(|| owner.to_string());
            self.unknown(undecided, trail.clone(), &comp, unknown_peers.join("; "));
        }
        if !blocked.is_empty() {
            let mut t = trail.clone();
            for g in groups {
                t.hops.push(Hop::new(
                    g,
                    "security-group",
                    "deny",
                    format!(
                        "no {} rule matches",
                        if side == Side::Ingress {
                            "inbound"
                        } else {
                            "outbound"
                        }
                    ),
                ));
            }
            self.drop(
                blocked,
                t,
                Cause::SecurityGroup {
                    eni: owner.to_string(),
                    groups: groups.to_vec(),
                    inbound: side == Side::Ingress,
                },
            );
        }
        if pass.is_empty() {
            return None;
        }
        if self.dir == Direction::Forward {
            trail.ct.enis.insert(owner.to_string());
        }
        trail.hops.extend(matched);
        Some(pass)
    }

    /// A subnet's network ACL, one direction; `None` when nothing passes.
    fn nacl(&mut self, subnet: &str, side: Side, flow: Flow, trail: &mut Trail) -> Option<Flow> {
        let Some(acl) = self.net.nacl_of(subnet) else {
            self.unknown(
                flow,
                trail.clone(),
                subnet,
                "no network ACL association for this subnet in the input",
            );
            return None;
        };
        let entries = match side {
            Side::Ingress => &acl.inbound,
            Side::Egress => &acl.outbound,
        };
        let inbound = side == Side::Ingress;
        let base = trail.clone();
        // The allowed region on the wire, exactly: what allow rules take first.
        let img = flow.image();
        let mut taken = PacketSet::empty();
        let mut allowed = PacketSet::empty();
        // Attribution: which rule takes which packets, in rule order.
        let mut rest = flow.clone();
        for e in entries {
            if rest.is_empty() {
                break;
            }
            let set = rules::nacl_entry_set(e, side).intersect(&img);
            if set.is_empty() {
                continue;
            }
            let first = set.difference(&taken);
            taken = taken.union(&set);
            let (hit, miss) = rest.split(&set);
            rest = miss;
            match e.action {
                Action::Allow => {
                    allowed = allowed.union(&first);
                    if !hit.is_empty() {
                        trail.hops.push(Hop::new(
                            &acl.id,
                            "network-acl",
                            "allow",
                            rules::describe_nacl_entry(e, side),
                        ));
                    }
                }
                Action::Deny => self.drop(
                    hit,
                    base.with(Hop::new(
                        &acl.id,
                        "network-acl",
                        "deny",
                        rules::describe_nacl_entry(e, side),
                    )),
                    Cause::NaclDeny {
                        acl: acl.id.clone(),
                        rule: e.number,
                        inbound,
                        entry: rules::describe_nacl_entry(e, side),
                    },
                ),
            }
        }
        let star = format!(
            "{} rule *: deny all",
            if inbound { "inbound" } else { "outbound" }
        );
        self.drop(
            rest,
            base.with(Hop::new(&acl.id, "network-acl", "deny", star)),
            Cause::NaclDefaultDeny {
                acl: acl.id.clone(),
                inbound,
            },
        );
        let (pass, _) = flow.split(&allowed);
        (!pass.is_empty()).then_some(pass)
    }

    /// Looks the destination up in the node's subnet route table and follows each route that matches.
    fn route(&mut self, node: Node<'n>, flow: Flow, trail: Trail) {
        let net = self.net;
        // Two interfaces of one subnet talk directly: no route table, no ACL (§2).
        let own = net
            .subnets
            .get(node.subnet())
            .map(|s| {
                s.cidrs
                    .iter()
                    .fold(IntervalSet::empty(), |a, c| a.union(&rules::cidr_set(c)))
            })
            .unwrap_or_default();
        let (same, flow) = flow.split_field(Field::Dst, &own);
        if !same.is_empty() {
            let t = trail.with(Hop::new(
                node.subnet(),
                "subnet",
                "forward",
                "same subnet: delivered directly (no route table, no network ACL)",
            ));
            self.deliver(node.vpc(), Cross::Subnet(node.subnet()), same, t);
        }
        if flow.is_empty() {
            return;
        }
        let Some(rtb) = net.route_table_of(node.subnet()) else {
            return self.unknown(
                flow,
                trail,
                node.subnet(),
                "no route table for this subnet (and no main table for its VPC) in the input",
            );
        };
        let routes = rules::expanded_routes(net, &rtb.routes);
        let mut rest = flow;
        for (could, r) in &routes.unknown {
            let (hit, miss) = rest.split_field(Field::Dst, could);
            rest = miss;
            let pl = r.dest.describe();
            let managed = net.prefix_lists.get(&pl).is_some_and(|p| p.aws_managed());
            self.unknown(
                hit,
                trail.clone(),
                &rtb.id,
                format!(
                    "route {pl} -> {}: the entries of {pl} are not in the input, so it may capture these packets{}",
                    r.target.id(),
                    if managed {
                        " (an AWS-managed list holds only public AWS ranges, never an address of the VPCs)"
                    } else {
                        ""
                    }
                ),
            );
        }
        self.follow_routes(node, &rtb.id, routes.known, rest, trail);
    }

    /// Follows routes (in deciding order) for the packets each one takes; what
    /// none takes is dropped (`NoRoute`).
    fn follow_routes(
        &mut self,
        node: Node<'n>,
        rtb: &str,
        routes: Vec<(ipnet::IpNet, &'n crate::model::Route)>,
        flow: Flow,
        trail: Trail,
    ) {
        let mut rest = flow;
        for (cidr, r) in routes {
            if rest.is_empty() {
                break;
            }
            let (hit, miss) = rest.split_field(Field::Dst, &rules::cidr_set(&cidr));
            rest = miss;
            if hit.is_empty() {
                continue;
            }
            let desc = format!("{} -> {}", r.dest.describe(), r.target.id());
            if r.state == RouteState::Blackhole {
                self.drop(
                    hit,
                    trail.with(Hop::new(
                        rtb,
                        "route-table",
                        "route",
                        format!("{desc} (blackhole)"),
                    )),
                    Cause::Blackhole {
                        rtb: rtb.to_string(),
                        route: desc,
                    },
                );
                continue;
            }
            let hop = Hop::new(rtb, "route-table", "route", desc);
            let hop = match &r.dest {
                RouteDest::PrefixList(_) => hop.with_entry(cidr.to_string()),
                RouteDest::Cidr(_) => hop,
            };
            let t = trail.with(hop);
            match &r.target {
                Target::Local => self.deliver(node.vpc(), Cross::Subnet(node.subnet()), hit, t),
                Target::InternetGateway(id) => self.via_igw(node, id, hit, t),
                Target::EgressOnlyInternetGateway(id) => self.via_eigw(node, id, hit, t),
                Target::VirtualPrivateGateway(id) => self.via_vgw(node, id, hit, t),
                Target::NatGateway(id) => self.via_nat(node, id, hit, t),
                Target::VpcPeering(id) => self.via_peering(node, id, hit, t),
                other => {
                    let what = match other {
                        Target::TransitGateway(_) => "transit gateways",
                        Target::NetworkInterface(_) | Target::Instance(_) => {
                            "appliance routes (network interface or instance targets)"
                        }
                        Target::VpcEndpoint(_) => "gateway VPC endpoints",
                        _ => "this route target",
                    };
                    self.unknown(
                        hit,
                        t,
                        other.id(),
                        format!("the model does not follow {what} yet"),
                    );
                }
            }
        }
        self.drop(
            rest,
            trail,
            Cause::NoRoute {
                rtb: rtb.to_string(),
                subnet: node.subnet().to_string(),
            },
        );
    }

    /// ACLs of the subnet boundary crossed: the sender's outbound (same VPC) then the receiver's inbound.
    fn cross(
        &mut self,
        from: Cross<'_>,
        to_subnet: &str,
        flow: Flow,
        trail: &mut Trail,
    ) -> Option<Flow> {
        match from {
            Cross::Subnet(s) if s == to_subnet => Some(flow),
            Cross::Subnet(s) => {
                let f = self.nacl(s, Side::Egress, flow, trail)?;
                self.nacl(to_subnet, Side::Ingress, f, trail)
            }
            Cross::Outside => self.nacl(to_subnet, Side::Ingress, flow, trail),
        }
    }

    /// Delivers inside a VPC to whichever interface holds the destination address.
    fn deliver(&mut self, vpc: &str, from: Cross<'_>, flow: Flow, trail: Trail) {
        let mut rest = flow;
        // Replies to a translated source (a Client VPN association, a Verified
        // Access endpoint's interfaces) go back to the node that translated it.
        if self.dir == Direction::Return {
            let net = self.net;
            let proxies = net
                .client_vpn_endpoints
                .values()
                .filter(|e| e.vpc == vpc)
                .flat_map(|e| e.associations.iter().map(move |a| Node::Cvpn(e, a)))
                .chain(
                    net.va_endpoints
                        .values()
                        .filter(|e| e.vpc == vpc)
                        .flat_map(|e| e.subnets.iter().map(move |s| Node::Va(e, s))),
                )
                .filter(|n| trail.ct.enis.contains(n.id()));
            for node in proxies {
                let Some(addrs) = node.reply_addresses(net) else {
                    continue;
                };
                let (hit, miss) = rest.split_field(Field::Dst, &addrs);
                rest = miss;
                self.deliver_to(node, from, hit, trail.clone());
            }
        }
        let dsts = rest.current(Field::Dst);
        // Each holder of destination addresses, with the addresses it holds.
        let holders: Vec<(Node<'n>, IntervalSet)> = match dsts.intervals() {
            [i] if i.lo == i.hi => {
                let ip = hs::addr_of(i.lo);
                self.node_by_private_ip(vpc, ip)
                    .map(|n| (n, point(ip)))
                    .into_iter()
                    .collect()
            }
            _ => {
                let nats = self
                    .net
                    .nat_gateways
                    .values()
                    .filter(|n| n.vpc == vpc)
                    .filter_map(|n| n.private_ip)
                    .filter(|a| dsts.contains(hs::addr(*a)))
                    .filter_map(|ip| self.node_by_private_ip(vpc, ip).map(|n| (n, point(ip))));
                self.net
                    .interfaces
                    .values()
                    .filter(|i| i.vpc == vpc)
                    .filter_map(|i| {
                        let held = rules::interface_addresses(i).intersect(&dsts);
                        if held.is_empty() {
                            return None;
                        }
                        self.node_of_eni(&i.id).map(|n| (n, held))
                    })
                    .chain(nats)
                    .collect()
            }
        };
        for (node, held) in holders {
            let (hit, miss) = rest.split_field(Field::Dst, &held);
            rest = miss;
            self.deliver_to(node, from, hit, trail.clone());
        }
        self.drop(
            rest,
            trail,
            Cause::NoInterface {
                vpc: vpc.to_string(),
            },
        );
    }

    fn deliver_to(&mut self, node: Node<'n>, from: Cross<'_>, flow: Flow, mut trail: Trail) {
        if flow.is_empty() {
            return;
        }
        let Some(flow) = self.cross(from, node.subnet(), flow, &mut trail) else {
            return;
        };
        match node {
            // A reply to a connection the NAT gateway translated (from
            // on-premises or a peer, to its private IP): translated back.
            Node::Nat(n) if self.dir == Direction::Return => {
                let Some(entry) = trail.ct.nat(&n.id) else {
                    return self.drop(
                        flow,
                        trail,
                        Cause::NotADestination {
                            component: n.id.clone(),
                        },
                    );
                };
                let mut flow = flow;
                flow.restore(Field::Dst, entry.1);
                flow.restore(Field::DstPort, entry.2);
                let t = trail.with(Hop::new(
                    &n.id,
                    "nat-gateway",
                    "translate",
                    "destination -> the connection's original source (reply)",
                ));
                self.at_node(node, flow, t);
            }
            Node::Nat(n) => self.drop(
                flow,
                trail,
                Cause::NotADestination {
                    component: n.id.clone(),
                },
            ),
            Node::Cvpn(..) | Node::Va(..) => {
                if self.dir == Direction::Forward {
                    return self.drop(
                        flow,
                        trail,
                        Cause::NotADestination {
                            component: node.id().to_string(),
                        },
                    );
                }
                let groups = node.groups().unwrap_or_default();
                let Some(flow) =
                    self.security_groups(node.id(), groups, Side::Ingress, flow, &mut trail)
                else {
                    return;
                };
                if let Some((kind, what)) = node.reply_hop() {
                    trail
                        .hops
                        .push(Hop::new(node.id(), kind, "translate", what));
                }
                self.leaf(
                    flow,
                    trail,
                    End::Arrived {
                        eni: node.id().to_string(),
                    },
                );
            }
            Node::Eni(i) => {
                if let Some(reason) = not_answering(self.net, i) {
                    return self.drop(
                        flow,
                        trail,
                        Cause::NotAnswering {
                            eni: i.id.clone(),
                            reason,
                        },
                    );
                }
                let flow = match node.groups() {
                    Some(groups) => {
                        let Some(f) =
                            self.security_groups(&i.id, groups, Side::Ingress, flow, &mut trail)
                        else {
                            return;
                        };
                        f
                    }
                    None => flow,
                };
                if let Some(what) = forwarder(i)
                    && self.dir == Direction::Forward
                {
                    return self.unknown(
                        flow,
                        trail,
                        &i.id,
                        format!(
                            "{} is {what}: it forwards to targets the input does not list (not modelled)",
                            i.id
                        ),
                    );
                }
                trail.hops.push(Hop::new(
                    &i.id,
                    "network-interface",
                    "deliver",
                    match &i.instance {
                        Some(inst) => format!("delivered to {inst}"),
                        None => "delivered".to_string(),
                    },
                ));
                self.leaf(flow, trail, End::Arrived { eni: i.id.clone() });
            }
        }
    }

    /// Out through an internet gateway: the private source becomes its public IP.
    fn via_igw(&mut self, node: Node<'n>, igw_id: &str, flow: Flow, mut trail: Trail) {
        if let Node::Va(e, _) = node {
            return self.unknown(
                flow,
                trail,
                &e.id,
                "Verified Access interfaces do not reach the internet through an internet gateway (not modelled)",
            );
        }
        let Some((igw, flow)) =
            self.attached_gateway(node, igw_id, "internet gateway", flow, &trail)
        else {
            return;
        };
        let Some(mut flow) = self.nacl(node.subnet(), Side::Egress, flow, &mut trail) else {
            return;
        };
        let pairs: Vec<(IpAddr, Option<IpAddr>)> = match node {
            Node::Eni(i) => i
                .private_ips
                .iter()
                .map(|p| (p.address, p.public))
                .chain(i.ipv6.iter().map(|a| (*a, Some(*a))))
                .collect(),
            Node::Nat(n) => n.private_ip.map(|p| (p, n.public_ip)).into_iter().collect(),
            // An association ENI in a public subnet has a public IP (seed 003).
            Node::Cvpn(_, a) => match a
                .interface
                .as_ref()
                .and_then(|e| self.net.interfaces.get(e))
            {
                Some(i) => i
                    .private_ips
                    .iter()
                    .map(|p| (p.address, p.public))
                    .collect(),
                None => {
                    self.assume(format!(
                        "the ENI of {} is not in the input: AWS gives an association ENI in a subnet routed to an internet gateway a public IP, and clients reach the internet from it (aws-semantics.md §6, seed 003)",
                        a.id
                    ));
                    let mut flow = flow;
                    if self.dir == Direction::Forward {
                        trail.ct.assigned = Some(a.id.clone());
                    }
                    flow.rewrite(Field::Src, Src::Const(point(ASSIGNED_PUBLIC)));
                    let t = trail.with(Hop::new(
                        &igw.id,
                        "internet-gateway",
                        "translate",
                        format!(
                            "source -> the public IP AWS assigned to the ENI of {}",
                            a.id
                        ),
                    ));
                    return self.on_internet(flow, t);
                }
            },
            Node::Va(..) => Vec::new(),
        };
        // Addresses of IPv6 delegated prefixes are internet addresses too.
        if let Node::Eni(i) = node {
            let v6 = i
                .prefixes
                .iter()
                .filter(|p| matches!(p, ipnet::IpNet::V6(_)))
                .fold(IntervalSet::empty(), |a, p| a.union(&rules::cidr_set(p)));
            let (hit, miss) = flow.split_field(Field::Src, &v6);
            flow = miss;
            if !hit.is_empty() {
                self.on_internet(
                    hit,
                    trail.with(Hop::new(
                        &igw.id,
                        "internet-gateway",
                        "forward",
                        "IPv6 delegated prefix, no translation",
                    )),
                );
            }
        }
        for (private, public) in pairs {
            let (hit, miss) = flow.split_field(Field::Src, &point(private));
            flow = miss;
            if hit.is_empty() {
                continue;
            }
            match public {
                Some(p) if p == private => self.on_internet(
                    hit,
                    trail.with(Hop::new(
                        &igw.id,
                        "internet-gateway",
                        "forward",
                        format!("{p} (IPv6, no translation)"),
                    )),
                ),
                Some(p) => {
                    let mut hit = hit;
                    hit.rewrite(Field::Src, Src::Const(point(p)));
                    let t = trail.with(Hop::new(
                        &igw.id,
                        "internet-gateway",
                        "translate",
                        format!("source {private} -> {p}"),
                    ));
                    self.on_internet(hit, t);
                }
                None => self.drop(
                    hit,
                    trail.clone(),
                    Cause::NoPublicIp {
                        eni: node.id().to_string(),
                        igw: igw.id.clone(),
                    },
                ),
            }
        }
        self.drop(
            flow,
            trail,
            Cause::NoPublicIp {
                eni: node.id().to_string(),
                igw: igw.id.clone(),
            },
        );
    }

    /// On the internet: to a public IP of the snapshot, or out of it.
    fn on_internet(&mut self, flow: Flow, trail: Trail) {
        let net = self.net;
        let mut rest = flow;
        // Allocated Elastic IPs associated with nothing forward nowhere (§5).
        let dsts = rest.current(Field::Dst);
        for (ip, alloc) in net
            .idle_addresses
            .iter()
            .filter(|(ip, _)| dsts.contains(hs::addr(**ip)))
        {
            let (hit, miss) = rest.split_field(Field::Dst, &point(*ip));
            rest = miss;
            self.drop(
                hit,
                trail.clone(),
                Cause::IdleAddress {
                    ip: *ip,
                    allocation: alloc.clone(),
                },
            );
        }
        // A reply to an association ENI's AWS-assigned public IP.
        if let Some(assoc) = trail.ct.assigned.clone() {
            let (hit, miss) = rest.split_field(Field::Dst, &point(ASSIGNED_PUBLIC));
            rest = miss;
            if !hit.is_empty() {
                self.assigned_entry(&assoc, hit, trail.clone());
            }
        }
        // IPv6 addresses of a VPC are its internet addresses (§5): in through its gateway.
        for vpc in net.vpcs.values() {
            let v6 = vpc
                .cidrs
                .iter()
                .filter(|c| matches!(c, ipnet::IpNet::V6(_)))
                .fold(IntervalSet::empty(), |a, c| a.union(&rules::cidr_set(c)));
            if v6.is_empty() {
                continue;
            }
            let (hit, miss) = rest.split_field(Field::Dst, &v6);
            rest = miss;
            if !hit.is_empty() {
                self.ipv6_entry(&vpc.id, hit, trail.clone());
            }
        }
        let dsts = rest.current(Field::Dst);
        let publics: Vec<IpAddr> = match dsts.intervals() {
            [i] if i.lo == i.hi => vec![hs::addr_of(i.lo)],
            _ => self
                .net
                .interfaces
                .values()
                .flat_map(|i| i.private_ips.iter().filter_map(|p| p.public))
                .chain(self.net.nat_gateways.values().filter_map(|n| n.public_ip))
                .filter(|a| dsts.contains(hs::addr(*a)))
                .collect(),
        };
        for ip in publics {
            let Some((node, private)) = self.node_by_public_ip(ip) else {
                continue;
            };
            let (hit, miss) = rest.split_field(Field::Dst, &point(ip));
            rest = miss;
            if !hit.is_empty() {
                self.internet_entry(node, ip, private, hit, trail.clone());
            }
        }
        let (private, outside) = rest.split_field(Field::Dst, &rules::special_addresses());
        self.drop(private, trail.clone(), Cause::PrivateOnInternet);
        if !outside.is_empty() && self.dir == Direction::Forward {
            self.assume(format!(
                "{} is outside the input: assumed to accept the connection and answer",
                outside.current(Field::Dst).summary(Field::Dst)
            ));
        }
        self.leaf(
            outside,
            trail.with(Hop::new(
                "internet",
                "internet",
                "deliver",
                "host outside the input",
            )),
            End::Internet,
        );
    }

    /// In through the internet gateway of the VPC owning a public IP.
    fn internet_entry(
        &mut self,
        node: Node<'n>,
        public: IpAddr,
        private: IpAddr,
        mut flow: Flow,
        trail: Trail,
    ) {
        let Some(igw) = self.net.igw_of_vpc(node.vpc()) else {
            return self.drop(
                flow,
                trail,
                Cause::NoInternetGateway {
                    vpc: node.vpc().to_string(),
                },
            );
        };
        flow.rewrite(Field::Dst, Src::Const(point(private)));
        let trail = trail.with(Hop::new(
            &igw.id,
            "internet-gateway",
            "translate",
            format!("destination {public} -> {private}"),
        ));
        for (flow, trail) in self.gateway_routes(&igw.id, node.vpc(), flow, trail) {
            self.entered(node, private, flow, trail);
        }
    }

    /// Inside the VPC, past the internet gateway, toward `node` (at `private`).
    fn entered(&mut self, node: Node<'n>, private: IpAddr, flow: Flow, mut trail: Trail) {
        match node {
            Node::Eni(_) | Node::Cvpn(..) | Node::Va(..) => {
                self.deliver_to(node, Cross::Outside, flow, trail)
            }
            Node::Nat(n) => {
                let Some(entry) = trail.ct.nat(&n.id) else {
                    let t = trail.with(Hop::new(
                        &n.id,
                        "nat-gateway",
                        "deny",
                        "no connection to translate back (inbound, unsolicited)",
                    ));
                    return self.drop(flow, t, Cause::NatNoUnsolicited { nat: n.id.clone() });
                };
                let Some(mut flow) = self.nacl(&n.subnet, Side::Ingress, flow, &mut trail) else {
                    return;
                };
                flow.restore(Field::Dst, entry.1);
                flow.restore(Field::DstPort, entry.2);
                let t = trail.with(Hop::new(
                    &n.id,
                    "nat-gateway",
                    "translate",
                    format!("destination {private} -> the connection's original source (reply)"),
                ));
                self.at_node(node, flow, t);
            }
        }
    }

    /// In through the internet gateway to an association ENI the input lacks,
    /// at the public IP AWS assigned it.
    fn assigned_entry(&mut self, assoc: &str, mut flow: Flow, trail: Trail) {
        let net = self.net;
        let Some((ep, a)) = net.client_vpn_endpoints.values().find_map(|e| {
            e.associations
                .iter()
                .find(|a| a.id == assoc)
                .map(|a| (e, a))
        }) else {
            return self.unknown(flow, trail, assoc, "the association is not in the input");
        };
        let Some(igw) = net.igw_of_vpc(&ep.vpc) else {
            return self.drop(
                flow,
                trail,
                Cause::NoInternetGateway {
                    vpc: ep.vpc.clone(),
                },
            );
        };
        let Some(addrs) = rules::association_addresses(net, a) else {
            return self.unknown(
                flow,
                trail,
                &a.subnet,
                "the association's subnet is not in the input",
            );
        };
        flow.rewrite(Field::Dst, Src::Const(addrs));
        let t = trail.with(Hop::new(
            &igw.id,
            "internet-gateway",
            "translate",
            format!(
                "destination (the public IP AWS assigned to the ENI of {}) -> its private address",
                a.id
            ),
        ));
        let node = Node::Cvpn(ep, a);
        for (flow, t) in self.gateway_routes(&igw.id, &ep.vpc, flow, t) {
            self.deliver_to(node, Cross::Outside, flow, t);
        }
    }

    /// In from the internet to an IPv6 address of `vpc` (untranslated): through
    /// its internet gateway, or for a reply, the egress-only gateway the
    /// request left through.
    fn ipv6_entry(&mut self, vpc: &str, flow: Flow, trail: Trail) {
        let net = self.net;
        let eigw = trail
            .ct
            .eigws
            .iter()
            .find(|(_, v)| v == vpc)
            .map(|(g, _)| g.clone());
        let (gateway, trail) = match (eigw, net.igw_of_vpc(vpc)) {
            (Some(g), _) if self.dir == Direction::Return => {
                let t = trail.with(Hop::new(
                    &g,
                    "egress-only-internet-gateway",
                    "forward",
                    "reply of a connection that left through it",
                ));
                (None, t)
            }
            (_, Some(igw)) => {
                let t = trail.with(Hop::new(
                    &igw.id,
                    "internet-gateway",
                    "forward",
                    "IPv6, no translation",
                ));
                (Some(igw.id.clone()), t)
            }
            (_, None) => {
                let cause = match net
                    .internet_gateways
                    .values()
                    .find(|g| g.egress_only && g.vpcs.iter().any(|v| v == vpc))
                {
                    Some(g) => Cause::EgressOnlyInbound {
                        eigw: g.id.clone(),
                        vpc: vpc.to_string(),
                    },
                    None => Cause::NoInternetGateway {
                        vpc: vpc.to_string(),
                    },
                };
                return self.drop(flow, trail, cause);
            }
        };
        let onward = match gateway {
            Some(g) => self.gateway_routes(&g, vpc, flow, trail),
            None => vec![(flow, trail)],
        };
        for (flow, trail) in onward {
            self.deliver(vpc, Cross::Outside, flow, trail);
        }
    }

    /// Ingress routing: the route table associated with gateway `gw` routes
    /// what enters `vpc` through it (§2). Returns what goes on to the
    /// destination subnet (a `local` route, or no such table).
    fn gateway_routes(
        &mut self,
        gw: &str,
        vpc: &str,
        flow: Flow,
        trail: Trail,
    ) -> Vec<(Flow, Trail)> {
        let net = self.net;
        let Some(rtb) = net
            .route_tables
            .values()
            .find(|t| t.vpc == vpc && t.gateways.iter().any(|g| g == gw))
        else {
            return vec![(flow, trail)];
        };
        let routes = rules::expanded_routes(net, &rtb.routes);
        let mut rest = flow;
        for (could, r) in &routes.unknown {
            let (hit, miss) = rest.split_field(Field::Dst, could);
            rest = miss;
            self.unknown(
                hit,
                trail.clone(),
                &rtb.id,
                format!(
                    "gateway route {} -> {}: its entries are not in the input",
                    r.dest.describe(),
                    r.target.id()
                ),
            );
        }
        let mut local = Vec::new();
        for (cidr, r) in routes.known {
            if rest.is_empty() {
                break;
            }
            let (hit, miss) = rest.split_field(Field::Dst, &rules::cidr_set(&cidr));
            rest = miss;
            if hit.is_empty() {
                continue;
            }
            let desc = format!("{} -> {}", r.dest.describe(), r.target.id());
            let t = trail.with(Hop::new(
                &rtb.id,
                "route-table",
                "route",
                format!("{desc} (gateway route table of {gw})"),
            ));
            if r.state == RouteState::Blackhole {
                self.drop(
                    hit,
                    t,
                    Cause::Blackhole {
                        rtb: rtb.id.clone(),
                        route: desc,
                    },
                );
                continue;
            }
            match &r.target {
                Target::Local => local.push((hit, t)),
                Target::NetworkInterface(id) | Target::Instance(id) => {
                    self.appliance(vpc, id, hit, t)
                }
                other => self.unknown(
                    hit,
                    t,
                    other.id(),
                    "ingress routing to this target (gateway load balancer endpoint or other middlebox) is not modelled",
                ),
            }
        }
        self.drop(
            rest,
            trail,
            Cause::NoRoute {
                rtb: rtb.id.clone(),
                subnet: gw.to_string(),
            },
        );
        local
    }

    /// Ingress routing to a middlebox: delivered to it, then its own software
    /// decides what it forwards, which the input does not say.
    fn appliance(&mut self, vpc: &str, id: &str, flow: Flow, trail: Trail) {
        let net = self.net;
        let eni = if id.starts_with("i-") {
            // An instance target is its primary interface (§5b).
            net.instance_interfaces(id).first().copied()
        } else {
            net.interfaces.get(id)
        };
        let Some(eni) = eni.filter(|e| e.vpc == vpc) else {
            return self.unknown(flow, trail, id, "the appliance is not in the input");
        };
        let mut trail = trail;
        let Some(flow) = self.nacl(&eni.subnet, Side::Ingress, flow, &mut trail) else {
            return;
        };
        let flow = match Node::Eni(eni).groups() {
            Some(g) => match self.security_groups(&eni.id, g, Side::Ingress, flow, &mut trail) {
                Some(f) => f,
                None => return,
            },
            None => flow,
        };
        self.unknown(
            flow,
            trail,
            &eni.id,
            format!(
                "the appliance {} receives the traffic (ingress routing); what its software forwards is not in the input",
                eni.id
            ),
        );
    }

    /// An internet gateway (`what`) of the input attached to the node's VPC;
    /// else the packets are unknown (not in the input) or dropped (not attached).
    fn attached_gateway(
        &mut self,
        node: Node<'n>,
        id: &str,
        what: &str,
        flow: Flow,
        trail: &Trail,
    ) -> Option<(&'n crate::model::InternetGateway, Flow)> {
        let Some(g) = self.net.internet_gateways.get(id) else {
            self.unknown(
                flow,
                trail.clone(),
                id,
                format!("the {what} is not in the input"),
            );
            return None;
        };
        if !g.vpcs.iter().any(|v| v == node.vpc()) {
            self.drop(
                flow,
                trail.clone(),
                Cause::GatewayNotAttached {
                    gateway: g.id.clone(),
                    vpc: node.vpc().to_string(),
                },
            );
            return None;
        }
        Some((g, flow))
    }

    /// Out through an egress-only internet gateway: IPv6 only, untranslated.
    fn via_eigw(&mut self, node: Node<'n>, id: &str, flow: Flow, mut trail: Trail) {
        let Some((g, flow)) =
            self.attached_gateway(node, id, "egress-only internet gateway", flow, &trail)
        else {
            return;
        };
        let (v6, v4) = flow.split_field(Field::Dst, &hs::all_v6());
        self.drop(
            v4,
            trail.clone(),
            Cause::EgressOnlyIpv4 { eigw: g.id.clone() },
        );
        let Some(flow) = self.nacl(node.subnet(), Side::Egress, v6, &mut trail) else {
            return;
        };
        if self.dir == Direction::Forward {
            trail.ct.eigws.push((g.id.clone(), node.vpc().to_string()));
        }
        let t = trail.with(Hop::new(
            &g.id,
            "egress-only-internet-gateway",
            "forward",
            "IPv6, outbound, no translation",
        ));
        self.on_internet(flow, t);
    }

    /// Out through a virtual private gateway: on-premises, outside the input.
    fn via_vgw(&mut self, node: Node<'n>, id: &str, flow: Flow, mut trail: Trail) {
        let Some(flow) = self.nacl(node.subnet(), Side::Egress, flow, &mut trail) else {
            return;
        };
        let t = trail.with(Hop::new(
            id,
            "virtual-private-gateway",
            "forward",
            "to the on-premises network (Site-to-Site VPN or Direct Connect)",
        ));
        if self.dir == Direction::Return {
            // No connection comes from on-premises: a reply routed here
            // leaves for on-premises, not back to its requester.
            return self.drop(
                flow,
                t,
                Cause::ReturnElsewhere {
                    reached: format!("the on-premises network through {id}"),
                },
            );
        }
        let mut t = t;
        t.ct.onprem = Some((id.to_string(), node.vpc().to_string()));
        self.assume(format!(
            "{} is on-premises behind {id}, outside the input: assumed to accept the connection and to route the reply back through {id}, which is assumed attached to {} (virtual private gateways are not read)",
            flow.current(Field::Dst).summary(Field::Dst),
            node.vpc()
        ));
        self.leaf(
            flow,
            t.with(Hop::new(
                "on-premises",
                "on-premises",
                "deliver",
                "host outside the input",
            )),
            End::Internet,
        );
    }

    /// A reply from on-premises, in through the virtual private gateway.
    fn reply_from_vgw(&mut self, vgw: &str, vpc: &str, flow: Flow, trail: Trail) {
        let t = trail.with(Hop::new(
            vgw,
            "virtual-private-gateway",
            "forward",
            "reply from the on-premises network",
        ));
        for (flow, t) in self.gateway_routes(vgw, vpc, flow, t) {
            self.deliver(vpc, Cross::Outside, flow, t);
        }
    }

    /// AWS-provided services an instance reaches without leaving the host
    /// (§5b): they answer on their ports, unfiltered. Returns the rest.
    fn aws_services(&mut self, i: &'n Interface, flow: Flow, trail: &Trail) -> Option<Flow> {
        let mut rest = flow;
        for svc in rules::aws_services(self.net, &i.vpc) {
            let (hit, miss) = rest.split_field(Field::Dst, &point(svc.addr));
            rest = miss;
            if hit.is_empty() {
                continue;
            }
            let (served, other) = hit.split(&svc.serves);
            if !served.is_empty() {
                let mut t = trail.with(Hop::new(
                    svc.name,
                    "aws-service",
                    "deliver",
                    format!(
                        "{} at {}: answered by AWS on the host, not filtered by security groups, network ACLs or routes",
                        svc.name, svc.addr
                    ),
                ));
                t.ct.service = Some(format!("{} ({})", svc.name, svc.addr));
                self.leaf(served, t, End::Internet);
            }
            if !other.is_empty() {
                if matches!(self.net_protocol(&other), Some(6) | Some(17)) {
                    self.drop(
                        other,
                        trail.clone(),
                        Cause::ServicePort {
                            service: svc.name.to_string(),
                            addr: svc.addr,
                            serves: svc.describe.to_string(),
                        },
                    );
                } else {
                    self.unknown(
                        other,
                        trail.clone(),
                        svc.name,
                        format!(
                            "{} at {} is documented for {} only; other protocols are not",
                            svc.name, svc.addr, svc.describe
                        ),
                    );
                }
            }
        }
        (!rest.is_empty()).then_some(rest)
    }

    /// The single protocol of a flow, if it has one.
    fn net_protocol(&self, flow: &Flow) -> Option<u8> {
        match flow.current(Field::Proto).intervals() {
            [i] if i.lo == i.hi => u8::try_from(i.lo).ok(),
            _ => None,
        }
    }

    /// Into a NAT gateway: the source becomes its private IP and a port it picks.
    fn via_nat(&mut self, node: Node<'n>, nat_id: &str, flow: Flow, mut trail: Trail) {
        let Some(nat) = self.net.nat_gateways.get(nat_id) else {
            return self.unknown(flow, trail, nat_id, "the NAT gateway is not in the input");
        };
        if self.dir == Direction::Return {
            return self.drop(
                flow,
                trail,
                Cause::NatAsymmetric {
                    nat: nat.id.clone(),
                },
            );
        }
        if nat.state != "available" {
            return self.drop(
                flow,
                trail,
                Cause::NatUnavailable {
                    nat: nat.id.clone(),
                    state: nat.state.clone(),
                },
            );
        }
        let Some(private) = nat.private_ip else {
            return self.unknown(
                flow,
                trail,
                nat_id,
                "the NAT gateway's private IP is not in the input",
            );
        };
        let Some(mut flow) =
            self.cross(Cross::Subnet(node.subnet()), &nat.subnet, flow, &mut trail)
        else {
            return;
        };
        trail.ct.nats.push((
            nat.id.clone(),
            flow.source(Field::Src),
            flow.source(Field::SrcPort),
        ));
        translate_source(&mut flow, point(private));
        let t = trail.with(Hop::new(
            &nat.id,
            "nat-gateway",
            "translate",
            format!(
                "source -> {private}, source port {}-{}",
                NAT_PORTS.0, NAT_PORTS.1
            ),
        ));
        self.at_node(Node::Nat(nat), flow, t);
    }

    /// Across a VPC peering connection into the peer VPC.
    fn via_peering(&mut self, node: Node<'n>, pcx_id: &str, flow: Flow, mut trail: Trail) {
        let net = self.net;
        let Some(pcx) = net.peerings.get(pcx_id) else {
            return self.unknown(
                flow,
                trail,
                pcx_id,
                "the peering connection is not in the input",
            );
        };
        if pcx.status != "active" {
            return self.drop(
                flow,
                trail,
                Cause::PeeringInactive {
                    pcx: pcx.id.clone(),
                    status: pcx.status.clone(),
                },
            );
        }
        let Some(other) = pcx.other_side(node.vpc()) else {
            return self.drop(
                flow,
                trail,
                Cause::PeeringNotAttached {
                    pcx: pcx.id.clone(),
                    vpc: node.vpc().to_string(),
                },
            );
        };
        let Some(vpc) = net.vpcs.get(other) else {
            return self.unknown(flow, trail, other, "the peer VPC is not in the input");
        };
        let Some(flow) = self.nacl(node.subnet(), Side::Egress, flow, &mut trail) else {
            return;
        };
        let inside = vpc
            .cidrs
            .iter()
            .fold(IntervalSet::empty(), |a, c| a.union(&rules::cidr_set(c)));
        let (hit, miss) = flow.split_field(Field::Dst, &inside);
        self.drop(
            miss,
            trail.clone(),
            Cause::PeeringNoTransit {
                pcx: pcx.id.clone(),
                vpc: vpc.id.clone(),
            },
        );
        let t = trail.with(Hop::new(
            &pcx.id,
            "vpc-peering",
            "forward",
            format!("{} -> {}", node.vpc(), vpc.id),
        ));
        self.deliver(&vpc.id, Cross::Outside, hit, t);
    }
}

/// Why an interface answers nothing, if it does not: not `in-use`, or its
/// instance not `running` (aws-semantics.md §5b).
fn not_answering(net: &Network, i: &Interface) -> Option<String> {
    if !i.in_use() {
        return Some(format!(
            "{} is `{}`, not `in-use`: nothing answers there",
            i.id, i.status
        ));
    }
    let inst = i.instance.as_ref().and_then(|id| net.instances.get(id))?;
    (!inst.running()).then(|| {
        format!(
            "{} is `{}`: a stopped, stopping, pending or terminated instance answers nothing",
            inst.id,
            inst.state.as_deref().unwrap_or("unknown")
        )
    })
}

/// What a forwarding AWS service interface is (load balancers, gateways):
/// past its groups it hands packets to targets the input does not list.
fn forwarder(i: &Interface) -> Option<&'static str> {
    match i.kind.as_str() {
        "network_load_balancer" => Some("a Network Load Balancer interface"),
        "gateway_load_balancer" => Some("a Gateway Load Balancer interface"),
        "gateway_load_balancer_endpoint" => Some("a Gateway Load Balancer endpoint"),
        "transit_gateway" => Some("a transit gateway attachment interface"),
        "interface"
            if i.description
                .as_deref()
                .is_some_and(|d| d.starts_with("ELB app/")) =>
        {
            Some("an Application Load Balancer interface")
        }
        _ => None,
    }
}
