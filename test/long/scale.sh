#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make test-long: xtoed at scale (issue 10). Not part of make test.
#
#  1. 64,000 concurrent connections: sixteen xtoe-echo servers (4,000
#     each: an application holds at most --ctx-flows 4096), four Linux
#     client processes of 16,000 (the open-file limit is 20,000 per
#     process); each echo checked, all held at once, then all closed at
#     once; the table must empty and the daemon still serve.
#  2. A soak: SOAK_SECONDS (default 180) of churn, two client processes
#     opening and closing 1,000 connections a round; then the same checks.
#
# The daemon is $XTOED (default build/bin/xtoed; an ASan build such as
# build/san/bin/xtoed works too: any sanitizer report fails the run), with
# $XTOED_OPTS; several data-path workers need a multi-queue veth:
#   TOPO_QUEUES=2 XTOED_OPTS="--workers 2" test/long/scale.sh
# Prints `name value unit` lines; exits 1 on the first failure.
set -u
cd "$(dirname "$0")/../.."
source test/lib/topo.bash
MASS=$TOPO_ROOT/test/tools/mass_conn.py
SOAK_SECONDS=${SOAK_SECONDS:-180}
CONNS=${CONNS:-64000}
CLIENTS=4
SERVERS=16
PORTS=7000-$((7000 + SERVERS - 1))

fail() {
	echo "not ok - $*"
	echo "# connections by state:"
	"$TOPO_BIN/xtoectl" conns exclude listening | awk 'NR > 1 {print $1}' | sort | uniq -c
	echo "# the Linux side:"
	in_l ss -Htan | awk '{print $1}' | sort | uniq -c
	"$TOPO_BIN/xtoectl" conns exclude listening | head -5
	"$TOPO_BIN/xtoectl" -j conns exclude listening | head -c 1500; echo
	"$TOPO_BIN/xtoectl" stats | grep -A4 drops
	tail -20 "$TOPO_DIR/xtoed.log" >&2
	exit 1
}

# Run $1 Linux clients of $2 connections each (rest: mass_conn options) in
# the background; pids in CLIENT_PIDS, logs $TOPO_DIR/client.N.
clients() {
	local n=$1 per=$2 i
	shift 2
	CLIENT_PIDS=()
	for i in $(seq "$n"); do
		spawn_l timeout -k 5 1200 python3 "$MASS" "$TOPO_XADDR" "$PORTS" \
			"$per" --tag "c$i" "$@" >"$TOPO_DIR/client.$i" 2>&1
		CLIENT_PIDS+=("$SPAWN_PID")
	done
}

clients_wait() {
	local p rc=0
	for p in "${CLIENT_PIDS[@]}"; do wait "$p" || rc=1; done
	[ "$rc" -eq 0 ] || { cat "$TOPO_DIR"/client.*; return 1; }
}

conns_count() {
	"$TOPO_BIN/xtoectl" -j conns exclude listening |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["conns"]))'
}

# Wait (at most $1 s) until the daemon holds no connection.
table_empties() {
	for _ in $(seq $(( $1 * 2 ))); do
		[ "$(conns_count)" = 0 ] && return 0
		sleep 0.5
	done
	return 1
}

serving() {
	limit 30 in_l python3 "$MASS" "$TOPO_XADDR" 7000 1 >/dev/null
}

sanitizer_clean() {
	! grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$TOPO_DIR/xtoed.log"
}

TOPO_P=${TOPO_P:-xrf$(printf '%x' $(( $$ % 65536 )))}
topo_up || fail "topology"
trap topo_down EXIT
in_l sysctl -qw net.ipv4.ip_local_port_range="10000 60999"
# shellcheck disable=SC2086 # XTOED_OPTS: words
xtoed_start --rx-buf 4096 --tx-buf 4096 --time-wait-ms 1000 ${XTOED_OPTS:-} || fail "xtoed start"
for p in $(seq 7000 $((7000 + SERVERS - 1))); do
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$TOPO_BIN/xtoe-echo" server -p "$p" \
		>"$TOPO_DIR/echo.$p" 2>&1
done
for p in $(seq 7000 $((7000 + SERVERS - 1))); do
	wait_port l "$TOPO_XADDR" "$p" || fail "echo server on $p"
done

# 1. 64K at once
t0=$(date +%s.%N)
clients "$CLIENTS" $((CONNS / CLIENTS)) --hold "$TOPO_DIR/release"
for _ in $(seq 2400); do # 20 min at most
	held=$(cat "$TOPO_DIR"/client.* 2>/dev/null | grep -c '^held')
	[ "$held" -eq "$CLIENTS" ] && break
	for p in "${CLIENT_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || { cat "$TOPO_DIR"/client.*; fail "a client ended early"; }
	done
	sleep 0.5
done
[ "$held" -eq "$CLIENTS" ] || fail "clients did not open their connections in time"
t1=$(date +%s.%N)
n=$(conns_count)
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$XTOED_PID/status")
echo "conns_held $n connections"
echo "open_rate $(echo "$n / ($t1 - $t0)" | bc) connections/s"
echo "daemon_rss_held $((rss / 1024)) MiB"
# each worker's share of them (with --workers N: every worker holds some)
"$TOPO_BIN/xtoectl" -j stats | python3 -c '
import json, sys
s = json.load(sys.stdin)
for k in sorted(s):
    if k.startswith("worker"):
        print(k + "_flows_held", s[k]["flows"], "connections")'
[ "$n" -ge "$CONNS" ] || fail "the daemon holds $n connections, not $CONNS"
t2=$(date +%s.%N)
touch "$TOPO_DIR/release"
clients_wait || fail "clients"
table_empties 120 || fail "the table did not empty: $(conns_count) left"
t3=$(date +%s.%N)
echo "close_all_time $(echo "($t3 - $t2) * 1000 / 1" | bc) ms"
serving || fail "no new connection after closing 64K"
echo "ok - $n connections echoed, held, closed; table empty; daemon serving"

# 2. soak
clients 2 1000 --seconds "$SOAK_SECONDS"
clients_wait || fail "soak clients"
total=$(cat "$TOPO_DIR"/client.* | awk '/^conns_total/ {s += $2} END {print s}')
echo "soak_connections $total connections"
echo "churn_rate $((total / SOAK_SECONDS)) connections/s"
table_empties 120 || fail "the table did not empty after the soak: $(conns_count) left"
serving || fail "no new connection after the soak"
kill -0 "$XTOED_PID" || fail "xtoed died"
xtoed_stop || fail "xtoed exited with an error"
sanitizer_clean || fail "sanitizer report in the daemon's log"
echo "ok - soak of ${SOAK_SECONDS} s against ${XTOED:-build/bin/xtoed}: table empty, daemon serving, clean exit"
