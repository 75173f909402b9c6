#!/usr/bin/env bash
# xtoed at idle and at a low load with N data-path workers (xtoed --workers N, N = 1 ..
# QUEUES, on a veth pair with QUEUES queues): what it costs over SECS s
# with no traffic, after SETTLE s (idle threads park after 1 s), with the
# default busy marks and with --busy-marks 0,100 (every thread runs: the
# workers fixed at start):
#   idle_wN_ticks       CPU ticks (1/100 s) of the whole daemon
#   idle_wN_dp_wakeups  voluntary context switches of its data-path
#                       threads (a wake-up each; the control plane, the
#                       main thread, not counted)
#   idle_wN_running     data-path threads running (xtoectl stats: workers
#                       run by their own thread)
#   idle_wN_fixed_*     the same with --busy-marks 0,100
#   low_wN_*, low_wN_fixed_*  the same under a low load: CLIENTS Linux
#                       clients (test/bats/paced_client.py) against the xtoe
#                       echo server, each a 64-byte request every 10 ms,
#                       spread over the queues by the peer's hash
# Run it alone (flock /tmp/xtoe-bench.lock bench/idle.sh): the machine is
# shared.
#
#   QUEUES=2 SECS=5 SETTLE=3 CLIENTS=8 bench/idle.sh [xtoed options]
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash

QUEUES=${QUEUES:-2} SECS=${SECS:-5} SETTLE=${SETTLE:-3} CLIENTS=${CLIENTS:-8}

# voluntary context switches of xtoed's threads but the main one (the
# control plane): the data-path threads
wakeups() {
	local t s=0
	for t in /proc/"$XTOED_PID"/task/*; do
		[ "${t##*/}" = "$XTOED_PID" ] && continue
		s=$(( s + $(awk '$1 == "voluntary_ctxt_switches:" {print $2}' "$t/status") ))
	done
	echo "$s"
}

ticks() { awk '{ print $14 + $15 }' "/proc/$XTOED_PID/stat"; }

# workers run by their own thread
running() {
	"$TOPO_BIN/xtoectl" -j stats | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(sum(1 for k, v in s.items() if k.startswith("worker") and v["thread"] == int(k[6:])))'
}

# CLIENTS paced clients for SECS s (a request every 10 ms each)
low_load() {
	local i pids=()
	for i in $(seq "$CLIENTS"); do
		in_l python3 test/bats/paced_client.py "$TOPO_XADDR" 7000 $((SECS * 100)) 10 \
			>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# one case: NAME, idle or low, then xtoed options
idle_case() {
	local name=$1 load=$2 w0 t0 echo_pid
	shift 2
	xtoed_start "$@"
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$TOPO_BIN/xtoe-echo" server -p 7000 >/dev/null 2>&1
	echo_pid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 7000
	sleep "$SETTLE"
	w0=$(wakeups) t0=$(ticks)
	if [ "$load" = low ]; then low_load; else sleep "$SECS"; fi
	echo "${name}_ticks $(( $(ticks) - t0 )) ticks"
	echo "${name}_dp_wakeups $(( $(wakeups) - w0 )) switches"
	echo "${name}_running $(running) threads"
	kill "$echo_pid" 2>/dev/null || true
	wait "$echo_pid" 2>/dev/null || true
	xtoed_stop
}

echo "config queues=$QUEUES secs=$SECS settle=$SETTLE clients=$CLIENTS cpus=$(nproc) xtoed_opts=$*"
bench_load idle_load_start
trap 'topo_down' EXIT
TOPO_QUEUES=$QUEUES topo_up
for load in idle low; do
	for n in $(seq "$QUEUES"); do
		idle_case "${load}_w$n" "$load" --workers "$n" "$@"
		idle_case "${load}_w${n}_fixed" "$load" --workers "$n" --busy-marks 0,100 "$@"
	done
done
bench_load idle_load_end
exit 0
