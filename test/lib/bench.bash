# Helpers the bench/ scripts share (source after test/lib/topo.bash).

# The median of the numbers on stdin, one a line.
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# Take xtoe off the interface so Linux is measured fairly: stop xtoed (if
# it runs) and detach its XDP chain. Returns xtoed_stop's status.
xtoe_off() {
	local rc=0
	xtoed_stop || rc=$?
	in_x "$TOPO_BIN/xtoectl" -i "$TOPO_XIF" detach >/dev/null 2>&1 || true
	return "$rc"
}

# The machine's load (1-minute average, every process) as a `name value
# unit` line: benches print it at their start and end, since their figures
# are only comparable with the load they ran under. bench_load NAME
bench_load() {
	echo "$1 $(cut -d' ' -f1 /proc/loadavg) load_1min"
}
