//! A plan being applied ([`Cx`]: the plan, the network being changed, the
//! report) and what every family file shares: what a change did, recorded
//! in the [`PlanReport`]; ID fields, known or only after apply ([`Id`]); a
//! resource's rules after an in-place update.

use std::collections::BTreeMap;

use super::plan::{self, Change, Plan, PlanAction};
use crate::model::Network;

/// What applying a plan did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanReport {
    /// The plan file, as messages and origins name it.
    pub file: String,
    /// One per resource change applied, in the plan's order.
    pub applied: Vec<AppliedChange>,
    /// Changes not applied (resource types this reader does not apply,
    /// resources the network lacks, values unknown until apply that could
    /// not be represented), by address.
    pub warnings: Vec<PlanWarning>,
    /// Changes that change nothing: `no-op`, `read`, `forget`, data sources.
    pub unchanged: usize,
}

impl PlanReport {
    /// The applied change of `address`.
    pub fn get(&self, address: &str) -> Option<&AppliedChange> {
        self.applied.iter().find(|a| a.address == address)
    }
}

/// One resource change applied to the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedChange {
    /// The Terraform address, `aws_security_group_rule.ssh`.
    pub address: String,
    /// The resource type, `aws_security_group_rule`.
    pub kind: String,
    pub action: PlanAction,
    /// The AWS IDs of the resources it changed (a group, an ACL, a route
    /// table, a Client VPN endpoint, a subnet), or placeholders for those
    /// the plan creates.
    pub touched: Vec<String>,
    /// What changed in the model, one line each. Empty: nothing the network
    /// sees (tags, descriptions).
    pub changes: Vec<String>,
    /// Values known only after apply and what the model holds meanwhile.
    pub unknown: Vec<String>,
}

/// A change, or part of one, not applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanWarning {
    pub address: String,
    pub message: String,
}

/// A plan being applied: the plan, the network, the report.
pub(super) struct Cx<'p, 'n> {
    pub(super) plan: &'p Plan,
    pub(super) net: &'n mut Network,
    pub(super) report: PlanReport,
    /// Address -> index in `report.applied`.
    pub(super) index: BTreeMap<String, usize>,
}

impl Cx<'_, '_> {
    pub(super) fn file(&self) -> &str {
        &self.plan.file
    }

    /// The report entry of a change, made on first use.
    pub(super) fn entry(&mut self, c: &Change) -> &mut AppliedChange {
        let i = match self.index.get(&c.address) {
            Some(i) => *i,
            None => {
                self.report.applied.push(AppliedChange {
                    address: c.address.clone(),
                    kind: c.kind.clone(),
                    action: c.action,
                    touched: Vec::new(),
                    changes: Vec::new(),
                    unknown: Vec::new(),
                });
                self.index
                    .insert(c.address.clone(), self.report.applied.len() - 1);
                self.report.applied.len() - 1
            }
        };
        &mut self.report.applied[i]
    }

    pub(super) fn warn(&mut self, c: &Change, message: impl Into<String>) {
        self.report.warnings.push(PlanWarning {
            address: c.address.clone(),
            message: message.into(),
        });
    }

    pub(super) fn touched(&mut self, c: &Change, id: &str) {
        let e = self.entry(c);
        if !e.touched.iter().any(|t| t == id) {
            e.touched.push(id.to_string());
        }
    }

    pub(super) fn changed(&mut self, c: &Change, line: impl Into<String>) {
        self.entry(c).changes.push(line.into());
    }

    pub(super) fn unknown(&mut self, c: &Change, line: impl Into<String>) {
        let line = line.into();
        let e = self.entry(c);
        if !e.unknown.contains(&line) {
            e.unknown.push(line);
        }
    }
}

/// An ID-valued field: known, absent (`null` or empty), or known only after
/// apply — then resolved to the placeholder of the resource the plan creates
/// when the configuration says which, else named by `ADDRESS.FIELD`.
pub(super) enum Id {
    Known(String),
    Absent,
    Unknown(String),
}

impl Cx<'_, '_> {
    /// An ID field: `value` as read, `path` in `after_unknown`,
    /// `config` its path in the configuration's expressions.
    /// `before` values are always known.
    pub(super) fn id(
        &self,
        c: &Change,
        after: bool,
        value: Option<&str>,
        path: &[plan::Seg<'_>],
        config: &[&str],
    ) -> Id {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => Id::Known(strip_owner(v).to_string()),
            None if after && self.plan.unknown(c, path) => match self.plan.resolve_id(c, config) {
                Some(p) => Id::Known(p),
                None => Id::Unknown(c.field_name(path)),
            },
            None => Id::Absent,
        }
    }
}

/// A resource's rules after an update to `new`: those of `old` that `new`
/// has too (`same`), which keep their names, then the new ones; each rule
/// removed or added is a line (`describe`d).
pub(super) fn updated_rules<T>(
    old: Vec<T>,
    new: Vec<T>,
    same: impl Fn(&T, &T) -> bool,
    describe: impl Fn(&T) -> String,
    lines: &mut Vec<String>,
) -> Vec<T> {
    let mut kept = Vec::new();
    for o in old {
        if new.iter().any(|n| same(n, &o)) {
            kept.push(o);
        } else {
            lines.push(format!("{} removed", describe(&o)));
        }
    }
    for n in new {
        if !kept.iter().any(|k| same(k, &n)) {
            lines.push(format!("{} added", describe(&n)));
            kept.push(n);
        }
    }
    kept
}

/// `123456789012/sg-1` (a group of another account) is `sg-1`.
fn strip_owner(id: &str) -> &str {
    match id.split_once('/') {
        Some((owner, rest)) if owner.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => id,
    }
}
