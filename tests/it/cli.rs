//! The binary end to end: insta snapshots of text and JSON output, exit codes.

use std::process::Command;

use super::support::root;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn reach(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_reach"))
        .args(args)
        .current_dir(root())
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("reach runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const MODEL: &str = "models/two-tier.yaml";

/// (snapshot name, query, expected exit code)
const CHECKS: &[(&str, &str, i32)] = &[
    ("bastion_to_app_ssh", "i-bastion->10.0.2.35:22", 0),
    (
        "internet_to_bastion_partial",
        "internet->203.0.113.10:22",
        1,
    ),
    ("app_to_internet_via_nat", "i-app->93.184.216.34:443", 0),
    (
        "app_to_internet_blocked_by_acl",
        "i-app->93.184.216.34:80",
        1,
    ),
    (
        "internet_to_nat_unsolicited",
        "internet->203.0.113.20:22",
        1,
    ),
    ("bastion_to_app_8080_sg", "i-bastion->10.0.2.35:9000", 1),
];

#[test]
fn text_output() {
    for (name, q, code) in CHECKS {
        let r = reach(&["check", "--model", MODEL, q]);
        assert_eq!(r.code, *code, "{q}\n{}{}", r.stdout, r.stderr);
        assert!(
            !r.stdout.contains('\x1b'),
            "no colour when stdout is not a terminal"
        );
        insta::assert_snapshot!(format!("text_{name}"), r.stdout);
    }
}

#[test]
fn json_output() {
    for (name, q, code) in CHECKS {
        let r = reach(&["check", "--model", MODEL, "--format", "json", q]);
        assert_eq!(r.code, *code, "{q}\n{}{}", r.stdout, r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is JSON");
        for key in [
            "verdict",
            "query",
            "paths",
            "blocked_by",
            "assumptions",
            "warnings",
        ] {
            assert!(v.get(key).is_some(), "missing `{key}` in {name}");
        }
        insta::assert_snapshot!(format!("json_{name}"), r.stdout);
    }
}

#[test]
fn src_port_override_changes_the_verdict() {
    // acl-private lets replies back only to 32768-60999.
    let r = reach(&[
        "check",
        "--model",
        MODEL,
        "--src-port",
        "1024-65535",
        "i-app->93.184.216.34:443",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.starts_with("partial"), "{}", r.stdout);
}

#[test]
fn json_blocked_by_names_the_group() {
    let r = reach(&[
        "check",
        "--model",
        MODEL,
        "--format",
        "json",
        "i-bastion->10.0.2.35:9000",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["verdict"], "unreachable");
    let b = &v["blocked_by"][0];
    assert_eq!(b["component"], "sg-app", "{b}");
    assert_eq!(b["kind"], "security-group");
    assert_eq!(b["direction"], "forward");
}

#[test]
fn skipped_kinds_appear_in_json() {
    let Some(dir) = super::support::fixture("public-subnet") else {
        return;
    };
    let dir = dir.to_string_lossy().into_owned();
    let r = reach(&[
        "check",
        "--snapshot",
        &dir,
        "--format",
        "json",
        "internet->18.216.80.133:22",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let kinds: Vec<String> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.contains(&"CustomerGateways".to_string()), "{kinds:?}");
    // Warnings once (issue 10, item 8): in JSON's `warnings`, not on stderr.
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("skipped")),
        "{warnings:?}"
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    // In text: on stderr only, never in the text on stdout.
    let t = reach(&["check", "--snapshot", &dir, "internet->18.216.80.133:22"]);
    assert_eq!(t.code, 0, "{}{}", t.stdout, t.stderr);
    assert!(t.stderr.contains("warning: skipped"), "{}", t.stderr);
    assert!(!t.stdout.contains("skipped"), "{}", t.stdout);
    assert!(!t.stdout.contains("warning"), "{}", t.stdout);
}
