"""Meal Delivery Routing Problem: a simulated day under the exact MDRP rules (Yunli's
rolling-horizon dispatcher) and the check of its solution files.

Quick mode: 500 orders, 100 couriers (the smallest published size). Full
(``YUNLI_BENCH_FULL=1``): 3,200 orders, 400 couriers (the largest).
``python -m bench.mdrp_report`` gives the figures against the baselines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.conftest import size
from engine.stores.mdrp import MdrpInstance, generate_instance
from engine.stores.mdrp_check import verify_solution
from engine.stores.mdrp_sim import simulate_mdrp

ORDERS = size(500, 3_200)
COURIERS = size(100, 400)


@pytest.fixture(scope="module")
def inst() -> MdrpInstance:
    return generate_instance(ORDERS, COURIERS, max(20, ORDERS // 8), seed=0)


def test_mdrp_day_yunli(benchmark: Any, inst: MdrpInstance) -> None:
    run = benchmark.pedantic(simulate_mdrp, args=(inst, "yunli"), rounds=3, iterations=1)
    assert run.assigned == ORDERS


def test_mdrp_check(benchmark: Any, inst: MdrpInstance, tmp_path: Path) -> None:
    simulate_mdrp(inst, "greedy").write(tmp_path)
    m = benchmark.pedantic(verify_solution, args=(inst, tmp_path), rounds=3, iterations=1)
    assert m.delivered == ORDERS
