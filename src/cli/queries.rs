//! `reach check --queries FILE`: many queries after one load.
//!
//! FILE holds one query a line (`SRC->DST:PORT[/proto]`); blank lines and
//! lines starting with `#` are skipped; `-` is standard input. The network is
//! loaded once, the queries are answered in parallel (rayon) and printed in
//! input order, a chunk at a time: JSON Lines under `--format json` (each
//! line the object `--format json` prints for that query, with `line` in
//! front), or one verdict line per query as text. A query that does not parse
//! or resolve (or, under `--prove`, whose proof fails) is an error on its own
//! line, and the run goes on.
//!
//! Exit codes: 0 when every query is reachable, 1 when any is not, 2 when any
//! line is an error (or the run cannot start: FILE unreadable, no query in
//! it, the input does not load).

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use rayon::prelude::*;

use reach::engine::{self, QuerySpec, Verdict};
use reach::model::Network;
use reach::prove;
use reach::render::Report;
use reach::render::queries::{error_json_line, error_text_line};

use super::args::{Ask, Format, load, read_context};

/// Queries answered together before their lines are printed: enough for
/// every core, few enough that output starts early and memory stays flat.
const CHUNK: usize = 32;

/// One query of FILE: its line number (1-based) and text.
struct Line {
    number: usize,
    text: String,
}

/// What one query gave.
enum Answer {
    Done {
        out: String,
        verdict: Verdict,
        warnings: Vec<String>,
    },
    Failed {
        out: String,
        error: String,
    },
}

/// Reads FILE (`-`: standard input) into its queries.
fn read_queries(path: &Path) -> Result<(String, Vec<Line>)> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_string()
    } else {
        format!("`{}`", path.display())
    };
    let mut bytes = Vec::new();
    if stdin {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .with_context(|| format!("--queries: {name}: cannot read"))?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("--queries: {name}: cannot read"))?;
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "--queries: {name}: not utf-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines: Vec<Line> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(number, l)| Line {
            number,
            text: l.to_string(),
        })
        .collect();
    if lines.is_empty() {
        bail!("--queries: {name}: no query (one `SRC->DST:PORT[/proto]` a line)");
    }
    Ok((name, lines))
}

/// Answers one query as `check` does, or says why it cannot.
fn answer(
    net: &Network,
    opts: &engine::QueryOptions,
    prove: bool,
    format: Format,
    line: &Line,
) -> Result<(Report, Verdict)> {
    let spec = QuerySpec::parse(&line.text)?;
    let q = engine::Query::resolve_with(net, spec, opts)?;
    let analysis = engine::check(net, q);
    // As for one query: a verdict over no packet is never printed.
    if analysis.packets.is_empty() {
        bail!(
            "query `{}` asks about no packet: no verdict",
            analysis.query.spec.text
        );
    }
    let mut report = match format {
        Format::Json => Report::new(&analysis, net),
        _ => Report::brief(&analysis, net),
    };
    if prove {
        // One solver per query: a solver is not shared between threads.
        let mut solver = prove::default_solver()?;
        let proof = prove::cross_check(net, &analysis, solver.as_mut())?;
        report = report.with_proof(&proof);
    }
    Ok((report, analysis.verdict))
}

/// `reach check --queries FILE` (and `reach prove --queries FILE`).
pub fn run(ask: Ask, path: &Path, prove: bool) -> Result<Verdict> {
    let format = ask.format;
    if !matches!(format, Format::Json | Format::Text) {
        bail!(
            "--queries writes json lines (`--format json`) or a verdict line per query (`--format text`), not `--format {}`",
            format
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        );
    }
    if path.as_os_str() == "-" && ask.inputs.snapshots.iter().any(|p| p.as_os_str() == "-") {
        bail!("standard input is read once: `--queries -` and `--snapshot -` both ask for it");
    }
    // Before any work: a binary without a solver cannot prove.
    if prove {
        prove::default_solver()?;
    }
    let (name, lines) = read_queries(path)?;
    let src_ports = ask
        .src_port
        .as_deref()
        .map(engine::parse_port_range)
        .transpose()
        .context("--src-port")?;
    let context = ask.context.as_deref().map(read_context).transpose()?;
    let net = load(&ask.inputs)?;
    let opts = engine::QueryOptions {
        src_ports,
        groups: ask.groups,
        via: ask.via,
        context,
    };
    let color = format == Format::Text && std::io::stdout().is_terminal();
    let mut verdict = Verdict::Reachable;
    let mut failed: Vec<usize> = Vec::new();
    let mut warnings: Option<Vec<String>> = None;
    let mut stdout = std::io::stdout().lock();
    for chunk in lines.chunks(CHUNK) {
        let answers: Vec<Answer> = chunk
            .par_iter()
            .map(|line| match answer(&net, &opts, prove, format, line) {
                Ok((report, verdict)) => Answer::Done {
                    out: match format {
                        Format::Json => report.to_json_line(line.number),
                        _ => report.to_text_line(line.number, color),
                    },
                    verdict,
                    warnings: report.warnings,
                },
                Err(e) => {
                    let error = format!("{e:#}");
                    Answer::Failed {
                        out: match format {
                            Format::Json => error_json_line(line.number, &line.text, &error),
                            _ => error_text_line(line.number, &line.text, &error),
                        },
                        error,
                    }
                }
            })
            .collect();
        let mut out = String::new();
        for (line, a) in chunk.iter().zip(answers) {
            match a {
                Answer::Done {
                    out: o,
                    verdict: v,
                    warnings: w,
                } => {
                    out += &o;
                    if verdict == Verdict::Reachable {
                        verdict = v;
                    }
                    warnings.get_or_insert(w);
                }
                Answer::Failed { out: o, error } => {
                    out += &o;
                    if failed.len() < 3 {
                        eprintln!("error: {name} line {}: {error}", line.number);
                    }
                    failed.push(line.number);
                }
            }
            out.push('\n');
        }
        stdout.write_all(out.as_bytes())?;
        stdout.flush()?;
    }
    // Warnings once (they are the input's, the same for every query): in
    // each JSON line's `warnings`, on stderr for text.
    if format == Format::Text {
        for w in warnings.unwrap_or_default() {
            eprintln!("warning: {w}");
        }
    }
    if !failed.is_empty() {
        let list: Vec<String> = failed.iter().map(|n| n.to_string()).collect();
        bail!(
            "{name}: {} of {} quer{} failed (line{} {})",
            failed.len(),
            lines.len(),
            if lines.len() == 1 { "y" } else { "ies" },
            if failed.len() == 1 { "" } else { "s" },
            list.join(", ")
        );
    }
    Ok(verdict)
}
