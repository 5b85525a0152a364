//! Encoding gateways: internet, egress-only, virtual private and NAT gateways, peering, and entries from outside.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ::z3::ast::BV;
use ipnet::IpNet;

use super::facts::{instance_primary, table_routes};
use super::filters::Side;
use super::places::{Dir, Enc, Entry, R, St};
use super::terms::{Out, addr, always, chain, in_any, in_cidr, is_v4, never, num, special};
use crate::hs;
use crate::model::node::{Cross, Node};
use crate::model::{RouteState, Target};

/// [`crate::model::aws::ASSIGNED_PUBLIC`] in the encoding's address space.
fn assigned_public() -> u128 {
    hs::addr(crate::model::aws::ASSIGNED_PUBLIC)
}

impl<'n> Enc<'n> {
    // ---------- gateways ----------

    pub(super) fn via_igw(&mut self, node: Node<'n>, igw_id: &str, st: St) -> R {
        if let Node::Va(..) = node {
            // Verified Access interfaces to the internet: not modelled.
            return Ok(Out::unknown());
        }
        let Some(igw) = self.net.internet_gateways.get(igw_id) else {
            return Ok(Out::unknown());
        };
        if !igw.vpcs.iter().any(|v| v == node.vpc()) {
            return Ok(Out::fail());
        }
        let f = self.nacl(node.subnet(), Side::Egress, &st.h);
        self.guard(f, |me| {
            // (private address, its internet address); IPv6 is not translated.
            let pairs: Vec<(IpNet, Option<IpAddr>)> = match node {
                Node::Eni(i) => i
                    .private_ips
                    .iter()
                    .map(|p| (IpNet::from(p.address), p.public))
                    .chain(i.ipv6.iter().map(|a| (IpNet::from(*a), None)))
                    .chain(
                        i.prefixes
                            .iter()
                            .filter(|p| matches!(p, IpNet::V6(_)))
                            .map(|p| (*p, None)),
                    )
                    .collect(),
                Node::Nat(n) => n
                    .private_ip
                    .map(|p| (IpNet::from(p), n.public_ip))
                    .into_iter()
                    .collect(),
                // An association ENI in a subnet routed to an internet gateway
                // has a public IP: its own when the input has the ENI, else
                // one AWS assigned (seed 003).
                Node::Cvpn(_, a) => {
                    match a.interface.as_ref().and_then(|e| me.net.interfaces.get(e)) {
                        Some(i) => i
                            .private_ips
                            .iter()
                            .map(|p| (IpNet::from(p.address), p.public))
                            .collect(),
                        None => {
                            let mut s = st.clone();
                            if s.dir == Dir::Forward {
                                s.ct.assigned = Some((a.id.clone(), s.h.src.clone()));
                            }
                            s.h.src = num(assigned_public(), 128);
                            return me.on_internet(s);
                        }
                    }
                }
                Node::Va(..) | Node::Tgw(..) => Vec::new(),
            };
            let mut cases = Vec::new();
            for (private, public) in pairs {
                let hit = in_cidr(&st.h.src, &private);
                if never(&hit) {
                    continue;
                }
                let v6 = matches!(private, IpNet::V6(_));
                let out = match public {
                    Some(p) => {
                        let mut s = st.clone();
                        s.h.src = addr(p);
                        me.on_internet(s)?
                    }
                    None if v6 => me.on_internet(st.clone())?,
                    None => Out::fail(),
                };
                cases.push((hit, out));
            }
            Ok(chain(cases, Out::fail()))
        })
    }

    /// An egress-only internet gateway: IPv6 out, untranslated; its replies may come back.
    pub(super) fn via_eigw(&mut self, node: Node<'n>, id: &str, mut st: St) -> R {
        let Some(g) = self.net.internet_gateways.get(id) else {
            return Ok(Out::unknown());
        };
        if !g.vpcs.iter().any(|v| v == node.vpc()) {
            return Ok(Out::fail());
        }
        let v6 = is_v4(&st.h.dst).not();
        if never(&v6) {
            return Ok(Out::fail());
        }
        let f = self.nacl(node.subnet(), Side::Egress, &st.h);
        let out = self.guard(f, |me| {
            st.ct.eigw_vpcs.insert(node.vpc().to_string());
            me.on_internet(st)
        })?;
        Ok(chain(vec![(v6, out)], Out::fail()))
    }

    /// A virtual private gateway: on-premises, outside the input, answers;
    /// its replies come back through the same gateway.
    pub(super) fn via_vgw(&mut self, node: Node<'n>, id: &'n str, st: St) -> R {
        if st.dir == Dir::Return {
            // A reply goes back to where the query started, never on-premises:
            // a reply to an internet host routed here leaves with the source
            // the internet gateway did not translate back, and never reaches
            // the host (aws-semantics.md §5).
            return Ok(Out::fail());
        }
        let named = self.q.dst_eni.is_some();
        if let Node::Nat(n) = node
            && !named
        {
            return Ok(self.unsupported(format!(
                "NAT gateway `{}` sending through virtual private gateway `{id}` (its replies would need the NAT translation undone on entry)",
                n.id
            )));
        }
        let f = self.nacl(node.subnet(), Side::Egress, &st.h);
        let vpc = node.vpc();
        self.guard(f, |me| {
            // Toward a named interface: whether on-premises delivers it
            // there is not in the input (no reply walked: a NAT gateway's
            // is not needed either).
            if named {
                return Ok(Out::unknown());
            }
            let back = me.reply(st);
            me.gateway_entry(id, Entry::Vpc(vpc), back)
        })
    }

    /// On the internet: to a public IP of the input, into a VPC over IPv6, or out of the input.
    pub(super) fn on_internet(&mut self, st: St) -> R {
        let net = self.net;
        let mut cases = Vec::new();
        // Idle Elastic IPs forward to nothing.
        for ip in net.idle_addresses.keys() {
            let hit = st.h.dst.eq(addr(*ip));
            if !never(&hit) {
                cases.push((hit, Out::fail()));
            }
        }
        // A reply to the public IP AWS assigned to an association ENI.
        if let Some((assoc, private)) = st.ct.assigned.clone() {
            let hit = st.h.dst.eq(num(assigned_public(), 128));
            if !never(&hit) {
                let out = self.assigned_entry(&assoc, private, st.clone())?;
                cases.push((hit, out));
            }
        }
        let mut publics: Vec<IpAddr> = net
            .interfaces
            .values()
            .flat_map(|i| i.private_ips.iter().filter_map(|p| p.public))
            .chain(net.nat_gateways.values().filter_map(|n| n.public_ip))
            .collect();
        let mut seen = BTreeSet::new();
        publics.retain(|ip| seen.insert(*ip));
        for ip in publics {
            let Some((node, private)) = self.node_by_public_ip(ip) else {
                continue;
            };
            let hit = st.h.dst.eq(addr(ip));
            if never(&hit) {
                continue;
            }
            let sure = always(&hit);
            let out = self.internet_entry(node, private, st.clone())?;
            cases.push((hit, out));
            if sure {
                return Ok(chain(cases, Out::fail()));
            }
        }
        // IPv6 addresses are global: a VPC's IPv6 CIDRs are reached through its gateway.
        for vpc in net.vpcs.values() {
            let v6: Vec<IpNet> = vpc
                .cidrs
                .iter()
                .filter(|c| matches!(c, IpNet::V6(_)))
                .copied()
                .collect();
            let hit = in_any(&st.h.dst, &v6);
            if never(&hit) {
                continue;
            }
            let sure = always(&hit);
            let out = self.internet_entry_v6(&vpc.id, st.clone())?;
            cases.push((hit, out));
            if sure {
                return Ok(chain(cases, Out::fail()));
            }
        }
        let private = special(&st.h.dst);
        let outside = if always(&private) {
            Out::fail()
        } else {
            self.internet_end(st)?
        };
        cases.push((private, Out::fail()));
        Ok(chain(cases, outside))
    }

    /// In through the internet gateway of the VPC owning a public IP.
    pub(super) fn internet_entry(&mut self, node: Node<'n>, private: IpAddr, mut st: St) -> R {
        let Some(igw) = self.net.igw_of_vpc(node.vpc()) else {
            return Ok(Out::fail());
        };
        st.h.dst = addr(private);
        self.gateway_entry(&igw.id, Entry::Public(node), st)
    }

    /// IPv6 from the internet into a VPC: through its internet gateway; or,
    /// without one, only replies of connections that left through its
    /// egress-only internet gateway.
    pub(super) fn internet_entry_v6(&mut self, vpc: &'n str, st: St) -> R {
        // A reply comes back through the egress-only gateway the request left through.
        if st.dir == Dir::Return && st.ct.eigw_vpcs.contains(vpc) {
            return self.deliver(vpc, Cross::Outside, st);
        }
        if let Some(igw) = self.net.igw_of_vpc(vpc) {
            return self.gateway_entry(&igw.id, Entry::Vpc(vpc), st);
        }
        Ok(Out::fail())
    }

    /// In through the internet gateway to an association ENI the input
    /// lacks, at the public IP AWS assigned it: back to the private address
    /// it translated the client to.
    pub(super) fn assigned_entry(&mut self, assoc: &str, private: BV, mut st: St) -> R {
        let net = self.net;
        let Some((ep, a)) = net.association(assoc) else {
            return Ok(Out::unknown());
        };
        let Some(igw) = net.igw_of_vpc(&ep.vpc) else {
            return Ok(Out::fail());
        };
        st.h.dst = private;
        self.gateway_entry(&igw.id, Entry::Public(Node::Cvpn(ep, a)), st)
    }

    /// Entering a VPC through a gateway (`igw-`, `vgw-`): the route table
    /// associated with the gateway first, if any, then `entry`.
    pub(super) fn gateway_entry(&mut self, gw: &str, entry: Entry<'n>, st: St) -> R {
        let net = self.net;
        let vpc = entry.vpc();
        let Some(rtb) = net
            .route_tables
            .values()
            .find(|t| t.vpc == vpc && t.gateways.iter().any(|g| g == gw))
        else {
            return self.entered(entry, st);
        };
        let (capture, routes) = table_routes(net, rtb, &st.h.dst);
        let mut cases = Vec::new();
        if !never(&capture) {
            cases.push((capture, Out::unknown()));
        }
        self.route_cases(routes, &st.h.dst, &mut cases, |enc, _, r| {
            if r.state == RouteState::Blackhole {
                return Ok(Some(Out::fail()));
            }
            Ok(Some(match &r.target {
                Target::Local => enc.entered(entry, st.clone())?,
                Target::NetworkInterface(id) => match net.interfaces.get(id) {
                    Some(i) if i.vpc == vpc => enc.deliver_appliance(i, st.clone())?,
                    _ => Out::unknown(),
                },
                Target::Instance(id) => match instance_primary(net, id) {
                    Some(i) if i.vpc == vpc => enc.deliver_appliance(i, st.clone())?,
                    _ => Out::unknown(),
                },
                _ => Out::unknown(),
            }))
        })?;
        Ok(chain(cases, Out::fail()))
    }

    /// Past the gateway's route table: delivered inside the VPC.
    pub(super) fn entered(&mut self, entry: Entry<'n>, mut st: St) -> R {
        match entry {
            Entry::Vpc(vpc) => self.deliver(vpc, Cross::Outside, st),
            Entry::Public(
                node @ (Node::Eni(_) | Node::Cvpn(..) | Node::Va(..) | Node::Tgw(..)),
            ) => self.deliver_to(node, Cross::Outside, st),
            Entry::Public(node @ Node::Nat(n)) => {
                let Some((_, src, sport)) = st.ct.nat(&n.id) else {
                    return Ok(Out::fail());
                };
                let f = self.nacl(&n.subnet, Side::Ingress, &st.h);
                self.guard(f, |me| {
                    st.h.dst = src;
                    st.h.dport = sport;
                    me.at_node(node, st)
                })
            }
        }
    }

    pub(super) fn via_nat(&mut self, node: Node<'n>, nat_id: &str, mut st: St) -> R {
        let Some(nat) = self.net.nat_gateways.get(nat_id) else {
            return Ok(Out::unknown());
        };
        if st.dir == Dir::Return || !nat.is_available() {
            return Ok(Out::fail());
        }
        let Some(private) = nat.private_ip else {
            return Ok(Out::unknown());
        };
        let f = self.cross(Cross::Subnet(node.subnet()), &nat.subnet, &st.h);
        self.guard(f, |me| {
            st.ct
                .nats
                .push((nat.id.clone(), st.h.src.clone(), st.h.sport.clone()));
            st.h.src = addr(private);
            st.h.sport = me.nat_port(&nat.id);
            me.at_node(Node::Nat(nat), st)
        })
    }

    pub(super) fn via_peering(&mut self, node: Node<'n>, pcx_id: &str, st: St) -> R {
        let net = self.net;
        let Some(pcx) = net.peerings.get(pcx_id) else {
            return Ok(Out::unknown());
        };
        if !pcx.is_active() {
            return Ok(Out::fail());
        }
        let Some(other) = pcx.other_side(node.vpc()) else {
            return Ok(Out::fail());
        };
        let Some(vpc) = net.vpcs.get(other) else {
            return Ok(Out::unknown());
        };
        let f = self.nacl(node.subnet(), Side::Egress, &st.h);
        self.guard(f, |me| {
            let inside = in_any(&st.h.dst, &vpc.cidrs);
            if never(&inside) {
                return Ok(Out::fail());
            }
            let out = me.deliver(&vpc.id, Cross::Outside, st)?;
            Ok(chain(vec![(inside, out)], Out::fail()))
        })
    }
}
