#!/usr/bin/env python3
"""Writes intents files for `reach synth` benchmarks (BENCHMARKS.md): N flows
between instances of a generated snapshot (examples/generate.rs), each from
one instance to another in another subnet on a database or web port, picked
deterministically. Usage: synth_intents.py SNAPSHOT_DIR OUT_DIR [N...]"""
import json, os, sys

snap, out = sys.argv[1], sys.argv[2]
counts = [int(n) for n in sys.argv[3:]] or [1, 10, 100]
enis = []
for name in sorted(os.listdir(snap)):
    with open(os.path.join(snap, name)) as f:
        doc = json.load(f)
    for e in doc.get("NetworkInterfaces", []):
        inst = (e.get("Attachment") or {}).get("InstanceId")
        if inst and e.get("InterfaceType", "interface") == "interface" and (e.get("Attachment") or {}).get("DeviceIndex", 0) == 0:
            enis.append((inst, e["SubnetId"]))
enis.sort()
os.makedirs(out, exist_ok=True)
ports = [5432, 443, 8080, 3306]
for n in counts:
    flows, k = [], 0
    step = max(1, len(enis) // (2 * n + 1))
    while len(flows) < n and k + step < len(enis):
        (a, sa), (b, sb) = enis[k], enis[(k + len(enis) // 2) % len(enis)]
        if sa != sb and a != b:
            flows.append((a, b, ports[len(flows) % len(ports)]))
        k += step
    with open(os.path.join(out, f"intents-{n}.yaml"), "w") as f:
        f.write("intents:\n")
        for a, b, p in flows:
            f.write(f"  - {{from: {a}, to: {b}, ports: {p}}}\n")
    print(out + f"/intents-{n}.yaml", len(flows))
