//! The project's YAML model: a concise, hand-written form of a network.
//!
//! Parsing checks the shape (unknown keys are errors, values are parsed with
//! their exact path and line/column); lowering happens in `finish`, after all
//! documents are in, and adds what AWS would add implicitly (default network
//! ACL and security group, main route table, `local` routes, NAT interfaces).

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;

use super::common::{
    Ip, Net, OneOrMany, PortRange, Proto, fmt_segments, outside_vpc, overlapping, parse_net,
};
use super::defaults::{
    CVPN_ENI_DESCRIPTION, add_local_routes, add_vpc_defaults, all_v4, all_v6, default_nacl_of,
    default_sg_id, default_sg_of,
};
use super::error::{IngestError, field_err, one_line, resource, split_serde};
use super::state::{GroupRef, GroupRefs, State, merge, resource_ids};
use super::va;
use crate::model::{
    Action, ClientVpnAssociation, ClientVpnAuthRule, ClientVpnAuthType, ClientVpnEndpoint,
    ClientVpnRoute, Instance, Interface, InternetGateway, NaclEntry, NatGateway, NetworkAcl,
    Origin, Peer, Peering, Platform, PortMatch, PrefixList, PrivateIp, Protocol, Route, RouteDest,
    RouteOrigin, RouteState, RouteTable, SecurityGroup, SgRule, Subnet, Target, Vpc,
};

// ---------------------------------------------------------------------------
// Document shape
// ---------------------------------------------------------------------------

/// One YAML model document. A section that is present (even `[]`) counts as
/// loaded for reference checks.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Model {
    vpcs: Option<Vec<VpcY>>,
    subnets: Option<Vec<SubnetY>>,
    route_tables: Option<Vec<RouteTableY>>,
    security_groups: Option<Vec<SecurityGroupY>>,
    network_acls: Option<Vec<NaclY>>,
    interfaces: Option<Vec<InterfaceY>>,
    instances: Option<Vec<InstanceY>>,
    internet_gateways: Option<Vec<IgwY>>,
    egress_only_internet_gateways: Option<Vec<IgwY>>,
    nat_gateways: Option<Vec<NatY>>,
    peerings: Option<Vec<PeeringY>>,
    prefix_lists: Option<Vec<PrefixListY>>,
    client_vpn_endpoints: Option<Vec<CvpnY>>,
    verified_access_instances: Option<Vec<va::InstanceY>>,
    verified_access_trust_providers: Option<Vec<va::TrustProviderY>>,
    verified_access_groups: Option<Vec<va::GroupY>>,
    verified_access_endpoints: Option<Vec<va::EndpointY>>,
}

/// Human name of a section's resources, for messages.
fn kind_of_section(section: &str) -> &'static str {
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
        _ => "resource",
    }
}

/// The `id` of a YAML item, for the model's ID checks.
pub(crate) trait YamlId {
    fn yaml_id(&self) -> &str;
}

macro_rules! yaml_id {
    ($($t:ty),*) => {$(
        impl YamlId for $t {
            fn yaml_id(&self) -> &str { &self.id }
        }
    )*};
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
    CvpnY
);

impl Model {
    /// Every ID the document declares, in order: the section item it names
    /// (`subnets[2]`, `client_vpn_endpoints[0].associations[1]`), its kind, the ID.
    fn declared_ids(&self) -> Vec<(String, &'static str, &str)> {
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
        out
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VpcY {
    id: String,
    cidr: Option<Net>,
    #[serde(default)]
    cidrs: Vec<Net>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubnetY {
    id: String,
    vpc: String,
    cidr: Option<Net>,
    #[serde(default)]
    cidrs: Vec<Net>,
    az: Option<String>,
    route_table: Option<String>,
    nacl: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteTableY {
    id: String,
    vpc: String,
    #[serde(default)]
    main: bool,
    /// Gateways (`igw-`, `vgw-`) whose incoming traffic this table routes first.
    #[serde(default)]
    gateways: Vec<String>,
    #[serde(default)]
    routes: Vec<RouteY>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteY {
    dest: Dest,
    target: String,
    #[serde(default)]
    state: StateY,
    /// Learned from a virtual private gateway (route propagation).
    #[serde(default)]
    propagated: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StateY {
    #[default]
    Active,
    Blackhole,
}

/// A route destination: a CIDR or `pl-…`.
#[derive(Debug)]
struct Dest(RouteDest);

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
struct SecurityGroupY {
    id: String,
    vpc: String,
    name: Option<String>,
    #[serde(default)]
    ingress: Vec<RuleY>,
    /// Omitted: AWS's default for a new group (all traffic out).
    egress: Option<Vec<RuleY>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleY {
    proto: Proto,
    ports: Option<PortRange>,
    r#type: Option<u8>,
    code: Option<u8>,
    from: Option<OneOrMany<PeerY>>,
    to: Option<OneOrMany<PeerY>>,
    description: Option<String>,
}

/// A security-group peer: a CIDR, `pl-…` or `sg-…`.
#[derive(Debug)]
struct PeerY(Peer);

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
struct NaclY {
    id: String,
    vpc: String,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    inbound: Vec<NaclEntryY>,
    #[serde(default)]
    outbound: Vec<NaclEntryY>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NaclEntryY {
    rule: u16,
    proto: Proto,
    ports: Option<PortRange>,
    r#type: Option<u8>,
    code: Option<u8>,
    cidr: Net,
    action: ActionY,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ActionY {
    Allow,
    Deny,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterfaceY {
    id: String,
    subnet: String,
    ip: Option<Ip>,
    #[serde(default)]
    ips: Vec<Ip>,
    public_ip: Option<Ip>,
    #[serde(default)]
    ipv6: Vec<Ip>,
    /// Delegated prefixes (IPv4 or IPv6).
    #[serde(default)]
    prefixes: Vec<Net>,
    groups: Option<Vec<String>>,
    instance: Option<String>,
    /// 0 for the instance's primary interface (default: order of appearance).
    device_index: Option<u32>,
    /// `in-use` (default) or `available` (detached).
    status: Option<String>,
    kind: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceY {
    id: String,
    #[serde(default)]
    platform: PlatformY,
    state: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum PlatformY {
    #[default]
    Linux,
    Windows,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgwY {
    id: String,
    vpc: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NatY {
    id: String,
    subnet: String,
    private_ip: Ip,
    public_ip: Option<Ip>,
    interface: Option<String>,
    connectivity: Option<ConnectivityY>,
    state: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ConnectivityY {
    Public,
    Private,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeeringY {
    id: String,
    requester: String,
    accepter: String,
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrefixListY {
    id: String,
    name: Option<String>,
    owner: Option<String>,
    cidrs: Option<Vec<Net>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CvpnY {
    id: String,
    vpc: String,
    client_cidr: Net,
    /// AWS's default: all client traffic goes through the VPN.
    #[serde(default)]
    split_tunnel: bool,
    status: Option<String>,
    auth: Option<OneOrMany<AuthY>>,
    security_groups: Option<Vec<String>>,
    #[serde(default)]
    associations: Vec<CvpnAssocY>,
    #[serde(default)]
    routes: Vec<CvpnRouteY>,
    authorization: Option<Vec<CvpnAuthY>>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum AuthY {
    Certificate,
    Directory,
    Federated,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CvpnAssocY {
    subnet: String,
    id: Option<String>,
    status: Option<String>,
    interface: Option<String>,
    ip: Option<Ip>,
    /// The public IP of the association's ENI (a subnet routed to an internet gateway).
    public_ip: Option<Ip>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CvpnRouteY {
    dest: Net,
    subnet: String,
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CvpnAuthY {
    dest: Net,
    #[serde(default)]
    access_all: bool,
    group: Option<String>,
    status: Option<String>,
    description: Option<String>,
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

fn yaml_message(e: &serde_saphyr::Error) -> String {
    one_line(&e.without_snippet().to_string())
}

/// Parses a YAML model: syntax errors are `Parse`, shape errors `Field`
/// (with the item's `id` when it has one), both with line/column.
pub(crate) fn parse(file: &Arc<str>, text: &str) -> Result<Model, IngestError> {
    // Untyped first: syntax errors, and the IDs for naming a bad item.
    let value: Value = serde_saphyr::from_str(text).map_err(|e| IngestError::Parse {
        file: file.to_string(),
        message: format!("invalid yaml: {}", yaml_message(&e)),
    })?;
    if !matches!(value, Value::Object(_) | Value::Null) {
        return Err(IngestError::Parse {
            file: file.to_string(),
            message: "expected a mapping of sections (`vpcs:`, `subnets:`, ...) at the top".into(),
        });
    }
    let mut path = None;
    let typed = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize::<_, Option<Model>>(de).map_err(|e| {
            path = Some(e.path().clone());
            e.into_inner()
        })
    });
    match typed {
        Ok(m) => Ok(m.unwrap_or_default()),
        Err(e) => {
            let segs: Vec<serde_path_to_error::Segment> = path
                .map(|p| p.iter().cloned().collect())
                .unwrap_or_default();
            Err(shape_error(file, &value, &segs, &yaml_message(&e)))
        }
    }
}

fn shape_error(
    file: &str,
    value: &Value,
    segs: &[serde_path_to_error::Segment],
    message: &str,
) -> IngestError {
    use serde_path_to_error::Segment;
    let (res, rest) = match segs {
        [Segment::Map { key }, Segment::Seq { index }, rest @ ..] => {
            let id = value
                .get(key)
                .and_then(|s| s.get(index))
                .and_then(|i| i.get("id"))
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
            let res = match id {
                Some(id) => resource(kind_of_section(key), &id),
                None => format!("{key}[{index}]"),
            };
            (res, rest)
        }
        _ => ("model".to_string(), segs),
    };
    let (field, message) = split_serde(&fmt_segments(rest), message);
    field_err(file, &res, field, message)
}

// ---------------------------------------------------------------------------
// Lowering
// ---------------------------------------------------------------------------

struct Cx<'a> {
    file: &'a str,
    origin: Origin,
}

impl Cx<'_> {
    fn err(&self, res: &str, field: impl Into<String>, message: impl Into<String>) -> IngestError {
        field_err(self.file, res, field, message)
    }
    fn unknown(&self, res: &str, field: &str, kind: &str, id: &str) -> IngestError {
        IngestError::UnknownRef {
            file: self.file.to_string(),
            resource: res.to_string(),
            field: field.to_string(),
            kind: kind.to_string(),
            id: id.to_string(),
        }
    }
}

/// Lowers every YAML document (in load order) into `st`, then applies AWS's implicit defaults.
pub(crate) fn lower_all(st: &mut State, docs: &[(Arc<str>, Model)]) -> Result<(), IngestError> {
    let mut yaml_vpcs: Vec<String> = Vec::new();
    let mut yaml_tables: Vec<String> = Vec::new();
    let mut yaml_instances: Vec<String> = Vec::new();
    // subnet -> (cx index, route_table, nacl)
    let mut subnet_links: BTreeMap<String, (usize, Option<String>, Option<String>)> =
        BTreeMap::new();

    let cxs: Vec<Cx> = docs
        .iter()
        .map(|(f, _)| Cx {
            file: f,
            origin: Origin::new(f.clone()),
        })
        .collect();
    check_ids(st, &cxs, docs)?;

    for (n, (cx, (_, m))) in cxs.iter().zip(docs).enumerate() {
        if m.vpcs.is_some() {
            st.loaded.vpcs = true;
            st.loaded.security_groups = true; // each YAML VPC gets its default group
        }
        if m.subnets.is_some() {
            st.loaded.subnets = true;
        }
        if m.security_groups.is_some() {
            st.loaded.security_groups = true;
        }
        for v in m.vpcs.iter().flatten() {
            let res = resource("vpc", &v.id);
            let cidrs: Vec<IpNet> = v.cidr.iter().chain(&v.cidrs).map(|n| n.0).collect();
            if cidrs.is_empty() {
                return Err(cx.err(&res, "cidr", "missing (or `cidrs`)"));
            }
            let vpc = Vpc {
                id: v.id.clone(),
                cidrs,
                origin: cx.origin.clone(),
            };
            merge(&mut st.net.vpcs, &mut st.warnings, "vpc", &v.id, vpc);
            yaml_vpcs.push(v.id.clone());
        }
        for p in m.prefix_lists.iter().flatten() {
            let pl = PrefixList {
                id: p.id.clone(),
                name: p.name.clone(),
                owner: p.owner.clone(),
                family: None,
                entries: p.cidrs.as_ref().map(|c| c.iter().map(|n| n.0).collect()),
                origin: cx.origin.clone(),
            };
            merge(
                &mut st.net.prefix_lists,
                &mut st.warnings,
                "prefix list",
                &p.id,
                pl,
            );
        }
        for g in m.security_groups.iter().flatten() {
            lower_sg(st, cx, g)?;
        }
        for a in m.network_acls.iter().flatten() {
            lower_nacl(st, cx, a)?;
        }
        for t in m.route_tables.iter().flatten() {
            let rt = RouteTable {
                id: t.id.clone(),
                vpc: t.vpc.clone(),
                main: t.main,
                subnets: Vec::new(),
                gateways: t.gateways.clone(),
                routes: t
                    .routes
                    .iter()
                    .map(|r| Route {
                        dest: r.dest.0.clone(),
                        target: Target::from_id(&r.target),
                        state: match r.state {
                            StateY::Active => RouteState::Active,
                            StateY::Blackhole => RouteState::Blackhole,
                        },
                        origin: if r.propagated {
                            RouteOrigin::Propagated
                        } else {
                            RouteOrigin::Static
                        },
                    })
                    .collect(),
                origin: cx.origin.clone(),
            };
            merge(
                &mut st.net.route_tables,
                &mut st.warnings,
                "route table",
                &t.id,
                rt,
            );
            yaml_tables.push(t.id.clone());
        }
        for s in m.subnets.iter().flatten() {
            let res = resource("subnet", &s.id);
            let cidrs: Vec<IpNet> = s.cidr.iter().chain(&s.cidrs).map(|n| n.0).collect();
            if cidrs.is_empty() {
                return Err(cx.err(&res, "cidr", "missing (or `cidrs`)"));
            }
            let subnet = Subnet {
                id: s.id.clone(),
                vpc: s.vpc.clone(),
                cidrs,
                az: s.az.clone(),
                origin: cx.origin.clone(),
            };
            merge(
                &mut st.net.subnets,
                &mut st.warnings,
                "subnet",
                &s.id,
                subnet,
            );
            subnet_links.insert(s.id.clone(), (n, s.route_table.clone(), s.nacl.clone()));
        }
        for (list, egress_only) in [
            (&m.internet_gateways, false),
            (&m.egress_only_internet_gateways, true),
        ] {
            for g in list.iter().flatten() {
                let igw = InternetGateway {
                    id: g.id.clone(),
                    vpcs: g.vpc.iter().cloned().collect(),
                    egress_only,
                    origin: cx.origin.clone(),
                };
                let kind = if egress_only {
                    "egress-only internet gateway"
                } else {
                    "internet gateway"
                };
                merge(
                    &mut st.net.internet_gateways,
                    &mut st.warnings,
                    kind,
                    &g.id,
                    igw,
                );
            }
        }
        for p in m.peerings.iter().flatten() {
            let peering = Peering {
                id: p.id.clone(),
                requester_vpc: p.requester.clone(),
                accepter_vpc: p.accepter.clone(),
                status: p.status.clone().unwrap_or_else(|| "active".into()),
                origin: cx.origin.clone(),
            };
            merge(
                &mut st.net.peerings,
                &mut st.warnings,
                "vpc peering connection",
                &p.id,
                peering,
            );
        }
        for i in m.instances.iter().flatten() {
            let inst = Instance {
                id: i.id.clone(),
                interfaces: Vec::new(),
                platform: match i.platform {
                    PlatformY::Linux => Platform::Linux,
                    PlatformY::Windows => Platform::Windows,
                },
                state: Some(i.state.clone().unwrap_or_else(|| "running".into())),
                origin: cx.origin.clone(),
            };
            merge(
                &mut st.net.instances,
                &mut st.warnings,
                "instance",
                &i.id,
                inst,
            );
            yaml_instances.push(i.id.clone());
        }
    }

    check_subnet_cidrs(st, &cxs, docs)?;
    add_vpc_defaults(st, &yaml_vpcs, &mut yaml_tables);

    // Subnet associations: explicit, else the VPC's default network ACL.
    for (subnet_id, (n, rt, acl)) in &subnet_links {
        let cx = &cxs[*n];
        let res = resource("subnet", subnet_id);
        let Some(vpc) = st.net.subnets.get(subnet_id).map(|s| s.vpc.clone()) else {
            continue;
        };
        if let Some(rt_id) = rt {
            let Some(table) = st.net.route_tables.get_mut(rt_id) else {
                return Err(cx.unknown(&res, "route_table", "route table", rt_id));
            };
            if table.vpc != vpc {
                return Err(cx.err(
                    &res,
                    "route_table",
                    format!(
                        "route table `{rt_id}` is in vpc `{}`, the subnet in `{vpc}`",
                        table.vpc
                    ),
                ));
            }
            if !table.subnets.contains(subnet_id) {
                table.subnets.push(subnet_id.clone());
            }
        }
        match acl {
            Some(acl_id) => {
                let Some(a) = st.net.network_acls.get(acl_id) else {
                    return Err(cx.unknown(&res, "nacl", "network acl", acl_id));
                };
                if a.vpc != vpc {
                    return Err(cx.err(
                        &res,
                        "nacl",
                        format!(
                            "network acl `{acl_id}` is in vpc `{}`, the subnet in `{vpc}`",
                            a.vpc
                        ),
                    ));
                }
                st.set_nacl_of_subnet(subnet_id, acl_id, cx.file);
            }
            None => {
                if !st.net.nacl_of_subnet.contains_key(subnet_id)
                    && let Some(d) = default_nacl_of(st, &vpc)
                {
                    st.net.nacl_of_subnet.insert(subnet_id.clone(), d);
                }
            }
        }
    }

    // Interfaces and NAT gateways need their subnet's VPC.
    let mut iface_instances: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        for i in m.interfaces.iter().flatten() {
            let mut eni = lower_interface(st, cx, i)?;
            if let Some(inst) = &eni.instance {
                let enis = iface_instances.entry(inst.clone()).or_default();
                // Without `device_index`, the order of appearance: the first is primary.
                if eni.device_index.is_none() {
                    eni.device_index = u32::try_from(enis.len()).ok();
                }
                enis.push(eni.id.clone());
            }
            let id = eni.id.clone();
            merge(
                &mut st.net.interfaces,
                &mut st.warnings,
                "network interface",
                &id,
                eni,
            );
        }
        for g in m.nat_gateways.iter().flatten() {
            lower_nat(st, cx, g)?;
        }
    }

    // Client VPN endpoints need subnets, security groups and interfaces.
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        for e in m.client_vpn_endpoints.iter().flatten() {
            lower_client_vpn(st, cx, e)?;
        }
    }

    for (cx, (_, m)) in cxs.iter().zip(docs) {
        for i in m.verified_access_instances.iter().flatten() {
            va::lower_yaml_instance(st, &cx.origin, i);
        }
        for t in m.verified_access_trust_providers.iter().flatten() {
            va::lower_yaml_trust_provider(st, &cx.origin, t);
        }
        for g in m.verified_access_groups.iter().flatten() {
            va::lower_yaml_group(st, &cx.origin, g);
        }
        for e in m.verified_access_endpoints.iter().flatten() {
            va::lower_yaml_endpoint(st, cx.file, &cx.origin, e)?;
        }
    }

    add_local_routes(st, &yaml_tables);

    // Instances: those named by an interface exist implicitly; their interfaces are the ones naming them.
    for (inst, mut enis) in iface_instances {
        enis.sort();
        enis.dedup();
        match st.net.instances.get_mut(&inst) {
            Some(i) => {
                for e in enis {
                    if !i.interfaces.contains(&e) {
                        i.interfaces.push(e);
                    }
                }
            }
            None => {
                let origin = st
                    .net
                    .interfaces
                    .get(enis.first().map(String::as_str).unwrap_or_default())
                    .map(|e| e.origin.clone())
                    .unwrap_or_else(|| Origin::new(""));
                st.net.instances.insert(
                    inst.clone(),
                    Instance {
                        id: inst,
                        interfaces: enis,
                        platform: Platform::Linux,
                        state: Some("running".into()),
                        origin,
                    },
                );
            }
        }
    }
    for id in yaml_instances {
        if st
            .net
            .instances
            .get(&id)
            .is_some_and(|i| i.interfaces.is_empty())
        {
            st.warnings
                .push(format!("instance `{id}` has no network interface"));
        }
    }
    Ok(())
}

/// IDs name one resource: none is empty, none is declared twice in one file,
/// and none names resources of two kinds (in the snapshot or another model
/// file). The same ID of the same kind in a later file (or over a snapshot)
/// replaces the earlier resource: what-if models (`merge` warns when they differ).
fn check_ids(st: &State, cxs: &[Cx], docs: &[(Arc<str>, Model)]) -> Result<(), IngestError> {
    // ID -> (kind, file) of what is loaded: the snapshot, then each model file.
    let mut seen: BTreeMap<String, (&'static str, String)> = resource_ids(st)
        .into_iter()
        .map(|r| (r.id.to_string(), (r.kind, r.origin.file.to_string())))
        .collect();
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        let mut here: BTreeMap<&str, (String, &'static str)> = BTreeMap::new();
        for (item, kind, id) in m.declared_ids() {
            if id.trim().is_empty() {
                return Err(cx.err(&item, "id", "empty"));
            }
            if let Some((first, _)) = here.get(id) {
                return Err(cx.err(
                    &item,
                    "id",
                    format!("duplicate id `{id}`: {first} has it too"),
                ));
            }
            if let Some((k, file)) = seen.get(id)
                && *k != kind
            {
                return Err(cx.err(
                    &item,
                    "id",
                    format!(
                        "`{id}` is already the id of a {k} in `{file}`: an id names one resource"
                    ),
                ));
            }
            here.insert(id, (item, kind));
        }
        for (id, (_, kind)) in here {
            seen.insert(id.to_string(), (kind, cx.file.to_string()));
        }
    }
    Ok(())
}

/// `cidr` (`n` = 0 when present) or `cidrs[n]`: where a lowered CIDR came from.
fn cidr_field(has_cidr: bool, n: usize) -> String {
    match (has_cidr, n) {
        (true, 0) => "cidr".into(),
        (true, n) => format!("cidrs[{}]", n - 1),
        (false, n) => format!("cidrs[{n}]"),
    }
}

/// The model's subnets lie in their VPC's CIDRs of their family (IPv4 and
/// IPv6) and do not overlap another subnet of the VPC; a model's VPC holds
/// the snapshot subnets it replaces the VPC of. Checked on the merged input,
/// for the version of each resource that is kept.
fn check_subnet_cidrs(
    st: &State,
    cxs: &[Cx],
    docs: &[(Arc<str>, Model)],
) -> Result<(), IngestError> {
    let from_yaml = |o: &Origin| st.yaml_files.contains(&o.file);
    // The subnets checked so far (the snapshot's, then the model's in order):
    // an overlap is reported at the later of the two.
    let mut before: Vec<&Subnet> = st
        .net
        .subnets
        .values()
        .filter(|s| !from_yaml(&s.origin))
        .collect();
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        for s in m.subnets.iter().flatten() {
            let Some(sub) = st.net.subnets.get(&s.id) else {
                continue;
            };
            if *sub.origin.file != *cx.file {
                continue; // replaced by a later file
            }
            let res = resource("subnet", &s.id);
            let vpc = st.net.vpcs.get(&s.vpc);
            for (n, c) in s.cidr.iter().chain(&s.cidrs).enumerate() {
                let field = cidr_field(s.cidr.is_some(), n);
                if let Some(why) = vpc.and_then(|v| outside_vpc(&c.0, v)) {
                    return Err(cx.err(&res, field, why));
                }
                if let Some((o, oc)) = before
                    .iter()
                    .filter(|o| o.vpc == s.vpc && o.id != s.id)
                    .find_map(|o| overlapping(&c.0, o).map(|oc| (o, oc)))
                {
                    let file = if *o.origin.file == *cx.file {
                        String::new()
                    } else {
                        format!(" (in `{}`)", o.origin.file)
                    };
                    return Err(cx.err(
                        &res,
                        field,
                        format!(
                            "`{}` overlaps `{oc}` of subnet `{}`{file}: subnets of vpc `{}` do not overlap",
                            c.0, o.id, s.vpc
                        ),
                    ));
                }
            }
            before.push(sub);
        }
    }
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        for v in m.vpcs.iter().flatten() {
            let Some(vpc) = st.net.vpcs.get(&v.id) else {
                continue;
            };
            if *vpc.origin.file != *cx.file {
                continue;
            }
            let field = if v.cidrs.is_empty() { "cidr" } else { "cidrs" };
            for s in st
                .net
                .subnets
                .values()
                .filter(|s| s.vpc == v.id && !from_yaml(&s.origin))
            {
                if let Some(why) = s.cidrs.iter().find_map(|c| outside_vpc(c, vpc)) {
                    return Err(cx.err(
                        &resource("vpc", &v.id),
                        field,
                        format!("subnet `{}` of `{}`: {why}", s.id, s.origin.file),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Ports/type/code of a YAML rule, checked against the protocol.
fn rule_ports(
    p: Protocol,
    ports: Option<PortRange>,
    icmp_type: Option<u8>,
    code: Option<u8>,
) -> Result<PortMatch, (&'static str, String)> {
    if p.has_ports() {
        if icmp_type.is_some() || code.is_some() {
            let f = if icmp_type.is_some() { "type" } else { "code" };
            return Err((f, format!("only for icmp, not {}", p.name())));
        }
        let r = ports.unwrap_or(PortRange { from: 0, to: 65535 });
        Ok(PortMatch::Ports {
            from: r.from,
            to: r.to,
        })
    } else if p.is_icmp() {
        if ports.is_some() {
            return Err((
                "ports",
                format!("only for tcp and udp, not {} (use `type`/`code`)", p.name()),
            ));
        }
        if code.is_some() && icmp_type.is_none() {
            return Err(("code", "needs `type`".into()));
        }
        Ok(PortMatch::Icmp { icmp_type, code })
    } else if ports.is_some() {
        Err(("ports", format!("only for tcp and udp, not {}", p.name())))
    } else if icmp_type.is_some() || code.is_some() {
        let f = if icmp_type.is_some() { "type" } else { "code" };
        Err((f, format!("only for icmp, not {}", p.name())))
    } else {
        Ok(PortMatch::Any)
    }
}

fn lower_sg(st: &mut State, cx: &Cx, g: &SecurityGroupY) -> Result<(), IngestError> {
    let res = resource("security group", &g.id);
    let mut refs = GroupRefs::default();
    let mut lower_dir = |rules: &[RuleY], ingress: bool| -> Result<Vec<SgRule>, IngestError> {
        let (key, want, other) = if ingress {
            ("ingress", "from", "to")
        } else {
            ("egress", "to", "from")
        };
        let mut out = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            let (peers, wrong) = if ingress {
                (&r.from, &r.to)
            } else {
                (&r.to, &r.from)
            };
            if wrong.is_some() {
                return Err(cx.err(
                    &res,
                    format!("{key}[{i}].{other}"),
                    format!("not allowed in an {key} rule: use `{want}`"),
                ));
            }
            let peers = match peers {
                Some(p) if !p.0.is_empty() => &p.0,
                _ => return Err(cx.err(&res, format!("{key}[{i}].{want}"), "missing")),
            };
            let protocol = r.proto.0;
            let ports = rule_ports(protocol, r.ports, r.r#type, r.code)
                .map_err(|(f, m)| cx.err(&res, format!("{key}[{i}].{f}"), m))?;
            for (j, p) in peers.iter().enumerate() {
                let position = if peers.len() == 1 {
                    format!("{key}[{i}]")
                } else {
                    format!("{key}[{i}].{want}[{j}]")
                };
                if let Peer::Group(gid) = &p.0 {
                    refs.refs.push(GroupRef {
                        field: format!("{key}[{i}].{want}"),
                        group: gid.clone(),
                        user: None,
                    });
                }
                out.push(SgRule {
                    protocol,
                    ports,
                    peer: p.0.clone(),
                    description: r.description.clone(),
                    rule_id: None,
                    position,
                });
            }
        }
        Ok(out)
    };
    let ingress = lower_dir(&g.ingress, true)?;
    let egress = match &g.egress {
        Some(rules) => lower_dir(rules, false)?,
        None => [all_v4(), all_v6()]
            .into_iter()
            .map(|n| SgRule {
                protocol: Protocol::All,
                ports: PortMatch::Any,
                peer: Peer::Cidr(n),
                description: None,
                rule_id: None,
                position: SgRule::AWS_DEFAULT.into(),
            })
            .collect(),
    };
    let name = g.name.clone().unwrap_or_else(|| {
        if g.id == default_sg_id(&g.vpc) {
            "default".into()
        } else {
            g.id.clone()
        }
    });
    let sg = SecurityGroup {
        id: g.id.clone(),
        name,
        vpc: g.vpc.clone(),
        ingress,
        egress,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.security_groups,
        &mut st.warnings,
        "security group",
        &g.id,
        sg,
    );
    st.group_refs.insert(g.id.clone(), refs);
    Ok(())
}

fn lower_nacl(st: &mut State, cx: &Cx, a: &NaclY) -> Result<(), IngestError> {
    let res = resource("network acl", &a.id);
    let lower_dir = |entries: &[NaclEntryY], key: &str| -> Result<Vec<NaclEntry>, IngestError> {
        let mut out: Vec<NaclEntry> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if !(1..=32766).contains(&e.rule) {
                return Err(cx.err(
                    &res,
                    format!("{key}[{i}].rule"),
                    format!("invalid rule number `{}`: expected 1 to 32766", e.rule),
                ));
            }
            if out.iter().any(|o| o.number == e.rule) {
                return Err(cx.err(
                    &res,
                    format!("{key}[{i}].rule"),
                    format!("duplicate rule number `{}`", e.rule),
                ));
            }
            let ports = rule_ports(e.proto.0, e.ports, e.r#type, e.code)
                .map_err(|(f, m)| cx.err(&res, format!("{key}[{i}].{f}"), m))?;
            out.push(NaclEntry {
                number: e.rule,
                action: match e.action {
                    ActionY::Allow => Action::Allow,
                    ActionY::Deny => Action::Deny,
                },
                protocol: e.proto.0,
                cidr: e.cidr.0,
                ports,
            });
        }
        out.sort_by_key(|e| e.number);
        Ok(out)
    };
    let acl = NetworkAcl {
        id: a.id.clone(),
        vpc: a.vpc.clone(),
        is_default: a.default,
        inbound: lower_dir(&a.inbound, "inbound")?,
        outbound: lower_dir(&a.outbound, "outbound")?,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.network_acls,
        &mut st.warnings,
        "network acl",
        &a.id,
        acl,
    );
    Ok(())
}

fn subnet_vpc(
    st: &State,
    cx: &Cx,
    res: &str,
    subnet: &str,
) -> Result<(String, Vec<IpNet>), IngestError> {
    st.net
        .subnets
        .get(subnet)
        .map(|s| (s.vpc.clone(), s.cidrs.clone()))
        .ok_or_else(|| cx.unknown(res, "subnet", "subnet", subnet))
}

fn check_in_subnet(
    cx: &Cx,
    res: &str,
    field: &str,
    ip: IpAddr,
    subnet: &str,
    cidrs: &[IpNet],
) -> Result<(), IngestError> {
    if cidrs.iter().any(|c| c.contains(&ip)) {
        return Ok(());
    }
    let list: Vec<String> = cidrs.iter().map(ToString::to_string).collect();
    Err(cx.err(
        res,
        field,
        format!("`{ip}` is not in subnet `{subnet}` ({})", list.join(", ")),
    ))
}

fn lower_interface(st: &State, cx: &Cx, i: &InterfaceY) -> Result<Interface, IngestError> {
    let res = resource("network interface", &i.id);
    let (vpc, cidrs) = subnet_vpc(st, cx, &res, &i.subnet)?;
    let addrs: Vec<IpAddr> = i.ip.iter().chain(&i.ips).map(|a| a.0).collect();
    if addrs.is_empty() {
        return Err(cx.err(&res, "ip", "missing (or `ips`)"));
    }
    for (n, a) in addrs.iter().enumerate() {
        let field = if i.ip.is_some() && n == 0 {
            "ip".to_string()
        } else {
            format!("ips[{}]", n - usize::from(i.ip.is_some()))
        };
        check_in_subnet(cx, &res, &field, *a, &i.subnet, &cidrs)?;
    }
    let groups = match &i.groups {
        Some(g) => g.clone(),
        None => vec![default_sg_of(st, &vpc).ok_or_else(|| {
            cx.err(
                &res,
                "groups",
                format!("missing, and vpc `{vpc}` has no default security group in the input"),
            )
        })?],
    };
    let public = i.public_ip.map(|p| p.0);
    Ok(Interface {
        id: i.id.clone(),
        vpc,
        subnet: i.subnet.clone(),
        private_ips: addrs
            .iter()
            .enumerate()
            .map(|(n, a)| PrivateIp {
                address: *a,
                public: if n == 0 { public } else { None },
            })
            .collect(),
        ipv6: i.ipv6.iter().map(|a| a.0).collect(),
        prefixes: i.prefixes.iter().map(|p| p.0).collect(),
        groups,
        device_index: i.device_index,
        status: i.status.clone().unwrap_or_else(|| "in-use".into()),
        instance: i.instance.clone(),
        kind: i.kind.clone().unwrap_or_else(|| "interface".into()),
        description: i.description.clone(),
        origin: cx.origin.clone(),
    })
}

fn lower_nat(st: &mut State, cx: &Cx, g: &NatY) -> Result<(), IngestError> {
    let res = resource("nat gateway", &g.id);
    let (vpc, cidrs) = subnet_vpc(st, cx, &res, &g.subnet)?;
    check_in_subnet(cx, &res, "private_ip", g.private_ip.0, &g.subnet, &cidrs)?;
    let eni_id = g
        .interface
        .clone()
        .unwrap_or_else(|| format!("eni-{}", g.id));
    let public_ip = g.public_ip.map(|p| p.0);
    if !st.net.interfaces.contains_key(&eni_id) {
        st.net.interfaces.insert(
            eni_id.clone(),
            Interface {
                id: eni_id.clone(),
                vpc: vpc.clone(),
                subnet: g.subnet.clone(),
                private_ips: vec![PrivateIp {
                    address: g.private_ip.0,
                    public: public_ip,
                }],
                ipv6: Vec::new(),
                prefixes: Vec::new(),
                groups: Vec::new(),
                instance: None,
                device_index: None,
                status: "in-use".into(),
                kind: "nat_gateway".into(),
                description: Some(format!("Interface for NAT Gateway {}", g.id)),
                origin: cx.origin.clone(),
            },
        );
    }
    let nat = NatGateway {
        id: g.id.clone(),
        vpc,
        subnet: g.subnet.clone(),
        state: g.state.clone().unwrap_or_else(|| "available".into()),
        connectivity: match g.connectivity {
            Some(ConnectivityY::Private) => "private".into(),
            _ => "public".into(),
        },
        private_ip: Some(g.private_ip.0),
        public_ip,
        interface: Some(eni_id),
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.nat_gateways,
        &mut st.warnings,
        "nat gateway",
        &g.id,
        nat,
    );
    Ok(())
}

fn lower_client_vpn(st: &mut State, cx: &Cx, e: &CvpnY) -> Result<(), IngestError> {
    let res = resource("client vpn endpoint", &e.id);
    let auth = match &e.auth {
        None => vec![ClientVpnAuthType::Certificate],
        Some(list) if list.0.is_empty() => {
            return Err(cx.err(
                &res,
                "auth",
                "empty: expected `certificate`, `directory` or `federated`",
            ));
        }
        Some(list) => {
            let mut out = Vec::new();
            for a in &list.0 {
                let t = match a {
                    AuthY::Certificate => ClientVpnAuthType::Certificate,
                    AuthY::Directory => ClientVpnAuthType::Directory,
                    AuthY::Federated => ClientVpnAuthType::Federated,
                };
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            out
        }
    };
    let security_groups = match &e.security_groups {
        Some(g) => g.clone(),
        None => vec![default_sg_of(st, &e.vpc).ok_or_else(|| {
            cx.err(
                &res,
                "security_groups",
                format!(
                    "missing, and vpc `{}` has no default security group in the input",
                    e.vpc
                ),
            )
        })?],
    };

    let mut associations: Vec<ClientVpnAssociation> = Vec::new();
    for (i, a) in e.associations.iter().enumerate() {
        let field = |f: &str| format!("associations[{i}].{f}");
        let (vpc, cidrs) = st
            .net
            .subnets
            .get(&a.subnet)
            .map(|s| (s.vpc.clone(), s.cidrs.clone()))
            .ok_or_else(|| cx.unknown(&res, &field("subnet"), "subnet", &a.subnet))?;
        if vpc != e.vpc {
            return Err(cx.err(
                &res,
                field("subnet"),
                format!(
                    "subnet `{}` is in vpc `{vpc}`, the endpoint in `{}`",
                    a.subnet, e.vpc
                ),
            ));
        }
        if associations.iter().any(|x| x.subnet == a.subnet) {
            return Err(cx.err(
                &res,
                field("subnet"),
                format!("subnet `{}` is associated twice", a.subnet),
            ));
        }
        let id =
            a.id.clone()
                .unwrap_or_else(|| format!("cvpn-assoc-{}", a.subnet));
        if associations.iter().any(|x| x.id == id) {
            return Err(cx.err(&res, field("id"), format!("duplicate association `{id}`")));
        }
        // Association IDs are unique across endpoints: two endpoints associated
        // with one subnet would otherwise share the default `cvpn-assoc-<subnet>`.
        if let Some(other) = st
            .net
            .client_vpn_endpoints
            .values()
            .find(|o| o.id != e.id && o.associations.iter().any(|x| x.id == id))
        {
            return Err(cx.err(
                &res,
                field("id"),
                format!(
                    "association `{id}` is also an association of `{}`: give each an `id`",
                    other.id
                ),
            ));
        }
        if a.public_ip.is_some() && a.ip.is_none() {
            return Err(cx.err(&res, field("public_ip"), "needs `ip`"));
        }
        let interface = match (&a.interface, a.ip) {
            (Some(_), Some(_)) => {
                return Err(cx.err(&res, field("ip"), "not with `interface`"));
            }
            (Some(eni_id), None) => {
                let eni = st
                    .net
                    .interfaces
                    .get(eni_id)
                    .or_else(|| st.instance_enis.get(eni_id))
                    .ok_or_else(|| {
                        cx.unknown(&res, &field("interface"), "network interface", eni_id)
                    })?;
                if eni.subnet != a.subnet {
                    return Err(cx.err(
                        &res,
                        field("interface"),
                        format!(
                            "network interface `{eni_id}` is in subnet `{}`, the association in `{}`",
                            eni.subnet, a.subnet
                        ),
                    ));
                }
                Some(eni_id.clone())
            }
            (None, Some(ip)) => {
                check_in_subnet(cx, &res, &field("ip"), ip.0, &a.subnet, &cidrs)?;
                let eni_id = format!("eni-{id}");
                let eni = Interface {
                    id: eni_id.clone(),
                    vpc,
                    subnet: a.subnet.clone(),
                    private_ips: vec![PrivateIp {
                        address: ip.0,
                        public: a.public_ip.map(|p| p.0),
                    }],
                    ipv6: Vec::new(),
                    prefixes: Vec::new(),
                    groups: security_groups.clone(),
                    instance: None,
                    device_index: None,
                    status: "in-use".into(),
                    kind: "client_vpn".into(),
                    description: Some(CVPN_ENI_DESCRIPTION.into()),
                    origin: cx.origin.clone(),
                };
                merge(
                    &mut st.net.interfaces,
                    &mut st.warnings,
                    "network interface",
                    &eni_id,
                    eni,
                );
                Some(eni_id)
            }
            (None, None) => None,
        };
        associations.push(ClientVpnAssociation {
            id,
            subnet: a.subnet.clone(),
            status: a.status.clone().unwrap_or_else(|| "associated".into()),
            interface,
        });
    }

    // AWS adds a route to each VPC CIDR through each associated subnet.
    let mut routes: Vec<ClientVpnRoute> = Vec::new();
    let vpc_cidrs = st
        .net
        .vpcs
        .get(&e.vpc)
        .map(|v| v.cidrs.clone())
        .unwrap_or_default();
    for a in associations.iter().filter(|a| a.status == "associated") {
        for c in &vpc_cidrs {
            let declared = e
                .routes
                .iter()
                .any(|r| r.dest.0 == *c && r.subnet == a.subnet);
            if !declared {
                routes.push(ClientVpnRoute {
                    dest: *c,
                    target_subnet: a.subnet.clone(),
                    status: "active".into(),
                    origin: Some("associate".into()),
                });
            }
        }
    }
    for (i, r) in e.routes.iter().enumerate() {
        // `local`: client-to-client, the route to the client CIDR.
        let local = r.subnet.eq_ignore_ascii_case("local");
        if !local && !associations.iter().any(|a| a.subnet == r.subnet) {
            let list: Vec<&str> = associations.iter().map(|a| a.subnet.as_str()).collect();
            return Err(cx.err(
                &res,
                format!("routes[{i}].subnet"),
                format!(
                    "subnet `{}` is not associated with the endpoint (associations: {})",
                    r.subnet,
                    if list.is_empty() {
                        "none".to_string()
                    } else {
                        list.join(", ")
                    }
                ),
            ));
        }
        let implicit = vpc_cidrs.contains(&r.dest.0);
        let route = ClientVpnRoute {
            dest: r.dest.0,
            target_subnet: if local {
                "local".into()
            } else {
                r.subnet.clone()
            },
            status: r.status.clone().unwrap_or_else(|| "active".into()),
            origin: Some(if implicit { "associate" } else { "add-route" }.into()),
        };
        if !routes.contains(&route) {
            routes.push(route);
        }
    }

    let mut auth_rules = Vec::new();
    for (i, r) in e.authorization.iter().flatten().enumerate() {
        let group = match (r.access_all, &r.group) {
            (true, Some(_)) => {
                return Err(cx.err(
                    &res,
                    format!("authorization[{i}].group"),
                    "not with `access_all: true`: exactly one of the two",
                ));
            }
            (false, None) => {
                return Err(cx.err(
                    &res,
                    format!("authorization[{i}].access_all"),
                    "missing: exactly one of `access_all: true` and `group`",
                ));
            }
            (_, g) => g.clone(),
        };
        if group.as_deref() == Some("") {
            return Err(cx.err(&res, format!("authorization[{i}].group"), "empty"));
        }
        auth_rules.push(ClientVpnAuthRule {
            dest: r.dest.0,
            access_all: r.access_all,
            group,
            status: r.status.clone().unwrap_or_else(|| "active".into()),
            description: r.description.clone(),
        });
    }
    if e.authorization.is_none() {
        st.warnings.push(format!(
            "`{}`: {res}: no `authorization`: nothing is authorized",
            cx.file
        ));
    }

    let status = e.status.clone().unwrap_or_else(|| {
        if associations.iter().any(|a| a.status == "associated") {
            "available".into()
        } else {
            "pending-associate".into()
        }
    });
    let ep = ClientVpnEndpoint {
        id: e.id.clone(),
        vpc: e.vpc.clone(),
        client_cidr: e.client_cidr.0,
        split_tunnel: e.split_tunnel,
        status,
        security_groups,
        auth,
        associations,
        routes,
        auth_rules,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.client_vpn_endpoints,
        &mut st.warnings,
        "client vpn endpoint",
        &e.id,
        ep,
    );
    Ok(())
}
