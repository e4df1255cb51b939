"""Demand forecast, order-up-to levels and the van plan (engine/stores/replenish.py), with
the real routing core; and the ``yunli stores`` command."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import pytest

from engine.cli import main
from engine.errors import InvalidInputError
from engine.stores.model import Site, Sku, StoreNetwork
from engine.stores.replenish import (
    UNLOAD_FIXED_S,
    Sale,
    forecast_demand,
    order_up_to,
    plan_replenishment,
)
from engine.stores.simulate import DAY_MIDNIGHT

WEEK = 7 * 86_400
NOON = DAY_MIDNIGHT + 12 * 3600  # a Wednesday


def _net() -> StoreNetwork:
    return StoreNetwork.build(
        [
            Site("A", "store", 30.29, 120.16, receiving=((7 * 3600, 8 * 3600),)),
            Site("B", "store", 30.31, 120.18, receiving=((6 * 3600, 7 * 3600),)),
        ],
        [Sku("water", "water", 13, 16, 3600), Sku("milk", "milk", 1, 1, 1200)],
        [],
        {"A": {"water": 5, "milk": 0}, "B": {"water": 0}},
    )


def test_forecast_is_the_weekly_mean_per_hour_and_weekday() -> None:
    sales = [
        Sale(NOON - WEEK, "A", "milk", 4),
        Sale(NOON, "A", "milk", 8),
        Sale(NOON + 3600, "A", "milk", 2),
    ]
    fc = forecast_demand(sales)
    assert fc.weeks == 2
    m = fc.mean[("A", "milk")]
    assert m[2, 12] == 6.0
    assert m[2, 13] == 1.0
    assert m.sum() == 7.0
    assert fc.var[("A", "milk")][2, 12] == 8.0  # sample variance of (4, 8)
    mu, var = fc.interval("A", "milk", NOON + 1800, NOON + 2 * 3600)
    assert mu == pytest.approx(3.0 + 1.0)
    assert var == pytest.approx(4.0 + 2.0)
    with pytest.raises(InvalidInputError):
        forecast_demand([])
    with pytest.raises(InvalidInputError):
        forecast_demand([Sale(NOON, "A", "milk", -1)])


def test_order_up_to_covers_the_interval_at_the_service_level() -> None:
    net = _net()
    sales = [
        Sale(NOON - w * WEEK + h * 3600, "A", "water", q)
        for w, q in ((0, 3), (1, 5))
        for h in range(4)
    ]
    fc = forecast_demand(sales)
    (line,) = order_up_to(net, fc, NOON, review_s=4 * 3600, service_level=0.9)
    z = NormalDist().inv_cdf(0.9)
    # hourly variance: sample variance 2, floored at the mean 4 (Poisson)
    assert line.level == math.ceil(4 * 4 + z * math.sqrt(4 * 4))
    assert line.quantity == line.level - 5
    hi = order_up_to(net, fc, NOON, review_s=4 * 3600, service_level=0.99)[0]
    assert hi.level > line.level
    with pytest.raises(InvalidInputError):
        order_up_to(net, fc, NOON, service_level=1.0)


def test_van_plan_respects_receiving_windows_and_splits_big_deliveries() -> None:
    net = _net()
    sales = [
        Sale(NOON + h * 3600, s, sku, q)
        for h in range(10)
        for s, sku, q in (("A", "water", 12), ("B", "water", 9), ("A", "milk", 3))
    ]
    lines = order_up_to(
        net, forecast_demand(sales), DAY_MIDNIGHT + 7 * 86_400 + 6 * 3600, review_s=86_400
    )
    want = {(ln.store_id, ln.sku_id): ln.quantity for ln in lines}
    plan = plan_replenishment(
        net,
        lines,
        (30.35, 120.20),
        DAY_MIDNIGHT,
        vans=4,
        van_capacity=(1_000, 4_000),
        time_limit=0.5,
    )
    assert not plan.unserved
    got: dict[tuple[str, str], int] = {}
    for d in plan.deliveries:
        window = net.sites[d.store_id].receiving[0]
        assert DAY_MIDNIGHT + window[0] <= d.service_start <= DAY_MIDNIGHT + window[1]
        for sku, q in d.lines.items():
            got[(d.store_id, sku)] = got.get((d.store_id, sku), 0) + q
        weight = sum(net.skus[k].weight_kg * q for k, q in d.lines.items())
        assert weight <= 1_000
    assert got == {k: v for k, v in want.items() if v}
    assert len([d for d in plan.deliveries if d.store_id == "A"]) >= 2  # > one van load
    assert plan.solution.feasible
    before = net.stock["A"]["water"]
    plan.apply(net)
    assert net.stock["A"]["water"] == before + want[("A", "water")]
    assert UNLOAD_FIXED_S > 0
    with pytest.raises(InvalidInputError, match="local midnight"):
        plan_replenishment(net, lines, (30.35, 120.2), DAY_MIDNIGHT + 1)


def test_cli_simulate_replenish_and_tariff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "day.json"
    rc = main(
        [
            "stores",
            "simulate",
            "--orders",
            "30",
            "--ebikes",
            "1",
            "--policies",
            "greedy,nearest_idle",
            "--output",
            str(out),
        ]
    )
    assert rc == 0
    rows = json.loads(out.read_text())
    assert [r["policy"] for r in rows] == ["greedy", "nearest_idle"]
    assert main(["stores", "replenish", "--time-limit", "0.3"]) == 0
    assert "store deliveries" in capsys.readouterr().out
    bad = tmp_path / "t.json"
    bad.write_text(json.dumps({"base_fen": -1}))
    assert main(["stores", "tariff", "--tariff", str(bad)]) == 2
    assert "tariff.base_fen" in capsys.readouterr().err
    assert main(["stores", "tariff", "--tariff", str(tmp_path / "none.json")]) == 3
    assert main(["stores", "simulate", "--orders", "0"]) == 2
    with pytest.raises(SystemExit):
        main(["stores", "simulate", "--policies", "random"])
