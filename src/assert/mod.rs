//! `reach assert POLICY.yaml`: invariants over a network, each answered
//! exactly from the engine's and `who`'s answers, with a witness packet.
//!
//! Stages: the policy (`policy.rs`: its types; read by `parse.rs` through
//! `shape.rs`, `fields.rs`, `native.rs` and `naa.rs`: native assertions
//! and AWS Network Access Analyzer scopes), `select.rs` (selectors resolved
//! against the network), `eval/` (assertions evaluated: results as data);
//! `error.rs`: [`AssertError`]. Knows no file format but its policy, does
//! no IO and never formats output (that is `render::assert`).

mod error;
mod eval;
mod fields;
mod naa;
mod native;
mod parse;
mod policy;
mod select;
mod shape;

pub use error::AssertError;
pub use eval::{EXPLAINED_PER_ASSERTION, Finding, Outcome, Packet, Results, Status, evaluate};
pub use fields::{parse_cidr, parse_selector};
pub use parse::parse;
pub use policy::{Assertion, Kind, PathFilter, Policy, Selector, Service};
pub use select::{Resolved, Source, Target};
