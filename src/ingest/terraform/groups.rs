//! Security groups: `aws_security_group` (inline `ingress`/`egress`),
//! `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule` and
//! `aws_vpc_security_group_egress_rule`. A rule is named by its `sgr-…` ID
//! when the plan knows it, else by its Terraform address. The rules'
//! attributes are lowered in `sg_rules.rs`; here they are applied.

use serde::Deserialize;

use super::cx::{Cx, Id, updated_rules};
use super::plan::{Change, Seg, placeholder};
use super::sg_rules::{RuleAttrs, Rules, lower_rule, rule_resource};
use crate::ingest::error::IngestError;
use crate::model::{Origin, Peer, PortMatch, Protocol, SecurityGroup, SgRule};

#[derive(Deserialize, Default)]
#[serde(default)]
struct GroupAttrs {
    id: Option<String>,
    name: Option<String>,
    vpc_id: Option<String>,
    ingress: Option<Vec<Option<RuleAttrs>>>,
    egress: Option<Vec<Option<RuleAttrs>>>,
}

fn same_rule(a: &SgRule, b: &SgRule) -> bool {
    a.protocol == b.protocol && a.ports == b.ports && a.peer == b.peer
}

fn describe(group: &str, ingress: bool, r: &SgRule) -> String {
    format!(
        "{group} {} rule {}: {}{} {} {}",
        if ingress { "inbound" } else { "outbound" },
        r.label(),
        r.protocol.name(),
        r.ports.describe(),
        if ingress { "from" } else { "to" },
        r.peer.describe()
    )
}

/// Adds rules to their group; one already there (same protocol, ports and
/// peer: AWS refuses duplicates) is kept.
fn insert_rules(cx: &mut Cx<'_, '_>, c: &Change, r: Rules) {
    let Some(sg) = cx.net.security_groups.get_mut(&r.group) else {
        cx.warn(
            c,
            format!(
                "not applied: security group `{}` is not in the network",
                r.group
            ),
        );
        return;
    };
    let list = if r.ingress {
        &mut sg.ingress
    } else {
        &mut sg.egress
    };
    let mut lines = Vec::new();
    let mut dup = Vec::new();
    for rule in r.rules {
        if list.iter().any(|x| same_rule(x, &rule)) {
            dup.push(describe(&r.group, r.ingress, &rule));
        } else {
            lines.push(format!("{} added", describe(&r.group, r.ingress, &rule)));
            list.push(rule);
        }
    }
    cx.touched(c, &r.group);
    for l in lines {
        cx.changed(c, l);
    }
    for d in dup {
        cx.warn(
            c,
            format!("{d}: the group already has this rule; not added twice"),
        );
    }
}

/// Removes the model rules matching `r` (by `sgr-…` ID, else by protocol,
/// ports and peer); a rule the network lacks is a warning.
fn delete_rules(cx: &mut Cx<'_, '_>, c: &Change, r: Rules) {
    let Some(sg) = cx.net.security_groups.get_mut(&r.group) else {
        cx.warn(
            c,
            format!(
                "nothing removed: security group `{}` is not in the network",
                r.group
            ),
        );
        return;
    };
    let list = if r.ingress {
        &mut sg.ingress
    } else {
        &mut sg.egress
    };
    let mut lines = Vec::new();
    let mut missing = Vec::new();
    for rule in r.rules {
        let by_id = rule
            .rule_id
            .as_ref()
            .and_then(|id| list.iter().position(|x| x.rule_id.as_ref() == Some(id)));
        match by_id.or_else(|| list.iter().position(|x| same_rule(x, &rule))) {
            Some(i) => {
                let old = list.remove(i);
                lines.push(format!("{} removed", describe(&r.group, r.ingress, &old)));
            }
            None => missing.push(describe(&r.group, r.ingress, &rule)),
        }
    }
    cx.touched(c, &r.group);
    for l in lines {
        cx.changed(c, l);
    }
    for m in missing {
        cx.warn(c, format!("{m}: not in the network, nothing removed"));
    }
}

pub(super) fn remove_rule(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    if let Some(r) = rule_resource(cx, c, false)? {
        delete_rules(cx, c, r);
    }
    Ok(())
}

pub(super) fn add_rule(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    if let Some(r) = rule_resource(cx, c, true)? {
        insert_rules(cx, c, r);
    }
    Ok(())
}

/// An in-place update: nothing when the rule's protocol, ports, peer and
/// group are unchanged (tags, description), else the old rule out, the new in.
pub(super) fn update_rule(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let before = rule_resource(cx, c, false)?;
    let after = rule_resource(cx, c, true)?;
    if let (Some(b), Some(a)) = (&before, &after)
        && b.group == a.group
        && b.ingress == a.ingress
        && b.rules.len() == a.rules.len()
        && b.rules.iter().zip(&a.rules).all(|(x, y)| same_rule(x, y))
    {
        cx.touched(c, &a.group);
        return Ok(());
    }
    if let Some(b) = before {
        delete_rules(cx, c, b);
    }
    if let Some(a) = after {
        insert_rules(cx, c, a);
    }
    Ok(())
}

/// A group's inline rules of one direction as model rules, positioned
/// `ADDRESS.ingress[i]`. A list known only after apply: one rule whose
/// packets are all undecided.
fn inline_rules(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
    attrs: &GroupAttrs,
    group: &str,
    key: &'static str,
) -> Result<Vec<SgRule>, IngestError> {
    let list = if key == "ingress" {
        &attrs.ingress
    } else {
        &attrs.egress
    };
    // Not written in the configuration, the list is not unknown: the group
    // gets no inline rule (Terraform removes the default egress rule of a
    // group it creates).
    if list.is_none() && after && cx.plan.unknown(c, &[Seg::Key(key)]) {
        let name = c.field_name(&[Seg::Key(key)]);
        cx.unknown(
            c,
            format!(
                "{name}: every packet the group's {key} rules could allow is undecided until apply"
            ),
        );
        return Ok(vec![SgRule {
            protocol: Protocol::All,
            ports: PortMatch::Any,
            peer: Peer::PrefixList(placeholder(&name)),
            description: None,
            rule_id: None,
            position: name,
        }]);
    }
    let mut out = Vec::new();
    for (i, b) in list.iter().flatten().enumerate() {
        let Some(b) = b else { continue };
        let label = format!("{}.{key}[{i}]", c.address);
        out.extend(lower_rule(
            cx,
            c,
            after,
            b,
            &[Seg::Key(key), Seg::Idx(i)],
            group,
            &label,
            None,
        )?);
    }
    Ok(out)
}

/// The group's ID: `id` when known, else the placeholder.
fn group_id(c: &Change, attrs: &GroupAttrs) -> String {
    attrs
        .id
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| placeholder(&c.address))
}

pub(super) fn remove_group(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let file = cx.file().to_string();
    let attrs: GroupAttrs = c.attrs(&file, false)?;
    let Some(id) = attrs.id.clone().filter(|s| !s.is_empty()) else {
        return Err(c.err(&file, false, &[Seg::Key("id")], "missing"));
    };
    if cx.net.security_groups.remove(&id).is_none() {
        cx.warn(
            c,
            format!("security group `{id}` is not in the network: nothing removed"),
        );
        return Ok(());
    }
    cx.touched(c, &id);
    cx.changed(c, format!("security group {id} removed"));
    let members: Vec<String> = cx.net.members_of_group(&id).map(|i| i.id.clone()).collect();
    if !members.is_empty() {
        cx.warn(
            c,
            format!(
                "security group `{id}` is removed but {} still carry it (changes of those are not applied): their packets are undecided",
                members.join(", ")
            ),
        );
    }
    Ok(())
}

pub(super) fn add_group(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let file = cx.file().to_string();
    let attrs: GroupAttrs = c.attrs(&file, true)?;
    let id = group_id(c, &attrs);
    if c.unknown_at(&[Seg::Key("id")]) {
        cx.unknown(c, format!("id: the group is `{id}` until apply"));
    }
    let vpc = match cx.id(
        c,
        true,
        attrs.vpc_id.as_deref(),
        &[Seg::Key("vpc_id")],
        &["vpc_id"],
    ) {
        Id::Known(v) => v,
        Id::Unknown(name) => placeholder(&name),
        Id::Absent => String::new(),
    };
    let ingress = inline_rules(cx, c, true, &attrs, &id, "ingress")?;
    let egress = inline_rules(cx, c, true, &attrs, &id, "egress")?;
    if cx.net.security_groups.contains_key(&id) {
        cx.warn(
            c,
            format!("security group `{id}` is already in the network: replaced"),
        );
    }
    cx.touched(c, &id);
    cx.changed(
        c,
        format!(
            "security group {id} created in {} ({} inbound, {} outbound rules)",
            if vpc.is_empty() { "no VPC" } else { &vpc },
            ingress.len(),
            egress.len()
        ),
    );
    for r in &ingress {
        cx.changed(c, format!("{} added", describe(&id, true, r)));
    }
    for r in &egress {
        cx.changed(c, format!("{} added", describe(&id, false, r)));
    }
    let name = attrs
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| c.address.clone());
    cx.net.security_groups.insert(
        id.clone(),
        SecurityGroup {
            id,
            name,
            vpc,
            ingress,
            egress,
            tags: Default::default(),
            origin: Origin::new(file.as_str()),
        },
    );
    Ok(())
}

/// An in-place update: the group's rules become `after`'s; rules unchanged
/// keep their names (`sgr-…` ID or position in the snapshot).
pub(super) fn update_group(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let file = cx.file().to_string();
    let attrs: GroupAttrs = c.attrs(&file, true)?;
    let Some(id) = attrs.id.clone().filter(|s| !s.is_empty()) else {
        return Err(c.err(&file, true, &[Seg::Key("id")], "missing"));
    };
    if !cx.net.security_groups.contains_key(&id) {
        cx.warn(
            c,
            format!("not applied: security group `{id}` is not in the network"),
        );
        return Ok(());
    }
    let ingress = inline_rules(cx, c, true, &attrs, &id, "ingress")?;
    let egress = inline_rules(cx, c, true, &attrs, &id, "egress")?;
    cx.touched(c, &id);
    let mut lines = Vec::new();
    let sg = cx.net.security_groups.get_mut(&id).expect("checked above");
    for (ingress_dir, new) in [(true, ingress), (false, egress)] {
        let list = if ingress_dir {
            &mut sg.ingress
        } else {
            &mut sg.egress
        };
        let old = std::mem::take(list);
        let text = |r: &SgRule| describe(&id, ingress_dir, r);
        *list = updated_rules(old, new, same_rule, text, &mut lines);
    }
    for l in lines {
        cx.changed(c, l);
    }
    Ok(())
}
