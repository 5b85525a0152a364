//! Loading (issue 16 item 3): the parallel load against the sequential one
//! (same network, same warnings, same first error), and `--cache DIR`: a hit
//! answers like a fresh load, a changed input or a corrupt cache file is
//! noticed (a warning, never an error).

use std::path::{Path, PathBuf};

use reach::ingest::Loader;

use super::cli::{Run, reach};
use super::support::root;

/// Inputs with something of every family: bundled models, AWS CLI JSON
/// test data, the Batfish fixtures when present.
fn inputs() -> Vec<(&'static str, PathBuf)> {
    let mut v = vec![
        ("--model", root().join("models/two-tier.yaml")),
        ("--model", root().join("models/hub-and-spoke.yaml")),
        ("--model", root().join("models/seed-003-ad-onprem.yaml")),
        ("--snapshot", root().join("tests/data/real-account")),
        ("--snapshot", root().join("tests/data/access-json")),
        ("--snapshot", root().join("tests/data/seed-003-json")),
        ("--snapshot", root().join("tests/data/tgw")),
    ];
    for f in ["nat-gateway", "public-subnet", "vpc-peering"] {
        let dir = root().join("../shared/fixtures/batfish").join(f);
        if dir.is_dir() {
            v.push(("--snapshot", dir));
        }
    }
    v
}

fn load(path: &Path, mut l: Loader) -> Result<String, String> {
    l.add_snapshot_path(path).map_err(|e| e.to_string())?;
    l.finish()
        .map(|net| format!("{net:#?}"))
        .map_err(|e| e.to_string())
}

/// The whole network (every map in order, warnings, skipped kinds, origins)
/// is the same loaded in parallel and one file after another.
#[test]
fn parallel_load_is_the_sequential_load() {
    for (_, path) in inputs() {
        let par = load(&path, Loader::new());
        let seq = load(&path, Loader::sequential());
        assert!(par.is_ok(), "{}: {par:?}", path.display());
        assert_eq!(par, seq, "{}", path.display());
    }
}

/// Loads run on rayon's own threads (a caller loading several inputs in
/// parallel) neither wait for themselves nor differ.
#[test]
fn loads_in_parallel_on_rayons_threads() {
    use rayon::prelude::*;
    let path = root().join("tests/data/real-account");
    let seq = load(&path, Loader::sequential()).unwrap();
    let n = 2 * rayon::current_num_threads();
    let all: Vec<String> = (0..n)
        .into_par_iter()
        .map(|_| load(&path, Loader::new()).unwrap())
        .collect();
    assert!(all.iter().all(|a| *a == seq));
}

/// Long lists (deserialized in parallel) and many files, at 1k interfaces.
#[cfg(feature = "generate")]
#[test]
fn parallel_load_is_the_sequential_load_at_1k() {
    use reach::generate::{Params, snapshot};
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in snapshot(&Params::org(1_000)) {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let par = load(dir.path(), Loader::new()).unwrap();
    let seq = load(dir.path(), Loader::sequential()).unwrap();
    assert!(par.contains("eni-"), "{}", &par[..200]);
    assert!(par == seq, "the parallel load differs at 1k");
}

/// Two bad files: the error is the first file's, in sorted order, whatever
/// finishes parsing first: the later file is malformed JSON (found while
/// parsing), the earlier one fails only when lowered (an item without its
/// CIDR), and the earlier one's is the error, naming file, resource and field.
#[test]
fn the_first_bad_file_is_the_one_reported() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<String> = (0..200)
        .map(|i| {
            format!(
                r#"{{"VpcId": "vpc-{i:04}", "CidrBlock": "10.{}.0.0/16"}}"#,
                i % 250
            )
        })
        .collect();
    // A long, good list first, so the parallel path is taken within the file.
    let mut good = items.join(",");
    good.push_str(r#",{"VpcId": "vpc-bad"}"#);
    std::fs::write(
        dir.path().join("a.json"),
        format!(r#"{{"Vpcs": [{good}]}}"#),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.json"), r#"{"Subnets": [{"SubnetId": "#).unwrap();
    std::fs::write(dir.path().join("c.json"), r#"{"Vpcs": 3}"#).unwrap();
    let par = load(dir.path(), Loader::new()).unwrap_err();
    let seq = load(dir.path(), Loader::sequential()).unwrap_err();
    assert_eq!(par, seq);
    assert!(par.contains("a.json"), "{par}");
    assert!(par.contains("vpc `vpc-bad`"), "{par}");
    assert!(par.contains("field `CidrBlock`"), "{par}");
    // The CLI: exit 2, that message.
    let r = reach(&[
        "exposure",
        "--snapshot",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&par), "{}", r.stderr);

    // Without a.json, the malformed b.json is the first.
    std::fs::remove_file(dir.path().join("a.json")).unwrap();
    let par = load(dir.path(), Loader::new()).unwrap_err();
    assert_eq!(par, load(dir.path(), Loader::sequential()).unwrap_err());
    assert!(
        par.contains("b.json") && par.contains("invalid json"),
        "{par}"
    );
}

/// `reach ARGS… --format json` on `input`, with `extra` arguments.
fn run(cmd: &[&str], flag: &str, input: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&str> = cmd.to_vec();
    args.extend([flag, input.to_str().unwrap(), "--format", "json"]);
    args.extend(extra);
    reach(&args)
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A miss (which writes the cache) and a hit answer exactly like a load
/// without the cache: `exposure` and `lint` over every input, `check` and
/// `who` on a model; the hit prints no warning.
#[test]
fn a_cache_hit_answers_like_a_fresh_load() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().to_str().unwrap();
    let mut runs = 0;
    for (flag, input) in inputs() {
        for cmd in [&["exposure"][..], &["lint"][..]] {
            let fresh = run(cmd, flag, &input, &[]);
            let miss = run(cmd, flag, &input, &["--cache", c]);
            let hit = run(cmd, flag, &input, &["--cache", c]);
            for r in [&miss, &hit] {
                assert_eq!(
                    (r.code, &r.stdout),
                    (fresh.code, &fresh.stdout),
                    "{cmd:?} {}",
                    input.display()
                );
            }
            assert_eq!(hit.stderr, fresh.stderr, "{}", input.display());
            runs += 1;
        }
    }
    assert_eq!(cache_files(cache.path()).len(), inputs().len());
    let model = root().join("models/two-tier.yaml");
    for cmd in [
        &["check", "i-bastion->10.0.2.35:22"][..],
        &["check", "internet->203.0.113.10:22"][..],
        &["who", "10.0.2.35:22"][..],
    ] {
        let fresh = run(cmd, "--model", &model, &[]);
        let hit = run(cmd, "--model", &model, &["--cache", c]);
        assert_eq!(
            (hit.code, &hit.stdout, &hit.stderr),
            (fresh.code, &fresh.stdout, &fresh.stderr)
        );
        assert!(fresh.stdout.len() > 100, "{}", fresh.stdout);
    }
    assert!(runs > 10);
}

/// A snapshot directory copied to a temporary one.
fn copy_snapshot(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// Overwrites `file` with `text`, keeping its modification time.
fn rewrite_keeping_mtime(file: &Path, text: &[u8]) {
    let mtime = std::fs::metadata(file).unwrap().modified().unwrap();
    std::fs::write(file, text).unwrap();
    let f = std::fs::File::options().write(true).open(file).unwrap();
    f.set_modified(mtime).unwrap();
}

/// The cache is what answers on a hit (an input damaged behind its back,
/// same size and time, still answers), and a change of an input's size or
/// modification time is noticed: a warning, then the input's own answer
/// (here its error), then the cache rewritten.
#[test]
fn a_changed_input_invalidates_the_cache() {
    let snap = copy_snapshot(&root().join("tests/data/real-account"));
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().to_str().unwrap();
    let exposure = |extra: &[&str]| run(&["exposure"], "--snapshot", snap.path(), extra);
    let fresh = exposure(&[]);
    // Exposure's exit code: 1 when something is exposed.
    assert!(
        fresh.code < 2 && fresh.stdout.contains("eni-"),
        "{}",
        fresh.stderr
    );
    let miss = exposure(&["--cache", c]);
    assert_eq!(
        (miss.code, &miss.stdout, &miss.stderr),
        (fresh.code, &fresh.stdout, &fresh.stderr)
    );

    // Same size, same time, other bytes: not noticed (the key is size and
    // time), which shows the hit is the cache's answer.
    let file = snap.path().join("subnets.json");
    let original = std::fs::read(&file).unwrap();
    let mut broken = original.clone();
    broken[0] = b'[';
    rewrite_keeping_mtime(&file, &broken);
    assert_eq!(
        exposure(&[]).code,
        2,
        "the damaged file is an error without the cache"
    );
    let hit = exposure(&["--cache", c]);
    assert_eq!(
        (hit.code, &hit.stdout),
        (fresh.code, &fresh.stdout),
        "{}",
        hit.stderr
    );

    // Another modification time: stale.
    let f = std::fs::File::options().write(true).open(&file).unwrap();
    f.set_modified(
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000),
    )
    .unwrap();
    drop(f);
    let stale = exposure(&["--cache", c]);
    assert_eq!(stale.code, 2, "{}", stale.stderr);
    assert!(stale.stderr.contains("stale"), "{}", stale.stderr);
    assert_eq!(
        stale
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .count(),
        1
    );

    // Back to good bytes but another size (a trailing newline): stale, then
    // the new answer, then a hit again with no warning.
    let mut grown = original.clone();
    grown.push(b'\n');
    std::fs::write(&file, &grown).unwrap();
    let after = exposure(&["--cache", c]);
    assert_eq!((after.code, &after.stdout), (fresh.code, &fresh.stdout));
    assert!(after.stderr.contains("stale"), "{}", after.stderr);
    let again = exposure(&["--cache", c]);
    assert_eq!(
        (again.code, &again.stdout, &again.stderr),
        (fresh.code, &fresh.stdout, &fresh.stderr)
    );

    // A file added to the directory is a change too.
    std::fs::write(snap.path().join("extra.json"), r#"{"Vpcs": []}"#).unwrap();
    let added = exposure(&["--cache", c]);
    assert!(added.stderr.contains("stale"), "{}", added.stderr);
}

/// A damaged cache file (a byte changed, cut short, not a cache at all,
/// empty) is ignored with one warning, the exit code and output those of a
/// load without it, and rewritten.
#[test]
fn a_corrupt_cache_is_ignored_with_a_warning() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().to_str().unwrap();
    let model = root().join("models/two-tier.yaml");
    let q = ["check", "internet->203.0.113.10:22"];
    let fresh = run(&q, "--model", &model, &[]);
    assert_eq!(fresh.code, 1, "{}", fresh.stderr);
    run(&q, "--model", &model, &["--cache", c]);
    let files = cache_files(cache.path());
    assert_eq!(files.len(), 1);
    let file = &files[0];
    let good = std::fs::read(file).unwrap();
    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("a byte changed", {
            let mut b = good.clone();
            let mid = b.len() / 2;
            b[mid] ^= 0x55;
            b
        }),
        ("cut short", good[..good.len() - 20].to_vec()),
        ("not a cache", b"hello, world".to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in damages {
        std::fs::write(file, &bytes).unwrap();
        let r = run(&q, "--model", &model, &["--cache", c]);
        assert_eq!((r.code, &r.stdout), (fresh.code, &fresh.stdout), "{what}");
        let warnings: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect();
        assert_eq!(warnings.len(), 1, "{what}: {}", r.stderr);
        assert!(warnings[0].contains("corrupt"), "{what}: {}", r.stderr);
        assert_eq!(std::fs::read(file).unwrap(), good, "{what}: rewritten");
        let hit = run(&q, "--model", &model, &["--cache", c]);
        assert_eq!(
            (hit.code, &hit.stdout, &hit.stderr),
            (fresh.code, &fresh.stdout, &fresh.stderr)
        );
    }
    assert_eq!(cache_files(cache.path()), files, "no temporary file left");
}

/// A cache directory that cannot be written is a warning: the answer is the
/// same. Standard input is never cached.
#[test]
fn an_unwritable_cache_is_a_warning() {
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let c = blocker.path().to_str().unwrap();
    let model = root().join("models/two-tier.yaml");
    let q = ["check", "i-bastion->10.0.2.35:22"];
    let fresh = run(&q, "--model", &model, &[]);
    let r = run(&q, "--model", &model, &["--cache", c]);
    assert_eq!((r.code, &r.stdout), (fresh.code, &fresh.stdout));
    assert!(
        r.stderr.starts_with("warning: cannot write cache"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.lines().count(),
        1 + fresh.stderr.lines().count(),
        "{}",
        r.stderr
    );
}
