#!/usr/bin/env bats
# The JSON and XML reports are one tree (docs/uvm-collect.md): on every
# recorded trace, each JSON path has its XML counterpart with the same
# value, the XML nothing more, and docs/uvm-collect.xsd declares it.

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	_common_setup
	F="$BATS_TEST_DIRNAME/fixtures"
	PARITY="$BATS_TEST_DIRNAME/report-parity.py"
	DOC="$UVM_ROOT/docs/uvm-collect.md"
	XSD="$UVM_ROOT/docs/uvm-collect.xsd"
	T=$BATS_TEST_TMPDIR
}

# The fixtures (events and summary mode), plus one with malformed lines
# (loss.first_malformed has items): NAME.json and NAME.xml in $T, NAMEs
# in $traces.
reports() {
	local f name
	{ head -n 5 "$F/syscalls.trace"; printf 'S\tgarbage\n'; printf 'X\t1\n'; tail -n +6 "$F/syscalls.trace"; } >"$T/malformed.trace"
	traces=""
	for f in "$F"/*.trace "$T/malformed.trace"; do
		name=$(basename "$f" .trace)
		"$UVM_COLLECT" -f json -o "$T/$name.json" "$f" || [ $? = 3 ]
		"$UVM_COLLECT" -f xml -o "$T/$name.xml" "$f" || [ $? = 3 ]
		traces="$traces $name"
	done
	[ -s "$T/tree.json" ] && [ -s "$T/summary.xml" ] && [ -s "$T/malformed.xml" ]
}

@test "uvm-collect json, xml: every JSON path of every fixture's report is in the XML, same value, declared in the XSD" {
	reports
	for n in $traces; do
		run python3 "$PARITY" "$DOC" "$XSD" "$T/$n.json" "$T/$n.xml"
		assert_success
		assert_output --partial "all in the XML with the same values and declared in the XSD"
	done
	# the fields the XML once lacked are there now
	for a in probe_errors timed start_ns end_ns nvcsw nivcsw execs core_dumped total_ns \
		heap_bytes peak_heap_bytes mapped_bytes follow realtime_ns; do
		[ "$(xmllint --xpath "count(//@$a)" "$T/tree.xml")" -gt 0 ] || fail "no @$a in the XML"
	done
	for e in by_access sites; do
		[ "$(xmllint --xpath "count(//$e)" "$T/tree.xml")" -gt 0 ] || fail "no <$e> in the XML"
	done
	assert_equal "$(xmllint --xpath 'string(/uvm-profile/loss/first_malformed/malformed[1]/@error)' "$T/malformed.xml")" \
		"$(jq -r '.loss.first_malformed[0].error' "$T/malformed.json")"
}

@test "uvm-collect xml: every fixture's report validates against docs/uvm-collect.xsd" {
	reports
	for n in $traces; do
		run xmllint --noout --schema "$XSD" "$T/$n.xml"
		assert_success
	done
}

@test "report-parity.py: fails on an XML without a field or an element, a wrong value, an XSD or a mapping table without a field" {
	reports
	# an attribute missing from one process
	sed '0,/ nvcsw="[0-9]*"/s/// ' "$T/tree.xml" >"$T/lacks.xml"
	run python3 "$PARITY" "$DOC" "$XSD" "$T/tree.json" "$T/lacks.xml"
	assert_failure
	assert_output --partial '.processes[].nvcsw: '
	# an element missing
	sed '0,/<by_access>/s//<by_accesz>/; 0,/<\/by_access>/s//<\/by_accesz>/' "$T/tree.xml" >"$T/renamed.xml"
	run python3 "$PARITY" "$DOC" "$XSD" "$T/tree.json" "$T/renamed.xml"
	assert_failure
	assert_output --partial "XML elements"
	# a value that differs
	sed '0,/ calls="\([0-9]*\)"/s// calls="1\1"/' "$T/tree.xml" >"$T/wrong.xml"
	run python3 "$PARITY" "$DOC" "$XSD" "$T/tree.json" "$T/wrong.xml"
	assert_failure
	assert_output --partial '.processes[].syscalls[].calls: '
	# the schema without an attribute the JSON has (null in file input)
	grep -v 'name="staprun_skipped"' "$XSD" >"$T/lacks.xsd"
	run python3 "$PARITY" "$DOC" "$T/lacks.xsd" "$T/tree.json" "$T/tree.xml"
	assert_failure
	assert_output --partial ".loss.staprun_skipped: /uvm-profile/loss/@staprun_skipped not declared"
	# a mapping table without an array
	grep -v '^| `children` |' "$DOC" >"$T/lacks.md"
	run python3 "$PARITY" "$T/lacks.md" "$XSD" "$T/tree.json" "$T/tree.xml"
	assert_failure
	assert_output --partial "does not name"
}
