//! Verified Access policy decisions with the real Cedar engine
//! (aws-semantics.md §7). The only module of the engine that knows Cedar.
//!
//! A document allows when a `permit` applies and no `forbid` does. The group
//! policy must allow (a group without a policy, or with a disabled one,
//! denies); an endpoint policy, when enabled, must allow too. The Cedar
//! `context` holds each trust provider's data under its `PolicyReferenceName`:
//! built from `--group` as IAM Identity Center builds it (`groups` is a record
//! keyed by group ID), or read whole from `--context FILE.json`.

use std::collections::BTreeSet;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Effect, Entities, EntityUid, PolicySet, Request,
};
use serde_json::{Map, Value, json};

use crate::model::{Network, VaEndpoint, VaPolicy, VaTrustKind};

use crate::engine::decision::{PolicyCheck, PolicyOutcome, User, UserContext, VaDecision};
use crate::engine::query::EngineError;

fn policy_err(owner: &str, message: impl Into<String>) -> EngineError {
    EngineError::Policy {
        owner: owner.to_string(),
        message: message.into(),
    }
}

/// The Cedar context for `user` on endpoint `ep`.
fn context_for(net: &Network, ep: &VaEndpoint, user: &User, given: Option<&UserContext>) -> Value {
    let mut obj = match given.map(|c| &c.value) {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let instance = net.va_groups.get(&ep.group).map(|g| g.instance.as_str());
    let providers = net
        .va_instances
        .get(instance.unwrap_or_default())
        .map(|i| i.trust_providers.clone())
        .unwrap_or_default();
    for t in providers
        .iter()
        .filter_map(|t| net.va_trust_providers.get(t))
    {
        if t.kind != VaTrustKind::User
            || t.provider != "iam-identity-center"
            || t.reference.is_empty()
            || obj.contains_key(&t.reference)
        {
            continue;
        }
        let groups: Map<String, Value> = user
            .groups
            .iter()
            .map(|g| (g.clone(), json!({ "group_name": g })))
            .collect();
        obj.insert(t.reference.clone(), json!({ "groups": groups }));
    }
    Value::Object(obj)
}

/// One line of a statement's source, for traces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why a policy could not be evaluated (it reads trust data the question
/// does not give).
struct Undecided(String);

/// Evaluates one policy document for a request; `Ok(Err(_))` when its
/// evaluation fails.
fn evaluate(
    owner: &str,
    policy: Option<&PolicySet>,
    request: &Request,
) -> Result<PolicyOutcome, Undecided> {
    let Some(set) = policy else {
        return Ok(PolicyOutcome::Disabled);
    };
    let response = Authorizer::new().is_authorized(request, set, &Entities::empty());
    let errors: Vec<String> = response
        .diagnostics()
        .errors()
        .map(|e| one_line(&e.to_string()))
        .collect();
    if !errors.is_empty() {
        return Err(Undecided(format!(
            "the policy of {owner} cannot be evaluated for this user: {} (give the trust data it reads with --context FILE.json)",
            errors.join("; ")
        )));
    }
    let statements: Vec<String> = response
        .diagnostics()
        .reason()
        .filter_map(|id| set.policy(id))
        .map(|p| one_line(&p.to_string()))
        .collect();
    Ok(match response.decision() {
        Decision::Allow => PolicyOutcome::Permitted(statements),
        Decision::Deny if statements.is_empty() => PolicyOutcome::NotPermitted,
        Decision::Deny => {
            // Only the satisfied forbids are reasons for a deny.
            let forbids = response
                .diagnostics()
                .reason()
                .filter_map(|id| set.policy(id))
                .filter(|p| p.effect() == Effect::Forbid)
                .map(|p| one_line(&p.to_string()))
                .collect();
            PolicyOutcome::Forbidden(forbids)
        }
    })
}

/// An endpoint's policies, parsed once, to decide for many users.
pub struct Decider<'n> {
    net: &'n Network,
    ep: &'n VaEndpoint,
    /// `None`: no policy; `Some(None)`: disabled.
    group: Option<Option<PolicySet>>,
    endpoint: Option<Option<PolicySet>>,
}

fn parse(owner: &str, p: &VaPolicy) -> Result<Option<PolicySet>, EngineError> {
    if !p.enabled {
        return Ok(None);
    }
    PolicySet::from_str(&p.document).map(Some).map_err(|e| {
        policy_err(
            owner,
            format!("invalid cedar policy: {}", one_line(&e.to_string())),
        )
    })
}

impl<'n> Decider<'n> {
    pub fn new(net: &'n Network, ep: &'n VaEndpoint) -> Result<Decider<'n>, EngineError> {
        let group = net
            .va_groups
            .get(&ep.group)
            .and_then(|g| g.policy.as_ref())
            .map(|p| parse(&ep.group, p))
            .transpose()?;
        let endpoint = ep.policy.as_ref().map(|p| parse(&ep.id, p)).transpose()?;
        Ok(Decider {
            net,
            ep,
            group,
            endpoint,
        })
    }

    /// Decides whether `user` may use the endpoint.
    pub fn decide(
        &self,
        user_index: usize,
        user: &User,
        given: Option<&UserContext>,
    ) -> Result<VaDecision, EngineError> {
        decide_with(self, user_index, user, given)
    }
}

/// Decides whether `user` may use endpoint `ep` (tests: one user, one endpoint).
#[cfg(test)]
fn decide(
    net: &Network,
    ep: &VaEndpoint,
    user_index: usize,
    user: &User,
    given: Option<&UserContext>,
) -> Result<VaDecision, EngineError> {
    Decider::new(net, ep)?.decide(user_index, user, given)
}

fn decide_with(
    d: &Decider,
    user_index: usize,
    user: &User,
    given: Option<&UserContext>,
) -> Result<VaDecision, EngineError> {
    let (net, ep) = (d.net, d.ep);
    let context = context_for(net, ep, user, given);
    let context = Context::from_json_value(context, None).map_err(|e| {
        policy_err(
            &ep.id,
            format!("invalid context: {}", one_line(&e.to_string())),
        )
    })?;
    let uid = |s: &str| EntityUid::from_str(s).map_err(|e| policy_err(&ep.id, e.to_string()));
    let request = Request::new(
        uid(r#"User::"reach-user""#)?,
        uid(r#"Action::"connect""#)?,
        uid(&format!("Endpoint::{:?}", ep.id))?,
        context,
        None,
    )
    .map_err(|e| policy_err(&ep.id, e.to_string()))?;
    let mut undecided = None;
    let mut outcome = |owner: &str, p: &Option<Option<PolicySet>>| match p {
        None => PolicyOutcome::Missing,
        Some(set) => match evaluate(owner, set.as_ref(), &request) {
            Ok(o) => o,
            Err(Undecided(why)) => {
                undecided.get_or_insert(why.clone());
                PolicyOutcome::Undecided(why)
            }
        },
    };
    let group_outcome = outcome(&ep.group, &d.group);
    let endpoint_outcome = outcome(&ep.id, &d.endpoint);
    let checks = vec![
        PolicyCheck {
            owner: ep.group.clone(),
            level: "group",
            outcome: group_outcome,
        },
        PolicyCheck {
            owner: ep.id.clone(),
            level: "endpoint",
            outcome: endpoint_outcome,
        },
    ];
    Ok(VaDecision {
        endpoint: ep.id.clone(),
        user: user_index,
        allowed: undecided.is_none() && checks.iter().all(PolicyCheck::allows),
        checks,
        evaluated: true,
        undecided,
    })
}

/// Group IDs the group and endpoint policies of one endpoint test
/// (`context.<ref>.groups has "<id>"`, or `.groups.contains("<id>")`): the
/// groups whose combinations decide its users when `--group` is not given.
pub fn endpoint_policy_groups(net: &Network, ep: &VaEndpoint) -> BTreeSet<String> {
    let docs = net
        .va_groups
        .get(&ep.group)
        .and_then(|g| g.policy.as_ref())
        .into_iter()
        .chain(ep.policy.as_ref())
        .filter(|p| p.enabled);
    groups_tested(docs)
}

fn groups_tested<'p>(docs: impl Iterator<Item = &'p VaPolicy>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in docs {
        let Ok(set) = PolicySet::from_str(&p.document) else {
            continue;
        };
        for policy in set.policies() {
            if let Ok(est) = policy.to_json() {
                collect_groups(&est, &mut out);
            }
        }
    }
    out
}

fn is_groups_access(v: &Value) -> bool {
    v.get(".")
        .and_then(|d| d.get("attr"))
        .and_then(Value::as_str)
        == Some("groups")
}

fn collect_groups(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(h) = m.get("has")
                && h.get("left").is_some_and(is_groups_access)
                && let Some(a) = h.get("attr").and_then(Value::as_str)
            {
                out.insert(a.to_string());
            }
            if let Some(c) = m.get("contains")
                && c.get("left").is_some_and(is_groups_access)
                && let Some(s) = c
                    .get("right")
                    .and_then(|r| r.get("Value"))
                    .and_then(Value::as_str)
            {
                out.insert(s.to_string());
            }
            for x in m.values() {
                collect_groups(x, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                collect_groups(x, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Origin, VaGroup, VaInstance, VaTarget, VaTrustProvider};

    fn net(group_policy: Option<&str>, endpoint_policy: Option<&str>) -> (Network, VaEndpoint) {
        let o = Origin::new("t.yaml");
        let pol = |d: &str| VaPolicy {
            enabled: true,
            document: d.to_string(),
            origin: o.clone(),
        };
        let mut n = Network::default();
        n.va_trust_providers.insert(
            "vatp-1".into(),
            VaTrustProvider {
                id: "vatp-1".into(),
                kind: VaTrustKind::User,
                provider: "iam-identity-center".into(),
                reference: "idc".into(),
                origin: o.clone(),
            },
        );
        n.va_instances.insert(
            "vai-1".into(),
            VaInstance {
                id: "vai-1".into(),
                trust_providers: vec!["vatp-1".into()],
                origin: o.clone(),
            },
        );
        n.va_groups.insert(
            "vagr-1".into(),
            VaGroup {
                id: "vagr-1".into(),
                instance: "vai-1".into(),
                policy: group_policy.map(pol),
                origin: o.clone(),
            },
        );
        let ep = VaEndpoint {
            id: "vae-1".into(),
            group: "vagr-1".into(),
            target: VaTarget::Cidr("10.0.0.0/24".parse().unwrap()),
            protocol: "tcp".into(),
            ports: vec![(22, 22)],
            subnets: vec![],
            vpc: "vpc-1".into(),
            security_groups: vec![],
            status: "active".into(),
            policy: endpoint_policy.map(pol),
            origin: o,
        };
        n.va_endpoints.insert("vae-1".into(), ep.clone());
        (n, ep)
    }

    fn user(g: &[&str]) -> User {
        User {
            label: g.first().map(|s| s.to_string()),
            groups: g.iter().map(|s| s.to_string()).collect(),
        }
    }

    const DEV: &str =
        r#"permit(principal, action, resource) when { context.idc.groups has "dev-id" };"#;

    #[test]
    fn group_policy_reads_the_identity_center_groups_record() {
        let (n, ep) = net(Some(DEV), None);
        assert!(
            decide(&n, &ep, 0, &user(&["dev-id"]), None)
                .unwrap()
                .allowed
        );
        let d = decide(&n, &ep, 0, &user(&["ops-id"]), None).unwrap();
        assert!(!d.allowed);
        assert_eq!(d.checks[0].outcome, PolicyOutcome::NotPermitted);
        assert_eq!(
            endpoint_policy_groups(&n, &ep),
            BTreeSet::from(["dev-id".to_string()])
        );
    }

    #[test]
    fn forbid_beats_permit_and_names_the_statement() {
        let doc = format!(
            "{DEV}\nforbid(principal, action, resource) when {{ context.idc.groups has \"contractor\" }};"
        );
        let (n, ep) = net(Some(&doc), None);
        let d = decide(&n, &ep, 0, &user(&["dev-id", "contractor"]), None).unwrap();
        assert!(!d.allowed);
        match &d.checks[0].outcome {
            PolicyOutcome::Forbidden(by) => assert!(by[0].starts_with("forbid("), "{by:?}"),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn endpoint_policy_narrows_and_missing_group_policy_denies() {
        let (n, ep) = net(Some("permit(principal, action, resource);"), Some(DEV));
        assert!(
            decide(&n, &ep, 0, &user(&["dev-id"]), None)
                .unwrap()
                .allowed
        );
        assert!(
            !decide(&n, &ep, 0, &user(&["ops-id"]), None)
                .unwrap()
                .allowed
        );
        let (n, ep) = net(None, Some(DEV));
        let d = decide(&n, &ep, 0, &user(&["dev-id"]), None).unwrap();
        assert!(!d.allowed);
        assert_eq!(d.checks[0].outcome, PolicyOutcome::Missing);
    }

    #[test]
    fn a_policy_reading_absent_trust_data_is_undecided_naming_its_owner() {
        let (n, ep) = net(
            Some(r#"permit(principal, action, resource) when { context.jamf.risk == "LOW" };"#),
            None,
        );
        let d = decide(&n, &ep, 0, &user(&[]), None).unwrap();
        assert!(!d.allowed);
        let e = d.undecided.expect("undecided");
        assert!(e.contains("vagr-1"), "{e}");
        assert!(e.contains("--context"), "{e}");
        let ctx = UserContext {
            source: "ctx.json".into(),
            value: json!({"jamf": {"risk": "LOW"}}),
        };
        assert!(decide(&n, &ep, 0, &user(&[]), Some(&ctx)).unwrap().allowed);
    }
}
