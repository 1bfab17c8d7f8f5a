#!/usr/bin/env python3
"""TCP stream oracle: what tshark's `follow,tcp,raw` reassembles (stdlib only).

Usage: oracle.py CAPTURE [OUT.json]      (OUT defaults to stdout)

For every TCP stream N in CAPTURE (tshark's tcp.stream index) this runs
`tshark -r CAPTURE -q -z follow,tcp,raw,N` (all streams in one tshark call)
and writes a JSON list with two objects per stream, one per direction:

  {"stream": N, "src": "10.77.0.2", "sport": 40300, "dst": "10.77.0.1",
   "dport": 8077, "bytes": 123, "sha256": "<hex of the reassembled bytes>"}

A direction that carried no payload is listed with "bytes": 0 (and the
sha256 of the empty string). Sorted by stream, then the direction tshark
calls node 0 -> node 1 (the side that sent the stream's first frame, the
client for a connection whose SYN is in the capture) before node 1 -> node 0.
Addresses are in canonical text form (IPv6 compressed, lower case).

How tshark marks the directions in the raw follow output: after the
"Node 0: ADDR:PORT" / "Node 1: ADDR:PORT" header lines, each hex line is the
payload of one segment as tshark appends it to the stream; lines sent by
node 0 start in column 1, lines sent by node 1 are indented by one TAB.
tshark itself orders out-of-order segments and drops retransmitted bytes
it already has; this script only concatenates what tshark prints.

Tested with TShark 4.0.17.
"""
import hashlib
import ipaddress
import json
import re
import subprocess
import sys


def run_tshark(args):
    p = subprocess.run(["tshark"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=False)
    if p.returncode != 0:
        sys.exit("oracle.py: tshark %s failed (exit %d): %s"
                 % (" ".join(args), p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout.decode("ascii")


def canon(addr):
    return ipaddress.ip_address(addr.strip("[]")).compressed


def parse_node(text):
    # "10.77.0.2:40300" or "[fd77::2]:40300"; an empty stream may print ":0".
    addr, _, port = text.strip().rpartition(":")
    try:
        return canon(addr), int(port)
    except ValueError:
        return None


def first_frames(pcap):
    """tcp.stream -> (src, sport, dst, dport) of the stream's first frame."""
    out = run_tshark(["-r", pcap, "-Y", "tcp", "-T", "fields", "-E", "separator=/t",
                      "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src",
                      "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst",
                      "-e", "tcp.dstport"])
    first = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) != 7 or not f[0]:
            continue
        n = int(f[0])
        if n in first:
            continue
        # ICMP errors quoting a TCP header would add a second address; the
        # captures made here have none, but be strict about it.
        src, dst = f[1] or f[2], f[4] or f[5]
        if "," in src + dst + f[3] + f[6]:
            sys.exit("oracle.py: stream %d: ambiguous first frame %r" % (n, line))
        first[n] = (canon(src), int(f[3]), canon(dst), int(f[6]))
    return first


def follow(pcap, streams):
    args = ["-r", pcap, "-q"]
    for n in streams:
        args += ["-z", "follow,tcp,raw,%d" % n]
    out = run_tshark(args)
    blocks = {}
    cur = None
    for line in out.splitlines():
        if line.startswith("===="):
            cur = None
            continue
        m = re.match(r"Filter: tcp\.stream eq (\d+)$", line)
        if m:
            n = int(m.group(1))
            if n in blocks:
                sys.exit("oracle.py: stream %d printed twice" % n)
            cur = blocks[n] = {"nodes": [None, None], "data": [[], []]}
            continue
        if cur is None or not line.strip():
            continue
        m = re.match(r"Node ([01]): (.*)$", line)
        if m:
            cur["nodes"][int(m.group(1))] = parse_node(m.group(2))
            continue
        if line.startswith("Follow:"):
            continue
        side = 1 if line.startswith("\t") else 0
        hexstr = line.strip()
        if not re.fullmatch(r"(?:[0-9a-f]{2})+", hexstr):
            sys.exit("oracle.py: unexpected follow output line %r" % line[:80])
        cur["data"][side].append(bytes.fromhex(hexstr))
    missing = [n for n in streams if n not in blocks]
    if missing:
        sys.exit("oracle.py: tshark printed no follow output for streams %s" % missing)
    return blocks


def oracle(pcap):
    first = first_frames(pcap)
    streams = sorted(first)
    blocks = follow(pcap, streams) if streams else {}
    rows = []
    for n in streams:
        b = blocks[n]
        fs, fsp, fd, fdp = first[n]
        ends = [(fs, fsp), (fd, fdp)]
        nodes = b["nodes"]
        if nodes[0] is None or nodes[1] is None or nodes[0][1] == 0:
            if any(b["data"]):
                sys.exit("oracle.py: stream %d has data but no node addresses" % n)
            nodes = ends  # empty stream: tshark may print ":0"
        if sorted(nodes) != sorted(ends):
            sys.exit("oracle.py: stream %d: follow nodes %s != frame endpoints %s"
                     % (n, nodes, ends))
        for side in (0, 1):
            data = b"".join(b["data"][side])
            src, dst = nodes[side], nodes[1 - side]
            rows.append({"stream": n, "src": src[0], "sport": src[1],
                         "dst": dst[0], "dport": dst[1], "bytes": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()})
    return rows


def main(argv):
    if len(argv) not in (1, 2):
        sys.exit(__doc__)
    rows = oracle(argv[0])
    text = "[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n" if rows else "[]\n"
    if len(argv) == 2:
        with open(argv[1], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
