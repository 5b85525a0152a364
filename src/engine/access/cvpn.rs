//! Client VPN (aws-semantics.md §6): who may enter through an endpoint —
//! authorization rules (longest prefix, `AccessAll` or group) and the
//! endpoint's route table. Decided without packet sets: it depends only on
//! the destination address and the user's groups.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{ClientVpnAuthRule, ClientVpnEndpoint, ClientVpnRoute};

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
pub fn route_for<'e>(
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
