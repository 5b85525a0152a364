//! `reach synth` and `reach tighten`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::ValueEnum;

use reach::engine::Verdict;
use reach::model::Network;
use reach::render::synth::{SynthReport, TightenReport};
use reach::render::{emit, snapshot};
use reach::synth::{self, Granularity};

use super::args::{Inputs, load};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Emit {
    Text,
    AwsCli,
    Terraform,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Peer {
    SgRef,
    Subnet,
    Host,
}

#[derive(clap::Args, Debug)]
pub(super) struct SynthArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// The intents file: `intents:` (must be reachable) and `must_not:`.
    #[arg(long, value_name = "INTENTS.yaml")]
    intents: PathBuf,
    /// How rules name their peer: security-group references where AWS
    /// allows them (else subnet CIDRs), subnet CIDRs, or host addresses.
    #[arg(long, value_enum, default_value = "sg-ref")]
    peer: Peer,
    /// Write the input with the result applied here, as AWS CLI JSON
    /// (`reach check --snapshot DIR` loads it).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// What to print: the result in words, AWS CLI commands, Terraform, or JSON.
    #[arg(long, value_enum, default_value = "text")]
    emit: Emit,
}

fn read_intents(path: &Path) -> Result<synth::Intents> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("`{file}`: cannot read"))?;
    Ok(synth::parse_intents(&file, &text)?)
}

fn granularity(p: Peer) -> Granularity {
    match p {
        Peer::SgRef => Granularity::SgRef,
        Peer::Subnet => Granularity::Subnet,
        Peer::Host => Granularity::Host,
    }
}

/// Writes `net` as AWS CLI JSON into `dir`; notes what it could not write.
fn write_out(dir: &Path, net: &Network) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("`{}`: cannot create", dir.display()))?;
    let (docs, notes) = snapshot::snapshot(net);
    for (name, text) in docs {
        let p = dir.join(&name);
        std::fs::write(&p, text).with_context(|| format!("`{}`: cannot write", p.display()))?;
    }
    Ok(notes)
}

fn print(out: &str, warnings: &[String], json: bool) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    if !json {
        for w in warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(())
}

/// Exit 0 when the result verified (it is never printed otherwise).
pub(super) fn run_synth(args: SynthArgs) -> Result<Verdict> {
    let intents = read_intents(&args.intents)?;
    let net = load(&args.inputs)?;
    let mut optimizer = synth::default_optimizer();
    let opts = synth::Options {
        granularity: granularity(args.peer),
    };
    let s = synth::synth(&net, &intents, &opts, optimizer.as_mut())?;
    let mut warnings = net.warnings.clone();
    if let Some(dir) = &args.out {
        warnings.extend(write_out(dir, &s.result)?);
    }
    let report = SynthReport::new(&s, &net, warnings.clone());
    let out = match args.emit {
        Emit::Text => report.to_text(),
        Emit::Json => report.to_json(),
        Emit::AwsCli => emit::aws_cli(&s.changes),
        Emit::Terraform => emit::terraform(&s.changes),
    };
    print(&out, &warnings, args.emit == Emit::Json)?;
    Ok(Verdict::Reachable)
}

#[derive(clap::Args, Debug)]
pub(super) struct TightenArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// The intents file: `intents:` (must stay reachable) and `must_not:`.
    #[arg(long, value_name = "INTENTS.yaml")]
    intents: PathBuf,
    /// How narrowed rules name their peer (never wider than the rule).
    #[arg(long, value_enum, default_value = "sg-ref")]
    peer: Peer,
    /// Write the input with the tightening applied here, as AWS CLI JSON.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// What to print: the findings in words, AWS CLI commands, Terraform, or JSON.
    #[arg(long, value_enum, default_value = "text")]
    emit: Emit,
}

/// Exit 0 when nothing is over-broad, 1 when rules can be removed or narrowed.
pub(super) fn run_tighten(args: TightenArgs) -> Result<Verdict> {
    let intents = read_intents(&args.intents)?;
    let net = load(&args.inputs)?;
    let t = synth::tighten(&net, &intents, granularity(args.peer))?;
    let mut warnings = net.warnings.clone();
    if let Some(dir) = &args.out {
        warnings.extend(write_out(dir, &t.result)?);
    }
    let report = TightenReport::new(&t, &net, warnings.clone());
    let out = match args.emit {
        Emit::Text => report.to_text(),
        Emit::Json => report.to_json(),
        Emit::AwsCli => emit::aws_cli(&t.changes),
        Emit::Terraform => emit::terraform(&t.changes),
    };
    print(&out, &warnings, args.emit == Emit::Json)?;
    Ok(if t.findings.is_empty() {
        Verdict::Reachable
    } else {
        Verdict::Unreachable
    })
}
