//! The `who`-based kinds: `must_not_reach`, `no_exposure` and access
//! analyzer scopes (nothing the sources send gets there and back, except
//! what is excluded) and `only` (every source `who` finds is allowed).

use crate::assert::error::AssertError;
use crate::assert::policy::{Kind, Service};
use crate::assert::select::{self, Resolved, Target};
use crate::engine::{DstSpec, EngineError, Query, QueryOptions, SrcSpec};
use crate::hs::{Field, PacketSet};
use crate::model::{Network, Protocol};
use crate::who::{self, Ask, From};

use super::context::{Cx, flow_label, protocol_for};
use super::narrow::{Excluded, Narrow};
use super::results::{EXPLAINED_PER_ASSERTION, Finding, Packet, Status};
use super::witness::{allowing, witness_check};

/// How a found source class is named in a flow class, and the query
/// source of its witness.
fn found_source(net: &Network, f: &who::Found, w: &Packet) -> (String, SrcSpec, QueryOptions) {
    match &f.source {
        who::Source::Internet => (
            "internet".into(),
            SrcSpec::Ip(w.src),
            QueryOptions::default(),
        ),
        who::Source::Access { endpoint, group } => {
            let groups = f
                .analysis
                .query
                .users
                .iter()
                .find(|u| &u.label == group)
                .map(|u| u.groups.clone())
                .unwrap_or_default();
            (
                format!(
                    "client[{endpoint}:{}]",
                    group.as_deref().unwrap_or("no group")
                ),
                SrcSpec::Client,
                QueryOptions {
                    groups,
                    via: Some(endpoint.clone()),
                    ..QueryOptions::default()
                },
            )
        }
        who::Source::Interfaces { enis, .. } => {
            let id = enis
                .iter()
                .find(|id| net.interfaces.get(*id).is_some_and(|i| i.has_ip(w.src)))
                .or(enis.first())
                .cloned()
                .unwrap_or_default();
            (id.clone(), SrcSpec::Eni(id), QueryOptions::default())
        }
    }
}

/// A finding for packets `bad` (they get there and back) or `undecided`
/// of `found` to `t`.
#[allow(clippy::too_many_arguments)]
fn who_finding(
    net: &Network,
    found: &who::Found,
    t: &Target,
    svc: Service,
    bad: &PacketSet,
    undecided: &PacketSet,
    explain: bool,
    what: &str,
) -> Option<Finding> {
    let (status, set) = if !bad.is_empty() {
        (Status::Violated, bad)
    } else if !undecided.is_empty() {
        (Status::Unknown, undecided)
    } else {
        return None;
    };
    let w = Packet::sample(set)?;
    let (label, src, opts) = found_source(net, found, &w);
    let flow = flow_label(&label, t, svc, found.protocol);
    let analysis = if explain {
        witness_check(net, &src, t, &w, opts)
    } else {
        None
    };
    let (resource, rule) = analysis.as_deref().map(allowing).unwrap_or_default();
    let message = match status {
        Status::Unknown => {
            format!("`{flow}`: the input cannot decide whether {w} gets there and back")
        }
        _ => format!(
            "`{flow}` {what}: e.g. {w}{}",
            match (&resource, &rule) {
                (Some(r), Some(x)) => format!(" (allowed by {r} {x})"),
                (Some(r), None) => format!(" (through {r})"),
                _ => String::new(),
            }
        ),
    };
    Some(Finding {
        status,
        flow,
        message,
        witness: Some(w),
        resource,
        rule,
        analysis: analysis.or_else(|| Some(found.analysis.clone())),
    })
}

/// The `From` that covers what `r` names, at the least cost.
fn from_of(r: &Resolved) -> Vec<From> {
    let inet = r.internet || !r.cidrs.is_empty();
    let client = !r.clients.is_empty();
    let enis = !r.enis.is_empty() || !r.cidrs.is_empty();
    match (inet, client, enis) {
        (true, false, false) => vec![From::Internet],
        (false, true, false) => vec![From::Client],
        (false, false, true) if r.enis.len() <= 8 => r
            .enis
            .iter()
            .map(|e| From::Source(SrcSpec::Eni(e.clone())))
            .collect(),
        (false, false, true) => vec![From::Interfaces],
        _ => vec![From::All],
    }
}

/// `who` of one target address: an interface at this one of its addresses
/// (only what is delivered to it counts there, as `reach who` asks it), or
/// an address no interface holds.
fn ask_target(
    net: &Network,
    t: &Target,
    protocol: Protocol,
    ports: (u16, u16),
    from: From,
) -> Result<who::Answer, EngineError> {
    let by_id = t.eni.as_ref().map(|id| DstSpec::Eni(id.clone()));
    let (dst, at) = match by_id {
        Some(d) if Query::resolve_destination(net, &d).is_ok() => (d, Some(t.ip)),
        _ => (t.spec(), None),
    };
    let ask = Ask {
        dst,
        services: vec![(protocol, ports)],
        from,
    };
    who::who_at(net, &ask, at)
}

/// `must_not_reach`, `no_exposure` and access analyzer scopes: nothing the
/// sources send gets there and back, except what `except` lists.
pub(super) fn forbid(net: &Network, cx: &Cx) -> Result<(usize, Vec<Finding>), AssertError> {
    let a = cx.a;
    let from = cx.resolve(net, &a.from, "from")?;
    if from.sources(net).is_empty() && from.enis.is_empty() {
        return Err(cx.field("from", "selects no source in the input"));
    }
    let targets = if a.to.is_empty() {
        net.interfaces
            .values()
            .flat_map(Target::of_interface)
            .collect()
    } else {
        let to = cx.resolve(net, &a.to, "to")?;
        cx.targets(net, &to, "to")?
    };
    let narrow = Narrow::new(net, cx)?;
    let excluded = Excluded::new(net, cx)?;
    let what = if a.kind == Kind::NoExposure {
        "is exposed to the internet"
    } else {
        "gets there and back"
    };
    let froms = from_of(&from);
    let mut checked = 0;
    let mut findings = Vec::new();
    for t in &targets {
        if excluded.whole_target(t) {
            continue;
        }
        let dst_ip = t.ip;
        for svc in &a.services {
            let proto = protocol_for(svc.protocol, dst_ip);
            for f in &froms {
                let answer = match ask_target(net, t, proto, svc.ports, f.clone()) {
                    Ok(x) => x,
                    // A source of another address family than the target.
                    Err(_) if matches!(f, From::Source(_)) => continue,
                    Err(e) => return Err(cx.engine(e)),
                };
                checked += 1;
                // `who` on an interface also answers for its other addresses:
                // each target address is its own target here.
                for found in answer.found.iter().filter(|f| f.dst == dst_ip) {
                    let m = from.source_addresses(net, &found.source, &found.analysis.query.users);
                    if m.is_empty() {
                        continue;
                    }
                    let pick = |s: &PacketSet| {
                        let s = narrow.apply(&s.restrict(Field::Src, &m), found.protocol);
                        excluded.remove(net, &s, found, t)
                    };
                    let bad = pick(&found.reach.some);
                    let und = pick(&found.reach.undecided);
                    push_per_eni(net, &mut findings, found, t, *svc, &bad, &und, what);
                }
            }
        }
    }
    Ok((checked, findings))
}

/// Findings for `found`: one per interface of an interface class, else one.
#[allow(clippy::too_many_arguments)]
fn push_per_eni(
    net: &Network,
    findings: &mut Vec<Finding>,
    found: &who::Found,
    t: &Target,
    svc: Service,
    bad: &PacketSet,
    und: &PacketSet,
    what: &str,
) {
    match &found.source {
        who::Source::Interfaces { enis, .. } if enis.len() > 1 => {
            for id in enis {
                let Some(i) = net.interfaces.get(id) else {
                    continue;
                };
                let addrs = select::eni_addresses(i);
                let b = bad.restrict(Field::Src, &addrs);
                let u = und.restrict(Field::Src, &addrs);
                let explain = findings.len() < EXPLAINED_PER_ASSERTION;
                if let Some(f) = who_finding(net, found, t, svc, &b, &u, explain, what) {
                    findings.push(f);
                }
            }
        }
        _ => {
            let explain = findings.len() < EXPLAINED_PER_ASSERTION;
            if let Some(f) = who_finding(net, found, t, svc, bad, und, explain, what) {
                findings.push(f);
            }
        }
    }
}

/// `only`: every source `who` finds is one of the allowed.
pub(super) fn only(net: &Network, cx: &Cx) -> Result<(usize, Vec<Finding>), AssertError> {
    let a = cx.a;
    let allowed = cx.resolve(net, &a.allowed, "allowed")?;
    let to = cx.resolve(net, &a.to, "to")?;
    let targets = cx.targets(net, &to, "to")?;
    let mut checked = 0;
    let mut findings = Vec::new();
    for t in &targets {
        let dst_ip = t.ip;
        for svc in &a.services {
            let proto = protocol_for(svc.protocol, dst_ip);
            let answer =
                ask_target(net, t, proto, svc.ports, From::All).map_err(|e| cx.engine(e))?;
            checked += 1;
            for found in answer.found.iter().filter(|f| f.dst == dst_ip) {
                let ok = allowed.source_addresses(net, &found.source, &found.analysis.query.users);
                let bad = found
                    .reach
                    .some
                    .difference(&found.reach.some.restrict(Field::Src, &ok));
                let und = found
                    .reach
                    .undecided
                    .difference(&found.reach.undecided.restrict(Field::Src, &ok));
                push_per_eni(
                    net,
                    &mut findings,
                    found,
                    t,
                    *svc,
                    &bad,
                    &und,
                    "is not an allowed source but gets there and back",
                );
            }
        }
    }
    Ok((checked, findings))
}
