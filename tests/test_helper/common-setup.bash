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

# _guest_compile [STAP-OPTIONS] SCRIPT OUT.ko: uvm-vm compile, once per
# bats run for the same arguments and guest kernel.  stap does not cache
# a module compiled under a name of ours (uvm-vm compile's -m NAME), and
# each compile takes 15-20 s; within one bats run the tree does not
# change, so the first module made for these arguments is the module.
_guest_compile() {
	local out=${*: -1} name key dir
	name=$(basename "$out")
	key=$(printf '%s\0' "$GUEST_KERNEL" "$name" "${@:1:$#-1}" | sha256sum | cut -c1-32)
	dir=$BATS_RUN_TMPDIR/modules/$key
	if [ ! -f "$dir/$name" ]; then
		mkdir -p "$dir"
		"$UVM_VM" compile "${@:1:$#-1}" "$dir/$name" || return
	fi
	cp "$dir/$name" "$out"
}

# For setup_file of a guest test file whose tests share what its runs
# left: the common and guest setup, and D, the file's directory, exported
# for the tests.
_guest_file_dir() {
	_common_setup
	_guest_setup
	D=$BATS_FILE_TMPDIR
	export D
}

# For setup_file of a guest test file that runs all its workloads in one
# boot: _guest_file_dir, and uvm.stp compiled into $D/uvm.ko, with the
# stap options given, if any.
_guest_file_setup() {
	_guest_file_dir
	_guest_compile -I "$UVM_ROOT/tapsets" "$@" "$UVM_ROOT/scripts/uvm.stp" "$D/uvm.ko"
}

# _timeline_check TRACE: TRACE as a timeline (uvm-collect -f perfetto) in
# $BATS_TEST_TMPDIR/NAME.perfetto.json, checked: a valid Chrome Trace
# Event document (tests/host/perfetto-check.py), a slice for each system
# call and fault record of the trace, a track and a life slice for each
# process of its JSON report.  What it shows (tests/host/timeline-facts.py)
# is left in NAME.facts beside it.  A trace that is incomplete (exit 3)
# converts too.
_timeline_check() {
	local trace=$1 t=$BATS_TEST_TMPDIR name rc=0 facts
	name=$(basename "$trace" .trace)
	"$UVM_COLLECT" -f perfetto -o "$t/$name.perfetto.json" "$trace" || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 3 ]
	python3 "$UVM_ROOT/tests/host/perfetto-check.py" "$t/$name.perfetto.json"
	python3 "$UVM_ROOT/tests/host/timeline-facts.py" "$t/$name.perfetto.json" >"$t/$name.facts"
	rc=0
	"$UVM_COLLECT" -f json -o "$t/$name.report.json" "$trace" || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 3 ]
	facts=$(cat "$t/$name.facts")
	echo "timeline of $name: $(jq -c 'del(.names)' <<<"$facts")"
	# records that were not malformed (then the trace's lines are not
	# all records, and awk cannot count them)
	if jq -e '.loss.malformed_lines == 0' <<<"$facts" >/dev/null; then
		jq -e --argjson s "$(awk -F'\t' '$1 == "S"' "$trace" | wc -l)" \
			--argjson f "$(awk -F'\t' '$1 == "F"' "$trace" | wc -l)" \
			'.syscalls == $s and .faults == $f' <<<"$facts"
	fi
	jq -e --argjson n "$(jq '.processes | length' "$t/$name.report.json")" \
		'.processes == $n and .lives == $n' <<<"$facts"
}

# _html_check TRACE...: each TRACE as an HTML report (uvm-collect -f html)
# in $BATS_TEST_TMPDIR/NAME.html, beside its JSON report and, when the
# trace has stacks, its folded stacks; all pages loaded in one headless
# Chromium (tests/host/html-check.py): no console error, no network, every
# number as the JSON and folded say, sorting and zoom work.  What each
# page shows is left in NAME.html.facts.  An incomplete trace (exit 3)
# converts too.
_html_check() {
	local trace t=$BATS_TEST_TMPDIR name rc args=()
	for trace in "$@"; do
		name=$(basename "$trace" .trace)
		rc=0
		"$UVM_COLLECT" -f html -o "$t/$name.html" "$trace" || rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 3 ]
		rc=0
		"$UVM_COLLECT" -f json -o "$t/$name.html.json" "$trace" || rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 3 ]
		args+=("$t/$name.html" --json "$t/$name.html.json" --facts-out "$t/$name.html.facts")
		if grep -q $'^K\t' "$trace"; then
			rc=0
			"$UVM_COLLECT" -f folded -o "$t/$name.html.folded" "$trace" || rc=$?
			[ "$rc" = 0 ] || [ "$rc" = 3 ]
			args+=(--folded "$t/$name.html.folded")
		fi
	done
	/usr/bin/python3 "$UVM_ROOT/tests/host/html-check.py" "${args[@]}"
}

# _per_process REPORT.json: what a counted run's report must say of each
# process's own perf counts on its guest kernel (helpers/counters.h):
# "module" before 6.15 (6.1 and 6.12 write no read record at a task's
# exit: the trace's N records give them), "all" from it (the guests'
# one vCPU: none is lost).
_per_process() {
	local kv
	kv=$(jq -r '.kernel' "$1" | awk -F'[.-]' '{ print $1 * 1000 + $2 }')
	if [ "$kv" -ge 6015 ]; then echo all; else echo module; fi
}
