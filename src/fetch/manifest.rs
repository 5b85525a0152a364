//! Writing a region's snapshot: its documents, pretty-printed as the AWS CLI
//! prints them, and `reach-fetch.json`, the manifest (the calls made, how
//! many items each returned, which were denied and the warnings, the region,
//! the account, the time). Files a previous fetch into the same folder wrote
//! (listed by its manifest) are removed first, so nothing stale remains.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::{Map, Value, json};

use super::calls::Collected;
use super::error::FetchError;

/// The manifest's file name; its document's top-level key is `ReachFetch`.
pub const MANIFEST_FILE: &str = "reach-fetch.json";

/// What one region's fetch wrote.
#[derive(Clone, Debug)]
pub struct RegionReport {
    pub region: String,
    pub dir: PathBuf,
    pub account: Option<String>,
    pub calls: usize,
    pub files: usize,
    pub items: usize,
    pub warnings: Vec<String>,
}

fn write_file(path: &Path, value: &Value) -> Result<(), FetchError> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    std::fs::write(path, text).map_err(|source| FetchError::Write {
        path: path.to_owned(),
        source,
    })
}

/// The files an earlier manifest in `dir` lists (plain names only).
fn earlier_files(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST_FILE)) else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    v["ReachFetch"]["Calls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["File"].as_str())
        .filter(|f| f.ends_with(".json") && !f.contains(['/', '\\']) && !f.starts_with('.'))
        .map(str::to_owned)
        .collect()
}

pub(super) fn write(
    dir: &Path,
    region: &str,
    account: Option<String>,
    mut c: Collected,
) -> Result<RegionReport, FetchError> {
    std::fs::create_dir_all(dir).map_err(|source| FetchError::Write {
        path: dir.to_owned(),
        source,
    })?;
    for f in earlier_files(dir) {
        let _ = std::fs::remove_file(dir.join(f));
    }
    c.docs.sort_by(|a, b| a.file.cmp(&b.file));
    for d in &c.docs {
        write_file(&dir.join(&d.file), &d.value)?;
    }
    c.log
        .sort_by(|a, b| (a.call, &a.resource).cmp(&(b.call, &b.resource)));
    let mut calls = Vec::new();
    let mut warnings = Vec::new();
    let mut items = 0;
    for l in &c.log {
        let mut m = Map::new();
        m.insert("Call".into(), json!(l.call));
        m.insert("Action".into(), json!(format!("ec2:{}", l.call)));
        if let Some(r) = &l.resource {
            m.insert("Resource".into(), json!(r));
        }
        if let Some(f) = &l.file {
            m.insert("File".into(), json!(f));
            m.insert("Count".into(), json!(l.count));
            items += l.count;
        }
        if let Some(e) = &l.error {
            m.insert("Error".into(), json!(e));
        }
        if let Some(w) = &l.warning {
            warnings.push(w.clone());
        }
        calls.push(Value::Object(m));
    }
    let time = DateTime::from(SystemTime::now())
        .fmt(Format::DateTime)
        .unwrap_or_default();
    let manifest = json!({"ReachFetch": {
        "Version": 1,
        "Region": region,
        "Account": account,
        "Time": time,
        "Calls": calls,
        "Warnings": warnings,
    }});
    write_file(&dir.join(MANIFEST_FILE), &manifest)?;
    Ok(RegionReport {
        region: region.to_owned(),
        dir: dir.to_owned(),
        account,
        calls: c.log.len(),
        files: c.docs.len(),
        items,
        warnings,
    })
}
