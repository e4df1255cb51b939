"""Freight orders under contention: grab storms from carrier processes over a real socket
and full lifecycles per second (``bench/orders_storm.py`` does the work).

Quick mode (CI): 8 carrier processes × 10 orders and 2 s of lifecycles, SQLite (and
PostgreSQL when ``YUNLI_TEST_PG_URL`` is set). Full mode (``YUNLI_BENCH_FULL=1``): the
issue's 100 carriers × 1,000 orders and the kill -9 and two-instance scenarios.
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


@pytest.mark.benchmark(group="orders")
def test_grab_storm_and_lifecycles(benchmark: Any) -> None:
    """Every order has exactly one winner, the ledger balances, lifecycles complete."""
    cmd = [sys.executable, "-m", "bench.orders_storm"]
    if FULL:
        cmd += ["--carriers", "100", "--orders", "1000"]
    else:
        cmd += [
            "--carriers",
            "8",
            "--orders",
            "10",
            "--seconds",
            "2",
            "--only",
            "storm",
            "--only",
            "lifecycle",
        ]

    def run() -> list[dict[str, Any]]:
        out = subprocess.run(
            cmd,
            cwd=ROOT,
            check=True,
            timeout=7200 if FULL else 600,
            capture_output=True,
            text=True,
            start_new_session=True,
        )
        return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]

    rows = benchmark.pedantic(run, rounds=1, iterations=1)
    results = [r for r in rows if "scenario" in r]
    assert results
    for r in results:
        if r["scenario"] in ("storm", "two"):
            assert r["orders_with_exactly_one_winner"] == r["orders"], r
        if r["scenario"] == "lifecycle":
            assert r["ledger_ok"], r
            assert r["lifecycles"] > 0, r
    benchmark.extra_info["results"] = results


@pytest.mark.benchmark(group="orders")
def test_market_day(benchmark: Any) -> None:
    """The market simulator's three regimes (60 loads quick, 2,000 full): every regime
    fills some orders and ends with a balanced ledger."""
    from bench.conftest import size
    from bench.market_sim import simulate

    n = size(60, 2000)

    def run() -> list[dict[str, Any]]:
        return [simulate(r, n, 7).row() for r in ("fixed", "bidding", "grabbing")]

    rows = benchmark.pedantic(run, rounds=1, iterations=1)
    for r in rows:
        assert 0 < r["fill_rate"] <= 1, r
        assert r["ledger"].startswith("ledger balanced"), r
    benchmark.extra_info["rows"] = rows
