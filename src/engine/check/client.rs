//! `client->DST:PORT`: every user of the query through every access endpoint
//! (aws-semantics.md §6, §7). `access` decides who enters and through which
//! associations (Client VPN) or subnets (Verified Access); from each, the
//! ordinary VPC path is walked, both ways. Verdicts combine as the client
//! experiences them: every association or subnet must work (the client
//! cannot choose), any endpoint may (the user can), and every user must.

use std::collections::BTreeSet;

use crate::hs::PacketSet;
use crate::model::{ClientVpnEndpoint, Network, VaEndpoint};

use crate::engine::access::{
    CvpnAdmission, Door, VaAdmission, VaEntry, admit_cvpn, admit_va, cvpn_assumptions,
    va_endpoints_toward,
};
use crate::engine::analysis::{
    Access, Analysis, Direction, End, Hop, Leaf, Path, Reach, Verdict, Via,
};
use crate::engine::decision::User;
use crate::engine::flow::Flow;
use crate::engine::query::Query;
use crate::engine::rules;
use crate::engine::walk;

use super::paths::{Back, finish_paths, reach, tally};

/// What one user's connection through one endpoint found: its paths, and
/// the user's verdict there (none for an engine bug).
type Found = (Vec<Path>, Option<Access>);

/// One association (or Verified Access subnet) the network may choose:
/// its ID, subnet, verdict and what gets there and back through it.
type Through = (String, String, Verdict, Reach);

pub(super) fn check_client(
    net: &Network,
    query: Query,
    endpoints: &[String],
    only: Option<&PacketSet>,
) -> Analysis {
    let mut assumptions: BTreeSet<String> = query.assumptions.iter().cloned().collect();
    let mut paths = Vec::new();
    let mut access = Vec::new();
    let mut all_packets = PacketSet::empty();
    let within = |p: PacketSet| match only {
        Some(o) => p.intersect(o),
        None => p,
    };
    let mut add = |(ps, a): Found| {
        paths.extend(ps);
        access.extend(a);
    };
    for ep in endpoints
        .iter()
        .filter_map(|id| net.client_vpn_endpoints.get(id))
    {
        let packets = within(query.packets_from(rules::cidr_set(&ep.client_cidr)));
        all_packets = all_packets.union(&packets);
        cvpn_assumptions(ep, !query.groups.is_empty(), &mut assumptions);
        // Every user on every endpoint: a user may use any of them.
        for user in &query.users {
            add(through_cvpn(
                net,
                &query,
                ep,
                user,
                &packets,
                &mut assumptions,
            ));
        }
    }
    for (ep, target) in va_endpoints_toward(net, endpoints, query.dst_ip, &mut assumptions) {
        let packets = within(query.packets());
        all_packets = all_packets.union(&packets);
        for i in 0..query.users.len() {
            let admission = admit_va(&query, ep, &target, i, &packets, &mut assumptions);
            let user = &query.users[i];
            add(through_va(
                net,
                &query,
                ep,
                user,
                admission,
                &packets,
                &mut assumptions,
            ));
        }
    }
    let parts: Vec<(&Option<String>, Verdict)> =
        access.iter().map(|a| (&a.group, a.verdict)).collect();
    let verdict = Verdict::of_users(&query.users, &parts);
    let (_, carried) = tally(&all_packets, &paths);
    Analysis {
        query,
        verdict,
        packets: all_packets,
        reachable: carried.all,
        reachable_some: carried.some,
        undecided: carried.undecided,
        paths,
        access,
        assumptions: assumptions.into_iter().collect(),
    }
}

/// Which access path `user` took through `endpoint`: `None` before any
/// association or subnet.
fn via(endpoint: &str, user: &User, association: Option<&str>) -> Via {
    Via {
        endpoint: endpoint.to_string(),
        association: association.map(str::to_string),
        group: user.label.clone(),
    }
}

/// The verdict of `user` through `endpoint` over `packets`, from its
/// `paths` and what each association they go `through` carries.
fn access(
    endpoint: &str,
    user: &User,
    verdict: Verdict,
    packets: &PacketSet,
    paths: &[Path],
    through: Vec<Through>,
) -> Option<Access> {
    let stopped: Vec<&Path> = paths
        .iter()
        .filter(|p| p.via.as_ref().is_some_and(|v| v.association.is_none()))
        .collect();
    let before = reach(stopped.iter().copied());
    // Every association must work (the network chooses), so `all` is what
    // all of them carry, and nothing when some packets stop before them.
    let mut all: Option<PacketSet> = None;
    let mut some = PacketSet::empty();
    let mut undecided = before.undecided.clone();
    for (_, _, _, r) in &through {
        all = Some(match all {
            None => r.all.clone(),
            Some(x) => x.intersect(&r.all),
        });
        some = some.union(&r.some);
        undecided = undecided.union(&r.undecided);
    }
    let all = match all {
        Some(x) if stopped.is_empty() => x,
        _ => PacketSet::empty(),
    };
    Some(Access {
        endpoint: endpoint.to_string(),
        group: user.label.clone(),
        verdict,
        associations: through
            .iter()
            .map(|(id, subnet, v, _)| (id.clone(), subnet.clone(), *v))
            .collect(),
        packets: packets.clone(),
        reach: Reach {
            all,
            some,
            undecided,
        },
        before,
        through: through.into_iter().map(|(id, _, _, r)| (id, r)).collect(),
    })
}

/// A user whose `paths` through `endpoint` stop before any association or
/// subnet (or go client-to-client), with their `verdict`.
fn stopped(
    endpoint: &str,
    user: &User,
    packets: &PacketSet,
    paths: Vec<Path>,
    verdict: Verdict,
) -> Found {
    let a = access(endpoint, user, verdict, packets, &paths, Vec::new());
    (paths, a)
}

/// A user whose `paths` through `endpoint` go through each association or
/// subnet of `through`: every one must work, the client cannot choose.
fn through_every(
    endpoint: &str,
    user: &User,
    packets: &PacketSet,
    paths: Vec<Path>,
    through: Vec<Through>,
) -> Found {
    let verdicts: Vec<Verdict> = through.iter().map(|(_, _, v, _)| *v).collect();
    let a = access(
        endpoint,
        user,
        Verdict::all_of(&verdicts),
        packets,
        &paths,
        through,
    );
    (paths, a)
}

/// One user through one Client VPN endpoint, then through each association
/// into the VPC.
fn through_cvpn(
    net: &Network,
    query: &Query,
    ep: &ClientVpnEndpoint,
    user: &User,
    packets: &PacketSet,
    assumptions: &mut BTreeSet<String>,
) -> Found {
    let via = |association: Option<&str>| via(&ep.id, user, association);
    let alone = |p: Path, verdict: Verdict| stopped(&ep.id, user, packets, vec![p], verdict);
    let doors = match admit_cvpn(ep, query.dst_ip, &user.label, &user.groups, assumptions) {
        CvpnAdmission::Stopped(hops, cause) => {
            let p = Path::dropped(hops, Flow::new(packets.clone()), cause, via(None));
            return alone(p, Verdict::Unreachable);
        }
        CvpnAdmission::ClientToClient { forward, back } => {
            let p = client_to_client(&ep.id, forward, back, packets, via(None));
            return alone(p, Verdict::Reachable);
        }
        CvpnAdmission::Enter(doors) => doors,
    };
    let mut paths = Vec::new();
    let mut per_assoc = Vec::new();
    for Door {
        association: a,
        hops,
        stop,
    } in doors
    {
        let mut ps = match stop {
            Some(cause) => {
                let flow = Flow::new(packets.clone());
                vec![Path::dropped(hops, flow, cause, via(Some(&a.id)))]
            }
            None => {
                let flow = Flow::new(packets.clone());
                let forward = walk::from_association(net, query, ep, a, flow, hops, assumptions);
                let back_to = Back::Eni(a.id.clone());
                finish_paths(net, query, forward, &back_to, assumptions)
            }
        };
        let (v, r) = tally(packets, &ps);
        for p in &mut ps {
            p.via = Some(via(Some(&a.id)));
        }
        paths.extend(ps);
        per_assoc.push((a.id.clone(), a.subnet.clone(), v, r));
    }
    through_every(&ep.id, user, packets, paths, per_assoc)
}

/// Client-to-client through the endpoint's `local` route, both ways: no VPC
/// filter applies between clients.
fn client_to_client(
    endpoint: &str,
    forward: Vec<Hop>,
    back: Vec<Hop>,
    packets: &PacketSet,
    via: Via,
) -> Path {
    let flow = Flow::new(packets.clone());
    Path {
        verdict: Verdict::Reachable,
        forward: Leaf {
            direction: Direction::Forward,
            hops: forward,
            end: End::Internet,
            flow: flow.clone(),
            state: Default::default(),
        },
        back: Some(Leaf {
            direction: Direction::Return,
            hops: back,
            end: End::Arrived {
                eni: endpoint.to_string(),
            },
            flow,
            state: Default::default(),
        }),
        via: Some(via),
    }
}

/// One user through one Verified Access endpoint (as `admission` decided),
/// then from the endpoint's network interfaces in each of its subnets into
/// the VPC.
fn through_va(
    net: &Network,
    query: &Query,
    ep: &VaEndpoint,
    user: &User,
    admission: VaAdmission,
    packets: &PacketSet,
    assumptions: &mut BTreeSet<String>,
) -> Found {
    let via = |subnet: Option<&str>| via(&ep.id, user, subnet);
    let everything = || Flow::new(packets.clone());
    let alone = |p: Path, verdict: Verdict| stopped(&ep.id, user, packets, vec![p], verdict);
    let (hops, carried, refused) = match admission {
        VaAdmission::Stopped(hops, cause) => {
            let p = Path::dropped(hops, everything(), cause, via(None));
            return alone(p, Verdict::Unreachable);
        }
        VaAdmission::Undecided(hops, reason) => {
            let p = Path::undecided(hops, everything(), &ep.id, reason, via(None));
            return alone(p, Verdict::Unknown);
        }
        VaAdmission::NoDecision(hops) => {
            let reason = "no policy decision was made for this user (engine bug)".into();
            let p = Path::undecided(hops, everything(), &ep.id, reason, via(None));
            return (vec![p], None);
        }
        VaAdmission::Enter(entry) => {
            let VaEntry {
                hops,
                carried,
                refused,
            } = *entry;
            (hops, carried, refused)
        }
    };
    let mut refused: Vec<Path> = refused
        .map(|(h, flow, cause)| Path::dropped(h, flow, cause, via(None)))
        .into_iter()
        .collect();
    if ep.subnets.is_empty() || carried.is_empty() {
        if !carried.is_empty() {
            refused.push(Path::undecided(
                hops,
                carried,
                &ep.id,
                "the endpoint's subnets are not in the input: where its traffic enters the VPC is unknown".into(),
                via(None),
            ));
        }
        let (v, _) = tally(packets, &refused);
        return stopped(&ep.id, user, packets, refused, v);
    }
    let mut paths = Vec::new();
    let mut per_subnet = Vec::new();
    for subnet in &ep.subnets {
        let forward = walk::from_va(
            net,
            query,
            ep,
            subnet,
            carried.clone(),
            hops.clone(),
            assumptions,
        );
        let back_to = Back::Eni(ep.id.clone());
        let mut ps = finish_paths(net, query, forward, &back_to, assumptions);
        ps.extend(refused.iter().cloned());
        let (v, r) = tally(packets, &ps);
        for p in &mut ps {
            p.via = Some(via(Some(subnet)));
        }
        paths.extend(ps);
        per_subnet.push((subnet.clone(), subnet.clone(), v, r));
    }
    through_every(&ep.id, user, packets, paths, per_subnet)
}
