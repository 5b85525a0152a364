//! Reads AWS CLI JSON snapshots and the project's YAML models into a
//! validated [`Network`](crate::model::Network).
//!
//! [`Loader`] accumulates documents (`add_*`), then [`Loader::finish`] merges
//! them, applies AWS's implicit defaults to YAML designs, and checks references.
//! Every error names the file, and for a resource problem the resource and field.

mod aws;
mod common;
mod error;
mod va;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use ipnet::IpNet;

use crate::model::{
    ClientVpnAssociation, ClientVpnAuthRule, ClientVpnEndpoint, ClientVpnRoute, Instance,
    Interface, InternetGateway, NatGateway, Network, NetworkAcl, Origin, Peer, Peering, PortMatch,
    PrefixList, Protocol, RouteTable, SecurityGroup, Subnet, VaEndpoint, VaGroup, VaInstance, Vpc,
};

pub use error::IngestError;
use error::resource;

/// Accumulates documents, then lowers/validates into a Network.
#[derive(Default)]
pub struct Loader {
    st: State,
    yaml: Vec<(Arc<str>, yaml::Model)>,
}

impl Loader {
    pub fn new() -> Self {
        Self::default()
    }

    /// A file or a directory read recursively (files ending .json are AWS documents,
    /// .yaml/.yml are YAML models; other files ignored; sorted order for determinism).
    /// IO happens here. A file named directly must be .json, .yaml or .yml.
    pub fn add_snapshot_path(&mut self, path: &Path) -> Result<(), IngestError> {
        self.add_path(path)
    }

    /// Same as [`Loader::add_snapshot_path`]: the file extension decides the format.
    pub fn add_model_path(&mut self, path: &Path) -> Result<(), IngestError> {
        self.add_path(path)
    }

    /// No IO: `file` is only used in messages/origins.
    pub fn add_json(&mut self, file: &str, text: &str) -> Result<(), IngestError> {
        if let Some(message) = not_json(text) {
            return Err(IngestError::Parse {
                file: file.to_string(),
                message,
            });
        }
        aws::add_document(&mut self.st, &Arc::from(file), text)
    }

    /// A document's bytes as read from a file named `name`, without IO (what
    /// the fuzz tests feed): its extension picks JSON or YAML, else the content
    /// does, as for standard input; the bytes are decoded as a file's are.
    pub fn add_file_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), IngestError> {
        self.add_bytes(name, bytes, format_of(Path::new(name)))
    }

    /// A document from standard input (`--snapshot -`): AWS CLI JSON, or the
    /// YAML model when it does not start like JSON.
    pub fn add_stdin(&mut self) -> Result<(), IngestError> {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| io_err("<stdin>", "cannot read", &e))?;
        self.add_bytes("<stdin>", &bytes, None)
    }

    /// A document's bytes: a UTF-8 byte-order mark is skipped, UTF-16 (what
    /// PowerShell's `>` writes) is decoded; the format is `kind`, or guessed
    /// from the first character (`{` is JSON).
    fn add_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        kind: Option<Format>,
    ) -> Result<(), IngestError> {
        let text = decode(name, bytes)?;
        let kind = kind.unwrap_or_else(|| {
            if text.trim_start().starts_with('{') {
                Format::Json
            } else if looks_like_cli_output(&text).is_some() {
                // Let the JSON reader say what it is.
                Format::Json
            } else {
                Format::Yaml
            }
        });
        match kind {
            Format::Json => self.add_json(name, &text),
            Format::Yaml if looks_like_cli_output(&text) == Some("yaml") => Err(IngestError::Parse {
                file: name.to_string(),
                message: "this is the AWS CLI's `--output yaml`, not the project's YAML model: write the snapshot with `--output json`".into(),
            }),
            Format::Yaml => self.add_yaml(name, &text),
        }
    }

    /// No IO: `file` is only used in messages/origins.
    pub fn add_yaml(&mut self, file: &str, text: &str) -> Result<(), IngestError> {
        let file: Arc<str> = Arc::from(file);
        let model = yaml::parse(&file, text)?;
        self.st.yaml_files.insert(file.clone());
        self.yaml.push((file, model));
        Ok(())
    }

    /// Lowers everything into the model, applies AWS implicit defaults, checks references.
    pub fn finish(self) -> Result<Network, IngestError> {
        let Loader { mut st, yaml } = self;
        st.check_blank_ids()?;
        yaml::lower_all(&mut st, &yaml)?;
        st.warn_subnet_cidrs();
        st.merge_instance_interfaces();
        st.synthesize_nat_interfaces();
        st.apply_addresses();
        st.apply_prefix_list_entries();
        aws::attach_security_group_rule_ids(&mut st);
        aws::attach_client_vpn(&mut st)?;
        va::finish(&mut st)?;
        st.check_references()?;
        st.check_group_pairs()?;
        let mut net = st.net;
        net.warnings.extend(st.warnings);
        Ok(net)
    }

    fn add_path(&mut self, path: &Path) -> Result<(), IngestError> {
        if path.as_os_str() == "-" {
            return self.add_stdin();
        }
        let name = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| io_err(&name, "cannot read", &e))?;
        // A pipe or FIFO (`--snapshot <(aws ec2 describe-… --output json)`),
        // whatever its name: read once, the format from its content.
        if !meta.is_dir() && !meta.is_file() {
            let bytes = std::fs::read(path).map_err(|e| io_err(&name, "cannot read", &e))?;
            return self.add_bytes(&name, &bytes, format_of(path));
        }
        if meta.is_dir() {
            let mut files = Vec::new();
            collect_files(path, 0, &mut files)?;
            files.sort();
            for f in files {
                if let Some(kind) = format_of(&f) {
                    self.add_file(&f, kind)?;
                }
            }
            Ok(())
        } else {
            match format_of(path) {
                Some(kind) => self.add_file(path, kind),
                None => Err(IngestError::Io {
                    file: name,
                    message: "not a .json, .yaml or .yml file".into(),
                }),
            }
        }
    }

    fn add_file(&mut self, path: &Path, kind: Format) -> Result<(), IngestError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| io_err(&name, "cannot read", &e))?;
        self.add_bytes(&name, &bytes, Some(kind))
    }
}

/// Text from a file's bytes: UTF-8 (a byte-order mark skipped) or UTF-16
/// with a byte-order mark (decoded); anything else is an error saying what.
fn decode(name: &str, bytes: &[u8]) -> Result<String, IngestError> {
    let err = |message: String| IngestError::Parse {
        file: name.to_string(),
        message,
    };
    let utf16 = |le: bool| -> Result<String, IngestError> {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| err("invalid UTF-16 text: re-save as UTF-8".into()))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest)
            .map(str::to_string)
            .map_err(|e| err(format!("not valid UTF-8 after the byte-order mark ({e})"))),
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        // UTF-16 without a byte-order mark (ASCII text): every other byte is
        // zero, which is valid UTF-8 but no text a snapshot holds.
        _ if bytes.len() >= 4
            && (bytes.iter().skip(1).step_by(2).take(64).all(|b| *b == 0)
                || bytes.iter().step_by(2).take(64).all(|b| *b == 0)) =>
        {
            Err(err("UTF-16 without a byte-order mark (PowerShell's `>`?): re-save as UTF-8 (`Out-File -Encoding utf8`)".into()))
        }
        _ => std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|e| err(format!("not UTF-8 text ({e}): re-save as UTF-8"))),
    }
}

/// What an AWS CLI output that is not JSON looks like, if it is one.
fn looks_like_cli_output(text: &str) -> Option<&'static str> {
    let first = text.lines().find(|l| !l.trim().is_empty())?.trim_end();
    // `--output text`: an upper-case record name, then tab-separated fields.
    let head = first.split('\t').next().unwrap_or_default();
    if first.contains('\t')
        && !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("text");
    }
    // `--output yaml`: a top-level key the AWS CLI prints, like `Vpcs:`.
    let key = first.strip_suffix(':').unwrap_or_default();
    if !key.is_empty()
        && key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && key.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Some("yaml");
    }
    None
}

/// Why a document that should be AWS CLI JSON is not, when that is clear.
fn not_json(text: &str) -> Option<String> {
    if text.trim_start().starts_with(['{', '[']) {
        return None;
    }
    looks_like_cli_output(text).map(|kind| {
        format!("this is the AWS CLI's `--output {kind}`: write the snapshot with `--output json`")
    })
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Yaml,
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" => Some(Format::Json),
        "yaml" | "yml" => Some(Format::Yaml),
        _ => None,
    }
}

/// Directory depth limit, against symlink loops.
const MAX_DEPTH: usize = 32;

fn collect_files(
    dir: &Path,
    depth: usize,
    out: &mut Vec<std::path::PathBuf>,
) -> Result<(), IngestError> {
    let name = dir.display().to_string();
    if depth > MAX_DEPTH {
        return Err(IngestError::Io {
            file: name,
            message: format!("directories nested deeper than {MAX_DEPTH} levels (symlink loop?)"),
        });
    }
    let rd = std::fs::read_dir(dir).map_err(|e| io_err(&name, "cannot list directory", &e))?;
    for entry in rd {
        let entry = entry.map_err(|e| io_err(&name, "cannot list directory", &e))?;
        let p = entry.path();
        // `metadata` follows symlinks, so a linked file or folder is read like a real one.
        let meta = std::fs::metadata(&p)
            .map_err(|e| io_err(&p.display().to_string(), "cannot read", &e))?;
        if meta.is_dir() {
            collect_files(&p, depth + 1, out)?;
        } else if format_of(&p).is_some() {
            out.push(p);
        }
    }
    Ok(())
}

fn io_err(file: &str, what: &str, e: &std::io::Error) -> IngestError {
    let text = e.to_string();
    let mut chars = text.chars();
    let text = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    };
    IngestError::Io {
        file: file.to_string(),
        message: format!("{what}: {text}"),
    }
}

// ---------------------------------------------------------------------------
// Accumulated state
// ---------------------------------------------------------------------------

/// Which kinds some document could have declared: a reference to a kind is
/// checked only when that kind was loaded.
#[derive(Default, Debug)]
pub(crate) struct Loaded {
    pub vpcs: bool,
    pub subnets: bool,
    pub security_groups: bool,
    /// A `ClientVpnTargetNetworks` (describe-client-vpn-target-networks) document.
    pub cvpn_target_networks: bool,
    /// A `Routes` (describe-client-vpn-routes) document.
    pub cvpn_routes: bool,
    /// An `AuthorizationRules` (describe-client-vpn-authorization-rules) document.
    pub cvpn_auth_rules: bool,
}

/// A reference found while lowering whose owner keeps no origin of its own
/// (a Client VPN association or route), checked with the others at the end.
#[derive(Debug)]
pub(crate) struct DeferredRef {
    pub kind: Kind,
    pub origin: Origin,
    pub resource: String,
    pub field: String,
    pub id: String,
}

/// A Client VPN part (association, route, authorization rule) read from its
/// own document, attached to its endpoint in `finish`.
#[derive(Debug)]
pub(crate) struct CvpnPart<T> {
    pub origin: Origin,
    pub resource: String,
    pub endpoint: String,
    pub item: T,
}

#[derive(Debug, Default)]
pub(crate) struct CvpnParts {
    pub associations: Vec<CvpnPart<ClientVpnAssociation>>,
    pub routes: Vec<CvpnPart<ClientVpnRoute>>,
    pub rules: Vec<CvpnPart<ClientVpnAuthRule>>,
    /// Snapshot endpoints listed without `SecurityGroupIds`: the VPC default group applies.
    pub default_sg: BTreeSet<String>,
}

/// A security-group rule naming another group, checked at the end.
#[derive(Debug)]
pub(crate) struct GroupRef {
    /// Field path for messages (`IpPermissions[0].UserIdGroupPairs[1].GroupId`).
    pub field: String,
    pub group: String,
    pub user: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct GroupRefs {
    pub owner: Option<String>,
    pub refs: Vec<GroupRef>,
}

/// An item of `describe-security-group-rules` (`SecurityGroupRules`): a
/// rule's `sgr-…` ID with what identifies the rule in its group, attached to
/// that rule at the end.
#[derive(Debug)]
pub(crate) struct SgRuleIdPart {
    pub origin: Origin,
    /// `SecurityGroupRuleId`.
    pub id: String,
    pub group: String,
    pub egress: bool,
    pub protocol: Protocol,
    pub ports: PortMatch,
    pub peer: Peer,
}

/// An Elastic IP association, applied at the end.
#[derive(Debug)]
pub(crate) struct Address {
    pub origin: Origin,
    pub resource: String,
    pub public: std::net::IpAddr,
    pub interface: Option<String>,
    pub private: Option<std::net::IpAddr>,
}

#[derive(Default)]
pub(crate) struct State {
    pub net: Network,
    pub warnings: Vec<String>,
    /// Interfaces read from `Reservations` (a `NetworkInterfaces` document wins).
    pub instance_enis: BTreeMap<String, Interface>,
    pub group_refs: BTreeMap<String, GroupRefs>,
    /// `SecurityGroupRules` items, in input order.
    pub sg_rule_ids: Vec<SgRuleIdPart>,
    pub addresses: Vec<Address>,
    /// `ManagedPrefixListEntries` (and `PrefixLists` `Cidrs`): id -> entries.
    pub pl_entries: BTreeMap<String, (Origin, Vec<IpNet>)>,
    pub loaded: Loaded,
    pub yaml_files: BTreeSet<Arc<str>>,
    pub cvpn: CvpnParts,
    pub deferred_refs: Vec<DeferredRef>,
    pub va: va::VaParts,
}

/// Model types that carry an [`Origin`], for merging.
pub(crate) trait HasOrigin: Clone + PartialEq {
    fn origin(&self) -> &Origin;
    fn origin_mut(&mut self) -> &mut Origin;
}

macro_rules! has_origin {
    ($($t:ty),*) => {$(
        impl HasOrigin for $t {
            fn origin(&self) -> &Origin { &self.origin }
            fn origin_mut(&mut self) -> &mut Origin { &mut self.origin }
        }
    )*};
}
has_origin!(
    Vpc,
    Subnet,
    RouteTable,
    SecurityGroup,
    NetworkAcl,
    Interface,
    Instance,
    InternetGateway,
    NatGateway,
    Peering,
    PrefixList,
    ClientVpnEndpoint,
    VaInstance,
    VaGroup,
    VaEndpoint
);

/// Inserts `new`; an ID seen before is replaced, with a warning when the two differ.
pub(crate) fn merge<T: HasOrigin>(
    map: &mut BTreeMap<String, T>,
    warnings: &mut Vec<String>,
    kind: &str,
    id: &str,
    new: T,
) {
    if let Some(old) = map.get(id) {
        let mut same = old.clone();
        *same.origin_mut() = new.origin().clone();
        if same != new {
            warnings.push(format!(
                "`{}`: {} replaces the one from `{}`, which differs",
                new.origin().file,
                resource(kind, id),
                old.origin().file
            ));
        }
    }
    map.insert(id.to_string(), new);
}

/// A resource of the input, for checks over every kind: its kind (as
/// messages name it), the AWS CLI field that holds its ID, the ID and where it
/// comes from.
pub(crate) struct ResourceId<'a> {
    pub kind: &'static str,
    pub json_field: &'static str,
    pub id: &'a str,
    pub origin: &'a Origin,
}

/// Every resource read so far (interfaces known only from `Reservations` included).
pub(crate) fn resource_ids(st: &State) -> Vec<ResourceId<'_>> {
    fn add<'a, T: HasOrigin>(
        out: &mut Vec<ResourceId<'a>>,
        map: &'a BTreeMap<String, T>,
        kind: &'static str,
        json_field: &'static str,
    ) {
        out.extend(map.iter().map(|(id, r)| ResourceId {
            kind,
            json_field,
            id,
            origin: r.origin(),
        }));
    }
    let net = &st.net;
    let mut out = Vec::new();
    add(&mut out, &net.vpcs, "vpc", "VpcId");
    add(&mut out, &net.subnets, "subnet", "SubnetId");
    add(&mut out, &net.route_tables, "route table", "RouteTableId");
    add(&mut out, &net.security_groups, "security group", "GroupId");
    add(&mut out, &net.network_acls, "network acl", "NetworkAclId");
    add(
        &mut out,
        &net.interfaces,
        "network interface",
        "NetworkInterfaceId",
    );
    add(
        &mut out,
        &st.instance_enis,
        "network interface",
        "NetworkInterfaceId",
    );
    add(&mut out, &net.instances, "instance", "InstanceId");
    out.extend(net.internet_gateways.iter().map(|(id, g)| {
        let (kind, json_field) = if g.egress_only {
            (
                "egress-only internet gateway",
                "EgressOnlyInternetGatewayId",
            )
        } else {
            ("internet gateway", "InternetGatewayId")
        };
        ResourceId {
            kind,
            json_field,
            id,
            origin: &g.origin,
        }
    }));
    add(&mut out, &net.nat_gateways, "nat gateway", "NatGatewayId");
    add(
        &mut out,
        &net.peerings,
        "vpc peering connection",
        "VpcPeeringConnectionId",
    );
    add(&mut out, &net.prefix_lists, "prefix list", "PrefixListId");
    add(
        &mut out,
        &net.client_vpn_endpoints,
        "client vpn endpoint",
        "ClientVpnEndpointId",
    );
    add(
        &mut out,
        &net.va_instances,
        "verified access instance",
        "VerifiedAccessInstanceId",
    );
    out.extend(net.va_trust_providers.iter().map(|(id, t)| ResourceId {
        kind: "verified access trust provider",
        json_field: "VerifiedAccessTrustProviderId",
        id,
        origin: &t.origin,
    }));
    add(
        &mut out,
        &net.va_groups,
        "verified access group",
        "VerifiedAccessGroupId",
    );
    add(
        &mut out,
        &net.va_endpoints,
        "verified access endpoint",
        "VerifiedAccessEndpointId",
    );
    out
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

impl State {
    /// AWS never prints an empty ID: a snapshot resource with one was edited by hand
    /// (and would merge with any other). Runs before the YAML model is lowered,
    /// which checks its own IDs.
    fn check_blank_ids(&self) -> Result<(), IngestError> {
        match resource_ids(self)
            .into_iter()
            .find(|r| r.id.trim().is_empty())
        {
            Some(r) => Err(error::field_err(
                &r.origin.file,
                &resource(r.kind, r.id),
                r.json_field,
                "empty: every resource has an id",
            )),
            None => Ok(()),
        }
    }

    /// A snapshot subnet outside its VPC's CIDRs, or overlapping another subnet
    /// of its VPC, is something AWS refuses: documents taken at different
    /// times (a CIDR added, a subnet recreated) or edited. A warning, as the
    /// snapshot is still what the account had; a YAML model's subnets (and
    /// VPCs) are checked, as errors, when it is lowered.
    fn warn_subnet_cidrs(&mut self) {
        let from_yaml = |o: &Origin| self.yaml_files.contains(&o.file);
        let json_field = |c: &IpNet| {
            if c.addr().is_ipv6() {
                "Ipv6CidrBlockAssociationSet"
            } else {
                "CidrBlock"
            }
        };
        let mut before: Vec<&Subnet> = Vec::new();
        for s in self.net.subnets.values().filter(|s| !from_yaml(&s.origin)) {
            let res = resource("subnet", &s.id);
            let vpc = self.net.vpcs.get(&s.vpc);
            for c in &s.cidrs {
                if let Some(v) = vpc.filter(|v| !from_yaml(&v.origin))
                    && let Some(why) = outside_vpc(c, v)
                {
                    self.warnings.push(format!(
                        "`{}`: {res}: field `{}`: {why}, which aws does not allow (documents taken at different times, or edited?)",
                        s.origin.file,
                        json_field(c)
                    ));
                }
                if let Some((o, oc)) = before
                    .iter()
                    .filter(|o| o.vpc == s.vpc)
                    .find_map(|o| overlapping(c, o).map(|oc| (o, oc)))
                {
                    self.warnings.push(format!(
                        "`{}`: {res}: field `{}`: `{c}` overlaps `{oc}` of subnet `{}` in vpc `{}`, which aws does not allow (documents taken at different times, or edited?)",
                        s.origin.file,
                        json_field(c),
                        o.id,
                        s.vpc
                    ));
                }
            }
            before.push(s);
        }
    }

    pub fn set_nacl_of_subnet(&mut self, subnet: &str, acl: &str, file: &str) {
        if let Some(old) = self.net.nacl_of_subnet.get(subnet)
            && old != acl
        {
            self.warnings.push(format!(
                "`{file}`: subnet `{subnet}` is associated with network acl `{acl}`, replacing `{old}`"
            ));
        }
        self.net
            .nacl_of_subnet
            .insert(subnet.to_string(), acl.to_string());
    }

    /// Interfaces known only from `Reservations` are added; for ones also in a
    /// `NetworkInterfaces` document, that one wins but gets `instance` if missing.
    fn merge_instance_interfaces(&mut self) {
        for (id, eni) in std::mem::take(&mut self.instance_enis) {
            match self.net.interfaces.get_mut(&id) {
                Some(e) => {
                    if e.instance.is_none() {
                        e.instance = eni.instance;
                    }
                }
                None => {
                    self.net.interfaces.insert(id, eni);
                }
            }
        }
    }

    /// A snapshot NAT gateway whose interface the input lacks gets one from its own data.
    fn synthesize_nat_interfaces(&mut self) {
        let mut new = Vec::new();
        for nat in self.net.nat_gateways.values() {
            let (Some(eni), Some(ip)) = (&nat.interface, nat.private_ip) else {
                continue;
            };
            if !nat_is_live(&nat.state) || self.net.interfaces.contains_key(eni) {
                continue;
            }
            new.push(Interface {
                id: eni.clone(),
                vpc: nat.vpc.clone(),
                subnet: nat.subnet.clone(),
                private_ips: vec![crate::model::PrivateIp {
                    address: ip,
                    public: nat.public_ip,
                }],
                ipv6: Vec::new(),
                prefixes: Vec::new(),
                groups: Vec::new(),
                instance: None,
                device_index: None,
                status: "in-use".into(),
                kind: "nat_gateway".into(),
                description: Some(format!("Interface for NAT Gateway {}", nat.id)),
                origin: nat.origin.clone(),
            });
        }
        for eni in new {
            self.net.interfaces.insert(eni.id.clone(), eni);
        }
    }

    /// Elastic IPs: set `public` on the associated private IP when it has none.
    fn apply_addresses(&mut self) {
        for a in std::mem::take(&mut self.addresses) {
            let Some(eni_id) = &a.interface else { continue };
            let Some(eni) = self.net.interfaces.get_mut(eni_id) else {
                self.warnings.push(format!(
                    "`{}`: {}: field `NetworkInterfaceId`: no network interface `{eni_id}` in the input; elastic ip `{}` not applied",
                    a.origin.file, a.resource, a.public
                ));
                continue;
            };
            let slot = match a.private {
                Some(p) => eni.private_ips.iter_mut().find(|x| x.address == p),
                None => eni.private_ips.first_mut(),
            };
            match slot {
                Some(s) if s.public.is_none() => s.public = Some(a.public),
                Some(s) if s.public != Some(a.public) => self.warnings.push(format!(
                    "`{}`: {}: elastic ip `{}` conflicts with public ip `{}` already on network interface `{eni_id}`; kept the latter",
                    a.origin.file,
                    a.resource,
                    a.public,
                    s.public.map(|p| p.to_string()).unwrap_or_default()
                )),
                Some(_) => {}
                None => self.warnings.push(format!(
                    "`{}`: {}: field `PrivateIpAddress`: network interface `{eni_id}` has no private ip `{}`; elastic ip `{}` not applied",
                    a.origin.file,
                    a.resource,
                    a.private.map(|p| p.to_string()).unwrap_or_default(),
                    a.public
                )),
            }
        }
    }

    fn apply_prefix_list_entries(&mut self) {
        for (id, (origin, entries)) in std::mem::take(&mut self.pl_entries) {
            let pl = self
                .net
                .prefix_lists
                .entry(id.clone())
                .or_insert_with(|| PrefixList {
                    id: id.clone(),
                    name: None,
                    owner: None,
                    family: None,
                    entries: None,
                    origin: origin.clone(),
                });
            pl.entries = Some(entries);
        }
    }

    fn check_references(&mut self) -> Result<(), IngestError> {
        let mut ck = Checker {
            loaded: &self.loaded,
            warned: BTreeSet::new(),
            warnings: Vec::new(),
        };
        let net = &self.net;
        let field = |o: &Origin, j: &str, y: &str| {
            if self.yaml_files.contains(&o.file) {
                y
            } else {
                j
            }
            .to_string()
        };
        for s in net.subnets.values() {
            let r = resource("subnet", &s.id);
            ck.check(
                Kind::Vpc,
                net.vpcs.contains_key(&s.vpc),
                &s.origin,
                &r,
                field(&s.origin, "VpcId", "vpc"),
                &s.vpc,
            )?;
        }
        for sg in net.security_groups.values() {
            let r = resource("security group", &sg.id);
            ck.check(
                Kind::Vpc,
                net.vpcs.contains_key(&sg.vpc),
                &sg.origin,
                &r,
                field(&sg.origin, "VpcId", "vpc"),
                &sg.vpc,
            )?;
        }
        for rt in net.route_tables.values() {
            let r = resource("route table", &rt.id);
            ck.check(
                Kind::Vpc,
                net.vpcs.contains_key(&rt.vpc),
                &rt.origin,
                &r,
                field(&rt.origin, "VpcId", "vpc"),
                &rt.vpc,
            )?;
            for s in &rt.subnets {
                ck.check(
                    Kind::Subnet,
                    net.subnets.contains_key(s),
                    &rt.origin,
                    &r,
                    field(&rt.origin, "Associations.SubnetId", "subnets"),
                    s,
                )?;
            }
        }
        for acl in net.network_acls.values() {
            let r = resource("network acl", &acl.id);
            ck.check(
                Kind::Vpc,
                net.vpcs.contains_key(&acl.vpc),
                &acl.origin,
                &r,
                field(&acl.origin, "VpcId", "vpc"),
                &acl.vpc,
            )?;
        }
        for (subnet, acl_id) in &net.nacl_of_subnet {
            let Some(acl) = net.network_acls.get(acl_id) else {
                continue;
            };
            let r = resource("network acl", acl_id);
            ck.check(
                Kind::Subnet,
                net.subnets.contains_key(subnet),
                &acl.origin,
                &r,
                field(&acl.origin, "Associations.SubnetId", "subnets"),
                subnet,
            )?;
        }
        for ep in net.client_vpn_endpoints.values() {
            let r = resource("client vpn endpoint", &ep.id);
            ck.check(
                Kind::Vpc,
                net.vpcs.contains_key(&ep.vpc),
                &ep.origin,
                &r,
                field(&ep.origin, "VpcId", "vpc"),
                &ep.vpc,
            )?;
            for g in &ep.security_groups {
                ck.check(
                    Kind::SecurityGroup,
                    net.security_groups.contains_key(g),
                    &ep.origin,
                    &r,
                    field(&ep.origin, "SecurityGroupIds", "security_groups"),
                    g,
                )?;
            }
        }
        for d in &self.deferred_refs {
            let exists = match d.kind {
                Kind::Vpc => net.vpcs.contains_key(&d.id),
                Kind::Subnet => net.subnets.contains_key(&d.id),
                Kind::SecurityGroup => net.security_groups.contains_key(&d.id),
            };
            ck.check(
                d.kind,
                exists,
                &d.origin,
                &d.resource,
                d.field.clone(),
                &d.id,
            )?;
        }
        for eni in net.interfaces.values() {
            let r = resource("network interface", &eni.id);
            ck.check(
                Kind::Subnet,
                net.subnets.contains_key(&eni.subnet),
                &eni.origin,
                &r,
                field(&eni.origin, "SubnetId", "subnet"),
                &eni.subnet,
            )?;
            for g in &eni.groups {
                ck.check(
                    Kind::SecurityGroup,
                    net.security_groups.contains_key(g),
                    &eni.origin,
                    &r,
                    field(&eni.origin, "Groups.GroupId", "groups"),
                    g,
                )?;
            }
        }
        for nat in net.nat_gateways.values().filter(|n| nat_is_live(&n.state)) {
            let r = resource("nat gateway", &nat.id);
            ck.check(
                Kind::Subnet,
                net.subnets.contains_key(&nat.subnet),
                &nat.origin,
                &r,
                field(&nat.origin, "SubnetId", "subnet"),
                &nat.subnet,
            )?;
        }
        let warnings = ck.warnings;
        self.warnings.extend(warnings);
        Ok(())
    }

    /// Rules naming a group the input lacks are legitimate input (a group of a
    /// peered VPC, of another account, or a stale reference): a warning naming
    /// the rule; the engine decides membership by the source's groups. In a
    /// YAML model, which declares what it names, it is an error.
    fn check_group_pairs(&mut self) -> Result<(), IngestError> {
        for (sg_id, refs) in &self.group_refs {
            let Some(sg) = self.net.security_groups.get(sg_id) else {
                continue;
            };
            for gr in &refs.refs {
                if self.net.security_groups.contains_key(&gr.group) {
                    continue;
                }
                // A hand-written YAML model names only what it declares: a typo.
                if self.yaml_files.contains(&sg.origin.file) {
                    return Err(IngestError::UnknownRef {
                        file: sg.origin.file.to_string(),
                        resource: resource("security group", sg_id),
                        field: gr.field.clone(),
                        kind: "security group".into(),
                        id: gr.group.clone(),
                    });
                }
                let whose = match (&gr.user, &refs.owner) {
                    (Some(u), Some(o)) if u != o => format!(" of account `{u}`"),
                    _ => String::new(),
                };
                self.warnings.push(format!(
                    "`{}`: {}: field `{}`: security group `{}`{whose} is not in the input (a peered VPC's, another account's, or a stale reference): interfaces of the input are members only if they carry it; packets from addresses outside the input are unknown for this rule",
                    sg.origin.file,
                    resource("security group", sg_id),
                    gr.field,
                    gr.group,
                ));
            }
        }
        Ok(())
    }
}

/// NAT gateways AWS still lists after deletion (or failure) have no live interface.
pub(crate) fn nat_is_live(state: &str) -> bool {
    !matches!(state, "deleted" | "deleting" | "failed")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Vpc,
    Subnet,
    SecurityGroup,
}

struct Checker<'a> {
    loaded: &'a Loaded,
    warned: BTreeSet<Kind>,
    warnings: Vec<String>,
}

impl Checker<'_> {
    fn check(
        &mut self,
        kind: Kind,
        exists: bool,
        origin: &Origin,
        resource: &str,
        field: String,
        id: &str,
    ) -> Result<(), IngestError> {
        let (loaded, name, doc, section) = match kind {
            Kind::Vpc => (self.loaded.vpcs, "vpc", "Vpcs", "vpcs"),
            Kind::Subnet => (self.loaded.subnets, "subnet", "Subnets", "subnets"),
            Kind::SecurityGroup => (
                self.loaded.security_groups,
                "security group",
                "SecurityGroups",
                "security_groups",
            ),
        };
        if !loaded {
            if self.warned.insert(kind) {
                self.warnings.push(format!(
                    "no `{doc}` document or `{section}` model section: {name} references not checked"
                ));
            }
            return Ok(());
        }
        if exists {
            return Ok(());
        }
        Err(IngestError::UnknownRef {
            file: origin.file.to_string(),
            resource: resource.to_string(),
            field,
            kind: name.into(),
            id: id.to_string(),
        })
    }
}

#[cfg(test)]
mod tests;
