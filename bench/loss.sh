#!/usr/bin/env bash
# Goodput over a lossy link: 64 MiB echoed each way with xtoe and with the
# Linux stack on the same path, alternating, ROUNDS times, at each loss
# level of LOSSES (percent, each way). MIXED=1 adds, at each level, the
# mixed impairments of a bad link: duplication at half the loss rate,
# corruption at a quarter, reordering at the loss rate (so "2" is 2 % loss
# each way, 1 % duplication, 0.5 % corruption, 2 % reordering).
# Impairment on the Linux peer's veth (test/lib/impair.bash). Linux is
# measured fairly: xtoed stopped and its XDP chain detached while it runs
# (as bench/bulk.sh); the stacks alternate which goes first each round.
# Two roles:
#   srv: a Linux client (test/tools/sha_stream.py) to an echo server on
#        xtoe / on Linux in the xtoe namespace;
#   cli: xtoe-echo stream on xtoe / on Linux to a Linux echo server.
# Prints medians as `name value unit` lines; ratios are xtoe / Linux.
# Linux's sockets use the namespaces' default congestion control, which is
# the machine's (net.ipv4.tcp_congestion_control, inherited by new
# namespaces): the config line names it (linux_cc, for Linux measured in
# xtoe's namespace; peer_cc, the peer's). It decides the 5 % cells: BBR
# keeps its window through losses where CUBIC (xtoed's default) cuts it
# (docs/tcp-core.md, Not done yet). LINUX_CC=cubic sets the control of
# Linux's sockets in xtoe's namespace (xtoe-echo --cc; any name of
# tcp_available_congestion_control), to compare like with like.
#
#   ROUNDS=3 MIB=64 LOSSES="0 1 5" bench/loss.sh [xtoed options]
#   MIXED=1 LOSSES="1 2 5" bench/loss.sh         (the mixed impairments)
#   LINUX_CC=cubic MIXED=1 LOSSES=5 bench/loss.sh (Linux with CUBIC)
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash
source test/lib/impair.bash

ROUNDS=${ROUNDS:-3} MIB=${MIB:-64} LOSSES=${LOSSES:-0 1 5} MIXED=${MIXED:-0}
BYTES=$((MIB * 1024 * 1024))
ECHO=$TOPO_BIN/xtoe-echo
SHA=test/tools/sha_stream.py
LCC=() # Linux's sockets in xtoe's namespace: --cc NAME, or the default
[ -n "${LINUX_CC:-}" ] && LCC=(--cc "$LINUX_CC")

trap 'impair_down >/dev/null || true; topo_down' EXIT  # errexit would stop a failing trap before topo_down
topo_up
spawn_x "$ECHO" server --kernel "${LCC[@]}" -p 7001 >"$TOPO_DIR/kecho.log" 2>&1
spawn_l "$ECHO" server --kernel -p 7002 >"$TOPO_DIR/lecho.log" 2>&1
wait_port l "$TOPO_XADDR" 7001
wait_port x "$TOPO_LADDR" 7002

# Mbit/s of one direction's payload, or 0 when the transfer failed.
mbps() { awk -v b="$BYTES" -v s="$1" 'BEGIN { printf "%.1f\n", (s > 0 ? b * 8 / s / 1e6 : 0) }'; }

srv_run() { # PORT
	local out
	out=$(limit 120 in_l python3 "$SHA" client "$TOPO_XADDR" "$1" "$BYTES") || { echo 0; return; }
	mbps "$(awk '$1 == "seconds" {print $2}' <<<"$out")"
}

cli_run() { # [--kernel]
	local t0 t1
	t0=$(date +%s%N)
	limit 120 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" stream "$@" \
		-c "$TOPO_LADDR:7002" -b "$BYTES" >/dev/null || { echo 0; return; }
	t1=$(date +%s%N)
	mbps "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')"
}

# One round of a stack at loss level LOSS: both roles.
round_xtoe() { # LOSS [xtoed options]
	local loss=$1 pid
	shift
	xtoed_start "$@" || exit 1
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7000 >>"$TOPO_DIR/xecho.log" 2>&1
	pid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 7000 || { cat "$TOPO_DIR/xecho.log" >&2; exit 1; }
	echo "srv xtoe $loss $(srv_run 7000)" >>"$res"
	echo "cli xtoe $loss $(cli_run)" >>"$res"
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
	xtoe_off || true
	xdp_gone || { echo "loss: the XDP chain stayed on $TOPO_XIF" >&2; exit 1; }
}

round_linux() { # LOSS
	echo "srv linux $1 $(srv_run 7001)" >>"$res"
	echo "cli linux $1 $(cli_run --kernel "${LCC[@]}")" >>"$res"
}


res=$(mktemp)
for loss in $LOSSES; do
	if [ "$MIXED" = 1 ]; then
		# LOSS,DUP,REORDER,CORRUPT egress and LOSS,DUP,CORRUPT ingress
		read -r d c <<<"$(awk -v l="$loss" 'BEGIN { print l / 2, l / 4 }')"
		impair_up "$loss,$d,$loss,$c" "$loss,$d,$c" || exit 1
	else
		impair_up "$loss,0,0,0" "$loss,0,0" || exit 1
	fi
	for r in $(seq "$ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			round_xtoe "$loss" "$@"
			round_linux "$loss"
		else
			round_linux "$loss"
			round_xtoe "$loss" "$@"
		fi
	done
	impair_down >/dev/null
done

echo "config mib=$MIB rounds=$ROUNDS losses=${LOSSES// /,} mixed=$MIXED" \
	"linux_cc=${LINUX_CC:-$(in_x sysctl -n net.ipv4.tcp_congestion_control)}" \
	"peer_cc=$(in_l sysctl -n net.ipv4.tcp_congestion_control)"
for role in srv cli; do
	for loss in $LOSSES; do
		x=$(awk -v r=$role -v l=$loss '$1 == r && $2 == "xtoe" && $3 == l {print $4}' "$res" | median)
		k=$(awk -v r=$role -v l=$loss '$1 == r && $2 == "linux" && $3 == l {print $4}' "$res" | median)
		echo "xtoe_${role}_loss${loss}_goodput $x Mbit/s"
		echo "linux_${role}_loss${loss}_goodput $k Mbit/s"
		awk -v x="$x" -v k="$k" -v n="${role}_loss${loss}" \
			'BEGIN { if (k > 0) printf "ratio_%s_goodput %.3f x\n", n, x / k }'
	done
done
[ -n "${KEEP:-}" ] && cat "$res" >&2
rm -f "$res"
