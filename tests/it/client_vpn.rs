//! Client VPN: the seven authorization scenarios of the AWS Client VPN guide
//! (`../shared/domain/client-vpn-auth-scenarios.md`), table-driven, and the
//! access-path semantics end to end on small models.

use reach::engine::client::authorize;
use reach::model::ClientVpnAuthRule;

const ENG: &str = "S-xxxxx14";
const DEV: &str = "S-xxxxx15";
const MGR: &str = "S-xxxxx16";
const OTHER: &str = "S-other";

fn rule(dest: &str, group: Option<&str>) -> ClientVpnAuthRule {
    ClientVpnAuthRule {
        dest: dest.parse().unwrap(),
        access_all: group.is_none(),
        group: group.map(str::to_string),
        status: "active".into(),
        description: None,
    }
}

/// The rules of scenario `n` (each adds to the previous; 2 changes the manager rule).
fn scenario(n: u8) -> Vec<ClientVpnAuthRule> {
    let mut r = vec![
        rule("172.16.0.0/24", Some(ENG)),
        rule("10.0.0.0/16", Some(DEV)),
    ];
    r.push(if n == 1 {
        rule("192.168.0.0/24", Some(MGR))
    } else {
        rule("0.0.0.0/0", Some(MGR))
    });
    if n >= 3 {
        r.push(rule("10.0.2.119/32", Some(MGR)));
    }
    if n >= 4 {
        r.push(rule("172.16.0.128/25", Some(ENG)));
    }
    if n >= 5 {
        r.push(rule("0.0.0.0/0", Some(ENG)));
    }
    if n >= 6 {
        r.push(rule("192.168.0.0/24", Some(MGR)));
    }
    if n >= 7 {
        r.push(rule("0.0.0.0/0", None));
    }
    r
}

/// Representative addresses of each network of the guide.
const NETWORKS: [(&str, &str); 6] = [
    ("on-premises", "172.16.0.5"),
    ("on-premises upper /25", "172.16.0.200"),
    ("development VPC", "10.0.1.1"),
    ("10.0.2.119", "10.0.2.119"),
    ("endpoint VPC", "192.168.0.10"),
    ("internet", "8.8.8.8"),
];

/// Which networks (by index into NETWORKS) each group reaches, per the guide's table.
fn expected(n: u8, group: &str) -> [bool; 6] {
    const ONPREM: [bool; 6] = [true, true, false, false, false, false];
    const DEV_ALL: [bool; 6] = [false, false, true, true, false, false];
    const DEV_BUT_119: [bool; 6] = [false, false, true, false, false, false];
    const MGR_1: [bool; 6] = [false, false, false, false, true, false];
    const MGR_2: [bool; 6] = [false, false, false, false, true, true];
    const MGR_3: [bool; 6] = [false, false, false, true, true, true];
    const NOTHING: [bool; 6] = [false; 6];
    match (n, group) {
        (1..=4, ENG) => ONPREM,
        (5, ENG) => [true, true, false, false, true, true],
        (6..=7, ENG) => [true, true, false, false, false, true],
        (1..=2, DEV) => DEV_ALL,
        (3..=6, DEV) => DEV_BUT_119,
        (7, DEV) => [false, false, true, false, false, true],
        (1, MGR) => MGR_1,
        (2, MGR) => MGR_2,
        (3..=7, MGR) => MGR_3,
        (7, _) => [false, false, false, false, false, true],
        _ => NOTHING,
    }
}

#[test]
fn the_seven_authorization_scenarios() {
    let mut checked = 0;
    for n in 1..=7u8 {
        let rules = scenario(n);
        for group in [ENG, DEV, MGR, OTHER] {
            let want = expected(n, group);
            for (i, (name, ip)) in NETWORKS.iter().enumerate() {
                let got =
                    authorize(&rules, ip.parse().unwrap(), &[group.to_string()], true).allowed;
                assert_eq!(got, want[i], "scenario {n}, group {group}, {name} ({ip})");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 7 * 4 * 6);
}

// ---- access paths end to end, on the seed models (models/) and their variants (tests/data/) ----

use super::cli::reach;
use super::support::root;
use reach::engine::{self, QueryOptions, QuerySpec};
use reach::ingest::Loader;
use reach::model::Network;
use reach::render::Report;

const G001: &str = "97674c7a-e0a1-7031-5c3e-0c1b2d3e4f50";
const G002: &str = "3704ba58-70c1-70e4-2c8f-5d2e1a9b7c61";
const SEED1: &str = "models/seed-001-saml-nat.yaml";
const SEED2: &str = "models/seed-002-saml-group-split.yaml";
const SEED4: &str = "models/seed-004-cert-split.yaml";

fn load_text(name: &str, text: &str) -> Network {
    let mut l = Loader::new();
    l.add_yaml(name, text).expect("model parses");
    l.finish().expect("model lowers")
}

pub fn load(path: &str) -> Network {
    let text = std::fs::read_to_string(root().join(path)).expect("model file");
    load_text(path, &text)
}

fn ask(net: &Network, query: &str, groups: &[&str], via: Option<&str>) -> Report {
    let opts = QueryOptions {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        via: via.map(str::to_string),
        ..QueryOptions::default()
    };
    let q = engine::Query::resolve_with(net, QuerySpec::parse(query).unwrap(), &opts)
        .expect("resolves");
    Report::new(&engine::check(net, q), net)
}

fn hops_of(r: &Report) -> Vec<String> {
    r.paths
        .iter()
        .flat_map(|p| p.hops.iter().chain(p.return_hops.iter()))
        .map(|h| format!("{} {}", h.component, h.rule))
        .collect()
}

/// The checks the seeds report (tests/data and models/ headers), as (file, groups, query, verdict).
/// The prover checks them too.
pub const SEED_CASES: &[(&str, &[&str], &str, &str)] = &[
    (SEED1, &[G001], "client->172.25.1.10:22", "reachable"),
    (SEED1, &[G001], "client->142.250.196.100:443", "reachable"),
    (
        SEED1,
        &["00000000-0000-0000-0000-000000000000"],
        "client->142.250.196.100:443",
        "unreachable",
    ),
    (SEED1, &[G001], "client->172.25.1.10:3306", "unreachable"),
    (
        "tests/data/seed-001-neg-no-internet-route.yaml",
        &[G001],
        "client->142.250.196.100:443",
        "unreachable",
    ),
    (
        "tests/data/seed-001-neg-no-internet-route.yaml",
        &[G001],
        "client->172.25.1.10:22",
        "reachable",
    ),
    (SEED2, &[G002], "client->10.0.1.10:22", "reachable"),
    (
        SEED2,
        &["11111111-1111-1111-1111-111111111111"],
        "client->10.0.1.10:22",
        "unreachable",
    ),
    (SEED2, &[G002], "client->10.0.2.20:22", "unreachable"),
    (SEED2, &[G002], "client->93.184.216.34:443", "unreachable"),
    (SEED4, &[], "client->192.168.1.63:22", "reachable"),
    (SEED4, &[], "client->192.168.1.63:80", "unreachable"),
    (SEED4, &[], "client->192.168.1.63:22/udp", "unreachable"),
    (SEED4, &[], "client->192.168.2.10:22", "unreachable"),
    (SEED4, &[], "client->8.8.8.8:443", "unreachable"),
    (
        "tests/data/seed-004-neg-sg-client-cidr.yaml",
        &[],
        "client->192.168.1.63:22",
        "unreachable",
    ),
    (
        "tests/data/seed-004-neg-nacl-no-ephemeral.yaml",
        &[],
        "client->192.168.1.63:22",
        "unreachable",
    ),
    (
        "tests/data/seed-004-partial-nacl-linux-ephemeral.yaml",
        &[],
        "client->192.168.1.63:22",
        "partial",
    ),
    (
        "tests/data/seed-004-partial-two-assoc-routes.yaml",
        &[],
        "client->8.8.8.8:443",
        "partial",
    ),
    (
        "tests/data/seed-004-partial-two-assoc-routes.yaml",
        &[],
        "client->192.168.1.63:22",
        "reachable",
    ),
];

#[test]
fn seed_models_pass_their_checks() {
    for (file, groups, q, want) in SEED_CASES {
        let r = ask(&load(file), q, groups, None);
        assert_eq!(
            r.verdict,
            *want,
            "{file} {groups:?} {q}\n{}",
            r.to_text(false)
        );
    }
}

#[test]
fn seed_004_server_sees_the_association_address() {
    let r = ask(&load(SEED4), "client->192.168.1.63:22", &[], None);
    assert!(
        hops_of(&r).iter().any(|h| h.contains("192.168.10.97")),
        "{:#?}",
        hops_of(&r)
    );
    // Certificate authentication: one answer, no groups.
    assert_eq!(r.access.len(), 1);
    assert_eq!(r.access[0].group, None);
}

#[test]
fn without_group_every_group_and_no_group_are_answered() {
    let r = ask(&load(SEED1), "client->172.25.1.10:22", &[], None);
    assert_eq!(r.verdict, "partial", "{}", r.to_text(false));
    let by_group: Vec<(Option<&str>, &str)> = r
        .access
        .iter()
        .map(|a| (a.group.as_deref(), a.verdict))
        .collect();
    assert!(
        by_group.contains(&(Some(G001), "reachable")),
        "{by_group:?}"
    );
    assert!(by_group.contains(&(None, "unreachable")), "{by_group:?}");
    let b = r
        .blocked_by
        .iter()
        .find(|b| b.kind == "client-vpn-endpoint")
        .expect("authorization block");
    assert!(b.reason.contains("authorization"), "{}", b.reason);
}

#[test]
fn split_tunnel_on_sends_unrouted_destinations_elsewhere() {
    let r = ask(&load(SEED4), "client->8.8.8.8:443", &[], None);
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by[0].reason.contains("split tunnel is on"),
        "{}",
        r.blocked_by[0].reason
    );
}

#[test]
fn split_tunnel_off_drops_unrouted_destinations_at_the_endpoint() {
    let r = ask(
        &load("tests/data/seed-001-neg-no-internet-route.yaml"),
        "client->142.250.196.100:443",
        &[G001],
        None,
    );
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by[0].reason.contains("split tunnel off"),
        "{}",
        r.blocked_by[0].reason
    );
    // Turning split tunnel on changes the reason, not the verdict.
    let text =
        std::fs::read_to_string(root().join("tests/data/seed-001-neg-no-internet-route.yaml"))
            .unwrap();
    let on = load_text(
        "split-on.yaml",
        &text.replace("split_tunnel: false", "split_tunnel: true"),
    );
    let r = ask(&on, "client->142.250.196.100:443", &[G001], None);
    assert!(
        r.blocked_by[0].reason.contains("split tunnel is on"),
        "{}",
        r.blocked_by[0].reason
    );
}

#[test]
fn two_associations_with_mismatched_routes_are_partial() {
    let r = ask(
        &load("tests/data/seed-004-partial-two-assoc-routes.yaml"),
        "client->8.8.8.8:443",
        &[],
        None,
    );
    assert_eq!(r.verdict, "partial");
    let a = &r.access[0];
    let verdicts: Vec<&str> = a.associations.iter().map(|x| x.verdict).collect();
    assert!(
        verdicts.contains(&"reachable") && verdicts.contains(&"unreachable"),
        "{a:?}"
    );
    let b = r
        .blocked_by
        .iter()
        .find(|b| b.kind == "client-vpn-route")
        .expect("missing route block");
    assert!(b.fix.as_deref().unwrap().contains("0.0.0.0/0 ->"), "{b:?}");
}

#[test]
fn target_sg_allowing_the_client_cidr_is_flagged() {
    let r = ask(
        &load("tests/data/seed-004-neg-sg-client-cidr.yaml"),
        "client->192.168.1.63:22",
        &[],
        None,
    );
    assert_eq!(r.verdict, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!(b.kind, "security-group");
    let note = b.note.as_deref().expect("the source-NAT note");
    assert!(
        note.contains("client CIDR") && note.contains("no effect"),
        "{note}"
    );
    assert!(
        note.contains("sg-0c4a0cvpn00000001"),
        "names the endpoint SG to allow instead: {note}"
    );
}

#[test]
fn nacl_return_only_linux_ephemeral_is_partial() {
    let r = ask(
        &load("tests/data/seed-004-partial-nacl-linux-ephemeral.yaml"),
        "client->192.168.1.63:22",
        &[],
        None,
    );
    assert_eq!(r.verdict, "partial", "{}", r.to_text(false));
    assert!(
        r.blocked_by
            .iter()
            .any(|b| b.direction == "return" && b.kind == "network-acl"),
        "{:?}",
        r.blocked_by
    );
}

#[test]
fn endpoint_security_group_egress_blocks_the_port() {
    let text = std::fs::read_to_string(root().join(SEED4)).unwrap();
    let narrowed = text.replace(
        "{proto: tcp, ports: 22, to: sg-0c4a0server000001, description: ssh to the server (cross-reference)}",
        "{proto: tcp, ports: 443, to: sg-0c4a0server000001}",
    );
    assert_ne!(text, narrowed, "the seed model changed: update this test");
    let r = ask(
        &load_text("narrowed.yaml", &narrowed),
        "client->192.168.1.63:22",
        &[],
        None,
    );
    assert_eq!(r.verdict, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!(
        (b.component.as_str(), b.direction),
        ("sg-0c4a0cvpn00000001", "forward")
    );
    assert!(b.reason.contains("outbound"), "{}", b.reason);
}

#[test]
fn internet_through_the_nat_gateway_shows_its_elastic_ip_in_json() {
    let r = reach(&[
        "check",
        "--model",
        SEED1,
        "--group",
        G001,
        "--format",
        "json",
        "client->142.250.196.100:443",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let hops = v["paths"][0]["hops"].as_array().unwrap();
    assert!(
        hops.iter().any(|h| h["kind"] == "internet-gateway"
            && h["rule"].as_str().unwrap().ends_with("-> 57.181.73.255")),
        "{hops:#?}"
    );
    assert!(hops.iter().any(|h| h["kind"] == "nat-gateway"), "{hops:#?}");
    assert_eq!(
        v["paths"][0]["via"]["endpoint"],
        "cvpn-endpoint-0qiita000000001"
    );
}

#[test]
fn certificate_endpoint_warns_about_groups() {
    let r = ask(
        &load(SEED4),
        "client->192.168.1.63:22",
        &["some-group"],
        None,
    );
    assert!(
        r.assumptions
            .iter()
            .any(|a| a.contains("certificate authentication")),
        "{:?}",
        r.assumptions
    );
}

#[test]
fn unavailable_endpoints_and_inactive_parts_carry_no_traffic() {
    let text = std::fs::read_to_string(root().join(SEED4)).unwrap();
    let pending_text = text.replacen("    status: available", "    status: pending-associate", 1);
    assert_ne!(
        pending_text, text,
        "the seed model changed: update this test"
    );
    let pending = load_text("p.yaml", &pending_text);
    let r = ask(&pending, "client->192.168.1.63:22", &[], None);
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by[0].reason.contains("pending-associate"),
        "{}",
        r.blocked_by[0].reason
    );
    let revoked = load_text(
        "r.yaml",
        &text.replace("access_all: true,", "access_all: true, status: revoking,"),
    );
    let r = ask(&revoked, "client->192.168.1.63:22", &[], None);
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by[0].reason.contains("no authorization rule"),
        "{}",
        r.blocked_by[0].reason
    );
}

#[test]
fn via_picks_one_endpoint_and_rejects_unknown_ones() {
    let net = load(SEED4);
    let r = ask(
        &net,
        "client->192.168.1.63:22",
        &[],
        Some("cvpn-endpoint-0ba1234567890c60d"),
    );
    assert_eq!(r.verdict, "reachable");
    let bad = reach(&[
        "check",
        "--model",
        SEED4,
        "--via",
        "cvpn-endpoint-nope",
        "client->192.168.1.63:22",
    ]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("`cvpn-endpoint-nope`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn association_without_its_eni_still_carries_the_endpoint_groups() {
    // Without the ENI, the source is "an address of the association's subnet carrying
    // the endpoint's security groups": a target SG that references the endpoint SG
    // must admit it, and the output must say what it assumed.
    let text = std::fs::read_to_string(root().join(SEED4)).unwrap();
    let no_eni: String = text
        .lines()
        .filter(|l| !l.contains("ip: 192.168.10.97"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(no_eni, text, "the seed model changed: update this test");
    let r = ask(
        &load_text("no-eni.yaml", &no_eni),
        "client->192.168.1.63:22",
        &[],
        None,
    );
    assert_eq!(r.verdict, "reachable", "{}", r.to_text(false));
    assert!(
        r.assumptions
            .iter()
            .any(|a| a.contains("is not in the input") && a.contains("192.168.10.0/24")),
        "{:?}",
        r.assumptions
    );
}

/// A certificate endpoint granting everything and a SAML endpoint whose only
/// rule names group g1 for another network.
pub(crate) const TWO_ENDPOINTS: &str = r#"
vpcs: [{id: vpc-0, cidr: 10.0.0.0/16}]
subnets: [{id: subnet-01, vpc: vpc-0, cidr: 10.0.1.0/24}]
interfaces: [{id: eni-0, subnet: subnet-01, ip: 10.0.1.10}]
client_vpn_endpoints:
  - id: cvpn-endpoint-cert
    vpc: vpc-0
    client_cidr: 172.26.0.0/22
    auth: certificate
    associations: [{subnet: subnet-01, id: cvpn-assoc-cert, ip: 10.0.1.50}]
    authorization: [{dest: 0.0.0.0/0, access_all: true}]
  - id: cvpn-endpoint-saml
    vpc: vpc-0
    client_cidr: 172.27.0.0/22
    auth: federated
    associations: [{subnet: subnet-01, id: cvpn-assoc-saml, ip: 10.0.1.51}]
    authorization: [{dest: 198.51.100.0/24, group: g1}]
"#;

#[test]
fn every_user_is_asked_on_every_endpoint() {
    // Found by the differential test: a group named by one endpoint was not
    // asked on the other, so `client->…` said partial (group g1 unreachable)
    // while `--group g1 client->…` said reachable.
    let n = load_text("two-endpoints.yaml", TWO_ENDPOINTS);
    let all = ask(&n, "client->10.0.1.10:22", &[], None);
    let one = ask(&n, "client->10.0.1.10:22", &["g1"], None);
    assert_eq!(one.verdict, "reachable", "{}", one.to_text(false));
    assert_eq!(all.verdict, "reachable", "{}", all.to_text(false));
    // g1's only rule does not cover the destination: no group decides, every
    // user is treated alike, asked on both endpoints (issue 17).
    let g1: Vec<(&str, &str)> = all
        .access
        .iter()
        .filter(|a| a.group.is_none())
        .map(|a| (a.endpoint.as_str(), a.verdict))
        .collect();
    assert_eq!(
        g1,
        [
            ("cvpn-endpoint-cert", "reachable"),
            ("cvpn-endpoint-saml", "unreachable")
        ],
        "{}",
        all.to_text(false)
    );
}

const SEED3: &str = "models/seed-003-ad-onprem.yaml";
const G003: &str = "S-1-5-21-1004336348-1177238915-682003330-1105";

/// Seed 003's checks, on its YAML model and on the same account as AWS CLI
/// JSON (`tests/data/seed-003-json/`): (groups, query, verdict, a hop that
/// must appear).
const SEED3_CASES: &[(&[&str], &str, &str, &str)] = &[
    (
        &[G003],
        "client->10.0.1.10:22",
        "reachable",
        "sg-0c3server00000001 inbound rule ",
    ),
    // The association ENI in the public subnet: its public IP, through the IGW.
    (
        &[G003],
        "client->93.184.216.34:443",
        "reachable",
        "source 10.0.0.50 -> 54.199.20.31",
    ),
    // On-premises through the virtual private gateway.
    (
        &[G003],
        "client->10.200.0.5:22",
        "reachable",
        "vgw-0c3onprem000001 to the on-premises network",
    ),
    (
        &[],
        "client->93.184.216.34:443",
        "partial",
        "source 10.0.0.50 -> 54.199.20.31",
    ),
    (
        &["S-1-5-21-0-0-0-513"],
        "client->10.0.1.10:22",
        "unreachable",
        "cvpn-endpoint-0c3blog00000001",
    ),
];

fn check_seed3(net: &Network, what: &str) {
    for (groups, q, want, hop) in SEED3_CASES {
        let r = ask(net, q, groups, None);
        assert_eq!(
            r.verdict,
            *want,
            "{what} {groups:?} {q}\n{}",
            r.to_text(false)
        );
        assert!(
            hops_of(&r).iter().any(|h| h.contains(hop)),
            "{what} {q}: no hop `{hop}`\n{}",
            r.to_text(false)
        );
    }
}

#[test]
fn seed_003_ad_groups_internet_from_the_public_association_and_on_premises() {
    check_seed3(&load(SEED3), "yaml");
    let mut l = Loader::new();
    l.add_snapshot_path(&root().join("tests/data/seed-003-json"))
        .expect("snapshot");
    let net = l.finish().expect("lowers");
    // Read since issue 14 (`describe-vpn-gateways`), not skipped.
    assert!(
        net.vpn_gateways["vgw-0c3onprem000001"]
            .attached_vpcs()
            .eq(["vpc-0c3blog000000001"]),
        "{:?}",
        net.vpn_gateways
    );
    check_seed3(&net, "json");
    let r = ask(&net, "client->10.200.0.5:22", &[G003], None);
    assert!(
        r.assumptions
            .iter()
            .any(|a| a.contains("on-premises behind vgw-0c3onprem000001")),
        "{:?}",
        r.assumptions
    );
}

#[test]
fn a_public_association_without_its_eni_uses_the_public_ip_aws_assigns() {
    let text = std::fs::read_to_string(root().join(SEED3))
        .unwrap()
        .replace(
            "        ip: 10.0.0.50\n        public_ip: 54.199.20.31\n",
            "",
        );
    let net = load_text("seed-003-no-eni.yaml", &text);
    let r = ask(&net, "client->93.184.216.34:443", &[G003], None);
    assert_eq!(r.verdict, "reachable", "{}", r.to_text(false));
    assert!(
        r.assumptions.iter().any(|a| a.contains(
            "AWS gives an association ENI in a subnet routed to an internet gateway a public IP"
        )),
        "{:?}",
        r.assumptions
    );
    assert!(
        hops_of(&r)
            .iter()
            .any(|h| h
                .contains("the public IP AWS assigned to the ENI of cvpn-assoc-0c3cvpn0000001")),
        "{}",
        r.to_text(false)
    );
}
