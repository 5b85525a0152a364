//! Results as data: per assertion an [`Outcome`] (holds, violated,
//! unknown) with its [`Finding`]s — flow class, witness [`Packet`], the
//! resource and rule that allow or block it, the witness's own analysis.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::assert::policy::Kind;
use crate::engine::Analysis;
use crate::hs::{self, Field, PacketSet};
use crate::model::Protocol;

/// Findings per assertion that get the witness's own check (the rest keep
/// their witness packet only).
pub const EXPLAINED_PER_ASSERTION: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Holds,
    Violated,
    Unknown,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Violated => "violated",
            Status::Unknown => "unknown",
        }
    }
}

/// One concrete packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub protocol: Protocol,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Source port (tcp/udp).
    pub src_port: u16,
    /// Destination port (tcp/udp) or ICMP type.
    pub dst_port: u16,
    pub icmp_code: u8,
}

impl Packet {
    fn of(p: [u128; 7]) -> Packet {
        let n = |f: Field| p[f as usize];
        let proto = n(Field::Proto) as u8;
        let protocol = Protocol::Number(proto);
        Packet {
            protocol,
            src: hs::addr_of(n(Field::Src)),
            dst: hs::addr_of(n(Field::Dst)),
            src_port: n(Field::SrcPort) as u16,
            dst_port: if protocol.is_icmp() {
                n(Field::IcmpType) as u16
            } else {
                n(Field::DstPort) as u16
            },
            icmp_code: n(Field::IcmpCode) as u8,
        }
    }

    pub(super) fn sample(set: &PacketSet) -> Option<Packet> {
        set.sample().map(Packet::of)
    }
}

impl fmt::Display for Packet {
    /// `tcp 203.0.113.5:40000 -> 10.0.2.35:22`, `icmp 203.0.113.5 -> 10.0.2.35 type 8 code 0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = |ip: IpAddr, port: u16| {
            if ip.is_ipv6() {
                format!("[{ip}]:{port}")
            } else {
                format!("{ip}:{port}")
            }
        };
        if self.protocol.is_icmp() {
            write!(
                f,
                "{} {} -> {} type {} code {}",
                self.protocol.name(),
                self.src,
                self.dst,
                self.dst_port,
                self.icmp_code
            )
        } else {
            write!(
                f,
                "{} {} -> {}",
                self.protocol.name(),
                a(self.src, self.src_port),
                a(self.dst, self.dst_port)
            )
        }
    }
}

/// One flow class that breaks (or may break) an assertion.
#[derive(Clone, Debug)]
pub struct Finding {
    /// `Violated` or `Unknown`.
    pub status: Status,
    /// `internet->eni-0abc:22/tcp`, `eni-1->eni-2:443/tcp`,
    /// `client[cvpn-endpoint-…:group]->eni-…:22/tcp`.
    pub flow: String,
    /// One line, what is wrong.
    pub message: String,
    pub witness: Option<Packet>,
    /// The resource that allows (`must_not_reach`, `only`, `no_exposure`)
    /// or blocks (`must_reach`, `consistent`) the witness, and its rule.
    pub resource: Option<String>,
    pub rule: Option<String>,
    /// The engine's answer to the witness's own query (`reach check` of it),
    /// for the first [`EXPLAINED_PER_ASSERTION`] findings.
    pub analysis: Option<Arc<Analysis>>,
}

/// One assertion's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub index: usize,
    pub name: String,
    pub kind: Kind,
    pub status: Status,
    /// One line.
    pub message: String,
    /// Flow classes checked (source × target × service).
    pub checked: usize,
    /// Every violating (then undecided) flow class; the first is the witness.
    pub findings: Vec<Finding>,
}

impl Outcome {
    /// The finding shown as the assertion's witness.
    pub fn witness(&self) -> Option<&Finding> {
        self.findings.first()
    }
}

/// Every assertion's result.
#[derive(Clone, Debug)]
pub struct Results {
    pub file: String,
    pub outcomes: Vec<Outcome>,
}

impl Results {
    /// (hold, violated, unknown).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |s: Status| self.outcomes.iter().filter(|o| o.status == s).count();
        (n(Status::Holds), n(Status::Violated), n(Status::Unknown))
    }

    /// Every assertion holds.
    pub fn all_hold(&self) -> bool {
        self.outcomes.iter().all(|o| o.status == Status::Holds)
    }
}
