//! Where addresses live: network interfaces (from `NetworkInterfaces` or
//! an instance's `Reservations` item), instances, NAT gateways and Elastic IPs.

use serde::Deserialize;

use super::raw::Ctx;
use crate::ingest::common::{Ip, Net, TagDto, tag_map};
use crate::ingest::error::{IngestError, resource};
use crate::ingest::state::{Address, State, merge};
use crate::model::{Instance, Interface, NatGateway, Platform, PrivateIp};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct EniDto {
    network_interface_id: String,
    vpc_id: String,
    subnet_id: String,
    private_ip_address: Option<Ip>,
    association: Option<PublicAssocDto>,
    #[serde(default)]
    private_ip_addresses: Vec<PrivateIpDto>,
    #[serde(default)]
    ipv6_addresses: Vec<Ipv6AddressDto>,
    #[serde(default)]
    groups: Vec<GroupIdDto>,
    attachment: Option<AttachmentDto>,
    interface_type: Option<String>,
    description: Option<String>,
    status: Option<String>,
    #[serde(default)]
    ipv4_prefixes: Vec<Ipv4PrefixDto>,
    #[serde(default)]
    ipv6_prefixes: Vec<Ipv6PrefixDto>,
    #[serde(default, alias = "TagSet")]
    tags: Vec<TagDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ipv4PrefixDto {
    ipv4_prefix: Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ipv6PrefixDto {
    ipv6_prefix: Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublicAssocDto {
    public_ip: Option<Ip>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PrivateIpDto {
    private_ip_address: Ip,
    #[serde(default)]
    primary: bool,
    association: Option<PublicAssocDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ipv6AddressDto {
    ipv6_address: Ip,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupIdDto {
    group_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachmentDto {
    instance_id: Option<String>,
    device_index: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ReservationDto {
    #[serde(default)]
    instances: Vec<InstanceDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceDto {
    instance_id: String,
    platform: Option<String>,
    state: Option<InstanceStateDto>,
    #[serde(default)]
    network_interfaces: Vec<EniDto>,
    #[serde(default, alias = "TagSet")]
    tags: Vec<TagDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceStateDto {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct NatDto {
    nat_gateway_id: String,
    vpc_id: String,
    subnet_id: String,
    state: Option<String>,
    connectivity_type: Option<String>,
    #[serde(default)]
    nat_gateway_addresses: Vec<NatAddressDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NatAddressDto {
    private_ip: Option<Ip>,
    public_ip: Option<Ip>,
    network_interface_id: Option<String>,
    is_primary: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct AddressDto {
    allocation_id: Option<String>,
    association_id: Option<String>,
    public_ip: Option<Ip>,
    network_interface_id: Option<String>,
    private_ip_address: Option<Ip>,
}

fn lower_eni(cx: &Ctx, d: EniDto, instance: Option<String>) -> Interface {
    let top_public = d.association.and_then(|a| a.public_ip).map(|p| p.0);
    let mut ips: Vec<(bool, PrivateIp)> = d
        .private_ip_addresses
        .into_iter()
        .map(|p| {
            (
                p.primary,
                PrivateIp {
                    address: p.private_ip_address.0,
                    public: p.association.and_then(|a| a.public_ip).map(|p| p.0),
                },
            )
        })
        .collect();
    // Primary first, the rest in AWS's order.
    ips.sort_by_key(|(primary, _)| !*primary);
    let mut private_ips: Vec<PrivateIp> = ips.into_iter().map(|(_, p)| p).collect();
    match (private_ips.first_mut(), d.private_ip_address) {
        (None, Some(a)) => private_ips.push(PrivateIp {
            address: a.0,
            public: top_public,
        }),
        (Some(first), Some(a)) if first.address == a.0 && first.public.is_none() => {
            first.public = top_public
        }
        _ => {}
    }
    Interface {
        id: d.network_interface_id,
        vpc: d.vpc_id,
        subnet: d.subnet_id,
        private_ips,
        ipv6: d
            .ipv6_addresses
            .into_iter()
            .map(|a| a.ipv6_address.0)
            .collect(),
        prefixes: d
            .ipv4_prefixes
            .into_iter()
            .map(|p| p.ipv4_prefix.0)
            .chain(d.ipv6_prefixes.into_iter().map(|p| p.ipv6_prefix.0))
            .collect(),
        groups: d.groups.into_iter().map(|g| g.group_id).collect(),
        device_index: d.attachment.as_ref().and_then(|a| a.device_index),
        // `describe-instances` lists an instance's interfaces without `Status`: attached.
        status: d.status.unwrap_or_else(|| "in-use".into()),
        instance: d.attachment.and_then(|a| a.instance_id).or(instance),
        kind: d.interface_type.unwrap_or_else(|| "interface".into()),
        description: d.description.filter(|s| !s.is_empty()),
        tags: tag_map(d.tags),
        origin: cx.origin.clone(),
    }
}

/// A `NetworkInterfaces` item converted to the model (no state: done in parallel).
pub(super) fn convert_interface(cx: &Ctx, d: EniDto) -> Interface {
    lower_eni(cx, d, None)
}

/// A `NetworkInterfaces` item (it wins over the same interface in `Reservations`).
pub(super) fn insert_interface(st: &mut State, eni: Interface) {
    merge(
        &mut st.net.interfaces,
        &mut st.warnings,
        "network interface",
        &eni.id.clone(),
        eni,
    );
}

/// A `Reservations` item converted to the model: each instance with its
/// interfaces (no state: done in parallel).
pub(super) fn convert_reservation(cx: &Ctx, d: ReservationDto) -> Vec<(Instance, Vec<Interface>)> {
    d.instances
        .into_iter()
        .map(|inst| {
            let enis: Vec<Interface> = inst
                .network_interfaces
                .into_iter()
                .map(|eni| lower_eni(cx, eni, Some(inst.instance_id.clone())))
                .collect();
            let platform = match inst.platform.as_deref() {
                Some(p) if p.eq_ignore_ascii_case("windows") => Platform::Windows,
                _ => Platform::Linux,
            };
            let i = Instance {
                id: inst.instance_id,
                interfaces: enis.iter().map(|e| e.id.clone()).collect(),
                platform,
                state: inst.state.and_then(|s| s.name),
                tags: tag_map(inst.tags),
                origin: cx.origin.clone(),
            };
            (i, enis)
        })
        .collect()
}

/// A converted `Reservations` item into the state: each instance's
/// interfaces, then the instance.
pub(super) fn insert_reservation(st: &mut State, r: Vec<(Instance, Vec<Interface>)>) {
    for (inst, enis) in r {
        for eni in enis {
            let id = eni.id.clone();
            merge(
                &mut st.instance_enis,
                &mut st.warnings,
                "network interface",
                &id,
                eni,
            );
        }
        let id = inst.id.clone();
        merge(
            &mut st.net.instances,
            &mut st.warnings,
            "instance",
            &id,
            inst,
        );
    }
}

pub(super) fn lower_nat(st: &mut State, cx: &Ctx, d: NatDto) -> Result<(), IngestError> {
    let addr = d
        .nat_gateway_addresses
        .iter()
        .position(|a| a.is_primary == Some(true))
        .unwrap_or(0);
    let addr = d.nat_gateway_addresses.into_iter().nth(addr);
    let nat = NatGateway {
        id: d.nat_gateway_id.clone(),
        vpc: d.vpc_id,
        subnet: d.subnet_id,
        state: d.state.unwrap_or_else(|| "available".into()),
        connectivity: d.connectivity_type.unwrap_or_else(|| "public".into()),
        private_ip: addr.as_ref().and_then(|a| a.private_ip).map(|p| p.0),
        public_ip: addr.as_ref().and_then(|a| a.public_ip).map(|p| p.0),
        interface: addr.and_then(|a| a.network_interface_id),
        origin: cx.origin.clone(),
    };
    merge(
        &mut st.net.nat_gateways,
        &mut st.warnings,
        "nat gateway",
        &d.nat_gateway_id,
        nat,
    );
    Ok(())
}

/// An Elastic IP: idle, or applied to its interface in `finish`.
pub(super) fn lower_address(st: &mut State, cx: &Ctx, a: AddressDto) {
    if let Some(public) = a.public_ip {
        // Allocated, associated with nothing: it forwards nowhere (§5).
        if a.network_interface_id.is_none()
            && a.association_id.is_none()
            && a.private_ip_address.is_none()
        {
            st.net.idle_addresses.insert(
                public.0,
                a.allocation_id.unwrap_or_else(|| public.0.to_string()),
            );
            return;
        }
        st.addresses.push(Address {
            origin: cx.origin.clone(),
            resource: resource("elastic ip", &public.0.to_string()),
            public: public.0,
            interface: a.network_interface_id,
            private: a.private_ip_address.map(|p| p.0),
        });
    }
}
