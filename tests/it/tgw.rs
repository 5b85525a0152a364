//! Issue 14, item 1: transit gateways and hybrid edges read from AWS CLI JSON
//! (`tests/data/tgw/snapshot/`, written by `tests/data/tgw/make.py`) and from
//! the YAML model (`tests/data/tgw/hub-and-spoke.yaml`); items 2-3: the
//! engine follows them (spoke to spoke through the inspection VPC, both
//! ways; blackholes, missing routes, zones without an attachment subnet,
//! tables whose routes are not in the input, on-premises through a VPN
//! attachment).

use std::fs;
use std::path::{Path, PathBuf};

use reach::ingest::{Loader, Locator};
use reach::model::{
    Network, RouteDest, TgwAttachment, TgwResourceType, TgwRouteState, TgwRouteTable, TgwRouteType,
};

use super::bad_input::assert_error;
use super::cli::reach;
use super::support::{all_hops, check, load_model_path, load_snapshot, root};
use reach::render::Report;

const SNAP: &str = "tests/data/tgw/snapshot";
const MODEL: &str = "tests/data/tgw/hub-and-spoke.yaml";
const TGW: &str = "tgw-0hub00000000000001";
const SPOKES: &str = "tgw-rtb-0spokes000000001";
const SHARED: &str = "tgw-rtb-0shared000000002";
const AT_A: &str = "tgw-attach-0a0000000000001";
const AT_B: &str = "tgw-attach-0b0000000000002";
const AT_C: &str = "tgw-attach-0c0000000000003";
const AT_VPN: &str = "tgw-attach-0vpn000000000004";
const AT_PEER: &str = "tgw-attach-0peer00000000005";

fn net() -> Network {
    load_snapshot(&root().join(SNAP))
}

fn cidr(s: &str) -> RouteDest {
    RouteDest::Cidr(s.parse().unwrap())
}

/// A copy of the snapshot, `edit` applied to the named file's text (`None`
/// removes the file).
fn edited(file: &str, edit: impl Fn(&str) -> Option<String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in fs::read_dir(root().join(SNAP)).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&p).unwrap();
        let text = if name == file {
            match edit(&text) {
                Some(t) => t,
                None => continue,
            }
        } else {
            text
        };
        fs::write(dir.path().join(&name), text).unwrap();
    }
    dir
}

fn load(dir: &Path) -> Network {
    load_snapshot(dir)
}

#[test]
fn the_snapshot_loads_every_transit_document() {
    let n = net();
    assert!(n.skipped.is_empty(), "{:?}", n.skipped);
    assert!(n.warnings.is_empty(), "{:#?}", n.warnings);
    assert_eq!(n.transit_gateways.len(), 1);
    assert_eq!(n.tgw_attachments.len(), 5);
    assert_eq!(n.tgw_route_tables.len(), 2);
    assert_eq!(n.vpn_connections.len(), 2);
    assert_eq!(n.vpn_gateways.len(), 1);
    let t = &n.transit_gateways[TGW];
    assert!(t.available());
    assert_eq!(t.asn, Some(64512));
    assert!(t.default_association && t.default_propagation);
    assert_eq!(t.association_default_table.as_deref(), Some(SPOKES));
    assert_eq!(t.propagation_default_table.as_deref(), Some(SHARED));
    assert!(!t.sg_referencing);
    assert!(t.origin.file.ends_with("transit-gateways.json"));
}

#[test]
fn each_attachment_has_its_association_and_details() {
    let n = net();
    let table = |id: &str| n.tgw_attachments[id].route_table().map(str::to_string);
    for (at, rt) in [
        (AT_A, SPOKES),
        (AT_B, SPOKES),
        (AT_C, SHARED),
        (AT_VPN, SHARED),
        (AT_PEER, SHARED),
    ] {
        assert_eq!(table(at).as_deref(), Some(rt), "{at}");
        assert_eq!(n.tgw_attachments[at].tgw, TGW);
    }
    let kinds: Vec<&TgwResourceType> = n
        .tgw_attachments
        .values()
        .map(|a| &a.resource_type)
        .collect();
    assert_eq!(
        kinds,
        [
            &TgwResourceType::Vpc,
            &TgwResourceType::Vpc,
            &TgwResourceType::Vpc,
            &TgwResourceType::Peering,
            &TgwResourceType::Vpn
        ]
    );
    // Appliance mode on the inspection VPC's attachment only.
    let appliance: Vec<&str> = n
        .tgw_attachments
        .values()
        .filter(|a| a.vpc.as_ref().is_some_and(|v| v.appliance_mode))
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(appliance, [AT_C]);
    // One subnet per zone: A in both, B in us-east-1a only.
    let a = &n.tgw_attachments[AT_A];
    let b = &n.tgw_attachments[AT_B];
    assert_eq!(
        n.tgw_subnet_in_az(a, "us-east-1a"),
        Some("subnet-0atgw000000000000")
    );
    assert_eq!(
        n.tgw_subnet_in_az(a, "us-east-1b"),
        Some("subnet-0atgw100000000000")
    );
    assert_eq!(
        n.tgw_subnet_in_az(b, "us-east-1a"),
        Some("subnet-0btgw000000000000")
    );
    assert_eq!(n.tgw_subnet_in_az(b, "us-east-1b"), None);
    assert_eq!(
        n.tgw_vpc_attachments(TGW, "vpc-0b00000000000000b")
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>(),
        [AT_B]
    );
    let v = b.vpc.as_ref().unwrap();
    assert!(v.dns && v.sg_referencing && !v.ipv6);
    assert!(
        v.origin
            .file
            .ends_with("transit-gateway-vpc-attachments.json")
    );
    // The peering attachment: the remote side from its own document.
    let p = n.tgw_attachments[AT_PEER].peering.as_ref().unwrap();
    let other = p.other_side(TGW).unwrap();
    assert_eq!(other.tgw, "tgw-0remote0000000001");
    assert_eq!(other.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        n.tgw_attachments[AT_VPN].resource_id.as_deref(),
        Some("vpn-0onprem0000000001")
    );
    assert!(n.tgw_attachments[AT_VPN].resource_type.on_premises());
}

fn route<'a>(t: &'a TgwRouteTable, dest: &str) -> &'a reach::model::TgwRoute {
    let d = cidr(dest);
    t.routes
        .as_ref()
        .unwrap()
        .iter()
        .find(|r| r.dest == d)
        .unwrap_or_else(|| panic!("no route {dest} in {}", t.id))
}

#[test]
fn route_tables_hold_the_wrapper_contents() {
    let n = net();
    let spokes = &n.tgw_route_tables[SPOKES];
    let shared = &n.tgw_route_tables[SHARED];
    assert!(spokes.default_association && !spokes.default_propagation);
    assert!(!shared.default_association && shared.default_propagation);
    assert!(spokes.routes_known() && shared.routes_known());
    assert_eq!(spokes.routes.as_ref().unwrap().len(), 4);
    assert_eq!(shared.routes.as_ref().unwrap().len(), 3);
    assert!(
        spokes
            .contents_origin
            .as_ref()
            .unwrap()
            .file
            .ends_with("tgw-route-table-contents-tgw-rtb-0spokes000000001.json")
    );
    let ids = |l: &Option<Vec<reach::model::TgwTableLink>>| -> Vec<String> {
        l.iter().flatten().map(|x| x.attachment.clone()).collect()
    };
    assert_eq!(ids(&spokes.associations), [AT_A, AT_B]);
    assert_eq!(ids(&spokes.propagations), [AT_C, AT_VPN]);
    assert_eq!(ids(&shared.associations), [AT_C, AT_PEER, AT_VPN]);
    assert_eq!(ids(&shared.propagations), [AT_A, AT_B]);
    // The static default route to the inspection VPC.
    let r = route(spokes, "0.0.0.0/0");
    assert_eq!(
        (r.kind, r.state),
        (TgwRouteType::Static, TgwRouteState::Active)
    );
    assert_eq!(r.targets[0].attachment, AT_C);
    assert_eq!(r.label(), "0.0.0.0/0 (static)");
    // Propagated from the VPN (BGP) and from the inspection VPC.
    let r = route(spokes, "192.168.0.0/16");
    assert_eq!(r.kind, TgwRouteType::Propagated);
    assert_eq!(r.targets[0].resource_type, TgwResourceType::Vpn);
    assert_eq!(route(spokes, "10.3.0.0/16").kind, TgwRouteType::Propagated);
    // A static blackhole inside B's propagated CIDR.
    let r = route(shared, "10.2.99.0/24");
    assert_eq!(
        (r.kind, r.state),
        (TgwRouteType::Static, TgwRouteState::Blackhole)
    );
    assert!(r.targets.is_empty());
    let r = route(shared, "10.2.0.0/16");
    assert_eq!(
        (r.kind, r.state),
        (TgwRouteType::Propagated, TgwRouteState::Active)
    );
    assert_eq!(
        r.targets[0].resource_id.as_deref(),
        Some("vpc-0b00000000000000b")
    );
    assert!(route(shared, "10.2.99.0/24").priority() < r.priority());
}

#[test]
fn a_table_whose_routes_are_not_in_the_input_is_told_apart_from_an_empty_one() {
    let dir = edited(
        "tgw-route-table-contents-tgw-rtb-0shared000000002.json",
        |_| None,
    );
    let n = load(dir.path());
    let shared = &n.tgw_route_tables[SHARED];
    assert_eq!(shared.routes, None);
    assert!(!shared.routes_known());
    assert_eq!(shared.associations, None);
    // The attachments still say their association.
    assert_eq!(n.tgw_attachments[AT_C].route_table(), Some(SHARED));
    assert!(n.tgw_route_tables[SPOKES].routes_known());

    // No routes at all: known, and empty.
    let dir = edited(
        "tgw-route-table-contents-tgw-rtb-0shared000000002.json",
        |t| {
            let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
            v["TransitGatewayRouteTableContents"][0]["Routes"] = serde_json::json!([]);
            Some(v.to_string())
        },
    );
    let shared = load(dir.path()).tgw_route_tables.remove(SHARED).unwrap();
    assert_eq!(shared.routes, Some(Vec::new()));
    assert!(shared.routes_known());

    // Cut at `--max-results`: the listed routes are kept, and marked.
    let dir = edited(
        "tgw-route-table-contents-tgw-rtb-0shared000000002.json",
        |t| {
            Some(t.replace(
                "\"AdditionalRoutesAvailable\": false",
                "\"AdditionalRoutesAvailable\": true",
            ))
        },
    );
    let n = load(dir.path());
    assert!(!n.tgw_route_tables[SHARED].routes_known());
    assert!(
        n.warnings
            .iter()
            .any(|w| w.contains("AdditionalRoutesAvailable")),
        "{:#?}",
        n.warnings
    );
}

#[test]
fn an_attachment_known_only_from_its_own_document_is_built_from_it() {
    // Without `describe-transit-gateway-attachments`: the VPC and peering
    // documents make the attachments; the tables' lists give associations.
    let dir = edited("transit-gateway-attachments.json", |_| None);
    let n = load(dir.path());
    assert_eq!(n.tgw_attachments.len(), 4, "{:?}", n.tgw_attachments.keys());
    let a: &TgwAttachment = &n.tgw_attachments[AT_A];
    assert_eq!(a.resource_type, TgwResourceType::Vpc);
    assert_eq!(a.route_table(), Some(SPOKES));
    let p = &n.tgw_attachments[AT_PEER];
    assert_eq!(p.tgw, TGW);
    assert_eq!(p.resource_id.as_deref(), Some("tgw-0remote0000000001"));
    assert_eq!(p.route_table(), Some(SHARED));
    // The VPN attachment is named by routes and lists only: warnings, not errors.
    assert!(!n.tgw_attachments.contains_key(AT_VPN));
    assert!(
        n.warnings
            .iter()
            .any(|w| w.contains("no transit gateway attachment `tgw-attach-0vpn000000000004`")),
        "{:#?}",
        n.warnings
    );
}

#[test]
fn vpn_connections_and_gateways() {
    let n = net();
    let v = &n.vpn_connections["vpn-0onprem0000000001"];
    assert_eq!(v.transit_gateway.as_deref(), Some(TGW));
    assert_eq!(v.vpn_gateway, None);
    assert!(!v.static_routes_only);
    let ips: Vec<String> = v.tunnels.iter().map(|t| t.outside_ip.to_string()).collect();
    assert_eq!(ips, ["52.0.0.1", "52.0.0.2"]);
    let l = &n.vpn_connections["vpn-0legacy0000000002"];
    assert_eq!(l.vpn_gateway.as_deref(), Some("vgw-0legacy0000000001"));
    assert!(l.static_routes_only);
    assert_eq!(l.routes.len(), 1);
    assert_eq!(l.routes[0].dest.to_string(), "192.168.50.0/24");
    let status: Vec<Option<&str>> = l.tunnels.iter().map(|t| t.status.as_deref()).collect();
    assert_eq!(status, [Some("UP"), Some("DOWN")]);
    let g = &n.vpn_gateways["vgw-0legacy0000000001"];
    assert!(g.attached_vpcs().eq(["vpc-0a00000000000000a"]));
    assert_eq!(g.asn, Some(64512));
}

#[test]
fn check_reads_the_snapshot_and_follows_the_transit_gateway() {
    let r = reach(&[
        "check",
        "--snapshot",
        SNAP,
        "--format",
        "json",
        "eni-0a1work000000001->10.2.1.10:443",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["skipped"], serde_json::json!([]), "{}", r.stdout);
    assert_eq!(v["warnings"], serde_json::json!([]), "{}", r.stdout);
    assert_eq!(v["verdict"], "reachable");
    assert!(
        r.stdout.contains(SPOKES) && r.stdout.contains(SHARED),
        "{}",
        r.stdout
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[track_caller]
fn verdict(r: &Report, want: &str) {
    assert_eq!(r.verdict, want, "{}", r.to_text(false));
}

/// `component rule` of each hop, forward then return, of the first path.
fn hops(r: &Report) -> (Vec<String>, Vec<String>) {
    let p = &r.paths[0];
    let f = |h: &[reach::render::HopOut]| {
        h.iter()
            .map(|h| format!("{} {}", h.component, h.rule))
            .collect::<Vec<_>>()
    };
    (f(&p.hops), f(&p.return_hops))
}

#[test]
fn spoke_to_spoke_through_the_inspection_vpc_both_ways() {
    let r = check(&net(), "eni-0a1work000000001->10.2.1.10:443");
    verdict(&r, "reachable");
    let (fwd, back) = hops(&r);
    let want_fwd = [
        "sg-0a00000000000000a outbound rule IpPermissionsEgress[0].IpRanges[0]: all to 0.0.0.0/0",
        "rtb-0a0000000000000a1 0.0.0.0/0 -> tgw-0hub00000000000001",
        "acl-0a000000000000001 outbound rule 100: allow all to 0.0.0.0/0",
        "acl-0a000000000000001 inbound rule 100: allow all from 0.0.0.0/0",
        "tgw-attach-0a0000000000001 vpc-0a00000000000000a -> tgw-0hub00000000000001 through subnet-0atgw000000000000 (us-east-1a)",
        "tgw-rtb-0spokes000000001 0.0.0.0/0 -> tgw-attach-0c0000000000003 (static)",
        "tgw-attach-0c0000000000003 tgw-0hub00000000000001 -> vpc-0c00000000000000c through subnet-0ctgw000000000000 (us-east-1a)",
        "rtb-0c0000000000000c1 10.0.0.0/8 -> tgw-0hub00000000000001",
        "tgw-attach-0c0000000000003 vpc-0c00000000000000c -> tgw-0hub00000000000001 through subnet-0ctgw000000000000 (us-east-1a)",
        "tgw-rtb-0shared000000002 10.2.0.0/16 -> tgw-attach-0b0000000000002 (propagated)",
        "tgw-attach-0b0000000000002 tgw-0hub00000000000001 -> vpc-0b00000000000000b through subnet-0btgw000000000000 (us-east-1a)",
        "rtb-0b0000000000000b1 10.2.0.0/16 -> local",
        "acl-0b000000000000001 outbound rule 100: allow all to 0.0.0.0/0",
        "acl-0b000000000000001 inbound rule 100: allow all from 0.0.0.0/0",
        "sg-0b00000000000000b inbound rule IpPermissions[0].IpRanges[0]: tcp 443 from 10.0.0.0/8",
        "eni-0b1work000000003 delivered",
    ];
    assert_eq!(fwd, want_fwd, "{}", r.to_text(false));
    // The reply is routed on its own: B's table, then the table associated
    // with B's attachment (spokes), the inspection VPC, shared, A.
    let want_back = [
        "sg-0b00000000000000b outbound reply of an allowed connection (security groups are stateful)",
        "rtb-0b0000000000000b1 10.0.0.0/8 -> tgw-0hub00000000000001",
        "acl-0b000000000000001 outbound rule 100: allow all to 0.0.0.0/0",
        "acl-0b000000000000001 inbound rule 100: allow all from 0.0.0.0/0",
        "tgw-attach-0b0000000000002 vpc-0b00000000000000b -> tgw-0hub00000000000001 through subnet-0btgw000000000000 (us-east-1a)",
        "tgw-rtb-0spokes000000001 0.0.0.0/0 -> tgw-attach-0c0000000000003 (static)",
        "tgw-attach-0c0000000000003 tgw-0hub00000000000001 -> vpc-0c00000000000000c through subnet-0ctgw000000000000 (us-east-1a)",
        "rtb-0c0000000000000c1 10.0.0.0/8 -> tgw-0hub00000000000001",
        "tgw-attach-0c0000000000003 vpc-0c00000000000000c -> tgw-0hub00000000000001 through subnet-0ctgw000000000000 (us-east-1a)",
        "tgw-rtb-0shared000000002 10.1.0.0/16 -> tgw-attach-0a0000000000001 (propagated)",
        "tgw-attach-0a0000000000001 tgw-0hub00000000000001 -> vpc-0a00000000000000a through subnet-0atgw000000000000 (us-east-1a)",
        "rtb-0a0000000000000a1 10.1.0.0/16 -> local",
        "acl-0a000000000000001 outbound rule 100: allow all to 0.0.0.0/0",
        "acl-0a000000000000001 inbound rule 100: allow all from 0.0.0.0/0",
        "sg-0a00000000000000a inbound reply of an allowed connection (security groups are stateful)",
        "eni-0a1work000000001 delivered",
    ];
    assert_eq!(back, want_back, "{}", r.to_text(false));
    assert!(
        r.assumptions
            .iter()
            .any(|a| a.contains(AT_C) && a.contains("appliance mode")),
        "{:?}",
        r.assumptions
    );
    // And the other way.
    verdict(
        &check(&net(), "eni-0b1work000000003->10.1.1.10:443"),
        "reachable",
    );
}

#[test]
fn a_blackhole_static_route_beats_the_propagated_one_it_is_inside() {
    // 10.2.99.0/24 (static, blackhole) in shared is more specific than B's
    // propagated 10.2.0.0/16.
    let r = check(&net(), "eni-0a1work000000001->10.2.99.5:443");
    verdict(&r, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!((b.component.as_str(), b.direction), (SHARED, "forward"));
    assert_eq!(b.kind, "transit-gateway-route-table");
    assert!(
        b.reason.contains("10.2.99.0/24 (static)") && b.reason.contains("blackhole"),
        "{}",
        b.reason
    );
    assert!(
        all_hops(&r)
            .iter()
            .any(|h| h == &format!("{SHARED} 10.2.99.0/24 (static) (blackhole)"))
    );
}

/// The snapshot with shared's routes edited.
fn shared_routes(edit: impl Fn(&mut Vec<serde_json::Value>)) -> Network {
    let file = format!("tgw-route-table-contents-{SHARED}.json");
    let dir = edited(&file, |t| {
        let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
        let routes = v["TransitGatewayRouteTableContents"][0]["Routes"]
            .as_array_mut()
            .unwrap();
        edit(routes);
        Some(v.to_string())
    });
    load(dir.path())
}

#[test]
fn static_beats_propagated_at_equal_prefix() {
    let n = shared_routes(|rs| {
        rs.push(serde_json::json!({"DestinationCidrBlock": "10.2.0.0/16", "Type": "static", "State": "blackhole"}));
    });
    let r = check(&n, "eni-0a1work000000001->10.2.1.10:443");
    verdict(&r, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!(b.component, SHARED);
    assert!(b.reason.contains("10.2.0.0/16 (static)"), "{}", b.reason);
}

#[test]
fn a_missing_return_route_is_unreachable_on_the_return() {
    // Shared (the table of the inspection VPC's attachment, which the reply
    // re-enters through) loses A's propagated CIDR.
    let n = shared_routes(|rs| rs.retain(|r| r["DestinationCidrBlock"] != "10.1.0.0/16"));
    let r = check(&n, "eni-0a1work000000001->10.2.1.10:443");
    verdict(&r, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!((b.component.as_str(), b.direction), (SHARED, "return"));
    assert!(
        b.reason.contains("no route for 10.1.1.10") && b.reason.contains(AT_C),
        "{}",
        b.reason
    );
    assert_eq!(r.paths[0].stops, Some("return"));
}

#[test]
fn a_zone_without_an_attachment_subnet_cannot_reach_the_transit_gateway() {
    // B's attachment has a subnet in us-east-1a only: the reply from B's
    // us-east-1b workload cannot enter the transit gateway.
    let r = check(&net(), "eni-0a1work000000001->10.2.2.10:443");
    verdict(&r, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!((b.component.as_str(), b.direction), (AT_B, "return"));
    assert!(
        b.reason.contains("us-east-1b") && b.reason.contains("subnet-0bwork10000000000"),
        "{}",
        b.reason
    );
    // And forward from there.
    let r = check(&net(), "eni-0b2work000000002->10.1.1.10:443");
    verdict(&r, "unreachable");
    assert_eq!(r.blocked_by[0].component, AT_B);
    assert_eq!(r.blocked_by[0].direction, "forward");
}

#[test]
fn a_table_whose_routes_are_not_in_the_input_is_unknown_naming_it() {
    let dir = edited(&format!("tgw-route-table-contents-{SHARED}.json"), |_| None);
    let r = check(&load(dir.path()), "eni-0a1work000000001->10.2.1.10:443");
    verdict(&r, "unknown");
    assert!(
        r.unknown
            .iter()
            .any(|u| u.component == SHARED && u.reason.contains("not in the input")),
        "{}",
        r.to_text(false)
    );
}

#[test]
fn on_premises_through_the_vpn_attachment_and_back() {
    let r = check(&net(), "eni-0a1work000000001->192.168.1.1:443");
    verdict(&r, "reachable");
    let (fwd, back) = hops(&r);
    assert!(
        fwd.iter()
            .any(|h| h.starts_with(&format!("{SPOKES} 192.168.0.0/16 -> {AT_VPN} (propagated)"))),
        "{fwd:?}"
    );
    assert!(fwd.iter().any(|h| h.starts_with(AT_VPN)), "{fwd:?}");
    assert!(back[0].starts_with(AT_VPN), "{back:?}");
    assert!(
        back.iter()
            .any(|h| h.starts_with(&format!("{SHARED} 10.1.0.0/16"))),
        "{back:?}"
    );
    // The peering attachment leads to a transit gateway outside the input.
    let r = check(&net(), "eni-0a1work000000001->172.16.0.5:443");
    verdict(&r, "unknown");
    assert!(
        r.unknown
            .iter()
            .any(|u| u.component == AT_PEER && u.reason.contains("tgw-0remote0000000001"))
    );
}

#[test]
fn group_references_do_not_match_across_a_transit_gateway_without_referencing() {
    // B's group allows 443 from A's group only: the transit gateway has
    // security-group referencing off, so the reference matches nothing.
    let mut n = net();
    let b = n.security_groups.get_mut("sg-0b00000000000000b").unwrap();
    b.ingress[0].peer = reach::model::Peer::Group("sg-0a00000000000000a".into());
    let r = check(&n, "eni-0a1work000000001->10.2.1.10:443");
    verdict(&r, "unreachable");
    assert_eq!(r.blocked_by[0].component, "sg-0b00000000000000b");
    // With referencing on (gateway and attachments), it matches.
    n.transit_gateways.get_mut(TGW).unwrap().sg_referencing = true;
    verdict(
        &check(&n, "eni-0a1work000000001->10.2.1.10:443"),
        "reachable",
    );
}

#[test]
fn prove_agrees_on_the_transit_gateway_queries() {
    for (q, want) in [
        ("eni-0a1work000000001->10.2.1.10:443", "z3 proved reachable"),
        (
            "eni-0a1work000000001->10.2.2.10:443",
            "z3 proved unreachable",
        ),
        (
            "eni-0a1work000000001->10.2.99.5:443",
            "z3 proved unreachable",
        ),
        (
            "eni-0a1work000000001->192.168.1.1:443",
            "z3 proved reachable",
        ),
        ("eni-0a1work000000001->172.16.0.5:443", "z3 proved unknown"),
        (
            "eni-0b2work000000002->10.1.1.10:443",
            "z3 proved unreachable",
        ),
    ] {
        let r = reach(&["check", "--prove", "--snapshot", SNAP, q]);
        if r.stderr.contains("feature") {
            return; // built without z3
        }
        assert!(r.stdout.contains(want), "{q}: {}{}", r.stdout, r.stderr);
    }
}

/// One malformed document: exit 2 naming file, resource and field.
#[track_caller]
fn bad(file: &str, from: &str, to: &str, needles: &[&str]) {
    let dir = edited(file, |t| {
        assert!(t.contains(from), "`{from}` not in {file}");
        Some(t.replacen(from, to, 1))
    });
    let p = dir.path().to_string_lossy().into_owned();
    let r = reach(&[
        "check",
        "--snapshot",
        &p,
        "eni-0a1work000000001->10.2.2.10:443",
    ]);
    let mut all = vec![file];
    all.extend_from_slice(needles);
    assert_error(&r, &all);
}

#[test]
fn malformed_transit_documents_name_file_resource_and_field() {
    let rtb = "tgw-route-table-contents-tgw-rtb-0shared000000002.json";
    bad(
        rtb,
        "\"Type\": \"static\"",
        "\"Type\": \"sticky\"",
        &[
            "transit gateway route table `tgw-rtb-0shared000000002`",
            "Routes[2].Type",
            "sticky",
        ],
    );
    bad(
        rtb,
        "\"10.2.99.0/24\"",
        "\"10.2.99.0/33\"",
        &["Routes[2].DestinationCidrBlock", "10.2.99.0/33"],
    );
    bad(
        rtb,
        "\"State\": \"blackhole\"",
        "\"State\": \"gone\"",
        &["Routes[2].State"],
    );
    bad(
        rtb,
        "\"DestinationCidrBlock\": \"10.2.99.0/24\",",
        "",
        &["Routes[2].DestinationCidrBlock", "missing"],
    );
    bad(
        rtb,
        "\"TransitGatewayRouteTableId\": \"tgw-rtb-0shared000000002\",",
        "",
        &[
            "TransitGatewayRouteTableContents[0]",
            "TransitGatewayRouteTableId",
            "missing",
        ],
    );
    bad(
        "transit-gateway-vpc-attachments.json",
        "\"ApplianceModeSupport\": \"enable\"",
        "\"ApplianceModeSupport\": \"yes\"",
        &[
            "transit gateway attachment `tgw-attach-0c0000000000003`",
            "Options.ApplianceModeSupport",
            "`yes`",
        ],
    );
    bad(
        "transit-gateway-vpc-attachments.json",
        "\"SubnetIds\": [",
        "\"SubnetIds\": 7, \"X\": [",
        &["tgw-attach-0a0000000000001", "SubnetIds"],
    );
    bad(
        "transit-gateway-attachments.json",
        "\"TransitGatewayId\": \"tgw-0hub00000000000001\",",
        "",
        &["tgw-attach-0a0000000000001", "TransitGatewayId", "missing"],
    );
    bad(
        "transit-gateways.json",
        "\"DefaultRouteTableAssociation\": \"enable\"",
        "\"DefaultRouteTableAssociation\": true",
        &[
            "transit gateway `tgw-0hub00000000000001`",
            "Options.DefaultRouteTableAssociation",
        ],
    );
    bad(
        "vpn-connections.json",
        "\"192.168.50.0/24\"",
        "\"192.168.50.0/99\"",
        &[
            "vpn connection `vpn-0legacy0000000002`",
            "Routes[0].DestinationCidrBlock",
        ],
    );
    bad(
        "vpn-connections.json",
        "\"OutsideIpAddress\": \"52.0.0.1\"",
        "\"OutsideIpAddress\": \"52.0.0\"",
        &[
            "vpn-0onprem0000000001",
            "Options.TunnelOptions[0].OutsideIpAddress",
        ],
    );
    bad(
        "vpn-gateways.json",
        "\"VpcId\": \"vpc-0a00000000000000a\"",
        "\"VpcId\": 5",
        &[
            "vpn gateway `vgw-0legacy0000000001`",
            "VpcAttachments[0].VpcId",
        ],
    );
}

#[test]
fn references_outside_a_snapshot_are_warnings() {
    // A VPC attachment of another account's VPC, a route to an attachment of
    // another transit gateway: legitimate input, warned about.
    let dir = edited("transit-gateway-vpc-attachments.json", |t| {
        Some(t.replacen(
            "\"VpcId\": \"vpc-0b00000000000000b\"",
            "\"VpcId\": \"vpc-0other000000000000\"",
            1,
        ))
    });
    let n = load(dir.path());
    assert!(
        n.warnings
            .iter()
            .any(|w| w.contains("field `VpcId`: no vpc `vpc-0other000000000000`")),
        "{:#?}",
        n.warnings
    );
    // Its subnet is then in another VPC than the attachment's.
    assert!(
        n.warnings
            .iter()
            .any(|w| w.contains("SubnetIds[0]") && w.contains("aws does not allow")),
        "{:#?}",
        n.warnings
    );
    let dir = edited("transit-gateways.json", |_| None);
    let n = load(dir.path());
    assert!(
        n.warnings
            .iter()
            .any(|w| w.contains("no `TransitGateways` document")),
        "{:#?}",
        n.warnings
    );
}

#[test]
fn the_locator_finds_transit_resources() {
    let snap = root().join(SNAP);
    let l = Locator::new(std::slice::from_ref(&snap), &root()).unwrap();
    let at = |id: &str| l.resource(id, None).map(|s| (s.file, s.line));
    let line_of = |file: &str, needle: &str| -> u32 {
        let text = fs::read_to_string(snap.join(file)).unwrap();
        let i = text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {file}"));
        text[..i].matches('\n').count() as u32 + 1
    };
    for (id, file, key) in [
        (TGW, "transit-gateways.json", "TransitGatewayId"),
        (
            AT_A,
            "transit-gateway-attachments.json",
            "TransitGatewayAttachmentId",
        ),
        (
            SPOKES,
            "transit-gateway-route-tables.json",
            "TransitGatewayRouteTableId",
        ),
        (
            "vpn-0onprem0000000001",
            "vpn-connections.json",
            "VpnConnectionId",
        ),
        ("vgw-0legacy0000000001", "vpn-gateways.json", "VpnGatewayId"),
    ] {
        let want = line_of(file, &format!("\"{key}\": \"{id}\""));
        assert_eq!(at(id), Some((format!("{SNAP}/{file}"), want)), "{id}");
    }
    let m = Locator::new(&[root().join(MODEL)], &root()).unwrap();
    let found = m.resource(AT_C, None).unwrap();
    let text = fs::read_to_string(root().join(MODEL)).unwrap();
    let line = text.lines().nth(found.line as usize - 1).unwrap();
    assert!(line.contains(&format!("id: {AT_C}")), "{line}");
}

/// The transit part of a network, without what only one format says
/// (files, owners, regions, the peering's status).
fn transit_part(n: &Network) -> String {
    let mut n = n.clone();
    let blank = reach::model::Origin::new("");
    for t in n.transit_gateways.values_mut() {
        t.owner = None;
        t.origin = blank.clone();
    }
    for a in n.tgw_attachments.values_mut() {
        a.resource_owner = None;
        a.origin = blank.clone();
        if let Some(v) = &mut a.vpc {
            v.vpc_owner = None;
            v.origin = blank.clone();
        }
        if let Some(p) = &mut a.peering {
            p.origin = blank.clone();
            p.status = None;
            for side in [&mut p.requester, &mut p.accepter] {
                side.owner = None;
                side.region = side.region.take().filter(|r| r != "us-east-1");
            }
        }
    }
    for t in n.tgw_route_tables.values_mut() {
        t.origin = blank.clone();
        t.contents_origin = None;
        if let Some(r) = &mut t.routes {
            r.sort_by_key(|r| (r.dest.describe(), r.kind == TgwRouteType::Propagated));
        }
    }
    for v in n.vpn_connections.values_mut() {
        v.origin = blank.clone();
    }
    for g in n.vpn_gateways.values_mut() {
        g.origin = blank.clone();
    }
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}",
        n.transit_gateways,
        n.tgw_attachments,
        n.tgw_route_tables,
        n.vpn_connections,
        n.vpn_gateways
    )
}

#[test]
fn the_yaml_model_lowers_to_the_same_transit_model() {
    let y = load_model_path(&root().join(MODEL));
    assert!(y.warnings.is_empty(), "{:#?}", y.warnings);
    let (j, y) = (transit_part(&net()), transit_part(&y));
    if j != y {
        let diff: Vec<String> = j
            .lines()
            .zip(y.lines())
            .filter(|(a, b)| a != b)
            .take(10)
            .map(|(a, b)| format!("json: {a}\nyaml: {b}"))
            .collect();
        panic!("the models differ:\n{}", diff.join("\n"));
    }
}

fn model_with(from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
    let text = fs::read_to_string(root().join(MODEL)).unwrap();
    assert!(text.contains(from), "`{from}` not in the model");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.yaml");
    fs::write(&p, text.replacen(from, to, 1)).unwrap();
    (dir, p)
}

#[track_caller]
fn bad_model(from: &str, to: &str, needles: &[&str]) {
    let (_d, p) = model_with(from, to);
    let p = p.to_string_lossy().into_owned();
    let r = reach(&["check", "--model", &p, "10.1.1.10->10.2.2.10:443"]);
    let mut all = vec!["m.yaml"];
    all.extend_from_slice(needles);
    assert_error(&r, &all);
}

#[test]
fn the_yaml_sections_are_checked() {
    // Unknown keys.
    bad_model(
        "appliance_mode: true",
        "appliance: true",
        &[
            "transit gateway `tgw-0hub00000000000001`",
            "attachments[2].appliance",
        ],
    );
    // A route to an attachment the model does not declare.
    bad_model(
        "{dest: 0.0.0.0/0, attachment: tgw-attach-0c0000000000003}",
        "{dest: 0.0.0.0/0, attachment: tgw-attach-0typo}",
        &[
            "transit gateway route table `tgw-rtb-0spokes000000001`",
            "routes[0].attachment",
            "no transit gateway attachment `tgw-attach-0typo`",
        ],
    );
    // An association with a table the transit gateway does not have.
    bad_model(
        "route_table: tgw-rtb-0shared000000002\n        propagate_to: [tgw-rtb-0spokes000000001]\n      - id: tgw-attach-0vpn",
        "route_table: tgw-rtb-0other\n        propagate_to: [tgw-rtb-0spokes000000001]\n      - id: tgw-attach-0vpn",
        &[
            "tgw-attach-0c0000000000003",
            "route_table",
            "tgw-rtb-0other",
        ],
    );
    // Two subnets in one zone.
    bad_model(
        "subnets: [subnet-0atgw000000000000, subnet-0atgw100000000000]",
        "subnets: [subnet-0atgw000000000000, subnet-0awork00000000000]",
        &[
            "tgw-attach-0a0000000000001",
            "subnets[1]",
            "one subnet per availability zone",
        ],
    );
    // A subnet of another VPC.
    bad_model(
        "subnets: [subnet-0btgw000000000000]",
        "subnets: [subnet-0ctgw000000000000]",
        &[
            "tgw-attach-0b0000000000002",
            "subnets[0]",
            "vpc-0c00000000000000c",
        ],
    );
    // A VPN connection naming an undeclared gateway; an attachment with two kinds.
    bad_model(
        "transit_gateway: tgw-0hub00000000000001",
        "transit_gateway: tgw-0nope",
        &[
            "vpn connection `vpn-0onprem0000000001`",
            "transit_gateway",
            "tgw-0nope",
        ],
    );
    bad_model(
        "vpn: vpn-0onprem0000000001",
        "vpn: vpn-0onprem0000000001\n        vpc: vpc-0a00000000000000a",
        &["tgw-attach-0vpn000000000004", "`vpn`"],
    );
    bad_model(
        "{dest: 172.16.0.0/16, attachment: tgw-attach-0peer00000000005}",
        "{dest: 172.16.0.0/16}",
        &["routes[1].attachment", "missing"],
    );
}

#[test]
fn a_change_to_an_attachment_is_a_diff_change() {
    let before = net();
    let dir = edited("transit-gateway-vpc-attachments.json", |t| {
        Some(t.replacen(
            "\"ApplianceModeSupport\": \"enable\"",
            "\"ApplianceModeSupport\": \"disable\"",
            1,
        ))
    });
    let after = load(dir.path());
    let ch = reach::diff::changes(&before, &after);
    assert_eq!(ch.len(), 1, "{ch:#?}");
    assert_eq!(ch[0].resource, AT_C);
    assert_eq!(ch[0].kind, "transit-gateway-attachment");
    assert_eq!(ch[0].vpc.as_deref(), Some("vpc-0c00000000000000c"));
    assert!(
        ch[0].line().contains("appliance_mode: false"),
        "{}",
        ch[0].line()
    );
    // A route removed from a table.
    let dir = edited(
        "tgw-route-table-contents-tgw-rtb-0shared000000002.json",
        |t| {
            let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
            v["TransitGatewayRouteTableContents"][0]["Routes"]
                .as_array_mut()
                .unwrap()
                .pop();
            Some(v.to_string())
        },
    );
    let ch = reach::diff::changes(&before, &load(dir.path()));
    assert_eq!(ch.len(), 1, "{ch:#?}");
    assert_eq!(ch[0].kind, "transit-gateway-route-table");
    assert!(ch[0].line().contains("10.2.99.0/24"), "{}", ch[0].line());
}

#[test]
fn a_wrapper_document_loads_beside_the_tables_it_fills() {
    let text = fs::read_to_string(
        root()
            .join(SNAP)
            .join("tgw-route-table-contents-tgw-rtb-0spokes000000001.json"),
    )
    .unwrap();
    let mut l = Loader::new();
    l.add_snapshot_path(&root().join(SNAP).join("transit-gateway-route-tables.json"))
        .unwrap();
    l.add_json("contents.json", &text).unwrap();
    let n = l.finish().unwrap();
    assert_eq!(n.tgw_route_tables[SPOKES].routes.as_ref().unwrap().len(), 4);
    assert_eq!(n.tgw_route_tables[SHARED].routes, None);
}

#[test]
fn appliance_mode_keeps_the_reply_in_the_zone_of_the_request() {
    // B gains an attachment subnet in us-east-1b: B's us-east-1b workload
    // enters the transit gateway there, and the inspection VPC (appliance
    // mode) is entered in us-east-1b. The reply, from A's us-east-1a host,
    // would enter it in us-east-1a; appliance mode keeps us-east-1b.
    let mut n = net();
    n.tgw_attachments
        .get_mut(AT_B)
        .unwrap()
        .vpc
        .as_mut()
        .unwrap()
        .subnets
        .push("subnet-0btgw100000000000".into());
    let into_c = |r: &Report| -> (Vec<String>, Vec<String>) {
        let (f, b) = hops(r);
        let pick = |h: Vec<String>| {
            h.into_iter()
                .filter(|h| h.starts_with(&format!("{AT_C} {TGW} ->")))
                .collect::<Vec<_>>()
        };
        (pick(f), pick(b))
    };
    let q = "eni-0b2work000000002->10.1.1.10:443";
    let r = check(&n, q);
    verdict(&r, "reachable");
    let one_b = format!(
        "{AT_C} {TGW} -> vpc-0c00000000000000c through subnet-0ctgw100000000000 (us-east-1b)"
    );
    assert_eq!(
        into_c(&r),
        (vec![one_b.clone()], vec![one_b]),
        "{}",
        r.to_text(false)
    );
    // Without appliance mode, each direction enters in its sender's zone.
    n.tgw_attachments
        .get_mut(AT_C)
        .unwrap()
        .vpc
        .as_mut()
        .unwrap()
        .appliance_mode = false;
    let r = check(&n, q);
    verdict(&r, "reachable");
    let one_a = format!(
        "{AT_C} {TGW} -> vpc-0c00000000000000c through subnet-0ctgw000000000000 (us-east-1a)"
    );
    let one_b = format!(
        "{AT_C} {TGW} -> vpc-0c00000000000000c through subnet-0ctgw100000000000 (us-east-1b)"
    );
    assert_eq!(
        into_c(&r),
        (vec![one_b], vec![one_a]),
        "{}",
        r.to_text(false)
    );
}

const CVPN_MODEL: &str = "tests/data/tgw/client-vpn-spoke.yaml";

#[test]
fn a_client_vpn_user_reaches_a_spoke_through_the_transit_gateway() {
    let r = reach(&[
        "check",
        "--model",
        CVPN_MODEL,
        "--prove",
        "client->10.2.1.10:22",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("reachable"), "{}", r.stdout);
    for needle in [
        "tgw-attach-0hub0000000001",
        "tgw-rtb-0all00000000001  transit-gateway-route-table route          10.2.0.0/16 -> tgw-attach-0spoke000000002 (propagated)",
        "10.1.0.0/16 -> tgw-attach-0hub0000000001 (propagated)",
    ] {
        assert!(r.stdout.contains(needle), "{needle}\n{}", r.stdout);
    }
    if !r.stderr.contains("feature") {
        assert!(
            r.stdout.contains("z3 proved reachable"),
            "{}{}",
            r.stdout,
            r.stderr
        );
    }
    // Without the spoke's route back to the hub, the reply is dropped in
    // the spoke's route table.
    let text = fs::read_to_string(root().join(CVPN_MODEL)).unwrap();
    let text = text.replace(
        "    routes:\n      - {dest: 10.1.0.0/16, target: tgw-0hub00000000000001}\n",
        "    routes: []\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    fs::write(&path, text).unwrap();
    let n = load_model_path(&path);
    let r = check(&n, "client->10.2.1.10:22");
    verdict(&r, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!(
        (b.component.as_str(), b.direction),
        ("rtb-0spoke0000000001", "return")
    );
}

// ---------------------------------------------------------------- item 5:
// the whole-network commands across the transit gateway.

/// `who` finds sources in other VPCs through the transit gateway, says so,
/// never lists the attachments' own interfaces, and agrees with one check
/// per interface.
#[test]
fn who_finds_sources_across_the_transit_gateway() {
    use reach::who::{self, Ask, From, Source};
    let n = net();
    let ask = Ask {
        dst: reach::engine::DstSpec::Eni("eni-0b1work000000003".into()),
        services: vec![(reach::model::Protocol::TCP, (443, 443))],
        from: From::Interfaces,
    };
    let a = who::who(&n, &ask).unwrap();
    let from = |eni: &str| {
        a.found.iter().find(|f| {
            matches!(&f.source, Source::Interfaces { enis, .. } if enis.iter().any(|e| e == eni))
        })
    };
    // A (through the inspection VPC) and C reach B; B's us-east-1b
    // workload does not (its zone has no attachment subnet, but it is in
    // B's own VPC: local).
    let fa = from("eni-0a1work000000001").expect("A reaches B");
    assert_eq!(fa.via, vec!["transit-gateway"], "{:?}", fa.via);
    let fc = from("eni-0c1fw0000000004").expect("C reaches B");
    assert_eq!(fc.via, vec!["transit-gateway"]);
    assert_eq!(from("eni-0b2work000000002").unwrap().via, vec!["local"]);
    for f in &a.found {
        if let Source::Interfaces { enis, .. } = &f.source {
            assert!(
                enis.iter().all(|e| !e.contains("tgw")),
                "an attachment interface listed as a source: {enis:?}"
            );
        }
    }
    let (compared, _, _) = super::who::who_matches_per_interface(
        &n,
        "eni-0b1work000000003",
        reach::model::Protocol::TCP,
        (443, 443),
    )
    .unwrap();
    assert!(compared >= 3, "{compared}");
    // The CLI says it too.
    let r = reach(&["who", "--snapshot", SNAP, "eni-0b1work000000003:443"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("via transit-gateway"), "{}", r.stdout);
    assert!(!r.stdout.contains("eni-0atgw"), "{}", r.stdout);
}

/// A diff of two snapshots whose transit gateway table lost a route: the
/// flows lost on both sides of it, each naming the table and the route.
#[test]
fn diff_names_the_transit_gateway_route_that_was_removed() {
    let file = format!("tgw-route-table-contents-{SHARED}.json");
    let after = edited(&file, |t| {
        let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
        v["TransitGatewayRouteTableContents"][0]["Routes"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["DestinationCidrBlock"] != "10.1.0.0/16");
        Some(v.to_string())
    });
    let d = reach::diff::diff(&net(), &load(after.path())).unwrap();
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    let c = &d.changes[0];
    assert_eq!(
        (c.resource.as_str(), c.kind),
        (SHARED, "transit-gateway-route-table")
    );
    assert_eq!(
        c.line(),
        format!(
            "{SHARED} (transit-gateway-route-table) modified: removed route 10.1.0.0/16: propagated -> {AT_A}"
        )
    );
    let lost: Vec<(String, String)> = d
        .flows
        .iter()
        .map(|f| {
            assert_eq!(f.direction, reach::diff::Direction::Lost);
            assert_eq!(d.changes[f.because[0].change].resource, SHARED);
            (f.source.key(), f.dst.clone())
        })
        .collect();
    for (src, dst) in [
        ("subnet-0awork00000000000 ", "eni-0b1work000000003"),
        ("subnet-0bwork00000000000 ", "eni-0a1work000000001"),
        ("subnet-0awork00000000000 ", "eni-0c1fw0000000004"),
    ] {
        assert!(
            lost.iter().any(|(s, d)| s.contains(src) && d == dst),
            "{src} -> {dst} not lost: {lost:?}"
        );
    }
}

/// A change in one VPC's route table changes what reaches the other VPCs on
/// the transit gateway: their destinations are recomputed, not skipped.
#[test]
fn diff_recomputes_destinations_in_vpcs_on_the_same_transit_gateway() {
    let after = edited("route-tables.json", |t| {
        let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
        for rt in v["RouteTables"].as_array_mut().unwrap() {
            if rt["RouteTableId"] == "rtb-0a0000000000000a1" {
                rt["Routes"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|r| r["TransitGatewayId"].is_null());
            }
        }
        Some(v.to_string())
    });
    let (before, after) = (net(), load(after.path()));
    let d = reach::diff::diff(&before, &after).unwrap();
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    assert_eq!(d.changes[0].vpc.as_deref(), Some("vpc-0a00000000000000a"));
    let vpcs = reach::diff::affected_vpcs(&before, &after, &d.changes);
    assert!(vpcs.contains("vpc-0b00000000000000b") && vpcs.contains("vpc-0c00000000000000c"));
    assert!(
        d.flows.iter().any(|f| f.dst == "eni-0b1work000000003"
            && f.source.key().starts_with("subnet-0awork00000000000 ")
            && f.direction == reach::diff::Direction::Lost),
        "{:#?}",
        d.flows.iter().map(|f| f.class()).collect::<Vec<_>>()
    );
}

/// Assertions across the transit gateway hold and fail as the engine says.
#[test]
fn assertions_across_the_transit_gateway() {
    let policy = "assertions:
  - {name: a reaches b, kind: must_reach, from: eni-0a1work000000001, to: eni-0b1work000000003, ports: 443}
  - {name: b's other zone cannot reach a, kind: must_not_reach, from: eni-0b2work000000002, to: eni-0a1work000000001, ports: 443}
  - {name: only a and c reach b from other VPCs, kind: only, to: eni-0b1work000000003, ports: 443,
     allowed: [subnet-0awork00000000000, subnet-0cwork00000000000, vpc-0b00000000000000b]}
  - {name: a reaches the far side of the blackhole, kind: must_reach, from: eni-0a1work000000001, to: 10.2.99.10, ports: 443}
";
    let p = reach::assert::parse("policy.yaml", policy).unwrap();
    let r = reach::assert::evaluate(&net(), &p).unwrap();
    let status: Vec<&str> = r.outcomes.iter().map(|o| o.status.name()).collect();
    assert_eq!(
        status,
        ["holds", "holds", "holds", "violated"],
        "{:#?}",
        r.outcomes
    );
    let w = r.outcomes[3].witness().expect("a witness");
    assert!(
        format!("{w:?}").contains(SHARED),
        "the witness names the table with the blackhole: {w:#?}"
    );
}

fn lint_of(n: &Network) -> Vec<reach::lint::Finding> {
    reach::lint::lint(n, &reach::lint::Options::default()).findings
}

fn tgw_kinds(f: &[reach::lint::Finding]) -> Vec<(&'static str, String, String)> {
    f.iter()
        .filter(|f| f.kind.name().starts_with("tgw-"))
        .map(|f| (f.kind.name(), f.resource.clone(), f.subject.clone()))
        .collect()
}

/// `lint` on the snapshot: the blackhole over B's propagated route and B's
/// zone without an attachment subnet; each agrees with the engine.
#[test]
fn lint_finds_the_blackhole_and_the_zone_and_the_engine_agrees() {
    let n = net();
    let f = lint_of(&n);
    assert_eq!(
        tgw_kinds(&f),
        [
            (
                "tgw-blackhole-shadows",
                SHARED.to_string(),
                "10.2.0.0/16 (propagated)".to_string()
            ),
            (
                "tgw-zone-without-attachment",
                AT_B.to_string(),
                "us-east-1b".to_string()
            ),
        ],
        "{f:#?}"
    );
    let zone = f
        .iter()
        .find(|f| f.kind.name() == "tgw-zone-without-attachment")
        .unwrap();
    assert!(
        zone.message
            .starts_with("subnet-0btgw100000000000, subnet-0bwork10000000000 route to")
    );
    // The engine: dropped at the blackhole, and at B's attachment.
    let r = check(&n, "eni-0a1work000000001->10.2.99.10:443");
    verdict(&r, "unreachable");
    assert_eq!(r.blocked_by[0].component, SHARED);
    let r = check(&n, "eni-0b2work000000002->10.1.1.10:443");
    verdict(&r, "unreachable");
    assert_eq!(r.blocked_by[0].component, AT_B);
    // A blackhole inside no propagated route is a stated decision, not a
    // finding.
    let n = shared_routes(|rs| {
        for r in rs.iter_mut() {
            if r["DestinationCidrBlock"] == "10.2.99.0/24" {
                r["DestinationCidrBlock"] = "10.9.0.0/24".into();
            }
        }
    });
    assert!(
        !tgw_kinds(&lint_of(&n))
            .iter()
            .any(|k| k.0 == "tgw-blackhole-shadows"),
        "{:#?}",
        lint_of(&n)
    );
}

/// Without A's route in shared (the table of the inspection VPC's
/// attachment), the replies from C to A have nowhere to go: `lint` says so
/// for the table, and the engine drops them there; with a static route back
/// the finding is gone.
#[test]
fn lint_finds_the_missing_return_route_and_the_engine_agrees() {
    let n = shared_routes(|rs| rs.retain(|r| r["DestinationCidrBlock"] != "10.1.0.0/16"));
    let f = lint_of(&n);
    let missing: Vec<_> = f
        .iter()
        .filter(|f| f.kind.name() == "tgw-return-route-missing")
        .collect();
    assert_eq!(missing.len(), 1, "{f:#?}");
    let m = missing[0];
    assert_eq!(m.resource, SHARED);
    assert_eq!(m.subject, format!("{AT_C} <- {AT_A}"));
    assert!(
        m.message.contains("has no route to 10.1.0.0/16"),
        "{}",
        m.message
    );
    assert!(m.fix.contains(&format!(
        "create-transit-gateway-route --transit-gateway-route-table-id {SHARED} --destination-cidr-block 10.1.0.0/16 --transit-gateway-attachment-id {AT_A}"
    )));
    let r = check(&n, "eni-0a1work000000001->10.3.1.10:443");
    verdict(&r, "unreachable");
    let b = &r.blocked_by[0];
    assert_eq!((b.component.as_str(), b.direction), (SHARED, "return"));
    // Put a static route back: nothing to report.
    let n = shared_routes(|rs| {
        rs.retain(|r| r["DestinationCidrBlock"] != "10.1.0.0/16");
        rs.push(serde_json::json!({"DestinationCidrBlock": "10.1.0.0/16", "Type": "static", "State": "active",
            "TransitGatewayAttachments": [{"ResourceId": "vpc-0a00000000000000a",
                "TransitGatewayAttachmentId": AT_A, "ResourceType": "vpc"}]}));
    });
    assert!(
        !tgw_kinds(&lint_of(&n))
            .iter()
            .any(|k| k.0 == "tgw-return-route-missing"),
        "{:#?}",
        lint_of(&n)
    );
    verdict(
        &check(&n, "eni-0a1work000000001->10.3.1.10:443"),
        "reachable",
    );
}
