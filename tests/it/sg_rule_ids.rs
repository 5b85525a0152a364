//! Issue 10, item 2: a security-group rule is named in traces by its `sgr-…`
//! ID when the input has `describe-security-group-rules`, else by its
//! position in `IpPermissions` as the file has it (on
//! `tests/data/real-account/`, whose `make.py` writes both documents).

use std::fs;
use std::path::PathBuf;

use reach::ingest::Loader;
use reach::model::{Network, Peer};
use serde_json::Value;

use super::bad_input::assert_error;
use super::cli::reach;
use super::support::{all_hops, check, root};

const SNAP: &str = "tests/data/real-account";
const RULES: &str = "security-group-rules.json";

/// The real account without its `describe-security-group-rules` output.
fn without_rule_ids() -> Network {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join(SNAP))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !p.ends_with(RULES))
        .collect();
    files.sort();
    let mut l = Loader::new();
    for f in &files {
        l.add_snapshot_path(f).expect("file loads");
    }
    l.finish().expect("snapshot lowers")
}

fn json_file(name: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(root().join(SNAP).join(name)).unwrap()).unwrap()
}

/// `inbound rule LABEL: …` of the hop of `group` in `hops`: LABEL.
fn label_in<'a>(hops: &'a [String], group: &str) -> &'a str {
    let hop = hops
        .iter()
        .find(|h| h.starts_with(&format!("{group} inbound rule ")))
        .unwrap_or_else(|| panic!("no inbound hop of {group}: {hops:#?}"));
    let rest = &hop[group.len() + " inbound rule ".len()..];
    &rest[..rest.find(':').expect("label ends with a colon")]
}

/// Follows `IpPermissions[2].IpRanges[0]` inside `item`.
fn follow<'a>(item: &'a Value, position: &str) -> &'a Value {
    position.split('.').fold(item, |v, seg| {
        let (key, rest) = seg.split_once('[').expect("KEY[INDEX]");
        let i: usize = rest.strip_suffix(']').unwrap().parse().unwrap();
        &v[key][i]
    })
}

/// The item of group `id` in `security-groups.json`.
fn group_item(doc: &Value, id: &str) -> Value {
    doc["SecurityGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["GroupId"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} in security-groups.json"))
}

// (a) With `SecurityGroupRules`: the trace names the rule by its ID.
#[test]
fn traces_name_a_rule_by_its_sgr_id() {
    let q = "internet->[2600:1f18:4a3:6a01::10]:443";
    let r = reach(&["check", "--snapshot", SNAP, "--format", "json", q]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let hop = v["paths"][0]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["component"] == "sg-0web00000000000001")
        .expect("the web group's hop");
    assert_eq!(
        hop["rule"],
        "inbound rule sgr-0648e81f1b25c4199: tcp 443 from ::/0"
    );
    // That ID is the one `describe-security-group-rules` gives this rule.
    let rules = json_file(RULES);
    let item = rules["SecurityGroupRules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["SecurityGroupRuleId"] == "sgr-0648e81f1b25c4199")
        .unwrap();
    assert_eq!(
        (
            &item["GroupId"],
            &item["IsEgress"],
            &item["FromPort"],
            &item["CidrIpv6"]
        ),
        (
            &Value::from("sg-0web00000000000001"),
            &Value::from(false),
            &Value::from(443),
            &Value::from("::/0")
        )
    );
    // The text output too; no warning about rule IDs.
    let r = reach(&["check", "--snapshot", SNAP, q]);
    assert!(
        r.stdout
            .contains("inbound rule sgr-0648e81f1b25c4199: tcp 443 from ::/0"),
        "{}",
        r.stdout
    );
    assert!(!r.stderr.contains("SecurityGroupRules"), "{}", r.stderr);
    // A group reference, and the outbound rule of the source.
    let r = check(
        &super::support::load_snapshot(&root().join(SNAP)),
        "eni-0web0000000000001->10.0.2.30:5432",
    );
    let hops = all_hops(&r);
    assert_eq!(
        label_in(&hops, "sg-0app00000000000002"),
        "sgr-0e86ab829d6582225"
    );
    assert!(
        hops.contains(
            &"sg-0web00000000000001 outbound rule sgr-0cb0578697fc229e2: all to 0.0.0.0/0".into()
        ),
        "{hops:#?}"
    );
}

#[test]
fn every_rule_of_the_real_account_gets_its_id() {
    let n = super::support::load_snapshot(&root().join(SNAP));
    for sg in n.security_groups.values() {
        for r in sg.ingress.iter().chain(&sg.egress) {
            assert!(
                r.rule_id
                    .as_deref()
                    .is_some_and(|id| id.starts_with("sgr-")),
                "{} {}: no ID",
                sg.id,
                r.position
            );
        }
    }
    assert!(
        !n.warnings.iter().any(|w| w.contains("SecurityGroupRules")),
        "{:?}",
        n.warnings
    );
}

// (b) Without it: the position, which indexes `security-groups.json`.
#[test]
fn without_rule_ids_traces_name_the_position_in_the_file() {
    let n = without_rule_ids();
    let doc = json_file("security-groups.json");
    let r = check(&n, "internet->[2600:1f18:4a3:6a01::10]:443");
    assert_eq!(r.verdict, "reachable");
    let hops = all_hops(&r);
    let pos = label_in(&hops, "sg-0web00000000000001");
    assert_eq!(pos, "IpPermissions[0].Ipv6Ranges[0]");
    let web = group_item(&doc, "sg-0web00000000000001");
    assert_eq!(follow(&web, pos)["CidrIpv6"], "::/0");
    assert_eq!(
        follow(&web, pos.split('.').next().unwrap())["FromPort"],
        443
    );

    let r = check(&n, "eni-0web0000000000001->10.0.2.30:5432");
    assert_eq!(r.verdict, "reachable");
    let hops = all_hops(&r);
    let pos = label_in(&hops, "sg-0app00000000000002");
    assert_eq!(pos, "IpPermissions[1].UserIdGroupPairs[0]");
    let app = group_item(&doc, "sg-0app00000000000002");
    assert_eq!(follow(&app, pos)["GroupId"], "sg-0web00000000000001");
}

#[test]
fn every_position_points_at_its_rule_in_the_file() {
    let n = without_rule_ids();
    let doc = json_file("security-groups.json");
    for sg in n.security_groups.values() {
        let item = group_item(&doc, &sg.id);
        for r in sg.ingress.iter().chain(&sg.egress) {
            assert_eq!(r.rule_id, None);
            assert_eq!(r.label(), r.position);
            let at = follow(&item, &r.position);
            let peer = match &r.peer {
                Peer::Cidr(c) if c.addr().is_ipv4() => &at["CidrIp"],
                Peer::Cidr(_) => &at["CidrIpv6"],
                Peer::PrefixList(_) => &at["PrefixListId"],
                Peer::Group(_) => &at["GroupId"],
            };
            assert_eq!(
                peer.as_str(),
                Some(r.peer.describe().as_str()),
                "{} {}",
                sg.id,
                r.position
            );
            let perm = follow(&item, r.position.split('.').next().unwrap());
            assert_eq!(
                reach::model::Protocol::parse(perm["IpProtocol"].as_str().unwrap()),
                Some(r.protocol),
                "{} {}",
                sg.id,
                r.position
            );
        }
    }
}

fn snapshot_plus(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(name), text).unwrap();
    let p = dir.path().join(name).to_string_lossy().into_owned();
    (dir, p)
}

// (c) Rules from another moment: warnings, never an error.
#[test]
fn a_rule_id_matching_nothing_is_a_warning() {
    let (_d, extra) = snapshot_plus(
        "later-rules.json",
        r#"{"SecurityGroupRules": [
          {"SecurityGroupRuleId": "sgr-0added0000000001", "GroupId": "sg-0web00000000000001",
           "GroupOwnerId": "123456789012", "IsEgress": false, "IpProtocol": "tcp",
           "FromPort": 22, "ToPort": 22, "CidrIpv4": "198.51.100.0/24", "Tags": []},
          {"SecurityGroupRuleId": "sgr-0gone00000000001", "GroupId": "sg-0gone000000000001",
           "GroupOwnerId": "123456789012", "IsEgress": true, "IpProtocol": "-1",
           "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0", "Tags": []}]}"#,
    );
    let q = "internet->[2600:1f18:4a3:6a01::10]:443";
    let r = reach(&[
        "check",
        "--snapshot",
        SNAP,
        "--snapshot",
        &extra,
        "--format",
        "json",
        q,
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains(
            "security group rule `sgr-0added0000000001`: inbound tcp 22 from 198.51.100.0/24 matches no rule of security group `sg-0web00000000000001`"
        )),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains(
            "security group `sg-0gone000000000001`: 1 rule in `SecurityGroupRules` (`sgr-0gone00000000001`), but the group is not in the input"
        )),
        "{warnings:#?}"
    );
    // Warnings once: in JSON's `warnings`, not also on stderr.
    assert!(!r.stderr.contains("sgr-0added0000000001"), "{}", r.stderr);
    // The rules stay those of describe-security-groups: SSH is not allowed.
    let r = reach(&[
        "check",
        "--snapshot",
        SNAP,
        "--snapshot",
        &extra,
        "internet->[2600:1f18:4a3:6a01::10]:22",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("unreachable"), "{}", r.stdout);
}

#[test]
fn rules_without_an_id_in_a_group_that_has_some_are_a_warning() {
    // describe-security-group-rules taken before sg-0web's IPv6 rule existed.
    let rules = json_file(RULES);
    let mut items = rules["SecurityGroupRules"].as_array().unwrap().clone();
    items.retain(|i| i["SecurityGroupRuleId"] != "sgr-0648e81f1b25c4199");
    let text = serde_json::json!({ "SecurityGroupRules": items }).to_string();
    let mut l = Loader::new();
    for f in ["vpcs.json", "security-groups.json"] {
        l.add_snapshot_path(&root().join(SNAP).join(f)).unwrap();
    }
    l.add_json("old-rules.json", &text).unwrap();
    let n = l.finish().expect("a warning, not an error");
    let web = &n.security_groups["sg-0web00000000000001"];
    assert_eq!(web.ingress[0].label(), "sgr-00f86dde0966276cb");
    assert_eq!(web.ingress[1].label(), "IpPermissions[0].Ipv6Ranges[0]");
    let w: Vec<&String> = n
        .warnings
        .iter()
        .filter(|w| w.contains("no `SecurityGroupRules` item"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", n.warnings);
    assert!(
        w[0].contains("security group `sg-0web00000000000001`: no `SecurityGroupRules` item in `old-rules.json` for IpPermissions[0].Ipv6Ranges[0] (tcp 443 from ::/0)"),
        "{}",
        w[0]
    );
}

// (d) Bad input: exit 2, naming file, rule and field.
#[test]
fn bad_security_group_rules_are_input_errors() {
    let item = |fields: &str| {
        format!(
            r#"{{"SecurityGroupRules": [{{"SecurityGroupRuleId": "sgr-0bad000000000001",
               "GroupId": "sg-0web00000000000001", "IpProtocol": "tcp",
               "FromPort": 22, "ToPort": 22, {fields}}}]}}"#
        )
    };
    for (fields, needles) in [
        (
            r#""IsEgress": false, "CidrIpv4": "10.0.0.0/33""#,
            &[
                "rules.json",
                "`sgr-0bad000000000001`",
                "`CidrIpv4`",
                "10.0.0.0/33",
            ][..],
        ),
        (
            r#""IsEgress": "no", "CidrIpv6": "::/0""#,
            &["rules.json", "`sgr-0bad000000000001`", "`IsEgress`"][..],
        ),
        (
            r#""IsEgress": false, "ReferencedGroupInfo": {"GroupId": 7}"#,
            &[
                "rules.json",
                "`sgr-0bad000000000001`",
                "`ReferencedGroupInfo.GroupId`",
            ][..],
        ),
    ] {
        let (_d, p) = snapshot_plus("rules.json", &item(fields));
        assert_error(
            &reach(&[
                "check",
                "--snapshot",
                SNAP,
                "--snapshot",
                &p,
                "internet->[2600:1f18:4a3:6a01::10]:443",
            ]),
            needles,
        );
    }
}
