//! The `vpcs`, `prefix_lists`, `route_tables`, `subnets` (and their
//! associations), `internet_gateways`, `egress_only_internet_gateways` and
//! `peerings` sections.

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::cx::Cx;
use super::model::{Model, StateY};
use crate::ingest::defaults::default_nacl_of;
use crate::ingest::error::{IngestError, resource};
use crate::ingest::state::{State, merge};
use crate::model::{
    InternetGateway, Peering, PrefixList, Route, RouteOrigin, RouteState, RouteTable, Subnet,
    Target, Vpc,
};

/// subnet -> (index of its file, `route_table`, `nacl`): the associations a
/// subnet declares, made once every file's tables and ACLs are lowered.
pub(super) type SubnetLinks = BTreeMap<String, (usize, Option<String>, Option<String>)>;

/// `vpcs`; their IDs are added to `declared`.
pub(super) fn lower_vpcs(
    st: &mut State,
    cx: &Cx,
    m: &Model,
    declared: &mut Vec<String>,
) -> Result<(), IngestError> {
    for v in m.vpcs.iter().flatten() {
        let res = resource("vpc", &v.id);
        let cidrs: Vec<IpNet> = v.cidr.iter().chain(&v.cidrs).map(|n| n.0).collect();
        if cidrs.is_empty() {
            return Err(cx.err(&res, "cidr", "missing (or `cidrs`)"));
        }
        let vpc = Vpc {
            id: v.id.clone(),
            cidrs,
            tags: v.tags.clone(),
            origin: cx.origin.clone(),
        };
        merge(&mut st.net.vpcs, &mut st.warnings, "vpc", &v.id, vpc);
        declared.push(v.id.clone());
    }
    Ok(())
}

pub(super) fn lower_prefix_lists(st: &mut State, cx: &Cx, m: &Model) {
    for p in m.prefix_lists.iter().flatten() {
        let pl = PrefixList {
            id: p.id.clone(),
            name: p.name.clone(),
            owner: p.owner.clone(),
            family: None,
            entries: p.cidrs.as_ref().map(|c| c.iter().map(|n| n.0).collect()),
            origin: cx.origin.clone(),
        };
        merge(
            &mut st.net.prefix_lists,
            &mut st.warnings,
            "prefix list",
            &p.id,
            pl,
        );
    }
}

/// `route_tables`; their IDs are added to `declared`.
pub(super) fn lower_route_tables(st: &mut State, cx: &Cx, m: &Model, declared: &mut Vec<String>) {
    for t in m.route_tables.iter().flatten() {
        let rt = RouteTable {
            id: t.id.clone(),
            vpc: t.vpc.clone(),
            main: t.main,
            subnets: Vec::new(),
            gateways: t.gateways.clone(),
            routes: t
                .routes
                .iter()
                .map(|r| Route {
                    dest: r.dest.0.clone(),
                    target: Target::from_id(&r.target),
                    state: match r.state {
                        StateY::Active => RouteState::Active,
                        StateY::Blackhole => RouteState::Blackhole,
                    },
                    origin: if r.propagated {
                        RouteOrigin::Propagated
                    } else {
                        RouteOrigin::Static
                    },
                })
                .collect(),
            origin: cx.origin.clone(),
        };
        merge(
            &mut st.net.route_tables,
            &mut st.warnings,
            "route table",
            &t.id,
            rt,
        );
        declared.push(t.id.clone());
    }
}

/// `subnets`, of the `n`th file; their associations are kept in `links`.
pub(super) fn lower_subnets(
    st: &mut State,
    n: usize,
    cx: &Cx,
    m: &Model,
    links: &mut SubnetLinks,
) -> Result<(), IngestError> {
    for s in m.subnets.iter().flatten() {
        let res = resource("subnet", &s.id);
        let cidrs: Vec<IpNet> = s.cidr.iter().chain(&s.cidrs).map(|n| n.0).collect();
        if cidrs.is_empty() {
            return Err(cx.err(&res, "cidr", "missing (or `cidrs`)"));
        }
        let subnet = Subnet {
            id: s.id.clone(),
            vpc: s.vpc.clone(),
            cidrs,
            az: s.az.clone(),
            tags: s.tags.clone(),
            origin: cx.origin.clone(),
        };
        merge(
            &mut st.net.subnets,
            &mut st.warnings,
            "subnet",
            &s.id,
            subnet,
        );
        links.insert(s.id.clone(), (n, s.route_table.clone(), s.nacl.clone()));
    }
    Ok(())
}

pub(super) fn lower_internet_gateways(st: &mut State, cx: &Cx, m: &Model) {
    for (list, egress_only) in [
        (&m.internet_gateways, false),
        (&m.egress_only_internet_gateways, true),
    ] {
        for g in list.iter().flatten() {
            let igw = InternetGateway {
                id: g.id.clone(),
                vpcs: g.vpc.iter().cloned().collect(),
                egress_only,
                origin: cx.origin.clone(),
            };
            let kind = if egress_only {
                "egress-only internet gateway"
            } else {
                "internet gateway"
            };
            merge(
                &mut st.net.internet_gateways,
                &mut st.warnings,
                kind,
                &g.id,
                igw,
            );
        }
    }
}

pub(super) fn lower_peerings(st: &mut State, cx: &Cx, m: &Model) {
    for p in m.peerings.iter().flatten() {
        let peering = Peering {
            id: p.id.clone(),
            requester_vpc: p.requester.clone(),
            accepter_vpc: p.accepter.clone(),
            status: p.status.clone().unwrap_or_else(|| "active".into()),
            origin: cx.origin.clone(),
        };
        merge(
            &mut st.net.peerings,
            &mut st.warnings,
            "vpc peering connection",
            &p.id,
            peering,
        );
    }
}

/// Subnet associations: explicit, else the VPC's default network ACL.
pub(super) fn link_subnets(
    st: &mut State,
    cxs: &[Cx],
    links: &SubnetLinks,
) -> Result<(), IngestError> {
    for (subnet_id, (n, rt, acl)) in links {
        let cx = &cxs[*n];
        let res = resource("subnet", subnet_id);
        let Some(vpc) = st.net.subnets.get(subnet_id).map(|s| s.vpc.clone()) else {
            continue;
        };
        if let Some(rt_id) = rt {
            let Some(table) = st.net.route_tables.get_mut(rt_id) else {
                return Err(cx.unknown(&res, "route_table", "route table", rt_id));
            };
            if table.vpc != vpc {
                return Err(cx.err(
                    &res,
                    "route_table",
                    format!(
                        "route table `{rt_id}` is in vpc `{}`, the subnet in `{vpc}`",
                        table.vpc
                    ),
                ));
            }
            if !table.subnets.contains(subnet_id) {
                table.subnets.push(subnet_id.clone());
            }
        }
        match acl {
            Some(acl_id) => {
                let Some(a) = st.net.network_acls.get(acl_id) else {
                    return Err(cx.unknown(&res, "nacl", "network acl", acl_id));
                };
                if a.vpc != vpc {
                    return Err(cx.err(
                        &res,
                        "nacl",
                        format!(
                            "network acl `{acl_id}` is in vpc `{}`, the subnet in `{vpc}`",
                            a.vpc
                        ),
                    ));
                }
                st.set_nacl_of_subnet(subnet_id, acl_id, cx.file);
            }
            None => {
                if !st.net.nacl_of_subnet.contains_key(subnet_id)
                    && let Some(d) = default_nacl_of(st, &vpc)
                {
                    st.net.nacl_of_subnet.insert(subnet_id.clone(), d);
                }
            }
        }
    }
    Ok(())
}
