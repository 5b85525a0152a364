//! Reading input files: which files a path holds, their format, and their
//! bytes as text (UTF-8, or UTF-16 with a byte-order mark), with errors
//! that say what the file is when it is not what `reach` reads.

use std::path::Path;

use super::error::IngestError;

/// [`decode`] taking the bytes: plain UTF-8 (the usual case) becomes the
/// text without a copy.
pub(super) fn decode_owned(name: &str, bytes: Vec<u8>) -> Result<String, IngestError> {
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
pub(super) fn utf16_without_bom(bytes: &[u8]) -> bool {
    bytes.len() >= 4
        && (bytes.iter().skip(1).step_by(2).take(64).all(|b| *b == 0)
            || bytes.iter().step_by(2).take(64).all(|b| *b == 0))
}

/// Text from a file's bytes: UTF-8 (a byte-order mark skipped) or UTF-16
/// with a byte-order mark (decoded); anything else is an error saying what.
pub(super) fn decode(name: &str, bytes: &[u8]) -> Result<String, IngestError> {
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
pub(super) fn looks_like_cli_output(text: &str) -> Option<&'static str> {
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
pub(super) fn not_json(text: &str) -> Option<String> {
    if text.trim_start().starts_with(['{', '[']) {
        return None;
    }
    looks_like_cli_output(text).map(|kind| {
        format!("this is the AWS CLI's `--output {kind}`: write the snapshot with `--output json`")
    })
}

#[derive(Clone, Copy)]
pub(super) enum Format {
    Json,
    Yaml,
}

pub(super) fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" => Some(Format::Json),
        "yaml" | "yml" => Some(Format::Yaml),
        _ => None,
    }
}

/// Directory depth limit, against symlink loops.
const MAX_DEPTH: usize = 32;

pub(super) fn collect_files(
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

pub(super) fn io_err(file: &str, what: &str, e: &std::io::Error) -> IngestError {
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
