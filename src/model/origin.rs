//! Where a resource was read from: every resource keeps it, so a trace can
//! name the file.

use std::sync::Arc;

/// Where a resource was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file (snapshot document or YAML model) that declared it.
    pub file: Arc<str>,
}

impl Origin {
    pub fn new(file: impl Into<Arc<str>>) -> Self {
        Origin { file: file.into() }
    }
}
