//! `reach who DST[:PORTS][/proto]`: every source that reaches a target, as
//! exact packet sets. Consumes the engine's answer ([`Analysis`]): one walk
//! per source class (the internet, every access endpoint and user group,
//! every class of interfaces the walk treats alike), never a sample.
//!
//! Must not know output formats (that is `render`) nor file formats.

use std::net::IpAddr;

use crate::engine::{
    self, Analysis, DstSpec, EngineError, Path, Query, QueryOptions, QuerySpec, Reach, SrcSpec,
    Verdict,
};
use crate::hs::{self, Field, IntervalSet, PacketSet};
use crate::model::{Network, Protocol};

/// Which sources `who` asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum From {
    /// The internet, every access user class and every interface.
    All,
    Internet,
    /// Client VPN and Verified Access users, per group.
    Client,
    /// Every interface of the input.
    Interfaces,
    /// One source, as a query names it (`i-…`, `eni-…`, an address).
    Source(SrcSpec),
    /// These interfaces, each on its own (`diff` recomputing only the
    /// sources a change can touch); IDs not in the input are skipped.
    These(Vec<String>),
}

impl From {
    /// `internet`, `client`, `interfaces`, `all`, or a query's source.
    pub fn parse(s: &str) -> Result<From, EngineError> {
        Ok(match s {
            "all" => From::All,
            "internet" => From::Internet,
            "client" => From::Client,
            "interfaces" => From::Interfaces,
            _ => {
                let spec = QuerySpec::parse(&format!("{s}->0.0.0.0:0"))?;
                From::Source(spec.src)
            }
        })
    }

    /// Every interface of the input is asked: its source places
    /// ([`engine::source_places`]) are walked.
    fn every_interface(&self) -> bool {
        matches!(self, From::All | From::Interfaces)
    }
}

/// A `who` question: the target, and the protocols and ports asked.
#[derive(Clone, Debug)]
pub struct Ask {
    pub dst: DstSpec,
    /// (protocol, destination ports or ICMP types); empty = every port of
    /// tcp and udp and every ICMP type of the target's family.
    pub services: Vec<(Protocol, (u16, u16))>,
    pub from: From,
}

impl Ask {
    /// Parses `DST[:PORTS][/proto]` (`DST` as a query writes it).
    pub fn parse(target: &str, from: From) -> Result<Ask, EngineError> {
        let (head, proto) = match target.rsplit_once('/') {
            Some((h, p)) if !p.contains(':') && !p.contains(']') => (h, Some(p)),
            _ => (target, None),
        };
        // `eni-…@ADDRESS`: the port and brackets are read off the address.
        let (at, head) = match head.split_once('@') {
            Some((id, rest)) => (format!("{id}@"), rest.trim_start()),
            None => (String::new(), head),
        };
        let has_port = if head.starts_with('[') {
            head.contains("]:")
        } else {
            head.contains(':') && head.matches(':').count() == 1
        };
        let p = proto.map(|p| format!("/{p}")).unwrap_or_default();
        let spec = if has_port {
            QuerySpec::parse(&format!("internet->{at}{head}{p}"))?
        } else {
            let dst = if head.contains(':') && !head.starts_with('[') {
                format!("[{head}]")
            } else {
                head.to_string()
            };
            QuerySpec::parse(&format!("internet->{at}{dst}:0{p}"))?
        };
        let services = if has_port {
            vec![(spec.protocol, spec.ports)]
        } else if proto.is_some() {
            let max = if spec.protocol.is_icmp() {
                255
            } else {
                u16::MAX
            };
            vec![(spec.protocol, (0, max))]
        } else {
            Vec::new()
        };
        Ok(Ask {
            dst: spec.dst,
            services,
            from,
        })
    }
}

/// Who a source class is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// Hosts on the internet (outside the input).
    Internet,
    /// Users of an access endpoint: a group, or (`None`) a user in none of
    /// the groups its rules name (or certificate authentication).
    Access {
        endpoint: String,
        group: Option<String>,
    },
    /// Interfaces alike to the walk: one subnet, one set of groups.
    Interfaces {
        vpc: String,
        subnet: String,
        groups: Vec<String>,
        /// The members whose packets get there (some or all of the class).
        enis: Vec<String>,
    },
}

impl Source {
    /// A stable key: the class without the members that reach.
    pub fn key(&self) -> String {
        match self {
            Source::Internet => "internet".into(),
            Source::Access { endpoint, group } => format!(
                "client {endpoint} {}",
                group.as_deref().unwrap_or("(no group)")
            ),
            Source::Interfaces { subnet, groups, .. } => {
                format!("{subnet} [{}]", groups.join(","))
            }
        }
    }
}

/// One source class and what of it gets to the target and back, for one
/// protocol.
#[derive(Clone, Debug)]
pub struct Found {
    pub source: Source,
    /// The target's address the packets go to (an interface is reached at
    /// its private address, its public IPv4 addresses and its IPv6 address;
    /// at each, only packets delivered to it count: [`Query::delivered_to`]).
    pub dst: IpAddr,
    pub protocol: Protocol,
    /// Packets that get there and back (for every network choice, for some),
    /// and those the input cannot decide.
    pub reach: Reach,
    /// How they get there: the gateways on the forward way (`local` when none).
    pub via: Vec<&'static str>,
    /// The engine's answer this was read from (for explanations).
    pub analysis: std::sync::Arc<Analysis>,
    /// When `reach` was read off a walk from a superset of the class's
    /// sources (`exposure`'s one walk from every public address): the
    /// class's packets are those of `reach` whose source is in this set.
    /// (Restricting `reach` itself would give every target one box per
    /// address of the input; [`Found::sources`] and [`Found::ports`] read
    /// through it.) `None`: `reach` is exactly the class's.
    pub within: Option<std::sync::Arc<IntervalSet>>,
}

impl Found {
    /// The class's packets that get there (for some network choice) or may.
    fn any(&self) -> PacketSet {
        self.reach.some.union(&self.reach.undecided)
    }

    /// The source addresses whose packets get there (or may).
    pub fn sources(&self) -> IntervalSet {
        match &self.within {
            None => self.any().project(Field::Src),
            Some(w) => self.any().project_within(Field::Src, Field::Src, w),
        }
    }

    /// The destination ports (ICMP types for ICMP) that are reached (or may be).
    pub fn ports(&self) -> IntervalSet {
        match &self.within {
            None => ports_of(&self.any(), self.protocol),
            Some(w) => {
                let f = if self.protocol.is_icmp() {
                    Field::IcmpType
                } else {
                    Field::DstPort
                };
                self.any().project_within(f, Field::Src, w)
            }
        }
    }

    /// `reach` as the class's own packets: restricted to `within`. (Costly
    /// for a superset answer: one box per hole of `within`.)
    pub fn exact(&self) -> Reach {
        match &self.within {
            None => self.reach.clone(),
            Some(w) => Reach {
                all: self.reach.all.restrict(Field::Src, w),
                some: self.reach.some.restrict(Field::Src, w),
                undecided: self.reach.undecided.restrict(Field::Src, w),
            },
        }
    }
}

/// The answer: every source class that reaches (or may: undecided) the target.
#[derive(Clone, Debug)]
pub struct Answer {
    pub dst_ip: IpAddr,
    pub dst_eni: Option<String>,
    pub services: Vec<(Protocol, (u16, u16))>,
    pub found: Vec<Found>,
    pub assumptions: Vec<String>,
}

impl Answer {
    /// Whether any source reaches (for some network choice) or may.
    pub fn anything(&self) -> bool {
        !self.found.is_empty()
    }
}

/// The protocols and ports asked (the defaults for the target's family).
fn services(ask: &Ask, dst_ip: IpAddr) -> Vec<(Protocol, (u16, u16))> {
    services_toward(&ask.services, dst_ip)
}

/// The protocols and ports asked of one address: `asked`, or (none asked)
/// every tcp and udp port and every ICMP type of the address's family.
/// ICMP of the other family is never asked of it.
pub(crate) fn services_toward(
    asked: &[(Protocol, (u16, u16))],
    dst_ip: IpAddr,
) -> Vec<(Protocol, (u16, u16))> {
    if !asked.is_empty() {
        return asked
            .iter()
            .copied()
            .filter(|(p, _)| {
                !((*p == Protocol::ICMP && dst_ip.is_ipv6())
                    || (*p == Protocol::ICMPV6 && dst_ip.is_ipv4()))
            })
            .collect();
    }
    let icmp = if dst_ip.is_ipv6() {
        Protocol::ICMPV6
    } else {
        Protocol::ICMP
    };
    vec![
        (Protocol::TCP, (0, u16::MAX)),
        (Protocol::UDP, (0, u16::MAX)),
        (icmp, (0, 255)),
    ]
}

/// Gateway kinds on the forward way of reaching paths.
pub(crate) fn via_of<'p>(paths: impl IntoIterator<Item = &'p Path>) -> Vec<&'static str> {
    const GATEWAYS: [&str; 8] = [
        "internet-gateway",
        "transit-gateway",
        "egress-only-internet-gateway",
        "nat-gateway",
        "vpc-peering",
        "virtual-private-gateway",
        "client-vpn-association",
        "verified-access-endpoint",
    ];
    let mut out: Vec<&'static str> = Vec::new();
    for p in paths
        .into_iter()
        .filter(|p| matches!(p.verdict, Verdict::Reachable | Verdict::Partial))
    {
        let mut any = false;
        for h in &p.forward.hops {
            let kind = match h.kind {
                "transit-gateway-attachment" => "transit-gateway",
                k => k,
            };
            if let Some(k) = GATEWAYS.iter().find(|k| **k == kind) {
                any = true;
                if !out.contains(k) {
                    out.push(k);
                }
            }
        }
        if !any && !out.contains(&"local") {
            out.push("local");
        }
    }
    out
}

fn nothing(r: &Reach) -> bool {
    r.some.is_empty() && r.undecided.is_empty()
}

/// The source addresses of `set`.
fn sources_of(set: &PacketSet) -> IntervalSet {
    set.project(Field::Src)
}

/// A target's addresses, as a query names each and as an address.
type Addresses = Vec<(DstSpec, IpAddr)>;

/// The addresses a target is reached at: an interface (or instance) at its
/// primary private address, each public IPv4 address mapped to it, and its
/// first IPv6 address; an interface at one address (`eni-…@ADDRESS`) or an
/// address as given.
fn addresses(net: &Network, ask: &Ask) -> Result<(Addresses, Option<String>), EngineError> {
    // The target as a query resolves it (errors name the token).
    let (dst_ip, dst_eni) = Query::resolve_destination(net, &ask.dst)?;
    let mut out = vec![(ask.dst.clone(), dst_ip)];
    let whole = matches!(ask.dst, DstSpec::Eni(_) | DstSpec::Instance(_));
    if let Some(i) = dst_eni
        .as_ref()
        .filter(|_| whole)
        .and_then(|e| net.interfaces.get(e))
    {
        for p in i.private_ips.iter().filter_map(|p| p.public) {
            out.push((DstSpec::Ip(p), p));
        }
        // (An IPv6-only interface is asked at it already.)
        if let Some(v6) = i.ipv6.first().filter(|v6| **v6 != dst_ip) {
            out.push((DstSpec::Ip(*v6), *v6));
        }
    }
    Ok((out, dst_eni))
}

/// Answers `ask` on `net`.
pub fn who(net: &Network, ask: &Ask) -> Result<Answer, EngineError> {
    who_at(net, ask, None)
}

/// [`who`], asking only the target's address `at` when given (one of
/// those it is reached at; `diff` explaining one flow).
pub fn who_at(net: &Network, ask: &Ask, at: Option<IpAddr>) -> Result<Answer, EngineError> {
    // Each address and service asked, and whether nothing on the internet
    // gets to it there (only interfaces' walks are stopped: not worked out
    // when no interface is asked).
    let interfaces = !matches!(ask.from, From::Internet | From::Client);
    let build = || -> Result<_, EngineError> {
        let (mut targets, dst_eni) = addresses(net, ask)?;
        let dst_ip = targets[0].1;
        if let Some(at) = at {
            targets.retain(|(_, ip)| *ip == at);
        }
        let mut asks: Vec<Asked> = Vec::new();
        for (k, (_, ip)) in targets.iter().enumerate() {
            for (protocol, ports) in services(ask, *ip) {
                // ICMP of the other family is not asked of this address.
                if (protocol == Protocol::ICMP && ip.is_ipv6())
                    || (protocol == Protocol::ICMPV6 && ip.is_ipv4())
                {
                    continue;
                }
                let closed = interfaces
                    && dst_eni
                        .as_deref()
                        .is_some_and(|e| closed_outside(net, e, *ip, protocol, ports, None));
                asks.push(Asked {
                    target: k,
                    protocol,
                    ports,
                    closed,
                });
            }
        }
        Ok((dst_ip, targets, dst_eni, asks))
    };
    // The source places are worked out meanwhile (at 10k interfaces the
    // target's resolution, which builds the network's address index, and
    // the first walk above take ~30 ms on one thread, and so do they).
    let (built, every) = rayon::join(build, || {
        ask.from
            .every_interface()
            .then(|| engine::source_places(net))
    });
    let (dst_ip, targets, dst_eni, asks) = built?;
    let probed = every
        .as_deref()
        .and_then(|all| probe_places(net, all, &targets, dst_eni.as_deref(), &asks));
    let places = every.as_deref().map(|all| Places {
        all,
        probed: probed.as_deref(),
    });
    let mut found = Vec::new();
    let mut asked = Vec::new();
    for (n, a) in asks.iter().enumerate() {
        let (dst, ip) = &targets[a.target];
        if !asked.contains(&(a.protocol, a.ports)) {
            asked.push((a.protocol, a.ports));
        }
        let target = Target {
            dst,
            ip: *ip,
            eni: dst_eni.as_deref(),
            protocol: a.protocol,
            ports: a.ports,
            closed: a.closed,
        };
        ask_sources(
            net,
            ask,
            &target,
            places.as_ref().map(|p| (p, n)),
            &mut found,
        )?;
    }
    let mut assumptions: Vec<String> = Vec::new();
    for f in &found {
        for s in &f.analysis.assumptions {
            if !assumptions.contains(s) && !s.contains("are asked together") {
                assumptions.push(s.clone());
            }
        }
    }
    Ok(Answer {
        dst_ip,
        dst_eni,
        services: asked,
        found,
        assumptions,
    })
}

/// One address of the target (an index into its addresses) and one
/// service, and whether it is closed from the internet ([`closed_outside`]).
struct Asked {
    target: usize,
    protocol: Protocol,
    ports: (u16, u16),
    closed: bool,
}

/// The source places `who` walks when it asks every interface
/// ([`engine::source_places`]), and which asks each is walked toward.
struct Places<'a> {
    all: &'a [engine::Gathering],
    /// Per place (in `all`'s order), the asks ([`Asked`], by index) the
    /// probe found anything of there; `None`: not probed, every place
    /// walked toward every ask.
    probed: Option<&'a [Vec<usize>]>,
}

/// For an interface asked at several addresses of one family (its private
/// and public IPv4 addresses) on the same service: per place of `places`
/// (the gatherings of [`engine::source_places`]), the asks (indices into `asks`) it is to be
/// walked toward, found by one walk of it toward all those addresses at
/// once ([`Query::toward`]; each packet's fate is its own header's, so what
/// it finds at an address is what a walk toward that address alone finds).
/// Most gatherings reach none of them: one walk instead of one per address
/// (`who` at 10k interfaces walks each of ~1,000 gatherings toward two
/// addresses). An ask alone in its family and service, or a gathering with a
/// member holding one of the addresses (no source toward that one), is
/// walked as asked. `None`: not probed (no interface target, or no two
/// asks alike), every gathering walked.
fn probe_places(
    net: &Network,
    places: &[engine::Gathering],
    targets: &Addresses,
    eni: Option<&str>,
    asks: &[Asked],
) -> Option<Vec<Vec<usize>>> {
    use rayon::prelude::*;
    let eni = eni?;
    // The asks of one family and service, together.
    let mut alike: Vec<Vec<usize>> = Vec::new();
    for (n, a) in asks.iter().enumerate() {
        let v4 = targets[a.target].1.is_ipv4();
        match alike.iter_mut().find(|g| {
            let b = &asks[g[0]];
            targets[b.target].1.is_ipv4() == v4 && (b.protocol, b.ports) == (a.protocol, a.ports)
        }) {
            Some(g) => g.push(n),
            None => alike.push(vec![n]),
        }
    }
    if alike.iter().all(|g| g.len() < 2) {
        return None;
    }
    Some(
        places
            .par_iter()
            .map(|place| probe_place(net, targets, eni, asks, &alike, place))
            .collect(),
    )
}

/// [`probe_places`] for one gathering.
fn probe_place(
    net: &Network,
    targets: &Addresses,
    eni: &str,
    asks: &[Asked],
    alike: &[Vec<usize>],
    place: &engine::Gathering,
) -> Vec<usize> {
    let members: Vec<&crate::model::Interface> = place
        .iter()
        .flat_map(|(_, class)| class)
        .filter(|m| m.as_str() != eni)
        .filter_map(|m| net.interfaces.get(m))
        .collect();
    let mut out = Vec::new();
    for group in alike {
        let ips: Vec<IpAddr> = group.iter().map(|n| targets[asks[*n].target].1).collect();
        if group.len() < 2 || members.iter().any(|i| ips.iter().any(|ip| i.has_ip(*ip))) {
            out.extend(group);
            continue;
        }
        let first = &asks[group[0]];
        let q = match Query::from_members(
            net,
            &members,
            targets[first.target].0.clone(),
            first.protocol,
            first.ports,
        ) {
            Ok(Some(q)) => q,
            // No member has an address of the family: none is a source.
            Ok(None) => continue,
            Err(_) => {
                out.extend(group);
                continue;
            }
        };
        let points = |closed: bool| {
            IntervalSet::from_intervals(
                group
                    .iter()
                    .zip(&ips)
                    .filter(|(n, _)| !closed || asks[**n].closed)
                    .map(|(_, ip)| hs::Interval::point(hs::addr(*ip))),
            )
        };
        let q = q
            .toward(points(false))
            .delivered_to(Some(eni))
            .closed_outside_at(points(true));
        let reach = engine::check(net, q).reach();
        let got = reach.some.union(&reach.undecided).project(Field::Dst);
        out.extend(
            group
                .iter()
                .zip(&ips)
                .filter(|(_, ip)| got.contains(hs::addr(**ip)))
                .map(|(n, _)| *n),
        );
    }
    out
}

/// One address of the target and one service.
struct Target<'a> {
    dst: &'a DstSpec,
    ip: IpAddr,
    eni: Option<&'a str>,
    protocol: Protocol,
    ports: (u16, u16),
    /// Nothing on the internet gets to `ip` on this service
    /// ([`closed_outside`]): interfaces' walks stop when they reach it.
    closed: bool,
}

/// Whether nothing on the internet gets to interface `eni` at its address
/// `ip` (a public IPv4 or an IPv6 address of an ordinary interface) on
/// `protocol` and `ports` (each of `port_set` when given): one walk from
/// every address a packet can carry on the internet
/// ([`Query::from_anywhere_outside`]) whose forward packets are all
/// dropped. Every walk that puts packets on the internet toward `ip` then
/// shares that fate from there, whatever came before (the walk on from the
/// internet reads the packet's header only; a transit gateway crossed
/// before only removes group-reference matches), so `who` stops those
/// walks there ([`Query::closed_outside`]). `false` when not so, or not
/// told (a private address, a NAT gateway's interface, whose entry depends
/// on the connection's translations).
pub fn closed_outside(
    net: &Network,
    eni: &str,
    ip: IpAddr,
    protocol: Protocol,
    ports: (u16, u16),
    port_set: Option<&IntervalSet>,
) -> bool {
    let Some(i) = net.interfaces.get(eni) else {
        return false;
    };
    // A public IPv4 mapped to it, or its own IPv6 address (not a private
    // address, nor an IPv4 address of a delegated prefix: the internet
    // routes neither).
    let public = i.private_ips.iter().any(|p| p.public == Some(ip))
        || ip.is_ipv6() && i.has_ip(ip) && !i.private_ips.iter().any(|p| p.address == ip);
    if !public || i.kind == "nat_gateway" || net.nat_gateway_by_interface(eni).is_some() {
        return false;
    }
    let spec = QuerySpec {
        text: String::new(),
        src: SrcSpec::Internet,
        dst: DstSpec::Ip(ip),
        protocol,
        ports,
    }
    .named();
    let Ok(q) = Query::resolve(net, spec, None) else {
        return false;
    };
    let mut q = q.delivered_to(Some(eni)).from_anywhere_outside(net);
    if let Some(p) = port_set {
        q = q.on_ports(p.clone());
    }
    engine::check(net, q)
        .paths
        .iter()
        .all(|p| matches!(p.forward.end, engine::End::Dropped(_)))
}

/// Every source class of `ask` toward one address and service.
///
/// `places`: when every interface is asked, the source places and this
/// ask's index among the asks; only the places the probe found anything
/// of at this ask are walked.
fn ask_sources(
    net: &Network,
    ask: &Ask,
    t: &Target<'_>,
    places: Option<(&Places<'_>, usize)>,
    found: &mut Vec<Found>,
) -> Result<(), EngineError> {
    let (protocol, ports, dst_ip) = (t.protocol, t.ports, t.ip);
    let want = |f: &From| ask.from == From::All || ask.from == *f;
    let spec = |src: SrcSpec| QuerySpec {
        text: String::new(),
        src,
        dst: t.dst.clone(),
        protocol,
        ports,
    };
    let push = |found: &mut Vec<Found>, source: Source, a: Analysis, reach: Reach| {
        found.push(Found {
            source,
            dst: dst_ip,
            protocol,
            via: via_of(&a.paths),
            reach,
            analysis: a.into(),
            within: None,
        });
    };
    if want(&From::Internet) {
        let q = Query::resolve(net, spec(SrcSpec::Internet).named(), None)?.delivered_to(t.eni);
        let a = engine::check(net, q);
        let reach = a.reach();
        if !nothing(&reach) {
            push(found, Source::Internet, a, reach);
        }
    }
    let has_access = !net.client_vpn_endpoints.is_empty() || !net.va_endpoints.is_empty();
    if want(&From::Client) && has_access {
        let q = Query::resolve_with(net, spec(SrcSpec::Client).named(), &QueryOptions::default())?
            .delivered_to(t.eni);
        let a = std::sync::Arc::new(engine::check(net, q));
        for acc in &a.access {
            if nothing(&acc.reach) {
                continue;
            }
            let paths: Vec<Path> = a
                .paths
                .iter()
                .filter(|p| {
                    p.via
                        .as_ref()
                        .is_some_and(|v| v.endpoint == acc.endpoint && v.group == acc.group)
                })
                .cloned()
                .collect();
            found.push(Found {
                source: Source::Access {
                    endpoint: acc.endpoint.clone(),
                    group: acc.group.clone(),
                },
                dst: dst_ip,
                protocol,
                via: via_of(&paths),
                reach: acc.reach.clone(),
                analysis: a.clone(),
                within: None,
            });
        }
    }
    // Gatherings of classes one walk answers for (see
    // `engine::source_places`), each class with its place in
    // `source_classes` order (the order they are listed in).
    let gatherings: Vec<engine::Gathering> = match &ask.from {
        // `places`, walked below.
        From::All | From::Interfaces => Vec::new(),
        From::Source(SrcSpec::Eni(id)) => vec![vec![(0, vec![id.clone()])]],
        From::These(ids) => ids
            .iter()
            .filter(|id| net.interfaces.contains_key(*id))
            .enumerate()
            .map(|(n, id)| vec![(n, vec![id.clone()])])
            .collect(),
        From::Source(SrcSpec::Instance(id)) => {
            let enis = net.instance_interfaces(id);
            if enis.is_empty() {
                return Err(EngineError::Query {
                    token: id.clone(),
                    message: "no such instance in the input (or it has no interface)".into(),
                });
            }
            vec![vec![(0, vec![enis[0].id.clone()])]]
        }
        From::Source(SrcSpec::Ip(ip)) => {
            let owners: Vec<String> = net.interfaces_with_ip(*ip).map(|i| i.id.clone()).collect();
            if owners.is_empty() {
                // A host outside the input: asked as a query from it.
                if ip.is_ipv4() == dst_ip.is_ipv4() {
                    let q = Query::resolve(net, spec(SrcSpec::Ip(*ip)).named(), None)?
                        .delivered_to(t.eni);
                    let a = engine::check(net, q);
                    let reach = a.reach();
                    if !nothing(&reach) {
                        push(found, Source::Internet, a, reach);
                    }
                }
                Vec::new()
            } else {
                owners
                    .into_iter()
                    .enumerate()
                    .map(|(n, o)| vec![(n, vec![o])])
                    .collect()
            }
        }
        _ => Vec::new(),
    };
    use rayon::prelude::*;
    let walked: Vec<Result<Vec<(usize, Found)>, EngineError>> = match places {
        Some((p, n)) => p
            .all
            .par_iter()
            .enumerate()
            .filter(|(k, _)| p.probed.is_none_or(|probed| probed[*k].contains(&n)))
            .map(|(_, g)| gathering_found(net, t, g.clone()))
            .collect(),
        None => gatherings
            .into_par_iter()
            .map(|g| gathering_found(net, t, g))
            .collect(),
    };
    let mut classes = Vec::new();
    for f in walked {
        classes.extend(f?);
    }
    classes.sort_by_key(|(n, _)| *n);
    found.extend(classes.into_iter().map(|(_, f)| f));
    Ok(())
}

/// What the classes of one gathering get to the target: one walk for all
/// of them, then (when it reaches something and they are more than one
/// class) a walk per class that reached, so each answer's explanation names
/// that class's own groups.
fn gathering_found(
    net: &Network,
    t: &Target<'_>,
    mut gathering: Vec<(usize, Vec<String>)>,
) -> Result<Vec<(usize, Found)>, EngineError> {
    if gathering.len() == 1 {
        let (n, class) = gathering.pop().expect("one class");
        return Ok(class_found(net, t, class)?
            .map(|f| (n, f))
            .into_iter()
            .collect());
    }
    let all: Vec<String> = gathering.iter().flat_map(|(_, c)| c.clone()).collect();
    let Some(together) = class_found(net, t, all)? else {
        return Ok(Vec::new());
    };
    let Source::Interfaces { enis, .. } = &together.source else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (n, class) in gathering {
        if class.iter().any(|m| enis.contains(m))
            && let Some(f) = class_found(net, t, class)?
        {
            out.push((n, f));
        }
    }
    Ok(out)
}

/// The destination ports (or ICMP types) of `set`.
pub fn ports_of(set: &PacketSet, protocol: Protocol) -> IntervalSet {
    if protocol.is_icmp() {
        set.project(Field::IcmpType)
    } else {
        set.project(Field::DstPort)
    }
}

/// What one class of interfaces gets to the target (`None`: nothing).
fn class_found(
    net: &Network,
    t: &Target<'_>,
    class: Vec<String>,
) -> Result<Option<Found>, EngineError> {
    let dst_ip = t.ip;
    // The target itself is no source of its own reach (nor is another
    // holder of its address).
    let members: Vec<&crate::model::Interface> = class
        .iter()
        .filter(|m| Some(m.as_str()) != t.eni)
        .filter_map(|m| net.interfaces.get(m))
        .filter(|i| !i.has_ip(dst_ip))
        .collect();
    if members.is_empty() {
        return Ok(None);
    }
    let Some(q) = Query::from_members(net, &members, t.dst.clone(), t.protocol, t.ports)? else {
        return Ok(None);
    };
    let q = q.delivered_to(t.eni);
    // Closed from the internet: walked first only up to it; what that
    // finds is walked again in full for its explanation.
    if t.closed && nothing(&engine::check(net, q.clone().closed_outside()).reach()) {
        return Ok(None);
    }
    let a = engine::check(net, q);
    let reach = a.reach();
    if nothing(&reach) {
        return Ok(None);
    }
    let got = sources_of(&reach.some).union(&sources_of(&reach.undecided));
    let enis: Vec<String> = members
        .iter()
        .filter(|i| {
            i.address_like(dst_ip)
                .is_some_and(|ip| got.contains(hs::addr(ip)))
        })
        .map(|i| i.id.clone())
        .collect();
    let first = members[0];
    let mut groups = first.groups.clone();
    groups.sort();
    let via = via_of(&a.paths);
    Ok(Some(Found {
        source: Source::Interfaces {
            vpc: first.vpc.clone(),
            subnet: first.subnet.clone(),
            groups,
            enis,
        },
        dst: dst_ip,
        protocol: t.protocol,
        via,
        reach,
        analysis: a.into(),
        within: None,
    }))
}
