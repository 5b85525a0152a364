#!/usr/bin/env python3
"""Inputs for the guardrail benchmarks (BENCHMARKS.md, "Guardrails").

usage: guard_inputs.py SNAPSHOT_DIR OUT_DIR

Writes, from a snapshot written by `examples/generate.rs`:
  OUT_DIR/one-rule/     the snapshot with one security-group rule added
                        (tcp 22 from 0.0.0.0/0 on the first group with members)
  OUT_DIR/one-percent/  the snapshot with 1% of security-group rules changed
                        (every 100th rule's port range moved by one)
  OUT_DIR/policy-100.yaml  100 assertions (must_reach / must_not_reach
                        between generated instances and interfaces)
Deterministic; only the standard library.
"""
import json
import os
import shutil
import sys


def copy(src, dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)


def main():
    snap, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    groups = json.load(open(os.path.join(snap, "SecurityGroups.json")))
    enis = json.load(open(os.path.join(snap, "NetworkInterfaces.json")))["NetworkInterfaces"]
    members = {g["GroupId"] for e in enis for g in e.get("Groups", [])}

    one = os.path.join(out, "one-rule")
    copy(snap, one)
    g = next(g for g in groups["SecurityGroups"] if g["GroupId"] in members)
    changed = json.loads(json.dumps(groups))
    for h in changed["SecurityGroups"]:
        if h["GroupId"] == g["GroupId"]:
            h["IpPermissions"].append({
                "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                "PrefixListIds": [], "UserIdGroupPairs": []})
    json.dump(changed, open(os.path.join(one, "SecurityGroups.json"), "w"), indent=4)

    pct = os.path.join(out, "one-percent")
    copy(snap, pct)
    changed = json.loads(json.dumps(groups))
    n = 0
    for h in changed["SecurityGroups"]:
        for p in h["IpPermissions"]:
            n += 1
            if n % 100 == 0 and p.get("IpProtocol") in ("tcp", "udp"):
                p["FromPort"] = max(0, p["FromPort"] - 1)
    json.dump(changed, open(os.path.join(pct, "SecurityGroups.json"), "w"), indent=4)

    live = [e for e in enis if e.get("Attachment", {}).get("InstanceId")]
    lines = ["assertions:"]
    for k in range(100):
        a = live[(k * 97) % len(live)]
        b = live[(k * 89 + 13) % len(live)]
        kind = "must_reach" if k % 2 == 0 else "must_not_reach"
        port = [22, 443, 5432, 8080][k % 4]
        lines.append(
            f"  - {{name: a{k}, kind: {kind}, from: {a['Attachment']['InstanceId']}, "
            f"to: {b['NetworkInterfaceId']}, ports: {port}}}")
    open(os.path.join(out, "policy-100.yaml"), "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
