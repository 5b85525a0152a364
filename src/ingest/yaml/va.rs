//! The Verified Access sections: `verified_access_instances`,
//! `verified_access_trust_providers`, `verified_access_groups` and
//! `verified_access_endpoints` (policies as Cedar text, checked in `finish`).

use super::cx::Cx;
use super::model::{Model, VaEndpointY, VaGroupY, VaInstanceY, VaTrustKindY, VaTrustProviderY};
use crate::ingest::error::{IngestError, field_err, resource};
use crate::ingest::state::{State, merge};
use crate::model::{
    Origin, VaEndpoint, VaGroup, VaInstance, VaPolicy, VaTarget, VaTrustKind, VaTrustProvider,
};

pub(super) fn lower_sections(st: &mut State, cx: &Cx, m: &Model) -> Result<(), IngestError> {
    for i in m.verified_access_instances.iter().flatten() {
        lower_instance(st, &cx.origin, i);
    }
    for t in m.verified_access_trust_providers.iter().flatten() {
        lower_trust_provider(st, &cx.origin, t);
    }
    for g in m.verified_access_groups.iter().flatten() {
        lower_group(st, &cx.origin, g);
    }
    for e in m.verified_access_endpoints.iter().flatten() {
        lower_endpoint(st, cx.file, &cx.origin, e)?;
    }
    Ok(())
}

fn yaml_policy(doc: &Option<String>, enabled: Option<bool>, origin: &Origin) -> Option<VaPolicy> {
    doc.as_ref().map(|d| VaPolicy {
        enabled: enabled.unwrap_or(true),
        document: d.clone(),
        origin: origin.clone(),
    })
}

fn lower_instance(st: &mut State, origin: &Origin, i: &VaInstanceY) {
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

fn lower_trust_provider(st: &mut State, origin: &Origin, t: &VaTrustProviderY) {
    st.net.va_trust_providers.insert(
        t.id.clone(),
        VaTrustProvider {
            id: t.id.clone(),
            kind: match t.kind {
                VaTrustKindY::User => VaTrustKind::User,
                VaTrustKindY::Device => VaTrustKind::Device,
            },
            provider: t.provider.clone(),
            reference: t.reference.clone(),
            origin: origin.clone(),
        },
    );
}

fn lower_group(st: &mut State, origin: &Origin, g: &VaGroupY) {
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

fn lower_endpoint(
    st: &mut State,
    file: &str,
    origin: &Origin,
    e: &VaEndpointY,
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
