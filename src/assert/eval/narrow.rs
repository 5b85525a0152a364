//! What narrows the flows of a `who`-based assertion: its header
//! constraints ([`Narrow`]: NAA addresses, prefix lists, source ports) and
//! its exclusions ([`Excluded`]: `except`, `allow_from`, `ExcludePaths`).

use std::net::IpAddr;

use crate::assert::error::AssertError;
use crate::assert::policy::PathFilter;
use crate::assert::select::{self, Resolved, Target};
use crate::hs::{Field, IntervalSet, PacketSet};
use crate::model::{Network, Protocol};
use crate::who;

use super::context::{Cx, protocol_for, range};

/// What narrows the flows of an assertion: its header constraints.
pub(super) struct Narrow {
    src: Option<IntervalSet>,
    dst: Option<IntervalSet>,
    src_ports: Option<IntervalSet>,
}

impl Narrow {
    pub(super) fn new(net: &Network, cx: &Cx) -> Result<Narrow, AssertError> {
        let a = cx.a;
        let mut src = a.src_addrs.as_deref().map(select::cidr_addresses);
        if !a.src_prefix_lists.is_empty() {
            let s = select::prefix_list_addresses(net, &a.src_prefix_lists)
                .map_err(|m| cx.field("SourcePrefixLists", m))?;
            src = Some(src.map_or(s.clone(), |x| x.intersect(&s)));
        }
        let mut dst = a.dst_addrs.as_deref().map(select::cidr_addresses);
        if !a.dst_prefix_lists.is_empty() {
            let s = select::prefix_list_addresses(net, &a.dst_prefix_lists)
                .map_err(|m| cx.field("DestinationPrefixLists", m))?;
            dst = Some(dst.map_or(s.clone(), |x| x.intersect(&s)));
        }
        let src_ports = a.src_ports.as_ref().map(|v| {
            v.iter()
                .fold(IntervalSet::empty(), |acc, r| acc.union(&range(*r)))
        });
        Ok(Narrow {
            src,
            dst,
            src_ports,
        })
    }

    pub(super) fn apply(&self, set: &PacketSet, protocol: Protocol) -> PacketSet {
        let mut s = set.clone();
        if let Some(x) = &self.src {
            s = s.restrict(Field::Src, x);
        }
        if let Some(x) = &self.dst {
            s = s.restrict(Field::Dst, x);
        }
        if let (Some(x), true) = (&self.src_ports, protocol.has_ports()) {
            s = s.restrict(Field::SrcPort, x);
        }
        s
    }
}

/// Exclusions resolved once per assertion.
pub(super) struct Excluded {
    filters: Vec<(PathFilter, Option<Resolved>, Option<Resolved>)>,
}

impl Excluded {
    pub(super) fn new(net: &Network, cx: &Cx) -> Result<Excluded, AssertError> {
        let mut filters = Vec::new();
        for (i, f) in cx.a.except.iter().enumerate() {
            let from = f
                .from
                .as_ref()
                .map(|s| cx.resolve(net, s, &format!("except[{i}].from")))
                .transpose()?;
            let to =
                f.to.as_ref()
                    .map(|s| cx.resolve(net, s, &format!("except[{i}].to")))
                    .transpose()?;
            filters.push((f.clone(), from, to));
        }
        Ok(Excluded { filters })
    }

    /// A filter that excludes the whole target (nothing else narrows it).
    pub(super) fn whole_target(&self, t: &Target) -> bool {
        self.filters.iter().any(|(f, from, to)| {
            from.is_none()
                && f.src_addrs.is_none()
                && f.dst_addrs.is_none()
                && f.src_ports.is_none()
                && f.services.is_none()
                && to.as_ref().is_some_and(|r| r.has_target(t))
        })
    }

    /// `set` (packets of `found` to `t`) without what the filters exclude.
    pub(super) fn remove(
        &self,
        net: &Network,
        set: &PacketSet,
        found: &who::Found,
        t: &Target,
    ) -> PacketSet {
        let mut out = set.clone();
        for (f, from, to) in &self.filters {
            if out.is_empty() {
                break;
            }
            if to.as_ref().is_some_and(|to| !to.has_target(t)) {
                continue;
            }
            let mut x = out.clone();
            if let Some(from) = from {
                let m = from.source_addresses(net, &found.source, &found.analysis.query.users);
                x = x.restrict(Field::Src, &m);
            }
            if let Some(a) = &f.src_addrs {
                x = x.restrict(Field::Src, &select::cidr_addresses(a));
            }
            if let Some(a) = &f.dst_addrs {
                x = x.restrict(Field::Dst, &select::cidr_addresses(a));
            }
            if let (Some(p), true) = (&f.src_ports, found.protocol.has_ports()) {
                let r = p
                    .iter()
                    .fold(IntervalSet::empty(), |acc, r| acc.union(&range(*r)));
                x = x.restrict(Field::SrcPort, &r);
            }
            if let Some(svcs) = &f.services {
                let mut keep = PacketSet::empty();
                for s in svcs
                    .iter()
                    .filter(|s| protocol_for(s.protocol, found_dst(found)) == found.protocol)
                {
                    let field = if found.protocol.is_icmp() {
                        Field::IcmpType
                    } else {
                        Field::DstPort
                    };
                    keep = keep.union(&x.restrict(field, &range(s.ports)));
                }
                x = keep;
            }
            out = out.difference(&x);
        }
        out
    }
}

fn found_dst(f: &who::Found) -> IpAddr {
    f.analysis.query.dst_ip
}
