//! AWS Verified Access (aws-semantics.md §7): the AWS CLI's
//! `describe-verified-access-{instances,trust-providers,groups,endpoints}`
//! documents, the project's own policy documents (the CLI prints a policy
//! without its owner's ID), and the YAML model sections. Endpoints are
//! completed in [`finish`], once every document is read: policies attached,
//! the VPC and subnets resolved, every Cedar document checked to parse.

use serde::Deserialize;

use super::common::{Net, OneOrMany, PortRange};
use super::error::{IngestError, field_err, resource};
use super::state::{PolicyPart, State, merge};
use crate::model::{
    Origin, VaEndpoint, VaGroup, VaInstance, VaPolicy, VaTarget, VaTrustKind, VaTrustProvider,
};

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
