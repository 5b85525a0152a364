//! Decoding a model of the solver into a concrete [`Packet`].

use ::z3::Model;
use ::z3::ast::BV;

use super::encode::Encoding;
use super::places::Choice;
use crate::hs;
use crate::prove::solver::Packet;

impl Encoding {
    pub(super) fn value(m: &Model, x: &BV) -> u128 {
        let w = x.get_size();
        let part = |hi: u32, lo: u32| {
            m.eval(&x.extract(hi, lo), true)
                .and_then(|v| v.as_u64())
                .map_or(0, u128::from)
        };
        if w <= 64 {
            part(w - 1, 0)
        } else {
            (part(w - 1, 64) << 64) | part(63, 0)
        }
    }

    pub(super) fn packet(&self, m: &Model) -> Packet {
        let v = |x: &BV| Self::value(m, x);
        let n8 = |x: &BV| u8::try_from(v(x)).unwrap_or(u8::MAX);
        let n16 = |x: &BV| u16::try_from(v(x)).unwrap_or(u16::MAX);
        let association = self.choices.iter().find_map(|c| match c {
            Choice::Association(x, ids) => {
                usize::try_from(v(x)).ok().and_then(|i| ids.get(i)).cloned()
            }
            _ => None,
        });
        // Only the choices on the witness's own access path.
        let mine = |on: &Option<String>| on.is_none() || on == &association;
        let mut choices = Vec::new();
        for c in &self.choices {
            match c {
                Choice::Address(what, x, on) if mine(on) => {
                    choices.push((what.clone(), hs::addr_of(v(x)).to_string()));
                }
                Choice::Port(what, x, on) if mine(on) => {
                    choices.push((what.clone(), v(x).to_string()));
                }
                _ => {}
            }
        }
        Packet {
            proto: n8(&self.orig.proto),
            src: v(&self.orig.src),
            dst: v(&self.orig.dst),
            src_port: n16(&self.orig.sport),
            dst_port: n16(&self.orig.dport),
            icmp_type: n8(&self.orig.itype),
            icmp_code: n8(&self.orig.icode),
            association,
            choices,
        }
    }
}
