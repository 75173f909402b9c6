# SPDX-License-Identifier: MIT
# One RPC measurement: the same Linux-side client against an echo server on
# xtoe or on the Linux stack, both in the xtoe namespace. Needs topo.bash,
# a running xtoed, and servers started with rpc_servers_start.
#
# Prints the client's `name value unit` lines plus `sys_cpu_us_per_req`: the
# whole machine's busy CPU time (/proc/stat, all cores, including the
# client, softirq and xtoed) divided by the requests.

RPC_XPORT=7000
RPC_KPORT=7001

rpc_servers_start() {
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$TOPO_BIN/xtoe-echo" server -p $RPC_XPORT \
		>"$TOPO_DIR/rpc-xtoe.log" 2>&1
	RPC_XPID=$SPAWN_PID
	spawn_x "$TOPO_BIN/xtoe-echo" server --kernel -p $RPC_KPORT \
		>"$TOPO_DIR/rpc-kernel.log" 2>&1
	RPC_KPID=$SPAWN_PID
	wait_port l "$TOPO_XADDR" $RPC_XPORT && wait_port l "$TOPO_XADDR" $RPC_KPORT
}

rpc_servers_stop() {
	kill "$RPC_XPID" "$RPC_KPID" 2>/dev/null
	wait "$RPC_XPID" "$RPC_KPID" 2>/dev/null
	return 0
}

# busy jiffies (all cores) from /proc/stat
cpu_busy_ticks() {
	awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat
}

# rpc_run xtoe|linux CONNS SIZE SECONDS
rpc_run() {
	local side=$1 conns=$2 size=$3 secs=$4 port out t0 t1 hz
	[ "$side" = xtoe ] && port=$RPC_XPORT || port=$RPC_KPORT
	hz=$(getconf CLK_TCK)
	t0=$(cpu_busy_ticks)
	out=$(timeout $((secs + 30)) nsenter --net=/var/run/netns/"$TOPO_L" \
		"$TOPO_BIN/xtoe-echo" client --kernel -c "$TOPO_XADDR:$port" \
		-n "$conns" -s "$size" -d "$secs") || { echo "$out"; return 1; }
	t1=$(cpu_busy_ticks)
	echo "$out"
	echo "$out" | awk -v busy=$((t1 - t0)) -v hz="$hz" '
		$1 == "requests" && $2 > 0 {
			printf "sys_cpu_us_per_req %.2f us\n", busy * 1e6 / hz / $2 }'
}
