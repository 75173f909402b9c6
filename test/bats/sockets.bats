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
	# Linux peer for test/tools/sockcheck.py: echo 7300, reset 7301, watch 7302
	spawn_l python3 "$TOPO_ROOT/test/tools/sockpeer.py" "$TOPO_LADDR" 7300 \
		>"$TOPO_DIR/peer.log" 2>&1
	sha256sum <"$TOPO_DIR/blob" | cut -d' ' -f1 >"$TOPO_DIR/blob.sha"
}

teardown_file() {
	topo_down
}

# One socket-semantics check of test/tools/sockcheck.py on xtoe.
sockcheck() {
	wait_port l "$TOPO_LADDR" 7302
	run limit 60 in_x "$RUN" -- python3 "$TOPO_ROOT/test/tools/sockcheck.py" \
		"$TOPO_LADDR" 7300 "$1"
	assert_success
	assert_line "ok $1"
}

# Report a comparison on the TAP stream.
report() {
	echo "# $*" >&3
	echo "$*" >>"$TOPO_DIR/results"
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
	# the client half-closes at once: the child answers after the FIN,
	# the parent has closed its copy right after the fork
	for i in 1 2 3 4 5; do
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

# redis-benchmark GET/SET against redis-server on port: "SET GET" rps.
redis_rps() {
	limit 60 in_l redis-benchmark -h "$TOPO_XADDR" -p "$1" -c 50 -n 50000 \
		-t get,set -q 2>&1 | tr '\r' '\n' |
		sed -n 's/^\(SET\|GET\): \([0-9.]*\) requests per second.*/\2/p' | xargs
}

@test "redis-server on xtoe serves redis-benchmark GET/SET -c 50 from Linux" {
	need redis-server
	need redis-benchmark
	local opts=(--save '' --appendonly no --protected-mode no --bind "$TOPO_XADDR")
	spawn_x "$RUN" -- redis-server --port 6379 "${opts[@]}"
	spawn_x redis-server --port 6479 "${opts[@]}"
	wait_port l "$TOPO_XADDR" 6379
	wait_port l "$TOPO_XADDR" 6479
	local x k
	x=$(redis_rps 6379)
	k=$(redis_rps 6479)
	report "redis (redis-benchmark -c 50, SET GET req/s): xtoe $x, linux $k"
	[ "$(echo "$x" | wc -w)" -eq 2 ]
}

# wrk for 3 s against url: "req/s MB/s".
wrk_rate() {
	limit 30 in_l wrk -t 2 -c 50 -d 3s "$1" 2>&1 | awk '
		/Requests\/sec/ { r = $2 }
		/Transfer\/sec/ { t = $2 }
		/Non-2xx|Socket errors/ { bad = 1 }
		END { if (!bad) print r, t }'
}

@test "nginx on xtoe (master and 2 forked workers) serves wrk from Linux" {
	need nginx
	need wrk
	head -c 65536 /dev/urandom >"$TOPO_DIR/f64k"
	spawn_x "$RUN" -- nginx -c "$(nginx_conf x "$TOPO_XADDR" 8081 2)" -p "$TOPO_DIR"
	spawn_x nginx -c "$(nginx_conf k "$TOPO_XADDR" 8082 2)" -p "$TOPO_DIR"
	wait_port l "$TOPO_XADDR" 8081
	wait_port l "$TOPO_XADDR" 8082
	sleep 0.5 # workers register their listeners
	head -c 1024 /dev/urandom >"$TOPO_DIR/f1k"
	local x k x1 k1
	x1=$(wrk_rate "http://$TOPO_XADDR:8081/f1k")
	k1=$(wrk_rate "http://$TOPO_XADDR:8082/f1k")
	x=$(wrk_rate "http://$TOPO_XADDR:8081/f64k")
	k=$(wrk_rate "http://$TOPO_XADDR:8082/f64k")
	report "nginx 1 KiB file (wrk -c 50, req/s transfer/s): xtoe $x1, linux $k1"
	report "nginx 64 KiB file (wrk -c 50, req/s transfer/s): xtoe $x, linux $k"
	[ -n "$x" ] && [ -n "$x1" ]
	run limit 20 in_l curl -sS -o "$TOPO_DIR/got-nginx" "http://$TOPO_XADDR:8081/blob"
	assert_success
	assert_equal "$(sha256sum <"$TOPO_DIR/got-nginx" | cut -d' ' -f1)" "$(cat "$TOPO_DIR/blob.sha")"
}

@test "lighttpd on xtoe serves wrk from Linux" {
	need lighttpd
	need wrk
	[ -f "$TOPO_DIR/f64k" ] || head -c 65536 /dev/urandom >"$TOPO_DIR/f64k"
	local p
	for p in 8091 8092; do
		printf 'server.document-root = "%s"\nserver.bind = "%s"\nserver.port = %s\n' \
			"$TOPO_DIR" "$TOPO_XADDR" "$p" >"$TOPO_DIR/lighttpd-$p.conf"
	done
	spawn_x "$RUN" -- lighttpd -D -f "$TOPO_DIR/lighttpd-8091.conf"
	spawn_x lighttpd -D -f "$TOPO_DIR/lighttpd-8092.conf"
	wait_port l "$TOPO_XADDR" 8091
	wait_port l "$TOPO_XADDR" 8092
	local x k
	x=$(wrk_rate "http://$TOPO_XADDR:8091/f64k")
	k=$(wrk_rate "http://$TOPO_XADDR:8092/f64k")
	report "lighttpd 64 KiB file (wrk -c 50, req/s transfer/s): xtoe $x, linux $k"
	[ -n "$x" ]
}

# iperf3 receiver bitrate (Gbit/s) from a 3 s run: iperf3_gbps SIDE ARGS...
iperf3_gbps() {
	local side=$1
	shift
	limit 30 "in_$side" "$@" -t 3 -f g 2>&1 |
		awk '/receiver/ { for (i = 1; i <= NF; i++) if ($(i+1) == "Gbits/sec") print $i }'
}

@test "iperf3 -4 on xtoe: server for a Linux client, client for a Linux server" {
	need iperf3
	spawn_x "$RUN" -- iperf3 -s -4 -B "$TOPO_XADDR" -p 5201
	local xpid=$SPAWN_PID
	spawn_x iperf3 -s -4 -B "$TOPO_XADDR" -p 5301
	local kpid=$SPAWN_PID
	sleep 0.5 # no wait_port: a probe connection confuses iperf3
	local xs ks xc kc
	xs=$(iperf3_gbps l iperf3 -4 -c "$TOPO_XADDR" -p 5201)
	ks=$(iperf3_gbps l iperf3 -4 -c "$TOPO_XADDR" -p 5301)
	spawn_l iperf3 -s -4 -B "$TOPO_LADDR" -p 5401
	local spid=$SPAWN_PID
	sleep 0.3
	xc=$(iperf3_gbps x "$RUN" -- iperf3 -4 -c "$TOPO_LADDR" -p 5401)
	kc=$(iperf3_gbps x iperf3 -4 -c "$TOPO_LADDR" -p 5401)
	kill "$spid" "$xpid" "$kpid"
	report "iperf3 server side (Gbit/s): xtoe $xs, linux $ks"
	report "iperf3 client side (Gbit/s): xtoe $xc, linux $kc"
	[ -n "$xs" ] && [ -n "$xc" ]
}

# sockperf ping-pong for 3 s: "p50 p99" in us.
sockperf_lat() {
	limit 30 in_l sockperf ping-pong --tcp -i "$TOPO_XADDR" -p "$1" -t 3 2>&1 | awk '
		/percentile 50.000/ { p50 = $NF }
		/percentile 99.000/ { p99 = $NF }
		END { if (p50 != "") print p50, p99 }'
}

@test "sockperf server on xtoe answers TCP ping-pong from Linux" {
	need sockperf
	spawn_x "$RUN" -- sockperf server --tcp -i "$TOPO_XADDR" -p 11111
	spawn_x sockperf server --tcp -i "$TOPO_XADDR" -p 11112
	wait_port l "$TOPO_XADDR" 11111
	wait_port l "$TOPO_XADDR" 11112
	local x k
	x=$(sockperf_lat 11111)
	k=$(sockperf_lat 11112)
	report "sockperf ping-pong (p50 p99 us): xtoe $x, linux $k"
	[ -n "$x" ]
}

@test "semantics: connect, echo, names, TCP_INFO, TCP_MAXSEG, options, FIONREAD, MSG_PEEK" {
	sockcheck basic
}

@test "semantics: non-blocking connect, poll for POLLOUT, SO_ERROR, EAGAIN" {
	sockcheck nonblocking_connect
}

@test "semantics: refused connects give ECONNREFUSED (SO_ERROR and blocking)" {
	sockcheck refused
}

@test "semantics: poll and select over xtoe sockets and pipes together" {
	sockcheck mixed_poll_select
}

@test "semantics: epoll edge- and level-triggered, ONESHOT, RDHUP, with a pipe in the set" {
	sockcheck epoll
}

@test "semantics: ECONNRESET from a reset, EPIPE with MSG_NOSIGNAL, SIGPIPE without" {
	sockcheck reset_and_epipe
}

@test "semantics: dup, fork (both processes use the socket), four threads" {
	sockcheck dup_fork_threads
}

@test "semantics: a socket kept across exec fails clearly (ENOTCONN/EPIPE) in the new program" {
	sockcheck exec
}

@test "semantics: loopback and unix sockets stay with the kernel; EADDRINUSE" {
	sockcheck fallthrough
}

@test "an application killed with SIGKILL ends its connections (the Linux peer sees it)" {
	wait_port l "$TOPO_LADDR" 7302
	spawn_x "$RUN" -- python3 "$TOPO_ROOT/test/tools/sockcheck.py" "$TOPO_LADDR" 7300 hold \
		>"$TOPO_DIR/hold.log" 2>&1
	local hpid=$SPAWN_PID
	for _ in $(seq 50); do grep -q holding "$TOPO_DIR/hold.log" && break; sleep 0.1; done
	local before
	before=$(grep -c -E '^(fin|rst)$' "$TOPO_DIR/peer.log" || true)
	kill -9 "$hpid"
	for _ in $(seq 50); do
		[ "$(grep -c -E '^(fin|rst)$' "$TOPO_DIR/peer.log")" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$(grep -c -E '^(fin|rst)$' "$TOPO_DIR/peer.log")" -gt "$before" ]
}

# Last: it stops the daemon.
@test "a recv blocked when xtoed goes away returns ECONNRESET, not a hang" {
	wait_port l "$TOPO_LADDR" 7300
	spawn_x "$RUN" -- python3 "$TOPO_ROOT/test/tools/sockcheck.py" "$TOPO_LADDR" 7300 block_recv \
		>"$TOPO_DIR/block.log" 2>&1
	local bpid=$SPAWN_PID
	for _ in $(seq 50); do grep -q blocking "$TOPO_DIR/block.log" && break; sleep 0.1; done
	kill -TERM "$XTOED_PID"
	local rc=0
	timeout 10 tail --pid="$bpid" -f /dev/null || rc=$?
	[ "$rc" -eq 0 ]
	run cat "$TOPO_DIR/block.log"
	assert_line "reset"
}
