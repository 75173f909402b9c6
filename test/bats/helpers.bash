# SPDX-License-Identifier: MIT
# Shared set-up for the namespace suites.
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash
source "$BATS_TEST_DIRNAME/../lib/topo.bash"

ECHO=$TOPO_BIN/xtoe-echo
DUMP=$TOPO_BIN/xtoe-dump

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP)"
}

# Start the xtoe echo server the suites drive from the Linux side (log in
# $TOPO_DIR/echo.log, pid in SPAWN_PID) and wait until it answers.
xtoe_echo_start() {
	local port=${1:-7000}
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p "$port" >"$TOPO_DIR/echo.log" 2>&1
	wait_port l "$TOPO_XADDR" "$port"
}

# The usual suite set-up: a topology, xtoed (with OPTIONS) and the echo
# server (its pid in ECHO_PID).
echo_suite_up() { # [xtoed options]
	require_root
	topo_up
	xtoed_start "$@"
	xtoe_echo_start
	export ECHO_PID=$SPAWN_PID
}

need() {
	command -v "$1" >/dev/null || skip "$1 not installed (make deps)"
}

# nginx configuration serving $TOPO_DIR on addr:port with N workers
# running as USER (default root; nginx's `user` directive).
nginx_conf() {
	local name=$1 addr=$2 port=$3 workers=$4 user=${5:-root} dir=$TOPO_DIR/nginx-$1
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<-EOF
	daemon off;
	user $user;
	master_process on;
	worker_processes $workers;
	pid $dir/nginx.pid;
	error_log $dir/error.log;
	events { worker_connections 1024; }
	http {
		access_log off;
		sendfile on;
		tcp_nopush on;
		client_body_temp_path $dir;
		proxy_temp_path $dir;
		fastcgi_temp_path $dir;
		uwsgi_temp_path $dir;
		scgi_temp_path $dir;
		server { listen $addr:$port; root $TOPO_DIR; }
	}
	EOF
	echo "$dir/nginx.conf"
}

# Start a capture in the background: dump_start OUT ERR ARGS...; returns
# once it listens (the daemon has linked its module).
dump_start() {
	local out=$1 err=$2
	shift 2
	"$DUMP" -i "$TOPO_XIF" "$@" >"$out" 2>"$err" &
	DUMP_PID=$!
	DUMP_PIDS="${DUMP_PIDS:-} $DUMP_PID"
	wait_ready 200 "$DUMP_PID" "$err" grep -qE "listening on|capturing" "$err"
}

# Wait (at most 20 s) for a background capture to end by itself; one that
# does not is stopped, and that is a failure.
dump_wait() {
	wait_gone 400 "$DUMP_PID" || true
	if kill -0 "$DUMP_PID" 2>/dev/null; then
		kill -9 "$DUMP_PID"
		wait "$DUMP_PID" 2>/dev/null
		echo "xtoe-dump did not end by itself" >&2
		return 1
	fi
	wait "$DUMP_PID"
}

# SIGINT, then wait for it to exit.
dump_stop() {
	kill -INT "$DUMP_PID" 2>/dev/null || true
	dump_wait
}
