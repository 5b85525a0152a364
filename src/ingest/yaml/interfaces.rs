//! The `instances`, `interfaces` and `nat_gateways` sections, and the
//! instances that interfaces name without declaring them.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::cx::{Cx, check_in_subnet, subnet_vpc};
use super::model::{ConnectivityY, InterfaceY, Model, NatY, PlatformY};
use crate::ingest::defaults::default_sg_of;
use crate::ingest::error::{IngestError, resource};
use crate::ingest::state::{State, merge};
use crate::model::{Instance, Interface, NatGateway, Origin, Platform, PrivateIp};

/// Instance -> the interfaces that name it, in order.
pub(super) type InstanceInterfaces = BTreeMap<String, Vec<String>>;

/// `instances`; their IDs are added to `declared`.
pub(super) fn lower_instances(st: &mut State, cx: &Cx, m: &Model, declared: &mut Vec<String>) {
    for i in m.instances.iter().flatten() {
        let inst = Instance {
            id: i.id.clone(),
            interfaces: Vec::new(),
            platform: match i.platform {
                PlatformY::Linux => Platform::Linux,
                PlatformY::Windows => Platform::Windows,
            },
            state: Some(i.state.clone().unwrap_or_else(|| "running".into())),
            tags: i.tags.clone(),
            origin: cx.origin.clone(),
        };
        merge(
            &mut st.net.instances,
            &mut st.warnings,
            "instance",
            &i.id,
            inst,
        );
        declared.push(i.id.clone());
    }
}

/// `interfaces` (each kept under the instance it names, in `named`), then
/// `nat_gateways`: both need their subnet's VPC.
pub(super) fn lower_interfaces(
    st: &mut State,
    cx: &Cx,
    m: &Model,
    named: &mut InstanceInterfaces,
) -> Result<(), IngestError> {
    for i in m.interfaces.iter().flatten() {
        let mut eni = lower_interface(st, cx, i)?;
        if let Some(inst) = &eni.instance {
            let enis = named.entry(inst.clone()).or_default();
            // Without `device_index`, the order of appearance: the first is primary.
            if eni.device_index.is_none() {
                eni.device_index = u32::try_from(enis.len()).ok();
            }
            enis.push(eni.id.clone());
        }
        let id = eni.id.clone();
        merge(
            &mut st.net.interfaces,
            &mut st.warnings,
            "network interface",
            &id,
            eni,
        );
    }
    for g in m.nat_gateways.iter().flatten() {
        lower_nat(st, cx, g)?;
    }
    Ok(())
}

/// Instances: those named by an interface exist implicitly; their
/// interfaces are the ones naming them. A `declared` instance without an
/// interface is warned about.
pub(super) fn add_implied_instances(
    st: &mut State,
    named: InstanceInterfaces,
    declared: Vec<String>,
) {
    for (inst, mut enis) in named {
        enis.sort();
        enis.dedup();
        match st.net.instances.get_mut(&inst) {
            Some(i) => {
                for e in enis {
                    if !i.interfaces.contains(&e) {
                        i.interfaces.push(e);
                    }
                }
            }
            None => {
                let origin = st
                    .net
                    .interfaces
                    .get(enis.first().map(String::as_str).unwrap_or_default())
                    .map(|e| e.origin.clone())
                    .unwrap_or_else(|| Origin::new(""));
                st.net.instances.insert(
                    inst.clone(),
                    Instance {
                        id: inst,
                        interfaces: enis,
                        platform: Platform::Linux,
                        state: Some("running".into()),
                        tags: Default::default(),
                        origin,
                    },
                );
            }
        }
    }
    for id in declared {
        if st
            .net
            .instances
            .get(&id)
            .is_some_and(|i| i.interfaces.is_empty())
        {
            st.warnings
                .push(format!("instance `{id}` has no network interface"));
        }
    }
}

fn lower_interface(st: &State, cx: &Cx, i: &InterfaceY) -> Result<Interface, IngestError> {
    let res = resource("network interface", &i.id);
    let (vpc, cidrs) = subnet_vpc(st, cx, &res, &i.subnet)?;
    let addrs: Vec<IpAddr> = i.ip.iter().chain(&i.ips).map(|a| a.0).collect();
    // An IPv6-only interface (in an IPv6-only subnet) has no private IPv4
    // address: it lists only `ipv6`.
    if addrs.is_empty() && i.ipv6.is_empty() {
        return Err(cx.err(
            &res,
            "ip",
            "missing (or `ips`; an IPv6-only interface lists `ipv6` instead)",
        ));
    }
    for (n, a) in i.ipv6.iter().enumerate() {
        let field = format!("ipv6[{n}]");
        if !a.0.is_ipv6() {
            return Err(cx.err(&res, &field, format!("`{}` is not an IPv6 address", a.0)));
        }
    }
    if addrs.is_empty() && i.public_ip.is_some() {
        return Err(cx.err(
            &res,
            "public_ip",
            "an interface without a private IPv4 address (`ip`) has no public IPv4 address",
        ));
    }
    for (n, a) in addrs.iter().enumerate() {
        let field = if i.ip.is_some() && n == 0 {
            "ip".to_string()
        } else {
            format!("ips[{}]", n - usize::from(i.ip.is_some()))
        };
        check_in_subnet(cx, &res, &field, *a, &i.subnet, &cidrs)?;
    }
    let groups = match &i.groups {
        Some(g) => g.clone(),
        None => vec![default_sg_of(st, &vpc).ok_or_else(|| {
            cx.err(
                &res,
                "groups",
                format!("missing, and vpc `{vpc}` has no default security group in the input"),
            )
        })?],
    };
    let public = i.public_ip.map(|p| p.0);
    Ok(Interface {
        id: i.id.clone(),
        vpc,
        subnet: i.subnet.clone(),
        private_ips: addrs
            .iter()
            .enumerate()
            .map(|(n, a)| PrivateIp {
                address: *a,
                public: if n == 0 { public } else { None },
            })
            .collect(),
        ipv6: i.ipv6.iter().map(|a| a.0).collect(),
        prefixes: i.prefixes.iter().map(|p| p.0).collect(),
        groups,
        device_index: i.device_index,
        status: i.status.clone().unwrap_or_else(|| "in-use".into()),
        instance: i.instance.clone(),
        kind: i.kind.clone().unwrap_or_else(|| "interface".into()),
        description: i.description.clone(),
        tags: i.tags.clone(),
        origin: cx.origin.clone(),
    })
}

fn lower_nat(st: &mut State, cx: &Cx, g: &NatY) -> Result<(), IngestError> {
    let res = resource("nat gateway", &g.id);
    let (vpc, cidrs) = subnet_vpc(st, cx, &res, &g.subnet)?;
    check_in_subnet(cx, &res, "private_ip", g.private_ip.0, &g.subnet, &cidrs)?;
    let eni_id = g
        .interface
        .clone()
        .unwrap_or_else(|| format!("eni-{}", g.id));
    let public_ip = g.public_ip.map(|p| p.0);
    if !st.net.interfaces.contains_key(&eni_id) {
        st.net.interfaces.insert(
            eni_id.clone(),
            Interface {
                id: eni_id.clone(),
                vpc: vpc.clone(),
                subnet: g.subnet.clone(),
                private_ips: vec![PrivateIp {
                    address: g.private_ip.0,
                    public: public_ip,
                }],
                ipv6: Vec::new(),
                prefixes: Vec::new(),
                groups: Vec::new(),
                instance: None,
                device_index: None,
                status: "in-use".into(),
                kind: "nat_gateway".into(),
                description: Some(format!("Interface for NAT Gateway {}", g.id)),
                tags: Default::default(),
                origin: cx.origin.clone(),
            },
        );
    }
    let nat = NatGateway {
        id: g.id.clone(),
        vpc,
        subnet: g.subnet.clone(),
        state: g.state.clone().unwrap_or_else(|| "available".into()),
        connectivity: match g.connectivity {
            Some(ConnectivityY::Private) => "private".into(),
            _ => "public".into(),
        },
        private_ip: Some(g.private_ip.0),
        public_ip,
        interface: Some(eni_id),
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.nat_gateways,
        &mut st.warnings,
        "nat gateway",
        &g.id,
        nat,
    );
    Ok(())
}
