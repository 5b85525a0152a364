//! The `client_vpn_endpoints` section: endpoints with their associations
//! (and the interfaces they describe), routes (with those AWS adds on
//! association) and authorization rules.

use super::cx::{Cx, check_in_subnet};
use super::model::{AuthY, CvpnY};
use crate::ingest::defaults::{CVPN_ENI_DESCRIPTION, default_sg_of};
use crate::ingest::error::{IngestError, resource};
use crate::ingest::state::{State, merge};
use crate::model::{
    ClientVpnAssociation, ClientVpnAuthRule, ClientVpnAuthType, ClientVpnEndpoint, ClientVpnRoute,
    Interface, PrivateIp,
};

pub(super) fn lower_client_vpn(st: &mut State, cx: &Cx, e: &CvpnY) -> Result<(), IngestError> {
    let res = resource("client vpn endpoint", &e.id);
    let auth = auth_types(cx, &res, e)?;
    let security_groups = match &e.security_groups {
        Some(g) => g.clone(),
        None => vec![default_sg_of(st, &e.vpc).ok_or_else(|| {
            cx.err(
                &res,
                "security_groups",
                format!(
                    "missing, and vpc `{}` has no default security group in the input",
                    e.vpc
                ),
            )
        })?],
    };

    let associations = lower_associations(st, cx, &res, e, &security_groups)?;
    let routes = lower_routes(st, cx, &res, e, &associations)?;
    let auth_rules = lower_auth_rules(cx, &res, e)?;
    if e.authorization.is_none() {
        st.warnings.push(format!(
            "`{}`: {res}: no `authorization`: nothing is authorized",
            cx.file
        ));
    }

    let status = e.status.clone().unwrap_or_else(|| {
        if associations.iter().any(|a| a.status == "associated") {
            "available".into()
        } else {
            "pending-associate".into()
        }
    });
    let ep = ClientVpnEndpoint {
        id: e.id.clone(),
        vpc: e.vpc.clone(),
        client_cidr: e.client_cidr.0,
        split_tunnel: e.split_tunnel,
        status,
        security_groups,
        auth,
        associations,
        routes,
        auth_rules,
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.client_vpn_endpoints,
        &mut st.warnings,
        "client vpn endpoint",
        &e.id,
        ep,
    );
    Ok(())
}

/// `auth`: certificate when omitted, each type once.
fn auth_types(cx: &Cx, res: &str, e: &CvpnY) -> Result<Vec<ClientVpnAuthType>, IngestError> {
    Ok(match &e.auth {
        None => vec![ClientVpnAuthType::Certificate],
        Some(list) if list.0.is_empty() => {
            return Err(cx.err(
                res,
                "auth",
                "empty: expected `certificate`, `directory` or `federated`",
            ));
        }
        Some(list) => {
            let mut out = Vec::new();
            for a in &list.0 {
                let t = match a {
                    AuthY::Certificate => ClientVpnAuthType::Certificate,
                    AuthY::Directory => ClientVpnAuthType::Directory,
                    AuthY::Federated => ClientVpnAuthType::Federated,
                };
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            out
        }
    })
}

/// `associations`: each in a subnet of the endpoint's VPC, once; its
/// interface named, or described by `ip` (then created with the endpoint's
/// `security_groups`).
fn lower_associations(
    st: &mut State,
    cx: &Cx,
    res: &str,
    e: &CvpnY,
    security_groups: &[String],
) -> Result<Vec<ClientVpnAssociation>, IngestError> {
    let mut associations: Vec<ClientVpnAssociation> = Vec::new();
    for (i, a) in e.associations.iter().enumerate() {
        let field = |f: &str| format!("associations[{i}].{f}");
        let (vpc, cidrs) = st
            .net
            .subnets
            .get(&a.subnet)
            .map(|s| (s.vpc.clone(), s.cidrs.clone()))
            .ok_or_else(|| cx.unknown(res, &field("subnet"), "subnet", &a.subnet))?;
        if vpc != e.vpc {
            return Err(cx.err(
                res,
                field("subnet"),
                format!(
                    "subnet `{}` is in vpc `{vpc}`, the endpoint in `{}`",
                    a.subnet, e.vpc
                ),
            ));
        }
        if associations.iter().any(|x| x.subnet == a.subnet) {
            return Err(cx.err(
                res,
                field("subnet"),
                format!("subnet `{}` is associated twice", a.subnet),
            ));
        }
        let id =
            a.id.clone()
                .unwrap_or_else(|| format!("cvpn-assoc-{}", a.subnet));
        if associations.iter().any(|x| x.id == id) {
            return Err(cx.err(res, field("id"), format!("duplicate association `{id}`")));
        }
        // Association IDs are unique across endpoints: two endpoints associated
        // with one subnet would otherwise share the default `cvpn-assoc-<subnet>`.
        if let Some(other) = st
            .net
            .client_vpn_endpoints
            .values()
            .find(|o| o.id != e.id && o.associations.iter().any(|x| x.id == id))
        {
            return Err(cx.err(
                res,
                field("id"),
                format!(
                    "association `{id}` is also an association of `{}`: give each an `id`",
                    other.id
                ),
            ));
        }
        if a.public_ip.is_some() && a.ip.is_none() {
            return Err(cx.err(res, field("public_ip"), "needs `ip`"));
        }
        let interface = match (&a.interface, a.ip) {
            (Some(_), Some(_)) => {
                return Err(cx.err(res, field("ip"), "not with `interface`"));
            }
            (Some(eni_id), None) => {
                let eni = st
                    .net
                    .interfaces
                    .get(eni_id)
                    .or_else(|| st.instance_enis.get(eni_id))
                    .ok_or_else(|| {
                        cx.unknown(res, &field("interface"), "network interface", eni_id)
                    })?;
                if eni.subnet != a.subnet {
                    return Err(cx.err(
                        res,
                        field("interface"),
                        format!(
                            "network interface `{eni_id}` is in subnet `{}`, the association in `{}`",
                            eni.subnet, a.subnet
                        ),
                    ));
                }
                Some(eni_id.clone())
            }
            (None, Some(ip)) => {
                check_in_subnet(cx, res, &field("ip"), ip.0, &a.subnet, &cidrs)?;
                let eni_id = format!("eni-{id}");
                let eni = Interface {
                    id: eni_id.clone(),
                    vpc,
                    subnet: a.subnet.clone(),
                    private_ips: vec![PrivateIp {
                        address: ip.0,
                        public: a.public_ip.map(|p| p.0),
                    }],
                    ipv6: Vec::new(),
                    prefixes: Vec::new(),
                    groups: security_groups.to_vec(),
                    instance: None,
                    device_index: None,
                    status: "in-use".into(),
                    kind: "client_vpn".into(),
                    description: Some(CVPN_ENI_DESCRIPTION.into()),
                    tags: Default::default(),
                    origin: cx.origin.clone(),
                };
                merge(
                    &mut st.net.interfaces,
                    &mut st.warnings,
                    "network interface",
                    &eni_id,
                    eni,
                );
                Some(eni_id)
            }
            (None, None) => None,
        };
        associations.push(ClientVpnAssociation {
            id,
            subnet: a.subnet.clone(),
            status: a.status.clone().unwrap_or_else(|| "associated".into()),
            interface,
        });
    }
    Ok(associations)
}

/// `routes`, after those AWS adds to each VPC CIDR through each associated subnet.
fn lower_routes(
    st: &State,
    cx: &Cx,
    res: &str,
    e: &CvpnY,
    associations: &[ClientVpnAssociation],
) -> Result<Vec<ClientVpnRoute>, IngestError> {
    // AWS adds a route to each VPC CIDR through each associated subnet.
    let mut routes: Vec<ClientVpnRoute> = Vec::new();
    let vpc_cidrs = st
        .net
        .vpcs
        .get(&e.vpc)
        .map(|v| v.cidrs.clone())
        .unwrap_or_default();
    for a in associations.iter().filter(|a| a.status == "associated") {
        for c in &vpc_cidrs {
            let declared = e
                .routes
                .iter()
                .any(|r| r.dest.0 == *c && r.subnet == a.subnet);
            if !declared {
                routes.push(ClientVpnRoute {
                    dest: *c,
                    target_subnet: a.subnet.clone(),
                    status: "active".into(),
                    origin: Some("associate".into()),
                });
            }
        }
    }
    for (i, r) in e.routes.iter().enumerate() {
        // `local`: client-to-client, the route to the client CIDR.
        let local = r.subnet.eq_ignore_ascii_case("local");
        if !local && !associations.iter().any(|a| a.subnet == r.subnet) {
            let list: Vec<&str> = associations.iter().map(|a| a.subnet.as_str()).collect();
            return Err(cx.err(
                res,
                format!("routes[{i}].subnet"),
                format!(
                    "subnet `{}` is not associated with the endpoint (associations: {})",
                    r.subnet,
                    if list.is_empty() {
                        "none".to_string()
                    } else {
                        list.join(", ")
                    }
                ),
            ));
        }
        let implicit = vpc_cidrs.contains(&r.dest.0);
        let route = ClientVpnRoute {
            dest: r.dest.0,
            target_subnet: if local {
                "local".into()
            } else {
                r.subnet.clone()
            },
            status: r.status.clone().unwrap_or_else(|| "active".into()),
            origin: Some(if implicit { "associate" } else { "add-route" }.into()),
        };
        if !routes.contains(&route) {
            routes.push(route);
        }
    }
    Ok(routes)
}

/// `authorization`: each rule for all users or one group.
fn lower_auth_rules(cx: &Cx, res: &str, e: &CvpnY) -> Result<Vec<ClientVpnAuthRule>, IngestError> {
    let mut auth_rules = Vec::new();
    for (i, r) in e.authorization.iter().flatten().enumerate() {
        let group = match (r.access_all, &r.group) {
            (true, Some(_)) => {
                return Err(cx.err(
                    res,
                    format!("authorization[{i}].group"),
                    "not with `access_all: true`: exactly one of the two",
                ));
            }
            (false, None) => {
                return Err(cx.err(
                    res,
                    format!("authorization[{i}].access_all"),
                    "missing: exactly one of `access_all: true` and `group`",
                ));
            }
            (_, g) => g.clone(),
        };
        if group.as_deref() == Some("") {
            return Err(cx.err(res, format!("authorization[{i}].group"), "empty"));
        }
        auth_rules.push(ClientVpnAuthRule {
            dest: r.dest.0,
            access_all: r.access_all,
            group,
            status: r.status.clone().unwrap_or_else(|| "active".into()),
            description: r.description.clone(),
        });
    }
    Ok(auth_rules)
}
