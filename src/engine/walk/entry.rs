//! Where a `client` query's packets enter the VPC: a Client VPN
//! association's ENI, or a Verified Access endpoint's network interfaces in
//! one of its subnets; both source-NAT the user. What lets them in is
//! decided before (`access`); from here on they are ordinary packets.

use crate::engine::analysis::{Conntrack, Hop};
use crate::engine::flow::Flow;
use crate::engine::rules;
use crate::hs::Field;
use crate::model::{ClientVpnAssociation, ClientVpnEndpoint, VaEndpoint};

use super::{Hops, NAT_PORTS, Node, Trail, Walk, translate_source};

impl<'n> Walk<'n, '_> {
    /// Into the VPC from a Client VPN association (see [`super::from_association`]).
    pub(super) fn association_entry(
        &mut self,
        ep: &'n ClientVpnEndpoint,
        assoc: &'n ClientVpnAssociation,
        mut flow: Flow,
        hops: Vec<Hop>,
    ) {
        let mut trail = Trail {
            hops: Hops::from_vec(hops),
            ct: Conntrack::default(),
        };
        let Some(addrs) = rules::association_addresses(self.net, assoc) else {
            return self.unknown(
                flow,
                trail,
                &assoc.subnet,
                "the association's subnet is not in the input",
            );
        };
        let what = match assoc
            .interface
            .as_ref()
            .filter(|e| self.net.interfaces.contains_key(*e))
        {
            Some(eni) => format!(
                "source -> {} ({eni}), source port {}-{}",
                addrs.summary(Field::Src),
                NAT_PORTS.0,
                NAT_PORTS.1
            ),
            None => {
                self.assume(format!(
                    "the ENI of {} is not in the input: client traffic is assumed to leave from some address of {} ({}) carrying the endpoint's security groups",
                    assoc.id,
                    assoc.subnet,
                    addrs.summary(Field::Src)
                ));
                format!(
                    "source -> an address of {}, source port {}-{}",
                    assoc.subnet, NAT_PORTS.0, NAT_PORTS.1
                )
            }
        };
        translate_source(&mut flow, addrs);
        trail.hops.push(Hop::new(
            &assoc.id,
            "client-vpn-association",
            "translate",
            what,
        ));
        self.at_node(Node::Cvpn(ep, assoc), flow, trail);
    }

    /// Into the VPC from a Verified Access endpoint (see [`super::from_va`]).
    pub(super) fn va_entry(
        &mut self,
        ep: &'n VaEndpoint,
        subnet: &str,
        mut flow: Flow,
        hops: Vec<Hop>,
    ) {
        let mut trail = Trail {
            hops: Hops::from_vec(hops),
            ct: Conntrack::default(),
        };
        let Some(subnet) = ep.subnets.iter().find(|s| *s == subnet) else {
            return;
        };
        let Some(addrs) = rules::subnet_addresses(self.net, subnet) else {
            return self.unknown(
                flow,
                trail,
                subnet,
                "the endpoint's subnet is not in the input",
            );
        };
        let groups = if ep.security_groups.is_empty() {
            "no security group".to_string()
        } else {
            ep.security_groups.join(", ")
        };
        self.assume(format!(
            "{} enters the VPC from Verified Access network interfaces in {subnet} ({}) carrying {groups}, from source ports {}-{}; AWS does not list those interfaces, so any address of the subnet is assumed (aws-semantics.md §7)",
            ep.id,
            addrs.summary(Field::Src),
            NAT_PORTS.0,
            NAT_PORTS.1
        ));
        translate_source(&mut flow, addrs.clone());
        trail.hops.push(Hop::new(
            &ep.id,
            "verified-access-endpoint",
            "translate",
            format!(
                "source -> an address of {subnet} ({}), source port {}-{}",
                addrs.summary(Field::Src),
                NAT_PORTS.0,
                NAT_PORTS.1
            ),
        ));
        self.at_node(Node::Va(ep, subnet), flow, trail);
    }
}
