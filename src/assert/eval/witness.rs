//! A finding's witness explained: the `reach check` of the witness packet
//! alone, the resource and rule that let it through or stopped it, and
//! queries named as `reach check` would write them.

use std::sync::Arc;

use crate::assert::select::Target;
use crate::engine::{self, Analysis, End, Query, QueryOptions, QuerySpec, SrcSpec, Verdict};
use crate::model::Network;

use super::results::Packet;

/// The resource and rule that let the witness through: the destination's
/// security group rule (the last group on the forward way), else the last
/// allowing hop.
pub(super) fn allowing(a: &Analysis) -> (Option<String>, Option<String>) {
    let path = a
        .paths
        .iter()
        .find(|p| matches!(p.verdict, Verdict::Reachable | Verdict::Partial));
    let Some(p) = path else {
        return (None, None);
    };
    let hop = p
        .forward
        .hops
        .iter()
        .rev()
        .find(|h| h.kind == "security-group")
        .or_else(|| {
            p.forward
                .hops
                .iter()
                .rev()
                .find(|h| h.action.starts_with("allow"))
        });
    match hop {
        Some(h) => (Some(h.component.clone()), Some(h.rule.clone())),
        None => (None, None),
    }
}

/// The resource that stopped (or could not decide) the witness, and its rule.
pub(super) fn blocking(
    a: &Analysis,
    association: Option<&str>,
) -> (Option<String>, Option<String>) {
    for p in &a.paths {
        if association.is_some()
            && p.via.as_ref().and_then(|v| v.association.as_deref()) != association
        {
            continue;
        }
        let Some(leaf) = p.stop() else { continue };
        match &leaf.end {
            End::Dropped(cause) => {
                let (id, _) = cause.component();
                let rule = match cause {
                    engine::Cause::NaclDeny { rule, .. } => Some(rule.to_string()),
                    _ => None,
                };
                return (Some(id), rule);
            }
            End::Unknown { component, .. } => return (Some(component.clone()), None),
            _ => {}
        }
    }
    (None, None)
}

/// The `reach check` of one packet from `src`.
pub(super) fn witness_check(
    net: &Network,
    src: &SrcSpec,
    target: &Target,
    w: &Packet,
    opts: QueryOptions,
) -> Option<Arc<Analysis>> {
    let spec = QuerySpec {
        text: String::new(),
        src: src.clone(),
        dst: target.spec(),
        protocol: w.protocol,
        ports: (w.dst_port, w.dst_port),
    };
    let mut opts = opts;
    if w.protocol.has_ports() && !matches!(src, SrcSpec::Client) {
        opts.src_ports = Some((w.src_port, w.src_port));
    }
    let spec = spec.named();
    // At an interface's public or IPv6 address (`eni-…@ADDRESS`), only what
    // is delivered to it counts.
    let q = Query::resolve_with(net, spec, &opts).ok()?;
    Some(Arc::new(engine::check(net, q)))
}
