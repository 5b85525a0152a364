//! The intents file: flows that must be reachable (`intents:`) and flows
//! that must stay unreachable (`must_not:`), each `from`/`to` as a query
//! takes them, `ports`, `proto` (tcp by default), and for `client` the
//! user's `groups` and the endpoint (`via`). Parsed untyped first, then field
//! by field, so every error names the file and the field. No IO.

use serde_json::Value;

use crate::engine::{QueryOptions, QuerySpec, parse_port_range};
use crate::model::Protocol;

use super::types::SynthError;

/// One flow of the intents file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    /// `intents[0]`, `must_not[2]`: where it is written.
    pub at: String,
    pub from: String,
    pub to: String,
    pub protocol: Protocol,
    /// Destination ports (tcp, udp) or ICMP type, inclusive.
    pub ports: (u16, u16),
    /// For `client`: the user's groups; each is asked alone (a user in that
    /// group). Empty: every user the endpoint's rules tell apart.
    pub groups: Vec<String>,
    /// For `client`: the one access endpoint.
    pub via: Option<String>,
}

impl Intent {
    /// The intent as a query: `client->i-0abc:22/tcp`.
    pub fn query_text(&self) -> String {
        let to = match self.to.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V6(a)) => format!("[{a}]"),
            _ => self.to.clone(),
        };
        let ports = if self.ports.0 == self.ports.1 {
            self.ports.0.to_string()
        } else {
            format!("{}-{}", self.ports.0, self.ports.1)
        };
        format!("{}->{to}:{ports}/{}", self.from, self.protocol.name())
    }

    pub fn spec(&self) -> Result<QuerySpec, SynthError> {
        QuerySpec::parse(&self.query_text()).map_err(|e| SynthError::Engine {
            at: self.at.clone(),
            message: e.to_string(),
        })
    }

    /// The query options of each user the intent names: one per group, or
    /// one without groups.
    pub fn options(&self) -> Vec<QueryOptions> {
        let base = QueryOptions {
            via: self.via.clone(),
            ..QueryOptions::default()
        };
        if self.groups.is_empty() {
            return vec![base];
        }
        self.groups
            .iter()
            .map(|g| QueryOptions {
                groups: vec![g.clone()],
                ..base.clone()
            })
            .collect()
    }
}

/// The parsed file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Intents {
    pub file: String,
    pub must: Vec<Intent>,
    pub must_not: Vec<Intent>,
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses an intents document; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Intents, SynthError> {
    let bad = |field: &str, message: String| SynthError::Intents {
        file: file.to_string(),
        field: field.to_string(),
        message,
    };
    let value: Value = serde_saphyr::from_str(text).map_err(|e| {
        bad(
            "",
            format!(
                "invalid yaml: {}",
                one_line(&e.without_snippet().to_string())
            ),
        )
    })?;
    let Value::Object(top) = value else {
        return Err(bad(
            "",
            "expected a mapping with `intents:` at the top".into(),
        ));
    };
    for k in top.keys() {
        if k != "intents" && k != "must_not" {
            return Err(bad(
                k,
                "unknown key: expected `intents` or `must_not`".into(),
            ));
        }
    }
    let list = |key: &str| -> Result<Vec<Intent>, SynthError> {
        match top.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| intent(file, &format!("{key}[{i}]"), v))
                .collect(),
            Some(_) => Err(bad(key, "expected a list of flows".into())),
        }
    };
    let must = list("intents")?;
    let must_not = list("must_not")?;
    if must.is_empty() {
        return Err(bad(
            "intents",
            "expected at least one flow that must be reachable".into(),
        ));
    }
    let out = Intents {
        file: file.to_string(),
        must,
        must_not,
    };
    // Each flow must be a query the engine parses.
    for i in out.must.iter().chain(&out.must_not) {
        i.spec().map_err(|e| bad(&i.at, e.to_string()))?;
    }
    Ok(out)
}

fn intent(file: &str, at: &str, v: &Value) -> Result<Intent, SynthError> {
    let bad = |field: &str, message: &str| SynthError::Intents {
        file: file.to_string(),
        field: if field.is_empty() {
            at.to_string()
        } else {
            format!("{at}.{field}")
        },
        message: message.to_string(),
    };
    let Value::Object(m) = v else {
        return Err(bad("", "expected a mapping `{from: …, to: …, ports: …}`"));
    };
    for k in m.keys() {
        if !["from", "to", "ports", "proto", "groups", "via", "name"].contains(&k.as_str()) {
            return Err(bad(
                k,
                "unknown key: expected from, to, ports, proto, groups, via or name",
            ));
        }
    }
    let text = |k: &str| -> Result<Option<String>, SynthError> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(bad(k, "expected a non-empty string")),
        }
    };
    let from = text("from")?.ok_or_else(|| {
        bad(
            "from",
            "missing: a source as a query takes it (`client`, `internet`, i-…, eni-…, an IP)",
        )
    })?;
    let to = text("to")?.ok_or_else(|| {
        bad(
            "to",
            "missing: a destination as a query takes it (i-…, eni-…, an IP)",
        )
    })?;
    let protocol = match text("proto")?.as_deref() {
        None => Protocol::TCP,
        Some(p) => match p.to_ascii_lowercase().as_str() {
            "tcp" => Protocol::TCP,
            "udp" => Protocol::UDP,
            "icmp" => Protocol::ICMP,
            "icmpv6" => Protocol::ICMPV6,
            _ => {
                return Err(bad(
                    "proto",
                    &format!("`{p}`: expected tcp, udp, icmp or icmpv6"),
                ));
            }
        },
    };
    let ports = match text("ports")? {
        None => return Err(bad("ports", "missing: a port `22` or a range `1024-65535`")),
        Some(p) => {
            let r = parse_port_range(&p).map_err(|_| {
                bad(
                    "ports",
                    &format!("`{p}`: expected a port `22` or a range `1024-65535`"),
                )
            })?;
            if protocol.is_icmp() && r.1 > 255 {
                return Err(bad("ports", &format!("`{p}`: an ICMP type is 0-255")));
            }
            r
        }
    };
    let groups = match m.get("groups") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(j, g)| match g {
                Value::String(s) if !s.is_empty() => Ok(s.clone()),
                _ => Err(bad(&format!("groups[{j}]"), "expected a group name")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("groups", "expected a list of group names")),
    };
    let via = text("via")?;
    if from != "client" && (!groups.is_empty() || via.is_some()) {
        return Err(bad(
            if groups.is_empty() { "via" } else { "groups" },
            "applies to `from: client` only",
        ));
    }
    Ok(Intent {
        at: at.to_string(),
        from,
        to,
        protocol,
        ports,
        groups,
        via,
    })
}
