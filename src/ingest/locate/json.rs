//! Lines in AWS CLI JSON without a DOM: one pass over the text calls back
//! with every scalar, its path (keys and array indexes) and its line. No IO.

/// A step of a path: an object key (raw, as written) or an array index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Frame<'a> {
    object: bool,
    key: &'a str,
    index: usize,
    want_key: bool,
}

/// Calls `f(path, value, line)` for every scalar of `text` (a string's raw
/// contents without quotes, or a number, `true`, `false`, `null`), `line`
/// 1-based. Malformed text is scanned as far as it goes, never panics.
pub fn scan<'a>(text: &'a str, mut f: impl FnMut(&[Seg<'a>], &'a str, u32)) {
    let b = text.as_bytes();
    let mut stack: Vec<Frame<'a>> = Vec::new();
    let mut path: Vec<Seg<'a>> = Vec::new();
    let mut line = 1u32;
    let mut i = 0;
    let mut emit = |stack: &[Frame<'a>], value: &'a str, line: u32| {
        path.clear();
        path.extend(stack.iter().map(|fr| {
            if fr.object {
                Seg::Key(fr.key)
            } else {
                Seg::Index(fr.index)
            }
        }));
        f(&path, value, line);
    };
    while i < b.len() {
        match b[i] {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                let s = text.get(start..i.min(b.len())).unwrap_or("");
                match stack.last_mut() {
                    Some(top) if top.object && top.want_key => {
                        top.key = s;
                        top.want_key = false;
                    }
                    _ => emit(&stack, s, line),
                }
            }
            b'{' | b'[' => stack.push(Frame {
                object: b[i] == b'{',
                key: "",
                index: 0,
                want_key: b[i] == b'{',
            }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    if top.object {
                        top.want_key = true;
                    } else {
                        top.index += 1;
                    }
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'-' => {
                let start = i;
                while i + 1 < b.len()
                    && (b[i + 1].is_ascii_alphanumeric() || b"+-.".contains(&b[i + 1]))
                {
                    i += 1;
                }
                emit(&stack, text.get(start..=i).unwrap_or(""), line);
            }
            _ => {}
        }
        i += 1;
    }
}

/// Where `id` is defined in `text`: its best occurrence as a value, the
/// array item holding it and the line. Best is the ID under `id_key`
/// directly in an item of the array `doc` (`SecurityGroups[3].GroupId`) at
/// the top level or one level down, then under `id_key` anywhere, then anywhere; the shallowest first.
pub fn find_id(text: &str, id: &str, doc: &str, id_key: &str) -> Option<Hit> {
    let mut best: Option<Hit> = None;
    scan(text, |path, value, line| {
        if value != id {
            return;
        }
        let n = path.len();
        // `Instances` sit one level down, in `Reservations`; deeper is a copy
        // (an instance's `SecurityGroups`).
        let own =
            (3..=5).contains(&n) && path[n - 1] == Seg::Key(id_key) && path[n - 3] == Seg::Key(doc);
        let score = if own {
            3
        } else if path.last() == Some(&Seg::Key(id_key)) {
            2
        } else {
            1
        };
        let better = best.as_ref().is_none_or(|b| {
            (score, std::cmp::Reverse(n)) > (b.score, std::cmp::Reverse(b.item.len() + 1))
        });
        if better {
            best = Some(Hit {
                score,
                line,
                item: path[..n - 1].iter().map(owned).collect(),
            });
        }
    });
    best
}

/// An occurrence: how well it matches, its line and the path of the object
/// holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub score: u8,
    pub line: u32,
    pub item: Vec<OwnedSeg>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedSeg {
    Key(String),
    Index(usize),
}

fn owned(s: &Seg) -> OwnedSeg {
    match s {
        Seg::Key(k) => OwnedSeg::Key((*k).to_string()),
        Seg::Index(i) => OwnedSeg::Index(*i),
    }
}

fn under(path: &[Seg], item: &[OwnedSeg]) -> bool {
    path.len() > item.len()
        && path.iter().zip(item).all(|(a, b)| match (a, b) {
            (Seg::Key(a), OwnedSeg::Key(b)) => a == b,
            (Seg::Index(a), OwnedSeg::Index(b)) => a == b,
            _ => false,
        })
}

/// The line of the network ACL entry `number` (`egress` or ingress) inside
/// `item`: its `RuleNumber`.
pub fn find_nacl_entry(text: &str, item: &[OwnedSeg], number: u32, egress: bool) -> Option<u32> {
    // Per entry (its index under `Entries`): the RuleNumber's line, and Egress.
    let mut entries: std::collections::BTreeMap<usize, (Option<u32>, Option<bool>)> =
        Default::default();
    let want = number.to_string();
    scan(text, |path, value, line| {
        if !under(path, item) {
            return;
        }
        let rest = &path[item.len()..];
        if let [Seg::Key("Entries"), Seg::Index(j), Seg::Key(k)] = rest {
            let e = entries.entry(*j).or_default();
            match *k {
                "RuleNumber" if value == want => e.0 = Some(line),
                "Egress" => e.1 = Some(value == "true"),
                _ => {}
            }
        }
    });
    entries
        .values()
        .find_map(|(line, e)| (*e == Some(egress)).then_some(*line).flatten())
}

/// The first line inside `item` whose value is `value` (a route's destination).
pub fn find_value(text: &str, item: &[OwnedSeg], value: &str) -> Option<u32> {
    let mut found = None;
    scan(text, |path, v, line| {
        if found.is_none() && v == value && under(path, item) {
            found = Some(line);
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
    "SecurityGroupRules": [
        {"GroupId": "sg-1", "SecurityGroupRuleId": "sgr-1"}
    ],
    "SecurityGroups": [
        {
            "IpPermissions": [{"UserIdGroupPairs": [{"GroupId": "sg-1"}]}],
            "GroupId": "sg-1",
            "Tags": [{"Key": "a\"b", "Value": "x"}]
        }
    ],
    "NetworkAcls": [
        {
            "Entries": [
                {"Egress": true, "RuleNumber": 100},
                {
                    "RuleNumber": 100,
                    "Egress": false
                }
            ],
            "NetworkAclId": "acl-1"
        }
    ]
}"#;

    #[test]
    fn the_own_id_key_wins_over_references() {
        let h = find_id(DOC, "sg-1", "SecurityGroups", "GroupId").unwrap();
        assert_eq!((h.score, h.line), (3, 8));
        assert_eq!(
            h.item,
            vec![OwnedSeg::Key("SecurityGroups".into()), OwnedSeg::Index(0)]
        );
        let h = find_id(DOC, "sgr-1", "SecurityGroupRules", "SecurityGroupRuleId").unwrap();
        assert_eq!(h.line, 3);
        assert!(find_id(DOC, "sg-2", "SecurityGroups", "GroupId").is_none());
    }

    #[test]
    fn a_nacl_entry_is_found_by_number_and_direction() {
        let h = find_id(DOC, "acl-1", "NetworkAcls", "NetworkAclId").unwrap();
        assert_eq!(h.line, 21);
        assert_eq!(find_nacl_entry(DOC, &h.item, 100, true), Some(15));
        assert_eq!(find_nacl_entry(DOC, &h.item, 100, false), Some(17));
        assert_eq!(find_nacl_entry(DOC, &h.item, 200, false), None);
    }

    #[test]
    fn malformed_text_does_not_panic() {
        for t in ["", "\"", "{\"a\": \"\\", "]]]}", "{\"a\" 1 2 [", "é\"x"] {
            scan(t, |_, _, _| {});
        }
    }
}
