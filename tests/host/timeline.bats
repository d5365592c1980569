#!/usr/bin/env bats
# uvm-collect -f perfetto on recorded traces: a valid Chrome Trace Event
# document (perfetto-check.py), one slice per system call and fault of
# the trace, one track and one life per process.  The guests run the same
# checks on live traces (tests/guest/*.bats, _timeline_check).

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	_common_setup
	F="$BATS_TEST_DIRNAME/fixtures"
	T=$BATS_TEST_TMPDIR
}

@test "timeline: every fixture is a valid timeline with a slice per system call and fault, a track per process" {
	for f in "$F"/syscalls.trace "$F"/tree.trace; do
		_timeline_check "$f"
	done
	# the tree: 10 processes, each its own track and life slice, named
	# by comm, real pid and exe (one re-execs itself as /proc/self/exe)
	run jq -r '.processes' "$T/tree.facts"
	assert_output 10
	run jq -r '[.names[]] | map(select(test("^tree \\(pid [0-9]+\\) build/workloads/tree$"))) | length' "$T/tree.facts"
	assert_output 9
	run jq -r '[.names[]] | map(select(test("^exe \\(pid [0-9]+\\) /proc/self/exe$"))) | length' "$T/tree.facts"
	assert_output 1
	# memory and fault-rate counters
	jq -e '.counters.memory > 0 and .counters.faults > 0' "$T/tree.facts"
}

@test "timeline: a fault the kernel takes on user memory in a system call lies inside its slice" {
	_timeline_check "$F/syscalls.trace"
	jq -e '.kernel_faults == 5 and .kernel_faults_inside == 5' "$T/syscalls.facts"
}

@test "timeline: summary mode gives what it carries: lives, exits and the totals at each snapshot" {
	_timeline_check "$F/summary.trace"
	jq -e '.syscalls == 0 and .lives == 1 and .counters.totals == 1' "$T/summary.facts"
	# the totals are the report's
	"$UVM_COLLECT" -f json -o "$T/summary.json" "$F/summary.trace"
	calls=$(jq '[.processes[0].syscalls[].calls] | add' "$T/summary.json")
	run jq '.traceEvents[] | select(.name == "totals") | .args.syscalls' "$T/summary.perfetto.json"
	assert_output "$calls"
}

@test "timeline: a reused PID is a process of its own, the real pid in its name" {
	# fork 700, its exit, fork 700 again: two processes with one pid
	printf 'H\tuvm-trace\t1\tk\t1000\t0\t600\t1\tevents\tsyscall\n' >"$T/reuse.trace"
	printf 'P\t1000\t600\t1\t1\tsh\t/bin/sh\n' >>"$T/reuse.trace"
	printf 'C\t2000\t600\t600\t700\t700\t0x11\t0\tsh\n' >>"$T/reuse.trace"
	printf 'S\t3000\t700\t700\t39\tgetpid\t700\t-\t500\t\n' >>"$T/reuse.trace"
	printf 'X\t4000\t700\t700\t1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\n' >>"$T/reuse.trace"
	printf 'C\t5000\t600\t600\t700\t700\t0x11\t0\tsh\n' >>"$T/reuse.trace"
	printf 'S\t6000\t700\t700\t39\tgetpid\t700\t-\t500\t\n' >>"$T/reuse.trace"
	printf 'X\t7000\t700\t700\t1\t3\t0\t0\t1\t0\t0\t0\t0\t0\t0\n' >>"$T/reuse.trace"
	printf 'X\t8000\t600\t600\t1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\n' >>"$T/reuse.trace"
	printf 'T\t9000\t9\t0\t0\t0\t0\n' >>"$T/reuse.trace"
	_timeline_check "$T/reuse.trace"
	jq -e '.processes == 3 and .lives == 3 and .syscalls == 2' "$T/reuse.facts"
	# the second 700 has an id of its own: 700 + 1 << 22
	run jq -r '[.names | to_entries[] | select(.value | test("\\(pid 700\\)")) | .key] | sort | join(" ")' "$T/reuse.facts"
	assert_output "4195004 700"
	run jq -c '[.traceEvents[] | select(.cat == "process" and .ph == "X") | [.pid, .args.exit_status]]' "$T/reuse.perfetto.json"
	assert_output '[[600,0],[700,0],[4195004,3]]'
	# times in microseconds since the header, nanoseconds kept
	run jq -c '[.traceEvents[] | select(.cat == "syscall") | [.ts, .dur]]' "$T/reuse.perfetto.json"
	assert_output '[[2,0.5],[5,0.5]]'
	grep -q '"ts":2.000,"dur":0.500' "$T/reuse.perfetto.json"
}

@test "timeline: a trace cut short is still a whole document, the loss in it, exit 3" {
	head -n 300 "$F/tree.trace" >"$T/cut.trace"
	run -3 "$UVM_COLLECT" -f perfetto -o "$T/cut.perfetto.json" "$T/cut.trace"
	assert_output --partial 'no trailer (cut short)'
	run python3 "$BATS_TEST_DIRNAME/perfetto-check.py" "$T/cut.perfetto.json"
	assert_success
	jq -e '.loss.complete == false and .loss.records_read > 0' "$T/cut.perfetto.json"
	# processes still alive at the cut have a life up to the last event
	jq -e '[.traceEvents[] | select(.cat == "process" and .ph == "X" and .args.exited == false)] | length > 0' "$T/cut.perfetto.json"
}

@test "timeline: to stdout, and an unwritable output is a clear error" {
	run "$UVM_COLLECT" -f perfetto "$F/syscalls.trace"
	assert_success
	echo "$output" | python3 "$BATS_TEST_DIRNAME/perfetto-check.py" -
	run -4 "$UVM_COLLECT" -f perfetto -o /nonexistent/t.json "$F/syscalls.trace"
	assert_output --partial '/nonexistent/t.json'
	# an input that is no trace leaves the output as it was
	echo kept >"$T/bad.json"
	run -2 "$UVM_COLLECT" -f perfetto -o "$T/bad.json" /dev/null
	assert_output --partial 'no uvm trace header'
	assert_equal "$(cat "$T/bad.json")" kept
	run ls "$T"
	refute_output --partial 'bad.json.'
	# a FIFO (like /dev/null, a device) is written through, not replaced
	mkfifo "$T/fifo"
	timeout 20 cat "$T/fifo" >"$T/from-fifo" &
	run -0 "$UVM_COLLECT" -f perfetto -o "$T/fifo" "$F/syscalls.trace"
	wait
	[ -p "$T/fifo" ]
	python3 "$BATS_TEST_DIRNAME/perfetto-check.py" "$T/from-fifo"
}

# h LINE...: a trace of the lines given (tab-separated fields), after a
# header with ts 1000
h() {
	printf 'H\tuvm-trace\t1\tk\t1000\t0\t600\t1\tevents\tsyscall\n'
	printf '%s\n' "$@" | tr ' ' '\t'
}

@test "timeline: system calls begun before the trace keep their result; exit does not return" {
	_timeline_check "$F/syscalls.trace"
	# rt_sigsuspend -514 ERESTARTNOHAND -1: entry not seen
	run jq -c '[.traceEvents[] | select(.name == "rt_sigsuspend")][0].args | [.ret, .errno, .entry_seen, .returned]' "$T/syscalls.perfetto.json"
	assert_output '[-514,"ERESTARTNOHAND",false,null]'
	run jq -c '[.traceEvents[] | select(.name == "exit_group")][0] | [.dur, .args.returned, .args.ret]' "$T/syscalls.perfetto.json"
	assert_output '[0,false,null]'
}

@test "timeline: the execve of a thread that was not the leader is on its own track, not over the leader's wait" {
	# 600's thread 601 execs while 600 waits in futex; the kernel gives
	# 601 the leader's tid, and execve's record comes with tid 600: on
	# 600's track, it would overlap the end of the futex
	h "P 1000 600 1 2 t /t" "C 1100 600 600 600 601 0x3d0f00 1 t" \
		"E 3000 600 600 601 /bin/x x x" \
		"S 1500 600 600 202 futex -4 EINTR 1800 0x1,0x0" \
		"S 2000 600 600 59 execve 0 - 1500 \"/bin/x\"" \
		"X 9000 600 600 1 0 0 0 1 0 0 0 0 0 0" "T 9500 6 0 0 0 0" >"$T/threxec.trace"
	_timeline_check "$T/threxec.trace"
	run jq -c '[.traceEvents[] | select(.cat == "syscall") | [.name, .tid]]' "$T/threxec.perfetto.json"
	assert_output '[["futex",600],["execve",601]]'
	run jq -c '[.traceEvents[] | select(.name == "exec")][0].args.old_tid' "$T/threxec.perfetto.json"
	assert_output 601
}

@test "timeline: a thread's clone or exit of a process never seen, the heap after an exec, probe errors: no crash, what is known" {
	h "C 2000 1 1 9999 10 0x0 1 c" "X 2100 77 78 0 0 0 0 1 0 0 0 0 0 0" \
		"M 2200 1 1 brk 0x0 0 0 - - -1 0 0x10000 - -" "M 2300 1 1 brk 0x30000 0 0 - - -1 0 0x30000 - -" \
		"E 2400 1 1 1 /bin/y y y" \
		"M 2500 1 1 brk 0x0 0 0 - - -1 0 0x900000 - -" "M 2600 1 1 brk 0x901000 0 0 - - -1 0 0x901000 - -" \
		"T 3000 7 0 0 0 4" >"$T/odd.trace"
	run -3 "$UVM_COLLECT" -f perfetto -o "$T/odd.perfetto.json" "$T/odd.trace"
	python3 "$BATS_TEST_DIRNAME/perfetto-check.py" "$T/odd.perfetto.json"
	# the heap of each image: 0x20000, then 0x1000 after the exec
	run jq -c '[.traceEvents[] | select(.name == "memory") | .args.heap_bytes]' "$T/odd.perfetto.json"
	assert_output '[0,131072,0,4096]'
	jq -e '.loss.probe_errors == 4' "$T/odd.perfetto.json"
	run -3 "$UVM_COLLECT" -f json -o "$T/odd.json" "$T/odd.trace"
	jq -e '.processes[0].memory.heap_bytes == 4096 and .processes[0].memory.peak_heap_bytes == 131072' "$T/odd.json"
}
