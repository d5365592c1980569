#!/usr/bin/env bats
# uvm.stp and the tapsets against workloads whose behaviour is known.
#
# One module and one guest boot for the whole file: setup_file compiles
# uvm.stp once and runs every workload under it in one guest job
# (staprun -c, as stap -c does); each test then checks its own trace,
# $D/NAME.trace, against the workload's own account, $D/NAME.out (its
# stdout: not the trace's, since a file two processes write through
# different offsets gets holes; SystemTap 5.6 writes it so).

setup_file() {
	load '../test_helper/common-setup'
	_guest_file_setup
	# for the runs with stacks=1: a module with the unwind data of the
	# stacks workload and its libraries
	_guest_compile -I "$UVM_ROOT/tapsets/stacks" -I "$UVM_ROOT/tapsets" -d "$W/stacks" --ldd \
		"$UVM_ROOT/scripts/uvm.stp" "$D/uvm_stacks.ko"
	mkfifo "$D/fifo"
	cat >"$D/job.sh" <<-'EOF'
		. "$UVM_ROOT/tests/test_helper/guest-job.bash"
		t header -- "$W/syscalls" 10 0
		t syscalls -- "$W/syscalls" 5000 17 300
		t faults -- "$W/faults" 256 "$D/mapped.faults" 64
		t major -- "$W/faults" 1 "$D/mapped.major" 64
		t mm -- "$W/mm"
		t tree -- "$W/tree"
		t follow0 follow=0 -- "$W/tree"
		t summary mode=summary -- "$W/syscalls" 3000 5
		t strace-uvm -- "$W/syscalls" 700 9 50
		# the same stdout as the traced run: a regular file (stdio asks a
		# character device whether it is a tty: one more ioctl)
		strace -f -c -U name,calls -o "$D/strace" "$W/syscalls" 700 9 50 >"$D/strace.out"
		t flush mode=summary -- sh -c "for i in \$(seq 150); do '$W/syscalls' 5 1 >/dev/null; done"
		# -x: attach to a process that waits until the module runs
		sh -c 'read go < "$D/fifo"; exec "$W/syscalls" 1234 2' &
		pid=$!
		staprun -vv -x $pid "$D/uvm.ko" >"$D/attach.trace" 2>"$D/attach.err" &
		st=$!
		armed "$D/attach.err" "$st"
		echo go >"$D/fifo"
		wait $st
		echo $? >"$D/attach.status"
		staprun -x 31999 "$D/uvm.ko" >"$D/nopid.trace" 2>"$D/nopid.err"
		echo $? >"$D/nopid.status"
		KO=$D/uvm_stacks.ko t stacks stacks=1 -- "$W/stacks" 50
		# syscalls: a binary whose unwind data the module lacks
		KO=$D/uvm_stacks.ko t stackcut stacks=1 -- "$W/syscalls" 300 0
		# stacks=1 with a module built without the unwinder
		t nounwinder stacks=1 -- "$W/syscalls" 1 0
	EOF
	"$UVM_VM" run --timeout 900 --share "$D" -- env D="$D" W="$W" UVM_ROOT="$UVM_ROOT" bash "$D/job.sh"
}

setup() {
	load '../test_helper/common-setup'
	_common_setup
	_guest_setup
}

# trace NAME: one run's trace (T) and the workload's output (OUT); the
# run succeeded
trace() {
	[ "$(cat "$D/$1.status")" = 0 ] || { echo "run $1: staprun $(cat "$D/$1.status"): $(cat "$D/$1.err")"; return 1; }
	T=$D/$1.trace
	OUT=$D/$1.out
}

# pid of the first exec of a program named $1 (basename) in trace $2
exec_pid() { awk -F'\t' -v p="$1" '$1 == "E" && $7 == p { print $3; exit }' "$2"; }

@test "uvm.stp: header first, trailer last, record count and no loss" {
	trace header
	run cut -f1-4 "$T"
	assert_line --index 0 $'H\tuvm-trace\t4\t'"$GUEST_KERNEL"
	run tail -n 1 "$T"
	assert_output --regexp $'^T\t'
	# records counted by the module = records before the trailer, and
	# nothing else in the trace
	recs=$(tail -n 1 "$T" | cut -f3)
	assert_equal "$recs" "$(($(grep -c $'^[A-Za-z]\t' "$T") - 1))"
	assert_equal "$recs" "$(($(wc -l <"$T") - 1))"
	# dropped, skipped, transport, errors
	assert_equal "$(tail -n 1 "$T" | cut -f4-)" $'0\t0\t0\t0'
}

@test "uvm.syscall: 5000 getppid, 17 failing opens (ENOENT) and a 300 ms blocking read" {
	trace syscalls
	pid=$(exec_pid syscalls "$T")
	[ -n "$pid" ]
	run awk -F'\t' -v p="$pid" '$1 == "S" && $3 == p && $6 == "getppid"' "$T"
	assert_equal "${#lines[@]}" 5000
	run awk -F'\t' -v p="$pid" '$1 == "S" && $3 == p && $6 == "openat" && $8 == "ENOENT" && $10 ~ /nonexistent\/uvm-workload/' "$T"
	assert_equal "${#lines[@]}" 17
	# every failing open returned -2
	run awk -F'\t' -v p="$pid" '$1 == "S" && $3 == p && $8 == "ENOENT" && $7 != -2' "$T"
	assert_output ""
	# the blocking read on the pipe returned only after the child, having
	# slept 300 ms, wrote to it: the kernel's timestamps of three system
	# calls in two processes agree.  (The child may start its sleep before
	# the parent enters read(), so the read itself may block a little
	# less than 300 ms.)
	child=$(awk -F'\t' -v p="$pid" '$1 == "C" && $3 == p { print $5 }' "$T")
	[ -n "$child" ]
	read -r sleep_ts sleep_lat < <(awk -F'\t' -v c="$child" '$1 == "S" && $3 == c && $6 == "clock_nanosleep" { print $2, $9 }' "$T")
	read -r write_ts < <(awk -F'\t' -v c="$child" '$1 == "S" && $3 == c && $6 == "write" && $7 == 1 { print $2 }' "$T")
	read -r read_ts read_lat < <(awk -F'\t' -v p="$pid" '$1 == "S" && $3 == p && $6 == "read" && $7 == 1 && $10 ~ /, 1$/ { print $2, $9 }' "$T")
	[ "$sleep_lat" -ge 300000000 ]
	[ "$write_ts" -ge $((sleep_ts + sleep_lat)) ]
	[ "$read_ts" -lt "$write_ts" ]
	[ $((read_ts + read_lat)) -ge "$write_ts" ]
	# and (emulated guest) it did not take 5 s more
	[ "$read_lat" -lt 5300000000 ]
}

@test "uvm.pagefault: 256 touched anonymous pages are 256 minor faults, and totals match the kernel's counters" {
	trace faults
	child=$(awk -F'\t' '$1 == "C" { print $5; exit }' "$T")
	[ -n "$child" ]
	anon=$(awk '$1 == "anon" { print $2 }' "$OUT")
	[ -n "$anon" ]
	run awk -F'\t' -v p="$child" -v a="$anon" '$1 == "F" && $3 == p && $11 == a && $8 == "minor"' "$T"
	assert_equal "${#lines[@]}" 256
	# kernel rule reconciliation: the child's min_flt/maj_flt at exit
	# equal the minor/major faults traced for it
	read -r minflt majflt < <(awk -F'\t' -v p="$child" '$1 == "X" && $3 == p && $5 == 1 { print $9, $10 }' "$T")
	traced_min=$(awk -F'\t' -v p="$child" '$1 == "F" && $3 == p && $8 == "minor"' "$T" | wc -l)
	traced_maj=$(awk -F'\t' -v p="$child" '$1 == "F" && $3 == p && $8 == "major"' "$T" | wc -l)
	assert_equal "$traced_min" "$minflt"
	assert_equal "$traced_maj" "$majflt"
}

@test "uvm.pagefault: a file mapping read after dropping caches takes major faults, as getrusage counts them" {
	trace major
	child=$(awk -F'\t' '$1 == "C" { print $5; exit }' "$T")
	read -r addr majd < <(awk '$1 == "file" { print $2, $5 }' "$OUT")
	[ -n "$addr" ]
	[ "$majd" -ge 1 ]
	run awk -F'\t' -v p="$child" -v a="$addr" '$1 == "F" && $3 == p && $11 == a && $8 == "major" && $12 ~ /mapped\.major$/' "$T"
	assert_equal "${#lines[@]}" "$majd"
}

@test "uvm.mm: every mmap-family call of the workload with its real result" {
	trace mm
	pid=$(exec_pid mm "$T")
	# the workload's lines: op addr len new_len result
	while read -r op addr len newlen result; do
		if [ "$result" = EINVAL ]; then
			run awk -F'\t' -v p="$pid" -v o="$op" -v a="$addr" '$1 == "M" && $3 == p && $5 == o && $6 == a && $14 == "EINVAL"' "$T"
		else
			run awk -F'\t' -v p="$pid" -v o="$op" -v a="$addr" -v l="$len" -v n="$newlen" -v r="$result" \
				'$1 == "M" && $3 == p && $5 == o && $6 == a && $7 == l && $8 == n && $13 == r && $14 == "-"' "$T"
		fi
		[ "${#lines[@]}" -ge 1 ] || { echo "no M record for: $op $addr $len $newlen $result"; false; }
	done < <(grep -E '^(mmap|munmap|mprotect|mremap|brk) ' "$OUT")
	[ "$(grep -cE '^(mmap|munmap|mprotect|mremap|brk) ' "$OUT")" -eq 9 ]
	run awk -F'\t' -v p="$pid" '$1 == "M" && $3 == p && $5 == "mmap" && $6 == "0x0" && $7 == 16384 { print $9, $10 }' "$T"
	assert_output "PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS"
}

@test "uvm.process: the whole tree with every exit status, signal, thread, exec and grandchild" {
	trace tree
	parent=$(awk '$1 == "parent" { print $2 }' "$OUT")
	[ -n "$parent" ]
	n=0
	while read -r _ pid kind expect; do
		n=$((n + 1))
		case $expect in
		exit:*) want=$'\t'"${expect#exit:}"$'\t0\t0' ;;
		signal:*) want=$'\t-1\t'"${expect#signal:}"$'\t0' ;;
		esac
		run awk -F'\t' -v p="$pid" '$1 == "X" && $3 == p && $5 == 1 { print "\t" $6 "\t" $7 "\t" $8 }' "$T"
		assert_output "$want"
		case $kind in
		thread)
			run awk -F'\t' -v p="$pid" '$1 == "C" && $3 == p && $5 == p && $8 == 1' "$T"
			assert_equal "${#lines[@]}" 1 ;;
		exec)
			run awk -F'\t' -v p="$pid" '$1 == "E" && $3 == p { print $8 }' "$T"
			assert_output 'tree leaf 7' ;;
		esac
		# every child was forked by its parent
		if [ "$kind" != grandchild ]; then
			run awk -F'\t' -v p="$pid" -v pp="$parent" '$1 == "C" && $3 == pp && $5 == p && $8 == 0' "$T"
			assert_equal "${#lines[@]}" 1
		fi
	done < <(grep -E '^(child|grandchild) ' "$OUT" | awk '{ if ($1 == "grandchild") print "x", $2, "grandchild", $3; else print }')
	assert_equal "$n" 9
}

@test "uvm.stp -G follow=0: only the target is traced" {
	trace follow0
	run awk -F'\t' '$1 == "X"' "$T"
	assert_equal "${#lines[@]}" 1
	run awk -F'\t' '$1 == "H" { print $8 }' "$T"
	assert_output 0
}

@test "uvm.stp -G mode=summary: counts, errors by errno and histogram aggregated in the kernel" {
	trace summary
	pid=$(exec_pid syscalls "$T")
	run awk -F'\t' '$1 == "S" || $1 == "F" || $1 == "M"' "$T"
	assert_output ""
	run awk -F'\t' -v p="$pid" '$1 == "s" && $2 == p && $4 == "getppid" { print $5, $6 }' "$T"
	assert_output "3000 0"
	run awk -F'\t' -v p="$pid" '$1 == "e" && $2 == p && $3 == 257 && $4 == "ENOENT" { print $5 }' "$T"
	assert_output 5
	# the histogram buckets of getppid add up to its count
	run awk -F'\t' -v p="$pid" '$1 == "h" && $2 == p && $3 == 110 { n += $5 } END { print n }' "$T"
	assert_output 3000
	run awk -F'\t' '$1 == "I" { print $4 }' "$T"
	assert_output 1
}

@test "uvm.stp: syscall counts agree with strace -f -c for the same workload" {
	trace strace-uvm
	# uvm: calls made after the workload's exec, by the workload and its child
	# (from the entry of the execve that starts it, as strace does)
	awk -F'\t' '$1 == "S" && !t && $6 == "execve" && $10 ~ /workloads\/syscalls/ { t = $2 }
		$1 == "S" && t && $2 >= t { n[$6]++ } END { for (k in n) print k, n[k] }' "$T" | sort >"$BATS_TEST_TMPDIR/uvm.counts"
	awk 'NR > 2 && $1 !~ /^-/ && $1 != "total" { print $1, $2 }' "$D/strace" | sort >"$BATS_TEST_TMPDIR/strace.counts"
	echo "# strace -f -c vs uvm:" >&3
	join -a1 -a2 -e 0 -o 0,1.2,2.2 "$BATS_TEST_TMPDIR/strace.counts" "$BATS_TEST_TMPDIR/uvm.counts" | sed 's/^/#   /' >&3
	# every call strace counted, uvm counted the same number of times
	while read -r name calls; do
		assert_equal "$name $(awk -v n="$name" '$1 == n { print $2 }' "$BATS_TEST_TMPDIR/uvm.counts")" "$name $calls"
	done <"$BATS_TEST_TMPDIR/strace.counts"
	grep -q '^getppid 700$' "$BATS_TEST_TMPDIR/strace.counts"
}

@test "uvm.stp -x PID: attaches to a running process and ends when its tree exits" {
	trace attach
	# the process was let go once every probe was armed
	run cat "$D/attach.err.armed"
	assert_output --regexp '^armed after [0-9]+ s$'
	pid=$(exec_pid syscalls "$T")
	run awk -F'\t' -v p="$pid" '$1 == "S" && $3 == p && $6 == "getppid"' "$T"
	assert_equal "${#lines[@]}" 1234
	run tail -n 1 "$T"
	assert_output --regexp $'^T\t'
}

@test "uvm.stp -x PID: a target that does not exist is a clear error, non-zero exit" {
	[ "$(cat "$D/nopid.status")" != 0 ]
	run cat "$D/nopid.err"
	assert_output --partial "target process 31999 does not exist"
}

@test "uvm.stp -G mode=summary: 150 short-lived processes, each flushed at exit, nothing lost" {
	# ~40 system calls each: 6000 (pid, syscall) pairs, more than
	# SystemTap's default array size; exited processes leave the arrays
	trace flush
	run tail -n 1 "$T"
	assert_output --regexp $'^T\t[0-9]+\t[0-9]+\t0\t0\t0\t0$'
	# every workload process: its getppid count, once, right after its exit
	run awk -F'\t' '$1 == "X" && $5 == 1 { x[$3] = 1; next } $1 == "s" && $4 == "getppid" && ($2 in x) && $5 == 5 { n++ } END { print n }' "$T"
	assert_output 150
}

# stack_pairs TRACE: "EVENTS STACKS BAD": S and F records, K records, and
# the K records not right after an S or F of the same pid and tid (or an
# S or F without its K)
stack_pairs() {
	awk -F'\t' '
		$1 == "S" || $1 == "F" { bad += want; want = 1; p = $3; t = $4; ev++; next }
		$1 == "K" { if (!want || $2 != p || $3 != t) bad++; want = 0; k++; next }
		{ bad += want; want = 0 }
		END { print ev + 0, k + 0, bad + 0 }' "$1"
}

@test "uvm.stp -G stacks=1: every system call and fault with its user stack; exact counts per call path" {
	trace stacks
	# format version 4, stacks announced; a K after every S and F
	run awk -F'\t' 'NR == 1 { print $3, $10 }' "$T"
	assert_output "4 syscall,fault,process,mm,stack"
	read -r ev k bad <<<"$(stack_pairs "$T")"
	echo "events $ev stacks $k bad $bad"
	[ "$ev" -gt 300 ] && [ "$ev" = "$k" ] && [ "$bad" = 0 ]
	"$UVM_COLLECT" -f folded "$T" >"$BATS_TEST_TMPDIR/calls"
	"$UVM_COLLECT" -f folded --weight faults "$T" >"$BATS_TEST_TMPDIR/faults"
	"$UVM_COLLECT" -f folded --weight time "$T" >"$BATS_TEST_TMPDIR/time"
	grep -v ld-linux "$BATS_TEST_TMPDIR/calls"
	# each call path of the workload (its own account: "path main;... N"),
	# rooted at the process and the program's entry, through libc's
	# wrapper: exactly N calls, on exactly one line
	while read -r what path n; do
		[ "$what" = path ] || continue
		run grep -cE "^stacks;_start;.*;$path;[^;]+;getppid [0-9]+\$" "$BATS_TEST_TMPDIR/calls"
		assert_output 1
		run grep -E "^stacks;_start;.*;$path;[^;]+;getppid [0-9]+\$" "$BATS_TEST_TMPDIR/calls"
		assert_output --regexp " $n\$"
	done <"$OUT"
	# and nothing else called getppid
	run awk '/;getppid [0-9]+$/ { n += $NF } END { print n }' "$BATS_TEST_TMPDIR/calls"
	assert_output 300
	# the touched pages: 50 faults in touch_pages, called by main
	run grep -E '^stacks;_start;.*;main;touch_pages;fault:anon [0-9]+$' "$BATS_TEST_TMPDIR/faults"
	assert_output --regexp ' 50$'
	# every call is counted once, every minor or major fault once
	run awk '{ n += $NF } END { print n }' "$BATS_TEST_TMPDIR/calls"
	assert_output "$(awk -F'\t' '$1 == "S"' "$T" | wc -l)"
	run awk '{ n += $NF } END { print n }' "$BATS_TEST_TMPDIR/faults"
	assert_output "$(awk -F'\t' '$1 == "F" && ($8 == "minor" || $8 == "major")' "$T" | wc -l)"
	# time: the calls' latencies and the user-mode faults'
	run awk '{ n += $NF } END { print n }' "$BATS_TEST_TMPDIR/time"
	assert_output "$(awk -F'\t' '$1 == "S" && $9 >= 0 { n += $9 } $1 == "F" && $7 ~ /u$/ && $9 >= 0 { n += $9 } END { print n }' "$T")"
	# the program's own stacks end at its entry: no marker frame after
	# its exec (the lines before it belong to the launcher's child)
	run grep -c '^stacks;\[' "$BATS_TEST_TMPDIR/calls"
	assert_output 0
}

@test "uvm.stp -G stacks=1: a stack cut by missing unwind data ends in a visible marker frame" {
	# the module has no unwind data for the syscalls binary: its stacks
	# stop where they reach it
	trace stackcut
	read -r ev k bad <<<"$(stack_pairs "$T")"
	[ "$ev" = "$k" ] && [ "$bad" = 0 ]
	"$UVM_COLLECT" -f folded "$T" >"$BATS_TEST_TMPDIR/calls"
	cat "$BATS_TEST_TMPDIR/calls"
	run grep -E ';getppid [0-9]+$' "$BATS_TEST_TMPDIR/calls"
	assert_output --regexp '^syscalls;\[unwind stopped\];([^;]+;)*getppid 300$'
}

@test "uvm.stp -G stacks=1 without the unwinder's tapsets: a clear error, not stacks of '-'" {
	[ "$(cat "$D/nounwinder.status")" != 0 ]
	run cat "$D/nounwinder.err"
	assert_output --partial "uvm: stacks=1 needs the unwinder compiled in: stap -I TAPSETS/stacks -I TAPSETS"
	run grep -c $'^K\t' "$D/nounwinder.trace"
	assert_output 0
}

@test "html: every workload's trace is one page in the browser, its numbers the JSON report's and folded stacks'" {
	local n traces=()
	for n in header syscalls faults major mm tree follow0 summary strace-uvm flush attach stacks; do
		trace "$n"
		traces+=("$T")
	done
	_html_check "${traces[@]}"
	F=$BATS_TEST_TMPDIR
	jq -e '.processes == 10' "$F/tree.html.facts"
	# the stacks workload's paths, 50, 100 and 150 calls
	jq -e '[.flame.leaves | to_entries[] | select(.key | endswith(";path_b;path_c;leaf;getppid;getppid")) | .value] == [150]' \
		"$F/stacks.html.facts"
}

@test "timeline: every workload's trace is a valid Perfetto timeline, a slice per system call and fault, a track per process" {
	local n
	for n in header syscalls faults major mm tree follow0 summary strace-uvm flush attach stacks; do
		trace "$n"
		_timeline_check "$T"
	done
	F=$BATS_TEST_TMPDIR
	# the tree: 10 processes, and no event on a track not its own (one
	# life slice per track)
	jq -e '.processes == 10 and .lives == 10' "$F/tree.facts"
	# 256 + 64 + ... faults, and their rate; the mmap family's memory
	jq -e '.faults >= 320 and .counters.faults > 0' "$F/faults.facts"
	jq -e '.counters.memory > 0' "$F/mm.facts"
	# summary mode: the totals at each snapshot, no slices
	jq -e '.syscalls == 0 and .faults == 0 and .counters.totals > 0' "$F/summary.facts"
}
