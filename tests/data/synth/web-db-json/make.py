#!/usr/bin/env python3
"""Writes the JSON files of this folder: one `aws ec2 describe-*` output per
file, as the AWS CLI prints it. A web server in a public subnet and a
database in a private one, with every filter wide open: the network
`reach synth` and `reach tighten` are tested on in AWS CLI JSON
(tests/it/synth.rs, with ../intents-web-db.yaml). Run it to regenerate."""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
OWNER = "123456789012"
VPC = "vpc-0a1b2c3d4e5f60001"


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=4)
        f.write("\n")


def tags(name):
    return [{"Key": "Name", "Value": name}]


write("vpcs.json", {"Vpcs": [{
    "CidrBlock": "10.20.0.0/16", "State": "available", "VpcId": VPC, "OwnerId": OWNER,
    "InstanceTenancy": "default", "IsDefault": False,
    "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0a1", "CidrBlock": "10.20.0.0/16",
                                 "CidrBlockState": {"State": "associated"}}],
    "Tags": tags("web-db")}]})

write("subnets.json", {"Subnets": [
    {"AvailabilityZone": "eu-west-1a", "CidrBlock": "10.20.1.0/24", "State": "available",
     "SubnetId": "subnet-0web00000000001", "VpcId": VPC, "OwnerId": OWNER,
     "MapPublicIpOnLaunch": True, "Tags": tags("public")},
    {"AvailabilityZone": "eu-west-1a", "CidrBlock": "10.20.2.0/24", "State": "available",
     "SubnetId": "subnet-0db000000000002", "VpcId": VPC, "OwnerId": OWNER,
     "MapPublicIpOnLaunch": False, "Tags": tags("private")},
]})

write("internet-gateways.json", {"InternetGateways": [{
    "Attachments": [{"State": "available", "VpcId": VPC}],
    "InternetGatewayId": "igw-0web0000000000001", "OwnerId": OWNER, "Tags": tags("igw")}]})

write("route-tables.json", {"RouteTables": [
    {"Associations": [{"Main": True, "RouteTableAssociationId": "rtbassoc-0main",
                       "RouteTableId": "rtb-0main000000000001",
                       "AssociationState": {"State": "associated"}}],
     "RouteTableId": "rtb-0main000000000001", "VpcId": VPC, "OwnerId": OWNER,
     "Routes": [{"DestinationCidrBlock": "10.20.0.0/16", "GatewayId": "local",
                 "Origin": "CreateRouteTable", "State": "active"}]},
    {"Associations": [{"Main": False, "RouteTableAssociationId": "rtbassoc-0pub",
                       "RouteTableId": "rtb-0public0000000001", "SubnetId": "subnet-0web00000000001",
                       "AssociationState": {"State": "associated"}}],
     "RouteTableId": "rtb-0public0000000001", "VpcId": VPC, "OwnerId": OWNER,
     "Routes": [{"DestinationCidrBlock": "10.20.0.0/16", "GatewayId": "local",
                 "Origin": "CreateRouteTable", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0web0000000000001",
                 "Origin": "CreateRoute", "State": "active"}]},
]})


def allow_all(egress):
    return [{"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "allow",
             "RuleNumber": 100},
            {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "deny",
             "RuleNumber": 32767}]


write("network-acls.json", {"NetworkAcls": [{
    "Associations": [{"NetworkAclAssociationId": "aclassoc-0a", "NetworkAclId": "acl-0default000000001",
                      "SubnetId": "subnet-0web00000000001"},
                     {"NetworkAclAssociationId": "aclassoc-0b", "NetworkAclId": "acl-0default000000001",
                      "SubnetId": "subnet-0db000000000002"}],
    "Entries": allow_all(False) + allow_all(True),
    "IsDefault": True, "NetworkAclId": "acl-0default000000001", "VpcId": VPC, "OwnerId": OWNER}]})


def open_group(gid, name):
    return {"Description": name, "GroupName": name, "GroupId": gid, "OwnerId": OWNER, "VpcId": VPC,
            "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                               "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                                     "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}],
            "Tags": tags(name)}


write("security-groups.json", {"SecurityGroups": [
    open_group("sg-0web000000000001", "web"),
    open_group("sg-0db0000000000002", "db"),
]})


def eni(eni_id, subnet, ip, group, instance, public=None):
    assoc = {"Association": {"PublicIp": public, "IpOwnerId": "amazon"}} if public else {}
    return {"Attachment": {"AttachmentId": "eni-attach-" + eni_id[4:], "DeviceIndex": 0,
                           "InstanceId": instance, "Status": "attached"},
            "AvailabilityZone": "eu-west-1a", "Groups": [{"GroupId": group, "GroupName": group}],
            "InterfaceType": "interface", "NetworkInterfaceId": eni_id, "OwnerId": OWNER,
            "PrivateIpAddress": ip,
            "PrivateIpAddresses": [dict({"Primary": True, "PrivateIpAddress": ip}, **assoc)],
            "Status": "in-use", "SubnetId": subnet, "VpcId": VPC, **assoc}


write("network-interfaces.json", {"NetworkInterfaces": [
    eni("eni-0web000000000001", "subnet-0web00000000001", "10.20.1.10", "sg-0web000000000001",
        "i-0web000000000001", public="203.0.113.10"),
    eni("eni-0db0000000000002", "subnet-0db000000000002", "10.20.2.20", "sg-0db0000000000002",
        "i-0db0000000000002"),
]})

write("instances.json", {"Reservations": [{"Instances": [
    {"InstanceId": "i-0web000000000001", "State": {"Code": 16, "Name": "running"},
     "PlatformDetails": "Linux/UNIX", "Tags": tags("web")},
    {"InstanceId": "i-0db0000000000002", "State": {"Code": 16, "Name": "running"},
     "PlatformDetails": "Linux/UNIX", "Tags": tags("db")},
], "OwnerId": OWNER, "ReservationId": "r-0webdb"}]})
