//! Address sets as a person reads them: "every public IPv4 address outside
//! the input except 203.0.113.0/24", not 97 CIDRs.
//!
//! A set is written against the named *universes* it lies in (every IPv4
//! address, every public one, every public one outside the input), as the
//! universe minus what it lacks, when that is shorter than its CIDRs.

use crate::engine::{internet_sources, public_addresses};
use crate::hs::{self, IntervalSet};
use crate::model::Network;

/// Named address sets summaries may be written against.
#[derive(Clone, Debug)]
pub struct Names {
    /// (name after "every", the set), per family, most specific first.
    v4: Vec<(&'static str, IntervalSet)>,
    v6: Vec<(&'static str, IntervalSet)>,
    /// At most this many CIDRs per list (`None`: all of them).
    limit: Option<usize>,
}

impl Names {
    /// The universes of `net`: the internet as `reach` defines it (public
    /// addresses outside the input), public addresses, and each family.
    pub fn new(net: &Network, limit: Option<usize>) -> Names {
        let mut n = Names::plain(limit);
        let internet = internet_sources(net);
        n.v4.insert(
            0,
            (
                "public IPv4 address outside the input",
                internet.intersect(&hs::all_v4()),
            ),
        );
        n.v6.insert(
            0,
            (
                "public IPv6 address outside the input",
                internet.difference(&hs::all_v4()),
            ),
        );
        n
    }

    /// The universes that need no network: public addresses and each family.
    pub fn plain(limit: Option<usize>) -> Names {
        let public = public_addresses();
        Names {
            v4: vec![
                ("public IPv4 address", public.intersect(&hs::all_v4())),
                ("IPv4 address", hs::all_v4()),
            ],
            v6: vec![
                ("public IPv6 address", public.difference(&hs::all_v4())),
                ("IPv6 address", hs::all_v6()),
            ],
            limit,
        }
    }

    fn list(&self, items: &[String]) -> String {
        match self.limit {
            Some(max) if items.len() > max => format!(
                "{}, … ({} more)",
                items[..max].join(", "),
                items.len() - max
            ),
            _ => items.join(", "),
        }
    }

    /// One family's part: its CIDRs, or "every U[ except …]" when shorter.
    fn part(&self, s: &IntervalSet, universes: &[(&'static str, IntervalSet)]) -> String {
        let plain = hs::addr_items(s);
        let mut best: Option<(usize, String)> = None;
        // A universe costs one item more than what it lacks: none beats a
        // single CIDR, and what it lacks takes at least one CIDR per
        // interval but one (an IPv6 cover may join two across the
        // v4-mapped range): counted before any is written out.
        if plain.len() <= 1 {
            return self.list(&plain);
        }
        // A reading of `cost` items loses to the CIDRs or to the best so far.
        let beaten = |cost: usize, best: &Option<(usize, String)>| {
            cost >= plain.len() || best.as_ref().is_some_and(|(c, _)| *c <= cost)
        };
        for (name, u) in universes {
            if u.is_empty() || !s.is_subset(u) {
                continue;
            }
            let lacks = u.difference(s);
            let at_least = lacks.intervals().len().max(1);
            if beaten(at_least, &best) {
                continue;
            }
            let rest = hs::addr_items(&lacks);
            let cost = rest.len() + 1;
            if beaten(cost, &best) {
                continue;
            }
            let text = if rest.is_empty() {
                format!("every {name}")
            } else {
                format!("every {name} except {}", self.list(&rest))
            };
            best = Some((cost, text));
        }
        best.map(|(_, t)| t).unwrap_or_else(|| self.list(&plain))
    }

    /// `s` as a person reads it (`none` when empty).
    pub fn addresses(&self, s: &IntervalSet) -> String {
        if s.is_empty() {
            return "none".into();
        }
        if *s == hs::all_v4().union(&hs::all_v6()) {
            return "any address".into();
        }
        let v4 = s.intersect(&hs::all_v4());
        let v6 = s.difference(&hs::all_v4());
        let mut parts = Vec::new();
        if !v4.is_empty() {
            parts.push(self.part(&v4, &self.v4));
        }
        if !v6.is_empty() {
            parts.push(self.part(&v6, &self.v6));
        }
        if parts.iter().any(|p| p.starts_with("every ")) {
            parts.join(" and ")
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cidrs: &[&str]) -> IntervalSet {
        cidrs.iter().fold(IntervalSet::empty(), |a, c| {
            a.union(&hs::prefix(c.parse().unwrap()))
        })
    }

    #[test]
    fn a_few_cidrs_stay_cidrs() {
        let n = Names::plain(Some(8));
        assert_eq!(n.addresses(&set(&["10.0.0.0/24"])), "10.0.0.0/24");
        assert_eq!(n.addresses(&set(&["0.0.0.0/0"])), "0.0.0.0/0");
        assert_eq!(n.addresses(&set(&["::/0"])), "::/0");
        assert_eq!(
            n.addresses(&set(&["10.0.0.0/24", "2001:db8::/64"])),
            "10.0.0.0/24, 2001:db8::/64"
        );
        assert_eq!(n.addresses(&IntervalSet::empty()), "none");
    }

    #[test]
    fn public_minus_a_range_reads_as_that() {
        let n = Names::plain(Some(8));
        let public = public_addresses().intersect(&hs::all_v4());
        let s = public.difference(&set(&["203.0.113.0/24"]));
        assert_eq!(
            n.addresses(&s),
            "every public IPv4 address except 203.0.113.0/24"
        );
        assert_eq!(n.addresses(&public), "every public IPv4 address");
        let all_but = hs::all_v4().difference(&set(&["10.0.0.0/8", "192.168.0.0/16"]));
        assert_eq!(
            n.addresses(&all_but),
            "every IPv4 address except 10.0.0.0/8, 192.168.0.0/16"
        );
        let v6 = set(&["2000::/3"]).difference(&set(&["2001:db8::/32"]));
        assert_eq!(
            n.addresses(&v6),
            "every public IPv6 address except 2001:db8::/32"
        );
        // What it lacks is two intervals (around the v4-mapped range) read
        // as one CIDR: not ruled out by counting intervals (three CIDRs
        // against a lack of two intervals and one CIDR: a bound of one
        // item per interval, plus one, would keep the three).
        let v6 = hs::all_v6().difference(&set(&["::/3"]));
        assert_eq!(hs::addr_items(&v6), ["2000::/3", "4000::/2", "8000::/1"]);
        assert_eq!(set(&["::/3"]).intersect(&hs::all_v6()).intervals().len(), 2);
        assert_eq!(n.addresses(&v6), "every IPv6 address except ::/3");
        let v6 = hs::all_v6().difference(&set(&["::/8"]));
        assert_eq!(n.addresses(&v6), "every IPv6 address except ::/8");
    }

    #[test]
    fn long_lists_are_cut_only_with_a_limit() {
        let s = (0..20).fold(IntervalSet::empty(), |a, k| {
            a.union(&hs::prefix(format!("10.0.{}.0/24", k * 2).parse().unwrap()))
        });
        let brief = Names::plain(Some(8)).addresses(&s);
        assert!(brief.ends_with("… (12 more)"), "{brief}");
        let full = Names::plain(None).addresses(&s);
        assert!(
            !full.contains('…') && full.matches(", ").count() == 19,
            "{full}"
        );
    }
}
