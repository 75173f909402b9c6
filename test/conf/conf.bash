# SPDX-License-Identifier: MIT
# Topology of the conformance suite (docs/conformance.md): the same
# scripts played against the Linux stack and against xtoe, each in its own
# pair of namespaces, at the same time.
#
#   stack ns  VETH 198.18.0.1/24  <-->  peer ns VETH (no address)
#
# The peer's kernel owns no address, so it never answers: the runner
# (run.py) is the peer, on AF_PACKET, as 198.18.0.2; the stack side knows
# 198.18.0.2's MAC from a static neighbour entry. Names start with "tc"
# and carry the pid, so concurrent runs never collide.
CONF_ROOT=${CONF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CONF_BIN=${CONF_BIN:-$CONF_ROOT/build/bin}
source "$CONF_ROOT/test/lib/wait.bash"

conf_ns() { nsenter --net=/var/run/netns/"$1" "${@:2}"; }
# The MAC of namespace NS's veth (named NSv).
conf_mac() { conf_ns "$1" ip -o link show dev "${1}v" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# conf_pair TAG: namespaces ${CONF_P}${TAG}s (stack) and ${CONF_P}${TAG}p.
conf_pair() {
	local s=${CONF_P}$1s p=${CONF_P}$1p mac
	ip netns add "$s" || return 1
	ip netns add "$p" || return 1
	ip link add "${s}v" netns "$s" type veth peer name "${p}v" netns "$p" || return 1
	conf_ns "$s" ip addr add 198.18.0.1/24 dev "${s}v"
	for n in "$s" "$p"; do
		conf_ns "$n" ip link set lo up
		conf_ns "$n" ip link set "${n}v" up
		conf_ns "$n" ethtool -K "${n}v" tx off tso off gso off gro off >/dev/null 2>&1
		conf_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	done
	mac=$(conf_mac "$p")
	conf_ns "$s" ip neigh replace 198.18.0.2 lladdr "$mac" dev "${s}v" nud permanent
}

conf_up() {
	CONF_P=tc$(printf '%x' $(( $$ % 65536 )))
	CONF_DIR=$(mktemp -d "/tmp/${CONF_P}.XXXX")
	export CONF_P CONF_DIR
	conf_pair l || return 1
	conf_pair x || return 1
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	conf_ns "${CONF_P}xs" env XTOE_DBG=${XTOE_DBG:-} "$CONF_BIN/xtoed" --iface "${CONF_P}xsv" --addr 198.18.0.1/24 \
		--sock "$CONF_DIR/xtoed.sock" --fw-file none "$@" >"$CONF_DIR/xtoed.log" 2>&1 &
	CONF_XTOED=$!
	export CONF_XTOED
	wait_ready 200 "$CONF_XTOED" "$CONF_DIR/xtoed.log" test -S "$CONF_DIR/xtoed.sock"
}

conf_down() {
	[ -n "${CONF_XTOED:-}" ] && kill -TERM "$CONF_XTOED" 2>/dev/null && wait "$CONF_XTOED" 2>/dev/null
	CONF_XTOED=
	[ -n "${CONF_P:-}" ] || return 0
	local n pids
	for n in ls lp xs xp; do
		pids=$(ip netns pids "${CONF_P}$n" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "${CONF_P}$n" 2>/dev/null
	done
	rm -rf "${CONF_DIR:?}" /sys/fs/bpf/xtoe/"${CONF_P}xsv" 2>/dev/null
	return 0
}

# conf_play STACK SCRIPT PORT: one run; output in $CONF_DIR/STACK.out
conf_play() {
	local st=$1 script=$2 port=$3 t=${1:0:1} agent mac
	mac=$(conf_mac "${CONF_P}${t}s")
	agent="nsenter --net=/var/run/netns/${CONF_P}${t}s"
	[ "$st" = xtoe ] && agent+=" $CONF_BIN/xtoe-run --sock $CONF_DIR/xtoed.sock --"
	agent+=" python3 -u"
	timeout --kill-after=5 60 nsenter --net=/var/run/netns/"${CONF_P}${t}p" \
		python3 "$CONF_ROOT/test/conf/run.py" --iface "${CONF_P}${t}pv" --stack-mac "$mac" \
		--agent "$agent" --stack "$st" --port "$port" "$script" >"$CONF_DIR/$st.out" 2>&1
}

# conf_script SCRIPT PORT: both stacks at once; both must pass.
conf_script() {
	local rl=0 rx=0
	conf_play linux "$1" "$2" & local pl=$!
	conf_play xtoe "$1" "$(( $2 + 1 ))" & local px=$!
	wait $pl || rl=$?
	wait $px || rx=$?
	cat "$CONF_DIR/linux.out" "$CONF_DIR/xtoe.out"
	[ $rl -eq 0 ] && [ $rx -eq 0 ]
}
