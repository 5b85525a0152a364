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
use raw::{Ctx, Top, TopValue, string_field};

/// A document's item, deserialized, waiting to be lowered into the state.
type Lowering = Box<dyn FnOnce(&mut State, &Ctx) -> Result<(), IngestError> + Send>;

/// An item of a document, parsed: its name in messages and its lowering
/// (or why it could not be deserialized).
struct ParsedItem {
    res: String,
    lower: Result<Lowering, IngestError>,
}

/// What applying a document does, in its order.
enum Step {
    /// `reach fetch`'s manifest warnings.
    Warnings(Vec<String>),
    Skipped(Skipped),
    /// A list of resources; every item is lowered, then the kind marked loaded.
    Items {
        kind: Kind,
        items: Vec<ParsedItem>,
    },
    /// The document is bad from here on: the error, after the steps before.
    Fail(IngestError),
}

/// A JSON document parsed without touching the state ([`parse_document`]):
/// applying it ([`ParsedDocument::apply`]) has exactly the effects, warnings
/// and first error reading it in one go has.
pub(crate) struct ParsedDocument {
    file: Arc<str>,
    origin: Origin,
    steps: Vec<Step>,
}

/// Items at least this many are deserialized in parallel (when `par`).
const PAR_ITEMS: usize = 64;

/// Parses and deserializes a document (no state: files can be parsed in
/// parallel); with `par`, a long list's items are deserialized in parallel,
/// collected in input order.
pub(crate) fn parse_document(file: &Arc<str>, text: &str, par: bool) -> ParsedDocument {
    let origin = Origin::new(file.clone());
    let mut steps = Vec::new();
    if let Err(e) = parse_steps(file, &origin, text, par, &mut steps) {
        steps.push(Step::Fail(e));
    }
    ParsedDocument {
        file: file.clone(),
        origin,
        steps,
    }
}

fn parse_steps(
    file: &Arc<str>,
    origin: &Origin,
    text: &str,
    par: bool,
    steps: &mut Vec<Step>,
) -> Result<(), IngestError> {
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
    let f: &str = file;
    let has_more_routes = map.iter().any(|(k, _)| k == "AdditionalRoutesAvailable");
    for (key, value) in &map {
        if key == "NextToken" || key == "ResponseMetadata" {
            continue;
        }
        if let TopValue::Raw(raw) = value {
            // `ReachFetch`, the only value read raw.
            steps.push(Step::Warnings(fetch_manifest(f, raw)?));
            continue;
        }
        let list = match value {
            TopValue::List(items) => Some(items),
            _ => None,
        };
        let kind = Kind::of(key).filter(|k| {
            !matches!(k, Kind::ClientVpnRoutes)
                || is_client_vpn_routes(has_more_routes, list.map(|l| l.as_slice()))
        });
        let Some(kind) = kind else {
            let count = match (list, value) {
                (Some(a), _) => a.len(),
                (None, TopValue::Null) => 0,
                (None, _) => 1,
            };
            steps.push(Step::Skipped(Skipped {
                file: file.clone(),
                kind: key.clone(),
                count,
            }));
            continue;
        };
        let Some(items) = list else {
            return Err(field_err(f, "document", key, "expected a list"));
        };
        let parse = |(i, item): (usize, &&RawValue)| {
            let id = kind.id_field().and_then(|f| string_field(item, f));
            let res = match id {
                Some(id) => resource(kind.name(), &id),
                None => format!("{key}[{i}]"),
            };
            let cx = Ctx {
                file: f,
                origin,
                res: &res,
            };
            let lower = kind.parse(&cx, item);
            ParsedItem { res, lower }
        };
        let mut items: Vec<ParsedItem> = if par && items.len() >= PAR_ITEMS {
            use rayon::prelude::*;
            items.par_iter().enumerate().map(parse).collect()
        } else {
            items.iter().enumerate().map(parse).collect()
        };
        // Nothing after the first bad item is lowered.
        if let Some(bad) = items.iter().position(|i| i.lower.is_err()) {
            items.truncate(bad + 1);
            steps.push(Step::Items { kind, items });
            return Ok(());
        }
        steps.push(Step::Items { kind, items });
    }
    Ok(())
}

impl ParsedDocument {
    /// Lowers the document into `st`, in its order; stops at the first error.
    pub(crate) fn apply(self, st: &mut State) -> Result<(), IngestError> {
        let ParsedDocument {
            file,
            origin,
            steps,
        } = self;
        for step in steps {
            match step {
                Step::Warnings(w) => st.warnings.extend(w),
                Step::Skipped(s) => st.net.skipped.push(s),
                Step::Items { kind, items } => {
                    for item in items {
                        let cx = Ctx {
                            file: &file,
                            origin: &origin,
                            res: &item.res,
                        };
                        (item.lower?)(st, &cx)?;
                    }
                    kind.mark_loaded(st);
                }
                Step::Fail(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// `reach-fetch.json`, the manifest `reach fetch` writes beside a snapshot
/// (`{"ReachFetch": {..., "Warnings": [...]}}`): not a resource document;
/// its warnings (calls denied or unsupported, so the snapshot lacks what they
/// return) become load warnings, returned here.
fn fetch_manifest(file: &str, value: &RawValue) -> Result<Vec<String>, IngestError> {
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
    Ok(m.warnings
        .iter()
        .map(|w| format!("`{file}`: reach fetch{region}: {}", one_line(w)))
        .collect())
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

    /// Deserializes an item of this kind into its lowering.
    fn parse(self, cx: &Ctx, item: &RawValue) -> Result<Lowering, IngestError> {
        // `d` is the item's DTO, whose type the lowering function names.
        macro_rules! unit {
            ($f:expr) => {{
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    $f(st, cx, d);
                    Ok(())
                })
            }};
        }
        macro_rules! fallible {
            ($f:expr) => {{
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| $f(st, cx, d))
            }};
        }
        Ok(match self {
            Kind::Vpcs => fallible!(vpc::lower_vpc),
            Kind::Subnets => fallible!(vpc::lower_subnet),
            Kind::RouteTables => fallible!(vpc::lower_route_table),
            // The most numerous kinds are converted to the model here, in
            // parallel; only their insertion waits for the state.
            Kind::SecurityGroups => {
                let g = groups::convert_security_group(cx, cx.de(item)?);
                Box::new(move |st: &mut State, _: &Ctx| groups::insert_security_group(st, g))
            }
            Kind::SecurityGroupRules => fallible!(groups::lower_sg_rule_id),
            Kind::NetworkAcls => fallible!(vpc::lower_nacl),
            Kind::NetworkInterfaces => {
                let eni = interfaces::convert_interface(cx, cx.de(item)?);
                Box::new(move |st: &mut State, _: &Ctx| {
                    interfaces::insert_interface(st, eni);
                    Ok(())
                })
            }
            Kind::Reservations => {
                let r = interfaces::convert_reservation(cx, cx.de(item)?);
                Box::new(move |st: &mut State, _: &Ctx| {
                    interfaces::insert_reservation(st, r);
                    Ok(())
                })
            }
            Kind::InternetGateways | Kind::EgressOnlyInternetGateways => {
                let egress_only = matches!(self, Kind::EgressOnlyInternetGateways);
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    vpc::lower_igw(st, cx, d, egress_only, self.name())
                })
            }
            Kind::NatGateways => fallible!(interfaces::lower_nat),
            Kind::VpcPeeringConnections => {
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    vpc::lower_peering(st, cx, d, self.name());
                    Ok(())
                })
            }
            Kind::Addresses => unit!(interfaces::lower_address),
            Kind::PrefixLists => unit!(vpc::lower_prefix_list),
            Kind::ManagedPrefixListEntries => unit!(vpc::lower_pl_entries),
            Kind::ClientVpnEndpoints => fallible!(cvpn::lower_endpoint),
            Kind::ClientVpnTargetNetworks => unit!(cvpn::lower_target_network),
            Kind::ClientVpnRoutes => fallible!(cvpn::lower_route),
            Kind::ClientVpnAuthorizationRules => unit!(cvpn::lower_auth_rule),
            Kind::VaInstances => {
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    va::lower_instance(st, cx.file, cx.origin, d);
                    Ok(())
                })
            }
            Kind::VaTrustProviders => {
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    va::lower_trust_provider(st, cx.file, cx.origin, d)
                })
            }
            Kind::VaGroups => {
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    va::lower_group(st, cx.origin, d);
                    Ok(())
                })
            }
            Kind::VaEndpoints => {
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    va::lower_endpoint(st, cx.file, cx.origin, d)
                })
            }
            Kind::VaGroupPolicies => {
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    va::add_group_policy(st, cx.origin, cx.res, d);
                    Ok(())
                })
            }
            Kind::VaEndpointPolicies => {
                let d = cx.de(item)?;
                Box::new(move |st: &mut State, cx: &Ctx| {
                    va::add_endpoint_policy(st, cx.origin, cx.res, d);
                    Ok(())
                })
            }
            Kind::TransitGateways => unit!(transit::lower_tgw),
            Kind::TgwAttachments => unit!(transit::lower_attachment),
            Kind::TgwVpcAttachments => unit!(transit::lower_vpc_attachment),
            Kind::TgwPeeringAttachments => unit!(transit::lower_peering_attachment),
            Kind::TgwRouteTables => unit!(transit::lower_route_table),
            Kind::TgwRouteTableContents => fallible!(transit::lower_contents),
            Kind::VpnConnections => unit!(vpn::lower_vpn_connection),
            Kind::VpnGateways => unit!(vpn::lower_vpn_gateway),
        })
    }
}
