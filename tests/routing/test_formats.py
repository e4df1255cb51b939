"""Tests of the benchmark readers and writers against published best-known solutions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import InvalidInputError, NotFoundError
from engine.routing import check
from engine.routing import formats as f


@pytest.mark.parametrize(
    ("name", "fmt", "bks"), [("C101.txt", "solomon", 827.3), ("X-n101-k25.vrp", "vrplib", 27591.0)]
)
def test_bks_solution_is_feasible_with_the_published_cost(
    data_dir: Path, name: str, fmt: str, bks: float
) -> None:
    """The published .sol routes pass the checker and cost exactly the BKS."""
    inst = f.read(data_dir / name, fmt)
    routes = f.read_sol(data_dir / (Path(name).stem + ".sol"), inst)
    rep = check(inst.problem, [(0, r) for r in routes])
    assert rep.feasible, rep.violations[:3]
    assert inst.cost(routes) == pytest.approx(bks)
    assert rep.cost / inst.problem.meta["cost_scale"] == pytest.approx(bks)


def test_solomon_reader(data_dir: Path) -> None:
    inst = f.read(data_dir / "R101.txt")
    p = inst.problem
    assert inst.format == "solomon"
    assert p.num_jobs == 100
    assert p.vehicle_types[0].num_available == 25
    assert p.vehicle_types[0].capacity == (200,)
    assert p.vehicle_types[0].shift == (0, 2300)
    # customer 1: (41, 49), demand 10, window [161, 171], service 10; times x10
    j = p.jobs[0]
    assert inst.numbers[0] == 1
    assert j.delivery == (10,)
    assert j.time_windows == ((1610, 1710),)
    assert j.service == 100
    # depot (35,35) to customer 1 (41,49): sqrt(232) = 15.23 -> 152
    assert p.distance[0, 1] == 152
    assert p.durations[0, 0, 1] == 152


def test_lilim_reader(data_dir: Path) -> None:
    inst = f.read(data_dir / "lc101.txt", "lilim")
    p = inst.problem
    assert p.num_jobs == 106
    assert inst.format == "lilim"
    arr = p.to_arrays()
    pickups = [j for j in range(p.num_jobs) if arr["is_pickup"][j]]
    assert len(pickups) == 53
    for j in pickups:
        q = int(arr["pair_of"][j])
        assert arr["pair_of"][q] == j
        assert (arr["job_pickup"][j] == arr["job_delivery"][q]).all()
    # task 3 (pickup, demand 10) is delivered at task 75
    j3 = inst.numbers.index(3)
    assert inst.numbers[int(arr["pair_of"][j3])] == 75
    assert p.vehicle_types[0].fixed_cost == f.LILIM_VEHICLE_COST


def test_vrplib_numbers_and_sol_round_trip(data_dir: Path, tmp_path: Path) -> None:
    inst = f.read(data_dir / "X-n101-k25.vrp")
    assert inst.format == "vrplib"
    assert inst.numbers[0] == 2
    routes = f.read_sol(data_dir / "X-n101-k25.sol", inst)
    f.write_sol(tmp_path / "out.sol", inst, routes)
    assert f.read_sol(tmp_path / "out.sol", inst) == routes
    assert (tmp_path / "out.sol").read_text().strip().endswith("Cost 27591")
    f.write_json(tmp_path / "out.json", inst, routes)
    js = json.loads((tmp_path / "out.json").read_text())
    assert js["cost"] == 27591
    assert js["vehicles"] == len(routes)
    assert sorted(n for r in js["routes"] for n in r) == list(range(2, 102))


def test_missing_file_and_bad_format(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        f.read(tmp_path / "none.txt", "solomon")
    with pytest.raises(InvalidInputError) as e:
        f.read(data_dir / "R101.txt", "tsplib")
    assert e.value.field == "format"
    bad = tmp_path / "bad.txt"
    bad.write_text("hello\nworld\n")
    with pytest.raises(InvalidInputError):
        f.read(bad, "solomon")


def test_vrplib_explicit_matrix(tmp_path: Path) -> None:
    """EXPLICIT edge weights are used as given."""
    text = "\n".join(
        [
            "NAME : tiny",
            "TYPE : CVRP",
            "DIMENSION : 3",
            "EDGE_WEIGHT_TYPE : EXPLICIT",
            "EDGE_WEIGHT_FORMAT : LOWER_ROW",
            "CAPACITY : 10",
            "EDGE_WEIGHT_SECTION",
            "7",
            "5 4",
            "DEMAND_SECTION",
            "1 0",
            "2 3",
            "3 4",
            "DEPOT_SECTION",
            "1",
            "-1",
            "EOF",
            "",
        ]
    )
    path = tmp_path / "tiny.vrp"
    path.write_text(text)
    inst = f.read(path)
    assert inst.problem.distance.tolist() == [[0, 7, 5], [7, 0, 4], [5, 4, 0]]
    assert inst.cost([[0, 1]]) == 7 + 4 + 5
    assert check(inst.problem, [(0, [0, 1])]).feasible
