# collect-fixtures.bash - for the host tests of uvm-collect: variants of
# the recorded fixtures (F), and live runs without a guest (T: where the
# runs' files go).

# more_getppid OUT N: syscalls.trace with N more getppid calls (copies of
# its first one), the trailer's record count kept right
more_getppid() {
	awk -F'\t' -v n="$2" 'BEGIN { OFS = "\t" }
		$1 == "T" { $3 += n; print; next }
		{ print }
		$1 == "S" && $6 == "getppid" && !done { for (i = 0; i < n; i++) print; done = 1 }' \
		"$F/syscalls.trace" >"$1"
}

# fake_vm: a stand-in for uvm-vm that writes the next of $T/live.N.trace
# (N = 1, 2, ...) where stap's -o says, as a guest run would
fake_vm() {
	cat >"$T/fake-vm" <<'SH'
#!/bin/bash
[ "$1" = stap ] || exit 1
n=$(( $(cat "$FAKE_DIR/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$FAKE_DIR/count"
while [ $# -gt 0 ]; do
	[ "$1" = -o ] && out=$2
	[ "$1" = -- ] && { shift; echo "$*" >>"$FAKE_DIR/cmds"; break; }
	shift
done
# ^C in run $FAKE_INT: uvm-collect passes it on, the run ends normally
if [ "$n" = "${FAKE_INT:-}" ]; then
	trap '' INT
	sleep 0.3
	kill -INT "$PPID"
	sleep 0.3
fi
[ -f "$FAKE_DIR/live.$n.trace" ] || { echo "stap: no trace for run $n" >&2; exit 1; }
cp "$FAKE_DIR/live.$n.trace" "$out"
SH
	chmod +x "$T/fake-vm"
	export UVM_VM=$T/fake-vm FAKE_DIR=$T UVM_TAPSETS=$UVM_ROOT/tapsets UVM_SCRIPT=$UVM_ROOT/scripts/uvm.stp
}
