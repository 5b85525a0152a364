//! `must_reach`: every flow class from the sources to the targets, each
//! asked of `engine::check`, gets there and back.

use std::sync::Arc;

use crate::assert::error::AssertError;
use crate::assert::select::{Source, Target};
use crate::engine::{self, Query, QueryOptions, QuerySpec, SrcSpec, Start, Verdict};
use crate::model::Network;

use super::context::{Cx, flow_label, protocol_for};
use super::results::{EXPLAINED_PER_ASSERTION, Finding, Packet, Status};
use super::witness::{blocking, witness_check};

pub(super) fn must_reach(net: &Network, cx: &Cx) -> Result<(usize, Vec<Finding>), AssertError> {
    let a = cx.a;
    let from = cx.resolve(net, &a.from, "from")?;
    let to = cx.resolve(net, &a.to, "to")?;
    let sources = from.sources(net);
    if sources.is_empty() {
        return Err(cx.field("from", "selects no source in the input"));
    }
    let targets = cx.targets(net, &to, "to")?;
    let src_ports: Vec<Option<(u16, u16)>> = match &a.src_ports {
        None => vec![None],
        Some(v) => v.iter().copied().map(Some).collect(),
    };
    let mut checked = 0;
    let mut findings = Vec::new();
    for src in &sources {
        for t in &targets {
            let dst_ip = t.ip;
            if !wanted(src, t, &targets) {
                continue;
            }
            if let Source::Eni(id) = src {
                let i = &net.interfaces[id];
                if t.eni.as_ref() == Some(id)
                    || i.has_ip(dst_ip)
                    || i.address_like(dst_ip).is_none()
                {
                    continue;
                }
            }
            for svc in &a.services {
                for sp in &src_ports {
                    let proto = protocol_for(svc.protocol, dst_ip);
                    let (spec_src, label, opts) = source_query(src, *sp);
                    let spec = QuerySpec {
                        text: String::new(),
                        src: spec_src.clone(),
                        dst: t.spec(),
                        protocol: proto,
                        ports: svc.ports,
                    }
                    .named();
                    // At an interface's public or IPv6 address
                    // (`eni-…@ADDRESS`), only what is delivered to it counts
                    // (as `who` asks it).
                    let mut q = Query::resolve_with(net, spec, &opts).map_err(|e| cx.engine(e))?;
                    if let (Source::Internet(addrs), Start::Internet { sources }) =
                        (src, &mut q.start)
                    {
                        *sources = sources.intersect(addrs);
                        if sources.is_empty() {
                            continue;
                        }
                    }
                    checked += 1;
                    let an = engine::check(net, q);
                    if an.verdict == Verdict::Reachable {
                        continue;
                    }
                    let status = if an.verdict == Verdict::Unknown {
                        Status::Unknown
                    } else {
                        Status::Violated
                    };
                    let failing = an.packets.difference(&an.reachable);
                    let sure = failing
                        .difference(&an.reachable_some)
                        .difference(&an.undecided);
                    let pick = if status == Status::Unknown {
                        an.undecided.clone()
                    } else if !sure.is_empty() {
                        sure
                    } else {
                        failing.difference(&an.undecided)
                    };
                    let witness = Packet::sample(&pick)
                        .or_else(|| Packet::sample(&failing))
                        .or_else(|| Packet::sample(&an.packets));
                    let flow = flow_label(&label, t, *svc, proto);
                    let explained = findings.len() < EXPLAINED_PER_ASSERTION;
                    let analysis = match (&witness, explained) {
                        (Some(w), true) => {
                            let s = match (src, &spec_src) {
                                (Source::Internet(_), _) => SrcSpec::Ip(w.src),
                                (_, s) => s.clone(),
                            };
                            witness_check(net, &s, t, w, opts.clone())
                        }
                        _ => None,
                    };
                    let an = Arc::new(an);
                    let (resource, rule) = blocking(analysis.as_deref().unwrap_or(&an), None);
                    let w = witness.map(|w| w.to_string()).unwrap_or_default();
                    let message = match status {
                        Status::Unknown => format!(
                            "`{flow}`: the input cannot decide whether it gets there and back (e.g. {w})"
                        ),
                        _ => format!(
                            "`{flow}` is {}: e.g. {w} does not get there and back{}",
                            an.verdict.name(),
                            resource
                                .as_ref()
                                .map(|r| format!(" (stopped at {r})"))
                                .unwrap_or_default()
                        ),
                    };
                    findings.push(Finding {
                        status,
                        flow,
                        message,
                        witness,
                        resource,
                        rule,
                        analysis: analysis.or(Some(an)),
                    });
                }
            }
        }
    }
    if checked == 0 {
        return Err(cx.field(
            "from",
            "no source and target of the same address family to check",
        ));
    }
    Ok((checked, findings))
}

/// Whether `must_reach` asks `src` about `t`: the internet about public
/// addresses (an interface's public IPs and IPv6; its private address only
/// when it has neither), the rest about private addresses and IPv6.
fn wanted(src: &Source, t: &Target, all: &[Target]) -> bool {
    let Some(eni) = &t.eni else { return true };
    let reachable_publicly = |x: &Target| x.public || x.ip.is_ipv6();
    match src {
        Source::Internet(_) => {
            reachable_publicly(t)
                || (t.primary
                    && !all
                        .iter()
                        .any(|x| x.eni.as_ref() == Some(eni) && reachable_publicly(x)))
        }
        _ => !t.public,
    }
}

/// A source as a query's: its spec, its label, and its options.
fn source_query(src: &Source, src_ports: Option<(u16, u16)>) -> (SrcSpec, String, QueryOptions) {
    match src {
        Source::Internet(_) => (
            SrcSpec::Internet,
            "internet".into(),
            QueryOptions {
                src_ports,
                ..QueryOptions::default()
            },
        ),
        Source::Client { groups, via } => (
            SrcSpec::Client,
            match (via, groups.is_empty()) {
                (None, true) => "client".into(),
                (None, false) => format!("client[{}]", groups.join(",")),
                (Some(v), true) => format!("client[{v}]"),
                (Some(v), false) => format!("client[{v}:{}]", groups.join(",")),
            },
            QueryOptions {
                groups: groups.clone(),
                via: via.clone(),
                ..QueryOptions::default()
            },
        ),
        Source::Eni(id) => (
            SrcSpec::Eni(id.clone()),
            id.clone(),
            QueryOptions {
                src_ports,
                ..QueryOptions::default()
            },
        ),
    }
}
