//! Hybrid edges: `describe-vpn-connections` (Site-to-Site VPN, to a virtual
//! private gateway or a transit gateway) and `describe-vpn-gateways`.

use serde::Deserialize;

use super::raw::Ctx;
use crate::ingest::common::{Ip, Net};
use crate::ingest::state::{State, merge};
use crate::model::{VpnConnection, VpnGateway, VpnGatewayAttachment, VpnStaticRoute, VpnTunnel};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct VpnConnectionDto {
    vpn_connection_id: String,
    state: Option<String>,
    vpn_gateway_id: Option<String>,
    transit_gateway_id: Option<String>,
    customer_gateway_id: Option<String>,
    options: Option<VpnOptionsDto>,
    #[serde(default)]
    routes: Vec<VpnRouteDto>,
    #[serde(default)]
    vgw_telemetry: Vec<TelemetryDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VpnOptionsDto {
    #[serde(default)]
    static_routes_only: bool,
    #[serde(default)]
    tunnel_options: Vec<TunnelOptionDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TunnelOptionDto {
    outside_ip_address: Option<Ip>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VpnRouteDto {
    destination_cidr_block: Net,
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TelemetryDto {
    outside_ip_address: Option<Ip>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct VpnGatewayDto {
    vpn_gateway_id: String,
    state: Option<String>,
    r#type: Option<String>,
    amazon_side_asn: Option<u64>,
    #[serde(default)]
    vpc_attachments: Vec<VgwAttachmentDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VgwAttachmentDto {
    vpc_id: String,
    state: Option<String>,
}

fn state(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

pub(super) fn lower_vpn_connection(st: &mut State, cx: &Ctx, d: VpnConnectionDto) {
    let (static_routes_only, tunnel_options) = match d.options {
        Some(o) => (o.static_routes_only, o.tunnel_options),
        None => (false, Vec::new()),
    };
    // The tunnels' outside addresses, from the options, then telemetry; the
    // status from telemetry.
    let mut tunnels: Vec<VpnTunnel> = tunnel_options
        .into_iter()
        .filter_map(|t| t.outside_ip_address)
        .map(|ip| VpnTunnel {
            outside_ip: ip.0,
            status: None,
        })
        .collect();
    for t in d.vgw_telemetry {
        let Some(ip) = t.outside_ip_address else {
            continue;
        };
        match tunnels.iter_mut().find(|x| x.outside_ip == ip.0) {
            Some(x) => x.status = t.status,
            None => tunnels.push(VpnTunnel {
                outside_ip: ip.0,
                status: t.status,
            }),
        }
    }
    let vpn = VpnConnection {
        id: d.vpn_connection_id.clone(),
        state: state(d.state),
        vpn_gateway: d.vpn_gateway_id,
        transit_gateway: d.transit_gateway_id,
        customer_gateway: d.customer_gateway_id,
        static_routes_only,
        routes: d
            .routes
            .into_iter()
            .map(|r| VpnStaticRoute {
                dest: r.destination_cidr_block.0,
                state: state(r.state),
            })
            .collect(),
        tunnels,
        origin: cx.origin.clone(),
    };
    let id = d.vpn_connection_id;
    merge(
        &mut st.net.vpn_connections,
        &mut st.warnings,
        "vpn connection",
        &id,
        vpn,
    );
}

pub(super) fn lower_vpn_gateway(st: &mut State, cx: &Ctx, d: VpnGatewayDto) {
    let vgw = VpnGateway {
        id: d.vpn_gateway_id.clone(),
        state: state(d.state),
        kind: d.r#type,
        asn: d.amazon_side_asn,
        attachments: d
            .vpc_attachments
            .into_iter()
            .map(|a| VpnGatewayAttachment {
                vpc: a.vpc_id,
                state: state(a.state),
            })
            .collect(),
        origin: cx.origin.clone(),
    };
    let id = d.vpn_gateway_id;
    merge(
        &mut st.net.vpn_gateways,
        &mut st.warnings,
        "vpn gateway",
        &id,
        vgw,
    );
}
