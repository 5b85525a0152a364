//! Issue 9: answers on AWS CLI JSON shaped like a real account
//! (`tests/data/real-account/`, written by its `make.py`). Each test fails on
//! the engine before the fix it names.

use reach::render::Report;

use super::bad_input::assert_error;
use super::cli::reach;
use super::support::{all_hops, check, load_snapshot, root, snapshot_variant};

const SNAP: &str = "tests/data/real-account";

fn net() -> reach::model::Network {
    load_snapshot(&root().join(SNAP))
}

fn ask(q: &str) -> Report {
    check(&net(), q)
}

#[track_caller]
fn verdict(r: &Report, want: &str) {
    assert_eq!(r.verdict, want, "{}", r.to_text(false));
}

fn blocked_by(r: &Report) -> Vec<&str> {
    r.blocked_by.iter().map(|b| b.component.as_str()).collect()
}

fn hops_mention(r: &Report, needle: &str) -> bool {
    all_hops(r).iter().any(|h| h.contains(needle))
}

fn unknown_mentions(r: &Report, needle: &str) -> bool {
    r.unknown
        .iter()
        .any(|u| u.component.contains(needle) || u.reason.contains(needle))
}

fn assumed(r: &Report, needle: &str) -> bool {
    r.assumptions.iter().any(|a| a.contains(needle))
}

// 1. IPv6 through the internet gateway.
#[test]
fn ipv6_from_the_internet_meets_the_igw_the_acl_and_the_groups() {
    let r = ask("internet->[2600:1f18:4a3:6a01::10]:22");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["sg-0web00000000000001"]);
    assert!(hops_mention(&r, "igw-0c0ffee0c0ffee001"));
    assert!(hops_mention(&r, "acl-0a000000000000001 inbound rule 101"));
    let r = ask("internet->[2600:1f18:4a3:6a01::10]:443");
    verdict(&r, "reachable");
    // Printed bracketed, as the query is written (issue 10, item 9).
    assert!(
        r.to_text(false)
            .starts_with("reachable: internet -> [2600:1f18:4a3:6a01::10]:443/tcp"),
        "{}",
        r.to_text(false)
    );
    assert!(hops_mention(
        &r,
        "sg-0web00000000000001 inbound rule sgr-0648e81f1b25c4199: tcp 443 from ::/0"
    ));
}

#[test]
fn the_inputs_own_ipv6_addresses_are_not_internet_sources() {
    let n = net();
    let spec = reach::engine::QuerySpec::parse("internet->[2600:1f18:4a3:6a01::10]:443").unwrap();
    let q = reach::engine::Query::resolve(&n, spec, None).unwrap();
    let reach::engine::Start::Internet { sources } = &q.start else {
        panic!("internet start")
    };
    for own in [
        "2600:1f18:4a3:6a02::30",
        "2600:1f18:4a3:7b01::5",
        "2600:1f18:4a3:6aff::1",
    ] {
        let a: std::net::IpAddr = own.parse().unwrap();
        assert!(
            !sources.contains(reach::hs::addr(a)),
            "{own} is the input's"
        );
    }
    for own in ["3.80.0.10", "3.80.0.99"] {
        let a: std::net::IpAddr = own.parse().unwrap();
        assert!(
            !sources.contains(reach::hs::addr(a)),
            "{own} is the input's"
        );
    }
    let a: std::net::IpAddr = "2606:4700::1111".parse().unwrap();
    assert!(sources.contains(reach::hs::addr(a)));
}

// 2. IPv6 from an instance or ENI; one family per query.
#[test]
fn ipv6_destination_uses_the_sources_ipv6_address() {
    let r = ask("i-0app0000000000003->[2600:1f18:4a3:6a01::10]:443");
    verdict(&r, "reachable");
    assert!(
        r.reachable_packets
            .iter()
            .any(|p| p.text.contains("2600:1f18:4a3:6a02::30")),
        "{:?}",
        r.reachable_packets
    );
}

#[test]
fn mixed_families_are_input_errors() {
    let snap = root().join(SNAP);
    let snap = snap.to_str().unwrap();
    for (q, needle) in [
        (
            "2600:1f18:4a3:6a01::10->10.0.2.30:22",
            "different address families",
        ),
        (
            "eni-0nlb0000000000006->[2600:1f18:4a3:6a01::10]:443",
            "has no IPv6 address",
        ),
        (
            "eni-0web0000000000001->10.0.2.30:22/icmpv6",
            "`icmpv6` to the IPv4 address",
        ),
    ] {
        assert_error(&reach(&["check", "--snapshot", snap, q]), &[needle]);
    }
}

/// `eni-…@ADDRESS`: an interface at one of its addresses (a public or
/// Elastic IP, an IPv6 address, an address of a delegated prefix), as
/// `assert` and `who` name a flow class; an address it does not hold is an
/// input error that lists those it does.
#[test]
fn an_interface_is_asked_at_one_of_its_addresses() {
    let r = ask("internet->eni-0web0000000000001@3.80.0.10:443");
    verdict(&r, "partial");
    assert!(hops_mention(&r, "destination 3.80.0.10 -> 10.0.1.10"));
    let r = ask("internet->eni-0web0000000000001@[2600:1f18:4a3:6a01::10]:22");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["sg-0web00000000000001"]);
    verdict(
        &ask("eni-0web0000000000001->eni-0app0000000000003@10.0.2.70:5432"),
        "reachable",
    );
    let snap = root().join(SNAP);
    let snap = snap.to_str().unwrap();
    for (q, needles) in [
        (
            "internet->eni-0web2000000000002@3.80.0.10:443",
            &[
                "`eni-0web2000000000002@3.80.0.10`",
                "`eni-0web2000000000002` does not hold `3.80.0.10`; its addresses: 10.0.2.20",
            ][..],
        ),
        (
            "internet->eni-0app0000000000003@[2600:1f18:4a3:6a01::10]:22",
            &["its addresses: 10.0.2.30, 2600:1f18:4a3:6a02::30, 10.0.2.64/28 (prefix)"][..],
        ),
        (
            "internet->eni-0web0000000000001@web:443",
            &["after `eni-0web0000000000001@` comes an address of the interface"][..],
        ),
        (
            "internet->eni-0nope000000000000@3.80.0.10:443",
            &["`eni-0nope000000000000`: no such network interface"][..],
        ),
    ] {
        assert_error(&reach(&["check", "--snapshot", snap, q]), needles);
    }
}

#[test]
fn a_query_over_no_packet_cannot_be_resolved() {
    let n = net();
    for q in [
        "2600:1f18:4a3:6a01::10->10.0.2.30:22",
        "eni-0nlb0000000000006->[2600:1f18:4a3:6a01::10]:443",
    ] {
        let spec = reach::engine::QuerySpec::parse(q).unwrap();
        assert!(
            reach::engine::Query::resolve(&n, spec, None).is_err(),
            "{q}"
        );
    }
}

// 3. Egress-only internet gateways.
#[test]
fn egress_only_gateway_passes_outbound_ipv6_and_its_replies_only() {
    let r = ask("i-0egr0000000000009->[2606:4700::1111]:443");
    verdict(&r, "reachable");
    assert!(hops_mention(&r, "eigw-0d0d0d0d0d0d0d0d1"));
    let r = ask("internet->[2600:1f18:4a3:7b01::5]:22");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["eigw-0d0d0d0d0d0d0d0d1"]);
    let r = ask("i-0egr0000000000009->8.8.8.8:443");
    verdict(&r, "unreachable");
}

// 4. Route priority.
#[test]
fn a_static_route_beats_a_prefix_list_route_of_the_same_cidr() {
    // The JSON lists the prefix-list route (to the IGW) first.
    let r = ask("eni-0web0000000000001->203.0.113.10:443");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["rtb-0pub000000000000a2"]);
    assert!(
        r.blocked_by[0].rule.contains("blackhole"),
        "{:?}",
        r.blocked_by
    );
}

#[test]
fn a_static_route_beats_a_propagated_route_of_the_same_cidr() {
    let r = ask("eni-0web0000000000001->198.51.100.10:443");
    verdict(&r, "reachable");
    assert!(hops_mention(&r, "198.51.100.0/24 -> igw-0c0ffee0c0ffee001"));
}

// 5. Gateway route tables.
#[test]
fn traffic_entering_through_the_igw_follows_its_gateway_route_table() {
    let r = ask("internet->3.80.0.44:443");
    verdict(&r, "unknown");
    assert!(hops_mention(
        &r,
        "rtb-0edge00000000000a5 10.0.4.0/24 -> eni-0fw00000000000001"
    ));
    assert!(unknown_mentions(&r, "eni-0fw00000000000001"));
    // Another subnet: the gateway table's local route delivers as before;
    // replies to 203.0.113.0/24 meet the static blackhole (route priority).
    let r = ask("internet->3.80.0.10:443");
    verdict(&r, "partial");
    assert!(hops_mention(
        &r,
        "rtb-0edge00000000000a5 10.0.0.0/16 -> local"
    ));
    assert_eq!(blocked_by(&r), ["rtb-0pub000000000000a2"]);
    assert_eq!(r.blocked_by[0].direction, "return");
}

// 6. Several ENIs per instance.
#[test]
fn an_instance_source_is_its_primary_eni() {
    // describe-instances lists the device-1 ENI (private subnet) first.
    let r = ask("i-0web0000000000001->8.8.8.8:443");
    verdict(&r, "reachable");
    assert!(hops_mention(&r, "source 10.0.1.10 -> 3.80.0.10"));
    assert!(assumed(
        &r,
        "primary one, eni-0web0000000000001 (device index 0)"
    ));
}

#[test]
fn an_instance_destination_is_its_primary_address_and_says_so() {
    let r = ask("eni-0app0000000000003->i-0web0000000000001:443");
    verdict(&r, "reachable");
    assert!(
        assumed(&r, "eni-0web2000000000002 (10.0.2.20)"),
        "{:?}",
        r.assumptions
    );
    // The other ENI, named: its group does not allow 443 from the app group.
    verdict(
        &ask("eni-0app0000000000003->eni-0web2000000000002:443"),
        "unreachable",
    );
}

#[test]
fn an_instance_is_found_through_its_enis_attachment() {
    // i-0app is in no describe-instances output of the snapshot.
    verdict(&ask("i-0app0000000000003->10.0.1.10:443"), "reachable");
}

// 7. Instance and ENI state.
#[test]
fn a_stopped_instance_or_a_detached_eni_answers_nothing() {
    let r = ask("eni-0web0000000000001->10.0.2.40:5432");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["eni-0stop000000000004"]);
    assert!(r.blocked_by[0].reason.contains("`stopped`"));
    let r = ask("eni-0web0000000000001->10.0.2.50:5432");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["eni-0detached0000005"]);
    let r = ask("i-0stop000000000004->10.0.1.10:443");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["eni-0stop000000000004"]);
}

// 8. Addresses.
#[test]
fn a_delegated_prefix_belongs_to_its_eni() {
    let r = ask("eni-0web0000000000001->10.0.2.70:5432");
    verdict(&r, "reachable");
    assert!(hops_mention(&r, "eni-0app0000000000003"));
}

#[test]
fn an_idle_elastic_ip_forwards_nowhere() {
    let r = ask("i-0web0000000000001->3.80.0.99:443");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["eipalloc-0idle00000000001"]);
}

// 9. AWS service interfaces.
#[test]
fn service_interfaces_without_groups_are_not_blocked_by_a_blank_group() {
    let r = ask("eni-0web0000000000001->10.0.3.10:80");
    verdict(&r, "unknown");
    assert!(r.blocked_by.is_empty(), "{:?}", r.blocked_by);
    assert!(unknown_mentions(&r, "Network Load Balancer"));
    let r = ask("eni-0web0000000000001->10.0.3.20:443");
    verdict(&r, "unknown");
    assert!(unknown_mentions(&r, "transit gateway"));
}

// 10. AWS-provided services.
#[test]
fn aws_provided_services_answer_unfiltered() {
    for q in [
        "i-0web0000000000001->169.254.169.254:80",
        "i-0app0000000000003->10.0.0.2:53/udp",
        "i-0app0000000000003->169.254.169.253:53",
        "i-0app0000000000003->169.254.169.123:123/udp",
        "i-0app0000000000003->[fd00:ec2::254]:80",
    ] {
        let r = ask(q);
        verdict(&r, "reachable");
        assert!(hops_mention(&r, "answered by AWS on the host"), "{q}");
    }
    let r = ask("i-0app0000000000003->169.254.169.254:22");
    verdict(&r, "unreachable");
    assert!(r.blocked_by[0].reason.contains("answers only tcp 80"));
}

// 11. Security-group peers outside the input.
#[test]
fn a_group_outside_the_input_is_a_warning_and_membership_comes_from_the_source() {
    let n = net();
    assert!(
        n.warnings
            .iter()
            .any(|w| w.contains("`sg-0peerbastion00001` is not in the input")),
        "{:?}",
        n.warnings
    );
    // eni-0web does not carry the peered group: its SSH is not allowed.
    let r = check(&n, "eni-0web0000000000001->10.0.2.30:22");
    verdict(&r, "unreachable");
    assert_eq!(blocked_by(&r), ["sg-0app00000000000002"]);
    // Other rules of the same group decide as usual.
    verdict(
        &check(&n, "eni-0web0000000000001->10.0.2.30:5432"),
        "reachable",
    );
}

// 12. Same subnet, unknown prefix lists.
#[test]
fn same_subnet_traffic_ignores_an_unknown_prefix_list_route() {
    let r = ask("eni-0app0000000000003->10.0.2.20:8080");
    verdict(&r, "reachable");
    assert!(hops_mention(&r, "same subnet: delivered directly"));
}

#[test]
fn an_aws_managed_prefix_list_never_captures_vpc_addresses() {
    verdict(&ask("eni-0app0000000000003->10.0.1.10:443"), "reachable");
    // Public destinations it could hold stay unknown.
    let r = ask("eni-0app0000000000003->[2606:4700::1111]:443");
    verdict(&r, "reachable");
    let r = ask("i-0app0000000000003->52.216.0.10:443");
    verdict(&r, "unknown");
    assert!(unknown_mentions(&r, "pl-63a5400a"));
}

// Issue 10, item 9: the IPv6 default network ACL rule is `*` (32768 in the API).
#[test]
fn the_ipv6_default_nacl_rule_is_32768() {
    let dir = snapshot_variant(SNAP, "network-acls.json", |v| {
        // No IPv6 allow rule (101) left in the first ACL.
        let entries = v["NetworkAcls"][0]["Entries"].as_array_mut().unwrap();
        entries.retain(|e| e["RuleNumber"] != 101);
    });
    let r = check(
        &load_snapshot(dir.path()),
        "internet->[2600:1f18:4a3:6a01::10]:443",
    );
    verdict(&r, "unreachable");
    assert_eq!(
        r.blocked_by[0].rule,
        "inbound rule * (32768, deny all)",
        "{}",
        r.to_text(false)
    );
    let r = check(&net(), "eni-0web0000000000001->10.0.2.30:5432");
    verdict(&r, "reachable");
}

/// A route of the public subnet sends vpc-b's CIDR to the virtual private
/// gateway (propagated from on-premises). A query naming eni-0egr (in vpc-b)
/// is not reached by packets that leave for on-premises: whether that
/// network delivers them back into AWS is outside the input, so the answer
/// is `unknown`, naming the gateway and the interface (it was `reachable`:
/// the on-premises host was assumed to be the interface). The same packets
/// asked by address keep the address's meaning: a host on-premises takes
/// them, as the assumption says.
#[test]
fn a_named_interface_behind_an_on_premises_route_is_unknown_not_reachable() {
    let dir = snapshot_variant(SNAP, "route-tables.json", |v| {
        let table = v["RouteTables"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|t| t["RouteTableId"] == "rtb-0pub000000000000a2")
            .expect("the public route table");
        table["Routes"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "GatewayId": "vgw-0e0e0e0e0e0e0e0e1",
                "Origin": "EnableVgwRoutePropagation",
                "State": "active",
                "DestinationCidrBlock": "10.1.0.0/16"
            }));
    });
    let net = load_snapshot(dir.path());

    let named = check(&net, "eni-0web0000000000001->eni-0egr0000000000009:443");
    verdict(&named, "unknown");
    assert!(
        unknown_mentions(&named, "vgw-0e0e0e0e0e0e0e0e1")
            && named
                .unknown
                .iter()
                .any(|u| u.reason.contains("delivers it to eni-0egr0000000000009")),
        "{}",
        named.to_text(false)
    );
    assert!(
        !assumed(&named, "assumed to accept the connection"),
        "{}",
        named.to_text(false)
    );

    // Named at that address (`eni-…@ADDRESS`, as `assert` names a flow
    // class), it is the interface that is asked: unknown too.
    let at = check(
        &net,
        "eni-0web0000000000001->eni-0egr0000000000009@10.1.1.5:443",
    );
    verdict(&at, "unknown");
    assert!(
        at.unknown
            .iter()
            .any(|u| u.reason.contains("delivers it to eni-0egr0000000000009")),
        "{}",
        at.to_text(false)
    );

    let by_address = check(&net, "eni-0web0000000000001->10.1.1.5:443");
    verdict(&by_address, "reachable");
    assert!(
        assumed(
            &by_address,
            "10.1.1.5 is on-premises behind vgw-0e0e0e0e0e0e0e0e1"
        ),
        "{}",
        by_address.to_text(false)
    );
    // The assumption says what the input shows of the gateway: not listed,
    // listed attached to the route's VPC (`describe-vpn-gateways`), or
    // listed detached while the route is active.
    assert!(
        assumed(
            &by_address,
            "assumed attached to vpc-0a11aa11aa11aa111 (the input does not list vgw-0e0e0e0e0e0e0e0e1)"
        ),
        "{:?}",
        by_address.assumptions
    );
    for (state, says) in [
        (
            "attached",
            "which the input shows attached to vpc-0a11aa11aa11aa111",
        ),
        (
            "detached",
            "the input does not list it attached there, but the route to it is active",
        ),
    ] {
        let doc = serde_json::json!({"VpnGateways": [{
            "State": "available",
            "Type": "ipsec.1",
            "VpcAttachments": [{"State": state, "VpcId": "vpc-0a11aa11aa11aa111"}],
            "VpnGatewayId": "vgw-0e0e0e0e0e0e0e0e1",
            "AmazonSideAsn": 64512,
            "Tags": []
        }]});
        std::fs::write(dir.path().join("vpn-gateways.json"), doc.to_string()).unwrap();
        let r = check(
            &load_snapshot(dir.path()),
            "eni-0web0000000000001->10.1.1.5:443",
        );
        verdict(&r, "reachable");
        assert!(assumed(&r, says), "{state}: {:?}", r.assumptions);
    }
}
