# common-setup.bash - loaded by every .bats file: bats-support/bats-assert,
# the build on PATH, a hermetic environment.
_common_setup() {
	load '/usr/lib/bats/bats-support/load'
	load '/usr/lib/bats/bats-assert/load'
	UVM_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
	export UVM_ROOT
	export LC_ALL=C
	export UVM_COLLECT="${UVM_COLLECT:-$UVM_ROOT/build/uvm-collect}"
	export UVM_VM="$UVM_ROOT/scripts/uvm-vm"
	W="$UVM_ROOT/build/workloads"
	# Guest outputs come back through a shared directory.
	export TMPDIR="$BATS_TEST_TMPDIR"
}

# Skip a guest test only when asked to; otherwise a missing image fails.
# The kernel profile is UVM_KERNEL (make check-guest sets it per run).
_guest_setup() {
	if [ "${UVM_SKIP_GUEST:-}" = 1 ]; then
		skip "UVM_SKIP_GUEST=1: guest tests not run"
	fi
	GUEST_KERNEL=$("$UVM_VM" info | sed -n 's/^kernel=//p')
	GUEST_ROOT=$("$UVM_VM" info | sed -n 's/^root=//p')
	GUEST_PROFILE=$("$UVM_VM" info | sed -n 's/^profile=//p')
	[ -n "$GUEST_KERNEL" ] && [ -d "$GUEST_ROOT" ]
}

# For setup_file of a guest test file that runs all its workloads in one
# boot: the common and guest setup, D (the file's directory, exported for
# the tests) and uvm.stp compiled once into $D/uvm.ko, with the stap
# options given, if any.
_guest_file_setup() {
	_common_setup
	_guest_setup
	D=$BATS_FILE_TMPDIR
	export D
	"$UVM_VM" compile -I "$UVM_ROOT/tapsets" "$@" "$UVM_ROOT/scripts/uvm.stp" "$D/uvm.ko"
}
