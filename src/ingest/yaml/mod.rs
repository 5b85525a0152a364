//! The project's YAML model: a concise, hand-written form of a network.
//!
//! Parsing checks the shape (unknown keys are errors, values are parsed with
//! their exact path and line/column); lowering happens in
//! [`Loader::finish`](super::Loader::finish), after all documents are in
//! (snapshot documents included), and adds what AWS would add implicitly
//! (default network ACL and security group, main route table, `local`
//! routes, NAT interfaces).
//!
//! `model` is the document's shape, `cx` a file being lowered, `checks` the
//! ID and subnet CIDR checks; each family of sections is lowered in its own
//! file (`vpc`, `groups`, `interfaces`, `cvpn`, `va`, `transit`), in the order
//! [`lower_all`] gives.

mod checks;
mod cvpn;
mod cx;
mod groups;
mod interfaces;
mod model;
mod transit;
mod va;
mod vpc;

use std::sync::Arc;

use serde_json::Value;

use super::common::fmt_segments;
use super::defaults::{add_local_routes, add_vpc_defaults};
use super::error::{IngestError, field_err, one_line, resource, split_serde};
use super::state::State;
use crate::model::Origin;
use cx::Cx;
pub(crate) use model::Model;
use model::kind_of_section;

fn yaml_message(e: &serde_saphyr::Error) -> String {
    one_line(&e.without_snippet().to_string())
}

/// Parses a YAML model: syntax errors are `Parse`, shape errors `Field`
/// (with the item's `id` when it has one), both with line/column.
pub(crate) fn parse(file: &Arc<str>, text: &str) -> Result<Model, IngestError> {
    // Untyped first: syntax errors, and the IDs for naming a bad item.
    let value: Value = serde_saphyr::from_str(text).map_err(|e| IngestError::Parse {
        file: file.to_string(),
        message: format!("invalid yaml: {}", yaml_message(&e)),
    })?;
    if !matches!(value, Value::Object(_) | Value::Null) {
        return Err(IngestError::Parse {
            file: file.to_string(),
            message: "expected a mapping of sections (`vpcs:`, `subnets:`, ...) at the top".into(),
        });
    }
    let mut path = None;
    let typed = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize::<_, Option<Model>>(de).map_err(|e| {
            path = Some(e.path().clone());
            e.into_inner()
        })
    });
    match typed {
        Ok(m) => Ok(m.unwrap_or_default()),
        Err(e) => {
            let segs: Vec<serde_path_to_error::Segment> = path
                .map(|p| p.iter().cloned().collect())
                .unwrap_or_default();
            Err(shape_error(file, &value, &segs, &yaml_message(&e)))
        }
    }
}

fn shape_error(
    file: &str,
    value: &Value,
    segs: &[serde_path_to_error::Segment],
    message: &str,
) -> IngestError {
    use serde_path_to_error::Segment;
    let (res, rest) = match segs {
        [Segment::Map { key }, Segment::Seq { index }, rest @ ..] => {
            let id = value
                .get(key)
                .and_then(|s| s.get(index))
                .and_then(|i| i.get("id"))
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
            let res = match id {
                Some(id) => resource(kind_of_section(key), &id),
                None => format!("{key}[{index}]"),
            };
            (res, rest)
        }
        _ => ("model".to_string(), segs),
    };
    let (field, message) = split_serde(&fmt_segments(rest), message);
    field_err(file, &res, field, message)
}

/// What the files declare, for the steps after every file's resources are
/// lowered: AWS's defaults per VPC, `local` routes per table, the instances
/// to warn about, the subnets' associations.
#[derive(Default)]
struct Declared {
    vpcs: Vec<String>,
    tables: Vec<String>,
    instances: Vec<String>,
    subnet_links: vpc::SubnetLinks,
}

/// Lowers every YAML document (in load order) into `st`, then applies AWS's implicit defaults.
pub(crate) fn lower_all(st: &mut State, docs: &[(Arc<str>, Model)]) -> Result<(), IngestError> {
    let cxs: Vec<Cx> = docs
        .iter()
        .map(|(f, _)| Cx {
            file: f,
            origin: Origin::new(f.clone()),
        })
        .collect();
    checks::check_ids(st, &cxs, docs)?;
    let mut declared = Declared::default();
    for (n, (cx, (_, m))) in cxs.iter().zip(docs).enumerate() {
        lower_declared(st, n, cx, m, &mut declared)?;
    }
    checks::check_subnet_cidrs(st, &cxs, docs)?;
    add_vpc_defaults(st, &declared.vpcs, &mut declared.tables);
    vpc::link_subnets(st, &cxs, &declared.subnet_links)?;
    let mut named = interfaces::InstanceInterfaces::new();
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        interfaces::lower_interfaces(st, cx, m, &mut named)?;
    }
    // Client VPN endpoints need subnets, security groups and interfaces.
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        for e in m.client_vpn_endpoints.iter().flatten() {
            cvpn::lower_client_vpn(st, cx, e)?;
        }
    }
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        va::lower_sections(st, cx, m)?;
    }
    // Transit gateways need VPCs (their CIDRs imply propagated routes).
    for (cx, (_, m)) in cxs.iter().zip(docs) {
        transit::lower_sections(st, cx, m)?;
    }
    add_local_routes(st, &declared.tables);
    interfaces::add_implied_instances(st, named, declared.instances);
    Ok(())
}

/// The resources of the `n`th file that need nothing but themselves, in this
/// order; a section that is present (even `[]`) counts as loaded.
fn lower_declared(
    st: &mut State,
    n: usize,
    cx: &Cx,
    m: &Model,
    declared: &mut Declared,
) -> Result<(), IngestError> {
    if m.vpcs.is_some() {
        st.loaded.vpcs = true;
        st.loaded.security_groups = true; // each YAML VPC gets its default group
    }
    if m.subnets.is_some() {
        st.loaded.subnets = true;
    }
    if m.security_groups.is_some() {
        st.loaded.security_groups = true;
    }
    vpc::lower_vpcs(st, cx, m, &mut declared.vpcs)?;
    vpc::lower_prefix_lists(st, cx, m);
    groups::lower_security_groups(st, cx, m)?;
    groups::lower_nacls(st, cx, m)?;
    vpc::lower_route_tables(st, cx, m, &mut declared.tables);
    vpc::lower_subnets(st, n, cx, m, &mut declared.subnet_links)?;
    vpc::lower_internet_gateways(st, cx, m);
    vpc::lower_peerings(st, cx, m);
    interfaces::lower_instances(st, cx, m, &mut declared.instances);
    Ok(())
}
