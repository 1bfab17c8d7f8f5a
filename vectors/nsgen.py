#!/usr/bin/env python3
"""Traffic helpers for vectors/make-captures.sh (stdlib only).

Everything here runs *inside* the network namespaces created by
make-captures.sh; it only ever talks to the fixed namespace addresses
(10.77.0.0/24, fd77::/64) that the caller passes in.

Subcommands:
  mkfiles DIR                 write the deterministic HTTP payload files
  http-server DIR PORT        dual-stack HTTP/1.0 file server with fixed headers
  http-get SPEC...            parallel downloads; SPEC = HOST,PORT,PATH,SRC_ADDR,SRC_PORT[,EXPECT]
                              EXPECT = sha256 hex or the literal 404
  udp-echo PORT               dual-stack UDP echo server
  udp-client HOST PORT SRC_ADDR SRC_PORT SIZES [CLOSED_PORT]
                              send datagrams of the given comma-separated sizes,
                              wait for each echo, then (optionally) send one
                              datagram to a closed port (-> ICMP unreachable)
  pad-runts IN OUT            copy a classic pcap, zero-padding frames < 60 bytes
                              to 60 bytes (what an Ethernet MAC puts on the wire)
"""
import hashlib
import http.client
import http.server
import os
import socket
import socketserver
import struct
import sys
import threading

# name -> size in bytes; content is SHA-256 in counter mode over the name,
# so every run (and every machine) produces byte-identical files.
FILES = {
    "a.bin": 262144,   # fetched over IPv4
    "b.bin": 196608,   # fetched over IPv6, in parallel with a.bin
    "small.txt": None, # short text file, fetched over IPv4 afterwards
}
FIXED_MTIME = 1700000000  # 2023-11-14T22:13:20Z


def file_bytes(name):
    if name == "small.txt":
        lines = ["line %04d: the quick brown fox jumps over the lazy dog\n" % i
                 for i in range(20)]
        return "".join(lines).encode()
    size = FILES[name]
    out = bytearray()
    ctr = 0
    while len(out) < size:
        out += hashlib.sha256(b"nic-vectors/" + name.encode() + struct.pack(">Q", ctr)).digest()
        ctr += 1
    return bytes(out[:size])


def cmd_mkfiles(d):
    os.makedirs(d, exist_ok=True)
    for name in FILES:
        data = file_bytes(name)
        p = os.path.join(d, name)
        with open(p, "wb") as f:
            f.write(data)
        os.utime(p, (FIXED_MTIME, FIXED_MTIME))
        print("%s %d %s" % (name, len(data), hashlib.sha256(data).hexdigest()))


class FixedHandler(http.server.SimpleHTTPRequestHandler):
    server_version = "nic-vectors/1"
    sys_version = ""
    protocol_version = "HTTP/1.0"

    def date_time_string(self, timestamp=None):
        # Fixed Date / Last-Modified so the HTTP headers are identical each run.
        return "Tue, 14 Nov 2023 22:13:20 GMT"

    def log_message(self, fmt, *args):
        sys.stderr.write("http: %s %s\n" % (self.client_address[0], fmt % args))


class DualStackServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        super().server_bind()


def cmd_http_server(d, port):
    os.chdir(d)
    srv = DualStackServer(("::", int(port)), FixedHandler)
    sys.stderr.write("http: listening on [::]:%s\n" % port)
    sys.stderr.flush()
    srv.serve_forever()


def _fetch(spec, results, idx):
    parts = spec.split(",")
    host, port, path, src, sport = parts[:5]
    expect = parts[5] if len(parts) > 5 else None
    try:
        conn = http.client.HTTPConnection(host, int(port), timeout=20,
                                          source_address=(src, int(sport)))
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.putheader("User-Agent", "nic-vectors/1")
        conn.putheader("Accept", "*/*")
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        digest = hashlib.sha256(body).hexdigest()
        ok = True
        if expect == "404":
            ok = resp.status == 404
        elif expect:
            ok = resp.status == 200 and digest == expect
        results[idx] = (ok, "%s [%s]:%s%s -> %d, %d bytes, sha256 %s"
                        % ("OK " if ok else "BAD", host, port, path, resp.status,
                           len(body), digest))
    except Exception as e:  # noqa: BLE001 - report and fail below
        results[idx] = (False, "BAD %s: %r" % (spec, e))


def cmd_http_get(specs):
    results = [None] * len(specs)
    threads = [threading.Thread(target=_fetch, args=(s, results, i))
               for i, s in enumerate(specs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for _, msg in results:
        print("http-get: " + msg)
    if not all(ok for ok, _ in results):
        sys.exit(1)


def cmd_udp_echo(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", int(port)))
    sys.stderr.write("udp-echo: listening on [::]:%s\n" % port)
    sys.stderr.flush()
    while True:
        data, addr = s.recvfrom(65535)
        s.sendto(data, addr)


def udp_payload(n, seq):
    # Deterministic, human-recognisable payload.
    pat = b"nic-vectors udp #%03d " % seq
    return (pat * (n // len(pat) + 1))[:n]


def cmd_udp_client(host, port, src, sport, sizes, closed_port=None):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, int(sport)))
    s.settimeout(2.0)
    sizes = [int(x) for x in sizes.split(",")]
    for seq, n in enumerate(sizes):
        data = udp_payload(n, seq)
        s.sendto(data, (host, int(port)))
        back, _ = s.recvfrom(65535)
        if back != data:
            sys.exit("udp-client: echo mismatch for size %d" % n)
    print("udp-client: %s echoed %d datagrams (%s bytes)" % (host, len(sizes), ",".join(map(str, sizes))))
    if closed_port:
        s.sendto(b"nobody listens here", (host, int(closed_port)))
        try:
            s.recvfrom(65535)
        except (ConnectionRefusedError, socket.timeout):
            pass  # ICMP port unreachable surfaces as ECONNREFUSED
        print("udp-client: sent 1 datagram to closed port %s" % closed_port)


def cmd_pad_runts(src, dst, minlen=60):
    with open(src, "rb") as f:
        buf = f.read()
    if len(buf) < 24:
        sys.exit("pad-runts: %s: short global header" % src)
    magic = buf[:4]
    if magic == b"\xd4\xc3\xb2\xa1" or magic == b"\x4d\x3c\xb2\xa1":
        e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4" or magic == b"\xa1\xb2\x3c\x4d":
        e = ">"
    else:
        sys.exit("pad-runts: %s: not a classic pcap file" % src)
    linktype = struct.unpack(e + "I", buf[20:24])[0] & 0x0FFFFFFF
    if linktype != 1:
        sys.exit("pad-runts: linktype %d is not Ethernet" % linktype)
    out = bytearray(buf[:24])
    off, n, padded = 24, 0, 0
    while off < len(buf):
        if off + 16 > len(buf):
            sys.exit("pad-runts: truncated record header at offset %d" % off)
        ts_s, ts_u, incl, orig = struct.unpack(e + "IIII", buf[off:off + 16])
        data = buf[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(data) != incl:
            sys.exit("pad-runts: truncated record data at offset %d" % off)
        if incl != orig:
            sys.exit("pad-runts: record %d was truncated by the snaplen" % (n + 1))
        if incl < minlen:
            data = data + b"\x00" * (minlen - incl)
            incl = orig = minlen
            padded += 1
        out += struct.pack(e + "IIII", ts_s, ts_u, incl, orig) + data
        n += 1
    with open(dst, "wb") as f:
        f.write(out)
    print("pad-runts: %d frames, %d padded to %d bytes" % (n, padded, minlen))


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "mkfiles":
        cmd_mkfiles(*args)
    elif cmd == "http-server":
        cmd_http_server(*args)
    elif cmd == "http-get":
        cmd_http_get(args)
    elif cmd == "udp-echo":
        cmd_udp_echo(*args)
    elif cmd == "udp-client":
        cmd_udp_client(*args)
    elif cmd == "pad-runts":
        cmd_pad_runts(*args)
    else:
        sys.exit("unknown subcommand %r\n%s" % (cmd, __doc__))


if __name__ == "__main__":
    main(sys.argv[1:])
