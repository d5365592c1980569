#!/usr/bin/env python3
"""check.py TRACE EXPECTED: every hostile name the workload (hostile.c)
used reads back byte for byte from the uvm trace, after unescaping as
uvm-collect does.  Prints what it checked; exits 1 on the first mismatch."""
import sys


def unescape(s):
    """uvm_unescape() of helpers/trace.c, on bytes; "-" alone is none."""
    if s == b"-":
        return b""
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        e = s[i + 1:i + 2]
        if e == b"x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
            continue
        out += {b"\\": b"\\", b"t": b"\t", b"n": b"\n", b"r": b"\r"}.get(e, e)
        i += 2
    return bytes(out)


def quoted(args):
    """The string argument of an args field: between its first and last
    double quote, and whether it was cut ("..." before the quote)."""
    s = args[args.index(b'"') + 1:args.rindex(b'"')]
    if s.endswith(b"..."):
        return s[:-3], True
    return s, False


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


trace = [line.rstrip(b"\n").split(b"\t") for line in open(sys.argv[1], "rb")]
expected = [line.split() for line in open(sys.argv[2], "rb")]
want = {}
for rec in expected:
    want.setdefault(rec[0].decode(), []).append([bytes.fromhex(h.decode()) for h in rec[1:]])

opens = [quoted(r[9]) for r in trace if r[0] == b"S" and r[5] == b"openat"]
for (path,) in want["file"]:
    if not any(unescape(o[0]) == path and not o[1] for o in opens):
        fail("openat of %r not in the trace" % path)
    print("openat %r: read back" % path)

(longp,) = want["long"][0]
cut = [o for o in opens if o[1] and longp.startswith(unescape(o[0]))]
if not cut or len(unescape(cut[0][0])) != 128:
    fail("the 4095-byte path: no openat of its first 128 bytes marked cut")
print("openat of the 4095-byte path: its first 128 bytes, marked cut")

(comm,) = want["comm"][0]
clones = [unescape(r[8]) for r in trace if r[0] == b"C"]
if comm not in clones:
    fail("comm %r not in any clone record: %r" % (comm, clones))
print("comm %r: read back from the fork's record" % comm)

(link,) = want["exec"][0]
argv = want["argv"][0]
execs = [r for r in trace if r[0] == b"E" and unescape(r[5]) == link]
if not execs:
    fail("no exec record of %r" % link)
got = [unescape(a) for a in execs[0][7].split(b" ")]
if got != argv:
    fail("argv %r, expected %r" % (got, argv))
print("exec %r with argv %r: read back" % (link, argv))

first = want["file"][0][0]
maps = [unescape(r[14]) for r in trace if r[0] == b"M" and r[4] == b"mmap"]
if first not in maps:
    fail("no mmap record of %r" % first)
faults = [unescape(r[11]) for r in trace if r[0] == b"F" and r[9] == b"file"]
if first not in faults:
    fail("no fault record in %r" % first)
print("mmap and fault of %r: read back" % first)
