"""The independent MDRP solution checker (engine/stores/mdrp_check.py): a valid solution
passes, and each rule's violation, made by mutating a valid solution, is refused."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.errors import InfeasibleError, NotFoundError
from engine.stores.mdrp import MdrpInstance, generate_instance
from engine.stores.mdrp_check import check_solution, verify_solution
from engine.stores.mdrp_sim import simulate_mdrp

PARAMS = (320.0, 4.0, 4.0, 40.0, 90.0, 10.0, 15.0)

# Courier c1 at (0, 0), restaurant r1 330 m away (1.03 min: 2 rounded up), customer o1
# 320 m beyond it (exactly 1 min), o2 640 m beyond r1 (2 min), 320 m from o1 (1 min).
TINY = MdrpInstance(
    "tiny",
    (("c1", 0.0, 0.0, 100, 220),),
    (("o1", 650.0, 0.0, 100, "r1", 105), ("o2", 970.0, 0.0, 101, "r1", 103)),
    (("r1", 330.0, 0.0),),
    PARAMS,
)


def _write(folder: Path, assignments: str, orders: str, couriers: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "solution_info_assignments.txt").write_text(
        "assignment_time pickup_time courier orders\n" + assignments
    )
    (folder / "solution_info_orders.txt").write_text(
        "order placement_time ready_time pickup_time dropoff_time courier\n" + orders
    )
    (folder / "solution_info_couriers.txt").write_text(
        "courier departure_time origin destination\n" + couriers
    )
    return folder


def _tiny(tmp_path: Path, *, leave: int = 101, arrive_extra: int = 0) -> Path:
    """The exact times: assigned when o2 is placed (101), leave at 101, arrive at r1 at
    103 (2 min rounded up), pickup at max(103 + 2, ready 105) = 105, leave at 107, at o1
    at 108, drop-off 110, leave 112, at o2 at 113, drop-off 115."""
    d1, d2 = 110 + arrive_extra, 115 + arrive_extra
    return _write(
        tmp_path / "sol",
        "101 105 c1 o1 o2\n",
        f"o1 100 105 105 {d1} c1\no2 101 103 105 {d2} c1\n",
        f"c1 {leave} 0 r1\nc1 107 r1 o1\nc1 {d1 + 2} o1 o2\n",
    )


def test_hand_computed_solution_passes_and_gives_the_figures(tmp_path: Path) -> None:
    res = check_solution(TINY, _tiny(tmp_path), policy="hand")
    assert res.feasible, res.violations
    m = res.metrics
    assert (m.delivered, m.ctd_mean, m.ready_to_pickup_mean) == (2, 12.0, 1.0)
    # Pay: max(10 × 2 orders, 15 × 2 shift hours) = 30 over 2 orders.
    assert m.pay_per_order == 15.0
    assert m.orders_per_courier_hour == 1.0
    assert m.within_target == 1.0


def test_travel_rounded_up_and_service_split_are_enforced(tmp_path: Path) -> None:
    # The courier cannot leave before its on time (100), nor head for a bundle before it
    # is assigned.
    res = check_solution(TINY, _tiny(tmp_path, leave=99))
    assert res.rules() == {"continuity", "assigned_early"}
    # Travel times not rounded up (330 m at 320 m/min taken as 1 min): leaving at 102
    # the courier arrives at 104 and can pick up at 106, not 105.
    shutil.rmtree(tmp_path / "sol")
    res = check_solution(TINY, _tiny(tmp_path, leave=102))
    assert "arrival" in res.rules()
    # Service starting at the stop instead of split: drop-off at the arrival minute.
    shutil.rmtree(tmp_path / "sol")
    sol = _write(
        tmp_path / "sol",
        "101 105 c1 o1 o2\n",
        "o1 100 105 105 108 c1\no2 101 103 105 113 c1\n",
        "c1 101 0 r1\nc1 107 r1 o1\nc1 112 o1 o2\n",
    )
    res = check_solution(TINY, sol)
    assert "arrival" in res.rules()
    # Leaving the restaurant with the pickup, without the second half of the service.
    shutil.rmtree(tmp_path / "sol")
    sol = _write(
        tmp_path / "sol",
        "101 105 c1 o1 o2\n",
        "o1 100 105 105 108 c1\no2 101 103 105 113 c1\n",
        "c1 101 0 r1\nc1 105 r1 o1\nc1 110 o1 o2\n",
    )
    res = check_solution(TINY, sol)
    assert res.rules() == {"service"}
    # Waiting is allowed: a later drop-off than the earliest is still feasible.
    shutil.rmtree(tmp_path / "sol")
    assert check_solution(TINY, _tiny(tmp_path, arrive_extra=3)).feasible


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> tuple[MdrpInstance, Path]:
    """A Yunli solution of a busy generated instance (bundles of several orders)."""
    inst = generate_instance(160, 20, 10, seed=3)
    folder = tmp_path_factory.mktemp("valid")
    simulate_mdrp(inst, "yunli").write(folder)
    return inst, folder


def _rows(folder: Path, name: str) -> list[list[str]]:
    return [ln.split() for ln in (folder / f"solution_info_{name}.txt").read_text().splitlines()]


def _save(folder: Path, name: str, rows: list[list[str]]) -> None:
    (folder / f"solution_info_{name}.txt").write_text("\n".join(" ".join(r) for r in rows) + "\n")


def _one_restaurant(inst: MdrpInstance, sol: Path) -> None:
    """Move an order of another restaurant into a bundle (its own row goes)."""
    rest = {o[0]: o[4] for o in inst.orders}
    a = _rows(sol, "assignments")
    i = next(i for i in range(1, len(a)) if len(a[i]) == 4)
    j = next(j for j in range(1, len(a)) if len(a[j]) == 4 and rest[a[j][3]] != rest[a[i][3]])
    a[i].append(a[j][3])
    del a[j]
    _save(sol, "assignments", a)


def _ready(inst: MdrpInstance, sol: Path) -> None:
    """Pick a bundle up a minute before its order is ready (in both files)."""
    ready = {o[0]: o[5] for o in inst.orders}
    a = _rows(sol, "assignments")
    o = a[1][3]
    a[1][1] = str(ready[o] - 1)
    _save(sol, "assignments", a)
    rows = _rows(sol, "orders")
    for r in rows[1:]:
        if r[0] in a[1][3:]:
            r[3] = a[1][1]
    _save(sol, "orders", rows)


def _off_time(inst: MdrpInstance, sol: Path) -> None:
    """Move a courier's off time before its last pickup (the instance's view)."""
    a = _rows(sol, "assignments")
    c = a[1][2]
    last = max(int(r[1]) for r in a[1:] if r[2] == c)
    sol.joinpath("off").write_text(f"{c} {last - 1}")


def _assigned_early(inst: MdrpInstance, sol: Path) -> None:
    placed = {o[0]: o[3] for o in inst.orders}
    a = _rows(sol, "assignments")
    a[1][0] = str(placed[a[1][3]] - 1)
    _save(sol, "assignments", a)


def _duplicate(inst: MdrpInstance, sol: Path) -> None:
    a = _rows(sol, "assignments")
    a[2].append(a[1][3])
    _save(sol, "assignments", a)


def _origin(inst: MdrpInstance, sol: Path) -> None:
    """A move not from where the courier is."""
    mv = _rows(sol, "couriers")
    i = next(i for i in range(2, len(mv)) if mv[i][0] == mv[i - 1][0])
    mv[i][2] = mv[i][3]
    _save(sol, "couriers", mv)


def _start(inst: MdrpInstance, sol: Path) -> None:
    """A first move not from the start (origin 0)."""
    mv = _rows(sol, "couriers")
    mv[1][2] = mv[1][3]
    _save(sol, "couriers", mv)


def _teleport(inst: MdrpInstance, sol: Path) -> None:
    """A departure before the courier has finished at the previous place."""
    mv = _rows(sol, "couriers")
    i = next(i for i in range(2, len(mv)) if mv[i][0] == mv[i - 1][0])
    mv[i][1] = str(int(mv[i - 1][1]))
    _save(sol, "couriers", mv)


def _early_drop(inst: MdrpInstance, sol: Path) -> None:
    rows = _rows(sol, "orders")
    rows[1][4] = str(int(rows[1][4]) - 1)
    _save(sol, "orders", rows)


def _swap_drops(inst: MdrpInstance, sol: Path) -> None:
    """Deliver a bundle's orders in another sequence than the assignment's."""
    a = _rows(sol, "assignments")
    i = next(i for i in range(1, len(a)) if len(a[i]) >= 5)
    a[i][3], a[i][4] = a[i][4], a[i][3]
    _save(sol, "assignments", a)


def _mismatch(inst: MdrpInstance, sol: Path) -> None:
    rows = _rows(sol, "orders")
    rows[1][5] = next(c[0] for c in inst.couriers if c[0] != rows[1][5])
    _save(sol, "orders", rows)


def _missing(inst: MdrpInstance, sol: Path) -> None:
    (sol / "solution_info_couriers.txt").unlink()


MUTATIONS: dict[str, tuple[Callable[[MdrpInstance, Path], None], str]] = {
    "one restaurant per bundle": (_one_restaurant, "one_restaurant"),
    "pickup before ready": (_ready, "ready"),
    "pickup after the off time": (_off_time, "off_time"),
    "assigned before placement": (_assigned_early, "assigned_early"),
    "order in two bundles": (_duplicate, "duplicate"),
    "move not from the previous place": (_origin, "continuity"),
    "first move not from the start": (_start, "continuity"),
    "departure before the service ends": (_teleport, "service"),
    "drop-off before the courier can be there": (_early_drop, "arrival"),
    "deliveries out of the bundle's sequence": (_swap_drops, "route"),
    "orders file disagrees with the assignment": (_mismatch, "mismatch"),
    "missing file": (_missing, "format"),
}


def test_the_valid_solution_passes(valid: tuple[MdrpInstance, Path]) -> None:
    inst, folder = valid
    m = verify_solution(inst, folder)
    assert m.delivered == len(inst.orders)
    sizes = [len(r) - 3 for r in _rows(folder, "assignments")[1:]]
    assert max(sizes) >= 2  # the mutations below need a bundle of several orders


@pytest.mark.parametrize("label", list(MUTATIONS))
def test_each_violation_is_refused(
    valid: tuple[MdrpInstance, Path], tmp_path: Path, label: str
) -> None:
    inst, folder = valid
    sol = tmp_path / "sol"
    shutil.copytree(folder, sol)
    mutate, rule = MUTATIONS[label]
    mutate(inst, sol)
    if (sol / "off").exists():  # the off-time case changes the instance, not the files
        c, off = (sol / "off").read_text().split()
        inst = MdrpInstance(
            inst.name,
            tuple(x if x[0] != c else (*x[:4], int(off)) for x in inst.couriers),
            inst.orders,
            inst.restaurants,
            inst.parameters,
        )
    res = check_solution(inst, sol)
    assert rule in res.rules(), res.violations
    with pytest.raises(InfeasibleError, match=rule):
        verify_solution(inst, sol)


def test_missing_folder_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        check_solution(TINY, tmp_path / "none")
