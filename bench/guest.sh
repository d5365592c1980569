#!/bin/bash
# guest.sh - runs inside the uvm guest: every tool on every workload,
# alternating, REPS times; prints one line per run:
#   rep workload tool seconds lost seen work-seconds truth
# seconds: the whole command; work-seconds: the workload's own time;
# seen: how many of the events the workload is known to cause the tool
# reported (getppid calls, page faults, execs), truth: that number from
# the workload itself ("-": the tool does not count that kind of event).
# $1: directory with workload, uvm.ko, uvm_stacks.ko, floor.ko, *.bt,
# uvm-collect, uvm-exec
set -u
d=$1 reps=${REPS:-3}
W="$d/workload"
declare -A size=([syscalls]=${SYSCALLS:-200000} [faults]=${FAULTS_MB:-64} [procs]=${PROCS:-300})
now() { date +%s.%N; }
sum() { awk '{ s += $1 } END { print s + 0 }'; }

# seen TOOL WORKLOAD OUT: the tool's own count of the workload's events
seen() {
	local tool=$1 w=$2 out=$3
	case $tool/$w in
	uvm-summary/syscalls) awk -F'\t' '$1 == "s" && $4 == "getppid" { print $5 }' "$out" | sum ;;
	uvm-summary/faults) awk -F'\t' '$1 == "f" && ($3 == "minor" || $3 == "major") { print $6 }' "$out" | sum ;;
	uvm-summary/procs) awk -F'\t' '$1 == "E"' "$out" | wc -l ;;
	uvm-events*/*) python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
w = sys.argv[2]
if w == "syscalls": print(sum(s["calls"] for s in t["syscalls"] if s["name"] == "getppid"))
elif w == "faults": print(t["faults"]["minor"] + t["faults"]["major"])
else: print(t["execs"])' "$out.json" "$w" ;;
	strace/syscalls) awk '$NF == "getppid" { print $4 }' "$out" | sum ;;
	strace/procs) awk '$NF == "execve" { print $4 }' "$out" | sum ;;
	perf-trace/syscalls) awk '$1 == "getppid" && $2 ~ /^[0-9]+$/ { print $2 }' "$out" | sum ;;
	perf-trace/faults) grep -oE '[0-9]+ (maj|min)faults' "$out" | awk '{ print $1 }' | sum ;;
	perf-trace/procs) awk '$1 == "execve" && $2 ~ /^[0-9]+$/ { print $2 }' "$out" | sum ;;
	bpftrace/syscalls) grep -E '^@calls\[[0-9]+, 110\]: ' "$out" | awk '{ print $NF }' | sum ;;
	bpftrace/faults) grep -E '^@faults\[' "$out" | awk '{ print $NF }' | sum ;;
	bpftrace/procs) grep -E '^@execs: ' "$out" | awk '{ print $NF }' | sum ;;
	*) echo - ;;	# none, the floors, strace on faults: nothing to count
	esac
}

# events OUT MODULE CMD [STAPRUN-OPTION...]: uvm events mode, its trace
# piped live into uvm-collect: OUT.json, staprun's stderr in OUT.err.  The
# command runs through uvm-exec --drain, as uvm-collect runs it: stapio
# then stops the module only once it has read the whole trace.
events() {
	local out=$1 ko=$2 cmd=$3
	shift 3
	staprun "$@" -c "$d/uvm-exec --drain 60 -- $cmd" "$ko" 2>"$out.err" |
		"$d/uvm-collect" --no-symbols -f json -o "$out.json" - 2>/dev/null
}

# events_lost OUT: events the report says were lost, or "cut" (no trailer)
events_lost() {
	python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))["loss"]
print(l["dropped"] + l["skipped"] + l["transport_failures"] if l["records_written"] else "cut")' "$1.json"
}

run() {	# tool workload -> one line
	local tool=$1 w=$2 n=${size[$2]} t0 t1 lost=0 s out=$d/out.$$ inner truth pf
	export BENCH_ELAPSED_FILE=$d/elapsed.$$ BENCH_TRUTH_FILE=$d/truth.$$
	rm -f "$BENCH_ELAPSED_FILE" "$BENCH_TRUTH_FILE"
	t0=$(now)
	case $tool in
	none) "$W" "$w" "$n" ;;
	uvm-summary) staprun -o "$out" -c "$W $w $n" "$d/uvm.ko" mode=summary 2>"$out.err"
		lost=$(awk -F'\t' '$1 == "T" { print $4 + $5 + $6 }' "$out")
		[[ -n $lost ]] || lost="cut" ;;
	uvm-events) events "$out" "$d/uvm.ko" "$W $w $n"; lost=$(events_lost "$out") ;;
	uvm-events-b64) events "$out" "$d/uvm.ko" "$W $w $n" -b 64; lost=$(events_lost "$out") ;;
	uvm-events-stacks) events "$out" "$d/uvm_stacks.ko" "$W $w $n"; lost=$(events_lost "$out") ;;
	stap-floor) staprun -c "$W $w $n" "$d/floor.ko" 2>"$out.err" ;;
	strace) strace -f -c -o "$out" "$W" "$w" "$n" ;;
	# perf 7.2's 'trace -s --pf=all' summarizes the faults only (measured:
	# 0 of 2000 getppid listed), so --pf=all only where faults are counted
	perf-trace) pf=(); [[ $w == faults ]] && pf=(--pf=all)
		perf trace -s "${pf[@]}" -o "$out" -- "$W" "$w" "$n" >/dev/null 2>&1
		lost=$(grep -o 'LOST [0-9]*' "$out" | awk '{ s += $2 } END { print s + 0 }') ;;
	bpftrace) bpftrace -q -c "$W $w $n" "$d/uvm-like.bt" >"$out" 2>&1
		lost=$(grep -io 'lost [0-9]* events' "$out" | awk '{ s += $2 } END { print s + 0 }') ;;
	bpftrace-floor) bpftrace -q -c "$W $w $n" "$d/floor.bt" >"$out" 2>&1 ;;
	esac
	t1=$(now)
	# skipped probes staprun reports at exit (kretprobe misses included);
	# a run SystemTap ended early (an ERROR) lost everything after it
	if grep -q '^ERROR:' "$out.err" 2>/dev/null; then
		lost="cut"
	elif [[ -f $out.err && $lost != cut ]]; then
		lost=$((lost + $(sed -n 's/.*skipped probes: \([0-9]*\).*/\1/p' "$out.err" | tail -n 1 | grep . || echo 0)))
	fi
	if [[ $lost == cut ]]; then
		echo "bench: $tool on $w was cut short; its stderr ends:" >&2
		tail -n 3 "$out.err" >&2
	fi
	s=$(seen "$tool" "$w" "$out")
	[[ $tool == strace && $w == faults ]] && s=-
	inner=$(tail -n 1 "$BENCH_ELAPSED_FILE" 2>/dev/null)
	truth=$(cat "$BENCH_TRUTH_FILE" 2>/dev/null)
	[[ -n $s ]] || s=-
	[[ -n $inner ]] || inner=-
	[[ -n $truth ]] || truth=-
	echo "$w $tool $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $lost $s $inner $truth"
	rm -f "$out" "$out.err" "$out.json" "$BENCH_ELAPSED_FILE" "$BENCH_TRUTH_FILE"
}
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
[[ -n ${GUARD_ONLY:-} ]] || for w in syscalls faults procs; do
	for r in $(seq "$reps"); do
		for tool in none stap-floor uvm-summary uvm-events uvm-events-b64 uvm-events-stacks bpftrace-floor bpftrace strace; do
			printf '%s ' "$r"; run "$tool" "$w"
		done
		# perf trace takes about a minute to start under TCG: once
		[ "$r" = 1 ] && { printf '%s ' "$r"; run perf-trace "$w"; }
	done
done
# SystemTap's overload guard (modules built with its default): where it
# trips on the syscalls workload, at falling call rates (BENCH_SPIN: user
# work between two calls).  N is chosen for about 3 s untraced.
# One line per run: guard spin calls/s tool tripped seen truth
for spin in 0 300 3000 30000; do
	# the workload's own time per call (no process start-up in it)
	export BENCH_ELAPSED_FILE=$d/cal.$$
	rm -f "$BENCH_ELAPSED_FILE"
	BENCH_SPIN=$spin "$W" syscalls 20000
	per=$(awk '{ print $1 / 20000 }' "$BENCH_ELAPSED_FILE")
	unset BENCH_ELAPSED_FILE
	n=$(awk -v p="$per" 'BEGIN { n = int(3 / p); print n < 1000 ? 1000 : n }')
	rate=$(awk -v p="$per" 'BEGIN { printf "%.0f", 1 / p }')
	for tool in floor uvm-summary uvm-events; do
		out=$d/guard.$$
		export BENCH_TRUTH_FILE=$d/truth.$$ BENCH_SPIN=$spin
		case $tool in
		floor) staprun -c "$W syscalls $n" "$d/floor_guard.ko" >/dev/null 2>"$out.err"; s=- ;;
		uvm-summary) staprun -o "$out" -c "$W syscalls $n" "$d/uvm_guard.ko" mode=summary 2>"$out.err"
			s=$(seen uvm-summary syscalls "$out") ;;
		uvm-events) events "$out" "$d/uvm_guard.ko" "$W syscalls $n"
			s=$(seen uvm-events syscalls "$out") ;;
		esac
		unset BENCH_SPIN
		tripped=no
		grep -q 'probe overhead' "$out.err" && tripped=yes
		echo "guard $spin $rate $tool $tripped $s $(cat "$BENCH_TRUTH_FILE" 2>/dev/null || echo -)"
		rm -f "$out" "$out.err" "$out.json" "$BENCH_TRUTH_FILE"
	done
done
# start-up: from staprun to the first record (the header's wall clock)
for r in 1 2 3; do
	t0=$(date +%s%N)
	staprun -c "$W syscalls 1" "$d/uvm.ko" mode=summary >"$d/startup" 2>/dev/null
	h=$(awk -F'\t' '$1 == "H" { print $6 }' "$d/startup")
	echo "startup $r $(( (h - t0) / 1000000 ))"
done
