//! The report as text for a person: the verdict and what differs (per user
//! class for `client`, per packets otherwise), the paths in the order packets
//! meet their hops, then what blocks, what is unknown and what is assumed.
//! Repeated paths fold to one line, so a query reads in about 40 lines; the
//! JSON has everything.

use std::fmt::Write;

use super::packets::PacketsOut;
use super::report::{HopOut, PathOut, Report};

/// At most this many packet boxes per list.
const MAX_BOXES: usize = 3;

/// How a user (class) reads in text: `group G`, `users in A and B`, `no group`.
fn who(group: Option<&str>) -> String {
    match group {
        Some(g) if crate::engine::users::is_class(g) => g.to_string(),
        Some(g) => format!("group {g}"),
        None => "no group".into(),
    }
}

/// `s` in ANSI colour `code` when `color`.
fn painted(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn verdict_color_of(v: &str) -> &'static str {
    match v {
        "reachable" => "1;32",
        "unreachable" => "1;31",
        _ => "1;33",
    }
}

fn boxes(b: &[PacketsOut]) -> String {
    let mut items: Vec<&str> = b.iter().take(MAX_BOXES).map(|p| p.text.as_str()).collect();
    let more;
    if b.len() > MAX_BOXES {
        more = format!("… ({} more in --format json)", b.len() - MAX_BOXES);
        items.push(&more);
    }
    items.join("; ")
}

fn via_text(p: &PathOut) -> String {
    p.via
        .as_ref()
        .map(|v| {
            let mut parts = vec![v.endpoint.clone()];
            parts.extend(v.association.clone());
            parts.push(who(v.group.as_deref()));
            format!(" via {}", parts.join(", "))
        })
        .unwrap_or_default()
}

/// A path's hops without the first `connect` hop (it names the user class),
/// to find paths that differ only in who connects.
fn shape(p: &PathOut) -> (Vec<&HopOut>, &Vec<HopOut>, Option<&str>) {
    let hops = p
        .hops
        .iter()
        .filter(|h| h.action != "connect")
        .collect::<Vec<_>>();
    (hops, &p.return_hops, p.stops)
}

fn hop_rule(h: &HopOut) -> String {
    if h.entries.is_empty() {
        h.rule.clone()
    } else {
        format!("{} (entries {})", h.rule, h.entries.join(", "))
    }
}

impl Report {
    /// Text for a person; ANSI colour only when `color`. With a proof, its
    /// lines come last.
    pub fn to_text(&self, color: bool) -> String {
        match &self.proof {
            Some(p) => self.body_text(color) + &p.to_text(),
            None => self.body_text(color),
        }
    }

    /// Text that leads with the proof (`reach prove`).
    pub fn to_text_proof_first(&self, color: bool) -> String {
        match &self.proof {
            Some(p) => p.to_text() + "\n" + &self.body_text(color),
            None => self.body_text(color),
        }
    }

    fn body_text(&self, color: bool) -> String {
        let mut o = self.summary_text(color);
        self.paths_text(&mut o, color);
        self.sections_text(&mut o, color);
        o
    }

    /// `VERDICT: SRC -> DST:PORT/PROTO`, without a newline.
    pub(super) fn verdict_line(&self, color: bool) -> String {
        let q = &self.query;
        // An IPv6 destination prints bracketed, as the query is written.
        let dst = if q.destination.contains(':') {
            format!("[{}]", q.destination)
        } else {
            q.destination.clone()
        };
        format!(
            "{}: {} -> {dst}:{}/{}",
            painted(color, verdict_color_of(self.verdict), self.verdict),
            q.source,
            q.ports,
            q.protocol
        )
    }

    /// The verdict line and what differs.
    fn summary_text(&self, color: bool) -> String {
        let paint = |code: &str, s: &str| painted(color, code, s);
        let mut o = self.verdict_line(color) + "\n";
        if self.access.is_empty() {
            // What differs, by packets.
            if !self.reachable_packets.is_empty() && self.verdict != "reachable" {
                let _ = writeln!(o, "  gets through: {}", boxes(&self.reachable_packets));
            }
            if !self.unreachable_packets.is_empty()
                && !matches!(self.verdict, "unreachable" | "unknown")
            {
                let _ = writeln!(o, "  does not: {}", boxes(&self.unreachable_packets));
            }
            if !self.undecided_packets.is_empty() {
                let _ = writeln!(o, "  undecided: {}", boxes(&self.undecided_packets));
            }
        } else {
            // What differs, by user class and association.
            for x in &self.access {
                let mut line = format!(
                    "  {} {}: {}",
                    x.endpoint,
                    who(x.group.as_deref()),
                    paint(verdict_color_of(x.verdict), x.verdict)
                );
                let assocs: Vec<String> = x
                    .associations
                    .iter()
                    .map(|a| {
                        if a.association == a.subnet {
                            format!("{} {}", a.subnet, a.verdict)
                        } else {
                            format!("{} ({}) {}", a.association, a.subnet, a.verdict)
                        }
                    })
                    .collect();
                if !assocs.is_empty() {
                    line += &format!(" [{}]", assocs.join(", "));
                }
                if !x.blocked_by.is_empty() {
                    line += &format!("; blocked by {}", x.blocked_by.join(", "));
                }
                if !x.unknown_at.is_empty() {
                    line += &format!("; undecided at {}", x.unknown_at.join(", "));
                }
                let _ = writeln!(o, "{line}");
            }
        }
        o
    }

    /// The paths: one of each kind in full, the others folded.
    fn paths_text(&self, o: &mut String, color: bool) {
        let paint = |code: &str, s: &str| painted(color, code, s);
        let mut shown: Vec<(usize, &PathOut)> = Vec::new();
        let mut full_stop = false;
        let mut full_through = false;
        // Paths that get through first: a stopped path then reads as the
        // hops it shares with one of them, and where it stops.
        let mut order: Vec<(usize, &PathOut)> = self.paths.iter().enumerate().collect();
        order.sort_by_key(|(_, p)| p.stops.is_some());
        // Numbered in the order shown.
        for (n, (_, p)) in order.into_iter().enumerate() {
            let via = via_text(p);
            if let Some((m, _)) = shown.iter().find(|(_, s)| shape(s) == shape(p)) {
                let _ = writeln!(
                    o,
                    "\npath {}{via} ({}): the hops of path {m}",
                    n + 1,
                    p.verdict
                );
                continue;
            }
            // One path of each kind in full; the others on one line.
            let full = if p.stops.is_some() {
                !std::mem::replace(&mut full_stop, true)
            } else {
                !std::mem::replace(&mut full_through, true)
            };
            shown.push((n + 1, p));
            if !full {
                let chain = |hs: &[HopOut]| {
                    let mut ids: Vec<&str> = hs.iter().map(|h| h.component.as_str()).collect();
                    ids.dedup();
                    ids.join(" > ")
                };
                let mut line = format!("\npath {}{via} ({}): {}", n + 1, p.verdict, chain(&p.hops));
                if !p.return_hops.is_empty() {
                    line += &format!("; return {}", chain(&p.return_hops));
                }
                if let Some(d) = p.stops {
                    line += &format!(" (stops, {d})");
                }
                let _ = writeln!(*o, "{line}");
                continue;
            }
            let _ = writeln!(*o, "\npath {}{via} ({}):", n + 1, p.verdict);
            let step = |o: &mut String, i: usize, h: &HopOut| {
                let _ = writeln!(
                    o,
                    "  {:>2}. {:<24} {:<17} {:<14} {}",
                    i + 1,
                    h.component,
                    h.kind,
                    h.action,
                    hop_rule(h)
                );
            };
            // The longest run of first hops shared with a path shown in full.
            let shared = |o: &mut String, mine: &[HopOut], theirs: fn(&PathOut) -> &[HopOut]| {
                let best = shown
                    .iter()
                    .filter(|(m, _)| *m != n + 1)
                    .map(|(m, s)| {
                        let k = mine
                            .iter()
                            .zip(theirs(s))
                            .take_while(|(a, b)| a == b)
                            .count();
                        (k, *m)
                    })
                    .max_by_key(|(k, m)| (*k, std::cmp::Reverse(*m)));
                match best {
                    Some((k, m)) if k >= 3 => {
                        let _ = writeln!(*o, "  {:>5} as path {m}", format!("1-{k}."));
                        k
                    }
                    _ => 0,
                }
            };
            let _ = writeln!(*o, "  forward");
            let skip = shared(o, &p.hops, |s| &s.hops);
            for (i, h) in p.hops.iter().enumerate().skip(skip) {
                step(o, i, h);
            }
            if !p.return_hops.is_empty() {
                let _ = writeln!(*o, "  return");
                let skip = shared(o, &p.return_hops, |s| &s.return_hops);
                for (i, h) in p.return_hops.iter().enumerate().skip(skip) {
                    step(o, i, h);
                }
            }
            if let Some(d) = p.stops {
                let _ = writeln!(*o, "  {} here ({d})", paint("31", "stops"));
            }
        }
    }

    /// What blocks (with the fix), what is unknown, what is assumed.
    fn sections_text(&self, o: &mut String, color: bool) {
        let paint = |code: &str, s: &str| painted(color, code, s);
        if !self.blocked_by.is_empty() {
            let _ = writeln!(*o, "\nblocked by:");
            for b in &self.blocked_by {
                let rule = if b.rule.is_empty() {
                    String::new()
                } else {
                    format!(" {}", b.rule)
                };
                let _ = writeln!(
                    o,
                    "  - {} ({}{rule}, {}): {}",
                    paint("1", &b.component),
                    b.kind,
                    b.direction,
                    b.reason
                );
                if let Some(f) = &b.fix {
                    let _ = writeln!(*o, "    fix: {f}");
                }
                if let Some(n) = &b.note {
                    let _ = writeln!(*o, "    note: {n}");
                }
            }
        }
        if !self.unknown.is_empty() {
            let _ = writeln!(*o, "\nunknown (the input lacks something needed):");
            for u in &self.unknown {
                let _ = writeln!(*o, "  - {} ({}): {}", u.component, u.direction, u.reason);
            }
        }
        if !self.assumptions.is_empty() {
            let _ = writeln!(*o, "\nassumptions:");
            for a in &self.assumptions {
                let _ = writeln!(*o, "  - {a}");
            }
        }
    }
}
