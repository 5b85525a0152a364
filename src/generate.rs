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
//!
//! Sizes are clamped to what this layout can hold: at most 256 VPCs, 256
//! subnets per VPC, 120 interfaces per subnet; at least one custom network
//! ACL per VPC and two security groups per VPC (the default and one more).

use serde_json::{Value, json};

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
    docs.into_iter()
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
/// (to a public IP). All are reachable by construction.
pub fn named_queries(p: &Params) -> Vec<(&'static str, String)> {
    let plan = Plan::new(p);
    plan.queries()
}

/// The number of security-group rule entries [`snapshot`] generates for `p`
/// (equal to `p.sg_rules` unless that is below the minimum of 2 per default
/// group and 3 per other group).
pub fn sg_rule_count(p: &Params) -> usize {
    let plan = Plan::new(p);
    plan.sgs
        .iter()
        .map(|g| g.ingress.len() + g.egress.len())
        .sum()
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

struct Plan {
    seed: u64,
    vpcs: Vec<VpcP>,
    subnets: Vec<SubnetP>,
    nacls: Vec<NaclP>,
    sgs: Vec<SgP>,
    enis: Vec<EniP>,
}

impl Plan {
    fn new(p: &Params) -> Plan {
        let p = p.clamped();
        let seed = p.seed;
        let mut rng = Rng::new(seed);
        let id = |prefix: &str, kind: u64, i: usize| aws_id(prefix, seed, kind, i);

        // Subnets: round-robin over VPCs; k = index within the VPC.
        let mut per_vpc = vec![0usize; p.vpcs];
        for j in 0..p.subnets {
            per_vpc[j % p.vpcs] += 1;
        }
        let mut subnets: Vec<SubnetP> = (0..p.subnets)
            .map(|j| {
                let v = j % p.vpcs;
                let k = j / p.vpcs;
                SubnetP {
                    id: id("subnet", 2, j),
                    vpc: v,
                    k: k as u32,
                    public: k < (per_vpc[v] / 10).max(1),
                    rtb: id("rtb", 3, j),
                    rtb_assoc: id("rtbassoc", 4, j),
                    blackhole: rng.chance(10),
                    nacl: 0,
                    enis: Vec::new(),
                }
            })
            .collect();

        let mut vpcs: Vec<VpcP> = (0..p.vpcs)
            .map(|v| VpcP {
                id: id("vpc", 1, v),
                igw: id("igw", 5, v),
                main_rtb: id("rtb", 6, v),
                default_acl: id("acl", 7, v),
                subnets: Vec::new(),
                sgs: Vec::new(),
                nat: NatP {
                    id: id("nat", 8, v),
                    eni: id("eni", 9, v),
                    alloc: id("eipalloc", 10, v),
                    assoc: id("eipassoc", 11, v),
                    // The first subnet of VPC v is subnet v (k = 0, public).
                    subnet: v,
                    private_ip: ten(v, 0, NAT_HOST),
                    public_ip: (52 << 24) | v as u32,
                },
            })
            .collect();
        for (j, s) in subnets.iter().enumerate() {
            vpcs[s.vpc].subnets.push(j);
        }

        // Custom network ACLs: round-robin over VPCs; a subnet takes one of its VPC's.
        let mut nacls: Vec<NaclP> = (0..p.nacls)
            .map(|i| {
                let v = i % p.vpcs;
                NaclP {
                    id: id("acl", 12, i),
                    vpc: v,
                    entries: nacl_entries(v, &mut rng),
                    subnets: Vec::new(),
                }
            })
            .collect();
        let mut vpc_nacls: Vec<Vec<usize>> = vec![Vec::new(); p.vpcs];
        for (i, a) in nacls.iter().enumerate() {
            vpc_nacls[a.vpc].push(i);
        }
        for (j, s) in subnets.iter_mut().enumerate() {
            let own = &vpc_nacls[s.vpc];
            s.nacl = own[s.k as usize % own.len()];
            nacls[s.nacl].subnets.push(j);
        }

        // Security groups: round-robin over VPCs; the first of each VPC is its default.
        let n_default = p.vpcs;
        let n_other = p.sgs - n_default;
        let budget = p.sg_rules.saturating_sub(2 * n_default);
        let counts = rule_counts(budget, n_other, &mut rng);
        let mut sgs: Vec<SgP> = (0..p.sgs)
            .map(|i| SgP {
                id: id("sg", 13, i),
                name: String::new(),
                vpc: i % p.vpcs,
                ingress: Vec::new(),
                egress: Vec::new(),
            })
            .collect();
        for (i, g) in sgs.iter().enumerate() {
            vpcs[g.vpc].sgs.push(i);
        }
        let mut counts = counts.into_iter();
        for (i, g) in sgs.iter_mut().enumerate() {
            let v = g.vpc;
            if i < n_default {
                g.name = "default".into();
                g.ingress.push(RuleP {
                    proto: "-1",
                    ports: None,
                    peer: PeerP::Group(i),
                    description: None,
                });
                g.egress.push(RuleP {
                    proto: "-1",
                    ports: None,
                    peer: PeerP::Cidr("0.0.0.0/0".into()),
                    description: None,
                });
                continue;
            }
            let n = counts.next().unwrap_or(0);
            let (ingress, egress) = sg_rules(v, i, n, &vpcs[v].sgs, &mut rng);
            g.name = format!("app-{v}-{i}");
            g.ingress = ingress;
            g.egress = egress;
        }

        // Interfaces: round-robin over subnets.
        let mut enis: Vec<EniP> = Vec::with_capacity(p.enis);
        let mut public_n = 0u32;
        for e in 0..p.enis {
            let j = e % p.subnets;
            let idx = (e / p.subnets) as u32;
            let s = &subnets[j];
            let v = s.vpc;
            let pool = &vpcs[v].sgs[1..];
            let want = 1 + rng.below(3).min(pool.len() - 1);
            let mut groups: Vec<usize> = Vec::with_capacity(want + 1);
            while groups.len() < want {
                let g = pool[rng.below(pool.len())];
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            if rng.chance(10) {
                groups.push(vpcs[v].sgs[0]);
            }
            let public_ip = s.public.then(|| {
                public_n += 1;
                (3 << 24) | public_n
            });
            let instance = rng
                .chance(90)
                .then(|| (id("i", 14, e), id("r", 15, e), rng.chance(10)));
            enis.push(EniP {
                id: id("eni", 16, e),
                subnet: j,
                ip: ten(v, s.k, FIRST_HOST + idx),
                secondary: rng.chance(10).then(|| ten(v, s.k, SECONDARY_HOST + idx)),
                public_ip,
                groups,
                instance,
                attach: id("eni-attach", 17, e),
            });
            subnets[j].enis.push(e);
        }

        Plan {
            seed,
            vpcs,
            subnets,
            nacls,
            sgs,
            enis,
        }
    }

    fn vpc_cidr(v: usize) -> String {
        format!("{}/16", ipv4(ten(v, 0, 0)))
    }

    fn subnet_cidr(&self, j: usize) -> String {
        let s = &self.subnets[j];
        format!("{}/24", ipv4(ten(s.vpc, s.k, 0)))
    }

    fn vpcs_doc(&self) -> Vec<Value> {
        self.vpcs
            .iter()
            .enumerate()
            .map(|(v, x)| {
                json!({
                    "CidrBlock": Self::vpc_cidr(v),
                    "CidrBlockAssociationSet": [{
                        "AssociationId": aws_id("vpc-cidr-assoc", self.seed, 20, v),
                        "CidrBlock": Self::vpc_cidr(v),
                        "CidrBlockState": {"State": "associated"}
                    }],
                    "DhcpOptionsId": aws_id("dopt", self.seed, 21, 0),
                    "InstanceTenancy": "default",
                    "IsDefault": false,
                    "OwnerId": OWNER,
                    "State": "available",
                    "Tags": [{"Key": "Name", "Value": format!("vpc-{v}")}],
                    "VpcId": x.id,
                })
            })
            .collect()
    }

    fn subnets_doc(&self) -> Vec<Value> {
        self.subnets
            .iter()
            .enumerate()
            .map(|(j, s)| {
                json!({
                    "AssignIpv6AddressOnCreation": false,
                    "AvailabilityZone": az(s.k),
                    "AvailableIpAddressCount": 251 - s.enis.len(),
                    "CidrBlock": self.subnet_cidr(j),
                    "DefaultForAz": false,
                    "Ipv6CidrBlockAssociationSet": [],
                    "MapPublicIpOnLaunch": s.public,
                    "OwnerId": OWNER,
                    "State": "available",
                    "SubnetArn": format!("arn:aws:ec2:us-east-1:{OWNER}:subnet/{}", s.id),
                    "SubnetId": s.id,
                    "Tags": [{"Key": "Name", "Value": format!("{}-{}-{}", if s.public { "public" } else { "private" }, s.vpc, s.k)}],
                    "VpcId": self.vpcs[s.vpc].id,
                })
            })
            .collect()
    }

    fn route_tables_doc(&self) -> Vec<Value> {
        let local = |v: usize| {
            json!({
                "DestinationCidrBlock": Self::vpc_cidr(v),
                "GatewayId": "local",
                "Origin": "CreateRouteTable",
                "State": "active"
            })
        };
        let mut out: Vec<Value> = self
            .vpcs
            .iter()
            .enumerate()
            .map(|(v, x)| {
                json!({
                    "Associations": [{
                        "Main": true,
                        "RouteTableAssociationId": aws_id("rtbassoc", self.seed, 22, v),
                        "RouteTableId": x.main_rtb,
                        "AssociationState": {"State": "associated"}
                    }],
                    "OwnerId": OWNER,
                    "PropagatingVgws": [],
                    "RouteTableId": x.main_rtb,
                    "Routes": [local(v)],
                    "Tags": [],
                    "VpcId": x.id,
                })
            })
            .collect();
        for (j, s) in self.subnets.iter().enumerate() {
            let vpc = &self.vpcs[s.vpc];
            let mut routes = vec![local(s.vpc)];
            routes.push(if s.public {
                json!({
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "GatewayId": vpc.igw,
                    "Origin": "CreateRoute",
                    "State": "active"
                })
            } else {
                json!({
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "NatGatewayId": vpc.nat.id,
                    "Origin": "CreateRoute",
                    "State": "active"
                })
            });
            if s.blackhole {
                routes.push(json!({
                    "DestinationCidrBlock": "172.16.0.0/16",
                    "VpcPeeringConnectionId": aws_id("pcx", self.seed, 23, j),
                    "Origin": "CreateRoute",
                    "State": "blackhole"
                }));
            }
            out.push(json!({
                "Associations": [{
                    "Main": false,
                    "RouteTableAssociationId": s.rtb_assoc,
                    "RouteTableId": s.rtb,
                    "SubnetId": s.id,
                    "AssociationState": {"State": "associated"}
                }],
                "OwnerId": OWNER,
                "PropagatingVgws": [],
                "RouteTableId": s.rtb,
                "Routes": routes,
                "Tags": [{"Key": "Name", "Value": format!("rt-{}-{}", s.vpc, s.k)}],
                "VpcId": vpc.id,
            }));
        }
        out
    }

    fn nacls_doc(&self) -> Vec<Value> {
        let implicit = || {
            [true, false].map(|egress| {
                json!({
                    "CidrBlock": "0.0.0.0/0",
                    "Egress": egress,
                    "Protocol": "-1",
                    "RuleAction": "deny",
                    "RuleNumber": 32767
                })
            })
        };
        let mut out: Vec<Value> = self
            .vpcs
            .iter()
            .map(|x| {
                let mut entries: Vec<Value> = [true, false]
                    .map(|egress| {
                        json!({
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": egress,
                            "Protocol": "-1",
                            "RuleAction": "allow",
                            "RuleNumber": 100
                        })
                    })
                    .into();
                entries.extend(implicit());
                json!({
                    "Associations": [],
                    "Entries": entries,
                    "IsDefault": true,
                    "NetworkAclId": x.default_acl,
                    "OwnerId": OWNER,
                    "Tags": [],
                    "VpcId": x.id,
                })
            })
            .collect();
        for (i, a) in self.nacls.iter().enumerate() {
            let mut entries: Vec<Value> = a
                .entries
                .iter()
                .map(|e| {
                    let mut m = json!({
                        "CidrBlock": e.cidr,
                        "Egress": e.egress,
                        "Protocol": e.proto,
                        "RuleAction": if e.allow { "allow" } else { "deny" },
                        "RuleNumber": e.number,
                    });
                    if let Some((from, to)) = e.ports {
                        m["PortRange"] = json!({"From": from, "To": to});
                    }
                    if e.proto == "1" {
                        m["IcmpTypeCode"] = json!({"Code": -1, "Type": -1});
                    }
                    m
                })
                .collect();
            entries.extend(implicit());
            let assocs: Vec<Value> = a
                .subnets
                .iter()
                .map(|&j| {
                    json!({
                        "NetworkAclAssociationId": aws_id("aclassoc", self.seed, 24, j),
                        "NetworkAclId": a.id,
                        "SubnetId": self.subnets[j].id,
                    })
                })
                .collect();
            out.push(json!({
                "Associations": assocs,
                "Entries": entries,
                "IsDefault": false,
                "NetworkAclId": a.id,
                "OwnerId": OWNER,
                "Tags": [{"Key": "Name", "Value": format!("acl-{}-{i}", a.vpc)}],
                "VpcId": self.vpcs[a.vpc].id,
            }));
        }
        out
    }

    fn sgs_doc(&self) -> Vec<Value> {
        let perms = |rules: &[RuleP]| -> Vec<Value> {
            rules
                .iter()
                .map(|r| {
                    let mut ranges = Vec::new();
                    let mut pairs = Vec::new();
                    match &r.peer {
                        PeerP::Cidr(c) => {
                            let mut x = json!({"CidrIp": c});
                            if let Some(d) = r.description {
                                x["Description"] = json!(d);
                            }
                            ranges.push(x);
                        }
                        PeerP::Group(g) => {
                            let mut x = json!({"GroupId": self.sgs[*g].id, "UserId": OWNER});
                            if let Some(d) = r.description {
                                x["Description"] = json!(d);
                            }
                            pairs.push(x);
                        }
                    }
                    let mut m = json!({
                        "IpProtocol": r.proto,
                        "IpRanges": ranges,
                        "Ipv6Ranges": [],
                        "PrefixListIds": [],
                        "UserIdGroupPairs": pairs,
                    });
                    if let Some((from, to)) = r.ports {
                        m["FromPort"] = json!(from);
                        m["ToPort"] = json!(to);
                    }
                    m
                })
                .collect()
        };
        self.sgs
            .iter()
            .map(|g| {
                json!({
                    "Description": if g.name == "default" { "default VPC security group" } else { "Managed by Terraform" },
                    "GroupId": g.id,
                    "GroupName": g.name,
                    "IpPermissions": perms(&g.ingress),
                    "IpPermissionsEgress": perms(&g.egress),
                    "OwnerId": OWNER,
                    "Tags": [],
                    "VpcId": self.vpcs[g.vpc].id,
                })
            })
            .collect()
    }

    /// One interface as `describe-network-interfaces` (or, `in_instance`, as
    /// nested in `describe-instances`) prints it.
    fn eni_json(&self, e: &EniP, in_instance: bool) -> Value {
        let s = &self.subnets[e.subnet];
        let vpc = &self.vpcs[s.vpc];
        let assoc = e.public_ip.map(|p| {
            json!({
                "IpOwnerId": "amazon",
                "PublicDnsName": format!("ec2-{}.compute-1.amazonaws.com", ipv4(p).replace('.', "-")),
                "PublicIp": ipv4(p),
            })
        });
        let dns = |a: u32| format!("ip-{}.ec2.internal", ipv4(a).replace('.', "-"));
        let mut ips = vec![json!({
            "Primary": true,
            "PrivateDnsName": dns(e.ip),
            "PrivateIpAddress": ipv4(e.ip),
        })];
        if let Some(a) = &assoc {
            ips[0]["Association"] = a.clone();
        }
        if let Some(sec) = e.secondary {
            ips.push(json!({
                "Primary": false,
                "PrivateDnsName": dns(sec),
                "PrivateIpAddress": ipv4(sec),
            }));
        }
        let groups: Vec<Value> = e
            .groups
            .iter()
            .map(|&g| json!({"GroupId": self.sgs[g].id, "GroupName": self.sgs[g].name}))
            .collect();
        let mut m = json!({
            "Description": if e.instance.is_some() { "" } else { "ELB app/internal-lb/0123456789abcdef" },
            "Groups": groups,
            "InterfaceType": "interface",
            "Ipv6Addresses": [],
            "MacAddress": format!("0e:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", s.vpc, s.k, e.ip & 0xff, (e.subnet >> 8) & 0xff, e.subnet & 0xff),
            "NetworkInterfaceId": e.id,
            "OwnerId": OWNER,
            "PrivateDnsName": dns(e.ip),
            "PrivateIpAddress": ipv4(e.ip),
            "PrivateIpAddresses": ips,
            "SourceDestCheck": true,
            "Status": "in-use",
            "SubnetId": s.id,
            "VpcId": vpc.id,
        });
        if let Some(a) = assoc {
            m["Association"] = a;
        }
        let mut attach = json!({
            "AttachTime": "2024-01-01T00:00:00+00:00",
            "AttachmentId": e.attach,
            "DeleteOnTermination": true,
            "DeviceIndex": 0,
            "Status": "attached",
        });
        match &e.instance {
            Some((inst, _, _)) => {
                if !in_instance {
                    attach["InstanceId"] = json!(inst);
                    attach["InstanceOwnerId"] = json!(OWNER);
                    m["AvailabilityZone"] = json!(az(s.k));
                    m["RequesterManaged"] = json!(false);
                    m["TagSet"] = json!([]);
                }
                m["Attachment"] = attach;
            }
            None => {
                attach["InstanceOwnerId"] = json!("amazon-elb");
                m["Attachment"] = attach;
                m["AvailabilityZone"] = json!(az(s.k));
                m["RequesterId"] = json!("amazon-elb");
                m["RequesterManaged"] = json!(true);
                m["TagSet"] = json!([]);
            }
        }
        m
    }

    fn nat_eni_json(&self, v: usize) -> Value {
        let x = &self.vpcs[v];
        let n = &x.nat;
        let s = &self.subnets[n.subnet];
        let assoc = json!({
            "AllocationId": n.alloc,
            "AssociationId": n.assoc,
            "IpOwnerId": OWNER,
            "PublicDnsName": format!("ec2-{}.compute-1.amazonaws.com", ipv4(n.public_ip).replace('.', "-")),
            "PublicIp": ipv4(n.public_ip),
        });
        json!({
            "Association": assoc,
            "Attachment": {
                "AttachmentId": aws_id("ela-attach", self.seed, 25, v),
                "DeleteOnTermination": false,
                "DeviceIndex": 1,
                "InstanceOwnerId": "amazon-aws",
                "Status": "attached"
            },
            "AvailabilityZone": "us-east-1a",
            "Description": format!("Interface for NAT Gateway {}", n.id),
            "Groups": [],
            "InterfaceType": "nat_gateway",
            "Ipv6Addresses": [],
            "MacAddress": format!("0e:ff:00:00:{:02x}:{:02x}", v >> 8, v & 0xff),
            "NetworkInterfaceId": n.eni,
            "OwnerId": OWNER,
            "PrivateDnsName": format!("ip-{}.ec2.internal", ipv4(n.private_ip).replace('.', "-")),
            "PrivateIpAddress": ipv4(n.private_ip),
            "PrivateIpAddresses": [{
                "Association": assoc,
                "Primary": true,
                "PrivateIpAddress": ipv4(n.private_ip),
            }],
            "RequesterId": "036872051663",
            "RequesterManaged": true,
            "SourceDestCheck": false,
            "Status": "in-use",
            "SubnetId": s.id,
            "TagSet": [],
            "VpcId": x.id,
        })
    }

    fn enis_doc(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self.enis.iter().map(|e| self.eni_json(e, false)).collect();
        out.extend((0..self.vpcs.len()).map(|v| self.nat_eni_json(v)));
        out
    }

    fn reservations_doc(&self) -> Vec<Value> {
        self.enis
            .iter()
            .filter_map(|e| {
                let (inst, res, windows) = e.instance.as_ref()?;
                let s = &self.subnets[e.subnet];
                let groups: Vec<Value> = e
                    .groups
                    .iter()
                    .map(|&g| json!({"GroupId": self.sgs[g].id, "GroupName": self.sgs[g].name}))
                    .collect();
                let mut i = json!({
                    "AmiLaunchIndex": 0,
                    "Architecture": "x86_64",
                    "ImageId": "ami-0123456789abcdef0",
                    "InstanceId": inst,
                    "InstanceType": "t3.micro",
                    "LaunchTime": "2024-01-01T00:00:00+00:00",
                    "Monitoring": {"State": "disabled"},
                    "NetworkInterfaces": [self.eni_json(e, true)],
                    "Placement": {"AvailabilityZone": az(s.k), "GroupName": "", "Tenancy": "default"},
                    "PrivateIpAddress": ipv4(e.ip),
                    "SecurityGroups": groups,
                    "SourceDestCheck": true,
                    "State": {"Code": 16, "Name": "running"},
                    "SubnetId": s.id,
                    "VpcId": self.vpcs[s.vpc].id,
                });
                if *windows {
                    i["Platform"] = json!("windows");
                    i["PlatformDetails"] = json!("Windows");
                } else {
                    i["PlatformDetails"] = json!("Linux/UNIX");
                }
                if let Some(p) = e.public_ip {
                    i["PublicIpAddress"] = json!(ipv4(p));
                }
                Some(json!({
                    "Groups": [],
                    "Instances": [i],
                    "OwnerId": OWNER,
                    "ReservationId": res,
                }))
            })
            .collect()
    }

    fn igws_doc(&self) -> Vec<Value> {
        self.vpcs
            .iter()
            .map(|x| {
                json!({
                    "Attachments": [{"State": "available", "VpcId": x.id}],
                    "InternetGatewayId": x.igw,
                    "OwnerId": OWNER,
                    "Tags": [],
                })
            })
            .collect()
    }

    fn nats_doc(&self) -> Vec<Value> {
        self.vpcs
            .iter()
            .map(|x| {
                let n = &x.nat;
                json!({
                    "ConnectivityType": "public",
                    "CreateTime": "2024-01-01T00:00:00+00:00",
                    "NatGatewayAddresses": [{
                        "AllocationId": n.alloc,
                        "AssociationId": n.assoc,
                        "IsPrimary": true,
                        "NetworkInterfaceId": n.eni,
                        "PrivateIp": ipv4(n.private_ip),
                        "PublicIp": ipv4(n.public_ip),
                        "Status": "succeeded"
                    }],
                    "NatGatewayId": n.id,
                    "State": "available",
                    "SubnetId": self.subnets[n.subnet].id,
                    "Tags": [],
                    "VpcId": x.id,
                })
            })
            .collect()
    }

    fn addresses_doc(&self) -> Vec<Value> {
        self.vpcs
            .iter()
            .map(|x| {
                let n = &x.nat;
                json!({
                    "AllocationId": n.alloc,
                    "AssociationId": n.assoc,
                    "Domain": "vpc",
                    "NetworkBorderGroup": "us-east-1",
                    "NetworkInterfaceId": n.eni,
                    "NetworkInterfaceOwnerId": OWNER,
                    "PrivateIpAddress": ipv4(n.private_ip),
                    "PublicIp": ipv4(n.public_ip),
                    "PublicIpv4Pool": "amazon",
                })
            })
            .collect()
    }

    // -- queries -------------------------------------------------------------

    fn instance_enis(&self, j: usize) -> impl Iterator<Item = &EniP> + '_ {
        self.subnets[j]
            .enis
            .iter()
            .map(|&e| &self.enis[e])
            .filter(|e| e.instance.is_some())
    }

    fn queries(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let inst = |e: &EniP| {
            e.instance
                .as_ref()
                .map(|i| i.0.clone())
                .unwrap_or_else(|| e.id.clone())
        };
        let private = |j: &usize| !self.subnets[*j].public;
        // Start a little way in, so the picks are not always the first resources.
        let order: Vec<usize> = {
            let n = self.subnets.len();
            let off = n / 3;
            (0..n).map(|i| (i + off) % n).collect()
        };

        // Same subnet: instance -> IP, ssh.
        if let Some((a, b)) = order.iter().filter(|j| private(j)).find_map(|&j| {
            let mut it = self.instance_enis(j);
            Some((it.next()?, it.next()?))
        }) {
            out.push(("same_subnet", format!("{}->{}:22", inst(a), ipv4(b.ip))));
        }

        // Across subnets of one VPC (two different ACLs when the VPC has several): IP -> eni, ssh.
        if let Some((a, b)) = order.iter().filter(|j| private(j)).find_map(|&j| {
            let s = &self.subnets[j];
            let a = self.instance_enis(j).next()?;
            let b = self.vpcs[s.vpc]
                .subnets
                .iter()
                .filter(|&&k| k != j && self.subnets[k].nacl != s.nacl && private(&k))
                .find_map(|&k| self.instance_enis(k).next())?;
            Some((a, b))
        }) {
            out.push(("cross_subnet", format!("{}->{}:22", ipv4(a.ip), b.id)));
        }

        // Allowed by a rule naming the client's group, across subnets.
        if let Some((a, b, port)) = self.sg_reference_pair() {
            out.push(("sg_reference", format!("{}->{}:{port}", inst(a), inst(b))));
        }

        // Out through the internet gateway, from a public subnet.
        if let Some(a) = order
            .iter()
            .filter(|j| self.subnets[**j].public)
            .find_map(|&j| self.instance_enis(j).find(|e| e.public_ip.is_some()))
        {
            out.push((
                "to_internet_igw",
                format!("{}->{INTERNET_HOST}:443", inst(a)),
            ));
        }

        // Out through the NAT gateway, from a private subnet.
        if let Some(a) = order
            .iter()
            .filter(|j| private(j))
            .find_map(|&j| self.instance_enis(j).next())
        {
            out.push((
                "to_internet_nat",
                format!("{}->{INTERNET_HOST}:443", inst(a)),
            ));
        }

        // From the internet to a public IP: https.
        if let Some(a) = order
            .iter()
            .filter(|j| self.subnets[**j].public)
            .find_map(|&j| {
                self.subnets[j]
                    .enis
                    .iter()
                    .map(|&e| &self.enis[e])
                    .find(|e| e.public_ip.is_some())
            })
            && let Some(p) = a.public_ip
        {
            out.push(("from_internet", format!("internet->{}:443", ipv4(p))));
        }
        out
    }

    /// A client and server of one VPC, in different subnets when possible,
    /// where a server group allows a port from a group the client carries.
    fn sg_reference_pair(&self) -> Option<(&EniP, &EniP, u16)> {
        let mut best = None;
        let start = self.enis.len() / 2;
        for n in 0..self.enis.len() {
            let b = &self.enis[(start + n) % self.enis.len()];
            if b.instance.is_none() {
                continue;
            }
            let vpc = self.subnets[b.subnet].vpc;
            for &g in &b.groups {
                for r in &self.sgs[g].ingress {
                    let (PeerP::Group(peer), "tcp", Some((port, _))) = (&r.peer, r.proto, r.ports)
                    else {
                        continue;
                    };
                    let clients = self.vpcs[vpc]
                        .subnets
                        .iter()
                        .flat_map(|&j| self.instance_enis(j));
                    let Ok(port) = u16::try_from(port) else {
                        continue;
                    };
                    for a in clients.filter(|a| a.id != b.id && a.groups.contains(peer)) {
                        if a.subnet != b.subnet {
                            return Some((a, b, port));
                        }
                        best.get_or_insert((a, b, port));
                    }
                }
            }
        }
        best
    }
}

/// Rule budget per non-default group: `budget` split evenly, then jittered in
/// pairs (one gains what the other loses) so the total stays exact; each
/// keeps at least 3.
fn rule_counts(budget: usize, n: usize, rng: &mut Rng) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let base = budget / n;
    let rem = budget % n;
    let mut c: Vec<usize> = (0..n).map(|i| base + usize::from(i < rem)).collect();
    for pair in c.chunks_mut(2) {
        if let [a, b] = pair {
            let room = (*b).saturating_sub(3).min(base / 2);
            if room > 0 {
                let d = rng.below(room + 1);
                *a += d;
                *b -= d;
            }
        }
    }
    c
}

/// One non-default group's rules: `n` entries in all (at least 3).
fn sg_rules(
    v: usize,
    me: usize,
    n: usize,
    vpc_sgs: &[usize],
    rng: &mut Rng,
) -> (Vec<RuleP>, Vec<RuleP>) {
    let vpc = Plan::vpc_cidr(v);
    let tcp = |port: u16, peer: PeerP, description: Option<&'static str>| RuleP {
        proto: "tcp",
        ports: Some((i64::from(port), i64::from(port))),
        peer,
        description,
    };
    let egress = if n >= 6 && rng.chance(20) {
        vec![
            tcp(443, PeerP::Cidr("0.0.0.0/0".into()), Some("https out")),
            tcp(80, PeerP::Cidr("0.0.0.0/0".into()), Some("http out")),
            RuleP {
                proto: "-1",
                ports: None,
                peer: PeerP::Cidr(vpc.clone()),
                description: Some("within the vpc"),
            },
        ]
    } else {
        vec![RuleP {
            proto: "-1",
            ports: None,
            peer: PeerP::Cidr("0.0.0.0/0".into()),
            description: None,
        }]
    };
    let mut ingress = vec![
        tcp(22, PeerP::Cidr("10.0.0.0/8".into()), Some("ssh from corp")),
        tcp(443, PeerP::Cidr("0.0.0.0/0".into()), Some("https")),
    ];
    let others = &vpc_sgs[1..];
    while ingress.len() + egress.len() < n {
        let port = APP_PORTS[rng.below(APP_PORTS.len())];
        let rule = match rng.below(10) {
            0..=4 => {
                // Mostly another group of the VPC, sometimes itself.
                let g = if rng.chance(20) {
                    me
                } else {
                    others[rng.below(others.len())]
                };
                tcp(port, PeerP::Group(g), None)
            }
            5 => RuleP {
                proto: "icmp",
                ports: Some((-1, -1)),
                peer: PeerP::Cidr(vpc.clone()),
                description: Some("ping"),
            },
            6 => RuleP {
                proto: "udp",
                ports: Some((53, 53)),
                peer: PeerP::Cidr(vpc.clone()),
                description: None,
            },
            7 => RuleP {
                proto: "tcp",
                ports: Some((8000, 8999)),
                peer: PeerP::Cidr(format!("{}/24", ipv4(ten(v, rng.below(256) as u32, 0)))),
                description: Some("app range"),
            },
            8 => tcp(port, PeerP::Cidr("10.0.0.0/8".into()), None),
            _ => tcp(
                port,
                PeerP::Cidr(format!("198.51.{}.0/24", rng.below(256))),
                Some("partner"),
            ),
        };
        ingress.push(rule);
    }
    (ingress, egress)
}

/// A custom ACL's entries: denies first, then service ports and the ephemeral
/// return range, both directions; 10-11 per direction. Denies stay below
/// port 1024 (or on a 9xxx port from one internal /24) so that replies,
/// NAT-translated ones included (source ports 1024-65535), pass.
fn nacl_entries(v: usize, rng: &mut Rng) -> Vec<NaclEntryP> {
    let vpc = Plan::vpc_cidr(v);
    let any = "0.0.0.0/0";
    let e = |number: u16,
             egress: bool,
             proto: &'static str,
             allow: bool,
             cidr: &str,
             ports: Option<(u16, u16)>| NaclEntryP {
        number,
        egress,
        proto,
        allow,
        cidr: cidr.to_string(),
        ports,
    };
    let mut out = Vec::new();
    for egress in [false, true] {
        // Denies: ports outside every query and every ephemeral range.
        out.push(e(50, egress, "6", false, any, Some((23, 23))));
        if egress {
            out.push(e(60, egress, "6", false, any, Some((25, 25))));
        } else {
            out.push(e(60, egress, "6", false, any, Some((445, 445))));
        }
        if rng.chance(50) {
            let port = 9000 + rng.below(1000) as u16;
            let cidr = format!("{}/24", ipv4(ten(v, rng.below(256) as u32, 0)));
            out.push(e(80, egress, "6", false, &cidr, Some((port, port))));
        }
        // Allows.
        out.push(e(100, egress, "6", true, "10.0.0.0/8", Some((22, 22))));
        out.push(e(110, egress, "6", true, any, Some((443, 443))));
        out.push(e(120, egress, "6", true, any, Some((80, 80))));
        out.push(e(130, egress, "6", true, &vpc, Some((5432, 5432))));
        out.push(e(140, egress, "6", true, any, Some((1024, 65535))));
        out.push(e(150, egress, "17", true, &vpc, Some((53, 53))));
        out.push(e(160, egress, "17", true, any, Some((1024, 65535))));
        out.push(e(170, egress, "1", true, &vpc, None));
    }
    out
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
                "from_internet"
            ]
        );
        for (name, q) in qs {
            let spec = QuerySpec::parse(&q).unwrap_or_else(|e| panic!("{name}: {q}: {e}"));
            let query =
                Query::resolve(&net, spec, None).unwrap_or_else(|e| panic!("{name}: {q}: {e}"));
            let a = engine::check(&net, query);
            assert_eq!(a.verdict, Verdict::Reachable, "{name}: {q}");
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
        };
        let net = load(&tiny);
        assert_eq!(net.vpcs.len(), 1);
        let _ = queries(&tiny);
    }
}
