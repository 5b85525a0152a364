//! Writes a synthetic AWS snapshot (one `describe-*` JSON file per call).
//!
//! ```text
//! cargo run --release --example generate -- OUT_DIR [--preset large|small|org-1k|org-10k|org-100k]
//!     [--vpcs N] [--subnets N] [--enis N] [--sgs N] [--sg-rules N] [--nacls N] [--seed N]
//! ```
//! Defaults: `reach::generate::Params::large()`; `--preset` starts from another
//! (`org-*`: `Params::org`), the other options then change it. Prints the queries that
//! exercise the network, one per line, to stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use reach::generate::{self, Params};

const USAGE: &str = "usage: generate OUT_DIR [--preset large|small|org-1k|org-10k|org-100k] [--vpcs N] [--subnets N] [--enis N] [--sgs N] [--sg-rules N] [--nacls N] [--seed N]";

fn parse(args: &[String]) -> Result<(PathBuf, Params), String> {
    let mut p = Params::large();
    let mut out = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-h" || a == "--help" {
            return Err(USAGE.into());
        }
        if !a.starts_with("--") {
            if out.replace(PathBuf::from(a)).is_some() {
                return Err(format!("more than one OUT_DIR\n{USAGE}"));
            }
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
        let n = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("{a}: not a number: `{v}`"))
        };
        match a.as_str() {
            "--preset" => {
                p = match value.as_str() {
                    "large" => Params::large(),
                    "small" => Params::small(),
                    "org-1k" => Params::org(1_000),
                    "org-10k" => Params::org(10_000),
                    "org-100k" => Params::org(100_000),
                    _ => {
                        return Err(format!(
                            "--preset: `{value}`: expected large, small, org-1k, org-10k or org-100k"
                        ));
                    }
                }
            }
            "--vpcs" => p.vpcs = n(value)?,
            "--subnets" => p.subnets = n(value)?,
            "--enis" => p.enis = n(value)?,
            "--sgs" => p.sgs = n(value)?,
            "--sg-rules" => p.sg_rules = n(value)?,
            "--nacls" => p.nacls = n(value)?,
            "--seed" => {
                p.seed = value
                    .parse()
                    .map_err(|_| format!("--seed: not a number: `{value}`"))?
            }
            _ => return Err(format!("unknown option {a}\n{USAGE}")),
        }
    }
    let out = out.ok_or_else(|| USAGE.to_string())?;
    Ok((out, p))
}

fn run(args: &[String]) -> Result<(), String> {
    let (dir, p) = parse(args)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let c = p.clamped();
    if c != p {
        eprintln!("sizes clamped to what the layout holds: {c:?}");
    }
    let mut bytes = 0;
    for (name, text) in generate::snapshot(&p) {
        let path = dir.join(&name);
        std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
        bytes += text.len();
    }
    eprintln!(
        "wrote {} ({} MB): {} vpcs, {} subnets, {} network interfaces (+{} NAT), {} security groups with {} rules, {} network ACLs (+{} default)",
        dir.display(),
        bytes / 1_000_000,
        c.vpcs,
        c.subnets,
        c.enis,
        c.vpcs,
        c.sgs,
        generate::sg_rule_count(&p),
        c.nacls,
        c.vpcs
    );
    if let Some((endpoint, group)) = generate::client_access(&p) {
        eprintln!("the `client` query is reachable with --via {endpoint} --group {group}");
    }
    for q in generate::queries(&p) {
        println!("{q}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
