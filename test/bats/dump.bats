#!/usr/bin/env bats
# xtoe-dump on a live interface, driven as a tcpdump user would: the whole
# conversation in both directions (received, sent by xtoe's data-path, sent
# by the kernel), whole frames, text equal to `tcpdump -n -r` of the same
# file, -r, pcapng with the interface's name, filters, -c, rotation, two
# captures at once, | head, and a killed capture cleaned up by the daemon.

load helpers

CTL=$TOPO_BIN/xtoectl

setup_file() {
	require_root
	command -v tshark >/dev/null || skip "tshark is not installed (make deps)"
	command -v tcpdump >/dev/null || skip "tcpdump is not installed (make deps)"
	topo_up
	xtoed_start
	xtoe_echo_start
}

teardown_file() {
	topo_down
}

# A capture a failed test left running would spoil the next test.
teardown() {
	local p
	for p in ${DUMP_PIDS:-}; do
		kill -9 "$p" 2>/dev/null || true
	done
	DUMP_PIDS=
}

# The names of the modules in the chain, one line.
chain() { "$CTL" -j module list | python3 -c 'import json,sys; print(" ".join(m["name"] for m in json.load(sys.stdin)["modules"]))'; }

transfer() { limit 10 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b "${1:-16K}" >/dev/null 2>&1; }

count() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }
tshark_q() { tshark "$@" 2>/dev/null; }

# Loaded tc egress programs of xtoe-dump (any interface: a count that must
# drop by one when a capture is killed).
egress_progs() { bpftool prog show 2>/dev/null | grep -c 'sched_cls  name capture_egress'; }

@test "a transfer is captured in both directions, whole frames, into a pcap file tcpdump and tshark read" {
	dump_start /dev/null "$TOPO_DIR/a.err" -w "$TOPO_DIR/a.pcap" -U
	run chain
	assert_output "xtoe_dump0 vlan_strip steer"
	transfer 64K
	dump_stop
	run cat "$TOPO_DIR/a.err"
	assert_line --regexp '^[0-9]+ packets captured$'
	assert_line '0 packets dropped (capture rings full)'
	[ "$(count "$TOPO_DIR/a.pcap" "tcp dst port 7000 and tcp[tcpflags] & tcp-syn != 0")" -ge 1 ]
	[ "$(count "$TOPO_DIR/a.pcap" "tcp src port 7000 and tcp[tcpflags] & tcp-syn != 0")" -ge 1 ]
	[ "$(count "$TOPO_DIR/a.pcap" "tcp src port 7000 and greater 100")" -ge 1 ]
	# tcpdump's default snap length: full-size frames whole, both ways
	# (1514 bytes: xtoe advertises Linux's MSS, so the peer's are full too)
	run python3 -c '
import subprocess, sys
out = subprocess.run(["tshark", "-r", sys.argv[1], "-Y", "frame.len > 1400", "-T", "fields",
                      "-e", "ip.src", "-e", "frame.len", "-e", "frame.cap_len"],
                     capture_output=True, text=True).stdout.split("\n")
rows = [l.split("\t") for l in out if l]
assert all(r[1] == r[2] for r in rows), rows
print(sorted({(r[0], r[1]) for r in rows}))' "$TOPO_DIR/a.pcap"
	assert_output --partial "('$TOPO_LADDR', '1514')"
	assert_output --partial "('$TOPO_XADDR', '1514')"
	run chain
	assert_output "vlan_strip steer"
}

@test "-s 0 captures a full 1514-byte frame; -s 64 cuts it" {
	dump_start /dev/null "$TOPO_DIR/s.err" -s 0 -w "$TOPO_DIR/s.pcap" -U 'greater 1500'
	transfer 64K
	dump_stop
	run tshark_q -r "$TOPO_DIR/s.pcap" -T fields -e frame.len -e frame.cap_len
	assert_line "1514	1514"
	for l in "${lines[@]}"; do [ "${l%%	*}" = "${l##*	}" ]; done # all whole
	dump_start /dev/null "$TOPO_DIR/s2.err" -s 64 -w "$TOPO_DIR/s2.pcap" -c 1 'len == 1514'
	transfer 64K
	dump_wait
	run tshark_q -r "$TOPO_DIR/s2.pcap" -T fields -e frame.len -e frame.cap_len
	assert_output "1514	64"
}

@test "the text output is tcpdump -n -r's of the same frames; -r reads the file back" {
	dump_start "$TOPO_DIR/t.txt" "$TOPO_DIR/t.err" -n -w "$TOPO_DIR/t.pcap" --print -c 30 tcp port 7000
	transfer
	dump_wait
	run diff "$TOPO_DIR/t.txt" <(tcpdump -n -r "$TOPO_DIR/t.pcap" 2>/dev/null)
	assert_success
	[ "$(wc -l <"$TOPO_DIR/t.txt")" -eq 30 ]
	# -r: the same lines, the filter and -c applied, options after the expression
	run "$DUMP" -r "$TOPO_DIR/t.pcap" -n
	assert_success
	assert_output "$(cat "$TOPO_DIR/t.txt")"
	run "$DUMP" -r "$TOPO_DIR/t.pcap" 'tcp[tcpflags] & tcp-syn != 0' -n -c 1
	[ "${#lines[@]}" -eq 1 ]
	assert_line --index 0 --regexp "IP $TOPO_LADDR\.[0-9]+ > $TOPO_XADDR\.7000: Flags \[S\], seq [0-9]+"
	# -r to -w: a subset written back
	"$DUMP" -r "$TOPO_DIR/t.pcap" -w "$TOPO_DIR/t2.pcap" 'src port 7000' 2>/dev/null
	[ "$(count "$TOPO_DIR/t2.pcap" "")" -eq "$(count "$TOPO_DIR/t.pcap" "src port 7000")" ]
	# tcpdump's printing options reach tcpdump: -e -tt -X
	run "$DUMP" -r "$TOPO_DIR/t.pcap" -n -e -tt -X -c 1
	assert_output "$(tcpdump -r "$TOPO_DIR/t.pcap" -n -e -tt -X -c 1 2>/dev/null)"
}

@test "frames the kernel sends are captured: ping's requests and replies, ARP" {
	dump_start "$TOPO_DIR/k.txt" "$TOPO_DIR/k.err" -n 'icmp or arp'
	in_l ip neigh flush dev "$TOPO_LIF"
	in_l ping -c 2 -i 0.2 -W 1 "$TOPO_XADDR" >/dev/null
	for _ in $(seq 100); do
		[ "$(grep -c 'echo reply' "$TOPO_DIR/k.txt")" -ge 2 ] && break
		sleep 0.05
	done
	dump_stop
	run cat "$TOPO_DIR/k.txt"
	assert_line --regexp "IP $TOPO_LADDR > $TOPO_XADDR: ICMP echo request, id [0-9]+, seq 1, length 64$"
	assert_line --regexp "IP $TOPO_XADDR > $TOPO_LADDR: ICMP echo reply, id [0-9]+, seq 1, length 64$"
	assert_line --regexp "IP $TOPO_XADDR > $TOPO_LADDR: ICMP echo reply, id [0-9]+, seq 2, length 64$"
	assert_line --regexp "ARP, Re(quest who-has|ply)"
}

@test "xtoe-dump | head -n 2 exits, and its module goes" {
	# traffic only once the capture runs (a fixed sleep lost the race on
	# a loaded machine and the pipeline waited for frames for ever)
	( "$DUMP" -i "$TOPO_XIF" -n 'tcp port 7000' 2>"$TOPO_DIR/h.err" | head -n 2 >"$TOPO_DIR/h.out" ) &
	local hpid=$!
	for _ in $(seq 200); do
		grep -qE "listening on|capturing" "$TOPO_DIR/h.err" && break
		sleep 0.05
	done
	transfer 16K
	for _ in $(seq 200); do kill -0 "$hpid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$hpid" 2>/dev/null; then
		pkill -P "$hpid"
		false # xtoe-dump did not end when head did
	fi
	wait "$hpid"
	[ "$(wc -l <"$TOPO_DIR/h.out")" -eq 2 ]
	for _ in $(seq 100); do [ "$(chain)" = "vlan_strip steer" ] && break; sleep 0.05; done
	run chain
	assert_output "vlan_strip steer"
	# with nothing more on the wire, too
	run limit 20 bash -c "'$DUMP' -i '$TOPO_XIF' -n -w - 2>/dev/null | head -c 10 >/dev/null"
	assert_success
}

@test "a killed capture's module and egress program are removed at once by the daemon" {
	dump_start /dev/null "$TOPO_DIR/g.err"
	run chain
	assert_output "xtoe_dump0 vlan_strip steer"
	egress=$(egress_progs)
	[ "$egress" -ge 1 ]
	kill -9 "$DUMP_PID"
	wait "$DUMP_PID" || true
	for _ in $(seq 100); do [ "$(chain)" = "vlan_strip steer" ] && break; sleep 0.05; done
	run chain
	assert_output "vlan_strip steer"
	[ "$(egress_progs)" -eq $((egress - 1)) ]
	# and its module was protected while it ran
	dump_start /dev/null "$TOPO_DIR/g2.err"
	run "$CTL" module del xtoe_dump0
	assert_equal "$status" 1
	assert_output --partial "protected"
	dump_stop
}

@test "two captures at once each see the conversation" {
	dump_start /dev/null "$TOPO_DIR/c1.err" -w "$TOPO_DIR/c1.pcap" -U tcp port 7000
	local p1=$DUMP_PID
	dump_start /dev/null "$TOPO_DIR/c2.err" --pcapng -w "$TOPO_DIR/c2.pcapng" -U
	local p2=$DUMP_PID
	run chain
	assert_output "xtoe_dump1 xtoe_dump0 vlan_strip steer"
	transfer
	kill -INT "$p1" "$p2"
	wait "$p1"
	wait "$p2"
	[ "$(count "$TOPO_DIR/c1.pcap" "tcp dst port 7000")" -ge 5 ]
	[ "$(count "$TOPO_DIR/c1.pcap" "tcp src port 7000")" -ge 5 ]
	[ "$(count "$TOPO_DIR/c2.pcapng" "tcp dst port 7000")" -ge 5 ]
	[ "$(count "$TOPO_DIR/c2.pcapng" "tcp src port 7000")" -ge 5 ]
	run chain
	assert_output "vlan_strip steer"
}

@test "a filter expression selects only its frames" {
	dump_start /dev/null "$TOPO_DIR/f.err" -w "$TOPO_DIR/f.pcap" -U icmp
	in_l ping -c 2 -i 0.2 -W 1 "$TOPO_XADDR" >/dev/null
	transfer
	dump_stop
	[ "$(count "$TOPO_DIR/f.pcap" icmp)" -ge 4 ]
	[ "$(count "$TOPO_DIR/f.pcap" tcp)" -eq 0 ]
}

@test "--verdicts lines name direction, where seen and the chain's verdict: a firewall drop" {
	"$CTL" fw add drop proto icmp >/dev/null
	dump_start "$TOPO_DIR/v.txt" "$TOPO_DIR/v.err" --verdicts -n -c 1 icmp
	run in_l ping -c 1 -W 1 "$TOPO_XADDR"
	assert_failure
	dump_wait
	"$CTL" fw flush >/dev/null
	run cat "$TOPO_DIR/v.txt"
	assert_line --regexp "^[0-9:.]+ In  rx firewall:drop:FIREWALL IP $TOPO_LADDR > $TOPO_XADDR: ICMP echo request"
	dump_start "$TOPO_DIR/v2.txt" "$TOPO_DIR/v2.err" --verdicts -n -c 2 \
		"tcp port 7000 and tcp[tcpflags] & tcp-syn != 0"
	transfer
	dump_wait
	run cat "$TOPO_DIR/v2.txt"
	assert_line --index 0 --regexp "^[0-9:.]+ In  rx steer:redirect IP $TOPO_LADDR\.[0-9]+ > $TOPO_XADDR\.7000: Flags \[S\], seq [0-9]+"
	assert_line --index 1 --regexp "^[0-9:.]+ Out dp-tx IP $TOPO_XADDR\.7000 > $TOPO_LADDR\.[0-9]+: Flags \[S\.\]"
}

@test "pcapng on stdout: the interface's name, directions and verdict comments" {
	dump_start "$TOPO_DIR/d.pcapng" "$TOPO_DIR/d.err" --pcapng --verdicts -U -w - -Q inout tcp port 7000
	transfer
	dump_stop
	run tshark_q -r "$TOPO_DIR/d.pcapng" -T fields -e frame.interface_name -e frame.packet_flags_direction -e frame.comment
	assert_success
	assert_line --regexp "^$TOPO_XIF	0x0*1	rx steer:redirect$"
	assert_line --regexp "^$TOPO_XIF	0x0*2	dp-tx$"
	run tcpdump -n -r "$TOPO_DIR/d.pcapng"
	assert_success
}

@test "-C and -W rotate the file as tcpdump does" {
	dump_start /dev/null "$TOPO_DIR/r.err" -w "$TOPO_DIR/rot" -C 1k -W 3 -U tcp port 7000
	transfer 256K
	dump_stop
	run ls "$TOPO_DIR"
	assert_line rot0
	assert_line rot1
	assert_line rot2
	refute_line rot3
	run tcpdump -n -r "$TOPO_DIR/rot1"
	assert_success
}

@test "-G and -W: a file a second, two files, then the capture ends; -F reads the filter" {
	echo icmp >"$TOPO_DIR/filter"
	# The pings run before the capture starts, every 0.2 s: -G's period runs
	# from the moment the capture is live, a whole second (monotonic), so the
	# first file holds about five of them however late the capture started.
	in_l ping -c 40 -i 0.2 -W 1 "$TOPO_XADDR" >/dev/null &
	local ping=$!
	dump_start /dev/null "$TOPO_DIR/gw.err" -w "$TOPO_DIR/gw-%s.pcap" -G 1 -W 2 -F "$TOPO_DIR/filter"
	dump_wait
	kill "$ping" 2>/dev/null || true
	wait "$ping" 2>/dev/null || true
	[ "$(ls "$TOPO_DIR"/gw-*.pcap | wc -l)" -eq 2 ]
	for f in "$TOPO_DIR"/gw-*.pcap; do
		[ "$(count "$f" icmp)" -ge 1 ]
		[ "$(count "$f" "not icmp")" -eq 0 ]
	done
}

@test "-Q in, the built-in printer, -D, usage errors as one line and a hint" {
	dump_start "$TOPO_DIR/e.txt" "$TOPO_DIR/e.err" -Q in -w "$TOPO_DIR/e.pcap"
	transfer
	dump_stop
	[ "$(count "$TOPO_DIR/e.pcap" "src host $TOPO_XADDR")" -eq 0 ]
	[ "$(count "$TOPO_DIR/e.pcap" "dst host $TOPO_XADDR")" -ge 1 ]
	# without tcpdump: the built-in printer, tcpdump's format
	run env XTOE_TCPDUMP=none "$DUMP" -r "$TOPO_DIR/e.pcap" -n -c 1 'tcp[tcpflags] & tcp-syn != 0'
	assert_success
	assert_output --regexp "^[0-9:.]+ IP $TOPO_LADDR\.[0-9]+ > $TOPO_XADDR\.7000: Flags \[S\], seq [0-9]+, win [0-9]+, options \[mss 1460,sackOK,TS val [0-9]+ ecr 0,nop,wscale [0-9]+\], length 0$"
	run "$DUMP" -D
	assert_success
	assert_output --partial ".$TOPO_XIF [xtoed, "
	for bad in "-Q sideways" "-c 0" "-c x" "-s -1" "-W 3" "-C 1 -w -" "-G x -w f" "--frob"; do
		run "$DUMP" -i "$TOPO_XIF" $bad
		assert_equal "$status" 2
		[ "${#lines[@]}" -eq 2 ]
		assert_line --index 1 "Try 'xtoe-dump --help' for more information."
	done
	run "$DUMP" -i "$TOPO_XIF" "tcp port"
	assert_equal "$status" 1
	assert_output --partial "filter"
	run "$DUMP" --version
	assert_output --regexp '^xtoe-dump \(xtoe\) [0-9]+\.[0-9]+\.[0-9]+$'
}
