//! `reach fetch` against a real EC2 API emulator: moto's server on a free
//! loopback port, populated with boto3 (`tests/data/fetch/populate.py`), and
//! a loopback stub in front of it (`tests/data/fetch/stub.py`) that answers
//! the Client VPN and Verified Access calls moto does not implement (with
//! paging), throttles or denies calls when asked, and forwards the rest.
//! The fetched snapshot is then asked what the populated account implies.
//! Both servers are stopped by PID when a test ends, also when it fails
//! (`Servers`' `Drop`). Skipped, with a message, only where `python3` is
//! absent; the test script installs moto and boto3.

use std::collections::BTreeSet;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::support::root;

/// Dummy credentials for the child processes only; a distinctive secret, so
/// a test can tell it was never written or printed.
const KEY_ID: &str = "AKIAREACHFETCHTEST00";
const SECRET: &str = "reach-fetch-test-secret-do-not-print";

/// The servers a test started, stopped by PID when it ends.
struct Servers {
    children: Vec<Child>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One emulated account: the servers, the IDs `populate.py` created, and
/// the stub's endpoint and request log.
struct Emulator {
    servers: Servers,
    dir: tempfile::TempDir,
    ids: Value,
    endpoint: String,
    log: PathBuf,
}

fn python_present() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: python3 is absent (the emulator test needs moto's server)");
    }
    ok
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().unwrap().port()
}

fn wait_until(what: &str, child: &mut Child, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before it was ready: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} not ready after 60s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn python(dir: &Path, args: &[&str], log: &str) -> Command {
    let mut c = Command::new("python3");
    c.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(fs::File::create(dir.join(format!("{log}.out"))).unwrap())
        .stderr(fs::File::create(dir.join(format!("{log}.err"))).unwrap());
    c
}

impl Emulator {
    /// Starts moto, populates it, and starts the stub with `stub_args`
    /// (`--throttle A,B`, `--deny A,B`).
    fn start(stub_args: &[&str]) -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let data = root().join("tests/data/fetch");
        let port = free_port();
        let moto_url = format!("http://127.0.0.1:{port}");
        let mut servers = Servers {
            children: Vec::new(),
        };
        let moto = python(
            d,
            &[
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ],
            "moto",
        )
        .spawn()
        .expect("moto's server starts (python3 -m moto.server)");
        servers.children.push(moto);
        let addr = format!("127.0.0.1:{port}");
        wait_until("moto's server", &mut servers.children[0], || {
            TcpStream::connect(&addr).is_ok()
        });
        let populate = python(
            d,
            &[
                data.join("populate.py").to_str().unwrap(),
                &moto_url,
                d.to_str().unwrap(),
            ],
            "populate",
        )
        .status()
        .expect("populate.py runs");
        assert!(
            populate.success(),
            "populate.py failed: {}",
            fs::read_to_string(d.join("populate.err")).unwrap_or_default()
        );
        let ids: Value =
            serde_json::from_str(&fs::read_to_string(d.join("ids.json")).unwrap()).unwrap();
        let port_file = d.join("stub-port");
        let log = d.join("stub-requests.log");
        let mut args = vec![
            data.join("stub.py").to_str().unwrap().to_owned(),
            "--moto".into(),
            moto_url,
            "--data".into(),
            d.join("stub-data.json").to_str().unwrap().into(),
            "--port-file".into(),
            port_file.to_str().unwrap().into(),
            "--log".into(),
            log.to_str().unwrap().into(),
            "--inflight".into(),
            d.join("inflight").to_str().unwrap().into(),
        ];
        args.extend(stub_args.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let stub = python(d, &args, "stub").spawn().expect("the stub starts");
        servers.children.push(stub);
        wait_until("the stub", &mut servers.children[1], || port_file.exists());
        let stub_port = fs::read_to_string(&port_file).unwrap();
        Emulator {
            servers,
            endpoint: format!("http://127.0.0.1:{}", stub_port.trim()),
            dir,
            ids,
            log,
        }
    }

    fn id(&self, key: &str) -> String {
        self.ids[key]
            .as_str()
            .unwrap_or_else(|| panic!("no id {key}"))
            .to_owned()
    }

    /// `reach fetch --region us-east-1 --endpoint-url STUB --out OUT`.
    fn fetch(&self, out: &Path) -> Output {
        self.fetch_with(out, &[])
    }

    fn fetch_with(&self, out: &Path, extra: &[&str]) -> Output {
        assert!(self.servers.children.len() == 2);
        let mut args = vec![
            "fetch",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &self.endpoint,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        reach(&args)
    }

    /// The most requests the stub had in flight at once.
    fn max_inflight(&self) -> u32 {
        fs::read_to_string(self.dir.path().join("inflight"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    fn requests(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// The binary with dummy credentials and nothing else of the caller's AWS setup.
fn reach(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reach"))
        .args(args)
        .current_dir(root())
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_CONFIG_FILE", "/nonexistent/reach-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/reach-test-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_EC2")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .expect("reach runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `reach check --format json` on `snap`: the report.
fn check(snap: &Path, extra: &[&str], query: &str) -> Value {
    let mut args = vec![
        "check",
        "--snapshot",
        snap.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    args.push(query);
    let out = reach(&args);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "reach check {query} failed: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json report")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap()
}

/// Every file of the snapshot, for what must never be in it.
fn all_text(dir: &Path) -> String {
    let mut s = String::new();
    for e in fs::read_dir(dir).unwrap() {
        s += &fs::read_to_string(e.unwrap().path()).unwrap();
    }
    s
}

#[test]
fn a_bad_region_is_an_error_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let r = reach(&[
        "fetch",
        "--region",
        "us-east-1,../x",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("region `../x`"),
        "{}",
        text(&r.stderr)
    );
    assert!(!out.exists());
}

#[test]
fn a_fetched_snapshot_loads_clean_and_answers_what_the_account_implies() {
    if !python_present() {
        return;
    }
    // The first DescribeVpcs and DescribeClientVpnRoutes are throttled once.
    let emu = Emulator::start(&["--throttle", "DescribeVpcs,DescribeClientVpnRoutes"]);
    let snap = emu.dir.path().join("snap");
    let out = emu.fetch(&snap);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "fetch failed: {stderr}");
    assert!(!stderr.contains("warning:"), "{stderr}");
    for s in [&stdout, &stderr] {
        assert!(
            !s.contains(SECRET) && !s.contains(KEY_ID),
            "credentials printed: {s}"
        );
    }
    assert!(!all_text(&snap).contains(SECRET) && !all_text(&snap).contains(KEY_ID));

    // Calls overlap, at most `--concurrency` (8) at once (the stub holds
    // each request 20 ms).
    let most = emu.max_inflight();
    assert!((2..=8).contains(&most), "{most} requests in flight at once");

    // The throttled calls were retried by the SDK and their items arrived.
    let reqs = emu.requests();
    for call in ["DescribeVpcs", "DescribeClientVpnRoutes"] {
        let at = reqs
            .iter()
            .position(|l| l == &format!("{call} throttled"))
            .unwrap_or_else(|| panic!("{call} was not throttled: {reqs:?}"));
        assert!(
            reqs[at + 1..]
                .iter()
                .any(|l| l.starts_with(call) && !l.ends_with("throttled")),
            "{call} was not retried: {reqs:?}"
        );
    }
    let vpcs = read_json(&snap.join("describe-vpcs.json"));
    let vpc = vpcs["Vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["VpcId"] == emu.id("vpc").as_str())
        .unwrap_or_else(|| panic!("the populated VPC was not fetched: {vpcs}"));
    assert_eq!(
        vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"],
        emu.id("ipv6")
    );
    // Pagination: the stub serves one item per page.
    let cvpn = emu.id("cvpn");
    assert!(
        reqs.contains(&"DescribeClientVpnRoutes page 1".to_owned()),
        "{reqs:?}"
    );
    let routes = read_json(&snap.join(format!("describe-client-vpn-routes-{cvpn}.json")));
    assert_eq!(
        routes["Routes"].as_array().map(Vec::len),
        Some(2),
        "{routes}"
    );
    let rules = read_json(&snap.join(format!(
        "describe-client-vpn-authorization-rules-{cvpn}.json"
    )));
    assert_eq!(
        rules["AuthorizationRules"].as_array().map(Vec::len),
        Some(2)
    );
    let groups = read_json(&snap.join("describe-verified-access-groups.json"));
    assert_eq!(
        groups["VerifiedAccessGroups"].as_array().map(Vec::len),
        Some(2)
    );
    // The wrappers the reader needs.
    let pl = emu.id("prefix_list");
    let entries = read_json(&snap.join(format!("get-managed-prefix-list-entries-{pl}.json")));
    assert_eq!(
        entries["ManagedPrefixListEntries"][0]["PrefixListId"],
        pl.as_str()
    );
    assert_eq!(
        entries["ManagedPrefixListEntries"][0]["Entries"][0]["Cidr"],
        "203.0.113.0/24"
    );
    // The manifest: every call, its count, no warnings, the account.
    let m = read_json(&snap.join("reach-fetch.json"));
    let m = &m["ReachFetch"];
    assert_eq!(m["Region"], "us-east-1");
    assert_eq!(m["Account"], "123456789012");
    assert_eq!(m["Warnings"], Value::Array(vec![]));
    let calls = m["Calls"].as_array().unwrap();
    let count = |call: &str| {
        calls
            .iter()
            .find(|c| c["Call"] == call)
            .unwrap_or_else(|| panic!("{call} missing from the manifest"))["Count"]
            .as_u64()
    };
    // Counts are what the files hold (moto's default VPC adds six subnets).
    let subnets = read_json(&snap.join("describe-subnets.json"));
    let n = subnets["Subnets"].as_array().map(|a| a.len() as u64);
    assert_eq!(count("DescribeSubnets"), n);
    assert!(n >= Some(3));
    assert_eq!(count("DescribeClientVpnRoutes"), Some(2));
    assert_eq!(count("DescribeVerifiedAccessEndpoints"), Some(1));
    // The minimal policy of the README lists exactly the actions of the calls made.
    let policy = read_json(&root().join("examples/iam-policy.json"));
    let allowed: BTreeSet<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let made: BTreeSet<&str> = calls.iter().filter_map(|c| c["Action"].as_str()).collect();
    assert_eq!(
        made, allowed,
        "examples/iam-policy.json and the calls made differ"
    );
    // The transit gateway's default table, in the wrapper with its contents.
    let tables = read_json(&snap.join("describe-transit-gateway-route-tables.json"));
    let table = tables["TransitGatewayRouteTables"][0]["TransitGatewayRouteTableId"]
        .as_str()
        .expect("the transit gateway's default route table");
    let contents =
        read_json(&snap.join(format!("transit-gateway-route-table-contents-{table}.json")));
    let c = &contents["TransitGatewayRouteTableContents"][0];
    assert_eq!(c["TransitGatewayRouteTableId"], table);
    assert_eq!(
        c["Associations"][0]["TransitGatewayAttachmentId"],
        emu.id("tgw_attach"),
        "{c}"
    );
    assert!(
        c["Routes"].is_array() && c["AdditionalRoutesAvailable"] == false,
        "{c}"
    );

    // Loaded: no warning, nothing skipped. The app instance reaches the
    // internet through the NAT gateway.
    let app = emu.id("i_app");
    let r = check(&snap, &[], &format!("{app}->93.184.216.34:443"));
    assert_eq!(r["verdict"], "reachable", "{r}");
    assert_eq!(r["warnings"], Value::Array(vec![]), "{r}");
    assert_eq!(r["skipped"], Value::Array(vec![]), "{r}");
    assert!(
        r.to_string().contains(&emu.id("nat")),
        "not through the NAT gateway: {r}"
    );
    // Every Client VPN user reaches ssh on the app instance (authorized to
    // all; the app's group admits the Client VPN group).
    let r = check(&snap, &["--via", &cvpn], "client->10.0.2.35:22");
    assert_eq!(r["verdict"], "reachable", "{r}");
    // ... but port 80: the app's group admits only 22.
    let r = check(&snap, &["--via", &cvpn], "client->10.0.2.35:80");
    assert_eq!(r["verdict"], "unreachable", "{r}");
    // Verified Access: group `eng` is admitted by the group policy, `ops` not.
    let vae = emu.id("vae");
    let r = check(
        &snap,
        &["--via", &vae, "--group", "eng"],
        "client->10.0.2.35:22",
    );
    assert_eq!(r["verdict"], "reachable", "{r}");
    let r = check(
        &snap,
        &["--via", &vae, "--group", "ops"],
        "client->10.0.2.35:22",
    );
    assert_eq!(r["verdict"], "unreachable", "{r}");
    // The web instance's Elastic IP takes 443 from the prefix list's range only.
    let web_ip = emu.id("web_public_ip");
    let r = check(&snap, &[], &format!("203.0.113.7->{web_ip}:443"));
    assert_eq!(r["verdict"], "reachable", "{r}");
    let r = check(&snap, &[], &format!("198.51.100.7->{web_ip}:443"));
    assert_eq!(r["verdict"], "unreachable", "{r}");
    // The private subnet's network ACL denies 3389 in, before any group.
    let bastion = emu.id("i_bastion");
    let r = check(&snap, &[], &format!("{bastion}->10.0.2.35:3389"));
    assert_eq!(r["verdict"], "unreachable", "{r}");
}

#[test]
fn a_denied_call_is_a_warning_a_manifest_entry_and_a_partial_snapshot() {
    if !python_present() {
        return;
    }
    let emu = Emulator::start(&[
        "--deny",
        "DescribeNatGateways,GetVerifiedAccessEndpointPolicy",
        "--unsupported",
        "DescribeVpnGateways",
    ]);
    let snap = emu.dir.path().join("snap");
    let out = emu.fetch_with(&snap, &["--concurrency", "2"]);
    assert!(emu.max_inflight() <= 2, "{} in flight", emu.max_inflight());
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a denied call failed the fetch: {stderr}"
    );
    assert!(
        stderr.contains("warning") && stderr.contains("`ec2:DescribeNatGateways`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`ec2:GetVerifiedAccessEndpointPolicy`"),
        "{stderr}"
    );
    // The rest is written; the denied call's file is not.
    assert!(!snap.join("describe-nat-gateways.json").exists());
    assert!(snap.join("describe-vpcs.json").exists());
    assert!(snap.join("describe-route-tables.json").exists());
    let m = read_json(&snap.join("reach-fetch.json"));
    let m = &m["ReachFetch"];
    let denied: Vec<&Value> = m["Calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["Error"] == "UnauthorizedOperation")
        .collect();
    assert_eq!(denied.len(), 2, "{m}");
    // An unsupported call: a warning too, and the rest is written.
    assert!(
        stderr.contains("`DescribeVpnGateways` is not supported by the endpoint (InvalidAction)"),
        "{stderr}"
    );
    assert!(!snap.join("describe-vpn-gateways.json").exists());
    assert!(denied.iter().any(|c| c["Call"] == "DescribeNatGateways"
        && c["Action"] == "ec2:DescribeNatGateways"
        && c.get("File").is_none()));
    assert!(
        denied
            .iter()
            .any(|c| c["Call"] == "GetVerifiedAccessEndpointPolicy"
                && c["Resource"] == emu.id("vae"))
    );
    assert_eq!(m["Warnings"].as_array().map(Vec::len), Some(3), "{m}");
    // `--snapshot` reads the manifest and reports its warnings; without the
    // NAT gateway the app instance's way out is not known.
    let app = emu.id("i_app");
    let r = check(&snap, &[], &format!("{app}->93.184.216.34:443"));
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("reach fetch") && warnings.contains("DescribeNatGateways"),
        "{r}"
    );
    assert_eq!(
        r["skipped"],
        Value::Array(vec![]),
        "the manifest is no unknown document: {r}"
    );
    assert_ne!(r["verdict"], "reachable", "{r}");
}

#[test]
fn any_other_failed_call_fails_the_fetch_naming_it_and_writes_nothing() {
    if !python_present() {
        return;
    }
    let emu = Emulator::start(&["--fail", "DescribeSubnets"]);
    let snap = emu.dir.path().join("snap");
    let out = emu.fetch(&snap);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: `DescribeSubnets` in `us-east-1` failed: InvalidParameterValue"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!snap.exists(), "a failed fetch wrote {}", snap.display());
}

#[test]
fn fetch_then_diff_against_a_hand_edited_copy_shows_the_edit() {
    if !python_present() {
        return;
    }
    let emu = Emulator::start(&[]);
    let before = emu.dir.path().join("before");
    let out = emu.fetch(&before);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A fetch into the same folder again: the same files (the earlier
    // manifest's are replaced, none left over).
    let list = |d: &Path| {
        let mut v: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let first = list(&before);
    let out = emu.fetch(&before);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(list(&before), first);
    // Two regions: one folder each, each with its manifest.
    let two = emu.dir.path().join("two");
    let out = reach(&[
        "fetch",
        "--region",
        "us-east-1,eu-west-1",
        "--endpoint-url",
        &emu.endpoint,
        "--out",
        two.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for region in ["us-east-1", "eu-west-1"] {
        let m = read_json(&two.join(region).join("reach-fetch.json"));
        assert_eq!(m["ReachFetch"]["Region"], region);
        assert!(two.join(region).join("describe-vpcs.json").exists());
    }

    // The copy: the web group also lets in 8080 from anywhere.
    let after = emu.dir.path().join("after");
    fs::create_dir(&after).unwrap();
    for f in &first {
        fs::copy(before.join(f), after.join(f)).unwrap();
    }
    let web = emu.id("web");
    let sgs = after.join("describe-security-groups.json");
    let mut doc = read_json(&sgs);
    let group = doc["SecurityGroups"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g["GroupId"] == web.as_str())
        .expect("the web group was fetched");
    group["IpPermissions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [],
            "UserIdGroupPairs": []
        }));
    fs::write(&sgs, serde_json::to_string_pretty(&doc).unwrap()).unwrap();

    let out = reach(&[
        "diff",
        "--before",
        before.to_str().unwrap(),
        "--after",
        after.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = d["changes"].as_array().unwrap();
    // Exactly the edit: the copy's other files differ only in their folder.
    assert_eq!(changes.len(), 1, "{d:#}");
    assert_eq!(changes[0]["resource"], web.as_str());
    assert!(
        changes[0]["details"]
            .to_string()
            .contains("tcp 8080 from 0.0.0.0/0"),
        "{d:#}"
    );
    assert!(
        d["summary"].as_str().unwrap().contains("from the internet"),
        "the internet gains 8080 on the web instance: {d:#}"
    );
}
