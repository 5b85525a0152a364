//! Bad input: one line on stderr naming file, resource and field (or the query
//! token), exit code 2, nothing on stdout, no panic.

use std::fs;

use super::cli::{Run, reach};

pub fn assert_error(r: &Run, needles: &[&str]) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(
        r.stdout.is_empty(),
        "no partial output on stdout: {}",
        r.stdout
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let line = r.stderr.trim_end();
    assert!(line.starts_with("error: "), "{line}");
    assert_eq!(line.lines().count(), 1, "one line: {line}");
    for n in needles {
        assert!(line.contains(n), "`{n}` not in: {line}");
    }
}

fn snapshot_with(file: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(file), text).unwrap();
    let p = dir.path().to_string_lossy().into_owned();
    (dir, p)
}

const Q: &str = "10.0.0.5->10.0.0.6:22";

#[test]
fn malformed_json() {
    let (_d, p) = snapshot_with("Vpcs.json", "{\"Vpcs\": [ {\"VpcId\": \"vpc-1\", ");
    assert_error(&reach(&["check", "--snapshot", &p, Q]), &["Vpcs.json"]);
}

#[test]
fn malformed_fetch_manifest() {
    let (_d, p) = snapshot_with(
        "reach-fetch.json",
        r#"{"ReachFetch": {"Region": "us-east-1", "Warnings": [3]}}"#,
    );
    assert_error(
        &reach(&["check", "--snapshot", &p, Q]),
        &["reach-fetch.json", "ReachFetch.Warnings[0]"],
    );
}

#[test]
fn malformed_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.yaml");
    fs::write(&f, "vpcs:\n  - {id: vpc-1, cidr: 10.0.0.0/16\n").unwrap();
    assert_error(
        &reach(&["check", "--model", f.to_str().unwrap(), Q]),
        &["bad.yaml"],
    );
}

#[test]
fn missing_required_field() {
    let (_d, p) = snapshot_with(
        "s.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1"}]}"#,
    );
    assert_error(
        &reach(&["check", "--snapshot", &p, Q]),
        &["s.json", "subnet-1", "CidrBlock"],
    );
}

#[test]
fn reference_to_missing_id() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.yaml");
    fs::write(
        &f,
        "vpcs:\n  - {id: vpc-1, cidr: 10.0.0.0/16}\nsubnets:\n  - {id: subnet-1, vpc: vpc-1, cidr: 10.0.0.0/24}\ninterfaces:\n  - {id: eni-1, subnet: subnet-9, ip: 10.0.0.5}\n",
    )
    .unwrap();
    assert_error(
        &reach(&["check", "--model", f.to_str().unwrap(), Q]),
        &["m.yaml", "eni-1", "subnet", "subnet-9"],
    );
}

#[test]
fn unparsable_cidr() {
    let (_d, p) = snapshot_with(
        "v.json",
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/33"}]}"#,
    );
    assert_error(
        &reach(&["check", "--snapshot", &p, Q]),
        &["v.json", "vpc-1", "CidrBlock", "10.0.0.0/33"],
    );
}

#[test]
fn unknown_source_in_query() {
    assert_error(
        &reach(&[
            "check",
            "--model",
            "models/two-tier.yaml",
            "i-nope->10.0.2.35:22",
        ]),
        &["`i-nope`"],
    );
}

#[test]
fn private_source_address_not_in_input() {
    assert_error(
        &reach(&[
            "check",
            "--model",
            "models/two-tier.yaml",
            "10.0.9.9->10.0.2.35:22",
        ]),
        &["`10.0.9.9`"],
    );
}

#[test]
fn malformed_query() {
    for q in [
        "i-bastion 10.0.2.35:22",
        "i-bastion->10.0.2.35",
        "i-bastion->10.0.2.35:99999",
        "i-bastion->10.0.2.35:22/sctp",
    ] {
        let r = reach(&["check", "--model", "models/two-tier.yaml", q]);
        assert_error(&r, &["query"]);
    }
}

#[test]
fn missing_input_file() {
    assert_error(
        &reach(&["check", "--model", "models/nope.yaml", Q]),
        &["models/nope.yaml"],
    );
}

#[test]
fn no_input_at_all() {
    assert_error(&reach(&["check", Q]), &["no input"]);
}

// ---------------------------------------------------------------------------
// The YAML model's IDs and subnet CIDRs (issue 10, item 3)
// ---------------------------------------------------------------------------

/// Writes `files` (name, text) into a fresh directory; their paths as strings.
fn files(list: &[(&str, &str)]) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = list
        .iter()
        .map(|(name, text)| {
            let p = dir.path().join(name);
            fs::write(&p, text).unwrap();
            p.to_string_lossy().into_owned()
        })
        .collect();
    (dir, paths)
}

const DUAL_VPC: &str = "vpcs:\n  - {id: vpc-1, cidrs: [10.0.0.0/16, '2001:db8::/56']}\n  - {id: vpc-2, cidr: 10.2.0.0/16}\n";

/// `DUAL_VPC`, subnet `subnet-a` (10.0.0.0/24, 2001:db8::/64) and `rest`.
fn model_with(rest: &str) -> String {
    format!(
        "{DUAL_VPC}subnets:\n  - {{id: subnet-a, vpc: vpc-1, cidrs: [10.0.0.0/24, '2001:db8::/64']}}\n{rest}"
    )
}

#[test]
fn yaml_ids_are_unique_and_not_empty() {
    for (rest, needle) in [
        (
            "  - {id: subnet-a, vpc: vpc-1, cidr: 10.0.1.0/24}\n",
            "m.yaml`: subnets[1]: field `id`: duplicate id `subnet-a`: subnets[0] has it too",
        ),
        (
            "security_groups:\n  - {id: subnet-a, vpc: vpc-1}\n",
            "m.yaml`: security_groups[0]: field `id`: duplicate id `subnet-a`: subnets[0] has it too",
        ),
        (
            "internet_gateways:\n  - {id: gw-1, vpc: vpc-1}\negress_only_internet_gateways:\n  - {id: gw-1, vpc: vpc-1}\n",
            "m.yaml`: egress_only_internet_gateways[0]: field `id`: duplicate id `gw-1`: internet_gateways[0] has it too",
        ),
        (
            "  - {id: '', vpc: vpc-1, cidr: 10.0.1.0/24}\n",
            "m.yaml`: subnets[1]: field `id`: empty",
        ),
        (
            "interfaces:\n  - {id: '  ', subnet: subnet-a, ip: 10.0.0.5}\n",
            "m.yaml`: interfaces[0]: field `id`: empty",
        ),
    ] {
        let (_d, p) = files(&[("m.yaml", &model_with(rest))]);
        assert_error(&reach(&["check", "--model", &p[0], Q]), &[needle]);
    }
}

/// Across model files, an ID of the same kind replaces (what-if models, a
/// warning when they differ); an ID of another kind is an error.
#[test]
fn yaml_ids_across_model_files() {
    let base = model_with("");
    let (_d, p) = files(&[
        ("a.yaml", &base),
        ("b.yaml", "security_groups:\n  - {id: vpc-1, vpc: vpc-1}\n"),
    ]);
    assert_error(
        &reach(&["check", "--model", &p[0], "--model", &p[1], Q]),
        &[
            "b.yaml`: security_groups[0]: field `id`: `vpc-1` is already the id of a vpc in `",
            "a.yaml`: an id names one resource",
        ],
    );

    let mut l = reach::ingest::Loader::new();
    l.add_yaml("a.yaml", &base).unwrap();
    l.add_yaml(
        "b.yaml",
        "subnets:\n  - {id: subnet-a, vpc: vpc-1, cidr: 10.0.0.0/25}\n",
    )
    .unwrap();
    let net = l.finish().unwrap();
    assert_eq!(net.subnets["subnet-a"].cidrs.len(), 1);
    assert!(
        net.warnings
            .iter()
            .any(|w| w.contains("subnet `subnet-a` replaces the one from `a.yaml`")),
        "{:?}",
        net.warnings
    );
}

#[test]
fn yaml_subnets_lie_in_their_vpc_and_do_not_overlap() {
    for (rest, needle) in [
        (
            "  - {id: subnet-b, vpc: vpc-1, cidr: 10.1.0.0/24}\n",
            "m.yaml`: subnet `subnet-b`: field `cidr`: `10.1.0.0/24` is outside vpc `vpc-1`'s ipv4 cidrs (10.0.0.0/16)",
        ),
        (
            "  - {id: subnet-b, vpc: vpc-1, cidrs: [10.0.1.0/24, '2001:db8:1::/64']}\n",
            "m.yaml`: subnet `subnet-b`: field `cidrs[1]`: `2001:db8:1::/64` is outside vpc `vpc-1`'s ipv6 cidrs (2001:db8::/56)",
        ),
        (
            "  - {id: subnet-b, vpc: vpc-2, cidr: 10.2.0.0/24, cidrs: ['2001:db8::/64']}\n",
            "m.yaml`: subnet `subnet-b`: field `cidrs[0]`: `2001:db8::/64` is outside vpc `vpc-2`, which has no ipv6 cidr",
        ),
        (
            "  - {id: subnet-b, vpc: vpc-1, cidr: 10.0.0.128/25}\n",
            "m.yaml`: subnet `subnet-b`: field `cidr`: `10.0.0.128/25` overlaps `10.0.0.0/24` of subnet `subnet-a`: subnets of vpc `vpc-1` do not overlap",
        ),
        (
            "  - {id: subnet-b, vpc: vpc-1, cidrs: [10.0.1.0/24, '2001:db8::/60']}\n",
            "m.yaml`: subnet `subnet-b`: field `cidrs[1]`: `2001:db8::/60` overlaps `2001:db8::/64` of subnet `subnet-a`: subnets of vpc `vpc-1` do not overlap",
        ),
    ] {
        let (_d, p) = files(&[("m.yaml", &model_with(rest))]);
        assert_error(&reach(&["check", "--model", &p[0], Q]), &[needle]);
    }
}

/// A model over a snapshot: its subnets meet the snapshot's, and a VPC it
/// redefines must still hold the snapshot's subnets.
#[test]
fn yaml_subnets_and_vpcs_over_a_snapshot() {
    let (_d, p) = files(&[
        (
            "Vpcs.json",
            r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#,
        ),
        (
            "Subnets.json",
            r#"{"Subnets": [{"SubnetId": "subnet-s", "VpcId": "vpc-1", "CidrBlock": "10.0.5.0/24"}]}"#,
        ),
        (
            "overlap.yaml",
            "subnets:\n  - {id: subnet-m, vpc: vpc-1, cidr: 10.0.4.0/23}\n",
        ),
        ("vpc.yaml", "vpcs:\n  - {id: vpc-1, cidr: 10.0.0.0/22}\n"),
    ]);
    let (vpcs, subnets) = (&p[0], &p[1]);
    assert_error(
        &reach(&[
            "check",
            "--snapshot",
            vpcs,
            "--snapshot",
            subnets,
            "--model",
            &p[2],
            Q,
        ]),
        &[
            "overlap.yaml`: subnet `subnet-m`: field `cidr`: `10.0.4.0/23` overlaps `10.0.5.0/24` of subnet `subnet-s` (in `",
            "Subnets.json`): subnets of vpc `vpc-1` do not overlap",
        ],
    );
    assert_error(
        &reach(&[
            "check",
            "--snapshot",
            vpcs,
            "--snapshot",
            subnets,
            "--model",
            &p[3],
            Q,
        ]),
        &[
            "vpc.yaml`: vpc `vpc-1`: field `cidr`: subnet `subnet-s` of `",
            "Subnets.json`: `10.0.5.0/24` is outside vpc `vpc-1`'s ipv4 cidrs (10.0.0.0/22)",
        ],
    );
}

/// A subnet as large as its VPC, adjacent subnets (IPv4 and IPv6), and the
/// same CIDR in two VPCs (AWS allows overlapping VPCs) load without a warning.
#[test]
fn yaml_subnets_equal_to_the_vpc_and_adjacent_load() {
    let model = "vpcs:
  - {id: vpc-1, cidr: 10.0.0.0/24}
  - {id: vpc-2, cidrs: [10.1.0.0/16, '2001:db8:1::/56']}
  - {id: vpc-3, cidr: 10.0.0.0/24}
subnets:
  - {id: subnet-a, vpc: vpc-1, cidr: 10.0.0.0/24}
  - {id: subnet-b, vpc: vpc-2, cidrs: [10.1.0.0/25, '2001:db8:1::/64']}
  - {id: subnet-c, vpc: vpc-2, cidrs: [10.1.0.128/25, '2001:db8:1:1::/64']}
  - {id: subnet-d, vpc: vpc-3, cidr: 10.0.0.0/24}
interfaces:
  - {id: eni-b, subnet: subnet-b, ip: 10.1.0.10, ipv6: ['2001:db8:1::10']}
  - {id: eni-c, subnet: subnet-c, ip: 10.1.0.200, ipv6: ['2001:db8:1:1::10']}
";
    let mut l = reach::ingest::Loader::new();
    l.add_yaml("ok.yaml", model).unwrap();
    let net = l.finish().unwrap();
    assert!(net.warnings.is_empty(), "{:?}", net.warnings);

    let (_d, p) = files(&[("ok.yaml", model)]);
    for q in [
        "eni-b->10.1.0.200:22",
        "eni-b->[2001:db8:1:1::10]:128/icmpv6",
    ] {
        let r = reach(&["check", "--model", &p[0], q]);
        assert_eq!(r.code, 0, "{q}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.starts_with("reachable"), "{q}: {}", r.stdout);
    }
}

/// AWS CLI JSON: the same resource described twice (identical) merges
/// silently; a subnet outside its VPC or overlapping another is a warning
/// (documents of different times), not an error; an empty ID is an error.
#[test]
fn json_snapshots_keep_their_merging_and_warn_on_subnet_cidrs() {
    let vpcs = r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#;
    let mut l = reach::ingest::Loader::new();
    l.add_json("a/Vpcs.json", vpcs).unwrap();
    l.add_json("b/Vpcs.json", vpcs).unwrap();
    l.add_json(
        "a/Subnets.json",
        r#"{"Subnets": [
            {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"},
            {"SubnetId": "subnet-2", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/25"},
            {"SubnetId": "subnet-3", "VpcId": "vpc-1", "CidrBlock": "10.9.0.0/24"}
        ]}"#,
    )
    .unwrap();
    let net = l.finish().unwrap();
    assert_eq!(
        net.warnings,
        [
            "`a/Subnets.json`: subnet `subnet-2`: field `CidrBlock`: `10.0.0.0/25` overlaps `10.0.0.0/24` of subnet `subnet-1` in vpc `vpc-1`, which aws does not allow (documents taken at different times, or edited?)",
            "`a/Subnets.json`: subnet `subnet-3`: field `CidrBlock`: `10.9.0.0/24` is outside vpc `vpc-1`'s ipv4 cidrs (10.0.0.0/16), which aws does not allow (documents taken at different times, or edited?)",
        ]
    );

    let (_d, p) = snapshot_with(
        "s.json",
        r#"{"Subnets": [{"SubnetId": "", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"}]}"#,
    );
    assert_error(
        &reach(&["check", "--snapshot", &p, Q]),
        &["s.json`: subnet ``: field `SubnetId`: empty: every resource has an id"],
    );
}

// ---------------------------------------------------------------------------
// ICMP and the address family (issue 10, item 4)
// ---------------------------------------------------------------------------

#[test]
fn icmp_of_the_other_family_is_an_error_showing_the_right_spelling() {
    let snap = "tests/data/real-account";
    assert_error(
        &reach(&[
            "check",
            "--snapshot",
            snap,
            "internet->[2600:1f18:4a3:6a01::10]:128/icmp",
        ]),
        &[
            "query `internet->[2600:1f18:4a3:6a01::10]:128/icmp`: `icmp` to the IPv6 address 2600:1f18:4a3:6a01::10: use `icmpv6` (`internet->[2600:1f18:4a3:6a01::10]:128/icmpv6`)",
        ],
    );
    assert_error(
        &reach(&[
            "check",
            "--snapshot",
            snap,
            "eni-0web0000000000001->10.0.2.30:8/icmpv6",
        ]),
        &[
            "`icmpv6` to the IPv4 address 10.0.2.30: use `icmp` (`eni-0web0000000000001->10.0.2.30:8/icmp`)",
        ],
    );
    // The family of an `i-…` destination is known once it is resolved.
    assert_error(
        &reach(&[
            "check",
            "--snapshot",
            snap,
            "eni-0web0000000000001->i-0app0000000000003:8/icmpv6",
        ]),
        &[
            "`icmpv6` to the IPv4 address",
            "use `icmp` (`eni-0web0000000000001->i-0app0000000000003:8/icmp`)",
        ],
    );
}
