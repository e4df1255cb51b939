"""A national market too large for one process, generated and matched region by region.

No process ever holds the whole market. Two stages of Ray tasks share a directory
(on a real cluster: storage every node mounts, such as NFS or a object-store FUSE
mount):

1. **Generate, by shard** (:func:`generate_shard`): shard ``s`` is a seeded
   :func:`~engine.data.generator.generate_world` of ``1/S`` of the vehicles, trips and
   loads (ids offset so they are unique across shards). The shard writes each region's
   loads (by pickup) and, for each region, the *halo*: every vehicle of the shard
   within reach of that region (``max_deadhead_km`` of road, a conservative
   great-circle test around the region's cell) with its trips. A vehicle near a border
   is written to every region it can reach: these are the cross-border candidates.
2. **Match, by region** (:func:`match_region`): region ``r`` reads its loads and halo
   from every shard, keeps the fleet in global id order (so ties break as in one
   process), builds an unmodified :class:`~engine.matching.Matcher` and writes the
   top-k of each of its loads.

The regions are a grid of cells by quantiles of a sample of pickups (rows by
latitude, then columns by longitude within a row), fixed before generation so every
shard splits alike. The union of the shards is an ordinary market (the tables one
process would get by concatenating the shards); :func:`concat_shards` builds it for
sizes that fit, to check the regional result against one process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from engine.cluster.matching import Region, halo_radius_m, in_halo
from engine.cluster.runtime import PartitionRun, Progress, peak_rss_mib, run_partitions
from engine.data.generator import SAMPLE_NOW, generate_world
from engine.data.loaders import World
from engine.errors import InvalidInputError
from engine.matching.matcher import Matcher
from engine.matching.params import MatchParams

#: Degrees added around the sample's extent for the grid's outer cells (a generated
#: point lies within a few city radii of its city).
EDGE_MARGIN_DEG = 3.0


@dataclass(frozen=True)
class Grid:
    """Cells of the regional split: latitude row edges and, per row, longitude edges
    (outer edges at the sample's extent plus :data:`EDGE_MARGIN_DEG`)."""

    lat_edges: tuple[float, ...]
    lon_edges: tuple[tuple[float, ...], ...]

    @property
    def cells(self) -> int:
        """Number of cells (regions)."""
        return sum(len(e) - 1 for e in self.lon_edges)

    def assign(self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> Any:
        """Cell of every point (points beyond the outer edges go to the outer cells)."""
        inner = np.asarray(self.lat_edges[1:-1])
        row = np.searchsorted(inner, lat, side="right")
        out = np.empty(lat.size, dtype=np.int64)
        base = 0
        for r, edges in enumerate(self.lon_edges):
            m = row == r
            out[m] = base + np.searchsorted(np.asarray(edges[1:-1]), lon[m], side="right")
            base += len(edges) - 1
        return out

    def region(self, cell: int) -> Region:
        """The cell's rectangle."""
        base = 0
        for r, edges in enumerate(self.lon_edges):
            if cell < base + len(edges) - 1:
                c = cell - base
                return Region(
                    cell, self.lat_edges[r], self.lat_edges[r + 1], edges[c], edges[c + 1]
                )
            base += len(edges) - 1
        raise InvalidInputError.at("region", f"no cell {cell} in a grid of {self.cells}")


def make_grid(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], regions: int) -> Grid:
    """A grid of about ``regions`` cells holding equal shares of the sample points.

    Raises
    ------
    InvalidInputError
        ``regions < 1`` or too few points.
    """
    if regions < 1:
        raise InvalidInputError.at("regions", f"must be >= 1, got {regions}")
    if lat.size < 4 * regions:
        raise InvalidInputError.at("regions", f"{lat.size} sample points for {regions} regions")
    rows = max(1, round(math.sqrt(regions)))
    cols = math.ceil(regions / rows)
    lo_lat, hi_lat = float(lat.min()) - EDGE_MARGIN_DEG, float(lat.max()) + EDGE_MARGIN_DEG
    lo_lon, hi_lon = float(lon.min()) - EDGE_MARGIN_DEG, float(lon.max()) + EDGE_MARGIN_DEG
    inner = np.quantile(lat, np.linspace(0, 1, rows + 1)[1:-1]).tolist()
    lat_edges = (lo_lat, *inner, hi_lat)
    row = np.searchsorted(np.asarray(inner), lat, side="right")
    lon_edges = []
    for r in range(rows):
        x = lon[row == r]
        cuts = np.quantile(x, np.linspace(0, 1, cols + 1)[1:-1]).tolist() if x.size else []
        lon_edges.append((lo_lon, *cuts, hi_lon))
    return Grid(tuple(float(v) for v in lat_edges), tuple(tuple(e) for e in lon_edges))


@dataclass(frozen=True)
class MarketSpec:
    """A regional market: sizes, shards, the grid and where the parts are written."""

    vehicles: int
    trips: int
    loads: int
    shards: int
    grid: Grid
    directory: str
    seed: int = 0
    now: int = SAMPLE_NOW
    params: MatchParams = field(default_factory=MatchParams)

    def share(self, total: int, s: int) -> int:
        """Shard ``s``'s part of ``total`` (the shards add up to it)."""
        return total // self.shards + (1 if s < total % self.shards else 0)

    def offset(self, total: int, s: int) -> int:
        """Ids of shard ``s`` start after this many."""
        return sum(self.share(total, i) for i in range(s))


def plan_market(
    vehicles: int,
    trips: int,
    loads: int,
    *,
    shards: int,
    regions: int,
    directory: str | Path,
    seed: int = 0,
    params: MatchParams | None = None,
) -> MarketSpec:
    """The spec of a regional market; the grid comes from a 50,000-load sample of the
    same generator (another seed).

    Raises
    ------
    InvalidInputError
        Non-positive sizes or shards, more shards than vehicles or loads.
    """
    for name, v in (("vehicles", vehicles), ("loads", loads), ("shards", shards)):
        if v < 1:
            raise InvalidInputError.at(name, f"must be >= 1, got {v}")
    if shards > min(vehicles, loads):
        raise InvalidInputError.at("shards", f"{shards} shards for {vehicles} vehicles")
    sample = generate_world(100, 0, 50_000, seed=seed + 7919, validate_tables=False).loads
    grid = make_grid(
        sample["origin_lat"].to_numpy().astype(np.float64),
        sample["origin_lon"].to_numpy().astype(np.float64),
        regions,
    )
    return MarketSpec(
        vehicles,
        trips,
        loads,
        shards,
        grid,
        str(directory),
        seed,
        params=params if params is not None else MatchParams(),
    )


def shard_world(spec: MarketSpec, s: int) -> World:
    """Shard ``s`` of the market, ids offset to be unique across shards."""
    w = generate_world(
        spec.share(spec.vehicles, s),
        spec.share(spec.trips, s),
        spec.share(spec.loads, s),
        seed=spec.seed * 100_003 + s,
        now=spec.now,
        validate_tables=False,
    )
    dv, dt, dl = (
        spec.offset(spec.vehicles, s),
        spec.offset(spec.trips, s),
        spec.offset(spec.loads, s),
    )
    dc = spec.offset(max(1, spec.vehicles // 4), s) * 4
    return World(
        now=w.now,
        vehicles=w.vehicles.with_columns(pl.col("vehicle_id") + dv, pl.col("carrier_id") + dc),
        trips=w.trips.with_columns(pl.col("trip_id") + dt, pl.col("vehicle_id") + dv),
        loads=w.loads.with_columns(pl.col("load_id") + dl, pl.col("shipper_id") + dl),
        sites=w.sites,
    )


def concat_shards(spec: MarketSpec) -> World:
    """The whole market in one process (only for sizes that fit: the reference)."""
    parts = [shard_world(spec, s) for s in range(spec.shards)]
    return World(
        now=spec.now,
        vehicles=pl.concat([p.vehicles for p in parts]),
        trips=pl.concat([p.trips for p in parts]),
        loads=pl.concat([p.loads for p in parts]),
        sites=parts[0].sites,
    )


def _part(spec: MarketSpec, table: str, region: int, shard: int) -> Path:
    return Path(spec.directory) / table / f"r{region:04d}" / f"s{shard:05d}.parquet"


@dataclass(frozen=True)
class ShardFigures:
    """What one shard generated and wrote."""

    shard: int
    vehicles: int
    trips: int
    loads: int
    halo_vehicles: int
    halo_trips: int
    generate_s: float
    write_s: float
    peak_rss_mib: float


def generate_shard(task: tuple[MarketSpec, int]) -> ShardFigures:
    """Generate shard ``s`` and write every region's loads and halo (the Ray task body)."""
    spec, s = task
    t0 = time.perf_counter()
    w = shard_world(spec, s)
    gen = time.perf_counter() - t0
    grid = spec.grid
    radius = halo_radius_m(spec.params)
    lcell = grid.assign(
        w.loads["origin_lat"].to_numpy().astype(np.float64),
        w.loads["origin_lon"].to_numpy().astype(np.float64),
    )
    vlat = w.vehicles["lat"].to_numpy().astype(np.float64)
    vlon = w.vehicles["lon"].to_numpy().astype(np.float64)
    # a shard's vehicle ids are consecutive: a trip's vehicle is at (id - first id)
    vid = w.vehicles["vehicle_id"].to_numpy()
    if vid.size and not np.array_equal(vid, np.arange(vid[0], vid[0] + vid.size)):
        raise InvalidInputError.at("vehicles", "a shard's vehicle ids must be consecutive")
    trip_pos = w.trips["vehicle_id"].to_numpy() - (vid[0] if vid.size else 0)
    halo_v = halo_t = 0
    for r in range(grid.cells):
        for table in ("loads", "vehicles", "trips"):
            _part(spec, table, r, s).parent.mkdir(parents=True, exist_ok=True)
        w.loads.filter(pl.Series(lcell == r)).write_parquet(_part(spec, "loads", r, s))
        mask = in_halo(grid.region(r), vlat, vlon, radius)
        w.vehicles.filter(pl.Series(mask)).write_parquet(_part(spec, "vehicles", r, s))
        keep = mask[trip_pos]
        w.trips.filter(pl.Series(keep)).write_parquet(_part(spec, "trips", r, s))
        halo_v += int(mask.sum())
        halo_t += int(keep.sum())
    return ShardFigures(
        s,
        w.vehicles.height,
        w.trips.height,
        w.loads.height,
        halo_v,
        halo_t,
        gen,
        time.perf_counter() - t0 - gen,
        peak_rss_mib(),
    )


@dataclass(frozen=True)
class RegionFigures:
    """What one region matched: its loads, halo fleet and trips, rows written, the
    rows whose vehicle stands outside the region's cell (cross-border candidates),
    the time to read, build the matcher and rank, and the worker's peak memory."""

    region: int
    loads: int
    vehicles: int
    trips: int
    rows: int
    cross_border_rows: int
    read_s: float
    build_s: float
    rank_s: float
    peak_rss_mib: float


def _read(spec: MarketSpec, table: str, r: int) -> pl.DataFrame:
    files = [_part(spec, table, r, s) for s in range(spec.shards)]
    return pl.concat([pl.read_parquet(f) for f in files], how="vertical")


def match_region(task: tuple[MarketSpec, int, int]) -> RegionFigures:
    """Top-``k`` vehicles for the loads of region ``r`` (the Ray task body); writes
    ``<directory>/out/r<r>.parquet``."""
    spec, r, k = task
    t0 = time.perf_counter()
    loads = _read(spec, "loads", r).sort("load_id")
    fleet = _read(spec, "vehicles", r).sort("vehicle_id")
    out = Path(spec.directory) / "out" / f"r{r:04d}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    if loads.height == 0 or fleet.height == 0:
        pl.DataFrame().write_parquet(out)
        return RegionFigures(r, loads.height, fleet.height, 0, 0, 0, 0.0, 0.0, 0.0, peak_rss_mib())
    # the halo written by the shards is around the cell; narrow it to the loads' extent
    lat = loads["origin_lat"].to_numpy().astype(np.float64)
    lon = loads["origin_lon"].to_numpy().astype(np.float64)
    tight = Region(r, float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max()))
    near = in_halo(
        tight,
        fleet["lat"].to_numpy().astype(np.float64),
        fleet["lon"].to_numpy().astype(np.float64),
        halo_radius_m(spec.params),
    )
    fleet = fleet.filter(pl.Series(near))
    trips = _read(spec, "trips", r)
    trips = trips.filter(pl.col("vehicle_id").is_in(fleet["vehicle_id"].implode())).sort("trip_id")
    t1 = time.perf_counter()
    m = Matcher(fleet, trips, params=spec.params, now=spec.now)
    n_trips = trips.height
    del trips
    t2 = time.perf_counter()
    pairs = m.recommend_vehicles_batch(loads, k=k)
    t3 = time.perf_counter()
    cell = spec.grid.assign(
        fleet["lat"].to_numpy().astype(np.float64), fleet["lon"].to_numpy().astype(np.float64)
    )
    outside = fleet.filter(pl.Series(cell != r))["vehicle_id"]
    cross = int(pairs["vehicle_id"].is_in(outside.implode()).sum())
    pairs.write_parquet(out)
    return RegionFigures(
        r, loads.height, fleet.height, n_trips, pairs.height, cross, t1 - t0, t2 - t1, t3 - t2,
        peak_rss_mib(),
    )  # fmt: skip


@dataclass(frozen=True)
class RegionalRun:
    """Result of :func:`recommend_regional`: figures of both stages and the seconds
    each took in the driver; the top-k rows are in ``<directory>/out``."""

    spec: MarketSpec
    shards: list[PartitionRun[ShardFigures]]
    regions: list[PartitionRun[RegionFigures]]
    generate_s: float
    match_s: float

    def pairs(self) -> pl.DataFrame:
        """All rows, loads in id order, best first (reads every region's output)."""
        parts = [
            pl.read_parquet(Path(self.spec.directory) / "out" / f"r{r.value.region:04d}.parquet")
            for r in self.regions
            if r.value.rows
        ]
        return pl.concat(parts).sort(["load_id", "rank"])


def recommend_regional(
    spec: MarketSpec,
    *,
    k: int = 20,
    max_attempts: int = 3,
    progress: Progress | None = None,
) -> RegionalRun:
    """Generate the market shard by shard and rank the top ``k`` vehicles of every load
    region by region, on the Ray cluster (both stages are retried per partition).

    Raises
    ------
    InvalidInputError
        ``k < 1``.
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    if isinstance(k, bool) or k < 1:
        raise InvalidInputError.at("k", f"must be a positive integer, got {k!r}")
    t0 = time.perf_counter()
    shards = run_partitions(
        generate_shard,
        [(spec, s) for s in range(spec.shards)],
        names=[f"shard-{s}" for s in range(spec.shards)],
        max_attempts=max_attempts,
        progress=progress,
    )
    t1 = time.perf_counter()
    regions = run_partitions(
        match_region,
        [(spec, r, k) for r in range(spec.grid.cells)],
        names=[f"region-{r}" for r in range(spec.grid.cells)],
        max_attempts=max_attempts,
        progress=progress,
    )
    return RegionalRun(spec, shards, regions, t1 - t0, time.perf_counter() - t1)


def figures(runs: Sequence[PartitionRun[Any]]) -> pl.DataFrame:
    """Per-partition figures of either stage, with wall, CPU and attempts."""
    from dataclasses import asdict

    return pl.DataFrame(
        [
            {
                "partition": r.name,
                **asdict(r.value),
                "wall_s": r.wall_s,
                "cpu_s": r.cpu_s,
                "attempts": r.attempts,
                "node_id": r.node_id,
                "pid": r.pid,
            }
            for r in runs
        ]
    )
