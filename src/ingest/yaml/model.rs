//! The shape of a YAML model document: one type per section item, checked
//! as it is parsed (unknown keys are errors, values parsed with their exact
//! path), and every ID it declares.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::ingest::common::{Ip, Net, OneOrMany, PortRange, Proto, parse_net};
use crate::model::{Peer, RouteDest};

/// One YAML model document. A section that is present (even `[]`) counts as
/// loaded for reference checks.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Model {
    pub(super) vpcs: Option<Vec<VpcY>>,
    pub(super) subnets: Option<Vec<SubnetY>>,
    pub(super) route_tables: Option<Vec<RouteTableY>>,
    pub(super) security_groups: Option<Vec<SecurityGroupY>>,
    pub(super) network_acls: Option<Vec<NaclY>>,
    pub(super) interfaces: Option<Vec<InterfaceY>>,
    pub(super) instances: Option<Vec<InstanceY>>,
    pub(super) internet_gateways: Option<Vec<IgwY>>,
    pub(super) egress_only_internet_gateways: Option<Vec<IgwY>>,
    pub(super) nat_gateways: Option<Vec<NatY>>,
    pub(super) peerings: Option<Vec<PeeringY>>,
    pub(super) prefix_lists: Option<Vec<PrefixListY>>,
    pub(super) client_vpn_endpoints: Option<Vec<CvpnY>>,
    pub(super) verified_access_instances: Option<Vec<VaInstanceY>>,
    pub(super) verified_access_trust_providers: Option<Vec<VaTrustProviderY>>,
    pub(super) verified_access_groups: Option<Vec<VaGroupY>>,
    pub(super) verified_access_endpoints: Option<Vec<VaEndpointY>>,
    pub(super) transit_gateways: Option<Vec<TgwY>>,
    pub(super) vpn_connections: Option<Vec<VpnConnectionY>>,
    pub(super) vpn_gateways: Option<Vec<VpnGatewayY>>,
}

/// Human name of a section's resources, for messages.
pub(super) fn kind_of_section(section: &str) -> &'static str {
    match section {
        "vpcs" => "vpc",
        "subnets" => "subnet",
        "route_tables" => "route table",
        "security_groups" => "security group",
        "network_acls" => "network acl",
        "interfaces" => "network interface",
        "instances" => "instance",
        "internet_gateways" => "internet gateway",
        "egress_only_internet_gateways" => "egress-only internet gateway",
        "nat_gateways" => "nat gateway",
        "peerings" => "vpc peering connection",
        "prefix_lists" => "prefix list",
        "client_vpn_endpoints" => "client vpn endpoint",
        "verified_access_instances" => "verified access instance",
        "verified_access_trust_providers" => "verified access trust provider",
        "verified_access_groups" => "verified access group",
        "verified_access_endpoints" => "verified access endpoint",
        "transit_gateways" => "transit gateway",
        "vpn_connections" => "vpn connection",
        "vpn_gateways" => "vpn gateway",
        _ => "resource",
    }
}

/// The `id` of a YAML item, for the model's ID checks.
trait YamlId {
    fn yaml_id(&self) -> &str;
}

macro_rules! yaml_id {
    ($($t:ty),*) => {$(
        impl YamlId for $t {
            fn yaml_id(&self) -> &str { &self.id }
        }
    )*};
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VpcY {
    pub(super) id: String,
    pub(super) cidr: Option<Net>,
    #[serde(default)]
    pub(super) cidrs: Vec<Net>,
    #[serde(default)]
    pub(super) tags: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SubnetY {
    pub(super) id: String,
    pub(super) vpc: String,
    pub(super) cidr: Option<Net>,
    #[serde(default)]
    pub(super) cidrs: Vec<Net>,
    pub(super) az: Option<String>,
    pub(super) route_table: Option<String>,
    pub(super) nacl: Option<String>,
    #[serde(default)]
    pub(super) tags: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RouteTableY {
    pub(super) id: String,
    pub(super) vpc: String,
    #[serde(default)]
    pub(super) main: bool,
    /// Gateways (`igw-`, `vgw-`) whose incoming traffic this table routes first.
    #[serde(default)]
    pub(super) gateways: Vec<String>,
    #[serde(default)]
    pub(super) routes: Vec<RouteY>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RouteY {
    pub(super) dest: Dest,
    pub(super) target: String,
    #[serde(default)]
    pub(super) state: StateY,
    /// Learned from a virtual private gateway (route propagation).
    #[serde(default)]
    pub(super) propagated: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum StateY {
    #[default]
    Active,
    Blackhole,
}

/// A route destination: a CIDR or `pl-…`.
#[derive(Debug)]
pub(super) struct Dest(pub(super) RouteDest);

impl<'de> Deserialize<'de> for Dest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.starts_with("pl-") {
            Ok(Dest(RouteDest::PrefixList(s)))
        } else {
            parse_net(&s)
                .map(|n| Dest(RouteDest::Cidr(n)))
                .map_err(de::Error::custom)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SecurityGroupY {
    pub(super) id: String,
    pub(super) vpc: String,
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) ingress: Vec<RuleY>,
    /// Omitted: AWS's default for a new group (all traffic out).
    pub(super) egress: Option<Vec<RuleY>>,
    #[serde(default)]
    pub(super) tags: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleY {
    pub(super) proto: Proto,
    pub(super) ports: Option<PortRange>,
    pub(super) r#type: Option<u8>,
    pub(super) code: Option<u8>,
    pub(super) from: Option<OneOrMany<PeerY>>,
    pub(super) to: Option<OneOrMany<PeerY>>,
    pub(super) description: Option<String>,
}

/// A security-group peer: a CIDR, `pl-…` or `sg-…`.
#[derive(Debug)]
pub(super) struct PeerY(pub(super) Peer);

impl<'de> Deserialize<'de> for PeerY {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PeerY;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a cidr, `pl-…` or `sg-…`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PeerY, E> {
                if s.starts_with("sg-") {
                    Ok(PeerY(Peer::Group(s.to_string())))
                } else if s.starts_with("pl-") {
                    Ok(PeerY(Peer::PrefixList(s.to_string())))
                } else {
                    parse_net(s)
                        .map(|n| PeerY(Peer::Cidr(n)))
                        .map_err(|m| E::custom(format!("{m}: expected a cidr, `pl-…` or `sg-…`")))
                }
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NaclY {
    pub(super) id: String,
    pub(super) vpc: String,
    #[serde(default)]
    pub(super) default: bool,
    #[serde(default)]
    pub(super) inbound: Vec<NaclEntryY>,
    #[serde(default)]
    pub(super) outbound: Vec<NaclEntryY>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NaclEntryY {
    pub(super) rule: u16,
    pub(super) proto: Proto,
    pub(super) ports: Option<PortRange>,
    pub(super) r#type: Option<u8>,
    pub(super) code: Option<u8>,
    pub(super) cidr: Net,
    pub(super) action: ActionY,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum ActionY {
    Allow,
    Deny,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InterfaceY {
    pub(super) id: String,
    pub(super) subnet: String,
    pub(super) ip: Option<Ip>,
    #[serde(default)]
    pub(super) ips: Vec<Ip>,
    pub(super) public_ip: Option<Ip>,
    #[serde(default)]
    pub(super) ipv6: Vec<Ip>,
    /// Delegated prefixes (IPv4 or IPv6).
    #[serde(default)]
    pub(super) prefixes: Vec<Net>,
    pub(super) groups: Option<Vec<String>>,
    pub(super) instance: Option<String>,
    /// 0 for the instance's primary interface (default: order of appearance).
    pub(super) device_index: Option<u32>,
    /// `in-use` (default) or `available` (detached).
    pub(super) status: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) tags: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InstanceY {
    pub(super) id: String,
    #[serde(default)]
    pub(super) platform: PlatformY,
    pub(super) state: Option<String>,
    #[serde(default)]
    pub(super) tags: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum PlatformY {
    #[default]
    Linux,
    Windows,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IgwY {
    pub(super) id: String,
    pub(super) vpc: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NatY {
    pub(super) id: String,
    pub(super) subnet: String,
    pub(super) private_ip: Ip,
    pub(super) public_ip: Option<Ip>,
    pub(super) interface: Option<String>,
    pub(super) connectivity: Option<ConnectivityY>,
    pub(super) state: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum ConnectivityY {
    Public,
    Private,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PeeringY {
    pub(super) id: String,
    pub(super) requester: String,
    pub(super) accepter: String,
    pub(super) status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PrefixListY {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) owner: Option<String>,
    pub(super) cidrs: Option<Vec<Net>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CvpnY {
    pub(super) id: String,
    pub(super) vpc: String,
    pub(super) client_cidr: Net,
    /// AWS's default: all client traffic goes through the VPN.
    #[serde(default)]
    pub(super) split_tunnel: bool,
    pub(super) status: Option<String>,
    pub(super) auth: Option<OneOrMany<AuthY>>,
    pub(super) security_groups: Option<Vec<String>>,
    #[serde(default)]
    pub(super) associations: Vec<CvpnAssocY>,
    #[serde(default)]
    pub(super) routes: Vec<CvpnRouteY>,
    pub(super) authorization: Option<Vec<CvpnAuthY>>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum AuthY {
    Certificate,
    Directory,
    Federated,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CvpnAssocY {
    pub(super) subnet: String,
    pub(super) id: Option<String>,
    pub(super) status: Option<String>,
    pub(super) interface: Option<String>,
    pub(super) ip: Option<Ip>,
    /// The public IP of the association's ENI (a subnet routed to an internet gateway).
    pub(super) public_ip: Option<Ip>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CvpnRouteY {
    pub(super) dest: Net,
    pub(super) subnet: String,
    pub(super) status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CvpnAuthY {
    pub(super) dest: Net,
    #[serde(default)]
    pub(super) access_all: bool,
    pub(super) group: Option<String>,
    pub(super) status: Option<String>,
    pub(super) description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VaInstanceY {
    pub(super) id: String,
    #[serde(default)]
    pub(super) trust_providers: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum VaTrustKindY {
    User,
    Device,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VaTrustProviderY {
    pub(super) id: String,
    #[serde(rename = "type")]
    pub(super) kind: VaTrustKindY,
    /// `iam-identity-center`, `oidc`, `jamf`, ...
    pub(super) provider: String,
    /// `PolicyReferenceName`.
    pub(super) reference: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VaGroupY {
    pub(super) id: String,
    pub(super) instance: String,
    pub(super) policy: Option<String>,
    /// Defaults to true when a policy is given.
    pub(super) policy_enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VaEndpointY {
    pub(super) id: String,
    pub(super) group: String,
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) interface: Option<String>,
    pub(super) cidr: Option<Net>,
    pub(super) load_balancer: Option<String>,
    pub(super) rds: Option<String>,
    #[serde(default)]
    pub(super) subnets: Vec<String>,
    pub(super) protocol: Option<String>,
    pub(super) ports: OneOrMany<PortRange>,
    #[serde(default)]
    pub(super) security_groups: Vec<String>,
    pub(super) status: Option<String>,
    pub(super) policy: Option<String>,
    pub(super) policy_enabled: Option<bool>,
}

yaml_id!(
    VpcY,
    SubnetY,
    RouteTableY,
    SecurityGroupY,
    NaclY,
    InterfaceY,
    InstanceY,
    IgwY,
    NatY,
    PeeringY,
    PrefixListY,
    CvpnY,
    VaInstanceY,
    VaTrustProviderY,
    VaGroupY,
    VaEndpointY,
    TgwY,
    VpnConnectionY,
    VpnGatewayY
);

impl Model {
    /// Every ID the document declares, in order: the section item it names
    /// (`subnets[2]`, `client_vpn_endpoints[0].associations[1]`), its kind, the ID.
    pub(super) fn declared_ids(&self) -> Vec<(String, &'static str, &str)> {
        fn add<'a, T: YamlId>(
            out: &mut Vec<(String, &'static str, &'a str)>,
            section: &'static str,
            list: &'a Option<Vec<T>>,
        ) {
            for (i, item) in list.iter().flatten().enumerate() {
                out.push((
                    format!("{section}[{i}]"),
                    kind_of_section(section),
                    item.yaml_id(),
                ));
            }
        }
        let mut out = Vec::new();
        add(&mut out, "vpcs", &self.vpcs);
        add(&mut out, "subnets", &self.subnets);
        add(&mut out, "route_tables", &self.route_tables);
        add(&mut out, "security_groups", &self.security_groups);
        add(&mut out, "network_acls", &self.network_acls);
        add(&mut out, "interfaces", &self.interfaces);
        add(&mut out, "instances", &self.instances);
        add(&mut out, "internet_gateways", &self.internet_gateways);
        add(
            &mut out,
            "egress_only_internet_gateways",
            &self.egress_only_internet_gateways,
        );
        add(&mut out, "nat_gateways", &self.nat_gateways);
        add(&mut out, "peerings", &self.peerings);
        add(&mut out, "prefix_lists", &self.prefix_lists);
        add(&mut out, "client_vpn_endpoints", &self.client_vpn_endpoints);
        for (i, e) in self.client_vpn_endpoints.iter().flatten().enumerate() {
            for (j, a) in e.associations.iter().enumerate() {
                if let Some(id) = &a.id {
                    out.push((
                        format!("client_vpn_endpoints[{i}].associations[{j}]"),
                        "client vpn association",
                        id,
                    ));
                }
            }
        }
        add(
            &mut out,
            "verified_access_instances",
            &self.verified_access_instances,
        );
        add(
            &mut out,
            "verified_access_trust_providers",
            &self.verified_access_trust_providers,
        );
        add(
            &mut out,
            "verified_access_groups",
            &self.verified_access_groups,
        );
        add(
            &mut out,
            "verified_access_endpoints",
            &self.verified_access_endpoints,
        );
        add(&mut out, "transit_gateways", &self.transit_gateways);
        for (i, t) in self.transit_gateways.iter().flatten().enumerate() {
            for (j, a) in t.attachments.iter().enumerate() {
                let item = format!("transit_gateways[{i}].attachments[{j}]");
                out.push((item, "transit gateway attachment", &a.id));
            }
            for (j, r) in t.route_tables.iter().enumerate() {
                let item = format!("transit_gateways[{i}].route_tables[{j}]");
                out.push((item, "transit gateway route table", &r.id));
            }
        }
        add(&mut out, "vpn_connections", &self.vpn_connections);
        add(&mut out, "vpn_gateways", &self.vpn_gateways);
        out
    }
}

/// A transit gateway with its attachments and route tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TgwY {
    pub(super) id: String,
    pub(super) owner: Option<String>,
    /// Default `available`.
    pub(super) state: Option<String>,
    pub(super) asn: Option<u64>,
    /// `DefaultRouteTableAssociation` enabled, with this table.
    pub(super) default_association_table: Option<String>,
    /// `DefaultRouteTablePropagation` enabled, with this table.
    pub(super) default_propagation_table: Option<String>,
    /// Default false (AWS's default for a transit gateway).
    #[serde(default)]
    pub(super) security_group_referencing: bool,
    #[serde(default)]
    pub(super) attachments: Vec<TgwAttachmentY>,
    #[serde(default)]
    pub(super) route_tables: Vec<TgwRouteTableY>,
}

/// An attachment: exactly one of `vpc`, `vpn`, `direct_connect_gateway`,
/// `peering` (the peer transit gateway), `connect` (the transport attachment).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TgwAttachmentY {
    pub(super) id: String,
    pub(super) vpc: Option<String>,
    pub(super) vpn: Option<String>,
    pub(super) direct_connect_gateway: Option<String>,
    pub(super) peering: Option<String>,
    pub(super) connect: Option<String>,
    /// VPC attachments: one subnet per Availability Zone.
    #[serde(default)]
    pub(super) subnets: Vec<String>,
    #[serde(default)]
    pub(super) appliance_mode: bool,
    #[serde(default)]
    pub(super) ipv6: bool,
    /// Default true (AWS's default for a VPC attachment).
    pub(super) security_group_referencing: Option<bool>,
    /// Default true.
    pub(super) dns: Option<bool>,
    /// Peering: the peer's region and account.
    pub(super) peer_region: Option<String>,
    pub(super) peer_owner: Option<String>,
    /// The associated route table (of this transit gateway).
    pub(super) route_table: Option<String>,
    /// Route tables (of this transit gateway) it propagates to.
    #[serde(default)]
    pub(super) propagate_to: Vec<String>,
    /// Default `available`.
    pub(super) state: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TgwRouteTableY {
    pub(super) id: String,
    /// Static routes, and propagated ones a VPC attachment does not imply
    /// (learned over BGP); a VPC attachment propagating here implies its
    /// VPC's CIDRs.
    #[serde(default)]
    pub(super) routes: Vec<TgwRouteY>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TgwRouteY {
    pub(super) dest: Dest,
    /// The attachment(s) it sends to; none for a blackhole.
    pub(super) attachment: Option<OneOrMany<String>>,
    #[serde(default)]
    pub(super) state: StateY,
    #[serde(default)]
    pub(super) propagated: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VpnConnectionY {
    pub(super) id: String,
    pub(super) vpn_gateway: Option<String>,
    pub(super) transit_gateway: Option<String>,
    pub(super) customer_gateway: Option<String>,
    #[serde(default)]
    pub(super) static_routes_only: bool,
    #[serde(default)]
    pub(super) routes: Vec<Net>,
    #[serde(default)]
    pub(super) tunnels: Vec<VpnTunnelY>,
    /// Default `available`.
    pub(super) state: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VpnTunnelY {
    pub(super) ip: Ip,
    /// `UP` or `DOWN`.
    pub(super) status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VpnGatewayY {
    pub(super) id: String,
    /// The VPC it is attached to.
    pub(super) vpc: Option<String>,
    pub(super) asn: Option<u64>,
    /// Default `available`.
    pub(super) state: Option<String>,
}
