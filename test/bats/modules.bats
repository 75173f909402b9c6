#!/usr/bin/env bats
# The module chain on a live interface through xtoectl: user modules from
# source change traffic, verifier rejections leave the chain alone, the
# example modules do what they say, and changes under a running transfer
# lose no byte.

load helpers

CTL=$TOPO_BIN/xtoectl
MODS=$BATS_TEST_DIRNAME/modules
EXAMPLES=$TOPO_ROOT/examples/modules
EXOBJ=$TOPO_ROOT/build/examples/modules

setup_file() {
	echo_suite_up
}

teardown_file() {
	topo_down
}

# Every test starts from the daemon's chain: remove what a failed test left.
teardown() {
	local m
	[ -S "$TOPO_SOCK" ] || return 0
	for m in $(chain_names); do
		case $m in steer|vlan_strip) continue ;; esac
		"$CTL" module del "$m" >/dev/null 2>&1 || true
	done
}

# Sum over CPUs of `bpftool -j map lookup` output on stdin; $1: field of
# the value struct, "" for a plain integer value.
percpu_sum() {
	python3 -c '
import json, sys
j = json.load(sys.stdin)
vals = j.get("formatted", j)["values"]
f = sys.argv[1]
print(sum(v["value"][f] if f else v["value"] for v in vals))' "$1"
}

# Names in chain order, one line.
chain_names() {
	"$CTL" -j module list | python3 -c \
		'import json,sys; print(" ".join(m["name"] for m in json.load(sys.stdin)["modules"]))'
}

# A counter of module NAME from `module list -j`: counter NAME seen|drop|next...
counter() {
	"$CTL" -j module list | python3 -c '
import json, sys
name, key = sys.argv[1], sys.argv[2]
for m in json.load(sys.stdin)["modules"]:
    if m["name"] == name:
        print(m["seen"] if key == "seen" else m["verdicts"][key])' "$1" "$2"
}

@test "module list: steering is the final module; -i and the daemon socket agree" {
	run "$CTL" module list
	assert_success
	assert_line --regexp '^0 +vlan_strip .*\(built-in, protected\)$'
	assert_line --regexp '^1 +steer .*\(final\)$'
	run chain_names
	assert_output "vlan_strip steer"
	run env -u XTOE_SOCK "$CTL" -i "$TOPO_XIF" -j module list
	assert_success
	assert_output --partial '"name":"steer","slot":1'
}

@test "a module compiled from source drops ICMP as written; removing it restores ping" {
	run limit 5 in_l ping -c 1 -W 1 "$TOPO_XADDR"
	assert_success
	run "$CTL" module add "$MODS/icmp_drop.bpf.c"
	assert_success
	assert_output "module icmp_drop: added"
	run chain_names
	assert_output "vlan_strip icmp_drop steer"
	run limit 5 in_l ping -c 2 -W 1 "$TOPO_XADDR"
	assert_failure
	[ "$(counter icmp_drop drop)" -ge 2 ]
	# TCP still reaches xtoe through the module
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 1M
	assert_success
	run "$CTL" module del icmp_drop
	assert_success
	run chain_names
	assert_output "vlan_strip steer"
	[ ! -e /sys/fs/bpf/xtoe/"$TOPO_XIF"/icmp_drop ]
	run limit 5 in_l ping -c 1 -W 1 "$TOPO_XADDR"
	assert_success
}

@test "a module the verifier rejects leaves the chain as it was, with the reason and the source line" {
	"$CTL" module add "$EXAMPLES/port_count.bpf.c"
	before=$(chain_names)
	run "$CTL" module add "$MODS/bad_bounds.bpf.c"
	assert_equal "$status" 1
	assert_output --partial "module bad_bounds: the verifier rejected it"
	assert_output --partial "outside of the packet"
	assert_output --partial "at source line:"
	assert_output --partial "p[40] == 1"
	assert_output --partial "bad_bounds.bpf.c:9"
	assert_equal "$(chain_names)" "$before"
	[ ! -e /sys/fs/bpf/xtoe/"$TOPO_XIF"/bad_bounds ]
	"$CTL" module del port_count
}

@test "a module that does not compile shows clang's message and changes nothing" {
	run "$CTL" -j module add "$MODS/syntax_error.bpf.c"
	assert_equal "$status" 1
	assert_output --partial "error: expected ';'"
	assert_output --partial '{"error":'
	assert_equal "$(chain_names)" "vlan_strip steer"
}

@test "--first, --before and --after place modules; the final module stays last" {
	"$CTL" module add "$EXOBJ/port_count.bpf.o"
	"$CTL" module add "$EXOBJ/port_class.bpf.o" --first
	"$CTL" module add "$EXOBJ/syn_guard.bpf.o" --after port_class
	run chain_names
	assert_output "port_class syn_guard vlan_strip port_count steer"
	"$CTL" module add "$MODS/icmp_drop.bpf.c" --name icmp2 --before port_count
	run chain_names
	assert_output "port_class syn_guard vlan_strip icmp2 port_count steer"
	run "$CTL" module add "$MODS/icmp_drop.bpf.c" --name icmp3 --after steer
	assert_equal "$status" 1
	assert_output --partial "final module"
	run "$CTL" module del steer
	assert_equal "$status" 1
	run "$CTL" module add "$EXOBJ/port_count.bpf.o"
	assert_equal "$status" 1
	assert_output --partial "already in the chain"
	for m in port_class syn_guard icmp2 port_count; do "$CTL" module del $m; done
	assert_equal "$(chain_names)" "vlan_strip steer"
}

@test "built-in modules are added by name; traffic flows through all of them" {
	for m in firewall classify capture splice; do
		run "$CTL" module add $m
		assert_success
		assert_output "module $m: added"
	done
	run chain_names
	assert_output "vlan_strip firewall classify capture splice steer"
	run "$CTL" module list
	assert_line --regexp '^1 +firewall .*\(built-in\)$'
	assert_line --regexp '^entry: [0-9]+ frames, [0-9]+ passed by the entry itself, 0 failed tail calls$'
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 1M
	assert_success
	[ "$(counter capture seen)" -gt 10 ]
	[ -e /sys/fs/bpf/xtoe/"$TOPO_XIF"/firewall/fw_state ]
	[ -e /sys/fs/bpf/xtoe/"$TOPO_XIF"/capture/capture_ring ]
	run "$CTL" module add nosuchbuiltin
	assert_equal "$status" 1
}

@test "replace keeps a module's maps when they fit, and swaps in new ones when they do not" {
	local pins=/sys/fs/bpf/xtoe/$TOPO_XIF/port_count
	"$CTL" module add "$EXAMPLES/port_count.bpf.c"
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 64K
	id1=$(bpftool -j map show pinned $pins/port_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	run "$CTL" module replace port_count "$EXAMPLES/port_count.bpf.c"
	assert_success
	id2=$(bpftool -j map show pinned $pins/port_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	assert_equal "$id2" "$id1"
	# the example with a bigger table: a map layout the pinned one cannot take
	sed 's/max_entries, 4096/max_entries, 8192/' "$EXAMPLES/port_count.bpf.c" \
		>"$BATS_TEST_TMPDIR/port_count.bpf.c"
	grep -q 'max_entries, 8192' "$BATS_TEST_TMPDIR/port_count.bpf.c"
	run "$CTL" module replace port_count "$BATS_TEST_TMPDIR/port_count.bpf.c"
	assert_success
	run bpftool -j map show pinned $pins/port_stats
	assert_output --partial '"max_entries":8192'
	[ ! -e "$pins~new" ]
	assert_equal "$(chain_names)" "vlan_strip port_count steer"
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 64K
	assert_success
	[ "$(counter port_count seen)" -gt 0 ]
}

@test "module trace prints the chain's verdicts with module and drop reason" {
	"$CTL" module add "$MODS/icmp_drop.bpf.c"
	( sleep 0.5; in_l ping -c 2 -i 0.2 -W 1 "$TOPO_XADDR" >/dev/null 2>&1 ) &
	run "$CTL" module trace --count 20 --timeout 3 -j
	wait
	assert_success
	assert_line --partial '"module":"icmp_drop","verdict":"drop","drop":"MODULE"'
	run "$CTL" module trace --count 1 --timeout 1
	assert_success
	[ "$(bpftool -j map dump pinned /sys/fs/bpf/xtoe/"$TOPO_XIF"/xtoe_ctl | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"]["trace_verdicts"])')" = 0 ]
}

@test "hardware offload mode is refused with a clear message" {
	run in_x "$CTL" module add "$EXOBJ/port_count.bpf.o" --mode hw
	assert_equal "$status" 1
	assert_output --partial "refuses XDP hardware offload"
	assert_equal "$(chain_names)" "vlan_strip steer"
}

@test "example port_count counts packets per destination port" {
	"$CTL" module add "$EXAMPLES/port_count.bpf.c"
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 256K
	assert_success
	# key {port 7000 = 0x1b58 (host order), proto 6}
	run bpftool -j map lookup pinned /sys/fs/bpf/xtoe/"$TOPO_XIF"/port_count/port_stats \
		key 0x58 0x1b 6 0
	assert_success
	pkts=$(percpu_sum packets <<<"$output")
	[ "$pkts" -gt 10 ]
	"$CTL" module del port_count
}

@test "example port_class classifies by port from a map set at run time" {
	"$CTL" module add "$EXAMPLES/port_class.bpf.c"
	# port 7000 (0x1b58) -> class 7
	bpftool map update pinned /sys/fs/bpf/xtoe/"$TOPO_XIF"/port_class/port_classes \
		key 0x58 0x1b value 7 0 0 0
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 256K
	assert_success
	run bpftool -j map lookup pinned /sys/fs/bpf/xtoe/"$TOPO_XIF"/port_class/class_hits key 7 0 0 0
	assert_success
	hits=$(percpu_sum "" <<<"$output")
	[ "$hits" -gt 10 ]
	"$CTL" module del port_class
}

# 12 SYNs from one source, one process, each connect's SYN sent before it
# returns; the process ends at once (no SYN is retransmitted).
syn_burst() {
	limit 20 in_l python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(12)]
for s in ss:
    s.setblocking(False)
    s.connect_ex((sys.argv[1], 7000))' "$TOPO_XADDR"
}

syn_drops_reach() { [ "$(counter syn_guard drop)" -ge "$1" ]; }

@test "example syn_guard drops a burst of SYNs beyond its limit" {
	# the example with its refill off: the burst of 5 is the whole allowance,
	# however far apart the machine's load spreads the SYNs
	sed 's/rate = 20;/rate = 0;/' "$EXAMPLES/syn_guard.bpf.c" >"$TOPO_DIR/syn_guard.bpf.c"
	grep -q 'rate = 0;' "$TOPO_DIR/syn_guard.bpf.c"
	"$CTL" module add "$TOPO_DIR/syn_guard.bpf.c"
	syn_burst
	wait_for 200 "" syn_drops_reach 7 || true
	[ "$(counter syn_guard drop)" -eq 7 ]
	"$CTL" module del syn_guard
}

@test "50 rounds of add, replace and remove during checked transfers lose no byte" {
	local stop=$TOPO_DIR/stop fails=$TOPO_DIR/stream-fails runs=$TOPO_DIR/stream-runs
	rm -f "$stop" "$fails" "$runs"
	(
		while [ ! -e "$stop" ]; do
			if limit 60 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 4M \
				>>"$TOPO_DIR/stream.log" 2>&1; then
				echo ok >>"$runs"
			else
				echo fail >>"$fails"
			fi
		done
	) &
	local loop=$!
	for i in $(seq 50); do
		"$CTL" module add "$EXOBJ/port_count.bpf.o" >/dev/null
		"$CTL" module add "$EXOBJ/syn_guard.bpf.o" --first >/dev/null
		"$CTL" module replace port_count "$EXOBJ/port_class.bpf.o" >/dev/null
		"$CTL" module del syn_guard >/dev/null
		"$CTL" module del port_count >/dev/null
	done
	touch "$stop"
	wait "$loop"
	[ ! -e "$fails" ] || { cat "$TOPO_DIR/stream.log"; false; }
	[ "$(wc -l <"$runs")" -ge 1 ]
	assert_equal "$(chain_names)" "vlan_strip steer"
	[ "$(counter steer seen)" -gt 0 ]
}

@test "the data-path finds the chain's metadata in front of every received frame" {
	kill "$ECHO_PID" 2>/dev/null || true
	xtoed_stop || true # not this shell's child: wait says 127
	xtoed_start -v
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7000 >"$TOPO_DIR/echo2.log" 2>&1
	wait_port l "$TOPO_XADDR" 7000
	run limit 30 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 1M
	assert_success
	xtoed_stop || true
	run cat "$TOPO_DIR/xtoed.log"
	assert_output --partial "module chain: rx without metadata 0,"
	assert_output --regexp "rx_frames [1-9][0-9]+"
}
