#!/usr/bin/env python3
"""Writes seed 003 (models/seed-003-ad-onprem.yaml) as the AWS CLI prints it:
one `aws ec2 describe-*` output per file. The association ENI shows its public
IP under `Association.PublicIp`, as the seed's console screenshot does; the VPN
gateway is listed (`describe-vpn-gateways`, a type the model reports as
skipped). Run it to regenerate; the JSON is committed."""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
OWNER = "123456789012"
VPC, PUB, PRIV = "vpc-0c3blog000000001", "subnet-0c3cvpn00000001", "subnet-0c3priv00000001"
IGW, VGW = "igw-0c3blog000000001", "vgw-0c3onprem000001"
EP = "cvpn-endpoint-0c3blog00000001"
SID = "S-1-5-21-1004336348-1177238915-682003330-1105"


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=4)
        f.write("\n")


write("vpcs.json", {"Vpcs": [{"CidrBlock": "10.0.0.0/16", "DhcpOptionsId": "dopt-0c3", "State": "available",
                              "VpcId": VPC, "OwnerId": OWNER, "InstanceTenancy": "default",
                              "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0c3", "CidrBlock": "10.0.0.0/16",
                                                           "CidrBlockState": {"State": "associated"}}],
                              "IsDefault": False}]})
write("subnets.json", {"Subnets": [
    {"AvailabilityZone": "us-east-1a", "CidrBlock": cidr, "State": "available", "SubnetId": sid, "VpcId": VPC,
     "OwnerId": OWNER, "MapPublicIpOnLaunch": pub, "DefaultForAz": False, "AvailableIpAddressCount": 250,
     "Ipv6CidrBlockAssociationSet": [], "AssignIpv6AddressOnCreation": False}
    for sid, cidr, pub in [(PUB, "10.0.0.0/24", True), (PRIV, "10.0.1.0/24", False)]]})


def route(cidr, key, target, origin="CreateRoute"):
    return {"DestinationCidrBlock": cidr, key: target, "Origin": origin, "State": "active"}


LOCAL = route("10.0.0.0/16", "GatewayId", "local", "CreateRouteTable")
ONPREM = route("10.200.0.0/24", "GatewayId", VGW, "EnableVgwRoutePropagation")


def assoc(rtb, n, subnet=None, main=False):
    a = {"Main": main, "RouteTableAssociationId": f"rtbassoc-0c3{n}", "RouteTableId": rtb,
         "AssociationState": {"State": "associated"}}
    if subnet:
        a["SubnetId"] = subnet
    return a


write("route-tables.json", {"RouteTables": [
    {"Associations": [assoc("rtb-0c3main000000001", 1, main=True)], "PropagatingVgws": [],
     "RouteTableId": "rtb-0c3main000000001", "Routes": [LOCAL], "VpcId": VPC, "OwnerId": OWNER},
    {"Associations": [assoc("rtb-0c3cvpn00000001", 2, subnet=PUB)], "PropagatingVgws": [{"GatewayId": VGW}],
     "RouteTableId": "rtb-0c3cvpn00000001", "Routes": [LOCAL, ONPREM, route("0.0.0.0/0", "GatewayId", IGW)],
     "VpcId": VPC, "OwnerId": OWNER},
    {"Associations": [assoc("rtb-0c3priv00000001", 3, subnet=PRIV)], "PropagatingVgws": [{"GatewayId": VGW}],
     "RouteTableId": "rtb-0c3priv00000001", "Routes": [LOCAL, ONPREM], "VpcId": VPC, "OwnerId": OWNER},
]})
write("internet-gateways.json", {"InternetGateways": [
    {"Attachments": [{"State": "available", "VpcId": VPC}], "InternetGatewayId": IGW, "OwnerId": OWNER, "Tags": []}]})
write("vpn-gateways.json", {"VpnGateways": [
    {"State": "available", "Type": "ipsec.1", "VpcAttachments": [{"State": "attached", "VpcId": VPC}],
     "VpnGatewayId": VGW, "AmazonSideAsn": 64512, "Tags": []}]})
entries = []
for egress in (True, False):
    entries += [{"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
                {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767}]
write("network-acls.json", {"NetworkAcls": [
    {"Associations": [{"NetworkAclAssociationId": f"aclassoc-0c3{i}", "NetworkAclId": "acl-0c3default000001",
                       "SubnetId": s} for i, s in enumerate([PUB, PRIV])],
     "Entries": entries, "IsDefault": True, "NetworkAclId": "acl-0c3default000001", "VpcId": VPC, "OwnerId": OWNER}]})
ALL_OUT = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [],
            "UserIdGroupPairs": []}]
write("security-groups.json", {"SecurityGroups": [
    {"Description": "Allow All", "GroupName": "Allow All", "GroupId": "sg-0c3allowall000001", "VpcId": VPC,
     "OwnerId": OWNER, "IpPermissions": ALL_OUT, "IpPermissionsEgress": ALL_OUT},
    {"Description": "ssh from VPN clients only", "GroupName": "from-vpn-only", "GroupId": "sg-0c3server00000001",
     "VpcId": VPC, "OwnerId": OWNER, "IpPermissionsEgress": ALL_OUT,
     "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [], "Ipv6Ranges": [],
                        "PrefixListIds": [],
                        "UserIdGroupPairs": [{"GroupId": "sg-0c3allowall000001", "UserId": OWNER}]}]},
]})
assoc_eni = {"AvailabilityZone": "us-east-1a", "Description": "ClientVPN Endpoint resource",
             "Groups": [{"GroupName": "Allow All", "GroupId": "sg-0c3allowall000001"}], "InterfaceType": "interface",
             "Ipv6Addresses": [], "NetworkInterfaceId": "eni-0c3cvpnassoc00001", "OwnerId": OWNER,
             "Association": {"IpOwnerId": "amazon", "PublicDnsName": "ec2-54-199-20-31.compute-1.amazonaws.com",
                             "PublicIp": "54.199.20.31"},
             "PrivateIpAddress": "10.0.0.50",
             "PrivateIpAddresses": [{"Association": {"IpOwnerId": "amazon", "PublicIp": "54.199.20.31"},
                                     "Primary": True, "PrivateIpAddress": "10.0.0.50"}],
             "RequesterId": "AROAEXAMPLECLIENTVPN", "RequesterManaged": True, "SourceDestCheck": True,
             "Status": "in-use", "SubnetId": PUB, "TagSet": [], "VpcId": VPC}
server_eni = {"AvailabilityZone": "us-east-1a", "Description": "", "InterfaceType": "interface",
              "Groups": [{"GroupName": "from-vpn-only", "GroupId": "sg-0c3server00000001"}], "Ipv6Addresses": [],
              "NetworkInterfaceId": "eni-0c3server0000001", "OwnerId": OWNER, "PrivateIpAddress": "10.0.1.10",
              "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.1.10"}],
              "Attachment": {"AttachmentId": "eni-attach-0c3", "DeleteOnTermination": True, "DeviceIndex": 0,
                             "NetworkCardIndex": 0, "InstanceId": "i-0c3server0000001", "InstanceOwnerId": OWNER,
                             "Status": "attached"},
              "RequesterManaged": False, "SourceDestCheck": True, "Status": "in-use", "SubnetId": PRIV,
              "TagSet": [], "VpcId": VPC}
write("network-interfaces.json", {"NetworkInterfaces": [assoc_eni, server_eni]})
write("client-vpn-endpoints.json", {"ClientVpnEndpoints": [{
    "ClientVpnEndpointId": EP, "Description": "AD users", "Status": {"Code": "available"},
    "ClientCidrBlock": "172.16.0.0/22", "DnsServers": [], "SplitTunnel": False, "VpnProtocol": "openvpn",
    "TransportProtocol": "udp", "VpnPort": 443,
    "AuthenticationOptions": [{"Type": "directory-service-authentication",
                               "ActiveDirectory": {"DirectoryId": "d-906717e9a1"}}],
    "ConnectionLogOptions": {"Enabled": True, "CloudwatchLogGroup": "client-vpn"},
    "SecurityGroupIds": ["sg-0c3allowall000001"], "VpcId": VPC}]})
write("client-vpn-target-networks.json", {"ClientVpnTargetNetworks": [
    {"AssociationId": "cvpn-assoc-0c3cvpn0000001", "VpcId": VPC, "TargetNetworkId": PUB, "ClientVpnEndpointId": EP,
     "Status": {"Code": "associated"}, "SecurityGroups": ["sg-0c3allowall000001"]}]})
write("client-vpn-routes.json", {"Routes": [
    {"ClientVpnEndpointId": EP, "DestinationCidr": cidr, "TargetSubnet": PUB, "Type": "Nat", "Origin": origin,
     "Status": {"Code": "active"}, "Description": desc}
    for cidr, origin, desc in [("10.0.0.0/16", "associate", "Default Route"), ("0.0.0.0/0", "add-route", "internet"),
                               ("10.200.0.0/24", "add-route", "on-premises")]]})
write("client-vpn-authorization-rules.json", {"AuthorizationRules": [
    {"ClientVpnEndpointId": EP, "Description": "Client VPN AD group", "GroupId": SID, "AccessAll": False,
     "DestinationCidr": "0.0.0.0/0", "Status": {"Code": "active"}}]})
