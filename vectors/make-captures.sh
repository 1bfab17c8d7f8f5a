#!/usr/bin/env bash
# Regenerate vectors/ns-mixed.pcap and vectors/ns-mixed.pcapng.
#
# Builds two throw-away network namespaces joined by a veth pair, captures on
# one veth end with tcpdump while generating a mix of ARP, ICMP/ICMPv6 (incl.
# minimum-size, full-size and fragmented pings), UDP echo and parallel HTTP
# downloads over IPv4 and IPv6. No traffic ever leaves the two namespaces.
#
# Usage: sudo vectors/make-captures.sh [OUTDIR]   (OUTDIR defaults to vectors/)
#
# Requirements: root, iproute2 (ip), ethtool, tcpdump, tshark, editcap,
# capinfos, ping (iputils-ping), arping (iputils-arping), python3.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUTDIR="${1:-$HERE}"
NSGEN="$HERE/nsgen.py"

NS_A=nicvec-a            # "server": HTTP + UDP echo; capture point
NS_B=nicvec-b            # "client"
DEV_A=nv-a
DEV_B=nv-b
MAC_A=02:77:00:00:00:01  # fixed locally-administered MACs -> stable frames
MAC_B=02:77:00:00:00:02
V4_A=10.77.0.1
V4_B=10.77.0.2
V6_A=fd77::1
V6_B=fd77::2
MTU=1500
HTTP_PORT=8077
UDP_PORT=9077
UDP_CLOSED_PORT=9099     # nothing listens here -> ICMP/ICMPv6 port unreachable

log() { printf '[make-captures] %s\n' "$*" >&2; }
die() { printf '[make-captures] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- preflight
[[ $(id -u) -eq 0 ]] || die "must run as root (creates network namespaces, runs tcpdump)"

missing=()
declare -A PKG=( [ip]=iproute2 [ethtool]=ethtool [tcpdump]=tcpdump [tshark]=tshark
                 [editcap]=wireshark-common [capinfos]=wireshark-common
                 [ping]=iputils-ping [arping]=iputils-arping [python3]=python3 )
for t in ip ethtool tcpdump tshark editcap capinfos ping arping python3; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t (apt package ${PKG[$t]})")
done
((${#missing[@]} == 0)) || die "missing tools: ${missing[*]}"
[[ -r $NSGEN ]] || die "helper $NSGEN not found"
mkdir -p "$OUTDIR"

WORK="$(mktemp -d /tmp/nicvec.XXXXXX)"
chmod 755 "$WORK"
PIDS=()

# Foreground helpers. Background processes are started with a direct
# `ip netns exec` (which execs the command) so that $! is the real pid.
nsa() { ip netns exec "$NS_A" "$@"; }
nsb() { ip netns exec "$NS_B" "$@"; }

delete_ns() {
    local ns=$1 pid
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || return 0
    # Only processes living inside *our* namespace (left over from an
    # interrupted earlier run of this script) are ended, each by pid.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
        kill "$pid" 2>/dev/null || true
    done
    sleep 0.2
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
        kill -9 "$pid" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid
    set +e
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    delete_ns "$NS_A"
    delete_ns "$NS_B"
    rm -rf "$WORK"
    ((rc == 0)) || log "failed (exit $rc); namespaces and temp files removed"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ topology
delete_ns "$NS_A"   # idempotent: remove leftovers of an interrupted run
delete_ns "$NS_B"

log "creating namespaces $NS_A / $NS_B"
ip netns add "$NS_A"
ip netns add "$NS_B"
for ns in "$NS_A" "$NS_B"; do
    ip -n "$ns" link set lo up
    # No router solicitations, no DAD on link-local: keeps the capture free
    # of start-up noise. Set on "default" so the veth inherits it.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
done

ip link add "$DEV_A" netns "$NS_A" address "$MAC_A" mtu "$MTU" type veth \
    peer name "$DEV_B" netns "$NS_B" address "$MAC_B" mtu "$MTU"

# Wire-true frames: no checksum offload (kernel computes full checksums in
# software before the capture point), no TSO/GSO (every frame <= MTU), no GRO.
nsa ethtool -K "$DEV_A" tx off tso off gso off gro off rx off >/dev/null 2>&1
nsb ethtool -K "$DEV_B" tx off tso off gso off gro off rx off >/dev/null 2>&1
for pair in "$NS_A:$DEV_A" "$NS_B:$DEV_B"; do
    ns=${pair%%:*} dev=${pair#*:}
    off=$(ip netns exec "$ns" ethtool -k "$dev" |
          awk '/^(tx-checksumming|rx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):/ && $2 != "off"')
    [[ -z $off ]] || die "$dev: offloads still enabled: $off"
done

nsa ip addr add "$V4_A/24" dev "$DEV_A"
nsb ip addr add "$V4_B/24" dev "$DEV_B"
nsa ip -6 addr add "$V6_A/64" dev "$DEV_A" nodad
nsb ip -6 addr add "$V6_B/64" dev "$DEV_B" nodad
nsa ip link set "$DEV_A" up
nsb ip link set "$DEV_B" up

# ------------------------------------------------------------ services
python3 "$NSGEN" mkfiles "$WORK/www" > "$WORK/files.txt"
sha_a=$(awk '$1=="a.bin"{print $3}' "$WORK/files.txt")
sha_b=$(awk '$1=="b.bin"{print $3}' "$WORK/files.txt")
sha_s=$(awk '$1=="small.txt"{print $3}' "$WORK/files.txt")

ip netns exec "$NS_A" python3 "$NSGEN" http-server "$WORK/www" "$HTTP_PORT" 2>"$WORK/http.log" &
PIDS+=($!)
ip netns exec "$NS_A" python3 "$NSGEN" udp-echo "$UDP_PORT" 2>"$WORK/udp.log" &
PIDS+=($!)

wait_for() {  # wait_for FILE PATTERN WHAT
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "timed out waiting for $3 (see $1: $(cat "$1" 2>/dev/null))"
}
wait_for "$WORK/http.log" "listening" "HTTP server"
wait_for "$WORK/udp.log" "listening" "UDP echo server"

# Let link-up noise (MLD reports etc.) die down before capturing.
sleep 3
nsa ip neigh flush dev "$DEV_A"
nsb ip neigh flush dev "$DEV_B"

# ------------------------------------------------------------ capture
RAW="$WORK/raw.pcap"
ip netns exec "$NS_A" tcpdump -i "$DEV_A" -s 0 -U -n -Z root -w "$RAW" 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
PIDS+=($TCPDUMP_PID)
wait_for "$WORK/tcpdump.log" "listening on" "tcpdump"
sleep 0.5

log "traffic: ARP"
nsb arping -q -c 2 -w 3 -I "$DEV_B" "$V4_A" || die "arping failed"
nsb arping -q -U -c 1 -I "$DEV_B" "$V4_B" || true   # gratuitous ARP, no reply expected
sleep 0.3

log "traffic: ICMP echo v4"
nsb ping -q -n -c 3 -i 0.2 "$V4_A" >/dev/null                 # default 98-byte frames
nsb ping -q -n -c 2 -i 0.2 -s 18 "$V4_A" >/dev/null           # 60-byte frames (minimum)
nsb ping -q -n -c 2 -i 0.2 -s 1472 -M do "$V4_A" >/dev/null   # 1514-byte frames (full)
nsb ping -q -n -c 1 -s 3000 "$V4_A" >/dev/null                # IPv4 fragments
log "traffic: ICMPv6 echo"
nsb ping -6 -q -n -c 3 -i 0.2 "$V6_A" >/dev/null
nsb ping -6 -q -n -c 2 -i 0.2 -s 0 "$V6_A" >/dev/null         # 62-byte frames
nsb ping -6 -q -n -c 2 -i 0.2 -s 1452 -M do "$V6_A" >/dev/null # 1514-byte frames
nsb ping -6 -q -n -c 1 -s 3000 "$V6_A" >/dev/null             # IPv6 fragments
sleep 0.3

log "traffic: UDP echo"
nsb python3 "$NSGEN" udp-client "$V4_A" "$UDP_PORT" "$V4_B" 40100 \
    0,1,18,46,64,100,256,512,1000,1400,1472 "$UDP_CLOSED_PORT"
nsb python3 "$NSGEN" udp-client "$V6_A" "$UDP_PORT" "$V6_B" 40106 \
    0,1,18,64,100,256,512,1000,1400,1452 "$UDP_CLOSED_PORT"
sleep 0.3

log "traffic: parallel HTTP downloads (IPv4 + IPv6)"
nsb python3 "$NSGEN" http-get \
    "$V4_A,$HTTP_PORT,/a.bin,$V4_B,40200,$sha_a" \
    "$V6_A,$HTTP_PORT,/b.bin,$V6_B,40201,$sha_b"
sleep 0.3
nsb python3 "$NSGEN" http-get \
    "$V4_A,$HTTP_PORT,/small.txt,$V4_B,40202,$sha_s" \
    "$V6_A,$HTTP_PORT,/missing.html,$V6_B,40203,404"
sleep 0.3

log "traffic: ARP / neighbour discovery after cache flush"
nsa ip neigh flush dev "$DEV_A"
nsb ip neigh flush dev "$DEV_B"
nsb ping -q -n -c 1 "$V4_A" >/dev/null
nsb ping -6 -q -n -c 1 "$V6_A" >/dev/null

# Settle so the last replies / FIN-ACKs are captured, then stop cleanly.
sleep 1
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
keep=(); for pid in "${PIDS[@]}"; do [[ $pid == "$TCPDUMP_PID" ]] || keep+=("$pid"); done
PIDS=("${keep[@]}")
cat "$WORK/tcpdump.log" >&2
grep -q "^0 packets dropped by kernel" "$WORK/tcpdump.log" ||
    die "tcpdump reports dropped packets"

# ------------------------------------------------------------ post-process
# veth does not pad: ARP and tiny UDP frames are captured at 42..59 bytes.
# A real Ethernet MAC zero-pads to the 60-byte minimum (64 with FCS) before
# transmitting, so pad runts to 60 bytes to make the file match the wire.
python3 "$NSGEN" pad-runts "$RAW" "$WORK/ns-mixed.pcap" >&2
editcap -F pcapng "$WORK/ns-mixed.pcap" "$WORK/ns-mixed.pcapng"

# ------------------------------------------------------------ verification
F="$WORK/ns-mixed.pcap"
count() { tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
              -o ip.check_checksum:TRUE -Y "$2" 2>/dev/null | wc -l; }
n_all=$(count "$F" "frame")
n_min=$(count "$F" "frame.len == 60")
n_max=$(count "$F" "frame.len == 1514")
n_out=$(count "$F" "frame.len < 60 || frame.len > 1514")
n_bad=$(count "$F" "tcp.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || icmpv6.checksum.status == \"Bad\"")
n_fcs=$(count "$F" "eth.fcs || eth.trailer || _ws.malformed || _ws.expert.severity >= error")
n_png=$(capinfos -c -M "$WORK/ns-mixed.pcapng" | awk -F: '/Number of packets/{gsub(/ /,"",$2); print $2}')
log "frames=$n_all min60=$n_min max1514=$n_max out_of_range=$n_out bad_checksums=$n_bad fcs/trailer/malformed=$n_fcs pcapng_frames=$n_png"
((n_all >= 200 && n_all <= 2000)) || die "unexpected frame count $n_all"
((n_min > 0)) || die "no 60-byte frames"
((n_max > 0)) || die "no 1514-byte frames"
((n_out == 0)) || die "$n_out frames outside 60..1514"
((n_bad == 0)) || die "$n_bad frames with bad checksums"
((n_fcs == 0)) || die "$n_fcs frames with FCS/trailer/errors"
((n_png == n_all)) || die "pcapng has $n_png frames, pcap has $n_all"
size=$(stat -c %s "$F")
((size < 1048576)) || die "capture is $size bytes (>= 1 MiB)"

mv -f "$WORK/ns-mixed.pcap" "$OUTDIR/ns-mixed.pcap"
mv -f "$WORK/ns-mixed.pcapng" "$OUTDIR/ns-mixed.pcapng"
chmod 644 "$OUTDIR/ns-mixed.pcap" "$OUTDIR/ns-mixed.pcapng"
(cd "$OUTDIR" && sha256sum ns-mixed.pcap ns-mixed.pcapng) >&2
log "done: $OUTDIR/ns-mixed.pcap ($n_all frames, $size bytes)"
