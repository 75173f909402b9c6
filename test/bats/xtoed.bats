#!/usr/bin/env bats
# The daemon's command line and its clean-up.

load helpers

setup() {
	require_root
}

teardown() {
	topo_down
}

@test "xtoed --help describes the options" {
	run "$TOPO_BIN/xtoed" --help
	assert_success
	assert_output --partial "--iface IF"
	assert_output --partial "--busy-poll"
}

@test "xtoed without --iface is a usage error (exit 2)" {
	run "$TOPO_BIN/xtoed" --addr 198.18.0.1/24
	assert_equal "$status" 2
	assert_output --partial "--iface and --addr are required"
}

@test "xtoed with an unknown --cc is a usage error (exit 2)" {
	run "$TOPO_BIN/xtoed" --iface lo --addr 198.18.0.1/24 --cc vegas
	assert_equal "$status" 2
	assert_output --partial "bad --cc 'vegas'"
}

@test "xtoed --placement: an unknown one, thread or pipeline with --workers 2, --pre-threads without pipeline are usage errors (exit 2)" {
	run "$TOPO_BIN/xtoed" --iface lo --addr 198.18.0.1/24 --placement stages
	assert_equal "$status" 2
	assert_output --partial "bad --placement 'stages': thread, queue or pipeline"
	run "$TOPO_BIN/xtoed" --iface lo --addr 198.18.0.1/24 --placement thread --workers 2
	assert_equal "$status" 2
	assert_output --partial "--placement thread runs one worker"
	run "$TOPO_BIN/xtoed" --iface lo --addr 198.18.0.1/24 --placement pipeline --workers 2
	assert_equal "$status" 2
	assert_output --partial "--placement pipeline has one protocol worker"
	run "$TOPO_BIN/xtoed" --iface lo --addr 198.18.0.1/24 --pre-threads 2
	assert_equal "$status" 2
	assert_output --partial "--pre-threads is for --placement pipeline"
}

@test "xtoed on a missing interface says so" {
	run "$TOPO_BIN/xtoed" --iface nosuchif0 --addr 198.18.0.1/24 --sock /tmp/none.sock
	assert_equal "$status" 1
	assert_output --partial "no interface 'nosuchif0'"
}

@test "xtoed removes its XDP program, pins and socket on SIGTERM" {
	topo_up
	xtoed_start
	run in_x ip -d link show "$TOPO_XIF"
	assert_output --partial "prog/xdp"
	[ -d /sys/fs/bpf/xtoe/"$TOPO_XIF" ]
	xtoed_stop
	run in_x ip -d link show "$TOPO_XIF"
	refute_output --partial "prog/xdp"
	[ ! -e /sys/fs/bpf/xtoe/"$TOPO_XIF" ]
	[ ! -e "$TOPO_SOCK" ]
}

@test "a killed xtoed leaves no XDP program behind (bpf_link)" {
	topo_up
	xtoed_start
	kill -9 "$XTOED_PID"
	wait "$XTOED_PID" 2>/dev/null || true
	XTOED_PID=
	run in_x ip -d link show "$TOPO_XIF"
	refute_output --partial "prog/xdp"
	# and a new daemon starts over the stale pins and socket
	xtoed_start
	run in_l ping -c 1 -W 2 "$TOPO_XADDR"
	assert_success
}

# counter NAME [SECTION, default datapath] from xtoectl -j stats
dp_counter() {
	"$TOPO_BIN/xtoectl" -j --sock "$TOPO_SOCK" stats |
		python3 -c "import json,sys; print(json.load(sys.stdin)['${2:-datapath}']['$1'])"
}

@test "a jumbo MTU (9000): multi-buffer AF_XDP carries 9000-byte segments both ways, data intact" {
	topo_up
	in_x ip link set "$TOPO_XIF" mtu 9000
	in_l ip link set "$TOPO_LIF" mtu 9000
	xtoed_start
	! grep -q "segments are limited" "$TOPO_DIR/xtoed.log"
	xtoe_echo_start 7000
	run limit 60 in_l "$TOPO_BIN/xtoe-echo" stream --kernel -c "$TOPO_XADDR:7000" -b 8M
	assert_success
	assert_output --partial "bytes 8388608"
	# 8 MiB each way in segments of up to 8948 bytes: far fewer than the
	# 5,800 a 1500-byte MTU needs for one direction
	local rx tx
	rx=$(dp_counter rx_segs)
	tx=$(dp_counter tx_segs)
	echo "rx_segs $rx tx_segs $tx"
	[ "$rx" -lt 2500 ] && [ "$tx" -lt 2500 ]
	[ "$tx" -gt 900 ]
	# a 9000-byte frame leaves as three descriptors of 4 KiB UMEM frames
	# (six of 2 KiB ones cost the kernel a page each): every descriptor
	# is a data segment's third or less, or a pure ACK
	local desc acks
	desc=$(dp_counter xsk_tx af_xdp)
	acks=$(dp_counter tx_acks)
	echo "descriptors $desc acks $acks"
	[ "$desc" -le $((3 * tx + acks + 16)) ]
}

@test "a jumbo MTU without multi-buffer frames: segments are clamped to the frames, data intact" {
	topo_up
	in_x ip link set "$TOPO_XIF" mtu 9000
	in_l ip link set "$TOPO_LIF" mtu 9000
	xtoed_start --no-sg
	grep -q "segments are limited to 1734 bytes" "$TOPO_DIR/xtoed.log"
	xtoe_echo_start 7000
	run limit 60 in_l "$TOPO_BIN/xtoe-echo" stream --kernel -c "$TOPO_XADDR:7000" -b 4M
	assert_success
	assert_output --partial "bytes 4194304"
}
