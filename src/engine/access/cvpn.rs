//! Client VPN (aws-semantics.md §6): who may enter through an endpoint —
//! endpoint status, split tunnel and the Client VPN route table,
//! authorization rules (longest prefix, `AccessAll` or group), and which
//! associations the connection enters the VPC through (the client cannot
//! choose one). Decided without packet sets: it depends only on the
//! destination address and the user's groups.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::engine::analysis::{Cause, Hop};
use crate::engine::decision::is_class;
use crate::model::{ClientVpnAssociation, ClientVpnAuthRule, ClientVpnEndpoint, ClientVpnRoute};

/// What an endpoint does with one user's connection, before the VPC.
pub enum CvpnAdmission<'n> {
    /// Stopped at the endpoint (status, route table, authorization): the
    /// trace and why.
    Stopped(Vec<Hop>, Cause),
    /// Another VPN client, through the endpoint's `local` route: the trace of
    /// the request and of the reply; no VPC filter applies between clients.
    ClientToClient { forward: Vec<Hop>, back: Vec<Hop> },
    /// Into the VPC through every associated association.
    Enter(Vec<Door<'n>>),
}

/// One association a user's connection goes through: the trace up to its
/// ENI, or where it stops (no Client VPN route through its subnet).
pub struct Door<'n> {
    pub association: &'n ClientVpnAssociation,
    pub hops: Vec<Hop>,
    pub stop: Option<Cause>,
}

/// What an answer through `ep` assumes whatever the user: certificate
/// authentication ignores the groups asked; associations that are not
/// `associated` carry nothing.
pub fn cvpn_assumptions(
    ep: &ClientVpnEndpoint,
    groups_given: bool,
    assumptions: &mut BTreeSet<String>,
) {
    if !ep.has_groups() && groups_given {
        assumptions.insert(format!(
            "{} uses certificate authentication: users carry no groups, so --group is ignored and only AccessAll rules apply",
            ep.id
        ));
    }
    for a in ep.associations.iter().filter(|a| !a.is_associated()) {
        assumptions.insert(format!(
            "{} ({}) is `{}`, not `associated`: it carries no traffic and is left out",
            a.id, a.subnet, a.status
        ));
    }
}

/// How the trace names the user connecting to `ep`.
fn connect_text(ep: &ClientVpnEndpoint, label: &Option<String>, groups: &[String]) -> String {
    match &label {
        Some(g) if ep.has_groups() && is_class(g) => format!(
            "{g} (for example in {})",
            if groups.is_empty() {
                "no group".to_string()
            } else {
                groups.join(" and ")
            }
        ),
        Some(g) if ep.has_groups() => format!("user in group {g}"),
        Some(_) if is_class(label.as_deref().unwrap_or_default()) => {
            "certificate-authenticated user (groups do not apply)".to_string()
        }
        Some(g) => {
            format!("certificate-authenticated user (group {g} does not apply)")
        }
        None if ep.has_groups() => "user in none of the groups the rules name".to_string(),
        None => "certificate-authenticated user".to_string(),
    }
}

/// Whether the user `label` (in `groups`) gets through `ep` toward `dst`,
/// and through which associations.
pub fn admit_cvpn<'n>(
    ep: &'n ClientVpnEndpoint,
    dst: IpAddr,
    label: &Option<String>,
    groups: &[String],
    assumptions: &mut BTreeSet<String>,
) -> CvpnAdmission<'n> {
    let mut hops = vec![Hop::new(
        &ep.id,
        "client-vpn-endpoint",
        "connect",
        connect_text(ep, label, groups),
    )];
    let active: Vec<_> = ep
        .associations
        .iter()
        .filter(|a| a.is_associated())
        .collect();
    if !ep.is_available() || active.is_empty() {
        let status = if !ep.is_available() {
            ep.status.clone()
        } else {
            "no associated target network".into()
        };
        let cause = Cause::CvpnUnavailable {
            endpoint: ep.id.clone(),
            status,
        };
        return CvpnAdmission::Stopped(hops, cause);
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
        return CvpnAdmission::Stopped(hops, cause);
    }
    let Some(best) = best else {
        let endpoint = ep.id.clone();
        let cause = if ep.split_tunnel {
            Cause::SplitTunnelBypass { endpoint }
        } else {
            Cause::CvpnNoRoute { endpoint }
        };
        return CvpnAdmission::Stopped(hops, cause);
    };
    hops.push(Hop::new(
        &ep.id,
        "client-vpn-endpoint",
        "route",
        if ep.split_tunnel {
            format!("split tunnel: {dst} is in the Client VPN route table, so it enters the tunnel")
        } else {
            "full tunnel: all traffic enters the tunnel".to_string()
        },
    ));
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
            groups: groups.to_vec(),
            shadowed: authz.shadowed.map(describe_auth_rule),
        };
        hops.push(Hop::new(
            &ep.id,
            "client-vpn-endpoint",
            "deny",
            "no authorization rule grants this user",
        ));
        return CvpnAdmission::Stopped(hops, cause);
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
    if best.is_local() {
        // Client-to-client: the endpoint forwards between clients;
        // no VPC filter applies (aws-semantics.md §6).
        assumptions.insert(format!(
            "{dst} is another VPN client of {}: assumed to accept the connection and answer (its own firewall is outside the input)",
            ep.id
        ));
        return client_to_client(&ep.id, best, hops);
    }
    let doors = active
        .into_iter()
        .map(|a| door(ep, a, dst, hops.clone()))
        .collect();
    CvpnAdmission::Enter(doors)
}

/// Client-to-client through the endpoint's `local` route, both ways.
fn client_to_client<'n>(
    endpoint: &str,
    route: &ClientVpnRoute,
    mut hops: Vec<Hop>,
) -> CvpnAdmission<'n> {
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
    CvpnAdmission::ClientToClient {
        forward: hops,
        back,
    }
}

/// Association `a` of `ep`: its Client VPN route to `dst`, or none.
fn door<'n>(
    ep: &ClientVpnEndpoint,
    a: &'n ClientVpnAssociation,
    dst: IpAddr,
    mut hops: Vec<Hop>,
) -> Door<'n> {
    let Some(route) = route_for(ep, dst, Some(&a.subnet)) else {
        let suggest = route_for(ep, dst, None)
            .map(|r| r.dest)
            .unwrap_or_else(|| IpNet::from(dst));
        let cause = Cause::CvpnAssociationNoRoute {
            endpoint: ep.id.clone(),
            association: a.id.clone(),
            subnet: a.subnet.clone(),
            suggest: suggest.to_string(),
        };
        return Door {
            association: a,
            hops,
            stop: Some(cause),
        };
    };
    hops.push(Hop::new(
        &ep.id,
        "client-vpn-route",
        "route",
        format!("{} -> {} ({})", route.dest, a.subnet, a.id),
    ));
    Door {
        association: a,
        hops,
        stop: None,
    }
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
        .filter(|r| r.is_active() && contains(&r.dest, dst))
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
        .filter(|r| r.is_active() && contains(&r.dest, dst))
        .filter(|r| subnet.is_none_or(|s| r.target_subnet == s))
        .max_by_key(|r| r.dest.prefix_len())
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
