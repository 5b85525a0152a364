use ::z3::ast::{Ast, Bool};
use ipnet::IpNet;

use super::filters::{Side, nacl_filter, sg_filter};
use super::solve::Z3Solver;
use super::terms::{Hdr, in_cidr, num, special};
use crate::engine::{self, QuerySpec};
use crate::hs;
use crate::ingest::Loader;
use crate::model::{
    Action, NaclEntry, Network, NetworkAcl, Origin, Peer, PortMatch, Protocol, SecurityGroup,
    SgRule,
};
use crate::prove::solver::{Scope, Solver};

fn ip(s: &str) -> u128 {
    hs::addr(s.parse().unwrap())
}

/// A concrete tcp header.
fn tcp(src: &str, dst: &str, dport: u16) -> Hdr {
    Hdr {
        proto: num(6, 8),
        src: num(ip(src), 128),
        dst: num(ip(dst), 128),
        sport: num(40000, 16),
        dport: num(u128::from(dport), 16),
        itype: num(0, 8),
        icode: num(0, 8),
    }
}

fn truth(b: &Bool) -> bool {
    b.simplify().as_bool().expect("a concrete header decides")
}

fn entry(number: u16, action: Action, ports: (u16, u16), cidr: &str) -> NaclEntry {
    NaclEntry {
        number,
        action,
        protocol: Protocol::TCP,
        cidr: cidr.parse().unwrap(),
        ports: PortMatch::Ports {
            from: ports.0,
            to: ports.1,
        },
        source: None,
    }
}

fn net_with_acl(inbound: Vec<NaclEntry>) -> Network {
    let mut net = Network::default();
    net.network_acls.insert(
        "acl-1".into(),
        NetworkAcl {
            id: "acl-1".into(),
            vpc: "vpc-1".into(),
            is_default: false,
            inbound,
            outbound: Vec::new(),
            origin: Origin::new("t"),
        },
    );
    net.nacl_of_subnet.insert("subnet-1".into(), "acl-1".into());
    net
}

#[test]
fn nacl_lowest_number_matching_rule_decides() {
    // Listed out of order on purpose: the encoding must sort by number.
    let net = net_with_acl(vec![
        entry(200, Action::Allow, (22, 22), "0.0.0.0/0"),
        entry(100, Action::Deny, (22, 22), "10.0.0.0/8"),
        entry(300, Action::Allow, (80, 80), "0.0.0.0/0"),
    ]);
    let f = |src, port| nacl_filter(&net, "subnet-1", Side::Ingress, &tcp(src, "10.1.0.5", port));
    assert!(!truth(&f("10.2.3.4", 22).pass), "rule 100 denies first");
    assert!(truth(&f("192.0.2.1", 22).pass), "rule 200 allows the rest");
    assert!(truth(&f("10.2.3.4", 80).pass), "rule 300");
    assert!(!truth(&f("10.2.3.4", 443).pass), "implicit deny");
    assert!(!truth(&f("10.2.3.4", 443).unk));
    // No ACL association: undecided, not denied.
    let none = nacl_filter(
        &net,
        "subnet-2",
        Side::Ingress,
        &tcp("10.2.3.4", "10.1.0.5", 22),
    );
    assert!(!truth(&none.pass) && truth(&none.unk));
}

fn sg(id: &str, ingress: Vec<SgRule>) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        name: id.into(),
        vpc: "vpc-1".into(),
        ingress,
        egress: Vec::new(),
        tags: Default::default(),
        origin: Origin::new("t"),
    }
}

fn rule(port: u16, peer: Peer) -> SgRule {
    SgRule {
        protocol: Protocol::TCP,
        ports: PortMatch::Ports {
            from: port,
            to: port,
        },
        peer,
        description: None,
        rule_id: None,
        position: "ingress[0]".into(),
    }
}

#[test]
fn security_groups_are_a_union_and_unknown_peers_undecided() {
    let mut net = Network::default();
    let any = Peer::Cidr("0.0.0.0/0".parse().unwrap());
    net.security_groups
        .insert("sg-a".into(), sg("sg-a", vec![rule(22, any.clone())]));
    net.security_groups.insert(
        "sg-b".into(),
        sg(
            "sg-b",
            vec![
                rule(80, any),
                rule(443, Peer::PrefixList("pl-unknown".into())),
            ],
        ),
    );
    let groups = ["sg-a".to_string(), "sg-b".to_string()];
    let f = |port| {
        sg_filter(
            &net,
            &groups,
            Side::Ingress,
            &tcp("192.0.2.1", "10.0.0.5", port),
            false,
        )
    };
    assert!(truth(&f(22).pass), "from sg-a");
    assert!(truth(&f(80).pass), "from sg-b");
    assert!(!truth(&f(8080).pass) && !truth(&f(8080).unk), "neither");
    assert!(
        !truth(&f(443).pass) && truth(&f(443).unk),
        "prefix list without entries"
    );
    // One group alone does not allow the other's port.
    let one = sg_filter(
        &net,
        &groups[..1],
        Side::Ingress,
        &tcp("192.0.2.1", "10.0.0.5", 80),
        false,
    );
    assert!(!truth(&one.pass));
}

#[test]
fn cidr_membership_keeps_ipv4_and_ipv6_apart() {
    let x = |s: &str| num(ip(s), 128);
    let n = |s: &str| s.parse::<IpNet>().unwrap();
    assert!(truth(&in_cidr(&x("10.1.2.3"), &n("10.0.0.0/8"))));
    assert!(!truth(&in_cidr(&x("11.1.2.3"), &n("10.0.0.0/8"))));
    assert!(truth(&in_cidr(&x("11.1.2.3"), &n("0.0.0.0/0"))));
    assert!(
        !truth(&in_cidr(&x("11.1.2.3"), &n("::/0"))),
        "::/0 holds no IPv4"
    );
    assert!(truth(&in_cidr(&x("2001:db8::1"), &n("2001:db8::/32"))));
    assert!(!truth(&in_cidr(&x("2001:db8::1"), &n("0.0.0.0/0"))));
    assert!(truth(&special(&x("192.168.3.4"))) && !truth(&special(&x("8.8.8.8"))));
}

const ROUTES: &str = r#"
vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]
subnets: [{id: subnet-a, vpc: vpc-a, cidr: 10.0.1.0/24, route_table: rtb-a}]
route_tables:
  - id: rtb-a
    vpc: vpc-a
    routes:
      - {dest: 0.0.0.0/0, target: igw-a}
      - {dest: 8.8.8.0/24, target: igw-a, state: blackhole}
      - {dest: 8.8.0.0/16, target: tgw-a}
internet_gateways: [{id: igw-a, vpc: vpc-a}]
security_groups:
  - {id: sg-a, vpc: vpc-a, name: a, egress: [{proto: all, to: 0.0.0.0/0}]}
interfaces:
  - {id: eni-a, subnet: subnet-a, ip: 10.0.1.10, public_ip: 198.51.100.10, groups: [sg-a]}
"#;

fn verdict(net: &Network, q: &str) -> engine::Verdict {
    let q = engine::Query::resolve(net, QuerySpec::parse(q).unwrap(), None).unwrap();
    let w = Z3Solver::new()
        .witnesses(net, &q, &Scope::Query)
        .expect("solves");
    w.verdict()
}

#[test]
fn the_longest_prefix_route_is_chosen() {
    let mut l = Loader::new();
    l.add_yaml("routes.yaml", ROUTES).unwrap();
    let net = l.finish().unwrap();
    use engine::Verdict::*;
    // /24 blackhole beats /16 transit gateway beats /0 internet gateway.
    assert_eq!(verdict(&net, "eni-a->8.8.8.8:443"), Unreachable);
    assert_eq!(verdict(&net, "eni-a->8.8.4.4:443"), Unknown);
    assert_eq!(verdict(&net, "eni-a->1.1.1.1:443"), Reachable);
}
