//! What `lint` says: a [`Finding`] (its [`Kind`], with the stable rule ID,
//! its [`Severity`], the exact [`Packets`] concerned) and the whole answer,
//! [`Lint`]. Every check writes these; `render::lint` lays them out.

use crate::hs::PacketSet;

use super::error::LintError;

/// What a finding is about; each kind has a stable rule ID
/// (`reach/lint/<name>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A network ACL entry whose every packet an earlier entry of the other
    /// action decides first (for some of them): it never takes effect.
    NaclShadowed,
    /// A network ACL entry whose every packet earlier entries of the same
    /// action decide first: deleting it changes nothing.
    NaclRedundant,
    /// A network ACL entry part of whose packets an earlier entry of the
    /// other action decides first: it decides only the rest.
    NaclPartlyShadowed,
    /// A security-group rule covered by other rules of its group, or of the
    /// groups attached to exactly the same interfaces.
    SgRuleSubsumed,
    /// A security-group rule or network ACL entry allowing (only) a Client
    /// VPN endpoint's client CIDR in its VPC, where source NAT hides it.
    ClientCidrRule,
    /// A security-group rule whose peer group is attached to nothing.
    PeerGroupUnattached,
    /// A Client VPN route through one association that another association
    /// of the endpoint lacks.
    CvpnRouteMissing,
    /// A Client VPN authorization rule no Client VPN route makes usable.
    CvpnAuthUnroutable,
    /// A Client VPN authorization rule that more specific rules override for
    /// every destination it names.
    CvpnAuthOverridden,
    /// A route whose state is `blackhole`.
    BlackholeRoute,
    /// A security group attached to nothing.
    SgUnattached,
    /// A network ACL allowing a request to or from a service port whose
    /// reply (to the client's ephemeral ports) its other direction denies.
    NaclNoEphemeralReturn,
    /// A transit gateway route table sends packets to a VPC attachment whose
    /// own table does not route (part of) the sender's VPC back.
    TgwReturnRouteMissing,
    /// A blackhole route of a transit gateway route table takes addresses a
    /// propagated route of the table would deliver.
    TgwBlackholeShadows,
    /// A subnet routes to a transit gateway from an Availability Zone where
    /// its VPC's attachment has no subnet.
    TgwZoneWithoutAttachment,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::NaclShadowed,
        Kind::NaclRedundant,
        Kind::NaclPartlyShadowed,
        Kind::SgRuleSubsumed,
        Kind::ClientCidrRule,
        Kind::PeerGroupUnattached,
        Kind::CvpnRouteMissing,
        Kind::CvpnAuthUnroutable,
        Kind::CvpnAuthOverridden,
        Kind::BlackholeRoute,
        Kind::SgUnattached,
        Kind::NaclNoEphemeralReturn,
        Kind::TgwReturnRouteMissing,
        Kind::TgwBlackholeShadows,
        Kind::TgwZoneWithoutAttachment,
    ];

    /// The kind's name, the last part of its rule ID.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NaclShadowed => "nacl-shadowed",
            Kind::NaclRedundant => "nacl-redundant",
            Kind::NaclPartlyShadowed => "nacl-partly-shadowed",
            Kind::SgRuleSubsumed => "sg-rule-subsumed",
            Kind::ClientCidrRule => "client-cidr-rule",
            Kind::PeerGroupUnattached => "peer-group-unattached",
            Kind::CvpnRouteMissing => "cvpn-route-missing",
            Kind::CvpnAuthUnroutable => "cvpn-auth-unroutable",
            Kind::CvpnAuthOverridden => "cvpn-auth-overridden",
            Kind::BlackholeRoute => "blackhole-route",
            Kind::SgUnattached => "sg-unattached",
            Kind::NaclNoEphemeralReturn => "nacl-no-ephemeral-return",
            Kind::TgwReturnRouteMissing => "tgw-return-route-missing",
            Kind::TgwBlackholeShadows => "tgw-blackhole-shadows",
            Kind::TgwZoneWithoutAttachment => "tgw-zone-without-attachment",
        }
    }

    /// `reach/lint/<name>`.
    pub fn rule_id(self) -> String {
        format!("reach/lint/{}", self.name())
    }

    /// A kind by its name.
    pub fn parse(s: &str) -> Result<Kind, LintError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| LintError::UnknownKind {
                kind: s.to_string(),
                expected: Kind::ALL.map(Kind::name).join(", "),
            })
    }
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Dead or redundant configuration: nothing works differently.
    Low,
    /// What is written does not do what it says: some flow the rule is
    /// meant for fails (or works where it was meant not to).
    Medium,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
        }
    }
}

/// Exact packets a finding is about, with what they are.
#[derive(Clone, Debug)]
pub struct Packets {
    /// `still decided by this entry`, `replies the outbound rules drop`, ….
    pub label: String,
    pub set: PacketSet,
}

/// One finding.
#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// The AWS ID the finding points at (`acl-…`, `sg-…`, `rtb-…`,
    /// `cvpn-endpoint-…`).
    pub resource: String,
    /// The rule within it, as the other commands label it: `inbound rule
    /// 100`, an `sgr-…` ID or the rule's position, a route's or an
    /// authorization rule's destination.
    pub rule: Option<String>,
    /// Its VPC, when it has one.
    pub vpc: Option<String>,
    /// What else tells this finding apart from others on the same rule (the
    /// other association, the endpoint, the peer group); stable across runs.
    pub subject: String,
    /// One sentence: what is wrong.
    pub message: String,
    /// What to change (an AWS CLI command where one fits).
    pub fix: String,
    /// Other resources and rules involved (the earlier entries, the
    /// covering rules), as the text names them.
    pub related: Vec<String>,
    pub packets: Vec<Packets>,
}

/// Every finding, in a stable order (severity, then kind, then resources by
/// ID and rules in rule order),
/// and notes on what was not checked and why.
#[derive(Clone, Debug, Default)]
pub struct Lint {
    pub findings: Vec<Finding>,
    /// What the input does not let `lint` check (no interfaces listed, an
    /// endpoint without associations), stated rather than guessed.
    pub notes: Vec<String>,
}
