#!/usr/bin/env bash
# make test-arm64: the arm64 build's unit tests, BPF table tests and fuzz
# corpora, run on this machine under qemu-user. Prints one summary line
# last, like make test's:  N passed, N failed, N skipped
#
# - LeakSanitizer needs ptrace, which qemu-user does not offer: leaks are
#   checked by the native run (make test); everything else ASan and UBSan
#   check here too.
# - qemu-user does not implement bpf(2): the BPF table tests skip here
#   (exit 77) and run on Debian's arm64 kernel in make test-arm64-system.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/arm64}
results=$(mktemp)
trap 'rm -f "$results"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

bins() { find "$BUILD/$1" -maxdepth 1 -type f -name "$2" ! -name '*.d' 2>/dev/null | sort; }

# binfmt runs aarch64 binaries directly; without it, through qemu itself.
probe=$(bins test 'test_queue' | head -1)
if [ -z "$probe" ]; then
	echo "no arm64 test binaries under $BUILD; run make test-arm64" >&2
	exit 1
fi
if ! "$probe" --help >/dev/null 2>&1 && ! [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
	export TEST_WRAPPER=qemu-aarch64-static
fi
echo "# arm64 under $(qemu-aarch64-static --version | head -1)${TEST_WRAPPER:+ (called directly)}"

echo "== unit tests (arm64, qemu-user)"
RESULTS_FILE=$results test/run-unit.sh $(bins test 'test_*') || true
echo "== BPF module tests (arm64, qemu-user)"
RESULTS_FILE=$results test/run-unit.sh $(bins test 'bpf_*') || true

echo "== fuzz corpora replayed (arm64, qemu-user)"
pass=0 fail=0
for bin in $(bins fuzz 'replay_fuzz_*'); do
	name=${bin##*/replay_}
	dirs=()
	for d in "test/fuzz/corpus/$name" "build/fuzz/corpus-$name"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	if [ ${#dirs[@]} -eq 0 ]; then
		echo "not ok - $name: no corpus (test/fuzz/corpus/$name)"
		fail=$((fail + 1))
		continue
	fi
	if out=$(${TEST_WRAPPER:-} "$bin" "${dirs[@]}" 2>&1); then
		echo "ok - $name: $(printf '%s\n' "$out" | tail -1) from ${dirs[*]}"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		printf '%s\n' "$out" | grep -m 20 -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' | sed 's/^/  /'
		fail=$((fail + 1))
	fi
done
echo "$pass $fail 0" >> "$results"

read -r P F S < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$results")
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
