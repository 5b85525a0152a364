//! Terms: bit-vector helpers, address predicates, the header (`Hdr`), the outcome of a place (`Out`) and filters (`Filter`).

use std::net::IpAddr;

use ::z3::ast::{Ast, BV, Bool};
use ipnet::IpNet;

use crate::hs;
use crate::model::aws::SPECIAL_BLOCKS;

// ---------- terms ----------

pub(super) fn num(v: u128, width: u32) -> BV {
    if width <= 64 {
        BV::from_u64(v as u64, width)
    } else {
        let hi = BV::from_u64((v >> 64) as u64, width - 64);
        hi.concat(BV::from_u64(v as u64, 64))
    }
}

pub(super) fn tt() -> Bool {
    Bool::from_bool(true)
}

pub(super) fn ff() -> Bool {
    Bool::from_bool(false)
}

pub(super) fn and(xs: &[Bool]) -> Bool {
    match xs {
        [] => tt(),
        [x] => x.clone(),
        _ => Bool::and(xs),
    }
}

pub(super) fn or(xs: &[Bool]) -> Bool {
    match xs {
        [] => ff(),
        [x] => x.clone(),
        _ => Bool::or(xs),
    }
}

/// False for sure (after simplification): the branch can be pruned.
pub(super) fn never(b: &Bool) -> bool {
    b.simplify().as_bool() == Some(false)
}

pub(super) fn always(b: &Bool) -> bool {
    b.simplify().as_bool() == Some(true)
}

pub(super) fn between(x: &BV, lo: u128, hi: u128) -> Bool {
    let w = x.get_size();
    let max = if w >= 128 {
        u128::MAX
    } else {
        (1u128 << w) - 1
    };
    let mut c = Vec::new();
    if lo > 0 {
        c.push(x.bvuge(num(lo, w)));
    }
    if hi < max {
        c.push(x.bvule(num(hi, w)));
    }
    and(&c)
}

pub(super) fn addr(ip: IpAddr) -> BV {
    num(hs::addr(ip), 128)
}

/// `x` is an IPv4 address (`::ffff:0:0/96`).
pub(super) fn is_v4(x: &BV) -> Bool {
    x.extract(127, 32).eq(num(0xffff, 96))
}

/// `x` is in the prefix. IPv6 prefixes never contain IPv4 (v4-mapped) addresses.
pub(super) fn in_cidr(x: &BV, net: &IpNet) -> Bool {
    match net {
        IpNet::V4(n) => {
            let len = u32::from(n.prefix_len());
            let mut c = vec![is_v4(x)];
            if len > 0 {
                let bits = u128::from(u32::from(n.network()) >> (32 - len));
                c.push(x.extract(31, 32 - len).eq(num(bits, len)));
            }
            and(&c)
        }
        IpNet::V6(n) => {
            let len = u32::from(n.prefix_len());
            let mut c = vec![is_v4(x).not()];
            if len > 0 {
                let bits = u128::from(n.network()) >> (128 - len);
                c.push(x.extract(127, 128 - len).eq(num(bits, len)));
            }
            and(&c)
        }
    }
}

/// In a private or special-purpose block ([`SPECIAL_BLOCKS`]): never routed on the internet.
pub(super) fn special(x: &BV) -> Bool {
    let c: Vec<Bool> = SPECIAL_BLOCKS
        .iter()
        .map(|b| in_cidr(x, &b.parse().expect("static cidr")))
        .collect();
    or(&c)
}

/// Public internet addresses: IPv4 outside the special blocks, and global-unicast IPv6.
pub(super) fn public(x: &BV) -> Bool {
    Bool::or(&[
        Bool::and(&[is_v4(x), special(x).not()]),
        in_cidr(
            x,
            &crate::model::aws::PUBLIC_V6.parse().expect("static cidr"),
        ),
    ])
}

/// `x` is in one of the prefixes.
pub(super) fn in_any(x: &BV, nets: &[IpNet]) -> Bool {
    or(&nets.iter().map(|n| in_cidr(x, n)).collect::<Vec<_>>())
}

/// A packet's header as it is on the wire, as terms over the original packet and the choices.
#[derive(Clone)]
pub(super) struct Hdr {
    pub(super) proto: BV,
    pub(super) src: BV,
    pub(super) dst: BV,
    pub(super) sport: BV,
    pub(super) dport: BV,
    pub(super) itype: BV,
    pub(super) icode: BV,
}

/// How a branch ends: `ok` = there and back; `unk` = undecidable; else
/// fails. `unsup`: the branch reaches a case the encoding does not decide
/// ([`Enc::unsupported`]); a packet of the query there makes the whole
/// check [`ProveError::Unsupported`].
#[derive(Clone)]
pub(super) struct Out {
    pub(super) ok: Bool,
    pub(super) unk: Bool,
    pub(super) unsup: Bool,
}

impl Out {
    pub(super) fn fail() -> Out {
        Out::when(ff())
    }
    pub(super) fn unknown() -> Out {
        Out {
            ok: ff(),
            unk: tt(),
            unsup: ff(),
        }
    }
    pub(super) fn when(b: Bool) -> Out {
        Out {
            ok: b,
            unk: ff(),
            unsup: ff(),
        }
    }
}

/// First matching case wins; `default` when none does.
pub(super) fn chain(cases: Vec<(Bool, Out)>, default: Out) -> Out {
    cases.into_iter().rev().fold(default, |acc, (c, o)| Out {
        ok: c.ite(&o.ok, &acc.ok),
        unk: c.ite(&o.unk, &acc.unk),
        unsup: c.ite(&o.unsup, &acc.unsup),
    })
}

/// A filter (security groups, network ACL): passes, or else undecided when `unk`.
#[derive(Clone)]
pub(super) struct Filter {
    pub(super) pass: Bool,
    pub(super) unk: Bool,
}

impl Filter {
    pub(super) fn all() -> Filter {
        Filter {
            pass: tt(),
            unk: ff(),
        }
    }
    /// This filter, then `next`.
    pub(super) fn then(self, next: Filter) -> Filter {
        Filter {
            unk: self.pass.ite(&next.unk, &self.unk),
            pass: Bool::and(&[self.pass, next.pass]),
        }
    }
}
