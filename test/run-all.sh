#!/usr/bin/env bash
# Run every suite (unit, BPF, bats) and print one summary line last:
#   N passed, N failed, N skipped
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

# test binaries (not their .d dependency files)
bins() { find "$BUILD/test" -maxdepth 1 -type f -name "$1" ! -name '*.d' | sort; }

echo "== unit tests"
RESULTS_FILE=$results test/run-unit.sh $(bins 'test_*') || true
echo "== layout (which part may include which)"
RESULTS_FILE=$results test/check-layout.sh || true
echo "== BPF module tests (BPF_PROG_TEST_RUN)"
RESULTS_FILE=$results test/run-unit.sh $(bins 'bpf_*') || true

echo "== fuzz targets (libFuzzer, ${FUZZ_SECONDS:-4} s each)"
RESULTS_FILE=$results test/run-fuzz.sh $(find "$BUILD/fuzz" -maxdepth 1 -type f -name 'fuzz_*' ! -name '*.log' ! -name '*-*' 2>/dev/null | sort) || true

echo "== integration tests (bats, network namespaces)"
tap=$(mktemp)
bats --tap test/bats | tee "$tap"
p=$(grep -E '^ok ' "$tap" | grep -vc '# skip')
s=$(grep -E '^ok .*# skip' "$tap" | wc -l)
f=$(grep -c '^not ok ' "$tap")
echo "$p $f $s" >> "$results"
rm -f "$tap"

read -r P F S < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$results")
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
