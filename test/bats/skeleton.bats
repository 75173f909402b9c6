#!/usr/bin/env bats
# The walking skeleton end to end: xtoe in one namespace, the Linux stack in
# the other, traffic both ways, the kernel's own services untouched.

load helpers

setup_file() {
	echo_suite_up
}

teardown_file() {
	topo_down
}

@test "a Linux client streams 16 MiB through the xtoe echo server and gets every byte back" {
	run limit 60 in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b $((16 * 1024 * 1024))
	assert_success
	assert_output --partial "bytes 16777216 B"
}

@test "32 concurrent Linux connections get correct echoes" {
	run limit 60 in_l "$ECHO" client --kernel -c "$TOPO_XADDR:7000" -n 32 -s 64 -d 2
	assert_success
	assert_line --regexp '^rps [0-9.]+ req/s$'
	assert_line --regexp '^p99 [0-9.]+ us$'
}

@test "the xtoe client works against a Linux echo server" {
	spawn_l "$ECHO" server --kernel -p 7100 >"$TOPO_DIR/kecho.log" 2>&1
	local kpid=$SPAWN_PID
	wait_port l "$TOPO_LADDR" 7100
	run limit 60 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" client -c "$TOPO_LADDR:7100" -n 8 -s 256 -d 2
	kill "$kpid"
	assert_success
	assert_line --regexp '^rps [0-9.]+ req/s$'
}

@test "spinning clients (--spin) get correct echoes on Linux sockets and on xtoe" {
	run limit 30 in_l "$ECHO" client --kernel --spin -c "$TOPO_XADDR:7000" -n 4 -s 64 -d 1
	assert_success
	assert_line --regexp '^requests [1-9][0-9]* *'
	spawn_l "$ECHO" server --kernel -p 7102 >"$TOPO_DIR/kecho3.log" 2>&1
	local kpid=$SPAWN_PID
	wait_port l "$TOPO_LADDR" 7102
	run limit 30 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" client --spin -c "$TOPO_LADDR:7102" -n 4 -s 64 -d 1
	kill "$kpid"
	assert_success
	assert_line --regexp '^requests [1-9][0-9]* *'
}

@test "the xtoe client streams 16 MiB through a Linux echo server" {
	spawn_l "$ECHO" server --kernel -p 7101 >"$TOPO_DIR/kecho2.log" 2>&1
	local kpid=$SPAWN_PID
	wait_port l "$TOPO_LADDR" 7101
	run limit 60 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" stream -c "$TOPO_LADDR:7101" -b $((16 * 1024 * 1024))
	kill "$kpid"
	assert_success
	assert_output --partial "bytes 16777216 B"
}

@test "kernel services on the same address keep working next to xtoe" {
	spawn_x socat TCP-LISTEN:8080,reuseaddr,fork EXEC:'echo kernel-says-hi'
	local spid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 8080
	run limit 10 in_l socat -T 5 - TCP:"$TOPO_XADDR":8080 </dev/null
	kill "$spid"
	assert_success
	assert_output "kernel-says-hi"
	run limit 10 in_l ping -c 1 -W 2 "$TOPO_XADDR"
	assert_success
}

@test "a closed xtoe port is refused by the kernel, not swallowed" {
	run limit 10 in_l socat -T 2 - TCP:"$TOPO_XADDR":7999 </dev/null
	assert_failure
	assert_output --partial "Connection refused"
}

@test "an application that dies resets its connections and xtoed keeps serving" {
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7200 >"$TOPO_DIR/victim.log" 2>&1
	local vpid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 7200 || { cat "$TOPO_DIR/victim.log"; false; }
	# a Linux client holding a connection open, reporting how it ended
	spawn_l python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 7200), timeout=10)
s.sendall(b"ping")
assert s.recv(4) == b"ping"
print("connected", flush=True)
try:
    data = s.recv(1)
    print("eof" if data == b"" else "data")
except ConnectionResetError:
    print("reset")
' "$TOPO_XADDR" >"$TOPO_DIR/victim-client.log" 2>&1
	local cpid=$SPAWN_PID
	# kill the server only once the client's connection is up
	for _ in $(seq 200); do
		grep -q connected "$TOPO_DIR/victim-client.log" && break
		sleep 0.05
	done
	kill -9 "$vpid"
	wait "$vpid" 2>/dev/null || true
	run limit 15 bash -c "while kill -0 $cpid 2>/dev/null; do sleep 0.1; done"
	run grep -v connected "$TOPO_DIR/victim-client.log"
	assert_output "reset"
	kill -0 "$XTOED_PID"
	# the port can be served again by a new application (once the dead one's
	# socket is closed, as with the kernel's own ports)
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7200 >"$TOPO_DIR/victim2.log" 2>&1
	local v2=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 7200 || { cat "$TOPO_DIR/victim2.log"; false; }
	run limit 30 in_l "$ECHO" client --kernel -c "$TOPO_XADDR:7200" -n 2 -s 32 -d 1
	kill "$v2"
	assert_success
}

@test "an orderly close from the Linux side is seen as end of stream by xtoe and answered with FIN" {
	run limit 10 in_l python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 7000), timeout=5)
s.sendall(b"x" * 1000)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    got += d
print(len(got))
' "$TOPO_XADDR"
	assert_success
	assert_output "1000"
}

@test "a stray ACK to an xtoe port is answered with RST (RFC 9293 3.10.7.1)" {
	run limit 10 in_l "$BATS_TEST_DIRNAME/../tools/rawtcp.py" "$TOPO_LADDR" "$TOPO_XADDR" 7000 A --ack 12345
	assert_success
	assert_output "R seq 12345 ack 0"
}

@test "a stray data segment without ACK gets RST-ACK covering it" {
	run limit 10 in_l "$BATS_TEST_DIRNAME/../tools/rawtcp.py" "$TOPO_LADDR" "$TOPO_XADDR" 7000 F --seq 1000
	assert_success
	assert_output --regexp '^RA seq 0 ack 1001$|^AR seq 0 ack 1001$'
}

@test "an xtoe connect to a closed Linux port fails with connection refused" {
	run limit 20 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" client -c "$TOPO_LADDR:7999" -n 1 -s 8 -d 1
	assert_failure
	assert_output --partial "refused"
}
