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
	# a script calling every function of the generated runtime, public
	# (uvm_*) and internal (__uvm_*) alike
	awk '/^function _*uvm_/ {
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
	# uvm.stp as the guest test files build it: the module they reuse
	run _guest_compile -I "$UVM_ROOT/tapsets" "$UVM_ROOT/scripts/uvm.stp" "$BATS_TEST_TMPDIR/uvm.ko"
	[ "$status" -eq 0 ] || { echo "uvm.stp: $output"; false; }
	[ -s "$BATS_TEST_TMPDIR/uvm.ko" ]
	for s in "$UVM_ROOT"/examples/*.stp; do
		run "$UVM_VM" compile -I "$UVM_ROOT/tapsets" "$s" "$BATS_TEST_TMPDIR/m.ko"
		[ "$status" -eq 0 ] || { echo "$s: $output"; false; }
	done
}

# Public functions of the tapsets: "name param param ..." per line, from
# the 'function uvm_*' lines of every tapset file.
public_functions() {
	awk '/^function uvm_[a-z0-9_]*[ :(]/ {
		line = $0; sub(/^function /, "", line)
		name = line; sub(/[ :(].*/, "", name)
		args = line; sub(/^[^(]*\(/, "", args); sub(/\).*/, "", args)
		n = split(args, a, ","); out = name
		for (i = 1; i <= n; i++) {
			p = a[i]; gsub(/ /, "", p); sub(/:.*/, "", p)
			if (p != "") out = out " " p
		}
		print out
	}' "$UVM_ROOT"/tapsets/*.stp
}

@test "every public uvm_* function has a kernel-doc comment naming its arguments" {
	# the comment ends on the line above the function; "/** sfunction
	# NAME - ...", then one "@arg:" line per parameter, in order
	run awk '
		/^\/\*\*/ { indoc = 1; doc = ""; args = "" }
		indoc && match($0, /sfunction [a-z0-9_]+ - /) {
			doc = substr($0, RSTART + 10, RLENGTH - 13)
		}
		indoc && /^ \* @[a-z_0-9]+:/ { a = $2; sub(/^@/, "", a); sub(/:$/, "", a); args = args " " a }
		indoc && /\*\// { indoc = 0; end = FNR }
		/^function uvm_[a-z0-9_]*[ :(]/ {
			line = $0; sub(/^function /, "", line)
			name = line; sub(/[ :(].*/, "", name)
			plist = line; sub(/^[^(]*\(/, "", plist); sub(/\).*/, "", plist)
			n = split(plist, p, ","); params = ""
			for (i = 1; i <= n; i++) {
				q = p[i]; gsub(/ /, "", q); sub(/:.*/, "", q)
				if (q != "") params = params " " q
			}
			if (end != FNR - 1 || doc != name)
				print FILENAME ": " name ": no /** sfunction " name " - ... */ comment above it"
			else if (args != params)
				print FILENAME ": " name ": documents (" args " ), takes (" params " )"
			end = 0
		}' "$UVM_ROOT"/tapsets/*.stp "$UVM_ROOT"/tapsets/stacks/*.stp
	assert_success
	assert_output ""
	[ "$(public_functions | wc -l)" -ge 17 ]
}

@test "every public uvm_* function resolves when a script calls it (pass 2)" {
	# one call per function, arguments by declared type (0 or ""); a
	# function that is missing, private or mistyped fails the analysis
	script=$(awk '/^function uvm_[a-z0-9_]*[ :(]/ {
		line = $0; sub(/^function /, "", line)
		name = line; sub(/[ :(].*/, "", name)
		args = line; sub(/^[^(]*\(/, "", args); sub(/\).*/, "", args)
		n = split(args, a, ","); call = ""
		for (i = 1; i <= n; i++) {
			if (a[i] ~ /^ *$/) continue
			call = call (call == "" ? "" : ", ") (a[i] ~ /:string/ ? "\"\"" : "0")
		}
		print "\tif (x == 42) " name "(" call ")"
	}' "$UVM_ROOT"/tapsets/*.stp)
	[ "$(wc -l <<<"$script")" -eq "$(public_functions | wc -l)" ]
	run in_image stap -u -r "$GUEST_KERNEL" -p2 -I "$UVM_ROOT/tapsets" \
		-e "global x; probe begin { $script }"
	assert_success
}

@test "scripts/uvm.stp and the examples call no internal _uvm_/__uvm_ function" {
	# code only: comments and strings dropped
	for s in "$UVM_ROOT/scripts/uvm.stp" "$UVM_ROOT"/examples/*.stp; do
		sed -e 's://.*$::' -e 's/"[^"]*"//g' "$s" |
			grep -noE '(^|[^A-Za-z0-9_])_+uvm_[a-z0-9_]*[[:space:]]*\(' |
			sed "s|^|${s#"$UVM_ROOT"/}:|"
	done >"$BATS_TEST_TMPDIR/internal"
	run cat "$BATS_TEST_TMPDIR/internal"
	assert_output ""
}

@test "the tapsets name their kernel constants: no bare system call numbers, clone or fault flag bits" {
	# code only: comment lines, inline comments and strings dropped; then
	# the x86_64 numbers uvm uses (mmap family, clone family, execve,
	# execveat, exit, exit_group, MAX_ERRNO), any hex literal but the
	# 32-bit mask of a vm_fault_t, and any bit test on a bare number
	cd "$UVM_ROOT/tapsets"
	for f in uvm_mm.stp uvm_syscall*.stp uvm_track.stp uvm_process.stp uvm_fault*.stp; do
		awk -v f="$f" '
			/^[ \t]*(\/\/|\/\*|\*)/ { next }
			{
				line = $0
				gsub(/\/\*.*\*\//, "", line); sub(/\/\/.*$/, "", line)
				gsub(/"[^"]*"/, "\"\"", line)
				gsub(/& 0xffffffff/, "", line)
				if (line ~ /(^|[^A-Za-z0-9_])(9|10|11|12|25|56|57|58|59|60|231|322|435|4095)([^A-Za-z0-9_]|$)/ ||
				    line ~ /0[xX][0-9a-fA-F]+/ || line ~ /&[ \t]*[0-9]/)
					print f ":" FNR ": " $0
			}' "$f"
	done >"$BATS_TEST_TMPDIR/bare"
	run cat "$BATS_TEST_TMPDIR/bare"
	assert_output ""
	# and the names they use instead are there
	run grep -c '@const("__NR_\|@const("CLONE_THREAD")\|@const("FAULT_FLAG_' \
		uvm_mm.stp uvm_syscall.stp uvm_syscall_return.stp uvm_track.stp uvm_process.stp uvm_fault.stp
	assert_success
	refute_output --partial ':0'
}
