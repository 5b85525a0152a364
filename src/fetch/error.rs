//! `reach fetch`'s errors: lowercase, user input in backticks. A denied or
//! unsupported call is no error: it is a warning in the manifest.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("no region given: `--region` takes one or more, comma-separated")]
    NoRegion,
    #[error("region `{0}` is not a region name (letters, digits and dashes)")]
    BadRegion(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("`{call}` in `{region}` failed: {message}")]
    Call {
        call: String,
        region: String,
        message: String,
    },
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}
