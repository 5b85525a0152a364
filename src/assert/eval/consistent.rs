//! `consistent`: through every association of a Client VPN endpoint, the
//! same packets get there and back (`Access::reach_through` compared).

use std::sync::Arc;

use crate::assert::error::AssertError;
use crate::assert::select::Target;
use crate::engine::{self, Query, QueryOptions, QuerySpec, SrcSpec};
use crate::model::{ClientVpnEndpoint, Network};

use super::context::{Cx, flow_label, protocol_for};
use super::results::{EXPLAINED_PER_ASSERTION, Finding, Packet, Status};
use super::witness::{blocking, witness_check};

/// `consistent`: through every association of a Client VPN endpoint, the
/// same packets get there and back.
pub(super) fn consistent(net: &Network, cx: &Cx) -> Result<(usize, Vec<Finding>), AssertError> {
    let a = cx.a;
    let endpoints = endpoints(net, cx)?;
    let chosen = if a.to.is_empty() {
        None
    } else {
        let to = cx.resolve(net, &a.to, "to")?;
        Some(cx.targets(net, &to, "to")?)
    };
    let mut checked = 0;
    let mut findings = Vec::new();
    for ep_id in &endpoints {
        let ep = &net.client_vpn_endpoints[ep_id];
        let assocs: Vec<&str> = ep.associations.iter().map(|x| x.id.as_str()).collect();
        if assocs.len() < 2 {
            continue;
        }
        let targets = targets(net, ep, chosen.as_deref());
        for t in &targets {
            if t.public {
                continue;
            }
            let dst_ip = t.ip;
            for svc in &a.services {
                let proto = protocol_for(svc.protocol, dst_ip);
                let opts = QueryOptions {
                    via: Some(ep_id.clone()),
                    ..QueryOptions::default()
                };
                let spec = QuerySpec {
                    text: String::new(),
                    src: SrcSpec::Client,
                    dst: t.spec(),
                    protocol: proto,
                    ports: svc.ports,
                }
                .named();
                let Ok(q) = Query::resolve_with(net, spec, &opts) else {
                    continue;
                };
                checked += 1;
                let an = Arc::new(engine::check(net, q));
                for acc in an.access.iter().filter(|x| &x.endpoint == ep_id) {
                    let first = acc.reach_through(Some(assocs[0]));
                    for other in &assocs[1..] {
                        let r = acc.reach_through(Some(other));
                        let (lacking, having, diff) = {
                            let d1 = first.some.difference(&r.some);
                            if !d1.is_empty() {
                                (*other, assocs[0], d1)
                            } else {
                                (assocs[0], *other, r.some.difference(&first.some))
                            }
                        };
                        let (status, set) = if !diff.is_empty() {
                            (Status::Violated, diff)
                        } else if !first.undecided.same_as(&r.undecided) {
                            (
                                Status::Unknown,
                                first
                                    .undecided
                                    .difference(&r.undecided)
                                    .union(&r.undecided.difference(&first.undecided)),
                            )
                        } else {
                            continue;
                        };
                        let Some(w) = Packet::sample(&set) else {
                            continue;
                        };
                        let groups = an
                            .query
                            .users
                            .iter()
                            .find(|u| u.label == acc.group)
                            .map(|u| u.groups.clone())
                            .unwrap_or_default();
                        let label = format!(
                            "client[{ep_id}:{}]",
                            acc.group.as_deref().unwrap_or("no group")
                        );
                        let flow = flow_label(&label, t, *svc, proto);
                        let explain = findings.len() < EXPLAINED_PER_ASSERTION;
                        let analysis = if explain {
                            witness_check(
                                net,
                                &SrcSpec::Client,
                                t,
                                &w,
                                QueryOptions {
                                    groups,
                                    via: Some(ep_id.clone()),
                                    ..QueryOptions::default()
                                },
                            )
                        } else {
                            None
                        };
                        let (stop, rule) =
                            blocking(analysis.as_deref().unwrap_or(&an), Some(lacking));
                        let message = match status {
                            Status::Unknown => format!(
                                "`{flow}`: the input cannot decide whether {w} is carried alike through {having} and {lacking}"
                            ),
                            _ => format!(
                                "`{flow}`: {w} gets there and back through {having} but not through {lacking}{}",
                                stop.as_ref()
                                    .map(|s| format!(" (stopped at {s})"))
                                    .unwrap_or_default()
                            ),
                        };
                        findings.push(Finding {
                            status,
                            flow,
                            message,
                            witness: Some(w),
                            resource: Some(lacking.to_string()),
                            rule: stop.map(|s| match rule {
                                Some(r) => format!("{s} {r}"),
                                None => s,
                            }),
                            analysis: analysis.or_else(|| Some(an.clone())),
                        });
                    }
                }
            }
        }
    }
    Ok((checked, findings))
}

/// The endpoints asked about: those named (each in the input), else every one.
fn endpoints(net: &Network, cx: &Cx) -> Result<Vec<String>, AssertError> {
    let a = cx.a;
    let endpoints: Vec<String> = if a.endpoints.is_empty() {
        net.client_vpn_endpoints.keys().cloned().collect()
    } else {
        for (i, e) in a.endpoints.iter().enumerate() {
            if !net.client_vpn_endpoints.contains_key(e) {
                return Err(cx.field(
                    &format!("endpoints[{i}]"),
                    format!("no client vpn endpoint `{e}` in the input"),
                ));
            }
        }
        a.endpoints.clone()
    };
    if endpoints.is_empty() {
        return Err(cx.field("endpoints", "the input has no Client VPN endpoint"));
    }
    Ok(endpoints)
}

/// The targets through `ep`: those chosen, else every interface of its VPC
/// but its own and Client VPN ones.
fn targets(net: &Network, ep: &ClientVpnEndpoint, chosen: Option<&[Target]>) -> Vec<Target> {
    let own: Vec<&str> = ep
        .associations
        .iter()
        .filter_map(|x| x.interface.as_deref())
        .collect();
    match chosen {
        Some(t) => t.to_vec(),
        None => net
            .interfaces
            .values()
            .filter(|i| i.vpc == ep.vpc && !own.contains(&i.id.as_str()))
            .filter(|i| i.kind != "client_vpn")
            .flat_map(Target::of_interface)
            .collect(),
    }
}
