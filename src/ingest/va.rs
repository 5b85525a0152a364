//! Verified Access sections of the YAML model.

use serde::Deserialize;

use super::common::{Net, OneOrMany, PortRange};
use super::error::{IngestError, field_err, resource};
use super::state::{State, merge};
use crate::model::{
    Origin, VaEndpoint, VaGroup, VaInstance, VaPolicy, VaTarget, VaTrustKind, VaTrustProvider,
};

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
