#!/usr/bin/env python3
"""Compare recomputed run records with the ones they replace, bit for bit.

    tools/compare-records.py OLD_REV [RESULTS_DIR]

For every record under RESULTS_DIR/runs (default: results/runs) the record of the same path at
git revision OLD_REV is read, and the run's numbers are compared exactly (JSON floats parsed as
Python floats, which round-trip the 17-digit values the harness writes): status, metrics, curves,
parameter_count and extra. Timings are not numbers of the run but of the machine, so they are
left out: the `timings` object, metrics and extra fields whose name says seconds or a rate
(`*seconds*`, `*per_second*`), and the key and provenance (which change with the code hash by
design). NaN equals NaN here (a diverged run that diverges again the same way is the same result).

Exit status: 0 every record equal; 1 some differ (each difference is listed); 2 usage or a
record missing on either side.
"""
import json
import math
import os
import subprocess
import sys


def timing_name(name):
    return "seconds" in name or "per_second" in name


def strip(rec):
    out = {k: rec.get(k) for k in ("status", "parameter_count", "curves")}
    out["metrics"] = {k: v for k, v in (rec.get("metrics") or {}).items() if not timing_name(k)}
    extra = rec.get("extra") or {}
    out["extra"] = {k: v for k, v in extra.items() if not timing_name(k)} if isinstance(extra, dict) else extra
    return out


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def diff_paths(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                yield f"{path}/{k} (present on one side only)"
            else:
                yield from diff_paths(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from diff_paths(x, y, f"{path}[{i}]")
    elif not same(a, b):
        yield f"{path}: {a!r} -> {b!r}"


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    rev = sys.argv[1]
    results = sys.argv[2] if len(sys.argv) == 3 else "results"
    runs = os.path.join(results, "runs")
    old_paths = set(
        subprocess.run(
            ["git", "ls-tree", "-r", "--name-only", rev, "--", "results/runs"],
            check=True, capture_output=True, text=True,
        ).stdout.split()
    )
    new_paths = set()
    for root, _, files in os.walk(runs):
        for f in files:
            if f.endswith(".json"):
                rel = os.path.relpath(os.path.join(root, f), results)
                new_paths.add("results/" + rel.replace(os.sep, "/"))
    missing_new = sorted(old_paths - new_paths)
    missing_old = sorted(new_paths - old_paths)
    equal, differ = 0, 0
    for p in sorted(old_paths & new_paths):
        old = json.loads(subprocess.run(["git", "show", f"{rev}:{p}"], check=True, capture_output=True, text=True).stdout)
        with open(os.path.join(results, os.path.relpath(p, "results"))) as fh:
            new = json.load(fh)
        a, b = strip(old), strip(new)
        if same(a, b):
            equal += 1
        else:
            differ += 1
            print(f"DIFFERENT {p}")
            for line in list(diff_paths(a, b))[:10]:
                print(f"    {line}")
    for p in missing_new:
        print(f"MISSING (not recomputed) {p}")
    for p in missing_old:
        print(f"NEW (no record at {rev}) {p}")
    print(f"{equal} records bitwise-equal in every number (timings excepted), {differ} different, "
          f"{len(missing_new)} not recomputed, {len(missing_old)} new")
    if differ:
        return 1
    return 2 if missing_new else 0


if __name__ == "__main__":
    sys.exit(main())
