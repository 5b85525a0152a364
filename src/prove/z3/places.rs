//! Encoding the places a packet can be: the walk state (`St`, `Conntrack`; the
//! nodes are `model::Node`), the encoder (`Enc`), access entries (Client VPN, Verified Access) and nodes.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ::z3::ast::{BV, Bool};
use ipnet::IpNet;

use super::facts::{association_addresses, subnet_v4, va_targets};
use super::filters::{Side, authorized, nacl_filter, sg_filter};
use super::terms::{Filter, Hdr, Out, between, chain, ff, in_any, in_cidr, never, num, or, tt};
use crate::engine::Query;
use crate::model::aws::NAT_PORTS;
use crate::model::node::{Cross, Node};
use crate::model::{
    ClientVpnAssociation, ClientVpnEndpoint, Interface, Network, VaEndpoint, VaTarget,
};
use crate::prove::solver::ProveError;

/// Nodes one direction of a walk may pass before it is called a routing loop.
const MAX_NODES: usize = 12;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Dir {
    Forward,
    Return,
}

#[derive(Clone, Default)]
pub(super) struct Conntrack {
    /// Owners (interface, association) whose security groups saw the request.
    pub(super) enis: BTreeSet<String>,
    /// NAT gateway, and the source and source port it replaced.
    pub(super) nats: Vec<(String, BV, BV)>,
    /// VPCs whose egress-only internet gateway the request left through (its
    /// replies may come back in).
    pub(super) eigw_vpcs: BTreeSet<String>,
    /// A Client VPN association whose ENI the input lacks left for the
    /// internet from the public IP AWS assigned it: the association and the
    /// private address it translated the client to.
    pub(super) assigned: Option<(String, BV)>,
    /// Appliance-mode attachments the request entered a VPC through, with
    /// the subnet (zone) used: the reply uses the same.
    pub(super) tgw_zones: Vec<(String, String)>,
    /// The request crossed a transit gateway without security-group
    /// referencing: inbound rules naming a group match nothing.
    pub(super) no_sg_refs: bool,
    /// What routes into and through transit gateways already said of the
    /// destination on this branch: (the destination term, a CIDR it is
    /// in). Only for pruning branches that cannot be taken (the encoding
    /// would otherwise unroll a route back into the transit gateway that
    /// no packet of the branch matches); used while the term is unchanged.
    pub(super) tgw_dst: Vec<(BV, IpNet)>,
    /// Transit gateway entries per direction (forward, return) on this branch.
    pub(super) tgw_hops: [usize; 2],
}

impl Conntrack {
    /// The source and source port NAT gateway `nat` replaced, when the
    /// request went through it (the last time).
    pub(super) fn nat(&self, nat: &str) -> Option<(String, BV, BV)> {
        self.nats.iter().rev().find(|(id, _, _)| id == nat).cloned()
    }
}

#[derive(Clone)]
pub(super) struct St {
    pub(super) dir: Dir,
    pub(super) h: Hdr,
    pub(super) ct: Conntrack,
    pub(super) nodes: usize,
}

/// Where a packet entering a VPC through a gateway goes once the gateway's
/// route table lets it in.
#[derive(Clone, Copy)]
pub(super) enum Entry<'n> {
    /// To the node a public IPv4 address maps to (already translated).
    Public(Node<'n>),
    /// To whichever node of the VPC holds the destination.
    Vpc(&'n str),
}

impl<'n> Entry<'n> {
    pub(super) fn vpc(&self) -> &'n str {
        match self {
            Entry::Public(n) => n.vpc(),
            Entry::Vpc(v) => v,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub(super) enum BackTo {
    Eni(String),
    Internet,
}

/// A choice of the network, for reporting a witness.
pub(super) enum Choice {
    /// (what, variable, the association or subnet whose path it is on).
    Address(String, BV, Option<String>),
    Port(String, BV, Option<String>),
    /// Which association (Client VPN) or subnet (Verified Access) carries the packet.
    Association(BV, Vec<String>),
}

/// The access endpoint of a `client` scope.
#[derive(Clone, Copy)]
pub(super) enum Access<'n> {
    ClientVpn(&'n ClientVpnEndpoint),
    Va(&'n VaEndpoint),
}

pub(super) struct Enc<'n> {
    pub(super) net: &'n Network,
    pub(super) q: &'n Query,
    pub(super) back_to: BackTo,
    /// The query's packets and each choice's range.
    pub(super) domain: Vec<Bool>,
    pub(super) choices: Vec<Choice>,
    pub(super) fresh: usize,
    /// The Client VPN association (or Verified Access subnet) whose path is being encoded.
    pub(super) association: Option<String>,
    /// What the branches marked `unsup` are.
    pub(super) unsupported: Vec<String>,
}

pub(super) type R = Result<Out, ProveError>;

impl<'n> Enc<'n> {
    /// A branch the encoding does not decide: reported (never passed) if a
    /// packet of the query can take it.
    pub(super) fn unsupported(&mut self, what: String) -> Out {
        if !self.unsupported.contains(&what) {
            self.unsupported.push(what);
        }
        Out {
            ok: ff(),
            unk: ff(),
            unsup: tt(),
        }
    }

    pub(super) fn fresh(&mut self, what: &str, w: u32) -> BV {
        self.fresh += 1;
        BV::new_const(format!("c{}.{what}", self.fresh), w)
    }

    /// A source port the network picks (NAT gateway, Client VPN association,
    /// Verified Access endpoint).
    pub(super) fn nat_port(&mut self, who: &str) -> BV {
        let x = self.fresh("port", 16);
        self.domain.push(between(
            &x,
            u128::from(NAT_PORTS.0),
            u128::from(NAT_PORTS.1),
        ));
        self.choices.push(Choice::Port(
            format!("source port chosen by {who}"),
            x.clone(),
            self.association.clone(),
        ));
        x
    }

    // ---------- Client VPN access path ----------

    /// A Client VPN user (`groups`) through `ep`: endpoint status, split tunnel
    /// and Client VPN routes, authorization (longest prefix decides; AccessAll
    /// or a group of the user), then one association — the network's choice.
    pub(super) fn client_vpn(&mut self, ep: &'n ClientVpnEndpoint, groups: &[String], st: St) -> R {
        let active: Vec<&ClientVpnAssociation> = ep
            .associations
            .iter()
            .filter(|a| a.is_associated())
            .collect();
        if !ep.is_available() || active.is_empty() {
            return Ok(Out::fail());
        }
        let dst = st.h.dst.clone();
        let routes: Vec<_> = ep.routes.iter().filter(|r| r.is_active()).collect();
        let tunnel = or(&routes
            .iter()
            .map(|r| in_cidr(&dst, &r.dest))
            .collect::<Vec<_>>());
        let allowed = authorized(ep, &dst, groups);
        // Client-to-client: the most specific route covering the query's
        // destination is `local`; without one, another client's address is
        // not reached. No VPC filter applies between clients.
        let dst_ip = self.q.dst_ip;
        let best = routes
            .iter()
            .filter(|r| r.dest.contains(&dst_ip))
            .max_by_key(|r| r.dest.prefix_len());
        if best.is_some_and(|r| r.is_local()) {
            return Ok(Out::when(allowed));
        }
        if ep.client_cidr.contains(&dst_ip) {
            return Ok(Out::fail());
        }
        let gate = Bool::and(&[tunnel, allowed]);
        if never(&gate) {
            return Ok(Out::fail());
        }
        let k = self.fresh("association", 16);
        self.domain.push(k.bvult(num(active.len() as u128, 16)));
        self.choices.push(Choice::Association(
            k.clone(),
            active.iter().map(|a| a.id.clone()).collect(),
        ));
        let mut cases = Vec::new();
        for (i, a) in active.iter().enumerate() {
            let route = or(&routes
                .iter()
                .filter(|r| r.target_subnet == a.subnet)
                .map(|r| in_cidr(&dst, &r.dest))
                .collect::<Vec<_>>());
            let here = k.eq(num(i as u128, 16));
            let out = if never(&route) {
                Out::fail()
            } else {
                let through = self.through_association(ep, a, st.clone())?;
                chain(vec![(route, through)], Out::fail())
            };
            cases.push((here, out));
        }
        let picked = chain(cases, Out::fail());
        Ok(chain(vec![(gate, picked)], Out::fail()))
    }

    /// From an association's ENI: source NAT to its address, a port of 1024-65535.
    pub(super) fn through_association(
        &mut self,
        ep: &'n ClientVpnEndpoint,
        a: &'n ClientVpnAssociation,
        mut st: St,
    ) -> R {
        let Some(addrs) = association_addresses(self.net, a) else {
            return Ok(Out::unknown());
        };
        let src = self.fresh("address", 128);
        let inside = in_any(&src, &addrs);
        self.domain.push(inside);
        self.association = Some(a.id.clone());
        self.choices.push(Choice::Address(
            format!("source address chosen by {}", a.id),
            src.clone(),
            self.association.clone(),
        ));
        st.h.src = src;
        st.h.sport = self.nat_port(&a.id);
        let saved = std::mem::replace(&mut self.back_to, BackTo::Eni(a.id.clone()));
        let out = self.at_node(Node::Cvpn(ep, a), st);
        self.back_to = saved;
        self.association = None;
        out
    }

    // ---------- Verified Access path ----------

    /// A user (`user`: index in the query's users) through a Verified Access
    /// endpoint: status `active`; the Cedar decision, a concrete input
    /// (`Query::va_decisions`, made by the Cedar engine, not encoded here);
    /// the endpoint's target must hold the destination; only TCP to the
    /// endpoint's ports is carried; then from one of its subnets — the
    /// network's choice, so all must work — the VPC path, both ways.
    pub(super) fn verified_access(&mut self, ep: &'n VaEndpoint, user: usize, st: St) -> R {
        if !ep.is_active() {
            return Ok(Out::fail());
        }
        let decision = self
            .q
            .va_decisions
            .iter()
            .find(|d| d.endpoint == ep.id && d.user == user)
            .ok_or_else(|| {
                ProveError::Unsupported(format!(
                    "the query carries no policy decision for user {user} on `{}`",
                    ep.id
                ))
            })?;
        // Policies that cannot be evaluated for this user: unknown, as the engine says.
        if decision.undecided.is_some() {
            return Ok(Out::unknown());
        }
        if !decision.allowed {
            return Ok(Out::fail());
        }
        let Some(targets) = va_targets(self.net, ep) else {
            return Ok(Out::unknown());
        };
        let dst = st.h.dst.clone();
        let there = in_any(&dst, &targets);
        let ports = or(&ep
            .ports
            .iter()
            .map(|(a, b)| between(&st.h.dport, u128::from(*a.min(b)), u128::from(*a.max(b))))
            .collect::<Vec<_>>());
        // Past a load balancer's own addresses its target groups decide,
        // which the input does not model: unknown, as the engine says.
        let beyond_lb = if matches!(ep.target, VaTarget::LoadBalancer(_)) {
            there.not()
        } else {
            Bool::from_bool(false)
        };
        let carried = Bool::and(&[there, st.h.proto.eq(num(6, 8)), ports]);
        if never(&carried) {
            return Ok(chain(vec![(beyond_lb, Out::unknown())], Out::fail()));
        }
        if ep.subnets.is_empty() {
            // Where its traffic enters the VPC is not in the input.
            return Ok(chain(
                vec![(beyond_lb, Out::unknown()), (carried, Out::unknown())],
                Out::fail(),
            ));
        }
        let k = self.fresh("subnet", 16);
        self.domain.push(k.bvult(num(ep.subnets.len() as u128, 16)));
        self.choices
            .push(Choice::Association(k.clone(), ep.subnets.clone()));
        let mut cases = Vec::new();
        for (i, subnet) in ep.subnets.iter().enumerate() {
            let out = self.through_va(ep, subnet, st.clone())?;
            cases.push((k.eq(num(i as u128, 16)), out));
        }
        let picked = chain(cases, Out::fail());
        Ok(chain(
            vec![(beyond_lb, Out::unknown()), (carried, picked)],
            Out::fail(),
        ))
    }

    /// From the endpoint's interfaces in `subnet`: some IPv4 address of the
    /// subnet (AWS does not list them) and a port of 1024-65535.
    pub(super) fn through_va(&mut self, ep: &'n VaEndpoint, subnet: &'n str, mut st: St) -> R {
        let Some(addrs) = subnet_v4(self.net, subnet) else {
            return Ok(Out::unknown());
        };
        if addrs.is_empty() {
            return Ok(Out::fail());
        }
        let src = self.fresh("address", 128);
        let inside = in_any(&src, &addrs);
        self.domain.push(inside);
        self.association = Some(subnet.to_string());
        self.choices.push(Choice::Address(
            format!("source address chosen by {} in {subnet}", ep.id),
            src.clone(),
            self.association.clone(),
        ));
        st.h.src = src;
        st.h.sport = self.nat_port(&ep.id);
        let saved = std::mem::replace(&mut self.back_to, BackTo::Eni(ep.id.clone()));
        let out = self.at_node(Node::Va(ep, subnet), st);
        self.back_to = saved;
        self.association = None;
        out
    }

    // ---------- nodes ----------

    pub(super) fn node_of_eni(&self, eni: &str) -> Option<Node<'n>> {
        let net = self.net;
        for e in net.client_vpn_endpoints.values() {
            if let Some(a) = e
                .associations
                .iter()
                .find(|a| a.interface.as_deref() == Some(eni))
            {
                return Some(Node::Cvpn(e, a));
            }
        }
        for e in net.client_vpn_endpoints.values() {
            if let Some(a) = e.associations.iter().find(|a| a.id == eni) {
                return Some(Node::Cvpn(e, a));
            }
        }
        let i = net.interfaces.get(eni)?;
        Some(
            match net
                .nat_gateways
                .values()
                .find(|n| n.interface.as_deref() == Some(eni))
            {
                Some(n) => Node::Nat(n),
                None => Node::Eni(i),
            },
        )
    }

    pub(super) fn node_by_public_ip(&self, ip: IpAddr) -> Option<(Node<'n>, IpAddr)> {
        if let Some(n) = self.net.nat_by_public_ip(ip) {
            return n.private_ip.map(|p| (Node::Nat(n), p));
        }
        let (i, private) = self.net.interfaces.values().find_map(|i| {
            i.private_ips
                .iter()
                .find(|p| p.public == Some(ip))
                .map(|p| (i, p.address))
        })?;
        Some((self.node_of_eni(&i.id)?, private))
    }

    /// Leaves a node toward the packet's destination.
    pub(super) fn at_node(&mut self, node: Node<'n>, mut st: St) -> R {
        st.nodes += 1;
        if st.nodes > MAX_NODES {
            return Err(ProveError::Unsupported(format!(
                "a routing loop through `{}` (the engine calls it unknown after 64 hops)",
                node.id()
            )));
        }
        let (f, st) = match node {
            Node::Eni(i) => self.eni_groups(i, Side::Egress, st),
            Node::Cvpn(e, a) => self.security_groups(&a.id, &e.security_groups, Side::Egress, st),
            Node::Va(e, _) => self.security_groups(&e.id, &e.security_groups, Side::Egress, st),
            Node::Nat(_) | Node::Tgw(..) => (Filter::all(), st),
        };
        self.guard(f, |me| me.route(node, st))
    }

    /// `f`, then the rest of the walk (not built when `f` passes nothing).
    pub(super) fn guard(&mut self, f: Filter, next: impl FnOnce(&mut Self) -> R) -> R {
        if never(&f.pass) {
            return Ok(Out {
                ok: ff(),
                unk: f.unk,
                unsup: ff(),
            });
        }
        let n = next(self)?;
        Ok(Out {
            ok: Bool::and(&[f.pass.clone(), n.ok]),
            unk: f.pass.ite(&n.unk, &f.unk),
            unsup: Bool::and(&[f.pass, n.unsup]),
        })
    }

    // ---------- filters ----------

    /// The security groups of `owner` (stateful: replies of a connection they
    /// saw pass); none listed: undecided (the input is incomplete).
    pub(super) fn security_groups(
        &self,
        owner: &str,
        groups: &[String],
        side: Side,
        st: St,
    ) -> (Filter, St) {
        if st.dir == Dir::Return && st.ct.enis.contains(owner) {
            return (Filter::all(), st);
        }
        let f = if groups.is_empty() {
            // No group listed: the input is incomplete.
            Filter {
                pass: ff(),
                unk: tt(),
            }
        } else {
            sg_filter(
                self.net,
                groups,
                side,
                &st.h,
                st.ct.no_sg_refs && side == Side::Ingress,
            )
        };
        let mut st = st;
        if st.dir == Dir::Forward {
            st.ct.enis.insert(owner.to_string());
        }
        (f, st)
    }

    /// An interface's groups. A group-less interface of a kind AWS documents
    /// as group-less is not filtered; any other without groups: undecided
    /// ([`Enc::security_groups`]).
    pub(super) fn eni_groups(&self, i: &Interface, side: Side, st: St) -> (Filter, St) {
        if i.groupless() {
            return (Filter::all(), st);
        }
        self.security_groups(&i.id, &i.groups, side, st)
    }

    pub(super) fn nacl(&self, subnet: &str, side: Side, h: &Hdr) -> Filter {
        nacl_filter(self.net, subnet, side, h)
    }

    /// ACLs of the subnet boundary crossed.
    pub(super) fn cross(&self, from: Cross<'_>, to: &str, h: &Hdr) -> Filter {
        match from {
            Cross::Subnet(s) if s == to => Filter::all(),
            Cross::Subnet(s) => self
                .nacl(s, Side::Egress, h)
                .then(self.nacl(to, Side::Ingress, h)),
            Cross::Outside => self.nacl(to, Side::Ingress, h),
        }
    }
}
