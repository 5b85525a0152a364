//! `reach assert`: the policy file (native and Network Access Analyzer
//! forms) parsed with errors naming file, assertion and field; every kind
//! holding and violated with a witness; selectors; `only` and `no_exposure`
//! against `who`; the CLI's exit codes; many assertions on one load.

use reach::assert::{self, AssertError, Kind, Selector, Status};
use reach::ingest::Loader;
use reach::model::{Network, Protocol};
use reach::render::AssertReport;
use reach::who::{self, Ask, From};

use crate::cli::reach;
use crate::support::{load_model, root};

const MODEL: &str = "models/two-tier.yaml";

fn run(net: &Network, policy: &str) -> assert::Results {
    let p = assert::parse("policy.yaml", policy).expect("policy parses");
    assert::evaluate(net, &p).expect("policy evaluates")
}

fn one(net: &Network, policy: &str) -> assert::Outcome {
    let r = run(net, policy);
    assert_eq!(r.outcomes.len(), 1);
    r.outcomes.into_iter().next().unwrap()
}

fn parse_err(policy: &str) -> AssertError {
    assert::parse("policy.yaml", policy).expect_err("policy must not parse")
}

// ------------------------------------------------------------------ CLI

#[test]
fn cli_passing_policy_exits_0() {
    let r = reach(&[
        "assert",
        "examples/assert/policy-pass.yaml",
        "--model",
        MODEL,
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("5 assertions: 5 hold, 0 violated, 0 unknown\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("[holds] office reaches the bastion over ssh")
    );
}

#[test]
fn cli_failing_policy_exits_1_with_witness_and_explanation() {
    let r = reach(&[
        "assert",
        "examples/assert/policy-fail.yaml",
        "--model",
        MODEL,
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let out = &r.stdout;
    assert!(
        out.starts_with("3 assertions: 1 hold, 2 violated, 0 unknown\n"),
        "{out}"
    );
    assert!(out.contains("[violated] no ssh from the internet anywhere (no_exposure)"));
    // The witness: one concrete packet, and the check of it.
    assert!(
        out.contains("witness: tcp 198.51.100.0:1024 -> 203.0.113.10:22"),
        "{out}"
    );
    assert!(
        out.contains("flow: internet->eni-bastion@203.0.113.10:22/tcp"),
        "{out}"
    );
    assert!(
        out.contains("resource: sg-bastion (inbound rule ingress[0]"),
        "{out}"
    );
    assert!(
        out.contains("reachable: 198.51.100.0 -> 203.0.113.10:22/tcp"),
        "{out}"
    );
    // must_reach from the whole internet: blocked by the public ACL.
    assert!(
        out.contains("witness: tcp 1.0.0.0:1024 -> 203.0.113.10:22"),
        "{out}"
    );
    assert!(out.contains("resource: acl-public"), "{out}");
}

#[test]
fn cli_naa_scope_example_holds() {
    let r = reach(&["assert", "examples/assert/naa-scope.yaml", "--model", MODEL]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("[holds] nis-0a1b2c3d4e5f60718 (no_exposure)"),
        "{}",
        r.stdout
    );
}

#[test]
fn cli_json_has_every_field_the_integrators_map() {
    let r = reach(&[
        "assert",
        "examples/assert/policy-fail.yaml",
        "--model",
        MODEL,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["summary"], "3 assertions: 1 hold, 2 violated, 0 unknown");
    assert_eq!(v["violated"], 2);
    let a = &v["assertions"][0];
    assert_eq!(a["kind"], "no_exposure");
    assert_eq!(a["status"], "violated");
    let f = &a["findings"][0];
    for key in [
        "status",
        "flow",
        "message",
        "witness",
        "resource",
        "rule",
        "explanation",
    ] {
        assert!(f.get(key).is_some(), "finding lacks `{key}`: {f}");
    }
    assert_eq!(f["flow"], "internet->eni-bastion@203.0.113.10:22/tcp");
    assert_eq!(v["assertions"][2]["status"], "holds");
}

#[test]
fn cli_policy_errors_name_file_assertion_and_field_exit_2() {
    let dir = std::env::temp_dir().join(format!("reach-assert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "assertions:\n  - name: a\n    kind: must_reach\n    from: internet\n    to: i-bastion\n    prots: 22\n",
            "assertion 0 `a`: field `prots`",
        ),
        (
            "assertions:\n  - name: a\n    kind: must_reach\n    from: internet\n    to: i-nothere\n",
            "assertion 0 `a`: field `to[0]`: no instance (with a network interface) `i-nothere` in the input",
        ),
        (
            "assertions:\n  - name: a\n    kind: only\n    to: i-app\n    ports: 70000\n    allowed: []\n",
            "assertion 0 `a`: field `ports[0]`",
        ),
        ("assertions: [\n", "invalid yaml"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let file = dir.join(format!("p{i}.yaml"));
        std::fs::write(&file, text).unwrap();
        let f = file.display().to_string();
        let r = reach(&["assert", &f, "--model", MODEL]);
        assert_eq!(r.code, 2, "case {i}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(&format!("`{f}`")),
            "case {i}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(want), "case {i}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    let r = reach(&["assert", "no/such/policy.yaml", "--model", MODEL]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`no/such/policy.yaml`"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- parsing

#[test]
fn parse_errors_name_assertion_and_field() {
    let e = parse_err("assertions:\n  - name: x\n    from: internet\n    to: i-app\n");
    assert!(
        e.to_string()
            .contains("assertion 0 `x`: field `kind`: missing"),
        "{e}"
    );
    let e = parse_err("assertions:\n  - name: x\n    kind: maybe_reach\n");
    assert!(e.to_string().contains("field `kind`: `maybe_reach`"), "{e}");
    let e = parse_err("assertions:\n  - {name: x, kind: must_reach, to: i-app}\n");
    assert!(e.to_string().contains("field `from`: missing"), "{e}");
    let e = parse_err("assertions:\n  - {name: x, kind: must_reach, from: nowhere, to: i-app}\n");
    assert!(
        e.to_string()
            .contains("field `from[0]`: `nowhere`: expected"),
        "{e}"
    );
    let e = parse_err(
        "assertions:\n  - {name: x, kind: only, to: i-app, allowed: [], from: internet}\n",
    );
    assert!(
        e.to_string()
            .contains("field `from`: not a field of `only`"),
        "{e}"
    );
    let e = parse_err(
        "assertions:\n  - {name: x, kind: must_reach, from: internet, to: i-app, protocol: sctp}\n",
    );
    assert!(e.to_string().contains("field `protocol[0]`: `sctp`"), "{e}");
    let e = parse_err(
        "assertions:\n  - {name: x, kind: must_reach, from: internet, to: i-app, ports: 30-20}\n",
    );
    assert!(e.to_string().contains("field `ports[0]`"), "{e}");
    let e = parse_err(
        "assertions:\n  - {name: x, kind: must_reach, from: internet, to: i-app, groups: [g]}\n",
    );
    assert!(e.to_string().contains("field `groups`"), "{e}");
    let e = parse_err(
        "assertions:\n  - {name: x, kind: consistent}\n  - {name: x, kind: consistent}\n",
    );
    assert!(
        e.to_string().contains("assertion 1 `x`: field `name`"),
        "{e}"
    );
    let e = parse_err("assertions: []\n");
    assert!(e.to_string().contains("no assertion"), "{e}");
    let e = parse_err("- a\n- b\n");
    assert!(
        e.to_string()
            .starts_with("`policy.yaml`: expected a mapping"),
        "{e}"
    );
    // Every message names the file.
    assert!(e.to_string().starts_with("`policy.yaml`"));
}

#[test]
fn selectors_parse() {
    use assert::parse_selector as p;
    assert_eq!(p("internet"), Ok(Selector::Internet));
    assert_eq!(p("client"), Ok(Selector::Client { groups: vec![] }));
    assert_eq!(
        p("tag:Name=web"),
        Ok(Selector::Tag {
            key: "Name".into(),
            value: Some("web".into())
        })
    );
    assert_eq!(p("sg-1"), Ok(Selector::Id("sg-1".into())));
    assert_eq!(
        p("10.0.0.7"),
        Ok(Selector::Cidr("10.0.0.7/32".parse().unwrap()))
    );
    assert_eq!(
        p("10.0.1.9/24"),
        Ok(Selector::Cidr("10.0.1.0/24".parse().unwrap()))
    );
    assert!(p("web").is_err());
    assert!(p("tag:=x").is_err());
}

#[test]
fn services_from_protocols_and_ports() {
    let a = &assert::parse(
        "p",
        "assertions:\n  - {name: x, kind: must_reach, from: internet, to: i-app, protocol: [tcp, udp], ports: [22, '1024-65535']}\n",
    )
    .unwrap()
    .assertions[0];
    let got: Vec<(Protocol, (u16, u16))> =
        a.services.iter().map(|s| (s.protocol, s.ports)).collect();
    assert_eq!(
        got,
        vec![
            (Protocol::TCP, (22, 22)),
            (Protocol::TCP, (1024, 65535)),
            (Protocol::UDP, (22, 22)),
            (Protocol::UDP, (1024, 65535)),
        ]
    );
    // `all` with ports: icmp is every type.
    let a = &assert::parse(
        "p",
        "assertions:\n  - {name: x, kind: must_not_reach, from: internet, to: i-app, protocol: all, ports: 443}\n",
    )
    .unwrap()
    .assertions[0];
    assert!(
        a.services
            .iter()
            .any(|s| s.protocol == Protocol::ICMP && s.ports == (0, 255))
    );
}

// ---------------------------------------------------------------- kinds

#[test]
fn must_reach_holds_and_is_violated() {
    let net = load_model("two-tier.yaml");
    let o = one(
        &net,
        "assertions:\n  - {name: ok, kind: must_reach, from: i-bastion, to: i-app, ports: 22}\n",
    );
    assert_eq!(o.status, Status::Holds, "{}", o.message);
    let o = one(
        &net,
        "assertions:\n  - {name: no, kind: must_reach, from: i-bastion, to: i-app, ports: 9000}\n",
    );
    assert_eq!(o.status, Status::Violated);
    let w = o.witness().unwrap();
    assert_eq!(w.flow, "eni-bastion->eni-app:9000/tcp");
    assert_eq!(
        w.witness.unwrap().to_string(),
        "tcp 10.0.1.10:32768 -> 10.0.2.35:9000"
    );
    assert_eq!(w.resource.as_deref(), Some("sg-app"));
    let text = reach::render::explanation(w, &net).unwrap();
    assert!(
        text.starts_with("unreachable: eni-bastion -> 10.0.2.35:9000/tcp"),
        "{text}"
    );
}

#[test]
fn must_not_reach_holds_and_is_violated() {
    let net = load_model("two-tier.yaml");
    let o = one(
        &net,
        "assertions:\n  - {name: ok, kind: must_not_reach, from: internet, to: i-app, protocol: all}\n",
    );
    assert_eq!(o.status, Status::Holds, "{}", o.message);
    let o = one(
        &net,
        "assertions:\n  - {name: no, kind: must_not_reach, from: 198.51.100.0/24, to: i-bastion, ports: 22}\n",
    );
    assert_eq!(o.status, Status::Violated);
    let w = o.witness().unwrap();
    assert_eq!(w.flow, "internet->eni-bastion@203.0.113.10:22/tcp");
    assert_eq!(w.resource.as_deref(), Some("sg-bastion"));
    // `except` takes the office out.
    let o = one(
        &net,
        "assertions:\n  - {name: ex, kind: must_not_reach, from: internet, to: i-bastion, ports: 22, except: [198.51.100.0/24]}\n",
    );
    assert_eq!(o.status, Status::Holds, "{}", o.message);
}

#[test]
fn only_holds_and_is_violated_as_who_says() {
    let net = load_model("two-tier.yaml");
    let o = one(
        &net,
        "assertions:\n  - {name: ok, kind: only, to: i-app, ports: 22, allowed: [sg-bastion]}\n",
    );
    assert_eq!(o.status, Status::Holds, "{}", o.message);
    // Nobody allowed: one violation per source `who` finds.
    let o = one(
        &net,
        "assertions:\n  - {name: none, kind: only, to: i-app, ports: 22, allowed: []}\n",
    );
    assert_eq!(o.status, Status::Violated);
    let answer = who::who(
        &net,
        &Ask {
            dst: reach::engine::DstSpec::Eni("eni-app".into()),
            services: vec![(Protocol::TCP, (22, 22))],
            from: From::All,
        },
    )
    .unwrap();
    let who_sources: Vec<String> = answer
        .found
        .iter()
        .flat_map(|f| match &f.source {
            who::Source::Interfaces { enis, .. } => enis.clone(),
            who::Source::Internet => vec!["internet".into()],
            who::Source::Access { endpoint, .. } => vec![endpoint.clone()],
        })
        .collect();
    let flows: Vec<String> = o
        .findings
        .iter()
        .map(|f| f.flow.split("->").next().unwrap().to_string())
        .collect();
    assert_eq!(flows, who_sources);
    assert_eq!(flows, vec!["eni-bastion".to_string()]);
}

#[test]
fn no_exposure_agrees_with_who_from_the_internet_per_address() {
    let net = load_model("two-tier.yaml");
    let o = one(
        &net,
        "assertions:\n  - {name: all, kind: no_exposure, protocol: all}\n",
    );
    let mut exposed = Vec::new();
    for i in net.interfaces.values() {
        for t in assert::Target::of_interface(i) {
            for proto in [Protocol::TCP, Protocol::UDP, Protocol::ICMP] {
                let max = if proto.is_icmp() { 255 } else { 65535 };
                let answer = who::who(
                    &net,
                    &Ask {
                        dst: t.spec(),
                        services: vec![(proto, (0, max))],
                        from: From::Internet,
                    },
                )
                .unwrap();
                if answer
                    .found
                    .iter()
                    .any(|f| f.dst == t.ip && !f.reach.some.is_empty())
                {
                    exposed.push(format!("{}/{}", t.label(), proto.name()));
                }
            }
        }
    }
    let got: Vec<String> = o
        .findings
        .iter()
        .filter(|f| f.status == Status::Violated)
        .map(|f| {
            let (dst, rest) = f.flow.split_once("->").unwrap().1.split_once(':').unwrap();
            format!("{dst}/{}", rest.rsplit('/').next().unwrap())
        })
        .collect();
    assert_eq!(got, exposed);
    assert_eq!(got, vec!["eni-bastion@203.0.113.10/tcp".to_string()]);
    // Its witness is from the office, the only internet source allowed.
    let w = o.witness().unwrap().witness.unwrap();
    assert!(
        "198.51.100.0/24"
            .parse::<ipnet::IpNet>()
            .unwrap()
            .contains(&w.src)
    );
    // Excepting the bastion, or allowing the office, it holds.
    for extra in ["except: [i-bastion]", "allow_from: [198.51.100.0/24]"] {
        let o = one(
            &net,
            &format!("assertions:\n  - {{name: x, kind: no_exposure, protocol: all, {extra}}}\n"),
        );
        assert_eq!(o.status, Status::Holds, "{extra}: {}", o.message);
    }
}

#[test]
fn consistent_holds_with_one_route_table_and_is_violated_with_two() {
    let net = load_model("seed-004-cert-split.yaml");
    let o = one(&net, "assertions:\n  - {name: c, kind: consistent}\n");
    assert_eq!(o.status, Status::Holds, "{}", o.message);
    let mut l = Loader::new();
    l.add_model_path(&root().join("tests/data/seed-004-partial-two-assoc-routes.yaml"))
        .unwrap();
    let net = l.finish().unwrap();
    let o = one(
        &net,
        "assertions:\n  - {name: c, kind: consistent, to: 8.8.8.8, protocol: tcp, ports: 443}\n",
    );
    assert_eq!(o.status, Status::Violated);
    let w = o.witness().unwrap();
    assert_eq!(w.resource.as_deref(), Some("cvpn-assoc-0c4a0target011"));
    assert!(
        w.message
            .contains("gets there and back through cvpn-assoc-0c4a0target010 but not through cvpn-assoc-0c4a0target011"),
        "{}",
        w.message
    );
    // The server inside the VPC is reached alike through both.
    let o = one(
        &net,
        "assertions:\n  - {name: c, kind: consistent, to: 192.168.1.63, ports: 22}\n",
    );
    assert_eq!(o.status, Status::Holds, "{}", o.message);
}

#[test]
fn client_sources_with_groups() {
    let net = load_model("seed-004-cert-split.yaml");
    let o = one(
        &net,
        "assertions:\n  - {name: c, kind: must_reach, from: client, to: i-0c4a0server0000001, ports: 22}\n",
    );
    assert_eq!(o.status, Status::Holds, "{}", o.message);
    let o = one(
        &net,
        "assertions:\n  - {name: c, kind: only, to: i-0c4a0server0000001, ports: 22, allowed: [client]}\n",
    );
    assert_eq!(o.status, Status::Holds, "{}", o.message);
    let o = one(
        &net,
        "assertions:\n  - {name: c, kind: must_not_reach, from: client, to: i-0c4a0server0000001, ports: 22}\n",
    );
    assert_eq!(o.status, Status::Violated);
    assert!(
        o.witness()
            .unwrap()
            .flow
            .starts_with("client[cvpn-endpoint-0ba1234567890c60d")
    );
}

// ---------------------------------------------------------------- selectors

fn enis(net: &Network, sel: &str) -> Vec<String> {
    let s = assert::parse_selector(sel).unwrap();
    assert::Resolved::new(net, &[s])
        .unwrap()
        .enis
        .into_iter()
        .collect()
}

#[test]
fn selectors_resolve_by_tag_group_subnet_cidr() {
    let net = load_model("two-tier.yaml");
    assert_eq!(enis(&net, "tag:Name=app"), vec!["eni-app"]);
    assert_eq!(enis(&net, "tag:tier"), vec!["eni-app", "eni-bastion"]);
    assert_eq!(enis(&net, "sg-bastion"), vec!["eni-bastion"]);
    assert_eq!(enis(&net, "subnet-private"), vec!["eni-app"]);
    assert_eq!(enis(&net, "10.0.2.0/24"), vec!["eni-app"]);
    assert_eq!(enis(&net, "10.0.1.10"), vec!["eni-bastion"]);
    assert_eq!(
        enis(&net, "vpc-app").len(),
        3,
        "the NAT gateway's interface too"
    );
    assert_eq!(enis(&net, "i-app"), vec!["eni-app"]);
    let missing =
        assert::Resolved::new(&net, &[assert::parse_selector("tag:Name=nothing").unwrap()])
            .unwrap_err();
    assert_eq!(missing.0, 0);
    assert!(missing.1.contains("selects no interface"), "{}", missing.1);
    // A selector naming nothing is an error naming the field, never a pass.
    let p = assert::parse(
        "p.yaml",
        "assertions:\n  - {name: t, kind: must_not_reach, from: internet, to: [i-app, tag:Name=wbe]}\n",
    )
    .unwrap();
    let e = assert::evaluate(&net, &p).unwrap_err().to_string();
    assert!(
        e.contains("`p.yaml`: assertion 0 `t`: field `to[1]`: `tag:Name=wbe` selects no interface"),
        "{e}"
    );
}

#[test]
fn tags_are_read_from_aws_json_and_yaml() {
    let mut l = Loader::new();
    l.add_json(
        "vpcs.json",
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "Tags": [{"Key": "env", "Value": "prod"}]}],
            "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "Tags": [{"Key": "Name", "Value": "web"}]}]}"#,
    )
    .unwrap();
    l.add_json(
        "enis.json",
        r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "SubnetId": "subnet-1",
            "PrivateIpAddress": "10.0.1.5", "Groups": [], "Status": "in-use", "InterfaceType": "interface",
            "TagSet": [{"Key": "Name", "Value": "web-eni"}]}]}"#,
    )
    .unwrap();
    let net = l.finish().unwrap();
    assert_eq!(net.vpcs["vpc-1"].tags["env"], "prod");
    assert_eq!(net.subnets["subnet-1"].tags["Name"], "web");
    assert_eq!(net.interfaces["eni-1"].tags["Name"], "web-eni");
    // A subnet's tag selects its interfaces.
    assert_eq!(enis(&net, "tag:Name=web"), vec!["eni-1"]);
    assert_eq!(enis(&net, "tag:env=prod"), vec!["eni-1"]);
    let net = load_model("two-tier.yaml");
    assert_eq!(net.interfaces["eni-bastion"].tags["tier"], "public");
}

// ---------------------------------------------------------------- NAA

const IGW_SCOPE: &str = "MatchPaths:
  - Source:
      ResourceStatement:
        ResourceTypes: [AWS::EC2::InternetGateway]
    Destination:
      ResourceStatement:
        ResourceTypes: [AWS::EC2::NetworkInterface]
";

#[test]
fn naa_scope_maps_to_no_exposure_and_must_not_reach() {
    let p = assert::parse("scope.json", IGW_SCOPE).unwrap();
    let a = &p.assertions[0];
    assert_eq!(a.kind, Kind::NoExposure);
    assert_eq!(a.from, vec![Selector::Internet]);
    assert_eq!(a.to, vec![Selector::AnyInterface]);
    // Protocols omitted: tcp and udp, every port (as access analyzer).
    assert_eq!(a.services.len(), 2);
    let net = load_model("two-tier.yaml");
    let r = assert::evaluate(&net, &p).unwrap();
    assert_eq!(r.outcomes[0].status, Status::Violated);
    assert_eq!(
        r.outcomes[0].witness().unwrap().flow,
        "internet->eni-bastion@203.0.113.10:0-65535/tcp"
    );
    // Interface to interface: must_not_reach, in JSON as the CLI prints it.
    let json = r#"{"NetworkInsightsAccessScopeContent": {"NetworkInsightsAccessScopeId": "nis-1",
        "MatchPaths": [{"Source": {"ResourceStatement": {"Resources": ["arn:aws:ec2:us-east-1:111122223333:security-group/sg-bastion"]}},
                        "Destination": {"ResourceStatement": {"Resources": ["subnet-private"]},
                                        "PacketHeaderStatement": {"DestinationPorts": ["22"], "Protocols": ["tcp"]}}}]}}"#;
    let p = assert::parse("scope.json", json).unwrap();
    assert_eq!(p.assertions[0].kind, Kind::MustNotReach);
    assert_eq!(p.assertions[0].name, "nis-1");
    assert_eq!(
        p.assertions[0].from,
        vec![Selector::Id("sg-bastion".into())]
    );
    let r = assert::evaluate(&net, &p).unwrap();
    assert_eq!(r.outcomes[0].status, Status::Violated);
    assert_eq!(
        r.outcomes[0].witness().unwrap().flow,
        "eni-bastion->eni-app:22/tcp"
    );
}

#[test]
fn naa_exclude_paths_take_packets_out() {
    let net = load_model("two-tier.yaml");
    let scope = format!(
        "{IGW_SCOPE}ExcludePaths:
  - Source:
      PacketHeaderStatement:
        SourceAddresses: [198.51.100.0/24]
    Destination:
      PacketHeaderStatement:
        DestinationPorts: ['22']
        Protocols: [tcp]
"
    );
    let r = run(&net, &scope);
    assert_eq!(
        r.outcomes[0].status,
        Status::Holds,
        "{}",
        r.outcomes[0].message
    );
    // Excluding another port leaves the violation.
    let r = run(&net, &scope.replace("['22']", "['80']"));
    assert_eq!(r.outcomes[0].status, Status::Violated);
    // The scope inside an assertion, with its own name.
    let r = run(
        &net,
        &format!(
            "assertions:\n  - name: igw ingress\n{}",
            IGW_SCOPE
                .lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        ),
    );
    assert_eq!(r.outcomes[0].name, "igw ingress");
    assert_eq!(r.outcomes[0].status, Status::Violated);
}

#[test]
fn naa_unsupported_fields_are_errors_that_say_so() {
    let e = parse_err(&format!(
        "{IGW_SCOPE}    ThroughResources:\n      - ResourceStatement:\n          ResourceTypes: [AWS::EC2::NatGateway]\n"
    ));
    assert!(
        e.to_string()
            .contains("field `MatchPaths[0].ThroughResources`: not supported"),
        "{e}"
    );
    let e = parse_err(&IGW_SCOPE.replace("AWS::EC2::NetworkInterface", "AWS::EC2::TransitGateway"));
    assert!(
        e.to_string()
            .contains("`AWS::EC2::TransitGateway`: not supported"),
        "{e}"
    );
    let e = parse_err(&IGW_SCOPE.replace(
        "ResourceTypes: [AWS::EC2::NetworkInterface]",
        "ResourceTypes: [AWS::EC2::InternetGateway]",
    ));
    assert!(
        e.to_string()
            .contains("egress to the internet) is not supported"),
        "{e}"
    );
    let e = parse_err(&format!(
        "{IGW_SCOPE}      PacketHeaderStatement:\n        Protocols: [icmp]\n"
    ));
    assert!(
        e.to_string()
            .contains("access analyzer protocols are tcp and udp"),
        "{e}"
    );
    let e = parse_err("MatchPaths:\n  - Source:\n      Resourcestatement: {}\n");
    assert!(
        e.to_string()
            .contains("field `MatchPaths[0].Source.Resourcestatement`: unknown field"),
        "{e}"
    );
}

#[test]
fn naa_prefix_lists_resolve_against_the_network() {
    let net = load_model("two-tier.yaml");
    let p = assert::parse(
        "s",
        "MatchPaths:\n  - Source:\n      PacketHeaderStatement:\n        SourcePrefixLists: [pl-nothere]\n",
    )
    .unwrap();
    let e = assert::evaluate(&net, &p).unwrap_err().to_string();
    assert!(
        e.contains("no prefix list `pl-nothere` in the input"),
        "{e}"
    );
}

// ------------------------------------------------------------------ scale

#[test]
fn a_hundred_assertions_on_one_load() {
    let net = load_model("two-tier.yaml");
    let mut text = String::from("assertions:\n");
    for i in 0..100 {
        let line = match i % 5 {
            0 => format!(
                "  - {{name: a{i}, kind: must_reach, from: i-bastion, to: i-app, ports: 22}}\n"
            ),
            1 => format!(
                "  - {{name: a{i}, kind: must_not_reach, from: internet, to: tag:Name=app, ports: {}}}\n",
                1000 + i
            ),
            2 => format!(
                "  - {{name: a{i}, kind: only, to: i-app, ports: 22, allowed: [sg-bastion]}}\n"
            ),
            3 => format!("  - {{name: a{i}, kind: no_exposure, to: subnet-private, ports: {i}}}\n"),
            _ => format!(
                "  - {{name: a{i}, kind: must_reach, from: 198.51.100.7, to: i-bastion, ports: 22}}\n"
            ),
        };
        text.push_str(&line);
    }
    let started = std::time::Instant::now();
    let r = run(&net, &text);
    assert_eq!(r.outcomes.len(), 100);
    assert!(
        r.all_hold(),
        "{:?}",
        r.outcomes
            .iter()
            .find(|o| o.status != Status::Holds)
            .map(|o| &o.message)
    );
    let report = AssertReport::brief(&r, &net).to_text();
    assert!(report.starts_with("100 assertions: 100 hold, 0 violated, 0 unknown\n"));
    eprintln!("100 assertions in {:?} (debug build)", started.elapsed());
}

#[test]
fn truncated_and_mangled_policies_are_errors_never_panics() {
    let net = load_model("two-tier.yaml");
    for name in ["policy-pass.yaml", "policy-fail.yaml", "naa-scope.yaml"] {
        let text = std::fs::read_to_string(root().join("examples/assert").join(name)).unwrap();
        let mut cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(7).collect();
        cuts.push(text.len());
        for cut in cuts {
            for variant in [
                text[..cut].to_string(),
                text[..cut].replace(':', ""),
                text[..cut].replace("  ", " "),
                text[..cut].replace("22", "-1"),
            ] {
                let parsed = std::panic::catch_unwind(|| assert::parse("p.yaml", &variant));
                let Ok(parsed) = parsed else {
                    panic!("{name} cut at {cut} panics:\n{variant}");
                };
                match parsed {
                    Ok(p) => {
                        // What parses evaluates or errors, naming the file.
                        if let Err(e) = assert::evaluate(&net, &p) {
                            assert!(e.to_string().starts_with("`p.yaml`"), "{e}");
                        }
                    }
                    Err(e) => assert!(e.to_string().starts_with("`p.yaml`"), "{e}"),
                }
            }
        }
    }
}

#[test]
fn assert_sarif_validates_and_junit_has_a_case_per_assertion() {
    let bin = env!("CARGO_BIN_EXE_reach");
    let run = |format: &str| {
        let out = std::process::Command::new(bin)
            .current_dir(crate::support::root())
            .args([
                "assert",
                "examples/assert/policy-fail.yaml",
                "--model",
                "models/two-tier.yaml",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let schema = crate::formats::sarif_schema();
    let errors = crate::formats::schema_errors(&schema, &sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "reach/assert/no_exposure"
                && r["properties"]["security-severity"] == "8.0")
    );
    let junit = run("junit");
    let xml = roxmltree::Document::parse(&junit).unwrap();
    let cases: Vec<_> = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3);
    let failed = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .count();
    assert_eq!(failed, 2);
    // The failure carries the witness.
    assert!(junit.contains("witness: tcp 198.51.100.0"), "{junit}");
    let md = run("markdown");
    assert!(md.contains("no ssh from the internet anywhere"), "{md}");
}

/// An interface target is asked at its public address as `who` asks it:
/// only what is delivered to it counts. eni-0's packets for eni-2's public
/// IP go on-premises through vgw-1, so `must_not_reach` is undecided there
/// (it was violated: the host on-premises was taken for eni-2), and so is
/// `only` with nobody allowed.
#[test]
fn an_interface_target_at_its_public_address_counts_only_what_it_receives() {
    let net = crate::support::load_model_path(
        &root().join("tests/data/differential/differential-000000002026120f.yaml"),
    );
    for kind in ["must_not_reach", "only"] {
        let extra = if kind == "only" {
            ", allowed: []"
        } else {
            ", from: eni-0"
        };
        let o = one(
            &net,
            &format!("assertions:\n  - {{name: x, kind: {kind}, to: eni-2, ports: 22{extra}}}\n"),
        );
        assert_eq!(o.status, Status::Unknown, "{kind}: {}", o.message);
        assert!(
            o.findings.iter().all(|f| f.status != Status::Violated),
            "{kind}: {}",
            o.message
        );
        let f = o
            .findings
            .iter()
            .find(|f| f.flow == "eni-0->eni-2@198.51.100.12:22/tcp")
            .unwrap_or_else(|| panic!("{kind}: eni-0 at the public IP listed"));
        assert_eq!(f.status, Status::Unknown, "{kind}");
        if let Some(a) = &f.analysis {
            assert_eq!(a.verdict, reach::engine::Verdict::Unknown, "{kind}");
        }
    }
}
