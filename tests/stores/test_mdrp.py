"""The MDRP instance and solution formats (engine/stores/mdrp.py) and a small run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import InvalidInputError, NotFoundError
from engine.stores.mdrp import (
    PARAMETERS,
    generate_instance,
    mdrp_metrics,
    read_instance,
    to_store_day,
    write_instance,
    write_solution,
)
from engine.stores.simulate import simulate


def test_generated_instance_round_trips_through_the_published_format(tmp_path: Path) -> None:
    inst = generate_instance(200, 40, 20, seed=4)
    write_instance(inst, tmp_path)
    assert (tmp_path / "orders.txt").read_text().splitlines()[0].split("\t") == [
        "order", "x", "y", "placement_time", "restaurant", "ready_time"
    ]  # fmt: skip
    back = read_instance(tmp_path)
    assert back.orders == inst.orders
    assert back.couriers == inst.couriers
    assert back.restaurants == inst.restaurants
    assert back.parameters == (320, 4, 4, 40, 90, 10, 15)
    assert len(PARAMETERS) == 7
    placed = [o[3] for o in inst.orders]
    lunch = sum(690 <= t <= 810 for t in placed)
    afternoon = sum(870 <= t <= 990 for t in placed)
    assert lunch > 2 * afternoon  # a lunch peak
    assert all(o[5] >= o[3] for o in inst.orders)
    assert generate_instance(200, 40, 20, seed=4) == inst  # seeded


@pytest.mark.parametrize(
    ("file", "text", "match"),
    [
        ("orders.txt", "order\tx\ty\tplacement_time\trestaurant\n", "header"),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\no1\t1\t2\t3\tr9\t4\n",
            "unknown restaurant",
        ),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\no1\t1\t2\t3.5\tr1\t4\n",
            "not an integer",
        ),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\no1\t1\t2\t9\tr1\t4\n",
            "before placement",
        ),
        ("couriers.txt", "courier\tx\ty\ton_time\toff_time\nc1\t0\t0\t50\t40\n", "after on_time"),
        ("instance_parameters.txt", "a\n320 4 4\n", "need 7 numbers"),
        ("restaurants.txt", "restaurant\tx\ty\nr1\tnan\t0\n", "finite"),
    ],
)
def test_reader_refuses_altered_files(tmp_path: Path, file: str, text: str, match: str) -> None:
    write_instance(generate_instance(20, 5, 3, seed=1), tmp_path)
    (tmp_path / file).write_text(text)
    with pytest.raises(InvalidInputError, match=match):
        read_instance(tmp_path)


def test_missing_folder_or_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read_instance(tmp_path / "nope")
    write_instance(generate_instance(20, 5, 3, seed=1), tmp_path)
    (tmp_path / "couriers.txt").unlink()
    with pytest.raises(NotFoundError, match=r"couriers\.txt"):
        read_instance(tmp_path)


def test_small_instance_is_dispatched_and_written_as_a_solution(tmp_path: Path) -> None:
    inst = generate_instance(40, 15, 6, seed=2)
    day, _ = to_store_day(inst)
    assert day.promise_s == 40 * 60
    assert day.pickup_service_s == 240
    rep = simulate(day, "yunli", time_limit=0.05)
    m = mdrp_metrics(inst, rep)
    assert m.delivered == rep.delivered > 30
    assert 0 < m.ctd_mean < 90
    assert m.pay_per_order >= 10  # at least the pay per order
    write_solution(inst, rep, tmp_path)
    rows = (tmp_path / "solution_info_orders.txt").read_text().splitlines()
    assert rows[0].split("\t") == [
        "order", "placement_time", "ready_time", "pickup_time", "dropoff_time", "courier"
    ]  # fmt: skip
    assert len(rows) == 1 + m.delivered
    for r in rows[1:]:
        _o, placed, ready, pick, drop, _c = r.split("\t")
        assert int(placed) <= int(ready) <= int(pick) + 1
        assert int(pick) < int(drop)
    assign = (tmp_path / "solution_info_assignments.txt").read_text().splitlines()[1:]
    assert sum(len(a.split("\t")) - 3 for a in assign) == m.delivered
    moves = (tmp_path / "solution_info_couriers.txt").read_text().splitlines()[1:]
    first: dict[str, str] = {}
    for mv in moves:
        courier, _, origin, _ = mv.split("\t")
        first.setdefault(courier, origin)
    assert first
    assert set(first.values()) == {"0"}


def test_cli_mdrp(tmp_path: Path) -> None:
    inst_dir = tmp_path / "inst"
    assert (
        main(
            [
                "stores",
                "mdrp",
                "generate",
                str(inst_dir),
                "--orders",
                "30",
                "--couriers",
                "10",
                "--restaurants",
                "5",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "stores",
                "mdrp",
                "solve",
                str(inst_dir),
                "--policy",
                "greedy",
                "--output",
                str(tmp_path / "sol"),
            ]
        )
        == 0
    )
    assert (tmp_path / "sol" / "solution_info_orders.txt").exists()
    assert main(["stores", "mdrp", "solve", str(tmp_path / "none")]) == 3


def test_cli_community_simulate_replays_an_mdrp_instance(tmp_path: Path) -> None:
    """``yunli community simulate --mdrp DIR`` (the issue's command) reads the published
    format, replays it under the policies and writes the evaluator's files; ``stores`` is
    an alias of ``community``."""
    inst_dir = tmp_path / "inst"
    assert main(["community", "mdrp", "generate", str(inst_dir), "--orders", "30"]) == 0
    out = tmp_path / "rows.json"
    sol = tmp_path / "sol"
    args = ["community", "simulate", "--mdrp", str(inst_dir), "--time-limit", "0.05"]
    assert main([*args, "--policies", "greedy,nearest_idle", "--output", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["policy"] for r in rows] == ["greedy", "nearest_idle"]
    assert all(r["delivered"] == r["orders"] == 30 for r in rows)
    assert main([*args, "--policies", "yunli", "--solution", str(sol)]) == 0
    lines = (sol / "solution_info_orders.txt").read_text().splitlines()
    assert len(lines) == 31
    # One policy per solution folder; --solution without --mdrp; a missing folder.
    assert main([*args, "--policies", "yunli,greedy", "--solution", str(sol)]) == 2
    assert main(["community", "simulate", "--solution", str(sol)]) == 2
    assert main(["community", "simulate", "--mdrp", str(tmp_path / "none")]) == 3
