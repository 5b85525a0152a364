//! VPCs and what routes and filters within them: subnets, route tables,
//! network ACLs, internet and egress-only gateways, peering connections,
//! prefix lists and their entries.

use serde::Deserialize;

use super::raw::Ctx;
use crate::ingest::common::{Net, Proto, TagDto, aws_ports, icmp_part, push_unique, tag_map};
use crate::ingest::error::IngestError;
use crate::ingest::state::{State, merge};
use crate::model::{
    Action, InternetGateway, NaclEntry, NetworkAcl, Peering, PortMatch, PrefixList, Route,
    RouteDest, RouteOrigin, RouteState, RouteTable, Subnet, Target, Vpc,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StateDto {
    state: Option<String>,
}

fn associated(s: &Option<StateDto>) -> bool {
    s.as_ref()
        .and_then(|s| s.state.as_deref())
        .is_none_or(|s| s == "associated")
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CidrAssocDto {
    cidr_block: Net,
    cidr_block_state: Option<StateDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ipv6AssocDto {
    ipv6_cidr_block: Net,
    ipv6_cidr_block_state: Option<StateDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct VpcDto {
    vpc_id: String,
    cidr_block: Option<Net>,
    #[serde(default)]
    cidr_block_association_set: Vec<CidrAssocDto>,
    #[serde(default)]
    ipv6_cidr_block_association_set: Vec<Ipv6AssocDto>,
    #[serde(default, alias = "TagSet")]
    tags: Vec<TagDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SubnetDto {
    subnet_id: String,
    vpc_id: String,
    cidr_block: Option<Net>,
    #[serde(default)]
    ipv6_cidr_block_association_set: Vec<Ipv6AssocDto>,
    availability_zone: Option<String>,
    #[serde(default, alias = "TagSet")]
    tags: Vec<TagDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RouteTableDto {
    route_table_id: String,
    vpc_id: String,
    #[serde(default)]
    associations: Vec<RtAssocDto>,
    #[serde(default)]
    routes: Vec<RouteDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RtAssocDto {
    #[serde(default)]
    main: bool,
    subnet_id: Option<String>,
    gateway_id: Option<String>,
    association_state: Option<StateDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RouteDto {
    destination_cidr_block: Option<Net>,
    destination_ipv6_cidr_block: Option<Net>,
    destination_prefix_list_id: Option<String>,
    gateway_id: Option<String>,
    nat_gateway_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    transit_gateway_id: Option<String>,
    network_interface_id: Option<String>,
    instance_id: Option<String>,
    egress_only_internet_gateway_id: Option<String>,
    local_gateway_id: Option<String>,
    carrier_gateway_id: Option<String>,
    core_network_arn: Option<String>,
    state: Option<String>,
    origin: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct NaclDto {
    network_acl_id: String,
    vpc_id: String,
    #[serde(default)]
    is_default: bool,
    #[serde(default)]
    associations: Vec<NaclAssocDto>,
    #[serde(default)]
    entries: Vec<NaclEntryDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NaclAssocDto {
    subnet_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NaclEntryDto {
    rule_number: i64,
    egress: bool,
    protocol: Proto,
    rule_action: String,
    cidr_block: Option<Net>,
    ipv6_cidr_block: Option<Net>,
    port_range: Option<PortRangeDto>,
    icmp_type_code: Option<IcmpTypeCodeDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PortRangeDto {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IcmpTypeCodeDto {
    r#type: Option<i64>,
    code: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct IgwDto {
    internet_gateway_id: Option<String>,
    egress_only_internet_gateway_id: Option<String>,
    #[serde(default)]
    attachments: Vec<IgwAttachmentDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IgwAttachmentDto {
    state: Option<String>,
    vpc_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PeeringDto {
    vpc_peering_connection_id: String,
    requester_vpc_info: PeeringVpcDto,
    accepter_vpc_info: PeeringVpcDto,
    status: Option<PeeringStatusDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PeeringVpcDto {
    vpc_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PeeringStatusDto {
    code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PrefixListDto {
    prefix_list_id: String,
    prefix_list_name: Option<String>,
    owner_id: Option<String>,
    address_family: Option<String>,
    cidrs: Option<Vec<Net>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PlEntriesDto {
    prefix_list_id: String,
    #[serde(default)]
    entries: Vec<PlEntryDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PlEntryDto {
    cidr: Net,
}

pub(super) fn lower_vpc(st: &mut State, cx: &Ctx, d: VpcDto) -> Result<(), IngestError> {
    let mut cidrs = Vec::new();
    if let Some(c) = d.cidr_block {
        cidrs.push(c.0);
    }
    for a in d
        .cidr_block_association_set
        .iter()
        .filter(|a| associated(&a.cidr_block_state))
    {
        push_unique(&mut cidrs, a.cidr_block.0);
    }
    for a in d
        .ipv6_cidr_block_association_set
        .iter()
        .filter(|a| associated(&a.ipv6_cidr_block_state))
    {
        push_unique(&mut cidrs, a.ipv6_cidr_block.0);
    }
    if cidrs.is_empty() {
        return Err(cx.err("CidrBlock", "missing"));
    }
    let vpc = Vpc {
        id: d.vpc_id.clone(),
        cidrs,
        tags: tag_map(d.tags),
        origin: cx.origin.clone(),
    };
    merge(&mut st.net.vpcs, &mut st.warnings, "vpc", &d.vpc_id, vpc);
    Ok(())
}

pub(super) fn lower_subnet(st: &mut State, cx: &Ctx, d: SubnetDto) -> Result<(), IngestError> {
    let mut cidrs = Vec::new();
    if let Some(c) = d.cidr_block {
        cidrs.push(c.0);
    }
    for a in d
        .ipv6_cidr_block_association_set
        .iter()
        .filter(|a| associated(&a.ipv6_cidr_block_state))
    {
        push_unique(&mut cidrs, a.ipv6_cidr_block.0);
    }
    if cidrs.is_empty() {
        return Err(cx.err("CidrBlock", "missing"));
    }
    let s = Subnet {
        id: d.subnet_id.clone(),
        vpc: d.vpc_id,
        cidrs,
        az: d.availability_zone,
        tags: tag_map(d.tags),
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.subnets,
        &mut st.warnings,
        "subnet",
        &d.subnet_id,
        s,
    );
    Ok(())
}

pub(super) fn lower_route_table(
    st: &mut State,
    cx: &Ctx,
    d: RouteTableDto,
) -> Result<(), IngestError> {
    let mut main = false;
    let mut subnets = Vec::new();
    let mut gateways = Vec::new();
    for a in d
        .associations
        .iter()
        .filter(|a| associated(&a.association_state))
    {
        main |= a.main;
        if let Some(s) = &a.subnet_id {
            push_unique(&mut subnets, s.clone());
        }
        if let Some(g) = &a.gateway_id {
            push_unique(&mut gateways, g.clone());
        }
    }
    let mut routes = Vec::new();
    for (i, r) in d.routes.into_iter().enumerate() {
        let dest = if let Some(c) = r.destination_cidr_block.or(r.destination_ipv6_cidr_block) {
            RouteDest::Cidr(c.0)
        } else if let Some(p) = r.destination_prefix_list_id {
            RouteDest::PrefixList(p)
        } else {
            return Err(cx.err(
                format!("Routes[{i}].DestinationCidrBlock"),
                "missing (nor `DestinationIpv6CidrBlock` or `DestinationPrefixListId`)",
            ));
        };
        let target = [
            r.gateway_id,
            r.nat_gateway_id,
            r.vpc_peering_connection_id,
            r.transit_gateway_id,
            r.network_interface_id,
            r.instance_id,
            r.egress_only_internet_gateway_id,
            r.local_gateway_id,
            r.carrier_gateway_id,
            r.core_network_arn,
        ]
        .into_iter()
        .flatten()
        .next()
        .ok_or_else(|| {
            cx.err(
                format!("Routes[{i}].GatewayId"),
                "missing: the route has no target",
            )
        })?;
        let state = if r.state.as_deref() == Some("blackhole") {
            RouteState::Blackhole
        } else {
            RouteState::Active
        };
        let origin = match r.origin.as_deref() {
            Some("EnableVgwRoutePropagation") => RouteOrigin::Propagated,
            _ => RouteOrigin::Static,
        };
        routes.push(Route {
            dest,
            target: Target::from_id(&target),
            state,
            origin,
        });
    }
    let rt = RouteTable {
        id: d.route_table_id.clone(),
        vpc: d.vpc_id,
        main,
        subnets,
        gateways,
        routes,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.route_tables,
        &mut st.warnings,
        "route table",
        &d.route_table_id,
        rt,
    );
    Ok(())
}

/// Rule numbers 32767 (IPv4) and 32768 (IPv6) are AWS's implicit `*` deny.
const FIRST_IMPLICIT_RULE: i64 = 32767;

pub(super) fn lower_nacl(st: &mut State, cx: &Ctx, d: NaclDto) -> Result<(), IngestError> {
    let mut inbound = Vec::new();
    let mut outbound = Vec::new();
    for (i, e) in d.entries.into_iter().enumerate() {
        // 32767 (IPv4) and 32768 (IPv6) are AWS's implicit `*` deny-all entries.
        let everything = e
            .cidr_block
            .as_ref()
            .or(e.ipv6_cidr_block.as_ref())
            .is_some_and(|c| c.0.prefix_len() == 0);
        if (e.rule_number == FIRST_IMPLICIT_RULE || e.rule_number == FIRST_IMPLICIT_RULE + 1)
            && e.rule_action.eq_ignore_ascii_case("deny")
            && everything
        {
            continue;
        }
        let number = u16::try_from(e.rule_number)
            .ok()
            .filter(|n| (1..FIRST_IMPLICIT_RULE as u16).contains(n))
            .ok_or_else(|| {
                cx.err(
                    format!("Entries[{i}].RuleNumber"),
                    format!(
                        "invalid rule number `{}`: network ACL rules are numbered 1-32766",
                        e.rule_number
                    ),
                )
            })?;
        let action = match e.rule_action.to_ascii_lowercase().as_str() {
            "allow" => Action::Allow,
            "deny" => Action::Deny,
            other => {
                return Err(cx.err(
                    format!("Entries[{i}].RuleAction"),
                    format!("invalid action `{other}`: expected `allow` or `deny`"),
                ));
            }
        };
        let cidr = e
            .cidr_block
            .or(e.ipv6_cidr_block)
            .ok_or_else(|| {
                cx.err(
                    format!("Entries[{i}].CidrBlock"),
                    "missing (nor `Ipv6CidrBlock`)",
                )
            })?
            .0;
        let protocol = e.protocol.0;
        let ports = if protocol.has_ports() {
            match e.port_range {
                Some(r) => aws_ports(r.from, r.to)
                    .map_err(|m| cx.err(format!("Entries[{i}].PortRange"), m))?,
                None => PortMatch::Ports { from: 0, to: 65535 },
            }
        } else if protocol.is_icmp() {
            match e.icmp_type_code {
                Some(t) => PortMatch::Icmp {
                    icmp_type: icmp_part(t.r#type)
                        .map_err(|m| cx.err(format!("Entries[{i}].IcmpTypeCode.Type"), m))?,
                    code: icmp_part(t.code)
                        .map_err(|m| cx.err(format!("Entries[{i}].IcmpTypeCode.Code"), m))?,
                },
                None => PortMatch::Icmp {
                    icmp_type: None,
                    code: None,
                },
            }
        } else {
            PortMatch::Any
        };
        let entry = NaclEntry {
            number,
            action,
            protocol,
            cidr,
            ports,
            source: None,
        };
        if e.egress {
            outbound.push(entry);
        } else {
            inbound.push(entry);
        }
    }
    inbound.sort_by_key(|e| e.number);
    outbound.sort_by_key(|e| e.number);
    for s in d.associations.iter().filter_map(|a| a.subnet_id.as_deref()) {
        st.set_nacl_of_subnet(s, &d.network_acl_id, cx.file);
    }
    let acl = NetworkAcl {
        id: d.network_acl_id.clone(),
        vpc: d.vpc_id,
        is_default: d.is_default,
        inbound,
        outbound,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.network_acls,
        &mut st.warnings,
        "network acl",
        &d.network_acl_id,
        acl,
    );
    Ok(())
}

pub(super) fn lower_igw(
    st: &mut State,
    cx: &Ctx,
    g: IgwDto,
    egress_only: bool,
    kind: &str,
) -> Result<(), IngestError> {
    let id = if egress_only {
        g.egress_only_internet_gateway_id
    } else {
        g.internet_gateway_id
    };
    let Some(id) = id else {
        let f = if egress_only {
            "EgressOnlyInternetGatewayId"
        } else {
            "InternetGatewayId"
        };
        return Err(cx.err(f, "missing"));
    };
    let vpcs = g
        .attachments
        .into_iter()
        .filter(|a| {
            a.state
                .as_deref()
                .is_none_or(|s| s == "available" || s == "attached")
        })
        .map(|a| a.vpc_id)
        .collect();
    let igw = InternetGateway {
        id: id.clone(),
        vpcs,
        egress_only,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.internet_gateways,
        &mut st.warnings,
        kind,
        &id,
        igw,
    );
    Ok(())
}

pub(super) fn lower_peering(st: &mut State, cx: &Ctx, p: PeeringDto, kind: &str) {
    let peering = Peering {
        id: p.vpc_peering_connection_id.clone(),
        requester_vpc: p.requester_vpc_info.vpc_id,
        accepter_vpc: p.accepter_vpc_info.vpc_id,
        status: p.status.map(|s| s.code).unwrap_or_else(|| "unknown".into()),
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.peerings,
        &mut st.warnings,
        kind,
        &p.vpc_peering_connection_id,
        peering,
    );
}

/// `describe-managed-prefix-lists` names lists, `describe-prefix-lists` also
/// gives `Cidrs`: the two are combined rather than one replacing the other.
pub(super) fn lower_prefix_list(st: &mut State, cx: &Ctx, d: PrefixListDto) {
    let family = match d.address_family.as_deref() {
        Some(f) if f.eq_ignore_ascii_case("ipv4") => Some(4),
        Some(f) if f.eq_ignore_ascii_case("ipv6") => Some(6),
        _ => None,
    };
    let entries = d
        .cidrs
        .map(|c| c.into_iter().map(|n| n.0).collect::<Vec<_>>());
    match st.net.prefix_lists.get_mut(&d.prefix_list_id) {
        Some(pl) => {
            if d.prefix_list_name.is_some() {
                pl.name = d.prefix_list_name;
            }
            if d.owner_id.is_some() {
                pl.owner = d.owner_id;
            }
            if family.is_some() {
                pl.family = family;
            }
            if let Some(e) = entries {
                if pl.entries.as_ref().is_some_and(|old| *old != e) {
                    st.warnings.push(format!(
                        "`{}`: {}: entries replace those from `{}`, which differ",
                        cx.file, cx.res, pl.origin.file
                    ));
                }
                pl.entries = Some(e);
                pl.origin = cx.origin.clone();
            }
        }
        None => {
            let pl = PrefixList {
                id: d.prefix_list_id.clone(),
                name: d.prefix_list_name,
                owner: d.owner_id,
                family,
                entries,
                origin: cx.origin.clone(),
            };
            st.net.prefix_lists.insert(d.prefix_list_id, pl);
        }
    }
}

/// `ManagedPrefixListEntries`: a list's entries, set on it in `finish`.
pub(super) fn lower_pl_entries(st: &mut State, cx: &Ctx, p: PlEntriesDto) {
    let entries = p.entries.into_iter().map(|e| e.cidr.0).collect();
    st.pl_entries
        .insert(p.prefix_list_id, (cx.origin.clone(), entries));
}
