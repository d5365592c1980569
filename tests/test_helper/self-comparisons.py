#!/usr/bin/env python3
"""self-comparisons.py - how often uvm-collect diff finds a change that is not there.

Usage: self-comparisons.py UVM_COLLECT RUNS_JSON SPLITS SEED [DIFF-OPTION...]

RUNS_JSON holds 2n runs of one workload ({"runs": [report, ...]}, as
uvm-collect --runs -f json writes them).  Each of SPLITS comparisons
splits them at random (seeded) into two halves of n and diffs the halves
(uvm-collect diff -f json DIFF-OPTION...): nothing changed between them,
so every row that is not "~" is a false finding.

What diff promises: for a split drawn at random, independently of the
values, each row's Mann-Whitney p is exact (a permutation test), and
Holm's correction keeps the chance of any false finding among the rows at
most alpha (0.05).  That holds for these very runs, over all their splits:
the share of splits with a false finding is at most alpha, whatever the
runs' noise.  A sample of SPLITS of them estimates that share.

Prints each split with a false finding (its rows), then one JSON line:
{"splits", "flagged" (splits with a false finding), "false_rows",
"rows_tested": [min, max], "all_judged" (every split judged its
latencies), "min_p_holm" (the smallest over all splits), "seconds"}.
Exit 0, or 2 when a diff failed.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__.split("\n\n")[1])
    collect, path, splits, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    options = sys.argv[5:]
    with open(path) as f:
        runs = json.load(f)["runs"]
    if len(runs) < 2 or len(runs) % 2:
        sys.exit(f"{path}: {len(runs)} runs: need an even number, at least 2")
    half = len(runs) // 2
    rng = random.Random(seed)
    start = time.monotonic()
    flagged = false_rows = 0
    tested = []
    all_judged = True
    min_p = 1.0
    with tempfile.TemporaryDirectory(prefix="uvm-selfdiff.") as tmp:
        a_path, b_path = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
        for k in range(splits):
            order = list(range(len(runs)))
            rng.shuffle(order)
            for p, idx in ((a_path, order[:half]), (b_path, order[half:])):
                with open(p, "w") as f:
                    json.dump({"runs": [runs[i] for i in idx]}, f)
            r = subprocess.run([collect, "diff", "-f", "json", *options, a_path, b_path],
                               capture_output=True, text=True, check=False)
            if r.returncode not in (0, 5):
                print(f"split {k}: uvm-collect diff exit {r.returncode}: {r.stderr.strip()}")
                sys.exit(2)
            d = json.loads(r.stdout)
            tested.append(d["rows_tested"])
            all_judged = all_judged and d["latency_judged"]
            ps = [row["p_holm"] for row in d["rows"] if row["p_holm"] is not None]
            if ps:
                min_p = min(min_p, min(ps))
            bad = [row for row in d["rows"] if row["verdict"] != "~"]
            if bad:
                flagged += 1
                false_rows += len(bad)
                print(f"split {k}: runs {sorted(order[:half])} against the rest:")
                for row in bad:
                    print("  " + json.dumps({key: row[key] for key in
                                             ("process", "metric", "base", "new", "p", "p_holm",
                                              "verdict", "base_runs", "new_runs") if key in row}))
    print(json.dumps({"splits": splits, "flagged": flagged, "false_rows": false_rows,
                      "rows_tested": [min(tested), max(tested)], "all_judged": all_judged,
                      "min_p_holm": min_p, "seconds": round(time.monotonic() - start, 1)}))


if __name__ == "__main__":
    main()
