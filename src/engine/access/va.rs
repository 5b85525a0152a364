//! Where a Verified Access endpoint sends its traffic, and whether it can
//! deliver to the query's destination (aws-semantics.md §7).

use crate::hs::{self, Interval, IntervalSet};
use crate::model::{Network, VaEndpoint, VaTarget};

use crate::engine::rules;

/// Whether endpoint `ep` (its target resolved) can deliver to `dst`: its
/// target holds it, or the input cannot tell (a load balancer forwards where
/// its target groups say; an unresolved target).
pub fn leads_to(ep: &VaEndpoint, target: &Resolved, dst: std::net::IpAddr) -> bool {
    match target {
        Ok(_) if matches!(ep.target, VaTarget::LoadBalancer(_)) => true,
        Ok((set, _)) => set.contains(hs::addr(dst)),
        Err(_) => true,
    }
}

/// Where an endpoint sends traffic: (addresses, description), or why the input cannot tell.
pub type Resolved = Result<(IntervalSet, String), String>;

/// The addresses an endpoint sends traffic to, or why the input cannot tell.
pub fn target_addresses(net: &Network, ep: &VaEndpoint) -> Resolved {
    let point = |ip: std::net::IpAddr| Interval::point(hs::addr(ip));
    match &ep.target {
        VaTarget::NetworkInterface(eni) => {
            let i = net
                .interfaces
                .get(eni)
                .ok_or_else(|| format!("network interface `{eni}` is not in the input"))?;
            let ip = i
                .primary_ip()
                .ok_or_else(|| format!("network interface `{eni}` has no private address"))?;
            Ok((
                IntervalSet::from_interval(point(ip)),
                format!("{eni}'s primary private IP {ip}"),
            ))
        }
        VaTarget::Cidr(c) => Ok((rules::cidr_set(c), format!("any address of {c}"))),
        VaTarget::LoadBalancer(arn) => {
            // An ELB's interfaces are described `ELB app/<name>/<id>` (or net/…).
            let suffix = arn
                .split_once(":loadbalancer/")
                .map(|(_, s)| s)
                .unwrap_or(arn);
            let want = format!("ELB {suffix}");
            let ips: Vec<_> = net
                .interfaces
                .values()
                .filter(|i| i.description.as_deref() == Some(want.as_str()))
                .flat_map(|i| i.private_ips.iter().map(|p| point(p.address)))
                .collect();
            if ips.is_empty() {
                return Err(format!(
                    "the input has no network interface of load balancer `{arn}` (description `{want}`)"
                ));
            }
            Ok((
                IntervalSet::from_intervals(ips),
                format!("the addresses of load balancer {suffix}"),
            ))
        }
        VaTarget::Rds(db) => {
            // describe-network-interfaces does not say which database an RDS
            // interface serves; any RDS interface of the endpoint's VPC is taken.
            let ips: Vec<_> = net
                .interfaces
                .values()
                .filter(|i| i.vpc == ep.vpc)
                .filter(|i| i.description.as_deref() == Some("RDSNetworkInterface"))
                .flat_map(|i| i.private_ips.iter().map(|p| point(p.address)))
                .collect();
            if ips.is_empty() {
                return Err(format!(
                    "the input has no RDS network interface (description `RDSNetworkInterface`) in `{}` for `{db}`",
                    ep.vpc
                ));
            }
            Ok((
                IntervalSet::from_intervals(ips),
                format!(
                    "an RDS network interface of {} (assumed to serve {db})",
                    ep.vpc
                ),
            ))
        }
    }
}
