//! The cost of answering a `client` query for every combination of the named
//! groups (issue 17): one Verified Access endpoint whose Cedar policy names 5
//! or 10 groups (2^5 / 2^10 Cedar evaluations, classes from their truth
//! table), and the symbolic path beyond: 40 groups named in all, 30 by a
//! Client VPN endpoint's authorization rules and 10 by a Verified Access
//! policy, combined as binary decision diagrams (the 2^40 combinations are
//! never enumerated).
//!
//! `cargo bench --bench users`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use reach::engine::{self, Query, QueryOptions, QuerySpec};
use reach::ingest::Loader;
use reach::model::Network;

/// `endpoints` Verified Access endpoints to one server, each in its own
/// group whose policy names `per` groups: users need the first two together,
/// or any of the rest, and no contractor.
fn network(endpoints: usize, per: usize, cvpn_groups: usize) -> Network {
    let mut y = String::from(
        "vpcs: [{id: vpc-1, cidr: 10.0.0.0/16}]
subnets: [{id: subnet-1, vpc: vpc-1, cidr: 10.0.2.0/24}]
security_groups:
  - {id: sg-va, vpc: vpc-1, ingress: []}
  - {id: sg-srv, vpc: vpc-1, ingress: [{proto: tcp, ports: 22, from: sg-va}]}
interfaces: [{id: eni-srv, subnet: subnet-1, ip: 10.0.2.35, groups: [sg-srv]}]
verified_access_trust_providers: [{id: vatp-1, type: user, provider: iam-identity-center, reference: idc}]
verified_access_instances: [{id: vai-1, trust_providers: [vatp-1]}]
verified_access_groups:
",
    );
    for e in 0..endpoints {
        let g = |i: usize| format!("g{e}-{i}");
        let mut policy = format!(
            "permit(principal, action, resource) when {{ context.idc.groups has \\\"{}\\\" && context.idc.groups has \\\"{}\\\" }};",
            g(0),
            g(1)
        );
        for i in 2..per.saturating_sub(1) {
            policy.push_str(&format!(
                " permit(principal, action, resource) when {{ context.idc.groups has \\\"{}\\\" }};",
                g(i)
            ));
        }
        policy.push_str(&format!(
            " forbid(principal, action, resource) when {{ context.idc.groups has \\\"{}\\\" }};",
            g(per - 1)
        ));
        y.push_str(&format!(
            "  - {{id: vagr-{e}, instance: vai-1, policy: \"{policy}\"}}\n"
        ));
    }
    y.push_str("verified_access_endpoints:\n");
    for e in 0..endpoints {
        y.push_str(&format!(
            "  - {{id: vae-{e}, group: vagr-{e}, type: network-interface, interface: eni-srv, ports: 22, security_groups: [sg-va]}}\n"
        ));
    }
    if cvpn_groups > 0 {
        y.push_str(
            "client_vpn_endpoints:
  - id: cvpn-endpoint-1
    vpc: vpc-1
    client_cidr: 172.16.0.0/22
    auth: federated
    security_groups: [sg-va]
    associations: [{subnet: subnet-1, id: cvpn-assoc-1, ip: 10.0.2.50}]
    authorization:
",
        );
        for i in 0..cvpn_groups {
            y.push_str(&format!("      - {{dest: 10.0.2.0/24, group: cvpn-{i}}}\n"));
        }
    }
    let mut l = Loader::new();
    l.add_yaml("bench.yaml", &y).expect("model parses");
    l.finish().expect("model lowers")
}

fn resolve_and_check(net: &Network) -> engine::Verdict {
    let q = Query::resolve_with(
        net,
        QuerySpec::parse("client->10.0.2.35:22").unwrap(),
        &QueryOptions::default(),
    )
    .expect("resolves");
    engine::check(net, q).verdict
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("users");
    for (name, endpoints, per, cvpn) in [
        ("5 groups, 1 endpoint", 1, 5, 0),
        ("10 groups, 1 endpoint", 1, 10, 0),
        ("40 groups, 2 endpoints (symbolic)", 1, 10, 30),
    ] {
        let net = network(endpoints, per, cvpn);
        let q = Query::resolve_with(
            &net,
            QuerySpec::parse("client->10.0.2.35:22").unwrap(),
            &QueryOptions::default(),
        )
        .unwrap();
        eprintln!(
            "{name}: {} user classes, verdict {}",
            q.users.len(),
            resolve_and_check(&net).name()
        );
        g.bench_function(format!("resolve {name}"), |b| {
            b.iter(|| {
                black_box(
                    Query::resolve_with(
                        &net,
                        QuerySpec::parse("client->10.0.2.35:22").unwrap(),
                        &QueryOptions::default(),
                    )
                    .unwrap(),
                )
            })
        });
        g.bench_function(format!("check {name}"), |b| {
            b.iter(|| black_box(resolve_and_check(&net)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
