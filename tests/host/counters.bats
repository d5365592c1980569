#!/usr/bin/env bats
# uvm-exec --counters on this machine's own kernel: perf events opened on
# the command before its exec, inherited by its tree, each process's own
# counts from the exit records (helpers/counters.h).  The host kernel
# counts software events; it has no PMU here, so the hardware counters
# must come out unsupported (or, on a machine with one, counted).

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	_common_setup
	X=$UVM_ROOT/build/uvm-exec
	t=$BATS_TEST_TMPDIR
}

# v FILE PID NAME: a process's count
v() { awk -v p="$2" -v n="$3" '$1 == "pid" && $2 == p && $3 == n { print $4 }' "$1"; }

@test "uvm-exec --counters, load cpu 300: the spinner's task clock is its 300 ms of CPU, the sleeper's next to none" {
	run -0 "$X" --drain 0 --counters "$t/c" -- "$W/load" cpu 300
	cat "$t/c"
	spinner=$(awk '$1 == "spinner" { print $2 }' <<<"$output")
	sleeper=$(awk '$1 == "sleeper" { print $2 }' <<<"$output")
	[ -n "$spinner" ] && [ -n "$sleeper" ]
	run sed -n '1p;$p' "$t/c"
	assert_output $'uvm-counters 1\nend'
	grep -qx 'lost 0' "$t/c"
	# the spinner spun until getrusage said 300 ms: the task clock counts
	# the same CPU time (a tick's worth more at most, and its exit)
	s=$(v "$t/c" "$spinner" task_clock_ns)
	[ "$s" -ge 300000000 ] && [ "$s" -lt 400000000 ]
	[ "$(v "$t/c" "$sleeper" task_clock_ns)" -lt 20000000 ]
	# three processes: load and its two children, nobody else
	assert_equal "$(awk '$1 == "pid" { print $2 }' "$t/c" | sort -u | wc -l)" 3
	# each software counter: the processes add up to the total
	for n in task_clock_ns context_switches cpu_migrations minor_faults major_faults; do
		total=$(awk -v n="$n" '$1 == "total" && $2 == n { print $3 }' "$t/c")
		sum=$(awk -v n="$n" '$1 == "pid" && $3 == n { s += $4 } END { print s + 0 }' "$t/c")
		assert_equal "$sum" "$total"
	done
	# every process faulted in its pages: minor faults counted
	[ "$(v "$t/c" "$spinner" minor_faults)" -gt 0 ]
	# a hardware counter is either counted or said to be unsupported
	for n in cycles instructions cache_references cache_misses branch_misses; do
		grep -qE "^(total $n [0-9]+|unsupported $n E[A-Z]+)\$" "$t/c"
	done
}

@test "uvm-exec --counters: a process's threads count as the process" {
	run -0 "$X" --drain 0 --counters "$t/c" -- "$W/load" threads 8 100
	grep -qx 'lost 0' "$t/c"
	assert_equal "$(awk '$1 == "pid" { print $2 }' "$t/c" | sort -u | wc -l)" 1
	total=$(awk '$1 == "total" && $2 == "task_clock_ns" { print $3 }' "$t/c")
	pid=$(awk '$1 == "pid" { print $2; exit }' "$t/c")
	assert_equal "$(v "$t/c" "$pid" task_clock_ns)" "$total"
}

@test "uvm-exec --counters: usage; the command's exit status and signal come through" {
	run -2 "$X" --counters "$t/c" -- true
	assert_output --partial -- "--counters needs --drain"
	run -3 "$X" --drain 0 --counters "$t/c" -- sh -c 'exit 3'
	grep -qx end "$t/c"
	run "$X" --drain 0 --counters "$t/c" -- sh -c 'kill -TERM $$'
	assert_equal "$status" $((128 + 15))
	grep -qx end "$t/c"
	# a file that cannot be written: said, and the status is still CMD's
	run -0 --separate-stderr "$X" --drain 0 --counters /nonexistent/c -- true
	assert_equal "$stderr" $'uvm-exec: /nonexistent/c: No such file or directory\nuvm-exec: the counters are lost'
}
