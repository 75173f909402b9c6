#!/usr/bin/env bash
# Data-path scaling with its workers (xtoed --workers), 1 against 2,
# alternating within each of ROUNDS rounds:
#   in-process   bench/loopscale (two daemons over the loopback port, no
#                kernel): RPCs/s and segments/s, one and many connections
#   namespace    a two-queue veth pair (TOPO_QUEUES=2): the Linux client
#                (xtoe-echo client --kernel) against the xtoe echo server,
#                1 and 16 connections (RPCs/s), and one bulk stream (Gbit/s)
# and one heavy connection with the placements (xtoed --placement thread,
# pipeline --pre-threads 1 and 2), in-process (loopscale's loop_place_*)
# and in the namespaces (rpc1, bulk1: ns_place_*), ratios to thread.
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

# one round of the namespace one-connection cases with placement P
ns_place_round() {
	local p=$1
	shift
	case $p in
	thread) xtoed_start --placement thread "$@" ;;
	pipeline_k*) xtoed_start --placement pipeline --pre-threads "${p#pipeline_k}" "$@" ;;
	esac
	rpc_server_start xtoe
	rpc_run xtoe 1 64 "$SECS" | awk -v p="$p" '$1 == "rps" {print p, "rpc1", $2}' >>"$res"
	limit 60 in_l "$TOPO_BIN/xtoe-echo" stream --kernel -c "$TOPO_XADDR:$(rpc_port xtoe)" -b 256M |
		awk -v p="$p" '$1 == "gbps" {print p, "bulk1", $2}' >>"$res"
	rpc_server_stop
	xtoed_stop
}

PLACES=(thread pipeline_k1 pipeline_k2)
for r in $(seq "$ROUNDS"); do
	for i in 0 1 2; do # a different one first each round
		ns_place_round "${PLACES[$(( (i + r) % 3 ))]}" "$@"
	done
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
for c in rpc1 bulk1; do
	unit=req/s
	[ "$c" = bulk1 ] && unit=Gbit/s
	base=$(awk -v c=$c '$1 == "thread" && $2 == c {print $3}' "$res" | median)
	echo "ns_place_${c}_thread $base $unit"
	for p in pipeline_k1 pipeline_k2; do
		v=$(awk -v p=$p -v c=$c '$1 == p && $2 == c {print $3}' "$res" | median)
		echo "ns_place_${c}_$p $v $unit"
		awk -v a="$base" -v b="$v" -v n="ns_place_${c}_${p}_vs_thread" 'BEGIN { if (a > 0) printf "%s %.2f x\n", n, b / a }'
	done
done
exit 0
