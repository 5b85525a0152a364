//! Issue 12, item 5: the CI formats of `check` (`--format sarif|junit|markdown`).
//! SARIF validates against the OASIS SARIF 2.1.0 schema (`schema/sarif-schema-2.1.0.json`)
//! and points every result at a real line of a repository file; JUnit parses
//! back; markdown carries the table and the blocker.

use std::path::Path;

use reach::ingest::Locator;
use reach::render::{Finding, FindingsReport, Location, Severity};
use serde_json::Value;

use super::cli::reach;
use super::support::root;

const MODEL: &str = "models/two-tier.yaml";
const SNAP: &str = "tests/data/real-account";

/// (input flag, input, query, exit code, the ID the failure points at)
const CASES: &[(&str, &str, &str, i32, Option<&str>)] = &[
    ("--model", MODEL, "i-bastion->10.0.2.35:22", 0, None),
    (
        "--model",
        MODEL,
        "i-app->93.184.216.34:80",
        1,
        Some("acl-private"),
    ),
    (
        "--model",
        MODEL,
        "i-bastion->10.0.2.35:9000",
        1,
        Some("sg-app"),
    ),
    (
        "--model",
        MODEL,
        "internet->203.0.113.10:22",
        1,
        Some("acl-public"),
    ),
    (
        "--model",
        MODEL,
        "internet->203.0.113.20:22",
        1,
        Some("nat-app"),
    ),
    (
        "--snapshot",
        SNAP,
        "eni-0web0000000000001->10.0.2.30:22",
        1,
        Some("sg-0app00000000000002"),
    ),
    (
        "--snapshot",
        SNAP,
        "eni-0web0000000000001->10.0.2.30:5432",
        0,
        None,
    ),
    // The internet stops it: no resource to point at, so the first input file.
    ("--snapshot", SNAP, "internet->10.0.1.10:22", 1, None),
];

fn run(format: &str, (flag, input, q, code, _): &(&str, &str, &str, i32, Option<&str>)) -> String {
    let r = reach(&["check", flag, input, "--format", format, q]);
    assert_eq!(r.code, *code, "{q}\n{}{}", r.stdout, r.stderr);
    r.stdout
}

pub fn sarif_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

pub fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_and_every_result_points_at_a_real_line() {
    let v = sarif_schema();
    for case in CASES {
        let out = run("sarif", case);
        let doc: Value = serde_json::from_str(&out).expect("SARIF is JSON");
        let errors = schema_errors(&v, &doc);
        assert!(errors.is_empty(), "{}: {errors:#?}\n{out}", case.2);
        let run = &doc["runs"][0];
        assert!(
            run["automationDetails"]["id"]
                .as_str()
                .is_some_and(|s| s.contains(case.1))
        );
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), usize::from(case.3 != 0), "{out}");
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        for r in results {
            assert!(rules.contains(&r["ruleId"].as_str().unwrap()), "{out}");
            let p = &r["locations"][0]["physicalLocation"];
            let uri = p["artifactLocation"]["uri"].as_str().expect("a uri");
            assert!(
                !uri.starts_with('/') && !uri.contains(':') && !uri.contains('\\'),
                "relative path with forward slashes: {uri}"
            );
            let line = p["region"]["startLine"].as_u64().expect("a line");
            assert!(line >= 1);
            let text = std::fs::read_to_string(root().join(uri)).expect("the uri is a file");
            let at = text
                .lines()
                .nth(line as usize - 1)
                .expect("the line exists");
            match case.4 {
                Some(id) => assert!(
                    at.contains(id),
                    "{}: line {line} of {uri} is `{at}`",
                    case.2
                ),
                None => assert_eq!(line, 1),
            }
            let severity = &r["properties"]["security-severity"];
            assert!(severity.as_str().is_some_and(|s| s.parse::<f64>().is_ok()));
        }
        for r in run["tool"]["driver"]["rules"].as_array().unwrap() {
            assert!(
                r["shortDescription"]["text"].is_string()
                    && r["fullDescription"]["text"].is_string()
            );
            assert!(r["properties"]["security-severity"].is_string());
        }
    }
}

#[test]
fn the_schema_rejects_what_github_would() {
    let v = sarif_schema();
    let out = run("sarif", &CASES[1]);
    let mut doc: Value = serde_json::from_str(&out).unwrap();
    assert!(schema_errors(&v, &doc).is_empty());
    doc["version"] = "2.0.0".into();
    assert!(
        !schema_errors(&v, &doc).is_empty(),
        "a wrong version is invalid"
    );
    let mut doc: Value = serde_json::from_str(&out).unwrap();
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!schema_errors(&v, &doc).is_empty(), "line 0 is invalid");
}

/// An interface asked at two of its addresses (`eni-…@ADDRESS`), blocked
/// by the same group both times, gives two findings: the address is part
/// of the flow class the fingerprint is made of.
#[test]
fn an_interface_at_two_addresses_is_two_findings() {
    let fingerprint = |q: &str| -> String {
        let r = reach(&[
            "check",
            "--format",
            "sarif",
            "--snapshot",
            "tests/data/real-account",
            q,
        ]);
        assert_eq!(r.code, 1, "{q}: {}", r.stderr);
        let doc: Value = serde_json::from_str(&r.stdout).unwrap();
        let result = &doc["runs"][0]["results"][0];
        assert!(
            result["message"]["text"]
                .as_str()
                .unwrap()
                .contains("stopped by sg-0web00000000000001"),
            "{result}"
        );
        result["partialFingerprints"][reach::render::FINGERPRINT_KEY]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(
        fingerprint("internet->eni-0web0000000000001@3.80.0.10:22"),
        fingerprint("internet->eni-0web0000000000001@[2600:1f18:4a3:6a01::10]:22")
    );
}

#[test]
fn sarif_rule_ids_and_fingerprints_are_stable_across_runs() {
    let fingerprints = |out: &str| -> Vec<(String, String)> {
        let doc: Value = serde_json::from_str(out).unwrap();
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"][reach::render::FINGERPRINT_KEY]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    let mut all = Vec::new();
    for case in CASES.iter().filter(|c| c.3 != 0) {
        let (a, b) = (run("sarif", case), run("sarif", case));
        assert_eq!(fingerprints(&a), fingerprints(&b), "{}", case.2);
        assert_eq!(a, b, "the whole log is the same");
        all.extend(fingerprints(&a));
    }
    let mut unique: Vec<_> = all.iter().map(|(_, f)| f).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        all.len(),
        "different findings, different fingerprints"
    );
    assert!(
        all.iter().all(|(r, _)| r.starts_with("reach/check/")),
        "{all:?}"
    );
}

#[test]
fn junit_parses_back_with_a_case_per_finding() {
    for case in CASES {
        let out = run("junit", case);
        let doc = roxmltree::Document::parse(&out).expect("JUnit is XML");
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let failures: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .collect();
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("testsuite"))
                .count(),
            1
        );
        assert_eq!(cases.len(), 1, "{out}");
        assert_eq!(failures.len(), usize::from(case.3 != 0), "{out}");
        assert!(cases[0].attribute("name").unwrap().contains(case.2));
        if let Some(f) = failures.first() {
            let body = f.text().unwrap_or_default();
            assert!(
                body.contains("path 1"),
                "the explanation is the body: {out}"
            );
            if let Some(id) = case.4 {
                assert!(body.contains(id) && f.attribute("message").unwrap().contains(id));
            }
        }
    }
}

#[test]
fn markdown_has_the_table_and_the_blocker() {
    for case in CASES {
        let out = run("markdown", case);
        assert!(out.starts_with("## "), "{out}");
        assert!(
            out.contains("| status | name | severity | resource |"),
            "{out}"
        );
        if case.3 == 0 {
            assert!(
                out.contains("✅ pass") && !out.contains("<details>"),
                "{out}"
            );
        } else {
            assert!(
                out.contains("❌ fail") && out.contains("<details>") && out.contains("```text")
            );
        }
        if let Some(id) = case.4 {
            assert!(out.contains(&format!("`{id}`")), "{out}");
            assert!(out.contains("Defined at `"), "{out}");
        }
    }
}

#[test]
fn text_and_json_are_unchanged_by_the_new_formats() {
    let case = &CASES[1];
    let text = reach(&["check", case.0, case.1, case.2]).stdout;
    assert!(text.starts_with("unreachable: "));
    let json: Value = serde_json::from_str(&run("json", case)).unwrap();
    assert_eq!(json["verdict"], "unreachable");
}

/// A copy of the real-account snapshot, pretty-printed, without the first
/// ACL's IPv6 allow rule (101): IPv6 from the internet meets rule `*` (32768).
fn snapshot_without_ipv6_allow(dir: &Path) {
    for e in std::fs::read_dir(root().join(SNAP)).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let f = dir.join("network-acls.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
    v["NetworkAcls"][0]["Entries"]
        .as_array_mut()
        .unwrap()
        .retain(|e| e["RuleNumber"] != 101);
    std::fs::write(&f, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn a_network_acl_entry_points_at_its_rule_number() {
    let dir = tempfile::tempdir().unwrap();
    snapshot_without_ipv6_allow(dir.path());
    let r = reach(&[
        "check",
        "--snapshot",
        dir.path().to_str().unwrap(),
        "--format",
        "sarif",
        "internet->[2600:1f18:4a3:6a01::10]:443",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let p = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    let uri = p["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("network-acls.json"), "{uri}");
    // Outside the current directory: the path as given.
    let text = std::fs::read_to_string(uri).unwrap();
    let line = p["region"]["startLine"].as_u64().unwrap() as usize;
    assert!(
        text.lines()
            .nth(line - 1)
            .unwrap()
            .contains("\"RuleNumber\": 32768")
    );
    // The ingress entry, not the egress one of the same number (listed first).
    // (keys keep their order: `Egress` comes before `RuleNumber` in an entry)
    let lines: Vec<&str> = text.lines().collect();
    let egress = lines[..line - 1]
        .iter()
        .rev()
        .find(|l| l.contains("\"Egress\""));
    assert!(
        egress.unwrap().contains("false"),
        "ingress entry at line {line}"
    );
}

#[test]
fn the_locator_prefers_definitions_and_paths_are_relative() {
    let snap = root().join(SNAP);
    let l = Locator::new(std::slice::from_ref(&snap), &root()).unwrap();
    assert!(
        l.inputs()
            .iter()
            .all(|f| f.starts_with("tests/data/real-account/"))
    );
    for (id, file, key) in [
        (
            "sg-0app00000000000002",
            "security-groups.json",
            "\"GroupId\"",
        ),
        (
            "eni-0web0000000000001",
            "network-interfaces.json",
            "\"NetworkInterfaceId\"",
        ),
        (
            "acl-0a000000000000001",
            "network-acls.json",
            "\"NetworkAclId\"",
        ),
        ("subnet-0pub0000000000001", "subnets.json", "\"SubnetId\""),
        ("i-0web0000000000001", "instances.json", "\"InstanceId\""),
    ] {
        let s = l.resource(id, None).unwrap_or_else(|| panic!("{id} found"));
        assert_eq!(s.file, format!("tests/data/real-account/{file}"), "{id}");
        let text = std::fs::read_to_string(root().join(&s.file)).unwrap();
        let at = text.lines().nth(s.line as usize - 1).unwrap();
        assert!(at.contains(id) && at.contains(key), "{id}: `{at}`");
    }
    // A rule ID of its own wins over its group.
    let rule = l
        .resource("sg-0app00000000000002", Some("sgr-0e86ab829d6582225"))
        .unwrap();
    let text = std::fs::read_to_string(root().join(&rule.file)).unwrap();
    assert!(
        text.lines()
            .nth(rule.line as usize - 1)
            .unwrap()
            .contains("sgr-0e86ab829d6582225")
    );
    assert!(l.resource("sg-nowhere", None).is_none());
    // The YAML model: the `id:` line, and a NACL entry by direction.
    let m = Locator::new(&[root().join(MODEL)], &root()).unwrap();
    let line = |id: &str, rule: Option<&str>| {
        let s = m.resource(id, rule).unwrap();
        assert_eq!(s.file, MODEL);
        std::fs::read_to_string(root().join(MODEL))
            .unwrap()
            .lines()
            .nth(s.line as usize - 1)
            .unwrap()
            .to_string()
    };
    assert!(line("sg-app", None).contains("id: sg-app"));
    assert!(line("acl-public", Some("outbound rule 100")).contains("rule: 100, proto: all"));
    assert!(line("acl-public", Some("inbound rule 120")).contains("rule: 120"));
    assert!(line("rtb-private", Some("0.0.0.0/0")).contains("dest: 0.0.0.0/0"));
}

#[test]
fn terraform_addresses_point_at_their_block() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("modules/net");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::create_dir_all(dir.path().join(".terraform/x")).unwrap();
    std::fs::write(
        dir.path().join(".terraform/x/main.tf"),
        "resource \"aws_security_group_rule\" \"ssh\" {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "# root\n\nresource \"aws_security_group_rule\" \"ssh\" {\n}\n",
    )
    .unwrap();
    std::fs::write(
        module.join("sg.tf"),
        "resource \"aws_vpc\" \"v\" {}\nresource \"aws_security_group_rule\" \"ssh\" {\n}\n",
    )
    .unwrap();
    let l = Locator::new(&[], dir.path())
        .unwrap()
        .with_tf_root(dir.path().to_path_buf());
    let at = |a: &str| l.terraform(a).map(|s| (s.file, s.line));
    assert_eq!(
        at("aws_security_group_rule.ssh"),
        Some(("main.tf".into(), 3))
    );
    assert_eq!(
        at("module.net.aws_security_group_rule.ssh[0]"),
        Some(("modules/net/sg.tf".into(), 2))
    );
    assert_eq!(
        at("module.net[\"a\"].aws_vpc.v"),
        Some(("modules/net/sg.tf".into(), 1))
    );
    assert_eq!(at("aws_route.none"), None);
}

#[test]
fn a_finding_without_a_location_points_at_the_first_input() {
    let finding = |passed: bool, location: Option<Location>| Finding {
        rule_id: "reach/check/unreachable".into(),
        name: "x".into(),
        passed,
        severity: Severity::of_exposure(true, (22, 22)),
        message: "m".into(),
        details: "d ``` e".into(),
        resource: None,
        rule: None,
        flow_class: "internet->eni-1:22/tcp".into(),
        tf_address: None,
        location,
    };
    let report = FindingsReport {
        command: "check".into(),
        run_id: "reach/check/x/".into(),
        title: "t".into(),
        summary: vec![],
        inputs: vec!["models/two-tier.yaml".into()],
        findings: vec![
            finding(false, None),
            finding(true, None),
            finding(
                false,
                Some(Location {
                    file: "a/b.tf".into(),
                    line: 7,
                }),
            ),
        ],
    };
    let doc: Value = serde_json::from_str(&report.to_sarif()).unwrap();
    assert!(schema_errors(&sarif_schema(), &doc).is_empty());
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "only failures are results");
    let loc = |i: usize| {
        let p = &results[i]["locations"][0]["physicalLocation"];
        (
            p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            p["region"]["startLine"].as_u64().unwrap(),
        )
    };
    assert_eq!(loc(0), ("models/two-tier.yaml".into(), 1));
    assert_eq!(loc(1), ("a/b.tf".into(), 7));
    assert_eq!(results[0]["level"], "error");
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
        "8.0"
    );
    // A fence longer than the details' backticks.
    assert!(report.to_markdown().contains("````text\nd ``` e\n````"));
}

#[test]
fn internet_exposure_of_admin_and_database_ports_is_high() {
    for p in [22, 3389, 3306, 5432, 1433, 1521, 27017, 6379, 9200, 5439] {
        assert_eq!(Severity::of_exposure(true, (p, p)), Severity::High, "{p}");
    }
    assert_eq!(Severity::of_exposure(true, (0, 65535)), Severity::High);
    assert_eq!(Severity::of_exposure(true, (443, 443)), Severity::Medium);
    assert_eq!(Severity::of_exposure(false, (22, 22)), Severity::Low);
}
