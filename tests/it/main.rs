//! The one integration-test binary: fixtures, CLI output, bad input.

mod access_paths;
mod assert;
mod bad_input;
mod ci_example;
mod cli;
mod client_vpn;
mod diff;
mod differential;
mod exposure;
mod exposure_html;
#[cfg(feature = "fetch")]
mod fetch;
mod fixtures;
mod formats;
mod fuzz;
mod inputs;
mod ipv6_only;
mod lint;
mod load;
mod models;
mod output;
#[cfg(feature = "z3")]
mod prove;
mod queries;
mod real_accounts;
mod semantics;
mod sg_rule_ids;
mod support;
mod synth;
mod tgw;
mod verified_access;
mod who;
