#!/usr/bin/env python3
"""Writes an account whose access paths come from a real directory (issue 17),
as the AWS CLI prints it: a Verified Access endpoint to an SSH server whose
group policy needs two IAM Identity Center groups at once (engineering *and*
DBA) and forbids contractors; a second Verified Access endpoint, to another
network, whose policy reads device posture (`context.jamf`) that a plain
question does not give; a Client VPN endpoint (SAML) with a client-to-client
route (`local`) and an authorization rule for the client CIDR. Run it to
regenerate; the JSON is committed."""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
OWNER = "123456789012"
VPC, SUBNET = "vpc-0acc000000000001", "subnet-0acc000000000001"
ENG, DBA, CON = "a1b2c3d4-eng0-4000-8000-000000000001", "a1b2c3d4-dba0-4000-8000-000000000002", \
    "a1b2c3d4-con0-4000-8000-000000000003"
VAI, VATP = "vai-0acc000000000001", "vatp-0acc000000000001"


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=4)
        f.write("\n")


write("vpcs.json", {"Vpcs": [{"CidrBlock": "10.0.0.0/16", "State": "available", "VpcId": VPC, "OwnerId": OWNER,
                              "CidrBlockAssociationSet": [{"CidrBlock": "10.0.0.0/16",
                                                           "CidrBlockState": {"State": "associated"}}],
                              "IsDefault": False}]})
write("subnets.json", {"Subnets": [{"AvailabilityZone": "ap-northeast-1a", "CidrBlock": "10.0.2.0/24",
                                    "State": "available", "SubnetId": SUBNET, "VpcId": VPC, "OwnerId": OWNER}]})
write("route-tables.json", {"RouteTables": [{"Associations": [{"Main": True, "RouteTableId": "rtb-0acc000000000001",
                                                               "AssociationState": {"State": "associated"}}],
                                             "RouteTableId": "rtb-0acc000000000001", "VpcId": VPC, "OwnerId": OWNER,
                                             "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local",
                                                         "Origin": "CreateRouteTable", "State": "active"}]}]})
entries = []
for egress in (True, False):
    entries += [{"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
                {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767}]
write("network-acls.json", {"NetworkAcls": [{"Associations": [{"NetworkAclId": "acl-0acc000000000001", "SubnetId": SUBNET}],
                                             "Entries": entries, "IsDefault": True, "NetworkAclId": "acl-0acc000000000001",
                                             "VpcId": VPC, "OwnerId": OWNER}]})
ALL = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [],
        "UserIdGroupPairs": []}]
write("security-groups.json", {"SecurityGroups": [
    {"GroupId": "sg-0accva0000000001", "GroupName": "verified-access", "Description": "va", "VpcId": VPC,
     "OwnerId": OWNER, "IpPermissions": [], "IpPermissionsEgress": ALL},
    {"GroupId": "sg-0acccvpn00000001", "GroupName": "client-vpn", "Description": "cvpn", "VpcId": VPC,
     "OwnerId": OWNER, "IpPermissions": [], "IpPermissionsEgress": ALL},
    {"GroupId": "sg-0accdb0000000001", "GroupName": "db-bastion", "Description": "ssh from access paths",
     "VpcId": VPC, "OwnerId": OWNER, "IpPermissionsEgress": ALL,
     "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [], "Ipv6Ranges": [],
                        "PrefixListIds": [],
                        "UserIdGroupPairs": [{"GroupId": "sg-0accva0000000001", "UserId": OWNER},
                                             {"GroupId": "sg-0acccvpn00000001", "UserId": OWNER}]}]},
]})
write("network-interfaces.json", {"NetworkInterfaces": [
    {"NetworkInterfaceId": "eni-0accdb0000000001", "SubnetId": SUBNET, "VpcId": VPC, "AvailabilityZone": "ap-northeast-1a",
     "Description": "", "InterfaceType": "interface", "Status": "in-use", "OwnerId": OWNER,
     "Groups": [{"GroupId": "sg-0accdb0000000001", "GroupName": "db-bastion"}],
     "PrivateIpAddress": "10.0.2.35", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.2.35", "Primary": True}],
     "Attachment": {"DeviceIndex": 0, "InstanceId": "i-0accdb0000000001", "Status": "attached"}},
    {"NetworkInterfaceId": "eni-0acccvpn0000001", "SubnetId": SUBNET, "VpcId": VPC, "AvailabilityZone": "ap-northeast-1a",
     "Description": "ClientVPN Endpoint resource", "InterfaceType": "interface", "Status": "in-use", "OwnerId": OWNER,
     "Groups": [{"GroupId": "sg-0acccvpn00000001", "GroupName": "client-vpn"}], "RequesterManaged": True,
     "PrivateIpAddress": "10.0.2.77", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.2.77", "Primary": True}]},
]})
write("verified-access-instances.json", {"VerifiedAccessInstances": [
    {"VerifiedAccessInstanceId": VAI, "Description": "", "FipsEnabled": False,
     "VerifiedAccessTrustProviders": [{"VerifiedAccessTrustProviderId": VATP, "TrustProviderType": "user",
                                       "UserTrustProviderType": "iam-identity-center"},
                                      {"VerifiedAccessTrustProviderId": "vatp-0accjamf000001",
                                       "TrustProviderType": "device", "DeviceTrustProviderType": "jamf"}]}]})
write("verified-access-trust-providers.json", {"VerifiedAccessTrustProviders": [
    {"VerifiedAccessTrustProviderId": VATP, "TrustProviderType": "user",
     "UserTrustProviderType": "iam-identity-center", "PolicyReferenceName": "idc"},
    {"VerifiedAccessTrustProviderId": "vatp-0accjamf000001", "TrustProviderType": "device",
     "DeviceTrustProviderType": "jamf", "PolicyReferenceName": "jamf",
     "DeviceOptions": {"TenantId": "jamf-tenant"}}]})
write("verified-access-groups.json", {"VerifiedAccessGroups": [
    {"VerifiedAccessGroupId": "vagr-0accdb00000001", "VerifiedAccessInstanceId": VAI, "Owner": OWNER},
    {"VerifiedAccessGroupId": "vagr-0accapps000001", "VerifiedAccessInstanceId": VAI, "Owner": OWNER}]})
write("verified-access-endpoints.json", {"VerifiedAccessEndpoints": [
    {"VerifiedAccessInstanceId": VAI, "VerifiedAccessGroupId": "vagr-0accdb00000001",
     "VerifiedAccessEndpointId": "vae-0accdb000000001", "EndpointType": "network-interface", "AttachmentType": "vpc",
     "SecurityGroupIds": ["sg-0accva0000000001"],
     "NetworkInterfaceOptions": {"NetworkInterfaceId": "eni-0accdb0000000001", "Protocol": "tcp",
                                 "PortRanges": [{"FromPort": 22, "ToPort": 22}]},
     "Status": {"Code": "active"}},
    {"VerifiedAccessInstanceId": VAI, "VerifiedAccessGroupId": "vagr-0accapps000001",
     "VerifiedAccessEndpointId": "vae-0accapps00000001", "EndpointType": "cidr", "AttachmentType": "vpc",
     "SecurityGroupIds": ["sg-0accva0000000001"],
     "CidrOptions": {"Cidr": "10.0.9.0/24", "SubnetIds": [SUBNET], "Protocol": "tcp",
                     "PortRanges": [{"FromPort": 443, "ToPort": 443}]},
     "Status": {"Code": "active"}}]})
write("verified-access-group-policies.json", {"VerifiedAccessGroupPolicies": [
    {"VerifiedAccessGroupId": "vagr-0accdb00000001", "PolicyEnabled": True,
     "PolicyDocument": f'permit(principal, action, resource) when {{ context.idc.groups has "{ENG}" && context.idc.groups has "{DBA}" }};'},
    {"VerifiedAccessGroupId": "vagr-0accapps000001", "PolicyEnabled": True,
     "PolicyDocument": 'permit(principal, action, resource) when { context.jamf.risk == "LOW" };'}]})
write("client-vpn-endpoints.json", {"ClientVpnEndpoints": [
    {"ClientVpnEndpointId": "cvpn-endpoint-0acc00000000001", "Status": {"Code": "available"},
     "ClientCidrBlock": "172.16.0.0/22", "SplitTunnel": True, "VpnProtocol": "openvpn", "TransportProtocol": "udp",
     "VpnPort": 443, "VpcId": VPC, "SecurityGroupIds": ["sg-0acccvpn00000001"],
     "AuthenticationOptions": [{"Type": "federated-authentication",
                                "FederatedAuthentication": {"SamlProviderArn": f"arn:aws:iam::{OWNER}:saml-provider/idc"}}]}]})
write("client-vpn-target-networks.json", {"ClientVpnTargetNetworks": [
    {"AssociationId": "cvpn-assoc-0acc000000000001", "VpcId": VPC, "TargetNetworkId": SUBNET,
     "ClientVpnEndpointId": "cvpn-endpoint-0acc00000000001", "Status": {"Code": "associated"},
     "SecurityGroups": ["sg-0acccvpn00000001"]}]})
write("client-vpn-routes.json", {"Routes": [
    {"ClientVpnEndpointId": "cvpn-endpoint-0acc00000000001", "DestinationCidr": "10.0.0.0/16",
     "TargetSubnet": SUBNET, "Type": "Nat", "Origin": "associate", "Status": {"Code": "active"},
     "Description": "Default Route"},
    # Client-to-client: `create-client-vpn-route --target-vpc-subnet-id local`.
    {"ClientVpnEndpointId": "cvpn-endpoint-0acc00000000001", "DestinationCidr": "172.16.0.0/22",
     "TargetSubnet": "local", "Type": "local", "Origin": "add-route", "Status": {"Code": "active"},
     "Description": "client-to-client"}]})
write("client-vpn-authorization-rules.json", {"AuthorizationRules": [
    {"ClientVpnEndpointId": "cvpn-endpoint-0acc00000000001", "GroupId": DBA, "AccessAll": False,
     "DestinationCidr": "10.0.2.0/24", "Status": {"Code": "active"}, "Description": "DBAs to the db subnet"},
    {"ClientVpnEndpointId": "cvpn-endpoint-0acc00000000001", "GroupId": ENG, "AccessAll": False,
     "DestinationCidr": "172.16.0.0/22", "Status": {"Code": "active"}, "Description": "engineers to each other"}]})
