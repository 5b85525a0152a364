//! What reaches one destination as `diff` compares it: `who`'s answer per
//! source (each interface on its own) and protocol.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::engine::{Analysis, DstSpec, EngineError};
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{Network, Protocol};
use crate::who::{self, Ask, Found, From, Source};

pub(super) fn point(ip: IpAddr) -> IntervalSet {
    IntervalSet::from_interval(Interval::point(hs::addr(ip)))
}

/// What reaches one destination, per (source key, protocol): the packets
/// that get there and back for some network choice, those undecided, the
/// source class and the answer.
/// Protocols and ports (ICMP types) asked.
pub(super) type Services = Vec<(Protocol, (u16, u16))>;

pub(super) type Reached =
    BTreeMap<(String, u8), (IpAddr, PacketSet, PacketSet, Source, Vec<Arc<Analysis>>)>;

/// Adds `v` to `out`: a key asked on several port ranges of one protocol
/// (`diff` narrowed to the ports a change touches, `synth`'s services) holds
/// the union of their packets and every answer (one would overwrite the
/// other's packets otherwise).
pub(super) fn merge(
    out: &mut Reached,
    key: (String, u8),
    v: (IpAddr, PacketSet, PacketSet, Source, Vec<Arc<Analysis>>),
) {
    match out.get_mut(&key) {
        Some(have) => {
            have.1 = have.1.union(&v.1);
            have.2 = have.2.union(&v.2);
            have.4.extend(v.4);
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
                        (
                            to,
                            reach.some.restrict(Field::Src, &point(ip)),
                            reach.undecided.restrict(Field::Src, &point(ip)),
                            one,
                            vec![analysis.clone()],
                        ),
                    );
                }
            }
            _ => {
                merge(
                    &mut out,
                    (format!("{} to {to}", source.key()), p),
                    (to, reach.some, reach.undecided, source, vec![analysis]),
                );
            }
        }
    }
    Ok(out)
}
