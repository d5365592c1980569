#!/bin/bash
# guest.sh - runs inside the uvm guest: every tool on every workload,
# alternating, REPS times; prints "rep workload tool seconds lost seen work-seconds"
# lines (seconds: the whole command; work-seconds: the workload's own time).
# $1: directory with workload, uvm.ko, uvm-like.bt, uvm-collect
set -u
d=$1 reps=${REPS:-3}
W="$d/workload"
declare -A size=([syscalls]=${SYSCALLS:-200000} [faults]=${FAULTS_MB:-64} [procs]=${PROCS:-300})
now() { date +%s.%N; }
run() {	# tool workload -> seconds and lost events on one line
	local tool=$1 w=$2 n=${size[$2]} t0 t1 lost=0 seen=- out=$d/out.$$ inner
	export BENCH_ELAPSED_FILE=$d/elapsed.$$
	rm -f "$BENCH_ELAPSED_FILE"
	t0=$(now)
	case $tool in
	none) "$W" "$w" "$n" ;;
	uvm-summary) staprun -o "$out" -c "$W $w $n" "$d/uvm.ko" mode=summary 2>"$out.err"
		lost=$(awk -F'\t' '$1 == "T" { print $4 + $5 + $6 }' "$out") ;;
	uvm-events) staprun -c "$W $w $n" "$d/uvm.ko" 2>"$out.err" |
			"$d/uvm-collect" --no-symbols -f json -o "$out.json" - 2>/dev/null
		lost=$(awk '/"dropped"|"skipped"|"transport_failures"/ { gsub(/[^0-9]/, "", $2); s += $2 } END { print s + 0 }' "$out.json") ;;
	strace) strace -f -c -o "$out" "$W" "$w" "$n" ;;
	perf-trace) perf trace -s --pf=all -o "$out" -- "$W" "$w" "$n" >/dev/null 2>&1
		lost=$(grep -o 'LOST [0-9]*' "$out" | awk '{ s += $2 } END { print s + 0 }')
		# how many system calls it summarised (0: it saw none)
		seen=$(awk '$2 ~ /^[0-9]+$/ && $1 ~ /^[a-z_0-9]+$/ { s += $2 } END { print s + 0 }' "$out") ;;
	bpftrace) bpftrace -q -c "$W $w $n" "$d/uvm-like.bt" >"$out" 2>&1
		lost=$(grep -io 'lost [0-9]* events' "$out" | awk '{ s += $2 } END { print s + 0 }') ;;
	esac
	t1=$(now)
	# skipped probes staprun reports at exit (kretprobe misses included)
	if [ -f "$out.err" ]; then
		lost=$((lost + $(sed -n 's/.*skipped probes: \([0-9]*\).*/\1/p' "$out.err" | tail -n 1 | grep . || echo 0)))
	fi
	inner=$(tail -n 1 "$BENCH_ELAPSED_FILE" 2>/dev/null || echo -)
	echo "$w $tool $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $lost $seen $inner"
	rm -f "$out" "$out.err" "$out.json" "$BENCH_ELAPSED_FILE"
}
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
for w in syscalls faults procs; do
	for r in $(seq "$reps"); do
		for tool in none uvm-summary uvm-events strace bpftrace; do
			printf '%s ' "$r"; run "$tool" "$w"
		done
		# perf trace takes about a minute to start under TCG: once
		[ "$r" = 1 ] && { printf '%s ' "$r"; run perf-trace "$w"; }
	done
done
# start-up: from staprun to the first record (the header's wall clock)
for r in 1 2 3; do
	t0=$(date +%s%N)
	staprun -c "$W syscalls 1" "$d/uvm.ko" mode=summary >"$d/startup" 2>/dev/null
	h=$(awk -F'\t' '$1 == "H" { print $6 }' "$d/startup")
	echo "startup $r $(( (h - t0) / 1000000 ))"
done
