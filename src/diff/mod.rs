//! `reach diff`: the flows that became reachable and those that stopped
//! between two networks, for every source class (the internet, every access
//! group, every interface) and every destination interface, exactly, each
//! with the changes that caused it.
//!
//! Consumes `who` answers (the engine's, as data) and compares them per
//! destination. Destinations no change can touch are skipped (see
//! [`affected_vpcs`]). Must not know output or file formats.

mod answer;
mod bulk;
mod changes;
mod compare;
mod reached;
mod resources;
mod trace;

pub use answer::{Because, Diff, Direction, FlowChange, Presence};
pub use changes::{Change, Detail, Kind};
pub use resources::changes;

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{self, EngineError};
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{Network, Protocol};
use crate::who::From;

use compare::Sides;
use rayon::prelude::*;
use reached::{Reached, Services, proto_number, reached};

/// VPCs whose destinations a change can touch: the VPCs of the changes and
/// every VPC connected to one, by peering, a transit gateway (or two that
/// peer), or both on the internet (an internet gateway, or an egress-only
/// one for what they send); every VPC when a change belongs to none (a
/// prefix list, an Elastic IP) or one of those VPCs routes outside the
/// input ([`routing_outside`]).
pub fn affected_vpcs(before: &Network, after: &Network, changes: &[Change]) -> BTreeSet<String> {
    let all: BTreeSet<String> = before
        .vpcs
        .keys()
        .chain(after.vpcs.keys())
        .chain(before.interfaces.values().map(|i| &i.vpc))
        .chain(after.interfaces.values().map(|i| &i.vpc))
        .cloned()
        .collect();
    if changes.iter().any(|c| c.vpc.is_none()) {
        return all;
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut link = |a: &str, b: &str| {
        edges.entry(a.into()).or_default().insert(b.into());
        edges.entry(b.into()).or_default().insert(a.into());
    };
    for net in [before, after] {
        for p in net.peerings.values() {
            link(&p.requester_vpc, &p.accepter_vpc);
        }
        // On the internet: VPCs with an internet gateway, and those that
        // send IPv6 through an egress-only one.
        let mut online: Vec<&String> = net
            .internet_gateways
            .values()
            .flat_map(|g| &g.vpcs)
            .collect();
        online.extend(
            net.route_tables
                .values()
                .filter(|t| {
                    t.routes.iter().any(|r| {
                        matches!(r.target, crate::model::Target::EgressOnlyInternetGateway(_))
                    })
                })
                .map(|t| &t.vpc),
        );
        online.sort();
        online.dedup();
        for w in online.windows(2) {
            link(w[0], w[1]);
        }
        // VPCs attached to one transit gateway, or to two that peer.
        let mut on_tgw: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for a in net.tgw_attachments.values() {
            if let Some(v) = a
                .vpc
                .as_ref()
                .map(|v| v.vpc.as_str())
                .or(a.resource_id.as_deref())
                && a.resource_type == crate::model::TgwResourceType::Vpc
            {
                on_tgw.entry(a.tgw.as_str()).or_default().push(v);
            }
        }
        for a in net.tgw_attachments.values() {
            if let Some(other) = a.peering.as_ref().and_then(|p| p.other_side(&a.tgw)) {
                let theirs = on_tgw.get(other.tgw.as_str()).cloned().unwrap_or_default();
                on_tgw.entry(a.tgw.as_str()).or_default().extend(theirs);
            }
        }
        for vpcs in on_tgw.values() {
            for w in vpcs.windows(2) {
                link(w[0], w[1]);
            }
        }
    }
    let mut out: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = changes.iter().filter_map(|c| c.vpc.clone()).collect();
    while let Some(v) = todo.pop() {
        if !out.insert(v.clone()) {
            continue;
        }
        if let Some(n) = edges.get(&v) {
            todo.extend(n.iter().filter(|x| !out.contains(*x)).cloned());
        }
    }
    // A VPC that routes somewhere outside the input (on-premises, a
    // target the input lacks) sends packets that a host outside the input
    // may take at any address, or that become unknown on the way: any
    // destination asked at an address (a public IP, an IPv6 address) may
    // see them (differential seed 0x2026120f: a route to a virtual private
    // gateway reached another VPC's public IP "on-premises").
    let outside: BTreeSet<&str> = routing_outside(before)
        .into_iter()
        .chain(routing_outside(after))
        .collect();
    if out.iter().any(|v| outside.contains(v.as_str())) {
        return all;
    }
    out
}

/// The VPCs with a route table that sends packets outside the input: to a
/// virtual private gateway, a VPC endpoint or a target the model does not
/// walk, to a gateway, interface or connection the input lacks, or to a
/// transit gateway the input lacks or that has attachments other than VPCs
/// (or routes to one the input lacks, or does not list its routes). One
/// pass over the tables; each transit gateway judged once.
fn routing_outside(net: &Network) -> BTreeSet<&str> {
    use crate::model::{Target, TgwResourceType};
    let tgw_outside = |id: &str| {
        !net.transit_gateways.contains_key(id)
            || net
                .tgw_attachments
                .values()
                .any(|a| a.tgw == id && a.resource_type != TgwResourceType::Vpc)
            || net
                .tgw_route_tables
                .values()
                .filter(|t| t.tgw == id)
                .any(|t| match &t.routes {
                    None => true,
                    Some(_) if t.routes_truncated => true,
                    Some(routes) => routes
                        .iter()
                        .flat_map(|r| &r.targets)
                        .any(|t| !net.tgw_attachments.contains_key(&t.attachment)),
                })
    };
    let mut tgws: BTreeMap<&str, bool> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for t in net.route_tables.values() {
        if out.contains(t.vpc.as_str()) {
            continue;
        }
        let leaves = t.routes.iter().any(|r| match &r.target {
            Target::Local | Target::EgressOnlyInternetGateway(_) => false,
            Target::InternetGateway(id) => !net.internet_gateways.contains_key(id),
            Target::NatGateway(id) => !net.nat_gateways.contains_key(id),
            Target::VpcPeering(id) => !net.peerings.contains_key(id),
            Target::TransitGateway(id) => *tgws.entry(id).or_insert_with(|| tgw_outside(id)),
            Target::NetworkInterface(id) => !net.interfaces.contains_key(id),
            Target::Instance(id) => net.instance_interfaces(id).is_empty(),
            Target::VirtualPrivateGateway(_) | Target::VpcEndpoint(_) | Target::Other(_) => true,
        });
        if leaves {
            out.insert(t.vpc.as_str());
        }
    }
    out
}

/// One of the two networks compared.
#[derive(Clone, Copy)]
enum Side {
    Before,
    After,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Before => Side::After,
            Side::After => Side::Before,
        }
    }
}

/// What of one destination's sources a set of changes can touch.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    /// Every source.
    Full,
    /// These interfaces as sources (their own groups' egress or their
    /// interface changed), nothing else.
    Sources(Vec<String>),
    /// On these services only (the destination's groups' inbound rules
    /// changed for those packets, nothing else did): every source, or only
    /// those the changed rules name ([`Narrow`]).
    Services(Vec<(Protocol, (u16, u16))>, Option<Narrow>),
}

/// The sources whose packets a change to inbound rules can treat
/// differently: the interfaces whose own addresses the changed packets come
/// from, and the internet if they come from some public address.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Narrow {
    ids: Vec<String>,
    internet: bool,
}

/// What [`Narrow`] is worked out from, computed once for every destination
/// of a `diff` (per destination it was most of a `diff` at 10k
/// interfaces): the addresses the network translates sources to, and
/// every interface address of both networks.
struct Narrower {
    /// The addresses sources are translated to, without and with public
    /// IPv4 addresses ([`Narrower::narrow`]); `None`: an address the input
    /// does not settle (a Client VPN association or Verified Access subnet
    /// whose addresses are unknown).
    translated: [Option<IntervalSet>; 2],
    /// Every interface's addresses (both networks), with its ID, by ID.
    addresses: Vec<(IntervalSet, String)>,
}

impl Narrower {
    fn new(before: &Network, after: &Network) -> Narrower {
        // What every destination fears (translating gateways, access
        // endpoints) and what only one with a public address does (public
        // IPv4 addresses), in one pass.
        let (mut always, mut public) = (Vec::<Interval>::new(), Vec::<Interval>::new());
        let point = |a: &std::net::IpAddr| Interval::point(hs::addr(*a));
        let mut settled = true;
        for net in [before, after] {
            for i in net.interfaces.values() {
                public.extend(
                    i.private_ips
                        .iter()
                        .filter_map(|p| p.public.as_ref())
                        .map(point),
                );
                if i.kind == "nat_gateway" || net.nat_gateway_by_interface(&i.id).is_some() {
                    always.extend(engine::sets::interface_addresses(i).intervals());
                }
            }
            for n in net.nat_gateways.values() {
                always.extend(n.private_ip.iter().map(point));
                public.extend(n.public_ip.iter().map(point));
            }
            let endpoints = net.client_vpn_endpoints.values().flat_map(|e| {
                e.associations.iter().map(move |a| {
                    engine::sets::association_addresses(net, a)
                        .or_else(|| engine::sets::subnet_addresses(net, &a.subnet))
                })
            });
            let va = net.va_endpoints.values().flat_map(|e| {
                e.subnets
                    .iter()
                    .map(move |s| engine::sets::subnet_addresses(net, s))
            });
            for at in endpoints.chain(va) {
                match at {
                    Some(at) => always.extend(at.intervals()),
                    None => settled = false,
                }
            }
        }
        let always = IntervalSet::from_intervals(always);
        let with_public = always.union(&IntervalSet::from_intervals(public));
        let translated = [settled.then_some(always), settled.then_some(with_public)];
        let mut addresses: BTreeMap<&String, IntervalSet> = BTreeMap::new();
        for net in [before, after] {
            for i in net.interfaces.values() {
                let a = engine::sets::interface_addresses(i);
                addresses
                    .entry(&i.id)
                    .and_modify(|x| *x = x.union(&a))
                    .or_insert(a);
            }
        }
        Narrower {
            translated,
            addresses: addresses
                .into_iter()
                .map(|(id, a)| (a, id.clone()))
                .collect(),
        }
    }

    /// [`Narrow`] for changed packets from `src`; `None` when a source's
    /// packets may arrive from an address not its own there: `src` meets
    /// an address the network translates sources to (an interface's public
    /// IP, a NAT gateway's addresses, a Client VPN association's or a
    /// Verified Access endpoint subnet's addresses, which replace their
    /// users' own).
    ///
    /// Without `public` (the destination has no public IPv4 address and no
    /// IPv6 address: only its private IPv4 addresses are asked), public IPv4
    /// addresses are no translation to fear: a packet takes a public source
    /// address only through an internet gateway, onto the internet, which
    /// delivers only to public addresses (a private one is dropped there, §5),
    /// so what arrives at a private address from a public one came from the
    /// internet itself (`Narrow::internet`).
    fn narrow(&self, src: &IntervalSet, public: bool) -> Option<Narrow> {
        let translated = self.translated[usize::from(public)].as_ref()?;
        if !translated.intersect(src).is_empty() {
            return None;
        }
        let ids = self
            .addresses
            .iter()
            .filter(|(a, _)| {
                a.intervals()
                    .iter()
                    .any(|i| src.place_of(i) != hs::Place::Outside)
            })
            .map(|(_, id)| id.clone())
            .collect();
        Some(Narrow {
            ids,
            internet: !engine::public_addresses().intersect(src).is_empty(),
        })
    }
}

/// The interfaces (of either network) that hold an address another
/// interface holds too (private, public, IPv6, delegated prefix: two VPCs
/// with one CIDR, an address listed twice), each with those others: packets
/// to its address may be delivered to one of them instead, through that
/// one's groups. Found by one sweep over every address interval, sorted:
/// each run of overlapping intervals is one cluster, and each member of a
/// cluster of several interfaces gets every other (a superset of those it
/// shares an address with).
fn co_holders<'n>(before: &'n Network, after: &'n Network) -> BTreeMap<&'n str, BTreeSet<&'n str>> {
    let mut all: Vec<(u128, u128, &'n str)> = Vec::new();
    for net in [before, after] {
        for i in net.interfaces.values() {
            for v in engine::sets::interface_addresses(i).intervals() {
                all.push((v.lo, v.hi, i.id.as_str()));
            }
            for p in i.private_ips.iter().filter_map(|p| p.public) {
                let a = hs::addr(p);
                all.push((a, a, i.id.as_str()));
            }
        }
    }
    all.sort_unstable();
    let mut out: BTreeMap<&'n str, BTreeSet<&'n str>> = BTreeMap::new();
    let mut close = |cluster: &mut Vec<&'n str>| {
        cluster.sort_unstable();
        cluster.dedup();
        if cluster.len() > 1 {
            for a in cluster.iter() {
                out.entry(a)
                    .or_default()
                    .extend(cluster.iter().filter(|b| *b != a));
            }
        }
        cluster.clear();
    };
    let mut cluster: Vec<&'n str> = Vec::new();
    let mut end: Option<u128> = None;
    for (lo, hi, id) in all {
        if end.is_some_and(|e| lo > e) {
            close(&mut cluster);
            end = None;
        }
        cluster.push(id);
        end = Some(end.map_or(hi, |e| e.max(hi)));
    }
    close(&mut cluster);
    out
}

/// The groups an interface carries in either network.
fn groups_of<'n>(before: &'n Network, after: &'n Network, eni: &str) -> BTreeSet<&'n String> {
    before
        .interfaces
        .get(eni)
        .into_iter()
        .chain(after.interfaces.get(eni))
        .flat_map(|i| &i.groups)
        .collect()
}

/// What each destination needs recomputed ([`Scoper::scope`]), worked out
/// from the changes once: what does not depend on the destination (the
/// appliances, the groups endpoints use, each change's kind) is computed
/// here, not per destination (at 10k interfaces, per destination it was
/// most of a `diff`).
struct Scoper<'n> {
    before: &'n Network,
    after: &'n Network,
    /// A change that makes every source of every destination recomputed.
    full: bool,
    /// Ordinary interfaces changed: every source of these destinations;
    /// as sources, themselves.
    interfaces: BTreeSet<String>,
    /// Interfaces as sources (their groups' outbound rules or the
    /// interface itself changed).
    sources: BTreeSet<String>,
    /// Groups whose inbound rules changed, in the changes' order.
    inbound: Vec<&'n str>,
    /// Destinations that share an address with an interface that changed
    /// (`interfaces`) or carries one of `inbound` ([`co_holders`]): packets
    /// to them may meet a changed interface or group that is not theirs
    /// (delivered to that other holder, which may leave them undecided, a
    /// load balancer forwarding them): every source, never skipped by
    /// `bulk::admits_none`.
    shared_changed: BTreeSet<&'n str>,
    /// [`inbound_services`] and [`Narrower::narrow`] per set of the
    /// destination's groups and whether it has a public address (most
    /// destinations share one).
    services: std::sync::Mutex<BTreeMap<(Vec<&'n str>, bool), Scope>>,
    narrower: Narrower,
}

impl<'n> Scoper<'n> {
    /// Only two kinds of change are narrowed, every other one recomputes
    /// every source of every destination it can reach ([`affected_vpcs`]):
    /// - a security group's rules (the group on both sides): its inbound
    ///   rules filter only what enters its members (those destinations:
    ///   every source, but only the protocols and ports whose packets the
    ///   group's inbound rules treat differently before and after), its
    ///   outbound rules only what its members send (those sources);
    /// - an ordinary interface (type `interface`, an instance's or a
    ///   service's): it is a source of its own (its groups, addresses,
    ///   state), and as a destination, every source. Group references match
    ///   by membership, so an interface joining a group changes only flows
    ///   from or to it.
    ///
    /// A group used by a Client VPN or Verified Access endpoint, a group
    /// added or removed (rules elsewhere may name it), a group or interface
    /// of an appliance (a route's target: it filters packets bound
    /// elsewhere), any other kind of change: every source.
    fn new(before: &'n Network, after: &'n Network, changes: &'n [Change]) -> Scoper<'n> {
        let mut out = Scoper {
            before,
            after,
            full: false,
            interfaces: BTreeSet::new(),
            sources: BTreeSet::new(),
            inbound: Vec::new(),
            shared_changed: BTreeSet::new(),
            services: std::sync::Mutex::new(BTreeMap::new()),
            narrower: Narrower::new(before, after),
        };
        let endpoint_groups: BTreeSet<&str> = [before, after]
            .iter()
            .flat_map(|n| {
                n.client_vpn_endpoints
                    .values()
                    .flat_map(|e| &e.security_groups)
                    .chain(n.va_endpoints.values().flat_map(|e| &e.security_groups))
            })
            .map(String::as_str)
            .collect();
        // An interface a route sends packets to (an appliance) filters
        // packets on their way elsewhere: a change to it or to its groups
        // can touch any destination.
        let appliances: BTreeSet<&str> = before
            .appliances()
            .into_iter()
            .chain(after.appliances())
            .collect();
        let appliance_member = |g: &str| {
            [before, after].iter().any(|n| {
                n.members_of_group(g)
                    .any(|i| appliances.contains(i.id.as_str()))
            })
        };
        for c in changes {
            match (c.kind, c.change) {
                ("security-group", Kind::Modified) if appliance_member(&c.resource) => {
                    out.full = true;
                }
                ("network-interface", _) if appliances.contains(c.resource.as_str()) => {
                    out.full = true;
                }
                ("security-group", Kind::Modified)
                    if !endpoint_groups.contains(c.resource.as_str())
                        && c.details.iter().all(|d| d.label != "field") =>
                {
                    let inbound = c.details.iter().any(|d| !d.text.starts_with("outbound"));
                    let outbound = c.details.iter().any(|d| d.text.starts_with("outbound"));
                    if inbound {
                        out.inbound.push(&c.resource);
                    }
                    if outbound {
                        for net in [before, after] {
                            out.sources
                                .extend(net.members_of_group(&c.resource).map(|i| i.id.clone()));
                        }
                    }
                }
                ("network-interface", _) => {
                    let ordinary = [before, after]
                        .iter()
                        .filter_map(|n| n.interfaces.get(&c.resource))
                        .all(|i| i.kind == "interface")
                        && [before, after].iter().all(|n| {
                            n.nat_gateway_by_interface(&c.resource).is_none()
                                && !n
                                    .client_vpn_endpoints
                                    .values()
                                    .flat_map(|e| &e.associations)
                                    .any(|a| a.interface.as_deref() == Some(c.resource.as_str()))
                        });
                    if !ordinary {
                        out.full = true;
                    }
                    out.interfaces.insert(c.resource.clone());
                    out.sources.insert(c.resource.clone());
                }
                _ => out.full = true,
            }
        }
        // (Read only when not `full`: every destination gets every source.)
        if !out.full && (!out.inbound.is_empty() || !out.interfaces.is_empty()) {
            let changed = |eni: &str| {
                out.interfaces.contains(eni)
                    || groups_of(before, after, eni)
                        .iter()
                        .any(|g| out.inbound.contains(&g.as_str()))
            };
            out.shared_changed = co_holders(before, after)
                .into_iter()
                .filter(|(_, others)| others.iter().any(|o| changed(o)))
                .map(|(d, _)| d)
                .collect();
        }
        out
    }

    /// Every change is to security groups' inbound rules: what any source
    /// sends, up to where it enters a destination's groups, is the same on
    /// both sides (its interfaces, their groups' outbound rules, its
    /// subnet's routes and network ACL are unchanged; inbound rules filter
    /// only what enters their members, and an appliance's groups are
    /// [`Scoper::full`]).
    fn sources_alike(&self) -> bool {
        !self.full && self.interfaces.is_empty() && self.sources.is_empty()
    }

    /// Whether `dst`'s walks may be skipped on a side where its groups
    /// admit none of the packets asked (`bulk::admits_none`): only when
    /// only groups' inbound rules changed and no other holder of its
    /// addresses carries a changed group.
    fn may_quiet(&self, dst: &str) -> bool {
        self.sources_alike() && !self.shared_changed.contains(dst)
    }

    /// What `dst` needs recomputed.
    fn scope(&self, dst: &str) -> Scope {
        if self.full || self.interfaces.contains(dst) || self.shared_changed.contains(dst) {
            return Scope::Full;
        }
        let dst_groups = groups_of(self.before, self.after, dst);
        let changed_here = self
            .inbound
            .iter()
            .any(|g| dst_groups.iter().any(|d| d.as_str() == *g));
        let mut sources = self.sources.clone();
        sources.remove(dst);
        if !changed_here {
            return Scope::Sources(sources.into_iter().collect());
        }
        if !sources.is_empty() {
            return Scope::Full;
        }
        // Only the destination's own groups' inbound rules changed: every
        // source, on the services whose packets they treat differently.
        // Is one of its addresses a public one (a public IPv4 address, an
        // IPv6 address): may a translated packet arrive at it?
        let public = [self.before, self.after]
            .iter()
            .filter_map(|n| n.interfaces.get(dst))
            .any(|i| !i.ipv6.is_empty() || i.private_ips.iter().any(|p| p.public.is_some()));
        let groups: Vec<&'n str> = dst_groups.iter().map(|g| g.as_str()).collect();
        let key = (groups, public);
        if let Some(s) = self.services.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return s;
        }
        // Worked out outside the lock (destinations are scoped in parallel).
        let (services, src) = inbound_services(self.before, self.after, &key.0);
        let s = Scope::Services(services, self.narrower.narrow(&src, public));
        if let Ok(mut m) = self.services.lock() {
            m.insert(key, s.clone());
        }
        s
    }
}

/// The services of `changed` among those `asked` (none asked: every one).
fn narrowed(
    asked: &[(Protocol, (u16, u16))],
    changed: &[(Protocol, (u16, u16))],
) -> Vec<(Protocol, (u16, u16))> {
    if asked.is_empty() {
        return changed.to_vec();
    }
    let mut out = Vec::new();
    for (p, (lo, hi)) in changed {
        for (q, (a, b)) in asked {
            let (l, h) = ((*lo).max(*a), (*hi).min(*b));
            if p == q && l <= h {
                out.push((*p, (l, h)));
            }
        }
    }
    out
}

/// What the inbound rules of `groups` (a destination's groups) allow, and
/// may allow, together: with every rule, and with only the rules naming no
/// group (what they are across a transit gateway without security-group
/// referencing). A group not in the input allows nothing and may allow
/// everything, as the engine takes it.
fn ingress_views(net: &Network, groups: &[&str]) -> [(PacketSet, PacketSet); 2] {
    let mut all = (PacketSet::empty(), PacketSet::empty());
    let mut plain = (PacketSet::empty(), PacketSet::empty());
    for g in groups {
        let Some(sg) = net.security_groups.get(*g) else {
            all.1 = PacketSet::all();
            plain.1 = PacketSet::all();
            continue;
        };
        for r in &sg.ingress {
            let (y, m) = engine::sg_rule_set(net, r, engine::Side::Ingress);
            if !matches!(r.peer, crate::model::Peer::Group(_)) {
                plain = (plain.0.union(&y), plain.1.union(&m));
            }
            all = (all.0.union(&y), all.1.union(&m));
        }
    }
    [all, plain]
}

/// The protocols and ports (ICMP types) of the packets a destination's
/// groups (`groups`, the same on both sides: only their rules changed)
/// allow (or may) before and not after, or after and not before, and their
/// source addresses. The groups are taken together, as the engine takes
/// them (a packet passes when some rule of some group allows it): a rule
/// added that another group of the destination already covers changes
/// nothing there. Only what `who` asks (tcp, udp, ICMP, ICMPv6) is listed:
/// other protocols are not compared.
fn inbound_services(before: &Network, after: &Network, groups: &[&str]) -> (Services, IntervalSet) {
    let mut changed = PacketSet::empty();
    for (b, a) in ingress_views(before, groups)
        .into_iter()
        .zip(ingress_views(after, groups))
    {
        for (x, y) in [(&b.0, &a.0), (&b.1, &a.1)] {
            changed = changed.union(&x.difference(y)).union(&y.difference(x));
        }
    }
    let mut out = Vec::new();
    for p in [
        Protocol::TCP,
        Protocol::UDP,
        Protocol::ICMP,
        Protocol::ICMPV6,
    ] {
        let n = u128::from(proto_number(p));
        let of = changed.restrict(
            Field::Proto,
            &IntervalSet::from_interval(Interval::point(n)),
        );
        let field = if p.is_icmp() {
            Field::IcmpType
        } else {
            Field::DstPort
        };
        let max = if p.is_icmp() {
            255
        } else {
            u128::from(u16::MAX)
        };
        for i in of.project(field).intervals() {
            let (lo, hi) = (i.lo.min(max), i.hi.min(max));
            out.push((p, (lo as u16, hi as u16)));
        }
    }
    (out, changed.project(Field::Src))
}

/// Compares `before` with `after`.
pub fn diff(before: &Network, after: &Network) -> Result<Diff, EngineError> {
    diff_with(before, after, true)
}

/// [`diff`], skipping destinations no change can touch only when `skip`
/// (tests compare both).
pub fn diff_with(before: &Network, after: &Network, skip: bool) -> Result<Diff, EngineError> {
    diff_services(before, after, skip, &[], None)
}

/// [`diff_with`], comparing only these protocols and ports (`who`'s
/// services; none: every port of tcp and udp and every ICMP type) and, when
/// given, only these destination interfaces (`synth`: those a new rule can
/// let packets reach).
pub fn diff_services(
    before: &Network,
    after: &Network,
    skip: bool,
    services: &[(Protocol, (u16, u16))],
    only: Option<&BTreeSet<String>>,
) -> Result<Diff, EngineError> {
    compute(before, after, skip, services, only, true)
}

/// [`diff`], each changed flow of an interface explained by walks from that
/// interface alone, never read off its subnet's walk: the explanations the
/// fast way must equal (tests compare them).
#[doc(hidden)]
pub fn diff_explained_alone(before: &Network, after: &Network) -> Result<Diff, EngineError> {
    compute(before, after, true, &[], None, false)
}

/// [`diff_services`]; `traces`: a changed flow of an interface may be
/// explained from its subnet's walk (`trace`).
fn compute(
    before: &Network,
    after: &Network,
    skip: bool,
    services: &[(Protocol, (u16, u16))],
    only: Option<&BTreeSet<String>>,
    traces: bool,
) -> Result<Diff, EngineError> {
    let changes = changes(before, after);
    let dsts: BTreeSet<&String> = before
        .interfaces
        .keys()
        .chain(after.interfaces.keys())
        .collect();
    let mut out = Diff {
        destinations: dsts.len(),
        assumptions: vec![
            "compared: tcp and udp on every port and every ICMP type, from the internet, every access user group and every interface".into(),
            "a change reaches only destinations in its VPC and VPCs connected to it by peering, a transit gateway or the internet (every VPC when one of them routes outside the input: a virtual private gateway, a target the input lacks); there, a security group's inbound rules only what enters its members on the protocols and ports they treat differently, its outbound rules and an interface's own change only what that interface sends or receives; the rest is not recomputed".into(),
        ],
        ..Diff::default()
    };
    if skip && changes.is_empty() {
        out.changes = changes;
        return Ok(out);
    }
    let affected = affected_vpcs(before, after, &changes);
    let scoper = Scoper::new(before, after, &changes);
    let index = compare::index(&changes);
    // What each destination needs compared: (destination, services, sources).
    let mut plans: Vec<(&String, Services, From, bool)> = Vec::new();
    // The destinations compared, and what each needs recomputed (worked
    // out in parallel: at 10k interfaces with 1% of the rules changed,
    // 1,412 destinations of mostly distinct groups).
    let kept: Vec<&String> = dsts
        .into_iter()
        .filter(|dst| {
            if only.is_some_and(|o| !o.contains(*dst)) {
                return false;
            }
            let (b, a) = (before.interfaces.get(*dst), after.interfaces.get(*dst));
            let vpc = a.or(b).map(|i| i.vpc.clone()).unwrap_or_default();
            // An interface without an address has no flows to compare.
            (!skip || affected.contains(&vpc)) && a.or(b).and_then(|i| i.main_ip()).is_some()
        })
        .collect();
    let scopes: Vec<Option<Scope>> = kept
        .par_iter()
        .map(|d| skip.then(|| scoper.scope(d)))
        .collect();
    for (dst, scope) in kept.into_iter().zip(scopes) {
        // `who`'s default: every tcp and udp port and every ICMP type of
        // each address's family (ICMPv6 for the interface's IPv6 address).
        let mut here: Vec<(Protocol, (u16, u16))> = services.to_vec();
        // With `From::These`: the internet too.
        let mut internet = false;
        let from = match scope {
            None | Some(Scope::Full) => From::All,
            Some(Scope::Sources(ids)) if !ids.is_empty() => From::These(ids),
            Some(Scope::Services(s, narrow)) if !s.is_empty() => {
                here = narrowed(services, &s);
                if here.is_empty() {
                    continue;
                }
                match narrow {
                    None => From::All,
                    Some(n) if n.ids.is_empty() && !n.internet => continue,
                    Some(n) => {
                        internet = n.internet;
                        From::These(n.ids)
                    }
                }
            }
            _ => continue,
        };
        plans.push((dst, here, from, internet));
    }
    // Skipping (the fast way): destinations asked alike are asked together,
    // one walk per source class toward all of them (`bulk`); the reference
    // way asks `who` of each destination.
    type Together = Vec<((Vec<(Protocol, (u16, u16))>, bool), Vec<usize>)>;
    let mut together: Together = Vec::new();
    if skip {
        for (n, (_, here, from, _)) in plans.iter().enumerate() {
            let key = (here.clone(), *from == From::All);
            match together.iter_mut().find(|(k, _)| *k == key) {
                Some((_, ns)) => ns.push(n),
                None => together.push((key, vec![n])),
            }
        }
    }
    // Destinations asked alike are asked together, a few at a time (each
    // side's answers for them held at once, then compared and dropped).
    const AT_ONCE: usize = 16;
    // Where each place's packets may get, per side (`bulk::exits_of`);
    // one answer for both when no change touches what sources send before
    // it enters a destination (`Scoper::sources_alike`): the walks to the
    // subnet's exit meet nothing changed.
    let asked = || plans.iter().map(|p| p.1.as_slice());
    let exits = (bulk::Exits::new(asked()), bulk::Exits::new(asked()));
    let alike = skip && scoper.sources_alike();
    let after_exits = if alike { &exits.0 } else { &exits.1 };
    // Each interface's source class, per side (shared by its flows).
    let sources = if skip {
        rayon::join(|| bulk::sources_of(before), || bulk::sources_of(after))
    } else {
        Default::default()
    };
    let mut flows: Vec<Vec<FlowChange>> = (0..plans.len()).map(|_| Vec::new()).collect();
    for ((here, all), members) in &together {
        for chunk in members.chunks(AT_ONCE) {
            let ds: Vec<&String> = chunk.iter().map(|n| plans[*n].0).collect();
            let these: BTreeMap<&String, (Vec<String>, bool)> = chunk
                .iter()
                .filter_map(|n| match &plans[*n].2 {
                    From::These(ids) => Some((plans[*n].0, (ids.clone(), plans[*n].3))),
                    _ => None,
                })
                .collect();
            let these = (!*all).then_some(&these);
            let walk = |side: Side, ds: &[&String], twins: Option<&[bool]>| {
                let (net, exits, sources, name) = match side {
                    Side::Before => (before, &exits.0, &sources.0, "before"),
                    Side::After => (after, after_exits, &sources.1, "after"),
                };
                bulk::reached_many(net, exits, sources, name, &index, ds, here, these, twins)
            };
            // A destination whose groups admit none of the packets asked on
            // one side (a rule added: before; removed: after), while only
            // destinations' groups' inbound rules changed: the other side is
            // walked first, and each walk on this side whose twin found
            // nothing undecided is skipped (`bulk::reached_many`).
            let quiet = |net: &Network, d: &String| {
                skip && scoper.may_quiet(d) && bulk::admits_none(net, d, here)
            };
            let (quiet_before, rest): (Vec<&String>, Vec<&String>) =
                ds.into_iter().partition(|d| quiet(before, d));
            let (quiet_after, rest): (Vec<&String>, Vec<&String>) =
                rest.into_iter().partition(|d| quiet(after, d));
            let (mut rb, mut ra) = (BTreeMap::new(), BTreeMap::new());
            for (ds, quiet) in [(quiet_before, Side::Before), (quiet_after, Side::After)] {
                if ds.is_empty() {
                    continue;
                }
                let (loud, log) = walk(quiet.other(), &ds, None)?;
                let (calm, _) = walk(quiet, &ds, Some(&log))?;
                let (b, a) = match quiet {
                    Side::Before => (calm, loud),
                    Side::After => (loud, calm),
                };
                rb.extend(b);
                ra.extend(a);
            }
            if !rest.is_empty() {
                rb.extend(walk(Side::Before, &rest, None)?.0);
                ra.extend(walk(Side::After, &rest, None)?.0);
            }
            // Compared in parallel: a changed flow is explained by its
            // source's own walks (`compare`), many of them when much changed.
            let sides: Vec<(usize, &String, Reached, Reached)> = chunk
                .iter()
                .map(|n| {
                    let d = plans[*n].0;
                    (
                        *n,
                        d,
                        rb.remove(d).unwrap_or_default(),
                        ra.remove(d).unwrap_or_default(),
                    )
                })
                .collect();
            let side = Sides {
                before,
                after,
                changes: &changes,
                index: &index,
                bulk: true,
                traces,
            };
            let compared: Vec<(usize, Vec<FlowChange>)> = sides
                .into_par_iter()
                .map(|(n, d, b, a)| (n, side.compare(d, here, b, a)))
                .collect();
            for (n, f) in compared {
                flows[n] = f;
            }
        }
    }
    for (n, (dst, here, from, _)) in plans.iter().enumerate() {
        out.compared += 1;
        if skip {
            continue;
        }
        let rb = match before.interfaces.get(*dst) {
            Some(_) => reached(before, dst, here, from.clone())?,
            None => Reached::new(),
        };
        let ra = match after.interfaces.get(*dst) {
            Some(_) => reached(after, dst, here, from.clone())?,
            None => Reached::new(),
        };
        let side = Sides {
            before,
            after,
            changes: &changes,
            index: &index,
            bulk: false,
            traces,
        };
        flows[n] = side.compare(dst, here, rb, ra);
    }
    out.flows = flows.into_iter().flatten().collect();
    out.changes = changes;
    Ok(out)
}
