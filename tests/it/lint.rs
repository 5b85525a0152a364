//! `reach lint` (issue 13, item 4): one test per kind of finding, each on a
//! small YAML model (`tests/data/lint/*.yaml`) and on AWS CLI JSON
//! (`tests/data/lint/json/`, written by its `make.py`); what a finding says
//! is removable is checked to change nothing, and what it says fails is
//! checked against the engine; then the CLI: exit codes, `--only`, JSON,
//! SARIF against the schema with every result at a line naming it.

use std::collections::BTreeSet;
use std::path::Path;

use reach::engine::sets::{Side, nacl_entry_set, sg_rule_set};
use reach::hs::{self, Field, Interval, IntervalSet, PacketSet};
use reach::ingest::Loader;
use reach::lint::{self, Finding, Kind, Lint, Options, Severity};
use reach::model::{Action, NaclEntry, Network, Peer};
use serde_json::Value;

use super::cli::reach;
use super::formats::{sarif_schema, schema_errors};
use super::support::{check, load_snapshot, root};

const JSON: &str = "tests/data/lint/json";

fn model(name: &str) -> Network {
    let mut l = Loader::new();
    l.add_model_path(&root().join("tests/data/lint").join(name))
        .expect("model loads");
    l.finish().expect("model lowers")
}

fn json() -> Network {
    load_snapshot(&root().join(JSON))
}

fn run(net: &Network) -> Lint {
    lint::lint(net, &Options::default())
}

fn of(l: &Lint, k: Kind) -> Vec<&Finding> {
    l.findings.iter().filter(|f| f.kind == k).collect()
}

/// (resource, rule) of every finding of kind `k`, in the order reported.
fn keys(l: &Lint, k: Kind) -> Vec<(String, String)> {
    of(l, k)
        .iter()
        .map(|f| (f.resource.clone(), f.rule.clone().unwrap_or_default()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The one finding of kind `k` at `resource` and `rule`.
fn at<'l>(l: &'l Lint, k: Kind, resource: &str, rule: &str) -> &'l Finding {
    let found: Vec<_> = of(l, k)
        .into_iter()
        .filter(|f| f.resource == resource && f.rule.as_deref().unwrap_or("") == rule)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {} at {resource} {rule}: {:#?}",
        k.name(),
        keys(l, k)
    );
    found[0]
}

fn set(f: &Finding, label_starts: &str) -> PacketSet {
    f.packets
        .iter()
        .find(|p| p.label.starts_with(label_starts))
        .unwrap_or_else(|| panic!("no packets `{label_starts}…` in {f:#?}"))
        .set
        .clone()
}

fn cidrs(v: &[&str]) -> IntervalSet {
    v.iter().fold(IntervalSet::empty(), |a, c| {
        a.union(&hs::prefix(c.parse().unwrap()))
    })
}

fn ports(lo: u16, hi: u16) -> IntervalSet {
    IntervalSet::from_interval(Interval {
        lo: u128::from(lo),
        hi: u128::from(hi),
    })
}

fn tcp() -> IntervalSet {
    IntervalSet::from_interval(Interval::point(6))
}

fn host(ip: &str) -> IntervalSet {
    IntervalSet::from_interval(Interval::point(hs::addr(ip.parse().unwrap())))
}

/// What one direction of an ACL allows, first match wins (written here
/// again, apart from `lint`).
fn allowed(entries: &[NaclEntry], side: Side) -> PacketSet {
    let mut taken = PacketSet::empty();
    let mut allow = PacketSet::empty();
    for e in entries {
        let s = nacl_entry_set(e, side);
        if e.action == Action::Allow {
            allow = allow.union(&s.difference(&taken));
        }
        taken = taken.union(&s);
    }
    allow
}

/// Deleting every entry `lint` reports as redundant leaves every ACL
/// allowing exactly what it did.
fn redundant_entries_change_nothing(net: &Network, l: &Lint) {
    for acl in net.network_acls.values() {
        for (side, entries, dir) in [
            (Side::Ingress, &acl.inbound, "inbound"),
            (Side::Egress, &acl.outbound, "outbound"),
        ] {
            let gone: Vec<String> = of(l, Kind::NaclRedundant)
                .iter()
                .filter(|f| f.resource == acl.id)
                .filter_map(|f| f.rule.clone())
                .filter(|r| r.starts_with(dir))
                .collect();
            let kept: Vec<NaclEntry> = entries
                .iter()
                .filter(|e| !gone.contains(&format!("{dir} rule {}", e.number)))
                .cloned()
                .collect();
            assert!(
                allowed(entries, side).same_as(&allowed(&kept, side)),
                "{} {dir}: deleting {gone:?} changes what it allows",
                acl.id
            );
        }
    }
}

/// Revoking every rule `lint` reports as covered leaves every interface
/// allowing exactly what it did, both ways.
fn subsumed_rules_change_nothing(net: &Network, l: &Lint) {
    let gone: BTreeSet<(String, String)> = keys(l, Kind::SgRuleSubsumed).into_iter().collect();
    let allows = |i: &reach::model::Interface, side: Side, drop: bool| {
        i.groups
            .iter()
            .filter_map(|g| net.security_groups.get(g))
            .flat_map(|g| {
                let rules = match side {
                    Side::Ingress => &g.ingress,
                    Side::Egress => &g.egress,
                };
                rules.iter().map(move |r| (g, r))
            })
            .filter(|(g, r)| !drop || !gone.contains(&(g.id.clone(), r.label().to_string())))
            .fold(PacketSet::empty(), |acc, (_, r)| {
                acc.union(&sg_rule_set(net, r, side).0)
            })
    };
    for i in net.interfaces.values() {
        for side in [Side::Ingress, Side::Egress] {
            assert!(
                allows(i, side, false).same_as(&allows(i, side, true)),
                "{}: revoking {gone:?} changes what it allows",
                i.id
            );
        }
    }
}

/// The `sgr-…` rule of `group` whose peer is `peer`.
fn sgr(net: &Network, group: &str, peer: &str) -> String {
    let g = &net.security_groups[group];
    g.ingress
        .iter()
        .chain(&g.egress)
        .find(|r| r.peer.describe() == peer)
        .and_then(|r| r.rule_id.clone())
        .unwrap_or_else(|| panic!("{group} has an sgr- rule with peer {peer}"))
}

#[test]
fn nacl_shadowed() {
    let l = run(&model("nacl.yaml"));
    assert_eq!(
        keys(&l, Kind::NaclShadowed),
        pairs(&[
            ("acl-web", "inbound rule 100"),
            ("acl-web", "inbound rule 170")
        ])
    );
    let f = at(&l, Kind::NaclShadowed, "acl-web", "inbound rule 100");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("rule 90 denies"), "{}", f.message);
    assert!(f.fix.contains("--rule-number 100") && f.fix.contains("below 90"));
    let want = PacketSet::product(&[
        (Field::Proto, tcp()),
        (Field::Src, cidrs(&["10.1.0.0/16"])),
        (Field::DstPort, ports(22, 22)),
    ]);
    assert!(set(f, "it would allow").same_as(&want));
    // A deny after an allow is shadowed the same way.
    let f = at(&l, Kind::NaclShadowed, "acl-web", "inbound rule 170");
    assert!(f.message.contains("rule 110 allows"), "{}", f.message);

    let l = run(&json());
    assert_eq!(
        keys(&l, Kind::NaclShadowed),
        pairs(&[("acl-0web00000000000001", "inbound rule 100")])
    );
}

#[test]
fn nacl_redundant() {
    let net = model("nacl.yaml");
    let l = run(&net);
    // 160 is IPv6, redundant with 150 (::/0); 110 (0.0.0.0/0) covers no IPv6.
    assert_eq!(
        keys(&l, Kind::NaclRedundant),
        pairs(&[
            ("acl-web", "inbound rule 120"),
            ("acl-web", "inbound rule 160")
        ])
    );
    let f = at(&l, Kind::NaclRedundant, "acl-web", "inbound rule 160");
    assert_eq!(f.severity, Severity::Low);
    assert!(f.message.contains("rule 150"), "{}", f.message);
    redundant_entries_change_nothing(&net, &l);

    let net = json();
    let l = run(&net);
    assert_eq!(
        keys(&l, Kind::NaclRedundant),
        pairs(&[
            ("acl-0web00000000000001", "inbound rule 120"),
            ("acl-0web00000000000001", "inbound rule 160")
        ])
    );
    redundant_entries_change_nothing(&net, &l);
}

#[test]
fn nacl_partly_shadowed() {
    for (net, acl) in [
        (model("nacl.yaml"), "acl-web"),
        (json(), "acl-0web00000000000001"),
    ] {
        let l = run(&net);
        assert_eq!(
            keys(&l, Kind::NaclPartlyShadowed),
            pairs(&[(acl, "inbound rule 130")])
        );
        let f = at(&l, Kind::NaclPartlyShadowed, acl, "inbound rule 130");
        let from = |lo, hi| {
            PacketSet::product(&[
                (Field::Proto, tcp()),
                (Field::Src, cidrs(&["10.0.0.0/8"])),
                (Field::DstPort, ports(lo, hi)),
            ])
        };
        assert!(
            set(f, "still decided").same_as(&from(20, 21).union(&from(23, 30))),
            "{f:#?}"
        );
        assert!(set(f, "it would allow").same_as(&from(22, 22)));
        // Same-action overlaps (110 and 140 allow 1024-65535 … and 443) are
        // not findings.
        assert!(of(&l, Kind::NaclPartlyShadowed).len() == 1);
    }
}

#[test]
fn sg_rule_subsumed() {
    let net = model("sg.yaml");
    let l = run(&net);
    let found: BTreeSet<(String, String)> = keys(&l, Kind::SgRuleSubsumed).into_iter().collect();
    for k in [
        ("sg-web", "ingress[1]"),
        ("sg-web-extra", "ingress[0]"),
        ("sg-app", "ingress[1]"),
    ] {
        assert!(
            found.contains(&(k.0.to_string(), k.1.to_string())),
            "{k:?} in {found:?}"
        );
    }
    // sg-web is not on eni-app: its rules do not cover sg-app's.
    assert!(!found.contains(&("sg-app".into(), "ingress[0]".into())));
    // Two copies of one rule: one is reported, never both.
    let dups = ["ingress[4]", "ingress[5]"]
        .iter()
        .filter(|r| found.contains(&("sg-app".to_string(), r.to_string())))
        .count();
    assert_eq!(dups, 1, "{found:?}");
    assert_eq!(found.len(), 4, "{found:?}");
    // The other group's rule is named, with what the groups share.
    let f = at(&l, Kind::SgRuleSubsumed, "sg-web-extra", "ingress[0]");
    assert!(
        f.message.contains("sg-web inbound rule ingress[2]")
            && f.message.contains("eni-web-a, eni-web-b"),
        "{}",
        f.message
    );
    subsumed_rules_change_nothing(&net, &l);

    let net = json();
    let l = run(&net);
    assert_eq!(
        keys(&l, Kind::SgRuleSubsumed),
        pairs(&[
            (
                "sg-0web00000000000001",
                &sgr(&net, "sg-0web00000000000001", "203.0.113.0/24")
            ),
            (
                "sg-0webextra00000002",
                &sgr(&net, "sg-0webextra00000002", "10.0.1.0/24")
            ),
        ])
    );
    // Two groups on one interface each allow all egress: AWS's default
    // rule is not reported for the other group's copy.
    let f = &of(&l, Kind::SgRuleSubsumed)[0];
    assert!(
        f.fix.contains("--security-group-rule-ids sgr-"),
        "{}",
        f.fix
    );
    subsumed_rules_change_nothing(&net, &l);
}

#[test]
fn client_cidr_rule() {
    let l = run(&model("cvpn.yaml"));
    assert_eq!(
        keys(&l, Kind::ClientCidrRule),
        pairs(&[
            ("sg-server", "ingress[0]"),
            ("acl-server", "inbound rule 100")
        ])
    );
    for f in of(&l, Kind::ClientCidrRule) {
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.subject, "cvpn-endpoint-lint");
        assert!(f.message.contains("172.16.0.0/22"));
    }
    let f = at(&l, Kind::ClientCidrRule, "sg-server", "ingress[0]");
    assert!(f.fix.contains("sg-cvpn") && f.fix.contains("10.0.10.0/24"));

    let net = json();
    let l = run(&net);
    assert_eq!(
        keys(&l, Kind::ClientCidrRule),
        pairs(&[
            (
                "sg-0app00000000000003",
                &sgr(&net, "sg-0app00000000000003", "172.16.0.0/22")
            ),
            ("acl-0web00000000000001", "inbound rule 200"),
        ])
    );
    let seed = run(&load_model_path(
        "tests/data/seed-004-neg-sg-client-cidr.yaml",
    ));
    assert_eq!(keys(&seed, Kind::ClientCidrRule).len(), 1);

    // The engine agrees: without the rule naming the endpoint's group, the
    // rule naming the client CIDR lets no client in.
    let mut net = model("cvpn.yaml");
    assert_ne!(check(&net, "client->10.0.1.10:22").verdict, "unreachable");
    let g = net.security_groups.get_mut("sg-server").unwrap();
    g.ingress.retain(|r| matches!(r.peer, Peer::Cidr(_)));
    assert_eq!(check(&net, "client->10.0.1.10:22").verdict, "unreachable");
}

fn load_model_path(p: &str) -> Network {
    let mut l = Loader::new();
    l.add_model_path(&root().join(p)).expect("model loads");
    l.finish().expect("model lowers")
}

#[test]
fn peer_group_unattached() {
    let l = run(&model("sg.yaml"));
    assert_eq!(
        keys(&l, Kind::PeerGroupUnattached),
        pairs(&[("sg-app", "ingress[3]")])
    );
    assert_eq!(of(&l, Kind::PeerGroupUnattached)[0].subject, "sg-orphan");

    let net = json();
    let l = run(&net);
    assert_eq!(
        keys(&l, Kind::PeerGroupUnattached),
        pairs(&[(
            "sg-0app00000000000003",
            &sgr(&net, "sg-0app00000000000003", "sg-0orphan000000000005")
        )])
    );
    // A peer group outside the input is not "attached to nothing": the
    // input cannot tell (real-account names one).
    let real = run(&load_snapshot(&root().join("tests/data/real-account")));
    assert!(of(&real, Kind::PeerGroupUnattached).is_empty());
}

#[test]
fn cvpn_route_missing() {
    for (net, ep, b, subnet) in [
        (
            model("cvpn.yaml"),
            "cvpn-endpoint-lint",
            "cvpn-assoc-b",
            "subnet-assoc-b",
        ),
        (
            json(),
            "cvpn-endpoint-0l1n700000000001",
            "cvpn-assoc-0l1n7000000000b",
            "subnet-0vpnb000000000011",
        ),
    ] {
        let l = run(&net);
        assert_eq!(
            keys(&l, Kind::CvpnRouteMissing),
            pairs(&[(ep, "10.50.0.0/16")])
        );
        let f = at(&l, Kind::CvpnRouteMissing, ep, "10.50.0.0/16");
        assert_eq!(f.subject, b);
        assert_eq!(f.severity, Severity::Medium);
        assert!(f.fix.contains(&format!("--target-vpc-subnet-id {subnet}")));
        assert!(
            set(f, "destinations")
                .project(Field::Dst)
                .is_subset(&cidrs(&["10.50.0.0/16"]))
        );
    }
    // Part of a route: the second association routes the VPC only, so it
    // lacks 0.0.0.0/0 except the VPC's CIDR.
    let l = run(&load_model_path(
        "tests/data/seed-004-partial-two-assoc-routes.yaml",
    ));
    let f = at(
        &l,
        Kind::CvpnRouteMissing,
        "cvpn-endpoint-0ba1234567890c60d",
        "0.0.0.0/0",
    );
    assert_eq!(
        set(f, "destinations").project(Field::Dst),
        hs::all_v4().difference(&cidrs(&["192.168.0.0/16"]))
    );
}

#[test]
fn cvpn_auth_unroutable() {
    for (net, ep) in [
        (model("cvpn.yaml"), "cvpn-endpoint-lint"),
        (json(), "cvpn-endpoint-0l1n700000000001"),
    ] {
        let l = run(&net);
        assert_eq!(
            keys(&l, Kind::CvpnAuthUnroutable),
            pairs(&[(ep, "192.168.50.0/24")])
        );
        let f = &of(&l, Kind::CvpnAuthUnroutable)[0];
        assert_eq!(f.severity, Severity::Low);
        // A route through each association, or the revocation.
        assert_eq!(f.fix.matches("create-client-vpn-route").count(), 2);
        assert!(f.fix.contains("revoke-client-vpn-ingress"));
    }
}

#[test]
fn cvpn_auth_overridden() {
    let net = model("cvpn.yaml");
    let l = run(&net);
    assert_eq!(
        keys(&l, Kind::CvpnAuthOverridden),
        pairs(&[
            ("cvpn-endpoint-lint", "10.0.1.0/24"),
            ("cvpn-endpoint-lint", "10.0.2.0/24")
        ])
    );
    // dev loses 10.0.1.0/24 (ops rules decide it); 10.0.2.0/24's /25s
    // grant everyone, so its rule is only redundant.
    assert_eq!(
        at(
            &l,
            Kind::CvpnAuthOverridden,
            "cvpn-endpoint-lint",
            "10.0.1.0/24"
        )
        .severity,
        Severity::Medium
    );
    assert_eq!(
        at(
            &l,
            Kind::CvpnAuthOverridden,
            "cvpn-endpoint-lint",
            "10.0.2.0/24"
        )
        .severity,
        Severity::Low
    );
    // The engine's authorization agrees.
    let ep = &net.client_vpn_endpoints["cvpn-endpoint-lint"];
    let dev = vec!["dev".to_string()];
    let auth = |ip: &str| {
        reach::engine::client::authorize(&ep.auth_rules, ip.parse().unwrap(), &dev, true).allowed
    };
    assert!(!auth("10.0.1.5") && !auth("10.0.1.200"));
    assert!(auth("10.0.2.5"));

    let l = run(&json());
    assert_eq!(
        keys(&l, Kind::CvpnAuthOverridden),
        pairs(&[("cvpn-endpoint-0l1n700000000001", "10.0.1.0/24")])
    );
    assert_eq!(
        of(&l, Kind::CvpnAuthOverridden)[0].severity,
        Severity::Medium
    );
}

#[test]
fn blackhole_route() {
    let l = run(&model("routes.yaml"));
    assert_eq!(
        keys(&l, Kind::BlackholeRoute),
        pairs(&[("rtb-app", "10.20.0.0/16"), ("rtb-spare", "0.0.0.0/0")])
    );
    let f = at(&l, Kind::BlackholeRoute, "rtb-app", "10.20.0.0/16");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("subnet-app") && f.subject == "pcx-gone");
    // A table nothing uses: dead, not harmful.
    assert_eq!(
        at(&l, Kind::BlackholeRoute, "rtb-spare", "0.0.0.0/0").severity,
        Severity::Low
    );

    let l = run(&json());
    assert_eq!(
        keys(&l, Kind::BlackholeRoute),
        pairs(&[("rtb-0main00000000000001", "10.20.0.0/16")])
    );
    let f = &of(&l, Kind::BlackholeRoute)[0];
    assert!(
        f.fix
            .contains("delete-route --route-table-id rtb-0main00000000000001 --destination-cidr-block 10.20.0.0/16")
    );
    // Every subnet uses the main table.
    assert_eq!(f.related.len(), 4, "{f:#?}");
}

#[test]
fn sg_unattached() {
    let l = run(&model("sg.yaml"));
    // Not the VPC's default group, which the model adds and AWS never deletes.
    assert_eq!(keys(&l, Kind::SgUnattached), pairs(&[("sg-orphan", "")]));
    let f = &of(&l, Kind::SgUnattached)[0];
    assert_eq!(f.related.len(), 1, "the rule naming it: {f:#?}");

    let l = run(&json());
    // Not sg-0cvpn (the endpoint's), not the default group.
    assert_eq!(
        keys(&l, Kind::SgUnattached),
        pairs(&[("sg-0orphan000000000005", "")])
    );

    // Without any interface the input cannot tell: a note, no finding.
    let mut net = model("sg.yaml");
    net.interfaces.clear();
    net.reindex();
    let l = run(&net);
    assert!(of(&l, Kind::SgUnattached).is_empty() && of(&l, Kind::PeerGroupUnattached).is_empty());
    assert!(l.notes.iter().any(|n| n.contains("no network interface")));
}

#[test]
fn nacl_no_ephemeral_return() {
    let net = model("ephemeral.yaml");
    let l = run(&net);
    assert_eq!(
        keys(&l, Kind::NaclNoEphemeralReturn),
        pairs(&[
            ("acl-client", "outbound rule 100"),
            ("acl-client", "outbound rule 110"),
            ("acl-server", "inbound rule 100"),
            ("acl-server", "inbound rule 110"),
        ])
    );
    // The Windows client's replies only: 61000-65535 to 10.0.1.20.
    let f = at(
        &l,
        Kind::NaclNoEphemeralReturn,
        "acl-server",
        "inbound rule 100",
    );
    let want = PacketSet::product(&[
        (Field::Proto, tcp()),
        (Field::Dst, host("10.0.1.20")),
        (Field::DstPort, ports(61000, 65535)),
    ]);
    assert!(set(f, "replies").same_as(&want), "{f:#?}");
    assert!(f.fix.contains("--egress") && f.fix.contains("From=61000,To=65535"));
    // IPv6 is kept: the replies to IPv6 clients.
    let f = at(
        &l,
        Kind::NaclNoEphemeralReturn,
        "acl-server",
        "inbound rule 110",
    );
    let dst = set(f, "replies").project(Field::Dst);
    assert!(!dst.is_empty() && dst.is_subset(&hs::all_v6()));
    assert!(f.fix.contains("--ipv6-cidr-block ::/0"));
    // The symmetric case: replies from the internet to the subnet's own
    // clients (Linux 32768-60999, Windows 49152-65535).
    let f = at(
        &l,
        Kind::NaclNoEphemeralReturn,
        "acl-client",
        "outbound rule 100",
    );
    assert_eq!(
        set(f, "replies").project(Field::DstPort),
        ports(32768, 65535)
    );
    // The engine agrees: Windows partial, Linux reachable.
    assert_eq!(check(&net, "i-win->10.0.2.10:22").verdict, "partial");
    assert_eq!(check(&net, "i-linux->10.0.2.10:22").verdict, "reachable");

    let l = run(&json());
    assert_eq!(
        keys(&l, Kind::NaclNoEphemeralReturn),
        pairs(&[
            ("acl-0app00000000000001", "inbound rule 100"),
            ("acl-0app00000000000001", "outbound rule 110"),
        ])
    );
    // The seed 004 variant without the return entry.
    let seed = run(&load_model_path(
        "tests/data/seed-004-neg-nacl-no-ephemeral.yaml",
    ));
    assert!(
        keys(&seed, Kind::NaclNoEphemeralReturn)
            .contains(&("acl-0c4a0server0001".into(), "inbound rule 100".into()))
    );
}

#[test]
fn the_json_snapshot_has_every_kind_and_the_examples_none() {
    let l = run(&json());
    let kinds: BTreeSet<Kind> = l.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, Kind::ALL.into_iter().collect(), "{:#?}", l.findings);
    // Worst first.
    assert!(
        l.findings
            .windows(2)
            .all(|w| w[0].severity >= w[1].severity)
    );
    for m in [
        "two-tier.yaml",
        "seed-000-va-tcp-ssh.yaml",
        "seed-001-saml-nat.yaml",
        "seed-002-saml-group-split.yaml",
        "seed-003-ad-onprem.yaml",
        "seed-004-cert-split.yaml",
    ] {
        let l = run(&super::support::load_model(m));
        assert!(l.findings.is_empty(), "{m}: {:#?}", l.findings);
    }
}

#[test]
fn every_kind_has_a_documented_rule_id() {
    for k in Kind::ALL {
        let id = k.rule_id();
        assert!(id.starts_with("reach/lint/"));
        let doc = reach::render::findings::RULES
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("{id} is not in RULES"));
        assert!(!doc.short.is_empty() && !doc.full.is_empty());
        assert_eq!(Kind::parse(k.name()), Ok(k));
    }
    let e = Kind::parse("shadow").unwrap_err().to_string();
    assert!(e.starts_with("unknown lint kind `shadow`: expected one of nacl-shadowed"));
}

#[test]
fn cli_exit_codes_and_only() {
    let r = reach(&["lint", "--model", "models/two-tier.yaml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "reach lint: no findings\n");

    let r = reach(&["lint", "--model", "tests/data/lint/nacl.yaml"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("reach lint: 5 findings (2 medium, 3 low)\n")
    );
    assert!(
        r.stdout
            .contains("\nmedium nacl-shadowed acl-web inbound rule 100\n")
    );

    let r = reach(&[
        "lint",
        "--snapshot",
        JSON,
        "--only",
        "nacl-redundant,blackhole-route",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let kinds: BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["nacl-redundant", "blackhole-route"]));

    // Only kinds with nothing to find: exit 0.
    let r = reach(&[
        "lint",
        "--model",
        "tests/data/lint/nacl.yaml",
        "--only",
        "sg-unattached",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    let r = reach(&[
        "lint",
        "--model",
        "tests/data/lint/nacl.yaml",
        "--only",
        "bogus",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("error: unknown lint kind `bogus`: expected one of"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    let r = reach(&["lint"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no input"), "{}", r.stderr);
    let r = reach(&["lint", "--model", "tests/data/lint/missing.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn cli_json_is_complete() {
    let r = reach(&["lint", "--snapshot", JSON, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(
        v["summary"]["findings"].as_u64(),
        Some(findings.len() as u64)
    );
    assert_eq!(
        v["summary"]["medium"].as_u64().unwrap() + v["summary"]["low"].as_u64().unwrap(),
        findings.len() as u64
    );
    for f in findings {
        let kind = f["kind"].as_str().unwrap();
        assert_eq!(f["rule_id"], format!("reach/lint/{kind}"));
        assert!(matches!(f["severity"].as_str(), Some("low" | "medium")));
        for key in ["resource", "message", "fix"] {
            assert!(f[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {f}");
        }
    }
    // A partly shadowed entry: what remains and what it loses, as boxes.
    let partly = findings
        .iter()
        .find(|f| f["kind"] == "nacl-partly-shadowed")
        .unwrap();
    let sets = partly["packets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(
        sets[0]["packets"][0]["ports"],
        serde_json::json!(["20-21", "23-30"])
    );
}

#[test]
fn cli_sarif_validates_and_points_at_lines() {
    let v = sarif_schema();
    for (flag, input) in [
        ("--snapshot", JSON),
        ("--model", "tests/data/lint/nacl.yaml"),
        ("--model", "tests/data/lint/cvpn.yaml"),
        ("--model", "tests/data/lint/routes.yaml"),
    ] {
        let r = reach(&["lint", flag, input, "--format", "sarif"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let doc: Value = serde_json::from_str(&r.stdout).expect("SARIF is JSON");
        let errors = schema_errors(&v, &doc);
        assert!(errors.is_empty(), "{input}: {errors:#?}");
        let run = &doc["runs"][0];
        assert!(
            run["automationDetails"]["id"]
                .as_str()
                .is_some_and(|s| s.starts_with("reach/lint/") && s.contains(input))
        );
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let results = run["results"].as_array().unwrap();
        assert!(!results.is_empty());
        let mut prints = BTreeSet::new();
        for res in results {
            let id = res["ruleId"].as_str().unwrap();
            assert!(id.starts_with("reach/lint/") && rules.contains(&id));
            assert!(
                prints.insert(res["partialFingerprints"].to_string()),
                "{res}"
            );
            let p = &res["locations"][0]["physicalLocation"];
            let uri = p["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.starts_with('/') && !uri.contains('\\'), "{uri}");
            let line = p["region"]["startLine"].as_u64().unwrap() as usize;
            let text = std::fs::read_to_string(root().join(uri)).unwrap();
            let at = text.lines().nth(line - 1).unwrap();
            // The line names the resource, the rule's own ID, its number or
            // its destination.
            let msg = res["message"]["text"].as_str().unwrap();
            let (resource, rule) = msg
                .rsplit_once(" (at ")
                .map(|(_, r)| r.trim_end_matches(')'))
                .and_then(|r| r.split_once(", ").or(Some((r, ""))))
                .unwrap();
            let number = rule.rsplit(' ').next().unwrap_or("");
            let ok = at.contains(resource)
                || (!rule.is_empty() && at.contains(rule))
                || (rule.contains(" rule ")
                    && (at.contains(&format!("\"RuleNumber\": {number}"))
                        || at.contains(&format!("rule: {number}"))));
            assert!(ok, "{input}: {msg}: line {line} of {uri} is `{at}`");
        }
    }
    // Stable across runs.
    let a = reach(&["lint", "--snapshot", JSON, "--format", "sarif"]).stdout;
    let b = reach(&["lint", "--snapshot", JSON, "--format", "sarif"]).stdout;
    assert_eq!(a, b);
}

#[test]
fn cli_junit_and_markdown_have_a_case_per_finding() {
    let r = reach(&[
        "lint",
        "--model",
        "tests/data/lint/sg.yaml",
        "--format",
        "junit",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = roxmltree::Document::parse(&r.stdout).expect("XML");
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, run(&model("sg.yaml")).findings.len());
    let r = reach(&[
        "lint",
        "--model",
        "tests/data/lint/sg.yaml",
        "--format",
        "markdown",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("sg-rule-subsumed"), "{}", r.stdout);
}

/// The README's Lint section: its first command runs as it says, its
/// usage line has every flag, its table every kind.
#[test]
fn readme_lint_section_matches_the_cli() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let at = text.find("## Lint: `reach lint`").expect("a Lint section");
    let rest = &text[at..];
    let section = &rest[..rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3)];
    let first = section
        .lines()
        .find(|l| l.starts_with("reach lint "))
        .expect("an example");
    let (cmd, comment) = first.split_once('#').unwrap();
    let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
    let r = reach(&args);
    assert_eq!(r.code, 0, "{first}: {}{}", r.stdout, r.stderr);
    assert!(comment.contains(r.stdout.trim()), "{first}: {}", r.stdout);
    let usage = section
        .lines()
        .find(|l| l.starts_with("`reach lint ["))
        .expect("a usage line");
    let help = reach(&["lint", "--help"]).stdout;
    for word in help.split_whitespace() {
        let flag = word.trim_end_matches(',');
        if flag.starts_with("--") && flag.len() > 2 && !["--help", "--version"].contains(&flag) {
            assert!(
                usage.contains(&format!("[{flag}")),
                "{flag} missing from {usage}"
            );
        }
    }
    for k in Kind::ALL {
        assert!(
            section.contains(&format!("| `{}` |", k.name())),
            "README lacks {}",
            k.name()
        );
    }
}

/// Every input the repository bundles (and the shared fixtures, when
/// present) that loads: `lint` answers without panicking, the same twice,
/// and what it calls removable is removable.
#[test]
fn every_bundled_input_lints_soundly() {
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    let mut inputs: Vec<Network> = Vec::new();
    let mut yaml = Vec::new();
    files(&root().join("models"), &mut yaml);
    files(&root().join("tests/data"), &mut yaml);
    for p in yaml {
        let mut l = Loader::new();
        if l.add_model_path(&p).is_ok()
            && let Ok(net) = l.finish()
        {
            inputs.push(net);
        }
    }
    let mut dirs = vec![
        root().join("tests/data/real-account"),
        root().join("tests/data/seed-003-json"),
        root().join("tests/data/access-json"),
        root().join(JSON),
    ];
    if let Ok(rd) = std::fs::read_dir(root().join("../shared/fixtures/batfish")) {
        dirs.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    for d in dirs {
        let mut l = Loader::new();
        if l.add_snapshot_path(&d).is_ok()
            && let Ok(net) = l.finish()
        {
            inputs.push(net);
        }
    }
    #[cfg(feature = "generate")]
    {
        let mut l = Loader::new();
        for (name, text) in reach::generate::snapshot(&reach::generate::Params::small()) {
            l.add_json(&name, &text).expect("generated document reads");
        }
        inputs.push(l.finish().expect("generated snapshot loads"));
    }
    assert!(inputs.len() >= 20, "{}", inputs.len());
    let (mut subsumed, mut redundant) = (0, 0);
    for net in &inputs {
        let a = run(net);
        subsumed += of(&a, Kind::SgRuleSubsumed).len();
        redundant += of(&a, Kind::NaclRedundant).len();
        let b = run(net);
        let key = |l: &Lint| {
            l.findings
                .iter()
                .map(|f| {
                    (
                        f.kind,
                        f.resource.clone(),
                        f.rule.clone(),
                        f.message.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&a), key(&b));
        redundant_entries_change_nothing(net, &a);
        subsumed_rules_change_nothing(net, &a);
    }
    // Not vacuous: removals were checked.
    eprintln!("{subsumed} covered rules, {redundant} redundant entries checked");
    assert!(subsumed >= 6 && redundant >= 4, "{subsumed} {redundant}");
}
