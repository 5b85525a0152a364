//! The error of `reach lint`: an option it cannot honour.

/// What `lint` refuses, naming the value given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LintError {
    /// `--only` names a kind that does not exist.
    #[error("unknown lint kind `{kind}`: expected one of {expected}")]
    UnknownKind { kind: String, expected: String },
}
