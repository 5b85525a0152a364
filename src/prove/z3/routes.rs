//! Encoding routing: route tables, delivery, arrival and the reply.

use ::z3::ast::{BV, Bool};
use ipnet::IpNet;

use super::facts::{
    answering, association_addresses, eni_nets, forwards_elsewhere, subnet_v4, table_routes,
};
use super::filters::Side;
use super::places::{BackTo, Dir, Enc, R, St};
use super::terms::{Hdr, Out, addr, always, chain, ff, in_any, in_cidr, never, num};
use crate::model::node::{Cross, Node};
use crate::model::{Interface, RouteState, Target};
use crate::prove::solver::ProveError;

impl<'n> Enc<'n> {
    // ---------- routing ----------

    /// Same subnet: delivered directly. Else the node's subnet route table
    /// ([`table_routes`] order).
    pub(super) fn route(&mut self, node: Node<'n>, st: St) -> R {
        let net = self.net;
        let own = net
            .subnets
            .get(node.subnet())
            .map(|s| in_any(&st.h.dst, &s.cidrs))
            .unwrap_or_else(ff);
        let mut cases = Vec::new();
        if !never(&own) {
            let sure = always(&own);
            let out = self.deliver(node.vpc(), Cross::Subnet(node.subnet()), st.clone())?;
            cases.push((own, out));
            if sure {
                return Ok(chain(cases, Out::fail()));
            }
        }
        let Some(rtb) = net.route_table_of(node.subnet()) else {
            return Ok(chain(cases, Out::unknown()));
        };
        let (capture, routes) = table_routes(net, rtb, &st.h.dst);
        if !never(&capture) {
            cases.push((capture, Out::unknown()));
        }
        self.route_cases(routes, &st.h.dst, &mut cases, |enc, cidr, r| {
            if r.state == RouteState::Blackhole {
                return Ok(Some(Out::fail()));
            }
            Ok(Some(match &r.target {
                Target::Local => {
                    enc.deliver(node.vpc(), Cross::Subnet(node.subnet()), st.clone())?
                }
                Target::InternetGateway(id) => enc.via_igw(node, id, st.clone())?,
                Target::EgressOnlyInternetGateway(id) => enc.via_eigw(node, id, st.clone())?,
                Target::NatGateway(id) => enc.via_nat(node, id, st.clone())?,
                Target::VpcPeering(id) => enc.via_peering(node, id, st.clone())?,
                Target::VirtualPrivateGateway(id) => enc.via_vgw(node, id, st.clone())?,
                // The engine follows transit gateways (issue 14); this
                // encoding does not yet: never a silent disagreement.
                Target::TransitGateway(id) => enc.via_tgw(node, id, cidr, st.clone())?,
                // Appliance routes, appliance routes, gateway endpoints: not walked.
                _ => Out::unknown(),
            }))
        })?;
        Ok(chain(cases, Out::fail()))
    }

    /// A table's known routes, in deciding order, as cases: where the
    /// destination `dst` matches a route, what `out` gives for it (`None`:
    /// the route is passed over), until one surely matches. The one route
    /// lookup of subnet, gateway and transit gateway tables.
    pub(super) fn route_cases<T>(
        &mut self,
        routes: Vec<(IpNet, &'n T)>,
        dst: &BV,
        cases: &mut Vec<(Bool, Out)>,
        mut out: impl FnMut(&mut Self, IpNet, &'n T) -> Result<Option<Out>, ProveError>,
    ) -> Result<(), ProveError> {
        for (cidr, r) in routes {
            let hit = in_cidr(dst, &cidr);
            if never(&hit) {
                continue;
            }
            let sure = always(&hit);
            let Some(out) = out(self, cidr, r)? else {
                continue;
            };
            cases.push((hit, out));
            if sure {
                break;
            }
        }
        Ok(())
    }

    /// Inside a VPC, to whichever node holds the destination address.
    pub(super) fn deliver(&mut self, vpc: &str, from: Cross<'_>, st: St) -> R {
        let net = self.net;
        let mut cases = Vec::new();
        if st.dir == Dir::Return {
            for e in net.client_vpn_endpoints.values().filter(|e| e.vpc == vpc) {
                for a in &e.associations {
                    if !st.ct.enis.contains(&a.id) {
                        continue;
                    }
                    let Some(addrs) = association_addresses(net, a) else {
                        continue;
                    };
                    let hit = in_any(&st.h.dst, &addrs);
                    if never(&hit) {
                        continue;
                    }
                    let out = self.deliver_to(Node::Cvpn(e, a), from, st.clone())?;
                    cases.push((hit, out));
                }
            }
            // Replies to a Verified Access endpoint's interfaces (any address of its subnets).
            for e in net.va_endpoints.values().filter(|e| e.vpc == vpc) {
                if !st.ct.enis.contains(&e.id) {
                    continue;
                }
                for s in &e.subnets {
                    let Some(addrs) = subnet_v4(net, s) else {
                        continue;
                    };
                    let hit = in_any(&st.h.dst, &addrs);
                    if never(&hit) {
                        continue;
                    }
                    let out = self.deliver_to(Node::Va(e, s), from, st.clone())?;
                    cases.push((hit, out));
                }
            }
        }
        // NAT gateways' private IPs first, then the first interface (in ID
        // order) holding the address: a private IP, an IPv6 address or an
        // address of a delegated prefix.
        for n in net.nat_gateways.values().filter(|n| n.vpc == vpc) {
            let Some(ip) = n.private_ip else { continue };
            let hit = st.h.dst.eq(addr(ip));
            if never(&hit) {
                continue;
            }
            let out = self.deliver_to(Node::Nat(n), from, st.clone())?;
            cases.push((hit, out));
        }
        for i in net.interfaces.values().filter(|i| i.vpc == vpc) {
            let hit = in_any(&st.h.dst, &eni_nets(i));
            if never(&hit) {
                continue;
            }
            let out = match self.node_of_eni(&i.id) {
                Some(node) => self.deliver_to(node, from, st.clone())?,
                None => Out::fail(),
            };
            cases.push((hit, out));
        }
        Ok(chain(cases, Out::fail()))
    }

    pub(super) fn deliver_to(&mut self, node: Node<'n>, from: Cross<'_>, st: St) -> R {
        let f = self.cross(from, node.subnet(), &st.h);
        self.guard(f, |me| match node {
            // A reply to a connection the NAT gateway translated, reaching its
            // private IP: translated back to the original source, onward.
            Node::Nat(n) if st.dir == Dir::Return => {
                let Some((_, src, sport)) = st.ct.nat(&n.id) else {
                    return Ok(Out::fail());
                };
                // Encoding the walk on from the NAT gateway would recurse
                // through every holder again; reported as unsupported when a
                // packet gets here (the engine and the simulator translate
                // it back and walk on).
                let _ = (src, sport);
                Ok(me.unsupported(format!(
                    "a reply translated back by NAT gateway `{}` at its private IP",
                    n.id
                )))
            }
            Node::Nat(_) | Node::Tgw(..) => Ok(Out::fail()),
            Node::Cvpn(_, _) | Node::Va(..) if st.dir == Dir::Forward => Ok(Out::fail()),
            Node::Cvpn(e, a) => {
                let (f, st) = me.security_groups(&a.id, &e.security_groups, Side::Ingress, st);
                me.guard(f, |me| me.arrived(&a.id, st))
            }
            Node::Va(e, _) => {
                let (f, st) = me.security_groups(&e.id, &e.security_groups, Side::Ingress, st);
                me.guard(f, |me| me.arrived(&e.id, st))
            }
            Node::Eni(i) => {
                // Stopped instances and detached interfaces answer nothing.
                if !answering(me.net, i) {
                    return Ok(Out::fail());
                }
                let (f, st) = me.eni_groups(i, Side::Ingress, st);
                me.guard(f, |me| {
                    if st.dir == Dir::Forward && forwards_elsewhere(i) {
                        // A load balancer or gateway: its targets are not in the input.
                        return Ok(Out::unknown());
                    }
                    me.arrived(&i.id, st)
                })
            }
        })
    }

    /// Ingress routing to an appliance: its subnet's inbound ACL, its groups,
    /// then it decides what it forwards (undecidable).
    pub(super) fn deliver_appliance(&mut self, i: &'n Interface, st: St) -> R {
        let f = self.cross(Cross::Outside, &i.subnet, &st.h);
        // spec9 F lists the appliance's ACL and groups only: its state (H)
        // is not checked, its fate is unknown either way.
        self.guard(f, |me| {
            let (f, _) = me.eni_groups(i, Side::Ingress, st);
            me.guard(f, |_| Ok(Out::unknown()))
        })
    }

    /// Delivered to an interface: the forward walk turns into the reply.
    pub(super) fn arrived(&mut self, eni: &str, st: St) -> R {
        match st.dir {
            Dir::Forward => {
                if self.q.dst_eni.as_deref().is_some_and(|want| want != eni) {
                    return Ok(Out::fail());
                }
                let back = self.reply(st);
                match self.node_of_eni(eni) {
                    Some(node) => self.at_node(node, back),
                    None => Ok(Out::unknown()),
                }
            }
            Dir::Return => Ok(Out::when(Bool::from_bool(
                self.back_to == BackTo::Eni(eni.to_string()),
            ))),
        }
    }

    /// Left the input onto the internet.
    pub(super) fn internet_end(&mut self, st: St) -> R {
        match st.dir {
            // Toward a named interface: whether the network outside
            // delivers it there is not in the input.
            Dir::Forward if self.q.dst_eni.is_some() => Ok(Out::unknown()),
            Dir::Forward => {
                let back = self.reply(st);
                self.on_internet(back)
            }
            Dir::Return => Ok(Out::when(Bool::from_bool(self.back_to == BackTo::Internet))),
        }
    }

    /// The reply to a packet that arrived: addresses and ports swapped; an
    /// ICMP echo request is answered by an echo reply.
    pub(super) fn reply(&self, st: St) -> St {
        let h = st.h;
        let mut itype = h.itype.clone();
        if self.q.spec.protocol.is_icmp() {
            let (req, rep) = if self.q.dst_ip.is_ipv6() {
                (128, 129)
            } else {
                (8, 0)
            };
            itype = h.itype.eq(num(req, 8)).ite(&num(rep, 8), &h.itype);
        }
        St {
            dir: Dir::Return,
            h: Hdr {
                proto: h.proto,
                src: h.dst,
                dst: h.src,
                sport: h.dport,
                dport: h.sport,
                itype,
                icode: h.icode,
            },
            ct: st.ct,
            nodes: 0,
        }
    }
}
