"""Matching partitioned by region, with the cross-border candidates handled exactly.

A vehicle can be recommended for a load only if its road distance to the pickup is
within ``max_deadhead_km`` (a hard filter of the scorer), and every score component
depends only on that vehicle, its own trips and the load. So the loads of a region see
exactly the vehicles they would see in one process if the region's fleet is every
vehicle within that radius of the region's pickups — the region's *halo*. Each region
is a :class:`~engine.matching.Matcher` over its halo fleet (kept in the fleet's order,
so ties break the same way) and that fleet's trips, with the market's reference time:
the top-k of every load is the single-process top-k, row for row.

Dispatch (one-to-one, objective ``"score"`` or ``"fill"``) is split along the connected components
of the candidate graph (each load's best ``m`` vehicles, found by the regions): loads
in different components share no candidate vehicle, so the optimum of the whole is
the union of the components' optima. Components are packed into partitions; each is
dispatched by an unmodified :meth:`Matcher.dispatch` over exactly its components'
vehicles, whose candidate lists are the global ones. A component cannot be split: a
market whose graph is one giant component is dispatched in one partition (the
result's ``largest_component`` says so).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from engine.cluster.runtime import PartitionRun, Progress, run_partitions
from engine.data.loaders import Source, World, read_table
from engine.data.schemas import LOADS, TRIPS, VEHICLES
from engine.errors import InvalidInputError
from engine.matching.matcher import PAIR_COLUMNS, Matcher
from engine.matching.params import MatchParams, MatchWeights
from engine.units import EARTH_RADIUS_M, METRES_PER_KM

#: Score units per point in the dispatch solver (``SCORE_SCALE`` of the Rust core):
#: a candidate enters the dispatch graph only if its quantized score is positive.
SCORE_SCALE: Final = 1e6


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle of the grid the points were split by (degrees, inclusive bounds of
    its members)."""

    index: int
    lat_lo: float
    lat_hi: float
    lon_lo: float
    lon_hi: float


def grid_regions(
    lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], n_regions: int
) -> tuple[npt.NDArray[np.int64], list[Region]]:
    """Split points into about ``n_regions`` rectangles of balanced size.

    Rows by latitude quantiles, then each row by longitude quantiles. Returns each
    point's region and the non-empty regions (bounds are their members' extent).

    Raises
    ------
    InvalidInputError
        ``n_regions < 1`` or no points.
    """
    if n_regions < 1:
        raise InvalidInputError.at("regions", f"must be >= 1, got {n_regions}")
    n = lat.size
    if n == 0:
        raise InvalidInputError.at("regions", "no points to partition")
    rows = max(1, round(math.sqrt(n_regions)))
    cols = math.ceil(n_regions / rows)
    order = np.argsort(lat, kind="stable")
    assign = np.empty(n, dtype=np.int64)
    for r, chunk in enumerate(np.array_split(order, rows)):
        sub = chunk[np.argsort(lon[chunk], kind="stable")]
        for c, part in enumerate(np.array_split(sub, cols)):
            assign[part] = r * cols + c
    regions: list[Region] = []
    renumber = np.full(rows * cols, -1, dtype=np.int64)
    for g in range(rows * cols):
        members = np.flatnonzero(assign == g)
        if members.size == 0:
            continue
        renumber[g] = len(regions)
        regions.append(
            Region(
                len(regions),
                float(lat[members].min()),
                float(lat[members].max()),
                float(lon[members].min()),
                float(lon[members].max()),
            )
        )
    return renumber[assign], regions


def halo_radius_m(params: MatchParams) -> float:
    """Great-circle radius (m) that contains every vehicle–pickup pair within
    ``max_deadhead_km`` of road, with a safety margin."""
    return (params.max_deadhead_km * METRES_PER_KM + 1) / params.circuity * 1.001 + 1_000.0


def in_halo(
    region: Region,
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    radius_m: float,
) -> npt.NDArray[np.bool_]:
    """Points within ``radius_m`` (great circle) of the region's rectangle, or a few
    more: a conservative test (a superset, never a subset)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    top = min(89.9, max(abs(region.lat_lo), abs(region.lat_hi)) + dlat)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * math.cos(math.radians(top))))
    ok = (lat >= region.lat_lo - dlat) & (lat <= region.lat_hi + dlat)
    if dlon >= 180:
        return np.asarray(ok)
    lo, hi = region.lon_lo - dlon, region.lon_hi + dlon
    dl = lon
    in_lon = ((dl >= lo) & (dl <= hi)) | ((dl + 360 >= lo) & (dl + 360 <= hi))
    in_lon |= (dl - 360 >= lo) & (dl - 360 <= hi)
    return np.asarray(ok & in_lon)


@dataclass(frozen=True)
class Market:
    """A validated market: fleet, trip history, open loads and the reference time."""

    vehicles: pl.DataFrame
    trips: pl.DataFrame
    loads: pl.DataFrame
    now: int

    @classmethod
    def of(cls, vehicles: Source, trips: Source, loads: Source, now: int | None = None) -> Market:
        """Validate the tables once (in the driver); ``now`` defaults to the latest trip.

        Raises
        ------
        InvalidInputError
            On invalid or empty tables.
        """
        v = read_table(vehicles, VEHICLES)
        t = read_table(trips, TRIPS)
        lo = read_table(loads, LOADS)
        if v.height == 0:
            raise InvalidInputError.at("vehicles", "no vehicles given (empty set)")
        if lo.height == 0:
            raise InvalidInputError.at("loads", "no loads given (empty set)")
        as_of = int(now) if now is not None else int(t["completed_at"].max() or 0)  # type: ignore[arg-type]
        return cls(v, t, lo, as_of)

    @classmethod
    def from_world(cls, world: World) -> Market:
        """The market of a world (already validated)."""
        return cls(world.vehicles, world.trips, world.loads, world.now)


@dataclass(frozen=True)
class MatchTask:
    """One partition's input: a fleet (in the market's order), its trips, some loads."""

    kind: str  # "recommend" | "dispatch"
    vehicles: pl.DataFrame
    trips: pl.DataFrame
    loads: pl.DataFrame
    now: int
    weights: MatchWeights
    params: MatchParams
    k: int
    objective: str = "score"


def _empty_pairs() -> pl.DataFrame:
    schema = {
        "load_id": pl.Int64,
        "vehicle_id": pl.Int64,
        "rank": pl.Int32,
        "score": pl.Float64,
        "expertise": pl.Float64,
        "backhaul": pl.Float64,
        "deadhead_m": pl.Int64,
        "arrival_at": pl.Int64,
        "utilization": pl.Float64,
        "rating_vs_prior": pl.Float64,
        "price_margin": pl.Float64,
    }
    return pl.DataFrame(schema={c: schema[c] for c in PAIR_COLUMNS})


def match_partition(task: MatchTask) -> pl.DataFrame:
    """Run one partition with an unmodified :class:`Matcher` (the Ray task body).

    ``recommend``: the top ``k`` vehicles of each load. ``dispatch``: the optimal
    one-to-one assignment (objective ``score``, ``k`` candidates per load; ``rank`` 0).
    ``loads``: the top ``k`` loads of each vehicle. ``profiles``: each vehicle's
    profile totals (``Matcher.profile_summary``).
    """
    if task.vehicles.height == 0:
        return _empty_pairs()
    m = Matcher(task.vehicles, task.trips, weights=task.weights, params=task.params, now=task.now)
    if task.kind == "profiles":
        return m.profile_summary()
    if task.loads.height == 0:
        return _empty_pairs()
    if task.kind == "recommend":
        return m.recommend_vehicles_batch(task.loads, k=task.k)
    if task.kind == "loads":
        return m.recommend_loads_batch(task.vehicles["vehicle_id"], task.loads, k=task.k)
    res = m.dispatch(task.loads, objective=task.objective, candidates=task.k, baselines=False)
    return res.assignments.with_columns(pl.lit(0, dtype=pl.Int32).alias("rank")).select(
        PAIR_COLUMNS
    )


@dataclass(frozen=True)
class PartitionFigures:
    """Per-partition figures of a distributed run."""

    name: str
    loads: int
    vehicles: int
    trips: int
    rows: int
    node_id: str
    wall_s: float
    cpu_s: float
    attempts: int


def _figures(
    runs: Sequence[PartitionRun[pl.DataFrame]], tasks: Sequence[MatchTask]
) -> list[PartitionFigures]:
    return [
        PartitionFigures(
            r.name,
            t.loads.height,
            t.vehicles.height,
            t.trips.height,
            r.value.height,
            r.node_id,
            r.wall_s,
            r.cpu_s,
            r.attempts,
        )
        for r, t in zip(runs, tasks, strict=True)
    ]


def figures_frame(figs: Sequence[PartitionFigures]) -> pl.DataFrame:
    """Per-partition figures as a frame (one row per partition)."""
    return pl.DataFrame(
        [
            {
                "partition": f.name,
                "loads": f.loads,
                "vehicles": f.vehicles,
                "trips": f.trips,
                "rows": f.rows,
                "node_id": f.node_id,
                "wall_s": f.wall_s,
                "cpu_s": f.cpu_s,
                "attempts": f.attempts,
            }
            for f in figs
        ]
    )


@dataclass(frozen=True)
class ClusterMatch:
    """Result of a distributed matching run.

    Attributes
    ----------
    pairs
        The merged rows (:data:`~engine.matching.matcher.PAIR_COLUMNS`), loads in the
        market's order, best first within a load.
    partitions
        Per-partition figures (loads, halo fleet, trips, rows, node, times, attempts).
    seconds
        Wall seconds of the whole run in the driver (partitioning, tasks, merging).
    """

    pairs: pl.DataFrame
    partitions: list[PartitionFigures]
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def nodes(self) -> set[str]:
        """Ids of the nodes partitions ran on."""
        return {f.node_id for f in self.partitions}

    def summary(self) -> str:
        """One paragraph: rows, partitions, nodes, retries and times."""
        figs = self.partitions
        retried = sum(f.attempts > 1 for f in figs)
        walls = [f.wall_s for f in figs] or [0.0]
        lines = [
            f"{self.pairs.height:,} rows from {len(figs)} partitions on {len(self.nodes)} "
            f"node(s) in {self.seconds:.2f} s; partition wall max {max(walls):.2f} s, "
            f"sum {sum(walls):.2f} s; CPU sum {sum(f.cpu_s for f in figs):.2f} s; "
            f"{retried} partition(s) retried"
        ]
        lines += [f"{k}: {v}" for k, v in self.extra.items()]
        return "\n".join(lines)


def _fleet_subset(market: Market, mask: npt.NDArray[np.bool_]) -> tuple[pl.DataFrame, pl.DataFrame]:
    v = market.vehicles.filter(pl.Series(mask))
    t = market.trips.filter(pl.col("vehicle_id").is_in(v["vehicle_id"].implode()))
    return v, t


def _order_by_loads(pairs: pl.DataFrame, loads: pl.DataFrame) -> pl.DataFrame:
    pos = pl.DataFrame(
        {"load_id": loads["load_id"], "_pos": np.arange(loads.height, dtype=np.int64)}
    )
    return (
        pairs.join(pos, on="load_id", how="left")
        .sort(["_pos", "rank"], maintain_order=True)
        .drop("_pos")
    )


def recommend_tasks(
    market: Market,
    *,
    k: int,
    regions: int,
    weights: MatchWeights | None = None,
    params: MatchParams | None = None,
) -> list[MatchTask]:
    """The recommendation partitions: loads by pickup region, each with its halo fleet.

    Raises
    ------
    InvalidInputError
        ``k < 1`` or ``regions < 1``.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidInputError.at("k", f"must be a positive integer, got {k!r}")
    w = weights if weights is not None else MatchWeights()
    p = params if params is not None else MatchParams()
    lo = market.loads
    lat = lo["origin_lat"].to_numpy().astype(np.float64)
    lon = lo["origin_lon"].to_numpy().astype(np.float64)
    assign, regs = grid_regions(lat, lon, regions)
    vlat = market.vehicles["lat"].to_numpy().astype(np.float64)
    vlon = market.vehicles["lon"].to_numpy().astype(np.float64)
    radius = halo_radius_m(p)
    tasks = []
    for r in regs:
        v, t = _fleet_subset(market, in_halo(r, vlat, vlon, radius))
        loads = lo.filter(pl.Series(assign == r.index))
        tasks.append(MatchTask("recommend", v, t, loads, market.now, w, p, k))
    return tasks


def recommend_vehicles(
    market: Market,
    *,
    k: int = 20,
    regions: int = 8,
    weights: MatchWeights | None = None,
    params: MatchParams | None = None,
    max_attempts: int = 3,
    progress: Progress | None = None,
) -> ClusterMatch:
    """Top ``k`` vehicles for every load, partitioned by pickup region over Ray.

    Equal, row for row, to ``Matcher(...).recommend_vehicles_batch(k=k)`` in one
    process (same weights, parameters and reference time).

    Parameters
    ----------
    market
        The market (:meth:`Market.of` or :meth:`Market.from_world`).
    k
        Vehicles per load.
    regions
        About how many regions (partitions) to split the loads into.
    weights, params
        As for :class:`Matcher`.
    max_attempts
        Tries per partition when its worker or node dies.
    progress
        Called as ``progress(run, done, total)`` as partitions finish.

    Raises
    ------
    InvalidInputError
        Bad ``k`` or ``regions``.
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    t0 = time.perf_counter()
    tasks = recommend_tasks(market, k=k, regions=regions, weights=weights, params=params)
    runs = run_partitions(
        match_partition,
        tasks,
        names=[f"region-{i}" for i in range(len(tasks))],
        max_attempts=max_attempts,
        progress=progress,
    )
    frames = [r.value for r in runs if r.value.height]
    pairs = pl.concat(frames) if frames else _empty_pairs()
    pairs = _order_by_loads(pairs, market.loads)
    return ClusterMatch(pairs, _figures(runs, tasks), time.perf_counter() - t0)


def _vehicle_regions(market: Market, regions: int) -> tuple[npt.NDArray[np.int64], list[Region]]:
    return grid_regions(
        market.vehicles["lat"].to_numpy().astype(np.float64),
        market.vehicles["lon"].to_numpy().astype(np.float64),
        regions,
    )


def recommend_loads(
    market: Market,
    *,
    k: int = 10,
    regions: int = 8,
    weights: MatchWeights | None = None,
    params: MatchParams | None = None,
    max_attempts: int = 3,
    progress: Progress | None = None,
) -> ClusterMatch:
    """Top ``k`` loads for every vehicle (cargo pushed to drivers), partitioned by the
    vehicles' region; each region sees every load whose pickup is within reach of it.

    Equal, row for row, to ``Matcher(...).recommend_loads_batch(all vehicle ids, loads,
    k)`` in one process.

    Raises
    ------
    InvalidInputError
        Bad ``k`` or ``regions``.
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidInputError.at("k", f"must be a positive integer, got {k!r}")
    t0 = time.perf_counter()
    w = weights if weights is not None else MatchWeights()
    p = params if params is not None else MatchParams()
    assign, regs = _vehicle_regions(market, regions)
    lo = market.loads
    llat = lo["origin_lat"].to_numpy().astype(np.float64)
    llon = lo["origin_lon"].to_numpy().astype(np.float64)
    radius = halo_radius_m(p)
    tasks = []
    for r in regs:
        v, t = _fleet_subset(market, assign == r.index)
        halo = lo.filter(pl.Series(in_halo(r, llat, llon, radius)))
        tasks.append(MatchTask("loads", v, t, halo, market.now, w, p, k))
    runs = run_partitions(
        match_partition,
        tasks,
        names=[f"region-{i}" for i in range(len(tasks))],
        max_attempts=max_attempts,
        progress=progress,
    )
    frames = [r.value for r in runs if r.value.height]
    pairs = pl.concat(frames) if frames else _empty_pairs()
    pos = pl.DataFrame(
        {
            "vehicle_id": market.vehicles["vehicle_id"],
            "_pos": np.arange(market.vehicles.height, dtype=np.int64),
        }
    )
    pairs = (
        pairs.join(pos, on="vehicle_id", how="left")
        .sort(["_pos", "rank"], maintain_order=True)
        .drop("_pos")
    )
    return ClusterMatch(pairs, _figures(runs, tasks), time.perf_counter() - t0)


def profiles(
    market: Market,
    *,
    regions: int = 8,
    params: MatchParams | None = None,
    max_attempts: int = 3,
    progress: Progress | None = None,
) -> pl.DataFrame:
    """Every vehicle's route-expertise profile totals (``vehicle_id``, ``trips``,
    ``weight``), built by region, in the fleet's order — equal to
    ``Matcher.profile_summary()`` in one process.

    Raises
    ------
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    p = params if params is not None else MatchParams()
    assign, regs = _vehicle_regions(market, regions)
    tasks = []
    for r in regs:
        v, t = _fleet_subset(market, assign == r.index)
        tasks.append(
            MatchTask("profiles", v, t, market.loads.head(0), market.now, MatchWeights(), p, 1)
        )
    runs = run_partitions(
        match_partition,
        tasks,
        names=[f"region-{i}" for i in range(len(tasks))],
        max_attempts=max_attempts,
        progress=progress,
    )
    pos = pl.DataFrame(
        {
            "vehicle_id": market.vehicles["vehicle_id"],
            "_pos": np.arange(market.vehicles.height, dtype=np.int64),
        }
    )
    return (
        pl.concat([r.value for r in runs])
        .join(pos, on="vehicle_id", how="left")
        .sort("_pos")
        .drop("_pos")
    )


def components(
    load_pos: npt.NDArray[np.int64],
    vehicle_pos: npt.NDArray[np.int64],
    n_loads: int,
    n_vehicles: int,
) -> npt.NDArray[np.int64]:
    """Connected component (smallest node id) of every load and vehicle of a
    bipartite edge list: nodes ``0..n_loads`` are loads, the rest vehicles."""
    parent = np.arange(n_loads + n_vehicles, dtype=np.int64)
    u = np.asarray(load_pos, dtype=np.int64)
    v = np.asarray(vehicle_pos, dtype=np.int64) + n_loads
    while True:
        pu, pv = parent[u], parent[v]
        diff = pu != pv
        if not diff.any():
            return parent
        lo, hi = np.minimum(pu[diff], pv[diff]), np.maximum(pu[diff], pv[diff])
        np.minimum.at(parent, hi, lo)  # hook roots onto smaller roots
        while True:  # compress to roots
            pp = parent[parent]
            if np.array_equal(pp, parent):
                break
            parent = pp


def _pack(sizes: npt.NDArray[np.int64], bins: int) -> npt.NDArray[np.int64]:
    """Longest-processing-time packing of items into ``bins`` bins."""
    out = np.zeros(sizes.size, dtype=np.int64)
    load = np.zeros(bins, dtype=np.int64)
    for i in np.argsort(-sizes, kind="stable"):
        b = int(np.argmin(load))
        out[i] = b
        load[b] += sizes[i]
    return out


def dispatch(
    market: Market,
    *,
    candidates: int | None = None,
    regions: int = 8,
    partitions: int | None = None,
    weights: MatchWeights | None = None,
    params: MatchParams | None = None,
    max_attempts: int = 3,
    progress: Progress | None = None,
    objective: str = "score",
) -> ClusterMatch:
    """Optimal one-to-one dispatch over Ray, objective ``"score"`` or ``"fill"``.

    First the candidate lists (each load's best ``candidates`` vehicles) by region
    (:func:`recommend_vehicles`), then the candidate graph's connected components
    packed into ``partitions`` tasks, each dispatched optimally. Both objectives add up
    over components (``"fill"``: most loads matched, then the highest total score), so
    the result equals the single-process optimum of ``Matcher.dispatch(objective=...)``:
    the same number of loads matched and the same total score. ``"score"`` keeps only
    pairs with a positive score; ``"fill"`` keeps every feasible candidate.

    Returns
    -------
    ClusterMatch
        ``pairs``: one row per assigned load (``rank`` 0); ``partitions``: the
        dispatch partitions' figures; ``extra``: the candidate stage's figures, the
        number of components and the largest component's loads.

    Raises
    ------
    InvalidInputError
        Bad ``candidates``, ``regions``, ``partitions`` or ``objective``.
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    t0 = time.perf_counter()
    p = params if params is not None else MatchParams()
    w = weights if weights is not None else MatchWeights()
    m = p.dispatch_candidates if candidates is None else candidates
    bins = regions if partitions is None else partitions
    if bins < 1:
        raise InvalidInputError.at("partitions", f"must be >= 1, got {bins}")
    if objective not in CLUSTER_OBJECTIVES:
        raise InvalidInputError.at(
            "objective", f"must be one of {CLUSTER_OBJECTIVES} on a cluster, got {objective!r}"
        )
    cand = recommend_vehicles(
        market,
        k=m,
        regions=regions,
        weights=w,
        params=p,
        max_attempts=max_attempts,
        progress=progress,
    )
    edges = (
        cand.pairs.filter((pl.col("score") * SCORE_SCALE).round() > 0)
        if objective == "score"
        else cand.pairs
    )
    lo, veh = market.loads, market.vehicles
    lpos_of = pl.DataFrame({"load_id": lo["load_id"], "_l": np.arange(lo.height)})
    vpos_of = pl.DataFrame({"vehicle_id": veh["vehicle_id"], "_v": np.arange(veh.height)})
    e = (
        edges.select("load_id", "vehicle_id")
        .join(lpos_of, on="load_id")
        .join(vpos_of, on="vehicle_id")
    )
    lp = e["_l"].to_numpy().astype(np.int64)
    vp = e["_v"].to_numpy().astype(np.int64)
    comp = components(lp, vp, lo.height, veh.height)
    load_comp = comp[: lo.height]
    has_edge = np.zeros(lo.height, dtype=bool)
    has_edge[lp] = True
    roots, inverse, counts = np.unique(load_comp[has_edge], return_inverse=True, return_counts=True)
    bin_of_root = _pack(counts.astype(np.int64), bins) if roots.size else np.zeros(0, np.int64)
    load_bin = np.full(lo.height, -1, dtype=np.int64)
    load_bin[np.flatnonzero(has_edge)] = bin_of_root[inverse]
    veh_bin = np.full(veh.height, -1, dtype=np.int64)
    veh_bin[vp] = load_bin[lp]
    tasks = []
    for b in range(bins):
        lmask = load_bin == b
        if not lmask.any():
            continue
        v, t = _fleet_subset(Market(veh, market.trips, lo, market.now), veh_bin == b)
        loads_b = lo.filter(pl.Series(lmask))
        tasks.append(MatchTask("dispatch", v, t, loads_b, market.now, w, p, m, objective))
    runs = run_partitions(
        match_partition,
        tasks,
        names=[f"components-{i}" for i in range(len(tasks))],
        max_attempts=max_attempts,
        progress=progress,
    )
    frames = [r.value for r in runs if r.value.height]
    pairs = _order_by_loads(pl.concat(frames) if frames else _empty_pairs(), lo)
    extra = {
        "candidate stage": f"{len(cand.partitions)} regions, {cand.seconds:.2f} s, "
        f"{edges.height:,} candidate edges",
        "components": f"{roots.size:,} (largest {int(counts.max()) if counts.size else 0:,} "
        f"loads); {int((~has_edge).sum()):,} loads without a candidate",
        "total score": f"{float(pairs['score'].sum()):,.4f} over {pairs.height:,} assignments",
    }
    figs = _figures(runs, tasks)
    return ClusterMatch(pairs, [*cand.partitions, *figs], time.perf_counter() - t0, extra)


#: Dispatch objectives that add up over the candidate graph's components (``"deadhead"``
#: ranks candidates by distance, not by the score the candidate stage uses).
CLUSTER_OBJECTIVES: Final = ("score", "fill")


def quantized_total(pairs: pl.DataFrame) -> int:
    """Total score of assignments in the dispatch solver's integer units."""
    return int((pairs["score"] * SCORE_SCALE).round().cast(pl.Int64).sum())
