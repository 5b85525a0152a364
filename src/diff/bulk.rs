//! What reaches many destinations at once, as `diff` compares it: the
//! internet and access users one walk per destination (a few), interfaces
//! one walk per source class and service toward every destination's
//! addresses together, each destination's share read off that walk. The
//! same packets as asking `who` of each destination ([`super::reached`]),
//! for a walk per class instead of a walk per class and destination.
//!
//! Must not know output or file formats.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use rayon::prelude::*;

use crate::engine::{self, DstSpec, End, EngineError, Path, Query};
use crate::hs::{self, Field, IntervalSet};
use crate::model::{Network, Protocol};
use crate::who::{self, From, Source};


use super::{Reached, point, proto_number, reached};

/// One address of a destination asked in a batch.
struct Target<'a> {
    dst: &'a str,
    to: IpAddr,
    /// The destination's primary address: only its own arrivals count (as
    /// `who` asks it, by interface); its other addresses (public, IPv6) are
    /// asked as addresses.
    primary: bool,
}

/// Destinations asked together: one protocol and port range, one address
/// family, no address twice (a destination's share is read by address).
struct Batch<'a> {
    protocol: Protocol,
    ports: (u16, u16),
    targets: Vec<Target<'a>>,
}

/// [`reached`] of every destination of `dsts` in `net` (those not in `net`
/// are left out): from every source (`these` = `None`, `From::All`), or
/// from interfaces by ID, each destination `d` from those of `these[d]`
/// (`From::These`).
pub(super) fn reached_many(
    net: &Network,
    dsts: &[&String],
    services: &[(Protocol, (u16, u16))],
    these: Option<&BTreeMap<&String, Vec<String>>>,
) -> Result<BTreeMap<String, Reached>, EngineError> {
    let dsts: Vec<&String> = dsts
        .iter()
        .copied()
        .filter(|d| net.interfaces.contains_key(*d))
        .collect();
    let mut out: BTreeMap<String, Reached> = BTreeMap::new();
    if these.is_none() {
        let others: Vec<Result<(String, Reached), EngineError>> = dsts
            .par_iter()
            .map(|d| {
                let mut r = reached(net, d, services, From::Internet)?;
                let has_access =
                    !net.client_vpn_endpoints.is_empty() || !net.va_endpoints.is_empty();
                if has_access {
                    r.extend(reached(net, d, services, From::Client)?);
                }
                Ok(((*d).clone(), r))
            })
            .collect();
        for r in others {
            let (d, r) = r?;
            out.insert(d, r);
        }
    }
    let members: Option<BTreeSet<&String>> = these.map(|t| t.values().flatten().collect());
    // One walk per place (the classes of one subnet, each member through
    // its own groups: `engine::source_places`).
    let mut classes: Vec<Vec<String>> = engine::source_places(net)
        .into_iter()
        .map(|g| g.into_iter().flat_map(|(_, c)| c).collect())
        .collect();
    if let Some(m) = &members {
        for c in &mut classes {
            c.retain(|e| m.contains(&e));
        }
        classes.retain(|c| !c.is_empty());
    }
    let batches = batches(net, &dsts, services);
    let jobs: Vec<(&Vec<String>, &Batch)> = classes
        .iter()
        .flat_map(|c| batches.iter().map(move |b| (c, b)))
        .collect();
    let shares: Vec<Result<Vec<(String, Reached)>, EngineError>> = jobs
        .par_iter()
        .map(|(class, batch)| class_toward(net, class, batch))
        .collect();
    for s in shares {
        for (d, r) in s? {
            let keep = these.and_then(|t| t.get(&d));
            let into = out.entry(d).or_default();
            for (k, v) in r {
                let Source::Interfaces { enis, .. } = &v.3 else {
                    continue;
                };
                if keep.is_some_and(|ids| !enis.iter().all(|e| ids.contains(e))) {
                    continue;
                }
                into.insert(k, v);
            }
        }
    }
    Ok(out)
}

/// The destinations' addresses (as `who` asks them: the primary private
/// address, each public IPv4 address, the first IPv6 address) and services,
/// in batches.
fn batches<'a>(
    net: &Network,
    dsts: &[&'a String],
    services: &[(Protocol, (u16, u16))],
) -> Vec<Batch<'a>> {
    let mut out: Vec<Batch<'a>> = Vec::new();
    for d in dsts {
        let i = &net.interfaces[*d];
        let Some(primary) = i.primary_ip() else {
            continue;
        };
        let mut addresses = vec![(primary, true)];
        for p in i.private_ips.iter().filter_map(|p| p.public) {
            addresses.push((p, false));
        }
        if let Some(v6) = i.ipv6.first() {
            addresses.push((*v6, false));
        }
        for (to, is_primary) in addresses {
            for (protocol, ports) in who::services_toward(services, to) {
                let t = Target {
                    dst: d.as_str(),
                    to,
                    primary: is_primary,
                };
                let fits = |b: &Batch| {
                    b.protocol == protocol
                        && b.ports == ports
                        && b.targets[0].to.is_ipv4() == to.is_ipv4()
                        && b.targets.iter().all(|x| x.to != to)
                };
                match out.iter_mut().find(|b| fits(b)) {
                    Some(b) => b.targets.push(t),
                    None => out.push(Batch {
                        protocol,
                        ports,
                        targets: vec![t],
                    }),
                }
            }
        }
    }
    out
}

/// What one class of interfaces gets to each target of `batch`: one walk
/// toward all of them, each target's packets read off it.
fn class_toward(
    net: &Network,
    class: &[String],
    batch: &Batch,
) -> Result<Vec<(String, Reached)>, EngineError> {
    let first = &batch.targets[0];
    let Some(q) = Query::from_class(
        net,
        class,
        DstSpec::Ip(first.to),
        batch.protocol,
        batch.ports,
    )?
    else {
        return Ok(Vec::new());
    };
    let tos = batch
        .targets
        .iter()
        .fold(IntervalSet::empty(), |s, t| s.union(&point(t.to)));
    let a = Arc::new(engine::check(net, q.toward(tos)));
    let everything = a.reach();
    if everything.some.is_empty() && everything.undecided.is_empty() {
        return Ok(Vec::new());
    }
    // Paths by the interface their packets arrived at; the rest (unknown,
    // left for the internet) count for every target, by address.
    let mut arrived: HashMap<&str, Vec<&Path>> = HashMap::new();
    let mut rest: Vec<&Path> = Vec::new();
    for p in &a.paths {
        match &p.forward.end {
            End::Arrived { eni } => arrived.entry(eni.as_str()).or_default().push(p),
            _ => rest.push(p),
        }
    }
    let p = proto_number(batch.protocol);
    let mut out: BTreeMap<String, Reached> = BTreeMap::new();
    for t in &batch.targets {
        let to = point(t.to);
        let (some, undecided) = if t.primary {
            let own = arrived.get(t.dst).into_iter().flatten().copied();
            let r = engine::reach_of(own.chain(rest.iter().copied()));
            (r.some.restrict(Field::Dst, &to), r.undecided.restrict(Field::Dst, &to))
        } else {
            (
                everything.some.restrict(Field::Dst, &to),
                everything.undecided.restrict(Field::Dst, &to),
            )
        };
        if some.is_empty() && undecided.is_empty() {
            continue;
        }
        let got = some.project(Field::Src).union(&undecided.project(Field::Src));
        for e in class {
            // The target is no source of its own reach (nor is another
            // holder of its address).
            if e == t.dst {
                continue;
            }
            let Some(i) = net.interfaces.get(e) else {
                continue;
            };
            if i.has_ip(t.to) {
                continue;
            }
            let Some(ip) = i.address_like(t.to) else {
                continue;
            };
            if !got.contains(hs::addr(ip)) {
                continue;
            }
            let mut groups = i.groups.clone();
            groups.sort();
            let src = point(ip);
            out.entry(t.dst.to_string()).or_default().insert(
                (format!("eni {e} to {}", t.to), p),
                (
                    t.to,
                    some.restrict(Field::Src, &src),
                    undecided.restrict(Field::Src, &src),
                    Source::Interfaces {
                        vpc: i.vpc.clone(),
                        subnet: i.subnet.clone(),
                        groups,
                        enis: vec![e.clone()],
                    },
                    a.clone(),
                ),
            );
        }
    }
    Ok(out.into_iter().collect())
}

