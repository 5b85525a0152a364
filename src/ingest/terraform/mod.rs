//! What-if on a Terraform plan: the `resource_changes` of `terraform show
//! -json PLAN` applied to a loaded [`Network`].
//!
//! `plan.rs` reads the document (own DTOs, unknown fields ignored), the
//! type files apply one family each: `groups.rs` (security groups and their
//! rules, four resource types), `nacls.rs` (network ACLs and their rules),
//! `routes.rs` (routes and route-table associations), `cvpn.rs` (Client VPN
//! authorization rules and routes). Everything else is listed as not
//! applied, by address, never dropped silently.
//!
//! Values known only after apply: a resource the plan creates gets a
//! placeholder ID, `ADDRESS (known after apply)`, and a reference to its
//! `id` (found through the plan's `configuration`) resolves to it. A value
//! that decides reachability and stays unknown is written so the engine
//! already answers `unknown` for what it could decide, naming the address:
//! a security-group peer or a route destination becomes a prefix list the
//! input has no entries for (`ADDRESS.FIELD (known after apply)`), a route
//! target a target the engine does not follow, a network ACL entry the ACL
//! itself, re-associated as an ACL the input lacks. Never a guess.
//!
//! Like the other readers, it knows nothing of the engine; unlike them it
//! works on a finished [`Network`], which it changes only when the whole
//! plan applies.

mod cvpn;
mod groups;
mod nacls;
mod plan;
mod routes;
mod sg_rules;

use std::collections::BTreeMap;

use crate::model::Network;

use super::error::IngestError;
use plan::{Change, Plan};

pub use plan::PlanAction;

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

/// Applies the plan in `text` (read from `file`) to `net`. No IO. On an
/// error `net` is unchanged.
pub(crate) fn apply(net: &mut Network, file: &str, text: &str) -> Result<PlanReport, IngestError> {
    let plan = Plan::parse(file, text)?;
    let mut work = net.clone();
    let mut cx = Cx {
        plan: &plan,
        net: &mut work,
        report: PlanReport {
            file: file.to_string(),
            unchanged: plan.unchanged,
            ..PlanReport::default()
        },
        index: BTreeMap::new(),
    };
    // Removals first (a replaced rule frees its number), then what holds
    // rules (groups, ACLs: a rule may name one the plan creates), then the rest.
    for pass in [Pass::Remove, Pass::Holders, Pass::Rest] {
        for c in &plan.changes {
            cx.apply(c, pass)?;
        }
    }
    let report = cx.report;
    *net = work;
    // Associations may have moved: the lookup indexes are rebuilt.
    net.reindex();
    Ok(report)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Remove,
    Holders,
    Rest,
}

/// A plan being applied: the plan, the network, the report.
struct Cx<'p, 'n> {
    plan: &'p Plan,
    net: &'n mut Network,
    report: PlanReport,
    /// Address -> index in `report.applied`.
    index: BTreeMap<String, usize>,
}

/// A resource type's removal and addition.
type Step = fn(&mut Cx<'_, '_>, &Change) -> Result<(), IngestError>;

impl Cx<'_, '_> {
    fn file(&self) -> &str {
        &self.plan.file
    }

    fn apply(&mut self, c: &Change, pass: Pass) -> Result<(), IngestError> {
        let (holder, remove, add, update): (bool, Step, Step, Step) = match c.kind.as_str() {
            "aws_security_group" => (
                true,
                groups::remove_group,
                groups::add_group,
                groups::update_group,
            ),
            "aws_security_group_rule"
            | "aws_vpc_security_group_ingress_rule"
            | "aws_vpc_security_group_egress_rule" => (
                false,
                groups::remove_rule,
                groups::add_rule,
                groups::update_rule,
            ),
            "aws_network_acl" => (true, nacls::remove_acl, nacls::add_acl, nacls::update_acl),
            "aws_network_acl_rule" => (
                false,
                nacls::remove_rule,
                nacls::add_rule,
                nacls::update_rule,
            ),
            "aws_route" => (
                false,
                routes::remove_route,
                routes::add_route,
                routes::update_route,
            ),
            "aws_route_table_association" => (
                false,
                routes::remove_association,
                routes::add_association,
                routes::update_association,
            ),
            "aws_ec2_client_vpn_authorization_rule" => {
                (false, cvpn::remove_auth, cvpn::add_auth, cvpn::update_auth)
            }
            "aws_ec2_client_vpn_route" => (
                false,
                cvpn::remove_route,
                cvpn::add_route,
                cvpn::update_route,
            ),
            other => {
                if pass == Pass::Remove {
                    let message = format!(
                        "resource type `{other}` is not applied ({}): the what-if does not include this change",
                        c.action.name()
                    );
                    self.report.warnings.push(PlanWarning {
                        address: c.address.clone(),
                        message,
                    });
                }
                return Ok(());
            }
        };
        match pass {
            Pass::Remove if c.action.deletes() => {
                self.entry(c);
                remove(self, c)
            }
            Pass::Holders | Pass::Rest if (pass == Pass::Holders) == holder => match c.action {
                PlanAction::Create | PlanAction::Replace => {
                    self.entry(c);
                    add(self, c)
                }
                PlanAction::Update => {
                    self.entry(c);
                    update(self, c)
                }
                PlanAction::Delete => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The report entry of a change, made on first use.
    fn entry(&mut self, c: &Change) -> &mut AppliedChange {
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

    fn warn(&mut self, c: &Change, message: impl Into<String>) {
        self.report.warnings.push(PlanWarning {
            address: c.address.clone(),
            message: message.into(),
        });
    }

    fn touched(&mut self, c: &Change, id: &str) {
        let e = self.entry(c);
        if !e.touched.iter().any(|t| t == id) {
            e.touched.push(id.to_string());
        }
    }

    fn changed(&mut self, c: &Change, line: impl Into<String>) {
        self.entry(c).changes.push(line.into());
    }

    fn unknown(&mut self, c: &Change, line: impl Into<String>) {
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
enum Id {
    Known(String),
    Absent,
    Unknown(String),
}

impl Cx<'_, '_> {
    /// An ID field: `value` as read, `path` in `after_unknown`,
    /// `config` its path in the configuration's expressions.
    /// `before` values are always known.
    fn id(
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
fn updated_rules<T>(
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
