//! Discovery: every filter opened (security groups, network ACLs, Client
//! VPN authorization; routes stay) and each intent asked of the engine; the
//! places its paths cross and what each must pass ([`super::needs`]), the
//! Client VPN routes the engine says are missing and the authorization the
//! intents' users need. Must-nots are asked of the input with only the
//! rewritten filters opened: a must-not stays unreachable when some
//! crossing of each of its paths is left without a rule that overlaps it.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::engine::{self, Analysis, Cause, End, Verdict};
use crate::model::{
    Action, ClientVpnAuthRule, ClientVpnRoute, NaclEntry, Network, Peer, PortMatch, Protocol,
    SgRule,
};

use super::intents::{Intent, Intents};
use super::needs::{Need, OPEN, path_needs};
use super::types::{Dir, Granularity, NewAuth, NewRoute, Place, SynthError};

/// What discovery found.
pub(super) struct Found {
    pub places: Vec<Place>,
    pub endpoints: Vec<String>,
    pub auth: Vec<NewAuth>,
    pub routes: Vec<NewRoute>,
    /// The input with the routes added, the places and the endpoints'
    /// authorization emptied.
    pub base: Network,
    pub needs: Vec<Need>,
    /// Per path of a reachable must-not: its needs at rewritten places.
    pub forbid: Vec<(String, Vec<Need>)>,
    pub assumptions: Vec<String>,
}

fn open_sg_rules() -> Vec<SgRule> {
    ["0.0.0.0/0", "::/0"]
        .iter()
        .enumerate()
        .map(|(i, c)| SgRule {
            protocol: Protocol::All,
            ports: PortMatch::Any,
            peer: Peer::Cidr(c.parse().expect("static cidr")),
            description: None,
            rule_id: None,
            position: format!("{OPEN}[{i}]"),
        })
        .collect()
}

fn open_nacl_entries() -> Vec<NaclEntry> {
    ["0.0.0.0/0", "::/0"]
        .iter()
        .enumerate()
        .map(|(i, c)| NaclEntry {
            number: i as u16 + 1,
            action: Action::Allow,
            protocol: Protocol::All,
            cidr: c.parse().expect("static cidr"),
            ports: PortMatch::Any,
            source: Some(OPEN.to_string()),
        })
        .collect()
}

fn open_auth() -> Vec<ClientVpnAuthRule> {
    ["0.0.0.0/0", "::/0"]
        .iter()
        .map(|c| ClientVpnAuthRule {
            dest: c.parse().expect("static cidr"),
            access_all: true,
            group: None,
            status: "active".into(),
            description: Some(OPEN.into()),
        })
        .collect()
}

/// `net` with every filter open (`places` `None`) or only these.
fn opened(net: &Network, places: Option<&BTreeSet<Place>>) -> Network {
    let mut out = net.clone();
    let open = |p: Place| places.is_none_or(|s| s.contains(&p));
    for sg in out.security_groups.values_mut() {
        for dir in [Dir::Inbound, Dir::Outbound] {
            if open(Place::Sg {
                group: sg.id.clone(),
                dir,
            }) {
                *rules_mut(sg, dir) = open_sg_rules();
            }
        }
    }
    for acl in out.network_acls.values_mut() {
        for dir in [Dir::Inbound, Dir::Outbound] {
            if open(Place::Nacl {
                acl: acl.id.clone(),
                dir,
            }) {
                *entries_mut(acl, dir) = open_nacl_entries();
            }
        }
    }
    if places.is_none() {
        for e in out.client_vpn_endpoints.values_mut() {
            e.auth_rules = open_auth();
        }
    }
    out
}

pub(super) fn rules_mut(sg: &mut crate::model::SecurityGroup, dir: Dir) -> &mut Vec<SgRule> {
    match dir {
        Dir::Inbound => &mut sg.ingress,
        Dir::Outbound => &mut sg.egress,
    }
}

pub(super) fn entries_mut(acl: &mut crate::model::NetworkAcl, dir: Dir) -> &mut Vec<NaclEntry> {
    match dir {
        Dir::Inbound => &mut acl.inbound,
        Dir::Outbound => &mut acl.outbound,
    }
}

/// Asks one flow (every user it names) of `net`.
pub(super) fn ask(net: &Network, intent: &Intent) -> Result<Vec<Analysis>, SynthError> {
    let spec = intent.spec()?;
    intent
        .options()
        .iter()
        .map(|o| {
            let q = engine::Query::resolve_with(net, spec.clone(), o).map_err(|e| {
                SynthError::Engine {
                    at: intent.at.clone(),
                    message: e.to_string(),
                }
            })?;
            Ok(engine::check(net, q))
        })
        .collect()
}

/// The CIDR a Client VPN authorization rule or route names for `dst`.
pub(super) fn dest_cidr(net: &Network, dst: IpAddr, gran: Granularity) -> IpNet {
    if gran != Granularity::Host
        && let Some(c) = net
            .subnets
            .values()
            .flat_map(|s| s.cidrs.iter())
            .find(|c| c.contains(&dst))
    {
        return *c;
    }
    IpNet::from(dst)
}

/// Client VPN routes missing for the intents' destinations, as the engine
/// reports them.
fn missing_routes(net: &Network, a: &Analysis, gran: Granularity) -> Vec<NewRoute> {
    let mut out = Vec::new();
    for p in &a.paths {
        let End::Dropped(cause) = &p.forward.end else {
            continue;
        };
        match cause {
            Cause::CvpnAssociationNoRoute {
                endpoint,
                subnet,
                suggest,
                ..
            } => {
                if let Ok(dest) = suggest.parse::<IpNet>() {
                    out.push(NewRoute {
                        endpoint: endpoint.clone(),
                        dest,
                        subnet: subnet.clone(),
                    });
                }
            }
            Cause::SplitTunnelBypass { endpoint } | Cause::CvpnNoRoute { endpoint } => {
                if let Some(e) = net.client_vpn_endpoints.get(endpoint) {
                    for assoc in &e.associations {
                        out.push(NewRoute {
                            endpoint: endpoint.clone(),
                            dest: dest_cidr(net, a.query.dst_ip, gran),
                            subnet: assoc.subnet.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(super) fn add_routes(net: &mut Network, routes: &[NewRoute]) {
    for r in routes {
        if let Some(e) = net.client_vpn_endpoints.get_mut(&r.endpoint)
            && !e
                .routes
                .iter()
                .any(|x| x.dest == r.dest && x.target_subnet == r.subnet)
        {
            e.routes.push(ClientVpnRoute {
                dest: r.dest,
                target_subnet: r.subnet.clone(),
                status: "active".into(),
                origin: Some("add-route".into()),
            });
        }
    }
}

/// Why an analysis is not `reachable`, in a few words.
fn why(a: &Analysis) -> String {
    let mut out: Vec<String> = a
        .paths
        .iter()
        .filter_map(|p| p.stop())
        .map(|l| match &l.end {
            End::Dropped(c) => crate::explain::blocker(c),
            End::Unknown { component, reason } => format!("{component}: {reason}"),
            _ => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect();
    out.dedup();
    if out.is_empty() {
        format!("the engine answers {}", a.verdict.name())
    } else {
        format!(
            "{} even with every security group, network ACL and authorization rule open: {}",
            a.verdict.name(),
            out.join("; ")
        )
    }
}

/// Finds the places to rewrite, the needs, authorization and routes.
pub(super) fn discover(
    net: &Network,
    intents: &Intents,
    gran: Granularity,
) -> Result<Found, SynthError> {
    let mut open = opened(net, None);
    let (routes, answers) = ask_routed(&mut open, intents, gran)?;
    let Wants {
        needs,
        auth,
        assumptions,
    } = intent_needs(net, &open, intents, &answers, gran)?;
    let needs = merge_needs(needs);
    let places: BTreeSet<Place> = needs
        .iter()
        .flat_map(|n| n.places.iter().cloned())
        .collect();
    let endpoints: Vec<String> = auth
        .iter()
        .map(|a| a.endpoint.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let base = base_network(net, &routes, &places, &endpoints);
    let forbid = forbidden(&base, &places, &auth, intents, gran)?;
    Ok(Found {
        places: places.into_iter().collect(),
        endpoints,
        auth,
        routes,
        base,
        needs,
        forbid,
        assumptions: assumptions.into_iter().collect(),
    })
}

/// The intents asked of the opened network `open`; the Client VPN routes
/// the engine says are missing are added to it (and returned), and the
/// intents asked again, at most three rounds. With the last answers.
fn ask_routed(
    open: &mut Network,
    intents: &Intents,
    gran: Granularity,
) -> Result<(Vec<NewRoute>, Vec<Vec<Analysis>>), SynthError> {
    let mut routes: Vec<NewRoute> = Vec::new();
    let mut answers: Vec<Vec<Analysis>> = Vec::new();
    // Client VPN routes the engine says are missing, then again.
    for round in 0..3 {
        answers.clear();
        let mut more = Vec::new();
        for intent in &intents.must {
            let asked = ask(open, intent)?;
            for a in &asked {
                if a.verdict != Verdict::Reachable {
                    more.extend(missing_routes(open, a, gran));
                }
            }
            answers.push(asked);
        }
        more.retain(|r| !routes.contains(r));
        more.dedup();
        if more.is_empty() || round == 2 {
            break;
        }
        add_routes(open, &more);
        routes.extend(more);
    }
    Ok((routes, answers))
}

/// What the intents' reachable paths want.
struct Wants {
    /// Not merged.
    needs: Vec<Need>,
    /// The Client VPN authorization their users need.
    auth: Vec<NewAuth>,
    /// The engine's.
    assumptions: BTreeSet<String>,
}

/// What the intents' reachable paths in `open` want; an intent still not
/// reachable is an error.
fn intent_needs(
    net: &Network,
    open: &Network,
    intents: &Intents,
    answers: &[Vec<Analysis>],
    gran: Granularity,
) -> Result<Wants, SynthError> {
    let mut needs: Vec<Need> = Vec::new();
    let mut auth: Vec<NewAuth> = Vec::new();
    let mut assumptions = BTreeSet::new();
    for (i, (intent, asked)) in intents.must.iter().zip(answers).enumerate() {
        for a in asked {
            if a.verdict != Verdict::Reachable {
                return Err(SynthError::Unreachable {
                    at: intent.at.clone(),
                    query: intent.query_text(),
                    message: why(a),
                });
            }
            assumptions.extend(a.assumptions.iter().cloned());
            for p in a.paths.iter().filter(|p| p.verdict == Verdict::Reachable) {
                needs.extend(path_needs(open, p, i, gran, false).map_err(|m| {
                    SynthError::Unsupported {
                        at: intent.at.clone(),
                        query: intent.query_text(),
                        message: m,
                    }
                })?);
                let Some(via) = &p.via else { continue };
                let Some(e) = net.client_vpn_endpoints.get(&via.endpoint) else {
                    continue;
                };
                let dest = dest_cidr(net, a.query.dst_ip, gran);
                let groups: Vec<Option<String>> = if e.has_groups() && !a.query.groups.is_empty() {
                    a.query.groups.iter().cloned().map(Some).collect()
                } else {
                    vec![None]
                };
                for g in groups {
                    let rule = ClientVpnAuthRule {
                        dest,
                        access_all: g.is_none(),
                        group: g,
                        status: "active".into(),
                        description: Some(format!("reach synth: {}", intent.at)),
                    };
                    let na = NewAuth {
                        endpoint: e.id.clone(),
                        rule,
                    };
                    if !auth.iter().any(|x| {
                        x.endpoint == na.endpoint
                            && x.rule.dest == na.rule.dest
                            && x.rule.group == na.rule.group
                    }) {
                        auth.push(na);
                    }
                }
            }
        }
    }
    Ok(Wants {
        needs,
        auth,
        assumptions,
    })
}

/// The input with the routes added, the places and the endpoints'
/// authorization emptied.
fn base_network(
    net: &Network,
    routes: &[NewRoute],
    places: &BTreeSet<Place>,
    endpoints: &[String],
) -> Network {
    let mut base = net.clone();
    add_routes(&mut base, routes);
    for p in places {
        match p {
            Place::Sg { group, dir } => {
                if let Some(sg) = base.security_groups.get_mut(group) {
                    rules_mut(sg, *dir).clear();
                }
            }
            Place::Nacl { acl, dir } => {
                if let Some(a) = base.network_acls.get_mut(acl) {
                    entries_mut(a, *dir).clear();
                }
            }
        }
    }
    for e in endpoints {
        if let Some(ep) = base.client_vpn_endpoints.get_mut(e) {
            ep.auth_rules.clear();
        }
    }
    base
}

/// Per path of a reachable must-not, its needs at rewritten places: asked
/// of `base` with the places open and the synthesized authorization.
fn forbidden(
    base: &Network,
    places: &BTreeSet<Place>,
    auth: &[NewAuth],
    intents: &Intents,
    gran: Granularity,
) -> Result<Vec<(String, Vec<Need>)>, SynthError> {
    let mut probe = opened(base, Some(places));
    for a in auth {
        if let Some(ep) = probe.client_vpn_endpoints.get_mut(&a.endpoint) {
            ep.auth_rules.push(a.rule.clone());
        }
    }
    let mut forbid = Vec::new();
    for (i, m) in intents.must_not.iter().enumerate() {
        for a in ask(&probe, m)? {
            for p in a.paths.iter().filter(|p| p.verdict != Verdict::Unreachable) {
                if p.verdict == Verdict::Unknown {
                    continue;
                }
                let n = path_needs(&probe, p, i, gran, true).map_err(|msg| {
                    SynthError::Unsupported {
                        at: m.at.clone(),
                        query: m.query_text(),
                        message: msg,
                    }
                })?;
                if n.is_empty() {
                    return Err(SynthError::Infeasible(format!(
                        "{} `{}` is reachable through filters synth does not rewrite",
                        m.at,
                        m.query_text()
                    )));
                }
                forbid.push((m.at.clone(), n));
            }
        }
    }
    Ok(forbid)
}

/// The needs of the intents in `net` as it is (tighten): each must be
/// reachable there; with the engine's answers.
pub(super) fn needs_in(
    net: &Network,
    intents: &Intents,
    gran: Granularity,
) -> Result<(Vec<Need>, Vec<Analysis>), SynthError> {
    let mut needs = Vec::new();
    let mut all = Vec::new();
    for (i, intent) in intents.must.iter().enumerate() {
        for a in ask(net, intent)? {
            if a.verdict != Verdict::Reachable {
                return Err(SynthError::Unreachable {
                    at: intent.at.clone(),
                    query: intent.query_text(),
                    message: format!(
                        "{} in the input: tighten keeps what works (reach synth writes what is missing)",
                        a.verdict.name()
                    ),
                });
            }
            for p in a.paths.iter().filter(|p| p.verdict == Verdict::Reachable) {
                needs.extend(path_needs(net, p, i, gran, false).map_err(|m| {
                    SynthError::Unsupported {
                        at: intent.at.clone(),
                        query: intent.query_text(),
                        message: m,
                    }
                })?);
            }
            all.push(a);
        }
    }
    Ok((merge_needs(needs), all))
}

/// Needs equal but for the intent, merged.
fn merge_needs(needs: Vec<Need>) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::new();
    for n in needs {
        match out.iter_mut().find(|o| {
            o.places == n.places
                && o.protocol == n.protocol
                && o.ports == n.ports
                && o.peer == n.peer
        }) {
            Some(o) => {
                for i in n.intents {
                    if !o.intents.contains(&i) {
                        o.intents.push(i);
                    }
                }
            }
            None => out.push(n),
        }
    }
    out
}
