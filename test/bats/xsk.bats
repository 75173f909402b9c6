#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# AF_XDP port, steering program and rtnetlink helper on a veth pair between
# two namespaces made here: "a" holds the xtoe side (198.18.7.1), "b" a Linux
# peer (198.18.7.2). The probe (build/test/xsk_probe) answers a steered SYN
# with a SYN-ACK sent through the XSK; the peer's connect() succeeds only if
# that worked (the kernel of "a" would answer RST).

PROBE=${PROBE:-$BATS_TEST_DIRNAME/../../build/test/xsk_probe}
A_ADDR=198.18.7.1
B_ADDR=198.18.7.2

cleanup() {
	ip netns del "${P}a" 2>/dev/null || true
	ip netns del "${P}b" 2>/dev/null || true
}

setup_file() {
	export P="xk$$"
	[ "$(id -u)" -eq 0 ] || return 0
	cleanup
	if ! { ip netns add "${P}a" && ip netns add "${P}b" &&
	       ip link add "${P}xa" type veth peer name "${P}xb" &&
	       ip link set "${P}xa" netns "${P}a" &&
	       ip link set "${P}xb" netns "${P}b" &&
	       ip -n "${P}a" addr add $A_ADDR/24 dev "${P}xa" &&
	       ip -n "${P}b" addr add $B_ADDR/24 dev "${P}xb" &&
	       ip -n "${P}a" link set "${P}xa" up &&
	       ip -n "${P}b" link set "${P}xb" up &&
	       ip -n "${P}a" link set lo up && ip -n "${P}b" link set lo up &&
	       ip netns exec "${P}b" ethtool -K "${P}xb" tx off >/dev/null; }; then
		ip link del "${P}xa" 2>/dev/null
		cleanup
		return 1
	fi
}

teardown_file() {
	cleanup
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, XDP, AF_XDP)"
	[ -x "$PROBE" ] || skip "build the probe first: make build/test/xsk_probe"
	command -v ethtool >/dev/null || skip "needs ethtool"
}

# Not for background jobs: $! would be a subshell, not the probe.
in_a() { nsenter --net="/var/run/netns/${P}a" "$@"; }
in_b() { nsenter --net="/var/run/netns/${P}b" "$@"; }

# syn_roundtrip MODE PORT: probe in "a", connect from "b".
syn_roundtrip() {
	local out="$BATS_TEST_TMPDIR/probe.out" pid i
	nsenter --net="/var/run/netns/${P}a" "$PROBE" syn "${P}xa" $A_ADDR "$2" "$1" 5 >"$out" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		grep -q '^ready' "$out" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	run in_b timeout 3 bash -c "exec 3<>/dev/tcp/$A_ADDR/$2 && echo connected"
	local crc=$status cout=$output prc=0
	wait $pid || prc=$?
	echo "connect: $cout (rc $crc)"
	cat "$out"
	[ "$crc" -eq 0 ] && [ "$cout" = connected ]
	[ "$prc" -eq 0 ]
	grep -q '^syn-ack sent' "$out"
	grep -q '^accounted=yes' "$out"
}

@test "native XDP: a SYN to a listen port reaches the XSK and its SYN-ACK goes out" {
	syn_roundtrip native 7001
}

@test "skb XDP: a SYN to a listen port reaches the XSK and its SYN-ACK goes out" {
	syn_roundtrip skb 7002
}

@test "after exit no XDP program stays attached and the pin directory is gone" {
	syn_roundtrip skb 7003
	run ip -n "${P}a" link show "${P}xa"
	[[ "$output" != *xdp* ]]
	[ ! -e "/sys/fs/bpf/xtoe/${P}xa" ]
}

@test "a pin directory left by a killed process is replaced" {
	local out="$BATS_TEST_TMPDIR/probe.out" pid
	nsenter --net="/var/run/netns/${P}a" "$PROBE" syn "${P}xa" $A_ADDR 7004 skb 10 >"$out" 2>&1 &
	pid=$!
	for i in $(seq 100); do grep -q '^ready' "$out" && break; sleep 0.05; done
	kill -9 $pid 2>/dev/null || true
	wait $pid || true
	[ -d "/sys/fs/bpf/xtoe/${P}xa" ]
	syn_roundtrip native 7005
}

@test "a second xtoe on the interface is refused and names the owner" {
	local out="$BATS_TEST_TMPDIR/probe.out" pid
	nsenter --net="/var/run/netns/${P}a" "$PROBE" syn "${P}xa" $A_ADDR 7006 native 3 >"$out" 2>&1 &
	pid=$!
	for i in $(seq 100); do grep -q '^ready' "$out" && break; sleep 0.05; done
	run in_a "$PROBE" syn "${P}xa" $A_ADDR 7007 skb 1
	kill $pid 2>/dev/null || true
	wait $pid || true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"another xtoe process (pid $pid) serves this interface"* ]]
}

@test "a foreign XDP program is refused with the command that detaches it" {
	local obj="$BATS_TEST_DIRNAME/../../build/test/peer_pass.bpf.o"
	[ -f "$obj" ] || skip "build/test/peer_pass.bpf.o not built"
	in_a ip link set dev "${P}xa" xdpgeneric obj "$obj" sec xdp
	run in_a "$PROBE" syn "${P}xa" $A_ADDR 7007 skb 1
	in_a ip link set dev "${P}xa" xdpgeneric off
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"another XDP program is already attached"* ]]
	[[ "$output" == *"ip link set dev ${P}xa xdp off"* ]]
}

@test "hardware offload mode is refused on veth with a clear message" {
	run in_a "$PROBE" syn "${P}xa" $A_ADDR 7008 hw 1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"hardware offload is not supported by this device/driver (veth)"* ]]
}

@test "netlink: route to the peer is on-link and its MAC gets resolved" {
	ip -n "${P}a" neigh flush dev "${P}xa"
	run in_a "$PROBE" neigh "${P}xa" $B_ADDR 3
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"gw=$B_ADDR"* ]]
	local mac
	mac=$(ip -n "${P}b" -br link show "${P}xb" | awk '{print $3}')
	[[ "$output" == *"mac $mac"* ]]
}

@test "netlink: an address without a route is unreachable" {
	run in_a "$PROBE" neigh "${P}xa" 198.19.254.1 1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"route: Network is unreachable"* ]]
}

# The kernel sends at most its per-socket budget of frames per copy-mode
# kick (32 unless XDP_MAX_TX_SKB_BUDGET, Linux 6.17, raises it); the port
# raises it to its ring and kicks once per round, not per local batch.
@test "a round's queued frames go out with one kick per kernel budget" {
	local v
	v=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
	[ "$v" -ge 6017 ] || skip "XDP_MAX_TX_SKB_BUDGET needs Linux 6.17"
	run in_a timeout 10 "$PROBE" burst "${P}xa" 512
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"burst frames=512 tx=512 kicks=1 budget=1024 pending=0"* ]]
	[[ "$output" == *"accounted=yes"* ]]
}
