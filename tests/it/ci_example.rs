//! `examples/github-actions/reach.yml`: every `reach` command in it uses a
//! subcommand and flags the CLI has, and the workflow does what the README
//! says (SARIF upload, PR comment, failing on exposure).

use crate::support::root;

/// The `reach …` commands of the workflow's `run` steps, continuation lines joined.
fn reach_commands(workflow: &str) -> Vec<Vec<String>> {
    let joined = workflow.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        let line = line.trim();
        let Some(at) = line.find("reach ") else {
            continue;
        };
        // A command, not prose: at the start or after `{`, `|`, `;`, `&&`.
        let before = line[..at].trim_end();
        if !(before.is_empty()
            || before.ends_with('|')
            || before.ends_with("&&")
            || before.ends_with(';'))
        {
            continue;
        }
        let words: Vec<String> = line[at..]
            .split_whitespace()
            .take_while(|w| !matches!(*w, ">" | "||" | "|" | "&&" | ">>"))
            .map(|w| w.trim_matches('"').to_string())
            .collect();
        if words.len() > 1 && !line.starts_with('#') {
            out.push(words);
        }
    }
    out
}

#[test]
fn every_reach_command_in_the_workflow_exists() {
    let text = std::fs::read_to_string(root().join("examples/github-actions/reach.yml")).unwrap();
    // It is YAML GitHub can read.
    let doc: serde_json::Value = serde_saphyr::from_str(&text).expect("workflow is YAML");
    assert!(doc["jobs"]["reach"]["steps"].is_array());
    let commands = reach_commands(&text);
    let subcommands: Vec<&str> = commands.iter().map(|c| c[1].as_str()).collect();
    for want in ["assert", "diff"] {
        assert!(subcommands.contains(&want), "{subcommands:?}");
    }
    let bin = env!("CARGO_BIN_EXE_reach");
    for c in &commands {
        let help = std::process::Command::new(bin)
            .args([c[1].as_str(), "--help"])
            .output()
            .unwrap();
        assert!(help.status.success(), "`reach {}` is no subcommand", c[1]);
        let help = String::from_utf8_lossy(&help.stdout);
        for flag in c.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(flag.as_str()),
                "`reach {}` has no {flag}",
                c[1]
            );
        }
        // Formats and --fail-on values the CLI takes.
        for (i, w) in c.iter().enumerate() {
            if w == "--format" || w == "--fail-on" {
                assert!(help.contains(c[i + 1].as_str()), "{w} {}", c[i + 1]);
            }
        }
    }
    assert!(text.contains("github/codeql-action/upload-sarif"));
    assert!(text.contains("gh pr comment"));
    assert!(text.contains("--after-plan plan.json"));
    assert!(text.contains("--fail-on new-exposure"));
    assert!(text.contains("terraform show -json"));
}
