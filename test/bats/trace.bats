#!/usr/bin/env bats
# xtoectl trace on a live daemon: a transfer from the Linux side through the
# echo server shows the connection's states from the handshake to the close,
# RTT samples and cwnd changes; the port filter keeps other ports out; -j
# lines parse; -c stops.

load helpers

CTL=$TOPO_BIN/xtoectl

setup_file() {
	require_root
	topo_up
	xtoed_start
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7000 >"$TOPO_DIR/echo.log" 2>&1
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7001 >"$TOPO_DIR/echo1.log" 2>&1
	wait_port l "$TOPO_XADDR" 7000
	wait_port l "$TOPO_XADDR" 7001
}

teardown_file() {
	topo_down
}

# trace ARGS... in the background into $TOPO_DIR/trace.out, then a transfer
# to each port; waits for the trace to end (-t or -c).
traced() {
	limit 20 "$CTL" trace "$@" >"$TOPO_DIR/trace.out" 2>"$TOPO_DIR/trace.err" &
	local pid=$!
	sleep 0.3
	for port in 7000 7001; do
		limit 10 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:$port" -b 256K >/dev/null 2>&1
	done
	wait "$pid"
}

@test "trace shows states, rtt and cwnd of a transfer; port filter" {
	traced -t 3 port 7000
	run cat "$TOPO_DIR/trace.out"
	assert_line --regexp "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} $TOPO_XADDR:7000 $TOPO_LADDR:[0-9]+ state LISTEN -> SYN-RECEIVED$"
	assert_line --regexp " state SYN-RECEIVED -> ESTABLISHED$"
	assert_line --regexp " state ESTABLISHED -> (CLOSE-WAIT|FIN-WAIT-1)$"
	assert_line --regexp " state (LAST-ACK -> CLOSED|[A-Z-]+ -> TIME-WAIT)$"
	assert_line --regexp " rtt [0-9]+ us srtt [0-9]+ us rttvar [0-9]+ us$"
	assert_line --regexp " cwnd [0-9]+ -> [0-9]+ ssthresh [0-9]+$"
	refute_line --partial ":7001 "
}

@test "trace -j lines parse; --events keeps only those types" {
	traced -j -t 3 --events state,rtt
	[ -s "$TOPO_DIR/trace.out" ]
	run python3 -c "
import json, sys
ev = [json.loads(l) for l in open('$TOPO_DIR/trace.out')]
import time
assert all(abs(e['ts'] - time.time()) < 60 for e in ev), 'wall-clock times'
print(sorted({e['event'] for e in ev}), sorted({e['lport'] for e in ev}))"
	assert_success
	assert_output "['rtt', 'state'] [7000, 7001]"
}

@test "trace -c stops after N events" {
	traced -c 3
	run cat "$TOPO_DIR/trace.out"
	[ "${#lines[@]}" -eq 3 ]
}

@test "trace with a bad filter is a usage error; without a daemon exit 1" {
	run "$CTL" trace port
	assert_equal "$status" 2
	for bad in "port abc" "port 99999" "port 0" "host 1.2.3" "port 80 port 81" "frob 1"; do
		run limit 10 "$CTL" trace $bad
		assert_equal "$status" 2
		[ "${#lines[@]}" -eq 2 ] # one line and a hint
		assert_line --index 1 "Try 'xtoectl --help' for more information."
	done
	run "$CTL" -j trace port abc
	assert_equal "$status" 2
	echo "$output" | python3 -m json.tool >/dev/null
	run "$CTL" trace --events bogus
	assert_equal "$status" 2
	run "$CTL" -j --sock "$TOPO_DIR/nothing.sock" trace
	assert_equal "$status" 1
	echo "$output" | tail -1 | python3 -m json.tool >/dev/null
}
