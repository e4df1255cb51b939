"""Load planning: one-dimensional bin packing, heterogeneous fleets, validation, CLI."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cli import main as cli_main
from engine.errors import InvalidInputError
from engine.routing.loadplan import (
    best_fit_decreasing,
    first_fit_decreasing,
    l2_bound,
    pack_bins,
    plan_loads,
)
from engine.routing.loadplan.colgen import ItemTypes, price, price_sparse
from engine.routing.loadplan.generate import falkenauer_triplets, falkenauer_uniform, scholl_hard
from engine.routing.loadplan.io import read_bpp, read_optima, read_vbp
from engine.routing.loadplan.tuning import DENSE_CELLS

DATA = Path(__file__).resolve().parents[1] / "data" / "binpacking"


def assert_valid(bins: list[list[int]], sizes: list[int] | tuple[int, ...], cap: int) -> None:
    """Every item exactly once, no bin over capacity."""
    assert sorted(i for b in bins for i in b) == list(range(len(sizes)))
    assert all(sum(sizes[i] for i in b) <= cap for b in bins)


def brute_force_bins(sizes: list[int], cap: int) -> int:
    """Fewest bins, by trying every assignment of items to at most n bins (tiny n only)."""
    n = len(sizes)
    for k in range(1, n + 1):
        for assign in itertools.product(range(k), repeat=n):
            loads = [0] * k
            for i, b in enumerate(assign):
                loads[b] += sizes[i]
            if max(loads) <= cap:
                return k
    return n


# ----------------------------------------------------------------------------- 1-D


def test_heuristics_and_l2_on_a_known_case() -> None:
    """FFD/BFD pack validly; L2 counts items above C/2 plus what the rest needs."""
    sizes = [60, 60, 60, 50, 30, 20, 20]
    for f in (first_fit_decreasing, best_fit_decreasing):
        assert_valid(f(sizes, 100), sizes, 100)
    # sum/C gives 3; with k = 50 the three 60s and the 50 (no room beside a 60) need 4
    assert l2_bound(sizes, 100) == 4
    assert brute_force_bins(sizes, 100) == 4
    assert l2_bound([], 10) == 0
    assert l2_bound([6, 6, 6], 10) == 3


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=7), st.integers(10, 14))
def test_pack_bins_is_valid_and_optimal_on_tiny_instances(sizes: list[int], cap: int) -> None:
    """On tiny instances pack_bins matches brute force, never beats its lower bound and
    never uses more bins than FFD."""
    res = pack_bins(sizes, cap, time_limit=2.0)
    assert_valid(res.bins, sizes, cap)
    positive = [s for s in sizes if s > 0]
    opt = brute_force_bins(positive, cap) if positive else 0
    assert max(res.num_bins, 1 if sizes else 0) >= opt
    assert res.lower_bound <= opt
    assert res.num_bins <= max(res.ffd_bins, 1)
    if res.proven_optimal:
        assert res.num_bins == max(opt, 1 if sizes and not positive else opt)


@pytest.mark.parametrize(
    ("name", "opt", "methods"),
    [
        ("Falkenauer_u120_05", 48, ("arcflow",)),  # a plain assignment model misses this in 10 s
        ("Falkenauer_t60_00", 20, ("lp-dive", "patterns")),  # triplets: every bin exactly full
        ("Hard28_BPP47", 71, ("lp-dive", "patterns")),
    ],
)
def test_pack_bins_reaches_proven_optimum(name: str, opt: int, methods: tuple[str, ...]) -> None:
    """Benchmark instances: the proven optimum (optima.csv) is reached and proven."""
    inst = read_bpp(DATA / f"{name}.txt")
    assert read_optima(DATA / "optima.csv")[name] == opt
    res = pack_bins(inst.sizes, inst.capacity, time_limit=10.0, workers=2)
    assert_valid(res.bins, inst.sizes, inst.capacity)
    assert res.ffd_bins > opt  # FFD alone does not get there
    assert res.num_bins == opt
    assert res.proven_optimal
    assert res.lower_bound == opt
    assert res.method.startswith(methods)


@pytest.mark.parametrize("capacity", [100_000, 30_000_000, 10**9])
def test_pack_bins_exact_at_large_capacities(capacity: int) -> None:
    """Capacities far above the dense tables' limit (a 30 t trailer in grams, 10^9) still get
    the exact pipeline: triplet instances (optimum n/3 by construction) are solved and proven,
    where first-fit decreasing is three bins above."""
    g = falkenauer_triplets(0, n=45, capacity=capacity)
    assert capacity * len(set(g.sizes)) > DENSE_CELLS
    res = pack_bins(g.sizes, capacity, time_limit=20.0)
    assert_valid(res.bins, g.sizes, capacity)
    assert res.ffd_bins == 18
    assert (res.num_bins, res.lower_bound, res.proven_optimal) == (15, 15, True)
    assert res.method != "ffd"


def test_sparse_pricing_matches_the_dense_table() -> None:
    """The capacity-free knapsack (Pareto states in the core) finds the same optimum as the
    table over every load, and its extra patterns fit."""
    rng = np.random.default_rng(1)
    for _ in range(300):
        cap = int(rng.integers(5, 60))
        sizes = sorted({int(x) for x in rng.integers(1, cap + 1, size=int(rng.integers(1, 9)))})
        sizes.reverse()
        counts = [int(x) for x in rng.integers(1, 5, size=len(sizes))]
        types = ItemTypes(sizes, counts, [[] for _ in sizes])
        duals = rng.random(len(sizes)) * np.asarray(sizes) / cap * 1.3
        duals[rng.random(len(sizes)) < 0.2] = 0.0
        want, _ = price(types, cap, duals)
        extra: list[Counter[int]] = []
        got, pattern = price_sparse(types, cap, duals, floor=0.0, extra=extra)
        assert got == pytest.approx(want, abs=1e-9)
        for p in [pattern, *extra]:
            assert sum(sizes[t] * a for t, a in p.items()) <= cap
            assert all(a <= counts[t] for t, a in p.items())
        assert sum(duals[t] * a for t, a in pattern.items()) == pytest.approx(got, abs=1e-9)


def test_generators_follow_their_rules() -> None:
    """Scholl data set 3: 200 sizes in [20,000, 35,000] at capacity 100,000; triplets: each
    first item in [0.38 C, 0.49 C], all within [0.25 C, 0.5 C], total exactly n/3 bins."""
    h = scholl_hard(3)
    assert (h.capacity, len(h.sizes), h.optimum) == (100_000, 200, None)
    assert min(h.sizes) >= 20_000
    assert max(h.sizes) <= 35_000
    assert scholl_hard(3) == h
    assert scholl_hard(4) != h
    t = falkenauer_triplets(2, n=60, capacity=100_000)
    assert t.optimum == 20
    assert sum(t.sizes) == 20 * 100_000
    assert all(25_000 <= w <= 50_000 for w in t.sizes)
    assert sum(w >= 38_000 for w in t.sizes) >= 20
    with pytest.raises(InvalidInputError, match="n"):
        falkenauer_triplets(0, n=10)
    u = falkenauer_uniform(1)
    assert (u.capacity, len(u.sizes)) == (30_000, 250)
    assert min(u.sizes) >= 4_000
    assert max(u.sizes) <= 20_000


@pytest.mark.parametrize(
    ("sizes", "cap", "field"),
    [
        ([1, 2], 0, "capacity"),
        ([1, -2], 5, "sizes"),
        ([1, 6], 5, "sizes"),
        ([1.0, math.nan], 5, "sizes"),
        ([1.5], 5, "sizes"),
    ],
)
def test_pack_bins_rejects_bad_input(sizes: list[float], cap: int, field: str) -> None:
    """Non-positive capacity, negative/NaN/fractional/oversized items raise typed errors."""
    with pytest.raises(InvalidInputError) as e:
        pack_bins(sizes, cap)  # type: ignore[arg-type]
    assert e.value.field == field


def test_readers(tmp_path: Path) -> None:
    """BPPLIB and VPSolver readers parse sizes, capacities and expand demands."""
    inst = read_bpp(DATA / "Falkenauer_t60_00.txt")
    assert (len(inst.sizes), inst.capacity) == (60, 1000)
    vbp = read_vbp(DATA / "classF_60_3_0.vbp")
    assert vbp.capacities == (100, 100, 100)
    assert len(vbp.items) == 60
    bad = tmp_path / "bad.txt"
    bad.write_text("3\n10\n1\n")
    with pytest.raises(InvalidInputError):
        read_bpp(bad)


# ------------------------------------------------------------------------- fleets


def fleet(**cols: list[object]) -> pl.DataFrame:
    base: dict[str, list[object]] = {
        "vehicle_type": ["van", "truck"],
        "capacity_kg": [2000, 4000],
        "capacity_l": [10_000, 20_000],
        "count": [5, 5],
        "cost_fen": [10_000, 30_000],
    }
    base.update(cols)
    return pl.DataFrame(base)


def shipments(n: int = 4, weight: int = 1000, volume: int = 1000) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "shipment_id": [f"s{i}" for i in range(n)],
            "weight_kg": [weight] * n,
            "volume_l": [volume] * n,
        }
    )


def test_cost_and_count_objectives_choose_different_fleets() -> None:
    """Four 1 t shipments: two vans are cheaper (200 yuan) than one truck (300 yuan), one
    truck is fewer vehicles."""
    cost = plan_loads(shipments(), fleet(), objective="cost", time_limit=5)
    assert (cost.num_vehicles, cost.total_cost_fen) == (2, 20_000)
    assert {v.vehicle_type for v in cost.vehicles} == {"van"}
    count = plan_loads(shipments(), fleet(), objective="count", time_limit=5)
    assert (count.num_vehicles, count.total_cost_fen) == (1, 30_000)
    assert count.proven_optimal
    assert cost.proven_optimal
    assert count.lower_bound == 1
    assert cost.lower_bound == 20_000


def test_load_factors_and_frames() -> None:
    """Load factors per dimension are load / capacity; frames have one row per shipment and
    per vehicle; the JSON view is serialisable."""
    plan = plan_loads(shipments(2, 1500, 2500), fleet(), objective="count", time_limit=5)
    (v,) = plan.vehicles
    assert v.vehicle_type == "truck"
    assert v.load_factor["weight_kg"] == pytest.approx(3000 / 4000)
    assert v.load_factor["volume_l"] == pytest.approx(5000 / 20_000)
    assert v.load_factor["pallets"] is None  # no pallet limit given
    rows = plan.to_polars()
    assert rows.height == 2
    assert rows["vehicle_id"].to_list() == [v.vehicle_id] * 2
    vf = plan.vehicles_frame()
    assert vf["weight_kg_factor"].to_list() == [pytest.approx(0.75)]
    json.dumps(plan.to_dict())
    assert "FFD baseline" in plan.summary()


def test_pallets_bind() -> None:
    """With a pallet limit of 2 per van, five one-pallet shipments need three vans."""
    sh = shipments(5, 100, 100).with_columns(pallets=pl.lit(1))
    fl = fleet(capacity_pallets=[2, None], cost_fen=[10_000, 100_000])
    plan = plan_loads(sh, fl, objective="cost", time_limit=5)
    assert plan.num_vehicles == 3
    assert plan.total_cost_fen == 30_000
    assert all(v.load["pallets"] <= 2 for v in plan.vehicles)


def test_shipment_that_fits_no_vehicle_is_reported_not_fatal() -> None:
    """A 5 t shipment fits no type: it is unplaced with the reason, the rest is planned."""
    sh = pl.concat([shipments(2), shipments(1, 5000).with_columns(shipment_id=pl.lit("big"))])
    plan = plan_loads(sh, fleet(), time_limit=5)
    assert [u.shipment_id for u in plan.unplaced] == ["big"]
    reason = plan.unplaced[0].reason
    assert "fits no vehicle type" in reason
    assert "weight_kg 5000 > capacity_kg 4000" in reason
    assert sum(len(v.shipment_ids) for v in plan.vehicles) == 2
    rows = plan.to_polars().filter(pl.col("shipment_id") == "big")
    assert rows["vehicle_id"].to_list() == [None]


def test_exhausted_fleet_places_as_many_as_possible() -> None:
    """One van only: of three 1 t shipments two fit, the third is unplaced (no vehicle left)."""
    fl = pl.DataFrame(
        {
            "vehicle_type": ["van"],
            "capacity_kg": [2000],
            "capacity_l": [10_000],
            "count": [1],
            "cost_fen": [10_000],
        }
    )
    plan = plan_loads(shipments(3), fl, time_limit=5)
    assert plan.num_vehicles == 1
    assert len(plan.unplaced) == 1
    assert "no vehicle left" in plan.unplaced[0].reason


def test_one_dimension_one_type_uses_exact_bin_packing() -> None:
    """Weight only and one truck type: the 1-D solver runs and proves the optimum."""
    inst = read_bpp(DATA / "Falkenauer_t60_00.txt")
    sh = pl.DataFrame(
        {"shipment_id": range(60), "weight_kg": list(inst.sizes), "volume_l": [0] * 60}
    )
    fl = pl.DataFrame(
        {
            "vehicle_type": ["t"],
            "capacity_kg": [1000],
            "capacity_l": [1],
            "count": [60],
            "cost_fen": [500],
        }
    )
    plan = plan_loads(sh, fl, objective="cost", time_limit=10)
    assert plan.num_vehicles == 20
    assert plan.proven_optimal
    assert plan.lower_bound == 20 * 500
    assert plan.baseline.num_vehicles > 20
    assert plan.method.startswith(("lp-dive", "patterns"))


def test_vector_instance_never_worse_than_ffd() -> None:
    """A three-dimensional triplet instance (optimum 20): valid, within bounds, ≤ FFD."""
    vbp = read_vbp(DATA / "classF_60_3_0.vbp")
    n = len(vbp.items)
    sh = pl.DataFrame(
        {
            "shipment_id": range(n),
            "weight_kg": [it[0] for it in vbp.items],
            "volume_l": [it[1] for it in vbp.items],
            "pallets": [it[2] for it in vbp.items],
        }
    )
    fl = pl.DataFrame(
        {
            "vehicle_type": ["bin"],
            "capacity_kg": [100],
            "capacity_l": [100],
            "capacity_pallets": [100],
            "count": [n],
            "cost_fen": [1],
        }
    )
    plan = plan_loads(sh, fl, objective="count", time_limit=3)
    assert not plan.unplaced
    assert sorted(s for v in plan.vehicles for s in v.shipment_ids) == list(range(n))
    for v in plan.vehicles:
        assert all(v.load[d] <= 100 for d in ("weight_kg", "volume_l", "pallets"))
    assert 20 <= plan.num_vehicles <= plan.baseline.num_vehicles
    assert plan.lower_bound <= 20


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_random_heterogeneous_never_worse_than_baseline(seed: int) -> None:
    """Random shipments and a three-type fleet: the plan is valid, at least as good as FFD,
    and not below its own lower bound."""
    rng = np.random.default_rng(seed)
    n = 12
    sh = pl.DataFrame(
        {
            "shipment_id": range(n),
            "weight_kg": rng.integers(100, 3000, n),
            "volume_l": rng.integers(100, 9000, n),
            "pallets": rng.integers(0, 4, n),
        }
    )
    fl = pl.DataFrame(
        {
            "vehicle_type": ["s", "m", "l"],
            "capacity_kg": [3000, 6000, 12000],
            "capacity_l": [10_000, 20_000, 40_000],
            "capacity_pallets": [4, 8, None],
            "count": [3, 3, 2],
            "cost_fen": [20_000, 35_000, 60_000],
        }
    )
    for objective in ("cost", "count"):
        plan = plan_loads(sh, fl, objective=objective, time_limit=1.0)  # type: ignore[arg-type]
        caps = {r["vehicle_type"]: r for r in fl.iter_rows(named=True)}
        for v in plan.vehicles:
            c = caps[v.vehicle_type]
            assert v.load["weight_kg"] <= c["capacity_kg"]
            assert v.load["volume_l"] <= c["capacity_l"]
            assert c["capacity_pallets"] is None or v.load["pallets"] <= c["capacity_pallets"]
        used = {t: sum(v.vehicle_type == t for v in plan.vehicles) for t in caps}
        assert all(used[t] <= caps[t]["count"] for t in caps)
        placed = [s for v in plan.vehicles for s in v.shipment_ids]
        assert len(placed) == len(set(placed))
        assert len(placed) + len(plan.unplaced) == n
        key = (len(plan.unplaced), plan.objective_value)
        base = plan.baseline
        base_value = base.total_cost_fen if objective == "cost" else base.num_vehicles
        assert key <= (len(base.unplaced), base_value)
        if not plan.unplaced:
            assert plan.lower_bound <= plan.objective_value


# --------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("sh", "fl", "field", "row_id"),
    [
        (shipments().with_columns(weight_kg=pl.Series([1, -5, 1, 1])), fleet(), "weight_kg", "s1"),
        (
            shipments().with_columns(weight_kg=pl.Series([1.0, math.nan, 1.0, 1.0])),
            fleet(),
            "weight_kg",
            "s1",
        ),
        (shipments().with_columns(volume_l=pl.Series([1, None, 1, 1])), fleet(), "volume_l", "s1"),
        (
            shipments().with_columns(shipment_id=pl.Series(["a", "b", "a", "c"])),
            fleet(),
            "shipment_id",
            "a",
        ),
        (shipments(), fleet(capacity_kg=[0, 4000]), "capacity_kg", "van"),
        (shipments(), fleet(capacity_l=[10_000, -1]), "capacity_l", "truck"),
        (shipments(), fleet(capacity_pallets=[0, None]), "capacity_pallets", "van"),
        (shipments(), fleet(count=[-1, 2]), "count", "van"),
        (shipments(), fleet(cost_fen=[5, -5]), "cost_fen", "truck"),
        (shipments(), fleet(vehicle_type=["van", "van"]), "vehicle_type", "van"),
        (shipments(), fleet().clear(), "fleet", None),
        (shipments(), fleet(count=[0, 0]), "count", None),
        (shipments().drop("volume_l"), fleet(), "volume_l", None),
        (
            shipments().with_columns(weight_kg=pl.Series([1.0, 700.5, 1.0, 1.0])),
            fleet(),
            "weight_kg",
            "s1",
        ),
        (shipments(), fleet(capacity_kg=[1500.0, 4000.25]), "capacity_kg", "truck"),
        (shipments(), fleet(cost_fen=[5.5, 5.0]), "cost_fen", "van"),
        (
            shipments().with_columns(weight_kg=pl.Series(["1", "x", "1", "1"])),
            fleet(),
            "weight_kg",
            "s1",
        ),
    ],
)
def test_plan_loads_rejects_bad_input(
    sh: pl.DataFrame, fl: pl.DataFrame, field: str, row_id: object
) -> None:
    """Negative/NaN/missing/fractional/non-numeric sizes, duplicate ids, non-positive or
    fractional capacities, negative or fractional counts or costs, an empty fleet and missing
    columns raise InvalidInputError naming field and row."""
    with pytest.raises(InvalidInputError) as e:
        plan_loads(sh, fl, time_limit=1)
    assert e.value.field == field
    assert e.value.row_id == row_id


def test_plan_loads_rejects_bad_objective() -> None:
    """Only 'cost' and 'count' are objectives."""
    with pytest.raises(InvalidInputError):
        plan_loads(shipments(), fleet(), objective="speed")  # type: ignore[arg-type]


def test_empty_shipments_give_an_empty_plan() -> None:
    """No shipments: no vehicles, nothing unplaced, proven optimal."""
    plan = plan_loads(shipments(0), fleet(), time_limit=1)
    assert plan.num_vehicles == 0
    assert not plan.unplaced
    assert plan.proven_optimal
    assert plan.to_polars().height == 0


# ---------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_cli_plan_loads(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    """yunli plan-loads reads CSV/Parquet, writes the chosen format and prints a summary."""
    sh, fl = tmp_path / "s.csv", tmp_path / "f.parquet"
    shipments().write_csv(sh)
    fleet().write_parquet(fl)
    out = tmp_path / f"plan{suffix}"
    rc = cli_main(
        [
            "plan-loads",
            "--shipments",
            str(sh),
            "--fleet",
            str(fl),
            "--objective",
            "count",
            "--time-limit",
            "3",
            "--output",
            str(out),
        ]
    )
    assert rc == 0
    assert "1 vehicles" in capsys.readouterr().out
    if suffix == ".json":
        doc = json.loads(out.read_text())
        assert doc["num_vehicles"] == 1
        assert doc["vehicles"][0]["load_factor"]["weight_kg"] == 1.0
        assert doc["baseline_ffd"]["num_vehicles"] >= 1
    else:
        df = pl.read_csv(out) if suffix == ".csv" else pl.read_parquet(out)
        assert df.height == 4
        assert df["vehicle_type"].to_list() == ["truck"] * 4


def test_cli_bad_input_exit_code(tmp_path: Path) -> None:
    """Invalid shipments exit with code 2 (invalid input)."""
    sh, fl = tmp_path / "s.csv", tmp_path / "f.csv"
    shipments().with_columns(weight_kg=pl.Series([1, -5, 1, 1])).write_csv(sh)
    fleet().write_csv(fl)
    rc = cli_main(
        [
            "plan-loads",
            "--shipments",
            str(sh),
            "--fleet",
            str(fl),
            "--output",
            str(tmp_path / "o.json"),
        ]
    )
    assert rc == 2


def _plan_loads_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "plan-loads", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("shipments_text", "message"),
    [
        (
            "shipment_id,weight_kg,volume_l\ns1,700.5,100\ns2,300,100\n",
            "weight_kg (row id 's1'): must be a whole number, got 700.5",
        ),
        (
            "shipment_id,weight_kg,volume_l\ns1,700,100\ns2,heavy,100\n",
            "weight_kg (row id 's2'): 'heavy' is not a number",
        ),
        ("", "shipments: {shipments} is empty"),
    ],
)
def test_cli_plan_loads_bad_files_give_one_line(
    tmp_path: Path, shipments_text: str, message: str
) -> None:
    """Through the command: a fractional weight, a word for a weight and an empty file each
    exit 2 with one line naming the field (and the row), no traceback and no output file."""
    sh, fl, out = tmp_path / "s.csv", tmp_path / "f.csv", tmp_path / "o.json"
    sh.write_text(shipments_text)
    fleet().write_csv(fl)
    r = _plan_loads_cli("--shipments", str(sh), "--fleet", str(fl), "--output", str(out))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0, r.stderr
    assert message.format(shipments=sh) in r.stderr
    assert not out.exists()


def test_header_only_shipments_give_an_empty_plan(tmp_path: Path) -> None:
    """A shipments CSV with a header and no rows plans nothing (its columns read as text)."""
    sh, fl, out = tmp_path / "s.csv", tmp_path / "f.csv", tmp_path / "o.json"
    sh.write_text("shipment_id,weight_kg,volume_l\n")
    fleet().write_csv(fl)
    rc = cli_main(["plan-loads", "--shipments", str(sh), "--fleet", str(fl), "--output", str(out)])
    assert rc == 0
    assert json.loads(out.read_text())["num_vehicles"] == 0


def test_shipments_without_size_need_one_cheapest_vehicle() -> None:
    """Zero weight and volume: one vehicle of the cheapest type carries everything."""
    plan = plan_loads(shipments(3, 0, 0), fleet(), objective="cost", time_limit=1)
    assert [v.vehicle_type for v in plan.vehicles] == ["van"]
    assert plan.proven_optimal
    assert plan.lower_bound == 10_000
