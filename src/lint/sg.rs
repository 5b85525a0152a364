//! Security groups: rules other rules cover (in the same group, or in the
//! groups attached to exactly the same interfaces, whose rules add up on
//! each of them), groups attached to nothing, and rules whose peer group is
//! attached to nothing.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::sets::{Side, describe_sg_rule, proto_ports};
use crate::hs::{self, IntervalSet, PacketSet};
use crate::model::{Network, Peer, PortMatch, Protocol, SecurityGroup, SgRule};

use super::finding::{Finding, Kind, Lint, Severity};
use super::sets::cidr;

/// What each security group of the input is attached to: interfaces, and
/// the Client VPN and Verified Access endpoints that name it (their
/// interfaces may be missing from the input).
pub(super) fn attachments(net: &Network) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut out: BTreeMap<&str, BTreeSet<&str>> = net
        .security_groups
        .keys()
        .map(|g| (g.as_str(), BTreeSet::new()))
        .collect();
    for i in net.interfaces.values() {
        for g in &i.groups {
            if let Some(s) = out.get_mut(g.as_str()) {
                s.insert(i.id.as_str());
            }
        }
    }
    for e in net.client_vpn_endpoints.values() {
        for g in &e.security_groups {
            if let Some(s) = out.get_mut(g.as_str()) {
                s.insert(e.id.as_str());
            }
        }
    }
    for e in net.va_endpoints.values() {
        for g in &e.security_groups {
            if let Some(s) = out.get_mut(g.as_str()) {
                s.insert(e.id.as_str());
            }
        }
    }
    out
}

/// A VPC's default group, which AWS creates and never deletes.
fn is_default(g: &SecurityGroup) -> bool {
    g.name == "default" || g.id.starts_with("sg-default-")
}

/// The rule AWS gives every new group: all traffic out to everywhere.
fn is_default_egress(r: &SgRule, side: Side) -> bool {
    side == Side::Egress
        && r.protocol == Protocol::All
        && matches!(r.peer, Peer::Cidr(c) if c.prefix_len() == 0)
}

/// A rule as the AWS CLI's `--ip-permissions` shorthand writes it.
fn ip_permissions(r: &SgRule) -> String {
    let proto = match r.protocol {
        Protocol::All => "-1".to_string(),
        p @ Protocol::Number(6 | 17 | 1 | 58) => p.name(),
        Protocol::Number(n) => n.to_string(),
    };
    let ports = match r.ports {
        PortMatch::Ports { from, to } => format!(",FromPort={from},ToPort={to}"),
        PortMatch::Icmp { icmp_type, code } => format!(
            ",FromPort={},ToPort={}",
            icmp_type.map_or(-1, i32::from),
            code.map_or(-1, i32::from)
        ),
        PortMatch::Any => String::new(),
    };
    let peer = match &r.peer {
        Peer::Cidr(c) if c.addr().is_ipv4() => format!("IpRanges=[{{CidrIp={c}}}]"),
        Peer::Cidr(c) => format!("Ipv6Ranges=[{{CidrIpv6={c}}}]"),
        Peer::PrefixList(p) => format!("PrefixListIds=[{{PrefixListId={p}}}]"),
        Peer::Group(g) => format!("UserIdGroupPairs=[{{GroupId={g}}}]"),
    };
    format!("IpProtocol={proto}{ports},{peer}")
}

fn rules(g: &SecurityGroup, side: Side) -> &[SgRule] {
    match side {
        Side::Ingress => &g.ingress,
        Side::Egress => &g.egress,
    }
}

/// A rule's peer as `lint` compares it.
enum PeerSet {
    /// Addresses fixed by the input: a CIDR, a prefix list with its entries.
    Addrs(IntervalSet),
    /// A group: today's members can change, so it covers only rules naming
    /// the same group, and it is covered only by rules covering every
    /// address a member could have (its VPC's CIDRs; any address for a
    /// group outside the input).
    Group(String, IntervalSet),
    /// A prefix list whose entries the input lacks: not compared.
    Unknown,
}

struct Item<'n> {
    group: &'n SecurityGroup,
    rule: &'n SgRule,
    base: PacketSet,
    peer: PeerSet,
}

fn peer_set(net: &Network, peer: &Peer) -> PeerSet {
    match peer {
        Peer::Cidr(c) => PeerSet::Addrs(cidr(c)),
        Peer::PrefixList(id) => match net.prefix_lists.get(id).and_then(|p| p.entries.as_ref()) {
            Some(entries) => PeerSet::Addrs(
                entries
                    .iter()
                    .fold(IntervalSet::empty(), |acc, c| acc.union(&cidr(c))),
            ),
            None => PeerSet::Unknown,
        },
        Peer::Group(g) => {
            let vpc = net
                .security_groups
                .get(g)
                .and_then(|sg| net.vpcs.get(&sg.vpc))
                .filter(|v| !v.cidrs.is_empty());
            let potential = match vpc {
                Some(v) => v
                    .cidrs
                    .iter()
                    .fold(IntervalSet::empty(), |acc, c| acc.union(&cidr(c))),
                None => hs::all_v4().union(&hs::all_v6()),
            };
            PeerSet::Group(g.clone(), potential)
        }
    }
}

impl Item<'_> {
    /// The packets the rule allows, as a candidate for being covered.
    fn candidate(&self, side: Side) -> Option<PacketSet> {
        let f = side.peer_field();
        match &self.peer {
            PeerSet::Addrs(a) => Some(self.base.restrict(f, a)),
            PeerSet::Group(_, potential) => Some(self.base.restrict(f, potential)),
            PeerSet::Unknown => None,
        }
    }

    /// What the rule surely allows of `of`'s packets.
    fn covers(&self, of: &Item<'_>, side: Side) -> PacketSet {
        let f = side.peer_field();
        match (&self.peer, &of.peer) {
            (PeerSet::Addrs(a), _) => self.base.restrict(f, a),
            (PeerSet::Group(g, potential), PeerSet::Group(h, _)) if g == h => {
                self.base.restrict(f, potential)
            }
            _ => PacketSet::empty(),
        }
    }
}

pub(super) fn subsumed(net: &Network, out: &mut Vec<Finding>) {
    let att = attachments(net);
    // Groups attached to exactly the same (non-empty) set of things apply
    // together everywhere: their rules add up. A group attached to nothing
    // is compared with itself only.
    let mut classes: BTreeMap<&BTreeSet<&str>, Vec<&SecurityGroup>> = BTreeMap::new();
    let mut alone: Vec<Vec<&SecurityGroup>> = Vec::new();
    for g in net.security_groups.values() {
        match att.get(g.id.as_str()) {
            Some(s) if !s.is_empty() => classes.entry(s).or_default().push(g),
            _ => alone.push(vec![g]),
        }
    }
    let mut found = Vec::new();
    for (set, class) in classes
        .iter()
        .map(|(s, c)| (Some(*s), c))
        .chain(alone.iter().map(|c| (None, c)))
    {
        for side in [Side::Ingress, Side::Egress] {
            class_side(net, class, set, side, &mut found);
        }
    }
    // Resources by ID, rules in their order (the sort is stable).
    found.sort_by(|a: &Finding, b: &Finding| a.resource.cmp(&b.resource));
    out.extend(found);
}

fn class_side(
    net: &Network,
    class: &[&SecurityGroup],
    attached: Option<&BTreeSet<&str>>,
    side: Side,
    out: &mut Vec<Finding>,
) {
    let items: Vec<Item<'_>> = class
        .iter()
        .flat_map(|g| rules(g, side).iter().map(move |r| (*g, r)))
        .map(|(group, rule)| Item {
            group,
            rule,
            base: PacketSet::from_cube(proto_ports(rule.protocol, rule.ports)),
            peer: peer_set(net, &rule.peer),
        })
        .collect();
    // Greedy and safe: a rule found covered is left out of what covers the
    // next ones, so deleting every reported rule together changes nothing.
    let mut gone = vec![false; items.len()];
    for (i, it) in items.iter().enumerate() {
        let Some(cand) = it.candidate(side) else {
            continue;
        };
        if cand.is_empty() {
            continue;
        }
        // AWS gives every new group this rule; another group's copy on the
        // same interfaces is no reason to revoke it.
        let own_group_only = is_default_egress(it.rule, side);
        let mut cover = PacketSet::empty();
        let mut by: Vec<&Item<'_>> = Vec::new();
        for (j, o) in items.iter().enumerate() {
            if j == i || gone[j] || (own_group_only && o.group.id != it.group.id) {
                continue;
            }
            let c = o.covers(it, side).intersect(&cand);
            if !c.is_empty() {
                cover = cover.union(&c);
                by.push(o);
            }
        }
        if !cand.difference(&cover).is_empty() {
            continue;
        }
        gone[i] = true;
        let others: Vec<&str> = by
            .iter()
            .map(|o| o.group.id.as_str())
            .filter(|g| *g != it.group.id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let name = |o: &Item<'_>| {
            if o.group.id == it.group.id {
                describe_sg_rule(o.rule, side)
            } else {
                format!("{} {}", o.group.id, describe_sg_rule(o.rule, side))
            }
        };
        let shared = match (others.is_empty(), attached) {
            (false, Some(set)) => format!(
                " ({} attached to exactly the same {}: {})",
                others.join(", "),
                if set.len() == 1 {
                    "resource"
                } else {
                    "resources"
                },
                set.iter().copied().collect::<Vec<_>>().join(", ")
            ),
            _ => String::new(),
        };
        let cmd = match side {
            Side::Ingress => "revoke-security-group-ingress",
            Side::Egress => "revoke-security-group-egress",
        };
        let fix = match &it.rule.rule_id {
            Some(id) => format!(
                "revoke it; nothing changes: aws ec2 {cmd} --group-id {} --security-group-rule-ids {id}",
                it.group.id
            ),
            None => format!(
                "revoke it; nothing changes: aws ec2 {cmd} --group-id {} --ip-permissions '{}'",
                it.group.id,
                ip_permissions(it.rule)
            ),
        };
        out.push(Finding {
            kind: Kind::SgRuleSubsumed,
            severity: Severity::Low,
            resource: it.group.id.clone(),
            rule: Some(it.rule.label().to_string()),
            vpc: Some(it.group.vpc.clone()),
            subject: String::new(),
            message: format!(
                "{} of {} allows nothing more than {} already {}{}",
                describe_sg_rule(it.rule, side),
                it.group.id,
                by.iter().map(|o| name(o)).collect::<Vec<_>>().join("; "),
                if by.len() == 1 { "allows" } else { "allow" },
                shared
            ),
            fix,
            related: by.iter().map(|o| name(o)).collect(),
            packets: Vec::new(),
        });
    }
}

/// Groups attached to nothing, and rules whose peer group is attached to
/// nothing (they stand for no address). Not checked when the input lists
/// no interface at all: then it cannot tell.
pub(super) fn unattached(net: &Network, lint: &mut Lint) {
    if net.interfaces.is_empty() {
        if !net.security_groups.is_empty() {
            lint.notes.push(
                "the input lists no network interface: security groups attached to nothing, and rules naming them, are not reported"
                    .into(),
            );
        }
        return;
    }
    let att = attachments(net);
    let bare = |g: &str| att.get(g).is_some_and(BTreeSet::is_empty);
    for g in net.security_groups.values() {
        if !bare(&g.id) || is_default(g) {
            continue;
        }
        let naming: Vec<String> = net
            .security_groups
            .values()
            .filter(|o| o.id != g.id)
            .flat_map(|o| {
                [Side::Ingress, Side::Egress]
                    .into_iter()
                    .flat_map(move |side| {
                        rules(o, side)
                            .iter()
                            .filter(|r| r.peer == Peer::Group(g.id.clone()))
                            .map(move |r| format!("{} {}", o.id, describe_sg_rule(r, side)))
                    })
            })
            .collect();
        let first = if naming.is_empty() {
            String::new()
        } else {
            format!(
                "; first revoke the {} that {} it",
                if naming.len() == 1 { "rule" } else { "rules" },
                if naming.len() == 1 { "names" } else { "name" }
            )
        };
        lint.findings.push(Finding {
            kind: Kind::SgUnattached,
            severity: Severity::Low,
            resource: g.id.clone(),
            rule: None,
            vpc: Some(g.vpc.clone()),
            subject: String::new(),
            message: format!(
                "{} ({}) is attached to no network interface, Client VPN endpoint or Verified Access endpoint of the input: its rules filter nothing",
                g.id, g.name
            ),
            fix: format!(
                "attach it where it is meant to apply, or delete it if nothing outside the input uses it{first}: aws ec2 delete-security-group --group-id {}",
                g.id
            ),
            related: naming,
            packets: Vec::new(),
        });
    }
    for g in net.security_groups.values() {
        if bare(&g.id) {
            // Its own rules filter nothing anyway: the group is the finding.
            continue;
        }
        for side in [Side::Ingress, Side::Egress] {
            for r in rules(g, side) {
                let Peer::Group(h) = &r.peer else { continue };
                if !bare(h) {
                    continue;
                }
                lint.findings.push(Finding {
                    kind: Kind::PeerGroupUnattached,
                    severity: Severity::Low,
                    resource: g.id.clone(),
                    rule: Some(r.label().to_string()),
                    vpc: Some(g.vpc.clone()),
                    subject: h.clone(),
                    message: format!(
                        "{} of {} can never match: its peer {h} is attached to nothing in the input, so it stands for no address",
                        describe_sg_rule(r, side),
                        g.id
                    ),
                    fix: format!(
                        "name the group of the interfaces it is meant for, or revoke it if {h} is gone for good"
                    ),
                    related: vec![h.clone()],
                    packets: Vec::new(),
                });
            }
        }
    }
}
