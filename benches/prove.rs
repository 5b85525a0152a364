//! The engine vs the z3 cross-check on the same queries: `engine` =
//! `Query::resolve_with` + `engine::check`; `z3` = `prove::cross_check` with
//! `Z3Solver` on that analysis (encoding, three solver calls per scope, and
//! the replay of every packet found through the engine). Queries: the example
//! models' (models/*.yaml) and a few on a small generated snapshot
//! (`generate::Params::small()`).
//!
//! `cargo bench --features z3 --bench prove -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use reach::engine::{self, Query, QueryOptions, QuerySpec};
use reach::generate::{self, Params};
use reach::ingest::Loader;
use reach::model::Network;
use reach::prove::{self, z3::Z3Solver};

const G001: &str = "97674c7a-e0a1-7031-5c3e-0c1b2d3e4f50";
const G002: &str = "3704ba58-70c1-70e4-2c8f-5d2e1a9b7c61";
const DEV: &str = "95671c31-dev";

/// (label, model file, groups, query).
const MODEL_QUERIES: &[(&str, &str, &[&str], &str)] = &[
    (
        "two-tier/bastion_ssh",
        "two-tier.yaml",
        &[],
        "i-bastion->10.0.2.35:22",
    ),
    (
        "two-tier/internet_ssh",
        "two-tier.yaml",
        &[],
        "internet->203.0.113.10:22",
    ),
    (
        "two-tier/app_nat_443",
        "two-tier.yaml",
        &[],
        "i-app->93.184.216.34:443",
    ),
    (
        "seed-001/ssh_group",
        "seed-001-saml-nat.yaml",
        &[G001],
        "client->172.25.1.10:22",
    ),
    (
        "seed-001/nat_443_group",
        "seed-001-saml-nat.yaml",
        &[G001],
        "client->142.250.196.100:443",
    ),
    (
        "seed-001/ssh_every_user",
        "seed-001-saml-nat.yaml",
        &[],
        "client->172.25.1.10:22",
    ),
    (
        "seed-002/ssh_group",
        "seed-002-saml-group-split.yaml",
        &[G002],
        "client->10.0.1.10:22",
    ),
    (
        "seed-002/ssh_every_user",
        "seed-002-saml-group-split.yaml",
        &[],
        "client->10.0.1.10:22",
    ),
    (
        "seed-004/ssh",
        "seed-004-cert-split.yaml",
        &[],
        "client->192.168.1.63:22",
    ),
    (
        "seed-004/http",
        "seed-004-cert-split.yaml",
        &[],
        "client->192.168.1.63:80",
    ),
    (
        "seed-000/va_ssh",
        "seed-000-va-tcp-ssh.yaml",
        &[],
        "client->10.0.2.35:22",
    ),
    (
        "seed-000/va_ssh_group",
        "seed-000-va-tcp-ssh.yaml",
        &[DEV],
        "client->10.0.2.35:22",
    ),
];

fn load_model(file: &str) -> Network {
    let mut l = Loader::new();
    l.add_model_path(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(file),
    )
    .expect("model loads");
    l.finish().expect("model lowers")
}

fn load_generated(p: &Params) -> Network {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in generate::snapshot(p) {
        std::fs::write(dir.path().join(name), text).expect("write snapshot");
    }
    let mut l = Loader::new();
    l.add_snapshot_path(dir.path())
        .expect("generated snapshot reads");
    l.finish().expect("generated snapshot loads")
}

fn resolve(net: &Network, groups: &[&str], query: &str) -> Query {
    let opts = QueryOptions {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..QueryOptions::default()
    };
    Query::resolve_with(net, QuerySpec::parse(query).expect("parses"), &opts).expect("resolves")
}

fn pair(c: &mut Criterion, label: &str, net: &Network, groups: &[&str], query: &str) {
    // Agree once before timing (a disagreement is a bug, not a benchmark).
    let analysis = engine::check(net, resolve(net, groups, query));
    let proof = prove::cross_check(net, &analysis, &mut Z3Solver::new())
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    assert_eq!(proof.verdict, analysis.verdict, "{label}");
    let mut g = c.benchmark_group(label);
    g.bench_function("engine", |b| {
        b.iter(|| black_box(engine::check(net, resolve(net, groups, query))))
    });
    g.bench_function("z3", |b| {
        b.iter(|| {
            black_box(prove::cross_check(net, &analysis, &mut Z3Solver::new()).expect("z3 agrees"))
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let mut nets: Vec<(&str, Network)> = Vec::new();
    for (label, file, groups, query) in MODEL_QUERIES {
        if !nets.iter().any(|(f, _)| f == file) {
            nets.push((file, load_model(file)));
        }
        let net = &nets.iter().find(|(f, _)| f == file).expect("loaded").1;
        pair(c, label, net, groups, query);
    }
    let p = Params::small();
    let net = load_generated(&p);
    for (name, query) in generate::named_queries(&p) {
        pair(c, &format!("small/{name}"), &net, &[], &query);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
