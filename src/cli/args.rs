//! What commands read: the input options every command shares, the
//! output format, `check`'s and `prove`'s options, and loading the inputs.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;

use reach::engine;
use reach::model::Network;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
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
pub(super) struct Inputs {
    /// AWS CLI `describe-*` JSON: a file or a directory (read recursively). Repeatable.
    #[arg(long = "snapshot", value_name = "PATH")]
    pub(super) snapshots: Vec<PathBuf>,
    /// The project's YAML model of a network. Repeatable.
    #[arg(long = "model", value_name = "FILE")]
    pub(super) models: Vec<PathBuf>,
    /// Keep the loaded network in DIR (default: $REACH_CACHE, if set); a
    /// later run over the same unchanged input files reads it instead.
    #[arg(long, value_name = "DIR")]
    pub(super) cache: Option<PathBuf>,
}

/// The options of `check` and `prove`.
#[derive(clap::Args, Debug)]
pub(super) struct Ask {
    #[command(flatten)]
    pub(super) inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(super) format: Format,
    /// Source ports of the client (default: the ephemeral range of whoever opens the connection).
    #[arg(long, value_name = "RANGE")]
    pub(super) src_port: Option<String>,
    /// For `client`: a group of the user (SAML / AD group ID). Repeatable.
    /// Without it, the answer covers every group the authorization rules name.
    #[arg(long = "group", value_name = "GROUP")]
    pub(super) groups: Vec<String>,
    /// For `client`: use only this access endpoint (`cvpn-endpoint-…` or `vae-…`).
    #[arg(long, value_name = "ENDPOINT")]
    pub(super) via: Option<String>,
    /// For `client`: Verified Access trust data, a JSON object keyed by
    /// trust provider `PolicyReferenceName` (OIDC claims, device posture).
    #[arg(long, value_name = "FILE.json")]
    pub(super) context: Option<PathBuf>,
    /// For `--format sarif|markdown`: Terraform files under DIR, where
    /// findings with a Terraform address point.
    #[arg(long, value_name = "DIR")]
    pub(super) tf_root: Option<PathBuf>,
    /// Many queries after one load: FILE holds one QUERY a line (blank lines
    /// and `#` comments skipped; `-`: standard input). JSON Lines with
    /// `--format json` (each line the single query's object with its `line`),
    /// else a verdict line per query; a bad query is an error on its line
    /// (exit 2 at the end).
    #[arg(long, value_name = "FILE", conflicts_with = "query")]
    pub(super) queries: Option<PathBuf>,
    /// `SRC->DST:PORT[/tcp|udp|icmp|icmpv6]`; SRC is an IP, i-…, eni-…, `internet` or `client`; DST an IP, i-…, eni-… or eni-…@ADDRESS (the interface at that address).
    #[arg(allow_hyphen_values = true, required_unless_present = "queries")]
    pub(super) query: Option<String>,
}

/// The network of `--snapshot`/`--model` (through `--cache`). Never
/// dropped: the process ends with the command, and freeing a large network
/// one allocation at a time costs a noticeable share of a run (≈ 0.3 s at
/// 100k interfaces).
pub(super) fn load(inputs: &Inputs) -> Result<std::mem::ManuallyDrop<Network>> {
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
pub(super) fn read_context(path: &std::path::Path) -> Result<engine::va::UserContext> {
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

impl Inputs {
    /// Every input path, snapshots first.
    pub(super) fn paths(&self) -> Vec<PathBuf> {
        self.snapshots.iter().chain(&self.models).cloned().collect()
    }
}
