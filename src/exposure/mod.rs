//! `reach exposure`: for every interface, what the internet and every access
//! group (Client VPN and Verified Access groups, and a user in none) can
//! reach of it — protocols, ports, the exact source sets, the path kind —
//! sorted by risk.
//!
//! Work is shared across targets: the internet is asked once per protocol
//! and address family toward *every* exposed address at once
//! ([`engine::Query::toward`]: one walk whose packets keep their own
//! destinations; each target's answer is read off it by destination), not
//! once per target. Access users are asked per target address through
//! `who` (their authorization is decided per destination).
//!
//! Consumes the engine's answers as data; must not know output formats
//! (that is `render::exposure`) nor file formats.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use rayon::prelude::*;

use crate::engine::{self, Analysis, EngineError, Query, QuerySpec, Reach, SrcSpec, Verdict};
use crate::hs::{self, Field, Interval, IntervalSet};
use crate::model::{Interface, Network, Protocol};
use crate::who::{self, Found, Source};

/// Which sources are asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum From {
    Internet,
    /// Client VPN and Verified Access users, per group.
    Client,
    All,
}

impl From {
    pub fn parse(s: &str) -> Option<From> {
        match s {
            "internet" => Some(From::Internet),
            "client" => Some(From::Client),
            "all" => Some(From::All),
            _ => None,
        }
    }

    fn internet(self) -> bool {
        matches!(self, From::Internet | From::All)
    }

    fn client(self) -> bool {
        matches!(self, From::Client | From::All)
    }
}

/// How bad an exposure is, worst last (so sorting descending puts it first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    /// Reached by access users only, on other ports.
    Low,
    /// Reached by access users on an administration or database port.
    Medium,
    /// Reached from the internet on other ports.
    High,
    /// Reached from the internet on an administration or database port.
    Critical,
}

impl Risk {
    pub fn name(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }
}

/// Ports whose exposure is worst: remote administration and databases
/// (tcp), by name.
pub const SENSITIVE_PORTS: &[(u16, &str)] = &[
    (22, "ssh"),
    (23, "telnet"),
    (135, "msrpc"),
    (445, "smb"),
    (1433, "mssql"),
    (1521, "oracle"),
    (2375, "docker"),
    (2376, "docker-tls"),
    (2379, "etcd"),
    (3306, "mysql"),
    (3389, "rdp"),
    (5432, "postgres"),
    (5900, "vnc"),
    (5984, "couchdb"),
    (5985, "winrm"),
    (5986, "winrm-https"),
    (6379, "redis"),
    (6443, "kubernetes-api"),
    (9042, "cassandra"),
    (9200, "elasticsearch"),
    (11211, "memcached"),
    (27017, "mongodb"),
];

/// One interface and what reaches it.
#[derive(Clone, Debug)]
pub struct Exposed {
    pub eni: String,
    pub vpc: String,
    pub subnet: String,
    pub instance: Option<String>,
    /// Its `Name` tag (or its instance's).
    pub name: Option<String>,
    /// What reaches it: per source class, address and protocol.
    pub found: Vec<Found>,
    pub risk: Risk,
    /// The sensitive ports (`ssh 22`) that make it `medium` or `critical`.
    pub sensitive: Vec<String>,
}

/// The answer.
#[derive(Clone, Debug)]
pub struct Exposure {
    /// Interfaces something reaches, worst first.
    pub exposed: Vec<Exposed>,
    /// Interfaces asked about.
    pub asked: usize,
    pub from: Vec<&'static str>,
    pub assumptions: Vec<String>,
}

/// The interfaces that can be targets: every interface but a transit
/// gateway attachment's (it only forwards).
fn targets(net: &Network) -> Vec<&Interface> {
    net.interfaces.values().filter(|i| i.originates()).collect()
}

fn point(ip: IpAddr) -> IntervalSet {
    IntervalSet::from_interval(Interval::point(hs::addr(ip)))
}

/// The addresses the internet can be asked toward: each public IPv4
/// address mapped to an interface, and each interface's first IPv6
/// address (as `who` asks them).
fn public_addresses(i: &Interface) -> Vec<IpAddr> {
    i.private_ips
        .iter()
        .filter_map(|p| p.public)
        .chain(i.ipv6.first().copied())
        .collect()
}

/// One shared walk: the internet toward every address of `dsts` (one
/// family) on one protocol and every port.
///
/// The IPv4 walk starts from every public address, a superset of what
/// `internet` means (which leaves out the input's own public addresses and
/// CIDRs): each packet's fate depends on its own header only, so the
/// answer for the true sources is the superset's answer restricted to them
/// ([`shares`]) — and the start is a few intervals instead of one hole per
/// address of the input, which, multiplied by one box per destination,
/// would make the walk quadratic.
fn internet_toward(
    net: &Network,
    dsts: &[IpAddr],
    protocol: Protocol,
) -> Result<Analysis, EngineError> {
    let rep = dsts[0];
    let max = if protocol.is_icmp() { 255 } else { u16::MAX };
    let spec = QuerySpec {
        text: format!(
            "internet->{}:0-{max}/{}",
            if rep.is_ipv6() {
                format!("[{rep}]")
            } else {
                rep.to_string()
            },
            protocol.name()
        ),
        src: SrcSpec::Internet,
        dst: engine::DstSpec::Ip(rep),
        protocol,
        ports: (0, max),
    };
    let all = dsts
        .iter()
        .fold(IntervalSet::empty(), |a, ip| a.union(&point(*ip)));
    let q = Query::resolve(net, spec, None)?.toward(all);
    // IPv4: the input's public addresses are scattered (one hole each);
    // IPv6: they lie in the VPCs' blocks (a hole per VPC), and a superset
    // start would hold the input's own addresses, which group references
    // match, one box per member and destination: the true sources are
    // the cheaper start there.
    let q = if rep.is_ipv4() {
        q.from_every_public_address()
    } else {
        q
    };
    Ok(engine::check(net, q))
}

/// A shared answer without the paths that stop (the answer's packet sets
/// already count them), and its paths' packets only as reports read them:
/// what is reported of a target is what reaches it (`witness`, `via`) and
/// where packets became unknown; the rest is most of what a walk toward
/// thousands of addresses holds.
fn kept(mut a: Analysis) -> Analysis {
    a.paths.retain(|p| p.verdict != Verdict::Unreachable);
    // What is read of a kept path: its hops, ends and forward packets.
    for p in &mut a.paths {
        for leaf in std::iter::once(&mut p.forward).chain(p.back.as_mut()) {
            let flow = std::mem::replace(&mut leaf.flow, engine::Flow::new(Default::default()));
            leaf.flow = flow.into_reported();
        }
    }
    a
}

/// [`kept`] of each analysis an access answer's sources read (one per
/// answer, shared by its sources): a target's answer is held until the
/// report, and every target has one.
fn kept_answer(mut a: who::Answer) -> who::Answer {
    let mut done: Vec<(Arc<Analysis>, Arc<Analysis>)> = Vec::new();
    for f in &mut a.found {
        let small = match done.iter().find(|(was, _)| Arc::ptr_eq(was, &f.analysis)) {
            Some((_, small)) => small.clone(),
            None => {
                let small = Arc::new(kept(Analysis::clone(&f.analysis)));
                done.push((f.analysis.clone(), small.clone()));
                small
            }
        };
        f.analysis = small;
    }
    a
}

/// Each target address's share of a shared answer: its `Found` (`None`
/// when nothing reaches it), read off the answer in one pass per set.
fn shares(
    net: &Network,
    a: &Arc<Analysis>,
    dsts: &[(IpAddr, &str)],
    protocol: Protocol,
) -> Vec<Option<Found>> {
    let mut points: Vec<u128> = dsts.iter().map(|(ip, _)| hs::addr(*ip)).collect();
    points.sort_unstable();
    points.dedup();
    let sources = Arc::new(engine::internet_sources(net));
    let split = |set: &crate::hs::PacketSet| set.split_at_points(Field::Dst, &points);
    let (all, some, undecided) = (
        split(&a.reachable),
        split(&a.reachable_some),
        split(&a.undecided),
    );
    let mut by_eni: HashMap<&str, Vec<&engine::Path>> = HashMap::new();
    for p in &a.paths {
        if let engine::End::Arrived { eni } = &p.forward.end {
            by_eni.entry(eni.as_str()).or_default().push(p);
        }
    }
    dsts.par_iter()
        .map(|(ip, eni)| {
            let n = points.binary_search(&hs::addr(*ip)).ok()?;
            let reach = Reach {
                all: all[n].clone(),
                some: some[n].clone(),
                undecided: undecided[n].clone(),
            };
            // Only the internet's own packets count (not those of the
            // input's addresses the walk started from too).
            if !reach.some.meets(Field::Src, &sources)
                && !reach.undecided.meets(Field::Src, &sources)
            {
                return None;
            }
            Some(Found {
                source: Source::Internet,
                dst: *ip,
                protocol,
                via: who::via_of(by_eni.get(eni).into_iter().flatten().copied()),
                reach,
                analysis: a.clone(),
                within: Some(sources.clone()),
            })
        })
        .collect()
}

/// One shared walk's answer, the addresses (and their interfaces) it was
/// asked toward, and its protocol.
type Shared<'a, 'n> = (Arc<Analysis>, &'a [(IpAddr, &'n str)], Protocol);

/// Answers for every interface of `net`.
pub fn exposure(net: &Network, from: From) -> Result<Exposure, EngineError> {
    let targets = targets(net);
    let mut per_eni: BTreeMap<&str, Vec<Found>> = BTreeMap::new();
    let mut assumptions: Vec<String> = Vec::new();
    if from.internet() {
        // (address, its interface), per family.
        let mut v4: Vec<(IpAddr, &str)> = Vec::new();
        let mut v6: Vec<(IpAddr, &str)> = Vec::new();
        for i in &targets {
            for ip in public_addresses(i) {
                if ip.is_ipv4() { &mut v4 } else { &mut v6 }.push((ip, i.id.as_str()));
            }
        }
        // IPv6 a VPC at a time: the walk's packet sets carry the
        // internet's true sources (a hole per VPC) to each address, and one
        // VPC's targets at a time bound what a walk holds. (An interface's
        // addresses stay in one walk, so its answers keep their order.)
        v6.sort_by(|a, b| net.interfaces[a.1].vpc.cmp(&net.interfaces[b.1].vpc));
        let mut asks: Vec<(&[(IpAddr, &str)], Protocol)> = Vec::new();
        if !v4.is_empty() {
            asks.extend([Protocol::TCP, Protocol::UDP, Protocol::ICMP].map(|p| (&v4[..], p)));
        }
        for vpc in v6.chunk_by(|a, b| net.interfaces[a.1].vpc == net.interfaces[b.1].vpc) {
            asks.extend([Protocol::TCP, Protocol::UDP, Protocol::ICMPV6].map(|p| (vpc, p)));
        }
        let answers: Vec<Shared<'_, '_>> = asks
            .into_par_iter()
            .map(|(dsts, p)| {
                let ips: Vec<IpAddr> = dsts.iter().map(|(ip, _)| *ip).collect();
                internet_toward(net, &ips, p).map(|a| (Arc::new(kept(a)), dsts, p))
            })
            .collect::<Result<_, _>>()?;
        for (a, dsts, p) in &answers {
            note(&mut assumptions, a);
            for (f, (_, eni)) in shares(net, a, dsts, *p).into_iter().zip(dsts.iter()) {
                if let Some(f) = f {
                    per_eni.entry(eni).or_default().push(f);
                }
            }
        }
    }
    let has_access = !net.client_vpn_endpoints.is_empty() || !net.va_endpoints.is_empty();
    if from.client() && has_access {
        let answers: Vec<(&str, who::Answer)> = targets
            .par_iter()
            .map(|i| {
                let ask = who::Ask {
                    dst: engine::DstSpec::Eni(i.id.clone()),
                    services: Vec::new(),
                    from: who::From::Client,
                };
                who::who(net, &ask).map(|a| (i.id.as_str(), kept_answer(a)))
            })
            .filter(|r| !matches!(r, Err(EngineError::Query { .. })))
            .collect::<Result<_, _>>()?;
        for (eni, a) in answers {
            for s in a.assumptions {
                if !assumptions.contains(&s) {
                    assumptions.push(s);
                }
            }
            per_eni.entry(eni).or_default().extend(a.found);
        }
    }
    let mut exposed: Vec<Exposed> = per_eni
        .into_iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(eni, found)| {
            let i = &net.interfaces[eni];
            let (risk, sensitive) = risk(&found);
            let name = i
                .tags
                .get("Name")
                .or_else(|| {
                    i.instance
                        .as_ref()
                        .and_then(|id| net.instances.get(id))
                        .and_then(|x| x.tags.get("Name"))
                })
                .cloned();
            Exposed {
                eni: eni.to_string(),
                vpc: i.vpc.clone(),
                subnet: i.subnet.clone(),
                instance: i.instance.clone(),
                name,
                found,
                risk,
                sensitive,
            }
        })
        .collect();
    exposed.sort_by(|a, b| {
        b.risk
            .cmp(&a.risk)
            .then(b.sensitive.len().cmp(&a.sensitive.len()))
            .then(a.eni.cmp(&b.eni))
    });
    let mut from_names = Vec::new();
    if from.internet() {
        from_names.push("internet");
    }
    if from.client() {
        from_names.push("client");
    }
    Ok(Exposure {
        exposed,
        asked: targets.len(),
        from: from_names,
        assumptions,
    })
}

fn note(assumptions: &mut Vec<String>, a: &Analysis) {
    for s in &a.assumptions {
        // Per-source and per-destination assumptions of a shared walk say
        // "assumed ... for X": keep them all, once.
        if !assumptions.contains(s) {
            assumptions.push(s.clone());
        }
    }
}

/// The risk of what reaches one interface, and the sensitive ports that
/// set it.
fn risk(found: &[Found]) -> (Risk, Vec<String>) {
    let mut internet_any = false;
    let mut sensitive: Vec<(bool, String)> = Vec::new();
    for f in found {
        let internet = f.source == Source::Internet;
        internet_any |= internet;
        if f.protocol != Protocol::TCP {
            continue;
        }
        let ports = f.ports();
        for (port, name) in SENSITIVE_PORTS {
            if ports.contains(u128::from(*port)) {
                let label = format!("{name} {port}");
                match sensitive.iter_mut().find(|(_, l)| *l == label) {
                    Some((i, _)) => *i |= internet,
                    None => sensitive.push((internet, label)),
                }
            }
        }
    }
    let internet_sensitive = sensitive.iter().any(|(i, _)| *i);
    let risk = match (internet_any, internet_sensitive, sensitive.is_empty()) {
        (_, true, _) => Risk::Critical,
        (true, false, _) => Risk::High,
        (false, _, false) => Risk::Medium,
        (false, _, true) => Risk::Low,
    };
    // Internet-reached sensitive ports first.
    sensitive.sort_by_key(|s| std::cmp::Reverse(s.0));
    (risk, sensitive.into_iter().map(|(_, l)| l).collect())
}

/// The path that shows how `f`'s packets reach interface `eni`: the first
/// that gets there and back, carries packets to `f.dst`, and (for access
/// users) goes through `f`'s endpoint and group.
pub fn witness<'a>(f: &'a Found, eni: &str) -> Option<&'a engine::Path> {
    let to = point(f.dst);
    f.analysis.paths.iter().find(|p| {
        matches!(p.verdict, Verdict::Reachable | Verdict::Partial)
            && matches!(&p.forward.end, engine::End::Arrived { eni: e } if e == eni)
            && p.forward.flow.some.meets(Field::Dst, &to)
            && f.within
                .as_ref()
                .is_none_or(|w| p.forward.flow.some.meets(Field::Src, w))
            && match (&f.source, &p.via) {
                (Source::Access { endpoint, group }, Some(v)) => {
                    v.endpoint == *endpoint && v.group == *group
                }
                (Source::Access { .. }, None) => false,
                _ => true,
            }
    })
}
