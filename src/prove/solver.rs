//! What a [`Solver`] is asked and answers: a [`Scope`] of a query, the
//! [`Witnesses`] it finds (concrete [`Packet`]s with the network's choices),
//! and how it fails ([`ProveError`]). `mod.rs` holds the cross-check that
//! puts a solver's answers beside the engine's.

use std::fmt;

use crate::engine::{self, Verdict};
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};
use crate::model::{Network, Protocol};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProveError {
    /// The engine's verdict or a replayed packet does not match the solver.
    #[error("engine and solver disagree: {detail}; packet {packet}")]
    Disagree { detail: String, packet: String },
    /// A part of the model the encoding does not cover: never a silent pass.
    #[error("the prover cannot check this query: {0}")]
    Unsupported(String),
    /// The solver gave up (timeout, resource limit).
    #[error("{solver} gave no answer: {reason}")]
    Solver {
        solver: &'static str,
        reason: String,
    },
    #[error(
        "this binary was built without z3: rebuild with `cargo build --features z3` to use the prover"
    )]
    NoSolver,
}

/// One concrete packet of a query, with the choices that go with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub proto: u8,
    /// Addresses in the engine's 128-bit convention (IPv4 as `::ffff:a.b.c.d`).
    pub src: u128,
    pub dst: u128,
    pub src_port: u16,
    pub dst_port: u16,
    pub icmp_type: u8,
    pub icmp_code: u8,
    /// For `client`: the Client VPN association, or the Verified Access
    /// endpoint's subnet, the packet went through (the network's choice).
    pub association: Option<String>,
    /// The network's other choices on this packet's way, as (what, value):
    /// translated source addresses and ports.
    pub choices: Vec<(String, String)>,
}

impl Packet {
    /// The packet as a one-packet set (for replay through the engine).
    pub fn set(&self) -> PacketSet {
        let p = |v: u128| IntervalSet::from_interval(Interval::point(v));
        PacketSet::product(&[
            (Field::Proto, p(u128::from(self.proto))),
            (Field::Src, p(self.src)),
            (Field::Dst, p(self.dst)),
            (Field::SrcPort, p(u128::from(self.src_port))),
            (Field::DstPort, p(u128::from(self.dst_port))),
            (Field::IcmpType, p(u128::from(self.icmp_type))),
            (Field::IcmpCode, p(u128::from(self.icmp_code))),
        ])
    }

    pub(super) fn fields(&self) -> [u128; 7] {
        [
            u128::from(self.proto),
            self.src,
            self.dst,
            u128::from(self.src_port),
            u128::from(self.dst_port),
            u128::from(self.icmp_type),
            u128::from(self.icmp_code),
        ]
    }
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (src, dst) = (hs::addr_of(self.src), hs::addr_of(self.dst));
        let proto = Protocol::Number(self.proto);
        if proto.is_icmp() {
            write!(
                f,
                "{} {src} -> {dst} type {} code {}",
                proto.name(),
                self.icmp_type,
                self.icmp_code
            )?;
        } else {
            write!(
                f,
                "{} {src}:{} -> {dst}:{}",
                proto.name(),
                self.src_port,
                self.dst_port
            )?;
        }
        let mut extra: Vec<String> = Vec::new();
        if let Some(a) = &self.association {
            extra.push(format!("via {a}"));
        }
        extra.extend(self.choices.iter().map(|(w, v)| format!("{w} {v}")));
        if !extra.is_empty() {
            write!(f, " ({})", extra.join(", "))?;
        }
        Ok(())
    }
}

/// What one solver run is about: the whole query, or one access endpoint
/// (Client VPN or Verified Access) and one user of a `client` query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Query,
    Client {
        endpoint: String,
        /// The engine's label for the user: the group(s), or `None` for a user
        /// in none of the groups the rules and policies name.
        label: Option<String>,
        /// The user's groups (certificate-authenticated Client VPN endpoints ignore them).
        groups: Vec<String>,
        /// The user's index in [`engine::Query::users`] (Verified Access
        /// decisions are per endpoint and user index).
        user: usize,
    },
}

/// The solver's answers for one scope. `None` = proved impossible (unsat).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Witnesses {
    /// A packet and network choice that does not get there and back.
    pub fails: Option<Packet>,
    /// A packet and network choice that gets there and back.
    pub reaches: Option<Packet>,
    /// A packet and network choice whose fate the input cannot decide.
    pub undecided: Option<Packet>,
    /// Solver calls made.
    pub queries: usize,
}

impl Witnesses {
    /// The verdict the answers prove (same rules as the engine's: all packets
    /// for every choice; none; some; undecidable).
    pub fn verdict(&self) -> Verdict {
        match (&self.fails, &self.reaches, &self.undecided) {
            (None, Some(_), _) => Verdict::Reachable,
            (None, None, _) => Verdict::Unreachable, // no packet at all
            (Some(_), _, Some(_)) => Verdict::Unknown,
            (Some(_), Some(_), None) => Verdict::Partial,
            (Some(_), None, None) => Verdict::Unreachable,
        }
    }
}

/// A decision procedure for the model's semantics.
pub trait Solver {
    fn name(&self) -> &'static str;
    /// Answers the three questions (fails / reaches / undecided) for `scope` of `query`.
    fn witnesses(
        &mut self,
        net: &Network,
        query: &engine::Query,
        scope: &Scope,
    ) -> Result<Witnesses, ProveError>;
}
