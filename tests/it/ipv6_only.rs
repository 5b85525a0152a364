//! An IPv6-only interface (an IPv6-only subnet's: AWS assigns it no private
//! IPv4 address, and `describe-network-interfaces` lists no
//! `PrivateIpAddress` and an empty `PrivateIpAddresses`) on AWS CLI JSON.
//! Named by its ID it is its IPv6 address: `check`, `who` and `diff` answer
//! for it (they refused it, or skipped it, as "no private IP address").

use std::path::Path;

use reach::diff::{self, Direction};
use reach::engine::{self, DstSpec};
use reach::model::{Network, Protocol};
use reach::who::{self, Ask, From, Source};
use serde_json::json;

use crate::cli::reach;
use crate::support::{load_snapshot, snapshot_variant};

const ENI: &str = "eni-0app0000000000003";
const V6: &str = "2600:1f18:4a3:6a02::30";

/// `tests/data/real-account` with `ENI` made IPv6-only.
fn snapshot() -> tempfile::TempDir {
    snapshot_variant("tests/data/real-account", "network-interfaces.json", |v| {
        let e = v["NetworkInterfaces"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|e| e["NetworkInterfaceId"] == ENI)
            .unwrap();
        let o = e.as_object_mut().unwrap();
        o.remove("PrivateIpAddress");
        o.remove("PrivateDnsName");
        o.insert("PrivateIpAddresses".into(), json!([]));
        o.insert("Ipv6Native".into(), json!(true));
    })
}

fn load(dir: &Path) -> Network {
    let net = load_snapshot(dir);
    let i = &net.interfaces[ENI];
    assert!(i.private_ips.is_empty(), "{ENI} is IPv6-only");
    net
}

#[test]
fn an_ipv6_only_interface_named_by_its_id_is_its_ipv6_address() {
    let dir = snapshot();
    let net = load(dir.path());
    let by_id = crate::support::check(&net, &format!("eni-0web0000000000001->{ENI}:5432"));
    let by_ip = crate::support::check(&net, &format!("eni-0web0000000000001->[{V6}]:5432"));
    assert_eq!(by_id.verdict, by_ip.verdict);
    assert_eq!(by_id.verdict, "reachable");
    // The command line: answered (not refused), at the IPv6 address.
    let d = dir.path().to_str().unwrap();
    let run = reach(&[
        "check",
        "--snapshot",
        d,
        &format!("eni-0web0000000000001->{ENI}:5432"),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(V6), "{}", run.stdout);
    // From an interface without an IPv6 address: a query stays in one
    // family, so that is an input error naming the source.
    let run = reach(&[
        "check",
        "--snapshot",
        d,
        &format!("eni-0web2000000000002->{ENI}:5432"),
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("has no IPv6 address"), "{}", run.stderr);
}

#[test]
fn who_answers_for_an_ipv6_only_interface_once_at_its_ipv6_address() {
    let dir = snapshot();
    let net = load(dir.path());
    let ask = Ask {
        dst: DstSpec::Eni(ENI.into()),
        services: vec![(Protocol::TCP, (5432, 5432))],
        from: From::All,
    };
    let answer = who::who(&net, &ask).expect("answered, not refused");
    assert_eq!(answer.dst_ip.to_string(), V6);
    assert!(answer.found.iter().all(|f| f.dst.to_string() == V6));
    // Each source once (the address is asked once).
    let mut sources: Vec<String> = answer
        .found
        .iter()
        .filter_map(|f| match &f.source {
            Source::Interfaces { enis, .. } => Some(enis.join(",")),
            _ => None,
        })
        .collect();
    let n = sources.len();
    sources.sort();
    sources.dedup();
    assert_eq!(sources.len(), n, "{sources:?}");
    assert!(
        sources.iter().any(|s| s.contains("eni-0web0000000000001")),
        "{sources:?}"
    );
    crate::who::who_matches_per_interface(&net, ENI, Protocol::TCP, (5432, 5432)).unwrap();
    // The command line too.
    let run = reach(&[
        "who",
        "--snapshot",
        dir.path().to_str().unwrap(),
        &format!("{ENI}:5432"),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("eni-0web0000000000001"),
        "{}",
        run.stdout
    );
    // `engine::Query::resolve_destination` agrees.
    let (ip, eni) = engine::Query::resolve_destination(&net, &DstSpec::Eni(ENI.into())).unwrap();
    assert_eq!(
        (ip.to_string(), eni.as_deref()),
        (V6.to_string(), Some(ENI))
    );
}

#[test]
fn diff_compares_an_ipv6_only_interface() {
    let before = snapshot();
    // A copy of it (an absolute path) with a rule added.
    let after = snapshot_variant(
        before.path().to_str().unwrap(),
        "security-groups.json",
        |v| {
            crate::diff::group(v, "sg-0app00000000000002")["IpPermissions"]
                .as_array_mut()
                .unwrap()
                .push(json!({
                    "IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000,
                    "IpRanges": [], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                    "PrefixListIds": [], "UserIdGroupPairs": []}));
        },
    );
    let (b, a) = (load(before.path()), load(after.path()));
    let d = diff::diff(&b, &a).unwrap();
    let mine: Vec<_> = d.flows.iter().filter(|f| f.dst == ENI).collect();
    assert!(
        !mine.is_empty(),
        "{:#?}",
        d.flows.iter().map(|f| f.class()).collect::<Vec<_>>()
    );
    for f in &mine {
        assert_eq!(f.dst_ip.to_string(), V6);
        assert_eq!(f.direction, Direction::Gained);
        assert_eq!(
            who::ports_of(&f.packets, Protocol::TCP).summary(reach::hs::Field::DstPort),
            "9000"
        );
    }
    // The fast way and the reference way agree.
    crate::diff::fast_diff_matches_full(&b, &a).unwrap();
}

#[test]
fn a_yaml_model_lists_an_ipv6_only_interface_by_its_ipv6_address() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let model = |eni: &str| {
        format!(
            "vpcs:\n  - {{id: vpc-a, cidrs: [10.1.0.0/16, '2600:1f18:1:100::/56']}}\n\
             internet_gateways:\n  - {{id: igw-a, vpc: vpc-a}}\n\
             security_groups:\n  - id: sg-v6\n    vpc: vpc-a\n    ingress:\n      - {{proto: tcp, ports: 22-22, from: '::/0'}}\n\
             network_acls:\n  - id: acl-a\n    vpc: vpc-a\n    inbound:\n      - {{rule: 100, proto: all, cidr: '::/0', action: allow}}\n    outbound:\n      - {{rule: 100, proto: all, cidr: '::/0', action: allow}}\n\
             route_tables:\n  - id: rtb-a\n    vpc: vpc-a\n    main: true\n    routes:\n      - {{dest: '::/0', target: igw-a}}\n\
             subnets:\n  - {{id: subnet-v6, vpc: vpc-a, cidrs: ['2600:1f18:1:101::/64'], az: us-east-1a, nacl: acl-a}}\n\
             interfaces:\n  - {eni}\n"
        )
    };
    let check = |path: &Path| {
        reach(&[
            "check",
            "--model",
            path.to_str().unwrap(),
            "internet->eni-v6:22",
        ])
    };
    let ok = dir.path().join("v6.yaml");
    std::fs::write(
        &ok,
        model("{id: eni-v6, subnet: subnet-v6, ipv6: ['2600:1f18:1:101::10'], groups: [sg-v6]}"),
    )
    .unwrap();
    let run = check(&ok);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2600:1f18:1:101::10"), "{}", run.stdout);
    // Without any address, with a public IPv4 address but no private one,
    // with an `ipv6` entry that is not an IPv6 address: errors naming the
    // interface and the field.
    for (eni, field) in [
        (
            "{id: eni-v6, subnet: subnet-v6, groups: [sg-v6]}",
            "field `ip`",
        ),
        (
            "{id: eni-v6, subnet: subnet-v6, ipv6: ['2600:1f18:1:101::10'], public_ip: 203.0.113.9, groups: [sg-v6]}",
            "field `public_ip`",
        ),
        // Not an IPv6 address.
        (
            "{id: eni-v6, subnet: subnet-v6, ipv6: ['10.1.1.5'], groups: [sg-v6]}",
            "field `ipv6[0]`",
        ),
    ] {
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, model(eni)).unwrap();
        let run = check(&bad);
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("`eni-v6`") && run.stderr.contains(field),
            "{}",
            run.stderr
        );
    }
}
