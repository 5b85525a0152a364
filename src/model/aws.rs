//! AWS facts the engine and the prover share, as named constants and
//! predicates on the model's states: never filters (each side builds its
//! own from these facts, so the prover stays an independent check).

use std::net::{IpAddr, Ipv4Addr};

use super::{
    ClientVpnAssociation, ClientVpnAuthRule, ClientVpnEndpoint, ClientVpnRoute, NatGateway,
    Peering, VaEndpoint,
};

/// Source ports a NAT gateway, a Client VPN association or a Verified Access
/// endpoint translates to (aws-semantics.md §4, §6, §7).
pub const NAT_PORTS: (u16, u16) = (1024, 65535);
/// The ephemeral ports a Linux client opens connections from.
pub const EPHEMERAL_LINUX: (u16, u16) = (32768, 60999);
/// The ephemeral ports a Windows client opens connections from.
pub const EPHEMERAL_WINDOWS: (u16, u16) = (49152, 65535);
/// The source ports assumed for hosts on the internet and for interfaces
/// that are not instances.
pub const EPHEMERAL_ANY: (u16, u16) = (1024, 65535);
/// Stands for the public IP AWS assigned to a Client VPN association ENI the
/// input lacks: `0.0.0.0`, never a real internet address.
pub const ASSIGNED_PUBLIC: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
/// Private and special-purpose IPv4 blocks (RFC 1918, 6598, 5735) and
/// non-global IPv6: never routed on the internet.
pub const SPECIAL_BLOCKS: [&str; 10] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/3",
    "fc00::/7",
    "fe80::/10",
];
/// Global-unicast IPv6: the internet's IPv6 addresses.
pub const PUBLIC_V6: &str = "2000::/3";

impl ClientVpnEndpoint {
    /// `available`: the endpoint carries traffic (given an associated subnet).
    pub fn is_available(&self) -> bool {
        self.status == "available"
    }
}

impl ClientVpnAssociation {
    /// `associated`: the target network carries traffic.
    pub fn is_associated(&self) -> bool {
        self.status == "associated"
    }
}

impl ClientVpnRoute {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

impl ClientVpnAuthRule {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

impl NatGateway {
    pub fn is_available(&self) -> bool {
        self.state == "available"
    }
}

impl Peering {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

impl VaEndpoint {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}
