//! Verified Access completed once every file is read (aws-semantics.md §7):
//! policies read from their own documents attached, every Cedar document
//! checked to parse, references checked, each endpoint's VPC and subnets
//! resolved.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;

use crate::ingest::error::{IngestError, field_err, one_line, resource};
use crate::ingest::state::{DeferredRef, PolicyPart, RefKind, State};
use crate::model::{VaPolicy, VaTarget};

/// Checks a Cedar document parses; the message names the owner and the field.
fn check_cedar(file: &str, res: &str, field: &str, doc: &str) -> Result<(), IngestError> {
    cedar_policy::PolicySet::from_str(doc)
        .map(|_| ())
        .map_err(|e| {
            field_err(
                file,
                res,
                field,
                format!("invalid cedar policy: {}", one_line(&e.to_string())),
            )
        })
}

/// Attaches policies read from their own documents to their owners.
fn attach<T>(
    parts: Vec<PolicyPart>,
    owners: &mut BTreeMap<String, T>,
    slot: impl Fn(&mut T) -> &mut Option<VaPolicy>,
    field: &str,
    kind: &str,
) -> Result<(), IngestError> {
    for p in parts {
        let Some(owner) = owners.get_mut(&p.owner) else {
            return Err(IngestError::UnknownRef {
                file: p.policy.origin.file.to_string(),
                resource: p.resource,
                field: field.into(),
                kind: kind.into(),
                id: p.owner,
            });
        };
        *slot(owner) = Some(p.policy);
    }
    Ok(())
}

/// Attaches policies, checks references and Cedar syntax, and resolves each
/// endpoint's VPC and subnets.
pub(super) fn complete(st: &mut State) -> Result<(), IngestError> {
    let parts = std::mem::take(&mut st.va);
    attach(
        parts.group_policies,
        &mut st.net.va_groups,
        |g| &mut g.policy,
        "VerifiedAccessGroupId",
        "verified access group",
    )?;
    attach(
        parts.endpoint_policies,
        &mut st.net.va_endpoints,
        |e| &mut e.policy,
        "VerifiedAccessEndpointId",
        "verified access endpoint",
    )?;
    // Field names in messages: as the file that declared the resource spells them.
    let yaml_files = st.yaml_files.clone();
    let named = |file: &str, json: &str, yaml: &str| field_name(&yaml_files, file, json, yaml);
    check_groups_and_instances(st, &named)?;
    let ids: Vec<String> = st.net.va_endpoints.keys().cloned().collect();
    for id in ids {
        resolve_endpoint(st, &named, &id)?;
    }
    Ok(())
}

/// `json` or `yaml`, the field's name in the format of `file`.
fn field_name(yaml_files: &BTreeSet<Arc<str>>, file: &str, json: &str, yaml: &str) -> String {
    if yaml_files.contains(file) {
        yaml.to_string()
    } else {
        json.to_string()
    }
}

/// Group policies parse, groups name a known instance, instances known trust providers.
fn check_groups_and_instances(
    st: &State,
    named: &impl Fn(&str, &str, &str) -> String,
) -> Result<(), IngestError> {
    for g in st.net.va_groups.values() {
        let res = resource("verified access group", &g.id);
        if let Some(p) = &g.policy {
            check_cedar(
                &p.origin.file,
                &res,
                &named(&p.origin.file, "PolicyDocument", "policy"),
                &p.document,
            )?;
        }
        if !st.net.va_instances.is_empty() && !st.net.va_instances.contains_key(&g.instance) {
            return Err(IngestError::UnknownRef {
                file: g.origin.file.to_string(),
                resource: res,
                field: named(&g.origin.file, "VerifiedAccessInstanceId", "instance"),
                kind: "verified access instance".into(),
                id: g.instance.clone(),
            });
        }
    }
    for i in st.net.va_instances.values() {
        for t in &i.trust_providers {
            if !st.net.va_trust_providers.contains_key(t) {
                return Err(IngestError::UnknownRef {
                    file: i.origin.file.to_string(),
                    resource: resource("verified access instance", &i.id),
                    field: named(
                        &i.origin.file,
                        "VerifiedAccessTrustProviders",
                        "trust_providers",
                    ),
                    kind: "verified access trust provider".into(),
                    id: t.clone(),
                });
            }
        }
    }
    Ok(())
}

/// An endpoint's policy parses, its group is known, its security groups and
/// subnets are checked later (`DeferredRef`); its subnets (those of its
/// target interface when it lists none) and their VPC are set.
fn resolve_endpoint(
    st: &mut State,
    named: &impl Fn(&str, &str, &str) -> String,
    id: &str,
) -> Result<(), IngestError> {
    let e = &st.net.va_endpoints[id];
    let res = resource("verified access endpoint", id);
    let file = e.origin.file.to_string();
    let in_file = e.origin.file.clone();
    let f = |json: &str, yaml: &str| named(&in_file, json, yaml);
    if let Some(p) = &e.policy {
        check_cedar(
            &p.origin.file,
            &res,
            &named(&p.origin.file, "PolicyDocument", "policy"),
            &p.document,
        )?;
    }
    if !st.net.va_groups.contains_key(&e.group) {
        return Err(IngestError::UnknownRef {
            file,
            resource: res,
            field: f("VerifiedAccessGroupId", "group"),
            kind: "verified access group".into(),
            id: e.group.clone(),
        });
    }
    for g in &e.security_groups {
        st.deferred_refs.push(DeferredRef {
            kind: RefKind::SecurityGroup,
            origin: e.origin.clone(),
            resource: res.clone(),
            field: f("SecurityGroupIds", "security_groups"),
            id: g.clone(),
        });
    }
    // Where the endpoint's network interfaces are.
    let mut subnets = e.subnets.clone();
    if let VaTarget::NetworkInterface(eni) = &e.target {
        match st.net.interfaces.get(eni) {
            Some(i) if subnets.is_empty() => subnets = vec![i.subnet.clone()],
            Some(_) => {}
            None if st.net.interfaces.is_empty() => st.warnings.push(format!(
                "{res}: network interface `{eni}` is not in the input (no interfaces were read)"
            )),
            None => {
                return Err(IngestError::UnknownRef {
                    file,
                    resource: res,
                    field: f("NetworkInterfaceOptions.NetworkInterfaceId", "interface"),
                    kind: "network interface".into(),
                    id: eni.clone(),
                });
            }
        }
    }
    let mut vpc = String::new();
    for s in &subnets {
        match st.net.subnets.get(s) {
            Some(sub) if vpc.is_empty() || vpc == sub.vpc => vpc = sub.vpc.clone(),
            Some(sub) => {
                return Err(field_err(
                    &file,
                    &res,
                    f("SubnetIds", "subnets"),
                    format!("subnet `{s}` is in `{}`, another vpc than `{vpc}`", sub.vpc),
                ));
            }
            None => st.deferred_refs.push(DeferredRef {
                kind: RefKind::Subnet,
                origin: e.origin.clone(),
                resource: res.clone(),
                field: f("SubnetIds", "subnets"),
                id: s.clone(),
            }),
        }
    }
    if subnets.is_empty() {
        st.warnings.push(format!(
            "{res}: no subnets in the input: where its traffic enters the vpc is unknown"
        ));
    }
    if let Some(e) = st.net.va_endpoints.get_mut(id) {
        e.subnets = subnets;
        e.vpc = vpc;
    }
    Ok(())
}
