#!/usr/bin/env bats
# Several targets (trace format 3): the header's target set, reports
# grouped by target tree, bad headers refused by name, and the stap
# command line of uvm-collect -p PID -p PID.
#
# fixtures/targets.trace is a real trace from the guest (fixtures/regen,
# fixtures/targets.job): uvm.stp -G pids=A,B,K over three shells, each
# running the syscalls workload, K killed by SIGKILL while A and B wait;
# a fourth, U, not traced.  Known: A's tree 101+102 getppid and 11+12
# failing opens (its second run forks a child), B's 201 and 21 (a
# child), K's 301 and 31; U's 401 nowhere.

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	_common_setup
	F="$BATS_TEST_DIRNAME/fixtures"
	T=$BATS_TEST_TMPDIR
	TR=$F/targets.trace
	read -r A B K < <(awk -F'\t' 'NR == 1 { gsub(",", " ", $11); print $11 }' "$TR")
}

# tree_calls JSON PID NAME: calls of system call NAME in the tree of PID
tree_calls() {
	jq --argjson p "$2" --arg n "$3" '.trees[] | select(.target == $p) | [.totals.syscalls[] | select(.name == $n) | .calls] | add // 0' "$1"
}

@test "targets.trace: version 3 header, three targets; each tree counted exactly, K killed, nothing else traced" {
	[ -n "$A" ] && [ -n "$B" ] && [ -n "$K" ]
	run -0 "$UVM_COLLECT" -f json -o "$T/r.json" "$TR"
	r=$T/r.json
	assert_equal "$(jq -c '[.trace_version, .target, .targets]' "$r")" "[3,0,[$A,$B,$K]]"
	assert_equal "$(tree_calls "$r" "$A" getppid)" 203
	assert_equal "$(tree_calls "$r" "$B" getppid)" 201
	assert_equal "$(tree_calls "$r" "$K" getppid)" 301
	assert_equal "$(jq '.totals.syscalls[] | select(.name == "getppid") | .calls' "$r")" 705
	assert_equal "$(jq --argjson p "$A" '.trees[] | select(.target == $p) | .totals.syscalls[] | select(.name == "openat") | .errnos.ENOENT' "$r")" 23
	# A: the shell, two workload runs and the second's child; B: the
	# shell, one run and its child; K: the shell (then sleep) and its run
	assert_equal "$(jq -c '[.trees[].processes]' "$r")" "[4,3,2]"
	assert_equal "$(jq '[.processes[] | select(.tree == null)] | length' "$r")" 0
	# every process is in the tree of the target it descends from
	for p in $(jq '.processes[].pid' "$r"); do
		a=$p hops=0
		while ! grep -qw -- "$a" <<<"$A $B $K"; do
			a=$(jq --argjson p "$a" '[.processes[] | select(.pid == $p)][0].ppid' "$r")
			hops=$((hops + 1))
			[ "$hops" -lt 10 ] || { echo "process $p: no target among its ancestors"; return 1; }
		done
		assert_equal "$(jq --argjson p "$p" '[.processes[] | select(.pid == $p)][0].tree' "$r")" "$a"
	done
	assert_equal "$(jq --argjson p "$K" '[.processes[] | select(.pid == $p)][0].signal' "$r")" 9
	# the trees add up to the totals
	assert_equal "$(jq '[.trees[].totals.syscalls[].calls] | add' "$r")" "$(jq '[.totals.syscalls[].calls] | add' "$r")"
}

@test "uvm-collect text: each target's tree, its processes and totals, then all trees together" {
	run -0 "$UVM_COLLECT" "$TR"
	assert_line --index 0 --regexp "^uvm profile: targets $A,$B,$K, kernel "
	grep -e '^Tree of target' -e '^All processes' -e '^All 3 trees' -e '^Process ' <<<"$output" | sed 's/ (.*//; s/:.*//' >"$T/order"
	{
		echo "Tree of target $A"
		jq -r --argjson p "$A" '.processes[] | select(.tree == $p) | "Process \(.pid)"' <("$UVM_COLLECT" -f json "$TR")
		echo "All processes of target $A's tree"
		echo "Tree of target $B"
		jq -r --argjson p "$B" '.processes[] | select(.tree == $p) | "Process \(.pid)"' <("$UVM_COLLECT" -f json "$TR")
		echo "All processes of target $B's tree"
		echo "Tree of target $K"
		jq -r --argjson p "$K" '.processes[] | select(.tree == $p) | "Process \(.pid)"' <("$UVM_COLLECT" -f json "$TR")
		echo "All processes of target $K's tree"
		echo "All 3 trees together"
		echo "All processes"
	} >"$T/want"
	run diff "$T/want" "$T/order"
	assert_success
	# --totals-only: the trees and their totals, no process sections
	run -0 "$UVM_COLLECT" --totals-only "$TR"
	refute_line --regexp '^Process [0-9]+'
	assert_line "All processes of target $K's tree"
}

@test "uvm-collect xml: a version 3 report validates, trees and targets as in the JSON" {
	"$UVM_COLLECT" -f xml -o "$T/r.xml" "$TR"
	xmllint --noout --schema "$UVM_ROOT/docs/uvm-collect.xsd" "$T/r.xml"
	assert_equal "$(xmllint --xpath 'count(/uvm-profile/targets/target)' "$T/r.xml")" 3
	assert_equal "$(xmllint --xpath "string(/uvm-profile/trees/tree[2]/@target)" "$T/r.xml")" "$B"
	assert_equal "$(xmllint --xpath "string(/uvm-profile/trees/tree[1]/totals/syscalls/syscall[@name='getppid']/@calls)" "$T/r.xml")" 203
}

@test "uvm-collect: traces before version 3 have their target as the one tree, reports otherwise as before" {
	run -0 "$UVM_COLLECT" -f json "$F/tree.trace"
	assert_equal "$(jq -c '[.trace_version, .targets, [.trees[] | .target, .processes], ([.processes[].tree] | unique)]' <<<"$output")" "[1,[143],[143,10],[143]]"
	run -0 "$UVM_COLLECT" "$F/tree.trace"
	assert_line --index 0 --regexp '^uvm profile: target 143, kernel '
	refute_line --partial "Tree of target"
}

@test "uvm-collect: a bad version 3 header is refused, naming file and line; exit 2" {
	# version 3 without the targets field
	sed '1s/\tuvm-trace\t1\t/\tuvm-trace\t3\t/' "$F/tree.trace" >"$T/nofield.trace"
	run -2 "$UVM_COLLECT" "$T/nofield.trace"
	assert_output --partial "nofield.trace:1: a version 3 header has 9 fields, expected 10"
	# version 2 with one
	sed '1s/\tuvm-trace\t1\t\(.*\)$/\tuvm-trace\t2\t\1\t143/' "$F/tree.trace" >"$T/extra.trace"
	run -2 "$UVM_COLLECT" "$T/extra.trace"
	assert_output --partial "extra.trace:1: a version 2 header has 10 fields, expected 9"
	# lists that are none
	for bad in '143,,7' '143,x' '143,' '0,143' '143,4194304'; do
		sed "1s/\tuvm-trace\t1\t\(.*\)\$/\tuvm-trace\t3\t\1\t$bad/" "$F/tree.trace" >"$T/list.trace"
		run -2 "$UVM_COLLECT" "$T/list.trace"
		assert_output --partial "list.trace:1: header: targets '$bad' "
	done
	# 65 targets
	sed "1s/\tuvm-trace\t1\t\(.*\)\$/\tuvm-trace\t3\t\1\t$(seq -s, 100 164)/" "$F/tree.trace" >"$T/many.trace"
	run -2 "$UVM_COLLECT" "$T/many.trace"
	assert_output --partial "many.trace:1: header: targets '100,101,"
	assert_output --partial "names more than 64 processes"
	# the target not among the targets
	sed '1s/\tuvm-trace\t1\t\(.*\)$/\tuvm-trace\t3\t\1\t7,8/' "$F/tree.trace" >"$T/notin.trace"
	run -2 "$UVM_COLLECT" "$T/notin.trace"
	assert_output --partial "notin.trace:1: header: target 143 is not the first of targets '7,8'"
	# the target not first, an empty list
	sed '1s/\tuvm-trace\t1\t\(.*\)$/\tuvm-trace\t3\t\1\t7,143/' "$F/tree.trace" >"$T/second.trace"
	run -2 "$UVM_COLLECT" "$T/second.trace"
	assert_output --partial "second.trace:1: header: target 143 is not the first of targets '7,143'"
	sed "1s/\tuvm-trace\t1\t\(.*\)\$/\tuvm-trace\t3\t\1\t/" "$F/tree.trace" >"$T/list.trace"
	run -2 "$UVM_COLLECT" "$T/list.trace"
	assert_output --partial "list.trace:1: header: targets '' is not a list of process ids"
	# a pid below its parent's (pids wrap): still in its parent's tree
	printf '%s\n' 'H	uvm-trace	3	k	1000	0	0	1	events	syscall,fault,process,mm	500,600' \
		'P	1000	450	600	1	kid	/bin/kid' 'P	1000	500	1	1	sh	/bin/sh' 'P	1000	600	1	1	sh	/bin/sh' \
		'S	1200	450	450	110	getppid	600	-	100	' 'T	9000	5	0	0	0	0' >"$T/low.trace"
	run -0 "$UVM_COLLECT" -f json "$T/low.trace"
	assert_equal "$(jq -c '[.processes[] | [.pid, .tree]], [.trees[] | [.target, .processes]]' <<<"$output")" "$(printf '%s\n' '[[450,600],[500,500],[600,600]]' '[[500,1],[600,2]]')"
	# a process present at the start under no target: in no tree, said
	sed '2s/\t600\t1\tkid/\t7\t1\tkid/' "$T/low.trace" >"$T/none.trace"
	run -0 "$UVM_COLLECT" -f json "$T/none.trace"
	assert_equal "$(jq -c '[.processes[] | [.pid, .tree]], [.trees[] | [.target, .processes]]' <<<"$output")" "$(printf '%s\n' '[[450,null],[500,500],[600,600]]' '[[500,1],[600,1]]')"
	run -0 "$UVM_COLLECT" "$T/none.trace"
	assert_line "In no target's tree: 1 process"
	assert_line "All 2 trees and the 1 process in none together:"
}

# fake_stap: a stand-in for stap on PATH that keeps its arguments in
# $T/stap.args, one a line, and writes fixtures/targets.trace where -o says
fake_stap() {
	mkdir -p "$T/bin"
	cat >"$T/bin/stap" <<'SH'
#!/bin/bash
printf '%s\n' "$@" >"$FAKE_DIR/stap.args"
while [ $# -gt 0 ]; do
	[ "$1" = -o ] && out=$2
	shift
done
cp "$FAKE_TRACE" "$out"
SH
	chmod +x "$T/bin/stap"
	export PATH="$T/bin:$PATH" FAKE_DIR=$T FAKE_TRACE=$TR UVM_TAPSETS=$UVM_ROOT/tapsets UVM_SCRIPT=$UVM_ROOT/scripts/uvm.stp
}

@test "uvm-collect -p A -p B -p A: stap gets -G pids=A,B (each once, in order), no -x; the report is the trees'" {
	fake_stap
	run -0 --separate-stderr "$UVM_COLLECT" --no-guest -f json -p 300 -p 17 -p 300
	run grep -c -x -- '-x' "$T/stap.args"
	assert_output 0
	run grep -A1 -x -- '-G' "$T/stap.args"
	assert_line 'pids=300,17'
	assert_line 'mode=events'
	# one -p: stap -x, as before
	run -0 --separate-stderr "$UVM_COLLECT" --no-guest -f json -p 42
	run grep -A1 -x -- '-x' "$T/stap.args"
	assert_line 42
	refute_line --partial 'pids='
}

@test "uvm-collect -p: at most 64 processes, each a process id; usage errors, exit 1" {
	args=()
	for i in $(seq 100 164); do args+=(-p "$i"); done
	run -1 "$UVM_COLLECT" --no-guest "${args[@]}"
	assert_output --partial "uvm-collect: --pid: more than 64 processes"
	run -1 "$UVM_COLLECT" --no-guest -p 1 -p 0
	assert_output --partial "uvm-collect: --pid: '0' is not a process id"
	run -1 "$UVM_COLLECT" --no-guest -p 1 -p 4194304
	assert_output --partial "'4194304' is not a process id"
	run -1 "$UVM_COLLECT" -p 1 -p 2 -- true
	assert_output --partial "give exactly one of"
	# 64 distinct, with repeats: fine as far as options go
	args=()
	for i in $(seq 100 163) 100 101; do args+=(-p "$i"); done
	fake_stap
	run -0 --separate-stderr "$UVM_COLLECT" --no-guest -f json "${args[@]}"
	assert_equal "$(grep '^pids=' "$T/stap.args")" "pids=$(seq -s, 100 163)"
}

@test "uvm-collect --help and the man page document -p repeated and the trees" {
	run -0 "$UVM_COLLECT" --help
	assert_output --partial "repeated (at most 64)"
	grep -q 'pids=' "$UVM_ROOT/docs/uvm-collect.1"
	grep -q '"trees"' "$UVM_ROOT/docs/uvm-collect.md"
	grep -q '"targets"' "$UVM_ROOT/docs/uvm-collect.md"
	grep -q '`targets`' "$UVM_ROOT/docs/trace-format.md"
}

@test "uvm-collect -f html, -f perfetto of several targets: each target's tree whole, in the targets' order, then the processes in none" {
	# the same trace with its targets listed K, A, B
	awk -F'\t' -v OFS='\t' -v t="$K,$A,$B" 'NR == 1 { $11 = t } { print }' "$TR" >"$T/kab.trace"
	run -0 "$UVM_COLLECT" -f json -o "$T/kab.json" "$T/kab.trace"
	run -0 "$UVM_COLLECT" -f html -o "$T/kab.html" "$T/kab.trace"
	# the processes table's rows, in order: the tree of each
	grep -o '<tr data-id="[0-9]*" data-pid="[0-9]*"' "$T/kab.html" | sed 's/.*data-pid="//; s/"//' >"$T/rows"
	for p in $(cat "$T/rows"); do
		jq --argjson p "$p" '[.processes[] | select(.pid == $p)][0].tree' "$T/kab.json"
	done | uniq >"$T/order"
	assert_equal "$(tr '\n' ' ' <"$T/order")" "$K $A $B "
	assert_equal "$(wc -l <"$T/rows")" "$(jq '.processes | length' "$T/kab.json")"
	# each tree's target first, at depth 0
	for t in "$K" "$A" "$B"; do
		grep -q "<tr data-id=\"[0-9]*\" data-pid=\"$t\" data-ppid=\"[0-9]*\" data-parent=\"[0-9]*\" data-depth=\"0\">" "$T/kab.html"
	done
	# the timeline's process tracks in the same order: one sort index
	# each, 1 to N, the processes by it as in the table
	run -0 "$UVM_COLLECT" -f perfetto -o "$T/kab.perfetto.json" "$T/kab.trace"
	jq '[.traceEvents[] | select(.name == "process_sort_index")] | sort_by(.args.sort_index) | .[].pid' \
		"$T/kab.perfetto.json" >"$T/tracks"
	assert_equal "$(jq -s 'length' "$T/tracks")" "$(wc -l <"$T/rows")"
	# a track's pid is the process's id-based track number: map it back
	# by the process_name metadata ("comm (pid PID) exe")
	for track in $(cat "$T/tracks"); do
		jq -r --argjson t "$track" '.traceEvents[] | select(.name == "process_name" and .pid == $t) | .args.name' \
			"$T/kab.perfetto.json" | sed -n 's/.*(pid \([0-9]*\)).*/\1/p' | head -1
	done >"$T/track-pids"
	diff "$T/rows" "$T/track-pids"
}

@test "uvm-collect -f html, -f perfetto of several targets: their checkers pass; both name the targets" {
	cp "$TR" "$T/targets.trace"
	_timeline_check "$T/targets.trace"
	assert_equal "$(jq -c '.otherData.targets' "$T/targets.perfetto.json")" "[$A,$B,$K]"
	_html_check "$T/targets.trace"
	grep -q "target pids $A, $B, $K and their descendants" "$T/targets.html"
}
