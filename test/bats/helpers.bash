# SPDX-License-Identifier: MIT
# Shared set-up for the namespace suites.
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash
source "$BATS_TEST_DIRNAME/../lib/topo.bash"

ECHO=$TOPO_BIN/xtoe-echo

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
