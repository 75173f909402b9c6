#!/usr/bin/env bats
# Who may use xtoe (docs/access.md), tried as users an administrator has:
# a member of the daemon's group, a user outside it, services that drop
# privileges (nginx `user nobody`, memcached -u nobody) and one that runs as
# its own user (redis). The users and the group are made here and removed
# after, also when a test fails.

load helpers

RUN=$TOPO_BIN/xtoe-run
CTL=$TOPO_BIN/xtoectl
DUMP=$TOPO_BIN/xtoe-dump


access_cleanup() {
	topo_down
	userdel "$XU" 2>/dev/null || true
	userdel "$XO" 2>/dev/null || true
	groupdel "$XG" 2>/dev/null || true
}

setup_file() {
	require_root
	# users and group of this run (names carry the run's pid)
	export XG=xacg$$ XU=xacu$$ XO=xaco$$
	export TOPO_P=xac$(printf '%x%02x' $(( $$ % 65536 )) $(( RANDOM % 256 )))
	groupadd "$XG" || return 1
	useradd -r -M -s /usr/sbin/nologin -G "$XG" "$XU" || return 1
	useradd -r -M -s /usr/sbin/nologin "$XO" || return 1
	topo_up || return 1
	chmod 755 "$TOPO_DIR" # the users reach the socket in it
	xtoed_start --group "$XG" || return 1
	mkdir "$TOPO_DIR/u" && chown "$XU" "$TOPO_DIR/u" # the member's files
	head -c $((8 * 1024 * 1024)) /dev/urandom >"$TOPO_DIR/blob"
	chmod 644 "$TOPO_DIR/blob"
	sha256sum <"$TOPO_DIR/blob" | cut -d' ' -f1 >"$TOPO_DIR/blob.sha"
}

teardown_file() {
	access_cleanup
}

# As USER (its groups from /etc/group), in the xtoe namespace, bounded:
# as USER SECONDS CMD... ; extra capabilities in $CAPS (e.g. +net_bind_service)
as() {
	local user=$1 t=$2 caps=()
	shift 2
	[ -n "${CAPS:-}" ] && caps=(--inh-caps "$CAPS" --ambient-caps "$CAPS")
	limit "$t" in_x setpriv --reuid "$user" --regid "$user" --init-groups \
		"${caps[@]}" -- "$@"
}

# The users' python (root's PATH may lead to a python they cannot run).
PY=/usr/bin/python3

# listen() on PORT through the sockets library as USER: listen_as USER PORT
# (prints "listen: ERROR" when refused)
listen_as() {
	as "$1" 10 "$RUN" -s "$TOPO_SOCK" -- "$PY" -c 'import socket, sys
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1])))
try:
    s.listen()
except OSError as e:
    print("listen:", e.strerror)' "$2"
}

# A connection held open from the Linux side to port (until the test ends).
hold_conn() {
	spawn_l bash -c "sleep 30 | socat - TCP:$TOPO_XADDR:$1" >/dev/null 2>&1
}

@test "the socket is the group's: srw-rw---- with --group, and --help says so" {
	run stat -c '%A %G' "$TOPO_SOCK"
	assert_output "srw-rw---- $XG"
	run "$TOPO_BIN/xtoed" --help
	assert_output --partial "--group NAME"
	assert_output --partial "--socket-mode MODE"
	run "$TOPO_BIN/xtoed" --iface lo --addr 198.18.0.9/24 --socket-mode 0999
	assert_failure 2
	assert_output --partial "bad --socket-mode '0999'"
}

@test "a group member uses xtoe; a user outside the group is told how to get access" {
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$CTL" conns
	assert_success
	run as "$XO" 10 env XTOE_SOCK="$TOPO_SOCK" "$CTL" conns
	assert_failure
	assert_output --partial "user $XO is not in group $XG"
	assert_output --partial "usermod -aG $XG $XO"
	run as "$XO" 10 env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7001
	assert_failure
	assert_output --partial "Permission denied: user $XO is not in group $XG"
	# a program that holds no xtoe socket yet says it stays on the kernel
	run as "$XO" 10 env XTOE_SOCK="$TOPO_SOCK" LD_PRELOAD="$TOPO_ROOT/build/lib/libxtoe-sockets.so" \
		"$PY" -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 7002)); s.listen()'
	assert_success
	assert_output --partial "is not in group $XG"
	assert_output --partial "using the kernel's TCP"
}

@test "port 80 needs CAP_NET_BIND_SERVICE: refused without it, served with it" {
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 80
	assert_failure
	assert_output --partial "port 80 needs root or CAP_NET_BIND_SERVICE (uid $(id -u "$XU") lacks it)"
	run listen_as "$XU" 80
	assert_output --partial "libxtoe-sockets: listen: port 80 needs root or CAP_NET_BIND_SERVICE"
	assert_output --partial "listen: Permission denied"
	CAPS=+net_bind_service as "$XU" 30 env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 80 \
		>"$TOPO_DIR/echo80.log" 2>&1 &
	wait_port l "$TOPO_XADDR" 80
	run limit 10 in_l bash -c "echo hello80 | socat -t 2 - TCP:$TOPO_XADDR:80"
	assert_output "hello80"
	run "$CTL" -s "$TOPO_SOCK" conns state listening
	assert_output --regexp ":80 .*xtoe-echo"
	# a process of the same user that did not inherit the listener may not
	# join it as if it had (XTOE_LISTEN_SHARE, 2) without the capability
	run as "$XU" 10 "$PY" "$TOPO_ROOT/test/tools/xtoe_req.py" "$TOPO_SOCK" listen 80 2
	assert_output --partial "err 13: port 80 needs root or CAP_NET_BIND_SERVICE"
	pkill -u "$XU" -x xtoe-echo
}

@test "a port a kernel socket listens on is refused with EADDRINUSE" {
	spawn_x python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7100)); s.listen(); time.sleep(30)'
	local kpid=$SPAWN_PID
	for _ in $(seq 100); do
		in_x ss -Hltn 'sport = :7100' | grep -q 7100 && break
		sleep 0.05
	done
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7100
	assert_failure
	assert_output --partial "port 7100: a kernel socket (uid 0) listens on it"
	# the same through the sockets library: listen() fails with EADDRINUSE
	run listen_as "$XU" 7100
	assert_output --partial "listen: Address already in use"
	kill "$kpid"
}

@test "a port xtoe listens on is taken for the kernel's programs until xtoe lets go" {
	local prog='import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("0.0.0.0", 7150)); s.listen(); print("kernel listens")
except OSError as e:
    print("bind:", e.strerror)'
	as "$XU" 30 env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7150 >/dev/null 2>&1 &
	wait_port l "$TOPO_XADDR" 7150
	run limit 10 in_x python3 -c "$prog"
	assert_output "bind: Address already in use"
	pkill -u "$XU" -x xtoe-echo
	for _ in $(seq 100); do
		"$CTL" -s "$TOPO_SOCK" conns | grep -q ':7150 ' || break
		sleep 0.05
	done
	run limit 10 in_x python3 -c "$prog"
	assert_output "kernel listens"
}

@test "SO_REUSEPORT groups stay within one user" {
	local prog='import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("0.0.0.0", 7200))
try:
    s.listen(); print("listening", flush=True); time.sleep(float(sys.argv[1]))
except OSError as e:
    print("listen:", e.strerror)'
	spawn_x "$RUN" -s "$TOPO_SOCK" -- python3 -c "$prog" 20 >"$TOPO_DIR/rp.log" 2>&1
	local rpid=$SPAWN_PID
	for _ in $(seq 100); do grep -q listening "$TOPO_DIR/rp.log" && break; sleep 0.05; done
	run as "$XU" 10 "$RUN" -s "$TOPO_SOCK" -- "$PY" -c "$prog" 0
	assert_output --partial "listen: Address already in use"
	run limit 10 in_x "$RUN" -s "$TOPO_SOCK" -- python3 -c "$prog" 0
	assert_output --partial "listening"
	kill "$rpid"
}

@test "capture, trace, firewall, modules and C modules are refused to a non-admin" {
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$DUMP" -i "$TOPO_XIF" -c 1
	assert_failure
	assert_output --partial "capturing packets needs root or CAP_NET_ADMIN"
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$CTL" trace
	assert_failure
	assert_output --partial "tracing TCP needs root or CAP_NET_ADMIN"
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$CTL" cmodule add \
		"$TOPO_ROOT/build/examples/cmodules/$(ls "$TOPO_ROOT/build/examples/cmodules" | head -n 1)"
	assert_failure
	assert_output --partial "loading a C module needs root or CAP_NET_ADMIN"
	run as "$XU" 10 "$PY" "$TOPO_ROOT/test/tools/xtoe_req.py" "$TOPO_SOCK" 37
	assert_output --partial "err 1: changing the firewall needs root or CAP_NET_ADMIN"
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$CTL" fw add drop dport 9
	assert_failure
	assert_output --partial "root"
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$CTL" module add trace
	assert_failure
	assert_output --partial "root"
	# the capability is what counts: with CAP_NET_ADMIN the trace starts
	CAPS=+net_admin run as "$XU" 2 env XTOE_SOCK="$TOPO_SOCK" "$CTL" trace
	refute_output --partial "needs root or CAP_NET_ADMIN"
}

@test "a non-admin's xtoectl conns lists only its own connections" {
	spawn_x env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7300 >/dev/null 2>&1
	CAPS= as "$XU" 30 env XTOE_SOCK="$TOPO_SOCK" "$ECHO" server -p 7400 >/dev/null 2>&1 &
	wait_port l "$TOPO_XADDR" 7300
	wait_port l "$TOPO_XADDR" 7400
	hold_conn 7300
	hold_conn 7400
	for _ in $(seq 100); do
		[ "$("$CTL" -s "$TOPO_SOCK" conns state established | grep -c ':7[34]00 ')" -ge 2 ] && break
		sleep 0.05
	done
	run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$CTL" conns
	assert_success
	assert_output --regexp "ESTAB .*$TOPO_XADDR:7400 "
	assert_output --regexp "LISTEN .*:7400 "
	refute_output --partial ":7300 "
	run "$CTL" -s "$TOPO_SOCK" conns
	assert_output --regexp "ESTAB .*$TOPO_XADDR:7300 "
	assert_output --regexp "ESTAB .*$TOPO_XADDR:7400 "
	CAPS=+net_admin run as "$XU" 10 env XTOE_SOCK="$TOPO_SOCK" "$CTL" conns
	assert_output --regexp "ESTAB .*$TOPO_XADDR:7300 "
	pkill -u "$XU" -x xtoe-echo
}

@test "a server that dropped privileges keeps port 82, may not take port 83, may take 8300" {
	spawn_x "$RUN" -s "$TOPO_SOCK" -- "$PY" "$TOPO_ROOT/test/tools/drop_privs.py" 82 83 8300 \
		>"$TOPO_DIR/drop.log" 2>&1
	local dpid=$SPAWN_PID
	for _ in $(seq 100); do grep -q "^8300:" "$TOPO_DIR/drop.log" && break; sleep 0.05; done
	run limit 10 in_l bash -c "echo hi82 | socat -t 1 - TCP:$TOPO_XADDR:82"
	wait "$dpid" || true
	run cat "$TOPO_DIR/drop.log"
	assert_line "83: Permission denied"
	assert_line "8300: listening"
	assert_line "82: got hi82"
	assert_output --partial "port 83 needs root or CAP_NET_BIND_SERVICE (uid 65534 lacks it)"
}

@test "nginx with 'user nobody' workers serves an 8 MiB file on port 80 through xtoe" {
	need nginx
	need curl
	spawn_x "$RUN" -s "$TOPO_SOCK" -- nginx -c "$(nginx_conf xn "$TOPO_XADDR" 80 2 "nobody nogroup")" \
		-p "$TOPO_DIR"
	wait_port l "$TOPO_XADDR" 80
	run limit 30 in_l curl -sS -m 20 -o "$TOPO_DIR/got-nginx" "http://$TOPO_XADDR/blob"
	assert_success
	assert_equal "$(sha256sum <"$TOPO_DIR/got-nginx" | cut -d' ' -f1)" "$(cat "$TOPO_DIR/blob.sha")"
	# on xtoe, not the kernel: the workers (nobody) hold the port's listeners
	run in_x ss -Hltn 'sport = :80'
	assert_output ""
	local pids
	pids=$("$CTL" -s "$TOPO_SOCK" -j conns state listening | python3 -c '
import json, sys
print(" ".join(str(c["pid"]) for c in json.load(sys.stdin)["conns"] if c["local"].endswith(":80")))')
	run ps -o user= -p "${pids// /,}"
	assert_output --partial "nobody"
	kill -QUIT "$(cat "$TOPO_DIR/nginx-xn/nginx.pid")"
}

@test "memcached -u nobody serves through xtoe" {
	need memcached
	spawn_x "$RUN" -s "$TOPO_SOCK" -- memcached -u nobody -l "$TOPO_XADDR" -p 11211 -U 0
	local mpid=$SPAWN_PID
	wait_port l "$TOPO_XADDR" 11211
	run limit 10 in_l bash -c "printf 'set k 0 0 5\r\nhello\r\nget k\r\nquit\r\n' | socat -t 2 - TCP:$TOPO_XADDR:11211"
	assert_output --partial "STORED"
	assert_output --partial "VALUE k 0 5"
	run "$CTL" -s "$TOPO_SOCK" conns state listening
	assert_output --regexp ":11211 .*memcached"
	run ps -o user= -C memcached
	assert_output --partial "nobody"
	kill "$mpid"
}

@test "redis-server run as its own (group member) user serves through xtoe" {
	need redis-server
	need redis-cli
	as "$XU" 60 "$RUN" -s "$TOPO_SOCK" -- redis-server --port 6379 --bind "$TOPO_XADDR" \
		--protected-mode no --dir "$TOPO_DIR/u" --save '' --appendonly no \
		>"$TOPO_DIR/redis.log" 2>&1 &
	wait_port l "$TOPO_XADDR" 6379
	run limit 10 in_l redis-cli -h "$TOPO_XADDR" -p 6379 set k v1
	assert_output "OK"
	run limit 10 in_l redis-cli -h "$TOPO_XADDR" -p 6379 get k
	assert_output "v1"
	run "$CTL" -s "$TOPO_SOCK" conns state listening
	assert_output --regexp ":6379 .*redis-server"
	pkill -u "$XU" -x redis-server || true
}

@test "inherited xtoe sockets fail clearly in a process that cannot reach the daemon" {
	local u=$TOPO_DIR/u
	as "$XU" 20 "$RUN" -s "$TOPO_SOCK" -- "$PY" "$TOPO_ROOT/test/tools/inherit_listen.py" \
		7500 "$u/ready" "$u/go" >"$TOPO_DIR/inherit.log" 2>&1 &
	local ipid=$!
	for _ in $(seq 200); do [ -e "$u/ready" ] && break; sleep 0.05; done
	chmod 0600 "$TOPO_SOCK" # the child may no longer connect
	touch "$u/go"
	local rc=0
	wait "$ipid" || rc=$?
	chmod 0660 "$TOPO_SOCK"
	cat "$TOPO_DIR/inherit.log"
	[ "$rc" -eq 0 ]
	grep -q "its xtoe sockets and new ones fail (Permission denied)" "$TOPO_DIR/inherit.log"
	grep -q "child: accept: \[Errno 13\] Permission denied" "$TOPO_DIR/inherit.log"
	grep -q "child: listen: \[Errno 13\] Permission denied" "$TOPO_DIR/inherit.log"
}

# A second xtoed, on the Linux side's interface (the tests above are done
# with it), started with OPTIONS; its log in $TOPO_DIR/l.log.
xtoed_l() {
	rm -f "$TOPO_DIR/l.sock"
	spawn_l "$TOPO_BIN/xtoed" --iface "$TOPO_LIF" --addr "$TOPO_LADDR/24" \
		--sock "$TOPO_DIR/l.sock" --fw-file none "$@" >"$TOPO_DIR/l.log" 2>&1
}

@test "defaults: without a group xtoe the socket is root's alone (0660) and xtoed says how to open it" {
	getent group xtoe >/dev/null && skip "this machine has a group xtoe"
	xtoed_l
	local lpid=$SPAWN_PID
	for _ in $(seq 100); do [ -S "$TOPO_DIR/l.sock" ] && break; sleep 0.05; done
	run stat -c '%a %G' "$TOPO_DIR/l.sock"
	kill "$lpid"; wait "$lpid" || true
	assert_output "660 root"
	run cat "$TOPO_DIR/l.log"
	assert_output --partial "no group xtoe: only root may use xtoe"
	assert_output --partial "groupadd --system xtoe"
	xtoed_l --group "nosuch$$"
	local rc=0
	wait "$SPAWN_PID" || rc=$?
	assert_equal "$rc" 1
	run cat "$TOPO_DIR/l.log"
	assert_output --partial "group 'nosuch$$' does not exist"
	[ ! -e "$TOPO_DIR/l.sock" ]
}
