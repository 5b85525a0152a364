//! The one error type of ingest. Every message names the file; resource
//! problems also name the resource (`kind `id`` or `Key[index]`) and the field.

/// An input problem. Messages are one lowercase line, user input in backticks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// The file or directory could not be read.
    #[error("`{file}`: {message}")]
    Io { file: String, message: String },
    /// Malformed JSON or YAML (with line/column from the parser), or a
    /// document that is not a mapping at the top.
    #[error("`{file}`: {message}")]
    Parse { file: String, message: String },
    /// A field of a resource is missing, mistyped, unknown or invalid.
    /// `resource` is ready to print: ``subnet `subnet-1` `` or `Subnets[3]`.
    #[error("`{file}`: {resource}: field `{field}`: {message}")]
    Field {
        file: String,
        resource: String,
        field: String,
        message: String,
    },
    /// A resource names another (`kind` `id`) that the input does not hold.
    #[error("`{file}`: {resource}: field `{field}`: no {kind} `{id}` in the input")]
    UnknownRef {
        file: String,
        resource: String,
        field: String,
        kind: String,
        id: String,
    },
}

impl IngestError {
    /// The file the problem is in.
    pub fn file(&self) -> &str {
        match self {
            IngestError::Io { file, .. }
            | IngestError::Parse { file, .. }
            | IngestError::Field { file, .. }
            | IngestError::UnknownRef { file, .. } => file,
        }
    }
}

/// ``kind `id` ``, the way messages name a resource.
pub(crate) fn resource(kind: &str, id: &str) -> String {
    format!("{kind} `{id}`")
}

/// Shorthand for a `Field` error.
pub(crate) fn field_err(
    file: &str,
    resource: &str,
    field: impl Into<String>,
    message: impl Into<String>,
) -> IngestError {
    IngestError::Field {
        file: file.to_string(),
        resource: resource.to_string(),
        field: field.into(),
        message: one_line(&message.into()),
    }
}

/// Messages are one line.
pub(crate) fn one_line(s: &str) -> String {
    if s.contains('\n') {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        s.to_string()
    }
}

/// Turns a serde field-error (after `serde_path_to_error`) into `(field, message)`:
/// `missing field `X`` at path `a.b` becomes field `a.b.X`, message `missing`.
pub(crate) fn split_serde(path: &str, message: &str) -> (String, String) {
    let message = one_line(message);
    if let Some(rest) = message.strip_prefix("missing field `")
        && let Some(end) = rest.find('`')
    {
        let name = &rest[..end];
        let tail = rest[end + 1..].trim_start();
        let field = join_path(path, name);
        let msg = if tail.is_empty() {
            "missing".to_string()
        } else {
            format!("missing {tail}")
        };
        return (field, msg);
    }
    let field = if path.is_empty() {
        ".".to_string()
    } else {
        path.to_string()
    };
    (field, message)
}

pub(crate) fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}
