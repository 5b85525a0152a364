//! Views: reading a *current* packet's fields off the *original* packet, to
//! pull filters back through header rewrites (NAT, reply direction).

use super::cube::Cube;
use super::field::Field;
use super::interval::IntervalSet;
use super::set::PacketSet;

/// Where a current field's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The current field equals the original field.
    Field(Field),
    /// The current field is some value of this set, chosen by the network
    /// (e.g. a NAT port), independent of the original packet.
    Const(IntervalSet),
}

/// For each current field, where its value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    o: [Origin; 7],
}

impl View {
    /// Every field reads itself.
    pub fn identity() -> View {
        View {
            o: Field::ALL.map(Origin::Field),
        }
    }

    /// The reply packet's view: `new[Src] = old[Dst]`, `new[Dst] = old[Src]`,
    /// `new[SrcPort] = old[DstPort]`, `new[DstPort] = old[SrcPort]`, the
    /// other fields unchanged.
    pub fn reversed(&self) -> View {
        let mut v = self.clone();
        v.o.swap(Field::Src as usize, Field::Dst as usize);
        v.o.swap(Field::SrcPort as usize, Field::DstPort as usize);
        v
    }

    pub fn get(&self, f: Field) -> &Origin {
        &self.o[f as usize]
    }

    pub fn set(&mut self, f: Field, o: Origin) {
        self.o[f as usize] = o;
    }

    /// When every current field reads a distinct original field of the same
    /// domain (the identity, the reply direction): for each current field,
    /// the original field it reads. Such a view maps disjoint cubes to
    /// disjoint cubes, both ways, field for field.
    fn permutation(&self) -> Option<[Field; 7]> {
        let mut out = Field::ALL;
        let mut seen = [false; 7];
        for f in Field::ALL {
            let Origin::Field(g) = &self.o[f as usize] else {
                return None;
            };
            if seen[*g as usize] || Field::max(*g) != Field::max(f) {
                return None;
            }
            seen[*g as usize] = true;
            out[f as usize] = *g;
        }
        Some(out)
    }

    /// Whether the view only reorders fields (see `permutation`): `push`
    /// and `pull_may` are then exact inverses.
    pub fn is_permutation(&self) -> bool {
        self.permutation().is_some()
    }

    /// Original packets for which SOME choice of the `Const` fields yields a
    /// current packet in `s`. Exact; distributes over union. When two
    /// current fields read the same original field, both constraints are
    /// intersected onto it.
    pub fn pull_may(&self, s: &PacketSet) -> PacketSet {
        if let Some(reads) = self.permutation() {
            let cubes = s.cubes().iter().map(|c| {
                let mut r = Cube::all();
                for f in Field::ALL {
                    r.iv[reads[f as usize] as usize] = c.get(f);
                }
                r
            });
            return PacketSet::from_disjoint(cubes.collect());
        }
        let mut out = Vec::with_capacity(s.cubes().len());
        'cubes: for c in s.cubes() {
            let mut r = Cube::all();
            for f in Field::ALL {
                let cur = c.get(f);
                match &self.o[f as usize] {
                    Origin::Field(g) => match r.iv[*g as usize].intersect(&cur) {
                        Some(x) => r.iv[*g as usize] = x,
                        None => continue 'cubes,
                    },
                    Origin::Const(v) => {
                        if !v.overlaps_interval(&cur) {
                            continue 'cubes;
                        }
                    }
                }
            }
            out.push(r);
        }
        // distinct cubes of `s` may pull back to overlapping cubes
        PacketSet::from_cubes(out)
    }

    /// Original packets for which EVERY choice of the `Const` fields yields
    /// a current packet in `s`: `all − pull_may(domain − s)`, where `domain`
    /// is the current space with each `Const` field restricted to its set.
    /// (An empty `Const` set makes this vacuously everything. If a current
    /// field reads an original field with a larger domain, originals whose
    /// value falls outside the current field's domain yield no valid current
    /// packet and so are vacuously included too.)
    pub fn pull_must(&self, s: &PacketSet) -> PacketSet {
        let consts: Vec<(Field, IntervalSet)> = Field::ALL
            .iter()
            .filter_map(|&f| match &self.o[f as usize] {
                Origin::Const(v) => Some((f, v.clone())),
                Origin::Field(_) => None,
            })
            .collect();
        let domain = PacketSet::product(&consts);
        PacketSet::all().difference(&self.pull_may(&domain.difference(s)))
    }

    /// Image of original packets as current packets: `Field` origins copy
    /// the original's interval (clamped to the current field's domain),
    /// `Const` fields take their whole set. Exact when no two current fields
    /// read the same original field; otherwise it over-approximates (the
    /// correlation between the two copies is lost).
    pub fn push(&self, orig: &PacketSet) -> PacketSet {
        if let Some(reads) = self.permutation() {
            let cubes = orig.cubes().iter().map(|c| {
                let mut r = Cube::all();
                for f in Field::ALL {
                    r.iv[f as usize] = c.get(reads[f as usize]);
                }
                r
            });
            return PacketSet::from_disjoint(cubes.collect());
        }
        let mut out = Vec::new();
        for c in orig.cubes() {
            let fields: Vec<(Field, IntervalSet)> = Field::ALL
                .iter()
                .map(|&f| {
                    let s = match &self.o[f as usize] {
                        Origin::Field(g) => IntervalSet::from_interval(c.get(*g)),
                        Origin::Const(v) => v.clone(),
                    };
                    (f, s)
                })
                .collect();
            out.extend(PacketSet::product(&fields).cubes().iter().cloned());
        }
        PacketSet::from_cubes(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::addr::{addr, prefix};
    use super::super::interval::Interval;
    use super::super::set::tests::{
        Pt, arb_cubes, arb_iset, build, disjoint, model, points, universe,
    };
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn iv(lo: u128, hi: u128) -> Interval {
        Interval::new(lo, hi).unwrap()
    }

    #[test]
    fn identity_and_reversed() {
        let id = View::identity();
        for f in Field::ALL {
            assert_eq!(id.get(f), &Origin::Field(f));
        }
        let r = id.reversed();
        assert_eq!(r.get(Field::Src), &Origin::Field(Field::Dst));
        assert_eq!(r.get(Field::Dst), &Origin::Field(Field::Src));
        assert_eq!(r.get(Field::SrcPort), &Origin::Field(Field::DstPort));
        assert_eq!(r.get(Field::DstPort), &Origin::Field(Field::SrcPort));
        assert_eq!(r.get(Field::Proto), &Origin::Field(Field::Proto));
        assert_eq!(r.reversed(), id);
        let s = PacketSet::from_cube(Cube::all().with(Field::DstPort, iv(22, 22)));
        assert!(id.pull_may(&s).same_as(&s) && id.pull_must(&s).same_as(&s));
        let back = r.pull_may(&s);
        assert!(back.same_as(&PacketSet::from_cube(
            Cube::all().with(Field::SrcPort, iv(22, 22))
        )));
        assert!(r.push(&back).same_as(&s));
    }

    #[test]
    fn nat_port_const() {
        // current SrcPort is a NAT port from 1024-2047; Src is rewritten to 10.0.0.1
        let mut v = View::identity();
        v.set(
            Field::SrcPort,
            Origin::Const(IntervalSet::from_interval(iv(1024, 2047))),
        );
        let nat_ip = IntervalSet::from_interval(Interval::point(addr("10.0.0.1".parse().unwrap())));
        v.set(Field::Src, Origin::Const(nat_ip.clone()));
        let allow_hi = PacketSet::from_cube(Cube::all().with(Field::SrcPort, iv(1500, 65535)));
        // some NAT port is >= 1500, so every original packet may pass...
        assert!(v.pull_may(&allow_hi).same_as(&PacketSet::all()));
        // ...but not every choice does
        assert!(v.pull_must(&allow_hi).is_empty());
        let allow_all_nat = PacketSet::from_cube(Cube::all().with(Field::SrcPort, iv(1000, 3000)));
        assert!(v.pull_must(&allow_all_nat).same_as(&PacketSet::all()));
        // filter on the rewritten source address
        let from10 = PacketSet::product(&[(Field::Src, prefix("10.0.0.0/8".parse().unwrap()))]);
        assert!(v.pull_must(&from10).same_as(&PacketSet::all()));
        let from11 = PacketSet::product(&[(Field::Src, prefix("11.0.0.0/8".parse().unwrap()))]);
        assert!(v.pull_may(&from11).is_empty());
        // push: Const fields take their whole set
        let img = v.push(&PacketSet::all());
        assert_eq!(img.project(Field::SrcPort).intervals(), &[iv(1024, 2047)]);
        assert_eq!(img.project(Field::Src), nat_ip);
        // empty const set: nothing may, everything must (vacuous)
        let mut e = View::identity();
        e.set(Field::DstPort, Origin::Const(IntervalSet::empty()));
        assert!(e.pull_may(&PacketSet::all()).is_empty());
        assert!(e.pull_must(&PacketSet::empty()).same_as(&PacketSet::all()));
    }

    #[test]
    fn aliased_fields_intersect() {
        // current Dst reads the original Src too
        let mut v = View::identity();
        v.set(Field::Dst, Origin::Field(Field::Src));
        let s = PacketSet::from_cube(
            Cube::all()
                .with(Field::Src, iv(0, 10))
                .with(Field::Dst, iv(5, 20)),
        );
        let p = v.pull_may(&s);
        assert!(p.same_as(&PacketSet::from_cube(
            Cube::all().with(Field::Src, iv(5, 10))
        )));
        // push over-approximates: the two copies are no longer correlated
        let img = v.push(&PacketSet::from_cube(
            Cube::all().with(Field::Src, iv(0, 1)),
        ));
        assert!(img.contains(&[0, 0, 1, 0, 0, 0, 0]));
    }

    // ---- property: pull_may / pull_must vs brute force ----

    const ACT: [Field; 3] = [Field::Src, Field::Dst, Field::Proto];

    fn arb_view() -> impl Strategy<Value = (View, Option<(Field, IntervalSet)>)> {
        (
            any::<bool>(),
            prop::option::of((0..3usize, arb_iset())),
            any::<bool>(),
        )
            .prop_map(|(rev, cst, alias)| {
                let mut v = if rev {
                    View::identity().reversed()
                } else {
                    View::identity()
                };
                if alias {
                    v.set(Field::Dst, Origin::Field(Field::Src));
                }
                let cst = cst.map(|(k, s)| (ACT[k], s));
                if let Some((f, s)) = &cst {
                    v.set(*f, Origin::Const(s.clone()));
                }
                (v, cst)
            })
    }

    /// Current packet read off original `p` with const value `c`.
    fn cur(v: &View, p: &Pt, c: u128) -> Pt {
        Field::ALL.map(|f| match v.get(f) {
            Origin::Field(g) => p[*g as usize],
            Origin::Const(_) => c,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn pull_matches_brute_force((v, cst) in arb_view(), s in arb_cubes(ACT)) {
            let u = universe(ACT);
            let set = build(&s);
            // the current packet is in s iff it is in the model (inactive fields are full)
            let in_s = |q: &Pt| Field::ALL.iter().all(|&f| ACT.contains(&f) || q[f as usize] == 0)
                && model(&s, std::slice::from_ref(q)).contains(q);
            let choices: Vec<u128> = match &cst {
                Some((_, vs)) => (0..8u128).filter(|x| vs.contains(*x)).collect(),
                None => vec![0],
            };
            let may = v.pull_may(&set);
            let must = v.pull_must(&set);
            prop_assert!(disjoint(&may) && disjoint(&must));
            let want_may: BTreeSet<Pt> = u.iter().filter(|p| choices.iter().any(|&c| in_s(&cur(&v, p, c)))).copied().collect();
            let want_must: BTreeSet<Pt> = u.iter().filter(|p| choices.iter().all(|&c| in_s(&cur(&v, p, c)))).copied().collect();
            prop_assert_eq!(points(&may, &u), want_may);
            prop_assert_eq!(points(&must, &u), want_must);
            prop_assert!(cst.is_some() || must.same_as(&may));
            // push of the pulled set lands inside s restricted to the const domain
            let img = v.push(&may);
            prop_assert!(disjoint(&img));
            for p in points(&may, &u) {
                for &c in &choices {
                    prop_assert!(img.contains(&cur(&v, &p, c)));
                }
            }
        }
    }
}
