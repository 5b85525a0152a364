//! [`Loader`]: reading input files (in parallel, lowered in order) into
//! the shared state, then finishing them into a [`Network`].

use std::path::Path;
use std::sync::Arc;

use crate::model::Network;

use super::error::IngestError;
use super::files::{
    Format, collect_files, decode_owned, format_of, io_err, looks_like_cli_output, not_json,
};
use super::state::State;
use super::{aws, finish, yaml};

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
