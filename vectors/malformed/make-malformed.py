#!/usr/bin/env python3
"""Build small malformed (and small valid reference) capture files for
reader error-path tests, from a handful of real frames of ../ns-mixed.pcap.

Deterministic: the same input capture always gives byte-identical outputs
(frames are picked by content, timestamps are rewritten to fixed values,
pcapng blocks are written by hand without any host/application options).

Usage: python3 vectors/malformed/make-malformed.py [SRC_PCAP]
Writes into vectors/malformed/ (error cases) and vectors/variants/ (valid
small files in the other on-disk flavours). Stdlib only.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.dirname(HERE)
BAD_DIR = HERE
OK_DIR = os.path.join(VECTORS, "variants")

TS0 = 1700000000          # 2023-11-14T22:13:20Z
SNAPLEN = 262144          # same as tcpdump -s 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101        # raw IPv4/IPv6, no link-layer header


def read_pcap(path):
    with open(path, "rb") as f:
        buf = f.read()
    magic = struct.unpack("<I", buf[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("%s: expected a little-endian classic pcap" % path)
    linktype = struct.unpack("<I", buf[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        sys.exit("%s: linktype %d, expected Ethernet" % (path, linktype))
    frames, off = [], 24
    while off + 16 <= len(buf):
        _, _, incl, orig = struct.unpack("<IIII", buf[off:off + 16])
        frames.append(buf[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def pick(frames):
    """Pick 4 frames by content so the choice is stable across recaptures:
    ARP request, ARP reply, a 60-byte IPv4 ICMP echo request, and the first
    1514-byte IPv4 TCP segment."""
    def ethertype(fr):
        return struct.unpack(">H", fr[12:14])[0]

    def first(pred, what):
        for fr in frames:
            if pred(fr):
                return fr
        sys.exit("no %s frame in source capture" % what)

    arp_req = first(lambda f: ethertype(f) == 0x0806 and f[20:22] == b"\x00\x01", "ARP request")
    arp_rep = first(lambda f: ethertype(f) == 0x0806 and f[20:22] == b"\x00\x02", "ARP reply")
    icmp60 = first(lambda f: len(f) == 60 and ethertype(f) == 0x0800 and f[23] == 1
                   and f[34] == 8, "60-byte ICMP echo request")
    tcp1514 = first(lambda f: len(f) == 1514 and ethertype(f) == 0x0800 and f[23] == 6,
                    "1514-byte IPv4 TCP")
    return [arp_req, arp_rep, icmp60, tcp1514]


# ---------------------------------------------------------------- writers
def pcap_header(magic=0xA1B2C3D4, linktype=LINKTYPE_ETHERNET, endian="<", snaplen=SNAPLEN):
    return struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(i, data, endian="<", nsec=False, incl=None, orig=None):
    sub = (i * 1000000) if nsec else (i * 1000)   # frame i at TS0 + i ms
    incl = len(data) if incl is None else incl
    orig = len(data) if orig is None else orig
    return struct.pack(endian + "IIII", TS0, sub, incl, orig) + data


def pcap_file(frames, **kw):
    endian = kw.get("endian", "<")
    out = pcap_header(**kw)
    for i, fr in enumerate(frames):
        out += pcap_record(i, fr, endian=endian, nsec=kw.get("magic") == 0xA1B23C4D)
    return out


def pcapng_block(btype, body):
    body += b"\x00" * (-len(body) % 4)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def pcapng_file(frames, linktype=LINKTYPE_ETHERNET):
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = pcapng_block(0x00000001, struct.pack("<HHI", linktype, 0, SNAPLEN))
    out = shb + idb
    for i, fr in enumerate(frames):
        ts = TS0 * 1000000 + i * 1000   # default if_tsresol: microseconds
        out += pcapng_block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF,
                                                     len(fr), len(fr)) + fr)
    return out


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    print("%-34s %6d bytes" % (os.path.relpath(os.path.join(d, name), VECTORS), len(data)))


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(VECTORS, "ns-mixed.pcap")
    frames = pick(read_pcap(src))
    good = pcap_file(frames)

    # ---- valid reference files (must parse: 4 frames, 60/60/60/1514 bytes)
    write(OK_DIR, "small.pcap", good)                                   # LE, usec
    write(OK_DIR, "small-be.pcap", pcap_file(frames, endian=">"))       # BE, usec
    write(OK_DIR, "small-nsec.pcap", pcap_file(frames, magic=0xA1B23C4D))  # LE, nsec
    write(OK_DIR, "small.pcapng", pcapng_file(frames))

    # ---- malformed / edge cases
    # Global header is 24 bytes; stop after 12 (magic, version, thiszone).
    write(BAD_DIR, "truncated-header.pcap", good[:12])
    # All 4 records present but the last (1514-byte) one has only 100 data bytes.
    write(BAD_DIR, "truncated-record.pcap", good[:len(good) - 1514 + 100])
    # Complete first record, then only 8 of the 16 bytes of the next record header.
    first_end = 24 + 16 + len(frames[0])
    write(BAD_DIR, "truncated-record-header.pcap", good[:first_end + 8])
    # Otherwise valid file whose magic is 0xDEADBEEF.
    write(BAD_DIR, "bad-magic.pcap", b"\xde\xad\xbe\xef" + good[4:])
    # Valid file, linktype 101 (LINKTYPE_RAW): the IPv4 packets without the
    # Ethernet header. Well-formed, but not Ethernet -> must be rejected by an
    # Ethernet-only reader.
    ip_only = [fr[14:] for fr in frames if fr[12:14] == b"\x08\x00"]
    # frames are padded to 60 on the wire; trim to the IPv4 total length
    ip_only = [p[:struct.unpack(">H", p[2:4])[0]] for p in ip_only]
    write(BAD_DIR, "bad-linktype.pcap", pcap_file(ip_only, linktype=LINKTYPE_RAW))
    # One good record, then a record header claiming caplen = origlen =
    # 0x7FFFFFFF followed by just 64 bytes. Must not allocate 2 GiB.
    write(BAD_DIR, "oversized-caplen.pcap",
          pcap_header() + pcap_record(0, frames[0])
          + pcap_record(1, frames[3][:64], incl=0x7FFFFFFF, orig=0x7FFFFFFF))
    # Valid global header, zero records (valid, yields no frames).
    write(BAD_DIR, "empty.pcap", pcap_header())
    # pcapng: SHB, IDB, 3 complete EPBs, then the 4th EPB cut after 40 bytes.
    png = pcapng_file(frames)
    last_epb_len = 12 + 20 + len(frames[3]) + (-len(frames[3]) % 4)
    write(BAD_DIR, "truncated.pcapng", png[:len(png) - last_epb_len + 40])


if __name__ == "__main__":
    main()
