//! What the engine computes once per network and keeps with it (in
//! [`Network::memo`], a slot the model holds without reading): the
//! addresses of each security group as a peer (a walk meets the same
//! group-naming rules at every hop of every walk), each group's rule sets
//! and their descriptions,
//! the internet as a source (every `internet` query starts from it), the
//! source places (`who`, `diff` and `exposure` start there) and what each
//! subnet holds.
//!
//! A clone of a network starts with an empty slot and `Network::reindex`
//! empties it: networks are edited as clones (`diff`, `synth`) before they
//! are walked. As a safety net, what is kept is used only while the
//! network's shape (its counts of interfaces, groups, endpoints, gateways,
//! addresses, VPCs and subnets) is the one it was computed for; a group's
//! rule sets only while the group has as many rules.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use crate::hs::{IntervalSet, PacketSet};
use crate::model::Network;

/// Addresses a security-group peer stands for: those it surely covers, and
/// those it may cover when the input lacks something (a prefix list's
/// entries, a group outside the input).
#[derive(Clone, Debug, Default)]
pub struct PeerAddrs {
    pub yes: IntervalSet,
    pub maybe: IntervalSet,
}

/// `rules::sg_rule_set` of each rule of a group's side, in the group's
/// order.
pub type RuleSets = Vec<(PacketSet, PacketSet)>;

/// What is kept of one side of one group of the input: its rules' sets and
/// their descriptions, each computed the first time a walk needs it. Read
/// without a lock (a walk meets groups at every hop, from every thread).
#[derive(Default)]
pub(super) struct GroupSide {
    pub(super) sets: OnceLock<RuleSets>,
    pub(super) texts: OnceLock<Vec<String>>,
}

pub(super) struct Derived {
    shape: Shape,
    pub(super) groups: RwLock<HashMap<String, Arc<PeerAddrs>>>,
    pub(super) internet: OnceLock<IntervalSet>,
    /// Each group of the input, its two sides (ingress, egress).
    groups_sides: OnceLock<rustc_hash::FxHashMap<String, [GroupSide; 2]>>,
    pub(super) places: OnceLock<Places>,
    /// What each subnet holds: its CIDRs and every address of an interface
    /// or NAT gateway in it ([`super::rules::subnet_held`]).
    pub(super) held: OnceLock<rustc_hash::FxHashMap<String, IntervalSet>>,
}

/// [`super::source_places`]' answer.
pub(super) type Places = Arc<Vec<Vec<(usize, Vec<String>)>>>;

type Shape = [usize; 8];

fn shape(net: &Network) -> Shape {
    [
        net.interfaces.len(),
        net.security_groups.len(),
        net.client_vpn_endpoints.len(),
        net.va_endpoints.len(),
        net.nat_gateways.len(),
        net.idle_addresses.len(),
        net.vpcs.len(),
        net.subnets.len(),
    ]
}

/// The network's [`Derived`], if its shape is still the one it was
/// computed for.
pub(super) fn of(net: &Network) -> Option<&Derived> {
    let memo = net.memo.get_or_init(|| Derived {
        shape: shape(net),
        groups: Default::default(),
        internet: Default::default(),
        groups_sides: Default::default(),
        places: Default::default(),
        held: Default::default(),
    })?;
    (memo.shape == shape(net)).then_some(memo)
}

impl Derived {
    /// What is kept of a side of the group `id` of `net` (`None` when the
    /// input has no such group).
    pub(super) fn group_side(&self, net: &Network, id: &str, egress: bool) -> Option<&GroupSide> {
        let all = self.groups_sides.get_or_init(|| {
            net.security_groups
                .keys()
                .map(|g| (g.clone(), Default::default()))
                .collect()
        });
        all.get(id).map(|s| &s[usize::from(egress)])
    }
}
