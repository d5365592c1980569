#!/usr/bin/env bats
# Repeated runs: uvm-collect --runs TRACE... (saved traces as runs of one
# workload) and --repeat N -- CMD (N live runs), written as every run's
# report and a summary of each row (median, min..max, spread).  The
# traces are the fixtures, and variants of them with a known number of
# extra getppid calls, so that the summary's numbers are known.  The live
# runs go through a stand-in for scripts/uvm-vm (UVM_VM, --guest) that
# hands back a fixture as the run's trace: no guest is booted here.

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	load '../test_helper/collect-fixtures'
	_common_setup
	F="$BATS_TEST_DIRNAME/fixtures"
	T=$BATS_TEST_TMPDIR
}

# three runs of syscalls: 50, 150 and 90 getppid calls
three_runs() {
	cp "$F/syscalls.trace" "$T/r1.trace"
	more_getppid "$T/r2.trace" 100
	more_getppid "$T/r3.trace" 40
}

@test "runs: three traces: every run's report as -f json gives it, and the summary's median, min, max, spread" {
	three_runs
	run -0 "$UVM_COLLECT" --runs -f json -o "$T/runs.json" "$T/r1.trace" "$T/r2.trace" "$T/r3.trace"
	assert_output ''
	jq -e '(.runs | length) == 3 and .summary.runs == 3' "$T/runs.json"
	for i in 1 2 3; do
		"$UVM_COLLECT" -f json "$T/r$i.trace" | jq -S . >"$T/one.json"
		jq -S ".runs[$((i - 1))]" "$T/runs.json" | diff - "$T/one.json"
	done
	# 50, 150, 90: median 90, spread (150 - 50) / 90
	for p in all 'syscalls#1'; do
		run jq -r --arg p "$p" '.summary.rows[] | select(.process == $p and .metric == "getppid calls")
			| "\(.median) \(.min) \(.max) \(.spread_pct * 1000 | round) \(.present_runs) \(.category)"' "$T/runs.json"
		assert_output '90 50 150 111111 3 calls'
	done
	# a row the same in every run: spread 0; "all" first, then by process and metric
	jq -e '.summary.rows[] | select(.process == "all" and .metric == "faults minor") | .min == .max and .spread_pct == 0' "$T/runs.json"
	jq -e '[.summary.rows[] | [(.process != "all"), .process, .metric]] | . == sort' "$T/runs.json"
	jq -e '.summary.rows[0].process == "all"' "$T/runs.json"
}

@test "runs: a row missing from a run counts 0 there: median, min and present runs say so; a 0 median has no spread" {
	# tree's processes are in one run of three
	cp "$F/syscalls.trace" "$T/a.trace"
	run -0 "$UVM_COLLECT" --runs -f json "$T/a.trace" "$F/tree.trace" "$T/a.trace"
	json=$output
	run jq -r '.summary.rows[] | select(.process == "all" and .metric == "clone calls") | "\(.median) \(.min) \(.max) \(.spread_pct) \(.present_runs)"' <<<"$json"
	assert_output "0 0 $(jq '.totals.syscalls[] | select(.name == "clone") | .calls' <("$UVM_COLLECT" -f json "$F/tree.trace")) null 1"
}

@test "runs: text: a table per process, each row's median, min..max, spread and runs" {
	three_runs
	run -0 "$UVM_COLLECT" --runs "$T/r1.trace" "$T/r2.trace" "$T/r3.trace"
	assert_line --index 0 --partial 'uvm runs: 3 runs'
	assert_line 'all'
	assert_line --regexp '^syscalls#1 \(syscalls\)$'
	assert_line --regexp '^  getppid calls +90 +50\.\.150 +111\.1% +3/3$'
	# "all" comes before the processes
	run awk '/^all$/ { a = NR } /^syscalls#1/ { s = NR } END { exit !(a && s && a < s) }' <<<"$output"
}

@test "runs: diff takes the runs (its summary ignored) as a side: medians compared, the runs counted" {
	three_runs
	"$UVM_COLLECT" --runs -f json -o "$T/base.json" "$T/r1.trace" "$T/r2.trace" "$T/r3.trace"
	run -0 "$UVM_COLLECT" diff -f json "$T/base.json" "$T/base.json"
	jq -e '.base_runs == 3 and .new_runs == 3 and .regressions == 0' <<<"$output"
	more_getppid "$T/n.trace" 250
	"$UVM_COLLECT" --runs -f json -o "$T/new.json" "$T/n.trace" "$T/n.trace" "$T/n.trace"
	# base's getppid calls vary (50, 150, 90): its median, not judged
	# with fewer than 5 runs
	run -0 "$UVM_COLLECT" diff -f json "$T/base.json" "$T/new.json"
	run jq -r '.rows[] | select(.metric == "getppid calls") | "\(.process) \(.base) \(.new) \(.verdict) \(.base_runs)"' <<<"$output"
	assert_output "$(printf '%s\n' 'all 90 300 not judged [50,150,90]' 'syscalls#1 90 300 not judged [50,150,90]')"
	# the same counts in every run compare exactly: a regression
	"$UVM_COLLECT" --runs -f json -o "$T/base.json" "$T/r1.trace" "$T/r1.trace" "$T/r1.trace"
	run -5 "$UVM_COLLECT" diff -f json "$T/base.json" "$T/new.json"
	run jq -r '.rows[] | select(.verdict == "regression") | "\(.process) \(.metric) \(.base) \(.new)"' <<<"$output"
	assert_output "$(printf '%s\n' 'all getppid calls 50 300' 'syscalls#1 getppid calls 50 300')"
}

@test "runs: a run with no usable trace stops the runs: those before it are written, exit 2; lost events exit 3" {
	three_runs
	echo 'not a trace' >"$T/bad.trace"
	run -2 "$UVM_COLLECT" --runs -f json -o "$T/out.json" "$T/r1.trace" "$T/r2.trace" "$T/bad.trace" "$T/r3.trace"
	assert_line --partial "$T/bad.trace"
	assert_line --partial 'run 3 of 4 failed: the runs before it are written'
	jq -e '(.runs | length) == 2 and .summary.runs == 2' "$T/out.json"
	# the first fails: nothing to write, and a file of that name is kept
	run -2 "$UVM_COLLECT" --runs -f json -o "$T/none.json" "$T/nothere.trace" "$T/r1.trace"
	assert_line --partial 'nothing to write'
	[ ! -e "$T/none.json" ]
	run -2 "$UVM_COLLECT" --runs -f json -o "$T/out.json" "$T/nothere.trace"
	jq -e '(.runs | length) == 2' "$T/out.json"
	# a trace cut short (no trailer): all runs kept, exit 3, the run named
	grep -v '^T' "$T/r2.trace" >"$T/cut.trace"
	run -3 "$UVM_COLLECT" --runs -f json -o "$T/out.json" "$T/r1.trace" "$T/cut.trace" "$T/r3.trace"
	assert_line --partial 'run 2: the trace is incomplete'
	jq -e '(.runs | length) == 3 and .runs[1].loss.complete == false' "$T/out.json"
}

@test "runs: --progress says which run on stderr; off by default when stderr is no terminal" {
	three_runs
	run -0 --separate-stderr "$UVM_COLLECT" --runs --progress -f json -o "$T/o.json" "$T/r1.trace" "$T/r2.trace"
	assert_equal "$stderr" "$(printf 'uvm-collect: run 1/2: %s\nuvm-collect: run 2/2: %s' "$T/r1.trace" "$T/r2.trace")"
	run -0 --separate-stderr "$UVM_COLLECT" --runs -f json -o "$T/o.json" "$T/r1.trace" "$T/r2.trace"
	assert_equal "$stderr" ''
}

@test "repeat: --repeat N -- CMD traces the command N times, each a fresh live run (a stand-in uvm-vm)" {
	fake_vm
	cp "$F/syscalls.trace" "$T/live.1.trace"
	more_getppid "$T/live.2.trace" 100
	more_getppid "$T/live.3.trace" 40
	run -0 "$UVM_COLLECT" --guest --no-progress --repeat 3 -f json -o "$T/runs.json" -- ./bench --fast
	assert_equal "$(cat "$T/cmds")" "$(printf './bench --fast\n./bench --fast\n./bench --fast')"
	jq -e '(.runs | length) == 3' "$T/runs.json"
	run jq -r '.summary.rows[] | select(.process == "syscalls#1" and .metric == "getppid calls") | "\(.median) \(.min) \(.max)"' "$T/runs.json"
	assert_output '90 50 150'
	# the same as the saved traces as runs
	"$UVM_COLLECT" --runs -f json "$T/live.1.trace" "$T/live.2.trace" "$T/live.3.trace" | jq -S '.summary' >"$T/want"
	jq -S '.summary' "$T/runs.json" | diff - "$T/want"
	# progress per run
	rm -f "$T/count"
	run -0 --separate-stderr "$UVM_COLLECT" --guest --progress --repeat 2 -f json -o "$T/o.json" -- ./bench
	[[ $stderr == *"uvm-collect: run 1/2"* && $stderr == *"uvm-collect: run 2/2"* ]]
}

@test "repeat: a live run that fails stops the repeats: the runs before it are written, exit 2" {
	fake_vm
	cp "$F/syscalls.trace" "$T/live.1.trace"
	cp "$F/syscalls.trace" "$T/live.2.trace"
	run -2 "$UVM_COLLECT" --guest --no-progress --repeat 4 -f json -o "$T/runs.json" -- ./bench
	assert_line --partial 'run 3 of 4 failed'
	jq -e '(.runs | length) == 2' "$T/runs.json"
	# an output that cannot be written fails before the first run
	rm -f "$T/count"
	run -4 "$UVM_COLLECT" --guest --no-progress --repeat 4 -f json -o "$T/no/such/dir/runs.json" -- ./bench
	assert_output "uvm-collect: $T/no/such/dir/runs.json: No such file or directory"
	[ ! -e "$T/count" ]
}

@test "repeat: ^C ends the run under way and the repeats: the runs so far are written, exit 0" {
	fake_vm
	for i in 1 2 3 4; do cp "$F/syscalls.trace" "$T/live.$i.trace"; done
	FAKE_INT=2 run -0 "$UVM_COLLECT" --guest --no-progress --repeat 4 -f json -o "$T/runs.json" -- ./bench
	assert_line --partial 'interrupted after run 2 of 4'
	jq -e '(.runs | length) == 2' "$T/runs.json"
	assert_equal "$(cat "$T/count")" 2
}

@test "repeat, runs: bad N, a PID, a trace file, other formats, a missing command: usage errors, exit 1" {
	for n in 0 1001 -3 abc 2.5 ''; do
		run -1 "$UVM_COLLECT" --repeat "$n" -- true
		assert_output --partial "--repeat: '$n' is not a number of runs from 1 to 1000"
	done
	run -1 "$UVM_COLLECT" --repeat 3 -p 1
	assert_output --partial '--repeat N traces a command'
	run -1 "$UVM_COLLECT" --repeat 3 "$F/syscalls.trace"
	assert_output --partial '--repeat N traces a command'
	for f in html perfetto folded xml; do
		run -1 "$UVM_COLLECT" --repeat 3 -f "$f" -- true
		assert_output --partial '--repeat writes text or json'
		run -1 "$UVM_COLLECT" --runs -f "$f" "$F/syscalls.trace"
		assert_output --partial '--runs writes text or json'
	done
	run -1 "$UVM_COLLECT" --runs
	assert_output --partial '--runs reads trace files'
	run -1 "$UVM_COLLECT" --runs -- true
	assert_output --partial '--runs reads trace files'
	run -1 "$UVM_COLLECT" --runs --repeat 2 -- true
	assert_output --partial 'give one'
}

@test "repeat, runs: --help documents --repeat and --runs; diff --help documents --folded" {
	run -0 "$UVM_COLLECT" --help
	assert_output --partial -- '--repeat N'
	assert_output --partial -- '--runs'
	run -0 "$UVM_COLLECT" diff --help
	assert_output --partial -- '--folded'
	assert_output --partial -- 'uvm-collect --repeat 10 -f json -o new.json -- ./bench'
}

@test "runs: every system call of every run, whatever --top; CPU time only of a process that exited, never a 0 for unknown" {
	cp "$F/syscalls.trace" "$T/r1.trace"
	more_getppid "$T/r4.trace" 3000
	# -n 1 keeps one call per table in a report: not in the runs
	run -0 "$UVM_COLLECT" --runs -n 1 -f json -o "$T/top.json" "$T/r1.trace" "$T/r4.trace" "$T/r1.trace"
	jq -e '.summary.rows[] | select(.process == "all" and .metric == "getppid calls")
		| .median == 50 and .min == 50 and .max == 3050 and .present_runs == 3' "$T/top.json"
	jq -e '.summary.rows[] | select(.process == "all" and .metric == "execve calls") | .median == 1 and .present_runs == 3' "$T/top.json"
	jq -e '[.runs[] | .totals.syscalls | length] | all(. > 1)' "$T/top.json"
	# the process without its exit record: no CPU time row, in it or all
	awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "X" { next } $1 == "T" { $3 -= 1 } { print }' \
		"$F/syscalls.trace" >"$T/noexit.trace"
	run -0 "$UVM_COLLECT" --runs -f json -o "$T/cpu.json" "$T/noexit.trace"
	jq -e '[.summary.rows[] | select(.metric == "cpu_ns")] | length == 0' "$T/cpu.json"
	run -0 "$UVM_COLLECT" --runs -f json -o "$T/cpu2.json" "$T/noexit.trace" "$T/r1.trace"
	jq -e '[.summary.rows[] | select(.metric == "cpu_ns")] | length == 2 and all(.present_runs == 1)' "$T/cpu2.json"
}
