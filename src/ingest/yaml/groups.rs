//! The `security_groups` and `network_acls` sections.

use super::cx::Cx;
use super::model::{ActionY, Model, NaclEntryY, NaclY, RuleY, SecurityGroupY};
use crate::ingest::common::PortRange;
use crate::ingest::defaults::{all_v4, all_v6, default_sg_id};
use crate::ingest::error::{IngestError, resource};
use crate::ingest::state::{GroupRef, GroupRefs, State, merge};
use crate::model::{
    Action, NaclEntry, NetworkAcl, Peer, PortMatch, Protocol, SecurityGroup, SgRule,
};

pub(super) fn lower_security_groups(st: &mut State, cx: &Cx, m: &Model) -> Result<(), IngestError> {
    for g in m.security_groups.iter().flatten() {
        lower_sg(st, cx, g)?;
    }
    Ok(())
}

pub(super) fn lower_nacls(st: &mut State, cx: &Cx, m: &Model) -> Result<(), IngestError> {
    for a in m.network_acls.iter().flatten() {
        lower_nacl(st, cx, a)?;
    }
    Ok(())
}

/// Ports/type/code of a YAML rule, checked against the protocol.
fn rule_ports(
    p: Protocol,
    ports: Option<PortRange>,
    icmp_type: Option<u8>,
    code: Option<u8>,
) -> Result<PortMatch, (&'static str, String)> {
    if p.has_ports() {
        if icmp_type.is_some() || code.is_some() {
            let f = if icmp_type.is_some() { "type" } else { "code" };
            return Err((f, format!("only for icmp, not {}", p.name())));
        }
        let r = ports.unwrap_or(PortRange { from: 0, to: 65535 });
        Ok(PortMatch::Ports {
            from: r.from,
            to: r.to,
        })
    } else if p.is_icmp() {
        if ports.is_some() {
            return Err((
                "ports",
                format!("only for tcp and udp, not {} (use `type`/`code`)", p.name()),
            ));
        }
        if code.is_some() && icmp_type.is_none() {
            return Err(("code", "needs `type`".into()));
        }
        Ok(PortMatch::Icmp { icmp_type, code })
    } else if ports.is_some() {
        Err(("ports", format!("only for tcp and udp, not {}", p.name())))
    } else if icmp_type.is_some() || code.is_some() {
        let f = if icmp_type.is_some() { "type" } else { "code" };
        Err((f, format!("only for icmp, not {}", p.name())))
    } else {
        Ok(PortMatch::Any)
    }
}

fn lower_sg(st: &mut State, cx: &Cx, g: &SecurityGroupY) -> Result<(), IngestError> {
    let res = resource("security group", &g.id);
    let mut refs = GroupRefs::default();
    let mut lower_dir = |rules: &[RuleY], ingress: bool| -> Result<Vec<SgRule>, IngestError> {
        let (key, want, other) = if ingress {
            ("ingress", "from", "to")
        } else {
            ("egress", "to", "from")
        };
        let mut out = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            let (peers, wrong) = if ingress {
                (&r.from, &r.to)
            } else {
                (&r.to, &r.from)
            };
            if wrong.is_some() {
                return Err(cx.err(
                    &res,
                    format!("{key}[{i}].{other}"),
                    format!("not allowed in an {key} rule: use `{want}`"),
                ));
            }
            let peers = match peers {
                Some(p) if !p.0.is_empty() => &p.0,
                _ => return Err(cx.err(&res, format!("{key}[{i}].{want}"), "missing")),
            };
            let protocol = r.proto.0;
            let ports = rule_ports(protocol, r.ports, r.r#type, r.code)
                .map_err(|(f, m)| cx.err(&res, format!("{key}[{i}].{f}"), m))?;
            for (j, p) in peers.iter().enumerate() {
                let position = if peers.len() == 1 {
                    format!("{key}[{i}]")
                } else {
                    format!("{key}[{i}].{want}[{j}]")
                };
                if let Peer::Group(gid) = &p.0 {
                    refs.refs.push(GroupRef {
                        field: format!("{key}[{i}].{want}"),
                        group: gid.clone(),
                        user: None,
                    });
                }
                out.push(SgRule {
                    protocol,
                    ports,
                    peer: p.0.clone(),
                    description: r.description.clone(),
                    rule_id: None,
                    position,
                });
            }
        }
        Ok(out)
    };
    let ingress = lower_dir(&g.ingress, true)?;
    let egress = match &g.egress {
        Some(rules) => lower_dir(rules, false)?,
        None => [all_v4(), all_v6()]
            .into_iter()
            .map(|n| SgRule {
                protocol: Protocol::All,
                ports: PortMatch::Any,
                peer: Peer::Cidr(n),
                description: None,
                rule_id: None,
                position: SgRule::AWS_DEFAULT.into(),
            })
            .collect(),
    };
    let name = g.name.clone().unwrap_or_else(|| {
        if g.id == default_sg_id(&g.vpc) {
            "default".into()
        } else {
            g.id.clone()
        }
    });
    let sg = SecurityGroup {
        id: g.id.clone(),
        name,
        vpc: g.vpc.clone(),
        ingress,
        egress,
        tags: g.tags.clone(),
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.security_groups,
        &mut st.warnings,
        "security group",
        &g.id,
        sg,
    );
    st.group_refs.insert(g.id.clone(), refs);
    Ok(())
}

fn lower_nacl(st: &mut State, cx: &Cx, a: &NaclY) -> Result<(), IngestError> {
    let res = resource("network acl", &a.id);
    let lower_dir = |entries: &[NaclEntryY], key: &str| -> Result<Vec<NaclEntry>, IngestError> {
        let mut out: Vec<NaclEntry> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if !(1..=32766).contains(&e.rule) {
                return Err(cx.err(
                    &res,
                    format!("{key}[{i}].rule"),
                    format!("invalid rule number `{}`: expected 1 to 32766", e.rule),
                ));
            }
            if out.iter().any(|o| o.number == e.rule) {
                return Err(cx.err(
                    &res,
                    format!("{key}[{i}].rule"),
                    format!("duplicate rule number `{}`", e.rule),
                ));
            }
            let ports = rule_ports(e.proto.0, e.ports, e.r#type, e.code)
                .map_err(|(f, m)| cx.err(&res, format!("{key}[{i}].{f}"), m))?;
            out.push(NaclEntry {
                number: e.rule,
                action: match e.action {
                    ActionY::Allow => Action::Allow,
                    ActionY::Deny => Action::Deny,
                },
                protocol: e.proto.0,
                cidr: e.cidr.0,
                ports,
                source: None,
            });
        }
        out.sort_by_key(|e| e.number);
        Ok(out)
    };
    let acl = NetworkAcl {
        id: a.id.clone(),
        vpc: a.vpc.clone(),
        is_default: a.default,
        inbound: lower_dir(&a.inbound, "inbound")?,
        outbound: lower_dir(&a.outbound, "outbound")?,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.network_acls,
        &mut st.warnings,
        "network acl",
        &a.id,
        acl,
    );
    Ok(())
}
