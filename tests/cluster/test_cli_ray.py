"""The installed ``yunli`` command in a subprocess against a real two-node Ray cluster:
``yunli optimize --ray`` (many depots, one large depot in sectors), ``yunli simulate
--ray`` (a run whose worker dies is retried; one that dies every time fails the run
with nothing written), progress lines as partitions finish, and a clear error when the
cluster is unreachable.

The cluster is Ray's own ``ray.cluster_utils.Cluster`` (a head without CPUs and two
one-CPU worker nodes, separate raylets on this machine), as in ``test_ray_cluster.py``;
the subprocess is a second driver connecting to it by address. Skipped only when Ray
is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')")

from engine.routing import check  # noqa: E402
from engine.routing.model import Model  # noqa: E402

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[2]


def _yunli() -> list[str]:
    exe = shutil.which("yunli", path=str(Path(sys.executable).parent)) or shutil.which("yunli")
    return [exe] if exe else [sys.executable, "-m", "engine.cli"]


@pytest.fixture(scope="module")
def cluster(ray_cluster: Any) -> tuple[Any, set[str]]:
    """The session's two-node cluster (conftest) and its worker nodes' ids."""
    return ray_cluster, {n.node_id for n in ray_cluster.worker_nodes}


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``yunli ARGS`` in a fresh process (the installed console script)."""
    e = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run(
        [*_yunli(), *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=200
    )


def _progress_nodes(err: str) -> list[str]:
    return re.findall(r"partitions done \(\S+ on node (\w+)", err)


def depot_tables(
    tmp: Path, depots: int, jobs_per_depot: int, seed: int = 0, vans: int = 4
) -> list[str]:
    """Sites, vehicles and jobs tables of ``depots`` depots in different cities, each
    with its own van type and jobs around it; returns the ``--sites ...`` arguments."""
    rng = np.random.default_rng(seed)
    centres = [(31.23, 121.47), (30.27, 120.15), (32.06, 118.78), (31.30, 120.58)][:depots]
    site_id, lat, lon = [], [], []
    vehicles: dict[str, list[Any]] = {
        k: [] for k in ("type_id", "count", "weight_kg", "volume_l", "start_site", "shift_start",
                        "shift_end", "cost_per_km", "profile")
    }  # fmt: skip
    jobs: dict[str, list[Any]] = {
        k: [] for k in ("job_id", "kind", "site", "weight_kg", "volume_l", "service", "tw_start",
                        "tw_end")
    }  # fmt: skip
    for d, (clat, clon) in enumerate(centres):
        site_id.append(f"DC{d}")
        lat.append(clat)
        lon.append(clon)
        for col, v in zip(vehicles, (f"van{d}", vans, 1500, 6000, f"DC{d}", 8 * 3600, 20 * 3600,
                                     250, "van"), strict=True):  # fmt: skip
            vehicles[col].append(v)
        for i in range(jobs_per_depot):
            s = f"S{d}-{i}"
            site_id.append(s)
            lat.append(clat + float(rng.uniform(-0.12, 0.12)))
            lon.append(clon + float(rng.uniform(-0.12, 0.12)))
            for col, v in zip(jobs, (f"J{d}-{i}", "delivery", s, int(rng.integers(50, 300)), 300,
                                     300, 9 * 3600, 18 * 3600), strict=True):  # fmt: skip
                jobs[col].append(v)
    frames = {
        "sites": pl.DataFrame({"site_id": site_id, "lat": lat, "lon": lon}),
        "vehicles": pl.DataFrame(vehicles),
        "jobs": pl.DataFrame(jobs),
    }
    out = []
    for name, df in frames.items():
        p = tmp / f"{name}.csv"
        df.write_csv(p)
        out += [f"--{name}", str(p)]
    return out


def _check_plan(tmp: Path, tables: list[str], doc: dict[str, Any]) -> None:
    """The written plan, read back onto the problem, is feasible and serves every job."""
    t = dict(zip(tables[::2], tables[1::2], strict=True))
    problem = Model.from_polars(
        pl.read_csv(t["--sites"]), pl.read_csv(t["--vehicles"]), pl.read_csv(t["--jobs"])
    ).data()
    type_of = {vt.name: vt.index for vt in problem.vehicle_types}
    job_of = {j.name: j.index for j in problem.jobs}
    routes = [(type_of[r["vehicle_type"]], [job_of[j] for j in r["jobs"]]) for r in doc["routes"]]
    rep = check(problem, routes)
    assert rep.routes_feasible
    assert not rep.dropped
    assert doc["cost"] == pytest.approx(rep.cost)


def test_optimize_many_depots_on_both_nodes(cluster: Any, tmp_path: Path) -> None:
    """Three depots: one partition each, spread over both worker nodes, merged into one
    feasible plan of every job; each partition's time limit honoured; a progress line
    per finished partition."""
    c, workers = cluster
    tables = depot_tables(tmp_path, 3, 25)
    out = tmp_path / "plan.json"
    p = run(["optimize", *tables, "--ray", c.address, "--time-limit", "1", "--output",
             str(out)], tmp_path)  # fmt: skip
    assert p.returncode == 0, p.stderr
    nodes = _progress_nodes(p.stderr)
    assert len(nodes) == 3
    assert {n[:8] for n in workers} == set(nodes)
    assert "3 partition(s) (depots)" in p.stderr
    doc = json.loads(out.read_text())
    assert sum(len(r["jobs"]) for r in doc["routes"]) == 75
    for r in doc["routes"]:  # a depot's vans serve its own city's jobs
        assert {j.split("-")[0][1:] for j in r["jobs"]} == {r["vehicle_type"][3:]}
    _check_plan(tmp_path, tables, doc)
    assert "solver ray" in p.stdout


def test_optimize_one_large_depot_in_sectors(cluster: Any, tmp_path: Path) -> None:
    """One depot split into 3 sectors plus boundary repair: still one feasible plan of
    every job."""
    c, _ = cluster
    tables = depot_tables(tmp_path, 1, 90, seed=3, vans=14)
    out = tmp_path / "plan.json"
    p = run(["optimize", *tables, "--ray", c.address, "--partitions", "3", "--time-limit",
             "0.6", "--output", str(out)], tmp_path)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "partition(s) (sectors)" in p.stderr
    assert len(_progress_nodes(p.stderr)) >= 3 + 2  # three sectors and their repairs
    _check_plan(tmp_path, tables, json.loads(out.read_text()))


def test_unreachable_cluster_is_a_clear_error(tmp_path: Path) -> None:
    """Nothing listens at the address: exit 3 at once, one line naming it, no output."""
    tables = depot_tables(tmp_path, 2, 5)
    out = tmp_path / "plan.json"
    t0 = time.perf_counter()
    p = run(["optimize", *tables, "--ray", "127.0.0.1:9", "--output", str(out)], tmp_path)
    assert p.returncode == 3
    assert "yunli optimize: cluster unavailable: cannot reach the Ray cluster at 127.0.0.1:9" in (
        p.stderr
    )
    assert "Traceback" not in p.stderr
    assert not out.exists()
    p = run(["simulate", "store-day", "--ray", "127.0.0.1:9"], tmp_path)
    assert p.returncode == 3
    assert "yunli simulate: cluster unavailable" in p.stderr
    p = run(["optimize", *tables, "--partitions", "2", "--output", str(out)], tmp_path)
    assert p.returncode == 2
    assert "invalid input: partitions: splits a problem over a Ray cluster: add --ray" in p.stderr
    assert not out.exists()
    assert time.perf_counter() - t0 < 60


FLAKY = '''
import os
from pathlib import Path


def once(seed, marker):
    """Dies (the whole worker process) the first time a seed runs, then answers."""
    m = Path(marker) / f"seed-{seed}"
    if not m.exists():
        m.write_text("died once")
        os._exit(3)
    return {"seed_squared": seed * seed, "pid": os.getpid()}


def always(seed):
    os._exit(3)
'''


def test_simulate_sweep_retries_a_dead_worker_and_never_writes_partial(
    cluster: Any, tmp_path: Path
) -> None:
    """``yunli simulate --ray``: the store-day simulator over 2 settings x 2 seeds gives
    one summary row per (setting, policy); a run whose worker process dies is retried
    on a fresh worker and the table is complete; a run dying on every attempt exits 4,
    names the run and writes no table."""
    c, workers = cluster
    out = tmp_path / "sweep.csv"
    p = run(["simulate", "store-day", "--ray", c.address, "--param", "orders=15,25",
             "--param", "ebikes=2", "--param", "time_limit=0.05", "--seeds", "2", "--output",
             str(out)], tmp_path)  # fmt: skip
    assert p.returncode == 0, p.stderr
    t = pl.read_csv(out)
    assert t.height == 2 * 3
    assert set(t["runs"]) == {2}
    assert set(t["policy"]) == {"yunli", "nearest_idle", "greedy"}
    assert set(_progress_nodes(p.stderr)) == {n[:8] for n in workers}

    (tmp_path / "flaky.py").write_text(FLAKY)
    marker = tmp_path / "markers"
    marker.mkdir()
    env = {"PYTHONPATH": str(tmp_path)}
    out2 = tmp_path / "flaky.csv"
    p = run(["simulate", "flaky:once", "--ray", c.address, "--param", f"marker={marker}",
             "--seeds", "3", "--runs-output", str(out2)], tmp_path, env)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert sorted(pl.read_csv(out2)["seed_squared"]) == [0, 1, 4]
    assert len(list(marker.iterdir())) == 3  # every run died once ...
    assert p.stderr.count("attempt 2") == 3  # ... and was retried
    assert "retried 3" in p.stdout

    out3 = tmp_path / "doomed.csv"
    p = run(["simulate", "flaky:always", "--ray", c.address, "--seeds", "1", "--output",
             str(out3)], tmp_path, env)  # fmt: skip
    assert p.returncode == 4
    assert "partition 'run-0' failed on all 3 attempts" in p.stderr
    assert "no partial result" in p.stderr
    assert not out3.exists()
