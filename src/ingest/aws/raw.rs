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

/// The top-level keys of a document, in order, each with its value: a list
/// split into its items' raw JSON text (no DOM is built: items are
/// deserialized straight from their text), `ReachFetch`'s raw text, or what
/// else it is.
pub(super) struct Top<'a>(pub Vec<(String, TopValue<'a>)>);

/// A top-level value, read once.
pub(super) enum TopValue<'a> {
    List(Vec<&'a RawValue>),
    /// `ReachFetch`: read by its own type.
    Raw(&'a RawValue),
    Null,
    /// Neither a list nor null.
    Other,
}

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
                while let Some(k) = m.next_key::<String>()? {
                    let v = if k == "ReachFetch" {
                        TopValue::Raw(m.next_value::<&'de RawValue>()?)
                    } else {
                        m.next_value::<Shape<'a>>()?.0
                    };
                    out.push((k, v));
                }
                Ok(Top(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A top-level value as [`TopValue`], read in one pass.
struct Shape<'a>(TopValue<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Shape<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Shape<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any json value")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<Shape<'a>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = s.next_element::<&'de RawValue>()? {
                    items.push(item);
                }
                Ok(Shape(TopValue::List(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Shape<'a>, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Shape(TopValue::Other))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Shape<'a>, E> {
                Ok(Shape(TopValue::Null))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Shape<'a>, E> {
                Ok(Shape(TopValue::Other))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Shape<'a>, E> {
                Ok(Shape(TopValue::Other))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Shape<'a>, E> {
                Ok(Shape(TopValue::Other))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Shape<'a>, E> {
                Ok(Shape(TopValue::Other))
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Shape<'a>, E> {
                Ok(Shape(TopValue::Other))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The value of field `name` of a JSON object, if it is a string; reads the
/// object up to that field, skipping everything else.
pub(super) fn string_field(raw: &RawValue, name: &str) -> Option<String> {
    struct V<'n, 'f>(&'n str, &'f mut Option<String>);
    impl<'de> Visitor<'de> for V<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
            while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                if k == self.0 {
                    // A string: found, and the rest need not be read (the
                    // error only stops the reading). Anything else: none.
                    if let Some(s) = m.next_value::<Option<String>>()? {
                        *self.1 = Some(s);
                        return Err(serde::de::Error::custom("found"));
                    }
                } else {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }
    let mut found = None;
    let mut d = serde_json::Deserializer::from_str(raw.get());
    let _ = serde::Deserializer::deserialize_map(&mut d, V(name, &mut found));
    found
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
