//! The report as JSON: the `Report` serialized as it is (complete; the
//! fields are documented in `schema/check.json` and the README).

use super::report::Report;

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
