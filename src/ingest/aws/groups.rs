//! Security groups (`SecurityGroups`) and the `sgr-…` IDs of their rules
//! (`SecurityGroupRules`, attached to the rules in `finish`).

use serde::Deserialize;

use super::raw::Ctx;
use crate::ingest::common::{Net, Proto, TagDto, rule_ports, tag_map};
use crate::ingest::error::IngestError;
use crate::ingest::state::{GroupRef, GroupRefs, SgRuleIdPart, State, merge};
use crate::model::{Peer, SecurityGroup, SgRule};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SecurityGroupDto {
    group_id: String,
    group_name: Option<String>,
    vpc_id: String,
    owner_id: Option<String>,
    #[serde(default)]
    ip_permissions: Vec<PermissionDto>,
    #[serde(default)]
    ip_permissions_egress: Vec<PermissionDto>,
    #[serde(default, alias = "TagSet")]
    tags: Vec<TagDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PermissionDto {
    ip_protocol: Proto,
    from_port: Option<i64>,
    to_port: Option<i64>,
    #[serde(default)]
    ip_ranges: Vec<IpRangeDto>,
    #[serde(default)]
    ipv6_ranges: Vec<Ipv6RangeDto>,
    #[serde(default)]
    prefix_list_ids: Vec<PrefixListIdDto>,
    #[serde(default)]
    user_id_group_pairs: Vec<GroupPairDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IpRangeDto {
    cidr_ip: Net,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ipv6RangeDto {
    cidr_ipv6: Net,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PrefixListIdDto {
    prefix_list_id: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupPairDto {
    group_id: String,
    user_id: Option<String>,
    description: Option<String>,
}

/// An item of `describe-security-group-rules`: one rule with its `sgr-…` ID.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SgRuleIdDto {
    security_group_rule_id: String,
    group_id: String,
    is_egress: bool,
    ip_protocol: Proto,
    from_port: Option<i64>,
    to_port: Option<i64>,
    cidr_ipv4: Option<Net>,
    cidr_ipv6: Option<Net>,
    prefix_list_id: Option<String>,
    referenced_group_info: Option<ReferencedGroupDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReferencedGroupDto {
    group_id: String,
}

/// A security group converted to the model, its references to other
/// groups kept for `finish` (no state: done in parallel).
pub(super) type ConvertedGroup = Result<(SecurityGroup, GroupRefs), IngestError>;

pub(super) fn convert_security_group(cx: &Ctx, d: SecurityGroupDto) -> ConvertedGroup {
    let mut refs = GroupRefs {
        owner: d.owner_id.clone(),
        refs: Vec::new(),
    };
    let mut lower_dir =
        |perms: Vec<PermissionDto>, key: &str| -> Result<Vec<SgRule>, IngestError> {
            let mut rules = Vec::new();
            for (i, p) in perms.into_iter().enumerate() {
                let protocol = p.ip_protocol.0;
                let ports = rule_ports(protocol, p.from_port, p.to_port)
                    .map_err(|m| cx.err(format!("{key}[{i}].FromPort"), m))?;
                // Each peer is one rule, named by its path in the group's item.
                let mut push = |peer: Peer, description: Option<String>, list: &str, j: usize| {
                    rules.push(SgRule {
                        protocol,
                        ports,
                        peer,
                        description,
                        rule_id: None,
                        position: format!("{key}[{i}].{list}[{j}]"),
                    });
                };
                for (j, r) in p.ip_ranges.into_iter().enumerate() {
                    push(Peer::Cidr(r.cidr_ip.0), r.description, "IpRanges", j);
                }
                for (j, r) in p.ipv6_ranges.into_iter().enumerate() {
                    push(Peer::Cidr(r.cidr_ipv6.0), r.description, "Ipv6Ranges", j);
                }
                for (j, r) in p.prefix_list_ids.into_iter().enumerate() {
                    push(
                        Peer::PrefixList(r.prefix_list_id),
                        r.description,
                        "PrefixListIds",
                        j,
                    );
                }
                for (j, r) in p.user_id_group_pairs.into_iter().enumerate() {
                    refs.refs.push(GroupRef {
                        field: format!("{key}[{i}].UserIdGroupPairs[{j}].GroupId"),
                        group: r.group_id.clone(),
                        user: r.user_id,
                    });
                    push(
                        Peer::Group(r.group_id),
                        r.description,
                        "UserIdGroupPairs",
                        j,
                    );
                }
            }
            Ok(rules)
        };
    let ingress = lower_dir(d.ip_permissions, "IpPermissions")?;
    let egress = lower_dir(d.ip_permissions_egress, "IpPermissionsEgress")?;
    let sg = SecurityGroup {
        id: d.group_id.clone(),
        name: d.group_name.unwrap_or_default(),
        vpc: d.vpc_id,
        ingress,
        egress,
        tags: tag_map(d.tags),
        origin: cx.origin.clone(),
    };
    Ok((sg, refs))
}

/// A converted security group into the state (or its conversion's error).
pub(super) fn insert_security_group(st: &mut State, g: ConvertedGroup) -> Result<(), IngestError> {
    let (sg, refs) = g?;
    let id = sg.id.clone();
    merge(
        &mut st.net.security_groups,
        &mut st.warnings,
        "security group",
        &id,
        sg,
    );
    st.group_refs.insert(id, refs);
    Ok(())
}

/// A `SecurityGroupRules` item, kept to name its group's rule in `finish`.
pub(super) fn lower_sg_rule_id(
    st: &mut State,
    cx: &Ctx,
    d: SgRuleIdDto,
) -> Result<(), IngestError> {
    let protocol = d.ip_protocol.0;
    let ports = rule_ports(protocol, d.from_port, d.to_port).map_err(|m| cx.err("FromPort", m))?;
    let mut peers = Vec::new();
    if let Some(Net(n)) = d.cidr_ipv4 {
        if !matches!(n, ipnet::IpNet::V4(_)) {
            return Err(cx.err("CidrIpv4", format!("`{n}` is not an ipv4 cidr")));
        }
        peers.push(("CidrIpv4", Peer::Cidr(n)));
    }
    if let Some(Net(n)) = d.cidr_ipv6 {
        if !matches!(n, ipnet::IpNet::V6(_)) {
            return Err(cx.err("CidrIpv6", format!("`{n}` is not an ipv6 cidr")));
        }
        peers.push(("CidrIpv6", Peer::Cidr(n)));
    }
    if let Some(pl) = d.prefix_list_id {
        peers.push(("PrefixListId", Peer::PrefixList(pl)));
    }
    if let Some(g) = d.referenced_group_info {
        peers.push(("ReferencedGroupInfo", Peer::Group(g.group_id)));
    }
    let peer = match peers.len() {
        0 => {
            return Err(cx.err(
                "CidrIpv4",
                "missing (nor `CidrIpv6`, `PrefixListId`, `ReferencedGroupInfo`): a rule has one peer",
            ));
        }
        1 => peers.remove(0).1,
        _ => {
            return Err(cx.err(
                peers[1].0,
                format!("a rule has one peer, and `{}` is given too", peers[0].0),
            ));
        }
    };
    st.sg_rule_ids.push(SgRuleIdPart {
        origin: cx.origin.clone(),
        id: d.security_group_rule_id,
        group: d.group_id,
        egress: d.is_egress,
        protocol,
        ports,
        peer,
    });
    Ok(())
}
