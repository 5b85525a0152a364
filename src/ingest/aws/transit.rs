//! Transit gateways: `describe-transit-gateways`,
//! `describe-transit-gateway-attachments`, the VPC and peering attachment
//! documents (joined with the attachments in `finish`),
//! `describe-transit-gateway-route-tables`, and the project's
//! `TransitGatewayRouteTableContents` document: a route table's
//! associations, propagations and routes, which the AWS CLI prints without
//! the table's ID.

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::raw::Ctx;
use crate::ingest::common::Net;
use crate::ingest::error::IngestError;
use crate::ingest::state::{State, TgwContents, TgwPart, merge};
use crate::model::{
    RouteDest, TgwAssociation, TgwAttachment, TgwPeer, TgwPeering, TgwResourceType, TgwRoute,
    TgwRouteState, TgwRouteTable, TgwRouteTarget, TgwRouteType, TgwTableLink, TgwVpcAttachment,
    TransitGateway,
};

/// An AWS `enable` / `disable` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Toggle(bool);

impl<'de> Deserialize<'de> for Toggle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "enable" => Ok(Toggle(true)),
            "disable" => Ok(Toggle(false)),
            _ => Err(de::Error::custom(format!(
                "invalid value `{s}`: expected `enable` or `disable`"
            ))),
        }
    }
}

fn on(t: Option<Toggle>) -> bool {
    t.is_some_and(|t| t.0)
}

/// A `ResourceType`, never refused: a type this model does not know is kept as printed.
#[derive(Clone, Debug)]
struct ResType(TgwResourceType);

impl<'de> Deserialize<'de> for ResType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ResType(TgwResourceType::parse(&String::deserialize(d)?)))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TgwDto {
    transit_gateway_id: String,
    owner_id: Option<String>,
    state: Option<String>,
    options: Option<TgwOptionsDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TgwOptionsDto {
    amazon_side_asn: Option<u64>,
    default_route_table_association: Option<Toggle>,
    association_default_route_table_id: Option<String>,
    default_route_table_propagation: Option<Toggle>,
    propagation_default_route_table_id: Option<String>,
    security_group_referencing_support: Option<Toggle>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TgwAttachmentDto {
    transit_gateway_attachment_id: String,
    transit_gateway_id: String,
    resource_type: ResType,
    resource_id: Option<String>,
    resource_owner_id: Option<String>,
    state: Option<String>,
    association: Option<AssociationDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssociationDto {
    transit_gateway_route_table_id: String,
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TgwVpcAttachmentDto {
    transit_gateway_attachment_id: String,
    transit_gateway_id: String,
    vpc_id: String,
    vpc_owner_id: Option<String>,
    state: Option<String>,
    #[serde(default)]
    subnet_ids: Vec<String>,
    options: Option<VpcAttachmentOptionsDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VpcAttachmentOptionsDto {
    dns_support: Option<Toggle>,
    security_group_referencing_support: Option<Toggle>,
    ipv6_support: Option<Toggle>,
    appliance_mode_support: Option<Toggle>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TgwPeeringDto {
    transit_gateway_attachment_id: String,
    requester_tgw_info: PeerDto,
    accepter_tgw_info: PeerDto,
    state: Option<String>,
    status: Option<StatusDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PeerDto {
    transit_gateway_id: String,
    owner_id: Option<String>,
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StatusDto {
    code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TgwRouteTableDto {
    transit_gateway_route_table_id: String,
    transit_gateway_id: String,
    state: Option<String>,
    #[serde(default)]
    default_association_route_table: bool,
    #[serde(default)]
    default_propagation_route_table: bool,
}

/// An item of the project's `TransitGatewayRouteTableContents` document.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TgwContentsDto {
    transit_gateway_route_table_id: String,
    /// `get-transit-gateway-route-table-associations`'s `Associations`.
    associations: Option<Vec<LinkDto>>,
    /// `get-transit-gateway-route-table-propagations`'s `TransitGatewayRouteTablePropagations`.
    propagations: Option<Vec<LinkDto>>,
    /// `search-transit-gateway-routes`'s `Routes`.
    routes: Option<Vec<TgwRouteDto>>,
    /// `search-transit-gateway-routes`'s `AdditionalRoutesAvailable`.
    #[serde(default)]
    additional_routes_available: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LinkDto {
    transit_gateway_attachment_id: String,
    resource_id: Option<String>,
    resource_type: Option<ResType>,
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TgwRouteDto {
    destination_cidr_block: Option<Net>,
    prefix_list_id: Option<String>,
    r#type: RouteTypeDto,
    state: RouteStateDto,
    #[serde(default)]
    transit_gateway_attachments: Vec<RouteAttachmentDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RouteTypeDto {
    Static,
    Propagated,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RouteStateDto {
    Active,
    Blackhole,
    Pending,
    Deleting,
    Deleted,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RouteAttachmentDto {
    transit_gateway_attachment_id: String,
    resource_id: Option<String>,
    resource_type: Option<ResType>,
}

fn state(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn res_type(t: Option<ResType>) -> TgwResourceType {
    t.map_or(TgwResourceType::Other(String::new()), |t| t.0)
}

pub(super) fn lower_tgw(st: &mut State, cx: &Ctx, d: TgwDto) {
    let o = d.options;
    let o = o.as_ref();
    let tgw = TransitGateway {
        id: d.transit_gateway_id.clone(),
        owner: d.owner_id,
        state: state(d.state),
        asn: o.and_then(|o| o.amazon_side_asn),
        default_association: on(o.and_then(|o| o.default_route_table_association)),
        association_default_table: o.and_then(|o| o.association_default_route_table_id.clone()),
        default_propagation: on(o.and_then(|o| o.default_route_table_propagation)),
        propagation_default_table: o.and_then(|o| o.propagation_default_route_table_id.clone()),
        sg_referencing: on(o.and_then(|o| o.security_group_referencing_support)),
        origin: cx.origin.clone(),
    };
    let id = d.transit_gateway_id;
    merge(
        &mut st.net.transit_gateways,
        &mut st.warnings,
        "transit gateway",
        &id,
        tgw,
    );
}

pub(super) fn lower_attachment(st: &mut State, cx: &Ctx, d: TgwAttachmentDto) {
    let a = TgwAttachment {
        id: d.transit_gateway_attachment_id.clone(),
        tgw: d.transit_gateway_id,
        resource_type: d.resource_type.0,
        resource_id: d.resource_id,
        resource_owner: d.resource_owner_id,
        state: state(d.state),
        association: d.association.map(|a| TgwAssociation {
            route_table: a.transit_gateway_route_table_id,
            state: state(a.state),
        }),
        vpc: None,
        peering: None,
        origin: cx.origin.clone(),
    };
    let id = d.transit_gateway_attachment_id;
    merge(
        &mut st.net.tgw_attachments,
        &mut st.warnings,
        "transit gateway attachment",
        &id,
        a,
    );
}

pub(super) fn lower_vpc_attachment(st: &mut State, cx: &Ctx, d: TgwVpcAttachmentDto) {
    let o = d.options;
    let o = o.as_ref();
    st.tgw.vpc.push(TgwPart {
        resource: cx.res.to_string(),
        attachment: d.transit_gateway_attachment_id,
        tgw: d.transit_gateway_id,
        state: d.state,
        item: TgwVpcAttachment {
            vpc: d.vpc_id,
            vpc_owner: d.vpc_owner_id,
            subnets: d.subnet_ids,
            appliance_mode: on(o.and_then(|o| o.appliance_mode_support)),
            ipv6: on(o.and_then(|o| o.ipv6_support)),
            sg_referencing: on(o.and_then(|o| o.security_group_referencing_support)),
            dns: on(o.and_then(|o| o.dns_support)),
            origin: cx.origin.clone(),
        },
    });
}

pub(super) fn lower_peering_attachment(st: &mut State, cx: &Ctx, d: TgwPeeringDto) {
    let peer = |p: PeerDto| TgwPeer {
        tgw: p.transit_gateway_id,
        owner: p.owner_id,
        region: p.region,
    };
    let requester = peer(d.requester_tgw_info);
    st.tgw.peering.push(TgwPart {
        resource: cx.res.to_string(),
        attachment: d.transit_gateway_attachment_id,
        tgw: requester.tgw.clone(),
        state: d.state,
        item: TgwPeering {
            requester,
            accepter: peer(d.accepter_tgw_info),
            status: d.status.and_then(|s| s.code),
            origin: cx.origin.clone(),
        },
    });
}

pub(super) fn lower_route_table(st: &mut State, cx: &Ctx, d: TgwRouteTableDto) {
    let rt = TgwRouteTable {
        id: d.transit_gateway_route_table_id.clone(),
        tgw: d.transit_gateway_id,
        state: state(d.state),
        default_association: d.default_association_route_table,
        default_propagation: d.default_propagation_route_table,
        associations: None,
        propagations: None,
        routes: None,
        routes_truncated: false,
        origin: cx.origin.clone(),
        contents_origin: None,
    };
    let id = d.transit_gateway_route_table_id;
    merge(
        &mut st.net.tgw_route_tables,
        &mut st.warnings,
        "transit gateway route table",
        &id,
        rt,
    );
}

fn links(list: Option<Vec<LinkDto>>) -> Option<Vec<TgwTableLink>> {
    list.map(|l| {
        l.into_iter()
            .map(|a| TgwTableLink {
                attachment: a.transit_gateway_attachment_id,
                resource_type: res_type(a.resource_type),
                resource_id: a.resource_id,
                state: state(a.state),
            })
            .collect()
    })
}

pub(super) fn lower_contents(
    st: &mut State,
    cx: &Ctx,
    d: TgwContentsDto,
) -> Result<(), IngestError> {
    let routes = match d.routes {
        None => None,
        Some(list) => {
            let mut out = Vec::new();
            for (i, r) in list.into_iter().enumerate() {
                let dest = match (r.destination_cidr_block, r.prefix_list_id) {
                    (Some(c), _) => RouteDest::Cidr(c.0),
                    (None, Some(p)) => RouteDest::PrefixList(p),
                    (None, None) => {
                        return Err(cx.err(
                            format!("Routes[{i}].DestinationCidrBlock"),
                            "missing (nor `PrefixListId`)",
                        ));
                    }
                };
                let state = match r.state {
                    RouteStateDto::Active => TgwRouteState::Active,
                    RouteStateDto::Blackhole => TgwRouteState::Blackhole,
                    RouteStateDto::Pending => TgwRouteState::Pending,
                    RouteStateDto::Deleting => TgwRouteState::Deleting,
                    RouteStateDto::Deleted => TgwRouteState::Deleted,
                };
                if state == TgwRouteState::Active && r.transit_gateway_attachments.is_empty() {
                    return Err(cx.err(
                        format!("Routes[{i}].TransitGatewayAttachments"),
                        "empty: an active route sends to an attachment",
                    ));
                }
                out.push(TgwRoute {
                    dest,
                    kind: match r.r#type {
                        RouteTypeDto::Static => TgwRouteType::Static,
                        RouteTypeDto::Propagated => TgwRouteType::Propagated,
                    },
                    state,
                    targets: r
                        .transit_gateway_attachments
                        .into_iter()
                        .map(|a| TgwRouteTarget {
                            attachment: a.transit_gateway_attachment_id,
                            resource_type: res_type(a.resource_type),
                            resource_id: a.resource_id,
                        })
                        .collect(),
                });
            }
            Some(out)
        }
    };
    st.tgw.contents.push(TgwContents {
        origin: cx.origin.clone(),
        resource: cx.res.to_string(),
        table: d.transit_gateway_route_table_id,
        associations: links(d.associations),
        propagations: links(d.propagations),
        routes,
        truncated: d.additional_routes_available,
    });
    Ok(())
}
