//! Client VPN endpoints completed once every file is read: target networks,
//! routes and authorization rules read from their own documents attached;
//! what a missing document implies for a snapshot endpoint; each association
//! linked to its network interface.

use std::collections::BTreeSet;

use crate::ingest::common::push_unique;
use crate::ingest::defaults::{CVPN_ENI_DESCRIPTION, default_sg_of};
use crate::ingest::error::{IngestError, resource};
use crate::ingest::state::{CvpnPart, DeferredRef, RefKind, State};
use crate::model::{ClientVpnRoute, Interface};

fn unknown_endpoint<T>(p: &CvpnPart<T>) -> IngestError {
    IngestError::UnknownRef {
        file: p.origin.file.to_string(),
        resource: p.resource.clone(),
        field: "ClientVpnEndpointId".into(),
        kind: "client vpn endpoint".into(),
        id: p.endpoint.clone(),
    }
}

/// Attaches the target networks, routes and authorization rules read from
/// their own documents to their endpoints; gives snapshot endpoints what a
/// missing document implies (VPC default group, association routes, warnings);
/// links each association to its network interface.
pub(super) fn attach(st: &mut State) -> Result<(), IngestError> {
    let parts = std::mem::take(&mut st.cvpn);

    for id in &parts.default_sg {
        let Some(ep) = st.net.client_vpn_endpoints.get(id) else {
            continue;
        };
        if !ep.security_groups.is_empty() {
            continue;
        }
        match default_sg_of(st, &ep.vpc) {
            Some(g) => {
                if let Some(ep) = st.net.client_vpn_endpoints.get_mut(id) {
                    ep.security_groups = vec![g];
                }
            }
            None => st.warnings.push(format!(
                "`{}`: {}: field `SecurityGroupIds`: missing, and vpc `{}` has no default security group in the input; the endpoint has no security group",
                ep.origin.file,
                resource("client vpn endpoint", id),
                ep.vpc
            )),
        }
    }

    for p in parts.associations {
        let Some(ep) = st.net.client_vpn_endpoints.get_mut(&p.endpoint) else {
            return Err(unknown_endpoint(&p));
        };
        st.deferred_refs.push(DeferredRef {
            kind: RefKind::Subnet,
            origin: p.origin,
            resource: p.resource,
            field: "TargetNetworkId".into(),
            id: p.item.subnet.clone(),
        });
        match ep.associations.iter_mut().find(|a| a.id == p.item.id) {
            Some(a) => *a = p.item,
            None => ep.associations.push(p.item),
        }
    }
    for p in parts.routes {
        let Some(ep) = st.net.client_vpn_endpoints.get_mut(&p.endpoint) else {
            return Err(unknown_endpoint(&p));
        };
        if !p.item.is_local() {
            st.deferred_refs.push(DeferredRef {
                kind: RefKind::Subnet,
                origin: p.origin,
                resource: p.resource,
                field: "TargetSubnet".into(),
                id: p.item.target_subnet.clone(),
            });
        }
        push_unique(&mut ep.routes, p.item);
    }
    for p in parts.rules {
        let Some(ep) = st.net.client_vpn_endpoints.get_mut(&p.endpoint) else {
            return Err(unknown_endpoint(&p));
        };
        push_unique(&mut ep.auth_rules, p.item);
    }

    // Snapshot endpoints: what a missing document implies.
    for ep in st.net.client_vpn_endpoints.values_mut() {
        if st.yaml_files.contains(&ep.origin.file) {
            continue;
        }
        if !st.loaded.cvpn_target_networks {
            st.warnings.push(format!(
                "no `ClientVpnTargetNetworks` document: `{}` has no associations, so carries no traffic",
                ep.id
            ));
        }
        if !st.loaded.cvpn_routes && !ep.associations.is_empty() {
            let cidrs = st.net.vpcs.get(&ep.vpc).map(|v| v.cidrs.clone());
            let mut msg = format!(
                "no `Routes` document: assumed only the routes Client VPN adds on association for `{}`",
                ep.id
            );
            match cidrs {
                Some(cidrs) => {
                    for a in ep.associations.iter().filter(|a| a.status == "associated") {
                        for c in &cidrs {
                            push_unique(
                                &mut ep.routes,
                                ClientVpnRoute {
                                    dest: *c,
                                    target_subnet: a.subnet.clone(),
                                    status: "active".into(),
                                    origin: Some("associate".into()),
                                },
                            );
                        }
                    }
                }
                None => msg.push_str(&format!(
                    " (vpc `{}` is not in the input: none added)",
                    ep.vpc
                )),
            }
            st.warnings.push(msg);
        }
        if !st.loaded.cvpn_auth_rules {
            st.warnings.push(format!(
                "no `AuthorizationRules` document: nothing is authorized on `{}`",
                ep.id
            ));
        }
    }

    link_association_interfaces(st);
    Ok(())
}

/// An association without an interface gets the `ClientVPN Endpoint resource`
/// interface in its subnet not taken by another association: one carrying
/// exactly the endpoint's groups if any, else the first by ID.
fn link_association_interfaces(st: &mut State) {
    let net = &mut st.net;
    let mut taken: BTreeSet<String> = net
        .client_vpn_endpoints
        .values()
        .flat_map(|e| e.associations.iter().filter_map(|a| a.interface.clone()))
        .collect();
    for ep in net.client_vpn_endpoints.values_mut() {
        let mut want = ep.security_groups.clone();
        want.sort();
        want.dedup();
        for a in ep.associations.iter_mut().filter(|a| a.interface.is_none()) {
            let candidates: Vec<&Interface> = net
                .interfaces
                .values()
                .filter(|i| {
                    i.subnet == a.subnet
                        && !taken.contains(&i.id)
                        && i.description
                            .as_deref()
                            .is_some_and(|d| d.starts_with(CVPN_ENI_DESCRIPTION))
                })
                .collect();
            let same_groups = |i: &&&Interface| {
                let mut g = i.groups.clone();
                g.sort();
                g.dedup();
                g == want
            };
            let pick = candidates
                .iter()
                .find(same_groups)
                .or(candidates.first())
                .map(|i| i.id.clone());
            if let Some(id) = pick {
                taken.insert(id.clone());
                a.interface = Some(id);
            }
        }
    }
}
