//! Where a resource was read from: every resource keeps it, so a trace can
//! name the file.

use std::sync::Arc;

/// Where a resource was read from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Origin {
    /// The file (snapshot document or YAML model) that declared it.
    #[serde(with = "shared_str")]
    pub file: Arc<str>,
}

impl Origin {
    pub fn new(file: impl Into<Arc<str>>) -> Self {
        Origin { file: file.into() }
    }
}

/// Serde for a file name many resources share (`Arc<str>`): written as a
/// string; read back, equal names are one `Arc` again (interned on the
/// reading thread until [`forget_shared`]), so a network read back takes the
/// memory it took when loaded.
pub(crate) mod shared_str {
    use std::cell::RefCell;
    use std::collections::HashSet;
    use std::sync::Arc;

    use serde::de::{Deserializer, Error, Visitor};
    use serde::ser::Serializer;

    thread_local! {
        static SEEN: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
        /// The name read last: resources of one file come in a row.
        static LAST: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
    }

    pub fn serialize<S: Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Arc<str>, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Arc<str>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a file name")
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Arc<str>, E> {
                if let Some(a) = LAST.with(|l| l.borrow().as_ref().filter(|a| ***a == *s).cloned())
                {
                    return Ok(a);
                }
                let a = SEEN.with(|seen| {
                    let mut seen = seen.borrow_mut();
                    match seen.get(s) {
                        Some(a) => a.clone(),
                        None => {
                            let a: Arc<str> = Arc::from(s);
                            seen.insert(a.clone());
                            a
                        }
                    }
                });
                LAST.with(|l| *l.borrow_mut() = Some(a.clone()));
                Ok(a)
            }
        }
        de.deserialize_str(V)
    }

    /// Drops the names interned on this thread.
    pub fn forget_shared() {
        SEEN.with(|seen| seen.borrow_mut().clear());
        LAST.with(|l| *l.borrow_mut() = None);
    }
}
