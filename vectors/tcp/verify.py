#!/usr/bin/env python3
"""Cross-check a *.streams.json oracle without tshark (stdlib only).

Usage: verify.py CAPTURE.pcap CAPTURE.streams.json

Reads the classic pcap itself, reassembles every TCP direction by sequence
number (byte offset = seq - ISN - 1, from the SYN / SYN-ACK; retransmitted
bytes must equal the bytes already placed there, and the result must have no
holes), and checks that
  * every frame is a complete Ethernet II frame: caplen == len, 60..1514 bytes;
  * the directions and their bytes / sha256 equal the oracle's exactly;
  * each request is `GET /NAME HTTP/1.0` and the answer is `HTTP/1.0 200 OK`
    with a Content-Length equal to the body length, and the body equals
    `nsgen.py`'s deterministic file NAME (SHA-256 counter mode, see
    ../nsgen.py file_bytes), so the file contents are known independently of
    both this script and tshark.
"""
import hashlib
import ipaddress
import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nsgen  # noqa: E402


def frames(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] != b"\xd4\xc3\xb2\xa1":
        sys.exit("verify.py: %s: not a little-endian microsecond pcap" % path)
    if struct.unpack("<I", buf[20:24])[0] != 1:
        sys.exit("verify.py: %s: linktype is not Ethernet" % path)
    off, n = 24, 0
    while off < len(buf):
        _, _, incl, orig = struct.unpack("<IIII", buf[off:off + 16])
        data = buf[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if incl != orig or len(data) != incl or not 60 <= incl <= 1514:
            sys.exit("verify.py: frame %d: caplen %d len %d" % (n, incl, orig))
        yield n, data


def tcp_segments(path):
    for n, f in frames(path):
        et = struct.unpack(">H", f[12:14])[0]
        if et < 0x0600:
            sys.exit("verify.py: frame %d is not Ethernet II" % n)
        if et == 0x0800:
            ihl = (f[14] & 0x0F) * 4
            tot = struct.unpack(">H", f[16:18])[0]
            if f[23] != 6 or struct.unpack(">H", f[20:22])[0] & 0x3FFF:
                continue  # not TCP, or a fragment (none expected)
            src, dst = ipaddress.ip_address(f[26:30]), ipaddress.ip_address(f[30:34])
            seg = f[14 + ihl:14 + tot]
        elif et == 0x86DD:
            if f[20] != 6:
                continue  # not TCP (or extension headers: none expected)
            plen = struct.unpack(">H", f[18:20])[0]
            src, dst = ipaddress.ip_address(f[22:38]), ipaddress.ip_address(f[38:54])
            seg = f[54:54 + plen]
        else:
            continue
        sport, dport, seq = struct.unpack(">HHI", seg[:8])
        doff = (seg[12] >> 4) * 4
        flags = seg[13]
        yield n, (src.compressed, sport, dst.compressed, dport), seq, flags, seg[doff:]


KINDS = ("in order", "ahead of a gap", "fills a hole", "duplicate", "partial overlap")


def reassemble(path, kinds=None):
    """Returns {direction: bytes}; counts data segments by KINDS into kinds:
    in order (starts at the highest byte so far), ahead of a gap (starts
    above it), fills a hole (only new bytes, below it), duplicate (no new
    bytes), partial overlap (some new and some already captured bytes)."""
    isn, pieces, conns = {}, {}, []
    for n, key, seq, flags, payload in tcp_segments(path):
        if flags & 0x02:  # SYN
            if key in isn and isn[key] != seq:
                sys.exit("verify.py: frame %d: second SYN with a new ISN on %s" % (n, key))
            isn[key] = seq
            conn = frozenset((key[:2], key[2:]))
            if conn not in conns:
                conns.append(conn)
            continue
        if not payload:
            continue
        if key not in isn:
            sys.exit("verify.py: frame %d: data before SYN on %s" % (n, key))
        pieces.setdefault(key, []).append(((seq - isn[key] - 1) & 0xFFFFFFFF, payload, n))
    streams = {}
    for key in isn:
        buf, have = bytearray(), bytearray()
        for off, data, n in pieces.get(key, []):
            end = off + len(data)
            if kinds is not None:
                old = sum(have[off:end])
                kind = ("duplicate" if old == len(data) else "partial overlap" if old
                        else "in order" if off == len(buf) else "ahead of a gap"
                        if off > len(buf) else "fills a hole")
                kinds[kind] = kinds.get(kind, 0) + 1
            if end > len(buf):
                buf.extend(bytes(end - len(buf)))
                have.extend(bytes(end - len(have)))
            for i in range(len(data)):  # overlaps must carry the same bytes
                if have[off + i] and buf[off + i] != data[i]:
                    sys.exit("verify.py: frame %d: retransmitted byte differs on %s" % (n, key))
            buf[off:end] = data
            have[off:end] = b"\x01" * len(data)
        if not all(have):
            sys.exit("verify.py: %s has a hole at byte %d" % (key, have.index(0)))
        streams[key] = bytes(buf)
    return streams


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    pcap, oracle_path = argv
    kinds = {}
    streams = reassemble(pcap, kinds)
    with open(oracle_path) as f:
        oracle = json.load(f)
    mine = {k: (len(v), hashlib.sha256(v).hexdigest()) for k, v in streams.items()}
    theirs = {(r["src"], r["sport"], r["dst"], r["dport"]): (r["bytes"], r["sha256"]) for r in oracle}
    if mine != theirs:
        for k in sorted(set(mine) | set(theirs)):
            if mine.get(k) != theirs.get(k):
                print("verify.py: MISMATCH %s: own %s, oracle %s" % (k, mine.get(k), theirs.get(k)))
        sys.exit(1)
    bodies = 0
    for key, data in sorted(streams.items()):
        if key[1] != 8077:
            continue  # client -> server: the request, checked with its response
        req = streams[(key[2], key[3], key[0], key[1])]
        name = req.split(b" ")[1].decode().lstrip("/")
        if not req.startswith(b"GET /") or b" HTTP/1.0\r\n" not in req:
            sys.exit("verify.py: %s: unexpected request %r" % (key, req[:60]))
        head, _, body = data.partition(b"\r\n\r\n")
        want = nsgen.file_bytes(name)
        if (not head.startswith(b"HTTP/1.0 200 OK\r\n")
                or b"\r\nContent-Length: %d\r\n" % len(want) not in head + b"\r\n"
                or body != want):
            sys.exit("verify.py: %s: response is not %s (%d bytes)" % (key, name, len(want)))
        bodies += 1
        print("verify.py: %s:%d <- %s:%d  %-11s body %8d bytes sha256 %s"
              % (key[2], key[3], key[0], key[1], name, len(body), hashlib.sha256(body).hexdigest()[:16]))
    print("verify.py: %s: %d directions equal to the oracle, %d HTTP bodies equal to nsgen.py's files"
          % (os.path.basename(pcap), len(streams), bodies))
    print("verify.py: data segments: " + ", ".join("%s %d" % (k, kinds.get(k, 0)) for k in KINDS))


if __name__ == "__main__":
    main(sys.argv[1:])
