//! Reference checks once every file is read: no empty snapshot ID, every
//! VPC, subnet and security group a resource names is in the input (when a
//! document or section of that kind was read), and rules naming a group the
//! input lacks (a warning for a snapshot, an error in a YAML model); what
//! transit gateways and VPN connections name (the same rule).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::ingest::defaults::nat_is_live;
use crate::ingest::error::{IngestError, field_err, resource};
use crate::ingest::state::{DeferredRef, Loaded, RefKind, State, resource_ids};
use crate::model::{Network, Origin, TgwResourceType};

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
        ck.need(net, SecurityGroup, &ep.origin, &r, field, &ep.security_groups)?;
    }
    for d in deferred {
        let exists = exists(net, d.kind, &d.id);
        ck.check(d.kind, exists, &d.origin, &d.resource, d.field.clone(), &d.id)?;
    }
    for eni in net.interfaces.values() {
        let r = resource("network interface", &eni.id);
        ck.need(net, Subnet, &eni.origin, &r, ("SubnetId", "subnet"), [&eni.subnet])?;
        let field = ("Groups.GroupId", "groups");
        ck.need(net, SecurityGroup, &eni.origin, &r, field, &eni.groups)?;
    }
    for nat in net.nat_gateways.values().filter(|n| nat_is_live(&n.state)) {
        let r = resource("nat gateway", &nat.id);
        ck.need(net, Subnet, &nat.origin, &r, ("SubnetId", "subnet"), [&nat.subnet])?;
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

/// What transit gateways, their attachments and route tables, VPN
/// connections and VPN gateways name. In a snapshot, something outside the
/// input is legitimate (a transit gateway shared from another account, a
/// VPC of another account attached to it, documents taken at different
/// times): a warning. In a YAML model, which declares what it names, an
/// error. A kind no document or section gave is one warning.
pub(super) fn check_transit_references(st: &mut State) -> Result<(), IngestError> {
    let mut ck = TransitChecker {
        st_loaded: &st.loaded,
        yaml_files: &st.yaml_files,
        warned: BTreeSet::new(),
        warnings: Vec::new(),
    };
    let net = &st.net;
    for a in net.tgw_attachments.values() {
        let r = resource("transit gateway attachment", &a.id);
        let o = &a.origin;
        let tgw_field = ck.field(o, "TransitGatewayId", "id");
        ck.need(T::Tgw, net.transit_gateways.contains_key(&a.tgw), o, &r, tgw_field, &a.tgw)?;
        if let Some(assoc) = &a.association {
            let field = ck.field(o, "Association.TransitGatewayRouteTableId", "route_table");
            let table = net.tgw_route_tables.get(&assoc.route_table);
            ck.need(T::Table, table.is_some(), o, &r, field.clone(), &assoc.route_table)?;
            if let Some(t) = table.filter(|t| t.tgw != a.tgw) {
                ck.wrong(o, &r, field, &format!("route table `{}` is of transit gateway `{}`, the attachment of `{}`", t.id, t.tgw, a.tgw))?;
            }
        }
        if a.resource_type == TgwResourceType::Vpn
            && let Some(vpn) = &a.resource_id
        {
            let field = ck.field(o, "ResourceId", "vpn");
            ck.need(T::Vpn, net.vpn_connections.contains_key(vpn), o, &r, field, vpn)?;
        }
        if let Some(v) = &a.vpc {
            let o = &v.origin;
            let field = ck.field(o, "VpcId", "vpc");
            ck.need(T::Vpc, net.vpcs.contains_key(&v.vpc), o, &r, field, &v.vpc)?;
            let mut zones: Vec<(&str, &str)> = Vec::new();
            for (i, s) in v.subnets.iter().enumerate() {
                let field = ck.field(o, &format!("SubnetIds[{i}]"), &format!("subnets[{i}]"));
                let sub = net.subnets.get(s);
                ck.need(T::Subnet, sub.is_some(), o, &r, field.clone(), s)?;
                let Some(sub) = sub else { continue };
                if sub.vpc != v.vpc {
                    ck.wrong(o, &r, field.clone(), &format!("subnet `{s}` is in vpc `{}`, the attachment's vpc is `{}`", sub.vpc, v.vpc))?;
                }
                if let Some(az) = sub.az.as_deref() {
                    if let Some((other, _)) = zones.iter().find(|(_, z)| *z == az) {
                        ck.wrong(o, &r, field, &format!("subnets `{other}` and `{s}` are both in `{az}`: a vpc attachment has one subnet per availability zone"))?;
                    }
                    zones.push((s, az));
                }
            }
        }
    }
    for t in net.tgw_route_tables.values() {
        let r = resource("transit gateway route table", &t.id);
        let o = &t.origin;
        let field = ck.field(o, "TransitGatewayId", "id");
        ck.need(T::Tgw, net.transit_gateways.contains_key(&t.tgw), o, &r, field, &t.tgw)?;
        let o = t.contents_origin.as_ref().unwrap_or(&t.origin);
        let lists = [
            ("Associations", "route_table", &t.associations),
            ("Propagations", "propagate_to", &t.propagations),
        ];
        for (json, yaml, list) in lists {
            for (i, l) in list.iter().flatten().enumerate() {
                let field = ck.field(o, &format!("{json}[{i}].TransitGatewayAttachmentId"), yaml);
                ck.attachment_of(net, &t.tgw, o, &r, field, &l.attachment)?;
            }
        }
        for (i, route) in t.routes.iter().flatten().enumerate() {
            for (j, x) in route.targets.iter().enumerate() {
                let field = ck.field(
                    o,
                    &format!("Routes[{i}].TransitGatewayAttachments[{j}].TransitGatewayAttachmentId"),
                    &format!("routes[{i}].attachment"),
                );
                ck.attachment_of(net, &t.tgw, o, &r, field, &x.attachment)?;
            }
        }
    }
    for v in net.vpn_connections.values() {
        let r = resource("vpn connection", &v.id);
        let o = &v.origin;
        if let Some(g) = &v.vpn_gateway {
            let field = ck.field(o, "VpnGatewayId", "vpn_gateway");
            ck.need(T::Vgw, net.vpn_gateways.contains_key(g), o, &r, field, g)?;
        }
        if let Some(g) = &v.transit_gateway {
            let field = ck.field(o, "TransitGatewayId", "transit_gateway");
            ck.need(T::Tgw, net.transit_gateways.contains_key(g), o, &r, field, g)?;
        }
    }
    for g in net.vpn_gateways.values() {
        let r = resource("vpn gateway", &g.id);
        for (i, a) in g.attachments.iter().enumerate() {
            let field = ck.field(&g.origin, &format!("VpcAttachments[{i}].VpcId"), "vpc");
            ck.need(T::Vpc, net.vpcs.contains_key(&a.vpc), &g.origin, &r, field, &a.vpc)?;
        }
    }
    let warnings = ck.warnings;
    st.warnings.extend(warnings);
    Ok(())
}

/// The kinds transit references name.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum T {
    Tgw,
    Attachment,
    Table,
    Vpn,
    Vgw,
    Vpc,
    Subnet,
}

struct TransitChecker<'a> {
    st_loaded: &'a Loaded,
    yaml_files: &'a BTreeSet<Arc<str>>,
    warned: BTreeSet<T>,
    warnings: Vec<String>,
}

impl TransitChecker<'_> {
    fn yaml(&self, origin: &Origin) -> bool {
        self.yaml_files.contains(&origin.file)
    }

    fn field(&self, origin: &Origin, json: &str, yaml: &str) -> String {
        if self.yaml(origin) { yaml } else { json }.to_string()
    }

    /// `id` (a `kind`) named by `resource` in `field` is in the input.
    fn need(
        &mut self,
        kind: T,
        exists: bool,
        origin: &Origin,
        resource: &str,
        field: String,
        id: &str,
    ) -> Result<(), IngestError> {
        if exists {
            return Ok(());
        }
        let l = self.st_loaded;
        let (loaded, name, doc, section) = match kind {
            T::Tgw => (l.transit_gateways, "transit gateway", "TransitGateways", "transit_gateways"),
            T::Attachment => (
                l.tgw_attachments,
                "transit gateway attachment",
                "TransitGatewayAttachments",
                "transit_gateways",
            ),
            T::Table => (
                l.tgw_route_tables,
                "transit gateway route table",
                "TransitGatewayRouteTables",
                "transit_gateways",
            ),
            T::Vpn => (l.vpn_connections, "vpn connection", "VpnConnections", "vpn_connections"),
            T::Vgw => (l.vpn_gateways, "vpn gateway", "VpnGateways", "vpn_gateways"),
            T::Vpc => (l.vpcs, "vpc", "Vpcs", "vpcs"),
            T::Subnet => (l.subnets, "subnet", "Subnets", "subnets"),
        };
        if self.yaml(origin) {
            return Err(IngestError::UnknownRef {
                file: origin.file.to_string(),
                resource: resource.to_string(),
                field,
                kind: name.into(),
                id: id.to_string(),
            });
        }
        if !loaded {
            if self.warned.insert(kind) {
                self.warnings.push(format!(
                    "no `{doc}` document or `{section}` model section: {name} references of transit gateways and vpn connections not checked"
                ));
            }
            return Ok(());
        }
        self.warnings.push(format!(
            "`{}`: {resource}: field `{field}`: no {name} `{id}` in the input (another account's, or documents taken at different times?)",
            origin.file
        ));
        Ok(())
    }

    /// Something AWS would not allow: an error in a YAML model, a warning
    /// in a snapshot.
    fn wrong(
        &mut self,
        origin: &Origin,
        resource: &str,
        field: String,
        why: &str,
    ) -> Result<(), IngestError> {
        if self.yaml(origin) {
            return Err(field_err(&origin.file, resource, field, why));
        }
        self.warnings.push(format!(
            "`{}`: {resource}: field `{field}`: {why}, which aws does not allow (documents taken at different times, or edited?)",
            origin.file
        ));
        Ok(())
    }

    /// `id` is an attachment of transit gateway `tgw`.
    fn attachment_of(
        &mut self,
        net: &Network,
        tgw: &str,
        origin: &Origin,
        resource: &str,
        field: String,
        id: &str,
    ) -> Result<(), IngestError> {
        let a = net.tgw_attachments.get(id);
        self.need(T::Attachment, a.is_some(), origin, resource, field.clone(), id)?;
        match a {
            Some(a) if a.tgw != tgw => self.wrong(
                origin,
                resource,
                field,
                &format!("attachment `{id}` is of transit gateway `{}`, the route table of `{tgw}`", a.tgw),
            ),
            _ => Ok(()),
        }
    }
}
