"""The MDRP instance format (engine/stores/mdrp.py) and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import InvalidInputError, NotFoundError
from engine.stores.mdrp import (
    PARAMETER_HEADER,
    PARAMETERS,
    generate_instance,
    read_instance,
    write_instance,
)


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
    # The published header (the names the published evaluator looks up).
    head = (tmp_path / "instance_parameters.txt").read_text().splitlines()[0].split("\t")
    assert head == list(PARAMETER_HEADER)
    assert "pickup service minutes" in head
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
    assert main(["stores", "mdrp", "check", str(inst_dir), str(tmp_path / "sol")]) == 0
    assert main(["stores", "mdrp", "solve", str(tmp_path / "none")]) == 3
    # A broken solution: the checker refuses it (exit 4) and says why.
    orders = tmp_path / "sol" / "solution_info_orders.txt"
    lines = orders.read_text().splitlines()
    f = lines[1].split()
    f[4] = str(int(f[4]) - 3)  # dropped off before the courier can be there
    orders.write_text("\n".join([lines[0], " ".join(f), *lines[2:]]) + "\n")
    assert main(["stores", "mdrp", "check", str(inst_dir), str(tmp_path / "sol")]) == 4


def test_cli_community_simulate_replays_an_mdrp_instance(tmp_path: Path) -> None:
    """``yunli community simulate --mdrp DIR`` (the issue's command) reads the published
    format, replays it under the policies and writes the evaluator's files; ``stores`` is
    an alias of ``community``."""
    inst_dir = tmp_path / "inst"
    assert main(["community", "mdrp", "generate", str(inst_dir), "--orders", "30"]) == 0
    out = tmp_path / "rows.json"
    sol = tmp_path / "sol"
    args = ["community", "simulate", "--mdrp", str(inst_dir)]
    assert main([*args, "--policies", "greedy,nearest_idle", "--output", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["policy"] for r in rows] == ["greedy", "nearest_idle"]
    assert all(r["delivered"] == r["orders"] == 30 for r in rows)
    assert main([*args, "--policies", "yunli", "--solution", str(sol)]) == 0
    lines = (sol / "solution_info_orders.txt").read_text().splitlines()
    assert len(lines) == 31
    assert lines[0].split(" ") == [
        "order", "placement_time", "ready_time", "pickup_time", "dropoff_time", "courier"
    ]  # fmt: skip
    assert main(["community", "mdrp", "check", str(inst_dir), str(sol)]) == 0
    # One policy per solution folder; --solution without --mdrp; a missing folder.
    assert main([*args, "--policies", "yunli,greedy", "--solution", str(sol)]) == 2
    assert main(["community", "simulate", "--solution", str(sol)]) == 2
    assert main(["community", "simulate", "--mdrp", str(tmp_path / "none")]) == 3
