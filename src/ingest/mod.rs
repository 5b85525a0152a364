//! Reads AWS CLI JSON snapshots and the project's YAML models into a
//! validated [`Network`](crate::model::Network).
//!
//! [`Loader`] accumulates documents (`add_*`), then [`Loader::finish`] merges
//! them, applies AWS's implicit defaults to YAML designs, and checks references.
//! Every error names the file, and for a resource problem the resource and field.
//!
//! Layers, each importing only those below it: `error`, `common` (values),
//! `state` (what readers write), `defaults` (what AWS implies); the readers
//! `aws` and `yaml`, which never import each other; `finish` (once every file
//! is read); this module (IO and `Loader`) on top, and over it `cache`
//! (IO too: [`load_inputs`], a loaded network kept for `--cache DIR`).
//! Beside them, `locate` (IO too) reads the input files again, only when
//! asked, to point at the line that defines a resource (SARIF, markdown).

mod aws;
mod cache;
mod common;
mod defaults;
mod error;
mod finish;
pub mod locate;
mod state;
mod terraform;
mod yaml;

use std::path::Path;
use std::sync::Arc;

use crate::model::Network;

pub use cache::load_inputs;
pub use error::IngestError;
pub use locate::{Locator, SourceLine};
use state::State;
pub use terraform::{AppliedChange, PlanAction, PlanReport, PlanWarning};

/// Accumulates documents, then lowers/validates into a Network.
///
/// The files of a directory are read and parsed in parallel (and a long
/// list's items deserialized in parallel), then lowered one file after
/// another in sorted order: the result, warnings and first error are the
/// same as reading them one by one ([`Loader::sequential`]).
pub struct Loader {
    st: State,
    yaml: Vec<(Arc<str>, yaml::Model)>,
    parallel: bool,
}

impl Default for Loader {
    fn default() -> Self {
        Loader {
            st: State::default(),
            yaml: Vec::new(),
            parallel: true,
        }
    }
}

/// A document read and parsed, not yet applied to the [`State`].
enum Parsed {
    Json(aws::ParsedDocument),
    Yaml(Arc<str>, Box<yaml::Model>),
}

impl Loader {
    pub fn new() -> Self {
        Self::default()
    }

    /// A loader that reads and parses on the calling thread only, one file
    /// after another: the reference the parallel loading is compared with.
    pub fn sequential() -> Self {
        Loader {
            parallel: false,
            ..Self::default()
        }
    }

    /// A file or a directory read recursively (files ending .json are AWS documents,
    /// .yaml/.yml are YAML models; other files ignored; sorted order for determinism).
    /// IO happens here. A file named directly must be .json, .yaml or .yml.
    pub fn add_snapshot_path(&mut self, path: &Path) -> Result<(), IngestError> {
        self.add_path(path)
    }

    /// Same as [`Loader::add_snapshot_path`]: the file extension decides the format.
    pub fn add_model_path(&mut self, path: &Path) -> Result<(), IngestError> {
        self.add_path(path)
    }

    /// No IO: `file` is only used in messages/origins.
    pub fn add_json(&mut self, file: &str, text: &str) -> Result<(), IngestError> {
        let parsed = parse_json(file, text, self.parallel)?;
        self.apply(parsed)
    }

    /// A document's bytes as read from a file named `name`, without IO (what
    /// the fuzz tests feed): its extension picks JSON or YAML, else the content
    /// does, as for standard input; the bytes are decoded as a file's are.
    pub fn add_file_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), IngestError> {
        self.add_bytes(name, bytes.to_vec(), format_of(Path::new(name)))
    }

    /// A document from standard input (`--snapshot -`): AWS CLI JSON, or the
    /// YAML model when it does not start like JSON.
    pub fn add_stdin(&mut self) -> Result<(), IngestError> {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| io_err("<stdin>", "cannot read", &e))?;
        self.add_bytes("<stdin>", bytes, None)
    }

    fn add_bytes(
        &mut self,
        name: &str,
        bytes: Vec<u8>,
        kind: Option<Format>,
    ) -> Result<(), IngestError> {
        let parsed = parse_bytes(name, bytes, kind, self.parallel)?;
        self.apply(parsed)
    }

    /// No IO: `file` is only used in messages/origins.
    pub fn add_yaml(&mut self, file: &str, text: &str) -> Result<(), IngestError> {
        let file: Arc<str> = Arc::from(file);
        let model = yaml::parse(&file, text)?;
        self.apply(Parsed::Yaml(file, Box::new(model)))
    }

    /// Adds a parsed document to the state.
    fn apply(&mut self, parsed: Parsed) -> Result<(), IngestError> {
        match parsed {
            Parsed::Json(doc) => doc.apply(&mut self.st),
            Parsed::Yaml(file, model) => {
                self.st.yaml_files.insert(file.clone());
                self.yaml.push((file, *model));
                Ok(())
            }
        }
    }

    /// Lowers everything into the model, applies AWS implicit defaults, checks references.
    pub fn finish(self) -> Result<Network, IngestError> {
        let Loader { mut st, yaml, .. } = self;
        finish::check_blank_ids(&st)?;
        yaml::lower_all(&mut st, &yaml)?;
        finish::complete(st)
    }

    fn add_path(&mut self, path: &Path) -> Result<(), IngestError> {
        if path.as_os_str() == "-" {
            return self.add_stdin();
        }
        let name = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| io_err(&name, "cannot read", &e))?;
        // A pipe or FIFO (`--snapshot <(aws ec2 describe-… --output json)`),
        // whatever its name: read once, the format from its content.
        if !meta.is_dir() && !meta.is_file() {
            let bytes = std::fs::read(path).map_err(|e| io_err(&name, "cannot read", &e))?;
            return self.add_bytes(&name, bytes, format_of(path));
        }
        if meta.is_dir() {
            let mut files = Vec::new();
            collect_files(path, 0, &mut files)?;
            files.sort();
            let files: Vec<(std::path::PathBuf, Format)> = files
                .into_iter()
                .filter_map(|f| format_of(&f).map(|k| (f, k)))
                .collect();
            // On one of rayon's threads already (a caller loading in
            // parallel), waiting for the pool could wait for itself: files
            // one by one then (their long lists still in parallel).
            if self.parallel && files.len() > 1 && rayon::current_thread_index().is_none() {
                self.add_files_parallel(&files)
            } else {
                for (f, kind) in &files {
                    self.add_file(f, *kind)?;
                }
                Ok(())
            }
        } else {
            match format_of(path) {
                Some(kind) => self.add_file(path, kind),
                None => Err(IngestError::Io {
                    file: name,
                    message: "not a .json, .yaml or .yml file".into(),
                }),
            }
        }
    }

    fn add_file(&mut self, path: &Path, kind: Format) -> Result<(), IngestError> {
        let parsed = parse_file(path, kind, self.parallel)?;
        self.apply(parsed)
    }

    /// Files read and parsed on rayon's pool, in order as far as it goes
    /// (first in, first out), while this thread applies them in order, each
    /// as soon as it is parsed: the first error in file order is the one
    /// reported, as when reading one by one. Once one is bad, files not yet
    /// started are not read.
    fn add_files_parallel(
        &mut self,
        files: &[(std::path::PathBuf, Format)],
    ) -> Result<(), IngestError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::mpsc;
        type Slot = Result<Parsed, IngestError>;
        let stop = AtomicBool::new(false);
        let (senders, receivers): (Vec<_>, Vec<_>) =
            files.iter().map(|_| mpsc::sync_channel::<Slot>(1)).unzip();
        std::thread::scope(|s| {
            let stop = &stop;
            s.spawn(move || {
                rayon::scope_fifo(|pool| {
                    for ((path, kind), tx) in files.iter().zip(senders) {
                        pool.spawn_fifo(move |_| {
                            if !stop.load(Ordering::Relaxed) {
                                // The receiver is gone once an earlier file failed.
                                let _ = tx.send(parse_file(path, *kind, true));
                            }
                        });
                    }
                });
            });
            let mut result = Ok(());
            for rx in receivers {
                // A closed channel: the parse panicked, which the scope re-raises.
                let Ok(parsed) = rx.recv() else { break };
                if let Err(e) = parsed.and_then(|p| self.apply(p)) {
                    result = Err(e);
                    break;
                }
            }
            stop.store(true, Ordering::Relaxed);
            result
        })
    }
}

/// Reads and parses a file (IO here), without touching a loader's state.
fn parse_file(path: &Path, kind: Format, par: bool) -> Result<Parsed, IngestError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| io_err(&name, "cannot read", &e))?;
    parse_bytes(&name, bytes, Some(kind), par)
}

/// A document's bytes, parsed: a UTF-8 byte-order mark is skipped, UTF-16
/// (what PowerShell's `>` writes) is decoded; the format is `kind`, or
/// guessed from the first character (`{` is JSON).
fn parse_bytes(
    name: &str,
    bytes: Vec<u8>,
    kind: Option<Format>,
    par: bool,
) -> Result<Parsed, IngestError> {
    let text = decode_owned(name, bytes)?;
    let kind = kind.unwrap_or_else(|| {
        if text.trim_start().starts_with('{') {
            Format::Json
        } else if looks_like_cli_output(&text).is_some() {
            // Let the JSON reader say what it is.
            Format::Json
        } else {
            Format::Yaml
        }
    });
    match kind {
        Format::Json => parse_json(name, &text, par),
        Format::Yaml if looks_like_cli_output(&text) == Some("yaml") => Err(IngestError::Parse {
            file: name.to_string(),
            message: "this is the AWS CLI's `--output yaml`, not the project's YAML model: write the snapshot with `--output json`".into(),
        }),
        Format::Yaml => {
            let file: Arc<str> = Arc::from(name);
            let model = yaml::parse(&file, &text)?;
            Ok(Parsed::Yaml(file, Box::new(model)))
        }
    }
}

fn parse_json(file: &str, text: &str, par: bool) -> Result<Parsed, IngestError> {
    if let Some(message) = not_json(text) {
        return Err(IngestError::Parse {
            file: file.to_string(),
            message,
        });
    }
    Ok(Parsed::Json(aws::parse_document(
        &Arc::from(file),
        text,
        par,
    )))
}

/// Applies the Terraform plan at `path` (the JSON `terraform show -json
/// PLAN` prints) to `net`: the what-if of `reach diff --after-plan`. IO
/// happens here. On an error (naming the file, and the resource address and
/// field when there is one) `net` is unchanged.
pub fn apply_terraform_plan(net: &mut Network, path: &Path) -> Result<PlanReport, IngestError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| io_err(&name, "cannot read", &e))?;
    let text = decode_owned(&name, bytes)?;
    terraform::apply(net, &name, &text)
}

/// [`apply_terraform_plan`] on a plan's text; `file` is only used in
/// messages and origins. No IO.
pub fn apply_terraform_plan_json(
    net: &mut Network,
    file: &str,
    text: &str,
) -> Result<PlanReport, IngestError> {
    terraform::apply(net, file, text)
}

/// [`decode`] taking the bytes: plain UTF-8 (the usual case) becomes the
/// text without a copy.
fn decode_owned(name: &str, bytes: Vec<u8>) -> Result<String, IngestError> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        || bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || utf16_without_bom(&bytes)
    {
        return decode(name, &bytes);
    }
    String::from_utf8(bytes).map_err(|e| IngestError::Parse {
        file: name.to_string(),
        message: format!("not UTF-8 text ({}): re-save as UTF-8", e.utf8_error()),
    })
}

/// UTF-16 without a byte-order mark (ASCII text): every other byte is
/// zero, which is valid UTF-8 but no text a snapshot holds.
fn utf16_without_bom(bytes: &[u8]) -> bool {
    bytes.len() >= 4
        && (bytes.iter().skip(1).step_by(2).take(64).all(|b| *b == 0)
            || bytes.iter().step_by(2).take(64).all(|b| *b == 0))
}

/// Text from a file's bytes: UTF-8 (a byte-order mark skipped) or UTF-16
/// with a byte-order mark (decoded); anything else is an error saying what.
fn decode(name: &str, bytes: &[u8]) -> Result<String, IngestError> {
    let err = |message: String| IngestError::Parse {
        file: name.to_string(),
        message,
    };
    let utf16 = |le: bool| -> Result<String, IngestError> {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| err("invalid UTF-16 text: re-save as UTF-8".into()))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest)
            .map(str::to_string)
            .map_err(|e| err(format!("not valid UTF-8 after the byte-order mark ({e})"))),
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        _ if utf16_without_bom(bytes) => {
            Err(err("UTF-16 without a byte-order mark (PowerShell's `>`?): re-save as UTF-8 (`Out-File -Encoding utf8`)".into()))
        }
        _ => std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|e| err(format!("not UTF-8 text ({e}): re-save as UTF-8"))),
    }
}

/// What an AWS CLI output that is not JSON looks like, if it is one.
fn looks_like_cli_output(text: &str) -> Option<&'static str> {
    let first = text.lines().find(|l| !l.trim().is_empty())?.trim_end();
    // `--output text`: an upper-case record name, then tab-separated fields.
    let head = first.split('\t').next().unwrap_or_default();
    if first.contains('\t')
        && !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("text");
    }
    // `--output yaml`: a top-level key the AWS CLI prints, like `Vpcs:`.
    let key = first.strip_suffix(':').unwrap_or_default();
    if !key.is_empty()
        && key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && key.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Some("yaml");
    }
    None
}

/// Why a document that should be AWS CLI JSON is not, when that is clear.
fn not_json(text: &str) -> Option<String> {
    if text.trim_start().starts_with(['{', '[']) {
        return None;
    }
    looks_like_cli_output(text).map(|kind| {
        format!("this is the AWS CLI's `--output {kind}`: write the snapshot with `--output json`")
    })
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Yaml,
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" => Some(Format::Json),
        "yaml" | "yml" => Some(Format::Yaml),
        _ => None,
    }
}

/// Directory depth limit, against symlink loops.
const MAX_DEPTH: usize = 32;

fn collect_files(
    dir: &Path,
    depth: usize,
    out: &mut Vec<std::path::PathBuf>,
) -> Result<(), IngestError> {
    let name = dir.display().to_string();
    if depth > MAX_DEPTH {
        return Err(IngestError::Io {
            file: name,
            message: format!("directories nested deeper than {MAX_DEPTH} levels (symlink loop?)"),
        });
    }
    let rd = std::fs::read_dir(dir).map_err(|e| io_err(&name, "cannot list directory", &e))?;
    for entry in rd {
        let entry = entry.map_err(|e| io_err(&name, "cannot list directory", &e))?;
        let p = entry.path();
        // `metadata` follows symlinks, so a linked file or folder is read like a real one.
        let meta = std::fs::metadata(&p)
            .map_err(|e| io_err(&p.display().to_string(), "cannot read", &e))?;
        if meta.is_dir() {
            collect_files(&p, depth + 1, out)?;
        } else if format_of(&p).is_some() {
            out.push(p);
        }
    }
    Ok(())
}

fn io_err(file: &str, what: &str, e: &std::io::Error) -> IngestError {
    let text = e.to_string();
    let mut chars = text.chars();
    let text = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    };
    IngestError::Io {
        file: file.to_string(),
        message: format!("{what}: {text}"),
    }
}

#[cfg(test)]
mod tests;
