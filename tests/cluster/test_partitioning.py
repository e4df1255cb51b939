"""Partitioning, halo, sub-problems and merging rules of engine.cluster (no Ray needed)."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest

from engine.cluster import matching as cm
from engine.cluster import routing as cr
from engine.cluster import sweep as cs
from engine.errors import InvalidInputError, NotFoundError
from engine.geo import distance_matrix
from engine.live.scenario import city_day
from engine.matching.params import MatchParams
from engine.routing import check, solve


def test_grid_regions_cover_every_point_once_and_balance() -> None:
    """Every point is in exactly one region; region sizes differ by little."""
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(20, 45, 1000), rng.uniform(100, 125, 1000)
    assign, regs = cm.grid_regions(lat, lon, 6)
    assert len(regs) == 6
    sizes = np.bincount(assign, minlength=6)
    assert sizes.sum() == 1000
    assert sizes.min() >= 160
    for r in regs:
        m = assign == r.index
        assert lat[m].min() == r.lat_lo
        assert lon[m].max() == r.lon_hi
    with pytest.raises(InvalidInputError):
        cm.grid_regions(lat, lon, 0)


def test_halo_contains_every_vehicle_within_deadhead_of_a_pickup() -> None:
    """The halo is a superset of the vehicles within max_deadhead_km (road) of any pickup
    of the region, and leaves far vehicles out."""
    rng = np.random.default_rng(1)
    params = MatchParams(max_deadhead_km=150)
    llat, llon = rng.uniform(28, 34, 300), rng.uniform(110, 120, 300)
    vlat, vlon = rng.uniform(24, 38, 3000), rng.uniform(104, 126, 3000)
    assign, regs = cm.grid_regions(llat, llon, 4)
    radius = cm.halo_radius_m(params)
    for r in regs:
        halo = cm.in_halo(r, vlat, vlon, radius)
        m = assign == r.index
        d = distance_matrix(
            np.concatenate([llat[m], vlat]),
            np.concatenate([llon[m], vlon]),
            circuity=params.circuity,
        )[: m.sum(), m.sum() :]
        near = (d <= params.max_deadhead_km * 1000).any(axis=0)
        assert near.any()
        assert not (near & ~halo).any(), "a vehicle within reach is missing from the halo"
        assert (~halo).any(), "the halo should not be the whole fleet here"


def test_components_match_a_plain_graph_search() -> None:
    """Connected components of a random bipartite edge list equal a BFS's."""
    rng = np.random.default_rng(2)
    nl, nv = 60, 50
    lp, vp = rng.integers(0, nl, 70), rng.integers(0, nv, 70)
    comp = cm.components(lp, vp, nl, nv)
    adj: dict[int, set[int]] = {i: set() for i in range(nl + nv)}
    for a, b in zip(lp.tolist(), (vp + nl).tolist(), strict=True):
        adj[a].add(b)
        adj[b].add(a)
    seen: dict[int, int] = {}
    for s in range(nl + nv):
        if s in seen:
            continue
        stack, members = [s], []
        seen[s] = s
        while stack:
            x = stack.pop()
            members.append(x)
            for y in adj[x]:
                if y not in seen:
                    seen[y] = s
                    stack.append(y)
        assert {int(comp[x]) for x in members} == {min(members)}


def test_subproblem_keeps_costs_and_pairs() -> None:
    """A sector's sub-problem, solved and mapped back, costs the same in the full problem;
    every job is in one sector, shipment halves together; the fleet is shared exactly."""
    p = city_day(8, 80, seed=3).problem
    groups = cr.sectors(p, 3)
    assert sorted(j for g in groups for j in g) == list(range(p.num_jobs))
    where = {j: s for s, g in enumerate(groups) for j in g}
    for j in p.jobs:
        if j.pair is not None:
            assert where[j.index] == where[j.pair]
    fleet = cr.share_fleet(p, groups)
    assert sum(f[0] for f in fleet) == p.vehicle_types[0].num_available
    sub = cr.subproblem(p, groups[0], fleet[0])
    assert sub.num_jobs == len(groups[0])
    assert sub.num_vehicles == fleet[0][0]
    sol = solve(sub, time_limit=0.5, solver="core")
    assert sol.complete
    mapped = [(t, [groups[0][j] for j in js]) for t, js in sol.route_jobs()]
    assert check(p, mapped).cost == pytest.approx(sol.cost)
    with pytest.raises(InvalidInputError, match="sibling"):
        cr.subproblem(p, [next(j.index for j in p.jobs if j.pair is not None)])


def test_sweep_grid_and_simulator_errors() -> None:
    """grid() is the Cartesian product; unknown simulators fail before anything runs."""
    assert cs.grid(a=[1, 2], b=["x"]) == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]
    with pytest.raises(NotFoundError, match="cannot be imported"):
        cs.resolve("no_such_module_xyz:run")
    with pytest.raises(InvalidInputError):
        cs.resolve("missing-colon")
    assert callable(cs.resolve("live-day"))


def test_cli_unreachable_cluster_is_a_clear_error(tmp_path: object) -> None:
    """`yunli cluster match --ray HOST:PORT` with nothing listening exits 3 within seconds
    with one line naming the address (or saying Ray is not installed)."""
    t0 = time.monotonic()
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "cluster",
            "match",
            "--ray",
            "127.0.0.1:9",
            "--vehicles",
            "v.csv",
            "--loads",
            "l.csv",
            "--trips",
            "t.csv",
            "--output",
            "o.csv",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 3, r.stderr
    assert "cluster unavailable" in r.stderr
    assert r.stderr.count("\n") == 1
    assert "127.0.0.1:9" in r.stderr or "not installed" in r.stderr
    assert time.monotonic() - t0 < 60


def _two_depots() -> Any:
    import polars as pl

    from engine.routing.model import Model

    sites = pl.DataFrame(
        {
            "site_id": ["A", "B", "a1", "a2", "b1", "b2"],
            "lat": [31.2, 30.3, 31.25, 31.15, 30.35, 30.25],
            "lon": [121.5, 120.2, 121.45, 121.55, 120.15, 120.25],
        }
    )
    vehicles = pl.DataFrame(
        {
            "type_id": ["vanA", "vanB", "coldB"],
            "count": [2, 2, 1],
            "weight_kg": [1000, 1000, 1000],
            "volume_l": [5000, 5000, 5000],
            "start_site": ["A", "B", "B"],
            "skills": ["", "", "cold"],
        }
    )
    jobs = pl.DataFrame(
        {
            "job_id": ["ja1", "ja2", "jb1", "jb2", "cold-near-a"],
            "site": ["a1", "a2", "b1", "b2", "a1"],
            "weight_kg": [100] * 5,
            "volume_l": [100] * 5,
            "skills": ["", "", "", "", "cold"],
        }
    )
    return Model.from_polars(sites, vehicles, jobs).data()


def test_depot_groups_nearest_depot_with_the_skills() -> None:
    """Each job goes to the nearest depot that has a vehicle type with its skills; each
    group keeps only its depot's vehicles; sectors with several depots are refused."""
    p = _two_depots()
    groups = {g.name: g for g in cr.depot_groups(p)}
    names = {k: sorted(p.jobs[j].name for j in g.jobs) for k, g in groups.items()}
    assert names == {"A": ["ja1", "ja2"], "B": ["cold-near-a", "jb1", "jb2"]}
    assert groups["A"].counts == [2, 0, 0]
    assert groups["B"].counts == [0, 2, 1]
    with pytest.raises(InvalidInputError, match="one-depot problem; this one has 2 depots"):
        cr.optimize(p, 1.0, sectors=2)
