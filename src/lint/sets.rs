//! Address sets as the checks compare them: exact interval sets over the
//! engine's address space (IPv4 and IPv6 alike).

use crate::hs::IntervalSet;

/// The interval set of one CIDR.
pub(super) fn cidr(n: &ipnet::IpNet) -> IntervalSet {
    crate::engine::sets::cidr_set(n)
}

/// Whether two address sets share an address.
pub(super) fn meets(a: &IntervalSet, b: &IntervalSet) -> bool {
    !a.intersect(b).is_empty()
}
