//! Reading AWS CLI JSON without a DOM: a document's top-level keys with
//! their raw text, one string field of an item, and [`Ctx`], an item being
//! lowered (deserialized through `serde_path_to_error`, so a bad field is
//! named exactly).

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::ingest::common::fmt_path;
use crate::ingest::error::{IngestError, field_err, split_serde};
use crate::model::Origin;

/// The top-level keys of a document, in order, each with its raw JSON text
/// (no DOM is built: items are deserialized straight from their text).
pub(super) struct Top<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Top<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Top<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a json object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Top<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Top(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The value of field `name` of a JSON object, if it is a string; reads the
/// object once, skipping everything else.
pub(super) fn string_field(raw: &RawValue, name: &str) -> Option<String> {
    struct V<'n>(&'n str);
    impl<'de> Visitor<'de> for V<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Option<String>, A::Error> {
            let mut found = None;
            while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                if k == self.0 && found.is_none() {
                    found = m.next_value::<Option<String>>().ok().flatten();
                } else {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut d = serde_json::Deserializer::from_str(raw.get());
    serde::Deserializer::deserialize_map(&mut d, V(name))
        .ok()
        .flatten()
}

/// An item being lowered: its file, origin and name in messages.
pub(super) struct Ctx<'a> {
    pub file: &'a str,
    pub origin: &'a Origin,
    pub res: &'a str,
}

impl Ctx<'_> {
    pub fn de<T: DeserializeOwned>(&self, item: &RawValue) -> Result<T, IngestError> {
        if !item.get().trim_start().starts_with('{') {
            return Err(field_err(self.file, self.res, ".", "expected an object"));
        }
        let mut d = serde_json::Deserializer::from_str(item.get());
        serde_path_to_error::deserialize(&mut d).map_err(|e| {
            let path = fmt_path(e.path());
            // The position is within the item, not the file: leave it out.
            let inner = e.inner().to_string();
            let inner = match inner.rfind(" at line ") {
                Some(at) => inner[..at].to_string(),
                None => inner,
            };
            let (field, message) = split_serde(&path, &inner);
            field_err(self.file, self.res, field, message)
        })
    }

    pub fn err(&self, field: impl Into<String>, message: impl Into<String>) -> IngestError {
        field_err(self.file, self.res, field, message)
    }
}
