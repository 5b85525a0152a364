//! Small value types shared by the AWS and YAML readers. Each parses in its
//! `Deserialize` impl so a bad value is reported with its exact field path.
//! Also the checks on CIDRs that the YAML reader (errors) and `finish`
//! (warnings on a snapshot) share.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_path_to_error::{Path, Segment};

use crate::model::{PortMatch, Protocol, Subnet, Vpc};

/// Parses a CIDR; a bare address is its host prefix. Host bits must be clear.
pub(crate) fn parse_net(s: &str) -> Result<IpNet, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<IpNet>() {
        if n.trunc() != n {
            return Err(format!(
                "invalid cidr `{s}`: host bits set (`{}` or `{}`?)",
                n.trunc(),
                IpNet::from(n.addr())
            ));
        }
        return Ok(n);
    }
    if let Ok(a) = t.parse::<IpAddr>() {
        return Ok(IpNet::from(a));
    }
    Err(format!("invalid cidr `{s}`"))
}

/// A CIDR block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Net(pub IpNet);

impl<'de> Deserialize<'de> for Net {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_net(&s).map(Net).map_err(de::Error::custom)
    }
}

/// An IP address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ip(pub IpAddr);

impl<'de> Deserialize<'de> for Ip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.trim()
            .parse::<IpAddr>()
            .map(Ip)
            .map_err(|_| de::Error::custom(format!("invalid ip address `{s}`")))
    }
}

/// A protocol: `-1`, `all`, `tcp`, `udp`, `icmp`, `icmpv6` or a number, as a string or a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Proto(pub Protocol);

impl<'de> Deserialize<'de> for Proto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Proto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a protocol (-1, all, tcp, udp, icmp, icmpv6 or a number)")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Proto, E> {
                Protocol::parse(s.trim())
                    .map(Proto)
                    .ok_or_else(|| E::custom(format!("invalid protocol `{s}`")))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Proto, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Proto, E> {
                self.visit_str(&n.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// A port range written `22`, `"1024-65535"` or `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub fn parse(s: &str) -> Option<PortRange> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Some(PortRange { from: 0, to: 65535 });
        }
        let (a, b) = match s.split_once('-') {
            Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => {
                let p = s.parse().ok()?;
                (p, p)
            }
        };
        (a <= b).then_some(PortRange { from: a, to: b })
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PortRange;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a port, a range `N-M`, or `all`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PortRange, E> {
                PortRange::parse(s).ok_or_else(|| E::custom(format!("invalid port range `{s}`")))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<PortRange, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<PortRange, E> {
                self.visit_str(&n.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// One value or a list of them (`from: 10.0.0.0/8` or `from: [a, b]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                let v = T::deserialize(de::value::StrDeserializer::<E>::new(s))?;
                Ok(OneOrMany(vec![v]))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                let v = T::deserialize(de::value::I64Deserializer::<E>::new(n))?;
                Ok(OneOrMany(vec![v]))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                let v = T::deserialize(de::value::U64Deserializer::<E>::new(n))?;
                Ok(OneOrMany(vec![v]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Converts an ICMP type/code from AWS (`-1` = all) to the model.
pub(crate) fn icmp_part(v: Option<i64>) -> Result<Option<u8>, String> {
    match v {
        None | Some(-1) => Ok(None),
        Some(n) => u8::try_from(n)
            .map(Some)
            .map_err(|_| format!("invalid icmp type/code `{n}`")),
    }
}

/// Converts an AWS from/to port pair (missing or `-1` = all) to a range.
pub(crate) fn aws_ports(from: Option<i64>, to: Option<i64>) -> Result<PortMatch, String> {
    let conv = |v: Option<i64>, dflt: u16| -> Result<u16, String> {
        match v {
            None | Some(-1) => Ok(dflt),
            Some(n) => u16::try_from(n).map_err(|_| format!("invalid port `{n}`")),
        }
    };
    let (from, to) = (conv(from, 0)?, conv(to, 65535)?);
    if from > to {
        return Err(format!("invalid port range `{from}-{to}`"));
    }
    Ok(PortMatch::Ports { from, to })
}

/// Ports of an AWS rule: tcp/udp ranges (missing or -1 = all), ICMP type/code, or any.
pub(crate) fn rule_ports(
    p: Protocol,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<PortMatch, String> {
    if p.has_ports() {
        aws_ports(from, to)
    } else if p.is_icmp() {
        Ok(PortMatch::Icmp {
            icmp_type: icmp_part(from)?,
            code: icmp_part(to)?,
        })
    } else {
        Ok(PortMatch::Any)
    }
}

/// Formats a path (or a tail of one) as `a.b[2].c`.
pub(crate) fn fmt_segments<'a>(segs: impl IntoIterator<Item = &'a Segment>) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}

pub(crate) fn fmt_path(p: &Path) -> String {
    fmt_segments(p.iter())
}

/// Why `cidr` of a subnet is not inside its VPC, if it is not: a subnet's
/// CIDR lies in one of the VPC's CIDRs of its family.
pub(crate) fn outside_vpc(cidr: &IpNet, vpc: &Vpc) -> Option<String> {
    let family: Vec<&IpNet> = vpc
        .cidrs
        .iter()
        .filter(|v| v.addr().is_ipv6() == cidr.addr().is_ipv6())
        .collect();
    if family.iter().any(|v| v.contains(cidr)) {
        return None;
    }
    let fam = if cidr.addr().is_ipv6() {
        "ipv6"
    } else {
        "ipv4"
    };
    Some(if family.is_empty() {
        format!(
            "`{cidr}` is outside vpc `{}`, which has no {fam} cidr",
            vpc.id
        )
    } else {
        let list: Vec<String> = family.iter().map(ToString::to_string).collect();
        format!(
            "`{cidr}` is outside vpc `{}`'s {fam} cidrs ({})",
            vpc.id,
            list.join(", ")
        )
    })
}

/// The first CIDR of `other` that overlaps `cidr` (of the same family).
pub(crate) fn overlapping<'a>(cidr: &IpNet, other: &'a Subnet) -> Option<&'a IpNet> {
    other
        .cidrs
        .iter()
        .find(|c| c.contains(cidr) || cidr.contains(*c))
}

/// Appends `x` unless `v` holds it already.
pub(crate) fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// An AWS tag (`Tags` / `TagSet` items): `Key`, `Value`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagDto {
    key: String,
    #[serde(default)]
    value: Option<String>,
}

/// AWS tags as the model keeps them (a later duplicate key wins).
pub(crate) fn tag_map(tags: Vec<TagDto>) -> std::collections::BTreeMap<String, String> {
    tags.into_iter()
        .map(|t| (t.key, t.value.unwrap_or_default()))
        .collect()
}
