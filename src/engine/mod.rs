//! The path engine: pushes packet *sets* through the model, forward and back.
//!
//! It walks routes, network ACLs, security groups and gateways, and states
//! every leaf of the walk (arrived, dropped, unknown) in an [`Analysis`]
//! together with the hops that led there. It never formats output and never
//! calls a solver; causes are data ([`Cause`]) that `explain` turns into
//! sentences.

mod access;
mod analysis;
mod check;
mod classes;
mod decision;
mod derived;
mod flow;
mod query;
mod rules;
mod walk;

pub use analysis::{Access, Analysis, Cause, Direction, End, Hop, Leaf, Path, Reach, Verdict, Via};
pub use check::{check, check_packets};
pub use classes::{Gathering, source_classes, source_places};
pub use flow::Flow;
pub use query::{
    DstSpec, EngineError, Query, QueryOptions, QuerySpec, SrcSpec, Start, parse_port_range,
};
pub use rules::{
    Side, describe_nacl_entry, describe_sg_rule, group_rules_set, internet_sources, nacl_entry_set,
    peer_addresses, proto_ports, public_addresses, sg_rule_set,
};

/// Verified Access: who asks and what the policies decided.
pub mod va {
    pub use super::decision::{PolicyCheck, PolicyOutcome, User, UserContext, VaDecision};
}

/// User classes of a `client` query.
pub mod users {
    pub use super::access::MAX_ENDPOINT_GROUPS;
    pub use super::decision::is_class;
}

/// Rules as packet sets, for whole-network checks that read rules without
/// walking (`lint`).
pub mod sets {
    pub use super::rules::{
        PeerAddrs, Side, association_addresses, cidr_set, describe_nacl_entry, describe_sg_rule,
        expanded_routes, input_cidrs, interface_addresses, nacl_entry_set, peer_addresses,
        proto_ports, sg_rule_set, subnet_addresses,
    };
}

/// Client VPN authorization.
pub mod client {
    pub use super::access::{Authorization, authorize, describe_auth_rule};
}
