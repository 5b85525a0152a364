//! The policy, parsed and validated: [`Policy`], its [`Assertion`]s and
//! their parts ([`Kind`], [`Selector`], [`Service`], [`PathFilter`]). Plain
//! data; reading the file is `parse.rs` (entry), `shape.rs` (serde shape),
//! `fields.rs` (field values), `native.rs` (native assertions) and `naa.rs`
//! (AWS Network Access Analyzer scopes).

use std::fmt;

use ipnet::IpNet;

use crate::model::Protocol;

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

    pub(super) fn parse(s: &str) -> Option<Kind> {
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
