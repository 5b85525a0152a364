//! Client VPN: `aws_ec2_client_vpn_authorization_rule` and
//! `aws_ec2_client_vpn_route`. Every argument of both forces a replacement.
//! A rule or route added names its Terraform address in its description
//! (the model's only free text for them). One with a value known only
//! after apply is not applied, and says so.

use serde::Deserialize;

use super::cx::{Cx, Id};
use super::plan::{Change, Seg};
use crate::ingest::common::parse_net;
use crate::ingest::error::IngestError;
use crate::model::{ClientVpnAuthRule, ClientVpnRoute};

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuthAttrs {
    client_vpn_endpoint_id: Option<String>,
    target_network_cidr: Option<String>,
    access_group_id: Option<String>,
    authorize_all_groups: Option<bool>,
    description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RouteAttrs {
    client_vpn_endpoint_id: Option<String>,
    destination_cidr_block: Option<String>,
    target_vpc_subnet_id: Option<String>,
    description: Option<String>,
}

/// The endpoint a rule or route belongs to, when it is in the network.
fn endpoint(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
    v: Option<&str>,
) -> Result<Option<String>, IngestError> {
    let path = [Seg::Key("client_vpn_endpoint_id")];
    match cx.id(c, after, v, &path, &["client_vpn_endpoint_id"]) {
        Id::Known(id) if cx.net.client_vpn_endpoints.contains_key(&id) => Ok(Some(id)),
        Id::Known(id) => {
            cx.warn(
                c,
                format!("not applied: Client VPN endpoint `{id}` is not in the network"),
            );
            Ok(None)
        }
        Id::Unknown(name) => {
            cx.warn(
                c,
                format!("not applied: `{name}` is known only after apply"),
            );
            Ok(None)
        }
        Id::Absent => Err(c.err(cx.file(), after, &path, "missing")),
    }
}

/// Fields known only after apply: the change is not applied, and says which.
fn unknown_fields(cx: &mut Cx<'_, '_>, c: &Change, keys: &[&str]) -> bool {
    let unknown: Vec<String> = keys
        .iter()
        .filter(|k| cx.plan.unknown(c, &[Seg::Key(k)]))
        .map(|k| format!("`{}`", c.field_name(&[Seg::Key(k)])))
        .collect();
    if unknown.is_empty() {
        return false;
    }
    cx.warn(
        c,
        format!(
            "not applied: {} known only after apply; answers for the endpoint do not include this change",
            unknown.join(", ")
        ),
    );
    true
}

fn described(desc: Option<String>, address: &str) -> Option<String> {
    match desc.filter(|d| !d.is_empty()) {
        Some(d) => Some(format!("{d} ({address})")),
        None => Some(address.to_string()),
    }
}

fn auth_rule(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
) -> Result<Option<(String, ClientVpnAuthRule)>, IngestError> {
    let file = cx.file().to_string();
    let a: AuthAttrs = c.attrs(&file, after)?;
    if after
        && unknown_fields(
            cx,
            c,
            &[
                "target_network_cidr",
                "access_group_id",
                "authorize_all_groups",
            ],
        )
    {
        return Ok(None);
    }
    let Some(ep) = endpoint(cx, c, after, a.client_vpn_endpoint_id.as_deref())? else {
        return Ok(None);
    };
    let path = [Seg::Key("target_network_cidr")];
    let Some(cidr) = a.target_network_cidr.as_deref().filter(|s| !s.is_empty()) else {
        return Err(c.err(&file, after, &path, "missing"));
    };
    let dest = parse_net(cidr).map_err(|m| c.err(&file, after, &path, m))?;
    let access_all = a.authorize_all_groups.unwrap_or(false);
    let group = a.access_group_id.filter(|g| !g.is_empty());
    if access_all == group.is_some() {
        return Err(c.err(
            &file,
            after,
            &[Seg::Key("access_group_id")],
            "exactly one of `access_group_id` and `authorize_all_groups = true` is required",
        ));
    }
    Ok(Some((
        ep,
        ClientVpnAuthRule {
            dest,
            access_all,
            group,
            status: "active".into(),
            description: described(a.description, &c.address),
        },
    )))
}

fn describe_auth(ep: &str, r: &ClientVpnAuthRule) -> String {
    let who = match (&r.group, r.access_all) {
        (_, true) => "all users".to_string(),
        (Some(g), false) => format!("group {g}"),
        (None, false) => "no group".to_string(),
    };
    format!("{ep} authorization rule {} -> {who}", r.dest)
}

pub(super) fn remove_auth(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let Some((ep, rule)) = auth_rule(cx, c, false)? else {
        return Ok(());
    };
    let e = cx
        .net
        .client_vpn_endpoints
        .get_mut(&ep)
        .expect("checked by endpoint");
    match e.auth_rules.iter().position(|r| {
        r.dest == rule.dest && r.access_all == rule.access_all && r.group == rule.group
    }) {
        Some(i) => {
            e.auth_rules.remove(i);
            cx.touched(c, &ep);
            cx.changed(c, format!("{} removed", describe_auth(&ep, &rule)));
        }
        None => cx.warn(
            c,
            format!(
                "{}: not in the network, nothing removed",
                describe_auth(&ep, &rule)
            ),
        ),
    }
    Ok(())
}

pub(super) fn add_auth(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let Some((ep, rule)) = auth_rule(cx, c, true)? else {
        return Ok(());
    };
    let line = format!("{} added", describe_auth(&ep, &rule));
    let e = cx
        .net
        .client_vpn_endpoints
        .get_mut(&ep)
        .expect("checked by endpoint");
    e.auth_rules.push(rule);
    cx.touched(c, &ep);
    cx.changed(c, line);
    Ok(())
}

/// Every argument forces a replacement: an update changes only the description.
pub(super) fn update_auth(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    if let Some((ep, _)) = auth_rule(cx, c, true)? {
        cx.touched(c, &ep);
    }
    Ok(())
}

fn cvpn_route(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
) -> Result<Option<(String, ClientVpnRoute)>, IngestError> {
    let file = cx.file().to_string();
    let a: RouteAttrs = c.attrs(&file, after)?;
    if after && unknown_fields(cx, c, &["destination_cidr_block", "target_vpc_subnet_id"]) {
        return Ok(None);
    }
    let Some(ep) = endpoint(cx, c, after, a.client_vpn_endpoint_id.as_deref())? else {
        return Ok(None);
    };
    let path = [Seg::Key("destination_cidr_block")];
    let Some(cidr) = a
        .destination_cidr_block
        .as_deref()
        .filter(|s| !s.is_empty())
    else {
        return Err(c.err(&file, after, &path, "missing"));
    };
    let dest = parse_net(cidr).map_err(|m| c.err(&file, after, &path, m))?;
    let Some(subnet) = a.target_vpc_subnet_id.filter(|s| !s.is_empty()) else {
        return Err(c.err(&file, after, &[Seg::Key("target_vpc_subnet_id")], "missing"));
    };
    let _ = a.description;
    Ok(Some((
        ep,
        ClientVpnRoute {
            dest,
            target_subnet: subnet,
            status: "active".into(),
            origin: Some("add-route".into()),
        },
    )))
}

fn describe_route(ep: &str, r: &ClientVpnRoute) -> String {
    format!("{ep} route {} -> {}", r.dest, r.target_subnet)
}

pub(super) fn remove_route(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let Some((ep, route)) = cvpn_route(cx, c, false)? else {
        return Ok(());
    };
    let e = cx
        .net
        .client_vpn_endpoints
        .get_mut(&ep)
        .expect("checked by endpoint");
    match e
        .routes
        .iter()
        .position(|r| r.dest == route.dest && r.target_subnet == route.target_subnet)
    {
        Some(i) => {
            e.routes.remove(i);
            cx.touched(c, &ep);
            cx.changed(c, format!("{} removed", describe_route(&ep, &route)));
        }
        None => cx.warn(
            c,
            format!(
                "{}: not in the network, nothing removed",
                describe_route(&ep, &route)
            ),
        ),
    }
    Ok(())
}

pub(super) fn add_route(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let Some((ep, route)) = cvpn_route(cx, c, true)? else {
        return Ok(());
    };
    let line = format!("{} added", describe_route(&ep, &route));
    let e = cx
        .net
        .client_vpn_endpoints
        .get_mut(&ep)
        .expect("checked by endpoint");
    e.routes.push(route);
    cx.touched(c, &ep);
    cx.changed(c, line);
    Ok(())
}

pub(super) fn update_route(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    if let Some((ep, _)) = cvpn_route(cx, c, true)? {
        cx.touched(c, &ep);
    }
    Ok(())
}
