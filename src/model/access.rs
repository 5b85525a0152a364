//! Access paths into a VPC: Client VPN endpoints (associations, routes,
//! authorization rules) and AWS Verified Access (instances, trust providers,
//! groups, endpoints with their Cedar documents as text).

use ipnet::IpNet;

use super::origin::Origin;

/// How Client VPN users authenticate; only directory and federated (SAML)
/// authentication carry groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClientVpnAuthType {
    Certificate,
    Directory,
    Federated,
}

/// A target network association: a subnet, and the ENI Client VPN creates in it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientVpnAssociation {
    /// `cvpn-assoc-…`.
    pub id: String,
    pub subnet: String,
    /// `associated` when it carries traffic.
    pub status: String,
    /// The association's network interface (description `ClientVPN Endpoint
    /// resource`), when the input has it.
    pub interface: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientVpnRoute {
    pub dest: IpNet,
    /// The association subnet traffic to `dest` leaves through, or `local`
    /// (client-to-client: the route to the client CIDR).
    pub target_subnet: String,
    /// `active` when it carries traffic.
    pub status: String,
    /// `associate` (added with an association) or `add-route`.
    pub origin: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientVpnAuthRule {
    pub dest: IpNet,
    pub access_all: bool,
    /// AD group SID or IdP group ID.
    pub group: Option<String>,
    /// `active` when it grants.
    pub status: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientVpnEndpoint {
    /// `cvpn-endpoint-…`.
    pub id: String,
    pub vpc: String,
    pub client_cidr: IpNet,
    pub split_tunnel: bool,
    /// `available`, `pending-associate`, ...
    pub status: String,
    /// Applied to the association ENIs (the VPC default group when none given).
    pub security_groups: Vec<String>,
    pub auth: Vec<ClientVpnAuthType>,
    pub associations: Vec<ClientVpnAssociation>,
    pub routes: Vec<ClientVpnRoute>,
    pub auth_rules: Vec<ClientVpnAuthRule>,
    pub origin: Origin,
}

impl ClientVpnRoute {
    /// A client-to-client route (`--target-vpc-subnet-id local`).
    pub fn is_local(&self) -> bool {
        self.target_subnet.eq_ignore_ascii_case("local")
    }
}

impl ClientVpnEndpoint {
    /// True when users carry groups (directory or federated authentication).
    pub fn has_groups(&self) -> bool {
        self.auth.iter().any(|a| {
            matches!(
                a,
                ClientVpnAuthType::Directory | ClientVpnAuthType::Federated
            )
        })
    }
}

/// An AWS Verified Access instance: the trust providers its policies read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VaInstance {
    /// `vai-…`.
    pub id: String,
    pub trust_providers: Vec<String>,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum VaTrustKind {
    /// Identity: IAM Identity Center or OIDC.
    User,
    /// Device posture: Jamf, CrowdStrike, JumpCloud.
    Device,
}

/// A trust provider: its data reaches policies as `context.<reference>`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VaTrustProvider {
    /// `vatp-…`.
    pub id: String,
    pub kind: VaTrustKind,
    /// `iam-identity-center`, `oidc`, `jamf`, `crowdstrike`, `jumpcloud`.
    pub provider: String,
    /// `PolicyReferenceName`.
    pub reference: String,
    pub origin: Origin,
}

/// A Cedar policy document attached to a group or an endpoint.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VaPolicy {
    pub enabled: bool,
    /// Cedar text (checked to parse when read).
    pub document: String,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VaGroup {
    /// `vagr-…`.
    pub id: String,
    pub instance: String,
    /// No policy (or a disabled one) denies every request.
    pub policy: Option<VaPolicy>,
    pub origin: Origin,
}

/// Where a Verified Access endpoint sends its traffic.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum VaTarget {
    /// `network-interface`: the ENI's primary private IP.
    NetworkInterface(String),
    /// `cidr`: any address of the CIDR.
    Cidr(IpNet),
    /// `load-balancer`: the load balancer's ARN.
    LoadBalancer(String),
    /// `rds`: the instance, cluster or proxy ARN, or the RDS endpoint name.
    Rds(String),
}

impl VaTarget {
    pub fn kind(&self) -> &'static str {
        match self {
            VaTarget::NetworkInterface(_) => "network-interface",
            VaTarget::Cidr(_) => "cidr",
            VaTarget::LoadBalancer(_) => "load-balancer",
            VaTarget::Rds(_) => "rds",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VaEndpoint {
    /// `vae-…`.
    pub id: String,
    pub group: String,
    pub target: VaTarget,
    /// `tcp`, `http` or `https`.
    pub protocol: String,
    /// Inclusive port ranges carried.
    pub ports: Vec<(u16, u16)>,
    /// Where its network interfaces are (for `network-interface`, the ENI's subnet).
    pub subnets: Vec<String>,
    pub vpc: String,
    pub security_groups: Vec<String>,
    /// `active` when it carries traffic.
    pub status: String,
    pub policy: Option<VaPolicy>,
    pub origin: Origin,
}
