#!/usr/bin/env bats
# Several targets: uvm.stp -G pids=PID,PID,... traces each listed
# process and what it forks, and uvm-collect groups the report by their
# trees.
#
# One module, one guest boot (setup_file).  Five process trees are
# started in the guest, each a shell waiting on its own fifos before it
# runs the syscalls workload (tests/workloads/syscalls.c: exactly N
# getppid and M failing opens, and with SLEEP_MS a child), so that what
# each tree does once traced is known exactly: trees A, B and C run it
# twice, before and after K is killed; K runs it once, then sleeps and
# is killed with SIGKILL while the others wait for their second phase; U
# runs it but is not listed.  Each workload prints its own pid and
# counts, the oracle for which tree each process belongs to.

bats_require_minimum_version 1.5.0

setup_file() {
	load '../test_helper/common-setup'
	_guest_file_setup -DSTP_NO_OVERLOAD
	cat >"$D/job.sh" <<-'EOF'
		. "$UVM_ROOT/tests/test_helper/guest-job.bash"
		# the fifos in the guest's own tmpfs (mkfifo on the 9p share
		# does not make one)
		G=$(mktemp -d)
		export G
		for n in A1 A2 B1 B2 C1 C2 K1 U1 X1 Y1 S1 S2; do mkfifo "$G/go.$n" || exit 1; done
		# each tree: a shell (the target) that forks the workload, once
		# per phase; the second runs of A and C fork a child of their own
		sh -c 'read g <"$G/go.A1"; "$W/syscalls" 1101 11; read g <"$G/go.A2"; "$W/syscalls" 1102 12 30' >"$D/A.out" &
		A=$!
		sh -c 'read g <"$G/go.B1"; "$W/syscalls" 2201 21 20; read g <"$G/go.B2"; "$W/syscalls" 2202 22' >"$D/B.out" &
		B=$!
		sh -c 'read g <"$G/go.C1"; "$W/syscalls" 3301 31; read g <"$G/go.C2"; "$W/syscalls" 3302 32 10' >"$D/C.out" &
		C=$!
		sh -c 'read g <"$G/go.K1"; "$W/syscalls" 4401 41; exec sleep 600' >"$D/K.out" &
		K=$!
		sh -c 'read g <"$G/go.U1"; exec "$W/syscalls" 5501 51' >"$D/U.out" &
		U=$!
		echo "A=$A B=$B C=$C K=$K U=$U" >"$D/pids"
		staprun -vv -o "$D/multi.trace" "$D/uvm.ko" pids="$A,$B,$C,$K" >"$D/multi.out" 2>"$D/multi.err" &
		st=$!
		armed "$D/multi.err" "$st"
		for n in A1 B1 C1 K1 U1; do echo go >"$G/go.$n"; done
		# K has made its calls and sleeps: killed while A, B and C wait
		for i in $(seq 600); do [ "$(cat /proc/$K/comm 2>/dev/null)" = sleep ] && break; sleep 0.1; done
		kill -KILL "$K"
		while kill -0 "$K" 2>/dev/null; do sleep 0.1; done
		echo killed >"$D/K.killed"
		for n in A2 B2 C2; do echo go >"$G/go.$n"; done
		wait "$st"
		echo $? >"$D/multi.status"
		wait

		# -x and pids= together: the union, X named twice counts once
		sh -c 'read g <"$G/go.X1"; exec "$W/syscalls" 611 1' >"$D/X.out" &
		X=$!
		sh -c 'read g <"$G/go.Y1"; exec "$W/syscalls" 622 2' >"$D/Y.out" &
		Y=$!
		echo "X=$X Y=$Y" >>"$D/pids"
		staprun -vv -x "$X" -o "$D/union.trace" "$D/uvm.ko" pids="$Y,$X" >"$D/union.out" 2>"$D/union.err" &
		st=$!
		armed "$D/union.err" "$st"
		for n in X1 Y1; do echo go >"$G/go.$n"; done
		wait "$st"
		echo $? >"$D/union.status"
		wait

		# summary mode, two trees
		sh -c 'read g <"$G/go.S1"; "$W/syscalls" 701 7 10' >"$D/S1.out" &
		S1=$!
		sh -c 'read g <"$G/go.S2"; "$W/syscalls" 702 8' >"$D/S2.out" &
		S2=$!
		echo "S1=$S1 S2=$S2" >>"$D/pids"
		staprun -vv -o "$D/summary.trace" "$D/uvm.ko" mode=summary pids="$S1,$S2" >"$D/summary.out" 2>"$D/summary.err" &
		st=$!
		armed "$D/summary.err" "$st"
		for n in S1 S2; do echo go >"$G/go.$n"; done
		wait "$st"
		echo $? >"$D/summary.status"
		wait

		# refused: a listed process that does not exist, 65 targets, a
		# list that is no list, a zombie
		staprun "$D/uvm.ko" pids="$$,31999" >"$D/nopid.trace" 2>"$D/nopid.err"
		echo $? >"$D/nopid.status"
		staprun "$D/uvm.ko" pids="$(seq -s, 1 65)" >"$D/many.trace" 2>"$D/many.err"
		echo $? >"$D/many.status"
		staprun "$D/uvm.ko" pids="$$,,1" >"$D/syntax.trace" 2>"$D/syntax.err"
		echo $? >"$D/syntax.status"
		# zombie FILE: a process ($zp) whose child (its pid in FILE)
		# is a zombie: it never reaps it
		zombie() {
			python3 -c 'import os, sys, time
		p = os.fork()
		if p == 0:
		    os._exit(0)
		open(sys.argv[1], "w").write("%d\n" % p)
		time.sleep(600)' "$1" &
			zp=$!
			for i in $(seq 100); do
				[ -s "$1" ] && grep -q '^State:.*Z' "/proc/$(cat "$1")/status" 2>/dev/null && break
				sleep 0.1
			done
			grep '^State:' "/proc/$(cat "$1")/status" >"$1.state"
		}
		# a zombie target
		zombie "$D/zombie.pid"
		staprun "$D/uvm.ko" pids="$$,$(cat "$D/zombie.pid")" >"$D/zombie.trace" 2>"$D/zombie.err"
		echo $? >"$D/zombie.status"
		kill "$zp"
		# a target with a zombie child: not tracked, so that the run
		# ends when the target does
		zombie "$D/zchild.pid"
		echo "Z=$zp" >>"$D/pids"
		timeout 300 staprun -vv -o "$D/zchild.trace" "$D/uvm.ko" pids="$zp" >"$D/zchild.out" 2>"$D/zchild.err" &
		st=$!
		armed "$D/zchild.err" "$st"
		kill "$zp"
		wait "$st"
		echo $? >"$D/zchild.status"
	EOF
	UVM_VM_CONSOLE=$D/console "$UVM_VM" run --timeout 1500 --share "$D" -- env D="$D" W="$W" UVM_ROOT="$UVM_ROOT" bash "$D/job.sh"
}

setup() {
	load '../test_helper/common-setup'
	_common_setup
	_guest_setup
	t=$BATS_TEST_TMPDIR
	# A B C K U X Y S1 S2: the targets' (and U's) pids
	eval "$(cat "$D/pids")"
}

# ok NAME: staprun's run NAME exited 0, and its module was running (every
# probe armed) before the targets were let go
ok() {
	[ "$(cat "$D/$1.status")" = 0 ] || { echo "run $1: staprun $(cat "$D/$1.status"): $(cat "$D/$1.err")"; return 1; }
	grep -q '^armed after' "$D/$1.err.armed" || { echo "run $1: $(cat "$D/$1.err.armed"): $(cat "$D/$1.err")"; return 1; }
}

# pairs OUT: "pid getppid open_enoent" of each workload run whose output
# is OUT (its own account)
pairs() {
	awk '$1 == "getppid" { g = $2 } $1 == "open_enoent" { o = $2 } $1 == "pid" { print $2, g, o }' "$1"
}

@test "pids=A,B,C,K: the header records the target set, in order; version 4" {
	# how long each module took to arm its probes, in the TAP output
	for n in multi union summary; do
		echo "# $n: $(cat "$D/$n.err.armed")" >&3
	done
	ok multi
	# H magic version kernel ts realtime_ns target follow mode events targets
	run awk -F'\t' 'NR == 1 { print $1, $2, $3, $7, $8, $11 }' "$D/multi.trace"
	assert_output "H uvm-trace 4 0 1 $A,$B,$C,$K"
	run tail -n 1 "$D/multi.trace"
	assert_output --regexp $'^T\t[0-9]+\t[0-9]+\t0\t0\t0\t0$'
}

@test "pids=A,B,C,K: each tree counted exactly, every process in its own tree, the untraced U absent" {
	ok multi
	"$UVM_COLLECT" -f json -o "$t/r.json" "$D/multi.trace"
	r=$t/r.json
	assert_equal "$(jq -c '.targets' "$r")" "[$A,$B,$C,$K]"
	assert_equal "$(jq -c '[.trees[].target]' "$r")" "[$A,$B,$C,$K]"
	# every traced process is in a tree, and the trees' sizes add up
	assert_equal "$(jq '[.processes[] | select(.tree == null)] | length' "$r")" 0
	assert_equal "$(jq '[.trees[].processes] | add' "$r")" "$(jq '.processes | length' "$r")"
	for tr in A B C K; do
		root=${!tr}
		# each workload run of the tree: in the report under this tree,
		# with exactly the calls it made
		want_g=0 want_o=0 n=0
		while read -r pid g o; do
			assert_equal "$(jq --argjson p "$pid" '[.processes[] | select(.pid == $p)][0].tree' "$r")" "$root"
			assert_equal "$(jq --argjson p "$pid" '[.processes[] | select(.pid == $p)][0].syscalls[] | select(.name == "getppid") | .calls' "$r")" "$g"
			want_g=$((want_g + g)) want_o=$((want_o + o)) n=$((n + 1))
		done < <(pairs "$D/$tr.out")
		[ "$n" -ge 1 ]
		# the tree's totals: its calls, no one else's
		assert_equal "$(jq --argjson p "$root" '.trees[] | select(.target == $p) | .totals.syscalls[] | select(.name == "getppid") | .calls' "$r")" "$want_g"
		# the workload's own failing opens, in the trace, by the pids the
		# report puts in this tree (other programs of a tree, such as K's
		# sleep, may fail opens of their own: locale files)
		pids=$(jq -r --argjson p "$root" '[.processes[] | select(.tree == $p) | .pid] | join(" ")' "$r")
		assert_equal "$(awk -F'\t' -v pids=" $pids " '$1 == "S" && $6 == "openat" && $8 == "ENOENT" &&
			$10 ~ /nonexistent\/uvm-workload/ && index(pids, " " $3 " ")' "$D/multi.trace" | wc -l)" "$want_o"
		# every process of the tree descends from its target (ppid chain
		# in the trace's own terms)
		for pid in $(jq --argjson p "$root" '.processes[] | select(.tree == $p) | .pid' "$r"); do
			a=$pid hops=0
			while [ "$a" != "$root" ] && [ "$hops" -lt 10 ]; do
				a=$(jq --argjson p "$a" '[.processes[] | select(.pid == $p)][0].ppid' "$r")
				hops=$((hops + 1))
			done
			assert_equal "$a" "$root"
		done
	done
	# U and what it ran: not traced at all, and its calls in no total
	read -r upid ug uo < <(pairs "$D/U.out")
	[ "$upid" = "$U" ]
	run awk -F'\t' -v u="$U" '$1 != "H" && $1 != "T" && $3 == u' "$D/multi.trace"
	assert_output ""
	want=$(cat "$D/A.out" "$D/B.out" "$D/C.out" "$D/K.out" | awk '$1 == "getppid" { s += $2 } END { print s }')
	assert_equal "$(jq '.totals.syscalls[] | select(.name == "getppid") | .calls' "$r")" "$want"
	assert_equal "$(awk -F'\t' '$1 == "S" && $6 == "getppid"' "$D/multi.trace" | wc -l)" "$want"
	assert_equal "$(jq '.loss | "\(.complete) \(.dropped) \(.skipped) \(.malformed_lines)"' "$r")" '"true 0 0 0"'
}

@test "pids=A,B,C,K: K killed by SIGKILL mid-run; A, B and C went on and their second runs were counted in full" {
	ok multi
	[ -f "$D/K.killed" ]
	r=$t/r.json
	"$UVM_COLLECT" -f json -o "$r" "$D/multi.trace"
	assert_equal "$(jq --argjson p "$K" '[.processes[] | select(.pid == $p)][-1] | "\(.exited) \(.signal)"' "$r")" '"true 9"'
	kend=$(jq --argjson p "$K" '[.processes[] | select(.pid == $p)][-1].end_ns' "$r")
	for tr in A B C; do
		# the second run (the last pid in its output) started after K died,
		# and made all its calls
		read -r pid g o < <(pairs "$D/$tr.out" | tail -n 1)
		[ "$(jq --argjson p "$pid" '[.processes[] | select(.pid == $p)][0].start_ns' "$r")" -gt "$kend" ]
		assert_equal "$(jq --argjson p "$pid" '[.processes[] | select(.pid == $p)][0] | "\(.exit_status) \(.syscalls[] | select(.name == "getppid") | .calls)"' "$r")" "\"0 $g\""
		assert_equal "$(jq --argjson p "${!tr}" '[.processes[] | select(.pid == $p)][0].exit_status' "$r")" 0
	done
}

@test "uvm-collect: the text report groups by target tree, then the totals; XML validates" {
	ok multi
	run -0 "$UVM_COLLECT" "$D/multi.trace"
	assert_line --index 0 --regexp "^uvm profile: targets $A,$B,$C,$K, "
	for tr in A B C K; do
		assert_line --regexp "^Tree of target ${!tr}: [0-9]+ process(es)?$"
		assert_line "All processes of target ${!tr}'s tree"
	done
	assert_line "All 4 trees together:"
	# in that order: A's tree, ..., K's, then all
	grep -n -e '^Tree of target' -e '^All 4 trees' <<<"$output" | cut -d: -f2- >"$t/order"
	printf 'Tree of target %s\n' "$A" "$B" "$C" "$K" >"$t/want"
	echo "All 4 trees together" >>"$t/want"
	run diff <(sed 's/:.*//' "$t/order") "$t/want"
	assert_success
	"$UVM_COLLECT" -f xml -o "$t/r.xml" "$D/multi.trace"
	xmllint --noout --schema "$UVM_ROOT/docs/uvm-collect.xsd" "$t/r.xml"
	assert_equal "$(xmllint --xpath 'count(/uvm-profile/trees/tree)' "$t/r.xml")" 4
}

@test "-x X with pids=Y,X: the union, X first and once; both trees counted" {
	ok union
	run awk -F'\t' 'NR == 1 { print $7, $11 }' "$D/union.trace"
	assert_output "$X $X,$Y"
	"$UVM_COLLECT" -f json -o "$t/u.json" "$D/union.trace"
	assert_equal "$(jq --argjson p "$X" '.trees[] | select(.target == $p) | .totals.syscalls[] | select(.name == "getppid") | .calls' "$t/u.json")" 611
	assert_equal "$(jq --argjson p "$Y" '.trees[] | select(.target == $p) | .totals.syscalls[] | select(.name == "getppid") | .calls' "$t/u.json")" 622
	assert_equal "$(jq '.totals.syscalls[] | select(.name == "getppid") | .calls' "$t/u.json")" 1233
}

@test "mode=summary with pids=S1,S2: each tree's counts exact" {
	ok summary
	"$UVM_COLLECT" -f json -o "$t/s.json" "$D/summary.trace"
	assert_equal "$(jq -r '.mode' "$t/s.json")" summary
	assert_equal "$(jq --argjson p "$S1" '.trees[] | select(.target == $p) | .totals.syscalls[] | select(.name == "getppid") | .calls' "$t/s.json")" 701
	assert_equal "$(jq --argjson p "$S2" '.trees[] | select(.target == $p) | .totals.syscalls[] | select(.name == "getppid") | .calls' "$t/s.json")" 702
	assert_equal "$(jq --argjson p "$S1" '.trees[] | select(.target == $p) | .totals.syscalls[] | select(.name == "openat") | .errors' "$t/s.json")" 7
	# S1's workload forked a child: in S1's tree
	assert_equal "$(jq --argjson p "$S1" '.trees[] | select(.target == $p) | .processes' "$t/s.json")" 3
}

@test "pids=Z, a process with a zombie child: the zombie is not tracked, and the run ends when Z does" {
	ok zchild
	grep -q 'Z (zombie)' "$D/zchild.pid.state"
	zc=$(cat "$D/zchild.pid")
	# Z at the start, its zombie child not at all; the trailer: the run ended
	run awk -F'\t' -v z="$Z" '$1 == "P" && $3 == z' "$D/zchild.trace"
	assert_equal "${#lines[@]}" 1
	run awk -F'\t' -v c="$zc" '$1 != "H" && $1 != "T" && $3 == c' "$D/zchild.trace"
	assert_output ""
	run tail -n 1 "$D/zchild.trace"
	assert_output --regexp $'^T\t'
}

@test "pids=: a listed process that does not exist, 65 processes, a malformed list and a zombie are refused by name" {
	[ "$(cat "$D/nopid.status")" != 0 ]
	run cat "$D/nopid.err"
	assert_output --partial "uvm: target process 31999 does not exist"
	[ "$(cat "$D/many.status")" != 0 ]
	run cat "$D/many.err"
	assert_output --partial "uvm: pids: more than 64 target processes"
	[ "$(cat "$D/syntax.status")" != 0 ]
	run cat "$D/syntax.err"
	assert_output --partial "is not a list of process ids"
	# a zombie exists (its pid is taken) but would never exit again: the
	# run would never end
	grep -q 'Z (zombie)' "$D/zombie.pid.state"
	[ "$(cat "$D/zombie.status")" != 0 ]
	run cat "$D/zombie.err"
	assert_output --partial "uvm: target process $(cat "$D/zombie.pid") has exited (a zombie, or dying)"
}
