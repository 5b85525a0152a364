//! Transit gateways, their attachments and route tables, VPN connections
//! and gateways.

use serde_json::{Map, Value, json};

use crate::model::{Network, RouteDest, TgwRouteState, TgwRouteType, TgwTableLink};

/// Transit gateways, their attachments (and VPC and peering details), route
/// tables with what the `TransitGatewayRouteTableContents` wrapper holds,
/// VPN connections and gateways: as the AWS readers take them.
pub(super) fn transit_docs(net: &Network, docs: &mut Vec<(String, Value)>) {
    gateways(net, docs);
    attachments(net, docs);
    route_tables(net, docs);
    vpn(net, docs);
}

/// `enable` / `disable`, as transit gateway options are written.
fn toggle(b: bool) -> &'static str {
    if b { "enable" } else { "disable" }
}

/// `describe-transit-gateways`.
fn gateways(net: &Network, docs: &mut Vec<(String, Value)>) {
    if !net.transit_gateways.is_empty() {
        docs.push((
            "transit-gateways.json".into(),
            json!({"TransitGateways": net.transit_gateways.values().map(|g| {
                let mut o = Map::new();
                if let Some(a) = g.asn { o.insert("AmazonSideAsn".into(), json!(a)); }
                o.insert("DefaultRouteTableAssociation".into(), json!(toggle(g.default_association)));
                if let Some(t) = &g.association_default_table { o.insert("AssociationDefaultRouteTableId".into(), json!(t)); }
                o.insert("DefaultRouteTablePropagation".into(), json!(toggle(g.default_propagation)));
                if let Some(t) = &g.propagation_default_table { o.insert("PropagationDefaultRouteTableId".into(), json!(t)); }
                o.insert("SecurityGroupReferencingSupport".into(), json!(toggle(g.sg_referencing)));
                let mut m = Map::new();
                m.insert("TransitGatewayId".into(), json!(g.id));
                if let Some(w) = &g.owner { m.insert("OwnerId".into(), json!(w)); }
                m.insert("State".into(), json!(g.state));
                m.insert("Options".into(), Value::Object(o));
                Value::Object(m)
            }).collect::<Vec<_>>()}),
        ));
    }
}

/// `describe-transit-gateway-attachments`, its VPC and peering details.
fn attachments(net: &Network, docs: &mut Vec<(String, Value)>) {
    if !net.tgw_attachments.is_empty() {
        docs.push((
            "transit-gateway-attachments.json".into(),
            json!({"TransitGatewayAttachments": net.tgw_attachments.values().map(|a| {
                let mut m = Map::new();
                m.insert("TransitGatewayAttachmentId".into(), json!(a.id));
                m.insert("TransitGatewayId".into(), json!(a.tgw));
                m.insert("ResourceType".into(), json!(a.resource_type.name()));
                if let Some(r) = &a.resource_id { m.insert("ResourceId".into(), json!(r)); }
                if let Some(o) = &a.resource_owner { m.insert("ResourceOwnerId".into(), json!(o)); }
                m.insert("State".into(), json!(a.state));
                if let Some(x) = &a.association {
                    m.insert("Association".into(), json!({"TransitGatewayRouteTableId": x.route_table, "State": x.state}));
                }
                Value::Object(m)
            }).collect::<Vec<_>>()}),
        ));
        docs.push((
            "transit-gateway-vpc-attachments.json".into(),
            json!({"TransitGatewayVpcAttachments": net.tgw_attachments.values().filter_map(|a| a.vpc.as_ref().map(|v| {
                let mut m = Map::new();
                m.insert("TransitGatewayAttachmentId".into(), json!(a.id));
                m.insert("TransitGatewayId".into(), json!(a.tgw));
                m.insert("VpcId".into(), json!(v.vpc));
                if let Some(o) = &v.vpc_owner { m.insert("VpcOwnerId".into(), json!(o)); }
                m.insert("State".into(), json!(a.state));
                m.insert("SubnetIds".into(), json!(v.subnets));
                m.insert("Options".into(), json!({
                    "DnsSupport": toggle(v.dns),
                    "SecurityGroupReferencingSupport": toggle(v.sg_referencing),
                    "Ipv6Support": toggle(v.ipv6),
                    "ApplianceModeSupport": toggle(v.appliance_mode),
                }));
                Value::Object(m)
            })).collect::<Vec<_>>()}),
        ));
        let peers: Vec<Value> = net
            .tgw_attachments
            .values()
            .filter_map(|a| {
                a.peering.as_ref().map(|p| {
                    let side = |x: &crate::model::TgwPeer| {
                        let mut m = Map::new();
                        m.insert("TransitGatewayId".into(), json!(x.tgw));
                        if let Some(o) = &x.owner {
                            m.insert("OwnerId".into(), json!(o));
                        }
                        if let Some(r) = &x.region {
                            m.insert("Region".into(), json!(r));
                        }
                        Value::Object(m)
                    };
                    let mut m = Map::new();
                    m.insert("TransitGatewayAttachmentId".into(), json!(a.id));
                    m.insert("RequesterTgwInfo".into(), side(&p.requester));
                    m.insert("AccepterTgwInfo".into(), side(&p.accepter));
                    m.insert("State".into(), json!(a.state));
                    if let Some(c) = &p.status {
                        m.insert("Status".into(), json!({"Code": c}));
                    }
                    Value::Object(m)
                })
            })
            .collect();
        if !peers.is_empty() {
            docs.push((
                "transit-gateway-peering-attachments.json".into(),
                json!({"TransitGatewayPeeringAttachments": peers}),
            ));
        }
    }
}

/// `describe-transit-gateway-route-tables` and the
/// `TransitGatewayRouteTableContents` wrapper.
fn route_tables(net: &Network, docs: &mut Vec<(String, Value)>) {
    if !net.tgw_route_tables.is_empty() {
        docs.push((
            "transit-gateway-route-tables.json".into(),
            json!({"TransitGatewayRouteTables": net.tgw_route_tables.values().map(|t| json!({
                "TransitGatewayRouteTableId": t.id,
                "TransitGatewayId": t.tgw,
                "State": t.state,
                "DefaultAssociationRouteTable": t.default_association,
                "DefaultPropagationRouteTable": t.default_propagation,
            })).collect::<Vec<_>>()}),
        ));
        let link = |l: &TgwTableLink| {
            let mut m = Map::new();
            m.insert("TransitGatewayAttachmentId".into(), json!(l.attachment));
            if let Some(r) = &l.resource_id {
                m.insert("ResourceId".into(), json!(r));
            }
            m.insert("ResourceType".into(), json!(l.resource_type.name()));
            m.insert("State".into(), json!(l.state));
            Value::Object(m)
        };
        let contents: Vec<Value> = net
            .tgw_route_tables
            .values()
            .filter(|t| t.associations.is_some() || t.propagations.is_some() || t.routes.is_some())
            .map(|t| {
                let mut m = Map::new();
                m.insert("TransitGatewayRouteTableId".into(), json!(t.id));
                if let Some(a) = &t.associations {
                    m.insert(
                        "Associations".into(),
                        json!(a.iter().map(link).collect::<Vec<_>>()),
                    );
                }
                if let Some(p) = &t.propagations {
                    m.insert(
                        "Propagations".into(),
                        json!(p.iter().map(link).collect::<Vec<_>>()),
                    );
                }
                if let Some(rs) = &t.routes {
                    m.insert(
                        "Routes".into(),
                        json!(
                            rs.iter()
                                .map(|r| {
                                    let mut x = Map::new();
                                    match &r.dest {
                                        RouteDest::Cidr(c) => x.insert(
                                            "DestinationCidrBlock".into(),
                                            json!(c.to_string()),
                                        ),
                                        RouteDest::PrefixList(p) => {
                                            x.insert("PrefixListId".into(), json!(p))
                                        }
                                    };
                                    x.insert(
                                        "TransitGatewayAttachments".into(),
                                        json!(
                                            r.targets
                                                .iter()
                                                .map(|a| {
                                                    let mut y = Map::new();
                                                    y.insert(
                                                        "TransitGatewayAttachmentId".into(),
                                                        json!(a.attachment),
                                                    );
                                                    if let Some(id) = &a.resource_id {
                                                        y.insert("ResourceId".into(), json!(id));
                                                    }
                                                    y.insert(
                                                        "ResourceType".into(),
                                                        json!(a.resource_type.name()),
                                                    );
                                                    Value::Object(y)
                                                })
                                                .collect::<Vec<_>>()
                                        ),
                                    );
                                    x.insert(
                                        "Type".into(),
                                        json!(match r.kind {
                                            TgwRouteType::Static => "static",
                                            TgwRouteType::Propagated => "propagated",
                                        }),
                                    );
                                    x.insert(
                                        "State".into(),
                                        json!(match r.state {
                                            TgwRouteState::Active => "active",
                                            other => other.name(),
                                        }),
                                    );
                                    Value::Object(x)
                                })
                                .collect::<Vec<_>>()
                        ),
                    );
                    m.insert(
                        "AdditionalRoutesAvailable".into(),
                        json!(t.routes_truncated),
                    );
                }
                Value::Object(m)
            })
            .collect();
        docs.push((
            "tgw-route-table-contents.json".into(),
            json!({"TransitGatewayRouteTableContents": contents}),
        ));
    }
}

/// `describe-vpn-connections`, `describe-vpn-gateways`.
fn vpn(net: &Network, docs: &mut Vec<(String, Value)>) {
    if !net.vpn_connections.is_empty() {
        docs.push((
            "vpn-connections.json".into(),
            json!({"VpnConnections": net.vpn_connections.values().map(|v| {
                let mut m = Map::new();
                m.insert("VpnConnectionId".into(), json!(v.id));
                m.insert("State".into(), json!(v.state));
                if let Some(g) = &v.vpn_gateway { m.insert("VpnGatewayId".into(), json!(g)); }
                if let Some(g) = &v.transit_gateway { m.insert("TransitGatewayId".into(), json!(g)); }
                if let Some(g) = &v.customer_gateway { m.insert("CustomerGatewayId".into(), json!(g)); }
                m.insert("Options".into(), json!({
                    "StaticRoutesOnly": v.static_routes_only,
                    "TunnelOptions": v.tunnels.iter().map(|t| json!({"OutsideIpAddress": t.outside_ip.to_string()})).collect::<Vec<_>>(),
                }));
                m.insert("Routes".into(), json!(v.routes.iter().map(|r| json!({
                    "DestinationCidrBlock": r.dest.to_string(), "Source": "Static", "State": r.state,
                })).collect::<Vec<_>>()));
                m.insert("VgwTelemetry".into(), json!(v.tunnels.iter().filter_map(|t| t.status.as_ref().map(|s| json!({
                    "OutsideIpAddress": t.outside_ip.to_string(), "Status": s,
                }))).collect::<Vec<_>>()));
                Value::Object(m)
            }).collect::<Vec<_>>()}),
        ));
    }
    if !net.vpn_gateways.is_empty() {
        docs.push((
            "vpn-gateways.json".into(),
            json!({"VpnGateways": net.vpn_gateways.values().map(|g| {
                let mut m = Map::new();
                m.insert("VpnGatewayId".into(), json!(g.id));
                m.insert("State".into(), json!(g.state));
                if let Some(k) = &g.kind { m.insert("Type".into(), json!(k)); }
                if let Some(a) = g.asn { m.insert("AmazonSideAsn".into(), json!(a)); }
                m.insert("VpcAttachments".into(), json!(g.attachments.iter().map(|a| json!({"VpcId": a.vpc, "State": a.state})).collect::<Vec<_>>()));
                Value::Object(m)
            }).collect::<Vec<_>>()}),
        ));
    }
}
