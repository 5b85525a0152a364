//! Packet sets: disjoint unions of cubes.

use std::cmp::Ordering;

use super::cube::Cube;
use super::field::Field;
use super::interval::{Interval, IntervalSet, Place};

/// A set of packets: a disjoint union of cubes. Equality of the *sets* is
/// [`PacketSet::same_as`], not a derived `PartialEq` (the same set has many
/// cube decompositions).
#[derive(Clone, Debug, Default)]
pub struct PacketSet {
    pub(super) cubes: Vec<Cube>,
}

impl PacketSet {
    pub fn empty() -> Self {
        PacketSet { cubes: Vec::new() }
    }

    pub fn all() -> Self {
        Self::from_cube(Cube::all())
    }

    pub fn from_cube(c: Cube) -> Self {
        PacketSet { cubes: vec![c] }
    }

    /// Cubes the caller knows to be pairwise disjoint (a set's cubes with
    /// their fields permuted), as they are.
    pub(crate) fn from_disjoint(cubes: Vec<Cube>) -> Self {
        PacketSet { cubes }
    }

    /// Union of arbitrary (possibly overlapping) cubes.
    pub(crate) fn from_cubes(it: impl IntoIterator<Item = Cube>) -> Self {
        let mut out: Vec<Cube> = Vec::new();
        for c in it {
            let pieces = subtract_all(c, &out);
            out.extend(pieces);
        }
        let mut s = PacketSet { cubes: out };
        s.coalesce();
        s
    }

    /// Product set: each listed field constrained to its set (missing
    /// fields are full; a field listed twice gets the intersection).
    pub fn product(fields: &[(Field, IntervalSet)]) -> Self {
        // One field (a split, a rule's port range): its intervals, no copies.
        if let [(f, s)] = fields {
            let domain = Interval::full(*f);
            let cubes = s
                .intervals()
                .iter()
                .filter_map(|i| i.intersect(&domain))
                .map(|i| {
                    let mut c = Cube::all();
                    c.iv[*f as usize] = i;
                    c
                })
                .collect();
            return PacketSet { cubes };
        }
        // Unlisted fields are full (`None`: not built).
        let mut per: [Option<IntervalSet>; 7] = Default::default();
        for (f, s) in fields {
            let k = *f as usize;
            per[k] = Some(match &per[k] {
                Some(p) => p.intersect(s),
                None => IntervalSet::full(*f).intersect(s),
            });
        }
        let mut cubes = vec![Cube::all()];
        for f in Field::ALL {
            let Some(s) = &per[f as usize] else {
                continue;
            };
            if s.is_full(f) {
                continue;
            }
            let mut next = Vec::with_capacity(cubes.len() * s.intervals().len());
            for c in &cubes {
                for i in s.intervals() {
                    let mut c = c.clone();
                    c.iv[f as usize] = *i;
                    next.push(c);
                }
            }
            cubes = next;
        }
        PacketSet { cubes }
    }

    pub fn cubes(&self) -> &[Cube] {
        &self.cubes
    }

    pub fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }

    pub fn union(&self, o: &Self) -> Self {
        if o.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return o.clone();
        }
        let mut new = Vec::new();
        for c in &o.cubes {
            new.extend(subtract_all(c.clone(), &self.cubes));
        }
        let mut cubes = self.cubes.clone();
        let start = cubes.len();
        cubes.extend(new);
        let mut s = PacketSet { cubes };
        s.coalesce_new(start);
        s
    }

    pub fn intersect(&self, o: &Self) -> Self {
        let mut cubes = Vec::new();
        for a in &self.cubes {
            for b in &o.cubes {
                if let Some(c) = a.intersect(b) {
                    cubes.push(c);
                }
            }
        }
        let mut s = PacketSet { cubes };
        s.coalesce();
        s
    }

    pub fn difference(&self, o: &Self) -> Self {
        if o.is_empty() || self.is_empty() {
            return self.clone();
        }
        let mut kept = Vec::with_capacity(self.cubes.len());
        let mut new = Vec::new();
        for c in &self.cubes {
            if o.cubes.iter().any(|b| c.overlaps(b)) {
                new.extend(subtract_all(c.clone(), &o.cubes));
            } else {
                kept.push(c.clone());
            }
        }
        let start = kept.len();
        kept.extend(new);
        let mut s = PacketSet { cubes: kept };
        s.coalesce_new(start);
        s
    }

    /// Everything not in the set.
    pub fn complement(&self) -> Self {
        Self::all().difference(self)
    }

    pub fn is_subset(&self, o: &Self) -> bool {
        self.cubes
            .iter()
            .all(|c| subtract_all(c.clone(), &o.cubes).is_empty())
    }

    /// Same set of packets (whatever the cube decomposition).
    pub fn same_as(&self, o: &Self) -> bool {
        self.is_subset(o) && o.is_subset(self)
    }

    pub fn overlaps(&self, o: &Self) -> bool {
        self.cubes
            .iter()
            .any(|a| o.cubes.iter().any(|b| a.overlaps(b)))
    }

    /// The values of `f` present in the set.
    pub fn project(&self, f: Field) -> IntervalSet {
        IntervalSet::from_intervals(self.cubes.iter().map(|c| c.get(f)))
    }

    /// The set with every field but `keep` made full: the packets that
    /// agree on the fields of `keep` with one of the set's (a projection
    /// onto several fields at once).
    pub fn project_onto(&self, keep: &[Field]) -> Self {
        PacketSet::from_cubes(self.cubes.iter().map(|c| {
            keep.iter()
                .fold(Cube::all(), |out, f| out.with(*f, c.get(*f)))
        }))
    }

    /// Where the set's values of `f` lie against `vals`, without building a
    /// set: an empty set is `Outside`.
    pub fn place_on(&self, f: Field, vals: &IntervalSet) -> Place {
        let mut it = self.cubes.iter().map(|c| vals.place_of(&c.get(f)));
        let Some(first) = it.next() else {
            return Place::Outside;
        };
        let mut out = first;
        for p in it {
            out = out.and(p);
            if out == Place::Partial {
                break;
            }
        }
        out
    }

    /// `self ∩ (f ∈ vals)`.
    pub fn restrict(&self, f: Field, vals: &IntervalSet) -> Self {
        let k = f as usize;
        let mut cubes = Vec::new();
        for c in &self.cubes {
            for i in vals.intervals() {
                if let Some(x) = c.iv[k].intersect(i) {
                    let mut c = c.clone();
                    c.iv[k] = x;
                    cubes.push(c);
                }
            }
        }
        PacketSet { cubes }
    }

    /// Merge cubes that agree on all fields but one and whose intervals on
    /// that field touch, until no such pair is left. The set is unchanged.
    ///
    /// A round handles each field f in turn: cubes are sorted by (a 64-bit
    /// hash of their other six intervals, f.lo) and runs are merged in a
    /// linear scan (equality of the other six intervals is checked exactly,
    /// so a hash collision can at worst miss a merge): O(7·n log n) a round.
    /// Rounds repeat while they merge something. Cube order is preserved.
    pub fn coalesce(&mut self) {
        if self.cubes.len() < 2 {
            return;
        }
        // per-cube, per-field interval hashes; the key of a cube for field f
        // is the XOR of its other six hashes
        let mut hv: Vec<[u64; 7]> = self.cubes.iter().map(interval_hashes).collect();
        loop {
            let before = self.cubes.len();
            for f in 0..7 {
                self.coalesce_field(f, &mut hv);
            }
            if self.cubes.len() == before || self.cubes.len() < 2 {
                return;
            }
        }
    }

    fn coalesce_field(&mut self, f: usize, hv: &mut Vec<[u64; 7]>) {
        let n = self.cubes.len();
        if n < 2 {
            return;
        }
        let mut keys: Vec<(u64, u128, u32)> = (0..n)
            .map(|i| {
                (
                    hv[i].iter().fold(0, |a, h| a ^ h) ^ hv[i][f],
                    self.cubes[i].iv[f].lo,
                    i as u32,
                )
            })
            .collect();
        keys.sort_unstable();
        let mut dead = vec![false; n];
        let mut merged = false;
        let mut cur = keys[0];
        for &k in &keys[1..] {
            let (a, b) = (cur.2 as usize, k.2 as usize);
            if k.0 == cur.0
                && self.cubes[a].iv[f].touches(&self.cubes[b].iv[f])
                && cmp_others(&self.cubes[a], &self.cubes[b], f) == Ordering::Equal
            {
                let (x, y) = (self.cubes[a].iv[f], self.cubes[b].iv[f]);
                let m = Interval {
                    lo: x.lo.min(y.lo),
                    hi: x.hi.max(y.hi),
                };
                self.cubes[a].iv[f] = m;
                hv[a][f] = interval_hash(f, &m);
                dead[b] = true;
                merged = true;
            } else {
                cur = k;
            }
        }
        if merged {
            let mut i = 0;
            self.cubes.retain(|_| {
                i += 1;
                !dead[i - 1]
            });
            let mut i = 0;
            hv.retain(|_| {
                i += 1;
                !dead[i - 1]
            });
        }
    }

    /// Coalesce after appending `cubes[start..]` to a coalesced prefix:
    /// incremental (O(new · n)) when few cubes are new, full otherwise.
    fn coalesce_new(&mut self, start: usize) {
        if self.cubes.len() - start <= 16 {
            absorb(&mut self.cubes, start);
        } else {
            self.coalesce();
        }
    }

    /// Some packet of the set: the lowest corner of the first cube.
    pub fn sample(&self) -> Option<[u128; 7]> {
        self.cubes.first().map(|c| c.iv.map(|i| i.lo))
    }

    pub fn contains(&self, p: &[u128; 7]) -> bool {
        self.cubes.iter().any(|c| c.contains(p))
    }

    /// The set as a few disjoint *products* (a set of values per field):
    /// cubes that agree on every field but one are merged into one product,
    /// field by field (addresses first), so "tcp 22 from 97 ranges" is one
    /// product, not 97 cubes. Exact: the union of the products is the set.
    pub fn products(&self) -> Vec<[IntervalSet; 7]> {
        let mut out: Vec<[IntervalSet; 7]> = self
            .cubes
            .iter()
            .map(|c| Field::ALL.map(|f| IntervalSet::from_interval(c.get(f))))
            .collect();
        for f in [
            Field::Src,
            Field::Dst,
            Field::DstPort,
            Field::SrcPort,
            Field::IcmpType,
            Field::IcmpCode,
            Field::Proto,
        ] {
            let k = f as usize;
            let mut merged: Vec<[IntervalSet; 7]> = Vec::with_capacity(out.len());
            'next: for p in out {
                for m in merged.iter_mut() {
                    if (0..7).all(|j| j == k || m[j] == p[j]) {
                        m[k] = m[k].union(&p[k]);
                        continue 'next;
                    }
                }
                merged.push(p);
            }
            out = merged;
        }
        out
    }
}

/// Incremental coalescing: `cubes[..start]` are assumed to contain no
/// mergeable pair (they come from an earlier result); the new cubes
/// `cubes[start..]`, and every cube that grows by a merge, are checked against
/// all others until nothing merges. O((new + merges) · n) cube comparisons.
/// If the assumption does not hold the set is still right, just less merged.
fn absorb(cubes: &mut Vec<Cube>, start: usize) {
    let n = cubes.len();
    if start >= n || n < 2 {
        return;
    }
    let mut queue: Vec<usize> = (start..n).rev().collect();
    let mut dead = vec![false; n];
    let mut any = false;
    while let Some(i) = queue.pop() {
        if dead[i] {
            continue;
        }
        let mut grew = false;
        for j in 0..n {
            if j != i
                && !dead[j]
                && let Some(m) = merged(&cubes[i], &cubes[j])
            {
                cubes[i] = m;
                dead[j] = true;
                grew = true;
            }
        }
        if grew {
            any = true;
            queue.push(i);
        }
    }
    if any {
        let mut k = 0;
        cubes.retain(|_| {
            k += 1;
            !dead[k - 1]
        });
    }
}

/// The union of two cubes when it is itself a cube that differs from both
/// in at most one field (equal elsewhere, touching there).
fn merged(a: &Cube, b: &Cube) -> Option<Cube> {
    let mut diff = None;
    for f in 0..7 {
        if a.iv[f] != b.iv[f] {
            if diff.is_some() {
                return None;
            }
            diff = Some(f);
        }
    }
    let mut m = a.clone();
    if let Some(f) = diff {
        let (x, y) = (a.iv[f], b.iv[f]);
        if !x.touches(&y) {
            return None;
        }
        m.iv[f] = Interval {
            lo: x.lo.min(y.lo),
            hi: x.hi.max(y.hi),
        };
    }
    Some(m)
}

/// `c − (∪ others)` as disjoint cubes.
fn subtract_all(c: Cube, others: &[Cube]) -> Vec<Cube> {
    let mut work = vec![c];
    let mut next = Vec::new();
    for b in others {
        // cheap filter: skip b unless it overlaps some remaining piece
        if !work.iter().any(|w| w.overlaps(b)) {
            continue;
        }
        next.clear();
        for w in &work {
            w.subtract_into(b, &mut next);
        }
        std::mem::swap(&mut work, &mut next);
        if work.is_empty() {
            break;
        }
    }
    work
}

fn cmp_others(a: &Cube, b: &Cube, f: usize) -> Ordering {
    for g in 0..7 {
        if g != f {
            match a.iv[g].cmp(&b.iv[g]) {
                Ordering::Equal => {}
                o => return o,
            }
        }
    }
    Ordering::Equal
}

fn mix(mut x: u64) -> u64 {
    // splitmix64 finalizer
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn interval_hash(g: usize, i: &Interval) -> u64 {
    let fold = |x: u128| (x as u64) ^ ((x >> 64) as u64).rotate_left(29);
    mix(mix(fold(i.lo) ^ ((g as u64) << 56)) ^ fold(i.hi))
}

fn interval_hashes(c: &Cube) -> [u64; 7] {
    std::array::from_fn(|g| interval_hash(g, &c.iv[g]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn iv(lo: u128, hi: u128) -> Interval {
        Interval::new(lo, hi).unwrap()
    }

    pub(crate) fn disjoint(s: &PacketSet) -> bool {
        let c = s.cubes();
        (0..c.len()).all(|i| (i + 1..c.len()).all(|j| c[i].intersect(&c[j]).is_none()))
    }

    fn ports(lo: u128, hi: u128) -> PacketSet {
        PacketSet::from_cube(Cube::all().with(Field::DstPort, iv(lo, hi)))
    }

    #[test]
    fn empty_all_basics() {
        let e = PacketSet::empty();
        let a = PacketSet::all();
        assert!(e.is_empty() && !a.is_empty());
        assert!(e.is_subset(&a) && !a.is_subset(&e) && e.is_subset(&e));
        assert!(a.complement().is_empty());
        assert!(e.complement().same_as(&a));
        assert!(a.union(&e).same_as(&a) && a.intersect(&e).is_empty());
        assert!(a.difference(&a).is_empty() && e.difference(&a).is_empty());
        assert_eq!(e.sample(), None);
        assert_eq!(a.sample(), Some([0; 7]));
        assert!(a.contains(&[255, u128::MAX, u128::MAX, 65535, 65535, 255, 255]));
        assert!(!e.contains(&[0; 7]));
        assert!(!e.overlaps(&a) && a.overlaps(&a));
        assert!(PacketSet::default().is_empty());
    }

    #[test]
    fn union_merges_adjacent() {
        let u = ports(0, 10).union(&ports(11, 20)).union(&ports(21, 65535));
        assert_eq!(u.cubes().len(), 1);
        assert!(u.same_as(&PacketSet::all()));
        let u = ports(0, 10).union(&ports(5, 30));
        assert_eq!(u.cubes().len(), 1);
        assert_eq!(u.cubes()[0].get(Field::DstPort), iv(0, 30));
    }

    #[test]
    fn difference_and_complement() {
        let d = PacketSet::all().difference(&ports(22, 22));
        assert!(disjoint(&d));
        assert_eq!(
            d.project(Field::DstPort).intervals(),
            &[iv(0, 21), iv(23, 65535)]
        );
        assert!(d.complement().same_as(&ports(22, 22)));
        let x = PacketSet::from_cube(Cube::all().with(Field::Src, Interval::point(u128::MAX)));
        let c = x.complement();
        assert_eq!(c.cubes().len(), 1);
        assert_eq!(c.cubes()[0].get(Field::Src), iv(0, u128::MAX - 1));
        assert!(c.union(&x).same_as(&PacketSet::all()));
        assert!(!c.overlaps(&x));
    }

    #[test]
    fn product_and_restrict() {
        let p = PacketSet::product(&[
            (Field::Proto, IntervalSet::from_interval(Interval::point(6))),
            (
                Field::DstPort,
                IntervalSet::from_intervals([iv(22, 22), iv(80, 80), iv(443, 443)]),
            ),
            (Field::DstPort, IntervalSet::from_intervals([iv(0, 100)])),
        ]);
        assert_eq!(p.cubes().len(), 2);
        assert_eq!(
            p.project(Field::DstPort).intervals(),
            &[iv(22, 22), iv(80, 80)]
        );
        assert_eq!(p.project(Field::Src), IntervalSet::full(Field::Src));
        assert!(PacketSet::product(&[]).same_as(&PacketSet::all()));
        assert!(PacketSet::product(&[(Field::Proto, IntervalSet::empty())]).is_empty());
        let r = p.restrict(Field::DstPort, &IntervalSet::from_interval(iv(50, 1000)));
        assert!(r.same_as(&PacketSet::product(&[
            (Field::Proto, IntervalSet::from_interval(Interval::point(6))),
            (
                Field::DstPort,
                IntervalSet::from_interval(Interval::point(80))
            ),
        ])));
        assert!(p.restrict(Field::Proto, &IntervalSet::empty()).is_empty());
    }

    #[test]
    fn subset_same_as_overlaps() {
        let a = ports(0, 100);
        let b = ports(0, 50).union(&ports(51, 100));
        let c = ports(0, 50).union(&ports(52, 100));
        assert!(a.same_as(&b) && b.same_as(&a));
        assert!(c.is_subset(&a) && !a.is_subset(&c) && !a.same_as(&c));
        assert!(c.overlaps(&a) && !ports(51, 51).overlaps(&c));
        // subset of a union that no single cube covers
        let two = ports(0, 10).union(&PacketSet::from_cube(
            Cube::all().with(Field::Proto, Interval::point(6)),
        ));
        let q = PacketSet::from_cube(
            Cube::all()
                .with(Field::Proto, Interval::point(6))
                .with(Field::DstPort, iv(0, 200)),
        );
        assert!(q.is_subset(&two));
    }

    #[test]
    fn coalesce_keeps_set() {
        let mut s = PacketSet::empty();
        for p in 0..10u128 {
            s = s.union(&PacketSet::from_cube(
                Cube::all()
                    .with(Field::DstPort, Interval::point(p))
                    .with(Field::Proto, Interval::point(p % 2)),
            ));
        }
        let before = s.clone();
        s.coalesce();
        assert!(s.same_as(&before) && disjoint(&s));
        assert!(s.cubes().len() <= 10);
        // a 2x2 grid of unit cubes becomes one
        let mut g = PacketSet {
            cubes: (0..4u128)
                .map(|k| {
                    Cube::all()
                        .with(Field::Proto, Interval::point(k / 2))
                        .with(Field::DstPort, Interval::point(k % 2))
                })
                .collect(),
        };
        g.coalesce();
        assert_eq!(g.cubes().len(), 1);
        assert_eq!(g.cubes()[0].get(Field::Proto), iv(0, 1));
    }

    #[test]
    fn from_cubes_overlapping() {
        let s = PacketSet::from_cubes([
            Cube::all().with(Field::DstPort, iv(0, 10)),
            Cube::all().with(Field::DstPort, iv(5, 20)),
            Cube::all().with(Field::Proto, Interval::point(6)),
        ]);
        assert!(disjoint(&s));
        assert!(s.contains(&[6, 0, 0, 0, 1000, 0, 0]) && s.contains(&[17, 0, 0, 0, 20, 0, 0]));
        assert!(!s.contains(&[17, 0, 0, 0, 21, 0, 0]));
    }

    // ---- property tests against brute force on a small universe ----

    pub(crate) type Pt = [u128; 7];

    pub(crate) fn arb_iv() -> impl Strategy<Value = Interval> {
        (0u128..8, 0u128..8).prop_map(|(a, b)| iv(a.min(b), a.max(b)))
    }

    pub(crate) fn arb_cube(act: [Field; 3]) -> impl Strategy<Value = Cube> {
        [arb_iv(), arb_iv(), arb_iv()].prop_map(move |ivs| {
            let mut c = Cube::all();
            for (f, i) in act.iter().zip(ivs) {
                c = c.with(*f, i);
            }
            c
        })
    }

    pub(crate) fn arb_cubes(act: [Field; 3]) -> impl Strategy<Value = Vec<Cube>> {
        prop::collection::vec(arb_cube(act), 0..=4)
    }

    pub(crate) fn arb_iset() -> impl Strategy<Value = IntervalSet> {
        prop::collection::vec(arb_iv(), 0..=3).prop_map(IntervalSet::from_intervals)
    }

    /// Every point with the active fields in 0..=7 and the others 0.
    pub(crate) fn universe(act: [Field; 3]) -> Vec<Pt> {
        let mut out = Vec::new();
        for a in 0..8u128 {
            for b in 0..8u128 {
                for c in 0..8u128 {
                    let mut p = [0u128; 7];
                    p[act[0] as usize] = a;
                    p[act[1] as usize] = b;
                    p[act[2] as usize] = c;
                    out.push(p);
                }
            }
        }
        out
    }

    pub(crate) fn build(cubes: &[Cube]) -> PacketSet {
        cubes.iter().fold(PacketSet::empty(), |acc, c| {
            acc.union(&PacketSet::from_cube(c.clone()))
        })
    }

    /// Brute-force model of a list of (possibly overlapping) cubes.
    pub(crate) fn model(cubes: &[Cube], u: &[Pt]) -> BTreeSet<Pt> {
        u.iter()
            .filter(|p| {
                cubes
                    .iter()
                    .any(|c| Field::ALL.iter().all(|&f| c.get(f).contains(p[f as usize])))
            })
            .copied()
            .collect()
    }

    pub(crate) fn points(s: &PacketSet, u: &[Pt]) -> BTreeSet<Pt> {
        u.iter().filter(|p| s.contains(p)).copied().collect()
    }

    fn check_ops(
        act: [Field; 3],
        a: Vec<Cube>,
        b: Vec<Cube>,
        fi: usize,
        vals: IntervalSet,
    ) -> Result<(), TestCaseError> {
        let u = universe(act);
        let uset: BTreeSet<Pt> = u.iter().copied().collect();
        let (sa, sb) = (build(&a), build(&b));
        let (ma, mb) = (model(&a, &u), model(&b, &u));
        prop_assert!(disjoint(&sa) && disjoint(&sb));
        prop_assert_eq!(points(&sa, &u), ma.clone());
        prop_assert_eq!(points(&sb, &u), mb.clone());

        let un = sa.union(&sb);
        let it = sa.intersect(&sb);
        let df = sa.difference(&sb);
        let cp = sa.complement();
        for r in [&un, &it, &df, &cp] {
            prop_assert!(disjoint(r));
        }
        prop_assert_eq!(
            points(&un, &u),
            ma.union(&mb).copied().collect::<BTreeSet<_>>()
        );
        prop_assert_eq!(
            points(&it, &u),
            ma.intersection(&mb).copied().collect::<BTreeSet<_>>()
        );
        prop_assert_eq!(
            points(&df, &u),
            ma.difference(&mb).copied().collect::<BTreeSet<_>>()
        );
        prop_assert_eq!(
            points(&cp, &u),
            uset.difference(&ma).copied().collect::<BTreeSet<_>>()
        );
        prop_assert!(cp.union(&sa).same_as(&PacketSet::all()));
        prop_assert!(!cp.overlaps(&sa));

        prop_assert_eq!(sa.is_subset(&sb), ma.is_subset(&mb));
        prop_assert_eq!(sa.same_as(&sb), ma == mb);
        prop_assert_eq!(sa.overlaps(&sb), !ma.is_disjoint(&mb));
        prop_assert!(it.is_subset(&sa) && it.is_subset(&sb) && sa.is_subset(&un));

        let f = act[fi];
        let proj = sa.project(f);
        for v in 0..8u128 {
            prop_assert_eq!(proj.contains(v), ma.iter().any(|p| p[f as usize] == v));
        }
        prop_assert!(proj.intervals().iter().all(|i| i.hi <= 7));
        for g in Field::ALL {
            if !act.contains(&g) {
                let pg = sa.project(g);
                let ok = if sa.is_empty() {
                    pg.is_empty()
                } else {
                    pg.is_full(g)
                };
                prop_assert!(ok);
            }
        }

        let rs = sa.restrict(f, &vals);
        prop_assert!(disjoint(&rs));
        let want: BTreeSet<Pt> = ma
            .iter()
            .filter(|p| vals.contains(p[f as usize]))
            .copied()
            .collect();
        prop_assert_eq!(points(&rs, &u), want);

        // where f's values lie against vals: exact
        let vs: BTreeSet<u128> = ma.iter().map(|p| p[f as usize]).collect();
        let inside = vs.iter().filter(|v| vals.contains(**v)).count();
        let want = if inside == 0 {
            Place::Outside
        } else if inside == vs.len() {
            Place::Inside
        } else {
            Place::Partial
        };
        prop_assert_eq!(sa.place_on(f, &vals), want);

        // split by disjoint sets in one pass: each share, and the rest
        let span = |lo, hi| IntervalSet::from_interval(iv(lo, hi));
        let sets = [
            vals.intersect(&span(0, 3)),
            vals.intersect(&span(4, 7)),
            span(0, 5).difference(&vals),
        ];
        let (shares, rest) = sa.split_by_sets(f, &sets);
        prop_assert_eq!(shares.len(), sets.len());
        for (share, set) in shares.iter().zip(&sets) {
            prop_assert!(disjoint(share));
            let want: BTreeSet<Pt> = ma
                .iter()
                .filter(|p| set.contains(p[f as usize]))
                .copied()
                .collect();
            prop_assert_eq!(points(share, &u), want);
        }
        prop_assert!(disjoint(&rest));
        let want: BTreeSet<Pt> = ma
            .iter()
            .filter(|p| !sets.iter().any(|s| s.contains(p[f as usize])))
            .copied()
            .collect();
        prop_assert_eq!(points(&rest, &u), want);

        // coalesce on a raw (uncoalesced) disjoint decomposition
        let mut raw = PacketSet { cubes: Vec::new() };
        for c in &a {
            let pieces = subtract_all(c.clone(), &raw.cubes);
            raw.cubes.extend(pieces);
        }
        let n = raw.cubes.len();
        let mut co = raw.clone();
        co.coalesce();
        prop_assert!(disjoint(&co) && co.cubes().len() <= n);
        prop_assert_eq!(points(&co, &u), ma.clone());
        prop_assert!(co.same_as(&raw));

        match sa.sample() {
            Some(p) => prop_assert!(sa.contains(&p)),
            None => prop_assert!(ma.is_empty()),
        }
        Ok(())
    }

    const ACT_A: [Field; 3] = [Field::Src, Field::DstPort, Field::Proto];
    const ACT_B: [Field; 3] = [Field::IcmpCode, Field::Dst, Field::SrcPort];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn ops_match_brute_force_src_dport_proto(a in arb_cubes(ACT_A), b in arb_cubes(ACT_A), fi in 0..3usize, vals in arb_iset()) {
            check_ops(ACT_A, a, b, fi, vals)?;
        }

        #[test]
        fn ops_match_brute_force_icmpcode_dst_sport(a in arb_cubes(ACT_B), b in arb_cubes(ACT_B), fi in 0..3usize, vals in arb_iset()) {
            check_ops(ACT_B, a, b, fi, vals)?;
        }
    }

    #[test]
    fn projecting_onto_fields_forgets_the_others_exactly() {
        let pfx = |c: &str| super::super::addr::prefix(c.parse().unwrap());
        let port = |p: u128| IntervalSet::from_interval(Interval::point(p));
        let s = PacketSet::product(&[
            (Field::Src, pfx("10.0.0.0/24")),
            (Field::Dst, pfx("10.1.0.0/24")),
            (Field::DstPort, port(22)),
        ])
        .union(&PacketSet::product(&[
            (Field::Src, pfx("10.9.0.0/24")),
            (Field::Dst, pfx("10.1.0.0/16")),
            (Field::DstPort, port(443)),
        ]));
        let p = s.project_onto(&[Field::Dst, Field::DstPort]);
        let want =
            PacketSet::product(&[(Field::Dst, pfx("10.1.0.0/24")), (Field::DstPort, port(22))])
                .union(&PacketSet::product(&[
                    (Field::Dst, pfx("10.1.0.0/16")),
                    (Field::DstPort, port(443)),
                ]));
        assert!(p.same_as(&want), "{p:?}");
        // Any source now: the kept fields alone decide.
        assert!(p.overlaps(&PacketSet::product(&[
            (Field::Src, pfx("192.0.2.0/24")),
            (Field::Dst, pfx("10.1.5.0/24")),
            (Field::DstPort, port(443)),
        ])));
        assert!(!p.overlaps(&PacketSet::product(&[
            (Field::Dst, pfx("10.1.5.0/24")),
            (Field::DstPort, port(22)),
        ])));
        assert!(PacketSet::empty().project_onto(&[Field::Dst]).is_empty());
    }

    #[test]
    fn products_are_exact_and_merge_cubes_that_differ_in_one_field() {
        let pfx = |c: &str| super::super::addr::prefix(c.parse().unwrap());
        let mut s = PacketSet::empty();
        for c in ["10.0.0.0/24", "10.0.2.0/24", "10.0.4.0/24"] {
            s = s.union(&PacketSet::product(&[
                (Field::Src, pfx(c)),
                (
                    Field::DstPort,
                    IntervalSet::from_interval(Interval::point(22)),
                ),
            ]));
        }
        s = s.union(&PacketSet::product(&[
            (Field::Src, pfx("192.168.0.0/16")),
            (
                Field::DstPort,
                IntervalSet::from_interval(Interval::point(443)),
            ),
        ]));
        let p = s.products();
        assert_eq!(p.len(), 2, "{p:?}");
        let back = p.iter().fold(PacketSet::empty(), |a, prod| {
            a.union(&PacketSet::product(
                &Field::ALL.map(|f| (f, prod[f as usize].clone())),
            ))
        });
        assert!(back.same_as(&s));
        assert!(PacketSet::empty().products().is_empty());
    }
}
