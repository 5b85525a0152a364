//! Through a transit gateway (issue 14; AWS Transit Gateway guide, cited in
//! ARCHITECTURE.md): a VPC route to `tgw-` hands the packets to the VPC's
//! attachment in the sender's Availability Zone; the route table associated
//! with that attachment picks the attachment they leave through (longest
//! prefix, static before propagated, blackholes drop); a VPC attachment
//! hands them into its VPC at its subnet (the zone of the sender when it has
//! one), whose route table routes them on; a VPN or Direct Connect gateway
//! attachment leads on-premises, outside the input.
//!
//! Network ACLs as the guide's "Network ACLs for transit gateways" says: in,
//! the sender's subnet's outbound rules and the attachment subnet's inbound
//! rules (both of one ACL when they are the same subnet); out, the
//! attachment subnet's outbound rules and the receiver's subnet's inbound
//! rules (none when they are the same subnet). The attachment's interfaces
//! have no security group.

use ipnet::IpNet;

use crate::engine::analysis::{Cause, Direction, End, Hop};
use crate::engine::flow::Flow;
use crate::engine::rules::Side;
use crate::hs::Field;
use crate::model::{
    RouteDest, TgwAttachment, TgwResourceType, TgwRoute, TgwRouteState, TgwRouteType,
    TransitGateway,
};

use super::{Cross, MAX_HOPS, Node, Trail, Walk};

const ATTACHMENT: &str = "transit-gateway-attachment";

impl<'n> Walk<'n, '_> {
    /// A subnet route to transit gateway `tgw_id`: into it through the VPC's
    /// attachment in the sender's zone.
    pub(super) fn via_tgw(&mut self, node: Node<'n>, tgw_id: &str, flow: Flow, mut trail: Trail) {
        let net = self.net;
        if trail.hops.len() > MAX_HOPS {
            return self.unknown(
                flow,
                trail,
                tgw_id,
                "routing loop: the walk exceeded 64 hops",
            );
        }
        let Some(tgw) = net.transit_gateways.get(tgw_id) else {
            return self.unknown(
                flow,
                trail,
                tgw_id,
                "the transit gateway is not in the input",
            );
        };
        if !tgw.available() {
            return self.drop(
                flow,
                trail,
                Cause::TgwUnavailable {
                    component: tgw.id.clone(),
                    state: tgw.state.clone(),
                },
            );
        }
        let az = net.subnets.get(node.subnet()).and_then(|s| s.az.as_deref());
        let (att, subnet, flow) = match node {
            // Routed back into the transit gateway from its own interface
            // (an inspection VPC's attachment subnet): it never left it.
            Node::Tgw(a, s, _) if a.tgw == tgw.id => (a, s, flow),
            _ => {
                let Some(att) = net.tgw_vpc_attachments(&tgw.id, node.vpc()).next() else {
                    return self.drop(
                        flow,
                        trail,
                        Cause::TgwNotAttached {
                            tgw: tgw.id.clone(),
                            vpc: node.vpc().to_string(),
                        },
                    );
                };
                if !att.available() {
                    return self.drop(
                        flow,
                        trail,
                        Cause::TgwUnavailable {
                            component: att.id.clone(),
                            state: att.state.clone(),
                        },
                    );
                }
                if att.vpc.is_none() {
                    return self.unknown(
                        flow,
                        trail,
                        &att.id,
                        format!(
                            "the subnets of {} are not in the input (describe-transit-gateway-vpc-attachments)",
                            att.id
                        ),
                    );
                }
                let Some(az) = az else {
                    return self.unknown(
                        flow,
                        trail,
                        node.subnet(),
                        format!(
                            "the Availability Zone of {} is not in the input: which subnet of {} the packets reach the transit gateway through is unknown",
                            node.subnet(),
                            att.id
                        ),
                    );
                };
                let Some(subnet) = net.tgw_subnet_in_az(att, az) else {
                    return self.drop(
                        flow,
                        trail,
                        Cause::TgwNoZone {
                            attachment: att.id.clone(),
                            subnet: node.subnet().to_string(),
                            az: az.to_string(),
                        },
                    );
                };
                let Some(flow) = self.tgw_ipv6(att, flow, &trail) else {
                    return;
                };
                let flow = if subnet == node.subnet() {
                    let Some(f) = self.nacl(subnet, Side::Egress, flow, &mut trail) else {
                        return;
                    };
                    self.nacl(subnet, Side::Ingress, f, &mut trail)
                } else {
                    self.cross(Cross::Subnet(node.subnet()), subnet, flow, &mut trail)
                };
                let Some(flow) = flow else {
                    return;
                };
                (att, subnet, flow)
            }
        };
        self.no_sg_refs(tgw, att, &mut trail);
        let zone = az.map(|z| format!(" ({z})")).unwrap_or_default();
        let t = trail.with(Hop::new(
            &att.id,
            ATTACHMENT,
            "forward",
            format!("{} -> {} through {subnet}{zone}", node.vpc(), tgw.id),
        ));
        self.tgw_route(tgw, att, az, flow, t);
    }

    /// IPv6 crosses a VPC attachment only with its IPv6 support on; `None`
    /// when nothing is left.
    fn tgw_ipv6(&mut self, att: &TgwAttachment, flow: Flow, trail: &Trail) -> Option<Flow> {
        if att.vpc.as_ref().is_some_and(|v| v.ipv6) {
            return Some(flow);
        }
        let (v6, v4) = flow.split_field(Field::Dst, &crate::hs::all_v6());
        self.drop(
            v6,
            trail.clone(),
            Cause::TgwNoIpv6 {
                attachment: att.id.clone(),
            },
        );
        (!v4.is_empty()).then_some(v4)
    }

    /// Security-group references match across the transit gateway only when
    /// it and the attachment both support them.
    fn no_sg_refs(&mut self, tgw: &TransitGateway, att: &TgwAttachment, trail: &mut Trail) {
        let on = tgw.sg_referencing && att.vpc.as_ref().is_some_and(|v| v.sg_referencing);
        if !on && self.dir == Direction::Forward {
            trail.ct.tgw_no_sg_refs = true;
        }
    }

    /// Inside the transit gateway, entered through `att` (from zone `az`,
    /// when the sender has one): the route table associated with `att` decides.
    fn tgw_route(
        &mut self,
        tgw: &'n TransitGateway,
        att: &'n TgwAttachment,
        az: Option<&'n str>,
        flow: Flow,
        trail: Trail,
    ) {
        let net = self.net;
        let Some(rt_id) = att.route_table() else {
            return self.unknown(
                flow,
                trail,
                &att.id,
                format!(
                    "the input says of no transit gateway route table associated with {}: what it routes is unknown",
                    att.id
                ),
            );
        };
        let Some(rt) = net.tgw_route_tables.get(rt_id) else {
            return self.unknown(
                flow,
                trail,
                rt_id,
                format!(
                    "the transit gateway route table {rt_id} (associated with {}) is not in the input",
                    att.id
                ),
            );
        };
        let Some(routes) = rt.routes.as_ref() else {
            return self.unknown(
                flow,
                trail,
                &rt.id,
                format!(
                    "the routes of {} are not in the input (search-transit-gateway-routes, in a TransitGatewayRouteTableContents document)",
                    rt.id
                ),
            );
        };
        if rt.routes_truncated {
            return self.unknown(
                flow,
                trail,
                &rt.id,
                format!(
                    "the routes of {} were listed in part (AdditionalRoutesAvailable): a route not in the input may capture these packets",
                    rt.id
                ),
            );
        }
        // Expanded and ordered: most specific, then static before
        // propagated, then input order.
        let live = routes
            .iter()
            .filter(|r| matches!(r.state, TgwRouteState::Active | TgwRouteState::Blackhole));
        let rest = self.split_routes(
            &rt.id,
            live,
            flow,
            &trail,
            |r| {
                format!(
                    "route {} in {}: the entries of {} are not in the input, so it may capture these packets",
                    r.label(),
                    rt.id,
                    r.dest.describe()
                )
            },
            |w, hit, cidr, r| {
                if let Some((target, hit, t)) = w.tgw_route_to(&rt.id, cidr, r, hit, &trail) {
                    w.tgw_out(tgw, target, az, hit, t);
                }
            },
        );
        self.drop(
            rest,
            trail,
            Cause::TgwNoRoute {
                rtb: rt.id.clone(),
                attachment: att.id.clone(),
            },
        );
    }

    /// The packets route `r` of table `rtb` takes (matched as `cidr`):
    /// dropped at a blackhole, else the one attachment they leave through,
    /// with the route's hop.
    fn tgw_route_to(
        &mut self,
        rtb: &str,
        cidr: IpNet,
        r: &'n TgwRoute,
        hit: Flow,
        trail: &Trail,
    ) -> Option<(&'n str, Flow, Trail)> {
        let kind = match r.kind {
            TgwRouteType::Static => "static",
            TgwRouteType::Propagated => "propagated",
        };
        if r.state == TgwRouteState::Blackhole {
            let route = format!("{} ({kind})", r.dest.describe());
            let t = trail.with(Hop::new(
                rtb,
                "transit-gateway-route-table",
                "route",
                format!("{route} (blackhole)"),
            ));
            self.drop(
                hit,
                t,
                Cause::TgwBlackhole {
                    rtb: rtb.to_string(),
                    route,
                },
            );
            return None;
        }
        let targets: Vec<&'n str> = r.targets.iter().map(|t| t.attachment.as_str()).collect();
        let hop = Hop::new(
            rtb,
            "transit-gateway-route-table",
            "route",
            format!("{} -> {} ({kind})", r.dest.describe(), targets.join(", ")),
        );
        let hop = match &r.dest {
            RouteDest::PrefixList(_) => hop.with_entry(cidr.to_string()),
            RouteDest::Cidr(_) => hop,
        };
        let t = trail.with(hop);
        let target = match targets.as_slice() {
            [one] => *one,
            [first, ..] if r.targets.iter().all(|t| t.resource_type.on_premises()) => {
                // Equal-cost VPN routes: all lead to the same outside.
                first
            }
            [] => {
                self.unknown(hit, t, rtb, "an active route without an attachment");
                return None;
            }
            _ => {
                self.unknown(
                    hit,
                    t,
                    rtb,
                    "equal-cost routes to several attachments: which one carries a flow is not modelled",
                );
                return None;
            }
        };
        Some((target, hit, t))
    }

    /// Out of the transit gateway through attachment `target`.
    fn tgw_out(
        &mut self,
        tgw: &'n TransitGateway,
        target: &str,
        az: Option<&'n str>,
        flow: Flow,
        mut trail: Trail,
    ) {
        let net = self.net;
        let Some(att) = net.tgw_attachments.get(target) else {
            return self.unknown(flow, trail, target, "the attachment is not in the input");
        };
        if !att.available() {
            return self.drop(
                flow,
                trail,
                Cause::TgwUnavailable {
                    component: att.id.clone(),
                    state: att.state.clone(),
                },
            );
        }
        match &att.resource_type {
            TgwResourceType::Vpc => {}
            t if t.on_premises() => return self.tgw_onprem(att, flow, trail),
            TgwResourceType::Peering => {
                let peer = att
                    .peering
                    .as_ref()
                    .and_then(|p| p.other_side(&tgw.id))
                    .map(|p| p.tgw.clone())
                    .or_else(|| att.resource_id.clone())
                    .unwrap_or_else(|| "the peer transit gateway".into());
                let why = if net.transit_gateways.contains_key(&peer) {
                    format!(
                        "{} peers with {peer}: following a peering between two transit gateways is not modelled yet",
                        att.id
                    )
                } else {
                    format!("{} leads to {peer}, which is not in the input", att.id)
                };
                return self.unknown(flow, trail, &att.id, why);
            }
            other => {
                return self.unknown(
                    flow,
                    trail,
                    &att.id,
                    format!("{} attachments are not modelled", other.name()),
                );
            }
        }
        let Some(v) = att.vpc.as_ref().filter(|v| !v.subnets.is_empty()) else {
            return self.unknown(
                flow,
                trail,
                &att.id,
                format!(
                    "the subnets of {} are not in the input (describe-transit-gateway-vpc-attachments)",
                    att.id
                ),
            );
        };
        let recorded = trail
            .ct
            .tgw_zones
            .iter()
            .find(|(a, _)| *a == att.id)
            .map(|(_, s)| s.clone());
        let same_zone = az.and_then(|z| net.tgw_subnet_in_az(att, z));
        let subnet: &'n str = match recorded.and_then(|s| v.subnets.iter().find(|x| **x == s)) {
            Some(s) if v.appliance_mode => s,
            _ => match same_zone {
                Some(s) => s,
                None => {
                    self.assume(match az {
                        Some(z) => format!(
                            "{} has no subnet in the sender's zone ({z}): the transit gateway is assumed to deliver through its first subnet, {}",
                            att.id, v.subnets[0]
                        ),
                        None => format!(
                            "packets from outside the VPCs (on-premises) have no zone: the transit gateway is assumed to deliver them through the first subnet of {}, {}",
                            att.id, v.subnets[0]
                        ),
                    });
                    &v.subnets[0]
                }
            },
        };
        if v.appliance_mode && self.dir == Direction::Forward {
            self.assume(format!(
                "{} is in appliance mode: the transit gateway picks one zone per flow (by a hash the input cannot tell); assumed the sender's zone when it has a subnet there, else the first, and kept for the reply",
                att.id
            ));
            if !trail.ct.tgw_zones.iter().any(|(a, _)| *a == att.id) {
                trail
                    .ct
                    .tgw_zones
                    .push((att.id.clone(), subnet.to_string()));
            }
        }
        let Some(sub) = net.subnets.get(subnet) else {
            return self.unknown(
                flow,
                trail,
                subnet,
                format!("the subnet of {} is not in the input", att.id),
            );
        };
        let Some(flow) = self.tgw_ipv6(att, flow, &trail) else {
            return;
        };
        self.no_sg_refs(tgw, att, &mut trail);
        let zone = sub
            .az
            .as_deref()
            .map(|z| format!(" ({z})"))
            .unwrap_or_default();
        let t = trail.with(Hop::new(
            &att.id,
            ATTACHMENT,
            "forward",
            format!("{} -> {} through {subnet}{zone}", tgw.id, v.vpc),
        ));
        self.route(Node::Tgw(att, subnet, &v.vpc), flow, t);
    }

    /// Out through a VPN or Direct Connect gateway attachment: on-premises,
    /// outside the input (as a `vgw-` route).
    fn tgw_onprem(&mut self, att: &'n TgwAttachment, flow: Flow, trail: Trail) {
        let t = trail.with(Hop::new(
            &att.id,
            ATTACHMENT,
            "forward",
            format!(
                "to the on-premises network ({} {})",
                att.resource_type.name(),
                att.resource_id.as_deref().unwrap_or("attachment")
            ),
        ));
        if self.dir == Direction::Return {
            return self.drop(
                flow,
                t,
                Cause::ReturnElsewhere {
                    reached: format!("the on-premises network through {}", att.id),
                },
            );
        }
        let Some(flow) = self.leaving_input(
            flow,
            &t,
            &att.id,
            &format!("the on-premises network through {}", att.id),
        ) else {
            return;
        };
        let mut t = t;
        t.ct.tgw_onprem = Some(att.id.clone());
        self.assume(format!(
            "{} is on-premises behind {}, outside the input: assumed to accept the connection and to send the reply back through {}",
            flow.current(Field::Dst).summary(Field::Dst),
            att.id,
            att.id
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

    /// A reply from on-premises, into the transit gateway through the
    /// attachment the request left by: its associated table routes it.
    pub(super) fn reply_from_tgw_attachment(&mut self, att_id: &str, flow: Flow, trail: Trail) {
        let net = self.net;
        let Some(att) = net.tgw_attachments.get(att_id) else {
            return self.unknown(flow, trail, att_id, "the attachment is not in the input");
        };
        let Some(tgw) = net.transit_gateways.get(&att.tgw) else {
            return self.unknown(
                flow,
                trail,
                &att.tgw,
                "the transit gateway is not in the input",
            );
        };
        let t = trail.with(Hop::new(
            &att.id,
            ATTACHMENT,
            "forward",
            format!("reply from the on-premises network into {}", tgw.id),
        ));
        self.tgw_route(tgw, att, None, flow, t);
    }
}
