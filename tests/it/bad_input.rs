//! Bad input: one line on stderr naming file, resource and field (or the query
//! token), exit code 2, nothing on stdout, no panic.

use std::fs;

use super::cli::{Run, reach};

pub fn assert_error(r: &Run, needles: &[&str]) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(
        r.stdout.is_empty(),
        "no partial output on stdout: {}",
        r.stdout
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let line = r.stderr.trim_end();
    assert!(line.starts_with("error: "), "{line}");
    assert_eq!(line.lines().count(), 1, "one line: {line}");
    for n in needles {
        assert!(line.contains(n), "`{n}` not in: {line}");
    }
}

fn snapshot_with(file: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(file), text).unwrap();
    let p = dir.path().to_string_lossy().into_owned();
    (dir, p)
}

const Q: &str = "10.0.0.5->10.0.0.6:22";

#[test]
fn malformed_json() {
    let (_d, p) = snapshot_with("Vpcs.json", "{\"Vpcs\": [ {\"VpcId\": \"vpc-1\", ");
    assert_error(&reach(&["check", "--snapshot", &p, Q]), &["Vpcs.json"]);
}

#[test]
fn malformed_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.yaml");
    fs::write(&f, "vpcs:\n  - {id: vpc-1, cidr: 10.0.0.0/16\n").unwrap();
    assert_error(
        &reach(&["check", "--model", f.to_str().unwrap(), Q]),
        &["bad.yaml"],
    );
}

#[test]
fn missing_required_field() {
    let (_d, p) = snapshot_with(
        "s.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1"}]}"#,
    );
    assert_error(
        &reach(&["check", "--snapshot", &p, Q]),
        &["s.json", "subnet-1", "CidrBlock"],
    );
}

#[test]
fn reference_to_missing_id() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.yaml");
    fs::write(
        &f,
        "vpcs:\n  - {id: vpc-1, cidr: 10.0.0.0/16}\nsubnets:\n  - {id: subnet-1, vpc: vpc-1, cidr: 10.0.0.0/24}\ninterfaces:\n  - {id: eni-1, subnet: subnet-9, ip: 10.0.0.5}\n",
    )
    .unwrap();
    assert_error(
        &reach(&["check", "--model", f.to_str().unwrap(), Q]),
        &["m.yaml", "eni-1", "subnet", "subnet-9"],
    );
}

#[test]
fn unparsable_cidr() {
    let (_d, p) = snapshot_with(
        "v.json",
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/33"}]}"#,
    );
    assert_error(
        &reach(&["check", "--snapshot", &p, Q]),
        &["v.json", "vpc-1", "CidrBlock", "10.0.0.0/33"],
    );
}

#[test]
fn unknown_source_in_query() {
    assert_error(
        &reach(&[
            "check",
            "--model",
            "models/two-tier.yaml",
            "i-nope->10.0.2.35:22",
        ]),
        &["`i-nope`"],
    );
}

#[test]
fn private_source_address_not_in_input() {
    assert_error(
        &reach(&[
            "check",
            "--model",
            "models/two-tier.yaml",
            "10.0.9.9->10.0.2.35:22",
        ]),
        &["`10.0.9.9`"],
    );
}

#[test]
fn malformed_query() {
    for q in [
        "i-bastion 10.0.2.35:22",
        "i-bastion->10.0.2.35",
        "i-bastion->10.0.2.35:99999",
        "i-bastion->10.0.2.35:22/sctp",
    ] {
        let r = reach(&["check", "--model", "models/two-tier.yaml", q]);
        assert_error(&r, &["query"]);
    }
}

#[test]
fn missing_input_file() {
    assert_error(
        &reach(&["check", "--model", "models/nope.yaml", Q]),
        &["models/nope.yaml"],
    );
}

#[test]
fn no_input_at_all() {
    assert_error(&reach(&["check", Q]), &["no input"]);
}
