//! Differential testing: random small snapshots and queries, answered by the
//! engine (packet sets), by a brute-force concrete simulator (`sim.rs`, one
//! packet at a time) and, with the `z3` feature, by the z3 cross-check.
//! The answers must agree.
//!
//! `REACH_DIFF_CASES` (default 500) sets the number of random snapshots (each
//! with 4 queries), `REACH_DIFF_SEED` (hex `0x…` or decimal) the seed; the
//! line `differential: N cases, seed 0x…` is always printed. A failure is
//! shrunk and written out as a regression file: copy it into
//! `tests/data/differential/`, where `differential_regressions` replays every
//! file on every run.
//!
//! The simulator resolves each query itself (spec9 A, G, H: address family,
//! primary ENI, state); the engine's and the simulator's resolution must
//! agree on which queries are input errors. Both answer, then z3. The final
//! line counts every verdict kind: each must appear, and with 500 cases or
//! more at least 10% of the resolved queries must be `partial`. Two more
//! lines count what the access paths exercised: client-to-client queries
//! (Client VPN `local` routes), users in several groups (every combination
//! of the named groups), and Verified Access endpoints whose generated Cedar
//! policies (restricted `has`/`&&` forms the simulator reads itself) let a
//! user through.
//!
//! For development: `REACH_DIFF_SURVEY=1` counts disagreements by kind
//! instead of stopping at the first (every one is written under
//! `target/tmp/differential-survey/`, and the simulator's own verdict counts
//! are printed); `REACH_DIFF_Z3=0` skips z3; `REACH_SIM_TRACE=1` prints every
//! simulated walk, `=2` counts why unreachable queries were dropped;
//! `REACH_DIFF_SANE` (0-1, default 0.85) is how often a snapshot is a
//! working network whose filters only narrow.

mod sim;
mod snapshot;

use std::cell::RefCell;
use std::io::Write as _;
use std::path::Path;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use reach::engine::{self, Analysis, QueryOptions, QuerySpec, Verdict};
use reach::ingest::Loader;
use reach::model::Network;

use crate::support;

fn load(yaml: &str) -> Result<Network, String> {
    let mut l = Loader::new();
    l.add_yaml("differential.yaml", yaml)
        .map_err(|e| e.to_string())?;
    l.finish().map_err(|e| e.to_string())
}

/// The simulator's own resolution of `q` (`Err`: resolving must fail, exit 2).
fn sim_resolve(net: &Network, q: &snapshot::Query) -> Result<sim::Ask, String> {
    let spec = QuerySpec::parse(&q.text).map_err(|e| e.to_string())?;
    sim::resolve(net, &spec, q.src_port, &q.groups)
}

/// The third answer: z3 (`reach::prove::cross_check`), when built with it.
/// `Ok(None)`: not checked (a part of the model the encoding does not cover);
/// `Err`: z3 and the engine disagree, or z3 gave no answer.
#[cfg(feature = "z3")]
fn z3_verdict(net: &Network, analysis: &Analysis) -> Result<Option<Verdict>, String> {
    use reach::prove::{self, ProveError, z3::Z3Solver};
    match prove::cross_check(net, analysis, &mut Z3Solver::new()) {
        Ok(proof) => Ok(Some(proof.verdict)),
        Err(ProveError::Unsupported(_)) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The third answer: z3 (`reach::prove`), when built with it.
#[cfg(not(feature = "z3"))]
fn z3_verdict(net: &Network, analysis: &Analysis) -> Result<Option<Verdict>, String> {
    let _ = (net, analysis);
    Ok(None)
}

/// What one query gave.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// Resolution failed, as it must.
    Error,
    Agreed(Verdict),
}

/// Engine vs simulator (vs z3) on one query; `Err` describes a disagreement.
fn compare(net: &Network, q: &snapshot::Query, stats: &mut Stats) -> Result<Answer, String> {
    let opts = QueryOptions {
        src_ports: q.src_port,
        groups: q.groups.clone(),
        via: None,
        context: None,
    };
    let resolved =
        QuerySpec::parse(&q.text).and_then(|s| engine::Query::resolve_with(net, s, &opts));
    let ask = match (resolved, sim_resolve(net, q)) {
        (Err(_), Err(_)) => return Ok(Answer::Error),
        (Err(e), Ok(_)) => return Err(format!("`{}`: resolution failed: {e}", q.line())),
        (Ok(_), Err(why)) => {
            return Err(format!("`{}`: resolved, but must fail ({why})", q.line()));
        }
        (Ok(query), Ok(ask)) => (query, ask),
    };
    let (query, ask) = ask;
    let want = sim::verdict(net, &ask);
    stats.sim_verdicts[verdict_index(want)] += 1;
    let analysis = engine::check(net, query.clone());
    let got = analysis.verdict;
    if got != want {
        return Err(format!(
            "`{}`: engine says {}, simulator says {}",
            q.line(),
            got.name(),
            want.name()
        ));
    }
    if std::env::var("REACH_DIFF_Z3").is_ok_and(|v| v == "0") {
        return Ok(Answer::Agreed(got));
    }
    let started = std::time::Instant::now();
    let z3 = z3_verdict(net, &analysis).map_err(|e| format!("`{}`: {e}", q.line()))?;
    stats.z3_time += started.elapsed();
    if let Some(z) = z3 {
        stats.z3 += 1;
        if z != got {
            return Err(format!(
                "`{}`: engine says {}, z3 says {}",
                q.line(),
                got.name(),
                z.name()
            ));
        }
    }
    Ok(Answer::Agreed(got))
}

#[derive(Default, Debug)]
struct Stats {
    cases: usize,
    queries: usize,
    errors: usize,
    verdicts: [usize; 4],
    /// The simulator's verdicts, agreed or not.
    sim_verdicts: [usize; 4],
    /// Queries z3 cross-checked, and the time it took.
    z3: usize,
    z3_time: std::time::Duration,
    /// `REACH_DIFF_SURVEY=1`: disagreements are counted (with a first
    /// example each), not failed on, so one run shows them all.
    survey: bool,
    /// Interfaces whose `who` answer (asked with their class) was compared
    /// with their own check.
    who: usize,
    who_shared: usize,
    who_gathered: usize,
    /// (address, protocol) pairs of `exposure` compared with their own check.
    exposure: usize,
    /// Changed networks whose fast `diff` was compared with the reference
    /// way, and the flow changes compared.
    diffs: usize,
    diff_flows: usize,
    /// Queries naming an interface at an address (`eni-…@ADDRESS`):
    /// answered alike, and input errors to both.
    eni_at: usize,
    eni_at_errors: usize,
    /// Queries to an IPv6-only interface named by its ID, answered alike.
    v6_only: usize,
    disagreements: std::collections::BTreeMap<String, (usize, String)>,
}

/// `net` with one change, by `n`: a security group's inbound or outbound
/// rule removed, or one or two of a network ACL's inbound or outbound
/// entries removed (the kinds `diff` narrows differently); `None` when
/// there is none.
fn mutated(net: &Network, n: usize) -> Option<Network> {
    let mut after = net.clone();
    match n % 3 {
        0 | 1 => {
            let groups: Vec<String> = net.security_groups.keys().cloned().collect();
            let g = after
                .security_groups
                .get_mut(groups.get((n / 3) % groups.len().max(1))?)?;
            let rules = if n.is_multiple_of(3) {
                &mut g.ingress
            } else {
                &mut g.egress
            };
            if rules.is_empty() {
                return None;
            }
            // Any rule, not only the first (a rule some sources of a
            // subnet match and others not).
            rules.remove((n / 5) % rules.len());
        }
        _ => {
            let acls: Vec<String> = net.network_acls.keys().cloned().collect();
            let a = after
                .network_acls
                .get_mut(acls.get((n / 3) % acls.len().max(1))?)?;
            // Either direction (outbound entries filter replies too), any
            // entry, and sometimes the next one too (two changed entries).
            let entries = if (n / 3).is_multiple_of(2) {
                &mut a.inbound
            } else {
                &mut a.outbound
            };
            if entries.is_empty() {
                return None;
            }
            let at = (n / 5) % entries.len();
            entries.remove(at);
            if !(n / 7).is_multiple_of(2) && at < entries.len() {
                entries.remove(at);
            }
        }
    }
    after.reindex();
    Some(after)
}

fn verdict_index(v: Verdict) -> usize {
    match v {
        Verdict::Reachable => 0,
        Verdict::Unreachable => 1,
        Verdict::Partial => 2,
        Verdict::Unknown => 3,
    }
}

fn check_case(case: &snapshot::Case, stats: &mut Stats) -> Result<(), String> {
    let net = load(&case.yaml).map_err(|e| format!("generated model does not load: {e}"))?;
    stats.cases += 1;
    // `who` asks classes of interfaces together: member by member, it must
    // answer as each member's own check (which the simulator checks below).
    if let Some(q) = case.queries.first()
        && let Ok(spec) = QuerySpec::parse(&q.text)
    {
        // As the query writes it (`eni-…@ADDRESS`, an IPv6 address in
        // brackets).
        let dst = spec.dst.to_string();
        let (n, shared, gathered) =
            crate::who::who_matches_per_interface(&net, &dst, spec.protocol, spec.ports)
                .map_err(|e| format!("`who`: {e}"))?;
        stats.who += n;
        stats.who_shared += shared;
        stats.who_gathered += gathered;
        // And toward an interface whose groups admit only a part of the
        // sources (`sg-narrow-*`): most sources do not reach it, some only
        // as far as something the input lacks.
        if let Some(narrow) = net
            .interfaces
            .values()
            .find(|i| i.groups.iter().any(|g| g.starts_with("sg-narrow-")) && i.id != dst)
        {
            let (n, shared, gathered) =
                crate::who::who_matches_per_interface(&net, &narrow.id, spec.protocol, spec.ports)
                    .map_err(|e| format!("`who` toward {}: {e}", narrow.id))?;
            stats.who += n;
            stats.who_shared += shared;
            stats.who_gathered += gathered;
        }
    }
    // `diff` skips what no change can touch and walks sources a subnet at a
    // time: one change (cycling through kinds) against the reference way.
    if let Some(after) = mutated(&net, stats.cases) {
        stats.diff_flows += crate::diff::fast_diff_matches_full(&net, &after)
            .map_err(|e| format!("`diff`: {e}"))?;
        stats.diffs += 1;
        // And the other way: a rule added (the destination's groups may
        // admit none of the packets asked before: `diff` walks after first
        // and skips the walks before that can find nothing).
        stats.diff_flows += crate::diff::fast_diff_matches_full(&after, &net)
            .map_err(|e| format!("`diff` the other way: {e}"))?;
        stats.diffs += 1;
    }
    // `exposure` walks the internet toward every public address at once:
    // address by address, it must answer as each address's own check.
    let x = reach::exposure::exposure(&net, reach::exposure::From::Internet)
        .map_err(|e| format!("`exposure`: {e}"))?;
    stats.exposure += crate::exposure::internet_share_matches_checks(&net, &x)
        .map_err(|e| format!("`exposure`: {e}"))?;
    for q in &case.queries {
        stats.queries += 1;
        let at = q
            .text
            .split_once("->")
            .is_some_and(|(_, d)| d.contains('@'));
        // The destination an IPv6-only interface named by its ID.
        let v6_only = q
            .text
            .split_once("->")
            .and_then(|(_, d)| d.split(':').next())
            .and_then(|id| net.interfaces.get(id))
            .is_some_and(|i| i.private_ips.is_empty());
        match compare(&net, q, stats) {
            Ok(Answer::Error) => {
                stats.errors += 1;
                stats.eni_at_errors += usize::from(at);
            }
            Ok(Answer::Agreed(v)) => {
                stats.verdicts[verdict_index(v)] += 1;
                stats.eni_at += usize::from(at);
                stats.v6_only += usize::from(v6_only);
            }
            Err(e) if stats.survey => {
                // Survey mode: count the disagreement and go on.
                let key = e.split_once("`: ").map_or(e.as_str(), |x| x.1);
                let key = key.split_once("; packet").map_or(key, |x| x.0).to_string();
                let text = regression_text(
                    &snapshot::Case {
                        yaml: case.yaml.clone(),
                        queries: vec![q.clone()],
                    },
                    &e,
                );
                let n = stats.disagreements.entry(key).or_insert((0, String::new()));
                if n.0 == 0 {
                    n.1 = text.clone();
                }
                n.0 += 1;
                // Every one, for sorting by cause.
                let all = Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential-survey/all");
                let _ = std::fs::create_dir_all(&all);
                let k = stats.disagreements.values().map(|x| x.0).sum::<usize>();
                if k <= 500 {
                    let _ = std::fs::write(all.join(format!("{k:04}.yaml")), text);
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A regression file: the queries as `# query:` lines, then the model.
fn regression_text(case: &snapshot::Case, note: &str) -> String {
    let mut s = format!("# differential regression: {note}\n");
    for q in &case.queries {
        s.push_str(&format!("# query: {}\n", q.line()));
    }
    s.push_str(&case.yaml);
    s
}

fn parse_regression(text: &str) -> snapshot::Case {
    snapshot::Case {
        yaml: text.to_string(),
        queries: text
            .lines()
            .filter_map(|l| l.strip_prefix("# query: "))
            .map(snapshot::Query::parse_line)
            .collect(),
    }
}

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

#[test]
fn engine_and_simulator_agree() {
    let cases = env_number("REACH_DIFF_CASES").unwrap_or(500) as u32;
    let seed = env_number("REACH_DIFF_SEED").unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970");
        (t.as_nanos() as u64) ^ u64::from(std::process::id()).rotate_left(32)
    });
    announce(&format!(
        "differential: {cases} cases, seed {seed:#018x} (REACH_DIFF_CASES, REACH_DIFF_SEED)"
    ));
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes(),
        );
    }
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    let _ =
        std::fs::remove_dir_all(Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential-survey"));
    let stats = RefCell::new(Stats {
        survey: std::env::var("REACH_DIFF_SURVEY").is_ok_and(|v| v == "1"),
        ..Stats::default()
    });
    let started = std::time::Instant::now();
    let result = runner.run(&snapshot::spec(), |spec| {
        let case = snapshot::render(&spec);
        check_case(&case, &mut stats.borrow_mut()).map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, spec)) => {
            let case = snapshot::render(&spec);
            let text = regression_text(&case, &format!("seed {seed:#018x}: {reason}"));
            let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("differential-{seed:016x}.yaml"));
            let saved = std::fs::write(&path, &text).is_ok();
            panic!(
                "differential: seed {seed:#018x}: {reason}\n{}minimal case:\n{text}",
                if saved {
                    format!(
                        "saved as {} (copy it into tests/data/differential/)\n",
                        path.display()
                    )
                } else {
                    String::new()
                }
            );
        }
        Err(e) => panic!("differential: seed {seed:#018x}: {e}"),
    }
    let s = stats.into_inner();
    announce(&format!(
        "differential: {} snapshots, {} queries: {} resolution errors (as expected), reachable {}, unreachable {}, partial {}, unknown {}; z3 cross-checked {} queries ({} ms){}; {:.1} s in all",
        s.cases,
        s.queries,
        s.errors,
        s.verdicts[0],
        s.verdicts[1],
        s.verdicts[2],
        s.verdicts[3],
        s.z3,
        s.z3_time.as_millis(),
        if cfg!(feature = "z3") {
            ""
        } else {
            " (built without the z3 feature)"
        },
        started.elapsed().as_secs_f64()
    ));
    announce(&format!(
        "differential: `who` answered as each interface's own check for {} interface-target pairs ({} of them in a class of several interfaces asked together, {} in classes of other groups walked together)",
        s.who, s.who_shared, s.who_gathered
    ));
    announce(&format!(
        "differential: `exposure` (the internet toward every public address in one walk) answered as each address's own check for {} address-protocol pairs",
        s.exposure
    ));
    announce(&format!(
        "differential: fast `diff` agreed with the reference way on {} changed networks ({} flow changes)",
        s.diffs, s.diff_flows
    ));
    announce(&format!(
        "differential: {} queries named an interface at an address (`eni-…@ADDRESS`) and were answered alike, {} more were input errors to both",
        s.eni_at, s.eni_at_errors
    ));
    announce(&format!(
        "differential: {} queries to an IPv6-only interface named by its ID (no private IPv4 address: at its IPv6 address) were answered alike",
        s.v6_only
    ));
    // The generator writes the form (about one query in fifteen resolves):
    // a run of CI's size that met none has lost it.
    if s.cases >= 200 {
        assert!(
            s.eni_at > 0 && s.eni_at_errors > 0,
            "no `eni-…@ADDRESS` query answered ({}) or refused ({})",
            s.eni_at,
            s.eni_at_errors
        );
    }
    announce(&format!(
        "differential: {} client queries to another client's address (client-to-client; {} users reached it through a `local` route), {} users in several groups answered for",
        sim::CLIENT_TO_CLIENT.load(std::sync::atomic::Ordering::Relaxed),
        sim::CLIENT_TO_CLIENT_REACHED.load(std::sync::atomic::Ordering::Relaxed),
        sim::MULTI_GROUP_USERS.load(std::sync::atomic::Ordering::Relaxed),
    ));
    announce(&format!(
        "differential: {} Verified Access endpoint-user pairs permitted by the (generated) Cedar policies toward the destination, {} of them reachable",
        sim::VA_PERMITTED.load(std::sync::atomic::Ordering::Relaxed),
        sim::VA_REACHED.load(std::sync::atomic::Ordering::Relaxed),
    ));
    announce(&format!(
        "differential: {} simulated packet walks entered a transit gateway, {} of them left it into a VPC, {} toward on-premises",
        sim::TGW_ENTERED.load(std::sync::atomic::Ordering::Relaxed),
        sim::TGW_INTO_VPC.load(std::sync::atomic::Ordering::Relaxed),
        sim::TGW_ONPREM.load(std::sync::atomic::Ordering::Relaxed),
    ));
    if s.survey {
        announce(&format!(
            "simulator verdicts: reachable {}, unreachable {}, partial {}, unknown {}",
            s.sim_verdicts[0], s.sim_verdicts[1], s.sim_verdicts[2], s.sim_verdicts[3]
        ));
    }
    for (why, n) in sim::REASONS.lock().expect("not poisoned").iter() {
        announce(&format!("sim dropped x{n}: {why}"));
    }
    if !s.disagreements.is_empty() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential-survey");
        let mut kinds: Vec<_> = s.disagreements.iter().collect();
        kinds.sort_by_key(|(_, (n, _))| std::cmp::Reverse(*n));
        for (k, (key, (n, example))) in kinds.iter().enumerate() {
            let path = dir.join(format!("{k:03}.yaml"));
            let _ = std::fs::write(&path, example);
            announce(&format!(
                "disagreement x{n}: {key} (example: {})",
                path.display()
            ));
        }
        panic!("{} kinds of disagreement", s.disagreements.len());
    }
    // Not vacuous: most queries are real checks, and the verdicts vary.
    let checked = s.queries - s.errors;
    assert!(
        checked * 10 >= s.queries * 6,
        "only {checked} of {} queries resolved",
        s.queries
    );
    if cases >= 100 {
        for (i, name) in ["reachable", "unreachable", "partial", "unknown"]
            .iter()
            .enumerate()
        {
            assert!(s.verdicts[i] > 0, "no {name} verdict in the run: {s:?}");
        }
    }
    if cases >= 500 {
        assert!(
            s.verdicts[2] * 10 >= checked,
            "only {} of {checked} resolved queries are partial (at least 10% must be)",
            s.verdicts[2]
        );
    }
}

#[test]
fn differential_regressions() {
    let dir = support::root().join("tests/data/differential");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/differential exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression files in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable");
        let case = parse_regression(&text);
        assert!(
            !case.queries.is_empty(),
            "{}: no `# query:` line",
            f.display()
        );
        let mut stats = Stats::default();
        if let Err(e) = check_case(&case, &mut stats) {
            failures.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generated_queries_round_trip_through_the_regression_form() {
    let q = snapshot::Query {
        text: "client->10.0.1.10:22/tcp".into(),
        groups: vec!["g1".into()],
        src_port: Some((1024, 65535)),
    };
    assert_eq!(snapshot::Query::parse_line(&q.line()), q);
}
