//! Plain, validated network data: what `ingest` produces and `engine` walks.
//!
//! Every rule and resource keeps where it came from ([`Origin`]) so a trace can
//! name the file, the AWS resource and the rule (a network ACL rule's number,
//! a security-group rule's `sgr-…` ID or position). Nothing here does IO,
//! knows a file format, or knows about packet sets.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

mod access;
pub mod aws;
pub mod node;
mod origin;
mod routes;
mod transit;

pub use access::*;
pub use origin::Origin;
pub(crate) use origin::shared_str;
pub use routes::*;
pub use transit::*;

/// IP protocol as AWS rules spell it: a number, or all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Protocol {
    All,
    Number(u8),
}

impl Protocol {
    pub const TCP: Protocol = Protocol::Number(6);
    pub const UDP: Protocol = Protocol::Number(17);
    pub const ICMP: Protocol = Protocol::Number(1);
    pub const ICMPV6: Protocol = Protocol::Number(58);

    /// Parses AWS spellings: `-1`, `all`, `tcp`, `udp`, `icmp`, `icmpv6`, or a number.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_lowercase().as_str() {
            "-1" | "all" => Some(Protocol::All),
            "tcp" => Some(Protocol::TCP),
            "udp" => Some(Protocol::UDP),
            "icmp" => Some(Protocol::ICMP),
            "icmpv6" | "icmp6" => Some(Protocol::ICMPV6),
            n => n.parse::<u8>().ok().map(Protocol::Number),
        }
    }

    pub fn name(self) -> String {
        match self {
            Protocol::All => "all".into(),
            Protocol::Number(6) => "tcp".into(),
            Protocol::Number(17) => "udp".into(),
            Protocol::Number(1) => "icmp".into(),
            Protocol::Number(58) => "icmpv6".into(),
            Protocol::Number(n) => format!("proto {n}"),
        }
    }

    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Number(6) | Protocol::Number(17))
    }

    pub fn is_icmp(self) -> bool {
        matches!(self, Protocol::Number(1) | Protocol::Number(58))
    }
}

/// What a rule matches beyond the protocol: a destination port range (tcp/udp),
/// an ICMP type/code (`None` = all), or everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PortMatch {
    Any,
    Ports {
        from: u16,
        to: u16,
    },
    Icmp {
        icmp_type: Option<u8>,
        code: Option<u8>,
    },
}

impl PortMatch {
    pub fn describe(&self) -> String {
        match *self {
            PortMatch::Any => String::new(),
            PortMatch::Ports { from, to } if from == to => format!(" {from}"),
            PortMatch::Ports { from, to } if from == 0 && to == 65535 => " all ports".into(),
            PortMatch::Ports { from, to } => format!(" {from}-{to}"),
            PortMatch::Icmp {
                icmp_type: None, ..
            } => " all types".into(),
            PortMatch::Icmp {
                icmp_type: Some(t),
                code: None,
            } => format!(" type {t}"),
            PortMatch::Icmp {
                icmp_type: Some(t),
                code: Some(c),
            } => format!(" type {t} code {c}"),
        }
    }
}

/// A security-group rule's peer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Peer {
    Cidr(IpNet),
    PrefixList(String),
    /// The private IPs of the interfaces carrying this group.
    Group(String),
}

impl Peer {
    pub fn describe(&self) -> String {
        match self {
            Peer::Cidr(n) => n.to_string(),
            Peer::PrefixList(p) => p.clone(),
            Peer::Group(g) => g.clone(),
        }
    }
}

/// One security-group rule: one protocol, port range and peer (AWS lists
/// several peers under one `IpPermissions` entry; each is a rule here, as
/// `describe-security-group-rules` counts them).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SgRule {
    pub protocol: Protocol,
    pub ports: PortMatch,
    pub peer: Peer,
    pub description: Option<String>,
    /// The rule's own ID (`sgr-…`), when the input has the output of
    /// `describe-security-group-rules` (`SecurityGroupRules`).
    pub rule_id: Option<String>,
    /// Where the rule is written in its group, as a path a user can follow in
    /// the group's file (the file is the group's [`Origin`]). AWS JSON: the
    /// path inside the group's item, 0-based like JSON paths,
    /// `IpPermissions[2].IpRanges[0]` (or `Ipv6Ranges`, `PrefixListIds`,
    /// `UserIdGroupPairs`; `IpPermissionsEgress` for outbound). YAML model:
    /// `ingress[1]`, or `ingress[1].from[0]` when the rule lists several peers.
    /// [`SgRule::AWS_DEFAULT`] for a rule AWS adds that the file does not write.
    pub position: String,
}

impl SgRule {
    /// The `position` of a rule AWS adds by default (a YAML group without
    /// `egress`, a VPC's default group): no file writes it.
    pub const AWS_DEFAULT: &'static str = "(AWS default)";

    /// How traces and explanations name the rule: its `sgr-…` ID when the
    /// input has it, else its position in the file.
    pub fn label(&self) -> &str {
        self.rule_id.as_deref().unwrap_or(&self.position)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub vpc: String,
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
    /// `Tags` / `TagSet` (AWS), `tags:` (YAML model): key -> value.
    pub tags: BTreeMap<String, String>,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    Allow,
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NaclEntry {
    pub number: u16,
    pub action: Action,
    pub protocol: Protocol,
    pub cidr: IpNet,
    pub ports: PortMatch,
    /// Where the entry comes from when not its ACL's file: the Terraform
    /// address that adds it (a what-if on a plan). Traces print it beside
    /// the rule number.
    pub source: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc: String,
    pub is_default: bool,
    /// Sorted by rule number; the implicit `*` deny is not listed.
    pub inbound: Vec<NaclEntry>,
    pub outbound: Vec<NaclEntry>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Vpc {
    pub id: String,
    pub cidrs: Vec<IpNet>,
    /// `Tags` / `TagSet` (AWS), `tags:` (YAML model): key -> value.
    pub tags: BTreeMap<String, String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subnet {
    pub id: String,
    pub vpc: String,
    pub cidrs: Vec<IpNet>,
    pub az: Option<String>,
    /// `Tags` / `TagSet` (AWS), `tags:` (YAML model): key -> value.
    pub tags: BTreeMap<String, String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrivateIp {
    pub address: IpAddr,
    /// Public or Elastic IPv4 mapped 1:1 to it by the internet gateway.
    pub public: Option<IpAddr>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Interface {
    pub id: String,
    pub vpc: String,
    pub subnet: String,
    /// Primary first.
    pub private_ips: Vec<PrivateIp>,
    pub ipv6: Vec<IpAddr>,
    /// Delegated prefixes (`Ipv4Prefixes`, `Ipv6Prefixes`): every address in
    /// them belongs to this interface.
    pub prefixes: Vec<IpNet>,
    pub groups: Vec<String>,
    pub instance: Option<String>,
    /// `Attachment.DeviceIndex`: 0 is the instance's primary interface.
    pub device_index: Option<u32>,
    /// `Status`: `in-use` when attached and answering; `available` when detached.
    pub status: String,
    /// `interface`, `nat_gateway`, ... as AWS reports `InterfaceType`.
    pub kind: String,
    pub description: Option<String>,
    /// `Tags` / `TagSet` (AWS), `tags:` (YAML model): key -> value.
    pub tags: BTreeMap<String, String>,
    pub origin: Origin,
}

/// `InterfaceType`s that AWS documents as having no security group: nothing
/// filters them by group (aws-semantics.md §5b).
pub const GROUPLESS_KINDS: [&str; 5] = [
    "network_load_balancer",
    "transit_gateway",
    "gateway_load_balancer",
    "gateway_load_balancer_endpoint",
    "nat_gateway",
];

impl Interface {
    /// Whether packets can start here. A transit gateway attachment's
    /// interface only forwards what the transit gateway carries (the
    /// senders' own addresses): it is no source of its own, so whole-network
    /// answers (`who`, `diff`) do not list it.
    pub fn originates(&self) -> bool {
        self.kind != "transit_gateway"
    }

    pub fn primary_ip(&self) -> Option<IpAddr> {
        self.private_ips.first().map(|p| p.address)
    }

    /// The address a query naming the interface means: its primary private
    /// IP or, for an IPv6-only interface (in an IPv6-only subnet AWS
    /// assigns no private IPv4 address, and `describe-network-interfaces`
    /// lists no `PrivateIpAddresses`), its first IPv6 address.
    pub fn main_ip(&self) -> Option<IpAddr> {
        self.primary_ip().or_else(|| self.ipv6.first().copied())
    }

    /// The first address of the family of `like` (IPv4: the primary private IP).
    pub fn address_like(&self, like: IpAddr) -> Option<IpAddr> {
        if like.is_ipv4() {
            self.private_ips
                .iter()
                .map(|p| p.address)
                .find(IpAddr::is_ipv4)
        } else {
            self.ipv6.first().copied().or_else(|| {
                self.private_ips
                    .iter()
                    .map(|p| p.address)
                    .find(IpAddr::is_ipv6)
            })
        }
    }

    pub fn has_ip(&self, ip: IpAddr) -> bool {
        self.private_ips.iter().any(|p| p.address == ip)
            || self.ipv6.contains(&ip)
            || self.prefixes.iter().any(|p| p.contains(&ip))
    }

    /// Security groups do not filter it: a type AWS documents as group-less,
    /// listed without groups.
    pub fn groupless(&self) -> bool {
        self.groups.is_empty() && GROUPLESS_KINDS.contains(&self.kind.as_str())
    }

    /// `in-use`: attached to something that answers.
    pub fn in_use(&self) -> bool {
        self.status == "in-use"
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Platform {
    Linux,
    Windows,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Instance {
    pub id: String,
    pub interfaces: Vec<String>,
    pub platform: Platform,
    pub state: Option<String>,
    /// `Tags` / `TagSet` (AWS), `tags:` (YAML model): key -> value.
    pub tags: BTreeMap<String, String>,
    pub origin: Origin,
}

impl Instance {
    /// `running` (or a state the input does not give): its interfaces answer.
    pub fn running(&self) -> bool {
        self.state.as_deref().is_none_or(|s| s == "running")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InternetGateway {
    pub id: String,
    pub vpcs: Vec<String>,
    /// True for egress-only internet gateways (IPv6, outbound-initiated only).
    pub egress_only: bool,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NatGateway {
    pub id: String,
    pub vpc: String,
    pub subnet: String,
    pub state: String,
    /// `public` or `private`.
    pub connectivity: String,
    pub private_ip: Option<IpAddr>,
    pub public_ip: Option<IpAddr>,
    pub interface: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Peering {
    pub id: String,
    pub requester_vpc: String,
    pub accepter_vpc: String,
    pub status: String,
    pub origin: Origin,
}

impl Peering {
    /// The VPC on the other side of `vpc`, if `vpc` is one side.
    pub fn other_side(&self, vpc: &str) -> Option<&str> {
        if self.requester_vpc == vpc {
            Some(&self.accepter_vpc)
        } else if self.accepter_vpc == vpc {
            Some(&self.requester_vpc)
        } else {
            None
        }
    }
}

/// A resource type found in input but not modelled; reported, never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    #[serde(with = "origin::shared_str")]
    pub file: Arc<str>,
    pub kind: String,
    pub count: usize,
}

/// The whole network. Maps are keyed by AWS ID.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Network {
    pub vpcs: BTreeMap<String, Vpc>,
    pub subnets: BTreeMap<String, Subnet>,
    pub route_tables: BTreeMap<String, RouteTable>,
    pub security_groups: BTreeMap<String, SecurityGroup>,
    pub network_acls: BTreeMap<String, NetworkAcl>,
    /// Subnet -> network ACL association.
    pub nacl_of_subnet: BTreeMap<String, String>,
    pub interfaces: BTreeMap<String, Interface>,
    pub instances: BTreeMap<String, Instance>,
    pub internet_gateways: BTreeMap<String, InternetGateway>,
    pub nat_gateways: BTreeMap<String, NatGateway>,
    pub peerings: BTreeMap<String, Peering>,
    pub prefix_lists: BTreeMap<String, PrefixList>,
    pub client_vpn_endpoints: BTreeMap<String, ClientVpnEndpoint>,
    /// Elastic IPs allocated but associated with nothing: public IP -> allocation ID.
    pub idle_addresses: BTreeMap<IpAddr, String>,
    pub va_instances: BTreeMap<String, VaInstance>,
    pub va_trust_providers: BTreeMap<String, VaTrustProvider>,
    pub va_groups: BTreeMap<String, VaGroup>,
    pub va_endpoints: BTreeMap<String, VaEndpoint>,
    pub transit_gateways: BTreeMap<String, TransitGateway>,
    pub tgw_attachments: BTreeMap<String, TgwAttachment>,
    pub tgw_route_tables: BTreeMap<String, TgwRouteTable>,
    pub vpn_connections: BTreeMap<String, VpnConnection>,
    pub vpn_gateways: BTreeMap<String, VpnGateway>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
    /// Security group -> member interface IDs, built on first use (a check
    /// asks it once per group-referencing rule). Rebuilt if the number of
    /// interfaces changed since.
    #[serde(skip)]
    group_index: std::sync::OnceLock<(usize, BTreeMap<String, Vec<String>>)>,
    /// Interfaces by address and by instance, built on first use (a check
    /// looks addresses up at every hop). Rebuilt when the number of
    /// interfaces, instances or route tables changed; code that edits an
    /// interface's addresses, groups or instance, or a route table's subnet
    /// associations, in place calls [`Network::reindex`].
    #[serde(skip)]
    addr_index: std::sync::OnceLock<((usize, usize, usize), AddrIndex)>,
    /// What a layer above computes from this network once and reads often
    /// (the engine's security-group members as addresses).
    #[serde(skip)]
    pub memo: Memo,
}

/// A slot for what a layer above the model derives from one [`Network`]
/// and reads often: it lives as long as the network, a clone starts empty
/// (clones are edited: `diff`, `synth`), and [`Network::reindex`] empties
/// it. The model neither knows nor reads what it holds; the holder checks
/// that the network's shape still matches what it computed from.
#[derive(Default)]
pub struct Memo(std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>);

impl Memo {
    /// The value of type `T`, made by `init` on first use; `None` when the
    /// slot already holds another type.
    pub fn get_or_init<T: std::any::Any + Send + Sync>(
        &self,
        init: impl FnOnce() -> T,
    ) -> Option<&T> {
        self.0.get_or_init(|| Box::new(init())).downcast_ref()
    }
}

impl Clone for Memo {
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

/// Lookups [`Network`] answers often: interface IDs by private address, by
/// public address (with the private address it maps to), by instance, and
/// the interfaces holding delegated prefixes (checked one by one).
#[derive(Clone, Debug, Default)]
struct AddrIndex {
    private: std::collections::HashMap<IpAddr, Vec<String>>,
    public: std::collections::HashMap<IpAddr, (String, IpAddr)>,
    instance: std::collections::HashMap<String, Vec<String>>,
    prefixed: Vec<String>,
    /// Subnet -> the route table explicitly associated with it (the first
    /// in ID order).
    route_table: std::collections::HashMap<String, String>,
    /// VPC -> its main route table (the first in ID order).
    main_table: std::collections::HashMap<String, String>,
}

impl AddrIndex {
    fn new(net: &Network) -> AddrIndex {
        let mut x = AddrIndex::default();
        for i in net.interfaces.values() {
            for p in &i.private_ips {
                x.private.entry(p.address).or_default().push(i.id.clone());
                if let Some(public) = p.public {
                    x.public.entry(public).or_insert((i.id.clone(), p.address));
                }
            }
            for a in &i.ipv6 {
                x.private.entry(*a).or_default().push(i.id.clone());
            }
            if !i.prefixes.is_empty() {
                x.prefixed.push(i.id.clone());
            }
            if let Some(inst) = &i.instance {
                x.instance
                    .entry(inst.clone())
                    .or_default()
                    .push(i.id.clone());
            }
        }
        for v in x.private.values_mut() {
            v.dedup();
        }
        for rt in net.route_tables.values() {
            for sub in &rt.subnets {
                x.route_table.entry(sub.clone()).or_insert(rt.id.clone());
            }
            if rt.main {
                x.main_table.entry(rt.vpc.clone()).or_insert(rt.id.clone());
            }
        }
        x
    }

    /// What the index was built from, as far as a lookup can check cheaply.
    fn shape(net: &Network) -> (usize, usize, usize) {
        (
            net.interfaces.len(),
            net.instances.len(),
            net.route_tables.len(),
        )
    }
}

impl Network {
    /// Drops the lookup indexes (after editing interfaces in place).
    pub fn reindex(&mut self) {
        self.group_index = std::sync::OnceLock::new();
        self.addr_index = std::sync::OnceLock::new();
        self.memo = Memo::default();
    }

    fn addr_index(&self) -> std::borrow::Cow<'_, AddrIndex> {
        let idx = self
            .addr_index
            .get_or_init(|| (AddrIndex::shape(self), AddrIndex::new(self)));
        if idx.0 == AddrIndex::shape(self) {
            std::borrow::Cow::Borrowed(&idx.1)
        } else {
            std::borrow::Cow::Owned(AddrIndex::new(self))
        }
    }

    /// Interfaces holding `ip` as a private or IPv6 address or in a
    /// delegated prefix, in ID order.
    fn holders(&self, ip: IpAddr) -> Vec<&Interface> {
        let idx = self.addr_index();
        let mut ids: Vec<&String> = idx
            .private
            .get(&ip)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let mut out: Vec<&Interface> = ids
            .drain(..)
            .filter_map(|id| self.interfaces.get(id))
            .collect();
        for id in &idx.prefixed {
            if let Some(i) = self.interfaces.get(id)
                && i.prefixes.iter().any(|p| p.contains(&ip))
                && !out.iter().any(|o| o.id == i.id)
            {
                out.push(i);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The NAT gateway whose public IP is `ip`.
    pub fn nat_by_public_ip(&self, ip: IpAddr) -> Option<&NatGateway> {
        self.nat_gateways.values().find(|n| n.public_ip == Some(ip))
    }

    /// The route table governing a subnet: its explicit association, else the main table of its VPC.
    pub fn route_table_of(&self, subnet: &str) -> Option<&RouteTable> {
        let vpc = &self.subnets.get(subnet)?.vpc;
        let index = self.addr_index();
        index
            .route_table
            .get(subnet)
            .and_then(|id| self.route_tables.get(id))
            .filter(|rt| rt.subnets.iter().any(|s| s == subnet))
            .or_else(|| {
                index
                    .main_table
                    .get(vpc)
                    .and_then(|id| self.route_tables.get(id))
                    .filter(|rt| rt.main && &rt.vpc == vpc)
            })
            // An index older than an edit of the tables.
            .or_else(|| {
                self.route_tables
                    .values()
                    .find(|rt| rt.main && &rt.vpc == vpc)
            })
    }

    pub fn nacl_of(&self, subnet: &str) -> Option<&NetworkAcl> {
        self.network_acls.get(self.nacl_of_subnet.get(subnet)?)
    }

    /// Interfaces of a VPC holding `ip` as a private (or IPv6) address.
    pub fn interface_by_private_ip(&self, vpc: &str, ip: IpAddr) -> Option<&Interface> {
        self.holders(ip)
            .into_iter()
            .find(|i| i.vpc == vpc && i.has_ip(ip))
    }

    /// Every interface, any VPC, holding `ip` as a private address.
    pub fn interfaces_with_ip(&self, ip: IpAddr) -> impl Iterator<Item = &Interface> {
        self.holders(ip).into_iter().filter(move |i| i.has_ip(ip))
    }

    /// The interface and private IP a public IP maps to (the first interface
    /// in ID order that maps it).
    pub fn interface_by_public_ip(&self, ip: IpAddr) -> Option<(&Interface, IpAddr)> {
        let (id, private) = self.addr_index().public.get(&ip).cloned()?;
        let i = self.interfaces.get(&id)?;
        i.private_ips
            .iter()
            .any(|p| p.address == private && p.public == Some(ip))
            .then_some((i, private))
    }

    /// The internet gateway (not egress-only) attached to a VPC.
    pub fn igw_of_vpc(&self, vpc: &str) -> Option<&InternetGateway> {
        self.internet_gateways
            .values()
            .find(|g| !g.egress_only && g.vpcs.iter().any(|v| v == vpc))
    }

    /// An instance's interfaces, primary (`DeviceIndex` 0) first: those
    /// `describe-instances` lists, and those whose `Attachment.InstanceId`
    /// names it (the instance may be missing from the input).
    pub fn instance_interfaces(&self, id: &str) -> Vec<&Interface> {
        let mut enis: Vec<&Interface> = match self.instances.get(id) {
            Some(inst) => inst
                .interfaces
                .iter()
                .filter_map(|e| self.interfaces.get(e))
                .collect(),
            None => Vec::new(),
        };
        let idx = self.addr_index();
        for i in idx
            .instance
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|e| self.interfaces.get(e))
        {
            if i.instance.as_deref() == Some(id) && !enis.iter().any(|e| e.id == i.id) {
                enis.push(i);
            }
        }
        // A stable sort: without device indexes, the order listed.
        enis.sort_by_key(|e| e.device_index.unwrap_or(u32::MAX));
        enis
    }

    pub fn nat_gateway_by_interface(&self, eni: &str) -> Option<&NatGateway> {
        self.nat_gateways
            .values()
            .find(|n| n.interface.as_deref() == Some(eni))
    }

    /// Appliances: the interfaces a route sends packets to (a route's
    /// target: a network interface, or each interface of an instance), in
    /// any VPC route table (a subnet's or a gateway's).
    pub fn appliances(&self) -> std::collections::BTreeSet<&str> {
        let mut out = std::collections::BTreeSet::new();
        let mut instances = std::collections::BTreeSet::new();
        for r in self.route_tables.values().flat_map(|t| &t.routes) {
            match &r.target {
                Target::NetworkInterface(e) => {
                    out.insert(e.as_str());
                }
                Target::Instance(i) => {
                    instances.insert(i.as_str());
                }
                _ => {}
            }
        }
        for i in self.interfaces.values() {
            if i.instance.as_deref().is_some_and(|x| instances.contains(x)) {
                out.insert(i.id.as_str());
            }
        }
        out
    }

    /// Interfaces carrying security group `sg`.
    pub fn members_of_group<'a>(&'a self, sg: &'a str) -> impl Iterator<Item = &'a Interface> + 'a {
        let fresh = |net: &Network| {
            let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for i in net.interfaces.values() {
                for g in &i.groups {
                    m.entry(g.clone()).or_default().push(i.id.clone());
                }
            }
            (net.interfaces.len(), m)
        };
        let idx = self.group_index.get_or_init(|| fresh(self));
        let ids: Vec<String> = if idx.0 == self.interfaces.len() {
            idx.1.get(sg).cloned().unwrap_or_default()
        } else {
            fresh(self).1.remove(sg).unwrap_or_default()
        };
        ids.into_iter()
            .filter_map(move |id| self.interfaces.get(&id))
    }

    /// A Client VPN association by its ID, with its endpoint.
    pub fn association(&self, id: &str) -> Option<(&ClientVpnEndpoint, &ClientVpnAssociation)> {
        self.client_vpn_endpoints
            .values()
            .find_map(|e| e.associations.iter().find(|a| a.id == id).map(|a| (e, a)))
    }

    /// The attachments of transit gateway `tgw`, in ID order.
    pub fn tgw_attachments_of<'a>(
        &'a self,
        tgw: &'a str,
    ) -> impl Iterator<Item = &'a TgwAttachment> {
        self.tgw_attachments.values().filter(move |a| a.tgw == tgw)
    }

    /// The VPC attachments of `vpc` to transit gateway `tgw`.
    pub fn tgw_vpc_attachments<'a>(
        &'a self,
        tgw: &'a str,
        vpc: &'a str,
    ) -> impl Iterator<Item = &'a TgwAttachment> {
        self.tgw_attachments_of(tgw).filter(move |a| {
            a.resource_type == TgwResourceType::Vpc
                && (a.vpc.as_ref().is_some_and(|v| v.vpc == vpc)
                    || a.resource_id.as_deref() == Some(vpc))
        })
    }

    /// The subnet of a VPC attachment in Availability Zone `az` (the
    /// subnets' zones as the input gives them).
    pub fn tgw_subnet_in_az<'a>(&self, attachment: &'a TgwAttachment, az: &str) -> Option<&'a str> {
        attachment
            .vpc
            .as_ref()?
            .subnets
            .iter()
            .find(|s| {
                self.subnets
                    .get(*s)
                    .and_then(|s| s.az.as_deref())
                    .is_some_and(|z| z == az)
            })
            .map(String::as_str)
    }
}
