//! Load and query times on a large synthetic snapshot
//! (`reach::generate::Params::large()`: 10k interfaces, 5k security groups,
//! 50k security-group rules, 1k network ACLs). Targets: load < 1 s, one check < 10 ms.
//!
//! `cargo bench --bench check`; `REACH_BENCH_SCALE=0.1` shrinks every size
//! (to see how times grow with size).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use reach::engine::{self, Query, QuerySpec};
use reach::generate::{self, Params};
use reach::ingest::Loader;
use reach::model::Network;

fn params() -> Params {
    let p = Params::large();
    let scale: f64 = std::env::var("REACH_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    if scale == 1.0 {
        return p;
    }
    let s = |n: usize| ((n as f64 * scale).round() as usize).max(1);
    Params {
        vpcs: p.vpcs,
        subnets: s(p.subnets),
        enis: s(p.enis),
        sgs: s(p.sgs),
        sg_rules: s(p.sg_rules),
        nacls: s(p.nacls),
        seed: p.seed,
        org: p.org,
    }
}

fn load(dir: &Path) -> Network {
    let mut l = Loader::new();
    l.add_snapshot_path(dir).expect("generated snapshot reads");
    l.finish().expect("generated snapshot loads")
}

fn bench(c: &mut Criterion) {
    let p = params();
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in generate::snapshot(&p) {
        std::fs::write(dir.path().join(name), text).expect("write snapshot");
    }

    let mut g = c.benchmark_group("load");
    // One load per sample: a load takes most of a second.
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("load", |b| b.iter(|| black_box(load(dir.path()))));
    g.finish();

    let net = load(dir.path());
    let mut g = c.benchmark_group("check");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (name, q) in generate::named_queries(&p) {
        let spec = QuerySpec::parse(&q).expect("generated query parses");
        g.bench_function(name, |b| {
            b.iter(|| {
                let query =
                    Query::resolve(&net, spec.clone(), None).expect("generated query resolves");
                black_box(engine::check(&net, query))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
