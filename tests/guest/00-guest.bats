#!/usr/bin/env bats
# The guest itself: a real kernel (the profile's) that loads SystemTap modules.

bats_require_minimum_version 1.5.0

# One boot for the first four tests: the kernel's release on stdout, a
# line on stderr, a file written to a shared directory, exit status 7.
setup_file() {
	load '../test_helper/common-setup'
	_guest_file_dir
	rc=0
	"$UVM_VM" run --share "$D" -- sh -c 'uname -r; echo to-err >&2; echo guest >"$1/f"; exit 7' sh "$D" \
		>"$D/out" 2>"$D/err" || rc=$?
	echo "$rc" >"$D/rc"
}

setup() {
	load '../test_helper/common-setup'
	_common_setup
	_guest_setup
}

# what the shared boot did, for a failure's message
booted() { echo "uvm-vm run: exit $(cat "$D/rc"); stdout: $(cat "$D/out"); stderr: $(cat "$D/err")"; }

@test "uvm-vm run: the guest boots its profile's Debian kernel" {
	booted
	run cat "$D/out"
	assert_output "$GUEST_KERNEL"
	# the profile is named by the kernel's major.minor
	assert_output --regexp "^${GUEST_PROFILE//./\\.}\\.[0-9]+[-+]"
}

@test "uvm-vm run: the command's exit status comes back" {
	assert_equal "$(cat "$D/rc")" 7
}

@test "uvm-vm run: stdout and stderr are streamed separately" {
	run cat "$D/out"
	assert_output "$GUEST_KERNEL"
	run cat "$D/err"
	assert_output to-err
}

@test "uvm-vm run: a shared directory is writable at the same path" {
	run cat "$D/f"
	assert_output guest
}

@test "uvm-vm run: a hung guest is killed at the timeout with a message" {
	run "$UVM_VM" run --timeout 10 -- sleep 600
	assert_equal "$status" 124
	assert_output --partial "timeout"
}

@test "uvm-vm stap: tracepoint and embedded C count exactly 4321 getppid calls" {
	run "$UVM_VM" stap -g "$BATS_TEST_DIRNAME/smoke.stp" -- "$W/syscalls" 4321 0
	assert_success
	assert_line "getppid 4321"
	assert_line "embedded_c_ppid_matches 4321"
}

@test "uvm-vm stap: a compile error is shown as stap prints it, exit 3" {
	printf 'probe nosuch.probe.point { }\n' >"$BATS_TEST_TMPDIR/bad.stp"
	run "$UVM_VM" stap "$BATS_TEST_TMPDIR/bad.stp" -- true
	assert_equal "$status" 3
	assert_output --partial "semantic error"
}

@test "uvm-vm build: a second build with nothing changed rebuilds nothing" {
	run "$UVM_VM" build
	assert_success
	assert_output --partial "guest image ready"
	refute_output --partial "debootstrap"
	refute_output --partial "installing"
	refute_output --partial "booting"
}

@test "uvm-vm run: a guest kernel that panics is reported with its console's last lines, exit 125" {
	run "$UVM_VM" run --timeout 120 -- sh -c 'echo c > /proc/sysrq-trigger'
	assert_equal "$status" 125
	assert_output --partial "stopped without reporting an exit status"
	assert_output --partial "Kernel panic"
}

@test "uvm-vm stap: stap's own options reach it unparsed (-L, -l, -p), no guest needed" {
	run "$UVM_VM" stap -I "$UVM_ROOT/tapsets" -L 'uvm.syscall'
	assert_success
	assert_output --regexp '^uvm\.syscall .*argstr:string'
	run "$UVM_VM" stap -I "$UVM_ROOT/tapsets" -l 'uvm.process.*'
	assert_success
	assert_line uvm.process.exec
	# perf_event_exit_task, which an optional probe needs, is there
	assert_line uvm.process.counts
	run "$UVM_VM" stap -p2 -e 'probe kernel.trace("sys_enter") { printf("%d\n", $id) }'
	assert_success
	assert_output --partial 'kernel.trace("raw_syscalls:sys_enter")'
}
