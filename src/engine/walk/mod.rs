//! The walk: one function per place a packet can be, each emitting hops and
//! leaves. The same functions serve the forward and the return walk; the
//! return walk differs only in connection state (stateful SGs, NAT).
//!
//! Here: the walk itself, the nodes (interfaces, NAT gateways, Client VPN
//! associations, Verified Access interfaces) and leaving one. Routes in
//! `route.rs`, security groups and network ACLs in `filters.rs`, delivery
//! inside a VPC in `deliver.rs`, gateways in `gateways.rs`, the internet in
//! `internet.rs`, a `client` query's entry nodes in `entry.rs`. The walk
//! knows no user, authorization or policy: `access` decided those before.

mod deliver;
mod entry;
mod filters;
mod gateways;
mod internet;
mod route;
mod transit;

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::hs::{self, Field, Interval, IntervalSet, Origin as Src};
use crate::model::node::{Cross, Node};
use crate::model::{ClientVpnAssociation, ClientVpnEndpoint, Interface, Network, VaEndpoint};

use super::analysis::{Cause, Conntrack, Direction, End, Hop, Leaf};
use super::flow::Flow;
use super::query::{Query, Start};
use super::rules::{self, Side};

pub(super) use crate::model::aws::ASSIGNED_PUBLIC;
pub(super) use crate::model::aws::NAT_PORTS;
/// A walk longer than this is a routing loop.
const MAX_HOPS: usize = 64;

/// What the walk needs of a node beyond where it is.
impl<'n> Node<'n> {
    /// The security groups the node's traffic carries (a NAT gateway has none).
    fn groups(&self) -> Option<&'n [String]> {
        match self {
            Node::Eni(i) if i.groupless() => None,
            Node::Eni(i) => Some(&i.groups),
            Node::Nat(_) | Node::Tgw(..) => None,
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
            Node::Eni(_) | Node::Nat(_) | Node::Tgw(..) => None,
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
            Node::Eni(_) | Node::Nat(_) | Node::Tgw(..) => None,
        }
    }
}

/// One walk, in one direction: the leaves it reaches, and the assumptions
/// it makes on the way (into the query's set).
struct Walk<'n, 'a> {
    net: &'n Network,
    dir: Direction,
    leaves: Vec<Leaf>,
    assumptions: &'a mut BTreeSet<String>,
    /// Replies of a query walked from every public address
    /// ([`Query::from_every_public_address`]): the internet never hands them
    /// back into the input (only the packets of the input's own addresses
    /// would be, and the caller leaves those out).
    replies_leave: bool,
    /// A forward walk from a class of interfaces asked together: the
    /// interface it starts at, and the other members (their packets leave
    /// through the same subnet, each from its own address).
    class: Option<(&'n str, Vec<&'n crate::model::Interface>)>,
    /// The interface the query names as its destination (`Query::dst_eni`):
    /// a forward walk reaches it only by delivery to it, so packets that
    /// leave the input (on-premises, the internet) are undecided, not
    /// delivered ([`Walk::leaving_input`]).
    target: Option<String>,
    /// Forward packets reaching the internet toward these addresses are
    /// dropped there (`Query::closed_outside`).
    closed_outside: Option<IntervalSet>,
    /// Forward packets passing this subnet's outbound network ACL stop
    /// there, undecided (`Query::stop_leaving`).
    stop_leaving: Option<String>,
    /// Tag security-group hops with the sources they are of
    /// (`Query::trace_sources`, a walk from several interfaces).
    trace_sources: bool,
}

/// The path so far.
#[derive(Clone, Default)]
struct Trail {
    hops: Hops,
    ct: Conntrack,
}

/// The hops of a path so far, as a list shared with the paths it branched
/// from: a walk clones its trail at every branch (each route, rule and
/// destination), and cloning this is one counter, not every hop's strings.
/// A leaf turns it into a `Vec`.
#[derive(Clone, Default)]
struct Hops {
    last: Option<std::rc::Rc<HopLink>>,
    len: usize,
}

struct HopLink {
    hop: Hop,
    prev: Option<std::rc::Rc<HopLink>>,
}

impl Hops {
    fn from_vec(hops: Vec<Hop>) -> Hops {
        let mut out = Hops::default();
        out.extend(hops);
        out
    }

    fn push(&mut self, hop: Hop) {
        let prev = self.last.take();
        self.last = Some(std::rc::Rc::new(HopLink { hop, prev }));
        self.len += 1;
    }

    fn extend(&mut self, hops: impl IntoIterator<Item = Hop>) {
        for h in hops {
            self.push(h);
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The hops, first to last.
    fn to_vec(&self) -> Vec<Hop> {
        let mut out = Vec::with_capacity(self.len);
        let mut at = self.last.as_deref();
        while let Some(link) = at {
            out.push(link.hop.clone());
            at = link.prev.as_deref();
        }
        out.reverse();
        out
    }
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
    let mut w = Walk::forward_for(net, q, assumptions);
    if let Start::Interface { eni, also, .. } = &q.start
        && !also.is_empty()
        && let Some((first, _)) = net.interfaces.get_key_value(eni)
    {
        let members = also
            .iter()
            .filter_map(|(e, _)| net.interfaces.get(e))
            .collect();
        w.class = Some((first.as_str(), members));
    }
    w.start(q, flow);
    w.leaves
}

/// From a Client VPN association: the client's packets, already authorized and
/// routed to this association, are source-NATed by its ENI and enter the VPC.
pub(super) fn from_association(
    net: &Network,
    q: &Query,
    ep: &ClientVpnEndpoint,
    assoc: &ClientVpnAssociation,
    flow: Flow,
    hops: Vec<Hop>,
    assumptions: &mut BTreeSet<String>,
) -> Vec<Leaf> {
    let mut w = Walk::forward_for(net, q, assumptions);
    w.association_entry(ep, assoc, flow, hops);
    w.leaves
}

/// From a Verified Access endpoint: the user's connection, already allowed
/// by the policies, leaves the endpoint's network interfaces in `subnet`
/// (some address of it; AWS does not list them) carrying the endpoint's
/// security groups, from a port the endpoint picks.
pub(super) fn from_va(
    net: &Network,
    q: &Query,
    ep: &VaEndpoint,
    subnet: &str,
    flow: Flow,
    hops: Vec<Hop>,
    assumptions: &mut BTreeSet<String>,
) -> Vec<Leaf> {
    let mut w = Walk::forward_for(net, q, assumptions);
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
    w.replies_leave = q.superset_sources;
    w.trace_sources = q.trace_sources && many_sources(q);
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
            replies_leave: false,
            class: None,
            target: None,
            closed_outside: None,
            stop_leaving: None,
            trace_sources: false,
        }
    }

    /// A forward walk of query `q`: toward its named interface, stopped at
    /// the internet when it is closed from there.
    fn forward_for(net: &'n Network, q: &Query, assumptions: &'a mut BTreeSet<String>) -> Self {
        let mut w = Walk::new(net, Direction::Forward, assumptions);
        w.target = q.dst_eni.clone();
        w.closed_outside = q.closed_outside.clone();
        if q.stop_leaving
            && let Start::Interface { eni, .. } = &q.start
        {
            w.stop_leaving = net.interfaces.get(eni).map(|i| i.subnet.clone());
        }
        w.trace_sources = q.trace_sources && many_sources(q);
        w
    }

    fn assume(&mut self, text: String) {
        self.assumptions.insert(text);
    }

    /// From the query's source.
    fn start(&mut self, q: &Query, flow: Flow) {
        let mut trail = Trail::default();
        if let Start::Interface { also, .. } = &q.start {
            // A class asked together: each member tracks its own connections,
            // which are the ones whose replies come to its address.
            trail.ct.enis.extend(also.iter().map(|(e, _)| e.clone()));
        }
        match &q.start {
            Start::Interface { eni, .. } => match self.node_of_eni(eni) {
                Some(node) => {
                    if let Node::Eni(i) = node {
                        if let Some(cause) = not_answering(self.net, i) {
                            return self.drop(flow, trail, cause);
                        }
                        let Some(flow) = self.aws_services(i, flow, &trail) else {
                            return;
                        };
                        if let Some(members) = class_groups(self.net, i, q) {
                            let mut trail = trail;
                            let Some(flow) =
                                self.class_security_groups(&i.id, &members, flow, &mut trail)
                            else {
                                return;
                            };
                            return self.route(node, flow, trail);
                        }
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
            hops: Hops::default(),
            ct: arrived.state.clone(),
        };
        if let (Some(service), Start::Interface { eni, ip, also }) =
            (&arrived.state.service, &q.start)
        {
            // The service answers the instance directly: no filter on the way
            // back. A class of sources: each member gets the replies to its address.
            let mut rest = flow;
            for (eni, ip) in std::iter::once((eni, ip)).chain(also.iter().map(|(e, a)| (e, a))) {
                let (mine, other) = rest.split_field(Field::Dst, &point(*ip));
                rest = other;
                if mine.is_empty() {
                    continue;
                }
                let t = trail.with(Hop::new(
                    eni,
                    "network-interface",
                    "deliver",
                    format!("reply from {service}, delivered directly (not filtered by security groups or network ACLs)"),
                ));
                self.leaf(mine, t, End::Arrived { eni: eni.clone() });
            }
            return;
        }
        if let (End::Internet, Some((vgw, vpc))) = (&arrived.end, arrived.state.onprem.clone()) {
            return self.reply_from_vgw(&vgw, &vpc, flow, trail);
        }
        if let (End::Internet, Some(att)) = (&arrived.end, arrived.state.tgw_onprem.clone()) {
            return self.reply_from_tgw_attachment(&att, flow, trail);
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
            hops: trail.hops.to_vec(),
            end,
            flow,
            state: trail.ct,
        });
    }

    /// Packets of a forward walk leaving the input for `place` (on-premises
    /// through `component`, the internet): when the query names the
    /// interface it asks about, whether that network delivers them to it is
    /// outside the input, so they are undecided (`None` returned); else the
    /// flow, for the caller to deliver to a host outside the input.
    fn leaving_input(
        &mut self,
        flow: Flow,
        trail: &Trail,
        component: &str,
        place: &str,
    ) -> Option<Flow> {
        match (&self.target, self.dir) {
            (Some(eni), Direction::Forward) => {
                let reason = format!(
                    "{} leaves the input for {place}: whether that network delivers it to {eni} is outside the input",
                    flow.current(Field::Dst).summary(Field::Dst)
                );
                self.unknown(flow, trail.clone(), component, reason);
                None
            }
            _ => Some(flow),
        }
    }

    fn drop(&mut self, flow: Flow, trail: Trail, cause: Cause) {
        self.leaf(flow, trail, End::Dropped(cause));
    }

    /// The packets of `flow` stop here, undecided: `component` cannot tell
    /// what happens to them, for `reason`. Invariant (`diff`'s traces read
    /// it): an unknown whose component is the interface the packets are
    /// delivered to, on the way there, has a reason worded from that
    /// interface alone (it forwards them, it is an appliance, it lists no
    /// group), never from the packets or their sources.
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
        if let Some(n) = self.net.nat_by_public_ip(ip) {
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
}

/// Whether `q` walks from several interfaces at once.
fn many_sources(q: &Query) -> bool {
    matches!(&q.start, Start::Interface { also, .. } if !also.is_empty())
}

/// A class of sources asked together whose members carry different security
/// groups (`who`'s and `diff`'s walks from a whole subnet): each member's
/// addresses with its groups (and whether it is of a group-less kind);
/// `None` when every member carries the first's groups (the usual walk).
fn class_groups<'n>(
    net: &'n Network,
    first: &'n Interface,
    q: &Query,
) -> Option<Vec<(IntervalSet, Vec<String>, bool)>> {
    let Start::Interface { ip, also, .. } = &q.start else {
        return None;
    };
    // Group sets compared as sorted IDs borrowed from the input; owned
    // once per distinct set.
    let sorted = |i: &'n Interface| {
        let mut g: Vec<&'n str> = i.groups.iter().map(String::as_str).collect();
        g.sort_unstable();
        g
    };
    let own = sorted(first);
    let mut out: Vec<(IntervalSet, Vec<&'n str>, bool)> =
        vec![(point(*ip), own.clone(), first.groupless())];
    let mut differ = false;
    for (e, a) in also {
        let i = net.interfaces.get(e)?;
        let g = sorted(i);
        differ |= g != own;
        match out
            .iter_mut()
            .find(|(_, x, l)| *x == g && *l == i.groupless())
        {
            Some((addrs, ..)) => *addrs = addrs.union(&point(*a)),
            None => out.push((point(*a), g, i.groupless())),
        }
    }
    differ.then(|| {
        out.into_iter()
            .map(|(a, g, l)| (a, g.into_iter().map(str::to_string).collect(), l))
            .collect()
    })
}

/// Why an interface answers nothing, if it does not: not `in-use`, or its
/// instance not `running` (aws-semantics.md §5b).
fn not_answering(net: &Network, i: &Interface) -> Option<Cause> {
    let reason = if !i.in_use() {
        format!(
            "{} is `{}`, not `in-use`: nothing answers there",
            i.id, i.status
        )
    } else {
        let inst = i.instance.as_ref().and_then(|id| net.instances.get(id))?;
        if inst.running() {
            return None;
        }
        format!(
            "{} is `{}`: a stopped, stopping, pending or terminated instance answers nothing",
            inst.id,
            inst.state.as_deref().unwrap_or("unknown")
        )
    };
    Some(Cause::NotAnswering {
        eni: i.id.clone(),
        reason,
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
