//! Assertions evaluated on one loaded network: each an [`Outcome`] (holds,
//! violated, unknown) with its findings as data — the flow class, a witness
//! packet, the engine's answer for the witness's query, and the resource
//! that allows or blocks it. Never formats (that is `render::assert`).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::engine::{self, Analysis, End, Query, QueryOptions, QuerySpec, SrcSpec, Start, Verdict};
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{Network, Protocol};
use crate::who::{self, Ask, From};

use super::AssertError;
use super::policy::{Assertion, Kind, PathFilter, Policy, Service};
use super::select::{self, Resolved, Source, Target};

/// Findings per assertion that get the witness's own check (the rest keep
/// their witness packet only).
pub const EXPLAINED_PER_ASSERTION: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Holds,
    Violated,
    Unknown,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Violated => "violated",
            Status::Unknown => "unknown",
        }
    }
}

/// One concrete packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub protocol: Protocol,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Source port (tcp/udp).
    pub src_port: u16,
    /// Destination port (tcp/udp) or ICMP type.
    pub dst_port: u16,
    pub icmp_code: u8,
}

impl Packet {
    fn of(p: [u128; 7]) -> Packet {
        let n = |f: Field| p[f as usize];
        let proto = n(Field::Proto) as u8;
        let protocol = Protocol::Number(proto);
        Packet {
            protocol,
            src: hs::addr_of(n(Field::Src)),
            dst: hs::addr_of(n(Field::Dst)),
            src_port: n(Field::SrcPort) as u16,
            dst_port: if protocol.is_icmp() {
                n(Field::IcmpType) as u16
            } else {
                n(Field::DstPort) as u16
            },
            icmp_code: n(Field::IcmpCode) as u8,
        }
    }

    fn sample(set: &PacketSet) -> Option<Packet> {
        set.sample().map(Packet::of)
    }
}

impl fmt::Display for Packet {
    /// `tcp 203.0.113.5:40000 -> 10.0.2.35:22`, `icmp 203.0.113.5 -> 10.0.2.35 type 8 code 0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = |ip: IpAddr, port: u16| {
            if ip.is_ipv6() {
                format!("[{ip}]:{port}")
            } else {
                format!("{ip}:{port}")
            }
        };
        if self.protocol.is_icmp() {
            write!(
                f,
                "{} {} -> {} type {} code {}",
                self.protocol.name(),
                self.src,
                self.dst,
                self.dst_port,
                self.icmp_code
            )
        } else {
            write!(
                f,
                "{} {} -> {}",
                self.protocol.name(),
                a(self.src, self.src_port),
                a(self.dst, self.dst_port)
            )
        }
    }
}

/// One flow class that breaks (or may break) an assertion.
#[derive(Clone, Debug)]
pub struct Finding {
    /// `Violated` or `Unknown`.
    pub status: Status,
    /// `internet->eni-0abc:22/tcp`, `eni-1->eni-2:443/tcp`,
    /// `client[cvpn-endpoint-…:group]->eni-…:22/tcp`.
    pub flow: String,
    /// One line, what is wrong.
    pub message: String,
    pub witness: Option<Packet>,
    /// The resource that allows (`must_not_reach`, `only`, `no_exposure`)
    /// or blocks (`must_reach`, `consistent`) the witness, and its rule.
    pub resource: Option<String>,
    pub rule: Option<String>,
    /// The engine's answer to the witness's own query (`reach check` of it),
    /// for the first [`EXPLAINED_PER_ASSERTION`] findings.
    pub analysis: Option<Arc<Analysis>>,
}

/// One assertion's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub index: usize,
    pub name: String,
    pub kind: Kind,
    pub status: Status,
    /// One line.
    pub message: String,
    /// Flow classes checked (source × target × service).
    pub checked: usize,
    /// Every violating (then undecided) flow class; the first is the witness.
    pub findings: Vec<Finding>,
}

impl Outcome {
    /// The finding shown as the assertion's witness.
    pub fn witness(&self) -> Option<&Finding> {
        self.findings.first()
    }
}

/// Every assertion's result.
#[derive(Clone, Debug)]
pub struct Results {
    pub file: String,
    pub outcomes: Vec<Outcome>,
}

impl Results {
    /// (hold, violated, unknown).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |s: Status| self.outcomes.iter().filter(|o| o.status == s).count();
        (n(Status::Holds), n(Status::Violated), n(Status::Unknown))
    }

    /// Every assertion holds.
    pub fn all_hold(&self) -> bool {
        self.outcomes.iter().all(|o| o.status == Status::Holds)
    }
}

/// Evaluates every assertion of `policy` on `net` (loaded once).
pub fn evaluate(net: &Network, policy: &Policy) -> Result<Results, AssertError> {
    let outcomes = policy
        .assertions
        .iter()
        .map(|a| evaluate_one(net, &policy.file, a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Results {
        file: policy.file.clone(),
        outcomes,
    })
}

/// The assertion being evaluated, for errors.
struct Cx<'a> {
    file: &'a str,
    a: &'a Assertion,
}

impl Cx<'_> {
    fn field(&self, field: &str, message: impl Into<String>) -> AssertError {
        AssertError::Field {
            file: self.file.to_string(),
            index: self.a.index,
            name: self.a.name.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn engine(&self, e: impl fmt::Display) -> AssertError {
        AssertError::Engine {
            file: self.file.to_string(),
            index: self.a.index,
            name: self.a.name.clone(),
            message: e.to_string(),
        }
    }

    fn resolve(
        &self,
        net: &Network,
        sels: &[super::Selector],
        field: &str,
    ) -> Result<Resolved, AssertError> {
        Resolved::new(net, sels).map_err(|(i, m)| self.field(&format!("{field}[{i}]"), m))
    }

    fn targets(
        &self,
        net: &Network,
        r: &Resolved,
        field: &str,
    ) -> Result<Vec<Target>, AssertError> {
        let t = r.targets(net).map_err(|m| self.field(field, m))?;
        if t.is_empty() {
            return Err(self.field(field, "selects no interface (with an address) in the input"));
        }
        Ok(t)
    }
}

fn evaluate_one(net: &Network, file: &str, a: &Assertion) -> Result<Outcome, AssertError> {
    let cx = Cx { file, a };
    let (checked, mut findings) = match a.kind {
        Kind::MustReach => must_reach(net, &cx)?,
        Kind::MustNotReach | Kind::NoExposure => forbid(net, &cx)?,
        Kind::Only => only(net, &cx)?,
        Kind::Consistent => consistent(net, &cx)?,
    };
    // Violations first, then undecided flows.
    findings.sort_by_key(|f| f.status != Status::Violated);
    let status = match findings.first() {
        None => Status::Holds,
        Some(f) => f.status,
    };
    let message = match findings.first() {
        None => format!(
            "holds: {checked} flow class{} checked",
            if checked == 1 { "" } else { "es" }
        ),
        Some(f) if findings.len() == 1 => f.message.clone(),
        Some(f) => format!("{} (and {} more)", f.message, findings.len() - 1),
    };
    Ok(Outcome {
        index: a.index,
        name: a.name.clone(),
        kind: a.kind,
        status,
        message,
        checked,
        findings,
    })
}

/// The service's protocol for the target's family (`icmp` toward IPv6 is ICMPv6).
fn protocol_for(p: Protocol, dst: IpAddr) -> Protocol {
    match p {
        Protocol::ICMP if dst.is_ipv6() => Protocol::ICMPV6,
        Protocol::ICMPV6 if dst.is_ipv4() => Protocol::ICMP,
        p => p,
    }
}

fn ports_label(p: (u16, u16)) -> String {
    if p.0 == p.1 {
        p.0.to_string()
    } else {
        format!("{}-{}", p.0, p.1)
    }
}

fn flow_label(src: &str, dst: &Target, svc: Service, proto: Protocol) -> String {
    format!(
        "{src}->{}:{}/{}",
        dst.label(),
        ports_label(svc.ports),
        proto.name()
    )
}

fn range(r: (u16, u16)) -> IntervalSet {
    IntervalSet::from_interval(Interval {
        lo: u128::from(r.0),
        hi: u128::from(r.1),
    })
}

/// The resource and rule that let the witness through: the destination's
/// security group rule (the last group on the forward way), else the last
/// allowing hop.
fn allowing(a: &Analysis) -> (Option<String>, Option<String>) {
    let path = a
        .paths
        .iter()
        .find(|p| matches!(p.verdict, Verdict::Reachable | Verdict::Partial));
    let Some(p) = path else {
        return (None, None);
    };
    let hop = p
        .forward
        .hops
        .iter()
        .rev()
        .find(|h| h.kind == "security-group")
        .or_else(|| {
            p.forward
                .hops
                .iter()
                .rev()
                .find(|h| h.action.starts_with("allow"))
        });
    match hop {
        Some(h) => (Some(h.component.clone()), Some(h.rule.clone())),
        None => (None, None),
    }
}

/// The resource that stopped (or could not decide) the witness, and its rule.
fn blocking(a: &Analysis, association: Option<&str>) -> (Option<String>, Option<String>) {
    for p in &a.paths {
        if association.is_some()
            && p.via.as_ref().and_then(|v| v.association.as_deref()) != association
        {
            continue;
        }
        let Some(leaf) = p.stop() else { continue };
        match &leaf.end {
            End::Dropped(cause) => {
                let (id, _) = cause.component();
                let rule = match cause {
                    engine::Cause::NaclDeny { rule, .. } => Some(rule.to_string()),
                    _ => None,
                };
                return (Some(id), rule);
            }
            End::Unknown { component, .. } => return (Some(component.clone()), None),
            _ => {}
        }
    }
    (None, None)
}

/// The `reach check` of one packet from `src`.
fn witness_check(
    net: &Network,
    src: &SrcSpec,
    target: &Target,
    w: &Packet,
    opts: QueryOptions,
) -> Option<Arc<Analysis>> {
    let spec = QuerySpec {
        text: String::new(),
        src: src.clone(),
        dst: target.spec(),
        protocol: w.protocol,
        ports: (w.dst_port, w.dst_port),
    };
    let mut opts = opts;
    if w.protocol.has_ports() && !matches!(src, SrcSpec::Client) {
        opts.src_ports = Some((w.src_port, w.src_port));
    }
    let spec = named(spec);
    let q = Query::resolve_with(net, spec, &opts).ok()?;
    Some(Arc::new(engine::check(net, q)))
}

/// The spec's text written as a query.
fn named(mut spec: QuerySpec) -> QuerySpec {
    let src = match &spec.src {
        SrcSpec::Internet => "internet".to_string(),
        SrcSpec::Client => "client".to_string(),
        SrcSpec::Ip(ip) => ip.to_string(),
        SrcSpec::Instance(s) | SrcSpec::Eni(s) => s.clone(),
    };
    let dst = match &spec.dst {
        engine::DstSpec::Ip(ip) if ip.is_ipv6() => format!("[{ip}]"),
        engine::DstSpec::Ip(ip) => ip.to_string(),
        engine::DstSpec::Instance(s) | engine::DstSpec::Eni(s) => s.clone(),
    };
    spec.text = format!(
        "{src}->{dst}:{}/{}",
        ports_label(spec.ports),
        spec.protocol.name()
    );
    spec
}

// ---------------------------------------------------------------- must_reach

fn must_reach(net: &Network, cx: &Cx) -> Result<(usize, Vec<Finding>), AssertError> {
    let a = cx.a;
    let from = cx.resolve(net, &a.from, "from")?;
    let to = cx.resolve(net, &a.to, "to")?;
    let sources = from.sources(net);
    if sources.is_empty() {
        return Err(cx.field("from", "selects no source in the input"));
    }
    let targets = cx.targets(net, &to, "to")?;
    let src_ports: Vec<Option<(u16, u16)>> = match &a.src_ports {
        None => vec![None],
        Some(v) => v.iter().copied().map(Some).collect(),
    };
    let mut checked = 0;
    let mut findings = Vec::new();
    for src in &sources {
        for t in &targets {
            let dst_ip = t.ip;
            if !wanted(src, t, &targets) {
                continue;
            }
            if let Source::Eni(id) = src {
                let i = &net.interfaces[id];
                if t.eni.as_ref() == Some(id)
                    || i.has_ip(dst_ip)
                    || i.address_like(dst_ip).is_none()
                {
                    continue;
                }
            }
            for svc in &a.services {
                for sp in &src_ports {
                    let proto = protocol_for(svc.protocol, dst_ip);
                    let (spec_src, label, opts) = source_query(src, *sp);
                    let spec = named(QuerySpec {
                        text: String::new(),
                        src: spec_src.clone(),
                        dst: t.spec(),
                        protocol: proto,
                        ports: svc.ports,
                    });
                    let mut q = Query::resolve_with(net, spec, &opts).map_err(|e| cx.engine(e))?;
                    if let (Source::Internet(addrs), Start::Internet { sources }) =
                        (src, &mut q.start)
                    {
                        *sources = sources.intersect(addrs);
                        if sources.is_empty() {
                            continue;
                        }
                    }
                    checked += 1;
                    let an = engine::check(net, q);
                    if an.verdict == Verdict::Reachable {
                        continue;
                    }
                    let status = if an.verdict == Verdict::Unknown {
                        Status::Unknown
                    } else {
                        Status::Violated
                    };
                    let failing = an.packets.difference(&an.reachable);
                    let sure = failing
                        .difference(&an.reachable_some)
                        .difference(&an.undecided);
                    let pick = if status == Status::Unknown {
                        an.undecided.clone()
                    } else if !sure.is_empty() {
                        sure
                    } else {
                        failing.difference(&an.undecided)
                    };
                    let witness = Packet::sample(&pick)
                        .or_else(|| Packet::sample(&failing))
                        .or_else(|| Packet::sample(&an.packets));
                    let flow = flow_label(&label, t, *svc, proto);
                    let explained = findings.len() < EXPLAINED_PER_ASSERTION;
                    let analysis = match (&witness, explained) {
                        (Some(w), true) => {
                            let s = match (src, &spec_src) {
                                (Source::Internet(_), _) => SrcSpec::Ip(w.src),
                                (_, s) => s.clone(),
                            };
                            witness_check(net, &s, t, w, opts.clone())
                        }
                        _ => None,
                    };
                    let an = Arc::new(an);
                    let (resource, rule) = blocking(analysis.as_deref().unwrap_or(&an), None);
                    let w = witness.map(|w| w.to_string()).unwrap_or_default();
                    let message = match status {
                        Status::Unknown => format!(
                            "`{flow}`: the input cannot decide whether it gets there and back (e.g. {w})"
                        ),
                        _ => format!(
                            "`{flow}` is {}: e.g. {w} does not get there and back{}",
                            an.verdict.name(),
                            resource
                                .as_ref()
                                .map(|r| format!(" (stopped at {r})"))
                                .unwrap_or_default()
                        ),
                    };
                    findings.push(Finding {
                        status,
                        flow,
                        message,
                        witness,
                        resource,
                        rule,
                        analysis: analysis.or(Some(an)),
                    });
                }
            }
        }
    }
    if checked == 0 {
        return Err(cx.field(
            "from",
            "no source and target of the same address family to check",
        ));
    }
    Ok((checked, findings))
}

/// Whether `must_reach` asks `src` about `t`: the internet about public
/// addresses (an interface's public IPs and IPv6; its private address only
/// when it has neither), the rest about private addresses and IPv6.
fn wanted(src: &Source, t: &Target, all: &[Target]) -> bool {
    let Some(eni) = &t.eni else { return true };
    let reachable_publicly = |x: &Target| x.public || x.ip.is_ipv6();
    match src {
        Source::Internet(_) => {
            reachable_publicly(t)
                || (t.primary
                    && !all
                        .iter()
                        .any(|x| x.eni.as_ref() == Some(eni) && reachable_publicly(x)))
        }
        _ => !t.public,
    }
}

/// A source as a query's: its spec, its label, and its options.
fn source_query(src: &Source, src_ports: Option<(u16, u16)>) -> (SrcSpec, String, QueryOptions) {
    match src {
        Source::Internet(_) => (
            SrcSpec::Internet,
            "internet".into(),
            QueryOptions {
                src_ports,
                ..QueryOptions::default()
            },
        ),
        Source::Client { groups, via } => (
            SrcSpec::Client,
            match (via, groups.is_empty()) {
                (None, true) => "client".into(),
                (None, false) => format!("client[{}]", groups.join(",")),
                (Some(v), true) => format!("client[{v}]"),
                (Some(v), false) => format!("client[{v}:{}]", groups.join(",")),
            },
            QueryOptions {
                groups: groups.clone(),
                via: via.clone(),
                ..QueryOptions::default()
            },
        ),
        Source::Eni(id) => (
            SrcSpec::Eni(id.clone()),
            id.clone(),
            QueryOptions {
                src_ports,
                ..QueryOptions::default()
            },
        ),
    }
}

// ---------------------------------------------------------- who-based kinds

/// What narrows the flows of an assertion: its header constraints.
struct Narrow {
    src: Option<IntervalSet>,
    dst: Option<IntervalSet>,
    src_ports: Option<IntervalSet>,
}

impl Narrow {
    fn new(net: &Network, cx: &Cx) -> Result<Narrow, AssertError> {
        let a = cx.a;
        let mut src = a.src_addrs.as_deref().map(select::cidr_addresses);
        if !a.src_prefix_lists.is_empty() {
            let s = select::prefix_list_addresses(net, &a.src_prefix_lists)
                .map_err(|m| cx.field("SourcePrefixLists", m))?;
            src = Some(src.map_or(s.clone(), |x| x.intersect(&s)));
        }
        let mut dst = a.dst_addrs.as_deref().map(select::cidr_addresses);
        if !a.dst_prefix_lists.is_empty() {
            let s = select::prefix_list_addresses(net, &a.dst_prefix_lists)
                .map_err(|m| cx.field("DestinationPrefixLists", m))?;
            dst = Some(dst.map_or(s.clone(), |x| x.intersect(&s)));
        }
        let src_ports = a.src_ports.as_ref().map(|v| {
            v.iter()
                .fold(IntervalSet::empty(), |acc, r| acc.union(&range(*r)))
        });
        Ok(Narrow {
            src,
            dst,
            src_ports,
        })
    }

    fn apply(&self, set: &PacketSet, protocol: Protocol) -> PacketSet {
        let mut s = set.clone();
        if let Some(x) = &self.src {
            s = s.restrict(Field::Src, x);
        }
        if let Some(x) = &self.dst {
            s = s.restrict(Field::Dst, x);
        }
        if let (Some(x), true) = (&self.src_ports, protocol.has_ports()) {
            s = s.restrict(Field::SrcPort, x);
        }
        s
    }
}

/// Exclusions resolved once per assertion.
struct Excluded {
    filters: Vec<(PathFilter, Option<Resolved>, Option<Resolved>)>,
}

impl Excluded {
    fn new(net: &Network, cx: &Cx) -> Result<Excluded, AssertError> {
        let mut filters = Vec::new();
        for (i, f) in cx.a.except.iter().enumerate() {
            let from = f
                .from
                .as_ref()
                .map(|s| cx.resolve(net, s, &format!("except[{i}].from")))
                .transpose()?;
            let to =
                f.to.as_ref()
                    .map(|s| cx.resolve(net, s, &format!("except[{i}].to")))
                    .transpose()?;
            filters.push((f.clone(), from, to));
        }
        Ok(Excluded { filters })
    }

    /// A filter that excludes the whole target (nothing else narrows it).
    fn whole_target(&self, t: &Target) -> bool {
        self.filters.iter().any(|(f, from, to)| {
            from.is_none()
                && f.src_addrs.is_none()
                && f.dst_addrs.is_none()
                && f.src_ports.is_none()
                && f.services.is_none()
                && to.as_ref().is_some_and(|r| r.has_target(t))
        })
    }

    /// `set` (packets of `found` to `t`) without what the filters exclude.
    fn remove(&self, net: &Network, set: &PacketSet, found: &who::Found, t: &Target) -> PacketSet {
        let mut out = set.clone();
        for (f, from, to) in &self.filters {
            if out.is_empty() {
                break;
            }
            if to.as_ref().is_some_and(|to| !to.has_target(t)) {
                continue;
            }
            let mut x = out.clone();
            if let Some(from) = from {
                let m = from.source_addresses(net, &found.source, &found.analysis.query.users);
                x = x.restrict(Field::Src, &m);
            }
            if let Some(a) = &f.src_addrs {
                x = x.restrict(Field::Src, &select::cidr_addresses(a));
            }
            if let Some(a) = &f.dst_addrs {
                x = x.restrict(Field::Dst, &select::cidr_addresses(a));
            }
            if let (Some(p), true) = (&f.src_ports, found.protocol.has_ports()) {
                let r = p
                    .iter()
                    .fold(IntervalSet::empty(), |acc, r| acc.union(&range(*r)));
                x = x.restrict(Field::SrcPort, &r);
            }
            if let Some(svcs) = &f.services {
                let mut keep = PacketSet::empty();
                for s in svcs
                    .iter()
                    .filter(|s| protocol_for(s.protocol, found_dst(found)) == found.protocol)
                {
                    let field = if found.protocol.is_icmp() {
                        Field::IcmpType
                    } else {
                        Field::DstPort
                    };
                    keep = keep.union(&x.restrict(field, &range(s.ports)));
                }
                x = keep;
            }
            out = out.difference(&x);
        }
        out
    }
}

fn found_dst(f: &who::Found) -> IpAddr {
    f.analysis.query.dst_ip
}

/// How a found source class is named in a flow class, and the query
/// source of its witness.
fn found_source(net: &Network, f: &who::Found, w: &Packet) -> (String, SrcSpec, QueryOptions) {
    match &f.source {
        who::Source::Internet => (
            "internet".into(),
            SrcSpec::Ip(w.src),
            QueryOptions::default(),
        ),
        who::Source::Access { endpoint, group } => {
            let groups = f
                .analysis
                .query
                .users
                .iter()
                .find(|u| &u.label == group)
                .map(|u| u.groups.clone())
                .unwrap_or_default();
            (
                format!(
                    "client[{endpoint}:{}]",
                    group.as_deref().unwrap_or("no group")
                ),
                SrcSpec::Client,
                QueryOptions {
                    groups,
                    via: Some(endpoint.clone()),
                    ..QueryOptions::default()
                },
            )
        }
        who::Source::Interfaces { enis, .. } => {
            let id = enis
                .iter()
                .find(|id| net.interfaces.get(*id).is_some_and(|i| i.has_ip(w.src)))
                .or(enis.first())
                .cloned()
                .unwrap_or_default();
            (id.clone(), SrcSpec::Eni(id), QueryOptions::default())
        }
    }
}

/// A finding for packets `bad` (they get there and back) or `undecided`
/// of `found` to `t`.
#[allow(clippy::too_many_arguments)]
fn who_finding(
    net: &Network,
    found: &who::Found,
    t: &Target,
    svc: Service,
    bad: &PacketSet,
    undecided: &PacketSet,
    explain: bool,
    what: &str,
) -> Option<Finding> {
    let (status, set) = if !bad.is_empty() {
        (Status::Violated, bad)
    } else if !undecided.is_empty() {
        (Status::Unknown, undecided)
    } else {
        return None;
    };
    let w = Packet::sample(set)?;
    let (label, src, opts) = found_source(net, found, &w);
    let flow = flow_label(&label, t, svc, found.protocol);
    let analysis = if explain {
        witness_check(net, &src, t, &w, opts)
    } else {
        None
    };
    let (resource, rule) = analysis.as_deref().map(allowing).unwrap_or_default();
    let message = match status {
        Status::Unknown => {
            format!("`{flow}`: the input cannot decide whether {w} gets there and back")
        }
        _ => format!(
            "`{flow}` {what}: e.g. {w}{}",
            match (&resource, &rule) {
                (Some(r), Some(x)) => format!(" (allowed by {r} {x})"),
                (Some(r), None) => format!(" (through {r})"),
                _ => String::new(),
            }
        ),
    };
    Some(Finding {
        status,
        flow,
        message,
        witness: Some(w),
        resource,
        rule,
        analysis: analysis.or_else(|| Some(found.analysis.clone())),
    })
}

/// The `From` that covers what `r` names, at the least cost.
fn from_of(r: &Resolved) -> Vec<From> {
    let inet = r.internet || !r.cidrs.is_empty();
    let client = !r.clients.is_empty();
    let enis = !r.enis.is_empty() || !r.cidrs.is_empty();
    match (inet, client, enis) {
        (true, false, false) => vec![From::Internet],
        (false, true, false) => vec![From::Client],
        (false, false, true) if r.enis.len() <= 8 => r
            .enis
            .iter()
            .map(|e| From::Source(SrcSpec::Eni(e.clone())))
            .collect(),
        (false, false, true) => vec![From::Interfaces],
        _ => vec![From::All],
    }
}

/// `must_not_reach`, `no_exposure` and access analyzer scopes: nothing the
/// sources send gets there and back, except what `except` lists.
fn forbid(net: &Network, cx: &Cx) -> Result<(usize, Vec<Finding>), AssertError> {
    let a = cx.a;
    let from = cx.resolve(net, &a.from, "from")?;
    if from.sources(net).is_empty() && from.enis.is_empty() {
        return Err(cx.field("from", "selects no source in the input"));
    }
    let targets = if a.to.is_empty() {
        net.interfaces
            .values()
            .flat_map(Target::of_interface)
            .collect()
    } else {
        let to = cx.resolve(net, &a.to, "to")?;
        cx.targets(net, &to, "to")?
    };
    let narrow = Narrow::new(net, cx)?;
    let excluded = Excluded::new(net, cx)?;
    let what = if a.kind == Kind::NoExposure {
        "is exposed to the internet"
    } else {
        "gets there and back"
    };
    let froms = from_of(&from);
    let mut checked = 0;
    let mut findings = Vec::new();
    for t in &targets {
        if excluded.whole_target(t) {
            continue;
        }
        let dst_ip = t.ip;
        for svc in &a.services {
            let proto = protocol_for(svc.protocol, dst_ip);
            for f in &froms {
                let ask = Ask {
                    dst: t.spec(),
                    services: vec![(proto, svc.ports)],
                    from: f.clone(),
                };
                let answer = match who::who(net, &ask) {
                    Ok(x) => x,
                    // A source of another address family than the target.
                    Err(_) if matches!(f, From::Source(_)) => continue,
                    Err(e) => return Err(cx.engine(e)),
                };
                checked += 1;
                // `who` on an interface also answers for its other addresses:
                // each target address is its own target here.
                for found in answer.found.iter().filter(|f| f.dst == dst_ip) {
                    let m = from.source_addresses(net, &found.source, &found.analysis.query.users);
                    if m.is_empty() {
                        continue;
                    }
                    let pick = |s: &PacketSet| {
                        let s = narrow.apply(&s.restrict(Field::Src, &m), found.protocol);
                        excluded.remove(net, &s, found, t)
                    };
                    let bad = pick(&found.reach.some);
                    let und = pick(&found.reach.undecided);
                    push_per_eni(net, &mut findings, found, t, *svc, &bad, &und, what);
                }
            }
        }
    }
    Ok((checked, findings))
}

/// Findings for `found`: one per interface of an interface class, else one.
#[allow(clippy::too_many_arguments)]
fn push_per_eni(
    net: &Network,
    findings: &mut Vec<Finding>,
    found: &who::Found,
    t: &Target,
    svc: Service,
    bad: &PacketSet,
    und: &PacketSet,
    what: &str,
) {
    match &found.source {
        who::Source::Interfaces { enis, .. } if enis.len() > 1 => {
            for id in enis {
                let Some(i) = net.interfaces.get(id) else {
                    continue;
                };
                let addrs = select::eni_addresses(i);
                let b = bad.restrict(Field::Src, &addrs);
                let u = und.restrict(Field::Src, &addrs);
                let explain = findings.len() < EXPLAINED_PER_ASSERTION;
                if let Some(f) = who_finding(net, found, t, svc, &b, &u, explain, what) {
                    findings.push(f);
                }
            }
        }
        _ => {
            let explain = findings.len() < EXPLAINED_PER_ASSERTION;
            if let Some(f) = who_finding(net, found, t, svc, bad, und, explain, what) {
                findings.push(f);
            }
        }
    }
}

/// `only`: every source `who` finds is one of the allowed.
fn only(net: &Network, cx: &Cx) -> Result<(usize, Vec<Finding>), AssertError> {
    let a = cx.a;
    let allowed = cx.resolve(net, &a.allowed, "allowed")?;
    let to = cx.resolve(net, &a.to, "to")?;
    let targets = cx.targets(net, &to, "to")?;
    let mut checked = 0;
    let mut findings = Vec::new();
    for t in &targets {
        let dst_ip = t.ip;
        for svc in &a.services {
            let proto = protocol_for(svc.protocol, dst_ip);
            let ask = Ask {
                dst: t.spec(),
                services: vec![(proto, svc.ports)],
                from: From::All,
            };
            let answer = who::who(net, &ask).map_err(|e| cx.engine(e))?;
            checked += 1;
            for found in answer.found.iter().filter(|f| f.dst == dst_ip) {
                let ok = allowed.source_addresses(net, &found.source, &found.analysis.query.users);
                let bad = found
                    .reach
                    .some
                    .difference(&found.reach.some.restrict(Field::Src, &ok));
                let und = found
                    .reach
                    .undecided
                    .difference(&found.reach.undecided.restrict(Field::Src, &ok));
                push_per_eni(
                    net,
                    &mut findings,
                    found,
                    t,
                    *svc,
                    &bad,
                    &und,
                    "is not an allowed source but gets there and back",
                );
            }
        }
    }
    Ok((checked, findings))
}

// ---------------------------------------------------------------- consistent

/// `consistent`: through every association of a Client VPN endpoint, the
/// same packets get there and back.
fn consistent(net: &Network, cx: &Cx) -> Result<(usize, Vec<Finding>), AssertError> {
    let a = cx.a;
    let endpoints: Vec<String> = if a.endpoints.is_empty() {
        net.client_vpn_endpoints.keys().cloned().collect()
    } else {
        for (i, e) in a.endpoints.iter().enumerate() {
            if !net.client_vpn_endpoints.contains_key(e) {
                return Err(cx.field(
                    &format!("endpoints[{i}]"),
                    format!("no client vpn endpoint `{e}` in the input"),
                ));
            }
        }
        a.endpoints.clone()
    };
    if endpoints.is_empty() {
        return Err(cx.field("endpoints", "the input has no Client VPN endpoint"));
    }
    let chosen = if a.to.is_empty() {
        None
    } else {
        let to = cx.resolve(net, &a.to, "to")?;
        Some(cx.targets(net, &to, "to")?)
    };
    let mut checked = 0;
    let mut findings = Vec::new();
    for ep_id in &endpoints {
        let ep = &net.client_vpn_endpoints[ep_id];
        let assocs: Vec<&str> = ep.associations.iter().map(|x| x.id.as_str()).collect();
        if assocs.len() < 2 {
            continue;
        }
        let own: Vec<&str> = ep
            .associations
            .iter()
            .filter_map(|x| x.interface.as_deref())
            .collect();
        let targets: Vec<Target> = match &chosen {
            Some(t) => t.clone(),
            None => net
                .interfaces
                .values()
                .filter(|i| i.vpc == ep.vpc && !own.contains(&i.id.as_str()))
                .filter(|i| i.kind != "client_vpn")
                .flat_map(Target::of_interface)
                .collect(),
        };
        for t in &targets {
            if t.public {
                continue;
            }
            let dst_ip = t.ip;
            for svc in &a.services {
                let proto = protocol_for(svc.protocol, dst_ip);
                let opts = QueryOptions {
                    via: Some(ep_id.clone()),
                    ..QueryOptions::default()
                };
                let spec = named(QuerySpec {
                    text: String::new(),
                    src: SrcSpec::Client,
                    dst: t.spec(),
                    protocol: proto,
                    ports: svc.ports,
                });
                let Ok(q) = Query::resolve_with(net, spec, &opts) else {
                    continue;
                };
                checked += 1;
                let an = Arc::new(engine::check(net, q));
                for acc in an.access.iter().filter(|x| &x.endpoint == ep_id) {
                    let first = acc.reach_through(Some(assocs[0]));
                    for other in &assocs[1..] {
                        let r = acc.reach_through(Some(other));
                        let (lacking, having, diff) = {
                            let d1 = first.some.difference(&r.some);
                            if !d1.is_empty() {
                                (*other, assocs[0], d1)
                            } else {
                                (assocs[0], *other, r.some.difference(&first.some))
                            }
                        };
                        let (status, set) = if !diff.is_empty() {
                            (Status::Violated, diff)
                        } else if !first.undecided.same_as(&r.undecided) {
                            (
                                Status::Unknown,
                                first
                                    .undecided
                                    .difference(&r.undecided)
                                    .union(&r.undecided.difference(&first.undecided)),
                            )
                        } else {
                            continue;
                        };
                        let Some(w) = Packet::sample(&set) else {
                            continue;
                        };
                        let groups = an
                            .query
                            .users
                            .iter()
                            .find(|u| u.label == acc.group)
                            .map(|u| u.groups.clone())
                            .unwrap_or_default();
                        let label = format!(
                            "client[{ep_id}:{}]",
                            acc.group.as_deref().unwrap_or("no group")
                        );
                        let flow = flow_label(&label, t, *svc, proto);
                        let explain = findings.len() < EXPLAINED_PER_ASSERTION;
                        let analysis = if explain {
                            witness_check(
                                net,
                                &SrcSpec::Client,
                                t,
                                &w,
                                QueryOptions {
                                    groups,
                                    via: Some(ep_id.clone()),
                                    ..QueryOptions::default()
                                },
                            )
                        } else {
                            None
                        };
                        let (stop, rule) =
                            blocking(analysis.as_deref().unwrap_or(&an), Some(lacking));
                        let message = match status {
                            Status::Unknown => format!(
                                "`{flow}`: the input cannot decide whether {w} is carried alike through {having} and {lacking}"
                            ),
                            _ => format!(
                                "`{flow}`: {w} gets there and back through {having} but not through {lacking}{}",
                                stop.as_ref()
                                    .map(|s| format!(" (stopped at {s})"))
                                    .unwrap_or_default()
                            ),
                        };
                        findings.push(Finding {
                            status,
                            flow,
                            message,
                            witness: Some(w),
                            resource: Some(lacking.to_string()),
                            rule: stop.map(|s| match rule {
                                Some(r) => format!("{s} {r}"),
                                None => s,
                            }),
                            analysis: analysis.or_else(|| Some(an.clone())),
                        });
                    }
                }
            }
        }
    }
    Ok((checked, findings))
}
