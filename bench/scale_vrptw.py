"""How time and memory grow with problem size: city VRPTW from 200 to 2,000 stops.

The instance: a depot at a real city (``engine/data/china_cities.csv``, Shanghai by
default), stops scattered within ~35 km around it, deliveries of 20–300 kg and 50–800 L,
one two-hour delivery window per stop between 09:00 and 19:00 (a third of the stops may
be served in either of two windows), 5–15 minutes of service, a fleet of 4.2 m light
trucks (4 t, 16 m³) on an 07:00–21:00 shift with road distances (great circle × 1.3) and
the light-truck speed profile of ``engine.geo``.

Usage::

    python bench/scale_vrptw.py --sizes 200,500,1000,2000 --time-limit 60 --solver auto

Each size runs in a fresh subprocess so its peak RSS is its own; prints size, matrix
build time, time to the first solution (OR-Tools progress; it may still leave jobs out),
total wall time, checker verdict, cost, vehicles and peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from engine.routing import Model, Problem

ROOT = Path(__file__).resolve().parents[1]
CITIES = ROOT / "engine" / "data" / "china_cities.csv"


def city(name: str = "Shanghai") -> tuple[float, float]:
    """(lat, lon) of a city in the bundled cities file."""
    with CITIES.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["name"] == name:
                return float(row["latitude"]), float(row["longitude"])
    raise SystemExit(f"city {name!r} not in {CITIES}")


def city_vrptw(
    n: int, seed: int = 0, depot_city: str = "Shanghai", *, second_windows: bool = True
) -> Problem:
    """A seeded ``n``-stop city VRPTW (see the module docstring); with
    ``second_windows=False`` every stop keeps only its first window (the same draws)."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = city(depot_city)
    m = Model(dimensions=("weight_kg", "volume_l"))
    depot = m.add_depot(lat=lat0, lon=lon0, name="DC")
    hour = 3600
    n_trucks = max(5, n // 12)
    m.add_vehicle_type(
        n_trucks,
        capacity=(4000, 16000),
        start=depot,
        shift=(7 * hour, 21 * hour),
        fixed_cost=20_000,
        cost_per_km=350,
        cost_per_hour=3000,
        profile="light_truck",
        name="light_truck",
    )
    r_km = 35 * np.sqrt(rng.random(n))
    ang = 2 * np.pi * rng.random(n)
    lat = lat0 + (r_km * np.sin(ang)) / 111.0
    lon = lon0 + (r_km * np.cos(ang)) / (111.0 * np.cos(np.radians(lat0)))
    for i in range(n):
        s = m.add_site(lat=float(lat[i]), lon=float(lon[i]), name=f"S{i}")
        a = int(rng.integers(9, 17)) * hour
        tws = [(a, a + 2 * hour)]
        if i % 3 == 0:
            b = int(rng.integers(9, 17)) * hour
            if second_windows:
                tws.append((b, b + 2 * hour))
        m.add_job(
            s,
            delivery=(int(rng.integers(20, 301)), int(rng.integers(50, 801))),
            service=int(rng.integers(5, 16)) * 60,
            time_windows=tws,
            name=f"J{i}",
        )
    return m.data(name=f"city{n}")


def run_size(n: int, limit: float, solver: str, seed: int) -> dict[str, object]:
    """Build and solve one size in this process; return the measurements."""
    from engine.routing import check, solve

    t0 = time.monotonic()
    p = city_vrptw(n, seed)
    build = time.monotonic() - t0
    first: list[float] = []
    t1 = time.monotonic()
    sol = solve(
        p,
        time_limit=limit,
        seed=seed,
        solver=solver,
        progress=lambda e, _o: first.append(e) if not first else None,
    )
    wall = time.monotonic() - t1
    rep = check(p, sol.route_jobs())
    return {
        "stops": n,
        "build_s": round(build, 2),
        "first_solution_s": round(first[0], 2) if first else None,
        "solve_wall_s": round(wall, 2),
        "solver": sol.solver,
        "feasible": rep.feasible,
        "served": n - len(rep.dropped),
        "vehicles": rep.num_vehicles,
        "cost_yuan": round(rep.cost / 100, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="200,500,1000,2000")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--solver", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(run_size(args.one, args.time_limit, args.solver, args.seed)))
        return 0
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                str(n),
                "--time-limit",
                str(args.time_limit),
                "--solver",
                args.solver,
                "--seed",
                str(args.seed),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-500:]
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
