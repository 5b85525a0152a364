//! Who asks a `client` query and what Verified Access decided for them:
//! plain data. The query carries it (`Query::users`, `Query::va_decisions`),
//! causes quote it (`Cause::VaDenied`), and `access/` computes it.

use serde_json::Value;

/// Trust data given with `--context FILE.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct UserContext {
    /// Where it came from (the file name), for messages.
    pub source: String,
    /// A JSON object keyed by trust provider `PolicyReferenceName`.
    pub value: Value,
}

/// One user the query is answered for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// `None`: a user in none of the groups the rules and policies name.
    pub label: Option<String>,
    pub groups: Vec<String>,
}

/// Whether a user label names a class ("users …", as `access/users.rs`
/// names them) rather than a group.
pub fn is_class(label: &str) -> bool {
    label.starts_with("users ")
}

/// What one policy document said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyOutcome {
    /// The owner has no policy.
    Missing,
    /// The policy exists but `PolicyEnabled` is false.
    Disabled,
    /// These permit statements apply and no forbid does.
    Permitted(Vec<String>),
    /// No permit statement applies.
    NotPermitted,
    /// These forbid statements apply (forbid beats permit).
    Forbidden(Vec<String>),
    /// The document could not be evaluated (it reads trust data the question
    /// does not give): the reason.
    Undecided(String),
}

/// One document's check: its owner (`vagr-…` or `vae-…`) and outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyCheck {
    pub owner: String,
    /// `group` or `endpoint`.
    pub level: &'static str,
    pub outcome: PolicyOutcome,
}

impl PolicyCheck {
    pub fn allows(&self) -> bool {
        match (&self.outcome, self.level) {
            (PolicyOutcome::Permitted(_), _) => true,
            // An endpoint without an (enabled) policy leaves the decision to the group.
            (PolicyOutcome::Missing | PolicyOutcome::Disabled, "endpoint") => true,
            _ => false,
        }
    }
}

/// The access decision for one user on one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaDecision {
    pub endpoint: String,
    pub user: usize,
    pub allowed: bool,
    /// Group first, then endpoint.
    pub checks: Vec<PolicyCheck>,
    /// False when the endpoint does not lead to the destination: its policies
    /// are not evaluated (they do not decide this query).
    pub evaluated: bool,
    /// The policies could not be evaluated for this user (they read trust data
    /// the question does not give): the user's answer is `unknown`, with this.
    pub undecided: Option<String>,
}

impl VaDecision {
    /// The endpoint does not lead to the destination: no decision.
    pub fn not_evaluated(endpoint: &str, user: usize) -> VaDecision {
        VaDecision {
            endpoint: endpoint.to_string(),
            user,
            allowed: false,
            checks: Vec::new(),
            evaluated: false,
            undecided: None,
        }
    }
}
