#!/usr/bin/env bats
# perfetto-check.py, the checker of Chrome Trace Event Format files (what
# uvm-collect -f perfetto writes): a valid trace passes with its summary,
# and every rule fires on a minimal trace that breaks it.

bats_require_minimum_version 1.5.0

setup() {
	load '../test_helper/common-setup'
	_common_setup
	CHECK="$BATS_TEST_DIRNAME/perfetto-check.py"
	T=$BATS_TEST_TMPDIR
}

# trace NAME EVENT...: $T/NAME.json, an object with the EVENTs as traceEvents.
trace() {
	local name=$1 IFS=,
	shift
	printf '{"traceEvents":[%s]}\n' "$*" >"$T/$name.json"
}

# violates RULE TEXT EVENT...: a trace of the EVENTs fails, exit 1, nothing
# on stdout, and on stderr a violation of RULE that says TEXT.
violates() {
	local rule=$1 text=$2
	shift 2
	trace bad "$@"
	run --separate-stderr "$CHECK" "$T/bad.json"
	assert_equal "$status" 1
	assert_equal "$output" ""
	output=$stderr lines=("${stderr_lines[@]}")
	assert_output --partial "$T/bad.json: $rule: "
	assert_output --partial "$text"
}

# A thread's slice, and process 1's metadata, to build traces from.
x() { printf '{"name":"%s","ph":"X","ts":%s,"dur":%s,"pid":1,"tid":%s}' "$1" "$2" "$3" "${4:-1}"; }
META='{"name":"process_name","ph":"M","pid":1,"args":{"name":"uvm"}}'

@test "perfetto-check: a valid trace passes: nested and equal-boundary slices, B/E, counter, metadata, instant, async, flow" {
	# a [0,100] holds b [0,40] (same start) and c [40,100] (same end, starting
	# where b ends), c holds d = c, d the empty e at its start (depth 4); B/E
	# g holds h and ends with it; on tid 2, ends that differ by float rounding.
	trace ok "$META" \
		'{"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{"name":"main"}}' \
		'{"name":"process_sort_index","ph":"M","pid":1,"args":{"sort_index":-1}}' \
		'{"name":"thread_sort_index","ph":"M","pid":1,"tid":1,"args":{"sort_index":2.5}}' \
		"$(x a 0 100)" "$(x c 40 60)" "$(x b 0 40)" "$(x d 40 60)" "$(x e 40 0)" \
		'{"name":"g","ph":"B","ts":200,"pid":1,"tid":1}' "$(x h 210 40)" '{"ph":"E","ts":250,"pid":1,"tid":1}' \
		"$(x i 2949394574.176 422.694 2)" "$(x j 2949394586.451 410.419 2)" \
		'{"name":"mem","ph":"C","ts":0,"pid":1,"args":{"heap":10,"rss":2.5}}' \
		'{"name":"exec","ph":"i","ts":50,"pid":1,"tid":1,"s":"t"}' \
		'{"name":"boot","ph":"i","ts":0,"pid":1,"tid":1}' \
		'{"name":"req","cat":"io","ph":"b","id":"0x1","ts":0,"pid":1,"tid":1}' \
		'{"name":"req","cat":"io","ph":"e","id":"0x1","ts":5,"pid":1,"tid":1}' \
		'{"name":"fork","cat":"p","ph":"s","id":7,"ts":1,"pid":1,"tid":1}' \
		'{"name":"fork","cat":"p","ph":"f","id":7,"ts":2,"pid":1,"tid":2,"bp":"e"}'
	run --separate-stderr "$CHECK" "$T/ok.json"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$T/ok.json: ok: 21 events (M: 4, X: 8, B: 1, E: 1, C: 1, i: 2, b: 1, e: 1, s: 1, f: 1), 1 processes, 2 threads, max depth 4"
}

@test "perfetto-check: a bare array, stdin (-) and several files; the exit status is the worst" {
	printf '[%s,%s]' "$META" "$(x a 0 1)" >"$T/array.json"
	run "$CHECK" "$T/array.json"
	assert_success
	assert_output "$T/array.json: ok: 2 events (M: 1, X: 1), 1 processes, 1 threads, max depth 1"
	run "$CHECK" - <"$T/array.json"
	assert_success
	assert_output "<stdin>: ok: 2 events (M: 1, X: 1), 1 processes, 1 threads, max depth 1"
	printf '[]' >"$T/empty.json"
	run "$CHECK" "$T/empty.json"
	assert_success
	assert_output "$T/empty.json: ok: 0 events, 0 processes, 0 threads, max depth 0"
	trace bad "$(x a 0 -1)"
	run "$CHECK" "$T/array.json" "$T/bad.json" "$T/empty.json"
	assert_equal "$status" 1
	assert_line "$T/array.json: ok: 2 events (M: 1, X: 1), 1 processes, 1 threads, max depth 1"
	assert_line --partial "$T/bad.json: dur: "
	assert_line "$T/empty.json: ok: 0 events, 0 processes, 0 threads, max depth 0"
	run "$CHECK" "$T/bad.json" "$T/missing.json" "$T/array.json"
	assert_equal "$status" 2
	assert_line --partial "$T/bad.json: dur: "
	assert_line --partial "$T/array.json: ok: "
}

@test "perfetto-check: the top level is a traceEvents object or an array; displayTimeUnit is ms or ns" {
	printf '{"events":[]}' >"$T/obj.json"
	run "$CHECK" "$T/obj.json"
	assert_equal "$status" 1
	assert_output --partial "$T/obj.json: top-level: neither an array of events nor an object with a traceEvents array"
	printf '{"traceEvents":{}}' >"$T/obj.json"
	run "$CHECK" "$T/obj.json"
	assert_equal "$status" 1
	assert_output --partial "top-level: "
	printf '42' >"$T/obj.json"
	run "$CHECK" "$T/obj.json"
	assert_equal "$status" 1
	assert_output --partial "top-level: "
	printf '{"traceEvents":[],"displayTimeUnit":"us"}' >"$T/obj.json"
	run "$CHECK" "$T/obj.json"
	assert_equal "$status" 1
	assert_output --partial "top-level: displayTimeUnit 'us'"
	printf '{"traceEvents":[],"displayTimeUnit":"ns","otherData":{"v":1}}' >"$T/obj.json"
	run -0 "$CHECK" "$T/obj.json"
}

@test "perfetto-check: every event is an object with a phase of the format and a string name (E may have none)" {
	violates event 'traceEvents[1] is not an object' "$META" '[1]'
	violates ph "traceEvents[0]: ph None is not a phase" '{"name":"a","ts":0,"pid":1,"tid":1}'
	violates ph "traceEvents[0]: ph 'Z' is not a phase" '{"name":"a","ph":"Z","ts":0,"pid":1,"tid":1}'
	violates ph "ph 88 is not a phase" '{"name":"a","ph":88,"ts":0,"pid":1,"tid":1}'
	violates name 'traceEvents[0]: X without a string name in {"ph":"X"' '{"ph":"X","ts":0,"dur":1,"pid":1,"tid":1}'
	violates name 'traceEvents[0]: M without a string name' '{"name":3,"ph":"M","pid":1}'
}

@test "perfetto-check: an X has a dur of 0 or more" {
	violates dur "traceEvents[1]: X dur -1 is not a number of 0 or more" "$META" "$(x a 0 -1)"
	violates dur "X dur None" '{"name":"a","ph":"X","ts":0,"pid":1,"tid":1}'
	violates dur "X dur '5'" '{"name":"a","ph":"X","ts":0,"dur":"5","pid":1,"tid":1}'
	violates dur "X dur True" '{"name":"a","ph":"X","ts":0,"dur":true,"pid":1,"tid":1}'
	violates dur "X dur inf" "$(x a 0 1e400)"
}

@test "perfetto-check: slices nest per thread: a partial overlap names both; across threads it is no overlap" {
	violates nesting 'traceEvents[1] "b" [5, 15] partially overlaps traceEvents[0] "a" [0, 10] on pid 1 tid 1' \
		"$(x a 0 10)" "$(x b 5 10)"
	refute_output --partial "traceEvents[0] \"a\" [0, 10] partially"
	# the overlap is between the innermost slices, the outer one holds both
	violates nesting 'traceEvents[2] "c" [5, 15] partially overlaps traceEvents[1] "b" [2, 8]' \
		"$(x a 0 20)" "$(x b 2 6)" "$(x c 5 10)"
	# an X across the end of a B/E pair
	violates nesting 'traceEvents[1] "x" [5, 15] partially overlaps traceEvents[0]..traceEvents[2] "g" [0, 10]' \
		'{"name":"g","ph":"B","ts":0,"pid":1,"tid":1}' "$(x x 5 10)" '{"ph":"E","ts":10,"pid":1,"tid":1}'
	# more than the float rounding epsilon
	violates nesting "partially overlaps" "$(x a 0 10)" "$(x b 5 5.00001)"
	trace split "$(x a 0 10 1)" "$(x b 5 10 2)"
	run "$CHECK" "$T/split.json"
	assert_success
	assert_output "$T/split.json: ok: 2 events (X: 2), 1 processes, 2 threads, max depth 1"
	# the same tid in another process is another thread
	trace split "$(x a 0 10 1)" '{"name":"b","ph":"X","ts":5,"dur":10,"pid":2,"tid":1}'
	run "$CHECK" "$T/split.json"
	assert_success
	assert_output --partial "2 processes, 2 threads, max depth 1"
}

@test "perfetto-check: metadata events carry no ts; every other event has a ts of 0 or more" {
	violates ts "traceEvents[0]: metadata event with a ts" \
		'{"name":"process_name","ph":"M","ts":0,"pid":1,"args":{"name":"uvm"}}'
	violates ts "traceEvents[1]: X without a ts" "$META" '{"name":"a","ph":"X","dur":1,"pid":1,"tid":1}'
	violates ts "traceEvents[0]: ts -1 is not a number of 0 or more" "$(x a -1 1)"
	violates ts "ts -0.5 is not" '{"name":"c","ph":"C","ts":-0.5,"pid":1,"args":{"v":1}}'
	violates ts "ts '3' is not" '{"name":"a","ph":"i","ts":"3","pid":1,"tid":1}'
	violates ts "ts None is not" '{"name":"a","ph":"i","ts":null,"pid":1,"tid":1}'
}

@test "perfetto-check: pid and tid are integers in 0..2^31-1; every event but M has a pid, X/B/E/i a tid" {
	violates pid "traceEvents[0]: pid 4294967296 is not an integer in 0..2147483647" \
		'{"name":"a","ph":"X","ts":0,"dur":1,"pid":4294967296,"tid":1}'
	violates pid "pid 2147483648 is not" '{"name":"a","ph":"X","ts":0,"dur":1,"pid":2147483648,"tid":1}'
	violates pid "pid -1 is not" '{"name":"a","ph":"X","ts":0,"dur":1,"pid":-1,"tid":1}'
	violates pid "pid '1' is not an integer" '{"name":"a","ph":"X","ts":0,"dur":1,"pid":"1","tid":1}'
	violates pid "pid True is not" '{"name":"a","ph":"X","ts":0,"dur":1,"pid":true,"tid":1}'
	violates pid "pid None is not" '{"name":"a","ph":"C","ts":0,"pid":null,"args":{"v":1}}'
	violates tid "traceEvents[0]: tid 1.0 is not an integer" '{"name":"a","ph":"X","ts":0,"dur":1,"pid":1,"tid":1.0}'
	violates tid "tid 2.5 is not" '{"name":"mem","ph":"C","ts":0,"pid":1,"tid":2.5,"args":{"v":1}}'
	violates pid "traceEvents[0]: C without a pid" '{"name":"mem","ph":"C","ts":0,"args":{"v":1}}'
	for ph in X B E i I; do
		violates tid "traceEvents[0]: $ph without a tid" "{\"name\":\"a\",\"ph\":\"$ph\",\"ts\":0,\"dur\":1,\"pid\":1}"
	done
	trace max '{"name":"a","ph":"X","ts":0,"dur":1,"pid":2147483647,"tid":0}' \
		'{"name":"m","ph":"C","ts":0,"pid":0,"args":{"v":1}}' '{"name":"k","ph":"M","args":{}}'
	run -0 "$CHECK" "$T/max.json"
}

@test "perfetto-check: a counter's args is a non-empty object of numbers" {
	violates counter "traceEvents[0]: C args.rss '5' is not a number" \
		'{"name":"mem","ph":"C","ts":0,"pid":1,"args":{"heap":1,"rss":"5"}}'
	violates counter "C args.on True is not a number" '{"name":"mem","ph":"C","ts":0,"pid":1,"args":{"on":true}}'
	violates counter "traceEvents[0]: C without a non-empty args object" '{"name":"mem","ph":"C","ts":0,"pid":1,"args":{}}'
	violates counter "C without a non-empty args object" '{"name":"mem","ph":"C","ts":0,"pid":1}'
	violates counter "C args.v None is not" '{"name":"mem","ph":"C","ts":0,"pid":1,"args":{"v":null}}'
}

@test "perfetto-check: process_name/thread_name have a string args.name, *_sort_index a numeric args.sort_index, and their pid/tid" {
	violates metadata "traceEvents[0]: process_name without a string args.name" '{"name":"process_name","ph":"M","pid":1}'
	violates metadata "process_name without a string args.name" '{"name":"process_name","ph":"M","pid":1,"args":{"name":7}}'
	violates metadata "thread_name without a string args.name" '{"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{}}'
	violates metadata "process_sort_index without a numeric args.sort_index" \
		'{"name":"process_sort_index","ph":"M","pid":1,"args":{"sort_index":"1"}}'
	violates metadata "thread_sort_index without a numeric args.sort_index" '{"name":"thread_sort_index","ph":"M","pid":1,"tid":1}'
	violates metadata "thread_name without the pid and tid it names" '{"name":"thread_name","ph":"M","pid":1,"args":{"name":"t"}}'
	violates metadata "process_name without the pid it names" '{"name":"process_name","ph":"M","args":{"name":"p"}}'
}

@test "perfetto-check: an instant's scope s is g, p or t" {
	violates instant-scope "traceEvents[0]: instant scope s 'x' is not \"g\", \"p\" or \"t\"" \
		'{"name":"a","ph":"i","ts":0,"pid":1,"tid":1,"s":"x"}'
	violates instant-scope "instant scope s None" '{"name":"a","ph":"I","ts":0,"pid":1,"tid":1,"s":null}'
	trace scopes '{"name":"a","ph":"i","ts":0,"pid":1,"tid":1,"s":"g"}' '{"name":"a","ph":"I","ts":0,"pid":1,"tid":1,"s":"p"}'
	run -0 "$CHECK" "$T/scopes.json"
}

@test "perfetto-check: B and E match per thread, in ts order, and an E's name is its B's" {
	violates unmatched "traceEvents[1]: B never ended by an E on pid 1 tid 1" \
		"$META" '{"name":"g","ph":"B","ts":0,"pid":1,"tid":1}'
	violates unmatched "traceEvents[0]: E without an open B on pid 1 tid 1" '{"ph":"E","ts":0,"pid":1,"tid":1}'
	# an E on another thread does not end the B
	violates unmatched "B never ended" '{"name":"g","ph":"B","ts":0,"pid":1,"tid":1}' '{"ph":"E","ts":1,"pid":1,"tid":2}'
	violates unmatched "traceEvents[1]: E 'h' closes traceEvents[0] B 'g'" \
		'{"name":"g","ph":"B","ts":0,"pid":1,"tid":1}' '{"name":"h","ph":"E","ts":1,"pid":1,"tid":1}'
	violates be-order "traceEvents[1]: E at ts 1 comes after traceEvents[0] at ts 5 on pid 1 tid 1" \
		'{"name":"g","ph":"B","ts":5,"pid":1,"tid":1}' '{"ph":"E","ts":1,"pid":1,"tid":1}'
	# B/E in stack order: the inner pair ends first
	trace be '{"name":"g","ph":"B","ts":0,"pid":1,"tid":1}' '{"name":"h","ph":"B","ts":1,"pid":1,"tid":1}' \
		'{"name":"h","ph":"E","ts":2,"pid":1,"tid":1}' '{"name":"g","ph":"E","ts":2,"pid":1,"tid":1}'
	run "$CHECK" "$T/be.json"
	assert_success
	assert_output --partial "max depth 2"
}

@test "perfetto-check: async and flow events have an id" {
	violates id "traceEvents[0]: b without a string or integer id" '{"name":"r","cat":"c","ph":"b","ts":0,"pid":1,"tid":1}'
	violates id "s without a string or integer id" '{"name":"r","cat":"c","ph":"s","ts":0,"pid":1,"tid":1,"id":1.5}'
	trace id2 '{"name":"r","cat":"c","ph":"n","ts":0,"pid":1,"tid":1,"id2":{"local":"0x1"}}'
	run -0 "$CHECK" "$T/id2.json"
}

@test "perfetto-check: at most 20 messages per rule, then how many more; the total" {
	local i events=()
	for i in $(seq 25); do
		events+=("$(x "s$i" "$i" -1)")
	done
	violates dur "traceEvents[19]: X dur -1" "${events[@]}" '{"name":"a","ph":"i","ts":0,"pid":1,"tid":1,"s":"x"}'
	refute_output --partial "traceEvents[20]"
	assert_line "$T/bad.json: dur: ... and 5 more"
	assert_line --partial "$T/bad.json: instant-scope: "
	assert_line "$T/bad.json: 26 violations"
	assert_equal "${#lines[@]}" 23
}

@test "perfetto-check: invalid JSON exits 2 naming the line and column" {
	printf '{"traceEvents": [\n  {"name": "a",, "ph": "X"}\n]}\n' >"$T/broken.json"
	run --separate-stderr "$CHECK" "$T/broken.json"
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "$stderr" "$T/broken.json: invalid JSON at line 2 column 16: Expecting property name enclosed in double quotes"
	# NaN and Infinity are Python's, not JSON's
	printf '[\n {"name": "NaN", "ph": "C", "ts": 0, "pid": 1,\n  "args": {"v": NaN}}]' >"$T/nan.json"
	run -2 "$CHECK" "$T/nan.json"
	assert_output "$T/nan.json: invalid JSON at line 3 column 17: NaN is not a JSON value"
	printf '[{"ts": -Infinity}]' >"$T/inf.json"
	run -2 "$CHECK" "$T/inf.json"
	assert_output "$T/inf.json: invalid JSON at line 1 column 9: -Infinity is not a JSON value"
	printf '[{"name": "\xff"}]' >"$T/latin1.json"
	run -2 "$CHECK" "$T/latin1.json"
	assert_output "$T/latin1.json: not UTF-8 at byte offset 11"
	: >"$T/empty.json"
	run -2 "$CHECK" "$T/empty.json"
	assert_output "$T/empty.json: invalid JSON at line 1 column 1: Expecting value"
}

@test "perfetto-check: a missing file exits 2, naming it" {
	run --separate-stderr "$CHECK" "$T/missing.json"
	assert_equal "$status" 2
	assert_equal "$stderr" "$T/missing.json: cannot read: No such file or directory"
}

@test "perfetto-check --require: fails unless each phase listed has an event" {
	trace req "$META" "$(x a 0 1)"
	run -0 "$CHECK" --require X,M "$T/req.json"
	run --separate-stderr "$CHECK" --require X,C,M,i "$T/req.json"
	assert_equal "$status" 1
	assert_equal "$output" ""
	output=$stderr lines=("${stderr_lines[@]}")
	assert_line "$T/req.json: require: no C event"
	assert_line "$T/req.json: require: no i event"
	assert_line "$T/req.json: 2 violations"
	run -2 "$CHECK" --require X,Q "$T/req.json"
	assert_output --partial "'Q': not a phase of the format"
}

@test "perfetto-check --summary-json: the counts and the max depth, as one JSON object per file" {
	# depth 4: a holds b holds c holds d; on tid 2 depth 2
	trace sum "$META" '{"name":"thread_name","ph":"M","pid":1,"tid":2,"args":{"name":"w"}}' \
		"$(x a 0 100)" "$(x b 10 50)" "$(x c 20 10)" "$(x d 20 10)" "$(x e 70 30)" \
		"$(x f 0 10 2)" "$(x g 0 10 2)" \
		'{"name":"mem","ph":"C","ts":0,"pid":1,"args":{"v":1}}' '{"name":"mem","ph":"C","ts":5,"pid":1,"args":{"v":2}}' \
		'{"name":"n","ph":"i","ts":0,"pid":3,"tid":3}'
	run -0 "$CHECK" --summary-json "$T/sum.json"
	assert_equal "$(jq -c 'del(.file)' <<<"$output")" \
		'{"events":12,"by_ph":{"M":2,"X":7,"C":2,"i":1},"processes":2,"threads":3,"max_depth":4}'
	assert_equal "$(jq -r .file <<<"$output")" "$T/sum.json"
	run -0 "$CHECK" --summary-json "$T/sum.json" "$T/sum.json"
	assert_equal "$(jq -s 'map(.max_depth)' <<<"$output" | jq -c .)" '[4,4]'
}
