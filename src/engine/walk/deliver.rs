//! Delivery inside a VPC: to whichever node holds the destination address
//! (an interface, a NAT gateway, or for a reply the Client VPN association
//! or Verified Access interfaces that translated the request).

use crate::engine::analysis::{Cause, Direction, End, Hop};
use crate::engine::flow::Flow;
use crate::engine::rules::{self, Side};
use std::collections::BTreeMap;

use crate::hs::{self, Field, Interval, IntervalSet};

use super::{Cross, Node, Trail, Walk, forwarder, not_answering, point};

/// Up to this many destination addresses are looked up one by one.
const MAX_LOOKUPS: usize = 4096;
/// Nodes holding destination addresses, each with the addresses it holds.
type Holders<'n> = Vec<(Node<'n>, IntervalSet)>;

/// More holders than this take their shares of a flow in one pass.
const ONE_PASS: usize = 8;

impl<'n> Walk<'n, '_> {
    /// Delivers inside a VPC to whichever interface holds the destination address.
    pub(super) fn deliver(&mut self, vpc: &str, from: Cross<'_>, flow: Flow, trail: Trail) {
        if self.dir == Direction::Forward
            && let Cross::Subnet(s) = from
            && self.stop_leaving.as_deref() == Some(s)
        {
            return self.leave_subnet(s, flow, trail);
        }
        let mut rest = flow;
        // Replies to a translated source (a Client VPN association, a Verified
        // Access endpoint's interfaces) go back to the node that translated it.
        if self.dir == Direction::Return {
            let net = self.net;
            let proxies = net
                .client_vpn_endpoints
                .values()
                .filter(|e| e.vpc == vpc)
                .flat_map(|e| e.associations.iter().map(move |a| Node::Cvpn(e, a)))
                .chain(
                    net.va_endpoints
                        .values()
                        .filter(|e| e.vpc == vpc)
                        .flat_map(|e| e.subnets.iter().map(move |s| Node::Va(e, s))),
                )
                .filter(|n| trail.ct.enis.contains(n.id()));
            for node in proxies {
                let Some(addrs) = node.reply_addresses(net) else {
                    continue;
                };
                let (hit, miss) = rest.split_field(Field::Dst, &addrs);
                rest = miss;
                self.deliver_to(node, from, hit, trail.clone());
            }
        }
        let dsts = rest.current(Field::Dst);
        // Each holder of destination addresses, with the addresses it holds.
        let holders: Vec<(Node<'n>, IntervalSet)> = match dsts.intervals() {
            // A few addresses (one, or the members of a class of sources a
            // reply goes back to): each looked up, not every interface scanned.
            // (Consecutive addresses are one interval: counted one by one.)
            ivs if ivs
                .iter()
                .try_fold(0u128, |n, i| {
                    let n = n.saturating_add((i.hi - i.lo).saturating_add(1));
                    (n <= MAX_LOOKUPS as u128).then_some(n)
                })
                .is_some() =>
            {
                let mut by_id: BTreeMap<&'n str, (Node<'n>, Vec<Interval>)> = BTreeMap::new();
                for v in ivs.iter().flat_map(|i| i.lo..=i.hi) {
                    let ip = hs::addr_of(v);
                    let Some(n) = self.node_by_private_ip(vpc, ip) else {
                        continue;
                    };
                    by_id
                        .entry(n.id())
                        .or_insert_with(|| (n, Vec::new()))
                        .1
                        .push(Interval::point(v));
                }
                by_id
                    .into_values()
                    .map(|(n, held)| (n, IntervalSet::from_intervals(held)))
                    .collect()
            }
            _ => {
                let nats = self
                    .net
                    .nat_gateways
                    .values()
                    .filter(|n| n.vpc == vpc)
                    .filter_map(|n| n.private_ip)
                    .filter(|a| dsts.contains(hs::addr(*a)))
                    .filter_map(|ip| self.node_by_private_ip(vpc, ip).map(|n| (n, point(ip))));
                self.net
                    .interfaces
                    .values()
                    .filter(|i| i.vpc == vpc)
                    .filter_map(|i| {
                        let held = rules::interface_addresses(i).intersect(&dsts);
                        if held.is_empty() {
                            return None;
                        }
                        self.node_of_eni(&i.id).map(|n| (n, held))
                    })
                    .chain(nats)
                    .collect()
            }
        };
        // Each holder takes the addresses no earlier holder took, all in one
        // pass when there are many.
        let holders = first_come(holders);
        if holders.len() > ONE_PASS {
            rest = self.deliver_by_subnet(holders, from, rest, &trail);
        } else {
            for (node, held) in holders {
                let (hit, miss) = rest.split_field(Field::Dst, &held);
                rest = miss;
                self.deliver_to(node, from, hit, trail.clone());
            }
        }
        self.drop(
            rest,
            trail,
            Cause::NoInterface {
                vpc: vpc.to_string(),
            },
        );
    }

    /// A walk stopped where its packets leave the source's subnet `s`
    /// (`Query::to_subnet_exit`), at a delivery inside the VPC: what stays
    /// in `s` (its CIDRs, and whatever an interface or NAT gateway of `s`
    /// holds: delivery goes by holder, and no ACL is crossed to one in
    /// `s`) stops undecided at once, no holder looked up; the rest crosses
    /// `s`'s outbound network ACL once, whatever its destination subnet,
    /// and what passes stops there (`Walk::nacl`).
    fn leave_subnet(&mut self, s: &str, flow: Flow, trail: Trail) {
        let here = rules::subnet_held(self.net, s);
        let (inside, outside) = flow.split_field(Field::Dst, &here);
        if !inside.is_empty() {
            self.unknown(
                inside,
                trail.clone(),
                s,
                format!("stays in {s} (the walk stops there: Query::to_subnet_exit)"),
            );
        }
        let mut t = trail;
        // Stopped in `nacl` where it passes: nothing comes back.
        let _ = self.nacl(s, Side::Egress, outside, &mut t);
    }

    /// Many holders (a walk toward many destinations): the flow split in one
    /// pass by subnet, each subnet's share crossing its network ACLs once,
    /// then split in one pass among the subnet's holders. The same packets
    /// reach each holder as handing each its own share would; the ACLs'
    /// drops are stated per subnet. Returns what no holder holds.
    fn deliver_by_subnet(
        &mut self,
        holders: Vec<(Node<'n>, IntervalSet)>,
        from: Cross<'_>,
        flow: Flow,
        trail: &Trail,
    ) -> Flow {
        let mut subnets: Vec<(&'n str, IntervalSet, Holders<'n>)> = Vec::new();
        for (node, held) in holders {
            match subnets.iter_mut().find(|(s, ..)| *s == node.subnet()) {
                Some((_, all, members)) => {
                    *all = all.union(&held);
                    members.push((node, held));
                }
                None => subnets.push((node.subnet(), held.clone(), vec![(node, held)])),
            }
        }
        let sets: Vec<IntervalSet> = subnets.iter().map(|(_, all, _)| all.clone()).collect();
        let (shares, rest) = split_many(&flow, &sets);
        for ((subnet, _, members), share) in subnets.into_iter().zip(shares) {
            if share.is_empty() {
                continue;
            }
            let mut t = trail.clone();
            let Some(share) = self.cross(from, subnet, share, &mut t) else {
                continue;
            };
            let sets: Vec<IntervalSet> = members.iter().map(|(_, h)| h.clone()).collect();
            let (parts, _) = split_many(&share, &sets);
            for ((node, _), part) in members.into_iter().zip(parts) {
                if !part.is_empty() {
                    self.arrive(node, part, t.clone());
                }
            }
        }
        rest
    }

    pub(super) fn deliver_to(
        &mut self,
        node: Node<'n>,
        from: Cross<'_>,
        flow: Flow,
        mut trail: Trail,
    ) {
        if flow.is_empty() {
            return;
        }
        let Some(flow) = self.cross(from, node.subnet(), flow, &mut trail) else {
            return;
        };
        self.arrive(node, flow, trail);
    }

    /// Packets that crossed into `node`'s subnet: at the node.
    fn arrive(&mut self, node: Node<'n>, flow: Flow, mut trail: Trail) {
        match node {
            // A reply to a connection the NAT gateway translated (from
            // on-premises or a peer, to its private IP): translated back.
            Node::Nat(n) if self.dir == Direction::Return => {
                let Some(entry) = trail.ct.nat(&n.id) else {
                    return self.drop(
                        flow,
                        trail,
                        Cause::NotADestination {
                            component: n.id.clone(),
                        },
                    );
                };
                let mut flow = flow;
                flow.restore(Field::Dst, entry.1);
                flow.restore(Field::DstPort, entry.2);
                let t = trail.with(Hop::new(
                    &n.id,
                    "nat-gateway",
                    "translate",
                    "destination -> the connection's original source (reply)",
                ));
                self.at_node(node, flow, t);
            }
            Node::Nat(n) => self.drop(
                flow,
                trail,
                Cause::NotADestination {
                    component: n.id.clone(),
                },
            ),
            Node::Tgw(..) => self.drop(
                flow,
                trail,
                Cause::NotADestination {
                    component: node.id().to_string(),
                },
            ),
            Node::Cvpn(..) | Node::Va(..) => {
                if self.dir == Direction::Forward {
                    return self.drop(
                        flow,
                        trail,
                        Cause::NotADestination {
                            component: node.id().to_string(),
                        },
                    );
                }
                let groups = node.groups().unwrap_or_default();
                let Some(flow) =
                    self.security_groups(node.id(), groups, Side::Ingress, flow, &mut trail)
                else {
                    return;
                };
                if let Some((kind, what)) = node.reply_hop() {
                    trail
                        .hops
                        .push(Hop::new(node.id(), kind, "translate", what));
                }
                self.leaf(
                    flow,
                    trail,
                    End::Arrived {
                        eni: node.id().to_string(),
                    },
                );
            }
            Node::Eni(i) => {
                if let Some(cause) = not_answering(self.net, i) {
                    return self.drop(flow, trail, cause);
                }
                let flow = match node.groups() {
                    Some(groups) => {
                        let Some(f) =
                            self.security_groups(&i.id, groups, Side::Ingress, flow, &mut trail)
                        else {
                            return;
                        };
                        f
                    }
                    None => flow,
                };
                if let Some(what) = forwarder(i)
                    && self.dir == Direction::Forward
                {
                    return self.unknown(
                        flow,
                        trail,
                        &i.id,
                        format!(
                            "{} is {what}: it forwards to targets the input does not list (not modelled)",
                            i.id
                        ),
                    );
                }
                trail.hops.push(Hop::new(
                    &i.id,
                    "network-interface",
                    "deliver",
                    match &i.instance {
                        Some(inst) => format!("delivered to {inst}"),
                        None => "delivered".to_string(),
                    },
                ));
                self.leaf(flow, trail, End::Arrived { eni: i.id.clone() });
            }
        }
    }
}

/// Each owner's values that no earlier owner has (one value, one owner):
/// the shares that peeling them off in turn would give, made disjoint for
/// [`split_many`].
pub(super) fn first_come<T>(
    owners: impl IntoIterator<Item = (T, IntervalSet)>,
) -> Vec<(T, IntervalSet)> {
    let mut taken = IntervalSet::empty();
    owners
        .into_iter()
        .map(|(owner, held)| {
            let mine = held.difference(&taken);
            taken = taken.union(&mine);
            (owner, mine)
        })
        .collect()
}

/// `flow` split by pairwise-disjoint sets of destination addresses: a share
/// per set and the rest, in one pass when the network chose no value on the
/// way, else set by set.
pub(super) fn split_many(flow: &Flow, sets: &[IntervalSet]) -> (Vec<Flow>, Flow) {
    if let Some(split) = flow.split_sets(Field::Dst, sets) {
        return split;
    }
    let mut rest = flow.clone();
    let parts = sets
        .iter()
        .map(|s| {
            let (hit, miss) = rest.split_field(Field::Dst, s);
            rest = miss;
            hit
        })
        .collect();
    (parts, rest)
}
