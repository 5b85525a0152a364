//! A YAML model file being lowered: its file and origin, errors that name
//! them, and the subnet lookups several sections make.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::ingest::error::{IngestError, field_err};
use crate::ingest::state::State;
use crate::model::Origin;

/// A model file being lowered.
pub(super) struct Cx<'a> {
    pub file: &'a str,
    pub origin: Origin,
}

impl Cx<'_> {
    pub fn err(
        &self,
        res: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> IngestError {
        field_err(self.file, res, field, message)
    }
    pub fn unknown(&self, res: &str, field: &str, kind: &str, id: &str) -> IngestError {
        IngestError::UnknownRef {
            file: self.file.to_string(),
            resource: res.to_string(),
            field: field.to_string(),
            kind: kind.to_string(),
            id: id.to_string(),
        }
    }
}

/// The VPC and CIDRs of `subnet`, which must be in the input.
pub(super) fn subnet_vpc(
    st: &State,
    cx: &Cx,
    res: &str,
    subnet: &str,
) -> Result<(String, Vec<IpNet>), IngestError> {
    st.net
        .subnets
        .get(subnet)
        .map(|s| (s.vpc.clone(), s.cidrs.clone()))
        .ok_or_else(|| cx.unknown(res, "subnet", "subnet", subnet))
}

/// `ip` lies in one of the subnet's `cidrs`.
pub(super) fn check_in_subnet(
    cx: &Cx,
    res: &str,
    field: &str,
    ip: IpAddr,
    subnet: &str,
    cidrs: &[IpNet],
) -> Result<(), IngestError> {
    if cidrs.iter().any(|c| c.contains(&ip)) {
        return Ok(());
    }
    let list: Vec<String> = cidrs.iter().map(ToString::to_string).collect();
    Err(cx.err(
        res,
        field,
        format!("`{ip}` is not in subnet `{subnet}` ({})", list.join(", ")),
    ))
}
