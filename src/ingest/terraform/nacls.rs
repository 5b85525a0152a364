//! Network ACLs: `aws_network_acl` (inline `ingress`/`egress`, `subnet_ids`
//! as associations) and `aws_network_acl_rule`. Entries added carry their
//! Terraform address (`NaclEntry::source`). An entry with a value known
//! only after apply makes the ACL's subnets associated with an ACL the input
//! lacks, named `ADDRESS.FIELD (known after apply)`: what crosses them is
//! undecided.

use serde::Deserialize;

use super::cx::{Cx, Id, updated_rules};
use super::plan::{Change, Seg, placeholder};
use crate::ingest::common::{Proto, aws_ports, icmp_part, parse_net};
use crate::ingest::error::IngestError;
use crate::model::{Action, NaclEntry, NetworkAcl, Origin, PortMatch};

/// An inline block, and the attributes of `aws_network_acl_rule` (the
/// names differ: `rule_no`/`rule_number`, `action`/`rule_action`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct EntryAttrs {
    network_acl_id: Option<String>,
    rule_no: Option<i64>,
    rule_number: Option<i64>,
    egress: Option<bool>,
    action: Option<String>,
    rule_action: Option<String>,
    protocol: Option<Proto>,
    cidr_block: Option<String>,
    ipv6_cidr_block: Option<String>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    icmp_type: Option<i64>,
    icmp_code: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AclAttrs {
    id: Option<String>,
    vpc_id: Option<String>,
    subnet_ids: Option<Vec<Option<String>>>,
    ingress: Option<Vec<Option<EntryAttrs>>>,
    egress: Option<Vec<Option<EntryAttrs>>>,
}

/// An entry as read: known, or the name of its first field known only after apply.
enum Entry {
    Known(NaclEntry),
    Unknown(String),
}

fn same_entry(a: &NaclEntry, b: &NaclEntry) -> bool {
    a.number == b.number
        && a.action == b.action
        && a.protocol == b.protocol
        && a.cidr == b.cidr
        && a.ports == b.ports
}

fn describe(acl: &str, egress: bool, e: &NaclEntry) -> String {
    format!(
        "{acl} {} rule {}: {} {}{} {} {}",
        if egress { "outbound" } else { "inbound" },
        e.number,
        match e.action {
            Action::Allow => "allow",
            Action::Deny => "deny",
        },
        e.protocol.name(),
        e.ports.describe(),
        if egress { "to" } else { "from" },
        e.cidr
    )
}

/// One entry's attributes at `base` of `after` (or `before`).
fn lower_entry(
    cx: &Cx<'_, '_>,
    c: &Change,
    after: bool,
    a: &EntryAttrs,
    base: &[Seg<'_>],
) -> Result<Entry, IngestError> {
    let file = cx.file();
    let at = |k: &'static str| -> Vec<Seg<'_>> {
        let mut p = base.to_vec();
        p.push(Seg::Key(k));
        p
    };
    let inline = !base.is_empty();
    let (num_key, act_key) = if inline {
        ("rule_no", "action")
    } else {
        ("rule_number", "rule_action")
    };
    let (number, action) = if inline {
        (a.rule_no, a.action.as_deref())
    } else {
        (a.rule_number, a.rule_action.as_deref())
    };
    // Any field that decides what the entry matches, unknown: the entry is.
    for k in [
        num_key,
        act_key,
        "protocol",
        "cidr_block",
        "ipv6_cidr_block",
        "from_port",
        "to_port",
        "icmp_type",
        "icmp_code",
        "egress",
    ] {
        if after && cx.plan.unknown(c, &at(k)) {
            return Ok(Entry::Unknown(c.field_name(&at(k))));
        }
    }
    let number = match number {
        Some(n) => u16::try_from(n)
            .ok()
            .filter(|n| (1..=32766).contains(n))
            .ok_or_else(|| {
                c.err(
                    file,
                    after,
                    &at(num_key),
                    format!("invalid rule number `{n}` (1-32766)"),
                )
            })?,
        None => return Err(c.err(file, after, &at(num_key), "missing")),
    };
    let action = match action.map(str::to_ascii_lowercase).as_deref() {
        Some("allow") => Action::Allow,
        Some("deny") => Action::Deny,
        Some(other) => {
            return Err(c.err(
                file,
                after,
                &at(act_key),
                format!("`{other}` is neither `allow` nor `deny`"),
            ));
        }
        None => return Err(c.err(file, after, &at(act_key), "missing")),
    };
    let Some(protocol) = a.protocol.map(|p| p.0) else {
        return Err(c.err(file, after, &at("protocol"), "missing"));
    };
    let v4 = a
        .cidr_block
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let v6 = a
        .ipv6_cidr_block
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let cidr = match (v4, v6) {
        (Some(s), None) => parse_net(s).map_err(|m| c.err(file, after, &at("cidr_block"), m))?,
        (None, Some(s)) => {
            parse_net(s).map_err(|m| c.err(file, after, &at("ipv6_cidr_block"), m))?
        }
        (None, None) => {
            return Err(c.err(
                file,
                after,
                &at("cidr_block"),
                "missing (nor `ipv6_cidr_block`)",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(c.err(
                file,
                after,
                &at("cidr_block"),
                "both `cidr_block` and `ipv6_cidr_block` are set",
            ));
        }
    };
    let ports = if protocol.has_ports() {
        aws_ports(a.from_port, a.to_port).map_err(|m| c.err(file, after, &at("from_port"), m))?
    } else if protocol.is_icmp() {
        PortMatch::Icmp {
            icmp_type: icmp_part(a.icmp_type)
                .map_err(|m| c.err(file, after, &at("icmp_type"), m))?,
            code: icmp_part(a.icmp_code).map_err(|m| c.err(file, after, &at("icmp_code"), m))?,
        }
    } else {
        PortMatch::Any
    };
    Ok(Entry::Known(NaclEntry {
        number,
        action,
        protocol,
        cidr,
        ports,
        source: Some(c.address.clone()),
    }))
}

/// Subnets of `acl` now associated with the unknown ACL `name`.
fn undecide(cx: &mut Cx<'_, '_>, c: &Change, acl: &str, name: &str) {
    let id = placeholder(name);
    let subnets: Vec<String> = cx
        .net
        .nacl_of_subnet
        .iter()
        .filter(|(_, a)| *a == acl)
        .map(|(s, _)| s.clone())
        .collect();
    for s in &subnets {
        cx.net.nacl_of_subnet.insert(s.clone(), id.clone());
        cx.touched(c, s);
        cx.changed(
            c,
            format!("{s}: network ACL {acl} undecided until apply ({name})"),
        );
    }
    cx.unknown(
        c,
        format!(
            "{name}: what crosses the network ACL {acl} is undecided until apply ({})",
            if subnets.is_empty() {
                "no subnet associated".to_string()
            } else {
                subnets.join(", ")
            }
        ),
    );
}

/// The default ACL of a VPC: where a subnet goes when its ACL lets it go.
fn default_acl(cx: &Cx<'_, '_>, vpc: &str) -> Option<String> {
    cx.net
        .network_acls
        .values()
        .find(|a| a.is_default && a.vpc == vpc)
        .map(|a| a.id.clone())
}

fn release_subnet(cx: &mut Cx<'_, '_>, c: &Change, subnet: &str, vpc: &str) {
    match default_acl(cx, vpc) {
        Some(d) => {
            cx.net.nacl_of_subnet.insert(subnet.to_string(), d.clone());
            cx.changed(
                c,
                format!("{subnet} associated with the default network ACL {d}"),
            );
        }
        None => {
            cx.net.nacl_of_subnet.remove(subnet);
            cx.changed(c, format!("{subnet}: no network ACL association (the VPC's default ACL is not in the input)"));
        }
    }
    cx.touched(c, subnet);
}

/// An inline direction as entries; `Err(name)` when one is unknown.
fn inline_entries(
    cx: &Cx<'_, '_>,
    c: &Change,
    after: bool,
    attrs: &AclAttrs,
    key: &'static str,
) -> Result<Result<Vec<NaclEntry>, String>, IngestError> {
    let list = if key == "ingress" {
        &attrs.ingress
    } else {
        &attrs.egress
    };
    if list.is_none() && after && cx.plan.unknown(c, &[Seg::Key(key)]) {
        return Ok(Err(c.field_name(&[Seg::Key(key)])));
    }
    let mut out = Vec::new();
    for (i, e) in list.iter().flatten().enumerate() {
        let Some(e) = e else { continue };
        match lower_entry(cx, c, after, e, &[Seg::Key(key), Seg::Idx(i)])? {
            Entry::Known(e) => out.push(e),
            Entry::Unknown(name) => return Ok(Err(name)),
        }
    }
    out.sort_by_key(|e| e.number);
    Ok(Ok(out))
}

/// Known subnet IDs of `subnet_ids`; unknown ones are reported.
fn subnet_ids(cx: &mut Cx<'_, '_>, c: &Change, attrs: &AclAttrs, after: bool) -> Vec<String> {
    if after && attrs.subnet_ids.is_none() && cx.plan.unknown(c, &[Seg::Key("subnet_ids")]) {
        warn_unknown_subnets(cx, c);
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, s) in attrs.subnet_ids.iter().flatten().enumerate() {
        match s.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => out.push(s.to_string()),
            None if after && cx.plan.unknown(c, &[Seg::Key("subnet_ids"), Seg::Idx(i)]) => {
                warn_unknown_subnets(cx, c);
            }
            None => {}
        }
    }
    out
}

fn warn_unknown_subnets(cx: &mut Cx<'_, '_>, c: &Change) {
    cx.warn(
        c,
        "`subnet_ids` holds IDs known only after apply (subnets the plan creates are not in the network): those associations are not applied",
    );
}

pub(super) fn remove_acl(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let file = cx.file().to_string();
    let attrs: AclAttrs = c.attrs(&file, false)?;
    let Some(id) = attrs.id.clone().filter(|s| !s.is_empty()) else {
        return Err(c.err(&file, false, &[Seg::Key("id")], "missing"));
    };
    let Some(acl) = cx.net.network_acls.remove(&id) else {
        cx.warn(
            c,
            format!("network ACL `{id}` is not in the network: nothing removed"),
        );
        return Ok(());
    };
    cx.touched(c, &id);
    cx.changed(c, format!("network ACL {id} removed"));
    let subnets: Vec<String> = cx
        .net
        .nacl_of_subnet
        .iter()
        .filter(|(_, a)| **a == id)
        .map(|(s, _)| s.clone())
        .collect();
    for s in subnets {
        release_subnet(cx, c, &s, &acl.vpc);
    }
    Ok(())
}

pub(super) fn add_acl(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let file = cx.file().to_string();
    let attrs: AclAttrs = c.attrs(&file, true)?;
    let id = attrs
        .id
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| placeholder(&c.address));
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
    let inbound = inline_entries(cx, c, true, &attrs, "ingress")?;
    let outbound = inline_entries(cx, c, true, &attrs, "egress")?;
    let subnets = subnet_ids(cx, c, &attrs, true);
    if c.unknown_at(&[Seg::Key("id")]) {
        cx.unknown(c, format!("id: the network ACL is `{id}` until apply"));
    }
    cx.touched(c, &id);
    let unknown = [&inbound, &outbound]
        .iter()
        .find_map(|r| r.as_ref().err().cloned());
    let (inbound, outbound) = (inbound.unwrap_or_default(), outbound.unwrap_or_default());
    cx.changed(
        c,
        format!(
            "network ACL {id} created in {vpc} ({} inbound, {} outbound entries)",
            inbound.len(),
            outbound.len()
        ),
    );
    cx.net.network_acls.insert(
        id.clone(),
        NetworkAcl {
            id: id.clone(),
            vpc,
            is_default: false,
            inbound,
            outbound,
            origin: Origin::new(file.as_str()),
        },
    );
    for s in subnets {
        cx.net.nacl_of_subnet.insert(s.clone(), id.clone());
        cx.touched(c, &s);
        cx.changed(c, format!("{s} associated with {id}"));
    }
    if let Some(name) = unknown {
        undecide(cx, c, &id, &name);
    }
    Ok(())
}

pub(super) fn update_acl(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let file = cx.file().to_string();
    let before: AclAttrs = c.attrs(&file, false)?;
    let attrs: AclAttrs = c.attrs(&file, true)?;
    let Some(id) = attrs.id.clone().filter(|s| !s.is_empty()) else {
        return Err(c.err(&file, true, &[Seg::Key("id")], "missing"));
    };
    let Some(vpc) = cx.net.network_acls.get(&id).map(|a| a.vpc.clone()) else {
        cx.warn(
            c,
            format!("not applied: network ACL `{id}` is not in the network"),
        );
        return Ok(());
    };
    let inbound = inline_entries(cx, c, true, &attrs, "ingress")?;
    let outbound = inline_entries(cx, c, true, &attrs, "egress")?;
    let old_subnets = subnet_ids(cx, c, &before, false);
    let new_subnets = subnet_ids(cx, c, &attrs, true);
    cx.touched(c, &id);
    let mut lines = Vec::new();
    let mut unknown = None;
    let acl = cx.net.network_acls.get_mut(&id).expect("checked above");
    for (egress, new) in [(false, inbound), (true, outbound)] {
        let new = match new {
            Ok(n) => n,
            Err(name) => {
                unknown.get_or_insert(name);
                continue;
            }
        };
        let list = if egress {
            &mut acl.outbound
        } else {
            &mut acl.inbound
        };
        let old = std::mem::take(list);
        let text = |e: &NaclEntry| describe(&id, egress, e);
        let mut kept = updated_rules(old, new, same_entry, text, &mut lines);
        kept.sort_by_key(|e| e.number);
        *list = kept;
    }
    for l in lines {
        cx.changed(c, l);
    }
    for s in old_subnets.iter().filter(|s| !new_subnets.contains(s)) {
        if cx.net.nacl_of_subnet.get(s) == Some(&id) {
            release_subnet(cx, c, s, &vpc);
        }
    }
    for s in new_subnets.iter().filter(|s| !old_subnets.contains(s)) {
        cx.net.nacl_of_subnet.insert(s.clone(), id.clone());
        cx.touched(c, s);
        cx.changed(c, format!("{s} associated with {id}"));
    }
    if let Some(name) = unknown {
        undecide(cx, c, &id, &name);
    }
    Ok(())
}

/// An `aws_network_acl_rule`: its ACL, direction and entry (`after` or
/// `before`). `None` when its ACL cannot be placed (warned).
fn rule_resource(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
) -> Result<Option<(String, bool, Entry)>, IngestError> {
    let file = cx.file().to_string();
    let a: EntryAttrs = c.attrs(&file, after)?;
    let acl = match cx.id(
        c,
        after,
        a.network_acl_id.as_deref(),
        &[Seg::Key("network_acl_id")],
        &["network_acl_id"],
    ) {
        Id::Known(id) => id,
        Id::Unknown(name) => {
            cx.warn(
                c,
                format!("not applied: `{name}` is known only after apply and the plan's configuration does not say which network ACL"),
            );
            return Ok(None);
        }
        Id::Absent => return Err(c.err(&file, after, &[Seg::Key("network_acl_id")], "missing")),
    };
    let egress = a.egress.unwrap_or(false);
    let entry = lower_entry(cx, c, after, &a, &[])?;
    Ok(Some((acl, egress, entry)))
}

pub(super) fn remove_rule(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    if let Some(r) = rule_resource(cx, c, false)? {
        delete_entry(cx, c, r);
    }
    Ok(())
}

pub(super) fn add_rule(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    if let Some(r) = rule_resource(cx, c, true)? {
        insert_entry(cx, c, r);
    }
    Ok(())
}

/// Removes the entry of that number and direction.
fn delete_entry(cx: &mut Cx<'_, '_>, c: &Change, (acl_id, egress, entry): (String, bool, Entry)) {
    let Entry::Known(entry) = entry else {
        return;
    };
    let Some(acl) = cx.net.network_acls.get_mut(&acl_id) else {
        cx.warn(
            c,
            format!("nothing removed: network ACL `{acl_id}` is not in the network"),
        );
        return;
    };
    let list = if egress {
        &mut acl.outbound
    } else {
        &mut acl.inbound
    };
    match list.iter().position(|e| e.number == entry.number) {
        Some(i) => {
            let old = list.remove(i);
            let differs = !same_entry(&old, &entry);
            cx.touched(c, &acl_id);
            cx.changed(c, format!("{} removed", describe(&acl_id, egress, &old)));
            if differs {
                cx.warn(
                    c,
                    format!(
                        "{} differs from the plan's `before` ({}): removed by its number",
                        describe(&acl_id, egress, &old),
                        describe(&acl_id, egress, &entry)
                    ),
                );
            }
        }
        None => cx.warn(
            c,
            format!(
                "{}: not in the network, nothing removed",
                describe(&acl_id, egress, &entry)
            ),
        ),
    }
}

/// Adds an entry; one of the same number and direction is replaced.
fn insert_entry(cx: &mut Cx<'_, '_>, c: &Change, (acl_id, egress, entry): (String, bool, Entry)) {
    if !cx.net.network_acls.contains_key(&acl_id) {
        cx.warn(
            c,
            format!("not applied: network ACL `{acl_id}` is not in the network"),
        );
        return;
    }
    cx.touched(c, &acl_id);
    let entry = match entry {
        Entry::Known(e) => e,
        Entry::Unknown(name) => {
            undecide(cx, c, &acl_id, &name);
            return;
        }
    };
    let acl = cx.net.network_acls.get_mut(&acl_id).expect("checked above");
    let list = if egress {
        &mut acl.outbound
    } else {
        &mut acl.inbound
    };
    let mut replaced = None;
    if let Some(i) = list.iter().position(|e| e.number == entry.number) {
        replaced = Some(list.remove(i));
    }
    let line = format!("{} added", describe(&acl_id, egress, &entry));
    list.push(entry);
    list.sort_by_key(|e| e.number);
    if let Some(old) = replaced {
        cx.warn(
            c,
            format!(
                "{} has the same number: replaced (AWS would refuse the rule)",
                describe(&acl_id, egress, &old)
            ),
        );
    }
    cx.changed(c, line);
}

/// Every argument of `aws_network_acl_rule` forces a replacement; an update
/// changes nothing the network sees unless its entry differs.
pub(super) fn update_rule(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let before = rule_resource(cx, c, false)?;
    let after = rule_resource(cx, c, true)?;
    if let (Some((a1, e1, Entry::Known(x))), Some((a2, e2, Entry::Known(y)))) = (&before, &after)
        && a1 == a2
        && e1 == e2
        && same_entry(x, y)
    {
        cx.touched(c, a1);
        return Ok(());
    }
    if let Some(b) = before {
        delete_entry(cx, c, b);
    }
    if let Some(a) = after {
        insert_entry(cx, c, a);
    }
    Ok(())
}
