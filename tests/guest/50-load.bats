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

# collect NAME: the JSON report of NAME.trace in $D/NAME.json; fails
# unless complete (exit 0)
collect() {
	assert_equal "$(cat "$D/$1.status")" 0
	run "$UVM_COLLECT" -f json -o "$D/$1.json" "$D/$1.trace"
	assert_success
	J=$D/$1.json
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
	[ "$(grep -cE '^    [0-9]+ load \[exit [0-9]+\]' <<<"$output")" = 1200 ]
}

@test "load: events through a 1 MiB transport buffer: incomplete, exit 3, what arrived reported" {
	run -3 "$UVM_COLLECT" -f json -o "$D/tiny.json" "$D/tiny.trace"
	assert_output --partial "the trace is incomplete"
	jq -e '.loss.complete == false' "$D/tiny.json"
	n=$(jq '[.processes[].syscalls[] | select(.name == "getppid") | .calls] | add' "$D/tiny.json")
	[ "$n" -gt 0 ] && [ "$n" -lt 100000 ]
}

@test "load: the guest kernel logged no warning, BUG or oops through all of it" {
	run grep -E 'WARNING|BUG|Oops|general protection|Call Trace' "$D/dmesg"
	assert_output ""
}
