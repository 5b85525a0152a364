//! `reach check --queries FILE`: one line per query, in input order. JSON
//! Lines: each answer is the object `--format json` prints for that query,
//! with the FILE line it came from in front (`line`); a query that fails is
//! `{"line", "query": {"text"}, "error"}`, so `.query.text` reads on every
//! line. Text: `LINE: VERDICT: SRC -> DST:PORT/PROTO` (the first line of the
//! single query's text), or `LINE: error: …`.

use serde::Serialize;

use super::report::Report;

#[derive(Serialize)]
struct Answered<'a> {
    line: usize,
    #[serde(flatten)]
    report: &'a Report,
}

#[derive(Serialize)]
struct Failed<'a> {
    line: usize,
    query: FailedQuery<'a>,
    error: &'a str,
}

#[derive(Serialize)]
struct FailedQuery<'a> {
    text: &'a str,
}

fn compact<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("cannot write json: {e}") }).to_string()
    })
}

impl Report {
    /// The answer as one JSON line (no newline): `line`, then this report's fields.
    pub fn to_json_line(&self, line: usize) -> String {
        compact(&Answered { line, report: self })
    }

    /// The answer as one text line (no newline): `LINE: VERDICT: SRC -> DST:PORT/PROTO`,
    /// and what the solver proved under `--prove`.
    pub fn to_text_line(&self, line: usize, color: bool) -> String {
        let mut o = format!("{line}: {}", self.verdict_line(color));
        if let Some(p) = &self.proof {
            o += &format!(" ({})", p.line());
        }
        o
    }
}

/// A query that could not be answered, as one JSON line (no newline).
pub fn error_json_line(line: usize, query: &str, error: &str) -> String {
    compact(&Failed {
        line,
        query: FailedQuery { text: query },
        error,
    })
}

/// A query that could not be answered, as one text line (no newline).
pub fn error_text_line(line: usize, query: &str, error: &str) -> String {
    format!("{line}: error: `{query}`: {error}")
}
