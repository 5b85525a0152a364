//! Random small snapshots as YAML model text, and queries for them.
//!
//! Universes are small on purpose (a few CIDRs, a palette of ports) so rule
//! boundaries collide. Specs refer to each other by index, taken modulo what
//! exists when rendering, so every shrunk spec still renders a valid model.

use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// Port ranges rules and queries use.
const PORTS: [(u16, u16); 8] = [
    (22, 22),
    (80, 80),
    (443, 443),
    (1000, 2000),
    (32768, 60999),
    (1024, 65535),
    (0, 65535),
    (49152, 65535),
];
/// ICMP types rules and queries use.
const TYPES: [u8; 3] = [8, 0, 3];
/// Public addresses: the snapshot's own public IPs are 198.51.100.10+.
const PUBLIC_CIDRS: [&str; 3] = ["198.51.100.0/24", "198.51.100.7/32", "52.0.0.0/8"];
const GROUPS: [&str; 3] = ["g1", "g2", "g3"];

#[derive(Clone, Debug)]
pub struct Rule {
    proto: u8,
    ports: u8,
    peer: u8,
}

#[derive(Clone, Debug)]
pub struct Entry {
    slot: u8,
    allow: bool,
    rule: Rule,
}

#[derive(Clone, Debug)]
pub struct Acl {
    vpc: u8,
    inbound: Vec<Entry>,
    outbound: Vec<Entry>,
}

#[derive(Clone, Debug)]
pub struct RouteSpec {
    dest: u8,
    target: u8,
    blackhole: bool,
}

#[derive(Clone, Debug)]
pub struct Rtb {
    vpc: u8,
    main: bool,
    routes: Vec<RouteSpec>,
}

#[derive(Clone, Debug)]
pub struct Sg {
    vpc: u8,
    ingress: Vec<Rule>,
    egress: Option<Vec<Rule>>,
}

#[derive(Clone, Debug)]
pub struct SubnetSpec {
    vpc: u8,
    n: u8,
    acl: Option<u8>,
    rtb: Option<u8>,
}

#[derive(Clone, Debug)]
pub struct Eni {
    subnet: u8,
    public: bool,
    groups: Vec<u8>,
    /// None: a bare interface; Some(windows?): an instance's.
    instance: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct Cvpn {
    vpc: u8,
    split: bool,
    federated: bool,
    sgs: Option<Vec<u8>>,
    /// (subnet, with an ENI address?)
    assocs: Vec<(u8, bool)>,
    routes: Vec<(u8, u8)>,
    /// (dest, None = access_all / Some(group))
    auth: Vec<(u8, Option<u8>)>,
}

#[derive(Clone, Debug)]
pub struct QuerySpec {
    src: u8,
    src_ref: u8,
    dst: u8,
    dst_ref: u8,
    proto: u8,
    ports: u8,
    group: Option<u8>,
    src_port: Option<u8>,
}

#[derive(Clone, Debug)]
pub struct Spec {
    vpcs: u8,
    /// Peerings (a, b, active?).
    peerings: Vec<(u8, u8, bool)>,
    igws: Vec<bool>,
    subnets: Vec<SubnetSpec>,
    acls: Vec<Acl>,
    rtbs: Vec<Rtb>,
    sgs: Vec<Sg>,
    enis: Vec<Eni>,
    nats: Vec<u8>,
    prefix_list: Option<bool>,
    cvpns: Vec<Cvpn>,
    queries: Vec<QuerySpec>,
}

/// A query as the CLI would take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub groups: Vec<String>,
    pub src_port: Option<(u16, u16)>,
}

impl Query {
    /// `QUERY [--group G]... [--src-port A-B]`, the regression-file form.
    pub fn line(&self) -> String {
        let mut s = self.text.clone();
        for g in &self.groups {
            let _ = write!(s, " --group {g}");
        }
        if let Some((a, b)) = self.src_port {
            let _ = write!(s, " --src-port {a}-{b}");
        }
        s
    }

    pub fn parse_line(line: &str) -> Query {
        let mut words = line.split_whitespace();
        let text = words.next().expect("a query").to_string();
        let mut q = Query {
            text,
            groups: Vec::new(),
            src_port: None,
        };
        while let Some(w) = words.next() {
            let v = words.next().expect("an option value");
            match w {
                "--group" => q.groups.push(v.to_string()),
                "--src-port" => {
                    q.src_port = Some(reach::engine::parse_port_range(v).expect("a port range"))
                }
                other => panic!("unknown option {other}"),
            }
        }
        q
    }
}

/// A rendered case: the YAML model and the queries.
#[derive(Clone, Debug)]
pub struct Case {
    pub yaml: String,
    pub queries: Vec<Query>,
}

fn rule() -> impl Strategy<Value = Rule> {
    (0u8..4, any::<u8>(), any::<u8>()).prop_map(|(proto, ports, peer)| Rule { proto, ports, peer })
}

fn entry() -> impl Strategy<Value = Entry> {
    (0u8..12, any::<bool>(), rule()).prop_map(|(slot, allow, rule)| Entry { slot, allow, rule })
}

fn query() -> impl Strategy<Value = QuerySpec> {
    (
        0u8..9,
        any::<u8>(),
        0u8..8,
        any::<u8>(),
        prop_oneof![4 => Just(0u8), 2 => Just(1u8), 2 => Just(2u8)],
        any::<u8>(),
        option::weighted(0.3, 0u8..3),
        option::weighted(0.1, any::<u8>()),
    )
        .prop_map(
            |(src, src_ref, dst, dst_ref, proto, ports, group, src_port)| QuerySpec {
                src,
                src_ref,
                dst,
                dst_ref,
                proto,
                ports,
                group,
                src_port,
            },
        )
}

pub fn spec() -> impl Strategy<Value = Spec> {
    let net = (
        1u8..=3,
        vec((0u8..3, 0u8..3, prop::bool::weighted(0.85)), 0..=2),
        vec(prop::bool::weighted(0.7), 3),
        vec(
            (
                0u8..3,
                1u8..=2,
                option::of(any::<u8>()),
                option::of(any::<u8>()),
            )
                .prop_map(|(vpc, n, acl, rtb)| SubnetSpec { vpc, n, acl, rtb }),
            1..=4,
        ),
        vec(
            (0u8..3, vec(entry(), 1..=5), vec(entry(), 1..=5)).prop_map(
                |(vpc, inbound, outbound)| Acl {
                    vpc,
                    inbound,
                    outbound,
                },
            ),
            0..=3,
        ),
        vec(
            (
                0u8..3,
                any::<bool>(),
                vec(
                    (any::<u8>(), any::<u8>(), prop::bool::weighted(0.15)).prop_map(
                        |(dest, target, blackhole)| RouteSpec {
                            dest,
                            target,
                            blackhole,
                        },
                    ),
                    0..=4,
                ),
            )
                .prop_map(|(vpc, main, routes)| Rtb { vpc, main, routes }),
            0..=3,
        ),
    );
    let hosts = (
        vec(
            (
                0u8..3,
                vec(rule(), 0..=3),
                option::weighted(0.4, vec(rule(), 0..=2)),
            )
                .prop_map(|(vpc, ingress, egress)| Sg {
                    vpc,
                    ingress,
                    egress,
                }),
            1..=4,
        ),
        vec(
            (
                any::<u8>(),
                prop::bool::weighted(0.4),
                vec(any::<u8>(), 0..=2),
                option::weighted(0.7, prop::bool::weighted(0.2)),
            )
                .prop_map(|(subnet, public, groups, instance)| Eni {
                    subnet,
                    public,
                    groups,
                    instance,
                }),
            1..=4,
        ),
        vec(any::<u8>(), 0..=1),
        option::weighted(0.2, any::<bool>()),
        vec(
            (
                0u8..3,
                any::<bool>(),
                prop::bool::weighted(0.5),
                option::weighted(0.7, vec(any::<u8>(), 1..=2)),
                vec((any::<u8>(), prop::bool::weighted(0.7)), 1..=2),
                vec((any::<u8>(), any::<u8>()), 0..=2),
                vec((any::<u8>(), option::weighted(0.6, 0u8..2)), 0..=3),
            )
                .prop_map(|(vpc, split, federated, sgs, assocs, routes, auth)| Cvpn {
                    vpc,
                    split,
                    federated,
                    sgs,
                    assocs,
                    routes,
                    auth,
                }),
            0..=2usize,
        ),
        vec(query(), 4),
    );
    (net, hosts).prop_map(
        |(
            (vpcs, peerings, igws, subnets, acls, rtbs),
            (sgs, enis, nats, prefix_list, cvpns, queries),
        )| Spec {
            vpcs,
            peerings,
            igws,
            subnets,
            acls,
            rtbs,
            sgs,
            enis,
            nats,
            prefix_list,
            cvpns,
            queries,
        },
    )
}

fn pick<T: Clone>(xs: &[T], i: u8) -> Option<T> {
    (!xs.is_empty()).then(|| xs[usize::from(i) % xs.len()].clone())
}

/// What the renderer made, for queries to point at.
struct World {
    nvpc: u8,
    /// (id, vpc, cidr)
    subnets: Vec<(String, u8, String)>,
    /// (id, ip, public ip, instance id)
    enis: Vec<(String, String, Option<String>, Option<String>)>,
    /// (id, private ip, public ip)
    nats: Vec<(String, String, String)>,
    sgs: Vec<String>,
    prefix_list: bool,
}

fn cidr_palette(w: &World, i: u8) -> String {
    let mut all: Vec<String> = vec!["0.0.0.0/0".into(), "10.0.0.0/8".into()];
    all.extend((0..w.nvpc).map(|v| format!("10.{v}.0.0/16")));
    all.extend(w.subnets.iter().map(|s| s.2.clone()));
    all.extend(w.enis.iter().map(|e| format!("{}/32", e.1)));
    all.extend(PUBLIC_CIDRS.iter().map(|s| s.to_string()));
    all.push("172.26.0.0/22".into());
    // Half of the peers are everything, so that more than a few packets get through.
    if i.is_multiple_of(2) {
        return "0.0.0.0/0".into();
    }
    pick(&all, i / 2).expect("non-empty")
}

/// `proto: …[, ports: …| type: …]` of a rule.
fn proto_ports(r: &Rule) -> String {
    let proto = ["tcp", "udp", "icmp", "all"][usize::from(r.proto % 4)];
    match proto {
        "tcp" | "udp" => {
            let (a, b) = PORTS[usize::from(r.ports) % PORTS.len()];
            format!("proto: {proto}, ports: {a}-{b}")
        }
        "icmp" if !r.ports.is_multiple_of(4) => {
            format!(
                "proto: icmp, type: {}",
                TYPES[usize::from(r.ports) % TYPES.len()]
            )
        }
        _ => format!("proto: {proto}"),
    }
}

fn render_rule(w: &World, r: &Rule, dir: &str, out: &mut String) {
    // A third of the peers are security groups (self-references included) or the prefix list.
    let peer = if r.peer.is_multiple_of(3) && !w.sgs.is_empty() {
        if r.peer.is_multiple_of(21) && w.prefix_list {
            "pl-1".to_string()
        } else {
            pick(&w.sgs, r.peer / 3).expect("non-empty")
        }
    } else {
        cidr_palette(w, r.peer / 3)
    };
    let _ = writeln!(out, "      - {{{}, {dir}: {peer}}}", proto_ports(r));
}

fn render_entries(w: &World, es: &[Entry], out: &mut String) {
    let mut seen = Vec::new();
    for e in es {
        let num = (u16::from(e.slot) + 1) * 10;
        if seen.contains(&num) {
            continue;
        }
        seen.push(num);
        let action = if e.allow { "allow" } else { "deny" };
        let _ = writeln!(
            out,
            "      - {{rule: {num}, {}, cidr: {}, action: {action}}}",
            proto_ports(&e.rule),
            cidr_palette(w, e.rule.peer)
        );
    }
}

pub fn render(spec: &Spec) -> Case {
    let nvpc = spec.vpcs;
    let mut w = World {
        nvpc,
        subnets: Vec::new(),
        enis: Vec::new(),
        nats: Vec::new(),
        sgs: Vec::new(),
        prefix_list: spec.prefix_list.is_some(),
    };
    let mut y = String::new();
    y.push_str("vpcs:\n");
    for v in 0..nvpc {
        let _ = writeln!(y, "  - {{id: vpc-{v}, cidr: 10.{v}.0.0/16}}");
    }
    // Peerings.
    let mut pcx = Vec::new();
    for &(a, b, active) in &spec.peerings {
        let (a, b) = (a % nvpc, b % nvpc);
        if a == b || pcx.iter().any(|(x, y, _)| (*x, *y) == (a.min(b), a.max(b))) {
            continue;
        }
        pcx.push((a.min(b), a.max(b), active));
    }
    if !pcx.is_empty() {
        y.push_str("peerings:\n");
        for (a, b, active) in &pcx {
            let status = if *active {
                ""
            } else {
                ", status: pending-acceptance"
            };
            let _ = writeln!(
                y,
                "  - {{id: pcx-{a}{b}, requester: vpc-{a}, accepter: vpc-{b}{status}}}"
            );
        }
    }
    let igws: Vec<u8> = (0..nvpc).filter(|v| spec.igws[usize::from(*v)]).collect();
    if !igws.is_empty() {
        y.push_str("internet_gateways:\n");
        for v in &igws {
            let _ = writeln!(y, "  - {{id: igw-{v}, vpc: vpc-{v}}}");
        }
    }
    match spec.prefix_list {
        Some(true) => y.push_str("prefix_lists: [{id: pl-1, cidrs: [203.0.113.0/24]}]\n"),
        Some(false) => y.push_str("prefix_lists: [{id: pl-1}]\n"),
        None => {}
    }
    // Subnets (first, so rules can name their CIDRs).
    let mut subnet_specs = Vec::new();
    for s in &spec.subnets {
        let vpc = s.vpc % nvpc;
        let id = format!("subnet-{vpc}{}", s.n);
        if w.subnets.iter().any(|x| x.0 == id) {
            continue;
        }
        w.subnets.push((id, vpc, format!("10.{vpc}.{}.0/24", s.n)));
        subnet_specs.push(s.clone());
    }
    // Interfaces and NAT gateways get their addresses now too.
    for (k, e) in spec.enis.iter().enumerate() {
        let Some((sid, _, cidr)) = pick(&w.subnets, e.subnet) else {
            continue;
        };
        let ip = cidr.replace(".0/24", &format!(".{}", 10 + k));
        let public = e.public.then(|| format!("198.51.100.{}", 10 + k));
        let inst = e.instance.map(|_| format!("i-{k}"));
        let _ = sid;
        w.enis.push((format!("eni-{k}"), ip, public, inst));
    }
    for (k, s) in spec.nats.iter().enumerate() {
        let Some((_, _, cidr)) = pick(&w.subnets, *s) else {
            continue;
        };
        w.nats.push((
            format!("nat-{k}"),
            cidr.replace(".0/24", &format!(".{}", 5 + k)),
            format!("198.51.100.{}", 50 + k),
        ));
    }
    let sg_vpcs: Vec<u8> = spec.sgs.iter().map(|g| g.vpc % nvpc).collect();
    w.sgs = (0..spec.sgs.len()).map(|k| format!("sg-{k}")).collect();

    // Security groups.
    y.push_str("security_groups:\n");
    for (k, g) in spec.sgs.iter().enumerate() {
        let _ = writeln!(y, "  - id: sg-{k}\n    vpc: vpc-{}", sg_vpcs[k]);
        if g.ingress.is_empty() {
            y.push_str("    ingress: []\n");
        } else {
            y.push_str("    ingress:\n");
            for r in &g.ingress {
                render_rule(&w, r, "from", &mut y);
            }
        }
        match &g.egress {
            None => {}
            Some(rs) if rs.is_empty() => y.push_str("    egress: []\n"),
            Some(rs) => {
                y.push_str("    egress:\n");
                for r in rs {
                    render_rule(&w, r, "to", &mut y);
                }
            }
        }
    }
    // Network ACLs.
    let acl_vpcs: Vec<u8> = spec.acls.iter().map(|a| a.vpc % nvpc).collect();
    if !spec.acls.is_empty() {
        y.push_str("network_acls:\n");
        for (k, a) in spec.acls.iter().enumerate() {
            let _ = writeln!(y, "  - id: acl-{k}\n    vpc: vpc-{}", acl_vpcs[k]);
            y.push_str("    inbound:\n");
            render_entries(&w, &a.inbound, &mut y);
            y.push_str("    outbound:\n");
            render_entries(&w, &a.outbound, &mut y);
        }
    }
    // Route tables.
    let rtb_vpcs: Vec<u8> = spec.rtbs.iter().map(|t| t.vpc % nvpc).collect();
    if !spec.rtbs.is_empty() {
        y.push_str("route_tables:\n");
        let mut has_main = Vec::new();
        for (k, t) in spec.rtbs.iter().enumerate() {
            let vpc = rtb_vpcs[k];
            let main = t.main && !has_main.contains(&vpc);
            if main {
                has_main.push(vpc);
            }
            let _ = writeln!(y, "  - id: rtb-{k}\n    vpc: vpc-{vpc}\n    main: {main}");
            let mut dests: Vec<String> = vec!["0.0.0.0/0".into(), "10.0.0.0/8".into()];
            dests.extend(
                (0..nvpc)
                    .filter(|v| *v != vpc)
                    .map(|v| format!("10.{v}.0.0/16")),
            );
            dests.extend(w.subnets.iter().map(|s| s.2.clone()));
            dests.extend(PUBLIC_CIDRS.iter().map(|s| s.to_string()));
            dests.push("pl-1".into());
            let mut targets: Vec<String> = Vec::new();
            targets.extend(igws.iter().map(|v| format!("igw-{v}")));
            targets.push(format!("igw-{vpc}"));
            targets.extend(
                w.nats
                    .iter()
                    .filter(|n| n.1.starts_with(&format!("10.{vpc}.")))
                    .map(|n| n.0.clone()),
            );
            targets.extend(pcx.iter().map(|(a, b, _)| format!("pcx-{a}{b}")));
            targets.push("tgw-1".into());
            targets.push("nat-missing".into());
            let mut used = Vec::new();
            let mut lines = String::new();
            for r in &t.routes {
                let dest = pick(&dests, r.dest).expect("non-empty");
                if used.contains(&dest) || (dest == "pl-1" && spec.prefix_list.is_none()) {
                    continue;
                }
                used.push(dest.clone());
                let target = pick(&targets, r.target).expect("non-empty");
                let state = if r.blackhole {
                    ", state: blackhole"
                } else {
                    ""
                };
                let _ = writeln!(lines, "      - {{dest: {dest}, target: {target}{state}}}");
            }
            if lines.is_empty() {
                y.push_str("    routes: []\n");
            } else {
                y.push_str("    routes:\n");
                y.push_str(&lines);
            }
        }
    }
    // Subnets.
    y.push_str("subnets:\n");
    for ((id, vpc, cidr), s) in w.subnets.iter().zip(&subnet_specs) {
        let _ = write!(y, "  - {{id: {id}, vpc: vpc-{vpc}, cidr: {cidr}");
        let acls: Vec<usize> = (0..spec.acls.len())
            .filter(|k| acl_vpcs[*k] == *vpc)
            .collect();
        if let Some(k) = s.acl.and_then(|i| pick(&acls, i)) {
            let _ = write!(y, ", nacl: acl-{k}");
        }
        let rtbs: Vec<usize> = (0..spec.rtbs.len())
            .filter(|k| rtb_vpcs[*k] == *vpc)
            .collect();
        if let Some(k) = s.rtb.and_then(|i| pick(&rtbs, i)) {
            let _ = write!(y, ", route_table: rtb-{k}");
        }
        y.push_str("}\n");
    }
    // Interfaces and instances.
    y.push_str("interfaces:\n");
    let mut instances = String::new();
    for (k, e) in spec.enis.iter().enumerate() {
        let Some((sid, vpc, _)) = pick(&w.subnets, e.subnet) else {
            continue;
        };
        let (id, ip, public, inst) = w
            .enis
            .iter()
            .find(|x| x.0 == format!("eni-{k}"))
            .cloned()
            .expect("rendered");
        let _ = write!(y, "  - {{id: {id}, subnet: {sid}, ip: {ip}");
        if let Some(p) = public {
            let _ = write!(y, ", public_ip: {p}");
        }
        let mine: Vec<usize> = (0..spec.sgs.len()).filter(|g| sg_vpcs[*g] == vpc).collect();
        let mut groups: Vec<String> = e
            .groups
            .iter()
            .filter_map(|g| pick(&mine, *g))
            .map(|g| format!("sg-{g}"))
            .collect();
        groups.dedup();
        if !groups.is_empty() {
            let _ = write!(y, ", groups: [{}]", groups.join(", "));
        }
        if let Some(i) = &inst {
            let _ = write!(y, ", instance: {i}");
            let platform = if e.instance == Some(true) {
                "windows"
            } else {
                "linux"
            };
            let _ = writeln!(instances, "  - {{id: {i}, platform: {platform}}}");
        }
        y.push_str("}\n");
    }
    if !instances.is_empty() {
        y.push_str("instances:\n");
        y.push_str(&instances);
    }
    if !w.nats.is_empty() {
        y.push_str("nat_gateways:\n");
        for (k, s) in spec.nats.iter().enumerate() {
            let Some((sid, _, _)) = pick(&w.subnets, *s) else {
                continue;
            };
            let (id, private, public) = w.nats[k].clone();
            let _ = writeln!(
                y,
                "  - {{id: {id}, subnet: {sid}, private_ip: {private}, public_ip: {public}}}"
            );
        }
    }
    // Client VPN endpoints.
    let mut eps = String::new();
    for (k, c) in spec.cvpns.iter().enumerate() {
        let vpc = c.vpc % nvpc;
        let subnets: Vec<(String, String)> = w
            .subnets
            .iter()
            .filter(|s| s.1 == vpc)
            .map(|s| (s.0.clone(), s.2.clone()))
            .collect();
        if subnets.is_empty() {
            continue;
        }
        let _ = writeln!(
            eps,
            "  - id: cvpn-endpoint-{k}\n    vpc: vpc-{vpc}\n    client_cidr: 172.{}.0.0/22\n    split_tunnel: {}\n    auth: {}",
            26 + k,
            c.split,
            if c.federated {
                "federated"
            } else {
                "certificate"
            }
        );
        if let Some(gs) = &c.sgs {
            let mine: Vec<usize> = (0..spec.sgs.len()).filter(|g| sg_vpcs[*g] == vpc).collect();
            let mut ids: Vec<String> = gs
                .iter()
                .filter_map(|g| pick(&mine, *g))
                .map(|g| format!("sg-{g}"))
                .collect();
            ids.dedup();
            if !ids.is_empty() {
                let _ = writeln!(eps, "    security_groups: [{}]", ids.join(", "));
            }
        }
        eps.push_str("    associations:\n");
        let mut assoc: Vec<String> = Vec::new();
        for (s, with_ip) in &c.assocs {
            let (sid, cidr) = pick(&subnets, *s).expect("non-empty");
            if assoc.contains(&sid) {
                continue;
            }
            let _ = write!(eps, "      - {{subnet: {sid}, id: cvpn-assoc-{k}-{sid}");
            if *with_ip {
                let _ = write!(
                    eps,
                    ", ip: {}",
                    cidr.replace(".0/24", &format!(".{}", 50 + k))
                );
            }
            eps.push_str("}\n");
            assoc.push(sid);
        }
        let mut dests: Vec<String> = vec!["0.0.0.0/0".into(), "10.0.0.0/8".into()];
        dests.extend((0..nvpc).map(|v| format!("10.{v}.0.0/16")));
        dests.extend(w.subnets.iter().map(|s| s.2.clone()));
        dests.extend(w.enis.iter().map(|e| format!("{}/32", e.1)));
        dests.extend(PUBLIC_CIDRS.iter().map(|s| s.to_string()));
        let mut routes = String::new();
        let mut seen = Vec::new();
        for (d, s) in &c.routes {
            let dest = pick(&dests, *d).expect("non-empty");
            let sid = pick(&assoc, *s).expect("non-empty");
            if seen.contains(&(dest.clone(), sid.clone())) {
                continue;
            }
            seen.push((dest.clone(), sid.clone()));
            let _ = writeln!(routes, "      - {{dest: {dest}, subnet: {sid}}}");
        }
        if !routes.is_empty() {
            eps.push_str("    routes:\n");
            eps.push_str(&routes);
        }
        if c.auth.is_empty() {
            eps.push_str("    authorization: []\n");
        } else {
            eps.push_str("    authorization:\n");
            for (d, g) in &c.auth {
                let dest = pick(&dests, *d).expect("non-empty");
                match g {
                    None => {
                        let _ = writeln!(eps, "      - {{dest: {dest}, access_all: true}}");
                    }
                    Some(g) => {
                        let _ = writeln!(
                            eps,
                            "      - {{dest: {dest}, group: {}}}",
                            GROUPS[usize::from(*g) % 2]
                        );
                    }
                }
            }
        }
    }
    if !eps.is_empty() {
        y.push_str("client_vpn_endpoints:\n");
        y.push_str(&eps);
    }
    let queries = spec.queries.iter().map(|q| render_query(&w, q)).collect();
    Case { yaml: y, queries }
}

fn render_query(w: &World, q: &QuerySpec) -> Query {
    let eni = pick(&w.enis, q.src_ref);
    let instances: Vec<String> = w.enis.iter().filter_map(|e| e.3.clone()).collect();
    let src = match q.src {
        0 => pick(&instances, q.src_ref).unwrap_or_else(|| "i-missing".into()),
        1 => eni
            .as_ref()
            .map(|e| e.0.clone())
            .unwrap_or_else(|| "eni-missing".into()),
        2 => eni
            .as_ref()
            .map(|e| e.1.clone())
            .unwrap_or_else(|| "10.0.9.9".into()),
        3 => "internet".into(),
        4 => "198.51.100.200".into(),
        5 | 6 => "client".into(),
        7 => eni
            .as_ref()
            .and_then(|e| e.2.clone())
            .unwrap_or_else(|| "10.0.9.9".into()),
        _ => "10.0.9.9".into(),
    };
    let deni = pick(&w.enis, q.dst_ref);
    let nat = pick(&w.nats, q.dst_ref);
    let dst = match q.dst {
        0 | 1 => deni.as_ref().map(|e| e.1.clone()),
        2 => deni.as_ref().and_then(|e| e.2.clone()),
        3 => pick(&instances, q.dst_ref),
        4 => deni.as_ref().map(|e| e.0.clone()),
        5 => nat.map(|n| {
            if q.dst_ref.is_multiple_of(2) {
                n.1
            } else {
                n.2
            }
        }),
        6 => Some(
            ["198.51.100.77", "8.8.8.8", "203.0.113.5", "52.1.2.3"][usize::from(q.dst_ref % 4)]
                .into(),
        ),
        _ => Some(format!(
            "10.{}.{}.99",
            q.dst_ref % w.nvpc,
            1 + q.dst_ref % 3
        )),
    }
    .unwrap_or_else(|| "8.8.8.8".into());
    let (proto, port) = match q.proto {
        1 => {
            let (a, b) = PORTS[usize::from(q.ports) % 4];
            ("udp", format!("{a}-{b}"))
        }
        2 => (
            "icmp",
            ["8", "0", "3", "0-8"][usize::from(q.ports) % 4].to_string(),
        ),
        _ => {
            let (a, b) = PORTS[usize::from(q.ports) % 4];
            ("tcp", format!("{a}-{b}"))
        }
    };
    let port = match port.split_once('-') {
        Some((a, b)) if a == b => a.to_string(),
        _ => port,
    };
    let groups = match (q.group, src.as_str()) {
        (Some(g), "client") => vec![GROUPS[usize::from(g)].to_string()],
        // Sometimes on a non-client query: must be an error.
        (Some(g), _) if q.src_ref.is_multiple_of(8) => vec![GROUPS[usize::from(g)].to_string()],
        _ => Vec::new(),
    };
    let src_port = q.src_port.map(|p| PORTS[usize::from(p) % PORTS.len()]);
    Query {
        text: format!("{src}->{dst}:{port}/{proto}"),
        groups,
        src_port,
    }
}
