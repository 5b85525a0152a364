//! Exact packet-set algebra ("header space").
//!
//! A packet has seven header fields ([`Field`]). A set of packets
//! ([`PacketSet`]) is a finite union of pairwise-disjoint axis-aligned boxes
//! ([`Cube`]), each field of a box being an inclusive [`Interval`].
//! Queries and firewall/ACL rules are boxes (a CIDR is one interval, a port
//! range is one interval), so sets stay small and every operation is a
//! quadratic number of box operations.
//!
//! Addresses live in a single 128-bit space: IPv6 addresses are themselves,
//! IPv4 `a.b.c.d` is the v4-mapped `::ffff:a.b.c.d` (see [`V4_MAPPED`]).
//!
//! [`View`]s pull packet sets back through header rewrites (NAT, reply
//! direction).

mod addr;
mod cube;
mod field;
mod fmt;
mod interval;
mod many;
mod set;
mod view;

pub use addr::{V4_MAPPED, addr, addr_of, all_v4, all_v6, cidrs, prefix};
pub use cube::Cube;
pub use field::Field;
pub use fmt::addr_items;
pub use interval::{Interval, IntervalSet, Place};
pub use set::PacketSet;
pub use view::{Origin, View};
