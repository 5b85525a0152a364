//! Where input comes from (issue 10, item 1): standard input, pipes and
//! FIFOs whatever their name, a UTF-8 byte-order mark, UTF-16, and AWS CLI
//! output written with `--output yaml` or `--output text`.

use std::io::Write as _;
use std::process::{Command, Stdio};

use super::bad_input::assert_error;
use super::cli::reach;
use super::support::root;

const MODEL: &str = "models/two-tier.yaml";
const Q: &str = "i-bastion->10.0.2.35:22";

fn reach_with_stdin(args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reach"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reach runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn model_bytes() -> Vec<u8> {
    std::fs::read(root().join(MODEL)).unwrap()
}

#[test]
fn a_dash_reads_standard_input() {
    let (code, out, err) = reach_with_stdin(&["check", "--model", "-", Q], &model_bytes());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("reachable:"), "{out}");
    // A JSON document on standard input beside a snapshot folder.
    let dir = root().join("tests/data/real-account");
    let vpcs = std::fs::read(dir.join("vpcs.json")).unwrap();
    let (code, out, err) = reach_with_stdin(
        &[
            "check",
            "--snapshot",
            dir.to_str().unwrap(),
            "--snapshot",
            "-",
            "internet->[2600:1f18:4a3:6a01::10]:443",
        ],
        &vpcs,
    );
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_fifo_is_read_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("63");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo unavailable");
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        let bytes = model_bytes();
        std::thread::spawn(move || std::fs::write(fifo, bytes).unwrap())
    };
    let r = reach(&["check", "--model", fifo.to_str().unwrap(), Q]);
    writer.join().unwrap();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_byte_order_mark_is_skipped_and_utf16_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let bom = dir.path().join("bom.yaml");
    let mut b = vec![0xEF, 0xBB, 0xBF];
    b.extend(model_bytes());
    std::fs::write(&bom, b).unwrap();
    assert_eq!(
        reach(&["check", "--model", bom.to_str().unwrap(), Q]).code,
        0
    );
    // PowerShell's `>` writes UTF-16 LE with a byte-order mark.
    let text = String::from_utf8(model_bytes()).unwrap();
    let mut u16le = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        u16le.extend(u.to_le_bytes());
    }
    let f = dir.path().join("ps.yaml");
    std::fs::write(&f, &u16le).unwrap();
    let r = reach(&["check", "--model", f.to_str().unwrap(), Q]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Without the mark: a message that says what to do.
    let f = dir.path().join("nobom.yaml");
    std::fs::write(&f, &u16le[2..]).unwrap();
    assert_error(
        &reach(&["check", "--model", f.to_str().unwrap(), Q]),
        &["nobom.yaml", "UTF-16", "re-save as UTF-8"],
    );
}

#[test]
fn aws_cli_yaml_or_text_output_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let y = dir.path().join("vpcs.json");
    std::fs::write(
        &y,
        "Vpcs:\n- CidrBlock: 10.0.0.0/16\n  VpcId: vpc-0a1\n  State: available\n",
    )
    .unwrap();
    assert_error(
        &reach(&["check", "--snapshot", y.to_str().unwrap(), Q]),
        &["vpcs.json", "`--output yaml`", "`--output json`"],
    );
    let y2 = dir.path().join("vpcs.yaml");
    std::fs::copy(&y, &y2).unwrap();
    assert_error(
        &reach(&["check", "--model", y2.to_str().unwrap(), Q]),
        &["vpcs.yaml", "`--output yaml`", "`--output json`"],
    );
    let t = dir.path().join("subnets.json");
    std::fs::write(
        &t,
        "SUBNETS\tuse1-az1\t251\t10.0.1.0/24\tFalse\tFalse\tsubnet-0a1\tvpc-0a1\n",
    )
    .unwrap();
    assert_error(
        &reach(&["check", "--snapshot", t.to_str().unwrap(), Q]),
        &["subnets.json", "`--output text`", "`--output json`"],
    );
}

#[test]
fn malformed_queries_get_the_query_parsers_message() {
    let m = root().join(MODEL);
    let m = m.to_str().unwrap();
    // Not clap's "unexpected argument": the query parser names what is wrong.
    assert_error(
        &reach(&["check", "--model", m, "->10.0.2.35:22"]),
        &["`->10.0.2.35:22`", "missing the source"],
    );
    // An unbracketed IPv6 address with a port is ambiguous.
    assert_error(
        &reach(&["check", "--model", m, "internet->2001:db8::1:22"]),
        &["`[2001:db8::1]:22`"],
    );
}

#[test]
fn a_nacl_rule_number_outside_1_to_32766_is_an_error_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("acls.json");
    std::fs::write(
        &f,
        r#"{"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": false, "Associations": [],
            "Entries": [
              {"CidrBlock": "0.0.0.0/0", "Egress": false, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 40000},
              {"CidrBlock": "0.0.0.0/0", "Egress": false, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767}]}]}"#,
    )
    .unwrap();
    let m = root().join(MODEL);
    assert_error(
        &reach(&[
            "check",
            "--snapshot",
            f.to_str().unwrap(),
            "--model",
            m.to_str().unwrap(),
            Q,
        ]),
        &["acls.json", "acl-1", "Entries[0].RuleNumber", "1-32766"],
    );
}

/// `reach-fetch.json`, the manifest `reach fetch` writes beside a snapshot,
/// is read (not skipped as an unknown document): its warnings are load
/// warnings. Without the `fetch` feature too: a fetched folder is read anywhere.
#[test]
fn a_fetch_manifest_is_read_and_its_warnings_reported() {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join("tests/data/access-json")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        dir.path().join("reach-fetch.json"),
        r#"{"ReachFetch": {"Version": 1, "Region": "ap-northeast-1", "Account": "123456789012",
            "Time": "2026-01-01T00:00:00Z",
            "Calls": [{"Call": "DescribeNatGateways", "Action": "ec2:DescribeNatGateways",
                       "Error": "UnauthorizedOperation"}],
            "Warnings": ["`DescribeNatGateways` was denied (UnauthorizedOperation): the snapshot lacks what it returns; allow `ec2:DescribeNatGateways`"]}}"#,
    )
    .unwrap();
    let p = dir.path().to_str().unwrap();
    let r = reach(&[
        "check",
        "--snapshot",
        p,
        "--format",
        "json",
        "client->10.0.2.35:22",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect(&r.stderr);
    assert_eq!(v["skipped"], serde_json::json!([]), "{v}");
    let w = v["warnings"].to_string();
    assert!(
        w.contains("reach-fetch.json")
            && w.contains("ap-northeast-1")
            && w.contains("ec2:DescribeNatGateways"),
        "{w}"
    );
}
