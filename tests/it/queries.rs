//! `reach check --queries FILE` (issue 16 item 4): many queries after one
//! load, JSON Lines in input order, each line the single query's object with
//! its `line`; errors per line; standard input; exit codes.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::cli::{Run, reach};
use super::support::root;

const MODEL: &str = "models/two-tier.yaml";

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/check.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// `reach ARGS` with `input` on standard input.
fn reach_stdin(args: &[&str], input: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reach"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reach runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` as a queries file in `dir`.
fn file(dir: &Path, text: &str) -> String {
    let p = dir.join("queries.txt");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Every JSON line of `out`, parsed.
fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// What one `reach check --format json QUERY` gives: its object, or its error.
fn single(options: &[&str], query: &str) -> Result<Value, String> {
    let mut args = vec!["check"];
    args.extend(options);
    args.extend(["--format", "json", query]);
    let r = reach(&args);
    match r.code {
        0 | 1 => Ok(serde_json::from_str(&r.stdout).unwrap()),
        2 => Err(r
            .stderr
            .trim_end()
            .strip_prefix("error: ")
            .unwrap_or(&r.stderr)
            .to_string()),
        c => panic!("{query}: exit {c}: {}", r.stderr),
    }
}

/// Runs `queries` (with comments and blank lines between them) through
/// `--queries` with `options`, and checks every line against the single
/// query's JSON (the object plus `line`, or `{line, query: {text}, error}`),
/// in input order, valid against the schema. Returns the exit code.
fn compare(options: &[&str], queries: &[String]) -> i32 {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("# queries\n\n");
    let mut numbers = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        if i % 7 == 3 {
            text += "   # a comment\n";
        }
        if i % 5 == 2 {
            text += "\n";
        }
        // Whitespace around a query is not part of it.
        text += &format!("  {q}\t\n");
        numbers.push(text.lines().count());
    }
    let path = file(dir.path(), &text);
    let mut args = vec!["check"];
    args.extend(options);
    args.extend(["--format", "json", "--queries", &path]);
    let r = reach(&args);
    let got = lines(&r.stdout);
    assert_eq!(got.len(), queries.len(), "{}", r.stderr);
    let v = schema();
    let (mut errors, mut reachable) = (0, 0);
    for ((q, n), line) in queries.iter().zip(&numbers).zip(&got) {
        let mut line = line.clone();
        let obj = line.as_object_mut().unwrap();
        assert_eq!(obj.remove("line"), Some(Value::from(*n)), "{q}");
        match single(options, q) {
            Ok(want) => {
                let problems: Vec<String> = v.iter_errors(&line).map(|e| e.to_string()).collect();
                assert!(problems.is_empty(), "{q}: {problems:?}");
                assert_eq!(line, want, "{q}");
                reachable += usize::from(want["verdict"] == "reachable");
            }
            Err(e) => {
                errors += 1;
                let want = serde_json::json!({"query": {"text": q}, "error": e});
                assert_eq!(line, want, "{q}");
            }
        }
    }
    let want = if errors > 0 {
        2
    } else if reachable == queries.len() {
        0
    } else {
        1
    };
    assert_eq!(r.code, want, "{}", r.stderr);
    if errors > 0 {
        assert!(
            r.stderr
                .contains(&format!("{errors} of {} queries failed", queries.len())),
            "{}",
            r.stderr
        );
    }
    r.code
}

/// 50+ queries over one model, some that fail to resolve: every line is the
/// single query's object (or its error), in input order.
#[test]
fn every_line_is_the_single_query_json() {
    let net = super::support::load_model("two-tier.yaml");
    let mut queries = super::output::queries(&net);
    queries.truncate(70);
    queries.insert(5, "nonsense".into());
    queries.insert(40, "i-nope->10.0.2.35:22".into());
    queries.insert(60, "i-bastion->10.0.2.35:70000".into());
    assert!(queries.len() >= 60);
    assert_eq!(compare(&["--model", MODEL], &queries), 2);
}

/// Options apply to every query: `--group`, `--via`, `--src-port`.
#[test]
fn options_apply_to_every_query() {
    let seed = "models/seed-001-saml-nat.yaml";
    let net = super::support::load_model("seed-001-saml-nat.yaml");
    let queries: Vec<String> = super::output::queries(&net)
        .into_iter()
        .filter(|q| q.starts_with("client->"))
        .take(12)
        .collect();
    assert!(!queries.is_empty());
    compare(&["--model", seed, "--group", "G001"], &queries);
    compare(&["--model", seed], &queries);
    let two_tier = [
        "i-bastion->10.0.2.35:22".to_string(),
        "i-app->93.184.216.34:443".to_string(),
    ];
    assert_eq!(
        compare(&["--model", MODEL, "--src-port", "40000-40010"], &two_tier),
        0
    );
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let run = |text: &str| {
        let path = file(dir.path(), text);
        reach(&[
            "check",
            "--model",
            MODEL,
            "--format",
            "json",
            "--queries",
            &path,
        ])
    };
    let ok = "i-bastion->10.0.2.35:22\ni-app->93.184.216.34:443\n";
    assert_eq!(run(ok).code, 0);
    let not = format!("{ok}i-app->93.184.216.34:80\n");
    let r = run(&not);
    assert_eq!((r.code, lines(&r.stdout).len()), (1, 3), "{}", r.stderr);
    // An error on one line: that line says so, the others are answered, exit 2.
    let bad = format!("{ok}i-bastion->nowhere\n# done\n");
    let r = run(&bad);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let got = lines(&r.stdout);
    assert_eq!(got.len(), 3);
    assert_eq!(got[2]["line"], 3);
    assert_eq!(got[2]["query"]["text"], "i-bastion->nowhere");
    assert!(
        got[2]["error"].as_str().unwrap().contains("`nowhere`"),
        "{}",
        got[2]
    );
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
    assert!(
        r.stderr.contains("1 of 3 queries failed (line 3)"),
        "{}",
        r.stderr
    );
    // Nothing to ask: an error naming the file.
    let r = run("# nothing\n\n");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no query"), "{}", r.stderr);
    assert!(r.stderr.contains("queries.txt"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn standard_input() {
    let text = "i-bastion->10.0.2.35:22\n\n# next\ninternet->203.0.113.10:22\n";
    let r = reach_stdin(
        &[
            "check",
            "--model",
            MODEL,
            "--format",
            "json",
            "--queries",
            "-",
        ],
        text,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let got = lines(&r.stdout);
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0]["line"].as_u64(), got[1]["line"].as_u64()),
        (Some(1), Some(4))
    );
    assert_eq!(got[0]["verdict"], "reachable");
    assert_eq!(got[1]["verdict"], "partial");
    // Standard input cannot be both the snapshot and the queries.
    let r = reach_stdin(&["check", "--snapshot", "-", "--queries", "-"], text);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("standard input is read once"),
        "{}",
        r.stderr
    );
}

/// Many queries keep their order whatever finishes first (rayon).
#[test]
fn order_is_kept() {
    let net = super::support::load_model("hub-and-spoke.yaml");
    let queries: Vec<String> = super::output::queries(&net)
        .into_iter()
        .cycle()
        .take(150)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), &(queries.join("\n") + "\n"));
    let r = reach(&[
        "check",
        "--model",
        "models/hub-and-spoke.yaml",
        "--format",
        "json",
        "--queries",
        &path,
    ]);
    let got = lines(&r.stdout);
    assert_eq!(got.len(), queries.len(), "{}", r.stderr);
    for (i, (q, l)) in queries.iter().zip(&got).enumerate() {
        assert_eq!(l["line"], i + 1);
        assert_eq!(l["query"]["text"], q.as_str());
    }
}

/// Text: one verdict line per query, `LINE: VERDICT: …`, errors on their line.
#[test]
fn text_is_a_verdict_line_per_query() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        dir.path(),
        "i-bastion->10.0.2.35:22\n# c\ni-bastion->10.0.2.35:9000\nbad\n",
    );
    let r = reach(&["check", "--model", MODEL, "--queries", &path]);
    assert_eq!(r.code, 2);
    let got: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(got.len(), 3, "{}", r.stdout);
    assert_eq!(got[0], "1: reachable: i-bastion -> 10.0.2.35:22/tcp");
    assert_eq!(got[1], "3: unreachable: i-bastion -> 10.0.2.35:9000/tcp");
    assert!(got[2].starts_with("4: error: `bad`: "), "{}", got[2]);
    // Each verdict line is the first line of the single query's text.
    let one = reach(&["check", "--model", MODEL, "i-bastion->10.0.2.35:9000"]);
    assert_eq!(one.stdout.lines().next(), got[1].strip_prefix("3: "));
}

#[test]
fn wrong_usage_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "i-bastion->10.0.2.35:22\n");
    for args in [
        vec![
            "check",
            "--model",
            MODEL,
            "--queries",
            &path,
            "i-bastion->10.0.2.35:22",
        ],
        vec![
            "check",
            "--model",
            MODEL,
            "--format",
            "sarif",
            "--queries",
            &path,
        ],
        vec!["check", "--model", MODEL, "--queries", "/nonexistent/q.txt"],
        vec!["check", "--model", MODEL],
    ] {
        let r = reach(&args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    let r = reach(&[
        "check",
        "--model",
        MODEL,
        "--format",
        "sarif",
        "--queries",
        &path,
    ]);
    assert!(r.stderr.contains("`--format sarif`"), "{}", r.stderr);
    let r = reach(&["check", "--model", MODEL, "--queries", "/nonexistent/q.txt"]);
    assert!(
        r.stderr.contains("`/nonexistent/q.txt`: cannot read"),
        "{}",
        r.stderr
    );
}

/// `--prove` cross-checks every query: each line carries its proof.
#[cfg(feature = "z3")]
#[test]
fn prove_checks_every_query() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        dir.path(),
        "i-bastion->10.0.2.35:22\ninternet->203.0.113.10:22\ni-app->93.184.216.34:80\n",
    );
    let r = reach(&[
        "check",
        "--model",
        MODEL,
        "--prove",
        "--format",
        "json",
        "--queries",
        &path,
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for l in lines(&r.stdout) {
        assert_eq!(l["proof"]["verdict"], l["verdict"], "{l}");
    }
}
