//! `--cache DIR`: a loaded [`Network`] kept in a compact binary file, so a
//! run over unchanged inputs skips parsing them (IO here).
//!
//! The file (`DIR/reach-load-<hash of the inputs' paths>.bin`) holds, after
//! a magic string: a header (cache format, reach version, and every input
//! file's name, canonical path, size and modification time, in the order the
//! loader reads them), the network (postcard, through the model's serde
//! derives), then a checksum of both. A cache whose header differs from the
//! inputs now (stale), written by another version, or that does not read
//! back (corrupt) is ignored with a one-line warning and rewritten; a cache
//! that cannot be written is a warning too. Never an error: the load then
//! happens as without `--cache`, errors included. It is written to a
//! temporary file renamed into place, streamed (no copy of it in memory),
//! and read back whole (its size is well under the text it replaces).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::IngestError;
use super::files::{collect_files, format_of};
use super::loader::Loader;
use crate::model::{Network, shared_str};

/// What a cache file starts with.
const MAGIC: &[u8; 12] = b"reach-cache\n";
/// Bumped whenever what the file holds changes shape (the model's types
/// included): a cache of another format is ignored.
const FORMAT: u32 = 1;

/// Loads the inputs (`snapshots`, then `models`, as [`Loader`] reads them);
/// with `cache`, from the cache there when it is fresh, else loading and
/// writing it. `warn` gets the cache's warnings (one line each).
pub fn load_inputs(
    snapshots: &[PathBuf],
    models: &[PathBuf],
    cache: Option<&Path>,
    warn: &mut dyn FnMut(String),
) -> Result<Network, IngestError> {
    let load = || {
        let mut loader = Loader::new();
        for p in snapshots {
            loader.add_snapshot_path(p)?;
        }
        for p in models {
            loader.add_model_path(p)?;
        }
        loader.finish()
    };
    let Some(dir) = cache else {
        return load();
    };
    let inputs: Vec<&Path> = snapshots
        .iter()
        .chain(models)
        .map(|p| p.as_path())
        .collect();
    if inputs.iter().any(|p| {
        p.as_os_str() == "-" || std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir())
    }) {
        warn(
            "--cache: standard input or a pipe among the inputs: loading without the cache".into(),
        );
        return load();
    }
    // An input that cannot be listed: the loader says why, as without the cache.
    let Some(header) = Header::now(&inputs) else {
        return load();
    };
    let path = dir.join(format!("reach-load-{:016x}.bin", name_hash(&header)));
    match read(&path, &header) {
        Ok(Some(net)) => return Ok(net),
        Ok(None) => {}
        Err(why) => warn(format!(
            "cache `{}` ignored ({why}): loading the inputs and rewriting it",
            path.display()
        )),
    }
    let net = load()?;
    if let Err(e) = write(dir, &path, &header, &net) {
        warn(format!(
            "cannot write cache `{}`: {}",
            path.display(),
            io_text(&e)
        ));
    }
    Ok(net)
}

/// An IO error's text, starting lower-case like the loader's.
fn io_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// What a cache was made from.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Header {
    format: u32,
    version: String,
    inputs: Vec<Input>,
}

/// An input path as given, and the files the loader reads from it.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Input {
    arg: String,
    canonical: String,
    files: Vec<Stamp>,
}

/// A file as the loader names it, where it really is, its size and
/// modification time (seconds and nanoseconds since 1970, negative before).
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Stamp {
    name: String,
    canonical: String,
    size: u64,
    mtime: (i64, u32),
}

impl Header {
    /// The header of a cache of `inputs` as they are now; `None` when one
    /// cannot be listed or stated.
    fn now(inputs: &[&Path]) -> Option<Header> {
        let mut out = Vec::new();
        for p in inputs {
            let meta = std::fs::metadata(p).ok()?;
            let files = if meta.is_dir() {
                let mut files = Vec::new();
                collect_files(p, 0, &mut files).ok()?;
                files.sort();
                files.retain(|f| format_of(f).is_some());
                files
            } else {
                vec![p.to_path_buf()]
            };
            let stamps = files
                .iter()
                .map(|f| Stamp::of(f))
                .collect::<Option<Vec<_>>>()?;
            out.push(Input {
                arg: p.display().to_string(),
                canonical: std::fs::canonicalize(p).ok()?.display().to_string(),
                files: stamps,
            });
        }
        Some(Header {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            inputs: out,
        })
    }
}

impl Stamp {
    fn of(f: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(f).ok()?;
        let mtime = match meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => (i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()),
            Err(e) => {
                let d = e.duration();
                (-i64::try_from(d.as_secs()).ok()?, d.subsec_nanos())
            }
        };
        Some(Stamp {
            name: f.display().to_string(),
            canonical: std::fs::canonicalize(f).ok()?.display().to_string(),
            size: meta.len(),
            mtime,
        })
    }
}

/// The cache file's name: a hash of the inputs as given and where they are.
fn name_hash(h: &Header) -> u64 {
    let mut x = Checksum::new();
    for i in &h.inputs {
        x.update(i.arg.as_bytes());
        x.update(&[0]);
        x.update(i.canonical.as_bytes());
        x.update(&[0]);
    }
    x.finish()
}

/// The cached network, `None` when there is no cache file, or why it is
/// not used.
fn read(path: &Path, now: &Header) -> Result<Option<Network>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Err(format!("cannot read it: {}", io_text(&e))),
    };
    let corrupt = |what: &str| format!("corrupt: {what}");
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| corrupt("not a reach cache"))?;
    let (body, sum) = body
        .split_last_chunk::<8>()
        .ok_or_else(|| corrupt("truncated"))?;
    let mut x = Checksum::new();
    x.update(body);
    if x.finish() != u64::from_le_bytes(*sum) {
        return Err(corrupt("checksum mismatch"));
    }
    let (header, rest): (Header, &[u8]) =
        postcard::take_from_bytes(body).map_err(|e| corrupt(&e.to_string()))?;
    if header.format != now.format || header.version != now.version {
        return Err(format!(
            "written by reach {} (cache format {}), this is reach {} (format {})",
            header.version, header.format, now.version, now.format
        ));
    }
    if header != *now {
        return Err("stale: the inputs changed since it was written".into());
    }
    let net = postcard::from_bytes::<Network>(rest);
    shared_str::forget_shared();
    net.map(Some).map_err(|e| corrupt(&e.to_string()))
}

/// Writes the cache: to a temporary file in `dir`, streamed, then renamed
/// over `path`.
fn write(dir: &Path, path: &Path, header: &Header, net: &Network) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let written = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        out.write_all(MAGIC)?;
        let mut summed = Summed {
            inner: out,
            sum: Checksum::new(),
        };
        let io = |e: postcard::Error| std::io::Error::other(e.to_string());
        postcard::to_io(header, &mut summed).map_err(io)?;
        postcard::to_io(net, &mut summed).map_err(io)?;
        let Summed { mut inner, sum } = summed;
        inner.write_all(&sum.finish().to_le_bytes())?;
        inner.into_inner().map_err(|e| e.into_error())?.sync_all()
    })();
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// A writer that sums what goes through it.
struct Summed<W> {
    inner: W,
    sum: Checksum,
}

impl<W: Write> Write for Summed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sum.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A fast checksum against a damaged file (not against tampering): eight
/// bytes at a time, the same however the bytes are split into updates.
struct Checksum {
    h: u64,
    pending: [u8; 8],
    n: usize,
    len: u64,
}

impl Checksum {
    fn new() -> Self {
        Checksum {
            h: 0x9E37_79B9_7F4A_7C15,
            pending: [0; 8],
            n: 0,
            len: 0,
        }
    }

    fn word(&mut self, w: u64) {
        self.h = (self.h ^ w)
            .wrapping_mul(0xFF51_AFD7_ED55_8CCD)
            .rotate_left(31);
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.n > 0 {
            let take = (8 - self.n).min(bytes.len());
            self.pending[self.n..self.n + take].copy_from_slice(&bytes[..take]);
            self.n += take;
            bytes = &bytes[take..];
            if self.n < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.pending));
            self.n = 0;
        }
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.word(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.n = rest.len();
    }

    fn finish(mut self) -> u64 {
        if self.n > 0 {
            self.pending[self.n..].fill(0);
            self.word(u64::from_le_bytes(self.pending));
        }
        self.word(self.len);
        let mut h = self.h;
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::Checksum;
    use crate::ingest::loader::Loader;
    use crate::model::{Network, shared_str};

    /// A network read back is the one written, field for field, and the file
    /// names its resources share are one allocation again.
    #[test]
    fn a_network_reads_back_as_written_with_shared_file_names() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut l = Loader::new();
        l.add_snapshot_path(&root.join("tests/data/real-account"))
            .unwrap();
        l.add_model_path(&root.join("models/two-tier.yaml"))
            .unwrap();
        let net = l.finish().unwrap();
        let bytes = postcard::to_allocvec(&net).unwrap();
        let back: Network = postcard::from_bytes(&bytes).unwrap();
        shared_str::forget_shared();
        assert_eq!(format!("{back:#?}"), format!("{net:#?}"));
        let origins: Vec<_> = back
            .interfaces
            .values()
            .map(|i| i.origin.file.clone())
            .chain(back.subnets.values().map(|s| s.origin.file.clone()))
            .collect();
        assert!(origins.len() > 10);
        for a in &origins {
            for b in &origins {
                assert_eq!(**a == **b, std::sync::Arc::ptr_eq(a, b), "{a} {b}");
            }
        }
    }

    #[test]
    fn checksum_ignores_how_bytes_are_split() {
        let data: Vec<u8> = (0..100u8).collect();
        let mut whole = Checksum::new();
        whole.update(&data);
        for cut in [0, 1, 7, 8, 9, 50, 99, 100] {
            let mut parts = Checksum::new();
            parts.update(&data[..cut]);
            parts.update(&data[cut..]);
            let mut w = Checksum::new();
            w.update(&data);
            assert_eq!(parts.finish(), w.finish(), "cut at {cut}");
        }
        let mut other = Checksum::new();
        other.update(&data[1..]);
        assert_ne!(other.finish(), whole.finish());
    }
}
