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

/// `models/hub-and-spoke.yaml`: the README's section runs as it says — each
/// command's first word of output is the comment's first word (a verdict),
/// and what the comment names is in the output.
#[test]
fn hub_and_spoke_readme_section_is_what_reach_says() {
    let readme = std::fs::read_to_string(super::support::root().join("README.md")).unwrap();
    let at = readme
        .find("## Transit gateways: hub and spoke")
        .expect("section");
    let end = readme[at + 3..]
        .find("\n## ")
        .map_or(readme.len(), |e| e + at + 3);
    let mut ran = 0;
    for line in readme[at..end].lines().filter(|l| l.starts_with("reach ")) {
        let (cmd, comment) = line.split_once('#').expect("a comment");
        let args: Vec<String> = cmd
            .split_whitespace()
            .skip(1)
            .map(|a| a.trim_matches('\'').to_string())
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = super::cli::reach(&args);
        let out = format!("{}{}", r.stdout, r.stderr);
        let comment = comment.trim();
        if args[0] == "check" {
            let verdict = comment.split(':').next().unwrap();
            assert!(out.starts_with(verdict), "{line}\n{out}");
            assert_eq!(r.code, i32::from(verdict != "reachable"), "{line}");
        }
        // Every resource ID the comment names is in the output.
        for word in comment.split(|c: char| c.is_whitespace() || c == ',' || c == ':') {
            if word.starts_with("tgw-") || word.starts_with("subnet-") {
                assert!(out.contains(word), "{line}: {word} missing\n{out}");
            }
        }
        if comment.contains("via transit-gateway") {
            assert!(
                out.contains("subnet-shared-a") && out.contains("via transit-gateway"),
                "{out}"
            );
        }
        ran += 1;
    }
    assert_eq!(ran, 6);
    let net = load_model("hub-and-spoke.yaml");
    assert!(net.warnings.is_empty(), "{:#?}", net.warnings);
    // The segmentation holds both ways, and the prover agrees.
    for (q, want) in [
        ("i-bastion->i-dev:22", "reachable"),
        ("i-app->i-dev:22", "unreachable"),
        ("i-dev->i-bastion:443", "unreachable"),
    ] {
        let r = check(&net, q);
        assert_eq!(r.verdict, want, "{q}\n{}", r.to_text(false));
    }
}
