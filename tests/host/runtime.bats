#!/usr/bin/env bats
# The generated, committed tapsets/uvm_runtime.stp against its sources.

setup() {
	load '../test_helper/common-setup'
	_common_setup
}

@test "tapsets/uvm_runtime.stp is what runtime/gen-runtime makes of runtime/ (else: make runtime)" {
	run diff -u "$UVM_ROOT/tapsets/uvm_runtime.stp" <("$UVM_ROOT/runtime/gen-runtime")
	assert_success
}

@test "runtime/gen-runtime: a changed runtime header makes the committed file stale" {
	cp -r "$UVM_ROOT/runtime" "$BATS_TEST_TMPDIR/runtime"
	echo '/* changed */' >>"$BATS_TEST_TMPDIR/runtime/uvm_escape.h"
	run diff -q "$UVM_ROOT/tapsets/uvm_runtime.stp" <("$BATS_TEST_TMPDIR/runtime/gen-runtime")
	assert_failure
}
