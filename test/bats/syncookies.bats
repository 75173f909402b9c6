#!/usr/bin/env bats
# Listen backlog overflow (RFC 4987): half-open connections from addresses
# that never answer fill the backlog; real clients still get in through
# SYN cookies.

load helpers

setup_file() {
	require_root
	topo_up
	xtoed_start -v
	xtoe_echo_start
}

teardown_file() {
	topo_down
}

@test "with the listen backlog full of half-open connections, clients connect through SYN cookies" {
	# the echo server's backlog is 1024
	run limit 20 in_l python3 "$BATS_TEST_DIRNAME/../tools/synflood.py" "$TOPO_XADDR" 7000 1100
	assert_success
	sleep 0.5
	run limit 20 in_l "$ECHO" client --kernel -c "$TOPO_XADDR:7000" -n 4 -s 64 -d 1
	assert_success
	assert_line --regexp '^rps [0-9.]+ req/s$'
	xtoed_stop || true # started by setup_file: not our child
	run grep -o 'syn_cookies [0-9]* cookies_ok [0-9]*' "$TOPO_DIR/xtoed.log"
	echo "$output"
	assert_output --regexp 'syn_cookies [1-9][0-9]* cookies_ok [1-9]'
}
