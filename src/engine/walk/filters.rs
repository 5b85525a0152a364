//! The filters a packet crosses: an interface's security groups (stateful:
//! a reply of an allowed connection passes) and a subnet's network ACL
//! (stateless, rule by rule), and which ACLs a subnet boundary puts in the way.

use crate::engine::analysis::{Cause, Direction, Hop};
use crate::engine::flow::Flow;
use crate::engine::rules::{self, Side};
use crate::hs::{Field, IntervalSet, PacketSet, Place};
use crate::model::Action;

use super::{Cross, Trail, Walk};

/// What a security group's rules do to some packets.
#[derive(Default)]
struct Matched<'n> {
    allowed: PacketSet,
    maybe: PacketSet,
    /// The rules that match some of them (group ID and rule): described
    /// only when some packets pass ([`Walk::settle`]).
    hops: Vec<(&'n crate::model::SecurityGroup, usize)>,
    /// Why some are undecided.
    unknown_peers: Vec<String>,
    /// A walk from a class whose members carry different groups: whose
    /// each hop is ([`Walk::class_security_groups`]).
    sources: Option<Sources>,
}

/// For a walk from a class of sources whose members carry different groups
/// ([`Walk::class_security_groups`]): the source addresses of the members
/// each matched rule (`hops`, in [`Matched::hops`]' order) and each group
/// (`groups`, in the order given to [`Walk::settle`]) is of.
struct Sources {
    hops: Vec<IntervalSet>,
    groups: Vec<IntervalSet>,
}

impl<'n> Walk<'n, '_> {
    /// Security groups of an interface; `None` when nothing passes.
    pub(super) fn security_groups(
        &mut self,
        owner: &str,
        groups: &[String],
        side: Side,
        flow: Flow,
        trail: &mut Trail,
    ) -> Option<Flow> {
        let stateful = self.dir == Direction::Return && trail.ct.enis.contains(owner);
        if stateful {
            for g in groups {
                trail.hops.push(Hop::new(
                    g,
                    "security-group",
                    "allow-stateful",
                    format!(
                        "{} reply of an allowed connection (security groups are stateful)",
                        if side == Side::Ingress {
                            "inbound"
                        } else {
                            "outbound"
                        }
                    ),
                ));
            }
            return Some(flow);
        }
        if groups.is_empty() {
            let what = match self.net.interfaces.get(owner) {
                Some(i) => format!("{owner} (type `{}`)", i.kind),
                None => owner.to_string(),
            };
            self.unknown(
                flow,
                trail.clone(),
                owner,
                format!(
                    "the input lists no security group for {what}: only NAT gateway, load balancer and transit gateway interfaces have none, so the input is incomplete"
                ),
            );
            return None;
        }
        let img = flow.image();
        let m = self.group_sets(groups, side, &img, trail);
        self.settle(owner, groups, side, flow, trail, m)
    }

    /// The outbound security groups of a class of source interfaces asked
    /// together whose members carry different groups: each member's packets
    /// (by source address, `members`: addresses and their groups) meet its
    /// own groups' rules. (Hops name every group's matching rules.)
    pub(super) fn class_security_groups(
        &mut self,
        owner: &str,
        members: &[(IntervalSet, Vec<String>, bool)],
        flow: Flow,
        trail: &mut Trail,
    ) -> Option<Flow> {
        let img = flow.image();
        let mut all = Matched::default();
        // The source addresses each hop is of (parallel to `all.hops`), and
        // each group's (for the hops naming it where packets stop).
        let mut hop_sources: Vec<IntervalSet> = Vec::new();
        let mut groups: Vec<(String, IntervalSet)> = Vec::new();
        for (addrs, gs, groupless) in members {
            let mine = img.restrict(Field::Src, addrs);
            if mine.is_empty() {
                continue;
            }
            if gs.is_empty() {
                // No group: a group-less kind passes; another is unknown.
                if *groupless {
                    all.allowed = all.allowed.union(&mine);
                } else {
                    all.maybe = all.maybe.union(&mine);
                    all.unknown_peers.push(format!(
                        "the input lists no security group for an interface of {owner}'s class: only NAT gateway, load balancer and transit gateway interfaces have none, so the input is incomplete"
                    ));
                }
                continue;
            }
            let m = self.group_sets(gs, Side::Egress, &mine, trail);
            all.allowed = all.allowed.union(&m.allowed.intersect(&mine));
            all.maybe = all.maybe.union(&m.maybe.intersect(&mine));
            for h in m.hops {
                match all
                    .hops
                    .iter()
                    .position(|x| std::ptr::eq(x.0, h.0) && x.1 == h.1)
                {
                    Some(at) => hop_sources[at] = hop_sources[at].union(addrs),
                    None => {
                        all.hops.push(h);
                        hop_sources.push(addrs.clone());
                    }
                }
            }
            for u in m.unknown_peers {
                if !all.unknown_peers.contains(&u) {
                    all.unknown_peers.push(u);
                }
            }
            for g in gs {
                match groups.iter_mut().find(|(x, _)| x == g) {
                    Some((_, a)) => *a = a.union(addrs),
                    None => groups.push((g.clone(), addrs.clone())),
                }
            }
        }
        let (names, deny_sources): (Vec<String>, Vec<IntervalSet>) = groups.into_iter().unzip();
        if self.trace_sources {
            all.sources = Some(Sources {
                hops: hop_sources,
                groups: deny_sources,
            });
        }
        self.settle(owner, &names, Side::Egress, flow, trail, all)
    }

    /// What the rules of `groups` allow of `img` (and may: peers the input
    /// does not settle), and the rules that match some of it.
    fn group_sets(
        &self,
        groups: &[String],
        side: Side,
        img: &PacketSet,
        trail: &Trail,
    ) -> Matched<'n> {
        let mut allowed = PacketSet::empty();
        let mut maybe = PacketSet::empty();
        let mut matched = Vec::new();
        let mut unknown_peers = Vec::new();
        // The peers the packets can have: a rule whose peers are none of
        // them matches nothing, known without a pairwise intersection (the
        // internet's packets against a rule naming a group inside the VPCs).
        let field = side.peer_field();
        let peers = img.project(field);
        let meets = |s: &PacketSet| s.place_on(field, &peers) != Place::Outside;
        for g in groups {
            let Some(sg) = self.net.security_groups.get(g) else {
                unknown_peers.push(format!("{g} is not in the input"));
                maybe = PacketSet::all();
                continue;
            };
            let rules = rules::side_rules(sg, side);
            let sets = rules::sg_rule_sets(self.net, sg, side);
            for (n, (r, (set, may))) in rules.iter().zip(sets.iter()).enumerate() {
                // Across a transit gateway without security-group
                // referencing, a rule naming a group matches nothing.
                if trail.ct.tgw_no_sg_refs
                    && side == Side::Ingress
                    && matches!(r.peer, crate::model::Peer::Group(_))
                {
                    continue;
                }
                if meets(set) {
                    if set.overlaps(img) {
                        matched.push((sg, n));
                    }
                    allowed = allowed.union(&set.intersect(img));
                }
                if meets(may) && may.overlaps(img) {
                    let why = match &r.peer {
                        crate::model::Peer::Group(g) => format!(
                            "{g} is not in the input: whether a source outside the input carries it is unknown (sources of the input carry it only if they list it)"
                        ),
                        p => format!("entries of {} are not in the input", p.describe()),
                    };
                    unknown_peers.push(format!(
                        "{} {}: {why}",
                        sg.id,
                        rules::describe_sg_rule(r, side),
                    ));
                    maybe = maybe.union(&may.intersect(img));
                }
            }
        }
        Matched {
            allowed,
            maybe,
            hops: matched,
            unknown_peers,
            sources: None,
        }
    }

    /// Splits `flow` by what the groups allow (pass), may allow (unknown)
    /// and do not (dropped, naming the groups).
    fn settle(
        &mut self,
        owner: &str,
        groups: &[String],
        side: Side,
        flow: Flow,
        trail: &mut Trail,
        m: Matched<'n>,
    ) -> Option<Flow> {
        let Matched {
            allowed,
            maybe,
            hops: matched,
            unknown_peers,
            sources,
        } = m;
        let (pass, rest) = flow.split(&allowed);
        let (undecided, blocked) = rest.split(&maybe);
        if !undecided.is_empty() {
            let comp = groups.first().cloned().unwrap_or_else(|| owner.to_string());
            self.unknown(undecided, trail.clone(), &comp, unknown_peers.join("; "));
        }
        if !blocked.is_empty() {
            let mut t = trail.clone();
            for (n, g) in groups.iter().enumerate() {
                let mut hop = Hop::new(
                    g,
                    "security-group",
                    "deny",
                    format!(
                        "no {} rule matches",
                        if side == Side::Ingress {
                            "inbound"
                        } else {
                            "outbound"
                        }
                    ),
                );
                hop.sources = sources.as_ref().and_then(|s| s.groups.get(n).cloned());
                t.hops.push(hop);
            }
            self.drop(
                blocked,
                t,
                Cause::SecurityGroup {
                    eni: owner.to_string(),
                    groups: groups.to_vec(),
                    inbound: side == Side::Ingress,
                },
            );
        }
        if pass.is_empty() {
            return None;
        }
        if self.dir == Direction::Forward {
            trail.ct.enis.insert(owner.to_string());
        }
        let net = self.net;
        // A walk from several interfaces: each rule's hop names the sources
        // (original addresses) of the packets it matched here.
        let tagged: Vec<IntervalSet> = if self.trace_sources && sources.is_none() {
            matched
                .iter()
                .map(|(sg, n)| {
                    let (set, _) = &rules::sg_rule_sets(net, sg, side)[*n];
                    flow.split(set).0.some.project(Field::Src)
                })
                .collect()
        } else {
            Vec::new()
        };
        trail
            .hops
            .extend(matched.into_iter().enumerate().map(|(k, (sg, n))| {
                let mut hop = Hop::new(
                    &sg.id,
                    "security-group",
                    "allow",
                    rules::sg_rule_text(net, sg, side, n),
                );
                hop.sources = match &sources {
                    Some(s) => s.hops.get(k).cloned(),
                    None => tagged.get(k).cloned(),
                };
                hop
            }));
        Some(pass)
    }

    /// A subnet's network ACL, one direction; `None` when nothing passes.
    pub(super) fn nacl(
        &mut self,
        subnet: &str,
        side: Side,
        flow: Flow,
        trail: &mut Trail,
    ) -> Option<Flow> {
        let Some(acl) = self.net.nacl_of(subnet) else {
            // An association to an ACL the input lacks (a what-if on a
            // Terraform plan names the ACL whose entries are known only
            // after apply) says which.
            match self.net.nacl_of_subnet.get(subnet) {
                Some(id) => self.unknown(
                    flow,
                    trail.clone(),
                    id,
                    format!("the network ACL of {subnet}, {id}, is not in the input"),
                ),
                None => self.unknown(
                    flow,
                    trail.clone(),
                    subnet,
                    "no network ACL association for this subnet in the input",
                ),
            }
            return None;
        };
        let entries = match side {
            Side::Ingress => &acl.inbound,
            Side::Egress => &acl.outbound,
        };
        let inbound = side == Side::Ingress;
        let base = trail.clone();
        // The allowed region on the wire, exactly: what allow rules take first.
        let img = flow.image();
        let mut taken = PacketSet::empty();
        let mut allowed = PacketSet::empty();
        // Attribution: which rule takes which packets, in rule order.
        let mut rest = flow.clone();
        for e in entries {
            if rest.is_empty() {
                break;
            }
            let set = rules::nacl_entry_set(e, side).intersect(&img);
            if set.is_empty() {
                continue;
            }
            let first = set.difference(&taken);
            taken = taken.union(&set);
            let (hit, miss) = rest.split(&set);
            rest = miss;
            match e.action {
                Action::Allow => {
                    allowed = allowed.union(&first);
                    if !hit.is_empty() {
                        let mut hop = Hop::new(
                            &acl.id,
                            "network-acl",
                            "allow",
                            rules::describe_nacl_entry(e, side),
                        );
                        // The packets allowed go on together: in a walk from
                        // several interfaces, the entry is of those it took.
                        if self.trace_sources {
                            hop.sources = Some(hit.some.project(Field::Src));
                        }
                        trail.hops.push(hop);
                    }
                }
                Action::Deny => self.drop(
                    hit,
                    base.with(Hop::new(
                        &acl.id,
                        "network-acl",
                        "deny",
                        rules::describe_nacl_entry(e, side),
                    )),
                    Cause::NaclDeny {
                        acl: acl.id.clone(),
                        rule: e.number,
                        inbound,
                        entry: rules::describe_nacl_entry(e, side),
                    },
                ),
            }
        }
        let star = format!(
            "{} rule *: deny all",
            if inbound { "inbound" } else { "outbound" }
        );
        self.drop(
            rest,
            base.with(Hop::new(&acl.id, "network-acl", "deny", star)),
            Cause::NaclDefaultDeny {
                acl: acl.id.clone(),
                inbound,
            },
        );
        let (pass, _) = flow.split(&allowed);
        if pass.is_empty() {
            return None;
        }
        if side == Side::Egress
            && self.dir == Direction::Forward
            && self.stop_leaving.as_deref() == Some(subnet)
        {
            self.unknown(
                pass,
                trail.clone(),
                &acl.id,
                format!("leaves {subnet} (the walk stops there: Query::to_subnet_exit)"),
            );
            return None;
        }
        Some(pass)
    }

    /// ACLs of the subnet boundary crossed: the sender's outbound (same VPC) then the receiver's inbound.
    pub(super) fn cross(
        &mut self,
        from: Cross<'_>,
        to_subnet: &str,
        flow: Flow,
        trail: &mut Trail,
    ) -> Option<Flow> {
        match from {
            Cross::Subnet(s) if s == to_subnet => Some(flow),
            Cross::Subnet(s) => {
                let f = self.nacl(s, Side::Egress, flow, trail)?;
                self.nacl(to_subnet, Side::Ingress, f, trail)
            }
            Cross::Outside => self.nacl(to_subnet, Side::Ingress, flow, trail),
        }
    }
}
