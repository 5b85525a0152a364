//! What every assertion kind shares: the assertion being evaluated ([`Cx`]:
//! its errors, its selectors resolved), a service's protocol per address
//! family, port ranges, flow class labels.

use std::fmt;
use std::net::IpAddr;

use crate::assert::error::AssertError;
use crate::assert::policy::{Assertion, Selector, Service};
use crate::assert::select::{Resolved, Target};
use crate::hs::{Interval, IntervalSet};
use crate::model::{Network, Protocol};

/// The assertion being evaluated, for errors.
pub(super) struct Cx<'a> {
    pub(super) file: &'a str,
    pub(super) a: &'a Assertion,
}

impl Cx<'_> {
    pub(super) fn field(&self, field: &str, message: impl Into<String>) -> AssertError {
        AssertError::Field {
            file: self.file.to_string(),
            index: self.a.index,
            name: self.a.name.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub(super) fn engine(&self, e: impl fmt::Display) -> AssertError {
        AssertError::Engine {
            file: self.file.to_string(),
            index: self.a.index,
            name: self.a.name.clone(),
            message: e.to_string(),
        }
    }

    pub(super) fn resolve(
        &self,
        net: &Network,
        sels: &[Selector],
        field: &str,
    ) -> Result<Resolved, AssertError> {
        Resolved::new(net, sels).map_err(|(i, m)| self.field(&format!("{field}[{i}]"), m))
    }

    pub(super) fn targets(
        &self,
        net: &Network,
        r: &Resolved,
        field: &str,
    ) -> Result<Vec<Target>, AssertError> {
        let t = r.targets(net).map_err(|m| self.field(field, m))?;
        if t.is_empty() {
            return Err(self.field(field, "selects no interface (with an address) in the input"));
        }
        Ok(t)
    }
}

/// The service's protocol for the target's family (`icmp` toward IPv6 is ICMPv6).
pub(super) fn protocol_for(p: Protocol, dst: IpAddr) -> Protocol {
    match p {
        Protocol::ICMP if dst.is_ipv6() => Protocol::ICMPV6,
        Protocol::ICMPV6 if dst.is_ipv4() => Protocol::ICMP,
        p => p,
    }
}

pub(super) fn ports_label(p: (u16, u16)) -> String {
    if p.0 == p.1 {
        p.0.to_string()
    } else {
        format!("{}-{}", p.0, p.1)
    }
}

pub(super) fn flow_label(src: &str, dst: &Target, svc: Service, proto: Protocol) -> String {
    format!(
        "{src}->{}:{}/{}",
        dst.label(),
        ports_label(svc.ports),
        proto.name()
    )
}

pub(super) fn range(r: (u16, u16)) -> IntervalSet {
    IntervalSet::from_interval(Interval {
        lo: u128::from(r.0),
        hi: u128::from(r.1),
    })
}
