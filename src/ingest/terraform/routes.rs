//! Routes: `aws_route` and `aws_route_table_association`. A destination
//! known only after apply is a prefix list the input has no entries for; a
//! target known only after apply (a gateway the plan creates) is a target
//! the engine does not follow, named by its placeholder.

use serde::Deserialize;

use super::cx::{Cx, Id};
use super::plan::{Change, Seg, placeholder};
use crate::ingest::common::parse_net;
use crate::ingest::error::IngestError;
use crate::model::{Route, RouteDest, RouteOrigin, RouteState, Target};

#[derive(Deserialize, Default)]
#[serde(default)]
struct RouteAttrs {
    route_table_id: Option<String>,
    destination_cidr_block: Option<String>,
    destination_ipv6_cidr_block: Option<String>,
    destination_prefix_list_id: Option<String>,
    gateway_id: Option<String>,
    nat_gateway_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    network_interface_id: Option<String>,
    egress_only_gateway_id: Option<String>,
    transit_gateway_id: Option<String>,
    vpc_endpoint_id: Option<String>,
    carrier_gateway_id: Option<String>,
    local_gateway_id: Option<String>,
    core_network_arn: Option<String>,
    instance_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssociationAttrs {
    subnet_id: Option<String>,
    gateway_id: Option<String>,
    route_table_id: Option<String>,
}

/// The target fields in the order they are read; `instance_id` before
/// `network_interface_id`, which AWS computes from it.
const TARGETS: [&str; 11] = [
    "gateway_id",
    "nat_gateway_id",
    "vpc_peering_connection_id",
    "egress_only_gateway_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "carrier_gateway_id",
    "local_gateway_id",
    "core_network_arn",
    "instance_id",
    "network_interface_id",
];

impl RouteAttrs {
    fn target(&self, key: &str) -> Option<&str> {
        let v = match key {
            "gateway_id" => &self.gateway_id,
            "nat_gateway_id" => &self.nat_gateway_id,
            "vpc_peering_connection_id" => &self.vpc_peering_connection_id,
            "egress_only_gateway_id" => &self.egress_only_gateway_id,
            "transit_gateway_id" => &self.transit_gateway_id,
            "vpc_endpoint_id" => &self.vpc_endpoint_id,
            "carrier_gateway_id" => &self.carrier_gateway_id,
            "local_gateway_id" => &self.local_gateway_id,
            "core_network_arn" => &self.core_network_arn,
            "instance_id" => &self.instance_id,
            _ => &self.network_interface_id,
        };
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// An `aws_route` as read: its table and the model route.
fn route_resource(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
) -> Result<Option<(String, Route)>, IngestError> {
    let file = cx.file().to_string();
    let a: RouteAttrs = c.attrs(&file, after)?;
    let table = match cx.id(
        c,
        after,
        a.route_table_id.as_deref(),
        &[Seg::Key("route_table_id")],
        &["route_table_id"],
    ) {
        Id::Known(t) => t,
        Id::Unknown(name) => {
            cx.warn(
                c,
                format!("not applied: `{name}` is known only after apply and the plan's configuration does not say which route table"),
            );
            return Ok(None);
        }
        Id::Absent => return Err(c.err(&file, after, &[Seg::Key("route_table_id")], "missing")),
    };
    let plan = cx.plan;
    let unknown = |k: &str| after && plan.unknown(c, &[Seg::Key(k)]);
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let dest = if let Some(s) = text(&a.destination_cidr_block) {
        RouteDest::Cidr(
            parse_net(&s)
                .map_err(|m| c.err(&file, after, &[Seg::Key("destination_cidr_block")], m))?,
        )
    } else if let Some(s) = text(&a.destination_ipv6_cidr_block) {
        RouteDest::Cidr(
            parse_net(&s)
                .map_err(|m| c.err(&file, after, &[Seg::Key("destination_ipv6_cidr_block")], m))?,
        )
    } else if let Some(s) = text(&a.destination_prefix_list_id) {
        RouteDest::PrefixList(s)
    } else if let Some(k) = [
        "destination_cidr_block",
        "destination_ipv6_cidr_block",
        "destination_prefix_list_id",
    ]
    .into_iter()
    .find(|k| unknown(k))
    {
        let name = c.field_name(&[Seg::Key(k)]);
        cx.unknown(
            c,
            format!("{name}: the route may capture any destination until apply (a prefix list without entries)"),
        );
        RouteDest::PrefixList(placeholder(&name))
    } else {
        return Err(c.err(
            &file,
            after,
            &[Seg::Key("destination_cidr_block")],
            "missing (nor `destination_ipv6_cidr_block`, `destination_prefix_list_id`)",
        ));
    };
    let target = match TARGETS.iter().find_map(|k| a.target(k).map(|v| (*k, v))) {
        Some(("instance_id", v)) => Target::Instance(v.to_string()),
        Some(("network_interface_id", v)) => Target::NetworkInterface(v.to_string()),
        Some((_, v)) => Target::from_id(v),
        None => match TARGETS.iter().find(|k| unknown(k)) {
            Some(k) => {
                let id = match cx.id(c, after, None, &[Seg::Key(k)], &[k]) {
                    Id::Known(p) => p,
                    _ => placeholder(&c.field_name(&[Seg::Key(k)])),
                };
                cx.unknown(
                    c,
                    format!("{}: the route's target is `{id}` until apply, which the engine does not follow", c.field_name(&[Seg::Key(k)])),
                );
                Target::Other(id)
            }
            None => {
                return Err(c.err(
                    &file,
                    after,
                    &[Seg::Key("gateway_id")],
                    "missing: the route has no target",
                ));
            }
        },
    };
    Ok(Some((
        table,
        Route {
            dest,
            target,
            state: RouteState::Active,
            origin: RouteOrigin::Static,
        },
    )))
}

fn describe(table: &str, r: &Route) -> String {
    format!("{table} route {} -> {}", r.dest.describe(), r.target.id())
}

pub(super) fn remove_route(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let Some((table, route)) = route_resource(cx, c, false)? else {
        return Ok(());
    };
    let Some(rt) = cx.net.route_tables.get_mut(&table) else {
        cx.warn(
            c,
            format!("nothing removed: route table `{table}` is not in the network"),
        );
        return Ok(());
    };
    match rt
        .routes
        .iter()
        .position(|r| r.dest == route.dest && r.origin == RouteOrigin::Static)
    {
        Some(i) => {
            let old = rt.routes.remove(i);
            cx.touched(c, &table);
            cx.changed(c, format!("{} removed", describe(&table, &old)));
        }
        None => cx.warn(
            c,
            format!(
                "{}: not in the network, nothing removed",
                describe(&table, &route)
            ),
        ),
    }
    Ok(())
}

pub(super) fn add_route(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let Some((table, route)) = route_resource(cx, c, true)? else {
        return Ok(());
    };
    let Some(rt) = cx.net.route_tables.get_mut(&table) else {
        cx.warn(
            c,
            format!("not applied: route table `{table}` is not in the network"),
        );
        return Ok(());
    };
    let line = format!("{} added", describe(&table, &route));
    let same = rt
        .routes
        .iter()
        .position(|r| r.dest == route.dest && r.origin == RouteOrigin::Static);
    let old = same.map(|i| rt.routes.remove(i));
    rt.routes.push(route);
    cx.touched(c, &table);
    cx.changed(c, line);
    if let Some(old) = old {
        cx.warn(
            c,
            format!(
                "{}: same destination, replaced (AWS would refuse the route)",
                describe(&table, &old)
            ),
        );
    }
    Ok(())
}

/// A target change is an in-place update.
pub(super) fn update_route(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let before = route_resource(cx, c, false)?;
    let after = route_resource(cx, c, true)?;
    let (Some((t1, r1)), Some((t2, r2))) = (before, after) else {
        return Ok(());
    };
    cx.touched(c, &t2);
    if t1 == t2 && r1 == r2 {
        return Ok(());
    }
    let Some(rt) = cx.net.route_tables.get_mut(&t1) else {
        cx.warn(
            c,
            format!("not applied: route table `{t1}` is not in the network"),
        );
        return Ok(());
    };
    match rt
        .routes
        .iter_mut()
        .find(|r| r.dest == r1.dest && r.origin == RouteOrigin::Static)
    {
        Some(r) => {
            let line = format!("{} changed to {}", describe(&t1, r), r2.target.id());
            *r = r2;
            cx.changed(c, line);
        }
        None => {
            rt.routes.push(r2);
            cx.warn(
                c,
                format!("{}: not in the network; added", describe(&t1, &r1)),
            );
        }
    }
    Ok(())
}

/// An association as read: (route table, subnet or gateway, is a gateway).
fn association(
    cx: &mut Cx<'_, '_>,
    c: &Change,
    after: bool,
) -> Result<Option<(String, String, bool)>, IngestError> {
    let file = cx.file().to_string();
    let a: AssociationAttrs = c.attrs(&file, after)?;
    let mut ids = Vec::new();
    for k in ["route_table_id", "subnet_id", "gateway_id"] {
        let v = match k {
            "route_table_id" => a.route_table_id.as_deref(),
            "subnet_id" => a.subnet_id.as_deref(),
            _ => a.gateway_id.as_deref(),
        };
        match cx.id(c, after, v, &[Seg::Key(k)], &[k]) {
            Id::Known(v) => ids.push(Some(v)),
            Id::Absent => ids.push(None),
            Id::Unknown(name) => {
                cx.warn(
                    c,
                    format!("not applied: `{name}` is known only after apply and the plan's configuration does not say which resource"),
                );
                return Ok(None);
            }
        }
    }
    let (Some(table), subnet, gateway) = (ids[0].clone(), ids[1].clone(), ids[2].clone()) else {
        return Err(c.err(&file, after, &[Seg::Key("route_table_id")], "missing"));
    };
    match (subnet, gateway) {
        (Some(s), None) => Ok(Some((table, s, false))),
        (None, Some(g)) => Ok(Some((table, g, true))),
        _ => Err(c.err(
            &file,
            after,
            &[Seg::Key("subnet_id")],
            "exactly one of `subnet_id` and `gateway_id` is required",
        )),
    }
}

fn detach(cx: &mut Cx<'_, '_>, c: &Change, table: &str, what: &str, gateway: bool) {
    let Some(rt) = cx.net.route_tables.get_mut(table) else {
        cx.warn(
            c,
            format!("nothing removed: route table `{table}` is not in the network"),
        );
        return;
    };
    let list = if gateway {
        &mut rt.gateways
    } else {
        &mut rt.subnets
    };
    let n = list.len();
    list.retain(|s| s != what);
    if list.len() == n {
        cx.warn(
            c,
            format!("{what} is not associated with {table} in the network: nothing removed"),
        );
        return;
    }
    cx.touched(c, table);
    cx.touched(c, what);
    cx.changed(
        c,
        format!(
            "{what} no longer associated with {table}{}",
            if gateway {
                ""
            } else {
                " (the VPC's main route table applies)"
            }
        ),
    );
}

fn attach(cx: &mut Cx<'_, '_>, c: &Change, table: &str, what: &str, gateway: bool) {
    if !cx.net.route_tables.contains_key(table) {
        cx.warn(
            c,
            format!("not applied: route table `{table}` is not in the network"),
        );
        return;
    }
    // A subnet has one table: its old explicit association goes.
    for rt in cx.net.route_tables.values_mut() {
        let list = if gateway {
            &mut rt.gateways
        } else {
            &mut rt.subnets
        };
        list.retain(|s| s != what);
    }
    let rt = cx.net.route_tables.get_mut(table).expect("checked above");
    let list = if gateway {
        &mut rt.gateways
    } else {
        &mut rt.subnets
    };
    list.push(what.to_string());
    cx.touched(c, table);
    cx.touched(c, what);
    cx.changed(c, format!("{what} associated with {table}"));
}

pub(super) fn remove_association(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    if let Some((table, what, gateway)) = association(cx, c, false)? {
        detach(cx, c, &table, &what, gateway);
    }
    Ok(())
}

pub(super) fn add_association(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    if let Some((table, what, gateway)) = association(cx, c, true)? {
        attach(cx, c, &table, &what, gateway);
    }
    Ok(())
}

/// `route_table_id` changes in place (`ReplaceRouteTableAssociation`).
pub(super) fn update_association(cx: &mut Cx<'_, '_>, c: &Change) -> Result<(), IngestError> {
    let before = association(cx, c, false)?;
    let after = association(cx, c, true)?;
    if before == after {
        if let Some((t, w, _)) = &after {
            cx.touched(c, t);
            cx.touched(c, w);
        }
        return Ok(());
    }
    if let Some((table, what, gateway)) = after {
        attach(cx, c, &table, &what, gateway);
    }
    Ok(())
}
