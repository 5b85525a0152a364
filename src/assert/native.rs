//! Native assertions (`assertions:` entries) validated into [`Assertion`]:
//! the kind, which fields it takes, its selectors and services. An entry
//! written as an access analyzer scope (`MatchPaths`) goes to `naa.rs`.

use crate::model::Protocol;

use super::error::AssertError;
use super::fields::{Cx, cidrs, parse_selector, ranges, selectors, services};
use super::naa::naa;
use super::policy::{Assertion, Kind, PathFilter, Selector};
use super::shape::{AssertionY, List};

/// A native assertion.
pub(super) fn native(cx: &Cx, a: AssertionY) -> Result<Assertion, AssertError> {
    if a.match_paths.is_some() || a.exclude_paths.is_some() {
        return scope_in_assertion(cx, a);
    }
    let _ = &a.description;
    let kind = kind_of(cx, &a)?;
    check_fields(cx, kind, &a)?;
    let default_protocols: &[Protocol] = match kind {
        Kind::MustReach | Kind::MustNotReach | Kind::Only | Kind::NoExposure => &[Protocol::TCP],
        Kind::Consistent => &[Protocol::TCP, Protocol::UDP, Protocol::ICMP],
    };
    let services = services(
        cx,
        a.protocol.as_ref(),
        a.ports.as_ref(),
        "protocol",
        "ports",
        default_protocols,
    )?;
    let src_ports = a
        .src_ports
        .as_ref()
        .map(|l| ranges(cx, "src_ports", l))
        .transpose()?;
    let mut out = Assertion {
        index: cx.index,
        name: cx.name.clone(),
        kind,
        at: cx.at.clone(),
        from: Vec::new(),
        to: Vec::new(),
        services,
        src_ports,
        src_addrs: None,
        dst_addrs: None,
        src_prefix_lists: Vec::new(),
        dst_prefix_lists: Vec::new(),
        allowed: Vec::new(),
        except: Vec::new(),
        endpoints: Vec::new(),
    };
    match kind {
        Kind::MustReach | Kind::MustNotReach => {
            out.from = with_groups(cx, &a, required(cx, kind, &a.from, "from")?, "from")?;
            out.to = required(cx, kind, &a.to, "to")?;
            if kind == Kind::MustNotReach {
                out.except = optional(cx, &a.except, "except")?
                    .into_iter()
                    .map(|s| PathFilter {
                        from: Some(vec![s]),
                        ..PathFilter::default()
                    })
                    .collect();
            }
        }
        Kind::Only => {
            out.to = required(cx, kind, &a.to, "to")?;
            out.allowed = with_groups(cx, &a, allowed(cx, &a)?, "allowed")?;
        }
        Kind::Consistent => {
            out.to = optional(cx, &a.to, "to")?;
            out.endpoints = endpoints(cx, &a)?;
        }
        Kind::NoExposure => {
            out.from = vec![Selector::Internet];
            out.to = optional(cx, &a.to, "to")?;
            out.except = exposure_except(cx, &a)?;
        }
    }
    Ok(out)
}

/// An assertion written as an access analyzer scope (`MatchPaths`): the
/// native fields are not used with it.
fn scope_in_assertion(cx: &Cx, a: AssertionY) -> Result<Assertion, AssertError> {
    if let Some(k) = a
        .kind
        .as_ref()
        .filter(|k| *k != "must_not_reach" && *k != "no_exposure")
    {
        return Err(cx.err(
            "kind",
            format!("`{k}`: an access analyzer scope (`MatchPaths`) means must_not_reach"),
        ));
    }
    for (set, field) in [
        (a.from.is_some(), "from"),
        (a.to.is_some(), "to"),
        (a.ports.is_some(), "ports"),
        (a.protocol.is_some(), "protocol"),
        (a.allowed.is_some(), "allowed"),
        (a.except.is_some(), "except"),
    ] {
        if set {
            return Err(cx.err(
                field,
                "not used with `MatchPaths`: write it in the paths' statements",
            ));
        }
    }
    let mut a2 = naa(cx, &format!("{}.", cx.at), a.match_paths, a.exclude_paths)?;
    a2.name = cx.name.clone();
    Ok(a2)
}

fn kind_of(cx: &Cx, a: &AssertionY) -> Result<Kind, AssertError> {
    let Some(kind) = a.kind.as_deref() else {
        return Err(cx.err(
            "kind",
            "missing: must_reach, must_not_reach, only, consistent or no_exposure (or `MatchPaths`)",
        ));
    };
    Kind::parse(kind).ok_or_else(|| {
        cx.err(
            "kind",
            format!(
                "`{kind}`: expected must_reach, must_not_reach, only, consistent or no_exposure"
            ),
        )
    })
}

/// Which fields each kind takes: any other given is an error.
fn check_fields(cx: &Cx, kind: Kind, a: &AssertionY) -> Result<(), AssertError> {
    let allowed_fields: &[&str] = match kind {
        Kind::MustReach => &["from", "to", "protocol", "ports", "src_ports", "groups"],
        Kind::MustNotReach => &[
            "from",
            "to",
            "protocol",
            "ports",
            "src_ports",
            "groups",
            "except",
        ],
        Kind::Only => &["to", "protocol", "ports", "groups", "allowed"],
        Kind::Consistent => &["to", "protocol", "ports", "endpoints"],
        Kind::NoExposure => &["to", "protocol", "ports", "except", "allow_from"],
    };
    for (set, field) in [
        (a.from.is_some(), "from"),
        (a.to.is_some(), "to"),
        (a.protocol.is_some(), "protocol"),
        (a.ports.is_some(), "ports"),
        (a.src_ports.is_some(), "src_ports"),
        (a.groups.is_some(), "groups"),
        (a.allowed.is_some(), "allowed"),
        (a.except.is_some(), "except"),
        (a.allow_from.is_some(), "allow_from"),
        (a.endpoints.is_some(), "endpoints"),
    ] {
        if set && !allowed_fields.contains(&field) {
            return Err(cx.err(
                field,
                format!(
                    "not a field of `{}` (it takes {})",
                    kind.name(),
                    allowed_fields
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn required(
    cx: &Cx,
    kind: Kind,
    v: &Option<List>,
    field: &str,
) -> Result<Vec<Selector>, AssertError> {
    match v {
        Some(l) => selectors(cx, field, l),
        None => Err(cx.err(field, format!("missing: `{}` needs it", kind.name()))),
    }
}

fn optional(cx: &Cx, v: &Option<List>, field: &str) -> Result<Vec<Selector>, AssertError> {
    v.as_ref()
        .map_or(Ok(Vec::new()), |l| selectors(cx, field, l))
}

/// `groups` narrows `client` selectors.
fn with_groups(
    cx: &Cx,
    a: &AssertionY,
    sels: Vec<Selector>,
    field: &str,
) -> Result<Vec<Selector>, AssertError> {
    let groups = a.groups.as_ref().map(|g| g.0.clone()).unwrap_or_default();
    if !groups.is_empty() && !sels.iter().any(|s| matches!(s, Selector::Client { .. })) {
        return Err(cx.err(
            "groups",
            format!("applies to `client` in `{field}`, which names no `client`"),
        ));
    }
    Ok(sels
        .into_iter()
        .map(|s| match s {
            Selector::Client { .. } => Selector::Client {
                groups: groups.clone(),
            },
            s => s,
        })
        .collect())
}

/// `only`: the sources that may reach (`[]`: none may).
fn allowed(cx: &Cx, a: &AssertionY) -> Result<Vec<Selector>, AssertError> {
    a.allowed
        .as_ref()
        .map(|l| {
            l.0.iter()
                .enumerate()
                .map(|(i, s)| parse_selector(s).map_err(|m| cx.err(&format!("allowed[{i}]"), m)))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .ok_or_else(|| {
            cx.err(
                "allowed",
                "missing: the sources that may reach (`[]`: none may)",
            )
        })
}

/// `consistent`: the Client VPN endpoints named.
fn endpoints(cx: &Cx, a: &AssertionY) -> Result<Vec<String>, AssertError> {
    let endpoints = a
        .endpoints
        .as_ref()
        .map(|l| l.0.clone())
        .unwrap_or_default();
    for (i, e) in endpoints.iter().enumerate() {
        if !e.starts_with("cvpn-endpoint-") {
            return Err(cx.err(
                &format!("endpoints[{i}]"),
                format!("`{e}`: expected a Client VPN endpoint ID (cvpn-endpoint-…)"),
            ));
        }
    }
    Ok(endpoints)
}

/// `no_exposure`: targets that may be exposed (`except`), internet sources
/// that may reach (`allow_from`).
fn exposure_except(cx: &Cx, a: &AssertionY) -> Result<Vec<PathFilter>, AssertError> {
    let mut out = Vec::new();
    for (i, s) in optional(cx, &a.except, "except")?.into_iter().enumerate() {
        if matches!(s, Selector::Internet | Selector::Client { .. }) {
            return Err(cx.err(
                &format!("except[{i}]"),
                "lists targets that may be exposed: use `allow_from` for internet sources",
            ));
        }
        out.push(PathFilter {
            to: Some(vec![s]),
            ..PathFilter::default()
        });
    }
    if let Some(l) = &a.allow_from {
        out.push(PathFilter {
            src_addrs: Some(cidrs(cx, "allow_from", l)?),
            ..PathFilter::default()
        });
    }
    Ok(out)
}
