# guest-job.bash - sourced by the job a guest test file runs in its one
# boot (setup_file: "$UVM_VM" run ... bash "$D/job.sh"), in the guest:
# traced runs of the module $D/uvm.ko, each leaving its files in $D.

# wq WORD...: the words quoted for staprun -c, which splits its command
# with wordexp(3)
wq() {
	local s out=""
	for s in "$@"; do
		s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//\$/\\\$}; s=${s//\`/\\\`}
		out+="${out:+ }\"$s\""
	done
	printf '%s' "$out"
}

# t NAME [MODULE-PARAM...] -- CMD...: one traced run of CMD under the
# module ($KO, or $D/uvm.ko): its trace $D/NAME.trace, its stdout and
# stderr $D/NAME.out and $D/NAME.err (staprun's and the command's), and
# staprun's exit status in $D/NAME.status
t() {
	local name=$1 p=()
	shift
	while [ "$1" != -- ]; do p+=("$1"); shift; done
	shift
	staprun -o "$D/$name.trace" -c "$(wq "$@")" "${KO:-$D/uvm.ko}" "${p[@]}" >"$D/$name.out" 2>"$D/$name.err"
	echo $? >"$D/$name.status"
}

# armed ERR PID: wait (up to 5 minutes) until staprun PID, whose stderr
# is ERR, started with -vv, has its module running: stapio says so once
# the module's start returned, after SystemTap registered every probe
# ("systemtap_module_init() returned 0"; older stapio: "probe_start()").
# Writes "armed after N s", or why not, to ERR.armed (not to ERR, which
# stapio writes at its own offset); a staprun that ended ends the wait.
# The header is no such sign: uvm.stp writes it from a begin probe, and
# SystemTap runs begin probes before it arms the others, so a process
# attached (-x, pids=) that acts as soon as it sees the header can fork
# or make calls before anything traces them.
armed() {
	local t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 300 ]; do
		if grep -qE '(systemtap_module_init|probe_start)\(\) returned 0$' "$1" 2>/dev/null; then
			echo "armed after $((SECONDS - t0)) s" >"$1.armed"
			return 0
		fi
		if ! kill -0 "$2" 2>/dev/null; then
			echo "not armed: staprun exited before its module ran" >"$1.armed"
			return 1
		fi
		sleep 0.2
	done
	echo "not armed in 300 s" >"$1.armed"
	return 1
}
