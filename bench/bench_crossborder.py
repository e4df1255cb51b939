"""Cross-border benchmarks (pytest-benchmark): quote latency and a day's consolidation.

Quick mode: 2,000 SKUs and 200 parcels; ``YUNLI_BENCH_FULL=1``: 20,000 SKUs with 50
warehouses and 50,000 parcels (the issue 13 targets). The figures in ``RESULTS.md`` come
from ``python bench/crossborder_report.py`` and ``python bench/crossborder_sim.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bench import crossborder_report as report
from bench.conftest import FULL
from engine.crossborder.consolidate import consolidate
from engine.crossborder.fulfil import Fulfiller
from engine.crossborder.ruleset import RuleBook
from engine.crossborder.world import build_world

BOOK = RuleBook.load()


def test_quote_five_lines(benchmark: Any) -> None:
    """One 5-line quote: fulfilment choice over 50 warehouses, tax and promise."""
    cat = report.quote_world(BOOK, skus=20_000 if FULL else 2_000)
    f = Fulfiller(cat, BOOK)
    orders = iter(report.five_line_orders(cat, 100_000 if FULL else 5_000))
    q = benchmark(lambda: f.quote(next(orders)))
    assert q.chosen.landed_fen > 0


@pytest.mark.parametrize("n", [50_000 if FULL else 200])
def test_day_consolidation(benchmark: Any, n: int) -> None:
    """A day's overseas parcels packed per departure with the load planner."""
    cat = build_world(BOOK.tax(dt.date(2026, 3, 3)), seed=0, skus=50, customers=500)
    parcels = report.day_parcels(cat, n)
    deps = benchmark.pedantic(
        lambda: consolidate(parcels, cat, time_limit_per_departure=4.0), rounds=1, iterations=1
    )
    assert sum(len(u) for d in deps for u in d.units) == n


def test_simulated_weeks(benchmark: Any) -> None:
    """The year simulator on a short horizon (quick) or a quarter (full): every policy
    serves the same orders and the figures add up."""
    from bench import crossborder_sim as sim

    days, per_day = (90, 100) if FULL else (14, 20)
    argv = ["--days", str(days), "--orders-per-day", str(per_day), "--customers", "2000"]
    out = benchmark.pedantic(lambda: sim.main([*argv, "--skus", "100"]), rounds=1, iterations=1)
    pols = {p["policy"]: p for p in out["policies"]}
    assert set(pols) == {"yunli", "direct", "bonded"}
    assert len({p["orders"] for p in pols.values()}) == 1
    for name in ("yunli", "direct"):  # each order is served, refused or out of stock
        p = pols[name]
        assert p["served"] + p["refused_by_limit"] + p["stockouts"] == p["orders"]
    assert pols["direct"]["inventory_units_avg"] == 0
