#!/usr/bin/env python3
"""Populates moto's EC2 for `tests/it/fetch.rs` with boto3, and writes the
Client VPN and Verified Access resources the stub serves (moto has none).

  populate.py MOTO_URL OUT_DIR   -> OUT_DIR/ids.json, OUT_DIR/stub-data.json

The account: VPC 10.0.0.0/16 with an Amazon-provided IPv6 CIDR; a public
subnet (route 0.0.0.0/0 to an internet gateway) with a web instance holding
an Elastic IP, its group letting in 443 only from a prefix list
(203.0.113.0/24); a private subnet (0.0.0.0/0 to a NAT gateway, ::/0 to an
egress-only gateway, its own network ACL denying 3389 in) with an app
instance whose group lets in 22 from the bastion, Client VPN and Verified
Access groups (group references); an access subnet holding the Client VPN
association's interface and a transit gateway attachment. Client VPN: certificate authentication, full
tunnel, routes to the VPC and the internet, everyone authorized to the
private subnet, group `dba` to 10.0.9.0/24. Verified Access: an IAM
Identity Center trust provider (`idc`), a group whose policy admits group
`eng`, a network-interface endpoint on the app instance's interface, tcp 22.
"""
import ipaddress, json, os, sys
import boto3

url, out = sys.argv[1], sys.argv[2]
ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=url,
                   aws_access_key_id="testing", aws_secret_access_key="testing")

vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
v6 = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
def subnet(cidr, v6_index=None):
    kw = {}
    if v6_index is not None:
        kw["Ipv6CidrBlock"] = str(list(ipaddress.ip_network(v6).subnets(new_prefix=64))[v6_index])
    return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone="us-east-1a", **kw)["Subnet"]["SubnetId"]
public, private, access = subnet("10.0.1.0/24", 1), subnet("10.0.2.0/24", 2), subnet("10.0.3.0/24")

igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]

pl = ec2.create_managed_prefix_list(PrefixListName="partners", AddressFamily="IPv4", MaxEntries=5,
                                    Entries=[{"Cidr": "203.0.113.0/24", "Description": "partner"}])["PrefixList"]["PrefixListId"]

def group(name):
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
web, app, bastion, cvpn_sg, va_sg = (group(n) for n in ("web", "app", "bastion", "client-vpn", "verified-access"))
ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": pl}]}])
ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
     "UserIdGroupPairs": [{"GroupId": bastion}, {"GroupId": cvpn_sg}, {"GroupId": va_sg}]}])

# Route tables: the public one to the internet gateway, the private one to the NAT gateway.
rt_public = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=rt_public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
ec2.associate_route_table(RouteTableId=rt_public, SubnetId=public)
nat_eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=nat_eip)["NatGateway"]["NatGatewayId"]
rt_private = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=rt_private, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
ec2.create_route(RouteTableId=rt_private, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
ec2.associate_route_table(RouteTableId=rt_private, SubnetId=private)
ec2.associate_route_table(RouteTableId=rt_private, SubnetId=access)

# The private subnet's own network ACL: everything but 3389 in.
acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny", Egress=False,
                             CidrBlock="0.0.0.0/0", PortRange={"From": 3389, "To": 3389})
for egress in (False, True):
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                 Egress=egress, CidrBlock="0.0.0.0/0")
default_acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                 {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
assoc = next(a["NetworkAclAssociationId"] for a in default_acl["Associations"] if a["SubnetId"] == private)
ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)

def instance(subnet_id, groups, ip):
    r = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                          SubnetId=subnet_id, SecurityGroupIds=groups, PrivateIpAddress=ip)
    return r["Instances"][0]["InstanceId"]
i_web = instance(public, [web], "10.0.1.10")
i_app = instance(private, [app], "10.0.2.35")
i_bastion = instance(public, [bastion], "10.0.1.20")
web_eip = ec2.allocate_address(Domain="vpc")
ec2.associate_address(AllocationId=web_eip["AllocationId"], InstanceId=i_web)
app_eni = ec2.describe_instances(InstanceIds=[i_app])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]

# A transit gateway attached to the access subnet: its default route table
# holds the attachment's association, propagation and propagated route.
tgw = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
tgw_attach = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[access])[
    "TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]

# The Client VPN association's interface, as AWS creates it in the access subnet.
cvpn_eni = ec2.create_network_interface(SubnetId=access, Groups=[cvpn_sg], PrivateIpAddress="10.0.3.77",
                                        Description="ClientVPN Endpoint resource")["NetworkInterface"]["NetworkInterfaceId"]

CVPN = "cvpn-endpoint-0f000000000000001"
VAI, VATP, VAGR, VAE = "vai-0f00000000000001", "vatp-0f00000000000001", "vagr-0f00000000000001", "vae-0f00000000000001"
T = "2026-01-01T00:00:00.000Z"
stub = {
    "client_vpn_endpoints": [{
        "clientVpnEndpointId": CVPN, "description": "engineers", "status": {"code": "available"},
        "creationTime": T, "dnsName": f"*.{CVPN}.prod.clientvpn.us-east-1.amazonaws.com",
        "clientCidrBlock": "172.16.0.0/22", "splitTunnel": False, "vpnProtocol": "openvpn",
        "transportProtocol": "udp", "vpnPort": 443,
        "serverCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/server",
        "authenticationOptions": [{"type": "certificate-authentication", "mutualAuthentication": {
            "clientRootCertificateChain": "arn:aws:acm:us-east-1:123456789012:certificate/ca"}}],
        "connectionLogOptions": {"enabled": False},
        "securityGroupIdSet": [cvpn_sg], "vpcId": vpc,
        "tagSet": [{"key": "Name", "value": "engineers"}]}],
    "client_vpn_target_networks": [{
        "associationId": "cvpn-assoc-0f000000000000001", "vpcId": vpc, "targetNetworkId": access,
        "clientVpnEndpointId": CVPN, "status": {"code": "associated"}, "securityGroups": [cvpn_sg]}],
    "client_vpn_routes": [
        {"clientVpnEndpointId": CVPN, "destinationCidr": "10.0.0.0/16", "targetSubnet": access, "type": "Nat",
         "origin": "associate", "status": {"code": "active"}, "description": "Default Route"},
        {"clientVpnEndpointId": CVPN, "destinationCidr": "0.0.0.0/0", "targetSubnet": access, "type": "Nat",
         "origin": "add-route", "status": {"code": "active"}, "description": "internet"}],
    "client_vpn_authorization_rules": [
        {"clientVpnEndpointId": CVPN, "description": "everyone to the app subnet", "accessAll": True,
         "destinationCidr": "10.0.2.0/24", "status": {"code": "active"}},
        {"clientVpnEndpointId": CVPN, "description": "dba to the db subnet", "groupId": "dba", "accessAll": False,
         "destinationCidr": "10.0.9.0/24", "status": {"code": "active"}}],
    "verified_access_instances": [{
        "verifiedAccessInstanceId": VAI, "description": "", "creationTime": T, "lastUpdatedTime": T,
        "fipsEnabled": False,
        "verifiedAccessTrustProviderSet": [{"verifiedAccessTrustProviderId": VATP, "trustProviderType": "user",
                                            "userTrustProviderType": "iam-identity-center"}]}],
    "verified_access_trust_providers": [{
        "verifiedAccessTrustProviderId": VATP, "trustProviderType": "user",
        "userTrustProviderType": "iam-identity-center", "policyReferenceName": "idc",
        "creationTime": T, "lastUpdatedTime": T}],
    "verified_access_groups": [
        {"verifiedAccessGroupId": VAGR, "verifiedAccessInstanceId": VAI, "owner": "123456789012",
         "creationTime": T, "lastUpdatedTime": T},
        {"verifiedAccessGroupId": "vagr-0f00000000000002", "verifiedAccessInstanceId": VAI,
         "owner": "123456789012", "creationTime": T, "lastUpdatedTime": T}],
    "verified_access_endpoints": [{
        "verifiedAccessInstanceId": VAI, "verifiedAccessGroupId": VAGR, "verifiedAccessEndpointId": VAE,
        "applicationDomain": "app.example.com", "endpointType": "network-interface", "attachmentType": "vpc",
        "endpointDomain": "app.edge-0f.vai-0f.prod.verified-access.us-east-1.amazonaws.com",
        "securityGroupIdSet": [va_sg],
        "networkInterfaceOptions": {"networkInterfaceId": app_eni, "protocol": "tcp",
                                    "portRangeSet": [{"fromPort": 22, "toPort": 22}]},
        "status": {"code": "active"}, "creationTime": T, "lastUpdatedTime": T}],
    "verified_access_group_policies": {
        VAGR: {"policyEnabled": True,
               "policyDocument": 'permit(principal, action, resource) when { context.idc.groups has "eng" };'},
        "vagr-0f00000000000002": {"policyEnabled": False}},
    "verified_access_endpoint_policies": {VAE: {"policyEnabled": False}},
}
ids = {"vpc": vpc, "public": public, "private": private, "access": access, "web": web, "app": app,
       "bastion": bastion, "cvpn_sg": cvpn_sg, "va_sg": va_sg, "i_web": i_web, "i_app": i_app,
       "i_bastion": i_bastion, "web_public_ip": web_eip["PublicIp"], "app_eni": app_eni, "cvpn_eni": cvpn_eni,
       "nat": nat, "igw": igw, "tgw": tgw, "tgw_attach": tgw_attach, "eigw": eigw, "prefix_list": pl, "acl": acl, "cvpn": CVPN, "vae": VAE,
       "ipv6": v6}
os.makedirs(out, exist_ok=True)
json.dump(ids, open(os.path.join(out, "ids.json"), "w"), indent=2)
json.dump(stub, open(os.path.join(out, "stub-data.json"), "w"), indent=2)
print(json.dumps(ids))
