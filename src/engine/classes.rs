//! Classes of source interfaces the walk treats alike (`who`, `diff`,
//! `exposure`): one walk answers for every member of a class, and for every
//! class of a gathering toward one destination.

use std::net::IpAddr;

use crate::hs::{self, Cube, Field, Interval, PacketSet};
use crate::model::{Network, Protocol};

use super::query::ephemeral;
use super::rules;

/// Interfaces the walk treats alike as sources, so one walk answers for all
/// of them ([`Start::Interface`] with `also`): same VPC, subnet (route table,
/// network ACL), security groups, type, state and ephemeral range, and no
/// public IP (the internet gateway translates each one's own: such an
/// interface is a class of its own). Each class lists interfaces by ID.
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
        let place = vec![
            i.vpc.clone(),
            i.subnet.clone(),
            i.kind.clone(),
            i.status.clone(),
            answering.to_string(),
            format!("{lo}-{hi}"),
            if public { i.id.clone() } else { String::new() },
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

/// [`source_classes`] toward one destination address and service, gathered
/// into groups a walk there treats alike: classes that differ only in their
/// security groups, whose outbound rules pass (and leave undecided) the same
/// packets toward `dst`:`ports`. Security groups are met by a source only on
/// the way out (its replies come back through them statefully), so one walk
/// of a gathering answers for each member exactly; only the explanation's
/// outbound hop names the first class's groups. Each gathering lists its
/// classes in [`source_classes`] order, with their index there.
pub fn source_classes_toward(
    net: &Network,
    dst: IpAddr,
    protocol: Protocol,
    ports: (u16, u16),
) -> Vec<Vec<(usize, Vec<String>)>> {
    use std::collections::{BTreeMap, HashMap};
    let mut cube = Cube::all().with(Field::Dst, Interval::point(hs::addr(dst)));
    if let Protocol::Number(n) = protocol {
        cube = cube.with(Field::Proto, Interval::point(u128::from(n)));
    }
    let span = Interval {
        lo: u128::from(ports.0),
        hi: u128::from(ports.1),
    };
    cube = cube.with(
        if protocol.is_icmp() {
            Field::IcmpType
        } else {
            Field::DstPort
        },
        span,
    );
    let toward = PacketSet::from_cube(cube);
    // Per group: what its outbound rules pass toward `dst`, and what they
    // may (a peer the input does not settle); `None` when not in the input.
    let mut per_group: HashMap<String, Option<(PacketSet, PacketSet)>> = HashMap::new();
    let mut image = |groups: &[String]| -> Option<(PacketSet, PacketSet)> {
        if groups.is_empty() {
            return None; // the walk stops there: unknown (nothing to share)
        }
        let mut allowed = PacketSet::empty();
        let mut maybe = PacketSet::empty();
        for g in groups {
            let got = per_group.entry(g.clone()).or_insert_with(|| {
                let (a, m) = rules::group_rules_set(net, g, rules::Side::Egress)?;
                Some((a.intersect(&toward), m.intersect(&toward)))
            });
            match got {
                Some((a, m)) => {
                    allowed = allowed.union(a);
                    maybe = maybe.union(m);
                }
                None => maybe = toward.clone(),
            }
        }
        Some((allowed.clone(), maybe.difference(&allowed)))
    };
    type Gathering = Vec<((PacketSet, PacketSet), Vec<(usize, Vec<String>)>)>;
    let mut places: BTreeMap<Vec<String>, Gathering> = BTreeMap::new();
    let mut out = Vec::new();
    for (n, (key, members)) in keyed_classes(net).into_iter().enumerate() {
        let Some(img) = image(&key.groups) else {
            out.push(vec![(n, members)]);
            continue;
        };
        let here = places.entry(key.place).or_default();
        match here
            .iter_mut()
            .find(|(k, _)| k.0.same_as(&img.0) && k.1.same_as(&img.1))
        {
            Some((_, classes)) => classes.push((n, members)),
            None => here.push((img, vec![(n, members)])),
        }
    }
    out.extend(places.into_values().flatten().map(|(_, c)| c));
    out
}
