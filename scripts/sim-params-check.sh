#!/usr/bin/env bash
# Builds the NIC model with non-default parameters (NIC_SIM_PARAMS, default
# one queue and two MSI-X vectors: the smallest, fastest model) and replays
# the bundled capture through it and through the default model. Passes when
# the reduced model delivers every frame on as many queues as it has, with
# no TLP violation or corrupt frame, and reassembles the same TCP streams
# (streams/index.json, with SHA-256 digests) as the default model.
#
# The reduced model builds in its own target directory, so switching never
# rebuilds the default one.
#
# Usage: scripts/sim-params-check.sh [pcap]    (the Makefile's sim-params-check)
set -euo pipefail

pcap=${1:-vectors/ns-mixed.pcap}
params=${SIM_CHECK_PARAMS:-RX_QUEUES=1 MSIX_VECTORS=2}
want_queues=$(sed -n 's/.*RX_QUEUES=\([0-9]*\).*/\1/p' <<< "$params")
out=target/sim-params-check
rm -rf "$out/small" "$out/default"
mkdir -p "$out"

echo "sim-params-check: default model"
cargo run --release -q -p nic-testbench --bin replay -- "$pcap" --out "$out/default" --quiet
echo "sim-params-check: model with NIC_SIM_PARAMS=\"$params\" (target/sim-small)"
NIC_SIM_PARAMS=$params CARGO_TARGET_DIR=target/sim-small \
    cargo run --release -q -p nic-testbench --bin replay -- "$pcap" --out "$out/small" --quiet

python3 - "$out" "${want_queues:-}" <<'PY'
import json, sys
out, want_queues = sys.argv[1], sys.argv[2]
bad = []
for name in ("default", "small"):
    s = json.load(open(f"{out}/{name}/summary.json"))
    if s["frames_delivered"] != s["frames_in"] or s["frames_in"] == 0:
        bad.append(f"{name}: {s['frames_delivered']} of {s['frames_in']} frames delivered")
    viol, corrupt = s["tlp_violations"]["count"], s["corrupt_frames"]["count"]
    if viol or corrupt:
        bad.append(f"{name}: {viol} TLP violation(s), {corrupt} corrupt frame(s)")
    if s["error"]:
        bad.append(f"{name}: {s['error']}")
    if name == "small" and want_queues and len(s["queues"]) != int(want_queues):
        bad.append(f"small: the driver opened {len(s['queues'])} queues, the model has {want_queues}")
a = json.load(open(f"{out}/default/streams/index.json"))
b = json.load(open(f"{out}/small/streams/index.json"))
strip = lambda idx: [{k: v for k, v in st.items() if k != "file"} for st in idx]
if strip(a) != strip(b):
    bad.append("the reduced model's reassembled streams differ from the default model's")
if bad:
    print("sim-params-check: FAILED\n  " + "\n  ".join(bad))
    sys.exit(1)
print(f"sim-params-check: ok ({len(a)} streams identical, every frame delivered by both models)")
PY
