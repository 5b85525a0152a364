//! Who may enter: Client VPN authorization and route table, Verified Access
//! policies (Cedar) and targets, and the user classes of a `client` query.
//! Decides without routes, ACLs or security groups, and never walks.

mod cedar;
mod cvpn;
mod users;
mod va;

pub use cvpn::{Authorization, authorize, describe_auth_rule, route_for};
pub use users::{MAX_ENDPOINT_GROUPS, is_class, users_and_decisions};
pub use va::{Resolved, leads_to, target_addresses};
