//! Selectors resolved against a [`Network`]: which interfaces, internet
//! addresses and access users they name, as sources to ask from, targets to
//! ask about, and address sets to match the sources `who` found.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::engine::{self, DstSpec};
use crate::hs::{self, Interval, IntervalSet};
use crate::model::{Interface, Network};
use crate::who;

use super::policy::Selector;

/// A selector list, resolved: every interface it names, whether it names
/// the internet, its address blocks and its access users.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub enis: BTreeSet<String>,
    pub internet: bool,
    pub cidrs: Vec<IpNet>,
    /// Access users: (endpoint, groups); `None` endpoint = any, empty
    /// groups = every user.
    pub clients: Vec<(Option<String>, Vec<String>)>,
}

/// Where a flow starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Hosts on the internet with these addresses.
    Internet(IntervalSet),
    /// Access users of these groups (empty: every user class), through
    /// this endpoint (`None`: any).
    Client {
        groups: Vec<String>,
        via: Option<String>,
    },
    Eni(String),
}

/// A destination to ask about: an address, and the interface holding it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// The interface (`None`: an address no interface of the input holds).
    pub eni: Option<String>,
    pub ip: IpAddr,
    /// A public or Elastic IP the internet gateway maps to the interface.
    pub public: bool,
    /// The interface's primary private address.
    pub primary: bool,
}

impl Target {
    /// As a query names it: `eni-…`, `eni-…@203.0.113.10` (only what is
    /// delivered to the interface counts there), an address.
    pub fn spec(&self) -> DstSpec {
        match &self.eni {
            Some(id) if self.primary => DstSpec::Eni(id.clone()),
            Some(id) => DstSpec::EniAt {
                eni: id.clone(),
                ip: self.ip,
            },
            None => DstSpec::Ip(self.ip),
        }
    }

    /// How messages name it: `eni-…`, `eni-…@203.0.113.10`, an address
    /// (as a query writes it).
    pub fn label(&self) -> String {
        self.spec().to_string()
    }

    /// Every address an interface is asked at: its primary private
    /// address, each public or Elastic IP, its first IPv6 address.
    pub fn of_interface(i: &Interface) -> Vec<Target> {
        let mut out = Vec::new();
        let t = |ip, public, primary| Target {
            eni: Some(i.id.clone()),
            ip,
            public,
            primary,
        };
        if let Some(p) = i.main_ip() {
            out.push(t(p, false, true));
        }
        for p in &i.private_ips {
            if let Some(pb) = p.public {
                out.push(t(pb, true, false));
            }
        }
        if let Some(v6) = i.ipv6.first().filter(|v6| Some(**v6) != i.main_ip()) {
            out.push(t(*v6, false, false));
        }
        out
    }
}

/// Every address of an interface (private, IPv6, delegated prefixes).
pub fn eni_addresses(i: &Interface) -> IntervalSet {
    let mut s = IntervalSet::empty();
    for a in i
        .private_ips
        .iter()
        .map(|p| p.address)
        .chain(i.ipv6.iter().copied())
    {
        s = s.union(&IntervalSet::from_interval(Interval::point(hs::addr(a))));
    }
    for p in &i.prefixes {
        s = s.union(&hs::prefix(*p));
    }
    s
}

/// Every address.
pub fn any_address() -> IntervalSet {
    IntervalSet::from_interval(Interval {
        lo: 0,
        hi: u128::MAX,
    })
}

fn holds_in(i: &Interface, n: &IpNet) -> bool {
    i.private_ips.iter().any(|p| n.contains(&p.address)) || i.ipv6.iter().any(|a| n.contains(a))
}

/// Whether a tag selector matches: on the interface, its instance, its
/// subnet, its VPC or one of its security groups.
fn tagged(net: &Network, i: &Interface, key: &str, value: Option<&str>) -> bool {
    let has = |tags: &std::collections::BTreeMap<String, String>| {
        tags.get(key)
            .is_some_and(|v| value.is_none_or(|want| v == want))
    };
    has(&i.tags)
        || i.instance
            .as_ref()
            .and_then(|id| net.instances.get(id))
            .is_some_and(|inst| has(&inst.tags))
        || net.subnets.get(&i.subnet).is_some_and(|s| has(&s.tags))
        || net.vpcs.get(&i.vpc).is_some_and(|v| has(&v.tags))
        || i.groups
            .iter()
            .filter_map(|g| net.security_groups.get(g))
            .any(|g| has(&g.tags))
}

impl Resolved {
    /// Resolves `sels`; an error names the selector's position and says
    /// what the input lacks.
    pub fn new(net: &Network, sels: &[Selector]) -> Result<Resolved, (usize, String)> {
        let mut r = Resolved::default();
        for (n, s) in sels.iter().enumerate() {
            let missing = |what: &str, id: &str| (n, format!("no {what} `{id}` in the input"));
            match s {
                Selector::Internet => r.internet = true,
                Selector::Client { groups } => r.clients.push((None, groups.clone())),
                Selector::Cidr(c) => {
                    r.cidrs.push(*c);
                    r.enis.extend(
                        net.interfaces
                            .values()
                            .filter(|i| holds_in(i, c))
                            .map(|i| i.id.clone()),
                    );
                }
                Selector::Tag { key, value } => {
                    let hit: Vec<String> = net
                        .interfaces
                        .values()
                        .filter(|i| tagged(net, i, key, value.as_deref()))
                        .map(|i| i.id.clone())
                        .collect();
                    if hit.is_empty() {
                        return Err((n, format!("`{s}` selects no interface in the input")));
                    }
                    r.enis.extend(hit);
                }
                Selector::AnyInterface => r.enis.extend(net.interfaces.keys().cloned()),
                Selector::AnyInstance => r.enis.extend(
                    net.interfaces
                        .values()
                        .filter(|i| i.instance.is_some())
                        .map(|i| i.id.clone()),
                ),
                Selector::Id(id) => {
                    let p = |pre: &str| id.starts_with(pre);
                    if p("eni-") {
                        if !net.interfaces.contains_key(id) {
                            return Err(missing("network interface", id));
                        }
                        r.enis.insert(id.clone());
                    } else if p("i-") {
                        let enis = net.instance_interfaces(id);
                        if enis.is_empty() {
                            return Err(missing("instance (with a network interface)", id));
                        }
                        r.enis.extend(enis.iter().map(|i| i.id.clone()));
                    } else if p("sg-") {
                        if !net.security_groups.contains_key(id) {
                            return Err(missing("security group", id));
                        }
                        r.enis
                            .extend(net.members_of_group(id).map(|i| i.id.clone()));
                    } else if p("subnet-") {
                        if !net.subnets.contains_key(id) {
                            return Err(missing("subnet", id));
                        }
                        r.enis.extend(
                            net.interfaces
                                .values()
                                .filter(|i| &i.subnet == id)
                                .map(|i| i.id.clone()),
                        );
                    } else if p("vpc-") {
                        if !net.vpcs.contains_key(id) {
                            return Err(missing("vpc", id));
                        }
                        r.enis.extend(
                            net.interfaces
                                .values()
                                .filter(|i| &i.vpc == id)
                                .map(|i| i.id.clone()),
                        );
                    } else if p("igw-") {
                        if !net.internet_gateways.contains_key(id) {
                            return Err(missing("internet gateway", id));
                        }
                        r.internet = true;
                    } else if p("cvpn-endpoint-") || p("vae-") {
                        if !net.client_vpn_endpoints.contains_key(id)
                            && !net.va_endpoints.contains_key(id)
                        {
                            return Err(missing("access endpoint", id));
                        }
                        r.clients.push((Some(id.clone()), Vec::new()));
                    } else {
                        return Err((n, format!("`{id}`: not a selectable resource")));
                    }
                }
            }
        }
        Ok(r)
    }

    /// The internet addresses named (whole internet, or the public part
    /// of the CIDRs); empty when none.
    fn internet_addresses(&self, net: &Network) -> IntervalSet {
        let all = engine::internet_sources(net);
        if self.internet {
            return all;
        }
        let mut s = IntervalSet::empty();
        for c in &self.cidrs {
            s = s.union(&hs::prefix(*c));
        }
        s.intersect(&all)
    }

    /// The flows' sources to ask from.
    pub fn sources(&self, net: &Network) -> Vec<Source> {
        let mut out = Vec::new();
        let inet = self.internet_addresses(net);
        if !inet.is_empty() {
            out.push(Source::Internet(inet));
        }
        for (via, groups) in &self.clients {
            out.push(Source::Client {
                groups: groups.clone(),
                via: via.clone(),
            });
        }
        out.extend(self.enis.iter().cloned().map(Source::Eni));
        out
    }

    /// The targets to ask about: every address of every interface named
    /// ([`Target::of_interface`]), and single addresses no interface holds.
    pub fn targets(&self, net: &Network) -> Result<Vec<Target>, String> {
        if self.internet {
            return Err("`internet` is not a destination: reach asks about connections to the input's interfaces and addresses".into());
        }
        if !self.clients.is_empty() {
            return Err("`client` is not a destination".into());
        }
        let mut out: Vec<Target> = self
            .enis
            .iter()
            .filter_map(|id| net.interfaces.get(id))
            .flat_map(Target::of_interface)
            .collect();
        for c in &self.cidrs {
            let single = c.prefix_len() == c.max_prefix_len();
            let held = net.interfaces_with_ip(c.addr()).next().is_some()
                || net.interface_by_public_ip(c.addr()).is_some();
            if single && !held {
                out.push(Target {
                    eni: None,
                    ip: c.addr(),
                    public: false,
                    primary: false,
                });
            }
        }
        Ok(out)
    }

    /// Whether `t` is named.
    pub fn has_target(&self, t: &Target) -> bool {
        match &t.eni {
            Some(id) => self.enis.contains(id) || self.cidrs.iter().any(|c| c.contains(&t.ip)),
            None => self.cidrs.iter().any(|c| c.contains(&t.ip)),
        }
    }

    /// The source addresses of a class `who` found that these selectors
    /// name (`users`: the query's users, to read a user class's groups).
    pub fn source_addresses(
        &self,
        net: &Network,
        source: &who::Source,
        users: &[engine::va::User],
    ) -> IntervalSet {
        let mut cidrs = IntervalSet::empty();
        for c in &self.cidrs {
            cidrs = cidrs.union(&hs::prefix(*c));
        }
        match source {
            who::Source::Internet if self.internet => any_address(),
            who::Source::Internet => cidrs,
            who::Source::Access { endpoint, group } => {
                let groups_of: Vec<String> = users
                    .iter()
                    .find(|u| &u.label == group)
                    .map(|u| u.groups.clone())
                    .unwrap_or_default();
                let named = self.clients.iter().any(|(via, groups)| {
                    via.as_ref().is_none_or(|v| v == endpoint)
                        && (groups.is_empty()
                            || groups.iter().any(|g| {
                                group.as_deref() == Some(g.as_str()) || groups_of.contains(g)
                            }))
                });
                if named { any_address() } else { cidrs }
            }
            who::Source::Interfaces { enis, .. } => {
                let mut s = cidrs;
                for id in enis.iter().filter(|id| self.enis.contains(*id)) {
                    if let Some(i) = net.interfaces.get(id) {
                        s = s.union(&eni_addresses(i));
                    }
                }
                s
            }
        }
    }
}

/// The entries of prefix lists, as addresses; an error names a list the
/// input lacks or whose entries it does not hold.
pub fn prefix_list_addresses(net: &Network, ids: &[String]) -> Result<IntervalSet, String> {
    let mut s = IntervalSet::empty();
    for id in ids {
        let pl = net
            .prefix_lists
            .get(id)
            .ok_or_else(|| format!("no prefix list `{id}` in the input"))?;
        let entries = pl
            .entries
            .as_ref()
            .ok_or_else(|| format!("the input names prefix list `{id}` but not its entries"))?;
        for e in entries {
            s = s.union(&hs::prefix(*e));
        }
    }
    Ok(s)
}

/// Addresses of a list of blocks.
pub fn cidr_addresses(nets: &[IpNet]) -> IntervalSet {
    let mut s = IntervalSet::empty();
    for n in nets {
        s = s.union(&hs::prefix(*n));
    }
    s
}
