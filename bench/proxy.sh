#!/usr/bin/env bash
# Proxy benchmark: a Linux client sends MIB MiB through xtoe-proxy to a Linux
# echo server and reads them back, copying through the application and
# spliced in the XDP hook, alternating, ROUNDS times. Prints medians as
# `name value unit` lines (throughput of one direction).
#
#   ROUNDS=3 MIB=64 bench/proxy.sh [xtoed options]
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash

ROUNDS=${ROUNDS:-3} MIB=${MIB:-64}
BIN=$TOPO_BIN
[ -f build/test/peer_pass.bpf.o ] || make --no-print-directory build/test/peer_pass.bpf.o
trap topo_down EXIT
topo_up
xtoed_start "$@"
in_x "$BIN/xtoectl" -s "$TOPO_SOCK" module add splice >/dev/null
topo_peer_xdp
spawn_l "$BIN/xtoe-echo" server --kernel -p 7100 >"$TOPO_DIR/kecho.log" 2>&1
wait_port l "$TOPO_LADDR" 7100
spawn_x env XTOE_SOCK="$TOPO_SOCK" "$BIN/xtoe-proxy" -l 7200 -c "$TOPO_LADDR:7100" >/dev/null 2>&1
spawn_x env XTOE_SOCK="$TOPO_SOCK" "$BIN/xtoe-proxy" -l 7201 -c "$TOPO_LADDR:7100" --splice >/dev/null 2>&1
wait_port l "$TOPO_XADDR" 7200
wait_port l "$TOPO_XADDR" 7201

res=$(mktemp)
for r in $(seq "$ROUNDS"); do
	for mode in copy:7200 splice:7201; do
		limit 120 in_l python3 test/bats/splice_client.py "$TOPO_XADDR" "${mode#*:}" \
			$((MIB * 1024 * 1024)) 0.5 | awk -v m="${mode%:*}" '$1 == "gbps" {print m, $2}' >>"$res"
	done
done

echo "config mib=$MIB rounds=$ROUNDS"
for m in copy splice; do
	echo "proxy_${m}_gbps $(awk -v m=$m '$1 == m {print $2}' "$res" | median) Gb/s"
done
rm -f "$res"
