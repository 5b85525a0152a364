//! AWS Verified Access (aws-semantics.md §7): the AWS CLI's
//! `describe-verified-access-{instances,trust-providers,groups,endpoints}`
//! documents, the project's own policy documents (the CLI prints a policy
//! without its owner's ID), and the YAML model sections. Endpoints are
//! completed in [`finish`], once every document is read: policies attached,
//! the VPC and subnets resolved, every Cedar document checked to parse.

use std::str::FromStr;

use serde::Deserialize;

use super::common::{Net, OneOrMany, PortRange};
use super::error::{IngestError, field_err, one_line, resource};
use super::{DeferredRef, Kind as RefKind, State, merge};
use crate::model::{
    Origin, VaEndpoint, VaGroup, VaInstance, VaPolicy, VaTarget, VaTrustKind, VaTrustProvider,
};

/// A policy read from its own document, attached to its owner in [`finish`].
#[derive(Debug)]
pub(crate) struct PolicyPart {
    resource: String,
    owner: String,
    policy: VaPolicy,
}

impl PolicyPart {
    fn new(origin: &Origin, res: &str, owner: String, enabled: bool, doc: Option<String>) -> Self {
        PolicyPart {
            resource: res.to_string(),
            owner,
            policy: VaPolicy {
                enabled,
                document: doc.unwrap_or_default(),
                origin: origin.clone(),
            },
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct VaParts {
    group_policies: Vec<PolicyPart>,
    endpoint_policies: Vec<PolicyPart>,
}

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

fn ports_of(
    file: &str,
    res: &str,
    field: &str,
    port: Option<i64>,
    ranges: &[PortRangeDto],
) -> Result<Vec<(u16, u16)>, IngestError> {
    let p16 = |v: i64, f: &str| {
        u16::try_from(v)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| field_err(file, res, f, format!("invalid port `{v}`")))
    };
    let mut out = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        let f = format!("{field}.PortRanges[{i}]");
        let lo = p16(r.from_port, &format!("{f}.FromPort"))?;
        let hi = p16(r.to_port, &format!("{f}.ToPort"))?;
        if lo > hi {
            return Err(field_err(file, res, f, "`FromPort` exceeds `ToPort`"));
        }
        out.push((lo, hi));
    }
    if out.is_empty()
        && let Some(p) = port
    {
        let p = p16(p, &format!("{field}.Port"))?;
        out.push((p, p));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// AWS CLI documents
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InstanceDto {
    verified_access_instance_id: String,
    #[serde(default)]
    verified_access_trust_providers: Vec<TrustProviderDto>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TrustProviderDto {
    verified_access_trust_provider_id: String,
    trust_provider_type: Option<String>,
    user_trust_provider_type: Option<String>,
    device_trust_provider_type: Option<String>,
    policy_reference_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GroupDto {
    verified_access_group_id: String,
    verified_access_instance_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PortRangeDto {
    from_port: i64,
    to_port: i64,
}

/// The options every endpoint type shares (`NetworkInterfaceOptions`, ...).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OptionsDto {
    protocol: Option<String>,
    port: Option<i64>,
    #[serde(default)]
    port_ranges: Vec<PortRangeDto>,
    #[serde(default)]
    subnet_ids: Vec<String>,
    network_interface_id: Option<String>,
    cidr: Option<Net>,
    load_balancer_arn: Option<String>,
    rds_db_instance_arn: Option<String>,
    rds_db_cluster_arn: Option<String>,
    rds_db_proxy_arn: Option<String>,
    rds_endpoint: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StatusDto {
    code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EndpointDto {
    verified_access_endpoint_id: String,
    verified_access_group_id: String,
    endpoint_type: String,
    #[serde(default)]
    security_group_ids: Vec<String>,
    status: Option<StatusDto>,
    network_interface_options: Option<OptionsDto>,
    cidr_options: Option<OptionsDto>,
    load_balancer_options: Option<OptionsDto>,
    rds_options: Option<OptionsDto>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GroupPolicyDto {
    verified_access_group_id: String,
    #[serde(default)]
    policy_enabled: bool,
    policy_document: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EndpointPolicyDto {
    verified_access_endpoint_id: String,
    #[serde(default)]
    policy_enabled: bool,
    policy_document: Option<String>,
}

fn trust_kind(
    file: &str,
    res: &str,
    t: &TrustProviderDto,
) -> Result<(VaTrustKind, String), IngestError> {
    match t.trust_provider_type.as_deref() {
        Some("user") => Ok((
            VaTrustKind::User,
            t.user_trust_provider_type.clone().unwrap_or_default(),
        )),
        Some("device") => Ok((
            VaTrustKind::Device,
            t.device_trust_provider_type.clone().unwrap_or_default(),
        )),
        Some(other) => Err(field_err(
            file,
            res,
            "TrustProviderType",
            format!("invalid trust provider type `{other}`: expected `user` or `device`"),
        )),
        None => Err(field_err(file, res, "TrustProviderType", "missing")),
    }
}

pub(crate) fn lower_instance(st: &mut State, file: &str, origin: &Origin, d: InstanceDto) {
    let res = resource("verified access instance", &d.verified_access_instance_id);
    let mut providers = Vec::new();
    for t in &d.verified_access_trust_providers {
        providers.push(t.verified_access_trust_provider_id.clone());
        // The instance lists its providers without their reference name; a
        // trust-providers document fills it in.
        if !st
            .net
            .va_trust_providers
            .contains_key(&t.verified_access_trust_provider_id)
            && let Ok((kind, provider)) = trust_kind(file, &res, t)
        {
            st.net.va_trust_providers.insert(
                t.verified_access_trust_provider_id.clone(),
                VaTrustProvider {
                    id: t.verified_access_trust_provider_id.clone(),
                    kind,
                    provider,
                    reference: String::new(),
                    origin: origin.clone(),
                },
            );
        }
    }
    let i = VaInstance {
        id: d.verified_access_instance_id.clone(),
        trust_providers: providers,
        origin: origin.clone(),
    };
    merge(
        &mut st.net.va_instances,
        &mut st.warnings,
        "verified access instance",
        &d.verified_access_instance_id,
        i,
    );
}

pub(crate) fn lower_trust_provider(
    st: &mut State,
    file: &str,
    origin: &Origin,
    d: TrustProviderDto,
) -> Result<(), IngestError> {
    let res = resource(
        "verified access trust provider",
        &d.verified_access_trust_provider_id,
    );
    let (kind, provider) = trust_kind(file, &res, &d)?;
    let Some(reference) = d.policy_reference_name.clone().filter(|r| !r.is_empty()) else {
        return Err(field_err(file, &res, "PolicyReferenceName", "missing"));
    };
    let t = VaTrustProvider {
        id: d.verified_access_trust_provider_id.clone(),
        kind,
        provider,
        reference,
        origin: origin.clone(),
    };
    st.net
        .va_trust_providers
        .insert(d.verified_access_trust_provider_id, t);
    Ok(())
}

pub(crate) fn lower_group(st: &mut State, origin: &Origin, d: GroupDto) {
    let id = d.verified_access_group_id;
    let old = st.net.va_groups.get(&id).and_then(|g| g.policy.clone());
    let g = VaGroup {
        id: id.clone(),
        instance: d.verified_access_instance_id,
        policy: old,
        origin: origin.clone(),
    };
    merge(
        &mut st.net.va_groups,
        &mut st.warnings,
        "verified access group",
        &id,
        g,
    );
}

pub(crate) fn lower_endpoint(
    st: &mut State,
    file: &str,
    origin: &Origin,
    d: EndpointDto,
) -> Result<(), IngestError> {
    let id = d.verified_access_endpoint_id;
    let res = resource("verified access endpoint", &id);
    let (field, opts) = match d.endpoint_type.as_str() {
        "network-interface" => ("NetworkInterfaceOptions", d.network_interface_options),
        "cidr" => ("CidrOptions", d.cidr_options),
        "load-balancer" => ("LoadBalancerOptions", d.load_balancer_options),
        "rds" => ("RdsOptions", d.rds_options),
        other => {
            return Err(field_err(
                file,
                &res,
                "EndpointType",
                format!(
                    "invalid endpoint type `{other}`: expected `network-interface`, `cidr`, `load-balancer` or `rds`"
                ),
            ));
        }
    };
    let Some(o) = opts else {
        return Err(field_err(file, &res, field, "missing"));
    };
    let missing = |f: &str| field_err(file, &res, format!("{field}.{f}"), "missing");
    let target = match d.endpoint_type.as_str() {
        "network-interface" => VaTarget::NetworkInterface(
            o.network_interface_id
                .clone()
                .ok_or_else(|| missing("NetworkInterfaceId"))?,
        ),
        "cidr" => VaTarget::Cidr(o.cidr.as_ref().ok_or_else(|| missing("Cidr"))?.0),
        "load-balancer" => VaTarget::LoadBalancer(
            o.load_balancer_arn
                .clone()
                .ok_or_else(|| missing("LoadBalancerArn"))?,
        ),
        _ => VaTarget::Rds(
            o.rds_db_instance_arn
                .clone()
                .or(o.rds_db_cluster_arn.clone())
                .or(o.rds_db_proxy_arn.clone())
                .or(o.rds_endpoint.clone())
                .ok_or_else(|| missing("RdsDbInstanceArn"))?,
        ),
    };
    let ports = ports_of(file, &res, field, o.port, &o.port_ranges)?;
    let protocol = o.protocol.clone().unwrap_or_else(|| "tcp".into());
    let ep = VaEndpoint {
        id: id.clone(),
        group: d.verified_access_group_id,
        target,
        protocol,
        ports,
        subnets: o.subnet_ids,
        vpc: String::new(),
        security_groups: d.security_group_ids,
        status: d
            .status
            .and_then(|s| s.code)
            .unwrap_or_else(|| "active".into()),
        policy: st.net.va_endpoints.get(&id).and_then(|e| e.policy.clone()),
        origin: origin.clone(),
    };
    merge(
        &mut st.net.va_endpoints,
        &mut st.warnings,
        "verified access endpoint",
        &id,
        ep,
    );
    Ok(())
}

pub(crate) fn add_group_policy(st: &mut State, origin: &Origin, res: &str, d: GroupPolicyDto) {
    let p = PolicyPart::new(
        origin,
        res,
        d.verified_access_group_id,
        d.policy_enabled,
        d.policy_document,
    );
    st.va.group_policies.push(p);
}

pub(crate) fn add_endpoint_policy(
    st: &mut State,
    origin: &Origin,
    res: &str,
    d: EndpointPolicyDto,
) {
    let p = PolicyPart::new(
        origin,
        res,
        d.verified_access_endpoint_id,
        d.policy_enabled,
        d.policy_document,
    );
    st.va.endpoint_policies.push(p);
}

// ---------------------------------------------------------------------------
// YAML model sections
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstanceY {
    id: String,
    #[serde(default)]
    trust_providers: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum TrustKindY {
    User,
    Device,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrustProviderY {
    id: String,
    #[serde(rename = "type")]
    kind: TrustKindY,
    /// `iam-identity-center`, `oidc`, `jamf`, ...
    provider: String,
    /// `PolicyReferenceName`.
    reference: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupY {
    id: String,
    instance: String,
    policy: Option<String>,
    /// Defaults to true when a policy is given.
    policy_enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EndpointY {
    id: String,
    group: String,
    #[serde(rename = "type")]
    kind: String,
    interface: Option<String>,
    cidr: Option<Net>,
    load_balancer: Option<String>,
    rds: Option<String>,
    #[serde(default)]
    subnets: Vec<String>,
    protocol: Option<String>,
    ports: OneOrMany<PortRange>,
    #[serde(default)]
    security_groups: Vec<String>,
    status: Option<String>,
    policy: Option<String>,
    policy_enabled: Option<bool>,
}

macro_rules! yaml_id {
    ($($t:ty),*) => {$(
        impl super::yaml::YamlId for $t {
            fn yaml_id(&self) -> &str { &self.id }
        }
    )*};
}
yaml_id!(InstanceY, TrustProviderY, GroupY, EndpointY);

fn yaml_policy(doc: &Option<String>, enabled: Option<bool>, origin: &Origin) -> Option<VaPolicy> {
    doc.as_ref().map(|d| VaPolicy {
        enabled: enabled.unwrap_or(true),
        document: d.clone(),
        origin: origin.clone(),
    })
}

pub(crate) fn lower_yaml_instance(st: &mut State, origin: &Origin, i: &InstanceY) {
    let v = VaInstance {
        id: i.id.clone(),
        trust_providers: i.trust_providers.clone(),
        origin: origin.clone(),
    };
    merge(
        &mut st.net.va_instances,
        &mut st.warnings,
        "verified access instance",
        &i.id,
        v,
    );
}

pub(crate) fn lower_yaml_trust_provider(st: &mut State, origin: &Origin, t: &TrustProviderY) {
    st.net.va_trust_providers.insert(
        t.id.clone(),
        VaTrustProvider {
            id: t.id.clone(),
            kind: match t.kind {
                TrustKindY::User => VaTrustKind::User,
                TrustKindY::Device => VaTrustKind::Device,
            },
            provider: t.provider.clone(),
            reference: t.reference.clone(),
            origin: origin.clone(),
        },
    );
}

pub(crate) fn lower_yaml_group(st: &mut State, origin: &Origin, g: &GroupY) {
    let v = VaGroup {
        id: g.id.clone(),
        instance: g.instance.clone(),
        policy: yaml_policy(&g.policy, g.policy_enabled, origin),
        origin: origin.clone(),
    };
    merge(
        &mut st.net.va_groups,
        &mut st.warnings,
        "verified access group",
        &g.id,
        v,
    );
}

pub(crate) fn lower_yaml_endpoint(
    st: &mut State,
    file: &str,
    origin: &Origin,
    e: &EndpointY,
) -> Result<(), IngestError> {
    let res = resource("verified access endpoint", &e.id);
    let need = |v: Option<String>, f: &str| {
        v.ok_or_else(|| {
            field_err(
                file,
                &res,
                f,
                format!("missing: a `{}` endpoint names its `{f}`", e.kind),
            )
        })
    };
    let target = match e.kind.as_str() {
        "network-interface" => VaTarget::NetworkInterface(need(e.interface.clone(), "interface")?),
        "cidr" => VaTarget::Cidr(e.cidr.as_ref().map(|n| n.0).ok_or_else(|| {
            field_err(
                file,
                &res,
                "cidr",
                "missing: a `cidr` endpoint names its `cidr`",
            )
        })?),
        "load-balancer" => VaTarget::LoadBalancer(need(e.load_balancer.clone(), "load_balancer")?),
        "rds" => VaTarget::Rds(need(e.rds.clone(), "rds")?),
        other => {
            return Err(field_err(
                file,
                &res,
                "type",
                format!(
                    "invalid endpoint type `{other}`: expected `network-interface`, `cidr`, `load-balancer` or `rds`"
                ),
            ));
        }
    };
    if e.ports.0.is_empty() {
        return Err(field_err(
            file,
            &res,
            "ports",
            "empty: expected a port or a range",
        ));
    }
    let v = VaEndpoint {
        id: e.id.clone(),
        group: e.group.clone(),
        target,
        protocol: e.protocol.clone().unwrap_or_else(|| "tcp".into()),
        ports: e.ports.0.iter().map(|p| (p.from, p.to)).collect(),
        subnets: e.subnets.clone(),
        vpc: String::new(),
        security_groups: e.security_groups.clone(),
        status: e.status.clone().unwrap_or_else(|| "active".into()),
        policy: yaml_policy(&e.policy, e.policy_enabled, origin),
        origin: origin.clone(),
    };
    merge(
        &mut st.net.va_endpoints,
        &mut st.warnings,
        "verified access endpoint",
        &e.id,
        v,
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Completion
// ---------------------------------------------------------------------------

/// Attaches policies read from their own documents to their owners.
fn attach<T>(
    parts: Vec<PolicyPart>,
    owners: &mut std::collections::BTreeMap<String, T>,
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
pub(crate) fn finish(st: &mut State) -> Result<(), IngestError> {
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
    let named = |file: &str, json: &str, yaml: &str| {
        if yaml_files.contains(file) {
            yaml.to_string()
        } else {
            json.to_string()
        }
    };
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
    let ids: Vec<String> = st.net.va_endpoints.keys().cloned().collect();
    for id in ids {
        let e = &st.net.va_endpoints[&id];
        let res = resource("verified access endpoint", &id);
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
        if let Some(e) = st.net.va_endpoints.get_mut(&id) {
            e.subnets = subnets;
            e.vpc = vpc;
        }
    }
    Ok(())
}
