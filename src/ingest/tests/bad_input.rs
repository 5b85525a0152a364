//! Bad input: an error naming file, resource and field.

use super::*;

#[test]
fn malformed_json() {
    let e = json_err(
        "snap/Subnets.json",
        "{\"Subnets\": [\n  {\"SubnetId\": \"subnet-1\",}\n]}",
    );
    assert!(matches!(e, IngestError::Parse { .. }), "{e:?}");
    let m = e.to_string();
    assert!(m.starts_with("`snap/Subnets.json`: invalid json: "), "{m}");
    assert!(m.contains("line 2"), "{m}");
    let e = json_err("a.json", "[1, 2]");
    assert!(matches!(e, IngestError::Parse { .. }), "{e:?}");
}

#[test]
fn malformed_yaml() {
    let e = yaml_err("vpcs:\n  - {id: vpc-a, cidr: [10.0.0.0/16}\n");
    assert!(matches!(e, IngestError::Parse { .. }), "{e:?}");
    let m = e.to_string();
    assert!(m.starts_with("`m.yaml`: invalid yaml: "), "{m}");
    assert!(m.contains("line 2"), "{m}");
    assert!(!m.contains('\n'));
}

#[test]
fn missing_required_field() {
    let e = json_err(
        "snap/Subnets.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "AvailabilityZone": "a"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`snap/Subnets.json`: subnet `subnet-1`: field `CidrBlock`: missing"
    );
    let e = json_err(
        "snap/Subnets.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "CidrBlock": "10.0.0.0/24"}]}"#,
    );
    assert_eq!(
        e,
        IngestError::Field {
            file: "snap/Subnets.json".into(),
            resource: "subnet `subnet-1`".into(),
            field: "VpcId".into(),
            message: "missing".into(),
        }
    );
    // Nested path, and an item without its ID is named by position.
    let e = json_err(
        "sg.json",
        r#"{"SecurityGroups": [{"VpcId": "v", "IpPermissions": []}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`sg.json`: SecurityGroups[0]: field `GroupId`: missing"
    );
    let e = json_err(
        "sg.json",
        r#"{"SecurityGroups": [{"GroupId": "sg-1", "VpcId": "v", "IpPermissions": [{"IpProtocol": "tcp", "IpRanges": [{}]}]}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`sg.json`: security group `sg-1`: field `IpPermissions[0].IpRanges[0].CidrIp`: missing"
    );
    // Mistyped.
    let e = json_err("v.json", r#"{"Vpcs": [{"VpcId": 5}]}"#);
    assert!(
        matches!(&e, IngestError::Field { field, .. } if field == "VpcId"),
        "{e:?}"
    );
    // YAML missing field, with line/column.
    let e = yaml_err("subnets:\n  - {id: subnet-1, cidr: 10.0.0.0/24}\n");
    assert!(
        matches!(&e, IngestError::Field { resource, field, .. } if resource == "subnet `subnet-1`" && field == "vpc"),
        "{e:?}"
    );
    assert!(e.to_string().contains("missing at line 2"), "{e}");
}

#[test]
fn unknown_reference() {
    let e = yaml_err(
        "vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]\n\
         subnets: [{id: subnet-1, vpc: vpc-a, cidr: 10.0.0.0/24}]\n\
         interfaces: [{id: eni-1, subnet: subnet-9, ip: 10.0.0.5}]\n",
    );
    assert_eq!(
        e.to_string(),
        "`m.yaml`: network interface `eni-1`: field `subnet`: no subnet `subnet-9` in the input"
    );
    assert!(matches!(e, IngestError::UnknownRef { .. }));

    let mut l = Loader::new();
    l.add_json(
        "v.json",
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#,
    )
    .expect("vpcs");
    l.add_json(
        "s.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-2", "CidrBlock": "10.0.0.0/24"}]}"#,
    )
    .expect("subnets");
    let e = l.finish().expect_err("unknown vpc");
    assert_eq!(
        e,
        IngestError::UnknownRef {
            file: "s.json".into(),
            resource: "subnet `subnet-1`".into(),
            field: "VpcId".into(),
            kind: "vpc".into(),
            id: "vpc-2".into(),
        }
    );
}

#[test]
fn unchecked_reference_kind_warns_once() {
    let mut l = Loader::new();
    l.add_json(
        "s.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-2", "CidrBlock": "10.0.0.0/24"},
                        {"SubnetId": "subnet-2", "VpcId": "vpc-3", "CidrBlock": "10.0.1.0/24"}]}"#,
    )
    .expect("subnets");
    let n = l.finish().expect("no vpcs loaded: not checked");
    assert_eq!(
        n.warnings,
        ["no `Vpcs` document or `vpcs` model section: vpc references not checked"]
    );
}

#[test]
fn unparsable_cidr() {
    let e = json_err(
        "snap/Subnets.json",
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/33"}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "`snap/Subnets.json`: subnet `subnet-1`: field `CidrBlock`: invalid cidr `10.0.0.0/33`"
    );
    let e = yaml_err("vpcs:\n  - id: vpc-a\n    cidr: 10.0.0.1/16\n");
    let m = e.to_string();
    assert!(
        m.starts_with(
            "`m.yaml`: vpc `vpc-a`: field `cidr`: invalid cidr `10.0.0.1/16`: host bits set"
        ),
        "{m}"
    );
    assert!(m.contains("line 3"), "{m}");
    let e = yaml_err(
        "security_groups:\n  - id: sg-1\n    vpc: v\n    ingress: [{proto: tcp, ports: 22, from: [10.0.0.0/8, nope]}]\n",
    );
    assert!(
        matches!(&e, IngestError::Field { field, message, .. } if field == "ingress[0].from[1]" && message.starts_with("invalid cidr `nope`")),
        "{e:?}"
    );
}

#[test]
fn unknown_yaml_key() {
    let e = yaml_err("subnets:\n  - {id: subnet-1, vpcc: vpc-a, cidr: 10.0.0.0/24}\n");
    assert!(matches!(&e, IngestError::Field { .. }), "{e:?}");
    let m = e.to_string();
    assert!(
        m.starts_with("`m.yaml`: subnet `subnet-1`: field `vpcc`: unknown field `vpcc`"),
        "{m}"
    );
    assert!(m.contains("line 2"), "{m}");
    let e = yaml_err("subnetz: []\n");
    assert!(
        e.to_string()
            .starts_with("`m.yaml`: model: field `subnetz`: unknown field `subnetz`"),
        "{e}"
    );
    let e = yaml_err(
        "route_tables:\n  - id: rtb-1\n    vpc: v\n    routes:\n      - {dest: 0.0.0.0/0, taget: igw-1}\n",
    );
    assert!(
        matches!(&e, IngestError::Field { resource, field, .. } if resource == "route table `rtb-1`" && field == "routes[0].taget"),
        "{e:?}"
    );
}

#[test]
fn yaml_rule_checks() {
    let e = yaml_err(
        "security_groups:\n  - {id: sg-1, vpc: v, ingress: [{proto: icmp, ports: 22, from: 0.0.0.0/0}]}\n",
    );
    assert!(
        matches!(&e, IngestError::Field { field, .. } if field == "ingress[0].ports"),
        "{e:?}"
    );
    let e = yaml_err(
        "security_groups:\n  - {id: sg-1, vpc: v, ingress: [{proto: tcp, to: 0.0.0.0/0}]}\n",
    );
    assert!(
        matches!(&e, IngestError::Field { field, .. } if field == "ingress[0].to"),
        "{e:?}"
    );
    let e = yaml_err(
        "network_acls:\n  - {id: a, vpc: v, inbound: [{rule: 100, proto: all, cidr: 0.0.0.0/0, action: allow}, {rule: 100, proto: all, cidr: 0.0.0.0/0, action: deny}]}\n",
    );
    assert!(
        matches!(&e, IngestError::Field { field, .. } if field == "inbound[1].rule"),
        "{e:?}"
    );
    let e = yaml_err(
        "security_groups:\n  - {id: sg-1, vpc: v, ingress: [{proto: tcp, ports: 22, from: sg-nope}]}\n",
    );
    assert_eq!(
        e.to_string(),
        "`m.yaml`: security group `sg-1`: field `ingress[0].from`: no security group `sg-nope` in the input"
    );
}
