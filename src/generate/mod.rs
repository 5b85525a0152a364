//! Synthetic AWS snapshots for benchmarks: realistic shape, any size.
//!
//! [`snapshot`] builds the documents `aws ec2 describe-*` would print for a
//! made-up account (one file per call, keyed by the call's top-level key), and
//! [`queries`] picks queries that walk its interesting paths. Everything is a
//! pure function of [`Params`]: the same parameters give the same bytes.
//!
//! Shape of the network:
//! - VPCs with non-overlapping /16s (`10.V.0.0/16`), each with an internet
//!   gateway, a main route table (local route only), a default network ACL
//!   (not associated) and a default security group (ingress from itself).
//! - /24 subnets spread round-robin over the VPCs. The first tenth of each
//!   VPC's subnets (at least one) are public: their route table sends
//!   `0.0.0.0/0` to the internet gateway. The others are private and send it
//!   to the VPC's NAT gateway, which sits in the first public subnet with an
//!   Elastic IP and its own `nat_gateway` network interface.
//! - Every subnet has its own route table (explicit association) and is
//!   associated with one of its VPC's custom network ACLs. ACLs have deny
//!   rules first (telnet, SMB in, SMTP out, sometimes a random internal /24
//!   on a 9xxx port), then allows for the service ports and the ephemeral return range,
//!   both directions.
//! - Security groups mix CIDR rules and rules naming other groups of the same
//!   VPC (`UserIdGroupPairs`). Every non-default group allows ssh from
//!   `10.0.0.0/8` and https from anywhere; most allow all egress.
//! - Network interfaces carry 1-3 groups; most belong to an instance (listed
//!   in `Reservations` too); those in public subnets have public IPs.
//! - With two VPCs or more, one transit gateway connects them: each VPC's
//!   attachment uses its first subnet in each Availability Zone, every
//!   subnet's route table sends `10.0.0.0/8` to the transit gateway, and the
//!   one transit gateway route table (every attachment associated and
//!   propagating) holds each VPC's /16 as a propagated route.
//!
//! [`Params::org`] adds (drawn from a generator of its own, so the rest is
//! what the same sizes give without it):
//! - Dual-stack VPCs (every other one, `vpc-0`, `vpc-2`, …): an Amazon /56
//!   (`2600:1f18:4e2a:VV00::/56`), a /64 per subnet, an IPv6 address per
//!   interface, `::/0` to the internet gateway (public subnets) or to the
//!   VPC's egress-only internet gateway (private ones); rules open to
//!   `0.0.0.0/0` are open to `::/0` too, and the ACLs have IPv6 entries.
//! - Network ACLs of 40-60 entries (the implicit denies included; the most
//!   in dual-stack VPCs): denies of internal ranges no subnet uses and of
//!   unused ports below 1024, allows of the application ports within the
//!   VPC.
//! - One Client VPN endpoint per 10 VPCs (SAML, split tunnel), associated
//!   with its VPC's first subnet (its interface at `.6`), routes to its VPC
//!   and `10.0.0.0/8`, and three directory groups' authorization rules:
//!   engineers to their VPC, DBAs to the next VPC, contractors to one /24.
//! - A Verified Access instance (IAM Identity Center trust provider), one
//!   group whose policy permits the first endpoint's engineers, and one
//!   `network-interface` endpoint (ssh) per 10 VPCs toward an instance.
//! - Four accounts: VPC `v` and what is in it belong to the `v % 4`th
//!   (the transit gateway, shared, to the first); a peering connection
//!   joins the first two VPCs, whose subnets route each other's /16 to it.
//!
//! Sizes are clamped to what this layout can hold: at most 256 VPCs, 256
//! subnets per VPC, 120 interfaces per subnet; at least one custom network
//! ACL per VPC and two security groups per VPC (the default and one more).

mod docs;
mod org;
mod plan;
mod queries;

use serde_json::Value;

/// Sizes of the generated network. `sg_rules` counts rule entries (one per
/// CIDR or group peer) over all groups, ingress and egress, default groups
/// included; `nacls` counts custom ACLs (each VPC also gets its default one);
/// `sgs` includes each VPC's default group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub vpcs: usize,
    pub subnets: usize,
    pub enis: usize,
    pub sgs: usize,
    pub sg_rules: usize,
    pub nacls: usize,
    pub seed: u64,
    /// The organisation's extras (dual-stack VPCs, longer ACLs, Client VPN
    /// and Verified Access endpoints; see the module docs). Set by
    /// [`Params::org`]; without it the output is what it always was.
    pub org: bool,
}

impl Params {
    /// The size the performance targets are set for.
    pub fn large() -> Params {
        Params {
            vpcs: 10,
            subnets: 1_000,
            enis: 10_000,
            sgs: 5_000,
            sg_rules: 50_000,
            nacls: 1_000,
            seed: 1,
            org: false,
        }
    }

    /// A few of everything: for tests.
    pub fn small() -> Params {
        Params {
            vpcs: 2,
            subnets: 8,
            enis: 40,
            sgs: 10,
            sg_rules: 80,
            nacls: 4,
            seed: 7,
            org: false,
        }
    }

    /// An organisation's shape at about `interfaces` interfaces: many VPCs
    /// (one per 100 interfaces, at least 2 and at most 100), all joined by
    /// the transit gateway, 10 interfaces a subnet, half as many security
    /// groups as interfaces with 10 rules each, one custom network ACL per
    /// subnet. `org(100_000)`: 100 VPCs, 10,000 subnets, 50,000 groups,
    /// 500,000 rules; with the organisation's extras (`org`: dual-stack
    /// VPCs, longer ACLs, Client VPN and Verified Access endpoints).
    pub fn org(interfaces: usize) -> Params {
        let enis = interfaces.max(20);
        let subnets = enis.div_ceil(10);
        Params {
            vpcs: (enis / 100).clamp(2, 100),
            subnets,
            enis,
            sgs: enis / 2,
            sg_rules: enis * 5,
            nacls: subnets,
            seed: 1,
            org: true,
        }
    }

    /// The sizes actually generated (see the module docs for the limits).
    pub fn clamped(&self) -> Params {
        let vpcs = self.vpcs.clamp(1, 256);
        let subnets = self.subnets.clamp(vpcs, vpcs * 256);
        Params {
            vpcs,
            subnets,
            enis: self.enis.min(subnets * MAX_ENIS_PER_SUBNET),
            sgs: self.sgs.max(2 * vpcs),
            sg_rules: self.sg_rules,
            nacls: self.nacls.max(vpcs),
            seed: self.seed,
            org: self.org,
        }
    }
}

const MAX_ENIS_PER_SUBNET: usize = 120;
/// Host number of the first interface in a subnet (AWS reserves .0-.3).
const FIRST_HOST: u32 = 10;
/// Host numbers of secondary private IPs start here.
const SECONDARY_HOST: u32 = FIRST_HOST + MAX_ENIS_PER_SUBNET as u32;
/// Host number of the NAT gateway in its subnet.
const NAT_HOST: u32 = 5;
const OWNER: &str = "123456789012";
/// A host on the internet, outside every generated address.
const INTERNET_HOST: &str = "93.184.216.34";
/// Ports of the services that security-group rules open.
const APP_PORTS: [u16; 8] = [3306, 5432, 6379, 8080, 8443, 9200, 11211, 27017];

/// AWS CLI describe-* documents: (file name like "SecurityGroups.json", JSON text).
pub fn snapshot(p: &Params) -> Vec<(String, String)> {
    let plan = Plan::new(p);
    let docs = [
        ("Vpcs", plan.vpcs_doc()),
        ("Subnets", plan.subnets_doc()),
        ("RouteTables", plan.route_tables_doc()),
        ("NetworkAcls", plan.nacls_doc()),
        ("SecurityGroups", plan.sgs_doc()),
        ("NetworkInterfaces", plan.enis_doc()),
        ("Reservations", plan.reservations_doc()),
        ("InternetGateways", plan.igws_doc()),
        ("NatGateways", plan.nats_doc()),
        ("Addresses", plan.addresses_doc()),
    ];
    let transit = plan.transit_docs();
    let org = plan.org_docs();
    docs.into_iter()
        .chain(transit)
        .chain(org)
        .map(|(key, items)| {
            let mut doc = serde_json::Map::new();
            doc.insert(key.to_string(), Value::Array(items));
            let text = serde_json::to_string_pretty(&Value::Object(doc))
                .expect("a json value always serializes");
            (format!("{key}.json"), text)
        })
        .collect()
}

/// A few queries (in `SRC->DST:PORT` syntax) that exercise the generated network.
pub fn queries(p: &Params) -> Vec<String> {
    named_queries(p).into_iter().map(|(_, q)| q).collect()
}

/// [`queries`] with a short name for each (for benchmark labels):
/// `same_subnet`, `cross_subnet` (two network ACLs each way), `sg_reference`
/// (allowed by a rule naming the client's group), `to_internet_igw` and
/// `to_internet_nat` (out and back through the gateway), `from_internet`
/// (to a public IP), `cross_vpc` (through the transit gateway, both ways;
/// with two VPCs or more); with [`Params::org`], `client` (a Client VPN
/// user of one directory group: ask it with [`client_access`]) and `ipv6`
/// (out through an egress-only internet gateway). All are reachable by
/// construction.
pub fn named_queries(p: &Params) -> Vec<(&'static str, String)> {
    let plan = Plan::new(p);
    plan.queries()
}

/// The number of security-group rule entries [`snapshot`] generates for `p`
/// (equal to `p.sg_rules` unless that is below the minimum of 2 per default
/// group and 3 per other group), plus with [`Params::org`] the `::/0`
/// entries of dual-stack VPCs' groups and the access endpoints' groups.
pub fn sg_rule_count(p: &Params) -> usize {
    let plan = Plan::new(p);
    let v6: usize = plan
        .sgs
        .iter()
        .filter(|g| plan.dual(g.vpc))
        .flat_map(|g| g.ingress.iter().chain(&g.egress))
        .filter(|r| matches!(&r.peer, PeerP::Cidr(c) if c == "0.0.0.0/0"))
        .count();
    let access = plan
        .org
        .as_ref()
        .map_or(0, |o| o.cvpns.len() + o.va.endpoints.len());
    plan.sgs
        .iter()
        .map(|g| g.ingress.len() + g.egress.len())
        .sum::<usize>()
        + v6
        + access
}

// ---------------------------------------------------------------------------
// PRNG: splitmix64 (deterministic, no dependency)
// ---------------------------------------------------------------------------

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `pct`%.
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
}

/// A unique AWS-looking ID: `mix64` is a bijection, so distinct `(kind, i)`
/// under one seed give distinct IDs.
fn aws_id(prefix: &str, seed: u64, kind: u64, i: usize) -> String {
    let x = mix64(seed ^ kind.wrapping_mul(0x1000_0000_0000_0001)) ^ i as u64;
    format!("{prefix}-{:017x}", mix64(x))
}

fn ipv4(a: u32) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

fn az(k: u32) -> &'static str {
    ["us-east-1a", "us-east-1b", "us-east-1c"][k as usize % 3]
}

fn ten(v: usize, third: u32, host: u32) -> u32 {
    (10 << 24) | ((v as u32) << 16) | (third << 8) | host
}

// ---------------------------------------------------------------------------
// The plan: every resource as plain data, then rendered to documents.
// ---------------------------------------------------------------------------

struct VpcP {
    id: String,
    igw: String,
    main_rtb: String,
    default_acl: String,
    /// Indices into `Plan::subnets`.
    subnets: Vec<usize>,
    /// Indices into `Plan::sgs`; the first is the default group.
    sgs: Vec<usize>,
    nat: NatP,
}

struct NatP {
    id: String,
    eni: String,
    alloc: String,
    assoc: String,
    subnet: usize,
    private_ip: u32,
    public_ip: u32,
}

struct SubnetP {
    id: String,
    vpc: usize,
    /// Index within its VPC: the third octet.
    k: u32,
    public: bool,
    rtb: String,
    rtb_assoc: String,
    /// A route to a deleted peering connection (state `blackhole`).
    blackhole: bool,
    nacl: usize,
    /// Indices into `Plan::enis`.
    enis: Vec<usize>,
}

struct NaclP {
    id: String,
    vpc: usize,
    entries: Vec<NaclEntryP>,
    /// Indices into `Plan::subnets`.
    subnets: Vec<usize>,
}

struct NaclEntryP {
    number: u16,
    egress: bool,
    /// AWS's numeric spelling: "6", "17", "1", "-1".
    proto: &'static str,
    allow: bool,
    cidr: String,
    ports: Option<(u16, u16)>,
}

impl NaclEntryP {
    fn new(
        number: u16,
        egress: bool,
        proto: &'static str,
        allow: bool,
        cidr: &str,
        ports: Option<(u16, u16)>,
    ) -> NaclEntryP {
        NaclEntryP {
            number,
            egress,
            proto,
            allow,
            cidr: cidr.to_string(),
            ports,
        }
    }
}

enum PeerP {
    Cidr(String),
    Group(usize),
}

struct RuleP {
    /// "tcp", "udp", "icmp" or "-1".
    proto: &'static str,
    ports: Option<(i64, i64)>,
    peer: PeerP,
    description: Option<&'static str>,
}

struct SgP {
    id: String,
    name: String,
    vpc: usize,
    ingress: Vec<RuleP>,
    egress: Vec<RuleP>,
}

struct EniP {
    id: String,
    subnet: usize,
    ip: u32,
    secondary: Option<u32>,
    public_ip: Option<u32>,
    groups: Vec<usize>,
    /// (instance ID, reservation ID, windows).
    instance: Option<(String, String, bool)>,
    attach: String,
}

/// The transit gateway connecting the VPCs (two or more).
struct TgwP {
    id: String,
    table: String,
    /// Per VPC: the attachment ID and its subnets (indices into
    /// `Plan::subnets`, one per zone).
    attachments: Vec<(String, Vec<usize>)>,
}

struct Plan {
    seed: u64,
    tgw: Option<TgwP>,
    vpcs: Vec<VpcP>,
    subnets: Vec<SubnetP>,
    nacls: Vec<NaclP>,
    sgs: Vec<SgP>,
    enis: Vec<EniP>,
    /// [`Params::org`]'s extras.
    org: Option<OrgP>,
}

pub(super) struct OrgP {
    /// Per VPC: its egress-only internet gateway (dual-stack VPCs only use theirs).
    pub(super) eigws: Vec<String>,
    pub(super) cvpns: Vec<CvpnP>,
    pub(super) va: VaP,
    /// A VPC peering connection between the first two VPCs (of two
    /// accounts): their subnets route each other's /16 to it, ahead of the
    /// transit gateway's `10.0.0.0/8`.
    pub(super) peering: String,
}

pub(super) struct CvpnP {
    pub(super) id: String,
    pub(super) vpc: usize,
    /// The association's subnet (index into `Plan::subnets`).
    pub(super) subnet: usize,
    pub(super) assoc: String,
    pub(super) eni: String,
    pub(super) ip: u32,
    pub(super) sg: String,
    pub(super) client_cidr: String,
    /// Authorization rules: (directory group ID, destination, description).
    pub(super) rules: Vec<(String, String, &'static str)>,
}

pub(super) struct VaP {
    pub(super) instance: String,
    pub(super) provider: String,
    pub(super) group: String,
    /// The directory group the group policy permits.
    pub(super) directory_group: String,
    /// (endpoint ID, its VPC, its security group, target interface index).
    pub(super) endpoints: Vec<(String, usize, String, usize)>,
}

/// The Client VPN endpoint and directory group the `client` named query is
/// asked through (`reach check --via ENDPOINT --group GROUP`); `None`
/// outside [`Params::org`].
pub fn client_access(p: &Params) -> Option<(String, String)> {
    let plan = Plan::new(p);
    let c = plan.org.as_ref()?.cvpns.first()?;
    Some((c.id.clone(), c.rules[1].0.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, Query, QuerySpec, Verdict};
    use crate::ingest::Loader;

    fn load(p: &Params) -> crate::model::Network {
        let mut l = Loader::new();
        for (name, text) in snapshot(p) {
            l.add_json(&name, &text)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        l.finish().expect("the generated snapshot loads")
    }

    #[test]
    fn small_snapshot_loads_and_queries_are_reachable() {
        let p = Params::small();
        let net = load(&p);
        assert!(net.warnings.is_empty(), "{:?}", net.warnings);
        assert!(net.skipped.is_empty(), "{:?}", net.skipped);
        let c = p.clamped();
        assert_eq!(net.vpcs.len(), c.vpcs);
        assert_eq!(net.subnets.len(), c.subnets);
        assert_eq!(net.security_groups.len(), c.sgs);
        assert_eq!(net.network_acls.len(), c.nacls + c.vpcs);
        assert_eq!(net.nat_gateways.len(), c.vpcs);
        // Interfaces: generated ones plus one per NAT gateway.
        assert_eq!(net.interfaces.len(), c.enis + c.vpcs);
        let rules: usize = net
            .security_groups
            .values()
            .map(|g| g.ingress.len() + g.egress.len())
            .sum();
        assert_eq!(rules, p.sg_rules);
        assert_eq!(sg_rule_count(&p), p.sg_rules);

        let qs = named_queries(&p);
        let names: Vec<&str> = qs.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "same_subnet",
                "cross_subnet",
                "sg_reference",
                "to_internet_igw",
                "to_internet_nat",
                "from_internet",
                "cross_vpc"
            ]
        );
        assert_eq!(net.transit_gateways.len(), 1);
        assert_eq!(net.tgw_attachments.len(), c.vpcs);
        for (name, q) in qs {
            let spec = QuerySpec::parse(&q).unwrap_or_else(|e| panic!("{name}: {q}: {e}"));
            let query =
                Query::resolve(&net, spec, None).unwrap_or_else(|e| panic!("{name}: {q}: {e}"));
            let a = engine::check(&net, query);
            assert_eq!(a.verdict, Verdict::Reachable, "{name}: {q}");
        }
    }

    /// The organisation preset at 1k: many VPCs on one transit gateway,
    /// dual-stack VPCs, long ACLs, Client VPN and Verified Access
    /// endpoints; loads without warnings, its queries reachable (`client`
    /// for its group, partial for everyone), `exposure` finds what the
    /// access groups reach.
    #[test]
    fn org_snapshot_loads_and_queries_are_reachable() {
        let p = Params::org(1_000);
        assert_eq!(p.clamped(), p);
        let net = load(&p);
        assert!(net.warnings.is_empty(), "{:?}", net.warnings);
        assert!(net.skipped.is_empty(), "{:?}", net.skipped);
        assert_eq!(net.vpcs.len(), 10);
        assert_eq!(net.subnets.len(), 100);
        // Generated, NAT gateways', the Client VPN association's.
        assert_eq!(net.interfaces.len(), 1_000 + 10 + 1);
        assert_eq!(net.tgw_attachments.len(), 10);
        assert_eq!(net.client_vpn_endpoints.len(), 1);
        assert_eq!(net.peerings.len(), 1);
        assert_eq!(net.va_endpoints.len(), 1);
        let rules: usize = net
            .security_groups
            .values()
            .map(|g| g.ingress.len() + g.egress.len())
            .sum();
        assert_eq!(rules, sg_rule_count(&p));
        // Dual-stack: half the VPCs, their interfaces have IPv6 addresses.
        let v6 = net
            .interfaces
            .values()
            .filter(|i| !i.ipv6.is_empty())
            .count();
        assert_eq!(v6, 500);
        // Custom ACLs have dozens of entries.
        let shortest = net
            .network_acls
            .values()
            .filter(|a| !a.is_default)
            .map(|a| a.inbound.len() + a.outbound.len())
            .min()
            .unwrap();
        assert!(shortest >= 36, "{shortest}");
        let qs = named_queries(&p);
        let names: Vec<&str> = qs.iter().map(|(n, _)| *n).collect();
        assert_eq!(names.len(), 9);
        assert_eq!(names[7..], ["client", "ipv6"]);
        let (endpoint, group) = client_access(&p).expect("an organisation has Client VPN");
        for (name, q) in qs {
            let spec = QuerySpec::parse(&q).unwrap_or_else(|e| panic!("{name}: {q}: {e}"));
            let opts = engine::QueryOptions {
                groups: if name == "client" {
                    vec![group.clone()]
                } else {
                    Vec::new()
                },
                via: (name == "client").then(|| endpoint.clone()),
                ..engine::QueryOptions::default()
            };
            let query = Query::resolve_with(&net, spec, &opts)
                .unwrap_or_else(|e| panic!("{name}: {q}: {e}"));
            let a = engine::check(&net, query);
            assert_eq!(a.verdict, Verdict::Reachable, "{name}: {q}");
        }
        // The client query for everyone: only some groups get there.
        let (_, q) = &named_queries(&p)[7];
        let query = Query::resolve(&net, QuerySpec::parse(q).unwrap(), None).unwrap();
        assert_eq!(engine::check(&net, query).verdict, Verdict::Partial, "{q}");

        // Exposure from every source: access groups reach interfaces.
        let x = crate::exposure::exposure(&net, crate::exposure::From::All).unwrap();
        let groups: std::collections::BTreeSet<String> = x
            .exposed
            .iter()
            .flat_map(|e| &e.found)
            .filter_map(|f| match &f.source {
                crate::who::Source::Access { group: Some(g), .. } => Some(g.clone()),
                _ => None,
            })
            .collect();
        assert!(groups.contains(&group), "{groups:?}");
        assert!(groups.len() >= 3, "{groups:?}");
        for n in [10_000, 100_000] {
            let p = Params::org(n);
            assert_eq!(p.clamped(), p, "{n}");
        }
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let p = Params::small();
        assert_eq!(snapshot(&p), snapshot(&p));
        assert_eq!(queries(&p), queries(&p));
        let q = Params {
            seed: 8,
            ..p.clone()
        };
        assert_ne!(snapshot(&p), snapshot(&q));
    }

    /// FNV-1a over every file name and text: pins the bytes generated.
    fn digest(files: &[(String, String)]) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (name, text) in files {
            for b in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    }

    /// `small()` and explicit sizes keep generating the same bytes (the
    /// organisation extras are for `Params::org` only): benchmark figures
    /// and tests are read off these.
    #[test]
    fn small_and_explicit_sizes_are_pinned() {
        let explicit = Params {
            vpcs: 3,
            subnets: 12,
            enis: 60,
            sgs: 12,
            sg_rules: 100,
            nacls: 6,
            seed: 3,
            ..Params::small()
        };
        let got = [
            digest(&snapshot(&Params::small())),
            digest(&snapshot(&explicit)),
        ];
        assert_eq!(got, [0xc26a_7832_f78f_c553, 0x9b92_7be1_2915_1fed]);
    }

    #[test]
    fn sizes_are_clamped_not_panicking() {
        let tiny = Params {
            vpcs: 0,
            subnets: 0,
            enis: 0,
            sgs: 0,
            sg_rules: 0,
            nacls: 0,
            seed: 0,
            org: false,
        };
        let net = load(&tiny);
        assert_eq!(net.vpcs.len(), 1);
        let _ = queries(&tiny);
    }
}
