#!/usr/bin/env bats
# Merged transmit (xtoed --tx-gso, daemon/port/xsk_gso.c): xtoe sending a
# checked stream whose runs of segments leave as GSO frames, to a Linux peer
# that takes them whole (xtoe's end with TSO) or as the kernel's segments
# (without), and to a second xtoed whose XDP chain receives the segments.

load helpers

SHA=$BATS_TEST_DIRNAME/../tools/sha_stream.py
CTL=$TOPO_BIN/xtoectl
BYTES=$((32 * 1024 * 1024))

setup() {
	require_root
	topo_up
}

teardown() {
	topo_down
}

# A counter of `xtoectl stats` on xtoe's side.
stat_of() {
	in_x "$CTL" stats | awk -v k="$1" '$1 == k { print $2; exit }'
}

# xtoe-echo streams BYTES to a checking echo server on the Linux side (port
# 7100): the server checks the SHA-256 of what arrived, xtoe-echo every
# byte of the echo.
stream_to_linux() {
	spawn_l python3 "$SHA" server 7100 --pattern "$BYTES" >"$TOPO_DIR/sha.log" 2>&1
	local spid=$SPAWN_PID src=0
	wait_port x "$TOPO_LADDR" 7100
	run limit 60 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" stream -c "$TOPO_LADDR:7100" -b "$BYTES"
	wait "$spid" || src=$?
	cat "$TOPO_DIR/sha.log"
	assert_success
	assert_output --partial "bytes $BYTES B"
	[ "$src" -eq 0 ]
}

csum_errors() {
	in_l nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}'
}

@test "tx-gso: xtoe's end with TSO: merged frames reach a Linux peer whole and every byte arrives" {
	in_x ethtool -K "$TOPO_XIF" tx on >/dev/null
	xtoed_start --tx-gso auto
	stream_to_linux
	local frames segs
	frames=$(stat_of xsk_gso_frames) segs=$(stat_of xsk_gso_segs)
	echo "gso frames $frames carrying $segs segments"
	[ "$frames" -gt 0 ]
	[ "$segs" -ge $((2 * frames)) ]
	[ "$(csum_errors)" -eq 0 ]
}

@test "tx-gso: xtoe-dump sees a merged frame as its segments, never also whole" {
	need tcpdump
	in_x ethtool -K "$TOPO_XIF" tx on >/dev/null
	xtoed_start --tx-gso on
	dump_start /dev/null "$TOPO_DIR/d.err" -s 128 -w "$TOPO_DIR/d.pcap" -U tcp port 7100
	BYTES=$((4 * 1024 * 1024)) stream_to_linux
	dump_stop
	local big data
	big=$(tcpdump -nn -r "$TOPO_DIR/d.pcap" greater 1515 2>/dev/null | wc -l)
	data=$(tcpdump -nn -r "$TOPO_DIR/d.pcap" src host "$TOPO_XADDR" and greater 1500 2>/dev/null | wc -l)
	echo "frames over 1514 bytes: $big; full segments from xtoe: $data; gso frames $(stat_of xsk_gso_frames)"
	[ "$(stat_of xsk_gso_frames)" -gt 0 ]
	[ "$big" -eq 0 ]
	[ "$data" -gt 0 ]
}

@test "tx-gso: without TSO, auto sends frame by frame and on lets the kernel segment; both intact" {
	xtoed_start --tx-gso auto # topo_up turned xtoe's end's offloads off
	stream_to_linux
	[ "$(stat_of xsk_gso_frames)" -eq 0 ]
	grep -q "merged transmit off: the interface has no TSO" "$TOPO_DIR/xtoed.log"
	xtoed_stop
	xtoed_start --tx-gso on
	stream_to_linux
	[ "$(stat_of xsk_gso_frames)" -gt 0 ]
	[ "$(csum_errors)" -eq 0 ]
}

@test "tx-gso: xtoe to xtoe, the peer's XDP chain receives the kernel's segments intact" {
	xtoed_start --tx-gso on
	rm -f "$TOPO_DIR/l.sock"
	spawn_l "$TOPO_BIN/xtoed" --iface "$TOPO_LIF" --addr "$TOPO_LADDR/24" \
		--sock "$TOPO_DIR/l.sock" --fw-file none >"$TOPO_DIR/l.log" 2>&1
	for _ in $(seq 100); do [ -S "$TOPO_DIR/l.sock" ] && break; sleep 0.05; done
	spawn_l env XTOE_SOCK="$TOPO_DIR/l.sock" "$ECHO" server -p 7200 >"$TOPO_DIR/lecho.log" 2>&1
	sleep 0.5
	run limit 60 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" stream -c "$TOPO_LADDR:7200" -b "$BYTES"
	echo "$output"
	assert_success
	assert_output --partial "bytes $BYTES B"
	[ "$(stat_of xsk_gso_frames)" -gt 0 ]
}

@test "tx-gso: a bad value is refused with the choices" {
	run "$TOPO_BIN/xtoed" --iface "$TOPO_XIF" --tx-gso maybe
	assert_failure
	assert_output --partial "bad --tx-gso 'maybe': auto, on or off"
}
