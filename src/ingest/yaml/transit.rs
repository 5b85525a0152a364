//! The `transit_gateways` (with their attachments and route tables),
//! `vpn_connections` and `vpn_gateways` sections.
//!
//! An attachment names its associated table (`route_table`) and the tables
//! it propagates to (`propagate_to`); the tables' association and
//! propagation lists are made from them. A VPC attachment propagating to a
//! table implies a propagated route per CIDR of its VPC (IPv6 ones with
//! `ipv6: true`), as AWS adds them; routes learned otherwise (BGP over a
//! VPN) are written with `propagated: true`.

use super::cx::Cx;
use super::model::{Model, StateY, TgwAttachmentY, TgwRouteTableY, TgwY};
use crate::ingest::error::{IngestError, resource};
use crate::ingest::state::{State, merge};
use crate::model::{
    RouteDest, TgwAssociation, TgwAttachment, TgwPeer, TgwPeering, TgwResourceType, TgwRoute,
    TgwRouteState, TgwRouteTable, TgwRouteTarget, TgwRouteType, TgwTableLink, TgwVpcAttachment,
    TransitGateway, VpnConnection, VpnGateway, VpnGatewayAttachment, VpnStaticRoute, VpnTunnel,
};

const AVAILABLE: &str = "available";

/// Every section of this family in `m`; a present section counts as loaded.
pub(super) fn lower_sections(st: &mut State, cx: &Cx, m: &Model) -> Result<(), IngestError> {
    if m.transit_gateways.is_some() {
        st.loaded.transit_gateways = true;
        st.loaded.tgw_attachments = true;
        st.loaded.tgw_route_tables = true;
    }
    if m.vpn_connections.is_some() {
        st.loaded.vpn_connections = true;
    }
    if m.vpn_gateways.is_some() {
        st.loaded.vpn_gateways = true;
    }
    for t in m.transit_gateways.iter().flatten() {
        lower_tgw(st, cx, t)?;
    }
    lower_vpn(st, cx, m);
    Ok(())
}

/// The attachment's kind and resource, from the one key it has.
fn kind_of(
    cx: &Cx,
    res: &str,
    a: &TgwAttachmentY,
) -> Result<(TgwResourceType, String), IngestError> {
    let kinds = [
        ("vpc", TgwResourceType::Vpc, &a.vpc),
        ("vpn", TgwResourceType::Vpn, &a.vpn),
        (
            "direct_connect_gateway",
            TgwResourceType::DirectConnectGateway,
            &a.direct_connect_gateway,
        ),
        ("peering", TgwResourceType::Peering, &a.peering),
        ("connect", TgwResourceType::Connect, &a.connect),
    ];
    let given: Vec<_> = kinds
        .into_iter()
        .filter_map(|(k, t, v)| v.as_ref().map(|v| (k, t, v.clone())))
        .collect();
    match given.as_slice() {
        [(_, t, v)] => Ok((t.clone(), v.clone())),
        [] => Err(cx.err(
            res,
            "vpc",
            "missing: an attachment has one of `vpc`, `vpn`, `direct_connect_gateway`, `peering`, `connect`",
        )),
        [(k1, ..), (k2, ..), ..] => Err(cx.err(
            res,
            *k2,
            format!("an attachment has one of `vpc`, `vpn`, `direct_connect_gateway`, `peering`, `connect`; this one also has `{k1}`"),
        )),
    }
}

fn lower_tgw(st: &mut State, cx: &Cx, t: &TgwY) -> Result<(), IngestError> {
    let res = resource("transit gateway", &t.id);
    let has_table = |id: &str| t.route_tables.iter().any(|r| r.id == id);
    for (field, table) in [
        ("default_association_table", &t.default_association_table),
        ("default_propagation_table", &t.default_propagation_table),
    ] {
        if let Some(id) = table.as_deref().filter(|id| !has_table(id)) {
            return Err(cx.unknown(&res, field, "transit gateway route table", id));
        }
    }
    let tgw = TransitGateway {
        id: t.id.clone(),
        owner: t.owner.clone(),
        state: t.state.clone().unwrap_or_else(|| AVAILABLE.into()),
        asn: t.asn,
        default_association: t.default_association_table.is_some(),
        association_default_table: t.default_association_table.clone(),
        default_propagation: t.default_propagation_table.is_some(),
        propagation_default_table: t.default_propagation_table.clone(),
        sg_referencing: t.security_group_referencing,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.transit_gateways,
        &mut st.warnings,
        "transit gateway",
        &t.id,
        tgw,
    );
    // Attachments, with what each table lists of them.
    let mut links: Vec<Link> = Vec::new();
    for a in &t.attachments {
        links.push(lower_attachment(st, cx, t, a)?);
    }
    for r in &t.route_tables {
        lower_table(st, cx, t, r, &links)?;
    }
    Ok(())
}

/// An attachment as a table lists it, the table it is associated with and
/// the tables it propagates to.
type Link<'y> = (TgwTableLink, Option<&'y str>, &'y [String]);

/// One attachment of transit gateway `t`, merged into the network.
fn lower_attachment<'y>(
    st: &mut State,
    cx: &Cx,
    t: &TgwY,
    a: &'y TgwAttachmentY,
) -> Result<Link<'y>, IngestError> {
    let has_table = |id: &str| t.route_tables.iter().any(|r| r.id == id);
    let res = resource("transit gateway attachment", &a.id);
    let (kind, rid) = kind_of(cx, &res, a)?;
    if kind != TgwResourceType::Vpc && !a.subnets.is_empty() {
        return Err(cx.err(&res, "subnets", "only a vpc attachment has subnets"));
    }
    if let Some(id) = a.route_table.as_deref().filter(|id| !has_table(id)) {
        return Err(cx.unknown(&res, "route_table", "transit gateway route table", id));
    }
    if let Some(id) = a.propagate_to.iter().find(|id| !has_table(id)) {
        return Err(cx.unknown(&res, "propagate_to", "transit gateway route table", id));
    }
    let vpc = (kind == TgwResourceType::Vpc).then(|| TgwVpcAttachment {
        vpc: rid.clone(),
        vpc_owner: None,
        subnets: a.subnets.clone(),
        appliance_mode: a.appliance_mode,
        ipv6: a.ipv6,
        sg_referencing: a.security_group_referencing.unwrap_or(true),
        dns: a.dns.unwrap_or(true),
        origin: cx.origin.clone(),
    });
    let peering = (kind == TgwResourceType::Peering).then(|| TgwPeering {
        requester: TgwPeer {
            tgw: t.id.clone(),
            owner: t.owner.clone(),
            region: None,
        },
        accepter: TgwPeer {
            tgw: rid.clone(),
            owner: a.peer_owner.clone(),
            region: a.peer_region.clone(),
        },
        status: None,
        origin: cx.origin.clone(),
    });
    let att = TgwAttachment {
        id: a.id.clone(),
        tgw: t.id.clone(),
        resource_type: kind.clone(),
        resource_id: Some(rid.clone()),
        resource_owner: None,
        state: a.state.clone().unwrap_or_else(|| AVAILABLE.into()),
        association: a.route_table.as_ref().map(|rt| TgwAssociation {
            route_table: rt.clone(),
            state: "associated".into(),
        }),
        vpc,
        peering,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.tgw_attachments,
        &mut st.warnings,
        "transit gateway attachment",
        &a.id,
        att,
    );
    let link = TgwTableLink {
        attachment: a.id.clone(),
        resource_type: kind,
        resource_id: Some(rid),
        state: String::new(),
    };
    Ok((link, a.route_table.as_deref(), &a.propagate_to))
}

/// One route table of transit gateway `t`, with the associations and
/// propagations its attachments name and the routes they imply.
fn lower_table(
    st: &mut State,
    cx: &Cx,
    t: &TgwY,
    r: &TgwRouteTableY,
    links: &[Link],
) -> Result<(), IngestError> {
    let res = resource("transit gateway route table", &r.id);
    let mut routes = table_routes(cx, &res, r, links)?;
    let with_state = |l: &TgwTableLink, state: &str| TgwTableLink {
        state: state.into(),
        ..l.clone()
    };
    let associations: Vec<TgwTableLink> = links
        .iter()
        .filter(|(_, rt, _)| *rt == Some(r.id.as_str()))
        .map(|(l, ..)| with_state(l, "associated"))
        .collect();
    let propagations: Vec<TgwTableLink> = links
        .iter()
        .filter(|(_, _, to)| to.contains(&r.id))
        .map(|(l, ..)| with_state(l, "enabled"))
        .collect();
    for p in &propagations {
        implied_routes(st, &p.attachment, &mut routes);
    }
    let table = TgwRouteTable {
        id: r.id.clone(),
        tgw: t.id.clone(),
        state: AVAILABLE.into(),
        default_association: t.default_association_table.as_ref() == Some(&r.id),
        default_propagation: t.default_propagation_table.as_ref() == Some(&r.id),
        associations: Some(associations),
        propagations: Some(propagations),
        routes: Some(routes),
        routes_truncated: false,
        origin: cx.origin.clone(),
        contents_origin: None,
    };
    merge(
        &mut st.net.tgw_route_tables,
        &mut st.warnings,
        "transit gateway route table",
        &r.id,
        table,
    );
    Ok(())
}

/// The routes table `r` writes.
fn table_routes(
    cx: &Cx,
    res: &str,
    r: &TgwRouteTableY,
    links: &[Link],
) -> Result<Vec<TgwRoute>, IngestError> {
    let mut routes = Vec::new();
    for (i, y) in r.routes.iter().enumerate() {
        let state = match y.state {
            StateY::Active => TgwRouteState::Active,
            StateY::Blackhole => TgwRouteState::Blackhole,
        };
        let ids = y
            .attachment
            .as_ref()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        if state == TgwRouteState::Active && ids.is_empty() {
            return Err(cx.err(
                res,
                format!("routes[{i}].attachment"),
                "missing: an active route sends to an attachment (or `state: blackhole`)",
            ));
        }
        let targets = ids
            .into_iter()
            .map(|id| {
                let of = links.iter().find(|(l, ..)| l.attachment == id);
                TgwRouteTarget {
                    resource_type: of.map_or(TgwResourceType::Other(String::new()), |(l, ..)| {
                        l.resource_type.clone()
                    }),
                    resource_id: of.and_then(|(l, ..)| l.resource_id.clone()),
                    attachment: id,
                }
            })
            .collect();
        routes.push(TgwRoute {
            dest: y.dest.0.clone(),
            kind: if y.propagated {
                TgwRouteType::Propagated
            } else {
                TgwRouteType::Static
            },
            state,
            targets,
        });
    }
    Ok(routes)
}

/// The propagated routes a VPC attachment implies: its VPC's CIDRs (IPv6
/// only with IPv6 support), unless the table writes them.
fn implied_routes(st: &State, attachment: &str, routes: &mut Vec<TgwRoute>) {
    let Some(a) = st.net.tgw_attachments.get(attachment) else {
        return;
    };
    let Some(v) = &a.vpc else { return };
    let Some(vpc) = st.net.vpcs.get(&v.vpc) else {
        return; // an error once references are checked
    };
    for c in vpc.cidrs.iter().filter(|c| v.ipv6 || c.addr().is_ipv4()) {
        let dest = RouteDest::Cidr(*c);
        if routes
            .iter()
            .any(|r| r.dest == dest && r.kind == TgwRouteType::Propagated)
        {
            continue;
        }
        routes.push(TgwRoute {
            dest,
            kind: TgwRouteType::Propagated,
            state: TgwRouteState::Active,
            targets: vec![TgwRouteTarget {
                attachment: a.id.clone(),
                resource_type: TgwResourceType::Vpc,
                resource_id: Some(v.vpc.clone()),
            }],
        });
    }
}

fn lower_vpn(st: &mut State, cx: &Cx, m: &Model) {
    for v in m.vpn_connections.iter().flatten() {
        let vpn = VpnConnection {
            id: v.id.clone(),
            state: v.state.clone().unwrap_or_else(|| AVAILABLE.into()),
            vpn_gateway: v.vpn_gateway.clone(),
            transit_gateway: v.transit_gateway.clone(),
            customer_gateway: v.customer_gateway.clone(),
            static_routes_only: v.static_routes_only,
            routes: v
                .routes
                .iter()
                .map(|r| VpnStaticRoute {
                    dest: r.0,
                    state: AVAILABLE.into(),
                })
                .collect(),
            tunnels: v
                .tunnels
                .iter()
                .map(|t| VpnTunnel {
                    outside_ip: t.ip.0,
                    status: t.status.clone(),
                })
                .collect(),
            origin: cx.origin.clone(),
        };
        merge(
            &mut st.net.vpn_connections,
            &mut st.warnings,
            "vpn connection",
            &v.id,
            vpn,
        );
    }
    for g in m.vpn_gateways.iter().flatten() {
        let vgw = VpnGateway {
            id: g.id.clone(),
            state: g.state.clone().unwrap_or_else(|| AVAILABLE.into()),
            kind: Some("ipsec.1".into()),
            asn: g.asn,
            attachments: g
                .vpc
                .iter()
                .map(|v| VpnGatewayAttachment {
                    vpc: v.clone(),
                    state: "attached".into(),
                })
                .collect(),
            origin: cx.origin.clone(),
        };
        merge(
            &mut st.net.vpn_gateways,
            &mut st.warnings,
            "vpn gateway",
            &g.id,
            vgw,
        );
    }
}
