//! Every result re-verified by the engine before it is printed: each
//! intent `reachable` (every user it names), each must-not `unreachable`,
//! and `diff` between two networks listing what became reachable, each
//! flow told apart as an intent, a widening the granularity implies (the
//! same destination, protocol and ports from a peer the rule's group,
//! subnet or CIDR also covers), or beyond both.

use crate::diff::{self, Direction as DiffDirection};
use crate::engine::Verdict;
use crate::hs::{IntervalSet, PacketSet};
use crate::model::{Network, Protocol};
use crate::who::{Source, ports_of};

use super::candidates::ask;
use super::{Intent, Intents, SynthError};

/// One flow asked of the result.
#[derive(Clone, Debug)]
pub struct Check {
    pub at: String,
    pub query: String,
    /// The user asked (`client` with groups), if any.
    pub group: Option<String>,
    pub want: Verdict,
    pub got: Verdict,
}

/// How a newly reachable flow relates to the intents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Exactly an intent's source, destination, protocol and ports.
    Intent,
    /// An intent's destination, protocol and ports from more sources: what
    /// a rule naming a group, subnet or CIDR lets in.
    Widened,
    /// Neither (a rule in a group other interfaces also carry).
    Beyond,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Intent => "intent",
            Kind::Widened => "widened",
            Kind::Beyond => "beyond",
        }
    }
}

/// A flow that became reachable between the compared networks.
#[derive(Clone, Debug)]
pub struct Gained {
    /// `internet->eni-0abc/tcp`, as `diff` names it.
    pub class: String,
    pub protocol: Protocol,
    pub packets: PacketSet,
    pub kind: Kind,
    /// The intent it matches (`intents[0]`), if any.
    pub intent: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Verification {
    pub checks: Vec<Check>,
    /// What `diff` compared, in words.
    pub compared: String,
    pub gained: Vec<Gained>,
    /// Flows that stopped being reachable (tighten: must be none an intent needs).
    pub lost: usize,
}

impl Verification {
    /// Every newly reachable flow is an intent's.
    pub fn exact(&self) -> bool {
        self.gained.iter().all(|g| g.kind == Kind::Intent)
    }
}

fn checks(net: &Network, intents: &Intents) -> Result<Vec<Check>, SynthError> {
    let mut out = Vec::new();
    let sets = [
        (&intents.must, Verdict::Reachable),
        (&intents.must_not, Verdict::Unreachable),
    ];
    for (list, want) in sets {
        for i in list.iter() {
            for a in ask(net, i)? {
                out.push(Check {
                    at: i.at.clone(),
                    query: i.query_text(),
                    group: a.query.groups.first().cloned(),
                    want,
                    got: a.verdict,
                });
            }
        }
    }
    Ok(out)
}

/// The source an intent starts from, as `who` names source classes.
fn source_matches(net: &Network, i: &Intent, s: &Source) -> bool {
    match s {
        Source::Internet => i.from == "internet",
        Source::Access { endpoint, .. } => {
            i.from == "client" && i.via.as_ref().is_none_or(|v| v == endpoint)
        }
        Source::Interfaces { enis, .. } => {
            let src: Option<String> = if i.from.starts_with("eni-") {
                Some(i.from.clone())
            } else if i.from.starts_with("i-") {
                net.instance_interfaces(&i.from)
                    .first()
                    .map(|e| e.id.clone())
            } else {
                i.from
                    .parse()
                    .ok()
                    .and_then(|ip| net.interfaces_with_ip(ip).next())
                    .map(|e| e.id.clone())
            };
            enis.len() == 1 && src.as_ref() == enis.first()
        }
    }
}

fn dst_matches(net: &Network, i: &Intent, dst: &str, dst_ip: std::net::IpAddr) -> bool {
    if i.to == dst {
        return true;
    }
    if i.to.starts_with("i-") {
        return net
            .instance_interfaces(&i.to)
            .first()
            .is_some_and(|e| e.id == dst);
    }
    i.to.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip == dst_ip || net.interfaces.get(dst).is_some_and(|e| e.has_ip(ip)))
}

/// The flows `after` reaches that `before` does not, classified.
fn gained(
    before: &Network,
    after: &Network,
    intents: &Intents,
) -> Result<(Vec<Gained>, usize), SynthError> {
    let d = diff::diff(before, after).map_err(|e| SynthError::Verify(e.to_string()))?;
    let mut out = Vec::new();
    let mut lost = 0;
    for f in &d.flows {
        match f.direction {
            DiffDirection::Gained => {}
            DiffDirection::Lost => {
                lost += 1;
                continue;
            }
            DiffDirection::Undecided => {}
        }
        let ports = ports_of(&f.packets, f.protocol);
        let fits = |i: &Intent| {
            i.protocol == f.protocol
                && dst_matches(after, i, &f.dst, f.dst_ip)
                && ports.is_subset(&IntervalSet::from_interval(crate::hs::Interval {
                    lo: u128::from(i.ports.0),
                    hi: u128::from(i.ports.1),
                }))
        };
        let exact = intents
            .must
            .iter()
            .find(|i| fits(i) && source_matches(after, i, &f.source));
        let widened = intents.must.iter().find(|i| fits(i));
        let (kind, intent) = match (exact, widened) {
            (Some(i), _) => (Kind::Intent, Some(i.at.clone())),
            (None, Some(i)) => (Kind::Widened, Some(i.at.clone())),
            _ => (Kind::Beyond, None),
        };
        out.push(Gained {
            class: f.class(),
            protocol: f.protocol,
            packets: f.packets.clone(),
            kind,
            intent,
        });
    }
    Ok((out, lost))
}

fn require(checks: &[Check]) -> Result<(), SynthError> {
    let bad: Vec<String> = checks
        .iter()
        .filter(|c| c.got != c.want)
        .map(|c| {
            format!(
                "{} `{}`{} is {}, not {}",
                c.at,
                c.query,
                c.group
                    .as_ref()
                    .map(|g| format!(" (group {g})"))
                    .unwrap_or_default(),
                c.got.name(),
                c.want.name()
            )
        })
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(SynthError::Verify(bad.join("; ")))
    }
}

/// Synth: the result against `base`, the input with the rewritten filters
/// emptied (what the synthesized rules open).
pub(super) fn verify_synth(
    base: &Network,
    result: &Network,
    intents: &Intents,
) -> Result<Verification, SynthError> {
    let checks = checks(result, intents)?;
    require(&checks)?;
    let (gained, lost) = gained(base, result, intents)?;
    Ok(Verification {
        checks,
        compared: "the input with every rewritten filter direction and authorization emptied (nothing passes them) against the result: the flows the synthesized rules open".into(),
        gained,
        lost,
    })
}

/// Tighten: the tightened network against the input: nothing may become
/// reachable.
pub(super) fn verify_tighten(
    input: &Network,
    tightened: &Network,
    intents: &Intents,
) -> Result<Verification, SynthError> {
    let checks = checks(tightened, intents)?;
    require(
        &checks
            .iter()
            .filter(|c| c.want == Verdict::Reachable)
            .cloned()
            .collect::<Vec<_>>(),
    )?;
    let (gained, lost) = gained(input, tightened, intents)?;
    if let Some(g) = gained.first() {
        return Err(SynthError::Verify(format!(
            "tightening would newly open {}",
            g.class
        )));
    }
    Ok(Verification {
        checks,
        compared: "the input against the tightened network: nothing may become reachable".into(),
        gained,
        lost,
    })
}
