//! Inclusive intervals and normalized interval sets over one field.

use super::field::Field;

/// Inclusive interval `lo..=hi`, `lo <= hi` always.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    pub lo: u128,
    pub hi: u128,
}

impl Interval {
    /// `lo..=hi`, or `None` when `lo > hi`.
    pub fn new(lo: u128, hi: u128) -> Option<Interval> {
        (lo <= hi).then_some(Interval { lo, hi })
    }

    /// The single value `v`.
    pub fn point(v: u128) -> Interval {
        Interval { lo: v, hi: v }
    }

    pub fn contains(&self, v: u128) -> bool {
        self.lo <= v && v <= self.hi
    }

    pub fn intersect(&self, o: &Interval) -> Option<Interval> {
        Interval::new(self.lo.max(o.lo), self.hi.min(o.hi))
    }

    /// The whole domain of field `f`.
    pub(crate) fn full(f: Field) -> Interval {
        Interval { lo: 0, hi: f.max() }
    }

    pub(crate) fn overlaps(&self, o: &Interval) -> bool {
        self.lo <= o.hi && o.lo <= self.hi
    }

    pub(crate) fn is_subset(&self, o: &Interval) -> bool {
        o.lo <= self.lo && self.hi <= o.hi
    }

    /// Overlapping or adjacent (their union is one interval).
    pub(crate) fn touches(&self, o: &Interval) -> bool {
        self.lo <= o.hi.saturating_add(1) && o.lo <= self.hi.saturating_add(1)
    }
}

/// Where values lie against a set: all inside, all outside, or some of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Inside,
    Outside,
    Partial,
}

impl Place {
    /// The place of the union of two groups of values.
    pub fn and(self, o: Place) -> Place {
        if self == o { self } else { Place::Partial }
    }
}

/// Sorted, disjoint, non-adjacent (merged) intervals over one field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct IntervalSet {
    ivs: Vec<Interval>,
}

impl IntervalSet {
    pub fn empty() -> Self {
        IntervalSet { ivs: Vec::new() }
    }

    /// The whole domain of `f`.
    pub fn full(f: Field) -> Self {
        Self::from_interval(Interval::full(f))
    }

    pub fn from_interval(i: Interval) -> Self {
        IntervalSet { ivs: vec![i] }
    }

    /// Normalizes: sorts and merges overlapping or adjacent intervals.
    pub fn from_intervals(it: impl IntoIterator<Item = Interval>) -> Self {
        let mut v: Vec<Interval> = it.into_iter().collect();
        v.sort_unstable();
        let mut out: Vec<Interval> = Vec::with_capacity(v.len());
        for i in v {
            match out.last_mut() {
                Some(last) if i.lo <= last.hi.saturating_add(1) => last.hi = last.hi.max(i.hi),
                _ => out.push(i),
            }
        }
        IntervalSet { ivs: out }
    }

    pub fn intervals(&self) -> &[Interval] {
        &self.ivs
    }

    pub fn is_empty(&self) -> bool {
        self.ivs.is_empty()
    }

    /// The smallest interval holding the whole set (`None` when empty).
    pub fn hull(&self) -> Option<Interval> {
        Some(Interval {
            lo: self.ivs.first()?.lo,
            hi: self.ivs.last()?.hi,
        })
    }

    pub fn contains(&self, v: u128) -> bool {
        let idx = self.ivs.partition_point(|i| i.hi < v);
        self.ivs.get(idx).is_some_and(|i| i.lo <= v)
    }

    /// True when the set is the whole domain of `f`.
    pub(crate) fn is_full(&self, f: Field) -> bool {
        self.ivs.len() == 1 && self.ivs[0] == Interval::full(f)
    }

    /// Does any interval of the set overlap `i`?
    pub(crate) fn overlaps_interval(&self, i: &Interval) -> bool {
        let idx = self.ivs.partition_point(|x| x.hi < i.lo);
        self.ivs.get(idx).is_some_and(|x| x.lo <= i.hi)
    }

    /// How interval `i` lies against the set. `Partial` when it is neither
    /// wholly inside one interval of the set nor clear of every one.
    pub fn place_of(&self, i: &Interval) -> Place {
        let idx = self.ivs.partition_point(|x| x.hi < i.lo);
        match self.ivs.get(idx) {
            Some(x) if x.lo <= i.hi => {
                if i.is_subset(x) {
                    Place::Inside
                } else {
                    Place::Partial
                }
            }
            _ => Place::Outside,
        }
    }

    pub fn union(&self, o: &Self) -> Self {
        if o.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return o.clone();
        }
        Self::from_intervals(self.ivs.iter().chain(o.ivs.iter()).copied())
    }

    /// Whether the two sets share a value (`intersect` not empty, without
    /// building it).
    pub fn overlaps(&self, o: &Self) -> bool {
        let (a, b) = (&self.ivs, &o.ivs);
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if a[i].lo <= b[j].hi && b[j].lo <= a[i].hi {
                return true;
            }
            if a[i].hi < b[j].hi {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }

    pub fn intersect(&self, o: &Self) -> Self {
        let (a, b) = (&self.ivs, &o.ivs);
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.len() && j < b.len() {
            if let Some(x) = a[i].intersect(&b[j]) {
                out.push(x);
            }
            if a[i].hi < b[j].hi {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { ivs: out }
    }

    pub fn difference(&self, o: &Self) -> Self {
        let b = &o.ivs;
        let mut out = Vec::new();
        let mut j = 0;
        for a in &self.ivs {
            let (mut lo, hi) = (a.lo, a.hi);
            while j < b.len() && b[j].hi < lo {
                j += 1;
            }
            let mut alive = true;
            let mut k = j;
            while k < b.len() && b[k].lo <= hi {
                let x = b[k];
                if x.lo > lo {
                    out.push(Interval { lo, hi: x.lo - 1 });
                }
                if x.hi >= hi {
                    alive = false;
                    break;
                }
                lo = x.hi + 1;
                k += 1;
            }
            if alive {
                out.push(Interval { lo, hi });
            }
        }
        IntervalSet { ivs: out }
    }

    pub fn is_subset(&self, o: &Self) -> bool {
        self.ivs.iter().all(|i| {
            let idx = o.ivs.partition_point(|x| x.hi < i.lo);
            o.ivs.get(idx).is_some_and(|x| i.is_subset(x))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(lo: u128, hi: u128) -> Interval {
        Interval::new(lo, hi).unwrap()
    }
    fn set(v: &[(u128, u128)]) -> IntervalSet {
        IntervalSet::from_intervals(v.iter().map(|&(a, b)| iv(a, b)))
    }

    #[test]
    fn interval_basics() {
        assert_eq!(Interval::new(3, 2), None);
        assert_eq!(Interval::new(2, 2), Some(Interval::point(2)));
        assert!(iv(1, 5).contains(1) && iv(1, 5).contains(5) && !iv(1, 5).contains(6));
        assert_eq!(iv(1, 5).intersect(&iv(5, 9)), Some(iv(5, 5)));
        assert_eq!(iv(1, 5).intersect(&iv(6, 9)), None);
        let top = iv(u128::MAX - 1, u128::MAX);
        assert!(top.contains(u128::MAX));
        assert!(top.touches(&iv(0, u128::MAX - 2)));
        assert!(!top.touches(&iv(0, u128::MAX - 3)));
    }

    /// `overlaps` is `intersect` not being empty, on sets that touch at
    /// an end, interleave, nest, miss by one, or are empty.
    #[test]
    fn overlaps_is_a_nonempty_intersection() {
        let sets = [
            set(&[]),
            set(&[(0, 0)]),
            set(&[(1, 3), (7, 9)]),
            set(&[(4, 6)]),
            set(&[(3, 4)]),
            set(&[(10, 20), (30, 40)]),
            set(&[(9, 10)]),
            set(&[(0, u128::MAX)]),
            set(&[(21, 29), (41, 50)]),
        ];
        for a in &sets {
            for b in &sets {
                assert_eq!(a.overlaps(b), !a.intersect(b).is_empty(), "{a:?} {b:?}");
            }
        }
        assert!(!set(&[(1, 3)]).overlaps(&set(&[(4, 6)])));
        assert!(set(&[(1, 3), (7, 9)]).overlaps(&set(&[(4, 7)])));
    }

    #[test]
    fn normalization_merges_adjacent_and_overlapping() {
        let s = set(&[(5, 7), (0, 1), (2, 3), (6, 9), (11, 11)]);
        assert_eq!(s.intervals(), &[iv(0, 3), iv(5, 9), iv(11, 11)]);
        let s = set(&[(u128::MAX, u128::MAX), (0, u128::MAX - 1)]);
        assert_eq!(s.intervals(), &[iv(0, u128::MAX)]);
        assert!(IntervalSet::from_intervals([]).is_empty());
        assert_eq!(IntervalSet::default(), IntervalSet::empty());
    }

    #[test]
    fn full_and_contains() {
        let f = IntervalSet::full(Field::DstPort);
        assert_eq!(f.intervals(), &[iv(0, 65535)]);
        assert!(f.is_full(Field::DstPort));
        assert!(!f.is_full(Field::Src));
        let s = set(&[(1, 2), (10, 20)]);
        assert!(
            s.contains(1) && s.contains(15) && !s.contains(0) && !s.contains(5) && !s.contains(21)
        );
        assert!(IntervalSet::full(Field::Src).contains(u128::MAX));
    }

    #[test]
    fn set_ops() {
        let a = set(&[(0, 10), (20, 30)]);
        let b = set(&[(5, 22), (30, 40)]);
        assert_eq!(a.union(&b).intervals(), &[iv(0, 40)]);
        assert_eq!(
            a.intersect(&b).intervals(),
            &[iv(5, 10), iv(20, 22), iv(30, 30)]
        );
        assert_eq!(a.difference(&b).intervals(), &[iv(0, 4), iv(23, 29)]);
        assert_eq!(b.difference(&a).intervals(), &[iv(11, 19), iv(31, 40)]);
        assert!(set(&[(1, 2), (21, 25)]).is_subset(&a));
        assert!(!set(&[(1, 2), (9, 21)]).is_subset(&a));
        assert!(IntervalSet::empty().is_subset(&IntervalSet::empty()));
        assert!(!a.is_subset(&IntervalSet::empty()));
        let full = IntervalSet::full(Field::Src);
        let mid = set(&[(7, 7)]);
        let comp = full.difference(&mid);
        assert_eq!(comp.intervals(), &[iv(0, 6), iv(8, u128::MAX)]);
        assert_eq!(comp.union(&mid), full);
        assert!(full.difference(&full).is_empty());
        assert!(a.overlaps_interval(&iv(10, 12)) && !a.overlaps_interval(&iv(11, 19)));
        // u128::MAX edge
        let top = set(&[(u128::MAX, u128::MAX)]);
        assert_eq!(full.difference(&top).intervals(), &[iv(0, u128::MAX - 1)]);
        assert_eq!(full.intersect(&top), top);
    }
}
