#!/usr/bin/env bats
# uvm-collect live, end to end: it starts the trace itself (in the guest),
# and its report is compared with what the workloads are known to do.

bats_require_minimum_version 1.5.0

# Live runs that two tests each read (one boot and compile apiece
# rather than two): their exit statuses in $D/NAME.rc, so that a failed
# run fails the tests that read it, not the whole file.
setup_file() {
	load '../test_helper/common-setup'
	_guest_file_dir
	# two workloads in one run: syscalls, then faults
	rc=0
	"$UVM_COLLECT" -f json -o "$D/sf.json" -- sh -c '"$1" 2500 7 100 && "$2" 300' sh \
		"$W/syscalls" "$W/faults" 2>"$D/sf.err" || rc=$?
	echo "$rc" >"$D/sf.rc"
	# the stacks workload, its page live, its trace kept
	rc=0
	"$UVM_COLLECT" --stacks -f html -o "$D/stacks.html" --save-trace "$D/stacks.trace" \
		-- "$W/stacks" 20 2>"$D/stacks.err" || rc=$?
	echo "$rc" >"$D/stacks.rc"
	# the tree workload, its page live, its trace kept
	rc=0
	"$UVM_COLLECT" -f html -o "$D/tree.html" --save-trace "$D/tree.trace" -- "$W/tree" \
		2>"$D/tree.err" || rc=$?
	echo "$rc" >"$D/tree.rc"
}

setup() {
	load '../test_helper/common-setup'
	_common_setup
	_guest_setup
}

# ran NAME: the live run NAME of setup_file exited 0
ran() {
	[ "$(cat "$D/$1.rc")" = 0 ] || { echo "live run $1: exit $(cat "$D/$1.rc"): $(cat "$D/$1.err")"; return 1; }
}

@test "uvm-collect -- syscalls: 2500 getppid, a 100 ms blocking read, nothing lost" {
	ran sf
	r=$D/sf.json
	pid=$(jq -r '.processes[] | select(.execs > 0 and (.exe | test("workloads/syscalls$"))) | .pid' "$r")
	[ -n "$pid" ]
	assert_equal "$(jq -r --argjson p "$pid" '.processes[] | select(.pid == $p) | .syscalls[] | select(.name == "getppid") | .calls' "$r")" 2500
	# the child slept 100 ms before it wrote to the pipe, and the blocking
	# read waited for it (minus the time between the child's start of its
	# sleep and the parent's entry into read(): a few ms)
	sleep=$(jq -r --argjson p "$pid" '.processes[] | select(.ppid == $p) | .syscalls[] | select(.name == "clock_nanosleep") | .min_ns' "$r")
	[ "$sleep" -ge 100000000 ]
	max=$(jq -r --argjson p "$pid" '.processes[] | select(.pid == $p) | .syscalls[] | select(.name == "read") | .max_ns' "$r")
	[ "$max" -ge 50000000 ]
	# the workload's output went to stderr, not into the trace
	grep -q '^getppid 2500$' "$D/sf.err"
	assert_equal "$(jq -r '.loss | "\(.complete) \(.dropped) \(.skipped) \(.transport_failures) \(.malformed_lines)"' "$r")" "true 0 0 0 0"
	# exit status and the kernel's counters came through
	assert_equal "$(jq -r --argjson p "$pid" '.processes[] | select(.pid == $p) | .exit_status' "$r")" 0
	[ "$(jq -r --argjson p "$pid" '.processes[] | select(.pid == $p) | .min_flt' "$r")" -gt 0 ]
}

@test "uvm-collect -- CMD counts CMD's tree with perf events: the tree's software counters, no hardware counter under TCG, each process's own on every kernel" {
	ran sf
	r=$D/sf.json
	jq -c '.counting, .totals.counters' "$r"
	jq -e --arg w "$(_per_process "$r")" '.counting.per_process == $w and .counting.unattributed == 0' "$r"
	# the tree: the syscalls workload's 2500 getppid calls and 100 ms
	# blocking read, its child's sleep, the faults workload's faults
	jq -e '.totals.counters | .task_clock_ns > 0 and .context_switches >= 2 and .minor_faults >= 300' "$r"
	for n in cycles instructions cache_references cache_misses branch_misses; do
		jq -e --arg n "$n" '(.counting.unsupported | map(.name) | index($n)) != null and .totals.counters[$n] == null' "$r"
	done
	# sh (then faults), syscalls and its child: each counted, from its
	# exec or fork, and syscalls blocked in its read until its child,
	# which slept, wrote
	jq -e '(.processes | length) >= 3 and ([.processes[] | .counters.task_clock_ns > 0] | all)' "$r"
	pid=$(jq -r '.processes[] | select(.execs > 0 and (.exe | test("workloads/syscalls$"))) | .pid' "$r")
	jq -e --argjson p "$pid" '.processes[] | select(.pid == $p or .ppid == $p) | .counters.context_switches > 0' "$r"
	# the processes' own add up to the tree's: exactly from perf's read
	# records (all); from uvm's module (module), which reads each task's
	# a little before its exit ends (tens of us to 0.6 ms under TCG)
	if [ "$(_per_process "$r")" = all ]; then
		jq -e '.totals.counters.task_clock_ns == ([.processes[].counters.task_clock_ns] | add)' "$r"
	else
		jq -e '([.processes[].counters.task_clock_ns] | add) as $s | .totals.counters.task_clock_ns
			| $s <= . and $s >= . - 5000000' "$r"
	fi
}

@test "uvm-collect -m summary -- tree: the process tree and exit statuses" {
	run -0 "$UVM_COLLECT" -m summary -f json -- "$W/tree"
	json=$(sed -n '/^{/,$p' <<<"$output")
	assert_equal "$(jq -r '.mode' <<<"$json")" summary
	assert_equal "$(jq '[.processes[] | select(.exit_status == 7)] | length' <<<"$json")" 1
	assert_equal "$(jq '[.processes[] | select(.signal == 15)] | length' <<<"$json")" 1
	assert_equal "$(jq '[.processes[] | select(.exit_status == 9)] | length' <<<"$json")" 1
	assert_equal "$(jq '.processes | length' <<<"$json")" 10
}

@test "uvm-collect -f perfetto, the trace of a live run of tree: every process on its track" {
	t=$BATS_TEST_TMPDIR
	ran tree
	run -0 "$UVM_COLLECT" -f perfetto -o "$t/live.json" "$D/tree.trace"
	python3 "$UVM_ROOT/tests/host/perfetto-check.py" --require X,i,C,M "$t/live.json"
	python3 "$UVM_ROOT/tests/host/timeline-facts.py" "$t/live.json" >"$t/facts"
	cat "$t/facts"
	# the tree's 10 processes (and the launcher's child before its exec)
	jq -e '.processes >= 10 and .lives == .processes and .syscalls > 0 and .loss.complete and .loss.dropped == 0' "$t/facts"
	# exit statuses and the signal, on the life slices
	assert_equal "$(jq '[.traceEvents[] | select(.cat == "process" and .ph == "X" and .args.exit_status == 7)] | length' "$t/live.json")" 1
	assert_equal "$(jq '[.traceEvents[] | select(.cat == "process" and .ph == "X" and .args.signal == 15)] | length' "$t/live.json")" 1
}

@test "uvm-collect -f folded, the trace of a live --stacks run of stacks: a flame graph of known call paths, exact counts" {
	t=$BATS_TEST_TMPDIR
	ran stacks
	run -0 "$UVM_COLLECT" -f folded -o "$t/live.folded" "$D/stacks.trace"
	grep -v ld-linux "$t/live.folded"
	# the workload's own account, "path main;... N", on its stderr
	run grep -c '^path ' "$D/stacks.err"
	assert_output 3
	while read -r what path n; do
		[ "$what" = path ] || continue
		run grep -E "^stacks;_start;.*;$path;[^;]+;getppid [0-9]+\$" "$t/live.folded"
		assert_output --regexp " $n\$"
		[ "${#lines[@]}" = 1 ]
	done <"$D/stacks.err"
	run awk '/;getppid [0-9]+$/ { n += $NF } END { print n }' "$t/live.folded"
	assert_output 120
	# the binary's unwind data was given (-d): no stack of the program
	# stopped short
	run grep -c '^stacks;\[' "$t/live.folded"
	assert_output 0
}

@test "uvm-collect --stacks -f html -- stacks: one page in the browser, the known call paths and counts in its flame graph" {
	t=$BATS_TEST_TMPDIR
	ran stacks
	cp "$D/stacks.html" "$t/live.html"
	# the saved trace is what the page was made of: the same page again,
	# and the JSON report and folded stacks to check the page's numbers
	"$UVM_COLLECT" -f html -o "$t/again.html" "$D/stacks.trace"
	cmp "$t/live.html" "$t/again.html"
	"$UVM_COLLECT" -f json -o "$t/live.json" "$D/stacks.trace"
	"$UVM_COLLECT" -f folded -o "$t/live.folded" "$D/stacks.trace"
	/usr/bin/python3 "$UVM_ROOT/tests/host/html-check.py" "$t/live.html" --facts-out "$t/facts" \
		--json "$t/live.json" --folded "$t/live.folded" --screenshot "$t/live.png"
	# the workload's own account, "path main;... N", on its stderr
	run grep -c '^path ' "$D/stacks.err"
	assert_output 3
	while read -r what path n; do
		[ "$what" = path ] || continue
		jq -e --arg p ";$path;" --argjson n "$n" \
			'[.flame.leaves | to_entries[] | select((.key | startswith("stacks;_start;")) and (.key | contains($p)) and (.key | endswith(";getppid")))] | length == 1 and .[0].value == $n' \
			"$t/facts"
	done <"$D/stacks.err"
	# 120 getppid in the table, the same in the graph, exit 0
	jq -e '.syscalls_total.getppid.calls == 120' "$t/facts"
	jq -e '[.flame.leaves | to_entries[] | select(.key | endswith(";getppid")) | .value] | add == 120' "$t/facts"
	jq -e '[.procs[] | select(.comm == "stacks")] | length == 1 and .[0].exit_status == 0' "$t/facts"
	[ -s "$t/live.png" ]
}

@test "uvm-collect -f html -- tree: the process tree with its exit statuses and signal, each on the timeline" {
	t=$BATS_TEST_TMPDIR
	ran tree
	"$UVM_COLLECT" -f json -o "$t/tree.json" "$D/tree.trace"
	/usr/bin/python3 "$UVM_ROOT/tests/host/html-check.py" "$D/tree.html" --facts-out "$t/facts" \
		--json "$t/tree.json"
	jq -e '.processes >= 10' "$t/facts"
	jq -e '([.procs[] | select(.exit_status == 7)] | length) == 1 and ([.procs[] | select(.signal == 15)] | length) == 1
		and ([.procs[] | select(.exit_status == 9)] | length) == 1' "$t/facts"
	jq -e '.timeline_rows == .processes' "$t/facts"
}

@test "uvm-collect -m summary, a snapshot every second: a process alive across snapshots counts once" {
	# the child sleeps 2.5 s: snapshots include it alive, then its own
	# final records follow its exit; faults are added up by the reader,
	# so counting a snapshot's and the final numbers both would show
	run -0 "$UVM_COLLECT" -m summary -f json --stap-arg=-Ginterval=1 -- "$W/syscalls" 300 3 2500
	json=$(sed -n '/^{/,$p' <<<"$output")
	[ "$(jq '.snapshots' <<<"$json")" -ge 3 ]
	pid=$(jq -r '.processes[] | select(.execs > 0 and (.exe | test("workloads/syscalls$"))) | .pid' <<<"$json")
	[ -n "$pid" ]
	assert_equal "$(jq -r --argjson p "$pid" '.processes[] | select(.pid == $p) | .syscalls[] | select(.name == "getppid") | .calls' <<<"$json")" 300
	child=$(jq -r --argjson p "$pid" '.processes[] | select(.ppid == $p) | .pid' <<<"$json")
	[ -n "$child" ]
	assert_equal "$(jq -r --argjson p "$child" '.processes[] | select(.pid == $p) | "\(.exit_status) \(.faults.minor) \(.faults.major)"' <<<"$json")" \
		"$(jq -r --argjson p "$child" '.processes[] | select(.pid == $p) | "0 \(.min_flt) \(.maj_flt)"' <<<"$json")"
	[ "$(jq -r --argjson p "$child" '.processes[] | select(.pid == $p) | .min_flt' <<<"$json")" -gt 0 ]
}

@test "uvm-collect -- faults: 300 minor faults in the anonymous mapping are in the report" {
	ran sf
	json=$(cat "$D/sf.json")
	# the workload forks the child that faults
	parent=$(jq -r '.processes[] | select(.execs > 0 and (.exe | test("workloads/faults$"))) | .pid' <<<"$json")
	[ -n "$parent" ]
	child=$(jq -r --argjson p "$parent" '.processes[] | select(.ppid == $p and .comm == "faults") | .pid' <<<"$json")
	[ -n "$child" ]
	# all of the child's faults traced = its kernel counters at exit
	assert_equal "$(jq -r --argjson p "$child" '.processes[] | select(.pid == $p) | "\(.faults.minor) \(.faults.major)"' <<<"$json")" \
		"$(jq -r --argjson p "$child" '.processes[] | select(.pid == $p) | "\(.min_flt) \(.maj_flt)"' <<<"$json")"
	[ "$(jq -r --argjson p "$child" '.processes[] | select(.pid == $p) | [.faults.regions[] | select(.kind == "anon") | .minor] | add' <<<"$json")" -ge 300 ]
	# the hottest fault site is resolved by libdwfl to the workload's code
	run jq -r --argjson p "$child" '.processes[] | select(.pid == $p) | .faults.sites[0].symbol' <<<"$json"
	assert_output --regexp '^faults:(main|run)\+0x[0-9a-f]+$'
}

@test "make demo: traces the bundled workload and prints its profile" {
	run make -s -C "$UVM_ROOT" demo
	assert_success
	assert_output --partial "uvm profile: target"
	assert_output --partial "Loss: none"
	assert_output --partial "Process tree:"
	assert_output --partial "getppid"
}

@test "uvm-collect -- CMD: the command starts as it would untraced, its profile at its exec (= strace -f -c)" {
	d=$BATS_TEST_TMPDIR
	probe="grep -E '^Sig(Ign|Blk)' /proc/self/status >'$d/OUT'; env | sort >>'$d/OUT'; ls / >/dev/null"
	"$UVM_VM" run --share "$d" -- sh -c "${probe//OUT/untraced}"
	UVM_VM_SHARES=$d "$UVM_COLLECT" -f json -o "$d/r.json" -- sh -c "${probe//OUT/traced}" 2>"$d/err"
	# signal dispositions, mask and environment: the same, byte for byte
	# (stapio's child ignored SIGPIPE and SIGUSR2 and had SYSTEMTAP_* set)
	diff -u "$d/untraced" "$d/traced"
	grep -q '^SigIgn:	0000000000000000$' "$d/traced"
	run grep -c -E 'SYSTEMTAP|UVM_|staprun' "$d/traced"
	assert_output 0
	# every system call strace counts for the same command, uvm counts as
	# often, and nothing else (exit_group: strace -c leaves out calls that
	# do not return); stapio's rt_sigsuspend, alarm, ... are not there
	"$UVM_VM" run --share "$d" -- strace -f -c -U name,calls -o "$d/strace" sh -c "${probe//OUT/strace.out}"
	awk 'NR > 2 && $1 !~ /^-/ && $1 != "total" { print $1, $2 }' "$d/strace" | sort >"$d/strace.counts"
	jq -r '.totals.syscalls[] | select(.name != "exit_group") | "\(.name) \(.calls)"' "$d/r.json" | sort >"$d/uvm.counts"
	diff -u "$d/strace.counts" "$d/uvm.counts"
	grep -q '^execve 5$' "$d/uvm.counts"	# sh, grep, env, sort, ls: one each
}

@test "uvm-collect gets SIGINT in a live run: stap stops cleanly and the report has what was traced" {
	d=$BATS_TEST_TMPDIR
	# 10^8 getppid: hours in the guest; interrupted once records flow
	"$UVM_COLLECT" --progress -f json -o "$d/r.json" -- "$W/syscalls" 100000000 0 2>"$d/err" &
	pid=$!
	for _ in $(seq 600); do
		grep -qE 'uvm-collect: [1-9][0-9]* records' "$d/err" && break
		sleep 0.5
	done
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	cat "$d/err"
	# the report is written either way.  The SIGINT reaches stapio too
	# (as a terminal's ^C would), which stops the module at once: the
	# trace is complete (exit 0), or stapio had not read its end and it
	# says so (exit 3, cut short, nothing else lost)
	if [ "$rc" -eq 0 ]; then
		jq -e '.loss.complete and .loss.dropped == 0' "$d/r.json"
	else
		assert_equal "$rc" 3
		grep -q 'the trace is incomplete: no trailer (cut short)' "$d/err"
		jq -e '.loss.dropped == 0 and .loss.skipped == 0' "$d/r.json"
	fi
	n=$(jq '[.processes[].syscalls[] | select(.name == "getppid") | .calls] | add' "$d/r.json")
	echo "getppid calls before the interrupt: $n"
	[ "$n" -gt 0 ] && [ "$n" -lt 100000000 ]
	# the command was interrupted too, as by a terminal's ^C.  A
	# complete trace may still end before the command's exit (stapio
	# stops the module on the same SIGINT): if its exit is there, it
	# was that signal
	jq -e '[.processes[] | select(.comm == "syscalls")][0] |
	       (.exited | not) or (.signal == 2 and .exit_status == null)' "$d/r.json"
}
