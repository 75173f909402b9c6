#!/usr/bin/env bats
# xtoe-dump on a live interface: frames in both directions (received via
# the trace module, transmitted from the data-path), pcap and pcapng files
# tcpdump and tshark read, filter expressions, -c, and the trace module
# gone from the chain afterwards.

load helpers

DUMP=$TOPO_BIN/xtoe-dump
CTL=$TOPO_BIN/xtoectl

setup_file() {
	require_root
	command -v tshark >/dev/null || skip "tshark is not installed (make deps)"
	topo_up
	xtoed_start
	xtoe_echo_start
}

teardown_file() {
	topo_down
}

# Start a capture in the background: dump_start OUT ERR ARGS...
dump_start() {
	local out=$1 err=$2
	shift 2
	"$DUMP" -i "$TOPO_XIF" "$@" >"$out" 2>"$err" &
	DUMP_PID=$!
	for _ in $(seq 100); do
		grep -q capturing "$err" && return 0
		kill -0 "$DUMP_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$err" >&2
	return 1
}

# SIGINT, then wait for it to exit (at most 5 s).
dump_stop() {
	kill -INT "$DUMP_PID" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$DUMP_PID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$DUMP_PID"
}

transfer() { limit 10 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b 16K >/dev/null 2>&1; }

count() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

@test "a transfer is captured in both directions into a pcap file tcpdump and tshark read" {
	dump_start /dev/null "$TOPO_DIR/a.err" -w "$TOPO_DIR/a.pcap" -U
	transfer
	dump_stop
	run cat "$TOPO_DIR/a.err"
	assert_line --regexp '^[0-9]+ packets captured$'
	assert_line '0 records dropped'
	[ "$(count "$TOPO_DIR/a.pcap" "tcp dst port 7000 and tcp[tcpflags] & tcp-syn != 0")" -ge 1 ]
	[ "$(count "$TOPO_DIR/a.pcap" "tcp src port 7000 and tcp[tcpflags] & tcp-syn != 0")" -ge 1 ]
	[ "$(count "$TOPO_DIR/a.pcap" "tcp src port 7000 and greater 100")" -ge 1 ]
	run tshark -r "$TOPO_DIR/a.pcap" -Y tcp.port==7000
	assert_success
	# full snap (256) in both directions
	run tshark -r "$TOPO_DIR/a.pcap" -Y "tcp.len > 1000" -T fields -e ip.src -e frame.cap_len
	assert_line --regexp "^$TOPO_LADDR	256$"
	assert_line --regexp "^$TOPO_XADDR	256$"
	run "$CTL" module list
	refute_output --partial xtoe_dump
}

@test "text lines name direction, flags and ports; -c stops after N" {
	dump_start "$TOPO_DIR/b.txt" "$TOPO_DIR/b.err" -n -c 2 \
		"tcp port 7000 and tcp[tcpflags] & tcp-syn != 0"
	transfer
	for _ in $(seq 100); do kill -0 "$DUMP_PID" 2>/dev/null || break; sleep 0.05; done
	run kill -0 "$DUMP_PID" # exited by itself
	assert_failure
	wait "$DUMP_PID"
	run cat "$TOPO_DIR/b.txt"
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 0 --regexp "^[0-9:.]+ In  rx steer:redirect IP $TOPO_LADDR\.[0-9]+ > $TOPO_XADDR\.7000: Flags \[S\], seq [0-9]+"
	assert_line --index 1 --regexp "^[0-9:.]+ Out dp-tx IP $TOPO_XADDR\.7000 > $TOPO_LADDR\.[0-9]+: Flags \[S\.\]"
}

@test "a filter expression selects only its frames" {
	dump_start /dev/null "$TOPO_DIR/c.err" -w "$TOPO_DIR/c.pcap" -U icmp
	in_l ping -c 2 -i 0.2 -W 1 "$TOPO_XADDR" >/dev/null
	transfer
	dump_stop
	[ "$(count "$TOPO_DIR/c.pcap" icmp)" -ge 2 ]
	[ "$(count "$TOPO_DIR/c.pcap" tcp)" -eq 0 ]
}

@test "received frames carry the chain's verdict: a firewall drop names the module and reason" {
	"$CTL" fw add drop proto icmp >/dev/null
	dump_start "$TOPO_DIR/f.txt" "$TOPO_DIR/f.err" -c 1 icmp
	run in_l ping -c 1 -W 1 "$TOPO_XADDR"
	assert_failure
	for _ in $(seq 40); do kill -0 "$DUMP_PID" 2>/dev/null || break; sleep 0.05; done
	dump_stop
	"$CTL" fw flush >/dev/null
	run cat "$TOPO_DIR/f.txt"
	assert_line --regexp "^[0-9:.]+ In  rx firewall:drop:[A-Za-z_]+ IP $TOPO_LADDR > $TOPO_XADDR: ICMP"
}

@test "pcapng on stdout: tshark reads directions and verdict comments" {
	dump_start "$TOPO_DIR/d.pcapng" "$TOPO_DIR/d.err" --pcapng -U -w - -Q inout tcp port 7000
	transfer
	dump_stop
	run tshark -r - -T fields -e frame.packet_flags_direction -e frame.comment <"$TOPO_DIR/d.pcapng"
	assert_success
	assert_line --regexp '^0x0*1	rx steer:redirect$'
	assert_line --regexp '^0x0*2	dp-tx$'
	run tcpdump -n -r "$TOPO_DIR/d.pcapng"
	assert_success
}

@test "a killed xtoe-dump leaves its module; the next one removes it" {
	dump_start /dev/null "$TOPO_DIR/g.err" -Q in
	kill -9 "$DUMP_PID"
	wait "$DUMP_PID" || true
	run "$CTL" module list
	assert_output --partial xtoe_dump
	dump_start /dev/null "$TOPO_DIR/g2.err"
	run "$DUMP" -i "$TOPO_XIF" -c 1
	assert_equal "$status" 1
	assert_output --partial "another capture is running"
	dump_stop
	run cat "$TOPO_DIR/g2.err"
	assert_output --partial "removed the trace module"
	run "$CTL" module list
	refute_output --partial xtoe_dump
}

@test "-Q in, -s and usage errors" {
	dump_start "$TOPO_DIR/e.txt" "$TOPO_DIR/e.err" -Q in -s 64 -w "$TOPO_DIR/e.pcap"
	transfer
	dump_stop
	[ "$(count "$TOPO_DIR/e.pcap" "src host $TOPO_XADDR")" -eq 0 ]
	[ "$(count "$TOPO_DIR/e.pcap" "dst host $TOPO_XADDR")" -ge 1 ]
	[ "$(tshark -r "$TOPO_DIR/e.pcap" -T fields -e frame.cap_len | sort -n | tail -1)" -eq 64 ]
	run "$DUMP" -i "$TOPO_XIF" -Q sideways
	assert_equal "$status" 2
	run "$DUMP" -i "$TOPO_XIF" "tcp port"
	assert_equal "$status" 1
	assert_output --partial "filter"
}
