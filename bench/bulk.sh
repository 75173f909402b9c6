#!/usr/bin/env bash
# Bulk throughput as a new user measures it: iperf3, one and four flows, xtoe
# receiving (iperf3 -s under xtoe-run, a Linux client) and xtoe sending
# (iperf3 -c under xtoe-run to a Linux server), next to the Linux stack on
# the same veth pair. Linux is measured fairly: xtoed stopped and its XDP
# chain detached, once with the peers' transmit checksum offload off (what
# xtoe needs on the peer) and once with the default offloads on. The cases
# alternate within each round; medians over ROUNDS.
#
#   ROUNDS=3 SECS=3 MTU=1500 [PEER_CC=cubic] [XTOE_TX=on|off] bench/bulk.sh [xtoed options]
# Prints `name value unit` lines; ratios are xtoe / Linux. Linux senders
# (the peer's client, and Linux's in xtoe's namespace when it is measured)
# use the machine's default congestion control, or PEER_CC on their socket
# (iperf3 -C; a namespace's default may only be one of
# tcp_allowed_congestion_control); the config line says which. While xtoe
# runs, the peer's transmit offloads are off and xtoe's end's are XTOE_TX
# (default on: TSO there lets xtoed's merged frames cross the veth whole).
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash
ROUNDS=${ROUNDS:-3} SECS=${SECS:-3} MTU=${MTU:-1500}
RUN=$TOPO_BIN/xtoe-run
command -v iperf3 >/dev/null || { echo "bulk: iperf3 is not installed (make deps)" >&2; exit 1; }

trap 'topo_down' EXIT
load_start=$(bench_load load_start)
topo_up
in_x ip link set "$TOPO_XIF" mtu "$MTU"
in_l ip link set "$TOPO_LIF" mtu "$MTU"
res=$(mktemp -p "$TOPO_DIR")
peer_cc=${PEER_CC:-$(in_l sysctl -n net.ipv4.tcp_congestion_control)}
XTOE_TX=${XTOE_TX:-on} # xtoe's end's transmit offloads while xtoe runs

# Receiver Gbit/s of one run: gbps SIDE CMD...; 0 when it failed.
gbps() {
	local side=$1 out
	shift
	out=$(limit $((SECS + 20)) "in_$side" "$@" -t "$SECS" -f g 2>&1) || true
	awk '/receiver/ { for (i = 1; i <= NF; i++) if ($(i+1) == "Gbits/sec") v = $i }
		END { print (v == "" ? 0 : v) }' <<<"$out"
}

# server SIDE [RUNNER...]: an iperf3 server on the side's address, port 5201
server() {
	local side=$1 addr
	shift
	[ "$side" = x ] && addr=$TOPO_XADDR || addr=$TOPO_LADDR
	"spawn_$side" "$@" iperf3 -s -4 -B "$addr" -p 5201 >/dev/null 2>&1
	SRV_PID=$SPAWN_PID
	sleep 0.5 # no probe connection: it confuses iperf3
}

# one STACK: recv (Linux client -> server in X) and send (X -> Linux server)
one() {
	local stack=$1 p cc=() xcc=()
	shift
	[ -n "${PEER_CC:-}" ] && cc=(-C "$PEER_CC")
	[ "$stack" != xtoe ] && xcc=("${cc[@]}")
	for p in 1 4; do
		server x "$@"
		echo "$stack recv $p $(gbps l iperf3 -4 -c "$TOPO_XADDR" -p 5201 -P "$p" "${cc[@]}")" >>"$res"
		kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null || true
		server l
		echo "$stack send $p $(gbps x "$@" iperf3 -4 -c "$TOPO_LADDR" -p 5201 -P "$p" "${xcc[@]}")" >>"$res"
		kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null || true
	done
}

offload() { # on|off, both ends
	in_x ethtool -K "$TOPO_XIF" tx "$1" >/dev/null
	in_l ethtool -K "$TOPO_LIF" tx "$1" >/dev/null
}

for _ in $(seq "$ROUNDS"); do
	offload off
	# xtoe's own end may keep its offloads (only the peer must send full
	# checksums): with TSO there, its merged frames (--tx-gso) cross whole
	in_x ethtool -K "$TOPO_XIF" tx "$XTOE_TX" >/dev/null
	xtoed_start "$@"
	one xtoe "$RUN" --
	xtoe_off
	one linux_txoff
	offload on
	one linux
done
offload off

echo "config rounds=$ROUNDS secs=$SECS mtu=$MTU peer_cc=$peer_cc xtoe_tx=$XTOE_TX"
echo "$load_start"
bench_load load_end
for dir in recv send; do
	for p in 1 4; do
		declare -A m=()
		for stack in xtoe linux_txoff linux; do
			m[$stack]=$(awk -v s=$stack -v d=$dir -v p=$p '$1 == s && $2 == d && $3 == p {print $4}' "$res" | median)
			echo "${stack}_${dir}_${p}flow ${m[$stack]} Gbit/s"
		done
		awk -v x="${m[xtoe]}" -v t="${m[linux_txoff]}" -v k="${m[linux]}" -v n="${dir}_${p}flow" 'BEGIN {
			if (t > 0) printf "ratio_txoff_%s %.2f x\n", n, x / t
			if (k > 0) printf "ratio_linux_%s %.2f x\n", n, x / k }'
	done
done
[ -n "${KEEP:-}" ] && cat "$res" >&2
exit 0
