//! Field values of a policy, each checked with an error naming the field:
//! selectors (`from`, `to`, `allowed`, `except`), CIDRs, port ranges, and
//! protocols with ports as [`Service`]s.

use ipnet::IpNet;

use crate::model::Protocol;

use super::error::AssertError;
use super::policy::{Selector, Service};
use super::shape::List;

/// The assertion being read, for errors.
pub(super) struct Cx<'a> {
    pub(super) file: &'a str,
    pub(super) index: usize,
    pub(super) name: String,
    pub(super) at: String,
}

impl Cx<'_> {
    pub(super) fn err(&self, field: &str, message: impl Into<String>) -> AssertError {
        AssertError::Field {
            file: self.file.to_string(),
            index: self.index,
            name: self.name.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Parses a selector as written in `from`, `to`, `allowed`, `except`.
pub fn parse_selector(s: &str) -> Result<Selector, String> {
    let s = s.trim();
    if s == "internet" {
        return Ok(Selector::Internet);
    }
    if s == "client" {
        return Ok(Selector::Client { groups: Vec::new() });
    }
    if let Some(t) = s.strip_prefix("tag:") {
        let (key, value) = match t.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim().to_string())),
            None => (t.trim(), None),
        };
        if key.is_empty() {
            return Err(format!(
                "`{s}`: a tag selector is `tag:KEY=VALUE` or `tag:KEY`"
            ));
        }
        return Ok(Selector::Tag {
            key: key.to_string(),
            value,
        });
    }
    const IDS: [&str; 8] = [
        "i-",
        "eni-",
        "sg-",
        "subnet-",
        "vpc-",
        "igw-",
        "cvpn-endpoint-",
        "vae-",
    ];
    if IDS.iter().any(|p| s.starts_with(p)) {
        return Ok(Selector::Id(s.to_string()));
    }
    parse_cidr(s).map(Selector::Cidr).map_err(|_| {
        format!(
            "`{s}`: expected `internet`, `client`, an ID (i-…, eni-…, sg-…, subnet-…, vpc-…, cvpn-endpoint-…), a CIDR, an IP address or `tag:KEY=VALUE`"
        )
    })
}

/// A CIDR, or an address as its /32 (/128).
pub fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    s.parse::<std::net::IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("`{s}`: expected a CIDR or an IP address"))
}

/// `22`, `1024-65535`, `all`.
pub(super) fn parse_range(s: &str, max: u16) -> Result<(u16, u16), String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return Ok((0, max));
    }
    let num = |t: &str| {
        t.trim()
            .parse::<u16>()
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| format!("`{s}`: expected a number 0-{max}, a range `N-M` or `all`"))
    };
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let v = num(s)?;
            (v, v)
        }
    };
    if a > b {
        return Err(format!("`{s}`: the range starts above its end"));
    }
    Ok((a, b))
}

pub(super) fn selectors(cx: &Cx, field: &str, list: &List) -> Result<Vec<Selector>, AssertError> {
    if list.0.is_empty() {
        return Err(cx.err(field, "empty: name at least one source or target"));
    }
    list.0
        .iter()
        .enumerate()
        .map(|(i, s)| parse_selector(s).map_err(|m| cx.err(&format!("{field}[{i}]"), m)))
        .collect()
}

/// Protocols and ports into services.
pub(super) fn services(
    cx: &Cx,
    protocols: Option<&List>,
    ports: Option<&List>,
    proto_field: &str,
    ports_field: &str,
    default: &[Protocol],
) -> Result<Vec<Service>, AssertError> {
    let protocols: Vec<Protocol> = match protocols {
        None => default.to_vec(),
        Some(l) => {
            let mut out = Vec::new();
            for (i, p) in l.0.iter().enumerate() {
                let ps: &[Protocol] = match p.to_ascii_lowercase().as_str() {
                    "tcp" => &[Protocol::TCP],
                    "udp" => &[Protocol::UDP],
                    "icmp" => &[Protocol::ICMP],
                    "icmpv6" => &[Protocol::ICMPV6],
                    "all" | "-1" => &[Protocol::TCP, Protocol::UDP, Protocol::ICMP],
                    _ => {
                        return Err(cx.err(
                            &format!("{proto_field}[{i}]"),
                            format!("`{p}`: expected tcp, udp, icmp, icmpv6 or all"),
                        ));
                    }
                };
                for p in ps {
                    if !out.contains(p) {
                        out.push(*p);
                    }
                }
            }
            if out.is_empty() {
                return Err(cx.err(proto_field, "empty"));
            }
            out
        }
    };
    // With tcp or udp beside it, icmp is every type: the ports are theirs.
    let mixed = protocols.iter().any(|p| p.has_ports());
    let mut out = Vec::new();
    for p in protocols {
        let max = if p.is_icmp() { 255 } else { u16::MAX };
        match ports {
            _ if p.is_icmp() && mixed => out.push(Service {
                protocol: p,
                ports: (0, max),
            }),
            None => out.push(Service {
                protocol: p,
                ports: (0, max),
            }),
            Some(l) if l.0.is_empty() => return Err(cx.err(ports_field, "empty")),
            Some(l) => {
                for (i, s) in l.0.iter().enumerate() {
                    let ports = parse_range(s, max)
                        .map_err(|m| cx.err(&format!("{ports_field}[{i}]"), m))?;
                    out.push(Service { protocol: p, ports });
                }
            }
        }
    }
    Ok(out)
}

pub(super) fn ranges(cx: &Cx, field: &str, l: &List) -> Result<Vec<(u16, u16)>, AssertError> {
    if l.0.is_empty() {
        return Err(cx.err(field, "empty"));
    }
    l.0.iter()
        .enumerate()
        .map(|(i, s)| parse_range(s, u16::MAX).map_err(|m| cx.err(&format!("{field}[{i}]"), m)))
        .collect()
}

pub(super) fn cidrs(cx: &Cx, field: &str, l: &List) -> Result<Vec<IpNet>, AssertError> {
    if l.0.is_empty() {
        return Err(cx.err(field, "empty"));
    }
    l.0.iter()
        .enumerate()
        .map(|(i, s)| parse_cidr(s).map_err(|m| cx.err(&format!("{field}[{i}]"), m)))
        .collect()
}
