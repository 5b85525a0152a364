//! A network written back as the AWS CLI prints it (`aws ec2 describe-*
//! --output json`, one document per call), so `reach check --snapshot DIR`
//! loads it: `reach synth --out DIR` and `reach tighten --out DIR`. Pure:
//! returns file names and contents; `cli` writes them. One file per family
//! of documents, each pushing its documents in the order they are written.

mod cvpn;
mod filters;
mod interfaces;
mod network;
mod tags;
mod transit;

use serde_json::Value;

use crate::model::Network;

pub use filters::sg_permission;

/// The documents, as `(file name, JSON text)`, and what could not be written.
pub fn snapshot(net: &Network) -> (Vec<(String, String)>, Vec<String>) {
    let mut docs: Vec<(String, Value)> = Vec::new();
    let mut notes = Vec::new();
    network::vpc_docs(net, &mut docs);
    filters::filter_docs(net, &mut docs);
    interfaces::interface_docs(net, &mut docs);
    network::gateway_docs(net, &mut docs);
    cvpn::cvpn_docs(net, &mut docs);
    transit::transit_docs(net, &mut docs);
    let va = net.va_instances.len()
        + net.va_endpoints.len()
        + net.va_groups.len()
        + net.va_trust_providers.len();
    if va > 0 {
        notes.push(format!(
            "{va} Verified Access resource(s) are not written to the snapshot (synth and tighten do not change them): copy their documents beside it"
        ));
    }
    let docs = docs
        .into_iter()
        .map(|(name, v)| {
            (
                name,
                serde_json::to_string_pretty(&v).unwrap_or_default() + "\n",
            )
        })
        .collect();
    (docs, notes)
}
