//! Comparing one destination's answers before and after: the flow changes,
//! each with the changes that explain it (the resources its packets met).

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use crate::engine::Analysis;
use crate::hs::{IntervalSet, PacketSet};
use crate::model::{Network, Protocol};
use crate::who::{From, Source};

use super::answer::{Because, Direction, FlowChange, Presence};
use super::changes::Change;
use super::reached::{Entry, Reached, point, proto_number, reached_at};
use super::trace::{Met, Trace, met};

/// The answers of one interface's own walks to `dst` at its address `to`
/// for `key` (none when either is not in `net`).
fn own_answer(
    net: &Network,
    dst: &str,
    to: IpAddr,
    eni: &str,
    services: &[(Protocol, (u16, u16))],
    key: &(String, u8),
) -> Vec<Arc<Analysis>> {
    if !net.interfaces.contains_key(dst) || !net.interfaces.contains_key(eni) {
        return Vec::new();
    }
    // Only the key's protocol (every address of `dst` is asked).
    let all = [
        Protocol::TCP,
        Protocol::UDP,
        Protocol::ICMP,
        Protocol::ICMPV6,
    ]
    .map(|p| (p, (0, if p.is_icmp() { 255 } else { u16::MAX })));
    let services: Vec<(Protocol, (u16, u16))> = if services.is_empty() {
        &all[..]
    } else {
        services
    }
    .iter()
    .copied()
    .filter(|(p, _)| proto_number(*p) == key.1)
    .collect();
    // Only the key's address: the key is one address's.
    reached_at(
        net,
        dst,
        &services,
        From::These(vec![eni.to_string()]),
        Some(to),
    )
    .ok()
    .and_then(|r| r.get(key).map(|v| v.answers.clone()))
    .unwrap_or_default()
}

/// Whether a hop's rule text names the rule `label` (`sgr-…`, `inbound rule 100`).
fn label_in(rule: &str, label: &str) -> bool {
    if label.is_empty() || rule.is_empty() {
        return false;
    }
    match rule.find(label) {
        None => false,
        Some(at) => {
            // `inbound rule 10` must not match `inbound rule 100`.
            let next = rule[at + label.len()..].chars().next();
            !next.is_some_and(|c| c.is_ascii_alphanumeric())
        }
    }
}

/// How one side explains a flow that changed.
enum Explain<'t> {
    /// The answers of walks from the flow's source alone (none: it reached
    /// nothing on this side).
    Answers(Vec<Arc<Analysis>>),
    /// What a walk from the source's whole subnet met, read for the
    /// source's address alone.
    Trace(&'t Trace, IntervalSet),
}

impl Explain<'_> {
    /// The hops `packets` met (`side`: "before" or "after").
    fn met(&self, side: &str, packets: &PacketSet) -> Vec<Met> {
        match self {
            Explain::Answers(answers) => {
                answers.iter().flat_map(|a| met(side, a, packets)).collect()
            }
            Explain::Trace(t, src) => t.met(src, packets),
        }
    }
}

/// The indices of the changes of each resource.
pub(super) type ChangeIndex<'c> = std::collections::HashMap<&'c str, Vec<usize>>;

/// [`ChangeIndex`] of `changes`.
pub(super) fn index(changes: &[Change]) -> ChangeIndex<'_> {
    let mut out = ChangeIndex::new();
    for (i, c) in changes.iter().enumerate() {
        out.entry(c.resource.as_str()).or_default().push(i);
    }
    out
}

/// The two networks compared and what changed between them.
pub(super) struct Sides<'n> {
    pub(super) before: &'n Network,
    pub(super) after: &'n Network,
    pub(super) changes: &'n [Change],
    /// The changes of each resource ([`index`]).
    pub(super) index: &'n ChangeIndex<'n>,
    /// The answers are the fast way's (`bulk`): interfaces' have no
    /// explanation of their own.
    pub(super) bulk: bool,
    /// Such a flow may be explained from its subnet's walk ([`Trace`]);
    /// otherwise by its own walks.
    pub(super) traces: bool,
}

impl Sides<'_> {
    /// The changes that explain `packets` changing between the two answers, and
    /// what the packets met at each: for packets gained, where they stopped
    /// before and the changed rule that lets them through after; for packets
    /// lost, what let them through before and where they stop after.
    fn because(
        &self,
        before: &Explain,
        after: &Explain,
        packets: &PacketSet,
        direction: Direction,
        ids: &[&str],
        groups: &[BTreeSet<&str>],
    ) -> Vec<Because> {
        let (mb, ma) = (before.met("before", packets), after.met("after", packets));
        // Packets left undecided at an interface's security groups are left so
        // by all of its groups together (the leaf names the first): each group
        // of the flow's interfaces that carry it is met there too.
        let undecided_at = |ms: Vec<Met>| -> Vec<Met> {
            let mut out = ms.clone();
            for m in ms.iter().filter(|m| m.1.contains(" unknown: ")) {
                for g in groups
                    .iter()
                    .filter(|s| s.contains(&*m.0))
                    .flat_map(|s| s.iter())
                {
                    if *g != &*m.0 {
                        out.push(((*g).into(), m.1.clone(), m.2.clone(), false));
                    }
                }
            }
            out
        };
        let (mb, ma) = (undecided_at(mb), undecided_at(ma));
        // Only the changes of resources met or named can explain it (a diff
        // of many changes has many flows: not every change for every flow).
        let mut candidates: Vec<usize> = mb
            .iter()
            .chain(&ma)
            .map(|m| &*m.0)
            .chain(ids.iter().copied())
            .filter_map(|r| self.index.get(r))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut out = Vec::new();
        for (i, c) in candidates.into_iter().map(|i| (i, &self.changes[i])) {
            let at_b: Vec<&Met> = mb.iter().filter(|m| *m.0 == *c.resource).collect();
            let at_a: Vec<&Met> = ma.iter().filter(|m| *m.0 == *c.resource).collect();
            let named = ids.contains(&c.resource.as_str());
            if at_b.is_empty() && at_a.is_empty() && !named {
                continue;
            }
            let names_detail = |m: &Met| c.details.iter().any(|d| label_in(&m.2, &d.label));
            let mut details: Vec<usize> = c
                .details
                .iter()
                .enumerate()
                .filter(|(_, d)| at_b.iter().chain(&at_a).any(|m| label_in(&m.2, &d.label)))
                .map(|(j, _)| j)
                .collect();
            if details.is_empty() {
                details = (0..c.details.len()).collect();
            }
            // What to show of each side.
            let shown: Vec<&Met> = match direction {
                Direction::Gained => {
                    let allow: Vec<&Met> = at_a.iter().copied().filter(|m| m.3).collect();
                    let changed: Vec<&Met> =
                        allow.iter().copied().filter(|m| names_detail(m)).collect();
                    at_b.iter()
                        .copied()
                        .filter(|m| !m.3)
                        .chain(if changed.is_empty() { allow } else { changed })
                        .collect()
                }
                Direction::Lost => at_b
                    .iter()
                    .copied()
                    .filter(|m| m.3)
                    .chain(at_a.iter().copied().filter(|m| !m.3))
                    .collect(),
                Direction::Undecided => at_a.clone(),
            };
            let mut lines: Vec<Arc<str>> = Vec::new();
            for m in shown {
                if !lines.contains(&m.1) {
                    lines.push(m.1.clone());
                }
            }
            out.push(Because {
                change: i,
                details,
                met: lines,
            });
        }
        out
    }

    /// How `net`'s side explains the flow of `key` to `dst` that changed,
    /// read off a walk from a whole subnet (`bulk`; `e`: this side's entry):
    /// by what that walk met, read for the flow's interface alone, or by its
    /// own walks where the walk cannot tell its packets apart.
    fn explain<'e>(
        &self,
        net: &Network,
        e: Option<&'e Entry>,
        dst: &str,
        here: &[(Protocol, (u16, u16))],
        key: &(String, u8),
    ) -> Explain<'e> {
        // Reached nothing here: its own walk finds nothing either.
        let Some(e) = e else {
            return Explain::Answers(Vec::new());
        };
        let Source::Interfaces { enis, .. } = &*e.source else {
            return Explain::Answers(e.answers.clone());
        };
        let src = net
            .interfaces
            .get(&enis[0])
            .and_then(|i| i.address_like(e.to))
            .map(point);
        if let (Some(t), Some(src), true) = (&e.trace, src, self.traces)
            && t.explains(&src)
        {
            return Explain::Trace(t, src);
        }
        Explain::Answers(own_answer(net, dst, e.to, &enis[0], here, key))
    }

    /// The flow changes of one destination, from what reached it before
    /// (`rb`) and after (`ra`).
    pub(super) fn compare(
        &self,
        dst: &String,
        here: &[(Protocol, (u16, u16))],
        rb: Reached,
        ra: Reached,
    ) -> Vec<FlowChange> {
        let (before, after, bulk) = (self.before, self.after, self.bulk);
        let (b, a) = (before.interfaces.get(dst), after.interfaces.get(dst));
        let presence = match (b, a) {
            (Some(_), Some(_)) => Presence::Both,
            (None, Some(_)) => Presence::Added,
            _ => Presence::Removed,
        };
        if a.or(b).and_then(|i| i.main_ip()).is_none() {
            return Vec::new();
        }
        let mut flows = Vec::new();
        let keys: BTreeSet<&(String, u8)> = rb.keys().chain(ra.keys()).collect();
        let none = PacketSet::empty();
        for key in keys {
            let (eb, ea) = (rb.get(key), ra.get(key));
            let ((bs, bu), (as_, au)) = [eb, ea]
                .map(|e| match e {
                    Some(e) => (&e.some, &e.undecided),
                    None => (&none, &none),
                })
                .into();
            let Some(any) = ea.or(eb) else {
                continue;
            };
            let to = any.to;
            let source = any.source.clone();
            let protocol = Protocol::Number(key.1);
            // Nothing gained, lost or newly undecided: no flow change.
            if as_.same_as(bs) && au.difference(bu).is_empty() {
                continue;
            }
            // Read off a walk from a whole subnet: explained by what that
            // walk met, read for this source alone, or by its own walks.
            let (ban, aan) = if bulk {
                (
                    self.explain(before, eb, dst, here, key),
                    self.explain(after, ea, dst, here, key),
                )
            } else {
                let answers = |e: Option<&Entry>| {
                    Explain::Answers(e.map(|e| e.answers.clone()).unwrap_or_default())
                };
                (answers(eb), answers(ea))
            };
            let mut src_ids: Vec<&str> = vec![dst.as_str()];
            if let Source::Interfaces { enis, subnet, .. } = &*source {
                src_ids.extend(enis.iter().map(String::as_str));
                src_ids.push(subnet);
            }
            if let Source::Access { endpoint, .. } = &*source {
                src_ids.push(endpoint);
            }
            if let Some(i) = a.or(b) {
                src_ids.push(&i.subnet);
            }
            // The groups of each interface of the flow (either side).
            let groups: Vec<BTreeSet<&str>> = src_ids
                .iter()
                .map(|id| {
                    [before, after]
                        .iter()
                        .filter_map(|n| n.interfaces.get(*id))
                        .flat_map(|i| i.groups.iter().map(String::as_str))
                        .collect()
                })
                .filter(|s: &BTreeSet<&str>| !s.is_empty())
                .collect();
            for (direction, mut packets) in [
                (Direction::Gained, as_.difference(bs)),
                (Direction::Lost, bs.difference(as_)),
                (Direction::Undecided, au.difference(bu)),
            ] {
                if packets.is_empty() {
                    continue;
                }
                packets.coalesce();
                let because = self.because(&ban, &aan, &packets, direction, &src_ids, &groups);
                flows.push(FlowChange {
                    dst: dst.clone(),
                    dst_ip: to,
                    presence,
                    source: source.clone(),
                    protocol,
                    direction,
                    packets,
                    because,
                });
            }
        }
        flows
    }
}
