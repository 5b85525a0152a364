//! AWS Verified Access (aws-semantics.md §7): Cedar policies evaluated by the
//! real Cedar engine, endpoint types and ports, and the path into the VPC from
//! the endpoint's network interfaces, on seed 000 (models/) and variants of it.

use super::cli::reach;
use super::support::root;
use reach::engine::va::UserContext;
use reach::engine::{self, QueryOptions, QuerySpec};
use reach::ingest::Loader;
use reach::model::Network;
use reach::render::Report;

pub(crate) const SEED0: &str = "models/seed-000-va-tcp-ssh.yaml";
const VAE: &str = "vae-0818a4b1cbed80b83";
const GROUP: &str = "vagr-0d0499000000001";
const TARGET_SG: &str = "sg-0d0499stepbox00001";
pub(crate) const DEV: &str = "95671c31-dev";
pub(crate) const OPS: &str = "95671c31-ops";

const TRUE_POLICY: &str =
    "      permit(principal,action,resource)\n      when {\n          true\n      };\n";

pub(crate) fn seed_text() -> String {
    std::fs::read_to_string(root().join(SEED0)).expect("seed 000 model")
}

pub(crate) fn load_text(text: &str) -> Network {
    let mut l = Loader::new();
    l.add_yaml("variant.yaml", text).expect("model parses");
    l.finish().expect("model lowers")
}

/// Seed 000 with its group policy replaced (`None`: no policy at all).
pub(crate) fn with_group_policy(policy: Option<&str>) -> String {
    let text = seed_text();
    assert!(text.contains(TRUE_POLICY));
    match policy {
        Some(p) => text.replace(TRUE_POLICY, &format!("      {p}\n")),
        None => text.replace(&format!("    policy: |\n{TRUE_POLICY}"), ""),
    }
}

fn ask_with(net: &Network, query: &str, opts: QueryOptions) -> Report {
    let q = engine::Query::resolve_with(net, QuerySpec::parse(query).unwrap(), &opts)
        .expect("resolves");
    Report::new(&engine::check(net, q), net)
}

fn ask(net: &Network, query: &str, groups: &[&str]) -> Report {
    ask_with(
        net,
        query,
        QueryOptions {
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..QueryOptions::default()
        },
    )
}

pub(crate) const SSH: &str = "client->10.0.2.35:22";

pub(crate) fn dev_policy() -> String {
    format!(r#"permit(principal, action, resource) when {{ context.idc.groups has "{DEV}" }};"#)
}

#[test]
fn seed_000_reaches_ssh_for_the_permitted_users() {
    let net = super::support::load_model("seed-000-va-tcp-ssh.yaml");
    for groups in [&[][..], &[DEV][..]] {
        let r = ask(&net, SSH, groups);
        assert_eq!(r.verdict, "reachable", "{groups:?}: {:?}", r.blocked_by);
        let p = &r.paths[0];
        let hops: Vec<(&str, &str)> = p
            .hops
            .iter()
            .map(|h| (h.component.as_str(), h.rule.as_str()))
            .collect();
        // In the order the packet meets them: endpoint, group policy, endpoint
        // SG, route, target SG, delivery; the reply comes back through both SGs.
        let order = [
            VAE,
            GROUP,
            "sg-0d0499va0endpoint1",
            TARGET_SG,
            "eni-0d0499stepbox0001",
        ];
        let mut at = 0;
        for (c, _) in &hops {
            if at < order.len() && *c == order[at] {
                at += 1;
            }
        }
        assert_eq!(at, order.len(), "{hops:?}");
        assert!(p.return_hops.iter().any(|h| h.component == TARGET_SG));
        assert!(
            r.assumptions.iter().any(
                |a| a.contains("Verified Access network interfaces in subnet-0d04990000000002")
            ),
            "{:?}",
            r.assumptions
        );
    }
}

#[test]
fn seed_000_checks_from_its_header() {
    let net = super::support::load_model("seed-000-va-tcp-ssh.yaml");
    for (q, want) in [
        (SSH, "reachable"),
        ("client->10.0.2.35:80", "unreachable"),
        ("client->10.0.2.35:22/udp", "unreachable"),
    ] {
        assert_eq!(ask(&net, q, &[]).verdict, want, "{q}");
    }
    let run = reach(&["check", "--model", SEED0, "--via", VAE, SSH]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("reachable"), "{}", run.stdout);
}

#[test]
fn group_policy_permits_one_group_and_denies_another() {
    let net = load_text(&with_group_policy(Some(&dev_policy())));
    assert_eq!(ask(&net, SSH, &[DEV]).verdict, "reachable");
    let r = ask(&net, SSH, &[OPS]);
    assert_eq!(r.verdict, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!(
        (b.component.as_str(), b.kind),
        (GROUP, "verified-access-group")
    );
    assert!(b.reason.contains("no permit statement"), "{}", b.reason);
    // Without --group: the group the policy names, and a user in no group.
    let r = ask(&net, SSH, &[]);
    assert_eq!(r.verdict, "partial");
    let per_user: Vec<(Option<&str>, &str)> = r
        .access
        .iter()
        .map(|a| (a.group.as_deref(), a.verdict))
        .collect();
    assert_eq!(
        per_user,
        vec![(Some(DEV), "reachable"), (None, "unreachable")]
    );
}

/// Seed 000 with an endpoint policy permitting group `DEV` only.
pub(crate) fn with_endpoint_policy() -> String {
    seed_text().replace(
        "    security_groups: [sg-0d0499va0endpoint1]\n",
        &format!(
            "    security_groups: [sg-0d0499va0endpoint1]\n    policy: '{}'\n",
            dev_policy()
        ),
    )
}

/// Seed 000 with its group policy disabled.
pub(crate) fn with_group_policy_disabled() -> String {
    seed_text().replace(
        "    instance: vai-0d25a84f343f84fe3\n    policy: |",
        "    instance: vai-0d25a84f343f84fe3\n    policy_enabled: false\n    policy: |",
    )
}

/// Seed 000 carrying ports 22 and 8000-8080.
pub(crate) fn with_port_ranges() -> String {
    seed_text().replace("    ports: 22\n", "    ports: [22, 8000-8080]\n")
}

/// Seed 000 with the target SG allowing `peer` (a CIDR) instead of the endpoint's SG.
pub(crate) fn with_target_sg_from(peer: &str) -> String {
    seed_text().replace("from: sg-0d0499va0endpoint1", &format!("from: {peer}"))
}

/// Seed 000 with a `cidr` endpoint for 10.0.2.0/24.
pub(crate) fn with_cidr_endpoint() -> String {
    seed_text().replace(
        "    type: network-interface\n    interface: eni-0d0499stepbox0001\n",
        "    type: cidr\n    cidr: 10.0.2.0/24\n    subnets: [subnet-0d04990000000002]\n",
    )
}

/// Seed 000 with a `load-balancer` endpoint whose interfaces the input lacks.
pub(crate) fn with_load_balancer_endpoint() -> String {
    seed_text().replace(
        "    type: network-interface\n    interface: eni-0d0499stepbox0001\n",
        "    type: load-balancer\n    load_balancer: arn:aws:elasticloadbalancing:ap-northeast-1:111122223333:loadbalancer/net/ssh/0123456789abcdef\n    subnets: [subnet-0d04990000000002]\n",
    )
}

/// Seed 000 with an `rds` endpoint; `with_eni`: an RDS interface 10.0.2.50 in the input.
pub(crate) fn with_rds_endpoint(with_eni: bool) -> String {
    let rds = seed_text().replace(
        "    type: network-interface\n    interface: eni-0d0499stepbox0001\n",
        "    type: rds\n    rds: arn:aws:rds:ap-northeast-1:111122223333:db:app\n    subnets: [subnet-0d04990000000002]\n",
    );
    if !with_eni {
        return rds;
    }
    rds.replace(
        "interfaces:\n",
        "interfaces:\n  - {id: eni-0d0499rds00000001, subnet: subnet-0d04990000000002, ip: 10.0.2.50, groups: [sg-0d0499stepbox00001], description: RDSNetworkInterface}\n",
    )
}

#[test]
fn endpoint_policy_narrows_a_permissive_group_policy() {
    let text = with_endpoint_policy();
    let net = load_text(&text);
    assert_eq!(ask(&net, SSH, &[DEV]).verdict, "reachable");
    let r = ask(&net, SSH, &[OPS]);
    assert_eq!(r.verdict, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!(
        (b.component.as_str(), b.kind),
        (VAE, "verified-access-endpoint")
    );
    // Disabling the endpoint policy leaves the group policy to decide.
    let off = load_text(&text.replace(
        &format!("    policy: '{}'\n", dev_policy()),
        &format!(
            "    policy: '{}'\n    policy_enabled: false\n",
            dev_policy()
        ),
    ));
    assert_eq!(ask(&off, SSH, &[OPS]).verdict, "reachable");
}

#[test]
fn forbid_beats_permit() {
    let p = r#"permit(principal, action, resource); forbid(principal, action, resource) when { context.idc.groups has "contractors" };"#;
    let net = load_text(&with_group_policy(Some(p)));
    assert_eq!(ask(&net, SSH, &[DEV]).verdict, "reachable");
    let r = ask(&net, SSH, &[DEV, "contractors"]);
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by[0].reason.contains("forbid"),
        "{}",
        r.blocked_by[0].reason
    );
    assert!(r.blocked_by[0].fix.as_deref().unwrap().contains("forbid"));
}

#[test]
fn no_policy_or_a_disabled_one_denies() {
    let net = load_text(&with_group_policy(None));
    let r = ask(&net, SSH, &[DEV]);
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by[0].reason.contains("has no policy"),
        "{}",
        r.blocked_by[0].reason
    );
    let r = ask(&load_text(&with_group_policy_disabled()), SSH, &[DEV]);
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by[0].reason.contains("disabled"),
        "{}",
        r.blocked_by[0].reason
    );
}

#[test]
fn a_port_outside_the_endpoint_ranges_is_unreachable_and_ranges_split() {
    let net = load_text(&with_port_ranges());
    let r = ask(&net, "client->10.0.2.35:8080", &[]);
    // Carried, then stopped by the target SG (22 only).
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(r.blocked_by[0].component, TARGET_SG);
    let r = ask(&net, "client->10.0.2.35:8081", &[]);
    assert_eq!(r.verdict, "unreachable");
    assert_eq!(r.blocked_by[0].kind, "verified-access-endpoint");
    // A range half inside the endpoint's ports.
    let r = ask(&net, "client->10.0.2.35:21-22", &[]);
    assert_eq!(r.verdict, "partial");
}

#[test]
fn target_sg_without_the_endpoint_sg_blocks_with_its_id() {
    let text = seed_text().replace(
        "      - {proto: tcp, ports: 22, from: sg-0d0499va0endpoint1, description: ssh from Verified Access}\n",
        "      - {proto: tcp, ports: 22, from: 192.168.0.0/16, description: ssh from the office}\n",
    );
    let r = ask(&load_text(&text), SSH, &[]);
    assert_eq!(r.verdict, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!(
        (b.component.as_str(), b.kind),
        (TARGET_SG, "security-group")
    );
    assert_eq!(b.direction, "forward");
    // The subnet's range (where the endpoint's interfaces are) is also accepted.
    let by_cidr = with_target_sg_from("10.0.2.0/24");
    assert_eq!(ask(&load_text(&by_cidr), SSH, &[]).verdict, "reachable");
    // A /32 of one interface address is only part of the subnet: not proven.
    let one = with_target_sg_from("10.0.2.116/32");
    assert_eq!(ask(&load_text(&one), SSH, &[]).verdict, "partial");
}

#[test]
fn cidr_endpoints_reach_any_address_of_their_cidr() {
    let net = load_text(&with_cidr_endpoint());
    assert_eq!(ask(&net, SSH, &[]).verdict, "reachable");
    // Outside the CIDR: the only endpoint leads elsewhere.
    let r = ask(&net, "client->10.0.3.9:22", &[]);
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by[0].reason.contains("10.0.2.0/24"),
        "{}",
        r.blocked_by[0].reason
    );
}

#[test]
fn unresolvable_endpoint_targets_are_unknown() {
    let r = ask(&load_text(&with_load_balancer_endpoint()), SSH, &[]);
    assert_eq!(r.verdict, "unknown");
    assert!(
        r.unknown[0].reason.contains("load balancer"),
        "{:?}",
        r.unknown
    );
    // With the load balancer's interfaces in the input: its address is
    // reached through its security groups; a target behind it is unknown.
    let lb_eni = with_load_balancer_endpoint().replace(
        "interfaces:\n",
        "interfaces:\n  - {id: eni-0d0499nlb00000001, subnet: subnet-0d04990000000002, ip: 10.0.2.60, groups: [sg-0d0499stepbox00001], description: ELB net/ssh/0123456789abcdef}\n",
    );
    let net = load_text(&lb_eni);
    let r = ask(&net, "client->10.0.2.60:22", &[]);
    assert_eq!(r.verdict, "reachable", "{:?}", r.unknown);
    assert!(r.paths[0].hops.iter().any(|h| h.component == TARGET_SG));
    let r = ask(&net, SSH, &[]);
    assert_eq!(r.verdict, "unknown");
    assert!(
        r.unknown[0].reason.contains("target groups"),
        "{:?}",
        r.unknown
    );
    assert_eq!(
        ask(&load_text(&with_rds_endpoint(false)), SSH, &[]).verdict,
        "unknown"
    );
    // An RDS interface in the input resolves it.
    let r = ask(
        &load_text(&with_rds_endpoint(true)),
        "client->10.0.2.50:22",
        &[],
    );
    assert_eq!(r.verdict, "reachable", "{:?}", r.unknown);
}

/// Seed 000 with a Jamf trust provider and a group policy reading its `risk`.
pub(crate) fn with_device_posture_policy() -> String {
    let p = r#"permit(principal, action, resource) when { context.jamf.risk == "LOW" };"#;
    with_group_policy(Some(p)).replace(
        "verified_access_instances:\n  - {id: vai-0d25a84f343f84fe3, trust_providers: [vatp-0268c7f307ace7590]}",
        "  - {id: vatp-0d0499jamf000001, type: device, provider: jamf, reference: jamf}\n\nverified_access_instances:\n  - {id: vai-0d25a84f343f84fe3, trust_providers: [vatp-0268c7f307ace7590, vatp-0d0499jamf000001]}",
    )
}

#[test]
fn context_file_carries_device_posture_and_missing_trust_data_is_unknown() {
    let text = with_device_posture_policy();
    let net = load_text(&text);
    let ctx = |risk: &str| QueryOptions {
        context: Some(UserContext {
            source: "ctx.json".into(),
            value: serde_json::json!({ "jamf": { "risk": risk } }),
        }),
        ..QueryOptions::default()
    };
    assert_eq!(ask_with(&net, SSH, ctx("LOW")).verdict, "reachable");
    assert_eq!(ask_with(&net, SSH, ctx("HIGH")).verdict, "unreachable");
    // Without --context the policy reads data nobody gave: `unknown` for the
    // users it concerns (exit 1), naming the group and `--context` (issue 17).
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.yaml");
    std::fs::write(&model, &text).unwrap();
    let m = model.to_str().unwrap();
    let run = reach(&["check", "--model", m, SSH]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("unknown:"), "{}", run.stdout);
    assert!(
        run.stdout.contains(GROUP) && run.stdout.contains("--context"),
        "{}",
        run.stdout
    );
    // A malformed --context file is still an input error.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"jamf": "#).unwrap();
    let run = reach(&[
        "check",
        "--model",
        m,
        "--context",
        bad.to_str().unwrap(),
        SSH,
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("bad.json"), "{}", run.stderr);
    let cf = dir.path().join("ctx.json");
    std::fs::write(&cf, r#"{"jamf": {"risk": "LOW"}}"#).unwrap();
    let run = reach(&[
        "check",
        "--model",
        m,
        "--context",
        cf.to_str().unwrap(),
        SSH,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn invalid_cedar_is_an_error_naming_file_resource_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("bad.yaml");
    std::fs::write(
        &model,
        with_group_policy(Some("permit(principal, action, resource) when { ")),
    )
    .unwrap();
    let run = reach(&["check", "--model", model.to_str().unwrap(), SSH]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    let e = run.stderr.trim();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("bad.yaml")
            && e.contains(GROUP)
            && e.contains("field `policy`")
            && e.contains("invalid cedar policy"),
        "{e}"
    );
    // --via an unknown endpoint.
    let run = reach(&["check", "--model", SEED0, "--via", "vae-nope", SSH]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("vae-nope"), "{}", run.stderr);
}

/// The AWS CLI's documents and the project's policy documents, beside a YAML
/// model of the VPC: the same answers as the all-YAML seed.
#[test]
fn aws_cli_documents_load_and_give_the_same_answers() {
    let text = seed_text();
    let vpc_only = &text[..text.find("verified_access_trust_providers:").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, body: serde_json::Value| {
        std::fs::write(dir.path().join(name), body.to_string()).unwrap();
    };
    w(
        "instances.json",
        serde_json::json!({"VerifiedAccessInstances": [{
        "VerifiedAccessInstanceId": "vai-0d25a84f343f84fe3", "Description": "",
        "VerifiedAccessTrustProviders": [{"VerifiedAccessTrustProviderId": "vatp-0268c7f307ace7590",
            "TrustProviderType": "user", "UserTrustProviderType": "iam-identity-center"}],
        "CreationTime": "2025-03-06T09:58:00", "FipsEnabled": false}]}),
    );
    w(
        "trust.json",
        serde_json::json!({"VerifiedAccessTrustProviders": [{
        "VerifiedAccessTrustProviderId": "vatp-0268c7f307ace7590", "TrustProviderType": "user",
        "UserTrustProviderType": "iam-identity-center", "PolicyReferenceName": "idc",
        "NativeApplicationOidcOptions": {}}]}),
    );
    w(
        "groups.json",
        serde_json::json!({"VerifiedAccessGroups": [{
        "VerifiedAccessGroupId": GROUP, "VerifiedAccessInstanceId": "vai-0d25a84f343f84fe3",
        "Owner": "111122223333"}]}),
    );
    w(
        "endpoints.json",
        serde_json::json!({"VerifiedAccessEndpoints": [{
        "VerifiedAccessInstanceId": "vai-0d25a84f343f84fe3", "VerifiedAccessGroupId": GROUP,
        "VerifiedAccessEndpointId": VAE, "EndpointType": "network-interface", "AttachmentType": "vpc",
        "SecurityGroupIds": ["sg-0d0499va0endpoint1"],
        "NetworkInterfaceOptions": {"NetworkInterfaceId": "eni-0d0499stepbox0001", "Protocol": "tcp",
            "PortRanges": [{"FromPort": 22, "ToPort": 22}]},
        "Status": {"Code": "active"}, "EndpointDomain": "itismydomain.vai-0d25a84f343f84fe3.prod.verified-access.ap-northeast-1.amazonaws.com"}]}),
    );
    w(
        "group-policies.json",
        serde_json::json!({"VerifiedAccessGroupPolicies": [{
        "VerifiedAccessGroupId": GROUP, "PolicyEnabled": true, "PolicyDocument": dev_policy()}]}),
    );
    std::fs::write(dir.path().join("vpc.yaml"), vpc_only).unwrap();
    let mut l = Loader::new();
    l.add_model_path(&dir.path().join("vpc.yaml")).unwrap();
    for f in [
        "instances",
        "trust",
        "groups",
        "endpoints",
        "group-policies",
    ] {
        l.add_snapshot_path(&dir.path().join(format!("{f}.json")))
            .unwrap();
    }
    let net = l.finish().expect("lowers");
    assert!(net.skipped.is_empty(), "{:?}", net.skipped);
    assert_eq!(ask(&net, SSH, &[DEV]).verdict, "reachable");
    assert_eq!(ask(&net, SSH, &[OPS]).verdict, "unreachable");
    // A policy for a group the input lacks is an error naming it.
    w(
        "group-policies.json",
        serde_json::json!({"VerifiedAccessGroupPolicies": [{
        "VerifiedAccessGroupId": "vagr-nope", "PolicyEnabled": true, "PolicyDocument": "permit(principal,action,resource);"}]}),
    );
    let mut l = Loader::new();
    l.add_model_path(&dir.path().join("vpc.yaml")).unwrap();
    for f in [
        "instances",
        "trust",
        "groups",
        "endpoints",
        "group-policies",
    ] {
        l.add_snapshot_path(&dir.path().join(format!("{f}.json")))
            .unwrap();
    }
    let e = l.finish().unwrap_err().to_string();
    assert!(
        e.contains("vagr-nope") && e.contains("VerifiedAccessGroupId"),
        "{e}"
    );
}

/// Seed 000's VPC with a Client VPN endpoint beside the Verified Access one.
pub(crate) fn with_client_vpn(target_allows_cvpn: bool) -> String {
    let mut text = seed_text()
        .replace(
            "subnets:\n",
            "subnets:\n  - {id: subnet-0d0499cvpn0000010, vpc: vpc-0d04990000000000a, cidr: 10.0.10.0/24, az: ap-northeast-1a}\n",
        )
        .replace(
            "security_groups:\n",
            "security_groups:\n  - {id: sg-0d0499cvpn00000001, vpc: vpc-0d04990000000000a, name: cvpn, ingress: [], egress: [{proto: all, to: 0.0.0.0/0}]}\n",
        );
    if target_allows_cvpn {
        text = text.replace(
            "description: ssh from Verified Access}\n",
            "description: ssh from Verified Access}\n      - {proto: tcp, ports: 22, from: sg-0d0499cvpn00000001}\n",
        );
    }
    text.push_str(
        "\nclient_vpn_endpoints:\n  - id: cvpn-endpoint-0d04990000000001\n    vpc: vpc-0d04990000000000a\n    client_cidr: 172.31.0.0/22\n    split_tunnel: true\n    auth: certificate\n    security_groups: [sg-0d0499cvpn00000001]\n    associations:\n      - {subnet: subnet-0d0499cvpn0000010, id: cvpn-assoc-0d0499000001}\n    authorization:\n      - {dest: 10.0.0.0/16, access_all: true}\n",
    );
    text
}

#[test]
fn client_vpn_and_verified_access_to_one_target_report_both_paths() {
    let r = ask(&load_text(&with_client_vpn(true)), SSH, &[]);
    assert_eq!(r.verdict, "reachable");
    let eps: Vec<(&str, &str)> = r
        .access
        .iter()
        .map(|a| (a.endpoint.as_str(), a.verdict))
        .collect();
    assert!(
        eps.contains(&("cvpn-endpoint-0d04990000000001", "reachable")),
        "{eps:?}"
    );
    assert!(eps.contains(&(VAE, "reachable")), "{eps:?}");
    let vias: std::collections::BTreeSet<&str> = r
        .paths
        .iter()
        .filter_map(|p| p.via.as_ref().map(|v| v.endpoint.as_str()))
        .collect();
    assert_eq!(vias.len(), 2, "{vias:?}");
    // A user reaches the target if any access path works: the Client VPN path
    // blocked by the target SG leaves the verdict reachable, and shows why.
    let r = ask(&load_text(&with_client_vpn(false)), SSH, &[]);
    assert_eq!(r.verdict, "reachable");
    assert!(
        r.access
            .iter()
            .any(|a| a.endpoint.starts_with("cvpn-") && a.verdict == "unreachable"),
        "{:?}",
        r.access
    );
    assert!(r.blocked_by.iter().any(|b| b.component == TARGET_SG));
}

/// What a user sees, text and JSON, for seed 000 (insta snapshots).
#[test]
fn seed_000_output_snapshots() {
    let cases = [
        ("va_seed000_ssh", vec!["--group", DEV, SSH], 0),
        ("va_seed000_port_80", vec!["client->10.0.2.35:80"], 1),
    ];
    for (name, args, code) in cases {
        let mut text = vec!["check", "--model", SEED0];
        text.extend(args.iter().copied());
        let r = reach(&text);
        assert_eq!(r.code, code, "{}{}", r.stdout, r.stderr);
        insta::assert_snapshot!(format!("text_{name}"), r.stdout);
        let mut json = vec!["check", "--format", "json", "--model", SEED0];
        json.extend(args.iter().copied());
        let r = reach(&json);
        assert_eq!(r.code, code);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        assert_eq!(v["access"][0]["endpoint"], VAE);
        insta::assert_snapshot!(format!("json_{name}"), r.stdout);
    }
}
