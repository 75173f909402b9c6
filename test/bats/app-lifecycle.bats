#!/usr/bin/env bats
# Applications cannot crash or wedge xtoed: programs that connect and exit at
# once, applications killed with SIGKILL, hostile clients of the unix socket.
# The daemon here is the ASan+UBSan build (make san: build/san/bin/xtoed);
# any sanitizer report fails the test that was running, and every test ends
# with a checked echo through the daemon.

load helpers

RUN=$TOPO_BIN/xtoe-run
CTL=$TOPO_BIN/xtoectl
HOSTILE=$BATS_TEST_DIRNAME/../tools/hostile.py

setup_file() {
	require_root
	export TOPO_P=xra$(printf '%x%02x' $(( $$ % 65536 )) $(( RANDOM % 256 )))
	topo_up
	export XTOED_BIN=${XTOED_SAN:-$TOPO_ROOT/build/san/bin/xtoed}
	[ -x "$XTOED_BIN" ] || { echo "no $XTOED_BIN: run make san" >&2; return 1; }
	export ASAN_OPTIONS="log_path=$TOPO_DIR/san:detect_leaks=1:abort_on_error=1"
	export UBSAN_OPTIONS="log_path=$TOPO_DIR/san:print_stacktrace=1:halt_on_error=1"
	xtoed_start
	xtoe_echo_start
}

teardown_file() {
	topo_down
}

# No sanitizer report so far, and the daemon still runs.
san_clean() {
	local f
	for f in "$TOPO_DIR"/san.*; do
		[ -e "$f" ] || continue
		echo "sanitizer report $f:" >&2
		head -n 40 "$f" >&2
		return 1
	done
	kill -0 "$XTOED_PID" || { echo "xtoed died:" >&2; tail -n 20 "$TOPO_DIR/xtoed.log" >&2; return 1; }
}

# A Linux client's echoes through the xtoe echo server, each one checked.
checked_echo() {
	run limit 30 in_l "$ECHO" client --kernel -c "$TOPO_XADDR:7000" -n 4 -s 512 -d 1
	assert_success
	assert_line --regexp '^rps [0-9.]+ req/s$'
	san_clean
}

# Until xtoectl conns lists no connection but listeners (at most 10 s).
conns_empty() {
	for _ in $(seq 200); do
		"$CTL" -j conns | python3 -c '
import json, sys
sys.exit(any(c["state"] != "LISTEN" for c in json.load(sys.stdin)["conns"]))' && return 0
		sleep 0.05
	done
	"$CTL" conns >&2
	return 1
}

@test "programs that connect_ex to a closed port, close and os._exit under xtoe-run do not hurt xtoed" {
	for i in $(seq 30); do
		limit 20 in_x "$RUN" -- python3 -c '
import os, socket, sys
s = socket.socket()
s.setblocking(False)
s.connect_ex((sys.argv[1], 7999))
s.close()
os._exit(0)' "$TOPO_LADDR" || { echo "run $i failed" >&2; false; }
		kill -0 "$XTOED_PID"
	done
	san_clean
	conns_empty
	checked_echo
}

@test "libxtoe programs that connect, close and _exit do not hurt xtoed" {
	for i in $(seq 30); do
		limit 20 in_x env XTOE_SOCK="$TOPO_SOCK" LIBXTOE="$TOPO_ROOT/build/lib/libxtoe.so.1" python3 -c '
import ctypes, os, socket, struct, sys
x = ctypes.CDLL(os.environ["LIBXTOE"])
ctx, conn = ctypes.c_void_p(), ctypes.c_void_p()
assert x.xtoe_ctx_open(ctypes.byref(ctx), os.environ["XTOE_SOCK"].encode()) == 0
sa = struct.pack("=HH4s8x", socket.AF_INET, socket.htons(7999), socket.inet_aton(sys.argv[1]))
assert x.xtoe_connect(ctx, ctypes.c_char_p(sa), ctypes.byref(conn)) == 0
x.xtoe_close(conn)
os._exit(0)' "$TOPO_LADDR" || { echo "run $i failed" >&2; false; }
	done
	san_clean
	conns_empty
	checked_echo
}

@test "echo servers killed with SIGKILL while clients stream do not hurt xtoed" {
	for i in $(seq 4); do
		spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7200 >"$TOPO_DIR/victim.log" 2>&1
		local vpid=$SPAWN_PID
		wait_port l "$TOPO_XADDR" 7200 || { cat "$TOPO_DIR/victim.log"; false; }
		spawn_l "$ECHO" client --kernel -c "$TOPO_XADDR:7200" -n 8 -s 4096 -d 5 \
			>"$TOPO_DIR/victim-client.log" 2>&1
		local cpid=$SPAWN_PID
		# the clients are running once the server has taken connections
		for _ in $(seq 100); do
			[ "$("$CTL" -j conns | grep -c '"ESTABLISHED"')" -ge 8 ] && break
			sleep 0.05
		done
		kill -9 "$vpid"
		wait "$vpid" 2>/dev/null || true
		limit 15 bash -c "while kill -0 $cpid 2>/dev/null; do sleep 0.1; done"
		san_clean
	done
	conns_empty
	checked_echo
}

@test "hostile clients: pid 0, repeated HELLO, requests before HELLO, truncated, split, too long, random bytes" {
	run limit 60 python3 "$HOSTILE" "$TOPO_SOCK" pid0 rehello early truncated split toolong random
	echo "$output"
	assert_success
	assert_line "pid0 ok"
	assert_line "split ok"
	assert_line "random ok"
	san_clean
	conns_empty
	checked_echo
}

# A Linux peer on PORT with an established connection (log PORT.peer);
# once $TOPO_DIR/go exists it sends again and prints how that ended.
restart_peer() {
	spawn_l python3 -c '
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"ping")
assert s.recv(4) == b"ping"
print("connected", flush=True)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
try:
    s.sendall(b"again")
    s.settimeout(5)
    print("eof" if s.recv(5) == b"" else "data", flush=True)
except ConnectionResetError:
    print("reset", flush=True)
except socket.timeout:
    print("timeout", flush=True)
' "$TOPO_XADDR" "$1" "$TOPO_DIR/go" >"$TOPO_DIR/$1.peer" 2>&1
	for _ in $(seq 200); do
		grep -q connected "$TOPO_DIR/$1.peer" && return 0
		sleep 0.05
	done
	cat "$TOPO_DIR/$1.peer" >&2
	return 1
}

@test "after xtoed restarts, applications get errors on every xtoe socket, nothing spins, peers get RST" {
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7300 >"$TOPO_DIR/orphan.log" 2>&1
	local epid=$SPAWN_PID
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$RUN" -- python3 \
		"$BATS_TEST_DIRNAME/../tools/orphan_server.py" 7301 >"$TOPO_DIR/orphan2.log" 2>&1
	local rpid=$SPAWN_PID
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$RUN" -- python3 \
		"$BATS_TEST_DIRNAME/../tools/orphan_server.py" 7302 asyncio "$TOPO_DIR/stop" \
		>"$TOPO_DIR/orphan3.log" 2>&1
	local apid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 7300 || { cat "$TOPO_DIR/orphan.log"; false; }
	restart_peer 7300
	local p1=$SPAWN_PID
	restart_peer 7301
	local p2=$SPAWN_PID
	restart_peer 7302
	grep -q accepted "$TOPO_DIR/orphan2.log"
	grep -q accepted "$TOPO_DIR/orphan3.log"
	san_clean
	xtoed_kill
	xtoed_start
	# libxtoe: the application is told, once, and exits
	run limit 15 bash -c "while kill -0 $epid 2>/dev/null; do sleep 0.1; done"
	assert_success
	run cat "$TOPO_DIR/orphan.log"
	assert_output --partial "daemon"
	# port 7300 served again: the new daemon, not Linux, sees the old
	# connection's next segment, and answers it with RST
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7300 >"$TOPO_DIR/again.log" 2>&1
	wait_port l "$TOPO_XADDR" 7300 || { cat "$TOPO_DIR/again.log"; false; }
	touch "$TOPO_DIR/go"
	run limit 15 bash -c "while kill -0 $p1 2>/dev/null || kill -0 $p2 2>/dev/null; do sleep 0.1; done"
	assert_success
	run cat "$TOPO_DIR/7300.peer" "$TOPO_DIR/7301.peer"
	assert_output "$(printf 'connected\nreset\nconnected\nreset')"
	# the sockets library: blocking calls return errors, a select reports
	# the listener (its accept fails), little CPU spent
	run limit 15 bash -c "while kill -0 $rpid 2>/dev/null; do sleep 0.1; done"
	assert_success
	run cat "$TOPO_DIR/orphan2.log"
	assert_line "recv error ECONNRESET"
	assert_line "accept error ECONNRESET"
	# said once by accept; from then on the listener is quiet
	assert_line "select 0"
	assert_line --regexp '^cpu 0\.[0-4][0-9]$'
	assert_output --partial "listener on port 7301 lost xtoed"
	# an event loop that logs a failed accept and goes on: one failure,
	# not a loop spinning on it (every test above took its time meanwhile)
	touch "$TOPO_DIR/stop"
	run limit 15 bash -c "while kill -0 $apid 2>/dev/null; do sleep 0.1; done"
	assert_success
	run cat "$TOPO_DIR/orphan3.log"
	assert_line "accept errors 1"
	xtoe_echo_start
	checked_echo
}

@test "the sanitizers' xtoed stops cleanly on SIGTERM with nothing to report" {
	local pid=$XTOED_PID
	xtoed_stop || true # (its status is not ours to wait for: setup_file started it)
	! kill -0 "$pid" 2>/dev/null
	run grep -c "ERROR: \|runtime error" "$TOPO_DIR/xtoed.log"
	assert_output "0"
	san_clean_files=$(ls "$TOPO_DIR"/san.* 2>/dev/null || true)
	[ -z "$san_clean_files" ] || { head -n 60 "$TOPO_DIR"/san.* >&2; false; }
}
