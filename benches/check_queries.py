#!/usr/bin/env python3
"""Writes N queries over a generated snapshot (examples/generate.rs) to stdout,
one a line, for `reach check --queries` (BENCHMARKS.md). Deterministic (seed 1):
instance to interface on a server port, instance to the internet, the internet
to a public IP, in about 6 : 2 : 2.

    python3 benches/check_queries.py /tmp/gen-large 100 > /tmp/queries-100.txt
"""
import json
import random
import sys


def main():
    snap, n = sys.argv[1], int(sys.argv[2])
    with open(f"{snap}/NetworkInterfaces.json") as f:
        enis = json.load(f)["NetworkInterfaces"]
    rng = random.Random(1)
    instances = [e["Attachment"]["InstanceId"] for e in enis if e.get("Attachment", {}).get("InstanceId")]
    ids = [e["NetworkInterfaceId"] for e in enis if e.get("InterfaceType", "interface") == "interface"]
    public = [e["Association"]["PublicIp"] for e in enis if e.get("Association", {}).get("PublicIp")]
    for i in range(n):
        kind = i % 5
        if kind < 3:
            port = rng.choice([22, 443, 3306, 5432, 8080])
            print(f"{rng.choice(instances)}->{rng.choice(ids)}:{port}")
        elif kind == 3:
            print(f"{rng.choice(instances)}->93.184.216.34:443")
        else:
            print(f"internet->{rng.choice(public)}:{rng.choice([22, 443])}")


if __name__ == "__main__":
    main()
