//! What-if on a Terraform plan: the plans of `tests/data/terraform/`
//! applied to the AWS CLI snapshots of `tests/data/`, then checked with the
//! engine before and after.

use std::path::{Path, PathBuf};

use super::*;
use crate::engine::{self, QueryOptions, QuerySpec};
use crate::model::SgRule;
use crate::render::Report;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot(dir: &str) -> Network {
    let mut l = Loader::new();
    l.add_snapshot_path(&root().join("tests/data").join(dir))
        .expect("snapshot loads");
    l.finish().expect("snapshot validates")
}

fn plan_path(name: &str) -> PathBuf {
    root().join("tests/data/terraform").join(name)
}

fn apply(net: &mut Network, name: &str) -> PlanReport {
    apply_terraform_plan(net, &plan_path(name)).expect("plan applies")
}

fn plan_err(text: &str) -> IngestError {
    let mut net = snapshot("real-account");
    let before = format!("{net:?}");
    let e = apply_terraform_plan_json(&mut net, "plan.json", text).expect_err("should fail");
    assert_eq!(
        format!("{net:?}"),
        before,
        "a failed plan leaves the network as it was"
    );
    e
}

fn ask(net: &Network, q: &str, groups: &[&str]) -> Report {
    let opts = QueryOptions {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..QueryOptions::default()
    };
    let q = engine::Query::resolve_with(net, QuerySpec::parse(q).expect("query"), &opts)
        .expect("query resolves");
    Report::new(&engine::check(net, q), net)
}

#[track_caller]
fn verdict(r: &Report, want: &str) {
    assert_eq!(r.verdict, want, "{}", r.to_text(false));
}

fn hops(r: &Report) -> Vec<String> {
    r.paths
        .iter()
        .flat_map(|p| p.hops.iter().chain(p.return_hops.iter()))
        .map(|h| format!("{} {}", h.component, h.rule))
        .collect()
}

#[track_caller]
fn hop(r: &Report, needle: &str) {
    assert!(
        hops(r).iter().any(|h| h.contains(needle)),
        "no hop `{needle}`\n{}",
        r.to_text(false)
    );
}

fn unknown_names(r: &Report, needle: &str) -> bool {
    r.unknown
        .iter()
        .any(|u| u.component.contains(needle) || u.reason.contains(needle))
}

fn warned<'r>(rep: &'r PlanReport, address: &str) -> Vec<&'r str> {
    rep.warnings
        .iter()
        .filter(|w| w.address == address)
        .map(|w| w.message.as_str())
        .collect()
}

fn rules_at<'n>(net: &'n Network, sg: &str, position: &str) -> Vec<&'n SgRule> {
    let g = &net.security_groups[sg];
    g.ingress
        .iter()
        .chain(&g.egress)
        .filter(|r| r.position == position)
        .collect()
}

const WEB_SG: &str = "sg-0web00000000000001";

#[test]
fn an_sg_rule_opening_ssh_to_the_world_exposes_the_public_instance() {
    let mut net = snapshot("real-account");
    verdict(&ask(&net, "internet->3.80.0.10:22", &[]), "unreachable");
    verdict(
        &ask(&net, "internet->[2600:1f18:4a3:6a01::10]:22", &[]),
        "unreachable",
    );
    let rep = apply(&mut net, "open-ssh.json");
    assert!(rep.file.ends_with("open-ssh.json"), "{}", rep.file);

    // As exposed as 443 already is: from every internet address but the
    // partner range, whose replies the snapshot blackholes.
    let r = ask(&net, "internet->3.80.0.10:22", &[]);
    verdict(&r, "partial");
    hop(
        &r,
        "sg-0web00000000000001 inbound rule aws_security_group_rule.ssh: tcp 22 from 0.0.0.0/0",
    );
    verdict(&ask(&net, "internet->3.80.0.10:443", &[]), "partial");
    verdict(&ask(&net, "8.8.8.8->3.80.0.10:22", &[]), "reachable");
    let a = rep.get("aws_security_group_rule.ssh").expect("applied");
    assert_eq!(a.action, PlanAction::Create);
    assert_eq!(a.kind, "aws_security_group_rule");
    assert_eq!(a.touched, [WEB_SG]);
    assert_eq!(a.changes.len(), 1, "{:?}", a.changes);
    assert!(a.changes[0].ends_with("added"), "{:?}", a.changes);
    // The computed `source_security_group_id` (unset in the configuration)
    // is no unknown peer.
    assert!(a.unknown.is_empty(), "{:?}", a.unknown);

    // The IPv6 rule, a `aws_vpc_security_group_ingress_rule`: IPv6 exposure only.
    let r = ask(&net, "internet->[2600:1f18:4a3:6a01::10]:22", &[]);
    verdict(&r, "reachable");
    hop(
        &r,
        "inbound rule aws_vpc_security_group_ingress_rule.ssh_v6: tcp 22 from ::/0",
    );
    let [rule] = rules_at(&net, WEB_SG, "aws_vpc_security_group_ingress_rule.ssh_v6")[..] else {
        panic!("one rule from the IPv6 resource")
    };
    assert_eq!(rule.peer, Peer::Cidr(net_("::/0")));
    assert_eq!(rule.description.as_deref(), Some("ssh over ipv6"));
    // Port 80 stays closed: the rules open 22 only.
    verdict(&ask(&net, "internet->3.80.0.10:80", &[]), "unreachable");

    // The instance is not applied, and says so.
    let w = warned(&rep, "aws_instance.bastion");
    assert_eq!(w.len(), 1, "{:?}", rep.warnings);
    assert!(w[0].contains("`aws_instance` is not applied"), "{w:?}");
    assert!(rep.get("aws_instance.bastion").is_none());
}

fn net_(s: &str) -> IpNet {
    net(s)
}

#[test]
fn on_a_real_snapshot_the_internet_reaches_what_the_plan_opens() {
    // batfish/public-subnet: sg-09ccba6656672061b allows 22 only.
    let mut net = load_fixture("public-subnet");
    verdict(&ask(&net, "internet->18.216.80.133:80", &[]), "unreachable");
    let text = std::fs::read_to_string(plan_path("open-ssh.json"))
        .unwrap()
        .replace(WEB_SG, "sg-09ccba6656672061b")
        .replace(": 22", ": 80");
    let rep = apply_terraform_plan_json(&mut net, "open-http.json", &text).unwrap();
    let r = ask(&net, "internet->18.216.80.133:80", &[]);
    verdict(&r, "reachable");
    hop(
        &r,
        "inbound rule aws_security_group_rule.ssh: tcp 80 from 0.0.0.0/0",
    );
    assert_eq!(
        rep.get("aws_security_group_rule.ssh").unwrap().touched,
        ["sg-09ccba6656672061b"]
    );
}

#[test]
fn a_nacl_deny_renumbered_before_the_allow_blocks_what_it_shadowed() {
    let mut net = snapshot("real-account");
    apply(&mut net, "open-ssh.json");
    // Rule 200 denies ssh, but rule 100 allows everything first.
    let rep = apply(&mut net, "nacl-deny-ssh.json");
    let acl = &net.network_acls["acl-0a000000000000001"];
    assert!(acl.inbound.iter().any(|e| e.number == 200
        && e.action == Action::Deny
        && e.source.as_deref() == Some("aws_network_acl_rule.deny_ssh")));
    assert_eq!(
        rep.get("aws_network_acl_rule.deny_ssh").unwrap().touched,
        ["acl-0a000000000000001"]
    );
    verdict(&ask(&net, "8.8.8.8->3.80.0.10:22", &[]), "reachable");

    // Renumbered 200 -> 90 (a replacement): now before the allow.
    let rep = apply(&mut net, "nacl-renumber.json");
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
    let a = rep.get("aws_network_acl_rule.deny_ssh").unwrap();
    assert_eq!(a.action, PlanAction::Replace);
    assert_eq!(a.changes.len(), 2, "{:?}", a.changes);
    assert!(a.changes[0].contains("inbound rule 200") && a.changes[0].ends_with("removed"));
    assert!(a.changes[1].contains("inbound rule 90") && a.changes[1].ends_with("added"));
    let numbers: Vec<u16> = net.network_acls["acl-0a000000000000001"]
        .inbound
        .iter()
        .map(|e| e.number)
        .collect();
    assert_eq!(numbers, [90, 100, 101]);
    let r = ask(&net, "8.8.8.8->3.80.0.10:22", &[]);
    verdict(&r, "unreachable");
    verdict(&ask(&net, "internet->3.80.0.10:22", &[]), "unreachable");
    assert!(
        r.blocked_by
            .iter()
            .any(|b| b.component == "acl-0a000000000000001"),
        "{}",
        r.to_text(false)
    );
    let text = r.to_text(false);
    assert!(
        text.contains("rule 90 (aws_network_acl_rule.deny_ssh)"),
        "{text}"
    );
    // Other ports still pass the ACL.
    verdict(&ask(&net, "8.8.8.8->3.80.0.10:443", &[]), "reachable");
}

#[test]
fn deleting_a_rule_the_network_lacks_is_a_warning() {
    let mut net = snapshot("real-account");
    // The replacement's `before` (rule 200) is not in this network.
    let rep = apply(&mut net, "nacl-renumber.json");
    let w = warned(&rep, "aws_network_acl_rule.deny_ssh");
    assert_eq!(w.len(), 1, "{:?}", rep.warnings);
    assert!(
        w[0].contains("inbound rule 200") && w[0].contains("nothing removed"),
        "{w:?}"
    );
    // The create half still applies.
    assert!(
        net.network_acls["acl-0a000000000000001"]
            .inbound
            .iter()
            .any(|e| e.number == 90)
    );
}

const G003: &str = "S-1-5-21-1004336348-1177238915-682003330-1105";
const OPS: &str = "S-1-5-21-0-0-0-513";

#[test]
fn a_client_vpn_authorization_rule_gives_a_group_its_new_reach() {
    let mut net = snapshot("seed-003-json");
    verdict(&ask(&net, "client->10.0.1.10:22", &[OPS]), "unreachable");
    let rep = apply(&mut net, "cvpn-auth.json");
    let a = rep
        .get("aws_ec2_client_vpn_authorization_rule.ops")
        .unwrap();
    assert_eq!(a.touched, ["cvpn-endpoint-0c3blog00000001"]);
    let ep = &net.client_vpn_endpoints["cvpn-endpoint-0c3blog00000001"];
    let rule = ep
        .auth_rules
        .iter()
        .find(|r| r.group.as_deref() == Some(OPS))
        .expect("rule added");
    assert_eq!(rule.dest, net_("10.0.1.0/24"));
    assert_eq!(
        rule.description.as_deref(),
        Some("ops to servers (aws_ec2_client_vpn_authorization_rule.ops)")
    );
    let r = ask(&net, "client->10.0.1.10:22", &[OPS]);
    verdict(&r, "reachable");
    hop(&r, "sg-0c3server00000001 inbound rule ");
    // Only the subnet the rule names.
    verdict(&ask(&net, "client->10.200.0.5:22", &[OPS]), "unreachable");
    // The more specific rule now decides 10.0.1.0/24 (aws-semantics.md §6):
    // the group that had it through 0.0.0.0/0 loses it — lost access the
    // plan causes — and keeps everything else.
    verdict(&ask(&net, "client->10.0.1.10:22", &[G003]), "unreachable");
    verdict(&ask(&net, "client->10.200.0.5:22", &[G003]), "reachable");
}

#[test]
fn a_group_created_in_the_plan_gets_a_placeholder_its_references_resolve_to() {
    let mut net = snapshot("real-account");
    let rep = apply(&mut net, "new-group.json");
    let id = "aws_security_group.db (known after apply)";
    let g = net.security_groups.get(id).expect("placeholder group");
    assert_eq!(g.vpc, "vpc-0a11aa11aa11aa111");
    assert_eq!(g.name, "db-clients");
    assert!(g.origin.file.ends_with("new-group.json"));
    assert!(g.ingress.is_empty(), "no inline rule: {:?}", g.ingress);
    // Terraform removes the default egress rule; the separate rule adds one.
    let [out] = &g.egress[..] else {
        panic!("one egress rule: {:?}", g.egress)
    };
    assert_eq!(out.position, "aws_security_group_rule.db_out");
    assert_eq!(out.peer, Peer::Cidr(net_("10.0.2.0/24")));
    // The app group's new rule names the placeholder as its peer.
    let [r] = rules_at(
        &net,
        "sg-0app00000000000002",
        "aws_security_group_rule.app_from_db",
    )[..] else {
        panic!("one rule")
    };
    assert_eq!(r.peer, Peer::Group(id.into()));
    assert_eq!(
        r.ports,
        PortMatch::Ports {
            from: 8443,
            to: 8443
        }
    );
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
    assert!(
        rep.get("aws_security_group.db")
            .unwrap()
            .unknown
            .iter()
            .any(|u| u.contains(id)),
        "{rep:?}"
    );
    // No interface carries the new group yet: the web instance is no
    // member, a decided answer (not unknown).
    verdict(
        &ask(&net, "eni-0web0000000000001->10.0.2.30:8443", &[]),
        "unreachable",
    );
}

#[test]
fn unknown_values_make_the_packets_they_decide_unknown_naming_the_address() {
    let mut net = snapshot("real-account");
    verdict(
        &ask(&net, "eni-0app0000000000003->192.168.50.10:443", &[]),
        "unreachable",
    );
    verdict(
        &ask(&net, "i-0egr0000000000009->[2600::1]:443", &[]),
        "reachable",
    );
    let rep = apply(&mut net, "unknown-values.json");

    // A CIDR of a VPC the plan creates: ssh from the internet is undecided.
    let r = ask(&net, "internet->3.80.0.10:22", &[]);
    verdict(&r, "unknown");
    assert!(
        unknown_names(&r, "aws_security_group_rule.from_new_vpc"),
        "{}",
        r.to_text(false)
    );
    // What the rule cannot match stays decided.
    verdict(&ask(&net, "8.8.8.8->3.80.0.10:443", &[]), "reachable");
    verdict(&ask(&net, "internet->3.80.0.10:80", &[]), "unreachable");

    // A route to a NAT gateway the plan creates.
    let r = ask(&net, "eni-0app0000000000003->192.168.50.10:443", &[]);
    verdict(&r, "unknown");
    assert!(
        unknown_names(&r, "aws_nat_gateway.new (known after apply)"),
        "{}",
        r.to_text(false)
    );

    // An ACL entry with an unknown CIDR: what crosses that ACL is undecided.
    let r = ask(&net, "i-0egr0000000000009->[2600::1]:443", &[]);
    verdict(&r, "unknown");
    assert!(
        unknown_names(&r, "aws_network_acl_rule.from_new_vpc.cidr_block"),
        "{}",
        r.to_text(false)
    );
    for a in [
        "aws_security_group_rule.from_new_vpc",
        "aws_route.partner",
        "aws_network_acl_rule.from_new_vpc",
    ] {
        let e = rep.get(a).unwrap_or_else(|| panic!("{a} applied"));
        assert!(!e.unknown.is_empty(), "{a}: {e:?}");
    }
    // The VPC and the NAT gateway are resource types not applied.
    assert_eq!(warned(&rep, "aws_vpc.new").len(), 1, "{:?}", rep.warnings);
    assert_eq!(warned(&rep, "aws_nat_gateway.new").len(), 1);
}

#[test]
fn a_tags_only_update_changes_nothing() {
    let mut net = snapshot("real-account");
    let before = net.security_groups.clone();
    let rep = apply(&mut net, "tags-only.json");
    let a = rep.get("aws_security_group.web").expect("applied");
    assert_eq!(a.action, PlanAction::Update);
    assert!(a.changes.is_empty(), "{:?}", a.changes);
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
    // The no-op is counted, not applied.
    assert_eq!(rep.unchanged, 1);
    assert!(rep.get("aws_security_group_rule.legacy").is_none());
    // The rules keep their `sgr-` names.
    assert_eq!(net.security_groups, before);
}

#[test]
fn an_inline_group_update_keeps_unchanged_rules_and_names_new_ones() {
    let mut net = snapshot("real-account");
    let text = std::fs::read_to_string(plan_path("tags-only.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let after = &mut doc["resource_changes"][0]["change"]["after"];
    after["ingress"][0]["from_port"] = 8443.into();
    after["ingress"][0]["to_port"] = 8443.into();
    let rep = apply_terraform_plan_json(&mut net, "p.json", &doc.to_string()).unwrap();
    let a = rep.get("aws_security_group.web").unwrap();
    // 443 from 0.0.0.0/0 and ::/0 out, 8443 from both in; egress untouched.
    assert_eq!(a.changes.len(), 4, "{:?}", a.changes);
    let g = &net.security_groups[WEB_SG];
    assert_eq!(g.ingress.len(), 2);
    assert!(
        g.ingress
            .iter()
            .all(|r| r.position.starts_with("aws_security_group.web.ingress[0]"))
    );
    assert!(
        g.egress.iter().all(|r| r.rule_id.is_some()),
        "{:?}",
        g.egress
    );
    verdict(&ask(&net, "8.8.8.8->3.80.0.10:8443", &[]), "reachable");
    verdict(&ask(&net, "internet->3.80.0.10:443", &[]), "unreachable");
}

#[test]
fn deleting_a_separate_rule_removes_the_matching_rule() {
    let mut net = snapshot("real-account");
    // The web group's 443 from 0.0.0.0/0, as a separate resource being destroyed.
    let plan = r#"{"format_version":"1.2","terraform_version":"1.9.5","planned_values":{},
      "resource_changes":[{"address":"aws_vpc_security_group_ingress_rule.https","mode":"managed",
        "type":"aws_vpc_security_group_ingress_rule","name":"https",
        "change":{"actions":["delete"],"before":{"security_group_id":"sg-0web00000000000001",
          "cidr_ipv4":"0.0.0.0/0","ip_protocol":"tcp","from_port":443,"to_port":443,
          "security_group_rule_id":"sgr-0nosuchid00000000"},"after":null,"after_unknown":{}}}]}"#;
    let rep = apply_terraform_plan_json(&mut net, "p.json", plan).unwrap();
    let a = rep
        .get("aws_vpc_security_group_ingress_rule.https")
        .unwrap();
    assert_eq!(a.action, PlanAction::Delete);
    assert_eq!(a.changes.len(), 1, "{:?}", a.changes);
    assert!(a.changes[0].contains("tcp 443 from 0.0.0.0/0") && a.changes[0].ends_with("removed"));
    verdict(&ask(&net, "8.8.8.8->3.80.0.10:443", &[]), "unreachable");
    // IPv6 still open: another rule.
    verdict(
        &ask(&net, "internet->[2600:1f18:4a3:6a01::10]:443", &[]),
        "reachable",
    );
    // Deleting it again: nothing to remove, a warning.
    let rep = apply_terraform_plan_json(&mut net, "p.json", plan).unwrap();
    let w = warned(&rep, "aws_vpc_security_group_ingress_rule.https");
    assert!(w.len() == 1 && w[0].contains("nothing removed"), "{w:?}");
}

#[test]
fn routes_and_associations_apply() {
    let mut net = snapshot("real-account");
    let plan = r#"{"format_version":"1.2","planned_values":{},"resource_changes":[
      {"address":"aws_route.v4","mode":"managed","type":"aws_route","name":"v4",
       "change":{"actions":["create"],"before":null,"after":{"route_table_id":"rtb-0app000000000000a3",
         "destination_cidr_block":"0.0.0.0/0","gateway_id":"igw-0c0ffee0c0ffee001","nat_gateway_id":"",
         "destination_ipv6_cidr_block":null},
         "after_unknown":{"id":true,"network_interface_id":true,"instance_id":true}}},
      {"address":"aws_route_table_association.insp","mode":"managed","type":"aws_route_table_association","name":"insp",
       "change":{"actions":["update"],
         "before":{"id":"rtbassoc-05","subnet_id":"subnet-0insp000000000004","route_table_id":"rtb-0insp00000000000a4","gateway_id":""},
         "after":{"id":"rtbassoc-05","subnet_id":"subnet-0insp000000000004","route_table_id":"rtb-0pub000000000000a2","gateway_id":""},
         "after_unknown":{}}}]}"#;
    let rep = apply_terraform_plan_json(&mut net, "p.json", plan).unwrap();
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
    let rt = &net.route_tables["rtb-0app000000000000a3"];
    assert!(
        rt.routes
            .iter()
            .any(|r| r.dest == RouteDest::Cidr(net_("0.0.0.0/0"))
                && r.target == Target::InternetGateway("igw-0c0ffee0c0ffee001".into()))
    );
    assert_eq!(
        net.route_table_of("subnet-0insp000000000004")
            .map(|t| t.id.as_str()),
        Some("rtb-0pub000000000000a2")
    );
    assert_eq!(
        rep.get("aws_route_table_association.insp").unwrap().changes,
        ["subnet-0insp000000000004 associated with rtb-0pub000000000000a2"]
    );
}

#[test]
fn a_malformed_plan_is_an_error_naming_the_file_and_the_field() {
    let bad = std::fs::read_to_string(plan_path("open-ssh.json"))
        .unwrap()
        .replace("\"from_port\": 22,", "\"from_port\": \"twenty-two\",");
    let e = plan_err(&bad);
    let msg = e.to_string();
    assert_eq!(e.file(), "plan.json");
    assert!(msg.contains("`aws_security_group_rule.ssh`"), "{msg}");
    assert!(msg.contains("field `change.after.from_port`"), "{msg}");

    let e = plan_err("{\"format_version\": \"1.2\", ").to_string();
    assert!(
        e.starts_with("`plan.json`: not a terraform plan's JSON"),
        "{e}"
    );
    let e = plan_err("{\"resource_changes\": []}").to_string();
    assert!(e.contains("field `format_version`: missing"), "{e}");
    let e = plan_err("{\"format_version\": \"2.0\", \"resource_changes\": []}").to_string();
    assert!(e.contains("unsupported version `2.0`"), "{e}");
    let e = plan_err(r#"{"format_version": "1.0", "values": {}}"#).to_string();
    assert!(e.contains("this is not a plan"), "{e}");
    let e = plan_err(
        r#"{"format_version":"1.2","resource_changes":[{"address":"aws_route.x","type":"aws_route","name":"x",
            "change":{"actions":["explode"]}}]}"#,
    )
    .to_string();
    assert!(
        e.contains("`aws_route.x`: field `change.actions`: unsupported actions `explode`"),
        "{e}"
    );
    let e = plan_err(
        r#"{"format_version":"1.2","resource_changes":[{"address":"aws_route.x","type":"aws_route","name":"x"}]}"#,
    )
    .to_string();
    assert!(e.contains("`aws_route.x`: field `change`: missing"), "{e}");
    let e = plan_err(
        r#"{"format_version":"1.2","resource_changes":[{"address":"aws_network_acl_rule.r","type":"aws_network_acl_rule","name":"r",
            "change":{"actions":["create"],"after":{"network_acl_id":"acl-0a000000000000001","rule_number":10,"egress":false,
            "protocol":"tcp","rule_action":"allow","cidr_block":"10.0.0.1/8","from_port":1,"to_port":2},"after_unknown":{}}}]}"#,
    )
    .to_string();
    assert!(
        e.contains("`aws_network_acl_rule.r`: field `change.after.cidr_block`: invalid cidr `10.0.0.1/8`: host bits set"),
        "{e}"
    );
    let e = apply_terraform_plan(&mut Network::default(), Path::new("/nonexistent/plan.json"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("`/nonexistent/plan.json`: cannot read"),
        "{e}"
    );
}

#[test]
fn references_resolve_through_modules_and_instance_keys() {
    let mut net = snapshot("real-account");
    // A group created by `count` in a module, a rule of the same module naming it.
    let plan = r#"{"format_version":"1.2","planned_values":{},"resource_changes":[
      {"address":"module.edge.aws_security_group.lb[0]","module_address":"module.edge","mode":"managed",
       "type":"aws_security_group","name":"lb","index":0,
       "change":{"actions":["create"],"before":null,"after":{"name":"lb","vpc_id":"vpc-0a11aa11aa11aa111",
         "ingress":[{"from_port":443,"to_port":443,"protocol":"tcp","cidr_blocks":["0.0.0.0/0"],
           "ipv6_cidr_blocks":[],"prefix_list_ids":[],"security_groups":[],"self":false,"description":""}]},
         "after_unknown":{"id":true,"egress":true,"ingress":[{"cidr_blocks":[false]}]}}},
      {"address":"module.edge.aws_security_group_rule.to_app","module_address":"module.edge","mode":"managed",
       "type":"aws_security_group_rule","name":"to_app",
       "change":{"actions":["create"],"before":null,"after":{"type":"ingress","security_group_id":"sg-0app00000000000002",
         "protocol":"tcp","from_port":8080,"to_port":8080,"self":false},
         "after_unknown":{"id":true,"source_security_group_id":true}}}],
     "configuration":{"root_module":{"module_calls":{"edge":{"source":"./edge","module":{"resources":[
       {"address":"aws_security_group.lb","mode":"managed","type":"aws_security_group","name":"lb",
        "expressions":{"name":{"constant_value":"lb"},"ingress":[{"from_port":{"constant_value":443}}]},"count_expression":{"constant_value":1}},
       {"address":"aws_security_group_rule.to_app","mode":"managed","type":"aws_security_group_rule","name":"to_app",
        "expressions":{"source_security_group_id":{"references":["aws_security_group.lb[0].id","aws_security_group.lb[0]","aws_security_group.lb"]}}}
     ]}}}}}}"#;
    let rep = apply_terraform_plan_json(&mut net, "p.json", plan).unwrap();
    let id = "module.edge.aws_security_group.lb[0] (known after apply)";
    let g = net
        .security_groups
        .get(id)
        .unwrap_or_else(|| panic!("{rep:?}"));
    assert_eq!(g.ingress.len(), 1);
    assert!(g.egress.is_empty(), "egress not written: none");
    let [r] = rules_at(
        &net,
        "sg-0app00000000000002",
        "module.edge.aws_security_group_rule.to_app",
    )[..] else {
        panic!("one rule: {rep:?}")
    };
    assert_eq!(r.peer, Peer::Group(id.into()));
}

#[test]
fn a_rule_on_a_group_nothing_resolves_is_a_warning_not_a_guess() {
    let mut net = snapshot("real-account");
    let before = net.security_groups.clone();
    let plan = r#"{"format_version":"1.2","planned_values":{},"resource_changes":[
      {"address":"aws_security_group_rule.x","mode":"managed","type":"aws_security_group_rule","name":"x",
       "change":{"actions":["create"],"before":null,"after":{"type":"ingress","protocol":"-1","from_port":0,"to_port":0,
         "cidr_blocks":["0.0.0.0/0"]},"after_unknown":{"id":true,"security_group_id":true}}}]}"#;
    let rep = apply_terraform_plan_json(&mut net, "p.json", plan).unwrap();
    let w = warned(&rep, "aws_security_group_rule.x");
    assert!(
        w.len() == 1 && w[0].contains("aws_security_group_rule.x.security_group_id"),
        "{w:?}"
    );
    assert_eq!(net.security_groups, before);
}
