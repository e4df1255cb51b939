"""Run ``yunli solve`` on every instance of the standard sets and confirm each with the checker.

Usage (about 26 minutes on one core for the 155 instances at 10 s)::

    python bench/check_feasible.py --time-limit 10 --solver ortools --out /tmp/feasible

For each instance it runs the CLI in a subprocess, reads the written JSON back (file
customer numbers), maps it onto the problem and re-checks it with
``engine.routing.checker.check``. Prints one line per instance and a final tally; exits
non-zero if any solution is missing or infeasible.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from engine.routing import check, formats

DATA = Path(__file__).resolve().parent / "data" / "benchmarks"


def instances(sets: list[str]) -> list[tuple[Path, str]]:
    """(path, format) of the instances in the requested sets."""
    out: list[tuple[Path, str]] = []
    if "solomon" in sets:
        out += [(p, "solomon") for p in sorted((DATA / "solomon").glob("[CR]*.txt"))]
    if "lilim" in sets:
        out += [(p, "lilim") for p in sorted((DATA / "lilim").glob("l*.txt"))]
    if "x" in sets:
        out += [(p, "vrplib") for p in sorted((DATA / "x").glob("X-*.vrp"))]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--solver", default="ortools")
    ap.add_argument("--sets", default="solomon,lilim,x")
    ap.add_argument("--out", type=Path, default=Path("/tmp/yunli_feasible"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    bad = 0
    rows = []
    for path, fmt in instances(args.sets.split(",")):
        js = args.out / f"{path.stem}.json"
        t = time.monotonic()
        cmd = [
            "yunli",
            "solve",
            str(path),
            "--format",
            fmt,
            "--time-limit",
            str(args.time_limit),
            "--seed",
            "1",
            "--solver",
            args.solver,
            "--output",
            str(js),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.monotonic() - t
        inst = formats.read(path, fmt)
        ok = False
        msg = proc.stdout.strip() or proc.stderr.strip()[-200:]
        if js.exists() and proc.returncode in (0, 4):
            sol = json.loads(js.read_text())
            index = {n: j for j, n in enumerate(inst.numbers)}
            routes = [[index[n] for n in r] for r in sol["routes"]]
            rep = check(inst.problem, [(0, r) for r in routes])
            ok = rep.feasible and abs(inst.cost(routes) - sol["cost"]) < 1e-6
            msg = f"{rep.summary()}; cost {sol['cost']:.2f}; vehicles {sol['vehicles']}"
        bad += not ok
        rows.append((path.stem, ok, wall))
        print(f"{path.stem:12s} {'OK ' if ok else 'BAD'} wall {wall:5.1f} s  {msg}", flush=True)
        js.unlink(missing_ok=True) if not ok else None
    n = len(rows)
    print(f"{n - bad}/{n} feasible (checker); max wall {max(r[2] for r in rows):.1f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
