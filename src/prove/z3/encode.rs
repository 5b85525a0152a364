//! Encoding a query scope: the original packet's terms and the whole formula (`Encoding`).

use ::z3::ast::{BV, Bool};

use super::facts::{answering, aws_services};
use super::places::{Access, BackTo, Choice, Conntrack, Dir, Enc, St};
use super::terms::{Hdr, Out, always, and, between, chain, num, or};
use crate::engine::{Query, Start};
use crate::hs::{self, Field, PacketSet};
use crate::model::Network;
use crate::model::node::Node;
use crate::prove::solver::{ProveError, Scope};

/// One scope's encoding.
pub(super) struct Encoding {
    /// The query's packets and the choices' ranges.
    pub(super) domain: Bool,
    pub(super) out: Out,
    pub(super) orig: Hdr,
    pub(super) choices: Vec<Choice>,
    /// What the `unsup` branches of `out` are.
    pub(super) unsupported: Vec<String>,
}

pub(super) fn width(f: Field) -> u32 {
    match f {
        Field::Src | Field::Dst => 128,
        Field::SrcPort | Field::DstPort => 16,
        Field::Proto | Field::IcmpType | Field::IcmpCode => 8,
    }
}

/// The original packet's fields (a constant where the query fixes one value)
/// and the query as a formula over them.
pub(super) fn packet_terms(q: &PacketSet) -> (Hdr, Bool) {
    let mut terms = Vec::new();
    for f in Field::ALL {
        let vals = q.project(f);
        let t = match vals.intervals() {
            [i] if i.lo == i.hi => num(i.lo, width(f)),
            _ => BV::new_const(format!("p.{}", f.name().replace(' ', "_")), width(f)),
        };
        terms.push(t);
    }
    let inside: Vec<Bool> = q
        .cubes()
        .iter()
        .map(|c| {
            let per: Vec<Bool> = Field::ALL
                .iter()
                .map(|&f| {
                    let i = c.get(f);
                    between(&terms[f as usize], i.lo, i.hi)
                })
                .collect();
            and(&per)
        })
        .collect();
    let h = Hdr {
        proto: terms[0].clone(),
        src: terms[1].clone(),
        dst: terms[2].clone(),
        sport: terms[3].clone(),
        dport: terms[4].clone(),
        itype: terms[5].clone(),
        icode: terms[6].clone(),
    };
    (h, or(&inside))
}

/// Builds the encoding of one scope of a query.
pub(super) fn encode(net: &Network, q: &Query, scope: &Scope) -> Result<Encoding, ProveError> {
    let (packets, access) = match (scope, &q.start) {
        (Scope::Client { endpoint, .. }, Start::Client { .. }) => {
            if let Some(ep) = net.client_vpn_endpoints.get(endpoint) {
                (
                    q.packets_from(hs::prefix(ep.client_cidr)),
                    Some(Access::ClientVpn(ep)),
                )
            } else if let Some(ep) = net.va_endpoints.get(endpoint) {
                // Verified Access users connect from anywhere (the Connectivity Client).
                (q.packets(), Some(Access::Va(ep)))
            } else {
                return Err(ProveError::Unsupported(format!(
                    "endpoint `{endpoint}` is not in the input"
                )));
            }
        }
        (Scope::Query, Start::Client { .. }) => {
            return Err(ProveError::Unsupported(
                "a `client` query is checked per endpoint and user".into(),
            ));
        }
        (_, _) => (q.packets(), None),
    };
    let (orig, in_query) = packet_terms(&packets);
    let back_to = match &q.start {
        Start::Interface { eni, .. } => BackTo::Eni(eni.clone()),
        Start::Internet { .. } => BackTo::Internet,
        // Set per association.
        Start::Client { .. } => BackTo::Internet,
    };
    let mut enc = Enc {
        net,
        q,
        back_to,
        domain: vec![in_query],
        choices: Vec::new(),
        fresh: 0,
        association: None,
        unsupported: Vec::new(),
    };
    let st = St {
        dir: Dir::Forward,
        h: orig.clone(),
        ct: Conntrack::default(),
        nodes: 0,
    };
    let out = match (&q.start, access, scope) {
        (Start::Interface { eni, .. }, _, _) => match enc.node_of_eni(eni) {
            // Stopped instances and detached interfaces send nothing.
            Some(Node::Eni(i)) if !answering(net, i) => Out::fail(),
            // AWS-provided services answer an interface on its host.
            Some(node @ Node::Eni(_)) => {
                let (hit, served) = aws_services(net, node.vpc(), &st.h);
                if always(&hit) {
                    served
                } else {
                    let walked = enc.at_node(node, st)?;
                    chain(vec![(hit, served)], walked)
                }
            }
            Some(node) => enc.at_node(node, st)?,
            None => Out::unknown(),
        },
        (Start::Internet { .. }, _, _) => enc.on_internet(st)?,
        (Start::Client { .. }, Some(Access::ClientVpn(ep)), Scope::Client { groups, .. }) => {
            enc.client_vpn(ep, groups, st)?
        }
        (Start::Client { .. }, Some(Access::Va(ep)), Scope::Client { user, .. }) => {
            enc.verified_access(ep, *user, st)?
        }
        _ => return Err(ProveError::Unsupported("this kind of query start".into())),
    };
    Ok(Encoding {
        domain: and(&enc.domain),
        out,
        orig,
        choices: enc.choices,
        unsupported: enc.unsupported,
    })
}
