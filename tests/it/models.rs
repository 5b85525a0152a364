//! The example models in `models/` and the checks their comments promise.

use super::support::{all_hops, check, load_model};

/// `models/two-tier.yaml`: (query, verdict). The prover checks them too.
pub const TWO_TIER: &[(&str, &str)] = &[
    // The README's first command.
    ("i-bastion->10.0.2.35:22", "reachable"),
    ("198.51.100.7->203.0.113.10:22", "reachable"),
    // Only the office range may SSH to the bastion.
    ("internet->203.0.113.10:22", "partial"),
    ("203.0.113.77->203.0.113.10:22", "unreachable"),
    // Out through the NAT gateway: 443 allowed by the private ACL, 80 not.
    ("i-app->93.184.216.34:443", "reachable"),
    ("i-app->93.184.216.34:80", "unreachable"),
    // The app server has no public IP and the NAT gateway takes no inbound.
    ("internet->203.0.113.20:22", "unreachable"),
];

#[test]
fn two_tier() {
    let net = load_model("two-tier.yaml");
    for (q, want) in TWO_TIER {
        let r = check(&net, q);
        assert_eq!(r.verdict, *want, "{q}\n{}", r.to_text(false));
    }
}

#[test]
fn two_tier_partial_names_the_sources_that_work() {
    let net = load_model("two-tier.yaml");
    let r = check(&net, "internet->203.0.113.10:22");
    assert_eq!(r.verdict, "partial");
    assert!(
        r.reachable_packets
            .iter()
            .all(|l| l.text.contains("198.51.100.0/24")),
        "{:?}",
        r.reachable_packets
    );
}

#[test]
fn two_tier_nat_path_shows_the_public_ip() {
    let net = load_model("two-tier.yaml");
    let r = check(&net, "i-app->93.184.216.34:443");
    let hops = all_hops(&r);
    assert!(hops.iter().any(|h| h.starts_with("nat-app")), "{hops:#?}");
    assert!(
        hops.iter().any(|h| h.contains("10.0.1.5 -> 203.0.113.20")),
        "{hops:#?}"
    );
}

/// The README's YAML reference is a model that loads, Verified Access included.
#[test]
fn readme_yaml_reference_loads() {
    let readme = std::fs::read_to_string(super::support::root().join("README.md")).unwrap();
    let at = readme.find("## The YAML model").expect("section");
    let start = readme[at..].find("```yaml\n").expect("yaml block") + at + 8;
    let end = readme[start..].find("```").unwrap() + start;
    let mut l = reach::ingest::Loader::new();
    l.add_yaml("README.md", &readme[start..end])
        .expect("parses");
    let net = l.finish().expect("lowers");
    assert!(net.va_endpoints.contains_key("vae-1"));
    assert_eq!(
        net.va_endpoints["vae-1"].ports,
        vec![(22, 22), (8000, 8080)]
    );
    assert!(net.client_vpn_endpoints.contains_key("cvpn-endpoint-0abc"));
    // Transit gateways: the propagation implies vpc-a's CIDR in tgw-rtb-shared.
    let shared = &net.tgw_route_tables["tgw-rtb-shared"];
    assert_eq!(shared.routes.as_ref().map(Vec::len), Some(1));
    assert_eq!(net.tgw_attachments.len(), 3);
    assert!(net.warnings.is_empty(), "{:#?}", net.warnings);
}
