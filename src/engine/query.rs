//! `SRC->DST:PORT[/proto]`: parsing (pure syntax) and resolution against a network.

use std::net::IpAddr;

use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::aws::{EPHEMERAL_ANY, EPHEMERAL_LINUX, EPHEMERAL_WINDOWS};
use crate::model::{Interface, Network, Platform, Protocol};

use super::decision::{User, UserContext, VaDecision};
use super::rules;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    #[error("query `{token}`: {message}")]
    Query { token: String, message: String },
    /// A Verified Access policy that does not parse or evaluate.
    #[error("verified access policy of `{owner}`: {message}")]
    Policy { owner: String, message: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SrcSpec {
    Internet,
    /// A Client VPN user.
    Client,
    Ip(IpAddr),
    Instance(String),
    Eni(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DstSpec {
    Ip(IpAddr),
    Instance(String),
    Eni(String),
    /// `eni-…@ADDRESS`: the interface at one of its addresses (a secondary
    /// private, public or Elastic, IPv6 or delegated-prefix address); only
    /// what is delivered to it counts, as `who` and `assert` ask it
    /// ([`Query::delivered_to`]).
    EniAt {
        eni: String,
        ip: IpAddr,
    },
}

impl std::fmt::Display for SrcSpec {
    /// As a query writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SrcSpec::Internet => f.write_str("internet"),
            SrcSpec::Client => f.write_str("client"),
            SrcSpec::Ip(ip) => write!(f, "{ip}"),
            SrcSpec::Instance(s) | SrcSpec::Eni(s) => f.write_str(s),
        }
    }
}

impl std::fmt::Display for DstSpec {
    /// As a query writes it (an IPv6 address in brackets, so a port can follow).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DstSpec::Ip(ip) if ip.is_ipv6() => write!(f, "[{ip}]"),
            DstSpec::Ip(ip) => write!(f, "{ip}"),
            DstSpec::Instance(s) | DstSpec::Eni(s) => f.write_str(s),
            DstSpec::EniAt { eni, ip } if ip.is_ipv6() => write!(f, "{eni}@[{ip}]"),
            DstSpec::EniAt { eni, ip } => write!(f, "{eni}@{ip}"),
        }
    }
}

/// A query as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuerySpec {
    pub text: String,
    pub src: SrcSpec,
    pub dst: DstSpec,
    pub protocol: Protocol,
    /// Destination ports (tcp/udp) or ICMP type (icmp), inclusive.
    pub ports: (u16, u16),
}

fn bad(token: &str, message: impl Into<String>) -> EngineError {
    EngineError::Query {
        token: token.to_string(),
        message: message.into(),
    }
}

fn parse_range(tok: &str, max: u16) -> Result<(u16, u16), EngineError> {
    let one = |s: &str| -> Result<u16, EngineError> {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| bad(tok, format!("expected a number 0-{max} or a range N-M")))
    };
    match tok.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (one(a)?, one(b)?);
            if a > b {
                return Err(bad(tok, "range start is above its end"));
            }
            Ok((a, b))
        }
        None => {
            let v = one(tok)?;
            Ok((v, v))
        }
    }
}

/// Parses a port range `N` or `N-M` (used for `--src-port` too).
pub fn parse_port_range(tok: &str) -> Result<(u16, u16), EngineError> {
    parse_range(tok, u16::MAX)
}

impl QuerySpec {
    /// The spec with its text written as a query: `SRC->DST:PORTS/PROTOCOL`,
    /// which [`QuerySpec::parse`] reads back.
    pub fn named(mut self) -> QuerySpec {
        let ports = if self.ports.0 == self.ports.1 {
            self.ports.0.to_string()
        } else {
            format!("{}-{}", self.ports.0, self.ports.1)
        };
        self.text = format!(
            "{}->{}:{ports}/{}",
            self.src,
            self.dst,
            self.protocol.name()
        );
        self
    }

    pub fn parse(text: &str) -> Result<QuerySpec, EngineError> {
        let (src, rest) = text
            .split_once("->")
            .ok_or_else(|| bad(text, "expected SRC->DST:PORT[/tcp|udp|icmp]"))?;
        if src.trim().is_empty() {
            return Err(bad(
                text,
                "missing the source before `->` (an IP address, i-…, eni-…, `internet` or `client`)",
            ));
        }
        let (rest, protocol) = match rest.rsplit_once('/') {
            Some((r, p)) if !p.contains(':') && !p.contains(']') => {
                let proto = match p.to_ascii_lowercase().as_str() {
                    "tcp" => Protocol::TCP,
                    "udp" => Protocol::UDP,
                    "icmp" => Protocol::ICMP,
                    "icmpv6" => Protocol::ICMPV6,
                    _ => return Err(bad(p, "protocol must be tcp, udp, icmp or icmpv6")),
                };
                (r, proto)
            }
            _ => (rest, Protocol::TCP),
        };
        // `eni-…@ADDRESS`: an interface at one of its addresses.
        let whole = rest.trim();
        let (at, rest) = match whole.split_once('@') {
            Some((id, r)) if id.trim().starts_with("eni-") => (Some(id.trim()), r.trim_start()),
            Some(_) => {
                return Err(bad(
                    whole,
                    "only a network interface is named at an address: eni-…@ADDRESS",
                ));
            }
            None => (None, whole),
        };
        let at_text = at.map(|id| format!("{id}@")).unwrap_or_default();
        let (dst, port) = if let Some(r) = rest.strip_prefix('[') {
            let (a, p) = r
                .split_once("]:")
                .ok_or_else(|| bad(rest, "expected [IPv6]:PORT"))?;
            (a, p)
        } else {
            let (a, p) = rest
                .rsplit_once(':')
                .ok_or_else(|| bad(rest, "expected DST:PORT"))?;
            // `2001:db8::1:22` could be an address and a port or one address.
            if a.contains(':') {
                return Err(bad(
                    rest,
                    format!(
                        "an IPv6 destination with a port is written in brackets: `{at_text}[{a}]:{p}`"
                    ),
                ));
            }
            (a, p)
        };
        let max = if protocol.is_icmp() { 255 } else { u16::MAX };
        let ports = parse_range(port, max)?;
        let src = match src.trim() {
            "internet" => SrcSpec::Internet,
            "client" => SrcSpec::Client,
            s if s.starts_with("i-") => SrcSpec::Instance(s.into()),
            s if s.starts_with("eni-") => SrcSpec::Eni(s.into()),
            s => SrcSpec::Ip(s.parse().map_err(|_| {
                bad(
                    s,
                    "source must be an IP address, i-…, eni-…, `internet` or `client`",
                )
            })?),
        };
        let dst = match (at, dst.trim()) {
            (Some(eni), s) => DstSpec::EniAt {
                eni: eni.into(),
                ip: s.parse().map_err(|_| {
                    bad(
                        &format!("{eni}@{s}"),
                        format!("after `{eni}@` comes an address of the interface"),
                    )
                })?,
            },
            (None, s) if s.starts_with("i-") => DstSpec::Instance(s.into()),
            (None, s) if s.starts_with("eni-") => DstSpec::Eni(s.into()),
            (None, s) => DstSpec::Ip(s.parse().map_err(|_| {
                bad(
                    s,
                    "destination must be an IP address, i-…, eni-… or eni-…@ADDRESS",
                )
            })?),
        };
        Ok(QuerySpec {
            text: text.to_string(),
            src,
            dst,
            protocol,
            ports,
        })
    }
}

/// Where the query's packets start.
#[derive(Clone, Debug)]
pub enum Start {
    /// Leaves this interface from its address; with `also`, a class of
    /// interfaces asked together (`who`, `diff`): each leaves from its own
    /// address, from its own source ports ([`Query::class_ports`]), through
    /// its own groups, and every member shares the first's subnet, type and
    /// state, so one walk answers for all ([`crate::engine::source_places`]).
    Interface {
        eni: String,
        ip: IpAddr,
        also: Vec<(String, IpAddr)>,
    },
    /// Enters from the internet, from these addresses.
    Internet { sources: IntervalSet },
    /// A Client VPN user, through these endpoints.
    Client { endpoints: Vec<String> },
}

/// How a query is asked beyond its text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryOptions {
    /// The client's source ports (default: the opener's ephemeral range).
    pub src_ports: Option<(u16, u16)>,
    /// The user's groups (SAML / AD group IDs), for `client`; empty = ask for every group.
    pub groups: Vec<String>,
    /// The one access endpoint to use (`cvpn-endpoint-…` or `vae-…`), for `client`.
    pub via: Option<String>,
    /// Verified Access trust data (`--context FILE.json`), for `client`.
    pub context: Option<UserContext>,
}

/// A query resolved against a network.
#[derive(Clone, Debug)]
pub struct Query {
    pub spec: QuerySpec,
    pub start: Start,
    pub dst_ip: IpAddr,
    /// Asked toward every address of this set at once (of `dst_ip`'s
    /// family, `dst_ip` among them) instead of `dst_ip` alone: whole-network
    /// answers (`exposure`) walk many destinations in one walk
    /// ([`Query::toward`]). Not for `client` queries.
    pub dst_set: Option<IntervalSet>,
    /// Asked on these destination ports (ICMP types) at once instead of
    /// `spec.ports` alone ([`Query::on_ports`]).
    pub port_set: Option<IntervalSet>,
    /// From the internet, walked from every public address
    /// ([`Query::from_every_public_address`]): a superset of the true
    /// sources whose answer the caller restricts to them.
    pub superset_sources: bool,
    /// The interface the user named as destination, if any.
    pub dst_eni: Option<String>,
    /// Destinations nothing gets to from the internet on the query's ports
    /// (`who` checked each once: [`Query::from_anywhere_outside`]): packets
    /// of the forward walk that reach the internet toward one are dropped
    /// there instead of walked on ([`Query::closed_outside`],
    /// [`Query::closed_outside_at`]).
    pub closed_outside: Option<IntervalSet>,
    /// A walk from several interfaces at once tags each matched
    /// security-group rule's hop with the members' addresses whose packets
    /// it matched ([`crate::engine::Hop::sources`]), so that one member's
    /// hops can be read off it (`diff`'s explanations: [`Query::trace_sources`]).
    pub trace_sources: bool,
    /// Forward packets that get out of the source interface's subnet
    /// through its network ACL stop there, undecided
    /// ([`Query::to_subnet_exit`]): where a walk's packets can get at all,
    /// cheaply (`diff` skips the walks toward the rest).
    pub stop_leaving: bool,
    pub src_ports: (u16, u16),
    /// A class whose members open connections from different ephemeral
    /// ranges (Linux, Windows, not an instance), asked in one walk: each
    /// member's addresses with its own source ports, instead of
    /// `src_ports` for all ([`Query::from_class`]).
    pub class_ports: Option<Vec<(IntervalSet, (u16, u16))>>,
    /// The user's groups as given (`--group`), for `client`.
    pub groups: Vec<String>,
    /// Assumptions made while resolving, stated in the output.
    pub assumptions: Vec<String>,
    /// For `client`: the users answered for (one per group asked, or every
    /// group the rules and policies name plus a user in none).
    pub users: Vec<User>,
    /// For `client`: the Verified Access policy decision per endpoint and user.
    pub va_decisions: Vec<VaDecision>,
}

/// An instance's interfaces, primary (`DeviceIndex` 0) first. Found through
/// `describe-instances`, else through the interfaces' `Attachment.InstanceId`.
fn instance_enis<'n>(net: &'n Network, id: &str) -> Result<Vec<&'n Interface>, EngineError> {
    let enis = net.instance_interfaces(id);
    if enis.is_empty() {
        return Err(bad(
            id,
            if net.instances.contains_key(id) {
                "the instance has no network interface in the input"
            } else {
                "no such instance in the input"
            },
        ));
    }
    Ok(enis)
}

/// The instance's primary interface, with the assumption stated when it has several.
fn instance_eni<'n>(
    net: &'n Network,
    id: &str,
    as_source: bool,
    assumptions: &mut Vec<String>,
) -> Result<&'n Interface, EngineError> {
    let enis = instance_enis(net, id)?;
    let primary = enis[0];
    if enis.len() > 1 {
        let others: Vec<String> = enis[1..]
            .iter()
            .map(|e| {
                let addrs: Vec<String> = e
                    .private_ips
                    .iter()
                    .map(|p| p.address.to_string())
                    .chain(e.ipv6.iter().map(ToString::to_string))
                    .collect();
                format!("{} ({})", e.id, addrs.join(", "))
            })
            .collect();
        assumptions.push(if as_source {
            format!(
                "{id} has {} network interfaces: its connections are assumed to leave from the primary one, {} (device index 0); the instance's OS routing decides, which AWS does not show (name eni-… to ask for another: {})",
                enis.len(),
                primary.id,
                others.join("; ")
            )
        } else {
            format!(
                "{id} has {} network interfaces: answering for the primary one, {} (device index 0); name eni-… or an address to ask for another: {}",
                enis.len(),
                primary.id,
                others.join("; ")
            )
        });
    }
    Ok(primary)
}

fn eni<'n>(net: &'n Network, id: &str) -> Result<&'n Interface, EngineError> {
    net.interfaces
        .get(id)
        .ok_or_else(|| bad(id, "no such network interface in the input"))
}

fn primary(i: &Interface, token: &str) -> Result<IpAddr, EngineError> {
    i.main_ip()
        .ok_or_else(|| bad(token, "the network interface has no IP address"))
}

/// The interface's address of the destination's family.
fn source_address(i: &Interface, dst: IpAddr, token: &str) -> Result<IpAddr, EngineError> {
    i.address_like(dst).ok_or_else(|| {
        bad(
            token,
            format!(
                "{} has no {} address, and the destination {dst} is {}: a query stays in one address family",
                i.id,
                if dst.is_ipv6() { "IPv6" } else { "IPv4" },
                if dst.is_ipv6() { "IPv6" } else { "IPv4" },
            ),
        )
    })
}

/// The ephemeral range a host opens connections from (aws-semantics.md §1).
/// [`ephemeral`] without its assumption.
pub(super) fn ephemeral_range(net: &Network, i: &Interface) -> (u16, u16) {
    ephemeral_with(net, i, None)
}

/// [`ephemeral_range`] of `i`, whose instance the caller looked up
/// (`inst`: `i.instance` in `net.instances`).
pub(super) fn ephemeral_range_of(
    i: &Interface,
    inst: Option<&crate::model::Instance>,
) -> (u16, u16) {
    ephemeral_of(i, inst).0
}

/// The one decision of [`ephemeral`], [`ephemeral_range`] and
/// [`ephemeral_range_of`]: the range, and why.
fn ephemeral_of<'a>(
    i: &'a Interface,
    inst: Option<&'a crate::model::Instance>,
) -> ((u16, u16), Ephemeral<'a>) {
    match inst {
        Some(inst) if inst.platform == Platform::Windows => {
            (EPHEMERAL_WINDOWS, Ephemeral::Windows(inst.id.as_str()))
        }
        Some(inst) => (EPHEMERAL_LINUX, Ephemeral::Linux(inst.id.as_str())),
        None => match &i.instance {
            Some(inst) => (EPHEMERAL_LINUX, Ephemeral::Unlisted(inst.as_str())),
            None => (EPHEMERAL_ANY, Ephemeral::NotAnInstance),
        },
    }
}

pub(super) fn ephemeral(net: &Network, i: &Interface, assumptions: &mut Vec<String>) -> (u16, u16) {
    ephemeral_with(net, i, Some(assumptions))
}

/// [`ephemeral_of`] of `i`'s instance in `net`; the assumption is
/// written only when asked for.
fn ephemeral_with(
    net: &Network,
    i: &Interface,
    assumptions: Option<&mut Vec<String>>,
) -> (u16, u16) {
    let inst = i.instance.as_ref().and_then(|id| net.instances.get(id));
    let (range, why) = ephemeral_of(i, inst);
    if let Some(assumptions) = assumptions {
        assumptions.push(match why {
            Ephemeral::Windows(inst) => {
                format!("{inst} runs Windows: source ports 49152-65535 (--src-port overrides)")
            }
            Ephemeral::Linux(inst) => format!(
                "{inst} is assumed to run Linux: source ports 32768-60999 (--src-port overrides)"
            ),
            Ephemeral::Unlisted(inst) => format!(
                "{inst} (from the `Attachment` of {}; not in describe-instances) is assumed to run Linux: source ports 32768-60999 (--src-port overrides)",
                i.id
            ),
            Ephemeral::NotAnInstance => format!(
                "{} is not an instance: source ports 1024-65535 (--src-port overrides)",
                i.id
            ),
        });
    }
    range
}

/// Why a host has its ephemeral range ([`ephemeral_with`]).
enum Ephemeral<'a> {
    Windows(&'a str),
    Linux(&'a str),
    /// An instance named by the interface's attachment, not listed.
    Unlisted(&'a str),
    NotAnInstance,
}

/// `icmp` is ICMP for IPv4, `icmpv6` for IPv6: the other one for the
/// destination's family is an error showing the query as it should be written.
fn check_icmp_family(spec: &QuerySpec, dst_ip: IpAddr) -> Result<(), EngineError> {
    let (wrong, right, family) = match spec.protocol {
        Protocol::ICMPV6 if dst_ip.is_ipv4() => ("icmpv6", "icmp", "IPv4"),
        Protocol::ICMP if dst_ip.is_ipv6() => ("icmp", "icmpv6", "IPv6"),
        _ => return Ok(()),
    };
    let fixed = match spec.text.rsplit_once('/') {
        Some((head, _)) => format!("{head}/{right}"),
        None => spec.text.clone(),
    };
    Err(bad(
        &spec.text,
        format!("`{wrong}` to the {family} address {dst_ip}: use `{right}` (`{fixed}`)"),
    ))
}

/// Where a `client` query starts: its access endpoints (`--via`, or every
/// Client VPN and Verified Access endpoint of the input).
fn client_start(
    net: &Network,
    opts: &QueryOptions,
    assumptions: &mut Vec<String>,
) -> Result<Start, EngineError> {
    let endpoints: Vec<String> = match &opts.via {
        Some(v) if net.client_vpn_endpoints.contains_key(v) || net.va_endpoints.contains_key(v) => {
            vec![v.clone()]
        }
        Some(v) => return Err(bad(v, "no such access endpoint in the input")),
        None => net
            .client_vpn_endpoints
            .keys()
            .chain(net.va_endpoints.keys())
            .cloned()
            .collect(),
    };
    if endpoints.is_empty() {
        return Err(bad(
            "client",
            "the input has no Client VPN or Verified Access endpoint",
        ));
    }
    if endpoints
        .iter()
        .any(|e| net.client_vpn_endpoints.contains_key(e))
    {
        assumptions.push(
            "a VPN client's source port is irrelevant inside the VPC: the association ENI translates it to one of 1024-65535"
                .to_string(),
        );
    }
    Ok(Start::Client { endpoints })
}

/// Where a query from address `ip` starts: the interface holding it, or a
/// host on the internet; and its source ports.
fn address_start(
    net: &Network,
    ip: IpAddr,
    dst_ip: IpAddr,
    assumptions: &mut Vec<String>,
) -> Result<(Start, (u16, u16)), EngineError> {
    let token = ip.to_string();
    if ip.is_ipv4() != dst_ip.is_ipv4() {
        return Err(bad(
            &token,
            format!("the source and the destination {dst_ip} are of different address families"),
        ));
    }
    let owners: Vec<&Interface> = net.interfaces_with_ip(ip).collect();
    match owners.as_slice() {
        [one] => {
            let ports = ephemeral(net, one, assumptions);
            let eni = one.id.clone();
            Ok((
                Start::Interface {
                    eni,
                    ip,
                    also: Vec::new(),
                },
                ports,
            ))
        }
        [_, _, ..] => Err(bad(
            &token,
            format!(
                "the address belongs to several interfaces ({}): name one with eni-…",
                owners
                    .iter()
                    .map(|i| i.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        [] if rules::internet_addresses().contains(hs::addr(ip)) => {
            assumptions.push(format!(
                "{ip} is not in the input: treated as a host on the internet using source ports 1024-65535"
            ));
            let sources = IntervalSet::from_interval(Interval::point(hs::addr(ip)));
            Ok((Start::Internet { sources }, EPHEMERAL_ANY))
        }
        [] => Err(bad(
            &token,
            "no network interface in the input has this private address",
        )),
    }
}

/// Where the query starts, and its default source ports.
fn start(
    net: &Network,
    spec: &QuerySpec,
    dst_ip: IpAddr,
    opts: &QueryOptions,
    assumptions: &mut Vec<String>,
) -> Result<(Start, (u16, u16)), EngineError> {
    let from_interface = |i: &Interface, token: &str, assumptions: &mut Vec<String>| {
        let ip = source_address(i, dst_ip, token)?;
        let ports = ephemeral(net, i, assumptions);
        let eni = i.id.clone();
        Ok((
            Start::Interface {
                eni,
                ip,
                also: Vec::new(),
            },
            ports,
        ))
    };
    match &spec.src {
        SrcSpec::Internet => {
            assumptions.push(
                "`internet` means every public address: all IPv4 outside private and special-purpose blocks (RFC 1918, 6598, loopback, link-local, multicast) and 2000::/3, except the public IPs, Elastic IPs and IPv6 addresses and CIDRs of the input; their clients use source ports 1024-65535"
                    .to_string(),
            );
            // Hosts outside the input: the input's own public IPs and
            // IPv6 addresses are not "the internet".
            let sources = rules::internet_sources(net);
            Ok((Start::Internet { sources }, EPHEMERAL_ANY))
        }
        SrcSpec::Client => Ok((client_start(net, opts, assumptions)?, EPHEMERAL_ANY)),
        SrcSpec::Instance(id) => {
            let i = instance_eni(net, id, true, assumptions)?;
            from_interface(i, id, assumptions)
        }
        SrcSpec::Eni(id) => from_interface(eni(net, id)?, id, assumptions),
        SrcSpec::Ip(ip) => address_start(net, *ip, dst_ip, assumptions),
    }
}

/// A query's destination address, and its interface when it names one.
fn destination(
    net: &Network,
    dst: &DstSpec,
    assumptions: &mut Vec<String>,
) -> Result<(IpAddr, Option<String>), EngineError> {
    Ok(match dst {
        DstSpec::Ip(ip) => (*ip, None),
        DstSpec::Instance(id) => {
            let i = instance_eni(net, id, false, assumptions)?;
            (primary(i, id)?, Some(i.id.clone()))
        }
        DstSpec::Eni(id) => {
            let i = eni(net, id)?;
            (primary(i, id)?, Some(i.id.clone()))
        }
        DstSpec::EniAt { eni: id, ip } => (held(eni(net, id)?, *ip)?, Some(id.clone())),
    })
}

/// `ip`, when interface `i` holds it: a private address (or one of its
/// delegated prefixes), a public or Elastic IP mapped to one, an IPv6
/// address.
fn held(i: &Interface, ip: IpAddr) -> Result<IpAddr, EngineError> {
    if i.has_ip(ip) || i.private_ips.iter().any(|p| p.public == Some(ip)) {
        return Ok(ip);
    }
    let mut held: Vec<String> = Vec::new();
    for p in &i.private_ips {
        held.push(p.address.to_string());
        held.extend(p.public.map(|a| format!("{a} (public)")));
    }
    for a in &i.ipv6 {
        if !i.private_ips.iter().any(|p| p.address == *a) {
            held.push(a.to_string());
        }
    }
    held.extend(i.prefixes.iter().map(|p| format!("{p} (prefix)")));
    let token = DstSpec::EniAt {
        eni: i.id.clone(),
        ip,
    };
    Err(bad(
        &token.to_string(),
        format!(
            "`{}` does not hold `{ip}`; its addresses: {}",
            i.id,
            if held.is_empty() {
                "none".to_string()
            } else {
                held.join(", ")
            }
        ),
    ))
}

impl Query {
    /// Resolves only a destination, as a query would (errors name the
    /// token): its address and, when it names one, its interface.
    pub fn resolve_destination(
        net: &Network,
        dst: &DstSpec,
    ) -> Result<(IpAddr, Option<String>), EngineError> {
        destination(net, dst, &mut Vec::new())
    }

    /// Resolves `spec` against `net`, all but who asks a `client` query:
    /// `users` and `va_decisions` are left empty (`Query::resolve_with`, in
    /// `check`, has `access` decide them).
    pub(super) fn resolve_place(
        net: &Network,
        spec: QuerySpec,
        opts: &QueryOptions,
    ) -> Result<Query, EngineError> {
        if !matches!(spec.src, SrcSpec::Client) {
            if let Some(v) = &opts.via {
                return Err(bad(v, "--via applies to `client` queries only"));
            }
            if let Some(g) = opts.groups.first() {
                return Err(bad(g, "--group applies to `client` queries only"));
            }
            if let Some(c) = &opts.context {
                return Err(bad(&c.source, "--context applies to `client` queries only"));
            }
        }
        let mut assumptions = Vec::new();
        let (dst_ip, dst_eni) = destination(net, &spec.dst, &mut assumptions)?;
        check_icmp_family(&spec, dst_ip)?;
        let (start, default_ports) = start(net, &spec, dst_ip, opts, &mut assumptions)?;
        let query = Query {
            spec,
            start,
            dst_ip,
            dst_set: None,
            port_set: None,
            superset_sources: false,
            closed_outside: None,
            trace_sources: false,
            stop_leaving: false,
            dst_eni,
            src_ports: opts.src_ports.unwrap_or(default_ports),
            class_ports: None,
            groups: opts.groups.clone(),
            assumptions,
            users: Vec::new(),
            va_decisions: Vec::new(),
        };
        // No packet asked about would make any verdict meaningless.
        if query.packets().is_empty() {
            return Err(bad(
                &query.spec.text,
                "the query asks about no packet (source and destination of different address families?)",
            ));
        }
        Ok(query)
    }

    /// Every packet the query asks about, in original coordinates.
    /// For `client`, the source is the endpoint's client CIDR ([`Query::packets_from`]).
    pub fn packets(&self) -> PacketSet {
        let src = match &self.start {
            Start::Interface { ip, also, .. } => {
                let mut s = IntervalSet::from_interval(Interval::point(hs::addr(*ip)));
                for (_, a) in also {
                    s = s.union(&IntervalSet::from_interval(Interval::point(hs::addr(*a))));
                }
                s
            }
            Start::Internet { sources } => sources.clone(),
            Start::Client { .. } => hs::all_v4().union(&hs::all_v6()),
        };
        match &self.class_ports {
            // Each member's packets from its own source ports.
            Some(by) => {
                let mut out = PacketSet::empty();
                for (addrs, ports) in by {
                    out = out.union(&self.packets_with(src.intersect(addrs), *ports));
                }
                out
            }
            None => self.packets_from(src),
        }
    }

    /// The same question toward every address of `dsts` (those of
    /// `dst_ip`'s family) in one walk; the answer's packet sets keep each
    /// packet's own destination. An internet or interface source only: a
    /// `client` query's access decisions are per destination.
    pub fn toward(mut self, dsts: IntervalSet) -> Query {
        debug_assert!(!matches!(self.start, Start::Client { .. }));
        self.dst_set = Some(dsts.union(&point_set(self.dst_ip)));
        self
    }

    /// The same question on every destination port (ICMP type) of `ports`
    /// in one walk (`spec.ports` names their span); the answer's packet
    /// sets keep each packet's own port. Each packet's fate depends on its
    /// own header only, so this is the union of asking them one by one.
    pub fn on_ports(mut self, ports: IntervalSet) -> Query {
        self.port_set = Some(ports);
        self
    }

    /// The query asked of an address of interface `eni` (a public or IPv6
    /// address, asked as an address) counting only what is delivered to
    /// `eni`, as a query naming it does: packets delivered to another
    /// interface are dropped, and packets leaving the input (on-premises,
    /// the internet) are undecided. (`who` asks an interface at each of
    /// its addresses: a source whose packets for its public address go
    /// on-premises does not reach it there.)
    pub fn delivered_to(mut self, eni: Option<&str>) -> Query {
        if let Some(e) = eni {
            self.dst_eni = Some(e.to_string());
        }
        self
    }

    /// An internet query walked from every public address instead of its
    /// sources (which leave out the input's own addresses: one hole per
    /// address, multiplied by one box per destination when many are asked
    /// at once). Each packet's fate depends on its own header only, so the
    /// answer restricted to the true sources is theirs — callers restrict
    /// it. Replies are not handed back into the input by the internet (only
    /// packets from the input's own addresses would be, and they are
    /// dropped by that restriction).
    pub fn from_every_public_address(mut self) -> Query {
        if let Start::Internet { sources } = &mut self.start {
            *sources = super::rules::public_addresses();
            self.superset_sources = true;
        }
        self
    }

    /// An internet query walked from every address a packet can carry on
    /// the internet: every public address, the input's own public IPv4
    /// addresses (what an internet or NAT gateway translates a source to)
    /// and every IPv6 address (sources an internet or egress-only gateway
    /// leaves untranslated). When none of its forward packets is delivered
    /// or undecided, nothing any walk puts on the internet gets to the
    /// destination: `who` then stops its walks there
    /// ([`Query::closed_outside`]).
    pub fn from_anywhere_outside(mut self, net: &Network) -> Query {
        if let Start::Internet { sources } = &mut self.start {
            let own = IntervalSet::from_intervals(rules::own_public_ips(net));
            *sources = rules::public_addresses().union(&hs::all_v6()).union(&own);
            // Only the forward walk is read: replies are not handed back
            // into the input.
            self.superset_sources = true;
        }
        self
    }

    /// The query, its forward packets stopped when they reach the internet
    /// toward its destination (dropped there, `Cause::ClosedOutside`): for a
    /// destination [`Query::from_anywhere_outside`] showed closed to every
    /// packet on the internet, the same answer in shorter walks. (Its
    /// paths end there: `who` walks again without it what it lists.)
    pub fn closed_outside(self) -> Query {
        let at = point_set(self.dst_ip);
        self.closed_outside_at(at)
    }

    /// [`Query::closed_outside`] for these destinations (a walk toward
    /// several at once, [`Query::toward`], some of them closed).
    pub fn closed_outside_at(mut self, dsts: IntervalSet) -> Query {
        self.closed_outside = (!dsts.is_empty()).then_some(dsts);
        self
    }

    /// The query, its walk from several interfaces keeping, on each
    /// security-group hop, the members' addresses whose packets the rule
    /// matched (on the way out each member meets only its own groups; on the
    /// way in a rule may match some members only).
    pub fn trace_sources(mut self) -> Query {
        self.trace_sources = true;
        self
    }

    /// The query (from interfaces), its forward packets stopped where they
    /// pass the network ACL out of the source's subnet: they end there
    /// undecided (`End::Unknown`), unwalked beyond. Every other packet's
    /// fate is its own walk's: a packet this walk drops, any walk of the
    /// same source and header drops there too (what a subnet's packets can
    /// get past it at all, read by `diff` before walking toward each
    /// destination).
    pub fn to_subnet_exit(mut self) -> Query {
        self.stop_leaving = true;
        self
    }

    /// The query's packets from these source addresses.
    pub fn packets_from(&self, src: IntervalSet) -> PacketSet {
        self.packets_with(src, self.src_ports)
    }

    /// [`Query::packets_from`] from these source ports.
    fn packets_with(&self, src: IntervalSet, src_ports: (u16, u16)) -> PacketSet {
        let point = |v: u128| IntervalSet::from_interval(Interval::point(v));
        let range = |(a, b): (u16, u16)| {
            IntervalSet::from_interval(Interval {
                lo: u128::from(a),
                hi: u128::from(b),
            })
        };
        let proto = match self.spec.protocol {
            Protocol::Number(n) => n,
            Protocol::All => 6,
        };
        // Sources are of the destination's address family.
        let family = if self.dst_ip.is_ipv4() {
            hs::all_v4()
        } else {
            hs::all_v6()
        };
        let mut fields = vec![
            (Field::Proto, point(u128::from(proto))),
            (Field::Src, src.intersect(&family)),
            (
                Field::Dst,
                match &self.dst_set {
                    Some(set) => set.intersect(&family),
                    None => point(hs::addr(self.dst_ip)),
                },
            ),
        ];
        let ports = match &self.port_set {
            Some(set) => set.clone(),
            None => range(self.spec.ports),
        };
        if self.spec.protocol.is_icmp() {
            fields.push((Field::IcmpType, ports));
        } else {
            fields.push((Field::DstPort, ports));
            fields.push((Field::SrcPort, range(src_ports)));
        }
        PacketSet::product(&fields)
    }
}

fn point_set(ip: IpAddr) -> IntervalSet {
    IntervalSet::from_interval(Interval::point(hs::addr(ip)))
}

impl Query {
    /// A query from a class of interfaces ([`source_classes`]) to `dst`: each
    /// member leaves from its address of the destination's family (members
    /// without one are left out); `None` when no member has one.
    pub fn from_class(
        net: &Network,
        members: &[String],
        dst: DstSpec,
        protocol: Protocol,
        ports: (u16, u16),
    ) -> Result<Option<Query>, EngineError> {
        let members: Vec<&Interface> = members
            .iter()
            .filter_map(|m| net.interfaces.get(m))
            .collect();
        Query::from_members(net, &members, dst, protocol, ports)
    }

    /// [`Query::from_class`] of interfaces already looked up.
    pub fn from_members(
        net: &Network,
        members: &[&Interface],
        dst: DstSpec,
        protocol: Protocol,
        ports: (u16, u16),
    ) -> Result<Option<Query>, EngineError> {
        let dst_ip = match &dst {
            DstSpec::Ip(ip) => *ip,
            DstSpec::Instance(id) => primary(instance_eni(net, id, false, &mut Vec::new())?, id)?,
            DstSpec::Eni(id) => primary(eni(net, id)?, id)?,
            DstSpec::EniAt { eni: id, ip } => held(eni(net, id)?, *ip)?,
        };
        let found: Vec<(&Interface, IpAddr)> = members
            .iter()
            .filter_map(|i| i.address_like(dst_ip).map(|a| (*i, a)))
            .collect();
        let sources: Vec<(String, IpAddr)> =
            found.iter().map(|(i, a)| (i.id.clone(), *a)).collect();
        let Some(((rep, _), rest)) = sources.split_first() else {
            return Ok(None);
        };
        let text = format!(
            "{rep}{}->{}:{}{}/{}",
            if rest.is_empty() {
                String::new()
            } else {
                format!(" (+{} alike)", rest.len())
            },
            dst,
            ports.0,
            if ports.0 == ports.1 {
                String::new()
            } else {
                format!("-{}", ports.1)
            },
            protocol.name(),
        );
        let spec = QuerySpec {
            text,
            src: SrcSpec::Eni(rep.clone()),
            dst,
            protocol,
            ports,
        };
        let mut q = Query::resolve_place(net, spec, &QueryOptions::default())?;
        if let Start::Interface { also, .. } = &mut q.start {
            *also = rest.to_vec();
        }
        // Members opening connections from another ephemeral range than
        // the first's (a Windows instance beside Linux ones): each sends
        // from its own, with its assumption stated.
        let ranges: Vec<(u16, u16)> = found.iter().map(|(i, _)| ephemeral_range(net, i)).collect();
        if ranges.iter().any(|r| *r != ranges[0]) {
            let mut by: Vec<(IntervalSet, (u16, u16))> = Vec::new();
            for ((i, a), range) in found.iter().zip(ranges) {
                match by.iter_mut().find(|(_, r)| *r == range) {
                    Some((addrs, _)) => *addrs = addrs.union(&point_set(*a)),
                    None => {
                        if !by.is_empty() {
                            ephemeral(net, i, &mut q.assumptions);
                        }
                        by.push((point_set(*a), range));
                    }
                }
            }
            q.class_ports = Some(by);
        }
        if !rest.is_empty() {
            q.assumptions.push(format!(
                "{} interfaces with the same subnet and state as {rep} are asked together; each sends from its own address, through its own security groups",
                rest.len() + 1
            ));
        }
        Ok(Some(q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every destination form reads back from the text [`QuerySpec::named`]
    /// writes, `eni-…@ADDRESS` with an IPv6 address in brackets among them.
    #[test]
    fn a_named_spec_parses_back() {
        for text in [
            "internet->eni-0a@203.0.113.10:22/tcp",
            "eni-0b->eni-0a@[2600:1f18::10]:443-444/tcp",
            "10.0.0.5->eni-0a:53/udp",
            "client->i-0a:8/icmp",
            "2600::1->[2600::2]:0-65535/tcp",
        ] {
            let spec = QuerySpec::parse(text).expect(text);
            let written = spec.clone().named();
            assert_eq!(written.text, text);
            assert_eq!(QuerySpec::parse(&written.text).unwrap(), spec);
        }
        let spec = QuerySpec::parse("internet->eni-0a@[2600:1f18::10]:22").unwrap();
        assert_eq!(
            spec.dst,
            DstSpec::EniAt {
                eni: "eni-0a".into(),
                ip: "2600:1f18::10".parse().unwrap()
            }
        );
        // Only an interface takes `@`; the messages name what was written.
        let err = |q: &str| QuerySpec::parse(q).unwrap_err().to_string();
        let e = err("internet->i-0a@10.0.0.1:22");
        assert!(
            e.contains("`i-0a@10.0.0.1:22`") && e.contains("only a network interface"),
            "{e}"
        );
        let e = err("internet->eni-0a@:22");
        assert!(
            e.contains("`eni-0a@`") && e.contains("comes an address"),
            "{e}"
        );
        let e = err("internet->eni-0a@2600::1:22");
        assert!(e.contains("`eni-0a@[2600::1]:22`"), "{e}");
        // Spaces around the parts are not part of them.
        assert_eq!(
            QuerySpec::parse("internet-> eni-0a @ [2600::1]:22")
                .unwrap()
                .dst,
            DstSpec::EniAt {
                eni: "eni-0a".into(),
                ip: "2600::1".parse().unwrap()
            }
        );
    }
}
