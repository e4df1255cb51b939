"""The exact MDRP minute model, the Yunli rolling-horizon dispatcher and the baselines
(engine/stores/mdrp_sim.py); every solution they write passes the independent checker."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from engine.errors import InvalidInputError
from engine.stores.mdrp import MdrpInstance, generate_instance
from engine.stores.mdrp_check import verify_solution
from engine.stores.mdrp_sim import MDRP_POLICIES, MinuteModel, simulate_mdrp, travel_minutes

PARAMS = (320.0, 4.0, 4.0, 40.0, 90.0, 10.0, 15.0)


def _inst(couriers: tuple[tuple[str, float, float, int, int], ...]) -> MdrpInstance:
    return MdrpInstance(
        "hand",
        couriers,
        (("o1", 650.0, 0.0, 100, "r1", 105),),
        (("r1", 330.0, 0.0),),
        PARAMS,
    )


def test_travel_is_rounded_up_and_odd_service_times_are_refused() -> None:
    assert travel_minutes(0, 0, 320, 0, 320) == 1
    assert travel_minutes(0, 0, 321, 0, 320) == 2
    assert travel_minutes(0, 0, 0, 0, 320) == 0
    m = MinuteModel(_inst((("c1", 0.0, 0.0, 100, 200),)))
    assert m.tt(m.courier_point(0), 0) == math.ceil(330 / 320) == 2
    assert (m.half_pickup, m.half_drop) == (2, 2)
    odd = MdrpInstance("odd", (("c1", 0.0, 0.0, 0, 60),), (), (), (320, 5, 4, 40, 90, 10, 15))
    with pytest.raises(InvalidInputError, match="pickup_service_minutes"):
        MinuteModel(odd)


@pytest.mark.parametrize("policy", MDRP_POLICIES)
def test_service_split_around_the_pickup_and_drop_off(policy: str, tmp_path: Path) -> None:
    """Assigned at 100 the courier leaves at 100, arrives at r1 at 102 (330 m: 2 min
    rounded up), picks up at max(102 + 2, ready 105) = 105, leaves at 107, arrives at o1
    at 108 (320 m: 1 min) and drops off at 110."""
    inst = _inst((("c1", 0.0, 0.0, 100, 200),))
    run = simulate_mdrp(inst, policy)
    (trip,) = run.trips
    assert (trip.departure, trip.arrival, trip.pickup, trip.drops) == (100, 102, 105, (110,))
    run.write(tmp_path)
    assert verify_solution(inst, tmp_path).ctd_mean == 10.0


@pytest.mark.parametrize("policy", MDRP_POLICIES)
def test_no_pickup_after_the_off_time(policy: str, tmp_path: Path) -> None:
    # c1 is near but goes off at 104, before the food is ready (105): c2 takes it.
    near_but_leaving = ("c1", 330.0, 0.0, 100, 104)
    far = ("c2", 0.0, 3200.0, 100, 300)
    run = simulate_mdrp(_inst((near_but_leaving, far)), policy)
    assert [run.model.names[run.model.courier_point(t.courier)] for t in run.trips] == ["c2"]
    # Alone, c1 delivers nothing; the solution is still valid.
    inst = _inst((near_but_leaving,))
    run = simulate_mdrp(inst, policy)
    assert run.trips == []
    run.write(tmp_path)
    assert verify_solution(inst, tmp_path).delivered == 0


def test_bad_arguments_name_the_field() -> None:
    inst = _inst((("c1", 0.0, 0.0, 100, 200),))
    with pytest.raises(InvalidInputError, match="policy"):
        simulate_mdrp(inst, "fastest")
    with pytest.raises(InvalidInputError, match="frequency"):
        simulate_mdrp(inst, frequency=0)
    with pytest.raises(InvalidInputError, match="max_bundle"):
        simulate_mdrp(inst, max_bundle=9)
    with pytest.raises(InvalidInputError, match="late_weight"):
        simulate_mdrp(inst, late_weight=-1)


@pytest.fixture(scope="module")
def busy() -> MdrpInstance:
    """More orders per courier-hour than a courier can carry one at a time."""
    return generate_instance(400, 45, 30, seed=5)


@pytest.mark.parametrize("policy", MDRP_POLICIES)
def test_every_policy_writes_a_checked_solution(
    busy: MdrpInstance, policy: str, tmp_path: Path
) -> None:
    run = simulate_mdrp(busy, policy)
    m = run.model
    for tr in run.trips:
        assert {int(m.order_rest[o]) for o in tr.orders} == {tr.restaurant}
        assert tr.pickup <= m.off[tr.courier]
        assert tr.pickup >= max(int(m.ready[o]) for o in tr.orders)
    run.write(tmp_path)
    metrics = verify_solution(busy, tmp_path, policy=policy)
    assert metrics.delivered == len({o for t in run.trips for o in t.orders})
    if policy == "nearest_idle":
        # One order per trip falls so far behind that some orders are still waiting when
        # the last shifts end.
        assert all(len(tr.orders) == 1 for tr in run.trips)
        assert 300 < metrics.delivered < 400
    else:
        assert metrics.delivered == metrics.orders == 400
        assert max(len(tr.orders) for tr in run.trips) > 1  # bundles under load


def test_yunli_beats_both_baselines_on_a_busy_day(busy: MdrpInstance, tmp_path: Path) -> None:
    ctd = {}
    for policy in MDRP_POLICIES:
        simulate_mdrp(busy, policy).write(tmp_path / policy)
        ctd[policy] = verify_solution(busy, tmp_path / policy).ctd_mean
    assert ctd["yunli"] < ctd["greedy"] < ctd["nearest_idle"], ctd


@pytest.mark.parametrize("seed", [11, 12, 13])
@pytest.mark.parametrize("policy", MDRP_POLICIES)
def test_solutions_of_several_seeds_pass_the_checker(
    seed: int, policy: str, tmp_path: Path
) -> None:
    """Small instances of several seeds and loads (few couriers: bundles and off times
    matter): every written solution is feasible."""
    inst = generate_instance(150, 12 + seed % 3 * 10, 12, seed=seed)
    run = simulate_mdrp(inst, policy)
    run.write(tmp_path)
    assert verify_solution(inst, tmp_path).delivered == run.assigned > 0
