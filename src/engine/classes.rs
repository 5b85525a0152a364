//! Classes of source interfaces the walk treats alike (`who`, `diff`,
//! `exposure`): one walk answers for every member of a class, and for every
//! class of a gathering toward one destination.

use crate::model::Network;

use super::query::ephemeral_range_of;

/// Interfaces the walk treats alike as sources, so one walk answers for all
/// of them ([`Start::Interface`] with `also`): same VPC, subnet (route table,
/// network ACL), security groups, type, state and ephemeral range. (Each
/// member leaves through an internet gateway from its own addresses, its
/// public IP or IPv6 address: `Walk::class`.) A Client VPN association's or
/// a NAT gateway's interface is a class of its own: its walk starts at that
/// node; so is an appliance's (a route's target: it is on other members'
/// paths, and a class tracks every member's connections). Each class lists
/// interfaces by ID.
pub fn source_classes(net: &Network) -> Vec<Vec<String>> {
    keyed_classes(net).into_iter().map(|(_, m)| m).collect()
}

/// What makes a class ([`source_classes`]): everything but the groups
/// (`place`: VPC, subnet, type, state, whether its instance answers,
/// ephemeral range, and its own ID when it is a class of its own), and the
/// groups (sorted).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ClassKey<'n> {
    /// The order classes are listed in: the place with the groups (joined)
    /// after the subnet.
    order: (&'n str, &'n str, String, Place<'n>),
    groups: Vec<&'n str>,
}

type Place<'n> = (
    &'n str,
    &'n str,
    &'n str,
    &'n str,
    bool,
    (u16, u16),
    &'n str,
);

fn keyed_classes(net: &Network) -> Vec<(ClassKey<'_>, Vec<String>)> {
    use rayon::prelude::*;
    use std::collections::BTreeSet;
    // Interfaces a walk starts from at another node (a Client VPN
    // association, a NAT gateway), which carries the node's groups, not
    // the interface's: each a class of its own.
    let mut special: BTreeSet<&str> = net
        .nat_gateways
        .values()
        .filter_map(|n| n.interface.as_deref())
        .collect();
    for a in net
        .client_vpn_endpoints
        .values()
        .flat_map(|e| &e.associations)
    {
        special.insert(&a.id);
        if let Some(i) = &a.interface {
            special.insert(i);
        }
    }
    // An appliance (a route's target) is on other interfaces' paths: asked
    // with them, it would count their connections as its own when their
    // replies pass through it (a class tracks every member's connections).
    special.extend(net.appliances());
    // Keyed in parallel and sorted (at 10k interfaces a map filled one
    // interface at a time was ~30 ms of `who`'s every run, comparing keys):
    // by key, then ID, so a class lists its members in ID order, as the
    // interfaces are.
    let sources: Vec<&crate::model::Interface> =
        net.interfaces.values().filter(|i| i.originates()).collect();
    let mut keyed: Vec<(ClassKey<'_>, &str)> = sources
        .par_iter()
        .map(|i| {
            let mut groups: Vec<&str> = i.groups.iter().map(String::as_str).collect();
            groups.sort();
            let inst = i.instance.as_ref().and_then(|id| net.instances.get(id));
            let answering = inst.is_none_or(|inst| inst.running());
            let own = if special.contains(i.id.as_str()) {
                i.id.as_str()
            } else {
                ""
            };
            let place = (
                i.vpc.as_str(),
                i.subnet.as_str(),
                i.kind.as_str(),
                i.status.as_str(),
                answering,
                ephemeral_range_of(i, inst),
                own,
            );
            let key = ClassKey {
                order: (i.vpc.as_str(), i.subnet.as_str(), groups.join(","), place),
                groups,
            };
            (key, i.id.as_str())
        })
        .collect();
    keyed.par_sort_unstable();
    let mut classes: Vec<(ClassKey<'_>, Vec<String>)> = Vec::new();
    for (key, id) in keyed {
        match classes.last_mut() {
            Some((k, members)) if *k == key => members.push(id.to_string()),
            _ => classes.push((key, vec![id.to_string()])),
        }
    }
    classes
}

/// [`source_classes`] gathered by place: the classes of one subnet (route
/// table, network ACL), type and state, that differ only in their security
/// groups and ephemeral range, for one walk from all of them (each member's
/// packets leave from its own source ports and meet its own groups on the
/// way out; security groups are met by a source only there, its replies
/// come back through them statefully). So
/// one walk of a gathering answers for each member exactly; only its
/// explanation's outbound hop names every class's groups. A class whose
/// members list no group is a gathering of its own. Each gathering lists
/// its classes in [`source_classes`] order, with their index there.
/// Computed once per network (`derived`) and shared, not copied (at 10k
/// interfaces a copy was a few milliseconds of `who`'s every address).
pub fn source_places(net: &Network) -> std::sync::Arc<Vec<Gathering>> {
    match super::derived::of(net) {
        Some(memo) => memo
            .places
            .get_or_init(|| std::sync::Arc::new(places_of(net)))
            .clone(),
        None => std::sync::Arc::new(places_of(net)),
    }
}

/// One gathering of [`source_places`]: its classes, each with its index in
/// [`source_classes`] order and its interfaces' IDs.
pub type Gathering = Vec<(usize, Vec<String>)>;

fn places_of(net: &Network) -> Vec<Gathering> {
    use std::collections::BTreeMap;
    // The place without the ephemeral range: each member's packets leave
    // from its own source ports (`Query::from_class`).
    type Gathered<'n> = (&'n str, &'n str, &'n str, &'n str, bool, &'n str);
    let mut places: BTreeMap<Gathered<'_>, Vec<(usize, Vec<String>)>> = BTreeMap::new();
    let mut out = Vec::new();
    for (n, (key, members)) in keyed_classes(net).into_iter().enumerate() {
        if key.groups.is_empty() {
            out.push(vec![(n, members)]);
            continue;
        }
        let (vpc, subnet, kind, status, answering, _, own) = key.order.3;
        places
            .entry((vpc, subnet, kind, status, answering, own))
            .or_default()
            .push((n, members));
    }
    out.extend(places.into_values());
    out
}
