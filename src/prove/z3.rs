//! The model's semantics in z3 bit-vectors, built straight from the model.
//!
//! One symbolic packet (128-bit addresses in the engine's convention, IPv4 as
//! `::ffff:a.b.c.d`; 16-bit ports; 8-bit protocol, ICMP type and code) and
//! symbolic choices of the network (translated source addresses and ports,
//! the Client VPN association or Verified Access subnet) are walked
//! structurally through the topology: every place a packet can be is a function returning an [`Out`] — "gets
//! there and back" and "undecidable from the input" as two formulas over the
//! packet and the choices; "fails" is neither. Branches (route choice, which
//! interface holds an address) are `if-then-else` chains in the order the
//! first match wins. Header rewrites (NAT, public IPs, the reply direction)
//! replace the header's terms; connection state (which security groups saw
//! the request, which NAT gateways translated it) is concrete along a branch.
//!
//! Then: `fails` = SAT(packet in query ∧ choices in range ∧ ¬ok),
//! `reaches` = SAT(… ∧ ok), `undecided` = SAT(… ∧ unknown). A third formula,
//! `unsup`, marks branches the encoding does not decide; if a packet of the
//! query can take one (SAT first), the answer is [`ProveError::Unsupported`].
//!
//! Real-account semantics (`spec9.md` A–N, from the model, not the engine):
//! IPv6 addresses of a VPC are its internet addresses (in through its
//! internet gateway, or for a reply the egress-only gateway it left by);
//! egress-only gateways carry IPv6 out only; routes in priority order
//! (longest prefix, then static, prefix-list, propagated, then table order);
//! gateway route tables first for what enters through an `igw-`/`vgw-`
//! (appliance targets: the primary ENI, its ACL and groups, then unknown);
//! prefix lists without entries capture only what they could hold; stopped
//! instances and detached ENIs answer nothing; delegated prefixes are their
//! ENI's; idle Elastic IPs forward nowhere; group-less service ENIs are
//! unfiltered, other ENIs without groups undecided, load balancers and
//! gateway ENIs undecided past their groups; AWS-provided services answer an
//! interface unfiltered on their ports; a group outside the input has the
//! input's ENIs that carry it as members and is undecided for addresses an
//! ENI outside the input could have; same-subnet traffic is delivered
//! directly; `vgw-` routes lead on-premises (outside, answering, replies
//! back through the gateway's route table; a reply of an internet
//! connection routed to one never reaches the host). Unsupported: a NAT
//! gateway sending through a virtual private gateway (spec9 does not say).

use std::collections::BTreeSet;
use std::net::IpAddr;

use ::z3::ast::{Ast, BV, Bool};
use ::z3::{Model, Params, SatResult};
use ipnet::IpNet;

use super::{Packet, ProveError, Scope, Solver, Witnesses};
use crate::engine::{Query, Start};
use crate::hs::{self, Field, PacketSet};
use crate::model::{
    Action, ClientVpnAssociation, ClientVpnEndpoint, Interface, NatGateway, Network, Peer,
    PortMatch, Protocol, Route, RouteDest, RouteState, RouteTable, SgRule, Target, VaEndpoint,
    VaTarget,
};

/// Stands for the public IP AWS assigned to a Client VPN association ENI the
/// input lacks (`0.0.0.0`: never a real internet address).
const ASSIGNED_PUBLIC: u128 = 0xffff_0000_0000;
/// Ports a NAT gateway, a Client VPN association or a Verified Access
/// endpoint translates the source port to.
const NAT_PORTS: (u16, u16) = (1024, 65535);
/// Nodes one direction of a walk may pass before it is called a routing loop.
const MAX_NODES: usize = 12;
/// Per solver call.
const TIMEOUT_MS: u32 = 120_000;

/// z3, through the `z3` crate against the system libz3.
#[derive(Debug, Default)]
pub struct Z3Solver;

impl Z3Solver {
    pub fn new() -> Z3Solver {
        Z3Solver
    }
}

impl Solver for Z3Solver {
    fn name(&self) -> &'static str {
        "z3"
    }

    fn witnesses(
        &mut self,
        net: &Network,
        query: &Query,
        scope: &Scope,
    ) -> Result<Witnesses, ProveError> {
        let enc = encode(net, query, scope)?;
        let solver = ::z3::Solver::new();
        let mut params = Params::new();
        params.set_u32("timeout", TIMEOUT_MS);
        solver.set_params(&params);
        solver.assert(&enc.domain);
        let mut w = Witnesses::default();
        // A packet of the query on a branch the encoding does not decide.
        if !never(&enc.out.unsup) {
            solver.push();
            solver.assert(&enc.out.unsup);
            w.queries += 1;
            let r = solver.check();
            solver.pop(1);
            match r {
                SatResult::Unsat => {}
                SatResult::Sat => {
                    return Err(ProveError::Unsupported(enc.unsupported.join("; ")));
                }
                SatResult::Unknown => {
                    return Err(ProveError::Solver {
                        solver: "z3",
                        reason: solver
                            .get_reason_unknown()
                            .unwrap_or_else(|| "unknown".into()),
                    });
                }
            }
        }
        let goals = [enc.out.ok.not(), enc.out.ok.clone(), enc.out.unk.clone()];
        let mut found = Vec::new();
        for goal in goals {
            solver.push();
            solver.assert(&goal);
            w.queries += 1;
            let r = solver.check();
            found.push(match r {
                SatResult::Unsat => None,
                SatResult::Sat => {
                    let m = solver.get_model().ok_or_else(|| ProveError::Solver {
                        solver: "z3",
                        reason: "sat without a model".into(),
                    })?;
                    Some(enc.packet(&m))
                }
                SatResult::Unknown => {
                    return Err(ProveError::Solver {
                        solver: "z3",
                        reason: solver
                            .get_reason_unknown()
                            .unwrap_or_else(|| "unknown".into()),
                    });
                }
            });
            solver.pop(1);
        }
        let mut it = found.into_iter();
        w.fails = it.next().flatten();
        w.reaches = it.next().flatten();
        w.undecided = it.next().flatten();
        Ok(w)
    }
}

// ---------- terms ----------

fn num(v: u128, width: u32) -> BV {
    if width <= 64 {
        BV::from_u64(v as u64, width)
    } else {
        let hi = BV::from_u64((v >> 64) as u64, width - 64);
        hi.concat(BV::from_u64(v as u64, 64))
    }
}

fn tt() -> Bool {
    Bool::from_bool(true)
}

fn ff() -> Bool {
    Bool::from_bool(false)
}

fn and(xs: &[Bool]) -> Bool {
    match xs {
        [] => tt(),
        [x] => x.clone(),
        _ => Bool::and(xs),
    }
}

fn or(xs: &[Bool]) -> Bool {
    match xs {
        [] => ff(),
        [x] => x.clone(),
        _ => Bool::or(xs),
    }
}

/// False for sure (after simplification): the branch can be pruned.
fn never(b: &Bool) -> bool {
    b.simplify().as_bool() == Some(false)
}

fn always(b: &Bool) -> bool {
    b.simplify().as_bool() == Some(true)
}

fn between(x: &BV, lo: u128, hi: u128) -> Bool {
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

fn addr(ip: IpAddr) -> BV {
    num(hs::addr(ip), 128)
}

/// `x` is an IPv4 address (`::ffff:0:0/96`).
fn is_v4(x: &BV) -> Bool {
    x.extract(127, 32).eq(num(0xffff, 96))
}

/// `x` is in the prefix. IPv6 prefixes never contain IPv4 (v4-mapped) addresses.
fn in_cidr(x: &BV, net: &IpNet) -> Bool {
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

/// Private and special-purpose blocks: never routed on the internet.
const SPECIAL: [&str; 10] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/3",
    "fc00::/7",
    "fe80::/10",
];

fn special(x: &BV) -> Bool {
    let c: Vec<Bool> = SPECIAL
        .iter()
        .map(|b| in_cidr(x, &b.parse().expect("static cidr")))
        .collect();
    or(&c)
}

/// Public internet addresses: IPv4 outside the special blocks, and 2000::/3.
fn public(x: &BV) -> Bool {
    Bool::or(&[
        Bool::and(&[is_v4(x), special(x).not()]),
        in_cidr(x, &"2000::/3".parse().expect("static cidr")),
    ])
}

/// `x` is in one of the prefixes.
fn in_any(x: &BV, nets: &[IpNet]) -> Bool {
    or(&nets.iter().map(|n| in_cidr(x, n)).collect::<Vec<_>>())
}

/// Every CIDR of every VPC and subnet of the input.
fn vpc_cidrs(net: &Network) -> Vec<IpNet> {
    net.vpcs
        .values()
        .flat_map(|v| v.cidrs.iter().copied())
        .chain(net.subnets.values().flat_map(|s| s.cidrs.iter().copied()))
        .collect()
}

/// Every address an interface holds: private IPs, IPv6 addresses, delegated prefixes.
fn eni_nets(i: &Interface) -> Vec<IpNet> {
    i.private_ips
        .iter()
        .map(|p| p.address)
        .chain(i.ipv6.iter().copied())
        .map(IpNet::from)
        .chain(i.prefixes.iter().copied())
        .collect()
}

/// The interface answers: `in-use`, and its instance (when the input has it) `running`.
fn answering(net: &Network, i: &Interface) -> bool {
    i.in_use()
        && i.instance
            .as_ref()
            .and_then(|id| net.instances.get(id))
            .is_none_or(|inst| inst.running())
}

/// A load balancer's or gateway's interface: past its groups it forwards to
/// targets the input does not list.
fn forwards_elsewhere(i: &Interface) -> bool {
    matches!(
        i.kind.as_str(),
        "network_load_balancer"
            | "gateway_load_balancer"
            | "gateway_load_balancer_endpoint"
            | "transit_gateway"
    ) || (i.kind == "interface"
        && i.description
            .as_deref()
            .is_some_and(|d| d.starts_with("ELB app/")))
}

/// An instance's primary interface: device index 0, else the first listed
/// (through `Attachment.InstanceId` when the input lacks the instance).
fn instance_primary<'n>(net: &'n Network, id: &str) -> Option<&'n Interface> {
    let enis: Vec<&Interface> = match net.instances.get(id) {
        Some(inst) => inst
            .interfaces
            .iter()
            .filter_map(|e| net.interfaces.get(e))
            .collect(),
        None => net
            .interfaces
            .values()
            .filter(|i| i.instance.as_deref() == Some(id))
            .collect(),
    };
    enis.iter()
        .find(|i| i.device_index == Some(0))
        .or_else(|| enis.first())
        .copied()
}

/// The addresses a prefix list the input has no entries for could hold:
/// `None` when its entries are known. An AWS-managed list holds only public
/// addresses outside the input's VPCs; any other list, anything.
fn unknown_list_region(net: &Network, id: &str, x: &BV) -> Option<Bool> {
    let pl = net.prefix_lists.get(id);
    let region = match pl {
        Some(p) if p.entries.is_some() => return None,
        Some(p) if p.aws_managed() => Bool::and(&[public(x), in_any(x, &vpc_cidrs(net)).not()]),
        _ => tt(),
    };
    // A list holds addresses of its `AddressFamily` only.
    Some(match pl.and_then(|p| p.family) {
        Some(4) => Bool::and(&[region, is_v4(x)]),
        Some(6) => Bool::and(&[region, is_v4(x).not()]),
        _ => region,
    })
}

/// A packet's header as it is on the wire, as terms over the original packet and the choices.
#[derive(Clone)]
struct Hdr {
    proto: BV,
    src: BV,
    dst: BV,
    sport: BV,
    dport: BV,
    itype: BV,
    icode: BV,
}

/// How a branch ends: `ok` = there and back; `unk` = undecidable; else
/// fails. `unsup`: the branch reaches a case the encoding does not decide
/// ([`Enc::unsupported`]); a packet of the query there makes the whole
/// check [`ProveError::Unsupported`].
#[derive(Clone)]
struct Out {
    ok: Bool,
    unk: Bool,
    unsup: Bool,
}

impl Out {
    fn fail() -> Out {
        Out::when(ff())
    }
    fn unknown() -> Out {
        Out {
            ok: ff(),
            unk: tt(),
            unsup: ff(),
        }
    }
    fn when(b: Bool) -> Out {
        Out {
            ok: b,
            unk: ff(),
            unsup: ff(),
        }
    }
}

/// First matching case wins; `default` when none does.
fn chain(cases: Vec<(Bool, Out)>, default: Out) -> Out {
    cases.into_iter().rev().fold(default, |acc, (c, o)| Out {
        ok: c.ite(&o.ok, &acc.ok),
        unk: c.ite(&o.unk, &acc.unk),
        unsup: c.ite(&o.unsup, &acc.unsup),
    })
}

/// A filter (security groups, network ACL): passes, or else undecided when `unk`.
#[derive(Clone)]
struct Filter {
    pass: Bool,
    unk: Bool,
}

impl Filter {
    fn all() -> Filter {
        Filter {
            pass: tt(),
            unk: ff(),
        }
    }
    /// This filter, then `next`.
    fn then(self, next: Filter) -> Filter {
        Filter {
            unk: self.pass.ite(&next.unk, &self.unk),
            pass: Bool::and(&[self.pass, next.pass]),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Forward,
    Return,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Ingress,
    Egress,
}

#[derive(Clone, Default)]
struct Conntrack {
    /// Owners (interface, association) whose security groups saw the request.
    enis: BTreeSet<String>,
    /// NAT gateway, and the source and source port it replaced.
    nats: Vec<(String, BV, BV)>,
    /// VPCs whose egress-only internet gateway the request left through (its
    /// replies may come back in).
    eigw_vpcs: BTreeSet<String>,
    /// A Client VPN association whose ENI the input lacks left for the
    /// internet from the public IP AWS assigned it: the association and the
    /// private address it translated the client to.
    assigned: Option<(String, BV)>,
}

#[derive(Clone)]
struct St {
    dir: Dir,
    h: Hdr,
    ct: Conntrack,
    nodes: usize,
}

#[derive(Clone, Copy)]
enum Node<'n> {
    Eni(&'n Interface),
    Nat(&'n NatGateway),
    Cvpn(&'n ClientVpnEndpoint, &'n ClientVpnAssociation),
    /// A Verified Access endpoint's network interfaces in one of its subnets.
    Va(&'n VaEndpoint, &'n str),
}

impl<'n> Node<'n> {
    fn id(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.id,
            Node::Nat(n) => &n.id,
            Node::Cvpn(_, a) => &a.id,
            Node::Va(e, _) => &e.id,
        }
    }
    fn subnet(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.subnet,
            Node::Nat(n) => &n.subnet,
            Node::Cvpn(_, a) => &a.subnet,
            Node::Va(_, s) => s,
        }
    }
    fn vpc(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.vpc,
            Node::Nat(n) => &n.vpc,
            Node::Cvpn(e, _) => &e.vpc,
            Node::Va(e, _) => &e.vpc,
        }
    }
}

#[derive(Clone, Copy)]
enum Cross<'a> {
    Subnet(&'a str),
    Outside,
}

/// Where a packet entering a VPC through a gateway goes once the gateway's
/// route table lets it in.
#[derive(Clone, Copy)]
enum Entry<'n> {
    /// To the node a public IPv4 address maps to (already translated).
    Public(Node<'n>),
    /// To whichever node of the VPC holds the destination.
    Vpc(&'n str),
}

impl<'n> Entry<'n> {
    fn vpc(&self) -> &'n str {
        match self {
            Entry::Public(n) => n.vpc(),
            Entry::Vpc(v) => v,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
enum BackTo {
    Eni(String),
    Internet,
}

/// A choice of the network, for reporting a witness.
enum Choice {
    /// (what, variable, the association or subnet whose path it is on).
    Address(String, BV, Option<String>),
    Port(String, BV, Option<String>),
    /// Which association (Client VPN) or subnet (Verified Access) carries the packet.
    Association(BV, Vec<String>),
}

/// One scope's encoding.
struct Encoding {
    /// The query's packets and the choices' ranges.
    domain: Bool,
    out: Out,
    orig: Hdr,
    choices: Vec<Choice>,
    /// What the `unsup` branches of `out` are.
    unsupported: Vec<String>,
}

impl Encoding {
    fn value(m: &Model, x: &BV) -> u128 {
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

    fn packet(&self, m: &Model) -> Packet {
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

fn width(f: Field) -> u32 {
    match f {
        Field::Src | Field::Dst => 128,
        Field::SrcPort | Field::DstPort => 16,
        Field::Proto | Field::IcmpType | Field::IcmpCode => 8,
    }
}

/// The original packet's fields (a constant where the query fixes one value)
/// and the query as a formula over them.
fn packet_terms(q: &PacketSet) -> (Hdr, Bool) {
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
fn encode(net: &Network, q: &Query, scope: &Scope) -> Result<Encoding, ProveError> {
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

/// The access endpoint of a `client` scope.
#[derive(Clone, Copy)]
enum Access<'n> {
    ClientVpn(&'n ClientVpnEndpoint),
    Va(&'n VaEndpoint),
}

struct Enc<'n> {
    net: &'n Network,
    q: &'n Query,
    back_to: BackTo,
    /// The query's packets and each choice's range.
    domain: Vec<Bool>,
    choices: Vec<Choice>,
    fresh: usize,
    /// The Client VPN association (or Verified Access subnet) whose path is being encoded.
    association: Option<String>,
    /// What the branches marked `unsup` are.
    unsupported: Vec<String>,
}

type R = Result<Out, ProveError>;

impl<'n> Enc<'n> {
    /// A branch the encoding does not decide: reported (never passed) if a
    /// packet of the query can take it.
    fn unsupported(&mut self, what: String) -> Out {
        if !self.unsupported.contains(&what) {
            self.unsupported.push(what);
        }
        Out {
            ok: ff(),
            unk: ff(),
            unsup: tt(),
        }
    }

    fn fresh(&mut self, what: &str, w: u32) -> BV {
        self.fresh += 1;
        BV::new_const(format!("c{}.{what}", self.fresh), w)
    }

    /// A source port the network picks (NAT gateway, Client VPN association,
    /// Verified Access endpoint).
    fn nat_port(&mut self, who: &str) -> BV {
        let x = self.fresh("port", 16);
        self.domain.push(between(
            &x,
            u128::from(NAT_PORTS.0),
            u128::from(NAT_PORTS.1),
        ));
        self.choices.push(Choice::Port(
            format!("source port chosen by {who}"),
            x.clone(),
            self.association.clone(),
        ));
        x
    }

    // ---------- Client VPN access path ----------

    /// A Client VPN user (`groups`) through `ep`: endpoint status, split tunnel
    /// and Client VPN routes, authorization (longest prefix decides; AccessAll
    /// or a group of the user), then one association — the network's choice.
    fn client_vpn(&mut self, ep: &'n ClientVpnEndpoint, groups: &[String], st: St) -> R {
        let active: Vec<&ClientVpnAssociation> = ep
            .associations
            .iter()
            .filter(|a| a.status == "associated")
            .collect();
        if ep.status != "available" || active.is_empty() {
            return Ok(Out::fail());
        }
        let dst = st.h.dst.clone();
        let routes: Vec<_> = ep.routes.iter().filter(|r| r.status == "active").collect();
        let tunnel = or(&routes
            .iter()
            .map(|r| in_cidr(&dst, &r.dest))
            .collect::<Vec<_>>());
        let allowed = authorized(ep, &dst, groups);
        // Client-to-client: the most specific route covering the query's
        // destination is `local`; without one, another client's address is
        // not reached. No VPC filter applies between clients.
        let dst_ip = self.q.dst_ip;
        let best = routes
            .iter()
            .filter(|r| r.dest.contains(&dst_ip))
            .max_by_key(|r| r.dest.prefix_len());
        if best.is_some_and(|r| r.is_local()) {
            return Ok(Out::when(allowed));
        }
        if ep.client_cidr.contains(&dst_ip) {
            return Ok(Out::fail());
        }
        let gate = Bool::and(&[tunnel, allowed]);
        if never(&gate) {
            return Ok(Out::fail());
        }
        let k = self.fresh("association", 16);
        self.domain.push(k.bvult(num(active.len() as u128, 16)));
        self.choices.push(Choice::Association(
            k.clone(),
            active.iter().map(|a| a.id.clone()).collect(),
        ));
        let mut cases = Vec::new();
        for (i, a) in active.iter().enumerate() {
            let route = or(&routes
                .iter()
                .filter(|r| r.target_subnet == a.subnet)
                .map(|r| in_cidr(&dst, &r.dest))
                .collect::<Vec<_>>());
            let here = k.eq(num(i as u128, 16));
            let out = if never(&route) {
                Out::fail()
            } else {
                let through = self.through_association(ep, a, st.clone())?;
                chain(vec![(route, through)], Out::fail())
            };
            cases.push((here, out));
        }
        let picked = chain(cases, Out::fail());
        Ok(chain(vec![(gate, picked)], Out::fail()))
    }

    /// From an association's ENI: source NAT to its address, a port of 1024-65535.
    fn through_association(
        &mut self,
        ep: &'n ClientVpnEndpoint,
        a: &'n ClientVpnAssociation,
        mut st: St,
    ) -> R {
        let Some(addrs) = association_addresses(self.net, a) else {
            return Ok(Out::unknown());
        };
        let src = self.fresh("address", 128);
        let inside = or(&addrs.iter().map(|c| in_cidr(&src, c)).collect::<Vec<_>>());
        self.domain.push(inside);
        self.association = Some(a.id.clone());
        self.choices.push(Choice::Address(
            format!("source address chosen by {}", a.id),
            src.clone(),
            self.association.clone(),
        ));
        st.h.src = src;
        st.h.sport = self.nat_port(&a.id);
        let saved = std::mem::replace(&mut self.back_to, BackTo::Eni(a.id.clone()));
        let out = self.at_node(Node::Cvpn(ep, a), st);
        self.back_to = saved;
        self.association = None;
        out
    }

    // ---------- Verified Access path ----------

    /// A user (`user`: index in the query's users) through a Verified Access
    /// endpoint: status `active`; the Cedar decision, a concrete input
    /// (`Query::va_decisions`, made by the Cedar engine, not encoded here);
    /// the endpoint's target must hold the destination; only TCP to the
    /// endpoint's ports is carried; then from one of its subnets — the
    /// network's choice, so all must work — the VPC path, both ways.
    fn verified_access(&mut self, ep: &'n VaEndpoint, user: usize, st: St) -> R {
        if ep.status != "active" {
            return Ok(Out::fail());
        }
        let decision = self
            .q
            .va_decisions
            .iter()
            .find(|d| d.endpoint == ep.id && d.user == user)
            .ok_or_else(|| {
                ProveError::Unsupported(format!(
                    "the query carries no policy decision for user {user} on `{}`",
                    ep.id
                ))
            })?;
        // Policies that cannot be evaluated for this user: unknown, as the engine says.
        if decision.undecided.is_some() {
            return Ok(Out::unknown());
        }
        if !decision.allowed {
            return Ok(Out::fail());
        }
        let Some(targets) = va_targets(self.net, ep) else {
            return Ok(Out::unknown());
        };
        let dst = st.h.dst.clone();
        let there = or(&targets.iter().map(|c| in_cidr(&dst, c)).collect::<Vec<_>>());
        let ports = or(&ep
            .ports
            .iter()
            .map(|(a, b)| between(&st.h.dport, u128::from(*a.min(b)), u128::from(*a.max(b))))
            .collect::<Vec<_>>());
        // Past a load balancer's own addresses its target groups decide,
        // which the input does not model: unknown, as the engine says.
        let beyond_lb = if matches!(ep.target, VaTarget::LoadBalancer(_)) {
            there.not()
        } else {
            Bool::from_bool(false)
        };
        let carried = Bool::and(&[there, st.h.proto.eq(num(6, 8)), ports]);
        if never(&carried) {
            return Ok(chain(vec![(beyond_lb, Out::unknown())], Out::fail()));
        }
        if ep.subnets.is_empty() {
            // Where its traffic enters the VPC is not in the input.
            return Ok(chain(
                vec![(beyond_lb, Out::unknown()), (carried, Out::unknown())],
                Out::fail(),
            ));
        }
        let k = self.fresh("subnet", 16);
        self.domain.push(k.bvult(num(ep.subnets.len() as u128, 16)));
        self.choices
            .push(Choice::Association(k.clone(), ep.subnets.clone()));
        let mut cases = Vec::new();
        for (i, subnet) in ep.subnets.iter().enumerate() {
            let out = self.through_va(ep, subnet, st.clone())?;
            cases.push((k.eq(num(i as u128, 16)), out));
        }
        let picked = chain(cases, Out::fail());
        Ok(chain(
            vec![(beyond_lb, Out::unknown()), (carried, picked)],
            Out::fail(),
        ))
    }

    /// From the endpoint's interfaces in `subnet`: some IPv4 address of the
    /// subnet (AWS does not list them) and a port of 1024-65535.
    fn through_va(&mut self, ep: &'n VaEndpoint, subnet: &'n str, mut st: St) -> R {
        let Some(addrs) = subnet_v4(self.net, subnet) else {
            return Ok(Out::unknown());
        };
        if addrs.is_empty() {
            return Ok(Out::fail());
        }
        let src = self.fresh("address", 128);
        let inside = or(&addrs.iter().map(|c| in_cidr(&src, c)).collect::<Vec<_>>());
        self.domain.push(inside);
        self.association = Some(subnet.to_string());
        self.choices.push(Choice::Address(
            format!("source address chosen by {} in {subnet}", ep.id),
            src.clone(),
            self.association.clone(),
        ));
        st.h.src = src;
        st.h.sport = self.nat_port(&ep.id);
        let saved = std::mem::replace(&mut self.back_to, BackTo::Eni(ep.id.clone()));
        let out = self.at_node(Node::Va(ep, subnet), st);
        self.back_to = saved;
        self.association = None;
        out
    }

    // ---------- nodes ----------

    fn node_of_eni(&self, eni: &str) -> Option<Node<'n>> {
        let net = self.net;
        for e in net.client_vpn_endpoints.values() {
            if let Some(a) = e
                .associations
                .iter()
                .find(|a| a.interface.as_deref() == Some(eni))
            {
                return Some(Node::Cvpn(e, a));
            }
        }
        for e in net.client_vpn_endpoints.values() {
            if let Some(a) = e.associations.iter().find(|a| a.id == eni) {
                return Some(Node::Cvpn(e, a));
            }
        }
        let i = net.interfaces.get(eni)?;
        Some(
            match net
                .nat_gateways
                .values()
                .find(|n| n.interface.as_deref() == Some(eni))
            {
                Some(n) => Node::Nat(n),
                None => Node::Eni(i),
            },
        )
    }

    fn node_by_public_ip(&self, ip: IpAddr) -> Option<(Node<'n>, IpAddr)> {
        if let Some(n) = self
            .net
            .nat_gateways
            .values()
            .find(|n| n.public_ip == Some(ip))
        {
            return n.private_ip.map(|p| (Node::Nat(n), p));
        }
        let (i, private) = self.net.interfaces.values().find_map(|i| {
            i.private_ips
                .iter()
                .find(|p| p.public == Some(ip))
                .map(|p| (i, p.address))
        })?;
        Some((self.node_of_eni(&i.id)?, private))
    }

    /// Leaves a node toward the packet's destination.
    fn at_node(&mut self, node: Node<'n>, mut st: St) -> R {
        st.nodes += 1;
        if st.nodes > MAX_NODES {
            return Err(ProveError::Unsupported(format!(
                "a routing loop through `{}` (the engine calls it unknown after 64 hops)",
                node.id()
            )));
        }
        let (f, st) = match node {
            Node::Eni(i) => self.eni_groups(i, Side::Egress, st),
            Node::Cvpn(e, a) => self.security_groups(&a.id, &e.security_groups, Side::Egress, st),
            Node::Va(e, _) => self.security_groups(&e.id, &e.security_groups, Side::Egress, st),
            Node::Nat(_) => (Filter::all(), st),
        };
        self.guard(f, |me| me.route(node, st))
    }

    /// `f`, then the rest of the walk (not built when `f` passes nothing).
    fn guard(&mut self, f: Filter, next: impl FnOnce(&mut Self) -> R) -> R {
        if never(&f.pass) {
            return Ok(Out {
                ok: ff(),
                unk: f.unk,
                unsup: ff(),
            });
        }
        let n = next(self)?;
        Ok(Out {
            ok: Bool::and(&[f.pass.clone(), n.ok]),
            unk: f.pass.ite(&n.unk, &f.unk),
            unsup: Bool::and(&[f.pass, n.unsup]),
        })
    }

    // ---------- filters ----------

    /// The security groups of `owner` (stateful: replies of a connection they
    /// saw pass); none listed: undecided (the input is incomplete).
    fn security_groups(&self, owner: &str, groups: &[String], side: Side, st: St) -> (Filter, St) {
        if st.dir == Dir::Return && st.ct.enis.contains(owner) {
            return (Filter::all(), st);
        }
        let f = if groups.is_empty() {
            // No group listed: the input is incomplete.
            Filter {
                pass: ff(),
                unk: tt(),
            }
        } else {
            sg_filter(self.net, groups, side, &st.h)
        };
        let mut st = st;
        if st.dir == Dir::Forward {
            st.ct.enis.insert(owner.to_string());
        }
        (f, st)
    }

    /// An interface's groups. A group-less interface of a kind AWS documents
    /// as group-less is not filtered; any other without groups: undecided
    /// ([`Enc::security_groups`]).
    fn eni_groups(&self, i: &Interface, side: Side, st: St) -> (Filter, St) {
        if i.groupless() {
            return (Filter::all(), st);
        }
        self.security_groups(&i.id, &i.groups, side, st)
    }

    fn nacl(&self, subnet: &str, side: Side, h: &Hdr) -> Filter {
        nacl_filter(self.net, subnet, side, h)
    }

    /// ACLs of the subnet boundary crossed.
    fn cross(&self, from: Cross<'_>, to: &str, h: &Hdr) -> Filter {
        match from {
            Cross::Subnet(s) if s == to => Filter::all(),
            Cross::Subnet(s) => self
                .nacl(s, Side::Egress, h)
                .then(self.nacl(to, Side::Ingress, h)),
            Cross::Outside => self.nacl(to, Side::Ingress, h),
        }
    }

    // ---------- routing ----------

    /// Same subnet: delivered directly. Else the node's subnet route table
    /// ([`table_routes`] order).
    fn route(&mut self, node: Node<'n>, st: St) -> R {
        let net = self.net;
        let own = net
            .subnets
            .get(node.subnet())
            .map(|s| in_any(&st.h.dst, &s.cidrs))
            .unwrap_or_else(ff);
        let mut cases = Vec::new();
        if !never(&own) {
            let sure = always(&own);
            let out = self.deliver(node.vpc(), Cross::Subnet(node.subnet()), st.clone())?;
            cases.push((own, out));
            if sure {
                return Ok(chain(cases, Out::fail()));
            }
        }
        let Some(rtb) = route_table_of(net, node.subnet()) else {
            return Ok(chain(cases, Out::unknown()));
        };
        let (capture, routes) = table_routes(net, rtb, &st.h.dst);
        if !never(&capture) {
            cases.push((capture, Out::unknown()));
        }
        for (cidr, r) in routes {
            let hit = in_cidr(&st.h.dst, &cidr);
            if never(&hit) {
                continue;
            }
            let sure = always(&hit);
            let out = if r.state == RouteState::Blackhole {
                Out::fail()
            } else {
                match &r.target {
                    Target::Local => {
                        self.deliver(node.vpc(), Cross::Subnet(node.subnet()), st.clone())?
                    }
                    Target::InternetGateway(id) => self.via_igw(node, id, st.clone())?,
                    Target::EgressOnlyInternetGateway(id) => self.via_eigw(node, id, st.clone())?,
                    Target::NatGateway(id) => self.via_nat(node, id, st.clone())?,
                    Target::VpcPeering(id) => self.via_peering(node, id, st.clone())?,
                    Target::VirtualPrivateGateway(id) => self.via_vgw(node, id, st.clone())?,
                    // Transit gateways, appliance routes, gateway endpoints: not walked.
                    _ => Out::unknown(),
                }
            };
            cases.push((hit, out));
            if sure {
                break;
            }
        }
        Ok(chain(cases, Out::fail()))
    }

    /// Inside a VPC, to whichever node holds the destination address.
    fn deliver(&mut self, vpc: &str, from: Cross<'_>, st: St) -> R {
        let net = self.net;
        let mut cases = Vec::new();
        if st.dir == Dir::Return {
            for e in net.client_vpn_endpoints.values().filter(|e| e.vpc == vpc) {
                for a in &e.associations {
                    if !st.ct.enis.contains(&a.id) {
                        continue;
                    }
                    let Some(addrs) = association_addresses(net, a) else {
                        continue;
                    };
                    let hit = or(&addrs
                        .iter()
                        .map(|c| in_cidr(&st.h.dst, c))
                        .collect::<Vec<_>>());
                    if never(&hit) {
                        continue;
                    }
                    let out = self.deliver_to(Node::Cvpn(e, a), from, st.clone())?;
                    cases.push((hit, out));
                }
            }
            // Replies to a Verified Access endpoint's interfaces (any address of its subnets).
            for e in net.va_endpoints.values().filter(|e| e.vpc == vpc) {
                if !st.ct.enis.contains(&e.id) {
                    continue;
                }
                for s in &e.subnets {
                    let Some(addrs) = subnet_v4(net, s) else {
                        continue;
                    };
                    let hit = or(&addrs
                        .iter()
                        .map(|c| in_cidr(&st.h.dst, c))
                        .collect::<Vec<_>>());
                    if never(&hit) {
                        continue;
                    }
                    let out = self.deliver_to(Node::Va(e, s), from, st.clone())?;
                    cases.push((hit, out));
                }
            }
        }
        // NAT gateways' private IPs first, then the first interface (in ID
        // order) holding the address: a private IP, an IPv6 address or an
        // address of a delegated prefix.
        for n in net.nat_gateways.values().filter(|n| n.vpc == vpc) {
            let Some(ip) = n.private_ip else { continue };
            let hit = st.h.dst.eq(addr(ip));
            if never(&hit) {
                continue;
            }
            let out = self.deliver_to(Node::Nat(n), from, st.clone())?;
            cases.push((hit, out));
        }
        for i in net.interfaces.values().filter(|i| i.vpc == vpc) {
            let hit = in_any(&st.h.dst, &eni_nets(i));
            if never(&hit) {
                continue;
            }
            let out = match self.node_of_eni(&i.id) {
                Some(node) => self.deliver_to(node, from, st.clone())?,
                None => Out::fail(),
            };
            cases.push((hit, out));
        }
        Ok(chain(cases, Out::fail()))
    }

    fn deliver_to(&mut self, node: Node<'n>, from: Cross<'_>, st: St) -> R {
        let f = self.cross(from, node.subnet(), &st.h);
        self.guard(f, |me| match node {
            // A reply to a connection the NAT gateway translated, reaching its
            // private IP: translated back to the original source, onward.
            Node::Nat(n) if st.dir == Dir::Return => {
                let Some((_, src, sport)) = st
                    .ct
                    .nats
                    .iter()
                    .rev()
                    .find(|(id, _, _)| id == &n.id)
                    .cloned()
                else {
                    return Ok(Out::fail());
                };
                // Encoding the walk on from the NAT gateway would recurse
                // through every holder again; reported as unsupported when a
                // packet gets here (the engine and the simulator translate
                // it back and walk on).
                let _ = (src, sport);
                Ok(me.unsupported(format!(
                    "a reply translated back by NAT gateway `{}` at its private IP",
                    n.id
                )))
            }
            Node::Nat(_) => Ok(Out::fail()),
            Node::Cvpn(_, _) | Node::Va(..) if st.dir == Dir::Forward => Ok(Out::fail()),
            Node::Cvpn(e, a) => {
                let (f, st) = me.security_groups(&a.id, &e.security_groups, Side::Ingress, st);
                me.guard(f, |me| me.arrived(&a.id, st))
            }
            Node::Va(e, _) => {
                let (f, st) = me.security_groups(&e.id, &e.security_groups, Side::Ingress, st);
                me.guard(f, |me| me.arrived(&e.id, st))
            }
            Node::Eni(i) => {
                // Stopped instances and detached interfaces answer nothing.
                if !answering(me.net, i) {
                    return Ok(Out::fail());
                }
                let (f, st) = me.eni_groups(i, Side::Ingress, st);
                me.guard(f, |me| {
                    if st.dir == Dir::Forward && forwards_elsewhere(i) {
                        // A load balancer or gateway: its targets are not in the input.
                        return Ok(Out::unknown());
                    }
                    me.arrived(&i.id, st)
                })
            }
        })
    }

    /// Ingress routing to an appliance: its subnet's inbound ACL, its groups,
    /// then it decides what it forwards (undecidable).
    fn deliver_appliance(&mut self, i: &'n Interface, st: St) -> R {
        let f = self.cross(Cross::Outside, &i.subnet, &st.h);
        // spec9 F lists the appliance's ACL and groups only: its state (H)
        // is not checked, its fate is unknown either way.
        self.guard(f, |me| {
            let (f, _) = me.eni_groups(i, Side::Ingress, st);
            me.guard(f, |_| Ok(Out::unknown()))
        })
    }

    /// Delivered to an interface: the forward walk turns into the reply.
    fn arrived(&mut self, eni: &str, st: St) -> R {
        match st.dir {
            Dir::Forward => {
                if self.q.dst_eni.as_deref().is_some_and(|want| want != eni) {
                    return Ok(Out::fail());
                }
                let back = self.reply(st);
                match self.node_of_eni(eni) {
                    Some(node) => self.at_node(node, back),
                    None => Ok(Out::unknown()),
                }
            }
            Dir::Return => Ok(Out::when(Bool::from_bool(
                self.back_to == BackTo::Eni(eni.to_string()),
            ))),
        }
    }

    /// Left the input onto the internet.
    fn internet_end(&mut self, st: St) -> R {
        match st.dir {
            Dir::Forward => {
                let back = self.reply(st);
                self.on_internet(back)
            }
            Dir::Return => Ok(Out::when(Bool::from_bool(self.back_to == BackTo::Internet))),
        }
    }

    /// The reply to a packet that arrived: addresses and ports swapped; an
    /// ICMP echo request is answered by an echo reply.
    fn reply(&self, st: St) -> St {
        let h = st.h;
        let mut itype = h.itype.clone();
        if self.q.spec.protocol.is_icmp() {
            let (req, rep) = if self.q.dst_ip.is_ipv6() {
                (128, 129)
            } else {
                (8, 0)
            };
            itype = h.itype.eq(num(req, 8)).ite(&num(rep, 8), &h.itype);
        }
        St {
            dir: Dir::Return,
            h: Hdr {
                proto: h.proto,
                src: h.dst,
                dst: h.src,
                sport: h.dport,
                dport: h.sport,
                itype,
                icode: h.icode,
            },
            ct: st.ct,
            nodes: 0,
        }
    }

    // ---------- gateways ----------

    fn via_igw(&mut self, node: Node<'n>, igw_id: &str, st: St) -> R {
        if let Node::Va(..) = node {
            // Verified Access interfaces to the internet: not modelled.
            return Ok(Out::unknown());
        }
        let Some(igw) = self.net.internet_gateways.get(igw_id) else {
            return Ok(Out::unknown());
        };
        if !igw.vpcs.iter().any(|v| v == node.vpc()) {
            return Ok(Out::fail());
        }
        let f = self.nacl(node.subnet(), Side::Egress, &st.h);
        self.guard(f, |me| {
            // (private address, its internet address); IPv6 is not translated.
            let pairs: Vec<(IpNet, Option<IpAddr>)> = match node {
                Node::Eni(i) => i
                    .private_ips
                    .iter()
                    .map(|p| (IpNet::from(p.address), p.public))
                    .chain(i.ipv6.iter().map(|a| (IpNet::from(*a), None)))
                    .chain(
                        i.prefixes
                            .iter()
                            .filter(|p| matches!(p, IpNet::V6(_)))
                            .map(|p| (*p, None)),
                    )
                    .collect(),
                Node::Nat(n) => n
                    .private_ip
                    .map(|p| (IpNet::from(p), n.public_ip))
                    .into_iter()
                    .collect(),
                // An association ENI in a subnet routed to an internet gateway
                // has a public IP: its own when the input has the ENI, else
                // one AWS assigned (seed 003).
                Node::Cvpn(_, a) => {
                    match a.interface.as_ref().and_then(|e| me.net.interfaces.get(e)) {
                        Some(i) => i
                            .private_ips
                            .iter()
                            .map(|p| (IpNet::from(p.address), p.public))
                            .collect(),
                        None => {
                            let mut s = st.clone();
                            if s.dir == Dir::Forward {
                                s.ct.assigned = Some((a.id.clone(), s.h.src.clone()));
                            }
                            s.h.src = num(ASSIGNED_PUBLIC, 128);
                            return me.on_internet(s);
                        }
                    }
                }
                Node::Va(..) => Vec::new(),
            };
            let mut cases = Vec::new();
            for (private, public) in pairs {
                let hit = in_cidr(&st.h.src, &private);
                if never(&hit) {
                    continue;
                }
                let v6 = matches!(private, IpNet::V6(_));
                let out = match public {
                    Some(p) => {
                        let mut s = st.clone();
                        s.h.src = addr(p);
                        me.on_internet(s)?
                    }
                    None if v6 => me.on_internet(st.clone())?,
                    None => Out::fail(),
                };
                cases.push((hit, out));
            }
            Ok(chain(cases, Out::fail()))
        })
    }

    /// An egress-only internet gateway: IPv6 out, untranslated; its replies may come back.
    fn via_eigw(&mut self, node: Node<'n>, id: &str, mut st: St) -> R {
        let Some(g) = self.net.internet_gateways.get(id) else {
            return Ok(Out::unknown());
        };
        if !g.vpcs.iter().any(|v| v == node.vpc()) {
            return Ok(Out::fail());
        }
        let v6 = is_v4(&st.h.dst).not();
        if never(&v6) {
            return Ok(Out::fail());
        }
        let f = self.nacl(node.subnet(), Side::Egress, &st.h);
        let out = self.guard(f, |me| {
            st.ct.eigw_vpcs.insert(node.vpc().to_string());
            me.on_internet(st)
        })?;
        Ok(chain(vec![(v6, out)], Out::fail()))
    }

    /// A virtual private gateway: on-premises, outside the input, answers;
    /// its replies come back through the same gateway.
    fn via_vgw(&mut self, node: Node<'n>, id: &'n str, st: St) -> R {
        if st.dir == Dir::Return {
            // A reply goes back to where the query started, never on-premises:
            // a reply to an internet host routed here leaves with the source
            // the internet gateway did not translate back, and never reaches
            // the host (aws-semantics.md §5).
            return Ok(Out::fail());
        }
        if let Node::Nat(n) = node {
            return Ok(self.unsupported(format!(
                "NAT gateway `{}` sending through virtual private gateway `{id}` (its replies would need the NAT translation undone on entry)",
                n.id
            )));
        }
        let f = self.nacl(node.subnet(), Side::Egress, &st.h);
        let vpc = node.vpc();
        self.guard(f, |me| {
            let back = me.reply(st);
            me.gateway_entry(id, Entry::Vpc(vpc), back)
        })
    }

    /// On the internet: to a public IP of the input, into a VPC over IPv6, or out of the input.
    fn on_internet(&mut self, st: St) -> R {
        let net = self.net;
        let mut cases = Vec::new();
        // Idle Elastic IPs forward to nothing.
        for ip in net.idle_addresses.keys() {
            let hit = st.h.dst.eq(addr(*ip));
            if !never(&hit) {
                cases.push((hit, Out::fail()));
            }
        }
        // A reply to the public IP AWS assigned to an association ENI.
        if let Some((assoc, private)) = st.ct.assigned.clone() {
            let hit = st.h.dst.eq(num(ASSIGNED_PUBLIC, 128));
            if !never(&hit) {
                let out = self.assigned_entry(&assoc, private, st.clone())?;
                cases.push((hit, out));
            }
        }
        let mut publics: Vec<IpAddr> = net
            .interfaces
            .values()
            .flat_map(|i| i.private_ips.iter().filter_map(|p| p.public))
            .chain(net.nat_gateways.values().filter_map(|n| n.public_ip))
            .collect();
        let mut seen = BTreeSet::new();
        publics.retain(|ip| seen.insert(*ip));
        for ip in publics {
            let Some((node, private)) = self.node_by_public_ip(ip) else {
                continue;
            };
            let hit = st.h.dst.eq(addr(ip));
            if never(&hit) {
                continue;
            }
            let sure = always(&hit);
            let out = self.internet_entry(node, private, st.clone())?;
            cases.push((hit, out));
            if sure {
                return Ok(chain(cases, Out::fail()));
            }
        }
        // IPv6 addresses are global: a VPC's IPv6 CIDRs are reached through its gateway.
        for vpc in net.vpcs.values() {
            let v6: Vec<IpNet> = vpc
                .cidrs
                .iter()
                .filter(|c| matches!(c, IpNet::V6(_)))
                .copied()
                .collect();
            let hit = in_any(&st.h.dst, &v6);
            if never(&hit) {
                continue;
            }
            let sure = always(&hit);
            let out = self.internet_entry_v6(&vpc.id, st.clone())?;
            cases.push((hit, out));
            if sure {
                return Ok(chain(cases, Out::fail()));
            }
        }
        let private = special(&st.h.dst);
        let outside = if always(&private) {
            Out::fail()
        } else {
            self.internet_end(st)?
        };
        cases.push((private, Out::fail()));
        Ok(chain(cases, outside))
    }

    /// In through the internet gateway of the VPC owning a public IP.
    fn internet_entry(&mut self, node: Node<'n>, private: IpAddr, mut st: St) -> R {
        let Some(igw) = self.net.igw_of_vpc(node.vpc()) else {
            return Ok(Out::fail());
        };
        st.h.dst = addr(private);
        self.gateway_entry(&igw.id, Entry::Public(node), st)
    }

    /// IPv6 from the internet into a VPC: through its internet gateway; or,
    /// without one, only replies of connections that left through its
    /// egress-only internet gateway.
    fn internet_entry_v6(&mut self, vpc: &'n str, st: St) -> R {
        // A reply comes back through the egress-only gateway the request left through.
        if st.dir == Dir::Return && st.ct.eigw_vpcs.contains(vpc) {
            return self.deliver(vpc, Cross::Outside, st);
        }
        if let Some(igw) = self.net.igw_of_vpc(vpc) {
            return self.gateway_entry(&igw.id, Entry::Vpc(vpc), st);
        }
        Ok(Out::fail())
    }

    /// In through the internet gateway to an association ENI the input
    /// lacks, at the public IP AWS assigned it: back to the private address
    /// it translated the client to.
    fn assigned_entry(&mut self, assoc: &str, private: BV, mut st: St) -> R {
        let net = self.net;
        let Some((ep, a)) = net.client_vpn_endpoints.values().find_map(|e| {
            e.associations
                .iter()
                .find(|a| a.id == assoc)
                .map(|a| (e, a))
        }) else {
            return Ok(Out::unknown());
        };
        let Some(igw) = net.igw_of_vpc(&ep.vpc) else {
            return Ok(Out::fail());
        };
        st.h.dst = private;
        self.gateway_entry(&igw.id, Entry::Public(Node::Cvpn(ep, a)), st)
    }

    /// Entering a VPC through a gateway (`igw-`, `vgw-`): the route table
    /// associated with the gateway first, if any, then `entry`.
    fn gateway_entry(&mut self, gw: &str, entry: Entry<'n>, st: St) -> R {
        let net = self.net;
        let vpc = entry.vpc();
        let Some(rtb) = net
            .route_tables
            .values()
            .find(|t| t.vpc == vpc && t.gateways.iter().any(|g| g == gw))
        else {
            return self.entered(entry, st);
        };
        let (capture, routes) = table_routes(net, rtb, &st.h.dst);
        let mut cases = Vec::new();
        if !never(&capture) {
            cases.push((capture, Out::unknown()));
        }
        for (cidr, r) in routes {
            let hit = in_cidr(&st.h.dst, &cidr);
            if never(&hit) {
                continue;
            }
            let sure = always(&hit);
            let out = if r.state == RouteState::Blackhole {
                Out::fail()
            } else {
                match &r.target {
                    Target::Local => self.entered(entry, st.clone())?,
                    Target::NetworkInterface(id) => match net.interfaces.get(id) {
                        Some(i) if i.vpc == vpc => self.deliver_appliance(i, st.clone())?,
                        _ => Out::unknown(),
                    },
                    Target::Instance(id) => match instance_primary(net, id) {
                        Some(i) if i.vpc == vpc => self.deliver_appliance(i, st.clone())?,
                        _ => Out::unknown(),
                    },
                    _ => Out::unknown(),
                }
            };
            cases.push((hit, out));
            if sure {
                break;
            }
        }
        Ok(chain(cases, Out::fail()))
    }

    /// Past the gateway's route table: delivered inside the VPC.
    fn entered(&mut self, entry: Entry<'n>, mut st: St) -> R {
        match entry {
            Entry::Vpc(vpc) => self.deliver(vpc, Cross::Outside, st),
            Entry::Public(node @ (Node::Eni(_) | Node::Cvpn(..) | Node::Va(..))) => {
                self.deliver_to(node, Cross::Outside, st)
            }
            Entry::Public(node @ Node::Nat(n)) => {
                let Some((_, src, sport)) = st
                    .ct
                    .nats
                    .iter()
                    .rev()
                    .find(|(id, _, _)| id == &n.id)
                    .cloned()
                else {
                    return Ok(Out::fail());
                };
                let f = self.nacl(&n.subnet, Side::Ingress, &st.h);
                self.guard(f, |me| {
                    st.h.dst = src;
                    st.h.dport = sport;
                    me.at_node(node, st)
                })
            }
        }
    }

    fn via_nat(&mut self, node: Node<'n>, nat_id: &str, mut st: St) -> R {
        let Some(nat) = self.net.nat_gateways.get(nat_id) else {
            return Ok(Out::unknown());
        };
        if st.dir == Dir::Return || nat.state != "available" {
            return Ok(Out::fail());
        }
        let Some(private) = nat.private_ip else {
            return Ok(Out::unknown());
        };
        let f = self.cross(Cross::Subnet(node.subnet()), &nat.subnet, &st.h);
        self.guard(f, |me| {
            st.ct
                .nats
                .push((nat.id.clone(), st.h.src.clone(), st.h.sport.clone()));
            st.h.src = addr(private);
            st.h.sport = me.nat_port(&nat.id);
            me.at_node(Node::Nat(nat), st)
        })
    }

    fn via_peering(&mut self, node: Node<'n>, pcx_id: &str, st: St) -> R {
        let net = self.net;
        let Some(pcx) = net.peerings.get(pcx_id) else {
            return Ok(Out::unknown());
        };
        if pcx.status != "active" {
            return Ok(Out::fail());
        }
        let Some(other) = pcx.other_side(node.vpc()) else {
            return Ok(Out::fail());
        };
        let Some(vpc) = net.vpcs.get(other) else {
            return Ok(Out::unknown());
        };
        let f = self.nacl(node.subnet(), Side::Egress, &st.h);
        self.guard(f, |me| {
            let inside = or(&vpc
                .cidrs
                .iter()
                .map(|c| in_cidr(&st.h.dst, c))
                .collect::<Vec<_>>());
            if never(&inside) {
                return Ok(Out::fail());
            }
            let out = me.deliver(&vpc.id, Cross::Outside, st)?;
            Ok(chain(vec![(inside, out)], Out::fail()))
        })
    }
}

// ---------- rules (pure functions of the model and a header) ----------

fn route_table_of<'n>(net: &'n Network, subnet: &str) -> Option<&'n RouteTable> {
    let vpc = &net.subnets.get(subnet)?.vpc;
    net.route_tables
        .values()
        .find(|rt| rt.subnets.iter().any(|s| s == subnet))
        .or_else(|| {
            net.route_tables
                .values()
                .find(|rt| rt.main && &rt.vpc == vpc)
        })
}

/// The AWS-provided services an interface reaches on its host, with no
/// group, ACL or route: (the destination is one, how it ends). Amazon DNS
/// (the VPC's first IPv4 CIDR + 2, 169.254.169.253, fd00:ec2::253; tcp and
/// udp 53), instance metadata (169.254.169.254, fd00:ec2::254; tcp 80), Time
/// Sync (169.254.169.123, fd00:ec2::123; udp 123). Other tcp/udp ports fail;
/// other protocols are undecided.
fn aws_services(net: &Network, vpc: &str, h: &Hdr) -> (Bool, Out) {
    /// (protocol, port).
    type Served = (u128, u128);
    let ip = |s: &str| s.parse::<IpAddr>().expect("static address");
    let mut dns = vec![ip("169.254.169.253"), ip("fd00:ec2::253")];
    if let Some(IpNet::V4(c)) = net
        .vpcs
        .get(vpc)
        .and_then(|v| v.cidrs.iter().find(|c| matches!(c, IpNet::V4(_))))
    {
        let base = u32::from(c.network());
        if let Some(a) = base.checked_add(2) {
            dns.push(IpAddr::V4(a.into()));
        }
    }
    let services: [(Vec<IpAddr>, &[Served]); 3] = [
        (dns, &[(6, 53), (17, 53)]),
        (vec![ip("169.254.169.254"), ip("fd00:ec2::254")], &[(6, 80)]),
        (
            vec![ip("169.254.169.123"), ip("fd00:ec2::123")],
            &[(17, 123)],
        ),
    ];
    let ported = Bool::or(&[h.proto.eq(num(6, 8)), h.proto.eq(num(17, 8))]);
    let mut hits = Vec::new();
    let mut cases = Vec::new();
    for (addrs, serves) in services {
        let hit = or(&addrs.iter().map(|a| h.dst.eq(addr(*a))).collect::<Vec<_>>());
        if never(&hit) {
            continue;
        }
        let ok = or(&serves
            .iter()
            .map(|(p, port)| Bool::and(&[h.proto.eq(num(*p, 8)), h.dport.eq(num(*port, 16))]))
            .collect::<Vec<_>>());
        hits.push(hit.clone());
        cases.push((
            hit,
            Out {
                ok,
                unk: ported.not(),
                unsup: ff(),
            },
        ));
    }
    (or(&hits), chain(cases, Out::fail()))
}

/// A route table's routes for `dst`, in the order the first match wins:
/// most specific prefix first; at equal length static, then prefix-list,
/// then propagated routes; ties in table order. Prefix lists without entries
/// capture what they could hold (`capture`), before every known route.
fn table_routes<'n>(
    net: &Network,
    rtb: &'n RouteTable,
    dst: &BV,
) -> (Bool, Vec<(IpNet, &'n Route)>) {
    let mut capture = Vec::new();
    let mut routes = Vec::new();
    for r in &rtb.routes {
        match &r.dest {
            RouteDest::Cidr(c) => routes.push((*c, r)),
            RouteDest::PrefixList(id) => match unknown_list_region(net, id, dst) {
                Some(region) => capture.push(region),
                None => {
                    let entries = net.prefix_lists[id].entries.as_deref().unwrap_or_default();
                    routes.extend(entries.iter().map(|c| (*c, r)));
                }
            },
        }
    }
    routes.sort_by_key(|(c, r)| (std::cmp::Reverse(c.prefix_len()), r.priority()));
    (or(&capture), routes)
}

/// Where a Client VPN association translates client traffic from: its ENI's
/// private IPs, or (the input lacks the ENI) any IPv4 address of its subnet.
fn association_addresses(net: &Network, a: &ClientVpnAssociation) -> Option<Vec<IpNet>> {
    if let Some(i) = a.interface.as_ref().and_then(|e| net.interfaces.get(e)) {
        return Some(
            i.private_ips
                .iter()
                .map(|p| IpNet::from(p.address))
                .collect(),
        );
    }
    let subnet = net.subnets.get(&a.subnet)?;
    Some(
        subnet
            .cidrs
            .iter()
            .filter(|c| matches!(c, IpNet::V4(_)))
            .copied()
            .collect(),
    )
}

/// A subnet's IPv4 CIDRs (where Verified Access interfaces are); `None` when
/// the input lacks the subnet.
fn subnet_v4(net: &Network, subnet: &str) -> Option<Vec<IpNet>> {
    Some(
        net.subnets
            .get(subnet)?
            .cidrs
            .iter()
            .filter(|c| matches!(c, IpNet::V4(_)))
            .copied()
            .collect(),
    )
}

/// Where a Verified Access endpoint sends traffic; `None` when the input
/// cannot tell. `network-interface`: the ENI's primary private IP; `cidr`:
/// the CIDR; `load-balancer`: the addresses of the interfaces described
/// `ELB <type>/<name>/<id>`; `rds`: every RDS interface of the endpoint's VPC
/// (describe-network-interfaces does not say which database one serves).
fn va_targets(net: &Network, ep: &VaEndpoint) -> Option<Vec<IpNet>> {
    let all = |want: &dyn Fn(&Interface) -> bool| -> Option<Vec<IpNet>> {
        let ips: Vec<IpNet> = net
            .interfaces
            .values()
            .filter(|i| want(i))
            .flat_map(|i| i.private_ips.iter().map(|p| IpNet::from(p.address)))
            .collect();
        (!ips.is_empty()).then_some(ips)
    };
    match &ep.target {
        VaTarget::NetworkInterface(eni) => {
            let i = net.interfaces.get(eni)?;
            Some(vec![IpNet::from(i.primary_ip()?)])
        }
        VaTarget::Cidr(c) => Some(vec![*c]),
        VaTarget::LoadBalancer(arn) => {
            let suffix = arn
                .split_once(":loadbalancer/")
                .map_or(arn.as_str(), |(_, s)| s);
            let want = format!("ELB {suffix}");
            all(&|i| i.description.as_deref() == Some(want.as_str()))
        }
        VaTarget::Rds(_) => {
            all(&|i| i.vpc == ep.vpc && i.description.as_deref() == Some("RDSNetworkInterface"))
        }
    }
}

/// Protocol and ports / ICMP type of a rule.
fn proto_ports(proto: Protocol, ports: PortMatch, h: &Hdr) -> Bool {
    let Protocol::Number(n) = proto else {
        return tt();
    };
    let mut c = vec![h.proto.eq(num(u128::from(n), 8))];
    match ports {
        PortMatch::Ports { from, to } if proto.has_ports() => {
            c.push(between(
                &h.dport,
                u128::from(from.min(to)),
                u128::from(from.max(to)),
            ));
        }
        PortMatch::Icmp {
            icmp_type: Some(t),
            code,
        } if proto.is_icmp() => {
            c.push(h.itype.eq(num(u128::from(t), 8)));
            if let Some(k) = code {
                c.push(h.icode.eq(num(u128::from(k), 8)));
            }
        }
        _ => {}
    }
    and(&c)
}

fn peer_field(side: Side, h: &Hdr) -> &BV {
    match side {
        Side::Ingress => &h.src,
        Side::Egress => &h.dst,
    }
}

/// The addresses of the members of a security group: the interfaces
/// carrying it (every address they hold), and the Client VPN associations
/// and Verified Access endpoints using it.
fn group_members(net: &Network, g: &str) -> Vec<IpNet> {
    let mut out: Vec<IpNet> = net
        .interfaces
        .values()
        .filter(|i| i.groups.iter().any(|x| x == g))
        .flat_map(eni_nets)
        .collect();
    // Client VPN associations whose ENI the input lacks: any address of their subnet.
    for e in net
        .client_vpn_endpoints
        .values()
        .filter(|e| e.security_groups.iter().any(|x| x == g))
    {
        for a in &e.associations {
            if a.interface
                .as_ref()
                .is_none_or(|i| !net.interfaces.contains_key(i))
            {
                out.extend(association_addresses(net, a).unwrap_or_default());
            }
        }
    }
    // Verified Access endpoints' interfaces: any IPv4 address of their subnets.
    for e in net
        .va_endpoints
        .values()
        .filter(|e| e.security_groups.iter().any(|x| x == g))
    {
        for s in &e.subnets {
            out.extend(subnet_v4(net, s).unwrap_or_default());
        }
    }
    out
}

/// One security-group rule: (matches, might match: the input cannot tell).
fn sg_rule(net: &Network, r: &SgRule, side: Side, h: &Hdr) -> (Bool, Bool) {
    let base = proto_ports(r.protocol, r.ports, h);
    let x = peer_field(side, h);
    match &r.peer {
        Peer::Cidr(c) => (Bool::and(&[base, in_cidr(x, c)]), ff()),
        Peer::PrefixList(id) => match unknown_list_region(net, id, x) {
            None => {
                let entries = net.prefix_lists[id].entries.clone().unwrap_or_default();
                (Bool::and(&[base, in_any(x, &entries)]), ff())
            }
            Some(region) => (ff(), Bool::and(&[base, region])),
        },
        Peer::Group(g) => {
            let member = in_any(x, &group_members(net, g));
            if net.security_groups.contains_key(g) {
                return (Bool::and(&[base, member]), ff());
            }
            // A group outside the input: the input's interfaces are members
            // only when they carry it; an address that could be an interface
            // outside the input (not in the input's VPCs, not public IPv4)
            // is undecided.
            let ours: Vec<IpNet> = net.interfaces.values().flat_map(eni_nets).collect();
            let public_v4 = Bool::and(&[is_v4(x), special(x).not()]);
            let elsewhere = and(&[
                member.not(),
                in_any(x, &ours).not(),
                in_any(x, &vpc_cidrs(net)).not(),
                public_v4.not(),
            ]);
            (
                Bool::and(&[base.clone(), member]),
                Bool::and(&[base, elsewhere]),
            )
        }
    }
}

/// Security groups: the union of their rules of one direction (allow only).
fn sg_filter(net: &Network, groups: &[String], side: Side, h: &Hdr) -> Filter {
    let mut allowed = Vec::new();
    let mut maybe = Vec::new();
    for g in groups {
        let Some(sg) = net.security_groups.get(g) else {
            maybe.push(tt());
            continue;
        };
        let rules = match side {
            Side::Ingress => &sg.ingress,
            Side::Egress => &sg.egress,
        };
        for r in rules {
            let (m, u) = sg_rule(net, r, side, h);
            allowed.push(m);
            maybe.push(u);
        }
    }
    Filter {
        pass: or(&allowed),
        unk: or(&maybe),
    }
}

/// A subnet's network ACL, one direction: the first rule by number that
/// matches decides; none matches: denied. No ACL in the input: undecided.
fn nacl_filter(net: &Network, subnet: &str, side: Side, h: &Hdr) -> Filter {
    let Some(acl) = net
        .nacl_of_subnet
        .get(subnet)
        .and_then(|id| net.network_acls.get(id))
    else {
        return Filter {
            pass: ff(),
            unk: tt(),
        };
    };
    let mut entries: Vec<_> = match side {
        Side::Ingress => acl.inbound.iter().collect(),
        Side::Egress => acl.outbound.iter().collect(),
    };
    entries.sort_by_key(|e| e.number);
    let x = peer_field(side, h);
    let pass = entries.iter().rev().fold(ff(), |acc, e| {
        let m = Bool::and(&[proto_ports(e.protocol, e.ports, h), in_cidr(x, &e.cidr)]);
        m.ite(&Bool::from_bool(e.action == Action::Allow), &acc)
    });
    Filter { pass, unk: ff() }
}

/// Authorization rules: default deny; the most specific active rules whose
/// CIDR holds `dst` decide; one of them must be AccessAll or name a group of
/// the user (certificate users have none).
fn authorized(ep: &ClientVpnEndpoint, dst: &BV, groups: &[String]) -> Bool {
    let active: Vec<_> = ep
        .auth_rules
        .iter()
        .filter(|r| r.status == "active")
        .collect();
    let grants = |r: &crate::model::ClientVpnAuthRule| {
        r.access_all || (ep.has_groups() && r.group.as_ref().is_some_and(|g| groups.contains(g)))
    };
    let mut ways = Vec::new();
    for r in active.iter().filter(|r| grants(r)) {
        let mut c = vec![in_cidr(dst, &r.dest)];
        for longer in active
            .iter()
            .filter(|o| o.dest.prefix_len() > r.dest.prefix_len())
        {
            c.push(in_cidr(dst, &longer.dest).not());
        }
        ways.push(and(&c));
    }
    or(&ways)
}

#[cfg(test)]
#[path = "z3_issue9_tests.rs"]
mod issue9_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, QuerySpec};
    use crate::ingest::Loader;
    use crate::model::{NaclEntry, NetworkAcl, Origin, SecurityGroup};

    fn ip(s: &str) -> u128 {
        hs::addr(s.parse().unwrap())
    }

    /// A concrete tcp header.
    fn tcp(src: &str, dst: &str, dport: u16) -> Hdr {
        Hdr {
            proto: num(6, 8),
            src: num(ip(src), 128),
            dst: num(ip(dst), 128),
            sport: num(40000, 16),
            dport: num(u128::from(dport), 16),
            itype: num(0, 8),
            icode: num(0, 8),
        }
    }

    fn truth(b: &Bool) -> bool {
        b.simplify().as_bool().expect("a concrete header decides")
    }

    fn entry(number: u16, action: Action, ports: (u16, u16), cidr: &str) -> NaclEntry {
        NaclEntry {
            number,
            action,
            protocol: Protocol::TCP,
            cidr: cidr.parse().unwrap(),
            ports: PortMatch::Ports {
                from: ports.0,
                to: ports.1,
            },
        }
    }

    fn net_with_acl(inbound: Vec<NaclEntry>) -> Network {
        let mut net = Network::default();
        net.network_acls.insert(
            "acl-1".into(),
            NetworkAcl {
                id: "acl-1".into(),
                vpc: "vpc-1".into(),
                is_default: false,
                inbound,
                outbound: Vec::new(),
                origin: Origin::new("t"),
            },
        );
        net.nacl_of_subnet.insert("subnet-1".into(), "acl-1".into());
        net
    }

    #[test]
    fn nacl_lowest_number_matching_rule_decides() {
        // Listed out of order on purpose: the encoding must sort by number.
        let net = net_with_acl(vec![
            entry(200, Action::Allow, (22, 22), "0.0.0.0/0"),
            entry(100, Action::Deny, (22, 22), "10.0.0.0/8"),
            entry(300, Action::Allow, (80, 80), "0.0.0.0/0"),
        ]);
        let f =
            |src, port| nacl_filter(&net, "subnet-1", Side::Ingress, &tcp(src, "10.1.0.5", port));
        assert!(!truth(&f("10.2.3.4", 22).pass), "rule 100 denies first");
        assert!(truth(&f("192.0.2.1", 22).pass), "rule 200 allows the rest");
        assert!(truth(&f("10.2.3.4", 80).pass), "rule 300");
        assert!(!truth(&f("10.2.3.4", 443).pass), "implicit deny");
        assert!(!truth(&f("10.2.3.4", 443).unk));
        // No ACL association: undecided, not denied.
        let none = nacl_filter(
            &net,
            "subnet-2",
            Side::Ingress,
            &tcp("10.2.3.4", "10.1.0.5", 22),
        );
        assert!(!truth(&none.pass) && truth(&none.unk));
    }

    fn sg(id: &str, ingress: Vec<SgRule>) -> SecurityGroup {
        SecurityGroup {
            id: id.into(),
            name: id.into(),
            vpc: "vpc-1".into(),
            ingress,
            egress: Vec::new(),
            origin: Origin::new("t"),
        }
    }

    fn rule(port: u16, peer: Peer) -> SgRule {
        SgRule {
            protocol: Protocol::TCP,
            ports: PortMatch::Ports {
                from: port,
                to: port,
            },
            peer,
            description: None,
            rule_id: None,
            position: "ingress[0]".into(),
        }
    }

    #[test]
    fn security_groups_are_a_union_and_unknown_peers_undecided() {
        let mut net = Network::default();
        let any = Peer::Cidr("0.0.0.0/0".parse().unwrap());
        net.security_groups
            .insert("sg-a".into(), sg("sg-a", vec![rule(22, any.clone())]));
        net.security_groups.insert(
            "sg-b".into(),
            sg(
                "sg-b",
                vec![
                    rule(80, any),
                    rule(443, Peer::PrefixList("pl-unknown".into())),
                ],
            ),
        );
        let groups = ["sg-a".to_string(), "sg-b".to_string()];
        let f = |port| {
            sg_filter(
                &net,
                &groups,
                Side::Ingress,
                &tcp("192.0.2.1", "10.0.0.5", port),
            )
        };
        assert!(truth(&f(22).pass), "from sg-a");
        assert!(truth(&f(80).pass), "from sg-b");
        assert!(!truth(&f(8080).pass) && !truth(&f(8080).unk), "neither");
        assert!(
            !truth(&f(443).pass) && truth(&f(443).unk),
            "prefix list without entries"
        );
        // One group alone does not allow the other's port.
        let one = sg_filter(
            &net,
            &groups[..1],
            Side::Ingress,
            &tcp("192.0.2.1", "10.0.0.5", 80),
        );
        assert!(!truth(&one.pass));
    }

    #[test]
    fn cidr_membership_keeps_ipv4_and_ipv6_apart() {
        let x = |s: &str| num(ip(s), 128);
        let n = |s: &str| s.parse::<IpNet>().unwrap();
        assert!(truth(&in_cidr(&x("10.1.2.3"), &n("10.0.0.0/8"))));
        assert!(!truth(&in_cidr(&x("11.1.2.3"), &n("10.0.0.0/8"))));
        assert!(truth(&in_cidr(&x("11.1.2.3"), &n("0.0.0.0/0"))));
        assert!(
            !truth(&in_cidr(&x("11.1.2.3"), &n("::/0"))),
            "::/0 holds no IPv4"
        );
        assert!(truth(&in_cidr(&x("2001:db8::1"), &n("2001:db8::/32"))));
        assert!(!truth(&in_cidr(&x("2001:db8::1"), &n("0.0.0.0/0"))));
        assert!(truth(&special(&x("192.168.3.4"))) && !truth(&special(&x("8.8.8.8"))));
    }

    const ROUTES: &str = r#"
vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]
subnets: [{id: subnet-a, vpc: vpc-a, cidr: 10.0.1.0/24, route_table: rtb-a}]
route_tables:
  - id: rtb-a
    vpc: vpc-a
    routes:
      - {dest: 0.0.0.0/0, target: igw-a}
      - {dest: 8.8.8.0/24, target: igw-a, state: blackhole}
      - {dest: 8.8.0.0/16, target: tgw-a}
internet_gateways: [{id: igw-a, vpc: vpc-a}]
security_groups:
  - {id: sg-a, vpc: vpc-a, name: a, egress: [{proto: all, to: 0.0.0.0/0}]}
interfaces:
  - {id: eni-a, subnet: subnet-a, ip: 10.0.1.10, public_ip: 198.51.100.10, groups: [sg-a]}
"#;

    fn verdict(net: &Network, q: &str) -> engine::Verdict {
        let q = engine::Query::resolve(net, QuerySpec::parse(q).unwrap(), None).unwrap();
        let w = Z3Solver::new()
            .witnesses(net, &q, &Scope::Query)
            .expect("solves");
        w.verdict()
    }

    #[test]
    fn the_longest_prefix_route_is_chosen() {
        let mut l = Loader::new();
        l.add_yaml("routes.yaml", ROUTES).unwrap();
        let net = l.finish().unwrap();
        use engine::Verdict::*;
        // /24 blackhole beats /16 transit gateway beats /0 internet gateway.
        assert_eq!(verdict(&net, "eni-a->8.8.8.8:443"), Unreachable);
        assert_eq!(verdict(&net, "eni-a->8.8.4.4:443"), Unknown);
        assert_eq!(verdict(&net, "eni-a->1.1.1.1:443"), Reachable);
    }
}
