//! Lines in the YAML model and in Terraform files, read as lines. No IO.

/// Whether `c` can continue an AWS ID (`sg-0ab`, `cvpn-endpoint-1`).
fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// The column of `id:` when `line` declares `id` (`- id: sg-1`,
/// `{id: sg-1, …}`, `id: "sg-1"`).
fn declares(line: &str, id: &str) -> Option<usize> {
    line.match_indices(id).find_map(|(at, _)| {
        let after = line[at + id.len()..].chars().next();
        if after.is_some_and(|c| id_char(c) || c == ':') {
            return None;
        }
        let before = line[..at].trim_end_matches(['"', '\'']).trim_end();
        let key = before.strip_suffix("id:")?;
        let ok = key
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        ok.then_some(before.len() - 3)
    })
}

/// The 0-based index of the line declaring `id` in a YAML model, and the
/// column of its `id:` key.
pub fn yaml_id(text: &str, id: &str) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| declares(l, id).map(|col| (i, col)))
}

/// What a rule label asks for inside its resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleRef {
    /// A network ACL entry: its number, and `egress` (outbound).
    Nacl { number: u32, egress: bool },
    /// An ID of its own (`sgr-…`).
    Id(String),
    /// A value written inside the resource (a route's destination).
    Value(String),
}

impl RuleRef {
    /// Reads the labels the text output writes: `inbound rule 100`,
    /// `outbound rule * (32767, deny all)`, `sgr-…`, anything else a value.
    pub fn parse(label: &str) -> RuleRef {
        let nacl = |dir: &str, egress: bool| {
            let rest = label.strip_prefix(dir)?.strip_prefix(" rule ")?;
            let digits = |s: &str| {
                s.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            };
            let n = match rest.strip_prefix("* (") {
                Some(r) => digits(r),
                None => digits(rest),
            };
            Some(RuleRef::Nacl {
                number: n.parse().ok()?,
                egress,
            })
        };
        nacl("inbound", false)
            .or_else(|| nacl("outbound", true))
            .unwrap_or_else(|| {
                if label.starts_with("sgr-") {
                    RuleRef::Id(label.to_string())
                } else {
                    RuleRef::Value(label.to_string())
                }
            })
    }
}

/// In a YAML model, the line of `rule` inside the item declared at line
/// `at` whose `id:` is at column `col`: the lines after it indented at least
/// as deep. A network ACL entry is `rule: N` under `inbound:`/`outbound:`.
pub fn yaml_rule(text: &str, at: usize, col: usize, rule: &RuleRef) -> Option<usize> {
    let mut egress = None;
    for (i, l) in text.lines().enumerate().skip(at + 1) {
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if l.len() - t.len() < col {
            return None;
        }
        if t.starts_with("inbound:") {
            egress = Some(false);
        } else if t.starts_with("outbound:") {
            egress = Some(true);
        }
        let hit = match rule {
            RuleRef::Nacl { number, egress: e } => {
                egress == Some(*e) && token_after(l, "rule:", &number.to_string())
            }
            RuleRef::Id(v) | RuleRef::Value(v) => l.match_indices(v.as_str()).any(|(at, _)| {
                let ok = |c: Option<char>| c.is_none_or(|c| !id_char(c) && c != '/');
                ok(l[..at].chars().next_back()) && ok(l[at + v.len()..].chars().next())
            }),
        };
        if hit {
            return Some(i);
        }
    }
    None
}

/// `line` has `key` followed by the value `v` (a whole token).
fn token_after(line: &str, key: &str, v: &str) -> bool {
    line.match_indices(key).any(|(at, _)| {
        let rest = line[at + key.len()..].trim_start();
        rest.strip_prefix(v)
            .is_some_and(|r| r.chars().next().is_none_or(|c| !c.is_ascii_alphanumeric()))
    })
}

/// A Terraform address as blocks are declared: `module.net.aws_x.y[0]` is
/// `resource "aws_x" "y"` in module `net`; `data.aws_x.y` a `data` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfAddress {
    pub modules: Vec<String>,
    /// `resource` or `data`.
    pub block: &'static str,
    pub kind: String,
    pub name: String,
}

impl TfAddress {
    /// Instance keys (`[0]`, `["k"]`) are dropped, on modules too.
    pub fn parse(address: &str) -> Option<TfAddress> {
        let mut plain = String::new();
        let (mut depth, mut quoted) = (0, false);
        for c in address.chars() {
            match c {
                '"' if depth > 0 => quoted = !quoted,
                '[' if !quoted => depth += 1,
                ']' if !quoted && depth > 0 => depth -= 1,
                _ if depth == 0 => plain.push(c),
                _ => {}
            }
        }
        let parts: Vec<&str> = plain.split('.').collect();
        let mut modules = Vec::new();
        let mut i = 0;
        while parts.get(i) == Some(&"module") {
            modules.push(parts.get(i + 1)?.to_string());
            i += 2;
        }
        let (block, rest) = match parts.get(i) {
            Some(&"data") => ("data", &parts[i + 1..]),
            _ => ("resource", &parts[i..]),
        };
        match rest {
            [kind, name] if !kind.is_empty() && !name.is_empty() => Some(TfAddress {
                modules,
                block,
                kind: kind.to_string(),
                name: name.to_string(),
            }),
            _ => None,
        }
    }

    /// The 0-based line of this block's declaration in `text`.
    pub fn line_in(&self, text: &str) -> Option<usize> {
        text.lines().position(|l| {
            let mut t = l.split_whitespace();
            t.next() == Some(self.block)
                && t.next().map(|s| s.trim_matches('"')) == Some(self.kind.as_str())
                && t.next().map(|s| s.trim_end_matches('{').trim_matches('"'))
                    == Some(self.name.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_ids_are_found_where_declared_not_referenced() {
        let t = "subnets:\n  - {id: subnet-a, nacl: acl-1}\nnetwork_acls:\n  - id: acl-1\n    inbound:\n      - {rule: 100, action: allow}\n    outbound:\n      - {rule: 100, action: allow}\n  - id: acl-10\n";
        assert_eq!(yaml_id(t, "acl-1"), Some((3, 4)));
        assert_eq!(yaml_id(t, "subnet-a"), Some((1, 5)));
        assert_eq!(yaml_id(t, "acl-2"), None);
        let out = RuleRef::parse("outbound rule 100");
        assert_eq!(
            out,
            RuleRef::Nacl {
                number: 100,
                egress: true
            }
        );
        assert_eq!(yaml_rule(t, 3, 4, &out), Some(7));
        assert_eq!(
            yaml_rule(t, 3, 4, &RuleRef::parse("inbound rule 100")),
            Some(5)
        );
        assert_eq!(
            yaml_rule(t, 3, 4, &RuleRef::parse("inbound rule 110")),
            None
        );
    }

    #[test]
    fn rule_labels_parse() {
        assert_eq!(
            RuleRef::parse("inbound rule * (32768, deny all)"),
            RuleRef::Nacl {
                number: 32768,
                egress: false
            }
        );
        assert_eq!(RuleRef::parse("sgr-0ab"), RuleRef::Id("sgr-0ab".into()));
        assert_eq!(
            RuleRef::parse("0.0.0.0/0"),
            RuleRef::Value("0.0.0.0/0".into())
        );
    }

    #[test]
    fn terraform_addresses_map_to_blocks() {
        let a = TfAddress::parse("module.net[\"a.b\"].module.sg.aws_security_group_rule.ssh[0]")
            .unwrap();
        assert_eq!(a.modules, ["net", "sg"]);
        assert_eq!(
            (a.block, a.kind.as_str(), a.name.as_str()),
            ("resource", "aws_security_group_rule", "ssh")
        );
        let t = "# x\nresource \"aws_security_group\" \"ssh\" {}\nresource \"aws_security_group_rule\" \"ssh\" {\n}\n";
        assert_eq!(a.line_in(t), Some(2));
        assert_eq!(TfAddress::parse("data.aws_vpc.main").unwrap().block, "data");
        assert_eq!(TfAddress::parse("aws_x"), None);
    }
}
