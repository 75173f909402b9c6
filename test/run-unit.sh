#!/usr/bin/env bash
# Run C test binaries; print their output and one "N passed, N failed" total.
# Usage: test/run-unit.sh BIN...   (RESULTS_FILE=path appends "pass fail")
set -u
pass=0 fail=0
for bin in "$@"; do
	echo "# $(basename "$bin")"
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $(basename "$bin") exited $rc"
		f=$((f + 1))
	fi
	pass=$((pass + p)); fail=$((fail + f))
done
[ -n "${RESULTS_FILE:-}" ] && echo "$pass $fail 0" >> "$RESULTS_FILE"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
