#!/usr/bin/env bats
# xtoectl stats and conns on a live daemon: counters move with traffic,
# the JSON parses, and the table shows a connection a Linux client holds
# open, with its state and owner.

load helpers

CTL=$TOPO_BIN/xtoectl

setup_file() {
	require_root
	topo_up
	xtoed_start
	xtoe_echo_start
	export ECHO_PID=$SPAWN_PID
	# one connection held open for the tests
	spawn_l python3 -c "
import socket, time
s = socket.create_connection(('$TOPO_XADDR', 7000))
s.sendall(b'x' * 100)
time.sleep(60)" >/dev/null 2>&1
}

teardown_file() {
	topo_down
}

json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

@test "stats -j parses and counts received and sent segments" {
	limit 10 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 16K >/dev/null 2>&1
	sleep 0.2
	run "$CTL" -j stats
	assert_success
	echo "$output" | python3 -m json.tool >/dev/null
	[ "$(echo "$output" | json_get 'd["datapath"]["rx_segs"]')" -gt 10 ]
	[ "$(echo "$output" | json_get 'd["af_xdp"]["xsk_tx"]')" -gt 0 ]
	[ "$(echo "$output" | json_get 'len(d["drops"])')" -gt 3 ]
	[ "$(echo "$output" | json_get '[m["name"] for m in d["modules"]][-1]')" = steer ]
	run "$CTL" stats
	assert_success
	assert_line --regexp '^  rx_segs +[1-9][0-9]*$'
}

@test "conns shows the listener and the open connection with state and pid" {
	run "$CTL" -j conns
	assert_success
	echo "$output" | python3 -m json.tool >/dev/null
	run bash -c "'$CTL' -j conns --state established --port 7000 | python3 -c '
import json, sys
c = json.load(sys.stdin)[\"conns\"]
print(len(c), c[0][\"local\"], c[0][\"pid\"])'"
	assert_success
	assert_output "1 $TOPO_XADDR:7000 $ECHO_PID"
	run "$CTL" conns
	assert_line --index 0 --regexp '^State +Recv-Q +Send-Q +Local +Peer'
	assert_line --regexp "^LISTEN +0 +0 +$TOPO_XADDR:7000 "
	assert_line --regexp "^ESTABLISHED +0 +0 +$TOPO_XADDR:7000 +$TOPO_LADDR:[0-9]+ "
	run "$CTL" -j conns --state syn-sent
	assert_output '{"conns":[]}'
}

@test "stats and conns without a daemon fail with exit 1 and a JSON error" {
	run "$CTL" -j --sock "$TOPO_DIR/nothing.sock" stats
	assert_equal "$status" 1
	echo "$output" | tail -1 | python3 -m json.tool >/dev/null
}
