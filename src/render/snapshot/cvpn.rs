//! Client VPN endpoints, target networks, routes and authorization rules.

use serde_json::{Map, Value, json};

use crate::model::{ClientVpnAuthType, Network};

/// The Client VPN documents, when the network has an endpoint.
pub(super) fn cvpn_docs(net: &Network, docs: &mut Vec<(String, Value)>) {
    if !net.client_vpn_endpoints.is_empty() {
        let eps = net.client_vpn_endpoints.values();
        docs.push((
            "client-vpn-endpoints.json".into(),
            json!({"ClientVpnEndpoints": eps.clone().map(|e| json!({
                "ClientVpnEndpointId": e.id,
                "VpcId": e.vpc,
                "ClientCidrBlock": e.client_cidr.to_string(),
                "SplitTunnel": e.split_tunnel,
                "Status": {"Code": e.status},
                "SecurityGroupIds": e.security_groups,
                "AuthenticationOptions": e.auth.iter().map(|a| json!({"Type": match a {
                    ClientVpnAuthType::Certificate => "certificate-authentication",
                    ClientVpnAuthType::Directory => "directory-service-authentication",
                    ClientVpnAuthType::Federated => "federated-authentication",
                }})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()}),
        ));
        docs.push((
            "client-vpn-target-networks.json".into(),
            json!({"ClientVpnTargetNetworks": eps.clone().flat_map(|e| e.associations.iter().map(move |a| json!({
                "AssociationId": a.id, "TargetNetworkId": a.subnet, "ClientVpnEndpointId": e.id, "VpcId": e.vpc, "Status": {"Code": a.status},
            }))).collect::<Vec<_>>()}),
        ));
        docs.push((
            "client-vpn-routes.json".into(),
            json!({"Routes": eps.clone().flat_map(|e| e.routes.iter().map(move |r| {
                let mut m = Map::new();
                m.insert("ClientVpnEndpointId".into(), json!(e.id));
                m.insert("DestinationCidr".into(), json!(r.dest.to_string()));
                m.insert("TargetSubnet".into(), json!(r.target_subnet));
                m.insert("Type".into(), json!("Nat"));
                m.insert("Status".into(), json!({"Code": r.status}));
                if let Some(o) = &r.origin { m.insert("Origin".into(), json!(o)); }
                Value::Object(m)
            })).collect::<Vec<_>>()}),
        ));
        docs.push((
            "client-vpn-authorization-rules.json".into(),
            json!({"AuthorizationRules": eps.flat_map(|e| e.auth_rules.iter().map(move |r| {
                let mut m = Map::new();
                m.insert("ClientVpnEndpointId".into(), json!(e.id));
                m.insert("DestinationCidr".into(), json!(r.dest.to_string()));
                if let Some(g) = &r.group { m.insert("GroupId".into(), json!(g)); }
                m.insert("AccessAll".into(), json!(r.access_all));
                m.insert("Status".into(), json!({"Code": r.status}));
                if let Some(d) = &r.description { m.insert("Description".into(), json!(d)); }
                Value::Object(m)
            })).collect::<Vec<_>>()}),
        ));
    }
}
