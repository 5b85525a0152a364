//! Reference checks once every file is read: no empty snapshot ID, every
//! VPC, subnet and security group a resource names is in the input (when a
//! document or section of that kind was read), and rules naming a group the
//! input lacks (a warning for a snapshot, an error in a YAML model).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::ingest::defaults::nat_is_live;
use crate::ingest::error::{IngestError, field_err, resource};
use crate::ingest::state::{DeferredRef, Loaded, RefKind, State, resource_ids};
use crate::model::{Network, Origin};

/// AWS never prints an empty ID: a snapshot resource with one was edited by hand
/// (and would merge with any other). Runs before the YAML model is lowered,
/// which checks its own IDs.
pub(crate) fn check_blank_ids(st: &State) -> Result<(), IngestError> {
    match resource_ids(st)
        .into_iter()
        .find(|r| r.id.trim().is_empty())
    {
        Some(r) => Err(field_err(
            &r.origin.file,
            &resource(r.kind, r.id),
            r.json_field,
            "empty: every resource has an id",
        )),
        None => Ok(()),
    }
}

/// Every VPC, subnet and security group a resource names is in the input,
/// when a document or model section of that kind was read (else one warning
/// per kind).
pub(super) fn check_references(st: &mut State) -> Result<(), IngestError> {
    let mut ck = Checker {
        loaded: &st.loaded,
        yaml_files: &st.yaml_files,
        warned: BTreeSet::new(),
        warnings: Vec::new(),
    };
    check_network_refs(&mut ck, &st.net)?;
    check_attachment_refs(&mut ck, &st.net, &st.deferred_refs)?;
    let warnings = ck.warnings;
    st.warnings.extend(warnings);
    Ok(())
}

/// The VPCs of subnets, security groups, route tables and network ACLs; the
/// subnets of route-table and network-ACL associations.
fn check_network_refs(ck: &mut Checker, net: &Network) -> Result<(), IngestError> {
    use RefKind::{Subnet, Vpc};
    for s in net.subnets.values() {
        let r = resource("subnet", &s.id);
        ck.need(net, Vpc, &s.origin, &r, ("VpcId", "vpc"), [&s.vpc])?;
    }
    for sg in net.security_groups.values() {
        let r = resource("security group", &sg.id);
        ck.need(net, Vpc, &sg.origin, &r, ("VpcId", "vpc"), [&sg.vpc])?;
    }
    for rt in net.route_tables.values() {
        let r = resource("route table", &rt.id);
        ck.need(net, Vpc, &rt.origin, &r, ("VpcId", "vpc"), [&rt.vpc])?;
        let field = ("Associations.SubnetId", "subnets");
        ck.need(net, Subnet, &rt.origin, &r, field, &rt.subnets)?;
    }
    for acl in net.network_acls.values() {
        let r = resource("network acl", &acl.id);
        ck.need(net, Vpc, &acl.origin, &r, ("VpcId", "vpc"), [&acl.vpc])?;
    }
    for (subnet, acl_id) in &net.nacl_of_subnet {
        let Some(acl) = net.network_acls.get(acl_id) else {
            continue;
        };
        let r = resource("network acl", acl_id);
        let field = ("Associations.SubnetId", "subnets");
        ck.need(net, Subnet, &acl.origin, &r, field, [subnet])?;
    }
    Ok(())
}

/// What Client VPN endpoints, interfaces and NAT gateways name, and the
/// references kept while lowering (`deferred`).
fn check_attachment_refs(
    ck: &mut Checker,
    net: &Network,
    deferred: &[DeferredRef],
) -> Result<(), IngestError> {
    use RefKind::{SecurityGroup, Subnet, Vpc};
    for ep in net.client_vpn_endpoints.values() {
        let r = resource("client vpn endpoint", &ep.id);
        ck.need(net, Vpc, &ep.origin, &r, ("VpcId", "vpc"), [&ep.vpc])?;
        let field = ("SecurityGroupIds", "security_groups");
        ck.need(
            net,
            SecurityGroup,
            &ep.origin,
            &r,
            field,
            &ep.security_groups,
        )?;
    }
    for d in deferred {
        let exists = exists(net, d.kind, &d.id);
        ck.check(
            d.kind,
            exists,
            &d.origin,
            &d.resource,
            d.field.clone(),
            &d.id,
        )?;
    }
    for eni in net.interfaces.values() {
        let r = resource("network interface", &eni.id);
        ck.need(
            net,
            Subnet,
            &eni.origin,
            &r,
            ("SubnetId", "subnet"),
            [&eni.subnet],
        )?;
        let field = ("Groups.GroupId", "groups");
        ck.need(net, SecurityGroup, &eni.origin, &r, field, &eni.groups)?;
    }
    for nat in net.nat_gateways.values().filter(|n| nat_is_live(&n.state)) {
        let r = resource("nat gateway", &nat.id);
        ck.need(
            net,
            Subnet,
            &nat.origin,
            &r,
            ("SubnetId", "subnet"),
            [&nat.subnet],
        )?;
    }
    Ok(())
}

/// Whether the input has the VPC, subnet or security group `id`.
fn exists(net: &Network, kind: RefKind, id: &str) -> bool {
    match kind {
        RefKind::Vpc => net.vpcs.contains_key(id),
        RefKind::Subnet => net.subnets.contains_key(id),
        RefKind::SecurityGroup => net.security_groups.contains_key(id),
    }
}

/// Rules naming a group the input lacks are legitimate input (a group of a
/// peered VPC, of another account, or a stale reference): a warning naming
/// the rule; the engine decides membership by the source's groups. In a
/// YAML model, which declares what it names, it is an error.
pub(super) fn check_group_pairs(st: &mut State) -> Result<(), IngestError> {
    for (sg_id, refs) in &st.group_refs {
        let Some(sg) = st.net.security_groups.get(sg_id) else {
            continue;
        };
        for gr in &refs.refs {
            if st.net.security_groups.contains_key(&gr.group) {
                continue;
            }
            // A hand-written YAML model names only what it declares: a typo.
            if st.yaml_files.contains(&sg.origin.file) {
                return Err(IngestError::UnknownRef {
                    file: sg.origin.file.to_string(),
                    resource: resource("security group", sg_id),
                    field: gr.field.clone(),
                    kind: "security group".into(),
                    id: gr.group.clone(),
                });
            }
            let whose = match (&gr.user, &refs.owner) {
                (Some(u), Some(o)) if u != o => format!(" of account `{u}`"),
                _ => String::new(),
            };
            st.warnings.push(format!(
                "`{}`: {}: field `{}`: security group `{}`{whose} is not in the input (a peered VPC's, another account's, or a stale reference): interfaces of the input are members only if they carry it; packets from addresses outside the input are unknown for this rule",
                sg.origin.file,
                resource("security group", sg_id),
                gr.field,
                gr.group,
            ));
        }
    }
    Ok(())
}

struct Checker<'a> {
    loaded: &'a Loaded,
    /// Field names in messages: as the file that declared the resource spells them.
    yaml_files: &'a BTreeSet<Arc<str>>,
    warned: BTreeSet<RefKind>,
    warnings: Vec<String>,
}

impl Checker<'_> {
    /// `json` or `yaml`, the field's name in the format of `origin`'s file.
    fn field(&self, origin: &Origin, json: &str, yaml: &str) -> String {
        if self.yaml_files.contains(&origin.file) {
            yaml
        } else {
            json
        }
        .to_string()
    }

    /// Each of `ids`, named by `resource` (declared at `origin`) in the field
    /// spelled `fields` (JSON, YAML), is in the input.
    fn need<'i>(
        &mut self,
        net: &Network,
        kind: RefKind,
        origin: &Origin,
        resource: &str,
        fields: (&str, &str),
        ids: impl IntoIterator<Item = &'i String>,
    ) -> Result<(), IngestError> {
        for id in ids {
            let field = self.field(origin, fields.0, fields.1);
            self.check(kind, exists(net, kind, id), origin, resource, field, id)?;
        }
        Ok(())
    }

    fn check(
        &mut self,
        kind: RefKind,
        exists: bool,
        origin: &Origin,
        resource: &str,
        field: String,
        id: &str,
    ) -> Result<(), IngestError> {
        let (loaded, name, doc, section) = match kind {
            RefKind::Vpc => (self.loaded.vpcs, "vpc", "Vpcs", "vpcs"),
            RefKind::Subnet => (self.loaded.subnets, "subnet", "Subnets", "subnets"),
            RefKind::SecurityGroup => (
                self.loaded.security_groups,
                "security group",
                "SecurityGroups",
                "security_groups",
            ),
        };
        if !loaded {
            if self.warned.insert(kind) {
                self.warnings.push(format!(
                    "no `{doc}` document or `{section}` model section: {name} references not checked"
                ));
            }
            return Ok(());
        }
        if exists {
            return Ok(());
        }
        Err(IngestError::UnknownRef {
            file: origin.file.to_string(),
            resource: resource.to_string(),
            field,
            kind: name.into(),
            id: id.to_string(),
        })
    }
}
