//! Encoding transit gateways (issue 14), from the model and the AWS Transit
//! Gateway guide, as ARCHITECTURE.md states them: in through the VPC's
//! attachment subnet in the sender's zone (sender's ACL outbound, the
//! attachment subnet's inbound); the associated table decides (longest
//! prefix, static before propagated, blackholes drop); out through a VPC
//! attachment's subnet in the sender's zone (else its first; appliance mode
//! keeps the zone for the reply), whose route table routes on; VPN and
//! Direct Connect gateway attachments lead on-premises, which answers back
//! through the same attachment.

use ::z3::ast::Bool;
use ipnet::IpNet;

use super::facts::ordered_routes;
use super::filters::Side;
use super::places::{Dir, Enc, R, St};
use super::terms::{Filter, Hdr, Out, chain, ff, is_v4};
use crate::hs;
use crate::model::node::{Cross, Node};
use crate::model::{TgwAttachment, TgwResourceType, TgwRouteState, TransitGateway};

/// Transit gateway entries one direction of a branch may make before the
/// encoding calls it a loop (`unsupported` when a packet gets there).
const MAX_TGW_HOPS: usize = 6;

impl<'n> Enc<'n> {
    /// A subnet route to transit gateway `id`.
    /// `cidr`: the destination of the subnet route taken.
    pub(super) fn via_tgw(&mut self, node: Node<'n>, id: &str, cidr: IpNet, mut st: St) -> R {
        let net = self.net;
        if !self.tgw_may(&st, &cidr) {
            // No packet of this branch takes the route.
            return Ok(Out::fail());
        }
        st.ct.tgw_dst.push((st.h.dst.clone(), cidr));
        let k = usize::from(st.dir == Dir::Return);
        st.ct.tgw_hops[k] += 1;
        if st.ct.tgw_hops[k] > MAX_TGW_HOPS {
            return Ok(self.unsupported(format!(
                "more than {MAX_TGW_HOPS} transit gateway crossings one way through `{id}` (a routing loop; the engine calls it unknown after 64 hops)"
            )));
        }
        let Some(tgw) = net.transit_gateways.get(id) else {
            return Ok(Out::unknown());
        };
        if !tgw.available() {
            return Ok(Out::fail());
        }
        let az = net.subnets.get(node.subnet()).and_then(|s| s.az.as_deref());
        if let Node::Tgw(a, _, _) = node
            && a.tgw == tgw.id
        {
            // Back into the transit gateway from its own interface.
            self.tgw_refs(tgw, a, &mut st);
            return self.tgw_table(tgw, a, az, st);
        }
        let Some(att) = net.tgw_vpc_attachments(&tgw.id, node.vpc()).next() else {
            return Ok(Out::fail());
        };
        if !att.available() {
            return Ok(Out::fail());
        }
        if att.vpc.is_none() {
            return Ok(Out::unknown());
        }
        let Some(az) = az else {
            return Ok(Out::unknown());
        };
        let Some(subnet) = net.tgw_subnet_in_az(att, az) else {
            return Ok(Out::fail());
        };
        let v6 = self.tgw_v6(att, &st.h);
        let acl = if subnet == node.subnet() {
            self.nacl(subnet, Side::Egress, &st.h)
                .then(self.nacl(subnet, Side::Ingress, &st.h))
        } else {
            self.cross(Cross::Subnet(node.subnet()), subnet, &st.h)
        };
        self.tgw_refs(tgw, att, &mut st);
        self.guard(v6.then(acl), |me| me.tgw_table(tgw, att, Some(az), st))
    }

    /// Whether a destination in `cidr` is possible on this branch, as far as
    /// the routes taken into and through transit gateways say.
    fn tgw_may(&self, st: &St, cidr: &IpNet) -> bool {
        let (lo, hi) = range(cidr);
        st.ct.tgw_dst.iter().all(|(t, c)| {
            let (l, h) = range(c);
            *t != st.h.dst || (lo <= h && l <= hi)
        })
    }

    /// IPv6 passes a VPC attachment only with its IPv6 support on.
    fn tgw_v6(&self, att: &TgwAttachment, h: &Hdr) -> Filter {
        if att.vpc.as_ref().is_some_and(|v| v.ipv6) {
            Filter::all()
        } else {
            Filter {
                pass: is_v4(&h.dst),
                unk: ff(),
            }
        }
    }

    fn tgw_refs(&self, tgw: &TransitGateway, att: &TgwAttachment, st: &mut St) {
        let on = tgw.sg_referencing && att.vpc.as_ref().is_some_and(|v| v.sg_referencing);
        if !on && st.dir == Dir::Forward {
            st.ct.no_sg_refs = true;
        }
    }

    /// Inside the transit gateway, entered through `att`.
    fn tgw_table(
        &mut self,
        tgw: &'n TransitGateway,
        att: &'n TgwAttachment,
        az: Option<&'n str>,
        st: St,
    ) -> R {
        let net = self.net;
        let Some(rt) = att.route_table().and_then(|t| net.tgw_route_tables.get(t)) else {
            return Ok(Out::unknown());
        };
        let Some(routes) = rt.routes.as_ref().filter(|_| !rt.routes_truncated) else {
            return Ok(Out::unknown());
        };
        let live = routes
            .iter()
            .filter(|r| matches!(r.state, TgwRouteState::Active | TgwRouteState::Blackhole));
        let (capture, known) = ordered_routes(net, live, &st.h.dst);
        let mut cases: Vec<(Bool, Out)> = capture
            .into_iter()
            .map(|region| (region, Out::unknown()))
            .collect();
        self.route_cases(known, &st.h.dst, &mut cases, |enc, cidr, r| {
            if !enc.tgw_may(&st, &cidr) {
                return Ok(None);
            }
            let mut st = st.clone();
            st.ct.tgw_dst.push((st.h.dst.clone(), cidr));
            Ok(Some(if r.state == TgwRouteState::Blackhole {
                Out::fail()
            } else {
                let onprem = r.targets.iter().all(|t| t.resource_type.on_premises());
                match r.targets.as_slice() {
                    [] => Out::unknown(),
                    [t] => enc.tgw_out(tgw, &t.attachment, az, st.clone())?,
                    [t, ..] if onprem => enc.tgw_out(tgw, &t.attachment, az, st.clone())?,
                    _ => Out::unknown(),
                }
            }))
        })?;
        Ok(chain(cases, Out::fail()))
    }

    /// Out of the transit gateway through attachment `target`.
    fn tgw_out(
        &mut self,
        tgw: &'n TransitGateway,
        target: &str,
        az: Option<&'n str>,
        mut st: St,
    ) -> R {
        let net = self.net;
        let Some(att) = net.tgw_attachments.get(target) else {
            return Ok(Out::unknown());
        };
        if !att.available() {
            return Ok(Out::fail());
        }
        match &att.resource_type {
            TgwResourceType::Vpc => {}
            t if t.on_premises() => {
                if st.dir == Dir::Return {
                    return Ok(Out::fail());
                }
                // Toward a named interface: whether on-premises delivers
                // it there is not in the input.
                if self.q.dst_eni.is_some() {
                    return Ok(Out::unknown());
                }
                // On-premises answers; the reply enters through `att`.
                let back = self.reply(st);
                return self.tgw_table(tgw, att, None, back);
            }
            _ => return Ok(Out::unknown()),
        }
        let Some(v) = att.vpc.as_ref().filter(|v| !v.subnets.is_empty()) else {
            return Ok(Out::unknown());
        };
        let kept = st
            .ct
            .tgw_zones
            .iter()
            .find(|(a, _)| *a == att.id)
            .and_then(|(_, s)| v.subnets.iter().find(|x| *x == s));
        let subnet: &'n str = match kept {
            Some(s) if v.appliance_mode => s,
            _ => az
                .and_then(|z| net.tgw_subnet_in_az(att, z))
                .unwrap_or(&v.subnets[0]),
        };
        if v.appliance_mode
            && st.dir == Dir::Forward
            && !st.ct.tgw_zones.iter().any(|(a, _)| *a == att.id)
        {
            st.ct.tgw_zones.push((att.id.clone(), subnet.to_string()));
        }
        if !net.subnets.contains_key(subnet) {
            return Ok(Out::unknown());
        }
        let f = self.tgw_v6(att, &st.h);
        self.tgw_refs(tgw, att, &mut st);
        self.guard(f, |me| me.route(Node::Tgw(att, subnet, &v.vpc), st))
    }
}

/// A CIDR as an interval of the encoding's 128-bit address space.
fn range(c: &IpNet) -> (u128, u128) {
    let lo = hs::addr(c.network());
    let hi = hs::addr(c.broadcast());
    (lo, hi)
}
