#!/usr/bin/env bats
# A multi-queue interface (a veth pair with four queues each end, so the
# Linux peer's flows land on different receive queues): xtoed serves every
# queue with its own AF_XDP socket, or the queues --queues names.

load helpers

setup() {
	require_root
	TOPO_QUEUES=4 topo_up
}

teardown() {
	topo_down
}

# XDP packets the xtoe side's receive queue Q saw
queue_packets() {
	in_x ethtool -S "$TOPO_XIF" | awk -v q="rx_queue_$1_xdp_packets:" '$1 == q { print $2 }'
}

# 16 checked streams from as many Linux connections: 0 when all came back
streams() {
	local i
	for i in $(seq 16); do
		limit 20 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 64K >/dev/null || return 1
	done
}

@test "every queue of a four-queue interface is served: flows on all of them echo intact" {
	xtoed_start -v
	grep -q "serving 4 queues" "$TOPO_DIR/xtoed.log"
	xtoe_echo_start 7000
	streams
	local used=0 q
	for q in 0 1 2 3; do
		[ "$(queue_packets $q)" -gt 0 ] && used=$((used + 1))
	done
	echo "queues that carried frames: $used"
	[ "$used" -ge 2 ]
}

@test "--queues picks queues; a queue the interface lacks is refused with a message" {
	run limit 20 in_x "$TOPO_BIN/xtoed" --iface "$TOPO_XIF" --addr "$TOPO_XADDR/24" \
		--sock "$TOPO_DIR/x.sock" --fw-file none --queues 0,7
	assert_failure
	assert_output --partial "has 4 queues (ethtool -l); there is no queue 7"
	run "$TOPO_BIN/xtoed" --iface "$TOPO_XIF" --addr "$TOPO_XADDR/24" --queues 1-0
	assert_equal "$status" 2
	assert_output --partial "bad --queues '1-0'"
	xtoed_start -v --queues 0-1,3
	grep -q "serving 3 queues" "$TOPO_DIR/xtoed.log"
}
