//! Classes of source interfaces the walk treats alike (`who`, `diff`,
//! `exposure`): one walk answers for every member of a class, and for every
//! class of a gathering toward one destination.

use crate::model::Network;

use super::query::ephemeral;

/// Interfaces the walk treats alike as sources, so one walk answers for all
/// of them ([`Start::Interface`] with `also`): same VPC, subnet (route table,
/// network ACL), security groups, type, state and ephemeral range, and no
/// public IP (the internet gateway translates each one's own: such an
/// interface is a class of its own, as is a Client VPN association's or a
/// NAT gateway's interface, whose walk starts at that node). Each class lists interfaces by ID.
pub fn source_classes(net: &Network) -> Vec<Vec<String>> {
    keyed_classes(net).into_iter().map(|(_, m)| m).collect()
}

/// What makes a class ([`source_classes`]): everything but the groups, and
/// the groups.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ClassKey {
    /// The order classes are listed in.
    order: Vec<String>,
    place: Vec<String>,
    groups: Vec<String>,
}

fn keyed_classes(net: &Network) -> Vec<(ClassKey, Vec<String>)> {
    use std::collections::BTreeMap;
    let mut classes: BTreeMap<ClassKey, Vec<String>> = BTreeMap::new();
    for i in net.interfaces.values().filter(|i| i.originates()) {
        let mut groups = i.groups.clone();
        groups.sort();
        let mut ignored = Vec::new();
        let (lo, hi) = ephemeral(net, i, &mut ignored);
        let answering = i
            .instance
            .as_ref()
            .and_then(|id| net.instances.get(id))
            .is_none_or(|inst| inst.running());
        let public = i.private_ips.iter().any(|p| p.public.is_some());
        // A walk from it starts at another node (a Client VPN association,
        // a NAT gateway), which carries the node's groups, not the
        // interface's: a class of its own.
        let special = net.nat_gateway_by_interface(&i.id).is_some()
            || net.client_vpn_endpoints.values().any(|e| {
                e.associations
                    .iter()
                    .any(|a| a.id == i.id || a.interface.as_deref() == Some(i.id.as_str()))
            });
        let place = vec![
            i.vpc.clone(),
            i.subnet.clone(),
            i.kind.clone(),
            i.status.clone(),
            answering.to_string(),
            format!("{lo}-{hi}"),
            if public || special {
                i.id.clone()
            } else {
                String::new()
            },
        ];
        let mut order = place.clone();
        order.insert(2, groups.join(","));
        classes
            .entry(ClassKey {
                order,
                place,
                groups,
            })
            .or_default()
            .push(i.id.clone());
    }
    classes.into_iter().collect()
}

/// [`source_classes`] gathered by place: the classes of one subnet (route
/// table, network ACL), type, state and ephemeral range, that differ only
/// in their security groups, for one walk from all of them (each member's
/// packets meet its own groups on the way out; security groups are met by a
/// source only there, its replies come back through them statefully). So
/// one walk of a gathering answers for each member exactly; only its
/// explanation's outbound hop names every class's groups. A class whose
/// members list no group is a gathering of its own. Each gathering lists
/// its classes in [`source_classes`] order, with their index there.
pub fn source_places(net: &Network) -> Vec<Vec<(usize, Vec<String>)>> {
    use std::collections::BTreeMap;
    let mut places: BTreeMap<Vec<String>, Vec<(usize, Vec<String>)>> = BTreeMap::new();
    let mut out = Vec::new();
    for (n, (key, members)) in keyed_classes(net).into_iter().enumerate() {
        if key.groups.is_empty() {
            out.push(vec![(n, members)]);
            continue;
        }
        places.entry(key.place).or_default().push((n, members));
    }
    out.extend(places.into_values());
    out
}
