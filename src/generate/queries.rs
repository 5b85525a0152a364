//! Queries that walk a generated network's interesting paths.

use super::*;

impl Plan {
    pub(super) fn queries(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let inst = |e: &EniP| {
            e.instance
                .as_ref()
                .map(|i| i.0.clone())
                .unwrap_or_else(|| e.id.clone())
        };
        let private = |j: &usize| !self.subnets[*j].public;
        // Start a little way in, so the picks are not always the first resources.
        let order: Vec<usize> = {
            let n = self.subnets.len();
            let off = n / 3;
            (0..n).map(|i| (i + off) % n).collect()
        };

        // Same subnet: instance -> IP, ssh.
        if let Some((a, b)) = order.iter().filter(|j| private(j)).find_map(|&j| {
            let mut it = self.instance_enis(j);
            Some((it.next()?, it.next()?))
        }) {
            out.push(("same_subnet", format!("{}->{}:22", inst(a), ipv4(b.ip))));
        }

        // Across subnets of one VPC (two different ACLs when the VPC has several): IP -> eni, ssh.
        if let Some((a, b)) = order.iter().filter(|j| private(j)).find_map(|&j| {
            let s = &self.subnets[j];
            let a = self.instance_enis(j).next()?;
            let b = self.vpcs[s.vpc]
                .subnets
                .iter()
                .filter(|&&k| k != j && self.subnets[k].nacl != s.nacl && private(&k))
                .find_map(|&k| self.instance_enis(k).next())?;
            Some((a, b))
        }) {
            out.push(("cross_subnet", format!("{}->{}:22", ipv4(a.ip), b.id)));
        }

        // Allowed by a rule naming the client's group, across subnets.
        if let Some((a, b, port)) = self.sg_reference_pair() {
            out.push(("sg_reference", format!("{}->{}:{port}", inst(a), inst(b))));
        }

        // Out through the internet gateway, from a public subnet.
        if let Some(a) = order
            .iter()
            .filter(|j| self.subnets[**j].public)
            .find_map(|&j| self.instance_enis(j).find(|e| e.public_ip.is_some()))
        {
            out.push((
                "to_internet_igw",
                format!("{}->{INTERNET_HOST}:443", inst(a)),
            ));
        }

        // Out through the NAT gateway, from a private subnet.
        if let Some(a) = order
            .iter()
            .filter(|j| private(j))
            .find_map(|&j| self.instance_enis(j).next())
        {
            out.push((
                "to_internet_nat",
                format!("{}->{INTERNET_HOST}:443", inst(a)),
            ));
        }

        // From the internet to a public IP: https.
        if let Some(a) = order
            .iter()
            .filter(|j| self.subnets[**j].public)
            .find_map(|&j| {
                self.subnets[j]
                    .enis
                    .iter()
                    .map(|&e| &self.enis[e])
                    .find(|e| e.public_ip.is_some())
            })
            && let Some(p) = a.public_ip
        {
            out.push(("from_internet", format!("internet->{}:443", ipv4(p))));
        }

        // Across VPCs through the transit gateway: ssh (every non-default
        // group allows it from 10.0.0.0/8, every ACL too), from an instance
        // whose groups allow all egress, to an instance of another VPC.
        if self.tgw.is_some() {
            let open_egress = |e: &EniP| {
                e.groups.iter().any(|&g| {
                    self.sgs[g].egress.iter().any(|r| {
                        r.proto == "-1" && matches!(&r.peer, PeerP::Cidr(c) if c == "0.0.0.0/0")
                    })
                }) && e
                    .groups
                    .iter()
                    .any(|&g| g != self.vpcs[self.subnets[e.subnet].vpc].sgs[0])
            };
            let client = order
                .iter()
                .filter(|j| private(j))
                .find_map(|&j| self.instance_enis(j).find(|e| open_egress(e)));
            if let Some(a) = client {
                let va = self.subnets[a.subnet].vpc;
                let server = order
                    .iter()
                    .filter(|&&j| private(&j) && self.subnets[j].vpc != va)
                    .find_map(|&j| {
                        self.instance_enis(j).find(|e| {
                            e.groups
                                .iter()
                                .any(|&g| g != self.vpcs[self.subnets[e.subnet].vpc].sgs[0])
                                && open_egress(e)
                        })
                    });
                if let Some(b) = server {
                    out.push(("cross_vpc", format!("{}->{}:22", inst(a), ipv4(b.ip))));
                }
            }
        }
        out.extend(self.org_queries());
        out
    }

    /// A client and server of one VPC, in different subnets when possible,
    /// where a server group allows a port from a group the client carries.
    pub(super) fn sg_reference_pair(&self) -> Option<(&EniP, &EniP, u16)> {
        let mut best = None;
        let start = self.enis.len() / 2;
        for n in 0..self.enis.len() {
            let b = &self.enis[(start + n) % self.enis.len()];
            if b.instance.is_none() {
                continue;
            }
            let vpc = self.subnets[b.subnet].vpc;
            for &g in &b.groups {
                for r in &self.sgs[g].ingress {
                    let (PeerP::Group(peer), "tcp", Some((port, _))) = (&r.peer, r.proto, r.ports)
                    else {
                        continue;
                    };
                    let clients = self.vpcs[vpc]
                        .subnets
                        .iter()
                        .flat_map(|&j| self.instance_enis(j));
                    let Ok(port) = u16::try_from(port) else {
                        continue;
                    };
                    for a in clients.filter(|a| a.id != b.id && a.groups.contains(peer)) {
                        if a.subnet != b.subnet {
                            return Some((a, b, port));
                        }
                        best.get_or_insert((a, b, port));
                    }
                }
            }
        }
        best
    }
}
