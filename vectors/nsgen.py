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

Used by `make-captures.sh reassembly` (vectors/tcp/):
  mkfiles DIR reassembly      write the REASM_FILES set instead
  raw-get SPEC...             parallel HTTP/1.0 downloads on plain sockets, all
                              connecting at once; SPEC = HOST,PORT,PATH,SRC_ADDR,SRC_PORT,SHA256
                              (of the body). Prints a JSON list: per connection the
                              exact bytes the client sent and received (count,
                              sha256), i.e. the application's view of both streams
  check-streams ORACLE CLIENTS
                              compare tcp/oracle.py output with raw-get output:
                              every stream of the capture must be one of the
                              client's connections and both directions must
                              match what the client sent / received, byte for byte
  impair-bridge IF_A IF_B SEED REORDER_PCT DUP_PCT
                              userspace L2 bridge between two interfaces that
                              reorders (holds a TCP frame back behind 1-3 later
                              ones, at most 20 ms) and duplicates TCP frames,
                              for kernels without sch_netem; prints counters
                              on SIGTERM

Used by `make-captures.sh multiflow` (ns-multiflow.pcap):
  vlan-bridge TRUNK TAP=VID|TAP=SVID.CVID ...
                              userspace 802.1Q / 802.1ad (QinQ) sub-interfaces:
                              creates TAP devices and moves frames between them
                              and TRUNK, adding / removing the tags (for kernels
                              built without CONFIG_VLAN_8021Q)
  flow-server PORT...         dual-stack TCP server for the flow protocol below
  flow-client SPEC...         run all TCP flows in parallel; SPEC = HOST,PORT,SRC_ADDR,SRC_PORT,ID
                              (upload / download sizes and chunking derive from ID)
  udp-flows SPEC...           run all UDP flows in parallel against udp-echo;
                              SPEC = HOST,PORT,SRC_ADDR,SRC_PORT,ID[,SIZE:SIZE...]
"""
import ctypes
import fcntl
import hashlib
import http.client
import http.server
import os
import select
import socket
import socketserver
import struct
import sys
import threading
import time

# name -> size in bytes; content is SHA-256 in counter mode over the name,
# so every run (and every machine) produces byte-identical files.
FILES = {
    "a.bin": 262144,   # fetched over IPv4
    "b.bin": 196608,   # fetched over IPv6, in parallel with a.bin
    "small.txt": None, # short text file, fetched over IPv4 afterwards
}
FIXED_MTIME = 1700000000  # 2023-11-14T22:13:20Z

# `make-captures.sh reassembly` (vectors/tcp/): name -> size in bytes, same
# SHA-256 counter-mode content as above. Sizes are deliberately not multiples
# of the 1460 / 1440-byte MSS.
REASM_FILES = {
    "r4k.bin": 4000,
    "r23k.bin": 23456,
    "r50k.bin": 50001,
    "r97k.bin": 97531,
    "r310k.bin": 310000,
    "r640k.bin": 654321,
    "r1m.bin": 1048653,
    "r1500k.bin": 1536000,
}


def file_bytes(name):
    if name == "small.txt":
        lines = ["line %04d: the quick brown fox jumps over the lazy dog\n" % i
                 for i in range(20)]
        return "".join(lines).encode()
    size = FILES[name] if name in FILES else REASM_FILES[name]
    out = bytearray()
    ctr = 0
    while len(out) < size:
        out += hashlib.sha256(b"nic-vectors/" + name.encode() + struct.pack(">Q", ctr)).digest()
        ctr += 1
    return bytes(out[:size])


def cmd_mkfiles(d, which="mixed"):
    os.makedirs(d, exist_ok=True)
    for name in (REASM_FILES if which == "reassembly" else FILES):
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


# ---------------------------------------------------------------- multiflow
# Userspace VLAN sub-interfaces. The kernel that made ns-multiflow.pcap has no
# 8021q module, so `ip link add ... type vlan` is unavailable. Instead each
# "sub-interface" is a TAP device (the stack behind it is the normal kernel
# stack); this process inserts the tag(s) on frames the stack sends through the
# TAP and transmits them on the trunk veth with an AF_PACKET socket, and
# strips the tag(s) from frames received on the trunk before writing them to
# the TAP. On the trunk the kernel sees a tagged frame for which no VLAN device
# exists and drops it (PACKET_OTHERHOST), so only the TAP stack answers.
TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
PACKET_OUTGOING = 4
ETH_P_ALL, ETH_P_8021Q, ETH_P_8021AD = 0x0003, 0x8100, 0x88A8
SO_RCVBUFFORCE = 33
SO_ATTACH_FILTER = 26


def cmd_vlan_bridge(trunk, *maps):
    ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    ps.bind((trunk, ETH_P_ALL))
    ps.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    ps.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    # Classic BPF: only hand tagged frames to this process (the kernel lifts
    # the outer tag into skb metadata on receive), so the untagged bulk of the
    # traffic does not queue up in front of the VLAN frames.
    #   ld vlan_avail; jeq #0, drop; ret #262144; drop: ret #0
    insns = b"".join(struct.pack("HBBI", *i) for i in (
        (0x20, 0, 0, (0xFFFFF000 + 48)),   # BPF_LD|BPF_W|BPF_ABS, SKF_AD_OFF+SKF_AD_VLAN_TAG_PRESENT
        (0x15, 1, 0, 0),                   # BPF_JMP|BPF_JEQ|BPF_K
        (0x06, 0, 0, 262144),              # BPF_RET|BPF_K
        (0x06, 0, 0, 0)))
    filt = ctypes.create_string_buffer(insns, len(insns))
    ps.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                  struct.pack("HL", 4, ctypes.addressof(filt)))
    by_fd, by_tags = {}, {}
    for m in maps:
        name, spec = m.split("=")
        ids = [int(x) for x in spec.split(".")]
        if len(ids) == 1:
            tags = ((ETH_P_8021Q, ids[0]),)
        elif len(ids) == 2:  # QinQ: outer S-tag 802.1ad, inner C-tag 802.1Q
            tags = ((ETH_P_8021AD, ids[0]), (ETH_P_8021Q, ids[1]))
        else:
            sys.exit("vlan-bridge: bad map %r" % m)
        fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI))
        hdr = b"".join(struct.pack(">HH", tpid, vid) for tpid, vid in tags)  # PCP 0, DEI 0
        by_fd[fd] = hdr
        by_tags[tags] = fd
    sys.stderr.write("vlan-bridge: %s <-> %s listening\n" % (trunk, " ".join(maps)))
    sys.stderr.flush()
    rlist = [ps] + list(by_fd)
    anc_size = socket.CMSG_SPACE(20)
    while True:
        ready, _, _ = select.select(rlist, [], [])
        for r in ready:
            if r is ps:
                data, anc, _, addr = ps.recvmsg(65536, anc_size)
                if addr[2] == PACKET_OUTGOING:
                    continue
                tags = []
                for level, typ, d in anc:
                    if level == SOL_PACKET and typ == PACKET_AUXDATA and len(d) >= 20:
                        status, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", d[:20])
                        if status & TP_STATUS_VLAN_VALID:
                            if not status & TP_STATUS_VLAN_TPID_VALID:
                                tpid = ETH_P_8021Q
                            tags.append((tpid, tci & 0x0FFF))
                # the kernel only lifts the outer tag into the aux data
                while len(data) >= 18 and struct.unpack(">H", data[12:14])[0] in (ETH_P_8021Q, ETH_P_8021AD):
                    tpid, tci = struct.unpack(">HH", data[12:16])
                    tags.append((tpid, tci & 0x0FFF))
                    data = data[:12] + data[16:]
                fd = by_tags.get(tuple(tags))
                if fd is not None:
                    try:
                        os.write(fd, data)
                    except OSError:  # TAP still down (EIO): drop, like a real link
                        pass
            else:
                frame = os.read(r, 65536)
                if len(frame) >= 14:
                    try:
                        ps.send(frame[:12] + by_fd[r] + frame[12:])
                    except OSError as e:
                        sys.stderr.write("vlan-bridge: dropped %d-byte frame: %s\n" % (len(frame), e))


def flow_bytes(fid, direction, n):
    out = bytearray()
    ctr = 0
    while len(out) < n:
        out += hashlib.sha256(b"nic-vectors/flow/%d/%s/" % (fid, direction.encode())
                              + struct.pack(">Q", ctr)).digest()
        ctr += 1
    return bytes(out[:n])


def flow_sizes(fid):
    """(upload bytes, download bytes, server write size) for flow ID."""
    up = 64 + (fid * 389) % 2900
    down = 2048 + (fid * 7919) % 12288
    chunk = (1448, 1000, 512, 1448, 1200, 700)[fid % 6]
    return up, down, chunk


FLOW_PACE = 0.005  # seconds between server writes: keeps the flows interleaved


class FlowHandler(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")
        try:
            _, fid, up, down, chunk = f.readline(200).split()
            fid, up, down, chunk = int(fid), int(up), int(down), int(chunk)
        except ValueError:
            return
        if f.read(up) != flow_bytes(fid, "up", up):
            sys.stderr.write("flow-server: flow %d: upload mismatch\n" % fid)
            return
        data = flow_bytes(fid, "down", down)
        for off in range(0, down, chunk):
            s.sendall(data[off:off + chunk])
            time.sleep(FLOW_PACE)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):   # wait for the client's FIN: no RST
            pass


class DualStackTCPServer(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def cmd_flow_server(*ports):
    servers = [DualStackTCPServer(("::", int(p)), FlowHandler) for p in ports]
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    sys.stderr.write("flow-server: listening on [::]:%s\n" % ",".join(ports))
    sys.stderr.flush()
    servers[0].serve_forever()


def _flow(spec, barrier, results, idx):
    host, port, src, sport, fid = spec.split(",")
    fid = int(fid)
    up, down, chunk = flow_sizes(fid)
    try:
        barrier.wait()
        c = socket.create_connection((host, int(port)), timeout=30,
                                     source_address=(src, int(sport)))
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.sendall(b"FLOW %d %d %d %d\n" % (fid, up, down, chunk) + flow_bytes(fid, "up", up))
        got = bytearray()
        while True:
            b = c.recv(65536)
            if not b:
                break
            got += b
        c.close()
        ok = bytes(got) == flow_bytes(fid, "down", down)
        results[idx] = (ok, "%s flow %d [%s]:%s -> [%s]:%s up %d down %d"
                        % ("OK " if ok else "BAD", fid, src, sport, host, port, up, len(got)))
    except Exception as e:  # noqa: BLE001
        results[idx] = (False, "BAD flow %s: %r" % (spec, e))


def cmd_flow_client(specs):
    results = [None] * len(specs)
    barrier = threading.Barrier(len(specs))
    threads = [threading.Thread(target=_flow, args=(s, barrier, results, i))
               for i, s in enumerate(specs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [m for ok, m in results if not ok]
    for m in bad:
        print("flow-client: " + m)
    print("flow-client: %d/%d TCP flows OK, %d bytes up, %d bytes down"
          % (len(specs) - len(bad), len(specs),
             sum(flow_sizes(int(s.split(",")[4]))[0] for s in specs),
             sum(flow_sizes(int(s.split(",")[4]))[1] for s in specs)))
    if bad:
        sys.exit(1)


def udp_flow_sizes(fid):
    return [(fid * 97 + j * 331) % 1401 for j in range(2 + fid % 4)]


def _udp_flow(spec, barrier, results, idx):
    parts = spec.split(",")
    host, port, src, sport, fid = parts[:5]
    fid = int(fid)
    sizes = [int(x) for x in parts[5].split(":")] if len(parts) > 5 else udp_flow_sizes(fid)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((src, int(sport)))
        s.settimeout(3.0)
        barrier.wait()
        time.sleep(0.003 * (fid % 16))   # spread the first datagrams a little
        for seq, n in enumerate(sizes):
            data = udp_payload(n, fid % 1000)
            s.sendto(data, (host, int(port)))
            back, _ = s.recvfrom(65535)
            if back != data:
                raise RuntimeError("echo mismatch, size %d" % n)
            time.sleep(0.02)
        s.close()
        results[idx] = (True, "OK udp flow %d: %d datagrams" % (fid, len(sizes)))
    except Exception as e:  # noqa: BLE001
        results[idx] = (False, "BAD udp flow %s: %r" % (spec, e))


def cmd_udp_flows(specs):
    results = [None] * len(specs)
    barrier = threading.Barrier(len(specs))
    threads = [threading.Thread(target=_udp_flow, args=(s, barrier, results, i))
               for i, s in enumerate(specs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [m for ok, m in results if not ok]
    for m in bad:
        print("udp-flows: " + m)
    print("udp-flows: %d/%d UDP flows OK" % (len(specs) - len(bad), len(specs)))
    if bad:
        sys.exit(1)


# ---------------------------------------------------------------- reassembly
def _raw_get(spec, barrier, results, idx):
    host, port, path, src, sport, expect = spec.split(",")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    hostport = ("[%s]:%s" if fam == socket.AF_INET6 else "%s:%s") % (host, port)
    req = ("GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: nic-vectors/1\r\n"
           "Accept: */*\r\n\r\n" % (path, hostport)).encode()
    r = {"src": canon_addr(src), "sport": int(sport), "dst": canon_addr(host),
         "dport": int(port), "path": path, "ok": False}
    try:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.bind((src, int(sport)))
        s.settimeout(60)
        barrier.wait()
        s.connect((host, int(port)))
        s.sendall(req)
        got = bytearray()
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.close()
        head, sep, body = bytes(got).partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        r.update(sent_bytes=len(req), sent_sha256=hashlib.sha256(req).hexdigest(),
                 recv_bytes=len(got), recv_sha256=hashlib.sha256(got).hexdigest(),
                 status=status, body_bytes=len(body),
                 body_sha256=hashlib.sha256(body).hexdigest())
        r["ok"] = bool(sep) and status == 200 and r["body_sha256"] == expect
    except Exception as e:  # noqa: BLE001 - report and fail below
        r["error"] = repr(e)
    results[idx] = r


def canon_addr(a):
    import ipaddress
    return ipaddress.ip_address(a).compressed


def cmd_raw_get(specs):
    import json
    results = [None] * len(specs)
    barrier = threading.Barrier(len(specs))
    threads = [threading.Thread(target=_raw_get, args=(s, barrier, results, i))
               for i, s in enumerate(specs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        sys.stderr.write("raw-get: %s [%s]:%d %s -> %s, %s bytes received, body %s bytes sha256 %s\n"
                         % ("OK " if r["ok"] else "BAD", r["dst"], r["dport"], r["path"],
                            r.get("status"), r.get("recv_bytes"), r.get("body_bytes"),
                            r.get("body_sha256", r.get("error"))))
    print(json.dumps(results, indent=1))
    if not all(r["ok"] for r in results):
        sys.exit(1)


def cmd_check_streams(oracle_path, clients_path):
    import json
    with open(oracle_path) as f:
        rows = json.load(f)
    with open(clients_path) as f:
        clients = json.load(f)
    by_dir = {}
    for r in rows:
        key = (r["src"], r["sport"], r["dst"], r["dport"])
        if key in by_dir:
            sys.exit("check-streams: direction %s appears twice (port reuse?)" % (key,))
        by_dir[key] = r
    bad, seen = [], set()
    for c in clients:
        up = (c["src"], c["sport"], c["dst"], c["dport"])
        down = (c["dst"], c["dport"], c["src"], c["sport"])
        for key, n, sha in ((up, c["sent_bytes"], c["sent_sha256"]),
                            (down, c["recv_bytes"], c["recv_sha256"])):
            r = by_dir.get(key)
            if r is None:
                bad.append("no stream for %s" % (key,))
            elif (r["bytes"], r["sha256"]) != (n, sha):
                bad.append("stream %d %s: oracle %d bytes %s, client %d bytes %s"
                           % (r["stream"], key, r["bytes"], r["sha256"][:16], n, sha[:16]))
            seen.add(key)
    extra = sorted(set(by_dir) - seen)
    for key in extra:
        bad.append("stream %d %s is not a client connection" % (by_dir[key]["stream"], key))
    for b in bad:
        print("check-streams: MISMATCH " + b)
    print("check-streams: %d connections, %d directions, %d bytes: %s"
          % (len(clients), len(rows), sum(r["bytes"] for r in rows),
             "all equal to what the client sent / received" if not bad else "%d problems" % len(bad)))
    if bad:
        sys.exit(1)


def _tcp_frame(f):
    et = struct.unpack(">H", f[12:14])[0] if len(f) >= 14 else 0
    if et == 0x0800 and len(f) >= 34:
        return f[23] == 6
    if et == 0x86DD and len(f) >= 54:
        return f[20] == 6
    return False


def cmd_impair_bridge(if_a, if_b, seed, reorder_pct, dup_pct):
    import random
    import signal
    rng = random.Random(int(seed))
    p_re, p_dup = float(reorder_pct) / 100, float(dup_pct) / 100
    socks = {}
    for name in (if_a, if_b):
        ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        ps.bind((name, ETH_P_ALL))
        ps.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
        socks[name] = ps
    out_of = {socks[if_a]: socks[if_b], socks[if_b]: socks[if_a]}
    # per input socket: held frame, frames still to pass it, release deadline
    held = {s: None for s in out_of}
    stats = {"frames": 0, "reordered": 0, "duplicated": 0}

    def stop(*_):
        sys.stderr.write("impair-bridge: %d frames forwarded, %d reordered, %d duplicated\n"
                         % (stats["frames"], stats["reordered"], stats["duplicated"]))
        for name, ps in socks.items():
            # struct tpacket_stats { unsigned tp_packets, tp_drops; } (PACKET_STATISTICS = 6)
            pk, dr = struct.unpack("II", ps.getsockopt(SOL_PACKET, 6, 8))
            sys.stderr.write("impair-bridge: %s socket drops %d\n" % (name, dr))
        sys.stderr.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)

    def send(out, f):
        out.send(f)
        stats["frames"] += 1
        if _tcp_frame(f) and rng.random() < p_dup:
            out.send(f)
            stats["duplicated"] += 1

    def release(s):
        f = held[s][0]
        held[s] = None
        send(out_of[s], f)

    sys.stderr.write("impair-bridge: %s <-> %s listening (reorder %s%%, duplicate %s%%)\n"
                     % (if_a, if_b, reorder_pct, dup_pct))
    sys.stderr.flush()
    while True:
        now = time.monotonic()
        deadlines = [h[2] for h in held.values() if h]
        timeout = max(0.0, min(deadlines) - now) if deadlines else None
        ready, _, _ = select.select(list(out_of), [], [], timeout)
        now = time.monotonic()
        for s in list(out_of):
            if held[s] and held[s][2] <= now:
                release(s)
        for s in ready:
            f, addr = s.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING:
                continue
            if held[s] is None and _tcp_frame(f) and rng.random() < p_re:
                held[s] = [f, rng.randint(1, 3), now + 0.02]
                stats["reordered"] += 1
                continue
            send(out_of[s], f)
            if held[s]:
                held[s][1] -= 1
                if held[s][1] == 0:
                    release(s)


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
    elif cmd == "vlan-bridge":
        cmd_vlan_bridge(*args)
    elif cmd == "flow-server":
        cmd_flow_server(*args)
    elif cmd == "flow-client":
        cmd_flow_client(args)
    elif cmd == "udp-flows":
        cmd_udp_flows(args)
    elif cmd == "raw-get":
        cmd_raw_get(args)
    elif cmd == "check-streams":
        cmd_check_streams(*args)
    elif cmd == "impair-bridge":
        cmd_impair_bridge(*args)
    else:
        sys.exit("unknown subcommand %r\n%s" % (cmd, __doc__))


if __name__ == "__main__":
    main(sys.argv[1:])
