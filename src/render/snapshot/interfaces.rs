//! Network interfaces and instances.

use serde_json::{Map, Value, json};

use crate::model::Network;

use super::tags::tags;

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

/// `describe-network-interfaces`, `describe-instances`.
pub(super) fn interface_docs(net: &Network, docs: &mut Vec<(String, Value)>) {
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
}
