use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;

use super::*;
use crate::model::{
    Action, ClientVpnAssociation, ClientVpnAuthRule, ClientVpnAuthType, ClientVpnRoute, Peer,
    Platform, PortMatch, Protocol, RouteDest, RouteState, Target,
};

/// `shared/fixtures/batfish` beside the crate, else the workplace's copy.
fn fixtures() -> PathBuf {
    let rel = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/batfish");
    if rel.is_dir() {
        rel
    } else {
        PathBuf::from("/work/shared/fixtures/batfish")
    }
}

fn load_fixture(name: &str) -> Network {
    let mut l = Loader::new();
    l.add_snapshot_path(&fixtures().join(name))
        .expect("fixture loads");
    l.finish().expect("fixture validates")
}

fn net(s: &str) -> IpNet {
    s.parse().expect("test cidr")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test ip")
}

fn skipped_kinds(n: &Network) -> Vec<&str> {
    let mut k: Vec<&str> = n.skipped.iter().map(|s| s.kind.as_str()).collect();
    k.sort();
    k
}

// ---------------------------------------------------------------- fixtures

#[test]
fn fixture_public_subnet() {
    let n = load_fixture("public-subnet");
    assert_eq!(
        skipped_kinds(&n),
        [
            "AvailabilityZones",
            "CustomerGateways",
            "VpcEndpoints",
            "VpnConnections",
            "VpnGateways"
        ]
    );
    let az = n
        .skipped
        .iter()
        .find(|s| s.kind == "AvailabilityZones")
        .expect("skipped");
    assert_eq!(az.count, 3);
    assert!(az.file.ends_with("AvailabilityZones.json"));
    assert_eq!(
        (
            n.vpcs.len(),
            n.subnets.len(),
            n.route_tables.len(),
            n.security_groups.len()
        ),
        (1, 1, 2, 2)
    );
    assert_eq!(
        (
            n.network_acls.len(),
            n.interfaces.len(),
            n.instances.len(),
            n.internet_gateways.len(),
            n.nat_gateways.len()
        ),
        (1, 1, 1, 1, 0)
    );
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);

    let (eni, private) = n
        .interface_by_public_ip(ip("18.216.80.133"))
        .expect("public ip");
    assert_eq!(eni.id, "eni-00064850627e198ee");
    assert_eq!(private, ip("10.0.0.91"));
    assert_eq!(eni.instance.as_deref(), Some("i-06669a407b2ef3ae5"));
    assert_eq!(eni.groups, ["sg-09ccba6656672061b"]);
    assert_eq!(
        eni.description.as_deref(),
        Some("Primary network interface")
    );
    assert!(eni.origin.file.ends_with("NetworkInterfaces.json"));

    let inst = &n.instances["i-06669a407b2ef3ae5"];
    assert_eq!(inst.interfaces, ["eni-00064850627e198ee"]);
    assert_eq!(inst.platform, Platform::Linux);
    assert_eq!(inst.state.as_deref(), Some("running"));

    let rt = n
        .route_table_of("subnet-0bb82ae8b3ea5dc78")
        .expect("route table");
    assert_eq!(rt.id, "rtb-0489000c9e6c299e8");
    assert_eq!(rt.routes[0].target, Target::Local);
    assert_eq!(
        rt.routes[1].target,
        Target::InternetGateway("igw-0a409e562d251f766".into())
    );
    assert_eq!(rt.routes[1].dest, RouteDest::Cidr(net("0.0.0.0/0")));
    assert!(n.route_tables["rtb-0a7b14443588910ad"].main);

    let acl = n.nacl_of("subnet-0bb82ae8b3ea5dc78").expect("nacl");
    assert!(acl.is_default);
    assert_eq!(
        (acl.inbound.len(), acl.outbound.len()),
        (1, 1),
        "32767 dropped"
    );
    assert_eq!(acl.inbound[0].action, Action::Allow);

    let sg = &n.security_groups["sg-09ccba6656672061b"];
    assert_eq!(sg.name, "launch-wizard-1");
    assert_eq!(sg.ingress.len(), 1);
    assert_eq!(sg.ingress[0].protocol, Protocol::TCP);
    assert_eq!(sg.ingress[0].ports, PortMatch::Ports { from: 22, to: 22 });
    assert_eq!(sg.ingress[0].peer, Peer::Cidr(net("0.0.0.0/0")));
    assert_eq!(sg.ingress[0].position, "IpPermissions[0].IpRanges[0]");
    assert_eq!(sg.ingress[0].rule_id, None);
    assert_eq!(sg.ingress[0].label(), "IpPermissions[0].IpRanges[0]");
    let dflt = &n.security_groups["sg-038ae1875ef3e82ec"];
    assert_eq!(
        dflt.ingress[0].peer,
        Peer::Group("sg-038ae1875ef3e82ec".into())
    );
    assert_eq!(dflt.ingress[0].protocol, Protocol::All);
    assert_eq!(dflt.egress[0].ports, PortMatch::Any);
    assert_eq!(
        n.igw_of_vpc("vpc-0672bce73895d7252").map(|g| g.id.as_str()),
        Some("igw-0a409e562d251f766")
    );
}

#[test]
fn fixture_nat_gateway() {
    let n = load_fixture("nat-gateway");
    assert!(n.skipped.is_empty());
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert_eq!(
        (
            n.subnets.len(),
            n.route_tables.len(),
            n.security_groups.len()
        ),
        (3, 3, 3)
    );
    assert_eq!(
        (n.network_acls.len(), n.interfaces.len(), n.instances.len()),
        (2, 4, 3)
    );

    let nat = &n.nat_gateways["nat-07ab4846da51f4612"];
    assert_eq!(nat.private_ip, Some(ip("10.1.250.210")));
    assert_eq!(nat.public_ip, Some(ip("3.135.127.225")));
    assert_eq!(nat.interface.as_deref(), Some("eni-017aaec115610308a"));
    assert_eq!(
        (nat.state.as_str(), nat.connectivity.as_str()),
        ("available", "public")
    );
    assert_eq!(nat.subnet, "subnet-0428892a357fa1f94");
    let eni = &n.interfaces["eni-017aaec115610308a"];
    assert_eq!(eni.kind, "nat_gateway");
    assert!(eni.groups.is_empty());
    assert_eq!(
        n.nat_gateway_by_interface("eni-017aaec115610308a")
            .map(|g| g.id.as_str()),
        Some("nat-07ab4846da51f4612")
    );

    let rt = n.route_table_of("subnet-06f469bcee42e408e").expect("rt");
    assert_eq!(
        rt.routes[1].target,
        Target::NatGateway("nat-07ab4846da51f4612".into())
    );

    let acl = &n.network_acls["acl-0792adae678b88f85"];
    assert_eq!(acl.inbound.len(), 2);
    assert_eq!(acl.inbound[0].protocol, Protocol::ICMP);
    assert_eq!(
        acl.inbound[0].ports,
        PortMatch::Icmp {
            icmp_type: None,
            code: None
        }
    );
    assert_eq!(acl.inbound[0].cidr, net("10.1.1.0/24"));
    assert_eq!(acl.inbound[1].number, 200);
    assert_eq!(
        n.nacl_of_subnet["subnet-02ff259e663e9613e"],
        "acl-0380e24eb934b075e"
    );

    let sg = &n.security_groups["sg-0253af84ae6485905"];
    assert_eq!(
        sg.ingress[1].ports,
        PortMatch::Icmp {
            icmp_type: Some(8),
            code: Some(0)
        }
    );
    assert_eq!(sg.ingress[1].description.as_deref(), Some("ICMP Access"));
    assert_eq!(sg.ingress[1].position, "IpPermissions[1].IpRanges[0]");
    assert_eq!(n.members_of_group("sg-0253af84ae6485905").count(), 3);
}

#[test]
fn fixture_vpc_peering() {
    let n = load_fixture("vpc-peering");
    assert_eq!(skipped_kinds(&n), ["AvailabilityZones"]);
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    assert_eq!(
        (
            n.vpcs.len(),
            n.subnets.len(),
            n.peerings.len(),
            n.security_groups.len()
        ),
        (3, 3, 2, 6)
    );
    assert_eq!(
        (n.interfaces.len(), n.instances.len(), n.route_tables.len()),
        (3, 3, 3)
    );
    // Disassociated CIDRs are not the VPC's.
    assert_eq!(
        n.vpcs["vpc-00a31ce9d0c06675c"].cidrs,
        [net("192.168.0.0/16")]
    );

    let p = &n.peerings["pcx-0b89b559e3319d6cf"];
    assert_eq!(
        (p.requester_vpc.as_str(), p.accepter_vpc.as_str()),
        ("vpc-0404e08ceddf7f650", "vpc-00a31ce9d0c06675c")
    );
    assert_eq!(p.status, "active");

    let rt = &n.route_tables["rtb-017c36290c9baf017"];
    let bh = rt
        .routes
        .iter()
        .find(|r| r.state == RouteState::Blackhole)
        .expect("blackhole route");
    assert_eq!(bh.dest, RouteDest::Cidr(net("0.0.0.0/0")));
    assert_eq!(
        bh.target,
        Target::InternetGateway("igw-0a2c9ae201b441bff".into())
    );
    assert_eq!(
        rt.routes[1].target,
        Target::VpcPeering("pcx-0b89b559e3319d6cf".into())
    );
    assert_eq!(
        n.route_table_of("subnet-006a19c846f047bd7")
            .map(|t| t.id.as_str()),
        Some("rtb-0891861fffaea6d52")
    );
}

// ---------------------------------------------------------------- bad input

fn json_err(file: &str, text: &str) -> IngestError {
    let mut l = Loader::new();
    match l.add_json(file, text) {
        Err(e) => e,
        Ok(()) => l.finish().expect_err("should fail"),
    }
}

fn yaml_err(text: &str) -> IngestError {
    let mut l = Loader::new();
    match l.add_yaml("m.yaml", text) {
        Err(e) => e,
        Ok(()) => l.finish().expect_err("should fail"),
    }
}

#[test]
fn malformed_json() {
    let e = json_err(
        "snap/Subnets.json",
        "{\"Subnets\": [\n  {\"SubnetId\": \"subnet-1\",}\n]}",
    );
    assert!(matches!(e, IngestError::Parse { .. }), "{e:?}");
    let m = e.to_string();
    assert!(m.starts_with("`snap/Subnets.json`: invalid json: "), "{m}");
    assert!(m.contains("line 2"), "{m}");
    let e = json_err("a.json", "[1, 2]");
    assert!(matches!(e, IngestError::Parse { .. }), "{e:?}");
}

#[test]
fn malformed_yaml() {
    let e = yaml_err("vpcs:\n  - {id: vpc-a, cidr: [10.0.0.0/16}\n");
    assert!(matches!(e, IngestError::Parse { .. }), "{e:?}");
    let m = e.to_string();
    assert!(m.starts_with("`m.yaml`: invalid yaml: "), "{m}");
    assert!(m.contains("line 2"), "{m}");
    assert!(!m.contains('\n'));
}

#[test]
fn missing_required_field() {
    let e = json_err(
        "snap/Subnets.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "AvailabilityZone": "a"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`snap/Subnets.json`: subnet `subnet-1`: field `CidrBlock`: missing"
    );
    let e = json_err(
        "snap/Subnets.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "CidrBlock": "10.0.0.0/24"}]}"#,
    );
    assert_eq!(
        e,
        IngestError::Field {
            file: "snap/Subnets.json".into(),
            resource: "subnet `subnet-1`".into(),
            field: "VpcId".into(),
            message: "missing".into(),
        }
    );
    // Nested path, and an item without its ID is named by position.
    let e = json_err(
        "sg.json",
        r#"{"SecurityGroups": [{"VpcId": "v", "IpPermissions": []}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`sg.json`: SecurityGroups[0]: field `GroupId`: missing"
    );
    let e = json_err(
        "sg.json",
        r#"{"SecurityGroups": [{"GroupId": "sg-1", "VpcId": "v", "IpPermissions": [{"IpProtocol": "tcp", "IpRanges": [{}]}]}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`sg.json`: security group `sg-1`: field `IpPermissions[0].IpRanges[0].CidrIp`: missing"
    );
    // Mistyped.
    let e = json_err("v.json", r#"{"Vpcs": [{"VpcId": 5}]}"#);
    assert!(
        matches!(&e, IngestError::Field { field, .. } if field == "VpcId"),
        "{e:?}"
    );
    // YAML missing field, with line/column.
    let e = yaml_err("subnets:\n  - {id: subnet-1, cidr: 10.0.0.0/24}\n");
    assert!(
        matches!(&e, IngestError::Field { resource, field, .. } if resource == "subnet `subnet-1`" && field == "vpc"),
        "{e:?}"
    );
    assert!(e.to_string().contains("missing at line 2"), "{e}");
}

#[test]
fn unknown_reference() {
    let e = yaml_err(
        "vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]\n\
         subnets: [{id: subnet-1, vpc: vpc-a, cidr: 10.0.0.0/24}]\n\
         interfaces: [{id: eni-1, subnet: subnet-9, ip: 10.0.0.5}]\n",
    );
    assert_eq!(
        e.to_string(),
        "`m.yaml`: network interface `eni-1`: field `subnet`: no subnet `subnet-9` in the input"
    );
    assert!(matches!(e, IngestError::UnknownRef { .. }));

    let mut l = Loader::new();
    l.add_json(
        "v.json",
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#,
    )
    .expect("vpcs");
    l.add_json(
        "s.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-2", "CidrBlock": "10.0.0.0/24"}]}"#,
    )
    .expect("subnets");
    let e = l.finish().expect_err("unknown vpc");
    assert_eq!(
        e,
        IngestError::UnknownRef {
            file: "s.json".into(),
            resource: "subnet `subnet-1`".into(),
            field: "VpcId".into(),
            kind: "vpc".into(),
            id: "vpc-2".into(),
        }
    );
}

#[test]
fn unchecked_reference_kind_warns_once() {
    let mut l = Loader::new();
    l.add_json(
        "s.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-2", "CidrBlock": "10.0.0.0/24"},
                        {"SubnetId": "subnet-2", "VpcId": "vpc-3", "CidrBlock": "10.0.1.0/24"}]}"#,
    )
    .expect("subnets");
    let n = l.finish().expect("no vpcs loaded: not checked");
    assert_eq!(
        n.warnings,
        ["no `Vpcs` document or `vpcs` model section: vpc references not checked"]
    );
}

#[test]
fn unparsable_cidr() {
    let e = json_err(
        "snap/Subnets.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/33"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`snap/Subnets.json`: subnet `subnet-1`: field `CidrBlock`: invalid cidr `10.0.0.0/33`"
    );
    let e = yaml_err("vpcs:\n  - id: vpc-a\n    cidr: 10.0.0.1/16\n");
    let m = e.to_string();
    assert!(
        m.starts_with(
            "`m.yaml`: vpc `vpc-a`: field `cidr`: invalid cidr `10.0.0.1/16`: host bits set"
        ),
        "{m}"
    );
    assert!(m.contains("line 3"), "{m}");
    let e = yaml_err(
        "security_groups:\n  - id: sg-1\n    vpc: v\n    ingress: [{proto: tcp, ports: 22, from: [10.0.0.0/8, nope]}]\n",
    );
    assert!(
        matches!(&e, IngestError::Field { field, message, .. } if field == "ingress[0].from[1]" && message.starts_with("invalid cidr `nope`")),
        "{e:?}"
    );
}

#[test]
fn unknown_yaml_key() {
    let e = yaml_err("subnets:\n  - {id: subnet-1, vpcc: vpc-a, cidr: 10.0.0.0/24}\n");
    assert!(matches!(&e, IngestError::Field { .. }), "{e:?}");
    let m = e.to_string();
    assert!(
        m.starts_with("`m.yaml`: subnet `subnet-1`: field `vpcc`: unknown field `vpcc`"),
        "{m}"
    );
    assert!(m.contains("line 2"), "{m}");
    let e = yaml_err("subnetz: []\n");
    assert!(
        e.to_string()
            .starts_with("`m.yaml`: model: field `subnetz`: unknown field `subnetz`"),
        "{e}"
    );
    let e = yaml_err(
        "route_tables:\n  - id: rtb-1\n    vpc: v\n    routes:\n      - {dest: 0.0.0.0/0, taget: igw-1}\n",
    );
    assert!(
        matches!(&e, IngestError::Field { resource, field, .. } if resource == "route table `rtb-1`" && field == "routes[0].taget"),
        "{e:?}"
    );
}

#[test]
fn yaml_rule_checks() {
    let e = yaml_err(
        "security_groups:\n  - {id: sg-1, vpc: v, ingress: [{proto: icmp, ports: 22, from: 0.0.0.0/0}]}\n",
    );
    assert!(
        matches!(&e, IngestError::Field { field, .. } if field == "ingress[0].ports"),
        "{e:?}"
    );
    let e = yaml_err(
        "security_groups:\n  - {id: sg-1, vpc: v, ingress: [{proto: tcp, to: 0.0.0.0/0}]}\n",
    );
    assert!(
        matches!(&e, IngestError::Field { field, .. } if field == "ingress[0].to"),
        "{e:?}"
    );
    let e = yaml_err(
        "network_acls:\n  - {id: a, vpc: v, inbound: [{rule: 100, proto: all, cidr: 0.0.0.0/0, action: allow}, {rule: 100, proto: all, cidr: 0.0.0.0/0, action: deny}]}\n",
    );
    assert!(
        matches!(&e, IngestError::Field { field, .. } if field == "inbound[1].rule"),
        "{e:?}"
    );
    let e = yaml_err(
        "security_groups:\n  - {id: sg-1, vpc: v, ingress: [{proto: tcp, ports: 22, from: sg-nope}]}\n",
    );
    assert_eq!(
        e.to_string(),
        "`m.yaml`: security group `sg-1`: field `ingress[0].from`: no security group `sg-nope` in the input"
    );
}

// ---------------------------------------------------------------- yaml model

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

// ---------------------------------------------------------------- merging

#[test]
fn merge_same_kind() {
    let a = r#"{"Subnets": [
        {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"},
        {"SubnetId": "subnet-2", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}]}"#;
    let b = r#"{"Subnets": [
        {"SubnetId": "subnet-2", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
        {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.9.0/24"},
        {"SubnetId": "subnet-3", "VpcId": "vpc-1", "CidrBlock": "10.0.3.0/24"}],
        "NextToken": "abc", "ResponseMetadata": {"RequestId": "x"}}"#;
    let vpcs = r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#;
    let mut l = Loader::new();
    l.add_json("acct1/Vpcs.json", vpcs).expect("vpcs");
    l.add_json("acct1/Subnets.json", a).expect("a");
    l.add_json("acct2/Subnets.json", b).expect("b");
    let n = l.finish().expect("valid");
    assert_eq!(n.subnets.len(), 3);
    assert_eq!(
        n.subnets["subnet-1"].cidrs,
        [net("10.0.9.0/24")],
        "later wins"
    );
    assert_eq!(
        n.subnets["subnet-1"].origin.file.as_ref(),
        "acct2/Subnets.json"
    );
    assert_eq!(
        n.subnets["subnet-2"].origin.file.as_ref(),
        "acct2/Subnets.json"
    );
    assert!(n.skipped.is_empty(), "pagination keys are not kinds");
    assert_eq!(
        n.warnings,
        [
            "`acct2/Subnets.json`: subnet `subnet-1` replaces the one from `acct1/Subnets.json`, which differs"
        ]
    );
}

#[test]
fn security_group_pairs_across_accounts() {
    let doc = |user: &str| {
        format!(
            r#"{{"SecurityGroups": [{{"GroupId": "sg-1", "GroupName": "a", "VpcId": "vpc-1", "OwnerId": "111",
               "IpPermissions": [{{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                  "UserIdGroupPairs": [{{"GroupId": "sg-other", "UserId": "{user}"}}]}}]}}]}}"#
        )
    };
    let mut l = Loader::new();
    l.add_json("sg.json", &doc("222")).expect("parse");
    let n = l.finish().expect("cross-account: warning only");
    assert_eq!(
        n.security_groups["sg-1"].ingress[0].peer,
        Peer::Group("sg-other".into())
    );
    assert_eq!(
        n.security_groups["sg-1"].ingress[0].ports,
        PortMatch::Ports { from: 53, to: 53 }
    );
    assert_eq!(n.warnings.len(), 2, "{:?}", n.warnings);
    assert!(
        n.warnings
            .iter()
            .any(|w| w.contains("`sg-other` of account `222`"))
    );

    // Same account (a peered VPC's group, or a stale reference): legitimate
    // input too, a warning naming the rule (issue 9).
    let mut l = Loader::new();
    l.add_json("sg.json", &doc("111")).expect("parse");
    let n = l.finish().expect("same account: warning only");
    assert!(
        n.warnings.iter().any(|w| w.contains(
            "field `IpPermissions[0].UserIdGroupPairs[0].GroupId`: security group `sg-other` is not in the input"
        )),
        "{:?}",
        n.warnings
    );
}

#[test]
fn reservations_addresses_prefix_lists() {
    let mut l = Loader::new();
    l.add_json(
        "r.json",
        r#"{"Reservations": [{"ReservationId": "r-1", "Instances": [{"InstanceId": "i-1", "Platform": "windows",
            "State": {"Name": "stopped"},
            "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "SubnetId": "subnet-1",
               "PrivateIpAddress": "10.0.0.5",
               "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.6", "Primary": false},
                                      {"PrivateIpAddress": "10.0.0.5", "Primary": true}],
               "Groups": [{"GroupId": "sg-1"}]}]}]}]}"#,
    )
    .expect("reservations");
    l.add_json(
        "a.json",
        r#"{"Addresses": [{"PublicIp": "3.3.3.3", "AllocationId": "eipalloc-1", "NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.0.6"},
                          {"PublicIp": "4.4.4.4", "NetworkInterfaceId": "eni-gone"},
                          {"PublicIp": "5.5.5.5"}]}"#,
    )
    .expect("addresses");
    l.add_json(
        "pl.json",
        r#"{"PrefixLists": [{"PrefixListId": "pl-1", "PrefixListName": "s3", "Cidrs": ["52.216.0.0/15"]},
                            {"PrefixListId": "pl-2", "PrefixListName": "corp"}],
            "ManagedPrefixListEntries": [{"PrefixListId": "pl-2", "Entries": [{"Cidr": "192.0.2.0/24"}]}]}"#,
    )
    .expect("prefix lists");
    l.add_json(
        "x.json",
        r#"{"VpcEndpoints": [{}, {}], "TransitGateways": []}"#,
    )
    .expect("skipped");
    let n = l.finish().expect("valid");
    let eni = &n.interfaces["eni-1"];
    assert_eq!(eni.instance.as_deref(), Some("i-1"));
    assert_eq!(eni.primary_ip(), Some(ip("10.0.0.5")), "primary first");
    assert_eq!(
        eni.private_ips[1].public,
        Some(ip("3.3.3.3")),
        "elastic ip on its private ip"
    );
    assert_eq!(eni.kind, "interface");
    assert_eq!(n.instances["i-1"].platform, Platform::Windows);
    assert_eq!(n.instances["i-1"].state.as_deref(), Some("stopped"));
    assert!(
        n.warnings.iter().any(|w| w.contains("eni-gone")),
        "{:?}",
        n.warnings
    );
    assert_eq!(
        n.prefix_lists["pl-1"].entries,
        Some(vec![net("52.216.0.0/15")])
    );
    assert_eq!(
        n.prefix_lists["pl-2"].entries,
        Some(vec![net("192.0.2.0/24")])
    );
    assert_eq!(n.prefix_lists["pl-2"].name.as_deref(), Some("corp"));
    // In document order (serde_json keeps it: `preserve_order`, which cedar-policy enables).
    assert_eq!(n.skipped.len(), 2);
    assert_eq!(
        (n.skipped[0].kind.as_str(), n.skipped[0].count),
        ("VpcEndpoints", 2)
    );
    assert_eq!(
        (n.skipped[1].kind.as_str(), n.skipped[1].count),
        ("TransitGateways", 0)
    );
}

#[test]
fn network_interfaces_document_wins_over_reservations() {
    let eni = |ip: &str, attach: &str| {
        format!(
            r#"{{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "SubnetId": "subnet-1", "PrivateIpAddress": "{ip}"{attach}}}"#
        )
    };
    let mut l = Loader::new();
    l.add_json(
        "n.json",
        &format!(r#"{{"NetworkInterfaces": [{}]}}"#, eni("10.0.0.9", "")),
    )
    .expect("enis");
    l.add_json(
        "r.json",
        &format!(r#"{{"Reservations": [{{"Instances": [{{"InstanceId": "i-1", "NetworkInterfaces": [{}]}}]}}]}}"#, eni("10.0.0.5", "")),
    )
    .expect("reservations");
    let n = l.finish().expect("valid");
    assert_eq!(n.interfaces["eni-1"].primary_ip(), Some(ip("10.0.0.9")));
    assert_eq!(n.interfaces["eni-1"].instance.as_deref(), Some("i-1"));
}

#[test]
fn nacl_entries_ports_and_ipv6() {
    let mut l = Loader::new();
    l.add_json(
        "acl.json",
        r#"{"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": [
            {"RuleNumber": 32768, "Egress": false, "Protocol": "-1", "RuleAction": "deny", "Ipv6CidrBlock": "::/0"},
            {"RuleNumber": 120, "Egress": false, "Protocol": "6", "RuleAction": "allow", "Ipv6CidrBlock": "::/0"},
            {"RuleNumber": 110, "Egress": false, "Protocol": "17", "RuleAction": "deny", "CidrBlock": "10.0.0.0/8", "PortRange": {"From": 53, "To": 53}},
            {"RuleNumber": 100, "Egress": false, "Protocol": "1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0", "IcmpTypeCode": {"Type": 3, "Code": -1}}
        ]}]}"#,
    )
    .expect("acl");
    let n = l.finish().expect("valid");
    let acl = &n.network_acls["acl-1"];
    assert_eq!(
        acl.inbound.iter().map(|e| e.number).collect::<Vec<_>>(),
        [100, 110, 120]
    );
    assert_eq!(
        acl.inbound[0].ports,
        PortMatch::Icmp {
            icmp_type: Some(3),
            code: None
        }
    );
    assert_eq!(acl.inbound[1].ports, PortMatch::Ports { from: 53, to: 53 });
    assert_eq!(
        acl.inbound[2].ports,
        PortMatch::Ports { from: 0, to: 65535 }
    );
    assert_eq!(acl.inbound[2].cidr, net("::/0"));

    let e = json_err(
        "acl.json",
        r#"{"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "v", "Entries": [{"RuleNumber": 1, "Egress": false, "Protocol": "tcp", "RuleAction": "maybe", "CidrBlock": "0.0.0.0/0"}]}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`acl.json`: network acl `acl-1`: field `Entries[0].RuleAction`: invalid action `maybe`: expected `allow` or `deny`"
    );
}

// ---------------------------------------------------------------- paths

#[test]
fn directory_walk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("acct2");
    std::fs::create_dir(&sub).expect("mkdir");
    std::fs::write(
        dir.path().join("Vpcs.json"),
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#,
    )
    .expect("write");
    std::fs::write(
        sub.join("s.json"),
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}]}"#,
    )
    .expect("write");
    std::fs::write(
        sub.join("m.yml"),
        "subnets: [{id: subnet-2, vpc: vpc-1, cidr: 10.0.2.0/24}]\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("README.txt"), "not input").expect("write");
    let mut l = Loader::new();
    l.add_snapshot_path(dir.path()).expect("walk");
    let n = l.finish().expect("valid");
    assert_eq!(n.subnets.len(), 2);
    assert!(n.subnets["subnet-1"].origin.file.ends_with("s.json"));

    let mut l = Loader::new();
    let e = l
        .add_model_path(&dir.path().join("missing.yaml"))
        .expect_err("io");
    assert!(matches!(e, IngestError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("missing.yaml"));
    std::fs::write(dir.path().join("bad.json"), "{").expect("write");
    let e = Loader::new()
        .add_snapshot_path(dir.path())
        .expect_err("bad json");
    assert!(
        matches!(&e, IngestError::Parse { file, .. } if file.ends_with("bad.json")),
        "{e:?}"
    );
}

// ---------------------------------------------------------------- client vpn

const CVPN_VPCS: &str = r#"{"Vpcs": [{"VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.0.0.0/16",
    "CidrBlockAssociationSet": [
      {"AssociationId": "vpc-cidr-assoc-1", "CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
      {"AssociationId": "vpc-cidr-assoc-2", "CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "associated"}}],
    "State": "available", "IsDefault": false}]}"#;

const CVPN_SUBNETS: &str = r#"{"Subnets": [
    {"SubnetId": "subnet-0aaa1111bbbb2222c", "VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "eu-west-1a"},
    {"SubnetId": "subnet-0ddd3333eeee4444f", "VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.0.2.0/24", "AvailabilityZone": "eu-west-1b"}]}"#;

const CVPN_SGS: &str = r#"{"SecurityGroups": [
    {"GroupId": "sg-0default00000000", "GroupName": "default", "VpcId": "vpc-0a1b2c3d4e5f60718", "OwnerId": "123456789012",
     "Description": "default VPC security group",
     "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0default00000000", "UserId": "123456789012"}]}],
     "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
    {"GroupId": "sg-0cvpn000000000001", "GroupName": "client-vpn", "VpcId": "vpc-0a1b2c3d4e5f60718", "OwnerId": "123456789012",
     "Description": "Client VPN associations", "IpPermissions": [],
     "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}"#;

const CVPN_ENIS: &str = r#"{"NetworkInterfaces": [
    {"NetworkInterfaceId": "eni-0c0ffee000000001a", "VpcId": "vpc-0a1b2c3d4e5f60718", "SubnetId": "subnet-0aaa1111bbbb2222c",
     "AvailabilityZone": "eu-west-1a", "Description": "ClientVPN Endpoint resource", "InterfaceType": "interface",
     "Groups": [{"GroupId": "sg-0cvpn000000000001", "GroupName": "client-vpn"}],
     "PrivateIpAddress": "10.0.1.77", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.77", "Primary": true}],
     "RequesterId": "AROAEXAMPLE", "RequesterManaged": true, "Status": "in-use"},
    {"NetworkInterfaceId": "eni-0b0b0b0b0b0b0b0b0", "VpcId": "vpc-0a1b2c3d4e5f60718", "SubnetId": "subnet-0aaa1111bbbb2222c",
     "Description": "Primary network interface", "InterfaceType": "interface",
     "Groups": [{"GroupId": "sg-0default00000000", "GroupName": "default"}],
     "PrivateIpAddress": "10.0.1.10", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10", "Primary": true}]}]}"#;

const CVPN_ENDPOINTS: &str = r#"{"ClientVpnEndpoints": [{
    "ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0",
    "Description": "corp vpn",
    "Status": {"Code": "available"},
    "CreationTime": "2024-03-01T10:00:00",
    "DnsName": "*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com",
    "ClientCidrBlock": "172.26.0.0/22",
    "DnsServers": [],
    "SplitTunnel": true,
    "VpnProtocol": "openvpn",
    "TransportProtocol": "udp",
    "VpnPort": 443,
    "ServerCertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
    "AuthenticationOptions": [{"Type": "federated-authentication",
        "FederatedAuthentication": {"SamlProviderArn": "arn:aws:iam::123456789012:saml-provider/okta"}}],
    "ConnectionLogOptions": {"Enabled": false},
    "Tags": [{"Key": "Name", "Value": "corp"}],
    "SecurityGroupIds": ["sg-0cvpn000000000001"],
    "VpcId": "vpc-0a1b2c3d4e5f60718",
    "SelfServicePortalUrl": "",
    "ClientConnectOptions": {"Enabled": false},
    "SessionTimeoutHours": 24}]}"#;

const CVPN_TARGETS: &str = r#"{"ClientVpnTargetNetworks": [
    {"AssociationId": "cvpn-assoc-0aaaaaaaaaaaaaaaa", "VpcId": "vpc-0a1b2c3d4e5f60718",
     "TargetNetworkId": "subnet-0aaa1111bbbb2222c", "ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0",
     "Status": {"Code": "associated"}, "SecurityGroups": ["sg-0cvpn000000000001"]},
    {"AssociationId": "cvpn-assoc-0bbbbbbbbbbbbbbbb", "VpcId": "vpc-0a1b2c3d4e5f60718",
     "TargetNetworkId": "subnet-0ddd3333eeee4444f", "ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0",
     "Status": {"Code": "associating"}, "SecurityGroups": ["sg-0cvpn000000000001"]}]}"#;

const CVPN_ROUTES: &str = r#"{"Routes": [
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "DestinationCidr": "10.0.0.0/16",
     "TargetSubnet": "subnet-0aaa1111bbbb2222c", "Type": "Nat", "Origin": "associate",
     "Status": {"Code": "active"}, "Description": "Default Route"},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "DestinationCidr": "10.0.0.0/16",
     "TargetSubnet": "subnet-0ddd3333eeee4444f", "Type": "Nat", "Origin": "associate",
     "Status": {"Code": "creating"}, "Description": "Default Route"},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "DestinationCidr": "0.0.0.0/0",
     "TargetSubnet": "subnet-0aaa1111bbbb2222c", "Type": "Nat", "Origin": "add-route",
     "Status": {"Code": "active"}, "Description": "internet"},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "DestinationCidr": "192.168.0.0/16",
     "TargetSubnet": "subnet-0ddd3333eeee4444f", "Type": "Nat"}]}"#;

const CVPN_RULES: &str = r#"{"AuthorizationRules": [
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "Description": "everyone to the vpc",
     "GroupId": "", "AccessAll": true, "DestinationCidr": "10.0.0.0/16", "Status": {"Code": "active"}},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "Description": "managers",
     "GroupId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", "AccessAll": false,
     "DestinationCidr": "10.0.2.119/32", "Status": {"Code": "active"}},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "GroupId": "ops",
     "DestinationCidr": "0.0.0.0/0", "Status": {"Code": "revoking"}}]}"#;

fn cvpn_loader(skip: &[&str]) -> Loader {
    let mut l = Loader::new();
    // Parts before their endpoint, and each kind in its own file.
    for (f, t) in [
        ("snap/AuthorizationRules.json", CVPN_RULES),
        ("snap/Routes.json", CVPN_ROUTES),
        ("snap/ClientVpnTargetNetworks.json", CVPN_TARGETS),
        ("snap/ClientVpnEndpoints.json", CVPN_ENDPOINTS),
        ("snap/NetworkInterfaces.json", CVPN_ENIS),
        ("snap/SecurityGroups.json", CVPN_SGS),
        ("snap/Subnets.json", CVPN_SUBNETS),
        ("snap/Vpcs.json", CVPN_VPCS),
    ] {
        if !skip.iter().any(|s| f.contains(s)) {
            l.add_json(f, t).expect(f);
        }
    }
    l
}

const CVPN_ID: &str = "cvpn-endpoint-0123456789abcdef0";
const SUB_A: &str = "subnet-0aaa1111bbbb2222c";
const SUB_B: &str = "subnet-0ddd3333eeee4444f";

#[test]
fn client_vpn_snapshot() {
    let n = cvpn_loader(&[]).finish().expect("valid");
    assert!(n.skipped.is_empty(), "{:?}", n.skipped);
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    let ep = &n.client_vpn_endpoints[CVPN_ID];
    assert_eq!(ep.vpc, "vpc-0a1b2c3d4e5f60718");
    assert_eq!(ep.client_cidr, net("172.26.0.0/22"));
    assert!(ep.split_tunnel);
    assert_eq!(ep.status, "available");
    assert_eq!(ep.security_groups, ["sg-0cvpn000000000001"]);
    assert_eq!(ep.auth, [ClientVpnAuthType::Federated]);
    assert!(ep.has_groups());
    assert_eq!(ep.origin.file.as_ref(), "snap/ClientVpnEndpoints.json");

    assert_eq!(
        ep.associations,
        [
            ClientVpnAssociation {
                id: "cvpn-assoc-0aaaaaaaaaaaaaaaa".into(),
                subnet: SUB_A.into(),
                status: "associated".into(),
                interface: Some("eni-0c0ffee000000001a".into()),
            },
            ClientVpnAssociation {
                id: "cvpn-assoc-0bbbbbbbbbbbbbbbb".into(),
                subnet: SUB_B.into(),
                status: "associating".into(),
                interface: None,
            },
        ]
    );
    let route = |dest: &str, sub: &str, status: &str, origin: Option<&str>| ClientVpnRoute {
        dest: net(dest),
        target_subnet: sub.into(),
        status: status.into(),
        origin: origin.map(Into::into),
    };
    assert_eq!(
        ep.routes,
        [
            route("10.0.0.0/16", SUB_A, "active", Some("associate")),
            route("10.0.0.0/16", SUB_B, "creating", Some("associate")),
            route("0.0.0.0/0", SUB_A, "active", Some("add-route")),
            route("192.168.0.0/16", SUB_B, "unknown", None),
        ]
    );
    assert_eq!(
        ep.auth_rules,
        [
            ClientVpnAuthRule {
                dest: net("10.0.0.0/16"),
                access_all: true,
                group: None,
                status: "active".into(),
                description: Some("everyone to the vpc".into()),
            },
            ClientVpnAuthRule {
                dest: net("10.0.2.119/32"),
                access_all: false,
                group: Some("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111".into()),
                status: "active".into(),
                description: Some("managers".into()),
            },
            ClientVpnAuthRule {
                dest: net("0.0.0.0/0"),
                access_all: false,
                group: Some("ops".into()),
                status: "revoking".into(),
                description: None,
            },
        ]
    );
}

#[test]
fn client_vpn_snapshot_defaults() {
    // No Routes / AuthorizationRules documents, no SecurityGroupIds, no status.
    let mut l = cvpn_loader(&["ClientVpnEndpoints", "Routes", "AuthorizationRules"]);
    l.add_json(
        "snap/ClientVpnEndpoints.json",
        &format!(
            r#"{{"ClientVpnEndpoints": [{{"ClientVpnEndpointId": "{CVPN_ID}", "ClientCidrBlock": "172.26.0.0/22",
               "VpcId": "vpc-0a1b2c3d4e5f60718", "SecurityGroupIds": [],
               "AuthenticationOptions": [{{"Type": "certificate-authentication"}},
                                         {{"Type": "directory-service-authentication"}}]}}]}}"#
        ),
    )
    .expect("endpoint");
    let n = l.finish().expect("valid");
    let ep = &n.client_vpn_endpoints[CVPN_ID];
    assert_eq!(ep.status, "unknown");
    assert!(!ep.split_tunnel);
    assert_eq!(ep.security_groups, ["sg-0default00000000"], "vpc default");
    assert_eq!(
        ep.auth,
        [ClientVpnAuthType::Certificate, ClientVpnAuthType::Directory]
    );
    // Only the associated subnet gets the association routes, one per VPC CIDR.
    let routes: Vec<(IpNet, &str, &str, Option<&str>)> = ep
        .routes
        .iter()
        .map(|r| {
            (
                r.dest,
                r.target_subnet.as_str(),
                r.status.as_str(),
                r.origin.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            (net("10.0.0.0/16"), SUB_A, "active", Some("associate")),
            (net("10.1.0.0/16"), SUB_A, "active", Some("associate")),
        ]
    );
    assert!(ep.auth_rules.is_empty());
    // The ENI carries not the endpoint's (default) group, but is the only one.
    assert_eq!(
        ep.associations[0].interface.as_deref(),
        Some("eni-0c0ffee000000001a")
    );
    assert_eq!(
        n.warnings,
        [
            format!(
                "no `Routes` document: assumed only the routes Client VPN adds on association for `{CVPN_ID}`"
            ),
            format!("no `AuthorizationRules` document: nothing is authorized on `{CVPN_ID}`"),
        ]
    );
}

#[test]
fn client_vpn_snapshot_errors() {
    // A part naming an endpoint the input lacks.
    let mut l = cvpn_loader(&[]);
    l.add_json(
        "other/Routes.json",
        r#"{"Routes": [{"ClientVpnEndpointId": "cvpn-endpoint-0ffffffffffffffff", "DestinationCidr": "10.0.0.0/16",
            "TargetSubnet": "subnet-0aaa1111bbbb2222c", "Status": {"Code": "active"}}]}"#,
    )
    .expect("parses");
    let e = l.finish().expect_err("unknown endpoint");
    assert_eq!(
        e,
        IngestError::UnknownRef {
            file: "other/Routes.json".into(),
            resource: "Routes[0]".into(),
            field: "ClientVpnEndpointId".into(),
            kind: "client vpn endpoint".into(),
            id: "cvpn-endpoint-0ffffffffffffffff".into(),
        }
    );
    let e = json_err(
        "tn.json",
        r#"{"ClientVpnTargetNetworks": [{"AssociationId": "cvpn-assoc-1", "TargetNetworkId": "subnet-1",
            "ClientVpnEndpointId": "cvpn-endpoint-nope"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`tn.json`: client vpn association `cvpn-assoc-1`: field `ClientVpnEndpointId`: no client vpn endpoint `cvpn-endpoint-nope` in the input"
    );
    // An association subnet the input lacks (subnets loaded).
    let mut l = cvpn_loader(&[]);
    l.add_json(
        "more/ClientVpnTargetNetworks.json",
        &format!(
            r#"{{"ClientVpnTargetNetworks": [{{"AssociationId": "cvpn-assoc-9", "TargetNetworkId": "subnet-9",
               "ClientVpnEndpointId": "{CVPN_ID}", "Status": {{"Code": "associated"}}}}]}}"#
        ),
    )
    .expect("parses");
    assert_eq!(
        l.finish().expect_err("unknown subnet").to_string(),
        "`more/ClientVpnTargetNetworks.json`: client vpn association `cvpn-assoc-9`: field `TargetNetworkId`: no subnet `subnet-9` in the input"
    );
    // Per-item field errors.
    let e = json_err(
        "e.json",
        r#"{"ClientVpnEndpoints": [{"ClientVpnEndpointId": "cvpn-endpoint-1", "VpcId": "vpc-1",
            "ClientCidrBlock": "172.26.0.0/22", "AuthenticationOptions": [{"Type": "password"}]}]}"#,
    );
    assert!(
        matches!(&e, IngestError::Field { resource, field, .. } if resource == "client vpn endpoint `cvpn-endpoint-1`" && field == "AuthenticationOptions[0].Type"),
        "{e:?}"
    );
    let e = json_err(
        "r.json",
        r#"{"AuthorizationRules": [{"ClientVpnEndpointId": "cvpn-endpoint-1", "DestinationCidr": "10.0.0.0/33"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`r.json`: AuthorizationRules[0]: field `DestinationCidr`: invalid cidr `10.0.0.0/33`"
    );
    // Transit gateway route searches also print `Routes`: skipped, not misread.
    let mut l = Loader::new();
    l.add_json(
        "tgw.json",
        r#"{"Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "Type": "propagated", "State": "active"}],
            "AdditionalRoutesAvailable": false}"#,
    )
    .expect("skipped");
    let n = l.finish().expect("valid");
    assert_eq!(skipped_kinds(&n), ["AdditionalRoutesAvailable", "Routes"]);
}

const CVPN_YAML: &str = r#"
vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]
subnets:
  - {id: subnet-a, vpc: vpc-a, cidr: 10.0.1.0/24}
  - {id: subnet-b, vpc: vpc-a, cidr: 10.0.2.0/24}
security_groups:
  - {id: sg-cvpn, vpc: vpc-a}
interfaces:
  - {id: eni-cvpn-b, subnet: subnet-b, ip: 10.0.2.50, groups: [sg-cvpn], description: ClientVPN Endpoint resource}
client_vpn_endpoints:
  - id: cvpn-endpoint-0abc
    vpc: vpc-a
    client_cidr: 172.26.0.0/22
    split_tunnel: true
    status: available
    auth: [certificate, federated]
    security_groups: [sg-cvpn]
    associations:
      - subnet: subnet-a
        ip: 10.0.1.50
      - subnet: subnet-b
        id: cvpn-assoc-b
        status: associated
        interface: eni-cvpn-b
    routes:
      - {dest: 0.0.0.0/0, subnet: subnet-a}
      - {dest: 192.168.0.0/16, subnet: subnet-b, status: creating}
    authorization:
      - {dest: 10.0.0.0/16, access_all: true}
      - {dest: 10.0.2.119/32, group: S-xxxxx16, description: managers}
  - id: cvpn-endpoint-min
    vpc: vpc-a
    client_cidr: 172.27.0.0/22
    associations: [{subnet: subnet-b, status: disassociated}]
    authorization: []
"#;

#[test]
fn client_vpn_yaml() {
    let mut l = Loader::new();
    l.add_yaml("cvpn.yaml", CVPN_YAML).expect("parses");
    let n = l.finish().expect("valid");
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    let ep = &n.client_vpn_endpoints["cvpn-endpoint-0abc"];
    assert_eq!(
        (
            ep.vpc.as_str(),
            ep.client_cidr,
            ep.split_tunnel,
            ep.status.as_str()
        ),
        ("vpc-a", net("172.26.0.0/22"), true, "available")
    );
    assert_eq!(
        ep.auth,
        [ClientVpnAuthType::Certificate, ClientVpnAuthType::Federated]
    );
    assert_eq!(ep.security_groups, ["sg-cvpn"]);
    assert_eq!(
        ep.associations,
        [
            ClientVpnAssociation {
                id: "cvpn-assoc-subnet-a".into(),
                subnet: "subnet-a".into(),
                status: "associated".into(),
                interface: Some("eni-cvpn-assoc-subnet-a".into()),
            },
            ClientVpnAssociation {
                id: "cvpn-assoc-b".into(),
                subnet: "subnet-b".into(),
                status: "associated".into(),
                interface: Some("eni-cvpn-b".into()),
            },
        ]
    );
    // `ip` created the association's interface.
    let eni = &n.interfaces["eni-cvpn-assoc-subnet-a"];
    assert_eq!(
        (
            eni.kind.as_str(),
            eni.subnet.as_str(),
            eni.vpc.as_str(),
            eni.primary_ip(),
            eni.groups.clone(),
            eni.description.as_deref()
        ),
        (
            "client_vpn",
            "subnet-a",
            "vpc-a",
            Some(ip("10.0.1.50")),
            vec!["sg-cvpn".to_string()],
            Some("ClientVPN Endpoint resource")
        )
    );
    let routes: Vec<(IpNet, &str, &str, Option<&str>)> = ep
        .routes
        .iter()
        .map(|r| {
            (
                r.dest,
                r.target_subnet.as_str(),
                r.status.as_str(),
                r.origin.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            (net("10.0.0.0/16"), "subnet-a", "active", Some("associate")),
            (net("10.0.0.0/16"), "subnet-b", "active", Some("associate")),
            (net("0.0.0.0/0"), "subnet-a", "active", Some("add-route")),
            (
                net("192.168.0.0/16"),
                "subnet-b",
                "creating",
                Some("add-route")
            ),
        ]
    );
    assert_eq!(
        ep.auth_rules,
        [
            ClientVpnAuthRule {
                dest: net("10.0.0.0/16"),
                access_all: true,
                group: None,
                status: "active".into(),
                description: None,
            },
            ClientVpnAuthRule {
                dest: net("10.0.2.119/32"),
                access_all: false,
                group: Some("S-xxxxx16".into()),
                status: "active".into(),
                description: Some("managers".into()),
            },
        ]
    );
    // Defaults: certificate auth, the VPC default group, no routes for a
    // disassociated subnet, status from the associations.
    let min = &n.client_vpn_endpoints["cvpn-endpoint-min"];
    assert_eq!(min.auth, [ClientVpnAuthType::Certificate]);
    assert!(!min.split_tunnel);
    assert_eq!(min.security_groups, ["sg-default-vpc-a"]);
    assert_eq!(min.status, "pending-associate");
    assert_eq!(min.associations[0].interface, None);
    assert!(min.routes.is_empty());
}

#[test]
fn client_vpn_yaml_errors() {
    let with = |endpoint: &str| {
        format!(
            "vpcs: [{{id: vpc-a, cidr: 10.0.0.0/16}}, {{id: vpc-b, cidr: 10.1.0.0/16}}]\n\
             subnets: [{{id: subnet-a, vpc: vpc-a, cidr: 10.0.1.0/24}}, {{id: subnet-b, vpc: vpc-a, cidr: 10.0.2.0/24}},\n\
                       {{id: subnet-x, vpc: vpc-b, cidr: 10.1.1.0/24}}]\n\
             client_vpn_endpoints:\n  - {{id: cvpn-endpoint-1, vpc: vpc-a, client_cidr: 172.26.0.0/22, {endpoint}}}\n"
        )
    };
    let field_of = |e: &IngestError| match e {
        IngestError::Field {
            resource, field, ..
        }
        | IngestError::UnknownRef {
            resource, field, ..
        } => {
            assert_eq!(resource, "client vpn endpoint `cvpn-endpoint-1`", "{e}");
            field.clone()
        }
        _ => panic!("{e:?}"),
    };
    // Authorization rules: exactly one of access_all: true / group.
    let e = yaml_err(&with(
        "authorization: [{dest: 10.0.0.0/16, access_all: true, group: g-1}]",
    ));
    assert_eq!(field_of(&e), "authorization[0].group");
    let e = yaml_err(&with("authorization: [{dest: 10.0.0.0/16}]"));
    assert_eq!(field_of(&e), "authorization[0].access_all");
    assert_eq!(
        e.to_string(),
        "`m.yaml`: client vpn endpoint `cvpn-endpoint-1`: field `authorization[0].access_all`: missing: exactly one of `access_all: true` and `group`"
    );
    let e = yaml_err(&with(
        "authorization: [{dest: 10.0.0.0/16, access_all: false}]",
    ));
    assert_eq!(field_of(&e), "authorization[0].access_all");
    // A route through a subnet that is not associated.
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-a}], routes: [{dest: 0.0.0.0/0, subnet: subnet-b}], authorization: []",
    ));
    assert_eq!(
        e.to_string(),
        "`m.yaml`: client vpn endpoint `cvpn-endpoint-1`: field `routes[0].subnet`: subnet `subnet-b` is not associated with the endpoint (associations: subnet-a)"
    );
    // Association checks.
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-x}], authorization: []",
    ));
    assert_eq!(field_of(&e), "associations[0].subnet");
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-9}], authorization: []",
    ));
    assert!(matches!(e, IngestError::UnknownRef { .. }), "{e:?}");
    assert_eq!(field_of(&e), "associations[0].subnet");
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-a, ip: 10.0.2.5}], authorization: []",
    ));
    assert_eq!(field_of(&e), "associations[0].ip");
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-a, interface: eni-nope}], authorization: []",
    ));
    assert!(matches!(e, IngestError::UnknownRef { .. }), "{e:?}");
    assert_eq!(field_of(&e), "associations[0].interface");
    // References and shape.
    let e = yaml_err(&with("security_groups: [sg-nope], authorization: []"));
    assert_eq!(
        e.to_string(),
        "`m.yaml`: client vpn endpoint `cvpn-endpoint-1`: field `security_groups`: no security group `sg-nope` in the input"
    );
    let e = yaml_err(&with("auth: password"));
    assert_eq!(field_of(&e), "auth");
    let e = yaml_err(&with("splittunnel: true"));
    assert_eq!(field_of(&e), "splittunnel");
    let e = yaml_err(&with("associations: [{subnet: subnet-a, ipp: 10.0.1.5}]"));
    assert_eq!(field_of(&e), "associations[0].ipp");
    // No `authorization`: a warning.
    let mut l = Loader::new();
    l.add_yaml("m.yaml", &with("auth: directory"))
        .expect("parses");
    let n = l.finish().expect("valid");
    assert_eq!(
        n.warnings,
        [
            "`m.yaml`: client vpn endpoint `cvpn-endpoint-1`: no `authorization`: nothing is authorized"
        ]
    );
    assert_eq!(
        n.client_vpn_endpoints["cvpn-endpoint-1"].auth,
        [ClientVpnAuthType::Directory]
    );
}

#[test]
fn association_ids_are_unique_across_endpoints() {
    // Found by the differential test: both endpoints defaulted to
    // `cvpn-assoc-subnet-1`, and replies to one were taken for the other's.
    let endpoint = |id: &str, cidr: &str| {
        format!(
            "  - {{id: {id}, vpc: vpc-1, client_cidr: {cidr}, associations: [{{subnet: subnet-1}}], authorization: []}}\n"
        )
    };
    let base = "vpcs: [{id: vpc-1, cidr: 10.0.0.0/16}]\nsubnets: [{id: subnet-1, vpc: vpc-1, cidr: 10.0.1.0/24}]\nclient_vpn_endpoints:\n";
    let text = format!(
        "{base}{}{}",
        endpoint("cvpn-endpoint-a", "172.26.0.0/22"),
        endpoint("cvpn-endpoint-b", "172.27.0.0/22")
    );
    let m = yaml_err(&text).to_string();
    assert!(m.contains("associations[0].id"), "{m}");
    assert!(
        m.contains("`cvpn-assoc-subnet-1` is also an association of `cvpn-endpoint-a`"),
        "{m}"
    );
    // Distinct IDs load.
    let ok = text.replacen(
        "[{subnet: subnet-1}]",
        "[{subnet: subnet-1, id: cvpn-assoc-b}]",
        1,
    );
    let mut l = Loader::new();
    l.add_yaml("m.yaml", &ok).unwrap();
    assert_eq!(l.finish().unwrap().client_vpn_endpoints.len(), 2);
}

// ------------------------------------------------ describe-security-group-rules

const SGR_GROUPS: &str = r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
 "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "a", "VpcId": "vpc-1", "OwnerId": "111",
  "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
     "IpRanges": [{"CidrIp": "10.0.0.0/16"}, {"CidrIp": "192.0.2.0/24"}],
     "Ipv6Ranges": [{"CidrIpv6": "2600:1f18::/56"}], "PrefixListIds": [], "UserIdGroupPairs": []},
    {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
     "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []},
    {"IpProtocol": "icmpv6", "FromPort": -1, "ToPort": -1, "IpRanges": [],
     "Ipv6Ranges": [{"CidrIpv6": "::/0"}], "PrefixListIds": [], "UserIdGroupPairs": []},
    {"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "IpRanges": [], "Ipv6Ranges": [],
     "PrefixListIds": [{"PrefixListId": "pl-0a1b"}], "UserIdGroupPairs": []},
    {"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
     "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "111"}]}],
  "IpPermissionsEgress": [
    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
     "PrefixListIds": [], "UserIdGroupPairs": []}]}]}"#;

/// `describe-security-group-rules` items, each `(id, is_egress, protocol,
/// from, to, peer field and value)`.
fn sgr_doc(items: &[(&str, bool, &str, i64, i64, &str)]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|(id, egress, proto, from, to, peer)| {
            format!(
                r#"{{"SecurityGroupRuleId": "{id}", "GroupId": "sg-1", "GroupOwnerId": "111",
                    "IsEgress": {egress}, "IpProtocol": "{proto}", "FromPort": {from}, "ToPort": {to},
                    {peer}, "Tags": []}}"#
            )
        })
        .collect();
    format!(r#"{{"SecurityGroupRules": [{}]}}"#, items.join(","))
}

fn load_sgr(rules: &str) -> Network {
    let mut l = Loader::new();
    // The rules first, as a directory sorts `security-group-rules.json`.
    l.add_json("security-group-rules.json", rules)
        .expect("rules parse");
    l.add_json("security-groups.json", SGR_GROUPS)
        .expect("groups parse");
    l.finish().expect("lowers")
}

#[test]
fn security_group_rule_ids_match_their_rules() {
    let rules = sgr_doc(&[
        // Listed in another order than IpPermissions, as AWS does.
        ("sgr-0egress6", true, "-1", -1, -1, r#""CidrIpv6": "::/0""#),
        (
            "sgr-0self",
            false,
            "-1",
            -1,
            -1,
            r#""ReferencedGroupInfo": {"GroupId": "sg-1", "UserId": "111"}"#,
        ),
        // A protocol number for tcp, an IPv4 and an IPv6 peer of one permission.
        (
            "sgr-0ssh192",
            false,
            "6",
            22,
            22,
            r#""CidrIpv4": "192.0.2.0/24""#,
        ),
        (
            "sgr-0ssh10",
            false,
            "tcp",
            22,
            22,
            r#""CidrIpv4": "10.0.0.0/16""#,
        ),
        (
            "sgr-0ssh6",
            false,
            "tcp",
            22,
            22,
            r#""CidrIpv6": "2600:1f18::/56""#,
        ),
        (
            "sgr-0echo",
            false,
            "icmp",
            8,
            -1,
            r#""CidrIpv4": "0.0.0.0/0""#,
        ),
        ("sgr-0icmp6", false, "58", -1, -1, r#""CidrIpv6": "::/0""#),
        (
            "sgr-0pl",
            false,
            "udp",
            0,
            65535,
            r#""PrefixListId": "pl-0a1b""#,
        ),
        (
            "sgr-0egress4",
            true,
            "-1",
            -1,
            -1,
            r#""CidrIpv4": "0.0.0.0/0""#,
        ),
    ]);
    let n = load_sgr(&rules);
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    let sg = &n.security_groups["sg-1"];
    let got: Vec<(&str, &str)> = sg
        .ingress
        .iter()
        .chain(&sg.egress)
        .map(|r| (r.position.as_str(), r.label()))
        .collect();
    assert_eq!(
        got,
        [
            ("IpPermissions[0].IpRanges[0]", "sgr-0ssh10"),
            ("IpPermissions[0].IpRanges[1]", "sgr-0ssh192"),
            ("IpPermissions[0].Ipv6Ranges[0]", "sgr-0ssh6"),
            ("IpPermissions[1].IpRanges[0]", "sgr-0echo"),
            ("IpPermissions[2].Ipv6Ranges[0]", "sgr-0icmp6"),
            ("IpPermissions[3].PrefixListIds[0]", "sgr-0pl"),
            ("IpPermissions[4].UserIdGroupPairs[0]", "sgr-0self"),
            ("IpPermissionsEgress[0].IpRanges[0]", "sgr-0egress4"),
            ("IpPermissionsEgress[0].Ipv6Ranges[0]", "sgr-0egress6"),
        ]
    );
    // The same document read twice: each ID is used once, no warning.
    let mut l = Loader::new();
    l.add_json("a/security-group-rules.json", &rules).unwrap();
    l.add_json("b/security-group-rules.json", &rules).unwrap();
    l.add_json("security-groups.json", SGR_GROUPS).unwrap();
    let n2 = l.finish().expect("lowers");
    assert!(n2.warnings.is_empty(), "{:?}", n2.warnings);
    assert_eq!(n2.security_groups, n.security_groups);
}

#[test]
fn security_group_rule_ids_that_do_not_match_are_warnings() {
    let rules = sgr_doc(&[
        // Same peer, other ports; other direction; other ICMP type; other
        // protocol: none is a rule of sg-1.
        (
            "sgr-0port",
            false,
            "tcp",
            23,
            23,
            r#""CidrIpv4": "10.0.0.0/16""#,
        ),
        (
            "sgr-0dir",
            true,
            "tcp",
            22,
            22,
            r#""CidrIpv4": "10.0.0.0/16""#,
        ),
        (
            "sgr-0type",
            false,
            "icmp",
            0,
            -1,
            r#""CidrIpv4": "0.0.0.0/0""#,
        ),
        (
            "sgr-0proto",
            false,
            "tcp",
            0,
            65535,
            r#""PrefixListId": "pl-0a1b""#,
        ),
        (
            "sgr-0ok",
            false,
            "tcp",
            22,
            22,
            r#""CidrIpv4": "10.0.0.0/16""#,
        ),
    ]);
    let n = load_sgr(&rules);
    let sg = &n.security_groups["sg-1"];
    assert_eq!(sg.ingress[0].label(), "sgr-0ok");
    assert_eq!(sg.ingress[1].label(), "IpPermissions[0].IpRanges[1]");
    for id in ["sgr-0port", "sgr-0dir", "sgr-0type", "sgr-0proto"] {
        assert!(
            n.warnings.iter().any(|w| w.contains(&format!(
                "`security-group-rules.json`: security group rule `{id}`: "
            )) && w.contains("matches no rule of security group `sg-1`")),
            "{id}: {:?}",
            n.warnings
        );
    }
    assert!(
        n.warnings
            .iter()
            .any(|w| w.contains("inbound tcp 23 from 10.0.0.0/16 matches no rule")),
        "{:?}",
        n.warnings
    );
    // The group's rules without an ID: one warning naming them.
    let unnamed: Vec<&String> = n
        .warnings
        .iter()
        .filter(|w| w.contains("no `SecurityGroupRules` item"))
        .collect();
    assert_eq!(unnamed.len(), 1, "{:?}", n.warnings);
    assert!(
        unnamed[0].starts_with("`security-groups.json`: security group `sg-1`: ")
            && unnamed[0].contains("IpPermissions[0].IpRanges[1] (tcp 22 from 192.0.2.0/24)")
            && unnamed[0].contains("IpPermissionsEgress[0].Ipv6Ranges[0] (all to ::/0)"),
        "{}",
        unnamed[0]
    );
    // The rules stay those of describe-security-groups.
    assert_eq!(sg.ingress.len(), 7);
    assert_eq!(sg.egress.len(), 2);
}

#[test]
fn security_group_rule_ids_of_groups_not_in_the_input() {
    let rules = r#"{"SecurityGroupRules": [
        {"SecurityGroupRuleId": "sgr-0a", "GroupId": "sg-gone", "IsEgress": false,
         "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/16"},
        {"SecurityGroupRuleId": "sgr-0b", "GroupId": "sg-gone", "IsEgress": true,
         "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0"}]}"#;
    let n = load_sgr(rules);
    let about: Vec<&String> = n
        .warnings
        .iter()
        .filter(|w| w.contains("sg-gone"))
        .collect();
    assert_eq!(
        about,
        [
            "`security-group-rules.json`: security group `sg-gone`: 2 rules in `SecurityGroupRules` (`sgr-0a`, `sgr-0b`), but the group is not in the input: not modelled (its rules are read from `describe-security-groups`)"
        ]
    );
    assert!(!n.security_groups.contains_key("sg-gone"));
    // sg-1 has no ID at all: a filtered `describe-security-group-rules`, no warning.
    assert_eq!(n.warnings.len(), 1, "{:?}", n.warnings);

    // Without any `SecurityGroups`: one warning in all.
    let mut l = Loader::new();
    l.add_json("r.json", rules).unwrap();
    let n = l.finish().expect("lowers");
    assert_eq!(
        n.warnings
            .iter()
            .filter(|w| w.contains("SecurityGroupRules"))
            .count(),
        1,
        "{:?}",
        n.warnings
    );
    assert!(n.skipped.is_empty(), "a known document: {:?}", n.skipped);
}

#[test]
fn security_group_rule_id_errors() {
    let one = |fields: &str| {
        format!(
            r#"{{"SecurityGroupRules": [{{"SecurityGroupRuleId": "sgr-0bad", "GroupId": "sg-1",
                "IsEgress": false, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22{fields}}}]}}"#
        )
    };
    for (fields, want) in [
        (
            r#", "CidrIpv4": "10.0.0.0/33""#,
            "`r.json`: security group rule `sgr-0bad`: field `CidrIpv4`: invalid cidr `10.0.0.0/33`",
        ),
        (
            r#", "CidrIpv4": "2600::/56""#,
            "`r.json`: security group rule `sgr-0bad`: field `CidrIpv4`: `2600::/56` is not an ipv4 cidr",
        ),
        (
            r#", "CidrIpv6": "10.0.0.0/8""#,
            "`r.json`: security group rule `sgr-0bad`: field `CidrIpv6`: `10.0.0.0/8` is not an ipv6 cidr",
        ),
        (
            "",
            "`r.json`: security group rule `sgr-0bad`: field `CidrIpv4`: missing (nor `CidrIpv6`, `PrefixListId`, `ReferencedGroupInfo`): a rule has one peer",
        ),
        (
            r#", "CidrIpv4": "10.0.0.0/8", "PrefixListId": "pl-1""#,
            "`r.json`: security group rule `sgr-0bad`: field `PrefixListId`: a rule has one peer, and `CidrIpv4` is given too",
        ),
        (
            r#", "ReferencedGroupInfo": {"UserId": "111"}"#,
            "`r.json`: security group rule `sgr-0bad`: field `ReferencedGroupInfo.GroupId`: missing",
        ),
    ] {
        assert_eq!(json_err("r.json", &one(fields)).to_string(), want);
    }
    let e = json_err(
        "r.json",
        &one(r#", "CidrIpv4": "10.0.0.0/8""#)
            .replace(r#""IsEgress": false"#, r#""IsEgress": "no""#),
    );
    let m = e.to_string();
    assert!(
        m.starts_with("`r.json`: security group rule `sgr-0bad`: field `IsEgress`: invalid type"),
        "{m}"
    );
    let e = json_err(
        "r.json",
        &one(r#", "CidrIpv4": "10.0.0.0/8""#).replace(r#""ToPort": 22"#, r#""ToPort": 70000"#),
    );
    assert_eq!(
        e.to_string(),
        "`r.json`: security group rule `sgr-0bad`: field `FromPort`: invalid port `70000`"
    );
    // An item without its ID is named by its position.
    let e = json_err(
        "r.json",
        r#"{"SecurityGroupRules": [{"GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`r.json`: SecurityGroupRules[0]: field `SecurityGroupRuleId`: missing"
    );
}
