//! The policy file parsed and validated into [`Policy`]: untyped YAML
//! first (syntax errors, names for a bad assertion), then the typed shape;
//! native assertions (`native.rs`) and access analyzer scopes at the top
//! of the file or under `NetworkInsightsAccessScopeContent` (`naa.rs`).
//! Every error names the file, the assertion (index and name) and the
//! field. No IO: `cli` reads the file.

use serde_json::Value;

use super::error::AssertError;
use super::fields::Cx;
use super::naa::naa;
use super::native::native;
use super::policy::Policy;
use super::shape::{PolicyY, ScopeY};

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses and validates a policy document; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Policy, AssertError> {
    let parse_err = |message: String| AssertError::Parse {
        file: file.to_string(),
        message,
    };
    // Untyped first: syntax errors, and names for a bad assertion.
    let value: Value = serde_saphyr::from_str(text).map_err(|e| {
        parse_err(format!(
            "invalid yaml: {}",
            one_line(&e.without_snippet().to_string())
        ))
    })?;
    if !matches!(value, Value::Object(_)) {
        return Err(parse_err(
            "expected a mapping with `assertions:` (or an access analyzer scope: `MatchPaths:`) at the top".into(),
        ));
    }
    let mut path = None;
    let typed = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize::<_, PolicyY>(de).map_err(|e| {
            path = Some(e.path().clone());
            e.into_inner()
        })
    });
    let raw = match typed {
        Ok(p) => p,
        Err(e) => {
            let segs: Vec<serde_path_to_error::Segment> = path
                .map(|p| p.iter().cloned().collect())
                .unwrap_or_default();
            return Err(shape_error(
                file,
                &value,
                &segs,
                &one_line(&e.without_snippet().to_string()),
            ));
        }
    };
    let mut assertions = Vec::new();
    for (i, a) in raw.assertions.into_iter().enumerate() {
        let cx = Cx {
            file,
            index: i,
            name: a.name.clone().unwrap_or_else(|| format!("assertion {i}")),
            at: format!("assertions[{i}]"),
        };
        assertions.push(native(&cx, a)?);
    }
    let top = ScopeY {
        id: raw.id,
        match_paths: raw.match_paths,
        exclude_paths: raw.exclude_paths,
    };
    let scopes = [
        ("", top),
        (
            "NetworkInsightsAccessScopeContent.",
            raw.content.unwrap_or_default(),
        ),
    ];
    for (prefix, scope) in scopes {
        if scope.match_paths.is_none() && scope.exclude_paths.is_none() {
            continue;
        }
        let index = assertions.len();
        let cx = Cx {
            file,
            index,
            name: scope
                .id
                .clone()
                .unwrap_or_else(|| format!("access scope of {file}")),
            at: prefix.trim_end_matches('.').to_string(),
        };
        let (m, x) = (scope.match_paths, scope.exclude_paths);
        assertions.push(naa(&cx, prefix, m, x)?);
    }
    if assertions.is_empty() {
        return Err(parse_err("no assertion: `assertions:` is empty".into()));
    }
    let mut names = std::collections::BTreeSet::new();
    for a in &assertions {
        if !names.insert(a.name.clone()) {
            return Err(AssertError::Field {
                file: file.to_string(),
                index: a.index,
                name: a.name.clone(),
                field: "name".into(),
                message: "another assertion has this name".into(),
            });
        }
    }
    Ok(Policy {
        file: file.to_string(),
        assertions,
    })
}

/// A shape error: the assertion (index, name) and field from the path.
fn shape_error(
    file: &str,
    value: &Value,
    segs: &[serde_path_to_error::Segment],
    message: &str,
) -> AssertError {
    use serde_path_to_error::Segment;
    let field_of = |rest: &[Segment]| {
        let mut s = String::new();
        for seg in rest {
            match seg {
                Segment::Map { key } => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(key);
                }
                Segment::Seq { index } => s.push_str(&format!("[{index}]")),
                _ => {}
            }
        }
        s
    };
    // serde names the unknown field in the message; the path ends above it.
    let message = message.to_string();
    match segs {
        [Segment::Map { key }, Segment::Seq { index }, rest @ ..] if key == "assertions" => {
            let name = value
                .get("assertions")
                .and_then(|a| a.get(index))
                .and_then(|a| a.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("assertion {index}"));
            AssertError::Field {
                file: file.to_string(),
                index: *index,
                name,
                field: if rest.is_empty() {
                    "(assertion)".into()
                } else {
                    field_of(rest)
                },
                message,
            }
        }
        _ => AssertError::Parse {
            file: file.to_string(),
            message: if segs.is_empty() {
                message
            } else {
                format!("field `{}`: {message}", field_of(segs))
            },
        },
    }
}
