//! Out of a subnet through a gateway: internet (source to public IP),
//! egress-only (IPv6, untranslated), virtual private (on-premises), NAT
//! (source to its address and a port it picks), VPC peering.

use std::net::IpAddr;

use crate::engine::analysis::{Cause, Direction, End, Hop};
use crate::engine::flow::Flow;
use crate::engine::rules::{self, Side};
use crate::hs::{self, Field, IntervalSet, Origin as Src};

use super::{ASSIGNED_PUBLIC, Cross, NAT_PORTS, Node, Trail, Walk, point, translate_source};

impl<'n> Walk<'n, '_> {
    /// Out through an internet gateway: the private source becomes its public IP.
    pub(super) fn via_igw(&mut self, node: Node<'n>, igw_id: &str, flow: Flow, mut trail: Trail) {
        if let Node::Va(e, _) = node {
            return self.unknown(
                flow,
                trail,
                &e.id,
                "Verified Access interfaces do not reach the internet through an internet gateway (not modelled)",
            );
        }
        let Some((igw, flow)) =
            self.attached_gateway(node, igw_id, "internet gateway", flow, &trail)
        else {
            return;
        };
        let Some(mut flow) = self.nacl(node.subnet(), Side::Egress, flow, &mut trail) else {
            return;
        };
        // Leaving from a class asked together (only from where the walk
        // starts): each member's packets, from its own addresses.
        let members: Vec<&crate::model::Interface> = match (node, &self.class) {
            (Node::Eni(i), Some((first, also))) if i.id == *first => {
                std::iter::once(i).chain(also.iter().copied()).collect()
            }
            (Node::Eni(i), _) => vec![i],
            _ => Vec::new(),
        };
        let pairs: Vec<(IpAddr, Option<IpAddr>)> = match node {
            Node::Eni(_) => members
                .iter()
                .flat_map(|i| {
                    i.private_ips
                        .iter()
                        .map(|p| (p.address, p.public))
                        .chain(i.ipv6.iter().map(|a| (*a, Some(*a))))
                })
                .collect(),
            Node::Nat(n) => n.private_ip.map(|p| (p, n.public_ip)).into_iter().collect(),
            // An association ENI in a public subnet has a public IP (seed 003).
            Node::Cvpn(_, a) => match a
                .interface
                .as_ref()
                .and_then(|e| self.net.interfaces.get(e))
            {
                Some(i) => i
                    .private_ips
                    .iter()
                    .map(|p| (p.address, p.public))
                    .collect(),
                None => {
                    self.assume(format!(
                        "the ENI of {} is not in the input: AWS gives an association ENI in a subnet routed to an internet gateway a public IP, and clients reach the internet from it (aws-semantics.md §6, seed 003)",
                        a.id
                    ));
                    let mut flow = flow;
                    if self.dir == Direction::Forward {
                        trail.ct.assigned = Some(a.id.clone());
                    }
                    flow.rewrite(Field::Src, Src::Const(point(ASSIGNED_PUBLIC)));
                    let t = trail.with(Hop::new(
                        &igw.id,
                        "internet-gateway",
                        "translate",
                        format!(
                            "source -> the public IP AWS assigned to the ENI of {}",
                            a.id
                        ),
                    ));
                    return self.on_internet(flow, t);
                }
            },
            Node::Va(..) | Node::Tgw(..) => Vec::new(),
        };
        // Addresses of IPv6 delegated prefixes are internet addresses too.
        if let Node::Eni(_) = node {
            let v6 = members
                .iter()
                .flat_map(|i| &i.prefixes)
                .filter(|p| matches!(p, ipnet::IpNet::V6(_)))
                .fold(IntervalSet::empty(), |a, p| a.union(&rules::cidr_set(p)));
            let (hit, miss) = flow.split_field(Field::Src, &v6);
            flow = miss;
            if !hit.is_empty() {
                self.on_internet(
                    hit,
                    trail.with(Hop::new(
                        &igw.id,
                        "internet-gateway",
                        "forward",
                        "IPv6 delegated prefix, no translation",
                    )),
                );
            }
        }
        for (private, public) in pairs {
            let (hit, miss) = flow.split_field(Field::Src, &point(private));
            flow = miss;
            if hit.is_empty() {
                continue;
            }
            match public {
                Some(p) if p == private => self.on_internet(
                    hit,
                    trail.with(Hop::new(
                        &igw.id,
                        "internet-gateway",
                        "forward",
                        format!("{p} (IPv6, no translation)"),
                    )),
                ),
                Some(p) => {
                    let mut hit = hit;
                    hit.rewrite(Field::Src, Src::Const(point(p)));
                    let t = trail.with(Hop::new(
                        &igw.id,
                        "internet-gateway",
                        "translate",
                        format!("source {private} -> {p}"),
                    ));
                    self.on_internet(hit, t);
                }
                None => self.drop(
                    hit,
                    trail.clone(),
                    Cause::NoPublicIp {
                        eni: node.id().to_string(),
                        igw: igw.id.clone(),
                    },
                ),
            }
        }
        self.drop(
            flow,
            trail,
            Cause::NoPublicIp {
                eni: node.id().to_string(),
                igw: igw.id.clone(),
            },
        );
    }

    /// An internet gateway (`what`) of the input attached to the node's VPC;
    /// else the packets are unknown (not in the input) or dropped (not attached).
    pub(super) fn attached_gateway(
        &mut self,
        node: Node<'n>,
        id: &str,
        what: &str,
        flow: Flow,
        trail: &Trail,
    ) -> Option<(&'n crate::model::InternetGateway, Flow)> {
        let Some(g) = self.net.internet_gateways.get(id) else {
            self.unknown(
                flow,
                trail.clone(),
                id,
                format!("the {what} is not in the input"),
            );
            return None;
        };
        if !g.vpcs.iter().any(|v| v == node.vpc()) {
            self.drop(
                flow,
                trail.clone(),
                Cause::GatewayNotAttached {
                    gateway: g.id.clone(),
                    vpc: node.vpc().to_string(),
                },
            );
            return None;
        }
        Some((g, flow))
    }

    /// Out through an egress-only internet gateway: IPv6 only, untranslated.
    pub(super) fn via_eigw(&mut self, node: Node<'n>, id: &str, flow: Flow, mut trail: Trail) {
        let Some((g, flow)) =
            self.attached_gateway(node, id, "egress-only internet gateway", flow, &trail)
        else {
            return;
        };
        let (v6, v4) = flow.split_field(Field::Dst, &hs::all_v6());
        self.drop(
            v4,
            trail.clone(),
            Cause::EgressOnlyIpv4 { eigw: g.id.clone() },
        );
        let Some(flow) = self.nacl(node.subnet(), Side::Egress, v6, &mut trail) else {
            return;
        };
        if self.dir == Direction::Forward {
            trail.ct.eigws.push((g.id.clone(), node.vpc().to_string()));
        }
        let t = trail.with(Hop::new(
            &g.id,
            "egress-only-internet-gateway",
            "forward",
            "IPv6, outbound, no translation",
        ));
        self.on_internet(flow, t);
    }

    /// Out through a virtual private gateway: on-premises, outside the input.
    pub(super) fn via_vgw(&mut self, node: Node<'n>, id: &str, flow: Flow, mut trail: Trail) {
        let Some(flow) = self.nacl(node.subnet(), Side::Egress, flow, &mut trail) else {
            return;
        };
        let t = trail.with(Hop::new(
            id,
            "virtual-private-gateway",
            "forward",
            "to the on-premises network (Site-to-Site VPN or Direct Connect)",
        ));
        if self.dir == Direction::Return {
            // No connection comes from on-premises: a reply routed here
            // leaves for on-premises, not back to its requester.
            return self.drop(
                flow,
                t,
                Cause::ReturnElsewhere {
                    reached: format!("the on-premises network through {id}"),
                },
            );
        }
        let Some(flow) = self.leaving_input(
            flow,
            &t,
            id,
            &format!("the on-premises network through {id}"),
        ) else {
            return;
        };
        let mut t = t;
        t.ct.onprem = Some((id.to_string(), node.vpc().to_string()));
        // What the input says of the gateway's attachment (a route is
        // `blackhole` once its gateway is detached, so an active route's
        // gateway is taken as attached whatever the input lists).
        let vpc = node.vpc();
        let attached = match self.net.vpn_gateways.get(id) {
            Some(g) if g.attached_vpcs().any(|v| v == vpc) => {
                format!("which the input shows attached to {vpc}")
            }
            Some(_) => format!(
                "assumed attached to {vpc}: the input does not list it attached there, but the route to it is active (the snapshot's documents may be from different times)"
            ),
            None => format!("assumed attached to {vpc} (the input does not list {id})"),
        };
        self.assume(format!(
            "{} is on-premises behind {id}, outside the input: assumed to accept the connection and to route the reply back through {id}, {attached}",
            flow.current(Field::Dst).summary(Field::Dst),
        ));
        self.leaf(
            flow,
            t.with(Hop::new(
                "on-premises",
                "on-premises",
                "deliver",
                "host outside the input",
            )),
            End::Internet,
        );
    }

    /// A reply from on-premises, in through the virtual private gateway.
    pub(super) fn reply_from_vgw(&mut self, vgw: &str, vpc: &str, flow: Flow, trail: Trail) {
        let t = trail.with(Hop::new(
            vgw,
            "virtual-private-gateway",
            "forward",
            "reply from the on-premises network",
        ));
        for (flow, t) in self.gateway_routes(vgw, vpc, flow, t) {
            self.deliver(vpc, Cross::Outside, flow, t);
        }
    }

    /// Into a NAT gateway: the source becomes its private IP and a port it picks.
    pub(super) fn via_nat(&mut self, node: Node<'n>, nat_id: &str, flow: Flow, mut trail: Trail) {
        let Some(nat) = self.net.nat_gateways.get(nat_id) else {
            return self.unknown(flow, trail, nat_id, "the NAT gateway is not in the input");
        };
        if self.dir == Direction::Return {
            return self.drop(
                flow,
                trail,
                Cause::NatAsymmetric {
                    nat: nat.id.clone(),
                },
            );
        }
        if !nat.is_available() {
            return self.drop(
                flow,
                trail,
                Cause::NatUnavailable {
                    nat: nat.id.clone(),
                    state: nat.state.clone(),
                },
            );
        }
        let Some(private) = nat.private_ip else {
            return self.unknown(
                flow,
                trail,
                nat_id,
                "the NAT gateway's private IP is not in the input",
            );
        };
        let Some(mut flow) =
            self.cross(Cross::Subnet(node.subnet()), &nat.subnet, flow, &mut trail)
        else {
            return;
        };
        trail.ct.nats.push((
            nat.id.clone(),
            flow.source(Field::Src),
            flow.source(Field::SrcPort),
        ));
        translate_source(&mut flow, point(private));
        let t = trail.with(Hop::new(
            &nat.id,
            "nat-gateway",
            "translate",
            format!(
                "source -> {private}, source port {}-{}",
                NAT_PORTS.0, NAT_PORTS.1
            ),
        ));
        self.at_node(Node::Nat(nat), flow, t);
    }

    /// Across a VPC peering connection into the peer VPC.
    pub(super) fn via_peering(
        &mut self,
        node: Node<'n>,
        pcx_id: &str,
        flow: Flow,
        mut trail: Trail,
    ) {
        let net = self.net;
        let Some(pcx) = net.peerings.get(pcx_id) else {
            return self.unknown(
                flow,
                trail,
                pcx_id,
                "the peering connection is not in the input",
            );
        };
        if !pcx.is_active() {
            return self.drop(
                flow,
                trail,
                Cause::PeeringInactive {
                    pcx: pcx.id.clone(),
                    status: pcx.status.clone(),
                },
            );
        }
        let Some(other) = pcx.other_side(node.vpc()) else {
            return self.drop(
                flow,
                trail,
                Cause::PeeringNotAttached {
                    pcx: pcx.id.clone(),
                    vpc: node.vpc().to_string(),
                },
            );
        };
        let Some(vpc) = net.vpcs.get(other) else {
            return self.unknown(flow, trail, other, "the peer VPC is not in the input");
        };
        let Some(flow) = self.nacl(node.subnet(), Side::Egress, flow, &mut trail) else {
            return;
        };
        let inside = vpc
            .cidrs
            .iter()
            .fold(IntervalSet::empty(), |a, c| a.union(&rules::cidr_set(c)));
        let (hit, miss) = flow.split_field(Field::Dst, &inside);
        self.drop(
            miss,
            trail.clone(),
            Cause::PeeringNoTransit {
                pcx: pcx.id.clone(),
                vpc: vpc.id.clone(),
            },
        );
        let t = trail.with(Hop::new(
            &pcx.id,
            "vpc-peering",
            "forward",
            format!("{} -> {}", node.vpc(), vpc.id),
        ));
        self.deliver(&vpc.id, Cross::Outside, hit, t);
    }
}
