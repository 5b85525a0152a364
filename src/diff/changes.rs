//! What changed between two networks, by AWS ID: a change and its details,
//! how one kind of resource is compared (`compare`), and rule by rule what
//! differs inside a resource on both sides. Which kinds are compared, and
//! what of each is blanked, is `resources.rs`. Only what the walk reads is
//! compared: tags, names, descriptions and where a resource was read from
//! are not.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use crate::model::{
    Action, ClientVpnEndpoint, NaclEntry, NetworkAcl, Origin, RouteTable, SecurityGroup, SgRule,
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

pub(super) fn blank() -> Origin {
    Origin::new("")
}

/// The Terraform address a rule's label starts with (`aws_security_group_rule.ssh`,
/// `module.net.aws_security_group.web.ingress[0]`), if any.
fn terraform_address(label: &str) -> Option<String> {
    let head = label.split_whitespace().next()?;
    (head.starts_with("aws_") || head.starts_with("module.")).then(|| head.to_string())
}

pub(super) fn sg_rule_key(r: &SgRule) -> SgRule {
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

pub(super) fn sg_details(b: &SecurityGroup, a: &SecurityGroup) -> Vec<Detail> {
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

pub(super) fn nacl_details(b: &NetworkAcl, a: &NetworkAcl) -> Vec<Detail> {
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

pub(super) fn route_table_details(b: &RouteTable, a: &RouteTable) -> Vec<Detail> {
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

pub(super) fn tgw_table_details(
    b: &crate::model::TgwRouteTable,
    a: &crate::model::TgwRouteTable,
) -> Vec<Detail> {
    use crate::model::{TgwRoute, TgwRouteState, TgwTableLink};
    let route = |k: Kind, r: &TgwRoute| {
        let targets: Vec<&str> = r.targets.iter().map(|t| t.attachment.as_str()).collect();
        Detail {
            kind: k,
            label: format!("route {}", r.dest.describe()),
            text: match (r.state, r.kind) {
                (TgwRouteState::Blackhole, _) => "static blackhole".to_string(),
                (_, crate::model::TgwRouteType::Static) => {
                    format!("static -> {}", targets.join(", "))
                }
                (_, crate::model::TgwRouteType::Propagated) => {
                    format!("propagated -> {}", targets.join(", "))
                }
            },
            terraform: None,
        }
    };
    let mut out = Vec::new();
    match (&b.routes, &a.routes) {
        (Some(rb), Some(ra)) => out.extend(multiset(rb, ra, Clone::clone, route)),
        (None, Some(_)) | (Some(_), None) => out.push(Detail {
            kind: Kind::Modified,
            label: "routes".into(),
            text: format!(
                "routes {} in the input",
                if a.routes.is_some() {
                    "now"
                } else {
                    "no longer"
                }
            ),
            terraform: None,
        }),
        (None, None) => {}
    }
    for (what, lb, la) in [
        ("association", &b.associations, &a.associations),
        ("propagation", &b.propagations, &a.propagations),
    ] {
        if let (Some(lb), Some(la)) = (lb, la) {
            out.extend(multiset(lb, la, Clone::clone, |k, l: &TgwTableLink| {
                Detail {
                    kind: k,
                    label: format!("{what} {}", l.attachment),
                    text: format!("{what} of {} ({})", l.attachment, l.state),
                    terraform: None,
                }
            }));
        }
    }
    out
}

pub(super) fn cvpn_details(b: &ClientVpnEndpoint, a: &ClientVpnEndpoint) -> Vec<Detail> {
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
pub(super) fn no_rules<T>(_: &T, _: &T) -> Vec<Detail> {
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
pub(super) fn compare<T: Clone + PartialEq + Debug>(
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
