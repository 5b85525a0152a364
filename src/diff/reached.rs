//! What reaches one destination as `diff` compares it: `who`'s answer per
//! source (each interface on its own) and protocol.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::engine::{Analysis, DstSpec, EngineError};
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{Network, Protocol};
use crate::who::{self, Ask, Found, From, Source};

use super::trace::Trace;

pub(super) fn point(ip: IpAddr) -> IntervalSet {
    IntervalSet::from_interval(Interval::point(hs::addr(ip)))
}

/// What reaches one destination, per (source key, protocol): the packets
/// that get there and back for some network choice, those undecided, the
/// source class and the answer.
/// Protocols and ports (ICMP types) asked.
pub(super) type Services = Vec<(Protocol, (u16, u16))>;

pub(super) type Reached = BTreeMap<(String, u8), Entry>;

/// What reaches a destination from one source on one protocol.
pub(super) struct Entry {
    /// The destination's address asked.
    pub(super) to: IpAddr,
    /// The packets that get there and back for some network choice.
    pub(super) some: PacketSet,
    pub(super) undecided: PacketSet,
    /// Shared: the same class is the source of many flows.
    pub(super) source: Arc<Source>,
    /// The answers they were read from (walks of the source's own; none
    /// from a walk of its whole subnet: `bulk`).
    pub(super) answers: Vec<Arc<Analysis>>,
    /// From a walk of the source's whole subnet (`bulk`): what it met at
    /// the changed resources, to explain a change without walking again;
    /// `None` when that walk cannot (it stopped at the internet,
    /// `Query::closed_outside`): the source's own walks explain it.
    pub(super) trace: Option<Arc<Trace>>,
}

/// Adds `v` to `out`: a key asked on several port ranges of one protocol
/// (`diff` narrowed to the ports a change touches, `synth`'s services) holds
/// the union of their packets and every answer (one would overwrite the
/// other's packets otherwise).
pub(super) fn merge(out: &mut Reached, key: (String, u8), v: Entry) {
    match out.get_mut(&key) {
        Some(have) => {
            have.some = have.some.union(&v.some);
            have.undecided = have.undecided.union(&v.undecided);
            have.answers.extend(v.answers);
            // Two walks: their own walks explain it.
            have.trace = None;
        }
        None => {
            out.insert(key, v);
        }
    }
}

pub(super) fn proto_number(p: Protocol) -> u8 {
    match p {
        Protocol::Number(n) => n,
        Protocol::All => 255,
    }
}

/// Every source of `dst` in `net`, interfaces one by one.
pub(super) fn reached(
    net: &Network,
    dst: &str,
    services: &[(Protocol, (u16, u16))],
    from: From,
) -> Result<Reached, EngineError> {
    reached_at(net, dst, services, from, None)
}

/// [`reached`], at the destination's address `at` only when given.
pub(super) fn reached_at(
    net: &Network,
    dst: &str,
    services: &[(Protocol, (u16, u16))],
    from: From,
    at: Option<IpAddr>,
) -> Result<Reached, EngineError> {
    let ask = Ask {
        dst: DstSpec::Eni(dst.to_string()),
        services: services.to_vec(),
        from,
    };
    let answer = who::who_at(net, &ask, at)?;
    let mut out = Reached::new();
    for f in answer.found {
        let Found {
            source,
            dst: to,
            protocol,
            reach,
            analysis,
            ..
        } = f;
        let p = proto_number(protocol);
        match &source {
            Source::Interfaces {
                vpc,
                subnet,
                groups,
                enis,
            } => {
                for e in enis {
                    // The member's address of this answer's family (the
                    // target's IPv6 address is reached from IPv6 sources).
                    let Some(ip) = net.interfaces.get(e).and_then(|i| i.address_like(to)) else {
                        continue;
                    };
                    let one = Source::Interfaces {
                        vpc: vpc.clone(),
                        subnet: subnet.clone(),
                        groups: groups.clone(),
                        enis: vec![e.clone()],
                    };
                    merge(
                        &mut out,
                        (format!("eni {e} to {to}"), p),
                        Entry {
                            to,
                            some: reach.some.restrict(Field::Src, &point(ip)),
                            undecided: reach.undecided.restrict(Field::Src, &point(ip)),
                            source: Arc::new(one),
                            answers: vec![analysis.clone()],
                            trace: None,
                        },
                    );
                }
            }
            _ => {
                merge(
                    &mut out,
                    (format!("{} to {to}", source.key()), p),
                    Entry {
                        to,
                        some: reach.some,
                        undecided: reach.undecided,
                        source: Arc::new(source),
                        answers: vec![analysis],
                        trace: None,
                    },
                );
            }
        }
    }
    Ok(out)
}
