"""A live fleet over gRPC (issue 17 items 7, 8): start-up gated on the matcher, writes
beside reads, open-loop recommendations beside position updates, and headroom against a
bare grpcio server with a canned response of the same size.

Quick mode (CI): a 2,000-vehicle world for a few seconds. Full mode
(``YUNLI_BENCH_FULL=1``): the 20,000-vehicle, 2,000,000-trip world, 60 s of 1,000
recommendations/s beside 1,000 position updates/s (``bench/live_fleet.py`` does the
work; its JSON is what ``bench/RESULTS.md`` quotes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.conftest import FULL

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.benchmark(group="server")
def test_live_fleet(benchmark: Any, tmp_path: Path) -> None:
    """The server turns SERVING, answers beside fleet writes, and the headroom ratio is
    measured against the canned bare server in the same run."""
    out_file = tmp_path / "live_fleet.json"
    cmd = [sys.executable, "-m", "bench.live_fleet", "--json", str(out_file)]
    if not FULL:
        cmd.append("--quick")
    else:
        cmd += ["--batch", "100", "--engine-day"]

    def run() -> dict[str, Any]:
        subprocess.run(cmd, cwd=ROOT, check=True, timeout=3600)
        result: dict[str, Any] = json.loads(out_file.read_text())
        return result

    out = benchmark.pedantic(run, rounds=1, iterations=1)
    y = out["yunli"]
    assert y["health_seen"][-1] == "SERVING"
    assert y["mixed"]["recommend"]["calls"] > 0
    assert y["mixed"]["positions"]["calls"] > 0
    benchmark.extra_info.update(
        to_serving_s=y["to_serving_s"],
        first_rec_ms=y["first_rec_ms"],
        mixed_p99_ms=y["mixed"]["recommend"]["p99_ms"],
        headroom_ratio=y["headroom"]["ratio"],
    )
