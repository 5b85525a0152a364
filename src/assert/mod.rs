//! `reach assert POLICY.yaml`: invariants over a network, each answered
//! exactly from the engine's and `who`'s answers, with a witness packet.
//!
//! Stages, one file each: `policy.rs` (the policy file's shape, parsed and
//! validated; native assertions and AWS Network Access Analyzer scopes),
//! `select.rs` (selectors resolved against the network), `eval.rs`
//! (assertions evaluated: results as data). Knows no file format but its
//! policy, does no IO and never formats output (that is `render::assert`).

mod eval;
mod policy;
mod select;

pub use eval::{EXPLAINED_PER_ASSERTION, Finding, Outcome, Packet, Results, Status, evaluate};
pub use policy::{
    Assertion, Kind, PathFilter, Policy, Selector, Service, parse, parse_cidr, parse_selector,
};
pub use select::{Resolved, Source, Target};

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
