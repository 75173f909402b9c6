#!/usr/bin/env bats
# xtoectl stats and conns on a live daemon: counters move with traffic,
# deltas since the last call (nstat) and --watch, firewall drops under their
# reason; the JSON parses; the table shows a connection a Linux client holds
# open with its state and owner, filtered and detailed as ss does it.

load helpers

CTL=$TOPO_BIN/xtoectl

setup_file() {
	echo_suite_up
	# one connection held open for the tests
	spawn_l python3 -c "
import socket, time
s = socket.create_connection(('$TOPO_XADDR', 7000))
s.sendall(b'x' * 100)
time.sleep(60)" >/dev/null 2>&1
	# the tests expect it established, its 100 bytes received
	for _ in $(seq 200); do
		"$CTL" -j conns state established | grep -q '"bytes_received":100' && return 0
		sleep 0.05
	done
	echo "the held connection did not come up" >&2
	return 1
}

teardown_file() {
	topo_down
}

json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

@test "stats -j parses and counts received and sent segments" {
	limit 10 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 16K >/dev/null 2>&1
	sleep 0.2
	run "$CTL" -j stats
	assert_success
	echo "$output" | python3 -m json.tool >/dev/null
	[ "$(echo "$output" | json_get 'd["datapath"]["rx_segs"]')" -gt 10 ]
	[ "$(echo "$output" | json_get 'd["af_xdp"]["xsk_tx"]')" -gt 0 ]
	[ "$(echo "$output" | json_get 'len(d["drops"])')" -gt 3 ]
	[ "$(echo "$output" | json_get '[m["name"] for m in d["modules"]][-1]')" = steer ]
	run "$CTL" stats
	assert_success
	assert_line --regexp '^  rx_segs +[1-9][0-9]*$'
}

@test "conns shows the listener and the open connection with state and pid" {
	run "$CTL" -j conns
	assert_success
	echo "$output" | python3 -m json.tool >/dev/null
	run bash -c "'$CTL' -j conns --state established --port 7000 | python3 -c '
import json, sys
c = json.load(sys.stdin)[\"conns\"]
print(len(c), c[0][\"local\"], c[0][\"pid\"])'"
	assert_success
	assert_output "1 $TOPO_XADDR:7000 $ECHO_PID"
	run "$CTL" conns
	assert_line --index 0 --regexp '^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process$'
	assert_line --regexp "^LISTEN +0 +0 +$TOPO_XADDR:7000 +0\.0\.0\.0:\* +users:\(\(\"xtoe-echo\",pid=$ECHO_PID\)\)$"
	assert_line --regexp "^ESTAB +0 +0 +$TOPO_XADDR:7000 +$TOPO_LADDR:[0-9]+ +users:\(\(\"xtoe-echo\",pid=$ECHO_PID\)\)$"
	run "$CTL" -j conns --state syn-sent
	assert_output '{"conns":[]}'
}

@test "stats and conns without a daemon fail with exit 1 and a JSON error" {
	run "$CTL" -j --sock "$TOPO_DIR/nothing.sock" stats
	assert_equal "$status" 1
	echo "$output" | tail -1 | python3 -m json.tool >/dev/null
}

@test "conns: ss filters, --info columns, usage errors" {
	run "$CTL" conns state established
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 1 --regexp "^ESTAB "
	run "$CTL" conns state listening
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 1 --regexp "^LISTEN "
	run "$CTL" conns sport = :7000 and dst 198.18.0.0/24
	[ "${#lines[@]}" -eq 2 ]
	run "$CTL" conns '( dport = :22 or sport = :7001 )'
	[ "${#lines[@]}" -eq 1 ]
	run "$CTL" conns exclude listening dst "$TOPO_LADDR"
	[ "${#lines[@]}" -eq 2 ]
	run "$CTL" conns --info state established
	assert_line --index 2 --regexp "^	 cubic mss:[0-9]+ rtt:[0-9.]+/[0-9.]+ cwnd:[0-9]+ .*bytes_sent:[0-9]+ bytes_acked:[0-9]+ bytes_received:100 .*retrans:[0-9]+$"
	run bash -c "'$CTL' -j conns state established | python3 -c '
import json, sys
c = json.load(sys.stdin)[\"conns\"][0]
print(c[\"program\"], c[\"bytes_received\"], c[\"mss\"] > 0, c[\"cwnd_bytes\"] > 0)'"
	assert_output "xtoe-echo 100 True True"
	for bad in "--state BOGUS" "state BOGUS" "sport = 7000" "dst 1.2.3" "( sport = :1"; do
		run limit 10 "$CTL" conns $bad
		assert_equal "$status" 2
		[ "${#lines[@]}" -eq 2 ]
		assert_line --index 1 --partial "Try 'xtoectl --help'"
	done
	run "$CTL" -j conns state BOGUS
	assert_equal "$status" 2
	echo "$output" | python3 -m json.tool >/dev/null
}

@test "stats --delta shows what changed since the last call; --watch prints intervals" {
	export XDG_RUNTIME_DIR=$TOPO_DIR
	run "$CTL" stats --delta
	assert_success
	assert_line --index 0 --partial "no history yet"
	run "$CTL" -j stats --delta
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert "interval_s" in d' "$output"
	limit 10 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 16K >/dev/null 2>&1
	sleep 0.2
	run "$CTL" -j stats --delta
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["datapath"]["rx_segs"] >= 10, d
assert d["datapath"]["rx_segs"] < 10000, d' "$output"
	run "$CTL" stats --delta
	assert_line --index 0 --partial "changes over"
	refute_line --regexp '^  rx_segs +[0-9]+$'  # nothing new since the last call
	run "$CTL" stats --delta -z
	assert_line --regexp '^  rx_segs +0$'
	run limit 20 "$CTL" -j stats --watch 0.3 --count 2
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	python3 -c '
import json, sys
for l in sys.argv[1].splitlines():
    d = json.loads(l)
    assert 0.2 < d["interval_s"] < 30, d' "$output"
	run limit 20 "$CTL" stats --watch 0.2 -c 1
	assert_line --index 0 --regexp '^changes over 0\.[0-9] s'
	run "$CTL" stats --watch 0
	assert_equal "$status" 2
}

@test "firewall drops show in stats under their reason" {
	before=$("$CTL" -j stats)
	"$CTL" fw add drop proto icmp >/dev/null
	run in_l ping -c 2 -i 0.2 -W 1 "$TOPO_XADDR"
	"$CTL" fw flush >/dev/null
	run "$CTL" -j stats
	python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert b["drops"]["FIREWALL"] - a["drops"].get("FIREWALL", 0) == 2, (a["drops"], b["drops"])' "$before" "$output"
	run "$CTL" stats
	assert_line --regexp '^  FIREWALL +[0-9]+$'
}

@test "a TIME-WAIT connection belongs to no one (its application is gone)" {
	spawn_l "$ECHO" server --kernel -p 7100 >/dev/null 2>&1
	wait_port x "$TOPO_LADDR" 7100
	# xtoe closes first: TIME-WAIT is on the xtoe side; the client exits
	run limit 20 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" client -c "$TOPO_LADDR:7100" -d 1
	assert_success
	run "$CTL" -j conns state time-wait dport = :7100
	python3 -c '
import json, sys
c = json.loads(sys.argv[1])["conns"]
assert len(c) == 1 and c[0]["pid"] == 0 and "program" not in c[0], c' "$output"
	run "$CTL" conns state time-wait
	assert_line --index 1 --regexp "^TIME-WAIT +0 +0 +$TOPO_XADDR:[0-9]+ +$TOPO_LADDR:7100 *$"
}

@test "every section of stats has a line (no empty headers)" {
	run "$CTL" stats
	assert_success
	python3 -c '
import sys
lines = sys.argv[1].splitlines()[1:]
for i, l in enumerate(lines):
    if not l.startswith(" "):
        assert i + 1 < len(lines) and lines[i + 1].startswith("  "), l' "$output"
}
