#!/usr/bin/env bats
# Bulk transfers over a lossy link: the Linux peer's veth drops, duplicates,
# reorders and corrupts segments both ways (test/bpf/impair.bpf.c; the
# kernel has no netem). 64 MiB each way, SHA-256 compared, xtoe in both
# roles; Linux must see the corrupted frames as checksum errors.

load helpers
source "$BATS_TEST_DIRNAME/../lib/impair.bash"

MIB64=$((64 * 1024 * 1024))
SHA=$BATS_TEST_DIRNAME/../tools/sha_stream.py

setup_file() {
	echo_suite_up
}

teardown_file() {
	impair_down >/dev/null || true
	topo_down
}

csum_errors() {
	in_l nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}'
}

# Linux client -> xtoe echo server: Linux sends 64 MiB, xtoe echoes them.
linux_client() {
	impair_up "$1" "$2"
	run limit 60 in_l python3 "$SHA" client "$TOPO_XADDR" 7000 "$MIB64"
	impair_down
	echo "$output"
	assert_success
	assert_line "bytes $MIB64"
}

# xtoe client -> Linux echo server: xtoe sends 64 MiB and checks every
# byte of the echo; the server checks the SHA-256 of what it received.
xtoe_client() {
	local port=$3
	spawn_l python3 "$SHA" server "$port" --pattern "$MIB64" >"$TOPO_DIR/sha$port.log" 2>&1
	local spid=$SPAWN_PID
	wait_port x "$TOPO_LADDR" "$port"
	impair_up "$1" "$2"
	run limit 60 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" stream -c "$TOPO_LADDR:$port" -b "$MIB64"
	impair_down
	local src=0
	wait "$spid" || src=$?
	cat "$TOPO_DIR/sha$port.log"
	assert_success
	assert_output --partial "bytes $MIB64 B"
	[ "$src" -eq 0 ]
}

@test "64 MiB each way, Linux client to xtoe server, 1% loss both ways (SHA-256)" {
	linux_client 1,0,0,0 1,0,0
}

@test "64 MiB each way, Linux client to xtoe server, 5% loss + dup, reorder, corruption" {
	local before after
	before=$(csum_errors)
	linux_client 5,1,1,1 5,1,1
	after=$(csum_errors)
	[ "$after" -gt "$before" ]
}

@test "64 MiB each way, xtoe client to Linux server, 1% loss both ways (SHA-256)" {
	xtoe_client 1,0,0,0 1,0,0 7201
}

@test "64 MiB each way, xtoe client to Linux server, 5% loss + dup, reorder, corruption" {
	xtoe_client 5,1,1,1 5,1,1 7202
}
