#!/bin/bash
# Runs inside the emulated arm64 machine (test/arm64/system.sh boots it):
# the BPF table tests and the ordering stress tests on Debian's arm64
# kernel, then xtoed on a veth pair against the Linux stack: interop in both
# roles, a 16 MiB checked echo each way, the module chain, a lossy link.
# Prints TAP lines and, last, "N passed, N failed, N skipped".
set -u
export TOPO_ROOT=/xtoe TOPO_BIN=/xtoe/build/bin
cd /xtoe
source test/lib/topo.bash
source test/lib/impair.bash
ECHO=$TOPO_BIN/xtoe-echo
CTL=$TOPO_BIN/xtoectl
results=/tmp/results
: > "$results"
pass=0 fail=0 n=0

# t NAME FUNCTION: one TAP line with the time it took; the function's
# output is shown only when it fails.
# (in this shell, not a subshell: xtoed_start exports what later tests use)
t() {
	local name=$1 start=$SECONDS rc
	shift
	n=$((n + 1))
	"$@" >/tmp/t.out 2>&1; rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $n - $name ($((SECONDS - start)) s)"
		pass=$((pass + 1))
	else
		echo "not ok $n - $name ($((SECONDS - start)) s)"
		tail -40 /tmp/t.out | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
}

echo "# $(uname -srm), $(nproc) CPUs"

echo "# BPF table tests and ordering stress tests on the arm64 kernel"
RESULTS_FILE=$results test/run-unit.sh build/test/bpf_test_* \
	build/test/test_order build/test/test_queue | sed 's/^/# /'

# The stream client checks every byte it gets back; it reports the total.
stream_ok() { grep -qx "bytes $2 B" <<<"$1" || { echo "$1"; return 1; }; }
# ... and the RPC client every reply.
rpc_ok() { grep -Eq '^requests [1-9]' <<<"$1" || { echo "$1"; return 1; }; }

server_role_rpc() {
	local out
	out=$(limit 180 in_l "$ECHO" client --kernel -c "$TOPO_XADDR:7000" -n 2 -d 3 2>&1) || { echo "$out"; return 1; }
	rpc_ok "$out"
}
client_role_rpc() {
	local out
	out=$(limit 180 in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" client -c "$TOPO_LADDR:7001" -n 2 -d 3 2>&1) || { echo "$out"; return 1; }
	rpc_ok "$out"
}
stream_to_xtoe() {	# Linux client, xtoe echo server
	local out
	out=$(limit "${2:-300}" in_l "$ECHO" stream --kernel -c "$TOPO_XADDR:7000" -b "$1" 2>&1) || { echo "$out"; return 1; }
	stream_ok "$out" "$1"
}
stream_to_linux() {	# xtoe client, Linux echo server
	local out
	out=$(limit "${2:-300}" in_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" stream -c "$TOPO_LADDR:7001" -b "$1" 2>&1) || { echo "$out"; return 1; }
	stream_ok "$out" "$1"
}
seen() { "$CTL" module list | awk -v m="$1" '$2 == m { print $5 }'; }
module_chain() {
	"$CTL" module add build/examples/modules/port_count.bpf.o || return 1
	"$CTL" module add firewall || return 1
	"$CTL" module add capture || return 1
	"$CTL" module list
	stream_to_xtoe 1048576 || return 1
	"$CTL" module list
	[ "$(seen port_count)" -gt 10 ] && [ "$(seen capture)" -gt 10 ] || return 1
	for m in port_count firewall capture; do "$CTL" module del $m || return 1; done
}
lossy() {
	impair_up "$1" "$2" || return 1
	stream_to_xtoe "$3" 600 && stream_to_linux "$3" 600
	local rc=$?
	impair_down
	return $rc
}
clean_stop() {
	xtoed_stop || return 1
	! ip -n "$TOPO_X" link show "$TOPO_XIF" | grep -q xdp
}

topo_up || { echo "not ok - topology"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
t "xtoed starts on a veth pair" xtoed_start
spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7000 >"$TOPO_DIR/echo.log" 2>&1
spawn_l "$ECHO" server --kernel -p 7001 >"$TOPO_DIR/echo-linux.log" 2>&1
t "xtoe echo server answers" wait_port l "$TOPO_XADDR" 7000
t "Linux echo server answers" wait_port x "$TOPO_LADDR" 7001
t "interop: Linux client, xtoe server (RPC, every reply checked)" server_role_rpc
t "interop: xtoe client, Linux server (RPC, every reply checked)" client_role_rpc
t "16 MiB checked echo: Linux client, xtoe server" stream_to_xtoe 16777216
t "16 MiB checked echo: xtoe client, Linux server" stream_to_linux 16777216
t "module chain: port_count, firewall, capture see the traffic" module_chain
t "lossy link, 2% loss both ways: 4 MiB checked each way, both roles" lossy 2,0,0,0 2,0,0 4194304
t "xtoed stops cleanly and removes its XDP program" clean_stop
topo_down

echo "$pass $fail 0" >> "$results"
read -r P F S < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$results")
echo "$P passed, $F failed, $S skipped"
