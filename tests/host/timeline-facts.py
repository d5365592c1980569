#!/usr/bin/env python3
"""timeline-facts.py - what a uvm timeline (uvm-collect -f perfetto) shows.

Usage: timeline-facts.py TIMELINE.json

Prints one JSON object of facts for the tests to assert on with jq; the
format's validity is perfetto-check.py's job:

  syscalls, faults     slices of cat "syscall" and "fault"
  lives                slices of cat "process" (one per process)
  processes            distinct pids named by process_name
  names                {pid: process name}, as the UI shows them
  kernel_faults        faults taken by the kernel on user memory (access *k)
  kernel_faults_inside of those, the ones inside a system call slice of
                       their own thread (the others: rseq and set_tid
                       updates, signal frames, ... on the way back to
                       user mode)
  counters             {name: events} of counter events
  loss                 the document's loss (the report's)
"""
import bisect
import collections
import json
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    events = doc["traceEvents"]
    by_cat = collections.Counter()
    counters = collections.Counter()
    names = {}
    syscalls = collections.defaultdict(list)  # (pid, tid) -> [(ts, end, returned)]
    kfaults = []
    for ev in events:
        ph = ev.get("ph")
        if ph == "M" and ev.get("name") == "process_name":
            names[ev["pid"]] = ev["args"]["name"]
        elif ph == "C":
            counters[ev["name"]] += 1
        elif ph == "X":
            cat = ev.get("cat")
            by_cat[cat] += 1
            key = (ev["pid"], ev["tid"])
            if cat == "syscall":
                syscalls[key].append((ev["ts"], ev["ts"] + ev["dur"]))
            elif cat == "fault" and ev["args"]["access"].endswith("k"):
                kfaults.append((key, ev["ts"], ev["ts"] + ev["dur"]))
    for v in syscalls.values():
        v.sort()
    starts = {k: [s[0] for s in v] for k, v in syscalls.items()}
    inside = 0
    for key, ts, end in kfaults:
        v = syscalls.get(key, [])
        i = bisect.bisect_right(starts.get(key, []), ts) - 1
        # system calls on one thread do not overlap: only the latest one
        # begun before the fault can hold it
        if i >= 0 and v[i][1] >= end:
            inside += 1
    json.dump({
        "syscalls": by_cat["syscall"],
        "faults": by_cat["fault"],
        "lives": by_cat["process"],
        "processes": len(names),
        "names": {str(k): v for k, v in names.items()},
        "kernel_faults": len(kfaults),
        "kernel_faults_inside": inside,
        "counters": counters,
        "loss": doc.get("loss"),
    }, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
