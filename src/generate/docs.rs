//! A plan written as the documents `aws ec2 describe-*` prints.

use serde_json::{Value, json};

use super::*;

impl Plan {
    pub(super) fn vpc_cidr(v: usize) -> String {
        format!("{}/16", ipv4(ten(v, 0, 0)))
    }

    pub(super) fn subnet_cidr(&self, j: usize) -> String {
        let s = &self.subnets[j];
        format!("{}/24", ipv4(ten(s.vpc, s.k, 0)))
    }

    pub(super) fn vpcs_doc(&self) -> Vec<Value> {
        self.vpcs
            .iter()
            .enumerate()
            .map(|(v, x)| {
                let mut m = json!({
                    "CidrBlock": Self::vpc_cidr(v),
                    "CidrBlockAssociationSet": [{
                        "AssociationId": aws_id("vpc-cidr-assoc", self.seed, 20, v),
                        "CidrBlock": Self::vpc_cidr(v),
                        "CidrBlockState": {"State": "associated"}
                    }],
                    "DhcpOptionsId": aws_id("dopt", self.seed, 21, 0),
                    "InstanceTenancy": "default",
                    "IsDefault": false,
                    "OwnerId": self.owner(v),
                    "State": "available",
                    "Tags": [{"Key": "Name", "Value": format!("vpc-{v}")}],
                    "VpcId": x.id,
                });
                if self.dual(v) {
                    m["Ipv6CidrBlockAssociationSet"] = json!([{
                        "AssociationId": aws_id("vpc-cidr-assoc", self.seed, 70, v),
                        "Ipv6CidrBlock": Self::vpc_cidr_v6(v),
                        "Ipv6CidrBlockState": {"State": "associated"},
                        "NetworkBorderGroup": "us-east-1",
                        "Ipv6Pool": "Amazon"
                    }]);
                }
                m
            })
            .collect()
    }

    pub(super) fn subnets_doc(&self) -> Vec<Value> {
        self.subnets
            .iter()
            .enumerate()
            .map(|(j, s)| {
                let mut m = json!({
                    "AssignIpv6AddressOnCreation": false,
                    "AvailabilityZone": az(s.k),
                    "AvailableIpAddressCount": 251 - s.enis.len(),
                    "CidrBlock": self.subnet_cidr(j),
                    "DefaultForAz": false,
                    "Ipv6CidrBlockAssociationSet": [],
                    "MapPublicIpOnLaunch": s.public,
                    "OwnerId": self.owner(s.vpc),
                    "State": "available",
                    "SubnetArn": format!("arn:aws:ec2:us-east-1:{}:subnet/{}", self.owner(s.vpc), s.id),
                    "SubnetId": s.id,
                    "Tags": [{"Key": "Name", "Value": format!("{}-{}-{}", if s.public { "public" } else { "private" }, s.vpc, s.k)}],
                    "VpcId": self.vpcs[s.vpc].id,
                });
                if self.dual(s.vpc) {
                    m["AssignIpv6AddressOnCreation"] = json!(true);
                    m["Ipv6CidrBlockAssociationSet"] = json!([{
                        "AssociationId": aws_id("subnet-cidr-assoc", self.seed, 71, j),
                        "Ipv6CidrBlock": self.subnet_cidr_v6(j),
                        "Ipv6CidrBlockState": {"State": "associated"}
                    }]);
                }
                m
            })
            .collect()
    }

    pub(super) fn route_tables_doc(&self) -> Vec<Value> {
        let local = |v: usize| {
            json!({
                "DestinationCidrBlock": Self::vpc_cidr(v),
                "GatewayId": "local",
                "Origin": "CreateRouteTable",
                "State": "active"
            })
        };
        let local_v6 = |v: usize| {
            json!({
                "DestinationIpv6CidrBlock": Self::vpc_cidr_v6(v),
                "GatewayId": "local",
                "Origin": "CreateRouteTable",
                "State": "active"
            })
        };
        let mut out: Vec<Value> = self
            .vpcs
            .iter()
            .enumerate()
            .map(|(v, x)| {
                json!({
                    "Associations": [{
                        "Main": true,
                        "RouteTableAssociationId": aws_id("rtbassoc", self.seed, 22, v),
                        "RouteTableId": x.main_rtb,
                        "AssociationState": {"State": "associated"}
                    }],
                    "OwnerId": self.owner(v),
                    "PropagatingVgws": [],
                    "RouteTableId": x.main_rtb,
                    "Routes": if self.dual(v) { vec![local(v), local_v6(v)] } else { vec![local(v)] },
                    "Tags": [],
                    "VpcId": x.id,
                })
            })
            .collect();
        for (j, s) in self.subnets.iter().enumerate() {
            let vpc = &self.vpcs[s.vpc];
            let mut routes = vec![local(s.vpc)];
            routes.push(if s.public {
                json!({
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "GatewayId": vpc.igw,
                    "Origin": "CreateRoute",
                    "State": "active"
                })
            } else {
                json!({
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "NatGatewayId": vpc.nat.id,
                    "Origin": "CreateRoute",
                    "State": "active"
                })
            });
            if let Some(t) = &self.tgw {
                routes.push(json!({
                    "DestinationCidrBlock": "10.0.0.0/8",
                    "TransitGatewayId": t.id,
                    "Origin": "CreateRoute",
                    "State": "active"
                }));
            }
            routes.extend(self.peering_route(s.vpc));
            if self.dual(s.vpc) {
                routes.push(local_v6(s.vpc));
                let o = self
                    .org
                    .as_ref()
                    .expect("dual-stack VPCs are an organisation's");
                routes.push(if s.public {
                    json!({
                        "DestinationIpv6CidrBlock": "::/0",
                        "GatewayId": vpc.igw,
                        "Origin": "CreateRoute",
                        "State": "active"
                    })
                } else {
                    json!({
                        "DestinationIpv6CidrBlock": "::/0",
                        "EgressOnlyInternetGatewayId": o.eigws[s.vpc],
                        "Origin": "CreateRoute",
                        "State": "active"
                    })
                });
            }
            if s.blackhole {
                routes.push(json!({
                    "DestinationCidrBlock": "172.16.0.0/16",
                    "VpcPeeringConnectionId": aws_id("pcx", self.seed, 23, j),
                    "Origin": "CreateRoute",
                    "State": "blackhole"
                }));
            }
            out.push(json!({
                "Associations": [{
                    "Main": false,
                    "RouteTableAssociationId": s.rtb_assoc,
                    "RouteTableId": s.rtb,
                    "SubnetId": s.id,
                    "AssociationState": {"State": "associated"}
                }],
                "OwnerId": self.owner(s.vpc),
                "PropagatingVgws": [],
                "RouteTableId": s.rtb,
                "Routes": routes,
                "Tags": [{"Key": "Name", "Value": format!("rt-{}-{}", s.vpc, s.k)}],
                "VpcId": vpc.id,
            }));
        }
        out
    }

    pub(super) fn nacls_doc(&self) -> Vec<Value> {
        let implicit = || {
            [true, false].map(|egress| {
                json!({
                    "CidrBlock": "0.0.0.0/0",
                    "Egress": egress,
                    "Protocol": "-1",
                    "RuleAction": "deny",
                    "RuleNumber": 32767
                })
            })
        };
        // A dual-stack VPC's ACLs: the IPv6 default entry (allow in the
        // default ACL) and the implicit IPv6 deny.
        let v6 = |action: &str, number: u32| {
            [true, false].map(|egress| {
                json!({
                    "Egress": egress,
                    "Ipv6CidrBlock": "::/0",
                    "Protocol": "-1",
                    "RuleAction": action,
                    "RuleNumber": number
                })
            })
        };
        let mut out: Vec<Value> = self
            .vpcs
            .iter()
            .enumerate()
            .map(|(v, x)| {
                let mut entries: Vec<Value> = [true, false]
                    .map(|egress| {
                        json!({
                            "CidrBlock": "0.0.0.0/0",
                            "Egress": egress,
                            "Protocol": "-1",
                            "RuleAction": "allow",
                            "RuleNumber": 100
                        })
                    })
                    .into();
                if self.dual(v) {
                    entries.extend(v6("allow", 101));
                }
                entries.extend(implicit());
                if self.dual(v) {
                    entries.extend(v6("deny", 32768));
                }
                json!({
                    "Associations": [],
                    "Entries": entries,
                    "IsDefault": true,
                    "NetworkAclId": x.default_acl,
                    "OwnerId": self.owner(v),
                    "Tags": [],
                    "VpcId": x.id,
                })
            })
            .collect();
        for (i, a) in self.nacls.iter().enumerate() {
            let mut entries: Vec<Value> = a
                .entries
                .iter()
                .map(|e| {
                    let mut m = json!({
                        "CidrBlock": e.cidr,
                        "Egress": e.egress,
                        "Protocol": e.proto,
                        "RuleAction": if e.allow { "allow" } else { "deny" },
                        "RuleNumber": e.number,
                    });
                    if e.cidr.contains(':') {
                        m = json!({
                            "Egress": e.egress,
                            "Ipv6CidrBlock": e.cidr,
                            "Protocol": e.proto,
                            "RuleAction": if e.allow { "allow" } else { "deny" },
                            "RuleNumber": e.number,
                        });
                    }
                    if let Some((from, to)) = e.ports {
                        m["PortRange"] = json!({"From": from, "To": to});
                    }
                    if e.proto == "1" {
                        m["IcmpTypeCode"] = json!({"Code": -1, "Type": -1});
                    }
                    m
                })
                .collect();
            entries.extend(implicit());
            if self.dual(a.vpc) {
                entries.extend(v6("deny", 32768));
            }
            let assocs: Vec<Value> = a
                .subnets
                .iter()
                .map(|&j| {
                    json!({
                        "NetworkAclAssociationId": aws_id("aclassoc", self.seed, 24, j),
                        "NetworkAclId": a.id,
                        "SubnetId": self.subnets[j].id,
                    })
                })
                .collect();
            out.push(json!({
                "Associations": assocs,
                "Entries": entries,
                "IsDefault": false,
                "NetworkAclId": a.id,
                "OwnerId": self.owner(a.vpc),
                "Tags": [{"Key": "Name", "Value": format!("acl-{}-{i}", a.vpc)}],
                "VpcId": self.vpcs[a.vpc].id,
            }));
        }
        out
    }

    pub(super) fn sgs_doc(&self) -> Vec<Value> {
        // `dual`: a dual-stack VPC's group, whose rules open to
        // `0.0.0.0/0` are open to `::/0` too.
        let perms = |rules: &[RuleP], dual: bool| -> Vec<Value> {
            rules
                .iter()
                .map(|r| {
                    let mut ranges = Vec::new();
                    let mut ranges_v6 = Vec::new();
                    let mut pairs = Vec::new();
                    match &r.peer {
                        PeerP::Cidr(c) => {
                            let mut x = json!({"CidrIp": c});
                            if let Some(d) = r.description {
                                x["Description"] = json!(d);
                            }
                            ranges.push(x);
                            if dual && c == "0.0.0.0/0" {
                                let mut x = json!({"CidrIpv6": "::/0"});
                                if let Some(d) = r.description {
                                    x["Description"] = json!(d);
                                }
                                ranges_v6.push(x);
                            }
                        }
                        PeerP::Group(g) => {
                            let mut x = json!({"GroupId": self.sgs[*g].id, "UserId": self.owner(self.sgs[*g].vpc)});
                            if let Some(d) = r.description {
                                x["Description"] = json!(d);
                            }
                            pairs.push(x);
                        }
                    }
                    let mut m = json!({
                        "IpProtocol": r.proto,
                        "IpRanges": ranges,
                        "Ipv6Ranges": ranges_v6,
                        "PrefixListIds": [],
                        "UserIdGroupPairs": pairs,
                    });
                    if let Some((from, to)) = r.ports {
                        m["FromPort"] = json!(from);
                        m["ToPort"] = json!(to);
                    }
                    m
                })
                .collect()
        };
        let mut out: Vec<Value> = self
            .sgs
            .iter()
            .map(|g| {
                let dual = self.dual(g.vpc);
                json!({
                    "Description": if g.name == "default" { "default VPC security group" } else { "Managed by Terraform" },
                    "GroupId": g.id,
                    "GroupName": g.name,
                    "IpPermissions": perms(&g.ingress, dual),
                    "IpPermissionsEgress": perms(&g.egress, dual),
                    "OwnerId": self.owner(g.vpc),
                    "Tags": [],
                    "VpcId": self.vpcs[g.vpc].id,
                })
            })
            .collect();
        out.extend(self.org_sgs());
        out
    }

    /// One interface as `describe-network-interfaces` (or, `in_instance`, as
    /// nested in `describe-instances`) prints it.
    pub(super) fn eni_json(&self, e: &EniP, in_instance: bool) -> Value {
        let s = &self.subnets[e.subnet];
        let vpc = &self.vpcs[s.vpc];
        let assoc = e.public_ip.map(|p| {
            json!({
                "IpOwnerId": "amazon",
                "PublicDnsName": format!("ec2-{}.compute-1.amazonaws.com", ipv4(p).replace('.', "-")),
                "PublicIp": ipv4(p),
            })
        });
        let dns = |a: u32| format!("ip-{}.ec2.internal", ipv4(a).replace('.', "-"));
        let mut ips = vec![json!({
            "Primary": true,
            "PrivateDnsName": dns(e.ip),
            "PrivateIpAddress": ipv4(e.ip),
        })];
        if let Some(a) = &assoc {
            ips[0]["Association"] = a.clone();
        }
        if let Some(sec) = e.secondary {
            ips.push(json!({
                "Primary": false,
                "PrivateDnsName": dns(sec),
                "PrivateIpAddress": ipv4(sec),
            }));
        }
        let groups: Vec<Value> = e
            .groups
            .iter()
            .map(|&g| json!({"GroupId": self.sgs[g].id, "GroupName": self.sgs[g].name}))
            .collect();
        let mut m = json!({
            "Description": if e.instance.is_some() { "" } else { "ELB app/internal-lb/0123456789abcdef" },
            "Groups": groups,
            "InterfaceType": "interface",
            "Ipv6Addresses": [],
            "MacAddress": format!("0e:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", s.vpc, s.k, e.ip & 0xff, (e.subnet >> 8) & 0xff, e.subnet & 0xff),
            "NetworkInterfaceId": e.id,
            "OwnerId": self.owner(s.vpc),
            "PrivateDnsName": dns(e.ip),
            "PrivateIpAddress": ipv4(e.ip),
            "PrivateIpAddresses": ips,
            "SourceDestCheck": true,
            "Status": "in-use",
            "SubnetId": s.id,
            "VpcId": vpc.id,
        });
        if let Some(a) = assoc {
            m["Association"] = a;
        }
        if let Some(a) = self.eni_v6(e) {
            m["Ipv6Addresses"] = json!([{"Ipv6Address": a, "IsPrimaryIpv6": false}]);
        }
        let mut attach = json!({
            "AttachTime": "2024-01-01T00:00:00+00:00",
            "AttachmentId": e.attach,
            "DeleteOnTermination": true,
            "DeviceIndex": 0,
            "Status": "attached",
        });
        match &e.instance {
            Some((inst, _, _)) => {
                if !in_instance {
                    attach["InstanceId"] = json!(inst);
                    attach["InstanceOwnerId"] = json!(self.owner(s.vpc));
                    m["AvailabilityZone"] = json!(az(s.k));
                    m["RequesterManaged"] = json!(false);
                    m["TagSet"] = json!([]);
                }
                m["Attachment"] = attach;
            }
            None => {
                attach["InstanceOwnerId"] = json!("amazon-elb");
                m["Attachment"] = attach;
                m["AvailabilityZone"] = json!(az(s.k));
                m["RequesterId"] = json!("amazon-elb");
                m["RequesterManaged"] = json!(true);
                m["TagSet"] = json!([]);
            }
        }
        m
    }

    pub(super) fn nat_eni_json(&self, v: usize) -> Value {
        let x = &self.vpcs[v];
        let n = &x.nat;
        let s = &self.subnets[n.subnet];
        let assoc = json!({
            "AllocationId": n.alloc,
            "AssociationId": n.assoc,
            "IpOwnerId": self.owner(v),
            "PublicDnsName": format!("ec2-{}.compute-1.amazonaws.com", ipv4(n.public_ip).replace('.', "-")),
            "PublicIp": ipv4(n.public_ip),
        });
        json!({
            "Association": assoc,
            "Attachment": {
                "AttachmentId": aws_id("ela-attach", self.seed, 25, v),
                "DeleteOnTermination": false,
                "DeviceIndex": 1,
                "InstanceOwnerId": "amazon-aws",
                "Status": "attached"
            },
            "AvailabilityZone": "us-east-1a",
            "Description": format!("Interface for NAT Gateway {}", n.id),
            "Groups": [],
            "InterfaceType": "nat_gateway",
            "Ipv6Addresses": [],
            "MacAddress": format!("0e:ff:00:00:{:02x}:{:02x}", v >> 8, v & 0xff),
            "NetworkInterfaceId": n.eni,
            "OwnerId": self.owner(v),
            "PrivateDnsName": format!("ip-{}.ec2.internal", ipv4(n.private_ip).replace('.', "-")),
            "PrivateIpAddress": ipv4(n.private_ip),
            "PrivateIpAddresses": [{
                "Association": assoc,
                "Primary": true,
                "PrivateIpAddress": ipv4(n.private_ip),
            }],
            "RequesterId": "036872051663",
            "RequesterManaged": true,
            "SourceDestCheck": false,
            "Status": "in-use",
            "SubnetId": s.id,
            "TagSet": [],
            "VpcId": x.id,
        })
    }

    pub(super) fn enis_doc(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self.enis.iter().map(|e| self.eni_json(e, false)).collect();
        out.extend((0..self.vpcs.len()).map(|v| self.nat_eni_json(v)));
        out.extend(self.org_enis());
        out
    }

    pub(super) fn reservations_doc(&self) -> Vec<Value> {
        self.enis
            .iter()
            .filter_map(|e| {
                let (inst, res, windows) = e.instance.as_ref()?;
                let s = &self.subnets[e.subnet];
                let groups: Vec<Value> = e
                    .groups
                    .iter()
                    .map(|&g| json!({"GroupId": self.sgs[g].id, "GroupName": self.sgs[g].name}))
                    .collect();
                let mut i = json!({
                    "AmiLaunchIndex": 0,
                    "Architecture": "x86_64",
                    "ImageId": "ami-0123456789abcdef0",
                    "InstanceId": inst,
                    "InstanceType": "t3.micro",
                    "LaunchTime": "2024-01-01T00:00:00+00:00",
                    "Monitoring": {"State": "disabled"},
                    "NetworkInterfaces": [self.eni_json(e, true)],
                    "Placement": {"AvailabilityZone": az(s.k), "GroupName": "", "Tenancy": "default"},
                    "PrivateIpAddress": ipv4(e.ip),
                    "SecurityGroups": groups,
                    "SourceDestCheck": true,
                    "State": {"Code": 16, "Name": "running"},
                    "SubnetId": s.id,
                    "VpcId": self.vpcs[s.vpc].id,
                });
                if *windows {
                    i["Platform"] = json!("windows");
                    i["PlatformDetails"] = json!("Windows");
                } else {
                    i["PlatformDetails"] = json!("Linux/UNIX");
                }
                if let Some(p) = e.public_ip {
                    i["PublicIpAddress"] = json!(ipv4(p));
                }
                Some(json!({
                    "Groups": [],
                    "Instances": [i],
                    "OwnerId": self.owner(s.vpc),
                    "ReservationId": res,
                }))
            })
            .collect()
    }

    pub(super) fn igws_doc(&self) -> Vec<Value> {
        self.vpcs
            .iter()
            .enumerate()
            .map(|(v, x)| {
                json!({
                    "Attachments": [{"State": "available", "VpcId": x.id}],
                    "InternetGatewayId": x.igw,
                    "OwnerId": self.owner(v),
                    "Tags": [],
                })
            })
            .collect()
    }

    pub(super) fn nats_doc(&self) -> Vec<Value> {
        self.vpcs
            .iter()
            .map(|x| {
                let n = &x.nat;
                json!({
                    "ConnectivityType": "public",
                    "CreateTime": "2024-01-01T00:00:00+00:00",
                    "NatGatewayAddresses": [{
                        "AllocationId": n.alloc,
                        "AssociationId": n.assoc,
                        "IsPrimary": true,
                        "NetworkInterfaceId": n.eni,
                        "PrivateIp": ipv4(n.private_ip),
                        "PublicIp": ipv4(n.public_ip),
                        "Status": "succeeded"
                    }],
                    "NatGatewayId": n.id,
                    "State": "available",
                    "SubnetId": self.subnets[n.subnet].id,
                    "Tags": [],
                    "VpcId": x.id,
                })
            })
            .collect()
    }

    pub(super) fn addresses_doc(&self) -> Vec<Value> {
        self.vpcs
            .iter()
            .enumerate()
            .map(|(v, x)| {
                let n = &x.nat;
                json!({
                    "AllocationId": n.alloc,
                    "AssociationId": n.assoc,
                    "Domain": "vpc",
                    "NetworkBorderGroup": "us-east-1",
                    "NetworkInterfaceId": n.eni,
                    "NetworkInterfaceOwnerId": self.owner(v),
                    "PrivateIpAddress": ipv4(n.private_ip),
                    "PublicIp": ipv4(n.public_ip),
                    "PublicIpv4Pool": "amazon",
                })
            })
            .collect()
    }

    // -- queries -------------------------------------------------------------

    pub(super) fn instance_enis(&self, j: usize) -> impl Iterator<Item = &EniP> + '_ {
        self.subnets[j]
            .enis
            .iter()
            .map(|&e| &self.enis[e])
            .filter(|e| e.instance.is_some())
    }

    /// The transit gateway's documents (none with a single VPC): the
    /// gateway, its attachments, their VPC details, its route table, and the
    /// table's associations, propagations and routes in the project's
    /// `TransitGatewayRouteTableContents` wrapper.
    pub(super) fn transit_docs(&self) -> Vec<(&'static str, Vec<Value>)> {
        let Some(t) = &self.tgw else {
            return Vec::new();
        };
        let when = "2026-01-01T00:00:00+00:00";
        let link = |v: usize, state: &str| {
            json!({
                "TransitGatewayAttachmentId": t.attachments[v].0,
                "ResourceId": self.vpcs[v].id,
                "ResourceType": "vpc",
                "State": state
            })
        };
        let n = self.vpcs.len();
        vec![
            (
                "TransitGateways",
                vec![json!({
                    "TransitGatewayId": t.id,
                    "TransitGatewayArn": format!("arn:aws:ec2:us-east-1:{OWNER}:transit-gateway/{}", t.id),
                    "State": "available",
                    "OwnerId": OWNER,
                    "Description": "generated",
                    "CreationTime": when,
                    "Options": {
                        "AmazonSideAsn": 64512,
                        "AutoAcceptSharedAttachments": "disable",
                        "DefaultRouteTableAssociation": "enable",
                        "AssociationDefaultRouteTableId": t.table,
                        "DefaultRouteTablePropagation": "enable",
                        "PropagationDefaultRouteTableId": t.table,
                        "VpnEcmpSupport": "enable",
                        "DnsSupport": "enable",
                        "SecurityGroupReferencingSupport": "disable",
                        "MulticastSupport": "disable"
                    },
                    "Tags": []
                })],
            ),
            (
                "TransitGatewayAttachments",
                (0..n)
                    .map(|v| {
                        json!({
                            "TransitGatewayAttachmentId": t.attachments[v].0,
                            "TransitGatewayId": t.id,
                            "TransitGatewayOwnerId": OWNER,
                            "ResourceOwnerId": self.owner(v),
                            "ResourceType": "vpc",
                            "ResourceId": self.vpcs[v].id,
                            "State": "available",
                            "Association": {"TransitGatewayRouteTableId": t.table, "State": "associated"},
                            "CreationTime": when,
                            "Tags": []
                        })
                    })
                    .collect(),
            ),
            (
                "TransitGatewayVpcAttachments",
                (0..n)
                    .map(|v| {
                        let subnets: Vec<&str> = t.attachments[v]
                            .1
                            .iter()
                            .map(|&j| self.subnets[j].id.as_str())
                            .collect();
                        json!({
                            "TransitGatewayAttachmentId": t.attachments[v].0,
                            "TransitGatewayId": t.id,
                            "VpcId": self.vpcs[v].id,
                            "VpcOwnerId": self.owner(v),
                            "State": "available",
                            "SubnetIds": subnets,
                            "CreationTime": when,
                            "Options": {
                                "DnsSupport": "enable",
                                "SecurityGroupReferencingSupport": "disable",
                                "Ipv6Support": "disable",
                                "ApplianceModeSupport": "disable"
                            },
                            "Tags": []
                        })
                    })
                    .collect(),
            ),
            (
                "TransitGatewayRouteTables",
                vec![json!({
                    "TransitGatewayRouteTableId": t.table,
                    "TransitGatewayId": t.id,
                    "State": "available",
                    "DefaultAssociationRouteTable": true,
                    "DefaultPropagationRouteTable": true,
                    "CreationTime": when,
                    "Tags": []
                })],
            ),
            (
                "TransitGatewayRouteTableContents",
                vec![json!({
                    "TransitGatewayRouteTableId": t.table,
                    "Associations": (0..n).map(|v| link(v, "associated")).collect::<Vec<_>>(),
                    "Propagations": (0..n).map(|v| link(v, "enabled")).collect::<Vec<_>>(),
                    "Routes": (0..n)
                        .map(|v| {
                            json!({
                                "DestinationCidrBlock": Self::vpc_cidr(v),
                                "TransitGatewayAttachments": [{
                                    "ResourceId": self.vpcs[v].id,
                                    "TransitGatewayAttachmentId": t.attachments[v].0,
                                    "ResourceType": "vpc"
                                }],
                                "Type": "propagated",
                                "State": "active"
                            })
                        })
                        .collect::<Vec<_>>(),
                    "AdditionalRoutesAvailable": false
                })],
            ),
        ]
    }
}
