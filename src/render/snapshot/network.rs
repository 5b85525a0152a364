//! VPCs, subnets, route tables, gateways, peerings, prefix lists and idle
//! Elastic IPs.

use serde_json::{Map, Value, json};

use crate::model::{Network, RouteDest, RouteOrigin, RouteState, Target};

use super::tags::tags;

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

/// `describe-vpcs`, `describe-subnets`, `describe-route-tables`.
pub(super) fn vpc_docs(net: &Network, docs: &mut Vec<(String, Value)>) {
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
}

/// Internet and egress-only gateways, NAT gateways, peerings, prefix lists
/// and their entries, idle Elastic IPs.
pub(super) fn gateway_docs(net: &Network, docs: &mut Vec<(String, Value)>) {
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
}
