//! `diff`'s answer as data: the flow classes that changed, each with the
//! changes that explain it.

use std::net::IpAddr;

use crate::hs::PacketSet;
use crate::model::Protocol;
use crate::who::Source;

use super::changes::Change;

/// What happened to a flow class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Reachable after, not before.
    Gained,
    /// Reachable before, not after.
    Lost,
    /// Undecided after (the input cannot tell), decided before.
    Undecided,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Gained => "gained",
            Direction::Lost => "lost",
            Direction::Undecided => "undecided",
        }
    }
}

/// Whether the destination exists on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Both,
    Added,
    Removed,
}

/// A change that explains a flow change: the changed resource, the rules
/// of it involved, and what the packets met there before and after.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Because {
    /// Index into [`Diff::changes`].
    pub change: usize,
    /// The details of the change involved (indices into its `details`).
    pub details: Vec<usize>,
    /// Hops at the changed resource: `before: acl-… inbound rule 100 allow`.
    pub met: Vec<std::sync::Arc<str>>,
}

/// One flow class that changed: a source class to one destination, one protocol.
#[derive(Clone, Debug)]
pub struct FlowChange {
    pub dst: String,
    pub dst_ip: IpAddr,
    pub presence: Presence,
    /// Shared by every flow of the class.
    pub source: std::sync::Arc<Source>,
    pub protocol: Protocol,
    pub direction: Direction,
    /// Exactly the packets (original coordinates) that changed.
    pub packets: PacketSet,
    /// The changes that explain it, with the hops the packets met at them
    /// (read off the engine's answers, which are not kept: a diff of many
    /// changes has a million flows, and each answer holds its paths).
    pub because: Vec<Because>,
}

impl FlowChange {
    /// The flow class in one token: `internet->eni-0abc/tcp`.
    pub fn class(&self) -> String {
        format!(
            "{}->{}/{}",
            self.source.key(),
            self.dst,
            self.protocol.name()
        )
    }

    /// New exposure: the internet gained packets.
    pub fn is_new_exposure(&self) -> bool {
        self.direction == Direction::Gained && *self.source == Source::Internet
    }
}

/// The answer.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub flows: Vec<FlowChange>,
    /// Destination interfaces in either network, and those compared (the
    /// others no change can touch).
    pub destinations: usize,
    pub compared: usize,
    pub assumptions: Vec<String>,
}
