//! Client VPN: snapshot documents and the YAML section.

use super::*;

const CVPN_VPCS: &str = r#"{"Vpcs": [{"VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.0.0.0/16",
    "CidrBlockAssociationSet": [
      {"AssociationId": "vpc-cidr-assoc-1", "CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
      {"AssociationId": "vpc-cidr-assoc-2", "CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "associated"}}],
    "State": "available", "IsDefault": false}]}"#;

const CVPN_SUBNETS: &str = r#"{"Subnets": [
    {"SubnetId": "subnet-0aaa1111bbbb2222c", "VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "eu-west-1a"},
    {"SubnetId": "subnet-0ddd3333eeee4444f", "VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.0.2.0/24", "AvailabilityZone": "eu-west-1b"}]}"#;

const CVPN_SGS: &str = r#"{"SecurityGroups": [
    {"GroupId": "sg-0default00000000", "GroupName": "default", "VpcId": "vpc-0a1b2c3d4e5f60718", "OwnerId": "123456789012",
     "Description": "default VPC security group",
     "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0default00000000", "UserId": "123456789012"}]}],
     "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
    {"GroupId": "sg-0cvpn000000000001", "GroupName": "client-vpn", "VpcId": "vpc-0a1b2c3d4e5f60718", "OwnerId": "123456789012",
     "Description": "Client VPN associations", "IpPermissions": [],
     "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}"#;

const CVPN_ENIS: &str = r#"{"NetworkInterfaces": [
    {"NetworkInterfaceId": "eni-0c0ffee000000001a", "VpcId": "vpc-0a1b2c3d4e5f60718", "SubnetId": "subnet-0aaa1111bbbb2222c",
     "AvailabilityZone": "eu-west-1a", "Description": "ClientVPN Endpoint resource", "InterfaceType": "interface",
     "Groups": [{"GroupId": "sg-0cvpn000000000001", "GroupName": "client-vpn"}],
     "PrivateIpAddress": "10.0.1.77", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.77", "Primary": true}],
     "RequesterId": "AROAEXAMPLE", "RequesterManaged": true, "Status": "in-use"},
    {"NetworkInterfaceId": "eni-0b0b0b0b0b0b0b0b0", "VpcId": "vpc-0a1b2c3d4e5f60718", "SubnetId": "subnet-0aaa1111bbbb2222c",
     "Description": "Primary network interface", "InterfaceType": "interface",
     "Groups": [{"GroupId": "sg-0default00000000", "GroupName": "default"}],
     "PrivateIpAddress": "10.0.1.10", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10", "Primary": true}]}]}"#;

const CVPN_ENDPOINTS: &str = r#"{"ClientVpnEndpoints": [{
    "ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0",
    "Description": "corp vpn",
    "Status": {"Code": "available"},
    "CreationTime": "2024-03-01T10:00:00",
    "DnsName": "*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com",
    "ClientCidrBlock": "172.26.0.0/22",
    "DnsServers": [],
    "SplitTunnel": true,
    "VpnProtocol": "openvpn",
    "TransportProtocol": "udp",
    "VpnPort": 443,
    "ServerCertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
    "AuthenticationOptions": [{"Type": "federated-authentication",
        "FederatedAuthentication": {"SamlProviderArn": "arn:aws:iam::123456789012:saml-provider/okta"}}],
    "ConnectionLogOptions": {"Enabled": false},
    "Tags": [{"Key": "Name", "Value": "corp"}],
    "SecurityGroupIds": ["sg-0cvpn000000000001"],
    "VpcId": "vpc-0a1b2c3d4e5f60718",
    "SelfServicePortalUrl": "",
    "ClientConnectOptions": {"Enabled": false},
    "SessionTimeoutHours": 24}]}"#;

const CVPN_TARGETS: &str = r#"{"ClientVpnTargetNetworks": [
    {"AssociationId": "cvpn-assoc-0aaaaaaaaaaaaaaaa", "VpcId": "vpc-0a1b2c3d4e5f60718",
     "TargetNetworkId": "subnet-0aaa1111bbbb2222c", "ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0",
     "Status": {"Code": "associated"}, "SecurityGroups": ["sg-0cvpn000000000001"]},
    {"AssociationId": "cvpn-assoc-0bbbbbbbbbbbbbbbb", "VpcId": "vpc-0a1b2c3d4e5f60718",
     "TargetNetworkId": "subnet-0ddd3333eeee4444f", "ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0",
     "Status": {"Code": "associating"}, "SecurityGroups": ["sg-0cvpn000000000001"]}]}"#;

const CVPN_ROUTES: &str = r#"{"Routes": [
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "DestinationCidr": "10.0.0.0/16",
     "TargetSubnet": "subnet-0aaa1111bbbb2222c", "Type": "Nat", "Origin": "associate",
     "Status": {"Code": "active"}, "Description": "Default Route"},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "DestinationCidr": "10.0.0.0/16",
     "TargetSubnet": "subnet-0ddd3333eeee4444f", "Type": "Nat", "Origin": "associate",
     "Status": {"Code": "creating"}, "Description": "Default Route"},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "DestinationCidr": "0.0.0.0/0",
     "TargetSubnet": "subnet-0aaa1111bbbb2222c", "Type": "Nat", "Origin": "add-route",
     "Status": {"Code": "active"}, "Description": "internet"},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "DestinationCidr": "192.168.0.0/16",
     "TargetSubnet": "subnet-0ddd3333eeee4444f", "Type": "Nat"}]}"#;

const CVPN_RULES: &str = r#"{"AuthorizationRules": [
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "Description": "everyone to the vpc",
     "GroupId": "", "AccessAll": true, "DestinationCidr": "10.0.0.0/16", "Status": {"Code": "active"}},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "Description": "managers",
     "GroupId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", "AccessAll": false,
     "DestinationCidr": "10.0.2.119/32", "Status": {"Code": "active"}},
    {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "GroupId": "ops",
     "DestinationCidr": "0.0.0.0/0", "Status": {"Code": "revoking"}}]}"#;

fn cvpn_loader(skip: &[&str]) -> Loader {
    let mut l = Loader::new();
    // Parts before their endpoint, and each kind in its own file.
    for (f, t) in [
        ("snap/AuthorizationRules.json", CVPN_RULES),
        ("snap/Routes.json", CVPN_ROUTES),
        ("snap/ClientVpnTargetNetworks.json", CVPN_TARGETS),
        ("snap/ClientVpnEndpoints.json", CVPN_ENDPOINTS),
        ("snap/NetworkInterfaces.json", CVPN_ENIS),
        ("snap/SecurityGroups.json", CVPN_SGS),
        ("snap/Subnets.json", CVPN_SUBNETS),
        ("snap/Vpcs.json", CVPN_VPCS),
    ] {
        if !skip.iter().any(|s| f.contains(s)) {
            l.add_json(f, t).expect(f);
        }
    }
    l
}

const CVPN_ID: &str = "cvpn-endpoint-0123456789abcdef0";
const SUB_A: &str = "subnet-0aaa1111bbbb2222c";
const SUB_B: &str = "subnet-0ddd3333eeee4444f";

#[test]
fn client_vpn_snapshot() {
    let n = cvpn_loader(&[]).finish().expect("valid");
    assert!(n.skipped.is_empty(), "{:?}", n.skipped);
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    let ep = &n.client_vpn_endpoints[CVPN_ID];
    assert_eq!(ep.vpc, "vpc-0a1b2c3d4e5f60718");
    assert_eq!(ep.client_cidr, net("172.26.0.0/22"));
    assert!(ep.split_tunnel);
    assert_eq!(ep.status, "available");
    assert_eq!(ep.security_groups, ["sg-0cvpn000000000001"]);
    assert_eq!(ep.auth, [ClientVpnAuthType::Federated]);
    assert!(ep.has_groups());
    assert_eq!(ep.origin.file.as_ref(), "snap/ClientVpnEndpoints.json");

    assert_eq!(
        ep.associations,
        [
            ClientVpnAssociation {
                id: "cvpn-assoc-0aaaaaaaaaaaaaaaa".into(),
                subnet: SUB_A.into(),
                status: "associated".into(),
                interface: Some("eni-0c0ffee000000001a".into()),
            },
            ClientVpnAssociation {
                id: "cvpn-assoc-0bbbbbbbbbbbbbbbb".into(),
                subnet: SUB_B.into(),
                status: "associating".into(),
                interface: None,
            },
        ]
    );
    let route = |dest: &str, sub: &str, status: &str, origin: Option<&str>| ClientVpnRoute {
        dest: net(dest),
        target_subnet: sub.into(),
        status: status.into(),
        origin: origin.map(Into::into),
    };
    assert_eq!(
        ep.routes,
        [
            route("10.0.0.0/16", SUB_A, "active", Some("associate")),
            route("10.0.0.0/16", SUB_B, "creating", Some("associate")),
            route("0.0.0.0/0", SUB_A, "active", Some("add-route")),
            route("192.168.0.0/16", SUB_B, "unknown", None),
        ]
    );
    assert_eq!(
        ep.auth_rules,
        [
            ClientVpnAuthRule {
                dest: net("10.0.0.0/16"),
                access_all: true,
                group: None,
                status: "active".into(),
                description: Some("everyone to the vpc".into()),
            },
            ClientVpnAuthRule {
                dest: net("10.0.2.119/32"),
                access_all: false,
                group: Some("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111".into()),
                status: "active".into(),
                description: Some("managers".into()),
            },
            ClientVpnAuthRule {
                dest: net("0.0.0.0/0"),
                access_all: false,
                group: Some("ops".into()),
                status: "revoking".into(),
                description: None,
            },
        ]
    );
}

#[test]
fn client_vpn_snapshot_defaults() {
    // No Routes / AuthorizationRules documents, no SecurityGroupIds, no status.
    let mut l = cvpn_loader(&["ClientVpnEndpoints", "Routes", "AuthorizationRules"]);
    l.add_json(
        "snap/ClientVpnEndpoints.json",
        &format!(
            r#"{{"ClientVpnEndpoints": [{{"ClientVpnEndpointId": "{CVPN_ID}", "ClientCidrBlock": "172.26.0.0/22",
               "VpcId": "vpc-0a1b2c3d4e5f60718", "SecurityGroupIds": [],
               "AuthenticationOptions": [{{"Type": "certificate-authentication"}},
                                         {{"Type": "directory-service-authentication"}}]}}]}}"#
        ),
    )
    .expect("endpoint");
    let n = l.finish().expect("valid");
    let ep = &n.client_vpn_endpoints[CVPN_ID];
    assert_eq!(ep.status, "unknown");
    assert!(!ep.split_tunnel);
    assert_eq!(ep.security_groups, ["sg-0default00000000"], "vpc default");
    assert_eq!(
        ep.auth,
        [ClientVpnAuthType::Certificate, ClientVpnAuthType::Directory]
    );
    // Only the associated subnet gets the association routes, one per VPC CIDR.
    let routes: Vec<(IpNet, &str, &str, Option<&str>)> = ep
        .routes
        .iter()
        .map(|r| {
            (
                r.dest,
                r.target_subnet.as_str(),
                r.status.as_str(),
                r.origin.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            (net("10.0.0.0/16"), SUB_A, "active", Some("associate")),
            (net("10.1.0.0/16"), SUB_A, "active", Some("associate")),
        ]
    );
    assert!(ep.auth_rules.is_empty());
    // The ENI carries not the endpoint's (default) group, but is the only one.
    assert_eq!(
        ep.associations[0].interface.as_deref(),
        Some("eni-0c0ffee000000001a")
    );
    assert_eq!(
        n.warnings,
        [
            format!(
                "no `Routes` document: assumed only the routes Client VPN adds on association for `{CVPN_ID}`"
            ),
            format!("no `AuthorizationRules` document: nothing is authorized on `{CVPN_ID}`"),
        ]
    );
}

#[test]
fn client_vpn_snapshot_errors() {
    // A part naming an endpoint the input lacks.
    let mut l = cvpn_loader(&[]);
    l.add_json(
        "other/Routes.json",
        r#"{"Routes": [{"ClientVpnEndpointId": "cvpn-endpoint-0ffffffffffffffff", "DestinationCidr": "10.0.0.0/16",
            "TargetSubnet": "subnet-0aaa1111bbbb2222c", "Status": {"Code": "active"}}]}"#,
    )
    .expect("parses");
    let e = l.finish().expect_err("unknown endpoint");
    assert_eq!(
        e,
        IngestError::UnknownRef {
            file: "other/Routes.json".into(),
            resource: "Routes[0]".into(),
            field: "ClientVpnEndpointId".into(),
            kind: "client vpn endpoint".into(),
            id: "cvpn-endpoint-0ffffffffffffffff".into(),
        }
    );
    let e = json_err(
        "tn.json",
        r#"{"ClientVpnTargetNetworks": [{"AssociationId": "cvpn-assoc-1", "TargetNetworkId": "subnet-1",
            "ClientVpnEndpointId": "cvpn-endpoint-nope"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`tn.json`: client vpn association `cvpn-assoc-1`: field `ClientVpnEndpointId`: no client vpn endpoint `cvpn-endpoint-nope` in the input"
    );
    // An association subnet the input lacks (subnets loaded).
    let mut l = cvpn_loader(&[]);
    l.add_json(
        "more/ClientVpnTargetNetworks.json",
        &format!(
            r#"{{"ClientVpnTargetNetworks": [{{"AssociationId": "cvpn-assoc-9", "TargetNetworkId": "subnet-9",
               "ClientVpnEndpointId": "{CVPN_ID}", "Status": {{"Code": "associated"}}}}]}}"#
        ),
    )
    .expect("parses");
    assert_eq!(
        l.finish().expect_err("unknown subnet").to_string(),
        "`more/ClientVpnTargetNetworks.json`: client vpn association `cvpn-assoc-9`: field `TargetNetworkId`: no subnet `subnet-9` in the input"
    );
    // Per-item field errors.
    let e = json_err(
        "e.json",
        r#"{"ClientVpnEndpoints": [{"ClientVpnEndpointId": "cvpn-endpoint-1", "VpcId": "vpc-1",
            "ClientCidrBlock": "172.26.0.0/22", "AuthenticationOptions": [{"Type": "password"}]}]}"#,
    );
    assert!(
        matches!(&e, IngestError::Field { resource, field, .. } if resource == "client vpn endpoint `cvpn-endpoint-1`" && field == "AuthenticationOptions[0].Type"),
        "{e:?}"
    );
    let e = json_err(
        "r.json",
        r#"{"AuthorizationRules": [{"ClientVpnEndpointId": "cvpn-endpoint-1", "DestinationCidr": "10.0.0.0/33"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`r.json`: AuthorizationRules[0]: field `DestinationCidr`: invalid cidr `10.0.0.0/33`"
    );
    // Transit gateway route searches also print `Routes`: skipped, not misread.
    let mut l = Loader::new();
    l.add_json(
        "tgw.json",
        r#"{"Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "Type": "propagated", "State": "active"}],
            "AdditionalRoutesAvailable": false}"#,
    )
    .expect("skipped");
    let n = l.finish().expect("valid");
    assert_eq!(skipped_kinds(&n), ["AdditionalRoutesAvailable", "Routes"]);
}

const CVPN_YAML: &str = r#"
vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]
subnets:
  - {id: subnet-a, vpc: vpc-a, cidr: 10.0.1.0/24}
  - {id: subnet-b, vpc: vpc-a, cidr: 10.0.2.0/24}
security_groups:
  - {id: sg-cvpn, vpc: vpc-a}
interfaces:
  - {id: eni-cvpn-b, subnet: subnet-b, ip: 10.0.2.50, groups: [sg-cvpn], description: ClientVPN Endpoint resource}
client_vpn_endpoints:
  - id: cvpn-endpoint-0abc
    vpc: vpc-a
    client_cidr: 172.26.0.0/22
    split_tunnel: true
    status: available
    auth: [certificate, federated]
    security_groups: [sg-cvpn]
    associations:
      - subnet: subnet-a
        ip: 10.0.1.50
      - subnet: subnet-b
        id: cvpn-assoc-b
        status: associated
        interface: eni-cvpn-b
    routes:
      - {dest: 0.0.0.0/0, subnet: subnet-a}
      - {dest: 192.168.0.0/16, subnet: subnet-b, status: creating}
    authorization:
      - {dest: 10.0.0.0/16, access_all: true}
      - {dest: 10.0.2.119/32, group: S-xxxxx16, description: managers}
  - id: cvpn-endpoint-min
    vpc: vpc-a
    client_cidr: 172.27.0.0/22
    associations: [{subnet: subnet-b, status: disassociated}]
    authorization: []
"#;

#[test]
fn client_vpn_yaml() {
    let mut l = Loader::new();
    l.add_yaml("cvpn.yaml", CVPN_YAML).expect("parses");
    let n = l.finish().expect("valid");
    assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    let ep = &n.client_vpn_endpoints["cvpn-endpoint-0abc"];
    assert_eq!(
        (
            ep.vpc.as_str(),
            ep.client_cidr,
            ep.split_tunnel,
            ep.status.as_str()
        ),
        ("vpc-a", net("172.26.0.0/22"), true, "available")
    );
    assert_eq!(
        ep.auth,
        [ClientVpnAuthType::Certificate, ClientVpnAuthType::Federated]
    );
    assert_eq!(ep.security_groups, ["sg-cvpn"]);
    assert_eq!(
        ep.associations,
        [
            ClientVpnAssociation {
                id: "cvpn-assoc-subnet-a".into(),
                subnet: "subnet-a".into(),
                status: "associated".into(),
                interface: Some("eni-cvpn-assoc-subnet-a".into()),
            },
            ClientVpnAssociation {
                id: "cvpn-assoc-b".into(),
                subnet: "subnet-b".into(),
                status: "associated".into(),
                interface: Some("eni-cvpn-b".into()),
            },
        ]
    );
    // `ip` created the association's interface.
    let eni = &n.interfaces["eni-cvpn-assoc-subnet-a"];
    assert_eq!(
        (
            eni.kind.as_str(),
            eni.subnet.as_str(),
            eni.vpc.as_str(),
            eni.primary_ip(),
            eni.groups.clone(),
            eni.description.as_deref()
        ),
        (
            "client_vpn",
            "subnet-a",
            "vpc-a",
            Some(ip("10.0.1.50")),
            vec!["sg-cvpn".to_string()],
            Some("ClientVPN Endpoint resource")
        )
    );
    let routes: Vec<(IpNet, &str, &str, Option<&str>)> = ep
        .routes
        .iter()
        .map(|r| {
            (
                r.dest,
                r.target_subnet.as_str(),
                r.status.as_str(),
                r.origin.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            (net("10.0.0.0/16"), "subnet-a", "active", Some("associate")),
            (net("10.0.0.0/16"), "subnet-b", "active", Some("associate")),
            (net("0.0.0.0/0"), "subnet-a", "active", Some("add-route")),
            (
                net("192.168.0.0/16"),
                "subnet-b",
                "creating",
                Some("add-route")
            ),
        ]
    );
    assert_eq!(
        ep.auth_rules,
        [
            ClientVpnAuthRule {
                dest: net("10.0.0.0/16"),
                access_all: true,
                group: None,
                status: "active".into(),
                description: None,
            },
            ClientVpnAuthRule {
                dest: net("10.0.2.119/32"),
                access_all: false,
                group: Some("S-xxxxx16".into()),
                status: "active".into(),
                description: Some("managers".into()),
            },
        ]
    );
    // Defaults: certificate auth, the VPC default group, no routes for a
    // disassociated subnet, status from the associations.
    let min = &n.client_vpn_endpoints["cvpn-endpoint-min"];
    assert_eq!(min.auth, [ClientVpnAuthType::Certificate]);
    assert!(!min.split_tunnel);
    assert_eq!(min.security_groups, ["sg-default-vpc-a"]);
    assert_eq!(min.status, "pending-associate");
    assert_eq!(min.associations[0].interface, None);
    assert!(min.routes.is_empty());
}

#[test]
fn client_vpn_yaml_errors() {
    let with = |endpoint: &str| {
        format!(
            "vpcs: [{{id: vpc-a, cidr: 10.0.0.0/16}}, {{id: vpc-b, cidr: 10.1.0.0/16}}]\n\
             subnets: [{{id: subnet-a, vpc: vpc-a, cidr: 10.0.1.0/24}}, {{id: subnet-b, vpc: vpc-a, cidr: 10.0.2.0/24}},\n\
                       {{id: subnet-x, vpc: vpc-b, cidr: 10.1.1.0/24}}]\n\
             client_vpn_endpoints:\n  - {{id: cvpn-endpoint-1, vpc: vpc-a, client_cidr: 172.26.0.0/22, {endpoint}}}\n"
        )
    };
    let field_of = |e: &IngestError| match e {
        IngestError::Field {
            resource, field, ..
        }
        | IngestError::UnknownRef {
            resource, field, ..
        } => {
            assert_eq!(resource, "client vpn endpoint `cvpn-endpoint-1`", "{e}");
            field.clone()
        }
        _ => panic!("{e:?}"),
    };
    // Authorization rules: exactly one of access_all: true / group.
    let e = yaml_err(&with(
        "authorization: [{dest: 10.0.0.0/16, access_all: true, group: g-1}]",
    ));
    assert_eq!(field_of(&e), "authorization[0].group");
    let e = yaml_err(&with("authorization: [{dest: 10.0.0.0/16}]"));
    assert_eq!(field_of(&e), "authorization[0].access_all");
    assert_eq!(
        e.to_string(),
        "`m.yaml`: client vpn endpoint `cvpn-endpoint-1`: field `authorization[0].access_all`: missing: exactly one of `access_all: true` and `group`"
    );
    let e = yaml_err(&with(
        "authorization: [{dest: 10.0.0.0/16, access_all: false}]",
    ));
    assert_eq!(field_of(&e), "authorization[0].access_all");
    // A route through a subnet that is not associated.
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-a}], routes: [{dest: 0.0.0.0/0, subnet: subnet-b}], authorization: []",
    ));
    assert_eq!(
        e.to_string(),
        "`m.yaml`: client vpn endpoint `cvpn-endpoint-1`: field `routes[0].subnet`: subnet `subnet-b` is not associated with the endpoint (associations: subnet-a)"
    );
    // Association checks.
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-x}], authorization: []",
    ));
    assert_eq!(field_of(&e), "associations[0].subnet");
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-9}], authorization: []",
    ));
    assert!(matches!(e, IngestError::UnknownRef { .. }), "{e:?}");
    assert_eq!(field_of(&e), "associations[0].subnet");
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-a, ip: 10.0.2.5}], authorization: []",
    ));
    assert_eq!(field_of(&e), "associations[0].ip");
    let e = yaml_err(&with(
        "associations: [{subnet: subnet-a, interface: eni-nope}], authorization: []",
    ));
    assert!(matches!(e, IngestError::UnknownRef { .. }), "{e:?}");
    assert_eq!(field_of(&e), "associations[0].interface");
    // References and shape.
    let e = yaml_err(&with("security_groups: [sg-nope], authorization: []"));
    assert_eq!(
        e.to_string(),
        "`m.yaml`: client vpn endpoint `cvpn-endpoint-1`: field `security_groups`: no security group `sg-nope` in the input"
    );
    let e = yaml_err(&with("auth: password"));
    assert_eq!(field_of(&e), "auth");
    let e = yaml_err(&with("splittunnel: true"));
    assert_eq!(field_of(&e), "splittunnel");
    let e = yaml_err(&with("associations: [{subnet: subnet-a, ipp: 10.0.1.5}]"));
    assert_eq!(field_of(&e), "associations[0].ipp");
    // No `authorization`: a warning.
    let mut l = Loader::new();
    l.add_yaml("m.yaml", &with("auth: directory"))
        .expect("parses");
    let n = l.finish().expect("valid");
    assert_eq!(
        n.warnings,
        [
            "`m.yaml`: client vpn endpoint `cvpn-endpoint-1`: no `authorization`: nothing is authorized"
        ]
    );
    assert_eq!(
        n.client_vpn_endpoints["cvpn-endpoint-1"].auth,
        [ClientVpnAuthType::Directory]
    );
}

#[test]
fn association_ids_are_unique_across_endpoints() {
    // Found by the differential test: both endpoints defaulted to
    // `cvpn-assoc-subnet-1`, and replies to one were taken for the other's.
    let endpoint = |id: &str, cidr: &str| {
        format!(
            "  - {{id: {id}, vpc: vpc-1, client_cidr: {cidr}, associations: [{{subnet: subnet-1}}], authorization: []}}\n"
        )
    };
    let base = "vpcs: [{id: vpc-1, cidr: 10.0.0.0/16}]\nsubnets: [{id: subnet-1, vpc: vpc-1, cidr: 10.0.1.0/24}]\nclient_vpn_endpoints:\n";
    let text = format!(
        "{base}{}{}",
        endpoint("cvpn-endpoint-a", "172.26.0.0/22"),
        endpoint("cvpn-endpoint-b", "172.27.0.0/22")
    );
    let m = yaml_err(&text).to_string();
    assert!(m.contains("associations[0].id"), "{m}");
    assert!(
        m.contains("`cvpn-assoc-subnet-1` is also an association of `cvpn-endpoint-a`"),
        "{m}"
    );
    // Distinct IDs load.
    let ok = text.replacen(
        "[{subnet: subnet-1}]",
        "[{subnet: subnet-1, id: cvpn-assoc-b}]",
        1,
    );
    let mut l = Loader::new();
    l.add_yaml("m.yaml", &ok).unwrap();
    assert_eq!(l.finish().unwrap().client_vpn_endpoints.len(), 2);
}
