//! A resource's tags as the AWS CLI prints them, in every document that has
//! them.

use serde_json::{Value, json};

pub(super) fn tags(t: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Array(
        t.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}
