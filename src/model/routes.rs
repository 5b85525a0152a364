//! Routing: route tables, their routes and targets, prefix lists, and the
//! order a table decides in ([`TableRoute`], shared with transit gateway
//! route tables).

use ipnet::IpNet;

use super::origin::Origin;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RouteDest {
    Cidr(IpNet),
    PrefixList(String),
}

impl RouteDest {
    pub fn describe(&self) -> String {
        match self {
            RouteDest::Cidr(n) => n.to_string(),
            RouteDest::PrefixList(p) => p.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    Local,
    InternetGateway(String),
    EgressOnlyInternetGateway(String),
    NatGateway(String),
    VpcPeering(String),
    TransitGateway(String),
    VirtualPrivateGateway(String),
    NetworkInterface(String),
    Instance(String),
    VpcEndpoint(String),
    /// Any target the model does not walk yet (carrier gateway, local gateway, ...).
    Other(String),
}

impl Target {
    pub fn id(&self) -> &str {
        match self {
            Target::Local => "local",
            Target::InternetGateway(s)
            | Target::EgressOnlyInternetGateway(s)
            | Target::NatGateway(s)
            | Target::VpcPeering(s)
            | Target::TransitGateway(s)
            | Target::VirtualPrivateGateway(s)
            | Target::NetworkInterface(s)
            | Target::Instance(s)
            | Target::VpcEndpoint(s)
            | Target::Other(s) => s,
        }
    }

    /// Classifies a target ID by its AWS prefix.
    pub fn from_id(id: &str) -> Target {
        let p = |pre: &str| id.starts_with(pre);
        if id == "local" {
            Target::Local
        } else if p("igw-") {
            Target::InternetGateway(id.into())
        } else if p("eigw-") {
            Target::EgressOnlyInternetGateway(id.into())
        } else if p("nat-") {
            Target::NatGateway(id.into())
        } else if p("pcx-") {
            Target::VpcPeering(id.into())
        } else if p("tgw-") {
            Target::TransitGateway(id.into())
        } else if p("vgw-") {
            Target::VirtualPrivateGateway(id.into())
        } else if p("eni-") {
            Target::NetworkInterface(id.into())
        } else if p("i-") {
            Target::Instance(id.into())
        } else if p("vpce-") {
            Target::VpcEndpoint(id.into())
        } else {
            Target::Other(id.into())
        }
    }
}

/// How a route got into its table; at equal prefix length a static route
/// beats a prefix-list route, which beats a propagated one (aws-semantics.md §2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RouteOrigin {
    /// `CreateRouteTable` (the local route) or `CreateRoute`.
    #[default]
    Static,
    /// `EnableVgwRoutePropagation`: learned from a virtual private gateway.
    Propagated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RouteState {
    Active,
    Blackhole,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Route {
    pub dest: RouteDest,
    pub target: Target,
    pub state: RouteState,
    pub origin: RouteOrigin,
}

impl Route {
    /// Priority among routes of equal prefix length, lowest first: static,
    /// then prefix-list, then propagated (aws-semantics.md §2).
    pub fn priority(&self) -> u8 {
        match (&self.dest, self.origin) {
            (RouteDest::Cidr(_), RouteOrigin::Static) => 0,
            (RouteDest::PrefixList(_), RouteOrigin::Static) => 1,
            (_, RouteOrigin::Propagated) => 2,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouteTable {
    pub id: String,
    pub vpc: String,
    pub main: bool,
    /// Explicitly associated subnets.
    pub subnets: Vec<String>,
    /// Gateways (`igw-`, `vgw-`) associated with it: traffic entering the VPC
    /// through them is routed by this table first (ingress routing).
    pub gateways: Vec<String>,
    pub routes: Vec<Route>,
    pub origin: Origin,
}

/// A route of a table that decides by longest prefix, then [`priority`],
/// then input order: a VPC route table's ([`Route`]) or a transit gateway
/// route table's ([`super::TgwRoute`]).
///
/// [`priority`]: TableRoute::priority
pub trait TableRoute {
    fn dest(&self) -> &RouteDest;
    /// Among routes of equal prefix length, lowest first.
    fn priority(&self) -> u8;
}

impl TableRoute for Route {
    fn dest(&self) -> &RouteDest {
        &self.dest
    }

    fn priority(&self) -> u8 {
        Route::priority(self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrefixList {
    pub id: String,
    pub name: Option<String>,
    /// `OwnerId`: `AWS` for AWS-managed lists.
    pub owner: Option<String>,
    /// `AddressFamily`: 4 or 6, when the input says.
    pub family: Option<u8>,
    /// `None` when the snapshot names the list but not its entries.
    pub entries: Option<Vec<IpNet>>,
    pub origin: Origin,
}

impl PrefixList {
    /// An AWS-managed list (`OwnerId` `AWS`, or a `com.amazonaws.…` name):
    /// it holds only public AWS ranges (aws-semantics.md §2, issue 9).
    pub fn aws_managed(&self) -> bool {
        self.owner.as_deref() == Some("AWS")
            || self
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("com.amazonaws."))
    }
}
