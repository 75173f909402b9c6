#!/usr/bin/env bash
# Run C test binaries; print their output and one "N passed, N failed,
# N skipped" total. A binary that exits 77 (the automake convention) could
# not run here and counts as one skip (the reason is in its output).
# Usage: test/run-unit.sh BIN...   (RESULTS_FILE=path appends "pass fail skip";
# TEST_WRAPPER=cmd runs each binary through cmd, e.g. an emulator)
set -u
pass=0 fail=0 skip=0
for bin in "$@"; do
	echo "# $(basename "$bin")"
	out=$(${TEST_WRAPPER:-} "$bin" 2>&1); rc=$?
	printf '%s\n' "$out"
	if [ "$rc" -eq 77 ]; then
		echo "ok - $(basename "$bin") # skip $(printf '%s\n' "$out" | sed -n 's/^# skip: //p' | head -1)"
		skip=$((skip + 1))
		continue
	fi
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $(basename "$bin") exited $rc"
		f=$((f + 1))
	fi
	pass=$((pass + p)); fail=$((fail + f))
done
[ -n "${RESULTS_FILE:-}" ] && echo "$pass $fail $skip" >> "$RESULTS_FILE"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
