//! Findings as a markdown pull-request comment: a heading, the summary, a
//! table (status, name, severity, resource), then a collapsed `<details>`
//! per failed finding with its explanation in a fenced block.

use std::fmt::Write;

use super::findings::FindingsReport;

/// A table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A fence longer than any run of backticks in `body`.
fn fence(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

impl FindingsReport {
    pub fn to_markdown(&self) -> String {
        let mut o = String::new();
        let failed = self.failures();
        let status = if failed == 0 {
            "✅ passed"
        } else {
            "❌ failed"
        };
        let _ = writeln!(o, "## {}: {status}\n", cell(&self.title));
        for (k, v) in &self.summary {
            let _ = writeln!(o, "- **{}**: `{}`", cell(k), v.replace('`', "'"));
        }
        let _ = writeln!(
            o,
            "- **findings**: {} ({failed} failed)\n",
            self.findings.len()
        );
        o += "| status | name | severity | resource |\n| --- | --- | --- | --- |\n";
        for f in &self.findings {
            let resource = match (&f.resource, &f.rule) {
                (Some(r), Some(x)) => format!("`{r}` {x}"),
                (Some(r), None) => format!("`{r}`"),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                if f.passed { "✅ pass" } else { "❌ fail" },
                cell(&f.name),
                f.severity.name(),
                cell(&resource)
            );
        }
        for f in self.findings.iter().filter(|f| !f.passed) {
            let fence = fence(&f.details);
            let at = f
                .location
                .as_ref()
                .map(|l| format!("\n\nDefined at `{}` line {}.", l.file, l.line))
                .unwrap_or_default();
            let _ = write!(
                o,
                "\n<details><summary>{}</summary>\n\n{}{at}\n\n{fence}text\n{}\n{fence}\n\n</details>\n",
                html(&f.name),
                f.message,
                f.details.trim_end()
            );
        }
        o
    }
}

/// Text inside an HTML element.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
