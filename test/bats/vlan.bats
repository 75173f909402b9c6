#!/usr/bin/env bats
# 802.1Q-tagged traffic from a Linux peer reaches xtoe through the built-in
# vlan_strip module and the replies go back tagged. The peer has no VLAN
# devices (no 8021q module), so test/tools/vlan_peer.py speaks TCP with
# hand-made tagged frames on a raw socket.

load helpers

PEER=$BATS_TEST_DIRNAME/../tools/vlan_peer.py

setup_file() {
	echo_suite_up
}

teardown_file() {
	topo_down
}

xmac() {
	in_x ip -j link show "$TOPO_XIF" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'
}

@test "a tagged connection from Linux is served by xtoe and its replies come back tagged" {
	run limit 20 in_l python3 "$PEER" "$TOPO_LIF" 100 "$TOPO_LADDR" "$TOPO_XADDR" 7000 "$(xmac)"
	echo "$output"
	assert_success
	assert_line "synack vlan 100"
	assert_line "echo vlan 100 ok"
	run "$TOPO_BIN/xtoectl" -j module list
	assert_output --regexp '"name":"vlan_strip","slot":[0-9]+,"prog_id":[0-9]+,"builtin":true,"final":false,"seen":[1-9]'
}

@test "another VLAN id on the same listener gets its own tag back" {
	run limit 20 in_l python3 "$PEER" "$TOPO_LIF" 3001 "$TOPO_LADDR" "$TOPO_XADDR" 7000 "$(xmac)" --msg "second vlan"
	assert_success
	assert_line "synack vlan 3001"
	assert_line "echo vlan 3001 ok"
}

@test "untagged traffic still works next to tagged connections" {
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 1M
	assert_success
	run limit 5 in_l ping -c 1 -W 1 "$TOPO_XADDR"
	assert_success
}
