//! Turns engine causes into sentences: why packets stopped, and the rule that
//! would have to change. Knows AWS vocabulary; knows nothing of output formats.

mod names;

use ipnet::IpNet;

pub use names::Names;

use crate::engine::va::{PolicyCheck, PolicyOutcome};
use crate::engine::{Cause, Direction, Flow, Via};
use crate::hs::Field;
use crate::model::{Action, Network, Peer};

/// A reason and, when one exists, the change that would let the packets through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub reason: String,
    pub fix: Option<String>,
}

fn proto_and_ports(flow: &Flow) -> String {
    let proto = flow.current(Field::Proto);
    let p = proto.summary(Field::Proto);
    if p == "icmp" || p == "icmpv6" {
        format!(
            "{p} type {}",
            flow.current(Field::IcmpType).summary(Field::IcmpType)
        )
    } else {
        format!(
            "{p} {}",
            flow.current(Field::DstPort).summary(Field::DstPort)
        )
    }
}

/// Explains why `flow` stopped with `cause`, met in `direction`; addresses
/// are written with `names`.
pub fn explain(cause: &Cause, flow: &Flow, direction: Direction, names: &Names) -> Explanation {
    let what = proto_and_ports(flow);
    let src = names.addresses(&flow.current(Field::Src));
    let dst = names.addresses(&flow.current(Field::Dst));
    let (reason, fix) = filters(cause, direction, &what, &src, &dst)
        .or_else(|| paths(cause, &src, &dst))
        .or_else(|| client_vpn(cause, &dst))
        .or_else(|| verified_access(cause, flow, &dst))
        .unwrap_or_else(|| {
            let (component, kind) = cause.component();
            (format!("stopped at {component} ({kind})"), None)
        });
    Explanation { reason, fix }
}

/// Security groups and network ACLs.
fn filters(
    cause: &Cause,
    direction: Direction,
    what: &str,
    src: &str,
    dst: &str,
) -> Option<(String, Option<String>)> {
    Some(match cause {
        Cause::SecurityGroup {
            eni,
            groups,
            inbound: true,
        } => (
            format!(
                "no inbound rule of {} (on {eni}) allows {what} from {src}",
                groups.join(", ")
            ),
            Some(format!(
                "add an inbound rule to {}: {what} from {src}",
                groups
                    .first()
                    .map(String::as_str)
                    .unwrap_or("a security group of the interface")
            )),
        ),
        Cause::SecurityGroup {
            eni,
            groups,
            inbound: false,
        } => (
            format!(
                "no outbound rule of {} (on {eni}) allows {what} to {dst}",
                groups.join(", ")
            ),
            Some(format!(
                "add an outbound rule to {}: {what} to {dst}",
                groups
                    .first()
                    .map(String::as_str)
                    .unwrap_or("a security group of the interface")
            )),
        ),
        Cause::NaclDeny {
            acl,
            rule,
            inbound,
            entry,
        } => (
            format!("{acl} {entry} matches first"),
            Some(format!(
                "allow {what} {} {} in {acl} with a rule numbered below {rule}, or change rule {rule}",
                if *inbound { "from" } else { "to" },
                if *inbound { &src } else { &dst }
            )),
        ),
        Cause::NaclDefaultDeny { acl, inbound } => (
            format!(
                "no {} rule of {acl} matches, so the final `*` rule denies{}",
                if *inbound { "inbound" } else { "outbound" },
                if direction == Direction::Return {
                    " (network ACLs are stateless: the reply, to the client's ephemeral ports, needs its own rule)"
                } else {
                    ""
                }
            ),
            Some(format!(
                "add an {} allow rule to {acl}: {what} {} {}",
                if *inbound { "inbound" } else { "outbound" },
                if *inbound { "from" } else { "to" },
                if *inbound { &src } else { &dst }
            )),
        ),
        _ => return None,
    })
}

/// Routes, gateways, interfaces and addresses.
fn paths(cause: &Cause, src: &str, dst: &str) -> Option<(String, Option<String>)> {
    Some(match cause {
        Cause::NoRoute { rtb, subnet } => (
            format!("{rtb} (the route table of {subnet}) has no route for {dst}"),
            Some(format!("add a route for {dst} to {rtb}")),
        ),
        Cause::Blackhole { rtb, route } => (
            format!("route {route} in {rtb} is a blackhole: its target no longer exists"),
            Some(format!(
                "point the route in {rtb} at a live target, or delete it"
            )),
        ),
        Cause::NoPublicIp { eni, igw } => (
            format!("{eni} has no public or Elastic IP for {src}, so {igw} cannot translate it"),
            Some(format!(
                "associate an Elastic IP with {eni}, or route through a NAT gateway"
            )),
        ),
        Cause::NoInternetGateway { vpc } => (
            format!("{vpc} has no internet gateway attached"),
            Some(format!("attach an internet gateway to {vpc}")),
        ),
        Cause::GatewayNotAttached { gateway, vpc } => (
            format!("{gateway} is not attached to {vpc}"),
            Some(format!(
                "attach {gateway} to {vpc}, or route to its own gateway"
            )),
        ),
        Cause::NatNoUnsolicited { nat } => (
            format!(
                "{nat} is a NAT gateway: it answers only connections opened from inside, never unsolicited inbound ones"
            ),
            None,
        ),
        Cause::NatUnavailable { nat, state } => {
            (format!("{nat} is `{state}`, not `available`"), None)
        }
        Cause::NatAsymmetric { nat } => (
            format!(
                "the reply is routed to {nat}, which did not carry the request: asymmetric routing breaks the connection"
            ),
            Some("route the reply back the way the request came (same gateway)".into()),
        ),
        Cause::PeeringInactive { pcx, status } => {
            (format!("{pcx} is `{status}`, not `active`"), None)
        }
        Cause::PeeringNotAttached { pcx, vpc } => (format!("{pcx} does not connect {vpc}"), None),
        Cause::PeeringNoTransit { pcx, vpc } => (
            format!(
                "{dst} is not in {vpc}: VPC peering {pcx} carries traffic only to addresses of the peer VPC (no transit)"
            ),
            None,
        ),
        Cause::NoInterface { vpc } => (
            format!("no network interface in {vpc} has address {dst}"),
            None,
        ),
        Cause::NotAnswering { reason, .. } => (reason.clone(), None),
        Cause::IdleAddress { ip, allocation } => (
            format!(
                "Elastic IP {ip} ({allocation}) is allocated but associated with nothing: traffic to it goes nowhere"
            ),
            Some(format!("associate {allocation} with a network interface")),
        ),
        Cause::EgressOnlyInbound { eigw, vpc } => (
            format!(
                "{vpc} reaches the internet over IPv6 only through egress-only gateway {eigw}: the internet cannot open connections to it"
            ),
            Some(format!(
                "attach an internet gateway to {vpc} and route ::/0 to it, for inbound IPv6"
            )),
        ),
        Cause::EgressOnlyIpv4 { eigw } => (
            format!("{eigw} is an egress-only internet gateway: it carries IPv6 only"),
            None,
        ),
        Cause::ServicePort {
            service,
            addr,
            serves,
        } => (format!("{service} at {addr} answers only {serves}"), None),
        Cause::NotADestination { component } => (
            format!("{component} is a NAT gateway: it forwards traffic, it is not a destination"),
            None,
        ),
        Cause::PrivateOnInternet => (
            format!(
                "{dst} is a private or special-purpose address: the internet does not route it"
            ),
            None,
        ),
        Cause::ClosedOutside => (
            format!(
                "nothing on the internet gets to {dst} on these ports (checked once from every address a packet can carry there)"
            ),
            None,
        ),
        Cause::OtherInterface { reached, expected } => (
            format!(
                "routing delivers {dst} to {reached}, not to {expected} (overlapping address space)"
            ),
            None,
        ),
        Cause::ReturnElsewhere { reached } => (
            format!("the reply to {dst} is routed to {reached}, not back to the requester"),
            None,
        ),
        Cause::TgwNotAttached { tgw, vpc } => (
            format!("{vpc} routes {dst} to {tgw}, but has no VPC attachment to it"),
            Some(format!("attach {vpc} to {tgw}, or route {dst} elsewhere")),
        ),
        Cause::TgwNoZone {
            attachment,
            subnet,
            az,
        } => (
            format!(
                "{attachment} has no subnet in {az}, the zone of {subnet}: resources of a zone without an attachment subnet cannot reach the transit gateway"
            ),
            Some(format!("add a subnet in {az} to {attachment}")),
        ),
        Cause::TgwNoIpv6 { attachment } => (
            format!("{attachment} does not carry IPv6 (its IPv6 support is off)"),
            Some(format!("enable IPv6 support on {attachment}")),
        ),
        Cause::TgwUnavailable { component, state } => {
            (format!("{component} is `{state}`, not available"), None)
        }
        Cause::TgwNoRoute { rtb, attachment } => (
            format!(
                "{rtb} (the transit gateway route table associated with {attachment}) has no route for {dst}"
            ),
            Some(format!(
                "add a static route for {dst} to {rtb}, or propagate the attachment of {dst} to it"
            )),
        ),
        Cause::TgwBlackhole { rtb, route } => (
            format!("route {route} in {rtb} is a blackhole: the transit gateway drops {dst}"),
            Some(format!(
                "delete the blackhole route from {rtb}, or point it at an attachment"
            )),
        ),
        _ => return None,
    })
}

/// Client VPN.
fn client_vpn(cause: &Cause, dst: &str) -> Option<(String, Option<String>)> {
    Some(match cause {
        Cause::CvpnUnavailable { endpoint, status } => (
            format!(
                "{endpoint} is `{status}`: an endpoint carries traffic only when `available` with an associated target network"
            ),
            Some(format!(
                "associate a target network (subnet) with {endpoint}"
            )),
        ),
        Cause::SplitTunnelBypass { endpoint } => (
            format!(
                "split tunnel is on and {endpoint}'s route table has no route for {dst}: the client sends it over its own network, never into the VPC"
            ),
            Some(format!(
                "add a Client VPN route for {dst} to {endpoint} (and an authorization rule)"
            )),
        ),
        Cause::ClientToClientNoRoute {
            endpoint,
            client_cidr,
        } => (
            format!(
                "{dst} is a VPN client's address ({client_cidr}): clients reach each other only through a Client VPN route to the client CIDR with target `local`, and {endpoint} has none covering it"
            ),
            Some(format!(
                "aws ec2 create-client-vpn-route --client-vpn-endpoint-id {endpoint} --destination-cidr-block {client_cidr} --target-vpc-subnet-id local"
            )),
        ),
        Cause::CvpnNoRoute { endpoint } => (
            format!(
                "{endpoint} has no Client VPN route for {dst}: with split tunnel off the client sends everything into the tunnel, and the endpoint drops it"
            ),
            Some(format!("add a Client VPN route for {dst} to {endpoint}")),
        ),
        Cause::NotAuthorized {
            endpoint,
            deciding,
            groups,
            shadowed,
        } => not_authorized(endpoint, deciding, groups, shadowed.as_deref(), dst),
        Cause::CvpnAssociationNoRoute {
            endpoint,
            association,
            subnet,
            suggest,
        } => (
            format!(
                "{association} ({subnet}) has no Client VPN route for {dst}: a client cannot choose its association, so connections that land on it fail"
            ),
            Some(format!(
                "add the Client VPN route {suggest} -> {subnet} to {endpoint}"
            )),
        ),
        _ => return None,
    })
}

/// No authorization rule of `endpoint` lets `groups` reach `dst`: the
/// `deciding` rules, and the one `shadowed` by them that would.
fn not_authorized(
    endpoint: &str,
    deciding: &[String],
    groups: &[String],
    shadowed: Option<&str>,
    dst: &str,
) -> (String, Option<String>) {
    let user = if groups.is_empty() {
        "a user in none of the rules' groups".to_string()
    } else {
        format!("groups {}", groups.join(", "))
    };
    let reason = match (deciding, shadowed) {
        ([], _) => format!(
            "no authorization rule of {endpoint} covers {dst}: Client VPN denies by default"
        ),
        (d, Some(s)) => format!(
            "the most specific authorization rule(s) for {dst} ({}) do not include {user}; {s} would, but loses to the more specific rule",
            d.join(", ")
        ),
        (d, None) => format!(
            "the most specific authorization rule(s) for {dst} ({}) do not include {user}",
            d.join(", ")
        ),
    };
    let grant = if groups.is_empty() {
        "AccessAll, or add the user to a granted group".to_string()
    } else {
        user.clone()
    };
    (
        reason,
        Some(format!(
            "add an authorization rule to {endpoint} for {dst} granting {grant}"
        )),
    )
}

/// Verified Access.
fn verified_access(cause: &Cause, flow: &Flow, dst: &str) -> Option<(String, Option<String>)> {
    Some(match cause {
        Cause::VaUnavailable { endpoint, status } => (
            format!(
                "{endpoint} is `{status}`: a Verified Access endpoint carries traffic only when `active`"
            ),
            None,
        ),
        Cause::VaDenied {
            endpoint,
            checks,
            groups,
        } => va_denied(endpoint, checks, groups),
        Cause::VaElsewhere { endpoint, leads_to } => (
            format!("{endpoint} sends traffic to {leads_to}, not to {dst}"),
            None,
        ),
        Cause::VaNotCarried {
            endpoint,
            protocol,
            ports,
        } => {
            let ranges = ports
                .iter()
                .map(|(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}-{b}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let tcp = flow.current(Field::Proto).summary(Field::Proto) == "tcp";
            (
                format!(
                    "{endpoint} carries {protocol} to port(s) {ranges} only, not {}",
                    proto_and_ports(flow)
                ),
                Some(if tcp {
                    format!("add the ports to {endpoint}'s port ranges (or use another endpoint)")
                } else {
                    "Verified Access endpoints carry TCP only: use a Client VPN endpoint for other protocols".to_string()
                }),
            )
        }
        _ => return None,
    })
}

/// Verified Access denies `groups` on `endpoint`: the `checks` that did not
/// allow, and the statement to change.
fn va_denied(
    endpoint: &str,
    checks: &[PolicyCheck],
    groups: &[String],
) -> (String, Option<String>) {
    let user = if groups.is_empty() {
        "a user in none of the groups the policies name".to_string()
    } else {
        format!("a user in {}", groups.join(", "))
    };
    let why: Vec<String> = checks
        .iter()
        .filter(|c| !c.allows())
        .map(|c| {
            let what = format!("the {} policy of {}", c.level, c.owner);
            match &c.outcome {
                PolicyOutcome::Missing => {
                    format!("{} has no policy, which denies every request", c.owner)
                }
                PolicyOutcome::Disabled => {
                    format!("{what} is disabled, which denies every request")
                }
                PolicyOutcome::NotPermitted => {
                    format!("no permit statement of {what} applies")
                }
                PolicyOutcome::Forbidden(by) => {
                    format!("{what} forbids it: {}", by.join(" "))
                }
                PolicyOutcome::Undecided(why) => why.clone(),
                PolicyOutcome::Permitted(_) => String::new(),
            }
        })
        .collect();
    let fix = checks
        .iter()
        .find(|c| !c.allows())
        .map(|c| match &c.outcome {
            PolicyOutcome::Forbidden(_) => format!(
                "narrow the forbid statement of {} so it does not apply to {user}",
                c.owner
            ),
            _ => format!(
                "add a permit statement for {user} to the {} policy of {} (and enable it)",
                c.level, c.owner
            ),
        });
    (
        format!(
            "Verified Access denies {user} on {endpoint}: {}",
            why.join("; ")
        ),
        fix,
    )
}

/// What stopped packets, in a few words naming the component and the rule
/// (`acl-1 inbound rule * (deny all)`, `authorization rules of cvpn-…`).
pub fn blocker(cause: &Cause) -> String {
    let side = |inbound: bool| if inbound { "inbound" } else { "outbound" };
    match cause {
        Cause::SecurityGroup {
            groups, inbound, ..
        } => format!(
            "{} (no {} rule allows it)",
            groups.join(", "),
            side(*inbound)
        ),
        Cause::NaclDeny {
            acl, rule, inbound, ..
        } => format!("{acl} {} rule {rule} (deny)", side(*inbound)),
        Cause::NaclDefaultDeny { acl, inbound } => {
            format!("{acl} {} rule * (deny all)", side(*inbound))
        }
        Cause::NoRoute { rtb, .. } => format!("{rtb} (no route)"),
        Cause::Blackhole { rtb, route } => format!("{rtb} route {route} (blackhole)"),
        Cause::NotAuthorized { endpoint, .. } => format!("the authorization rules of {endpoint}"),
        Cause::SplitTunnelBypass { endpoint } => {
            format!("{endpoint} split tunnel (no Client VPN route: not sent into the VPN)")
        }
        Cause::CvpnNoRoute { endpoint } => format!("{endpoint} (no Client VPN route)"),
        Cause::VaDenied { .. } => {
            let (owner, kind) = cause.component();
            format!(
                "the {} policy of {owner}",
                kind.trim_start_matches("verified-access-")
            )
        }
        Cause::VaUnavailable { endpoint, status } => format!("{endpoint} (`{status}`, not active)"),
        Cause::VaElsewhere { endpoint, .. } => format!("{endpoint} (leads to another target)"),
        Cause::VaNotCarried { endpoint, .. } => {
            format!("{endpoint} (carries other ports or protocols)")
        }
        Cause::CvpnUnavailable { endpoint, status } => {
            format!("{endpoint} (`{status}`, no associated subnet)")
        }
        Cause::TgwNoRoute { rtb, .. } => format!("{rtb} (no transit gateway route)"),
        Cause::TgwBlackhole { rtb, route } => format!("{rtb} route {route} (blackhole)"),
        Cause::TgwNoZone { attachment, az, .. } => {
            format!("{attachment} (no attachment subnet in {az})")
        }
        other => {
            let (component, kind) = other.component();
            format!("{component} ({kind})")
        }
    }
}

/// The Client VPN trap: rules on the target that allow the *client CIDR* have
/// no effect on VPN traffic, because the association ENI source-NATs it.
/// Returns a note naming those rules and what would work instead.
pub fn client_cidr_trap(net: &Network, cause: &Cause, via: &Via) -> Option<String> {
    let ep = net.client_vpn_endpoints.get(&via.endpoint)?;
    let client = ep.client_cidr;
    let assoc = ep
        .associations
        .iter()
        .find(|a| Some(&a.id) == via.association.as_ref())?;
    let subnet_cidr = net
        .subnets
        .get(&assoc.subnet)
        .and_then(|s| s.cidrs.first())
        .map(|c| c.to_string())
        .unwrap_or_else(|| assoc.subnet.clone());
    let overlaps = |c: &IpNet| c.contains(&client.network()) || client.contains(&c.network());
    let mut hits = Vec::new();
    match cause {
        Cause::SecurityGroup {
            groups,
            inbound: true,
            ..
        } => {
            for g in groups.iter().filter_map(|g| net.security_groups.get(g)) {
                for r in &g.ingress {
                    if let Peer::Cidr(c) = &r.peer
                        && overlaps(c)
                        && c.prefix_len() > 0
                    {
                        hits.push(format!("{} inbound rule {} ({c})", g.id, r.label()));
                    }
                }
            }
        }
        Cause::NaclDefaultDeny { acl, inbound } | Cause::NaclDeny { acl, inbound, .. } => {
            if let Some(a) = net.network_acls.get(acl) {
                let entries = if *inbound { &a.inbound } else { &a.outbound };
                for e in entries.iter().filter(|e| {
                    e.action == Action::Allow && overlaps(&e.cidr) && e.cidr.prefix_len() > 0
                }) {
                    hits.push(format!(
                        "{acl} {} rule {} ({})",
                        if *inbound { "inbound" } else { "outbound" },
                        e.number,
                        e.cidr
                    ));
                }
            }
        }
        _ => {}
    }
    if hits.is_empty() {
        return None;
    }
    let sgs = if ep.security_groups.is_empty() {
        String::new()
    } else {
        format!(
            "the endpoint's security group {} or ",
            ep.security_groups.join(", ")
        )
    };
    Some(format!(
        "{} allow(s) the client CIDR {client}, which has no effect on Client VPN traffic: {} translates the source to its ENI's address in {} ({subnet_cidr}); allow {sgs}{subnet_cidr} instead",
        hits.join(", "),
        assoc.id,
        assoc.subnet
    ))
}
