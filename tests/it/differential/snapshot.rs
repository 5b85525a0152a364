//! Random small snapshots as YAML model text, and queries for them.
//!
//! Universes are small on purpose (a few CIDRs, a palette of ports) so rule
//! boundaries collide. Specs refer to each other by index, taken modulo what
//! exists when rendering, so every shrunk spec still renders a valid model.
//!
//! Shapes: up to 3 VPCs, some dual-stack (`2001:db8:V::/48`, subnets
//! `2001:db8:V:N::/64`), with an internet gateway and/or an egress-only one;
//! ENIs with IPv6 addresses and delegated prefixes, several per instance
//! (device order sometimes explicit), stopped instances, detached ENIs,
//! service ENIs (NLB, transit gateway, ALB, group-less interfaces); route
//! tables with prefix-list routes (known entries, unknown customer or
//! AWS-managed lists), propagated routes, virtual private gateway routes,
//! appliance targets, gateway route tables; ACL entries with narrow port
//! ranges (partial return paths), ICMP types and codes, ICMPv6; Client VPN
//! endpoints with per-association routes.

use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// Port ranges rules use (narrow ones make return paths partial).
const PORTS: [(u16, u16); 13] = [
    (22, 22),
    (80, 80),
    (443, 443),
    (1000, 2000),
    (32768, 60999),
    (1024, 65535),
    (0, 65535),
    (49152, 65535),
    (32768, 40000),
    (1024, 50000),
    (1500, 1600),
    (50000, 65535),
    (53, 53),
];
/// Destination ports queries use.
const QPORTS: [(u16, u16); 7] = [
    (22, 22),
    (80, 80),
    (443, 443),
    (1000, 2000),
    (53, 53),
    (123, 123),
    (20, 100),
];
/// ICMP types rules use (ICMPv6 echo request/reply are 128/129).
const TYPES: [u8; 5] = [8, 0, 3, 128, 129];
/// ICMP codes rules use.
const CODES: [u8; 3] = [0, 1, 3];
/// Public addresses: the snapshot's own public IPs are 198.51.100.10+.
const PUBLIC_CIDRS: [&str; 3] = ["198.51.100.0/24", "198.51.100.7/32", "52.0.0.0/8"];
/// IPv6 blocks outside the snapshot (2001:db8:V::/48 are the VPCs').
const PUBLIC_V6: [&str; 3] = ["2001:db8::/32", "2600::/12", "2001:db8:ff::/48"];
const GROUPS: [&str; 3] = ["g1", "g2", "g3"];
/// A security group no snapshot has (a peer outside the input, spec9 L).
/// Off: only AWS CLI JSON may name such a group (a YAML model naming a group
/// it lacks is a typo, an input error), and the generator writes YAML.
const EXTERNAL_GROUP_PEERS: bool = false;

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
    /// Ends with "allow everything" (so the entries before it narrow).
    open: bool,
}

#[derive(Clone, Debug)]
pub struct RouteSpec {
    dest: u8,
    target: u8,
    blackhole: bool,
    propagated: bool,
}

#[derive(Clone, Debug)]
pub struct Rtb {
    vpc: u8,
    main: bool,
    routes: Vec<RouteSpec>,
    /// `::/0` to the VPC's igw / eigw / a vgw (dual-stack VPCs).
    v6_default: Option<u8>,
    /// `0.0.0.0/0` to the VPC's igw / a NAT gateway of the VPC / a vgw.
    v4_default: Option<u8>,
    /// A gateway route table: of the VPC's igw (0) or of vgw-1 (1).
    gateway: Option<u8>,
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
    v6: bool,
}

#[derive(Clone, Debug)]
pub struct Eni {
    subnet: u8,
    public: bool,
    groups: Vec<u8>,
    /// None: a bare interface; Some(instance index).
    instance: Option<u8>,
    v6: bool,
    /// With `v6` (an ordinary interface without a delegated prefix): IPv6
    /// only, no private IPv4 address (an IPv6-only subnet's interface, as
    /// `describe-network-interfaces` lists it: no `PrivateIpAddresses`).
    v6_only: bool,
    /// A delegated prefix: Some(IPv6?).
    prefix: Option<bool>,
    /// Detached (`status: available`), for interfaces without instance.
    available: bool,
    /// 0 an ordinary interface; 1 NLB, 2 transit gateway (both group-less),
    /// 3 an interface without groups, 4 an ALB, 5 an NLB with groups.
    kind: u8,
}

#[derive(Clone, Debug)]
pub struct InstSpec {
    windows: bool,
    stopped: bool,
    /// In `instances:` (else found through its interfaces only).
    listed: bool,
    /// Explicit `device_index`, the last interface listed being primary.
    reversed: bool,
}

/// A Client VPN authorization rule: (dest, None = access_all / Some(group)).
type AuthSpec = (u8, Option<u8>);

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
    /// Client-to-client: (route kind, authorization rules). Route kind 0:
    /// none, 1: `local` for the client CIDR, 2: `local` plus a more specific
    /// route into an associated subnet for part of the client CIDR (which
    /// then takes that part). Rules: (0 the client CIDR / 1 a /24 of it / 2
    /// 0.0.0.0/0, None = access_all / Some(group, any of the three)).
    c2c: Option<(u8, Vec<AuthSpec>)>,
}

/// A Cedar statement of the restricted forms the simulator recognises:
/// (permit?, the groups `context.idc.groups has` must hold, all of them;
/// none: `when { true }`).
type Stmt = (bool, Vec<u8>);

/// A Verified Access endpoint on an interface (network-interface target).
#[derive(Clone, Debug)]
pub struct Va {
    eni: u8,
    ports: u8,
    sgs: Vec<u8>,
    /// The group's policy (None: no policy, which denies every request).
    group_policy: Option<Vec<Stmt>>,
    /// An endpoint policy, (document, enabled?).
    endpoint_policy: Option<(Vec<Stmt>, bool)>,
    active: bool,
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
    /// Whether the destination names its interface (`eni-…@ADDRESS`), and
    /// now and then one that does not hold the address.
    at: u8,
}

#[derive(Clone, Debug)]
pub struct Spec {
    vpcs: u8,
    /// Dual-stack, per VPC.
    v6: Vec<bool>,
    /// Peerings (a, b, active?).
    peerings: Vec<(u8, u8, bool)>,
    /// Per VPC: 0 none, 1 internet gateway, 2 egress-only, 3 both.
    igws: Vec<u8>,
    subnets: Vec<SubnetSpec>,
    acls: Vec<Acl>,
    rtbs: Vec<Rtb>,
    sgs: Vec<Sg>,
    enis: Vec<Eni>,
    instances: Vec<InstSpec>,
    nats: Vec<u8>,
    /// Bit 0: pl-1 (known entries); 1: pl-2 (unknown, owner AWS);
    /// 2: pl-3 (unknown, `com.amazonaws.` name); 3: pl-4 (unknown, customer).
    prefix_lists: u8,
    cvpns: Vec<Cvpn>,
    vas: Vec<Va>,
    /// A "working" network whose filters only narrow (partial verdicts):
    /// internet gateways, default routes, ACLs ending in "allow all" with
    /// narrow port denies before, a group per VPC allowing all from one peer
    /// on every interface. `Some(peer index)`.
    sane: Option<u8>,
    queries: Vec<QuerySpec>,
    /// A transit gateway `tgw-1` (the target some routes already name).
    tgw: Option<TgwSpec>,
}

/// Issue 14: a transit gateway with VPC attachments (subnets per zone,
/// appliance mode, IPv6, association), route tables (static, propagated,
/// blackhole routes; propagations), a VPN attachment, referencing.
#[derive(Clone, Debug)]
pub struct TgwSpec {
    /// Per VPC: (zones with a subnet: bit 0 a, bit 1 b; appliance mode;
    /// IPv6; associated table, `None`: no association; propagate to tables
    /// bits).
    attach: Vec<(u8, bool, bool, Option<u8>, u8)>,
    /// Routes per table: (destination, target, 0 static / 1 propagated /
    /// 2 blackhole).
    tables: Vec<Vec<(u8, u8, u8)>>,
    /// The VPN attachment's table, if there is one.
    vpn: Option<u8>,
    sg_referencing: bool,
}

fn tgw_spec() -> impl Strategy<Value = TgwSpec> {
    (
        vec(
            (
                prop_oneof![1 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8), 4 => Just(3u8)],
                prop::bool::weighted(0.3),
                prop::bool::weighted(0.5),
                option::weighted(0.9, 0u8..2),
                0u8..4,
            ),
            3,
        ),
        vec(
            vec(
                (
                    any::<u8>(),
                    any::<u8>(),
                    prop_oneof![3 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8)],
                ),
                0..=3,
            ),
            1..=2,
        ),
        option::weighted(0.4, 0u8..2),
        any::<bool>(),
    )
        .prop_map(|(attach, tables, vpn, sg_referencing)| TgwSpec {
            attach,
            tables,
            vpn,
            sg_referencing,
        })
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
    (
        prop_oneof![4 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8), 1 => Just(4u8)],
        any::<u8>(),
        any::<u8>(),
    )
        .prop_map(|(proto, ports, peer)| Rule { proto, ports, peer })
}

fn entry() -> impl Strategy<Value = Entry> {
    (0u8..12, any::<bool>(), rule()).prop_map(|(slot, allow, rule)| Entry { slot, allow, rule })
}

fn query() -> impl Strategy<Value = QuerySpec> {
    (
        prop_oneof![8 => 0u8..11, 4 => Just(3u8), 1 => Just(6u8)],
        any::<u8>(),
        0u8..13,
        any::<u8>(),
        prop_oneof![4 => Just(0u8), 2 => Just(1u8), 2 => Just(2u8), 1 => Just(3u8)],
        any::<u8>(),
        option::weighted(0.3, 0u8..3),
        option::weighted(0.1, any::<u8>()),
        any::<u8>(),
    )
        .prop_map(
            |(src, src_ref, dst, dst_ref, proto, ports, group, src_port, at)| QuerySpec {
                src,
                src_ref,
                dst,
                dst_ref,
                proto,
                ports,
                group,
                src_port,
                at,
            },
        )
}

fn stmt() -> impl Strategy<Value = Stmt> {
    (prop::bool::weighted(0.75), vec(0u8..3, 0..=2))
}

fn va() -> impl Strategy<Value = Va> {
    (
        any::<u8>(),
        any::<u8>(),
        vec(any::<u8>(), 1..=2),
        option::weighted(0.9, vec(stmt(), 1..=3)),
        option::weighted(0.3, (vec(stmt(), 1..=2), prop::bool::weighted(0.8))),
        prop::bool::weighted(0.9),
    )
        .prop_map(
            |(eni, ports, sgs, group_policy, endpoint_policy, active)| Va {
                eni,
                ports,
                sgs,
                group_policy,
                endpoint_policy,
                active,
            },
        )
}

/// A Cedar document of restricted statements.
fn cedar(stmts: &[Stmt]) -> String {
    let mut s = String::new();
    for (permit, groups) in stmts {
        let cond = if groups.is_empty() {
            "true".to_string()
        } else {
            groups
                .iter()
                .map(|g| format!("context.idc.groups has \"{}\"", GROUPS[usize::from(*g)]))
                .collect::<Vec<_>>()
                .join(" && ")
        };
        let _ = writeln!(
            s,
            "{}(principal, action, resource) when {{ {cond} }};",
            if *permit { "permit" } else { "forbid" }
        );
    }
    s
}

fn eni() -> impl Strategy<Value = Eni> {
    (
        any::<u8>(),
        prop::bool::weighted(0.4),
        vec(any::<u8>(), 0..=2),
        option::weighted(0.7, 0u8..3),
        prop::bool::weighted(0.6),
        prop::bool::weighted(0.3),
        option::weighted(0.15, any::<bool>()),
        prop::bool::weighted(0.08),
        prop_oneof![12 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8), 1 => Just(4u8), 1 => Just(5u8)],
    )
        .prop_map(
            |(subnet, public, groups, instance, v6, v6_only, prefix, available, kind)| Eni {
                subnet,
                public,
                groups,
                instance,
                v6,
                v6_only,
                prefix,
                available,
                kind,
            },
        )
}

pub fn spec() -> impl Strategy<Value = Spec> {
    let net = (
        1u8..=3,
        vec(prop::bool::weighted(0.6), 3),
        vec((0u8..3, 0u8..3, prop::bool::weighted(0.85)), 0..=2),
        vec(
            prop_oneof![2 => Just(0u8), 5 => Just(1u8), 2 => Just(2u8), 2 => Just(3u8)],
            3,
        ),
        vec(
            (
                0u8..3,
                1u8..=2,
                option::of(any::<u8>()),
                option::of(any::<u8>()),
                prop::bool::weighted(0.8),
            )
                .prop_map(|(vpc, n, acl, rtb, v6)| SubnetSpec {
                    vpc,
                    n,
                    acl,
                    rtb,
                    v6,
                }),
            1..=4,
        ),
        vec(
            (
                0u8..3,
                vec(entry(), 1..=5),
                vec(entry(), 1..=5),
                prop::bool::weighted(0.6),
            )
                .prop_map(|(vpc, inbound, outbound, open)| Acl {
                    vpc,
                    inbound,
                    outbound,
                    open,
                }),
            0..=3,
        ),
        vec(
            (
                0u8..3,
                any::<bool>(),
                vec(
                    (
                        any::<u8>(),
                        any::<u8>(),
                        prop::bool::weighted(0.15),
                        prop::bool::weighted(0.15),
                    )
                        .prop_map(|(dest, target, blackhole, propagated)| {
                            RouteSpec {
                                dest,
                                target,
                                blackhole,
                                propagated,
                            }
                        }),
                    0..=4,
                ),
                option::weighted(0.6, 0u8..3),
                option::weighted(0.2, 0u8..2),
                option::weighted(
                    0.6,
                    prop_oneof![3 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8)],
                ),
            )
                .prop_map(|(vpc, main, routes, v6_default, gateway, v4_default)| Rtb {
                    vpc,
                    main,
                    routes,
                    v6_default,
                    v4_default,
                    gateway,
                }),
            0..=3,
        ),
    );
    let hosts = (
        vec(
            (
                0u8..3,
                vec(rule(), 0..=4),
                option::weighted(0.25, vec(rule(), 0..=2)),
            )
                .prop_map(|(vpc, ingress, egress)| Sg {
                    vpc,
                    ingress,
                    egress,
                }),
            1..=4,
        ),
        vec(eni(), 1..=5),
        vec(
            (
                prop::bool::weighted(0.2),
                prop::bool::weighted(0.12),
                prop::bool::weighted(0.85),
                prop::bool::weighted(0.3),
            )
                .prop_map(|(windows, stopped, listed, reversed)| InstSpec {
                    windows,
                    stopped,
                    listed,
                    reversed,
                }),
            3,
        ),
        vec(any::<u8>(), 0..=1),
        prop_oneof![3 => Just(0u8), 1 => 1u8..16],
        vec(
            (
                0u8..3,
                any::<bool>(),
                prop::bool::weighted(0.5),
                option::weighted(0.7, vec(any::<u8>(), 1..=2)),
                vec((any::<u8>(), prop::bool::weighted(0.7)), 1..=2),
                vec((any::<u8>(), any::<u8>()), 0..=2),
                vec((any::<u8>(), option::weighted(0.6, 0u8..2)), 0..=3),
                option::weighted(
                    0.5,
                    (
                        prop_oneof![1 => Just(0u8), 4 => Just(1u8), 1 => Just(2u8)],
                        vec((0u8..3, option::weighted(0.7, 0u8..3)), 0..=3),
                    ),
                ),
            )
                .prop_map(|(vpc, split, federated, sgs, assocs, routes, auth, c2c)| {
                    Cvpn {
                        vpc,
                        split,
                        federated,
                        sgs,
                        assocs,
                        routes,
                        auth,
                        c2c,
                    }
                }),
            0..=2usize,
        ),
        vec(query(), 4),
        option::weighted(sane_weight(), any::<u8>()),
        prop_oneof![2 => vec(va(), 0..=0), 1 => vec(va(), 1..=2)],
    );
    (net, hosts, option::weighted(0.6, tgw_spec())).prop_map(
        |(
            (vpcs, v6, peerings, igws, subnets, acls, rtbs),
            (sgs, enis, instances, nats, prefix_lists, cvpns, queries, sane, vas),
            tgw,
        )| Spec {
            tgw,
            vpcs,
            v6,
            peerings,
            igws,
            subnets,
            acls,
            rtbs,
            sgs,
            enis,
            instances,
            nats,
            prefix_lists,
            cvpns,
            vas,
            queries,
            sane,
        },
    )
}

/// How often a case is a "sane" network (`REACH_DIFF_SANE`, 0-1, for tuning).
fn sane_weight() -> f64 {
    std::env::var("REACH_DIFF_SANE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.85)
}

fn pick<T: Clone>(xs: &[T], i: u8) -> Option<T> {
    (!xs.is_empty()).then(|| xs[usize::from(i) % xs.len()].clone())
}

#[derive(Clone)]
struct SubnetW {
    id: String,
    vpc: u8,
    cidr: String,
    v6: Option<String>,
}

struct EniW {
    id: String,
    vpc: u8,
    ip: String,
    public: Option<String>,
    instance: Option<String>,
    ipv6: Option<String>,
    /// No private IPv4 address (`ip` is then held by nothing).
    v6_only: bool,
    /// (delegated prefix, an address in it)
    prefix: Option<(String, String)>,
}

/// (udp?, ports) an inbound rule allows.
type AimPorts = (bool, (u16, u16));

/// What the renderer made, for rules and queries to point at.
struct World {
    nvpc: u8,
    v6: Vec<bool>,
    subnets: Vec<SubnetW>,
    enis: Vec<EniW>,
    /// Verified Access targets: (address, the endpoint's ports).
    va_targets: Vec<(String, (u16, u16))>,
    /// (id, private ip, public ip)
    nats: Vec<(String, String, String)>,
    sgs: Vec<String>,
    pls: Vec<String>,
    /// Per interface: the (udp?, ports) its groups' inbound rules allow.
    ports: std::collections::BTreeMap<String, Vec<AimPorts>>,
}

impl World {
    fn any_v6(&self) -> bool {
        self.v6.iter().any(|b| *b)
    }
}

fn vpc_v6(v: u8) -> String {
    format!("2001:db8:{v}::/48")
}

fn cidr_palette(w: &World, i: u8) -> String {
    // Half of the peers are everything, so that more than a few packets get through.
    if i.is_multiple_of(2) {
        return if i % 4 == 2 && w.any_v6() {
            "::/0".into()
        } else {
            "0.0.0.0/0".into()
        };
    }
    let mut all: Vec<String> = vec!["0.0.0.0/0".into(), "10.0.0.0/8".into()];
    all.extend((0..w.nvpc).map(|v| format!("10.{v}.0.0/16")));
    all.extend(w.subnets.iter().map(|s| s.cidr.clone()));
    all.extend(w.enis.iter().map(|e| format!("{}/32", e.ip)));
    all.extend(PUBLIC_CIDRS.iter().map(|s| s.to_string()));
    all.push("172.26.0.0/22".into());
    all.push("10.1.2.64/27".into());
    if w.any_v6() {
        all.push("::/0".into());
        all.extend((0..w.nvpc).filter(|v| w.v6[usize::from(*v)]).map(vpc_v6));
        all.extend(w.subnets.iter().filter_map(|s| s.v6.clone()));
        all.extend(
            w.enis
                .iter()
                .filter_map(|e| e.ipv6.as_ref())
                .map(|a| format!("{a}/128")),
        );
        all.extend(PUBLIC_V6.iter().map(|s| s.to_string()));
    }
    pick(&all, i / 2).expect("non-empty")
}

/// `proto: …[, ports: …| type: …[, code: …]]` of a rule.
fn proto_ports(r: &Rule) -> String {
    let proto = ["tcp", "udp", "icmp", "all", "icmpv6"][usize::from(r.proto % 5)];
    match proto {
        "tcp" | "udp" => {
            let (a, b) = PORTS[usize::from(r.ports) % PORTS.len()];
            format!("proto: {proto}, ports: {a}-{b}")
        }
        "icmp" | "icmpv6" if !r.ports.is_multiple_of(4) => {
            let t = TYPES[usize::from(r.ports / 4) % TYPES.len()];
            if r.ports.is_multiple_of(3) {
                let c = CODES[usize::from(r.ports / 3) % CODES.len()];
                format!("proto: {proto}, type: {t}, code: {c}")
            } else {
                format!("proto: {proto}, type: {t}")
            }
        }
        _ => format!("proto: {proto}"),
    }
}

fn render_rule(w: &World, r: &Rule, dir: &str, out: &mut String) {
    // A third of the peers are security groups (self-references included) or prefix lists.
    let peer = if r.peer.is_multiple_of(3) && !w.sgs.is_empty() {
        if r.peer.is_multiple_of(7) && !w.pls.is_empty() {
            pick(&w.pls, r.peer / 7).expect("non-empty")
        } else if EXTERNAL_GROUP_PEERS && r.peer.is_multiple_of(5) {
            "sg-0e0e0e0e0e0e0e0e0".to_string()
        } else {
            pick(&w.sgs, r.peer / 3).expect("non-empty")
        }
    } else {
        cidr_palette(w, r.peer / 3)
    };
    let _ = writeln!(out, "      - {{{}, {dir}: {peer}}}", proto_ports(r));
}

/// Narrow port ranges a "sane" network's ACLs deny.
const NARROW: [(u16, u16); 6] = [
    (32768, 40000),
    (1024, 50000),
    (50000, 65535),
    (1500, 1600),
    (0, 1023),
    (22, 22),
];

fn render_entries(w: &World, es: &[Entry], sane: bool, out: &mut String) {
    let mut seen = Vec::new();
    for e in es {
        let num = (u16::from(e.slot) + 1) * 10;
        if seen.contains(&num) {
            continue;
        }
        seen.push(num);
        if sane {
            let (a, b) = NARROW[usize::from(e.rule.ports) % NARROW.len()];
            let proto = if e.rule.proto.is_multiple_of(3) {
                "udp"
            } else {
                "tcp"
            };
            let _ = writeln!(
                out,
                "      - {{rule: {num}, proto: {proto}, ports: {a}-{b}, cidr: {}, action: deny}}",
                cidr_palette(w, e.rule.peer)
            );
            continue;
        }
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
        v6: (0..nvpc).map(|v| spec.v6[usize::from(v)]).collect(),
        subnets: Vec::new(),
        enis: Vec::new(),
        va_targets: Vec::new(),
        nats: Vec::new(),
        sgs: Vec::new(),
        pls: Vec::new(),
        ports: Default::default(),
    };
    let sane = spec.sane.is_some();
    let has_igw = |v: u8| sane || matches!(spec.igws[usize::from(v)], 1 | 3);
    let has_eigw = |v: u8| matches!(spec.igws[usize::from(v)], 2 | 3);
    let mut y = String::new();
    y.push_str("vpcs:\n");
    for v in 0..nvpc {
        if w.v6[usize::from(v)] {
            let _ = writeln!(
                y,
                "  - {{id: vpc-{v}, cidrs: [10.{v}.0.0/16, {}]}}",
                vpc_v6(v)
            );
        } else {
            let _ = writeln!(y, "  - {{id: vpc-{v}, cidr: 10.{v}.0.0/16}}");
        }
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
    let igws: Vec<u8> = (0..nvpc).filter(|v| has_igw(*v)).collect();
    if !igws.is_empty() {
        y.push_str("internet_gateways:\n");
        for v in &igws {
            let _ = writeln!(y, "  - {{id: igw-{v}, vpc: vpc-{v}}}");
        }
    }
    let eigws: Vec<u8> = (0..nvpc).filter(|v| has_eigw(*v)).collect();
    if !eigws.is_empty() {
        y.push_str("egress_only_internet_gateways:\n");
        for v in &eigws {
            let _ = writeln!(y, "  - {{id: eigw-{v}, vpc: vpc-{v}}}");
        }
    }
    let pl_lines = [
        "{id: pl-1, cidrs: [198.51.100.0/24, 10.1.0.0/16, '2001:db8:1::/48']}",
        "{id: pl-2, owner: AWS}",
        "{id: pl-3, name: com.amazonaws.us-east-1.s3}",
        "{id: pl-4, owner: '123456789012'}",
    ];
    if spec.prefix_lists != 0 {
        y.push_str("prefix_lists:\n");
        for (k, line) in pl_lines.iter().enumerate() {
            if spec.prefix_lists & (1 << k) != 0 {
                let _ = writeln!(y, "  - {line}");
                w.pls.push(format!("pl-{}", k + 1));
            }
        }
    }
    // Subnets (first, so rules can name their CIDRs).
    let mut subnet_specs = Vec::new();
    for s in &spec.subnets {
        let vpc = s.vpc % nvpc;
        let id = format!("subnet-{vpc}{}", s.n);
        if w.subnets.iter().any(|x| x.id == id) {
            continue;
        }
        w.subnets.push(SubnetW {
            id,
            vpc,
            cidr: format!("10.{vpc}.{}.0/24", s.n),
            v6: (s.v6 && w.v6[usize::from(vpc)]).then(|| format!("2001:db8:{vpc}:{}::/64", s.n)),
        });
        subnet_specs.push(s.clone());
    }
    // Interfaces and NAT gateways get their addresses now too.
    for (k, e) in spec.enis.iter().enumerate() {
        let Some(s) =
            pick(&w.subnets, e.subnet).map(|s| (s.id.clone(), s.vpc, s.cidr.clone(), s.v6.clone()))
        else {
            continue;
        };
        let (_, vpc, cidr, v6) = s;
        let base = cidr.trim_end_matches(".0/24").to_string();
        let v6base = v6.as_ref().map(|c| c.trim_end_matches("::/64").to_string());
        let ip = format!("{base}.{}", 10 + k);
        // A sane network gives most interfaces a public IP; every third
        // has none (with one, an interface is a class of its own: without,
        // a subnet's members are walked together, IPv6 through the internet
        // gateway included).
        let public = (e.public || (spec.sane.is_some() && k % 3 != 2))
            .then(|| format!("198.51.100.{}", 10 + k));
        let instance = e
            .instance
            .filter(|_| e.kind == 0 && !e.available)
            .map(|i| format!("i-{i}"));
        let ipv6 = v6base
            .as_ref()
            .filter(|_| e.v6)
            .map(|b| format!("{b}::{:x}", 0x10 + k));
        let prefix = match (e.prefix, &v6base) {
            (Some(true), Some(b)) => Some((
                format!("{b}:{:x}::/80", k + 1),
                format!("{b}:{:x}::1", k + 1),
            )),
            (Some(_), _) => Some((
                format!("{base}.{}/28", 64 + 16 * k),
                format!("{base}.{}", 65 + 16 * k),
            )),
            (None, _) => None,
        };
        let v6_only = e.v6_only && e.kind == 0 && ipv6.is_some() && prefix.is_none();
        w.enis.push(EniW {
            id: format!("eni-{k}"),
            vpc,
            ip,
            public: public.filter(|_| !v6_only),
            instance,
            ipv6,
            v6_only,
            prefix,
        });
    }
    for (k, s) in spec.nats.iter().enumerate() {
        let Some(sub) = pick(&w.subnets, *s) else {
            continue;
        };
        w.nats.push((
            format!("nat-{k}"),
            sub.cidr.replace(".0/24", &format!(".{}", 5 + k)),
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
    if let Some(p) = spec.sane {
        // Everything from inside the VPCs, and part of the internet.
        let peers = [
            ("0.0.0.0/0", "'::/0'"),
            ("52.0.0.0/8", "'2600::/12'"),
            ("198.51.100.0/24", "'2000::/4'"),
            ("0.0.0.0/1", "'2001:db8::/32'"),
            ("128.0.0.0/1", "'2001:db8:ff::/48'"),
        ];
        for v in 0..nvpc {
            let (peer, peer6) = peers[usize::from(p.wrapping_add(v)) % peers.len()];
            let _ = writeln!(y, "  - id: sg-wide-{v}\n    vpc: vpc-{v}\n    ingress:");
            for inside in ["10.0.0.0/8", "'2001:db8::/45'"] {
                if p % 3 == 0 {
                    let _ = writeln!(y, "      - {{proto: all, from: {inside}}}");
                } else {
                    let _ = writeln!(
                        y,
                        "      - {{proto: tcp, ports: 20-1500, from: {inside}}}\n      - {{proto: udp, ports: 1024-65535, from: {inside}}}\n      - {{proto: icmp, type: 8, from: {inside}}}\n      - {{proto: icmpv6, type: 128, from: {inside}}}"
                    );
                }
            }
            let _ = writeln!(y, "      - {{proto: all, from: {peer}}}");
            let _ = writeln!(y, "      - {{proto: all, from: {peer6}}}");
            // Every fourth ordinary interface carries this group instead:
            // the VPC's interfaces by group reference, and a part of the
            // internet no address of the input lies in (a least-privilege
            // target: most sources do not reach it).
            let _ = writeln!(
                y,
                "  - id: sg-narrow-{v}\n    vpc: vpc-{v}\n    ingress:\n      - {{proto: tcp, ports: 20-1500, from: sg-wide-{v}}}\n      - {{proto: udp, ports: 1024-65535, from: sg-wide-{v}}}\n      - {{proto: icmp, type: 8, from: sg-wide-{v}}}\n      - {{proto: icmpv6, type: 128, from: sg-wide-{v}}}\n      - {{proto: all, from: 52.0.0.0/8}}\n      - {{proto: all, from: '2600::/12'}}"
            );
        }
    }
    // Network ACLs.
    let acl_vpcs: Vec<u8> = spec.acls.iter().map(|a| a.vpc % nvpc).collect();
    if !spec.acls.is_empty() {
        y.push_str("network_acls:\n");
        for (k, a) in spec.acls.iter().enumerate() {
            let _ = writeln!(y, "  - id: acl-{k}\n    vpc: vpc-{}", acl_vpcs[k]);
            let open = if a.open || sane {
                "      - {rule: 200, proto: all, cidr: 0.0.0.0/0, action: allow}\n      - {rule: 201, proto: all, cidr: '::/0', action: allow}\n"
            } else {
                ""
            };
            y.push_str("    inbound:\n");
            render_entries(&w, &a.inbound, sane, &mut y);
            y.push_str(open);
            y.push_str("    outbound:\n");
            render_entries(&w, &a.outbound, sane, &mut y);
            y.push_str(open);
        }
    }
    // Route tables.
    let rtb_vpcs: Vec<u8> = spec.rtbs.iter().map(|t| t.vpc % nvpc).collect();
    // Gateway route tables (never main, never a subnet's).
    let gateway_of: Vec<Option<String>> = spec
        .rtbs
        .iter()
        .zip(&rtb_vpcs)
        .map(|(t, v)| match t.gateway {
            Some(0) if has_igw(*v) => Some(format!("igw-{v}")),
            Some(1) => Some("vgw-1".to_string()),
            _ => None,
        })
        .collect();
    let mut gateway_seen: Vec<String> = Vec::new();
    let mut has_main = Vec::new();
    if !spec.rtbs.is_empty() {
        y.push_str("route_tables:\n");
        for (k, t) in spec.rtbs.iter().enumerate() {
            let vpc = rtb_vpcs[k];
            let gateway = gateway_of[k].clone().filter(|g| !gateway_seen.contains(g));
            if let Some(g) = &gateway {
                gateway_seen.push(g.clone());
            }
            let main = t.main && gateway.is_none() && !has_main.contains(&vpc);
            if main {
                has_main.push(vpc);
            }
            let _ = writeln!(y, "  - id: rtb-{k}\n    vpc: vpc-{vpc}\n    main: {main}");
            if let Some(g) = &gateway {
                let _ = writeln!(y, "    gateways: [{g}]");
            }
            let enis_here: Vec<String> = w
                .enis
                .iter()
                .filter(|e| e.vpc == vpc)
                .map(|e| e.id.clone())
                .collect();
            let (dests, targets) = if gateway.is_some() {
                let mut dests: Vec<String> = Vec::new();
                for s in w.subnets.iter().filter(|s| s.vpc == vpc) {
                    dests.push(s.cidr.clone());
                    dests.extend(s.v6.clone());
                }
                dests.extend(
                    w.enis
                        .iter()
                        .filter(|e| e.vpc == vpc)
                        .map(|e| format!("{}/32", e.ip)),
                );
                dests.push("0.0.0.0/0".into());
                let mut targets: Vec<String> = vec!["local".into(), "local".into(), "tgw-1".into()];
                targets.extend(enis_here.iter().cloned());
                (dests, targets)
            } else {
                let mut dests: Vec<String> = vec!["0.0.0.0/0".into(), "10.0.0.0/8".into()];
                dests.extend(
                    (0..nvpc)
                        .filter(|v| *v != vpc)
                        .map(|v| format!("10.{v}.0.0/16")),
                );
                dests.extend(w.subnets.iter().map(|s| s.cidr.clone()));
                dests.extend(PUBLIC_CIDRS.iter().map(|s| s.to_string()));
                if w.v6[usize::from(vpc)] {
                    dests.push("::/0".into());
                    dests.extend(
                        (0..nvpc)
                            .filter(|v| *v != vpc && w.v6[usize::from(*v)])
                            .map(vpc_v6),
                    );
                    dests.extend(w.subnets.iter().filter_map(|s| s.v6.clone()));
                    dests.extend(PUBLIC_V6.iter().map(|s| s.to_string()));
                }
                dests.extend(w.pls.iter().cloned());
                let mut targets: Vec<String> = Vec::new();
                targets.extend(igws.iter().map(|v| format!("igw-{v}")));
                targets.push(format!("igw-{vpc}"));
                targets.push(format!("eigw-{vpc}"));
                targets.extend(
                    w.nats
                        .iter()
                        .filter(|n| n.1.starts_with(&format!("10.{vpc}.")))
                        .map(|n| n.0.clone()),
                );
                targets.extend(pcx.iter().map(|(a, b, _)| format!("pcx-{a}{b}")));
                targets.push("tgw-1".into());
                targets.push("nat-missing".into());
                targets.push("vgw-1".into());
                targets.extend(enis_here.first().cloned());
                (dests, targets)
            };
            let mut used = Vec::new();
            let mut lines = String::new();
            if gateway.is_none()
                && w.v6[usize::from(vpc)]
                && let Some(d) = t
                    .v6_default
                    .or(sane.then_some(0))
                    .map(|d| if sane { 0 } else { d })
            {
                let target = match d {
                    0 => format!("igw-{vpc}"),
                    1 => format!("eigw-{vpc}"),
                    _ => "vgw-1".to_string(),
                };
                let _ = writeln!(lines, "      - {{dest: '::/0', target: {target}}}");
                used.push("::/0".to_string());
            }
            if gateway.is_none()
                && let Some(d) = t
                    .v4_default
                    .or(sane.then_some(0))
                    .map(|d| if sane { 0 } else { d })
            {
                let nat = w
                    .nats
                    .iter()
                    .find(|n| n.1.starts_with(&format!("10.{vpc}.")))
                    .map(|n| n.0.clone());
                let target = match (d, nat) {
                    (1, Some(n)) => n,
                    (2, _) => "vgw-1".to_string(),
                    _ => format!("igw-{vpc}"),
                };
                let _ = writeln!(lines, "      - {{dest: 0.0.0.0/0, target: {target}}}");
                used.push("0.0.0.0/0".to_string());
            }
            for r in &t.routes {
                let dest = pick(&dests, r.dest).expect("non-empty");
                if used.contains(&dest) {
                    continue;
                }
                used.push(dest.clone());
                let mut target = pick(&targets, r.target).expect("non-empty");
                if dest.contains(':') && target.starts_with("nat-") {
                    target = format!("igw-{vpc}");
                }
                let state = if r.blackhole {
                    ", state: blackhole"
                } else {
                    ""
                };
                let propagated = if r.propagated && gateway.is_none() {
                    ", propagated: true"
                } else {
                    ""
                };
                let dest = if dest.contains(':') {
                    format!("'{dest}'")
                } else {
                    dest
                };
                let _ = writeln!(
                    lines,
                    "      - {{dest: {dest}, target: {target}{state}{propagated}}}"
                );
            }
            // With a transit gateway, the other VPCs through it.
            if spec.tgw.is_some() && gateway.is_none() && !used.iter().any(|d| d == "10.0.0.0/8") {
                lines.push_str("      - {dest: 10.0.0.0/8, target: tgw-1}\n");
            }
            if lines.is_empty() {
                y.push_str("    routes: []\n");
            } else {
                y.push_str("    routes:\n");
                y.push_str(&lines);
            }
        }
    }
    if sane {
        // Every VPC's main table leads to the internet.
        let mut first = spec.rtbs.is_empty();
        for v in (0..nvpc).filter(|v| !has_main.contains(v)) {
            if first {
                y.push_str("route_tables:\n");
                first = false;
            }
            let _ = writeln!(
                y,
                "  - id: rtb-main-{v}\n    vpc: vpc-{v}\n    main: true\n    routes:\n      - {{dest: 0.0.0.0/0, target: igw-{v}}}"
            );
            if w.v6[usize::from(v)] {
                let _ = writeln!(y, "      - {{dest: '::/0', target: igw-{v}}}");
            }
        }
    }
    // Subnets.
    y.push_str("subnets:\n");
    for (s, spec_s) in w.subnets.iter().zip(&subnet_specs) {
        let vpc = s.vpc;
        match &s.v6 {
            Some(v6) => {
                let _ = write!(
                    y,
                    "  - {{id: {}, vpc: vpc-{vpc}, cidrs: [{}, '{v6}']",
                    s.id, s.cidr
                );
            }
            None => {
                let _ = write!(y, "  - {{id: {}, vpc: vpc-{vpc}, cidr: {}", s.id, s.cidr);
            }
        }
        let _ = write!(y, ", az: {}", zone_of(&s.cidr));
        let acls: Vec<usize> = (0..spec.acls.len())
            .filter(|k| acl_vpcs[*k] == vpc)
            .collect();
        if let Some(k) = spec_s.acl.and_then(|i| pick(&acls, i)) {
            let _ = write!(y, ", nacl: acl-{k}");
        }
        let rtbs: Vec<usize> = (0..spec.rtbs.len())
            .filter(|k| rtb_vpcs[*k] == vpc && gateway_of[*k].is_none())
            .collect();
        if let Some(k) = spec_s.rtb.and_then(|i| pick(&rtbs, i)) {
            let _ = write!(y, ", route_table: rtb-{k}");
        }
        y.push_str("}\n");
    }
    // Interfaces and instances.
    y.push_str("interfaces:\n");
    let mut order: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for e in &w.enis {
        if let Some(i) = &e.instance {
            order.entry(i.clone()).or_default().push(e.id.clone());
        }
    }
    for (k, e) in spec.enis.iter().enumerate() {
        let Some(ew) = w.enis.iter().find(|x| x.id == format!("eni-{k}")) else {
            continue;
        };
        let sid = pick(&w.subnets, e.subnet).expect("rendered").id;
        if ew.v6_only {
            let _ = write!(y, "  - {{id: {}, subnet: {sid}", ew.id);
        } else {
            let _ = write!(y, "  - {{id: {}, subnet: {sid}, ip: {}", ew.id, ew.ip);
        }
        if let Some(p) = &ew.public {
            let _ = write!(y, ", public_ip: {p}");
        }
        if let Some(a) = &ew.ipv6 {
            let _ = write!(y, ", ipv6: ['{a}']");
        }
        if let Some((p, _)) = &ew.prefix {
            let _ = write!(y, ", prefixes: ['{p}']");
        }
        let mine: Vec<usize> = (0..spec.sgs.len())
            .filter(|g| sg_vpcs[*g] == ew.vpc)
            .collect();
        let mut groups: Vec<String> = e
            .groups
            .iter()
            .filter_map(|g| pick(&mine, *g))
            .map(|g| format!("sg-{g}"))
            .collect();
        groups.dedup();
        let narrow = sane && e.kind == 0 && k % 4 == 3;
        if sane && e.kind == 0 {
            groups.push(format!(
                "sg-{}-{}",
                if narrow { "narrow" } else { "wide" },
                ew.vpc
            ));
        }
        let mut ports: Vec<(bool, (u16, u16))> = groups
            .iter()
            .filter_map(|g| g[3..].parse::<usize>().ok())
            .flat_map(|g| &spec.sgs[g].ingress)
            .filter(|r| r.proto % 5 < 2)
            .map(|r| (r.proto % 5 == 1, PORTS[usize::from(r.ports) % PORTS.len()]))
            .collect();
        if let Some(p) = spec.sane
            && e.kind == 0
            && (p % 3 != 0 || narrow)
        {
            ports.push((false, (20, 1500)));
            ports.push((true, (1024, 65535)));
        }
        w.ports.insert(ew.id.clone(), ports);
        match e.kind {
            1 => y.push_str(", kind: network_load_balancer, groups: []"),
            2 => y.push_str(", kind: transit_gateway, groups: []"),
            3 => y.push_str(", groups: []"),
            k => {
                if k == 4 {
                    y.push_str(", description: 'ELB app/web/50dc6c495c0c9188'");
                }
                if k == 5 {
                    y.push_str(", kind: network_load_balancer");
                }
                if !groups.is_empty() {
                    let _ = write!(y, ", groups: [{}]", groups.join(", "));
                }
            }
        }
        if e.available && ew.instance.is_none() && e.kind == 0 {
            y.push_str(", status: available");
        }
        if let Some(i) = &ew.instance {
            let _ = write!(y, ", instance: {i}");
            let idx: usize = i[2..].parse().expect("i-N");
            let ispec = &spec.instances[idx % spec.instances.len()];
            let enis = &order[i];
            if ispec.reversed && enis.len() > 1 {
                let pos = enis.iter().position(|x| *x == ew.id).expect("listed");
                let _ = write!(y, ", device_index: {}", enis.len() - 1 - pos);
            }
        }
        y.push_str("}\n");
    }
    let mut instances = String::new();
    for i in order.keys() {
        let idx: usize = i[2..].parse().expect("i-N");
        let s = &spec.instances[idx % spec.instances.len()];
        if !s.listed {
            continue;
        }
        let platform = if s.windows { "windows" } else { "linux" };
        let state = if s.stopped { ", state: stopped" } else { "" };
        let _ = writeln!(instances, "  - {{id: {i}, platform: {platform}{state}}}");
    }
    if !instances.is_empty() {
        y.push_str("instances:\n");
        y.push_str(&instances);
    }
    if !w.nats.is_empty() {
        y.push_str("nat_gateways:\n");
        for (k, s) in spec.nats.iter().enumerate() {
            let Some(sub) = pick(&w.subnets, *s) else {
                continue;
            };
            let (id, private, public) = w.nats[k].clone();
            let _ = writeln!(
                y,
                "  - {{id: {id}, subnet: {}, private_ip: {private}, public_ip: {public}}}",
                sub.id
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
            .filter(|s| s.vpc == vpc)
            .map(|s| (s.id.clone(), s.cidr.clone()))
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
        // A working network associates every subnet it can (at most 2).
        let assocs: Vec<(u8, bool)> = if sane {
            vec![(0, c.assocs[0].1), (1, c.assocs.last().expect("one").1)]
        } else {
            c.assocs.clone()
        };
        for (s, with_ip) in &assocs {
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
        dests.extend(w.subnets.iter().map(|s| s.cidr.clone()));
        dests.extend(w.enis.iter().map(|e| format!("{}/32", e.ip)));
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
        let client_cidr = format!("172.{}.0.0/22", 26 + k);
        let client_part = format!("172.{}.1.0/24", 26 + k);
        if let Some((kind, _)) = &c.c2c {
            if *kind >= 1 {
                let _ = writeln!(routes, "      - {{dest: {client_cidr}, subnet: local}}");
            }
            if *kind == 2 {
                let _ = writeln!(
                    routes,
                    "      - {{dest: {client_part}, subnet: {}}}",
                    assoc[0]
                );
            }
        }
        if !routes.is_empty() {
            eps.push_str("    routes:\n");
            eps.push_str(&routes);
        }
        let c2c_auth: &[(u8, Option<u8>)] = c.c2c.as_ref().map_or(&[], |x| &x.1);
        if c.auth.is_empty() && c2c_auth.is_empty() && !sane {
            eps.push_str("    authorization: []\n");
        } else {
            eps.push_str("    authorization:\n");
            if sane {
                eps.push_str("      - {dest: 10.0.0.0/8, access_all: true}\n");
            }
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
            for (d, g) in c2c_auth {
                let dest =
                    [client_cidr.as_str(), client_part.as_str(), "0.0.0.0/0"][usize::from(*d) % 3];
                match g {
                    None => {
                        let _ = writeln!(eps, "      - {{dest: {dest}, access_all: true}}");
                    }
                    Some(g) => {
                        let _ = writeln!(
                            eps,
                            "      - {{dest: {dest}, group: {}}}",
                            GROUPS[usize::from(*g) % 3]
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
    // Verified Access: an IAM Identity Center trust provider (`idc`), one
    // instance, a group and an endpoint per spec, on an interface.
    let mut vas = String::new();
    let mut groups = String::new();
    let mut va_targets = Vec::new();
    for (k, v) in spec.vas.iter().enumerate() {
        let Some(e) = w.enis.get(usize::from(v.eni) % w.enis.len().max(1)) else {
            continue;
        };
        let mine: Vec<usize> = (0..spec.sgs.len())
            .filter(|g| sg_vpcs[*g] == e.vpc)
            .collect();
        let mut ids: Vec<String> = v
            .sgs
            .iter()
            .filter_map(|g| pick(&mine, *g))
            .map(|g| format!("sg-{g}"))
            .collect();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        let _ = writeln!(groups, "  - id: vagr-{k}\n    instance: vai-0");
        if let Some(p) = &v.group_policy {
            let _ = writeln!(groups, "    policy: |");
            for l in cedar(p).lines() {
                let _ = writeln!(groups, "      {l}");
            }
        }
        let ports = ["22", "443", "20-30", "80-90"][usize::from(v.ports % 4)];
        let range = [(22, 22), (443, 443), (20, 30), (80, 90)][usize::from(v.ports % 4)];
        let target = (e.ip.clone(), range);
        let _ = writeln!(
            vas,
            "  - id: vae-{k}\n    group: vagr-{k}\n    type: network-interface\n    interface: {}\n    protocol: tcp\n    ports: {ports}\n    security_groups: [{}]\n    status: {}",
            e.id,
            ids.join(", "),
            if v.active { "active" } else { "pending" }
        );
        va_targets.push(target);
        if let Some((p, enabled)) = &v.endpoint_policy {
            let _ = writeln!(vas, "    policy_enabled: {enabled}\n    policy: |");
            for l in cedar(p).lines() {
                let _ = writeln!(vas, "      {l}");
            }
        }
    }
    w.va_targets = va_targets;
    if !vas.is_empty() {
        y.push_str("verified_access_trust_providers:\n  - {id: vatp-0, type: user, provider: iam-identity-center, reference: idc}\n");
        y.push_str("verified_access_instances:\n  - {id: vai-0, trust_providers: [vatp-0]}\n");
        y.push_str("verified_access_groups:\n");
        y.push_str(&groups);
        y.push_str("verified_access_endpoints:\n");
        y.push_str(&vas);
    }
    if let Some(t) = &spec.tgw {
        render_tgw(&w, t, &mut y);
    }
    let queries = spec.queries.iter().map(|q| render_query(&w, q)).collect();
    Case { yaml: y, queries }
}

/// A subnet's zone: even third octet us-east-1a, odd us-east-1b.
fn zone_of(cidr: &str) -> &'static str {
    let n: u32 = cidr
        .split('.')
        .nth(2)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    if n.is_multiple_of(2) {
        "us-east-1a"
    } else {
        "us-east-1b"
    }
}

fn render_tgw(w: &World, t: &TgwSpec, y: &mut String) {
    let nvpc = w.nvpc;
    let ntables = t.tables.len() as u8;
    let mut atts: Vec<String> = Vec::new();
    let mut lines = String::new();
    for v in 0..nvpc {
        let (zones, appliance, v6, table, prop) = t.attach[usize::from(v)];
        let mut subnets = Vec::new();
        for (bit, z) in [(1u8, "us-east-1a"), (2, "us-east-1b")] {
            if zones & bit != 0
                && let Some(s) = w
                    .subnets
                    .iter()
                    .find(|s| s.vpc == v && zone_of(&s.cidr) == z)
            {
                subnets.push(s.id.clone());
            }
        }
        if subnets.is_empty() {
            continue;
        }
        let id = format!("tgw-attach-{v}");
        let _ = write!(
            lines,
            "      - {{id: {id}, vpc: vpc-{v}, subnets: [{}], appliance_mode: {appliance}, ipv6: {v6}",
            subnets.join(", ")
        );
        if let Some(k) = table {
            let _ = write!(lines, ", route_table: tgw-rtb-{}", k % ntables);
        }
        let props: Vec<String> = (0..ntables)
            .filter(|k| prop & (1 << k) != 0)
            .map(|k| format!("tgw-rtb-{k}"))
            .collect();
        if !props.is_empty() {
            let _ = write!(lines, ", propagate_to: [{}]", props.join(", "));
        }
        lines.push_str("}\n");
        atts.push(id);
    }
    if let Some(k) = t.vpn {
        let _ = writeln!(
            lines,
            "      - {{id: tgw-attach-vpn, vpn: vpn-1, route_table: tgw-rtb-{}}}",
            k % ntables
        );
        atts.push("tgw-attach-vpn".into());
    }
    let mut dests: Vec<String> = vec![
        "0.0.0.0/0".into(),
        "10.0.0.0/8".into(),
        "192.168.0.0/16".into(),
    ];
    dests.extend((0..nvpc).map(|v| format!("10.{v}.0.0/16")));
    dests.extend(w.subnets.iter().map(|s| s.cidr.clone()));
    dests.extend(PUBLIC_CIDRS.iter().map(|s| s.to_string()));
    let _ = writeln!(
        y,
        "transit_gateways:\n  - id: tgw-1\n    security_group_referencing: {}",
        t.sg_referencing
    );
    if !lines.is_empty() {
        y.push_str("    attachments:\n");
        y.push_str(&lines);
    }
    y.push_str("    route_tables:\n");
    for (k, routes) in t.tables.iter().enumerate() {
        let _ = writeln!(y, "      - id: tgw-rtb-{k}\n        routes:");
        let mut used: Vec<String> = Vec::new();
        let mut any = false;
        for &(d, target, kind) in routes {
            let dest = pick(&dests, d).expect("non-empty");
            if used.contains(&dest) {
                continue;
            }
            let line = match (kind, pick(&atts, target)) {
                (2, _) | (_, None) => format!("{{dest: {dest}, state: blackhole}}"),
                (1, Some(a)) => format!("{{dest: {dest}, attachment: {a}, propagated: true}}"),
                (_, Some(a)) => format!("{{dest: {dest}, attachment: {a}}}"),
            };
            used.push(dest);
            let _ = writeln!(y, "          - {line}");
            any = true;
        }
        if !any {
            // `routes: []`.
            let n = y.len();
            y.truncate(n - "        routes:\n".len());
            y.push_str("        routes: []\n");
        }
    }
    if t.vpn.is_some() {
        y.push_str("vpn_connections:\n  - {id: vpn-1, transit_gateway: tgw-1}\n");
    }
}

fn render_query(w: &World, q: &QuerySpec) -> Query {
    let eni = w.enis.get(usize::from(q.src_ref) % w.enis.len().max(1));
    let instances: Vec<String> = {
        let mut v: Vec<String> = w.enis.iter().filter_map(|e| e.instance.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let deni = w.enis.get(usize::from(q.dst_ref) % w.enis.len().max(1));
    let nat = pick(&w.nats, q.dst_ref);
    // The source's VPC, for the Amazon DNS address (VPC base + 2).
    let src_vpc = match q.src {
        0 => pick(&instances, q.src_ref)
            .and_then(|i| w.enis.iter().find(|e| e.instance.as_ref() == Some(&i)))
            .map(|e| e.vpc),
        1 | 2 | 7 | 9 | 10 => eni.map(|e| e.vpc),
        _ => None,
    }
    .unwrap_or(q.dst_ref % w.nvpc);
    let dst = match q.dst {
        0 | 1 => deni.map(|e| e.ip.clone()),
        2 => deni.and_then(|e| e.public.clone()),
        3 => pick(&instances, q.dst_ref),
        // Every other time an IPv6-only interface, when there is one
        // (named by its ID, it is its IPv6 address).
        4 => w
            .enis
            .iter()
            .find(|e| e.v6_only && q.dst_ref.is_multiple_of(2))
            .or(deni)
            .map(|e| e.id.clone()),
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
        8 | 12 => deni.and_then(|e| e.ipv6.clone().or_else(|| Some(e.ip.clone()))),
        9 => Some(match q.dst_ref % 4 {
            0 => "2600:1f00::5".to_string(),
            1 => "2001:db8:ff::1".to_string(),
            2 => format!("2001:db8:{}:{}::99", q.dst_ref % w.nvpc, 1 + q.dst_ref % 2),
            _ => format!("2001:db8:{}::1", q.dst_ref % w.nvpc),
        }),
        10 if !matches!(q.src, 0 | 1 | 2 | 9 | 10) => deni.map(|e| e.ip.clone()),
        10 => Some(match q.dst_ref % 7 {
            0 => "169.254.169.253".to_string(),
            1 => "169.254.169.254".to_string(),
            2 => "169.254.169.123".to_string(),
            3 => "fd00:ec2::253".to_string(),
            4 => "fd00:ec2::254".to_string(),
            5 => "fd00:ec2::123".to_string(),
            _ => format!("10.{src_vpc}.0.2"),
        }),
        11 => deni.map(|e| e.prefix.as_ref().map_or(e.ip.clone(), |p| p.1.clone())),
        _ => Some(format!(
            "10.{}.{}.99",
            q.dst_ref % w.nvpc,
            1 + q.dst_ref % 3
        )),
    }
    .unwrap_or_else(|| "8.8.8.8".into());
    let v6 = dst.contains(':');
    let mismatch = q.src_ref.is_multiple_of(10);
    let src = match q.src {
        0 => pick(&instances, q.src_ref).unwrap_or_else(|| "i-missing".into()),
        1 => eni.map_or_else(|| "eni-missing".into(), |e| e.id.clone()),
        // An address of the destination's family, but now and then the other.
        2 | 9 if v6 != mismatch => eni
            .and_then(|e| e.ipv6.clone())
            .unwrap_or_else(|| "2600:1f00::9".into()),
        2 | 9 => eni.map_or_else(|| "10.0.9.9".into(), |e| e.ip.clone()),
        3 => "internet".into(),
        4 => "198.51.100.200".into(),
        5 | 6 => "client".into(),
        7 => eni
            .and_then(|e| e.public.clone())
            .unwrap_or_else(|| "10.0.9.9".into()),
        10 => eni
            .and_then(|e| e.prefix.as_ref().map(|p| p.1.clone()))
            .or_else(|| eni.map(|e| e.ip.clone()))
            .unwrap_or_else(|| "10.0.9.9".into()),
        _ => "10.0.9.9".into(),
    };
    // A host on the internet mostly asks for a public address of an interface
    // (a private one is unreachable from there, and stays in now and then).
    let (dst, v6) = if matches!(q.src, 3 | 4 | 7)
        && !v6
        && (dst.starts_with("10.") || dst.starts_with("i-") || dst.starts_with("eni-"))
        && !q.dst_ref.is_multiple_of(8)
    {
        let outside = |e: &EniW| {
            if q.dst_ref.is_multiple_of(3) {
                e.ipv6.clone().or(e.public.clone())
            } else {
                e.public.clone().or(e.ipv6.clone())
            }
        };
        match deni
            .and_then(outside)
            .or_else(|| w.enis.iter().find_map(outside))
        {
            Some(a) => {
                let v6 = a.contains(':');
                (a, v6)
            }
            None => (dst, v6),
        }
    } else {
        (dst, v6)
    };
    // Client VPN carries IPv4: a client asks for an IPv4 destination.
    let (dst, v6) = if src == "client" && v6 {
        (
            deni.map_or_else(|| "10.0.1.99".into(), |e| e.ip.clone()),
            false,
        )
    } else {
        (dst, v6)
    };
    // Now and then a client asks for another client (client-to-client): an
    // address inside one of the endpoints' client CIDRs.
    let dst = if src == "client" && q.dst_ref.is_multiple_of(2) {
        let x = q.dst_ref / 2;
        let k = u8::from(x % 4 == 3);
        format!("172.{}.{}.{}", 26 + k, (x / 4) % 4, 10 + x % 40)
    } else {
        dst
    };
    // Most other client queries ask for a Verified Access target, over TCP,
    // to its endpoint's ports, one of them, or a range straddling an edge.
    let va = pick(&w.va_targets, q.src_ref)
        .filter(|_| src == "client" && !dst.starts_with("172.") && !q.dst_ref.is_multiple_of(5));
    let dst = va.as_ref().map_or(dst, |t| t.0.clone());
    // Half of the tcp/udp queries ask about a port range straddling an
    // edge of a rule of the destination's groups (partly allowed).
    let aimed = deni
        .and_then(|e| w.ports.get(&e.id))
        .and_then(|ps| pick(ps, q.ports / 2))
        .filter(|_| q.proto < 2 && q.ports.is_multiple_of(2));
    let (proto, port) = match (q.proto, aimed) {
        (_, Some((udp, (a, b)))) => {
            let (lo, hi) = if q.dst_ref.is_multiple_of(2) || b == 65535 {
                (a.saturating_sub(5), a.saturating_add(5))
            } else {
                (b - 5, b + 5)
            };
            (if udp { "udp" } else { "tcp" }, format!("{lo}-{hi}"))
        }
        (1, None) => {
            let (a, b) = QPORTS[usize::from(q.ports) % QPORTS.len()];
            ("udp", format!("{a}-{b}"))
        }
        // `icmp` for IPv4, `icmpv6` for IPv6; now and then the other one
        // (an input error).
        (2 | 3, None) => (
            if v6 != (q.proto == 3 && mismatch) {
                "icmpv6"
            } else {
                "icmp"
            },
            ["8", "0", "3", "0-8", "128", "128-129"][usize::from(q.ports) % 6].to_string(),
        ),
        _ => {
            let (a, b) = QPORTS[usize::from(q.ports) % QPORTS.len()];
            ("tcp", format!("{a}-{b}"))
        }
    };
    let (proto, port) = match va {
        Some((_, (a, b))) => (
            "tcp",
            match q.ports % 4 {
                0 => format!("{a}-{b}"),
                1 => format!("{a}"),
                2 => format!("{}-{}", a.saturating_sub(3), a),
                _ => format!("{b}-{}", b + 3),
            },
        ),
        None => (proto, port),
    };
    let port = match port.split_once('-') {
        Some((a, b)) if a == b => a.to_string(),
        _ => port,
    };
    let groups = match (q.group, src.as_str()) {
        // Now and then a user in two groups.
        (Some(g), "client") if q.dst_ref % 5 == 1 => vec![
            GROUPS[usize::from(g)].to_string(),
            GROUPS[(usize::from(g) + 1) % 3].to_string(),
        ],
        (Some(g), "client") => vec![GROUPS[usize::from(g)].to_string()],
        // Sometimes on a non-client query: must be an error.
        (Some(g), _) if q.src_ref.is_multiple_of(8) => vec![GROUPS[usize::from(g)].to_string()],
        _ => Vec::new(),
    };
    let src_port = q.src_port.map(|p| PORTS[usize::from(p) % PORTS.len()]);
    // Now and then the destination names its interface, `eni-…@ADDRESS`:
    // the one holding the address, or now and then another (an input error,
    // as is an address no interface holds).
    let at = (q.at % 5 == 1 && dst.parse::<std::net::IpAddr>().is_ok())
        .then(|| {
            let holds = |e: &&EniW| {
                e.ip == dst
                    || e.public.as_ref() == Some(&dst)
                    || e.ipv6.as_ref() == Some(&dst)
                    || e.prefix.as_ref().is_some_and(|p| p.1 == dst)
            };
            if q.at % 20 == 1 {
                w.enis.iter().find(|e| !holds(e)).or(deni)
            } else {
                w.enis.iter().find(holds).or(deni)
            }
            .map(|e| e.id.clone())
        })
        .flatten();
    let dst = if v6 { format!("[{dst}]") } else { dst };
    let dst = match at {
        Some(id) => format!("{id}@{dst}"),
        None => dst,
    };
    Query {
        text: format!("{src}->{dst}:{port}/{proto}"),
        groups,
        src_port,
    }
}
