#!/usr/bin/env bats
# uvm-collect on traces recorded in the guest (fixtures/, see
# fixtures/regen) and on broken input: formats, options, errors, exit codes.

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	load '../test_helper/collect-fixtures'
	_common_setup
	F="$BATS_TEST_DIRNAME/fixtures"
}

@test "uvm-collect --help: documents every option and the exit codes, exit 0" {
	run "$UVM_COLLECT" --help
	assert_success
	for o in --format --output --sort --top --totals-only --no-symbols --sysroot --pid \
		--mode --no-follow --stap-arg --guest --no-guest --progress --verbose --version; do
		assert_output --partial -- "$o"
	done
	assert_output --partial "Exit status"
	assert_output --partial "Examples"
}

@test "uvm-collect: a bad option or value is a usage error, exit 1" {
	run "$UVM_COLLECT" --format yaml "$F/tree.trace"
	assert_equal "$status" 1
	assert_output --partial "'yaml' is not text, json, xml, html, perfetto or folded"
	run "$UVM_COLLECT" --top -3 "$F/tree.trace"
	assert_equal "$status" 1
	run "$UVM_COLLECT" -S speed "$F/tree.trace"
	assert_equal "$status" 1
	run "$UVM_COLLECT"
	assert_equal "$status" 1
	run "$UVM_COLLECT" "$F/tree.trace" extra
	assert_equal "$status" 1
}

@test "uvm-collect text: the process tree with every exit status and signal" {
	run "$UVM_COLLECT" "$F/tree.trace"
	assert_success
	assert_output --partial "Loss: none"
	for s in "exit 0" "exit 1" "exit 2" "exit 3" "killed by signal 15" "exit 7" "exit 9"; do
		assert_output --partial "[$s]"
	done
	assert_output --partial "tree leaf 7"
}

@test "uvm-collect json: the workload's exact counts, from the trace" {
	run "$UVM_COLLECT" -f json "$F/syscalls.trace"
	assert_success
	json=$output
	pid=$(jq -r '.processes[] | select(.exe | test("workloads/syscalls$")) | .pid' <<<"$json")
	[ -n "$pid" ]
	assert_equal "$(jq -r --argjson p "$pid" '.processes[] | select(.pid == $p) | .syscalls[] | select(.name == "getppid") | .calls' <<<"$json")" 50
	# 3 failing opens of the workload, plus the loader's own ENOENTs
	n=$(jq -r --argjson p "$pid" '.processes[] | select(.pid == $p) | .syscalls[] | select(.name == "openat") | .errnos.ENOENT' <<<"$json")
	[ "$n" -ge 3 ]
	assert_equal "$(jq -r '.uvm_report_version, .trace_version, .loss.complete, .loss.malformed_lines' <<<"$json" | tr '\n' ' ')" "3 1 true 0 "
	# totals are the sum over processes
	assert_equal "$(jq '[.processes[].syscalls[].calls] | add' <<<"$json")" "$(jq '[.totals.syscalls[].calls] | add' <<<"$json")"
}

@test "uvm-collect json: summary-mode traces give the same tables" {
	run "$UVM_COLLECT" -f json "$F/summary.trace"
	assert_success
	assert_equal "$(jq -r '.mode' <<<"$output")" summary
	assert_equal "$(jq '.snapshots' <<<"$output")" "$(grep -c '^I' "$F/summary.trace")"
	assert_equal "$(jq -r '.processes[] | .syscalls[] | select(.name == "getppid") | .calls' <<<"$output")" 500
	assert_equal "$(jq -r '[.processes[] | .syscalls[] | select(.name == "openat") | .errnos.ENOENT // 0] | add' <<<"$output")" "$(awk -F'\t' '$1 == "e" && $3 == 257 && $4 == "ENOENT" { n += $5 } END { print n }' "$F/summary.trace")"
	# the text report claims nothing a summary trace does not carry
	run -0 "$UVM_COLLECT" "$F/summary.trace"
	refute_output --partial "memory map:"
	refute_output --partial "taken by the kernel"
	assert_output --regexp 'page faults: [1-9][0-9]* minor, [0-9]+ major'
}

@test "uvm-collect xml: validates against docs/uvm-collect.xsd" {
	"$UVM_COLLECT" -f xml -o "$BATS_TEST_TMPDIR/r.xml" "$F/tree.trace"
	run xmllint --noout --schema "$UVM_ROOT/docs/uvm-collect.xsd" "$BATS_TEST_TMPDIR/r.xml"
	assert_success
	run xmllint --xpath 'count(/uvm-profile/processes/process[@signal="15"])' "$BATS_TEST_TMPDIR/r.xml"
	assert_output 1
}

@test "uvm-collect -S calls -n 3: three rows, most calls first" {
	run "$UVM_COLLECT" --totals-only -S calls -n 3 -f json "$F/syscalls.trace"
	assert_success
	assert_equal "$(jq '.totals.syscalls | length' <<<"$output")" 3
	assert_equal "$(jq -r '.totals.syscalls[0].name' <<<"$output")" getppid
}

@test "uvm-collect -: reads a pipe" {
	run bash -c "cat '$F/tree.trace' | '$UVM_COLLECT' -f json - | jq '.processes | length'"
	assert_success
	assert_output 10
}

@test "uvm-collect: a malformed line is counted with its line number, the rest kept, exit 3" {
	{ head -n 5 "$F/syscalls.trace"; printf 'S\tgarbage\n'; tail -n +6 "$F/syscalls.trace"; } >"$BATS_TEST_TMPDIR/bad.trace"
	run --separate-stderr "$UVM_COLLECT" "$BATS_TEST_TMPDIR/bad.trace"
	assert_equal "$status" 3
	assert_output --partial "Malformed lines: 1"
	assert_output --partial "line 6: SYSCALL record has 1 fields, expected 9"
	[[ $stderr == *"incomplete"* ]]
}

@test "uvm-collect: truncated last line is reported, totals kept" {
	head -c -20 "$F/syscalls.trace" >"$BATS_TEST_TMPDIR/cut.trace"
	run -3 "$UVM_COLLECT" -f json "$BATS_TEST_TMPDIR/cut.trace"
	assert_equal "$(jq -r '.loss.complete' <<<"$output")" false
	assert_equal "$(jq -r '.loss.first_malformed[0].error' <<<"$output")" "truncated last line (no newline)"
	assert_equal "$(jq -r '.totals.syscalls[] | select(.name == "getppid") | .calls' <<<"$output")" 50
}

@test "uvm-collect: a wrong format version is a clear error naming file and line, exit 2" {
	sed '1s/\tuvm-trace\t1\t/\tuvm-trace\t5\t/' "$F/tree.trace" >"$BATS_TEST_TMPDIR/v5.trace"
	run "$UVM_COLLECT" "$BATS_TEST_TMPDIR/v5.trace"
	assert_equal "$status" 2
	assert_output --partial "v5.trace:1: trace format version 5; this uvm-collect reads versions 1 to 4"
	sed '1s/\tuvm-trace\t1\t/\tuvm-trace\t0\t/' "$F/tree.trace" >"$BATS_TEST_TMPDIR/v0.trace"
	run -2 "$UVM_COLLECT" "$BATS_TEST_TMPDIR/v0.trace"
	assert_output --partial "v0.trace:1: trace format version 0; this uvm-collect reads versions 1 to 4"
	# version 1 (before K records) and 2 read the same
	sed '1s/\tuvm-trace\t1\t/\tuvm-trace\t2\t/' "$F/tree.trace" >"$BATS_TEST_TMPDIR/v2.trace"
	run -0 "$UVM_COLLECT" -f json "$BATS_TEST_TMPDIR/v2.trace"
	v2=$output
	run -0 "$UVM_COLLECT" -f json "$F/tree.trace"
	assert_equal "$(jq -c 'del(.trace_version)' <<<"$v2")" "$(jq -c 'del(.trace_version)' <<<"$output")"
}

@test "uvm-collect: empty file, binary garbage, missing file: exit 2 with a message" {
	: >"$BATS_TEST_TMPDIR/empty"
	run "$UVM_COLLECT" "$BATS_TEST_TMPDIR/empty"
	assert_equal "$status" 2
	assert_output --partial "empty: no uvm trace header"
	head -c 4096 /bin/sh >"$BATS_TEST_TMPDIR/garbage"
	run "$UVM_COLLECT" "$BATS_TEST_TMPDIR/garbage"
	assert_equal "$status" 2
	assert_output --partial "not a uvm trace"
	run "$UVM_COLLECT" "$BATS_TEST_TMPDIR/nonexistent"
	assert_equal "$status" 2
	assert_output --partial "No such file or directory"
}

@test "uvm-collect: NUL bytes and a 10 MB line are reported, the rest parsed" {
	{ head -n 3 "$F/syscalls.trace"; printf 'S\t1\0\t2\n'; head -c 10000000 /dev/zero | tr '\0' x; echo; tail -n +4 "$F/syscalls.trace"; } >"$BATS_TEST_TMPDIR/big.trace"
	run -3 "$UVM_COLLECT" -f json "$BATS_TEST_TMPDIR/big.trace"
	assert_equal "$(jq -r '.loss.malformed_lines' <<<"$output")" 2
	assert_equal "$(jq -r '[.loss.first_malformed[].error] | join(",")' <<<"$output")" "NUL byte in line,line longer than 1 MiB"
	assert_equal "$(jq -r '.totals.syscalls[] | select(.name == "getppid") | .calls' <<<"$output")" 50
}

@test "uvm-collect: an output file that cannot be written is exit 4" {
	run "$UVM_COLLECT" -o /nonexistent-dir/r.txt "$F/tree.trace"
	assert_equal "$status" 4
	assert_output --partial "/nonexistent-dir/r.txt"
}

@test "uvm-collect --save-trace: the live run's trace byte for byte; a file it cannot write is exit 4, before the run or after" {
	T=$BATS_TEST_TMPDIR
	fake_vm
	cp "$F/tree.trace" "$T/live.1.trace"
	run -0 "$UVM_COLLECT" --guest -f json -o "$T/live.json" --save-trace "$T/saved.trace" -- tree
	cmp "$F/tree.trace" "$T/saved.trace"
	"$UVM_COLLECT" -f json -o "$T/file.json" "$T/saved.trace"
	cmp "$T/live.json" "$T/file.json"
	# an incomplete trace is saved whole too, and says exit 3
	head -n 40 "$F/tree.trace" >"$T/live.2.trace"
	run -3 "$UVM_COLLECT" --guest -o /dev/null --save-trace "$T/saved2.trace" -- tree
	cmp "$T/live.2.trace" "$T/saved2.trace"
	# not writable: refused before anything runs (no run 3)
	cp "$F/tree.trace" "$T/live.3.trace"
	run -4 "$UVM_COLLECT" --guest --save-trace /nonexistent-dir/t -- tree
	assert_output --partial "--save-trace /nonexistent-dir/t: No such file or directory"
	assert_equal "$(cat "$T/count")" 2
	# a write that fails during the run: the report is still written
	run -4 --separate-stderr "$UVM_COLLECT" --guest -f json --save-trace /dev/full -- tree
	assert_equal "$(jq '.processes | length' <<<"$output")" 10
	[[ "$stderr" == *"--save-trace /dev/full: No space left on device"* ]]
	# and only for a live run
	run -1 "$UVM_COLLECT" --save-trace "$T/x" "$F/tree.trace"
	assert_output --partial "--save-trace keeps the trace of a live run"
}

@test "uvm-collect -p: refused with a reason where the kernel cannot load modules" {
	[ -r /proc/modules ] && skip "this kernel can load modules"
	run "$UVM_COLLECT" -p 1
	assert_equal "$status" 2
	assert_output --partial "needs a kernel that can load SystemTap modules"
}

@test "uvm-collect -o -- file.trace: a usage error naming -o, nothing run, exit 1" {
	run "$UVM_COLLECT" -o -- "$F/tree.trace"
	assert_equal "$status" 1
	assert_output --partial "option '-o' needs an argument before '--'"
	refute_output --partial "uvm-vm"
	run "$UVM_COLLECT" --output -- "$F/tree.trace"
	assert_equal "$status" 1
	# the end of options itself still works
	run "$UVM_COLLECT" -o "$BATS_TEST_TMPDIR/r.txt" -- --no-such-command-here
	refute_output --partial "needs an argument"
}

@test "uvm-collect: a 10 MB first line without newline is 'longer than 1 MiB', not 'empty', exit 2" {
	head -c 10000000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/one.line"
	run "$UVM_COLLECT" "$BATS_TEST_TMPDIR/one.line"
	assert_equal "$status" 2
	assert_output "uvm-collect: $BATS_TEST_TMPDIR/one.line:1: not a uvm trace: the first line is longer than 1 MiB"
}

@test "uvm-collect: an out-of-range number is a malformed line with its number, the rest kept, exit 3" {
	{ head -n 3 "$F/syscalls.trace"; printf 'S\t1\t2\t2\t0\tread\t9999999999999999999\t-\t5\t\n'; tail -n +4 "$F/syscalls.trace"; } >"$BATS_TEST_TMPDIR/big.trace"
	run "$UVM_COLLECT" "$BATS_TEST_TMPDIR/big.trace"
	assert_equal "$status" 3
	assert_output --partial "line 4"
	assert_output --partial "field 6 is not a number"
}

@test "uvm-collect -o on a full filesystem: exit 4, the file and the reason named" {
	for fmt in text json xml; do
		run "$UVM_COLLECT" -f "$fmt" -o /dev/full "$F/tree.trace"
		assert_equal "$status" 4
		assert_output "uvm-collect: /dev/full: writing the report: No space left on device"
	done
	[ "$(id -u)" = 0 ] || skip "a tiny tmpfs needs root to mount"
	mkdir "$BATS_TEST_TMPDIR/small"
	mount -t tmpfs -o size=8k tmpfs "$BATS_TEST_TMPDIR/small"
	run "$UVM_COLLECT" -f json -o "$BATS_TEST_TMPDIR/small/r.json" "$F/tree.trace"
	umount "$BATS_TEST_TMPDIR/small"
	assert_equal "$status" 4
	assert_output --partial "small/r.json: writing the report: No space left on device"
}

@test "uvm-collect: a PID reused within the run is a second process, not merged into the first" {
	{
		printf 'H\tuvm-trace\t1\t6.1.0\t100\t0\t10\t1\tevents\tsyscall,process\n'
		printf 'P\t100\t10\t1\t1\tsh\t/bin/sh\n'
		printf 'C\t110\t10\t10\t20\t20\t0x11\t0\tsh\n'
		printf 'S\t120\t20\t20\t110\tgetppid\t10\t-\t5\t-\n'
		printf 'X\t130\t20\t20\t1\t3\t0\t0\t0\t0\t0\t0\t0\t0\t0\n'
		printf 'C\t140\t10\t10\t20\t20\t0x11\t0\tsh\n'
		printf 'S\t150\t20\t20\t110\tgetppid\t10\t-\t5\t-\n'
		printf 'S\t151\t20\t20\t110\tgetppid\t10\t-\t5\t-\n'
		printf 'X\t160\t20\t20\t1\t4\t0\t0\t0\t0\t0\t0\t0\t0\t0\n'
		printf 'X\t170\t10\t10\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\n'
		printf 'T\t180\t9\t0\t0\t0\t0\n'
	} >"$BATS_TEST_TMPDIR/reuse.trace"
	run "$UVM_COLLECT" -f json "$BATS_TEST_TMPDIR/reuse.trace"
	assert_success
	run jq -r '.processes[] | [.id, .pid, (.parent_id // "-"), .exit_status, ([.syscalls[].calls] | add // 0), (.children | join(","))] | @tsv' <<<"$output"
	assert_output $'1\t10\t-\t0\t0\t20,20\n2\t20\t1\t3\t1\t\n3\t20\t1\t4\t2\t'
	run "$UVM_COLLECT" "$BATS_TEST_TMPDIR/reuse.trace"
	assert_output --partial $'  10 sh [exit 0]\n    20 sh [exit 3]\n    20 sh [exit 4]\n'
	run "$UVM_COLLECT" -f xml -o "$BATS_TEST_TMPDIR/reuse.xml" "$BATS_TEST_TMPDIR/reuse.trace"
	assert_success
	xmllint --noout --schema "$UVM_ROOT/docs/uvm-collect.xsd" "$BATS_TEST_TMPDIR/reuse.xml"
}

@test "uvm-collect --backend: where live tracing runs, the one decision (uvm-demo asks it), exit 0" {
	run "$UVM_COLLECT" --backend
	assert_success
	if [ -r /proc/modules ] && [ -e /sys/kernel/debug ]; then assert_output host; else assert_output guest; fi
	run "$UVM_COLLECT" --guest --backend
	assert_success
	assert_output guest
	run "$UVM_COLLECT" --no-guest --backend
	assert_success
	assert_output host
	run "$UVM_COLLECT" --help
	assert_output --partial --backend
}

@test "uvm-collect json: cpu_utilization is user + system time over the process's life; null for one running before the trace" {
	run -0 "$UVM_COLLECT" -f json "$BATS_TEST_DIRNAME/fixtures/tree.trace"
	j=$output
	# the target was already running (a P record): its CPU time has
	# time from before the trace
	jq -e '.processes[0].cpu_utilization == null' <<<"$j"
	# the 9 it forked: the formula, to the 4 decimals written
	jq -e '[.processes[1:][] | ((.utime_ns + .stime_ns) / (.end_ns - .start_ns) - .cpu_utilization) | fabs < 0.00005] | length == 9 and all' <<<"$j"
	# the total: their CPU time over the trace's length
	jq -e '([.processes[1:][] | .utime_ns + .stime_ns] | add) / (.end_ns - .start_ns) - .totals.cpu_utilization | fabs < 0.00005' <<<"$j"
	run -0 "$UVM_COLLECT" "$BATS_TEST_DIRNAME/fixtures/tree.trace"
	assert_output --partial 'cpu utilization: '
}
