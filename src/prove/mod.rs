//! Cross-checks the engine's verdicts with a solver.
//!
//! A [`Solver`] encodes the same semantics as the engine straight from the
//! model (not from the engine's packet sets) and answers, for one query (or one
//! access endpoint — Client VPN or Verified Access — and one user of it): is
//! there a packet of the query,
//! with a choice of the network (NAT source port, association, ...), that
//! fails? One that gets there and back? One whose fate the input cannot
//! decide? From those answers [`cross_check`] derives the solver's verdict,
//! replays every packet the solver returned through the engine as a one-packet
//! query, and fails loudly ([`ProveError::Disagree`]) when the engine does not
//! reproduce it or the verdicts differ.
//!
//! The engine never calls a solver; this module only reads its [`Analysis`]
//! and replays packets through [`engine::check_packets`].

mod solver;
#[cfg(feature = "z3")]
pub mod z3;

pub use solver::{Packet, ProveError, Scope, Solver, Witnesses};

use std::time::{Duration, Instant};

use crate::engine::{self, Access, Analysis, Reach, Start, Verdict};
use crate::hs::PacketSet;
use crate::model::Network;

/// The solver this binary was built with.
pub fn default_solver() -> Result<Box<dyn Solver>, ProveError> {
    #[cfg(feature = "z3")]
    {
        Ok(Box::new(self::z3::Z3Solver::new()))
    }
    #[cfg(not(feature = "z3"))]
    {
        Err(ProveError::NoSolver)
    }
}

/// One scope's proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeProof {
    pub scope: Scope,
    pub verdict: Verdict,
    pub witnesses: Witnesses,
}

/// The solver agrees with the engine.
#[derive(Clone, Debug)]
pub struct Proof {
    pub solver: &'static str,
    pub verdict: Verdict,
    /// Solver calls made.
    pub queries: usize,
    /// Packets replayed through the engine.
    pub replayed: usize,
    pub elapsed: Duration,
    pub scopes: Vec<ScopeProof>,
}

/// Proves (or refutes) the engine's `analysis` with `solver`.
pub fn cross_check(
    net: &Network,
    analysis: &Analysis,
    solver: &mut dyn Solver,
) -> Result<Proof, ProveError> {
    let started = Instant::now();
    let query = &analysis.query;
    let mut scopes = Vec::new();
    let mut replayed = 0;
    if let Start::Interface { also, .. } = &query.start
        && !also.is_empty()
    {
        return Err(ProveError::Unsupported(
            "a class of source interfaces asked together (`who`, `diff`): prove one interface's query".into(),
        ));
    }
    match &query.start {
        // Every user of the query (one global list, as the engine asks them)
        // on every access endpoint.
        Start::Client { endpoints } => {
            for id in endpoints {
                if !net.client_vpn_endpoints.contains_key(id) && !net.va_endpoints.contains_key(id)
                {
                    return Err(ProveError::Unsupported(format!(
                        "access endpoint `{id}` is neither a Client VPN nor a Verified Access endpoint of the input"
                    )));
                }
                for (user, u) in query.users.iter().enumerate() {
                    let scope = Scope::Client {
                        endpoint: id.clone(),
                        label: u.label.clone(),
                        groups: u.groups.clone(),
                        user,
                    };
                    scopes.push(check_scope(net, analysis, solver, scope, &mut replayed)?);
                }
            }
        }
        _ => scopes.push(check_scope(
            net,
            analysis,
            solver,
            Scope::Query,
            &mut replayed,
        )?),
    }
    let verdict = match &query.start {
        Start::Client { .. } => client_verdict(query, &scopes),
        _ => scopes[0].verdict,
    };
    if verdict != analysis.verdict {
        // The scopes agreed one by one: only the aggregation can differ.
        return Err(ProveError::Disagree {
            detail: format!(
                "the engine says {} but the per-user verdicts combine to {}",
                analysis.verdict.name(),
                verdict.name()
            ),
            packet: "(none: an aggregation mismatch)".into(),
        });
    }
    Ok(Proof {
        solver: solver.name(),
        verdict,
        queries: scopes.iter().map(|s| s.witnesses.queries).sum(),
        replayed,
        elapsed: started.elapsed(),
        scopes,
    })
}

/// Every user of the query must get through some endpoint, as the engine
/// combines its own verdicts.
fn client_verdict(query: &engine::Query, scopes: &[ScopeProof]) -> Verdict {
    const NONE: &Option<String> = &None;
    let parts: Vec<(&Option<String>, Verdict)> = scopes
        .iter()
        .map(|s| match &s.scope {
            Scope::Client { label, .. } => (label, s.verdict),
            Scope::Query => (NONE, s.verdict),
        })
        .collect();
    Verdict::of_users(&query.users, &parts)
}

/// What the engine claims for one scope, as sets of original packets.
struct Claim {
    verdict: Verdict,
    packets: PacketSet,
    /// `all`: get there and back for every network choice (every
    /// association too).
    reach: Reach,
}

/// The engine's verdict for `label` through `endpoint`.
fn access_of<'a>(a: &'a Analysis, endpoint: &str, label: &Option<String>) -> Option<&'a Access> {
    a.access
        .iter()
        .find(|x| x.endpoint == endpoint && &x.group == label)
}

/// The engine's claim for `scope`, read off an analysis.
fn claim(net: &Network, a: &Analysis, scope: &Scope) -> Result<Claim, ProveError> {
    let Scope::Client {
        endpoint, label, ..
    } = scope
    else {
        return Ok(Claim {
            verdict: a.verdict,
            packets: a.packets.clone(),
            reach: a.reach(),
        });
    };
    let Some(access) = access_of(a, endpoint, label) else {
        // The engine leaves out a Verified Access endpoint that leads
        // elsewhere when other endpoints are asked: its claim is that the
        // endpoint carries nothing of the query.
        if net.va_endpoints.contains_key(endpoint)
            && !a
                .paths
                .iter()
                .any(|p| p.via.as_ref().is_some_and(|v| &v.endpoint == endpoint))
        {
            return Ok(Claim {
                verdict: Verdict::Unreachable,
                packets: a.query.packets().intersect(&a.packets),
                reach: Reach::default(),
            });
        }
        return Err(ProveError::Disagree {
            detail: format!(
                "the engine has no access verdict for {endpoint}, {}",
                label_name(label)
            ),
            packet: "(none)".into(),
        });
    };
    Ok(Claim {
        verdict: access.verdict,
        packets: access.packets.clone(),
        reach: access.reach.clone(),
    })
}

fn label_name(label: &Option<String>) -> String {
    match label {
        Some(g) => format!("group {g}"),
        None => "a user in no group".into(),
    }
}

fn scope_name(scope: &Scope) -> String {
    match scope {
        Scope::Query => String::new(),
        Scope::Client {
            endpoint, label, ..
        } => format!(" (through {endpoint}, {})", label_name(label)),
    }
}

/// What the engine says about one packet at one scope and association.
#[derive(Clone, Copy, Debug)]
struct EngineSays {
    /// Gets there and back for every network choice.
    all: bool,
    /// For some choice.
    some: bool,
    undecided: bool,
}

fn engine_on(a: &Analysis, scope: &Scope, p: &Packet) -> EngineSays {
    let pt = p.fields();
    let reach = match scope {
        Scope::Query => a.reach(),
        Scope::Client {
            endpoint, label, ..
        } => access_of(a, endpoint, label)
            // `None`: stopped before any association (or subnet).
            .map(|x| x.reach_through(p.association.as_deref()))
            .unwrap_or_default(),
    };
    EngineSays {
        all: reach.all.contains(&pt),
        some: reach.some.contains(&pt),
        undecided: reach.undecided.contains(&pt),
    }
}

fn check_scope(
    net: &Network,
    analysis: &Analysis,
    solver: &mut dyn Solver,
    scope: Scope,
    replayed: &mut usize,
) -> Result<ScopeProof, ProveError> {
    let query = &analysis.query;
    let w = solver.witnesses(net, query, &scope)?;
    let name = solver.name();
    let verdict = w.verdict();
    let claim = claim(net, analysis, &scope)?;
    let at = scope_name(&scope);
    // Replay each packet the solver found, alone, and check it against the full analysis too.
    type Agrees = fn(EngineSays) -> bool;
    let checks: [(&Option<Packet>, &str, Agrees); 3] = [
        (&w.fails, "fails for this choice", |e| !e.all),
        (&w.reaches, "gets there and back", |e| e.some),
        (&w.undecided, "cannot be decided from the input", |e| {
            e.undecided
        }),
    ];
    for (found, what, agrees) in checks {
        let Some(p) = found else { continue };
        let one = engine::check_packets(net, query.clone(), &p.set());
        *replayed += 1;
        for (which, a) in [("replayed alone", &one), ("in the full analysis", analysis)] {
            let on = engine_on(a, &scope, p);
            if !agrees(on) {
                return Err(ProveError::Disagree {
                    detail: format!(
                        "{name} finds that this packet {what}{at}, the engine ({which}) does not: it says reachable for every choice: {}, for some: {}, undecided: {}",
                        on.all, on.some, on.undecided
                    ),
                    packet: p.to_string(),
                });
            }
        }
    }
    if verdict != claim.verdict {
        let sample = |s: &PacketSet| s.sample().map(sample_packet);
        let packet = match (claim.verdict, verdict) {
            (_, Verdict::Reachable) => sample(&claim.packets.difference(&claim.reach.all)),
            (Verdict::Reachable, _) => w.fails.clone(),
            (Verdict::Unknown, _) => sample(&claim.reach.undecided.intersect(&claim.packets)),
            (_, Verdict::Unknown) => w.undecided.clone(),
            (Verdict::Unreachable, _) => w.reaches.clone(),
            (Verdict::Partial, _) => {
                sample(&claim.reach.some.intersect(&claim.packets)).or_else(|| w.fails.clone())
            }
        };
        return Err(ProveError::Disagree {
            detail: format!(
                "the engine says {}{at}, {name} proves {}",
                claim.verdict.name(),
                verdict.name()
            ),
            packet: packet
                .map(|p| p.to_string())
                .unwrap_or_else(|| "(none found)".into()),
        });
    }
    Ok(ScopeProof {
        scope,
        verdict,
        witnesses: w,
    })
}

/// A packet of an engine set (no choices: the engine's sets range over them).
fn sample_packet(f: [u128; 7]) -> Packet {
    let narrow8 = |v: u128| u8::try_from(v).unwrap_or(u8::MAX);
    let narrow16 = |v: u128| u16::try_from(v).unwrap_or(u16::MAX);
    Packet {
        proto: narrow8(f[0]),
        src: f[1],
        dst: f[2],
        src_port: narrow16(f[3]),
        dst_port: narrow16(f[4]),
        icmp_type: narrow8(f[5]),
        icmp_code: narrow8(f[6]),
        association: None,
        choices: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::QuerySpec;
    use crate::ingest::Loader;

    /// A solver that answers what it is told (tests of `cross_check` without z3).
    struct Canned(Witnesses);

    impl Solver for Canned {
        fn name(&self) -> &'static str {
            "canned"
        }
        fn witnesses(
            &mut self,
            _: &Network,
            _: &engine::Query,
            _: &Scope,
        ) -> Result<Witnesses, ProveError> {
            Ok(self.0.clone())
        }
    }

    fn two_tier() -> Network {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/two-tier.yaml"),
        )
        .unwrap();
        let mut l = Loader::new();
        l.add_yaml("two-tier.yaml", &text).unwrap();
        l.finish().unwrap()
    }

    fn analyse(net: &Network, q: &str) -> Analysis {
        let q = engine::Query::resolve(net, QuerySpec::parse(q).unwrap(), None).unwrap();
        engine::check(net, q)
    }

    fn packet(a: &Analysis) -> Packet {
        sample_packet(a.packets.sample().unwrap())
    }

    #[test]
    fn witnesses_decide_the_verdict() {
        let p = Some(sample_packet([6, 1, 2, 3, 4, 0, 0]));
        let w = |fails: &Option<Packet>, reaches: &Option<Packet>, undecided: &Option<Packet>| {
            Witnesses {
                fails: fails.clone(),
                reaches: reaches.clone(),
                undecided: undecided.clone(),
                queries: 3,
            }
            .verdict()
        };
        assert_eq!(w(&None, &p, &None), Verdict::Reachable);
        assert_eq!(w(&p, &p, &None), Verdict::Partial);
        assert_eq!(w(&p, &None, &None), Verdict::Unreachable);
        assert_eq!(w(&p, &p, &p), Verdict::Unknown);
        assert_eq!(w(&None, &None, &None), Verdict::Unreachable);
    }

    #[test]
    fn a_witness_the_engine_does_not_reproduce_is_a_disagreement() {
        let net = two_tier();
        let a = analyse(&net, "i-app->93.184.216.34:80");
        assert_eq!(a.verdict, Verdict::Unreachable);
        // A solver claiming a packet gets through where the engine drops it.
        let mut s = Canned(Witnesses {
            fails: None,
            reaches: Some(packet(&a)),
            undecided: None,
            queries: 3,
        });
        let e = cross_check(&net, &a, &mut s).unwrap_err();
        assert!(matches!(e, ProveError::Disagree { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.starts_with("engine and solver disagree: "), "{msg}");
        assert!(msg.contains("tcp 10.0.2.35:"), "{msg}");
    }

    #[test]
    fn agreeing_answers_prove_the_verdict() {
        let net = two_tier();
        let a = analyse(&net, "i-app->93.184.216.34:80");
        let mut s = Canned(Witnesses {
            fails: Some(packet(&a)),
            reaches: None,
            undecided: None,
            queries: 3,
        });
        let p = cross_check(&net, &a, &mut s).unwrap();
        assert_eq!(p.verdict, Verdict::Unreachable);
        assert_eq!((p.queries, p.replayed), (3, 1));
    }

    #[cfg(feature = "z3")]
    mod planted {
        use super::*;

        /// An engine bug planted in its answer: one packet dropped from
        /// `reachable` and the verdict turned to partial.
        #[test]
        fn z3_catches_a_packet_missing_from_reachable() {
            let net = two_tier();
            let mut a = analyse(&net, "i-bastion->10.0.2.35:22");
            assert_eq!(a.verdict, Verdict::Reachable);
            let victim = a.packets.sample().unwrap();
            let one = sample_packet(victim).set();
            a.reachable = a.reachable.difference(&one);
            a.reachable_some = a.reachable_some.difference(&one);
            a.verdict = Verdict::Partial;
            let e = cross_check(&net, &a, &mut z3::Z3Solver::new()).unwrap_err();
            let msg = e.to_string();
            assert!(msg.starts_with("engine and solver disagree: "), "{msg}");
            assert!(
                msg.contains("the engine says partial, z3 proves reachable"),
                "{msg}"
            );
            assert!(msg.contains(&sample_packet(victim).to_string()), "{msg}");
        }

        /// A dual-stack VPC (internet gateway), a stopped instance, and a
        /// VPC with only an egress-only internet gateway.
        const ISSUE9: &str = r#"
vpcs:
  - {id: vpc-a, cidrs: [10.0.0.0/16, "2600:1f18:1::/56"]}
  - {id: vpc-b, cidrs: [10.1.0.0/16, "2600:1f18:2::/56"]}
subnets:
  - {id: subnet-a, vpc: vpc-a, cidrs: [10.0.1.0/24, "2600:1f18:1:1::/64"], route_table: rtb-a}
  - {id: subnet-b, vpc: vpc-b, cidrs: [10.1.1.0/24, "2600:1f18:2:1::/64"], route_table: rtb-b}
route_tables:
  - id: rtb-a
    vpc: vpc-a
    routes:
      - {dest: 0.0.0.0/0, target: igw-a}
      - {dest: "::/0", target: igw-a}
  - id: rtb-b
    vpc: vpc-b
    routes: [{dest: "::/0", target: eigw-b}]
internet_gateways: [{id: igw-a, vpc: vpc-a}]
egress_only_internet_gateways: [{id: eigw-b, vpc: vpc-b}]
instances:
  - {id: i-stopped, state: stopped}
security_groups:
  - id: sg-web
    vpc: vpc-a
    name: web
    ingress: [{proto: tcp, ports: 443, from: [0.0.0.0/0, "::/0"]}]
    egress: [{proto: all, to: [0.0.0.0/0, "::/0"]}]
  - id: sg-b
    vpc: vpc-b
    name: b
    ingress: [{proto: all, from: [0.0.0.0/0, "::/0"]}]
    egress: [{proto: all, to: [0.0.0.0/0, "::/0"]}]
interfaces:
  - {id: eni-web, subnet: subnet-a, ip: 10.0.1.10, public_ip: 198.51.100.10, ipv6: ["2600:1f18:1:1::10"], groups: [sg-web]}
  - {id: eni-off, subnet: subnet-a, ip: 10.0.1.20, groups: [sg-web], instance: i-stopped}
  - {id: eni-b, subnet: subnet-b, ip: 10.1.1.10, ipv6: ["2600:1f18:2:1::10"], groups: [sg-b]}
"#;

        /// The engine's analysis of `q` on [`ISSUE9`] with its verdict
        /// replaced by `planted` (and its packet sets made to match), and
        /// the verdict it had.
        fn planted(q: &str, planted: Verdict) -> (Network, Analysis, Verdict) {
            let mut l = Loader::new();
            l.add_yaml("issue9.yaml", ISSUE9).unwrap();
            let net = l.finish().unwrap();
            let mut a = analyse(&net, q);
            let was = a.verdict;
            a.verdict = planted;
            match planted {
                Verdict::Reachable => {
                    a.reachable = a.packets.clone();
                    a.reachable_some = a.packets.clone();
                    a.undecided = PacketSet::empty();
                }
                _ => {
                    a.reachable = PacketSet::empty();
                    a.reachable_some = PacketSet::empty();
                }
            }
            (net, a, was)
        }

        /// The planted verdict is refuted by z3 with the true one.
        fn refuted(q: &str, truth: Verdict, plant: Verdict) {
            let (net, a, was) = planted(q, plant);
            assert_eq!(was, truth, "{q}: the engine's own verdict");
            let e = cross_check(&net, &a, &mut z3::Z3Solver::new()).unwrap_err();
            assert!(matches!(e, ProveError::Disagree { .. }), "{q}: {e}");
            let msg = e.to_string();
            assert!(
                msg.contains(&format!(
                    "the engine says {}, z3 proves {}",
                    plant.name(),
                    truth.name()
                )) || msg.contains("the engine (in the full analysis) does not"),
                "{q}: {msg}"
            );
        }

        #[test]
        fn z3_refutes_planted_issue9_verdicts() {
            use Verdict::*;
            // IPv6 from the internet meets the groups (only 443 allowed).
            refuted("internet->[2600:1f18:1:1::10]:22", Unreachable, Reachable);
            refuted("internet->[2600:1f18:1:1::10]:443", Reachable, Unreachable);
            // An egress-only gateway: out and back, never in.
            refuted("eni-b->[2001:db8::7]:443", Reachable, Unreachable);
            refuted("internet->[2600:1f18:2:1::10]:443", Unreachable, Reachable);
            // A stopped instance answers nothing.
            refuted("eni-web->10.0.1.20:443", Unreachable, Reachable);
            // AWS-provided services need no group, ACL or route.
            refuted("eni-b->169.254.169.254:80", Reachable, Unreachable);
            refuted("eni-b->169.254.169.254:81", Unreachable, Reachable);
        }

        #[test]
        fn z3_catches_a_flipped_verdict() {
            let net = two_tier();
            let mut a = analyse(&net, "i-app->93.184.216.34:80");
            a.verdict = Verdict::Reachable;
            let e = cross_check(&net, &a, &mut z3::Z3Solver::new()).unwrap_err();
            assert!(matches!(e, ProveError::Disagree { .. }), "{e}");
            assert!(
                e.to_string()
                    .contains("the engine says reachable, z3 proves unreachable"),
                "{e}"
            );
        }

        #[test]
        fn z3_catches_a_reply_the_engine_lets_through() {
            // Claim the NAT path works on port 80 (blocked by the private ACL).
            let net = two_tier();
            let good = analyse(&net, "i-app->93.184.216.34:443");
            let mut a = analyse(&net, "i-app->93.184.216.34:80");
            a.reachable = a.packets.clone();
            a.reachable_some = a.packets.clone();
            a.verdict = good.verdict;
            let e = cross_check(&net, &a, &mut z3::Z3Solver::new()).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("engine and solver disagree"), "{msg}");
            assert!(msg.contains("-> 93.184.216.34:80"), "{msg}");
        }
    }
}
