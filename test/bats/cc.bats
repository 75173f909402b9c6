#!/usr/bin/env bats
# Congestion control per daemon (xtoed --cc): each algorithm moves 16 MiB
# each way over a link with 1 % loss each way, in both roles.

load helpers
source "$BATS_TEST_DIRNAME/../lib/impair.bash"

MIB16=$((16 * 1024 * 1024))
SHA=$BATS_TEST_DIRNAME/../tools/sha_stream.py

setup_file() {
	require_root
	topo_up
	spawn_l "$ECHO" server --kernel -p 7300 >"$TOPO_DIR/lecho.log" 2>&1
	impair_up 1,0,0,0 1,0,0
}

teardown_file() {
	impair_down >/dev/null || true
	topo_down
}

teardown() {
	xtoed_stop || true
}

both_roles() {
	xtoed_start --cc "$1"
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7000 >"$TOPO_DIR/echo-$1.log" 2>&1
	wait_port l "$TOPO_XADDR" 7000
	run limit 30 in_l python3 "$SHA" client "$TOPO_XADDR" 7000 "$MIB16"
	assert_success
	run limit 30 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" stream -c "$TOPO_LADDR:7300" -b "$MIB16"
	assert_success
	assert_output --partial "bytes $MIB16 B"
}

@test "--cc newreno: 16 MiB each way at 1% loss, both roles" {
	both_roles newreno
}

@test "--cc cubic: 16 MiB each way at 1% loss, both roles" {
	both_roles cubic
}

@test "--cc dctcp (with ECN): 16 MiB each way at 1% loss, both roles" {
	both_roles dctcp
}
