//! `reach who`: every source that reaches a target, as text and JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::explain::Names;
use crate::hs::Field;
use crate::model::Network;
use crate::who::{Answer, Found, Source};

use super::findings::{
    Finding, FindingsReport, Severity, exposure_severity, last_allow, rule_in_hop,
};
use super::packets::{PacketsOut, packets};
use super::report::Report;

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct WhoReport {
    /// The target as asked, and its address.
    pub target: String,
    pub address: String,
    /// What was asked: `tcp 0-65535`, `icmp 0-255` (ICMP types), ….
    pub services: Vec<String>,
    /// Every source class that gets there and back (or may: `undecided`).
    pub sources: Vec<WhoSourceOut>,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct WhoSourceOut {
    /// `internet`, `access` or `interfaces`.
    pub kind: &'static str,
    /// The class in one line (`internet`, `cvpn-endpoint-… group ops`,
    /// `subnet-… [sg-…]`).
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    /// The interfaces of the class whose packets get there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<String>,
    /// The target's address they reach (private, public or IPv6).
    pub destination: String,
    pub protocol: String,
    /// Source addresses that get there and back, as a person reads them.
    pub addresses: String,
    /// Destination ports (ICMP types for icmp) that get there and back.
    pub ports: String,
    /// `all`: for every choice the network makes; `some`: for some (NAT
    /// port choices); `undecided`: the input cannot tell.
    pub reach: &'static str,
    /// Gateways on the way (`internet-gateway`, `client-vpn-association`,
    /// `vpc-peering`, …; `local` inside one VPC).
    pub via: Vec<&'static str>,
    /// The exact packets, as boxes.
    pub packets: Vec<PacketsOut>,
    /// How to read the boxes' sources, when not as they are (`exposure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packets_sources: Option<String>,
    /// Packets the input cannot decide, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undecided: Vec<PacketsOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}

fn source_out(f: &Found, net: &Network) -> (&'static str, String) {
    match &f.source {
        Source::Internet => ("internet", "internet".into()),
        Source::Access { endpoint, group } => (
            "access",
            match group {
                Some(g) => format!("{endpoint} group {g}"),
                None => format!("{endpoint} ({})", no_group(net, endpoint)),
            },
        ),
        Source::Interfaces { subnet, groups, .. } => {
            ("interfaces", format!("{subnet} [{}]", groups.join(", ")))
        }
    }
}

/// One source class's answer as output: `f` is one `Found` of `who` or of
/// `exposure` (whose answers may be shared by many targets: only the paths
/// whose packets go to `f.dst` are read).
pub(super) fn source_out_of(f: &Found, net: &Network, names: &Names, full: &Names) -> WhoSourceOut {
    let (kind, source) = source_out(f, net);
    let to =
        crate::hs::IntervalSet::from_interval(crate::hs::Interval::point(crate::hs::addr(f.dst)));
    let (endpoint, group, vpc, subnet, security_groups, interfaces) = match &f.source {
        Source::Internet => (None, None, None, None, Vec::new(), Vec::new()),
        Source::Access { endpoint, group } => (
            Some(endpoint.clone()),
            group.clone(),
            None,
            None,
            Vec::new(),
            Vec::new(),
        ),
        Source::Interfaces {
            vpc,
            subnet,
            groups,
            enis,
        } => (
            None,
            None,
            Some(vpc.clone()),
            Some(subnet.clone()),
            groups.clone(),
            enis.clone(),
        ),
    };
    let reach = if !f.reach.all.is_empty() && f.reach.all.same_as(&f.reach.some) {
        "all"
    } else if !f.reach.some.is_empty() {
        "some"
    } else {
        "undecided"
    };
    let mut unknown: Vec<String> = f
        .analysis
        .paths
        .iter()
        .filter_map(|p| {
            let last = p.back.as_ref().unwrap_or(&p.forward);
            let crate::engine::End::Unknown { component, reason } = &last.end else {
                return None;
            };
            // A shared answer (exposure): only this target's packets.
            if !p.forward.flow.some.meets(Field::Dst, &to) {
                return None;
            }
            Some(format!("{component}: {reason}"))
        })
        .collect();
    unknown.dedup();
    WhoSourceOut {
        kind,
        source,
        endpoint,
        group,
        vpc,
        subnet,
        security_groups,
        interfaces,
        destination: f.dst.to_string(),
        protocol: f.protocol.name(),
        addresses: names.addresses(&f.sources()),
        ports: f.ports().summary(if f.protocol.is_icmp() {
            Field::IcmpType
        } else {
            Field::DstPort
        }),
        reach,
        via: f.via.clone(),
        packets: packets(&f.reach.some, full),
        packets_sources: f.within.as_ref().map(|_| {
            "the boxes are read off one walk from every public address: their sources mean only what `internet` means (the input's own addresses left out, as `addresses` says)".to_string()
        }),
        undecided: packets(&f.reach.undecided, full),
        unknown: if f.reach.undecided.is_empty() {
            Vec::new()
        } else {
            unknown
        },
    }
}

impl WhoReport {
    pub fn new(a: &Answer, target: &str, net: &Network) -> WhoReport {
        let names = Names::new(net, Some(4));
        let full = Names::new(net, None);
        let sources = a
            .found
            .iter()
            .map(|f| source_out_of(f, net, &names, &full))
            .collect();
        WhoReport {
            target: target.to_string(),
            address: a.dst_ip.to_string(),
            services: a
                .services
                .iter()
                .map(|(p, (lo, hi))| {
                    if lo == hi {
                        format!("{} {lo}", p.name())
                    } else {
                        format!("{} {lo}-{hi}", p.name())
                    }
                })
                .collect(),
            sources,
            assumptions: a.assumptions.clone(),
            warnings: net.warnings.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializable") + "\n"
    }

    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "who reaches {} ({}) on {}: {}",
            self.target,
            self.address,
            self.services.join(", "),
            if self.sources.is_empty() {
                "nobody".to_string()
            } else {
                format!("{} source class(es)", self.sources.len())
            }
        );
        for s in &self.sources {
            let _ = writeln!(
                o,
                "  {} -> {} {} {}{}",
                s.source,
                s.destination,
                s.protocol,
                s.ports,
                match s.reach {
                    "all" => String::new(),
                    r => format!(" ({r})"),
                }
            );
            let _ = writeln!(o, "    from {}", s.addresses);
            if !s.interfaces.is_empty() {
                let _ = writeln!(o, "    interfaces: {}", s.interfaces.join(", "));
            }
            // Nothing on the way for a class whose packets are only
            // undecided.
            if !s.via.is_empty() {
                let _ = writeln!(o, "    via {}", s.via.join(", "));
            }
            for u in &s.unknown {
                let _ = writeln!(o, "    unknown: {u}");
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
    /// `who`: one finding per source class. The internet reaching the
    /// target fails (severity by port: [`super::findings::exposure_severity`])
    /// and points at the rule that lets it in; access users and interfaces
    /// pass (informational).
    pub fn from_who(a: &Answer, report: &WhoReport, net: &Network, run_id: String) -> Self {
        let mut findings = Vec::new();
        for (f, out) in a.found.iter().zip(&report.sources) {
            let internet = f.source == Source::Internet;
            let ports = f.ports();
            let allow = last_allow(
                f.analysis
                    .paths
                    .iter()
                    .filter(|p| {
                        matches!(
                            p.verdict,
                            crate::engine::Verdict::Reachable | crate::engine::Verdict::Partial
                        )
                    })
                    .flat_map(|p| p.forward.hops.iter()),
            );
            let via = if out.via.is_empty() {
                String::new()
            } else {
                format!("\nvia {}", out.via.join(", "))
            };
            let details = format!(
                "{} -> {} {} {}\nfrom {}{via}\n\n{}",
                out.source,
                out.destination,
                out.protocol,
                out.ports,
                out.addresses,
                Report::brief(&f.analysis, net).to_text(false)
            );
            let kind = match &f.source {
                Source::Internet => "internet",
                Source::Access { .. } => "access",
                Source::Interfaces { .. } => "interfaces",
            };
            findings.push(Finding {
                rule_id: format!("reach/who/{kind}"),
                name: format!(
                    "{} reaches {} {} {}",
                    out.source, out.destination, out.protocol, out.ports
                ),
                passed: !internet,
                severity: if internet {
                    exposure_severity(true, &ports)
                } else {
                    Severity::None
                },
                message: format!(
                    "{} reaches {} ({}) on {} {} from {}",
                    out.source,
                    report.target,
                    out.destination,
                    out.protocol,
                    out.ports,
                    out.addresses
                ),
                details,
                resource: allow
                    .map(|h| h.component.clone())
                    .or_else(|| a.dst_eni.clone()),
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
        Self {
            command: "who".into(),
            run_id,
            title: format!("reach who {}", report.target),
            summary: vec![
                (
                    "target".into(),
                    format!("{} ({})", report.target, report.address),
                ),
                ("source classes".into(), report.sources.len().to_string()),
            ],
            inputs: Vec::new(),
            findings,
        }
    }
}

/// Who a user "in no group" is at an endpoint: with certificate
/// authentication every client (no groups exist), else a user in none of
/// the groups its rules or policies name.
pub(super) fn no_group(net: &Network, endpoint: &str) -> &'static str {
    match net.client_vpn_endpoints.get(endpoint) {
        Some(e) if !e.has_groups() => "every client: certificate authentication, no groups",
        Some(_) => "a user in none of its groups",
        None => "a user in none of the groups its policies name",
    }
}
