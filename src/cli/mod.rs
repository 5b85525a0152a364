//! Command line: clap parsing, reading inputs, printing, exit codes.
//! The only module that uses `anyhow`.
//!
//! Exit codes: 0 reachable, 1 unreachable / partial / unknown, 2 error
//! (including `engine and solver disagree` under `--prove`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use reach::engine::{self, QuerySpec, Verdict};
use reach::ingest::Locator;
use reach::model::Network;
use reach::prove;
use reach::render::{FindingsReport, Location, Report};

mod assert;
mod diff;
mod exposure;
mod fetch;
mod lint;
mod queries;
mod synth;
mod who;

#[derive(Parser, Debug)]
#[command(
    name = "reach",
    version,
    about = "Proves whether a client can reach a target port in AWS, and why not"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    /// SARIF 2.1.0 for GitHub code scanning: a failed check is a result at the
    /// line of the input file that defines what stops the packets.
    Sarif,
    /// JUnit XML: one test case, failed unless the flow is reachable.
    Junit,
    /// A pull-request comment: a summary table, then the explanation.
    Markdown,
}

#[derive(clap::Args, Debug)]
struct Inputs {
    /// AWS CLI `describe-*` JSON: a file or a directory (read recursively). Repeatable.
    #[arg(long = "snapshot", value_name = "PATH")]
    snapshots: Vec<PathBuf>,
    /// The project's YAML model of a network. Repeatable.
    #[arg(long = "model", value_name = "FILE")]
    models: Vec<PathBuf>,
    /// Keep the loaded network in DIR (default: $REACH_CACHE, if set); a
    /// later run over the same unchanged input files reads it instead.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
}

/// The options of `check` and `prove`.
#[derive(clap::Args, Debug)]
struct Ask {
    #[command(flatten)]
    inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Source ports of the client (default: the ephemeral range of whoever opens the connection).
    #[arg(long, value_name = "RANGE")]
    src_port: Option<String>,
    /// For `client`: a group of the user (SAML / AD group ID). Repeatable.
    /// Without it, the answer covers every group the authorization rules name.
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    /// For `client`: use only this access endpoint (`cvpn-endpoint-…` or `vae-…`).
    #[arg(long, value_name = "ENDPOINT")]
    via: Option<String>,
    /// For `client`: Verified Access trust data, a JSON object keyed by
    /// trust provider `PolicyReferenceName` (OIDC claims, device posture).
    #[arg(long, value_name = "FILE.json")]
    context: Option<PathBuf>,
    /// For `--format sarif|markdown`: Terraform files under DIR, where
    /// findings with a Terraform address point.
    #[arg(long, value_name = "DIR")]
    tf_root: Option<PathBuf>,
    /// Many queries after one load: FILE holds one QUERY a line (blank lines
    /// and `#` comments skipped; `-`: standard input). JSON Lines with
    /// `--format json` (each line the single query's object with its `line`),
    /// else a verdict line per query; a bad query is an error on its line
    /// (exit 2 at the end).
    #[arg(long, value_name = "FILE", conflicts_with = "query")]
    queries: Option<PathBuf>,
    /// `SRC->DST:PORT[/tcp|udp|icmp]`; SRC is an IP, i-…, eni-… or `internet`; DST an IP, i-… or eni-….
    #[arg(allow_hyphen_values = true, required_unless_present = "queries")]
    query: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Can SRC reach DST:PORT, both ways? `SRC->DST:PORT[/tcp|udp|icmp]`
    Check {
        #[command(flatten)]
        ask: Ask,
        /// Also prove the verdict with z3 (needs a build with `--features z3`);
        /// a disagreement with the engine is an error (exit 2).
        #[arg(long)]
        prove: bool,
    },
    /// `check --prove`, with the output leading with the proof.
    Prove {
        #[command(flatten)]
        ask: Ask,
    },
    /// Every source that reaches DST, as exact sets: `DST[:PORTS][/tcp|udp|icmp]`
    /// (no port: every port of tcp and udp and every ICMP type).
    Who(who::WhoArgs),
    /// Flows that became reachable or stopped between two networks, with the changes that caused them.
    Diff(diff::DiffArgs),
    /// Checks the invariants of a policy file (`must_reach`, `must_not_reach`,
    /// `only`, `consistent`, `no_exposure`, Network Access Analyzer scopes):
    /// exit 0 when all hold, 1 when any is violated or unknown.
    Assert(assert::AssertArgs),
    /// What in the rules is dead, redundant or broken: shadowed network ACL
    /// entries, covered security-group rules, rules that never match, Client
    /// VPN routes and authorization rules that do not work, blackhole routes,
    /// unused groups, missing ephemeral returns: exit 1 when anything is found.
    Lint(lint::LintArgs),
    /// What the internet and every access group can reach of every
    /// interface: ports, protocols, exact sources, the path, worst first
    /// (`--format html`: one self-contained page).
    Exposure(exposure::ExposureArgs),
    /// The fewest security-group rules, network ACL entries and Client VPN
    /// authorization rules that make exactly the intents reachable.
    Synth(synth::SynthArgs),
    /// The rules that can be removed or narrowed without losing an intent.
    Tighten(synth::TightenArgs),
    /// Writes a snapshot of live accounts through the EC2 API (`--region`,
    /// `--out DIR`): the AWS CLI JSON `--snapshot` reads, with a
    /// `reach-fetch.json` manifest; denied calls are warnings (build feature `fetch`).
    Fetch(fetch::FetchArgs),
}

/// The network of `--snapshot`/`--model` (through `--cache`). Never
/// dropped: the process ends with the command, and freeing a large network
/// one allocation at a time costs a noticeable share of a run (≈ 0.3 s at
/// 100k interfaces).
fn load(inputs: &Inputs) -> Result<std::mem::ManuallyDrop<Network>> {
    if inputs.snapshots.is_empty() && inputs.models.is_empty() {
        bail!("no input: give --snapshot PATH or --model FILE");
    }
    let cache = inputs.cache.clone().or_else(|| {
        std::env::var_os("REACH_CACHE")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
    });
    Ok(std::mem::ManuallyDrop::new(reach::ingest::load_inputs(
        &inputs.snapshots,
        &inputs.models,
        cache.as_deref(),
        &mut |w| eprintln!("warning: {w}"),
    )?))
}

/// Reads `--context FILE.json`: a JSON object.
fn read_context(path: &std::path::Path) -> Result<engine::va::UserContext> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("`{file}`: cannot read"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("`{file}`: invalid json: {e}"))?;
    if !value.is_object() {
        bail!("`{file}`: --context: expected a json object keyed by trust provider reference name");
    }
    Ok(engine::va::UserContext {
        source: file,
        value,
    })
}

fn run(cli: Cli) -> Result<Verdict> {
    let (ask, prove, proof_first) = match cli.command {
        Command::Check { ask, prove } => (ask, prove, false),
        Command::Prove { ask } => (ask, true, true),
        Command::Who(args) => return who::run(args),
        Command::Diff(args) => return diff::run(args),
        Command::Assert(args) => return assert::run(args),
        Command::Lint(args) => return lint::run(args),
        Command::Exposure(args) => return exposure::run(args),
        Command::Synth(args) => return synth::run_synth(args),
        Command::Tighten(args) => return synth::run_tighten(args),
        Command::Fetch(args) => return fetch::run(args),
    };
    if let Some(path) = ask.queries.clone() {
        return queries::run(ask, &path, prove);
    }
    let Ask {
        inputs,
        format,
        src_port,
        groups,
        via,
        context,
        tf_root,
        query,
        queries: _,
    } = ask;
    let Some(query) = query else {
        bail!("no query: give QUERY or --queries FILE");
    };
    // Before any work: a binary without a solver cannot prove.
    let mut solver = if prove {
        Some(prove::default_solver()?)
    } else {
        None
    };
    let spec = QuerySpec::parse(&query)?;
    let src_ports = src_port
        .as_deref()
        .map(engine::parse_port_range)
        .transpose()
        .context("--src-port")?;
    let context = context.as_deref().map(read_context).transpose()?;
    let net = load(&inputs)?;
    let opts = engine::QueryOptions {
        src_ports,
        groups,
        via,
        context,
    };
    let q = engine::Query::resolve_with(&net, spec, &opts)?;
    let analysis = engine::check(&net, q);
    // A verdict over no packet means nothing: never print one (resolution
    // refuses such queries; this guards the invariant).
    if analysis.packets.is_empty() {
        anyhow::bail!(
            "query `{}` asks about no packet: no verdict",
            analysis.query.spec.text
        );
    }
    // JSON is complete; text (and the explanation in the CI formats) is cut
    // to what a person reads.
    let mut report = match format {
        Format::Json => Report::new(&analysis, &net),
        _ => Report::brief(&analysis, &net),
    };
    if let Some(solver) = solver.as_deref_mut() {
        let proof = prove::cross_check(&net, &analysis, solver)?;
        report = report.with_proof(&proof);
    }
    let text = |color: bool| {
        if proof_first {
            report.to_text_proof_first(color)
        } else {
            report.to_text(color)
        }
    };
    let out = match format {
        Format::Json => report.to_json() + "\n",
        Format::Text => text(std::io::stdout().is_terminal()),
        Format::Sarif | Format::Junit | Format::Markdown => {
            let run_id = format!("reach/check/{}/{}/", input_names(&inputs), query);
            let findings = FindingsReport::from_check(&analysis, &report, text(false), run_id);
            ci_output(findings, format, &inputs.paths(), tf_root)?
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    // Warnings once: in the JSON's `warnings`, or on stderr beside the others.
    if format != Format::Json {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(analysis.verdict)
}

impl Inputs {
    /// Every input path, snapshots first.
    fn paths(&self) -> Vec<PathBuf> {
        self.snapshots.iter().chain(&self.models).cloned().collect()
    }
}

/// Paths as named on the command line, for a run's ID.
fn path_names(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.display().to_string().replace('\\', "/"))
        .collect();
    names.join("+")
}

/// The inputs as named on the command line, for a run's ID.
fn input_names(inputs: &Inputs) -> String {
    path_names(&inputs.paths())
}

/// Writes `findings` as SARIF, JUnit or markdown. For the first and last,
/// each finding is pointed at the line of the input (or `.tf`) file that
/// defines its resource or rule, the input files being the fallback; the
/// inputs are read again, only for the formats that show locations.
fn ci_output(
    mut findings: FindingsReport,
    format: Format,
    paths: &[PathBuf],
    tf_root: Option<PathBuf>,
) -> Result<String> {
    if format != Format::Junit {
        locate_in(&mut findings, paths, tf_root)?;
    }
    Ok(match format {
        Format::Sarif => findings.to_sarif(),
        Format::Junit => findings.to_junit(),
        _ => findings.to_markdown(),
    })
}

/// Fills in the findings' locations from `paths` (see [`ci_output`]).
fn locate_in(
    report: &mut FindingsReport,
    paths: &[PathBuf],
    tf_root: Option<PathBuf>,
) -> Result<()> {
    let cwd = std::env::current_dir().context("current directory")?;
    let mut locator = Locator::new(paths, &cwd)?;
    if let Some(dir) = tf_root {
        locator = locator.with_tf_root(dir);
    }
    report.inputs = locator.inputs();
    for f in &mut report.findings {
        let found = f
            .tf_address
            .as_deref()
            .and_then(|a| locator.terraform(a))
            .or_else(|| {
                f.resource
                    .as_deref()
                    .and_then(|r| locator.resource(r, f.rule.as_deref()))
            });
        f.location = found.map(|l| Location {
            file: l.file,
            line: l.line,
        });
    }
    Ok(())
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(Verdict::Reachable) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
