//! The z3 encoding of issue 9's semantics (`spec9.md` A–N), on small inline
//! models: each test states the verdict the semantics give and z3 must prove
//! it, independently of the engine.

use std::net::IpAddr;

use ipnet::IpNet;

use super::facts::instance_primary;
use super::solve::Z3Solver;
use crate::engine::{self, QuerySpec, Start, Verdict};
use crate::ingest::Loader;
use crate::model::{
    Network, Peer, Platform, PortMatch, Protocol, Route, RouteDest, RouteState, SgRule, Target,
};
use crate::prove::solver::{ProveError, Scope, Solver, Witnesses};

/// Dual-stack `vpc-a` (internet gateway; a route to a virtual private
/// gateway), `vpc-b` with only an egress-only internet gateway.
const DUAL: &str = r#"
vpcs:
  - {id: vpc-a, cidrs: [10.0.0.0/16, "2600:1f18:1::/56"]}
  - {id: vpc-b, cidrs: [10.1.0.0/16, "2600:1f18:2::/56"]}
subnets:
  - {id: subnet-a, vpc: vpc-a, cidrs: [10.0.1.0/24, "2600:1f18:1:1::/64"], route_table: rtb-a}
  - {id: subnet-c, vpc: vpc-a, cidrs: [10.0.2.0/24, "2600:1f18:1:2::/64"], route_table: rtb-a}
  - {id: subnet-b, vpc: vpc-b, cidrs: [10.1.1.0/24, "2600:1f18:2:1::/64"], route_table: rtb-b}
route_tables:
  - id: rtb-a
    vpc: vpc-a
    routes:
      - {dest: 0.0.0.0/0, target: igw-a}
      - {dest: "::/0", target: igw-a}
      - {dest: 10.200.0.0/24, target: vgw-a}
  - id: rtb-b
    vpc: vpc-b
    routes:
      - {dest: "::/0", target: eigw-b}
      - {dest: 0.0.0.0/0, target: eigw-b}
internet_gateways: [{id: igw-a, vpc: vpc-a}]
egress_only_internet_gateways: [{id: eigw-b, vpc: vpc-b}]
security_groups:
  - id: sg-web
    vpc: vpc-a
    name: web
    ingress: [{proto: tcp, ports: 443, from: [0.0.0.0/0, "::/0"]}]
    egress: [{proto: all, to: [0.0.0.0/0, "::/0"]}]
  - id: sg-open
    vpc: vpc-a
    name: open
    ingress: [{proto: all, from: [0.0.0.0/0, "::/0"]}]
    egress: [{proto: all, to: [0.0.0.0/0, "::/0"]}]
  - id: sg-b
    vpc: vpc-b
    name: b
    ingress: [{proto: all, from: [0.0.0.0/0, "::/0"]}]
    egress: [{proto: all, to: [0.0.0.0/0, "::/0"]}]
interfaces:
  - {id: eni-web, subnet: subnet-a, ip: 10.0.1.10, public_ip: 198.51.100.10, ipv6: ["2600:1f18:1:1::10"], groups: [sg-web], instance: i-web}
  - {id: eni-app, subnet: subnet-c, ip: 10.0.2.20, ipv6: ["2600:1f18:1:2::20"], prefixes: [10.0.2.64/28], groups: [sg-open], instance: i-app}
  - {id: eni-b, subnet: subnet-b, ip: 10.1.1.10, ipv6: ["2600:1f18:2:1::10"], groups: [sg-b]}
"#;

fn load(yaml: &str) -> Network {
    let mut l = Loader::new();
    l.add_yaml("t.yaml", yaml).unwrap();
    l.finish().unwrap()
}

/// `DUAL` with `extra` YAML sections appended.
fn dual(extra: &str) -> Network {
    load(&format!("{DUAL}{extra}"))
}

fn resolve(net: &Network, q: &str) -> engine::Query {
    engine::Query::resolve(net, QuerySpec::parse(q).unwrap(), None).unwrap()
}

fn solve(net: &Network, q: &engine::Query) -> Result<Witnesses, ProveError> {
    Z3Solver::new().witnesses(net, q, &Scope::Query)
}

fn verdict_of(net: &Network, q: &engine::Query) -> Verdict {
    let w = solve(net, q).expect("solves");
    assert!(
        w.fails.is_some() || w.reaches.is_some(),
        "{}: no packet at all",
        q.spec.text
    );
    w.verdict()
}

fn verdict(net: &Network, q: &str) -> Verdict {
    verdict_of(net, &resolve(net, q))
}

/// The query from `src`, an address of the source interface (the engine's
/// resolution picks the query's family; the encoding takes what it is given).
fn verdict_from(net: &Network, q: &str, src: &str) -> Verdict {
    let mut q = resolve(net, q);
    let Start::Interface { eni, .. } = q.start else {
        panic!("{}: not an interface source", q.spec.text)
    };
    q.start = Start::Interface {
        eni,
        ip: src.parse::<IpAddr>().unwrap(),
        also: Vec::new(),
    };
    verdict_of(net, &q)
}

use Verdict::*;

#[test]
fn b_ipv6_from_the_internet_enters_through_the_gateway_and_meets_acl_and_groups() {
    let net = dual("");
    // Only 443 is allowed by the group: 22 is blocked (not an outside host).
    assert_eq!(
        verdict(&net, "2001:db8::7->[2600:1f18:1:1::10]:22"),
        Unreachable
    );
    assert_eq!(
        verdict(&net, "2001:db8::7->[2600:1f18:1:1::10]:443"),
        Reachable
    );
    // No interface holds the address.
    assert_eq!(
        verdict(&net, "2001:db8::7->[2600:1f18:1:1::99]:443"),
        Unreachable
    );
    // vpc-b has no internet gateway: new connections do not enter.
    assert_eq!(
        verdict(&net, "2001:db8::7->[2600:1f18:2:1::10]:443"),
        Unreachable
    );
    // The subnet's ACL applies.
    let acl = "
network_acls:
  - id: acl-a
    vpc: vpc-a
    inbound: [{rule: 100, proto: tcp, ports: 443, cidr: 0.0.0.0/0, action: allow}]
    outbound: [{rule: 100, proto: all, cidr: '::/0', action: allow}]
";
    let mut net = dual(acl);
    net.nacl_of_subnet.insert("subnet-a".into(), "acl-a".into());
    assert_eq!(
        verdict(&net, "2001:db8::7->[2600:1f18:1:1::10]:443"),
        Unreachable,
        "the ACL allows IPv4 only"
    );
}

#[test]
fn a_c_ipv6_out_through_the_gateway_and_the_egress_only_gateway() {
    let net = dual("");
    assert_eq!(
        verdict_from(&net, "eni-web->[2001:db8::7]:443", "2600:1f18:1:1::10"),
        Reachable
    );
    // Egress-only: out and back.
    assert_eq!(
        verdict_from(&net, "eni-b->[2001:db8::7]:443", "2600:1f18:2:1::10"),
        Reachable
    );
    // It carries no IPv4.
    assert_eq!(verdict(&net, "eni-b->8.8.8.8:443"), Unreachable);
    // From vpc-b out through its egress-only gateway into vpc-a, and the reply back.
    assert_eq!(
        verdict_from(&net, "eni-b->[2600:1f18:1:1::10]:443", "2600:1f18:2:1::10"),
        Reachable
    );
    // From vpc-a to vpc-b over the internet: a new inbound connection for vpc-b.
    assert_eq!(
        verdict_from(
            &net,
            "eni-web->[2600:1f18:2:1::10]:443",
            "2600:1f18:1:1::10"
        ),
        Unreachable
    );
    // An egress-only gateway the input lacks: unknown; one of another VPC: dropped.
    let mut other = dual("");
    other
        .route_tables
        .get_mut("rtb-b")
        .unwrap()
        .routes
        .iter_mut()
        .filter(|r| r.target == Target::EgressOnlyInternetGateway("eigw-b".into()))
        .for_each(|r| r.target = Target::EgressOnlyInternetGateway("eigw-gone".into()));
    assert_eq!(
        verdict_from(&other, "eni-b->[2001:db8::7]:443", "2600:1f18:2:1::10"),
        Unknown
    );
    other.internet_gateways.get_mut("eigw-b").unwrap().vpcs = vec!["vpc-a".into()];
    for r in &mut other.route_tables.get_mut("rtb-b").unwrap().routes {
        if r.target == Target::EgressOnlyInternetGateway("eigw-gone".into()) {
            r.target = Target::EgressOnlyInternetGateway("eigw-b".into());
        }
    }
    assert_eq!(
        verdict_from(&other, "eni-b->[2001:db8::7]:443", "2600:1f18:2:1::10"),
        Unreachable
    );
}

const ROUTING: &str = r#"
vpcs: [{id: vpc-r, cidr: 10.9.0.0/16}]
subnets: [{id: subnet-r, vpc: vpc-r, cidr: 10.9.1.0/24, route_table: rtb-r}]
prefix_lists:
  - {id: pl-dns, cidrs: [8.8.8.0/24]}
  - {id: pl-one, cidrs: [1.1.1.0/24]}
route_tables:
  - id: rtb-r
    vpc: vpc-r
    routes:
      - {dest: pl-dns, target: igw-r}
      - {dest: 8.8.8.0/24, target: igw-r, state: blackhole}
      - {dest: 1.1.1.0/24, target: tgw-r, propagated: true}
      - {dest: pl-one, target: igw-r}
      - {dest: 0.0.0.0/0, target: igw-r}
internet_gateways: [{id: igw-r, vpc: vpc-r}]
security_groups:
  - {id: sg-r, vpc: vpc-r, name: r, egress: [{proto: all, to: 0.0.0.0/0}]}
interfaces:
  - {id: eni-r, subnet: subnet-r, ip: 10.9.1.10, public_ip: 198.51.100.90, groups: [sg-r]}
"#;

#[test]
fn d_static_beats_prefix_list_beats_propagated_whatever_the_order() {
    let net = load(ROUTING);
    // The static blackhole, listed after the prefix-list route, wins.
    assert_eq!(verdict(&net, "eni-r->8.8.8.8:443"), Unreachable);
    // The prefix-list route beats the propagated transit-gateway route listed before it.
    assert_eq!(verdict(&net, "eni-r->1.1.1.1:443"), Reachable);
    assert_eq!(verdict(&net, "eni-r->9.9.9.9:443"), Reachable);
}

#[test]
fn e_unknown_prefix_lists_capture_only_what_they_could() {
    let routes = "
prefix_lists:
  - {id: pl-s3, name: com.amazonaws.us-east-1.s3}
  - {id: pl-corp, owner: '123456789012'}
";
    let mut net = dual(routes);
    let rtb = net.route_tables.get_mut("rtb-a").unwrap();
    rtb.routes.push(Route {
        dest: RouteDest::PrefixList("pl-s3".into()),
        target: Target::VpcEndpoint("vpce-s3".into()),
        state: RouteState::Active,
        origin: Default::default(),
    });
    // Inside the VPC: an AWS-managed list cannot hold it.
    assert_eq!(verdict(&net, "eni-web->10.0.2.20:443"), Reachable);
    // A public address: it could.
    assert_eq!(verdict(&net, "eni-web->52.216.1.1:443"), Unknown);
    // A list of unknown owner could hold anything, inside the VPC too.
    let rtb = net.route_tables.get_mut("rtb-a").unwrap();
    rtb.routes.last_mut().unwrap().dest = RouteDest::PrefixList("pl-corp".into());
    assert_eq!(verdict(&net, "eni-web->10.0.2.20:443"), Unknown);
    // Security-group peers: the same regions.
    let mut net = dual(routes);
    let web = net.security_groups.get_mut("sg-web").unwrap();
    web.ingress = vec![SgRule {
        protocol: Protocol::TCP,
        ports: PortMatch::Ports { from: 22, to: 22 },
        peer: Peer::PrefixList("pl-s3".into()),
        description: None,
        rule_id: None,
        position: "ingress[0]".into(),
    }];
    assert_eq!(verdict(&net, "eni-app->10.0.1.10:22"), Unreachable);
    assert_eq!(verdict(&net, "52.216.1.1->198.51.100.10:22"), Unknown);
}

/// `vpc-a`'s internet gateway routed first by an edge table with `routes`
/// (and the local routes every YAML table gets).
fn with_edge(routes: &str) -> Network {
    let text = DUAL.replacen(
        "internet_gateways:",
        &format!(
            "  - id: rtb-edge\n    vpc: vpc-a\n    gateways: [igw-a]\n    routes: {routes}\ninternet_gateways:"
        ),
        1,
    );
    load(&text)
}

#[test]
fn f_gateway_route_tables_route_what_enters_first() {
    let fw = "
  - {id: eni-fw, subnet: subnet-c, ip: 10.0.2.50, groups: [sg-open]}
";
    // To an appliance: unknown, both for new connections and for replies.
    let mut net = with_edge("[{dest: 10.0.1.0/24, target: eni-fw}]");
    let extra = load(&format!("{DUAL}{fw}"));
    net.interfaces
        .insert("eni-fw".into(), extra.interfaces["eni-fw"].clone());
    assert_eq!(verdict(&net, "8.8.8.8->198.51.100.10:443"), Unknown);
    assert_eq!(verdict(&net, "eni-web->8.8.8.8:443"), Unknown);
    assert_eq!(
        verdict(&net, "2001:db8::7->[2600:1f18:1:1::10]:443"),
        Reachable,
        "IPv6 is not in 10.0.1.0/24: the local route"
    );
    // Its state is not checked (F lists its ACL and groups): still unknown.
    let mut off = net.clone();
    off.interfaces.get_mut("eni-fw").unwrap().status = "available".into();
    off.reindex();
    assert_eq!(verdict(&off, "8.8.8.8->198.51.100.10:443"), Unknown);
    // The appliance's groups still apply first.
    let mut closed = net.clone();
    closed.interfaces.get_mut("eni-fw").unwrap().groups = vec!["sg-web".into()];
    closed.reindex();
    assert_eq!(verdict(&closed, "8.8.8.8->198.51.100.10:22"), Unreachable);
    // A blackhole.
    let net = with_edge("[{dest: 10.0.1.10/32, target: igw-a, state: blackhole}]");
    assert_eq!(verdict(&net, "8.8.8.8->198.51.100.10:443"), Unreachable);
    assert_eq!(verdict(&net, "eni-web->8.8.8.8:443"), Unreachable);
    assert_eq!(
        verdict(&net, "eni-app->8.8.8.8:443"),
        Unreachable,
        "no public IP"
    );
    // A target the input lacks.
    let net = with_edge("[{dest: 10.0.1.0/24, target: eni-gone}]");
    assert_eq!(verdict(&net, "8.8.8.8->198.51.100.10:443"), Unknown);
    // No matching route: dropped (the table's local route covers the VPC).
    let mut net = with_edge("[]");
    net.route_tables
        .get_mut("rtb-edge")
        .unwrap()
        .routes
        .retain(|r| !matches!(r.dest, RouteDest::Cidr(IpNet::V4(_))));
    assert_eq!(verdict(&net, "8.8.8.8->198.51.100.10:443"), Unreachable);
    assert_eq!(
        verdict(&net, "2001:db8::7->[2600:1f18:1:1::10]:443"),
        Reachable
    );
}

#[test]
fn g_an_instance_route_target_is_its_primary_interface() {
    let mut net = dual("");
    let mut second = net.interfaces["eni-app"].clone();
    second.id = "eni-app-1".into();
    second.device_index = Some(1);
    net.interfaces.get_mut("eni-app").unwrap().device_index = Some(0);
    net.reindex();
    net.interfaces.insert("eni-app-1".into(), second);
    net.reindex();
    let inst = net.instances.get_mut("i-app").unwrap();
    inst.interfaces = vec!["eni-app-1".into(), "eni-app".into()];
    inst.platform = Platform::Linux;
    assert_eq!(instance_primary(&net, "i-app").unwrap().id, "eni-app");
    // Without the instance: through the interfaces' attachment.
    net.instances.remove("i-app");
    net.interfaces.get_mut("eni-app-1").unwrap().instance = Some("i-app".into());
    net.reindex();
    assert_eq!(instance_primary(&net, "i-app").unwrap().id, "eni-app");
    assert!(instance_primary(&net, "i-none").is_none());
}

#[test]
fn h_stopped_instances_and_detached_interfaces_answer_nothing() {
    let mut net = dual("");
    assert_eq!(verdict(&net, "eni-web->10.0.2.20:22"), Reachable);
    net.instances.get_mut("i-app").unwrap().state = Some("stopped".into());
    assert_eq!(verdict(&net, "eni-web->10.0.2.20:22"), Unreachable);
    assert_eq!(verdict(&net, "eni-app->10.0.1.10:443"), Unreachable);
    let mut net = dual("");
    net.interfaces.get_mut("eni-app").unwrap().status = "available".into();
    net.reindex();
    assert_eq!(verdict(&net, "eni-web->10.0.2.20:22"), Unreachable);
    assert_eq!(verdict(&net, "eni-app->10.0.1.10:443"), Unreachable);
}

#[test]
fn i_delegated_prefixes_belong_to_their_interface_and_idle_addresses_to_nothing() {
    let mut net = dual("");
    assert_eq!(verdict(&net, "eni-web->10.0.2.70:22"), Reachable);
    assert_eq!(verdict(&net, "eni-web->10.0.2.90:22"), Unreachable);
    // Group membership: an address of the prefix is the group's.
    net.security_groups.get_mut("sg-web").unwrap().ingress = vec![SgRule {
        protocol: Protocol::TCP,
        ports: PortMatch::Ports { from: 22, to: 22 },
        peer: Peer::Group("sg-open".into()),
        description: None,
        rule_id: None,
        position: "ingress[0]".into(),
    }];
    assert_eq!(
        verdict_from(&net, "eni-app->10.0.1.10:22", "10.0.2.70"),
        Reachable
    );
    // An idle Elastic IP answers nothing.
    assert_eq!(verdict(&net, "eni-web->198.51.100.99:443"), Reachable);
    net.idle_addresses
        .insert("198.51.100.99".parse().unwrap(), "eipalloc-1".into());
    assert_eq!(verdict(&net, "eni-web->198.51.100.99:443"), Unreachable);
}

#[test]
fn j_group_less_interfaces_and_load_balancers() {
    let mut net = dual("");
    let mut add = |id: &str, ip: &str, kind: &str, groups: &[&str], desc: Option<&str>| {
        let mut i = net.interfaces["eni-app"].clone();
        i.id = id.into();
        i.private_ips = vec![crate::model::PrivateIp {
            address: ip.parse().unwrap(),
            public: None,
        }];
        i.ipv6.clear();
        i.prefixes.clear();
        i.instance = None;
        i.kind = kind.into();
        i.groups = groups.iter().map(|g| g.to_string()).collect();
        i.description = desc.map(str::to_string);
        net.interfaces.insert(id.into(), i);
        net.reindex();
    };
    add("eni-nat", "10.0.2.30", "nat_gateway", &[], None);
    add("eni-blank", "10.0.2.31", "interface", &[], None);
    add("eni-nlb", "10.0.2.32", "network_load_balancer", &[], None);
    add(
        "eni-alb",
        "10.0.2.33",
        "interface",
        &["sg-web"],
        Some("ELB app/web/1234"),
    );
    add("eni-tgw", "10.0.2.34", "transit_gateway", &[], None);
    // Group-less by kind: unfiltered.
    assert_eq!(verdict(&net, "eni-web->10.0.2.30:8080"), Reachable);
    // An interface without groups: the input is incomplete.
    assert_eq!(verdict(&net, "eni-web->10.0.2.31:8080"), Unknown);
    assert_eq!(verdict(&net, "eni-blank->10.0.1.10:443"), Unknown);
    // Load balancers and gateways forward where the input does not say.
    assert_eq!(verdict(&net, "eni-web->10.0.2.32:80"), Unknown);
    assert_eq!(verdict(&net, "eni-web->10.0.2.34:80"), Unknown);
    assert_eq!(verdict(&net, "eni-web->10.0.2.33:443"), Unknown);
    // ... after their groups.
    assert_eq!(verdict(&net, "eni-web->10.0.2.33:80"), Unreachable);
}

#[test]
fn k_aws_provided_services_need_no_filter() {
    let mut net = dual("");
    // No group lets anything out of eni-web.
    net.security_groups
        .get_mut("sg-web")
        .unwrap()
        .egress
        .clear();
    assert_eq!(verdict(&net, "eni-web->8.8.8.8:443"), Unreachable);
    assert_eq!(verdict(&net, "eni-web->10.0.0.2:53/udp"), Reachable);
    assert_eq!(verdict(&net, "eni-web->10.0.0.2:53"), Reachable);
    assert_eq!(verdict(&net, "eni-web->169.254.169.253:53/udp"), Reachable);
    assert_eq!(verdict(&net, "eni-web->169.254.169.254:80"), Reachable);
    assert_eq!(verdict(&net, "eni-web->169.254.169.123:123/udp"), Reachable);
    assert_eq!(verdict(&net, "eni-web->169.254.169.254:81"), Unreachable);
    assert_eq!(verdict(&net, "eni-web->169.254.169.123:123"), Unreachable);
    assert_eq!(verdict(&net, "eni-web->169.254.169.254:8/icmp"), Unknown);
    assert_eq!(
        verdict_from(&net, "eni-web->[fd00:ec2::254]:80", "2600:1f18:1:1::10"),
        Reachable
    );
    // Base + 2 of the VPC's first IPv4 CIDR only; not from the internet.
    assert_eq!(verdict(&net, "eni-web->10.0.0.3:53/udp"), Unreachable);
    assert_eq!(verdict(&net, "8.8.8.8->10.0.0.2:53/udp"), Unreachable);
}

#[test]
fn l_groups_outside_the_input_decide_by_the_source_groups() {
    let mut net = dual("");
    net.security_groups.get_mut("sg-web").unwrap().ingress = vec![SgRule {
        protocol: Protocol::TCP,
        ports: PortMatch::Ports { from: 22, to: 22 },
        peer: Peer::Group("sg-peered".into()),
        description: None,
        rule_id: None,
        position: "ingress[0]".into(),
    }];
    // An interface of the input without the group: not a member.
    assert_eq!(verdict(&net, "eni-app->10.0.1.10:22"), Unreachable);
    // A public IPv4 address is no interface's private address.
    assert_eq!(verdict(&net, "8.8.8.8->198.51.100.10:22"), Unreachable);
    // An IPv6 address outside the input's VPCs could be an interface in a peered VPC.
    assert_eq!(
        verdict(&net, "2001:db8::7->[2600:1f18:1:1::10]:22"),
        Unknown
    );
    // An interface of the input carrying it: a member.
    net.interfaces.get_mut("eni-app").unwrap().groups = vec!["sg-open".into(), "sg-peered".into()];
    net.reindex();
    assert_eq!(verdict(&net, "eni-app->10.0.1.10:22"), Reachable);
}

#[test]
fn m_same_subnet_traffic_skips_routes_and_acls() {
    let mut net = dual(
        "
network_acls:
  - {id: acl-shut, vpc: vpc-a}
",
    );
    net.nacl_of_subnet
        .insert("subnet-c".into(), "acl-shut".into());
    let mut peer = net.interfaces["eni-app"].clone();
    peer.id = "eni-peer".into();
    peer.private_ips[0].address = "10.0.2.21".parse().unwrap();
    peer.ipv6.clear();
    peer.prefixes.clear();
    peer.instance = None;
    net.interfaces.insert("eni-peer".into(), peer);
    net.reindex();
    net.route_tables.get_mut("rtb-a").unwrap().routes.clear();
    assert_eq!(verdict(&net, "eni-peer->10.0.2.20:22"), Reachable);
    assert_eq!(verdict(&net, "eni-peer->10.0.1.10:443"), Unreachable);
}

#[test]
fn n_virtual_private_gateways_lead_on_premises() {
    let net = dual("");
    assert_eq!(verdict(&net, "eni-web->10.200.0.5:22"), Reachable);
    // The subnet's outbound ACL.
    let mut shut = dual(
        "
network_acls:
  - id: acl-out
    vpc: vpc-a
    inbound: [{rule: 100, proto: all, cidr: 0.0.0.0/0, action: allow}]
    outbound: [{rule: 100, proto: tcp, ports: 443, cidr: 0.0.0.0/0, action: allow}]
",
    );
    shut.nacl_of_subnet
        .insert("subnet-a".into(), "acl-out".into());
    assert_eq!(verdict(&shut, "eni-web->10.200.0.5:22"), Unreachable);
    assert_eq!(verdict(&shut, "eni-web->10.200.0.5:443"), Reachable);
    // Replies enter through the gateway's route table.
    let mut edge = dual("");
    let mut t = edge.route_tables["rtb-a"].clone();
    t.id = "rtb-vgw".into();
    t.subnets.clear();
    t.gateways = vec!["vgw-a".into()];
    t.routes = vec![Route {
        dest: RouteDest::Cidr("10.0.1.0/24".parse().unwrap()),
        target: Target::Local,
        state: RouteState::Blackhole,
        origin: Default::default(),
    }];
    edge.route_tables.insert("rtb-vgw".into(), t);
    assert_eq!(verdict(&edge, "eni-web->10.200.0.5:22"), Unreachable);
    assert_eq!(
        verdict(&edge, "eni-app->10.200.0.5:22"),
        Unreachable,
        "no route"
    );
}

#[test]
fn n_a_nat_gateway_through_a_virtual_private_gateway_is_unsupported() {
    let mut net = dual(
        "
nat_gateways:
  - {id: nat-a, subnet: subnet-a, private_ip: 10.0.1.5, connectivity: private}
",
    );
    let mut t = net.route_tables["rtb-a"].clone();
    t.id = "rtb-private".into();
    t.subnets = vec!["subnet-c".into()];
    t.routes.retain(|r| r.target == Target::Local);
    t.routes.push(Route {
        dest: RouteDest::Cidr("10.200.0.0/24".parse().unwrap()),
        target: Target::NatGateway("nat-a".into()),
        state: RouteState::Active,
        origin: Default::default(),
    });
    net.route_tables.insert("rtb-private".into(), t);
    net.route_tables
        .get_mut("rtb-a")
        .unwrap()
        .subnets
        .retain(|s| s != "subnet-c");
    let q = resolve(&net, "eni-app->10.200.0.5:22");
    let e = solve(&net, &q).unwrap_err();
    assert!(matches!(e, ProveError::Unsupported(_)), "{e}");
}

#[test]
fn n_a_reply_to_the_internet_routed_on_premises_never_reaches_the_host() {
    let mut net = dual("");
    for r in &mut net.route_tables.get_mut("rtb-a").unwrap().routes {
        if r.target == Target::InternetGateway("igw-a".into()) {
            r.target = Target::VirtualPrivateGateway("vgw-a".into());
        }
    }
    assert_eq!(verdict(&net, "8.8.8.8->198.51.100.10:443"), Unreachable);
    // An interface's own connection comes back through the gateway.
    assert_eq!(verdict(&net, "eni-web->10.200.0.5:443"), Reachable);
}
