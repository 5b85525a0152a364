//! `client->DST:PORT`: a Client VPN user's access paths (aws-semantics.md §6).
//!
//! Per endpoint and per user (group set): endpoint status, split tunnel and the
//! Client VPN route table, authorization rules (longest prefix, `AccessAll` or
//! group), then each association — the client cannot choose one, so a
//! destination routed through only some of them is `partial` — and from the
//! association ENI (source NAT) the ordinary VPC path, both ways.

use std::collections::BTreeSet;

use ipnet::IpNet;

use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{ClientVpnRoute, Network, VaEndpoint, VaTarget};

use crate::engine::access::{self as va, authorize, describe_auth_rule, route_for};
use crate::engine::analysis::{
    Access, Analysis, Cause, Direction, End, Hop, Leaf, Path, Verdict, Via,
};
use crate::engine::decision::{PolicyCheck, PolicyOutcome, User};
use crate::engine::flow::Flow;
use crate::engine::query::Query;
use crate::engine::rules;
use crate::engine::walk;

use super::Back;

fn stopped(hops: Vec<Hop>, packets: &PacketSet, cause: Cause, via: Via) -> Path {
    Path {
        verdict: Verdict::Unreachable,
        forward: Leaf {
            direction: Direction::Forward,
            hops,
            end: End::Dropped(cause),
            flow: Flow::new(packets.clone()),
            state: Default::default(),
        },
        back: None,
        via: Some(via),
    }
}

/// Client-to-client through the endpoint's `local` route, both ways.
fn client_to_client(
    endpoint: &str,
    route: &ClientVpnRoute,
    mut hops: Vec<Hop>,
    packets: &PacketSet,
    via: Via,
) -> Path {
    hops.push(Hop::new(
        endpoint,
        "client-vpn-route",
        "route",
        format!("{} -> local (client-to-client)", route.dest),
    ));
    hops.push(Hop::new(
        endpoint,
        "client-vpn-endpoint",
        "deliver",
        "to the other VPN client (no VPC filter applies between clients)",
    ));
    let back = vec![Hop::new(
        endpoint,
        "client-vpn-endpoint",
        "deliver",
        "reply from the other VPN client to the requesting client",
    )];
    let flow = Flow::new(packets.clone());
    Path {
        verdict: Verdict::Reachable,
        forward: Leaf {
            direction: Direction::Forward,
            hops,
            end: End::Internet,
            flow: flow.clone(),
            state: Default::default(),
        },
        back: Some(Leaf {
            direction: Direction::Return,
            hops: back,
            end: End::Arrived {
                eni: endpoint.to_string(),
            },
            flow,
            state: Default::default(),
        }),
        via: Some(via),
    }
}

/// A user whose traffic stops before any association.
fn stopped_before_associations(endpoint: &str, group: &Option<String>) -> Access {
    Access {
        endpoint: endpoint.to_string(),
        group: group.clone(),
        verdict: Verdict::Unreachable,
        associations: Vec::new(),
    }
}

pub(super) fn check_client(
    net: &Network,
    query: Query,
    endpoints: &[String],
    only: Option<&PacketSet>,
) -> Analysis {
    let mut assumptions: BTreeSet<String> = query.assumptions.iter().cloned().collect();
    let dst = query.dst_ip;
    let mut paths = Vec::new();
    let mut access = Vec::new();
    let mut all_packets = PacketSet::empty();
    for ep in endpoints
        .iter()
        .filter_map(|id| net.client_vpn_endpoints.get(id))
    {
        let mut packets = query.packets_from(rules::cidr_set(&ep.client_cidr));
        if let Some(o) = only {
            packets = packets.intersect(o);
        }
        all_packets = all_packets.union(&packets);
        if !ep.has_groups() && !query.groups.is_empty() {
            assumptions.insert(format!(
                "{} uses certificate authentication: users carry no groups, so --group is ignored and only AccessAll rules apply",
                ep.id
            ));
        }
        for a in ep.associations.iter().filter(|a| a.status != "associated") {
            assumptions.insert(format!(
                "{} ({}) is `{}`, not `associated`: it carries no traffic and is left out",
                a.id, a.subnet, a.status
            ));
        }
        // Every user on every endpoint: a user may use any of them; one whose
        // users carry no groups (certificate) ignores the groups.
        let for_users: Vec<(Option<String>, Vec<String>)> = query
            .users
            .iter()
            .map(|u| (u.label.clone(), u.groups.clone()))
            .collect();
        for (label, groups) in &for_users {
            let via = |association: Option<&str>| Via {
                endpoint: ep.id.clone(),
                association: association.map(str::to_string),
                group: label.clone(),
            };
            let mut hops = vec![Hop::new(
                &ep.id,
                "client-vpn-endpoint",
                "connect",
                match &label {
                    Some(g) if ep.has_groups() && va::is_class(g) => format!(
                        "{g} (for example in {})",
                        if groups.is_empty() {
                            "no group".to_string()
                        } else {
                            groups.join(" and ")
                        }
                    ),
                    Some(g) if ep.has_groups() => format!("user in group {g}"),
                    Some(_) if va::is_class(label.as_deref().unwrap_or_default()) => {
                        "certificate-authenticated user (groups do not apply)".to_string()
                    }
                    Some(g) => {
                        format!("certificate-authenticated user (group {g} does not apply)")
                    }
                    None if ep.has_groups() => {
                        "user in none of the groups the rules name".to_string()
                    }
                    None => "certificate-authenticated user".to_string(),
                },
            )];
            let mut verdicts = Vec::new();
            let active: Vec<_> = ep
                .associations
                .iter()
                .filter(|a| a.status == "associated")
                .collect();
            if ep.status != "available" || active.is_empty() {
                let status = if ep.status != "available" {
                    ep.status.clone()
                } else {
                    "no associated target network".into()
                };
                paths.push(stopped(
                    hops,
                    &packets,
                    Cause::CvpnUnavailable {
                        endpoint: ep.id.clone(),
                        status,
                    },
                    via(None),
                ));
                access.push(stopped_before_associations(&ep.id, label));
                continue;
            }
            // Split tunnel and the Client VPN route table.
            let best = route_for(ep, dst, None);
            let local = best.is_some_and(|r| r.is_local());
            if !local && ep.client_cidr.contains(&dst) {
                // Another client's address: only a `local` route reaches it.
                let cause = Cause::ClientToClientNoRoute {
                    endpoint: ep.id.clone(),
                    client_cidr: ep.client_cidr.to_string(),
                };
                paths.push(stopped(hops, &packets, cause, via(None)));
                access.push(stopped_before_associations(&ep.id, label));
                continue;
            }
            if best.is_none() {
                let cause = if ep.split_tunnel {
                    Cause::SplitTunnelBypass {
                        endpoint: ep.id.clone(),
                    }
                } else {
                    Cause::CvpnNoRoute {
                        endpoint: ep.id.clone(),
                    }
                };
                paths.push(stopped(hops, &packets, cause, via(None)));
                access.push(stopped_before_associations(&ep.id, label));
                continue;
            }
            hops.push(Hop::new(&ep.id, "client-vpn-endpoint", "route", if ep.split_tunnel {
                format!("split tunnel: {dst} is in the Client VPN route table, so it enters the tunnel")
            } else {
                "full tunnel: all traffic enters the tunnel".to_string()
            }));
            // Authorization.
            let authz = authorize(&ep.auth_rules, dst, groups, ep.has_groups());
            if !authz.allowed {
                let cause = Cause::NotAuthorized {
                    endpoint: ep.id.clone(),
                    deciding: authz
                        .deciding
                        .iter()
                        .map(|r| describe_auth_rule(r))
                        .collect(),
                    groups: groups.clone(),
                    shadowed: authz.shadowed.map(describe_auth_rule),
                };
                let mut h = hops.clone();
                h.push(Hop::new(
                    &ep.id,
                    "client-vpn-endpoint",
                    "deny",
                    "no authorization rule grants this user",
                ));
                paths.push(stopped(h, &packets, cause, via(None)));
                access.push(stopped_before_associations(&ep.id, label));
                continue;
            }
            hops.push(Hop::new(
                &ep.id,
                "client-vpn-endpoint",
                "allow",
                format!(
                    "authorization rule {}",
                    authz
                        .deciding
                        .iter()
                        .map(|r| describe_auth_rule(r))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            if let Some(r) = best.filter(|r| r.is_local()) {
                // Client-to-client: the endpoint forwards between clients;
                // no VPC filter applies (aws-semantics.md §6).
                assumptions.insert(format!(
                    "{dst} is another VPN client of {}: assumed to accept the connection and answer (its own firewall is outside the input)",
                    ep.id
                ));
                paths.push(client_to_client(&ep.id, r, hops, &packets, via(None)));
                access.push(Access {
                    endpoint: ep.id.clone(),
                    group: label.clone(),
                    verdict: Verdict::Reachable,
                    associations: Vec::new(),
                });
                continue;
            }
            let mut per_assoc = Vec::new();
            for a in active {
                let Some(route) = route_for(ep, dst, Some(&a.subnet)) else {
                    let suggest = route_for(ep, dst, None)
                        .map(|r| r.dest)
                        .unwrap_or_else(|| IpNet::from(dst));
                    paths.push(stopped(
                        hops.clone(),
                        &packets,
                        Cause::CvpnAssociationNoRoute {
                            endpoint: ep.id.clone(),
                            association: a.id.clone(),
                            subnet: a.subnet.clone(),
                            suggest: suggest.to_string(),
                        },
                        via(Some(&a.id)),
                    ));
                    per_assoc.push((a.id.clone(), a.subnet.clone(), Verdict::Unreachable));
                    verdicts.push(Verdict::Unreachable);
                    continue;
                };
                let mut h = hops.clone();
                h.push(Hop::new(
                    &ep.id,
                    "client-vpn-route",
                    "route",
                    format!("{} -> {} ({})", route.dest, a.subnet, a.id),
                ));
                let forward = walk::from_association(
                    net,
                    ep,
                    a,
                    Flow::new(packets.clone()),
                    h,
                    &mut assumptions,
                );
                let mut ps = super::finish_paths(
                    net,
                    &query,
                    forward,
                    &Back::Eni(a.id.clone()),
                    &mut assumptions,
                );
                let (v, ..) = super::tally(&packets, &ps);
                for p in &mut ps {
                    p.via = Some(via(Some(&a.id)));
                }
                paths.extend(ps);
                per_assoc.push((a.id.clone(), a.subnet.clone(), v));
                verdicts.push(v);
            }
            access.push(Access {
                endpoint: ep.id.clone(),
                group: label.clone(),
                verdict: Verdict::all_of(&verdicts),
                associations: per_assoc,
            });
        }
    }
    // Verified Access endpoints.
    // Each endpoint's target, resolved once: (addresses, description) or why not.
    let va_eps: Vec<(&VaEndpoint, va::Resolved)> = endpoints
        .iter()
        .filter_map(|id| net.va_endpoints.get(id))
        .map(|ep| (ep, va::target_addresses(net, ep)))
        .collect();
    let leads_here = |ep: &VaEndpoint, target: &va::Resolved| va::leads_to(ep, target, dst);
    let only_va = endpoints.len() == va_eps.len();
    let any_here = va_eps.iter().any(|(e, t)| leads_here(e, t));
    for (ep, target) in &va_eps {
        if !leads_here(ep, target) && endpoints.len() > 1 && (any_here || !only_va) {
            if let Ok((_, desc)) = target {
                assumptions.insert(format!(
                    "{} sends traffic to {desc}, not to {dst}: not an access path for this query",
                    ep.id
                ));
            }
            continue;
        }
        let mut packets = query.packets();
        if let Some(o) = only {
            packets = packets.intersect(o);
        }
        all_packets = all_packets.union(&packets);
        for (i, user) in query.users.iter().enumerate() {
            check_va(
                net,
                &query,
                ep,
                target,
                i,
                user,
                &packets,
                &mut paths,
                &mut access,
                &mut assumptions,
            );
        }
    }
    // A user reaches the target if any access path works for them; the
    // verdict is reachable only if every user (group) does.
    let mut labels: BTreeSet<Option<String>> =
        query.users.iter().map(|u| u.label.clone()).collect();
    if labels.is_empty() {
        labels.insert(None);
    }
    let per_user: Vec<Verdict> = labels
        .iter()
        .map(|l| {
            Verdict::any_of(
                &access
                    .iter()
                    .filter(|a| &a.group == l)
                    .map(|a| a.verdict)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let verdict = Verdict::all_of(&per_user);
    let (_, reachable, reachable_some, undecided) = super::tally(&all_packets, &paths);
    Analysis {
        query,
        verdict,
        packets: all_packets,
        reachable,
        reachable_some,
        undecided,
        paths,
        access,
        assumptions: assumptions.into_iter().collect(),
    }
}

fn user_text(user: &User, only: bool) -> String {
    match &user.label {
        Some(l) if va::is_class(l) => {
            format!(
                "{} (for example in {})",
                l,
                if user.groups.is_empty() {
                    "no group".to_string()
                } else {
                    user.groups.join(" and ")
                }
            )
        }
        Some(l) if user.groups.is_empty() => l.clone(),
        Some(l) => format!("user in group {l}"),
        None if only => "any user (no rule or policy names a group)".to_string(),
        None => "user in none of the groups the rules and policies name".to_string(),
    }
}

fn policy_hop(c: &PolicyCheck) -> Hop {
    let kind = if c.level == "group" {
        "verified-access-group"
    } else {
        "verified-access-endpoint"
    };
    let (action, detail) = match &c.outcome {
        PolicyOutcome::Missing if c.level == "group" => {
            ("deny", "no group policy: denies every request".to_string())
        }
        PolicyOutcome::Missing => (
            "pass",
            "no endpoint policy: the group policy decides".into(),
        ),
        PolicyOutcome::Disabled if c.level == "group" => {
            ("deny", "group policy disabled: denies every request".into())
        }
        PolicyOutcome::Disabled => (
            "pass",
            "endpoint policy disabled: the group policy decides".into(),
        ),
        PolicyOutcome::Permitted(by) => (
            "allow",
            format!("{} policy permits: {}", c.level, by.join(" ")),
        ),
        PolicyOutcome::NotPermitted => (
            "deny",
            format!("no permit statement of the {} policy applies", c.level),
        ),
        PolicyOutcome::Undecided(why) => ("unknown", why.clone()),
        PolicyOutcome::Forbidden(by) => (
            "deny",
            format!("{} policy forbids: {}", c.level, by.join(" ")),
        ),
    };
    Hop::new(&c.owner, kind, action, detail)
}

/// A path whose fate the input cannot decide, stopped at `component`.
fn unknown_path(hops: Vec<Hop>, flow: Flow, component: &str, reason: String, via: Via) -> Path {
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
            state: Default::default(),
        },
        back: None,
        via: Some(via),
    }
}

/// One user through one Verified Access endpoint: status, the Cedar
/// decision, the endpoint's target, protocol and ports, then from the
/// endpoint's network interfaces in each of its subnets the VPC path, both ways.
#[allow(clippy::too_many_arguments)]
fn check_va(
    net: &Network,
    query: &Query,
    ep: &VaEndpoint,
    target: &va::Resolved,
    user_index: usize,
    user: &User,
    packets: &PacketSet,
    paths: &mut Vec<Path>,
    access: &mut Vec<Access>,
    assumptions: &mut BTreeSet<String>,
) {
    let via = |subnet: Option<&str>| Via {
        endpoint: ep.id.clone(),
        association: subnet.map(str::to_string),
        group: user.label.clone(),
    };
    let stop = |paths: &mut Vec<Path>, access: &mut Vec<Access>, hops: Vec<Hop>, cause: Cause| {
        paths.push(stopped(hops, packets, cause, via(None)));
        access.push(stopped_before_associations(&ep.id, &user.label));
    };
    let undecided = |paths: &mut Vec<Path>, access: &mut Vec<Access>, p: Path| {
        paths.push(p);
        access.push(Access {
            endpoint: ep.id.clone(),
            group: user.label.clone(),
            verdict: Verdict::Unknown,
            associations: Vec::new(),
        });
    };
    let mut hops = vec![Hop::new(
        &ep.id,
        "verified-access-endpoint",
        "connect",
        format!(
            "{} ({} endpoint)",
            user_text(user, query.users.len() == 1),
            ep.target.kind()
        ),
    )];
    if ep.status != "active" {
        let cause = Cause::VaUnavailable {
            endpoint: ep.id.clone(),
            status: ep.status.clone(),
        };
        return stop(paths, access, hops, cause);
    }
    let Some(decision) = query
        .va_decisions
        .iter()
        .find(|d| d.endpoint == ep.id && d.user == user_index)
    else {
        paths.push(unknown_path(
            hops,
            Flow::new(packets.clone()),
            &ep.id,
            "no policy decision was made for this user (engine bug)".into(),
            via(None),
        ));
        return;
    };
    hops.extend(decision.checks.iter().map(policy_hop));
    if let Some(why) = &decision.undecided {
        let p = unknown_path(
            hops,
            Flow::new(packets.clone()),
            &ep.id,
            why.clone(),
            via(None),
        );
        return undecided(paths, access, p);
    }
    if decision.evaluated && !decision.allowed {
        let cause = Cause::VaDenied {
            endpoint: ep.id.clone(),
            checks: decision.checks.clone(),
            groups: user.groups.clone(),
        };
        return stop(paths, access, hops, cause);
    }
    let (targets, desc) = match target {
        Ok((t, d)) => (t, d.clone()),
        Err(reason) => {
            let reason = reason.clone();
            let p = unknown_path(hops, Flow::new(packets.clone()), &ep.id, reason, via(None));
            return undecided(paths, access, p);
        }
    };
    if !targets.contains(hs::addr(query.dst_ip)) && matches!(ep.target, VaTarget::LoadBalancer(_)) {
        let reason = format!(
            "{} is not {desc}; whether the load balancer forwards to it depends on its target groups, which the input does not model yet (ask for the load balancer's address)",
            query.dst_ip
        );
        let p = unknown_path(hops, Flow::new(packets.clone()), &ep.id, reason, via(None));
        return undecided(paths, access, p);
    }
    if !targets.contains(hs::addr(query.dst_ip)) {
        let cause = Cause::VaElsewhere {
            endpoint: ep.id.clone(),
            leads_to: desc,
        };
        return stop(paths, access, hops, cause);
    }
    if ep.protocol != "tcp" {
        assumptions.insert(format!(
            "{} is an `{}` endpoint: only that protocol over TCP is carried",
            ep.id, ep.protocol
        ));
    }
    // Only TCP to the endpoint's ports is carried.
    let ports = IntervalSet::from_intervals(ep.ports.iter().map(|(a, b)| Interval {
        lo: u128::from(*a),
        hi: u128::from(*b),
    }));
    let carried = PacketSet::product(&[
        (Field::Proto, IntervalSet::from_interval(Interval::point(6))),
        (Field::DstPort, ports),
    ]);
    let (hit, miss) = Flow::new(packets.clone()).split(&carried);
    let mut refused = Vec::new();
    if !miss.is_empty() {
        refused.push(Path {
            verdict: Verdict::Unreachable,
            forward: Leaf {
                direction: Direction::Forward,
                hops: hops.clone(),
                end: End::Dropped(Cause::VaNotCarried {
                    endpoint: ep.id.clone(),
                    protocol: ep.protocol.clone(),
                    ports: ep.ports.clone(),
                }),
                flow: miss,
                state: Default::default(),
            },
            back: None,
            via: Some(via(None)),
        });
    }
    hops.push(Hop::new(
        &ep.id,
        "verified-access-endpoint",
        "forward",
        format!("to {desc}"),
    ));
    if ep.subnets.is_empty() || hit.is_empty() {
        if !hit.is_empty() {
            refused.push(unknown_path(
                hops,
                hit,
                &ep.id,
                "the endpoint's subnets are not in the input: where its traffic enters the VPC is unknown".into(),
                via(None),
            ));
        }
        let (v, ..) = super::tally(packets, &refused);
        paths.extend(refused);
        access.push(Access {
            endpoint: ep.id.clone(),
            group: user.label.clone(),
            verdict: v,
            associations: Vec::new(),
        });
        return;
    }
    let mut per_subnet = Vec::new();
    let mut verdicts = Vec::new();
    for subnet in &ep.subnets {
        let forward = walk::from_va(net, ep, subnet, hit.clone(), hops.clone(), assumptions);
        let mut ps =
            super::finish_paths(net, query, forward, &Back::Eni(ep.id.clone()), assumptions);
        ps.extend(refused.iter().cloned());
        let (v, ..) = super::tally(packets, &ps);
        for p in &mut ps {
            p.via = Some(via(Some(subnet)));
        }
        paths.extend(ps);
        per_subnet.push((subnet.clone(), subnet.clone(), v));
        verdicts.push(v);
    }
    access.push(Access {
        endpoint: ep.id.clone(),
        group: user.label.clone(),
        verdict: Verdict::all_of(&verdicts),
        associations: per_subnet,
    });
}
