//! Client VPN (aws-semantics.md §6): rules allowing the client CIDR where
//! source NAT hides it, routes only some associations carry, authorization
//! rules no route makes usable or that more specific rules override.

use crate::engine::client::describe_auth_rule;
use crate::engine::sets::{Side, describe_nacl_entry, describe_sg_rule, peer_addresses};
use crate::hs::IntervalSet;
use crate::model::{Action, ClientVpnAuthRule, ClientVpnEndpoint, Network, Peer};

use super::finding::{Finding, Kind, Lint, Packets, Severity};
use super::nacl::{entries, label};
use super::sets::{cidr, meets};
use crate::explain::Names;

/// The subnets of an endpoint's associations, as a person names them.
fn association_subnets(net: &Network, ep: &ClientVpnEndpoint) -> String {
    let cidrs: Vec<String> = ep
        .associations
        .iter()
        .filter_map(|a| net.subnets.get(&a.subnet))
        .flat_map(|s| s.cidrs.iter().filter(|c| c.addr().is_ipv4()))
        .map(ToString::to_string)
        .collect();
    if cidrs.is_empty() {
        "the association subnets' CIDRs".into()
    } else {
        format!("the association subnets' CIDRs ({})", cidrs.join(", "))
    }
}

/// Security-group rules and network ACL allow entries, in the endpoint's
/// VPC, whose peer lies wholly inside the endpoint's client CIDR: the
/// association's interface source-NATs every client to its own address, so
/// no packet in the VPC comes from (or goes to) a client address.
pub(super) fn client_cidr_rules(net: &Network, out: &mut Vec<Finding>) {
    for ep in net.client_vpn_endpoints.values() {
        let clients = cidr(&ep.client_cidr);
        let inside = |s: &IntervalSet| !s.is_empty() && s.is_subset(&clients);
        let why = format!(
            "the client CIDR {} of {}, which never appears in the VPC: the association's interface source-NATs every client to its own address",
            ep.client_cidr, ep.id
        );
        for g in net.security_groups.values().filter(|g| g.vpc == ep.vpc) {
            for (side, rules) in [(Side::Ingress, &g.ingress), (Side::Egress, &g.egress)] {
                for r in rules {
                    if matches!(r.peer, Peer::Group(_)) {
                        continue;
                    }
                    let p = peer_addresses(net, &r.peer);
                    if !p.maybe.is_empty() || !inside(&p.yes) {
                        continue;
                    }
                    let instead = if ep.security_groups.is_empty() {
                        association_subnets(net, ep)
                    } else {
                        format!(
                            "the endpoint's security group {} (or {})",
                            ep.security_groups.join(", "),
                            association_subnets(net, ep)
                        )
                    };
                    out.push(Finding {
                        kind: Kind::ClientCidrRule,
                        severity: Severity::Medium,
                        resource: g.id.clone(),
                        rule: Some(r.label().to_string()),
                        vpc: Some(g.vpc.clone()),
                        subject: ep.id.clone(),
                        message: format!(
                            "{} of {} can never match: it names {why}",
                            describe_sg_rule(r, side),
                            g.id
                        ),
                        fix: format!(
                            "{} {instead} instead of {}",
                            match side {
                                Side::Ingress => "allow traffic from",
                                Side::Egress => "allow traffic to",
                            },
                            r.peer.describe()
                        ),
                        related: vec![ep.id.clone()],
                        packets: Vec::new(),
                    });
                }
            }
        }
        for acl in net.network_acls.values().filter(|a| a.vpc == ep.vpc) {
            for side in [Side::Ingress, Side::Egress] {
                for e in entries(acl, side) {
                    if e.action != Action::Allow || !inside(&cidr(&e.cidr)) {
                        continue;
                    }
                    out.push(Finding {
                        kind: Kind::ClientCidrRule,
                        severity: Severity::Medium,
                        resource: acl.id.clone(),
                        rule: Some(label(e, side)),
                        vpc: Some(acl.vpc.clone()),
                        subject: ep.id.clone(),
                        message: format!(
                            "{} of {} can never match: it names {why}",
                            describe_nacl_entry(e, side),
                            acl.id
                        ),
                        fix: format!(
                            "allow {} instead of {}",
                            association_subnets(net, ep),
                            e.cidr
                        ),
                        related: vec![ep.id.clone()],
                        packets: Vec::new(),
                    });
                }
            }
        }
    }
}

/// Routes some associations lack; authorization rules no route makes
/// usable, or that more specific rules override everywhere.
pub(super) fn routes_and_authorization(net: &Network, names: &Names, lint: &mut Lint) {
    for ep in net.client_vpn_endpoints.values() {
        let assocs: Vec<_> = ep
            .associations
            .iter()
            .filter(|a| a.is_associated())
            .collect();
        if assocs.is_empty() {
            if !ep.routes.is_empty() || !ep.auth_rules.is_empty() {
                lint.notes.push(format!(
                    "{} has no associated target network: its routes and authorization rules carry nothing and are not checked",
                    ep.id
                ));
            }
            continue;
        }
        missing_routes(ep, &assocs, names, &mut lint.findings);
        authorization(ep, &assocs, names, &mut lint.findings);
    }
}

fn missing_routes(
    ep: &ClientVpnEndpoint,
    assocs: &[&crate::model::ClientVpnAssociation],
    names: &Names,
    out: &mut Vec<Finding>,
) {
    if assocs.len() < 2 {
        return;
    }
    // What each association routes: the union of its active routes.
    let routed = |subnet: &str| {
        ep.routes
            .iter()
            .filter(|r| r.is_active() && r.target_subnet == subnet)
            .fold(IntervalSet::empty(), |acc, r| acc.union(&cidr(&r.dest)))
    };
    let mut seen = Vec::new();
    for r in ep.routes.iter().filter(|r| r.is_active() && !r.is_local()) {
        let Some(via) = assocs.iter().find(|a| a.subnet == r.target_subnet) else {
            continue;
        };
        if seen.contains(&r.dest) {
            continue;
        }
        seen.push(r.dest);
        for a in assocs.iter().filter(|a| a.subnet != r.target_subnet) {
            let lost = cidr(&r.dest).difference(&routed(&a.subnet));
            if lost.is_empty() {
                continue;
            }
            let part = if lost == cidr(&r.dest) {
                format!("no route for {}", r.dest)
            } else {
                format!("no route for {} of {}", names.addresses(&lost), r.dest)
            };
            out.push(Finding {
                kind: Kind::CvpnRouteMissing,
                severity: Severity::Medium,
                resource: ep.id.clone(),
                rule: Some(r.dest.to_string()),
                vpc: Some(ep.vpc.clone()),
                subject: a.id.clone(),
                message: format!(
                    "Client VPN route {} goes through {} ({}), but association {} ({}) has {part}: a client cannot choose its association, so connections landing on {} do not get there (partial)",
                    r.dest, via.subnet, via.id, a.id, a.subnet, a.id
                ),
                fix: format!(
                    "add the route through every association: aws ec2 create-client-vpn-route --client-vpn-endpoint-id {} --destination-cidr-block {} --target-vpc-subnet-id {}",
                    ep.id, r.dest, a.subnet
                ),
                related: vec![via.id.clone(), a.id.clone()],
                packets: vec![Packets {
                    label: format!("destinations {} does not route", a.id),
                    set: crate::hs::PacketSet::product(&[(crate::hs::Field::Dst, lost)]),
                }],
            });
        }
    }
}

/// Who a rule grants: every user, or one group.
fn grants_same(by: &ClientVpnAuthRule, of: &ClientVpnAuthRule) -> bool {
    by.access_all || (!of.access_all && by.group.is_some() && by.group == of.group)
}

fn authorization(
    ep: &ClientVpnEndpoint,
    assocs: &[&crate::model::ClientVpnAssociation],
    names: &Names,
    out: &mut Vec<Finding>,
) {
    // Destinations a connection can be routed to: active routes through an
    // associated subnet, and `local` (client-to-client).
    let routed = ep
        .routes
        .iter()
        .filter(|r| {
            r.is_active() && (r.is_local() || assocs.iter().any(|a| a.subnet == r.target_subnet))
        })
        .fold(IntervalSet::empty(), |acc, r| acc.union(&cidr(&r.dest)));
    let active: Vec<&ClientVpnAuthRule> = ep.auth_rules.iter().filter(|r| r.is_active()).collect();
    for r in &active {
        let own = decided_by(&active, &r.dest);
        if own.is_empty() {
            out.push(overridden(ep, &active, r));
            continue;
        }
        if meets(&own, &routed) {
            continue;
        }
        out.push(unroutable(ep, assocs, names, r, &own));
    }
}

/// Where the rules of one destination decide: the most specific rules
/// covering an address decide it (aws-semantics.md §6).
fn decided_by(active: &[&ClientVpnAuthRule], dest: &ipnet::IpNet) -> IntervalSet {
    active
        .iter()
        .filter(|s| s.dest.prefix_len() > dest.prefix_len())
        .fold(cidr(dest), |acc, s| acc.difference(&cidr(&s.dest)))
}

/// The command that revokes rule `r` of `ep`.
fn revoke_cmd(ep: &ClientVpnEndpoint, r: &ClientVpnAuthRule) -> String {
    format!(
        "aws ec2 revoke-client-vpn-ingress --client-vpn-endpoint-id {} --target-network-cidr {} {}",
        ep.id,
        r.dest,
        match &r.group {
            Some(g) if !r.access_all => format!("--access-group-id {g}"),
            _ => "--revoke-all-groups".into(),
        }
    )
}

/// Rule `r` decides nowhere: more specific rules cover all of its
/// destination. Redundant when they grant its users too, else they lose
/// them.
fn overridden(
    ep: &ClientVpnEndpoint,
    active: &[&ClientVpnAuthRule],
    r: &ClientVpnAuthRule,
) -> Finding {
    let subject = r.group.clone().unwrap_or_else(|| "all users".into());
    // More specific destinations decide all of it: for each, do its
    // rules grant this rule's users too?
    let mut more: Vec<ipnet::IpNet> = active
        .iter()
        .map(|s| s.dest)
        .filter(|d| d.prefix_len() > r.dest.prefix_len() && meets(&cidr(d), &cidr(&r.dest)))
        .collect();
    more.sort();
    more.dedup();
    let deciding: Vec<ipnet::IpNet> = more
        .into_iter()
        .filter(|d| !decided_by(active, d).is_empty())
        .collect();
    let lose: Vec<ipnet::IpNet> = deciding
        .iter()
        .copied()
        .filter(|d| !active.iter().any(|s| s.dest == *d && grants_same(s, r)))
        .collect();
    let who = if r.access_all {
        "every user".to_string()
    } else {
        format!("group {}", r.group.as_deref().unwrap_or("?"))
    };
    let (severity, consequence, fix) = if lose.is_empty() {
        (
            Severity::Low,
            format!("they grant {who} too, so it is redundant"),
            format!("revoke it; nothing changes: {}", revoke_cmd(ep, r)),
        )
    } else {
        let g = match &r.group {
            Some(g) if !r.access_all => format!("--access-group-id {g}"),
            _ => "--authorize-all-groups".into(),
        };
        (
            Severity::Medium,
            format!(
                "the rules for {} do not grant {who}: {who} cannot reach {}",
                lose.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                if lose.len() == 1 { "it" } else { "them" }
            ),
            format!(
                "if {who} should reach them, authorize it on each more specific destination ({}); otherwise revoke it: {}",
                lose.iter()
                    .map(|d| format!(
                        "aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id {} --target-network-cidr {d} {g}",
                        ep.id
                    ))
                    .collect::<Vec<_>>()
                    .join("; "),
                revoke_cmd(ep, r)
            ),
        )
    };
    Finding {
        kind: Kind::CvpnAuthOverridden,
        severity,
        resource: ep.id.clone(),
        rule: Some(r.dest.to_string()),
        vpc: Some(ep.vpc.clone()),
        subject,
        message: format!(
            "authorization rule {} never decides: more specific rules ({}) cover all of {}, and the most specific rule covering a destination decides; {consequence}",
            describe_auth_rule(r),
            deciding
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            r.dest
        ),
        fix,
        related: active
            .iter()
            .filter(|s| deciding.contains(&s.dest))
            .map(|s| describe_auth_rule(s))
            .collect(),
        packets: Vec::new(),
    }
}

/// Rule `r` decides `own`, which no Client VPN route covers.
fn unroutable(
    ep: &ClientVpnEndpoint,
    assocs: &[&crate::model::ClientVpnAssociation],
    names: &Names,
    r: &ClientVpnAuthRule,
    own: &IntervalSet,
) -> Finding {
    let subject = r.group.clone().unwrap_or_else(|| "all users".into());
    Finding {
        kind: Kind::CvpnAuthUnroutable,
        severity: Severity::Low,
        resource: ep.id.clone(),
        rule: Some(r.dest.to_string()),
        vpc: Some(ep.vpc.clone()),
        subject,
        message: format!(
            "authorization rule {} is unusable: no Client VPN route covers {}, where it decides, so no connection there enters the VPN{}",
            describe_auth_rule(r),
            names.addresses(own),
            if ep.split_tunnel {
                " (split tunnel: it goes out the client's own network)"
            } else {
                ""
            }
        ),
        fix: format!(
            "add a route through every association ({}), or revoke the rule: {}",
            assocs
                .iter()
                .map(|a| format!(
                    "aws ec2 create-client-vpn-route --client-vpn-endpoint-id {} --destination-cidr-block {} --target-vpc-subnet-id {}",
                    ep.id, r.dest, a.subnet
                ))
                .collect::<Vec<_>>()
                .join("; "),
            revoke_cmd(ep, r)
        ),
        related: Vec::new(),
        packets: Vec::new(),
    }
}
