#!/usr/bin/env bats
# Bulk transfers over a lossy link: the Linux peer's veth drops, duplicates,
# reorders and corrupts segments both ways (test/bpf/impair.bpf.c; the
# kernel has no netem). 64 MiB each way, SHA-256 compared, xtoe in both
# roles; Linux must see the corrupted frames as checksum errors.

load helpers

LOSSY_BYTES=$((64 * 1024 * 1024))
load lossy

setup_file() {
	echo_suite_up
}

teardown_file() {
	impair_down >/dev/null || true
	topo_down
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
