#!/usr/bin/env bats
# uvm-collect -f folded: flame graph stacks from K records, symbolized with
# libdwfl.  The traces here are made up around a real binary of this
# machine (the stacks workload, as if loaded at BASE), so that the frames
# resolve to its functions: the guests record real ones
# (tests/guest/10-tapsets.bats, 20-collect.bats).

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	load '../test_helper/stacks-trace'
	_common_setup
	_stacks_trace_setup
	T=$BATS_TEST_TMPDIR
}

@test "folded: stacks symbolized from the binary, rooted at comm, leaf the system call; equal stacks merged, exact counts" {
	local a b c
	a=$(K "$(at leaf 4)" "$(at path_a 9)" "$(at main 20)" "$(at _start 33)")
	b=$(K "$(at leaf 4)" "$(at path_b 9)" "$(at main 30)" "$(at _start 33)")
	c=$(K "$(at leaf 4)" "$(at path_c 5)" "$(at path_b 40)" "$(at main 30)" "$(at _start 33)")
	trace "$T/t" "$(S 2000 getppid 100)" "$a" "$(S 2100 getppid 300)" "$a" \
		"$(S 2200 getppid 50)" "$b" "$(S 2300 getppid 7)" "$c" "$(S 2400 getppid 8)" "$c" \
		"$(S 2500 getppid 9)" "$c"
	run -0 "$UVM_COLLECT" -f folded "$T/t"
	assert_output "$(printf '%s\n' 'stacks;_start;main;path_a;leaf;getppid 2' \
		'stacks;_start;main;path_b;leaf;getppid 1' 'stacks;_start;main;path_b;path_c;leaf;getppid 3')"
	# time: the latencies
	run -0 "$UVM_COLLECT" -f folded --weight time "$T/t"
	assert_output "$(printf '%s\n' 'stacks;_start;main;path_a;leaf;getppid 400' \
		'stacks;_start;main;path_b;leaf;getppid 50' 'stacks;_start;main;path_b;path_c;leaf;getppid 24')"
}

@test "folded: --weight faults counts minor and major faults, leaf the region; time adds user-mode faults" {
	local k
	k=$(K "$(at touch_pages 9)" "$(at main 40)" "$(at _start 33)")
	trace "$T/t" "$(F 2000 wu minor 100)" "$k" "$(F 2100 wu major 1000)" "$k" \
		"$(F 2200 wu retry 5)" "$k" "$(F 2300 wk minor 7)" "$k" "$(S 2400 read 30)" "$k"
	run -0 "$UVM_COLLECT" -f folded --weight faults "$T/t"
	# the trace's own first fault (file) has no stack
	assert_output 'stacks;_start;main;touch_pages;fault:anon 3'
	# time: the read, and the user-mode faults (the kernel-mode one is
	# inside a system call's time); a retry's time counts too
	run -0 "$UVM_COLLECT" -f folded --weight time "$T/t"
	assert_output "$(printf '%s\n' 'stacks;_start;main;touch_pages;fault:anon 1105' 'stacks;_start;main;touch_pages;read 30')"
	run -0 "$UVM_COLLECT" -f folded "$T/t"
	assert_output 'stacks;_start;main;touch_pages;read 1'
}

@test "folded: a stack cut short ends in a marker frame: unwind stopped, the depth bound, none at all" {
	local deep
	# not ending in _start: the unwinder stopped
	trace "$T/t" "$(S 2000 getppid 1)" "$(K "$(at leaf 4)" "$(at path_a 9)")" \
		"$(S 2100 getppid 1)" "$(printf 'K\t100\t100\t3\t%s %s %s' "$(at leaf 4)" "$(at path_c 5)" "$(at path_b 40)")" \
		"$(S 2200 getppid 1)" "$(printf 'K\t100\t100\t20\t-')" \
		"$(S 2300 getppid 1)" "$(K 0x10 "$(at main 20)" "$(at _start 33)")"
	run -0 "$UVM_COLLECT" -f folded "$T/t"
	assert_output "$(printf '%s\n' 'stacks;[deeper than 3 frames];path_b;path_c;leaf;getppid 1' \
		'stacks;[no user stack];getppid 1' 'stacks;[unwind stopped];path_a;leaf;getppid 1' \
		'stacks;_start;main;[unknown];getppid 1')"
}

@test "folded: a comm with ';', a newline and invalid UTF-8 stays one frame of one line" {
	trace "$T/t" $'E\t1500\t100\t100\t100\t/bin/x\ta;b\\nc\\xff\t-' "$(S 2000 getppid 1)" \
		"$(K "$(at leaf 4)" "$(at main 20)" "$(at _start 33)")"
	run -0 "$UVM_COLLECT" -f folded "$T/t"
	assert_output 'a\x3bb\x0ac\xff;[unwind stopped];[unknown];[unknown];[unknown];getppid 1'
	assert_equal "${#lines[@]}" 1
}

@test "folded: a K record not right after its system call or fault is a malformed line, named" {
	trace "$T/t" "$(S 2000 getppid 1)" "$(K "$(at leaf 4)")" "$(K "$(at leaf 4)")" \
		$'S\t2100\t100\t101\t110\tgetppid\t1\t-\t1\t-' "$(K "$(at leaf 4)")" \
		"$(S 2200 getppid 1)" $'K\t100\t100\t20\t0x12 0xzz' \
		"$(S 2300 getppid 1)" $'K\t100\t100\t2\t0x1 0x2 0x3' \
		"$(S 2400 getppid 1)" $'K\t100\t100\t20\t0x1  0x2' \
		"$(S 2500 getppid 1)" $'K\t100\t100\t99\t0x1'
	run -3 --separate-stderr "$UVM_COLLECT" -f json "$T/t"
	jq -e '.loss.malformed_lines == 6' <<<"$output"
	run -0 jq -r '.loss.first_malformed[] | "\(.line): \(.error)"' <<<"$output"
	assert_line --index 0 '6: a stack (K) not right after its system call (S) or fault (F)'
	assert_line --index 1 '8: a stack (K) not right after its system call (S) or fault (F)'
	assert_line --index 2 '10: a frame is not 0x and hex'
	assert_line --index 3 '12: more frames than max_frames'
	assert_line --index 4 '14: a frame is not 0x and hex'
	# the good one is still counted
	run -3 "$UVM_COLLECT" -f folded "$T/t"
	assert_line 'stacks;[unwind stopped];leaf;getppid 1'
}

@test "folded: a trace without stacks is an error, not an empty graph; --weight and --stacks are checked" {
	run -2 "$UVM_COLLECT" -f folded "$BATS_TEST_DIRNAME/fixtures/syscalls.trace"
	assert_output --partial 'syscalls.trace: the trace has no stacks (record them with --stacks'
	run -1 "$UVM_COLLECT" --weight time "$BATS_TEST_DIRNAME/fixtures/syscalls.trace"
	assert_output --partial '--weight is for -f folded'
	run -1 "$UVM_COLLECT" -f folded --weight bytes "$BATS_TEST_DIRNAME/fixtures/syscalls.trace"
	assert_output --partial "--weight: 'bytes' is not calls, time or faults"
	run -1 "$UVM_COLLECT" --stacks "$BATS_TEST_DIRNAME/fixtures/syscalls.trace"
	assert_output --partial '--stacks records stacks in a live run'
	run -1 "$UVM_COLLECT" --stacks -m summary -- /bin/true
	assert_output --partial '--stacks records stacks in a live run (-p, --) in events mode'
	# other formats read a trace with stacks as before
	trace "$T/t" "$(S 2000 getppid 1)" "$(K "$(at leaf 4)")"
	run -0 "$UVM_COLLECT" -f json "$T/t"
	jq -e '.processes[0].syscalls[0].calls == 1' <<<"$output"
}

@test "folded: --no-symbols writes the addresses as recorded; only the depth bound is marked" {
	trace "$T/t" "$(S 2000 getppid 1)" "$(K 0x1 0x2)" \
		"$(S 2100 getppid 1)" "$(printf 'K\t100\t100\t2\t0xa 0xb')"
	run -0 "$UVM_COLLECT" -f folded --no-symbols "$T/t"
	assert_output "$(printf '%s\n' 'stacks;0x2;0x1;getppid 1' 'stacks;[deeper than 2 frames];0xb;0xa;getppid 1')"
}

@test "folded: a trace naming a FIFO as a mapped file does not hang the symbolizer" {
	mkfifo "$T/fifo"
	trace "$T/t" $'F\t1500\t100\t100\t0x7f0000000000\t0x7f0000000010\tru\tminor\t1\tfile\t0x7f0000000000\t'"$T/fifo" \
		"$(K 0x7f0000000010)" "$(S 2000 getppid 1)" "$(K 0x7f0000000010)"
	run -0 timeout 20 "$UVM_COLLECT" -f folded "$T/t"
	assert_output 'stacks;[unwind stopped];[unknown];getppid 1'
	run -0 timeout 20 "$UVM_COLLECT" "$T/t"
}

@test "folded: a forked child's stacks resolve in the files it inherited; an exec'd image in its own" {
	local k
	k=$(K "$(at leaf 4)" "$(at path_a 9)" "$(at main 20)" "$(at _start 33)")
	trace "$T/t" $'C\t1500\t100\t100\t101\t101\t0x1200011\t0\tstacks' \
		$'S\t2000\t101\t101\t110\tgetppid\t1\t-\t5\t-' "${k/K$'\t'100$'\t'100/K$'\t'101$'\t'101}" \
		$'E\t2100\t101\t101\t101\t/bin/other\tother\t-' \
		$'S\t2200\t101\t101\t110\tgetppid\t1\t-\t5\t-' "${k/K$'\t'100$'\t'100/K$'\t'101$'\t'101}"
	run -0 "$UVM_COLLECT" -f folded "$T/t"
	# before its exec, the parent's binary; after it, nothing of it
	assert_output "$(printf '%s\n' 'other;[unwind stopped];[unknown];[unknown];[unknown];[unknown];getppid 1' \
		'stacks;_start;main;path_a;leaf;getppid 1')"
}

@test "folded: weights stop at the largest number instead of wrapping; a K in a version 1 trace is malformed" {
	local k
	k=$(K "$(at leaf 4)" "$(at main 20)" "$(at _start 33)")
	trace "$T/t" "$(S 2000 getppid 9223372036854775807)" "$k" "$(S 2100 getppid 9223372036854775807)" "$k" \
		"$(S 2200 getppid 2)" "$k"
	run -0 "$UVM_COLLECT" -f folded --weight time "$T/t"
	assert_output 'stacks;_start;main;leaf;getppid 18446744073709551615'
	sed -i '1s/\tuvm-trace\t2\t/\tuvm-trace\t1\t/' "$T/t"
	run -3 --separate-stderr "$UVM_COLLECT" -f json "$T/t"
	jq -e '.loss.malformed_lines == 3 and .loss.first_malformed[0].error == "a stack (K) in a version 1 trace"' <<<"$output"
}

@test "folded: a successful execve's only frame is the new image's entry point: complete, no marker" {
	trace "$T/t" $'S\t2000\t100\t100\t59\texecve\t0\t-\t5\t-' "$(K "$(at _start 0)")" \
		"$(S 2100 getppid 1)" "$(K "$(at _start 0)")"
	run -0 "$UVM_COLLECT" -f folded "$T/t"
	# a system call's frame 0 is looked up before it (the instruction
	# after the syscall): for getppid, _start's first byte is not its
	# call; for execve it is where the new image starts
	assert_line --index 1 'stacks;_start;execve 1'
	assert_line --index 0 --regexp '^stacks;\[unwind stopped\];[^;]+;getppid 1$'
}

@test "diff --folded: two traces with stacks: stack BASE NEW for every stack on either side, 0 where absent, sorted" {
	local a b c
	a=$(K "$(at leaf 4)" "$(at path_a 9)" "$(at main 20)" "$(at _start 33)")
	b=$(K "$(at leaf 4)" "$(at path_b 9)" "$(at main 30)" "$(at _start 33)")
	c=$(K "$(at leaf 4)" "$(at path_c 5)" "$(at path_b 40)" "$(at main 30)" "$(at _start 33)")
	# base: a twice, b once; new: a once, c three times
	trace "$T/base" "$(S 2000 getppid 100)" "$a" "$(S 2100 getppid 300)" "$a" "$(S 2200 getppid 50)" "$b"
	trace "$T/new" "$(S 2000 getppid 1000)" "$a" "$(S 2300 getppid 7)" "$c" "$(S 2400 getppid 8)" "$c" \
		"$(S 2500 getppid 9)" "$c"
	run -0 "$UVM_COLLECT" diff --folded "$T/base" "$T/new"
	assert_output "$(printf '%s\n' 'stacks;_start;main;path_a;leaf;getppid 2 1' \
		'stacks;_start;main;path_b;leaf;getppid 1 0' 'stacks;_start;main;path_b;path_c;leaf;getppid 0 3')"
	# --weight applies to both sides; -o writes the file
	run -0 "$UVM_COLLECT" diff --folded --weight time -o "$T/out" "$T/base" "$T/new"
	assert_output ''
	run cat "$T/out"
	assert_output "$(printf '%s\n' 'stacks;_start;main;path_a;leaf;getppid 400 1000' \
		'stacks;_start;main;path_b;leaf;getppid 50 0' 'stacks;_start;main;path_b;path_c;leaf;getppid 0 24')"
	# a trace cut short (no trailer) is compared as it is, and said
	head -n -1 "$T/new" >"$T/cut"
	run -0 --separate-stderr "$UVM_COLLECT" diff --folded "$T/base" "$T/cut"
	assert_output "$(printf '%s\n' 'stacks;_start;main;path_a;leaf;getppid 2 1' \
		'stacks;_start;main;path_b;leaf;getppid 1 0' 'stacks;_start;main;path_b;path_c;leaf;getppid 0 3')"
	[[ "$stderr" == *"$T/cut: the trace is incomplete"* ]]
	run -0 --separate-stderr "$UVM_COLLECT" diff --folded "$T/base" "$T/new"
	[ -z "$stderr" ]
}

@test "diff --folded: a trace against folded stacks (-f folded's output, or any): duplicates add up, empty lines skipped" {
	local a
	a=$(K "$(at leaf 4)" "$(at path_a 9)" "$(at main 20)" "$(at _start 33)")
	trace "$T/base" "$(S 2000 getppid 100)" "$a" "$(S 2100 getppid 300)" "$a"
	"$UVM_COLLECT" -f folded -o "$T/base.folded" "$T/base"
	printf '%s\n' 'stacks;_start;main;path_a;leaf;getppid 5' '' 'other;x 7' 'stacks;_start;main;path_a;leaf;getppid 1' >"$T/new.folded"
	run -0 "$UVM_COLLECT" diff --folded "$T/base" "$T/new.folded"
	assert_output "$(printf '%s\n' 'other;x 0 7' 'stacks;_start;main;path_a;leaf;getppid 2 6')"
	# folded on both sides; the same the other way round
	run -0 "$UVM_COLLECT" diff --folded "$T/new.folded" "$T/base.folded"
	assert_output "$(printf '%s\n' 'other;x 7 0' 'stacks;_start;main;path_a;leaf;getppid 6 2')"
}

@test "diff --folded: a trace without stacks, a line that is no folded stack, a missing file: exit 2 naming it; bad options exit 1" {
	run -2 "$UVM_COLLECT" diff --folded "$BATS_TEST_DIRNAME/fixtures/syscalls.trace" "$BATS_TEST_DIRNAME/fixtures/syscalls.trace"
	assert_output --partial "syscalls.trace: the trace has no stacks"
	printf 'a;b 1\nnot folded\n' >"$T/bad"
	run -2 "$UVM_COLLECT" diff --folded "$T/bad" "$T/bad"
	assert_output --partial "$T/bad:2: neither a uvm trace nor folded stacks"
	printf 'a;b 1x\n' >"$T/bad"
	run -2 "$UVM_COLLECT" diff --folded "$T/bad" "$T/bad"
	assert_output --partial "$T/bad:1:"
	run -2 "$UVM_COLLECT" diff --folded "$T/nothere" "$T/bad"
	assert_output --partial "$T/nothere: No such file"
	run -1 "$UVM_COLLECT" diff --folded -f json "$T/bad" "$T/bad"
	assert_output --partial "--format compares reports"
	run -1 "$UVM_COLLECT" diff --weight time "$T/bad" "$T/bad"
	assert_output --partial "--weight is for --folded"
	run -1 "$UVM_COLLECT" diff --folded --weight bytes "$T/bad" "$T/bad"
	assert_output --partial "is not calls, time or faults"
}
