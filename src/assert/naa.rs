//! AWS Network Access Analyzer scopes (`MatchPaths` / `ExcludePaths`, as
//! `get-network-insights-access-scope-content` prints them) mapped to one
//! `must_not_reach` (or, from the internet only, `no_exposure`) assertion:
//! the match path's flows must not exist; exclude paths are [`PathFilter`]s.

use ipnet::IpNet;

use crate::model::Protocol;

use super::error::AssertError;
use super::fields::{Cx, cidrs, parse_selector, ranges, services};
use super::policy::{Assertion, Kind, PathFilter, Selector, Service};
use super::shape::{List, NaaPathY, NaaStatementY};

/// A path statement read: resource selectors, header constraints.
#[derive(Default)]
struct Side {
    resources: Option<Vec<Selector>>,
}

/// `ResourceTypes` as selectors; `None` for types reach does not model.
fn resource_type(t: &str) -> Option<Selector> {
    Some(match t {
        "AWS::EC2::InternetGateway" => Selector::Internet,
        "AWS::EC2::Instance" => Selector::AnyInstance,
        "AWS::EC2::NetworkInterface"
        | "AWS::EC2::SecurityGroup"
        | "AWS::EC2::Subnet"
        | "AWS::EC2::VPC" => Selector::AnyInterface,
        "AWS::EC2::ClientVpnEndpoint" => Selector::Client { groups: Vec::new() },
        _ => return None,
    })
}

/// A resource in `Resources`: an ID or an ARN (`arn:aws:ec2:…:TYPE/ID`).
fn resource_id(s: &str) -> &str {
    if s.starts_with("arn:") {
        s.rsplit('/').next().unwrap_or(s)
    } else {
        s
    }
}

fn side(cx: &Cx, field: &str, st: &NaaStatementY, dest: bool) -> Result<Side, AssertError> {
    let mut out = Side::default();
    if let Some(r) = &st.resources {
        let mut sels = Vec::new();
        if let Some(l) = &r.resources {
            for (i, s) in l.0.iter().enumerate() {
                let f = format!("{field}.ResourceStatement.Resources[{i}]");
                let id = resource_id(s);
                let sel = parse_selector(id).map_err(|m| cx.err(&f, m))?;
                if !matches!(sel, Selector::Id(_)) {
                    return Err(cx.err(&f, format!("`{s}`: expected a resource ID or ARN")));
                }
                sels.push(sel);
            }
        }
        if let Some(l) = &r.resource_types {
            for (i, t) in l.0.iter().enumerate() {
                let f = format!("{field}.ResourceStatement.ResourceTypes[{i}]");
                let sel = resource_type(t).ok_or_else(|| {
                    cx.err(
                        &f,
                        format!(
                            "`{t}`: not supported (reach knows AWS::EC2::InternetGateway, Instance, NetworkInterface, SecurityGroup, Subnet, VPC and ClientVpnEndpoint)"
                        ),
                    )
                })?;
                sels.push(sel);
            }
        }
        if sels.is_empty() {
            return Err(cx.err(
                &format!("{field}.ResourceStatement"),
                "empty: give `Resources` or `ResourceTypes`",
            ));
        }
        if dest {
            for s in &sels {
                if matches!(s, Selector::Internet)
                    || matches!(s, Selector::Id(i) if i.starts_with("igw-"))
                {
                    return Err(cx.err(
                        &format!("{field}.ResourceStatement"),
                        "an internet gateway as destination (egress to the internet) is not supported: reach asks about connections to the input's interfaces",
                    ));
                }
                if matches!(s, Selector::Client { .. }) {
                    return Err(cx.err(
                        &format!("{field}.ResourceStatement"),
                        "a client vpn endpoint as destination is not supported",
                    ));
                }
            }
        }
        out.resources = Some(sels);
    }
    Ok(out)
}

/// The packet-header statements of a path (source and destination merged:
/// a field may be given in one of them).
#[derive(Default)]
struct Headers {
    src_addrs: Option<Vec<IpNet>>,
    dst_addrs: Option<Vec<IpNet>>,
    src_prefix_lists: Option<Vec<String>>,
    dst_prefix_lists: Option<Vec<String>>,
    src_ports: Option<Vec<(u16, u16)>>,
    services: Option<Vec<Service>>,
}

fn headers(cx: &Cx, field: &str, path: &NaaPathY) -> Result<Headers, AssertError> {
    let mut out = Headers::default();
    let mut protocols: Option<(String, List)> = None;
    let mut ports: Option<(String, List)> = None;
    for (name, st) in [("Source", &path.source), ("Destination", &path.destination)] {
        let Some(h) = st.as_ref().and_then(|s| s.header.as_ref()) else {
            continue;
        };
        let base = format!("{field}.{name}.PacketHeaderStatement");
        let once = |set: bool, what: &str| -> Result<(), AssertError> {
            if set {
                Err(cx.err(
                    &format!("{base}.{what}"),
                    "given in both `Source` and `Destination`: give it once",
                ))
            } else {
                Ok(())
            }
        };
        if let Some(l) = &h.source_addresses {
            once(out.src_addrs.is_some(), "SourceAddresses")?;
            out.src_addrs = Some(cidrs(cx, &format!("{base}.SourceAddresses"), l)?);
        }
        if let Some(l) = &h.destination_addresses {
            once(out.dst_addrs.is_some(), "DestinationAddresses")?;
            out.dst_addrs = Some(cidrs(cx, &format!("{base}.DestinationAddresses"), l)?);
        }
        if let Some(l) = &h.source_prefix_lists {
            once(out.src_prefix_lists.is_some(), "SourcePrefixLists")?;
            out.src_prefix_lists = Some(l.0.iter().map(|s| resource_id(s).to_string()).collect());
        }
        if let Some(l) = &h.destination_prefix_lists {
            once(out.dst_prefix_lists.is_some(), "DestinationPrefixLists")?;
            out.dst_prefix_lists = Some(l.0.iter().map(|s| resource_id(s).to_string()).collect());
        }
        if let Some(l) = &h.source_ports {
            once(out.src_ports.is_some(), "SourcePorts")?;
            out.src_ports = Some(ranges(cx, &format!("{base}.SourcePorts"), l)?);
        }
        if let Some(l) = &h.protocols {
            once(protocols.is_some(), "Protocols")?;
            protocols = Some((format!("{base}.Protocols"), l.clone()));
        }
        if let Some(l) = &h.destination_ports {
            once(ports.is_some(), "DestinationPorts")?;
            ports = Some((format!("{base}.DestinationPorts"), l.clone()));
        }
        if out.src_addrs.is_some() && out.src_prefix_lists.is_some() {
            return Err(cx.err(
                &format!("{base}.SourcePrefixLists"),
                "not with `SourceAddresses` (as access analyzer requires)",
            ));
        }
        if out.dst_addrs.is_some() && out.dst_prefix_lists.is_some() {
            return Err(cx.err(
                &format!("{base}.DestinationPrefixLists"),
                "not with `DestinationAddresses` (as access analyzer requires)",
            ));
        }
    }
    if protocols.is_some() || ports.is_some() {
        let (pf, pl) = protocols.map_or((String::new(), None), |(f, l)| (f, Some(l)));
        let (qf, ql) = ports.map_or((String::new(), None), |(f, l)| (f, Some(l)));
        if let Some(l) = &pl {
            for (i, p) in l.0.iter().enumerate() {
                if !matches!(p.to_ascii_lowercase().as_str(), "tcp" | "udp") {
                    return Err(cx.err(
                        &format!("{pf}[{i}]"),
                        format!("`{p}`: access analyzer protocols are tcp and udp"),
                    ));
                }
            }
        }
        out.services = Some(services(
            cx,
            pl.as_ref(),
            ql.as_ref(),
            &pf,
            &qf,
            &[Protocol::TCP, Protocol::UDP],
        )?);
    }
    Ok(out)
}

/// An access analyzer scope as one `must_not_reach` assertion: every
/// `MatchPaths` entry is a set of flows that must not exist; `ExcludePaths`
/// entries are packets that do not count.
pub(super) fn naa(
    cx: &Cx,
    prefix: &str,
    match_paths: Option<Vec<NaaPathY>>,
    exclude_paths: Option<Vec<NaaPathY>>,
) -> Result<Assertion, AssertError> {
    let match_paths = match_paths.unwrap_or_default();
    if match_paths.is_empty() {
        return Err(cx.err(
            &format!("{prefix}MatchPaths"),
            "missing or empty: an access analyzer scope needs at least one path to match",
        ));
    }
    if match_paths.len() > 1 {
        // Several match paths are several assertions' worth of flows with
        // different sources: reach keeps one scope per assertion.
        return Err(cx.err(
            &format!("{prefix}MatchPaths"),
            "more than one path is not supported: write one assertion (or scope) per match path",
        ));
    }
    let mut excepts = Vec::new();
    for (i, p) in exclude_paths.unwrap_or_default().iter().enumerate() {
        let field = format!("{prefix}ExcludePaths[{i}]");
        if p.through.is_some() {
            return Err(cx.err(
                &format!("{field}.ThroughResources"),
                "not supported: reach checks paths end to end, not through given resources",
            ));
        }
        let src = match &p.source {
            Some(s) => side(cx, &format!("{field}.Source"), s, false)?,
            None => Side::default(),
        };
        let dst = match &p.destination {
            Some(s) => side(cx, &format!("{field}.Destination"), s, true)?,
            None => Side::default(),
        };
        let h = headers(cx, &field, p)?;
        if h.src_prefix_lists.is_some() || h.dst_prefix_lists.is_some() {
            return Err(cx.err(
                &field,
                "prefix lists in `ExcludePaths` are not supported: give the addresses",
            ));
        }
        excepts.push(PathFilter {
            from: src.resources,
            to: dst.resources,
            src_addrs: h.src_addrs,
            dst_addrs: h.dst_addrs,
            src_ports: h.src_ports,
            services: h.services,
        });
    }
    let p = &match_paths[0];
    let field = format!("{prefix}MatchPaths[0]");
    if p.through.is_some() {
        return Err(cx.err(
            &format!("{field}.ThroughResources"),
            "not supported: reach checks paths end to end, not through given resources",
        ));
    }
    let src = match &p.source {
        Some(s) => side(cx, &format!("{field}.Source"), s, false)?,
        None => Side::default(),
    };
    let dst = match &p.destination {
        Some(s) => side(cx, &format!("{field}.Destination"), s, true)?,
        None => Side::default(),
    };
    let h = headers(cx, &field, p)?;
    // Sources: the resources; else the addresses; else anything.
    let from = match (&src.resources, &h.src_addrs) {
        (Some(r), _) => r.clone(),
        (None, Some(a)) => a.iter().map(|n| Selector::Cidr(*n)).collect(),
        (None, None) => vec![
            Selector::Internet,
            Selector::AnyInterface,
            Selector::Client { groups: Vec::new() },
        ],
    };
    let to = match (&dst.resources, &h.dst_addrs) {
        (Some(r), _) => r.clone(),
        (None, Some(a)) => a.iter().map(|n| Selector::Cidr(*n)).collect(),
        (None, None) => vec![Selector::AnyInterface],
    };
    let src_addrs = h.src_addrs.clone();
    let only_internet = from.iter().all(|s| matches!(s, Selector::Internet));
    let a = Assertion {
        index: cx.index,
        name: cx.name.clone(),
        kind: if only_internet {
            Kind::NoExposure
        } else {
            Kind::MustNotReach
        },
        at: cx.at.clone(),
        from,
        to,
        services: h.services.unwrap_or_else(|| {
            vec![
                Service {
                    protocol: Protocol::TCP,
                    ports: (0, u16::MAX),
                },
                Service {
                    protocol: Protocol::UDP,
                    ports: (0, u16::MAX),
                },
            ]
        }),
        src_ports: h.src_ports,
        src_addrs,
        dst_addrs: h.dst_addrs,
        src_prefix_lists: h.src_prefix_lists.unwrap_or_default(),
        dst_prefix_lists: h.dst_prefix_lists.unwrap_or_default(),
        allowed: Vec::new(),
        except: excepts,
        endpoints: Vec::new(),
    };
    Ok(a)
}
