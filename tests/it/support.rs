//! Shared helpers: locating `../shared/fixtures`, loading, running checks.

use std::path::PathBuf;

use reach::engine::{self, QuerySpec};
use reach::ingest::Loader;
use reach::model::Network;
use reach::render::Report;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/fixtures/batfish/NAME`, or `None` (with a note) when the folder is
/// missing outside CI. Under `CI=true` a missing folder fails the test.
pub fn fixture(name: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/fixtures/batfish").join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("fixture folder {} is missing under CI=true", dir.display());
    }
    eprintln!("skipped: fixture folder {} is missing", dir.display());
    None
}

pub fn load_snapshot(dir: &std::path::Path) -> Network {
    let mut l = Loader::new();
    l.add_snapshot_path(dir).expect("snapshot loads");
    l.finish().expect("snapshot lowers")
}

pub fn load_model(name: &str) -> Network {
    load_model_path(&root().join("models").join(name))
}

pub fn load_model_path(path: &std::path::Path) -> Network {
    let mut l = Loader::new();
    l.add_model_path(path).expect("model loads");
    l.finish().expect("model lowers")
}

pub fn check(net: &Network, query: &str) -> Report {
    let spec = QuerySpec::parse(query).expect("query parses");
    let q = engine::Query::resolve(net, spec, None).expect("query resolves");
    Report::new(&engine::check(net, q), net)
}

/// Every hop of every path, forward and return, as `component rule` lines.
pub fn all_hops(r: &Report) -> Vec<String> {
    r.paths
        .iter()
        .flat_map(|p| p.hops.iter().chain(p.return_hops.iter()))
        .map(|h| format!("{} {}", h.component, h.rule))
        .collect()
}
