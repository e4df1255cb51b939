"""engine.cluster on a real multi-node Ray cluster started inside the test.

Ray's own ``ray.cluster_utils.Cluster`` (``conftest.py``, one per session) has a head
node (no CPUs, so no task runs there) and two worker nodes with one CPU each, as separate
raylet processes on this machine. The tests check that partitions run on both nodes and
that the merged results equal a single-process run; one test kills a worker node while
it runs a partition, the run still completes correctly, and a fresh node replaces the
killed one. Skipped only when Ray is not installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')")

from engine.cli import main  # noqa: E402
from engine.cluster import (  # noqa: E402
    PartitionFailedError,
    run_partitions,
)
from engine.cluster import matching as cm  # noqa: E402
from engine.cluster import routing as cr  # noqa: E402
from engine.cluster.runtime import PartitionRun  # noqa: E402
from engine.cluster.sweep import grid, sweep  # noqa: E402
from engine.data.generator import generate_world  # noqa: E402
from engine.errors import InvalidInputError  # noqa: E402
from engine.matching import Matcher  # noqa: E402
from engine.routing import check  # noqa: E402

pytestmark = pytest.mark.timeout(240)

WORKERS: set[str] = set()


@pytest.fixture(scope="module")
def cluster(ray_cluster: Any) -> Iterator[Any]:
    """The session's two-node cluster (conftest), this process connected to it; the
    worker nodes' ids in WORKERS."""
    WORKERS.clear()
    WORKERS.update(n.node_id for n in ray_cluster.worker_nodes)
    ray.init(address=ray_cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        yield ray_cluster
    finally:
        ray.shutdown()


def test_matching_by_region_equals_one_process_on_both_nodes(cluster: Any) -> None:
    """Top-k vehicles per load over 6 regions equal the single-process batch row for row
    (cross-border candidates included), as do top-k loads per vehicle and the profiles;
    dispatch by components reaches the same optimum; partitions ran on both worker nodes."""
    world = generate_world(1500, 30_000, 1500, seed=11)
    single = Matcher.from_world(world)
    market = cm.Market.from_world(world)
    got = cm.recommend_vehicles(market, k=8, regions=6)
    assert_frame_equal(got.pairs, single.recommend_vehicles_batch(k=8))
    assert got.nodes == WORKERS
    # loads near a region's edge got vehicles from outside their region's rectangle
    assign, regs = cm.grid_regions(
        world.loads["origin_lat"].to_numpy(), world.loads["origin_lon"].to_numpy(), 6
    )
    region_of = dict(zip(world.loads["load_id"].to_list(), assign.tolist(), strict=True))
    pos = world.vehicles.select("vehicle_id", "lat", "lon")
    outside = 0
    for load_id, lat, lon in (
        got.pairs.join(pos, on="vehicle_id").select("load_id", "lat", "lon").iter_rows()
    ):
        r = regs[region_of[load_id]]
        outside += not (r.lat_lo <= lat <= r.lat_hi and r.lon_lo <= lon <= r.lon_hi)
    assert outside > 0
    assert sum(f.vehicles for f in got.partitions) > world.vehicles.height  # shared halos

    vids = world.vehicles["vehicle_id"]
    cargo = cm.recommend_loads(market, k=5, regions=4)
    assert_frame_equal(cargo.pairs, single.recommend_loads_batch(vids, world.loads, k=5))
    assert_frame_equal(cm.profiles(market, regions=4), single.profile_summary())

    opt = single.dispatch(objective="score", baselines=False)
    dist = cm.dispatch(market, regions=6, partitions=4)
    assert dist.pairs.height == opt.assignments.height
    assert cm.quantized_total(dist.pairs) == cm.quantized_total(opt.assignments)
    assert dist.pairs["vehicle_id"].n_unique() == dist.pairs.height  # one load per vehicle
    fill = single.dispatch(objective="fill", baselines=False)
    dist_fill = cm.dispatch(market, regions=6, partitions=4, objective="fill")
    assert dist_fill.pairs.height == fill.assignments.height > opt.assignments.height
    assert cm.quantized_total(dist_fill.pairs) == cm.quantized_total(fill.assignments)


def test_worker_dying_every_time_fails_the_run_clearly(cluster: Any) -> None:
    """A partition whose worker process dies on each attempt raises PartitionFailedError
    naming it and the attempts; bad input is raised as itself, not retried."""
    with pytest.raises(PartitionFailedError, match=r"'doomed' failed on all 2 attempts"):
        run_partitions(os._exit, [3], names=["doomed"], max_attempts=2)
    with pytest.raises(InvalidInputError, match="unknown solver"):
        cr.solve_many([cr.RouteTask("x", cr.city_problems(1, 10, 2)[0][1], 0.5, solver="no")])


def test_sweep_and_cli_on_the_cluster(cluster: Any, tmp_path: Path) -> None:
    """The live-day simulator over 2 settings x 2 seeds gives one summary row per
    (setting, policy); `yunli cluster match` writes the single-process ranking."""
    res = sweep(
        "live-day",
        grid(n_vehicles=[3], n_stops=[20, 30], n_orders=[3], morning_time=[0.3], seed=[0, 1]),
    )
    assert res.runs.height == 4 * 3  # four runs, three policies each
    assert res.table.height == 2 * 3
    assert set(res.table["runs"]) == {2}
    assert set(res.partitions["node_id"]) == WORKERS

    world = generate_world(400, 6000, 300, seed=2)
    paths = {}
    for name in ("vehicles", "trips", "loads"):
        paths[name] = tmp_path / f"{name}.parquet"
        getattr(world, name).write_parquet(paths[name])
    out = tmp_path / "top.parquet"
    rc = main(
        [
            "cluster",
            "match",
            "--ray",
            cluster.address,
            "--k",
            "5",
            "--regions",
            "3",
            "--now",
            str(world.now),
            "--output",
            str(out),
        ]
        + [a for n, p in paths.items() for a in (f"--{n}", str(p))]
    )
    assert rc == 0
    assert_frame_equal(
        pl.read_parquet(out), Matcher.from_world(world).recommend_vehicles_batch(k=5)
    )
    # the same run from `yunli match --ray`, and a fill dispatch equal to one process
    out2, out3 = tmp_path / "top2.parquet", tmp_path / "fill.parquet"
    files = [a for n, p in paths.items() for a in (f"--{n}", str(p))]
    common = ["--ray", cluster.address, "--regions", "3", "--now", str(world.now)]
    assert main(["match", "--k", "5", *common, "--output", str(out2), *files]) == 0
    assert_frame_equal(pl.read_parquet(out2), pl.read_parquet(out))
    rc = main(["match", "--mode", "dispatch", "--objective", "fill", *common, "--output",
               str(out3), *files])  # fmt: skip
    assert rc == 0
    fill = Matcher.from_world(world).dispatch(objective="fill", baselines=False)
    got = pl.read_parquet(out3)
    assert got.height == fill.assignments.height
    assert cm.quantized_total(got) == cm.quantized_total(fill.assignments)


def test_regional_market_generated_in_workers_equals_one_process(
    cluster: Any, tmp_path: Path
) -> None:
    """The market generated shard by shard in the workers and ranked region by region
    (halos written by the shards) gives the top-k of the same market ranked in one
    process, row for row; some rows are cross-border candidates; both nodes worked."""
    from engine.cluster import market as mk

    spec = mk.plan_market(1800, 36_000, 1800, shards=3, regions=4, directory=tmp_path, seed=2)
    res = mk.recommend_regional(spec, k=6)
    whole = mk.concat_shards(spec)
    ref = Matcher(whole.vehicles, whole.trips, params=spec.params, now=spec.now)
    assert_frame_equal(res.pairs(), ref.recommend_vehicles_batch(whole.loads, k=6))
    regions = mk.figures(res.regions)
    assert int(regions["cross_border_rows"].sum()) > 0
    assert int(regions["loads"].sum()) == 1800
    assert {r.node_id for r in [*res.shards, *res.regions]} == WORKERS


def test_node_killed_mid_run_partitions_are_retried(cluster: Any) -> None:
    """One worker node is killed while it runs a partition (when the first partition
    finishes on one node, the other node is still running its first); every routing
    partition still completes (the dead node's retried on the other) with feasible,
    complete plans. A fresh worker node replaces the killed one afterwards.

    The first partition has a shorter time limit than the rest (each runs to its
    limit), so the first to finish is that one and the other node is then 2.5 s from
    the end of its own: with equal limits both could finish within the driver's
    reaction time, leaving nothing running on the node that is killed."""
    nodes = {n.node_id: n for n in cluster.worker_nodes}
    killed: list[str] = []
    problems = cr.city_problems(6, 40, 6, seed=5)
    tasks = [
        cr.RouteTask(n, p, 0.5 if i == 0 else 3.0, seed=1) for i, (n, p) in enumerate(problems)
    ]
    seen: list[PartitionRun[Any]] = []

    def on_done(run: PartitionRun[Any], done: int, total: int) -> None:
        seen.append(run)
        if done == 1:
            # the other worker node has not finished its first partition: it is running it
            busy = next(n for n in nodes if n != run.node_id)
            killed.append(busy)
            cluster.remove_node(nodes[busy], allow_graceful=False)

    try:
        res = cr.solve_many(tasks, progress=on_done)
    finally:  # the session's cluster has two worker nodes again for later tests
        if killed:
            cluster.add_node(num_cpus=1, object_store_memory=80 * 1024 * 1024)
            cluster.wait_for_nodes()
    f = res.partitions
    assert f.height == 6
    assert set(f["partition"]) == {n for n, _ in problems}
    assert f["feasible"].all()
    assert int(f["unserved_required"].sum()) == 0
    for name, p in problems:
        rep = check(p, res.plans[name].routes)
        assert rep.routes_feasible
        assert not rep.dropped
    assert int(f["attempts"].max()) >= 2, "a partition on the killed node should be retried"
    assert killed
    assert killed[0] in WORKERS
    retried = f.filter(pl.col("attempts") > 1)
    assert killed[0] not in set(retried["node_id"])  # retries ran on the surviving node
