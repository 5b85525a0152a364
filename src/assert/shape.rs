//! The policy file's shape, as serde reads it: unknown keys are errors;
//! values are scalars or lists of them ([`List`]), checked later by
//! `fields.rs`, `native.rs` and `naa.rs`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;

/// A scalar written as a string, number or boolean.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar(s.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Scalar, E> {
                Ok(Scalar(b.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// One scalar or a list of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct List(pub(super) Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<List, E> {
                Ok(List(vec![s.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<List, E> {
                Ok(List(vec![n.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<List, E> {
                Ok(List(vec![n.to_string()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut out = Vec::new();
                while let Some(Scalar(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(List(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PolicyY {
    #[serde(default)]
    pub(super) assertions: Vec<AssertionY>,
    #[serde(rename = "NetworkInsightsAccessScopeId")]
    pub(super) id: Option<String>,
    #[serde(rename = "MatchPaths")]
    pub(super) match_paths: Option<Vec<NaaPathY>>,
    #[serde(rename = "ExcludePaths")]
    pub(super) exclude_paths: Option<Vec<NaaPathY>>,
    #[serde(rename = "NetworkInsightsAccessScopeContent")]
    pub(super) content: Option<ScopeY>,
}

/// An NAA scope: what `get-network-insights-access-scope-content` prints
/// under `NetworkInsightsAccessScopeContent`, or the input of
/// `create-network-insights-access-scope`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScopeY {
    #[serde(rename = "NetworkInsightsAccessScopeId")]
    pub(super) id: Option<String>,
    #[serde(rename = "MatchPaths")]
    pub(super) match_paths: Option<Vec<NaaPathY>>,
    #[serde(rename = "ExcludePaths")]
    pub(super) exclude_paths: Option<Vec<NaaPathY>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AssertionY {
    pub(super) name: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) description: Option<String>,
    pub(super) from: Option<List>,
    pub(super) to: Option<List>,
    #[serde(alias = "protocols")]
    pub(super) protocol: Option<List>,
    pub(super) ports: Option<List>,
    pub(super) src_ports: Option<List>,
    pub(super) groups: Option<List>,
    pub(super) allowed: Option<List>,
    pub(super) except: Option<List>,
    pub(super) allow_from: Option<List>,
    pub(super) endpoints: Option<List>,
    #[serde(rename = "MatchPaths")]
    pub(super) match_paths: Option<Vec<NaaPathY>>,
    #[serde(rename = "ExcludePaths")]
    pub(super) exclude_paths: Option<Vec<NaaPathY>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NaaPathY {
    #[serde(rename = "Source")]
    pub(super) source: Option<NaaStatementY>,
    #[serde(rename = "Destination")]
    pub(super) destination: Option<NaaStatementY>,
    #[serde(rename = "ThroughResources")]
    pub(super) through: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NaaStatementY {
    #[serde(rename = "PacketHeaderStatement")]
    pub(super) header: Option<HeaderY>,
    #[serde(rename = "ResourceStatement")]
    pub(super) resources: Option<ResourceY>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HeaderY {
    #[serde(rename = "SourceAddresses")]
    pub(super) source_addresses: Option<List>,
    #[serde(rename = "DestinationAddresses")]
    pub(super) destination_addresses: Option<List>,
    #[serde(rename = "SourcePorts")]
    pub(super) source_ports: Option<List>,
    #[serde(rename = "DestinationPorts")]
    pub(super) destination_ports: Option<List>,
    #[serde(rename = "Protocols")]
    pub(super) protocols: Option<List>,
    #[serde(rename = "SourcePrefixLists")]
    pub(super) source_prefix_lists: Option<List>,
    #[serde(rename = "DestinationPrefixLists")]
    pub(super) destination_prefix_lists: Option<List>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ResourceY {
    #[serde(rename = "Resources")]
    pub(super) resources: Option<List>,
    #[serde(rename = "ResourceTypes")]
    pub(super) resource_types: Option<List>,
}
