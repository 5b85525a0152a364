//! Security-group rules named by the `sgr-…` IDs of
//! `describe-security-group-rules`, once every file is read.

use std::collections::{BTreeMap, BTreeSet};

use crate::ingest::error::resource;
use crate::ingest::state::{SgRuleIdPart, State};
use crate::model::{Peer, PortMatch, Protocol};

/// `tcp 22 from 10.0.0.0/16`, for warnings about a rule.
fn rule_text(protocol: Protocol, ports: PortMatch, peer: &Peer, egress: bool) -> String {
    format!(
        "{}{} {} {}",
        protocol.name(),
        ports.describe(),
        if egress { "to" } else { "from" },
        peer.describe()
    )
}

/// Names each security-group rule by the `sgr-…` ID `describe-security-group-rules`
/// gives it: the item of the same group and direction with the same protocol,
/// ports and peer (AWS refuses duplicate rules, so at most one matches). The
/// rules themselves stay those of `describe-security-groups` (or the YAML
/// model); these IDs only name them. Two snapshots taken at different times
/// may disagree, which is a warning, never an error:
/// - an ID for a group the input lacks: one warning naming the group (its
///   rules are not built from `SecurityGroupRules`: the group's VPC is not in
///   it); without any `SecurityGroups` document, one warning in all;
/// - an ID matching no rule of its group: a warning naming the ID;
/// - rules left without an ID in a group that has some: a warning naming the
///   group and their positions (a group with no ID at all is not warned
///   about: `describe-security-group-rules --filters` may have left it out).
///
/// The same ID read twice (two copies of the document) is used once.
pub(super) fn attach_rule_ids(st: &mut State) {
    let parts = std::mem::take(&mut st.sg_rule_ids);
    if parts.is_empty() {
        return;
    }
    if !st.loaded.security_groups {
        let groups: BTreeSet<&str> = parts.iter().map(|p| p.group.as_str()).collect();
        st.warnings.push(format!(
            "`{}`: `SecurityGroupRules` without a `SecurityGroups` document or `security_groups` model section: the rules of {} security group{} are not modelled (add `aws ec2 describe-security-groups --output json`)",
            parts[0].origin.file,
            groups.len(),
            if groups.len() == 1 { "" } else { "s" }
        ));
        return;
    }
    let mut by_group: BTreeMap<String, Vec<SgRuleIdPart>> = BTreeMap::new();
    for p in parts {
        by_group.entry(p.group.clone()).or_default().push(p);
    }
    for (gid, parts) in by_group {
        let Some(sg) = st.net.security_groups.get_mut(&gid) else {
            let ids: Vec<String> = parts.iter().map(|p| format!("`{}`", p.id)).collect();
            st.warnings.push(format!(
                "`{}`: {}: {} rule{} in `SecurityGroupRules` ({}), but the group is not in the input: not modelled (its rules are read from `describe-security-groups`)",
                parts[0].origin.file,
                resource("security group", &gid),
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
                ids.join(", ")
            ));
            continue;
        };
        for p in &parts {
            let rules = if p.egress {
                &mut sg.egress
            } else {
                &mut sg.ingress
            };
            if rules.iter().any(|r| r.rule_id.as_ref() == Some(&p.id)) {
                continue;
            }
            match rules.iter_mut().find(|r| {
                r.rule_id.is_none()
                    && r.protocol == p.protocol
                    && r.ports == p.ports
                    && r.peer == p.peer
            }) {
                Some(r) => r.rule_id = Some(p.id.clone()),
                None => st.warnings.push(format!(
                    "`{}`: {}: {} {} matches no rule of {} in `{}` (snapshots taken at different times?): ignored; the group's rules are those `describe-security-groups` lists",
                    p.origin.file,
                    resource("security group rule", &p.id),
                    if p.egress { "outbound" } else { "inbound" },
                    rule_text(p.protocol, p.ports, &p.peer, p.egress),
                    resource("security group", &gid),
                    sg.origin.file
                )),
            }
        }
        let unnamed: Vec<String> = sg
            .ingress
            .iter()
            .map(|r| (r, false))
            .chain(sg.egress.iter().map(|r| (r, true)))
            .filter(|(r, _)| r.rule_id.is_none())
            .map(|(r, egress)| {
                format!(
                    "{} ({})",
                    r.position,
                    rule_text(r.protocol, r.ports, &r.peer, egress)
                )
            })
            .collect();
        if !unnamed.is_empty() {
            st.warnings.push(format!(
                "`{}`: {}: no `SecurityGroupRules` item in `{}` for {} (snapshots taken at different times?): named by position",
                sg.origin.file,
                resource("security group", &gid),
                parts[0].origin.file,
                unnamed.join(", ")
            ));
        }
    }
}
