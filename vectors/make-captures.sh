#!/usr/bin/env bash
# Regenerate vectors/ns-mixed.pcap and vectors/ns-mixed.pcapng (default),
# vectors/ns-multiflow.pcap (`multiflow`), or the TCP reassembly captures
# vectors/tcp/ns-http-{drops,reorder}.pcap + .streams.json (`reassembly`).
#
# Builds two throw-away network namespaces joined by a veth pair, captures on
# one veth end with tcpdump while generating a mix of ARP, ICMP/ICMPv6 (incl.
# minimum-size, full-size and fragmented pings), UDP echo and parallel HTTP
# downloads over IPv4 and IPv6. No traffic ever leaves the two namespaces.
# `multiflow` instead runs >100 parallel TCP flows and >50 UDP flows (IPv4 and
# IPv6, untagged, 802.1Q and QinQ) for receive-side-scaling tests.
# `reassembly` puts a third namespace (a bridge) between client and server
# that drops (nftables numgen) or reorders / duplicates (nsgen.py
# impair-bridge) TCP frames, runs parallel HTTP downloads over IPv4 and IPv6,
# captures on the client's veth and writes tshark's follow,tcp,raw streams
# as the oracle (tcp/oracle.py).
#
# Usage: sudo vectors/make-captures.sh [mixed|multiflow|reassembly] [OUTDIR]
#        (mode defaults to mixed, OUTDIR to vectors/; reassembly writes
#        into OUTDIR/tcp/)
#
# Requirements: root, iproute2 (ip), ethtool, tcpdump, tshark, editcap,
# capinfos, ping (iputils-ping), arping (iputils-arping), python3;
# reassembly also nft (nftables) and a kernel with bridge + nf_tables bridge.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE=mixed
case "${1:-}" in
    mixed|multiflow|reassembly) MODE=$1; shift ;;
esac
OUTDIR="${1:-$HERE}"
NSGEN="$HERE/nsgen.py"

NS_A=nicvec-a            # "server": HTTP + UDP echo; capture point
NS_B=nicvec-b            # "client"
NS_M=nicvec-m            # reassembly only: bridge between a and b (drops / reorder)
DEV_MA=nv-ma             # reassembly only: NS_M's ends of the two veth pairs
DEV_MB=nv-mb
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
                 [ping]=iputils-ping [arping]=iputils-arping [python3]=python3
                 [nft]=nftables [sha256sum]=coreutils )
TOOLS=(ip ethtool tcpdump tshark editcap capinfos ping arping python3 sha256sum)
[[ $MODE == reassembly ]] && TOOLS+=(nft)
for t in "${TOOLS[@]}"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t (apt package ${PKG[$t]})")
done
((${#missing[@]} == 0)) || die "missing tools: ${missing[*]}"
[[ -r $NSGEN ]] || die "helper $NSGEN not found"
ORACLE="$HERE/tcp/oracle.py"
if [[ $MODE == reassembly ]]; then
    for f in "$ORACLE" "$HERE/tcp/verify.py"; do [[ -r $f ]] || die "helper $f not found"; done
fi
mkdir -p "$OUTDIR"

WORK="$(mktemp -d /tmp/nicvec.XXXXXX)"
chmod 755 "$WORK"
PIDS=()

# Foreground helpers. Background processes are started with a direct
# `ip netns exec` (which execs the command) so that $! is the real pid.
nsa() { ip netns exec "$NS_A" "$@"; }
nsb() { ip netns exec "$NS_B" "$@"; }

wait_for() {  # wait_for FILE PATTERN WHAT
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "timed out waiting for $3 (see $1: $(cat "$1" 2>/dev/null))"
}

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
    delete_ns "$NS_M"
    rm -rf "$WORK"
    ((rc == 0)) || log "failed (exit $rc); namespaces and temp files removed"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ multiflow
# ns-multiflow.pcap: many parallel flows for receive-side-scaling tests.
# Runs after the common topology below (namespaces, veth, offloads off,
# 10.77.0.1|2, fd77::1|2).
MF_TCP_PORTS=(9101 9102 9103 9104)   # flow-server ports (dst ports rotate over them; no dissector)
MF_UDP_PORTS=(9277 9278 9279 9280)   # udp-echo ports (no Wireshark dissector on them)
MF_VLAN=100                          # 802.1Q C-VLAN (TPID 0x8100)
MF_SVLAN=200                         # QinQ: outer S-VLAN (TPID 0x88A8) ...
MF_CVLAN=300                         # ... inner C-VLAN (TPID 0x8100)
MF_V4_VLAN=10.77.100 MF_V6_VLAN=fd77:100:
MF_V4_QINQ=10.77.200 MF_V6_QINQ=fd77:200:
MF_CLIENT_HOSTS=(2 3 4 5)            # client addresses 10.77.0.N, fd77::N

mf_tap() {  # mf_tap NS DEV MAC MTU IPV4 IPV6: configure a vlan-bridge TAP
    local ns=$1 t=$2 off
    ip -n "$ns" link set dev "$t" address "$3" mtu "$4"
    ip netns exec "$ns" ethtool -K "$t" tx off tso off gso off gro off rx off >/dev/null 2>&1 || true
    off=$(ip netns exec "$ns" ethtool -k "$t" |
          awk '/^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):/ && $2 != "off"')
    [[ -z $off ]] || die "$t: offloads still enabled: $off"
    ip -n "$ns" addr add "$5/24" dev "$t"
    ip -n "$ns" -6 addr add "$6/64" dev "$t" nodad
    ip -n "$ns" link set dev "$t" up
}

run_multiflow() {
    local side ns dev mac h i p
    [[ -c /dev/net/tun ]] || die "multiflow needs /dev/net/tun (TAP devices)"

    # VLAN sub-interfaces. This kernel has no 8021q (`ip link add link nv-a
    # name nv-a.100 type vlan id 100` fails with "Unknown device type"), so
    # nsgen.py vlan-bridge provides them as TAP devices and does the tagging
    # in userspace on the trunk veth; the traffic itself is the kernel stack's.
    for side in a b; do
        if [[ $side == a ]]; then ns=$NS_A dev=$DEV_A mac=$MAC_A; else ns=$NS_B dev=$DEV_B mac=$MAC_B; fi
        ip netns exec "$ns" python3 "$NSGEN" vlan-bridge "$dev" \
            "$dev.$MF_VLAN=$MF_VLAN" "$dev.$MF_SVLAN.$MF_CVLAN=$MF_SVLAN.$MF_CVLAN" \
            2>"$WORK/vlan-$side.log" &
        PIDS+=($!)
        wait_for "$WORK/vlan-$side.log" "listening" "vlan-bridge $side"
        h=1; [[ $side == b ]] && h=2
        # 802.1Q: MTU 1500 -> frames up to 1518. QinQ: inner MTU 1492 -> frames
        # up to 1514 (the veth MTU stays 1500; AF_PACKET allows the 4 extra
        # bytes only for a 0x8100 outer tag, so 1518-byte QinQ is not possible).
        mf_tap "$ns" "$dev.$MF_VLAN" "$mac" 1500 "$MF_V4_VLAN.$h" "$MF_V6_VLAN:$h"
        mf_tap "$ns" "$dev.$MF_SVLAN.$MF_CVLAN" "$mac" 1492 "$MF_V4_QINQ.$h" "$MF_V6_QINQ:$h"
    done
    # Extra client addresses: flows differ in source address as well as port.
    for h in "${MF_CLIENT_HOSTS[@]:1}"; do
        nsb ip addr add "10.77.0.$h/24" dev "$DEV_B"
        nsb ip -6 addr add "fd77::$h/64" dev "$DEV_B" nodad
    done

    ip netns exec "$NS_A" python3 "$NSGEN" flow-server "${MF_TCP_PORTS[@]}" 2>"$WORK/flow-server.log" &
    PIDS+=($!)
    for p in "${MF_UDP_PORTS[@]}"; do
        ip netns exec "$NS_A" python3 "$NSGEN" udp-echo "$p" 2>"$WORK/udp-$p.log" &
        PIDS+=($!)
        wait_for "$WORK/udp-$p.log" "listening" "UDP echo server $p"
    done
    wait_for "$WORK/flow-server.log" "listening" "flow server"

    # Flow specs: HOST,PORT,SRC,SPORT,ID[,SIZES]. Sizes derive from ID (nsgen.py).
    local nh=${#MF_CLIENT_HOSTS[@]} tcp=() udp=()
    for ((i = 0; i < 64; i++)); do
        tcp+=("$V4_A,${MF_TCP_PORTS[(i / nh) % 4]},10.77.0.${MF_CLIENT_HOSTS[i % nh]},$((41000 + i)),$i")
    done
    for ((i = 0; i < 32; i++)); do
        tcp+=("$V6_A,${MF_TCP_PORTS[(i / nh) % 4]},fd77::${MF_CLIENT_HOSTS[i % nh]},$((41100 + i)),$((100 + i))")
    done
    for ((i = 0; i < 4; i++)); do tcp+=("$MF_V4_VLAN.1,${MF_TCP_PORTS[i]},$MF_V4_VLAN.2,$((41200 + i)),$((200 + i))"); done
    for ((i = 0; i < 2; i++)); do tcp+=("$MF_V6_VLAN:1,${MF_TCP_PORTS[i]},$MF_V6_VLAN:2,$((41210 + i)),$((210 + i))"); done
    for ((i = 0; i < 2; i++)); do tcp+=("$MF_V4_QINQ.1,${MF_TCP_PORTS[i]},$MF_V4_QINQ.2,$((41300 + i)),$((300 + i))"); done
    tcp+=("$MF_V6_QINQ:1,${MF_TCP_PORTS[0]},$MF_V6_QINQ:2,41310,310")

    for ((i = 0; i < 32; i++)); do
        udp+=("$V4_A,${MF_UDP_PORTS[(i / nh) % 4]},10.77.0.${MF_CLIENT_HOSTS[i % nh]},$((43000 + i)),$i")
    done
    udp[0]+=",3000:64:1472"          # one fragmented IPv4 UDP datagram (+ echo)
    for ((i = 0; i < 16; i++)); do
        udp+=("$V6_A,${MF_UDP_PORTS[(i / nh) % 4]},fd77::${MF_CLIENT_HOSTS[i % nh]},$((43100 + i)),$((100 + i))")
    done
    udp[32]+=",3000:64:1452"         # one fragmented IPv6 UDP datagram (+ echo)
    for ((i = 0; i < 4; i++)); do udp+=("$MF_V4_VLAN.1,${MF_UDP_PORTS[i]},$MF_V4_VLAN.2,$((43200 + i)),$((200 + i))"); done
    for ((i = 0; i < 2; i++)); do udp+=("$MF_V6_VLAN:1,${MF_UDP_PORTS[i]},$MF_V6_VLAN:2,$((43210 + i)),$((210 + i))"); done
    for ((i = 0; i < 2; i++)); do udp+=("$MF_V4_QINQ.1,${MF_UDP_PORTS[i]},$MF_V4_QINQ.2,$((43300 + i)),$((300 + i))"); done
    udp+=("$MF_V6_QINQ:1,${MF_UDP_PORTS[0]},$MF_V6_QINQ:2,43310,310")

    # Let link-up noise (MLD reports etc.) die down before capturing.
    sleep 3
    for dev in "$DEV_A" "$DEV_A.$MF_VLAN" "$DEV_A.$MF_SVLAN.$MF_CVLAN"; do nsa ip neigh flush dev "$dev"; done
    for dev in "$DEV_B" "$DEV_B.$MF_VLAN" "$DEV_B.$MF_SVLAN.$MF_CVLAN"; do nsb ip neigh flush dev "$dev"; done

    local RAW="$WORK/raw.pcap"
    ip netns exec "$NS_A" tcpdump -i "$DEV_A" -s 0 -U -n -Z root -w "$RAW" 2>"$WORK/tcpdump.log" &
    TCPDUMP_PID=$!
    PIDS+=($TCPDUMP_PID)
    wait_for "$WORK/tcpdump.log" "listening on" "tcpdump"
    sleep 0.5

    log "multiflow traffic: ARP, ICMP / ICMPv6 echo from every client address, VLAN $MF_VLAN, QinQ $MF_SVLAN.$MF_CVLAN"
    nsb arping -q -c 2 -w 3 -I "$DEV_B" "$V4_A" || die "arping failed"
    for h in "${MF_CLIENT_HOSTS[@]}"; do
        nsb ping -q -n -c 2 -i 0.1 -I "10.77.0.$h" "$V4_A" >/dev/null
        nsb ping -6 -q -n -c 2 -i 0.1 -I "fd77::$h" "$V6_A" >/dev/null
    done
    nsb ping -q -n -c 2 -i 0.1 "$MF_V4_VLAN.1" >/dev/null
    nsb ping -6 -q -n -c 2 -i 0.1 "$MF_V6_VLAN:1" >/dev/null
    nsb ping -q -n -c 2 -i 0.1 "$MF_V4_QINQ.1" >/dev/null
    nsb ping -6 -q -n -c 2 -i 0.1 "$MF_V6_QINQ:1" >/dev/null
    sleep 0.3

    log "multiflow traffic: ${#tcp[@]} TCP flows and ${#udp[@]} UDP flows in parallel"
    nsb python3 "$NSGEN" flow-client "${tcp[@]}" >"$WORK/flow-client.log" 2>&1 &
    local tcp_pid=$!
    nsb python3 "$NSGEN" udp-flows "${udp[@]}" >"$WORK/udp-flows.log" 2>&1 &
    local udp_pid=$!
    wait "$tcp_pid" || die "TCP flows failed: $(cat "$WORK/flow-client.log" "$WORK"/vlan-?.log)"
    wait "$udp_pid" || die "UDP flows failed: $(cat "$WORK/udp-flows.log" "$WORK"/vlan-?.log)"
    cat "$WORK/flow-client.log" "$WORK/udp-flows.log" >&2
    sleep 0.3

    log "multiflow traffic: IPv4 / IPv6 fragments (ping -s 3000), also tagged"
    nsb ping -q -n -c 1 -s 3000 "$V4_A" >/dev/null
    nsb ping -6 -q -n -c 1 -s 3000 "$V6_A" >/dev/null
    nsb ping -q -n -c 1 -s 3000 "$MF_V4_VLAN.1" >/dev/null
    nsb ping -6 -q -n -c 1 -s 3000 "$MF_V6_VLAN:1" >/dev/null
    nsb ping -q -n -c 1 -s 3000 "$MF_V4_QINQ.1" >/dev/null

    sleep 1
    kill -INT "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" || true
    local keep=() pid
    for pid in "${PIDS[@]}"; do [[ $pid == "$TCPDUMP_PID" ]] || keep+=("$pid"); done
    PIDS=("${keep[@]}")
    cat "$WORK/tcpdump.log" >&2
    grep -q "^0 packets dropped by kernel" "$WORK/tcpdump.log" ||
        die "tcpdump reports dropped packets"
    grep -q "mismatch" "$WORK/flow-server.log" && die "flow server saw a corrupt upload"

    # veth does not pad: pad runts to 60 bytes as a real MAC would.
    python3 "$NSGEN" pad-runts "$RAW" "$WORK/ns-multiflow.pcap" >&2

    # -------------------------------------------------------- verification
    local F="$WORK/ns-multiflow.pcap"
    tsk() { tshark -r "$F" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
                -o ip.check_checksum:TRUE "$@" 2>/dev/null; }
    count() { tsk -Y "$1" | wc -l; }
    streams() { tsk -Y "$1" -T fields -e "$2" | sort -u | grep -c . || true; }
    local n_all n_min n_max n_out n_bad n_fcs n_ana n_vlan n_qinq t4 t6 u4 u6 conc size
    n_all=$(count "frame")
    n_min=$(count "frame.len == 60")
    n_max=$(count "frame.len == 1518")
    n_out=$(count "frame.len < 60 || frame.len > 1518")
    n_bad=$(count "tcp.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || icmpv6.checksum.status == \"Bad\"")
    n_fcs=$(count "eth.fcs || eth.trailer || _ws.malformed || _ws.expert.severity >= error")
    n_ana=$(count "tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission || tcp.analysis.lost_segment || tcp.analysis.out_of_order || tcp.analysis.duplicate_ack || tcp.flags.reset == 1")
    n_vlan=$(count "eth.type == 0x8100 && vlan.id == $MF_VLAN")
    n_qinq=$(count "eth.type == 0x88a8 && ieee8021ad.id == $MF_SVLAN && vlan.id == $MF_CVLAN")
    t4=$(streams "tcp && ip" tcp.stream)
    t6=$(streams "tcp && ipv6" tcp.stream)
    u4=$(streams "udp && ip" udp.stream)
    u6=$(streams "udp && ipv6" udp.stream)
    # most TCP connections open at the same time (first..last frame of each stream)
    conc=$(tsk -Y tcp -T fields -e tcp.stream -e frame.time_relative |
           awk '{ if (!($1 in s)) s[$1] = $2; e[$1] = $2 }
                END { for (k in s) { print s[k], 1; print e[k], -1 } }' |
           sort -k1,1g -k2,2n | awk '{ c += $2; if (c > m) m = c } END { print m + 0 }')
    size=$(stat -c %s "$F")
    log "frames=$n_all min60=$n_min max1518=$n_max out_of_range=$n_out bad_checksums=$n_bad fcs/trailer/malformed=$n_fcs tcp_retrans/dupack/rst=$n_ana"
    log "tcp_streams v4=$t4 v6=$t6 udp_streams v4=$u4 v6=$u6 max_concurrent_tcp=$conc vlan$MF_VLAN=$n_vlan qinq=$n_qinq bytes=$size"
    ((n_all >= 2000 && n_all <= 30000)) || die "unexpected frame count $n_all"
    ((n_min > 0 && n_max > 0)) || die "no 60-byte or no 1518-byte frames"
    ((n_out == 0)) || die "$n_out frames outside 60..1518"
    ((n_bad == 0)) || die "$n_bad frames with bad checksums"
    ((n_fcs == 0)) || die "$n_fcs frames with FCS/trailer/errors"
    ((n_ana == 0)) || die "$n_ana TCP retransmissions / duplicate ACKs / resets (re-run)"
    ((n_vlan > 0 && n_qinq > 0)) || die "missing VLAN ($n_vlan) or QinQ ($n_qinq) frames"
    ((t4 >= 64 && t6 >= 32 && u4 >= 32 && u6 >= 16)) || die "too few flows"
    ((conc >= 48)) || die "TCP flows not parallel enough (max $conc open at once)"
    ((size < 2097152)) || die "capture is $size bytes (>= 2 MiB)"

    mv -f "$F" "$OUTDIR/ns-multiflow.pcap"
    chmod 644 "$OUTDIR/ns-multiflow.pcap"
    (cd "$OUTDIR" && sha256sum ns-multiflow.pcap) >&2
    log "done: $OUTDIR/ns-multiflow.pcap ($n_all frames, $size bytes)"
}

# ------------------------------------------------------------ reassembly
# vectors/tcp/: captures for TCP stream reassembly tests. Runs after the
# common topology below, which in this mode puts nicvec-m (a bridge) between
# nv-a and nv-b. The capture point is the client's veth nv-b: it shows what
# the client's NIC receives (segments lost in the bridge are missing and come
# later as retransmissions) and everything the client sends (ACKs lost in the
# bridge are in the capture; the server never saw them).
RS_DROP_DOWN=30      # per mille of TCP frames server -> client dropped
RS_DROP_UP=20        # per mille of TCP frames client -> server dropped
RS_REORDER_PCT=4     # impair-bridge: TCP frames held back behind 1-3 later ones
RS_DUP_PCT=2         # impair-bridge: TCP frames sent twice
RS_SEED=6            # impair-bridge RNG seed (decisions per frame; timing still varies)

rs_count() { tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
                 -o ip.check_checksum:TRUE -Y "$2" 2>/dev/null | wc -l; }

# rs_capture NAME IMPAIR SPEC...: one capture into $WORK/NAME.{pcap,streams.json}
rs_capture() {
    local name=$1 impair=$2 pid tcpdump_pid imp_pid=
    shift 2
    local RAW="$WORK/$name.raw.pcap" F="$WORK/$name.pcap"
    case $impair in
    drops)
        ip -n "$NS_M" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
        ip -n "$NS_M" link set "$DEV_MA" master br0
        ip -n "$NS_M" link set "$DEV_MB" master br0
        ip -n "$NS_M" link set br0 up
        ip netns exec "$NS_M" nft -f - <<NFT || die "nft ruleset refused"
table bridge impair {
    chain forward {
        type filter hook forward priority 0; policy accept;
        iifname "$DEV_MA" ether type { ip, ip6 } meta l4proto tcp numgen random mod 1000 < $RS_DROP_DOWN counter drop
        iifname "$DEV_MB" ether type { ip, ip6 } meta l4proto tcp numgen random mod 1000 < $RS_DROP_UP counter drop
    }
}
NFT
        ;;
    reorder)
        ip netns exec "$NS_M" python3 "$NSGEN" impair-bridge "$DEV_MA" "$DEV_MB" \
            "$RS_SEED" "$RS_REORDER_PCT" "$RS_DUP_PCT" 2>"$WORK/$name.impair.log" &
        imp_pid=$!
        PIDS+=($imp_pid)
        wait_for "$WORK/$name.impair.log" "listening" "impair-bridge"
        ;;
    esac
    sleep 1
    nsa ip neigh flush dev "$DEV_A"
    nsb ip neigh flush dev "$DEV_B"

    ip netns exec "$NS_B" tcpdump -i "$DEV_B" -s 0 -B 32768 -U -n -Z root -w "$RAW" 2>"$WORK/$name.tcpdump.log" &
    tcpdump_pid=$!
    PIDS+=($tcpdump_pid)
    wait_for "$WORK/$name.tcpdump.log" "listening on" "tcpdump"
    sleep 0.5

    log "$name: $# parallel HTTP downloads ($impair)"
    nsb python3 "$NSGEN" raw-get "$@" >"$WORK/$name.clients.json" 2>"$WORK/$name.clients.log" ||
        die "$name: downloads failed: $(cat "$WORK/$name.clients.log")"
    cat "$WORK/$name.clients.log" >&2
    # Let FIN / last-ACK retransmissions finish before stopping the capture.
    sleep 3
    kill -INT "$tcpdump_pid"
    wait "$tcpdump_pid" || true
    cat "$WORK/$name.tcpdump.log" >&2
    grep -q "^0 packets dropped by kernel" "$WORK/$name.tcpdump.log" ||
        die "$name: tcpdump reports dropped packets"

    local keep=()
    case $impair in
    drops)
        RS_NFT_COUNTERS=$(ip netns exec "$NS_M" nft list table bridge impair |
                          awk '/counter/ { for (i = 1; i <= NF; i++) if ($i == "packets") d[n++] = $(i + 1) }
                               END { printf "nft: %s dropped server->client, %s client->server", d[0], d[1] }')
        log "$name: $RS_NFT_COUNTERS"
        ip netns exec "$NS_M" nft delete table bridge impair
        ip -n "$NS_M" link del br0
        ;;
    reorder)
        kill -TERM "$imp_pid"
        wait "$imp_pid" || true
        cat "$WORK/$name.impair.log" >&2
        grep -q "socket drops [1-9]" "$WORK/$name.impair.log" && die "$name: impair-bridge socket dropped frames"
        RS_NFT_COUNTERS=$(awk '/forwarded/ { printf "impair-bridge: %s frames held back, %s sent twice", $5, $7 }' "$WORK/$name.impair.log")
        ;;
    esac
    for pid in "${PIDS[@]}"; do [[ $pid == "$tcpdump_pid" || $pid == "$imp_pid" ]] || keep+=("$pid"); done
    PIDS=("${keep[@]}")

    # ARP (42 bytes) is the only runt; pad as a real MAC would (see mixed).
    # pad-runts also fails on any record with caplen != len.
    python3 "$NSGEN" pad-runts "$RAW" "$F" >&2
    rm -f "$RAW"
    python3 "$ORACLE" "$F" "$WORK/$name.streams.json"
    python3 "$NSGEN" check-streams "$WORK/$name.streams.json" "$WORK/$name.clients.json" >&2 ||
        die "$name: tshark's streams differ from what the clients sent / received"
    # Independent of tshark: own pcap parser + sequence-number reassembly,
    # HTTP bodies against nsgen.py's files; also classifies the segments.
    python3 "$HERE/tcp/verify.py" "$F" "$WORK/$name.streams.json" >"$WORK/$name.verify.log" ||
        die "$name: verify.py: $(cat "$WORK/$name.verify.log")"
    cat "$WORK/$name.verify.log" >&2

    # -------------------------------------------------------- verification
    local n_all n_out n_bad n_fcs n_rst n_streams n_rt n_frt n_srt n_ooo n_dack n_lost n_sack size
    local s_gap s_fill s_dup s_part
    n_all=$(rs_count "$F" "frame")
    n_out=$(rs_count "$F" "frame.len < 60 || frame.len > 1514")
    n_bad=$(rs_count "$F" "tcp.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || icmpv6.checksum.status == \"Bad\"")
    n_fcs=$(rs_count "$F" "eth.fcs || eth.trailer || _ws.malformed || _ws.expert.severity >= error")
    n_rst=$(rs_count "$F" "tcp.flags.reset == 1")
    n_streams=$(tshark -r "$F" -Y tcp -T fields -e tcp.stream 2>/dev/null | sort -u | grep -c .)
    n_rt=$(rs_count "$F" "tcp.analysis.retransmission")
    n_frt=$(rs_count "$F" "tcp.analysis.fast_retransmission")
    n_srt=$(rs_count "$F" "tcp.analysis.spurious_retransmission")
    n_ooo=$(rs_count "$F" "tcp.analysis.out_of_order")
    n_dack=$(rs_count "$F" "tcp.analysis.duplicate_ack")
    n_lost=$(rs_count "$F" "tcp.analysis.lost_segment")
    n_sack=$(rs_count "$F" "tcp.options.sack_le")
    # data segments as the receiver sees them (verify.py): ahead of a gap,
    # filling a hole, duplicate (no new bytes), partial overlap
    read -r s_gap s_fill s_dup s_part < <(awk -F'[ ,]+' '/data segments:/ {
        for (i = 1; i <= NF; i++) { if ($i == "gap") g = $(i + 1); if ($i == "hole") h = $(i + 1)
                                    if ($i == "duplicate") d = $(i + 1); if ($i == "overlap") o = $(i + 1) }
        print g, h, d, o }' "$WORK/$name.verify.log")
    size=$(stat -c %s "$F")
    log "$name: frames=$n_all out_of_range=$n_out bad_checksums=$n_bad fcs/trailer/malformed/error=$n_fcs rst=$n_rst tcp_streams=$n_streams"
    log "$name: retransmission=$n_rt fast_retransmission=$n_frt spurious_retransmission=$n_srt out_of_order=$n_ooo duplicate_ack=$n_dack lost_segment=$n_lost sack_frames=$n_sack bytes=$size"
    log "$name: data segments ahead_of_gap=$s_gap fills_hole=$s_fill duplicate=$s_dup partial_overlap=$s_part"
    ((n_out == 0)) || die "$name: $n_out frames outside 60..1514"
    ((n_bad == 0)) || die "$name: $n_bad frames with bad checksums"
    ((n_fcs == 0)) || die "$name: $n_fcs frames with FCS/trailer/errors"
    ((n_streams == $#)) || die "$name: $n_streams TCP streams, expected $#"
    ((size < 8388608)) || die "$name: capture is $size bytes (>= 8 MiB)"
    case $impair in
    drops)
        ((n_rt >= 10 && n_dack >= 10 && n_sack >= 10 && s_fill >= 10)) ||
            die "$name: too few retransmissions ($n_rt) / duplicate ACKs ($n_dack) / SACKs ($n_sack) / hole fills ($s_fill)" ;;
    reorder)
        ((s_gap > 0 && s_fill > 0 && s_dup > 0)) ||
            die "$name: no reordering ($s_gap / $s_fill) or no duplicates ($s_dup)" ;;
    esac
    printf '| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s / %s | %s |\n' \
        "$name.pcap" "$n_all" "$n_streams" "$n_rt" "$n_frt" "$n_srt" "$n_ooo" "$n_dack" \
        "$n_lost" "$n_sack" "$n_rst" "$s_gap" "$s_fill" "$s_dup" "$s_part" "$RS_NFT_COUNTERS" >>"$WORK/summary.md"
}

run_reassembly() {
    python3 "$NSGEN" mkfiles "$WORK/www" reassembly > "$WORK/files.txt"
    rs_sha() { awk -v n="$1" '$1 == n { print $3 }' "$WORK/files.txt"; }
    ip netns exec "$NS_A" python3 "$NSGEN" http-server "$WORK/www" "$HTTP_PORT" 2>"$WORK/http.log" &
    PIDS+=($!)
    wait_for "$WORK/http.log" "listening" "HTTP server"
    # Let link-up noise (MLD reports etc.) die down before capturing.
    sleep 3

    local f drops=() reorder=() i=0
    # 8 downloads at once, 4 per family, 4 KB .. 1.5 MB (3.72 MB of bodies)
    for f in r4k.bin r97k.bin r640k.bin r1500k.bin; do
        drops+=("$V4_A,$HTTP_PORT,/$f,$V4_B,$((40300 + i)),$(rs_sha $f)"); i=$((i + 1))
    done
    for f in r23k.bin r310k.bin r1m.bin r50k.bin; do
        drops+=("$V6_A,$HTTP_PORT,/$f,$V6_B,$((40300 + i)),$(rs_sha $f)"); i=$((i + 1))
    done
    i=0
    for f in r23k.bin r310k.bin; do
        reorder+=("$V4_A,$HTTP_PORT,/$f,$V4_B,$((40400 + i)),$(rs_sha $f)"); i=$((i + 1))
    done
    for f in r50k.bin r97k.bin; do
        reorder+=("$V6_A,$HTTP_PORT,/$f,$V6_B,$((40400 + i)),$(rs_sha $f)"); i=$((i + 1))
    done

    : >"$WORK/summary.md"
    rs_capture ns-http-drops drops "${drops[@]}"
    rs_capture ns-http-reorder reorder "${reorder[@]}"

    # Only now, with everything made and checked, replace the vendored files.
    mkdir -p "$OUTDIR/tcp"
    local out=()
    for f in ns-http-drops ns-http-reorder; do
        mv -f "$WORK/$f.pcap" "$WORK/$f.streams.json" "$OUTDIR/tcp/"
        chmod 644 "$OUTDIR/tcp/$f.pcap" "$OUTDIR/tcp/$f.streams.json"
        out+=("$f.pcap" "$f.streams.json")
    done
    log "| file | frames | TCP streams | retransmission | fast retr. | spurious retr. | out-of-order | dup ACK | prev. segment not captured | SACK frames | RST | segments ahead of gap / fill hole / duplicate / partial overlap | impairment |"
    while read -r l; do log "$l"; done <"$WORK/summary.md"
    (cd "$OUTDIR/tcp" && sha256sum "${out[@]}" && stat -c '%n %s' "${out[@]}") >&2
    log "done: $OUTDIR/tcp/{ns-http-drops,ns-http-reorder}.{pcap,streams.json}"
}

# ------------------------------------------------------------ topology
delete_ns "$NS_A"   # idempotent: remove leftovers of an interrupted run
delete_ns "$NS_B"
delete_ns "$NS_M"

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

if [[ $MODE == reassembly ]]; then
    # nv-a (server) <-> nv-ma [bridge in nicvec-m] nv-mb <-> nv-b (client).
    # The middle namespace has no addresses and IPv6 disabled: it never sends
    # a frame of its own, it only forwards (and drops / reorders) the two
    # ends' frames, which keep the same MACs and subnet as in the other modes.
    ip netns add "$NS_M"
    ip -n "$NS_M" link set lo up
    ip netns exec "$NS_M" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$NS_M" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip link add "$DEV_A" netns "$NS_A" address "$MAC_A" mtu "$MTU" type veth \
        peer name "$DEV_MA" netns "$NS_M" address 02:77:00:00:00:fa mtu "$MTU"
    ip link add "$DEV_B" netns "$NS_B" address "$MAC_B" mtu "$MTU" type veth \
        peer name "$DEV_MB" netns "$NS_M" address 02:77:00:00:00:fb mtu "$MTU"
    for dev in "$DEV_MA" "$DEV_MB"; do
        ip netns exec "$NS_M" ethtool -K "$dev" tx off tso off gso off gro off rx off >/dev/null 2>&1
        off=$(ip netns exec "$NS_M" ethtool -k "$dev" |
              awk '/^(tx-checksumming|rx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):/ && $2 != "off"')
        [[ -z $off ]] || die "$dev: offloads still enabled: $off"
        ip -n "$NS_M" link set "$dev" up
    done
else
    ip link add "$DEV_A" netns "$NS_A" address "$MAC_A" mtu "$MTU" type veth \
        peer name "$DEV_B" netns "$NS_B" address "$MAC_B" mtu "$MTU"
fi

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

if [[ $MODE == multiflow ]]; then
    run_multiflow
    exit 0
fi
if [[ $MODE == reassembly ]]; then
    run_reassembly
    exit 0
fi

# ------------------------------------------------------------ services
python3 "$NSGEN" mkfiles "$WORK/www" > "$WORK/files.txt"
sha_a=$(awk '$1=="a.bin"{print $3}' "$WORK/files.txt")
sha_b=$(awk '$1=="b.bin"{print $3}' "$WORK/files.txt")
sha_s=$(awk '$1=="small.txt"{print $3}' "$WORK/files.txt")

ip netns exec "$NS_A" python3 "$NSGEN" http-server "$WORK/www" "$HTTP_PORT" 2>"$WORK/http.log" &
PIDS+=($!)
ip netns exec "$NS_A" python3 "$NSGEN" udp-echo "$UDP_PORT" 2>"$WORK/udp.log" &
PIDS+=($!)

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
