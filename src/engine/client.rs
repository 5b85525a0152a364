//! `client->DST:PORT`: a Client VPN user's access paths (aws-semantics.md §6).
//!
//! Per endpoint and per user (group set): endpoint status, split tunnel and the
//! Client VPN route table, authorization rules (longest prefix, `AccessAll` or
//! group), then each association — the client cannot choose one, so a
//! destination routed through only some of them is `partial` — and from the
//! association ENI (source NAT) the ordinary VPC path, both ways.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::hs::PacketSet;
use crate::model::{ClientVpnAuthRule, ClientVpnEndpoint, ClientVpnRoute, Network};

use super::walk;
use super::{
    Analysis, Back, Cause, Collect, Direction, End, Flow, Hop, Leaf, Path, Query, Sink, Verdict,
};

/// Which access path a [`Path`] took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    pub endpoint: String,
    pub association: Option<String>,
    /// The user's groups this path was evaluated for; `None` = a user in none
    /// of the endpoint's groups (or certificate authentication).
    pub group: Option<String>,
}

/// The verdict for one user (group set) through one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub endpoint: String,
    pub group: Option<String>,
    pub verdict: Verdict,
    /// Per association: (association, subnet, verdict).
    pub associations: Vec<(String, String, Verdict)>,
}

/// The outcome of the authorization rules for one destination and user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization<'r> {
    pub allowed: bool,
    /// The most specific active rules covering the destination: they decide.
    pub deciding: Vec<&'r ClientVpnAuthRule>,
    /// When denied: a less specific rule that would have allowed the user.
    pub shadowed: Option<&'r ClientVpnAuthRule>,
}

fn contains(net: &IpNet, ip: IpAddr) -> bool {
    net.contains(&ip)
}

/// Authorization rules: default deny; the most specific active rules whose
/// CIDR contains `dst` decide (so `0.0.0.0/0` only covers what no other rule
/// does); the user passes if one of them is `AccessAll` or names one of the
/// user's groups. `groups_apply` is false for certificate authentication,
/// where users have no groups.
pub fn authorize<'r>(
    rules: &'r [ClientVpnAuthRule],
    dst: IpAddr,
    user_groups: &[String],
    groups_apply: bool,
) -> Authorization<'r> {
    let grants = |r: &ClientVpnAuthRule| {
        r.access_all || (groups_apply && r.group.as_ref().is_some_and(|g| user_groups.contains(g)))
    };
    let covering: Vec<&ClientVpnAuthRule> = rules
        .iter()
        .filter(|r| r.status == "active" && contains(&r.dest, dst))
        .collect();
    let Some(best) = covering.iter().map(|r| r.dest.prefix_len()).max() else {
        return Authorization {
            allowed: false,
            deciding: Vec::new(),
            shadowed: None,
        };
    };
    let deciding: Vec<&ClientVpnAuthRule> = covering
        .iter()
        .copied()
        .filter(|r| r.dest.prefix_len() == best)
        .collect();
    let allowed = deciding.iter().any(|r| grants(r));
    let shadowed = if allowed {
        None
    } else {
        covering
            .iter()
            .copied()
            .filter(|r| r.dest.prefix_len() < best && grants(r))
            .max_by_key(|r| r.dest.prefix_len())
    };
    Authorization {
        allowed,
        deciding,
        shadowed,
    }
}

pub fn describe_auth_rule(r: &ClientVpnAuthRule) -> String {
    let who = if r.access_all {
        "all users".to_string()
    } else {
        format!("group {}", r.group.as_deref().unwrap_or("?"))
    };
    format!("{} -> {who}", r.dest)
}

/// The most specific active Client VPN route covering `dst`, optionally only via `subnet`.
fn route_for<'e>(
    ep: &'e ClientVpnEndpoint,
    dst: IpAddr,
    subnet: Option<&str>,
) -> Option<&'e ClientVpnRoute> {
    ep.routes
        .iter()
        .filter(|r| r.status == "active" && contains(&r.dest, dst))
        .filter(|r| subnet.is_none_or(|s| r.target_subnet == s))
        .max_by_key(|r| r.dest.prefix_len())
}

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

/// A user whose traffic stops before any association.
fn stopped_before_associations(endpoint: &str, group: &Option<String>) -> Access {
    Access {
        endpoint: endpoint.to_string(),
        group: group.clone(),
        verdict: Verdict::Unreachable,
        associations: Vec::new(),
    }
}

/// Combines verdicts where every part must hold (associations a client cannot choose, or every user).
fn all_of(vs: &[Verdict]) -> Verdict {
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
fn any_of(vs: &[Verdict]) -> Verdict {
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

/// The group sets (users) to answer for: the user's (`--group`), or every
/// group the rules of any of `endpoints` name, plus a user in none of them.
/// Every user is asked on every endpoint (a user may use any endpoint; one
/// whose users carry no groups ignores them), so a group one endpoint names
/// is also answered on the others.
fn users(endpoints: &[&ClientVpnEndpoint], given: &[String]) -> Vec<(Option<String>, Vec<String>)> {
    if !given.is_empty() {
        return vec![(Some(given.join(",")), given.to_vec())];
    }
    let groups: BTreeSet<&String> = endpoints
        .iter()
        .filter(|ep| ep.has_groups())
        .flat_map(|ep| &ep.auth_rules)
        .filter(|r| r.status == "active")
        .filter_map(|r| r.group.as_ref())
        .collect();
    groups
        .into_iter()
        .map(|g| (Some(g.clone()), vec![g.clone()]))
        .chain(std::iter::once((None, Vec::new())))
        .collect()
}

pub(super) fn check_client(net: &Network, query: Query, endpoints: &[String]) -> Analysis {
    let mut sink = Collect::default();
    for a in &query.assumptions {
        sink.assume(a.clone());
    }
    let dst = query.dst_ip;
    let mut paths = Vec::new();
    let mut access = Vec::new();
    let mut all_packets = PacketSet::empty();
    let endpoints: Vec<&ClientVpnEndpoint> = endpoints
        .iter()
        .filter_map(|id| net.client_vpn_endpoints.get(id))
        .collect();
    let users = users(&endpoints, &query.groups);
    for ep in endpoints.iter().copied() {
        let packets = query.packets_from(super::rules::cidr_set(&ep.client_cidr));
        all_packets = all_packets.union(&packets);
        if !ep.has_groups() && !query.groups.is_empty() {
            sink.assume(format!(
                "{} uses certificate authentication: users carry no groups, so --group is ignored and only AccessAll rules apply",
                ep.id
            ));
        }
        for a in ep.associations.iter().filter(|a| a.status != "associated") {
            sink.assume(format!(
                "{} ({}) is `{}`, not `associated`: it carries no traffic and is left out",
                a.id, a.subnet, a.status
            ));
        }
        for (label, groups) in &users {
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
                    Some(g) if ep.has_groups() => format!("user in group {g}"),
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
            if route_for(ep, dst, None).is_none() {
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
                walk::from_association(net, ep, a, Flow::new(packets.clone()), h, &mut sink);
                let forward = std::mem::take(&mut sink.leaves);
                let mut ps =
                    super::finish_paths(net, &query, forward, &Back::Eni(a.id.clone()), &mut sink);
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
                verdict: all_of(&verdicts),
                associations: per_assoc,
            });
        }
    }
    // A user reaches the target if any endpoint works for them; the verdict is
    // reachable only if every user (group) does.
    let labels: BTreeSet<Option<String>> = access.iter().map(|a| a.group.clone()).collect();
    let per_user: Vec<Verdict> = labels
        .iter()
        .map(|l| {
            any_of(
                &access
                    .iter()
                    .filter(|a| &a.group == l)
                    .map(|a| a.verdict)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let verdict = all_of(&per_user);
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
        assumptions: sink.assumptions.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(dest: &str, who: &str) -> ClientVpnAuthRule {
        ClientVpnAuthRule {
            dest: dest.parse().unwrap(),
            access_all: who == "*",
            group: (who != "*").then(|| who.to_string()),
            status: "active".into(),
            description: None,
        }
    }

    #[test]
    fn most_specific_rule_decides_and_names_the_shadowed_one() {
        let rules = [
            rule("10.0.0.0/16", "dev"),
            rule("10.0.2.119/32", "mgr"),
            rule("0.0.0.0/0", "mgr"),
        ];
        let dev = vec!["dev".to_string()];
        let a = authorize(&rules, "10.0.2.119".parse().unwrap(), &dev, true);
        assert!(!a.allowed);
        assert_eq!(a.deciding, vec![&rules[1]]);
        assert_eq!(a.shadowed, Some(&rules[0]));
        assert!(authorize(&rules, "10.0.2.120".parse().unwrap(), &dev, true).allowed);
    }

    #[test]
    fn certificate_users_have_no_groups() {
        let rules = [rule("10.0.0.0/16", "dev"), rule("10.1.0.0/16", "*")];
        let dev = vec!["dev".to_string()];
        assert!(!authorize(&rules, "10.0.0.1".parse().unwrap(), &dev, false).allowed);
        assert!(authorize(&rules, "10.1.0.1".parse().unwrap(), &dev, false).allowed);
    }

    #[test]
    fn inactive_rules_grant_nothing() {
        let mut r = rule("10.0.0.0/16", "*");
        r.status = "revoking".into();
        assert!(!authorize(&[r], "10.0.0.1".parse().unwrap(), &[], true).allowed);
    }
}
