//! Client VPN: endpoints, and their target networks, routes and
//! authorization rules, each read from its own document and attached to its
//! endpoint in `finish`.

use serde::Deserialize;

use super::raw::Ctx;
use crate::ingest::common::{Net, push_unique};
use crate::ingest::error::IngestError;
use crate::ingest::state::{CvpnPart, State, merge};
use crate::model::{
    ClientVpnAssociation, ClientVpnAuthRule, ClientVpnAuthType, ClientVpnEndpoint, ClientVpnRoute,
};

/// `Status: {Code, Message}` of the Client VPN describe calls.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StatusCodeDto {
    code: Option<String>,
}

/// `Status.Code`, `unknown` when absent.
fn status_code(s: Option<StatusCodeDto>) -> String {
    s.and_then(|s| s.code)
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CvpnEndpointDto {
    client_vpn_endpoint_id: String,
    vpc_id: String,
    client_cidr_block: Net,
    #[serde(default)]
    split_tunnel: bool,
    status: Option<StatusCodeDto>,
    security_group_ids: Option<Vec<String>>,
    authentication_options: Option<Vec<CvpnAuthOptionDto>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CvpnAuthOptionDto {
    r#type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CvpnTargetNetworkDto {
    association_id: String,
    target_network_id: String,
    client_vpn_endpoint_id: String,
    status: Option<StatusCodeDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CvpnRouteDto {
    client_vpn_endpoint_id: String,
    destination_cidr: Net,
    /// `local` for a client-to-client route (the API reference does not
    /// document what `describe-client-vpn-routes` prints there; `local`,
    /// what `create-client-vpn-route` takes, and `Type: local` are both read).
    target_subnet: Option<String>,
    r#type: Option<String>,
    status: Option<StatusCodeDto>,
    origin: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CvpnAuthRuleDto {
    client_vpn_endpoint_id: String,
    destination_cidr: Net,
    group_id: Option<String>,
    #[serde(default)]
    access_all: bool,
    status: Option<StatusCodeDto>,
    description: Option<String>,
}

pub(super) fn lower_endpoint(
    st: &mut State,
    cx: &Ctx,
    d: CvpnEndpointDto,
) -> Result<(), IngestError> {
    let mut auth = Vec::new();
    for (i, a) in d.authentication_options.iter().flatten().enumerate() {
        let t = match a.r#type.as_str() {
            "certificate-authentication" => ClientVpnAuthType::Certificate,
            "directory-service-authentication" => ClientVpnAuthType::Directory,
            "federated-authentication" => ClientVpnAuthType::Federated,
            other => {
                return Err(cx.err(
                    format!("AuthenticationOptions[{i}].Type"),
                    format!(
                        "invalid authentication type `{other}`: expected `certificate-authentication`, \
                         `directory-service-authentication` or `federated-authentication`"
                    ),
                ));
            }
        };
        push_unique(&mut auth, t);
    }
    let id = d.client_vpn_endpoint_id;
    let security_groups = d.security_group_ids.unwrap_or_default();
    if security_groups.is_empty() {
        st.cvpn.default_sg.insert(id.clone());
    }
    let ep = ClientVpnEndpoint {
        id: id.clone(),
        vpc: d.vpc_id,
        client_cidr: d.client_cidr_block.0,
        split_tunnel: d.split_tunnel,
        status: status_code(d.status),
        security_groups,
        auth,
        associations: Vec::new(),
        routes: Vec::new(),
        auth_rules: Vec::new(),
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.client_vpn_endpoints,
        &mut st.warnings,
        "client vpn endpoint",
        &id,
        ep,
    );
    Ok(())
}

pub(super) fn lower_target_network(st: &mut State, cx: &Ctx, d: CvpnTargetNetworkDto) {
    st.cvpn.associations.push(CvpnPart {
        origin: cx.origin.clone(),
        resource: cx.res.to_string(),
        endpoint: d.client_vpn_endpoint_id,
        item: ClientVpnAssociation {
            id: d.association_id,
            subnet: d.target_network_id,
            status: status_code(d.status),
            interface: None,
        },
    });
}

pub(super) fn lower_route(st: &mut State, cx: &Ctx, d: CvpnRouteDto) -> Result<(), IngestError> {
    let local = d
        .r#type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("local"))
        || d.target_subnet
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("local"));
    let target_subnet = match d.target_subnet.filter(|t| !t.is_empty()) {
        _ if local => "local".to_string(),
        Some(t) => t,
        None => return Err(cx.err("TargetSubnet", "missing")),
    };
    st.cvpn.routes.push(CvpnPart {
        origin: cx.origin.clone(),
        resource: cx.res.to_string(),
        endpoint: d.client_vpn_endpoint_id,
        item: ClientVpnRoute {
            dest: d.destination_cidr.0,
            target_subnet,
            status: status_code(d.status),
            origin: d.origin.filter(|o| !o.is_empty()),
        },
    });
    Ok(())
}

pub(super) fn lower_auth_rule(st: &mut State, cx: &Ctx, d: CvpnAuthRuleDto) {
    st.cvpn.rules.push(CvpnPart {
        origin: cx.origin.clone(),
        resource: cx.res.to_string(),
        endpoint: d.client_vpn_endpoint_id,
        item: ClientVpnAuthRule {
            dest: d.destination_cidr.0,
            access_all: d.access_all,
            group: d.group_id.filter(|g| !g.is_empty()),
            status: status_code(d.status),
            description: d.description.filter(|s| !s.is_empty()),
        },
    });
}
