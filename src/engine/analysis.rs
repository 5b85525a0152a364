//! The answer as data: what the engine found, stated so that `render`,
//! `explain` and `prove` read it without knowing how it was found. Knows no
//! `Network`.

use std::collections::BTreeSet;

use crate::hs::{IntervalSet, PacketSet};

use super::decision::{PolicyCheck, User};
use super::flow::{Flow, Src as FlowSrc};
use super::query::Query;

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
    /// A walk from several interfaces at once (`diff`'s walks from a whole
    /// subnet, under `Query::trace_sources`): the source addresses (original)
    /// of the members whose packets this hop is of, where a path's packets
    /// meet it only in part: a security-group rule matched (on the way out
    /// each member meets its own groups; on the way in or back a rule may
    /// match some members only), a network ACL entry that took some of them.
    /// `None`: every packet of the path met it.
    pub sources: Option<IntervalSet>,
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
            sources: None,
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
    /// On the internet toward a destination that nothing on the internet
    /// gets to on these ports (`Query::closed_outside`).
    ClosedOutside,
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
        checks: Vec<PolicyCheck>,
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
    /// A route to a transit gateway from a VPC it has no attachment for.
    TgwNotAttached {
        tgw: String,
        vpc: String,
    },
    /// The sender's Availability Zone has no subnet of the VPC attachment:
    /// the transit gateway cannot be reached from there.
    TgwNoZone {
        attachment: String,
        subnet: String,
        az: String,
    },
    /// A transit gateway or attachment that is not `available`.
    TgwUnavailable {
        component: String,
        state: String,
    },
    /// The transit gateway route table associated with the attachment the
    /// packets entered through has no route for them.
    TgwNoRoute {
        rtb: String,
        attachment: String,
    },
    /// IPv6 through a VPC attachment without IPv6 support.
    TgwNoIpv6 {
        attachment: String,
    },
    /// A blackhole route of a transit gateway route table.
    TgwBlackhole {
        rtb: String,
        route: String,
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
            PrivateOnInternet | ClosedOutside => ("internet".into(), "internet"),
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
            TgwNotAttached { tgw, .. } => (tgw.clone(), "transit-gateway"),
            TgwNoZone { attachment, .. } | TgwNoIpv6 { attachment } => {
                (attachment.clone(), "transit-gateway-attachment")
            }
            TgwUnavailable { component, .. } => (
                component.clone(),
                if component.starts_with("tgw-attach-") {
                    "transit-gateway-attachment"
                } else {
                    "transit-gateway"
                },
            ),
            TgwNoRoute { rtb, .. } | TgwBlackhole { rtb, .. } => {
                (rtb.clone(), "transit-gateway-route-table")
            }
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

/// Connection state created by the forward walk.
#[derive(Clone, Debug, Default)]
pub(crate) struct Conntrack {
    /// Interfaces whose security groups saw the request.
    pub(super) enis: BTreeSet<String>,
    /// NAT translations: gateway, and what source and source port it replaced.
    pub(super) nats: Vec<(String, FlowSrc, FlowSrc)>,
    /// Egress-only internet gateways the connection left through: (gateway, VPC).
    pub(super) eigws: Vec<(String, String)>,
    /// The connection left for on-premises through this virtual private
    /// gateway of this VPC: replies come back through it.
    pub(super) onprem: Option<(String, String)>,
    /// The connection went to an AWS-provided service (name), which answers
    /// the interface directly.
    pub(super) service: Option<String>,
    /// The Client VPN association whose ENI (not in the input) left for the
    /// internet from a public IP AWS assigned.
    pub(super) assigned: Option<String>,
    /// The connection left for on-premises through this VPN or Direct
    /// Connect gateway attachment of a transit gateway: replies come back
    /// through it.
    pub(super) tgw_onprem: Option<String>,
    /// Appliance-mode attachments the request entered a VPC through, with
    /// the subnet (zone) chosen: replies use the same zone.
    pub(super) tgw_zones: Vec<(String, String)>,
    /// The request crossed a transit gateway whose security-group
    /// referencing is off (on the gateway or an attachment on the way):
    /// group-reference rules do not match it.
    pub(super) tgw_no_sg_refs: bool,
}

impl Conntrack {
    /// The latest translation NAT gateway `id` made on this connection:
    /// (gateway, the source and source port it replaced).
    pub(super) fn nat(&self, id: &str) -> Option<(String, FlowSrc, FlowSrc)> {
        self.nats.iter().rev().find(|(n, _, _)| n == id).cloned()
    }
}

/// A leaf of the walk: the hops taken, how it ended, and the packets.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub direction: Direction,
    pub hops: Vec<Hop>,
    pub end: End,
    pub flow: Flow,
    /// Connection state the forward walk created (for the return walk).
    pub(crate) state: Conntrack,
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
    pub(super) fn of(want: &PacketSet, all: &PacketSet, some: &PacketSet) -> Verdict {
        if !want.is_empty() && !all.is_empty() && want.is_subset(all) {
            Verdict::Reachable
        } else if !some.overlaps(want) {
            Verdict::Unreachable
        } else {
            Verdict::Partial
        }
    }

    /// Combines verdicts where every part must hold (associations a client
    /// cannot choose, or every user).
    pub fn all_of(vs: &[Verdict]) -> Verdict {
        if vs.is_empty() {
            Verdict::Unreachable
        } else if vs.iter().all(|v| *v == Verdict::Reachable) {
            Verdict::Reachable
        } else if vs.contains(&Verdict::Unknown) {
            Verdict::Unknown
        } else if vs.iter().all(|v| *v == Verdict::Unreachable) {
            Verdict::Unreachable
        } else {
            Verdict::Partial
        }
    }

    /// Combines verdicts where any one suffices (alternative endpoints).
    pub fn any_of(vs: &[Verdict]) -> Verdict {
        if vs.contains(&Verdict::Reachable) {
            Verdict::Reachable
        } else if vs.contains(&Verdict::Partial) {
            Verdict::Partial
        } else if vs.contains(&Verdict::Unknown) {
            Verdict::Unknown
        } else {
            Verdict::Unreachable
        }
    }

    /// A `client` verdict: a user gets through if any endpoint works for
    /// them (`parts`: a user's label and their verdict through one
    /// endpoint); `reachable` needs every user of `users`.
    pub fn of_users(users: &[User], parts: &[(&Option<String>, Verdict)]) -> Verdict {
        let mut labels: BTreeSet<Option<String>> = users.iter().map(|u| u.label.clone()).collect();
        if labels.is_empty() {
            labels.insert(None);
        }
        let per_user: Vec<Verdict> = labels
            .iter()
            .map(|l| {
                Verdict::any_of(
                    &parts
                        .iter()
                        .filter(|(label, _)| *label == l)
                        .map(|(_, v)| *v)
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        Verdict::all_of(&per_user)
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
    /// `flow` stopped before any walk (at an access endpoint), for `cause`.
    pub(super) fn dropped(hops: Vec<Hop>, flow: Flow, cause: Cause, via: Via) -> Path {
        Path {
            verdict: Verdict::Unreachable,
            forward: Leaf {
                direction: Direction::Forward,
                hops,
                end: End::Dropped(cause),
                flow,
                state: Conntrack::default(),
            },
            back: None,
            via: Some(via),
        }
    }

    /// `flow` stopped before any walk, its fate undecidable from the input:
    /// at `component`, for `reason`.
    pub(super) fn undecided(
        hops: Vec<Hop>,
        flow: Flow,
        component: &str,
        reason: String,
        via: Via,
    ) -> Path {
        Path {
            verdict: Verdict::Unknown,
            forward: Leaf {
                direction: Direction::Forward,
                hops,
                end: End::Unknown {
                    component: component.to_string(),
                    reason,
                },
                flow,
                state: Conntrack::default(),
            },
            back: None,
            via: Some(via),
        }
    }

    /// The leaf where this path's packets stopped, if they did.
    pub fn stop(&self) -> Option<&Leaf> {
        match (&self.forward.end, &self.back) {
            (End::Dropped(_) | End::Unknown { .. }, _) => Some(&self.forward),
            (_, Some(b)) if matches!(b.end, End::Dropped(_) | End::Unknown { .. }) => Some(b),
            _ => None,
        }
    }
}

/// Which access path a [`Path`] took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    pub endpoint: String,
    pub association: Option<String>,
    /// The user's groups this path was evaluated for; `None` = a user in none
    /// of the endpoint's groups (or certificate authentication).
    pub group: Option<String>,
}

/// What a set of paths carries there and back, in original packets.
#[derive(Clone, Debug, Default)]
pub struct Reach {
    /// Get there and back whatever the network chooses.
    pub all: PacketSet,
    /// Get there and back for some network choice.
    pub some: PacketSet,
    /// Their fate cannot be decided from the input.
    pub undecided: PacketSet,
}

/// The verdict for one user (group set) through one endpoint, and the
/// packets behind it: the claim `prove` checks per endpoint and user.
#[derive(Clone, Debug)]
pub struct Access {
    pub endpoint: String,
    pub group: Option<String>,
    pub verdict: Verdict,
    /// Per association: (association, subnet, verdict).
    pub associations: Vec<(String, String, Verdict)>,
    /// The packets asked through this endpoint: from the Client VPN client
    /// CIDR; Verified Access users connect from anywhere.
    pub packets: PacketSet,
    /// Through the endpoint as a whole: `all` must work through every
    /// association (the network chooses one), so it is empty when packets
    /// stop before any; `some` through some association; `undecided`
    /// anywhere, before the associations too.
    pub reach: Reach,
    /// What stopped before any association (status, route table,
    /// authorization, policies) or went client-to-client.
    pub before: Reach,
    /// Per association (Client VPN association ID, or Verified Access
    /// subnet) the network may choose: what gets there and back through it.
    pub through: Vec<(String, Reach)>,
}

impl Access {
    /// What gets there and back through `association` (`None`: before
    /// any); nothing for an association this access does not go through.
    pub fn reach_through(&self, association: Option<&str>) -> Reach {
        match association {
            None => self.before.clone(),
            Some(a) => self
                .through
                .iter()
                .find(|(id, _)| id == a)
                .map(|(_, r)| r.clone())
                .unwrap_or_default(),
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

impl Analysis {
    /// What the whole query carries there and back.
    pub fn reach(&self) -> Reach {
        Reach {
            all: self.reachable.clone(),
            some: self.reachable_some.clone(),
            undecided: self.undecided.clone(),
        }
    }
}
