//! `reach diff`: what changed and which flows it opened or closed, as text
//! and JSON.

use std::fmt::Write as _;

use rayon::prelude::*;
use serde::Serialize;

use crate::diff::{Diff, Direction, FlowChange, Presence};
use crate::explain::Names;
use crate::hs::Field;
use crate::model::Network;
use crate::who::{Source, ports_of};

use super::findings::{Finding, FindingsReport, Severity, exposure_severity};
use super::packets::{PacketsOut, packets};
use super::who::no_group;

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct DiffReport {
    /// One line: counts of changes and flow changes.
    pub summary: String,
    pub changes: Vec<ChangeOut>,
    pub flows: Vec<FlowOut>,
    /// Destination interfaces in either network, and those recomputed.
    pub destinations: usize,
    pub compared: usize,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ChangeOut {
    pub resource: String,
    pub kind: &'static str,
    /// `added`, `removed` or `modified`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc: Option<String>,
    pub details: Vec<String>,
    pub file: String,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct FlowOut {
    /// `gained`, `lost` or `undecided`.
    pub direction: &'static str,
    /// `internet`, `access` or `interface`.
    pub source_kind: &'static str,
    /// The source class in one line.
    pub source: String,
    pub destination: String,
    pub address: String,
    /// `both`, or `added`/`removed` when the destination exists on one side only.
    pub destination_in: &'static str,
    pub protocol: String,
    /// Source addresses, as a person reads them.
    pub from: String,
    /// Destination ports (ICMP types for icmp).
    pub ports: String,
    /// A stable class for fingerprints: `internet to 3.80.0.10->eni-…/tcp`.
    pub class: String,
    /// The changes that explain it, one line each, with what the packets met there.
    pub because: Vec<String>,
    pub packets: Vec<PacketsOut>,
}

fn source_kind(s: &Source) -> &'static str {
    match s {
        Source::Internet => "internet",
        Source::Access { .. } => "access",
        Source::Interfaces { .. } => "interface",
    }
}

fn source_line(s: &Source, net: &Network) -> String {
    match s {
        Source::Internet => "internet".into(),
        Source::Access { endpoint, group } => match group {
            Some(g) => format!("{endpoint} group {g}"),
            None => format!("{endpoint} ({})", no_group(net, endpoint)),
        },
        Source::Interfaces {
            subnet,
            groups,
            enis,
            ..
        } => format!("{} ({subnet} [{}])", enis.join(", "), groups.join(", ")),
    }
}

fn flow_out(
    f: &FlowChange,
    d: &Diff,
    names: &Names,
    full: Option<&Names>,
    net: &Network,
) -> FlowOut {
    let field = if f.protocol.is_icmp() {
        Field::IcmpType
    } else {
        Field::DstPort
    };
    let because = f
        .because
        .iter()
        .map(|b| {
            let c = &d.changes[b.change];
            let mut s = format!("{} ({}) {}", c.resource, c.kind, c.change.name());
            let ds: Vec<String> = b
                .details
                .iter()
                .map(|i| &c.details[*i])
                .map(|x| format!("{} {}: {}", x.kind.name(), x.label, x.text))
                .collect();
            if !ds.is_empty() {
                s += &format!(": {}", ds.join("; "));
            }
            if !b.met.is_empty() {
                s += &format!(" [{}]", b.met.join("; "));
            }
            s
        })
        .collect();
    FlowOut {
        direction: f.direction.name(),
        source_kind: source_kind(&f.source),
        source: source_line(&f.source, net),
        destination: f.dst.clone(),
        address: f.dst_ip.to_string(),
        destination_in: match f.presence {
            Presence::Both => "both",
            Presence::Added => "added",
            Presence::Removed => "removed",
        },
        protocol: f.protocol.name(),
        from: names.addresses(&f.packets.project(Field::Src)),
        ports: ports_of(&f.packets, f.protocol).summary(field),
        class: f.class(),
        because,
        packets: full.map(|n| packets(&f.packets, n)).unwrap_or_default(),
    }
}

impl FlowOut {
    /// Flows alike but for their source (of one kind) share this key: they
    /// print once, sources listed, and are one finding.
    fn alike(&self) -> String {
        format!(
            "{} {} {} {} {} {} {}",
            self.direction,
            self.source_kind,
            self.destination,
            self.address,
            self.protocol,
            self.ports,
            self.because.join("|")
        )
    }
}

impl DiffReport {
    /// The report of `d` (`net`: the network after). `boxes`: each flow's
    /// packets written out as boxes (`FlowOut::packets`, which JSON prints
    /// and no other format reads: left empty otherwise; with a million
    /// flows they were most of the report's memory and half of its time
    /// once the rest was cheap).
    pub fn new(d: &Diff, net: &Network, boxes: bool) -> DiffReport {
        let names = Names::new(net, Some(4));
        let full = boxes.then(|| Names::new(net, None));
        // In parallel, in order: a diff of many changes has a million flows.
        let flows: Vec<FlowOut> = d
            .flows
            .par_iter()
            .map(|f| flow_out(f, d, &names, full.as_ref(), net))
            .collect();
        let count = |dir: Direction| d.flows.iter().filter(|f| f.direction == dir).count();
        let exposure = d.flows.iter().filter(|f| f.is_new_exposure()).count();
        DiffReport {
            summary: format!(
                "{} change(s); {} flow class(es) gained ({exposure} from the internet), {} lost, {} newly undecided; {} of {} destination interfaces recomputed",
                d.changes.len(),
                count(Direction::Gained),
                count(Direction::Lost),
                count(Direction::Undecided),
                d.compared,
                d.destinations
            ),
            changes: d
                .changes
                .iter()
                .map(|c| ChangeOut {
                    resource: c.resource.clone(),
                    kind: c.kind,
                    change: c.change.name(),
                    vpc: c.vpc.clone(),
                    details: c
                        .details
                        .iter()
                        .map(|x| format!("{} {}: {}", x.kind.name(), x.label, x.text))
                        .collect(),
                    file: c.file.clone(),
                })
                .collect(),
            flows,
            destinations: d.destinations,
            compared: d.compared,
            assumptions: d.assumptions.clone(),
            warnings: net.warnings.clone(),
        }
    }

    /// JSON: each flow's `packets` as built (empty unless [`Self::new`]
    /// was asked for boxes).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializable") + "\n"
    }

    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "diff: {}", self.summary);
        if !self.changes.is_empty() {
            let _ = writeln!(o, "changes:");
            for c in &self.changes {
                let _ = writeln!(o, "  {} ({}) {}", c.resource, c.kind, c.change);
                for d in &c.details {
                    let _ = writeln!(o, "    {d}");
                }
            }
        }
        for (dir, title) in [
            ("gained", "now reachable"),
            ("lost", "no longer reachable"),
            ("undecided", "now undecided"),
        ] {
            let flows: Vec<&FlowOut> = self.flows.iter().filter(|f| f.direction == dir).collect();
            if flows.is_empty() {
                continue;
            }
            let _ = writeln!(o, "{title}:");
            // Flows alike but for their source print once, sources listed.
            // (In first-seen order; looked up by key: a diff of many
            // changes has a million flows.)
            let mut groups: Vec<(&FlowOut, Vec<&FlowOut>)> = Vec::new();
            let mut at: std::collections::HashMap<String, usize> = Default::default();
            for f in flows {
                match at.entry(f.alike()) {
                    std::collections::hash_map::Entry::Occupied(n) => groups[*n.get()].1.push(f),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(groups.len());
                        groups.push((f, vec![f]));
                    }
                }
            }
            for (f, members) in groups {
                let mut sources: Vec<&str> = members.iter().map(|m| m.source.as_str()).collect();
                let more = sources.len().saturating_sub(6);
                sources.truncate(6);
                let _ = writeln!(
                    o,
                    "  {}{} -> {} ({}{}) {} {}",
                    sources.join("; "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    },
                    f.destination,
                    f.address,
                    match f.destination_in {
                        "both" => "",
                        "added" => ", added",
                        _ => ", removed",
                    },
                    f.protocol,
                    f.ports
                );
                if members.len() == 1 {
                    let _ = writeln!(o, "    from {}", f.from);
                }
                for b in &f.because {
                    let _ = writeln!(o, "    because {b}");
                }
            }
        }
        o
    }
}

impl FindingsReport {
    /// `diff`: one finding per flow change (flows alike but for their
    /// interface source are one). Gained from the internet fails as new
    /// exposure (severity by port), other gains as new access (low), losses
    /// as lost access (medium), newly undecided flows low. Each points at
    /// the first change that explains it (its Terraform address when the
    /// change came from a plan).
    pub fn from_diff(d: &Diff, report: &DiffReport, run_id: String) -> Self {
        let mut findings: Vec<Finding> = Vec::new();
        // Each finding's index by key, and the sources of the flows alike
        // met after its first, each named before the ones met earlier.
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        let mut also: Vec<Vec<&str>> = Vec::new();
        for (f, out) in d.flows.iter().zip(&report.flows) {
            let key = out.alike();
            if let Some(i) = seen.get(&key) {
                also[*i].push(&out.source);
                continue;
            }
            seen.insert(key, findings.len());
            also.push(Vec::new());
            let internet = f.source == Source::Internet;
            let ports = ports_of(&f.packets, f.protocol);
            let (rule_id, severity) = match f.direction {
                Direction::Gained if internet => (
                    "reach/diff/new-internet-exposure",
                    exposure_severity(true, &ports),
                ),
                Direction::Gained => ("reach/diff/new-access", Severity::Low),
                Direction::Lost => ("reach/diff/lost-access", Severity::Medium),
                Direction::Undecided => ("reach/diff/undecided", Severity::Low),
            };
            let first = f.because.first().map(|b| (&d.changes[b.change], b));
            let label =
                first.and_then(|(c, b)| b.details.first().map(|i| c.details[*i].label.clone()));
            let tf_address = label
                .as_deref()
                .filter(|l| l.starts_with("aws_") || l.starts_with("module."))
                .map(str::to_string);
            findings.push(Finding {
                rule_id: rule_id.into(),
                name: format!(
                    "{} -> {} ({}) {} {}",
                    out.source, out.destination, out.address, out.protocol, out.ports
                ),
                passed: false,
                severity,
                message: format!(
                    "{}: {} -> {} ({}) {} {} from {}{}",
                    f.direction.name(),
                    out.source,
                    out.destination,
                    out.address,
                    out.protocol,
                    out.ports,
                    out.from,
                    out.because
                        .first()
                        .map(|b| format!("; because {b}"))
                        .unwrap_or_default()
                ),
                details: out.because.join("\n"),
                resource: first.map(|(c, _)| c.resource.clone()),
                rule: label.filter(|l| tf_address.as_deref() != Some(l.as_str())),
                flow_class: out.class.clone(),
                tf_address,
                location: None,
            });
        }
        for (fd, more) in findings.iter_mut().zip(also) {
            if !more.is_empty() {
                let mut names: Vec<&str> = more.into_iter().rev().collect();
                names.push(&fd.name);
                fd.name = names.join("; ");
            }
        }
        Self {
            command: "diff".into(),
            run_id,
            title: "reach diff".into(),
            summary: vec![("summary".into(), report.summary.clone())],
            inputs: Vec::new(),
            findings,
        }
    }
}
