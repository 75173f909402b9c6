#!/usr/bin/env bash
# The dependency direction between the parts (docs/architecture.md, "The
# parts, as folders"): every #include "PART/..." of a C file must be one its
# folder may use. Prints one TAP line per part and a summary line like
# test/run-unit.sh (RESULTS_FILE=path appends "pass fail 0").
set -u
cd "$(dirname "$0")/.."

# part: the include prefixes it may use besides its own folder
declare -A allowed=(
	[core]="core/ include/"
	[common]="common/ include/"
	[xdp]="xdp/ common/ bpf/ include/"
	[daemon/dp]="daemon/dp/ daemon/daemon.h daemon/wheel.h daemon/flow_key.h daemon/cmod.h daemon/port/port.h core/ common/ include/"
	[daemon/cp]="daemon/cp/ daemon/daemon.h daemon/wheel.h daemon/flow_key.h daemon/cmod.h daemon/port/port.h core/ common/ xdp/ bpf/ include/"
	[daemon/port]="daemon/port/ common/ xdp/ bpf/ core/tcp_csum.h include/"
	[daemon]="daemon/ core/ common/ xdp/ bpf/ include/"
	[lib/xtoe]="lib/xtoe/ common/ include/"
	[lib/sockets]="lib/ common/ include/"
	[tools]="tools/ common/ xdp/ bpf/ core/tcp_state.h include/"
)
# Known leaks, each with its reason (none today). Nothing else may appear.
declare -A exception=()

pass=0 fail=0
for part in core common xdp daemon/dp daemon/cp daemon/port daemon lib/xtoe lib/sockets tools; do
	bad=""
	while IFS=: read -r file _ inc; do
		inc=${inc#*\"}; inc=${inc%%\"*}
		case $inc in */*) ;; *) continue ;; esac   # same folder
		ok=0
		for a in ${allowed[$part]}; do
			case $inc in "$a"*) ok=1 ;; esac
		done
		[ -n "${exception[$file:$inc]:-}" ] && ok=1
		[ $ok -eq 1 ] || bad+="  $file includes $inc"$'\n'
	done < <(if [ "$part" = daemon ]; then
			grep -n '^#include "' daemon/*.c daemon/*.h
		else
			grep -rn '^#include "' --include='*.c' --include='*.h' "$part"
		fi)
	if [ -z "$bad" ]; then
		echo "ok - layout: $part/ includes only ${allowed[$part]}"
		pass=$((pass + 1))
	else
		echo "not ok - layout: $part/ reaches outside ${allowed[$part]}"
		printf '%s' "$bad"
		fail=$((fail + 1))
	fi
done
[ -n "${RESULTS_FILE:-}" ] && echo "$pass $fail 0" >> "$RESULTS_FILE"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
