//! A network written back as the AWS CLI prints it (`aws ec2 describe-*
//! --output json`, one document per call), so `reach check --snapshot DIR`
//! loads it: `reach synth --out DIR` and `reach tighten --out DIR`. Pure:
//! returns file names and contents; `cli` writes them.

use serde_json::{Map, Value, json};

use crate::model::{
    Action, ClientVpnAuthType, NaclEntry, Network, Peer, PortMatch, Protocol, RouteDest,
    RouteOrigin, RouteState, SgRule, Target,
};

fn tags(t: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Array(
        t.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

fn proto(p: Protocol) -> String {
    match p {
        Protocol::All => "-1".into(),
        Protocol::Number(6) => "tcp".into(),
        Protocol::Number(17) => "udp".into(),
        Protocol::Number(1) => "icmp".into(),
        Protocol::Number(58) => "icmpv6".into(),
        Protocol::Number(n) => n.to_string(),
    }
}

/// `FromPort`/`ToPort` of a security-group permission.
fn sg_ports(p: PortMatch) -> (Option<i64>, Option<i64>) {
    match p {
        PortMatch::Any => (None, None),
        PortMatch::Ports { from, to } => (Some(i64::from(from)), Some(i64::from(to))),
        PortMatch::Icmp { icmp_type, code } => (
            Some(icmp_type.map_or(-1, i64::from)),
            Some(code.map_or(-1, i64::from)),
        ),
    }
}

/// One `IpPermissions` item per rule (AWS groups them; one each loads the same).
pub fn sg_permission(r: &SgRule) -> Value {
    let mut m = Map::new();
    m.insert("IpProtocol".into(), json!(proto(r.protocol)));
    let (from, to) = sg_ports(r.ports);
    if let (Some(f), Some(t)) = (from, to) {
        m.insert("FromPort".into(), json!(f));
        m.insert("ToPort".into(), json!(t));
    }
    let desc = r.description.clone();
    let with_desc = |mut v: Map<String, Value>| {
        if let Some(d) = &desc {
            v.insert("Description".into(), json!(d));
        }
        Value::Object(v)
    };
    let (key, item) = match &r.peer {
        Peer::Cidr(n @ ipnet::IpNet::V4(_)) => (
            "IpRanges",
            with_desc(Map::from_iter([(
                "CidrIp".to_string(),
                json!(n.to_string()),
            )])),
        ),
        Peer::Cidr(n) => (
            "Ipv6Ranges",
            with_desc(Map::from_iter([(
                "CidrIpv6".to_string(),
                json!(n.to_string()),
            )])),
        ),
        Peer::PrefixList(p) => (
            "PrefixListIds",
            with_desc(Map::from_iter([("PrefixListId".to_string(), json!(p))])),
        ),
        Peer::Group(g) => (
            "UserIdGroupPairs",
            with_desc(Map::from_iter([("GroupId".to_string(), json!(g))])),
        ),
    };
    m.insert(key.into(), json!([item]));
    Value::Object(m)
}

fn nacl_entry(e: &NaclEntry, egress: bool) -> Value {
    let mut m = Map::new();
    m.insert("RuleNumber".into(), json!(e.number));
    m.insert("Egress".into(), json!(egress));
    m.insert(
        "Protocol".into(),
        json!(match e.protocol {
            Protocol::All => "-1".to_string(),
            Protocol::Number(n) => n.to_string(),
        }),
    );
    m.insert(
        "RuleAction".into(),
        json!(match e.action {
            Action::Allow => "allow",
            Action::Deny => "deny",
        }),
    );
    match e.cidr {
        ipnet::IpNet::V4(_) => m.insert("CidrBlock".into(), json!(e.cidr.to_string())),
        ipnet::IpNet::V6(_) => m.insert("Ipv6CidrBlock".into(), json!(e.cidr.to_string())),
    };
    match e.ports {
        PortMatch::Ports { from, to } => {
            m.insert("PortRange".into(), json!({"From": from, "To": to}));
        }
        PortMatch::Icmp { icmp_type, code } => {
            m.insert(
                "IcmpTypeCode".into(),
                json!({"Type": icmp_type.map_or(-1, i64::from), "Code": code.map_or(-1, i64::from)}),
            );
        }
        PortMatch::Any => {}
    }
    Value::Object(m)
}

fn route(r: &crate::model::Route) -> Value {
    let mut m = Map::new();
    match &r.dest {
        RouteDest::Cidr(n @ ipnet::IpNet::V4(_)) => {
            m.insert("DestinationCidrBlock".into(), json!(n.to_string()));
        }
        RouteDest::Cidr(n) => {
            m.insert("DestinationIpv6CidrBlock".into(), json!(n.to_string()));
        }
        RouteDest::PrefixList(p) => {
            m.insert("DestinationPrefixListId".into(), json!(p));
        }
    }
    let (key, id) = match &r.target {
        Target::Local => ("GatewayId", "local".to_string()),
        Target::InternetGateway(s) | Target::VirtualPrivateGateway(s) | Target::VpcEndpoint(s) => {
            ("GatewayId", s.clone())
        }
        Target::EgressOnlyInternetGateway(s) => ("EgressOnlyInternetGatewayId", s.clone()),
        Target::NatGateway(s) => ("NatGatewayId", s.clone()),
        Target::VpcPeering(s) => ("VpcPeeringConnectionId", s.clone()),
        Target::TransitGateway(s) => ("TransitGatewayId", s.clone()),
        Target::NetworkInterface(s) => ("NetworkInterfaceId", s.clone()),
        Target::Instance(s) => ("InstanceId", s.clone()),
        Target::Other(s) => ("GatewayId", s.clone()),
    };
    m.insert(key.into(), json!(id));
    m.insert(
        "State".into(),
        json!(match r.state {
            RouteState::Active => "active",
            RouteState::Blackhole => "blackhole",
        }),
    );
    m.insert(
        "Origin".into(),
        json!(match (r.origin, &r.target) {
            (RouteOrigin::Propagated, _) => "EnableVgwRoutePropagation",
            (_, Target::Local) => "CreateRouteTable",
            _ => "CreateRoute",
        }),
    );
    Value::Object(m)
}

fn eni_json(i: &crate::model::Interface) -> Value {
    let mut m = Map::new();
    m.insert("NetworkInterfaceId".into(), json!(i.id));
    m.insert("VpcId".into(), json!(i.vpc));
    m.insert("SubnetId".into(), json!(i.subnet));
    if let Some(p) = i.primary_ip() {
        m.insert("PrivateIpAddress".into(), json!(p.to_string()));
    }
    m.insert(
        "PrivateIpAddresses".into(),
        json!(
            i.private_ips
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let mut x = Map::new();
                    x.insert("PrivateIpAddress".into(), json!(p.address.to_string()));
                    x.insert("Primary".into(), json!(k == 0));
                    if let Some(public) = p.public {
                        x.insert(
                            "Association".into(),
                            json!({"PublicIp": public.to_string()}),
                        );
                    }
                    Value::Object(x)
                })
                .collect::<Vec<_>>()
        ),
    );
    m.insert(
        "Ipv6Addresses".into(),
        json!(
            i.ipv6
                .iter()
                .map(|a| json!({"Ipv6Address": a.to_string()}))
                .collect::<Vec<_>>()
        ),
    );
    m.insert(
        "Ipv4Prefixes".into(),
        json!(
            i.prefixes
                .iter()
                .filter(|p| matches!(p, ipnet::IpNet::V4(_)))
                .map(|p| json!({"Ipv4Prefix": p.to_string()}))
                .collect::<Vec<_>>()
        ),
    );
    m.insert(
        "Ipv6Prefixes".into(),
        json!(
            i.prefixes
                .iter()
                .filter(|p| matches!(p, ipnet::IpNet::V6(_)))
                .map(|p| json!({"Ipv6Prefix": p.to_string()}))
                .collect::<Vec<_>>()
        ),
    );
    m.insert(
        "Groups".into(),
        json!(
            i.groups
                .iter()
                .map(|g| json!({"GroupId": g}))
                .collect::<Vec<_>>()
        ),
    );
    if i.instance.is_some() || i.device_index.is_some() {
        let mut a = Map::new();
        if let Some(inst) = &i.instance {
            a.insert("InstanceId".into(), json!(inst));
        }
        if let Some(d) = i.device_index {
            a.insert("DeviceIndex".into(), json!(d));
        }
        m.insert("Attachment".into(), Value::Object(a));
    }
    m.insert("InterfaceType".into(), json!(i.kind));
    if let Some(d) = &i.description {
        m.insert("Description".into(), json!(d));
    }
    m.insert("Status".into(), json!(i.status));
    m.insert("TagSet".into(), tags(&i.tags));
    Value::Object(m)
}

/// The documents, as `(file name, JSON text)`, and what could not be written.
pub fn snapshot(net: &Network) -> (Vec<(String, String)>, Vec<String>) {
    let mut docs: Vec<(String, Value)> = Vec::new();
    let mut notes = Vec::new();
    docs.push((
        "vpcs.json".into(),
        json!({"Vpcs": net.vpcs.values().map(|v| {
            let v4: Vec<&ipnet::IpNet> = v.cidrs.iter().filter(|c| matches!(c, ipnet::IpNet::V4(_))).collect();
            let v6: Vec<&ipnet::IpNet> = v.cidrs.iter().filter(|c| matches!(c, ipnet::IpNet::V6(_))).collect();
            let mut m = Map::new();
            m.insert("VpcId".into(), json!(v.id));
            if let Some(first) = v4.first() {
                m.insert("CidrBlock".into(), json!(first.to_string()));
            }
            m.insert("CidrBlockAssociationSet".into(), json!(v4.iter().map(|c| json!({"CidrBlock": c.to_string(), "CidrBlockState": {"State": "associated"}})).collect::<Vec<_>>()));
            m.insert("Ipv6CidrBlockAssociationSet".into(), json!(v6.iter().map(|c| json!({"Ipv6CidrBlock": c.to_string(), "Ipv6CidrBlockState": {"State": "associated"}})).collect::<Vec<_>>()));
            m.insert("Tags".into(), tags(&v.tags));
            Value::Object(m)
        }).collect::<Vec<_>>()}),
    ));
    docs.push((
        "subnets.json".into(),
        json!({"Subnets": net.subnets.values().map(|s| {
            let mut m = Map::new();
            m.insert("SubnetId".into(), json!(s.id));
            m.insert("VpcId".into(), json!(s.vpc));
            if let Some(c) = s.cidrs.iter().find(|c| matches!(c, ipnet::IpNet::V4(_))) {
                m.insert("CidrBlock".into(), json!(c.to_string()));
            }
            m.insert("Ipv6CidrBlockAssociationSet".into(), json!(s.cidrs.iter().filter(|c| matches!(c, ipnet::IpNet::V6(_))).map(|c| json!({"Ipv6CidrBlock": c.to_string(), "Ipv6CidrBlockState": {"State": "associated"}})).collect::<Vec<_>>()));
            if let Some(az) = &s.az {
                m.insert("AvailabilityZone".into(), json!(az));
            }
            m.insert("Tags".into(), tags(&s.tags));
            Value::Object(m)
        }).collect::<Vec<_>>()}),
    ));
    docs.push((
        "route-tables.json".into(),
        json!({"RouteTables": net.route_tables.values().map(|rt| {
            let mut assoc: Vec<Value> = Vec::new();
            if rt.main {
                assoc.push(json!({"Main": true, "AssociationState": {"State": "associated"}}));
            }
            assoc.extend(rt.subnets.iter().map(|s| json!({"Main": false, "SubnetId": s, "AssociationState": {"State": "associated"}})));
            assoc.extend(rt.gateways.iter().map(|g| json!({"Main": false, "GatewayId": g, "AssociationState": {"State": "associated"}})));
            json!({"RouteTableId": rt.id, "VpcId": rt.vpc, "Associations": assoc, "Routes": rt.routes.iter().map(route).collect::<Vec<_>>()})
        }).collect::<Vec<_>>()}),
    ));
    docs.push((
        "network-acls.json".into(),
        json!({"NetworkAcls": net.network_acls.values().map(|a| {
            let subnets: Vec<Value> = net.nacl_of_subnet.iter().filter(|(_, acl)| **acl == a.id).map(|(s, _)| json!({"SubnetId": s, "NetworkAclId": a.id})).collect();
            let entries: Vec<Value> = a.inbound.iter().map(|e| nacl_entry(e, false)).chain(a.outbound.iter().map(|e| nacl_entry(e, true))).collect();
            json!({"NetworkAclId": a.id, "VpcId": a.vpc, "IsDefault": a.is_default, "Associations": subnets, "Entries": entries})
        }).collect::<Vec<_>>()}),
    ));
    docs.push((
        "security-groups.json".into(),
        json!({"SecurityGroups": net.security_groups.values().map(|g| json!({
            "GroupId": g.id,
            "GroupName": g.name,
            "VpcId": g.vpc,
            "IpPermissions": g.ingress.iter().map(sg_permission).collect::<Vec<_>>(),
            "IpPermissionsEgress": g.egress.iter().map(sg_permission).collect::<Vec<_>>(),
            "Tags": tags(&g.tags),
        })).collect::<Vec<_>>()}),
    ));
    docs.push((
        "network-interfaces.json".into(),
        json!({"NetworkInterfaces": net.interfaces.values().map(eni_json).collect::<Vec<_>>()}),
    ));
    docs.push((
        "instances.json".into(),
        json!({"Reservations": [{"Instances": net.instances.values().map(|i| {
            let mut m = Map::new();
            m.insert("InstanceId".into(), json!(i.id));
            if i.platform == crate::model::Platform::Windows {
                m.insert("Platform".into(), json!("windows"));
            }
            if let Some(s) = &i.state {
                m.insert("State".into(), json!({"Name": s}));
            }
            m.insert("NetworkInterfaces".into(), json!(i.interfaces.iter().filter_map(|e| net.interfaces.get(e)).map(eni_json).collect::<Vec<_>>()));
            m.insert("Tags".into(), tags(&i.tags));
            Value::Object(m)
        }).collect::<Vec<_>>()}]}),
    ));
    let (igws, eigws): (Vec<_>, Vec<_>) =
        net.internet_gateways.values().partition(|g| !g.egress_only);
    docs.push((
        "internet-gateways.json".into(),
        json!({"InternetGateways": igws.iter().map(|g| json!({"InternetGatewayId": g.id, "Attachments": g.vpcs.iter().map(|v| json!({"State": "available", "VpcId": v})).collect::<Vec<_>>()})).collect::<Vec<_>>()}),
    ));
    docs.push((
        "egress-only-internet-gateways.json".into(),
        json!({"EgressOnlyInternetGateways": eigws.iter().map(|g| json!({"EgressOnlyInternetGatewayId": g.id, "Attachments": g.vpcs.iter().map(|v| json!({"State": "attached", "VpcId": v})).collect::<Vec<_>>()})).collect::<Vec<_>>()}),
    ));
    docs.push((
        "nat-gateways.json".into(),
        json!({"NatGateways": net.nat_gateways.values().map(|n| {
            let mut a = Map::new();
            if let Some(p) = n.private_ip { a.insert("PrivateIp".into(), json!(p.to_string())); }
            if let Some(p) = n.public_ip { a.insert("PublicIp".into(), json!(p.to_string())); }
            if let Some(i) = &n.interface { a.insert("NetworkInterfaceId".into(), json!(i)); }
            a.insert("IsPrimary".into(), json!(true));
            json!({"NatGatewayId": n.id, "VpcId": n.vpc, "SubnetId": n.subnet, "State": n.state, "ConnectivityType": n.connectivity, "NatGatewayAddresses": [Value::Object(a)]})
        }).collect::<Vec<_>>()}),
    ));
    docs.push((
        "vpc-peering-connections.json".into(),
        json!({"VpcPeeringConnections": net.peerings.values().map(|p| json!({"VpcPeeringConnectionId": p.id, "RequesterVpcInfo": {"VpcId": p.requester_vpc}, "AccepterVpcInfo": {"VpcId": p.accepter_vpc}, "Status": {"Code": p.status}})).collect::<Vec<_>>()}),
    ));
    docs.push((
        "managed-prefix-lists.json".into(),
        json!({"PrefixLists": net.prefix_lists.values().map(|p| {
            let mut m = Map::new();
            m.insert("PrefixListId".into(), json!(p.id));
            if let Some(n) = &p.name { m.insert("PrefixListName".into(), json!(n)); }
            if let Some(o) = &p.owner { m.insert("OwnerId".into(), json!(o)); }
            if let Some(f) = p.family { m.insert("AddressFamily".into(), json!(format!("IPv{f}"))); }
            Value::Object(m)
        }).collect::<Vec<_>>()}),
    ));
    docs.push((
        "prefix-list-entries.json".into(),
        json!({"ManagedPrefixListEntries": net.prefix_lists.values().filter_map(|p| p.entries.as_ref().map(|e| json!({"PrefixListId": p.id, "Entries": e.iter().map(|c| json!({"Cidr": c.to_string()})).collect::<Vec<_>>()}))).collect::<Vec<_>>()}),
    ));
    docs.push((
        "addresses.json".into(),
        json!({"Addresses": net.idle_addresses.iter().map(|(ip, alloc)| json!({"PublicIp": ip.to_string(), "AllocationId": alloc})).collect::<Vec<_>>()}),
    ));
    if !net.client_vpn_endpoints.is_empty() {
        let eps = net.client_vpn_endpoints.values();
        docs.push((
            "client-vpn-endpoints.json".into(),
            json!({"ClientVpnEndpoints": eps.clone().map(|e| json!({
                "ClientVpnEndpointId": e.id,
                "VpcId": e.vpc,
                "ClientCidrBlock": e.client_cidr.to_string(),
                "SplitTunnel": e.split_tunnel,
                "Status": {"Code": e.status},
                "SecurityGroupIds": e.security_groups,
                "AuthenticationOptions": e.auth.iter().map(|a| json!({"Type": match a {
                    ClientVpnAuthType::Certificate => "certificate-authentication",
                    ClientVpnAuthType::Directory => "directory-service-authentication",
                    ClientVpnAuthType::Federated => "federated-authentication",
                }})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()}),
        ));
        docs.push((
            "client-vpn-target-networks.json".into(),
            json!({"ClientVpnTargetNetworks": eps.clone().flat_map(|e| e.associations.iter().map(move |a| json!({
                "AssociationId": a.id, "TargetNetworkId": a.subnet, "ClientVpnEndpointId": e.id, "VpcId": e.vpc, "Status": {"Code": a.status},
            }))).collect::<Vec<_>>()}),
        ));
        docs.push((
            "client-vpn-routes.json".into(),
            json!({"Routes": eps.clone().flat_map(|e| e.routes.iter().map(move |r| {
                let mut m = Map::new();
                m.insert("ClientVpnEndpointId".into(), json!(e.id));
                m.insert("DestinationCidr".into(), json!(r.dest.to_string()));
                m.insert("TargetSubnet".into(), json!(r.target_subnet));
                m.insert("Type".into(), json!("Nat"));
                m.insert("Status".into(), json!({"Code": r.status}));
                if let Some(o) = &r.origin { m.insert("Origin".into(), json!(o)); }
                Value::Object(m)
            })).collect::<Vec<_>>()}),
        ));
        docs.push((
            "client-vpn-authorization-rules.json".into(),
            json!({"AuthorizationRules": eps.flat_map(|e| e.auth_rules.iter().map(move |r| {
                let mut m = Map::new();
                m.insert("ClientVpnEndpointId".into(), json!(e.id));
                m.insert("DestinationCidr".into(), json!(r.dest.to_string()));
                if let Some(g) = &r.group { m.insert("GroupId".into(), json!(g)); }
                m.insert("AccessAll".into(), json!(r.access_all));
                m.insert("Status".into(), json!({"Code": r.status}));
                if let Some(d) = &r.description { m.insert("Description".into(), json!(d)); }
                Value::Object(m)
            })).collect::<Vec<_>>()}),
        ));
    }
    transit_docs(net, &mut docs);
    let va = net.va_instances.len()
        + net.va_endpoints.len()
        + net.va_groups.len()
        + net.va_trust_providers.len();
    if va > 0 {
        notes.push(format!(
            "{va} Verified Access resource(s) are not written to the snapshot (synth and tighten do not change them): copy their documents beside it"
        ));
    }
    let docs = docs
        .into_iter()
        .map(|(name, v)| {
            (
                name,
                serde_json::to_string_pretty(&v).unwrap_or_default() + "\n",
            )
        })
        .collect();
    (docs, notes)
}

/// Transit gateways, their attachments (and VPC and peering details), route
/// tables with what the `TransitGatewayRouteTableContents` wrapper holds,
/// VPN connections and gateways: as the AWS readers take them.
fn transit_docs(net: &Network, docs: &mut Vec<(String, Value)>) {
    use crate::model::{TgwRouteState, TgwRouteType, TgwTableLink};
    let toggle = |b: bool| if b { "enable" } else { "disable" };
    if !net.transit_gateways.is_empty() {
        docs.push((
            "transit-gateways.json".into(),
            json!({"TransitGateways": net.transit_gateways.values().map(|g| {
                let mut o = Map::new();
                if let Some(a) = g.asn { o.insert("AmazonSideAsn".into(), json!(a)); }
                o.insert("DefaultRouteTableAssociation".into(), json!(toggle(g.default_association)));
                if let Some(t) = &g.association_default_table { o.insert("AssociationDefaultRouteTableId".into(), json!(t)); }
                o.insert("DefaultRouteTablePropagation".into(), json!(toggle(g.default_propagation)));
                if let Some(t) = &g.propagation_default_table { o.insert("PropagationDefaultRouteTableId".into(), json!(t)); }
                o.insert("SecurityGroupReferencingSupport".into(), json!(toggle(g.sg_referencing)));
                let mut m = Map::new();
                m.insert("TransitGatewayId".into(), json!(g.id));
                if let Some(w) = &g.owner { m.insert("OwnerId".into(), json!(w)); }
                m.insert("State".into(), json!(g.state));
                m.insert("Options".into(), Value::Object(o));
                Value::Object(m)
            }).collect::<Vec<_>>()}),
        ));
    }
    if !net.tgw_attachments.is_empty() {
        docs.push((
            "transit-gateway-attachments.json".into(),
            json!({"TransitGatewayAttachments": net.tgw_attachments.values().map(|a| {
                let mut m = Map::new();
                m.insert("TransitGatewayAttachmentId".into(), json!(a.id));
                m.insert("TransitGatewayId".into(), json!(a.tgw));
                m.insert("ResourceType".into(), json!(a.resource_type.name()));
                if let Some(r) = &a.resource_id { m.insert("ResourceId".into(), json!(r)); }
                if let Some(o) = &a.resource_owner { m.insert("ResourceOwnerId".into(), json!(o)); }
                m.insert("State".into(), json!(a.state));
                if let Some(x) = &a.association {
                    m.insert("Association".into(), json!({"TransitGatewayRouteTableId": x.route_table, "State": x.state}));
                }
                Value::Object(m)
            }).collect::<Vec<_>>()}),
        ));
        docs.push((
            "transit-gateway-vpc-attachments.json".into(),
            json!({"TransitGatewayVpcAttachments": net.tgw_attachments.values().filter_map(|a| a.vpc.as_ref().map(|v| {
                let mut m = Map::new();
                m.insert("TransitGatewayAttachmentId".into(), json!(a.id));
                m.insert("TransitGatewayId".into(), json!(a.tgw));
                m.insert("VpcId".into(), json!(v.vpc));
                if let Some(o) = &v.vpc_owner { m.insert("VpcOwnerId".into(), json!(o)); }
                m.insert("State".into(), json!(a.state));
                m.insert("SubnetIds".into(), json!(v.subnets));
                m.insert("Options".into(), json!({
                    "DnsSupport": toggle(v.dns),
                    "SecurityGroupReferencingSupport": toggle(v.sg_referencing),
                    "Ipv6Support": toggle(v.ipv6),
                    "ApplianceModeSupport": toggle(v.appliance_mode),
                }));
                Value::Object(m)
            })).collect::<Vec<_>>()}),
        ));
        let peers: Vec<Value> = net
            .tgw_attachments
            .values()
            .filter_map(|a| {
                a.peering.as_ref().map(|p| {
                    let side = |x: &crate::model::TgwPeer| {
                        let mut m = Map::new();
                        m.insert("TransitGatewayId".into(), json!(x.tgw));
                        if let Some(o) = &x.owner { m.insert("OwnerId".into(), json!(o)); }
                        if let Some(r) = &x.region { m.insert("Region".into(), json!(r)); }
                        Value::Object(m)
                    };
                    let mut m = Map::new();
                    m.insert("TransitGatewayAttachmentId".into(), json!(a.id));
                    m.insert("RequesterTgwInfo".into(), side(&p.requester));
                    m.insert("AccepterTgwInfo".into(), side(&p.accepter));
                    m.insert("State".into(), json!(a.state));
                    if let Some(c) = &p.status { m.insert("Status".into(), json!({"Code": c})); }
                    Value::Object(m)
                })
            })
            .collect();
        if !peers.is_empty() {
            docs.push((
                "transit-gateway-peering-attachments.json".into(),
                json!({"TransitGatewayPeeringAttachments": peers}),
            ));
        }
    }
    if !net.tgw_route_tables.is_empty() {
        docs.push((
            "transit-gateway-route-tables.json".into(),
            json!({"TransitGatewayRouteTables": net.tgw_route_tables.values().map(|t| json!({
                "TransitGatewayRouteTableId": t.id,
                "TransitGatewayId": t.tgw,
                "State": t.state,
                "DefaultAssociationRouteTable": t.default_association,
                "DefaultPropagationRouteTable": t.default_propagation,
            })).collect::<Vec<_>>()}),
        ));
        let link = |l: &TgwTableLink| {
            let mut m = Map::new();
            m.insert("TransitGatewayAttachmentId".into(), json!(l.attachment));
            if let Some(r) = &l.resource_id { m.insert("ResourceId".into(), json!(r)); }
            m.insert("ResourceType".into(), json!(l.resource_type.name()));
            m.insert("State".into(), json!(l.state));
            Value::Object(m)
        };
        let contents: Vec<Value> = net
            .tgw_route_tables
            .values()
            .filter(|t| t.associations.is_some() || t.propagations.is_some() || t.routes.is_some())
            .map(|t| {
                let mut m = Map::new();
                m.insert("TransitGatewayRouteTableId".into(), json!(t.id));
                if let Some(a) = &t.associations {
                    m.insert("Associations".into(), json!(a.iter().map(link).collect::<Vec<_>>()));
                }
                if let Some(p) = &t.propagations {
                    m.insert("Propagations".into(), json!(p.iter().map(link).collect::<Vec<_>>()));
                }
                if let Some(rs) = &t.routes {
                    m.insert("Routes".into(), json!(rs.iter().map(|r| {
                        let mut x = Map::new();
                        match &r.dest {
                            RouteDest::Cidr(c) => x.insert("DestinationCidrBlock".into(), json!(c.to_string())),
                            RouteDest::PrefixList(p) => x.insert("PrefixListId".into(), json!(p)),
                        };
                        x.insert("TransitGatewayAttachments".into(), json!(r.targets.iter().map(|a| {
                            let mut y = Map::new();
                            y.insert("TransitGatewayAttachmentId".into(), json!(a.attachment));
                            if let Some(id) = &a.resource_id { y.insert("ResourceId".into(), json!(id)); }
                            y.insert("ResourceType".into(), json!(a.resource_type.name()));
                            Value::Object(y)
                        }).collect::<Vec<_>>()));
                        x.insert("Type".into(), json!(match r.kind {
                            TgwRouteType::Static => "static",
                            TgwRouteType::Propagated => "propagated",
                        }));
                        x.insert("State".into(), json!(match r.state {
                            TgwRouteState::Active => "active",
                            other => other.name(),
                        }));
                        Value::Object(x)
                    }).collect::<Vec<_>>()));
                    m.insert("AdditionalRoutesAvailable".into(), json!(t.routes_truncated));
                }
                Value::Object(m)
            })
            .collect();
        docs.push((
            "tgw-route-table-contents.json".into(),
            json!({"TransitGatewayRouteTableContents": contents}),
        ));
    }
    if !net.vpn_connections.is_empty() {
        docs.push((
            "vpn-connections.json".into(),
            json!({"VpnConnections": net.vpn_connections.values().map(|v| {
                let mut m = Map::new();
                m.insert("VpnConnectionId".into(), json!(v.id));
                m.insert("State".into(), json!(v.state));
                if let Some(g) = &v.vpn_gateway { m.insert("VpnGatewayId".into(), json!(g)); }
                if let Some(g) = &v.transit_gateway { m.insert("TransitGatewayId".into(), json!(g)); }
                if let Some(g) = &v.customer_gateway { m.insert("CustomerGatewayId".into(), json!(g)); }
                m.insert("Options".into(), json!({
                    "StaticRoutesOnly": v.static_routes_only,
                    "TunnelOptions": v.tunnels.iter().map(|t| json!({"OutsideIpAddress": t.outside_ip.to_string()})).collect::<Vec<_>>(),
                }));
                m.insert("Routes".into(), json!(v.routes.iter().map(|r| json!({
                    "DestinationCidrBlock": r.dest.to_string(), "Source": "Static", "State": r.state,
                })).collect::<Vec<_>>()));
                m.insert("VgwTelemetry".into(), json!(v.tunnels.iter().filter_map(|t| t.status.as_ref().map(|s| json!({
                    "OutsideIpAddress": t.outside_ip.to_string(), "Status": s,
                }))).collect::<Vec<_>>()));
                Value::Object(m)
            }).collect::<Vec<_>>()}),
        ));
    }
    if !net.vpn_gateways.is_empty() {
        docs.push((
            "vpn-gateways.json".into(),
            json!({"VpnGateways": net.vpn_gateways.values().map(|g| {
                let mut m = Map::new();
                m.insert("VpnGatewayId".into(), json!(g.id));
                m.insert("State".into(), json!(g.state));
                if let Some(k) = &g.kind { m.insert("Type".into(), json!(k)); }
                if let Some(a) = g.asn { m.insert("AmazonSideAsn".into(), json!(a)); }
                m.insert("VpcAttachments".into(), json!(g.attachments.iter().map(|a| json!({"VpcId": a.vpc, "State": a.state})).collect::<Vec<_>>()));
                Value::Object(m)
            }).collect::<Vec<_>>()}),
        ));
    }
}
