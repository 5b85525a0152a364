//! The one entry point: answers a query. Walks forward from the source,
//! then every arrival back, and tallies what got there and back; a `client`
//! query goes through its access endpoints first (`client.rs`).

mod client;

use std::collections::BTreeSet;

use crate::hs::PacketSet;
use crate::model::Network;

use crate::engine::access::users_and_decisions;
use crate::engine::analysis::{Analysis, Cause, End, Leaf, Path, Verdict};
use crate::engine::flow::Flow;
use crate::engine::query::{EngineError, Query, QueryOptions, QuerySpec, Start};
use crate::engine::walk;

/// Where a reply must arrive for the connection to work.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Back {
    /// The requesting interface (or Client VPN association).
    Eni(String),
    /// A host on the internet.
    Internet,
}

impl Query {
    /// Resolves with only a source-port override.
    pub fn resolve(
        net: &Network,
        spec: QuerySpec,
        src_ports: Option<(u16, u16)>,
    ) -> Result<Query, EngineError> {
        Query::resolve_with(
            net,
            spec,
            &QueryOptions {
                src_ports,
                ..QueryOptions::default()
            },
        )
    }

    /// Resolves `spec` against `net`. For `client`, also who asks: every
    /// combination of the named groups, in classes every endpoint treats
    /// alike, and the Verified Access decision for each (only endpoints that
    /// can deliver to the destination decide; another's policy is not
    /// evaluated).
    pub fn resolve_with(
        net: &Network,
        spec: QuerySpec,
        opts: &QueryOptions,
    ) -> Result<Query, EngineError> {
        let mut query = Query::resolve_place(net, spec, opts)?;
        if let Start::Client { endpoints } = &query.start {
            (query.users, query.va_decisions) =
                users_and_decisions(net, endpoints, query.dst_ip, opts)?;
        }
        Ok(query)
    }
}

/// Answers one query: walks forward from the source, then every arrival back.
pub fn check(net: &Network, query: Query) -> Analysis {
    check_within(net, query, None)
}

/// Answers a query for only its packets inside `only` (e.g. one packet, to
/// replay a counterexample the prover found). Same walk as [`check`].
pub fn check_packets(net: &Network, query: Query, only: &PacketSet) -> Analysis {
    check_within(net, query, Some(only))
}

fn check_within(net: &Network, query: Query, only: Option<&PacketSet>) -> Analysis {
    let back_to = match &query.start {
        Start::Client { endpoints } => {
            let endpoints = endpoints.clone();
            return client::check_client(net, query, &endpoints, only);
        }
        Start::Interface { eni, .. } => Back::Eni(eni.clone()),
        Start::Internet { .. } => Back::Internet,
    };
    let packets = match only {
        Some(o) => query.packets().intersect(o),
        None => query.packets(),
    };
    let mut assumptions: BTreeSet<String> = query.assumptions.iter().cloned().collect();
    let forward = walk::forward(net, &query, Flow::new(packets.clone()), &mut assumptions);
    let paths = finish_paths(net, &query, forward, &back_to, &mut assumptions);
    let (verdict, reachable, reachable_some, undecided) = tally(&packets, &paths);
    Analysis {
        query,
        verdict,
        packets,
        reachable,
        reachable_some,
        undecided,
        paths,
        access: Vec::new(),
        assumptions: assumptions.into_iter().collect(),
    }
}

/// Turns forward leaves into paths: each arrival is walked back, and the reply
/// must reach `back_to`.
fn finish_paths(
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

/// The verdict over `packets`, and the packets that get there and back
/// (for every network choice, for some) and those left undecided.
pub(crate) fn tally(
    packets: &PacketSet,
    paths: &[Path],
) -> (Verdict, PacketSet, PacketSet, PacketSet) {
    let mut reachable_some = PacketSet::empty();
    let mut undecided = PacketSet::empty();
    let mut through = Vec::new();
    for p in paths {
        let last = p.back.as_ref().unwrap_or(&p.forward);
        match (&last.end, p.verdict) {
            (End::Unknown { .. }, _) => undecided = undecided.union(&last.flow.some),
            (_, Verdict::Reachable | Verdict::Partial) => {
                through.push(&last.flow);
                reachable_some = reachable_some.union(&last.flow.some);
            }
            _ => {}
        }
    }
    // Every network choice covered, possibly by different leaves.
    let mut reachable = Flow::all_of_union(&through);
    reachable.coalesce();
    reachable_some.coalesce();
    let mut verdict = Verdict::of(packets, &reachable, &reachable_some);
    if verdict != Verdict::Reachable && !undecided.is_empty() {
        verdict = Verdict::Unknown;
    }
    (verdict, reachable, reachable_some, undecided)
}
