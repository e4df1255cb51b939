"""The native matcher is safe to share between threads: its own read/write lock lets
queries run beside updates (weights, fleet state, new trips) with no lock of the caller's,
and every answer is one the matcher gives before or after an update, never a mix."""

from __future__ import annotations

import threading

import pytest

from engine.data.loaders import World
from engine.data.sample import load_sample
from engine.matching import REJECT_REASONS, Matcher, MatchWeights


@pytest.fixture(scope="module")
def world() -> World:
    return load_sample()


def test_queries_beside_updates(world: World) -> None:
    """Four threads recommend while the main thread swaps weights, replaces the fleet
    state and merges trips; every answer equals the one before or after the swap."""
    m = Matcher.from_world(world)
    load_ids = [int(x) for x in world.loads["load_id"][:20]]
    w_a, w_b = MatchWeights(), MatchWeights(expertise=5.0, deadhead_per_100km=0.1)
    m.set_weights(w_a)
    before = {lid: m.recommend_vehicle_rows(lid, k=5) for lid in load_ids}
    m.set_weights(w_b)
    after = {lid: m.recommend_vehicle_rows(lid, k=5) for lid in load_ids}
    assert before != after
    errors: list[BaseException] = []
    mixed: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                for lid in load_ids:
                    rows = m.recommend_vehicle_rows(lid, k=5)
                    if rows != before[lid] and rows != after[lid]:
                        mixed.append(lid)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(30):
        m.set_weights(w_a if i % 2 else w_b)
        m.update_vehicles(world.vehicles)
    stop.set()
    for t in threads:
        t.join(30)
    assert not errors, errors[:1]
    assert not mixed
    m.add_trips(world.trips.head(100))  # exclusive update after the readers
    assert m.recommend_vehicle_rows(load_ids[0], k=5)


def test_reject_reasons_come_from_the_core() -> None:
    """The reject codes are defined once, in the core, and exposed as REJECT_REASONS."""
    from engine import _core

    assert REJECT_REASONS == _core.REJECT_REASONS
    assert REJECT_REASONS[0] == "feasible"
    assert sorted(REJECT_REASONS) == list(range(6))
