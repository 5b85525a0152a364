//! AWS CLI JSON (`aws ec2 describe-* --output json`): which document a
//! top-level key is, and the dispatch of each item to its family's lowering
//! (`vpc`, `interfaces`, `groups`, `cvpn`, `va`, `transit`, `vpn`).
//!
//! A document is recognised by its top-level keys. No DOM is built: each
//! array item's raw text is scanned once for its ID (used in messages), then
//! deserialized through `serde_path_to_error` so a bad field is named exactly.

mod cvpn;
mod groups;
mod interfaces;
mod raw;
mod transit;
mod va;
mod vpc;
mod vpn;

use std::sync::Arc;

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::error::{IngestError, field_err, one_line, resource};
use super::state::State;
use crate::model::{Origin, Skipped};
use raw::{Ctx, Top, string_field};

/// Parses one JSON document and lowers what it holds into `st`.
pub(crate) fn add_document(st: &mut State, file: &Arc<str>, text: &str) -> Result<(), IngestError> {
    let parse_err = |e: serde_json::Error| IngestError::Parse {
        file: file.to_string(),
        message: format!("invalid json: {}", one_line(&e.to_string())),
    };
    if !text.trim_start().starts_with('{') {
        // Report malformed JSON as such; well-formed non-objects are the wrong document.
        serde_json::from_str::<IgnoredAny>(text).map_err(parse_err)?;
        return Err(IngestError::Parse {
            file: file.to_string(),
            message: "expected a json object at the top (the output of `aws ec2 describe-*`)"
                .into(),
        });
    }
    let Top(map) = serde_json::from_str(text).map_err(parse_err)?;
    let origin = Origin::new(file.clone());
    let f: &str = file;
    let has_more_routes = map.iter().any(|(k, _)| k == "AdditionalRoutesAvailable");
    for (key, value) in &map {
        if key == "NextToken" || key == "ResponseMetadata" {
            continue;
        }
        if key == "ReachFetch" {
            add_fetch_manifest(st, f, value)?;
            continue;
        }
        let list: Option<Vec<&RawValue>> = serde_json::from_str(value.get()).ok();
        let kind = Kind::of(key).filter(|k| {
            !matches!(k, Kind::ClientVpnRoutes)
                || is_client_vpn_routes(has_more_routes, list.as_deref())
        });
        let Some(kind) = kind else {
            let count = match &list {
                Some(a) => a.len(),
                None if value.get().trim() == "null" => 0,
                None => 1,
            };
            st.net.skipped.push(Skipped {
                file: file.clone(),
                kind: key.clone(),
                count,
            });
            continue;
        };
        let Some(items) = list else {
            return Err(field_err(f, "document", key, "expected a list"));
        };
        for (i, item) in items.iter().enumerate() {
            let id = kind.id_field().and_then(|f| string_field(item, f));
            let res = match id {
                Some(id) => resource(kind.name(), &id),
                None => format!("{key}[{i}]"),
            };
            let ctx = Ctx {
                file: f,
                origin: &origin,
                res: &res,
            };
            kind.lower(st, &ctx, item)?;
        }
        kind.mark_loaded(st);
    }
    Ok(())
}

/// `reach-fetch.json`, the manifest `reach fetch` writes beside a snapshot
/// (`{"ReachFetch": {..., "Warnings": [...]}}`): not a resource document;
/// its warnings (calls denied or unsupported, so the snapshot lacks what they
/// return) become load warnings.
fn add_fetch_manifest(st: &mut State, file: &str, value: &RawValue) -> Result<(), IngestError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Manifest {
        region: Option<String>,
        #[serde(default)]
        warnings: Vec<String>,
    }
    let de = &mut serde_json::Deserializer::from_str(value.get());
    let m: Manifest = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = match e.path().to_string() {
            p if p == "." => "ReachFetch".to_owned(),
            p => format!("ReachFetch.{p}"),
        };
        field_err(file, "document", field, e.into_inner().to_string())
    })?;
    let region = m.region.map(|r| format!(" in `{r}`")).unwrap_or_default();
    for w in m.warnings {
        st.warnings
            .push(format!("`{file}`: reach fetch{region}: {}", one_line(&w)));
    }
    Ok(())
}

/// `Routes` is also what `search-transit-gateway-routes` (and the local
/// gateway one) print: a `Routes` document is Client VPN routes unless no
/// item has a `ClientVpnEndpointId` or it has `AdditionalRoutesAvailable`.
fn is_client_vpn_routes(has_more_routes: bool, items: Option<&[&RawValue]>) -> bool {
    if has_more_routes {
        return false;
    }
    match items {
        Some(items) => {
            items.is_empty()
                || items
                    .iter()
                    .any(|i| string_field(i, "ClientVpnEndpointId").is_some())
        }
        None => true,
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Vpcs,
    Subnets,
    RouteTables,
    SecurityGroups,
    SecurityGroupRules,
    NetworkAcls,
    NetworkInterfaces,
    Reservations,
    InternetGateways,
    EgressOnlyInternetGateways,
    NatGateways,
    VpcPeeringConnections,
    Addresses,
    PrefixLists,
    ManagedPrefixListEntries,
    ClientVpnEndpoints,
    ClientVpnTargetNetworks,
    ClientVpnRoutes,
    ClientVpnAuthorizationRules,
    VaInstances,
    VaTrustProviders,
    VaGroups,
    VaEndpoints,
    VaGroupPolicies,
    VaEndpointPolicies,
    TransitGateways,
    TgwAttachments,
    TgwVpcAttachments,
    TgwPeeringAttachments,
    TgwRouteTables,
    TgwRouteTableContents,
    VpnConnections,
    VpnGateways,
}

impl Kind {
    fn of(key: &str) -> Option<Kind> {
        Some(match key {
            "Vpcs" => Kind::Vpcs,
            "Subnets" => Kind::Subnets,
            "RouteTables" => Kind::RouteTables,
            "SecurityGroups" => Kind::SecurityGroups,
            "SecurityGroupRules" => Kind::SecurityGroupRules,
            "NetworkAcls" => Kind::NetworkAcls,
            "NetworkInterfaces" => Kind::NetworkInterfaces,
            "Reservations" => Kind::Reservations,
            "InternetGateways" => Kind::InternetGateways,
            "EgressOnlyInternetGateways" => Kind::EgressOnlyInternetGateways,
            "NatGateways" => Kind::NatGateways,
            "VpcPeeringConnections" => Kind::VpcPeeringConnections,
            "Addresses" => Kind::Addresses,
            "PrefixLists" => Kind::PrefixLists,
            "ManagedPrefixListEntries" => Kind::ManagedPrefixListEntries,
            "ClientVpnEndpoints" => Kind::ClientVpnEndpoints,
            "ClientVpnTargetNetworks" => Kind::ClientVpnTargetNetworks,
            "Routes" => Kind::ClientVpnRoutes,
            "AuthorizationRules" => Kind::ClientVpnAuthorizationRules,
            "VerifiedAccessInstances" => Kind::VaInstances,
            "VerifiedAccessTrustProviders" => Kind::VaTrustProviders,
            "VerifiedAccessGroups" => Kind::VaGroups,
            "VerifiedAccessEndpoints" => Kind::VaEndpoints,
            "VerifiedAccessGroupPolicies" => Kind::VaGroupPolicies,
            "VerifiedAccessEndpointPolicies" => Kind::VaEndpointPolicies,
            "TransitGateways" => Kind::TransitGateways,
            "TransitGatewayAttachments" => Kind::TgwAttachments,
            "TransitGatewayVpcAttachments" => Kind::TgwVpcAttachments,
            "TransitGatewayPeeringAttachments" => Kind::TgwPeeringAttachments,
            "TransitGatewayRouteTables" => Kind::TgwRouteTables,
            "TransitGatewayRouteTableContents" => Kind::TgwRouteTableContents,
            "VpnConnections" => Kind::VpnConnections,
            "VpnGateways" => Kind::VpnGateways,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Vpcs => "vpc",
            Kind::Subnets => "subnet",
            Kind::RouteTables => "route table",
            Kind::SecurityGroups => "security group",
            Kind::SecurityGroupRules => "security group rule",
            Kind::NetworkAcls => "network acl",
            Kind::NetworkInterfaces => "network interface",
            Kind::Reservations => "reservation",
            Kind::InternetGateways => "internet gateway",
            Kind::EgressOnlyInternetGateways => "egress-only internet gateway",
            Kind::NatGateways => "nat gateway",
            Kind::VpcPeeringConnections => "vpc peering connection",
            Kind::Addresses => "address",
            Kind::PrefixLists | Kind::ManagedPrefixListEntries => "prefix list",
            Kind::ClientVpnEndpoints => "client vpn endpoint",
            Kind::ClientVpnTargetNetworks => "client vpn association",
            Kind::ClientVpnRoutes => "client vpn route",
            Kind::ClientVpnAuthorizationRules => "client vpn authorization rule",
            Kind::VaInstances => "verified access instance",
            Kind::VaTrustProviders => "verified access trust provider",
            Kind::VaGroups => "verified access group",
            Kind::VaEndpoints => "verified access endpoint",
            Kind::VaGroupPolicies => "verified access group policy",
            Kind::VaEndpointPolicies => "verified access endpoint policy",
            Kind::TransitGateways => "transit gateway",
            Kind::TgwAttachments | Kind::TgwVpcAttachments | Kind::TgwPeeringAttachments => {
                "transit gateway attachment"
            }
            Kind::TgwRouteTables | Kind::TgwRouteTableContents => "transit gateway route table",
            Kind::VpnConnections => "vpn connection",
            Kind::VpnGateways => "vpn gateway",
        }
    }

    /// The field naming an item in messages; items without one are named `Key[index]`.
    fn id_field(self) -> Option<&'static str> {
        Some(match self {
            Kind::Vpcs => "VpcId",
            Kind::Subnets => "SubnetId",
            Kind::RouteTables => "RouteTableId",
            Kind::SecurityGroups => "GroupId",
            Kind::SecurityGroupRules => "SecurityGroupRuleId",
            Kind::NetworkAcls => "NetworkAclId",
            Kind::NetworkInterfaces => "NetworkInterfaceId",
            Kind::Reservations => "ReservationId",
            Kind::InternetGateways => "InternetGatewayId",
            Kind::EgressOnlyInternetGateways => "EgressOnlyInternetGatewayId",
            Kind::NatGateways => "NatGatewayId",
            Kind::VpcPeeringConnections => "VpcPeeringConnectionId",
            Kind::Addresses => "PublicIp",
            Kind::PrefixLists | Kind::ManagedPrefixListEntries => "PrefixListId",
            Kind::ClientVpnEndpoints => "ClientVpnEndpointId",
            Kind::ClientVpnTargetNetworks => "AssociationId",
            Kind::ClientVpnRoutes | Kind::ClientVpnAuthorizationRules => return None,
            Kind::VaInstances => "VerifiedAccessInstanceId",
            Kind::VaTrustProviders => "VerifiedAccessTrustProviderId",
            Kind::VaGroups | Kind::VaGroupPolicies => "VerifiedAccessGroupId",
            Kind::VaEndpoints | Kind::VaEndpointPolicies => "VerifiedAccessEndpointId",
            Kind::TransitGateways => "TransitGatewayId",
            Kind::TgwAttachments | Kind::TgwVpcAttachments | Kind::TgwPeeringAttachments => {
                "TransitGatewayAttachmentId"
            }
            Kind::TgwRouteTables | Kind::TgwRouteTableContents => "TransitGatewayRouteTableId",
            Kind::VpnConnections => "VpnConnectionId",
            Kind::VpnGateways => "VpnGatewayId",
        })
    }

    fn mark_loaded(self, st: &mut State) {
        match self {
            Kind::Vpcs => st.loaded.vpcs = true,
            Kind::Subnets => st.loaded.subnets = true,
            Kind::SecurityGroups => st.loaded.security_groups = true,
            Kind::ClientVpnTargetNetworks => st.loaded.cvpn_target_networks = true,
            Kind::ClientVpnRoutes => st.loaded.cvpn_routes = true,
            Kind::ClientVpnAuthorizationRules => st.loaded.cvpn_auth_rules = true,
            Kind::TransitGateways => st.loaded.transit_gateways = true,
            Kind::TgwAttachments | Kind::TgwVpcAttachments | Kind::TgwPeeringAttachments => {
                st.loaded.tgw_attachments = true;
            }
            Kind::TgwRouteTables => st.loaded.tgw_route_tables = true,
            Kind::VpnConnections => st.loaded.vpn_connections = true,
            Kind::VpnGateways => st.loaded.vpn_gateways = true,
            _ => {}
        }
    }

    fn lower(self, st: &mut State, cx: &Ctx, item: &RawValue) -> Result<(), IngestError> {
        match self {
            Kind::Vpcs => vpc::lower_vpc(st, cx, cx.de(item)?)?,
            Kind::Subnets => vpc::lower_subnet(st, cx, cx.de(item)?)?,
            Kind::RouteTables => vpc::lower_route_table(st, cx, cx.de(item)?)?,
            Kind::SecurityGroups => groups::lower_security_group(st, cx, cx.de(item)?)?,
            Kind::SecurityGroupRules => groups::lower_sg_rule_id(st, cx, cx.de(item)?)?,
            Kind::NetworkAcls => vpc::lower_nacl(st, cx, cx.de(item)?)?,
            Kind::NetworkInterfaces => interfaces::lower_interface(st, cx, cx.de(item)?),
            Kind::Reservations => interfaces::lower_reservation(st, cx, cx.de(item)?)?,
            Kind::InternetGateways | Kind::EgressOnlyInternetGateways => {
                let egress_only = matches!(self, Kind::EgressOnlyInternetGateways);
                vpc::lower_igw(st, cx, cx.de(item)?, egress_only, self.name())?;
            }
            Kind::NatGateways => interfaces::lower_nat(st, cx, cx.de(item)?)?,
            Kind::VpcPeeringConnections => vpc::lower_peering(st, cx, cx.de(item)?, self.name()),
            Kind::Addresses => interfaces::lower_address(st, cx, cx.de(item)?),
            Kind::PrefixLists => vpc::lower_prefix_list(st, cx, cx.de(item)?),
            Kind::ManagedPrefixListEntries => vpc::lower_pl_entries(st, cx, cx.de(item)?),
            Kind::ClientVpnEndpoints => cvpn::lower_endpoint(st, cx, cx.de(item)?)?,
            Kind::ClientVpnTargetNetworks => cvpn::lower_target_network(st, cx, cx.de(item)?),
            Kind::ClientVpnRoutes => cvpn::lower_route(st, cx, cx.de(item)?)?,
            Kind::ClientVpnAuthorizationRules => cvpn::lower_auth_rule(st, cx, cx.de(item)?),
            Kind::VaInstances => va::lower_instance(st, cx.file, cx.origin, cx.de(item)?),
            Kind::VaTrustProviders => {
                va::lower_trust_provider(st, cx.file, cx.origin, cx.de(item)?)?;
            }
            Kind::VaGroups => va::lower_group(st, cx.origin, cx.de(item)?),
            Kind::VaEndpoints => va::lower_endpoint(st, cx.file, cx.origin, cx.de(item)?)?,
            Kind::VaGroupPolicies => va::add_group_policy(st, cx.origin, cx.res, cx.de(item)?),
            Kind::VaEndpointPolicies => {
                va::add_endpoint_policy(st, cx.origin, cx.res, cx.de(item)?);
            }
            Kind::TransitGateways => transit::lower_tgw(st, cx, cx.de(item)?),
            Kind::TgwAttachments => transit::lower_attachment(st, cx, cx.de(item)?),
            Kind::TgwVpcAttachments => transit::lower_vpc_attachment(st, cx, cx.de(item)?),
            Kind::TgwPeeringAttachments => {
                transit::lower_peering_attachment(st, cx, cx.de(item)?);
            }
            Kind::TgwRouteTables => transit::lower_route_table(st, cx, cx.de(item)?),
            Kind::TgwRouteTableContents => transit::lower_contents(st, cx, cx.de(item)?)?,
            Kind::VpnConnections => vpn::lower_vpn_connection(st, cx, cx.de(item)?),
            Kind::VpnGateways => vpn::lower_vpn_gateway(st, cx, cx.de(item)?),
        }
        Ok(())
    }
}
