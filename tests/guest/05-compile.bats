#!/usr/bin/env bats
# The tapsets at SystemTap's passes 2 and 4, in the image (no boot needed):
# every alias resolves, its documented variables are the ones it has,
# and every embedded-C routine compiles for the guest kernel.

setup() {
	load '../test_helper/common-setup'
	_common_setup
	_guest_setup
}

in_image() { "$UVM_VM" chroot -- "$@"; }

# Documented variables of every public alias, from the kernel-doc comments:
# "alias var var ..." (sorted).  uvm.mm.* document "same variables".
documented() {
	awk '
		/^\/\*\* probe uvm\.mm\.[a-z]+ - .*same variables.*\*\/$/ { print $3, "SAME"; next }
		/^\/\*\*/ { inblock = 1; alias = ""; vars = ""; next }
		inblock && /\* probe uvm\./ { alias = $3 }
		inblock && /^ \* @[a-z_0-9]+:/ { v = $2; sub(/^@/, "", v); sub(/:$/, "", v); vars = vars " " v }
		inblock && /\*\// { inblock = 0; if (alias != "") print alias vars; alias = "" }
	' "$UVM_ROOT"/tapsets/*.stp | while read -r a rest; do
		if [ "$rest" = SAME ]; then rest=$(awk '$1 == "uvm.mm" { $1 = ""; print }' <<<"$all"); fi
		printf '%s %s\n' "$a" "$(tr ' ' '\n' <<<"$rest" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')"
	done
}

@test "every uvm.* alias resolves at pass 2" {
	aliases=$(grep -ho '^probe uvm\.[a-z.]*' "$UVM_ROOT"/tapsets/*.stp | awk '{ print $2 }' | sort -u)
	[ "$(wc -w <<<"$aliases")" -ge 12 ]
	# one stap run for all of them (-u: empty probes are kept); an alias
	# that does not resolve is named in stap's semantic error
	run in_image stap -u -r "$GUEST_KERNEL" -p2 -I "$UVM_ROOT/tapsets" \
		-e "$(for a in $aliases; do printf 'probe %s { }\n' "$a"; done)"
	assert_success
}

@test "every alias's documented @variables are exactly what stap -L lists" {
	run in_image stap -r "$GUEST_KERNEL" -I "$UVM_ROOT/tapsets" -L 'uvm.**'
	assert_success
	listed=$(printf '%s\n' "$output" | grep '^uvm\.' | while read -r a vars; do
		printf '%s %s\n' "$a" "$(tr ' ' '\n' <<<"$vars" | grep -E '^[a-z_][a-z0-9_]*:' | grep -v '^__' | sed 's/:.*//' | sort | tr '\n' ' ' | sed 's/ $//')"
	done | sort -u)
	all=$(documented)
	doc=$(documented | sort -u)
	echo "listed:"; echo "$listed"; echo "documented:"; echo "$doc"
	assert_equal "$listed" "$doc"
}

@test "every embedded-C routine of the runtime compiles at pass 4" {
	# a script calling every function of the generated runtime
	awk '/^function _uvm_/ {
		line = $0; sub(/^function /, "", line)
		name = line; sub(/[ :(].*/, "", name)
		args = line; sub(/^[^(]*\(/, "", args); sub(/\).*/, "", args)
		n = split(args, a, ","); call = ""
		for (i = 1; i <= n; i++) {
			if (a[i] ~ /^ *$/) continue
			call = call (call == "" ? "" : ", ") (a[i] ~ /:string/ ? "\"\"" : "0")
		}
		print "\tif (__x == 42) " name "(" call ")"
	}' "$UVM_ROOT/tapsets/uvm_runtime.stp" >"$BATS_TEST_TMPDIR/calls"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/calls")" -ge 40 ]
	{ echo 'global __x'; echo 'probe begin {'; cat "$BATS_TEST_TMPDIR/calls"; echo '}'; } >"$BATS_TEST_TMPDIR/all.stp"
	run "$UVM_VM" compile -I "$UVM_ROOT/tapsets" "$BATS_TEST_TMPDIR/all.stp" "$BATS_TEST_TMPDIR/all.ko"
	assert_success
	[ -s "$BATS_TEST_TMPDIR/all.ko" ]
}

@test "scripts/uvm.stp and every example compile at pass 4" {
	for s in "$UVM_ROOT/scripts/uvm.stp" "$UVM_ROOT"/examples/*.stp; do
		run "$UVM_VM" compile -I "$UVM_ROOT/tapsets" "$s" "$BATS_TEST_TMPDIR/m.ko"
		[ "$status" -eq 0 ] || { echo "$s: $output"; false; }
	done
}
