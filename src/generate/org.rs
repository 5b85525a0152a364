//! What [`Params::org`] adds to the layout: dual-stack VPCs (every other
//! one: IPv6 /56 and /64s, interface addresses, `::/0` routes to the
//! internet gateway or an egress-only one, IPv6 rules and ACL entries),
//! network ACLs of dozens of entries, Client VPN endpoints with group
//! authorization rules, and a Verified Access instance whose group policy
//! tests a directory group, with endpoints toward interfaces. Drawn from a
//! generator of their own, so everything else is what the same sizes give
//! without them.

use std::net::Ipv6Addr;

use serde_json::{Value, json};

use super::*;

/// A host on the IPv6 internet (outside every generated address).
pub(super) const INTERNET_HOST_V6: &str = "2606:2800:220:1:248:1893:25c8:1946";
/// One Client VPN endpoint (and one Verified Access endpoint) per this many VPCs.
const VPCS_PER_ENDPOINT: usize = 10;
/// Host number of a Client VPN association's interface (in its VPC's first subnet).
const CVPN_HOST: u32 = 6;

/// A directory (IAM Identity Center) group ID: UUID-shaped, from the seed.
fn directory_group(seed: u64, i: usize) -> String {
    let x = mix64(seed ^ 0x6469_7200 ^ (i as u64).wrapping_mul(0x9e37_79b9));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        (x >> 4) & 0xfff,
        x & 0xfff,
        mix64(x) & 0xffff_ffff_ffff
    )
}

/// The first instance interface of a private subnet of VPC `v`.
fn private_instance(subnets: &[SubnetP], vpcs: &[VpcP], enis: &[EniP], v: usize) -> Option<usize> {
    vpcs[v].subnets.iter().find_map(|&j| {
        (!subnets[j].public)
            .then(|| {
                subnets[j]
                    .enis
                    .iter()
                    .copied()
                    .find(|&e| enis[e].instance.is_some())
            })
            .flatten()
    })
}

impl OrgP {
    pub(super) fn new(
        seed: u64,
        subnets: &[SubnetP],
        vpcs: &[VpcP],
        enis: &[EniP],
        id: &dyn Fn(&str, u64, usize) -> String,
    ) -> OrgP {
        let n = vpcs.len().div_ceil(VPCS_PER_ENDPOINT);
        let cvpns = (0..n)
            .map(|e| {
                let v = e * VPCS_PER_ENDPOINT;
                let next = (v + 1) % vpcs.len();
                let (eng, dba, contractors) = (
                    directory_group(seed, 3 * e),
                    directory_group(seed, 3 * e + 1),
                    directory_group(seed, 3 * e + 2),
                );
                CvpnP {
                    id: id("cvpn-endpoint", 60, e),
                    vpc: v,
                    // The VPC's first subnet (k = 0, public).
                    subnet: v,
                    assoc: id("cvpn-assoc", 61, e),
                    eni: id("eni", 62, e),
                    ip: ten(v, 0, CVPN_HOST),
                    sg: id("sg", 63, e),
                    client_cidr: format!("172.{}.0.0/22", 20 + (e % 10)),
                    rules: vec![
                        (eng, Plan::vpc_cidr(v), "engineers to their vpc"),
                        (dba, Plan::vpc_cidr(next), "DBAs to the next vpc"),
                        (
                            contractors,
                            format!("{}/24", ipv4(ten(v, 1, 0))),
                            "contractors to one subnet",
                        ),
                    ],
                }
            })
            .collect();
        let endpoints = (0..n)
            .filter_map(|e| {
                let v = e * VPCS_PER_ENDPOINT;
                let target = private_instance(subnets, vpcs, enis, v)?;
                Some((id("vae", 64, e), v, id("sg", 65, e), target))
            })
            .collect();
        OrgP {
            eigws: (0..vpcs.len()).map(|v| id("eigw", 66, v)).collect(),
            peering: id("pcx", 72, 0),
            cvpns,
            va: VaP {
                instance: id("vai", 67, 0),
                provider: id("vatp", 68, 0),
                group: id("vagr", 69, 0),
                directory_group: directory_group(seed, 0),
                endpoints,
            },
        }
    }
}

/// The longer network ACLs' extra entries: denies of an internal /24 and
/// /16 no subnet uses and of ports below 1024 that no query uses (before
/// the usual ones), allows of the application ports within the VPC (after),
/// and in dual-stack VPCs the IPv6 entries: https, http and the ephemeral
/// return ranges from `::/0`, telnet denied. 6-14 per direction (plus 5).
pub(super) fn nacl_extras(v: usize, dual: bool, rng: &mut Rng) -> Vec<NaclEntryP> {
    let vpc = Plan::vpc_cidr(v);
    let e = NaclEntryP::new;
    let mut out = Vec::new();
    for egress in [false, true] {
        // Address space no subnet uses (at most 100 per VPC, 100 VPCs): a
        // denied range of the internet would make `internet` partial.
        let unused_24 = format!("{}/24", ipv4(ten(v, 200 + rng.below(56) as u32, 0)));
        let unused_16 = format!("10.{}.0.0/16", 128 + rng.below(128));
        out.push(e(10, egress, "-1", false, &unused_24, None));
        out.push(e(12, egress, "-1", false, &unused_16, None));
        for (i, (proto, from, to)) in [("6", 135, 139), ("17", 161, 162), ("6", 21, 21)]
            .into_iter()
            .enumerate()
        {
            out.push(e(
                20 + i as u16,
                egress,
                proto,
                false,
                "0.0.0.0/0",
                Some((from, to)),
            ));
        }
        for (i, port) in APP_PORTS.into_iter().enumerate() {
            if rng.chance(50) {
                out.push(e(
                    200 + 10 * i as u16,
                    egress,
                    "6",
                    true,
                    &vpc,
                    Some((port, port)),
                ));
            }
        }
        out.push(e(290, egress, "17", true, "0.0.0.0/0", Some((123, 123))));
        if dual {
            let any = "::/0";
            out.push(e(55, egress, "6", false, any, Some((23, 23))));
            out.push(e(105, egress, "6", true, any, Some((443, 443))));
            out.push(e(125, egress, "6", true, any, Some((80, 80))));
            out.push(e(145, egress, "6", true, any, Some((1024, 65535))));
            out.push(e(165, egress, "17", true, any, Some((1024, 65535))));
        }
    }
    out
}

/// An organisation's accounts: VPC `v` belongs to `ACCOUNTS[v % 4]` (the
/// first also owns the transit gateway and the access endpoints).
const ACCOUNTS: [&str; 4] = [OWNER, "210987654321", "345678901234", "456789012345"];

/// Whether an organisation's VPC `v` is dual-stack: every other one.
pub(super) fn dual_vpc(v: usize) -> bool {
    v.is_multiple_of(2)
}

impl Plan {
    /// The account that owns VPC `v` and what is in it.
    pub(super) fn owner(&self, v: usize) -> &'static str {
        if self.org.is_some() {
            ACCOUNTS[v % ACCOUNTS.len()]
        } else {
            OWNER
        }
    }

    /// Whether VPC `v` is dual-stack (in an organisation).
    pub(super) fn dual(&self, v: usize) -> bool {
        self.org.is_some() && dual_vpc(v)
    }

    fn v6(v: usize, k: u32, host: u32) -> Ipv6Addr {
        Ipv6Addr::new(
            0x2600,
            0x1f18,
            0x4e2a,
            ((v as u16) << 8) | (k as u16 & 0xff),
            0,
            0,
            (host >> 16) as u16,
            host as u16,
        )
    }

    pub(super) fn vpc_cidr_v6(v: usize) -> String {
        format!("{}/56", Self::v6(v, 0, 0))
    }

    pub(super) fn subnet_cidr_v6(&self, j: usize) -> String {
        let s = &self.subnets[j];
        format!("{}/64", Self::v6(s.vpc, s.k, 0))
    }

    /// An interface's IPv6 address (in a dual-stack VPC).
    pub(super) fn eni_v6(&self, e: &EniP) -> Option<String> {
        let s = &self.subnets[e.subnet];
        self.dual(s.vpc)
            .then(|| Self::v6(s.vpc, s.k, 0x1000 + (e.ip & 0xff)).to_string())
    }

    /// The documents only an organisation has (none otherwise).
    pub(super) fn org_docs(&self) -> Vec<(&'static str, Vec<Value>)> {
        let Some(o) = &self.org else {
            return Vec::new();
        };
        let eigws = (0..self.vpcs.len())
            .filter(|&v| self.dual(v))
            .map(|v| {
                json!({
                    "Attachments": [{"State": "attached", "VpcId": self.vpcs[v].id}],
                    "EgressOnlyInternetGatewayId": o.eigws[v],
                    "Tags": [{"Key": "Name", "Value": format!("eigw-{v}")}],
                })
            })
            .collect();
        let status = |code: &str| json!({"Code": code});
        let endpoints = o
            .cvpns
            .iter()
            .map(|c| {
                json!({
                    "ClientVpnEndpointId": c.id,
                    "Description": "corporate access",
                    "Status": status("available"),
                    "CreationTime": "2024-01-01T00:00:00",
                    "DnsName": format!("*.{}.prod.clientvpn.us-east-1.amazonaws.com", c.id),
                    "ClientCidrBlock": c.client_cidr,
                    "SplitTunnel": true,
                    "VpnProtocol": "openvpn",
                    "TransportProtocol": "udp",
                    "VpnPort": 443,
                    "ServerCertificateArn": format!("arn:aws:acm:us-east-1:{OWNER}:certificate/{}", c.id),
                    "AuthenticationOptions": [{
                        "Type": "federated-authentication",
                        "FederatedAuthentication": {
                            "SamlProviderArn": format!("arn:aws:iam::{OWNER}:saml-provider/idc")
                        }
                    }],
                    "ConnectionLogOptions": {"Enabled": false},
                    "Tags": [],
                    "SecurityGroupIds": [c.sg],
                    "VpcId": self.vpcs[c.vpc].id,
                    "SessionTimeoutHours": 24
                })
            })
            .collect();
        let targets = o
            .cvpns
            .iter()
            .map(|c| {
                json!({
                    "AssociationId": c.assoc,
                    "VpcId": self.vpcs[c.vpc].id,
                    "TargetNetworkId": self.subnets[c.subnet].id,
                    "ClientVpnEndpointId": c.id,
                    "Status": status("associated"),
                    "SecurityGroups": [c.sg]
                })
            })
            .collect();
        let routes = o
            .cvpns
            .iter()
            .flat_map(|c| {
                let subnet = &self.subnets[c.subnet].id;
                [
                    json!({
                        "ClientVpnEndpointId": c.id,
                        "DestinationCidr": Self::vpc_cidr(c.vpc),
                        "TargetSubnet": subnet,
                        "Type": "Nat",
                        "Origin": "associate",
                        "Status": status("active"),
                        "Description": "Default Route"
                    }),
                    json!({
                        "ClientVpnEndpointId": c.id,
                        "DestinationCidr": "10.0.0.0/8",
                        "TargetSubnet": subnet,
                        "Type": "Nat",
                        "Origin": "add-route",
                        "Status": status("active"),
                        "Description": "the other vpcs, through the transit gateway"
                    }),
                ]
            })
            .collect();
        let rules = o
            .cvpns
            .iter()
            .flat_map(|c| {
                c.rules.iter().map(|(group, dest, description)| {
                    json!({
                        "ClientVpnEndpointId": c.id,
                        "Description": description,
                        "GroupId": group,
                        "AccessAll": false,
                        "DestinationCidr": dest,
                        "Status": status("active")
                    })
                })
            })
            .collect();
        let side = |v: usize| {
            json!({
                "CidrBlock": Self::vpc_cidr(v),
                "CidrBlockSet": [{"CidrBlock": Self::vpc_cidr(v)}],
                "OwnerId": self.owner(v),
                "PeeringOptions": {
                    "AllowDnsResolutionFromRemoteVpc": false,
                    "AllowEgressFromLocalClassicLinkToRemoteVpc": false,
                    "AllowEgressFromLocalVpcToRemoteClassicLink": false
                },
                "VpcId": self.vpcs[v].id,
                "Region": "us-east-1"
            })
        };
        let mut out = vec![
            (
                "VpcPeeringConnections",
                vec![json!({
                    "AccepterVpcInfo": side(1),
                    "RequesterVpcInfo": side(0),
                    "Status": {"Code": "active", "Message": "Active"},
                    "Tags": [{"Key": "Name", "Value": "vpc-0-to-vpc-1"}],
                    "VpcPeeringConnectionId": o.peering
                })],
            ),
            ("EgressOnlyInternetGateways", eigws),
            ("ClientVpnEndpoints", endpoints),
            ("ClientVpnTargetNetworks", targets),
            ("Routes", routes),
            ("AuthorizationRules", rules),
        ];
        out.extend(self.va_docs(o));
        out
    }

    /// The Verified Access documents: the instance, its trust provider, the
    /// group and its policy, the endpoints.
    fn va_docs(&self, o: &OrgP) -> Vec<(&'static str, Vec<Value>)> {
        let status = |code: &str| json!({"Code": code});
        let va = &o.va;
        let provider = json!({
            "VerifiedAccessTrustProviderId": va.provider,
            "TrustProviderType": "user",
            "UserTrustProviderType": "iam-identity-center",
        });
        let mut full_provider = provider.clone();
        full_provider["PolicyReferenceName"] = json!("idc");
        full_provider["Description"] = json!("IAM Identity Center");
        let va_endpoints = va
            .endpoints
            .iter()
            .map(|(id, _, sg, e)| {
                json!({
                    "VerifiedAccessInstanceId": va.instance,
                    "VerifiedAccessGroupId": va.group,
                    "VerifiedAccessEndpointId": id,
                    "ApplicationDomain": format!("ssh-{}.corp.example.com", &id[4..12]),
                    "EndpointType": "network-interface",
                    "AttachmentType": "vpc",
                    "DomainCertificateArn": format!("arn:aws:acm:us-east-1:{OWNER}:certificate/{id}"),
                    "EndpointDomain": format!("ssh-{}.edge-{}.vai-{}.prod.verified-access.us-east-1.amazonaws.com", &id[4..12], &id[4..12], &va.instance[4..12]),
                    "SecurityGroupIds": [sg],
                    "NetworkInterfaceOptions": {
                        "NetworkInterfaceId": self.enis[*e].id,
                        "Protocol": "tcp",
                        "PortRanges": [{"FromPort": 22, "ToPort": 22}]
                    },
                    "Status": status("active"),
                    "Description": "ssh for engineers",
                    "Tags": []
                })
            })
            .collect();
        vec![
            (
                "VerifiedAccessInstances",
                vec![json!({
                    "VerifiedAccessInstanceId": va.instance,
                    "Description": "corporate",
                    "VerifiedAccessTrustProviders": [provider],
                    "CreationTime": "2024-01-01T00:00:00",
                    "FipsEnabled": false,
                    "Tags": []
                })],
            ),
            ("VerifiedAccessTrustProviders", vec![full_provider]),
            (
                "VerifiedAccessGroups",
                vec![json!({
                    "VerifiedAccessGroupId": va.group,
                    "VerifiedAccessInstanceId": va.instance,
                    "Description": "engineering",
                    "Owner": OWNER,
                    "Tags": []
                })],
            ),
            ("VerifiedAccessEndpoints", va_endpoints),
            (
                "VerifiedAccessGroupPolicies",
                vec![json!({
                    "VerifiedAccessGroupId": va.group,
                    "PolicyEnabled": true,
                    "PolicyDocument": format!(
                        "permit(principal, action, resource) when {{ context.idc.groups has \"{}\" }};",
                        va.directory_group
                    )
                })],
            ),
        ]
    }

    /// The route to the peering connection of a subnet of VPC `v` (the
    /// first two VPCs only).
    pub(super) fn peering_route(&self, v: usize) -> Option<Value> {
        let o = self.org.as_ref()?;
        let peer = match v {
            0 => 1,
            1 => 0,
            _ => return None,
        };
        Some(json!({
            "DestinationCidrBlock": Self::vpc_cidr(peer),
            "VpcPeeringConnectionId": o.peering,
            "Origin": "CreateRoute",
            "State": "active"
        }))
    }

    /// The Client VPN associations' interfaces.
    pub(super) fn org_enis(&self) -> Vec<Value> {
        let Some(o) = &self.org else {
            return Vec::new();
        };
        o.cvpns
            .iter()
            .enumerate()
            .map(|(n, c)| {
                let s = &self.subnets[c.subnet];
                json!({
                    "AvailabilityZone": az(s.k),
                    "Description": "ClientVPN Endpoint resource",
                    "Groups": [{"GroupId": c.sg, "GroupName": format!("client-vpn-{n}")}],
                    "InterfaceType": "interface",
                    "Ipv6Addresses": [],
                    "MacAddress": format!("0e:fe:00:00:{:02x}:{:02x}", n >> 8, n & 0xff),
                    "NetworkInterfaceId": c.eni,
                    "OwnerId": self.owner(c.vpc),
                    "PrivateDnsName": format!("ip-{}.ec2.internal", ipv4(c.ip).replace('.', "-")),
                    "PrivateIpAddress": ipv4(c.ip),
                    "PrivateIpAddresses": [{
                        "Primary": true,
                        "PrivateDnsName": format!("ip-{}.ec2.internal", ipv4(c.ip).replace('.', "-")),
                        "PrivateIpAddress": ipv4(c.ip)
                    }],
                    "RequesterId": "AROAEXAMPLE:ClientVPN",
                    "RequesterManaged": true,
                    "SourceDestCheck": true,
                    "Status": "in-use",
                    "SubnetId": s.id,
                    "TagSet": [],
                    "VpcId": self.vpcs[c.vpc].id,
                })
            })
            .collect()
    }

    /// The Client VPN and Verified Access endpoints' security groups (all
    /// egress, no ingress).
    pub(super) fn org_sgs(&self) -> Vec<Value> {
        let Some(o) = &self.org else {
            return Vec::new();
        };
        let all = json!([{
            "IpProtocol": "-1",
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": []
        }]);
        let group = |id: &str, name: String, v: usize, description: &str| {
            json!({
                "Description": description,
                "GroupId": id,
                "GroupName": name,
                "IpPermissions": [],
                "IpPermissionsEgress": all,
                "OwnerId": self.owner(v),
                "Tags": [],
                "VpcId": self.vpcs[v].id,
            })
        };
        let mut out: Vec<Value> = o
            .cvpns
            .iter()
            .enumerate()
            .map(|(n, c)| group(&c.sg, format!("client-vpn-{n}"), c.vpc, "Client VPN"))
            .collect();
        out.extend(o.va.endpoints.iter().enumerate().map(|(n, (_, v, sg, _))| {
            group(sg, format!("verified-access-{n}"), *v, "Verified Access")
        }));
        out
    }

    /// The organisation's queries: `client` (a Client VPN user of the
    /// second group of the first endpoint, to ssh on an instance of the
    /// next VPC: ask it with [`client_access`]'s group and endpoint) and
    /// `ipv6` (from a dual-stack private subnet out through the
    /// egress-only internet gateway).
    pub(super) fn org_queries(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let Some(o) = &self.org else {
            return out;
        };
        if let Some(c) = o.cvpns.first() {
            let next = (c.vpc + 1) % self.vpcs.len();
            if let Some(e) = private_instance(&self.subnets, &self.vpcs, &self.enis, next) {
                out.push(("client", format!("client->{}:22", ipv4(self.enis[e].ip))));
            }
        }
        let open_egress = |e: &EniP| {
            e.groups.iter().any(|&g| {
                self.sgs[g].egress.iter().any(|r| {
                    r.proto == "-1" && matches!(&r.peer, PeerP::Cidr(c) if c == "0.0.0.0/0")
                })
            })
        };
        let client = self
            .vpcs
            .iter()
            .enumerate()
            .filter(|(v, _)| self.dual(*v))
            .find_map(|(_, x)| {
                x.subnets
                    .iter()
                    .filter(|&&j| !self.subnets[j].public)
                    .find_map(|&j| self.instance_enis(j).find(|e| open_egress(e)))
            });
        if let Some(a) = client {
            let inst = a.instance.as_ref().map_or(&a.id, |i| &i.0);
            out.push(("ipv6", format!("{inst}->[{INTERNET_HOST_V6}]:443")));
        }
        out
    }
}
