//! What AWS implies without listing it: a VPC's default network ACL, default
//! security group and main route table, the `local` routes of its route
//! tables, the description it gives a Client VPN association's interface, and
//! which NAT gateways still have an interface. The YAML reader adds the
//! defaults to the VPCs it declares; `finish` looks them up.

use ipnet::IpNet;

use super::state::State;
use crate::model::{
    Action, NaclEntry, NetworkAcl, Peer, PortMatch, Protocol, Route, RouteDest, RouteOrigin,
    RouteState, RouteTable, SecurityGroup, SgRule, Target,
};

/// The description AWS gives a Client VPN association's network interface.
pub(crate) const CVPN_ENI_DESCRIPTION: &str = "ClientVPN Endpoint resource";

/// NAT gateways AWS still lists after deletion (or failure) have no live interface.
pub(crate) fn nat_is_live(state: &str) -> bool {
    !matches!(state, "deleted" | "deleting" | "failed")
}

pub(crate) fn default_sg_id(vpc: &str) -> String {
    format!("sg-default-{vpc}")
}

/// The VPC's default security group: named `default`, or `sg-default-<vpc>`.
pub(crate) fn default_sg_of(st: &State, vpc: &str) -> Option<String> {
    let fallback = default_sg_id(vpc);
    st.net
        .security_groups
        .values()
        .find(|g| g.vpc == vpc && (g.name == "default" || g.id == fallback))
        .map(|g| g.id.clone())
}

pub(crate) fn default_nacl_of(st: &State, vpc: &str) -> Option<String> {
    st.net
        .network_acls
        .values()
        .find(|a| a.vpc == vpc && a.is_default)
        .map(|a| a.id.clone())
}

pub(crate) fn all_v4() -> IpNet {
    IpNet::V4(ipnet::Ipv4Net::default())
}

pub(crate) fn all_v6() -> IpNet {
    IpNet::V6(ipnet::Ipv6Net::default())
}

/// Per YAML VPC: a default network ACL, a default security group and a main
/// route table, each unless one is declared.
pub(crate) fn add_vpc_defaults(st: &mut State, vpcs: &[String], yaml_tables: &mut Vec<String>) {
    for vpc_id in vpcs {
        let Some(vpc) = st.net.vpcs.get(vpc_id).cloned() else {
            continue;
        };
        let has_v6 = vpc.cidrs.iter().any(|c| matches!(c, IpNet::V6(_)));
        if default_nacl_of(st, vpc_id).is_none() {
            let mut entries = vec![NaclEntry {
                number: 100,
                action: Action::Allow,
                protocol: Protocol::All,
                cidr: all_v4(),
                ports: PortMatch::Any,
                source: None,
            }];
            if has_v6 {
                entries.push(NaclEntry {
                    number: 101,
                    cidr: all_v6(),
                    ..entries[0].clone()
                });
            }
            let id = format!("acl-default-{vpc_id}");
            st.net.network_acls.insert(
                id.clone(),
                NetworkAcl {
                    id,
                    vpc: vpc_id.clone(),
                    is_default: true,
                    inbound: entries.clone(),
                    outbound: entries,
                    origin: vpc.origin.clone(),
                },
            );
        }
        if default_sg_of(st, vpc_id).is_none() {
            let id = default_sg_id(vpc_id);
            let rule = |peer: Peer| SgRule {
                protocol: Protocol::All,
                ports: PortMatch::Any,
                peer,
                description: None,
                rule_id: None,
                position: SgRule::AWS_DEFAULT.into(),
            };
            // AWS: all outbound IPv4, and all outbound IPv6 when the VPC has an IPv6 CIDR.
            let mut egress = vec![rule(Peer::Cidr(all_v4()))];
            if vpc.cidrs.iter().any(|c| matches!(c, IpNet::V6(_))) {
                egress.push(rule(Peer::Cidr(IpNet::V6(ipnet::Ipv6Net::default()))));
            }
            st.net.security_groups.insert(
                id.clone(),
                SecurityGroup {
                    id: id.clone(),
                    name: "default".into(),
                    vpc: vpc_id.clone(),
                    ingress: vec![rule(Peer::Group(id.clone()))],
                    egress,
                    tags: Default::default(),
                    origin: vpc.origin.clone(),
                },
            );
        }
        let has_main = st
            .net
            .route_tables
            .values()
            .any(|t| t.main && &t.vpc == vpc_id);
        if !has_main {
            let id = format!("rtb-main-{vpc_id}");
            st.net.route_tables.insert(
                id.clone(),
                RouteTable {
                    id: id.clone(),
                    vpc: vpc_id.clone(),
                    main: true,
                    subnets: Vec::new(),
                    gateways: Vec::new(),
                    routes: Vec::new(),
                    origin: vpc.origin.clone(),
                },
            );
            yaml_tables.push(id);
        }
    }
}

/// Each YAML route table gets a `local` route per CIDR of its VPC, first, unless declared.
pub(crate) fn add_local_routes(st: &mut State, tables: &[String]) {
    for id in tables {
        let Some(vpc) = st.net.route_tables.get(id).map(|t| t.vpc.clone()) else {
            continue;
        };
        let Some(cidrs) = st.net.vpcs.get(&vpc).map(|v| v.cidrs.clone()) else {
            continue;
        };
        let Some(table) = st.net.route_tables.get_mut(id) else {
            continue;
        };
        let mut at = 0;
        for c in cidrs {
            let dest = RouteDest::Cidr(c);
            if !table.routes.iter().any(|r| r.dest == dest) {
                table.routes.insert(
                    at,
                    Route {
                        dest,
                        target: Target::Local,
                        state: RouteState::Active,
                        origin: RouteOrigin::Static,
                    },
                );
                at += 1;
            }
        }
    }
}
