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

@test "tapsets/uvm_runtime.stp: an emitter, uvm_emit_<record>(), for every record of UVM_RECORDS, each documented" {
	names=$(sed -n "s/^[[:space:]]*R('.', [A-Z_]*, \([a-z_]*\), UVM_[A-Z_]*_FIELDS).*/\1/p" "$UVM_ROOT/runtime/uvm_trace.h")
	[ "$(wc -w <<<"$names")" -ge 14 ]
	for n in $names; do
		grep -q "^function uvm_emit_$n (" "$UVM_ROOT/tapsets/uvm_runtime.stp" || { echo "no uvm_emit_$n"; false; }
		grep -q "^ \* sfunction uvm_emit_$n - " "$UVM_ROOT/tapsets/uvm_runtime.stp" || { echo "uvm_emit_$n undocumented"; false; }
	done
	# and every emitter the scripts call exists
	for f in $(grep -ho 'uvm_emit_[a-z_]*(' "$UVM_ROOT"/scripts/uvm.stp "$UVM_ROOT"/examples/*.stp \
			"$UVM_ROOT"/tapsets/*.stp | sort -u | tr -d '('); do
		grep -q "^function $f (" "$UVM_ROOT/tapsets/uvm_runtime.stp" || { echo "$f called, not defined"; false; }
	done
}

@test "uvm_emit_syscall: its arguments are the S record's fields in UVM_SYSCALL_FIELDS' order" {
	fields=$(awk '/^#define UVM_SYSCALL_FIELDS/ { on = 1; next } on && /F\(/ {
		f = $0; sub(/.*F\([A-Z_]*, "/, "", f); sub(/".*/, "", f); printf "%s%s", sep, f; sep = " " }
		on && !/\\$/ { on = 0 }' \
		"$UVM_ROOT/runtime/uvm_trace.h")
	args=$(sed -n 's/^function uvm_emit_syscall (\(.*\)) %{$/\1/p' "$UVM_ROOT/tapsets/uvm_runtime.stp" |
		sed 's/:[a-z]*//g; s/,//g')
	assert_equal "$args" "$fields"
	assert_equal "$fields" "ts pid tid nr name ret errno lat_ns args"
}

# The README's promise: a new event is its record in runtime/uvm_trace.h,
# its use in a tapset and its handler in helpers/trace.c; the emitter and
# the parser's table entry follow from the header.
@test "a new record type: the header line gives its emitter and parser entry; a handler makes uvm-collect read it" {
	d=$(mktemp -d "$BATS_TEST_TMPDIR/tree.XXXXXX")
	cp -r "$UVM_ROOT/Makefile" "$UVM_ROOT/runtime" "$UVM_ROOT/helpers" "$UVM_ROOT/tapsets" "$d/"
	mkdir -p "$d/scripts" && cp "$UVM_ROOT/scripts/install-deps" "$d/scripts/"
	# 1. the record, in the one definition: its fields and its R() line
	awk '/^\/\* printf format of a record/ {
		print "/* Z: a test record.  From tests/host/runtime.bats: note is a word. */"
		print "#define UVM_ZAP_FIELDS(F) \\"
		print "\tF(TS, \"ts\", I, \"%lld\") \\"
		print "\tF(PID, \"pid\", I, \"%lld\") \\"
		print "\tF(NOTE, \"note\", S, \"%s\") \\"
		print "\tF(ADDR, \"addr\", X, \"0x%llx\")"
		print ""
	}
	{ print }' "$UVM_ROOT/runtime/uvm_trace.h" |
		sed "s/^\(\tR('T', TRAILER, trailer, UVM_TRAILER_FIELDS)\)\$/\1 \\\\\n\tR('Z', ZAP, zap, UVM_ZAP_FIELDS)/" \
		>"$d/runtime/uvm_trace.h"
	grep -q "R('Z', ZAP, zap, UVM_ZAP_FIELDS)" "$d/runtime/uvm_trace.h"
	# 2. its use in a tapset
	cat >"$d/tapsets/uvm_zap.stp" <<-'STP'
	function uvm_zap (note:string, addr:long) { uvm_emit_zap(uvm_now(), pid(), note, addr) }
	STP

	# the emitter is generated, fields in order, documented
	run "$d/runtime/gen-runtime"
	assert_success
	assert_line 'function uvm_emit_zap (ts:long, pid:long, note:string, addr:long) %{'
	assert_line ' * sfunction uvm_emit_zap - Write a Z record: a test record'
	assert_line ' * @note: the note field, a string, written as given'
	assert_line --partial 'UVM_EMIT(UVM_FMT(UVM_ZAP_FIELDS, "Z"), (long long)STAP_ARG_ts,'
	assert_line --partial '(long long)STAP_ARG_pid, STAP_ARG_note,'
	assert_line --partial '(unsigned long long)STAP_ARG_addr);'

	# without its handler the collector does not build
	run make -s -C "$d" BUILD="$d/build" "$d/build/uvm-collect"
	assert_failure
	assert_output --partial record_zap

	# 3. its handler: the process it names, with the note as its name
	cat >>"$d/helpers/trace.c" <<-'C'

	static int record_zap(struct uvm_parser *ps, const struct rec_zap *r)
	{
		struct uvm_process *pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);

		snprintf(pr->comm, sizeof(pr->comm), "%s@%llx", r->NOTE.s, (unsigned long long)r->ADDR.i);
		return 0;
	}
	C
	run make -s -C "$d" BUILD="$d/build" "$d/build/uvm-collect"
	assert_success
	{
		head -n 1 "$UVM_ROOT/tests/host/fixtures/syscalls.trace"
		printf 'Z\t5\t4242\tzapped\t0xbeef\n'
		printf 'T\t6\t2\t0\t0\t0\t0\n'
	} >"$d/zap.trace"
	run "$d/build/uvm-collect" --no-symbols -f json "$d/zap.trace"
	assert_success
	assert_equal "$(jq -c '[.processes[] | {pid, comm}]' <<<"$output")" '[{"pid":4242,"comm":"zapped@beef"}]'
	# a Z line with a field missing is malformed, counted, and named
	printf 'Z\t7\t4243\tshort\n' >>"$d/zap.trace"
	run "$d/build/uvm-collect" --no-symbols "$d/zap.trace"
	assert_failure 3
	assert_output --partial 'ZAP record has 3 fields, expected 4'
}
