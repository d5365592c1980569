#!/usr/bin/env bats
# uvm-collect -f html: one self-contained page, loaded in headless
# Chromium (tests/host/html-check.py): no console error, no network, every
# number the same as in the JSON report (and the folded stacks) of the
# same trace, tables that sort and a flame graph that zooms.  The guests
# run the same checks on live traces (tests/guest/*.bats, _html_check).

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	load '../test_helper/stacks-trace'
	_common_setup
	_stacks_trace_setup
	F="$BATS_TEST_DIRNAME/fixtures"
	T=$BATS_TEST_TMPDIR
}

@test "html: every fixture is a page whose numbers are the JSON report's; the tree's statuses and signal" {
	_html_check "$F/tree.trace" "$F/syscalls.trace" "$F/summary.trace"
	# the tree workload: 10 processes, one exit 7, one killed by 15
	jq -e '.processes == 10 and ([.procs[] | select(.exit_status == 7)] | length) == 1
		and ([.procs[] | select(.signal == 15)] | length) == 1' "$T/tree.html.facts"
	# the depth-first order: every process after its parent
	jq -e '.procs as $p | [range(0; $p | length) as $i | $p[$i] | select(.parent != null)
		| .parent as $par | [$p[:$i][] | .id] | index($par)] | length == 9 and all(. != null)' \
		"$T/tree.html.facts"
	# no stacks: the flame graph section says how to record them
	jq -e '.flame == null' "$T/tree.html.facts"
	grep -q 'id="flame-none"' "$T/tree.html"
	# summary mode: the totals' calls, no histograms lost
	jq -e '.syscalls_total | length > 0' "$T/summary.html.facts"
}

@test "html: a flame graph of known stacks: each path's weight, the marker frames, --weight time" {
	local a b c
	a=$(K "$(at leaf 4)" "$(at path_a 9)" "$(at main 20)" "$(at _start 33)")
	b=$(K "$(at leaf 4)" "$(at path_b 9)" "$(at main 30)" "$(at _start 33)")
	c=$(K "$(at leaf 4)" "$(at path_c 5)" "$(at path_b 40)" "$(at main 30)" "$(at _start 33)")
	trace "$T/st.trace" "$(S 2000 getppid 100)" "$a" "$(S 2100 getppid 300)" "$a" \
		"$(S 2200 getppid 50)" "$b" "$(S 2300 getppid 7)" "$c" "$(S 2400 getppid 8)" "$c" \
		"$(S 2500 getppid 9)" "$c" "$(S 2600 getppid 1)" "$(K "$(at leaf 4)" "$(at path_a 9)")"
	_html_check "$T/st.trace"
	jq -e '.flame.weight == "calls" and .flame.total == 7' "$T/st.html.facts"
	run jq -r '.flame.leaves | to_entries[] | "\(.key) \(.value)"' "$T/st.html.facts"
	assert_output "$(printf '%s\n' 'stacks;[unwind stopped];path_a;leaf;getppid 1' \
		'stacks;_start;main;path_a;leaf;getppid 2' 'stacks;_start;main;path_b;leaf;getppid 1' \
		'stacks;_start;main;path_b;path_c;leaf;getppid 3' | sort)"
	# time: the latencies
	run -0 "$UVM_COLLECT" -f html --weight time -o "$T/time.html" "$T/st.trace"
	"$UVM_COLLECT" -f folded --weight time -o "$T/time.folded" "$T/st.trace"
	"$UVM_COLLECT" -f json -o "$T/time.json" "$T/st.trace"
	/usr/bin/python3 "$UVM_ROOT/tests/host/html-check.py" "$T/time.html" --json "$T/time.json" \
		--folded "$T/time.folded" --facts-out "$T/time.facts"
	jq -e '.flame.weight == "time" and .flame.total == 475' "$T/time.facts"
}

@test "html: hostile names are text, never markup: no element, no script from the trace" {
	trace "$T/h.trace" $'E\t1500\t100\t100\t100\t/bin/x\t<img src=x onerror=alert(1)>\t-' \
		"$(S 2000 getppid 1)" "$(K "$(at leaf 4)" "$(at main 20)" "$(at _start 33)")" \
		$'S\t2100\t100\t100\t111\t</script><b>\t1\t-\t5\t-'
	_html_check "$T/h.trace"
	jq -e '.procs[0].comm == "<img src=x onerror=alert(1)>"' "$T/h.html.facts"
	jq -e '.syscalls_total | has("</script><b>")' "$T/h.html.facts"
	run grep -c '<img\|<b>' "$T/h.html"
	assert_output 0
}

@test "html: an incomplete trace says so at the top, and the exit status is 3" {
	head -n 40 "$F/tree.trace" >"$T/cut.trace"
	run -3 "$UVM_COLLECT" -f html -o "$T/cut.html" "$T/cut.trace"
	_html_check "$T/cut.trace"
	jq -e '.complete == false' "$T/cut.html.facts"
	grep -q 'id="loss"[^>]*>The trace is incomplete: no trailer' "$T/cut.html"
}

@test "html: errors: an unwritable output is exit 4, no trace is exit 2, --weight only for folded and html" {
	run -4 "$UVM_COLLECT" -f html -o /nonexistent/dir/r.html "$F/tree.trace"
	assert_output --partial "/nonexistent/dir/r.html"
	run -2 "$UVM_COLLECT" -f html -o "$T/x.html" /dev/null
	run -1 "$UVM_COLLECT" -f json --weight time "$F/tree.trace"
	assert_output --partial "--weight is for -f folded and -f html"
}

@test "html: frame names as the folded stacks write them; unknown calls apart by number; edges of time" {
	a="$(K "$(at leaf 4)" "$(at path_a 9)" "$(at main 20)" "$(at _start 33)")"
	# two calls the trace cannot name (both "?"), times just under a
	# unit (999.7 us and ms), a fork after the trailer's time
	trace "$T/e.trace" "$(S 2000 getppid 999700)" "$a" "$(S 2100 getppid 999700000)" "$a" \
		$'S\t2200\t100\t100\t1000\t-\t0\t-\t5\t-' $'S\t2300\t100\t100\t1001\t-\t0\t-\t7\t-' \
		$'C\t9500\t100\t100\t101\t101\t0x1200000\t0\tstacks'
	# the comm: ';' (the folded separator), '\', a control byte, not UTF-8
	sed -i $'2s/\tstacks\t/\ta;b\\\\\\\\c\\\\x01\xff\t/' "$T/e.trace"
	grep -q $'^P\t1000\t100\t1\t1\ta;b\\\\\\\\c\\\\x01\xff\t' "$T/e.trace"
	run -0 "$UVM_COLLECT" -o /dev/null "$T/e.trace"
	_html_check "$T/e.trace"
	# each frame named as the folded file names it, once
	jq -e '.flame.leaves == {"a\\x3bb\\\\c\\x01\\xff;_start;main;path_a;leaf;getppid": 2}' "$T/e.html.facts"
	jq -e '.procs[0].comm == "a;b\\\\c\\x01\\xff"' "$T/e.html.facts"
	# the two unknown calls are two rows, each with its number
	run sh -c 'grep -o "<tr data-nr=\"100[01]\" data-name=\"?\">" "$1" | sort' sh "$T/e.html"
	assert_output "$(printf '%s\n' '<tr data-nr="1000" data-name="?">' '<tr data-nr="1000" data-name="?">' \
		'<tr data-nr="1001" data-name="?">' '<tr data-nr="1001" data-name="?">')"
	# a call of 2^63 ns or more (the last histogram group: only a
	# summary's h record can say so, the times are 63-bit): its group's
	# top is 2^64 - 1, not 0
	trace "$T/h.trace" $'s\t100\t39\tgetpid\t1\t0\t5\t5\t5' $'h\t100\t39\t63\t1'
	run -0 "$UVM_COLLECT" -f html -o "$T/h.html" "$T/h.trace"
	grep -q 'data-lo="9223372036854775808" data-hi="18446744073709551615" data-count="1"' "$T/h.html"
	/usr/bin/python3 "$UVM_ROOT/tests/host/html-check.py" "$T/h.html"
	# no "1e+03 µs": 999.7 us shows as 1 ms, 999.7 ms as 1 s
	run grep -c 'e+0' "$T/e.html"
	assert_output 0
	grep -q '<td data-k="max_ns" data-v="999700000">1 s</td>' "$T/e.html"
	grep -q '<td data-k="min_ns" data-v="999700">1 ms</td>' "$T/e.html"
	# the late child is on the timeline (html-check: inside the chart)
	jq -e '.timeline_rows == 2' "$T/e.html.facts"
}

@test "html: a frame with 20000 distinct callers above it: one frame each, weights exact" {
	k="$(K "$(at leaf 4)" "$(at main 20)" "$(at _start 33)")"
	awk -v k="$k" 'BEGIN { for (i = 0; i < 20000; i++)
		printf "S\t%d\t100\t100\t%d\tsc%05d\t0\t-\t%d\t-\n%s\n", 2000 + i, 1000 + i, i, 1 + i % 3, k }' \
		>"$T/many.lines"
	mapfile -t lines <"$T/many.lines"
	trace "$T/many.trace" "${lines[@]}"
	run -0 "$UVM_COLLECT" -f folded -o "$T/many.folded" "$T/many.trace"
	run wc -l <"$T/many.folded"
	assert_output 20000
	_html_check "$T/many.trace"
	# every one under 0.1% of the whole: not drawn, its weight counted
	jq -e '.flame.total == 20000 and .flame.hidden == 20000' "$T/many.html.facts"
}
