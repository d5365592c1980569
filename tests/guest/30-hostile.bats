#!/usr/bin/env bats
# Hostile names: quotes, <>&, tab, newline, CR, backslashes, control
# bytes, invalid UTF-8 and a 4095-byte path, in the files a traced program
# opens and maps, its comm, and what it execs with which argv
# (tests/workloads/hostile.c).  The kernel stays quiet, the trace parses,
# every report is well-formed and every name reads back byte for byte.

bats_require_minimum_version 1.5.0

setup_file() {
	load '../test_helper/common-setup'
	_guest_file_setup
	mkdir -p "$D/names"
	# the kernel's log before and after: any warning, BUG or oops
	cat >"$D/run.sh" <<-EOF
		dmesg -c >/dev/null
		staprun -o "$D/trace" -c "'$W/hostile' '$D/names'" "$D/uvm.ko" 2>"$D/staprun.err"
		echo "staprun \$?" >"$D/status"
		dmesg >"$D/dmesg"
	EOF
	"$UVM_VM" run --timeout 300 --share "$D" -- bash "$D/run.sh"
}

setup() {
	load '../test_helper/common-setup'
	_common_setup
	_guest_setup
}

@test "hostile names: staprun succeeds and the guest kernel logs no warning, BUG or oops" {
	assert_equal "$(cat "$D/status")" "staprun 0"
	run grep -E 'WARNING|BUG|Oops|general protection|stack-protector|KASAN|UBSAN|Call Trace' "$D/dmesg"
	assert_output ""
	run tail -n 1 "$D/trace"
	assert_output --regexp $'^T\t[0-9]+\t[0-9]+\t0\t0\t0\t0$'
}

@test "hostile names: every name reads back byte for byte from the trace" {
	run python3 "$BATS_TEST_DIRNAME/hostile/check.py" "$D/trace" "$D/names/expected"
	echo "$output"
	assert_success
	[ "$(grep -c '^openat' <<<"$output")" -eq 13 ]
}

@test "hostile names: the trace parses; JSON is valid, XML validates, the text keeps its columns" {
	run "$UVM_COLLECT" -f json -o "$D/r.json" "$D/trace"
	assert_success
	jq -e '.loss.complete and .loss.malformed_lines == 0' "$D/r.json"
	# the exec'd process's comm and argv, as JSON strings
	run jq -r '.processes[] | select(.execs > 1) | .argv' "$D/r.json"
	assert_output --partial 'phase2'
	run "$UVM_COLLECT" -f xml -o "$D/r.xml" "$D/trace"
	assert_success
	xmllint --noout --schema "$UVM_ROOT/docs/uvm-collect.xsd" "$D/r.xml"
	run "$UVM_COLLECT" -o "$D/r.txt" "$D/trace"
	assert_success
	# no raw control byte of the names reached the text report
	run grep -c -P '[\x00-\x08\x0b-\x1f\x7f]' "$D/r.txt"
	assert_output 0
	# every row of every system call table has its columns (the total
	# rows leave the percentiles empty)
	run awk '/^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ / && !/ total$/ && NF < 9' "$D/r.txt"
	assert_output ""
}

@test "hostile names: the timeline is valid JSON with every name, a slice per system call" {
	cp "$D/trace" "$BATS_TEST_TMPDIR/hostile.trace"
	_timeline_check "$BATS_TEST_TMPDIR/hostile.trace"
	# the exec'd process's new name is on its track
	jq -e '[.names[] | select(test("phase2|hostile"))] | length > 0' "$BATS_TEST_TMPDIR/hostile.facts"
}

@test "hostile names: the HTML page shows every name as text, its numbers the JSON report's" {
	cp "$D/trace" "$BATS_TEST_TMPDIR/hostile.trace"
	_html_check "$BATS_TEST_TMPDIR/hostile.trace"
	# the page's one script is its own, and no name became an element
	run grep -c '<script' "$BATS_TEST_TMPDIR/hostile.html"
	assert_output 1
	jq -e '.processes > 0 and .complete' "$BATS_TEST_TMPDIR/hostile.html.facts"
}
