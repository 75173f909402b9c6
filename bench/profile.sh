#!/usr/bin/env bash
# Instructions per MiB of one bulk flow through xtoe, both daemons and both
# applications in one process (bench/loopbulk.c over the loopback port),
# counted by callgrind: a figure that does not drift with the machine's load.
# Two runs of different sizes; the difference divided by the extra MiB is
# the per-MiB cost (set-up and teardown cancel out).
#
#   bench/profile.sh [SMALL_MIB BIG_MIB]     (default 8 40)
#   TOP=N bench/profile.sh                   also the N costliest functions
#   RX=1 bench/profile.sh                    also the receiving data-path
#                                            thread alone, its top functions
#                                            inclusive (with TOP)
# Prints `name value unit` lines.
set -euo pipefail
cd "$(dirname "$0")/.."
SMALL=${1:-8} BIG=${2:-40} TOP=${TOP:-0} RX=${RX:-0}
BIN=${BUILD:-build}/bench/loopbulk
command -v valgrind >/dev/null || { echo "profile: valgrind is not installed (make deps)" >&2; exit 1; }
[ -x "$BIN" ] || make --no-print-directory "$BIN" >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

count() { # MIB -> total instructions (every thread)
	valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$1" "$BIN" "$1" \
		>/dev/null 2>"$dir/log.$1" || { cat "$dir/log.$1" >&2; exit 1; }
	callgrind_annotate "$dir/cg.$1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t { gsub(",", "", $1); t = $1 } END { print t }'
}

# MIB -> instructions of the thread that received the data (the one
# whose profile holds tcp_rx_copy); its profile is left in $dir/rx.MIB
count_rx() {
	local f best=0 n
	valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$dir/t.$1" \
		"$BIN" "$1" >/dev/null 2>"$dir/tlog.$1" || { cat "$dir/tlog.$1" >&2; exit 1; }
	for f in "$dir/t.$1"-*; do
		n=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null |
			awk '/:tcp_rx_copy / { gsub(",", "", $1); print $1; exit }')
		if [ -n "$n" ] && [ "$n" -gt "$best" ]; then
			best=$n
			cp "$f" "$dir/rx.$1"
		fi
	done
	callgrind_annotate "$dir/rx.$1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t { gsub(",", "", $1); t = $1 } END { print t }'
}

small=$(count "$SMALL")
big=$(count "$BIG")
awk -v s="$small" -v b="$big" -v m=$((BIG - SMALL)) \
	'BEGIN { printf "loop_instr_per_mib %.0f instr/MiB\n", (b - s) / m }'
if [ "$TOP" -gt 0 ]; then
	callgrind_annotate --inclusive=no "$dir/cg.$BIG" 2>/dev/null |
		awk -v n="$TOP" -v mib="$BIG" '/file:function/ { on = 1; next }
			on && NF >= 2 && k < n && $1 ~ /^[0-9,]+$/ { gsub(",", "", $1); for (i = 2; i <= NF; i++) if ($i ~ /:/) { f = $i; break }; sub(/.*:/, "", f)
				printf "fn_%s %.0f instr/MiB\n", f, $1 / mib; k++ }'
fi
if [ "$RX" = 1 ]; then
	rs=$(count_rx "$SMALL")
	rb=$(count_rx "$BIG")
	awk -v s="$rs" -v b="$rb" -v m=$((BIG - SMALL)) \
		'BEGIN { printf "rx_dp_instr_per_mib %.0f instr/MiB\n", (b - s) / m }'
	[ "$TOP" -gt 0 ] && callgrind_annotate --inclusive=yes "$dir/rx.$BIG" 2>/dev/null |
		awk -v n="$TOP" -v t="$rb" '/file:function/ { on = 1; next }
			on && NF >= 2 && k < n && $1 ~ /^[0-9,]+$/ { gsub(",", "", $1); f = ""; for (i = 2; i <= NF; i++) if ($i ~ /:/) { f = $i; break }; sub(/.*:/, "", f)
				if (f ~ /^(|clone|start_thread|dp_thread)$/ || seen[f]++) next
				printf "rx_incl_%s %.1f %%\n", f, 100 * $1 / t; k++ }'
fi
exit 0
