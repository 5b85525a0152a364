//! The policy file: its shape (serde types, unknown keys are errors), parsed
//! and validated into [`Policy`]. Every error names the file, the assertion
//! (index and name) and the field. No IO: `cli` reads the file.
//!
//! Two forms, freely mixed: the native `assertions:` list, and AWS Network
//! Access Analyzer scopes (`MatchPaths` / `ExcludePaths`, at the top of the
//! file, under `NetworkInsightsAccessScopeContent`, or in an assertion),
//! which mean "these paths must not exist".

use std::fmt;

use ipnet::IpNet;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;

use crate::model::Protocol;

use super::AssertError;

/// A parsed, validated policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The file it was read from, as messages name it.
    pub file: String,
    pub assertions: Vec<Assertion>,
}

/// What an assertion claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Every packet of every flow gets there and back.
    MustReach,
    /// No packet of any flow gets there and back.
    MustNotReach,
    /// Only the allowed sources reach the targets.
    Only,
    /// Every Client VPN association of an endpoint carries the same packets.
    Consistent,
    /// Nothing from the internet reaches the targets, except as listed.
    NoExposure,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::MustReach => "must_reach",
            Kind::MustNotReach => "must_not_reach",
            Kind::Only => "only",
            Kind::Consistent => "consistent",
            Kind::NoExposure => "no_exposure",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "must_reach" => Kind::MustReach,
            "must_not_reach" => Kind::MustNotReach,
            "only" => Kind::Only,
            "consistent" => Kind::Consistent,
            "no_exposure" => Kind::NoExposure,
            _ => return None,
        })
    }
}

/// What a selector names, resolved against the network in `select.rs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// Hosts outside the input (NAA: an internet gateway).
    Internet,
    /// Access users (Client VPN, Verified Access); `groups` empty = every user.
    Client { groups: Vec<String> },
    /// An AWS ID: `i-`, `eni-`, `sg-` (every member), `subnet-`, `vpc-`
    /// (every interface in it), `cvpn-endpoint-`/`vae-` (its users),
    /// `igw-` (the internet).
    Id(String),
    /// Addresses: interfaces holding one, hosts outside the input.
    Cidr(IpNet),
    /// Resources tagged `key` (= `value`): interfaces, instances, subnets,
    /// VPCs and security groups carrying it select their interfaces.
    Tag { key: String, value: Option<String> },
    /// Every interface (NAA `ResourceTypes` of interfaces, subnets, VPCs,
    /// security groups).
    AnyInterface,
    /// Every interface attached to an instance (NAA `AWS::EC2::Instance`).
    AnyInstance,
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Internet => f.write_str("internet"),
            Selector::Client { groups } if groups.is_empty() => f.write_str("client"),
            Selector::Client { groups } => write!(f, "client [{}]", groups.join(", ")),
            Selector::Id(id) => f.write_str(id),
            Selector::Cidr(n) => write!(f, "{n}"),
            Selector::Tag { key, value: None } => write!(f, "tag:{key}"),
            Selector::Tag {
                key,
                value: Some(v),
            } => write!(f, "tag:{key}={v}"),
            Selector::AnyInterface => f.write_str("every interface"),
            Selector::AnyInstance => f.write_str("every instance"),
        }
    }
}

/// A protocol and its destination ports (ICMP: types), inclusive.
/// `Protocol::ICMP` is read as ICMPv6 toward an IPv6 target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    pub protocol: Protocol,
    pub ports: (u16, u16),
}

/// Packets that do not count (`except`, `allow_from`, NAA `ExcludePaths`):
/// a packet is excluded when it matches every part given (`None` = any).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathFilter {
    /// Its source is one of these.
    pub from: Option<Vec<Selector>>,
    /// Its destination is one of these.
    pub to: Option<Vec<Selector>>,
    pub src_addrs: Option<Vec<IpNet>>,
    pub dst_addrs: Option<Vec<IpNet>>,
    pub src_ports: Option<Vec<(u16, u16)>>,
    /// Protocols (and their ports) it covers.
    pub services: Option<Vec<Service>>,
}

/// One assertion, normalized: which fields matter depends on `kind`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assertion {
    /// 0-based position in the file (`assertions[i]`; NAA scopes follow).
    pub index: usize,
    pub name: String,
    pub kind: Kind,
    /// Where it was written (`assertions[2]`, `MatchPaths[0]`), for messages.
    pub at: String,
    /// Sources (`must_reach`, `must_not_reach`, `no_exposure`: internet).
    pub from: Vec<Selector>,
    /// Destinations; empty = every interface (`no_exposure`, `consistent`:
    /// every interface of the endpoint's VPC).
    pub to: Vec<Selector>,
    pub services: Vec<Service>,
    /// Source ports asked (`None`: the opener's ephemeral range).
    pub src_ports: Option<Vec<(u16, u16)>>,
    /// Source addresses the flows are narrowed to (NAA `SourceAddresses`).
    pub src_addrs: Option<Vec<IpNet>>,
    /// Destination addresses (NAA `DestinationAddresses`).
    pub dst_addrs: Option<Vec<IpNet>>,
    /// Source addresses as prefix lists' entries (NAA `SourcePrefixLists`).
    pub src_prefix_lists: Vec<String>,
    /// Destination addresses as prefix lists' entries (NAA `DestinationPrefixLists`).
    pub dst_prefix_lists: Vec<String>,
    /// `only`: the sources that may reach.
    pub allowed: Vec<Selector>,
    /// Packets that do not count.
    pub except: Vec<PathFilter>,
    /// `consistent`: the Client VPN endpoints (empty: every one).
    pub endpoints: Vec<String>,
}

// ---------------------------------------------------------------- shape

/// A scalar written as a string, number or boolean.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar(s.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Scalar, E> {
                Ok(Scalar(b.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// One scalar or a list of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct List(Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<List, E> {
                Ok(List(vec![s.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<List, E> {
                Ok(List(vec![n.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<List, E> {
                Ok(List(vec![n.to_string()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut out = Vec::new();
                while let Some(Scalar(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(List(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyY {
    #[serde(default)]
    assertions: Vec<AssertionY>,
    #[serde(rename = "NetworkInsightsAccessScopeId")]
    id: Option<String>,
    #[serde(rename = "MatchPaths")]
    match_paths: Option<Vec<NaaPathY>>,
    #[serde(rename = "ExcludePaths")]
    exclude_paths: Option<Vec<NaaPathY>>,
    #[serde(rename = "NetworkInsightsAccessScopeContent")]
    content: Option<ScopeY>,
}

/// An NAA scope: what `get-network-insights-access-scope-content` prints
/// under `NetworkInsightsAccessScopeContent`, or the input of
/// `create-network-insights-access-scope`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeY {
    #[serde(rename = "NetworkInsightsAccessScopeId")]
    id: Option<String>,
    #[serde(rename = "MatchPaths")]
    match_paths: Option<Vec<NaaPathY>>,
    #[serde(rename = "ExcludePaths")]
    exclude_paths: Option<Vec<NaaPathY>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssertionY {
    name: Option<String>,
    kind: Option<String>,
    description: Option<String>,
    from: Option<List>,
    to: Option<List>,
    #[serde(alias = "protocols")]
    protocol: Option<List>,
    ports: Option<List>,
    src_ports: Option<List>,
    groups: Option<List>,
    allowed: Option<List>,
    except: Option<List>,
    allow_from: Option<List>,
    endpoints: Option<List>,
    #[serde(rename = "MatchPaths")]
    match_paths: Option<Vec<NaaPathY>>,
    #[serde(rename = "ExcludePaths")]
    exclude_paths: Option<Vec<NaaPathY>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NaaPathY {
    #[serde(rename = "Source")]
    source: Option<NaaStatementY>,
    #[serde(rename = "Destination")]
    destination: Option<NaaStatementY>,
    #[serde(rename = "ThroughResources")]
    through: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NaaStatementY {
    #[serde(rename = "PacketHeaderStatement")]
    header: Option<HeaderY>,
    #[serde(rename = "ResourceStatement")]
    resources: Option<ResourceY>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderY {
    #[serde(rename = "SourceAddresses")]
    source_addresses: Option<List>,
    #[serde(rename = "DestinationAddresses")]
    destination_addresses: Option<List>,
    #[serde(rename = "SourcePorts")]
    source_ports: Option<List>,
    #[serde(rename = "DestinationPorts")]
    destination_ports: Option<List>,
    #[serde(rename = "Protocols")]
    protocols: Option<List>,
    #[serde(rename = "SourcePrefixLists")]
    source_prefix_lists: Option<List>,
    #[serde(rename = "DestinationPrefixLists")]
    destination_prefix_lists: Option<List>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceY {
    #[serde(rename = "Resources")]
    resources: Option<List>,
    #[serde(rename = "ResourceTypes")]
    resource_types: Option<List>,
}

// ---------------------------------------------------------------- parse

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses and validates a policy document; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Policy, AssertError> {
    let parse_err = |message: String| AssertError::Parse {
        file: file.to_string(),
        message,
    };
    // Untyped first: syntax errors, and names for a bad assertion.
    let value: Value = serde_saphyr::from_str(text).map_err(|e| {
        parse_err(format!(
            "invalid yaml: {}",
            one_line(&e.without_snippet().to_string())
        ))
    })?;
    if !matches!(value, Value::Object(_)) {
        return Err(parse_err(
            "expected a mapping with `assertions:` (or an access analyzer scope: `MatchPaths:`) at the top".into(),
        ));
    }
    let mut path = None;
    let typed = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize::<_, PolicyY>(de).map_err(|e| {
            path = Some(e.path().clone());
            e.into_inner()
        })
    });
    let raw = match typed {
        Ok(p) => p,
        Err(e) => {
            let segs: Vec<serde_path_to_error::Segment> = path
                .map(|p| p.iter().cloned().collect())
                .unwrap_or_default();
            return Err(shape_error(
                file,
                &value,
                &segs,
                &one_line(&e.without_snippet().to_string()),
            ));
        }
    };
    let mut assertions = Vec::new();
    for (i, a) in raw.assertions.into_iter().enumerate() {
        let cx = Cx {
            file,
            index: i,
            name: a.name.clone().unwrap_or_else(|| format!("assertion {i}")),
            at: format!("assertions[{i}]"),
        };
        assertions.push(native(&cx, a)?);
    }
    let top = ScopeY {
        id: raw.id,
        match_paths: raw.match_paths,
        exclude_paths: raw.exclude_paths,
    };
    let scopes = [
        ("", top),
        (
            "NetworkInsightsAccessScopeContent.",
            raw.content.unwrap_or_default(),
        ),
    ];
    for (prefix, scope) in scopes {
        if scope.match_paths.is_none() && scope.exclude_paths.is_none() {
            continue;
        }
        let index = assertions.len();
        let cx = Cx {
            file,
            index,
            name: scope
                .id
                .clone()
                .unwrap_or_else(|| format!("access scope of {file}")),
            at: prefix.trim_end_matches('.').to_string(),
        };
        let (m, x) = (scope.match_paths, scope.exclude_paths);
        assertions.push(naa(&cx, prefix, m, x)?);
    }
    if assertions.is_empty() {
        return Err(parse_err("no assertion: `assertions:` is empty".into()));
    }
    let mut names = std::collections::BTreeSet::new();
    for a in &assertions {
        if !names.insert(a.name.clone()) {
            return Err(AssertError::Field {
                file: file.to_string(),
                index: a.index,
                name: a.name.clone(),
                field: "name".into(),
                message: "another assertion has this name".into(),
            });
        }
    }
    Ok(Policy {
        file: file.to_string(),
        assertions,
    })
}

/// A shape error: the assertion (index, name) and field from the path.
fn shape_error(
    file: &str,
    value: &Value,
    segs: &[serde_path_to_error::Segment],
    message: &str,
) -> AssertError {
    use serde_path_to_error::Segment;
    let field_of = |rest: &[Segment]| {
        let mut s = String::new();
        for seg in rest {
            match seg {
                Segment::Map { key } => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(key);
                }
                Segment::Seq { index } => s.push_str(&format!("[{index}]")),
                _ => {}
            }
        }
        s
    };
    // serde names the unknown field in the message; the path ends above it.
    let message = message.to_string();
    match segs {
        [Segment::Map { key }, Segment::Seq { index }, rest @ ..] if key == "assertions" => {
            let name = value
                .get("assertions")
                .and_then(|a| a.get(index))
                .and_then(|a| a.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("assertion {index}"));
            AssertError::Field {
                file: file.to_string(),
                index: *index,
                name,
                field: if rest.is_empty() {
                    "(assertion)".into()
                } else {
                    field_of(rest)
                },
                message,
            }
        }
        _ => AssertError::Parse {
            file: file.to_string(),
            message: if segs.is_empty() {
                message
            } else {
                format!("field `{}`: {message}", field_of(segs))
            },
        },
    }
}

/// The assertion being read, for errors.
struct Cx<'a> {
    file: &'a str,
    index: usize,
    name: String,
    at: String,
}

impl Cx<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> AssertError {
        AssertError::Field {
            file: self.file.to_string(),
            index: self.index,
            name: self.name.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Parses a selector as written in `from`, `to`, `allowed`, `except`.
pub fn parse_selector(s: &str) -> Result<Selector, String> {
    let s = s.trim();
    if s == "internet" {
        return Ok(Selector::Internet);
    }
    if s == "client" {
        return Ok(Selector::Client { groups: Vec::new() });
    }
    if let Some(t) = s.strip_prefix("tag:") {
        let (key, value) = match t.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim().to_string())),
            None => (t.trim(), None),
        };
        if key.is_empty() {
            return Err(format!(
                "`{s}`: a tag selector is `tag:KEY=VALUE` or `tag:KEY`"
            ));
        }
        return Ok(Selector::Tag {
            key: key.to_string(),
            value,
        });
    }
    const IDS: [&str; 8] = [
        "i-",
        "eni-",
        "sg-",
        "subnet-",
        "vpc-",
        "igw-",
        "cvpn-endpoint-",
        "vae-",
    ];
    if IDS.iter().any(|p| s.starts_with(p)) {
        return Ok(Selector::Id(s.to_string()));
    }
    parse_cidr(s).map(Selector::Cidr).map_err(|_| {
        format!(
            "`{s}`: expected `internet`, `client`, an ID (i-…, eni-…, sg-…, subnet-…, vpc-…, cvpn-endpoint-…), a CIDR, an IP address or `tag:KEY=VALUE`"
        )
    })
}

/// A CIDR, or an address as its /32 (/128).
pub fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    s.parse::<std::net::IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("`{s}`: expected a CIDR or an IP address"))
}

/// `22`, `1024-65535`, `all`.
fn parse_range(s: &str, max: u16) -> Result<(u16, u16), String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return Ok((0, max));
    }
    let num = |t: &str| {
        t.trim()
            .parse::<u16>()
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| format!("`{s}`: expected a number 0-{max}, a range `N-M` or `all`"))
    };
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let v = num(s)?;
            (v, v)
        }
    };
    if a > b {
        return Err(format!("`{s}`: the range starts above its end"));
    }
    Ok((a, b))
}

fn selectors(cx: &Cx, field: &str, list: &List) -> Result<Vec<Selector>, AssertError> {
    if list.0.is_empty() {
        return Err(cx.err(field, "empty: name at least one source or target"));
    }
    list.0
        .iter()
        .enumerate()
        .map(|(i, s)| parse_selector(s).map_err(|m| cx.err(&format!("{field}[{i}]"), m)))
        .collect()
}

/// Protocols and ports into services.
fn services(
    cx: &Cx,
    protocols: Option<&List>,
    ports: Option<&List>,
    proto_field: &str,
    ports_field: &str,
    default: &[Protocol],
) -> Result<Vec<Service>, AssertError> {
    let protocols: Vec<Protocol> = match protocols {
        None => default.to_vec(),
        Some(l) => {
            let mut out = Vec::new();
            for (i, p) in l.0.iter().enumerate() {
                let ps: &[Protocol] = match p.to_ascii_lowercase().as_str() {
                    "tcp" => &[Protocol::TCP],
                    "udp" => &[Protocol::UDP],
                    "icmp" => &[Protocol::ICMP],
                    "icmpv6" => &[Protocol::ICMPV6],
                    "all" | "-1" => &[Protocol::TCP, Protocol::UDP, Protocol::ICMP],
                    _ => {
                        return Err(cx.err(
                            &format!("{proto_field}[{i}]"),
                            format!("`{p}`: expected tcp, udp, icmp, icmpv6 or all"),
                        ));
                    }
                };
                for p in ps {
                    if !out.contains(p) {
                        out.push(*p);
                    }
                }
            }
            if out.is_empty() {
                return Err(cx.err(proto_field, "empty"));
            }
            out
        }
    };
    // With tcp or udp beside it, icmp is every type: the ports are theirs.
    let mixed = protocols.iter().any(|p| p.has_ports());
    let mut out = Vec::new();
    for p in protocols {
        let max = if p.is_icmp() { 255 } else { u16::MAX };
        match ports {
            _ if p.is_icmp() && mixed => out.push(Service {
                protocol: p,
                ports: (0, max),
            }),
            None => out.push(Service {
                protocol: p,
                ports: (0, max),
            }),
            Some(l) if l.0.is_empty() => return Err(cx.err(ports_field, "empty")),
            Some(l) => {
                for (i, s) in l.0.iter().enumerate() {
                    let ports = parse_range(s, max)
                        .map_err(|m| cx.err(&format!("{ports_field}[{i}]"), m))?;
                    out.push(Service { protocol: p, ports });
                }
            }
        }
    }
    Ok(out)
}

fn ranges(cx: &Cx, field: &str, l: &List) -> Result<Vec<(u16, u16)>, AssertError> {
    if l.0.is_empty() {
        return Err(cx.err(field, "empty"));
    }
    l.0.iter()
        .enumerate()
        .map(|(i, s)| parse_range(s, u16::MAX).map_err(|m| cx.err(&format!("{field}[{i}]"), m)))
        .collect()
}

fn cidrs(cx: &Cx, field: &str, l: &List) -> Result<Vec<IpNet>, AssertError> {
    if l.0.is_empty() {
        return Err(cx.err(field, "empty"));
    }
    l.0.iter()
        .enumerate()
        .map(|(i, s)| parse_cidr(s).map_err(|m| cx.err(&format!("{field}[{i}]"), m)))
        .collect()
}

/// A native assertion.
fn native(cx: &Cx, a: AssertionY) -> Result<Assertion, AssertError> {
    if a.match_paths.is_some() || a.exclude_paths.is_some() {
        if let Some(k) = a
            .kind
            .as_ref()
            .filter(|k| *k != "must_not_reach" && *k != "no_exposure")
        {
            return Err(cx.err(
                "kind",
                format!("`{k}`: an access analyzer scope (`MatchPaths`) means must_not_reach"),
            ));
        }
        for (set, field) in [
            (a.from.is_some(), "from"),
            (a.to.is_some(), "to"),
            (a.ports.is_some(), "ports"),
            (a.protocol.is_some(), "protocol"),
            (a.allowed.is_some(), "allowed"),
            (a.except.is_some(), "except"),
        ] {
            if set {
                return Err(cx.err(
                    field,
                    "not used with `MatchPaths`: write it in the paths' statements",
                ));
            }
        }
        let mut a2 = naa(cx, &format!("{}.", cx.at), a.match_paths, a.exclude_paths)?;
        a2.name = cx.name.clone();
        return Ok(a2);
    }
    let _ = &a.description;
    let Some(kind) = a.kind.as_deref() else {
        return Err(cx.err(
            "kind",
            "missing: must_reach, must_not_reach, only, consistent or no_exposure (or `MatchPaths`)",
        ));
    };
    let kind = Kind::parse(kind).ok_or_else(|| {
        cx.err(
            "kind",
            format!(
                "`{kind}`: expected must_reach, must_not_reach, only, consistent or no_exposure"
            ),
        )
    })?;
    // Which fields each kind takes.
    let allowed_fields: &[&str] = match kind {
        Kind::MustReach => &["from", "to", "protocol", "ports", "src_ports", "groups"],
        Kind::MustNotReach => &[
            "from",
            "to",
            "protocol",
            "ports",
            "src_ports",
            "groups",
            "except",
        ],
        Kind::Only => &["to", "protocol", "ports", "groups", "allowed"],
        Kind::Consistent => &["to", "protocol", "ports", "endpoints"],
        Kind::NoExposure => &["to", "protocol", "ports", "except", "allow_from"],
    };
    for (set, field) in [
        (a.from.is_some(), "from"),
        (a.to.is_some(), "to"),
        (a.protocol.is_some(), "protocol"),
        (a.ports.is_some(), "ports"),
        (a.src_ports.is_some(), "src_ports"),
        (a.groups.is_some(), "groups"),
        (a.allowed.is_some(), "allowed"),
        (a.except.is_some(), "except"),
        (a.allow_from.is_some(), "allow_from"),
        (a.endpoints.is_some(), "endpoints"),
    ] {
        if set && !allowed_fields.contains(&field) {
            return Err(cx.err(
                field,
                format!(
                    "not a field of `{}` (it takes {})",
                    kind.name(),
                    allowed_fields
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let required = |v: &Option<List>, field: &str| -> Result<Vec<Selector>, AssertError> {
        match v {
            Some(l) => selectors(cx, field, l),
            None => Err(cx.err(field, format!("missing: `{}` needs it", kind.name()))),
        }
    };
    let optional = |v: &Option<List>, field: &str| -> Result<Vec<Selector>, AssertError> {
        v.as_ref()
            .map_or(Ok(Vec::new()), |l| selectors(cx, field, l))
    };
    let groups = a.groups.as_ref().map(|g| g.0.clone()).unwrap_or_default();
    // `groups` narrows `client` selectors.
    let with_groups = |sels: Vec<Selector>, field: &str| -> Result<Vec<Selector>, AssertError> {
        if !groups.is_empty() && !sels.iter().any(|s| matches!(s, Selector::Client { .. })) {
            return Err(cx.err(
                "groups",
                format!("applies to `client` in `{field}`, which names no `client`"),
            ));
        }
        Ok(sels
            .into_iter()
            .map(|s| match s {
                Selector::Client { .. } => Selector::Client {
                    groups: groups.clone(),
                },
                s => s,
            })
            .collect())
    };
    let default_protocols: &[Protocol] = match kind {
        Kind::MustReach | Kind::MustNotReach | Kind::Only | Kind::NoExposure => &[Protocol::TCP],
        Kind::Consistent => &[Protocol::TCP, Protocol::UDP, Protocol::ICMP],
    };
    let services = services(
        cx,
        a.protocol.as_ref(),
        a.ports.as_ref(),
        "protocol",
        "ports",
        default_protocols,
    )?;
    let src_ports = a
        .src_ports
        .as_ref()
        .map(|l| ranges(cx, "src_ports", l))
        .transpose()?;
    let mut out = Assertion {
        index: cx.index,
        name: cx.name.clone(),
        kind,
        at: cx.at.clone(),
        from: Vec::new(),
        to: Vec::new(),
        services,
        src_ports,
        src_addrs: None,
        dst_addrs: None,
        src_prefix_lists: Vec::new(),
        dst_prefix_lists: Vec::new(),
        allowed: Vec::new(),
        except: Vec::new(),
        endpoints: Vec::new(),
    };
    match kind {
        Kind::MustReach | Kind::MustNotReach => {
            out.from = with_groups(required(&a.from, "from")?, "from")?;
            out.to = required(&a.to, "to")?;
            if kind == Kind::MustNotReach {
                out.except = optional(&a.except, "except")?
                    .into_iter()
                    .map(|s| PathFilter {
                        from: Some(vec![s]),
                        ..PathFilter::default()
                    })
                    .collect();
            }
        }
        Kind::Only => {
            out.to = required(&a.to, "to")?;
            out.allowed = with_groups(
                a.allowed
                    .as_ref()
                    .map(|l| {
                        l.0.iter()
                            .enumerate()
                            .map(|(i, s)| {
                                parse_selector(s).map_err(|m| cx.err(&format!("allowed[{i}]"), m))
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()?
                    .ok_or_else(|| {
                        cx.err(
                            "allowed",
                            "missing: the sources that may reach (`[]`: none may)",
                        )
                    })?,
                "allowed",
            )?;
        }
        Kind::Consistent => {
            out.to = optional(&a.to, "to")?;
            out.endpoints = a
                .endpoints
                .as_ref()
                .map(|l| l.0.clone())
                .unwrap_or_default();
            for (i, e) in out.endpoints.iter().enumerate() {
                if !e.starts_with("cvpn-endpoint-") {
                    return Err(cx.err(
                        &format!("endpoints[{i}]"),
                        format!("`{e}`: expected a Client VPN endpoint ID (cvpn-endpoint-…)"),
                    ));
                }
            }
        }
        Kind::NoExposure => {
            out.from = vec![Selector::Internet];
            out.to = optional(&a.to, "to")?;
            for (i, s) in optional(&a.except, "except")?.into_iter().enumerate() {
                if matches!(s, Selector::Internet | Selector::Client { .. }) {
                    return Err(cx.err(
                        &format!("except[{i}]"),
                        "lists targets that may be exposed: use `allow_from` for internet sources",
                    ));
                }
                out.except.push(PathFilter {
                    to: Some(vec![s]),
                    ..PathFilter::default()
                });
            }
            if let Some(l) = &a.allow_from {
                out.except.push(PathFilter {
                    src_addrs: Some(cidrs(cx, "allow_from", l)?),
                    ..PathFilter::default()
                });
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- NAA

/// A path statement read: resource selectors, header constraints.
#[derive(Default)]
struct Side {
    resources: Option<Vec<Selector>>,
}

/// `ResourceTypes` as selectors; `None` for types reach does not model.
fn resource_type(t: &str) -> Option<Selector> {
    Some(match t {
        "AWS::EC2::InternetGateway" => Selector::Internet,
        "AWS::EC2::Instance" => Selector::AnyInstance,
        "AWS::EC2::NetworkInterface"
        | "AWS::EC2::SecurityGroup"
        | "AWS::EC2::Subnet"
        | "AWS::EC2::VPC" => Selector::AnyInterface,
        "AWS::EC2::ClientVpnEndpoint" => Selector::Client { groups: Vec::new() },
        _ => return None,
    })
}

/// A resource in `Resources`: an ID or an ARN (`arn:aws:ec2:…:TYPE/ID`).
fn resource_id(s: &str) -> &str {
    if s.starts_with("arn:") {
        s.rsplit('/').next().unwrap_or(s)
    } else {
        s
    }
}

fn side(cx: &Cx, field: &str, st: &NaaStatementY, dest: bool) -> Result<Side, AssertError> {
    let mut out = Side::default();
    if let Some(r) = &st.resources {
        let mut sels = Vec::new();
        if let Some(l) = &r.resources {
            for (i, s) in l.0.iter().enumerate() {
                let f = format!("{field}.ResourceStatement.Resources[{i}]");
                let id = resource_id(s);
                let sel = parse_selector(id).map_err(|m| cx.err(&f, m))?;
                if !matches!(sel, Selector::Id(_)) {
                    return Err(cx.err(&f, format!("`{s}`: expected a resource ID or ARN")));
                }
                sels.push(sel);
            }
        }
        if let Some(l) = &r.resource_types {
            for (i, t) in l.0.iter().enumerate() {
                let f = format!("{field}.ResourceStatement.ResourceTypes[{i}]");
                let sel = resource_type(t).ok_or_else(|| {
                    cx.err(
                        &f,
                        format!(
                            "`{t}`: not supported (reach knows AWS::EC2::InternetGateway, Instance, NetworkInterface, SecurityGroup, Subnet, VPC and ClientVpnEndpoint)"
                        ),
                    )
                })?;
                sels.push(sel);
            }
        }
        if sels.is_empty() {
            return Err(cx.err(
                &format!("{field}.ResourceStatement"),
                "empty: give `Resources` or `ResourceTypes`",
            ));
        }
        if dest {
            for s in &sels {
                if matches!(s, Selector::Internet)
                    || matches!(s, Selector::Id(i) if i.starts_with("igw-"))
                {
                    return Err(cx.err(
                        &format!("{field}.ResourceStatement"),
                        "an internet gateway as destination (egress to the internet) is not supported: reach asks about connections to the input's interfaces",
                    ));
                }
                if matches!(s, Selector::Client { .. }) {
                    return Err(cx.err(
                        &format!("{field}.ResourceStatement"),
                        "a client vpn endpoint as destination is not supported",
                    ));
                }
            }
        }
        out.resources = Some(sels);
    }
    Ok(out)
}

/// The packet-header statements of a path (source and destination merged:
/// a field may be given in one of them).
#[derive(Default)]
struct Headers {
    src_addrs: Option<Vec<IpNet>>,
    dst_addrs: Option<Vec<IpNet>>,
    src_prefix_lists: Option<Vec<String>>,
    dst_prefix_lists: Option<Vec<String>>,
    src_ports: Option<Vec<(u16, u16)>>,
    services: Option<Vec<Service>>,
}

fn headers(cx: &Cx, field: &str, path: &NaaPathY) -> Result<Headers, AssertError> {
    let mut out = Headers::default();
    let mut protocols: Option<(String, List)> = None;
    let mut ports: Option<(String, List)> = None;
    for (name, st) in [("Source", &path.source), ("Destination", &path.destination)] {
        let Some(h) = st.as_ref().and_then(|s| s.header.as_ref()) else {
            continue;
        };
        let base = format!("{field}.{name}.PacketHeaderStatement");
        let once = |set: bool, what: &str| -> Result<(), AssertError> {
            if set {
                Err(cx.err(
                    &format!("{base}.{what}"),
                    "given in both `Source` and `Destination`: give it once",
                ))
            } else {
                Ok(())
            }
        };
        if let Some(l) = &h.source_addresses {
            once(out.src_addrs.is_some(), "SourceAddresses")?;
            out.src_addrs = Some(cidrs(cx, &format!("{base}.SourceAddresses"), l)?);
        }
        if let Some(l) = &h.destination_addresses {
            once(out.dst_addrs.is_some(), "DestinationAddresses")?;
            out.dst_addrs = Some(cidrs(cx, &format!("{base}.DestinationAddresses"), l)?);
        }
        if let Some(l) = &h.source_prefix_lists {
            once(out.src_prefix_lists.is_some(), "SourcePrefixLists")?;
            out.src_prefix_lists = Some(l.0.iter().map(|s| resource_id(s).to_string()).collect());
        }
        if let Some(l) = &h.destination_prefix_lists {
            once(out.dst_prefix_lists.is_some(), "DestinationPrefixLists")?;
            out.dst_prefix_lists = Some(l.0.iter().map(|s| resource_id(s).to_string()).collect());
        }
        if let Some(l) = &h.source_ports {
            once(out.src_ports.is_some(), "SourcePorts")?;
            out.src_ports = Some(ranges(cx, &format!("{base}.SourcePorts"), l)?);
        }
        if let Some(l) = &h.protocols {
            once(protocols.is_some(), "Protocols")?;
            protocols = Some((format!("{base}.Protocols"), l.clone()));
        }
        if let Some(l) = &h.destination_ports {
            once(ports.is_some(), "DestinationPorts")?;
            ports = Some((format!("{base}.DestinationPorts"), l.clone()));
        }
        if out.src_addrs.is_some() && out.src_prefix_lists.is_some() {
            return Err(cx.err(
                &format!("{base}.SourcePrefixLists"),
                "not with `SourceAddresses` (as access analyzer requires)",
            ));
        }
        if out.dst_addrs.is_some() && out.dst_prefix_lists.is_some() {
            return Err(cx.err(
                &format!("{base}.DestinationPrefixLists"),
                "not with `DestinationAddresses` (as access analyzer requires)",
            ));
        }
    }
    if protocols.is_some() || ports.is_some() {
        let (pf, pl) = protocols.map_or((String::new(), None), |(f, l)| (f, Some(l)));
        let (qf, ql) = ports.map_or((String::new(), None), |(f, l)| (f, Some(l)));
        if let Some(l) = &pl {
            for (i, p) in l.0.iter().enumerate() {
                if !matches!(p.to_ascii_lowercase().as_str(), "tcp" | "udp") {
                    return Err(cx.err(
                        &format!("{pf}[{i}]"),
                        format!("`{p}`: access analyzer protocols are tcp and udp"),
                    ));
                }
            }
        }
        out.services = Some(services(
            cx,
            pl.as_ref(),
            ql.as_ref(),
            &pf,
            &qf,
            &[Protocol::TCP, Protocol::UDP],
        )?);
    }
    Ok(out)
}

/// An access analyzer scope as one `must_not_reach` assertion: every
/// `MatchPaths` entry is a set of flows that must not exist; `ExcludePaths`
/// entries are packets that do not count.
fn naa(
    cx: &Cx,
    prefix: &str,
    match_paths: Option<Vec<NaaPathY>>,
    exclude_paths: Option<Vec<NaaPathY>>,
) -> Result<Assertion, AssertError> {
    let match_paths = match_paths.unwrap_or_default();
    if match_paths.is_empty() {
        return Err(cx.err(
            &format!("{prefix}MatchPaths"),
            "missing or empty: an access analyzer scope needs at least one path to match",
        ));
    }
    if match_paths.len() > 1 {
        // Several match paths are several assertions' worth of flows with
        // different sources: reach keeps one scope per assertion.
        return Err(cx.err(
            &format!("{prefix}MatchPaths"),
            "more than one path is not supported: write one assertion (or scope) per match path",
        ));
    }
    let mut excepts = Vec::new();
    for (i, p) in exclude_paths.unwrap_or_default().iter().enumerate() {
        let field = format!("{prefix}ExcludePaths[{i}]");
        if p.through.is_some() {
            return Err(cx.err(
                &format!("{field}.ThroughResources"),
                "not supported: reach checks paths end to end, not through given resources",
            ));
        }
        let src = match &p.source {
            Some(s) => side(cx, &format!("{field}.Source"), s, false)?,
            None => Side::default(),
        };
        let dst = match &p.destination {
            Some(s) => side(cx, &format!("{field}.Destination"), s, true)?,
            None => Side::default(),
        };
        let h = headers(cx, &field, p)?;
        if h.src_prefix_lists.is_some() || h.dst_prefix_lists.is_some() {
            return Err(cx.err(
                &field,
                "prefix lists in `ExcludePaths` are not supported: give the addresses",
            ));
        }
        excepts.push(PathFilter {
            from: src.resources,
            to: dst.resources,
            src_addrs: h.src_addrs,
            dst_addrs: h.dst_addrs,
            src_ports: h.src_ports,
            services: h.services,
        });
    }
    let p = &match_paths[0];
    let field = format!("{prefix}MatchPaths[0]");
    if p.through.is_some() {
        return Err(cx.err(
            &format!("{field}.ThroughResources"),
            "not supported: reach checks paths end to end, not through given resources",
        ));
    }
    let src = match &p.source {
        Some(s) => side(cx, &format!("{field}.Source"), s, false)?,
        None => Side::default(),
    };
    let dst = match &p.destination {
        Some(s) => side(cx, &format!("{field}.Destination"), s, true)?,
        None => Side::default(),
    };
    let h = headers(cx, &field, p)?;
    // Sources: the resources; else the addresses; else anything.
    let from = match (&src.resources, &h.src_addrs) {
        (Some(r), _) => r.clone(),
        (None, Some(a)) => a.iter().map(|n| Selector::Cidr(*n)).collect(),
        (None, None) => vec![
            Selector::Internet,
            Selector::AnyInterface,
            Selector::Client { groups: Vec::new() },
        ],
    };
    let to = match (&dst.resources, &h.dst_addrs) {
        (Some(r), _) => r.clone(),
        (None, Some(a)) => a.iter().map(|n| Selector::Cidr(*n)).collect(),
        (None, None) => vec![Selector::AnyInterface],
    };
    let src_addrs = h.src_addrs.clone();
    let only_internet = from.iter().all(|s| matches!(s, Selector::Internet));
    let a = Assertion {
        index: cx.index,
        name: cx.name.clone(),
        kind: if only_internet {
            Kind::NoExposure
        } else {
            Kind::MustNotReach
        },
        at: cx.at.clone(),
        from,
        to,
        services: h.services.unwrap_or_else(|| {
            vec![
                Service {
                    protocol: Protocol::TCP,
                    ports: (0, u16::MAX),
                },
                Service {
                    protocol: Protocol::UDP,
                    ports: (0, u16::MAX),
                },
            ]
        }),
        src_ports: h.src_ports,
        src_addrs,
        dst_addrs: h.dst_addrs,
        src_prefix_lists: h.src_prefix_lists.unwrap_or_default(),
        dst_prefix_lists: h.dst_prefix_lists.unwrap_or_default(),
        allowed: Vec::new(),
        except: excepts,
        endpoints: Vec::new(),
    };
    Ok(a)
}
