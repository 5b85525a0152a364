//! From leaves to paths: each arrival walked back, the reply checked
//! against where it must arrive; and from paths to what they carry there
//! and back.

use std::collections::BTreeSet;

use crate::engine::analysis::{Cause, End, Leaf, Path, Reach, Verdict};
use crate::engine::flow::Flow;
use crate::engine::query::Query;
use crate::engine::walk;
use crate::hs::{Field, PacketSet};
use crate::model::Network;

/// Where a reply must arrive for the connection to work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Back {
    /// The requesting interface (or Client VPN association).
    Eni(String),
    /// A host on the internet.
    Internet,
    /// Any interface of a class of sources asked together (each reply is
    /// delivered by its destination address, so to the member that sent it).
    Class(Vec<String>),
}

/// Turns forward leaves into paths: each arrival is walked back, and the reply
/// must reach `back_to`.
pub(super) fn finish_paths(
    net: &Network,
    query: &Query,
    forward: Vec<Leaf>,
    back_to: &Back,
    assumptions: &mut BTreeSet<String>,
) -> Vec<Path> {
    let mut paths = Vec::new();
    for leaf in forward {
        let arrived = match &leaf.end {
            End::Arrived { eni } => match &query.dst_eni {
                Some(want) if want != eni => {
                    let mut l = leaf.clone();
                    l.end = End::Dropped(Cause::OtherInterface {
                        reached: eni.clone(),
                        expected: want.clone(),
                    });
                    paths.push(Path {
                        verdict: Verdict::Unreachable,
                        forward: l,
                        back: None,
                        via: None,
                    });
                    continue;
                }
                _ => true,
            },
            End::Internet => true,
            _ => false,
        };
        if !arrived {
            paths.push(Path {
                verdict: if matches!(leaf.end, End::Unknown { .. }) {
                    Verdict::Unknown
                } else {
                    Verdict::Unreachable
                },
                forward: leaf,
                back: None,
                via: None,
            });
            continue;
        }
        for mut b in walk::back(net, query, &leaf, assumptions) {
            let elsewhere = match (&b.end, back_to) {
                (End::Arrived { eni }, Back::Eni(src)) if eni != src => Some(eni.clone()),
                (End::Arrived { eni }, Back::Internet) => Some(eni.clone()),
                (End::Arrived { eni }, Back::Class(members)) if !members.contains(eni) => {
                    Some(eni.clone())
                }
                (End::Internet, Back::Class(_)) => Some("internet".to_string()),
                (End::Internet, Back::Eni(_)) => Some("internet".to_string()),
                _ => None,
            };
            if let Some(reached) = elsewhere {
                b.end = End::Dropped(Cause::ReturnElsewhere { reached });
            }
            let ok = matches!(b.end, End::Arrived { .. } | End::Internet);
            let verdict = if ok {
                Verdict::of(&leaf.flow.some, &b.flow.all, &b.flow.some)
            } else if matches!(b.end, End::Unknown { .. }) {
                Verdict::Unknown
            } else {
                Verdict::Unreachable
            };
            paths.push(Path {
                verdict,
                forward: leaf.clone(),
                back: Some(b),
                via: None,
            });
        }
    }
    paths
}

/// What `paths` carry there and back: the packets that get there and back
/// (for every network choice, for some) and those left undecided.
pub(super) fn reach<'p>(paths: impl IntoIterator<Item = &'p Path>) -> Reach {
    let mut unknown = Vec::new();
    let mut through = Vec::new();
    for p in paths {
        let last = p.back.as_ref().unwrap_or(&p.forward);
        match (&last.end, p.verdict) {
            (End::Unknown { .. }, _) => unknown.push(&last.flow.some),
            (_, Verdict::Reachable | Verdict::Partial) => through.push(&last.flow),
            _ => {}
        }
    }
    // Many paths (a walk toward many destinations) differ in destination:
    // unions grouped by it.
    let undecided = PacketSet::union_all(unknown, Field::Dst);
    let mut some = PacketSet::union_all(through.iter().map(|f| &f.some), Field::Dst);
    // Every network choice covered, possibly by different leaves.
    let mut all = Flow::all_of_union(&through);
    all.coalesce();
    some.coalesce();
    Reach {
        all,
        some,
        undecided,
    }
}

/// The verdict over `packets` of `paths`, and what they carry.
pub(super) fn tally(packets: &PacketSet, paths: &[Path]) -> (Verdict, Reach) {
    let reach = reach(paths);
    let mut verdict = Verdict::of(packets, &reach.all, &reach.some);
    if verdict != Verdict::Reachable && !reach.undecided.is_empty() {
        verdict = Verdict::Unknown;
    }
    (verdict, reach)
}
