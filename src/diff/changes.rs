//! What changed between two networks, resource by resource and rule by
//! rule, by AWS ID. Only what the walk reads is compared: tags, names,
//! descriptions and where a resource was read from are not.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use crate::model::{
    Action, ClientVpnEndpoint, NaclEntry, Network, NetworkAcl, Origin, RouteTable, SecurityGroup,
    SgRule,
};

/// Added, removed or modified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Added,
    Removed,
    Modified,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Modified => "modified",
        }
    }
}

/// One rule (or route, association, field) of a changed resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub kind: Kind,
    /// How the rule is named in traces: `sgr-…` or its position, a network
    /// ACL entry's `inbound rule 100`, a route's destination.
    pub label: String,
    /// The rule in words (`inbound tcp 22 from 0.0.0.0/0`).
    pub text: String,
    /// The Terraform address that wrote it, in a plan what-if.
    pub terraform: Option<String>,
}

/// One changed resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The AWS ID (`sg-…`, `acl-…`, `rtb-…`, `eni-…`, `cvpn-endpoint-…`).
    pub resource: String,
    /// `security-group`, `network-acl`, `route-table`, … (as hops name kinds).
    pub kind: &'static str,
    pub change: Kind,
    /// The VPC it belongs to, when it belongs to one.
    pub vpc: Option<String>,
    pub details: Vec<Detail>,
    /// The file the after-side (or removed before-side) came from.
    pub file: String,
}

impl Change {
    /// One line: `sg-0abc (security-group) modified: added inbound …`.
    pub fn line(&self) -> String {
        let mut s = format!("{} ({}) {}", self.resource, self.kind, self.change.name());
        if !self.details.is_empty() {
            let d: Vec<String> = self
                .details
                .iter()
                .map(|d| format!("{} {}: {}", d.kind.name(), d.label, d.text))
                .collect();
            s += &format!(": {}", d.join("; "));
        }
        s
    }
}

fn blank() -> Origin {
    Origin::new("")
}

/// The Terraform address a rule's label starts with (`aws_security_group_rule.ssh`,
/// `module.net.aws_security_group.web.ingress[0]`), if any.
fn terraform_address(label: &str) -> Option<String> {
    let head = label.split_whitespace().next()?;
    (head.starts_with("aws_") || head.starts_with("module.")).then(|| head.to_string())
}

fn sg_rule_key(r: &SgRule) -> SgRule {
    SgRule {
        description: None,
        rule_id: None,
        position: String::new(),
        ..r.clone()
    }
}

fn sg_rule_text(r: &SgRule, egress: bool) -> String {
    format!(
        "{} {}{} {} {}",
        if egress { "outbound" } else { "inbound" },
        r.protocol.name(),
        r.ports.describe(),
        if egress { "to" } else { "from" },
        r.peer.describe()
    )
}

fn nacl_text(e: &NaclEntry, egress: bool) -> String {
    format!(
        "{} {} {}{} {} {}",
        if e.action == Action::Allow {
            "allow"
        } else {
            "deny"
        },
        if egress { "outbound" } else { "inbound" },
        e.protocol.name(),
        e.ports.describe(),
        if egress { "to" } else { "from" },
        e.cidr
    )
}

/// Rules of one side as a multiset diff: removed first, then added.
fn multiset<T: Clone + PartialEq + Debug>(
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> T,
    detail: impl Fn(Kind, &T) -> Detail,
) -> Vec<Detail> {
    let mut out = Vec::new();
    let mut after_keys: Vec<Option<T>> = after.iter().map(|a| Some(key(a))).collect();
    let mut unmatched_before = Vec::new();
    for b in before {
        let k = key(b);
        match after_keys.iter_mut().find(|a| a.as_ref() == Some(&k)) {
            Some(slot) => *slot = None,
            None => unmatched_before.push(b),
        }
    }
    for b in unmatched_before {
        out.push(detail(Kind::Removed, b));
    }
    for (a, k) in after.iter().zip(&after_keys) {
        if k.is_some() {
            out.push(detail(Kind::Added, a));
        }
    }
    out
}

fn sg_details(b: &SecurityGroup, a: &SecurityGroup) -> Vec<Detail> {
    let mut out = Vec::new();
    for (egress, rb, ra) in [
        (false, &b.ingress, &a.ingress),
        (true, &b.egress, &a.egress),
    ] {
        out.extend(multiset(rb, ra, sg_rule_key, |k, r| Detail {
            kind: k,
            label: r.label().to_string(),
            text: sg_rule_text(r, egress),
            terraform: terraform_address(&r.position),
        }));
    }
    out
}

fn nacl_details(b: &NetworkAcl, a: &NetworkAcl) -> Vec<Detail> {
    let mut out = Vec::new();
    for (egress, rb, ra) in [
        (false, &b.inbound, &a.inbound),
        (true, &b.outbound, &a.outbound),
    ] {
        let side = if egress { "outbound" } else { "inbound" };
        out.extend(multiset(rb, ra, Clone::clone, |k, e| Detail {
            kind: k,
            label: format!("{side} rule {}", e.number),
            text: nacl_text(e, egress),
            terraform: e.source.as_deref().and_then(terraform_address),
        }));
    }
    out
}

fn route_table_details(b: &RouteTable, a: &RouteTable) -> Vec<Detail> {
    let mut out = multiset(&b.routes, &a.routes, Clone::clone, |k, r| Detail {
        kind: k,
        label: format!("route {}", r.dest.describe()),
        text: format!(
            "{} -> {}{}",
            r.dest.describe(),
            r.target.id(),
            if r.state == crate::model::RouteState::Blackhole {
                " (blackhole)"
            } else {
                ""
            }
        ),
        terraform: None,
    });
    out.extend(multiset(&b.subnets, &a.subnets, Clone::clone, |k, s| {
        Detail {
            kind: k,
            label: format!("association {s}"),
            text: format!("subnet {s} explicitly associated"),
            terraform: None,
        }
    }));
    out.extend(multiset(&b.gateways, &a.gateways, Clone::clone, |k, g| {
        Detail {
            kind: k,
            label: format!("edge association {g}"),
            text: format!("gateway {g} associated (ingress routing)"),
            terraform: None,
        }
    }));
    if b.main != a.main {
        out.push(Detail {
            kind: Kind::Modified,
            label: "main".into(),
            text: format!("main route table: {} -> {}", b.main, a.main),
            terraform: None,
        });
    }
    out
}

fn cvpn_details(b: &ClientVpnEndpoint, a: &ClientVpnEndpoint) -> Vec<Detail> {
    let mut out = multiset(
        &b.auth_rules,
        &a.auth_rules,
        |r| crate::model::ClientVpnAuthRule {
            description: None,
            ..r.clone()
        },
        |k, r| Detail {
            kind: k,
            label: format!("authorization rule {}", r.dest),
            text: format!(
                "{} for {}{}",
                r.dest,
                if r.access_all {
                    "every user".to_string()
                } else {
                    format!("group {}", r.group.as_deref().unwrap_or("?"))
                },
                if r.status == "active" {
                    String::new()
                } else {
                    format!(" ({})", r.status)
                }
            ),
            terraform: None,
        },
    );
    out.extend(multiset(&b.routes, &a.routes, Clone::clone, |k, r| {
        Detail {
            kind: k,
            label: format!("client vpn route {}", r.dest),
            text: format!("{} -> {} ({})", r.dest, r.target_subnet, r.status),
            terraform: None,
        }
    }));
    out.extend(multiset(
        &b.associations,
        &a.associations,
        Clone::clone,
        |k, s| Detail {
            kind: k,
            label: format!("association {}", s.id),
            text: format!("target network {} ({})", s.subnet, s.status),
            terraform: None,
        },
    ));
    let rest = |e: &ClientVpnEndpoint| ClientVpnEndpoint {
        auth_rules: Vec::new(),
        routes: Vec::new(),
        associations: Vec::new(),
        origin: blank(),
        ..e.clone()
    };
    out.extend(fields(&rest(b), &rest(a)));
    out
}

/// For resources without rules: [`compare`] lists their fields.
fn no_rules<T>(_: &T, _: &T) -> Vec<Detail> {
    Vec::new()
}

/// Field-level differences of two values, from their `Debug` forms.
fn fields<T: Debug>(b: &T, a: &T) -> Vec<Detail> {
    let (b, a) = (format!("{b:#?}"), format!("{a:#?}"));
    let bl: Vec<&str> = b.lines().collect();
    let al: Vec<&str> = a.lines().collect();
    let mut out = Vec::new();
    let bs: BTreeSet<&str> = bl.iter().copied().collect();
    let as_: BTreeSet<&str> = al.iter().copied().collect();
    for l in bl.iter().filter(|l| !as_.contains(*l)) {
        out.push(Detail {
            kind: Kind::Removed,
            label: "field".into(),
            text: l.trim().trim_end_matches(',').to_string(),
            terraform: None,
        });
    }
    for l in al.iter().filter(|l| !bs.contains(*l)) {
        out.push(Detail {
            kind: Kind::Added,
            label: "field".into(),
            text: l.trim().trim_end_matches(',').to_string(),
            terraform: None,
        });
    }
    out
}

/// Compares one map of resources: `norm` blanks what is not compared;
/// `details` lists, rule by rule, what differs in a resource present on both
/// sides (given the originals, so rules keep their names); when it lists
/// nothing, the normalized resources' differing fields are listed.
#[allow(clippy::too_many_arguments)]
fn compare<T: Clone + PartialEq + Debug>(
    out: &mut Vec<Change>,
    kind: &'static str,
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    norm: impl Fn(&T) -> T,
    vpc: impl Fn(&T) -> Option<String>,
    file: impl Fn(&T) -> String,
    details: impl Fn(&T, &T) -> Vec<Detail>,
) {
    let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for id in ids {
        let (change, side, details) = match (before.get(id), after.get(id)) {
            (Some(b), None) => (Kind::Removed, b, Vec::new()),
            (None, Some(a)) => (Kind::Added, a, Vec::new()),
            (Some(b), Some(a)) => {
                let (nb, na) = (norm(b), norm(a));
                if nb == na {
                    continue;
                }
                let d = details(b, a);
                (
                    Kind::Modified,
                    a,
                    if d.is_empty() { fields(&nb, &na) } else { d },
                )
            }
            (None, None) => continue,
        };
        out.push(Change {
            resource: id.clone(),
            kind,
            change,
            vpc: vpc(side),
            details,
            file: file(side),
        });
    }
}

/// Every change from `before` to `after` that can change a packet's fate.
pub fn changes(before: &Network, after: &Network) -> Vec<Change> {
    let mut out = Vec::new();
    compare(
        &mut out,
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
        &mut out,
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
    // Network ACL associations (a subnet moved to another ACL).
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
    compare(
        &mut out,
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
        &mut out,
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
        &mut out,
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
        &mut out,
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
        &mut out,
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
    compare(
        &mut out,
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
        &mut out,
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
        &mut out,
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
        &mut out,
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
    compare(
        &mut out,
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
        &mut out,
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
        &mut out,
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
        &mut out,
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
        &mut out,
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
        no_rules,
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
