#!/usr/bin/env bats
# C modules (include/xtoe/cmodule.h) loaded by xtoed --cmodule: the example
# segstat sees the segments and connection events of a transfer; files that
# are not C modules are refused with a clear message.

load helpers

SEGSTAT=$TOPO_ROOT/build/examples/cmodules/segstat.so

setup() {
	require_root
}

teardown() {
	topo_down
}

@test "segstat counts the segments and connections of a transfer" {
	topo_up
	xtoed_start --cmodule "$SEGSTAT:$TOPO_DIR/segstat.txt"
	xtoe_echo_start
	local echo_pid=$SPAWN_PID
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 1M
	assert_success
	sleep 0.2
	kill "$echo_pid"
	xtoed_stop
	run cat "$TOPO_DIR/segstat.txt"
	assert_success
	read -r _ _ rx_segs _ rx_bytes _ tx_segs _ tx_bytes _ syn _ fin _ rst _ opens _ closes <<<"$output"
	echo "$output"
	[ "$rx_bytes" -ge 1048576 ]
	[ "$tx_bytes" -ge 1048576 ]
	[ "$rx_segs" -gt 10 ] && [ "$tx_segs" -gt 10 ]
	[ "$opens" -ge 1 ]
	[ "$fin" -ge 1 ]
}

@test "a file that is not a C module is refused at start" {
	topo_up
	run limit 10 in_x "$TOPO_BIN/xtoed" --iface "$TOPO_XIF" --addr "$TOPO_XADDR/24" \
		--sock "$TOPO_DIR/x.sock" --cmodule "$TOPO_ROOT/build/lib/libxtoe.so"
	assert_equal "$status" 1
	assert_output --partial "is not an xtoe C module"
	run limit 10 in_x "$TOPO_BIN/xtoed" --iface "$TOPO_XIF" --addr "$TOPO_XADDR/24" \
		--sock "$TOPO_DIR/x.sock" --cmodule /nonexistent/mod.so
	assert_equal "$status" 1
	assert_output --partial "cannot load C module /nonexistent/mod.so"
}

@test "xtoectl cmodule add loads a C module into the running daemon" {
	topo_up
	xtoed_start
	xtoe_echo_start
	local echo_pid=$SPAWN_PID
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 1M
	assert_success
	run "$TOPO_BIN/xtoectl" cmodule add "$TOPO_ROOT/build/lib/libxtoe.so"
	assert_equal "$status" 1
	assert_output --partial "is not an xtoe C module"
	run "$TOPO_BIN/xtoectl" -j cmodule add "$SEGSTAT:$TOPO_DIR/segstat.txt"
	assert_success
	assert_output '{"cmodule":"segstat"}'
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 1M
	assert_success
	sleep 0.2
	kill "$echo_pid"
	xtoed_stop
	run cat "$TOPO_DIR/segstat.txt"
	read -r _ _ rx_segs _ rx_bytes _ tx_segs _ tx_bytes _ <<<"$output"
	echo "$output"
	# the second transfer only
	[ "$rx_bytes" -ge 1048576 ] && [ "$rx_bytes" -lt 2097152 ]
	[ "$tx_bytes" -ge 1048576 ] && [ "$tx_bytes" -lt 2097152 ]
}
