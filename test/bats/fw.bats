#!/usr/bin/env bats
# xtoectl fw on a live interface: rules block what they name and nothing
# else, count their hits, go away with `fw del`; rule files apply all or
# nothing; the rules survive a restart of the daemon.

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
	assert_line --regexp '^1 +firewall .*\(built-in\)$'
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
