#!/usr/bin/env bats
# uvm-collect diff BASE NEW: two profiles (JSON reports or traces) of
# single runs, compared row by row.  The fixtures are real traces; the
# changed ones are made from them with a known difference, and the diff
# must find exactly that.

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	load '../test_helper/collect-fixtures'
	_common_setup
	F="$BATS_TEST_DIRNAME/fixtures"
	T=$BATS_TEST_TMPDIR
}

# slower OUT FACTOR: syscalls.trace with getppid's latencies times FACTOR
# (percent); FACTOR 0: without its 50 getppid calls
slower() {
	awk -F'\t' -v f="$2" 'BEGIN { OFS = "\t" }
		$1 == "S" && $6 == "getppid" { if (!f) next; $9 = int($9 * f / 100) }
		$1 == "T" && !f { $3 -= 50 }
		{ print }' "$F/syscalls.trace" >"$1"
}

# runs OUT FACTOR...: repeated runs ({"runs": [report, ...]}) of
# syscalls.trace, one per FACTOR (slower)
runs() {
	local out=$1 f i=0
	shift
	for f in "$@"; do
		slower "$T/run.trace" "$f"
		"$UVM_COLLECT" -f json -o "$T/run$i.json" "$T/run.trace"
		i=$((i + 1))
	done
	jq -s '{runs: .}' $(seq -f "$T/run%g.json" 0 $((i - 1))) >"$out"
	rm -f "$T"/run*.json
}

@test "diff: every fixture compared with itself: no change, no regression, exit 0" {
	for f in tree syscalls summary; do
		run -0 "$UVM_COLLECT" diff -f json "$F/$f.trace" "$F/$f.trace"
		jq -e '.regressions == 0 and (.rows | length) > 0 and all(.rows[]; .verdict == "~" and .base == .new)' <<<"$output"
	done
	run -0 "$UVM_COLLECT" diff "$F/tree.trace" "$F/tree.trace"
	assert_line --partial "0 regressions"
}

@test "diff: 100 more getppid calls are exactly the regression found, in the process and in all; exit 5" {
	more_getppid "$T/more.trace" 100
	run -5 "$UVM_COLLECT" diff -f json "$F/syscalls.trace" "$T/more.trace"
	json=$output
	jq -e '.regressions == 2' <<<"$json"
	run jq -r '.rows[] | select(.verdict == "regression") | "\(.process) \(.metric) \(.base) \(.new)"' <<<"$json"
	assert_output "$(printf '%s\n' 'all getppid calls 50 150' 'syscalls#1 getppid calls 50 150')"
	# nothing else is judged changed; getppid's latencies are shown, not judged
	jq -e '[.rows[] | select(.verdict != "~" and .verdict != "regression")] | all(.category == "latency" and .verdict == "not judged" and (.metric | startswith("getppid ")))' <<<"$json"
	# the largest change first
	jq -e '.rows[0].verdict == "regression"' <<<"$json"
	# the other way round it is an improvement, and no regression
	run -0 "$UVM_COLLECT" diff -f json "$T/more.trace" "$F/syscalls.trace"
	jq -e '.regressions == 0 and ([.rows[] | select(.verdict == "improvement")] | length) == 2' <<<"$output"
}

@test "diff: --fail-on and --threshold say what counts: calls off, or a change below the threshold, is no regression" {
	more_getppid "$T/more.trace" 100
	run -0 "$UVM_COLLECT" diff -f json --fail-on faults,memory "$F/syscalls.trace" "$T/more.trace"
	jq -e '.regressions == 0 and ([.rows[] | select(.verdict == "changed")] | length) == 2' <<<"$output"
	# +200%: under a threshold of 250%, a ~; over one of 150%, a regression
	run -0 "$UVM_COLLECT" diff -f json --threshold 250 "$F/syscalls.trace" "$T/more.trace"
	jq -e '.regressions == 0' <<<"$output"
	run -5 "$UVM_COLLECT" diff --threshold 150 "$F/syscalls.trace" "$T/more.trace"
	assert_line --regexp '^syscalls#1 +getppid calls +50 +150 +\+200\.0% +- +regression$'
}

@test "diff: processes are matched by their place in the tree, not their PID: a report with other PIDs is the same" {
	"$UVM_COLLECT" -f json -o "$T/base.json" "$F/tree.trace"
	jq '.processes |= map(.pid += 1000 | .ppid += 1000)' "$T/base.json" >"$T/renumbered.json"
	run -0 "$UVM_COLLECT" diff -f json "$T/base.json" "$T/renumbered.json"
	jq -e '.regressions == 0 and all(.rows[]; .verdict == "~")' <<<"$output"
	# the tree's keys: the root, its children by executable and rank
	jq -e '[.rows[].process] | unique | length == 11 and (map(select(test("^tree#1/tree#[0-9]+$"))) | length) >= 7' <<<"$output"
	# a report against its own trace: the same
	run -0 "$UVM_COLLECT" diff "$T/base.json" "$F/tree.trace"
}

@test "diff: a process only on one side counts from zero" {
	"$UVM_COLLECT" -f json -o "$T/base.json" "$F/tree.trace"
	jq 'del(.processes[-1])' "$T/base.json" >"$T/fewer.json"
	run -5 "$UVM_COLLECT" diff -f json "$T/fewer.json" "$T/base.json"
	key=$(jq -r '[.rows[] | select(.base == 0 and .new > 0 and .process != "all")][0].process' <<<"$output")
	[ -n "$key" ] && [ "$key" != null ]
	jq -e --arg k "$key" '[.rows[] | select(.process == $k and .category != "latency")] | all(.base == 0)' <<<"$output"
}

@test "diff: errors: a missing file or a JSON that is no report is exit 2, named; bad options exit 1" {
	run -2 "$UVM_COLLECT" diff "$F/tree.trace" "$T/nonexistent.json"
	assert_output --partial "$T/nonexistent.json"
	echo '{"a": 1}' >"$T/other.json"
	run -2 "$UVM_COLLECT" diff "$T/other.json" "$F/tree.trace"
	assert_output --partial "$T/other.json: JSON, but not a uvm report"
	run -1 "$UVM_COLLECT" diff "$F/tree.trace"
	assert_output --partial "give two profiles"
	run -1 "$UVM_COLLECT" diff --fail-on speed "$F/tree.trace" "$F/tree.trace"
	assert_output --partial "--fail-on"
	run -1 "$UVM_COLLECT" diff --threshold x "$F/tree.trace" "$F/tree.trace"
	run -4 "$UVM_COLLECT" diff -o /nonexistent/d "$F/tree.trace" "$F/tree.trace"
	run -0 "$UVM_COLLECT" diff --help
	assert_output --partial "Exit status: 0 no regression; 5 a regression was found"
}

@test "diff: 6 runs a side, getppid twice as slow: a latency regression by Mann-Whitney, Holm-corrected; nothing else" {
	runs "$T/base.json" 100 101 102 103 104 105
	runs "$T/slow.json" 200 201 202 203 204 205
	run -5 "$UVM_COLLECT" diff -f json "$T/base.json" "$T/slow.json"
	json=$output
	jq -e '.base_runs == 6 and .new_runs == 6 and .latency_judged' <<<"$json"
	# getppid's total and percentiles, in the process and in all: the 8
	# rows tested.  p of 6 against 6 completely apart is 2/924, times 8
	# (Holm) 0.017; 5 against 5 (2/252 * 8 = 0.063) is not enough
	jq -e '[.rows[] | select(.p != null)] | length == 8 and all(.p == 2 / 924)' <<<"$json"
	run jq -r '.rows[] | select(.verdict == "regression") | "\(.process) \(.metric)"' <<<"$json"
	assert_line 'all getppid total_ns'
	assert_line 'syscalls#1 getppid p50_ns'
	jq -e '[.rows[] | select(.verdict == "regression")] | all(.category == "latency" and (.metric | startswith("getppid ")) and .p_holm < 0.05 and (.base_runs | length) == 6)' <<<"$json"
	jq -e '[.rows[] | select(.verdict != "regression" and .verdict != "~")] | length == 0' <<<"$json"
	# latency off the list: changed, not a regression
	run -0 "$UVM_COLLECT" diff -f json --fail-on calls,faults "$T/base.json" "$T/slow.json"
	jq -e '.regressions == 0 and ([.rows[] | select(.verdict == "changed")] | length) > 0' <<<"$output"
}

@test "diff: repeated runs of one noisy distribution, compared: no false regression; fewer than 5 runs are not judged" {
	runs "$T/a.json" 100 106 104 110 102 108
	runs "$T/b.json" 103 101 109 105 107 111
	run -0 "$UVM_COLLECT" diff -f json "$T/a.json" "$T/b.json"
	jq -e '.regressions == 0 and .latency_judged and .rows_tested == 8 and .min_p == 2 / 924' <<<"$output"
	jq -e '[.rows[] | select(.p != null)] | length == 8 and all(.verdict == "~")' <<<"$output"
	# 3 runs a side, twice as slow: shown, not judged
	runs "$T/a3.json" 100 101 102
	runs "$T/b3.json" 200 201 202
	run -0 "$UVM_COLLECT" diff "$T/a3.json" "$T/b3.json"
	assert_line --regexp '^syscalls#1 +getppid p50_ns .* not judged$'
	assert_output --partial "needs at least 5 runs on each side"
	# a runs file of something else is an error
	echo '{"runs": [{"a": 1}]}' >"$T/bad.json"
	run -2 "$UVM_COLLECT" diff "$T/bad.json" "$T/a3.json"
	assert_output --partial "nor runs of them"
}

@test "diff: 5 runs a side over 8 tested rows cannot be significant (2/252 > 0.05/8): shown, not judged, and said; --alpha 0.1 judges them" {
	runs "$T/a.json" 100 101 102 103 104
	runs "$T/b.json" 200 201 202 203 204
	# twice as slow, completely apart: p = 2/252 in each of the 8 rows,
	# which Holm needs at 0.05/8 = 0.00625; not "~" (no change), since
	# no change could have been found
	run -0 "$UVM_COLLECT" diff -f json "$T/a.json" "$T/b.json"
	jq -e '.latency_judged == false and .rows_tested == 8 and .min_p == 2 / 252 and .regressions == 0 and .alpha == 0.05' <<<"$output"
	jq -e '[.rows[] | select(.p != null)] | length == 8 and all(.verdict == "not judged" and .p == 2 / 252)' <<<"$output"
	run -0 "$UVM_COLLECT" diff "$T/a.json" "$T/b.json"
	assert_output --partial "too few runs for 8 rows.  With 5 and 5 runs the smallest p is 0.0079"
	assert_line --regexp '^syscalls#1 +getppid p50_ns .* not judged$'
	# at alpha 0.1 (0.0125 a row at Holm's first step) they are found
	run -5 "$UVM_COLLECT" diff -f json --alpha 0.1 "$T/a.json" "$T/b.json"
	jq -e '.latency_judged and .alpha == 0.1 and ([.rows[] | select(.verdict == "regression")] | length) == 8' <<<"$output"
	for a in 0 1 x -0.1 0.05x; do
		run -1 "$UVM_COLLECT" diff --alpha "$a" "$T/a.json" "$T/b.json"
		assert_output --partial "--alpha: '$a' is not a level between 0 and 1"
	done
}

@test "diff and --runs: a percentile of a call a run never made is no value, not 0: over the runs that made it" {
	# getppid in 4 of 6 runs (0: a run without it)
	runs "$T/a.json" 100 101 102 103 104 105
	runs "$T/b.json" 0 200 201 0 202 203
	run -0 "$UVM_COLLECT" diff -f json "$T/a.json" "$T/b.json"
	json=$output
	# its calls: 0 in two runs, which count; median (the lower middle) 50
	jq -e '[.rows[] | select(.process == "syscalls#1" and .metric == "getppid calls")] | length == 1 and (.[0].new_runs | sort) == [0, 0, 50, 50, 50, 50] and .[0].new == 50' <<<"$json"
	# its p50: the 4 runs that made it, not two zeros; 4 < 5 values: not judged
	jq -e '[.rows[] | select(.process == "syscalls#1" and .metric == "getppid p50_ns")] | length == 1 and (.[0].base_runs | length) == 6 and (.[0].new_runs | length) == 4 and all(.[0].new_runs[]; . > 0) and .[0].new > .[0].base and .[0].verdict == "not judged"' <<<"$json"
	# its total is time, and 0 in a run without it
	jq -e '[.rows[] | select(.process == "syscalls#1" and .metric == "getppid total_ns")] | (.[0].new_runs | length) == 6 and (.[0].new_runs | map(select(. == 0)) | length) == 2' <<<"$json"
	# the summary of runs, the same way: p50 over the 2 runs with calls
	slower "$T/r0.trace" 0
	slower "$T/r1.trace" 100
	slower "$T/r3.trace" 300
	run -0 "$UVM_COLLECT" --runs -f json "$T/r0.trace" "$T/r1.trace" "$T/r3.trace"
	json=$output
	p1=$(jq '.runs[1].processes[0].syscalls[] | select(.name == "getppid") | .p50_ns' <<<"$json")
	p3=$(jq '.runs[2].processes[0].syscalls[] | select(.name == "getppid") | .p50_ns' <<<"$json")
	[ "$p1" -gt 0 ] && [ "$p3" -gt "$p1" ]
	jq -e --argjson p1 "$p1" --argjson p3 "$p3" '[.summary.rows[] | select(.process == "syscalls#1" and .metric == "getppid p50_ns")] | length == 1 and .[0].present_runs == 2 and .[0].median == $p1 and .[0].min == $p1 and .[0].max == $p3' <<<"$json"
	jq -e '[.summary.rows[] | select(.process == "syscalls#1" and .metric == "getppid calls")] | .[0].present_runs == 2 and .[0].median == 50 and .[0].min == 0 and .[0].max == 50' <<<"$json"
	# a side without the call at all: no percentile rows, its calls row says it
	runs "$T/none.json" 0 0 0 0 0 0
	run -0 "$UVM_COLLECT" diff -f json "$T/a.json" "$T/none.json"
	jq -e '[.rows[] | select(.metric | startswith("getppid "))] | map(.metric) | unique == ["getppid calls", "getppid total_ns"]' <<<"$output"
	jq -e '[.rows[] | select(.process == "syscalls#1" and .metric == "getppid calls")] | .[0].new == 0 and .[0].verdict == "improvement"' <<<"$output"
}

# cpu_runs OUT FACTOR...: repeated runs of syscalls.trace, one per FACTOR,
# each with the exit records' user and system time times FACTOR (percent)
cpu_runs() {
	local out=$1 f i=0
	shift
	for f in "$@"; do
		awk -F'\t' -v f="$f" 'BEGIN { OFS = "\t" }
			$1 == "X" { $11 = int($11 * f / 100); $12 = int($12 * f / 100) } { print }' \
			"$F/syscalls.trace" >"$T/run.trace"
		"$UVM_COLLECT" -f json -o "$T/run$i.json" "$T/run.trace"
		i=$((i + 1))
	done
	jq -s '{runs: .}' $(seq -f "$T/run%g.json" 0 $((i - 1))) >"$out"
}

@test "diff: CPU time (user + system at exit) is a timing: twice as much in 5 runs a side is a cpu regression, never an exact count" {
	cpu_runs "$T/base.json" 100 101 102 103 104
	cpu_runs "$T/busy.json" 200 201 202 203 204
	run -5 "$UVM_COLLECT" diff -f json "$T/base.json" "$T/busy.json"
	run jq -r '.rows[] | select(.verdict != "~") | "\(.process) \(.metric) \(.category) \(.verdict)"' <<<"$output"
	# (the child's time was 0 ticks, and 0 twice over)
	assert_output "$(printf '%s\n' 'all cpu_ns cpu regression' 'syscalls#1 cpu_ns cpu regression')"
	# single runs: a time that differs is shown, not judged
	cpu_runs "$T/one.json" 100
	cpu_runs "$T/two.json" 200
	run -0 "$UVM_COLLECT" diff -f json "$T/one.json" "$T/two.json"
	jq -e '[.rows[] | select(.metric == "cpu_ns" and .base != .new)] | length == 2 and all(.verdict == "not judged")' <<<"$output"
	# off the list: changed
	run -0 "$UVM_COLLECT" diff -f json --fail-on calls,latency "$T/base.json" "$T/busy.json"
	jq -e '[.rows[] | select(.metric == "cpu_ns")] | all(.verdict == "changed")' <<<"$output"
}
