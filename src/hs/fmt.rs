//! Human summaries of interval sets and packet sets.

use ipnet::IpNet;

use super::addr::{V4_MAPPED, all_v4, v4_blocks, v6_blocks};
use super::cube::Cube;
use super::field::Field;
use super::interval::{Interval, IntervalSet};
use super::set::PacketSet;

const MAX_ITEMS: usize = 8;

fn join_truncated(items: Vec<String>) -> String {
    if items.len() <= MAX_ITEMS {
        return items.join(", ");
    }
    let more = items.len() - MAX_ITEMS;
    format!("{}, … ({more} more)", items[..MAX_ITEMS].join(", "))
}

fn proto_name(v: u128) -> String {
    match v {
        1 => "icmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        58 => "icmpv6".into(),
        _ => v.to_string(),
    }
}

fn net_str(n: &IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

fn v6_items(v6: &IntervalSet) -> Vec<IpNet> {
    // Plain cover of the IPv6 part ...
    let plain: Vec<IpNet> = v6
        .intervals()
        .iter()
        .flat_map(|i| v6_blocks(i.lo, i.hi))
        .collect();
    // ... or a cover of (v6 part ∪ v4-mapped range) without the blocks inside
    // the v4-mapped range: IPv6 prefixes exclude that range anyway, so e.g.
    // all IPv6 addresses read "::/0". Take the shorter.
    let ext = v6.union(&IntervalSet::from_interval(V4_MAPPED));
    let merged: Vec<IpNet> = ext
        .intervals()
        .iter()
        .flat_map(|i| v6_blocks(i.lo, i.hi))
        .filter(|n| match n {
            IpNet::V6(n) => {
                let lo = u128::from(n.network());
                !V4_MAPPED.contains(lo) || !V4_MAPPED.contains(u128::from(n.broadcast()))
            }
            IpNet::V4(_) => true,
        })
        .collect();
    if merged.len() < plain.len() {
        merged
    } else {
        plain
    }
}

/// An address set as its fewest CIDRs (a host as its bare address), IPv4
/// first; IPv6 blocks may cover the v4-mapped range, which no IPv6 prefix
/// reaches anyway.
pub fn addr_items(s: &IntervalSet) -> Vec<String> {
    let v4 = s.intersect(&all_v4());
    let v6 = s.difference(&all_v4());
    let mut out: Vec<String> = v4
        .intervals()
        .iter()
        .flat_map(|i| v4_blocks(*i))
        .map(|n| net_str(&n))
        .collect();
    out.extend(v6_items(&v6).iter().map(net_str));
    out
}

fn range_str(i: &Interval, name: impl Fn(u128) -> String) -> String {
    if i.lo == i.hi {
        name(i.lo)
    } else {
        format!("{}-{}", i.lo, i.hi)
    }
}

impl IntervalSet {
    /// Human summary of the set as values of field `f`.
    ///
    /// Ports: `"22"`, `"1024-65535"`, `"22, 80, 443"`; protocols: `"tcp"`,
    /// `"udp"`, `"icmp"`, `"icmpv6"` or the number, `"all"` when full;
    /// addresses: a comma list of minimal CIDRs (IPv4 for the v4-mapped
    /// range, a single address without `/32` or `/128`); `"any"` when the set
    /// is the whole domain of the field (other than the protocol), `"none"`
    /// when empty. At most 8 items, then `", … (N more)"`.
    pub fn summary(&self, f: Field) -> String {
        if self.is_empty() {
            return "none".into();
        }
        if self.is_full(f) {
            return if f == Field::Proto {
                "all".into()
            } else {
                "any".into()
            };
        }
        let items: Vec<String> = match f {
            Field::Src | Field::Dst => addr_items(self),
            Field::Proto => self
                .intervals()
                .iter()
                .map(|i| range_str(i, proto_name))
                .collect(),
            _ => self
                .intervals()
                .iter()
                .map(|i| range_str(i, |v| v.to_string()))
                .collect(),
        };
        join_truncated(items)
    }
}

fn field_str(c: &Cube, f: Field) -> String {
    IntervalSet::from_interval(c.get(f)).summary(f)
}

fn is_full(c: &Cube, f: Field) -> bool {
    c.get(f) == Interval::full(f)
}

impl PacketSet {
    /// One line per cube; at most `max` lines, then `"… (N more)"`.
    pub fn summary(&self, max: usize) -> Vec<String> {
        let cubes = self.cubes();
        let mut out: Vec<String> = cubes
            .iter()
            .take(max)
            .map(|c| {
                let mut line = format!(
                    "{} {} -> {}",
                    field_str(c, Field::Proto),
                    field_str(c, Field::Src),
                    field_str(c, Field::Dst)
                );
                if !is_full(c, Field::DstPort) {
                    line += &format!(" dport {}", field_str(c, Field::DstPort));
                }
                if !is_full(c, Field::SrcPort) {
                    line += &format!(" sport {}", field_str(c, Field::SrcPort));
                }
                if !is_full(c, Field::IcmpType) || !is_full(c, Field::IcmpCode) {
                    line += &format!(
                        " icmp type {} code {}",
                        field_str(c, Field::IcmpType),
                        field_str(c, Field::IcmpCode)
                    );
                }
                line
            })
            .collect();
        if cubes.len() > max {
            out.push(format!("… ({} more)", cubes.len() - max));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::addr::{addr, all_v6, prefix};
    use super::*;

    fn iv(lo: u128, hi: u128) -> Interval {
        Interval::new(lo, hi).unwrap()
    }
    fn ports(v: &[(u128, u128)]) -> IntervalSet {
        IntervalSet::from_intervals(v.iter().map(|&(a, b)| iv(a, b)))
    }
    fn pfx(s: &str) -> IntervalSet {
        prefix(s.parse().unwrap())
    }

    #[test]
    fn port_summaries() {
        assert_eq!(ports(&[(22, 22)]).summary(Field::DstPort), "22");
        assert_eq!(
            ports(&[(1024, 65535)]).summary(Field::SrcPort),
            "1024-65535"
        );
        assert_eq!(
            ports(&[(22, 22), (80, 80), (443, 443)]).summary(Field::DstPort),
            "22, 80, 443"
        );
        assert_eq!(
            IntervalSet::full(Field::DstPort).summary(Field::DstPort),
            "any"
        );
        assert_eq!(IntervalSet::empty().summary(Field::DstPort), "none");
        let many = IntervalSet::from_intervals((0..10u128).map(|k| Interval::point(k * 2)));
        assert_eq!(
            many.summary(Field::DstPort),
            "0, 2, 4, 6, 8, 10, 12, 14, … (2 more)"
        );
        assert_eq!(ports(&[(3, 3)]).summary(Field::IcmpType), "3");
        assert_eq!(
            IntervalSet::full(Field::IcmpCode).summary(Field::IcmpCode),
            "any"
        );
    }

    #[test]
    fn proto_summaries() {
        assert_eq!(ports(&[(6, 6)]).summary(Field::Proto), "tcp");
        assert_eq!(ports(&[(6, 6), (17, 17)]).summary(Field::Proto), "tcp, udp");
        assert_eq!(
            ports(&[(1, 1), (58, 58), (50, 50)]).summary(Field::Proto),
            "icmp, 50, icmpv6"
        );
        assert_eq!(ports(&[(0, 5)]).summary(Field::Proto), "0-5");
        assert_eq!(IntervalSet::full(Field::Proto).summary(Field::Proto), "all");
    }

    #[test]
    fn address_summaries() {
        assert_eq!(pfx("10.0.0.0/24").summary(Field::Src), "10.0.0.0/24");
        assert_eq!(pfx("10.0.1.5/32").summary(Field::Dst), "10.0.1.5");
        assert_eq!(pfx("2001:db8::1/128").summary(Field::Dst), "2001:db8::1");
        assert_eq!(pfx("2001:db8::/32").summary(Field::Dst), "2001:db8::/32");
        assert_eq!(pfx("0.0.0.0/0").summary(Field::Src), "0.0.0.0/0");
        assert_eq!(all_v6().summary(Field::Src), "::/0");
        assert_eq!(pfx("::/80").summary(Field::Src), "::/80");
        assert_eq!(pfx("::/64").summary(Field::Src), "::/64");
        assert_eq!(IntervalSet::full(Field::Src).summary(Field::Src), "any");
        let odd = IntervalSet::from_interval(iv(
            addr("10.0.0.1".parse().unwrap()),
            addr("10.0.0.6".parse().unwrap()),
        ));
        assert_eq!(
            odd.summary(Field::Src),
            "10.0.0.1, 10.0.0.2/31, 10.0.0.4/31, 10.0.0.6"
        );
        let mixed = pfx("10.0.0.0/8").union(&pfx("fd00::/8"));
        assert_eq!(mixed.summary(Field::Src), "10.0.0.0/8, fd00::/8");
        let holes = pfx("0.0.0.0/0").difference(&pfx("10.0.0.0/8"));
        assert_eq!(
            holes.summary(Field::Src),
            "0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2, 128.0.0.0/1"
        );
        let more = holes.difference(&pfx("192.168.0.0/16"));
        assert!(
            more.summary(Field::Src)
                .ends_with("128.0.0.0/2, … (14 more)"),
            "{}",
            more.summary(Field::Src)
        );
    }

    #[test]
    fn packet_set_lines() {
        let c = Cube::all()
            .with(Field::Proto, Interval::point(6))
            .with(Field::Src, pfx("10.0.0.0/24").intervals()[0])
            .with(Field::Dst, pfx("10.0.1.5/32").intervals()[0])
            .with(Field::DstPort, Interval::point(22))
            .with(Field::SrcPort, iv(32768, 60999));
        let s = PacketSet::from_cube(c);
        assert_eq!(
            s.summary(10),
            vec!["tcp 10.0.0.0/24 -> 10.0.1.5 dport 22 sport 32768-60999"]
        );
        assert_eq!(PacketSet::all().summary(10), vec!["all any -> any"]);
        assert!(PacketSet::empty().summary(10).is_empty());
        let icmp = PacketSet::from_cube(
            Cube::all()
                .with(Field::Proto, Interval::point(1))
                .with(Field::IcmpType, Interval::point(8)),
        );
        assert_eq!(
            icmp.summary(10),
            vec!["icmp any -> any icmp type 8 code any"]
        );
        let many = PacketSet::product(&[(
            Field::DstPort,
            IntervalSet::from_intervals((0..5u128).map(|k| Interval::point(k * 10))),
        )]);
        let lines = many.summary(2);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2], "… (3 more)");
        assert_eq!(lines[0], "all any -> any dport 0");
    }
}
