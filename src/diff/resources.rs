//! Every kind of resource `diff` compares, one function per family: what of
//! each is blanked (tags, names, descriptions, origins) and how its rules
//! are listed ([`super::changes`]).

use std::collections::BTreeSet;

use crate::model::{ClientVpnEndpoint, Network, NetworkAcl, RouteTable, SecurityGroup};

use super::changes::{
    Change, Detail, Kind, blank, compare, cvpn_details, nacl_details, no_rules,
    route_table_details, sg_details, sg_rule_key, tgw_table_details,
};

/// Every change from `before` to `after` that can change a packet's fate.
pub fn changes(before: &Network, after: &Network) -> Vec<Change> {
    let mut out = Vec::new();
    filter_changes(&mut out, before, after);
    network_changes(&mut out, before, after);
    gateway_changes(&mut out, before, after);
    access_changes(&mut out, before, after);
    transit_changes(&mut out, before, after);
    if before.idle_addresses != after.idle_addresses {
        out.push(Change {
            resource: "elastic-ips".into(),
            kind: "elastic-ip",
            change: Kind::Modified,
            vpc: None,
            details: Vec::new(),
            file: String::new(),
        });
    }
    out
}

/// Security groups and network ACLs, rule by rule, and network ACL
/// associations.
fn filter_changes(out: &mut Vec<Change>, before: &Network, after: &Network) {
    compare(
        out,
        "security-group",
        &before.security_groups,
        &after.security_groups,
        |g| SecurityGroup {
            name: String::new(),
            tags: Default::default(),
            origin: blank(),
            ingress: g.ingress.iter().map(sg_rule_key).collect(),
            egress: g.egress.iter().map(sg_rule_key).collect(),
            ..g.clone()
        },
        |g| Some(g.vpc.clone()),
        |g| g.origin.file.to_string(),
        sg_details,
    );
    compare(
        out,
        "network-acl",
        &before.network_acls,
        &after.network_acls,
        |a| NetworkAcl {
            origin: blank(),
            ..a.clone()
        },
        |a| Some(a.vpc.clone()),
        |a| a.origin.file.to_string(),
        nacl_details,
    );
    nacl_associations(out, before, after);
}

/// Network ACL associations (a subnet moved to another ACL): a change of
/// the ACL it left and of the one it joined.
fn nacl_associations(out: &mut Vec<Change>, before: &Network, after: &Network) {
    let subnets: BTreeSet<&String> = before
        .nacl_of_subnet
        .keys()
        .chain(after.nacl_of_subnet.keys())
        .collect();
    for s in subnets {
        let (b, a) = (before.nacl_of_subnet.get(s), after.nacl_of_subnet.get(s));
        if b == a {
            continue;
        }
        let vpc = after
            .subnets
            .get(s)
            .or_else(|| before.subnets.get(s))
            .map(|x| x.vpc.clone());
        for (acl, kind) in [(b, Kind::Removed), (a, Kind::Added)] {
            let Some(acl) = acl else { continue };
            out.push(Change {
                resource: acl.clone(),
                kind: "network-acl",
                change: Kind::Modified,
                vpc: vpc.clone(),
                details: vec![Detail {
                    kind,
                    label: format!("association {s}"),
                    text: format!("subnet {s} associated"),
                    terraform: None,
                }],
                file: after
                    .network_acls
                    .get(acl)
                    .or_else(|| before.network_acls.get(acl))
                    .map(|x| x.origin.file.to_string())
                    .unwrap_or_default(),
            });
        }
    }
}

/// Route tables (route by route), interfaces, subnets, VPCs and instances.
fn network_changes(out: &mut Vec<Change>, before: &Network, after: &Network) {
    compare(
        out,
        "route-table",
        &before.route_tables,
        &after.route_tables,
        |t| RouteTable {
            origin: blank(),
            ..t.clone()
        },
        |t| Some(t.vpc.clone()),
        |t| t.origin.file.to_string(),
        route_table_details,
    );
    compare(
        out,
        "network-interface",
        &before.interfaces,
        &after.interfaces,
        |i| crate::model::Interface {
            tags: Default::default(),
            description: i
                .description
                .as_ref()
                .filter(|d| d.starts_with("ELB "))
                .cloned(),
            origin: blank(),
            ..i.clone()
        },
        |i| Some(i.vpc.clone()),
        |i| i.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "subnet",
        &before.subnets,
        &after.subnets,
        |s| crate::model::Subnet {
            tags: Default::default(),
            origin: blank(),
            ..s.clone()
        },
        |s| Some(s.vpc.clone()),
        |s| s.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "vpc",
        &before.vpcs,
        &after.vpcs,
        |v| crate::model::Vpc {
            tags: Default::default(),
            origin: blank(),
            ..v.clone()
        },
        |v| Some(v.id.clone()),
        |v| v.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "instance",
        &before.instances,
        &after.instances,
        |i| crate::model::Instance {
            tags: Default::default(),
            origin: blank(),
            ..i.clone()
        },
        |_| None,
        |i| i.origin.file.to_string(),
        no_rules,
    );
}

/// Internet, egress-only and NAT gateways, peerings and prefix lists.
fn gateway_changes(out: &mut Vec<Change>, before: &Network, after: &Network) {
    compare(
        out,
        "internet-gateway",
        &before.internet_gateways,
        &after.internet_gateways,
        |g| crate::model::InternetGateway {
            origin: blank(),
            ..g.clone()
        },
        |g| g.vpcs.first().cloned(),
        |g| g.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "nat-gateway",
        &before.nat_gateways,
        &after.nat_gateways,
        |g| crate::model::NatGateway {
            origin: blank(),
            ..g.clone()
        },
        |g| Some(g.vpc.clone()),
        |g| g.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "vpc-peering",
        &before.peerings,
        &after.peerings,
        |p| crate::model::Peering {
            origin: blank(),
            ..p.clone()
        },
        |p| Some(p.requester_vpc.clone()),
        |p| p.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "prefix-list",
        &before.prefix_lists,
        &after.prefix_lists,
        |p| crate::model::PrefixList {
            name: None,
            origin: blank(),
            ..p.clone()
        },
        |_| None,
        |p| p.origin.file.to_string(),
        no_rules,
    );
}

/// Client VPN endpoints (authorization rules and routes one by one) and
/// Verified Access resources.
fn access_changes(out: &mut Vec<Change>, before: &Network, after: &Network) {
    compare(
        out,
        "client-vpn-endpoint",
        &before.client_vpn_endpoints,
        &after.client_vpn_endpoints,
        |e| ClientVpnEndpoint {
            origin: blank(),
            auth_rules: e
                .auth_rules
                .iter()
                .map(|r| crate::model::ClientVpnAuthRule {
                    description: None,
                    ..r.clone()
                })
                .collect(),
            ..e.clone()
        },
        |e| Some(e.vpc.clone()),
        |e| e.origin.file.to_string(),
        cvpn_details,
    );
    compare(
        out,
        "verified-access-endpoint",
        &before.va_endpoints,
        &after.va_endpoints,
        |e| crate::model::VaEndpoint {
            origin: blank(),
            policy: e.policy.clone().map(blank_policy),
            ..e.clone()
        },
        |e| Some(e.vpc.clone()),
        |e| e.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "verified-access-group",
        &before.va_groups,
        &after.va_groups,
        |g| crate::model::VaGroup {
            origin: blank(),
            policy: g.policy.clone().map(blank_policy),
            ..g.clone()
        },
        |_| None,
        |g| g.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "verified-access-trust-provider",
        &before.va_trust_providers,
        &after.va_trust_providers,
        |t| crate::model::VaTrustProvider {
            origin: blank(),
            ..t.clone()
        },
        |_| None,
        |t| t.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "verified-access-instance",
        &before.va_instances,
        &after.va_instances,
        |t| crate::model::VaInstance {
            origin: blank(),
            ..t.clone()
        },
        |_| None,
        |t| t.origin.file.to_string(),
        no_rules,
    );
}

/// Transit gateways, their attachments and route tables, VPN connections
/// and gateways: field by field. Only a VPC attachment belongs to a VPC.
fn transit_changes(out: &mut Vec<Change>, before: &Network, after: &Network) {
    compare(
        out,
        "transit-gateway",
        &before.transit_gateways,
        &after.transit_gateways,
        |g| crate::model::TransitGateway {
            owner: None,
            origin: blank(),
            ..g.clone()
        },
        |_| None,
        |g| g.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "transit-gateway-attachment",
        &before.tgw_attachments,
        &after.tgw_attachments,
        |a| crate::model::TgwAttachment {
            resource_owner: None,
            vpc: a.vpc.clone().map(|v| crate::model::TgwVpcAttachment {
                vpc_owner: None,
                origin: blank(),
                ..v
            }),
            peering: a.peering.clone().map(|p| crate::model::TgwPeering {
                origin: blank(),
                ..p
            }),
            origin: blank(),
            ..a.clone()
        },
        |a| a.vpc.as_ref().map(|v| v.vpc.clone()),
        |a| a.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "transit-gateway-route-table",
        &before.tgw_route_tables,
        &after.tgw_route_tables,
        |t| crate::model::TgwRouteTable {
            origin: blank(),
            contents_origin: None,
            ..t.clone()
        },
        |_| None,
        |t| t.origin.file.to_string(),
        tgw_table_details,
    );
    compare(
        out,
        "vpn-connection",
        &before.vpn_connections,
        &after.vpn_connections,
        |v| crate::model::VpnConnection {
            origin: blank(),
            ..v.clone()
        },
        |_| None,
        |v| v.origin.file.to_string(),
        no_rules,
    );
    compare(
        out,
        "vpn-gateway",
        &before.vpn_gateways,
        &after.vpn_gateways,
        |g| crate::model::VpnGateway {
            origin: blank(),
            ..g.clone()
        },
        |_| None,
        |g| g.origin.file.to_string(),
        no_rules,
    );
}

/// A Verified Access policy without the file it was read from: a policy
/// document in its own file (the AWS CLI layout) is no change when only the
/// folder differs.
fn blank_policy(p: crate::model::VaPolicy) -> crate::model::VaPolicy {
    crate::model::VaPolicy {
        origin: blank(),
        ..p
    }
}
