//! Fuzzing of every input format, on the stable toolchain: the AWS CLI JSON
//! snapshot documents, the YAML model, the query (with `--src-port`,
//! `--group`, `--via`) and the `--context` JSON of Verified Access.
//!
//! Inputs are seeds mutated (`fuzz/mutate.rs`): every file under `models/`,
//! `tests/data/` and `../shared/fixtures/`. Each input runs as the CLI runs
//! it (load, then per query: parse, resolve, check, render text and JSON) in
//! a worker thread with the main thread's 8 MiB stack and a time limit. A
//! panic or a hang is a failure, saved under `target/fuzz-failures/` (input
//! documents in `docs/`, queries in `asks.json`, what happened in
//! `failure.txt`); an `Err` is what bad input should give, and is counted.
//! Copy a saved failure into `tests/data/fuzz-regressions/`, where
//! `fuzz::regressions` replays every case on every run.
//!
//! Environment: `REACH_FUZZ_SECS` (default 5) seconds per target,
//! `REACH_FUZZ_TARGET` (`snapshot`, `yaml`, `query`, `context`) runs one
//! target only, `REACH_FUZZ_SEED` (hex `0x…` or decimal; default from the
//! clock) makes a run reproducible, `REACH_FUZZ_TIMEOUT` (default 10) is the
//! per-input limit in seconds, `REACH_FUZZ_INFLIGHT=1` writes every input to
//! `target/fuzz-failures/<target>-inflight/` before running it (for an input
//! that aborts the process, such as a stack overflow). Each target prints
//! `fuzz TARGET: seed …` first and its counts last, and leaves its slowest
//! input in `target/fuzz-failures/<target>-slowest/`.

mod mutate;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use proptest::prelude::RngExt;
use proptest::test_runner::{RngAlgorithm, TestRng};
use reach::engine::{self, QueryOptions, QuerySpec};
use reach::ingest::Loader;
use reach::model::Network;
use reach::render::Report;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use mutate::Pool;

use crate::support::root;

/// One query as given on the command line: the query and the options that
/// shape it, `--context` as the file's text.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Ask {
    query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    src_port: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<String>,
}

/// One input: documents (file name, bytes), loaded together, and the
/// queries to ask (`None`: a few derived from the loaded network).
#[derive(Clone, Debug, Default)]
struct Case {
    docs: Vec<(String, Vec<u8>)>,
    asks: Option<Vec<Ask>>,
}

/// What one input gave (errors are fine: they are counted).
#[derive(Default)]
struct Outcome {
    loaded: bool,
    asks: usize,
    errors: usize,
    verdicts: Vec<&'static str>,
}

/// Runs an input as `reach check` does, rendering every verdict as text
/// (plain and coloured) and JSON.
fn run_case(case: &Case) -> Outcome {
    let mut out = Outcome::default();
    let mut loader = Loader::new();
    for (name, bytes) in &case.docs {
        if loader.add_file_bytes(name, bytes).is_err() {
            return out;
        }
    }
    let Ok(net) = loader.finish() else {
        return out;
    };
    out.loaded = true;
    let asks = match &case.asks {
        Some(a) => a.clone(),
        None => derived_asks(&net),
    };
    for ask in &asks {
        out.asks += 1;
        match ask_one(&net, ask) {
            Some(v) => out.verdicts.push(v),
            None => out.errors += 1,
        }
    }
    out
}

/// One query, as `reach check` runs it; `None` where it gives an error.
fn ask_one(net: &Network, ask: &Ask) -> Option<&'static str> {
    let spec = QuerySpec::parse(&ask.query).ok()?;
    let src_ports = match &ask.src_port {
        Some(p) => Some(engine::parse_port_range(p).ok()?),
        None => None,
    };
    // As `read_context` in src/cli: a JSON object.
    let context = match &ask.context {
        Some(text) => {
            let value: Value = serde_json::from_str(text).ok()?;
            if !value.is_object() {
                return None;
            }
            Some(engine::va::UserContext {
                source: "context.json".into(),
                value,
            })
        }
        None => None,
    };
    let opts = QueryOptions {
        src_ports,
        groups: ask.groups.clone(),
        via: ask.via.clone(),
        context,
    };
    let q = engine::Query::resolve_with(net, spec, &opts).ok()?;
    let analysis = engine::check(net, q);
    if analysis.packets.is_empty() {
        return None;
    }
    let report = Report::new(&analysis, net);
    let _ = (
        report.to_json(),
        report.to_text(false),
        report.to_text(true),
        report.to_text_proof_first(false),
    );
    Some(analysis.verdict.name())
}

/// Queries about a network that loaded: between its first, middle and last
/// interfaces, from the internet, to the internet, and from a VPN or
/// Verified Access user when it has an endpoint.
fn derived_asks(net: &Network) -> Vec<Ask> {
    let ifs: Vec<_> = net.interfaces.values().collect();
    let ask = |q: String| Ask {
        query: q,
        ..Ask::default()
    };
    let mut asks = Vec::new();
    if ifs.is_empty() {
        asks.push(ask("internet->10.0.0.1:22".into()));
        return asks;
    }
    let addr = |i: &reach::model::Interface| -> String {
        match i
            .private_ips
            .first()
            .map(|p| p.address)
            .or(i.ipv6.first().copied())
        {
            Some(std::net::IpAddr::V6(a)) => format!("[{a}]"),
            Some(a) => a.to_string(),
            None => "10.0.0.1".into(),
        }
    };
    let (first, mid, last) = (ifs[0], ifs[ifs.len() / 2], ifs[ifs.len() - 1]);
    asks.push(ask(format!("{}->{}:22", first.id, addr(last))));
    asks.push(ask(format!("{}->{}:443", addr(mid), addr(first))));
    asks.push(ask(format!("{}->{}:53/udp", last.id, addr(mid))));
    asks.push(ask(format!("{}->{}:8/icmp", first.id, addr(mid))));
    let public = ifs
        .iter()
        .find_map(|i| i.private_ips.iter().find_map(|p| p.public))
        .map(|a| a.to_string())
        .unwrap_or_else(|| addr(last));
    asks.push(ask(format!("internet->{public}:22")));
    if let Some(inst) = ifs.iter().find_map(|i| i.instance.as_ref()) {
        asks.push(ask(format!("{inst}->93.184.216.34:443")));
    }
    if let Some(v6) = ifs.iter().find_map(|i| i.ipv6.first()) {
        asks.push(ask(format!("{}->[{v6}]:22", last.id)));
    }
    if !net.client_vpn_endpoints.is_empty() || !net.va_endpoints.is_empty() {
        asks.push(ask(format!("client->{}:22", addr(last))));
        asks.push(ask(format!("client->{}:443", addr(mid))));
    }
    asks
}

// ---------------------------------------------------------------------------
// Running one input: a worker thread, a time limit, panics caught.

const WORKER: &str = "fuzz-input";

thread_local! {
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic hook that, on a fuzz worker, records where and why (with a
/// backtrace) instead of printing; other threads keep the previous hook.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(WORKER) {
                return previous(info);
            }
            let at = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("(no message)");
            let trace = std::backtrace::Backtrace::force_capture();
            PANIC.with(|p| {
                *p.borrow_mut() = Some(format!("panicked at {at}: {msg}\n{trace}"));
            });
        }));
    });
}

enum Failure {
    /// The first line says where; then a backtrace.
    Panic(String),
    Hang(Duration),
}

impl Failure {
    /// What identifies the bug: the panic's place, or `hang`.
    fn key(&self) -> String {
        match self {
            // The place alone: one bug's messages vary with the input.
            Failure::Panic(text) => {
                let first = text.lines().next().unwrap_or_default();
                first
                    .split_once(": ")
                    .map_or(first, |(at, _)| at)
                    .to_string()
            }
            Failure::Hang(_) => "hang".into(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Failure::Panic(text) => text.clone(),
            Failure::Hang(limit) => format!("no result within {limit:?} (a hang)"),
        }
    }
}

fn run_guarded(case: Arc<Case>, limit: Duration) -> Result<Outcome, Failure> {
    install_panic_hook();
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(WORKER.into())
        .stack_size(8 << 20)
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(&case)));
            let r = r.map_err(|_| {
                PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| "panicked".into())
            });
            let _ = tx.send(r);
        })
        .expect("worker thread starts");
    match rx.recv_timeout(limit) {
        Ok(r) => {
            let _ = worker.join();
            r.map_err(Failure::Panic)
        }
        Err(RecvTimeoutError::Timeout) => Err(Failure::Hang(limit)),
        Err(RecvTimeoutError::Disconnected) => {
            Err(Failure::Panic("the worker ended without a result".into()))
        }
    }
}

// ---------------------------------------------------------------------------
// Saving and replaying cases.

fn failures_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("fuzz-failures")
}

fn save_case(dir: &Path, case: &Case, note: &str) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("docs"))?;
    for (i, (name, bytes)) in case.docs.iter().enumerate() {
        std::fs::write(dir.join("docs").join(format!("{i:02}-{name}")), bytes)?;
    }
    if let Some(asks) = &case.asks {
        let text = serde_json::to_string_pretty(asks).expect("asks serialize");
        std::fs::write(dir.join("asks.json"), text + "\n")?;
    }
    std::fs::write(dir.join("failure.txt"), note)
}

fn load_case(dir: &Path) -> Case {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("docs"))
        .map(|rd| rd.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    names.sort();
    let docs = names
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(p).expect("regression document"))
        })
        .collect();
    let asks = std::fs::read_to_string(dir.join("asks.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).expect("asks.json"));
    Case { docs, asks }
}

// ---------------------------------------------------------------------------
// Seeds and targets.

fn files_in(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        p.is_file()
            && p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
    });
    out.sort();
    out
}

fn read(p: &Path) -> (String, Vec<u8>) {
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    (name, std::fs::read(p).expect("seed file"))
}

/// `../shared/fixtures/batfish/*`: present beside the checkout in CI.
fn shared_fixture_dirs() -> Vec<PathBuf> {
    let base = root().join("../shared/fixtures/batfish");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    if dirs.is_empty() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{} is missing under CI=true", base.display());
        }
        eprintln!("fuzz: {} is missing: seeds without it", base.display());
    }
    dirs
}

/// The YAML seeds: models/, tests/data/*.yaml, tests/data/differential/.
fn yaml_seeds() -> Vec<(String, Vec<u8>)> {
    let r = root();
    let exts = ["yaml", "yml"];
    let mut files = files_in(&r.join("models"), &exts);
    files.extend(files_in(&r.join("tests/data"), &exts));
    files.extend(files_in(&r.join("tests/data/differential"), &exts));
    files.iter().map(|p| read(p)).collect()
}

fn parse_yaml(bytes: &[u8]) -> Option<Value> {
    serde_saphyr::from_str::<Value>(std::str::from_utf8(bytes).ok()?).ok()
}

/// Queries and their options from a seed's comments: the lines
/// `reach check [--group G] [--via E] [--src-port P] … 'QUERY'`.
fn asks_in_comments(text: &str) -> Vec<Ask> {
    let mut asks = Vec::new();
    for line in text.lines() {
        let Some((_, rest)) = line.split_once("reach check ") else {
            continue;
        };
        let rest = rest.split("=>").next().unwrap_or_default();
        let words: Vec<&str> = rest.split_whitespace().collect();
        let mut ask = Ask::default();
        let mut i = 0;
        while i < words.len() {
            let value = words.get(i + 1).map(|w| w.to_string());
            match words[i] {
                "--group" => ask.groups.extend(value),
                "--via" => ask.via = value,
                "--src-port" => ask.src_port = value,
                "--model" | "--snapshot" | "--context" => {}
                w => {
                    ask.query = w.trim_matches('\'').to_string();
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        if ask.query.contains("->") {
            asks.push(ask);
        }
    }
    asks
}

/// Verified Access models for the `--context` target: seed 000 with two
/// trust providers (Identity Center `idc`, Jamf `jamf`), a group policy and
/// maybe an endpoint policy that read trust data in many ways.
const GROUP_POLICIES: &[&str] = &[
    r#"permit(principal,action,resource) when { context.jamf.risk == "LOW" };"#,
    r#"permit(principal,action,resource) when { context.idc.groups has "95671c31-dev" && context.idc.user.email.address like "*@example.com" };"#,
    r#"permit(principal,action,resource) when { context has jamf && context.jamf has score && context.jamf.score < 5 && context.jamf.tags.contains("managed") };"#,
    r#"permit(principal,action,resource) unless { ip(context.jamf.addr).isInRange(ip("10.0.0.0/8")) };"#,
    r#"permit(principal,action,resource) when { decimal(context.jamf.version).greaterThan(decimal("1.5")) || context.jamf["odd key"] == [1, {"a": true}] };"#,
    r#"forbid(principal,action,resource) when { context.idc.user.user_id == "blocked" }; permit(principal,action,resource) when { context.idc has groups };"#,
    r#"permit(principal,action,resource) when { context.jamf.ip.isInRange(ip("10.0.0.0/8")) && context.idc.groups.isEmpty() == false };"#,
    "permit(principal,action,resource) when { true };",
];

const ENDPOINT_POLICIES: &[Option<&str>] = &[
    None,
    Some(r#"permit(principal,action,resource) when { context.jamf.risk != "HIGH" };"#),
    Some(
        r#"permit(principal,action,resource) when { context.http_request.http_method == "GET" };"#,
    ),
];

const CONTEXTS: &[&str] = &[
    r#"{"jamf": {"risk": "LOW"}}"#,
    r#"{"idc": {"groups": {"95671c31-dev": {"group_name": "dev"}}, "user": {"user_id": "u1", "user_name": "alice", "email": {"address": "alice@example.com", "verified": true}}}}"#,
    r#"{"jamf": {"score": 3, "tags": ["managed", "corp"], "addr": "10.1.2.3", "version": "2.0", "odd key": [1, {"a": true}], "risk": "MEDIUM"}}"#,
    r#"{"jamf": {"ip": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}}, "risk": "LOW"}, "idc": {"groups": {}}}"#,
    r#"{"http_request": {"http_method": "GET", "hostname": "x"}, "jamf": {"risk": "HIGH"}}"#,
    "{}",
];

fn context_model(group_policy: &str, endpoint_policy: Option<&str>) -> String {
    let text = std::fs::read_to_string(root().join("models/seed-000-va-tcp-ssh.yaml"))
        .expect("seed 000 model");
    let providers = "  - {id: vatp-0268c7f307ace7590, type: user, provider: iam-identity-center, reference: idc}\n";
    let instance = "  - {id: vai-0d25a84f343f84fe3, trust_providers: [vatp-0268c7f307ace7590]}\n";
    let policy = "    policy: |\n      permit(principal,action,resource)\n      when {\n          true\n      };\n";
    for part in [providers, instance, policy] {
        assert!(text.contains(part), "seed 000 changed: no `{part}`");
    }
    let mut text = text
        .replace(
            providers,
            &format!("{providers}  - {{id: vatp-0d0499jamf000001, type: device, provider: jamf, reference: jamf}}\n"),
        )
        .replace(
            instance,
            "  - {id: vai-0d25a84f343f84fe3, trust_providers: [vatp-0268c7f307ace7590, vatp-0d0499jamf000001]}\n",
        )
        .replace(policy, &format!("    policy: |\n      {group_policy}\n"));
    if let Some(p) = endpoint_policy {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("    policy: |\n      {p}\n"));
    }
    text
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Snapshot,
    Yaml,
    Query,
    Context,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Snapshot => "snapshot",
            Target::Yaml => "yaml",
            Target::Query => "query",
            Target::Context => "context",
        }
    }
}

/// A target's seeds and what mutations draw from.
struct Corpus {
    target: Target,
    /// Snapshot: the document sets (one per snapshot folder); YAML, query:
    /// one model each; context: the model variants.
    sets: Vec<Vec<(String, Vec<u8>)>>,
    /// Parsed seed documents (by set and document), for structure mutation.
    parsed: Vec<Vec<Option<Value>>>,
    /// Query: the asks found in each model's comments.
    asks: Vec<Vec<Ask>>,
    pool: Pool,
    contexts: Vec<Value>,
}

impl Corpus {
    fn new(target: Target) -> Corpus {
        let r = root();
        let mut sets: Vec<Vec<(String, Vec<u8>)>> = Vec::new();
        let mut contexts: Vec<Value> = Vec::new();
        match target {
            Target::Snapshot => {
                let mut dirs = vec![
                    r.join("tests/data/seed-003-json"),
                    r.join("tests/data/access-json"),
                    r.join("tests/data/real-account"),
                ];
                dirs.extend(shared_fixture_dirs());
                for d in dirs {
                    let docs: Vec<_> = files_in(&d, &["json"]).iter().map(|p| read(p)).collect();
                    assert!(!docs.is_empty(), "no JSON seeds in {}", d.display());
                    sets.push(docs);
                }
            }
            Target::Yaml | Target::Query => {
                sets = yaml_seeds().into_iter().map(|d| vec![d]).collect();
            }
            Target::Context => {
                for g in GROUP_POLICIES {
                    for e in ENDPOINT_POLICIES {
                        sets.push(vec![("va.yaml".into(), context_model(g, *e).into_bytes())]);
                    }
                }
                contexts = CONTEXTS
                    .iter()
                    .map(|c| serde_json::from_str(c).expect("context seed"))
                    .collect();
            }
        }
        let mut pool = Pool::default();
        let parsed: Vec<Vec<Option<Value>>> = sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|(name, bytes)| {
                        let v = if name.ends_with(".json") {
                            serde_json::from_slice(bytes).ok()
                        } else {
                            parse_yaml(bytes)
                        };
                        pool.add(bytes, v.as_ref());
                        v
                    })
                    .collect()
            })
            .collect();
        for c in &contexts {
            pool.add(c.to_string().as_bytes(), Some(c));
        }
        let asks: Vec<Vec<Ask>> = sets
            .iter()
            .map(|set| asks_in_comments(&String::from_utf8_lossy(&set[0].1)))
            .collect();
        for a in asks.iter().flatten() {
            pool.add_string(&a.query);
            a.groups.iter().for_each(|g| pool.add_string(g));
        }
        Corpus {
            target,
            sets,
            parsed,
            asks,
            pool,
            contexts,
        }
    }

    fn generate(&self, rng: &mut TestRng) -> Case {
        match self.target {
            Target::Snapshot => self.snapshot_case(rng),
            Target::Yaml => self.yaml_case(rng),
            Target::Query => self.query_case(rng),
            Target::Context => self.context_case(rng),
        }
    }

    /// A JSON document, mutated by structure, bytes or both.
    fn mutate_json(&self, rng: &mut TestRng, bytes: &[u8], parsed: Option<&Value>) -> Vec<u8> {
        let mode = rng.random_range(0..10);
        let mut out = match parsed {
            Some(v) if mode < 8 => {
                let mut v = v.clone();
                let n = mutate::count(rng);
                mutate::value(rng, &mut v, &self.pool, n);
                if rng.random_bool(0.5) {
                    serde_json::to_vec_pretty(&v).unwrap()
                } else {
                    serde_json::to_vec(&v).unwrap()
                }
            }
            _ => bytes.to_vec(),
        };
        if mode >= 6 {
            let n = mutate::count(rng);
            mutate::bytes(rng, &mut out, &self.pool, n);
        }
        out
    }

    /// A YAML model, mutated by structure, lines, bytes or a mix.
    fn mutate_yaml(&self, rng: &mut TestRng, bytes: &[u8], parsed: Option<&Value>) -> Vec<u8> {
        let mut out = match (rng.random_range(0..10), parsed) {
            (0..=4, Some(v)) => {
                let mut v = v.clone();
                let n = mutate::count(rng);
                mutate::value(rng, &mut v, &self.pool, n);
                serde_saphyr::to_string(&v)
                    .unwrap_or_else(|_| v.to_string())
                    .into_bytes()
            }
            (5..=7, _) => {
                let n = mutate::count(rng);
                mutate::lines(rng, &String::from_utf8_lossy(bytes), &self.pool, n).into_bytes()
            }
            _ => bytes.to_vec(),
        };
        if rng.random_bool(0.3) {
            let n = mutate::count(rng);
            mutate::bytes(rng, &mut out, &self.pool, n);
        }
        out
    }

    fn snapshot_case(&self, rng: &mut TestRng) -> Case {
        let s = rng.random_range(0..self.sets.len());
        let mut docs = self.sets[s].clone();
        // Mutate one or more documents.
        let n = if rng.random_bool(0.7) {
            1
        } else {
            rng.random_range(2..5)
        };
        for _ in 0..n {
            let d = rng.random_range(0..docs.len());
            docs[d].1 = self.mutate_json(rng, &docs[d].1, self.parsed[s][d].as_ref());
        }
        // Sometimes change the set: drop a document, load one twice, add one
        // from another snapshot, rename one to another format.
        match rng.random_range(0..12) {
            0 if docs.len() > 1 => {
                docs.remove(rng.random_range(0..docs.len()));
            }
            1 => {
                let (name, bytes) = docs[rng.random_range(0..docs.len())].clone();
                docs.push((format!("copy-{name}"), bytes));
            }
            2 => {
                let o = rng.random_range(0..self.sets.len());
                let (name, bytes) = mutate::pick(rng, &self.sets[o]).unwrap().clone();
                docs.push((format!("other-{name}"), bytes));
            }
            3 => {
                let d = rng.random_range(0..docs.len());
                let ext = mutate::pick(rng, &[".yaml", ".txt", ""]).unwrap();
                docs[d].0 = format!("{}{ext}", docs[d].0.trim_end_matches(".json"));
            }
            4 => {
                let d = rng.random_range(0..docs.len());
                docs[d].1 = encode(rng, &docs[d].1);
            }
            _ => {}
        }
        Case { docs, asks: None }
    }

    fn yaml_case(&self, rng: &mut TestRng) -> Case {
        let s = rng.random_range(0..self.sets.len());
        let (name, bytes) = &self.sets[s][0];
        let mut docs = vec![(
            name.clone(),
            self.mutate_yaml(rng, bytes, self.parsed[s][0].as_ref()),
        )];
        match rng.random_range(0..12) {
            // A second model, or a JSON snapshot beside it: merged.
            0 => {
                let o = rng.random_range(0..self.sets.len());
                let (name, bytes) = &self.sets[o][0];
                docs.push((format!("second-{name}"), bytes.clone()));
            }
            1 => {
                let d = &docs[0];
                docs[0] = (
                    format!("{}.json", d.0.trim_end_matches(".yaml")),
                    d.1.clone(),
                );
            }
            2 => docs[0].1 = encode(rng, &docs[0].1),
            _ => {}
        }
        Case { docs, asks: None }
    }

    fn query_case(&self, rng: &mut TestRng) -> Case {
        let s = rng.random_range(0..self.sets.len());
        let docs = self.sets[s].clone();
        let n = rng.random_range(1..4);
        let asks = (0..n).map(|_| self.mutated_ask(rng, s)).collect();
        Case {
            docs,
            asks: Some(asks),
        }
    }

    fn mutated_ask(&self, rng: &mut TestRng, s: usize) -> Ask {
        let p = &self.pool;
        let mut ask = match mutate::pick(rng, &self.asks[s]) {
            Some(a) if rng.random_bool(0.5) => a.clone(),
            _ => Ask {
                query: query_from_parts(rng, p),
                ..Ask::default()
            },
        };
        if rng.random_bool(0.4) {
            let mut b = ask.query.into_bytes();
            let n = mutate::count(rng);
            mutate::bytes(rng, &mut b, p, n);
            // Arguments are UTF-8 (clap refuses anything else) without NUL.
            ask.query = String::from_utf8_lossy(&b).replace('\0', "");
        }
        if rng.random_bool(0.2) {
            ask.src_port = mutate::pick(rng, PORTS).map(|s| s.to_string());
        }
        if rng.random_bool(0.3) {
            ask.groups.clear();
            for _ in 0..rng.random_range(0..4) {
                let g = if rng.random_bool(0.8) {
                    mutate::pick(rng, &p.strings).cloned().unwrap_or_default()
                } else {
                    String::new()
                };
                ask.groups.push(g);
            }
        }
        if rng.random_bool(0.2) {
            ask.via = mutate::pick(rng, &p.ids).cloned();
        }
        ask
    }

    fn context_case(&self, rng: &mut TestRng) -> Case {
        let s = rng.random_range(0..self.sets.len());
        let mut v = mutate::pick(rng, &self.contexts).unwrap().clone();
        let structured = rng.random_bool(0.8);
        if structured {
            let n = mutate::count(rng);
            mutate::value(rng, &mut v, &self.pool, n);
        }
        let mut text = if rng.random_bool(0.5) {
            serde_json::to_vec_pretty(&v).unwrap()
        } else {
            serde_json::to_vec(&v).unwrap()
        };
        if !structured || rng.random_bool(0.2) {
            let n = mutate::count(rng);
            mutate::bytes(rng, &mut text, &self.pool, n);
        }
        let groups = match rng.random_range(0..4) {
            0 => vec!["95671c31-dev".to_string()],
            1 => vec![
                mutate::pick(rng, &self.pool.strings)
                    .cloned()
                    .unwrap_or_default(),
            ],
            _ => Vec::new(),
        };
        let ask = Ask {
            query: mutate::pick(
                rng,
                &[
                    "client->10.0.2.35:22",
                    "client->10.0.2.35:22-23",
                    "client->10.0.2.116:22",
                ],
            )
            .unwrap()
            .to_string(),
            groups,
            via: rng
                .random_bool(0.2)
                .then(|| "vae-0818a4b1cbed80b83".to_string()),
            // `read_to_string`: a file that is not UTF-8 is an error before parsing.
            context: Some(String::from_utf8_lossy(&text).into_owned()),
            ..Ask::default()
        };
        Case {
            docs: self.sets[s].clone(),
            asks: Some(vec![ask]),
        }
    }
}

const PORTS: &[&str] = &[
    "0",
    "22",
    "443",
    "65535",
    "65536",
    "1-1024",
    "1024-1",
    "0-65535",
    "-",
    "-1",
    "22-",
    "00022",
    " 22",
    "+22",
    "٢٢",
    "4294967318",
    "",
    "1-2-3",
];

/// A query from odd parts: sources, destinations, ports, protocols.
fn query_from_parts(rng: &mut TestRng, pool: &Pool) -> String {
    let addr = |rng: &mut TestRng| -> String {
        match rng.random_range(0..8) {
            0..=2 => mutate::pick(rng, &pool.ips).cloned().unwrap_or_default(),
            3 | 4 => mutate::pick(rng, &pool.ids).cloned().unwrap_or_default(),
            5 => mutate::pick(
                rng,
                &[
                    "::",
                    "::1",
                    "0.0.0.0",
                    "255.255.255.255",
                    "2001:db8::1",
                    "fe80::1%2",
                    "10.0.0.1/24",
                    "localhost",
                    "",
                    " ",
                ],
            )
            .unwrap()
            .to_string(),
            _ => mutate::pick(
                rng,
                &[
                    "internet", "client", "Internet", "i-", "eni-", "i-0", "eni-0",
                ],
            )
            .unwrap()
            .to_string(),
        }
    };
    let src = addr(rng);
    let mut dst = addr(rng);
    if dst.contains(':') && rng.random_bool(0.7) {
        dst = format!("[{dst}]");
    }
    let port = mutate::pick(rng, PORTS).unwrap();
    let proto = mutate::pick(
        rng,
        &[
            "", "", "/tcp", "/udp", "/icmp", "/icmpv6", "/ICMP", "/", "/sctp", "/tcp/udp", "/-1",
        ],
    )
    .unwrap();
    let arrow = mutate::pick(rng, &["->", "->", "->", "-> ", " -> ", "->->", "-", "=>"]).unwrap();
    format!("{src}{arrow}{dst}:{port}{proto}")
}

/// The document re-encoded as a file might be: with a UTF-8 byte-order mark,
/// as UTF-16 with or without one, or cut inside a character.
fn encode(rng: &mut TestRng, bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let utf16 = |le: bool, bom: bool| -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        if bom {
            out.extend(if le { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
        }
        for u in text.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    };
    match rng.random_range(0..6) {
        0 => [&[0xEF, 0xBB, 0xBF][..], bytes].concat(),
        1 => utf16(true, true),
        2 => utf16(false, true),
        3 => utf16(true, false),
        4 => {
            let mut out = utf16(true, true);
            out.truncate(out.len().saturating_sub(1));
            out
        }
        _ => [&[0xEF, 0xBB][..], bytes].concat(),
    }
}

// ---------------------------------------------------------------------------
// The fuzz loop.

fn env_number(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let n = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(n.unwrap_or_else(|_| panic!("{name}: not a number: `{v}`")))
}

/// Always shown, even when the test harness captures output.
fn announce(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn rng_for(seed: u64, target: Target) -> TestRng {
    let salt = target as u64 + 1;
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = seed ^ (salt << 56) ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn time_limit() -> Duration {
    Duration::from_secs(env_number("REACH_FUZZ_TIMEOUT").unwrap_or(10))
}

fn fuzz(target: Target) {
    let name = target.name();
    if let Ok(only) = std::env::var("REACH_FUZZ_TARGET")
        && !only.split(',').any(|t| t.trim() == name)
    {
        announce(&format!("fuzz {name}: skipped (REACH_FUZZ_TARGET={only})"));
        return;
    }
    let secs = env_number("REACH_FUZZ_SECS").unwrap_or(5);
    let limit = time_limit();
    let seed = env_number("REACH_FUZZ_SEED").unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970");
        (t.as_nanos() as u64) ^ u64::from(std::process::id()).rotate_left(32)
    });
    let inflight = std::env::var("REACH_FUZZ_INFLIGHT").is_ok_and(|v| v == "1");
    announce(&format!(
        "fuzz {name}: seed {seed:#018x}, {secs} s, per-input limit {limit:?} (REACH_FUZZ_SEED, REACH_FUZZ_SECS, REACH_FUZZ_TIMEOUT)"
    ));
    let corpus = Corpus::new(target);
    let mut rng = rng_for(seed, target);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let mut found: BTreeMap<String, (usize, PathBuf)> = BTreeMap::new();
    let (mut inputs, mut loaded, mut asks, mut errors, mut slowest) =
        (0usize, 0usize, 0usize, 0usize, Duration::ZERO);
    let mut verdicts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut slowest_case = None;
    while Instant::now() < deadline {
        let case = Arc::new(corpus.generate(&mut rng));
        if inflight {
            let _ = save_case(
                &failures_dir().join(format!("{name}-inflight")),
                &case,
                &format!("input {inputs} of seed {seed:#018x}: running"),
            );
        }
        let t = Instant::now();
        let result = run_guarded(case.clone(), limit);
        if t.elapsed() > slowest {
            slowest = t.elapsed();
            slowest_case = Some((inputs, case.clone()));
        }
        inputs += 1;
        match result {
            Ok(out) => {
                loaded += usize::from(out.loaded);
                asks += out.asks;
                errors += out.errors;
                for v in out.verdicts {
                    *verdicts.entry(v).or_default() += 1;
                }
            }
            Err(f) => {
                let key = f.key();
                let hang = matches!(f, Failure::Hang(_));
                if let Some((n, _)) = found.get_mut(&key) {
                    *n += 1;
                    continue;
                }
                let dir = failures_dir().join(format!("{name}-{seed:016x}-{}", inputs - 1));
                let note = format!(
                    "fuzz {name}, seed {seed:#018x}, input {}: {}\n",
                    inputs - 1,
                    f.describe()
                );
                let _ = save_case(&dir, &case, &note);
                announce(&format!(
                    "fuzz {name}: FAILURE saved in {}\n{note}",
                    dir.display()
                ));
                found.insert(key, (1, dir));
                // A hung worker keeps its core: stop here.
                if hang || found.len() >= 20 {
                    break;
                }
            }
        }
    }
    // The slowest input, to look at where time goes.
    if let Some((i, case)) = slowest_case {
        let note = format!("fuzz {name}, seed {seed:#018x}, input {i}: the slowest, {slowest:?}\n");
        let _ = save_case(
            &failures_dir().join(format!("{name}-slowest")),
            &case,
            &note,
        );
    }
    let verdicts: Vec<String> = verdicts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    announce(&format!(
        "fuzz {name}: {inputs} inputs in {:.1} s (seed {seed:#018x}): {loaded} loaded, {asks} queries asked, {errors} of them errors, verdicts: {}; slowest input {:.0} ms; {} distinct failures",
        started.elapsed().as_secs_f64(),
        if verdicts.is_empty() {
            "none".into()
        } else {
            verdicts.join(", ")
        },
        slowest.as_secs_f64() * 1000.0,
        found.len(),
    ));
    assert!(
        found.is_empty(),
        "fuzz {name}: seed {seed:#018x}: {} distinct failures (panics or hangs):\n{}",
        found.len(),
        found
            .iter()
            .map(|(k, (n, d))| format!("  {k} ({n}x), saved in {}", d.display()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(inputs > 0, "fuzz {name}: no input ran");
    assert!(
        loaded > 0 || target == Target::Query,
        "fuzz {name}: no input loaded: the mutations are too coarse"
    );
}

#[test]
fn snapshot_json() {
    fuzz(Target::Snapshot);
}

#[test]
fn yaml_model() {
    fuzz(Target::Yaml);
}

#[test]
fn query() {
    fuzz(Target::Query);
}

#[test]
fn context_json() {
    fuzz(Target::Context);
}

/// Every case under `tests/data/fuzz-regressions/` (each a past failure)
/// runs without a panic or a hang. `REACH_FUZZ_REPLAY=DIR` replays that one
/// saved case instead, printing each query's outcome and time.
#[test]
fn regressions() {
    if let Ok(dir) = std::env::var("REACH_FUZZ_REPLAY") {
        return replay_verbose(Path::new(&dir));
    }
    let base = root().join("tests/data/fuzz-regressions");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    let mut failed = Vec::new();
    for d in &dirs {
        let case = Arc::new(load_case(d));
        assert!(!case.docs.is_empty(), "{}: no docs/", d.display());
        if let Err(f) = run_guarded(case, time_limit()) {
            failed.push(format!("{}: {}", d.display(), f.describe()));
        }
    }
    announce(&format!("fuzz regressions: {} cases replayed", dirs.len()));
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

fn replay_verbose(dir: &Path) {
    let case = load_case(dir);
    let t = Instant::now();
    let mut loader = Loader::new();
    for (name, bytes) in &case.docs {
        if let Err(e) = loader.add_file_bytes(name, bytes) {
            announce(&format!("{name}: {e}"));
        }
    }
    let net = match loader.finish() {
        Ok(net) => net,
        Err(e) => return announce(&format!("finish: {e} ({:?})", t.elapsed())),
    };
    announce(&format!("loaded in {:?}", t.elapsed()));
    for ask in case.asks.clone().unwrap_or_else(|| derived_asks(&net)) {
        let t = Instant::now();
        let v = ask_one(&net, &ask);
        announce(&format!("{ask:?}: {v:?} in {:?}", t.elapsed()));
    }
}

/// The seeds themselves load (the mutations start from working inputs),
/// and the `--context` models answer their seed contexts.
#[test]
fn seeds_load() {
    for target in [Target::Snapshot, Target::Yaml, Target::Context] {
        let c = Corpus::new(target);
        for set in &c.sets {
            let out = run_case(&Case {
                docs: set.clone(),
                asks: None,
            });
            let names: Vec<&str> = set.iter().map(|d| d.0.as_str()).collect();
            assert!(out.loaded, "{target:?} seed {names:?} does not load");
        }
    }
    let c = Corpus::new(Target::Context);
    let mut verdicts = BTreeMap::new();
    for set in &c.sets {
        for ctx in CONTEXTS {
            let out = run_case(&Case {
                docs: set.clone(),
                asks: Some(vec![Ask {
                    query: "client->10.0.2.35:22".into(),
                    context: Some(ctx.to_string()),
                    ..Ask::default()
                }]),
            });
            for v in out.verdicts {
                *verdicts.entry(v).or_insert(0) += 1;
            }
        }
    }
    assert!(
        verdicts.contains_key("reachable") && verdicts.contains_key("unreachable"),
        "{verdicts:?}"
    );
    let q = Corpus::new(Target::Query);
    assert!(q.asks.iter().flatten().count() >= 10, "few query seeds");
}

/// The binary never panics on mutated inputs of each format: exit 0, 1 or 2.
#[test]
fn cli_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs = 0;
    for target in [
        Target::Snapshot,
        Target::Yaml,
        Target::Query,
        Target::Context,
    ] {
        let corpus = Corpus::new(target);
        let mut rng = rng_for(0x5eed, target);
        for i in 0..4 {
            let case = corpus.generate(&mut rng);
            let case_dir = dir.path().join(format!("{}-{i}", target.name()));
            std::fs::create_dir_all(&case_dir).unwrap();
            let mut args: Vec<String> = vec!["check".into()];
            for (k, (name, bytes)) in case.docs.iter().enumerate() {
                let p = case_dir.join(format!("{k}-{name}"));
                std::fs::write(&p, bytes).unwrap();
                args.push("--snapshot".into());
                args.push(p.display().to_string());
            }
            let asks = case.asks.clone().unwrap_or_else(|| {
                vec![Ask {
                    query: "internet->10.0.0.1:22".into(),
                    ..Ask::default()
                }]
            });
            for (k, ask) in asks.iter().take(2).enumerate() {
                let mut a = args.clone();
                if let Some(p) = &ask.src_port {
                    a.extend(["--src-port".into(), p.clone()]);
                }
                for g in &ask.groups {
                    a.extend(["--group".into(), g.replace('\0', "")]);
                }
                if let Some(v) = &ask.via {
                    a.extend(["--via".into(), v.replace('\0', "")]);
                }
                if let Some(c) = &ask.context {
                    let p = case_dir.join(format!("context-{k}.json"));
                    std::fs::write(&p, c).unwrap();
                    a.extend(["--context".into(), p.display().to_string()]);
                }
                a.extend(["--".into(), ask.query.clone()]);
                let refs: Vec<&str> = a.iter().map(String::as_str).collect();
                let run = super::cli::reach(&refs);
                runs += 1;
                assert!(
                    (0..=2).contains(&run.code) && !run.stderr.contains("panicked"),
                    "reach {a:?}: exit {}\n{}",
                    run.code,
                    run.stderr
                );
            }
        }
    }
    assert!(runs >= 16);
}
