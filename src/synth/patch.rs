//! Model edits: the rules synth writes numbered and applied, and the
//! changes against the input as AWS applies them (authorize / revoke
//! security-group rules, create / replace / delete network ACL entries,
//! authorize / revoke Client VPN ingress, create Client VPN routes).

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::model::{ClientVpnAuthRule, NaclEntry, Network, SgRule};

use super::discover::{add_routes, entries_mut, rules_mut};
use super::types::{Dir, NewAuth, NewRoute, NewRule, Place};

/// One change to the input, in the order to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    RouteCreate {
        endpoint: String,
        dest: IpNet,
        subnet: String,
    },
    SgAuthorize {
        group: String,
        dir: Dir,
        rule: SgRule,
    },
    SgRevoke {
        group: String,
        dir: Dir,
        rule: SgRule,
    },
    NaclCreate {
        acl: String,
        dir: Dir,
        entry: NaclEntry,
    },
    NaclReplace {
        acl: String,
        dir: Dir,
        entry: NaclEntry,
        old: NaclEntry,
    },
    NaclDelete {
        acl: String,
        dir: Dir,
        entry: NaclEntry,
    },
    AuthAuthorize {
        endpoint: String,
        rule: ClientVpnAuthRule,
    },
    AuthRevoke {
        endpoint: String,
        rule: ClientVpnAuthRule,
    },
}

/// Network ACL entries numbered 100, 110, … per ACL direction; security
/// group rules labelled `synth[i]` per group direction.
pub(super) fn number(rules: &mut [NewRule]) {
    rules.sort_by_key(|r| {
        let (ports, peer) = match r {
            NewRule::Sg { rule, .. } => (format!("{:?}", rule.ports), rule.peer.describe()),
            NewRule::Nacl { entry, .. } => (format!("{:?}", entry.ports), entry.cidr.to_string()),
        };
        (r.place(), ports, peer)
    });
    let mut next: BTreeMap<Place, u16> = BTreeMap::new();
    for r in rules.iter_mut() {
        let k = next.entry(r.place()).or_insert(0);
        match r {
            NewRule::Sg { rule, .. } => rule.position = format!("synth[{k}]"),
            NewRule::Nacl { entry, .. } => entry.number = 100 + 10 * *k,
        }
        *k += 1;
    }
}

/// `base` (the places and endpoints already emptied) with the rules and
/// authorization written.
pub(super) fn rewrite(
    base: &Network,
    rules: &[NewRule],
    auth: &[NewAuth],
    endpoints: &[String],
) -> Network {
    let mut out = base.clone();
    for r in rules {
        match r {
            NewRule::Sg { group, dir, rule } => {
                if let Some(sg) = out.security_groups.get_mut(group) {
                    rules_mut(sg, *dir).push(rule.clone());
                }
            }
            NewRule::Nacl { acl, dir, entry } => {
                if let Some(a) = out.network_acls.get_mut(acl) {
                    let v = entries_mut(a, *dir);
                    v.push(entry.clone());
                    v.sort_by_key(|e| e.number);
                }
            }
        }
    }
    for e in endpoints {
        if let Some(ep) = out.client_vpn_endpoints.get_mut(e) {
            ep.auth_rules = auth
                .iter()
                .filter(|a| &a.endpoint == e)
                .map(|a| a.rule.clone())
                .collect();
        }
    }
    out
}

fn same_sg(a: &SgRule, b: &SgRule) -> bool {
    a.protocol == b.protocol && a.ports == b.ports && a.peer == b.peer
}

fn same_entry(a: &NaclEntry, b: &NaclEntry) -> bool {
    a.number == b.number
        && a.action == b.action
        && a.protocol == b.protocol
        && a.cidr == b.cidr
        && a.ports == b.ports
}

fn same_auth(a: &ClientVpnAuthRule, b: &ClientVpnAuthRule) -> bool {
    a.dest == b.dest && a.access_all == b.access_all && a.group == b.group
}

/// The changes that turn `input` into `result` at these places and endpoints.
pub(super) fn changes(
    input: &Network,
    result: &Network,
    places: &[Place],
    endpoints: &[String],
    routes: &[NewRoute],
) -> Vec<Change> {
    let mut out: Vec<Change> = routes
        .iter()
        .map(|r| Change::RouteCreate {
            endpoint: r.endpoint.clone(),
            dest: r.dest,
            subnet: r.subnet.clone(),
        })
        .collect();
    let mut removals = Vec::new();
    for p in places {
        match p {
            Place::Sg { group, dir } => {
                let (Some(a), Some(b)) = (
                    input.security_groups.get(group),
                    result.security_groups.get(group),
                ) else {
                    continue;
                };
                let (old, new) = match dir {
                    Dir::Inbound => (&a.ingress, &b.ingress),
                    Dir::Outbound => (&a.egress, &b.egress),
                };
                for r in new.iter().filter(|r| !old.iter().any(|o| same_sg(o, r))) {
                    out.push(Change::SgAuthorize {
                        group: group.clone(),
                        dir: *dir,
                        rule: r.clone(),
                    });
                }
                for r in old.iter().filter(|o| !new.iter().any(|r| same_sg(o, r))) {
                    removals.push(Change::SgRevoke {
                        group: group.clone(),
                        dir: *dir,
                        rule: r.clone(),
                    });
                }
            }
            Place::Nacl { acl, dir } => {
                let (Some(a), Some(b)) =
                    (input.network_acls.get(acl), result.network_acls.get(acl))
                else {
                    continue;
                };
                let (old, new) = match dir {
                    Dir::Inbound => (&a.inbound, &b.inbound),
                    Dir::Outbound => (&a.outbound, &b.outbound),
                };
                for e in new {
                    match old.iter().find(|o| o.number == e.number) {
                        Some(o) if same_entry(o, e) => {}
                        Some(o) => out.push(Change::NaclReplace {
                            acl: acl.clone(),
                            dir: *dir,
                            entry: e.clone(),
                            old: o.clone(),
                        }),
                        None => out.push(Change::NaclCreate {
                            acl: acl.clone(),
                            dir: *dir,
                            entry: e.clone(),
                        }),
                    }
                }
                for o in old
                    .iter()
                    .filter(|o| !new.iter().any(|e| e.number == o.number))
                {
                    removals.push(Change::NaclDelete {
                        acl: acl.clone(),
                        dir: *dir,
                        entry: o.clone(),
                    });
                }
            }
        }
    }
    for e in endpoints {
        let (Some(a), Some(b)) = (
            input.client_vpn_endpoints.get(e),
            result.client_vpn_endpoints.get(e),
        ) else {
            continue;
        };
        for r in b
            .auth_rules
            .iter()
            .filter(|r| !a.auth_rules.iter().any(|o| same_auth(o, r)))
        {
            out.push(Change::AuthAuthorize {
                endpoint: e.clone(),
                rule: r.clone(),
            });
        }
        for o in a
            .auth_rules
            .iter()
            .filter(|o| !b.auth_rules.iter().any(|r| same_auth(o, r)))
        {
            removals.push(Change::AuthRevoke {
                endpoint: e.clone(),
                rule: o.clone(),
            });
        }
    }
    // Grant first, then take away: nothing an intent needs is ever missing.
    out.extend(removals);
    out
}

/// `net` with the changes applied.
pub(super) fn apply(net: &Network, changes: &[Change]) -> Network {
    let mut out = net.clone();
    for c in changes {
        match c {
            Change::RouteCreate {
                endpoint,
                dest,
                subnet,
            } => add_routes(
                &mut out,
                &[NewRoute {
                    endpoint: endpoint.clone(),
                    dest: *dest,
                    subnet: subnet.clone(),
                }],
            ),
            Change::SgAuthorize { group, dir, rule } => {
                if let Some(sg) = out.security_groups.get_mut(group) {
                    rules_mut(sg, *dir).push(rule.clone());
                }
            }
            Change::SgRevoke { group, dir, rule } => {
                if let Some(sg) = out.security_groups.get_mut(group) {
                    rules_mut(sg, *dir).retain(|r| !same_sg(r, rule));
                }
            }
            Change::NaclCreate { acl, dir, entry }
            | Change::NaclReplace {
                acl, dir, entry, ..
            } => {
                if let Some(a) = out.network_acls.get_mut(acl) {
                    let v = entries_mut(a, *dir);
                    v.retain(|e| e.number != entry.number);
                    v.push(entry.clone());
                    v.sort_by_key(|e| e.number);
                }
            }
            Change::NaclDelete { acl, dir, entry } => {
                if let Some(a) = out.network_acls.get_mut(acl) {
                    entries_mut(a, *dir).retain(|e| e.number != entry.number);
                }
            }
            Change::AuthAuthorize { endpoint, rule } => {
                if let Some(e) = out.client_vpn_endpoints.get_mut(endpoint) {
                    e.auth_rules.push(rule.clone());
                }
            }
            Change::AuthRevoke { endpoint, rule } => {
                if let Some(e) = out.client_vpn_endpoints.get_mut(endpoint) {
                    e.auth_rules.retain(|r| !same_auth(r, rule));
                }
            }
        }
    }
    out
}
