#!/usr/bin/env bash
# xtoe demo: a Linux client in one namespace talks to an echo server that
# runs on xtoe, then to the same echo server on the Linux stack; both
# results side by side, what each figure means, then the operator's view:
# a module, a capture, the firewall (with its expected refusal labelled as
# such). Everything is torn down on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/rpc.bash

CONNS=${CONNS:-16} SIZE=${SIZE:-64} SECS=${SECS:-3}

trap topo_down EXIT
# Colours only on a terminal (and never with NO_COLOR set).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$'\033[1m' D=$'\033[2m' G=$'\033[32m' N=$'\033[0m'
else
	B= D= G= N=
fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
note() { printf '%s   %s%s\n' "$D" "$*" "$N"; }
expected() { printf '%s   expected: %s%s\n' "$G" "$*" "$N"; }

say "topology: namespace with xtoe (198.18.0.1) <-veth-> namespace with a Linux peer (198.18.0.2)"
topo_up
echo "namespaces $TOPO_X and $TOPO_L, interfaces $TOPO_XIF and $TOPO_LIF"

say "starting xtoed on $TOPO_XIF (XDP steering + AF_XDP data-path)"
xtoed_start
in_x ip -d link show "$TOPO_XIF" | grep -o 'prog/xdp id [0-9]*' | sed 's/^/attached: /'
note "the XDP program in front of the interface: xtoe's flows go to its AF_XDP socket,"
note "everything else (ARP, ICMP, other ports) to the kernel as before"

say "echo servers: on xtoe (port $RPC_XPORT) and on Linux sockets (port $RPC_KPORT)"
rpc_servers_start

say "16 MiB streamed from the Linux peer through the xtoe echo server"
in_l build/bin/xtoe-echo stream --kernel -c "$TOPO_XADDR:$RPC_XPORT" -b $((16 << 20))
note "bytes: sent to the echo server and checked on the way back, every byte;"
note "gbps: the rate of that round trip (one connection, both directions on xtoe)"

say "RPC: $CONNS connections, $SIZE-byte messages, ${SECS}s, same Linux client"
xo=$(rpc_run xtoe "$CONNS" "$SIZE" "$SECS")
ko=$(rpc_run linux "$CONNS" "$SIZE" "$SECS")
printf '%-22s %14s %14s\n' metric "xtoe server" "Linux server"
for m in rps p50 p99 p999 sys_cpu_us_per_req; do
	xv=$(awk -v m=$m '$1 == m {print $2, $3}' <<<"$xo")
	kv=$(awk -v m=$m '$1 == m {print $2, $3}' <<<"$ko")
	printf '%-22s %14s %14s\n' "$m" "$xv" "$kv"
done
note "rps: requests answered per second (higher is better)"
note "p50, p99, p999: round-trip time of half, 99 %, 99.9 % of the requests (lower is better)"
note "sys_cpu_us_per_req: CPU time of the whole machine (client, kernel, xtoed) per request"
note "(both servers run on this 2-core machine with the client: a comparison, not a benchmark)"

say "the programmable part: a user module compiled from C and inserted into the live chain"
XTOECTL="build/bin/xtoectl --sock $TOPO_SOCK"
$XTOECTL module add examples/modules/port_count.bpf.c
in_l build/bin/xtoe-echo client --kernel -c "$TOPO_XADDR:$RPC_XPORT" -n 4 -s 64 -d 1 >/dev/null
$XTOECTL module list
note "SEEN: frames each module ran on; NEXT/DROP/PASS/TX/REDIRECT: its verdicts;"
note "steer REDIRECTs xtoe's flows to the AF_XDP socket and PASSes the rest to the kernel"
echo "port_count's map, pinned at /sys/fs/bpf/xtoe/$TOPO_XIF/port_count/port_stats:"
bpftool -j map dump pinned "/sys/fs/bpf/xtoe/$TOPO_XIF/port_count/port_stats" |
	python3 -c '
import json, sys
for e in json.load(sys.stdin):
    k = e["formatted"]["key"]; v = e["formatted"]["values"]
    pk = sum(c["value"]["packets"] for c in v); by = sum(c["value"]["bytes"] for c in v)
    print("  dport %-5d proto %-2d packets %-8d bytes %d" % (k["port"], k["proto"], pk, by))'
$XTOECTL module del port_count
echo "port_count removed; the chain kept running throughout"

say "a kernel service on the same address still answers next to xtoe"
spawn_x socat TCP-LISTEN:8080,reuseaddr,fork EXEC:'echo hello from the kernel stack'
wait_port l "$TOPO_XADDR" 8080 || true
in_l socat -T 3 - TCP:"$TOPO_XADDR":8080 </dev/null || true
in_l ping -c 1 -W 2 "$TOPO_XADDR" | grep -E 'bytes from|loss'

say "the whole conversation on the interface, tcpdump's lines (xtoe-dump)"
build/bin/xtoe-dump -i "$TOPO_XIF" --sock "$TOPO_SOCK" -n -c 6 'icmp or tcp port 8080' 2>/dev/null &
dump=$!
sleep 1
in_l ping -c 1 -W 2 "$TOPO_XADDR" >/dev/null
in_l socat -T 3 - TCP:"$TOPO_XADDR":8080 </dev/null >/dev/null || true
wait "$dump" || true
note "received frames, and the replies the kernel sent: both directions, as tcpdump shows them"

say "an operator's firewall rule (XDP, ahead of everything): drop TCP to port 8080"
$XTOECTL fw add drop proto tcp dport 8080 comment "demo: no 8080"
expected "the client below cannot connect: the firewall drops its SYN (this is the rule working)"
in_l socat -T 1 - TCP:"$TOPO_XADDR":8080,connect-timeout=1 </dev/null 2>&1 | sed 's/^/  client: /' || true
$XTOECTL fw list
note "PACKETS/BYTES: what the rule dropped (the client's SYN and its retransmissions)"
$XTOECTL conns
note "ss's columns: state, queues, addresses, the program and pid that own each connection"
$XTOECTL fw flush
in_l socat -T 3 - TCP:"$TOPO_XADDR":8080 </dev/null | sed 's/^/  after flush: /' || true

rpc_servers_stop
say "done; tearing down"
