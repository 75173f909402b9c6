#!/usr/bin/env bash
# Merged transmit (xtoed --tx-gso) where the kernel must segment again: one
# iperf3 flow from xtoe to xtoe (a second xtoed on the peer end, whose XDP
# chain takes TSO away from our end), the sender's daemon with --tx-gso on
# and off, alternating within each round; medians over ROUNDS.
#
#   ROUNDS=3 SECS=3 bench/txgso.sh
# Prints `name value unit` lines; ratio = on / off.
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/topo.bash
source test/lib/bench.bash
ROUNDS=${ROUNDS:-3} SECS=${SECS:-3}
RUN=$TOPO_BIN/xtoe-run
command -v iperf3 >/dev/null || { echo "txgso: iperf3 is not installed (make deps)" >&2; exit 1; }

trap 'topo_down' EXIT
load_start=$(bench_load load_start)
topo_up
res=$(mktemp -p "$TOPO_DIR")
LSOCK=$TOPO_DIR/l.sock
spawn_l "$TOPO_BIN/xtoed" --iface "$TOPO_LIF" --addr "$TOPO_LADDR/24" --sock "$LSOCK" \
	--fw-file none >"$TOPO_DIR/l.log" 2>&1
for _ in $(seq 100); do [ -S "$LSOCK" ] && break; sleep 0.05; done
spawn_l env XTOE_SOCK="$LSOCK" "$RUN" -- iperf3 -s -4 -B "$TOPO_LADDR" -p 5201 >/dev/null 2>&1
sleep 0.5

gbps() {
	local out
	out=$(limit $((SECS + 20)) in_x "$RUN" -- iperf3 -4 -c "$TOPO_LADDR" -p 5201 -t "$SECS" -f g 2>&1) || true
	awk '/receiver/ { for (i = 1; i <= NF; i++) if ($(i+1) == "Gbits/sec") v = $i }
		END { print (v == "" ? 0 : v) }' <<<"$out"
}

for _ in $(seq "$ROUNDS"); do
	for g in on off; do
		xtoed_start --tx-gso "$g"
		echo "$g $(gbps)" >>"$res"
		xtoed_stop
	done
done
echo "config rounds=$ROUNDS secs=$SECS xtoe_to_xtoe"
echo "$load_start"
bench_load load_end
for g in on off; do
	declare -A m
	m[$g]=$(awk -v g=$g '$1 == g {print $2}' "$res" | median)
	echo "xtoe_gso_${g}_send_1flow ${m[$g]} Gbit/s"
done
awk -v a="${m[on]}" -v b="${m[off]}" 'BEGIN { if (b > 0) printf "ratio_gso_on_off %.2f x\n", a / b }'
[ -n "${KEEP:-}" ] && cat "$res" >&2
exit 0
