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

/// A copy of the AWS CLI JSON snapshot `snap` (relative to the checkout)
/// with `file` changed by `edit`, in a temporary folder that lives as long
/// as the returned guard.
pub fn snapshot_variant(
    snap: &str,
    file: &str,
    edit: impl Fn(&mut serde_json::Value),
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join(snap)).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let f = dir.path().join(file);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&f, v.to_string()).unwrap();
    dir
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
