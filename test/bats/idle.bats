#!/usr/bin/env bats
# Adaptive waiting (common/spinwait.h): the data-path thread and the
# application's library spin only while the gap between messages is
# shorter than a wake-up, so at low load they sleep at once and burn no
# core. CPU time comes from /proc/PID/stat (utime + stime, in clock ticks).

load helpers

setup_file() {
	echo_suite_up
}

teardown_file() {
	topo_down
}

CTL=$TOPO_BIN/xtoectl

# One of the data-path's counters, current (the request makes it publish)
dp_counter() {
	"$CTL" -j stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["datapath"][sys.argv[1]])' "$1"
}

# CPU time (ms) a process has used so far
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"
}

@test "an idle xtoed uses almost no CPU (under 5 % of a core)" {
	local t0 t1
	t0=$(cpu_ms "$XTOED_PID")
	sleep 3
	t1=$(cpu_ms "$XTOED_PID")
	echo "xtoed: $((t1 - t0)) ms of CPU in 3 s idle"
	[ $((t1 - t0)) -le 150 ]
}

@test "one slow-paced client: xtoed and the echo server sleep between messages" {
	local x0 x1 e0 e1 s0 s1 n=1500
	x0=$(cpu_ms "$XTOED_PID")
	e0=$(cpu_ms "$ECHO_PID")
	s0=$(dp_counter sleeps)
	run limit 60 in_l python3 "$BATS_TEST_DIRNAME/paced_client.py" "$TOPO_XADDR" 7000 $n 1
	x1=$(cpu_ms "$XTOED_PID")
	e1=$(cpu_ms "$ECHO_PID")
	assert_success
	assert_output "requests $n"
	sleep 0.2
	s1=$(dp_counter sleeps)
	echo "per request: xtoed $(((x1 - x0) * 1000 / n)) us, echo server $(((e1 - e0) * 1000 / n)) us of CPU; data-path sleeps $((s1 - s0)) for $n requests"
	# The client waits 1 ms after each echo; the data-path spins at most
	# --spin-us (50 us of wall-clock time, however loaded the machine), so
	# it sleeps in every one of those gaps: a thread that spun through them
	# would sleep far fewer times. (The spin policy itself, which gap is
	# worth a spin, is checked without a clock in test/unit/test_spinwait.c.)
	[ $((s1 - s0)) -ge $((n - 2)) ]
	# and never a core: well under the 1 ms between requests
	[ $(((x1 - x0 + e1 - e0) * 1000 / n)) -le 300 ]
}
