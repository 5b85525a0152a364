//! What reaches many destinations, as `diff` compares it: the same packets
//! as asking `who` of each destination ([`super::reached`]), for fewer
//! walks: interfaces are walked a whole subnet at a time (each member
//! through its own groups, `engine::source_places`), and no class is walked
//! again for its explanation (`diff` asks a class's own walk only for a
//! flow that changed). (Walking toward many destinations at once was
//! measured slower: the packet sets grow with every destination.)
//!
//! Must not know output or file formats.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::engine::{self, DstSpec, EngineError, Query};
use crate::hs::{self, Field, PacketSet};
use crate::model::{Interface, Network, Protocol};
use crate::who::{self, From, Source};

use super::compare::ChangeIndex;
use super::reached::{Entry, Reached, merge, point, proto_number, reached};
use super::trace::Trace;

/// What one place's walk toward one address found, by destination
/// ([`place_reach`]), and whether it found undecided packets.
type PlaceReach = (Vec<(String, Reached)>, bool);

/// A place's interfaces, and those of them asked as sources.
type Class<'p, 'n> = (&'p Vec<&'n Interface>, Vec<&'n Interface>);

/// What a place's packets may get to ([`exits_of`]): (the place's first
/// interface, protocol number, the ports walked, IPv4?).
type ExitKey = (String, u8, hs::IntervalSet, bool);

/// One address of a destination.
struct Target<'a> {
    dst: &'a str,
    to: IpAddr,
    /// The destination's primary address (asked by interface); its other
    /// addresses (public, IPv6) are asked as addresses, and there too only
    /// packets delivered to it count (as `who` asks them).
    primary: bool,
}

/// One address of a destination and one protocol, on every port (ICMP
/// type) asked of it at once: one walk from each place.
struct Asked<'a> {
    protocol: Protocol,
    /// The span of `ports` (the query's text).
    span: (u16, u16),
    ports: hs::IntervalSet,
    target: Target<'a>,
    /// Nothing on the internet gets to the address on these ports
    /// (`who::closed_outside`): the walks stop when they reach it.
    closed: bool,
    /// The ports are one service asked (a member's own walks ask each
    /// service apart: with several, its hops name rules of each only where
    /// its packets on that service met them).
    one_service: bool,
}

/// [`reached`] of every destination of `dsts` in `net` (those not in `net`
/// are left out): from every source (`these` = `None`, `From::All`), or
/// from interfaces by ID, each destination `d` from those of `these[d]`
/// (`From::These`), and from the internet too where `these[d]` says so.
/// Interfaces' entries keep what their subnet's walk met at the resources
/// of `relevant` (the changed ones), as `side` ("before", "after") saw it
/// ([`Trace`]).
///
/// Also returns, walk by walk (a place toward an address on a protocol),
/// whether it found undecided packets. Given as `twins` to the same call on
/// the other side (the same jobs in the same order), where the groups of
/// every destination asked admit none of the packets asked
/// ([`admits_none`]) and only destinations' groups' inbound rules changed
/// (`Scoper::sources_alike`), a walk whose twin found nothing undecided is
/// skipped: it would find nothing. The two walks are the same up to the
/// destination's groups, and every packet that gets there is dropped there
/// on this side, so all this walk could find is what was left undecided
/// before getting there, and its twin left that undecided too. (A walk
/// stopped at the internet toward an address nothing gets to from there,
/// `closed`, stops packets all dropped on the way, never undecided, on
/// either side.)
#[allow(clippy::too_many_arguments)]
pub(super) fn reached_many(
    net: &Network,
    exits: &Exits,
    sources: &Sources,
    side: &str,
    relevant: &ChangeIndex,
    dsts: &[&String],
    services: &[(Protocol, (u16, u16))],
    these: Option<&BTreeMap<&String, (Vec<String>, bool)>>,
    twins: Option<&[bool]>,
) -> Result<(BTreeMap<String, Reached>, Vec<bool>), EngineError> {
    let dsts: Vec<&String> = dsts
        .iter()
        .copied()
        .filter(|d| net.interfaces.contains_key(*d))
        .collect();
    let mut out: BTreeMap<String, Reached> = BTreeMap::new();
    {
        let others: Vec<Result<(String, Reached), EngineError>> = dsts
            .par_iter()
            .map(|d| {
                let (internet, clients) = match these {
                    None => (true, true),
                    Some(t) => (t.get(*d).is_some_and(|x| x.1), false),
                };
                let mut r = Reached::new();
                if internet {
                    r = reached(net, d, services, From::Internet)?;
                }
                let has_access =
                    !net.client_vpn_endpoints.is_empty() || !net.va_endpoints.is_empty();
                if clients && has_access {
                    r.extend(reached(net, d, services, From::Client)?);
                }
                Ok(((*d).clone(), r))
            })
            .collect();
        for r in others {
            let (d, r) = r?;
            out.insert(d, r);
        }
    }
    let members: Option<BTreeSet<&String>> = these.map(|t| t.values().flat_map(|x| &x.0).collect());
    // One walk per place (the classes of one subnet, each member through
    // its own groups: `engine::source_places`), its interfaces looked up
    // once, not once per address asked; with the whole place (its exits
    // are read for all its members: [`exits_of`]).
    let places: Vec<Vec<&Interface>> = engine::source_places(net)
        .iter()
        .map(|g| {
            g.iter()
                .flat_map(|(_, c)| c)
                .filter_map(|e| net.interfaces.get(e))
                .collect()
        })
        .collect();
    let classes: Vec<Class> = places
        .iter()
        .map(|p| {
            let mut c = p.clone();
            if let Some(m) = &members {
                c.retain(|i| m.contains(&i.id));
            }
            (p, c)
        })
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let asked = asked_of(net, &dsts, services);
    let jobs: Vec<(&Class, &Asked)> = classes
        .iter()
        .flat_map(|c| asked.iter().map(move |b| (c, b)))
        .collect();
    // The twins are these jobs, in this order (the same places, members
    // and asks on both sides: `Scoper::sources_alike`); else none skipped.
    let twins = twins.filter(|t| t.len() == jobs.len());
    let shares: Vec<Result<PlaceReach, EngineError>> = jobs
        .par_iter()
        .enumerate()
        .map(|(n, ((place, class), asked))| {
            // The twin found nothing undecided: nothing to find here.
            if twins.is_some_and(|t| !t[n]) {
                return Ok((Vec::new(), false));
            }
            // Nothing of the place gets toward the address: no walk.
            if !exits_of(net, exits, place, asked) {
                return Ok((Vec::new(), false));
            }
            place_reach(net, side, sources, relevant, class, asked)
        })
        .collect();
    let mut undecided = Vec::with_capacity(shares.len());
    for s in shares {
        let (s, u) = s?;
        undecided.push(u);
        for (d, r) in s {
            let keep = these.and_then(|t| t.get(&d)).map(|x| &x.0);
            let into = out.entry(d).or_default();
            for (k, v) in r {
                let Source::Interfaces { enis, .. } = &*v.source else {
                    continue;
                };
                if keep.is_some_and(|ids| !enis.iter().all(|e| ids.contains(e))) {
                    continue;
                }
                merge(into, k, v);
            }
        }
    }
    Ok((out, undecided))
}

/// Each interface's source class as its flows name it ([`interface_source`]),
/// by ID: made once per side and shared by every flow from it (a diff of
/// many changes has a million flows, and their sources were a quarter of
/// their memory).
pub(super) type Sources = HashMap<String, Arc<Source>>;

/// [`Sources`] of `net`.
pub(super) fn sources_of(net: &Network) -> Sources {
    net.interfaces
        .values()
        .map(|i| (i.id.clone(), Arc::new(interface_source(i))))
        .collect()
}

/// Interface `i` as a source of its own: its VPC, subnet, groups (sorted)
/// and itself.
fn interface_source(i: &Interface) -> Source {
    let mut groups = i.groups.clone();
    groups.sort();
    Source::Interfaces {
        vpc: i.vpc.clone(),
        subnet: i.subnet.clone(),
        groups,
        enis: vec![i.id.clone()],
    }
}

/// Whether the groups of destination `dst` in `net` admit, by any inbound
/// rule (or may: a peer the input does not settle, a group it lacks), none
/// of the packets of `services`, from any source: tcp and udp services only
/// (`false` when one is of another protocol, or the interface's groups are
/// not checked).
pub(super) fn admits_none(net: &Network, dst: &str, services: &[(Protocol, (u16, u16))]) -> bool {
    let Some(i) = net.interfaces.get(dst) else {
        return false;
    };
    if i.groupless() || i.groups.is_empty() || services.is_empty() {
        return false;
    }
    let groups: Vec<&str> = i.groups.iter().map(String::as_str).collect();
    let [(yes, maybe), _] = super::ingress_views(net, &groups);
    let admitted = yes.union(&maybe);
    let one = |lo: u128, hi: u128| hs::IntervalSet::from_interval(hs::Interval { lo, hi });
    services.iter().all(|(p, (lo, hi))| {
        let n = u128::from(proto_number(*p));
        (*p == Protocol::TCP || *p == Protocol::UDP)
            && admitted
                .restrict(Field::Proto, &one(n, n))
                .restrict(Field::DstPort, &one(u128::from(*lo), u128::from(*hi)))
                .is_empty()
    })
}

/// Where each place's packets may get, per protocol, on one side
/// ([`exits_of`]): the destinations and ports some packet of the place is
/// not dropped on its way toward, keyed by the place's first interface,
/// the protocol, the ports walked and the address family.
pub(super) struct Exits {
    known: Mutex<HashMap<ExitKey, Arc<OnceLock<PacketSet>>>>,
    /// The span of the tcp and udp ports any destination of the diff is
    /// asked on, per protocol number: walked at once.
    ports: HashMap<u8, hs::IntervalSet>,
}

impl Exits {
    /// For a diff asking each destination on one of `asked` (`who`'s
    /// services: none is every port).
    pub(super) fn new<'a>(asked: impl IntoIterator<Item = &'a [(Protocol, (u16, u16))]>) -> Exits {
        let mut ports: HashMap<u8, hs::IntervalSet> = HashMap::new();
        for services in asked {
            // What `asked_of` asks; of tcp and udp, the same of every
            // address (only ICMP's family depends on it).
            let any = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
            for (p, (lo, hi)) in who::services_toward(services, any) {
                if p != Protocol::TCP && p != Protocol::UDP {
                    continue;
                }
                let e = ports.entry(proto_number(p)).or_default();
                *e = e.union(&port_range(lo, hi));
            }
        }
        // Their span: one range is walked faster than many ports apart
        // (each its own boxes), and the walk then skips no less.
        for set in ports.values_mut() {
            if let Some(span) = set.hull() {
                *set = hs::IntervalSet::from_interval(span);
            }
        }
        Exits {
            known: Mutex::default(),
            ports,
        }
    }
}

/// Whether any packet of `place` on `asked`'s protocol and ports may get
/// toward its target's address: one walk toward every address of its
/// family, on the span of the tcp or udp ports the diff asks of any
/// destination (on the ports asked, for ICMP), stopped where packets pass the network ACL
/// out of the place's subnet (`Query::to_subnet_exit`), whatever it did
/// not drop, kept as destination and port. Every packet's fate up to there
/// is its own, and a walk from fewer of the place's interfaces toward one
/// address on fewer ports drops what this one drops: a target outside
/// this set on the ports asked is reached by nothing of the place (nor
/// left undecided), and its walk is skipped. Once per side, place and
/// protocol (at 10k interfaces with 1% of the rules changed, a walk per
/// port set asked was a tenth of `diff`; a walk on every port, where one
/// port is asked, a tenth more of it).
fn exits_of(net: &Network, exits: &Exits, place: &[&Interface], asked: &Asked) -> bool {
    let to = asked.target.to;
    let Some(first) = place.first() else {
        return false;
    };
    let icmp = asked.protocol.is_icmp();
    let port_field = if icmp {
        Field::IcmpType
    } else {
        Field::DstPort
    };
    let number = proto_number(asked.protocol);
    // The ports walked: the span of all the diff asks of the protocol (every
    // port, were the ports asked here not among them), or for ICMP those
    // asked here.
    let walked = match exits.ports.get(&number) {
        _ if icmp => asked.ports.clone(),
        Some(all) if asked.ports.is_subset(all) => all.clone(),
        _ => hs::IntervalSet::full(Field::DstPort),
    };
    let Some(span) = port_span(&walked) else {
        return false;
    };
    let key = (first.id.clone(), number, walked.clone(), to.is_ipv4());
    // Nothing panics while the map is held.
    let cell = exits
        .known
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default()
        .clone();
    // Worked out once (a job of the same place and protocol waits): a query
    // that cannot be resolved skips nothing, and its walks say why.
    let found = cell.get_or_init(|| {
        let family = if to.is_ipv4() {
            hs::all_v4()
        } else {
            hs::all_v6()
        };
        let everywhere = || PacketSet::product(&[(Field::Dst, family.clone())]);
        match Query::from_members(net, place, DstSpec::Ip(to), asked.protocol, span) {
            Ok(None) => PacketSet::empty(),
            Err(_) => everywhere(),
            Ok(Some(q)) => {
                let q = q.toward(family.clone()).on_ports(walked).to_subnet_exit();
                let kept = [Field::Dst, port_field];
                engine::check(net, q)
                    .paths
                    .iter()
                    .filter(|p| !matches!(p.forward.end, engine::End::Dropped(_)))
                    .fold(PacketSet::empty(), |s, p| {
                        s.union(&p.forward.flow.some.project_onto(&kept))
                    })
            }
        }
    });
    found.overlaps(&PacketSet::product(&[
        (Field::Dst, point(to)),
        (port_field, asked.ports.clone()),
    ]))
}

/// Ports `lo`-`hi` as a set.
fn port_range(lo: u16, hi: u16) -> hs::IntervalSet {
    hs::IntervalSet::from_interval(hs::Interval {
        lo: u128::from(lo),
        hi: u128::from(hi),
    })
}

/// The first and last port of `ports` (`None` when it has none).
fn port_span(ports: &hs::IntervalSet) -> Option<(u16, u16)> {
    ports.hull().map(|i| (i.lo as u16, i.hi as u16))
}

/// The destinations' addresses (as `who` asks them: the primary private
/// address, each public IPv4 address, the first IPv6 address), each with
/// each service: a walk from every place for each.
fn asked_of<'a>(
    net: &Network,
    dsts: &[&'a String],
    services: &[(Protocol, (u16, u16))],
) -> Vec<Asked<'a>> {
    let mut out: Vec<Asked<'a>> = Vec::new();
    for d in dsts {
        let i = &net.interfaces[*d];
        let Some(primary) = i.main_ip() else {
            continue;
        };
        let mut addresses = vec![(primary, true)];
        for p in i.private_ips.iter().filter_map(|p| p.public) {
            addresses.push((p, false));
        }
        if let Some(v6) = i.ipv6.first().filter(|v6| **v6 != primary) {
            addresses.push((*v6, false));
        }
        for (to, is_primary) in addresses {
            // The ports of one protocol asked together (the answers are
            // merged per protocol anyway: [`merge`]).
            let mut by: Vec<(Protocol, hs::IntervalSet, usize)> = Vec::new();
            for (protocol, (lo, hi)) in who::services_toward(services, to) {
                let range = port_range(lo, hi);
                match by.iter_mut().find(|(p, ..)| *p == protocol) {
                    Some((_, ports, n)) => {
                        *ports = ports.union(&range);
                        *n += 1;
                    }
                    None => by.push((protocol, range, 1)),
                }
            }
            for (protocol, ports, n) in by {
                let Some(span) = port_span(&ports) else {
                    continue;
                };
                // (`closed_outside` answers a private address at once; an
                // IPv6-only interface's main address is its public IPv6.)
                let closed = who::closed_outside(net, d.as_str(), to, protocol, span, Some(&ports));
                out.push(Asked {
                    protocol,
                    span,
                    ports,
                    target: Target {
                        dst: d.as_str(),
                        to,
                        primary: is_primary,
                    },
                    closed,
                    one_service: n == 1,
                });
            }
        }
    }
    out
}

/// What one place's interfaces get to the target of `asked` (as `who`
/// asks it: at each address, only what is delivered to the target counts),
/// each with what the walk met at the resources of `relevant`.
/// Also whether the walk found undecided packets.
fn place_reach(
    net: &Network,
    side: &str,
    sources: &Sources,
    relevant: &ChangeIndex,
    class: &[&Interface],
    asked: &Asked,
) -> Result<PlaceReach, EngineError> {
    let t = &asked.target;
    // The target is no source of its own reach (nor is another holder of
    // its address).
    let members: Vec<&Interface> = class
        .iter()
        .filter(|i| i.id != t.dst && !i.has_ip(t.to))
        .copied()
        .collect();
    let dst = if t.primary {
        DstSpec::Eni(t.dst.to_string())
    } else {
        DstSpec::Ip(t.to)
    };
    let Some(q) = Query::from_members(net, &members, dst, asked.protocol, asked.span)? else {
        return Ok((Vec::new(), false));
    };
    let mut q = q
        .on_ports(asked.ports.clone())
        .delivered_to(Some(t.dst))
        .trace_sources();
    if asked.closed {
        // Only the packets are read here, never the paths.
        q = q.closed_outside();
    }
    let analysis = engine::check(net, q);
    let reach = analysis.reach();
    let (some, undecided) = (reach.some, reach.undecided);
    if some.is_empty() && undecided.is_empty() {
        return Ok((Vec::new(), false));
    }
    // A walk stopped at the internet does not say where its packets stop
    // after it, and one of several services does not say which rule met
    // which: the members' own walks explain them.
    let trace = (!asked.closed && asked.one_service)
        .then(|| Arc::new(Trace::of(side, &analysis, relevant, t.dst)));
    let p = proto_number(asked.protocol);
    let got = some
        .project(Field::Src)
        .union(&undecided.project(Field::Src));
    let mut out = Reached::new();
    for i in &members {
        let e = &i.id;
        let Some(ip) = i.address_like(t.to) else {
            continue;
        };
        if !got.contains(hs::addr(ip)) {
            continue;
        }
        let src = point(ip);
        out.insert(
            (format!("eni {e} to {}", t.to), p),
            Entry {
                to: t.to,
                some: some.restrict(Field::Src, &src),
                undecided: undecided.restrict(Field::Src, &src),
                source: match sources.get(e.as_str()) {
                    Some(s) => s.clone(),
                    None => Arc::new(interface_source(i)),
                },
                answers: Vec::new(),
                trace: trace.clone(),
            },
        );
    }
    Ok((vec![(t.dst.to_string(), out)], !undecided.is_empty()))
}
