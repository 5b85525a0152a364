//! Network ACL entries that earlier entries decide first, exactly over
//! packet sets (like Batfish's filter line reachability, IPv4 and IPv6 in
//! one address space): an entry matches a set of packets; the union of the
//! lower-numbered entries of its direction takes what they match first.

use crate::engine::sets::{Side, describe_nacl_entry, nacl_entry_set};
use crate::hs::PacketSet;
use crate::model::{Action, NaclEntry, Network, NetworkAcl};

use super::finding::{Finding, Kind, Packets, Severity};

pub(super) fn shadowing(net: &Network, out: &mut Vec<Finding>) {
    for acl in net.network_acls.values() {
        for side in [Side::Ingress, Side::Egress] {
            direction(acl, side, out);
        }
    }
}

/// The entries of one direction, in rule order.
pub(super) fn entries(acl: &NetworkAcl, side: Side) -> &[NaclEntry] {
    match side {
        Side::Ingress => &acl.inbound,
        Side::Egress => &acl.outbound,
    }
}

/// `inbound rule 100`: how the other commands (and the locator) name an entry.
pub(super) fn label(e: &NaclEntry, side: Side) -> String {
    format!("{} rule {}", direction_name(side), e.number)
}

pub(super) fn direction_name(side: Side) -> &'static str {
    match side {
        Side::Ingress => "inbound",
        Side::Egress => "outbound",
    }
}

pub(super) fn action_name(a: Action) -> &'static str {
    match a {
        Action::Allow => "allow",
        Action::Deny => "deny",
    }
}

/// `aws ec2 delete-network-acl-entry …` for `e`.
fn delete_command(acl: &NetworkAcl, e: &NaclEntry, side: Side) -> String {
    format!(
        "aws ec2 delete-network-acl-entry --network-acl-id {} {} --rule-number {}",
        acl.id,
        match side {
            Side::Ingress => "--ingress",
            Side::Egress => "--egress",
        },
        e.number
    )
}

fn numbers(entries: &[(&NaclEntry, PacketSet)]) -> String {
    let n: Vec<String> = entries.iter().map(|(e, _)| e.number.to_string()).collect();
    match n.len() {
        1 => format!("rule {}", n[0]),
        _ => format!("rules {}", n.join(", ")),
    }
}

/// `allow` for several entries, `allows` for one.
fn verb(a: Action, entries: &[(&NaclEntry, PacketSet)]) -> String {
    match (a, entries.len()) {
        (Action::Allow, 1) => "allows",
        (Action::Deny, 1) => "denies",
        (a, _) => action_name(a),
    }
    .to_string()
}

fn direction(acl: &NetworkAcl, side: Side, out: &mut Vec<Finding>) {
    // Each earlier entry with the packets it decides (what it matches that
    // no entry before it does).
    let mut earlier: Vec<(&NaclEntry, PacketSet)> = Vec::new();
    let mut taken = PacketSet::empty();
    for e in entries(acl, side) {
        let set = nacl_entry_set(e, side);
        let first = set.difference(&taken);
        if set.overlaps(&taken) {
            let deciders = |same: bool| -> Vec<(&NaclEntry, PacketSet)> {
                earlier
                    .iter()
                    .filter(|(f, _)| (f.action == e.action) == same)
                    .map(|(f, eff)| (*f, eff.intersect(&set)))
                    .filter(|(_, s)| !s.is_empty())
                    .collect()
            };
            let other = deciders(false);
            let same = deciders(true);
            let conflict = other
                .iter()
                .fold(PacketSet::empty(), |acc, (_, s)| acc.union(s));
            let finding = |kind, severity, message: String, fix: String, packets| Finding {
                kind,
                severity,
                resource: acl.id.clone(),
                rule: Some(label(e, side)),
                vpc: Some(acl.vpc.clone()),
                subject: String::new(),
                message,
                fix,
                related: other
                    .iter()
                    .chain(&same)
                    .map(|(f, _)| describe_nacl_entry(f, side))
                    .collect(),
                packets,
            };
            let desc = describe_nacl_entry(e, side);
            let act = action_name(e.action);
            let against = |o: &[(&NaclEntry, PacketSet)]| {
                let lowest = o.iter().map(|(f, _)| f.number).min().unwrap_or(e.number);
                let other_act = o
                    .first()
                    .map(|(f, _)| verb(f.action, o))
                    .unwrap_or_default();
                (lowest, other_act)
            };
            if first.is_empty() && other.is_empty() {
                out.push(finding(
                    Kind::NaclRedundant,
                    Severity::Low,
                    format!(
                        "{desc} is redundant: earlier {} of {} already {} every packet it matches",
                        numbers(&same),
                        acl.id,
                        verb(e.action, &same)
                    ),
                    format!(
                        "delete it; nothing changes: {}",
                        delete_command(acl, e, side)
                    ),
                    Vec::new(),
                ));
            } else if first.is_empty() {
                let (lowest, other_act) = against(&other);
                out.push(finding(
                    Kind::NaclShadowed,
                    Severity::Medium,
                    format!(
                        "{desc} never takes effect: earlier rules decide every packet it matches first (the lowest number that matches wins), and {} {other_act} some packets it would {act}",
                        numbers(&other)
                    ),
                    format!(
                        "if it should win, recreate it with a number below {lowest} (aws ec2 create-network-acl-entry with a lower --rule-number) and delete rule {}; otherwise delete it: {}",
                        e.number,
                        delete_command(acl, e, side)
                    ),
                    vec![Packets {
                        label: format!("it would {act}, decided first by {}", numbers(&other)),
                        set: conflict,
                    }],
                ));
            } else if !other.is_empty() {
                let (lowest, other_act) = against(&other);
                out.push(finding(
                    Kind::NaclPartlyShadowed,
                    Severity::Low,
                    format!(
                        "{desc} decides only part of what it matches: earlier {} {other_act} the rest first",
                        numbers(&other)
                    ),
                    format!(
                        "if the earlier {} is a deliberate exception, nothing to change; otherwise give rule {} a number below {lowest}, or narrow {}",
                        numbers(&other),
                        e.number,
                        numbers(&other)
                    ),
                    vec![
                        Packets {
                            label: "still decided by this entry".into(),
                            set: first.clone(),
                        },
                        Packets {
                            label: format!("it would {act}, decided first by {}", numbers(&other)),
                            set: conflict,
                        },
                    ],
                ));
            }
        }
        taken = taken.union(&set);
        earlier.push((e, first));
    }
}
