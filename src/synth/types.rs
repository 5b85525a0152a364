//! The words every stage of synth and tighten shares: what they refuse
//! ([`SynthError`]), the granularity rules are written at, the places a
//! rule can be (a filter direction) and the rules, authorization and
//! routes synth writes.

use ipnet::IpNet;

use crate::engine::Side;
use crate::hs::PacketSet;
use crate::model::{ClientVpnAuthRule, NaclEntry, Network, SgRule};

/// What synth and tighten refuse, naming the file, the intent and the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    /// The intents file: bad YAML, a missing or invalid field.
    #[error("`{file}`: field `{field}`: {message}")]
    Intents {
        file: String,
        field: String,
        message: String,
    },
    /// The engine refused an intent's query.
    #[error("{at}: {message}")]
    Engine { at: String, message: String },
    /// An intent no filter change can make reachable (routes, gateways,
    /// state), as the engine found it with every filter open.
    #[error("{at} `{query}`: {message}")]
    Unreachable {
        at: String,
        query: String,
        message: String,
    },
    /// A path synth does not rewrite yet.
    #[error("{at} `{query}`: not supported: {message}")]
    Unsupported {
        at: String,
        query: String,
        message: String,
    },
    /// Intents and must-nots that no rule set satisfies.
    #[error("no rule set satisfies the intents: {0}")]
    Infeasible(String),
    /// The solver failed.
    #[error("solver `{solver}`: {message}")]
    Solver {
        solver: &'static str,
        message: String,
    },
    /// The result did not verify (a bug: never printed as a result).
    #[error("the result does not verify: {0}")]
    Verify(String),
}

/// How narrowly a rule names its peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Granularity {
    /// Security-group references where AWS allows them (a security group's
    /// peer inside the VPC); subnet CIDRs for network ACLs and
    /// authorization rules.
    #[default]
    SgRef,
    /// The peer's subnet CIDR.
    Subnet,
    /// The peer's own addresses (/32, /128).
    Host,
}

impl Granularity {
    pub fn name(self) -> &'static str {
        match self {
            Granularity::SgRef => "sg-ref",
            Granularity::Subnet => "subnet",
            Granularity::Host => "host",
        }
    }
}

/// A direction of a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dir {
    Inbound,
    Outbound,
}

impl Dir {
    pub fn side(self) -> Side {
        match self {
            Dir::Inbound => Side::Ingress,
            Dir::Outbound => Side::Egress,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dir::Inbound => "inbound",
            Dir::Outbound => "outbound",
        }
    }
}

/// One direction of one filter: where a rule goes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    Sg { group: String, dir: Dir },
    Nacl { acl: String, dir: Dir },
}

impl Place {
    pub fn id(&self) -> &str {
        match self {
            Place::Sg { group, .. } => group,
            Place::Nacl { acl, .. } => acl,
        }
    }

    pub fn dir(&self) -> Dir {
        match self {
            Place::Sg { dir, .. } | Place::Nacl { dir, .. } => *dir,
        }
    }

    /// `sg-… inbound`, `acl-… outbound`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.id(), self.dir().name())
    }
}

/// A rule synth writes: a security-group rule or a network ACL allow entry
/// (numbered when the result is built).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewRule {
    Sg {
        group: String,
        dir: Dir,
        rule: SgRule,
    },
    Nacl {
        acl: String,
        dir: Dir,
        entry: NaclEntry,
    },
}

impl NewRule {
    pub fn place(&self) -> Place {
        match self {
            NewRule::Sg { group, dir, .. } => Place::Sg {
                group: group.clone(),
                dir: *dir,
            },
            NewRule::Nacl { acl, dir, .. } => Place::Nacl {
                acl: acl.clone(),
                dir: *dir,
            },
        }
    }

    /// The packets the rule allows, in the shape the engine filters with.
    pub fn packets(&self, net: &Network) -> PacketSet {
        match self {
            NewRule::Sg { dir, rule, .. } => crate::engine::sg_rule_set(net, rule, dir.side()).0,
            NewRule::Nacl { dir, entry, .. } => crate::engine::nacl_entry_set(entry, dir.side()),
        }
    }

    /// As the engine's traces print it.
    pub fn describe(&self) -> String {
        match self {
            NewRule::Sg { dir, rule, .. } => {
                let d = crate::engine::describe_sg_rule(rule, dir.side());
                strip_label(&d, rule.label())
            }
            NewRule::Nacl { dir, entry, .. } => {
                crate::engine::describe_nacl_entry(entry, dir.side())
            }
        }
    }
}

/// `inbound rule synth[0]: tcp 22 from sg-…` without the label synth gives
/// a rule it writes: `inbound: tcp 22 from sg-…`.
pub(super) fn strip_label(d: &str, label: &str) -> String {
    d.replacen(&format!(" rule {label}:"), ":", 1)
}

/// A Client VPN authorization rule synth writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuth {
    pub endpoint: String,
    pub rule: ClientVpnAuthRule,
}

/// A Client VPN route synth adds (an association lacked one to an intent's
/// destination).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRoute {
    pub endpoint: String,
    pub dest: IpNet,
    pub subnet: String,
}
