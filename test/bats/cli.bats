#!/usr/bin/env bats
# The command-line conventions every program keeps: -j output and errors
# are JSON (one object per line, the cause in "error"), usage errors are
# one line and a hint, --help goes to stdout with exit 0, --version
# everywhere.

bats_require_minimum_version 1.5.0
load helpers

CTL=$TOPO_BIN/xtoectl
MODS=$BATS_TEST_DIRNAME/modules

setup_file() {
	echo_suite_up
}

teardown_file() {
	topo_down
}

# Every line of stdout is one JSON object: json_lines STDOUT
json_lines() {
	python3 -c '
import json, sys
lines = [l for l in sys.argv[1].splitlines() if l.strip()]
assert lines, "no output"
for l in lines:
    assert isinstance(json.loads(l), dict), l' "$1"
}

@test "every -j output parses as JSON, successes and failures alike" {
	local cmds=(
		"module list" "module add $MODS/icmp_drop.bpf.c" "module replace icmp_drop $MODS/icmp_drop.bpf.c"
		"module del icmp_drop" "module del nosuch"
		"module add $MODS/syntax_error.bpf.c" "module add $MODS/bad_bounds.bpf.c"
		"module del steer" "cmodule add /nonexistent.so"
		"fw add drop proto udp dport 9 comment x" "fw insert pass proto udp dport 10" "fw list"
		"fw save" "fw del 1" "fw del 99" "fw add drop proto udp dport 9 dport 10"
		"fw check /nonexistent" "fw flush"
		"stats" "stats --delta" "stats --watch 0.2 -c 1" "conns" "conns state established"
		"conns state BOGUS" "trace port abc" "detach"
		"frob" "module frob" "--frob stats" "stats --watch"
	)
	local c
	export XDG_RUNTIME_DIR=$TOPO_DIR
	for c in "${cmds[@]}"; do
		run --separate-stderr "$CTL" -j $c
		json_lines "$output" || { echo "xtoectl -j $c: $output"; return 1; }
	done
	# a failure's error names the cause, not an errno's text
	run --separate-stderr "$CTL" -j module add "$MODS/syntax_error.bpf.c"
	python3 -c 'import json,sys; e=json.loads(sys.argv[1]); assert "expected" in e["error"], e' "$output"
	run --separate-stderr "$CTL" -j --sock "$TOPO_DIR/nothing.sock" stats
	assert_equal "$status" 1
	python3 -c 'import json,sys; e=json.loads(sys.argv[1]); assert "nothing.sock" in e["error"], e' "$output"
	# the streams: a line per record
	"$CTL" -j trace -t 5 -c 2 >"$TOPO_DIR/tr.json" 2>/dev/null &
	"$CTL" -j module trace -t 5 -c 2 >"$TOPO_DIR/mt.json" 2>/dev/null &
	sleep 0.5
	limit 10 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 16K >/dev/null 2>&1
	wait
	json_lines "$(cat "$TOPO_DIR/tr.json")"
	json_lines "$(cat "$TOPO_DIR/mt.json")"
	# -p: the same, indented
	run --separate-stderr "$CTL" -p stats
	python3 -c 'import json,sys; json.loads(sys.argv[1])' "$output"
}

@test "usage errors are one line and a hint; --help is on stdout" {
	local bad=(
		"frob" "module" "module frob" "module add" "module del a b" "fw" "fw frob"
		"fw del x" "fw add" "fw add position x drop" "stats x" "conns state" "trace port"
		"trace --events bogus" "--count 0 trace" "--timeout x trace" "--port 70000 conns"
		"--mode odd module list" "--log-level loud stats" "detach x" "cmodule"
	)
	local b
	for b in "${bad[@]}"; do
		run "$CTL" $b
		[ "$status" -eq 2 ] || { echo "xtoectl $b: status $status"; return 1; }
		[ "${#lines[@]}" -eq 2 ] || { echo "xtoectl $b: ${lines[*]}"; return 1; }
		[ "${lines[1]}" = "Try 'xtoectl --help' for more information." ]
	done
	for p in xtoectl xtoe-dump xtoed xtoe-run xtoe-proxy; do
		run --separate-stderr "$TOPO_BIN/$p" --help
		assert_success
		assert_line --index 0 --regexp "^Usage: $p "
		[ -z "$stderr" ]
	done
	run "$TOPO_BIN/xtoed" --iface "$TOPO_XIF" --cc vegas
	assert_equal "$status" 2
	[ "${#lines[@]}" -eq 2 ]
	run "$TOPO_BIN/xtoe-proxy" -l 0 -c 1.2.3.4:5
	assert_equal "$status" 2
	[ "${#lines[@]}" -eq 2 ]
	run "$TOPO_BIN/xtoe-run"
	assert_equal "$status" 2
	[ "${#lines[@]}" -eq 2 ]
}

@test "--version on every program" {
	for p in xtoectl xtoe-dump xtoed xtoe-run xtoe-proxy xtoe-echo; do
		run "$TOPO_BIN/$p" --version
		assert_success
		assert_output --regexp "^$p \(xtoe\) [0-9]+\.[0-9]+\.[0-9]+$"
	done
}

@test "a non-root user is told the real cause" {
	id tlnobody >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin tlnobody
	run setpriv --reuid=tlnobody --regid=nogroup --clear-groups "$CTL" -i "$TOPO_XIF" fw list
	userdel tlnobody 2>/dev/null || true
	assert_equal "$status" 1
	assert_output --partial "ermission denied"
	refute_output --partial "is xtoed running"
}

@test "xtoe-echo --kernel --cc sets the Linux sockets' congestion control; bad uses are errors" {
	spawn_l "$TOPO_BIN/xtoe-echo" server --kernel --cc reno -p 7101 >"$TOPO_DIR/cc-echo.log" 2>&1
	local pid=$SPAWN_PID
	wait_port l "$TOPO_LADDR" 7101
	# the listener (and so what it accepts) runs reno, not the namespace's default
	run in_l ss -tlni "sport = :7101"
	assert_output --regexp $'\n[[:space:]]+reno '
	run limit 60 in_l "$TOPO_BIN/xtoe-echo" stream --kernel --cc reno -c "$TOPO_LADDR:7101" -b 1M
	assert_success
	assert_output --partial "bytes 1048576"
	run in_l "$TOPO_BIN/xtoe-echo" stream --kernel --cc nosuch -c "$TOPO_LADDR:7101" -b 1M
	kill "$pid"; wait "$pid" || true
	assert_equal "$status" 1
	assert_output --partial "congestion control 'nosuch'"
	run "$TOPO_BIN/xtoe-echo" stream --cc reno -c "$TOPO_LADDR:7101" -b 1M
	assert_equal "$status" 2
	assert_output --partial "--cc needs --kernel"
}
