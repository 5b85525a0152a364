//! Issue 17: access paths a real directory produces, on AWS CLI JSON
//! (`tests/data/access-json/`, written by its `make.py`): users in several
//! groups at once, endpoints that do not lead to the destination,
//! client-to-client.

use std::path::{Path, PathBuf};

use reach::engine::va::UserContext;
use reach::engine::{self, QueryOptions, QuerySpec};
use reach::ingest::Loader;
use reach::model::Network;
use reach::render::Report;

use super::cli::reach;
use super::support::root;

const SNAP: &str = "tests/data/access-json";
const ENG: &str = "a1b2c3d4-eng0-4000-8000-000000000001";
const DBA: &str = "a1b2c3d4-dba0-4000-8000-000000000002";
const CON: &str = "a1b2c3d4-con0-4000-8000-000000000003";
const VAE_DB: &str = "vae-0accdb000000001";
const CVPN: &str = "cvpn-endpoint-0acc00000000001";
const DB: &str = "client->10.0.2.35:22";

fn load(dir: &Path) -> Network {
    let mut l = Loader::new();
    l.add_snapshot_path(dir).expect("snapshot");
    l.finish().expect("lowers")
}

/// A copy of the snapshot with `file` changed by `edit`.
fn variant(file: &str, edit: impl Fn(&mut serde_json::Value)) -> (tempfile::TempDir, PathBuf) {
    let dir = crate::support::snapshot_variant(SNAP, file, edit);
    let p = dir.path().to_path_buf();
    (dir, p)
}

fn ask(net: &Network, q: &str, groups: &[&str], via: Option<&str>) -> Report {
    let opts = QueryOptions {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        via: via.map(str::to_string),
        ..QueryOptions::default()
    };
    let q =
        engine::Query::resolve_with(net, QuerySpec::parse(q).unwrap(), &opts).expect("resolves");
    Report::new(&engine::check(net, q), net)
}

/// (user class, verdict) of one endpoint's `access` entries.
fn access_of<'r>(r: &'r Report, endpoint: &str) -> Vec<(String, &'r str)> {
    r.access
        .iter()
        .filter(|a| a.endpoint == endpoint)
        .map(|a| {
            (
                a.group.clone().unwrap_or_else(|| "no group".into()),
                a.verdict,
            )
        })
        .collect()
}

#[test]
fn a_policy_needing_two_groups_is_partial_naming_both_and_reachable_with_both() {
    let net = load(&root().join(SNAP));
    let r = ask(&net, DB, &[], Some(VAE_DB));
    assert_eq!(r.verdict, "partial", "{}", r.to_text(false));
    let both = format!("users in both {DBA} and {ENG}");
    assert_eq!(
        access_of(&r, VAE_DB),
        [
            (both.clone(), "reachable"),
            (
                format!("users in none of {ENG}, or in none of {DBA}"),
                "unreachable"
            ),
        ],
        "{}",
        r.to_text(false)
    );
    assert!(r.to_text(false).contains(&both));
    assert_eq!(
        ask(&net, DB, &[ENG, DBA], Some(VAE_DB)).verdict,
        "reachable"
    );
    assert_eq!(ask(&net, DB, &[ENG], Some(VAE_DB)).verdict, "unreachable");
    // Before issue 17 no single group got through: unreachable for everyone.
    // All access paths together: DBAs also come in over Client VPN.
    let r = ask(&net, DB, &[], None);
    assert_eq!(r.verdict, "partial");
    assert!(
        access_of(&r, CVPN)
            .iter()
            .any(|(who, v)| who.contains(&format!("in {DBA}")) && *v == "reachable"),
        "{}",
        r.to_text(false)
    );
}

#[test]
fn a_forbid_on_one_group_beside_a_permit_on_another() {
    let (_d, dir) = variant("verified-access-group-policies.json", |v| {
        v["VerifiedAccessGroupPolicies"][0]["PolicyDocument"] = serde_json::Value::String(format!(
            "permit(principal, action, resource) when {{ context.idc.groups has \"{ENG}\" }};\n\
             forbid(principal, action, resource) when {{ context.idc.groups has \"{CON}\" }};"
        ));
    });
    let net = load(&dir);
    let r = ask(&net, DB, &[], Some(VAE_DB));
    assert_eq!(r.verdict, "partial", "{}", r.to_text(false));
    let ok: Vec<String> = access_of(&r, VAE_DB)
        .into_iter()
        .filter(|(_, v)| *v == "reachable")
        .map(|(w, _)| w)
        .collect();
    assert_eq!(
        ok,
        [format!("users in {ENG} but none of {CON}")],
        "{}",
        r.to_text(false)
    );
    assert_eq!(ask(&net, DB, &[ENG], Some(VAE_DB)).verdict, "reachable");
    let r = ask(&net, DB, &[ENG, CON], Some(VAE_DB));
    assert_eq!(r.verdict, "unreachable");
    assert!(
        r.blocked_by.iter().any(|b| b.reason.contains("forbids")),
        "{}",
        r.to_text(false)
    );
}

#[test]
fn an_endpoint_that_does_not_lead_there_does_not_decide_the_query() {
    // vae-0accapps leads to 10.0.9.0/24 and reads device posture nobody gave.
    let net = load(&root().join(SNAP));
    let with = ask(&net, DB, &[], None);
    let (_d, dir) = variant("verified-access-endpoints.json", |v| {
        v["VerifiedAccessEndpoints"]
            .as_array_mut()
            .unwrap()
            .truncate(1);
    });
    let without = ask(&load(&dir), DB, &[], None);
    assert_eq!(with.verdict, without.verdict);
    assert_eq!(
        with.access.len(),
        without.access.len(),
        "{}",
        with.to_text(false)
    );
    assert!(with.unknown.is_empty(), "{:?}", with.unknown);
    // The command line agrees: a verdict, not exit 2.
    let snap = root().join(SNAP);
    let run = reach(&["check", "--snapshot", snap.to_str().unwrap(), DB]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("partial:"), "{}", run.stdout);
}

#[test]
fn an_unevaluable_policy_on_the_way_is_unknown_with_the_context_hint() {
    let net = load(&root().join(SNAP));
    let r = ask(
        &net,
        "client->10.0.9.5:443",
        &[],
        Some("vae-0accapps00000001"),
    );
    assert_eq!(r.verdict, "unknown", "{}", r.to_text(false));
    assert!(
        r.unknown
            .iter()
            .any(|u| u.reason.contains("--context") && u.reason.contains("jamf")),
        "{:?}",
        r.unknown
    );
    let opts = QueryOptions {
        via: Some("vae-0accapps00000001".into()),
        context: Some(UserContext {
            source: "ctx.json".into(),
            value: serde_json::json!({"jamf": {"risk": "LOW"}}),
        }),
        ..QueryOptions::default()
    };
    let q = engine::Query::resolve_with(
        &net,
        QuerySpec::parse("client->10.0.9.5:443").unwrap(),
        &opts,
    )
    .unwrap();
    let r = Report::new(&engine::check(&net, q), &net);
    assert_ne!(r.verdict, "unknown", "{}", r.to_text(false));
}

#[test]
fn client_to_client_needs_the_local_route_and_an_authorization_rule() {
    let q = "client->172.16.1.5:22";
    let net = load(&root().join(SNAP));
    assert!(
        net.client_vpn_endpoints[CVPN]
            .routes
            .iter()
            .any(|r| r.is_local())
    );
    let r = ask(&net, q, &[ENG], None);
    assert_eq!(r.verdict, "reachable", "{}", r.to_text(false));
    assert!(
        r.paths
            .iter()
            .flat_map(|p| p.hops.iter())
            .any(|h| h.rule.contains("-> local (client-to-client)")),
        "{}",
        r.to_text(false)
    );
    // No rule authorizes DBAs for the client CIDR.
    let r = ask(&net, q, &[DBA], None);
    assert_eq!(r.verdict, "unreachable");
    assert!(r.blocked_by.iter().any(|b| b.component == CVPN));
    // Without the engineers' rule nobody gets through.
    let (_d, dir) = variant("client-vpn-authorization-rules.json", |v| {
        v["AuthorizationRules"].as_array_mut().unwrap().truncate(1);
    });
    assert_eq!(ask(&load(&dir), q, &[ENG], None).verdict, "unreachable");
    // Without the local route: not client-to-client, with the fix to add it.
    let (_d, dir) = variant("client-vpn-routes.json", |v| {
        v["Routes"].as_array_mut().unwrap().truncate(1);
    });
    let r = ask(&load(&dir), q, &[ENG], None);
    assert_eq!(r.verdict, "unreachable", "{}", r.to_text(false));
    assert!(
        r.blocked_by.iter().any(|b| b
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("--target-vpc-subnet-id local"))),
        "{}",
        r.to_text(false)
    );
}

/// The z3 cross-check agrees on every user class of these queries.
#[cfg(feature = "z3")]
#[test]
fn every_user_class_is_proved() {
    use reach::prove::{self, z3::Z3Solver};
    let net = load(&root().join(SNAP));
    for (q, groups, via) in [
        (DB, &[][..], None),
        (DB, &[][..], Some(VAE_DB)),
        (DB, &[ENG, DBA][..], Some(VAE_DB)),
        ("client->172.16.1.5:22", &[][..], None),
        ("client->172.16.1.5:22", &[DBA][..], None),
        ("client->10.0.9.5:443", &[][..], None),
    ] {
        let opts = QueryOptions {
            groups: groups.iter().map(|g| g.to_string()).collect(),
            via: via.map(str::to_string),
            ..QueryOptions::default()
        };
        let query = engine::Query::resolve_with(&net, QuerySpec::parse(q).unwrap(), &opts).unwrap();
        let a = engine::check(&net, query);
        let p = prove::cross_check(&net, &a, &mut Z3Solver::new())
            .unwrap_or_else(|e| panic!("{q} {groups:?}: {e}"));
        assert_eq!(p.verdict, a.verdict, "{q} {groups:?}");
    }
}
