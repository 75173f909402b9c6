#!/usr/bin/env bash
# Run libFuzzer targets for a bounded time each, from a scratch corpus under
# the build directory (seeded from test/fuzz/corpus/NAME when present).
# Prints one TAP line per target with its executions, then a total.
# Usage: FUZZ_SECONDS=N test/run-fuzz.sh BIN...  (RESULTS_FILE=path appends)
set -u
secs=${FUZZ_SECONDS:-4}
pass=0 fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	dir=$(dirname "$bin")
	corpus="$dir/corpus-$name"
	mkdir -p "$corpus"
	[ -d "test/fuzz/corpus/$name" ] && cp -n "test/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
	log="$dir/$name.log"
	"$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$dir/$name-" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ]; then
		echo "ok - $name: ${execs:-?} executions in ${secs} s"
		pass=$((pass + 1))
	else
		echo "not ok - $name exited $rc (see $log)"
		grep -m 20 -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | sed 's/^/  /'
		fail=$((fail + 1))
	fi
done
[ -n "${RESULTS_FILE:-}" ] && echo "$pass $fail 0" >> "$RESULTS_FILE"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
