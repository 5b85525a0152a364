//! Transit gateways and hybrid edges (issue 14): transit gateways, their
//! attachments (VPC, VPN, Direct Connect gateway, peering, Connect), route
//! tables with their associations, propagations and routes; Site-to-Site VPN
//! connections and virtual private gateways.
//!
//! Plain data, as the input says it. What AWS does with it is in the AWS
//! Transit Gateway guide (cited in ARCHITECTURE.md): an attachment's
//! *associated* route table routes what enters the transit gateway through
//! it (longest prefix, static over propagated, blackholes drop); a VPC
//! attachment has one subnet per Availability Zone, where its interface is;
//! appliance mode keeps both directions of a flow in one zone; peering
//! attachments carry static routes only.

use std::net::IpAddr;

use ipnet::IpNet;

use super::origin::Origin;
use super::routes::{RouteDest, TableRoute};

/// `describe-transit-gateways` (`TransitGateways`), `transit_gateways:` (YAML).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TransitGateway {
    pub id: String,
    /// `OwnerId`.
    pub owner: Option<String>,
    /// `State`: `available`, `pending`, `modifying`, `deleting`, `deleted`.
    pub state: String,
    /// `Options.AmazonSideAsn`.
    pub asn: Option<u64>,
    /// `Options.DefaultRouteTableAssociation` is `enable`: new attachments are
    /// associated with `association_default_table` (when created; the
    /// attachment's own association is what holds now).
    pub default_association: bool,
    /// `Options.AssociationDefaultRouteTableId`.
    pub association_default_table: Option<String>,
    /// `Options.DefaultRouteTablePropagation` is `enable`.
    pub default_propagation: bool,
    /// `Options.PropagationDefaultRouteTableId`.
    pub propagation_default_table: Option<String>,
    /// `Options.SecurityGroupReferencingSupport` is `enable`: security-group
    /// rules may name groups of other VPCs attached to this transit gateway
    /// (with the VPC attachment's own option on too). Off, such a reference
    /// matches nothing that crosses the transit gateway.
    pub sg_referencing: bool,
    pub origin: Origin,
}

impl TransitGateway {
    /// `available` (or `modifying`): it forwards.
    pub fn available(&self) -> bool {
        matches!(self.state.as_str(), "available" | "modifying")
    }
}

/// What an attachment connects the transit gateway to (`ResourceType`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TgwResourceType {
    Vpc,
    Vpn,
    DirectConnectGateway,
    /// Transit gateway peering (`peering`, and the deprecated `tgw-peering`).
    Peering,
    /// Transit Gateway Connect (GRE over a transport attachment).
    Connect,
    /// Any other type AWS prints (`vpn-concentrator`, `network-function`,
    /// `client-vpn`, ...), as printed.
    Other(String),
}

impl TgwResourceType {
    /// From the AWS spelling; never fails: a type this model does not know is `Other`.
    pub fn parse(s: &str) -> TgwResourceType {
        match s {
            "vpc" => TgwResourceType::Vpc,
            "vpn" => TgwResourceType::Vpn,
            "direct-connect-gateway" => TgwResourceType::DirectConnectGateway,
            "peering" | "tgw-peering" => TgwResourceType::Peering,
            "connect" => TgwResourceType::Connect,
            other => TgwResourceType::Other(other.to_string()),
        }
    }

    /// The AWS spelling.
    pub fn name(&self) -> &str {
        match self {
            TgwResourceType::Vpc => "vpc",
            TgwResourceType::Vpn => "vpn",
            TgwResourceType::DirectConnectGateway => "direct-connect-gateway",
            TgwResourceType::Peering => "peering",
            TgwResourceType::Connect => "connect",
            TgwResourceType::Other(s) => s,
        }
    }

    /// VPN and Direct Connect gateway attachments lead to on-premises
    /// networks, outside the input (as a `vgw-` route does).
    pub fn on_premises(&self) -> bool {
        matches!(
            self,
            TgwResourceType::Vpn | TgwResourceType::DirectConnectGateway
        )
    }
}

/// An attachment's association with a route table (`Association` of
/// `describe-transit-gateway-attachments`, or an item of
/// `get-transit-gateway-route-table-associations`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwAssociation {
    pub route_table: String,
    /// `associating`, `associated`, `disassociating`, `disassociated`.
    pub state: String,
}

impl TgwAssociation {
    pub fn associated(&self) -> bool {
        self.state == "associated"
    }
}

/// A VPC attachment's own details (`describe-transit-gateway-vpc-attachments`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwVpcAttachment {
    pub vpc: String,
    /// `VpcOwnerId`.
    pub vpc_owner: Option<String>,
    /// `SubnetIds`: one per Availability Zone; the transit gateway's
    /// interface in that zone is in it, and resources of a zone without one
    /// cannot reach the transit gateway.
    pub subnets: Vec<String>,
    /// `Options.ApplianceModeSupport` is `enable`: both directions of a flow
    /// use the same zone's interface in this VPC (the one chosen for the
    /// flow), whatever zone the other end is in.
    pub appliance_mode: bool,
    /// `Options.Ipv6Support` is `enable`: IPv6 is routed through it.
    pub ipv6: bool,
    /// `Options.SecurityGroupReferencingSupport` is `enable`.
    pub sg_referencing: bool,
    /// `Options.DnsSupport` is `enable`.
    pub dns: bool,
    /// The document it was read from.
    pub origin: Origin,
}

/// One side of a peering attachment (`RequesterTgwInfo`, `AccepterTgwInfo`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwPeer {
    pub tgw: String,
    pub owner: Option<String>,
    pub region: Option<String>,
}

/// A peering attachment's own details (`describe-transit-gateway-peering-attachments`).
/// Peering carries only static routes: nothing propagates across it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwPeering {
    pub requester: TgwPeer,
    pub accepter: TgwPeer,
    /// `Status.Code`.
    pub status: Option<String>,
    pub origin: Origin,
}

impl TgwPeering {
    /// The transit gateway on the other side of `tgw`, if `tgw` is a side.
    pub fn other_side(&self, tgw: &str) -> Option<&TgwPeer> {
        if self.requester.tgw == tgw {
            Some(&self.accepter)
        } else if self.accepter.tgw == tgw {
            Some(&self.requester)
        } else {
            None
        }
    }
}

/// `describe-transit-gateway-attachments` (`TransitGatewayAttachments`),
/// completed by the VPC and peering attachment documents;
/// `transit_gateways[].attachments` (YAML).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwAttachment {
    pub id: String,
    pub tgw: String,
    pub resource_type: TgwResourceType,
    /// `ResourceId`: the VPC, the VPN connection (`vpn-…`), the Direct
    /// Connect gateway, the peer transit gateway, the transport attachment.
    pub resource_id: Option<String>,
    /// `ResourceOwnerId`.
    pub resource_owner: Option<String>,
    /// `available`, `pending`, `pendingAcceptance`, `modifying`, `deleting`, ...
    pub state: String,
    /// The route table that routes what enters the transit gateway through
    /// this attachment; `None` when the input says it has none or does not say.
    pub association: Option<TgwAssociation>,
    /// VPC attachments, when the input has their details.
    pub vpc: Option<TgwVpcAttachment>,
    /// Peering attachments, when the input has their details.
    pub peering: Option<TgwPeering>,
    pub origin: Origin,
}

impl TgwAttachment {
    /// `available` (or `modifying`): it forwards.
    pub fn available(&self) -> bool {
        matches!(self.state.as_str(), "available" | "modifying")
    }

    /// The associated route table, when the association is `associated`.
    pub fn route_table(&self) -> Option<&str> {
        self.association
            .as_ref()
            .filter(|a| a.associated())
            .map(|a| a.route_table.as_str())
    }
}

/// An attachment as a route table's association or propagation lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwTableLink {
    pub attachment: String,
    pub resource_type: TgwResourceType,
    pub resource_id: Option<String>,
    /// Associations: `associated`, ...; propagations: `enabled`, `enabling`,
    /// `disabling`, `disabled`.
    pub state: String,
}

/// `Type` of a transit gateway route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TgwRouteType {
    Static,
    Propagated,
}

/// `State` of a transit gateway route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TgwRouteState {
    Active,
    Blackhole,
    Pending,
    Deleting,
    Deleted,
}

impl TgwRouteState {
    pub fn name(self) -> &'static str {
        match self {
            TgwRouteState::Active => "active",
            TgwRouteState::Blackhole => "blackhole",
            TgwRouteState::Pending => "pending",
            TgwRouteState::Deleting => "deleting",
            TgwRouteState::Deleted => "deleted",
        }
    }
}

/// An attachment a route sends to (`TransitGatewayAttachments[]`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwRouteTarget {
    pub attachment: String,
    pub resource_type: TgwResourceType,
    pub resource_id: Option<String>,
}

/// A route of a transit gateway route table (`search-transit-gateway-routes`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwRoute {
    /// `DestinationCidrBlock` or `PrefixListId`.
    pub dest: RouteDest,
    pub kind: TgwRouteType,
    pub state: TgwRouteState,
    /// Empty for a blackhole; several for equal-cost (ECMP) VPN routes.
    pub targets: Vec<TgwRouteTarget>,
}

impl TgwRoute {
    /// Priority among routes of equal prefix length, lowest first: static,
    /// then propagated (AWS Transit Gateway guide, "Route evaluation order").
    pub fn priority(&self) -> u8 {
        match (&self.dest, self.kind) {
            (RouteDest::Cidr(_), TgwRouteType::Static) => 0,
            (RouteDest::PrefixList(_), TgwRouteType::Static) => 1,
            (_, TgwRouteType::Propagated) => 2,
        }
    }

    /// How traces name it: its destination and type.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            TgwRouteType::Static => "static",
            TgwRouteType::Propagated => "propagated",
        };
        format!("{} ({kind})", self.dest.describe())
    }
}

impl TableRoute for TgwRoute {
    fn dest(&self) -> &RouteDest {
        &self.dest
    }

    fn priority(&self) -> u8 {
        TgwRoute::priority(self)
    }
}

/// `describe-transit-gateway-route-tables` (`TransitGatewayRouteTables`),
/// with what the project's `TransitGatewayRouteTableContents` document adds;
/// `transit_gateways[].route_tables` (YAML).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TgwRouteTable {
    pub id: String,
    pub tgw: String,
    /// `State`: `available`, `pending`, `deleting`, `deleted`.
    pub state: String,
    /// `DefaultAssociationRouteTable`.
    pub default_association: bool,
    /// `DefaultPropagationRouteTable`.
    pub default_propagation: bool,
    /// `get-transit-gateway-route-table-associations`; `None` when the input
    /// does not list them (each attachment's `association` may still say).
    pub associations: Option<Vec<TgwTableLink>>,
    /// `get-transit-gateway-route-table-propagations`; `None` when not listed.
    pub propagations: Option<Vec<TgwTableLink>>,
    /// `search-transit-gateway-routes`; `None` when the input does not have
    /// this table's routes (then what it routes is unknown), `Some(vec![])`
    /// when it has none.
    pub routes: Option<Vec<TgwRoute>>,
    /// `AdditionalRoutesAvailable`: the listing was cut at `--max-results`,
    /// so routes beyond `routes` exist and are not in the input.
    pub routes_truncated: bool,
    pub origin: Origin,
    /// Where `associations`, `propagations` and `routes` were read, when
    /// not `origin` (the `TransitGatewayRouteTableContents` document).
    pub contents_origin: Option<Origin>,
}

impl TgwRouteTable {
    /// Every route of the table is in the input.
    pub fn routes_known(&self) -> bool {
        self.routes.is_some() && !self.routes_truncated
    }
}

/// A static route of a VPN connection (`Routes[]`: VGW VPNs only; a transit
/// gateway VPN's static routes are in the transit gateway route table).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VpnStaticRoute {
    pub dest: IpNet,
    /// `pending`, `available`, `deleting`, `deleted`.
    pub state: String,
}

/// One tunnel of a VPN connection.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VpnTunnel {
    /// `Options.TunnelOptions[].OutsideIpAddress` (or `VgwTelemetry[]`'s):
    /// the AWS end of the tunnel.
    pub outside_ip: IpAddr,
    /// `VgwTelemetry[].Status`: `UP` or `DOWN`, when the input says.
    pub status: Option<String>,
}

/// `describe-vpn-connections` (`VpnConnections`), `vpn_connections:` (YAML).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VpnConnection {
    pub id: String,
    /// `pending`, `available`, `deleting`, `deleted`.
    pub state: String,
    /// `VpnGatewayId`: a VPN to a virtual private gateway.
    pub vpn_gateway: Option<String>,
    /// `TransitGatewayId`: a VPN attached to a transit gateway.
    pub transit_gateway: Option<String>,
    /// `CustomerGatewayId`.
    pub customer_gateway: Option<String>,
    /// `Options.StaticRoutesOnly`: no BGP; routes are the static ones.
    pub static_routes_only: bool,
    pub routes: Vec<VpnStaticRoute>,
    pub tunnels: Vec<VpnTunnel>,
    pub origin: Origin,
}

/// A virtual private gateway's attachment to a VPC.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VpnGatewayAttachment {
    pub vpc: String,
    /// `attaching`, `attached`, `detaching`, `detached`.
    pub state: String,
}

/// `describe-vpn-gateways` (`VpnGateways`), `vpn_gateways:` (YAML).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VpnGateway {
    pub id: String,
    /// `pending`, `available`, `deleting`, `deleted`.
    pub state: String,
    /// `Type`: `ipsec.1`.
    pub kind: Option<String>,
    /// `AmazonSideAsn`.
    pub asn: Option<u64>,
    pub attachments: Vec<VpnGatewayAttachment>,
    pub origin: Origin,
}

impl VpnGateway {
    /// The VPCs it is `attached` to.
    pub fn attached_vpcs(&self) -> impl Iterator<Item = &str> {
        self.attachments
            .iter()
            .filter(|a| a.state == "attached")
            .map(|a| a.vpc.as_str())
    }
}
