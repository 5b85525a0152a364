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
    /// Every flow (JSON: [`DiffReport::new`] with `json`), else none.
    pub flows: Vec<FlowOut>,
    /// Flows alike but for their source ([`FlowOut::alike`]), in the order
    /// their first is met: what text and the findings write (each such
    /// group prints once, its sources listed). Empty for JSON.
    #[serde(skip)]
    pub alike: Vec<Alike>,
    /// Destination interfaces in either network, and those recomputed.
    pub destinations: usize,
    pub compared: usize,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
}

/// Flows alike but for their source, of one kind ([`DiffReport::alike`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alike {
    /// The first flow, written out.
    pub first: FlowOut,
    /// Its index in the diff's flows.
    pub index: usize,
    /// Every member's source line ([`FlowOut::source`]), the first's first,
    /// in the diff's order (one string per source class, shared).
    pub sources: Vec<std::sync::Arc<str>>,
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

/// [`DiffReport::alike`] of `d`: flows grouped first by what makes their
/// written key ([`FlowOut::alike`]: direction, kind of source,
/// destination, address, protocol, ports, the changes that explain them),
/// each group's first flow written out, then groups whose keys read the same
/// merged (two different explanations may print alike). The same groups as
/// writing every flow out and grouping by key, for one flow written per
/// group.
fn alike_flows(d: &Diff, names: &Names, net: &Network) -> Vec<Alike> {
    use std::collections::HashMap;
    use std::sync::Arc;
    type Key<'d> = (
        Direction,
        &'static str,
        &'d str,
        std::net::IpAddr,
        crate::model::Protocol,
        crate::hs::IntervalSet,
        &'d [crate::diff::Because],
    );
    let keys: Vec<Key<'_>> = d
        .flows
        .par_iter()
        .map(|f| {
            (
                f.direction,
                source_kind(&f.source),
                f.dst.as_str(),
                f.dst_ip,
                f.protocol,
                ports_of(&f.packets, f.protocol),
                f.because.as_slice(),
            )
        })
        .collect();
    // Grouped by key, in the order each group's first flow is met.
    let mut at: HashMap<&Key<'_>, usize> = HashMap::new();
    let mut of: Vec<usize> = Vec::with_capacity(keys.len());
    let mut firsts: Vec<usize> = Vec::new();
    for (n, k) in keys.iter().enumerate() {
        let g = *at.entry(k).or_insert_with(|| {
            firsts.push(n);
            firsts.len() - 1
        });
        of.push(g);
    }
    let written: Vec<(FlowOut, String)> = firsts
        .par_iter()
        .map(|n| {
            let out = flow_out(&d.flows[*n], d, names, None, net);
            let key = out.alike();
            (out, key)
        })
        .collect();
    // Groups whose keys read the same are one.
    let mut by_text: HashMap<&str, usize> = HashMap::new();
    let merged: Vec<usize> = written
        .iter()
        .enumerate()
        .map(|(g, (_, key))| *by_text.entry(key.as_str()).or_insert(g))
        .collect();
    // Each source class's line once.
    let mut lines: HashMap<&Source, Arc<str>> = HashMap::new();
    let mut sources: Vec<Vec<Arc<str>>> = vec![Vec::new(); written.len()];
    for (f, g) in d.flows.iter().zip(&of) {
        let line = lines
            .entry(&*f.source)
            .or_insert_with(|| source_line(&f.source, net).into())
            .clone();
        sources[merged[*g]].push(line);
    }
    written
        .into_iter()
        .zip(firsts)
        .zip(sources)
        .enumerate()
        .filter(|(g, _)| merged[*g] == *g)
        .map(|(_, (((first, _), index), sources))| Alike {
            first,
            index,
            sources,
        })
        .collect()
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
    /// The report of `d` (`net`: the network after). `json`: every flow
    /// written out with its packets as boxes (`FlowOut::packets`, which
    /// JSON prints and no other format reads); otherwise only the flows
    /// alike but for their source, grouped ([`DiffReport::alike`]: a diff
    /// of many changes has a million flows, in some 50,000 groups, and
    /// writing every one out was a tenth of `diff`'s time and 1.5 GB).
    pub fn new(d: &Diff, net: &Network, json: bool) -> DiffReport {
        let names = Names::new(net, Some(4));
        let (flows, alike) = if json {
            let full = Names::new(net, None);
            // In parallel, in order.
            let flows: Vec<FlowOut> = d
                .flows
                .par_iter()
                .map(|f| flow_out(f, d, &names, Some(&full), net))
                .collect();
            (flows, Vec::new())
        } else {
            (Vec::new(), alike_flows(d, &names, net))
        };
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
            alike,
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

    /// Text: its flows from [`DiffReport::alike`] (a report made for JSON
    /// has none).
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
            let groups: Vec<&Alike> = self
                .alike
                .iter()
                .filter(|g| g.first.direction == dir)
                .collect();
            if groups.is_empty() {
                continue;
            }
            let _ = writeln!(o, "{title}:");
            for g in groups {
                let f = &g.first;
                let mut sources: Vec<&str> = g.sources.iter().map(|s| &**s).collect();
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
                if g.sources.len() == 1 {
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
        // One finding per group of flows alike, named by each source met
        // after its first, each before the ones met earlier.
        for g in &report.alike {
            let (f, out) = (&d.flows[g.index], &g.first);
            let internet = *f.source == Source::Internet;
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
            if g.sources.len() > 1 {
                let fd = findings.last_mut().expect("just pushed");
                let mut names: Vec<&str> = g.sources[1..].iter().rev().map(|s| &**s).collect();
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::diff::{Because, Change, Detail, Kind};
    use crate::hs::{Interval, IntervalSet, PacketSet};
    use crate::model::Protocol;

    fn flow(eni: &str, port: u16, because: Vec<Because>) -> FlowChange {
        let one = |v: u128| IntervalSet::from_interval(Interval::point(v));
        FlowChange {
            dst: "eni-0dst".into(),
            dst_ip: "10.0.0.9".parse().unwrap(),
            presence: Presence::Both,
            source: std::sync::Arc::new(Source::Interfaces {
                vpc: "vpc-1".into(),
                subnet: "subnet-1".into(),
                groups: vec!["sg-1".into()],
                enis: vec![eni.into()],
            }),
            protocol: Protocol::TCP,
            direction: Direction::Gained,
            packets: PacketSet::product(&[
                (Field::Src, one(0x0a00_0001)),
                (Field::Proto, one(6)),
                (Field::DstPort, one(u128::from(port))),
            ]),
            because,
        }
    }

    /// Text and the findings write flows alike but for their source once:
    /// grouped on what makes the key, then merged where keys read the same,
    /// they are the groups of writing every flow out and grouping by its key
    /// (in the order each group's first is met, each member in order),
    /// including two explanations that differ but print alike (two details
    /// of one change that read the same).
    #[test]
    fn flows_alike_are_the_groups_of_their_written_keys() {
        let detail = || Detail {
            kind: Kind::Added,
            label: "sgr-1".into(),
            text: "inbound tcp 22 from 0.0.0.0/0".into(),
            terraform: None,
        };
        let d_change = Change {
            resource: "sg-1".into(),
            kind: "security-group",
            change: Kind::Modified,
            vpc: None,
            details: vec![detail(), detail()],
            file: "SecurityGroups.json".into(),
        };
        let by = |n: usize| {
            vec![Because {
                change: 0,
                details: vec![n],
                met: vec!["after (forward): sg-1 allow sgr-1".into()],
            }]
        };
        let mut flows = Vec::new();
        for n in 0..9 {
            flows.push(flow(&format!("eni-0src{n}"), 22, by(n % 2)));
            if n % 3 == 0 {
                flows.push(flow(&format!("eni-0other{n}"), 80, by(0)));
            }
        }
        let d = Diff {
            changes: vec![d_change],
            flows,
            destinations: 1,
            compared: 1,
            assumptions: Vec::new(),
        };
        let net = Network::default();
        let every = DiffReport::new(&d, &net, true);
        let mut want: Vec<(usize, Vec<String>)> = Vec::new();
        let mut at: HashMap<String, usize> = HashMap::new();
        for (n, out) in every.flows.iter().enumerate() {
            match at.get(&out.alike()) {
                Some(g) => want[*g].1.push(out.source.clone()),
                None => {
                    at.insert(out.alike(), want.len());
                    want.push((n, vec![out.source.clone()]));
                }
            }
        }
        let report = DiffReport::new(&d, &net, false);
        let got: Vec<(usize, Vec<String>)> = report
            .alike
            .iter()
            .map(|g| (g.index, g.sources.iter().map(|s| s.to_string()).collect()))
            .collect();
        assert_eq!(got, want);
        // Nine flows on port 22 (two explanations printing alike) and three
        // on port 80: two groups.
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1.len(), 9);
        let text = report.to_text();
        assert!(text.contains("and 3 more -> eni-0dst"), "{text}");
        // Each group's first written as JSON writes it (but its boxes).
        for (g, first) in report.alike.iter().zip([0, 1]) {
            let mut e = every.flows[first].clone();
            e.packets.clear();
            assert_eq!(g.first, e);
        }
    }
}
