//! A set of packets in flight, kept in the coordinates of the *original* query
//! packet, plus a [`View`] telling how each field of the packet on the wire now
//! reads the original one (after NAT and in the reply direction).

use crate::hs::{Field, IntervalSet, Origin as Src, PacketSet, View};

/// `all`: original packets that get this far whatever the network chooses
/// (e.g. the NAT gateway's source port); `some`: those that get this far for at
/// least one choice. `all ⊆ some`; they differ only after a rewrite to a range.
#[derive(Clone, Debug)]
pub struct Flow {
    pub all: PacketSet,
    pub some: PacketSet,
    pub view: View,
}

impl Flow {
    pub fn new(set: PacketSet) -> Flow {
        Flow {
            all: set.clone(),
            some: set,
            view: View::identity(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.some.is_empty()
    }

    /// The packets as they are on the wire now (over-approximated when two
    /// current fields read one original field).
    pub fn image(&self) -> PacketSet {
        self.view.push(&self.some)
    }

    /// Values a current field can take.
    pub fn current(&self, f: Field) -> IntervalSet {
        match self.view.get(f) {
            Src::Const(v) => v.clone(),
            Src::Field(g) => self.some.project(*g),
        }
    }

    /// Splits by a set of *current* packets: (inside, outside). Exact under
    /// the view: `inside.all` holds for every network choice, `inside.some`
    /// for at least one; likewise for `outside`.
    pub fn split(&self, current: &PacketSet) -> (Flow, Flow) {
        let img = self.image();
        let a = img.intersect(current);
        let b = img.difference(&a);
        let may_in = self.view.pull_may(&a);
        let may_out = self.view.pull_may(&b);
        let inside = Flow {
            all: self.all.difference(&may_out),
            some: self.some.intersect(&may_in),
            view: self.view.clone(),
        };
        let outside = Flow {
            all: self.all.difference(&may_in),
            some: self.some.intersect(&may_out),
            view: self.view.clone(),
        };
        (inside, outside)
    }

    /// Splits by the values of one current field.
    pub fn split_field(&self, f: Field, vals: &IntervalSet) -> (Flow, Flow) {
        self.split(&PacketSet::product(&[(f, vals.clone())]))
    }

    pub fn rewrite(&mut self, f: Field, origin: Src) {
        self.view.set(f, origin);
    }

    /// The same packets seen in the reply direction.
    pub fn reversed(&self) -> Flow {
        Flow {
            all: self.all.clone(),
            some: self.some.clone(),
            view: self.view.reversed(),
        }
    }
}
