//! `reach`: an offline verifier of AWS network reachability.
//!
//! Layers, bottom up: [`hs`] (packet-set algebra, knows nothing of AWS),
//! [`model`] (validated network data), [`ingest`] (file formats into the model),
//! [`engine`] (walks packet sets through the model), [`prove`] (cross-checks
//! the engine's verdicts with an SMT solver, z3 behind the `z3` feature),
//! [`render`] (output types). `generate` (synthetic snapshots for benchmarks)
//! is behind the `generate` feature; `fetch` (live snapshots through the EC2
//! API, IO like `ingest`) behind the `fetch` feature.
//! The binary's `cli` module is the only place with `anyhow`.

pub mod assert;
pub mod diff;
pub mod engine;
pub mod explain;
pub mod exposure;
#[cfg(feature = "fetch")]
pub mod fetch;
#[cfg(feature = "generate")]
pub mod generate;
pub mod hs;
pub mod ingest;
pub mod lint;
pub mod model;
pub mod prove;
pub mod render;
pub mod synth;
pub mod who;
