//! Resources read twice, and snapshot documents joined.

use super::*;

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
        r#"{"VpcEndpoints": [{}, {}], "CarrierGateways": []}"#,
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
        ("CarrierGateways", 0)
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
