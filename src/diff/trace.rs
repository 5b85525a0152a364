//! What a walk met at the resources a change names, kept to explain the
//! flows that changed without walking again: `diff`'s fast way walks a
//! whole subnet at a time (`bulk`), and a changed flow of one of its
//! interfaces is explained from that walk, read for that interface alone,
//! as its own walk would explain it (`Sides::because`).
//!
//! Must not know output or file formats.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::{Analysis, Direction, End, Hop, Leaf, Path};
use crate::hs::{Field, IntervalSet, PacketSet};

/// A hop the changed packets met: (component, line, rule text, allowed?).
/// A hop met at a resource: (its component, the line that says so, its
/// rule, whether it passed packets). Shared, not copied: the same hop
/// explains the flow of every member of a subnet's walk.
pub(super) type Met = (Arc<str>, Arc<str>, Arc<str>, bool);

/// The hops of `leaf` as [`Met`]s (`side`: "before" or "after"), and
/// where the leaf became unknown last (the component that could not decide
/// may be a changed one, with no hop before it). Replies of tracked
/// connections say nothing about a change: left out.
fn leaf_mets(side: &str, leaf: &Leaf) -> Vec<Met> {
    let mut out = Vec::new();
    for h in &leaf.hops {
        if h.action == "allow-stateful" {
            continue;
        }
        out.push(hop_met(side, leaf, h));
    }
    out.extend(end_met(side, leaf));
    out
}

/// Where `leaf` became unknown, as a [`Met`] (none when it did not).
fn end_met(side: &str, leaf: &Leaf) -> Option<Met> {
    let End::Unknown { component, reason } = &leaf.end else {
        return None;
    };
    Some((
        component.as_str().into(),
        format!(
            "{side} ({}): {component} unknown: {reason}",
            leaf.direction.name()
        )
        .into(),
        reason.as_str().into(),
        false,
    ))
}

fn hop_met(side: &str, leaf: &Leaf, h: &Hop) -> Met {
    (
        h.component.as_str().into(),
        format!(
            "{side} ({}): {} {} {}",
            leaf.direction.name(),
            h.component,
            h.action,
            h.rule
        )
        .into(),
        h.rule.as_str().into(),
        h.action != "deny",
    )
}

/// The paths of `a` that carry any of `packets`.
fn carrying<'a>(a: &'a Analysis, packets: &'a PacketSet) -> impl Iterator<Item = &'a Path> {
    a.paths.iter().filter(move |p| {
        p.forward.flow.some.overlaps(packets)
            || p.back
                .as_ref()
                .is_some_and(|b| b.flow.some.overlaps(packets))
    })
}

/// The hops `packets` met in `a` (a walk from one interface).
pub(super) fn met(side: &str, a: &Analysis, packets: &PacketSet) -> Vec<Met> {
    let mut out = Vec::new();
    for p in carrying(a, packets) {
        for leaf in std::iter::once(&p.forward).chain(p.back.as_ref()) {
            out.extend(leaf_mets(side, leaf));
        }
    }
    out
}

/// One path of a walk from a subnet, as much of it as explains a change.
struct TracePath {
    /// What the forward leaf carries (original packets), and their sources.
    forward: PacketSet,
    forward_src: IntervalSet,
    /// The reply's leaf: what it carries and its sources (whose reply it is).
    back: Option<(PacketSet, IntervalSet)>,
    /// The hops at the resources asked about, forward then reply, each with
    /// the sources it is of (`None`: every packet of its leaf).
    mets: Vec<(Met, Option<IntervalSet>)>,
    /// A leaf became unknown: why may depend on every member's packets (a
    /// rule of a group matching some of them; the first member's groups at
    /// the source), which a member's own walk would not name.
    unknown: bool,
}

/// What a walk from several interfaces at once met at the resources asked
/// about ([`Trace::of`]).
pub(super) struct Trace {
    paths: Vec<TracePath>,
}

/// Whether `because` reads a hop: one at a changed resource (`relevant`),
/// or one whose line says it became unknown (` unknown: `, which a line
/// `{component} {action} {rule}` holds only through its rule: IDs and
/// actions have no spaces).
fn read(relevant: &HashMap<&str, Vec<usize>>, h: &Hop) -> bool {
    relevant.contains_key(h.component.as_str())
        || h.rule.contains(" unknown: ")
        || h.rule.starts_with("unknown: ")
}

impl Trace {
    /// The paths of `a` (a walk toward interface `dst`) that met one of
    /// `relevant` (by component ID) or became unknown, with their hops
    /// there (`side`: "before" or "after").
    pub(super) fn of(
        side: &str,
        a: &Analysis,
        relevant: &HashMap<&str, Vec<usize>>,
        dst: &str,
    ) -> Trace {
        let mut paths = Vec::new();
        for p in &a.paths {
            let mut mets: Vec<(Met, Option<IntervalSet>)> = Vec::new();
            let mut unknown = false;
            for leaf in std::iter::once(&p.forward).chain(p.back.as_ref()) {
                for h in &leaf.hops {
                    if h.action != "allow-stateful" && read(relevant, h) {
                        mets.push((hop_met(side, leaf, h), h.sources.clone()));
                    }
                }
                match &leaf.end {
                    // Packets that got to the destination itself and stop
                    // there unknown (a load balancer forwarding them, an
                    // appliance): why is the destination's alone, the same
                    // for every member's packets (`engine::walk`'s
                    // invariant): read here as its own walk lists it.
                    End::Unknown { component, .. }
                        if component == dst && leaf.direction == Direction::Forward =>
                    {
                        mets.extend(end_met(side, leaf).map(|m| (m, None)));
                    }
                    // Its sources are explained by their own walks
                    // ([`Trace::explains`]): its reason is never read here.
                    End::Unknown { .. } => unknown = true,
                    _ => {}
                }
            }
            if mets.is_empty() && !unknown {
                continue;
            }
            paths.push(TracePath {
                forward: p.forward.flow.some.clone(),
                forward_src: p.forward.flow.some.project(Field::Src),
                back: p
                    .back
                    .as_ref()
                    .map(|b| (b.flow.some.clone(), b.flow.some.project(Field::Src))),
                mets,
                unknown,
            });
        }
        Trace { paths }
    }

    /// The paths of the interface at `src` (its forward packets, and its
    /// own replies).
    fn of_source<'t>(&'t self, src: &'t IntervalSet) -> impl Iterator<Item = &'t TracePath> {
        let meets = |s: &IntervalSet| s.overlaps(src);
        self.paths
            .iter()
            .filter(move |p| meets(&p.forward_src) && p.back.as_ref().is_none_or(|(_, s)| meets(s)))
    }

    /// Whether the interface at `src` can be explained from here: not when
    /// some of its packets became unknown ([`TracePath::unknown`]).
    pub(super) fn explains(&self, src: &IntervalSet) -> bool {
        !self.of_source(src).any(|p| p.unknown)
    }

    /// The hops `packets` (of the interface at `src` only) met, as its own
    /// walk would list them ([`met`]): of the hops that only some members'
    /// packets met ([`Hop::sources`]: a rule of a security group or a
    /// network ACL entry), those its own packets met.
    pub(super) fn met(&self, src: &IntervalSet, packets: &PacketSet) -> Vec<Met> {
        let mut out = Vec::new();
        for p in self.of_source(src) {
            let carries = p.forward.overlaps(packets)
                || p.back.as_ref().is_some_and(|(b, _)| b.overlaps(packets));
            if !carries {
                continue;
            }
            for (m, sources) in &p.mets {
                if sources.as_ref().is_none_or(|s| s.overlaps(src)) {
                    out.push(m.clone());
                }
            }
        }
        out
    }
}
