#!/usr/bin/env bash
# Data-path scaling with its workers (xtoed --workers), 1 against 2,
# alternating within each of ROUNDS rounds:
#   in-process   bench/loopscale (two daemons over the loopback port, no
#                kernel): RPCs/s and segments/s, one and many connections
#   namespace    a two-queue veth pair (TOPO_QUEUES=2): the Linux client
#                (xtoe-echo client --kernel) against the xtoe echo server,
#                1 and 16 connections (RPCs/s), and one bulk stream (Gbit/s)
# Run it alone (flock /tmp/xtoe-bench.lock bench/scale.sh): the machine is
# shared.
#
#   ROUNDS=3 SECS=2 CONNS=32 bench/scale.sh [xtoed options]
# Prints medians as `name value unit` lines and `*_scaling` (2 / 1 worker).
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash
source test/lib/rpc.bash

ROUNDS=${ROUNDS:-3} SECS=${SECS:-2} CONNS=${CONNS:-32}
LOOPSCALE=${LOOPSCALE:-${TOPO_BIN%/bin}/bench/loopscale}

echo "config rounds=$ROUNDS secs=$SECS conns=$CONNS cpus=$(nproc) xtoed_opts=$*"
"$LOOPSCALE" "$SECS" "$ROUNDS" "$CONNS"

trap 'rpc_server_stop; topo_down' EXIT
TOPO_QUEUES=2 topo_up
res=$(mktemp -p "$TOPO_DIR")

# one round of the namespace cases with W workers
ns_round() {
	local w=$1 n
	shift
	xtoed_start --workers "$w" "$@"
	rpc_server_start xtoe
	for n in 1 16; do
		rpc_run xtoe "$n" 64 "$SECS" | awk -v w="$w" -v n="$n" '$1 == "rps" {print w, "rpc" n, $2}' >>"$res"
	done
	limit 60 in_l "$TOPO_BIN/xtoe-echo" stream --kernel -c "$TOPO_XADDR:$(rpc_port xtoe)" -b 256M |
		awk -v w="$w" '$1 == "gbps" {print w, "bulk1", $2}' >>"$res"
	rpc_server_stop
	xtoed_stop
}

for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then ns_round 1 "$@"; ns_round 2 "$@"; else ns_round 2 "$@"; ns_round 1 "$@"; fi
done

for c in rpc1 rpc16 bulk1; do
	unit=req/s
	[ "$c" = bulk1 ] && unit=Gbit/s
	one=$(awk -v c=$c '$1 == 1 && $2 == c {print $3}' "$res" | median)
	two=$(awk -v c=$c '$1 == 2 && $2 == c {print $3}' "$res" | median)
	echo "ns_${c}_w1 $one $unit"
	echo "ns_${c}_w2 $two $unit"
	awk -v a="$one" -v b="$two" -v c="$c" 'BEGIN { if (a > 0) printf "ns_%s_scaling %.2f x\n", c, b / a }'
done
exit 0
