#!/usr/bin/env bats
# xtoectl fw on a live interface: rules block what they name and nothing
# else, count their hits, go away with `fw del`; sets, negation, service
# names, positions and comments as nft has them; rule files apply all or
# nothing and report every error; the built-in modules are protected; the
# rules survive a restart of the daemon and stay in force while none runs.

load helpers

CTL=$TOPO_BIN/xtoectl

setup_file() {
	require_root
	topo_up
	export FW_FILE=$TOPO_DIR/fw.rules
	xtoed_start --fw-file "$FW_FILE"
	xtoe_echo_start
}

teardown_file() {
	topo_down
}

teardown() {
	[ -S "$TOPO_SOCK" ] && "$CTL" fw flush >/dev/null 2>&1 || true
}

ping_ok() { in_l ping -c 1 -W 1 "$TOPO_XADDR" >/dev/null 2>&1; }
echo_ok() { limit "${1:-10}" in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 64K >/dev/null 2>&1; }

# Field of rule HANDLE in `fw list -j`: rule_field HANDLE packets|bytes|rule
rule_field() {
	"$CTL" -j fw list | python3 -c '
import json, sys
for r in json.load(sys.stdin)["rules"]:
    if r["handle"] == int(sys.argv[1]): print(r[sys.argv[2]])' "$1" "$2"
}

@test "a rule drops what it names and nothing else; its counter counts; del restores" {
	run "$CTL" fw add drop proto tcp src 198.18.0.2/32 dport 7000
	assert_success
	assert_output "fw: rule 1 added"
	run "$CTL" module list
	assert_line --regexp '^1 +firewall .*\(built-in, protected\)$'
	ping_ok
	run echo_ok 3
	assert_failure
	[ "$(rule_field 1 packets)" -gt 0 ]
	[ "$(rule_field 1 bytes)" -gt 40 ]
	run "$CTL" fw list
	assert_line --regexp '^ +1 +[1-9][0-9]* +[1-9][0-9]*  drop proto tcp src 198.18.0.2 dport 7000$'
	run "$CTL" fw del 1
	assert_success
	echo_ok
	run "$CTL" fw del 1
	assert_equal "$status" 1
}

@test "rules are tried in order; pass and ranges; -j output parses" {
	"$CTL" fw add --handle 10 drop proto icmp
	"$CTL" fw add drop proto tcp dport 6000-7999
	run ping_ok
	assert_failure
	run echo_ok 3
	assert_failure
	run "$CTL" -j fw list
	assert_success
	echo "$output" | python3 -m json.tool >/dev/null
	assert_output --partial '"handle":11'
	"$CTL" fw flush
	"$CTL" fw add pass proto tcp dport 7000
	"$CTL" fw add drop proto tcp dport 6000-7999
	echo_ok
	run "$CTL" -j fw add drop proto tcp dport 99999
	assert_equal "$status" 1
	echo "$output" | python3 -m json.tool >/dev/null
	assert_output --partial "bad dport"
	run "$CTL" fw add frob
	assert_equal "$status" 1
}

@test "fw apply is all or nothing and names the bad line; save round-trips" {
	"$CTL" fw add drop proto icmp
	printf '# good, then bad\ndrop proto udp dport 53\n\ndrop proto tcp dport 70000\n' >"$TOPO_DIR/bad.rules"
	run "$CTL" fw apply "$TOPO_DIR/bad.rules"
	assert_equal "$status" 1
	assert_output --partial "bad.rules:4: bad dport '70000'"
	run "$CTL" -j fw apply "$TOPO_DIR/bad.rules"
	echo "$output" | python3 -m json.tool >/dev/null
	run "$CTL" fw save
	assert_output "handle 1 drop proto icmp"
	printf 'drop proto udp dport 53   # dns\npass src 198.18.0.0/15\n' >"$TOPO_DIR/good.rules"
	run "$CTL" fw apply "$TOPO_DIR/good.rules"
	assert_success
	run "$CTL" fw save
	assert_output "$(printf 'handle 1 drop proto udp dport 53\nhandle 2 pass src 198.18.0.0/15')"
	"$CTL" fw save >"$TOPO_DIR/saved.rules"
	"$CTL" fw apply "$TOPO_DIR/saved.rules"
	run "$CTL" fw save
	assert_output "$(cat "$TOPO_DIR/saved.rules")"
}

@test "built-in modules are protected: module del firewall/vlan_strip/steer is refused, the rules survive" {
	"$CTL" fw add --handle 5 drop proto icmp
	for m in firewall vlan_strip steer; do
		run "$CTL" module del "$m"
		assert_equal "$status" 1
		assert_output --partial "module $m"
		run "$CTL" module replace "$m" "$TOPO_ROOT/build/examples/modules/port_count.bpf.o"
		assert_equal "$status" 1
	done
	run "$CTL" -j module del firewall
	assert_equal "$status" 1
	echo "$output" | python3 -c 'import json,sys; e=json.load(sys.stdin)["error"]; assert "fw flush" in e, e'
	run "$CTL" fw save
	assert_output 'handle 5 drop proto icmp'
	grep -q '^handle 5 drop proto icmp$' "$FW_FILE"
	run ping_ok
	assert_failure
	# the next change keeps the earlier rules
	"$CTL" fw add drop proto udp dport 9
	run "$CTL" fw save
	assert_line --index 0 'handle 5 drop proto icmp'
	# flush removes the rules and, with the last one, the module
	"$CTL" fw flush
	run "$CTL" module list
	refute_output --partial firewall
	ping_ok
}

@test "sets, negation, service names, insert and add at a position, comments" {
	run "$CTL" fw add drop proto tcp dport { 7000, 7001 } comment "echo ports"
	assert_output "fw: rule 1 added"
	run echo_ok 3
	assert_failure
	# insert before rule 1 (first): pass what comes from the peer
	run "$CTL" fw insert pass src 198.18.0.2 proto tcp dport 7000
	assert_output "fw: rule 2 added"
	echo_ok
	run "$CTL" fw save
	assert_output "$(printf 'handle 2 pass proto tcp src 198.18.0.2 dport 7000\nhandle 1 drop proto tcp dport { 7000, 7001 } comment "echo ports"')"
	# add after rule 2: between the two
	"$CTL" fw add position 2 drop proto tcp dport ssh
	run "$CTL" fw save
	assert_line --index 1 "handle 3 drop proto tcp dport 22"
	# insert before rule 1
	"$CTL" fw insert position 1 drop proto icmp src != 198.18.0.0/15
	run "$CTL" fw save
	assert_line --index 2 "handle 4 drop proto icmp src != 198.18.0.0/15"
	ping_ok  # the peer is inside 198.18/15: not dropped
	"$CTL" fw flush
	"$CTL" fw add drop proto icmp src != { 10.0.0.0/8, 192.168.0.0/16 }
	run ping_ok
	assert_failure
	run "$CTL" fw add position 99 drop proto udp
	assert_equal "$status" 1
	assert_output --partial "no rule with handle 99"
	run "$CTL" fw add drop proto tcp dport 22 dport 23
	assert_equal "$status" 1
	assert_output --partial "dport given twice"
}

@test "fw check and apply list every error of a file, as JSON too" {
	printf 'drop proto tcp dport 70000\npass\ndrop frob\n# fine\ndrop proto udp dport { 1, 2\n' >"$TOPO_DIR/bad2.rules"
	run "$CTL" fw check "$TOPO_DIR/bad2.rules"
	assert_equal "$status" 1
	assert_line --partial "bad2.rules:1: bad dport '70000'"
	assert_line --partial "bad2.rules:3: unknown word 'frob'"
	assert_line --partial "bad2.rules:5: dport: '}' is missing"
	run "$CTL" -j fw apply "$TOPO_DIR/bad2.rules"
	assert_equal "$status" 1
	python3 -c '
import json, sys
e = json.loads(sys.argv[1])
assert "bad2.rules:1:" in e["error"], e
assert len([m for m in e["messages"] if "bad2.rules:" in m]) == 3, e' "$output"
	run "$CTL" fw check "$TOPO_DIR/good.rules"
	assert_success
	assert_output "fw: 2 rules read, no errors"
}

@test "rules survive a restart of the daemon" {
	"$CTL" fw add --handle 7 drop proto icmp src 198.18.0.2
	run ping_ok
	assert_failure
	grep -q '^handle 7 drop proto icmp src 198.18.0.2$' "$FW_FILE"
	xtoed_stop || true  # started by setup_file: not this shell's child
	xtoed_start --fw-file "$FW_FILE"
	run "$CTL" fw save
	assert_output "handle 7 drop proto icmp src 198.18.0.2"
	run ping_ok
	assert_failure
	"$CTL" fw flush
	ping_ok
}

@test "the firewall stays in force while no daemon runs, a crash included; detach removes it" {
	"$CTL" fw add drop proto icmp
	run ping_ok
	assert_failure
	# SIGTERM: the chain is kept for the rule
	xtoed_find
	xtoed_stop || true
	run in_x ip -d link show "$TOPO_XIF"
	assert_output --partial "prog/xdp"
	run ping_ok
	assert_failure
	run "$CTL" -i "$TOPO_XIF" fw list
	assert_success
	assert_output --partial "drop proto icmp"
	run "$CTL" -i "$TOPO_XIF" fw add drop proto udp
	assert_equal "$status" 1
	assert_output --partial "no xtoed answers"
	# a new daemon takes the kept chain over: no gap, the rule still holds
	xtoed_start --fw-file "$FW_FILE"
	grep -q "took over the XDP chain" "$TOPO_DIR/xtoed.log"
	run ping_ok
	assert_failure
	# SIGKILL: the same
	xtoed_kill
	run ping_ok
	assert_failure
	run "$CTL" -i "$TOPO_XIF" detach
	assert_success
	assert_output --partial "1 firewall rules no longer in force"
	ping_ok
	xdp_gone
	run "$CTL" -i "$TOPO_XIF" detach
	assert_equal "$status" 1
	xtoed_start --fw-file "$FW_FILE"
	run "$CTL" -i "$TOPO_XIF" detach
	assert_equal "$status" 1
	assert_output --partial "xtoed serves"
	"$CTL" fw flush
	ping_ok
}

@test "without rules the chain goes with the daemon" {
	"$CTL" fw add drop proto udp dport 9
	"$CTL" fw del 1
	xtoed_kill
	xdp_gone
	xtoed_start --fw-file "$FW_FILE"
}
