//! Every result re-verified by the engine before it is printed: each
//! intent `reachable` (every user it names), each must-not `unreachable`,
//! and `diff` between two networks listing what became reachable, each
//! flow told apart as an intent, a widening the granularity implies (the
//! same destination, protocol and ports from a peer the rule's group,
//! subnet or CIDR also covers), or beyond both.

use std::collections::BTreeSet;

use crate::diff::{self, Direction as DiffDirection};
use crate::engine::Verdict;
use crate::hs::{IntervalSet, PacketSet};
use crate::model::{Network, PortMatch, Protocol};
use crate::who::{Source, ports_of};

use super::discover::ask;
use super::intents::{Intent, Intents};
use super::types::{Dir, NewRule, SynthError};

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
    /// How long the re-verification took.
    pub time: std::time::Duration,
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
    services: &[(Protocol, (u16, u16))],
    only: Option<&BTreeSet<String>>,
) -> Result<(Vec<Gained>, usize), SynthError> {
    let d = diff::diff_services(before, after, true, services, only)
        .map_err(|e| SynthError::Verify(e.to_string()))?;
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

/// The protocols and ports the rules allow (none: a rule allows every protocol).
fn services(rules: &[NewRule]) -> Vec<(Protocol, (u16, u16))> {
    let mut by: std::collections::BTreeMap<u8, IntervalSet> = Default::default();
    for r in rules {
        let (proto, ports) = match r {
            NewRule::Sg { rule, .. } => (rule.protocol, rule.ports),
            NewRule::Nacl { entry, .. } => (entry.protocol, entry.ports),
        };
        let Protocol::Number(n) = proto else {
            return Vec::new();
        };
        let (lo, hi) = match ports {
            PortMatch::Ports { from, to } => (from.min(to), from.max(to)),
            PortMatch::Icmp {
                icmp_type: Some(t), ..
            } => (u16::from(t), u16::from(t)),
            PortMatch::Icmp { .. } => (0, 255),
            PortMatch::Any if proto.is_icmp() => (0, 255),
            PortMatch::Any => (0, 65535),
        };
        let e = by.entry(n).or_insert_with(IntervalSet::empty);
        *e = e.union(&IntervalSet::from_interval(crate::hs::Interval {
            lo: u128::from(lo),
            hi: u128::from(hi),
        }));
    }
    by.into_iter()
        .flat_map(|(n, set)| {
            set.intervals()
                .iter()
                .map(|i| (Protocol::Number(n), (i.lo as u16, i.hi as u16)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The interfaces a new rule can let packets reach (`None`: any): an
/// inbound rule's group members or the interfaces of its ACL's subnets; an
/// outbound rule's peer (group members, or the interfaces inside its CIDR).
fn destinations(net: &Network, rules: &[NewRule]) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for r in rules {
        match (r, r.place().dir()) {
            (NewRule::Sg { group, .. }, Dir::Inbound) => {
                out.extend(net.members_of_group(group).map(|i| i.id.clone()))
            }
            (NewRule::Nacl { acl, .. }, Dir::Inbound) => out.extend(
                net.interfaces
                    .values()
                    .filter(|i| net.nacl_of_subnet.get(&i.subnet) == Some(acl))
                    .map(|i| i.id.clone()),
            ),
            (NewRule::Sg { rule, .. }, Dir::Outbound) => match &rule.peer {
                crate::model::Peer::Group(g) => {
                    out.extend(net.members_of_group(g).map(|i| i.id.clone()))
                }
                crate::model::Peer::Cidr(c) if c.prefix_len() > 0 => out.extend(inside(net, *c)),
                _ => return None,
            },
            (NewRule::Nacl { entry, .. }, Dir::Outbound) if entry.cidr.prefix_len() > 0 => {
                out.extend(inside(net, entry.cidr))
            }
            _ => return None,
        }
    }
    Some(out)
}

fn inside(net: &Network, c: ipnet::IpNet) -> Vec<String> {
    net.interfaces
        .values()
        .filter(|i| {
            i.private_ips.iter().any(|p| c.contains(&p.address))
                || i.ipv6.iter().any(|a| c.contains(a))
        })
        .map(|i| i.id.clone())
        .collect()
}

/// Synth: the result against `base`, the input with the rewritten filters
/// emptied (what the synthesized rules open).
pub(super) fn verify_synth(
    base: &Network,
    result: &Network,
    intents: &Intents,
    rules: &[NewRule],
) -> Result<Verification, SynthError> {
    let start = std::time::Instant::now();
    let checks = checks(result, intents)?;
    require(&checks)?;
    let services = services(rules);
    let only = destinations(result, rules);
    let (gained, lost) = gained(base, result, intents, &services, only.as_ref())?;
    let what = if services.is_empty() {
        "every protocol and port".to_string()
    } else {
        services
            .iter()
            .map(|(p, (a, b))| {
                if a == b {
                    format!("{} {a}", p.name())
                } else {
                    format!("{} {a}-{b}", p.name())
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let scope = match &only {
        Some(o) => format!(" ({})", o.len()),
        None => String::new(),
    };
    Ok(Verification {
        checks,
        compared: format!(
            "the input with every rewritten filter direction and authorization emptied (nothing passes them) against the result, on what the new rules allow ({what}) and the interfaces they can let packets reach{scope}: the flows the synthesized rules open (a flow the result newly lets through passes a new rule forward)"
        ),
        gained,
        lost,
        time: start.elapsed(),
    })
}

/// Tighten: the tightened network against the input: nothing may become
/// reachable.
pub(super) fn verify_tighten(
    input: &Network,
    tightened: &Network,
    intents: &Intents,
) -> Result<Verification, SynthError> {
    let start = std::time::Instant::now();
    let checks = checks(tightened, intents)?;
    require(
        &checks
            .iter()
            .filter(|c| c.want == Verdict::Reachable)
            .cloned()
            .collect::<Vec<_>>(),
    )?;
    let (gained, lost) = gained(input, tightened, intents, &[], None)?;
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
        time: start.elapsed(),
    })
}
