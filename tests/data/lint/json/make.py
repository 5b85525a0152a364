#!/usr/bin/env python3
"""Writes the JSON files of this folder: one `aws ec2 describe-*` output per
file, with the fields the AWS CLI prints, for `reach lint` (tests/it/lint.rs).
One account with every kind of finding:
- acl-0web: inbound 100 shadowed by the deny 90, 120 redundant with 110, 130
  partly shadowed (22 denied by 90), 160 (IPv6) redundant with 150, 200
  allows the Client VPN client CIDR;
- acl-0app: inbound 100 (5432 from the web subnet) whose replies to the
  Windows web server's 61000-65535 outbound 100 drops; outbound 110 (443 to
  anywhere) whose replies from the internet inbound 110 drops;
- sg-0web ingress 443 from a partner CIDR that 443 from anywhere covers;
  sg-0webextra (on exactly the interfaces sg-0web is on) ingress 80 that
  sg-0web's 80 from the VPC covers; sg-0app 22 from the client CIDR and 9000
  from sg-0orphan, which is attached to nothing;
- the Client VPN endpoint routes 10.50.0.0/16 through one association only;
  authorization 10.0.1.0/24 for dev is overridden by two /25s for ops;
  192.168.50.0/24 for dev has no route;
- the main route table has a blackhole route to a deleted peering, and
  routes 10.99.0.0/16 to the transit gateway, whose attachment has a subnet
  in ap-northeast-1a only (vpn-b is in 1c);
- the transit gateway's table `fwd` (the lint VPC's) gets 10.99.0.0/16
  propagated from the second VPC's attachment, but a static blackhole takes
  10.99.5.0/24 of it; `back` (the second VPC's) has no route to 10.0.0.0/16.
Run it to regenerate; the JSON is committed."""
import hashlib, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
OWNER = "123456789012"
REGION = "ap-northeast-1"
VPC = "vpc-0l1n7000000000001"
V6 = "2600:1f18:aaaa:bb00"
WEB, APP, VPNA, VPNB = ("subnet-0web0000000000001", "subnet-0app0000000000002", "subnet-0vpna000000000010",
                        "subnet-0vpnb000000000011")
SG_WEB, SG_EXTRA, SG_APP, SG_CVPN, SG_ORPHAN, SG_DEFAULT = (
    "sg-0web00000000000001", "sg-0webextra00000002", "sg-0app00000000000003", "sg-0cvpn0000000000004",
    "sg-0orphan000000000005", "sg-0default0000000006")
CVPN = "cvpn-endpoint-0l1n700000000001"
VPC2, SUB2 = "vpc-0l1n7000000000002", "subnet-0far0000000000020"
TGW, AT_L, AT_F = "tgw-0l1n7000000000001", "tgw-attach-0l1n700000001", "tgw-attach-0far0000000002"
RT_FWD, RT_BACK = "tgw-rtb-0fwd0000000000001", "tgw-rtb-0back000000000002"
WHEN = "2026-06-01T09:00:00+00:00"
DEV, OPS = "S-1-5-21-1004336348-1177238915-682003330-1105", "S-1-5-21-1004336348-1177238915-682003330-1106"


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=4)
        f.write("\n")


def tags(name):
    return [{"Key": "Name", "Value": name}]


write("vpcs.json", {"Vpcs": [
    {"CidrBlock": "10.0.0.0/16", "DhcpOptionsId": "dopt-0c1d2e3f", "State": "available", "VpcId": VPC,
     "OwnerId": OWNER, "InstanceTenancy": "default",
     "Ipv6CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0l1", "Ipv6CidrBlock": f"{V6}::/56",
                                      "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": REGION,
                                      "Ipv6Pool": "Amazon"}],
     "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0l2", "CidrBlock": "10.0.0.0/16",
                                  "CidrBlockState": {"State": "associated"}}],
     "IsDefault": False, "Tags": tags("lint")},
    {"CidrBlock": "10.99.0.0/16", "DhcpOptionsId": "dopt-0c1d2e3f", "State": "available", "VpcId": VPC2,
     "OwnerId": OWNER, "InstanceTenancy": "default", "Ipv6CidrBlockAssociationSet": [],
     "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0l3", "CidrBlock": "10.99.0.0/16",
                                  "CidrBlockState": {"State": "associated"}}],
     "IsDefault": False, "Tags": tags("far")}]})


def subnet(sid, cidr, v6, az, name, vpc=VPC):
    s = {"AvailabilityZone": az, "AvailabilityZoneId": "apne1-az4", "AvailableIpAddressCount": 250,
         "CidrBlock": cidr, "DefaultForAz": False, "MapPublicIpOnLaunch": False, "State": "available",
         "SubnetId": sid, "VpcId": vpc, "OwnerId": OWNER, "AssignIpv6AddressOnCreation": False,
         "Ipv6CidrBlockAssociationSet": [], "Tags": tags(name),
         "SubnetArn": f"arn:aws:ec2:{REGION}:{OWNER}:subnet/{sid}", "EnableDns64": False, "Ipv6Native": False,
         "PrivateDnsNameOptionsOnLaunch": {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
                                           "EnableResourceNameDnsAAAARecord": False}}
    if v6:
        s["Ipv6CidrBlockAssociationSet"] = [{"AssociationId": f"subnet-cidr-assoc-{sid[7:12]}", "Ipv6CidrBlock": v6,
                                             "Ipv6CidrBlockState": {"State": "associated"}}]
    return s


write("subnets.json", {"Subnets": [
    subnet(WEB, "10.0.1.0/24", "2600:1f18:aaaa:bb01::/64", "ap-northeast-1a", "web"),
    subnet(APP, "10.0.2.0/24", None, "ap-northeast-1a", "app"),
    subnet(VPNA, "10.0.10.0/24", None, "ap-northeast-1a", "vpn-a"),
    subnet(VPNB, "10.0.11.0/24", None, "ap-northeast-1c", "vpn-b"),
    subnet(SUB2, "10.99.1.0/24", None, "ap-northeast-1a", "far", vpc=VPC2),
]})


def route(dest, key, target, origin="CreateRoute", state="active"):
    r = {key: target, "Origin": origin, "State": state}
    r["DestinationIpv6CidrBlock" if ":" in dest else "DestinationCidrBlock"] = dest
    return r


write("route-tables.json", {"RouteTables": [
    {"Associations": [{"Main": True, "RouteTableAssociationId": "rtbassoc-0l1n7000000000001",
                       "RouteTableId": "rtb-0main00000000000001", "AssociationState": {"State": "associated"}}],
     "PropagatingVgws": [], "RouteTableId": "rtb-0main00000000000001", "VpcId": VPC, "OwnerId": OWNER,
     "Tags": tags("main"),
     "Routes": [route("10.0.0.0/16", "GatewayId", "local", "CreateRouteTable"),
                route(f"{V6}::/56", "GatewayId", "local", "CreateRouteTable"),
                # The peering was deleted: AWS keeps the route as a blackhole.
                route("10.20.0.0/16", "VpcPeeringConnectionId", "pcx-0gone000000000001", state="blackhole"),
                route("10.99.0.0/16", "TransitGatewayId", TGW)]}]})


def entry(n, action, proto, cidr, egress, ports=None):
    e = {"Egress": egress, "Protocol": proto, "RuleAction": action, "RuleNumber": n}
    e["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


def implicit(egress):
    return [entry(32767, "deny", "-1", "0.0.0.0/0", egress), entry(32768, "deny", "-1", "::/0", egress)]


def nacl(aid, subnets, inbound, outbound, default=False, name=""):
    return {"Associations": [{"NetworkAclAssociationId": f"aclassoc-0{s[7:15]}", "NetworkAclId": aid, "SubnetId": s}
                             for s in subnets],
            "Entries": outbound + implicit(True) + inbound + implicit(False), "IsDefault": default,
            "NetworkAclId": aid, "Tags": tags(name), "VpcId": VPC, "OwnerId": OWNER}


ALLOW_ALL = lambda egress: [entry(100, "allow", "-1", "0.0.0.0/0", egress), entry(101, "allow", "-1", "::/0", egress)]
write("network-acls.json", {"NetworkAcls": [
    nacl("acl-0default000000001", [VPNA, VPNB], ALLOW_ALL(False), ALLOW_ALL(True), default=True, name="default"),
    nacl("acl-0web00000000000001", [WEB], [
        entry(90, "deny", "6", "10.0.0.0/8", False, (22, 22)),
        entry(100, "allow", "6", "10.1.0.0/16", False, (22, 22)),
        entry(110, "allow", "6", "0.0.0.0/0", False, (443, 443)),
        entry(120, "allow", "6", "198.51.100.0/24", False, (443, 443)),
        entry(130, "allow", "6", "10.0.0.0/8", False, (20, 30)),
        entry(140, "allow", "6", "0.0.0.0/0", False, (1024, 65535)),
        entry(150, "allow", "6", "::/0", False, (443, 443)),
        entry(160, "allow", "6", "2001:db8::/32", False, (443, 443)),
        entry(200, "allow", "6", "172.16.0.0/22", False, (22, 22)),
    ], ALLOW_ALL(True), name="web"),
    nacl("acl-0app00000000000001", [APP], [
        entry(100, "allow", "6", "10.0.1.0/24", False, (5432, 5432)),
        entry(110, "allow", "6", "10.0.0.0/16", False, (1024, 65535)),
    ], [
        entry(100, "allow", "6", "10.0.1.0/24", True, (32768, 60999)),
        entry(110, "allow", "6", "0.0.0.0/0", True, (443, 443)),
    ], name="app"),
]})


def perm(proto, lo=None, hi=None, v4=(), v6=(), groups=(), desc=None):
    ranges = [{"CidrIp": c} for c in v4]
    if desc:
        for r in ranges:
            r["Description"] = desc
    p = {"IpProtocol": proto, "IpRanges": ranges, "Ipv6Ranges": [{"CidrIpv6": c} for c in v6],
         "PrefixListIds": [], "UserIdGroupPairs": [{"GroupId": g, "UserId": OWNER} for g in groups]}
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    return p


ALL_OUT = [perm("-1", v4=["0.0.0.0/0"], v6=["::/0"])]


def sg(gid, name, ingress, egress=ALL_OUT):
    return {"Description": name, "GroupName": name, "IpPermissions": ingress, "OwnerId": OWNER, "GroupId": gid,
            "IpPermissionsEgress": egress, "VpcId": VPC,
            "SecurityGroupArn": f"arn:aws:ec2:{REGION}:{OWNER}:security-group/{gid}", "Tags": []}


GROUPS = [
    sg(SG_WEB, "web", [perm("tcp", 443, 443, v4=["0.0.0.0/0"]),
                       perm("tcp", 443, 443, v4=["203.0.113.0/24"], desc="partner"),
                       perm("tcp", 80, 80, v4=["10.0.0.0/16"])]),
    sg(SG_EXTRA, "web-extra", [perm("tcp", 80, 80, v4=["10.0.1.0/24"])]),
    sg(SG_APP, "app", [perm("tcp", 5432, 5432, groups=[SG_WEB]),
                       perm("tcp", 22, 22, v4=["172.16.0.0/22"], desc="vpn clients"),
                       perm("tcp", 22, 22, groups=[SG_CVPN]),
                       perm("tcp", 9000, 9000, groups=[SG_ORPHAN])]),
    sg(SG_CVPN, "client-vpn", []),
    sg(SG_ORPHAN, "orphan", [perm("tcp", 22, 22, v4=["10.0.0.0/16"])]),
    sg(SG_DEFAULT, "default", [perm("-1", groups=[SG_DEFAULT])]),
]
write("security-groups.json", {"SecurityGroups": GROUPS})


def sg_rules(group):
    """`describe-security-group-rules`: one item per peer, with its `sgr-` ID."""
    out = []
    for egress, key in ((False, "IpPermissions"), (True, "IpPermissionsEgress")):
        for i, p in enumerate(group[key]):
            peers = ([("CidrIpv4", r["CidrIp"]) for r in p["IpRanges"]] +
                     [("CidrIpv6", r["CidrIpv6"]) for r in p["Ipv6Ranges"]] +
                     [("ReferencedGroupInfo", dict(r)) for r in p["UserIdGroupPairs"]])
            for j, (field, peer) in enumerate(peers):
                rid = "sgr-0" + hashlib.sha256(f"{group['GroupId']} {key} {i} {j}".encode()).hexdigest()[:16]
                out.append({"SecurityGroupRuleId": rid, "GroupId": group["GroupId"], "GroupOwnerId": OWNER,
                            "IsEgress": egress, "IpProtocol": p["IpProtocol"],
                            "FromPort": p.get("FromPort", -1), "ToPort": p.get("ToPort", -1), field: peer,
                            "Tags": [],
                            "SecurityGroupRuleArn": f"arn:aws:ec2:{REGION}:{OWNER}:security-group-rule/{rid}"})
    return out


write("security-group-rules.json", {"SecurityGroupRules": sorted(
    (r for g in GROUPS for r in sg_rules(g)), key=lambda r: r["SecurityGroupRuleId"])})


def eni(eid, subnet, ip, groups, names, *, instance=None, desc="", requester=None):
    dns = f"ip-{ip.replace('.', '-')}.{REGION}.compute.internal"
    e = {"AvailabilityZone": "ap-northeast-1a", "Description": desc,
         "Groups": [{"GroupName": n, "GroupId": g} for g, n in zip(groups, names)],
         "InterfaceType": "interface", "Ipv6Addresses": [], "MacAddress": "06:1b:2c:3d:4e:5f",
         "NetworkInterfaceId": eid, "OwnerId": OWNER, "PrivateDnsName": dns, "PrivateIpAddress": ip,
         "PrivateIpAddresses": [{"Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": ip}],
         "Ipv4Prefixes": [], "RequesterManaged": requester is not None, "SourceDestCheck": True,
         "Status": "in-use", "SubnetId": subnet, "TagSet": [], "VpcId": VPC}
    if requester:
        e["RequesterId"] = requester
    if instance:
        e["Attachment"] = {"AttachTime": "2026-10-01T08:00:00+00:00", "AttachmentId": f"eni-attach-0{eid[5:20]}",
                           "DeleteOnTermination": True, "DeviceIndex": 0, "NetworkCardIndex": 0,
                           "InstanceId": instance, "InstanceOwnerId": OWNER, "Status": "attached"}
    return e


ENIS = [
    eni("eni-0web0000000000001", WEB, "10.0.1.10", [SG_WEB, SG_EXTRA], ["web", "web-extra"],
        instance="i-0web0000000000001"),
    eni("eni-0app0000000000002", APP, "10.0.2.10", [SG_APP], ["app"], instance="i-0app0000000000002"),
    eni("eni-0cvpna00000000010", VPNA, "10.0.10.5", [SG_CVPN], ["client-vpn"], desc="ClientVPN Endpoint resource",
        requester="AIDAEXAMPLECLIENTVPN"),
    eni("eni-0cvpnb00000000011", VPNB, "10.0.11.5", [SG_CVPN], ["client-vpn"], desc="ClientVPN Endpoint resource",
        requester="AIDAEXAMPLECLIENTVPN"),
]
write("network-interfaces.json", {"NetworkInterfaces": ENIS})


def instance(iid, e, windows):
    inst = {"AmiLaunchIndex": 0, "ImageId": "ami-0abcdef1234567890", "InstanceId": iid, "InstanceType": "t3.micro",
            "LaunchTime": "2026-10-01T08:00:00+00:00",
            "Placement": {"AvailabilityZone": "ap-northeast-1a", "Tenancy": "default"},
            "PrivateDnsName": e["PrivateDnsName"], "PrivateIpAddress": e["PrivateIpAddress"],
            "State": {"Code": 16, "Name": "running"}, "SubnetId": e["SubnetId"], "VpcId": VPC,
            "Architecture": "x86_64", "NetworkInterfaces": [dict(e)],
            "SecurityGroups": [dict(g) for g in e["Groups"]],
            "PlatformDetails": "Windows" if windows else "Linux/UNIX"}
    if windows:
        inst["Platform"] = "windows"
    for n in inst["NetworkInterfaces"]:
        for k in ("AvailabilityZone", "RequesterManaged", "TagSet"):
            n.pop(k, None)
    return {"Groups": [], "Instances": [inst], "OwnerId": OWNER, "ReservationId": f"r-0{iid[2:18]}"}


write("instances.json", {"Reservations": [instance("i-0web0000000000001", ENIS[0], True),
                                          instance("i-0app0000000000002", ENIS[1], False)]})

write("client-vpn-endpoints.json", {"ClientVpnEndpoints": [
    {"ClientVpnEndpointId": CVPN, "Description": "lint", "Status": {"Code": "available"},
     "CreationTime": "2026-10-01T08:00:00", "DnsName": f"*.{CVPN}.prod.clientvpn.{REGION}.amazonaws.com",
     "ClientCidrBlock": "172.16.0.0/22", "DnsServers": [], "SplitTunnel": True, "VpnProtocol": "openvpn",
     "TransportProtocol": "udp", "VpnPort": 443,
     "ServerCertificateArn": f"arn:aws:acm:{REGION}:{OWNER}:certificate/0l1n7",
     "AuthenticationOptions": [{"Type": "directory-service-authentication",
                                "ActiveDirectory": {"DirectoryId": "d-95671a1b2c"}}],
     "ConnectionLogOptions": {"Enabled": False}, "Tags": [], "SecurityGroupIds": [SG_CVPN], "VpcId": VPC,
     "SelfServicePortalUrl": "", "ClientConnectOptions": {"Enabled": False},
     "SessionTimeoutHours": 24, "ClientLoginBannerOptions": {"Enabled": False}}]})
write("client-vpn-target-networks.json", {"ClientVpnTargetNetworks": [
    {"AssociationId": "cvpn-assoc-0l1n7000000000a", "VpcId": VPC, "TargetNetworkId": VPNA,
     "ClientVpnEndpointId": CVPN, "Status": {"Code": "associated"}, "SecurityGroups": [SG_CVPN]},
    {"AssociationId": "cvpn-assoc-0l1n7000000000b", "VpcId": VPC, "TargetNetworkId": VPNB,
     "ClientVpnEndpointId": CVPN, "Status": {"Code": "associated"}, "SecurityGroups": [SG_CVPN]}]})


def cvpn_route(dest, subnet, origin, desc):
    return {"ClientVpnEndpointId": CVPN, "DestinationCidr": dest, "TargetSubnet": subnet, "Type": "Nat",
            "Origin": origin, "Status": {"Code": "active"}, "Description": desc}


write("client-vpn-routes.json", {"Routes": [
    cvpn_route("10.0.0.0/16", VPNA, "associate", "Default Route"),
    cvpn_route("10.0.0.0/16", VPNB, "associate", "Default Route"),
    # Added through the first association only.
    cvpn_route("10.50.0.0/16", VPNA, "add-route", "peered VPC"),
]})


def auth(dest, group=None, desc=""):
    r = {"ClientVpnEndpointId": CVPN, "DestinationCidr": dest, "AccessAll": group is None,
         "Status": {"Code": "active"}, "Description": desc}
    if group:
        r["GroupId"] = group
    return r


write("client-vpn-authorization-rules.json", {"AuthorizationRules": [
    auth("10.0.0.0/16", OPS, "ops to the VPC"),
    auth("10.50.0.0/16", None, "everyone to the peered VPC"),
    auth("10.0.1.0/24", DEV, "dev to the web subnet"),
    auth("10.0.1.0/25", OPS, "ops, lower half"),
    auth("10.0.1.128/25", OPS, "ops, upper half"),
    auth("192.168.50.0/24", DEV, "dev to the lab"),
]})


# A transit gateway between the lint VPC (attachment subnet: app, 1a only)
# and the second VPC.
write("transit-gateways.json", {"TransitGateways": [{
    "TransitGatewayId": TGW, "TransitGatewayArn": f"arn:aws:ec2:{REGION}:{OWNER}:transit-gateway/{TGW}",
    "State": "available", "OwnerId": OWNER, "Description": "lint", "CreationTime": WHEN,
    "Options": {"AmazonSideAsn": 64512, "TransitGatewayCidrBlocks": [], "AutoAcceptSharedAttachments": "disable",
                "DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable",
                "VpnEcmpSupport": "enable", "DnsSupport": "enable", "SecurityGroupReferencingSupport": "disable",
                "MulticastSupport": "disable"},
    "Tags": tags("lint")}]})
ATTACHMENTS = {AT_L: (VPC, APP, RT_FWD), AT_F: (VPC2, SUB2, RT_BACK)}
write("transit-gateway-attachments.json", {"TransitGatewayAttachments": [
    {"TransitGatewayAttachmentId": at, "TransitGatewayId": TGW, "TransitGatewayOwnerId": OWNER,
     "ResourceOwnerId": OWNER, "ResourceType": "vpc", "ResourceId": vpc, "State": "available",
     "Association": {"TransitGatewayRouteTableId": table, "State": "associated"}, "CreationTime": WHEN, "Tags": []}
    for at, (vpc, _, table) in ATTACHMENTS.items()]})
write("transit-gateway-vpc-attachments.json", {"TransitGatewayVpcAttachments": [
    {"TransitGatewayAttachmentId": at, "TransitGatewayId": TGW, "VpcId": vpc, "VpcOwnerId": OWNER,
     "State": "available", "SubnetIds": [sub], "CreationTime": WHEN,
     "Options": {"DnsSupport": "enable", "SecurityGroupReferencingSupport": "disable", "Ipv6Support": "disable",
                 "ApplianceModeSupport": "disable"}, "Tags": []}
    for at, (vpc, sub, _) in ATTACHMENTS.items()]})
write("transit-gateway-route-tables.json", {"TransitGatewayRouteTables": [
    {"TransitGatewayRouteTableId": rt, "TransitGatewayId": TGW, "State": "available",
     "DefaultAssociationRouteTable": False, "DefaultPropagationRouteTable": False, "CreationTime": WHEN,
     "Tags": tags(name)} for rt, name in [(RT_FWD, "fwd"), (RT_BACK, "back")]]})


def link(at, state):
    return {"TransitGatewayAttachmentId": at, "ResourceId": ATTACHMENTS[at][0], "ResourceType": "vpc", "State": state}


def tgw_route(dest, rtype, at=None, state="active"):
    r = {"DestinationCidrBlock": dest}
    if at:
        r["TransitGatewayAttachments"] = [{"ResourceId": ATTACHMENTS[at][0], "TransitGatewayAttachmentId": at,
                                           "ResourceType": "vpc"}]
    r["Type"] = rtype
    r["State"] = state
    return r


for rt, assoc, props, routes in [
    (RT_FWD, AT_L, [AT_F], [tgw_route("10.99.0.0/16", "propagated", AT_F),
                            tgw_route("10.99.5.0/24", "static", state="blackhole")]),
    (RT_BACK, AT_F, [], []),
]:
    write(f"tgw-route-table-contents-{rt}.json", {"TransitGatewayRouteTableContents": [{
        "TransitGatewayRouteTableId": rt, "Associations": [link(assoc, "associated")],
        "Propagations": [link(a, "enabled") for a in props], "Routes": routes,
        "AdditionalRoutesAvailable": False}]})
