#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# xtoed cannot be wedged (issue 10, part B): SIGTERM stops it within a few
# seconds whatever the data-path does; thousands of connections opened and
# closed at once leave it serving with an empty table.
load helpers

STALL=$TOPO_ROOT/build/test/stall_cmod.so
RUN=$TOPO_BIN/xtoe-run

setup() {
	require_root
	TOPO_P=xrf$(printf '%x%02x' $(( $$ % 4096 )) $(( RANDOM % 256 )))
	topo_up
}

teardown() {
	topo_down
}

# The last count a connect_many.py run printed (0 before the first).
count_of() { tail -n 1 "$1" 2>/dev/null | grep -E '^[0-9]+$' || echo 0; }

# Wait (at most 10 s) until the count in file $1 stops changing for 1 s.
count_settles() {
	local last=-1 now same=0
	for _ in $(seq 100); do
		now=$(count_of "$1")
		if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
		[ "$same" -ge 10 ] && return 0
		last=$now
		sleep 0.1
	done
	return 1
}

# SIGTERM to the running xtoed; the milliseconds until it was gone (at
# most 10 s, then it is killed and the answer is 10000+).
term_ms() {
	local t0 t1
	t0=$(date +%s%N)
	kill -TERM "$XTOED_PID"
	for _ in $(seq 200); do
		kill -0 "$XTOED_PID" 2>/dev/null || break
		sleep 0.05
	done
	t1=$(date +%s%N)
	kill -9 "$XTOED_PID" 2>/dev/null || true
	wait "$XTOED_PID" 2>/dev/null || true
	XTOED_PID=
	echo $(( (t1 - t0) / 1000000 ))
}

@test "SIGTERM stops xtoed within 5 s while its data-path is stuck and the control plane waits on a full command queue" {
	xtoed_start --cmodule "$STALL:7000"
	xtoe_echo_start 7000
	in_x ping -c 1 -W 2 "$TOPO_LADDR" >/dev/null
	# data on port 7000: the module stops the data-path inside its round
	limit 2 in_l bash -c "exec 3<>/dev/tcp/$TOPO_XADDR/7000; echo x >&3; sleep 5" || true
	# connects: one SYN command each, until the command queue is full
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$RUN" -- python3 \
		"$TOPO_ROOT/test/tools/connect_many.py" "$TOPO_LADDR" 9 3000 \
		>"$TOPO_DIR/conn.log" 2>&1
	count_settles "$TOPO_DIR/conn.log"
	n=$(count_of "$TOPO_DIR/conn.log")
	echo "# connects taken before the control plane stopped answering: $n" >&3
	[ "$n" -lt 3000 ] # the control plane waits for the stuck data-path
	ms=$(term_ms)
	echo "xtoed exited $ms ms after SIGTERM"
	cat "$TOPO_DIR/xtoed.log"
	echo "# xtoed exited $ms ms after SIGTERM" >&3
	[ "$ms" -lt 5000 ]
	grep -q "data-path: did not stop within" "$TOPO_DIR/xtoed.log"
	[ ! -e "$TOPO_SOCK" ] # its socket file is gone
}

# Wait (at most $1 s) until `xtoectl conns FILTER...` shows nothing.
conns_empty() {
	local n=$(( $1 * 10 ))
	shift
	for _ in $(seq "$n"); do
		"$TOPO_BIN/xtoectl" -j conns "$@" | grep -q '^{"conns":\[\]}$' && return 0
		sleep 0.1
	done
	"$TOPO_BIN/xtoectl" conns "$@" | head -5 >&3
	"$TOPO_BIN/xtoectl" -j conns "$@" | head -c 600 >&3
	"$TOPO_BIN/xtoectl" stats | grep -A5 drops >&3
	tail -20 "$TOPO_DIR/xtoed.log" >&3
	return 1
}

@test "a closed connection whose peer never sends its FIN ends after --fin-timeout (tcp_fin_timeout)" {
	xtoed_start --fin-timeout 2
	spawn_l python3 -c "
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 7400))
s.listen()
held = [s.accept() for _ in range(10)]" >/dev/null 2>&1
	for _ in $(seq 100); do
		[ -n "$(in_l ss -Hltn sport = :7400)" ] && break
		sleep 0.05
	done
	limit 20 in_x env XTOE_SOCK="$TOPO_SOCK" "$RUN" -- python3 -c "
import socket
s = socket.create_connection(('$TOPO_LADDR', 7400))
s.close()"
	# the peer took the FIN and never sends its own
	run in_l ss -Htn state close-wait sport = :7400
	[ -n "$output" ]
	conns_empty 15 --port 7400
}

MASS=$TOPO_ROOT/test/tools/mass_conn.py

# Run mass_conn.py in $1 (x or l) as $2 processes of $3 connections each
# to ADDR PORTS (rest of the arguments: ADDR PORTS [options]), all at once;
# fails when one fails or takes more than 120 s. Output in $TOPO_DIR/mc.*.
mass_conns() {
	local side=$1 procs=$2 n=$3 pids=() rc=0
	shift 3
	for i in $(seq "$procs"); do
		if [ "$side" = x ]; then
			spawn_x env XTOE_SOCK="$TOPO_SOCK" timeout -k 5 120 "$RUN" -- \
				python3 "$MASS" "$1" "$2" "$n" --tag "p$i" "${@:3}" \
				>"$TOPO_DIR/mc.$i" 2>&1
		else
			spawn_l timeout -k 5 120 python3 "$MASS" "$1" "$2" "$n" \
				--tag "p$i" "${@:3}" >"$TOPO_DIR/mc.$i" 2>&1
		fi
		pids+=("$SPAWN_PID")
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	[ "$rc" -eq 0 ] || cat "$TOPO_DIR"/mc.* >&3
	grep -h churn_rate "$TOPO_DIR"/mc.* | sed 's/^/# /' >&3
	return "$rc"
}

@test "churn: 3,000 Linux connections to an xtoe server, echoed and closed at once, three rounds; then new ones work and conns empties" {
	xtoed_start
	xtoe_echo_start 7000
	mass_conns l 2 1500 "$TOPO_XADDR" 7000 --rounds 3
	limit 30 in_l python3 "$MASS" "$TOPO_XADDR" 7000 1
	conns_empty 30 exclude listening
	run "$TOPO_BIN/xtoectl" -j conns state listening
	assert_output --partial '"local":"198.18.0.1:7000"'
}

@test "mass close: 4,000 connections of two xtoe applications closed at once; then new ones work and conns empties" {
	xtoed_start --time-wait-ms 500
	spawn_l "$ECHO" server --kernel -p 7100 >"$TOPO_DIR/lecho.log" 2>&1
	for _ in $(seq 100); do
		[ -n "$(in_l ss -Hltn sport = :7100)" ] && break
		sleep 0.05
	done
	mass_conns x 2 2000 "$TOPO_LADDR" 7100
	limit 30 in_x env XTOE_SOCK="$TOPO_SOCK" "$RUN" -- python3 "$MASS" "$TOPO_LADDR" 7100 1
	conns_empty 30
	grep -q "notes to the control plane" "$TOPO_DIR/xtoed.log" || true
}
