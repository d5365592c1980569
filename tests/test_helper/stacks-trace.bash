# stacks-trace.bash - made-up traces with user stacks (K records) around
# a real binary of this machine: the stacks workload, as if loaded at
# BASE, so that the frames resolve to its functions.  For the host tests
# of the folded stacks and the HTML report's flame graph (the guests
# record real ones).

_stacks_trace_setup() {
	B="$W/stacks"
	BASE=$((0x555555554000))
}

# at FUNCTION OFFSET: the address FUNCTION+OFFSET of the workload at BASE
at() {
	local off
	off=$(nm "$B" | awk -v s="$1" '$3 == s { print $1 }')
	[ -n "$off" ] || { echo "no symbol $1 in $B" >&2; return 1; }
	printf '0x%x' $((BASE + 0x$off + $2))
}

# trace FILE RECORD-LINE...: a version 2 trace of process 100 (comm
# stacks, its binary mapped at BASE), the lines given, and a trailer
trace() {
	local f=$1 base
	shift
	base=$(printf '0x%x' "$BASE")
	{
		printf 'H\tuvm-trace\t2\ttest\t1000\t0\t100\t1\tevents\tsyscall,fault,process,mm,stack\n'
		printf 'P\t1000\t100\t1\t1\tstacks\t%s\n' "$B"
		printf 'F\t1001\t100\t100\t%s\t%s\tru\tminor\t10\tfile\t%s\t%s\n' "$base" "$(at main 0)" "$base" "$B"
		printf '%s\n' "$@"
	} >"$f"
	printf 'T\t9000\t%d\t0\t0\t0\t0\n' "$(wc -l <"$f")" >>"$f"
}

# S and F records of process 100, thread 100
S() { printf 'S\t%s\t100\t100\t110\t%s\t1\t-\t%s\t-' "$1" "$2" "$3"; }
F() { printf 'F\t%s\t100\t100\t0x7f0000001000\t%s\t%s\t%s\t%s\tanon\t0x7f0000000000\t-' "$1" "$(at touch_pages 9)" "$2" "$3" "$4"; }
K() { local IFS=' '; printf 'K\t100\t100\t20\t%s' "$*"; }
