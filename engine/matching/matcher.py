"""The :class:`Matcher`: route-expertise recommendations both ways and batch dispatch.

A matcher is built once from the fleet (``vehicles`` table), the trip history
(``trips``), :class:`~engine.matching.params.MatchWeights` and
:class:`~engine.matching.params.MatchParams`. Profiles, candidate search,
scoring, top-k and assignment run in Rust (``engine._core.MatcherCore``)
across all cores with the GIL released; this class converts Polars frames to
arrays once per table and the results back to Polars frames, one row per
recommendation with every score component.

Example
-------
>>> from engine.data.sample import load_sample
>>> world = load_sample()
>>> m = Matcher.from_world(world)
>>> m.recommend_vehicles(int(world.loads["load_id"][0]), k=5)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from engine import _core
from engine.data.loaders import Source, World, read_table
from engine.data.schemas import LOADS, TRIPS, VEHICLE_TYPES, VEHICLES
from engine.errors import InvalidInputError, NotFoundError
from engine.matching.params import MatchParams, MatchWeights
from engine.matching.result import OBJECTIVES, DispatchResult
from engine.units import METRES_PER_KM, SECONDS_PER_DAY

_TYPE_NAMES: Final = list(VEHICLE_TYPES)
_TYPE_INDEX: Final = {name: i for i, name in enumerate(_TYPE_NAMES)}
_TYPE_BIT: Final = {name: 1 << i for i, name in enumerate(_TYPE_NAMES)}

#: Why a pair fails the hard filters: ``reject`` code (0: feasible) to reason, as the
#: core defines them (``Reject`` in ``rust_core/src/matching/scoring.rs``).
REJECT_REASONS: Final[dict[int, str]] = dict(_core.REJECT_REASONS)

#: Score components of a pair, in the order of every pair frame, row and message (the
#: ``ScoreComponents`` of the gRPC API): route expertise, backhaul credit, deadhead
#: metres, arrival instant, capacity utilization, rating against the prior, price margin.
SCORE_COMPONENTS: Final = (
    "expertise",
    "backhaul",
    "deadhead_m",
    "arrival_at",
    "utilization",
    "rating_vs_prior",
    "price_margin",
)

#: Columns of every recommendation / assignment frame, in order: the one definition of
#: the pair layout (the core's rows and the server's messages follow it).
PAIR_COLUMNS: Final = ("load_id", "vehicle_id", "rank", "score", *SCORE_COMPONENTS)

#: The core's result keys of the columns after the ids, in :data:`PAIR_COLUMNS` order.
_CORE_KEYS: Final = ("rank", "score", "expertise", "backhaul", "deadhead_m", "arrival",
                     "utilization", "rating", "price")  # fmt: skip

LoadLike = int | Mapping[str, Any] | pl.DataFrame

#: Vehicle updates kept as pending frames before ``Matcher.vehicles`` folds them in.
_MAX_PENDING_FRAMES: Final = 64

#: One recommendation as a tuple in :data:`PAIR_COLUMNS` order (load id, vehicle id,
#: rank, score, expertise, backhaul, deadhead m, arrival, utilization, rating vs
#: prior, price margin), as :meth:`Matcher.recommend_vehicle_rows` returns it.
PairRow = tuple[int, int, int, float, float, float, int, int, float, float, float]


def _f64(s: pl.Series) -> npt.NDArray[np.float64]:
    return np.ascontiguousarray(s.to_numpy(), dtype=np.float64)


def _i64(s: pl.Series) -> npt.NDArray[np.int64]:
    return np.ascontiguousarray(s.to_numpy(), dtype=np.int64)


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k <= 0:
        raise InvalidInputError.at("k", f"must be a positive integer, got {k!r}")
    return int(k)


class _IdIndex:
    """Position of each id in a table, by binary search over the sorted ids."""

    def __init__(self, ids: npt.NDArray[np.int64]) -> None:
        self.ids = ids
        self.order = np.argsort(ids, kind="stable")
        self.sorted = ids[self.order]
        self._at: dict[int, int] | None = None

    def positions(self, ids: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Positions of ``ids`` and a mask of which ids were found."""
        q = np.asarray(ids, dtype=np.int64)
        if self.sorted.size == 0:
            return np.zeros(q.shape, np.int64), np.zeros(q.shape, bool)
        at = np.clip(np.searchsorted(self.sorted, q), 0, self.sorted.size - 1)
        found = self.sorted[at] == q
        return self.order[at].astype(np.int64), found

    def extended(self, new: npt.NDArray[np.int64]) -> _IdIndex:
        """This index with ``new`` ids (not yet present) appended."""
        ext = _IdIndex(np.concatenate([self.ids, new]))
        if self._at is not None:
            at = dict(self._at)
            for i, x in enumerate(new.tolist(), start=self.ids.size):
                at.setdefault(x, i)
            ext._at = at
        return ext

    def position(self, id_: int, what: str) -> int:
        # one id at a time (the per-request path): a dict, built on first use, beats a
        # NumPy search on a one-element array by about 10x
        at = self._at
        if at is None:
            # the first row of a repeated id, as the sorted search finds it
            at = self._at = {}
            for i, x in enumerate(self.ids.tolist()):
                at.setdefault(x, i)
        pos = at.get(id_)
        if pos is None:
            raise NotFoundError(f"{what} {id_} not found")
        return pos


class _PreparedLoads:
    """A validated loads frame, its id index and the core's pickup-indexed copy."""

    def __init__(self, frame: pl.DataFrame, core: _core.MatcherCore) -> None:
        if frame.height == 0:
            raise InvalidInputError.at("loads", "no loads given (empty set)")
        self.frame = frame
        self.ids = _IdIndex(_i64(frame["load_id"]))
        mask = frame.select(
            pl.col("vehicle_types")
            .list.unique()
            .list.eval(pl.element().replace_strict(_TYPE_BIT, return_dtype=pl.UInt64))
            .list.sum()
            .fill_null(0)
            .cast(pl.UInt64)
        ).to_series()
        self.core = core.prepare_loads(
            origin_lat=_f64(frame["origin_lat"]),
            origin_lon=_f64(frame["origin_lon"]),
            dest_lat=_f64(frame["dest_lat"]),
            dest_lon=_f64(frame["dest_lon"]),
            weight_kg=_i64(frame["weight_kg"]),
            volume_l=_i64(frame["volume_l"]),
            type_mask=np.ascontiguousarray(mask.to_numpy(), dtype=np.uint64),
            pickup_start=_i64(frame["pickup_start"]),
            pickup_end=_i64(frame["pickup_end"]),
            delivery_deadline=_i64(frame["delivery_deadline"]),
            price_fen=_i64(frame["price_fen"]),
        )


def _fleet_arrays(v: pl.DataFrame) -> dict[str, Any]:
    return {
        "lat": _f64(v["lat"]),
        "lon": _f64(v["lon"]),
        "home_lat": _f64(v["home_lat"]),
        "home_lon": _f64(v["home_lon"]),
        "capacity_kg": _i64(v["capacity_kg"]),
        "capacity_l": _i64(v["capacity_l"]),
        "vehicle_type": np.ascontiguousarray(
            v["vehicle_type"].replace_strict(_TYPE_INDEX, return_dtype=pl.UInt8).to_numpy(),
            dtype=np.uint8,
        ),
        "available_from": _i64(v["available_from"]),
        "rating": _f64(v["rating"]),
        "rating_count": _i64(v["rating_count"]),
        "offline": np.ascontiguousarray((v["status"] == "offline").to_numpy(), dtype=np.bool_),
    }


class Matcher:
    """Vehicle–cargo matcher over one fleet and its trip history.

    Parameters
    ----------
    vehicles
        The fleet (schema :data:`engine.data.schemas.VEHICLES`): a frame, an
        Arrow table or a CSV/Parquet path.
    trips
        Completed trips of these vehicles (schema :data:`~engine.data.schemas.TRIPS`);
        vehicles without trips are cold starts (expertise 0, neutral rating prior).
    weights
        Score weights (default :class:`MatchWeights`).
    params
        Profile, filter and dispatch parameters (default :class:`MatchParams`).
    now
        Reference instant (Unix s) of the recency decay; default: the latest
        ``completed_at`` in ``trips`` (or 0 without trips).
    loads
        Optional open loads to register (used when a method gets no ``loads``).

    Raises
    ------
    InvalidInputError
        On invalid tables, an empty fleet, a trip naming an unknown vehicle,
        or invalid weights or parameters.
    """

    def __init__(
        self,
        vehicles: Source,
        trips: Source,
        *,
        weights: MatchWeights | None = None,
        params: MatchParams | None = None,
        now: int | None = None,
        loads: Source | None = None,
    ) -> None:
        self.weights = weights if weights is not None else MatchWeights()
        self.params = params if params is not None else MatchParams()
        if not isinstance(self.weights, MatchWeights):
            raise InvalidInputError.at("weights", "must be a MatchWeights")
        if not isinstance(self.params, MatchParams):
            raise InvalidInputError.at("params", "must be a MatchParams")
        t0 = time.perf_counter()
        v = read_table(vehicles, VEHICLES)
        if v.height == 0:
            raise InvalidInputError.at("vehicles", "no vehicles given (empty set)")
        t = read_table(trips, TRIPS)
        self._vframe: pl.DataFrame | None = v
        self._vpending: tuple[pl.DataFrame, ...] = ()
        self._vid = _IdIndex(_i64(v["vehicle_id"]))
        trip_v = self._trip_vehicle_positions(t)
        as_of = int(now) if now is not None else int(t["completed_at"].max() or 0)  # type: ignore[arg-type]
        p = self.params
        types = [VEHICLE_TYPES[n] for n in _TYPE_NAMES]
        self._core = _core.MatcherCore(
            **_fleet_arrays(v),
            type_urban_kmh=np.array([x.urban_kmh for x in types], dtype=np.float64),
            type_highway_kmh=np.array([x.highway_kmh for x in types], dtype=np.float64),
            type_urban_m=np.array([x.urban_m for x in types], dtype=np.float64),
            type_cost_per_km_fen=np.array([x.cost_per_km_fen for x in types], dtype=np.float64),
            trip_vehicle=trip_v,
            trip_origin_lat=_f64(t["origin_lat"]),
            trip_origin_lon=_f64(t["origin_lon"]),
            trip_dest_lat=_f64(t["dest_lat"]),
            trip_dest_lon=_f64(t["dest_lon"]),
            trip_completed_at=_i64(t["completed_at"]),
            as_of=as_of,
            half_life_s=p.half_life_days * SECONDS_PER_DAY,
            lane_radius_m=p.lane_radius_km * METRES_PER_KM,
            saturation=p.expertise_saturation,
            weights=self.weights.as_list(),
            max_deadhead_m=round(p.max_deadhead_km * METRES_PER_KM),
            circuity=p.circuity,
            rating_prior_mean=p.rating_prior_mean,
            rating_prior_count=p.rating_prior_count,
        )
        self.build_seconds = time.perf_counter() - t0
        self._loads: _PreparedLoads | None = None
        self._loads_source: object = None
        if loads is not None:
            self.set_loads(loads)

    @classmethod
    def from_world(
        cls, world: World, *, weights: MatchWeights | None = None, params: MatchParams | None = None
    ) -> Matcher:
        """A matcher over a world's fleet and history, with its open loads registered."""
        return cls(
            world.vehicles,
            world.trips,
            weights=weights,
            params=params,
            now=world.now,
            loads=world.loads,
        )

    # --- tables -------------------------------------------------------------------------

    def _trip_vehicle_positions(self, t: pl.DataFrame) -> npt.NDArray[np.int64]:
        pos, found = self._vid.positions(_i64(t["vehicle_id"]))
        if not found.all():
            i = int(np.argmin(found))
            raise InvalidInputError.at(
                "trips.vehicle_id",
                f"unknown vehicle {int(t['vehicle_id'][i])}",
                row_id=int(t["trip_id"][i]),
            )
        return pos

    def set_loads(self, loads: Source) -> None:
        """Validate and register the open loads used when a method gets no ``loads``.

        Raises
        ------
        InvalidInputError
            If the table is invalid or empty.
        """
        self._loads = self._prepare(loads)
        self._loads_source = loads

    @property
    def loads(self) -> pl.DataFrame | None:
        """The registered open loads, if any."""
        return self._loads.frame if self._loads is not None else None

    def _prepare(self, loads: Source | None) -> _PreparedLoads:
        if loads is None:
            if self._loads is None:
                raise InvalidInputError.at("loads", "no loads given and none registered")
            return self._loads
        if self._loads is not None and (loads is self._loads.frame or loads is self._loads_source):
            return self._loads
        return _PreparedLoads(read_table(loads, LOADS), self._core)

    def add_trips(self, trips: Source) -> None:
        """Merge newly completed trips into the expertise profiles.

        Trips ending after the profiles' reference time move it forward (older
        weights decay). Cost grows with the new trips and the number of lanes,
        not with the length of the history.

        Raises
        ------
        InvalidInputError
            If the table is invalid or names an unknown vehicle.
        """
        t = read_table(trips, TRIPS)
        self._core.add_trips(
            vehicle=self._trip_vehicle_positions(t),
            origin_lat=_f64(t["origin_lat"]),
            origin_lon=_f64(t["origin_lon"]),
            dest_lat=_f64(t["dest_lat"]),
            dest_lon=_f64(t["dest_lon"]),
            completed_at=_i64(t["completed_at"]),
        )

    def update_vehicles(self, vehicles: Source) -> None:
        """Replace the fleet's state (positions, availability, status, ratings).

        The table must hold the same vehicle ids as the matcher was built with
        (in any order); profiles are kept.

        Raises
        ------
        InvalidInputError
            If the table is invalid or its ids differ from the matcher's fleet.
        """
        v = read_table(vehicles, VEHICLES)
        pos, found = self._vid.positions(_i64(v["vehicle_id"]))
        if v.height != self.vehicles.height or not found.all():
            raise InvalidInputError.at(
                "vehicles", "must hold exactly the vehicle ids the matcher was built with"
            )
        v = v[np.argsort(pos)]
        self._core.update_fleet(**_fleet_arrays(v))
        self._vframe, self._vpending = v, ()

    @property
    def vehicles(self) -> pl.DataFrame:
        """The fleet as the matcher sees it, one row per vehicle in the matcher's order
        (the build's order, vehicles added by :meth:`with_vehicles` at the end)."""
        if self._vframe is None or self._vpending:
            frame = self._vframe
            assert frame is not None
            # every pending frame at once: the latest row of each vehicle replaces the
            # frame's, then the rows are put in the matcher's order (new vehicles last)
            last = pl.concat([up.select(frame.columns) for up in self._vpending])
            last = last.unique("vehicle_id", keep="last")
            rows = pl.concat(
                [frame.filter(~pl.col("vehicle_id").is_in(last["vehicle_id"].implode())), last]
            )
            order = pl.DataFrame({"vehicle_id": self._vid.ids}, schema={"vehicle_id": pl.Int64})
            frame = order.join(rows, on="vehicle_id", how="left", maintain_order="left")
            self._vframe, self._vpending = frame.select(rows.columns), ()
        return self._vframe

    def _derived(self, core: _core.MatcherCore) -> Matcher:
        """A shallow copy of this matcher over ``core`` (loads and ids shared)."""
        m = object.__new__(Matcher)
        m.__dict__.update(self.__dict__)
        m._core = core
        return m

    # --- copy-on-write updates --------------------------------------------------------------
    # Each returns a new Matcher and leaves this one untouched and fully usable: a server
    # keeps answering from the current matcher while the next is built, then swaps it in.

    def with_vehicles(
        self, vehicles: Source, trips: Source | None = None, *, validated: bool = False
    ) -> Matcher:
        """A new matcher with these vehicle rows applied (this one is left unchanged).

        Rows with a known ``vehicle_id`` replace that vehicle's state (position,
        availability, status, capacity, rating); rows with a new id join the fleet,
        with a profile built from their own trips in ``trips`` (none: cold start).
        Profiles of the other vehicles are shared, not copied or rebuilt, and only
        the spatial index's cells (and fleet blocks) that a changed vehicle leaves or
        enters are re-indexed, the others copied as they are: the cost grows with
        the change, the new vehicles' trips and a copy of the fleet's records, not
        with the trip history; the result equals a build over the updated fleet.

        Parameters
        ----------
        vehicles
            Changed and new vehicles (schema :data:`~engine.data.schemas.VEHICLES`).
        trips
            Completed trips of the new vehicles (trips of other vehicles are refused:
            merge those with :meth:`with_trips`).
        validated
            ``vehicles`` is a frame already read and validated by
            :func:`engine.data.loaders.read_table` (a server's stored rows): skip that.

        Raises
        ------
        InvalidInputError
            If a table is invalid, ``vehicles`` repeats an id, or a trip names a
            vehicle that is not new.
        """
        v = vehicles if validated and isinstance(vehicles, pl.DataFrame) else None
        if v is None:
            v = read_table(vehicles, VEHICLES)
        ids = _i64(v["vehicle_id"])
        if np.unique(ids).size != ids.size:
            raise InvalidInputError.at("vehicles.vehicle_id", "repeats an id")
        pos, found = self._vid.positions(ids)
        fresh = ~found
        rows = pos.copy()
        rows[fresh] = self._vid.ids.size + np.arange(int(fresh.sum()), dtype=np.int64)
        # only the changed rows go to the core, which re-indexes only the grid cells
        # they leave or enter
        core = self._core.with_fleet_rows(rows=rows, **_fleet_arrays(v))
        m = self._derived(core)
        if fresh.any():
            m._vid = self._vid.extended(ids[fresh])
        m._vpending = (*self._vpending, v)
        if len(m._vpending) >= _MAX_PENDING_FRAMES:
            m._vframe = m.vehicles  # fold the pending rows in (bounded memory and cost)
        if trips is not None:
            t = read_table(trips, TRIPS)
            if t.height:
                new_ids = v.filter(pl.Series(fresh))["vehicle_id"].implode()
                bad = ~t["vehicle_id"].is_in(new_ids)
                if bad.any():
                    i = int(bad.arg_true()[0])
                    raise InvalidInputError.at(
                        "trips.vehicle_id",
                        f"vehicle {int(t['vehicle_id'][i])} is not new (use with_trips)",
                        row_id=int(t["trip_id"][i]),
                    )
                m = m.with_trips(t)
        return m

    def with_trips(self, trips: Source) -> Matcher:
        """A new matcher with newly completed trips merged into copies of the profiles
        (this one is left unchanged); rankings equal those of a matcher built over the
        old and new trips together.

        Raises
        ------
        InvalidInputError
            If the table is invalid or names an unknown vehicle.
        """
        t = read_table(trips, TRIPS)
        core = self._core.with_trips(
            vehicle=self._trip_vehicle_positions(t),
            origin_lat=_f64(t["origin_lat"]),
            origin_lon=_f64(t["origin_lon"]),
            dest_lat=_f64(t["dest_lat"]),
            dest_lon=_f64(t["dest_lon"]),
            completed_at=_i64(t["completed_at"]),
        )
        return self._derived(core)

    def with_loads(self, loads: Source) -> Matcher:
        """A new matcher sharing fleet and profiles, with ``loads`` registered
        (this one keeps its loads).

        Raises
        ------
        InvalidInputError
            If the table is invalid or empty.
        """
        m = self._derived(self._core)
        m.set_loads(loads)
        return m

    def set_weights(self, weights: MatchWeights) -> None:
        """Replace the score weights (profiles are kept).

        Raises
        ------
        InvalidInputError
            If ``weights`` is not a :class:`MatchWeights`.
        """
        if not isinstance(weights, MatchWeights):
            raise InvalidInputError.at("weights", "must be a MatchWeights")
        self._core.set_weights(weights.as_list())
        self.weights = weights

    # --- results ------------------------------------------------------------------------

    def _frame(self, d: dict[str, Any], load_ids: npt.NDArray[np.int64]) -> pl.DataFrame:
        cols = [load_ids[d["load"]], self._vid.ids[d["vehicle"]], d["rank"].astype(np.int32)]
        cols += [d[k] for k in _CORE_KEYS[1:]]
        return pl.DataFrame(
            dict(zip(PAIR_COLUMNS, cols, strict=True)),
            schema_overrides={"load_id": pl.Int64, "vehicle_id": pl.Int64},
        )

    def _single_load(self, load: LoadLike, loads: Source | None) -> tuple[_PreparedLoads, int]:
        if isinstance(load, bool):
            raise InvalidInputError.at("load", "must be a load id, a mapping or a one-row frame")
        if isinstance(load, int | np.integer):
            prep = self._prepare(loads)
            return prep, prep.ids.position(int(load), "load_id")
        if isinstance(load, Mapping):
            row = dict(load)
            if isinstance(row.get("vehicle_types"), list | tuple):
                row["vehicle_types"] = pl.Series(list(row["vehicle_types"]), dtype=pl.String)
            load = pl.DataFrame([row], schema_overrides={"vehicle_types": pl.List(pl.String)})
        if isinstance(load, pl.DataFrame):
            if load.height != 1:
                raise InvalidInputError.at("load", f"expected one row, got {load.height}")
            return _PreparedLoads(read_table(load, LOADS), self._core), 0
        raise InvalidInputError.at("load", "must be a load id, a mapping or a one-row frame")

    # --- recommendations ------------------------------------------------------------------

    def recommend_vehicles(
        self, load: LoadLike, k: int = 10, *, loads: Source | None = None
    ) -> pl.DataFrame:
        """Top ``k`` vehicles for one load (capacity recommended to a shipper).

        Parameters
        ----------
        load
            A ``load_id`` of ``loads`` (or of the registered loads), or the
            load itself as a mapping or a one-row frame in the loads schema.
        k
            Number of vehicles (fewer if fewer are feasible).
        loads
            Loads table to look ``load`` up in (default: the registered loads).

        Returns
        -------
        polars.DataFrame
            One row per vehicle, best first, with :data:`PAIR_COLUMNS`.

        Raises
        ------
        NotFoundError
            If the load id is unknown.
        InvalidInputError
            If ``k <= 0``, the load is invalid, or no loads are available.
        """
        k = _check_k(k)
        prep, row = self._single_load(load, loads)
        d = self._core.recommend_vehicles(prep.core, np.array([row], dtype=np.int64), k)
        return self._frame(d, prep.ids.ids)

    def recommend_vehicle_rows(
        self, load_id: int, k: int = 10, *, loads: Source | None = None
    ) -> list[PairRow]:
        """Top ``k`` vehicles for one load, as plain tuples (the lean per-request path).

        The same scoring and ranking as :meth:`recommend_vehicles` — ``rows()`` of its
        frame, equal value for value — without building a frame: the core's top-k
        goes straight to Python tuples, for callers that answer one request at a time
        (the gRPC server).

        Parameters
        ----------
        load_id
            A ``load_id`` of ``loads`` (default: the registered loads).
        k
            Number of vehicles (fewer if fewer are feasible).
        loads
            Loads table to look the id up in (default: the registered loads).

        Returns
        -------
        list of PairRow
            One tuple per vehicle, best first, fields in :data:`PAIR_COLUMNS` order.

        Raises
        ------
        NotFoundError
            If the load id is unknown.
        InvalidInputError
            If ``k <= 0`` or no loads are available.
        """
        k = _check_k(k)
        prep, row = self._load_row(load_id, loads)
        return self._core.recommend_vehicle_rows(prep.core, row, k, int(load_id), self._vid.ids)

    def _load_row(self, load_id: int, loads: Source | None) -> tuple[_PreparedLoads, int]:
        """The prepared loads and the row of ``load_id`` in them (an integer id)."""
        if isinstance(load_id, bool) or not isinstance(load_id, int | np.integer):
            raise InvalidInputError.at("load_id", f"must be an integer, got {load_id!r}")
        prep = self._prepare(loads)
        return prep, prep.ids.position(int(load_id), "load_id")

    def recommend_vehicles_wire(
        self,
        load_id: int,
        k: int = 10,
        *,
        loads: Source | None = None,
        release_gil: bool = True,
    ) -> bytes:
        """Top ``k`` vehicles for one load, encoded as a protobuf ``yunli.v1.RecommendResponse``
        (``proto/yunli/v1/matching.proto``; ``subject_id`` = ``load_id``).

        The rows of :meth:`recommend_vehicle_rows`, encoded by the core: the gRPC
        server's per-request path, with no Python object per recommendation.
        ``release_gil=False`` scores holding the GIL (a single query takes tens of
        microseconds, about what handing the GIL over and back costs in a busy
        multi-threaded server).

        Raises
        ------
        NotFoundError
            If the load id is unknown.
        InvalidInputError
            If ``k <= 0`` or no loads are available.
        """
        k = _check_k(k)
        prep, row = self._load_row(load_id, loads)
        return self._core.recommend_vehicles_wire(
            prep.core, row, k, int(load_id), self._vid.ids, release_gil
        )

    def recommend_vehicles_batch(self, loads: Source | None = None, k: int = 20) -> pl.DataFrame:
        """Top ``k`` vehicles for every load at once (in parallel).

        Returns
        -------
        polars.DataFrame
            One row per (load, recommended vehicle), loads in input order,
            vehicles best first, with :data:`PAIR_COLUMNS`.

        Raises
        ------
        InvalidInputError
            If ``k <= 0`` or the loads are invalid or empty.
        """
        k = _check_k(k)
        prep = self._prepare(loads)
        rows = np.arange(prep.frame.height, dtype=np.int64)
        return self._frame(self._core.recommend_vehicles(prep.core, rows, k), prep.ids.ids)

    def recommend_loads(
        self, vehicle_id: int, loads: Source | None = None, k: int = 10
    ) -> pl.DataFrame:
        """Top ``k`` loads for one vehicle (cargo pushed to a driver).

        Parameters
        ----------
        vehicle_id
            A vehicle of the matcher's fleet.
        loads
            Open loads (default: the registered loads).
        k
            Number of loads (fewer if fewer are feasible; none for an offline vehicle).

        Returns
        -------
        polars.DataFrame
            One row per load, best first, with :data:`PAIR_COLUMNS`.

        Raises
        ------
        NotFoundError
            If the vehicle id is unknown.
        InvalidInputError
            If ``k <= 0`` or the loads are invalid or empty.
        """
        k = _check_k(k)
        v = self._vid.position(int(vehicle_id), "vehicle_id")
        prep = self._prepare(loads)
        d = self._core.recommend_loads(prep.core, np.array([v], dtype=np.int64), k)
        return self._frame(d, prep.ids.ids)

    def recommend_load_rows(
        self, vehicle_id: int, k: int = 10, *, loads: Source | None = None
    ) -> list[PairRow]:
        """Top ``k`` loads for one vehicle, as plain tuples (the lean per-request path).

        The same scoring and ranking as :meth:`recommend_loads` — ``rows()`` of its
        frame, equal value for value — without building a frame.

        Returns
        -------
        list of PairRow
            One tuple per load, best first, fields in :data:`PAIR_COLUMNS` order.

        Raises
        ------
        NotFoundError
            If the vehicle id is unknown.
        InvalidInputError
            If ``k <= 0`` or the loads are invalid or empty.
        """
        k = _check_k(k)
        if isinstance(vehicle_id, bool) or not isinstance(vehicle_id, int | np.integer):
            raise InvalidInputError.at("vehicle_id", f"must be an integer, got {vehicle_id!r}")
        v = self._vid.position(int(vehicle_id), "vehicle_id")
        prep = self._prepare(loads)
        return self._core.recommend_load_rows(prep.core, v, k, int(vehicle_id), prep.ids.ids)

    def recommend_loads_batch(
        self, vehicle_ids: npt.ArrayLike, loads: Source | None = None, k: int = 10
    ) -> pl.DataFrame:
        """Top ``k`` loads for each of ``vehicle_ids`` (in parallel).

        Raises
        ------
        NotFoundError
            If a vehicle id is unknown.
        InvalidInputError
            If ``k <= 0``, ``vehicle_ids`` is empty, or the loads are invalid or empty.
        """
        k = _check_k(k)
        ids = np.asarray(vehicle_ids, dtype=np.int64).ravel()
        if ids.size == 0:
            raise InvalidInputError.at("vehicle_ids", "no vehicles given (empty set)")
        pos, found = self._vid.positions(ids)
        if not found.all():
            raise NotFoundError(f"vehicle_id {int(ids[np.argmin(found)])} not found")
        prep = self._prepare(loads)
        return self._frame(self._core.recommend_loads(prep.core, pos, k), prep.ids.ids)

    def explain(
        self, vehicle_id: int, load: LoadLike, *, loads: Source | None = None
    ) -> dict[str, Any]:
        """Score components of one pair, or why it is infeasible.

        Returns
        -------
        dict
            ``feasible``, ``reason`` and, for a feasible pair, the components,
            the weighted contribution of each soft term (``c_*``, summing to
            ``score``) and the vehicle's top lanes.

        Raises
        ------
        NotFoundError
            If the vehicle or load id is unknown.
        """
        v = self._vid.position(int(vehicle_id), "vehicle_id")
        prep, row = self._single_load(load, loads)
        d = self._core.score_pairs(
            prep.core, np.array([row], dtype=np.int64), np.array([v], dtype=np.int64)
        )
        reject = int(d["reject"][0])
        out: dict[str, Any] = {"feasible": reject == 0, "reason": REJECT_REASONS[reject]}
        if reject == 0:
            frame = self.weights.contributions(self._frame(d, prep.ids.ids))
            out.update(frame.drop("rank").row(0, named=True))
        out["lanes"] = self.vehicle_lanes(int(vehicle_id))
        return out

    def vehicle_lanes(self, vehicle_id: int, top: int = 5) -> pl.DataFrame:
        """A vehicle's heaviest lanes (擅长线路): mean origin and destination,
        decayed weight and trip count.

        Raises
        ------
        NotFoundError
            If the vehicle id is unknown.
        InvalidInputError
            If ``top <= 0``.
        """
        top = _check_k(top)
        v = self._vid.position(int(vehicle_id), "vehicle_id")
        d = self._core.vehicle_lanes(v, top)
        return pl.DataFrame(d).with_columns(pl.col("trips").cast(pl.Int64))

    def profile_summary(self) -> pl.DataFrame:
        """Per vehicle: ``vehicle_id``, trips in the profile and decayed weight."""
        trips, w = self._core.profile_totals()
        return pl.DataFrame({"vehicle_id": self._vid.ids, "trips": trips, "weight": w})

    # --- dispatch -----------------------------------------------------------------------

    def dispatch(
        self,
        loads: Source | None = None,
        *,
        objective: str = "score",
        candidates: int | None = None,
        baselines: bool = True,
    ) -> DispatchResult:
        """Assign open loads to vehicles one-to-one, optimally.

        Parameters
        ----------
        loads
            Open loads (default: the registered loads).
        objective
            ``"score"``: maximize the total match score over pairs with a
            positive score (the platform's best pairs; loads whose only
            vehicles score below zero stay open). ``"fill"``: match as many
            loads as possible over every feasible pair, then maximize the total
            score (a platform that must move every load it can: it matches at
            least as many loads as nearest-available dispatch).
            ``"deadhead"``: match as many loads as possible, then minimize
            total deadhead (fewest empty kilometres).
        candidates
            Candidate vehicles per load in the graph (default
            ``params.dispatch_candidates``); the optimum is exact over that graph.
        baselines
            Also run greedy best-first, nearest-available (first come, first
            served by ``posted_at``) and the optimal assignment under the other
            of ``"score"``/``"fill"`` for comparison.

        Returns
        -------
        DispatchResult
            The optimal assignments, the baselines and a ``summary()``.

        Raises
        ------
        InvalidInputError
            If the loads are invalid or empty, or ``objective`` or
            ``candidates`` is invalid.
        """
        if objective not in OBJECTIVES:
            raise InvalidInputError.at(
                "objective", f"must be one of {OBJECTIVES}, got {objective!r}"
            )
        m = self.params.dispatch_candidates if candidates is None else _check_k(candidates)
        prep = self._prepare(loads)
        n = prep.frame.height
        rows = np.arange(n, dtype=np.int64)
        order = np.argsort(_i64(prep.frame["posted_at"]), kind="stable").astype(np.int64)
        frames: dict[str, pl.DataFrame] = {}
        seconds: dict[str, float] = {}
        n_edges = 0
        runs = [("optimal", objective, "optimal")]
        if baselines:
            runs += [("greedy", objective, "greedy"), ("nearest", objective, "nearest")]
            runs += [(f"optimal:{o}", o, "optimal") for o in ("score", "fill") if o != objective]
        for key, obj, method in runs:
            t0 = time.perf_counter()
            d = self._core.dispatch(prep.core, rows, m, obj, method, order)
            frames[key] = self._frame(d, prep.ids.ids).drop("rank")
            seconds[key] = time.perf_counter() - t0
            if key == "optimal":
                n_edges = int(d["n_edges"])
        optimal = frames.pop("optimal")
        return DispatchResult(
            objective=objective,
            assignments=optimal,
            baselines=frames,
            n_loads=n,
            n_vehicles=int((self.vehicles["status"] != "offline").sum()),
            n_candidate_edges=n_edges,
            seconds=seconds,
        )
