#!/usr/bin/env python3
"""Writes the JSON files of this folder: one `aws ec2 describe-*` output per
file, with the fields the AWS CLI prints (trimmed of nothing the model reads).
A dual-stack account in the shape issue 9 reports: IPv6 through the internet
gateway, an egress-only gateway, a multi-ENI instance, service interfaces,
route priority, a gateway route table, a stopped instance, a detached ENI,
delegated prefixes, an idle Elastic IP, a group outside the input, an
AWS-managed prefix list without entries; the `sgr-` IDs of every
security-group rule (`describe-security-group-rules`). Run it to regenerate; the JSON is
committed so the tests read exactly what a user's snapshot holds."""
import hashlib, json, os

OWNER = "123456789012"
HERE = os.path.dirname(os.path.abspath(__file__))
V6A = "2600:1f18:4a3:6a00"
V6B = "2600:1f18:4a3:7b00"


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=4)
        f.write("\n")


def tags(name):
    return [{"Key": "Name", "Value": name}]


write("vpcs.json", {"Vpcs": [
    {"CidrBlock": "10.0.0.0/16", "DhcpOptionsId": "dopt-0c1d2e3f", "State": "available",
     "VpcId": "vpc-0a11aa11aa11aa111", "OwnerId": OWNER, "InstanceTenancy": "default",
     "Ipv6CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0a1", "Ipv6CidrBlock": f"{V6A}::/56",
                                      "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": "us-east-1",
                                      "Ipv6Pool": "Amazon"}],
     "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0a2", "CidrBlock": "10.0.0.0/16",
                                  "CidrBlockState": {"State": "associated"}}],
     "IsDefault": False, "Tags": tags("prod")},
    {"CidrBlock": "10.1.0.0/16", "DhcpOptionsId": "dopt-0c1d2e3f", "State": "available",
     "VpcId": "vpc-0b22bb22bb22bb222", "OwnerId": OWNER, "InstanceTenancy": "default",
     "Ipv6CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0b1", "Ipv6CidrBlock": f"{V6B}::/56",
                                      "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": "us-east-1",
                                      "Ipv6Pool": "Amazon"}],
     "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-0b2", "CidrBlock": "10.1.0.0/16",
                                  "CidrBlockState": {"State": "associated"}}],
     "IsDefault": False, "Tags": tags("egress-only")},
]})


def subnet(sid, vpc, cidr, v6, az, name):
    s = {"AvailabilityZone": az, "AvailabilityZoneId": "use1-az1", "AvailableIpAddressCount": 250,
         "CidrBlock": cidr, "DefaultForAz": False, "MapPublicIpOnLaunch": False, "State": "available",
         "SubnetId": sid, "VpcId": vpc, "OwnerId": OWNER, "AssignIpv6AddressOnCreation": v6 is not None,
         "Ipv6CidrBlockAssociationSet": [], "Tags": tags(name),
         "SubnetArn": f"arn:aws:ec2:us-east-1:{OWNER}:subnet/{sid}", "EnableDns64": False, "Ipv6Native": False,
         "PrivateDnsNameOptionsOnLaunch": {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
                                           "EnableResourceNameDnsAAAARecord": False}}
    if v6:
        s["Ipv6CidrBlockAssociationSet"] = [{"AssociationId": f"subnet-cidr-assoc-{sid[7:12]}", "Ipv6CidrBlock": v6,
                                             "Ipv6CidrBlockState": {"State": "associated"}}]
    return s


VA, VB = "vpc-0a11aa11aa11aa111", "vpc-0b22bb22bb22bb222"
write("subnets.json", {"Subnets": [
    subnet("subnet-0pub0000000000001", VA, "10.0.1.0/24", f"2600:1f18:4a3:6a01::/64", "us-east-1a", "public"),
    subnet("subnet-0app0000000000002", VA, "10.0.2.0/24", f"2600:1f18:4a3:6a02::/64", "us-east-1a", "app"),
    subnet("subnet-0lb00000000000003", VA, "10.0.3.0/24", None, "us-east-1a", "lb"),
    subnet("subnet-0insp000000000004", VA, "10.0.4.0/24", None, "us-east-1a", "inspected"),
    subnet("subnet-0egr000000000001b", VB, "10.1.1.0/24", f"2600:1f18:4a3:7b01::/64", "us-east-1a", "egress-only"),
]})


def route(dest, target_key, target, origin="CreateRoute", state="active"):
    r = {target_key: target, "Origin": origin, "State": state}
    if dest.startswith("pl-"):
        r["DestinationPrefixListId"] = dest
    elif ":" in dest:
        r["DestinationIpv6CidrBlock"] = dest
    else:
        r["DestinationCidrBlock"] = dest
    return r


def local(cidr):
    return route(cidr, "GatewayId", "local", "CreateRouteTable")


def rtb(rid, vpc, assocs, routes, name, vgws=()):
    return {"Associations": assocs, "PropagatingVgws": [{"GatewayId": g} for g in vgws], "RouteTableId": rid,
            "Routes": routes, "Tags": tags(name), "VpcId": vpc, "OwnerId": OWNER}


def assoc(rid, n, subnet=None, gateway=None, main=False):
    a = {"Main": main, "RouteTableAssociationId": f"rtbassoc-0{n:016x}", "RouteTableId": rid,
         "AssociationState": {"State": "associated"}}
    if subnet:
        a["SubnetId"] = subnet
    if gateway:
        a["GatewayId"] = gateway
    return a


IGW, EIGW = "igw-0c0ffee0c0ffee001", "eigw-0d0d0d0d0d0d0d0d1"
write("route-tables.json", {"RouteTables": [
    rtb("rtb-0main00000000000a1", VA, [assoc("rtb-0main00000000000a1", 1, main=True)],
        [local("10.0.0.0/16"), local(f"{V6A}::/56")], "main"),
    # Public: a prefix-list route listed before a static blackhole of the same
    # CIDR, and a propagated route listed before a static one.
    rtb("rtb-0pub000000000000a2", VA, [assoc("rtb-0pub000000000000a2", 2, subnet="subnet-0pub0000000000001")],
        [local("10.0.0.0/16"), local(f"{V6A}::/56"),
         route("pl-0partner000000001", "GatewayId", IGW),
         route("203.0.113.0/24", "NatGatewayId", "nat-0deleted000000001", state="blackhole"),
         route("198.51.100.0/24", "GatewayId", "vgw-0e0e0e0e0e0e0e0e1", "EnableVgwRoutePropagation"),
         route("198.51.100.0/24", "GatewayId", IGW),
         route("0.0.0.0/0", "GatewayId", IGW), route("::/0", "GatewayId", IGW)],
        "public", vgws=["vgw-0e0e0e0e0e0e0e0e1"]),
    # App: IPv6 to the internet, S3 through a gateway endpoint (AWS-managed
    # list, entries not in the snapshot).
    rtb("rtb-0app000000000000a3", VA, [assoc("rtb-0app000000000000a3", 3, subnet="subnet-0app0000000000002"),
                                        assoc("rtb-0app000000000000a3", 4, subnet="subnet-0lb00000000000003")],
        [local("10.0.0.0/16"), local(f"{V6A}::/56"),
         route("pl-63a5400a", "GatewayId", "vpce-0s3000000000000001"),
         route("::/0", "GatewayId", IGW)], "app"),
    rtb("rtb-0insp00000000000a4", VA, [assoc("rtb-0insp00000000000a4", 5, subnet="subnet-0insp000000000004")],
        [local("10.0.0.0/16"), local(f"{V6A}::/56"), route("0.0.0.0/0", "NetworkInterfaceId", "eni-0fw00000000000001")],
        "inspected"),
    # The gateway route table: traffic entering through the IGW for the
    # inspected subnet goes to the firewall first.
    rtb("rtb-0edge00000000000a5", VA, [assoc("rtb-0edge00000000000a5", 6, gateway=IGW)],
        [local("10.0.0.0/16"), local(f"{V6A}::/56"),
         route("10.0.4.0/24", "NetworkInterfaceId", "eni-0fw00000000000001")], "edge"),
    rtb("rtb-0egr00000000000b1", VB, [assoc("rtb-0egr00000000000b1", 7, main=True)],
        [local("10.1.0.0/16"), local(f"{V6B}::/56"),
         route("::/0", "EgressOnlyInternetGatewayId", EIGW)], "egress-only main"),
]})


def perm(proto, lo=None, hi=None, v4=(), v6=(), groups=(), pls=()):
    p = {"IpProtocol": proto, "IpRanges": [{"CidrIp": c} for c in v4],
         "Ipv6Ranges": [{"CidrIpv6": c} for c in v6], "PrefixListIds": [{"PrefixListId": x} for x in pls],
         "UserIdGroupPairs": groups}
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    return p


ALL_OUT = [perm("-1", v4=["0.0.0.0/0"], v6=["::/0"])]


def sg(gid, name, vpc, ingress, egress=ALL_OUT):
    return {"Description": name, "GroupName": name, "IpPermissions": ingress, "OwnerId": OWNER, "GroupId": gid,
            "IpPermissionsEgress": egress, "VpcId": vpc,
            "SecurityGroupArn": f"arn:aws:ec2:us-east-1:{OWNER}:security-group/{gid}", "Tags": []}


GROUPS = [
    sg("sg-0web00000000000001", "web", VA, [perm("tcp", 443, 443, v4=["0.0.0.0/0"], v6=["::/0"])]),
    sg("sg-0app00000000000002", "app", VA, [
        # SSH from the bastion group of a peered VPC: not in this snapshot.
        perm("tcp", 22, 22, groups=[{"GroupId": "sg-0peerbastion00001", "UserId": OWNER,
                                     "VpcId": "vpc-0peer000000000001",
                                     "VpcPeeringConnectionId": "pcx-0peer000000000001",
                                     "PeeringStatus": "active"}]),
        perm("tcp", 5432, 5432, groups=[{"GroupId": "sg-0web00000000000001", "UserId": OWNER}]),
        perm("tcp", 8080, 8080, groups=[{"GroupId": "sg-0app00000000000002", "UserId": OWNER}]),
        perm("tcp", 443, 443, v6=[f"{V6A}::/56"]),
    ]),
    sg("sg-0fw000000000000003", "firewall", VA, [perm("-1", v4=["0.0.0.0/0"])]),
    sg("sg-0egr00000000000004", "egress-only", VB, [perm("tcp", 22, 22, v6=["::/0"])]),
    sg("sg-0defa000000000000a", "default", VA, [perm("-1", groups=[{"GroupId": "sg-0defa000000000000a", "UserId": OWNER}])]),
    sg("sg-0defb000000000000b", "default", VB, [perm("-1", groups=[{"GroupId": "sg-0defb000000000000b", "UserId": OWNER}])]),
]
write("security-groups.json", {"SecurityGroups": GROUPS})


def sg_rules(group):
    """`describe-security-group-rules` for one group: one item per peer of
    each permission, with its own `sgr-` ID; ports -1 for protocol -1."""
    out = []
    for egress, key in ((False, "IpPermissions"), (True, "IpPermissionsEgress")):
        for i, p in enumerate(group[key]):
            peers = ([("CidrIpv4", r["CidrIp"]) for r in p["IpRanges"]] +
                     [("CidrIpv6", r["CidrIpv6"]) for r in p["Ipv6Ranges"]] +
                     [("PrefixListId", r["PrefixListId"]) for r in p["PrefixListIds"]] +
                     [("ReferencedGroupInfo", dict(r)) for r in p["UserIdGroupPairs"]])
            for j, (field, peer) in enumerate(peers):
                rid = "sgr-0" + hashlib.sha256(f"{group['GroupId']} {key} {i} {j}".encode()).hexdigest()[:16]
                r = {"SecurityGroupRuleId": rid, "GroupId": group["GroupId"], "GroupOwnerId": OWNER,
                     "IsEgress": egress, "IpProtocol": p["IpProtocol"],
                     "FromPort": p.get("FromPort", -1), "ToPort": p.get("ToPort", -1), field: peer,
                     "Tags": [], "SecurityGroupRuleArn": f"arn:aws:ec2:us-east-1:{OWNER}:security-group-rule/{rid}"}
                out.append(r)
    return out


# The same rules as `describe-security-group-rules` lists them: in its own
# order (by ID here), not the order of `IpPermissions`.
write("security-group-rules.json", {"SecurityGroupRules": sorted(
    (r for g in GROUPS for r in sg_rules(g)), key=lambda r: r["SecurityGroupRuleId"])})


def nacl(aid, vpc, subnets):
    entries = []
    for egress in (True, False):
        entries += [
            {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
            {"Egress": egress, "Ipv6CidrBlock": "::/0", "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 101},
            {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767},
            {"Egress": egress, "Ipv6CidrBlock": "::/0", "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32768},
        ]
    return {"Associations": [{"NetworkAclAssociationId": f"aclassoc-0{s[7:15]}", "NetworkAclId": aid, "SubnetId": s}
                             for s in subnets],
            "Entries": entries, "IsDefault": True, "NetworkAclId": aid, "Tags": [], "VpcId": vpc, "OwnerId": OWNER}


write("network-acls.json", {"NetworkAcls": [
    nacl("acl-0a000000000000001", VA, ["subnet-0pub0000000000001", "subnet-0app0000000000002",
                                       "subnet-0lb00000000000003", "subnet-0insp000000000004"]),
    nacl("acl-0b000000000000001", VB, ["subnet-0egr000000000001b"]),
]})


def eni(eid, subnet, vpc, ip, groups, *, instance=None, device=None, public=None, v6=(), kind="interface",
        desc="", status="in-use", prefixes=(), requester=None, secondary=()):
    e = {"AvailabilityZone": "us-east-1a", "Description": desc,
         "Groups": [{"GroupName": g.split("-")[1][:4], "GroupId": g} for g in groups],
         "InterfaceType": kind, "Ipv6Addresses": [{"Ipv6Address": a, "IsPrimaryIpv6": False} for a in v6],
         "MacAddress": "0a:1b:2c:3d:4e:5f", "NetworkInterfaceId": eid, "OwnerId": OWNER,
         "PrivateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal", "PrivateIpAddress": ip,
         "PrivateIpAddresses": [{"Primary": True, "PrivateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal",
                                 "PrivateIpAddress": ip}] +
                               [{"Primary": False, "PrivateIpAddress": a} for a in secondary],
         "Ipv4Prefixes": [{"Ipv4Prefix": p} for p in prefixes],
         "RequesterManaged": requester is not None, "SourceDestCheck": True, "Status": status,
         "SubnetId": subnet, "TagSet": [], "VpcId": vpc}
    if requester:
        e["RequesterId"] = requester
    if public:
        assoc = {"IpOwnerId": "amazon", "PublicDnsName": f"ec2-{public.replace('.', '-')}.compute-1.amazonaws.com",
                 "PublicIp": public}
        e["Association"] = assoc
        e["PrivateIpAddresses"][0]["Association"] = assoc
    if instance:
        e["Attachment"] = {"AttachTime": "2026-10-01T08:00:00+00:00", "AttachmentId": f"eni-attach-0{eid[5:20]}",
                           "DeleteOnTermination": True, "DeviceIndex": device, "NetworkCardIndex": 0,
                           "InstanceId": instance, "InstanceOwnerId": OWNER, "Status": "attached"}
    return e


PUB, APP, LB, INSP, EGR = ("subnet-0pub0000000000001", "subnet-0app0000000000002", "subnet-0lb00000000000003",
                           "subnet-0insp000000000004", "subnet-0egr000000000001b")
WEB_SG, APP_SG = "sg-0web00000000000001", "sg-0app00000000000002"
enis = {
    # i-0web: two ENIs; describe-instances lists the secondary (device 1) first.
    "web2": eni("eni-0web2000000000002", APP, VA, "10.0.2.20", [APP_SG], instance="i-0web0000000000001", device=1),
    "web": eni("eni-0web0000000000001", PUB, VA, "10.0.1.10", [WEB_SG], instance="i-0web0000000000001", device=0,
               public="3.80.0.10", v6=[f"2600:1f18:4a3:6a01::10"]),
    # i-0app is in no describe-instances output of this snapshot.
    "app": eni("eni-0app0000000000003", APP, VA, "10.0.2.30", [APP_SG], instance="i-0app0000000000003", device=0,
               v6=[f"2600:1f18:4a3:6a02::30"], prefixes=["10.0.2.64/28"]),
    "stopped": eni("eni-0stop000000000004", APP, VA, "10.0.2.40", [APP_SG], instance="i-0stop000000000004", device=0),
    "detached": eni("eni-0detached0000005", APP, VA, "10.0.2.50", [APP_SG], status="available"),
    "nlb": eni("eni-0nlb0000000000006", LB, VA, "10.0.3.10", [], kind="network_load_balancer",
               desc="ELB net/prod-nlb/50dc6c495c0c9188", requester="amazon-elb"),
    "tgw": eni("eni-0tgw0000000000007", LB, VA, "10.0.3.20", [], kind="transit_gateway",
               desc="Network Interface for Transit Gateway Attachment tgw-attach-0a1b2c3d4e5f60718",
               requester="123456789012"),
    "fw": eni("eni-0fw00000000000001", LB, VA, "10.0.3.30", ["sg-0fw000000000000003"], instance="i-0fw00000000000001",
              device=0),
    "insp": eni("eni-0insp00000000008", INSP, VA, "10.0.4.10", [WEB_SG], instance="i-0insp0000000000008", device=0,
                public="3.80.0.44"),
    "egr": eni("eni-0egr0000000000009", EGR, VB, "10.1.1.5", ["sg-0egr00000000000004"], instance="i-0egr0000000000009",
               device=0, v6=[f"2600:1f18:4a3:7b01::5"]),
}
write("network-interfaces.json", {"NetworkInterfaces": list(enis.values())})


def instance(iid, state, eni_list):
    code = {"running": 16, "stopped": 80}[state]
    first = eni_list[0] if eni_list[0]["Attachment"]["DeviceIndex"] == 0 else eni_list[1]
    inst = {"AmiLaunchIndex": 0, "ImageId": "ami-0abcdef1234567890", "InstanceId": iid, "InstanceType": "t3.micro",
            "LaunchTime": "2026-10-01T08:00:00+00:00", "Placement": {"AvailabilityZone": "us-east-1a", "Tenancy": "default"},
            "PrivateDnsName": first["PrivateDnsName"], "PrivateIpAddress": first["PrivateIpAddress"],
            "State": {"Code": code, "Name": state}, "SubnetId": first["SubnetId"], "VpcId": first["VpcId"],
            "Architecture": "x86_64", "NetworkInterfaces": [dict(e) for e in eni_list],
            "SecurityGroups": [{"GroupName": g["GroupName"], "GroupId": g["GroupId"]} for g in first["Groups"]],
            "PlatformDetails": "Linux/UNIX"}
    if "Association" in first:
        inst["PublicIpAddress"] = first["Association"]["PublicIp"]
    if state == "stopped":
        inst["StateReason"] = {"Code": "Client.UserInitiatedShutdown",
                               "Message": "Client.UserInitiatedShutdown: User initiated shutdown"}
    for e in inst["NetworkInterfaces"]:
        for k in ("AvailabilityZone", "RequesterManaged", "TagSet", "InterfaceType"):
            e.pop(k, None)
        e["InterfaceType"] = "interface"
    return {"Groups": [], "Instances": [inst], "OwnerId": OWNER, "ReservationId": f"r-0{iid[2:18]}"}


write("instances.json", {"Reservations": [
    instance("i-0web0000000000001", "running", [enis["web2"], enis["web"]]),
    instance("i-0stop000000000004", "stopped", [enis["stopped"]]),
    instance("i-0fw00000000000001", "running", [enis["fw"]]),
    instance("i-0insp0000000000008", "running", [enis["insp"]]),
    instance("i-0egr0000000000009", "running", [enis["egr"]]),
]})

write("internet-gateways.json", {"InternetGateways": [
    {"Attachments": [{"State": "available", "VpcId": VA}], "InternetGatewayId": IGW, "OwnerId": OWNER, "Tags": []}]})
write("egress-only-internet-gateways.json", {"EgressOnlyInternetGateways": [
    {"Attachments": [{"State": "attached", "VpcId": VB}], "EgressOnlyInternetGatewayId": EIGW, "Tags": []}]})
write("addresses.json", {"Addresses": [
    {"InstanceId": "i-0web0000000000001", "PublicIp": "3.80.0.10", "AllocationId": "eipalloc-0web000000000001",
     "AssociationId": "eipassoc-0web00000000001", "Domain": "vpc", "NetworkInterfaceId": "eni-0web0000000000001",
     "NetworkInterfaceOwnerId": OWNER, "PrivateIpAddress": "10.0.1.10", "PublicIpv4Pool": "amazon",
     "NetworkBorderGroup": "us-east-1"},
    # Allocated, associated with nothing.
    {"PublicIp": "3.80.0.99", "AllocationId": "eipalloc-0idle00000000001", "Domain": "vpc",
     "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1", "Tags": tags("spare")},
]})
write("managed-prefix-lists.json", {"PrefixLists": [
    {"PrefixListId": "pl-63a5400a", "AddressFamily": "IPv4", "State": "create-complete",
     "PrefixListArn": "arn:aws:ec2:us-east-1:aws:prefix-list/pl-63a5400a",
     "PrefixListName": "com.amazonaws.us-east-1.s3", "Tags": [], "OwnerId": "AWS"},
    {"PrefixListId": "pl-0partner000000001", "AddressFamily": "IPv4", "State": "create-complete",
     "PrefixListArn": f"arn:aws:ec2:us-east-1:{OWNER}:prefix-list/pl-0partner000000001",
     "PrefixListName": "partner", "MaxEntries": 10, "Version": 1, "Tags": [], "OwnerId": OWNER},
]})
write("prefix-list-entries.json", {"ManagedPrefixListEntries": [
    {"PrefixListId": "pl-0partner000000001", "Entries": [{"Cidr": "203.0.113.0/24", "Description": "partner"}]}]})
