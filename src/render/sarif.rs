//! Findings as SARIF 2.1.0, the way GitHub code scanning accepts them: only
//! failed findings are results; every result has a physical location in a
//! repository file (the finding's, else the first input file, line 1);
//! `ruleId`s are stable and listed in `tool.driver.rules` with their
//! `security-severity`; `partialFingerprints` hash the resource, rule and
//! flow class; `runAutomationDetails.id` is the report's `run_id`. Built
//! with `serde-sarif`'s types, generated from the 2.1.0 schema.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Location as SarifLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingDescriptor, Result as SarifResult, ResultLevel,
    Run, RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use super::findings::{Finding, FindingsReport, Severity, rule_doc};

/// The schema GitHub and other readers expect in `$schema`.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key: bump the version if the hash input changes.
pub const FINGERPRINT_KEY: &str = "reachFinding/v1";

impl FindingsReport {
    pub fn to_sarif(&self) -> String {
        let failed: Vec<&Finding> = self.findings.iter().filter(|f| !f.passed).collect();
        // Each rule used, once, with the highest severity it was reported at.
        let mut rules: BTreeMap<&str, Severity> = BTreeMap::new();
        for f in &failed {
            let s = rules.entry(&f.rule_id).or_insert(f.severity);
            *s = (*s).max(f.severity);
        }
        let rules: Vec<ReportingDescriptor> = rules
            .into_iter()
            .map(|(id, severity)| {
                let doc = rule_doc(id);
                ReportingDescriptor::builder()
                    .id(id)
                    .name(id.rsplit('/').next().unwrap_or(id))
                    .short_description(text(doc.short))
                    .full_description(text(doc.full))
                    .properties(properties(severity))
                    .build()
            })
            .collect();
        let results: Vec<SarifResult> = failed.iter().map(|f| self.result(f)).collect();
        let driver = ToolComponent::builder()
            .name("reach")
            .semantic_version(env!("CARGO_PKG_VERSION"))
            .rules(rules)
            .build();
        let run = Run::builder()
            .tool(Tool::builder().driver(driver).build())
            .automation_details(
                RunAutomationDetails::builder()
                    .id(self.run_id.clone())
                    .build(),
            )
            .results(results)
            .build();
        let log = Sarif::builder()
            .schema(SCHEMA)
            .version(serde_json::json!("2.1.0"))
            .runs(vec![run])
            .build();
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
            + "\n"
    }

    fn result(&self, f: &Finding) -> SarifResult {
        let (file, line) = match &f.location {
            Some(l) => (l.file.clone(), l.line.max(1)),
            None => (
                self.inputs.first().cloned().unwrap_or_else(|| ".".into()),
                1,
            ),
        };
        let location = SarifLocation::builder()
            .physical_location(
                PhysicalLocation::builder()
                    .artifact_location(ArtifactLocation::builder().uri(file).build())
                    .region(Region::builder().start_line(i64::from(line)).build())
                    .build(),
            )
            .build();
        let mut message = f.message.clone();
        if let Some(r) = &f.resource {
            message += &format!(
                " (at {r}{})",
                f.rule
                    .as_ref()
                    .map(|x| format!(", {x}"))
                    .unwrap_or_default()
            );
        }
        SarifResult::builder()
            .rule_id(f.rule_id.clone())
            .level(match f.severity {
                Severity::Critical | Severity::High => ResultLevel::Error,
                Severity::Medium => ResultLevel::Warning,
                Severity::Low | Severity::None => ResultLevel::Note,
            })
            .message(
                Message::builder()
                    .text(message)
                    .markdown(format!("{}\n\n```text\n{}\n```", f.message, f.details))
                    .build(),
            )
            .locations(vec![location])
            .partial_fingerprints(BTreeMap::from([(
                FINGERPRINT_KEY.to_string(),
                fingerprint(f),
            )]))
            .properties(properties(f.severity))
            .build()
    }
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

fn properties(s: Severity) -> PropertyBag {
    PropertyBag::builder()
        .tags(vec!["security".to_string(), "network".to_string()])
        .additional_properties(BTreeMap::from([(
            "security-severity".to_string(),
            serde_json::json!(s.score()),
        )]))
        .build()
}

/// A stable hash (64-bit FNV-1a, hex) of what identifies a finding across
/// runs: its rule ID, resource, rule within the resource and flow class.
pub fn fingerprint(f: &Finding) -> String {
    let key = [
        f.rule_id.as_str(),
        f.resource.as_deref().unwrap_or(""),
        f.rule.as_deref().unwrap_or(""),
        f.flow_class.as_str(),
    ]
    .join("\u{1f}");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
