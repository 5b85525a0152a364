//! The snapshot's documents joined: interfaces known only from
//! `Reservations`, NAT gateways' interfaces the input lacks, Elastic IPs on
//! their interfaces, prefix-list entries on their lists; and warnings on
//! subnet CIDRs AWS would refuse.

use ipnet::IpNet;

use crate::ingest::common::{outside_vpc, overlapping};
use crate::ingest::defaults::nat_is_live;
use crate::ingest::error::resource;
use crate::ingest::state::State;
use crate::model::{Interface, Origin, PrefixList, Subnet};

/// A snapshot subnet outside its VPC's CIDRs, or overlapping another subnet
/// of its VPC, is something AWS refuses: documents taken at different
/// times (a CIDR added, a subnet recreated) or edited. A warning, as the
/// snapshot is still what the account had; a YAML model's subnets (and
/// VPCs) are checked, as errors, when it is lowered.
pub(super) fn warn_subnet_cidrs(st: &mut State) {
    let from_yaml = |o: &Origin| st.yaml_files.contains(&o.file);
    let json_field = |c: &IpNet| {
        if c.addr().is_ipv6() {
            "Ipv6CidrBlockAssociationSet"
        } else {
            "CidrBlock"
        }
    };
    // The subnets seen so far, by VPC (in the order seen).
    let mut before_in: std::collections::HashMap<&str, Vec<&Subnet>> =
        std::collections::HashMap::new();
    for s in st.net.subnets.values().filter(|s| !from_yaml(&s.origin)) {
        let before = before_in.entry(s.vpc.as_str()).or_default();
        let res = resource("subnet", &s.id);
        let vpc = st.net.vpcs.get(&s.vpc);
        for c in &s.cidrs {
            if let Some(v) = vpc.filter(|v| !from_yaml(&v.origin))
                && let Some(why) = outside_vpc(c, v)
            {
                st.warnings.push(format!(
                    "`{}`: {res}: field `{}`: {why}, which aws does not allow (documents taken at different times, or edited?)",
                    s.origin.file,
                    json_field(c)
                ));
            }
            if let Some((o, oc)) = before
                .iter()
                .find_map(|o| overlapping(c, o).map(|oc| (o, oc)))
            {
                st.warnings.push(format!(
                    "`{}`: {res}: field `{}`: `{c}` overlaps `{oc}` of subnet `{}` in vpc `{}`, which aws does not allow (documents taken at different times, or edited?)",
                    s.origin.file,
                    json_field(c),
                    o.id,
                    s.vpc
                ));
            }
        }
        before.push(s);
    }
}

/// Interfaces known only from `Reservations` are added; for ones also in a
/// `NetworkInterfaces` document, that one wins but gets `instance` if missing.
pub(super) fn merge_instance_interfaces(st: &mut State) {
    for (id, eni) in std::mem::take(&mut st.instance_enis) {
        match st.net.interfaces.get_mut(&id) {
            Some(e) => {
                if e.instance.is_none() {
                    e.instance = eni.instance;
                }
            }
            None => {
                st.net.interfaces.insert(id, eni);
            }
        }
    }
}

/// A snapshot NAT gateway whose interface the input lacks gets one from its own data.
pub(super) fn synthesize_nat_interfaces(st: &mut State) {
    let mut new = Vec::new();
    for nat in st.net.nat_gateways.values() {
        let (Some(eni), Some(ip)) = (&nat.interface, nat.private_ip) else {
            continue;
        };
        if !nat_is_live(&nat.state) || st.net.interfaces.contains_key(eni) {
            continue;
        }
        new.push(Interface {
            id: eni.clone(),
            vpc: nat.vpc.clone(),
            subnet: nat.subnet.clone(),
            private_ips: vec![crate::model::PrivateIp {
                address: ip,
                public: nat.public_ip,
            }],
            ipv6: Vec::new(),
            prefixes: Vec::new(),
            groups: Vec::new(),
            instance: None,
            device_index: None,
            status: "in-use".into(),
            kind: "nat_gateway".into(),
            description: Some(format!("Interface for NAT Gateway {}", nat.id)),
            tags: Default::default(),
            origin: nat.origin.clone(),
        });
    }
    for eni in new {
        st.net.interfaces.insert(eni.id.clone(), eni);
    }
}

/// Elastic IPs: set `public` on the associated private IP when it has none.
pub(super) fn apply_addresses(st: &mut State) {
    for a in std::mem::take(&mut st.addresses) {
        let Some(eni_id) = &a.interface else { continue };
        let Some(eni) = st.net.interfaces.get_mut(eni_id) else {
            st.warnings.push(format!(
                "`{}`: {}: field `NetworkInterfaceId`: no network interface `{eni_id}` in the input; elastic ip `{}` not applied",
                a.origin.file, a.resource, a.public
            ));
            continue;
        };
        let slot = match a.private {
            Some(p) => eni.private_ips.iter_mut().find(|x| x.address == p),
            None => eni.private_ips.first_mut(),
        };
        match slot {
            Some(s) if s.public.is_none() => s.public = Some(a.public),
            Some(s) if s.public != Some(a.public) => st.warnings.push(format!(
                "`{}`: {}: elastic ip `{}` conflicts with public ip `{}` already on network interface `{eni_id}`; kept the latter",
                a.origin.file,
                a.resource,
                a.public,
                s.public.map(|p| p.to_string()).unwrap_or_default()
            )),
            Some(_) => {}
            None => st.warnings.push(format!(
                "`{}`: {}: field `PrivateIpAddress`: network interface `{eni_id}` has no private ip `{}`; elastic ip `{}` not applied",
                a.origin.file,
                a.resource,
                a.private.map(|p| p.to_string()).unwrap_or_default(),
                a.public
            )),
        }
    }
}

pub(super) fn apply_prefix_list_entries(st: &mut State) {
    for (id, (origin, entries)) in std::mem::take(&mut st.pl_entries) {
        let pl = st
            .net
            .prefix_lists
            .entry(id.clone())
            .or_insert_with(|| PrefixList {
                id: id.clone(),
                name: None,
                owner: None,
                family: None,
                entries: None,
                origin: origin.clone(),
            });
        pl.entries = Some(entries);
    }
}
