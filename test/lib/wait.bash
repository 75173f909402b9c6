# SPDX-License-Identifier: MIT
# Bounded waits of the tests and benches: poll a condition every 50 ms.
#
#   wait_for TRIES PID CMD...        CMD succeeds within TRIES polls, while
#                                    process PID lives ("" : no process)
#   wait_ready TRIES PID LOG CMD...  the same; on failure LOG goes to stderr
#   wait_gone TRIES PID              process PID has ended within TRIES polls

wait_for() {
	local tries=$1 pid=$2 _
	shift 2
	for _ in $(seq "$tries"); do
		"$@" && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

wait_ready() {
	local tries=$1 pid=$2 log=$3
	shift 3
	wait_for "$tries" "$pid" "$@" && return 0
	cat "$log" >&2
	return 1
}

wait_gone() {
	wait_for "$1" "" wait_dead "$2"
}

wait_dead() { ! kill -0 "$1" 2>/dev/null; }
