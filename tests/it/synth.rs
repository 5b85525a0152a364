//! `reach synth` and `reach tighten` (issue 13): seed 004 with everything
//! open arrives at what the article narrowed to by hand; the result loads
//! back as a snapshot and answers as required; AWS CLI JSON input; the
//! emitters; the snapshot writer round-trips every model; bad intents.

use std::path::Path;

use reach::diff;
use reach::ingest::Loader;
use reach::model::Network;
use reach::render::{emit, snapshot};
use reach::synth::{self, Granularity, Greedy, Optimizer, Options};

use super::bad_input::assert_error;
use super::cli::reach;
use super::support::root;

const OPEN_004: &str = "tests/data/synth/seed-004-open.yaml";
const INTENTS_004: &str = "tests/data/synth/intents-004.yaml";
const WEB_DB: &str = "tests/data/synth/web-db-json";
const INTENTS_WEB_DB: &str = "tests/data/synth/intents-web-db.yaml";

fn model(path: &str) -> Network {
    let mut l = Loader::new();
    l.add_model_path(&root().join(path)).expect("model loads");
    l.finish().expect("model lowers")
}

fn snapshot_at(path: &Path) -> Network {
    let mut l = Loader::new();
    l.add_snapshot_path(path).expect("snapshot loads");
    l.finish().expect("snapshot lowers")
}

fn intents(path: &str) -> synth::Intents {
    let text = std::fs::read_to_string(root().join(path)).expect("intents read");
    synth::parse_intents(path, &text).expect("intents parse")
}

fn rules(s: &synth::Synthesis) -> Vec<String> {
    let mut out: Vec<String> = s
        .rules
        .iter()
        .map(|r| format!("{} {}", r.place().id(), r.describe()))
        .chain(s.auth.iter().map(|a| {
            format!(
                "{} {}",
                a.endpoint,
                reach::engine::client::describe_auth_rule(&a.rule)
            )
        }))
        .collect();
    out.sort();
    out
}

/// What seed 004 arrived at: the groups reference each other on 22, each
/// ACL one entry for 22 and one for the ephemeral return (the association's
/// 1024-65535) scoped to the peer subnet, one authorization rule.
const SEED_004: &[&str] = &[
    "acl-0c4a0server0001 inbound rule 100: allow tcp 22 from 192.168.10.0/24",
    "acl-0c4a0server0001 outbound rule 100: allow tcp 1024-65535 to 192.168.10.0/24",
    "acl-0c4a0target0010 inbound rule 100: allow tcp 1024-65535 from 192.168.1.0/24",
    "acl-0c4a0target0010 outbound rule 100: allow tcp 22 to 192.168.1.0/24",
    "cvpn-endpoint-0ba1234567890c60d 192.168.1.0/24 -> all users",
    "sg-0c4a0cvpn00000001 outbound: tcp 22 to sg-0c4a0server000001 (reach synth)",
    "sg-0c4a0server000001 inbound: tcp 22 from sg-0c4a0cvpn00000001 (reach synth)",
];

#[test]
fn seed_004_open_synth_arrives_at_the_article() {
    let net = model(OPEN_004);
    let mut opt = synth::default_optimizer();
    let s = synth::synth(
        &net,
        &intents(INTENTS_004),
        &Options::default(),
        opt.as_mut(),
    )
    .expect("synth");
    assert_eq!(rules(&s), SEED_004);
    #[cfg(feature = "z3")]
    assert!(
        matches!(s.minimality, synth::Minimality::Proved { solver: "z3", .. }),
        "{:?}",
        s.minimality
    );
    #[cfg(not(feature = "z3"))]
    assert!(matches!(s.minimality, synth::Minimality::Greedy { .. }));
    // Re-verified: the intent and the must-not, and what the rules open is the intent alone.
    assert!(s.verification.checks.iter().all(|c| c.got == c.want));
    assert!(s.verification.exact(), "{:?}", s.verification.gained);
    assert_eq!(s.verification.gained.len(), 1);
}

#[test]
fn greedy_finds_the_same_rules_on_seed_004() {
    let net = model(OPEN_004);
    let s = synth::synth(
        &net,
        &intents(INTENTS_004),
        &Options::default(),
        &mut Greedy,
    )
    .expect("synth");
    assert_eq!(rules(&s), SEED_004);
    assert!(matches!(s.minimality, synth::Minimality::Greedy { .. }));
    assert_eq!(Greedy.name(), "greedy");
}

#[test]
fn seed_004_synth_text_says_minimal() {
    let r = reach(&["synth", "--model", OPEN_004, "--intents", INTENTS_004]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    #[cfg(feature = "z3")]
    assert!(
        r.stdout.contains("minimal (proved by z3 in"),
        "{}",
        r.stdout
    );
    #[cfg(not(feature = "z3"))]
    assert!(
        r.stdout.contains("not proved minimal: greedy"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("newly reachable (intent intents[0])"),
        "{}",
        r.stdout
    );
}

#[test]
fn seed_004_out_loads_and_checks_as_required() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().to_str().expect("utf-8 path");
    let r = reach(&[
        "synth",
        "--model",
        OPEN_004,
        "--intents",
        INTENTS_004,
        "--out",
        out,
        "--emit",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    #[cfg(feature = "z3")]
    assert_eq!(v["minimality"]["status"], "proved");
    assert_eq!(v["verification"]["exact"], true);
    for (query, code) in [
        ("client->i-0c4a0server0000001:22", 0),
        ("client->i-0c4a0server0000001:80", 1),
        ("client->i-0c4a0other00000002:22", 1),
        ("client->192.168.1.63:22/udp", 1),
    ] {
        let c = reach(&["check", "--snapshot", out, query]);
        assert_eq!(c.code, code, "{query}: {}{}", c.stdout, c.stderr);
        let want = if code == 0 {
            "reachable:"
        } else {
            "unreachable:"
        };
        assert!(c.stdout.starts_with(want), "{query}: {}", c.stdout);
        assert!(!c.stderr.contains("warning"), "{query}: {}", c.stderr);
    }
}

#[test]
fn seed_004_tighten_lists_every_over_broad_rule() {
    let net = model(OPEN_004);
    let t = synth::tighten(&net, &intents(INTENTS_004), Granularity::SgRef).expect("tighten");
    let mut found: Vec<String> = t
        .findings
        .iter()
        .map(|f| format!("{} {}: {}", f.component, f.rule, f.verdict.name()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "acl-0c4a0default001 inbound rule 100: allow all from 0.0.0.0/0: remove",
            "acl-0c4a0default001 outbound rule 100: allow all to 0.0.0.0/0: remove",
            "acl-0c4a0server0001 inbound rule 100: allow all from 0.0.0.0/0: narrow",
            "acl-0c4a0server0001 outbound rule 100: allow all to 0.0.0.0/0: narrow",
            "acl-0c4a0target0010 inbound rule 100: allow all from 0.0.0.0/0: narrow",
            "acl-0c4a0target0010 outbound rule 100: allow all to 0.0.0.0/0: narrow",
            "acl-default-vpc-0c4a9d51c2d565197 inbound rule 100: allow all from 0.0.0.0/0: remove",
            "acl-default-vpc-0c4a9d51c2d565197 outbound rule 100: allow all to 0.0.0.0/0: remove",
            "cvpn-endpoint-0ba1234567890c60d 0.0.0.0/0 -> all users: narrow",
            "sg-0c4a0cvpn00000001 inbound: all from 0.0.0.0/0: remove",
            "sg-0c4a0cvpn00000001 outbound: all to 0.0.0.0/0: narrow",
            "sg-0c4a0other0000002 inbound: all from 0.0.0.0/0: remove",
            "sg-0c4a0other0000002 outbound: all to 0.0.0.0/0: remove",
            "sg-0c4a0server000001 inbound: all from 0.0.0.0/0: narrow",
            "sg-0c4a0server000001 outbound: all to 0.0.0.0/0: remove",
            "sg-default-vpc-0c4a9d51c2d565197 outbound: all to 0.0.0.0/0: remove",
        ]
    );
    // Each with its exact excess: the server's inbound rule allows every
    // port but 22 from the association, and everything from elsewhere.
    let server = t
        .findings
        .iter()
        .find(|f| f.component == "sg-0c4a0server000001" && f.rule.starts_with("inbound"))
        .expect("server inbound");
    assert_eq!(
        server.narrowed,
        ["inbound: tcp 22 from sg-0c4a0cvpn00000001"]
    );
    let probe = |src: &str, port: u128| {
        let ip = reach::hs::addr(src.parse().expect("ip"));
        server.excess.contains(&[6, ip, 0, 40000, port, 0, 0])
    };
    assert!(!probe("192.168.10.97", 22), "the intent is not excess");
    assert!(probe("192.168.10.97", 80));
    assert!(probe("192.168.2.10", 22));
    // Narrowed as synth would write it, re-verified: nothing newly reachable.
    assert!(t.verification.gained.is_empty());
    assert!(t.verification.checks.iter().all(|c| c.got == c.want));
    let s = synth::synth(
        &net,
        &intents(INTENTS_004),
        &Options::default(),
        &mut Greedy,
    )
    .expect("synth");
    let d = diff::diff(&s.result, &t.result).expect("diff");
    assert!(
        d.flows.is_empty(),
        "tighten and synth agree on seed 004: {:?}",
        d.flows.iter().map(|f| f.class()).collect::<Vec<_>>()
    );
}

#[test]
fn aws_cli_json_synth_and_tighten() {
    let net = snapshot_at(&root().join(WEB_DB));
    let mut opt = synth::default_optimizer();
    let s = synth::synth(
        &net,
        &intents(INTENTS_WEB_DB),
        &Options::default(),
        opt.as_mut(),
    )
    .expect("synth");
    let got = rules(&s);
    for want in [
        "sg-0db0000000000002 inbound: tcp 5432 from sg-0web000000000001 (reach synth)",
        "sg-0web000000000001 inbound: tcp 443 from 0.0.0.0/0 (reach synth)",
        "sg-0web000000000001 outbound: tcp 5432 to sg-0db0000000000002 (reach synth)",
        "acl-0default000000001 inbound rule 120: allow tcp 5432 from 10.20.1.0/24",
        // The database's replies to the web server's Linux ephemeral range.
        "acl-0default000000001 inbound rule 100: allow tcp 32768-60999 from 10.20.2.0/24",
        // One return entry serves the internet's clients and the web server.
        "acl-0default000000001 outbound rule 100: allow tcp 1024-65535 to 0.0.0.0/0",
    ] {
        assert!(got.iter().any(|g| g == want), "{want} not in {got:#?}");
    }
    assert_eq!(got.len(), 7, "{got:#?}");
    assert!(s.verification.exact());
    let t = synth::tighten(&net, &intents(INTENTS_WEB_DB), Granularity::SgRef).expect("tighten");
    assert_eq!(t.findings.len(), 6);
    assert!(t.verification.gained.is_empty());
    // Through the binary, with the result written and read back.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().to_str().expect("utf-8 path");
    let r = reach(&[
        "tighten",
        "--snapshot",
        WEB_DB,
        "--intents",
        INTENTS_WEB_DB,
        "--out",
        out,
    ]);
    assert_eq!(r.code, 1, "findings: exit 1: {}", r.stderr);
    for (query, code) in [
        ("internet->203.0.113.10:443", 0),
        ("internet->203.0.113.10:22", 1),
        ("i-0web000000000001->i-0db0000000000002:5432", 0),
        ("i-0db0000000000002->i-0web000000000001:22", 1),
    ] {
        let c = reach(&["check", "--snapshot", out, query]);
        assert_eq!(c.code, code, "{query}: {}", c.stdout);
    }
}

#[test]
fn host_granularity_names_addresses() {
    let net = model(OPEN_004);
    let s = synth::synth(
        &net,
        &intents(INTENTS_004),
        &Options {
            granularity: Granularity::Host,
        },
        &mut Greedy,
    )
    .expect("synth");
    let got = rules(&s);
    assert!(
        got.contains(
            &"sg-0c4a0server000001 inbound: tcp 22 from 192.168.10.97/32 (reach synth)".to_string()
        ),
        "{got:#?}"
    );
    assert!(
        got.contains(
            &"acl-0c4a0server0001 outbound rule 100: allow tcp 1024-65535 to 192.168.10.97/32"
                .to_string()
        ),
        "{got:#?}"
    );
    assert!(
        got.contains(&"cvpn-endpoint-0ba1234567890c60d 192.168.1.63/32 -> all users".to_string()),
        "{got:#?}"
    );
}

#[test]
fn infeasible_must_not_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("intents.yaml");
    std::fs::write(
        &f,
        "intents:\n  - {from: client, to: i-0c4a0server0000001, ports: 22}\nmust_not:\n  - {from: client, to: i-0c4a0server0000001, ports: 22}\n",
    )
    .expect("write");
    let r = reach(&[
        "synth",
        "--model",
        OPEN_004,
        "--intents",
        f.to_str().expect("utf-8"),
    ]);
    assert_error(&r, &["no rule set satisfies the intents", "must_not[0]"]);
}

#[test]
fn bad_intents_name_file_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (text, needles) in [
        (
            "intents: [{from: client, to: i-0c4a0server0000001}]",
            vec!["intents[0].ports", "missing"],
        ),
        (
            "intents: [{from: client, to: i-0c4a0server0000001, ports: 99999}]",
            vec!["intents[0].ports", "`99999`"],
        ),
        (
            "intents: [{from: client, to: i-0c4a0server0000001, ports: 22, proto: sctp}]",
            vec!["intents[0].proto", "`sctp`"],
        ),
        (
            "intents: [{from: i-x, to: i-y, ports: 22, groups: [ops]}]",
            vec!["intents[0].groups", "client"],
        ),
        (
            "intents: [{from: client, to: i-0c4a0server0000001, ports: 22, colour: red}]",
            vec!["intents[0].colour", "unknown key"],
        ),
        ("must_not: []", vec!["field `intents`"]),
        ("intents: {from: client}", vec!["field `intents`", "list"]),
        ("intents: [", vec!["invalid yaml"]),
        (
            "intents: [{from: client, to: 'not an address', ports: 22}]",
            vec!["intents[0]", "destination"],
        ),
    ] {
        let f = dir.path().join("bad.yaml");
        std::fs::write(&f, text).expect("write");
        let path = f.to_str().expect("utf-8");
        let r = reach(&["synth", "--model", OPEN_004, "--intents", path]);
        let mut n: Vec<&str> = vec![path];
        n.extend(needles.iter().copied());
        assert_error(&r, &n);
        let r = reach(&["tighten", "--model", OPEN_004, "--intents", path]);
        assert_error(&r, &n);
    }
    // An intent no filter can open: routes stay as they are.
    let f = dir.path().join("noroute.yaml");
    std::fs::write(
        &f,
        "intents:\n  - {from: client, to: 8.8.8.8, ports: 443}\n",
    )
    .expect("write");
    let r = reach(&[
        "synth",
        "--model",
        OPEN_004,
        "--intents",
        f.to_str().expect("utf-8"),
    ]);
    assert_error(&r, &["intents[0]", "client->8.8.8.8:443/tcp"]);
}

#[test]
fn emit_aws_cli_and_terraform() {
    let net = model(OPEN_004);
    let s = synth::synth(
        &net,
        &intents(INTENTS_004),
        &Options::default(),
        &mut Greedy,
    )
    .expect("synth");
    let cli = emit::aws_cli(&s.changes);
    for want in [
        "aws ec2 authorize-security-group-ingress --group-id sg-0c4a0server000001 --ip-permissions '[{\"IpProtocol\":\"tcp\",\"FromPort\":22,\"ToPort\":22,\"UserIdGroupPairs\":[{\"GroupId\":\"sg-0c4a0cvpn00000001\"",
        "aws ec2 authorize-security-group-egress --group-id sg-0c4a0cvpn00000001",
        "aws ec2 replace-network-acl-entry --network-acl-id acl-0c4a0server0001 --egress --rule-number 100 --protocol 6 --rule-action allow --cidr-block 192.168.10.0/24 --port-range From=1024,To=65535",
        "aws ec2 authorize-client-vpn-ingress --client-vpn-endpoint-id cvpn-endpoint-0ba1234567890c60d --target-network-cidr 192.168.1.0/24 --authorize-all-groups",
        "aws ec2 revoke-client-vpn-ingress --client-vpn-endpoint-id cvpn-endpoint-0ba1234567890c60d --target-network-cidr 0.0.0.0/0 --revoke-all-groups",
        "aws ec2 revoke-security-group-ingress --group-id sg-0c4a0server000001",
    ] {
        assert!(cli.contains(want), "{want}\nnot in\n{cli}");
    }
    // Grants before removals.
    let first_revoke = cli.find("revoke-").expect("a revoke");
    assert!(cli.rfind("authorize-").expect("an authorize") < first_revoke);
    let tf = emit::terraform(&s.changes);
    assert!(tf.contains(
        "resource \"aws_vpc_security_group_ingress_rule\" \"sg_0c4a0server000001_ingress_tcp_22_sg_0c4a0cvpn00000001\" {\n  security_group_id            = \"sg-0c4a0server000001\"\n  ip_protocol                  = \"tcp\"\n  from_port                    = 22\n  to_port                      = 22\n  referenced_security_group_id = \"sg-0c4a0cvpn00000001\"\n"
    ), "{tf}");
    assert!(tf.contains("resource \"aws_network_acl_rule\" \"acl_0c4a0server0001_egress_100\" {\n  network_acl_id = \"acl-0c4a0server0001\"\n  rule_number    = 100\n  egress         = true\n"), "{tf}");
    assert!(
        tf.contains("resource \"aws_ec2_client_vpn_authorization_rule\""),
        "{tf}"
    );
    assert!(tf.contains("  authorize_all_groups   = true\n"), "{tf}");
    assert!(
        tf.contains("# remove: sg-0c4a0server000001 inbound rule ingress[0]: all from 0.0.0.0/0"),
        "{tf}"
    );
    // Every block's `=` aligned: terraform fmt's layout.
    for block in tf.split("\n}\n") {
        let cols: Vec<usize> = block
            .lines()
            .filter(|l| l.starts_with("  ") && l.contains(" = "))
            .map(|l| l.find(" = ").expect("="))
            .collect();
        assert!(cols.windows(2).all(|w| w[0] == w[1]), "{block}");
    }
}

/// The snapshot writer: every model written as AWS CLI JSON loads back as
/// the same network (no change `diff` sees, no warning).
#[test]
fn snapshot_writer_round_trips_the_models() {
    let mut inputs: Vec<(String, Network)> = Vec::new();
    for e in std::fs::read_dir(root().join("models")).expect("models") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let rel = p
                .strip_prefix(root())
                .expect("under root")
                .display()
                .to_string();
            inputs.push((rel.clone(), model(&rel)));
        }
    }
    inputs.push((OPEN_004.into(), model(OPEN_004)));
    inputs.push((WEB_DB.into(), snapshot_at(&root().join(WEB_DB))));
    inputs.push((
        "tests/data/real-account".into(),
        snapshot_at(&root().join("tests/data/real-account")),
    ));
    // Transit gateways with VPC, VPN and peering attachments, VPN
    // connections and gateways.
    inputs.push((
        "tests/data/tgw/snapshot".into(),
        snapshot_at(&root().join("tests/data/tgw/snapshot")),
    ));
    for (name, net) in inputs {
        let (docs, _) = snapshot::snapshot(&net);
        let dir = tempfile::tempdir().expect("tempdir");
        for (f, text) in docs {
            std::fs::write(dir.path().join(f), text).expect("write");
        }
        let back = snapshot_at(dir.path());
        // Verified Access documents are not written (the output says so).
        let changes: Vec<_> = diff::changes(&net, &back)
            .into_iter()
            .filter(|c| !c.line().contains("(verified-access-"))
            .collect();
        assert!(
            changes.is_empty(),
            "{name}: {:#?}",
            changes.iter().map(|c| c.line()).collect::<Vec<_>>()
        );
        // No warning the input did not have (a stale group reference stays one).
        assert!(
            back.warnings.len() <= net.warnings.len(),
            "{name}: {:?}",
            back.warnings
        );
    }
}
