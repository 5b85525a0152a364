//! The JSON `terraform show -json PLAN` prints, as own DTOs (unknown fields
//! ignored: the format grows), and what a change needs read off it: its
//! action, its `before`/`after` attributes, which of them are known only
//! after apply (`after_unknown`), and — from the `configuration` section —
//! which resource an unknown ID refers to.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ingest::common::fmt_path;
use crate::ingest::error::{IngestError, field_err, one_line, split_serde};

/// The top of the document. `planned_values` and `terraform_version` are
/// read only to tell a plan from other JSON.
#[derive(Deserialize)]
struct PlanDto {
    format_version: Option<String>,
    #[serde(default)]
    planned_values: Option<Value>,
    #[serde(default)]
    resource_changes: Option<Vec<Value>>,
    #[serde(default)]
    configuration: Option<Value>,
}

/// One item of `resource_changes`.
#[derive(Deserialize)]
struct ResourceChangeDto {
    address: String,
    module_address: Option<String>,
    #[serde(default = "managed")]
    mode: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    index: Option<Value>,
    change: ChangeDto,
}

fn managed() -> String {
    "managed".into()
}

#[derive(Deserialize)]
struct ChangeDto {
    actions: Vec<String>,
    #[serde(default)]
    before: Option<Value>,
    #[serde(default)]
    after: Option<Value>,
    #[serde(default)]
    after_unknown: Option<Value>,
}

/// What a change does to the infrastructure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanAction {
    Create,
    Update,
    Delete,
    /// Delete, then create (`["delete","create"]`) or the reverse
    /// (`create_before_destroy`): the same end state.
    Replace,
}

impl PlanAction {
    pub fn name(self) -> &'static str {
        match self {
            PlanAction::Create => "create",
            PlanAction::Update => "update",
            PlanAction::Delete => "delete",
            PlanAction::Replace => "replace",
        }
    }

    pub(super) fn deletes(self) -> bool {
        matches!(self, PlanAction::Delete | PlanAction::Replace)
    }

    pub(super) fn creates(self) -> bool {
        matches!(self, PlanAction::Create | PlanAction::Replace)
    }
}

/// One resource change that changes something (`no-op`, `read` and
/// `forget` are left out when read).
pub(super) struct Change {
    pub address: String,
    /// `module.a[0]`, or empty at the root.
    pub module: String,
    pub kind: String,
    pub index: Option<Value>,
    pub action: PlanAction,
    pub before: Value,
    pub after: Value,
    pub after_unknown: Value,
}

/// A step into an attribute value.
#[derive(Clone, Copy, Debug)]
pub(super) enum Seg<'a> {
    Key(&'a str),
    Idx(usize),
}

fn step<'v>(v: &'v Value, s: Seg<'_>) -> Option<&'v Value> {
    match s {
        Seg::Key(k) => v.get(k),
        Seg::Idx(i) => v.get(i),
    }
}

fn show(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Idx(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

impl Change {
    /// ``resource `aws_x.y` ``: how messages name it.
    pub fn resource(&self) -> String {
        format!("`{}`", self.address)
    }

    /// True when `after_unknown` marks the value at `path` (or a value
    /// containing it) as known only after apply.
    pub fn unknown_at(&self, path: &[Seg<'_>]) -> bool {
        let mut cur = &self.after_unknown;
        for s in path {
            if cur == &Value::Bool(true) {
                return true;
            }
            match step(cur, *s) {
                Some(v) => cur = v,
                None => return false,
            }
        }
        cur == &Value::Bool(true)
    }

    /// `before` (`after == false`) or `after` read as `T`; an error names
    /// the file, the address and the field.
    pub fn attrs<T: DeserializeOwned>(&self, file: &str, after: bool) -> Result<T, IngestError> {
        let (v, side) = if after {
            (&self.after, "after")
        } else {
            (&self.before, "before")
        };
        let v = if v.is_null() {
            &Value::Object(Default::default())
        } else {
            v
        };
        serde_path_to_error::deserialize(v).map_err(|e| {
            let path = fmt_path(e.path());
            let path = if path == "?" { String::new() } else { path };
            let (field, message) = split_serde(&path, &e.inner().to_string());
            let field = if field == "." {
                format!("change.{side}")
            } else {
                format!("change.{side}.{field}")
            };
            field_err(file, &self.resource(), field, message)
        })
    }

    /// An error about the field at `path` of `after` (or `before`).
    pub fn err(
        &self,
        file: &str,
        after: bool,
        path: &[Seg<'_>],
        message: impl Into<String>,
    ) -> IngestError {
        let side = if after { "after" } else { "before" };
        field_err(
            file,
            &self.resource(),
            format!("change.{side}.{}", show(path)),
            message,
        )
    }

    /// How the field at `path` is written for people: `aws_x.y.cidr_blocks[0]`.
    pub fn field_name(&self, path: &[Seg<'_>]) -> String {
        format!("{}.{}", self.address, show(path))
    }
}

/// The plan as read: its changes, the placeholder IDs of resources it
/// creates, and the references of the configuration.
pub(super) struct Plan {
    pub file: Arc<str>,
    pub changes: Vec<Change>,
    /// Changes of data sources and `no-op`/`read`/`forget` changes: nothing
    /// changes in the network.
    pub unchanged: usize,
    /// Address of a resource this plan creates with an ID known only after
    /// apply -> the ID the model gives it meanwhile.
    pub placeholders: BTreeMap<String, String>,
    /// Configuration address (module path and resource, instance keys
    /// removed) -> the resource's `expressions`.
    config: BTreeMap<String, Value>,
}

/// The ID a resource created in the plan has until it is applied.
pub fn placeholder(address: &str) -> String {
    format!("{address} (known after apply)")
}

impl Plan {
    pub fn parse(file: &str, text: &str) -> Result<Plan, IngestError> {
        let file: Arc<str> = Arc::from(file);
        let parse_err = |message: String| IngestError::Parse {
            file: file.to_string(),
            message: one_line(&message),
        };
        let de = &mut serde_json::Deserializer::from_str(text);
        let dto: PlanDto = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = fmt_path(e.path());
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() || path.is_empty() || path == "?" {
                parse_err(format!("not a terraform plan's JSON: {inner}"))
            } else {
                field_err(&file, "plan", path, inner.to_string())
            }
        })?;
        let Some(version) = dto.format_version else {
            return Err(field_err(
                &file,
                "plan",
                "format_version",
                "missing: not the output of `terraform show -json PLAN`",
            ));
        };
        if version.split('.').next() != Some("1") {
            return Err(field_err(
                &file,
                "plan",
                "format_version",
                format!("unsupported version `{version}` (this reader knows 1.x)"),
            ));
        }
        if dto.planned_values.is_none() && dto.resource_changes.is_none() {
            return Err(field_err(
                &file,
                "plan",
                "resource_changes",
                "missing: this is not a plan (`terraform show -json` of a state has no changes)",
            ));
        }
        let mut changes = Vec::new();
        let mut unchanged = 0;
        for (at, raw) in dto
            .resource_changes
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let name = raw
                .get("address")
                .and_then(Value::as_str)
                .map(|a| format!("`{a}`"))
                .unwrap_or_else(|| format!("resource_changes[{at}]"));
            let rc: ResourceChangeDto = serde_path_to_error::deserialize(&raw).map_err(|e| {
                let path = fmt_path(e.path());
                let path = if path == "?" { String::new() } else { path };
                let (field, message) = split_serde(&path, &e.inner().to_string());
                let field = if field == "." {
                    format!("resource_changes[{at}]")
                } else {
                    field
                };
                field_err(&file, &name, field, message)
            })?;
            let acts: Vec<&str> = rc.change.actions.iter().map(String::as_str).collect();
            let action = match acts.as_slice() {
                ["create"] => Some(PlanAction::Create),
                ["update"] => Some(PlanAction::Update),
                ["delete"] => Some(PlanAction::Delete),
                ["delete", "create"] | ["create", "delete"] => Some(PlanAction::Replace),
                ["no-op"] | ["read"] | ["forget"] | [] => None,
                _ => {
                    return Err(field_err(
                        &file,
                        &name,
                        "change.actions",
                        format!("unsupported actions `{}`", acts.join(",")),
                    ));
                }
            };
            let Some(action) = action.filter(|_| rc.mode == "managed") else {
                unchanged += 1;
                continue;
            };
            changes.push(Change {
                address: rc.address,
                module: rc.module_address.unwrap_or_default(),
                kind: rc.kind,
                index: rc.index,
                action,
                before: rc.change.before.unwrap_or(Value::Null),
                after: rc.change.after.unwrap_or(Value::Null),
                after_unknown: rc.change.after_unknown.unwrap_or(Value::Null),
            });
        }
        let placeholders = changes
            .iter()
            .filter(|c| c.action.creates() && c.unknown_at(&[Seg::Key("id")]))
            .map(|c| (c.address.clone(), placeholder(&c.address)))
            .collect();
        let mut config = BTreeMap::new();
        if let Some(root) = dto
            .configuration
            .as_ref()
            .and_then(|c| c.get("root_module"))
        {
            collect_config(root, "", 0, &mut config);
        }
        Ok(Plan {
            file,
            changes,
            unchanged,
            placeholders,
            config,
        })
    }

    /// The references the configuration gives for the field at `path` of
    /// `c` (nested blocks: every block's), like `aws_security_group.web.id`.
    pub fn references(&self, c: &Change, path: &[&str]) -> Vec<String> {
        let Some(exprs) = self.config.get(&self.config_key(c)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        refs_under(exprs, path, &mut out);
        out
    }

    /// Whether the configuration writes the field at `path` of `c` (an
    /// argument, or one inside a block); `None` when the plan has no
    /// configuration for it.
    pub fn writes(&self, c: &Change, path: &[&str]) -> Option<bool> {
        fn has(v: &Value, path: &[&str]) -> bool {
            match (v, path) {
                (_, []) => true,
                (Value::Array(a), _) => a.iter().any(|x| has(x, path)),
                (Value::Object(o), [k, rest @ ..]) => o.get(*k).is_some_and(|x| has(x, rest)),
                _ => false,
            }
        }
        self.config.get(&self.config_key(c)).map(|e| has(e, path))
    }

    /// The value at `path` of `c`'s `after` is known only after apply. An
    /// argument AWS computes when the configuration does not write it
    /// (`source_security_group_id`, a group's `egress`, an ACL's
    /// `subnet_ids`) is not: it stays unset.
    pub fn unknown(&self, c: &Change, path: &[Seg<'_>]) -> bool {
        let keys: Vec<&str> = path
            .iter()
            .filter_map(|s| match s {
                Seg::Key(k) => Some(*k),
                Seg::Idx(_) => None,
            })
            .collect();
        c.unknown_at(path) && self.writes(c, &keys) != Some(false)
    }

    fn config_key(&self, c: &Change) -> String {
        join(
            &strip_keys(&c.module),
            &strip_keys(&c.address[prefix_len(c)..]),
        )
    }

    /// The placeholder ID of the resource created in this plan whose `id`
    /// the field at `path` of `c` is, when the configuration says which.
    pub fn resolve_id(&self, c: &Change, path: &[&str]) -> Option<String> {
        let module = if c.module.is_empty() {
            String::new()
        } else {
            format!("{}.", c.module)
        };
        let mut found: Vec<&String> = Vec::new();
        for r in self.references(c, path) {
            let Some(target) = r.strip_suffix(".id") else {
                continue;
            };
            let full = format!("{module}{target}");
            if let Some(p) = self.placeholders.get(&full) {
                found.push(p);
                continue;
            }
            // `aws_x.y[count.index]`: the instance of the same key, else
            // the only instance the plan creates.
            if let Some(idx) = &c.index
                && let Some(p) = self.placeholders.get(&format!("{full}[{idx}]"))
            {
                found.push(p);
                continue;
            }
            let inst: Vec<&String> = self
                .placeholders
                .iter()
                .filter(|(a, _)| a.starts_with(&format!("{full}[")))
                .map(|(_, p)| p)
                .collect();
            if let [p] = inst.as_slice() {
                found.push(p);
            }
        }
        found.dedup();
        match found.as_slice() {
            [p] => Some((*p).clone()),
            _ => None,
        }
    }
}

/// Where the resource part of a change's address starts (after its module).
fn prefix_len(c: &Change) -> usize {
    if c.module.is_empty() || !c.address.starts_with(&c.module) {
        0
    } else {
        (c.module.len() + 1).min(c.address.len())
    }
}

fn join(module: &str, rest: &str) -> String {
    if module.is_empty() {
        rest.to_string()
    } else {
        format!("{module}.{rest}")
    }
}

/// An address without instance keys: `module.a[0].aws_x.y["k"]` is
/// `module.a.aws_x.y`.
fn strip_keys(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut quoted = false;
    let mut prev = '\0';
    for ch in s.chars() {
        match ch {
            '"' if depth > 0 && prev != '\\' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
        prev = ch;
    }
    out
}

/// Every resource of a configuration module and its module calls, by
/// address with the module path (`module.net.aws_x.y`).
fn collect_config(module: &Value, prefix: &str, depth: usize, out: &mut BTreeMap<String, Value>) {
    if depth > 32 {
        return;
    }
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(a), Some(e)) = (
            r.get("address").and_then(Value::as_str),
            r.get("expressions"),
        ) {
            out.insert(join(prefix, a), e.clone());
        }
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(m) = call.get("module") {
            collect_config(m, &join(prefix, &format!("module.{name}")), depth + 1, out);
        }
    }
}

/// References under an expression path; a nested block is an array of
/// objects (or one object), each searched.
fn refs_under(v: &Value, path: &[&str], out: &mut Vec<String>) {
    match (v, path) {
        (Value::Array(a), _) => a.iter().for_each(|x| refs_under(x, path, out)),
        (Value::Object(o), []) => {
            for r in o
                .get("references")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(s) = r.as_str() {
                    out.push(s.to_string());
                }
            }
        }
        (Value::Object(o), [k, rest @ ..]) => {
            if let Some(x) = o.get(*k) {
                refs_under(x, rest, out);
            }
        }
        _ => {}
    }
}
