//! Who asks a `client` query: users as directories really make them, in any
//! combination of the groups the rules and policies name (issue 17).
//!
//! Without `--group`, every combination of the named groups is a possible
//! user. Client VPN authorization passes a user if *any* of their groups is
//! authorized, but a Cedar policy can require two groups or forbid one, so
//! single groups do not decide. Users are therefore split into *classes*:
//! sets of group combinations that every access endpoint treats alike
//! (authorized or not, permitted, denied or undecided). The verdict of a class
//! is the verdict of any of its members, so one representative per class is
//! walked, and the class is named by its group combinations ("users in A and
//! B").
//!
//! Each endpoint's decision depends only on the groups *its* rules or
//! policies name: it is computed for every combination of those (Client VPN:
//! the authorization rules; Verified Access: the real Cedar engine, at most
//! [`MAX_ENDPOINT_GROUPS`] groups, 2^n evaluations). The endpoints' decisions
//! are then combined symbolically, as binary decision diagrams over all named
//! groups (`biodivine-lib-bdd`), so the number of groups named in total is not
//! enumerated: never sampled, exact.

use std::collections::BTreeSet;
use std::net::IpAddr;

use biodivine_lib_bdd::{Bdd, BddPartialValuation, BddVariable, BddVariableSet};

use crate::model::Network;

use crate::engine::decision::{User, VaDecision};
use crate::engine::query::{EngineError, QueryOptions};

use super::cedar::{Decider, endpoint_policy_groups};
use super::cvpn::authorize;
use super::va::{leads_to, target_addresses};

/// At most this many groups named by one Verified Access endpoint's policies
/// are evaluated in every combination (2^n Cedar evaluations); beyond, that
/// endpoint's users are `unknown` unless `--group` names them.
pub const MAX_ENDPOINT_GROUPS: usize = 14;

/// What one endpoint does with one group combination.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Allow,
    Deny,
    /// The policies could not be evaluated (the reason).
    Undecided(String),
    /// The endpoint does not lead to the destination: no decision is made.
    Irrelevant,
}

/// One endpoint's decision as a function of the groups.
enum EndpointFn {
    /// A truth table over the groups it depends on (a Verified Access
    /// endpoint's policies, evaluated by Cedar).
    Table {
        /// The groups it depends on (indexes into the named groups).
        vars: Vec<usize>,
        /// Outcome per combination of `vars` (bit i = member of `vars[i]`).
        table: Vec<Outcome>,
    },
    /// Client VPN authorization for the destination: allowed when the user
    /// is in any of these groups (the deciding rules'), or always.
    AnyOf { all: bool, groups: Vec<usize> },
}

/// The users a `client` query is answered for, and the Verified Access
/// decisions for each (per endpoint in `endpoints`, per user).
pub fn users_and_decisions(
    net: &Network,
    endpoints: &[String],
    dst: IpAddr,
    opts: &QueryOptions,
) -> Result<(Vec<User>, Vec<VaDecision>), EngineError> {
    let users = users(net, endpoints, dst, opts)?;
    let mut decisions = Vec::new();
    for e in endpoints.iter().filter_map(|e| net.va_endpoints.get(e)) {
        let here = leads_to(e, &target_addresses(net, e), dst);
        let decider = if here {
            Some(Decider::new(net, e)?)
        } else {
            None
        };
        for (i, u) in users.iter().enumerate() {
            decisions.push(if let Some(d) = &decider {
                d.decide(i, u, opts.context.as_ref())?
            } else {
                VaDecision::not_evaluated(&e.id, i)
            });
        }
    }
    Ok((users, decisions))
}

fn users(
    net: &Network,
    endpoints: &[String],
    dst: IpAddr,
    opts: &QueryOptions,
) -> Result<Vec<User>, EngineError> {
    if !opts.groups.is_empty() {
        return Ok(vec![User {
            label: Some(opts.groups.join(",")),
            groups: opts.groups.clone(),
        }]);
    }
    if let Some(c) = &opts.context {
        return Ok(vec![User {
            label: Some(format!("the user of {}", c.source)),
            groups: Vec::new(),
        }]);
    }
    // The groups each endpoint's rules or policies name for this destination:
    // a Client VPN endpoint's deciding authorization rules (the most specific
    // covering it), a Verified Access endpoint's policies.
    let mut per_endpoint: Vec<(String, BTreeSet<String>)> = Vec::new();
    for id in endpoints {
        if let Some(ep) = net.client_vpn_endpoints.get(id) {
            let named = if ep.has_groups() {
                authorize(&ep.auth_rules, dst, &[], true)
                    .deciding
                    .iter()
                    .filter_map(|r| r.group.clone())
                    .collect()
            } else {
                BTreeSet::new()
            };
            per_endpoint.push((id.clone(), named));
        } else if let Some(ep) = net.va_endpoints.get(id) {
            let here = leads_to(ep, &target_addresses(net, ep), dst);
            let named = if here {
                endpoint_policy_groups(net, ep)
            } else {
                BTreeSet::new()
            };
            per_endpoint.push((id.clone(), named));
        }
    }
    let named: Vec<String> = per_endpoint
        .iter()
        .flat_map(|(_, g)| g.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if named.is_empty() {
        return Ok(vec![User {
            label: None,
            groups: Vec::new(),
        }]);
    }
    let index = |g: &str| named.iter().position(|n| n == g).expect("named group");
    // Each endpoint's decision over every combination of its own groups.
    let mut fns = Vec::new();
    for (id, groups) in &per_endpoint {
        let vars: Vec<usize> = groups.iter().map(|g| index(g)).collect();
        if let Some(ep) = net.client_vpn_endpoints.get(id) {
            let a = authorize(&ep.auth_rules, dst, &[], ep.has_groups());
            fns.push(EndpointFn::AnyOf {
                all: a.allowed,
                groups: vars,
            });
            continue;
        }
        let table = if let Some(ep) = net.va_endpoints.get(id) {
            if !leads_to(ep, &target_addresses(net, ep), dst) {
                vec![Outcome::Irrelevant]
            } else if groups.len() > MAX_ENDPOINT_GROUPS {
                vec![Outcome::Undecided(format!(
                    "the policies of {id} name {} groups: reach evaluates every combination of at most {MAX_ENDPOINT_GROUPS} per endpoint; give the user's groups with --group",
                    groups.len()
                ))]
            } else {
                let decider = Decider::new(net, ep)?;
                let mut t = Vec::new();
                for combo in combinations(groups) {
                    let user = User {
                        label: None,
                        groups: combo,
                    };
                    let d = decider.decide(0, &user, opts.context.as_ref())?;
                    t.push(match (d.undecided, d.allowed) {
                        (Some(why), _) => Outcome::Undecided(why),
                        (None, true) => Outcome::Allow,
                        (None, false) => Outcome::Deny,
                    });
                }
                t
            }
        } else {
            continue;
        };
        let vars = if table.len() == 1 { Vec::new() } else { vars };
        fns.push(EndpointFn::Table { vars, table });
    }
    Ok(classes(&named, &fns))
}

/// Every combination of `groups`: combination `i` holds group `j` when bit
/// `j` of `i` is set.
fn combinations(groups: &BTreeSet<String>) -> impl Iterator<Item = Vec<String>> + '_ {
    let list: Vec<&String> = groups.iter().collect();
    (0..1u32 << list.len()).map(move |i| {
        list.iter()
            .enumerate()
            .filter(|(j, _)| i & (1 << j) != 0)
            .map(|(_, g)| (*g).clone())
            .collect()
    })
}

/// Splits all group combinations into classes every endpoint treats alike.
fn classes(named: &[String], fns: &[EndpointFn]) -> Vec<User> {
    // Anonymous variables, `named` names them: a group ID may hold characters
    // the BDD library refuses in a variable name (`&`, `:`, `!`, ...).
    let vs = BddVariableSet::new_anonymous(
        u16::try_from(named.len()).expect("fewer than 65533 groups named"),
    );
    let vars = vs.variables();
    let mut parts: Vec<Bdd> = vec![vs.mk_true()];
    for f in fns {
        // The combinations of all groups on which `f` gives each outcome.
        let sets: Vec<Bdd> = match f {
            EndpointFn::AnyOf { all: true, .. } => vec![vs.mk_true()],
            EndpointFn::AnyOf { all: false, groups } => {
                let allowed = groups
                    .iter()
                    .fold(vs.mk_false(), |acc, g| acc.or(&vs.mk_var(vars[*g])));
                vec![allowed.not(), allowed]
            }
            EndpointFn::Table { vars: fv, table } => {
                let mut by_outcome: Vec<(Outcome, Vec<BddPartialValuation>)> = Vec::new();
                for (i, o) in table.iter().enumerate() {
                    let clause = BddPartialValuation::from_values(
                        &fv.iter()
                            .enumerate()
                            .map(|(j, v)| (vars[*v], i & (1 << j) != 0))
                            .collect::<Vec<(BddVariable, bool)>>(),
                    );
                    match by_outcome.iter_mut().find(|(x, _)| x == o) {
                        Some((_, c)) => c.push(clause),
                        None => by_outcome.push((o.clone(), vec![clause])),
                    }
                }
                by_outcome.iter().map(|(_, c)| vs.mk_dnf(c)).collect()
            }
        };
        parts = parts
            .iter()
            .flat_map(|p| sets.iter().map(move |s| p.and(s)))
            .filter(|b| !b.is_false())
            .collect();
    }
    let mut users: Vec<User> = parts
        .iter()
        .map(|class| {
            let rep = class.sat_witness().expect("a class is not empty");
            // The smallest member: the fewest groups, for a readable trace.
            let rep = smallest(class, &vs, &vars).unwrap_or(rep);
            let groups = vars
                .iter()
                .zip(named)
                .filter(|(v, _)| rep.value(**v))
                .map(|(_, g)| g.clone())
                .collect();
            User {
                label: label(class, &vs, named),
                groups,
            }
        })
        .collect();
    // Named users first, in name order; the user in none last.
    users.sort_by(|a, b| match (&a.label, &b.label) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Greater,
        (_, None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) => x.cmp(y),
    });
    users
}

/// A member of `class` with the fewest groups.
fn smallest(
    class: &Bdd,
    vs: &BddVariableSet,
    vars: &[BddVariable],
) -> Option<biodivine_lib_bdd::BddValuation> {
    (0..=vars.len()).find_map(|k| class.and(&vs.mk_sat_exactly_k(k, vars)).sat_witness())
}

/// How a class is named: `None` for "a user in none of the named groups",
/// a group ID for "users in that group" (whatever else they are in), else
/// "users in A and B, not in C" with alternatives joined by "or".
fn label(class: &Bdd, vs: &BddVariableSet, named: &[String]) -> Option<String> {
    let vars = vs.variables();
    if class.is_true() {
        return Some(format!("users in any combination of {}", named.join(", ")));
    }
    let dnf = class.to_optimized_dnf();
    if let [clause] = dnf.as_slice() {
        let lits: Vec<(usize, bool)> = vars
            .iter()
            .enumerate()
            .filter_map(|(i, v)| clause.get_value(*v).map(|b| (i, b)))
            .collect();
        if lits.len() == named.len() && lits.iter().all(|(_, b)| !b) {
            return None;
        }
        if let [(i, true)] = lits.as_slice() {
            return Some(named[*i].clone());
        }
    }
    let text: Vec<String> = dnf
        .iter()
        .map(|clause| {
            let ins: Vec<&str> = vars
                .iter()
                .enumerate()
                .filter(|(_, v)| clause.get_value(**v) == Some(true))
                .map(|(i, _)| named[i].as_str())
                .collect();
            let outs: Vec<&str> = vars
                .iter()
                .enumerate()
                .filter(|(_, v)| clause.get_value(**v) == Some(false))
                .map(|(i, _)| named[i].as_str())
                .collect();
            match (ins.as_slice(), outs.as_slice()) {
                ([], []) => "any user".to_string(),
                ([], o) => format!("in none of {}", o.join(", ")),
                ([one], []) => format!("in {one}"),
                (i, o) => {
                    let ins = match i {
                        [one] => one.to_string(),
                        [a, b] => format!("both {a} and {b}"),
                        _ => format!("all of {}", i.join(", ")),
                    };
                    if o.is_empty() {
                        format!("in {ins}")
                    } else {
                        format!("in {ins} but none of {}", o.join(", "))
                    }
                }
            }
        })
        .collect();
    Some(format!("users {}", text.join(", or ")))
}
