//! The one entry point: answers a query. Walks forward from the source,
//! then every arrival back, and tallies what got there and back; a `client`
//! query goes through its access endpoints first (`client.rs`).

mod client;
mod paths;

use std::collections::BTreeSet;

use crate::hs::PacketSet;
use crate::model::Network;

use crate::engine::access::users_and_decisions;
use crate::engine::analysis::Analysis;
use crate::engine::flow::Flow;
use crate::engine::query::{EngineError, Query, QueryOptions, QuerySpec, Start};
use crate::engine::walk;

use paths::{Back, finish_paths, tally};

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
        Start::Interface { eni, also, .. } if !also.is_empty() => Back::Class(
            std::iter::once(eni.clone())
                .chain(also.iter().map(|(e, _)| e.clone()))
                .collect(),
        ),
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
    let (verdict, reach) = tally(&packets, &paths);
    Analysis {
        query,
        verdict,
        packets,
        reachable: reach.all,
        reachable_some: reach.some,
        undecided: reach.undecided,
        paths,
        access: Vec::new(),
        assumptions: assumptions.into_iter().collect(),
    }
}
