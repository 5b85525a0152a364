//! The output a user reads and a program parses (issue 10, items 5-8): every
//! query over the bundled models, the fixtures and the test snapshots gives
//! JSON that the schema (`schema/check.json`) accepts, and text that a person
//! can read (no truncated JSON, no "(97 ranges)", about 40 lines at most).

use std::path::{Path, PathBuf};

use reach::engine::{self, QuerySpec};
use reach::model::Network;
use reach::render::Report;

use super::support::{fixture, load_snapshot, root};

/// One input: a display name, the network, and whether it is bundled (models
/// and fixtures: the text-length promise holds there).
pub struct Input {
    pub name: String,
    pub net: Network,
    pub bundled: bool,
}

fn model(path: &Path) -> Network {
    let mut l = reach::ingest::Loader::new();
    l.add_model_path(path).expect("model loads");
    l.finish().expect("model lowers")
}

/// Every model under `models/` and `tests/data/`, every fixture folder, and
/// the AWS CLI JSON snapshots under `tests/data/`.
pub fn inputs() -> Vec<Input> {
    let mut out = Vec::new();
    let mut models: Vec<PathBuf> = std::fs::read_dir(root().join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    models.sort();
    for p in models {
        out.push(Input {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            net: model(&p),
            bundled: true,
        });
    }
    for f in ["public-subnet", "nat-gateway", "vpc-peering"] {
        if let Some(dir) = fixture(f) {
            out.push(Input {
                name: format!("fixture {f}"),
                net: load_snapshot(&dir),
                bundled: true,
            });
        }
    }
    let data = root().join("tests/data");
    let mut extra: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    extra.sort();
    for p in extra {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.extension().is_some_and(|e| e == "yaml") {
            out.push(Input {
                name,
                net: model(&p),
                bundled: false,
            });
        } else if p.is_dir() && ["real-account", "access-json", "seed-003-json"].contains(&&*name) {
            out.push(Input {
                name,
                net: load_snapshot(&p),
                bundled: false,
            });
        }
    }
    out
}

/// Queries over an input: from the internet, every instance and `client` (when
/// the input has access endpoints) to every interface address (IPv4 and IPv6,
/// private and public), on TCP 22 and 443, UDP 53 and ICMP echo.
pub fn queries(net: &Network) -> Vec<String> {
    let mut dsts = Vec::new();
    for i in net.interfaces.values() {
        if let Some(p) = i.private_ips.first() {
            dsts.push(p.address.to_string());
            if let Some(pub_ip) = p.public {
                dsts.push(pub_ip.to_string());
            }
        }
        if let Some(v6) = i.ipv6.first() {
            dsts.push(format!("[{v6}]"));
        }
    }
    dsts.sort();
    dsts.dedup();
    let mut srcs = vec!["internet".to_string()];
    srcs.extend(net.instances.keys().cloned());
    if !net.client_vpn_endpoints.is_empty() || !net.va_endpoints.is_empty() {
        srcs.push("client".into());
    }
    let mut out = Vec::new();
    for s in &srcs {
        for d in &dsts {
            let icmp = if d.starts_with('[') { "icmpv6" } else { "icmp" };
            for port in ["22", "443", "53/udp"] {
                out.push(format!("{s}->{d}:{port}"));
            }
            out.push(format!("{s}->{d}:8/{icmp}"));
        }
    }
    out
}

/// The report of `query` (complete, for JSON, and brief, for text), or
/// `None` when the query does not apply (e.g. an IPv4-only instance asked
/// for an IPv6 address): such errors are the query's.
pub fn reports(net: &Network, query: &str) -> Option<(Report, Report)> {
    let spec = QuerySpec::parse(query).expect("query parses");
    let q = engine::Query::resolve(net, spec, None).ok()?;
    let a = engine::check(net, q);
    Some((Report::new(&a, net), Report::brief(&a, net)))
}

/// Every (input, query, complete report, brief report).
fn every_answer() -> Vec<(String, bool, String, Report, Report)> {
    let mut out = Vec::new();
    for input in inputs() {
        for q in queries(&input.net) {
            if let Some((full, brief)) = reports(&input.net, &q) {
                out.push((input.name.clone(), input.bundled, q, full, brief));
            }
        }
    }
    out
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/check.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is json");
    jsonschema::validator_for(&schema).expect("schema is a valid JSON Schema")
}

/// Item 5: the JSON of every query validates against `schema/check.json`,
/// is never cut, and every verdict kind and field is exercised.
#[test]
fn json_output_matches_the_schema() {
    let v = schema();
    let answers = every_answer();
    assert!(answers.len() > 500, "{} answers", answers.len());
    let mut verdicts = std::collections::BTreeSet::new();
    for (name, _, q, full, _) in &answers {
        let json: serde_json::Value = serde_json::from_str(&full.to_json()).unwrap();
        let errors: Vec<String> = v
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {q}: {errors:#?}");
        let text = full.to_json();
        assert!(!text.contains(" more)"), "{name}: {q}: JSON is cut");
        verdicts.insert(full.verdict);
    }
    assert_eq!(verdicts.len(), 4, "{verdicts:?}");
}

/// The schema rejects what it should: it is not vacuous.
#[test]
fn the_schema_rejects_a_wrong_report() {
    let v = schema();
    let net = super::support::load_model("two-tier.yaml");
    let (full, _) = reports(&net, "internet->203.0.113.10:22").unwrap();
    let good: serde_json::Value = serde_json::from_str(&full.to_json()).unwrap();
    assert!(v.is_valid(&good));
    let mut bad = good.clone();
    bad["verdict"] = "maybe".into();
    assert!(!v.is_valid(&bad));
    let mut bad = good.clone();
    bad["paths"][0]["hops"][0]["kind"] = "teleporter".into();
    assert!(!v.is_valid(&bad));
    let mut bad = good.clone();
    bad.as_object_mut().unwrap().remove("undecided_packets");
    assert!(!v.is_valid(&bad));
    let mut bad = good;
    bad["reachable_packets"][0]["extra"] = 1.into();
    assert!(!v.is_valid(&bad));
}

/// Item 5: the packet boxes are exact: their union is the set, listed in full.
#[test]
fn packet_boxes_are_complete() {
    let net = super::support::load_model("two-tier.yaml");
    let (full, brief) = reports(&net, "internet->203.0.113.10:22").unwrap();
    let unreachable = &full.unreachable_packets;
    assert_eq!(unreachable.len(), 1, "{unreachable:#?}");
    // The internet outside the input, minus the office range: dozens of CIDRs.
    assert!(unreachable[0].sources.len() > 30, "{unreachable:#?}");
    assert!(
        !unreachable[0]
            .sources
            .iter()
            .any(|c| c.starts_with("198.51.100."))
    );
    assert_eq!(
        unreachable[0].ports.as_deref(),
        Some(&["22".to_string()][..])
    );
    // Text: one line that says what it is.
    assert_eq!(
        brief.unreachable_packets[0].text,
        "tcp every public IPv4 address outside the input except 198.51.100.0/24 -> 203.0.113.10 dport 22 sport 1024-65535"
    );
}

/// Item 6: text reads in about 40 lines on the bundled models and fixtures,
/// and never shows a set as "0.0.0.0/0 (N ranges)" or cuts JSON-only lists.
#[test]
fn text_output_is_short_and_readable() {
    let mut longest = (0, String::new());
    for (name, bundled, q, _, brief) in every_answer() {
        let text = brief.to_text(false);
        assert!(!text.contains("ranges)"), "{name}: {q}:\n{text}");
        let n = text.lines().count();
        if bundled && n > longest.0 {
            longest = (n, format!("{name}: {q}\n{text}"));
        }
    }
    assert!(longest.0 <= 45, "{} lines: {}", longest.0, longest.1);
}

/// Item 7: `unknown` never prints a "does not" line; undecided packets have
/// their own field and are not listed as unreachable.
#[test]
fn unknown_lists_undecided_packets_apart() {
    let mut seen = 0;
    for (name, _, q, full, brief) in every_answer() {
        let text = brief.to_text(false);
        if full.verdict == "unknown" {
            seen += 1;
            assert!(!text.contains("does not:"), "{name}: {q}:\n{text}");
            assert!(!full.undecided_packets.is_empty(), "{name}: {q}");
            assert!(text.contains("undecided"), "{name}: {q}:\n{text}");
        }
        for u in &full.undecided_packets {
            assert!(
                !full.unreachable_packets.contains(u) && !full.reachable_packets.contains(u),
                "{name}: {q}: {u:?}"
            );
        }
    }
    assert!(seen > 0, "no query answered unknown");
}

/// Item 7: a Client VPN `partial` says which user class gets through and
/// what blocks the others, not which source CIDRs.
#[test]
fn client_partial_splits_by_user_class() {
    let net = super::support::load_model("seed-002-saml-group-split.yaml");
    let (_, brief) = reports(&net, "client->10.0.1.10:22").unwrap();
    assert_eq!(brief.verdict, "partial");
    let text = brief.to_text(false);
    let lines: Vec<&str> = text.lines().collect();
    assert!(!text.contains("gets through:"), "{text}");
    assert!(
        lines[1].contains("group 3704ba58-70c1-70e4-2c8f-5d2e1a9b7c61: reachable"),
        "{text}"
    );
    assert!(
        lines[2].contains(
            "no group: unreachable; blocked by the authorization rules of cvpn-endpoint-0a1b2c3d4e5f0002"
        ),
        "{text}"
    );
}

/// `cargo test --all-features --test it output::survey -- --ignored --nocapture`:
/// the longest texts, to look at.
#[test]
#[ignore]
fn survey() {
    let mut worst: Vec<(usize, String, String, String)> = every_answer()
        .into_iter()
        .map(|(name, _, q, _, brief)| {
            let text = brief.to_text(false);
            (text.lines().count(), name, q, text)
        })
        .collect();
    worst.sort_by_key(|w| std::cmp::Reverse(w.0));
    for (n, name, q, _) in worst.iter().take(20) {
        eprintln!("{n:4} {name} {q}");
    }
    if let Some((_, _, _, t)) = worst.first() {
        eprintln!("{t}");
    }
}

fn load_yaml(text: &str) -> Network {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.yaml");
    std::fs::write(&p, text).unwrap();
    model(&p)
}

/// Item 6: a path taken once per prefix-list entry prints once, with the
/// entries that matched listed on the route hop.
#[test]
fn a_path_per_prefix_list_entry_prints_once() {
    let net = load_yaml(
        r"
vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]
subnets: [{id: subnet-a, vpc: vpc-a, cidr: 10.0.0.0/24, route_table: rtb-a}]
route_tables:
  - id: rtb-a
    vpc: vpc-a
    routes:
      - {dest: pl-partners, target: igw-a}
      - {dest: 0.0.0.0/0, target: igw-a}
security_groups:
  - id: sg-a
    vpc: vpc-a
    name: a
    ingress: [{proto: tcp, ports: 22, from: pl-partners}]
interfaces: [{id: eni-a, subnet: subnet-a, ip: 10.0.0.10, public_ip: 3.3.3.3, groups: [sg-a]}]
internet_gateways: [{id: igw-a, vpc: vpc-a}]
prefix_lists: [{id: pl-partners, name: partners, cidrs: [198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/25]}]
",
    );
    let (full, brief) = reports(&net, "internet->3.3.3.3:22").unwrap();
    let through: Vec<_> = full.paths.iter().filter(|p| p.stops.is_none()).collect();
    assert_eq!(through.len(), 1, "{}", brief.to_text(false));
    // Each reply alone carries one entry's packets; together they carry all.
    assert_eq!(through[0].verdict, "reachable");
    let hop = through[0]
        .return_hops
        .iter()
        .find(|h| h.rule.starts_with("pl-partners"))
        .expect("the reply takes the prefix-list route");
    assert_eq!(
        hop.entries,
        ["192.0.2.0/25", "198.51.100.0/24", "203.0.113.0/24"],
        "{hop:?}"
    );
    let text = brief.to_text(false);
    assert!(
        text.contains(
            "pl-partners -> igw-a (entries 192.0.2.0/25, 198.51.100.0/24, 203.0.113.0/24)"
        ),
        "{text}"
    );
    insta::assert_snapshot!("text_prefix_list_entries", text);
}

/// The new text summaries, as a person reads them.
#[test]
fn summaries_snapshots() {
    let net = super::support::load_model("seed-002-saml-group-split.yaml");
    let (_, brief) = reports(&net, "client->10.0.1.10:22").unwrap();
    insta::assert_snapshot!("text_client_partial_by_group", brief.to_text(false));
    let net = load_snapshot(&root().join("tests/data/access-json"));
    let (_, brief) = reports(&net, "client->10.0.2.35:22").unwrap();
    insta::assert_snapshot!("text_client_classes_two_endpoints", brief.to_text(false));
    if let Some(dir) = fixture("nat-gateway") {
        let net = load_snapshot(&dir);
        let (_, brief) = reports(&net, "i-0a128d26e59be60f3->18.216.129.140:8/icmp").unwrap();
        insta::assert_snapshot!("text_shared_hops", brief.to_text(false));
    }
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let at = text.find(heading).expect("section");
    let rest = &text[at + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// Item 10: the README's usage line lists every option `reach check` has.
#[test]
fn readme_usage_lists_every_option() {
    let text = readme();
    let usage = text
        .lines()
        .find(|l| l.starts_with("`reach check ["))
        .expect("usage line");
    let help = super::cli::reach(&["check", "--help"]).stdout;
    let mut n = 0;
    for word in help.split_whitespace() {
        let flag = word.trim_end_matches(',');
        if flag.starts_with("--") && flag.len() > 2 && !["--help", "--version"].contains(&flag) {
            n += 1;
            assert!(
                usage.contains(&format!("[{flag}")),
                "{flag} missing from {usage}"
            );
        }
    }
    assert!(n >= 8, "{help}");
}

/// Item 10: the README documents every JSON field and lists every `kind`
/// and `action` the schema allows.
#[test]
fn readme_documents_every_json_field() {
    let text = readme();
    let out = section(&text, "## Output");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schema/check.json")).unwrap())
            .unwrap();
    fn fields(v: &serde_json::Value, out: &mut Vec<String>) {
        if let Some(p) = v.get("properties").and_then(|p| p.as_object()) {
            out.extend(p.keys().cloned());
        }
        if let Some(d) = v.get("$defs").and_then(|d| d.as_object()) {
            for def in d.values() {
                fields(def, out);
            }
        }
    }
    let mut names = Vec::new();
    fields(&schema, &mut names);
    for name in names {
        assert!(
            out.contains(&format!("\"{name}\"")),
            "README lacks `{name}`"
        );
    }
    for (def, field) in [("hop", "kind"), ("hop", "action")] {
        for v in schema["$defs"][def]["properties"][field]["enum"]
            .as_array()
            .unwrap()
        {
            let v = v.as_str().unwrap();
            assert!(
                out.contains(&format!("`{v}`")),
                "README lacks {field} `{v}`"
            );
        }
    }
}

/// Item 10: the README's snapshot recipe writes every document the model
/// reads, prefix-list entries wrapped one file per list, and such a folder
/// loads with every list's entries.
#[test]
fn readme_recipe_writes_what_the_model_reads() {
    let text = readme();
    let recipe = section(&text, "## Asking");
    for call in [
        "security-group-rules",
        "egress-only-internet-gateways",
        "managed-prefix-lists",
        "get-managed-prefix-list-entries",
        "ManagedPrefixListEntries",
        "network-interfaces",
        "instances",
        "transit-gateway-vpc-attachments",
        "transit-gateway-peering-attachments",
        "search-transit-gateway-routes",
        "TransitGatewayRouteTableContents",
        "vpn-connections",
    ] {
        assert!(recipe.contains(call), "recipe lacks {call}");
    }
    // What the loop writes: one wrapper per list, beside the lists.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("managed-prefix-lists.json"),
        r#"{"PrefixLists": [
            {"PrefixListId": "pl-1", "AddressFamily": "IPv4", "State": "create-complete", "PrefixListName": "a", "OwnerId": "111122223333"},
            {"PrefixListId": "pl-2", "AddressFamily": "IPv4", "State": "create-complete", "PrefixListName": "b", "OwnerId": "111122223333"}]}"#,
    )
    .unwrap();
    for (id, cidr) in [("pl-1", "192.0.2.0/24"), ("pl-2", "198.51.100.0/24")] {
        std::fs::write(
            dir.path().join(format!("prefix-list-entries-{id}.json")),
            format!(
                r#"{{"ManagedPrefixListEntries": [{{"PrefixListId": "{id}", "Entries": [{{"Cidr": "{cidr}", "Description": "x"}}]}}]}}"#
            ),
        )
        .unwrap();
    }
    let net = load_snapshot(dir.path());
    for (id, cidr) in [("pl-1", "192.0.2.0/24"), ("pl-2", "198.51.100.0/24")] {
        let entries = net.prefix_lists[id].entries.as_ref().expect("entries read");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].to_string(), cidr);
    }
}
