# SPDX-License-Identifier: MIT
# A lossy link on the Linux peer's veth (the kernel has no netem): the tc
# programs of test/bpf/impair.bpf.c, attached by build/test/impair.
# Source after topo.bash, once topo_up has run:
#   impair_up "LOSS,DUP,REORDER,CORRUPT" "LOSS,DUP,CORRUPT"   (percent)
#   ... traffic ...
#   impair_down        # prints the program's counters
# Egress impairs what Linux sends, ingress what it receives. Segments are
# sent one per skb (gso_max_segs 1) so each is impaired on its own;
# reordered frames go through a slow htb class and fall behind.

impair_up() {
	local eg=$1 in=$2 i
	impair_down >/dev/null
	in_l ip link set dev "$TOPO_LIF" gso_max_segs 1 || return 1
	in_l tc qdisc replace dev "$TOPO_LIF" root handle 1: htb default 1 || return 1
	in_l tc class add dev "$TOPO_LIF" parent 1: classid 1:1 htb rate 100gbit quantum 60000
	in_l tc class add dev "$TOPO_LIF" parent 1: classid 1:2 htb rate 200mbit quantum 60000
	spawn_l "$TOPO_ROOT/build/test/impair" --dev "$TOPO_LIF" --egress "$eg" \
		--ingress "$in" --reorder-class 1:2 >"$TOPO_DIR/impair.log" 2>&1
	export IMPAIR_PID=$SPAWN_PID
	wait_ready 100 "$IMPAIR_PID" "$TOPO_DIR/impair.log" grep -q '^ready' "$TOPO_DIR/impair.log"
}

impair_down() {
	[ -n "${IMPAIR_PID:-}" ] || return 0
	kill -TERM "$IMPAIR_PID" 2>/dev/null
	wait "$IMPAIR_PID" 2>/dev/null
	IMPAIR_PID=
	in_l tc qdisc del dev "$TOPO_LIF" root 2>/dev/null
	grep -v '^ready' "$TOPO_DIR/impair.log"
}
