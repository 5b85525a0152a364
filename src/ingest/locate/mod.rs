//! Where a resource is written: the file and 1-based line that define an AWS
//! ID (or a rule in it) among the input files, or the `.tf` block of a
//! Terraform address under a root folder. For SARIF and markdown only: it
//! reads the files again, lazily, and never runs while a network loads.
//!
//! Paths come back relative to `base` (the current directory: run CI from
//! the repository root) with forward slashes; a file outside `base` is
//! relative to the Terraform root for `.tf` files, else as it was named.

mod json;
mod text;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use text::{RuleRef, TfAddress};

use super::error::IngestError;
use super::files::{Format, collect_files, format_of};

/// A line of a file, the path relative as described above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    pub file: String,
    /// 1-based.
    pub line: u32,
}

/// The JSON document and the key that define IDs of each prefix
/// (`SecurityGroups[*].GroupId` for `sg-…`).
const ID_KEYS: &[(&str, &str, &str)] = &[
    ("sgr-", "SecurityGroupRules", "SecurityGroupRuleId"),
    ("sg-", "SecurityGroups", "GroupId"),
    ("acl-", "NetworkAcls", "NetworkAclId"),
    ("rtb-", "RouteTables", "RouteTableId"),
    ("eni-", "NetworkInterfaces", "NetworkInterfaceId"),
    ("subnet-", "Subnets", "SubnetId"),
    ("vpc-", "Vpcs", "VpcId"),
    ("igw-", "InternetGateways", "InternetGatewayId"),
    (
        "eigw-",
        "EgressOnlyInternetGateways",
        "EgressOnlyInternetGatewayId",
    ),
    ("nat-", "NatGateways", "NatGatewayId"),
    ("pcx-", "VpcPeeringConnections", "VpcPeeringConnectionId"),
    ("pl-", "PrefixLists", "PrefixListId"),
    ("i-", "Instances", "InstanceId"),
    ("eipalloc-", "Addresses", "AllocationId"),
    ("vgw-", "VpnGateways", "VpnGatewayId"),
    ("vpn-", "VpnConnections", "VpnConnectionId"),
    (
        "tgw-attach-",
        "TransitGatewayAttachments",
        "TransitGatewayAttachmentId",
    ),
    (
        "tgw-rtb-",
        "TransitGatewayRouteTables",
        "TransitGatewayRouteTableId",
    ),
    ("tgw-", "TransitGateways", "TransitGatewayId"),
    (
        "cvpn-endpoint-",
        "ClientVpnEndpoints",
        "ClientVpnEndpointId",
    ),
    (
        "vae-",
        "VerifiedAccessEndpoints",
        "VerifiedAccessEndpointId",
    ),
    ("vagr-", "VerifiedAccessGroups", "VerifiedAccessGroupId"),
    (
        "vai-",
        "VerifiedAccessInstances",
        "VerifiedAccessInstanceId",
    ),
    (
        "vatp-",
        "VerifiedAccessTrustProviders",
        "VerifiedAccessTrustProviderId",
    ),
];

/// The input files, read only when a location is asked for (each once).
pub struct Locator {
    base: PathBuf,
    files: Vec<PathBuf>,
    tf_root: Option<PathBuf>,
    texts: RefCell<HashMap<PathBuf, Option<std::rc::Rc<str>>>>,
}

impl Locator {
    /// The files of `inputs` as `Loader` reads them (a directory: its
    /// `.json`, `.yaml` and `.yml` files, sorted); nothing is read yet.
    /// Standard input (`-`) and pipes cannot be read again and are left out.
    pub fn new(inputs: &[PathBuf], base: &Path) -> Result<Locator, IngestError> {
        let mut files = Vec::new();
        for p in inputs {
            if p.is_dir() {
                let mut found = Vec::new();
                collect_files(p, 0, &mut found)?;
                found.sort();
                files.extend(found);
            } else if p.is_file() {
                files.push(p.clone());
            }
        }
        Ok(Locator {
            base: base.to_path_buf(),
            files,
            tf_root: None,
            texts: RefCell::default(),
        })
    }

    /// Terraform addresses are looked up in the `.tf` files under `dir`.
    pub fn with_tf_root(mut self, dir: PathBuf) -> Locator {
        self.tf_root = Some(dir);
        self
    }

    /// The input files, relative.
    pub fn inputs(&self) -> Vec<String> {
        self.files.iter().map(|f| self.relative(f, false)).collect()
    }

    /// Where `id` is defined, and within it `rule` (a label as the text
    /// output writes it; see [`RuleRef::parse`]) when it can be found, else
    /// the resource's own line. JSON: the line of the ID under its own key
    /// (`"GroupId"` in `SecurityGroups`) before any reference; a network ACL
    /// entry is the line of its `"RuleNumber"`. YAML: the line of `id: …`.
    pub fn resource(&self, id: &str, rule: Option<&str>) -> Option<SourceLine> {
        let rule = rule.map(RuleRef::parse);
        // An `sgr-…` rule is found by its own ID first.
        if let Some(RuleRef::Id(r)) = &rule
            && let Some(found) = self.resource(r, None)
        {
            return Some(found);
        }
        let (doc, key) = ID_KEYS
            .iter()
            .find(|(p, _, _)| id.starts_with(p))
            .map(|(_, d, k)| (*d, *k))
            .unwrap_or(("", ""));
        let mut best: Option<(u8, PathBuf, u32)> = None;
        for f in &self.files {
            let Some(text) = self.text(f) else { continue };
            if !text.contains(id) {
                continue;
            }
            let found = match format_of(f) {
                Some(Format::Json) => json::find_id(&text, id, doc, key).map(|h| {
                    let inner = rule.as_ref().and_then(|r| match r {
                        RuleRef::Nacl { number, egress } => {
                            json::find_nacl_entry(&text, &h.item, *number, *egress)
                        }
                        RuleRef::Id(v) | RuleRef::Value(v) => json::find_value(&text, &h.item, v),
                    });
                    (h.score, inner.unwrap_or(h.line))
                }),
                Some(Format::Yaml) => text::yaml_id(&text, id).map(|(at, col)| {
                    let inner = rule
                        .as_ref()
                        .and_then(|r| text::yaml_rule(&text, at, col, r));
                    (3, line_no(inner.unwrap_or(at)))
                }),
                None => None,
            };
            if let Some((score, line)) = found
                && best.as_ref().is_none_or(|b| score > b.0)
            {
                best = Some((score, f.clone(), line));
            }
        }
        best.map(|(_, f, line)| SourceLine {
            file: self.relative(&f, false),
            line,
        })
    }

    /// The `.tf` file and line declaring the block of a Terraform `address`
    /// under the Terraform root; with modules, a file in a folder named
    /// like the innermost module first.
    pub fn terraform(&self, address: &str) -> Option<SourceLine> {
        let root = self.tf_root.as_ref()?;
        let a = TfAddress::parse(address)?;
        let mut files = Vec::new();
        tf_files(root, 0, &mut files);
        files.sort();
        let in_module = |f: &PathBuf| {
            a.modules.last().is_some_and(|m| {
                f.parent()
                    .is_some_and(|d| d.components().any(|c| c.as_os_str() == m.as_str()))
            })
        };
        files.sort_by_key(|f| !in_module(f));
        files.iter().find_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            a.line_in(&text).map(|at| SourceLine {
                file: self.relative(f, true),
                line: line_no(at),
            })
        })
    }

    fn text(&self, f: &Path) -> Option<std::rc::Rc<str>> {
        self.texts
            .borrow_mut()
            .entry(f.to_path_buf())
            .or_insert_with(|| {
                let bytes = std::fs::read(f).ok()?;
                super::files::decode("", &bytes).ok().map(std::rc::Rc::from)
            })
            .clone()
    }

    fn relative(&self, f: &Path, tf: bool) -> String {
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let file = abs(f);
        let rel = file
            .strip_prefix(abs(&self.base))
            .ok()
            .or_else(|| {
                let root = self.tf_root.as_ref().filter(|_| tf)?;
                file.strip_prefix(abs(root)).ok()
            })
            .unwrap_or(f);
        if rel.is_absolute() {
            return rel.to_string_lossy().replace('\\', "/");
        }
        let parts: Vec<String> = rel
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    }
}

fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// `.tf` files under `dir`, skipping hidden folders (`.terraform`).
fn tf_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let hidden = e.file_name().to_string_lossy().starts_with('.');
        if p.is_dir() && !hidden && depth < 32 {
            tf_files(&p, depth + 1, out);
        } else if p.extension().is_some_and(|x| x == "tf") {
            out.push(p);
        }
    }
}
