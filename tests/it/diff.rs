//! `reach diff` on AWS CLI JSON: a snapshot, copied and changed the way a
//! real change would, against the original.

use std::path::{Path, PathBuf};

use reach::diff::{self, Diff, Direction};
use reach::model::Protocol;
use reach::who::Source;
use serde_json::{Value, json};

use crate::support::{load_snapshot, root};

/// A copy of the snapshot `name` under `tests/data/`, with `edit` applied to
/// the document `file`.
fn changed(name: &str, file: &str, edit: impl FnOnce(&mut Value)) -> tempfile::TempDir {
    // Under the repository (target/tmp), so SARIF paths are relative to it.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let src = root().join("tests/data").join(name);
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let path = dir.path().join(file);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    dir
}

fn run_diff(before: &Path, after: &Path) -> Diff {
    diff::diff(&load_snapshot(before), &load_snapshot(after)).unwrap()
}

fn data(name: &str) -> PathBuf {
    root().join("tests/data").join(name)
}

/// Security group `id` of a `SecurityGroups` document.
pub fn group<'v>(v: &'v mut Value, id: &str) -> &'v mut Value {
    v["SecurityGroups"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g["GroupId"] == id)
        .unwrap()
}

/// The because-lines of a flow, as rendered.
fn because(d: &Diff, i: usize) -> String {
    d.flows[i]
        .because
        .iter()
        .map(|b| {
            let c = &d.changes[b.change];
            let details: Vec<String> = b
                .details
                .iter()
                .map(|j| format!("{} {}", c.details[*j].label, c.details[*j].text))
                .collect();
            format!("{} {} {}", c.resource, details.join(", "), b.met.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn ssh_opened_to_the_internet_is_new_exposure_naming_the_rule() {
    let after = changed("real-account", "security-groups.json", |v| {
        group(v, "sg-0web00000000000001")["IpPermissions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "temp ssh"}],
                "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}));
    });
    let d = run_diff(&data("real-account"), after.path());
    assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
    let exposure: Vec<usize> = (0..d.flows.len())
        .filter(|i| d.flows[*i].is_new_exposure())
        .collect();
    assert!(
        !exposure.is_empty(),
        "{:#?}",
        d.flows.iter().map(|f| f.class()).collect::<Vec<_>>()
    );
    // The instance's public address, port 22 only, from the internet.
    let f = &d.flows[exposure[0]];
    assert_eq!(f.dst, "eni-0web0000000000001");
    assert_eq!(f.dst_ip.to_string(), "3.80.0.10");
    assert_eq!(f.protocol, Protocol::TCP);
    assert_eq!(
        reach::who::ports_of(&f.packets, Protocol::TCP).summary(reach::hs::Field::DstPort),
        "22"
    );
    let why = because(&d, exposure[0]);
    assert!(why.contains("sg-0web00000000000001"), "{why}");
    assert!(why.contains("IpPermissions[1].IpRanges[0]"), "{why}");
    assert!(why.contains("inbound tcp 22 from 0.0.0.0/0"), "{why}");
    // Nothing was lost.
    assert!(d.flows.iter().all(|f| f.direction == Direction::Gained));
}

#[test]
fn ipv6_everywhere_rule_is_ipv6_exposure() {
    let after = changed("real-account", "security-groups.json", |v| {
        group(v, "sg-0web00000000000001")["IpPermissions"]
            .as_array_mut()
            .unwrap()
            .push(
                json!({"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443,
                "IpRanges": [], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                "PrefixListIds": [], "UserIdGroupPairs": []}),
            );
    });
    let d = run_diff(&data("real-account"), after.path());
    let f = d
        .flows
        .iter()
        .find(|f| f.is_new_exposure())
        .expect("new exposure");
    assert!(f.dst_ip.is_ipv6(), "{}", f.dst_ip);
    assert_eq!(f.dst_ip.to_string(), "2600:1f18:4a3:6a01::10");
    // No IPv4 exposure came with it.
    assert!(
        d.flows
            .iter()
            .filter(|f| f.is_new_exposure())
            .all(|f| f.dst_ip.is_ipv6())
    );
}

#[test]
fn nacl_deny_renumbered_above_an_allow_is_lost_access_naming_both_entries() {
    let deny = |n: u64| {
        json!({"RuleNumber": n, "Protocol": "6", "RuleAction": "deny", "Egress": false,
            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}})
    };
    let with_deny_at = |n: u64| {
        move |v: &mut Value| {
            let acl = v["NetworkAcls"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|a| a["NetworkAclId"] == "acl-0a000000000000001")
                .unwrap();
            acl["Entries"].as_array_mut().unwrap().push(deny(n));
        }
    };
    // Before: the deny at 200 is shadowed by the allow at 100; after: at 90, it wins.
    let before = changed("real-account", "network-acls.json", with_deny_at(200));
    let after = changed("real-account", "network-acls.json", with_deny_at(90));
    let d = run_diff(before.path(), after.path());
    assert_eq!(d.changes.len(), 1);
    let lost: Vec<usize> = (0..d.flows.len())
        .filter(|i| d.flows[*i].direction == Direction::Lost)
        .collect();
    assert!(!lost.is_empty());
    assert!(d.flows.iter().all(|f| f.direction == Direction::Lost));
    // The internet lost 443 to the web server's public address.
    let i = *lost
        .iter()
        .find(|i| *d.flows[**i].source == Source::Internet && d.flows[**i].dst_ip.is_ipv4())
        .expect("the internet lost access");
    let why = because(&d, i);
    assert!(why.contains("acl-0a000000000000001"), "{why}");
    assert!(why.contains("inbound rule 90"), "{why}");
    assert!(why.contains("inbound rule 100"), "{why}");
}

#[test]
fn client_vpn_authorization_for_a_new_group_shows_that_groups_reach() {
    let group = "S-1-5-21-1004336348-1177238915-682003330-2222";
    let after = changed(
        "seed-003-json",
        "client-vpn-authorization-rules.json",
        |v| {
            v["AuthorizationRules"].as_array_mut().unwrap().push(json!({
            "ClientVpnEndpointId": "cvpn-endpoint-0c3blog00000001",
            "Description": "contractors", "GroupId": group, "AccessAll": false,
            "DestinationCidr": "10.0.1.0/24", "Status": {"Code": "active"}}));
        },
    );
    let d = run_diff(&data("seed-003-json"), after.path());
    assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
    assert_eq!(d.changes[0].resource, "cvpn-endpoint-0c3blog00000001");
    let gained: Vec<&diff::FlowChange> = d
        .flows
        .iter()
        .filter(|f| f.direction == Direction::Gained)
        .collect();
    assert!(!gained.is_empty());
    for f in &gained {
        match &*f.source {
            Source::Access { group: Some(g), .. } => assert!(g.contains(group), "{g}"),
            s => panic!("unexpected source {s:?}"),
        }
        assert_eq!(f.dst, "eni-0c3server0000001");
    }
    assert!(gained.iter().any(|f| f.because.iter().any(|b| {
        d.changes[b.change]
            .details
            .iter()
            .any(|x| x.text.contains(group))
    })));
}

#[test]
fn a_lost_group_reference_loses_the_ipv6_flow_too() {
    // sg-0app allows tcp 5432 from sg-0web; eni-0web…1 (dual-stack) reaches
    // eni-0app…3 on 5432 at both its IPv4 and its IPv6 address. Removing
    // the rule loses both (diff once compared IPv6 flows from interfaces
    // through their IPv4 address: nothing, so the IPv6 loss went unseen).
    let after = changed("real-account", "security-groups.json", |v| {
        group(v, "sg-0app00000000000002")["IpPermissions"]
            .as_array_mut()
            .unwrap()
            .retain(|p| {
                !p["UserIdGroupPairs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u["GroupId"] == "sg-0web00000000000001")
            });
    });
    std::fs::remove_file(after.path().join("security-group-rules.json")).unwrap();
    let before = load_snapshot(&data("real-account"));
    let after = load_snapshot(after.path());
    for skip in [true, false] {
        let d = diff::diff_with(&before, &after, skip).unwrap();
        let lost: Vec<String> = d
            .flows
            .iter()
            .filter(|f| f.direction == Direction::Lost && f.dst == "eni-0app0000000000003")
            .map(|f| format!("{} {}", f.dst_ip, f.packets.summary(4).join(";")))
            .collect();
        let v6 = lost
            .iter()
            .find(|l| l.starts_with("2600:1f18:4a3:6a02::30"))
            .unwrap_or_else(|| panic!("skip={skip}: no IPv6 loss in {lost:#?}"));
        assert!(v6.contains("2600:1f18:4a3:6a01::10"), "{v6}");
        assert!(v6.contains("dport 5432"), "{v6}");
        assert!(
            lost.iter().any(|l| l.starts_with("10.0.2.30 ")),
            "{lost:#?}"
        );
    }
}

#[test]
fn a_tag_or_description_change_reports_nothing() {
    let after = changed("real-account", "security-groups.json", |v| {
        let g = group(v, "sg-0web00000000000001");
        g["Tags"] = json!([{"Key": "Name", "Value": "renamed"}]);
        g["Description"] = json!("a new description");
        g["IpPermissions"][0]["IpRanges"][0]["Description"] = json!("changed");
    });
    let d = run_diff(&data("real-account"), after.path());
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    assert!(d.flows.is_empty());
    assert_eq!(d.compared, 0);
}

#[test]
fn an_interface_in_one_snapshot_only_is_reported_with_its_reachability() {
    let after = changed("real-account", "network-interfaces.json", |v| {
        v["NetworkInterfaces"]
            .as_array_mut()
            .unwrap()
            .retain(|i| i["NetworkInterfaceId"] != "eni-0web0000000000001");
    });
    // describe-instances lists the instance's interfaces too.
    let path = after.path().join("instances.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for r in v["Reservations"].as_array_mut().unwrap() {
        for i in r["Instances"].as_array_mut().unwrap() {
            if let Some(enis) = i["NetworkInterfaces"].as_array_mut() {
                enis.retain(|e| e["NetworkInterfaceId"] != "eni-0web0000000000001");
            }
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let d = run_diff(&data("real-account"), after.path());
    let gone: Vec<&diff::FlowChange> = d
        .flows
        .iter()
        .filter(|f| f.dst == "eni-0web0000000000001")
        .collect();
    assert!(!gone.is_empty());
    assert!(
        gone.iter()
            .all(|f| f.direction == Direction::Lost && f.presence == diff::Presence::Removed)
    );
    assert!(gone.iter().any(|f| *f.source == Source::Internet));
}

#[test]
fn cli_diff_fail_on_sets_the_exit_code() {
    let after = changed("real-account", "security-groups.json", |v| {
        group(v, "sg-0web00000000000001")["IpPermissions"]
            .as_array_mut()
            .unwrap()
            .push(
                json!({"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                "PrefixListIds": [], "UserIdGroupPairs": []}),
            );
    });
    let bin = env!("CARGO_BIN_EXE_reach");
    let code = |fail_on: &[&str], format: &str| {
        let out = std::process::Command::new(bin)
            .arg("diff")
            .arg("--before")
            .arg(data("real-account"))
            .arg("--after")
            .arg(after.path())
            .args(["--format", format])
            .args(fail_on)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (c, text) = code(&["--fail-on", "new-exposure"], "text");
    assert_eq!(c, Some(1), "{text}");
    assert!(text.contains("now reachable"), "{text}");
    assert!(text.contains("3389"), "{text}");
    assert_eq!(code(&["--fail-on", "lost-access"], "text").0, Some(0));
    assert_eq!(code(&[], "text").0, Some(0));
    let (c, json) = code(&["--fail-on", "any-change"], "json");
    assert_eq!(c, Some(1));
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["flows"][0]["direction"], "gained");
    // JSON writes each flow's packets out as boxes (the one format that
    // prints them; the others' reports leave them out).
    let boxes = v["flows"][0]["packets"].as_array().unwrap();
    assert!(
        boxes
            .iter()
            .any(|b| b["text"].as_str().unwrap().contains("dport 3389")),
        "{json}"
    );
    // Same snapshot on both sides: nothing, exit 0 even with any-change.
    let out = std::process::Command::new(bin)
        .arg("diff")
        .arg("--before")
        .arg(data("real-account"))
        .arg("--after")
        .arg(data("real-account"))
        .args(["--fail-on", "any-change"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// One rule, route or association removed at a time, over every bundled
/// input: skipping the destinations no change can touch never hides a flow
/// change, and every flow change names a cause.
#[test]
fn skipping_untouched_destinations_never_hides_a_flow_change() {
    let mut mutations = 0;
    for input in crate::output::inputs() {
        let net = &input.net;
        let mut variants: Vec<Vec<reach::model::Network>> = vec![Vec::new(); 6];
        for (id, g) in &net.security_groups {
            for k in 0..g.ingress.len().min(3) {
                let mut n = net.clone();
                n.security_groups.get_mut(id).unwrap().ingress.remove(k);
                variants[0].push(n);
            }
        }
        for (id, g) in &net.security_groups {
            if !g.egress.is_empty() {
                let mut n = net.clone();
                n.security_groups.get_mut(id).unwrap().egress.remove(0);
                variants[1].push(n);
            }
        }
        // An interface that joins or leaves a group (references match by membership).
        let groups: Vec<String> = net.security_groups.keys().cloned().collect();
        for (id, i) in net.interfaces.iter().take(4) {
            let mut n = net.clone();
            let m = n.interfaces.get_mut(id).unwrap();
            if m.groups.len() > 1 {
                m.groups.pop();
            } else if let Some(g) = groups.iter().find(|g| !i.groups.contains(g)) {
                m.groups.push(g.clone());
            }
            n.reindex();
            variants[2].push(n);
        }
        for (id, a) in &net.network_acls {
            if !a.inbound.is_empty() {
                let mut n = net.clone();
                n.network_acls.get_mut(id).unwrap().inbound.remove(0);
                variants[3].push(n);
            }
        }
        for (id, t) in &net.route_tables {
            for k in 0..t.routes.len().min(2) {
                let mut n = net.clone();
                n.route_tables.get_mut(id).unwrap().routes.remove(k);
                variants[4].push(n);
            }
        }
        for (id, e) in &net.client_vpn_endpoints {
            if !e.auth_rules.is_empty() {
                let mut n = net.clone();
                n.client_vpn_endpoints
                    .get_mut(id)
                    .unwrap()
                    .auth_rules
                    .remove(0);
                variants[5].push(n);
            }
        }
        // Up to four of each kind of change; an inbound rule removed, and
        // added (the other way).
        for after in variants.iter().flat_map(|v| v.iter().take(4)) {
            mutations += 1;
            fast_diff_matches_full(net, after).unwrap_or_else(|e| panic!("{}: {e}", input.name));
        }
        for added in variants[0].iter().take(4) {
            mutations += 1;
            fast_diff_matches_full(added, net)
                .unwrap_or_else(|e| panic!("{} (a rule added): {e}", input.name));
        }
    }
    assert!(mutations > 50, "only {mutations} mutations");
}

#[test]
fn diff_and_who_sarif_validate_and_point_at_the_changed_group() {
    let after = changed("real-account", "security-groups.json", |v| {
        group(v, "sg-0web00000000000001")["IpPermissions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                "PrefixListIds": [], "UserIdGroupPairs": []}));
    });
    let rel = after.path().strip_prefix(root()).unwrap().to_path_buf();
    let bin = env!("CARGO_BIN_EXE_reach");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .current_dir(root())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let schema = crate::formats::sarif_schema();
    let (code, out) = run(&[
        "diff",
        "--before",
        "tests/data/real-account",
        "--after",
        rel.to_str().unwrap(),
        "--format",
        "sarif",
        "--fail-on",
        "new-exposure",
    ]);
    assert_eq!(code, Some(1));
    let doc: Value = serde_json::from_str(&out).unwrap();
    let errors = crate::formats::schema_errors(&schema, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let exposure: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "reach/diff/new-internet-exposure")
        .collect();
    assert_eq!(exposure.len(), 1, "{out}");
    let r = exposure[0];
    assert_eq!(r["properties"]["security-severity"], "8.0");
    let p = &r["locations"][0]["physicalLocation"];
    let uri = p["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.starts_with(rel.to_str().unwrap()), "{uri}");
    let line = p["region"]["startLine"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(root().join(uri)).unwrap();
    assert!(
        text.lines()
            .nth(line - 1)
            .unwrap()
            .contains("sg-0web00000000000001")
    );
    // JUnit: one case per finding, all failed.
    let (_, junit) = run(&[
        "diff",
        "--before",
        "tests/data/real-account",
        "--after",
        rel.to_str().unwrap(),
        "--format",
        "junit",
    ]);
    let xml = roxmltree::Document::parse(&junit).unwrap();
    let cases = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    let failures = xml
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(cases, results.len());
    assert_eq!(failures, cases);
    // Markdown names the group.
    let (_, md) = run(&[
        "diff",
        "--before",
        "tests/data/real-account",
        "--after",
        rel.to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert!(md.contains("sg-0web00000000000001"), "{md}");
    // who: the internet reaching 443 is a result pointing at the group's rule.
    let (code, out) = run(&[
        "who",
        "--snapshot",
        "tests/data/real-account",
        "--format",
        "sarif",
        "eni-0web0000000000001:443",
    ]);
    assert_eq!(code, Some(0));
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(crate::formats::schema_errors(&schema, &doc).is_empty());
    let results = doc["runs"][0]["results"].as_array().unwrap();
    // IPv4 (the public address) and IPv6 (::/0 is allowed too).
    assert_eq!(results.len(), 2, "{out}");
    assert!(results.iter().all(|r| r["ruleId"] == "reach/who/internet"));
    let p = &results[0]["locations"][0]["physicalLocation"];
    let uri = p["artifactLocation"]["uri"].as_str().unwrap();
    let line = p["region"]["startLine"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(root().join(uri)).unwrap();
    let at = text.lines().nth(line - 1).unwrap();
    assert!(
        at.contains("sg-0web00000000000001") || at.contains("sgr-"),
        "{uri}:{line}: {at}"
    );
}

#[test]
fn the_same_exposure_is_found_from_a_terraform_plan() {
    let bin = env!("CARGO_BIN_EXE_reach");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .current_dir(root())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&[
        "diff",
        "--before",
        "tests/data/real-account",
        "--after-plan",
        "tests/data/terraform/open-ssh.json",
        "--fail-on",
        "new-exposure",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let flows = v["flows"].as_array().unwrap();
    let exposure: Vec<&Value> = flows
        .iter()
        .filter(|f| f["direction"] == "gained" && f["source_kind"] == "internet")
        .collect();
    // IPv4 to the public address and IPv6 (`::/0`), both on 22.
    assert_eq!(exposure.len(), 2, "{out}");
    assert!(exposure.iter().all(|f| f["ports"] == "22"));
    assert!(exposure.iter().any(|f| f["address"] == "3.80.0.10"));
    assert!(
        exposure
            .iter()
            .any(|f| f["address"] == "2600:1f18:4a3:6a01::10")
    );
    let because = |f: &Value| {
        f["because"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        exposure
            .iter()
            .any(|f| because(f).contains("aws_security_group_rule.ssh")),
        "{out}"
    );
    assert!(
        exposure
            .iter()
            .any(|f| because(f).contains("aws_vpc_security_group_ingress_rule.ssh_v6")),
        "{out}"
    );
    // The resource the plan does not apply is a warning, never silently ignored.
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("aws_instance.bastion")),
        "{warnings:?}"
    );
    // Same exposure as the snapshot with the rule added by hand (IPv4 part).
    let after = changed("real-account", "security-groups.json", |v| {
        group(v, "sg-0web00000000000001")["IpPermissions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                "PrefixListIds": [], "UserIdGroupPairs": []}));
    });
    let by_hand = run_diff(&data("real-account"), after.path());
    let mut hand: Vec<String> = by_hand
        .flows
        .iter()
        .map(|f| format!("{} {}", f.direction.name(), f.class()))
        .collect();
    let mut plan: Vec<String> = flows
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["direction"].as_str().unwrap(),
                f["class"].as_str().unwrap()
            )
        })
        .collect();
    hand.sort();
    plan.sort();
    assert_eq!(hand, plan);
    // A tags-only plan changes nothing.
    let (code, out, _) = run(&[
        "diff",
        "--before",
        "tests/data/real-account",
        "--after-plan",
        "tests/data/terraform/tags-only.json",
        "--fail-on",
        "any-change",
    ]);
    assert_eq!(code, Some(0), "{out}");
    // SARIF from a plan points at the Terraform block with --tf-root.
    let tf = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    std::fs::write(
        tf.path().join("main.tf"),
        "resource \"aws_security_group_rule\" \"ssh\" {\n  type = \"ingress\"\n}\n\nresource \"aws_vpc_security_group_ingress_rule\" \"ssh_v6\" {\n}\n",
    )
    .unwrap();
    let rel = tf
        .path()
        .strip_prefix(root())
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let (_, sarif, err) = run(&[
        "diff",
        "--before",
        "tests/data/real-account",
        "--after-plan",
        "tests/data/terraform/open-ssh.json",
        "--format",
        "sarif",
        "--tf-root",
        &rel,
    ]);
    let doc: Value = serde_json::from_str(&sarif).unwrap_or_else(|e| panic!("{e}: {sarif}{err}"));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let uris: Vec<String> = results
        .iter()
        .filter(|r| r["ruleId"] == "reach/diff/new-internet-exposure")
        .map(|r| {
            let p = &r["locations"][0]["physicalLocation"];
            format!(
                "{}:{}",
                p["artifactLocation"]["uri"].as_str().unwrap(),
                p["region"]["startLine"]
            )
        })
        .collect();
    assert!(uris.contains(&format!("{rel}/main.tf:1")), "{uris:?}");
    assert!(uris.contains(&format!("{rel}/main.tf:5")), "{uris:?}");
}

#[test]
fn icmpv6_opened_to_everyone_is_exposure_at_the_ipv6_address() {
    let after = changed("real-account", "security-groups.json", |v| {
        group(v, "sg-0web00000000000001")["IpPermissions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"IpProtocol": "58", "FromPort": -1, "ToPort": -1,
                "IpRanges": [], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                "PrefixListIds": [], "UserIdGroupPairs": []}));
    });
    let d = run_diff(&data("real-account"), after.path());
    let f = d
        .flows
        .iter()
        .find(|f| f.is_new_exposure())
        .expect("new exposure");
    assert_eq!(f.protocol, Protocol::ICMPV6);
    assert_eq!(f.dst_ip.to_string(), "2600:1f18:4a3:6a01::10");
}

/// `diff` the fast way (destinations no change can touch skipped, sources
/// walked a subnet at a time) against the reference way (`who` of every
/// destination from every source): the same flow classes, each with the
/// same packets (as sets: the two ways may cut their boxes differently),
/// and every flow of the fast way explained. The number of flows compared.
pub fn fast_diff_matches_full(
    before: &reach::model::Network,
    after: &reach::model::Network,
) -> Result<usize, String> {
    let fast = diff::diff_with(before, after, true).map_err(|e| e.to_string())?;
    let full = diff::diff_with(before, after, false).map_err(|e| e.to_string())?;
    // A flow as both ways must name it.
    let label = |f: &diff::FlowChange| {
        let enis = match &*f.source {
            Source::Interfaces { enis, .. } => enis.join(","),
            _ => String::new(),
        };
        format!(
            "{} {} at {} from {enis}",
            f.direction.name(),
            f.class(),
            f.dst_ip
        )
    };
    let key = |d: &Diff| {
        let mut v: Vec<(String, reach::hs::PacketSet)> = d
            .flows
            .iter()
            .map(|f| (label(f), f.packets.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (kf, kb) = (key(&fast), key(&full));
    let names =
        |k: &[(String, reach::hs::PacketSet)]| k.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    if names(&kf) != names(&kb) {
        return Err(format!(
            "flow classes differ: fast {:#?} full {:#?}",
            names(&kf),
            names(&kb)
        ));
    }
    for ((class, f), (_, b)) in kf.iter().zip(&kb) {
        if !f.same_as(b) {
            return Err(format!(
                "{class}: fast {:?} full {:?}",
                f.summary(8),
                b.summary(8)
            ));
        }
    }
    if let Some(f) = fast.flows.iter().find(|f| f.because.is_empty()) {
        return Err(format!("{} has no cause", f.class()));
    }
    // The same causes (change and rule details; the hops met may differ:
    // the fast way asks only the ports a change touches).
    let causes = |d: &Diff| {
        let mut v: Vec<(String, String)> = d
            .flows
            .iter()
            .map(|f| {
                (
                    label(f),
                    format!(
                        "{:?}",
                        f.because
                            .iter()
                            .map(|b| (b.change, &b.details))
                            .collect::<Vec<_>>()
                    ),
                )
            })
            .collect();
        v.sort();
        v
    };
    for ((class, f), (_, b)) in causes(&fast).iter().zip(&causes(&full)) {
        if f != b {
            return Err(format!("{class}: causes differ: fast {f} full {b}"));
        }
    }
    // A changed flow of an interface is explained from its subnet's walk,
    // read for that interface alone: exactly as walking it alone explains it
    // (every cause and every hop met).
    let alone = diff::diff_explained_alone(before, after).map_err(|e| e.to_string())?;
    if alone.flows.len() != fast.flows.len() {
        return Err(format!(
            "{} flows explained alone, {} read off the subnets' walks",
            alone.flows.len(),
            fast.flows.len()
        ));
    }
    for (a, f) in alone.flows.iter().zip(&fast.flows) {
        if label(a) != label(f) || !a.packets.same_as(&f.packets) || a.because != f.because {
            return Err(format!(
                "{}: explained alone {:?}, read off its subnet's walk {:?}",
                label(f),
                a.because,
                f.because
            ));
        }
    }
    Ok(kf.len())
}

/// A firewall appliance (a route's target) filters packets bound for other
/// interfaces (past its groups, what it forwards is unknown): opening its
/// group makes flows to destinations behind it, which do not carry the
/// group, newly undecided, which the fast way must not skip.
#[test]
fn an_appliance_groups_change_is_seen_at_the_destinations_behind_it() {
    let after = load_snapshot(&data("real-account"));
    let mut before = after.clone();
    before
        .security_groups
        .get_mut("sg-0fw000000000000003")
        .unwrap()
        .ingress
        .clear();
    before.reindex();
    let n = fast_diff_matches_full(&before, &after).unwrap();
    let d = diff::diff(&before, &after).unwrap();
    assert!(n > 0);
    assert!(
        d.flows.iter().any(|f| f.direction == Direction::Undecided
            && !after.interfaces[&f.dst]
                .groups
                .contains(&"sg-0fw000000000000003".to_string())),
        "{:#?}",
        d.flows.iter().map(|f| f.class()).collect::<Vec<_>>()
    );
}

/// Found by the differential test: removing a group-to-itself rule
/// (`tcp 0-65535 from sg-1`) changes two port ranges of tcp (0-32767 and
/// 61000-65535); the answers for one range overwrote the other's (so the
/// fast way reported ports both gained and lost). Each key now holds the
/// union over the ranges asked.
#[test]
fn removing_a_self_referencing_rule_loses_what_the_reference_loses() {
    let before =
        crate::support::load_model_path(&root().join("tests/data/diff/narrowed-sources.yaml"));
    let mut after = before.clone();
    after
        .security_groups
        .get_mut("sg-1")
        .unwrap()
        .ingress
        .remove(0);
    after.reindex();
    let n = fast_diff_matches_full(&before, &after).unwrap();
    assert!(n > 0);
}

/// Across a transit gateway without security-group referencing, a rule
/// naming a group matches nothing: removing a CIDR rule that a group rule
/// of the same group covers loses what came through the gateway. (The fast
/// way once compared a group's rules as one set, with the reference
/// matching, saw nothing change for A's interface, and skipped it.)
#[test]
fn a_cidr_rule_removed_behind_a_group_reference_is_lost_across_a_transit_gateway() {
    let snap = root().join("tests/data/tgw/snapshot");
    let mut before = load_snapshot(&snap);
    let b = before
        .security_groups
        .get_mut("sg-0b00000000000000b")
        .unwrap();
    let mut by_group = b.ingress[0].clone();
    by_group.peer = reach::model::Peer::Group("sg-0a00000000000000a".into());
    b.ingress.push(by_group);
    before.reindex();
    let mut after = before.clone();
    after
        .security_groups
        .get_mut("sg-0b00000000000000b")
        .unwrap()
        .ingress
        .remove(0);
    after.reindex();
    for skip in [true, false] {
        let d = diff::diff_with(&before, &after, skip).unwrap();
        assert!(
            d.flows.iter().any(|f| f.direction == Direction::Lost
                && f.dst == "eni-0b1work000000003"
                && matches!(&*f.source, Source::Interfaces { enis, .. }
                    if enis == &["eni-0a1work000000001".to_string()])),
            "skip={skip}: {:#?}",
            d.flows.iter().map(|f| f.class()).collect::<Vec<_>>()
        );
    }
    assert!(fast_diff_matches_full(&before, &after).unwrap() > 0);
}

/// A destination's groups are taken together: a rule added to one group
/// that another group of the same interface already covers changes only
/// its excess (here: ssh from outside 10.0.0.0/8, which no interface of
/// the input has), and the fast way asks only the sources that can send
/// it, with the same answer as the reference way.
#[test]
fn a_rule_another_group_of_the_destination_covers_changes_only_its_excess() {
    let snap = root().join("tests/data/tgw/snapshot");
    let mut before = load_snapshot(&snap);
    let eni = before.interfaces.get_mut("eni-0b1work000000003").unwrap();
    eni.groups.push("sg-0extra00000000000".into());
    let mut extra = before.security_groups["sg-0b00000000000000b"].clone();
    extra.id = "sg-0extra00000000000".into();
    extra.ingress.clear();
    before.security_groups.insert(extra.id.clone(), extra);
    before.reindex();
    let mut after = before.clone();
    let g = after
        .security_groups
        .get_mut("sg-0extra00000000000")
        .unwrap();
    let mut open = before.security_groups["sg-0b00000000000000b"].ingress[0].clone();
    open.peer = reach::model::Peer::Cidr("0.0.0.0/0".parse().unwrap());
    g.ingress.push(open);
    after.reindex();
    fast_diff_matches_full(&before, &after).unwrap();
    // Opening the group from everywhere, what sg-0b allows already (443
    // from 10.0.0.0/8) is no change: no internal source gains anything.
    let d = diff::diff(&before, &after).unwrap();
    assert!(
        d.flows
            .iter()
            .all(|f| !matches!(*f.source, Source::Interfaces { .. })),
        "{:#?}",
        d.flows.iter().map(|f| f.class()).collect::<Vec<_>>()
    );
}

/// Found by the differential test (seed `0x20261209`): packets from a
/// Client VPN association's interface to `eni-0` were unreachable before
/// (the reply goes to the association) and undecided after, at `eni-0`'s
/// groups: one rule of `sg-0` names a prefix list without entries. The
/// leaf names the first group (`sg-0`); the change removed `sg-wide-0`'s
/// rule. Both ways found the flow, neither named a cause: every group of
/// an interface where packets became undecided is now met there.
#[test]
fn packets_left_undecided_by_another_group_name_the_changed_one() {
    let before = crate::support::load_model_path(
        &root().join("tests/data/differential/differential-0000000020261209.yaml"),
    );
    let mut after = before.clone();
    after
        .security_groups
        .get_mut("sg-wide-0")
        .unwrap()
        .ingress
        .remove(0);
    after.reindex();
    assert!(fast_diff_matches_full(&before, &after).unwrap() > 0);
    let d = diff::diff_with(&before, &after, false).unwrap();
    let undecided: Vec<&reach::diff::FlowChange> = d
        .flows
        .iter()
        .filter(|f| f.direction == Direction::Undecided && f.dst == "eni-0")
        .collect();
    assert!(!undecided.is_empty());
    for f in undecided {
        assert!(
            f.because
                .iter()
                .any(|b| d.changes[b.change].resource == "sg-wide-0"),
            "{} has no cause",
            f.class()
        );
    }
}

/// `diff` walks a subnet's interfaces together and explains a changed flow
/// of one of them from that walk, read for that interface alone: only the
/// rules its own packets met. (Read for the whole walk, eni-x's lost flow
/// would also be explained by sg-d's rule for sg-y, which only eni-y's
/// packets met, and by sg-y, eni-y's outbound group.) The same explanations
/// as walking eni-x alone (`diff_explained_alone`).
#[test]
fn a_flow_read_off_its_subnets_walk_is_explained_by_its_own_packets_alone() {
    let before =
        crate::support::load_model_path(&root().join("tests/data/diff/one-walk-per-subnet.yaml"));
    let mut after = before.clone();
    after
        .security_groups
        .get_mut("sg-d")
        .unwrap()
        .ingress
        .remove(1);
    let y = after.security_groups.get_mut("sg-y").unwrap();
    y.ingress[0].ports = reach::model::PortMatch::Ports { from: 21, to: 22 };
    after.reindex();
    let d = diff::diff(&before, &after).unwrap();
    let (to_d, sources) = flows_to(&d, "eni-d");
    assert_eq!(sources, ["eni-x"], "{sources:?}");
    let f = &d.flows[to_d[0]];
    assert_eq!(f.direction, Direction::Lost);
    let text = because(&d, to_d[0]);

    assert!(text.contains("tcp 5432 from 10.0.1.0/24"), "{text}");
    assert!(!text.contains("from sg-y"), "{text}");
    assert!(
        !f.because
            .iter()
            .any(|b| d.changes[b.change].resource == "sg-y"),
        "{text}"
    );
    // Also: every flow explained as walking its interface alone explains it
    // (`diff_explained_alone`, compared hop for hop).
    fast_diff_matches_full(&before, &after).unwrap();
}

/// The flows to `dst` (their indices) and their sources (interfaces by ID).
fn flows_to(d: &Diff, dst: &str) -> (Vec<usize>, Vec<String>) {
    let at: Vec<usize> = (0..d.flows.len())
        .filter(|i| d.flows[*i].dst == dst)
        .collect();
    let sources = at
        .iter()
        .flat_map(|i| match &*d.flows[*i].source {
            Source::Interfaces { enis, .. } => enis.clone(),
            other => vec![other.key()],
        })
        .collect();
    (at, sources)
}

/// A network ACL entry that took only another member's packets, on the
/// way in or on the way back, is not the flow's: removing acl-d's entry 110
/// (inbound, then outbound) loses eni-x's flow, explained by entry 110
/// alone, not by entry 100 (eni-y's), which the subnet's walk also met.
#[test]
fn an_acl_entry_only_another_members_packets_met_does_not_explain_the_flow() {
    let before = crate::support::load_model_path(
        &root().join("tests/data/diff/one-walk-per-subnet-acl.yaml"),
    );
    for inbound in [true, false] {
        let mut after = before.clone();
        let acl = after.network_acls.get_mut("acl-d").unwrap();
        let entries = if inbound {
            &mut acl.inbound
        } else {
            &mut acl.outbound
        };
        entries.retain(|e| e.number != 110);
        after.reindex();
        let d = diff::diff(&before, &after).unwrap();
        let (to_d, sources) = flows_to(&d, "eni-d");
        assert_eq!(sources, ["eni-x"], "inbound {inbound}: {sources:?}");
        let text = because(&d, to_d[0]);
        assert_eq!(d.flows[to_d[0]].direction, Direction::Lost, "{text}");
        assert!(text.contains("10.0.1.0/24"), "inbound {inbound}: {text}");
        assert!(!text.contains("10.0.1.20/32"), "inbound {inbound}: {text}");
        fast_diff_matches_full(&before, &after).unwrap();
    }
}

/// A destination nothing of a subnet gets toward (its outbound network ACL
/// drops the packets) is not walked to, and everything else still is: a
/// destination in the subnet itself (no network ACL crossed), and one whose
/// packets pass. The fast way finds the same flows as the reference.
#[test]
fn a_subnet_whose_acl_lets_no_connection_out_still_reaches_its_own_subnet() {
    let (before, after) = subnet_exit(|_| {});
    let d = diff::diff(&before, &after).unwrap();
    let (to_a2, mut sources) = flows_to(&d, "eni-a2");
    sources.sort();
    assert_eq!(sources, ["eni-a1", "eni-b1"], "{sources:?}");
    assert!(
        to_a2
            .iter()
            .all(|i| d.flows[*i].direction == Direction::Gained)
    );
    let (_, sources) = flows_to(&d, "eni-b1");
    assert!(sources.is_empty(), "{sources:?}");
    fast_diff_matches_full(&before, &after).unwrap();

    // The walk `diff` asks first: stopped where packets leave subnet-a, it
    // drops what acl-a does not let out and leaves undecided what stays in
    // subnet-a or gets out; nothing is walked beyond.
    let a1 = &before.interfaces["eni-a1"];
    let q = reach::engine::Query::from_members(
        &before,
        &[a1],
        reach::engine::DstSpec::Ip("10.0.2.10".parse().unwrap()),
        Protocol::TCP,
        (21, 21),
    )
    .unwrap()
    .unwrap()
    .toward(reach::hs::all_v4())
    .to_subnet_exit();
    let a = reach::engine::check(&before, q);
    let undecided = a.undecided.project(reach::hs::Field::Dst);
    let subnet_a = reach::hs::prefix("10.0.1.0/24".parse().unwrap());
    assert_eq!(
        undecided,
        subnet_a,
        "{}",
        undecided.summary(reach::hs::Field::Dst)
    );
    assert!(a.reachable_some.is_empty());
    assert!(a.paths.iter().all(|p| p.back.is_none()));
    assert!(a.paths.iter().any(|p| matches!(
        &p.forward.end,
        reach::engine::End::Dropped(reach::engine::Cause::NaclDefaultDeny { acl, .. }) if acl == "acl-a"
    )));
}

/// An interface of a subnet listed at an address outside the subnet's
/// CIDRs (an input the loader does not reject) is reached from its own
/// subnet without crossing the network ACL, as delivery goes by holder: the
/// walk `diff` asks first must not take packets toward it for leaving.
#[test]
fn a_holder_outside_its_subnets_cidrs_is_not_taken_for_leaving() {
    let (before, after) = subnet_exit(|net| {
        let a2 = net.interfaces.get_mut("eni-a2").unwrap();
        a2.private_ips[0].address = "10.0.3.20".parse().unwrap();
    });
    let d = diff::diff(&before, &after).unwrap();
    let (_, mut sources) = flows_to(&d, "eni-a2");
    sources.sort();
    assert_eq!(sources, ["eni-a1", "eni-b1"], "{sources:?}");
    fast_diff_matches_full(&before, &after).unwrap();
}

/// `tests/data/diff/subnet-exit.yaml` edited by `edit`, before and after
/// sg-open admits tcp 21 too.
fn subnet_exit(
    edit: impl Fn(&mut reach::model::Network),
) -> (reach::model::Network, reach::model::Network) {
    let mut before =
        crate::support::load_model_path(&root().join("tests/data/diff/subnet-exit.yaml"));
    edit(&mut before);
    before.reindex();
    let mut after = before.clone();
    let open = after.security_groups.get_mut("sg-open").unwrap();
    open.ingress[0].ports = reach::model::PortMatch::Ports { from: 21, to: 22 };
    after.reindex();
    (before, after)
}

/// Packets to eni-d's address from vpc-c are delivered to eni-x, which holds
/// the same address in another VPC (same CIDR), and which leaves what its
/// group lets in undecided (an Application Load Balancer). A change to eni-x's
/// group then changes what `who` finds toward eni-d (undecided), though
/// eni-d's own groups did not change; and when eni-d's group loses the rule
/// eni-x's gains, eni-d admits nothing on 443 after, yet its walks after
/// must not be skipped for finding nothing undecided before; and eni-x
/// joining a group that lets 443 in does the same (`Scoper::shared_changed`).
#[test]
fn a_change_to_another_holder_of_the_address_is_seen_at_the_destination() {
    let before =
        crate::support::load_model_path(&root().join("tests/data/diff/same-address-two-vpcs.yaml"));
    let open_443 = |net: &mut reach::model::Network, g: &str, open: bool| {
        use reach::model::PortMatch;
        let p443 = PortMatch::Ports { from: 443, to: 443 };
        let rules = &mut net.security_groups.get_mut(g).unwrap().ingress;
        if open {
            // As its tcp 22 rule, on 443.
            let mut r = rules[0].clone();
            r.ports = p443;
            r.rule_id = None;
            r.position = format!("ingress[{}]", rules.len());
            rules.push(r);
        } else {
            rules.retain(|r| r.ports != p443);
        }
    };
    // eni-x's group alone gains 443; then eni-d's loses it as eni-x's gains it.
    let mut only_x = before.clone();
    open_443(&mut only_x, "sg-x", true);
    only_x.reindex();
    let mut both = only_x.clone();
    open_443(&mut both, "sg-d", false);
    both.reindex();
    // eni-x joins sg-d, which lets 443 in (an interface change).
    let mut joins = before.clone();
    joins
        .interfaces
        .get_mut("eni-x")
        .unwrap()
        .groups
        .push("sg-d".into());
    joins.reindex();
    for (name, after) in [
        ("sg-x gains", &only_x),
        ("sg-d loses, sg-x gains", &both),
        ("eni-x joins sg-d", &joins),
    ] {
        let full = diff::diff_with(&before, after, false).unwrap();
        assert!(
            full.flows.iter().any(|f| f.dst == "eni-d"
                && f.direction == Direction::Undecided
                && matches!(&*f.source, Source::Interfaces { enis, .. } if enis == &["eni-p"])),
            "{name}: {:#?}",
            full.flows.iter().map(|f| f.class()).collect::<Vec<_>>()
        );
        fast_diff_matches_full(&before, after).unwrap_or_else(|e| panic!("{name}: {e}"));
        // And the other way.
        fast_diff_matches_full(after, &before).unwrap_or_else(|e| panic!("{name}, undone: {e}"));
    }
}

/// A flow made undecided at its source's own group is explained by that
/// source's own walks, never read off its subnet's walk: that walk names the
/// first group of the classes walked together (sg-a), the source's own walk
/// its own (sg-b), whose change explains it. The destination's group changes
/// too, so both interfaces are walked together. Reading such a stop off the
/// subnet's walk (as a stop at the destination itself is read) loses sg-b's
/// change from the flow's causes.
#[test]
fn a_flow_made_undecided_at_its_own_group_is_explained_by_its_own_walk() {
    use reach::model::{Peer, PortMatch};
    let before = crate::support::load_model_path(
        &root().join("tests/data/diff/undecided-at-a-source-group.yaml"),
    );
    let mut after = before.clone();
    {
        let sg_b = after.security_groups.get_mut("sg-b").unwrap();
        sg_b.egress[0].peer = Peer::PrefixList("pl-x".into());
        let sg_d = after.security_groups.get_mut("sg-d").unwrap();
        let mut r = sg_d.ingress[0].clone();
        r.ports = PortMatch::Ports { from: 80, to: 80 };
        r.position = "ingress[1]".into();
        sg_d.ingress.push(r);
    }
    after.reindex();
    let d = diff::diff(&before, &after).unwrap();
    let f = d
        .flows
        .iter()
        .find(|f| {
            f.direction == diff::Direction::Undecided
                && matches!(&*f.source, Source::Interfaces { enis, .. } if enis == &["eni-b"])
        })
        .expect("eni-b's flow to eni-d newly undecided");
    let sg_b = d.changes.iter().position(|c| c.resource == "sg-b").unwrap();
    assert!(
        f.because.iter().any(|b| b.change == sg_b),
        "{:?}",
        f.because
    );
    fast_diff_matches_full(&before, &after).unwrap();
}
