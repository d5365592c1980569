#!/usr/bin/env bats
# The project's shell scripts, checked by shellcheck.

setup() {
	load '../test_helper/common-setup'
	_common_setup
}

@test "shellcheck: scripts/uvm-vm, scripts/vm/*, .ci/run and the other scripts are clean" {
	cd "$UVM_ROOT"
	run shellcheck -x scripts/uvm-vm scripts/vm/in-chroot scripts/vm/run-staprun \
		scripts/vm/capture-staprun scripts/install-deps scripts/uvm-demo runtime/gen-runtime .ci/run \
		bench/run bench/guest.sh bench/collector bench/longrun
	assert_success
}
