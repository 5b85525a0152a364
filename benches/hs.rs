//! Benchmarks of the packet-set algebra at the sizes a verifier sees.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use reach::hs::{Cube, Field, Interval, IntervalSet, Origin, PacketSet, View, addr, prefix};

/// Deterministic xorshift generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn iv(lo: u128, hi: u128) -> Interval {
    Interval::new(lo, hi).unwrap()
}

fn ip(s: &str) -> u128 {
    addr(s.parse::<IpAddr>().unwrap())
}

fn one(set: IntervalSet) -> Interval {
    set.intervals()[0]
}

/// An ACL-like rule: proto, source CIDR, destination port range.
fn rule(r: &mut Rng) -> Cube {
    let proto = match r.below(5) {
        0 => iv(0, 255),
        1 | 2 => Interval::point(6),
        3 => Interval::point(17),
        _ => Interval::point(1),
    };
    let len = [8u8, 12, 16, 20, 24][r.below(5) as usize];
    let a = r.next() as u32;
    let src = one(prefix(
        format!(
            "{}.{}.{}.{}/{len}",
            a >> 24,
            (a >> 16) & 255,
            (a >> 8) & 255,
            a & 255
        )
        .parse()
        .unwrap(),
    ));
    let dport = match r.below(4) {
        0 => iv(0, 65535),
        1 => Interval::point([22u128, 80, 443, 3389, 53][r.below(5) as usize]),
        2 => {
            let lo = r.below(60000) as u128;
            iv(lo, lo + r.below(5000) as u128)
        }
        _ => iv(1024, 65535),
    };
    Cube::all()
        .with(Field::Proto, proto)
        .with(Field::Src, src)
        .with(Field::DstPort, dport)
}

fn rules(n: usize, seed: u64) -> Vec<Cube> {
    let mut r = Rng(seed);
    (0..n).map(|_| rule(&mut r)).collect()
}

fn query() -> PacketSet {
    let src = prefix("0.0.0.0/0".parse().unwrap())
        .difference(&prefix("10.0.0.0/8".parse().unwrap()))
        .difference(&prefix("127.0.0.0/8".parse().unwrap()))
        .difference(&prefix("172.0.0.0/8".parse().unwrap()))
        .difference(&prefix("192.0.0.0/8".parse().unwrap()));
    PacketSet::product(&[
        (Field::Proto, IntervalSet::from_interval(Interval::point(6))),
        (Field::Src, src),
        (
            Field::Dst,
            IntervalSet::from_interval(Interval::point(ip("10.0.1.5"))),
        ),
        (Field::DstPort, IntervalSet::from_interval(iv(0, 65535))),
        (Field::SrcPort, IntervalSet::from_interval(iv(32768, 60999))),
    ])
}

fn first_match(q: &PacketSet, rules: &[PacketSet]) -> (usize, usize) {
    let mut remaining = q.clone();
    let mut matched_cubes = 0;
    for r in rules {
        if remaining.is_empty() {
            break;
        }
        let matched = remaining.intersect(r);
        matched_cubes += matched.cubes().len();
        remaining = remaining.difference(r);
    }
    (matched_cubes, remaining.cubes().len())
}

fn grid(srcs: &[&str], ports: &[(u128, u128)], proto: Interval) -> PacketSet {
    PacketSet::product(&[
        (Field::Proto, IntervalSet::from_interval(proto)),
        (
            Field::Src,
            IntervalSet::from_intervals(srcs.iter().map(|s| one(prefix(s.parse().unwrap())))),
        ),
        (
            Field::DstPort,
            IntervalSet::from_intervals(ports.iter().map(|&(a, b)| iv(a, b))),
        ),
    ])
}

fn benches(c: &mut Criterion) {
    let q = query();
    let acl: Vec<PacketSet> = rules(100, 0x9e37_79b9_7f4a_7c15)
        .into_iter()
        .map(PacketSet::from_cube)
        .collect();
    let (m, rem) = first_match(&q, &acl);
    eprintln!(
        "first_match: query {} cubes, matched cubes total {m}, remaining {rem} cubes",
        q.cubes().len()
    );
    c.bench_function("first_match_100_rules", |b| {
        b.iter(|| first_match(black_box(&q), black_box(&acl)))
    });

    let allow: Vec<PacketSet> = rules(50, 0x1234_5678_9abc_def1)
        .into_iter()
        .map(PacketSet::from_cube)
        .collect();
    let u = allow.iter().fold(PacketSet::empty(), |a, r| a.union(r));
    eprintln!(
        "union_50: {} cubes; ∩ query {} cubes",
        u.cubes().len(),
        u.intersect(&q).cubes().len()
    );
    c.bench_function("union_50_rules_then_intersect", |b| {
        b.iter(|| {
            let u = black_box(&allow)
                .iter()
                .fold(PacketSet::empty(), |a, r| a.union(r));
            u.intersect(black_box(&q))
        })
    });

    let mut view = View::identity();
    view.set(
        Field::SrcPort,
        Origin::Const(IntervalSet::from_interval(iv(1024, 65535))),
    );
    let mut s20 = PacketSet::empty();
    let mut r = Rng(77);
    while s20.cubes().len() < 20 {
        let mut c = rule(&mut r);
        // half the cubes admit every NAT port, the others only some
        let sport = if r.below(2) == 0 {
            iv(1024, 65535)
        } else {
            let lo = r.below(60000) as u128;
            iv(lo, lo + r.below(20000) as u128)
        };
        c = c.with(Field::SrcPort, sport);
        s20 = s20.union(&PacketSet::from_cube(c));
    }
    let pm = view.pull_must(&s20);
    eprintln!(
        "pull_must: input {} cubes, result {} cubes",
        s20.cubes().len(),
        pm.cubes().len()
    );
    c.bench_function("pull_must_const_sport_20_cubes", |b| {
        b.iter(|| view.pull_must(black_box(&s20)))
    });

    let srcs_a = [
        "10.0.0.0/16",
        "10.2.0.0/16",
        "10.4.0.0/15",
        "10.8.0.0/16",
        "10.10.0.0/16",
        "10.12.0.0/16",
        "10.20.0.0/14",
        "10.30.0.0/16",
        "10.40.0.0/16",
        "10.50.0.0/16",
    ];
    let srcs_b = [
        "10.0.0.0/15",
        "10.3.128.0/17",
        "10.5.0.0/16",
        "10.8.0.0/14",
        "10.13.0.0/16",
        "10.16.0.0/12",
        "10.33.0.0/16",
        "10.40.0.0/16",
        "10.60.0.0/16",
        "10.70.0.0/16",
    ];
    let ports_a: Vec<(u128, u128)> = (0..20u128).map(|k| (k * 1000, k * 1000 + 499)).collect();
    let ports_b: Vec<(u128, u128)> = (0..20u128)
        .map(|k| (k * 1000 + 250, k * 1000 + 749))
        .collect();
    let a = grid(&srcs_a, &ports_a, Interval::point(6));
    let b2 = grid(&srcs_b, &ports_b, iv(0, 17));
    let d = a.difference(&b2);
    eprintln!(
        "difference: {} − {} cubes = {} cubes",
        a.cubes().len(),
        b2.cubes().len(),
        d.cubes().len()
    );
    c.bench_function("difference_200x200", |bch| {
        bch.iter(|| black_box(&a).difference(black_box(&b2)))
    });
}

criterion_group!(hs, benches);
criterion_main!(hs);
