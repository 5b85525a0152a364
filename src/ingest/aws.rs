//! AWS CLI JSON (`aws ec2 describe-* --output json`): DTOs and their lowering.
//!
//! A document is recognised by its top-level keys. No DOM is built: each
//! array item's raw text is scanned once for its ID (used in messages), then
//! deserialized through `serde_path_to_error` so a bad field is named exactly.

use std::sync::Arc;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::common::{Ip, Net, Proto, aws_ports, fmt_path, icmp_part, push_unique};
use super::error::{IngestError, field_err, one_line, resource, split_serde};
use super::state::{Address, CvpnPart, GroupRef, GroupRefs, SgRuleIdPart, State, merge};
use super::va;
use crate::model::{
    Action, ClientVpnAssociation, ClientVpnAuthRule, ClientVpnAuthType, ClientVpnEndpoint,
    ClientVpnRoute, Instance, Interface, InternetGateway, NaclEntry, NatGateway, NetworkAcl,
    Origin, Peer, Peering, Platform, PortMatch, PrefixList, PrivateIp, Protocol, Route, RouteDest,
    RouteOrigin, RouteState, RouteTable, SecurityGroup, SgRule, Skipped, Subnet, Target, Vpc,
};

/// The top-level keys of a document, in order, each with its raw JSON text
/// (no DOM is built: items are deserialized straight from their text).
struct Top<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Top<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Top<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a json object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Top<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Top(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The value of field `name` of a JSON object, if it is a string; reads the
/// object once, skipping everything else.
fn string_field(raw: &RawValue, name: &str) -> Option<String> {
    struct V<'n>(&'n str);
    impl<'de> Visitor<'de> for V<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Option<String>, A::Error> {
            let mut found = None;
            while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                if k == self.0 && found.is_none() {
                    found = m.next_value::<Option<String>>().ok().flatten();
                } else {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut d = serde_json::Deserializer::from_str(raw.get());
    serde::Deserializer::deserialize_map(&mut d, V(name))
        .ok()
        .flatten()
}

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

struct Ctx<'a> {
    file: &'a str,
    origin: &'a Origin,
    res: &'a str,
}

impl Ctx<'_> {
    fn de<T: DeserializeOwned>(&self, item: &RawValue) -> Result<T, IngestError> {
        if !item.get().trim_start().starts_with('{') {
            return Err(field_err(self.file, self.res, ".", "expected an object"));
        }
        let mut d = serde_json::Deserializer::from_str(item.get());
        serde_path_to_error::deserialize(&mut d).map_err(|e| {
            let path = fmt_path(e.path());
            // The position is within the item, not the file: leave it out.
            let inner = e.inner().to_string();
            let inner = match inner.rfind(" at line ") {
                Some(at) => inner[..at].to_string(),
                None => inner,
            };
            let (field, message) = split_serde(&path, &inner);
            field_err(self.file, self.res, field, message)
        })
    }

    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> IngestError {
        field_err(self.file, self.res, field, message)
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
            _ => {}
        }
    }

    fn lower(self, st: &mut State, cx: &Ctx, item: &RawValue) -> Result<(), IngestError> {
        match self {
            Kind::Vpcs => lower_vpc(st, cx, cx.de(item)?),
            Kind::Subnets => lower_subnet(st, cx, cx.de(item)?),
            Kind::RouteTables => lower_route_table(st, cx, cx.de(item)?),
            Kind::SecurityGroups => lower_security_group(st, cx, cx.de(item)?),
            Kind::SecurityGroupRules => lower_sg_rule_id(st, cx, cx.de(item)?),
            Kind::NetworkAcls => lower_nacl(st, cx, cx.de(item)?),
            Kind::NetworkInterfaces => {
                let eni = lower_eni(cx, cx.de(item)?, None);
                merge(
                    &mut st.net.interfaces,
                    &mut st.warnings,
                    "network interface",
                    &eni.id.clone(),
                    eni,
                );
                Ok(())
            }
            Kind::Reservations => lower_reservation(st, cx, cx.de(item)?),
            Kind::InternetGateways | Kind::EgressOnlyInternetGateways => {
                let egress_only = matches!(self, Kind::EgressOnlyInternetGateways);
                let g: IgwDto = cx.de(item)?;
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
                    self.name(),
                    &id,
                    igw,
                );
                Ok(())
            }
            Kind::NatGateways => lower_nat(st, cx, cx.de(item)?),
            Kind::VpcPeeringConnections => {
                let p: PeeringDto = cx.de(item)?;
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
                    self.name(),
                    &p.vpc_peering_connection_id,
                    peering,
                );
                Ok(())
            }
            Kind::Addresses => {
                let a: AddressDto = cx.de(item)?;
                if let Some(public) = a.public_ip {
                    // Allocated, associated with nothing: it forwards nowhere (§5).
                    if a.network_interface_id.is_none()
                        && a.association_id.is_none()
                        && a.private_ip_address.is_none()
                    {
                        st.net.idle_addresses.insert(
                            public.0,
                            a.allocation_id.unwrap_or_else(|| public.0.to_string()),
                        );
                        return Ok(());
                    }
                    st.addresses.push(Address {
                        origin: cx.origin.clone(),
                        resource: resource("elastic ip", &public.0.to_string()),
                        public: public.0,
                        interface: a.network_interface_id,
                        private: a.private_ip_address.map(|p| p.0),
                    });
                }
                Ok(())
            }
            Kind::PrefixLists => {
                let p: PrefixListDto = cx.de(item)?;
                lower_prefix_list(st, cx, p);
                Ok(())
            }
            Kind::ManagedPrefixListEntries => {
                let p: PlEntriesDto = cx.de(item)?;
                let entries = p.entries.into_iter().map(|e| e.cidr.0).collect();
                st.pl_entries
                    .insert(p.prefix_list_id, (cx.origin.clone(), entries));
                Ok(())
            }
            Kind::ClientVpnEndpoints => lower_cvpn_endpoint(st, cx, cx.de(item)?),
            Kind::ClientVpnTargetNetworks => {
                let d: CvpnTargetNetworkDto = cx.de(item)?;
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
                Ok(())
            }
            Kind::ClientVpnRoutes => {
                let d: CvpnRouteDto = cx.de(item)?;
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
            Kind::VaInstances => {
                va::lower_instance(st, cx.file, cx.origin, cx.de(item)?);
                Ok(())
            }
            Kind::VaTrustProviders => {
                va::lower_trust_provider(st, cx.file, cx.origin, cx.de(item)?)
            }
            Kind::VaGroups => {
                va::lower_group(st, cx.origin, cx.de(item)?);
                Ok(())
            }
            Kind::VaEndpoints => va::lower_endpoint(st, cx.file, cx.origin, cx.de(item)?),
            Kind::VaGroupPolicies => {
                va::add_group_policy(st, cx.origin, cx.res, cx.de(item)?);
                Ok(())
            }
            Kind::VaEndpointPolicies => {
                va::add_endpoint_policy(st, cx.origin, cx.res, cx.de(item)?);
                Ok(())
            }
            Kind::ClientVpnAuthorizationRules => {
                let d: CvpnAuthRuleDto = cx.de(item)?;
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
                Ok(())
            }
        }
    }
}

// ---------------------------------------------------------------------------
// DTOs. Only the fields the model needs; everything else is ignored.
// ---------------------------------------------------------------------------

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
struct VpcDto {
    vpc_id: String,
    cidr_block: Option<Net>,
    #[serde(default)]
    cidr_block_association_set: Vec<CidrAssocDto>,
    #[serde(default)]
    ipv6_cidr_block_association_set: Vec<Ipv6AssocDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SubnetDto {
    subnet_id: String,
    vpc_id: String,
    cidr_block: Option<Net>,
    #[serde(default)]
    ipv6_cidr_block_association_set: Vec<Ipv6AssocDto>,
    availability_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RouteTableDto {
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
struct SecurityGroupDto {
    group_id: String,
    group_name: Option<String>,
    vpc_id: String,
    owner_id: Option<String>,
    #[serde(default)]
    ip_permissions: Vec<PermissionDto>,
    #[serde(default)]
    ip_permissions_egress: Vec<PermissionDto>,
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
struct SgRuleIdDto {
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

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NaclDto {
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
struct EniDto {
    network_interface_id: String,
    vpc_id: String,
    subnet_id: String,
    private_ip_address: Option<Ip>,
    association: Option<PublicAssocDto>,
    #[serde(default)]
    private_ip_addresses: Vec<PrivateIpDto>,
    #[serde(default)]
    ipv6_addresses: Vec<Ipv6AddressDto>,
    #[serde(default)]
    groups: Vec<GroupIdDto>,
    attachment: Option<AttachmentDto>,
    interface_type: Option<String>,
    description: Option<String>,
    status: Option<String>,
    #[serde(default)]
    ipv4_prefixes: Vec<Ipv4PrefixDto>,
    #[serde(default)]
    ipv6_prefixes: Vec<Ipv6PrefixDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ipv4PrefixDto {
    ipv4_prefix: Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ipv6PrefixDto {
    ipv6_prefix: Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublicAssocDto {
    public_ip: Option<Ip>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PrivateIpDto {
    private_ip_address: Ip,
    #[serde(default)]
    primary: bool,
    association: Option<PublicAssocDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ipv6AddressDto {
    ipv6_address: Ip,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupIdDto {
    group_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachmentDto {
    instance_id: Option<String>,
    device_index: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReservationDto {
    #[serde(default)]
    instances: Vec<InstanceDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceDto {
    instance_id: String,
    platform: Option<String>,
    state: Option<InstanceStateDto>,
    #[serde(default)]
    network_interfaces: Vec<EniDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceStateDto {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IgwDto {
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
struct NatDto {
    nat_gateway_id: String,
    vpc_id: String,
    subnet_id: String,
    state: Option<String>,
    connectivity_type: Option<String>,
    #[serde(default)]
    nat_gateway_addresses: Vec<NatAddressDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NatAddressDto {
    private_ip: Option<Ip>,
    public_ip: Option<Ip>,
    network_interface_id: Option<String>,
    is_primary: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PeeringDto {
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
struct AddressDto {
    allocation_id: Option<String>,
    association_id: Option<String>,
    public_ip: Option<Ip>,
    network_interface_id: Option<String>,
    private_ip_address: Option<Ip>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PrefixListDto {
    prefix_list_id: String,
    prefix_list_name: Option<String>,
    owner_id: Option<String>,
    address_family: Option<String>,
    cidrs: Option<Vec<Net>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PlEntriesDto {
    prefix_list_id: String,
    #[serde(default)]
    entries: Vec<PlEntryDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PlEntryDto {
    cidr: Net,
}

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
struct CvpnEndpointDto {
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
struct CvpnTargetNetworkDto {
    association_id: String,
    target_network_id: String,
    client_vpn_endpoint_id: String,
    status: Option<StatusCodeDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CvpnRouteDto {
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
struct CvpnAuthRuleDto {
    client_vpn_endpoint_id: String,
    destination_cidr: Net,
    group_id: Option<String>,
    #[serde(default)]
    access_all: bool,
    status: Option<StatusCodeDto>,
    description: Option<String>,
}

// ---------------------------------------------------------------------------
// Lowering
// ---------------------------------------------------------------------------

fn lower_vpc(st: &mut State, cx: &Ctx, d: VpcDto) -> Result<(), IngestError> {
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
        origin: cx.origin.clone(),
    };
    merge(&mut st.net.vpcs, &mut st.warnings, "vpc", &d.vpc_id, vpc);
    Ok(())
}

fn lower_subnet(st: &mut State, cx: &Ctx, d: SubnetDto) -> Result<(), IngestError> {
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

fn lower_route_table(st: &mut State, cx: &Ctx, d: RouteTableDto) -> Result<(), IngestError> {
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

/// Ports of an AWS rule: tcp/udp ranges (missing or -1 = all), ICMP type/code, or any.
fn rule_ports(p: Protocol, from: Option<i64>, to: Option<i64>) -> Result<PortMatch, String> {
    if p.has_ports() {
        aws_ports(from, to)
    } else if p.is_icmp() {
        Ok(PortMatch::Icmp {
            icmp_type: icmp_part(from)?,
            code: icmp_part(to)?,
        })
    } else {
        Ok(PortMatch::Any)
    }
}

fn lower_security_group(st: &mut State, cx: &Ctx, d: SecurityGroupDto) -> Result<(), IngestError> {
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
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.security_groups,
        &mut st.warnings,
        "security group",
        &d.group_id,
        sg,
    );
    st.group_refs.insert(d.group_id, refs);
    Ok(())
}

/// A `SecurityGroupRules` item, kept to name its group's rule in `finish`
/// ([`attach_security_group_rule_ids`]).
fn lower_sg_rule_id(st: &mut State, cx: &Ctx, d: SgRuleIdDto) -> Result<(), IngestError> {
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

/// Rule numbers 32767 (IPv4) and 32768 (IPv6) are AWS's implicit `*` deny.
const FIRST_IMPLICIT_RULE: i64 = 32767;

fn lower_nacl(st: &mut State, cx: &Ctx, d: NaclDto) -> Result<(), IngestError> {
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

fn lower_eni(cx: &Ctx, d: EniDto, instance: Option<String>) -> Interface {
    let top_public = d.association.and_then(|a| a.public_ip).map(|p| p.0);
    let mut ips: Vec<(bool, PrivateIp)> = d
        .private_ip_addresses
        .into_iter()
        .map(|p| {
            (
                p.primary,
                PrivateIp {
                    address: p.private_ip_address.0,
                    public: p.association.and_then(|a| a.public_ip).map(|p| p.0),
                },
            )
        })
        .collect();
    // Primary first, the rest in AWS's order.
    ips.sort_by_key(|(primary, _)| !*primary);
    let mut private_ips: Vec<PrivateIp> = ips.into_iter().map(|(_, p)| p).collect();
    match (private_ips.first_mut(), d.private_ip_address) {
        (None, Some(a)) => private_ips.push(PrivateIp {
            address: a.0,
            public: top_public,
        }),
        (Some(first), Some(a)) if first.address == a.0 && first.public.is_none() => {
            first.public = top_public
        }
        _ => {}
    }
    Interface {
        id: d.network_interface_id,
        vpc: d.vpc_id,
        subnet: d.subnet_id,
        private_ips,
        ipv6: d
            .ipv6_addresses
            .into_iter()
            .map(|a| a.ipv6_address.0)
            .collect(),
        prefixes: d
            .ipv4_prefixes
            .into_iter()
            .map(|p| p.ipv4_prefix.0)
            .chain(d.ipv6_prefixes.into_iter().map(|p| p.ipv6_prefix.0))
            .collect(),
        groups: d.groups.into_iter().map(|g| g.group_id).collect(),
        device_index: d.attachment.as_ref().and_then(|a| a.device_index),
        // `describe-instances` lists an instance's interfaces without `Status`: attached.
        status: d.status.unwrap_or_else(|| "in-use".into()),
        instance: d.attachment.and_then(|a| a.instance_id).or(instance),
        kind: d.interface_type.unwrap_or_else(|| "interface".into()),
        description: d.description.filter(|s| !s.is_empty()),
        origin: cx.origin.clone(),
    }
}

fn lower_reservation(st: &mut State, cx: &Ctx, d: ReservationDto) -> Result<(), IngestError> {
    for inst in d.instances {
        let mut interfaces = Vec::new();
        for eni in inst.network_interfaces {
            let eni = lower_eni(cx, eni, Some(inst.instance_id.clone()));
            interfaces.push(eni.id.clone());
            let id = eni.id.clone();
            merge(
                &mut st.instance_enis,
                &mut st.warnings,
                "network interface",
                &id,
                eni,
            );
        }
        let platform = match inst.platform.as_deref() {
            Some(p) if p.eq_ignore_ascii_case("windows") => Platform::Windows,
            _ => Platform::Linux,
        };
        let i = Instance {
            id: inst.instance_id.clone(),
            interfaces,
            platform,
            state: inst.state.and_then(|s| s.name),
            origin: cx.origin.clone(),
        };
        merge(
            &mut st.net.instances,
            &mut st.warnings,
            "instance",
            &inst.instance_id,
            i,
        );
    }
    Ok(())
}

fn lower_nat(st: &mut State, cx: &Ctx, d: NatDto) -> Result<(), IngestError> {
    let addr = d
        .nat_gateway_addresses
        .iter()
        .position(|a| a.is_primary == Some(true))
        .unwrap_or(0);
    let addr = d.nat_gateway_addresses.into_iter().nth(addr);
    let nat = NatGateway {
        id: d.nat_gateway_id.clone(),
        vpc: d.vpc_id,
        subnet: d.subnet_id,
        state: d.state.unwrap_or_else(|| "available".into()),
        connectivity: d.connectivity_type.unwrap_or_else(|| "public".into()),
        private_ip: addr.as_ref().and_then(|a| a.private_ip).map(|p| p.0),
        public_ip: addr.as_ref().and_then(|a| a.public_ip).map(|p| p.0),
        interface: addr.and_then(|a| a.network_interface_id),
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.nat_gateways,
        &mut st.warnings,
        "nat gateway",
        &d.nat_gateway_id,
        nat,
    );
    Ok(())
}

/// `describe-managed-prefix-lists` names lists, `describe-prefix-lists` also
/// gives `Cidrs`: the two are combined rather than one replacing the other.
fn lower_prefix_list(st: &mut State, cx: &Ctx, d: PrefixListDto) {
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

fn lower_cvpn_endpoint(st: &mut State, cx: &Ctx, d: CvpnEndpointDto) -> Result<(), IngestError> {
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
