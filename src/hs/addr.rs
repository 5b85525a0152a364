//! Addresses in one 128-bit space (IPv4 as v4-mapped IPv6).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::interval::{Interval, IntervalSet};

const V4_BASE: u128 = 0xffff_0000_0000;

/// `::ffff:0.0.0.0 ..= ::ffff:255.255.255.255`: the IPv4 addresses.
pub const V4_MAPPED: Interval = Interval {
    lo: V4_BASE,
    hi: V4_BASE | 0xffff_ffff,
};

/// The 128-bit value of an address (IPv4 as `::ffff:a.b.c.d`).
pub fn addr(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v4) => V4_BASE | u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Inverse of [`addr`]: values inside [`V4_MAPPED`] come back as IPv4.
pub fn addr_of(v: u128) -> IpAddr {
    if V4_MAPPED.contains(v) {
        IpAddr::V4(Ipv4Addr::from((v - V4_BASE) as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(v))
    }
}

/// `2^bits - 1` for `bits <= 128`.
fn low_mask(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// The addresses of a prefix. IPv4 prefixes are one interval inside
/// [`V4_MAPPED`]; IPv6 prefixes exclude [`V4_MAPPED`], so IPv6 and IPv4
/// prefixes never overlap.
pub fn prefix(net: IpNet) -> IntervalSet {
    match net {
        IpNet::V4(n) => {
            let host = low_mask(32 - u32::from(n.prefix_len()));
            let lo = V4_BASE | (u128::from(u32::from(n.network())) & !host);
            IntervalSet::from_interval(Interval { lo, hi: lo | host })
        }
        IpNet::V6(n) => {
            let host = low_mask(128 - u32::from(n.prefix_len()));
            let lo = u128::from(n.network()) & !host;
            IntervalSet::from_interval(Interval { lo, hi: lo | host })
                .difference(&IntervalSet::from_interval(V4_MAPPED))
        }
    }
}

/// All IPv4 addresses (`0.0.0.0/0`).
pub fn all_v4() -> IntervalSet {
    IntervalSet::from_interval(V4_MAPPED)
}

/// All IPv6 addresses (`::/0`, which excludes the v4-mapped range).
pub fn all_v6() -> IntervalSet {
    IntervalSet::from_interval(Interval {
        lo: 0,
        hi: u128::MAX,
    })
    .difference(&IntervalSet::from_interval(V4_MAPPED))
}

/// Minimal aligned-block cover of `lo..=hi` as `(network, prefix_len)` in a
/// space of `width` bits (`hi < 2^width`).
pub(crate) fn blocks(mut lo: u128, hi: u128, width: u32) -> Vec<(u128, u8)> {
    let mut out = Vec::new();
    loop {
        let align = lo.trailing_zeros().min(width);
        let span = hi - lo; // block of 2^k fits when 2^k - 1 <= span
        let fit = if span == u128::MAX {
            128
        } else {
            127 - (span + 1).leading_zeros()
        };
        let k = align.min(fit);
        out.push((lo, (width - k) as u8));
        let last = lo | low_mask(k);
        if last >= hi {
            return out;
        }
        lo = last + 1;
    }
}

/// Minimal CIDR cover of an address interval; the parts inside
/// [`V4_MAPPED`] come out as IPv4 networks, the rest as IPv6 networks (an
/// interval straddling the boundary is split).
pub fn cidrs(i: Interval) -> Vec<IpNet> {
    let mut out = Vec::new();
    if i.lo < V4_MAPPED.lo {
        out.extend(v6_blocks(i.lo, i.hi.min(V4_MAPPED.lo - 1)));
    }
    if let Some(m) = i.intersect(&V4_MAPPED) {
        out.extend(v4_blocks(m));
    }
    if i.hi > V4_MAPPED.hi {
        out.extend(v6_blocks(i.lo.max(V4_MAPPED.hi + 1), i.hi));
    }
    out
}

pub(crate) fn v4_blocks(m: Interval) -> impl Iterator<Item = IpNet> {
    blocks(m.lo - V4_BASE, m.hi - V4_BASE, 32)
        .into_iter()
        .map(|(n, l)| {
            IpNet::V4(Ipv4Net::new(Ipv4Addr::from(n as u32), l).expect("valid v4 prefix"))
        })
}

pub(crate) fn v6_blocks(lo: u128, hi: u128) -> impl Iterator<Item = IpNet> {
    blocks(lo, hi, 128)
        .into_iter()
        .map(|(n, l)| IpNet::V6(Ipv6Net::new(Ipv6Addr::from(n), l).expect("valid v6 prefix")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addr_roundtrip() {
        for s in [
            "0.0.0.0",
            "10.1.2.3",
            "255.255.255.255",
            "::",
            "2001:db8::1",
            "::fffe:ffff:ffff",
            "::1:0:0:0",
        ] {
            assert_eq!(addr_of(addr(ip(s))), ip(s), "{s}");
        }
        assert_eq!(addr(ip("0.0.0.0")), V4_MAPPED.lo);
        assert_eq!(addr(ip("255.255.255.255")), V4_MAPPED.hi);
        assert_eq!(addr(ip("::ffff:1.2.3.4")), addr(ip("1.2.3.4")));
        assert_eq!(
            addr_of(u128::MAX),
            ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        );
    }

    #[test]
    fn v4_prefixes() {
        let p = prefix(net("10.0.0.0/8"));
        assert_eq!(
            p.intervals(),
            &[Interval::new(addr(ip("10.0.0.0")), addr(ip("10.255.255.255"))).unwrap()]
        );
        // host bits are ignored
        assert_eq!(prefix(net("10.1.2.3/8")), p);
        assert_eq!(
            prefix(net("1.2.3.4/32")).intervals(),
            &[Interval::point(addr(ip("1.2.3.4")))]
        );
        assert_eq!(prefix(net("0.0.0.0/0")), all_v4());
        assert_eq!(all_v4().intervals(), &[V4_MAPPED]);
    }

    #[test]
    fn v6_prefixes_exclude_v4_mapped() {
        let all6 = prefix(net("::/0"));
        assert_eq!(all6, all_v6());
        assert_eq!(
            all6.intervals(),
            &[
                Interval::new(0, V4_MAPPED.lo - 1).unwrap(),
                Interval::new(V4_MAPPED.hi + 1, u128::MAX).unwrap()
            ]
        );
        assert!(all6.intersect(&all_v4()).is_empty());
        assert!(
            all6.union(&all_v4())
                .is_full(super::super::field::Field::Src)
        );
        assert!(prefix(net("::ffff:0:0/96")).is_empty());
        assert!(prefix(net("::ffff:10.0.0.0/104")).is_empty());
        let p = prefix(net("2001:db8::/32"));
        assert_eq!(p.intervals().len(), 1);
        assert!(p.contains(addr(ip("2001:db8::5"))) && !p.contains(addr(ip("2001:db9::"))));
        assert_eq!(prefix(net("::1/128")).intervals(), &[Interval::point(1)]);
    }

    #[test]
    fn cidr_cover() {
        let i = Interval::new(addr(ip("10.0.0.1")), addr(ip("10.0.0.6"))).unwrap();
        let got: Vec<String> = cidrs(i).iter().map(|n| n.to_string()).collect();
        assert_eq!(
            got,
            ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]
        );
        assert_eq!(cidrs(V4_MAPPED), vec![net("0.0.0.0/0")]);
        let i = Interval::new(addr(ip("10.0.0.0")), addr(ip("10.0.1.255"))).unwrap();
        assert_eq!(cidrs(i), vec![net("10.0.0.0/23")]);
        assert_eq!(
            cidrs(Interval::point(u128::MAX)),
            vec![net("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")]
        );
        assert_eq!(
            cidrs(Interval::new(1u128 << 127, u128::MAX).unwrap()),
            vec![net("8000::/1")]
        );
        // straddling the v4 boundary
        let i = Interval::new(V4_MAPPED.lo - 1, V4_MAPPED.lo).unwrap();
        assert_eq!(
            cidrs(i),
            vec![net("::fffe:ffff:ffff/128"), net("0.0.0.0/32")]
        );
        let i = Interval::new(V4_MAPPED.hi, V4_MAPPED.hi + 1).unwrap();
        assert_eq!(
            cidrs(i),
            vec![net("255.255.255.255/32"), net("::1:0:0:0/128")]
        );
        // the whole space: v6 below, all of v4, v6 above; covers exactly
        let all = cidrs(Interval::new(0, u128::MAX).unwrap());
        assert!(all.contains(&net("0.0.0.0/0")) && all.contains(&net("8000::/1")));
        let covered = IntervalSet::from_intervals(all.iter().flat_map(|n| match n {
            IpNet::V4(_) => prefix(*n).intervals().to_vec(),
            IpNet::V6(v) => {
                let host = low_mask(128 - u32::from(v.prefix_len()));
                vec![Interval {
                    lo: u128::from(v.network()),
                    hi: u128::from(v.network()) | host,
                }]
            }
        }));
        assert_eq!(covered.intervals(), &[Interval::new(0, u128::MAX).unwrap()]);
    }

    #[test]
    fn blocks_are_minimal() {
        assert_eq!(blocks(0, 255, 8), vec![(0, 0)]);
        assert_eq!(blocks(0, u128::MAX, 128), vec![(0, 0)]);
        assert_eq!(blocks(1, 6, 8), vec![(1, 8), (2, 7), (4, 7), (6, 8)]);
        assert_eq!(blocks(5, 5, 32), vec![(5, 32)]);
    }
}
