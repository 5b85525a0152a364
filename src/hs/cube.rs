//! Boxes: one interval per field.

use super::field::Field;
use super::interval::Interval;

/// A box: one interval per field (indexed by `Field as usize`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cube {
    pub(crate) iv: [Interval; 7],
}

impl Cube {
    /// Every field full.
    pub fn all() -> Cube {
        Cube {
            iv: Field::ALL.map(Interval::full),
        }
    }

    /// Replace field `f` (hi clamped to `f.max()`; the caller guarantees
    /// `lo <= f.max()`).
    pub fn with(mut self, f: Field, i: Interval) -> Cube {
        debug_assert!(
            i.lo <= f.max(),
            "interval starts outside the domain of {f:?}"
        );
        let hi = i.hi.min(f.max());
        self.iv[f as usize] = Interval {
            lo: i.lo.min(hi),
            hi,
        };
        self
    }

    pub fn get(&self, f: Field) -> Interval {
        self.iv[f as usize]
    }

    pub fn intersect(&self, o: &Cube) -> Option<Cube> {
        let mut iv = self.iv;
        for (a, b) in iv.iter_mut().zip(o.iv.iter()) {
            *a = a.intersect(b)?;
        }
        Some(Cube { iv })
    }

    pub fn is_subset(&self, o: &Cube) -> bool {
        self.iv.iter().zip(o.iv.iter()).all(|(a, b)| a.is_subset(b))
    }

    pub(crate) fn overlaps(&self, o: &Cube) -> bool {
        self.iv.iter().zip(o.iv.iter()).all(|(a, b)| a.overlaps(b))
    }

    pub(crate) fn contains(&self, p: &[u128; 7]) -> bool {
        self.iv.iter().zip(p.iter()).all(|(i, &v)| i.contains(v))
    }

    /// Push `self − o` onto `out` as at most 14 pairwise-disjoint cubes.
    pub(crate) fn subtract_into(&self, o: &Cube, out: &mut Vec<Cube>) {
        if !self.overlaps(o) {
            out.push(self.clone());
            return;
        }
        let mut rest = self.iv;
        for f in 0..7 {
            let (a, b) = (rest[f], o.iv[f]);
            if a.lo < b.lo {
                let mut piece = rest;
                piece[f] = Interval {
                    lo: a.lo,
                    hi: b.lo - 1,
                };
                out.push(Cube { iv: piece });
            }
            if a.hi > b.hi {
                let mut piece = rest;
                piece[f] = Interval {
                    lo: b.hi + 1,
                    hi: a.hi,
                };
                out.push(Cube { iv: piece });
            }
            rest[f] = Interval {
                lo: a.lo.max(b.lo),
                hi: a.hi.min(b.hi),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(lo: u128, hi: u128) -> Interval {
        Interval::new(lo, hi).unwrap()
    }

    #[test]
    fn all_with_get() {
        let c = Cube::all();
        for f in Field::ALL {
            assert_eq!(c.get(f), iv(0, f.max()));
        }
        let c = c
            .with(Field::DstPort, iv(22, 100_000))
            .with(Field::Src, iv(5, u128::MAX));
        assert_eq!(c.get(Field::DstPort), iv(22, 65535));
        assert_eq!(c.get(Field::Src), iv(5, u128::MAX));
        assert_eq!(c.get(Field::Proto), iv(0, 255));
    }

    #[test]
    fn intersect_and_subset() {
        let a = Cube::all().with(Field::DstPort, iv(0, 100));
        let b = Cube::all()
            .with(Field::DstPort, iv(50, 200))
            .with(Field::Proto, Interval::point(6));
        let c = a.intersect(&b).unwrap();
        assert_eq!(c.get(Field::DstPort), iv(50, 100));
        assert_eq!(c.get(Field::Proto), iv(6, 6));
        assert!(c.is_subset(&a) && c.is_subset(&b) && !a.is_subset(&b));
        assert!(a.is_subset(&Cube::all()) && Cube::all().is_subset(&Cube::all()));
        let d = Cube::all().with(Field::DstPort, iv(101, 200));
        assert_eq!(a.intersect(&d), None);
        assert!(!a.overlaps(&d));
    }

    #[test]
    fn subtract_partitions() {
        let a = Cube::all()
            .with(Field::DstPort, iv(0, 10))
            .with(Field::Proto, iv(0, 10));
        let b = Cube::all()
            .with(Field::DstPort, iv(3, 5))
            .with(Field::Proto, iv(3, 5));
        let mut out = Vec::new();
        a.subtract_into(&b, &mut out);
        assert_eq!(out.len(), 4);
        for x in 0..=11u128 {
            for y in 0..=11u128 {
                let p = [x, 0, 0, 0, y, 0, 0];
                let n = out.iter().filter(|c| c.contains(&p)).count();
                assert_eq!(n == 1, a.contains(&p) && !b.contains(&p), "{x} {y}");
                assert!(n <= 1);
            }
        }
        out.clear();
        a.subtract_into(&Cube::all(), &mut out);
        assert!(out.is_empty());
        // u128::MAX bounds
        let top = Cube::all().with(Field::Src, Interval::point(u128::MAX));
        out.clear();
        Cube::all().subtract_into(&top, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].get(Field::Src), iv(0, u128::MAX - 1));
    }
}
