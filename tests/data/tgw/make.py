#!/usr/bin/env python3
"""Writes the JSON files of `snapshot/`: one AWS CLI output per file, with the
fields the AWS CLI prints. A hub-and-spoke organisation (issue 14):

- three VPCs: spokes A (10.1.0.0/16) and B (10.2.0.0/16), and an inspection
  VPC (10.3.0.0/16), each with workload subnets in us-east-1a and us-east-1b;
- one transit gateway, `tgw-0hub00000000000001`; its VPC attachments have one
  subnet per Availability Zone (A and the inspection VPC in both zones, B in
  us-east-1a only), the inspection VPC's with appliance mode on;
- two transit gateway route tables: the spokes associate with `spokes` and
  propagate to `shared`; the inspection VPC, the VPN and the peering
  attachment associate with `shared` and the inspection VPC and the VPN
  propagate to `spokes`. `spokes` has a static default route to the
  inspection VPC and a static route to the peer region; `shared` has a
  static blackhole inside B's propagated CIDR;
- a Site-to-Site VPN attached to the transit gateway (BGP), a peering
  attachment to a transit gateway in eu-west-1, and, for the older path, a
  virtual private gateway on spoke A with a static-routes-only VPN.

The routes, associations and propagations of each transit gateway route table
are in the project's `TransitGatewayRouteTableContents` document, one file
per table, as the README's loop writes them. Run it to regenerate; the JSON
is committed so the tests read exactly what a user's snapshot holds."""
import json, os

OWNER = "111122223333"
PEER_OWNER = "444455556666"
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "snapshot")
WHEN = "2026-03-01T10:00:00+00:00"
AZS = ("us-east-1a", "us-east-1b")


def write(name, doc):
    os.makedirs(HERE, exist_ok=True)
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=4)
        f.write("\n")


def tags(name):
    return [{"Key": "Name", "Value": name}]


VA, VB, VC = "vpc-0a00000000000000a", "vpc-0b00000000000000b", "vpc-0c00000000000000c"
VPCS = {VA: ("10.1.0.0/16", "spoke-a"), VB: ("10.2.0.0/16", "spoke-b"), VC: ("10.3.0.0/16", "inspection")}
TGW = "tgw-0hub00000000000001"
REMOTE = "tgw-0remote0000000001"
RT_SPOKES, RT_SHARED = "tgw-rtb-0spokes000000001", "tgw-rtb-0shared000000002"
AT_A, AT_B, AT_C = "tgw-attach-0a0000000000001", "tgw-attach-0b0000000000002", "tgw-attach-0c0000000000003"
AT_VPN, AT_PEER = "tgw-attach-0vpn000000000004", "tgw-attach-0peer00000000005"
VPN, VPN_VGW = "vpn-0onprem0000000001", "vpn-0legacy0000000002"
VGW = "vgw-0legacy0000000001"
CGW, CGW2 = "cgw-0dc10000000000001", "cgw-0dc20000000000002"

write("vpcs.json", {"Vpcs": [
    {"CidrBlock": cidr, "DhcpOptionsId": "dopt-0c1d2e3f", "State": "available", "VpcId": vid, "OwnerId": OWNER,
     "InstanceTenancy": "default",
     "CidrBlockAssociationSet": [{"AssociationId": f"vpc-cidr-assoc-{vid[4:9]}", "CidrBlock": cidr,
                                  "CidrBlockState": {"State": "associated"}}],
     "IsDefault": False, "Tags": tags(name)}
    for vid, (cidr, name) in VPCS.items()
]})


def subnet(sid, vpc, cidr, az, name):
    return {"AvailabilityZone": az, "AvailabilityZoneId": "use1-az" + az[-1], "AvailableIpAddressCount": 250,
            "CidrBlock": cidr, "DefaultForAz": False, "MapPublicIpOnLaunch": False, "State": "available",
            "SubnetId": sid, "VpcId": vpc, "OwnerId": OWNER, "AssignIpv6AddressOnCreation": False,
            "Ipv6CidrBlockAssociationSet": [], "Tags": tags(name),
            "SubnetArn": f"arn:aws:ec2:us-east-1:{OWNER}:subnet/{sid}", "EnableDns64": False, "Ipv6Native": False,
            "PrivateDnsNameOptionsOnLaunch": {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
                                              "EnableResourceNameDnsAAAARecord": False}}


# Per VPC and zone: a workload subnet (x.y.1.0/24, x.y.2.0/24) and a small
# transit gateway attachment subnet (x.y.255.0/28, x.y.255.16/28).
SUBNETS = {}  # (vpc letter, kind, zone index) -> id
subnets = []
for vid, (cidr, name) in VPCS.items():
    letter, base = vid[5], cidr.rsplit(".", 2)[0]
    for z, az in enumerate(AZS):
        sid = f"subnet-0{letter}work{z}0000000000"
        SUBNETS[(letter, "work", z)] = sid
        subnets.append(subnet(sid, vid, f"{base}.{z + 1}.0/24", az, f"{name}-work-{az[-1]}"))
        sid = f"subnet-0{letter}tgw{z}00000000000"
        SUBNETS[(letter, "tgw", z)] = sid
        subnets.append(subnet(sid, vid, f"{base}.255.{16 * z}/28", az, f"{name}-tgw-{az[-1]}"))
write("subnets.json", {"Subnets": subnets})


def route(dest, key, target, origin="CreateRoute"):
    return {"DestinationCidrBlock": dest, key: target, "Origin": origin, "State": "active"}


def rtb(rid, vpc, subnet_ids, routes, name, main=False, vgws=()):
    assocs = [{"Main": False, "RouteTableAssociationId": f"rtbassoc-0{s[7:23]}", "RouteTableId": rid, "SubnetId": s,
               "AssociationState": {"State": "associated"}} for s in subnet_ids]
    if main:
        assocs.append({"Main": True, "RouteTableAssociationId": f"rtbassoc-0main{rid[5:17]}", "RouteTableId": rid,
                       "AssociationState": {"State": "associated"}})
    local = route(VPCS[vpc][0], "GatewayId", "local", "CreateRouteTable")
    return {"Associations": assocs, "PropagatingVgws": [{"GatewayId": g} for g in vgws], "RouteTableId": rid,
            "Routes": [local] + routes, "Tags": tags(name), "VpcId": vpc, "OwnerId": OWNER}


write("route-tables.json", {"RouteTables": [
    # Spoke A: everything else through the transit gateway; the VGW's
    # static VPN route propagates here.
    rtb("rtb-0a0000000000000a1", VA, [], [
        route("0.0.0.0/0", "TransitGatewayId", TGW),
        route("192.168.50.0/24", "GatewayId", VGW, "EnableVgwRoutePropagation"),
    ], "spoke-a", main=True, vgws=[VGW]),
    rtb("rtb-0b0000000000000b1", VB, [], [route("10.0.0.0/8", "TransitGatewayId", TGW)], "spoke-b", main=True),
    # Inspection: workloads (the firewalls) back through the transit gateway.
    rtb("rtb-0c0000000000000c1", VC, [], [route("10.0.0.0/8", "TransitGatewayId", TGW)], "inspection",
        main=True),
]})


def sg(gid, vpc, name):
    return {"Description": name, "GroupName": name, "IpPermissions": [
        {"FromPort": 443, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "Ipv6Ranges": [],
         "PrefixListIds": [], "ToPort": 443, "UserIdGroupPairs": []}],
        "OwnerId": OWNER, "GroupId": gid, "IpPermissionsEgress": [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [],
         "UserIdGroupPairs": []}], "Tags": [], "VpcId": vpc}


SG = {VA: "sg-0a00000000000000a", VB: "sg-0b00000000000000b", VC: "sg-0c00000000000000c"}
write("security-groups.json", {"SecurityGroups": [sg(SG[v], v, VPCS[v][1]) for v in VPCS]})


def nacl(vpc):
    entries = []
    for egress in (True, False):
        entries += [
            {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
            {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767},
        ]
    aid = f"acl-0{vpc[5]}000000000000001"
    subs = [s["SubnetId"] for s in subnets if s["VpcId"] == vpc]
    return {"Associations": [{"NetworkAclAssociationId": f"aclassoc-0{s[7:22]}", "NetworkAclId": aid, "SubnetId": s}
                             for s in subs],
            "Entries": entries, "IsDefault": True, "NetworkAclId": aid, "Tags": [], "VpcId": vpc, "OwnerId": OWNER}


write("network-acls.json", {"NetworkAcls": [nacl(v) for v in VPCS]})


def eni(eid, subnet, vpc, ip, az, groups, *, kind="interface", desc="", requester=None):
    e = {"AvailabilityZone": az, "Description": desc,
         "Groups": [{"GroupName": VPCS[vpc][1], "GroupId": g} for g in groups],
         "InterfaceType": kind, "Ipv6Addresses": [], "MacAddress": "0a:1b:2c:3d:4e:5f", "NetworkInterfaceId": eid,
         "OwnerId": OWNER, "PrivateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal", "PrivateIpAddress": ip,
         "PrivateIpAddresses": [{"Primary": True, "PrivateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal",
                                 "PrivateIpAddress": ip}],
         "Ipv4Prefixes": [], "Ipv6Prefixes": [], "RequesterManaged": requester is not None,
         "SourceDestCheck": requester is None, "Status": "in-use", "SubnetId": subnet, "TagSet": [], "VpcId": vpc}
    if requester:
        e["RequesterId"] = requester
    return e


enis = [
    eni("eni-0a1work000000001", SUBNETS[("a", "work", 0)], VA, "10.1.1.10", AZS[0], [SG[VA]]),
    eni("eni-0b2work000000002", SUBNETS[("b", "work", 1)], VB, "10.2.2.10", AZS[1], [SG[VB]]),
    eni("eni-0b1work000000003", SUBNETS[("b", "work", 0)], VB, "10.2.1.10", AZS[0], [SG[VB]]),
    eni("eni-0c1fw0000000004", SUBNETS[("c", "work", 0)], VC, "10.3.1.10", AZS[0], [SG[VC]]),
]
# The transit gateway's own interfaces, one per attachment subnet.
ATTACH_SUBNETS = {AT_A: ("a", VA, (0, 1)), AT_B: ("b", VB, (0,)), AT_C: ("c", VC, (0, 1))}
for at, (letter, vpc, zones) in ATTACH_SUBNETS.items():
    base = VPCS[vpc][0].rsplit(".", 2)[0]
    for z in zones:
        enis.append(eni(f"eni-0{letter}tgw{z}0000000000", SUBNETS[(letter, "tgw", z)], vpc, f"{base}.255.{16 * z + 4}",
                        AZS[z], [], kind="transit_gateway",
                        desc=f"Network Interface for Transit Gateway Attachment {at}", requester="amazon-aws"))
write("network-interfaces.json", {"NetworkInterfaces": enis})

write("transit-gateways.json", {"TransitGateways": [{
    "TransitGatewayId": TGW,
    "TransitGatewayArn": f"arn:aws:ec2:us-east-1:{OWNER}:transit-gateway/{TGW}",
    "State": "available", "OwnerId": OWNER, "Description": "hub", "CreationTime": WHEN,
    "Options": {"AmazonSideAsn": 64512, "TransitGatewayCidrBlocks": [], "AutoAcceptSharedAttachments": "disable",
                "DefaultRouteTableAssociation": "enable", "AssociationDefaultRouteTableId": RT_SPOKES,
                "DefaultRouteTablePropagation": "enable", "PropagationDefaultRouteTableId": RT_SHARED,
                "VpnEcmpSupport": "enable", "DnsSupport": "enable", "SecurityGroupReferencingSupport": "disable",
                "MulticastSupport": "disable"},
    "Tags": tags("hub")}]})

# Attachment -> (resource type, resource id, resource owner, associated table).
ATTACHMENTS = {
    AT_A: ("vpc", VA, OWNER, RT_SPOKES),
    AT_B: ("vpc", VB, OWNER, RT_SPOKES),
    AT_C: ("vpc", VC, OWNER, RT_SHARED),
    AT_VPN: ("vpn", VPN, OWNER, RT_SHARED),
    AT_PEER: ("peering", REMOTE, PEER_OWNER, RT_SHARED),
}
write("transit-gateway-attachments.json", {"TransitGatewayAttachments": [
    {"TransitGatewayAttachmentId": at, "TransitGatewayId": TGW, "TransitGatewayOwnerId": OWNER,
     "ResourceOwnerId": owner, "ResourceType": rtype, "ResourceId": rid, "State": "available",
     "Association": {"TransitGatewayRouteTableId": table, "State": "associated"},
     "CreationTime": WHEN, "Tags": tags(at[11:])}
    for at, (rtype, rid, owner, table) in ATTACHMENTS.items()
]})

write("transit-gateway-vpc-attachments.json", {"TransitGatewayVpcAttachments": [
    {"TransitGatewayAttachmentId": at, "TransitGatewayId": TGW, "VpcId": vpc, "VpcOwnerId": OWNER,
     "State": "available", "SubnetIds": [SUBNETS[(letter, "tgw", z)] for z in zones], "CreationTime": WHEN,
     "Options": {"DnsSupport": "enable", "SecurityGroupReferencingSupport": "enable", "Ipv6Support": "disable",
                 "ApplianceModeSupport": "enable" if at == AT_C else "disable"},
     "Tags": tags(at[11:])}
    for at, (letter, vpc, zones) in ATTACH_SUBNETS.items()
]})

write("transit-gateway-peering-attachments.json", {"TransitGatewayPeeringAttachments": [{
    "TransitGatewayAttachmentId": AT_PEER,
    "RequesterTgwInfo": {"TransitGatewayId": TGW, "OwnerId": OWNER, "Region": "us-east-1"},
    "AccepterTgwInfo": {"TransitGatewayId": REMOTE, "OwnerId": PEER_OWNER, "Region": "eu-west-1"},
    "Options": {"DynamicRouting": "disable"},
    "Status": {"Code": "available", "Message": "available"},
    "State": "available", "CreationTime": WHEN, "Tags": tags("to-eu")}]})

write("transit-gateway-route-tables.json", {"TransitGatewayRouteTables": [
    {"TransitGatewayRouteTableId": RT_SPOKES, "TransitGatewayId": TGW, "State": "available",
     "DefaultAssociationRouteTable": True, "DefaultPropagationRouteTable": False, "CreationTime": WHEN,
     "Tags": tags("spokes")},
    {"TransitGatewayRouteTableId": RT_SHARED, "TransitGatewayId": TGW, "State": "available",
     "DefaultAssociationRouteTable": False, "DefaultPropagationRouteTable": True, "CreationTime": WHEN,
     "Tags": tags("shared")},
]})


def link(at, state):
    rtype, rid, _, _ = ATTACHMENTS[at]
    return {"TransitGatewayAttachmentId": at, "ResourceId": rid, "ResourceType": rtype, "State": state}


def tgw_route(dest, rtype, at=None, state="active"):
    r = {"DestinationCidrBlock": dest}
    if at:
        kind, rid, _, _ = ATTACHMENTS[at]
        r["TransitGatewayAttachments"] = [{"ResourceId": rid, "TransitGatewayAttachmentId": at, "ResourceType": kind}]
    r["Type"] = rtype
    r["State"] = state
    return r


# What each table holds: `get-transit-gateway-route-table-associations`,
# `get-transit-gateway-route-table-propagations` and
# `search-transit-gateway-routes --filters Name=type,Values=static,propagated`,
# wrapped with the table's ID (none of the three prints it).
CONTENTS = {
    RT_SPOKES: ([AT_A, AT_B], [AT_C, AT_VPN], [
        tgw_route("0.0.0.0/0", "static", AT_C),
        tgw_route("10.3.0.0/16", "propagated", AT_C),
        tgw_route("172.16.0.0/16", "static", AT_PEER),
        tgw_route("192.168.0.0/16", "propagated", AT_VPN),
    ]),
    RT_SHARED: ([AT_C, AT_VPN, AT_PEER], [AT_A, AT_B], [
        tgw_route("10.1.0.0/16", "propagated", AT_A),
        tgw_route("10.2.0.0/16", "propagated", AT_B),
        tgw_route("10.2.99.0/24", "static", state="blackhole"),
    ]),
}
for rt, (assocs, props, routes) in CONTENTS.items():
    write(f"tgw-route-table-contents-{rt}.json", {"TransitGatewayRouteTableContents": [{
        "TransitGatewayRouteTableId": rt,
        "Associations": [link(a, "associated") for a in assocs],
        "Propagations": [link(a, "enabled") for a in props],
        "Routes": routes,
        "AdditionalRoutesAvailable": False}]})


def vpn(vid, cgw, outside, *, tgw=None, vgw=None, static_only=False, routes=(), status=("UP", "UP")):
    v = {"CustomerGatewayConfiguration": "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vpn_connection id=\""
                                         + vid + "\">...</vpn_connection>",
         "CustomerGatewayId": cgw, "Category": "VPN", "State": "available", "Type": "ipsec.1",
         "VpnConnectionId": vid}
    if tgw:
        v["TransitGatewayId"] = tgw
    if vgw:
        v["VpnGatewayId"] = vgw
    v["GatewayAssociationState"] = "associated"
    v["Options"] = {"EnableAcceleration": False, "StaticRoutesOnly": static_only,
                    "LocalIpv4NetworkCidr": "0.0.0.0/0", "RemoteIpv4NetworkCidr": "0.0.0.0/0",
                    "OutsideIpAddressType": "PublicIpv4", "TunnelInsideIpVersion": "ipv4",
                    "TunnelOptions": [{"OutsideIpAddress": ip, "TunnelInsideCidr": f"169.254.{n + 10}.0/30",
                                       "PreSharedKey": "example", "LogOptions": {
                                           "CloudWatchLogOptions": {"LogEnabled": False}}}
                                      for n, ip in enumerate(outside)]}
    v["Routes"] = [{"DestinationCidrBlock": r, "Source": "Static", "State": "available"} for r in routes]
    v["Tags"] = tags(vid[4:10])
    v["VgwTelemetry"] = [{"AcceptedRouteCount": 1 if s == "UP" else 0, "LastStatusChange": WHEN,
                          "OutsideIpAddress": ip, "Status": s, "StatusMessage": "" if s == "UP" else "IPSEC IS DOWN"}
                         for ip, s in zip(outside, status)]
    return v


write("vpn-connections.json", {"VpnConnections": [
    vpn(VPN, CGW, ["52.0.0.1", "52.0.0.2"], tgw=TGW),
    vpn(VPN_VGW, CGW2, ["34.0.0.1", "34.0.0.2"], vgw=VGW, static_only=True, routes=["192.168.50.0/24"],
        status=("UP", "DOWN")),
]})

write("vpn-gateways.json", {"VpnGateways": [{
    "State": "available", "Type": "ipsec.1", "VpcAttachments": [{"State": "attached", "VpcId": VA}],
    "VpnGatewayId": VGW, "AmazonSideAsn": 64512, "Tags": tags("legacy")}]})
