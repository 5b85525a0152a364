//! Batfish fixtures read as snapshots.

use super::*;

#[test]
fn fixture_public_subnet() {
    let n = load_fixture("public-subnet");
    assert_eq!(
        skipped_kinds(&n),
        ["AvailabilityZones", "CustomerGateways", "VpcEndpoints"]
    );
    // Read since issue 14 (both empty here), not skipped.
    assert!(n.vpn_connections.is_empty() && n.vpn_gateways.is_empty());
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
