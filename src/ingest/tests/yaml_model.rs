//! The YAML model: lowering, AWS defaults, overlays.

use super::*;

/// The reference example of NOTES.md.
pub(crate) const EXAMPLE: &str = r#"
vpcs:
  - {id: vpc-a, cidr: 10.0.0.0/16}
  - {id: vpc-b, cidrs: [10.1.0.0/16, "2600:1f18::/56"]}
subnets:
  - {id: subnet-pub, vpc: vpc-a, cidr: 10.0.0.0/24, az: us-east-1a, route_table: rtb-pub, nacl: acl-web}
  - {id: subnet-priv, vpc: vpc-a, cidr: 10.0.1.0/24}
  - {id: subnet-b, vpc: vpc-b, cidr: 10.1.0.0/24}
route_tables:
  - id: rtb-pub
    vpc: vpc-a
    main: true
    routes:
      - {dest: 0.0.0.0/0, target: igw-a}
      - {dest: pl-123abc, target: vpce-1}
      - {dest: 10.9.0.0/16, target: pcx-1, state: blackhole}
      - {dest: "::/0", target: eigw-a}
security_groups:
  - id: sg-web
    vpc: vpc-a
    name: web
    ingress:
      - {proto: tcp, ports: 22, from: 0.0.0.0/0, description: ssh}
      - {proto: tcp, ports: 8000-8080, from: [pl-123abc, sg-web]}
      - {proto: icmp, type: 8, from: 10.0.0.0/8}
    egress:
      - {proto: all, to: 0.0.0.0/0}
  - {id: sg-db, vpc: vpc-a, ingress: [{proto: 6, ports: 5432, from: sg-web}], egress: []}
network_acls:
  - id: acl-web
    vpc: vpc-a
    inbound:
      - {rule: 200, proto: all, cidr: 0.0.0.0/0, action: deny}
      - {rule: 100, proto: tcp, ports: 22, cidr: 0.0.0.0/0, action: allow}
    outbound:
      - {rule: 100, proto: all, cidr: 0.0.0.0/0, action: allow}
interfaces:
  - {id: eni-web, subnet: subnet-pub, ip: 10.0.0.10, public_ip: 3.3.3.3, groups: [sg-web], instance: i-web}
  - {id: eni-db, subnet: subnet-priv, ips: [10.0.1.20, 10.0.1.21], groups: [sg-db], instance: i-db}
  - {id: eni-b, subnet: subnet-b, ip: 10.1.0.7, ipv6: ["2600:1f18::7"]}
instances:
  - {id: i-web, platform: windows}
internet_gateways: [{id: igw-a, vpc: vpc-a}]
egress_only_internet_gateways: [{id: eigw-a, vpc: vpc-a}]
nat_gateways: [{id: nat-a, subnet: subnet-pub, private_ip: 10.0.0.5, public_ip: 3.4.5.6}]
peerings: [{id: pcx-1, requester: vpc-a, accepter: vpc-b}]
prefix_lists: [{id: pl-123abc, name: corp, cidrs: [192.0.2.0/24]}]
"#;

fn load_example() -> Network {
    let mut l = Loader::new();
    l.add_yaml("models/example.yaml", EXAMPLE)
        .expect("example parses");
    l.finish().expect("example validates")
}

#[test]
fn yaml_model_round() {
    let n = load_example();
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert!(n.skipped.is_empty());
    assert_eq!(
        n.vpcs["vpc-b"].cidrs,
        [net("10.1.0.0/16"), net("2600:1f18::/56")]
    );
    assert_eq!(n.subnets["subnet-pub"].az.as_deref(), Some("us-east-1a"));
    assert_eq!(n.vpcs["vpc-a"].origin.file.as_ref(), "models/example.yaml");

    // Route tables: explicit association, local routes first, main fallback.
    let rt = n.route_table_of("subnet-pub").expect("rt");
    assert_eq!(rt.id, "rtb-pub");
    assert_eq!(rt.subnets, ["subnet-pub"]);
    assert_eq!(rt.routes.len(), 5);
    assert_eq!(
        (&rt.routes[0].dest, &rt.routes[0].target),
        (&RouteDest::Cidr(net("10.0.0.0/16")), &Target::Local)
    );
    assert_eq!(rt.routes[1].target, Target::InternetGateway("igw-a".into()));
    assert_eq!(rt.routes[2].dest, RouteDest::PrefixList("pl-123abc".into()));
    assert_eq!(rt.routes[2].target, Target::VpcEndpoint("vpce-1".into()));
    assert_eq!(rt.routes[3].state, RouteState::Blackhole);
    assert_eq!(
        rt.routes[4].target,
        Target::EgressOnlyInternetGateway("eigw-a".into())
    );
    assert_eq!(
        n.route_table_of("subnet-priv").map(|t| t.id.as_str()),
        Some("rtb-pub"),
        "main table"
    );
    let main_b = n.route_table_of("subnet-b").expect("implicit main table");
    assert_eq!(main_b.id, "rtb-main-vpc-b");
    assert!(main_b.main);
    assert_eq!(main_b.routes.len(), 2, "a local route per vpc cidr");
    assert!(main_b.routes.iter().all(|r| r.target == Target::Local));

    // Network ACLs: declared one sorted; default ones created and associated.
    let acl = n.nacl_of("subnet-pub").expect("acl-web");
    assert_eq!(acl.id, "acl-web");
    assert_eq!(
        acl.inbound.iter().map(|e| e.number).collect::<Vec<_>>(),
        [100, 200]
    );
    assert_eq!(acl.inbound[0].ports, PortMatch::Ports { from: 22, to: 22 });
    let dflt = n.nacl_of("subnet-priv").expect("default acl");
    assert_eq!(dflt.id, "acl-default-vpc-a");
    assert!(dflt.is_default);
    assert_eq!(dflt.inbound.len(), 1);
    assert_eq!(
        (
            dflt.inbound[0].number,
            dflt.inbound[0].action,
            dflt.inbound[0].protocol
        ),
        (100, Action::Allow, Protocol::All)
    );
    assert_eq!(
        n.nacl_of("subnet-b").map(|a| a.inbound.len()),
        Some(2),
        "ipv6 vpc: rule 101 for ::/0"
    );

    // Security groups.
    let web = &n.security_groups["sg-web"];
    assert_eq!(web.name, "web");
    assert_eq!(web.ingress.len(), 4);
    assert_eq!(web.ingress[0].description.as_deref(), Some("ssh"));
    assert_eq!(
        web.ingress[1].ports,
        PortMatch::Ports {
            from: 8000,
            to: 8080
        }
    );
    assert_eq!(web.ingress[1].peer, Peer::PrefixList("pl-123abc".into()));
    assert_eq!(
        (
            web.ingress[2].peer.clone(),
            web.ingress[2].position.as_str()
        ),
        (Peer::Group("sg-web".into()), "ingress[1].from[1]")
    );
    assert_eq!(web.ingress[0].position, "ingress[0]");
    assert_eq!(web.ingress[3].position, "ingress[2]");
    assert_eq!(
        web.ingress[3].ports,
        PortMatch::Icmp {
            icmp_type: Some(8),
            code: None
        }
    );
    assert_eq!(web.egress.len(), 1);
    let db = &n.security_groups["sg-db"];
    assert_eq!(
        (db.name.as_str(), db.ingress[0].protocol),
        ("sg-db", Protocol::TCP)
    );
    assert!(db.egress.is_empty(), "egress: [] means nothing");
    let dsg = &n.security_groups["sg-default-vpc-b"];
    assert_eq!(dsg.name, "default");
    assert_eq!(dsg.ingress[0].peer, Peer::Group("sg-default-vpc-b".into()));
    assert_eq!(dsg.egress[0].peer, Peer::Cidr(net("0.0.0.0/0")));
    assert_eq!(dsg.ingress[0].label(), crate::model::SgRule::AWS_DEFAULT);
    assert!(n.security_groups.contains_key("sg-default-vpc-a"));

    // Interfaces and instances.
    let eni_b = &n.interfaces["eni-b"];
    assert_eq!(
        (eni_b.vpc.as_str(), eni_b.groups.clone()),
        ("vpc-b", vec!["sg-default-vpc-b".to_string()])
    );
    assert_eq!(eni_b.ipv6, [ip("2600:1f18::7")]);
    assert_eq!(eni_b.kind, "interface");
    let db = &n.interfaces["eni-db"];
    assert_eq!(db.primary_ip(), Some(ip("10.0.1.20")));
    assert_eq!(db.private_ips.len(), 2);
    assert_eq!(
        n.interface_by_public_ip(ip("3.3.3.3"))
            .map(|(e, _)| e.id.as_str()),
        Some("eni-web")
    );
    assert_eq!(n.instances["i-web"].platform, Platform::Windows);
    assert_eq!(n.instances["i-web"].interfaces, ["eni-web"]);
    let idb = &n.instances["i-db"];
    assert_eq!(
        (idb.platform, idb.interfaces.clone()),
        (Platform::Linux, vec!["eni-db".to_string()])
    );

    // Gateways, peering, prefix list.
    let nat = &n.nat_gateways["nat-a"];
    assert_eq!(
        (
            nat.vpc.as_str(),
            nat.connectivity.as_str(),
            nat.interface.as_deref()
        ),
        ("vpc-a", "public", Some("eni-nat-a"))
    );
    let nat_eni = &n.interfaces["eni-nat-a"];
    assert_eq!(nat_eni.kind, "nat_gateway");
    assert_eq!(nat_eni.private_ips[0].public, Some(ip("3.4.5.6")));
    assert_eq!(n.igw_of_vpc("vpc-a").map(|g| g.id.as_str()), Some("igw-a"));
    assert!(n.internet_gateways["eigw-a"].egress_only);
    assert_eq!(n.peerings["pcx-1"].other_side("vpc-b"), Some("vpc-a"));
    assert_eq!(n.peerings["pcx-1"].status, "active");
    assert_eq!(
        n.prefix_lists["pl-123abc"].entries,
        Some(vec![net("192.0.2.0/24")])
    );
    assert_eq!(n.prefix_lists["pl-123abc"].name.as_deref(), Some("corp"));
}

#[test]
fn yaml_ip_outside_subnet() {
    let e = yaml_err(
        "vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]\n\
         subnets: [{id: subnet-1, vpc: vpc-a, cidr: 10.0.0.0/24}]\n\
         interfaces: [{id: eni-1, subnet: subnet-1, ips: [10.0.0.5, 10.0.9.9]}]\n",
    );
    assert_eq!(
        e.to_string(),
        "`m.yaml`: network interface `eni-1`: field `ips[1]`: `10.0.9.9` is not in subnet `subnet-1` (10.0.0.0/24)"
    );
}

#[test]
fn yaml_overlays_snapshot() {
    // A what-if model on top of a snapshot: a new interface in a snapshot subnet.
    let mut l = Loader::new();
    l.add_snapshot_path(&fixtures().join("public-subnet"))
        .expect("snapshot");
    l.add_yaml(
        "whatif.yaml",
        "interfaces: [{id: eni-new, subnet: subnet-0bb82ae8b3ea5dc78, ip: 10.0.0.99}]\n",
    )
    .expect("model");
    let n = l.finish().expect("valid");
    // No `groups`: the VPC's default group, found by its name.
    assert_eq!(n.interfaces["eni-new"].groups, ["sg-038ae1875ef3e82ec"]);
    assert_eq!(n.instances.len(), 1);
}

#[test]
fn empty_yaml_is_empty_model() {
    let mut l = Loader::new();
    l.add_yaml("e.yaml", "").expect("empty");
    l.add_yaml("c.yaml", "# only a comment\n").expect("comment");
    let n = l.finish().expect("valid");
    assert!(n.vpcs.is_empty());
}
