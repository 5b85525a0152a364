//! AWS semantics, one behaviour per test, on small inline YAML networks.

use reach::engine::{self, QuerySpec};
use reach::ingest::Loader;
use reach::model::Network;
use reach::render::Report;

/// One VPC, two subnets (a: 10.0.1.0/24, b: 10.0.2.0/24), an IGW, and what `extra` adds.
fn net(extra: &str) -> Network {
    let base = r#"
vpcs:
  - {id: vpc-1, cidrs: [10.0.0.0/16, "2600:1f18::/56"]}
internet_gateways: [{id: igw-1, vpc: vpc-1}]
"#;
    let mut l = Loader::new();
    l.add_yaml("test.yaml", &format!("{base}{extra}"))
        .expect("yaml parses");
    l.finish().expect("model lowers")
}

fn check_with(n: &Network, q: &str, src_ports: Option<(u16, u16)>) -> Report {
    let q = engine::Query::resolve(n, QuerySpec::parse(q).unwrap(), src_ports).unwrap();
    Report::new(&engine::check(n, q), n)
}

fn check(n: &Network, q: &str) -> Report {
    check_with(n, q, None)
}

fn verdict(n: &Network, q: &str) -> &'static str {
    check(n, q).verdict
}

const TWO_SUBNETS: &str = r#"
subnets:
  - {id: subnet-a, vpc: vpc-1, cidr: 10.0.1.0/24, nacl: acl-a}
  - {id: subnet-b, vpc: vpc-1, cidr: 10.0.2.0/24, nacl: acl-b}
security_groups:
  - id: sg-open
    vpc: vpc-1
    ingress: [{proto: all, from: 0.0.0.0/0}]
interfaces:
  - {id: eni-a, subnet: subnet-a, ip: 10.0.1.10, groups: [sg-open], instance: i-a}
  - {id: eni-a2, subnet: subnet-a, ip: 10.0.1.11, groups: [sg-open], instance: i-a2}
  - {id: eni-b, subnet: subnet-b, ip: 10.0.2.10, groups: [sg-open], instance: i-b}
"#;

fn acls(a_in: &str, a_out: &str, b_in: &str, b_out: &str) -> String {
    format!(
        "{TWO_SUBNETS}network_acls:\n  - id: acl-a\n    vpc: vpc-1\n    inbound: {a_in}\n    outbound: {a_out}\n  - id: acl-b\n    vpc: vpc-1\n    inbound: {b_in}\n    outbound: {b_out}\n"
    )
}

const ALLOW_ALL: &str = "[{rule: 100, proto: all, cidr: 0.0.0.0/0, action: allow}]";

#[test]
fn nacl_first_match_deny_wins_over_later_allow() {
    let n = net(&acls(
        ALLOW_ALL,
        ALLOW_ALL,
        "[{rule: 90, proto: tcp, ports: 22, cidr: 10.0.1.0/24, action: deny}, {rule: 100, proto: all, cidr: 0.0.0.0/0, action: allow}]",
        ALLOW_ALL,
    ));
    let r = check(&n, "i-a->10.0.2.10:22");
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(r.blocked_by[0].component, "acl-b");
    assert_eq!(r.blocked_by[0].rule, "inbound rule 90");
    assert!(r.blocked_by[0].fix.as_deref().unwrap().contains("below 90"));
    // Other ports take rule 100.
    assert_eq!(verdict(&n, "i-a->10.0.2.10:23"), "reachable");
}

#[test]
fn nacl_not_applied_between_interfaces_of_one_subnet() {
    let deny = "[]";
    let n = net(&acls(deny, deny, deny, deny));
    assert_eq!(verdict(&n, "i-a->10.0.1.11:22"), "reachable");
    let r = check(&n, "i-a->10.0.2.10:22");
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(r.blocked_by[0].component, "acl-a");
    assert_eq!(r.blocked_by[0].rule, "outbound rule * (32767, deny all)");
}

#[test]
fn nacl_return_needs_the_clients_ephemeral_ports() {
    // acl-b lets replies out only to 1024-40000: a Linux client uses 32768-60999.
    let n = net(&acls(
        ALLOW_ALL,
        ALLOW_ALL,
        ALLOW_ALL,
        "[{rule: 100, proto: tcp, ports: 1024-40000, cidr: 10.0.1.0/24, action: allow}]",
    ));
    let r = check(&n, "i-a->10.0.2.10:22");
    assert_eq!(r.verdict, "partial", "{}", r.to_text(false));
    assert!(
        r.reachable_packets
            .iter()
            .all(|l| l.text.contains("sport 32768-40000")),
        "{:?}",
        r.reachable_packets
    );
    assert!(
        r.unreachable_packets
            .iter()
            .any(|l| l.text.contains("sport 40001-60999")),
        "{:?}",
        r.unreachable_packets
    );
    let b = &r.blocked_by[0];
    assert_eq!((b.component.as_str(), b.direction), ("acl-b", "return"));
    // A Windows-range client is entirely outside 1024-40000.
    assert_eq!(
        check_with(&n, "i-a->10.0.2.10:22", Some((49152, 65535))).verdict,
        "unreachable"
    );
    assert_eq!(
        check_with(&n, "i-a->10.0.2.10:22", Some((2000, 3000))).verdict,
        "reachable"
    );
}

#[test]
fn windows_instances_use_their_ephemeral_range() {
    let n = net(&format!(
        "{}instances:\n  - {{id: i-a, platform: windows}}\n",
        acls(
            ALLOW_ALL,
            ALLOW_ALL,
            ALLOW_ALL,
            "[{rule: 100, proto: tcp, ports: 49152-65535, cidr: 0.0.0.0/0, action: allow}]"
        )
    ));
    let r = check(&n, "i-a->10.0.2.10:3389");
    assert_eq!(r.verdict, "reachable", "{}", r.to_text(false));
    assert!(r.assumptions.iter().any(|a| a.contains("49152-65535")));
}

const SG_NET: &str = r#"
subnets:
  - {id: subnet-a, vpc: vpc-1, cidr: 10.0.1.0/24}
security_groups:
  - id: sg-client
    vpc: vpc-1
    egress: [{proto: tcp, ports: 443, to: 0.0.0.0/0}]
  - id: sg-server
    vpc: vpc-1
    ingress:
      - {proto: tcp, ports: 22, from: sg-client}
      - {proto: tcp, ports: 443, from: 10.0.1.0/24}
      - {proto: tcp, ports: 5432, from: pl-corp}
      - {proto: tcp, ports: 6379, from: pl-unknown}
  - id: sg-other
    vpc: vpc-1
prefix_lists:
  - {id: pl-corp, cidrs: [10.0.1.0/28]}
  - {id: pl-unknown}
interfaces:
  - {id: eni-c, subnet: subnet-a, ip: 10.0.1.5, groups: [sg-client], instance: i-c}
  - {id: eni-o, subnet: subnet-a, ip: 10.0.1.6, groups: [sg-other], instance: i-o}
  - {id: eni-s, subnet: subnet-a, ip: 10.0.1.20, groups: [sg-server], instance: i-s}
"#;

#[test]
fn security_group_reference_means_members_private_ips() {
    let n = net(SG_NET);
    // sg-client's egress allows only 443: its 22 never leaves.
    let r = check(&n, "i-c->10.0.1.20:22");
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(
        (
            r.blocked_by[0].component.as_str(),
            r.blocked_by[0].direction
        ),
        ("sg-client", "forward")
    );
    assert!(r.blocked_by[0].reason.contains("outbound"));
    // sg-other allows all egress, but is not sg-client: blocked at sg-server.
    let r = check(&n, "i-o->10.0.1.20:22");
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(r.blocked_by[0].component, "sg-server");
    assert_eq!(verdict(&n, "i-c->10.0.1.20:443"), "reachable");
}

#[test]
fn prefix_list_peers_and_unknown_entries() {
    let n = net(SG_NET);
    assert_eq!(verdict(&n, "i-o->10.0.1.20:5432"), "reachable");
    let r = check(&n, "i-o->10.0.1.20:6379");
    assert_eq!(r.verdict, "unknown", "{}", r.to_text(false));
    assert!(
        r.unknown[0].reason.contains("pl-unknown"),
        "{:?}",
        r.unknown
    );
}

#[test]
fn unmodelled_route_targets_are_unknown_not_guessed() {
    let n = net(r#"
subnets:
  - {id: subnet-a, vpc: vpc-1, cidr: 10.0.1.0/24, route_table: rtb-a}
route_tables:
  - id: rtb-a
    vpc: vpc-1
    routes:
      - {dest: 172.16.0.0/12, target: tgw-1}
      - {dest: 192.168.0.0/16, target: pcx-gone, state: blackhole}
interfaces:
  - {id: eni-a, subnet: subnet-a, ip: 10.0.1.10, instance: i-a}
"#);
    let r = check(&n, "i-a->172.16.5.5:443");
    assert_eq!(r.verdict, "unknown");
    assert_eq!(r.unknown[0].component, "tgw-1");
    let r = check(&n, "i-a->192.168.1.1:443");
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(
        r.blocked_by[0].rule,
        "192.168.0.0/16 -> pcx-gone (blackhole)"
    );
    let r = check(&n, "i-a->8.8.8.8:443");
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(r.blocked_by[0].rule, "no matching route");
}

const NAT_NET: &str = r#"
subnets:
  - {id: subnet-pub, vpc: vpc-1, cidr: 10.0.0.0/24, route_table: rtb-pub, nacl: acl-pub}
  - {id: subnet-priv, vpc: vpc-1, cidr: 10.0.1.0/24, route_table: rtb-priv}
route_tables:
  - {id: rtb-pub, vpc: vpc-1, routes: [{dest: 0.0.0.0/0, target: igw-1}]}
  - {id: rtb-priv, vpc: vpc-1, routes: [{dest: 0.0.0.0/0, target: nat-1}]}
nat_gateways: [{id: nat-1, subnet: subnet-pub, private_ip: 10.0.0.5, public_ip: 198.51.100.5}]
network_acls:
  - id: acl-pub
    vpc: vpc-1
    inbound:
      - {rule: 100, proto: all, cidr: 10.0.0.0/16, action: allow}
      - {rule: 110, proto: tcp, ports: 1024-30000, cidr: 0.0.0.0/0, action: allow}
    outbound: [{rule: 100, proto: all, cidr: 0.0.0.0/0, action: allow}]
interfaces:
  - {id: eni-p, subnet: subnet-priv, ip: 10.0.1.10, instance: i-p}
"#;

#[test]
fn nat_gateway_ports_partially_allowed_back_is_partial() {
    // Replies reach the NAT gateway on the port it picked (1024-65535); acl-pub lets
    // only 1024-30000 back in: some connections work, some do not.
    let n = net(NAT_NET);
    let r = check(&n, "i-p->8.8.8.8:443");
    assert_eq!(r.verdict, "partial", "{}", r.to_text(false));
    let b = r
        .blocked_by
        .iter()
        .find(|b| b.direction == "return")
        .expect("a return block");
    assert_eq!(b.component, "acl-pub");
    let hops = r
        .paths
        .iter()
        .flat_map(|p| p.hops.iter())
        .map(|h| h.rule.clone())
        .collect::<Vec<_>>();
    assert!(
        hops.iter().any(|h| h.contains("10.0.0.5 -> 198.51.100.5")),
        "{hops:?}"
    );
}

#[test]
fn nat_gateway_full_return_range_is_reachable() {
    let n = net(&NAT_NET.replace("1024-30000", "1024-65535"));
    assert_eq!(verdict(&n, "i-p->8.8.8.8:443"), "reachable");
}

#[test]
fn public_ip_without_a_route_back_fails_on_the_return() {
    let n = net(r#"
subnets:
  - {id: subnet-a, vpc: vpc-1, cidr: 10.0.1.0/24}
security_groups:
  - {id: sg-web, vpc: vpc-1, ingress: [{proto: tcp, ports: 443, from: 0.0.0.0/0}]}
interfaces:
  - {id: eni-a, subnet: subnet-a, ip: 10.0.1.10, public_ip: 198.51.100.10, groups: [sg-web], instance: i-a}
"#);
    let r = check(&n, "203.0.113.9->198.51.100.10:443");
    assert_eq!(r.verdict, "unreachable", "{}", r.to_text(false));
    let b = &r.blocked_by[0];
    assert_eq!(
        (b.kind, b.direction, b.rule.as_str()),
        ("route-table", "return", "no matching route")
    );
    // No public IP, no internet.
    let r = check(&n, "i-a->8.8.8.8:443");
    assert_eq!(r.verdict, "unreachable");
}

#[test]
fn instance_without_public_ip_cannot_use_the_igw() {
    let n = net(r#"
subnets:
  - {id: subnet-a, vpc: vpc-1, cidr: 10.0.1.0/24, route_table: rtb-a}
route_tables:
  - {id: rtb-a, vpc: vpc-1, routes: [{dest: 0.0.0.0/0, target: igw-1}]}
interfaces:
  - {id: eni-a, subnet: subnet-a, ip: 10.0.1.10, instance: i-a}
"#);
    let r = check(&n, "i-a->8.8.8.8:443");
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(
        (r.blocked_by[0].component.as_str(), r.blocked_by[0].kind),
        ("igw-1", "internet-gateway")
    );
}

#[test]
fn ipv6_inside_a_dual_stack_vpc() {
    let n = net(r#"
subnets:
  - {id: subnet-a, vpc: vpc-1, cidrs: [10.0.1.0/24, "2600:1f18:0:1::/64"]}
  - {id: subnet-b, vpc: vpc-1, cidrs: [10.0.2.0/24, "2600:1f18:0:2::/64"]}
security_groups:
  - id: sg-v6
    vpc: vpc-1
    ingress: [{proto: tcp, ports: 443, from: "::/0"}]
interfaces:
  - {id: eni-a, subnet: subnet-a, ip: 10.0.1.10, ipv6: ["2600:1f18:0:1::10"], instance: i-a}
  - {id: eni-b, subnet: subnet-b, ip: 10.0.2.10, ipv6: ["2600:1f18:0:2::10"], groups: [sg-v6], instance: i-b}
"#);
    assert_eq!(
        verdict(&n, "2600:1f18:0:1::10->[2600:1f18:0:2::10]:443"),
        "reachable"
    );
    // An IPv6-only rule does not admit IPv4.
    assert_eq!(verdict(&n, "i-a->10.0.2.10:443"), "unreachable");
}

#[test]
fn peering_must_be_active() {
    let two = |status: &str| {
        let yaml = format!(
            r#"
vpcs:
  - {{id: vpc-1, cidr: 10.0.0.0/16}}
  - {{id: vpc-2, cidr: 10.9.0.0/16}}
subnets:
  - {{id: subnet-a, vpc: vpc-1, cidr: 10.0.1.0/24, route_table: rtb-a}}
  - {{id: subnet-z, vpc: vpc-2, cidr: 10.9.1.0/24, route_table: rtb-z}}
route_tables:
  - {{id: rtb-a, vpc: vpc-1, routes: [{{dest: 10.9.0.0/16, target: pcx-1}}]}}
  - {{id: rtb-z, vpc: vpc-2, routes: [{{dest: 10.0.0.0/16, target: pcx-1}}]}}
peerings: [{{id: pcx-1, requester: vpc-1, accepter: vpc-2, status: {status}}}]
security_groups:
  - {{id: sg-z, vpc: vpc-2, ingress: [{{proto: tcp, ports: 22, from: 10.0.0.0/16}}]}}
interfaces:
  - {{id: eni-a, subnet: subnet-a, ip: 10.0.1.10, instance: i-a}}
  - {{id: eni-z, subnet: subnet-z, ip: 10.9.1.10, groups: [sg-z], instance: i-z}}
"#
        );
        let mut l = Loader::new();
        l.add_yaml("peering.yaml", &yaml).unwrap();
        l.finish().unwrap()
    };
    assert_eq!(verdict(&two("active"), "i-a->10.9.1.10:22"), "reachable");
    let r = check(&two("pending-acceptance"), "i-a->10.9.1.10:22");
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(r.blocked_by[0].component, "pcx-1");
    // No transit: the peer carries only the peer VPC's own addresses.
    let r = check(&two("active"), "i-a->10.9.1.10:22");
    assert!(
        r.paths
            .iter()
            .any(|p| p.hops.iter().any(|h| h.component == "pcx-1"))
    );
}
