# SPDX-License-Identifier: MIT
# Shared set-up for the namespace suites.
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash
source "$BATS_TEST_DIRNAME/../lib/topo.bash"

ECHO=$TOPO_BIN/xtoe-echo

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP)"
}

# Start the xtoe echo server the suites drive from the Linux side (log in
# $TOPO_DIR/echo.log, pid in SPAWN_PID) and wait until it answers.
xtoe_echo_start() {
	local port=${1:-7000}
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p "$port" >"$TOPO_DIR/echo.log" 2>&1
	wait_port l "$TOPO_XADDR" "$port"
}
