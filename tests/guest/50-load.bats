#!/usr/bin/env bats
# Load, in one guest boot: a fork storm, 256 threads, 500 self-execs and
# PID reuse inside one run.  Every event is accounted for: the counts are
# the workload's own (tests/workloads/load.c), exactly.  And a transport
# buffer far too small: the loss is reported, never silent.

bats_require_minimum_version 1.5.0

setup_file() {
	load '../test_helper/common-setup'
	# no overload guard: uvm-collect's default (docs/performance.md)
	_guest_file_setup -DSTP_NO_OVERLOAD
	cat >"$D/job.sh" <<-'EOF'
		dmesg -c >/dev/null
		run() {	# name, then the load arguments; COUNT=1: perf counters too
			local n=$1 c=""
			shift
			[ -n "${COUNT:-}" ] && c="--counters \"$D/$n.counters\""
			# uvm-exec --drain: stapio would stop the module as soon
			# as the command exits, before it has read the whole trace
			staprun -o "$D/$n.trace" -c "\"$X\" --drain 60 $c -- \"$W/load\" $*" "$D/uvm.ko" >"$D/$n.out" 2>"$D/$n.err"
			echo $? >"$D/$n.status"
		}
		COUNT=1 run storm storm 2000 50
		run threads threads 256 100
		run exec exec 500
		run threxec threxec 0
		# pids wrap at pid_max (its minimum is 301): 1200 children one
		# after the other must reuse some
		old=$(cat /proc/sys/kernel/pid_max)
		echo 1000 >/proc/sys/kernel/pid_max
		run reuse reuse 1200
		echo "$old" >/proc/sys/kernel/pid_max
		COUNT=1 run cpu cpu 300
		# summary mode with more live (process, system call) pairs than
		# its arrays hold (_sc_stat: 16384): 1800 children x 12 calls
		staprun -o "$D/hold.trace" -c "\"$X\" --drain 60 -- \"$W/load\" hold 1800 12" "$D/uvm.ko" mode=summary >"$D/hold.out" 2>"$D/hold.err"
		echo $? >"$D/hold.status"
		# 1 MiB of transport buffer for about 9 MB of records
		staprun -b 1 -o "$D/tiny.trace" -c "\"$W/syscalls\" 100000 0" "$D/uvm.ko" >/dev/null 2>"$D/tiny.err"
		echo $? >"$D/tiny.status"
		dmesg >"$D/dmesg"
	EOF
	"$UVM_VM" run --timeout 1200 --share "$D" -- env D="$D" W="$W" X="$UVM_ROOT/build/uvm-exec" bash "$D/job.sh"
}

setup() {
	load '../test_helper/common-setup'
	_common_setup
	_guest_setup
}

# collect NAME: the JSON report of NAME.trace in $D/NAME.json, complete:
# with uvm-exec --drain the module stops only once stapio has read the
# whole trace (before it, the 256-thread run was cut at its end in one of
# two runs on 6.1 and 7.2, under load on the guest's one vCPU).
collect() {
	assert_equal "$(cat "$D/$1.status")" 0
	run "$UVM_COLLECT" -f json -o "$D/$1.json" "$D/$1.trace"
	assert_success
	J=$D/$1.json
	jq -e '.loss.complete and .loss.dropped == 0 and .loss.skipped == 0 and .loss.malformed_lines == 0' "$J"
	# the load process itself (the -c target, after its exec)
	LOAD=$(jq '[.processes[] | select(.comm == "load" and .parent_id == null)][0].id' "$J")
	[ "$LOAD" != null ]
}

@test "load: fork storm, 2000 children with 50 alive: every child, its getppid and its exit status" {
	collect storm
	[ "$(grep -c '^child ' "$D/storm.out")" = 2000 ]
	run jq --argjson p "$LOAD" '[.processes[] | select(.parent_id == $p)] |
		[length, ([.[].syscalls[] | select(.name == "getppid") | .calls] | add),
		 ([.[].exit_status] | add), ([.[] | select(.exited)] | length)] | @tsv' -r "$J"
	# exit statuses: child i exits with i % 200, summed over 2000 children
	assert_output $'2000\t2000\t199000\t2000'
}

@test "load: 256 threads of 100 getppid each: 25600 calls, 256 threads, one process" {
	collect threads
	run jq -r --argjson p "$LOAD" '.processes[] | select(.id == $p) |
		[([.syscalls[] | select(.name == "getppid") | .calls] | add), .threads_created] | @tsv' "$J"
	assert_output $'25600\t256'
	assert_equal "$(jq '[.processes[] | select(.parent_id == '"$LOAD"')] | length' "$J")" 0
}

@test "load: a process that execs itself 500 times: 501 images, one getppid each, one process" {
	collect exec
	run jq -r --argjson p "$LOAD" '.processes[] | select(.id == $p) |
		[.execs, ([.syscalls[] | select(.name == "getppid") | .calls] | add), .exit_status] | @tsv' "$J"
	# the exec that starts the command, then 500 of its own
	assert_output $'501\t501\t0'
}

@test "load: an exec from a second thread keeps its entry: latency and arguments" {
	collect threxec
	pid=$(jq --argjson p "$LOAD" '.processes[] | select(.id == $p) | .pid' "$J")
	# S ts pid tid nr name ret errno latency args: the thread's execve
	# returns under the leader's tid, its entry made under its own
	run awk -F'\t' -v p="$pid" '$1 == "S" && $3 == p && $6 == "execve" && $7 == 0 { print ($4 == p), ($9 >= 0), $10 }' "$D/threxec.trace"
	# the last exec is the thread's: under the leader's tid, timed,
	# its arguments decoded at its entry (not "?")
	printf '%s\n' "$output"
	assert_regex "${lines[-1]}" '^1 1 "[^"]*/load", 0x'
	run jq -r --argjson p "$LOAD" '.processes[] | select(.id == $p) |
		[.execs, ([.syscalls[] | select(.name == "getppid") | .calls] | add)] | @tsv' "$J"
	# the exec that starts the command and the thread's
	assert_output $'2\t1'
}

@test "load: PID reuse inside one run: each incarnation its own process, none merged" {
	collect reuse
	reused=$(sed -n 's/^reused //p' "$D/reuse.out")
	[ "$reused" -gt 0 ]
	run jq -r --argjson p "$LOAD" '[.processes[] | select(.parent_id == $p)] |
		[length, ([.[].pid] | unique | length),
		 ([.[].syscalls[] | select(.name == "getppid") | .calls] | max),
		 ([.[] | select(.exited)] | length)] | @tsv' "$J"
	distinct=$(sed -n 's/^child //p' "$D/reuse.out" | sort -u | wc -l)
	assert_output "1200	$distinct	1	1200"
	assert_equal "$((1200 - distinct))" "$reused"
	# the text report's tree has every incarnation under the parent
	run "$UVM_COLLECT" "$D/reuse.trace"
	output=$(grep -cE '^    [0-9]+ load \[exit [0-9]+\]' <<<"$output")
	assert_output 1200
}

@test "load: summary mode with more live processes than its arrays hold: the loss counted, the run goes on" {
	assert_equal "$(cat "$D/hold.status")" 0
	run grep -E 'ERROR|overflow' "$D/hold.err"
	assert_output ""
	run "$UVM_COLLECT" -f json -o "$D/hold.json" "$D/hold.trace"
	assert_equal "$status" 3
	assert_output --regexp 'incomplete: .*[1-9][0-9]* events dropped'
	J=$D/hold.json
	# the trailer was read: the loss is counted, not a cut
	jq -e '.loss.complete and .loss.dropped > 0 and .loss.probe_errors == 0' "$J"
	# the 12 calls of each child: some could not be recorded, and what
	# was recorded plus what was dropped covers every one of them
	calls=$(jq '[.processes[] | select(.parent_id != null) | .syscalls[] |
		select(.name | IN("getppid", "getpid", "getuid", "geteuid", "getgid", "getegid",
			"gettid", "getpgrp", "sched_yield", "getsid", "umask", "getpriority")) | .calls] | add' "$J")
	dropped=$(jq .loss.dropped "$J")
	echo "recorded $calls, dropped $dropped of $((1800 * 12))"
	[ "$calls" -lt $((1800 * 12)) ]
	[ "$((calls + dropped))" -ge $((1800 * 12)) ]
	# every child is there, and exited
	assert_equal "$(jq '[.processes[] | select(.parent_id != null and .exited)] | length' "$J")" 1800
}

@test "load: events through a 1 MiB transport buffer: all 100000 calls, or the loss reported and exit 3" {
	run "$UVM_COLLECT" -f json -o "$D/tiny.json" "$D/tiny.trace"
	n=$(jq '[.processes[].syscalls[] | select(.name == "getppid") | .calls] | add' "$D/tiny.json")
	if [ "$status" -eq 0 ]; then
		jq -e '.loss.complete' "$D/tiny.json"
		assert_equal "$n" 100000
	else
		# the loss is counted in the trailer (transport failures), or
		# the trailer itself was lost (cut short)
		assert_equal "$status" 3
		assert_output --partial "the trace is incomplete"
		jq -e '.loss.complete == false or .loss.transport_failures > 0 or .loss.dropped > 0' "$D/tiny.json"
		[ "$n" -gt 0 ] && [ "$n" -lt 100000 ]
	fi
}

@test "load: CPU utilization: a child that spins near one CPU, one that sleeps near none" {
	collect cpu
	spinner=$(sed -n 's/^spinner //p' "$D/cpu.out")
	sleeper=$(sed -n 's/^sleeper //p' "$D/cpu.out")
	jq -c '.processes[] | [.pid, .utime_ns, .stime_ns, .start_ns, .end_ns, .cpu_utilization]' "$J"
	# 300 ms of CPU time on the guest's one vCPU, which the sleeper leaves
	# free, but which the parent shares while it waits and traces (seen on
	# 7.2: spinner 0.64, parent 0.27 over the same time): the spinner has
	# most of one CPU (the kernel's ticks are 4 ms); the sleeper used next
	# to nothing of its 300 ms
	jq -e --argjson p "$spinner" '.processes[] | select(.pid == $p) | .cpu_utilization >= 0.5 and .cpu_utilization <= 1.05' "$J"
	jq -e --argjson p "$sleeper" '.processes[] | select(.pid == $p) | .cpu_utilization <= 0.1' "$J"
	jq -e '.totals.cpu_utilization > 0' "$J"
}

# counted NAME: NAME's report with its perf counters (uvm-exec
# --counters) in $J, and what the tests compare printed; $per: whether
# this guest kernel gives each process's own counts (_per_process)
counted() {
	assert_equal "$(cat "$D/$1.status")" 0
	grep -v '^pid' "$D/$1.counters"
	run -0 "$UVM_COLLECT" --counters "$D/$1.counters" -f json -o "$D/$1.counted.json" "$D/$1.trace"
	J=$D/$1.counted.json
	root=$(jq '.processes[] | select(.execs > 0) | .pid' "$J")
	echo "pid task_clock utime+stime context_switches nvcsw+nivcsw minor_faults min_flt"
	jq -r '.processes[] | [.pid, .counters.task_clock_ns, .utime_ns + .stime_ns, .counters.context_switches, .nvcsw + .nivcsw, .counters.minor_faults, .min_flt] | @tsv' "$J" | head -6
	jq -r '"all: " + ([.totals.counters.task_clock_ns, ([.processes[] | .utime_ns + .stime_ns] | add), .totals.counters.context_switches, ([.processes[] | .nvcsw + .nivcsw] | add), .totals.counters.minor_faults, ([.processes[].min_flt] | add)] | @tsv)' "$J"
	per=$(_per_process "$J")
	jq -e --arg w "$per" '.counting.per_process == $w and .counting.unattributed == 0' "$J"
	jq -e '[.totals.counters.task_clock_ns, .totals.counters.context_switches, .totals.counters.cpu_migrations, .totals.counters.minor_faults, .totals.counters.major_faults] | all(. != null)' "$J"
}

# switches_and_faults: the counted tree's context switches and minor
# faults against the exit records' nvcsw+nivcsw and min_flt, all
# processes'.  Faults: the same but for those the root made before its
# exec (measured: 10).  Switches: perf counts its own; measured against
# nvcsw+nivcsw, the storm's 2001 processes had 0.7 % more on 7.2 and
# 6.9 % fewer on 6.12; cpu 300's three, 13 to 17 fewer.  Within 10 %.
switches_and_faults() {
	local n
	n=$(jq '.processes | length' "$J")
	jq -e '([.processes[] | .nvcsw + .nivcsw] | add) as $k | .totals.counters.context_switches
		| . >= $k * 0.9 - 20 and . <= $k * 1.1 + 20' "$J"
	jq -e --argjson n "$n" '([.processes[].min_flt] | add) as $k | .totals.counters.minor_faults
		| . >= $k - 100 and . <= $k + 2 * $n' "$J"
}

@test "load: perf counters of cpu 300: the task clock against the spinner's 300 ms and utime+stime, context switches against nvcsw+nivcsw, faults against the exit's; no PMU: hardware null" {
	counted cpu
	spinner=$(sed -n 's/^spinner //p' "$D/cpu.out")
	# the tree: the spinner spun until getrusage said 300 ms (the
	# scheduler's runtime, which the task clock counts too); the
	# kernel's tick-sampled utime+stime, which the exit record has, are
	# rough under TCG (the spinner's: 404 ms on 6.1)
	jq -e '.totals.counters.task_clock_ns >= 300000000' "$J"
	# context switches and minor faults: the exit's, but for those the
	# root made before its exec
	switches_and_faults
	jq -e '.totals.counters.task_clock_ns <= 2 * ([.processes[] | .utime_ns + .stime_ns] | add) + 8000000' "$J"
	# under TCG there is no PMU: every hardware counter not supported,
	# null (never 0) in each process and in the totals
	for n in cycles instructions cache_references cache_misses branch_misses; do
		jq -e --arg n "$n" '(.counting.unsupported | map(.name) | index($n)) != null
			and .totals.counters[$n] == null and ([.processes[].counters[$n]] | all(. == null))' "$J"
	done
	run -0 "$UVM_COLLECT" --counters "$D/cpu.counters" "$D/cpu.trace"
	assert_line --regexp "^Perf counters: from the command's exec; each process's own: $per.*; not counted here: cycles \\(ENOENT\\)"
	# each process's own: load and its two children
	jq -e '[.processes[] | select(.counters.task_clock_ns != null)] | length == 3' "$J"
	sum_to_total
	# the spinner's task clock: its 300 ms (getrusage's, which is the
	# scheduler's runtime; perf's clock gave 1 % less on 7.2 under TCG),
	# and the last round of its loop and its exit
	jq -e --argjson p "$spinner" '.processes[] | select(.pid == $p) | .counters.task_clock_ns | . >= 285000000 and . < 340000000' "$J"
	own_against_exit 2
}

# sum_to_total: each process's own counts add up to the tree's: exactly
# with perf's read records (all); with uvm's module (module), which reads
# a task's counts as the kernel takes its events down, a little before
# they stop, to at most 1 ms of task clock a process and 2 % of the
# tree's less (measured under TCG: 74 us on average for the storm's on
# 6.1, 0.7 % of its total; 200 us for cpu 300's on 6.12, 0.15 %) and 2 %
# of the context switches (measured: 0.8 %)
sum_to_total() {
	local n
	if [ "$per" = all ]; then
		jq -e '.totals.counters.task_clock_ns == ([.processes[].counters.task_clock_ns] | add)' "$J"
		return
	fi
	n=$(jq '.processes | length' "$J")
	jq -e --argjson n "$n" '([.processes[].counters.task_clock_ns] | add) as $s | .totals.counters.task_clock_ns
		| $s <= . and $s >= . - 1000000 * $n and $s >= . * 0.98' "$J"
	jq -e '([.processes[].counters.context_switches] | add) as $s | .totals.counters.context_switches
		| $s <= . and $s >= . * 0.98 - 2' "$J"
	jq -e '([.processes[].counters.minor_faults] | add) == .totals.counters.minor_faults' "$J"
}

# own_against_exit N: each forked child's own context switches and minor
# faults against its exit record's (both counted from its fork), for the
# N children.  Faults: the same.  Switches: perf's are read a little
# after the exit record on 7.2, up to 2 more (all); on 6.1 and 6.12 the
# module reads them before it and perf counts fewer anyway: measured,
# the storm's children 0 to 16 fewer (module).
own_against_exit() {
	jq -e --argjson r "$root" --argjson n "$1" '[.processes[] | select(.pid != $r)] | length == $n
		and ([.[] | .counters.minor_faults - .min_flt] | all(. == 0))' "$J"
	if [ "$per" = all ]; then
		jq -e --argjson r "$root" '[.processes[] | select(.pid != $r)
			| .counters.context_switches - (.nvcsw + .nivcsw) | . >= 0 and . <= 2] | all' "$J"
	else
		jq -e --argjson r "$root" '[.processes[] | select(.pid != $r)
			| .counters.context_switches - (.nvcsw + .nivcsw) | . <= 0 and . >= -20] | all' "$J"
	fi
}

@test "load: perf counters of the storm's 2001 processes: context switches and faults against the exit's, each process's own on every kernel" {
	counted storm
	switches_and_faults
	# the task clock against the ticks: measured 0.76 of them (6.12) to
	# 0.96 (7.2)
	jq -e '([.processes[] | .utime_ns + .stime_ns] | add) as $k | .totals.counters.task_clock_ns
		| . >= $k / 2 and . <= 2 * $k' "$J"
	jq -e '[.processes[] | select(.counters.task_clock_ns != null)] | length == 2001' "$J"
	# how far each child's counts are from its exit's, in the TAP output:
	# [difference, children], ...
	jq -r --argjson r "$root" '[.processes[] | select(.pid != $r)] | "# switches less nvcsw+nivcsw: "
		+ ([.[] | .counters.context_switches - (.nvcsw + .nivcsw)] | group_by(.) | map([.[0], length]) | tostring)
		+ "; minor faults less min_flt: "
		+ ([.[] | .counters.minor_faults - .min_flt] | group_by(.) | map([.[0], length]) | tostring)' "$J" >&3
	own_against_exit 2000
	sum_to_total
}

# counter_ids: "NAME TYPE/CONFIG ..." for every counter of
# helpers/counters.h, from its one list
counter_ids() {
	cat >"$BATS_TEST_TMPDIR/ids.c" <<-'EOF'
		#include <stdio.h>
		#include "counters.h"
		#define ID(id, name, unit, type, config) printf("%s %d/%llu ", name, (int)(type), (unsigned long long)(config));
		int main(void) { UVM_COUNTER_LIST(ID) return 0; }
	EOF
	cc -I"$UVM_ROOT/helpers" -o "$BATS_TEST_TMPDIR/ids" "$BATS_TEST_TMPDIR/ids.c" && "$BATS_TEST_TMPDIR/ids"
}

@test "load: perf counters where the kernel writes read records (7.2): uvm's module read each task's own as perf did, process by process" {
	counted storm
	[ "$per" = all ] || skip "this kernel writes no read records (before 6.15): nothing to compare"
	# the storm's N records, summed by process, against the counters
	# file's (perf's read records): the module reads a task's counts as
	# the kernel takes its events down, perf a little later (measured on
	# 7.2: the same faults, switches 0 or 1 more, task clock 25 us to
	# 0.6 ms more)
	awk -F'\t' '$1 == "N" { n[$3 "/" $5 "/" $6] += $7 }
		END { for (k in n) printf "%s %.0f\n", k, n[k] }' "$D/storm.trace" | LC_ALL=C sort >"$D/storm.module"
	awk -v map="$(counter_ids)" 'BEGIN { n = split(map, m, " "); for (i = 1; i < n; i += 2) id[m[i]] = m[i + 1] }
		$1 == "pid" { print $2 "/" id[$3], $4 }' "$D/storm.counters" | LC_ALL=C sort >"$D/storm.perf"
	LC_ALL=C join -j1 "$D/storm.perf" "$D/storm.module" >"$D/storm.both"
	# every process and counter in both, once: the 2001 processes, each
	# counter the file totals
	assert_equal "$(wc -l <"$D/storm.both")" "$(wc -l <"$D/storm.perf")"
	assert_equal "$(wc -l <"$D/storm.both")" "$(wc -l <"$D/storm.module")"
	assert_equal "$(wc -l <"$D/storm.both")" $((2001 * $(grep -c '^total ' "$D/storm.counters")))
	# PID/TYPE/CONFIG PERF MODULE: the task clock (1/1) and context
	# switches (1/3) within those bounds, every other counter the same
	awk '{ split($1, k, "/"); c = k[2] "/" k[3]; d = $2 - $3 }
		c == "1/1" && (d < 0 || d > 5000000) { print "task clock", $0; bad++ }
		c == "1/3" && (d < 0 || d > 2) { print "switches", $0; bad++ }
		c != "1/1" && c != "1/3" && d != 0 { print "counter " c, $0; bad++ }
		END { exit bad > 0 }' "$D/storm.both"
}

@test "load: the storm's 2001 processes on one HTML page, in the browser; the timeline draws 2000 and says so" {
	_html_check "$D/storm.trace"
	F=$BATS_TEST_TMPDIR
	jq -e '.processes >= 2001 and .timeline_rows == 2000' "$F/storm.html.facts"
	grep -q 'data-omitted="[1-9]' "$F/storm.html"
	ls -l "$F/storm.html"
}

@test "load: every load trace is a valid timeline; each reused PID's process has a track of its own" {
	for n in storm threads exec threxec reuse cpu hold tiny; do
		_timeline_check "$D/$n.trace"
	done
	F=$BATS_TEST_TMPDIR
	# the 2000 children and their parent; 257 threads named on one process's tracks
	jq -e '.processes >= 2001 and .lives == .processes' "$F/storm.facts"
	jq -e '.processes == 1 and .syscalls >= 25600' "$F/threads.facts"
	[ "$(jq '[.traceEvents[] | select(.name == "thread_name")] | length' "$F/threads.perfetto.json")" -ge 257 ]
	# PID reuse: as many tracks as processes (the facts' check), more
	# than there are pids
	pids=$(jq '[.processes[].pid] | unique | length' "$F/reuse.report.json")
	n=$(jq '.processes' "$F/reuse.facts")
	echo "reuse: $n processes on $pids pids"
	[ "$n" -gt "$pids" ]
}

@test "load: the guest kernel logged no warning, BUG or oops through all of it" {
	run grep -E 'WARNING|BUG|Oops|general protection|Call Trace|blocked for more than|stall' "$D/dmesg"
	# on failure, each report with its context
	[ -z "$output" ] || grep -E -B 12 -A 16 'Call Trace|WARNING|BUG' "$D/dmesg" | head -n 120
	assert_output ""
}
