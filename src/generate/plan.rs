//! The plan of a generated network: every resource and its parameters,
//! drawn from the seed (no JSON yet).

use super::*;

impl Plan {
    /// Every resource, drawn in a fixed order from the seed (the same
    /// parameters give the same plan).
    pub(super) fn new(p: &Params) -> Plan {
        let p = p.clamped();
        let seed = p.seed;
        let mut rng = Rng::new(seed);
        let id = |prefix: &str, kind: u64, i: usize| aws_id(prefix, seed, kind, i);
        let (mut subnets, mut vpcs) = layout(&p, &mut rng, &id);
        let mut nacls = acls(&p, &mut subnets, &mut rng, &id);
        let sgs = groups(&p, &mut vpcs, &mut rng, &id);
        let enis = interfaces(&p, &mut subnets, &vpcs, &mut rng, &id);
        let tgw = (vpcs.len() >= 2).then(|| TgwP {
            id: id("tgw", 40, 0),
            table: id("tgw-rtb", 41, 0),
            attachments: vpcs
                .iter()
                .enumerate()
                .map(|(v, x)| {
                    // The VPC's first subnet in each zone (k = zone index).
                    let subnets = x
                        .subnets
                        .iter()
                        .copied()
                        .filter(|&j| subnets[j].k < 3)
                        .collect();
                    (id("tgw-attach", 42, v), subnets)
                })
                .collect(),
        });
        // The organisation's extras draw from their own generator: the rest
        // is what the same sizes give without them.
        let org = p.org.then(|| {
            let mut rng = Rng::new(mix64(seed ^ 0x6f72_6700));
            for a in &mut nacls {
                let extra = org::nacl_extras(a.vpc, org::dual_vpc(a.vpc), &mut rng);
                a.entries.extend(extra);
            }
            OrgP::new(seed, &subnets, &vpcs, &enis, &id)
        });
        Plan {
            seed,
            org,
            tgw,
            vpcs,
            subnets,
            nacls,
            sgs,
            enis,
        }
    }
}

/// Makes an AWS ID: (prefix, kind, index).
type IdOf<'a> = dyn Fn(&str, u64, usize) -> String + 'a;

/// VPCs and subnets.
fn layout(p: &Params, rng: &mut Rng, id: &IdOf<'_>) -> (Vec<SubnetP>, Vec<VpcP>) {
    // Subnets: round-robin over VPCs; k = index within the VPC.
    let mut per_vpc = vec![0usize; p.vpcs];
    for j in 0..p.subnets {
        per_vpc[j % p.vpcs] += 1;
    }
    let subnets: Vec<SubnetP> = (0..p.subnets)
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
    (subnets, vpcs)
}

/// Custom network ACLs, and which one each subnet takes.
fn acls(p: &Params, subnets: &mut [SubnetP], rng: &mut Rng, id: &IdOf<'_>) -> Vec<NaclP> {
    // Custom network ACLs: round-robin over VPCs; a subnet takes one of its VPC's.
    let mut nacls: Vec<NaclP> = (0..p.nacls)
        .map(|i| {
            let v = i % p.vpcs;
            NaclP {
                id: id("acl", 12, i),
                vpc: v,
                entries: nacl_entries(v, rng),
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
    nacls
}

/// Security groups and their rules.
fn groups(p: &Params, vpcs: &mut [VpcP], rng: &mut Rng, id: &IdOf<'_>) -> Vec<SgP> {
    // Security groups: round-robin over VPCs; the first of each VPC is its default.
    let n_default = p.vpcs;
    let n_other = p.sgs - n_default;
    let budget = p.sg_rules.saturating_sub(2 * n_default);
    let counts = rule_counts(budget, n_other, rng);
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
        let (ingress, egress) = sg_rules(v, i, n, &vpcs[v].sgs, rng);
        g.name = format!("app-{v}-{i}");
        g.ingress = ingress;
        g.egress = egress;
    }
    sgs
}

/// Network interfaces (and their instances), round-robin over subnets.
fn interfaces(
    p: &Params,
    subnets: &mut [SubnetP],
    vpcs: &[VpcP],
    rng: &mut Rng,
    id: &IdOf<'_>,
) -> Vec<EniP> {
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
    enis
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
    let e = NaclEntryP::new;
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
