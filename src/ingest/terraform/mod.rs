//! What-if on a Terraform plan: the `resource_changes` of `terraform show
//! -json PLAN` applied to a loaded [`Network`].
//!
//! `plan.rs` reads the document (own DTOs, unknown fields ignored), the
//! type files apply one family each: `groups.rs` (security groups and their
//! rules, four resource types; the rules' attributes lowered in
//! `sg_rules.rs`), `nacls.rs` (network ACLs and their rules), `routes.rs`
//! (routes and route-table associations), `cvpn.rs` (Client VPN
//! authorization rules and routes); below them `cx.rs`, what they share
//! (the plan being applied, the report). Everything else is listed as not
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
mod cx;
mod groups;
mod nacls;
mod plan;
mod routes;
mod sg_rules;

use std::collections::BTreeMap;

use crate::model::Network;

use super::error::IngestError;
use cx::Cx;
use plan::{Change, Plan};

pub use cx::{AppliedChange, PlanReport, PlanWarning};
pub use plan::PlanAction;

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
            apply_change(&mut cx, c, pass)?;
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

/// A resource type's removal and addition.
type Step = fn(&mut Cx<'_, '_>, &Change) -> Result<(), IngestError>;

/// Applies change `c` in `pass`: its type's removal, addition or update
/// step, or (once) a warning that the type is not applied.
fn apply_change(cx: &mut Cx<'_, '_>, c: &Change, pass: Pass) -> Result<(), IngestError> {
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
                cx.report.warnings.push(PlanWarning {
                    address: c.address.clone(),
                    message,
                });
            }
            return Ok(());
        }
    };
    match pass {
        Pass::Remove if c.action.deletes() => {
            cx.entry(c);
            remove(cx, c)
        }
        Pass::Holders | Pass::Rest if (pass == Pass::Holders) == holder => match c.action {
            PlanAction::Create | PlanAction::Replace => {
                cx.entry(c);
                add(cx, c)
            }
            PlanAction::Update => {
                cx.entry(c);
                update(cx, c)
            }
            PlanAction::Delete => Ok(()),
        },
        _ => Ok(()),
    }
}
