//! Route tables: routes whose state is `blackhole` (their target is gone:
//! a deleted gateway, interface, instance or peering) drop what they match.

use ipnet::IpNet;

use crate::model::{Network, RouteDest, RouteState};

use super::finding::{Finding, Kind, Severity};

pub(super) fn blackholes(net: &Network, out: &mut Vec<Finding>) {
    for rt in net.route_tables.values() {
        let holes: Vec<_> = rt
            .routes
            .iter()
            .filter(|r| r.state == RouteState::Blackhole)
            .collect();
        if holes.is_empty() {
            continue;
        }
        let subnets: Vec<&str> = net
            .subnets
            .values()
            .filter(|s| net.route_table_of(&s.id).is_some_and(|t| t.id == rt.id))
            .map(|s| s.id.as_str())
            .collect();
        let users: Vec<&str> = subnets
            .iter()
            .copied()
            .chain(rt.gateways.iter().map(String::as_str))
            .collect();
        for r in holes {
            let dest = r.dest.describe();
            let flag = match &r.dest {
                RouteDest::Cidr(IpNet::V4(_)) => "--destination-cidr-block",
                RouteDest::Cidr(IpNet::V6(_)) => "--destination-ipv6-cidr-block",
                RouteDest::PrefixList(_) => "--destination-prefix-list-id",
            };
            let (severity, from) = if users.is_empty() {
                (
                    Severity::Low,
                    "the table is associated with no subnet or gateway".to_string(),
                )
            } else {
                (
                    Severity::Medium,
                    format!("packets to {dest} from {} are dropped", users.join(", ")),
                )
            };
            out.push(Finding {
                kind: Kind::BlackholeRoute,
                severity,
                resource: rt.id.clone(),
                rule: Some(dest.clone()),
                vpc: Some(rt.vpc.clone()),
                subject: r.target.id().to_string(),
                message: format!(
                    "route {dest} -> {} in {} is a blackhole: its target no longer exists; {from}",
                    r.target.id(),
                    rt.id
                ),
                fix: format!(
                    "delete it (aws ec2 delete-route --route-table-id {} {flag} {dest}), or point it at a live target (aws ec2 replace-route)",
                    rt.id
                ),
                related: users.iter().map(ToString::to_string).collect(),
                packets: Vec::new(),
            });
        }
    }
}
