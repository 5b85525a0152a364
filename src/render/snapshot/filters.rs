//! Security groups and network ACLs.

use serde_json::{Map, Value, json};

use crate::model::{Action, NaclEntry, Network, Peer, PortMatch, Protocol, SgRule};

use super::tags::tags;

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

/// `describe-network-acls`, `describe-security-groups`.
pub(super) fn filter_docs(net: &Network, docs: &mut Vec<(String, Value)>) {
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
}
