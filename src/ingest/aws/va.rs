//! Verified Access (aws-semantics.md §7): the AWS CLI's
//! `describe-verified-access-{instances,trust-providers,groups,endpoints}`
//! documents, and the project's own policy documents (the CLI prints a policy
//! without its owner's ID), attached to their owners in `finish`.

use serde::Deserialize;

use crate::ingest::common::Net;
use crate::ingest::error::{IngestError, field_err, resource};
use crate::ingest::state::{PolicyPart, State, merge};
use crate::model::{
    Origin, VaEndpoint, VaGroup, VaInstance, VaTarget, VaTrustKind, VaTrustProvider,
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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct InstanceDto {
    verified_access_instance_id: String,
    #[serde(default)]
    verified_access_trust_providers: Vec<TrustProviderDto>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TrustProviderDto {
    verified_access_trust_provider_id: String,
    trust_provider_type: Option<String>,
    user_trust_provider_type: Option<String>,
    device_trust_provider_type: Option<String>,
    policy_reference_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GroupDto {
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
pub(super) struct EndpointDto {
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
pub(super) struct GroupPolicyDto {
    verified_access_group_id: String,
    #[serde(default)]
    policy_enabled: bool,
    policy_document: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct EndpointPolicyDto {
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

pub(super) fn lower_instance(st: &mut State, file: &str, origin: &Origin, d: InstanceDto) {
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

pub(super) fn lower_trust_provider(
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

pub(super) fn lower_group(st: &mut State, origin: &Origin, d: GroupDto) {
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

pub(super) fn lower_endpoint(
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

pub(super) fn add_group_policy(st: &mut State, origin: &Origin, res: &str, d: GroupPolicyDto) {
    let p = PolicyPart::new(
        origin,
        res,
        d.verified_access_group_id,
        d.policy_enabled,
        d.policy_document,
    );
    st.va.group_policies.push(p);
}

pub(super) fn add_endpoint_policy(
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
