//! What each filter must let through, read off the engine's paths, and the
//! rules that could do it.
//!
//! Every filter is opened (security groups, network ACLs, Client VPN
//! authorization; routes stay) and each intent is asked of the engine: the
//! hops of its paths name the filter directions it crosses (a security
//! group crossing is every group of the interface: any of them may hold the
//! rule), and the packets that arrive give the header each filter sees —
//! forward as they arrive, the reply reversed. Each crossing becomes
//! [`Need`]s at the chosen granularity; candidates are the rules that cover
//! needs exactly (merged over ports and CIDRs only where the union is
//! exact). Must-nots are asked of the input with only the rewritten
//! filters opened: a must-not stays unreachable when some crossing of each
//! of its paths is left without a rule that overlaps it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;

use crate::engine::{self, Analysis, Cause, End, Hop, Path, Verdict};
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{
    Action, ClientVpnAuthRule, ClientVpnRoute, NaclEntry, Network, Peer, PortMatch, Protocol,
    SgRule,
};

use super::solve::Problem;
use super::{Dir, Granularity, Intents, NewAuth, NewRoute, NewRule, Place, SynthError};

/// Labels the rules synth opens a filter with, so a hop through one is told
/// apart from a hop through a rule of the input.
pub(super) const OPEN: &str = "(reach synth: open)";

/// What one filter crossing of one intent needs: these packets through any
/// of `places`.
#[derive(Clone, Debug)]
pub struct Need {
    /// Indices into the intents (or must-nots).
    pub intents: Vec<usize>,
    /// Any of these may hold the rule (the groups of one interface; one ACL direction).
    pub places: Vec<Place>,
    pub protocol: Protocol,
    pub ports: PortMatch,
    /// The peer's addresses exactly.
    pub peer: IntervalSet,
    /// The peers a rule may name at the granularity (one of them covers `peer`).
    pub options: Vec<Peer>,
    /// In the rules' shape: protocol, ports and the peer field.
    pub set: PacketSet,
}

/// What discovery found.
pub(super) struct Found {
    pub places: Vec<Place>,
    pub endpoints: Vec<String>,
    pub auth: Vec<NewAuth>,
    pub routes: Vec<NewRoute>,
    /// The input with the routes added, the places and the endpoints'
    /// authorization emptied.
    pub base: Network,
    pub needs: Vec<Need>,
    /// Per path of a reachable must-not: its needs at rewritten places.
    pub forbid: Vec<(String, Vec<Need>)>,
    pub assumptions: Vec<String>,
}

/// The optimization problem with its candidate rules.
pub(super) struct Built {
    pub problem: Problem,
    pub candidates: Vec<NewRule>,
}

fn open_sg_rules() -> Vec<SgRule> {
    ["0.0.0.0/0", "::/0"]
        .iter()
        .enumerate()
        .map(|(i, c)| SgRule {
            protocol: Protocol::All,
            ports: PortMatch::Any,
            peer: Peer::Cidr(c.parse().expect("static cidr")),
            description: None,
            rule_id: None,
            position: format!("{OPEN}[{i}]"),
        })
        .collect()
}

fn open_nacl_entries() -> Vec<NaclEntry> {
    ["0.0.0.0/0", "::/0"]
        .iter()
        .enumerate()
        .map(|(i, c)| NaclEntry {
            number: i as u16 + 1,
            action: Action::Allow,
            protocol: Protocol::All,
            cidr: c.parse().expect("static cidr"),
            ports: PortMatch::Any,
            source: Some(OPEN.to_string()),
        })
        .collect()
}

fn open_auth() -> Vec<ClientVpnAuthRule> {
    ["0.0.0.0/0", "::/0"]
        .iter()
        .map(|c| ClientVpnAuthRule {
            dest: c.parse().expect("static cidr"),
            access_all: true,
            group: None,
            status: "active".into(),
            description: Some(OPEN.into()),
        })
        .collect()
}

/// `net` with every filter open (`places` `None`) or only these.
fn opened(net: &Network, places: Option<&BTreeSet<Place>>) -> Network {
    let mut out = net.clone();
    let open = |p: Place| places.is_none_or(|s| s.contains(&p));
    for sg in out.security_groups.values_mut() {
        for dir in [Dir::Inbound, Dir::Outbound] {
            if open(Place::Sg {
                group: sg.id.clone(),
                dir,
            }) {
                *rules_mut(sg, dir) = open_sg_rules();
            }
        }
    }
    for acl in out.network_acls.values_mut() {
        for dir in [Dir::Inbound, Dir::Outbound] {
            if open(Place::Nacl {
                acl: acl.id.clone(),
                dir,
            }) {
                *entries_mut(acl, dir) = open_nacl_entries();
            }
        }
    }
    if places.is_none() {
        for e in out.client_vpn_endpoints.values_mut() {
            e.auth_rules = open_auth();
        }
    }
    out
}

pub(super) fn rules_mut(sg: &mut crate::model::SecurityGroup, dir: Dir) -> &mut Vec<SgRule> {
    match dir {
        Dir::Inbound => &mut sg.ingress,
        Dir::Outbound => &mut sg.egress,
    }
}

pub(super) fn entries_mut(acl: &mut crate::model::NetworkAcl, dir: Dir) -> &mut Vec<NaclEntry> {
    match dir {
        Dir::Inbound => &mut acl.inbound,
        Dir::Outbound => &mut acl.outbound,
    }
}

/// Asks one flow (every user it names) of `net`.
pub(super) fn ask(net: &Network, intent: &super::Intent) -> Result<Vec<Analysis>, SynthError> {
    let spec = intent.spec()?;
    intent
        .options()
        .iter()
        .map(|o| {
            let q = engine::Query::resolve_with(net, spec.clone(), o).map_err(|e| {
                SynthError::Engine {
                    at: intent.at.clone(),
                    message: e.to_string(),
                }
            })?;
            Ok(engine::check(net, q))
        })
        .collect()
}

/// One filter crossing on a path: a direction of an ACL, or of every
/// group of one interface.
#[derive(Clone, Debug)]
pub(super) struct Crossing {
    pub places: Vec<Place>,
    /// Every rule that let the packets through is one synth opened: a
    /// rule at one of `places` can block here.
    pub blockable: bool,
}

fn hop_dir(h: &Hop) -> Option<Dir> {
    if h.rule.starts_with("inbound") {
        Some(Dir::Inbound)
    } else if h.rule.starts_with("outbound") {
        Some(Dir::Outbound)
    } else {
        None
    }
}

/// The filter crossings of one leaf's hops, in order.
pub(super) fn crossings(hops: &[Hop]) -> Vec<Crossing> {
    let mut out: Vec<Crossing> = Vec::new();
    let mut in_sg: Option<Dir> = None;
    for h in hops {
        match (h.kind, h.action, hop_dir(h)) {
            ("security-group", "allow", Some(dir)) => {
                let place = Place::Sg {
                    group: h.component.clone(),
                    dir,
                };
                let mine = h.rule.contains(OPEN);
                match out.last_mut() {
                    Some(c) if in_sg == Some(dir) => {
                        if !c.places.contains(&place) {
                            c.places.push(place);
                        }
                        c.blockable &= mine;
                    }
                    _ => out.push(Crossing {
                        places: vec![place],
                        blockable: mine,
                    }),
                }
                in_sg = Some(dir);
            }
            ("network-acl", "allow", Some(dir)) => {
                out.push(Crossing {
                    places: vec![Place::Nacl {
                        acl: h.component.clone(),
                        dir,
                    }],
                    blockable: h.rule.contains(OPEN),
                });
                in_sg = None;
            }
            _ => in_sg = None,
        }
    }
    out
}

fn first(s: &IntervalSet) -> Option<u128> {
    s.intervals().first().map(|i| i.lo)
}

/// The needs of one arrived path: per crossing, forward and back.
fn path_needs(
    net: &Network,
    path: &Path,
    intent: usize,
    gran: Granularity,
    only_blockable: bool,
) -> Result<Vec<Need>, String> {
    let hops = path
        .forward
        .hops
        .iter()
        .chain(path.back.iter().flat_map(|b| b.hops.iter()));
    if let Some(h) = hops.clone().find(|h| h.kind == "nat-gateway") {
        return Err(format!(
            "the path crosses NAT gateway {}: its source translation is not rewritten yet",
            h.component
        ));
    }
    if let Some(h) = hops
        .clone()
        .find(|h| h.kind == "network-interface" && h.action == "forward")
    {
        return Err(format!(
            "the path crosses appliance {}: its filters are not rewritten yet",
            h.component
        ));
    }
    let img = path.forward.flow.image();
    let proto = first(&img.project(Field::Proto)).unwrap_or(6) as u8;
    let protocol = Protocol::Number(proto);
    let src = img.project(Field::Src);
    let dst = img.project(Field::Dst);
    let ports_fwd = if protocol.is_icmp() {
        img.project(Field::IcmpType)
    } else {
        img.project(Field::DstPort)
    };
    let ports_back = img.project(Field::SrcPort);
    let mut out = Vec::new();
    let legs = [
        (crate::engine::Direction::Forward, Some(&path.forward)),
        (crate::engine::Direction::Return, path.back.as_ref()),
    ];
    for (direction, leaf) in legs {
        let Some(leaf) = leaf else { continue };
        let forward = direction == crate::engine::Direction::Forward;
        for c in crossings(&leaf.hops) {
            if only_blockable && !c.blockable {
                continue;
            }
            let dir = c.places[0].dir();
            // The peer: the other end as this filter sees it.
            let peer = match (forward, dir) {
                (true, Dir::Inbound) | (false, Dir::Outbound) => &src,
                (true, Dir::Outbound) | (false, Dir::Inbound) => &dst,
            };
            let ports: Vec<PortMatch> = if protocol.is_icmp() {
                if forward {
                    ports_fwd
                        .intervals()
                        .iter()
                        .map(|i| PortMatch::Icmp {
                            icmp_type: (i.lo == i.hi).then_some(i.lo as u8),
                            code: None,
                        })
                        .collect()
                } else {
                    vec![PortMatch::Icmp {
                        icmp_type: None,
                        code: None,
                    }]
                }
            } else {
                let p = if forward { &ports_fwd } else { &ports_back };
                p.intervals()
                    .iter()
                    .map(|i| PortMatch::Ports {
                        from: i.lo as u16,
                        to: i.hi as u16,
                    })
                    .collect()
            };
            let sg = matches!(c.places[0], Place::Sg { .. });
            for (piece, options) in pieces(net, peer, sg, gran) {
                for pm in &ports {
                    let set = rule_space(protocol, *pm, dir, &piece);
                    out.push(Need {
                        intents: vec![intent],
                        places: c.places.clone(),
                        protocol,
                        ports: *pm,
                        peer: piece.clone(),
                        options: options.clone(),
                        set,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Packets of a protocol and ports from (inbound) or to (outbound) `peer`,
/// in the shape rules are compared in.
pub(super) fn rule_space(
    protocol: Protocol,
    ports: PortMatch,
    dir: Dir,
    peer: &IntervalSet,
) -> PacketSet {
    let base = PacketSet::from_cube(crate::engine::proto_ports(protocol, ports));
    base.restrict(dir.side().peer_field(), peer)
}

fn count(s: &IntervalSet) -> u128 {
    s.intervals().iter().fold(0u128, |a, i| {
        a.saturating_add((i.hi - i.lo).saturating_add(1))
    })
}

fn vpc_cidrs(net: &Network) -> IntervalSet {
    net.vpcs
        .values()
        .flat_map(|v| v.cidrs.iter())
        .fold(IntervalSet::empty(), |a, c| a.union(&hs::prefix(*c)))
}

/// The peer split into parts one rule can name, each with the peers a rule
/// may name for it at the granularity (`sg`: a security group's rule).
fn pieces(
    net: &Network,
    peer: &IntervalSet,
    sg: bool,
    gran: Granularity,
) -> Vec<(IntervalSet, Vec<Peer>)> {
    let mut out = Vec::new();
    let inside = vpc_cidrs(net);
    let outside = peer.difference(&inside);
    let mut rest = peer.intersect(&inside);
    // Outside the input's VPCs: a handful of addresses as they are, else
    // the whole family (the internet has no narrower name).
    if !outside.is_empty() {
        let cidrs: Vec<IpNet> = outside
            .intervals()
            .iter()
            .flat_map(|i| hs::cidrs(*i))
            .collect();
        if cidrs.len() <= 16 {
            for c in cidrs {
                out.push((hs::prefix(c), vec![Peer::Cidr(c)]));
            }
        } else {
            for fam in [hs::all_v4(), hs::all_v6()] {
                let part = outside.intersect(&fam);
                if !part.is_empty() {
                    let all: IpNet = if fam == hs::all_v4() {
                        "0.0.0.0/0"
                    } else {
                        "::/0"
                    }
                    .parse()
                    .expect("static cidr");
                    out.push((part, vec![Peer::Cidr(all)]));
                }
            }
        }
    }
    // Security-group references: per interface holding the addresses.
    if sg && gran == Granularity::SgRef && count(&rest) <= 4096 {
        let mut by_eni: BTreeMap<String, IntervalSet> = BTreeMap::new();
        let addrs: Vec<u128> = rest.intervals().iter().flat_map(|i| i.lo..=i.hi).collect();
        for a in addrs {
            let ip = hs::addr_of(a);
            if let Some(i) = net.interfaces_with_ip(ip).next() {
                let e = by_eni
                    .entry(i.id.clone())
                    .or_insert_with(IntervalSet::empty);
                *e = e.union(&IntervalSet::from_interval(Interval::point(a)));
            }
        }
        for (eni, part) in by_eni {
            let groups: Vec<Peer> = net.interfaces[&eni]
                .groups
                .iter()
                .filter(|g| {
                    net.security_groups.contains_key(*g)
                        && part.is_subset(
                            &crate::engine::peer_addresses(net, &Peer::Group((*g).clone())).yes,
                        )
                })
                .map(|g| Peer::Group(g.clone()))
                .collect();
            if !groups.is_empty() {
                rest = rest.difference(&part);
                out.push((part, groups));
            }
        }
        // Client VPN associations and Verified Access subnets whose
        // interfaces the input lacks: the endpoint's groups cover them.
        for g in net.security_groups.keys() {
            if rest.is_empty() {
                break;
            }
            let yes = crate::engine::peer_addresses(net, &Peer::Group(g.clone())).yes;
            let part = rest.intersect(&yes);
            if !part.is_empty() && part.same_as_set(&rest) {
                out.push((part, vec![Peer::Group(g.clone())]));
                rest = IntervalSet::empty();
            }
        }
    }
    // Subnet CIDRs (also for what no group names), else hosts.
    if gran != Granularity::Host {
        for s in net.subnets.values() {
            for c in &s.cidrs {
                let part = rest.intersect(&hs::prefix(*c));
                if !part.is_empty() {
                    rest = rest.difference(&part);
                    out.push((part, vec![Peer::Cidr(*c)]));
                }
            }
        }
    }
    for i in rest.intervals() {
        for c in hs::cidrs(*i) {
            out.push((hs::prefix(c), vec![Peer::Cidr(c)]));
        }
    }
    out
}

trait SameSet {
    fn same_as_set(&self, o: &IntervalSet) -> bool;
}

impl SameSet for IntervalSet {
    fn same_as_set(&self, o: &IntervalSet) -> bool {
        self.is_subset(o) && o.is_subset(self)
    }
}

/// The CIDR a Client VPN authorization rule or route names for `dst`.
pub(super) fn dest_cidr(net: &Network, dst: IpAddr, gran: Granularity) -> IpNet {
    if gran != Granularity::Host
        && let Some(c) = net
            .subnets
            .values()
            .flat_map(|s| s.cidrs.iter())
            .find(|c| c.contains(&dst))
    {
        return *c;
    }
    IpNet::from(dst)
}

/// Client VPN routes missing for the intents' destinations, as the engine
/// reports them.
fn missing_routes(net: &Network, a: &Analysis, gran: Granularity) -> Vec<NewRoute> {
    let mut out = Vec::new();
    for p in &a.paths {
        let End::Dropped(cause) = &p.forward.end else {
            continue;
        };
        match cause {
            Cause::CvpnAssociationNoRoute {
                endpoint,
                subnet,
                suggest,
                ..
            } => {
                if let Ok(dest) = suggest.parse::<IpNet>() {
                    out.push(NewRoute {
                        endpoint: endpoint.clone(),
                        dest,
                        subnet: subnet.clone(),
                    });
                }
            }
            Cause::SplitTunnelBypass { endpoint } | Cause::CvpnNoRoute { endpoint } => {
                if let Some(e) = net.client_vpn_endpoints.get(endpoint) {
                    for assoc in &e.associations {
                        out.push(NewRoute {
                            endpoint: endpoint.clone(),
                            dest: dest_cidr(net, a.query.dst_ip, gran),
                            subnet: assoc.subnet.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(super) fn add_routes(net: &mut Network, routes: &[NewRoute]) {
    for r in routes {
        if let Some(e) = net.client_vpn_endpoints.get_mut(&r.endpoint)
            && !e
                .routes
                .iter()
                .any(|x| x.dest == r.dest && x.target_subnet == r.subnet)
        {
            e.routes.push(ClientVpnRoute {
                dest: r.dest,
                target_subnet: r.subnet.clone(),
                status: "active".into(),
                origin: Some("add-route".into()),
            });
        }
    }
}

/// Why an analysis is not `reachable`, in a few words.
fn why(a: &Analysis) -> String {
    let mut out: Vec<String> = a
        .paths
        .iter()
        .filter_map(|p| p.stop())
        .map(|l| match &l.end {
            End::Dropped(c) => crate::explain::blocker(c),
            End::Unknown { component, reason } => format!("{component}: {reason}"),
            _ => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect();
    out.dedup();
    if out.is_empty() {
        format!("the engine answers {}", a.verdict.name())
    } else {
        format!(
            "{} even with every security group, network ACL and authorization rule open: {}",
            a.verdict.name(),
            out.join("; ")
        )
    }
}

/// Finds the places to rewrite, the needs, authorization and routes.
pub(super) fn discover(
    net: &Network,
    intents: &Intents,
    gran: Granularity,
) -> Result<Found, SynthError> {
    let mut routes: Vec<NewRoute> = Vec::new();
    let mut open = opened(net, None);
    let mut answers: Vec<Vec<Analysis>> = Vec::new();
    // Client VPN routes the engine says are missing, then again.
    for round in 0..3 {
        answers.clear();
        let mut more = Vec::new();
        for intent in &intents.must {
            let asked = ask(&open, intent)?;
            for a in &asked {
                if a.verdict != Verdict::Reachable {
                    more.extend(missing_routes(&open, a, gran));
                }
            }
            answers.push(asked);
        }
        more.retain(|r| !routes.contains(r));
        more.dedup();
        if more.is_empty() || round == 2 {
            break;
        }
        add_routes(&mut open, &more);
        routes.extend(more);
    }
    let mut needs: Vec<Need> = Vec::new();
    let mut auth: Vec<NewAuth> = Vec::new();
    let mut assumptions = BTreeSet::new();
    for (i, (intent, asked)) in intents.must.iter().zip(&answers).enumerate() {
        for a in asked {
            if a.verdict != Verdict::Reachable {
                return Err(SynthError::Unreachable {
                    at: intent.at.clone(),
                    query: intent.query_text(),
                    message: why(a),
                });
            }
            assumptions.extend(a.assumptions.iter().cloned());
            for p in a.paths.iter().filter(|p| p.verdict == Verdict::Reachable) {
                needs.extend(path_needs(&open, p, i, gran, false).map_err(|m| {
                    SynthError::Unsupported {
                        at: intent.at.clone(),
                        query: intent.query_text(),
                        message: m,
                    }
                })?);
                let Some(via) = &p.via else { continue };
                let Some(e) = net.client_vpn_endpoints.get(&via.endpoint) else {
                    continue;
                };
                let dest = dest_cidr(net, a.query.dst_ip, gran);
                let groups: Vec<Option<String>> = if e.has_groups() && !a.query.groups.is_empty() {
                    a.query.groups.iter().cloned().map(Some).collect()
                } else {
                    vec![None]
                };
                for g in groups {
                    let rule = ClientVpnAuthRule {
                        dest,
                        access_all: g.is_none(),
                        group: g,
                        status: "active".into(),
                        description: Some(format!("reach synth: {}", intent.at)),
                    };
                    let na = NewAuth {
                        endpoint: e.id.clone(),
                        rule,
                    };
                    if !auth.iter().any(|x| {
                        x.endpoint == na.endpoint
                            && x.rule.dest == na.rule.dest
                            && x.rule.group == na.rule.group
                    }) {
                        auth.push(na);
                    }
                }
            }
        }
    }
    let needs = merge_needs(needs);
    let places: BTreeSet<Place> = needs
        .iter()
        .flat_map(|n| n.places.iter().cloned())
        .collect();
    let endpoints: Vec<String> = auth
        .iter()
        .map(|a| a.endpoint.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // The base: routes added, the places and the endpoints' authorization emptied.
    let mut base = net.clone();
    add_routes(&mut base, &routes);
    for p in &places {
        match p {
            Place::Sg { group, dir } => {
                if let Some(sg) = base.security_groups.get_mut(group) {
                    rules_mut(sg, *dir).clear();
                }
            }
            Place::Nacl { acl, dir } => {
                if let Some(a) = base.network_acls.get_mut(acl) {
                    entries_mut(a, *dir).clear();
                }
            }
        }
    }
    for e in &endpoints {
        if let Some(ep) = base.client_vpn_endpoints.get_mut(e) {
            ep.auth_rules.clear();
        }
    }
    // Must-nots: asked with the places open and the synthesized authorization.
    let mut probe = opened(&base, Some(&places));
    for a in &auth {
        if let Some(ep) = probe.client_vpn_endpoints.get_mut(&a.endpoint) {
            ep.auth_rules.push(a.rule.clone());
        }
    }
    let mut forbid = Vec::new();
    for (i, m) in intents.must_not.iter().enumerate() {
        for a in ask(&probe, m)? {
            for p in a.paths.iter().filter(|p| p.verdict != Verdict::Unreachable) {
                if p.verdict == Verdict::Unknown {
                    continue;
                }
                let n = path_needs(&probe, p, i, gran, true).map_err(|msg| {
                    SynthError::Unsupported {
                        at: m.at.clone(),
                        query: m.query_text(),
                        message: msg,
                    }
                })?;
                if n.is_empty() {
                    return Err(SynthError::Infeasible(format!(
                        "{} `{}` is reachable through filters synth does not rewrite",
                        m.at,
                        m.query_text()
                    )));
                }
                forbid.push((m.at.clone(), n));
            }
        }
    }
    Ok(Found {
        places: places.into_iter().collect(),
        endpoints,
        auth,
        routes,
        base,
        needs,
        forbid,
        assumptions: assumptions.into_iter().collect(),
    })
}

/// The needs of the intents in `net` as it is (tighten): each must be
/// reachable there; with the engine's answers.
pub(super) fn needs_in(
    net: &Network,
    intents: &Intents,
    gran: Granularity,
) -> Result<(Vec<Need>, Vec<Analysis>), SynthError> {
    let mut needs = Vec::new();
    let mut all = Vec::new();
    for (i, intent) in intents.must.iter().enumerate() {
        for a in ask(net, intent)? {
            if a.verdict != Verdict::Reachable {
                return Err(SynthError::Unreachable {
                    at: intent.at.clone(),
                    query: intent.query_text(),
                    message: format!(
                        "{} in the input: tighten keeps what works (reach synth writes what is missing)",
                        a.verdict.name()
                    ),
                });
            }
            for p in a.paths.iter().filter(|p| p.verdict == Verdict::Reachable) {
                needs.extend(path_needs(net, p, i, gran, false).map_err(|m| {
                    SynthError::Unsupported {
                        at: intent.at.clone(),
                        query: intent.query_text(),
                        message: m,
                    }
                })?);
            }
            all.push(a);
        }
    }
    Ok((merge_needs(needs), all))
}

/// Needs equal but for the intent, merged.
fn merge_needs(needs: Vec<Need>) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::new();
    for n in needs {
        match out.iter_mut().find(|o| {
            o.places == n.places
                && o.protocol == n.protocol
                && o.ports == n.ports
                && o.peer == n.peer
        }) {
            Some(o) => {
                for i in n.intents {
                    if !o.intents.contains(&i) {
                        o.intents.push(i);
                    }
                }
            }
            None => out.push(n),
        }
    }
    out
}

/// A candidate's place, protocol and peer (named).
type ShapeKey = (Place, u8, String);

fn bits(n: u128) -> u32 {
    128 - n.max(1).leading_zeros()
}

impl Found {
    /// Candidate rules and the covering problem.
    pub(super) fn problem(&self, net: &Network, _intents: &Intents) -> Result<Built, SynthError> {
        let _ = net;
        let net = &self.base;
        // (place, protocol, ports kind, peer) -> ports needed.
        let mut groups: BTreeMap<ShapeKey, (Peer, IntervalSet, Vec<PortMatch>)> = BTreeMap::new();
        for n in &self.needs {
            let proto = match n.protocol {
                Protocol::Number(p) => p,
                Protocol::All => 255,
            };
            for place in &n.places {
                for o in &n.options {
                    // A network ACL names CIDRs only.
                    if matches!(place, Place::Nacl { .. }) && !matches!(o, Peer::Cidr(_)) {
                        continue;
                    }
                    let e = groups
                        .entry((place.clone(), proto, o.describe()))
                        .or_insert_with(|| (o.clone(), IntervalSet::empty(), Vec::new()));
                    match n.ports {
                        PortMatch::Ports { from, to } => {
                            e.1 = e.1.union(&IntervalSet::from_interval(Interval {
                                lo: u128::from(from),
                                hi: u128::from(to),
                            }));
                        }
                        pm => {
                            if !e.2.contains(&pm) {
                                e.2.push(pm);
                            }
                        }
                    }
                }
            }
        }
        let mut cands: Vec<NewRule> = Vec::new();
        let push = |r: NewRule, cands: &mut Vec<NewRule>| {
            if !cands.contains(&r) {
                cands.push(r);
            }
        };
        for ((place, proto, _), (peer, ports, other)) in &groups {
            let protocol = Protocol::Number(*proto);
            let pms = ports
                .intervals()
                .iter()
                .map(|i| PortMatch::Ports {
                    from: i.lo as u16,
                    to: i.hi as u16,
                })
                .chain(other.iter().copied());
            for pm in pms {
                push(
                    rule_at(place, protocol, pm, peer.clone(), cands.len()),
                    &mut cands,
                );
            }
        }
        // CIDRs whose union is exactly a shorter list of CIDRs: one rule for several.
        let mut by_shape: BTreeMap<(Place, String, String), Vec<IpNet>> = BTreeMap::new();
        for c in &cands {
            let (place, protocol, ports, peer) = parts(c);
            if let Peer::Cidr(n) = peer {
                by_shape
                    .entry((place, protocol.name(), format!("{ports:?}")))
                    .or_default()
                    .push(n);
            }
        }
        for ((place, _, _), nets) in by_shape {
            if nets.len() < 2 {
                continue;
            }
            let union = nets
                .iter()
                .fold(IntervalSet::empty(), |a, n| a.union(&hs::prefix(*n)));
            let merged: Vec<IpNet> = union
                .intervals()
                .iter()
                .flat_map(|i| hs::cidrs(*i))
                .collect();
            if merged.len() >= nets.len() {
                continue;
            }
            let template = cands
                .iter()
                .find(|c| {
                    let (p, _, _, peer) = parts(c);
                    p == place && matches!(peer, Peer::Cidr(n) if n == nets[0])
                })
                .cloned();
            if let Some(t) = template {
                let (_, protocol, ports, _) = parts(&t);
                for m in merged.into_iter().filter(|m| !nets.contains(m)) {
                    push(
                        rule_at(&place, protocol, ports, Peer::Cidr(m), cands.len()),
                        &mut cands,
                    );
                }
            }
        }
        let sets: Vec<PacketSet> = cands.iter().map(|c| c.packets(net)).collect();
        let weights: Vec<u32> = cands
            .iter()
            .zip(&sets)
            .map(|(c, s)| width(net, c, s))
            .collect();
        let covers: Vec<Vec<usize>> = self
            .needs
            .iter()
            .map(|n| {
                (0..cands.len())
                    .filter(|&i| n.places.contains(&cands[i].place()) && n.set.is_subset(&sets[i]))
                    .collect()
            })
            .collect();
        if let Some((n, _)) = self.needs.iter().zip(&covers).find(|(_, c)| c.is_empty()) {
            return Err(SynthError::Infeasible(format!(
                "no rule can let through {} {}{} at {}",
                n.protocol.name(),
                n.ports.describe().trim(),
                n.peer.summary(Field::Src),
                n.places
                    .iter()
                    .map(Place::describe)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        let mut forbids: Vec<(String, Vec<Vec<usize>>)> = Vec::new();
        for (at, needs) in &self.forbid {
            let touch: Vec<Vec<usize>> = needs
                .iter()
                .map(|n| {
                    (0..cands.len())
                        .filter(|&i| {
                            n.places.contains(&cands[i].place()) && n.set.overlaps(&sets[i])
                        })
                        .collect()
                })
                .collect();
            // A crossing no candidate touches stays closed: the path is blocked.
            if touch.iter().any(Vec::is_empty) {
                continue;
            }
            forbids.push((at.clone(), touch));
        }
        Ok(Built {
            problem: Problem {
                weights,
                covers,
                forbids,
            },
            candidates: cands,
        })
    }
}

fn parts(c: &NewRule) -> (Place, Protocol, PortMatch, Peer) {
    match c {
        NewRule::Sg { rule, .. } => (c.place(), rule.protocol, rule.ports, rule.peer.clone()),
        NewRule::Nacl { entry, .. } => (
            c.place(),
            entry.protocol,
            entry.ports,
            Peer::Cidr(entry.cidr),
        ),
    }
}

/// How wide a rule is (the second objective): bits of ports, of peer
/// addresses and, for a security group, of the interfaces it applies to.
fn width(net: &Network, c: &NewRule, set: &PacketSet) -> u32 {
    let ports = set.project(Field::DstPort);
    let (peer_field, members) = match c {
        NewRule::Sg { group, dir, .. } => (
            dir.side().peer_field(),
            net.members_of_group(group).count() as u128,
        ),
        NewRule::Nacl { dir, .. } => (dir.side().peer_field(), 1),
    };
    bits(count(&ports)) + bits(count(&set.project(peer_field))) + bits(members)
}

pub(super) fn rule_at(
    place: &Place,
    protocol: Protocol,
    ports: PortMatch,
    peer: Peer,
    n: usize,
) -> NewRule {
    match place {
        Place::Sg { group, dir } => NewRule::Sg {
            group: group.clone(),
            dir: *dir,
            rule: SgRule {
                protocol,
                ports,
                peer,
                description: Some("reach synth".into()),
                rule_id: None,
                position: format!("synth[{n}]"),
            },
        },
        Place::Nacl { acl, dir } => NewRule::Nacl {
            acl: acl.clone(),
            dir: *dir,
            entry: NaclEntry {
                number: 0,
                action: Action::Allow,
                protocol,
                cidr: match peer {
                    Peer::Cidr(c) => c,
                    _ => "0.0.0.0/0".parse().expect("static cidr"),
                },
                ports,
                source: None,
            },
        },
    }
}
