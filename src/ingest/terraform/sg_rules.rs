//! Security-group rules as a plan writes them — an `aws_security_group`'s
//! inline `ingress`/`egress` blocks, `aws_security_group_rule`,
//! `aws_vpc_security_group_ingress_rule` and `_egress_rule` — lowered to
//! model rules, one per peer; values unknown until apply become peers no
//! input knows. `groups.rs` applies them to the network.

use serde::Deserialize;

use super::cx::{Cx, Id};
use super::plan::{Change, Seg, placeholder};
use crate::ingest::common::{Proto, parse_net, rule_ports};
use crate::ingest::error::IngestError;
use crate::model::{Peer, PortMatch, Protocol, SgRule};

/// An inline `ingress`/`egress` block, and the attributes of
/// `aws_security_group_rule` (a superset).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RuleAttrs {
    #[serde(rename = "type")]
    direction: Option<String>,
    security_group_id: Option<String>,
    protocol: Option<Proto>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    cidr_blocks: Option<Vec<Option<String>>>,
    ipv6_cidr_blocks: Option<Vec<Option<String>>>,
    prefix_list_ids: Option<Vec<Option<String>>>,
    /// Inline blocks: peer groups.
    security_groups: Option<Vec<Option<String>>>,
    source_security_group_id: Option<String>,
    #[serde(rename = "self")]
    itself: Option<bool>,
    description: Option<String>,
    security_group_rule_id: Option<String>,
}

/// `aws_vpc_security_group_ingress_rule` / `_egress_rule`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct VpcRuleAttrs {
    security_group_id: Option<String>,
    ip_protocol: Option<Proto>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    cidr_ipv4: Option<String>,
    cidr_ipv6: Option<String>,
    prefix_list_id: Option<String>,
    referenced_security_group_id: Option<String>,
    description: Option<String>,
    security_group_rule_id: Option<String>,
}

/// Rules of one Terraform resource, or of one direction of a group.
pub(super) struct Rules {
    pub group: String,
    pub ingress: bool,
    pub rules: Vec<SgRule>,
}

/// The peer of a list element: known, or (unknown) a prefix list the input
/// has no entries for, named by the field.
fn unknown_peer(cx: &mut Cx<'_, '_>, c: &Change, name: String) -> Peer {
    cx.unknown(
        c,
        format!("{name}: the peer is a prefix list without entries until apply"),
    );
    Peer::PrefixList(placeholder(&name))
}

/// A rule's attributes (`attrs` at `base` in `after` or `before`) as model
/// rules of `group`, positioned under `label`.
#[allow(clippy::too_many_arguments)]
pub(super) fn lower_rule(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
    attrs: &RuleAttrs,
    base: &[Seg<'_>],
    group: &str,
    label: &str,
    rule_id: Option<String>,
) -> Result<Vec<SgRule>, IngestError> {
    let file = cx.file().to_string();
    let at = |k: &'static str| -> Vec<Seg<'_>> {
        let mut p = base.to_vec();
        p.push(Seg::Key(k));
        p
    };
    let plan = cx.plan;
    let unknown = |k: &'static str| after && plan.unknown(c, &at(k));
    // Protocol and ports: unknown ones make one rule whose packets are all
    // undecided (a peer no input knows, every protocol and port).
    let proto_unknown = attrs.protocol.is_none() && unknown("protocol");
    let ports_unknown = (attrs.from_port.is_none() && unknown("from_port"))
        || (attrs.to_port.is_none() && unknown("to_port"));
    if proto_unknown || ports_unknown {
        let field = if proto_unknown {
            "protocol"
        } else {
            "from_port"
        };
        let name = c.field_name(&at(field));
        cx.unknown(
            c,
            format!("{name}: every packet the rule could allow is undecided until apply"),
        );
        return Ok(vec![SgRule {
            protocol: attrs.protocol.map_or(Protocol::All, |p| p.0),
            ports: PortMatch::Any,
            peer: Peer::PrefixList(placeholder(&name)),
            description: attrs.description.clone().filter(|d| !d.is_empty()),
            rule_id,
            position: label.to_string(),
        }]);
    }
    let Some(protocol) = attrs.protocol.map(|p| p.0) else {
        return Err(c.err(&file, after, &at("protocol"), "missing"));
    };
    // Terraform writes protocol -1 with ports 0/0: every port.
    let ports = if protocol == Protocol::All {
        PortMatch::Any
    } else {
        rule_ports(protocol, attrs.from_port, attrs.to_port)
            .map_err(|m| c.err(&file, after, &at("from_port"), m))?
    };
    let peers = rule_peers(cx, c, after, attrs, base, group)?;
    let one = peers.len() == 1;
    Ok(peers
        .into_iter()
        .map(|(field, peer)| SgRule {
            protocol,
            ports,
            peer,
            description: attrs.description.clone().filter(|d| !d.is_empty()),
            rule_id: rule_id.clone(),
            position: if one {
                label.to_string()
            } else {
                format!("{label}.{field}")
            },
        })
        .collect())
}

/// The peers a rule's attributes name (`attrs` at `base`), each with the
/// field that names it; a peer unknown until apply is a prefix list without
/// entries.
fn rule_peers(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
    attrs: &RuleAttrs,
    base: &[Seg<'_>],
    group: &str,
) -> Result<Vec<(String, Peer)>, IngestError> {
    let file = cx.file().to_string();
    let at = |k: &'static str| -> Vec<Seg<'_>> {
        let mut p = base.to_vec();
        p.push(Seg::Key(k));
        p
    };
    let plan = cx.plan;
    let unknown = |k: &'static str| after && plan.unknown(c, &at(k));
    let mut peers: Vec<(String, Peer)> = Vec::new();
    for (key, v6) in [("cidr_blocks", false), ("ipv6_cidr_blocks", true)] {
        let list = if key == "cidr_blocks" {
            &attrs.cidr_blocks
        } else {
            &attrs.ipv6_cidr_blocks
        };
        if list.is_none() && unknown(key) {
            let name = c.field_name(&at(key));
            peers.push((key.into(), unknown_peer(cx, c, name)));
        }
        for (i, v) in list.iter().flatten().enumerate() {
            let mut p = at(key);
            p.push(Seg::Idx(i));
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => {
                    let n = parse_net(s).map_err(|m| c.err(&file, after, &p, m))?;
                    if n.addr().is_ipv6() != v6 {
                        return Err(c.err(
                            &file,
                            after,
                            &p,
                            format!("`{s}` is not an IPv{} cidr", if v6 { 6 } else { 4 }),
                        ));
                    }
                    peers.push((format!("{key}[{i}]"), Peer::Cidr(n)));
                }
                None if after && plan.unknown(c, &p) => {
                    let name = c.field_name(&p);
                    peers.push((format!("{key}[{i}]"), unknown_peer(cx, c, name)));
                }
                None => {}
            }
        }
    }
    if attrs.prefix_list_ids.is_none() && unknown("prefix_list_ids") {
        let name = c.field_name(&at("prefix_list_ids"));
        peers.push(("prefix_list_ids".into(), unknown_peer(cx, c, name)));
    }
    for (i, v) in attrs.prefix_list_ids.iter().flatten().enumerate() {
        let mut p = at("prefix_list_ids");
        p.push(Seg::Idx(i));
        let base_cfg: Vec<&str> = config_path(base, "prefix_list_ids");
        match cx.id(c, after, v.as_deref(), &p, &base_cfg) {
            Id::Known(id) => peers.push((format!("prefix_list_ids[{i}]"), Peer::PrefixList(id))),
            Id::Unknown(name) => {
                peers.push((format!("prefix_list_ids[{i}]"), unknown_peer(cx, c, name)));
            }
            Id::Absent => {}
        }
    }
    if attrs.security_groups.is_none() && unknown("security_groups") {
        let name = c.field_name(&at("security_groups"));
        peers.push(("security_groups".into(), unknown_peer(cx, c, name)));
    }
    for (i, v) in attrs.security_groups.iter().flatten().enumerate() {
        let mut p = at("security_groups");
        p.push(Seg::Idx(i));
        let cfg = config_path(base, "security_groups");
        match cx.id(c, after, v.as_deref(), &p, &cfg) {
            Id::Known(id) => peers.push((format!("security_groups[{i}]"), Peer::Group(id))),
            Id::Unknown(name) => {
                peers.push((format!("security_groups[{i}]"), unknown_peer(cx, c, name)));
            }
            Id::Absent => {}
        }
    }
    let key = "source_security_group_id";
    let cfg = config_path(base, key);
    match cx.id(
        c,
        after,
        attrs.source_security_group_id.as_deref(),
        &at(key),
        &cfg,
    ) {
        Id::Known(id) => peers.push((key.into(), Peer::Group(id))),
        Id::Unknown(name) => peers.push((key.into(), unknown_peer(cx, c, name))),
        Id::Absent => {}
    }
    match attrs.itself {
        Some(true) => peers.push(("self".into(), Peer::Group(group.to_string()))),
        None if unknown("self") => {
            let name = c.field_name(&at("self"));
            peers.push(("self".into(), unknown_peer(cx, c, name)));
        }
        _ => {}
    }
    Ok(peers)
}

/// The path of a field in the configuration's expressions under `base`
/// (block indexes dropped: a configuration block is not the plan's element).
fn config_path<'a>(base: &[Seg<'a>], key: &'a str) -> Vec<&'a str> {
    base.iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(*k),
            Seg::Idx(_) => None,
        })
        .chain([key])
        .collect()
}

/// One `aws_security_group_rule` or `aws_vpc_security_group_*_rule`, from
/// `after` or `before`. `None` when its group cannot be placed (warned).
pub(super) fn rule_resource(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
) -> Result<Option<Rules>, IngestError> {
    let file = cx.file().to_string();
    let (attrs, ingress, rule_id, group_value) = if c.kind == "aws_security_group_rule" {
        let a: RuleAttrs = c.attrs(&file, after)?;
        let ingress = match a.direction.as_deref() {
            Some("ingress") => true,
            Some("egress") => false,
            Some(other) => {
                return Err(c.err(
                    &file,
                    after,
                    &[Seg::Key("type")],
                    format!("`{other}` is neither `ingress` nor `egress`"),
                ));
            }
            None => return Err(c.err(&file, after, &[Seg::Key("type")], "missing")),
        };
        let id = a
            .security_group_rule_id
            .clone()
            .filter(|s| s.starts_with("sgr-"));
        let g = a.security_group_id.clone();
        (a, ingress, id, g)
    } else {
        let v: VpcRuleAttrs = c.attrs(&file, after)?;
        let ingress = c.kind == "aws_vpc_security_group_ingress_rule";
        let one = |s: Option<String>| s.map(|s| vec![Some(s)]);
        let a = RuleAttrs {
            direction: None,
            security_group_id: None,
            protocol: v.ip_protocol,
            from_port: v.from_port,
            to_port: v.to_port,
            cidr_blocks: one(v.cidr_ipv4.clone()),
            ipv6_cidr_blocks: one(v.cidr_ipv6.clone()),
            prefix_list_ids: one(v.prefix_list_id.clone()),
            security_groups: None,
            source_security_group_id: v.referenced_security_group_id.clone(),
            itself: None,
            description: v.description.clone(),
            security_group_rule_id: None,
        };
        let id = v
            .security_group_rule_id
            .clone()
            .filter(|s| s.starts_with("sgr-"));
        (a, ingress, id, v.security_group_id)
    };
    let group = match cx.id(
        c,
        after,
        group_value.as_deref(),
        &[Seg::Key("security_group_id")],
        &["security_group_id"],
    ) {
        Id::Known(g) => g,
        Id::Unknown(name) => {
            cx.warn(
                c,
                format!("not applied: `{name}` is known only after apply and the plan's configuration does not say which group"),
            );
            return Ok(None);
        }
        Id::Absent => {
            return Err(c.err(&file, after, &[Seg::Key("security_group_id")], "missing"));
        }
    };
    let mut attrs = attrs;
    if c.kind != "aws_security_group_rule" {
        // The single-peer shapes: rename so unknown paths name their own fields.
        return vpc_rule(cx, c, after, attrs, group, ingress, rule_id).map(Some);
    }
    attrs.security_groups = None;
    let rules = lower_rule(cx, c, after, &attrs, &[], &group, &c.address, rule_id)?;
    Ok(Some(Rules {
        group,
        ingress,
        rules,
    }))
}

/// `aws_vpc_security_group_*_rule`: one peer, fields of its own names.
fn vpc_rule(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
    attrs: RuleAttrs,
    group: String,
    ingress: bool,
    rule_id: Option<String>,
) -> Result<Rules, IngestError> {
    let file = cx.file().to_string();
    let plan = cx.plan;
    let unknown = |k: &str| after && plan.unknown(c, &[Seg::Key(k)]);
    let description = attrs.description.clone().filter(|d| !d.is_empty());
    let make = |protocol, ports, peer| SgRule {
        protocol,
        ports,
        peer,
        description: description.clone(),
        rule_id: rule_id.clone(),
        position: c.address.clone(),
    };
    let proto_unknown = attrs.protocol.is_none() && unknown("ip_protocol");
    let ports_unknown = (attrs.from_port.is_none() && unknown("from_port"))
        || (attrs.to_port.is_none() && unknown("to_port"));
    if proto_unknown || ports_unknown {
        let field = if proto_unknown {
            "ip_protocol"
        } else {
            "from_port"
        };
        let name = c.field_name(&[Seg::Key(field)]);
        cx.unknown(
            c,
            format!("{name}: every packet the rule could allow is undecided until apply"),
        );
        let peer = Peer::PrefixList(placeholder(&name));
        return Ok(Rules {
            group,
            ingress,
            rules: vec![make(
                attrs.protocol.map_or(Protocol::All, |p| p.0),
                PortMatch::Any,
                peer,
            )],
        });
    }
    let Some(protocol) = attrs.protocol.map(|p| p.0) else {
        return Err(c.err(&file, after, &[Seg::Key("ip_protocol")], "missing"));
    };
    let ports = if protocol == Protocol::All {
        PortMatch::Any
    } else {
        rule_ports(protocol, attrs.from_port, attrs.to_port)
            .map_err(|m| c.err(&file, after, &[Seg::Key("from_port")], m))?
    };
    let first = |l: &Option<Vec<Option<String>>>| {
        l.as_ref()
            .and_then(|v| v.first().cloned().flatten())
            .filter(|s| !s.trim().is_empty())
    };
    let mut peers = Vec::new();
    for (key, v6) in [("cidr_ipv4", false), ("cidr_ipv6", true)] {
        let v = first(if v6 {
            &attrs.ipv6_cidr_blocks
        } else {
            &attrs.cidr_blocks
        });
        match v {
            Some(s) => {
                let n = parse_net(&s).map_err(|m| c.err(&file, after, &[Seg::Key(key)], m))?;
                if n.addr().is_ipv6() != v6 {
                    return Err(c.err(
                        &file,
                        after,
                        &[Seg::Key(key)],
                        format!("`{s}` is not an IPv{} cidr", if v6 { 6 } else { 4 }),
                    ));
                }
                peers.push(Peer::Cidr(n));
            }
            None if unknown(key) => {
                let name = c.field_name(&[Seg::Key(key)]);
                peers.push(unknown_peer(cx, c, name));
            }
            None => {}
        }
    }
    for key in ["prefix_list_id", "referenced_security_group_id"] {
        let v = if key == "prefix_list_id" {
            first(&attrs.prefix_list_ids)
        } else {
            attrs.source_security_group_id.clone()
        };
        match cx.id(c, after, v.as_deref(), &[Seg::Key(key)], &[key]) {
            Id::Known(id) if key == "prefix_list_id" => peers.push(Peer::PrefixList(id)),
            Id::Known(id) => peers.push(Peer::Group(id)),
            Id::Unknown(name) => peers.push(unknown_peer(cx, c, name)),
            Id::Absent => {}
        }
    }
    let peer = match peers.len() {
        1 => peers.remove(0),
        0 => {
            return Err(c.err(
                &file,
                after,
                &[Seg::Key("cidr_ipv4")],
                "no peer: one of `cidr_ipv4`, `cidr_ipv6`, `prefix_list_id`, `referenced_security_group_id` is required",
            ));
        }
        _ => {
            return Err(c.err(
                &file,
                after,
                &[Seg::Key("cidr_ipv4")],
                "more than one peer: `cidr_ipv4`, `cidr_ipv6`, `prefix_list_id` and `referenced_security_group_id` exclude each other",
            ));
        }
    };
    Ok(Rules {
        group,
        ingress,
        rules: vec![make(protocol, ports, peer)],
    })
}
