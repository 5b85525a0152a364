//! The internet: to a public address of the input (in through its VPC's
//! internet gateway, or an egress-only gateway's reply), or out of the
//! input; and the AWS-provided services an instance reaches on its host.

use std::net::IpAddr;

use crate::engine::analysis::{Cause, Direction, End, Hop};
use crate::engine::flow::Flow;
use crate::engine::rules::{self, Side};
use crate::hs::{self, Field, IntervalSet, Origin as Src};
use crate::model::Interface;

use super::{ASSIGNED_PUBLIC, Cross, Node, Trail, Walk, point};

impl<'n> Walk<'n, '_> {
    /// On the internet: to a public IP of the snapshot, or out of it.
    pub(super) fn on_internet(&mut self, flow: Flow, trail: Trail) {
        if self.replies_leave {
            return self.off_the_input(flow, trail);
        }
        let net = self.net;
        let mut rest = flow;
        if self.dir == Direction::Forward
            && let Some(closed) = &self.closed_outside
        {
            let (hit, miss) = rest.split_field(Field::Dst, closed);
            rest = miss;
            self.drop(hit, trail.clone(), Cause::ClosedOutside);
        }
        if rest.is_empty() {
            return;
        }
        // Allocated Elastic IPs associated with nothing forward nowhere (§5).
        let dsts = rest.current(Field::Dst);
        for (ip, alloc) in net
            .idle_addresses
            .iter()
            .filter(|(ip, _)| dsts.contains(hs::addr(**ip)))
        {
            let (hit, miss) = rest.split_field(Field::Dst, &point(*ip));
            rest = miss;
            self.drop(
                hit,
                trail.clone(),
                Cause::IdleAddress {
                    ip: *ip,
                    allocation: alloc.clone(),
                },
            );
        }
        // A reply to an association ENI's AWS-assigned public IP.
        if let Some(assoc) = trail.ct.assigned.clone() {
            let (hit, miss) = rest.split_field(Field::Dst, &point(ASSIGNED_PUBLIC));
            rest = miss;
            if !hit.is_empty() {
                self.assigned_entry(&assoc, hit, trail.clone());
            }
        }
        // IPv6 addresses of a VPC are its internet addresses (§5): in through
        // its gateway. (A VPC's blocks are its own: each address is one VPC's.)
        let v6: Vec<(&str, IntervalSet)> =
            super::deliver::first_come(net.vpcs.values().map(|vpc| {
                let blocks = vpc
                    .cidrs
                    .iter()
                    .filter(|c| matches!(c, ipnet::IpNet::V6(_)))
                    .fold(IntervalSet::empty(), |a, c| a.union(&rules::cidr_set(c)));
                (vpc.id.as_str(), blocks)
            }))
            .into_iter()
            .filter(|(_, v6)| !v6.is_empty())
            .collect();
        let sets: Vec<IntervalSet> = v6.iter().map(|(_, s)| s.clone()).collect();
        let (parts, others) = super::deliver::split_many(&rest, &sets);
        rest = others;
        for ((vpc, _), hit) in v6.into_iter().zip(parts) {
            if !hit.is_empty() {
                self.ipv6_entry(vpc, hit, trail.clone());
            }
        }
        let dsts = rest.current(Field::Dst);
        let publics: Vec<IpAddr> = match dsts.intervals() {
            [] => Vec::new(),
            [i] if i.lo == i.hi => vec![hs::addr_of(i.lo)],
            _ => self
                .net
                .interfaces
                .values()
                .flat_map(|i| i.private_ips.iter().filter_map(|p| p.public))
                .chain(self.net.nat_gateways.values().filter_map(|n| n.public_ip))
                .filter(|a| dsts.contains(hs::addr(*a)))
                .collect(),
        };
        let mut owned: Vec<(u128, IpAddr, Node<'n>, IpAddr)> = publics
            .into_iter()
            .filter_map(|ip| {
                self.node_by_public_ip(ip)
                    .map(|(node, private)| (hs::addr(ip), ip, node, private))
            })
            .collect();
        owned.sort_by_key(|o| o.0);
        owned.dedup_by_key(|o| o.0);
        let points: Vec<u128> = owned.iter().map(|o| o.0).collect();
        // Many destinations at once (`exposure`): split in one pass.
        match (owned.len() > 1)
            .then(|| rest.split_points(Field::Dst, &points))
            .flatten()
        {
            Some((parts, others)) => {
                rest = others;
                for ((_, ip, node, private), hit) in owned.into_iter().zip(parts) {
                    if !hit.is_empty() {
                        self.internet_entry(node, ip, private, hit, trail.clone());
                    }
                }
            }
            None => {
                for (_, ip, node, private) in owned {
                    let (hit, miss) = rest.split_field(Field::Dst, &point(ip));
                    rest = miss;
                    if !hit.is_empty() {
                        self.internet_entry(node, ip, private, hit, trail.clone());
                    }
                }
            }
        }
        self.off_the_input(rest, trail);
    }

    /// What is addressed to no holder in the input: dropped when private,
    /// else delivered to a host outside the input.
    fn off_the_input(&mut self, rest: Flow, trail: Trail) {
        let (private, outside) = rest.split_field(Field::Dst, &rules::special_addresses());
        self.drop(private, trail.clone(), Cause::PrivateOnInternet);
        let Some(outside) = self.leaving_input(outside, &trail, "internet", "the internet") else {
            return;
        };
        if !outside.is_empty() && self.dir == Direction::Forward {
            self.assume(format!(
                "{} is outside the input: assumed to accept the connection and answer",
                outside.current(Field::Dst).summary(Field::Dst)
            ));
        }
        self.leaf(
            outside,
            trail.with(Hop::new(
                "internet",
                "internet",
                "deliver",
                "host outside the input",
            )),
            End::Internet,
        );
    }

    /// In through the internet gateway of the VPC owning a public IP.
    pub(super) fn internet_entry(
        &mut self,
        node: Node<'n>,
        public: IpAddr,
        private: IpAddr,
        mut flow: Flow,
        trail: Trail,
    ) {
        let Some(igw) = self.net.igw_of_vpc(node.vpc()) else {
            return self.drop(
                flow,
                trail,
                Cause::NoInternetGateway {
                    vpc: node.vpc().to_string(),
                },
            );
        };
        flow.rewrite(Field::Dst, Src::Const(point(private)));
        let trail = trail.with(Hop::new(
            &igw.id,
            "internet-gateway",
            "translate",
            format!("destination {public} -> {private}"),
        ));
        for (flow, trail) in self.gateway_routes(&igw.id, node.vpc(), flow, trail) {
            self.entered(node, private, flow, trail);
        }
    }

    /// Inside the VPC, past the internet gateway, toward `node` (at `private`).
    pub(super) fn entered(
        &mut self,
        node: Node<'n>,
        private: IpAddr,
        flow: Flow,
        mut trail: Trail,
    ) {
        match node {
            Node::Eni(_) | Node::Cvpn(..) | Node::Va(..) | Node::Tgw(..) => {
                self.deliver_to(node, Cross::Outside, flow, trail)
            }
            Node::Nat(n) => {
                let Some(entry) = trail.ct.nat(&n.id) else {
                    let t = trail.with(Hop::new(
                        &n.id,
                        "nat-gateway",
                        "deny",
                        "no connection to translate back (inbound, unsolicited)",
                    ));
                    return self.drop(flow, t, Cause::NatNoUnsolicited { nat: n.id.clone() });
                };
                let Some(mut flow) = self.nacl(&n.subnet, Side::Ingress, flow, &mut trail) else {
                    return;
                };
                flow.restore(Field::Dst, entry.1);
                flow.restore(Field::DstPort, entry.2);
                let t = trail.with(Hop::new(
                    &n.id,
                    "nat-gateway",
                    "translate",
                    format!("destination {private} -> the connection's original source (reply)"),
                ));
                self.at_node(node, flow, t);
            }
        }
    }

    /// In through the internet gateway to an association ENI the input lacks,
    /// at the public IP AWS assigned it.
    pub(super) fn assigned_entry(&mut self, assoc: &str, mut flow: Flow, trail: Trail) {
        let net = self.net;
        let Some((ep, a)) = net.association(assoc) else {
            return self.unknown(flow, trail, assoc, "the association is not in the input");
        };
        let Some(igw) = net.igw_of_vpc(&ep.vpc) else {
            return self.drop(
                flow,
                trail,
                Cause::NoInternetGateway {
                    vpc: ep.vpc.clone(),
                },
            );
        };
        let Some(addrs) = rules::association_addresses(net, a) else {
            return self.unknown(
                flow,
                trail,
                &a.subnet,
                "the association's subnet is not in the input",
            );
        };
        flow.rewrite(Field::Dst, Src::Const(addrs));
        let t = trail.with(Hop::new(
            &igw.id,
            "internet-gateway",
            "translate",
            format!(
                "destination (the public IP AWS assigned to the ENI of {}) -> its private address",
                a.id
            ),
        ));
        let node = Node::Cvpn(ep, a);
        for (flow, t) in self.gateway_routes(&igw.id, &ep.vpc, flow, t) {
            self.deliver_to(node, Cross::Outside, flow, t);
        }
    }

    /// In from the internet to an IPv6 address of `vpc` (untranslated): through
    /// its internet gateway, or for a reply, the egress-only gateway the
    /// request left through.
    pub(super) fn ipv6_entry(&mut self, vpc: &str, flow: Flow, trail: Trail) {
        let net = self.net;
        let eigw = trail
            .ct
            .eigws
            .iter()
            .find(|(_, v)| v == vpc)
            .map(|(g, _)| g.clone());
        let (gateway, trail) = match (eigw, net.igw_of_vpc(vpc)) {
            (Some(g), _) if self.dir == Direction::Return => {
                let t = trail.with(Hop::new(
                    &g,
                    "egress-only-internet-gateway",
                    "forward",
                    "reply of a connection that left through it",
                ));
                (None, t)
            }
            (_, Some(igw)) => {
                let t = trail.with(Hop::new(
                    &igw.id,
                    "internet-gateway",
                    "forward",
                    "IPv6, no translation",
                ));
                (Some(igw.id.clone()), t)
            }
            (_, None) => {
                let cause = match net
                    .internet_gateways
                    .values()
                    .find(|g| g.egress_only && g.vpcs.iter().any(|v| v == vpc))
                {
                    Some(g) => Cause::EgressOnlyInbound {
                        eigw: g.id.clone(),
                        vpc: vpc.to_string(),
                    },
                    None => Cause::NoInternetGateway {
                        vpc: vpc.to_string(),
                    },
                };
                return self.drop(flow, trail, cause);
            }
        };
        let onward = match gateway {
            Some(g) => self.gateway_routes(&g, vpc, flow, trail),
            None => vec![(flow, trail)],
        };
        for (flow, trail) in onward {
            self.deliver(vpc, Cross::Outside, flow, trail);
        }
    }

    /// AWS-provided services an instance reaches without leaving the host
    /// (§5b): they answer on their ports, unfiltered. Returns the rest.
    pub(super) fn aws_services(
        &mut self,
        i: &'n Interface,
        flow: Flow,
        trail: &Trail,
    ) -> Option<Flow> {
        let mut rest = flow;
        for svc in rules::aws_services(self.net, &i.vpc) {
            let (hit, miss) = rest.split_field(Field::Dst, &point(svc.addr));
            rest = miss;
            if hit.is_empty() {
                continue;
            }
            let (served, other) = hit.split(&svc.serves);
            if !served.is_empty() {
                let mut t = trail.with(Hop::new(
                    svc.name,
                    "aws-service",
                    "deliver",
                    format!(
                        "{} at {}: answered by AWS on the host, not filtered by security groups, network ACLs or routes",
                        svc.name, svc.addr
                    ),
                ));
                t.ct.service = Some(format!("{} ({})", svc.name, svc.addr));
                self.leaf(served, t, End::Internet);
            }
            if !other.is_empty() {
                if matches!(self.net_protocol(&other), Some(6) | Some(17)) {
                    self.drop(
                        other,
                        trail.clone(),
                        Cause::ServicePort {
                            service: svc.name.to_string(),
                            addr: svc.addr,
                            serves: svc.describe.to_string(),
                        },
                    );
                } else {
                    self.unknown(
                        other,
                        trail.clone(),
                        svc.name,
                        format!(
                            "{} at {} is documented for {} only; other protocols are not",
                            svc.name, svc.addr, svc.describe
                        ),
                    );
                }
            }
        }
        (!rest.is_empty()).then_some(rest)
    }

    /// The single protocol of a flow, if it has one.
    pub(super) fn net_protocol(&self, flow: &Flow) -> Option<u8> {
        match flow.current(Field::Proto).intervals() {
            [i] if i.lo == i.hi => u8::try_from(i.lo).ok(),
            _ => None,
        }
    }
}
