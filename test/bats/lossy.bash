# SPDX-License-Identifier: MIT
# Checked bulk transfers over the impaired link (test/lib/impair.bash), in
# both roles, for lossy.bats and workers.bats. LOSSY_BYTES: bytes each way.
source "$BATS_TEST_DIRNAME/../lib/impair.bash"

SHA=$BATS_TEST_DIRNAME/../tools/sha_stream.py
LOSSY_BYTES=${LOSSY_BYTES:-$((64 * 1024 * 1024))}

csum_errors() {
	in_l nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}'
}

# Linux client -> xtoe echo server: Linux sends LOSSY_BYTES, xtoe echoes them.
linux_client() {
	impair_up "$1" "$2"
	run limit 60 in_l python3 "$SHA" client "$TOPO_XADDR" 7000 "$LOSSY_BYTES"
	impair_down
	echo "$output"
	assert_success
	assert_line "bytes $LOSSY_BYTES"
}

# xtoe client -> Linux echo server: xtoe sends LOSSY_BYTES and checks every
# byte of the echo; the server checks the SHA-256 of what it received.
xtoe_client() {
	local port=$3
	spawn_l python3 "$SHA" server "$port" --pattern "$LOSSY_BYTES" >"$TOPO_DIR/sha$port.log" 2>&1
	local spid=$SPAWN_PID
	wait_port x "$TOPO_LADDR" "$port"
	impair_up "$1" "$2"
	run limit 60 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" stream -c "$TOPO_LADDR:$port" -b "$LOSSY_BYTES"
	impair_down
	local src=0
	wait "$spid" || src=$?
	cat "$TOPO_DIR/sha$port.log"
	assert_success
	assert_output --partial "bytes $LOSSY_BYTES B"
	[ "$src" -eq 0 ]
}

