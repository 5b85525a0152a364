//! A set of packets in flight, kept in the coordinates of the *original* query
//! packet, plus, for each field of the packet on the wire now, where its value
//! comes from: an original field (after a swap for the reply direction) or a
//! value the network chose (a NAT port, the address of some interface).
//!
//! A choice is made once per connection and then met by every later filter,
//! both ways. So "passes for some choice" is kept exactly, as a union of
//! branches `original packets × one box of choice values`: a filter on a chosen
//! field narrows the branch's choice box instead of forgetting it, and a reply
//! that meets the same chosen port at two ACLs must pass both with one value.

use crate::hs::{Field, IntervalSet, Origin as HsOrigin, PacketSet, Place, View};

/// Where a current field's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Src {
    /// The original packet's field.
    Field(Field),
    /// A value the network chose (index into the flow's choices).
    Choice(usize),
}

/// Original packets with one box of choice values (indexed like `Flow::domains`).
#[derive(Clone, Debug)]
struct Branch {
    orig: PacketSet,
    choices: Vec<IntervalSet>,
}

/// `all`: original packets that get this far whatever the network chooses
/// (e.g. the NAT gateway's source port); `some`: those that get this far for at
/// least one choice. `all ⊆ some`; they differ only after a rewrite to a range.
#[derive(Clone, Debug)]
pub struct Flow {
    pub all: PacketSet,
    /// The union of the branches' original packets.
    pub some: PacketSet,
    srcs: [Src; 7],
    /// Each choice's whole range.
    domains: Vec<IntervalSet>,
    branches: Vec<Branch>,
}

/// Whether the union of `boxes` (one interval set per dimension each) holds
/// every point of the box `whole`.
fn covers(whole: &[IntervalSet], boxes: &[&[IntervalSet]]) -> bool {
    let Some((first, rest)) = whole.split_first() else {
        return !boxes.is_empty();
    };
    if first.is_empty() {
        return true;
    }
    // Cut the first dimension where any box's first dimension starts or ends.
    let mut cuts: Vec<u128> = Vec::new();
    for b in boxes {
        for i in b[0].intersect(first).intervals() {
            cuts.push(i.lo);
            if i.hi < u128::MAX {
                cuts.push(i.hi + 1);
            }
        }
    }
    for i in first.intervals() {
        cuts.push(i.lo);
    }
    cuts.sort_unstable();
    cuts.dedup();
    for i in first.intervals() {
        let starts: Vec<u128> = cuts
            .iter()
            .copied()
            .filter(|c| *c >= i.lo && *c <= i.hi)
            .collect();
        for (k, lo) in starts.iter().enumerate() {
            let hi = starts.get(k + 1).map_or(i.hi, |n| n - 1);
            // Every box holding this whole segment; the rest must be covered by them.
            let inner: Vec<&[IntervalSet]> = boxes
                .iter()
                .filter(|b| {
                    let seg = IntervalSet::from_interval(crate::hs::Interval { lo: *lo, hi });
                    seg.difference(&b[0]).is_empty()
                })
                .map(|b| &b[1..])
                .collect();
            if inner.is_empty() || !covers(rest, &inner) {
                return false;
            }
        }
    }
    true
}

/// At most this many regions are tracked when combining leaves; beyond, the
/// per-leaf `all` sets are kept (an under-approximation: `partial` where a
/// finer split would show `reachable`, never the reverse).
const MAX_REGIONS: usize = 256;

impl Flow {
    /// The original packets that get through whatever the network chooses,
    /// given the leaves `flows` of one walk that all got through: a choice
    /// split across two leaves (one chosen address routed one way, the rest
    /// another) counts as covered when together they cover every choice.
    pub fn all_of_union(flows: &[&Flow]) -> PacketSet {
        let mut out = PacketSet::union_all(flows.iter().map(|f| &f.all), Field::Dst);
        // Leaves of one connection share its choices; group them by those.
        let mut groups: Vec<(&Vec<IntervalSet>, Vec<&Branch>)> = Vec::new();
        for f in flows.iter().filter(|f| !f.domains.is_empty()) {
            if f.domains.len() > Field::ALL.len() {
                continue;
            }
            match groups.iter_mut().find(|(d, _)| **d == f.domains) {
                Some((_, bs)) => bs.extend(f.branches.iter()),
                None => groups.push((&f.domains, f.branches.iter().collect())),
            }
        }
        for (domains, branches) in groups {
            let start = branches
                .iter()
                .fold(PacketSet::empty(), |acc, b| acc.union(&b.orig));
            // Regions of original packets, with the choice boxes that succeed there.
            let mut regions: Vec<(PacketSet, Vec<&[IntervalSet]>)> = vec![(start, Vec::new())];
            let mut gave_up = false;
            for b in &branches {
                if b.choices.len() != domains.len() {
                    gave_up = true;
                    break;
                }
                let mut next = Vec::new();
                for (r, covered) in regions {
                    let inside = r.intersect(&b.orig);
                    let outside = r.difference(&b.orig);
                    if !inside.is_empty() {
                        let mut c = covered.clone();
                        c.push(&b.choices);
                        next.push((inside, c));
                    }
                    if !outside.is_empty() {
                        next.push((outside, covered));
                    }
                }
                regions = next;
                if regions.len() > MAX_REGIONS {
                    gave_up = true;
                    break;
                }
            }
            if gave_up {
                continue;
            }
            for (r, covered) in regions {
                if covers(domains, &covered) {
                    out = out.union(&r);
                }
            }
        }
        out
    }

    pub fn new(set: PacketSet) -> Flow {
        Flow {
            all: set.clone(),
            some: set.clone(),
            srcs: Field::ALL.map(Src::Field),
            domains: Vec::new(),
            branches: vec![Branch {
                orig: set,
                choices: Vec::new(),
            }],
        }
    }

    /// The flow reduced to what a report of a finished path reads, its
    /// packets (`some`): `all` and the choices are dropped, so it may not
    /// be walked or split again (for answers kept by the thousand:
    /// `exposure`).
    pub fn into_reported(self) -> Flow {
        Flow {
            all: PacketSet::empty(),
            some: self.some,
            srcs: self.srcs,
            domains: Vec::new(),
            branches: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.some.is_empty()
    }

    fn view_with(&self, choices: &[IntervalSet]) -> View {
        let mut v = View::identity();
        for f in Field::ALL {
            v.set(
                f,
                match &self.srcs[f as usize] {
                    Src::Field(g) => HsOrigin::Field(*g),
                    Src::Choice(i) => HsOrigin::Const(choices[*i].clone()),
                },
            );
        }
        v
    }

    /// The view over every choice's whole range.
    fn view(&self) -> View {
        self.view_with(&self.domains)
    }

    /// Where a current field's value comes from (to restore it later).
    pub fn source(&self, f: Field) -> Src {
        self.srcs[f as usize].clone()
    }

    /// The packets as they are on the wire now (over-approximated when two
    /// current fields read one original field).
    pub fn image(&self) -> PacketSet {
        let mut out = PacketSet::empty();
        for b in &self.branches {
            out = out.union(&self.view_with(&b.choices).push(&b.orig));
        }
        out
    }

    /// Values a current field can take.
    pub fn current(&self, f: Field) -> IntervalSet {
        let mut out = IntervalSet::empty();
        for b in &self.branches {
            let v = match &self.srcs[f as usize] {
                Src::Field(g) => b.orig.project(*g),
                Src::Choice(i) => b.choices[*i].clone(),
            };
            out = out.union(&v);
        }
        out
    }

    /// Splits by a set of *current* packets: (inside, outside). Exact:
    /// `inside.all` holds for every network choice, `inside.some` for at
    /// least one, and the choices that get inside are remembered.
    pub fn split(&self, current: &PacketSet) -> (Flow, Flow) {
        // Nothing chosen: every packet that gets this far does so whatever
        // the network chooses (`all` = `some`), and the current packets are
        // the original ones, their fields perhaps in another order.
        if self.domains.is_empty() {
            let parts = if self.identity() {
                let inside = self.some.intersect(current);
                let outside = self.some.difference(&inside);
                Some((inside, outside))
            } else {
                // Fields read in another order (the reply direction): the
                // same, through the view both ways.
                let view = self.view();
                view.is_permutation().then(|| {
                    let img = view.push(&self.some);
                    let a = img.intersect(current);
                    let b = img.difference(&a);
                    (view.pull_may(&a), view.pull_may(&b))
                })
            };
            if let Some((inside, outside)) = parts {
                let whole = |set: PacketSet| self.no_choice(set.clone(), set);
                return (whole(inside), whole(outside));
            }
        }
        self.split_choices(current)
    }

    /// [`Flow::split`] in general: branch by branch, each choice box
    /// narrowed to what gets inside and outside.
    fn split_choices(&self, current: &PacketSet) -> (Flow, Flow) {
        let view = self.view();
        let img = view.push(&self.some);
        let a = img.intersect(current);
        let b = img.difference(&a);
        let may_in = view.pull_may(&a);
        let may_out = view.pull_may(&b);
        let mut inside = self.with_branches(Vec::new());
        let mut outside = self.with_branches(Vec::new());
        inside.all = self.all.difference(&may_out);
        outside.all = self.all.difference(&may_in);
        if self.domains.is_empty() {
            // No choice: the original packets decide alone.
            let b0 = &self.branches[0];
            inside.push(b0.orig.intersect(&may_in), Vec::new());
            outside.push(b0.orig.intersect(&may_out), Vec::new());
        } else {
            for br in &self.branches {
                let v = self.view_with(&br.choices);
                let img = v.push(&br.orig);
                let hit = img.intersect(current);
                let miss = img.difference(&hit);
                for (side, cubes) in [(&mut inside, hit), (&mut outside, miss)] {
                    for c in cubes.cubes() {
                        let part = PacketSet::from_cubes(vec![c.clone()]);
                        let orig = br.orig.intersect(&v.pull_may(&part));
                        let mut choices = br.choices.clone();
                        for f in Field::ALL {
                            if let Src::Choice(i) = &self.srcs[f as usize] {
                                choices[*i] =
                                    choices[*i].intersect(&IntervalSet::from_interval(c.get(f)));
                            }
                        }
                        side.push(orig, choices);
                    }
                }
            }
        }
        inside.finish();
        outside.finish();
        (inside, outside)
    }

    /// Whether every current field reads its own original field.
    fn identity(&self) -> bool {
        Field::ALL
            .iter()
            .all(|f| self.srcs[*f as usize] == Src::Field(*f))
    }

    fn with_branches(&self, branches: Vec<Branch>) -> Flow {
        Flow {
            all: PacketSet::empty(),
            some: PacketSet::empty(),
            srcs: self.srcs.clone(),
            domains: self.domains.clone(),
            branches,
        }
    }

    /// Adds a branch, merged into one with the same choices.
    fn push(&mut self, orig: PacketSet, choices: Vec<IntervalSet>) {
        if orig.is_empty() || choices.iter().any(IntervalSet::is_empty) {
            return;
        }
        match self.branches.iter_mut().find(|b| b.choices == choices) {
            Some(b) => b.orig = b.orig.union(&orig),
            None => self.branches.push(Branch { orig, choices }),
        }
    }

    fn finish(&mut self) {
        let mut some = PacketSet::empty();
        for b in &mut self.branches {
            b.orig.coalesce();
            some = some.union(&b.orig);
        }
        if self.branches.is_empty() {
            self.branches.push(Branch {
                orig: PacketSet::empty(),
                choices: self.domains.clone(),
            });
        }
        some.coalesce();
        self.all = self.all.intersect(&some);
        self.some = some;
    }

    /// The original field current field `f` reads, when the network chose
    /// nothing on the way (a one-pass split is then a split of the sets).
    fn unchosen(&self, f: Field) -> Option<Field> {
        match self.srcs[f as usize] {
            Src::Field(g) if self.domains.is_empty() => Some(g),
            _ => None,
        }
    }

    /// A part of this flow, no choice made: its packets for every choice
    /// (`all`) and for some (`some`).
    fn no_choice(&self, all: PacketSet, some: PacketSet) -> Flow {
        let mut part = self.with_branches(vec![Branch {
            orig: some.clone(),
            choices: Vec::new(),
        }]);
        part.all = all;
        part.some = some;
        part
    }

    /// Splits by single values of one current field in one pass: a flow per
    /// point (sorted, distinct; empty where no packet has it) and the rest.
    /// `None` when the network chooses values on the way (then split point
    /// by point with [`Flow::split_field`]).
    pub fn split_points(&self, f: Field, points: &[u128]) -> Option<(Vec<Flow>, Flow)> {
        let g = self.unchosen(f)?;
        let no_choice = |all, some| self.no_choice(all, some);
        let parts = self
            .all
            .split_at_points(g, points)
            .into_iter()
            .zip(self.some.split_at_points(g, points))
            .map(|(all, some)| no_choice(all, some))
            .collect();
        let others = IntervalSet::full(g).difference(&IntervalSet::from_intervals(
            points.iter().map(|p| crate::hs::Interval::point(*p)),
        ));
        let rest = no_choice(
            self.all.restrict(g, &others),
            self.some.restrict(g, &others),
        );
        Some((parts, rest))
    }

    /// Splits by pairwise-disjoint value sets of one current field in one
    /// pass: a flow per set (empty where no packet has its values) and the
    /// rest. `None` when the network chooses values on the way (then split
    /// set by set with [`Flow::split_field`]).
    pub fn split_sets(&self, f: Field, sets: &[IntervalSet]) -> Option<(Vec<Flow>, Flow)> {
        let g = self.unchosen(f)?;
        let no_choice = |all, some| self.no_choice(all, some);
        let (alls, all_rest) = self.all.split_by_sets(g, sets);
        let (somes, some_rest) = self.some.split_by_sets(g, sets);
        let parts = alls
            .into_iter()
            .zip(somes)
            .map(|(all, some)| no_choice(all, some))
            .collect();
        Some((parts, no_choice(all_rest, some_rest)))
    }

    /// Splits by the values of one current field. When every value the
    /// field can take (for every choice) lies inside `vals`, or none does,
    /// the flow goes whole to one side without set operations: most routes,
    /// ACL entries and rules a flow meets take all of it or nothing.
    pub fn split_field(&self, f: Field, vals: &IntervalSet) -> (Flow, Flow) {
        match self.place_on(f, vals) {
            Place::Outside => (self.emptied(), self.clone()),
            Place::Inside => (self.clone(), self.emptied()),
            Place::Partial => self.split(&PacketSet::product(&[(f, vals.clone())])),
        }
    }

    /// Where the values current field `f` can take lie against `vals`.
    fn place_on(&self, f: Field, vals: &IntervalSet) -> Place {
        if self.is_empty() {
            return Place::Outside;
        }
        match &self.srcs[f as usize] {
            Src::Field(g) => self.some.place_on(*g, vals),
            Src::Choice(i) => {
                let mut out: Option<Place> = None;
                for b in self.branches.iter().filter(|b| !b.orig.is_empty()) {
                    for iv in b.choices[*i].intervals() {
                        let p = vals.place_of(iv);
                        out = Some(out.map_or(p, |o| o.and(p)));
                        if out == Some(Place::Partial) {
                            return Place::Partial;
                        }
                    }
                }
                out.unwrap_or(Place::Outside)
            }
        }
    }

    /// No packets, with this flow's rewrites and choices.
    fn emptied(&self) -> Flow {
        let mut f = self.with_branches(Vec::new());
        f.finish();
        f
    }

    /// The current field now reads an original field, or a value the network
    /// chooses from a set (a new choice; a single value is no choice).
    pub fn rewrite(&mut self, f: Field, origin: HsOrigin) {
        let src = match origin {
            HsOrigin::Field(g) => Src::Field(g),
            HsOrigin::Const(set) => {
                let i = self.domains.len();
                self.domains.push(set.clone());
                for b in &mut self.branches {
                    b.choices.push(set.clone());
                }
                Src::Choice(i)
            }
        };
        self.srcs[f as usize] = src;
    }

    /// The current field reads again what it read before (a NAT gateway
    /// translating a reply back).
    pub fn restore(&mut self, f: Field, src: Src) {
        self.srcs[f as usize] = src;
    }

    /// The same packets seen in the reply direction.
    pub fn reversed(&self) -> Flow {
        let mut r = self.clone();
        r.srcs.swap(Field::Src as usize, Field::Dst as usize);
        r.srcs
            .swap(Field::SrcPort as usize, Field::DstPort as usize);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hs::Interval;

    fn ports(lo: u128, hi: u128) -> IntervalSet {
        IntervalSet::from_interval(Interval { lo, hi })
    }

    /// The two flows hold the same packets, for every choice and for some.
    fn same_flow(a: &Flow, b: &Flow) -> bool {
        a.all.same_as(&b.all)
            && a.some.same_as(&b.some)
            && Field::ALL
                .iter()
                .all(|f| a.current(*f) == b.current(*f) && a.source(*f) == b.source(*f))
    }

    #[test]
    fn splitting_a_flow_wholly_on_one_side_gives_what_the_full_split_gives() {
        // Original ports 100-200, a chosen source port 1024-2047: values
        // that take all, none or part of a field, on an original field and
        // on a chosen one.
        let mut f = Flow::new(PacketSet::product(&[(Field::DstPort, ports(100, 200))]));
        f.rewrite(Field::SrcPort, HsOrigin::Const(ports(1024, 2047)));
        let cases = [
            (Field::DstPort, ports(0, 1000)),
            (Field::DstPort, ports(300, 400)),
            (Field::DstPort, ports(150, 400)),
            (Field::SrcPort, ports(1000, 3000)),
            (Field::SrcPort, ports(0, 1000)),
            (Field::SrcPort, ports(2000, 3000)),
        ];
        for (field, vals) in cases {
            let (a, b) = f.split_field(field, &vals);
            let (c, d) = f.split(&PacketSet::product(&[(field, vals.clone())]));
            assert!(same_flow(&a, &c) && same_flow(&b, &d), "{field:?} {vals:?}");
        }
        let (inside, outside) = f.split_field(Field::DstPort, &ports(0, 1000));
        assert!(outside.is_empty() && inside.some.same_as(&f.some));
        let (inside, outside) = f.split_field(Field::SrcPort, &ports(0, 1000));
        assert!(inside.is_empty() && outside.some.same_as(&f.some));
    }

    #[test]
    fn a_flow_without_choices_splits_as_the_general_way_does() {
        // Forward (identity) and reply (fields swapped) flows of several
        // boxes, split by sets that cut them in every way.
        let a = PacketSet::product(&[
            (Field::Src, ports(10, 20)),
            (Field::Dst, ports(100, 100)),
            (Field::DstPort, ports(22, 80)),
        ]);
        let b = PacketSet::product(&[
            (Field::Src, ports(30, 40)),
            (Field::Dst, ports(100, 200)),
            (Field::SrcPort, ports(1024, 2047)),
        ]);
        let fwd = Flow::new(a.union(&b));
        for f in [fwd.clone(), fwd.reversed()] {
            for cut in [
                PacketSet::product(&[(Field::Src, ports(15, 35))]),
                PacketSet::product(&[(Field::Dst, ports(12, 150)), (Field::DstPort, ports(0, 30))]),
                PacketSet::product(&[(Field::SrcPort, ports(22, 22))]),
                PacketSet::all(),
                PacketSet::empty(),
            ] {
                let (x, y) = f.split(&cut);
                let (u, v) = f.split_choices(&cut);
                assert!(same_flow(&x, &u) && same_flow(&y, &v), "{cut:?}");
            }
        }
    }

    #[test]
    fn splitting_by_many_sets_gives_what_splitting_one_by_one_gives() {
        let f = Flow::new(PacketSet::product(&[(Field::Dst, ports(0, 99))]));
        let sets = [ports(10, 19), ports(30, 30), ports(50, 200)];
        let (parts, rest) = f.split_sets(Field::Dst, &sets).expect("no choices");
        let mut left = f.clone();
        for (part, set) in parts.iter().zip(&sets) {
            let (hit, miss) = left.split_field(Field::Dst, set);
            assert!(same_flow(part, &hit));
            left = miss;
        }
        assert!(same_flow(&rest, &left));
        // A chosen value: split set by set instead.
        let mut g = f.clone();
        g.rewrite(Field::SrcPort, HsOrigin::Const(ports(1024, 2047)));
        assert!(g.split_sets(Field::Dst, &sets).is_none());
    }

    #[test]
    fn one_chosen_port_must_pass_every_filter_it_meets() {
        // The network picks a source port in 1024-65535; one filter allows
        // 32768-60999, another 1000-2000: no single port passes both.
        let mut f = Flow::new(PacketSet::all());
        f.rewrite(Field::SrcPort, HsOrigin::Const(ports(1024, 65535)));
        let (a, _) = f.split_field(Field::SrcPort, &ports(32768, 60999));
        assert!(!a.some.is_empty() && a.all.is_empty());
        let (b, out) = a.split_field(Field::SrcPort, &ports(1000, 2000));
        assert!(b.some.is_empty(), "no port passes both");
        assert!(out.some.same_as(&PacketSet::all()));
        // Overlapping filters keep the overlap, the reply direction included.
        let (c, _) = a
            .reversed()
            .split_field(Field::DstPort, &ports(40000, 50000));
        assert!(c.some.same_as(&PacketSet::all()) && c.all.is_empty());
        assert_eq!(c.current(Field::DstPort), ports(40000, 50000));
    }

    #[test]
    fn restore_keeps_the_narrowed_choice() {
        let mut f = Flow::new(PacketSet::all());
        f.rewrite(Field::Src, HsOrigin::Const(ports(10, 20)));
        let (f, _) = f.split_field(Field::Src, &ports(10, 12));
        let saved = f.source(Field::Src);
        let mut g = f.clone();
        g.rewrite(Field::Src, HsOrigin::Const(ports(99, 99)));
        g.restore(Field::Src, saved);
        let (h, _) = g.split_field(Field::Src, &ports(15, 20));
        assert!(h.some.is_empty());
        // Without a choice the fast path gives the same answers as before.
        let q = PacketSet::product(&[(Field::DstPort, ports(20, 30))]);
        let (i, o) = Flow::new(q.clone()).split_field(Field::DstPort, &ports(22, 22));
        assert!(i.some.same_as(&i.all) && o.some.same_as(&o.all));
        assert!(i.some.union(&o.some).same_as(&q));
    }
}
