#!/usr/bin/env bash
# RPC benchmark: the same Linux client (in the peer namespace) against an
# echo server on xtoe and on the Linux stack, alternating within each of
# ROUNDS rounds. Four cases: 1 and 16 connections, each with a blocking
# client against the default xtoed and with a spinning client (--spin)
# against `xtoed --busy-poll`. Linux is measured fairly: xtoed stopped and
# its XDP chain detached from the interface while the Linux cases run.
#
#   ROUNDS=5 SIZE=64 SECS=3 [CASES="block1 spin1"] bench/rpc.sh [xtoed options]
# Prints medians as `name value unit` lines, named STACK_CASE_METRIC
# (CASE: block1 block16 spin1 spin16), and ratio_CASE_METRIC (xtoe / Linux).
# sys_cpu_us_per_req is the whole machine's busy CPU per request (every
# core: client, softirq, xtoed, and any other process of a shared
# machine); proc_cpu_us_per_req the client's and the server side's
# processes' (echo server, xtoed) only; server_cpu_us_per_req the server
# side's; cpu_us_per_req the client's own.
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash
source test/lib/rpc.bash

ROUNDS=${ROUNDS:-5} SIZE=${SIZE:-64} SECS=${SECS:-3}
CASES=${CASES:-block1 block16 spin1 spin16}
trap 'rpc_server_stop; topo_down' EXIT
topo_up
res=$(mktemp -p "$TOPO_DIR")

# measure STACK MODE: the side's 1- and 16-connection runs, MODE block|spin
measure() {
	local stack=$1 mode=$2 n opt=()
	[ "$mode" = spin ] && opt=(--spin)
	for n in 1 16; do
		wanted "$mode$n" || continue
		rpc_run "$stack" "$n" "$SIZE" "$SECS" "${opt[@]}" |
			sed "s/^/$stack $mode$n /" >>"$res"
	done
}

# wanted CASE|MODE: a case in CASES, or a mode some case in CASES has
wanted() {
	case $1 in
	*[0-9]) [[ " $CASES " == *" $1 "* ]] ;;
	*) [[ " $CASES " == *" $1"[0-9]* ]] ;;
	esac
}

# xtoe MODE [xtoed options]: a fresh xtoed and echo server, then measure
xtoe_round() {
	local mode=$1
	shift
	wanted "$mode" || return 0
	xtoed_start "$@"
	rpc_server_start xtoe
	measure xtoe "$mode"
	rpc_server_stop
	xtoed_stop
}

for _ in $(seq "$ROUNDS"); do
	xtoe_round block "$@"
	xtoe_round spin --busy-poll "$@"
	xtoe_off
	rpc_server_start linux
	measure linux block
	measure linux spin
	rpc_server_stop
done

echo "config size=$SIZE secs=$SECS rounds=$ROUNDS xtoed_opts=$*"
for c in $CASES; do
	for m in rps p50 p99 p999 sys_cpu_us_per_req proc_cpu_us_per_req server_cpu_us_per_req \
		cpu_us_per_req; do
		unit=$(awk -v m=$m '$3 == m {print $5; exit}' "$res")
		[ -n "$unit" ] || continue
		x=$(awk -v c=$c -v m=$m '$1 == "xtoe" && $2 == c && $3 == m {print $4}' "$res" | median)
		k=$(awk -v c=$c -v m=$m '$1 == "linux" && $2 == c && $3 == m {print $4}' "$res" | median)
		echo "xtoe_${c}_$m $x $unit"
		echo "linux_${c}_$m $k $unit"
		awk -v x="$x" -v k="$k" -v n="${c}_$m" 'BEGIN { if (k > 0) printf "ratio_%s %.3f x\n", n, x / k }'
	done
done
[ -n "${KEEP:-}" ] && cat "$res" >&2
exit 0
