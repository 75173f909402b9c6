#!/usr/bin/env bash
# What the access checks cost a listen (docs/access.md): N listen/close
# pairs through the sockets library on a port below 1024 (capability read
# from /proc, kernel listeners asked with sock_diag, the port reserved for
# xtoe) and on a high port, and the same on the Linux stack. Prints
# `name value unit` lines (microseconds per listen+close, median of ROUNDS).
#
#   ROUNDS=5 N=500 bench/listen.sh [xtoed options]
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash

ROUNDS=${ROUNDS:-5} N=${N:-500}
trap topo_down EXIT
TOPO_P=${TOPO_P:-xb$(printf '%x' $(( $$ % 65536 )))} topo_up
xtoed_start "$@"

prog='import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
t = time.perf_counter()
for _ in range(n):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(); s.close()
print("%.1f" % ((time.perf_counter() - t) / n * 1e6))'

run_side() { # side port
	local pre=()
	[ "$1" = xtoe ] && pre=("$TOPO_BIN/xtoe-run" -s "$TOPO_SOCK" --)
	for _ in $(seq "$ROUNDS"); do
		in_x "${pre[@]}" python3 -c "$prog" "$2" "$N"
	done | median
}
echo "config n=$N rounds=$ROUNDS"
echo "xtoe_listen_close_port_80 $(run_side xtoe 80) us"
echo "xtoe_listen_close_port_8080 $(run_side xtoe 8080) us"
echo "linux_listen_close_port_80 $(run_side linux 80) us"
