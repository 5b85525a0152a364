//! Transit gateway route tables, read as the walk reads them (longest prefix,
//! then static before propagated; AWS Transit Gateway guide, "Route
//! evaluation order"): a table that sends packets to a VPC attachment whose
//! own table has no route back (the classic asymmetric mistake: the replies
//! are dropped), and blackhole routes that take addresses a propagated route
//! would deliver; subnets that route to a transit gateway from a zone where
//! their VPC's attachment has no subnet.
//!
//! Tables whose routes are not all in the input (or list a prefix list whose
//! entries are missing) are not judged: a note says so.

use std::collections::HashMap;

use ipnet::IpNet;

use crate::engine::sets::{cidr_set, expanded_routes};
use crate::hs::{Field, IntervalSet, PacketSet};
use crate::model::{
    Network, RouteDest, RouteState, Target, TgwAttachment, TgwResourceType, TgwRoute,
    TgwRouteState, TgwRouteTable, TgwRouteType,
};

use super::finding::{Finding, Kind, Lint, Packets, Severity};

/// Which addresses each route of a table decides, in input order, the
/// table read as the walk reads it ([`expanded_routes`]); `None` when the
/// table's routes are not all known (or a prefix list's entries are not in
/// the input). `skip`: a route left out (the table without it).
fn decided<'t>(
    net: &Network,
    rt: &'t TgwRouteTable,
    skip: Option<usize>,
) -> Option<Vec<(usize, &'t TgwRoute, IntervalSet)>> {
    if !rt.routes_known() {
        return None;
    }
    let routes = rt.routes.as_deref().unwrap_or_default();
    let index: HashMap<*const TgwRoute, usize> = routes
        .iter()
        .enumerate()
        .map(|(n, r)| (std::ptr::from_ref(r), n))
        .collect();
    let order = expanded_routes(
        net,
        routes.iter().enumerate().filter_map(|(n, r)| {
            (Some(n) != skip && matches!(r.state, TgwRouteState::Active | TgwRouteState::Blackhole))
                .then_some(r)
        }),
    );
    if !order.unknown.is_empty() {
        return None;
    }
    let mut taken = IntervalSet::empty();
    let mut fresh_of: Vec<IntervalSet> = vec![IntervalSet::empty(); routes.len()];
    for (cidr, r) in order.known {
        let set = cidr_set(&cidr);
        let n = index[&std::ptr::from_ref(r)];
        fresh_of[n] = fresh_of[n].union(&set.difference(&taken));
        taken = taken.union(&set);
    }
    Some(
        fresh_of
            .into_iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .map(|(n, s)| (n, &routes[n], s))
            .collect(),
    )
}

fn vpc_of(a: &TgwAttachment) -> Option<&str> {
    if a.resource_type != TgwResourceType::Vpc {
        return None;
    }
    a.vpc
        .as_ref()
        .map(|v| v.vpc.as_str())
        .or(a.resource_id.as_deref())
}

fn vpc_addresses(net: &Network, vpc: &str, v6: bool) -> IntervalSet {
    net.vpcs
        .get(vpc)
        .map(|v| {
            v.cidrs
                .iter()
                .filter(|c| matches!(c, IpNet::V6(_)) == v6)
                .fold(IntervalSet::empty(), |acc, c| acc.union(&cidr_set(c)))
        })
        .unwrap_or_default()
}

fn to_dst(set: &IntervalSet) -> PacketSet {
    PacketSet::all().restrict(Field::Dst, set)
}

fn cidrs_text(set: &IntervalSet) -> String {
    set.summary(Field::Dst)
}

pub(super) fn transit(net: &Network, out: &mut Lint) {
    let mut tables: Vec<&TgwRouteTable> = net.tgw_route_tables.values().collect();
    tables.sort_by(|a, b| a.id.cmp(&b.id));
    for rt in &tables {
        if !rt.routes_known() {
            out.notes.push(format!(
                "{}: its routes are not (all) in the input, so its routes were not checked",
                rt.id
            ));
        }
    }
    for rt in &tables {
        missing_returns(net, rt, &mut out.findings);
        shadowing_blackholes(net, rt, &mut out.findings);
    }
    zones_without_attachment(net, &mut out.findings);
}

/// Subnets routing to a transit gateway from an Availability Zone where
/// their VPC's attachment has no subnet: AWS drops those packets ("resources
/// in Availability Zones where there is no transit gateway attachment cannot
/// reach the transit gateway", Transit Gateway guide, VPC attachments).
fn zones_without_attachment(net: &Network, out: &mut Vec<Finding>) {
    let mut subnets: Vec<_> = net.subnets.values().collect();
    subnets.sort_by(|a, b| a.id.cmp(&b.id));
    // (attachment, zone) -> the subnets and routes that lead there.
    let mut found: std::collections::BTreeMap<(String, String), Vec<String>> =
        std::collections::BTreeMap::new();
    for s in subnets {
        let (Some(az), Some(rt)) = (s.az.as_deref(), net.route_table_of(&s.id)) else {
            continue;
        };
        for r in &rt.routes {
            let Target::TransitGateway(tgw) = &r.target else {
                continue;
            };
            if r.state != RouteState::Active {
                continue;
            }
            let Some(att) = net.tgw_vpc_attachments(tgw, &s.vpc).next() else {
                continue;
            };
            if !att.available() || att.vpc.is_none() || net.tgw_subnet_in_az(att, az).is_some() {
                continue;
            }
            found
                .entry((att.id.clone(), az.to_string()))
                .or_default()
                .push(format!(
                    "{} ({} {} -> {tgw})",
                    s.id,
                    rt.id,
                    r.dest.describe()
                ));
        }
    }
    for ((att, az), why) in found {
        let a = &net.tgw_attachments[&att];
        let vpc = vpc_of(a).map(ToString::to_string);
        let subnets: Vec<&str> = why
            .iter()
            .map(|w| w.split(' ').next().unwrap_or(w))
            .collect();
        out.push(Finding {
            kind: Kind::TgwZoneWithoutAttachment,
            severity: Severity::Medium,
            resource: att.clone(),
            rule: None,
            vpc: vpc.clone(),
            subject: az.clone(),
            message: format!(
                "{} {} to {} from {az}, where {att} has no subnet: the transit gateway drops those packets (and replies routed into it there)",
                subnets.join(", "),
                if subnets.len() == 1 { "routes" } else { "route" },
                a.tgw,
            ),
            fix: format!(
                "add a subnet in {az} to the attachment (aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id {att} --add-subnet-ids SUBNET_IN_{az})"
            ),
            related: why,
            packets: Vec::new(),
        });
    }
}

/// Every available attachment associated with table `rt`.
fn associated<'n>(net: &'n Network, rt: &TgwRouteTable) -> Vec<&'n TgwAttachment> {
    let mut v: Vec<&TgwAttachment> = net
        .tgw_attachments
        .values()
        .filter(|a| a.available() && a.route_table() == Some(rt.id.as_str()))
        .collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

/// For each VPC attachment `a` associated with `rt` and each VPC attachment
/// `b` that `rt` sends some of `b`'s VPC to: the addresses of `a`'s VPC that
/// `b`'s own table has no route for — the replies from `b` to them are
/// dropped at the transit gateway. (Addresses a blackhole takes are a
/// decision the table states, not a forgotten route: `tgw-blackhole-shadows`
/// reports those that shadow a propagated route.)
fn missing_returns(net: &Network, rt: &TgwRouteTable, out: &mut Vec<Finding>) {
    let Some(forward) = decided(net, rt, None) else {
        return;
    };
    for a in associated(net, rt) {
        let Some(a_vpc) = vpc_of(a) else { continue };
        let mut targets: Vec<&str> = forward
            .iter()
            .filter(|(_, r, _)| r.state == TgwRouteState::Active && r.targets.len() == 1)
            .map(|(_, r, _)| r.targets[0].attachment.as_str())
            .filter(|t| *t != a.id)
            .collect();
        targets.sort_unstable();
        targets.dedup();
        for b_id in targets {
            let Some(b) = net.tgw_attachments.get(b_id) else {
                continue;
            };
            let Some(b_vpc) = vpc_of(b) else { continue };
            if !b.available() || b_vpc == a_vpc {
                continue;
            }
            let Some(back_rt) = b.route_table().and_then(|t| net.tgw_route_tables.get(t)) else {
                continue;
            };
            let Some(back) = decided(net, back_rt, None) else {
                continue;
            };
            let back_routed = back
                .iter()
                .fold(IntervalSet::empty(), |acc, (_, _, s)| acc.union(s));
            let mut missing = IntervalSet::empty();
            let mut sent = IntervalSet::empty();
            for v6 in [false, true] {
                if v6
                    && !(a.vpc.as_ref().is_some_and(|d| d.ipv6)
                        && b.vpc.as_ref().is_some_and(|d| d.ipv6))
                {
                    continue;
                }
                let to_b: IntervalSet = forward
                    .iter()
                    .filter(|(_, r, _)| {
                        r.state == TgwRouteState::Active
                            && r.targets.len() == 1
                            && r.targets[0].attachment == b.id
                    })
                    .fold(IntervalSet::empty(), |acc, (_, _, s)| acc.union(s))
                    .intersect(&vpc_addresses(net, b_vpc, v6));
                if to_b.is_empty() {
                    continue;
                }
                sent = sent.union(&to_b);
                missing = missing.union(&vpc_addresses(net, a_vpc, v6).difference(&back_routed));
            }
            if missing.is_empty() {
                continue;
            }
            let example = a_cidr_inside(net, a_vpc, &missing);
            out.push(Finding {
                kind: Kind::TgwReturnRouteMissing,
                severity: Severity::Medium,
                resource: back_rt.id.clone(),
                rule: None,
                vpc: Some(b_vpc.to_string()),
                subject: format!("{} <- {}", b.id, a.id),
                message: format!(
                    "{} sends packets from {} ({a_vpc}) to {} ({b_vpc}), but {} (the table of {}) has no route to {}: the replies are dropped at the transit gateway",
                    rt.id,
                    a.id,
                    b.id,
                    back_rt.id,
                    b.id,
                    cidrs_text(&missing),
                ),
                fix: format!(
                    "propagate {a} to {t} (aws ec2 enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id {t} --transit-gateway-attachment-id {a}), or add a static route (aws ec2 create-transit-gateway-route --transit-gateway-route-table-id {t} --destination-cidr-block {example} --transit-gateway-attachment-id {a})",
                    a = a.id,
                    t = back_rt.id,
                ),
                related: std::iter::once(rt.id.clone())
                    .chain([a.id.clone(), b.id.clone()])
                    .collect(),
                packets: vec![
                    Packets {
                        label: format!("sent by {} to {}", rt.id, b.id),
                        set: to_dst(&sent),
                    },
                    Packets {
                        label: format!("replies {} does not route", back_rt.id),
                        set: to_dst(&missing),
                    },
                ],
            });
        }
    }
}

/// A VPC CIDR of `vpc` meeting `missing` (for the fix's command), else the
/// first address block of `missing`.
fn a_cidr_inside(net: &Network, vpc: &str, missing: &IntervalSet) -> String {
    net.vpcs
        .get(vpc)
        .and_then(|v| {
            v.cidrs
                .iter()
                .find(|c| !cidr_set(c).intersect(missing).is_empty())
        })
        .map(ToString::to_string)
        .unwrap_or_else(|| cidrs_text(missing))
}

/// Blackhole routes that decide addresses a propagated route of the same
/// table would deliver if the blackhole were not there.
fn shadowing_blackholes(net: &Network, rt: &TgwRouteTable, out: &mut Vec<Finding>) {
    let Some(now) = decided(net, rt, None) else {
        return;
    };
    for (n, hole, taken) in &now {
        if hole.state != TgwRouteState::Blackhole {
            continue;
        }
        let Some(without) = decided(net, rt, Some(*n)) else {
            continue;
        };
        for (_, p, would) in &without {
            if p.kind != TgwRouteType::Propagated || p.state != TgwRouteState::Active {
                continue;
            }
            let lost = taken.intersect(would);
            if lost.is_empty() {
                continue;
            }
            let targets: Vec<&str> = p.targets.iter().map(|t| t.attachment.as_str()).collect();
            let delete = match &hole.dest {
                RouteDest::Cidr(c) => format!(
                    "aws ec2 delete-transit-gateway-route --transit-gateway-route-table-id {} --destination-cidr-block {c}",
                    rt.id
                ),
                RouteDest::PrefixList(id) => format!(
                    "aws ec2 delete-transit-gateway-prefix-list-reference --transit-gateway-route-table-id {} --prefix-list-id {id}",
                    rt.id
                ),
            };
            out.push(Finding {
                kind: Kind::TgwBlackholeShadows,
                severity: Severity::Medium,
                resource: rt.id.clone(),
                rule: Some(hole.label()),
                vpc: None,
                subject: p.label(),
                message: format!(
                    "blackhole route {} in {} drops packets to {} that the propagated route {} -> {} would deliver",
                    hole.label(),
                    rt.id,
                    cidrs_text(&lost),
                    p.dest.describe(),
                    targets.join(", "),
                ),
                fix: format!("if the drop is not intended, delete the blackhole ({delete})"),
                related: vec![format!("{} {} -> {}", rt.id, p.label(), targets.join(", "))],
                packets: vec![Packets {
                    label: "dropped, else delivered by the propagated route".into(),
                    set: to_dst(&lost),
                }],
            });
        }
    }
}
