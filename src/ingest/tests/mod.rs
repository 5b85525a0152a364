//! Unit tests of ingest, through [`Loader`] as its callers use it, one file
//! per topic.

mod bad_input;
mod client_vpn;
mod fixtures;
mod merging;
mod paths;
mod sg_rule_ids;
mod terraform;
mod yaml_model;

use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;

use super::*;
use crate::model::{
    Action, ClientVpnAssociation, ClientVpnAuthRule, ClientVpnAuthType, ClientVpnRoute, Peer,
    Platform, PortMatch, Protocol, RouteDest, RouteState, Target,
};

/// `shared/fixtures/batfish` beside the crate, else the workplace's copy.
fn fixtures() -> PathBuf {
    let rel = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/batfish");
    if rel.is_dir() {
        rel
    } else {
        PathBuf::from("/work/shared/fixtures/batfish")
    }
}

fn load_fixture(name: &str) -> Network {
    let mut l = Loader::new();
    l.add_snapshot_path(&fixtures().join(name))
        .expect("fixture loads");
    l.finish().expect("fixture validates")
}

fn net(s: &str) -> IpNet {
    s.parse().expect("test cidr")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test ip")
}

fn skipped_kinds(n: &Network) -> Vec<&str> {
    let mut k: Vec<&str> = n.skipped.iter().map(|s| s.kind.as_str()).collect();
    k.sort();
    k
}

fn json_err(file: &str, text: &str) -> IngestError {
    let mut l = Loader::new();
    match l.add_json(file, text) {
        Err(e) => e,
        Ok(()) => l.finish().expect_err("should fail"),
    }
}

fn yaml_err(text: &str) -> IngestError {
    let mut l = Loader::new();
    match l.add_yaml("m.yaml", text) {
        Err(e) => e,
        Ok(()) => l.finish().expect_err("should fail"),
    }
}
