//! What runs once every file is read and the YAML models are lowered: the
//! snapshot's documents joined (`snapshot`), security-group rule IDs attached
//! (`sg_rules`), Client VPN endpoints completed (`cvpn`), Verified Access
//! policies attached and checked (`va`), transit gateway parts joined
//! (`transit`), references checked (`refs`).
//!
//! Nothing here reads a file format: it works on the [`State`] the readers
//! wrote.

mod cvpn;
mod refs;
mod sg_rules;
mod snapshot;
mod transit;
mod va;

use super::error::IngestError;
use super::state::State;
use crate::model::Network;

pub(crate) use refs::check_blank_ids;

/// Completes the state into the model, in this order (each step relies on
/// the ones before): joins, rule IDs, Client VPN, Verified Access, references.
pub(crate) fn complete(mut st: State) -> Result<Network, IngestError> {
    snapshot::warn_subnet_cidrs(&mut st);
    snapshot::merge_instance_interfaces(&mut st);
    snapshot::synthesize_nat_interfaces(&mut st);
    snapshot::apply_addresses(&mut st);
    snapshot::apply_prefix_list_entries(&mut st);
    sg_rules::attach_rule_ids(&mut st);
    cvpn::attach(&mut st)?;
    va::complete(&mut st)?;
    transit::join(&mut st);
    refs::check_references(&mut st)?;
    refs::check_group_pairs(&mut st)?;
    transit::check_references(&mut st)?;
    let mut net = st.net;
    net.warnings.extend(st.warnings);
    Ok(net)
}
