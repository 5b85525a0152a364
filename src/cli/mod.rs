//! Command line: clap parsing, reading inputs, printing, exit codes.
//! The only module that uses `anyhow`.
//!
//! Exit codes: 0 reachable, 1 unreachable / partial / unknown, 2 error
//! (including `engine and solver disagree` under `--prove`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use reach::engine::{self, QuerySpec, Verdict};
use reach::prove;
use reach::render::{FindingsReport, Report};

use args::{Ask, Format, load, read_context};
use output::{ci_output, input_names};

mod args;
mod assert;
mod diff;
mod exposure;
mod fetch;
mod lint;
mod output;
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
