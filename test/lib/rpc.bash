# SPDX-License-Identifier: MIT
# One RPC measurement: the same Linux-side client against an echo server on
# xtoe or on the Linux stack, in the xtoe namespace. Needs topo.bash; the
# xtoe server needs a running xtoed. Start the side's server with
# rpc_server_start SIDE, measure with rpc_run, stop it with rpc_server_stop.
#
# Prints the client's `name value unit` lines plus `sys_cpu_us_per_req`: the
# whole machine's busy CPU time (/proc/stat, all cores, including the
# client, softirq and xtoed) divided by the requests; `server_cpu_us_per_req`:
# the server side's processes' CPU time (every thread of the echo server
# and, for xtoe, of xtoed, from /proc/PID/task/*/schedstat) per request; and
# `proc_cpu_us_per_req`: the client's and the server side's together. The
# last two leave out the other processes of a shared machine (the first
# counts them), and softirq work that ran outside these processes.

RPC_XPORT=7000
RPC_KPORT=7001
RPC_SPORT=7002 # any other server (bench/spike.sh)

rpc_port() {
	case $1 in
	xtoe) echo $RPC_XPORT ;;
	linux) echo $RPC_KPORT ;;
	*) echo $RPC_SPORT ;;
	esac
}

# rpc_server_start xtoe|linux: the side's echo server, serving on return
rpc_server_start() {
	local side=$1 port
	port=$(rpc_port "$side")
	if [ "$side" = xtoe ]; then
		spawn_x env XTOE_SOCK="$TOPO_SOCK" "$TOPO_BIN/xtoe-echo" server -p "$port" \
			>>"$TOPO_DIR/rpc-$side.log" 2>&1
	else
		spawn_x "$TOPO_BIN/xtoe-echo" server --kernel -p "$port" \
			>>"$TOPO_DIR/rpc-$side.log" 2>&1
	fi
	RPC_PID=$SPAWN_PID
	wait_port l "$TOPO_XADDR" "$port" && return 0
	echo "rpc: the $side echo server does not answer on port $port:" >&2
	cat "$TOPO_DIR/rpc-$side.log" >&2
	return 1
}

rpc_server_stop() {
	[ -n "${RPC_PID:-}" ] || return 0
	kill "$RPC_PID" 2>/dev/null || true
	wait "$RPC_PID" 2>/dev/null || true
	RPC_PID=
	return 0
}

# busy jiffies (all cores) from /proc/stat
cpu_busy_ticks() {
	awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat
}

# CPU time (ns) the given processes' threads ran, from their schedstat
procs_run_ns() {
	local p t sum=0 v
	for p in "$@"; do
		for t in /proc/"$p"/task/*/schedstat; do
			read -r v _ 2>/dev/null <"$t" || continue
			sum=$((sum + v))
		done
	done
	echo "$sum"
}

# rpc_run xtoe|linux|OTHER CONNS SIZE SECONDS [CLIENT OPTIONS...] (e.g. --spin)
rpc_run() {
	local side=$1 conns=$2 size=$3 secs=$4 port out t0 t1 hz s0 s1 srv
	shift 4
	port=$(rpc_port "$side")
	hz=$(getconf CLK_TCK)
	srv="${RPC_PID:-}"
	[ "$side" = xtoe ] && srv="$srv ${XTOED_PID:-}"
	# shellcheck disable=SC2086 # a list of pids
	s0=$(procs_run_ns $srv)
	t0=$(cpu_busy_ticks)
	out=$(timeout $((secs + 30)) nsenter --net=/var/run/netns/"$TOPO_L" \
		"$TOPO_BIN/xtoe-echo" client --kernel -c "$TOPO_XADDR:$port" \
		-n "$conns" -s "$size" -d "$secs" "$@" 2>&1) || {
		echo "rpc: the client against $side failed: $out" >&2
		return 1
	}
	t1=$(cpu_busy_ticks)
	# shellcheck disable=SC2086
	s1=$(procs_run_ns $srv)
	echo "$out"
	echo "$out" | awk -v busy=$((t1 - t0)) -v hz="$hz" -v srv=$((s1 - s0)) '
		$1 == "cpu_us_per_req" { cl = $2 }
		$1 == "requests" { n = $2 }
		END { if (n > 0) {
			printf "sys_cpu_us_per_req %.2f us\n", busy * 1e6 / hz / n
			printf "server_cpu_us_per_req %.2f us\n", srv / 1e3 / n
			printf "proc_cpu_us_per_req %.2f us\n", cl + srv / 1e3 / n } }'
}

