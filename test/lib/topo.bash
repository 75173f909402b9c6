# SPDX-License-Identifier: MIT
# Two-namespace topology for tests, the demo and benchmarks.
#
#   namespace $TOPO_X (xtoe side)        namespace $TOPO_L (Linux peer)
#   $TOPO_XIF 198.18.0.1/24  <-- veth -->  $TOPO_LIF 198.18.0.2/24
#
# Names carry a per-run prefix so concurrent runs never collide; topo_down
# removes everything and is safe to call twice. Source this file, then:
#   topo_up; xtoed_start [xtoed options]; in_x CMD...; in_l CMD...; topo_down

TOPO_ROOT=${TOPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TOPO_BIN=${TOPO_BIN:-$TOPO_ROOT/build/bin}
source "$TOPO_ROOT/test/lib/wait.bash"
TOPO_XADDR=198.18.0.1
TOPO_LADDR=198.18.0.2

topo_prefix() {
	printf 'xt%x%02x' $(( $$ % 65536 )) $(( RANDOM % 256 ))
}

topo_up() {
	TOPO_P=${TOPO_P:-$(topo_prefix)}
	TOPO_X=${TOPO_P}x
	TOPO_L=${TOPO_P}l
	TOPO_XIF=${TOPO_P}xv
	TOPO_LIF=${TOPO_P}lv
	TOPO_DIR=$(mktemp -d "/tmp/${TOPO_P}.XXXX")
	TOPO_SOCK=$TOPO_DIR/xtoed.sock
	export TOPO_P TOPO_X TOPO_L TOPO_XIF TOPO_LIF TOPO_DIR TOPO_SOCK
	ip netns add "$TOPO_X" || return 1
	ip netns add "$TOPO_L" || return 1
	# TOPO_QUEUES=N: a multi-queue veth pair (N rx and tx queues each end)
	local q=()
	[ -n "${TOPO_QUEUES:-}" ] && q=(numtxqueues "$TOPO_QUEUES" numrxqueues "$TOPO_QUEUES")
	ip link add "$TOPO_XIF" netns "$TOPO_X" "${q[@]}" type veth peer name "$TOPO_LIF" \
		netns "$TOPO_L" "${q[@]}" || return 1
	in_x ip addr add "$TOPO_XADDR/24" dev "$TOPO_XIF"
	in_l ip addr add "$TOPO_LADDR/24" dev "$TOPO_LIF"
	in_x ip link set lo up
	in_l ip link set lo up
	in_x ip link set "$TOPO_XIF" up
	in_l ip link set "$TOPO_LIF" up
	# The Linux peer must put full checksums on the wire (veth offload).
	in_l ethtool -K "$TOPO_LIF" tx off >/dev/null
	in_x ethtool -K "$TOPO_XIF" tx off >/dev/null
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

topo_down() {
	xtoed_stop || true
	[ -n "${TOPO_X:-}" ] || return 0
	local pids ns
	for ns in "$TOPO_X" "$TOPO_L"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
	done
	sleep 0.1
	for ns in "$TOPO_X" "$TOPO_L"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# reap our own background jobs quietly (no "Killed" notices)
	{ wait; } 2>/dev/null
	rm -rf "${TOPO_DIR:?}" /sys/fs/bpf/xtoe/"$TOPO_XIF" 2>/dev/null
	return 0
}

# XDP_PASS on the Linux end of the veth, for tests where xtoe answers with
# XDP_TX (splice): the kernel delivers XDP_TX frames to a veth peer promptly
# only when the peer runs an XDP program (test/tools/peer_pass.bpf.c).
topo_peer_xdp() {
	in_l ip link set dev "$TOPO_LIF" xdpdrv \
		obj "$TOPO_ROOT/build/test/peer_pass.bpf.o" sec xdp
}

in_x() { nsenter --net=/var/run/netns/"$TOPO_X" "$@"; }
in_l() { nsenter --net=/var/run/netns/"$TOPO_L" "$@"; }

# Run with a time limit: limit SECONDS [in_x|in_l] CMD...
limit() {
	local t=$1
	shift
	case $1 in
	in_x) shift; set -- nsenter --net=/var/run/netns/"$TOPO_X" "$@" ;;
	in_l) shift; set -- nsenter --net=/var/run/netns/"$TOPO_L" "$@" ;;
	esac
	timeout --kill-after=5 "$t" "$@"
}

# Start xtoed on the xtoe side; waits until its socket serves. XTOED (or
# XTOED_BIN) names another build of it (the sanitizers' build/san/bin/xtoed).
xtoed_start() {
	rm -f "$TOPO_SOCK" # a killed daemon's: wait for the new one's
	spawn_x "${XTOED:-${XTOED_BIN:-$TOPO_BIN/xtoed}}" --iface "$TOPO_XIF" --addr "$TOPO_XADDR/24" \
		--sock "$TOPO_SOCK" --fw-file "$TOPO_DIR/fw.rules" "$@" \
		>"$TOPO_DIR/xtoed.log" 2>&1
	export XTOED_PID=$SPAWN_PID
	export XTOE_SOCK=$TOPO_SOCK
	wait_for 100 "$XTOED_PID" test -S "$TOPO_SOCK" && return 0
	echo "xtoed did not start:" >&2
	cat "$TOPO_DIR/xtoed.log" >&2
	return 1
}

# The running xtoed's pid, from its interface lock (for a test whose daemon
# an earlier test of the file restarted).
xtoed_find() {
	XTOED_PID=$(head -n 1 "/run/xtoe/$TOPO_XIF.lock" 2>/dev/null || true)
}

# SIGKILL the xtoed that holds the interface's lock and wait (at most
# 10 s) until it is gone: its lock, socket and links are the kernel's to
# release by then.
xtoed_kill() {
	xtoed_find
	[ -n "${XTOED_PID:-}" ] || return 0
	kill -9 "$XTOED_PID" 2>/dev/null || true
	wait_gone 200 "$XTOED_PID" || true
	wait "$XTOED_PID" 2>/dev/null || true
	XTOED_PID=
}

# Wait (at most 10 s) until no XDP program is attached on the xtoe side
# (a dead process's link is released a little after it is gone).
xdp_gone() { wait_for 200 "" xdp_absent; }
xdp_absent() { ! in_x ip -d link show "$TOPO_XIF" | grep -q "prog/xdp"; }

# Stop xtoed (SIGTERM, then SIGKILL after 5 s). Returns xtoed's exit status.
xtoed_stop() {
	local rc=0
	[ -n "${XTOED_PID:-}" ] || xtoed_find
	[ -n "${XTOED_PID:-}" ] || return 0
	kill -TERM "$XTOED_PID" 2>/dev/null || true
	wait_gone 100 "$XTOED_PID" || true
	kill -9 "$XTOED_PID" 2>/dev/null || true
	wait "$XTOED_PID" 2>/dev/null || rc=$?
	XTOED_PID=
	return $rc
}

# Start a command in the background in a namespace; SPAWN_PID is the
# command's own pid (nsenter execs it), so it can be signalled directly.
# Redirect the call's output as needed: spawn_x CMD... >log 2>&1
spawn_x() { nsenter --net=/var/run/netns/"$TOPO_X" "$@" & SPAWN_PID=$!; }
spawn_l() { nsenter --net=/var/run/netns/"$TOPO_L" "$@" & SPAWN_PID=$!; }

# Wait until a TCP port accepts connections from the given side (x or l).
wait_port() {
	local side=$1 addr=$2 port=$3
	wait_for 100 "" "in_$side" bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null
}
