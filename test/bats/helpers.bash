# SPDX-License-Identifier: MIT
# Shared set-up for the namespace suites.
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash
source "$BATS_TEST_DIRNAME/../lib/topo.bash"

ECHO=$TOPO_BIN/xtoe-echo

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP)"
}
