//! Who may enter: Client VPN authorization and route table, Verified Access
//! policies (Cedar) and targets, and the user classes of a `client` query.
//! Decides without routes, network ACLs or security groups, and never walks:
//! `check` walks what an admission lets in.

mod cedar;
mod cvpn;
mod users;
mod va;

pub use cvpn::{
    Authorization, CvpnAdmission, Door, admit_cvpn, authorize, cvpn_assumptions, describe_auth_rule,
};
pub use users::{MAX_ENDPOINT_GROUPS, users_and_decisions};
pub use va::{VaAdmission, VaEntry, admit_va, va_endpoints_toward};
