//! Packet sets over many destinations at once (`exposure`'s one walk toward
//! every public address): reading each value's share off one set, unions of
//! many sets that differ in one field, projections through a restriction
//! without building it. Each costs about a pass (or a sort) over the cubes,
//! where doing it value by value would cost a pass per value.

use super::cube::Cube;
use super::field::Field;
use super::interval::{Interval, IntervalSet};
use super::set::PacketSet;

impl PacketSet {
    /// The set split by the values of field `f` at the given points (sorted,
    /// distinct): for each point, `self ∩ (f = point)`, in one pass over the
    /// cubes (points outside every cube get an empty set). For reading many
    /// destinations' shares off one set.
    pub fn split_at_points(&self, f: Field, points: &[u128]) -> Vec<PacketSet> {
        debug_assert!(points.windows(2).all(|w| w[0] < w[1]));
        let k = f as usize;
        let mut out: Vec<PacketSet> = vec![PacketSet::empty(); points.len()];
        for c in &self.cubes {
            let iv = c.iv[k];
            let from = points.partition_point(|p| *p < iv.lo);
            for (n, p) in points[from..].iter().enumerate() {
                if *p > iv.hi {
                    break;
                }
                let mut c = c.clone();
                c.iv[k] = Interval::point(*p);
                out[from + n].cubes.push(c);
            }
        }
        out
    }

    /// The set split by pairwise-disjoint value sets of field `f` in one
    /// pass over the cubes: for each of `sets`, `self ∩ (f ∈ set)`; and the
    /// part in none of them. For handing each of many holders of
    /// destination addresses its share (delivery inside a VPC).
    pub fn split_by_sets(&self, f: Field, sets: &[IntervalSet]) -> (Vec<PacketSet>, PacketSet) {
        let k = f as usize;
        let mut marks: Vec<(Interval, usize)> = sets
            .iter()
            .enumerate()
            .flat_map(|(n, s)| s.intervals().iter().map(move |i| (*i, n)))
            .collect();
        marks.sort_unstable_by_key(|(i, _)| i.lo);
        debug_assert!(marks.windows(2).all(|w| w[0].0.hi < w[1].0.lo));
        let mut out: Vec<PacketSet> = vec![PacketSet::empty(); sets.len()];
        let mut rest: Vec<Cube> = Vec::new();
        let piece = |c: &Cube, lo: u128, hi: u128| {
            let mut c = c.clone();
            c.iv[k] = Interval { lo, hi };
            c
        };
        for c in &self.cubes {
            let iv = c.iv[k];
            let from = marks.partition_point(|(m, _)| m.hi < iv.lo);
            // The lowest value of the cube no set has taken yet, while any is left.
            let (mut at, mut left) = (iv.lo, true);
            for (m, n) in &marks[from..] {
                let Some(x) = m.intersect(&iv) else {
                    break;
                };
                if x.lo > at {
                    rest.push(piece(c, at, x.lo - 1));
                }
                out[*n].cubes.push(piece(c, x.lo, x.hi));
                if x.hi >= iv.hi {
                    left = false;
                    break;
                }
                at = x.hi + 1;
            }
            if left {
                rest.push(piece(c, at, iv.hi));
            }
        }
        (out, PacketSet { cubes: rest })
    }

    /// The union of many sets. Cubes are grouped by overlapping intervals of
    /// field `by` first (sorted, one sweep), and only cubes of one group are
    /// compared: the union of sets that mostly differ in `by` (one per
    /// destination, say) costs about a sort, not every pair of cubes.
    pub fn union_all<'a>(sets: impl IntoIterator<Item = &'a PacketSet>, by: Field) -> PacketSet {
        let sets: Vec<&PacketSet> = sets.into_iter().collect();
        // A few sets: pairwise, as `union` does (the same cubes as folding
        // `union`, so small answers read the same as ever).
        if sets.len() < 64 {
            return sets
                .into_iter()
                .fold(PacketSet::empty(), |acc, s| acc.union(s));
        }
        let k = by as usize;
        let mut cubes: Vec<Cube> = sets
            .into_iter()
            .flat_map(|s| s.cubes.iter().cloned())
            .collect();
        if cubes.len() < 2 {
            return PacketSet { cubes };
        }
        cubes.sort_by_key(|c| (c.iv[k].lo, c.iv[k].hi));
        let mut out: Vec<Cube> = Vec::with_capacity(cubes.len());
        let mut group: Vec<Cube> = Vec::new();
        let mut group_hi = 0u128;
        let flush = |group: &mut Vec<Cube>, out: &mut Vec<Cube>| {
            if group.len() == 1 {
                out.append(group);
            } else if !group.is_empty() {
                out.extend(PacketSet::from_cubes(group.drain(..)).cubes);
            }
        };
        for c in cubes {
            if !group.is_empty() && c.iv[k].lo > group_hi {
                flush(&mut group, &mut out);
            }
            group_hi = if group.is_empty() {
                c.iv[k].hi
            } else {
                group_hi.max(c.iv[k].hi)
            };
            group.push(c);
        }
        flush(&mut group, &mut out);
        let mut s = PacketSet { cubes: out };
        s.coalesce();
        s
    }

    /// The values of `f` in the part of the set whose `g` lies in `vals`:
    /// `self.restrict(g, vals).project(f)`, without building the restricted
    /// set (a cube contributes its `f` values when its `g` interval meets
    /// `vals`; for `f == g`, the meeting values).
    pub fn project_within(&self, f: Field, g: Field, vals: &IntervalSet) -> IntervalSet {
        if f == g {
            return self.project(f).intersect(vals);
        }
        IntervalSet::from_intervals(
            self.cubes
                .iter()
                .filter(|c| vals.overlaps_interval(&c.get(g)))
                .map(|c| c.get(f)),
        )
    }

    /// Whether some packet of the set has its `g` in `vals`.
    pub fn meets(&self, g: Field, vals: &IntervalSet) -> bool {
        self.cubes.iter().any(|c| vals.overlaps_interval(&c.get(g)))
    }
}
