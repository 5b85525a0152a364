//! The shared state every reader writes to: the [`Network`] being built, and
//! what can only be resolved once every file is read (references to check,
//! parts read from their own documents, rule IDs, policies), which `finish`
//! completes. Also how a resource read twice is merged, and the list of every
//! resource read so far.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ipnet::IpNet;

use super::error::resource;
use crate::model::{
    ClientVpnAssociation, ClientVpnAuthRule, ClientVpnEndpoint, ClientVpnRoute, Instance,
    Interface, InternetGateway, NatGateway, Network, NetworkAcl, Origin, Peer, Peering, PortMatch,
    PrefixList, Protocol, RouteTable, SecurityGroup, Subnet, TgwAttachment, TgwPeering, TgwRoute,
    TgwRouteTable, TgwTableLink, TgwVpcAttachment, TransitGateway, VaEndpoint, VaGroup, VaInstance,
    VaPolicy, Vpc, VpnConnection, VpnGateway,
};

/// Which kinds some document could have declared: a reference to a kind is
/// checked only when that kind was loaded.
#[derive(Default, Debug)]
pub(crate) struct Loaded {
    pub vpcs: bool,
    pub subnets: bool,
    pub security_groups: bool,
    /// A `ClientVpnTargetNetworks` (describe-client-vpn-target-networks) document.
    pub cvpn_target_networks: bool,
    /// A `Routes` (describe-client-vpn-routes) document.
    pub cvpn_routes: bool,
    /// An `AuthorizationRules` (describe-client-vpn-authorization-rules) document.
    pub cvpn_auth_rules: bool,
    /// A `TransitGateways` document or `transit_gateways` section.
    pub transit_gateways: bool,
    /// A `TransitGatewayAttachments` document (or the VPC or peering
    /// attachments ones) or `transit_gateways` section.
    pub tgw_attachments: bool,
    /// A `TransitGatewayRouteTables` document or `transit_gateways` section.
    pub tgw_route_tables: bool,
    /// A `VpnConnections` document or `vpn_connections` section.
    pub vpn_connections: bool,
    /// A `VpnGateways` document or `vpn_gateways` section.
    pub vpn_gateways: bool,
}

/// The kind of resource a reference names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RefKind {
    Vpc,
    Subnet,
    SecurityGroup,
}

/// A reference found while lowering whose owner keeps no origin of its own
/// (a Client VPN association or route), checked with the others at the end.
#[derive(Debug)]
pub(crate) struct DeferredRef {
    pub kind: RefKind,
    pub origin: Origin,
    pub resource: String,
    pub field: String,
    pub id: String,
}

/// A Client VPN part (association, route, authorization rule) read from its
/// own document, attached to its endpoint in `finish`.
#[derive(Debug)]
pub(crate) struct CvpnPart<T> {
    pub origin: Origin,
    pub resource: String,
    pub endpoint: String,
    pub item: T,
}

#[derive(Debug, Default)]
pub(crate) struct CvpnParts {
    pub associations: Vec<CvpnPart<ClientVpnAssociation>>,
    pub routes: Vec<CvpnPart<ClientVpnRoute>>,
    pub rules: Vec<CvpnPart<ClientVpnAuthRule>>,
    /// Snapshot endpoints listed without `SecurityGroupIds`: the VPC default group applies.
    pub default_sg: BTreeSet<String>,
}

/// A security-group rule naming another group, checked at the end.
#[derive(Debug)]
pub(crate) struct GroupRef {
    /// Field path for messages (`IpPermissions[0].UserIdGroupPairs[1].GroupId`).
    pub field: String,
    pub group: String,
    pub user: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct GroupRefs {
    pub owner: Option<String>,
    pub refs: Vec<GroupRef>,
}

/// An item of `describe-security-group-rules` (`SecurityGroupRules`): a
/// rule's `sgr-…` ID with what identifies the rule in its group, attached to
/// that rule at the end.
#[derive(Debug)]
pub(crate) struct SgRuleIdPart {
    pub origin: Origin,
    /// `SecurityGroupRuleId`.
    pub id: String,
    pub group: String,
    pub egress: bool,
    pub protocol: Protocol,
    pub ports: PortMatch,
    pub peer: Peer,
}

/// An Elastic IP association, applied at the end.
#[derive(Debug)]
pub(crate) struct Address {
    pub origin: Origin,
    pub resource: String,
    pub public: std::net::IpAddr,
    pub interface: Option<String>,
    pub private: Option<std::net::IpAddr>,
}

/// A Verified Access policy read from its own document, attached to its
/// owner (group or endpoint) in `finish`.
#[derive(Debug)]
pub(crate) struct PolicyPart {
    pub resource: String,
    pub owner: String,
    pub policy: VaPolicy,
}

impl PolicyPart {
    pub fn new(
        origin: &Origin,
        res: &str,
        owner: String,
        enabled: bool,
        doc: Option<String>,
    ) -> Self {
        PolicyPart {
            resource: res.to_string(),
            owner,
            policy: VaPolicy {
                enabled,
                document: doc.unwrap_or_default(),
                origin: origin.clone(),
            },
        }
    }
}

/// Verified Access policies read from their own documents.
#[derive(Debug, Default)]
pub(crate) struct VaParts {
    pub group_policies: Vec<PolicyPart>,
    pub endpoint_policies: Vec<PolicyPart>,
}

/// A transit gateway attachment's details read from their own document
/// (`TransitGatewayVpcAttachments`, `TransitGatewayPeeringAttachments`),
/// joined with `TransitGatewayAttachments` in `finish`.
#[derive(Debug)]
pub(crate) struct TgwPart<T> {
    pub resource: String,
    pub attachment: String,
    /// `TransitGatewayId` (a peering's: the requester's).
    pub tgw: String,
    pub state: Option<String>,
    pub item: T,
}

/// An item of the project's `TransitGatewayRouteTableContents` document:
/// what a route table holds, set on it in `finish`.
#[derive(Debug)]
pub(crate) struct TgwContents {
    pub origin: Origin,
    pub resource: String,
    pub table: String,
    pub associations: Option<Vec<TgwTableLink>>,
    pub propagations: Option<Vec<TgwTableLink>>,
    pub routes: Option<Vec<TgwRoute>>,
    pub truncated: bool,
}

/// Transit gateway parts read from their own documents.
#[derive(Debug, Default)]
pub(crate) struct TgwParts {
    pub vpc: Vec<TgwPart<TgwVpcAttachment>>,
    pub peering: Vec<TgwPart<TgwPeering>>,
    pub contents: Vec<TgwContents>,
}

/// What the readers write: the network so far, its warnings, and what
/// `finish` resolves once every file is read.
#[derive(Default)]
pub(crate) struct State {
    pub net: Network,
    pub warnings: Vec<String>,
    /// Interfaces read from `Reservations` (a `NetworkInterfaces` document wins).
    pub instance_enis: BTreeMap<String, Interface>,
    pub group_refs: BTreeMap<String, GroupRefs>,
    /// `SecurityGroupRules` items, in input order.
    pub sg_rule_ids: Vec<SgRuleIdPart>,
    pub addresses: Vec<Address>,
    /// `ManagedPrefixListEntries` (and `PrefixLists` `Cidrs`): id -> entries.
    pub pl_entries: BTreeMap<String, (Origin, Vec<IpNet>)>,
    pub loaded: Loaded,
    /// The YAML model files read: their resources are named in YAML's words.
    pub yaml_files: BTreeSet<Arc<str>>,
    pub cvpn: CvpnParts,
    pub deferred_refs: Vec<DeferredRef>,
    pub va: VaParts,
    pub tgw: TgwParts,
}

impl State {
    /// Associates `subnet` with network ACL `acl`, with a warning when it
    /// replaces another association.
    pub fn set_nacl_of_subnet(&mut self, subnet: &str, acl: &str, file: &str) {
        if let Some(old) = self.net.nacl_of_subnet.get(subnet)
            && old != acl
        {
            self.warnings.push(format!(
                "`{file}`: subnet `{subnet}` is associated with network acl `{acl}`, replacing `{old}`"
            ));
        }
        self.net
            .nacl_of_subnet
            .insert(subnet.to_string(), acl.to_string());
    }
}

/// Model types that carry an [`Origin`], for merging.
pub(crate) trait HasOrigin: Clone + PartialEq {
    fn origin(&self) -> &Origin;
    fn origin_mut(&mut self) -> &mut Origin;
}

macro_rules! has_origin {
    ($($t:ty),*) => {$(
        impl HasOrigin for $t {
            fn origin(&self) -> &Origin { &self.origin }
            fn origin_mut(&mut self) -> &mut Origin { &mut self.origin }
        }
    )*};
}
has_origin!(
    Vpc,
    Subnet,
    RouteTable,
    SecurityGroup,
    NetworkAcl,
    Interface,
    Instance,
    InternetGateway,
    NatGateway,
    Peering,
    PrefixList,
    ClientVpnEndpoint,
    VaInstance,
    VaGroup,
    VaEndpoint,
    TransitGateway,
    TgwAttachment,
    TgwRouteTable,
    VpnConnection,
    VpnGateway
);

/// Inserts `new`; an ID seen before is replaced, with a warning when the two differ.
pub(crate) fn merge<T: HasOrigin>(
    map: &mut BTreeMap<String, T>,
    warnings: &mut Vec<String>,
    kind: &str,
    id: &str,
    new: T,
) {
    if let Some(old) = map.get(id) {
        let mut same = old.clone();
        *same.origin_mut() = new.origin().clone();
        if same != new {
            warnings.push(format!(
                "`{}`: {} replaces the one from `{}`, which differs",
                new.origin().file,
                resource(kind, id),
                old.origin().file
            ));
        }
    }
    map.insert(id.to_string(), new);
}

/// A resource of the input, for checks over every kind: its kind (as
/// messages name it), the AWS CLI field that holds its ID, the ID and where it
/// comes from.
pub(crate) struct ResourceId<'a> {
    pub kind: &'static str,
    pub json_field: &'static str,
    pub id: &'a str,
    pub origin: &'a Origin,
}

/// Every resource read so far (interfaces known only from `Reservations` included).
pub(crate) fn resource_ids(st: &State) -> Vec<ResourceId<'_>> {
    fn add<'a, T: HasOrigin>(
        out: &mut Vec<ResourceId<'a>>,
        map: &'a BTreeMap<String, T>,
        kind: &'static str,
        json_field: &'static str,
    ) {
        out.extend(map.iter().map(|(id, r)| ResourceId {
            kind,
            json_field,
            id,
            origin: r.origin(),
        }));
    }
    let net = &st.net;
    let mut out = Vec::new();
    add(&mut out, &net.vpcs, "vpc", "VpcId");
    add(&mut out, &net.subnets, "subnet", "SubnetId");
    add(&mut out, &net.route_tables, "route table", "RouteTableId");
    add(&mut out, &net.security_groups, "security group", "GroupId");
    add(&mut out, &net.network_acls, "network acl", "NetworkAclId");
    add(
        &mut out,
        &net.interfaces,
        "network interface",
        "NetworkInterfaceId",
    );
    add(
        &mut out,
        &st.instance_enis,
        "network interface",
        "NetworkInterfaceId",
    );
    add(&mut out, &net.instances, "instance", "InstanceId");
    out.extend(net.internet_gateways.iter().map(|(id, g)| {
        let (kind, json_field) = if g.egress_only {
            (
                "egress-only internet gateway",
                "EgressOnlyInternetGatewayId",
            )
        } else {
            ("internet gateway", "InternetGatewayId")
        };
        ResourceId {
            kind,
            json_field,
            id,
            origin: &g.origin,
        }
    }));
    add(&mut out, &net.nat_gateways, "nat gateway", "NatGatewayId");
    add(
        &mut out,
        &net.peerings,
        "vpc peering connection",
        "VpcPeeringConnectionId",
    );
    add(&mut out, &net.prefix_lists, "prefix list", "PrefixListId");
    add(
        &mut out,
        &net.client_vpn_endpoints,
        "client vpn endpoint",
        "ClientVpnEndpointId",
    );
    add(
        &mut out,
        &net.va_instances,
        "verified access instance",
        "VerifiedAccessInstanceId",
    );
    out.extend(net.va_trust_providers.iter().map(|(id, t)| ResourceId {
        kind: "verified access trust provider",
        json_field: "VerifiedAccessTrustProviderId",
        id,
        origin: &t.origin,
    }));
    add(
        &mut out,
        &net.va_groups,
        "verified access group",
        "VerifiedAccessGroupId",
    );
    add(
        &mut out,
        &net.va_endpoints,
        "verified access endpoint",
        "VerifiedAccessEndpointId",
    );
    add(
        &mut out,
        &net.transit_gateways,
        "transit gateway",
        "TransitGatewayId",
    );
    add(
        &mut out,
        &net.tgw_attachments,
        "transit gateway attachment",
        "TransitGatewayAttachmentId",
    );
    add(
        &mut out,
        &net.tgw_route_tables,
        "transit gateway route table",
        "TransitGatewayRouteTableId",
    );
    add(
        &mut out,
        &net.vpn_connections,
        "vpn connection",
        "VpnConnectionId",
    );
    add(&mut out, &net.vpn_gateways, "vpn gateway", "VpnGatewayId");
    out
}
