#!/usr/bin/env bash
# SPIKE (issue 17): the best-case round trip and CPU per request of each
# data-path placement at one connection, next to Linux, measured side by
# side in alternating rounds. The same Linux client (xtoe-echo client
# --kernel, blocking, 1 connection, SIZE bytes) in the peer namespace
# against:
#   linux         Linux TCP both sides (xtoed stopped, chain detached)
#   daemon        today's path: xtoed (default waiting) + xtoe-echo server
#   direct_poll   the application's own AF_XDP socket, answered in its own
#                 thread blocked in poll() (bench/spike/xskecho.c): the
#                 floor of "the data-path in the application's threads"
#   direct_spin   the same, spinning
#   xdprx_progrun receive redirected by XDP to the application's socket,
#                 transmit through a checker XDP program by BPF_PROG_RUN
#                 with live frames (root only: CAP_BPF)
# The xskecho cases answer with a minimal TCP (no retransmission or
# options): a floor, not a placement.
#
#   ROUNDS=5 SIZE=64 SECS=3 bench/spike.sh
# Prints medians `CASE_METRIC value unit` and ratio_CASE_METRIC (CASE / linux).
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash
source test/lib/rpc.bash

ROUNDS=${ROUNDS:-5} SIZE=${SIZE:-64} SECS=${SECS:-3}
CASES="linux daemon direct_poll direct_spin xdprx_progrun"
XSK=${BUILD:-build}/bench/xskecho
CHK=${BUILD:-build}/bpf/bench/spike/txcheck.bpf.o
make --no-print-directory -s "$XSK" "$CHK" build/test/peer_pass.bpf.o >/dev/null
trap 'rpc_server_stop; topo_down' EXIT
topo_up
res=$(mktemp -p "$TOPO_DIR")

one() { # CASE SIDE: one measured run, lines tagged with CASE
	rpc_run "$2" 1 "$SIZE" "$SECS" | sed "s/^/$1 /" >>"$res"
}

# xsk CASE [xskecho options]: the spike's server, measured, stopped
xsk() {
	local c=$1
	shift
	spawn_x "$XSK" "$TOPO_XIF" "$TOPO_XADDR" "$RPC_SPORT" --checker "$(realpath "$CHK")" "$@" \
		>>"$TOPO_DIR/xsk-$c.log" 2>&1
	RPC_PID=$SPAWN_PID
	wait_port l "$TOPO_XADDR" "$RPC_SPORT" ||
		{ echo "spike: xskecho $* does not answer:" >&2; cat "$TOPO_DIR/xsk-$c.log" >&2; exit 1; }
	one "$c" spike
	rpc_server_stop
	xdp_gone || { echo "spike: xskecho left its XDP program attached" >&2; exit 1; }
}

# xtoed, once the kernel has released the last xskecho's AF_XDP socket
# (it does so a little after the process is gone)
xtoed_up() {
	for _ in $(seq 50); do
		xtoed_start 2>/dev/null && return 0
		sleep 0.1
	done
	xtoed_start
}

for _ in $(seq "$ROUNDS"); do
	xtoed_up
	rpc_server_start xtoe
	one daemon xtoe
	rpc_server_stop
	xtoe_off
	rpc_server_start linux
	one linux linux
	rpc_server_stop
	xsk direct_poll
	xsk direct_spin --spin
	# a frame redirected into a veth is delivered only when its peer runs XDP
	topo_peer_xdp
	xsk xdprx_progrun --tx progrun
	in_l ip link set dev "$TOPO_LIF" xdpdrv off
done

echo "config size=$SIZE secs=$SECS rounds=$ROUNDS conns=1 client=blocking"
for m in p50 p99 p999 rps sys_cpu_us_per_req; do
	unit=$(awk -v m=$m '$2 == m {print $4; exit}' "$res")
	[ -n "$unit" ] || continue
	k=$(awk -v m=$m '$1 == "linux" && $2 == m {print $3}' "$res" | median)
	for c in $CASES; do
		v=$(awk -v c=$c -v m=$m '$1 == c && $2 == m {print $3}' "$res" | median)
		echo "${c}_$m $v $unit"
		[ "$c" = linux ] || awk -v v="$v" -v k="$k" -v n="${c}_$m" \
			'BEGIN { if (k > 0) printf "ratio_%s %.3f x\n", n, v / k }'
	done
done
[ -n "${KEEP:-}" ] && cat "$res" >&2
exit 0
