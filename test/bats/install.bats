#!/usr/bin/env bats
# xtoe installed like a package: `make install DESTDIR=... PREFIX=/usr`
# puts programs, libxtoe with its versioned soname, headers, pkg-config
# files, built-in modules, man pages, bash completion and the systemd unit
# in place; a libxtoe program and a module compile against the installed
# copy through pkg-config; the installed daemon and tools work from there.

load helpers

setup_file() {
	require_root
	export INST=$(mktemp -d /tmp/tlinst.XXXX)
	make -C "$TOPO_ROOT" --no-print-directory -s install DESTDIR="$INST" PREFIX=/usr \
		>"$INST.log" 2>&1 || { cat "$INST.log" >&2; return 1; }
	export PKG_CONFIG_PATH=$INST/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$INST
	topo_up
}

teardown_file() {
	topo_down
	rm -rf "${INST:?}" "$INST.log"
}

@test "make install DESTDIR PREFIX: programs, libraries with their soname, headers, modules, man, completion, unit" {
	for f in usr/sbin/xtoed usr/bin/xtoectl usr/bin/xtoe-dump usr/bin/xtoe-run \
		usr/bin/xtoe-proxy usr/lib/xtoe/libxtoe-sockets.so usr/include/xtoe/xtoe.h \
		usr/include/xtoe/module.h usr/include/xtoe/module_parse.h usr/include/xtoe/drop.h \
		usr/include/xtoe/cmodule.h usr/lib/xtoe/bpf/firewall.bpf.o usr/lib/xtoe/bpf/capture.bpf.o \
		usr/lib/pkgconfig/xtoe.pc usr/lib/pkgconfig/xtoe-module.pc \
		usr/share/man/man8/xtoed.8 usr/share/man/man8/xtoectl.8 usr/share/man/man8/xtoe-dump.8 \
		usr/share/man/man1/xtoe-run.1 usr/share/man/man1/xtoe-proxy.1 usr/share/man/man3/libxtoe.3 \
		usr/share/bash-completion/completions/xtoectl usr/share/bash-completion/completions/xtoe-dump \
		usr/lib/systemd/system/xtoed@.service etc/xtoe/xtoed.conf.example; do
		[ -e "$INST/$f" ] || { echo "missing $f"; return 1; }
	done
	[ "$(readlink "$INST/usr/lib/libxtoe.so")" = libxtoe.so.1 ]
	[ "$(readlink "$INST/usr/lib/libxtoe.so.1")" = libxtoe.so.1.0.0 ]
	run readelf -d "$INST/usr/lib/libxtoe.so.1.0.0"
	assert_output --partial "Library soname: [libxtoe.so.1]"
	run pkg-config --modversion xtoe
	assert_output "$("$INST/usr/bin/xtoectl" --version | awk '{print $3}')"
	grep -q "ExecStart=/usr/sbin/xtoed --config /etc/xtoe/%i.conf --iface %i" \
		"$INST/usr/lib/systemd/system/xtoed@.service"
}

@test "a libxtoe program and an XDP module compile against the installed copy through pkg-config" {
	cat >"$INST/app.c" <<-'EOF'
	#include <stdio.h>
	#include <xtoe/xtoe.h>
	int main(void)
	{
		struct xtoe_ctx *ctx;
		int err = xtoe_ctx_open(&ctx, NULL);

		if (err) {
			printf("open: %s\n", xtoe_strerror(NULL));
			return 1;
		}
		printf("connected\n");
		xtoe_ctx_close(ctx);
		return 0;
	}
	EOF
	run bash -c "cc -Wall -Werror -o '$INST/app' '$INST/app.c' \$(pkg-config --cflags --libs xtoe)"
	assert_success
	run readelf -d "$INST/app"
	assert_output --partial "Shared library: [libxtoe.so.1]"
	run bash -c "clang -g -O2 -target bpf \$(pkg-config --cflags xtoe-module) -Wall -Werror \
		-c '$INST/usr/share/xtoe/examples/modules/port_count.bpf.c' -o '$INST/port_count.bpf.o'"
	assert_success
	[ -s "$INST/port_count.bpf.o" ]
}

@test "the installed daemon and tools run from the installed copy: modules, firewall, capture, the program" {
	CTL=$INST/usr/bin/xtoectl
	TOPO_BIN=$INST/usr/sbin xtoed_start
	# a module from C, compiled by the installed xtoectl against the installed headers
	run "$CTL" module add "$INST/usr/share/xtoe/examples/modules/port_count.bpf.c"
	assert_success
	# the firewall and a capture load the installed built-in modules
	run "$CTL" fw add drop proto udp dport 9
	assert_success
	run "$CTL" module list
	assert_output --partial "firewall"
	"$INST/usr/bin/xtoe-dump" -i "$TOPO_XIF" -c 2 -n icmp >"$INST/dump.txt" 2>"$INST/dump.err" &
	local dpid=$!
	for _ in $(seq 100); do grep -q listening "$INST/dump.err" && break; sleep 0.05; done
	in_l ping -c 1 -W 2 "$TOPO_XADDR" >/dev/null
	run limit 10 tail --pid="$dpid" -f /dev/null
	assert_success
	run cat "$INST/dump.txt"
	assert_line --partial "ICMP echo request"
	assert_line --partial "ICMP echo reply"
	run env LD_LIBRARY_PATH="$INST/usr/lib" XTOE_SOCK="$TOPO_SOCK" "$INST/app"
	assert_success
	assert_output "connected"
	"$CTL" fw flush
}

@test "man pages render and say what --help says; the completion knows only real options" {
	for p in xtoed:8 xtoectl:8 xtoe-dump:8 xtoe-run:1 xtoe-proxy:1; do
		name=${p%:*}
		bin=$INST/usr/bin/$name
		[ -x "$bin" ] || bin=$INST/usr/sbin/$name
		run env MANWIDTH=200 man -l "$INST/usr/share/man/man${p#*:}/$name.${p#*:}"
		assert_success
		assert_line --partial "$name"
		# every option of --help is in the page
		for o in $("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
			grep -q -- "${o//-/\\\\-}" "$INST/usr/share/man/man${p#*:}/$name.${p#*:}" ||
				{ echo "$name.${p#*:}: no $o"; return 1; }
		done
	done
	run env MANWIDTH=200 man -l "$INST/usr/share/man/man3/libxtoe.3"
	assert_line --partial "int xtoe_ctx_open(struct xtoe_ctx **out, const char *sock_path);"
	# the completion's long options all exist
	for prog in xtoectl xtoe-dump xtoed xtoe-run; do
		bin=$INST/usr/bin/$prog
		[ -x "$bin" ] || bin=$INST/usr/sbin/$prog
		fn=$(grep -oE "complete -F [_a-z]+ $prog\$" "$INST/usr/share/bash-completion/completions/xtoectl" | awk '{print $3}')
		body=$(sed -n "/^$fn()/,/^}/p" "$INST/usr/share/bash-completion/completions/xtoectl")
		for o in $(grep -oE -- '--[a-z][a-z-]+' <<<"$body" | sort -u); do
			"$bin" --help | grep -q -- "$o" || { echo "$prog: completion offers $o"; return 1; }
		done
	done
	# and loads
	run bash -c "source /usr/share/bash-completion/bash_completion; \
		source '$INST/usr/share/bash-completion/completions/xtoectl'; complete -p xtoectl xtoe-dump"
	assert_success
}

@test "the systemd unit passes systemd-analyze verify; xtoed reads its configuration file" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
	local p=$INST/p
	make -C "$TOPO_ROOT" --no-print-directory -s install PREFIX="$p/usr" SYSCONFDIR="$p/etc" >/dev/null
	cp "$p/usr/lib/systemd/system/xtoed@.service" "$INST/xtoed@tlx0.service"
	run systemd-analyze verify --man=no "$INST/xtoed@tlx0.service"
	assert_success
	printf 'addr 198.18.0.1/24\nxdp-mode = skb\nlog-level info\n' >"$INST/tl.conf"
	run "$INST/usr/sbin/xtoed" --config "$INST/tl.conf" --iface tlnosuch0
	assert_equal "$status" 1
	assert_output --partial "no interface 'tlnosuch0'"
	printf 'addr 198.18.0.1/24\nfrob 1\n' >"$INST/bad.conf"
	run "$INST/usr/sbin/xtoed" -c "$INST/bad.conf" -i lo
	assert_equal "$status" 2
	assert_output --partial "bad.conf:2: 'frob' is not an option"
}
