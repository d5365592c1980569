#!/usr/bin/env bats
# make install / uninstall with DESTDIR and prefix.

setup() {
	load '../test_helper/common-setup'
	_common_setup
}

@test "make install: binary, tapsets, script, runtime, examples and man page under DESTDIR; uninstall removes them" {
	d="$BATS_TEST_TMPDIR/root"
	run make -s -C "$UVM_ROOT" install DESTDIR="$d" prefix=/opt/uvm
	assert_success
	for f in bin/uvm-collect share/uvm/tapsets/uvm_runtime.stp share/uvm/tapsets/uvm_syscall.stp \
		share/uvm/tapsets/uvm_stack.stp share/uvm/tapsets/stacks/uvm_stack.stp \
		share/uvm/scripts/uvm.stp share/uvm/runtime/uvm_trace.h share/uvm/examples/proctree.stp \
		share/man/man1/uvm-collect.1 share/doc/uvm/trace-format.md; do
		[ -f "$d/opt/uvm/$f" ] || { echo "missing $f"; false; }
	done
	# the installed binary finds the installed tapsets and script
	run "$d/opt/uvm/bin/uvm-collect" -v --no-guest -- true
	assert_output --partial "-I $d/opt/uvm/bin/../share/uvm/tapsets"
	assert_output --partial "$d/opt/uvm/bin/../share/uvm/scripts/uvm.stp"
	# with stacks: the unwinder's tapsets first, and the command's unwind data
	run "$d/opt/uvm/bin/uvm-collect" -v --no-guest --stacks -- true
	assert_output --partial "-I $d/opt/uvm/bin/../share/uvm/tapsets/stacks -I $d/opt/uvm/bin/../share/uvm/tapsets -G"
	assert_output --partial "-G stacks=1 -d $(readlink -f "$(type -P true)") --ldd"
	run make -s -C "$UVM_ROOT" uninstall DESTDIR="$d" prefix=/opt/uvm
	assert_success
	assert_equal "$(find "$d" -type f | wc -l)" 0
}
