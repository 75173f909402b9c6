#!/usr/bin/env bats
# Unmodified applications on xtoe through libxtoe-sockets (xtoe-run), against
# Linux peers. Throughput lines ("# app: xtoe N, linux M") compare the same
# client against the application under xtoe and under the Linux stack, in
# the same run; they are also appended to $TOPO_DIR/results.

load helpers

RUN=$TOPO_BIN/xtoe-run

setup_file() {
	require_root
	topo_up
	xtoed_start
	head -c $((8 * 1024 * 1024)) /dev/urandom >"$TOPO_DIR/blob"
	sha256sum <"$TOPO_DIR/blob" | cut -d' ' -f1 >"$TOPO_DIR/blob.sha"
}

teardown_file() {
	topo_down
}

# Report a comparison on the TAP stream.
report() {
	echo "# $*" >&3
	echo "$*" >>"$TOPO_DIR/results"
}

need() {
	command -v "$1" >/dev/null || skip "$1 not installed (make deps)"
}

# nginx configuration serving $TOPO_DIR on addr:port with N workers.
nginx_conf() {
	local name=$1 addr=$2 port=$3 workers=$4 dir=$TOPO_DIR/nginx-$1
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<-EOF
	daemon off;
	user root;
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

@test "curl on xtoe downloads 8 MiB from a Linux nginx, checksum verified" {
	need curl
	need nginx
	spawn_l nginx -c "$(nginx_conf l "$TOPO_LADDR" 8080 1)" -p "$TOPO_DIR"
	wait_port l "$TOPO_LADDR" 8080
	run limit 30 in_x "$RUN" -- curl -sS -o "$TOPO_DIR/got" "http://$TOPO_LADDR:8080/blob"
	assert_success
	assert_equal "$(sha256sum <"$TOPO_DIR/got" | cut -d' ' -f1)" "$(cat "$TOPO_DIR/blob.sha")"
}

@test "curl on xtoe: a closed Linux port fails the connect like Linux does" {
	need curl
	run limit 20 in_x "$RUN" -- curl -sS -o /dev/null "http://$TOPO_LADDR:8999/"
	assert_failure 7
}

@test "socat on xtoe relays 1 MiB both ways between Linux peers" {
	need socat
	head -c 1048576 /dev/urandom >"$TOPO_DIR/relay.in"
	spawn_l socat TCP-LISTEN:9100,reuseaddr,fork EXEC:cat
	wait_port l "$TOPO_LADDR" 9100
	spawn_x "$RUN" -- socat TCP-LISTEN:9000,reuseaddr TCP:"$TOPO_LADDR":9100
	local rpid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 9000
	sleep 0.2 # the probe connection of wait_port went through the relay
	spawn_x "$RUN" -- socat TCP-LISTEN:9001,reuseaddr TCP:"$TOPO_LADDR":9100
	sleep 0.3
	limit 20 in_l socat -t 5 -T 10 TCP:"$TOPO_XADDR":9001 - <"$TOPO_DIR/relay.in" >"$TOPO_DIR/relay.out"
	cmp "$TOPO_DIR/relay.in" "$TOPO_DIR/relay.out"
	kill "$rpid" 2>/dev/null || true
}

@test "socat on xtoe with fork per connection serves sequential clients" {
	need socat
	spawn_x "$RUN" -- socat TCP-LISTEN:9002,reuseaddr,fork EXEC:'echo forked-hello'
	sleep 0.3
	for i in 1 2 3; do
		run limit 10 in_l socat -T 5 - TCP:"$TOPO_XADDR":9002 </dev/null
		assert_success
		assert_output "forked-hello"
	done
}

# memaslap against memcached on addr:port: prints TPS.
memaslap_tps() {
	limit 30 in_l memcaslap -s "$1" -T 2 -c 32 -t 3s 2>&1 |
		sed -n 's/.*TPS: \([0-9]*\).*/\1/p' | tail -1
}

@test "memcached on xtoe serves memcaslap and memcslap from Linux" {
	need memcached
	need memcaslap
	spawn_x "$RUN" -- memcached -u root -l "$TOPO_XADDR" -p 11211 -t 2 -U 0
	spawn_x memcached -u root -l "$TOPO_XADDR" -p 11311 -t 2 -U 0
	wait_port l "$TOPO_XADDR" 11211
	wait_port l "$TOPO_XADDR" 11311
	local x k
	x=$(memaslap_tps "$TOPO_XADDR:11211")
	k=$(memaslap_tps "$TOPO_XADDR:11311")
	report "memcached (memcaslap -T 2 -c 32, TPS): xtoe $x, linux $k"
	[ "${x:-0}" -gt 1000 ]
	run limit 30 in_l memcslap --servers="$TOPO_XADDR:11211" --concurrency=8 --execute-number=500
	assert_success
}

@test "the memcached client library on xtoe talks to a Linux memcached" {
	need memcached
	need memccp
	spawn_l memcached -u root -l "$TOPO_LADDR" -p 11411 -U 0
	wait_port l "$TOPO_LADDR" 11411
	echo "value-from-xtoe" >"$TOPO_DIR/mckey"
	run limit 20 in_x "$RUN" -- memccp --servers="$TOPO_LADDR:11411" "$TOPO_DIR/mckey"
	assert_success
	run limit 20 in_x "$RUN" -- memccat --servers="$TOPO_LADDR:11411" mckey
	assert_success
	assert_output "value-from-xtoe"
}
