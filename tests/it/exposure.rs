//! `reach exposure` (issue 16): what the internet and every access group
//! reach of every interface, from shared walks — checked against one
//! `check` per (target, address, protocol) on every bundled input, and on a
//! sample of 200 (source, target, port) triples of a generated 10,000
//! interface snapshot; risk order; the CLI's formats and exit codes.

use std::net::IpAddr;

use reach::engine::{self, Query, QuerySpec, Reach};
use reach::exposure::{self, Exposure, From, Risk};
use reach::hs::{Field, Interval, IntervalSet, PacketSet};
use reach::model::{Network, Protocol};
use reach::who::{self, Source};

use crate::cli::reach;
use crate::support::{load_model, load_snapshot, root};

fn point(v: u128) -> IntervalSet {
    IntervalSet::from_interval(Interval::point(v))
}

/// `check` from the internet to `ip` on every port of `protocol`.
fn internet_check(net: &Network, ip: IpAddr, protocol: Protocol, ports: (u16, u16)) -> Reach {
    let dst = if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        ip.to_string()
    };
    let text = format!(
        "internet->{dst}:{}-{}/{}",
        ports.0,
        ports.1,
        protocol.name()
    );
    let q = Query::resolve(net, QuerySpec::parse(&text).unwrap(), None).unwrap();
    engine::check(net, q).reach()
}

fn same(a: &PacketSet, b: &PacketSet) -> bool {
    a.same_as(b)
}

/// Every interface's public addresses against its own checks: exposure's
/// internet share is exactly what `check` says, address by address, and an
/// interface exposure does not list is reached by nothing. `Err` says where
/// they differ. (Also run on every differential case.)
pub fn internet_share_matches_checks(net: &Network, x: &Exposure) -> Result<usize, String> {
    let mut compared = 0;
    for i in net.interfaces.values().filter(|i| i.originates()) {
        let addrs: Vec<IpAddr> = i
            .private_ips
            .iter()
            .filter_map(|p| p.public)
            .chain(i.ipv6.first().copied())
            .collect();
        let listed = x.exposed.iter().find(|e| e.eni == i.id);
        for ip in addrs {
            let icmp = if ip.is_ipv6() {
                Protocol::ICMPV6
            } else {
                Protocol::ICMP
            };
            for (p, max) in [
                (Protocol::TCP, u16::MAX),
                (Protocol::UDP, u16::MAX),
                (icmp, 255),
            ] {
                let want = internet_check(net, ip, p, (0, max));
                let got = listed.and_then(|e| {
                    e.found
                        .iter()
                        .find(|f| f.source == Source::Internet && f.dst == ip && f.protocol == p)
                });
                let what = format!("exposure of {} at {ip} on {}", i.id, p.name());
                match got {
                    None if !(want.some.is_empty() && want.undecided.is_empty()) => {
                        return Err(format!("{what}: check reaches, exposure does not"));
                    }
                    None => {}
                    Some(f) => {
                        let got = f.exact();
                        for (name, a, b) in [
                            ("all", &got.all, &want.all),
                            ("some", &got.some, &want.some),
                            ("undecided", &got.undecided, &want.undecided),
                        ] {
                            if !same(a, b) {
                                return Err(format!("{what}: `{name}` differs from check's"));
                            }
                        }
                    }
                }
                compared += 1;
            }
        }
    }
    Ok(compared)
}

fn inputs() -> Vec<(String, Network)> {
    let mut out = Vec::new();
    for m in [
        "two-tier.yaml",
        "hub-and-spoke.yaml",
        "seed-000-va-tcp-ssh.yaml",
        "seed-001-saml-nat.yaml",
        "seed-002-saml-group-split.yaml",
        "seed-003-ad-onprem.yaml",
        "seed-004-cert-split.yaml",
    ] {
        out.push((m.to_string(), load_model(m)));
    }
    for s in [
        "tests/data/real-account",
        "tests/data/tgw/snapshot",
        "tests/data/lint/json",
    ] {
        out.push((s.to_string(), load_snapshot(&root().join(s))));
    }
    out
}

#[test]
fn exposure_agrees_with_check_and_who_on_every_bundled_input() {
    let mut compared = 0;
    for (name, net) in inputs() {
        let x = exposure::exposure(&net, From::All).unwrap_or_else(|e| panic!("{name}: {e}"));
        compared +=
            internet_share_matches_checks(&net, &x).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Access users: as `who --from client` says, target by target.
        for e in &x.exposed {
            let ask = who::Ask {
                dst: engine::DstSpec::Eni(e.eni.clone()),
                services: Vec::new(),
                from: who::From::Client,
            };
            let a = who::who(&net, &ask).unwrap();
            let mine: Vec<String> = e
                .found
                .iter()
                .filter(|f| f.source != Source::Internet)
                .map(|f| format!("{} {} {}", f.source.key(), f.dst, f.protocol.name()))
                .collect();
            let theirs: Vec<String> = a
                .found
                .iter()
                .map(|f| format!("{} {} {}", f.source.key(), f.dst, f.protocol.name()))
                .collect();
            assert_eq!(mine, theirs, "{name} {}", e.eni);
        }
        // Worst first.
        assert!(
            x.exposed.windows(2).all(|w| w[0].risk >= w[1].risk),
            "{name}"
        );
    }
    eprintln!("exposure: {compared} (address, protocol) pairs compared with check");
    assert!(compared >= 27, "{compared}");
}

#[test]
fn risk_orders_internet_admin_ports_first() {
    let x = exposure::exposure(&load_model("two-tier.yaml"), From::All).unwrap();
    assert_eq!(x.exposed.len(), 1);
    let e = &x.exposed[0];
    assert_eq!((e.eni.as_str(), e.risk), ("eni-bastion", Risk::Critical));
    assert_eq!(e.sensitive, ["ssh 22"]);
    // A Client VPN user reaching ssh only: medium.
    let x = exposure::exposure(&load_model("seed-004-cert-split.yaml"), From::All).unwrap();
    assert_eq!(x.exposed[0].risk, Risk::Medium);
    assert!(
        x.exposed[0]
            .found
            .iter()
            .all(|f| matches!(f.source, Source::Access { .. }))
    );
    // --from internet leaves the access users out.
    let x = exposure::exposure(&load_model("seed-004-cert-split.yaml"), From::Internet).unwrap();
    assert!(x.exposed.is_empty());
}

#[test]
fn cli_formats_and_exit_codes() {
    let r = reach(&["exposure", "--model", "models/two-tier.yaml"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with(
            "exposure from internet and client: 1 of 3 interfaces reached (1 critical, 0 high, 0 medium, 0 low)\ncritical eni-bastion (i-bastion bastion) in subnet-public, vpc-app: ssh 22\n  internet -> 203.0.113.10 tcp 22 via internet-gateway\n    from 198.51.100.0/24\n"
        ),
        "{}",
        r.stdout
    );
    let r = reach(&["exposure", "--model", "models/seed-004-cert-split.yaml"]);
    assert_eq!(r.code, 0, "medium is below the default --fail-on high");
    let r = reach(&[
        "exposure",
        "--model",
        "models/seed-004-cert-split.yaml",
        "--fail-on",
        "medium",
    ]);
    assert_eq!(r.code, 1);
    let r = reach(&[
        "exposure",
        "--model",
        "models/two-tier.yaml",
        "--fail-on",
        "worst",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--fail-on `worst`"), "{}", r.stderr);
    let r = reach(&[
        "exposure",
        "--model",
        "models/two-tier.yaml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["critical"], 1);
    let t = &v["targets"][0];
    assert_eq!(t["eni"], "eni-bastion");
    assert_eq!(t["sources"][0]["ports"], "22");
    let hops: Vec<&str> = t["sources"][0]["forward"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["component"].as_str().unwrap())
        .collect();
    assert_eq!(hops.first(), Some(&"igw-app"), "{hops:?}");
    assert_eq!(hops.last(), Some(&"eni-bastion"), "{hops:?}");
    assert!(!t["sources"][0]["back"].as_array().unwrap().is_empty());
    // SARIF: the internet's reach is a result at the rule that lets it in.
    let r = reach(&[
        "exposure",
        "--model",
        "models/two-tier.yaml",
        "--format",
        "sarif",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["ruleId"], "reach/exposure/internet");
    // HTML: one page, the report embedded, nothing fetched.
    let r = reach(&[
        "exposure",
        "--model",
        "models/two-tier.yaml",
        "--format",
        "html",
    ]);
    assert!(r.stdout.starts_with("<!DOCTYPE html>"));
    assert!(r.stdout.contains("\"eni\":\"eni-bastion\""));
    for fetch in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!r.stdout.contains(fetch), "{fetch}");
    }
}

/// Issue 16 acceptance: `exposure` agrees with `check` on 200 random
/// (source, target, port) triples of a generated 10,000-interface snapshot.
#[cfg(feature = "generate")]
#[test]
fn exposure_agrees_with_check_on_200_triples_at_10k() {
    use reach::generate::{self, Params};
    let p = Params::large();
    let mut l = reach::ingest::Loader::new();
    for (name, text) in generate::snapshot(&p) {
        l.add_json(&name, &text).unwrap();
    }
    let net = l.finish().unwrap();
    assert!(net.interfaces.len() >= 10_000);
    let x = exposure::exposure(&net, From::All).unwrap();
    assert!(!x.exposed.is_empty());
    let mut targets: Vec<&reach::model::Interface> =
        net.interfaces.values().filter(|i| i.originates()).collect();
    targets.sort_by(|a, b| a.id.cmp(&b.id));
    // A fixed pseudo-random walk over targets and ports (splitmix64).
    let mut s: u64 = 0x2026_1201;
    let mut next = || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let ports = [22u16, 80, 443, 3306, 5432, 6379, 8080, 9200, 27017];
    let (mut reached, mut asked) = (0, 0);
    while asked < 200 {
        // Half the triples on interfaces with a public address (the others
        // cannot be reached from the internet at all).
        let public: Vec<&&reach::model::Interface> = targets
            .iter()
            .filter(|i| i.private_ips.iter().any(|p| p.public.is_some()))
            .collect();
        let i = if asked % 2 == 0 {
            *public[next() as usize % public.len()]
        } else {
            targets[next() as usize % targets.len()]
        };
        let port = if next() % 4 == 0 {
            (next() % 65536) as u16
        } else {
            ports[next() as usize % ports.len()]
        };
        let ip = i
            .private_ips
            .iter()
            .find_map(|p| p.public)
            .unwrap_or(i.private_ips[0].address);
        let want = internet_check(&net, ip, Protocol::TCP, (port, port));
        let got = x
            .exposed
            .iter()
            .find(|e| e.eni == i.id)
            .and_then(|e| {
                e.found.iter().find(|f| {
                    f.source == Source::Internet && f.dst == ip && f.protocol == Protocol::TCP
                })
            })
            .map(|f| {
                f.exact()
                    .some
                    .restrict(Field::DstPort, &point(u128::from(port)))
            })
            .unwrap_or_else(PacketSet::empty);
        assert!(
            got.same_as(&want.some),
            "internet -> {} ({ip}) tcp {port}: exposure and check differ",
            i.id
        );
        reached += usize::from(!want.some.is_empty());
        asked += 1;
    }
    // The sample is not trivially all-unreachable.
    assert!(reached >= 10, "{reached} of 200 reached");
}

/// A rule open only to another interface's public address is not internet
/// exposure: the shared walk starts from every public address (the input's
/// own too), and only the internet's packets count — for the ports, the
/// sources and the risk.
#[test]
fn the_inputs_own_public_addresses_are_not_internet_sources() {
    let yaml = "
vpcs:
  - {id: vpc-1, cidr: 10.0.0.0/16}
subnets:
  - {id: subnet-1, vpc: vpc-1, cidr: 10.0.1.0/24, az: us-east-1a, route_table: rtb-1}
route_tables:
  - id: rtb-1
    vpc: vpc-1
    main: true
    routes:
      - {dest: 0.0.0.0/0, target: igw-1}
internet_gateways:
  - {id: igw-1, vpc: vpc-1}
security_groups:
  - id: sg-db
    vpc: vpc-1
    ingress:
      - {proto: tcp, ports: 3306, from: 203.0.113.10/32}
      - {proto: tcp, ports: 443, from: 0.0.0.0/0}
  - id: sg-app
    vpc: vpc-1
    ingress: []
interfaces:
  - {id: eni-app, subnet: subnet-1, ip: 10.0.1.10, public_ip: 203.0.113.10, groups: [sg-app], instance: i-app}
  - {id: eni-db, subnet: subnet-1, ip: 10.0.1.20, public_ip: 203.0.113.20, groups: [sg-db], instance: i-db}
";
    let mut l = reach::ingest::Loader::new();
    l.add_yaml("own.yaml", yaml).unwrap();
    let net = l.finish().unwrap();
    let x = exposure::exposure(&net, From::All).unwrap();
    assert_eq!(x.exposed.len(), 1, "{:#?}", x.exposed);
    let e = &x.exposed[0];
    assert_eq!(e.eni, "eni-db");
    assert_eq!(
        e.risk,
        Risk::High,
        "mysql is open to the app's address only"
    );
    assert!(e.sensitive.is_empty(), "{:?}", e.sensitive);
    let tcp = e
        .found
        .iter()
        .find(|f| f.protocol == Protocol::TCP)
        .unwrap();
    assert_eq!(tcp.ports().summary(Field::DstPort), "443");
    assert!(
        !tcp.sources()
            .contains(reach::hs::addr("203.0.113.10".parse().unwrap()))
    );
    assert_eq!(internet_share_matches_checks(&net, &x), Ok(6));
}

/// An organisation-shaped snapshot (dual-stack VPCs, long network ACLs):
/// the IPv6 walk enters a VPC toward all its addresses at once, and
/// delivery splits that flow by subnet (each subnet's ACLs crossed once)
/// and then among the subnet's holders in one pass. Every share must still
/// be what `check` says address by address.
#[cfg(feature = "generate")]
#[test]
fn exposure_agrees_with_check_on_a_dual_stack_organisation() {
    use reach::generate::{self, Params};
    let p = Params::org(200);
    let mut l = reach::ingest::Loader::new();
    for (name, text) in generate::snapshot(&p) {
        l.add_json(&name, &text).unwrap();
    }
    let mut net = l.finish().unwrap();
    // Every other network ACL of a dual-stack VPC denies https from
    // `::/0` first (the generated ones allow it): crossing the wrong
    // subnet's ACL, or none, would show.
    let dual: Vec<String> = net
        .vpcs
        .values()
        .filter(|v| v.cidrs.iter().any(|c| c.addr().is_ipv6()))
        .map(|v| v.id.clone())
        .collect();
    let mut denied = 0;
    for (n, acl) in net.network_acls.values_mut().enumerate() {
        if n % 2 == 0 && dual.contains(&acl.vpc) {
            acl.inbound.insert(
                0,
                reach::model::NaclEntry {
                    number: 1,
                    action: reach::model::Action::Deny,
                    protocol: reach::model::Protocol::TCP,
                    cidr: "::/0".parse().unwrap(),
                    ports: reach::model::PortMatch::Ports { from: 443, to: 443 },
                    source: None,
                },
            );
            denied += 1;
        }
    }
    assert!(denied > 0);
    let v6_per_vpc = net
        .vpcs
        .keys()
        .map(|v| {
            net.interfaces
                .values()
                .filter(|i| &i.vpc == v && !i.ipv6.is_empty())
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(v6_per_vpc > 8, "{v6_per_vpc}: too few to deliver by subnet");
    let x = exposure::exposure(&net, From::Internet).unwrap();
    let v6 = x
        .exposed
        .iter()
        .flat_map(|e| &e.found)
        .filter(|f| f.dst.is_ipv6())
        .count();
    assert!(v6 > 0, "some IPv6 address is exposed");
    let compared = internet_share_matches_checks(&net, &x).unwrap_or_else(|e| panic!("{e}"));
    assert!(compared > 100, "{compared}");
}
