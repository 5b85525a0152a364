//! `reach assert`: the results as text and JSON. The summary line
//! ("N assertions: H hold, V violated, U unknown"), then each assertion:
//! status, message, and for a failing one its witness packet and the
//! `reach check` explanation of the witness's query.

use std::fmt::Write as _;

use serde::Serialize;

use crate::assert::{Finding, Outcome, Results};
use crate::model::Network;

use super::findings::{self, FindingsReport, Severity};
use super::report::Report;

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct AssertReport {
    /// The policy file.
    pub policy: String,
    /// `N assertions: H hold, V violated, U unknown`.
    pub summary: String,
    pub total: usize,
    pub hold: usize,
    pub violated: usize,
    pub unknown: usize,
    pub assertions: Vec<AssertionOut>,
    pub warnings: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct AssertionOut {
    pub index: usize,
    pub name: String,
    /// `must_reach`, `must_not_reach`, `only`, `consistent`, `no_exposure`.
    pub kind: &'static str,
    /// `holds`, `violated`, `unknown`.
    pub status: &'static str,
    /// One line.
    pub message: String,
    /// Flow classes checked.
    pub checked: usize,
    /// Every failing flow class, violations first; the first is the witness.
    pub findings: Vec<FindingOut>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct FindingOut {
    /// `violated` or `unknown`.
    pub status: &'static str,
    /// `internet->eni-0abc:22/tcp`.
    pub flow: String,
    pub message: String,
    /// One packet: `tcp 203.0.113.5:40000 -> 10.0.2.35:22`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<String>,
    /// The resource that allows or blocks it, and its rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `reach check` of the witness's query, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// The `reach check` text of a finding's witness query.
pub fn explanation(f: &Finding, net: &Network) -> Option<String> {
    f.analysis
        .as_deref()
        .map(|a| Report::brief(a, net).to_text(false))
}

fn finding_out(f: &Finding, net: &Network, explain: bool) -> FindingOut {
    FindingOut {
        status: f.status.name(),
        flow: f.flow.clone(),
        message: f.message.clone(),
        witness: f.witness.map(|w| w.to_string()),
        resource: f.resource.clone(),
        rule: f.rule.clone(),
        explanation: if explain { explanation(f, net) } else { None },
    }
}

fn assertion_out(o: &Outcome, net: &Network, all: bool) -> AssertionOut {
    AssertionOut {
        index: o.index,
        name: o.name.clone(),
        kind: o.kind.name(),
        status: o.status.name(),
        message: o.message.clone(),
        checked: o.checked,
        findings: o
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| finding_out(f, net, all || i == 0))
            .collect(),
    }
}

impl AssertReport {
    /// Every finding with its explanation (for JSON).
    pub fn new(r: &Results, net: &Network) -> AssertReport {
        AssertReport::build(r, net, true)
    }

    /// Explanations for each assertion's witness only (for text).
    pub fn brief(r: &Results, net: &Network) -> AssertReport {
        AssertReport::build(r, net, false)
    }

    fn build(r: &Results, net: &Network, all: bool) -> AssertReport {
        let (hold, violated, unknown) = r.counts();
        let total = r.outcomes.len();
        AssertReport {
            policy: r.file.clone(),
            summary: format!(
                "{total} assertion{}: {hold} hold, {violated} violated, {unknown} unknown",
                if total == 1 { "" } else { "s" }
            ),
            total,
            hold,
            violated,
            unknown,
            assertions: r
                .outcomes
                .iter()
                .map(|o| assertion_out(o, net, all))
                .collect(),
            warnings: net.warnings.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializable") + "\n"
    }

    /// The summary, one line per assertion, then each failing assertion's
    /// witness, the resource and the explanation.
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "{}", self.summary);
        for a in &self.assertions {
            let _ = writeln!(o, "\n[{}] {} ({}): {}", a.status, a.name, a.kind, a.message);
            let Some(w) = a.findings.first() else {
                continue;
            };
            if let Some(p) = &w.witness {
                let _ = writeln!(o, "  witness: {p}");
            }
            let _ = writeln!(o, "  flow: {}", w.flow);
            match (&w.resource, &w.rule) {
                (Some(r), Some(x)) => {
                    let _ = writeln!(o, "  resource: {r} ({x})");
                }
                (Some(r), None) => {
                    let _ = writeln!(o, "  resource: {r}");
                }
                _ => {}
            }
            if a.findings.len() > 1 {
                let _ = writeln!(o, "  other flows:");
                for f in a.findings.iter().skip(1).take(10) {
                    let _ = writeln!(o, "    [{}] {}", f.status, f.flow);
                }
                if a.findings.len() > 11 {
                    let _ = writeln!(
                        o,
                        "    … and {} more (--format json lists all)",
                        a.findings.len() - 11
                    );
                }
            }
            if let Some(e) = &w.explanation {
                let _ = writeln!(o, "  explanation (reach check of the witness):");
                for line in e.lines() {
                    if line.is_empty() {
                        let _ = writeln!(o);
                    } else {
                        let _ = writeln!(o, "    {line}");
                    }
                }
            }
        }
        o
    }
}

impl FindingsReport {
    /// `assert`: one finding per assertion, passed when it holds. A violated
    /// or unknown one points at the resource and rule of its first violating
    /// flow and carries every violating flow, its witness and explanation.
    /// Severity: a violated `no_exposure` is high, another violated
    /// assertion medium, an unknown one low.
    pub fn from_assert(report: &AssertReport, run_id: String) -> Self {
        let findings = report
            .assertions
            .iter()
            .map(|a| {
                let first = a.findings.iter().find(|f| f.status != "holds");
                let mut details = format!("{} ({}): {}\n", a.name, a.kind, a.message);
                for f in a.findings.iter().filter(|f| f.status != "holds") {
                    details += &format!("\n{}: {} — {}\n", f.status, f.flow, f.message);
                    if let Some(w) = &f.witness {
                        details += &format!("witness: {w}\n");
                    }
                    if let Some(e) = &f.explanation {
                        details += &format!("{e}\n");
                    }
                }
                let severity = match (a.status, a.kind) {
                    ("holds", _) => Severity::None,
                    ("violated", "no_exposure") => Severity::High,
                    ("violated", _) => Severity::Medium,
                    _ => Severity::Low,
                };
                findings::Finding {
                    rule_id: format!("reach/assert/{}", a.kind),
                    name: format!("{} ({})", a.name, a.kind),
                    passed: a.status == "holds",
                    severity,
                    message: format!("{} {}: {}", a.name, a.status, a.message),
                    details,
                    resource: first.and_then(|f| f.resource.clone()),
                    rule: first.and_then(|f| f.rule.clone()),
                    flow_class: format!("{}#{}", a.name, a.index),
                    tf_address: None,
                    location: None,
                }
            })
            .collect();
        Self {
            command: "assert".into(),
            run_id,
            title: format!("reach assert {}", report.policy),
            summary: vec![("summary".into(), report.summary.clone())],
            inputs: Vec::new(),
            findings,
        }
    }
}
