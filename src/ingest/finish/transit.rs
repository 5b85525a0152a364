//! Transit gateway parts joined: VPC and peering attachment details on
//! their attachments (an attachment known only from its own document is
//! built from it), the `TransitGatewayRouteTableContents` items on their
//! route tables, and associations a route table lists on the attachments
//! that do not say theirs. Disagreements between documents are warnings
//! (outputs taken at different times), never errors.

use crate::ingest::error::resource;
use crate::ingest::state::State;
use crate::model::{TgwAssociation, TgwAttachment, TgwResourceType};

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
