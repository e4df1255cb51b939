"""In-process cost of a 100-vehicle position update (issue 17.7), for the source tree
this runs from: ``Matcher.with_vehicles`` of 100 moved vehicles, and the server's
``UpsertVehicles`` handler (validation, group commit to SQLite, state, matcher swap)
called directly on a server built over the same world (no socket). Median wall and
thread CPU (the calling thread's, including the core's GIL-free work) of each.

Run it once per tree on one world for a same-run comparison::

    python -m bench.position_update_report --world DIR            # this tree
    PYTHONPATH=OTHER_TREE python bench/position_update_report.py --world DIR   # another

``DIR`` is written by :func:`bench.server_load.write_world` (``--write-world`` does it).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _median_ms(f: Callable[[int], Any], n: int) -> tuple[float, float]:
    import numpy as np

    walls, cpus = [], []
    for i in range(n):
        c, t = time.thread_time(), time.perf_counter()
        f(i)
        walls.append(time.perf_counter() - t)
        cpus.append(time.thread_time() - c)
    return round(float(np.median(walls)) * 1e3, 2), round(float(np.median(cpus)) * 1e3, 2)


def main(argv: list[str] | None = None) -> int:
    """Print the figures as one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--world", required=True, help="world directory (see --write-world)")
    ap.add_argument("--write-world", nargs=3, type=int, metavar=("VEHICLES", "TRIPS", "LOADS"))
    ap.add_argument("--calls", type=int, default=40)
    a = ap.parse_args(argv)
    if a.write_world:
        from bench.server_load import write_world

        write_world(*a.write_world, 11, Path(a.world))
    import numpy as np
    import polars as pl

    from engine.data.loaders import load_world
    from engine.matching.matcher import Matcher
    from server.app import create_server
    from server.config import ServerConfig
    from server.convert import fleet as fconv
    from server.proto import fleet_pb2

    w = load_world(a.world)
    m = Matcher.from_world(w)
    rng = np.random.default_rng(0)
    v = w.vehicles
    moved = [
        v[rng.choice(v.height, 100, replace=False)].with_columns(pl.col("lat") + 0.01)
        for _ in range(a.calls)
    ]
    out: dict[str, Any] = {"loadavg": os.getloadavg()[0]}
    out["with_vehicles_ms_wall_cpu"] = _median_ms(lambda i: m.with_vehicles(moved[i]), a.calls)
    # the core alone: the whole fleet re-indexed, and (where the core has it) only the rows
    from engine.matching.matcher import _fleet_arrays

    core = m._core
    full = _fleet_arrays(v)
    out["core_with_fleet_ms_wall_cpu"] = _median_ms(lambda i: core.with_fleet(**full), a.calls)
    if hasattr(core, "with_fleet_rows"):
        for k in (1, 100):
            rows = [r.head(k) for r in moved]
            arrays = [_fleet_arrays(r) for r in rows]
            at = [m._vid.positions(r["vehicle_id"].to_numpy())[0] for r in rows]
            out[f"core_with_fleet_rows_{k}_ms_wall_cpu"] = _median_ms(
                lambda i, arrays=arrays, at=at: core.with_fleet_rows(rows=at[i], **arrays[i]),
                a.calls,
            )
    tmp = Path(tempfile.mkdtemp(prefix="yunli-posreport-"))
    cfg = ServerConfig(db=str(tmp / "db.sqlite"), tokens=frozenset({"t"}), import_world=a.world)
    srv, _port = create_server("127.0.0.1:0", cfg)
    srv.start()
    try:
        while not srv.matching.ready:
            time.sleep(0.1)
        reqs = []
        for j in range(2 * a.calls):
            rows = v.slice((j * 100) % (v.height - 100), 100).with_columns(
                lat=pl.col("lat") + 0.0005 * ((j % 7) - 3)
            )
            msgs = list(fconv.messages("vehicles", rows))
            reqs.append(fleet_pb2.UpsertVehiclesRequest(vehicles=msgs))
        out["upsert_vehicles_ms_wall_cpu"] = _median_ms(
            lambda i: srv.fleet.UpsertVehicles(reqs[i], None), 2 * a.calls
        )
    finally:
        srv.stop(0)
    out["loadavg_end"] = os.getloadavg()[0]
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
