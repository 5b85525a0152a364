//! Every row of the tables in `../shared/fixtures/README.md`.

use super::support::{all_hops, check, fixture, load_snapshot};

pub struct Row {
    pub query: &'static str,
    pub verdict: &'static str,
    /// Each must appear in some hop (`component rule`), forward or return.
    in_hops: &'static [&'static str],
    /// Each must be the component of some `blocked_by` entry.
    blocked_by: &'static [&'static str],
}

const fn row(
    query: &'static str,
    verdict: &'static str,
    in_hops: &'static [&'static str],
    blocked_by: &'static [&'static str],
) -> Row {
    Row {
        query,
        verdict,
        in_hops,
        blocked_by,
    }
}

/// Every fixture folder and its rows (the prover checks them all too).
#[cfg_attr(not(feature = "z3"), allow(dead_code))]
pub const ALL: &[(&str, &[Row])] = &[
    ("public-subnet", PUBLIC_SUBNET),
    ("nat-gateway", NAT_GATEWAY),
    ("vpc-peering", VPC_PEERING),
];

fn run(folder: &str, rows: &[Row]) {
    let Some(dir) = fixture(folder) else { return };
    let net = load_snapshot(&dir);
    for r in rows {
        let rep = check(&net, r.query);
        assert_eq!(
            rep.verdict,
            r.verdict,
            "{folder}: {}\n{}",
            r.query,
            rep.to_text(false)
        );
        let hops = all_hops(&rep);
        for want in r.in_hops {
            assert!(
                hops.iter().any(|h| h.contains(want)),
                "{folder}: {}: no hop mentions `{want}`\n{}",
                r.query,
                rep.to_text(false)
            );
        }
        for want in r.blocked_by {
            assert!(
                rep.blocked_by.iter().any(|b| b.component == *want),
                "{folder}: {}: `{want}` not in blocked_by\n{}",
                r.query,
                rep.to_text(false)
            );
        }
        if r.verdict != "reachable" {
            assert!(
                !rep.blocked_by.is_empty() || !rep.unknown.is_empty(),
                "{folder}: {}: a verdict other than reachable must say where packets stop",
                r.query
            );
        }
    }
}

const PUBLIC_SUBNET: &[Row] = &[
    row(
        "internet->18.216.80.133:22",
        "reachable",
        &[
            "sg-09ccba6656672061b",
            "destination 18.216.80.133 -> 10.0.0.91",
        ],
        &[],
    ),
    row(
        "internet->18.216.80.133:80",
        "unreachable",
        &[],
        &["sg-09ccba6656672061b"],
    ),
    row("internet->10.0.0.91:22", "unreachable", &[], &["internet"]),
    row(
        "i-06669a407b2ef3ae5->8.8.8.8:443",
        "reachable",
        &["source 10.0.0.91 -> 18.216.80.133"],
        &[],
    ),
];

#[test]
fn public_subnet() {
    run("public-subnet", PUBLIC_SUBNET);
}

const NAT_GATEWAY: &[Row] = &[
    row(
        "i-0a128d26e59be60f3->8.8.8.8:80",
        "reachable",
        &[
            "nat-07ab4846da51f4612",
            "source 10.1.250.210 -> 3.135.127.225",
        ],
        &[],
    ),
    row(
        "internet->3.135.127.225:80",
        "unreachable",
        &[],
        &["nat-07ab4846da51f4612"],
    ),
    row("i-0a73a1a6021c03ddb->8.8.8.8:80", "unreachable", &[], &[]),
    row(
        "internet->18.216.129.140:22",
        "reachable",
        &["delivered to i-0b31b509174d7f5de"],
        &[],
    ),
    row(
        "i-0a128d26e59be60f3->10.1.250.116:22",
        "reachable",
        &[],
        &[],
    ),
];

#[test]
fn nat_gateway() {
    run("nat-gateway", NAT_GATEWAY);
}

#[test]
fn nat_gateway_no_route_names_the_route_table() {
    let Some(dir) = fixture("nat-gateway") else {
        return;
    };
    let net = load_snapshot(&dir);
    let rep = check(&net, "i-0a73a1a6021c03ddb->8.8.8.8:80");
    let b = &rep.blocked_by[0];
    assert_eq!(b.kind, "route-table");
    assert_eq!(b.rule, "no matching route");
    assert!(b.component.starts_with("rtb-"), "{b:?}");
}

const VPC_PEERING: &[Row] = &[
    row(
        "i-06ba034d88c84ef07->192.168.1.106:22",
        "reachable",
        &["pcx-0b89b559e3319d6cf"],
        &[],
    ),
    row(
        "i-06ba034d88c84ef07->192.168.1.106:80",
        "unreachable",
        &[],
        &["sg-065c26b39e45ae384"],
    ),
    row(
        "i-06ba034d88c84ef07->192.168.2.229:22",
        "reachable",
        &["pcx-0d5b836985ac8ca8c"],
        &[],
    ),
    row(
        "i-06ba034d88c84ef07->192.168.100.1:22",
        "unreachable",
        &[],
        &["rtb-0891861fffaea6d52"],
    ),
    row(
        "i-0b14080af811fda3d->10.10.10.157:22",
        "reachable",
        &["pcx-0b89b559e3319d6cf"],
        &[],
    ),
    row(
        "i-0b14080af811fda3d->8.8.8.8:443",
        "unreachable",
        &[],
        &["rtb-017c36290c9baf017"],
    ),
];

#[test]
fn vpc_peering() {
    run("vpc-peering", VPC_PEERING);
}

#[test]
fn vpc_peering_overlap_is_decided_by_routing() {
    // B and C are both 192.168.0.0/16: the peering taken depends on the route, and
    // the reply must come back over the same peering.
    let Some(dir) = fixture("vpc-peering") else {
        return;
    };
    let net = load_snapshot(&dir);
    let rep = check(&net, "i-06ba034d88c84ef07->192.168.2.229:22");
    let hops = all_hops(&rep);
    assert!(
        !hops.iter().any(|h| h.contains("pcx-0b89b559e3319d6cf")),
        "{hops:#?}"
    );
    assert!(
        hops.iter()
            .any(|h| h.contains("delivered to i-04a292ff83b3aa833")),
        "{hops:#?}"
    );
}

#[test]
fn skipped_kinds_are_reported() {
    let Some(dir) = fixture("public-subnet") else {
        return;
    };
    let net = load_snapshot(&dir);
    let rep = check(&net, "internet->18.216.80.133:22");
    let kinds: Vec<&str> = rep.skipped.iter().map(|s| s.kind.as_str()).collect();
    for k in ["VpcEndpoints", "CustomerGateways", "AvailabilityZones"] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    assert!(rep.warnings.iter().any(|w| w.contains("CustomerGateways")));
    // Read since issue 14, not skipped.
    assert!(!kinds.contains(&"VpnGateways"), "{kinds:?}");
}
