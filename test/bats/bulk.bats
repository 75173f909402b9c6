#!/usr/bin/env bats
# Bulk transfers: what bounds one flow's throughput that a test can check
# without timing it (the figures themselves come from bench/bulk.sh).

load helpers

setup_file() {
	echo_suite_up
}

teardown_file() {
	topo_down
}

# The largest send window (bytes) `ss` shows on the Linux end of the
# connection to xtoe's echo port, sampled while a client keeps it open.
peer_snd_wnd() {
	in_l ss -tin state established "( dport = :7000 )" |
		grep -oE 'snd_wnd:[0-9]+' | cut -d: -f2 | sort -n | tail -n 1
}

# A Linux client that sends BYTES, reads the echo back and keeps the
# connection open until its stdin closes (so ss can see it).
echo_hold() {
	in_l python3 -c '
import socket, sys
n = int(sys.argv[2])
s = socket.create_connection((sys.argv[1], 7000))
s.sendall(bytes(n))
got = 0
while got < n:
    b = s.recv(65536)
    if not b:
        sys.exit(1)
    got += len(b)
print("echoed", flush=True)
sys.stdin.read()
' "$TOPO_XADDR" "$1"
}

@test "xtoe's receive window lets a Linux sender keep 1 MiB in flight (default ring)" {
	# With a 256 KiB ring the window capped a bulk flow from a Linux
	# sender: ss showed it rwnd-limited about a fifth of the time.
	local fifo=$TOPO_DIR/hold wnd=0
	mkfifo "$fifo"
	echo_hold 1048576 <"$fifo" >"$TOPO_DIR/hold.out" &
	local pid=$!
	exec 4>"$fifo"
	for _ in $(seq 100); do
		grep -q echoed "$TOPO_DIR/hold.out" && break
		sleep 0.05
	done
	wnd=$(peer_snd_wnd)
	exec 4>&-
	wait "$pid"
	echo "window the Linux sender sees: ${wnd:-none} bytes"
	[ "${wnd:-0}" -ge 1048576 ]
}
