#!/usr/bin/env bash
# RPC benchmark: the same Linux client against an echo server on xtoe and on
# the Linux stack, alternating, ROUNDS times. Prints medians and ratios as
# `name value unit` lines (ratios are xtoe / Linux).
#
#   ROUNDS=5 CONNS=16 SIZE=64 SECS=3 bench/rpc.sh [xtoed options]
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/rpc.bash

ROUNDS=${ROUNDS:-5} CONNS=${CONNS:-16} SIZE=${SIZE:-64} SECS=${SECS:-3}
trap topo_down EXIT
topo_up
xtoed_start "$@"
rpc_servers_start

res=$(mktemp)
for r in $(seq "$ROUNDS"); do
	for side in xtoe linux; do
		rpc_run "$side" "$CONNS" "$SIZE" "$SECS" | sed "s/^/$side /" >>"$res"
	done
done

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "config conns=$CONNS size=$SIZE secs=$SECS rounds=$ROUNDS"
for m in rps p50 p99 p999 sys_cpu_us_per_req cpu_us_per_req; do
	unit=$(awk -v m=$m '$2 == m {print $4; exit}' "$res")
	x=$(awk -v m=$m '$1 == "xtoe" && $2 == m {print $3}' "$res" | median)
	k=$(awk -v m=$m '$1 == "linux" && $2 == m {print $3}' "$res" | median)
	[ -n "$unit" ] || continue
	echo "xtoe_$m $x $unit"
	echo "linux_$m $k $unit"
	awk -v x="$x" -v k="$k" -v m=$m 'BEGIN { if (k > 0) printf "ratio_%s %.3f x\n", m, x / k }'
done
rm -f "$res"
rpc_servers_stop
