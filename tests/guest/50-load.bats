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
		run() {	# name, then the load arguments
			local n=$1
			shift
			staprun -o "$D/$n.trace" -c "\"$W/load\" $*" "$D/uvm.ko" >"$D/$n.out" 2>"$D/$n.err"
			echo $? >"$D/$n.status"
		}
		run storm storm 2000 50
		run threads threads 256 100
		run exec exec 500
		# pids wrap at pid_max (its minimum is 301): 1200 children one
		# after the other must reuse some
		old=$(cat /proc/sys/kernel/pid_max)
		echo 1000 >/proc/sys/kernel/pid_max
		run reuse reuse 1200
		echo "$old" >/proc/sys/kernel/pid_max
		# 1 MiB of transport buffer for about 9 MB of records
		staprun -b 1 -o "$D/tiny.trace" -c "\"$W/syscalls\" 100000 0" "$D/uvm.ko" >/dev/null 2>"$D/tiny.err"
		echo $? >"$D/tiny.status"
		dmesg >"$D/dmesg"
	EOF
	"$UVM_VM" run --timeout 1200 --share "$D" -- env D="$D" W="$W" bash "$D/job.sh"
}

setup() {
	load '../test_helper/common-setup'
	_common_setup
	_guest_setup
}

# collect NAME: the JSON report of NAME.trace in $D/NAME.json.  Either
# complete (exit 0, COMPLETE=1), or cut short at its end and saying so
# (exit 3, COMPLETE=0): under load on the guest's one vCPU, SystemTap
# sometimes stops before stapio has read everything (measured: the
# 256-thread run on 6.1 in one of two runs; docs/performance.md has the
# same end loss on a getppid loop).  Nothing else may be lost.
collect() {
	assert_equal "$(cat "$D/$1.status")" 0
	run "$UVM_COLLECT" -f json -o "$D/$1.json" "$D/$1.trace"
	J=$D/$1.json
	if [ "$status" -eq 0 ]; then
		COMPLETE=1
	else
		assert_equal "$status" 3
		assert_output --partial "the trace is incomplete: no trailer (cut short)"
		jq -e '.loss.dropped == 0 and .loss.skipped == 0 and .loss.malformed_lines <= 1' "$J"
		COMPLETE=0
		echo "# $1: trace cut short at its end; counts checked as upper bounds" >&3
	fi
	# the load process itself (the -c target, after its exec)
	LOAD=$(jq '[.processes[] | select(.comm == "load" and .parent_id == null)][0].id' "$J")
	[ "$LOAD" != null ]
}

# assert_counts EXPECTED: $output (tab-separated numbers) is EXPECTED
# exactly when the trace is complete; else each number is at most the
# expected one, and the first is not 0.
assert_counts() {
	if [ "$COMPLETE" = 1 ]; then
		assert_output "$1"
		return
	fi
	local -a got want
	IFS=$'\t' read -r -a got <<<"$output"
	IFS=$'\t' read -r -a want <<<"$1"
	assert_equal "${#got[@]}" "${#want[@]}"
	[ "${got[0]}" -gt 0 ]
	for i in "${!want[@]}"; do
		[ "${got[$i]}" -le "${want[$i]}" ]
	done
}

@test "load: fork storm, 2000 children with 50 alive: every child, its getppid and its exit status" {
	collect storm
	[ "$(grep -c '^child ' "$D/storm.out")" = 2000 ]
	run jq --argjson p "$LOAD" '[.processes[] | select(.parent_id == $p)] |
		[length, ([.[].syscalls[] | select(.name == "getppid") | .calls] | add),
		 ([.[].exit_status] | add), ([.[] | select(.exited)] | length)] | @tsv' -r "$J"
	# exit statuses: child i exits with i % 200, summed over 2000 children
	assert_counts $'2000\t2000\t199000\t2000'
}

@test "load: 256 threads of 100 getppid each: 25600 calls, 256 threads, one process" {
	collect threads
	run jq -r --argjson p "$LOAD" '.processes[] | select(.id == $p) |
		[([.syscalls[] | select(.name == "getppid") | .calls] | add), .threads_created] | @tsv' "$J"
	assert_counts $'25600\t256'
	assert_equal "$(jq '[.processes[] | select(.parent_id == '"$LOAD"')] | length' "$J")" 0
}

@test "load: a process that execs itself 500 times: 501 images, one getppid each, one process" {
	collect exec
	run jq -r --argjson p "$LOAD" '.processes[] | select(.id == $p) |
		[.execs, ([.syscalls[] | select(.name == "getppid") | .calls] | add), .exit_status] | @tsv' "$J"
	# the exec that starts the command, then 500 of its own
	assert_counts $'501\t501\t0'
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
	assert_counts "1200	$distinct	1	1200"
	assert_equal "$((1200 - distinct))" "$reused"
	# the text report's tree has every incarnation under the parent
	run "$UVM_COLLECT" "$D/reuse.trace"
	output=$(grep -cE '^    [0-9]+ load \[exit [0-9]+\]' <<<"$output")
	assert_counts 1200
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

@test "load: the guest kernel logged no warning, BUG or oops through all of it" {
	run grep -E 'WARNING|BUG|Oops|general protection|Call Trace' "$D/dmesg"
	assert_output ""
}
