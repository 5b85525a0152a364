//! Route tables: a subnet's (the same subnet delivered directly), a
//! gateway's (ingress routing), and the middlebox an ingress route sends to.

use ipnet::IpNet;

use crate::engine::analysis::{Cause, Hop};
use crate::engine::flow::Flow;
use crate::engine::rules::{self, Side};
use crate::hs::{Field, IntervalSet};
use crate::model::{Route, RouteDest, RouteState, TableRoute, Target};

use super::{Cross, Node, Trail, Walk};

impl<'n> Walk<'n, '_> {
    /// Looks the destination up in the node's subnet route table and follows each route that matches.
    pub(super) fn route(&mut self, node: Node<'n>, flow: Flow, trail: Trail) {
        let net = self.net;
        // Two interfaces of one subnet talk directly: no route table, no ACL (§2).
        let own = net
            .subnets
            .get(node.subnet())
            .map(|s| {
                s.cidrs
                    .iter()
                    .fold(IntervalSet::empty(), |a, c| a.union(&rules::cidr_set(c)))
            })
            .unwrap_or_default();
        let (same, flow) = flow.split_field(Field::Dst, &own);
        if !same.is_empty() {
            let t = trail.with(Hop::new(
                node.subnet(),
                "subnet",
                "forward",
                "same subnet: delivered directly (no route table, no network ACL)",
            ));
            self.deliver(node.vpc(), Cross::Subnet(node.subnet()), same, t);
        }
        if flow.is_empty() {
            return;
        }
        let Some(rtb) = net.route_table_of(node.subnet()) else {
            return self.unknown(
                flow,
                trail,
                node.subnet(),
                "no route table for this subnet (and no main table for its VPC) in the input",
            );
        };
        let rest = self.split_routes(
            &rtb.id,
            &rtb.routes,
            flow,
            &trail,
            |r| {
                let pl = r.dest.describe();
                let managed = net.prefix_lists.get(&pl).is_some_and(|p| p.aws_managed());
                format!(
                    "route {pl} -> {}: the entries of {pl} are not in the input, so it may capture these packets{}",
                    r.target.id(),
                    if managed {
                        " (an AWS-managed list holds only public AWS ranges, never an address of the VPCs)"
                    } else {
                        ""
                    }
                )
            },
            |w, hit, cidr, r| w.subnet_route(node, &rtb.id, cidr, r, hit, &trail),
        );
        self.drop(
            rest,
            trail,
            Cause::NoRoute {
                rtb: rtb.id.clone(),
                subnet: node.subnet().to_string(),
            },
        );
    }

    /// Hands each route of a table the packets it takes, in deciding order
    /// (`rules::expanded_routes`): first what a route to a prefix list
    /// without entries could capture, `unknown` at `table` (`why` names the
    /// route), then each other route's packets to `each` (the packets, the
    /// CIDR they matched, the route). Returns what no route takes.
    pub(super) fn split_routes<R: TableRoute + 'n>(
        &mut self,
        table: &str,
        routes: impl IntoIterator<Item = &'n R>,
        flow: Flow,
        trail: &Trail,
        why: impl Fn(&R) -> String,
        mut each: impl FnMut(&mut Self, Flow, IpNet, &'n R),
    ) -> Flow {
        let routes = rules::expanded_routes(self.net, routes);
        let mut rest = flow;
        for (could, r) in &routes.unknown {
            let (hit, miss) = rest.split_field(Field::Dst, could);
            rest = miss;
            self.unknown(hit, trail.clone(), table, why(r));
        }
        for (cidr, r) in routes.known {
            if rest.is_empty() {
                break;
            }
            let (hit, miss) = rest.split_field(Field::Dst, &rules::cidr_set(&cidr));
            rest = miss;
            if hit.is_empty() {
                continue;
            }
            each(self, hit, cidr, r);
        }
        rest
    }

    /// The packets subnet route `r` of table `rtb` takes (matched as `cidr`):
    /// dropped at a blackhole, else on to its target.
    fn subnet_route(
        &mut self,
        node: Node<'n>,
        rtb: &str,
        cidr: IpNet,
        r: &Route,
        hit: Flow,
        trail: &Trail,
    ) {
        let desc = format!("{} -> {}", r.dest.describe(), r.target.id());
        if r.state == RouteState::Blackhole {
            return self.drop(
                hit,
                trail.with(Hop::new(
                    rtb,
                    "route-table",
                    "route",
                    format!("{desc} (blackhole)"),
                )),
                Cause::Blackhole {
                    rtb: rtb.to_string(),
                    route: desc,
                },
            );
        }
        let hop = Hop::new(rtb, "route-table", "route", desc);
        let hop = match &r.dest {
            RouteDest::PrefixList(_) => hop.with_entry(cidr.to_string()),
            RouteDest::Cidr(_) => hop,
        };
        let t = trail.with(hop);
        match &r.target {
            Target::Local => self.deliver(node.vpc(), Cross::Subnet(node.subnet()), hit, t),
            Target::InternetGateway(id) => self.via_igw(node, id, hit, t),
            Target::EgressOnlyInternetGateway(id) => self.via_eigw(node, id, hit, t),
            Target::VirtualPrivateGateway(id) => self.via_vgw(node, id, hit, t),
            Target::NatGateway(id) => self.via_nat(node, id, hit, t),
            Target::VpcPeering(id) => self.via_peering(node, id, hit, t),
            Target::TransitGateway(id) => self.via_tgw(node, id, hit, t),
            other => {
                let what = match other {
                    Target::NetworkInterface(_) | Target::Instance(_) => {
                        "appliance routes (network interface or instance targets)"
                    }
                    Target::VpcEndpoint(_) => "gateway VPC endpoints",
                    _ => "this route target",
                };
                self.unknown(
                    hit,
                    t,
                    other.id(),
                    format!("the model does not follow {what} yet"),
                );
            }
        }
    }

    /// Ingress routing: the route table associated with gateway `gw` routes
    /// what enters `vpc` through it (§2). Returns what goes on to the
    /// destination subnet (a `local` route, or no such table).
    pub(super) fn gateway_routes(
        &mut self,
        gw: &str,
        vpc: &str,
        flow: Flow,
        trail: Trail,
    ) -> Vec<(Flow, Trail)> {
        let net = self.net;
        let Some(rtb) = net
            .route_tables
            .values()
            .find(|t| t.vpc == vpc && t.gateways.iter().any(|g| g == gw))
        else {
            return vec![(flow, trail)];
        };
        let mut local = Vec::new();
        let rest = self.split_routes(
            &rtb.id,
            &rtb.routes,
            flow,
            &trail,
            |r| {
                format!(
                    "gateway route {} -> {}: its entries are not in the input",
                    r.dest.describe(),
                    r.target.id()
                )
            },
            |w, hit, _, r| {
                if let Some(on) = w.gateway_route(gw, vpc, &rtb.id, r, hit, &trail) {
                    local.push(on);
                }
            },
        );
        self.drop(
            rest,
            trail,
            Cause::NoRoute {
                rtb: rtb.id.clone(),
                subnet: gw.to_string(),
            },
        );
        local
    }

    /// The packets route `r` of gateway `gw`'s table `rtb` takes: dropped at
    /// a blackhole, to an appliance, or (a `local` route) returned to go on.
    fn gateway_route(
        &mut self,
        gw: &str,
        vpc: &str,
        rtb: &str,
        r: &Route,
        hit: Flow,
        trail: &Trail,
    ) -> Option<(Flow, Trail)> {
        let desc = format!("{} -> {}", r.dest.describe(), r.target.id());
        let t = trail.with(Hop::new(
            rtb,
            "route-table",
            "route",
            format!("{desc} (gateway route table of {gw})"),
        ));
        if r.state == RouteState::Blackhole {
            self.drop(
                hit,
                t,
                Cause::Blackhole {
                    rtb: rtb.to_string(),
                    route: desc,
                },
            );
            return None;
        }
        match &r.target {
            Target::Local => return Some((hit, t)),
            Target::NetworkInterface(id) | Target::Instance(id) => self.appliance(vpc, id, hit, t),
            other => self.unknown(
                hit,
                t,
                other.id(),
                "ingress routing to this target (gateway load balancer endpoint or other middlebox) is not modelled",
            ),
        }
        None
    }

    /// Ingress routing to a middlebox: delivered to it, then its own software
    /// decides what it forwards, which the input does not say.
    pub(super) fn appliance(&mut self, vpc: &str, id: &str, flow: Flow, trail: Trail) {
        let net = self.net;
        let eni = if id.starts_with("i-") {
            // An instance target is its primary interface (§5b).
            net.instance_interfaces(id).first().copied()
        } else {
            net.interfaces.get(id)
        };
        let Some(eni) = eni.filter(|e| e.vpc == vpc) else {
            return self.unknown(flow, trail, id, "the appliance is not in the input");
        };
        let mut trail = trail;
        let Some(flow) = self.nacl(&eni.subnet, Side::Ingress, flow, &mut trail) else {
            return;
        };
        let flow = match Node::Eni(eni).groups() {
            Some(g) => match self.security_groups(&eni.id, g, Side::Ingress, flow, &mut trail) {
                Some(f) => f,
                None => return,
            },
            None => flow,
        };
        self.unknown(
            flow,
            trail,
            &eni.id,
            format!(
                "the appliance {} receives the traffic (ingress routing); what its software forwards is not in the input",
                eni.id
            ),
        );
    }
}
