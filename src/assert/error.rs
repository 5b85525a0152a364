//! The error of `reach assert`: a policy that does not parse or cannot be
//! evaluated, naming the file, the assertion and the field.

/// A policy that does not parse or cannot be evaluated on the input. Every
/// message names the file; assertion problems name the assertion (index,
/// name) and the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssertError {
    /// Malformed YAML, or a problem outside any assertion.
    #[error("`{file}`: {message}")]
    Parse { file: String, message: String },
    /// A field of an assertion is missing, unknown or invalid, or selects
    /// what the input does not hold.
    #[error("`{file}`: assertion {index} `{name}`: field `{field}`: {message}")]
    Field {
        file: String,
        index: usize,
        name: String,
        field: String,
        message: String,
    },
    /// The engine refused a query the assertion asks.
    #[error("`{file}`: assertion {index} `{name}`: {message}")]
    Engine {
        file: String,
        index: usize,
        name: String,
        message: String,
    },
}
