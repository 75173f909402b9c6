#!/usr/bin/env bats
# xtoe-proxy (examples/proxy): a Linux client, the proxy on xtoe, a Linux
# echo server behind it.

load helpers

PROXY=$TOPO_BIN/xtoe-proxy

setup_file() {
	require_root
	topo_up
	xtoed_start
	spawn_l "$ECHO" server --kernel -p 7100 >"$TOPO_DIR/kecho.log" 2>&1
	wait_port l "$TOPO_LADDR" 7100
}

teardown_file() {
	topo_down
}

@test "the copying proxy relays 16 MiB between a Linux client and a Linux server, checksums equal" {
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$PROXY" -l 7200 -c "$TOPO_LADDR:7100" >"$TOPO_DIR/proxy.log" 2>&1
	local ppid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 7200
	run limit 60 in_l python3 "$BATS_TEST_DIRNAME/splice_client.py" "$TOPO_XADDR" 7200 $((16 * 1024 * 1024)) 0
	kill "$ppid"
	wait "$ppid" || true
	assert_success
	assert_line "sha256 match"
	run cat "$TOPO_DIR/proxy.log"
	assert_line "copied 33554432 B"
}

@test "splicing two connections without the splice module fails with a message naming the fix" {
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$PROXY" -l 7201 -c "$TOPO_LADDR:7100" --splice >"$TOPO_DIR/proxy2.log" 2>&1
	local ppid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 7201
	run limit 60 in_l python3 "$BATS_TEST_DIRNAME/splice_client.py" "$TOPO_XADDR" 7201 $((1024 * 1024)) 0.3
	kill "$ppid"
	wait "$ppid" || true
	assert_success
	assert_line "sha256 match"
	run cat "$TOPO_DIR/proxy2.log"
	assert_output --partial "xtoectl module add splice"
	assert_line "spliced 0"
}

@test "the splicing proxy relays 16 MiB in the XDP hook: checksums equal, nothing copied" {
	in_x "$TOPO_BIN/xtoectl" -s "$TOPO_SOCK" module add splice
	topo_peer_xdp # XDP_TX on a veth reaches a peer with an XDP program only
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$PROXY" -l 7202 -c "$TOPO_LADDR:7100" --splice >"$TOPO_DIR/proxy3.log" 2>&1
	local ppid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 7202
	run limit 60 in_l python3 "$BATS_TEST_DIRNAME/splice_client.py" "$TOPO_XADDR" 7202 $((16 * 1024 * 1024)) 0.5
	kill "$ppid"
	wait "$ppid" || true
	assert_success
	assert_line "sha256 match"
	run cat "$TOPO_DIR/proxy3.log"
	assert_line "spliced 1"
	assert_line "copied 0 B"
	# 2 x 16 MiB at most 1448 B a segment: at least 23170 frames the module sent
	run in_x "$TOPO_BIN/xtoectl" -s "$TOPO_SOCK" -j module list
	assert_success
	local tx
	tx=$(python3 -c 'import json,sys; print(next(m["verdicts"]["tx"] for m in json.load(sys.stdin)["modules"] if m["name"] == "splice"))' <<<"$output")
	[ "$tx" -ge $((2 * 16 * 1024 * 1024 / 1448)) ] || { echo "splice tx $tx"; false; }
}
