//! The model's own checks, on the merged input: IDs (none empty, none
//! declared twice in a file, none naming two kinds of resource), and subnet
//! CIDRs (inside their VPC, not overlapping).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cx::Cx;
use super::model::Model;
use crate::ingest::common::{outside_vpc, overlapping};
use crate::ingest::error::{IngestError, resource};
use crate::ingest::state::{State, resource_ids};
use crate::model::{Origin, Subnet};

/// IDs name one resource: none is empty, none is declared twice in one file,
/// and none names resources of two kinds (in the snapshot or another model
/// file). The same ID of the same kind in a later file (or over a snapshot)
/// replaces the earlier resource: what-if models (`merge` warns when they differ).
pub(super) fn check_ids(
    st: &State,
    cxs: &[Cx],
    docs: &[(Arc<str>, Model)],
) -> Result<(), IngestError> {
    // ID -> (kind, file) of what is loaded: the snapshot, then each model file.
    let mut seen: BTreeMap<String, (&'static str, String)> = resource_ids(st)
        .into_iter()
        .map(|r| (r.id.to_string(), (r.kind, r.origin.file.to_string())))
        .collect();
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        let mut here: BTreeMap<&str, (String, &'static str)> = BTreeMap::new();
        for (item, kind, id) in m.declared_ids() {
            if id.trim().is_empty() {
                return Err(cx.err(&item, "id", "empty"));
            }
            if let Some((first, _)) = here.get(id) {
                return Err(cx.err(
                    &item,
                    "id",
                    format!("duplicate id `{id}`: {first} has it too"),
                ));
            }
            if let Some((k, file)) = seen.get(id)
                && *k != kind
            {
                return Err(cx.err(
                    &item,
                    "id",
                    format!(
                        "`{id}` is already the id of a {k} in `{file}`: an id names one resource"
                    ),
                ));
            }
            here.insert(id, (item, kind));
        }
        for (id, (_, kind)) in here {
            seen.insert(id.to_string(), (kind, cx.file.to_string()));
        }
    }
    Ok(())
}

/// `cidr` (`n` = 0 when present) or `cidrs[n]`: where a lowered CIDR came from.
fn cidr_field(has_cidr: bool, n: usize) -> String {
    match (has_cidr, n) {
        (true, 0) => "cidr".into(),
        (true, n) => format!("cidrs[{}]", n - 1),
        (false, n) => format!("cidrs[{n}]"),
    }
}

/// The model's subnets lie in their VPC's CIDRs of their family (IPv4 and
/// IPv6) and do not overlap another subnet of the VPC; a model's VPC holds
/// the snapshot subnets it replaces the VPC of. Checked on the merged input,
/// for the version of each resource that is kept.
pub(super) fn check_subnet_cidrs(
    st: &State,
    cxs: &[Cx],
    docs: &[(Arc<str>, Model)],
) -> Result<(), IngestError> {
    let from_yaml = |o: &Origin| st.yaml_files.contains(&o.file);
    // The subnets checked so far (the snapshot's, then the model's in order):
    // an overlap is reported at the later of the two.
    let mut before: Vec<&Subnet> = st
        .net
        .subnets
        .values()
        .filter(|s| !from_yaml(&s.origin))
        .collect();
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        for s in m.subnets.iter().flatten() {
            let Some(sub) = st.net.subnets.get(&s.id) else {
                continue;
            };
            if *sub.origin.file != *cx.file {
                continue; // replaced by a later file
            }
            let res = resource("subnet", &s.id);
            let vpc = st.net.vpcs.get(&s.vpc);
            for (n, c) in s.cidr.iter().chain(&s.cidrs).enumerate() {
                let field = cidr_field(s.cidr.is_some(), n);
                if let Some(why) = vpc.and_then(|v| outside_vpc(&c.0, v)) {
                    return Err(cx.err(&res, field, why));
                }
                if let Some((o, oc)) = before
                    .iter()
                    .filter(|o| o.vpc == s.vpc && o.id != s.id)
                    .find_map(|o| overlapping(&c.0, o).map(|oc| (o, oc)))
                {
                    let file = if *o.origin.file == *cx.file {
                        String::new()
                    } else {
                        format!(" (in `{}`)", o.origin.file)
                    };
                    return Err(cx.err(
                        &res,
                        field,
                        format!(
                            "`{}` overlaps `{oc}` of subnet `{}`{file}: subnets of vpc `{}` do not overlap",
                            c.0, o.id, s.vpc
                        ),
                    ));
                }
            }
            before.push(sub);
        }
    }
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        for v in m.vpcs.iter().flatten() {
            let Some(vpc) = st.net.vpcs.get(&v.id) else {
                continue;
            };
            if *vpc.origin.file != *cx.file {
                continue;
            }
            let field = if v.cidrs.is_empty() { "cidr" } else { "cidrs" };
            for s in st
                .net
                .subnets
                .values()
                .filter(|s| s.vpc == v.id && !from_yaml(&s.origin))
            {
                if let Some(why) = s.cidrs.iter().find_map(|c| outside_vpc(c, vpc)) {
                    return Err(cx.err(
                        &resource("vpc", &v.id),
                        field,
                        format!("subnet `{}` of `{}`: {why}", s.id, s.origin.file),
                    ));
                }
            }
        }
    }
    Ok(())
}
