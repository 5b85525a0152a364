//! The mutators: byte-level (flip, insert, delete, duplicate, splice between
//! seeds), line-level for YAML (delete, duplicate, swap, re-indent, anchors and
//! aliases), and structure-aware on a parsed document (`serde_json::Value`):
//! values changed in type, numbers to extremes, strings to empty, huge, odd
//! Unicode or odd CIDRs, keys and array items deleted or duplicated, and IDs
//! swapped between resources so that references dangle or collide.
//!
//! Every choice is drawn from one seeded `TestRng` (proptest's ChaCha), so a
//! run is reproduced by its seed.

use proptest::prelude::RngExt;
use proptest::test_runner::TestRng;
use serde_json::{Map, Value};

/// What the seeds hold, to draw replacements from: their strings (IDs among
/// them: swapping two makes references dangle or collide), keys, small
/// subtrees, and the raw documents (for splicing).
#[derive(Default)]
pub struct Pool {
    pub strings: Vec<String>,
    pub ids: Vec<String>,
    pub ips: Vec<String>,
    pub keys: Vec<String>,
    pub subtrees: Vec<Value>,
    pub raw: Vec<Vec<u8>>,
}

impl Pool {
    /// Adds a seed document: its bytes, and what its parsed value holds.
    pub fn add(&mut self, raw: &[u8], value: Option<&Value>) {
        self.raw.push(raw.to_vec());
        if let Some(v) = value {
            self.walk(v);
        }
    }

    fn walk(&mut self, v: &Value) {
        match v {
            Value::String(s) => self.add_string(s),
            Value::Array(a) => {
                self.add_subtree(v);
                a.iter().for_each(|x| self.walk(x));
            }
            Value::Object(m) => {
                self.add_subtree(v);
                for (k, x) in m {
                    if !self.keys.contains(k) {
                        self.keys.push(k.clone());
                    }
                    self.walk(x);
                }
            }
            _ => {}
        }
    }

    fn add_subtree(&mut self, v: &Value) {
        if self.subtrees.len() < 4000 && v.to_string().len() < 2000 {
            self.subtrees.push(v.clone());
        }
    }

    pub fn add_string(&mut self, s: &str) {
        if self.strings.len() < 20_000 && !self.strings.iter().any(|x| x == s) {
            self.strings.push(s.to_string());
        }
        if looks_like_id(s) && !self.ids.iter().any(|x| x == s) {
            self.ids.push(s.to_string());
        }
        let addr = s.split('/').next().unwrap_or(s);
        if addr.parse::<std::net::IpAddr>().is_ok() && !self.ips.iter().any(|x| x == addr) {
            self.ips.push(addr.to_string());
        }
    }
}

/// `vpc-0a1b…`, `subnet-…`, `cvpn-endpoint-…`, `sg-…`: an AWS resource ID.
pub fn looks_like_id(s: &str) -> bool {
    let Some((prefix, rest)) = s.rsplit_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && !rest.is_empty()
        && prefix.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        && rest.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Numbers at the edges: of ports, rule numbers, prefix lengths, u16/u32/i64/u64.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "8",
    "32",
    "33",
    "128",
    "129",
    "255",
    "256",
    "32766",
    "32767",
    "32768",
    "65535",
    "65536",
    "2147483647",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "1e308",
    "-1.5",
    "0.5",
    "-0",
];

/// Odd strings: CIDRs and addresses out of range or of the other family,
/// port and protocol spellings, states, empty, control and bidi characters.
const STRINGS: &[&str] = &[
    "",
    " ",
    "10.0.0.0/33",
    "::/0",
    "1.2.3.4/0",
    "0.0.0.0/0",
    "10.0.0.256/24",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    "10.0.0.0/",
    "/24",
    "fe80::/129",
    "fe80::1%eth0",
    "::ffff:10.0.0.1",
    "::ffff:10.0.0.0/104",
    "2001:db8::/32",
    "2001:db8::1",
    "255.255.255.255/32",
    "255.255.255.255",
    "0.0.0.0",
    "::",
    "10.0.0.1",
    "010.0.0.0/8",
    "10.0.0.0/08",
    "1.2.3",
    "-1",
    "all",
    "6",
    "17",
    "1",
    "58",
    "icmpv6",
    "icmp",
    "tcp",
    "TCP",
    "udp",
    "999",
    "0-65535",
    "65535-0",
    "22-",
    "*",
    "null",
    "true",
    "available",
    "in-use",
    "attached",
    "detached",
    "blackhole",
    "active",
    "deleted",
    "local",
    "allow",
    "deny",
    "ingress",
    "egress",
    "network-interface",
    "load-balancer",
    "rds",
    "cidr",
    "certificate-authentication",
    "directory-service-authentication",
    "federated-authentication",
    "igw-",
    "pl-",
    "i-",
    "eni-",
    "\u{0}",
    "a\u{0}b",
    "é",
    "\u{1F600}",
    "\u{202e}gpj.exe",
    "\u{feff}",
    "\u{10ffff}",
    "permit(principal,action,resource);",
    "forbid(principal,action,resource);",
    "permit(principal,action,resource) when { context.a.b == 1 };",
    "permit(",
];

/// Tokens for byte-level insertion: JSON, YAML and query syntax.
const TOKENS: &[&str] = &[
    "null",
    "true",
    "-1",
    "1e999",
    "\"\"",
    "{}",
    "[]",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\n",
    "  ",
    "\t",
    "\r\n",
    "0.0.0.0/0",
    "::/0",
    "/33",
    "/0",
    "->",
    "-",
    "/",
    "*",
    "&a ",
    "*a",
    "!!str ",
    "!!binary ",
    "!!int ",
    "!custom ",
    "? ",
    "- ",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "#",
    "'",
    "|\n",
    ">-\n",
    "<<: ",
    "~",
    ".inf",
    ".nan",
    "0x10",
    "0o7",
    "1_000",
    "\\u0000",
    "\\ud800",
    "\u{feff}",
    "é",
    "\u{202e}",
    "i-",
    "eni-",
    "sg-",
];

pub fn pick<'a, T>(rng: &mut TestRng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        Some(&items[rng.random_range(0..items.len())])
    }
}

/// How many mutations: mostly one or two, sometimes many.
pub fn count(rng: &mut TestRng) -> usize {
    match rng.random_range(0..10) {
        0..=4 => 1,
        5..=7 => 2,
        8 => rng.random_range(3..6),
        _ => rng.random_range(6..16),
    }
}

fn interesting_byte(rng: &mut TestRng) -> u8 {
    *pick(
        rng,
        b"\0\xff\x80\xc3\xed\"{}[]:,\n '-/.0123456789#&*!|>?%\\",
    )
    .unwrap()
}

/// Byte-level mutations, `n` of them.
pub fn bytes(rng: &mut TestRng, data: &mut Vec<u8>, pool: &Pool, n: usize) {
    for _ in 0..n {
        let len = data.len();
        let at = rng.random_range(0..=len);
        match rng.random_range(0..11) {
            0 if len > 0 => {
                let i = at.min(len - 1);
                data[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let i = at.min(len - 1);
                data[i] = interesting_byte(rng);
            }
            2 => {
                let b: Vec<u8> = (0..rng.random_range(1..8))
                    .map(|_| interesting_byte(rng))
                    .collect();
                data.splice(at..at, b);
            }
            3 => {
                let t = pick(rng, TOKENS).unwrap().as_bytes().to_vec();
                data.splice(at..at, t);
            }
            4 | 5 if len > 0 => {
                // Delete a range: mostly short, sometimes long.
                let max = if rng.random_bool(0.8) { 8 } else { len };
                let end = (at + rng.random_range(1..=max.max(1))).min(len);
                data.drain(at.min(end)..end);
            }
            6 if len > 0 => {
                // Duplicate a range elsewhere.
                let (a, b) = range(rng, len);
                let chunk = data[a..b].to_vec();
                let to = rng.random_range(0..=len);
                data.splice(to..to, chunk);
            }
            7 => {
                // Splice in a range of another seed.
                if let Some(other) = pick(rng, &pool.raw)
                    && !other.is_empty()
                {
                    let (a, b) = range(rng, other.len());
                    let chunk = other[a..b].to_vec();
                    if rng.random_bool(0.5) || len == 0 {
                        data.splice(at..at, chunk);
                    } else {
                        let (c, d) = range(rng, len);
                        data.splice(c..d, chunk);
                    }
                }
            }
            8 => data.truncate(at),
            9 => {
                // A run of digits to an extreme number.
                if let Some((a, b)) = digit_run(data, at) {
                    let num = pick(rng, NUMBERS).unwrap().as_bytes().to_vec();
                    data.splice(a..b, num);
                }
            }
            10 => {
                // Swap one ID or address for another from the seeds.
                let from = if rng.random_bool(0.7) {
                    &pool.ids
                } else {
                    &pool.ips
                };
                if let (Some(a), Some(b)) = (pick(rng, from), pick(rng, from)) {
                    replace_first(data, a.as_bytes(), b.as_bytes());
                }
            }
            _ => {}
        }
    }
}

fn range(rng: &mut TestRng, len: usize) -> (usize, usize) {
    let a = rng.random_range(0..len);
    let max = (len - a).min(if rng.random_bool(0.8) { 64 } else { len });
    (a, a + rng.random_range(1..=max.max(1)).min(len - a))
}

fn digit_run(data: &[u8], from: usize) -> Option<(usize, usize)> {
    let a = (from..data.len()).find(|&i| data[i].is_ascii_digit())?;
    let b = (a..data.len())
        .find(|&i| !data[i].is_ascii_digit())
        .unwrap_or(data.len());
    Some((a, b))
}

fn replace_first(data: &mut Vec<u8>, from: &[u8], to: &[u8]) {
    if from.is_empty() || from.len() > data.len() {
        return;
    }
    if let Some(i) = data.windows(from.len()).position(|w| w == from) {
        data.splice(i..i + from.len(), to.iter().copied());
    }
}

/// Line-level mutations of YAML text, `n` of them.
pub fn lines(rng: &mut TestRng, text: &str, pool: &Pool, n: usize) -> String {
    let mut ls: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..n {
        if ls.is_empty() {
            ls.push(String::new());
        }
        let i = rng.random_range(0..ls.len());
        match rng.random_range(0..9) {
            0 => {
                ls.remove(i);
            }
            1 => {
                let l = ls[i].clone();
                ls.insert(i, l);
            }
            2 => {
                let j = rng.random_range(0..ls.len());
                ls.swap(i, j);
            }
            3 => {
                // Re-indent by one or two spaces, either way.
                if rng.random_bool(0.5) {
                    ls[i].insert_str(0, if rng.random_bool(0.5) { " " } else { "  " });
                } else {
                    let cut = ls[i].len() - ls[i].trim_start().len();
                    ls[i].drain(..cut.min(rng.random_range(1..=2)));
                }
            }
            4 => {
                // A line from another seed.
                if let Some(other) = pick(rng, &pool.raw) {
                    let other = String::from_utf8_lossy(other);
                    let others: Vec<&str> = other.lines().collect();
                    if let Some(l) = pick(rng, &others) {
                        ls.insert(i, l.to_string());
                    }
                }
            }
            5 => {
                // An anchor on one list item, an alias for another.
                if let Some(a) = ls.iter().position(|l| l.trim_start().starts_with("- ")) {
                    let pos = ls[a].find("- ").unwrap() + 2;
                    ls[a].insert_str(pos, "&fz ");
                    let items: Vec<usize> = (0..ls.len())
                        .filter(|&k| k != a && ls[k].trim_start().starts_with("- "))
                        .collect();
                    if let Some(&b) = pick(rng, &items) {
                        let pos = ls[b].find("- ").unwrap() + 2;
                        ls[b].truncate(pos);
                        ls[b].push_str("*fz");
                    }
                }
            }
            6 => {
                // Alias expansion that grows exponentially (a billion laughs).
                let depth = rng.random_range(3..12);
                let mut block =
                    String::from("fuzz_laughs:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
                for d in 1..depth {
                    let refs = vec![format!("*l{}", d - 1); 10].join(", ");
                    block.push_str(&format!("  l{d}: &l{d} [{refs}]\n"));
                }
                let at = if rng.random_bool(0.5) { ls.len() } else { i };
                ls.insert(at, block);
            }
            7 => {
                // A value into a long string, or into a nested flow collection.
                let l = &mut ls[i];
                if let Some(c) = l.find(": ") {
                    l.truncate(c + 2);
                    if rng.random_bool(0.5) {
                        l.push_str(&"x".repeat(rng.random_range(1000..100_000)));
                    } else {
                        let depth = rng.random_range(10..300);
                        l.push_str(&"[".repeat(depth));
                        l.push_str(&"]".repeat(depth));
                    }
                }
            }
            _ => {
                let t = pick(rng, TOKENS).unwrap();
                let at = rng.random_range(0..=ls[i].len());
                if ls[i].is_char_boundary(at) {
                    ls[i].insert_str(at, t);
                }
            }
        }
    }
    let mut out = ls.join("\n");
    out.push('\n');
    out
}

/// Structure-aware mutations of a parsed document, `n` of them.
pub fn value(rng: &mut TestRng, v: &mut Value, pool: &Pool, n: usize) {
    for _ in 0..n {
        let nodes = count_nodes(v);
        let mut k = rng.random_range(0..nodes);
        if let Some(node) = nth_mut(v, &mut k) {
            mutate_node(rng, node, pool);
        }
    }
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        Value::Object(m) => m.values().map(count_nodes).sum(),
        _ => 0,
    }
}

fn nth_mut<'v>(v: &'v mut Value, k: &mut usize) -> Option<&'v mut Value> {
    if *k == 0 {
        return Some(v);
    }
    *k -= 1;
    match v {
        Value::Array(a) => a.iter_mut().find_map(|x| nth_mut(x, k)),
        Value::Object(m) => m.values_mut().find_map(|x| nth_mut(x, k)),
        _ => None,
    }
}

pub fn scalar(rng: &mut TestRng, pool: &Pool) -> Value {
    match rng.random_range(0..7) {
        0 => Value::Null,
        1 => Value::Bool(rng.random_bool(0.5)),
        2 => number(rng),
        3 => Value::String(pick(rng, STRINGS).unwrap().to_string()),
        4 => Value::Array(Vec::new()),
        5 => Value::Object(Map::new()),
        _ => Value::String(pick(rng, &pool.strings).cloned().unwrap_or_default()),
    }
}

fn number(rng: &mut TestRng) -> Value {
    let text = pick(rng, NUMBERS).unwrap();
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn mutate_node(rng: &mut TestRng, node: &mut Value, pool: &Pool) {
    // Any node: another type, or a subtree from a seed.
    match rng.random_range(0..10) {
        0 => {
            *node = scalar(rng, pool);
            return;
        }
        1 => {
            if let Some(t) = pick(rng, &pool.subtrees) {
                *node = t.clone();
            }
            return;
        }
        2 => {
            let inner = node.take();
            *node = if rng.random_bool(0.5) {
                Value::Array(vec![inner])
            } else {
                let key = pick(rng, &pool.keys).cloned().unwrap_or_default();
                Value::Object(Map::from_iter([(key, inner)]))
            };
            return;
        }
        _ => {}
    }
    match node {
        Value::Null => *node = scalar(rng, pool),
        Value::Bool(b) => *b = !*b,
        Value::Number(_) => {
            *node = if rng.random_bool(0.8) {
                number(rng)
            } else {
                Value::String(node.to_string())
            };
        }
        Value::String(s) => string(rng, s, pool),
        Value::Array(a) => {
            let len = a.len();
            match rng.random_range(0..7) {
                0 if len > 0 => {
                    a.remove(rng.random_range(0..len));
                }
                // Duplicate an item: the same ID twice.
                1 if len > 0 => {
                    let x = a[rng.random_range(0..len)].clone();
                    a.insert(rng.random_range(0..=len), x);
                }
                2 if len > 1 => a.swap(rng.random_range(0..len), rng.random_range(0..len)),
                3 => a.clear(),
                4 => {
                    if let Some(t) = pick(rng, &pool.subtrees) {
                        a.insert(rng.random_range(0..=len), t.clone());
                    }
                }
                // Many copies of an item.
                5 if len > 0 => {
                    let x = a[rng.random_range(0..len)].clone();
                    let copies = rng.random_range(10..300);
                    a.extend(std::iter::repeat_n(x, copies));
                }
                _ => a.push(scalar(rng, pool)),
            }
        }
        Value::Object(m) => {
            let len = m.len();
            match rng.random_range(0..6) {
                0 | 1 if len > 0 => {
                    let k = m.keys().nth(rng.random_range(0..len)).cloned().unwrap();
                    m.shift_remove(&k);
                }
                // Rename a key (to another known key, or a near miss).
                2 if len > 0 => {
                    let k = m.keys().nth(rng.random_range(0..len)).cloned().unwrap();
                    if let Some(v) = m.shift_remove(&k) {
                        let new = if rng.random_bool(0.7) {
                            pick(rng, &pool.keys).cloned().unwrap_or_default()
                        } else {
                            let mut b = k.into_bytes();
                            self::bytes(rng, &mut b, pool, 1);
                            String::from_utf8_lossy(&b).into_owned()
                        };
                        m.insert(new, v);
                    }
                }
                3 => {
                    let key = pick(rng, &pool.keys).cloned().unwrap_or_default();
                    let v = if rng.random_bool(0.5) {
                        pick(rng, &pool.subtrees).cloned().unwrap_or(Value::Null)
                    } else {
                        scalar(rng, pool)
                    };
                    m.insert(key, v);
                }
                4 => m.clear(),
                _ => {
                    // Copy a sibling's value to another key.
                    if len > 0 {
                        let v = m.values().nth(rng.random_range(0..len)).cloned().unwrap();
                        let key = pick(rng, &pool.keys).cloned().unwrap_or_default();
                        m.insert(key, v);
                    }
                }
            }
        }
    }
}

fn string(rng: &mut TestRng, s: &mut String, pool: &Pool) {
    match rng.random_range(0..9) {
        // Another resource's ID: dangling or colliding references.
        0..=2 => {
            if let Some(id) = pick(rng, &pool.ids) {
                *s = id.clone();
            }
        }
        3 => *s = pick(rng, STRINGS).unwrap().to_string(),
        4 => {
            if let Some(ip) = pick(rng, &pool.ips) {
                *s = if s.contains('/') {
                    let len = rng.random_range(0..=130);
                    format!("{ip}/{len}")
                } else {
                    ip.clone()
                };
            }
        }
        5 => {
            let unit = pick(rng, &["a", "é", "\u{1F600}", "0", "-", "/"]).unwrap();
            *s = unit.repeat(rng.random_range(100..20_000));
        }
        6 => {
            // A CIDR's prefix length out of range, or the other family.
            if let Some((addr, _)) = s.split_once('/') {
                let len = pick(rng, &["0", "33", "64", "128", "129", "-1", "", "999999999"]);
                *s = format!("{addr}/{}", len.unwrap());
            } else {
                s.push_str("/33");
            }
        }
        7 => {
            let mut b = std::mem::take(s).into_bytes();
            let n = count(rng);
            bytes(rng, &mut b, pool, n);
            *s = String::from_utf8_lossy(&b).into_owned();
        }
        _ => *s = s.to_uppercase(),
    }
}
