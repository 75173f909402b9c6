#!/usr/bin/env bash
# Instructions per request of a closed-loop 64-byte RPC through xtoe: both
# daemons and both applications in one process (bench/looprpc.c over the
# loopback port), counted by callgrind per thread: a figure that does not
# drift with the machine's load. Two runs of different lengths; the
# difference divided by the extra requests is the per-request cost (set-up
# and teardown cancel out).
#
#   bench/rpcprofile.sh [SMALL BIG [SIZE]]     (default 2000 10000 64)
# Prints `name value unit` lines, per request:
#   rpc_server_dp / rpc_client_dp   the data-path thread of host B (the echo
#                                   server's daemon) / of host A (the client's)
#   rpc_server_cp / rpc_client_cp   the control-plane threads
#   rpc_apps                        both applications (one thread: A's
#                                   client and B's echo, one send and one
#                                   receive each per request)
#   rpc_server                      server side: B's daemon and half of
#                                   rpc_apps (the echo application's share)
#   rpc_total                       everything
set -euo pipefail
cd "$(dirname "$0")/.."
SMALL=${1:-2000} BIG=${2:-10000} SIZE=${3:-64}
BIN=${BUILD:-build}/bench/looprpc
command -v valgrind >/dev/null || { echo "rpcprofile: valgrind is not installed (make deps)" >&2; exit 1; }
[ "$BIG" -gt "$SMALL" ] || { echo "rpcprofile: BIG ($BIG) must exceed SMALL ($SMALL)" >&2; exit 2; }
[ -x "$BIN" ] || make --no-print-directory "$BIN" >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

host() { [ "$1" -eq 0 ] && echo client || echo server; }

# roles N: one line per role (apps, client_cp, client_dp, server_cp,
# server_dp) with its instructions; threads are told apart by the function
# that runs them, hosts by creation order (A's daemon starts before B's).
roles() {
	local n=$1 f tot role seen_cp=0 seen_dp=0
	valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$dir/cg.$n" \
		"$BIN" "$n" "$SIZE" >/dev/null 2>"$dir/log.$n" || { cat "$dir/log.$n" >&2; exit 1; }
	for f in $(ls "$dir/cg.$n"-* | sort); do
		callgrind_annotate "$f" >"$dir/ann" 2>/dev/null
		tot=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$dir/ann")
		if grep -q ':dp_thread ' "$dir/ann"; then
			role=$(host $seen_dp)_dp
			seen_dp=$((seen_dp + 1))
		elif grep -q ':cp_run ' "$dir/ann"; then
			role=$(host $seen_cp)_cp
			seen_cp=$((seen_cp + 1))
		elif grep -q 'looprpc.c:main ' "$dir/ann"; then
			role=apps
		else
			echo "rpcprofile: thread $f runs none of main, cp_run, dp_thread" >&2
			exit 1
		fi
		echo "$role $tot"
	done
	[ "$seen_dp" -eq 2 ] && [ "$seen_cp" -eq 2 ] ||
		{ echo "rpcprofile: expected two daemons' threads, found $seen_cp cp and $seen_dp dp" >&2; exit 1; }
}

roles "$SMALL" >"$dir/small"
roles "$BIG" >"$dir/big"
awk -v d=$((BIG - SMALL)) '
	NR == FNR { s[$1] += $2; next }
	{ b[$1] += $2 }
	END {
		for (r in b) { v[r] = (b[r] - s[r]) / d; tot += v[r] }
		n = split("server_dp client_dp server_cp client_cp apps", order, " ")
		for (i = 1; i <= n; i++) printf "rpc_%s %.0f instr/req\n", order[i], v[order[i]]
		printf "rpc_server %.0f instr/req\n", v["server_dp"] + v["server_cp"] + v["apps"] / 2
		printf "rpc_total %.0f instr/req\n", tot
	}' "$dir/small" "$dir/big"
