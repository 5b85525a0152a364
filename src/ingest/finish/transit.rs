//! Transit gateway parts joined: VPC and peering attachment details on
//! their attachments (an attachment known only from its own document is
//! built from it), the `TransitGatewayRouteTableContents` items on their
//! route tables, and associations a route table lists on the attachments
//! that do not say theirs. Disagreements between documents are warnings
//! (outputs taken at different times), never errors. Then what they name
//! is checked ([`check_references`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::ingest::error::{IngestError, field_err, resource};
use crate::ingest::state::{Loaded, State};
use crate::model::{
    Network, Origin, TgwAssociation, TgwAttachment, TgwResourceType, TgwRouteTable,
    TgwVpcAttachment,
};

pub(super) fn join(st: &mut State) {
    join_vpc_details(st);
    join_peering_details(st);
    apply_contents(st);
    associations_from_tables(st);
    for t in st.net.tgw_route_tables.values_mut() {
        for l in [&mut t.associations, &mut t.propagations]
            .into_iter()
            .flatten()
        {
            l.sort_by(|a, b| a.attachment.cmp(&b.attachment));
        }
    }
}

fn join_vpc_details(st: &mut State) {
    for p in std::mem::take(&mut st.tgw.vpc) {
        let file = p.item.origin.file.clone();
        match st.net.tgw_attachments.get_mut(&p.attachment) {
            Some(a) => {
                if a.tgw != p.tgw {
                    st.warnings.push(format!(
                        "`{file}`: {}: field `TransitGatewayId`: `{}`, but `{}` says `{}` (documents taken at different times?); kept the latter",
                        p.resource, p.tgw, a.origin.file, a.tgw
                    ));
                }
                if a.resource_type != TgwResourceType::Vpc {
                    st.warnings.push(format!(
                        "`{file}`: {}: a vpc attachment, but `{}` says its resource type is `{}`",
                        p.resource,
                        a.origin.file,
                        a.resource_type.name()
                    ));
                }
                if let Some(old) = &a.vpc {
                    let mut same = old.clone();
                    same.origin = p.item.origin.clone();
                    if same != p.item {
                        st.warnings.push(format!(
                            "`{file}`: {} replaces the vpc details from `{}`, which differ",
                            p.resource, old.origin.file
                        ));
                    }
                }
                a.vpc = Some(p.item);
            }
            None => {
                let a = TgwAttachment {
                    id: p.attachment.clone(),
                    tgw: p.tgw,
                    resource_type: TgwResourceType::Vpc,
                    resource_id: Some(p.item.vpc.clone()),
                    resource_owner: p.item.vpc_owner.clone(),
                    state: p.state.unwrap_or_else(|| "unknown".into()),
                    association: None,
                    origin: p.item.origin.clone(),
                    vpc: Some(p.item),
                    peering: None,
                };
                st.net.tgw_attachments.insert(p.attachment, a);
            }
        }
    }
}

fn join_peering_details(st: &mut State) {
    for p in std::mem::take(&mut st.tgw.peering) {
        let file = p.item.origin.file.clone();
        match st.net.tgw_attachments.get_mut(&p.attachment) {
            Some(a) => {
                if p.item.other_side(&a.tgw).is_none() {
                    st.warnings.push(format!(
                        "`{file}`: {}: transit gateway `{}` of `{}` is neither side of the peering (`{}`, `{}`)",
                        p.resource, a.tgw, a.origin.file, p.item.requester.tgw, p.item.accepter.tgw
                    ));
                }
                a.peering = Some(p.item);
            }
            None => {
                // From the side the input has: the requester, unless only the
                // accepter's transit gateway is in the input.
                let (tgw, other) = if !st.net.transit_gateways.contains_key(&p.tgw)
                    && st.net.transit_gateways.contains_key(&p.item.accepter.tgw)
                {
                    (&p.item.accepter, &p.item.requester)
                } else {
                    (&p.item.requester, &p.item.accepter)
                };
                let a = TgwAttachment {
                    id: p.attachment.clone(),
                    tgw: tgw.tgw.clone(),
                    resource_type: TgwResourceType::Peering,
                    resource_id: Some(other.tgw.clone()),
                    resource_owner: other.owner.clone(),
                    state: p.state.unwrap_or_else(|| "unknown".into()),
                    association: None,
                    vpc: None,
                    origin: p.item.origin.clone(),
                    peering: Some(p.item),
                };
                st.net.tgw_attachments.insert(p.attachment, a);
            }
        }
    }
}

fn apply_contents(st: &mut State) {
    for c in std::mem::take(&mut st.tgw.contents) {
        let Some(t) = st.net.tgw_route_tables.get_mut(&c.table) else {
            st.warnings.push(format!(
                "`{}`: {}: no transit gateway route table `{}` in the input (`TransitGatewayRouteTables`): its associations, propagations and routes are not applied",
                c.origin.file, c.resource, c.table
            ));
            continue;
        };
        let replaced = (c.associations.is_some() && t.associations.is_some())
            || (c.propagations.is_some() && t.propagations.is_some())
            || (c.routes.is_some() && t.routes.is_some());
        if replaced {
            st.warnings.push(format!(
                "`{}`: {}: replaces the contents read from `{}`",
                c.origin.file,
                c.resource,
                t.contents_origin.as_ref().unwrap_or(&t.origin).file
            ));
        }
        if c.associations.is_some() {
            t.associations = c.associations;
        }
        if c.propagations.is_some() {
            t.propagations = c.propagations;
        }
        if c.routes.is_some() {
            t.routes = c.routes;
            t.routes_truncated = c.truncated;
            if c.truncated {
                st.warnings.push(format!(
                    "`{}`: {}: field `AdditionalRoutesAvailable`: the routes were cut at `--max-results`: those beyond are not in the input",
                    c.origin.file, c.resource
                ));
            }
        }
        if c.origin != t.origin {
            t.contents_origin = Some(c.origin);
        }
    }
}

/// An attachment whose own document does not say its association gets the
/// one a route table lists; a disagreement is a warning (the attachment's
/// own `Association` is kept).
fn associations_from_tables(st: &mut State) {
    let net = &mut st.net;
    for t in net.tgw_route_tables.values() {
        let file = &t.contents_origin.as_ref().unwrap_or(&t.origin).file;
        for l in t.associations.iter().flatten() {
            let Some(a) = net.tgw_attachments.get_mut(&l.attachment) else {
                continue;
            };
            match &a.association {
                None => {
                    a.association = Some(TgwAssociation {
                        route_table: t.id.clone(),
                        state: l.state.clone(),
                    });
                }
                Some(own) if own.route_table != t.id && own.associated() => {
                    st.warnings.push(format!(
                        "`{file}`: {}: lists attachment `{}`, which `{}` says is associated with `{}` (documents taken at different times?); kept the latter",
                        resource("transit gateway route table", &t.id),
                        a.id,
                        a.origin.file,
                        own.route_table
                    ));
                }
                Some(_) => {}
            }
        }
    }
}

/// What transit gateways, their attachments and route tables, VPN
/// connections and VPN gateways name. In a snapshot, something outside the
/// input is legitimate (a transit gateway shared from another account, a
/// VPC of another account attached to it, documents taken at different
/// times): a warning. In a YAML model, which declares what it names, an
/// error. A kind no document or section gave is one warning.
pub(super) fn check_references(st: &mut State) -> Result<(), IngestError> {
    let mut ck = TransitChecker {
        st_loaded: &st.loaded,
        yaml_files: &st.yaml_files,
        warned: BTreeSet::new(),
        warnings: Vec::new(),
    };
    let net = &st.net;
    for a in net.tgw_attachments.values() {
        ck.attachment(net, a)?;
    }
    for t in net.tgw_route_tables.values() {
        ck.route_table(net, t)?;
    }
    ck.vpn(net)?;
    let warnings = ck.warnings;
    st.warnings.extend(warnings);
    Ok(())
}

impl TransitChecker<'_> {
    /// An attachment's transit gateway, associated table, VPN connection
    /// and VPC details.
    fn attachment(&mut self, net: &Network, a: &TgwAttachment) -> Result<(), IngestError> {
        let r = resource("transit gateway attachment", &a.id);
        let o = &a.origin;
        let tgw_field = self.field(o, "TransitGatewayId", "id");
        self.need(
            T::Tgw,
            net.transit_gateways.contains_key(&a.tgw),
            o,
            &r,
            tgw_field,
            &a.tgw,
        )?;
        if let Some(assoc) = &a.association {
            let field = self.field(o, "Association.TransitGatewayRouteTableId", "route_table");
            let table = net.tgw_route_tables.get(&assoc.route_table);
            self.need(
                T::Table,
                table.is_some(),
                o,
                &r,
                field.clone(),
                &assoc.route_table,
            )?;
            if let Some(t) = table.filter(|t| t.tgw != a.tgw) {
                self.wrong(
                    o,
                    &r,
                    field,
                    &format!(
                        "route table `{}` is of transit gateway `{}`, the attachment of `{}`",
                        t.id, t.tgw, a.tgw
                    ),
                )?;
            }
        }
        if a.resource_type == TgwResourceType::Vpn
            && let Some(vpn) = &a.resource_id
        {
            let field = self.field(o, "ResourceId", "vpn");
            self.need(
                T::Vpn,
                net.vpn_connections.contains_key(vpn),
                o,
                &r,
                field,
                vpn,
            )?;
        }
        if let Some(v) = &a.vpc {
            self.vpc_details(net, &r, v)?;
        }
        Ok(())
    }

    /// A VPC attachment's VPC and subnets: in that VPC, one per zone.
    fn vpc_details(
        &mut self,
        net: &Network,
        r: &str,
        v: &TgwVpcAttachment,
    ) -> Result<(), IngestError> {
        let o = &v.origin;
        let field = self.field(o, "VpcId", "vpc");
        self.need(T::Vpc, net.vpcs.contains_key(&v.vpc), o, r, field, &v.vpc)?;
        let mut zones: Vec<(&str, &str)> = Vec::new();
        for (i, s) in v.subnets.iter().enumerate() {
            let field = self.field(o, &format!("SubnetIds[{i}]"), &format!("subnets[{i}]"));
            let sub = net.subnets.get(s);
            self.need(T::Subnet, sub.is_some(), o, r, field.clone(), s)?;
            let Some(sub) = sub else { continue };
            if sub.vpc != v.vpc {
                self.wrong(
                    o,
                    r,
                    field.clone(),
                    &format!(
                        "subnet `{s}` is in vpc `{}`, the attachment's vpc is `{}`",
                        sub.vpc, v.vpc
                    ),
                )?;
            }
            if let Some(az) = sub.az.as_deref() {
                if let Some((other, _)) = zones.iter().find(|(_, z)| *z == az) {
                    self.wrong(o, r, field, &format!("subnets `{other}` and `{s}` are both in `{az}`: a vpc attachment has one subnet per availability zone"))?;
                }
                zones.push((s, az));
            }
        }
        Ok(())
    }

    /// A route table's transit gateway, and the attachments its
    /// associations, propagations and routes name.
    fn route_table(&mut self, net: &Network, t: &TgwRouteTable) -> Result<(), IngestError> {
        let r = resource("transit gateway route table", &t.id);
        let o = &t.origin;
        let field = self.field(o, "TransitGatewayId", "id");
        self.need(
            T::Tgw,
            net.transit_gateways.contains_key(&t.tgw),
            o,
            &r,
            field,
            &t.tgw,
        )?;
        let o = t.contents_origin.as_ref().unwrap_or(&t.origin);
        let lists = [
            ("Associations", "route_table", &t.associations),
            ("Propagations", "propagate_to", &t.propagations),
        ];
        for (json, yaml, list) in lists {
            for (i, l) in list.iter().flatten().enumerate() {
                let field = self.field(o, &format!("{json}[{i}].TransitGatewayAttachmentId"), yaml);
                self.attachment_of(net, &t.tgw, o, &r, field, &l.attachment)?;
            }
        }
        for (i, route) in t.routes.iter().flatten().enumerate() {
            for (j, x) in route.targets.iter().enumerate() {
                let field = self.field(
                    o,
                    &format!(
                        "Routes[{i}].TransitGatewayAttachments[{j}].TransitGatewayAttachmentId"
                    ),
                    &format!("routes[{i}].attachment"),
                );
                self.attachment_of(net, &t.tgw, o, &r, field, &x.attachment)?;
            }
        }
        Ok(())
    }

    /// VPN connections' gateways and VPN gateways' VPCs.
    fn vpn(&mut self, net: &Network) -> Result<(), IngestError> {
        for v in net.vpn_connections.values() {
            let r = resource("vpn connection", &v.id);
            let o = &v.origin;
            if let Some(g) = &v.vpn_gateway {
                let field = self.field(o, "VpnGatewayId", "vpn_gateway");
                self.need(T::Vgw, net.vpn_gateways.contains_key(g), o, &r, field, g)?;
            }
            if let Some(g) = &v.transit_gateway {
                let field = self.field(o, "TransitGatewayId", "transit_gateway");
                self.need(
                    T::Tgw,
                    net.transit_gateways.contains_key(g),
                    o,
                    &r,
                    field,
                    g,
                )?;
            }
        }
        for g in net.vpn_gateways.values() {
            let r = resource("vpn gateway", &g.id);
            for (i, a) in g.attachments.iter().enumerate() {
                let field = self.field(&g.origin, &format!("VpcAttachments[{i}].VpcId"), "vpc");
                self.need(
                    T::Vpc,
                    net.vpcs.contains_key(&a.vpc),
                    &g.origin,
                    &r,
                    field,
                    &a.vpc,
                )?;
            }
        }
        Ok(())
    }
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
            T::Tgw => (
                l.transit_gateways,
                "transit gateway",
                "TransitGateways",
                "transit_gateways",
            ),
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
            T::Vpn => (
                l.vpn_connections,
                "vpn connection",
                "VpnConnections",
                "vpn_connections",
            ),
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
        self.need(
            T::Attachment,
            a.is_some(),
            origin,
            resource,
            field.clone(),
            id,
        )?;
        match a {
            Some(a) if a.tgw != tgw => self.wrong(
                origin,
                resource,
                field,
                &format!(
                    "attachment `{id}` is of transit gateway `{}`, the route table of `{tgw}`",
                    a.tgw
                ),
            ),
            _ => Ok(()),
        }
    }
}
