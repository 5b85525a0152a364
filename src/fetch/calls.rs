//! Every EC2 call `reach fetch` makes, each paginated (`into_paginator()`),
//! at most `concurrency` in flight; what a listing names (Client VPN
//! endpoints, transit gateway route tables, prefix lists, Verified Access
//! groups and endpoints) is asked about in turn. Results are collected as
//! documents (file name and JSON) and a call log; a denied or unsupported
//! call is a warning, any other failure ends the fetch.

use std::sync::{Arc, Mutex};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::Filter;
use indicatif::ProgressBar;
use serde_json::{Map, Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::convert::{J, list};

/// One file of the snapshot.
#[derive(Debug)]
pub(super) struct Doc {
    pub file: String,
    pub value: Value,
}

/// One call as the manifest lists it.
#[derive(Debug)]
pub(super) struct CallLog {
    pub call: &'static str,
    pub resource: Option<String>,
    pub file: Option<String>,
    pub count: usize,
    /// The error code of a denied or unsupported call.
    pub error: Option<String>,
    pub warning: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct Collected {
    pub docs: Vec<Doc>,
    pub log: Vec<CallLog>,
    /// The first call that failed otherwise (call, message): the fetch fails.
    pub fatal: Option<(String, String)>,
}

/// Why a call returned nothing.
#[derive(Debug)]
pub(super) struct Failure {
    code: Option<String>,
    message: String,
}

impl Failure {
    fn of<E>(e: &SdkError<E, HttpResponse>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let message = match (e.code(), e.message(), e) {
            (Some(c), Some(m), _) => format!("{c}: {m}"),
            (Some(c), None, _) => c.to_owned(),
            // A service answer without an error code: its status, not its body.
            (None, _, SdkError::ServiceError(s)) => {
                format!(
                    "the endpoint answered http {} with no error code",
                    s.raw().status().as_u16()
                )
            }
            // No answer (connection, timeout, credentials): the whole chain.
            _ => DisplayErrorContext(e).to_string(),
        };
        Failure {
            code: e.code().map(str::to_owned),
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }
}

/// Error codes of a call the credentials may not make.
const DENIED: &[&str] = &[
    "UnauthorizedOperation",
    "AccessDenied",
    "AccessDeniedException",
    "Blocked",
];
/// Error codes of a call the endpoint does not offer (a region, an emulator).
const UNSUPPORTED: &[&str] = &[
    "InvalidAction",
    "UnsupportedOperation",
    "NotImplemented",
    "UnknownOperation",
];

/// What every call shares: the client, the bound on calls in flight, the
/// progress bar and what was collected.
#[derive(Clone)]
pub(super) struct Cx {
    ec2: Client,
    sem: Arc<Semaphore>,
    bar: ProgressBar,
    out: Arc<Mutex<Collected>>,
}

impl Cx {
    pub(super) fn new(ec2: Client, concurrency: usize, bar: ProgressBar) -> Cx {
        Cx {
            ec2,
            sem: Arc::new(Semaphore::new(concurrency)),
            bar,
            out: Arc::new(Mutex::new(Collected::default())),
        }
    }

    async fn permit(&self, call: &str) -> Option<OwnedSemaphorePermit> {
        self.bar.inc_length(1);
        let p = self.sem.clone().acquire_owned().await.ok();
        self.bar.set_message(call.to_owned());
        p
    }

    fn with<T>(&self, f: impl FnOnce(&mut Collected) -> T) -> T {
        let mut g = self.out.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// Logs a call that returned `count` items into `file`.
    fn logged(&self, call: &'static str, resource: Option<&str>, file: &str, count: usize) {
        self.bar.inc(1);
        self.with(|c| {
            c.log.push(CallLog {
                call,
                resource: resource.map(str::to_owned),
                file: Some(file.to_owned()),
                count,
                error: None,
                warning: None,
            });
        });
    }

    fn doc(&self, file: String, value: Value) {
        self.with(|c| c.docs.push(Doc { file, value }));
    }

    /// Logs a failed call: a warning when it was denied, unsupported or its
    /// resource went away meanwhile, else the fetch's error.
    fn failed(&self, call: &'static str, resource: Option<&str>, f: Failure) {
        self.bar.inc(1);
        let on = resource.map(|r| format!(" on `{r}`")).unwrap_or_default();
        let code = f.code.clone().unwrap_or_default();
        let warning = if DENIED.contains(&code.as_str()) {
            format!(
                "`{call}`{on} was denied ({code}): the snapshot lacks what it returns; allow `ec2:{call}`"
            )
        } else if UNSUPPORTED.contains(&code.as_str()) {
            format!(
                "`{call}`{on} is not supported by the endpoint ({code}): the snapshot lacks what it returns"
            )
        } else if code.ends_with(".NotFound") {
            format!("`{call}`{on} found nothing ({code}): the resource went away while fetching")
        } else {
            self.with(|c| {
                c.fatal.get_or_insert((call.to_owned(), f.message));
            });
            return;
        };
        self.with(|c| {
            c.log.push(CallLog {
                call,
                resource: resource.map(str::to_owned),
                file: None,
                count: 0,
                error: Some(code),
                warning: Some(warning),
            });
        });
    }

    /// A listing's outcome: its document `{KEY: [...]}` in `file`, or the failure.
    fn listing<T: J>(
        &self,
        call: &'static str,
        file: &str,
        key: &str,
        res: Result<Vec<T>, Failure>,
    ) -> Option<Vec<T>> {
        match res {
            Ok(items) => {
                self.logged(call, None, file, items.len());
                self.doc(file.to_owned(), json!({ key: list(&items) }));
                Some(items)
            }
            Err(f) => {
                self.failed(call, None, f);
                None
            }
        }
    }
}

/// Every page of a paginated call, in order.
macro_rules! paged {
    ($cx:expr, $call:literal, $req:expr, $field:ident) => {{
        let _permit = $cx.permit($call).await;
        let mut pages = $req.into_paginator().send();
        let mut items = Vec::new();
        let mut err = None;
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => items.extend(p.$field.unwrap_or_default()),
                Err(e) => {
                    err = Some(Failure::of(&e));
                    break;
                }
            }
        }
        match err {
            None => Ok(items),
            Some(f) => Err(f),
        }
    }};
}

/// A call without pages.
macro_rules! once {
    ($cx:expr, $call:literal, $req:expr, $field:ident) => {{
        let _permit = $cx.permit($call).await;
        match $req.send().await {
            Ok(o) => Ok(o.$field.unwrap_or_default()),
            Err(e) => Err(Failure::of(&e)),
        }
    }};
}

/// A listing written as one document:
/// `listing!(cx, paged, "DescribeVpcs", "describe-vpcs", "Vpcs", describe_vpcs, vpcs)`.
macro_rules! listing {
    ($cx:expr, $how:ident, $call:literal, $file:literal, $key:literal, $op:ident, $field:ident) => {{
        let res = $how!($cx, $call, $cx.ec2.$op(), $field);
        $cx.listing($call, concat!($file, ".json"), $key, res)
    }};
}

/// The account the credentials belong to (`sts:GetCallerIdentity`, which
/// needs no permission); `None` when it cannot be asked.
pub(super) async fn account(sts: &aws_sdk_sts::Client) -> Option<String> {
    sts.get_caller_identity()
        .send()
        .await
        .ok()
        .and_then(|o| o.account)
}

fn spawn<F>(handles: &mut Vec<JoinHandle<()>>, f: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    handles.push(tokio::spawn(f));
}

async fn join(handles: Vec<JoinHandle<()>>) {
    for h in handles {
        // A task that panicked has logged nothing; the manifest shows it missing.
        let _ = h.await;
    }
}

/// Runs every call of a region; returns what was collected.
#[rustfmt::skip]
pub(super) async fn run_all(cx: &Cx) -> Arc<Mutex<Collected>> {
    let mut h = Vec::new();
    macro_rules! simple {
        ($how:ident, $call:literal, $file:literal, $key:literal, $op:ident, $field:ident) => {{
            let cx = cx.clone();
            spawn(&mut h, async move {
                listing!(cx, $how, $call, $file, $key, $op, $field);
            });
        }};
    }
    // One listing call each: (how, API call, file, top-level key, SDK
    // operation, field); one line each (`rustfmt::skip` on the function).
    {
        simple!(paged, "DescribeVpcs", "describe-vpcs", "Vpcs", describe_vpcs, vpcs);
        simple!(paged, "DescribeSubnets", "describe-subnets", "Subnets", describe_subnets, subnets);
        simple!(paged, "DescribeRouteTables", "describe-route-tables", "RouteTables", describe_route_tables, route_tables);
        simple!(paged, "DescribeSecurityGroups", "describe-security-groups", "SecurityGroups", describe_security_groups, security_groups);
        simple!(paged, "DescribeSecurityGroupRules", "describe-security-group-rules", "SecurityGroupRules", describe_security_group_rules, security_group_rules);
        simple!(paged, "DescribeNetworkAcls", "describe-network-acls", "NetworkAcls", describe_network_acls, network_acls);
        simple!(paged, "DescribeNetworkInterfaces", "describe-network-interfaces", "NetworkInterfaces", describe_network_interfaces, network_interfaces);
        simple!(paged, "DescribeInstances", "describe-instances", "Reservations", describe_instances, reservations);
        simple!(paged, "DescribeInternetGateways", "describe-internet-gateways", "InternetGateways", describe_internet_gateways, internet_gateways);
        simple!(paged, "DescribeEgressOnlyInternetGateways", "describe-egress-only-internet-gateways", "EgressOnlyInternetGateways", describe_egress_only_internet_gateways, egress_only_internet_gateways);
        simple!(paged, "DescribeNatGateways", "describe-nat-gateways", "NatGateways", describe_nat_gateways, nat_gateways);
        simple!(paged, "DescribeVpcPeeringConnections", "describe-vpc-peering-connections", "VpcPeeringConnections", describe_vpc_peering_connections, vpc_peering_connections);
        simple!(once, "DescribeAddresses", "describe-addresses", "Addresses", describe_addresses, addresses);
        simple!(paged, "DescribeTransitGateways", "describe-transit-gateways", "TransitGateways", describe_transit_gateways, transit_gateways);
        simple!(paged, "DescribeTransitGatewayAttachments", "describe-transit-gateway-attachments", "TransitGatewayAttachments", describe_transit_gateway_attachments, transit_gateway_attachments);
        simple!(paged, "DescribeTransitGatewayVpcAttachments", "describe-transit-gateway-vpc-attachments", "TransitGatewayVpcAttachments", describe_transit_gateway_vpc_attachments, transit_gateway_vpc_attachments);
        simple!(paged, "DescribeTransitGatewayPeeringAttachments", "describe-transit-gateway-peering-attachments", "TransitGatewayPeeringAttachments", describe_transit_gateway_peering_attachments, transit_gateway_peering_attachments);
        simple!(once, "DescribeVpnConnections", "describe-vpn-connections", "VpnConnections", describe_vpn_connections, vpn_connections);
        simple!(once, "DescribeVpnGateways", "describe-vpn-gateways", "VpnGateways", describe_vpn_gateways, vpn_gateways);
        simple!(paged, "DescribeVerifiedAccessInstances", "describe-verified-access-instances", "VerifiedAccessInstances", describe_verified_access_instances, verified_access_instances);
        simple!(paged, "DescribeVerifiedAccessTrustProviders", "describe-verified-access-trust-providers", "VerifiedAccessTrustProviders", describe_verified_access_trust_providers, verified_access_trust_providers);
    }
    {
        let cx = cx.clone();
        spawn(&mut h, async move { prefix_lists(cx).await });
    }
    {
        let cx = cx.clone();
        spawn(&mut h, async move { client_vpn(cx).await });
    }
    {
        let cx = cx.clone();
        spawn(&mut h, async move { tgw_route_tables(cx).await });
    }
    {
        let cx = cx.clone();
        spawn(&mut h, async move { va_groups(cx).await });
    }
    {
        let cx = cx.clone();
        spawn(&mut h, async move { va_endpoints(cx).await });
    }
    join(h).await;
    cx.out.clone()
}

/// Managed prefix lists, then each list's entries in the
/// `ManagedPrefixListEntries` wrapper (the call prints no list ID).
async fn prefix_lists(cx: Cx) {
    let Some(lists) = listing!(
        cx,
        paged,
        "DescribeManagedPrefixLists",
        "describe-managed-prefix-lists",
        "PrefixLists",
        describe_managed_prefix_lists,
        prefix_lists
    ) else {
        return;
    };
    let mut h = Vec::new();
    for id in lists.into_iter().filter_map(|l| l.prefix_list_id) {
        let cx = cx.clone();
        spawn(&mut h, async move {
            const CALL: &str = "GetManagedPrefixListEntries";
            let res = paged!(
                cx,
                "GetManagedPrefixListEntries",
                cx.ec2.get_managed_prefix_list_entries().prefix_list_id(&id),
                entries
            );
            match res {
                Ok(entries) => {
                    let file = format!("get-managed-prefix-list-entries-{id}.json");
                    cx.logged(CALL, Some(&id), &file, entries.len());
                    cx.doc(
                        file,
                        json!({"ManagedPrefixListEntries": [{"PrefixListId": id, "Entries": list(&entries)}]}),
                    );
                }
                Err(f) => cx.failed(CALL, Some(&id), f),
            }
        });
    }
    join(h).await;
}

/// Client VPN endpoints, then per endpoint its target networks, routes and
/// authorization rules, one file each.
async fn client_vpn(cx: Cx) {
    let Some(endpoints) = listing!(
        cx,
        paged,
        "DescribeClientVpnEndpoints",
        "describe-client-vpn-endpoints",
        "ClientVpnEndpoints",
        describe_client_vpn_endpoints,
        client_vpn_endpoints
    ) else {
        return;
    };
    let mut h = Vec::new();
    for id in endpoints
        .into_iter()
        .filter_map(|e| e.client_vpn_endpoint_id)
    {
        macro_rules! part {
            ($call:literal, $file:literal, $key:literal, $op:ident, $field:ident) => {{
                let cx = cx.clone();
                let id = id.clone();
                spawn(&mut h, async move {
                    let res = paged!(cx, $call, cx.ec2.$op().client_vpn_endpoint_id(&id), $field);
                    match res {
                        Ok(items) => {
                            let file = format!(concat!($file, "-{}.json"), id);
                            cx.logged($call, Some(&id), &file, items.len());
                            cx.doc(file, json!({ $key: list(&items) }));
                        }
                        Err(f) => cx.failed($call, Some(&id), f),
                    }
                });
            }};
        }
        part!(
            "DescribeClientVpnTargetNetworks",
            "describe-client-vpn-target-networks",
            "ClientVpnTargetNetworks",
            describe_client_vpn_target_networks,
            client_vpn_target_networks
        );
        part!(
            "DescribeClientVpnRoutes",
            "describe-client-vpn-routes",
            "Routes",
            describe_client_vpn_routes,
            routes
        );
        part!(
            "DescribeClientVpnAuthorizationRules",
            "describe-client-vpn-authorization-rules",
            "AuthorizationRules",
            describe_client_vpn_authorization_rules,
            authorization_rules
        );
    }
    join(h).await;
}

/// Transit gateway route tables, then per table its associations,
/// propagations and routes in the `TransitGatewayRouteTableContents` wrapper
/// (the calls print no table ID); a call that failed leaves its key out, so
/// the reader says what is missing.
async fn tgw_route_tables(cx: Cx) {
    let Some(tables) = listing!(
        cx,
        paged,
        "DescribeTransitGatewayRouteTables",
        "describe-transit-gateway-route-tables",
        "TransitGatewayRouteTables",
        describe_transit_gateway_route_tables,
        transit_gateway_route_tables
    ) else {
        return;
    };
    let mut h = Vec::new();
    for id in tables
        .into_iter()
        .filter_map(|t| t.transit_gateway_route_table_id)
    {
        let cx = cx.clone();
        spawn(&mut h, async move {
            let file = format!("transit-gateway-route-table-contents-{id}.json");
            let mut m = Map::new();
            m.insert(
                "TransitGatewayRouteTableId".into(),
                Value::String(id.clone()),
            );
            const ASSOC: &str = "GetTransitGatewayRouteTableAssociations";
            match paged!(
                cx,
                "GetTransitGatewayRouteTableAssociations",
                cx.ec2
                    .get_transit_gateway_route_table_associations()
                    .transit_gateway_route_table_id(&id),
                associations
            ) {
                Ok(items) => {
                    cx.logged(ASSOC, Some(&id), &file, items.len());
                    m.insert("Associations".into(), list(&items));
                }
                Err(f) => cx.failed(ASSOC, Some(&id), f),
            }
            const PROP: &str = "GetTransitGatewayRouteTablePropagations";
            match paged!(
                cx,
                "GetTransitGatewayRouteTablePropagations",
                cx.ec2
                    .get_transit_gateway_route_table_propagations()
                    .transit_gateway_route_table_id(&id),
                transit_gateway_route_table_propagations
            ) {
                Ok(items) => {
                    cx.logged(PROP, Some(&id), &file, items.len());
                    m.insert("Propagations".into(), list(&items));
                }
                Err(f) => cx.failed(PROP, Some(&id), f),
            }
            const SEARCH: &str = "SearchTransitGatewayRoutes";
            let routes = {
                let _permit = cx.permit(SEARCH).await;
                let filter = Filter::builder()
                    .name("type")
                    .values("static")
                    .values("propagated")
                    .build();
                let mut pages = cx
                    .ec2
                    .search_transit_gateway_routes()
                    .transit_gateway_route_table_id(&id)
                    .filters(filter)
                    // No `MaxResults`: AWS's default is its maximum (1000), and
                    // moto 5.2.5 fails on it (it slices a dict).
                    .into_paginator()
                    .send();
                let mut items = Vec::new();
                let mut more = false;
                let mut err = None;
                while let Some(page) = pages.next().await {
                    match page {
                        Ok(p) => {
                            more = p.additional_routes_available.unwrap_or(false);
                            items.extend(p.routes.unwrap_or_default());
                        }
                        Err(e) => {
                            err = Some(Failure::of(&e));
                            break;
                        }
                    }
                }
                match err {
                    None => Ok((items, more)),
                    Some(f) => Err(f),
                }
            };
            match routes {
                Ok((items, more)) => {
                    cx.logged(SEARCH, Some(&id), &file, items.len());
                    m.insert("Routes".into(), list(&items));
                    m.insert("AdditionalRoutesAvailable".into(), Value::Bool(more));
                }
                Err(f) => cx.failed(SEARCH, Some(&id), f),
            }
            cx.doc(
                file,
                json!({"TransitGatewayRouteTableContents": [Value::Object(m)]}),
            );
        });
    }
    join(h).await;
}

/// A Verified Access policy as the reader takes it: the ID, whether it is
/// enabled, the Cedar text.
fn policy(id_key: &str, id: &str, enabled: Option<bool>, doc: Option<String>) -> Value {
    let mut m = Map::new();
    m.insert(id_key.into(), Value::String(id.to_owned()));
    m.insert(
        "PolicyEnabled".into(),
        Value::Bool(enabled.unwrap_or(false)),
    );
    if let Some(d) = doc {
        m.insert("PolicyDocument".into(), Value::String(d));
    }
    Value::Object(m)
}

/// Verified Access groups, then each group's policy
/// (`VerifiedAccessGroupPolicies`, the project's document).
async fn va_groups(cx: Cx) {
    let Some(groups) = listing!(
        cx,
        paged,
        "DescribeVerifiedAccessGroups",
        "describe-verified-access-groups",
        "VerifiedAccessGroups",
        describe_verified_access_groups,
        verified_access_groups
    ) else {
        return;
    };
    let mut h = Vec::new();
    for id in groups
        .into_iter()
        .filter_map(|g| g.verified_access_group_id)
    {
        let cx = cx.clone();
        spawn(&mut h, async move {
            const CALL: &str = "GetVerifiedAccessGroupPolicy";
            let res = {
                let _permit = cx.permit(CALL).await;
                cx.ec2
                    .get_verified_access_group_policy()
                    .verified_access_group_id(&id)
                    .send()
                    .await
            };
            match res {
                Ok(o) => {
                    let file = format!("get-verified-access-group-policy-{id}.json");
                    cx.logged(CALL, Some(&id), &file, 1);
                    let p = policy(
                        "VerifiedAccessGroupId",
                        &id,
                        o.policy_enabled,
                        o.policy_document,
                    );
                    cx.doc(file, json!({"VerifiedAccessGroupPolicies": [p]}));
                }
                Err(e) => cx.failed(CALL, Some(&id), Failure::of(&e)),
            }
        });
    }
    join(h).await;
}

/// Verified Access endpoints, then each endpoint's policy
/// (`VerifiedAccessEndpointPolicies`, the project's document).
async fn va_endpoints(cx: Cx) {
    let Some(endpoints) = listing!(
        cx,
        paged,
        "DescribeVerifiedAccessEndpoints",
        "describe-verified-access-endpoints",
        "VerifiedAccessEndpoints",
        describe_verified_access_endpoints,
        verified_access_endpoints
    ) else {
        return;
    };
    let mut h = Vec::new();
    for id in endpoints
        .into_iter()
        .filter_map(|e| e.verified_access_endpoint_id)
    {
        let cx = cx.clone();
        spawn(&mut h, async move {
            const CALL: &str = "GetVerifiedAccessEndpointPolicy";
            let res = {
                let _permit = cx.permit(CALL).await;
                cx.ec2
                    .get_verified_access_endpoint_policy()
                    .verified_access_endpoint_id(&id)
                    .send()
                    .await
            };
            match res {
                Ok(o) => {
                    let file = format!("get-verified-access-endpoint-policy-{id}.json");
                    cx.logged(CALL, Some(&id), &file, 1);
                    let p = policy(
                        "VerifiedAccessEndpointId",
                        &id,
                        o.policy_enabled,
                        o.policy_document,
                    );
                    cx.doc(file, json!({"VerifiedAccessEndpointPolicies": [p]}));
                }
                Err(e) => cx.failed(CALL, Some(&id), Failure::of(&e)),
            }
        });
    }
    join(h).await;
}
