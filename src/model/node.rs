//! The places packets leave from and come back to, and where they cross
//! into a subnet from: the topology the engine's walk and the prover's
//! encoding both name (each adds what it alone needs of a node).

use super::{
    ClientVpnAssociation, ClientVpnEndpoint, Interface, NatGateway, TgwAttachment, VaEndpoint,
};

/// A place packets leave from (and replies come back to).
#[derive(Clone, Copy)]
pub enum Node<'n> {
    Eni(&'n Interface),
    Nat(&'n NatGateway),
    /// A Client VPN association: its ENI source-NATs client traffic.
    Cvpn(&'n ClientVpnEndpoint, &'n ClientVpnAssociation),
    /// A Verified Access endpoint's network interfaces in one of its subnets.
    Va(&'n VaEndpoint, &'n str),
    /// Where a transit gateway's VPC attachment hands packets into its VPC:
    /// its interface in this subnet (no security group): (attachment,
    /// subnet, VPC).
    Tgw(&'n TgwAttachment, &'n str, &'n str),
}

impl<'n> Node<'n> {
    pub fn id(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.id,
            Node::Nat(n) => &n.id,
            Node::Cvpn(_, a) => &a.id,
            Node::Va(e, _) => &e.id,
            Node::Tgw(a, _, _) => &a.id,
        }
    }

    pub fn subnet(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.subnet,
            Node::Nat(n) => &n.subnet,
            Node::Cvpn(_, a) => &a.subnet,
            Node::Va(_, s) => s,
            Node::Tgw(_, s, _) => s,
        }
    }

    pub fn vpc(&self) -> &'n str {
        match self {
            Node::Eni(i) => &i.vpc,
            Node::Nat(n) => &n.vpc,
            Node::Cvpn(e, _) => &e.vpc,
            Node::Va(e, _) => &e.vpc,
            Node::Tgw(_, _, v) => v,
        }
    }
}

/// Where a packet crosses into its destination's subnet from.
#[derive(Clone, Copy)]
pub enum Cross<'a> {
    /// From a subnet of the same VPC (no ACL between two ENIs of one subnet).
    Subnet(&'a str),
    /// From outside the VPC (internet gateway, peering).
    Outside,
}
