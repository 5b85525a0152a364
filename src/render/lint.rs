//! `reach lint`: its findings as text and JSON, and as a [`FindingsReport`]
//! for the CI formats.

use std::fmt::Write as _;

use serde::Serialize;

use crate::explain::Names;
use crate::lint::{self, Lint};
use crate::model::Network;

use super::findings::{Finding, FindingsReport, Severity};
use super::packets::{PacketsOut, packets};

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct LintReport {
    /// How many findings, in all and per severity.
    pub summary: LintSummaryOut,
    /// Worst first; within a kind, resources by ID and rules in rule order.
    pub findings: Vec<LintFindingOut>,
    /// What the input did not let `lint` check, and why.
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct LintSummaryOut {
    pub findings: usize,
    pub medium: usize,
    pub low: usize,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct LintFindingOut {
    /// `nacl-shadowed`, `sg-rule-subsumed`, … (see the README).
    pub kind: &'static str,
    /// `reach/lint/<kind>`: the SARIF rule ID.
    pub rule_id: String,
    /// `low` or `medium`.
    pub severity: &'static str,
    /// The AWS ID it points at.
    pub resource: String,
    /// The rule within it: `inbound rule 100`, `sgr-…` (or the rule's
    /// position in its file), a route's or authorization rule's destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc: Option<String>,
    pub message: String,
    /// What to change.
    pub fix: String,
    /// Other resources and rules involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// The exact packets concerned, as boxes, each set with what it is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packets: Vec<LintPacketsOut>,
    /// What tells it apart from other findings on the same rule.
    #[serde(skip)]
    pub subject: String,
    /// `severity` for the CI formats.
    #[serde(skip)]
    pub level: Severity,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct LintPacketsOut {
    pub label: String,
    pub packets: Vec<PacketsOut>,
}

/// Packet boxes the text shows per set.
const TEXT_BOXES: usize = 4;

impl LintReport {
    pub fn new(l: &Lint, net: &Network) -> LintReport {
        let names = Names::new(net, None);
        let count = |s: lint::Severity| l.findings.iter().filter(|f| f.severity == s).count();
        LintReport {
            summary: LintSummaryOut {
                findings: l.findings.len(),
                medium: count(lint::Severity::Medium),
                low: count(lint::Severity::Low),
            },
            findings: l
                .findings
                .iter()
                .map(|f| LintFindingOut {
                    kind: f.kind.name(),
                    rule_id: f.kind.rule_id(),
                    severity: f.severity.name(),
                    resource: f.resource.clone(),
                    rule: f.rule.clone(),
                    vpc: f.vpc.clone(),
                    message: f.message.clone(),
                    fix: f.fix.clone(),
                    related: f.related.clone(),
                    packets: f
                        .packets
                        .iter()
                        .map(|p| LintPacketsOut {
                            label: p.label.clone(),
                            packets: packets(&p.set, &names),
                        })
                        .collect(),
                    subject: f.subject.clone(),
                    level: match f.severity {
                        lint::Severity::Medium => Severity::Medium,
                        lint::Severity::Low => Severity::Low,
                    },
                })
                .collect(),
            notes: l.notes.clone(),
            warnings: net.warnings.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
            + "\n"
    }

    /// One finding as text: its message, fix and (some of) its packets.
    fn finding_text(f: &LintFindingOut) -> String {
        format!("  {}\n{}", f.message, Self::fix_text(f))
    }

    /// The fix and (some of) the packets of a finding.
    fn fix_text(f: &LintFindingOut) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "  fix: {}", f.fix);
        for p in &f.packets {
            let _ = writeln!(o, "  {}:", p.label);
            for b in p.packets.iter().take(TEXT_BOXES) {
                let _ = writeln!(o, "    {}", b.text);
            }
            if p.packets.len() > TEXT_BOXES {
                let _ = writeln!(
                    o,
                    "    … ({} more; --format json lists them all)",
                    p.packets.len() - TEXT_BOXES
                );
            }
        }
        o
    }

    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let s = &self.summary;
        if s.findings == 0 {
            let _ = writeln!(o, "reach lint: no findings");
        } else {
            let mut parts = Vec::new();
            if s.medium > 0 {
                parts.push(format!("{} medium", s.medium));
            }
            if s.low > 0 {
                parts.push(format!("{} low", s.low));
            }
            let _ = writeln!(
                o,
                "reach lint: {} finding{} ({})",
                s.findings,
                if s.findings == 1 { "" } else { "s" },
                parts.join(", ")
            );
        }
        for f in &self.findings {
            let _ = writeln!(
                o,
                "\n{} {} {}{}",
                f.severity,
                f.kind,
                f.resource,
                f.rule.as_ref().map(|r| format!(" {r}")).unwrap_or_default()
            );
            o += &Self::finding_text(f);
        }
        if !self.notes.is_empty() {
            let _ = writeln!(o, "\nnotes:");
            for n in &self.notes {
                let _ = writeln!(o, "  - {n}");
            }
        }
        o
    }
}

impl FindingsReport {
    /// `lint`: one failed finding per lint finding, at its resource and
    /// rule; severity low or medium as `lint` says. `details` is the fix
    /// and the packets (the message is the finding's own).
    pub fn from_lint(report: &LintReport, run_id: String) -> Self {
        let findings = report
            .findings
            .iter()
            .map(|f| Finding {
                rule_id: f.rule_id.clone(),
                name: format!(
                    "{} {}{}",
                    f.kind,
                    f.resource,
                    f.rule.as_ref().map(|r| format!(" {r}")).unwrap_or_default()
                ),
                passed: false,
                severity: f.level,
                message: f.message.clone(),
                details: LintReport::fix_text(f),
                resource: Some(f.resource.clone()),
                rule: f.rule.clone(),
                flow_class: f.subject.clone(),
                tf_address: None,
                location: None,
            })
            .collect();
        let s = &report.summary;
        FindingsReport {
            command: "lint".into(),
            run_id,
            title: "reach lint".into(),
            summary: vec![
                ("medium".into(), s.medium.to_string()),
                ("low".into(), s.low.to_string()),
            ],
            inputs: Vec::new(),
            findings,
        }
    }
}
