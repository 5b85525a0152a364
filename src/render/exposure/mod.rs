//! `reach exposure`: what reaches every interface, worst first, as text and
//! JSON (each source class as `who` writes it).

use std::fmt::Write as _;

use serde::Serialize;

use crate::explain::Names;
use crate::exposure::{Exposed, Exposure};
use crate::model::Network;

use super::findings::{
    Finding, FindingsReport, Severity, exposure_severity, last_allow, rule_in_hop,
};
use super::who::{WhoSourceOut, source_out_of};

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ExposureReport {
    /// The sources asked: `internet`, `client`.
    pub from: Vec<&'static str>,
    pub summary: ExposureSummary,
    /// Every interface something reaches, worst first.
    pub targets: Vec<TargetOut>,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ExposureSummary {
    /// Interfaces asked about.
    pub interfaces: usize,
    /// Interfaces something reaches.
    pub exposed: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct TargetOut {
    pub eni: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub vpc: String,
    pub subnet: String,
    /// `critical` (the internet reaches an administration or database
    /// port), `high` (the internet reaches it), `medium` (access users reach
    /// such a port), `low`.
    pub risk: &'static str,
    /// The administration and database ports reached (`ssh 22`), those the
    /// internet reaches first.
    pub sensitive: Vec<String>,
    /// What reaches it, per source class, address and protocol.
    pub sources: Vec<SourceOut>,
}

/// A source class as `who` writes it, and the hops of one path of its
/// packets, forward and return, with the rule that let them through at each.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct SourceOut {
    #[serde(flatten)]
    pub who: WhoSourceOut,
    pub forward: Vec<HopOut>,
    pub back: Vec<HopOut>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct HopOut {
    pub component: String,
    pub kind: &'static str,
    pub action: &'static str,
    pub rule: String,
}

fn hops(h: &[crate::engine::Hop]) -> Vec<HopOut> {
    h.iter()
        .map(|h| HopOut {
            component: h.component.clone(),
            kind: h.kind,
            action: h.action,
            rule: match &h.entry {
                Some(e) => format!("{} (entry {e})", h.rule),
                None => h.rule.clone(),
            },
        })
        .collect()
}

fn target_out(e: &Exposed, net: &Network, names: &Names, full: &Names) -> TargetOut {
    TargetOut {
        eni: e.eni.clone(),
        instance: e.instance.clone(),
        name: e.name.clone(),
        vpc: e.vpc.clone(),
        subnet: e.subnet.clone(),
        risk: e.risk.name(),
        sensitive: e.sensitive.clone(),
        sources: e
            .found
            .iter()
            .map(|f| {
                let path = crate::exposure::witness(f, &e.eni);
                SourceOut {
                    who: source_out_of(f, net, names, full),
                    forward: path.map(|p| hops(&p.forward.hops)).unwrap_or_default(),
                    back: path
                        .and_then(|p| p.back.as_ref())
                        .map(|b| hops(&b.hops))
                        .unwrap_or_default(),
                }
            })
            .collect(),
    }
}

impl ExposureReport {
    pub fn new(x: &Exposure, net: &Network) -> ExposureReport {
        let names = Names::new(net, Some(4));
        let full = Names::new(net, None);
        let targets: Vec<TargetOut> = x
            .exposed
            .iter()
            .map(|e| target_out(e, net, &names, &full))
            .collect();
        let count = |r: &str| targets.iter().filter(|t| t.risk == r).count();
        ExposureReport {
            from: x.from.clone(),
            summary: ExposureSummary {
                interfaces: x.asked,
                exposed: targets.len(),
                critical: count("critical"),
                high: count("high"),
                medium: count("medium"),
                low: count("low"),
            },
            targets,
            assumptions: x.assumptions.clone(),
            warnings: net.warnings.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializable") + "\n"
    }

    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let s = &self.summary;
        let _ = writeln!(
            o,
            "exposure from {}: {} of {} interfaces reached ({} critical, {} high, {} medium, {} low)",
            self.from.join(" and "),
            s.exposed,
            s.interfaces,
            s.critical,
            s.high,
            s.medium,
            s.low
        );
        for t in &self.targets {
            let who = match (&t.instance, &t.name) {
                (Some(i), Some(n)) => format!(" ({i} {n})"),
                (Some(i), None) => format!(" ({i})"),
                (None, Some(n)) => format!(" ({n})"),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                o,
                "{} {}{who} in {}, {}{}",
                t.risk,
                t.eni,
                t.subnet,
                t.vpc,
                if t.sensitive.is_empty() {
                    String::new()
                } else {
                    format!(": {}", t.sensitive.join(", "))
                }
            );
            for src in t.sources.iter().map(|s| &s.who) {
                let _ = writeln!(
                    o,
                    "  {} -> {} {} {}{} via {}",
                    src.source,
                    src.destination,
                    src.protocol,
                    src.ports,
                    match src.reach {
                        "all" => String::new(),
                        r => format!(" ({r})"),
                    },
                    src.via.join(", ")
                );
                let _ = writeln!(o, "    from {}", src.addresses);
                for u in &src.unknown {
                    let _ = writeln!(o, "    unknown: {u}");
                }
            }
        }
        if !self.assumptions.is_empty() {
            let _ = writeln!(o, "assumptions:");
            for a in &self.assumptions {
                let _ = writeln!(o, "  - {a}");
            }
        }
        o
    }
}

impl FindingsReport {
    /// `exposure`: one finding per interface and source class. The internet
    /// reaching an interface fails (severity by port, as for `who`) and
    /// points at the last rule that lets it in; access users pass
    /// (informational).
    pub fn from_exposure(
        x: &Exposure,
        report: &ExposureReport,
        _net: &Network,
        run_id: String,
    ) -> Self {
        let mut findings = Vec::new();
        for (e, t) in x.exposed.iter().zip(&report.targets) {
            for (f, out) in e.found.iter().zip(&t.sources) {
                let out = &out.who;
                let internet = f.source == crate::who::Source::Internet;
                let ports = f.ports();
                let path = crate::exposure::witness(f, &e.eni);
                let allow = path.and_then(|p| last_allow(p.forward.hops.iter()));
                let mut details = format!(
                    "{} -> {} {} {}\nfrom {}\nvia {}\n",
                    out.source,
                    out.destination,
                    out.protocol,
                    out.ports,
                    out.addresses,
                    out.via.join(", ")
                );
                if let Some(p) = path {
                    for (dir, leaf) in [("forward", Some(&p.forward)), ("return", p.back.as_ref())]
                    {
                        let Some(leaf) = leaf else { continue };
                        details += &format!("{dir}:\n");
                        for h in &leaf.hops {
                            details += &format!("  {} {} {}\n", h.component, h.action, h.rule);
                        }
                    }
                }
                findings.push(Finding {
                    rule_id: format!(
                        "reach/exposure/{}",
                        if internet { "internet" } else { "access" }
                    ),
                    name: format!(
                        "{} reaches {} {} {}",
                        out.source, e.eni, out.protocol, out.ports
                    ),
                    passed: !internet,
                    severity: if internet {
                        exposure_severity(true, &ports)
                    } else {
                        Severity::None
                    },
                    message: format!(
                        "{} reaches {} ({}, {} risk) on {} {} from {}",
                        out.source,
                        e.eni,
                        out.destination,
                        t.risk,
                        out.protocol,
                        out.ports,
                        out.addresses
                    ),
                    details,
                    resource: allow
                        .map(|h| h.component.clone())
                        .or_else(|| Some(e.eni.clone())),
                    rule: allow.and_then(|h| rule_in_hop(&h.rule)),
                    flow_class: format!(
                        "{}->{}:{}/{}",
                        f.source.key(),
                        out.destination,
                        out.ports,
                        out.protocol
                    ),
                    tf_address: None,
                    location: None,
                });
            }
        }
        let s = &report.summary;
        Self {
            command: "exposure".into(),
            run_id,
            title: format!("reach exposure --from {}", report.from.join(",")),
            summary: vec![
                ("interfaces".into(), s.interfaces.to_string()),
                ("exposed".into(), s.exposed.to_string()),
                ("critical".into(), s.critical.to_string()),
                ("high".into(), s.high.to_string()),
            ],
            inputs: Vec::new(),
            findings,
        }
    }
}

impl ExposureReport {
    /// One self-contained HTML page (no network fetch): a sortable,
    /// filterable table of the exposed interfaces and, per interface, the
    /// hops of a path of each source class with the rule that let it
    /// through. The report's JSON is embedded; the page's script draws it.
    pub fn to_html(&self) -> String {
        const PAGE: &str = include_str!("page.html");
        // Inside <script>, `</script` would end the element and `<!--` start
        // an escape: no `<` at all (JSON strings allow `\u003c`, and `<`
        // appears only inside them).
        let data = serde_json::to_string(self)
            .expect("serializable")
            .replace('<', "\\u003c");
        PAGE.replace("__DATA__", &data)
    }
}
