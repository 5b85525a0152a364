//! `reach lint`: what in a network's rules is dead, redundant or broken,
//! read off the rules themselves, never by walking packets: network ACL
//! entries shadowed by earlier ones, security-group rules other rules cover,
//! rules that can never match (a Client VPN client CIDR, a peer group
//! attached to nothing), Client VPN routes and authorization rules that do
//! not work as written, blackhole routes, groups attached to nothing,
//! transit gateway tables without the return route or with a blackhole over
//! a propagated route, and
//! network ACLs that let a request through but not its reply.
//!
//! Consumes the model and the engine's rules as packet sets
//! ([`crate::engine::sets`]); every comparison is exact over packet sets
//! (IPv4 and IPv6 alike). Findings are data ([`Finding`]: the AWS IDs, the
//! rule, a severity, what is wrong and the fix, the exact packets
//! concerned); `render::lint` lays them out. Must not know output or file
//! formats.

mod cvpn;
mod ephemeral;
mod error;
mod finding;
mod nacl;
mod routes;
mod sets;
mod sg;
mod transit;

pub use error::LintError;
pub use finding::{Finding, Kind, Lint, Packets, Severity};

use crate::explain::Names;
use crate::model::Network;

/// What to check.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only these kinds (empty: all).
    pub only: Vec<Kind>,
}

impl Options {
    /// `--only` values: kind names, each possibly a comma-separated list.
    pub fn parse(only: &[String]) -> Result<Options, LintError> {
        let mut kinds = Vec::new();
        for s in only.iter().flat_map(|s| s.split(',')) {
            if s.trim().is_empty() {
                continue;
            }
            let k = Kind::parse(s)?;
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
        Ok(Options { only: kinds })
    }

    fn wants(&self, k: Kind) -> bool {
        self.only.is_empty() || self.only.contains(&k)
    }
}

/// Runs every check `opts` asks for over `net`.
pub fn lint(net: &Network, opts: &Options) -> Lint {
    let mut out = Lint::default();
    // Address sets in sentences, against the input's universes ("every
    // public IPv4 address outside the input except …").
    let names = Names::new(net, None);
    nacl::shadowing(net, &mut out.findings);
    sg::subsumed(net, &mut out.findings);
    sg::unattached(net, &mut out);
    cvpn::client_cidr_rules(net, &mut out.findings);
    cvpn::routes_and_authorization(net, &names, &mut out);
    routes::blackholes(net, &mut out.findings);
    ephemeral::missing_returns(net, &names, &mut out.findings);
    transit::transit(net, &mut out);
    out.findings.retain(|f| opts.wants(f.kind));
    // Stable: within a kind, the order the checks found them (resources by
    // ID, rules in rule order).
    out.findings
        .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.kind.cmp(&b.kind)));
    out.notes.sort();
    out.notes.dedup();
    out
}
