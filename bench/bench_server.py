"""gRPC server under load: recommend-vehicles-for-a-load from a separate client process.

Quick mode (CI): a 2,000-vehicle world for a few seconds. Full mode
(``YUNLI_BENCH_FULL=1``): the 20,000-vehicle, 2,000,000-trip world at 1,000 requests/s
for 60 s, then beside a 30-second optimization, and live-plan round trips on a
50-vehicle, 500-stop plan (``bench/server_load.py`` does the work;
``python -m bench.server_load --record`` appends the figures to ``RESULTS.md``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.conftest import FULL, size

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.benchmark(group="server")
def test_recommend_vehicles_under_load(benchmark: Any, tmp_path: Path) -> None:
    """Sustained RecommendVehicles load: no errors, the target rate reached in full mode,
    and the bare grpcio ceiling measured in the same run."""
    out_file = tmp_path / "load.json"
    cmd = [sys.executable, "-m", "bench.server_load", "--json", str(out_file)]
    if not FULL:
        cmd.append("--quick")

    def run() -> dict[str, Any]:
        subprocess.run(cmd, cwd=ROOT, check=True, timeout=1800)
        result: dict[str, Any] = json.loads(out_file.read_text())
        return result

    out = benchmark.pedantic(run, rounds=1, iterations=1)
    steady = out["steady"]
    benchmark.extra_info.update(
        rps=steady["rps"],
        p50_ms=steady["p50_ms"],
        p99_ms=steady["p99_ms"],
        ceiling_rps=out["ceiling"]["rps"],
        ratio_to_ceiling=out["ratio_to_ceiling"],
        rss_start_mib=out["rss_start_mib"],
        rss_end_mib=out["rss_end_mib"],
    )
    assert steady["errors"] == {}
    assert out["max"]["errors"] == {}
    assert steady["requests"] > 0
    if "live" in out:
        benchmark.extra_info.update(
            position_p50_ms=out["live"]["position_p50_ms"],
            replan_p50_ms=out["live"]["replan_p50_ms"],
        )
    if "during_optimize" in out:
        assert out["during_optimize"]["errors"] == {}
        assert out["optimize"]["routes"] > 0
        benchmark.extra_info.update(
            rps_during_optimize=out["during_optimize"]["rps"],
            p99_ms_during_optimize=out["during_optimize"]["p99_ms"],
        )
    if FULL:  # the target, alone and beside the optimization (2-core machine)
        for run in ("steady", "during_optimize"):
            r = out[run]
            assert r["rps"] >= 0.98 * r["target_rps"], (run, r["rps"])
            assert r["p99_ms"] <= 20.0, (run, r["p99_ms"])


@pytest.fixture(scope="module")
def recommend_setup() -> Any:
    """A matcher over a seeded generated world and 200 load ids to ask about."""
    import random

    from engine.data.generator import generate_world
    from engine.matching import Matcher

    world = generate_world(size(2_000, 20_000), size(50_000, 2_000_000), 2_000, seed=11)
    m = Matcher.from_world(world)
    ids = world.loads["load_id"].to_list()
    rng = random.Random(0)
    return m, [ids[rng.randrange(len(ids))] for _ in range(200)]


@pytest.mark.benchmark(group="server-recommend")
@pytest.mark.parametrize("path", ["lean", "frame"])
def test_recommend_response(benchmark: Any, recommend_setup: Any, path: str) -> None:
    """One RecommendVehicles answer (engine call + protobuf response, k=20), 200 loads per
    round: the server's lean path (core top-k straight to tuples) against the frame path
    (``recommend_vehicles`` -> Polars -> protobuf) it replaced; both give equal messages."""
    from server.convert.matching import recommend_response as _response
    from server.convert.matching import recommend_rows_response as _rows_response

    m, ids = recommend_setup

    def lean() -> list[Any]:
        return [_rows_response(i, m.recommend_vehicle_rows(i, k=20)) for i in ids]

    def frame() -> list[Any]:
        return [_response(i, m.recommend_vehicles(i, k=20)) for i in ids]

    out = benchmark(lean if path == "lean" else frame)
    assert out == (frame() if path == "lean" else lean())
    assert sum(len(r.recommendations) for r in out) > 0
