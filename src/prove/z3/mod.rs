//! The model's semantics in z3 bit-vectors, built straight from the model.
//!
//! One symbolic packet (128-bit addresses in the engine's convention, IPv4 as
//! `::ffff:a.b.c.d`; 16-bit ports; 8-bit protocol, ICMP type and code) and
//! symbolic choices of the network (translated source addresses and ports,
//! the Client VPN association or Verified Access subnet) are walked
//! structurally through the topology: every place a packet can be is a function returning an [`Out`](terms::Out) — "gets
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
//! query can take one (SAT first), the answer is [`ProveError::Unsupported`](crate::prove::ProveError::Unsupported).
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

// The stages, bottom up: terms -> facts (read off the model) -> filters ->
// places (`places`, `routes`, `gateways`: the walk over the topology) ->
// encode (a query scope as one formula) -> solve (the solver loop) -> decode
// (a solver model as a concrete packet).
mod decode;
mod encode;
mod facts;
mod filters;
mod gateways;
mod places;
mod routes;
mod solve;
mod terms;
mod transit;

pub use solve::Z3Solver;

#[cfg(test)]
mod issue9_tests;

#[cfg(test)]
mod tests;
