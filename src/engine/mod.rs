//! The path engine: pushes packet *sets* through the model, forward and back.
//!
//! It walks routes, network ACLs, security groups and gateways, and reports
//! every leaf of the walk (arrived, dropped, unknown) to a [`Sink`] together
//! with the hops that led there. It never formats output and never calls a
//! solver; causes are data ([`Cause`]) that `explain` turns into sentences.

pub mod client;
mod flow;
mod query;
pub mod rules;
pub mod users;
pub mod va;
mod walk;

use std::collections::BTreeSet;

pub use client::{Access, Via};
pub use flow::Flow;
pub use query::{DstSpec, Query, QueryOptions, QuerySpec, SrcSpec, Start, parse_port_range};

use crate::hs::PacketSet;
use crate::model::Network;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    #[error("query `{token}`: {message}")]
    Query { token: String, message: String },
    /// A Verified Access policy that does not parse or evaluate.
    #[error("verified access policy of `{owner}`: {message}")]
    Policy { owner: String, message: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Forward,
    Return,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Return => "return",
        }
    }
}

/// One component a packet met, and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// AWS ID (`sg-…`, `acl-…`, `rtb-…`, `igw-…`, ...).
    pub component: String,
    /// `security-group`, `network-acl`, `route-table`, `internet-gateway`,
    /// `nat-gateway`, `vpc-peering`, `network-interface`, `internet`.
    pub kind: &'static str,
    /// `allow`, `allow-stateful`, `route`, `translate`, `forward`, `deliver`.
    pub action: &'static str,
    /// The rule that matched (rule number, route, translation).
    pub rule: String,
    /// When the rule names a prefix list: the entry (CIDR) that matched.
    pub entry: Option<String>,
}

impl Hop {
    pub fn new(
        component: &str,
        kind: &'static str,
        action: &'static str,
        rule: impl Into<String>,
    ) -> Hop {
        Hop {
            component: component.to_string(),
            kind,
            action,
            rule: rule.into(),
            entry: None,
        }
    }

    /// The hop, naming the prefix-list entry that matched.
    pub fn with_entry(mut self, entry: impl Into<String>) -> Hop {
        self.entry = Some(entry.into());
        self
    }
}

/// Why packets stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// No rule of the interface's groups allows it.
    SecurityGroup {
        eni: String,
        groups: Vec<String>,
        inbound: bool,
    },
    NaclDeny {
        acl: String,
        rule: u16,
        inbound: bool,
        entry: String,
    },
    NaclDefaultDeny {
        acl: String,
        inbound: bool,
    },
    NoRoute {
        rtb: String,
        subnet: String,
    },
    Blackhole {
        rtb: String,
        route: String,
    },
    NoPublicIp {
        eni: String,
        igw: String,
    },
    NoInternetGateway {
        vpc: String,
    },
    GatewayNotAttached {
        gateway: String,
        vpc: String,
    },
    NatNoUnsolicited {
        nat: String,
    },
    NatUnavailable {
        nat: String,
        state: String,
    },
    /// A reply routed to a NAT gateway that did not translate the request.
    NatAsymmetric {
        nat: String,
    },
    PeeringInactive {
        pcx: String,
        status: String,
    },
    PeeringNotAttached {
        pcx: String,
        vpc: String,
    },
    PeeringNoTransit {
        pcx: String,
        vpc: String,
    },
    NoInterface {
        vpc: String,
    },
    NotADestination {
        component: String,
    },
    PrivateOnInternet,
    /// Arrived at an interface other than the one the query names.
    OtherInterface {
        reached: String,
        expected: String,
    },
    /// The reply arrived somewhere other than the requester.
    ReturnElsewhere {
        reached: String,
    },
    /// The Client VPN endpoint is not `available` (or has no associated subnet).
    CvpnUnavailable {
        endpoint: String,
        status: String,
    },
    /// Split tunnel on and no Client VPN route: the client sends it elsewhere.
    SplitTunnelBypass {
        endpoint: String,
    },
    /// Full tunnel and no Client VPN route: the endpoint drops it.
    CvpnNoRoute {
        endpoint: String,
    },
    /// Another client's address, but no `local` route: no client-to-client.
    ClientToClientNoRoute {
        endpoint: String,
        client_cidr: String,
    },
    NotAuthorized {
        endpoint: String,
        /// The most specific rules covering the destination (they decide).
        deciding: Vec<String>,
        groups: Vec<String>,
        /// A less specific rule that would have allowed the user.
        shadowed: Option<String>,
    },
    /// This association has no Client VPN route for the destination.
    CvpnAssociationNoRoute {
        endpoint: String,
        association: String,
        subnet: String,
        /// The destination CIDR to route via this association's subnet.
        suggest: String,
    },
    /// The interface answers nothing (not `in-use`, or its instance not running).
    NotAnswering {
        eni: String,
        reason: String,
    },
    /// An Elastic IP allocated but associated with nothing.
    IdleAddress {
        ip: std::net::IpAddr,
        allocation: String,
    },
    /// The internet cannot open connections through an egress-only gateway.
    EgressOnlyInbound {
        eigw: String,
        vpc: String,
    },
    /// An egress-only internet gateway carries IPv6 only.
    EgressOnlyIpv4 {
        eigw: String,
    },
    /// An AWS-provided service answers only on its ports.
    ServicePort {
        service: String,
        addr: std::net::IpAddr,
        serves: String,
    },
    /// The Verified Access endpoint is not `active`.
    VaUnavailable {
        endpoint: String,
        status: String,
    },
    /// The Verified Access policies deny this user.
    VaDenied {
        endpoint: String,
        checks: Vec<va::PolicyCheck>,
        groups: Vec<String>,
    },
    /// The endpoint leads elsewhere than the destination.
    VaElsewhere {
        endpoint: String,
        leads_to: String,
    },
    /// The endpoint carries another protocol or other ports.
    VaNotCarried {
        endpoint: String,
        protocol: String,
        ports: Vec<(u16, u16)>,
    },
}

impl Cause {
    /// The AWS ID and kind of the component that dropped.
    pub fn component(&self) -> (String, &'static str) {
        use Cause::*;
        match self {
            SecurityGroup { groups, eni, .. } => (
                groups.first().cloned().unwrap_or_else(|| eni.clone()),
                "security-group",
            ),
            NaclDeny { acl, .. } | NaclDefaultDeny { acl, .. } => (acl.clone(), "network-acl"),
            NoRoute { rtb, .. } | Blackhole { rtb, .. } => (rtb.clone(), "route-table"),
            NoPublicIp { igw, .. } => (igw.clone(), "internet-gateway"),
            NoInternetGateway { vpc } => (vpc.clone(), "vpc"),
            GatewayNotAttached { gateway, .. } => (gateway.clone(), "internet-gateway"),
            NatNoUnsolicited { nat } | NatUnavailable { nat, .. } | NatAsymmetric { nat } => {
                (nat.clone(), "nat-gateway")
            }
            PeeringInactive { pcx, .. }
            | PeeringNotAttached { pcx, .. }
            | PeeringNoTransit { pcx, .. } => (pcx.clone(), "vpc-peering"),
            NoInterface { vpc } => (vpc.clone(), "vpc"),
            NotAnswering { eni, .. } => (eni.clone(), "network-interface"),
            IdleAddress { allocation, .. } => (allocation.clone(), "elastic-ip"),
            EgressOnlyInbound { eigw, .. } | EgressOnlyIpv4 { eigw } => {
                (eigw.clone(), "egress-only-internet-gateway")
            }
            ServicePort { service, .. } => (service.clone(), "aws-service"),
            NotADestination { component } => (component.clone(), "nat-gateway"),
            PrivateOnInternet => ("internet".into(), "internet"),
            OtherInterface { reached, .. } | ReturnElsewhere { reached } => {
                (reached.clone(), "network-interface")
            }
            CvpnUnavailable { endpoint, .. }
            | SplitTunnelBypass { endpoint }
            | CvpnNoRoute { endpoint }
            | ClientToClientNoRoute { endpoint, .. }
            | NotAuthorized { endpoint, .. } => (endpoint.clone(), "client-vpn-endpoint"),
            CvpnAssociationNoRoute { endpoint, .. } => (endpoint.clone(), "client-vpn-route"),
            VaDenied {
                checks, endpoint, ..
            } => checks
                .iter()
                .find(|c| !c.allows())
                .map(|c| match c.level {
                    "group" => (c.owner.clone(), "verified-access-group"),
                    _ => (c.owner.clone(), "verified-access-endpoint"),
                })
                .unwrap_or_else(|| (endpoint.clone(), "verified-access-endpoint")),
            VaUnavailable { endpoint, .. }
            | VaElsewhere { endpoint, .. }
            | VaNotCarried { endpoint, .. } => (endpoint.clone(), "verified-access-endpoint"),
        }
    }
}

/// How a branch of the walk ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Delivered to this interface.
    Arrived {
        eni: String,
    },
    /// Left the snapshot onto the internet toward a host outside it.
    Internet,
    Dropped(Cause),
    /// The snapshot lacks what is needed to go on.
    Unknown {
        component: String,
        reason: String,
    },
}

/// A leaf of the walk: the hops taken, how it ended, and the packets.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub direction: Direction,
    pub hops: Vec<Hop>,
    pub end: End,
    pub flow: Flow,
    /// Connection state the forward walk created (for the return walk).
    pub(crate) state: walk::Conntrack,
}

/// Receives what the engine finds, as it finds it.
pub trait Sink {
    fn leaf(&mut self, leaf: Leaf);
    fn assume(&mut self, text: String);
}

/// A sink that keeps everything.
#[derive(Default, Debug)]
pub struct Collect {
    pub leaves: Vec<Leaf>,
    pub assumptions: BTreeSet<String>,
}

impl Sink for Collect {
    fn leaf(&mut self, leaf: Leaf) {
        self.leaves.push(leaf);
    }
    fn assume(&mut self, text: String) {
        self.assumptions.insert(text);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Reachable,
    Unreachable,
    Partial,
    Unknown,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Reachable => "reachable",
            Verdict::Unreachable => "unreachable",
            Verdict::Partial => "partial",
            Verdict::Unknown => "unknown",
        }
    }

    /// Reachable for all of `want` if `all` covers it; for none if `some` is empty.
    fn of(want: &PacketSet, all: &PacketSet, some: &PacketSet) -> Verdict {
        if want.is_subset(all) && !want.is_empty() {
            Verdict::Reachable
        } else if some.intersect(want).is_empty() {
            Verdict::Unreachable
        } else {
            Verdict::Partial
        }
    }
}

/// One end-to-end path: forward leaf plus, when it arrived, one return leaf.
#[derive(Clone, Debug)]
pub struct Path {
    pub verdict: Verdict,
    pub forward: Leaf,
    pub back: Option<Leaf>,
    /// The access path (Client VPN endpoint, association, group), if any.
    pub via: Option<Via>,
}

impl Path {
    /// The leaf where this path's packets stopped, if they did.
    pub fn stop(&self) -> Option<&Leaf> {
        match (&self.forward.end, &self.back) {
            (End::Dropped(_) | End::Unknown { .. }, _) => Some(&self.forward),
            (_, Some(b)) if matches!(b.end, End::Dropped(_) | End::Unknown { .. }) => Some(b),
            _ => None,
        }
    }
}

/// The answer to a query.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub query: Query,
    pub verdict: Verdict,
    /// Every packet asked about.
    pub packets: PacketSet,
    /// Packets that get there and back whatever the network chooses.
    pub reachable: PacketSet,
    /// Packets that get there and back for some network choice.
    pub reachable_some: PacketSet,
    /// Packets whose fate the snapshot cannot decide.
    pub undecided: PacketSet,
    pub paths: Vec<Path>,
    /// For `client`: the verdict per endpoint and user group.
    pub access: Vec<Access>,
    pub assumptions: Vec<String>,
}

/// Where a reply must arrive for the connection to work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Back {
    /// The requesting interface (or Client VPN association).
    Eni(String),
    /// A host on the internet.
    Internet,
}

/// Answers one query: walks forward from the source, then every arrival back.
pub fn check(net: &Network, query: Query) -> Analysis {
    check_within(net, query, None)
}

/// Answers a query for only its packets inside `only` (e.g. one packet, to
/// replay a counterexample the prover found). Same walk as [`check`].
pub fn check_packets(net: &Network, query: Query, only: &PacketSet) -> Analysis {
    check_within(net, query, Some(only))
}

fn check_within(net: &Network, query: Query, only: Option<&PacketSet>) -> Analysis {
    let back_to = match &query.start {
        Start::Client { endpoints } => {
            let endpoints = endpoints.clone();
            return client::check_client(net, query, &endpoints, only);
        }
        Start::Interface { eni, .. } => Back::Eni(eni.clone()),
        Start::Internet { .. } => Back::Internet,
    };
    let packets = match only {
        Some(o) => query.packets().intersect(o),
        None => query.packets(),
    };
    let mut sink = Collect::default();
    for a in &query.assumptions {
        sink.assume(a.clone());
    }
    walk::forward(net, &query, Flow::new(packets.clone()), &mut sink);
    let forward = std::mem::take(&mut sink.leaves);
    let paths = finish_paths(net, &query, forward, &back_to, &mut sink);
    let (verdict, reachable, reachable_some, undecided) = tally(&packets, &paths);
    Analysis {
        query,
        verdict,
        packets,
        reachable,
        reachable_some,
        undecided,
        paths,
        access: Vec::new(),
        assumptions: sink.assumptions.into_iter().collect(),
    }
}

/// Turns forward leaves into paths: each arrival is walked back, and the reply
/// must reach `back_to`.
pub(crate) fn finish_paths(
    net: &Network,
    query: &Query,
    forward: Vec<Leaf>,
    back_to: &Back,
    sink: &mut Collect,
) -> Vec<Path> {
    let mut paths = Vec::new();
    for leaf in forward {
        let arrived = match &leaf.end {
            End::Arrived { eni } => match &query.dst_eni {
                Some(want) if want != eni => {
                    let mut l = leaf.clone();
                    l.end = End::Dropped(Cause::OtherInterface {
                        reached: eni.clone(),
                        expected: want.clone(),
                    });
                    paths.push(Path {
                        verdict: Verdict::Unreachable,
                        forward: l,
                        back: None,
                        via: None,
                    });
                    continue;
                }
                _ => true,
            },
            End::Internet => true,
            _ => false,
        };
        if !arrived {
            paths.push(Path {
                verdict: if matches!(leaf.end, End::Unknown { .. }) {
                    Verdict::Unknown
                } else {
                    Verdict::Unreachable
                },
                forward: leaf,
                back: None,
                via: None,
            });
            continue;
        }
        walk::back(net, query, &leaf, sink);
        for mut b in std::mem::take(&mut sink.leaves) {
            let elsewhere = match (&b.end, back_to) {
                (End::Arrived { eni }, Back::Eni(src)) if eni != src => Some(eni.clone()),
                (End::Arrived { eni }, Back::Internet) => Some(eni.clone()),
                (End::Internet, Back::Eni(_)) => Some("internet".to_string()),
                _ => None,
            };
            if let Some(reached) = elsewhere {
                b.end = End::Dropped(Cause::ReturnElsewhere { reached });
            }
            let ok = matches!(b.end, End::Arrived { .. } | End::Internet);
            let verdict = if ok {
                Verdict::of(&leaf.flow.some, &b.flow.all, &b.flow.some)
            } else if matches!(b.end, End::Unknown { .. }) {
                Verdict::Unknown
            } else {
                Verdict::Unreachable
            };
            paths.push(Path {
                verdict,
                forward: leaf.clone(),
                back: Some(b),
                via: None,
            });
        }
    }
    paths
}

/// The verdict over `packets`, and the packets that get there and back
/// (for every network choice, for some) and those left undecided.
pub(crate) fn tally(
    packets: &PacketSet,
    paths: &[Path],
) -> (Verdict, PacketSet, PacketSet, PacketSet) {
    let mut reachable_some = PacketSet::empty();
    let mut undecided = PacketSet::empty();
    let mut through = Vec::new();
    for p in paths {
        let last = p.back.as_ref().unwrap_or(&p.forward);
        match (&last.end, p.verdict) {
            (End::Unknown { .. }, _) => undecided = undecided.union(&last.flow.some),
            (_, Verdict::Reachable | Verdict::Partial) => {
                through.push(&last.flow);
                reachable_some = reachable_some.union(&last.flow.some);
            }
            _ => {}
        }
    }
    // Every network choice covered, possibly by different leaves.
    let mut reachable = Flow::all_of_union(&through);
    reachable.coalesce();
    reachable_some.coalesce();
    let mut verdict = Verdict::of(packets, &reachable, &reachable_some);
    if verdict != Verdict::Reachable && !undecided.is_empty() {
        verdict = Verdict::Unknown;
    }
    (verdict, reachable, reachable_some, undecided)
}
