//! `--prove`: z3 proves the engine's verdict on every fixture row and every
//! model query (and the same queries for every user group), or the test fails
//! with the disagreement.

use reach::engine::{self, QueryOptions, QuerySpec};
use reach::model::Network;
use reach::prove::{self, z3::Z3Solver};

use super::cli::reach;
use super::client_vpn::{SEED_CASES, load};
use super::fixtures::ALL;
use super::models::TWO_TIER;
use super::support::{fixture, load_model, load_snapshot};

/// Runs the engine and the prover; returns the (agreeing) verdict name.
fn proved(net: &Network, query: &str, groups: &[&str]) -> &'static str {
    let opts = QueryOptions {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..QueryOptions::default()
    };
    let q = engine::Query::resolve_with(net, QuerySpec::parse(query).expect("parses"), &opts)
        .expect("resolves");
    let a = engine::check(net, q);
    match prove::cross_check(net, &a, &mut Z3Solver::new()) {
        Ok(p) => {
            assert_eq!(p.verdict, a.verdict, "{query} {groups:?}");
            assert!(p.queries >= 3, "{query}: {p:?}");
            a.verdict.name()
        }
        Err(e) => panic!("{query} {groups:?}: {e}"),
    }
}

#[test]
fn every_fixture_row_is_proved() {
    for (folder, rows) in ALL {
        let Some(dir) = fixture(folder) else { continue };
        let net = load_snapshot(&dir);
        for r in *rows {
            assert_eq!(
                proved(&net, r.query, &[]),
                r.verdict,
                "{folder}: {}",
                r.query
            );
        }
    }
}

#[test]
fn every_model_query_is_proved() {
    let net = load_model("two-tier.yaml");
    for (q, want) in TWO_TIER {
        assert_eq!(proved(&net, q, &[]), *want, "{q}");
    }
    for (file, groups, q, want) in SEED_CASES {
        let net = load(file);
        assert_eq!(proved(&net, q, groups), *want, "{file} {groups:?} {q}");
        // And for every group the rules name plus a user in none (the aggregation).
        proved(&net, q, &[]);
    }
}

#[test]
fn more_queries_on_the_models_are_proved() {
    // Return-path, ICMP, UDP, IPv6-less and other-interface cases on the example network.
    let net = load_model("two-tier.yaml");
    for q in [
        "i-app->10.0.1.10:22",
        "i-bastion->10.0.2.35:80",
        "i-bastion->10.0.2.35:8/icmp",
        "i-bastion->10.0.2.35:53/udp",
        "i-bastion->eni-app:22",
        "internet->203.0.113.10:0-65535",
        "i-app->203.0.113.10:22",
    ] {
        proved(&net, q, &[]);
    }
}

#[test]
fn check_prove_prints_the_proof_and_prove_leads_with_it() {
    let r = reach(&[
        "check",
        "--prove",
        "--model",
        "models/two-tier.yaml",
        "i-bastion->10.0.2.35:22",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("reachable:"), "{}", r.stdout);
    assert!(
        r.stdout.contains("proof: z3 proved reachable ("),
        "{}",
        r.stdout
    );
    let r = reach(&[
        "prove",
        "--model",
        "models/two-tier.yaml",
        "internet->203.0.113.10:22",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("proof: z3 proved partial ("),
        "{}",
        r.stdout
    );
    let r = reach(&[
        "check",
        "--prove",
        "--format",
        "json",
        "--model",
        "models/seed-004-cert-split.yaml",
        "client->192.168.1.63:22",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["proof"]["solver"], "z3");
    assert_eq!(v["proof"]["verdict"], "reachable");
    assert_eq!(
        v["proof"]["scopes"][0]["endpoint"],
        "cvpn-endpoint-0ba1234567890c60d"
    );
}

/// An engine imprecision the prover found: the association subnet's address
/// the network picks must pass the server ACL both ways with ONE value (ssh in
/// only from 10.0/25, replies out only to 10.128/25). The engine used to say
/// `partial`; it now keeps the choice across filters and agrees on `unreachable`.
#[test]
fn the_engine_keeps_one_chosen_address_across_both_directions() {
    let file = "tests/data/seed-004-prove-split-subnet-halves.yaml";
    let r = reach(&["check", "--model", file, "client->192.168.1.63:22"]);
    assert!(r.stdout.starts_with("unreachable:"), "{}", r.stdout);
    let r = reach(&[
        "check",
        "--prove",
        "--model",
        file,
        "client->192.168.1.63:22",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("proof: z3 proved unreachable"),
        "{}",
        r.stdout
    );
}
