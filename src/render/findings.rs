//! Findings: the format-neutral value every command hands to the CI formats
//! (`sarif.rs`, `junit.rs`, `markdown.rs`). A [`FindingsReport`] says what
//! was checked and, per [`Finding`], whether it passed, how bad a failure
//! is, the explanation, and which AWS resource (and rule in it) it points at.
//! The formats know nothing of how findings were computed; a command only
//! has to build this value (`from_check` here for `check`).

use crate::engine::{Analysis, Cause, End, Verdict};
use crate::explain::blocker;
use crate::hs::{self, Field};

use super::report::{Report, rule_of};

/// What one command run found: a report per run, findings in a stable order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingsReport {
    /// `check`, `who`, `diff` or `assert`.
    pub command: String,
    /// Identifies the run's subject (the account or snapshot and, for
    /// `check`, the query): SARIF's `runAutomationDetails.id`. Stable across
    /// runs over the same subject.
    pub run_id: String,
    /// One line: a markdown heading, the JUnit suite name.
    pub title: String,
    /// A few (label, value) pairs shown above the findings.
    pub summary: Vec<(String, String)>,
    /// The input files, repository-relative: where a finding without a
    /// location points (its first one, line 1).
    pub inputs: Vec<String>,
    pub findings: Vec<Finding>,
}

/// One thing checked, passed or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable across runs, e.g. `reach/check/unreachable`; described in [`RULES`].
    pub rule_id: String,
    /// One line: the JUnit test case name, the markdown row title.
    pub name: String,
    pub passed: bool,
    pub severity: Severity,
    /// One paragraph.
    pub message: String,
    /// The full explanation (what `reach check` prints as text).
    pub details: String,
    /// The AWS ID the finding points at (`sg-…`, `acl-…`, `rtb-…`, `eni-…`, …).
    pub resource: Option<String>,
    /// The rule within it, as the text output names it: `sgr-…`,
    /// `inbound rule 100`, `outbound rule * (32767, deny all)`, a route's destination.
    pub rule: Option<String>,
    /// The flow the finding is about, e.g. `internet->eni-0abc:22/tcp`.
    pub flow_class: String,
    /// The Terraform address of the resource, when known (a plan's `address`).
    pub tf_address: Option<String>,
    /// Where in the repository the resource or rule is written (filled by the
    /// caller from `ingest::locate`).
    pub location: Option<Location>,
}

/// A line of a repository file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Relative to the repository root, forward slashes.
    pub file: String,
    /// 1-based.
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

/// Ports whose exposure to the internet is [`Severity::High`]: SSH (22),
/// RDP (3389) and databases — MySQL 3306, PostgreSQL 5432, SQL Server 1433,
/// Oracle 1521, MongoDB 27017, Redis 6379, Elasticsearch 9200, Redshift
/// 5439, Memcached 11211, Cassandra 9042, CouchDB 5984.
pub const SENSITIVE_PORTS: &[u16] = &[
    22, 3389, 3306, 5432, 1433, 1521, 27017, 6379, 9200, 5439, 11211, 9042, 5984,
];

impl Severity {
    /// The severity of a flow being open: from the internet to any of
    /// [`SENSITIVE_PORTS`] in `ports` (inclusive range) is `High`, from the
    /// internet to other ports `Medium`, from elsewhere `Low`.
    pub fn of_exposure(from_internet: bool, ports: (u16, u16)) -> Severity {
        let sensitive = SENSITIVE_PORTS
            .iter()
            .any(|p| (ports.0..=ports.1).contains(p));
        match (from_internet, sensitive) {
            (true, true) => Severity::High,
            (true, false) => Severity::Medium,
            _ => Severity::Low,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitHub's `security-severity` score: critical > 9.0, high 7.0-8.9,
    /// medium 4.0-6.9, low 0.1-3.9.
    pub fn score(self) -> &'static str {
        match self {
            Severity::None => "0.0",
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

/// A rule's descriptions, for SARIF's `tool.driver.rules`.
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc {
    pub id: &'static str,
    pub short: &'static str,
    pub full: &'static str,
}

/// Every rule a command reports. A rule ID never changes meaning; commands
/// add theirs here.
pub const RULES: &[RuleDoc] = &[
    RuleDoc {
        id: "reach/check/reachable",
        short: "the flow is reachable",
        full: "Every packet of the query reaches the destination and its reply comes back.",
    },
    RuleDoc {
        id: "reach/check/unreachable",
        short: "the flow is unreachable",
        full: "No packet of the query gets to the destination and back; the finding points at what stops them.",
    },
    RuleDoc {
        id: "reach/check/partial",
        short: "the flow is reachable for some packets only",
        full: "Some packets of the query get there and back, others are stopped; the finding points at what stops them.",
    },
    RuleDoc {
        id: "reach/check/unknown",
        short: "the input cannot decide the flow",
        full: "Some packets of the query meet a component whose behaviour the input does not describe; the finding points at it.",
    },
    RuleDoc {
        id: "reach/who/internet",
        short: "the internet reaches the target",
        full: "Hosts on the internet get packets to the target and back; the finding lists the exact sources and ports and points at the rule that lets them in.",
    },
    RuleDoc {
        id: "reach/who/access",
        short: "access users reach the target",
        full: "Client VPN or Verified Access users of a group reach the target (informational).",
    },
    RuleDoc {
        id: "reach/who/interfaces",
        short: "interfaces reach the target",
        full: "Interfaces of the input reach the target (informational).",
    },
    RuleDoc {
        id: "reach/exposure/internet",
        short: "the internet reaches an interface",
        full: "Hosts on the internet get packets to the interface and back; the finding lists the exact sources and ports, the path, and points at the last rule that lets them in.",
    },
    RuleDoc {
        id: "reach/exposure/access",
        short: "access users reach an interface",
        full: "Client VPN or Verified Access users of a group reach the interface (informational).",
    },
    RuleDoc {
        id: "reach/diff/new-internet-exposure",
        short: "the change opens the target to the internet",
        full: "After the change, hosts on the internet reach packets to the target they could not reach before; the finding names the change that opened them.",
    },
    RuleDoc {
        id: "reach/diff/new-access",
        short: "the change opens new flows",
        full: "After the change, a source (an access group or an interface) reaches packets to the target it could not reach before.",
    },
    RuleDoc {
        id: "reach/diff/lost-access",
        short: "the change closes flows that worked",
        full: "Packets that reached the target before the change no longer do; the finding names the change that stops them.",
    },
    RuleDoc {
        id: "reach/diff/undecided",
        short: "the change makes flows undecided",
        full: "After the change the input cannot decide some packets to the target (a value unknown until apply, a component the model does not know).",
    },
    RuleDoc {
        id: "reach/assert/must_reach",
        short: "a flow that must work does not",
        full: "A `must_reach` assertion: some packets of the flow do not get there and back; the finding points at what stops them.",
    },
    RuleDoc {
        id: "reach/assert/must_not_reach",
        short: "a flow that must not work does",
        full: "A `must_not_reach` assertion: packets get there and back; the finding points at the rule that lets them.",
    },
    RuleDoc {
        id: "reach/assert/only",
        short: "a source outside the allowed list reaches the target",
        full: "An `only` assertion: a source not listed reaches the target.",
    },
    RuleDoc {
        id: "reach/assert/consistent",
        short: "Client VPN associations differ",
        full: "A `consistent` assertion: the associations of an endpoint do not route and authorize the same destinations.",
    },
    RuleDoc {
        id: "reach/assert/no_exposure",
        short: "the internet reaches what it must not",
        full: "A `no_exposure` assertion: hosts on the internet reach a listed port or target.",
    },
    RuleDoc {
        id: "reach/lint/nacl-shadowed",
        short: "a network ACL entry never takes effect",
        full: "Earlier (lower-numbered) entries of the same direction match every packet the entry matches, and some of them with the other action: the entry never decides anything and its action never applies.",
    },
    RuleDoc {
        id: "reach/lint/nacl-redundant",
        short: "a network ACL entry is redundant",
        full: "Earlier entries of the same direction, all with the same action, match every packet the entry matches: deleting it changes nothing.",
    },
    RuleDoc {
        id: "reach/lint/nacl-partly-shadowed",
        short: "a network ACL entry is partly shadowed",
        full: "Earlier entries with the other action decide part of what the entry matches; the finding lists what the entry still decides and what it loses.",
    },
    RuleDoc {
        id: "reach/lint/sg-rule-subsumed",
        short: "a security-group rule is covered by other rules",
        full: "Other rules of the same group, or of the groups attached to exactly the same interfaces, allow every packet the rule allows: revoking it changes nothing.",
    },
    RuleDoc {
        id: "reach/lint/client-cidr-rule",
        short: "a rule allows the Client VPN client CIDR",
        full: "A security-group rule or network ACL entry in a Client VPN endpoint's VPC names only the endpoint's client CIDR, which never appears there: the association's interface source-NATs clients to its own address. Allow the endpoint's security group or the association subnets instead.",
    },
    RuleDoc {
        id: "reach/lint/peer-group-unattached",
        short: "a rule's peer group is attached to nothing",
        full: "A security-group rule names a group that no interface, Client VPN or Verified Access endpoint of the input carries: it stands for no address and never matches.",
    },
    RuleDoc {
        id: "reach/lint/cvpn-route-missing",
        short: "a Client VPN route is missing on some associations",
        full: "A Client VPN route goes through one association while another association of the endpoint has no route for (part of) that destination: clients cannot choose their association, so some connections fail.",
    },
    RuleDoc {
        id: "reach/lint/cvpn-auth-unroutable",
        short: "a Client VPN authorization rule no route makes usable",
        full: "No Client VPN route covers the destinations the authorization rule decides: no connection to them enters the VPN.",
    },
    RuleDoc {
        id: "reach/lint/cvpn-auth-overridden",
        short: "a Client VPN authorization rule is overridden everywhere",
        full: "More specific authorization rules cover every destination of the rule, and the most specific rule decides: the rule never applies (its users lose access unless those rules grant them too).",
    },
    RuleDoc {
        id: "reach/lint/blackhole-route",
        short: "a route is a blackhole",
        full: "The route's target no longer exists (state `blackhole`): packets it matches are dropped.",
    },
    RuleDoc {
        id: "reach/lint/tgw-return-route-missing",
        short: "a transit gateway route table has no route back",
        full: "A transit gateway route table sends packets to a VPC attachment whose own associated table has no route for (part of) the sender's VPC: the replies are dropped at the transit gateway.",
    },
    RuleDoc {
        id: "reach/lint/tgw-blackhole-shadows",
        short: "a transit gateway blackhole route takes a propagated route's addresses",
        full: "A blackhole route of a transit gateway route table decides addresses that a propagated route of the same table would deliver: packets to them are dropped.",
    },
    RuleDoc {
        id: "reach/lint/tgw-zone-without-attachment",
        short: "a subnet routes to a transit gateway from a zone without an attachment subnet",
        full: "A subnet's route table sends packets to a transit gateway, but its VPC's attachment has no subnet in the subnet's Availability Zone: the transit gateway cannot be reached from there.",
    },
    RuleDoc {
        id: "reach/lint/sg-unattached",
        short: "a security group is attached to nothing",
        full: "No interface, Client VPN or Verified Access endpoint of the input carries the group: its rules filter nothing.",
    },
    RuleDoc {
        id: "reach/lint/nacl-no-ephemeral-return",
        short: "a network ACL lacks the ephemeral return for an allowed flow",
        full: "A network ACL allows requests to a service port, but its other direction does not allow the replies to the clients' ephemeral ports (network ACLs are stateless); the finding lists the exact replies dropped.",
    },
];

/// The descriptions of `id`, or generic ones for an ID not in [`RULES`].
pub fn rule_doc(id: &str) -> RuleDoc {
    RULES
        .iter()
        .find(|r| r.id == id)
        .copied()
        .unwrap_or(RuleDoc {
            id: "",
            short: "a reachability finding",
            full: "A reachability finding of reach.",
        })
}

impl FindingsReport {
    /// `check`: one finding, the verdict. It passes when the flow is
    /// reachable; otherwise it points at where packets stop first (forward
    /// before return: the blocking rule or component) and fails with
    /// severity medium (unreachable, partial) or low (unknown). `details` is
    /// the text report.
    pub fn from_check(a: &Analysis, report: &Report, details: String, run_id: String) -> Self {
        let q = &report.query;
        // An interface at one of its addresses keeps the address: each is
        // a flow class of its own.
        let dst = match &a.query.spec.dst {
            crate::engine::DstSpec::EniAt { .. } => a.query.spec.dst.to_string(),
            _ => a
                .query
                .dst_eni
                .clone()
                .unwrap_or_else(|| q.destination.clone()),
        };
        let flow_class = format!("{}->{dst}:{}/{}", q.source, q.ports, q.protocol);
        let mut stops: Vec<_> = a.paths.iter().filter_map(|p| p.stop()).collect();
        stops.sort_by_key(|l| l.direction);
        let stop = stops.first();
        let (resource, rule, stopped) = match stop.map(|l| (&l.end, l)) {
            Some((End::Dropped(c), leaf)) => {
                let dst = leaf.flow.current(Field::Dst);
                let v6 = !dst.is_empty() && dst.intersect(&hs::all_v4()).is_empty();
                let (resource, rule) = pointer(c, v6);
                (Some(resource), rule, Some(blocker(c)))
            }
            Some((End::Unknown { component, reason }, _)) => (
                Some(component.clone()),
                None,
                Some(format!("{component} (undecided: {reason})")),
            ),
            _ => (None, None, None),
        };
        let verdict = a.verdict;
        let message = match &stopped {
            Some(s) if verdict != Verdict::Reachable => {
                format!("{}: {}; stopped by {s}", verdict.name(), q.text)
            }
            _ => format!("{}: {}", verdict.name(), q.text),
        };
        let severity = match verdict {
            Verdict::Reachable => Severity::None,
            Verdict::Unknown => Severity::Low,
            Verdict::Unreachable | Verdict::Partial => Severity::Medium,
        };
        let finding = Finding {
            rule_id: format!("reach/check/{}", verdict.name()),
            name: format!("{} is {}", q.text, verdict.name()),
            passed: verdict == Verdict::Reachable,
            severity,
            message,
            details,
            resource,
            rule,
            flow_class,
            tf_address: None,
            location: None,
        };
        FindingsReport {
            command: "check".into(),
            run_id,
            title: format!("reach check {}", q.text),
            summary: vec![
                ("query".into(), q.text.clone()),
                ("verdict".into(), verdict.name().into()),
            ],
            inputs: Vec::new(),
            findings: vec![finding],
        }
    }

    /// How many findings failed.
    pub fn failures(&self) -> usize {
        self.findings.iter().filter(|f| !f.passed).count()
    }
}

/// The resource a cause points at and the rule in it, labelled as the text
/// output labels it (`v6`: the packets stopped are IPv6).
fn pointer(c: &Cause, v6: bool) -> (String, Option<String>) {
    let (component, _) = c.component();
    let rule = match c {
        Cause::NaclDeny { .. } | Cause::NaclDefaultDeny { .. } => Some(rule_of(c, v6)),
        Cause::Blackhole { route, .. } | Cause::TgwBlackhole { route, .. } => {
            route.split(" -> ").next().map(str::to_string)
        }
        _ => None,
    };
    (component, rule)
}

/// The severity of a flow being open to `ports` (a set): the worst of its ranges.
pub fn exposure_severity(from_internet: bool, ports: &crate::hs::IntervalSet) -> Severity {
    ports
        .intervals()
        .iter()
        .map(|i| {
            let lo = u16::try_from(i.lo).unwrap_or(u16::MAX);
            let hi = u16::try_from(i.hi).unwrap_or(u16::MAX);
            Severity::of_exposure(from_internet, (lo, hi))
        })
        .max()
        .unwrap_or(Severity::None)
}

/// The last security-group or network ACL hop that allowed the packets in,
/// of `hops` in the order they were met: the rule a finding points at.
pub fn last_allow<'h>(
    hops: impl DoubleEndedIterator<Item = &'h crate::engine::Hop>,
) -> Option<&'h crate::engine::Hop> {
    hops.rev()
        .find(|h| (h.kind == "security-group" || h.kind == "network-acl") && h.action == "allow")
}

/// The rule a hop's text names, as [`Finding::rule`] wants it: an `sgr-…`
/// ID, else `inbound rule N` / `outbound rule N`.
pub fn rule_in_hop(rule: &str) -> Option<String> {
    if let Some(at) = rule.find("sgr-") {
        let id: String = rule[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        return Some(id);
    }
    for side in ["inbound rule ", "outbound rule "] {
        if let Some(rest) = rule.strip_prefix(side) {
            let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !n.is_empty() {
                return Some(format!("{side}{n}"));
            }
        }
    }
    None
}
