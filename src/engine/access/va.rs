//! Verified Access (aws-semantics.md §7): where an endpoint sends its
//! traffic, whether it can deliver to the query's destination, and what it
//! does with one user's connection (status, the policy decision Cedar made,
//! target, protocol and ports).

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::engine::analysis::{Cause, Hop};
use crate::engine::decision::{PolicyCheck, PolicyOutcome, User, is_class};
use crate::engine::flow::Flow;
use crate::engine::query::Query;
use crate::engine::rules;
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{Network, VaEndpoint, VaTarget};

/// Whether endpoint `ep` (its target resolved) can deliver to `dst`: its
/// target holds it, or the input cannot tell (a load balancer forwards where
/// its target groups say; an unresolved target).
pub fn leads_to(ep: &VaEndpoint, target: &Resolved, dst: IpAddr) -> bool {
    match target {
        Ok(_) if matches!(ep.target, VaTarget::LoadBalancer(_)) => true,
        Ok((set, _)) => set.contains(hs::addr(dst)),
        Err(_) => true,
    }
}

/// Where an endpoint sends traffic: (addresses, description), or why the input cannot tell.
pub type Resolved = Result<(IntervalSet, String), String>;

/// The addresses an endpoint sends traffic to, or why the input cannot tell.
pub fn target_addresses(net: &Network, ep: &VaEndpoint) -> Resolved {
    let point = |ip: IpAddr| Interval::point(hs::addr(ip));
    match &ep.target {
        VaTarget::NetworkInterface(eni) => {
            let i = net
                .interfaces
                .get(eni)
                .ok_or_else(|| format!("network interface `{eni}` is not in the input"))?;
            let ip = i
                .primary_ip()
                .ok_or_else(|| format!("network interface `{eni}` has no private address"))?;
            Ok((
                IntervalSet::from_interval(point(ip)),
                format!("{eni}'s primary private IP {ip}"),
            ))
        }
        VaTarget::Cidr(c) => Ok((rules::cidr_set(c), format!("any address of {c}"))),
        VaTarget::LoadBalancer(arn) => {
            // An ELB's interfaces are described `ELB app/<name>/<id>` (or net/…).
            let suffix = arn
                .split_once(":loadbalancer/")
                .map(|(_, s)| s)
                .unwrap_or(arn);
            let want = format!("ELB {suffix}");
            let ips: Vec<_> = net
                .interfaces
                .values()
                .filter(|i| i.description.as_deref() == Some(want.as_str()))
                .flat_map(|i| i.private_ips.iter().map(|p| point(p.address)))
                .collect();
            if ips.is_empty() {
                return Err(format!(
                    "the input has no network interface of load balancer `{arn}` (description `{want}`)"
                ));
            }
            Ok((
                IntervalSet::from_intervals(ips),
                format!("the addresses of load balancer {suffix}"),
            ))
        }
        VaTarget::Rds(db) => {
            // describe-network-interfaces does not say which database an RDS
            // interface serves; any RDS interface of the endpoint's VPC is taken.
            let ips: Vec<_> = net
                .interfaces
                .values()
                .filter(|i| i.vpc == ep.vpc)
                .filter(|i| i.description.as_deref() == Some("RDSNetworkInterface"))
                .flat_map(|i| i.private_ips.iter().map(|p| point(p.address)))
                .collect();
            if ips.is_empty() {
                return Err(format!(
                    "the input has no RDS network interface (description `RDSNetworkInterface`) in `{}` for `{db}`",
                    ep.vpc
                ));
            }
            Ok((
                IntervalSet::from_intervals(ips),
                format!(
                    "an RDS network interface of {} (assumed to serve {db})",
                    ep.vpc
                ),
            ))
        }
    }
}

/// The Verified Access endpoints of `endpoints` a `client` query goes
/// through, each with its target: all of them, but when several endpoints
/// are asked, not one whose target cannot deliver to `dst` (noted).
pub fn va_endpoints_toward<'n>(
    net: &'n Network,
    endpoints: &[String],
    dst: IpAddr,
    assumptions: &mut BTreeSet<String>,
) -> Vec<(&'n VaEndpoint, Resolved)> {
    // Each endpoint's target, resolved once: (addresses, description) or why not.
    let va_eps: Vec<(&VaEndpoint, Resolved)> = endpoints
        .iter()
        .filter_map(|id| net.va_endpoints.get(id))
        .map(|ep| (ep, target_addresses(net, ep)))
        .collect();
    let only_va = endpoints.len() == va_eps.len();
    let any_here = va_eps.iter().any(|(e, t)| leads_to(e, t, dst));
    va_eps
        .into_iter()
        .filter(|(ep, target)| {
            if !leads_to(ep, target, dst) && endpoints.len() > 1 && (any_here || !only_va) {
                if let Ok((_, desc)) = target {
                    assumptions.insert(format!(
                        "{} sends traffic to {desc}, not to {dst}: not an access path for this query",
                        ep.id
                    ));
                }
                return false;
            }
            true
        })
        .collect()
}

/// What a Verified Access endpoint does with one user's connection.
pub enum VaAdmission {
    /// Stopped at the endpoint (status, policies, target): the trace and why.
    Stopped(Vec<Hop>, Cause),
    /// The input cannot decide (policies read trust data not given, the
    /// target is not resolved, a load balancer's targets): the trace and why.
    Undecided(Vec<Hop>, String),
    /// No policy decision was made for this user (an engine bug): the trace.
    NoDecision(Vec<Hop>),
    /// Toward the target.
    Enter(Box<VaEntry>),
}

/// What a Verified Access endpoint lets through toward its target.
pub struct VaEntry {
    /// The trace through the endpoint.
    pub hops: Vec<Hop>,
    /// The packets it carries (TCP to its ports).
    pub carried: Flow,
    /// Those it refuses: the trace, the packets, why.
    pub refused: Option<(Vec<Hop>, Flow, Cause)>,
}

/// How the trace names a user; `only`: the query's one user.
fn user_text(user: &User, only: bool) -> String {
    match &user.label {
        Some(l) if is_class(l) => {
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

/// The trace of one policy document's check.
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

/// Whether user `user_index` of `query` gets through `ep` (its target
/// resolved): status, the policy decision made when the query was
/// resolved, the target, protocol and ports.
pub fn admit_va(
    query: &Query,
    ep: &VaEndpoint,
    target: &Resolved,
    user_index: usize,
    packets: &PacketSet,
    assumptions: &mut BTreeSet<String>,
) -> VaAdmission {
    let user = &query.users[user_index];
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
    if !ep.is_active() {
        let cause = Cause::VaUnavailable {
            endpoint: ep.id.clone(),
            status: ep.status.clone(),
        };
        return VaAdmission::Stopped(hops, cause);
    }
    let Some(decision) = query
        .va_decisions
        .iter()
        .find(|d| d.endpoint == ep.id && d.user == user_index)
    else {
        return VaAdmission::NoDecision(hops);
    };
    hops.extend(decision.checks.iter().map(policy_hop));
    if let Some(why) = &decision.undecided {
        return VaAdmission::Undecided(hops, why.clone());
    }
    if decision.evaluated && !decision.allowed {
        let cause = Cause::VaDenied {
            endpoint: ep.id.clone(),
            checks: decision.checks.clone(),
            groups: user.groups.clone(),
        };
        return VaAdmission::Stopped(hops, cause);
    }
    let (targets, desc) = match target {
        Ok((t, d)) => (t, d.clone()),
        Err(reason) => return VaAdmission::Undecided(hops, reason.clone()),
    };
    if !targets.contains(hs::addr(query.dst_ip)) && matches!(ep.target, VaTarget::LoadBalancer(_)) {
        let reason = format!(
            "{} is not {desc}; whether the load balancer forwards to it depends on its target groups, which the input does not model yet (ask for the load balancer's address)",
            query.dst_ip
        );
        return VaAdmission::Undecided(hops, reason);
    }
    if !targets.contains(hs::addr(query.dst_ip)) {
        let cause = Cause::VaElsewhere {
            endpoint: ep.id.clone(),
            leads_to: desc,
        };
        return VaAdmission::Stopped(hops, cause);
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
    let refused = (!miss.is_empty()).then(|| {
        let cause = Cause::VaNotCarried {
            endpoint: ep.id.clone(),
            protocol: ep.protocol.clone(),
            ports: ep.ports.clone(),
        };
        (hops.clone(), miss, cause)
    });
    hops.push(Hop::new(
        &ep.id,
        "verified-access-endpoint",
        "forward",
        format!("to {desc}"),
    ));
    VaAdmission::Enter(Box::new(VaEntry {
        hops,
        carried: hit,
        refused,
    }))
}
