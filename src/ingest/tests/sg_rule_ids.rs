//! `describe-security-group-rules`: rules named by their `sgr-…` IDs.

use super::*;

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
