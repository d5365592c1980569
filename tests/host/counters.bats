#!/usr/bin/env bats
# uvm-exec --counters on this machine's own kernel: perf events opened on
# the command before its exec, inherited by its tree, each process's own
# counts from the exit records (helpers/counters.h).  The host kernel
# counts software events; it has no PMU here, so the hardware counters
# must come out unsupported (or, on a machine with one, counted).
# Each process's own counts are exact only when the kernel delivers
# every task's read records, which it does not when tasks exit at once
# on different CPUs (helpers/counters.h): the tests of those counts run
# the command on one CPU (taskset -c 0); the last one runs it on all and
# checks that a loss is said.

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
	run -0 taskset -c 0 "$X" --drain 0 --counters "$t/c" -- "$W/load" cpu 300
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
	run -0 taskset -c 0 "$X" --drain 0 --counters "$t/c" -- "$W/load" threads 8 100
	grep -qx 'lost 0' "$t/c"
	assert_equal "$(awk '$1 == "pid" { print $2 }' "$t/c" | sort -u | wc -l)" 1
	total=$(awk '$1 == "total" && $2 == "task_clock_ns" { print $3 }' "$t/c")
	pid=$(awk '$1 == "pid" { print $2; exit }' "$t/c")
	assert_equal "$(v "$t/c" "$pid" task_clock_ns)" "$total"
}

@test "uvm-exec --counters, a fork storm on every CPU: each process's counts add up to the totals, or the loss is said and none is written" {
	# (not "i": bats' run -N leaves its own i behind)
	for r in 1 2 3 4 5; do
		run -0 "$X" --drain 0 --counters "$t/c$r" -- "$W/load" storm 300 20
		lost=$(awk '$1 == "lost" { print $2 }' "$t/c$r")
		total=$(awk '$1 == "total" && $2 == "task_clock_ns" { print $3 }' "$t/c$r")
		[ "$total" -gt 0 ]
		if [ "$lost" = 0 ]; then
			grep -qx 'per-process all' "$t/c$r"
			assert_equal "$(awk '$1 == "pid" { print $2 }' "$t/c$r" | sort -u | wc -l)" 301
			assert_equal "$(awk '$1 == "pid" && $3 == "task_clock_ns" { s += $4 } END { print s + 0 }' "$t/c$r")" "$total"
		else
			grep -qx 'per-process lost' "$t/c$r"
			! grep -q '^pid ' "$t/c$r"
			run -0 "$UVM_COLLECT" --counters "$t/c$r" -f json "$UVM_ROOT/tests/host/fixtures/tree.trace"
			jq -e --argjson l "$lost" '.counting.per_process == "lost" and .counting.lost == $l and ([.processes[].counters.task_clock_ns] | all(. == null))' <<<"$output"
		fi
		echo "# run $r: lost $lost" >&3
	done
}

@test "uvm-exec --counters: a grandchild's counts are its own (the context swaps below the child pair them right)" {
	# sh forks load, which forks the spinner: load's context and its
	# children's swap counts at context switches
	for r in 1 2 3 4 5; do
		run -0 taskset -c 0 "$X" --drain 0 --counters "$t/c" -- sh -c '"$1" cpu 100; true' sh "$W/load"
		spinner=$(awk '$1 == "spinner" { print $2 }' <<<"$output")
		grep -qx 'lost 0' "$t/c"
		s=$(v "$t/c" "$spinner" task_clock_ns)
		[ "$s" -ge 100000000 ] && [ "$s" -lt 200000000 ]
		assert_equal "$(awk '$1 == "pid" { print $2 }' "$t/c" | sort -u | wc -l)" 4
	done
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

# A real trace of this repository's fixtures, and the counters uvm-exec
# wrote on this machine for load cpu 300, its pids changed to the
# trace's: the collector's side of the file.
counted_fixture() {
	trace=$UVM_ROOT/tests/host/fixtures/tree.trace
	root=$("$UVM_COLLECT" -f json "$trace" | jq -r '.processes[0].pid')
	child=$("$UVM_COLLECT" -f json "$trace" | jq -r '.processes[1].pid')
	"$X" --drain 0 --counters "$t/host" -- "$W/load" cpu 100 >"$t/load.out"
	spinner=$(awk '$1 == "spinner" { print $2 }' "$t/load.out")
	lroot=$(awk '$1 == "pid" { print $2; exit }' "$t/host")
	awk -v lr="$lroot" -v sp="$spinner" -v r="$root" -v c="$child" '
		$1 == "pid" && $2 == lr { $2 = r } $1 == "pid" && $2 == sp { $2 = c }
		$1 == "pid" && $2 != r && $2 != c { next } { print }' "$t/host" >"$t/c"
}

@test "uvm-collect --counters FILE TRACE: each process's counters in JSON, XML and text; null for what was not counted" {
	counted_fixture
	run -0 "$UVM_COLLECT" --counters "$t/c" -f json -o "$t/r.json" "$trace"
	# the spinner's CPU, now the trace's second process
	jq -e --argjson c "$child" '.processes[] | select(.pid == $c) | .counters.task_clock_ns >= 100000000' "$t/r.json"
	# a process the file does not have: every counter null, never 0
	jq -e '[.processes[2].counters[]] | all(. == null)' "$t/r.json"
	# the totals are the file's own
	assert_equal "$(jq '.totals.counters.task_clock_ns' "$t/r.json")" \
		"$(awk '$1 == "total" && $2 == "task_clock_ns" { print $3 }' "$t/c")"
	# what this machine could not count: named, null everywhere
	for n in $(awk '$1 == "unsupported" { print $2 }' "$t/c"); do
		jq -e --arg n "$n" '(.counting.unsupported | map(.name) | index($n)) != null and .totals.counters[$n] == null' "$t/r.json"
	done
	jq -e '.counting.lost == 0 and .counting.unattributed == 0' "$t/r.json"
	run -0 "$UVM_COLLECT" --counters "$t/c" -f xml -o "$t/r.xml" "$trace"
	xmllint --noout --schema "$UVM_ROOT/docs/uvm-collect.xsd" "$t/r.xml"
	run -0 "$UVM_COLLECT" --counters "$t/c" "$trace"
	assert_line --regexp "^Perf counters: from the command's exec; each process's own: all"
	assert_line --regexp '^  perf counters: task clock [0-9]+\.[0-9]{3} ms, context_switches [0-9]+'
	# without counters: no counters object at all
	run -0 "$UVM_COLLECT" -f json "$trace"
	jq -e '.counting == null and .totals.counters == null' <<<"$output"
}

@test "uvm-collect --counters: a file that is not one, cut short or wrong is refused by file and line, exit 2" {
	trace=$UVM_ROOT/tests/host/fixtures/tree.trace
	# refused NAME CONTENT MESSAGE: a file NAME of CONTENT (printf's) is
	# refused with NAME:MESSAGE
	refused() {
		printf "$2" >"$t/$1"
		run -2 "$UVM_COLLECT" --counters "$t/$1" "$trace"
		assert_output --partial "$t/$1:$3"
	}
	refused cut 'uvm-counters 1\nlost 0\nper-process all\ntotal task_clock_ns 5\n' "4: cut short (no 'end')"
	refused bad 'uvm-counters 1\nlost 0\nper-process all\npid 143 task_clock 5\nend\n' "4: not a counters line: 'pid 143 task_clock 5'"
	refused new 'uvm-counters 2\nend\n' "1: not a counters file (no 'uvm-counters 1')"
	refused which 'uvm-counters 1\nlost 0\nend\n' "3: no 'per-process' line"
	refused nul 'uvm-counters 1\nlost 0\nper-process all\nend\0more\n' "4: a NUL byte"
	# in the order of helpers/counters.h, each line once, and consistent
	refused order 'uvm-counters 1\ntotal task_clock_ns 5\nlost 0\nper-process all\nend\n' "2: 'total' out of order or repeated"
	refused twice 'uvm-counters 1\nlost 0\nper-process all\ntotal task_clock_ns 5\ntotal task_clock_ns 6\nend\n' \
		"5: 'total' out of order or repeated"
	refused unsup 'uvm-counters 1\nunsupported cycles ENOENT\nlost 0\nper-process all\ntotal cycles 5\nend\n' \
		"5: 'total' out of order or repeated"
	refused pidtwice 'uvm-counters 1\nlost 0\nper-process all\npid 143 task_clock_ns 5\npid 143 task_clock_ns 6\nend\n' \
		"5: 'pid' out of order or repeated"
	refused alllost 'uvm-counters 1\nlost 3\nper-process all\nend\n' "3: 'per-process all' with 'lost 3'"
	# a process's own counts when the file says there are none
	refused none 'uvm-counters 1\nlost 10\nper-process none\npid 143 task_clock_ns 5\nend\n' \
		"4: a process's counts with 'per-process none'"
	refused after 'uvm-counters 1\nlost 0\nper-process all\nend\nlost 0\n' "5: a line after 'end'"
	run -2 "$UVM_COLLECT" --counters "$t/nofile" "$trace"
	assert_output --partial "$t/nofile: No such file or directory"
	run -1 "$UVM_COLLECT" --counters "$t/c" -- true
	assert_output --partial "--counters reads a counters file with a trace file"
	run -1 "$UVM_COLLECT" --counters "$t/c" --runs "$trace" "$trace"
	assert_output --partial -- "--counters is for one trace file, not --runs"
}

@test "uvm-collect --counters: where the file has no process's own counts, the trace's N records give them (per_process module), in JSON, XML and text" {
	trace=$UVM_ROOT/tests/host/fixtures/tree.trace
	root=$("$UVM_COLLECT" -f json "$trace" | jq -r '.processes[0].pid')
	child=$("$UVM_COLLECT" -f json "$trace" | jq -r '.processes[1].pid')
	# the fixture as a version 4 trace (its header with the targets
	# field), with N records for the root (two of its tasks) and the
	# child, and one for a pid the trace does not have; the trailer
	# counts them
	awk -v r="$root" -v c="$child" 'BEGIN { OFS = "\t" }
		$1 == "H" { $3 = 4; print $0 "\t" $7; next }
		$1 == "T" {
			print "N", 1, r, r, 1, 1, 700000
			print "N", 1, r, r + 1000, 1, 1, 300000
			print "N", 1, r, r, 1, 3, 4
			print "N", 2, c, c, 1, 1, 5000
			print "N", 2, c, c, 1, 5, 9
			print "N", 3, 99999, 99999, 1, 1, 1
			$3 += 6
		} { print }' "$trace" >"$t/v4.trace"
	printf 'uvm-counters 1\nunsupported cycles ENOENT\nlost 12\nper-process none\ntotal task_clock_ns 1100000\ntotal context_switches 9\ntotal minor_faults 20\nend\n' >"$t/c"
	run -0 "$UVM_COLLECT" --counters "$t/c" -f json -o "$t/r.json" "$t/v4.trace"
	jq -c '.counting' "$t/r.json"
	jq -e '.loss.complete and .loss.malformed_lines == 0' "$t/r.json"
	jq -e '.counting.per_process == "module" and .counting.lost == 12 and .counting.unattributed == 1' "$t/r.json"
	# the root's two tasks add up; a counter the file did not count is
	# null, never the trace's
	jq -e --argjson r "$root" '.processes[] | select(.pid == $r) | .counters
		| .task_clock_ns == 1000000 and .context_switches == 4 and .minor_faults == null and .cycles == null' "$t/r.json"
	jq -e --argjson c "$child" '.processes[] | select(.pid == $c) | .counters
		| .task_clock_ns == 5000 and .context_switches == null and .minor_faults == 9' "$t/r.json"
	jq -e '[.processes[2].counters[]] | all(. == null)' "$t/r.json"
	jq -e '.totals.counters.task_clock_ns == 1100000' "$t/r.json"
	run -0 "$UVM_COLLECT" --counters "$t/c" -f xml -o "$t/r.xml" "$t/v4.trace"
	xmllint --noout --schema "$UVM_ROOT/docs/uvm-collect.xsd" "$t/r.xml"
	grep -q 'per_process="module"' "$t/r.xml"
	run -0 "$UVM_COLLECT" --counters "$t/c" "$t/v4.trace"
	assert_line --partial "each process's own: module (read by uvm's module"
	# a file that has them all: the file's, not the trace's
	printf 'uvm-counters 1\nlost 0\nper-process all\ntotal task_clock_ns 1100000\npid %s task_clock_ns 42\nend\n' "$root" >"$t/all"
	run -0 "$UVM_COLLECT" --counters "$t/all" -f json "$t/v4.trace"
	jq -e --argjson r "$root" '.counting.per_process == "all" and (.processes[] | select(.pid == $r) | .counters.task_clock_ns == 42)' <<<"$output"
}
