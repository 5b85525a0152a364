//! Packet sets as the reports write them: boxes of values, each box in full
//! (JSON) and as one line a person reads.

use serde::Serialize;

use crate::explain::Names;
use crate::hs::{self, Field, Interval, IntervalSet, PacketSet};

/// One box of packets: every combination of the listed values. A port or
/// ICMP field that is absent takes any value.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct PacketsOut {
    /// The box as one line (`tcp 10.0.0.0/24 -> 10.0.1.5 dport 22 sport 32768-60999`).
    pub text: String,
    /// `tcp`, `udp`, `icmp`, `icmpv6`, a number, or a range `a-b`.
    pub protocols: Vec<String>,
    /// CIDRs (a host as its address).
    pub sources: Vec<String>,
    pub destinations: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ports: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_codes: Option<Vec<String>>,
}

fn values(s: &IntervalSet, f: Field) -> Vec<String> {
    match f {
        Field::Src | Field::Dst => hs::addr_items(s),
        _ => s
            .intervals()
            .iter()
            .map(|i| {
                if *i == Interval::full(f) {
                    format!("0-{}", f.max())
                } else {
                    IntervalSet::from_interval(*i).summary(f)
                }
            })
            .collect(),
    }
}

/// A packet set as boxes: exact, each box written out in full (JSON) and as
/// one line written with `names` (which may cut long address lists).
pub(super) fn packets(set: &PacketSet, names: &Names) -> Vec<PacketsOut> {
    set.products()
        .into_iter()
        .map(|p| {
            let get = |f: Field| &p[f as usize];
            let opt = |f: Field| (!get(f).is_full(f)).then(|| values(get(f), f));
            let mut text = format!(
                "{} {} -> {}",
                get(Field::Proto).summary(Field::Proto),
                names.addresses(get(Field::Src)),
                names.addresses(get(Field::Dst))
            );
            for (f, label) in [(Field::DstPort, "dport"), (Field::SrcPort, "sport")] {
                if !get(f).is_full(f) {
                    text += &format!(" {label} {}", get(f).summary(f));
                }
            }
            if !get(Field::IcmpType).is_full(Field::IcmpType)
                || !get(Field::IcmpCode).is_full(Field::IcmpCode)
            {
                text += &format!(
                    " icmp type {} code {}",
                    get(Field::IcmpType).summary(Field::IcmpType),
                    get(Field::IcmpCode).summary(Field::IcmpCode)
                );
            }
            PacketsOut {
                text,
                protocols: values(get(Field::Proto), Field::Proto),
                sources: values(get(Field::Src), Field::Src),
                destinations: values(get(Field::Dst), Field::Dst),
                ports: opt(Field::DstPort),
                source_ports: opt(Field::SrcPort),
                icmp_types: opt(Field::IcmpType),
                icmp_codes: opt(Field::IcmpCode),
            }
        })
        .collect()
}
