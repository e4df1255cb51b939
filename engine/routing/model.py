"""The solver-neutral routing problem: a :class:`Model` builder and the immutable :class:`Problem`.

The builder follows PyVRP's ``Model``: add sites (depots and job sites), vehicle
types, jobs (deliveries, pickups) and shipments (pickup–delivery pairs), then call
:meth:`Model.data` to get a validated, immutable :class:`Problem` whose
:meth:`Problem.to_arrays` are exactly the arrays of ``docs/routing_contract.md``.
Every figure is an integer: metres, seconds, amounts in each dimension's own unit
and costs in fen (or, for benchmark instances, the set's scaled distance unit).

Bad input raises :class:`engine.errors.InvalidInputError` naming the field (and the
row, for frames) at the call that introduced it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from engine.errors import InvalidInputError
from engine.routing.arcs import MATRIX_FREE_ABOVE, CoordinateArcs, LazyDurations, LazyMatrix

IntArray = npt.NDArray[np.int64]

#: "No limit" for durations, distances and shift ends (2**53: far beyond any real
#: value, and small enough that sums of a few of them never overflow int64).
UNLIMITED: Final = 2**53

#: Speed profile used when a vehicle type names none (see ``engine.data.schemas.VEHICLE_TYPES``).
DEFAULT_PROFILE: Final = "light_truck"

#: Site kinds (``engine.data.schemas.SITE_KINDS``) that :meth:`Model.from_polars` marks as depots.
DEPOT_KINDS: Final = frozenset({"depot", "warehouse", "bonded_warehouse", "overseas_warehouse"})

#: At most this many distinct skills (they are packed into a u64 bitmask).
MAX_SKILLS: Final = 64


def _int(value: Any, field_name: str, row: object, *, minimum: int | None = 0) -> int:
    """Coerce to a Python int, rejecting non-integral and (optionally) too small values."""
    if type(value) is int and -(2**62) < value < 2**62:  # the common case, exact
        if minimum is not None and value < minimum:
            raise InvalidInputError.at(field_name, f"must be >= {minimum}, got {value}", row)
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError.at(field_name, f"{value!r} is not a number", row) from None
    if not np.isfinite(f) or f != int(f):
        raise InvalidInputError.at(field_name, f"{value!r} is not an integer", row)
    v = int(value) if isinstance(value, int | np.integer) else int(f)
    if minimum is not None and v < minimum:
        raise InvalidInputError.at(field_name, f"must be >= {minimum}, got {v}", row)
    return v


def _windows(
    windows: Iterable[Sequence[int]] | None, field_name: str, row: object
) -> tuple[tuple[int, int], ...]:
    """Validate windows: each start <= end; return them sorted with overlaps merged."""
    if windows is None:
        return ((0, UNLIMITED),)
    out: list[tuple[int, int]] = []
    for w in windows:
        if len(w) != 2:
            raise InvalidInputError.at(field_name, f"window {w!r} is not a (start, end) pair", row)
        a = _int(w[0], field_name, row, minimum=None)
        b = _int(w[1], field_name, row, minimum=None)
        if a > b:
            raise InvalidInputError.at(field_name, f"inverted window ({a}, {b}): start > end", row)
        out.append((a, b))
    if not out:
        raise InvalidInputError.at(field_name, "at least one time window is required", row)
    out.sort()
    merged = [out[0]]
    for a, b in out[1:]:
        if a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class Site:
    """A place: a depot or a job site. ``index`` is its row in the matrices."""

    index: int
    name: str
    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None
    is_depot: bool = False


@dataclass(frozen=True, slots=True)
class Break:
    """A driver break: ``duration`` seconds starting within ``[window_start, window_end]``."""

    window_start: int
    window_end: int
    duration: int


@dataclass(frozen=True, slots=True)
class VehicleType:
    """A class of identical vehicles (see :meth:`Model.add_vehicle_type`)."""

    index: int
    name: str
    num_available: int
    capacity: tuple[int, ...]
    start: Site
    end: Site
    fixed_cost: int
    cost_per_km: int
    cost_per_hour: int
    shift: tuple[int, int]
    max_duration: int
    max_distance: int
    skills: frozenset[str]
    profile: str
    breaks: tuple[Break, ...]


@dataclass(frozen=True, slots=True)
class Job:
    """One stop to serve (see :meth:`Model.add_job` and :meth:`Model.add_shipment`).

    ``kind`` is ``"delivery"``, ``"pickup"`` (single jobs; a single job may also both
    deliver and pick up) or ``"shipment_pickup"`` / ``"shipment_delivery"`` for the two
    halves of a shipment, whose partner is ``pair``.
    """

    index: int
    name: str
    site: Site
    kind: str
    delivery: tuple[int, ...]
    pickup: tuple[int, ...]
    service: int
    time_windows: tuple[tuple[int, int], ...]
    skills: frozenset[str]
    priority: int
    required: bool
    penalty: int
    pair: int | None = None


#: Names of the arrays :meth:`Problem.to_arrays` returns, in contract order.
ARRAY_NAMES: Final = (
    "distance",
    "durations",
    "job_location",
    "job_delivery",
    "job_pickup",
    "pair_of",
    "is_pickup",
    "job_service",
    "job_tw_offsets",
    "job_tw",
    "job_skills",
    "job_required",
    "job_penalty",
    "job_priority",
    "type_count",
    "type_capacity",
    "type_start",
    "type_end",
    "type_fixed_cost",
    "type_cost_per_km",
    "type_cost_per_hour",
    "type_tw",
    "type_max_duration",
    "type_max_distance",
    "type_skills",
    "type_profile",
    "type_breaks_offsets",
    "type_breaks",
)


def _frozen(a: npt.ArrayLike, dtype: Any) -> npt.NDArray[Any]:
    arr = np.ascontiguousarray(a, dtype=dtype)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class Problem:
    """An immutable, validated routing problem (build it with :class:`Model`).

    The objects (``sites``, ``jobs``, ``vehicle_types``) describe it for people;
    :meth:`to_arrays` flattens it for solvers. ``name`` and ``meta`` carry free-form
    provenance (for example a benchmark's distance convention).

    A matrix-free problem (``arcs`` set, see :mod:`engine.routing.arcs`) holds
    coordinates instead of matrices: ``distance`` and ``durations`` are then lazy views
    that compute the entries asked for, bit for bit the matrix values.
    """

    dimensions: tuple[str, ...]
    sites: tuple[Site, ...]
    jobs: tuple[Job, ...]
    vehicle_types: tuple[VehicleType, ...]
    profiles: tuple[str, ...]
    skills: tuple[str, ...]
    distance: IntArray | LazyMatrix
    durations: IntArray | LazyDurations
    name: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    arcs: CoordinateArcs | None = None
    _arrays: dict[str, npt.NDArray[Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._arrays.update(self._flatten())

    @property
    def num_jobs(self) -> int:
        """Number of jobs ``J`` (each half of a shipment counts as one job)."""
        return len(self.jobs)

    @property
    def num_locations(self) -> int:
        """Number of locations ``L`` (rows of the matrices)."""
        return len(self.sites)

    @property
    def matrix_free(self) -> bool:
        """True when arcs are computed from coordinates (no matrices held): ``arcs`` is
        set and neither matrix was replaced by a dense one."""
        return (
            self.arcs is not None
            and isinstance(self.distance, LazyMatrix)
            and isinstance(self.durations, LazyDurations)
        )

    @property
    def num_vehicles(self) -> int:
        """Total vehicles available over all types."""
        return sum(t.num_available for t in self.vehicle_types)

    def skill_mask(self, skills: Iterable[str]) -> int:
        """The u64 bitmask of a set of skill names."""
        m = 0
        for s in skills:
            m |= 1 << self.skills.index(s)
        return m

    def _flatten(self) -> dict[str, npt.NDArray[Any]]:
        jobs, types = self.jobs, self.vehicle_types
        nd = len(self.dimensions)
        tw_off = np.zeros(len(jobs) + 1, dtype=np.int64)
        tws: list[tuple[int, int]] = []
        for j in jobs:
            tws.extend(j.time_windows)
            tw_off[j.index + 1] = len(tws)
        br_off = np.zeros(len(types) + 1, dtype=np.int64)
        brs: list[tuple[int, int, int]] = []
        for t in types:
            brs.extend((b.window_start, b.window_end, b.duration) for b in t.breaks)
            br_off[t.index + 1] = len(brs)
        prof = {p: i for i, p in enumerate(self.profiles)}
        i64 = np.int64
        if self.arcs is None or not self.matrix_free:
            arcs = {
                "distance": _frozen(self.distance, i64),
                "durations": _frozen(self.durations, i64),
            }
        else:
            arcs = {"coordinates": self.arcs.points, "speed_profiles": self.arcs.speeds}
            arcs = {k: _frozen(v, np.float64) for k, v in arcs.items()}
        return {
            **arcs,
            "job_location": _frozen([j.site.index for j in jobs], i64),
            "job_delivery": _frozen(np.array([j.delivery for j in jobs]).reshape(-1, nd), i64),
            "job_pickup": _frozen(np.array([j.pickup for j in jobs]).reshape(-1, nd), i64),
            "pair_of": _frozen([-1 if j.pair is None else j.pair for j in jobs], i64),
            "is_pickup": _frozen([j.kind == "shipment_pickup" for j in jobs], np.bool_),
            "job_service": _frozen([j.service for j in jobs], i64),
            "job_tw_offsets": _frozen(tw_off, i64),
            "job_tw": _frozen(np.array(tws, dtype=i64).reshape(-1, 2), i64),
            "job_skills": _frozen([self.skill_mask(j.skills) for j in jobs], np.uint64),
            "job_required": _frozen([j.required for j in jobs], np.bool_),
            "job_penalty": _frozen([j.penalty for j in jobs], i64),
            "job_priority": _frozen([j.priority for j in jobs], i64),
            "type_count": _frozen([t.num_available for t in types], i64),
            "type_capacity": _frozen(np.array([t.capacity for t in types]).reshape(-1, nd), i64),
            "type_start": _frozen([t.start.index for t in types], i64),
            "type_end": _frozen([t.end.index for t in types], i64),
            "type_fixed_cost": _frozen([t.fixed_cost for t in types], i64),
            "type_cost_per_km": _frozen([t.cost_per_km for t in types], i64),
            "type_cost_per_hour": _frozen([t.cost_per_hour for t in types], i64),
            "type_tw": _frozen(np.array([t.shift for t in types]).reshape(-1, 2), i64),
            "type_max_duration": _frozen([t.max_duration for t in types], i64),
            "type_max_distance": _frozen([t.max_distance for t in types], i64),
            "type_skills": _frozen([self.skill_mask(t.skills) for t in types], np.uint64),
            "type_profile": _frozen([prof[t.profile] for t in types], i64),
            "type_breaks_offsets": _frozen(br_off, i64),
            "type_breaks": _frozen(np.array(brs, dtype=i64).reshape(-1, 3), i64),
        }

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The problem as the flat arrays of ``docs/routing_contract.md`` (read-only).

        Ragged lists are in CSR form: job ``j``'s windows are
        ``job_tw[job_tw_offsets[j]:job_tw_offsets[j + 1]]`` (rows ``(start, end)``) and
        type ``k``'s breaks are ``type_breaks[type_breaks_offsets[k]:...[k + 1]]`` (rows
        ``(window_start, window_end, duration)``). Integer arrays are ``int64``, skill
        masks ``uint64``, flags ``bool``; ``distance`` is ``L×L``, ``durations``
        ``P×L×L``, ``job_delivery``/``job_pickup`` ``J×D``, ``type_capacity`` ``K×D``,
        ``type_tw`` ``K×2``. A matrix-free problem has ``coordinates`` (``L×2``) and
        ``speed_profiles`` (``P×3``, see :class:`~engine.routing.arcs.CoordinateArcs`)
        instead of ``distance`` and ``durations``.

        Returns
        -------
        dict
            Array name (see :data:`ARRAY_NAMES`) to NumPy array.
        """
        return dict(self._arrays)

    def job_windows(self, j: int) -> tuple[tuple[int, int], ...]:
        """Time windows of job ``j``."""
        return self.jobs[j].time_windows

    def travel(self, k: int) -> IntArray | LazyMatrix:
        """Travel-time matrix of vehicle type ``k``'s profile (lazy when matrix-free)."""
        return self.durations[int(self._arrays["type_profile"][k])]  # type: ignore[no-any-return]


class Model:
    """Builder of a routing :class:`Problem`, in the style of PyVRP's ``Model``.

    Parameters
    ----------
    dimensions
        Names of the capacity dimensions (for example ``("weight_kg", "volume_l")``);
        every amount and capacity is a vector in this order (a scalar is accepted
        when there is one dimension).

    Examples
    --------
    >>> m = Model(dimensions=("weight_kg",))
    >>> depot = m.add_depot(lat=31.23, lon=121.47, name="DC")
    >>> store = m.add_site(lat=31.30, lon=121.50, name="store 1")
    >>> _ = m.add_vehicle_type(3, capacity=4000, start=depot, cost_per_km=350)
    >>> _ = m.add_job(store, delivery=800, service=600, time_windows=[(28800, 43200)])
    >>> problem = m.data()
    """

    def __init__(self, dimensions: Sequence[str] = ("amount",)) -> None:
        if isinstance(dimensions, str) or not dimensions:
            raise InvalidInputError.at("dimensions", "give a non-empty sequence of names")
        if len(set(dimensions)) != len(dimensions):
            raise InvalidInputError.at("dimensions", f"duplicate names in {list(dimensions)}")
        self.dimensions: tuple[str, ...] = tuple(dimensions)
        self._sites: list[Site] = []
        self._site_by_name: dict[str, Site] = {}
        self._types: list[VehicleType] = []
        self._jobs: list[Job] = []
        self._skills: list[str] = []
        self._distance: IntArray | None = None
        self._durations: dict[str, IntArray] | None = None
        self._circuity: float | None = None
        self._half_up = False

    # ---- sites ----------------------------------------------------------------------------
    def add_site(
        self,
        lat: float | None = None,
        lon: float | None = None,
        *,
        x: float | None = None,
        y: float | None = None,
        name: str | None = None,
        is_depot: bool = False,
    ) -> Site:
        """Add a location, geographic (``lat``/``lon`` in degrees) or planar (``x``/``y``).

        Coordinates are optional when a user matrix is supplied with :meth:`set_matrix`.

        Raises
        ------
        InvalidInputError
            Duplicate name, out-of-range coordinates or mixed coordinate kinds.
        """
        idx = len(self._sites)
        nm = f"site{idx}" if name is None else str(name)
        if nm in self._site_by_name:
            raise InvalidInputError.at("site", f"duplicate site name {nm!r}", nm)
        if (lat is None) != (lon is None) or (x is None) != (y is None):
            raise InvalidInputError.at("site", "give both lat and lon (or both x and y)", nm)
        if lat is not None and lon is not None:
            if x is not None:
                raise InvalidInputError.at("site", "give lat/lon or x/y, not both", nm)
            if not (-90.0 <= float(lat) <= 90.0 and -180.0 <= float(lon) <= 180.0):
                raise InvalidInputError.at("site", f"coordinates ({lat}, {lon}) out of range", nm)
        if x is not None and y is not None:
            for axis, v in (("x", x), ("y", y)):
                if not np.isfinite(float(v)):
                    raise InvalidInputError.at(f"site.{axis}", f"{v} is not a finite number", nm)
        site = Site(
            idx,
            nm,
            None if lat is None else float(lat),
            None if lon is None else float(lon),
            None if x is None else float(x),
            None if y is None else float(y),
            is_depot,
        )
        self._sites.append(site)
        self._site_by_name[nm] = site
        return site

    def add_depot(
        self,
        lat: float | None = None,
        lon: float | None = None,
        *,
        x: float | None = None,
        y: float | None = None,
        name: str | None = None,
    ) -> Site:
        """Add a depot (a site vehicles start or end at); see :meth:`add_site`."""
        return self.add_site(lat, lon, x=x, y=y, name=name, is_depot=True)

    def site(self, name: str) -> Site:
        """The site called ``name``.

        Raises
        ------
        InvalidInputError
            If no site has that name (field ``site``).
        """
        try:
            return self._site_by_name[name]
        except KeyError:
            raise InvalidInputError.at("site", f"unknown site {name!r}") from None

    def _own_site(self, site: Site | str, field_name: str, row: object) -> Site:
        if isinstance(site, str):
            s = self._site_by_name.get(site)
            if s is None:
                raise InvalidInputError.at(field_name, f"unknown site {site!r}", row)
            return s
        if (
            not isinstance(site, Site)
            or site.index >= len(self._sites)
            or self._sites[site.index] is not site
        ):
            raise InvalidInputError.at(field_name, f"{site!r} is not a site of this model", row)
        return site

    # ---- helpers ---------------------------------------------------------------------------
    def _amounts(self, value: Any, field_name: str, row: object) -> tuple[int, ...]:
        nd = len(self.dimensions)
        if value is None:
            return (0,) * nd
        if isinstance(value, tuple | list):
            vals = list(value)
        else:
            vals = [value] if np.ndim(value) == 0 else list(value)
        if len(vals) != nd:
            raise InvalidInputError.at(
                field_name, f"{len(vals)} values for {nd} dimensions {list(self.dimensions)}", row
            )
        out = []
        for d, v in zip(self.dimensions, vals, strict=True):
            iv = _int(v, field_name, row, minimum=None)
            if iv < 0:
                raise InvalidInputError.at(field_name, f"negative amount {iv} in {d!r}", row)
            out.append(iv)
        return tuple(out)

    def _skill_set(self, skills: Iterable[str] | str | None, row: object) -> frozenset[str]:
        if skills is None:
            return frozenset()
        items = [skills] if isinstance(skills, str) else list(skills)
        out = frozenset(str(s).strip() for s in items if str(s).strip())
        for s in sorted(out):
            if s not in self._skills:
                if len(self._skills) >= MAX_SKILLS:
                    raise InvalidInputError.at("skills", f"more than {MAX_SKILLS} skills", row)
                self._skills.append(s)
        return out

    # ---- vehicles -----------------------------------------------------------------------------
    def add_vehicle_type(
        self,
        num_available: int = 1,
        *,
        capacity: Any,
        start: Site | str,
        end: Site | str | None = None,
        fixed_cost: int = 0,
        cost_per_km: int = 1000,
        cost_per_hour: int = 0,
        shift: tuple[int, int] | None = None,
        max_duration: int | None = None,
        max_distance: int | None = None,
        skills: Iterable[str] | str | None = None,
        profile: str = DEFAULT_PROFILE,
        breaks: Iterable[Break | tuple[int, int, int]] = (),
        name: str | None = None,
    ) -> VehicleType:
        """Add ``num_available`` identical vehicles.

        Parameters
        ----------
        num_available
            How many vehicles of this type may be used.
        capacity
            Capacity per dimension.
        start, end
            Start and end sites (``end`` defaults to ``start``).
        fixed_cost
            Cost of using one vehicle (fen).
        cost_per_km, cost_per_hour
            Cost per 1,000 distance units and per 3,600 time units of route duration.
        shift
            ``(start, end)``: the vehicle leaves no earlier and returns no later.
        max_duration, max_distance
            Per-route limits (default: unlimited).
        skills
            Skill names the vehicle has (e.g. ``"reefer"``); a job needing skills
            goes only on vehicles having all of them.
        profile
            Speed-profile name: a key of the duration matrices.
        breaks
            Driver breaks ``(window_start, window_end, duration)``; every used vehicle
            takes each, between two stops or at a stop before its service.
        name
            Label (default ``type<k>``).

        Raises
        ------
        InvalidInputError
            Negative counts, capacities or costs, an inverted shift or break window,
            or a site of another model.
        """
        k = len(self._types)
        nm = f"type{k}" if name is None else str(name)
        s = self._own_site(start, "start", nm)
        e = s if end is None else self._own_site(end, "end", nm)
        sh = (0, UNLIMITED) if shift is None else _windows([shift], "shift", nm)[0]
        brs = []
        for b in breaks:
            bb = b if isinstance(b, Break) else Break(*b)
            ws = _int(bb.window_start, "breaks", nm, minimum=None)
            we = _int(bb.window_end, "breaks", nm, minimum=None)
            if ws > we:
                raise InvalidInputError.at("breaks", f"inverted break window ({ws}, {we})", nm)
            brs.append(Break(ws, we, _int(bb.duration, "breaks", nm)))
        brs.sort(key=lambda b: (b.window_start, b.window_end))
        vt = VehicleType(
            index=k,
            name=nm,
            num_available=_int(num_available, "num_available", nm),
            capacity=self._amounts(capacity, "capacity", nm),
            start=s,
            end=e,
            fixed_cost=_int(fixed_cost, "fixed_cost", nm),
            cost_per_km=_int(cost_per_km, "cost_per_km", nm),
            cost_per_hour=_int(cost_per_hour, "cost_per_hour", nm),
            shift=sh,
            max_duration=UNLIMITED
            if max_duration is None
            else _int(max_duration, "max_duration", nm),
            max_distance=UNLIMITED
            if max_distance is None
            else _int(max_distance, "max_distance", nm),
            skills=self._skill_set(skills, nm),
            profile=str(profile),
            breaks=tuple(brs),
        )
        self._types.append(vt)
        return vt

    # ---- jobs -------------------------------------------------------------------------------
    def add_job(
        self,
        site: Site | str,
        *,
        delivery: Any = None,
        pickup: Any = None,
        service: int = 0,
        time_windows: Iterable[Sequence[int]] | None = None,
        skills: Iterable[str] | str | None = None,
        priority: int = 0,
        required: bool = True,
        penalty: int = 0,
        name: str | None = None,
    ) -> Job:
        """Add a single job at ``site``: a delivery (goods loaded at the start depot), a
        pickup (goods carried to the end depot), or both.

        Parameters
        ----------
        site
            A site of this model (or its name).
        delivery, pickup
            Amounts per dimension (default zero).
        service
            Service duration in seconds.
        time_windows
            One or more ``(start, end)`` windows in which service must start (default:
            any time). Overlapping windows are merged.
        skills
            Skills the serving vehicle must have.
        priority
            Larger is more important (a tie-break; it does not change feasibility).
        required
            If false, the job may be left out at ``penalty``.
        penalty
            Cost of leaving out an optional job.
        name
            Label (default ``job<j>``).

        Raises
        ------
        InvalidInputError
            Unknown site, negative amounts or service, inverted windows.
        """
        j = len(self._jobs)
        nm = f"job{j}" if name is None else str(name)
        s = self._own_site(site, "site", nm)
        d = self._amounts(delivery, "delivery", nm)
        p = self._amounts(pickup, "pickup", nm)
        job = Job(
            index=j,
            name=nm,
            site=s,
            kind="pickup" if any(p) and not any(d) else "delivery",
            delivery=d,
            pickup=p,
            service=_int(service, "service", nm),
            time_windows=_windows(time_windows, "time_windows", nm),
            skills=self._skill_set(skills, nm),
            priority=_int(priority, "priority", nm, minimum=None),
            required=bool(required),
            penalty=_int(penalty, "penalty", nm),
        )
        self._jobs.append(job)
        return job

    def add_shipment(
        self,
        pickup_site: Site | str,
        delivery_site: Site | str,
        *,
        amount: Any,
        pickup_service: int = 0,
        delivery_service: int = 0,
        pickup_windows: Iterable[Sequence[int]] | None = None,
        delivery_windows: Iterable[Sequence[int]] | None = None,
        skills: Iterable[str] | str | None = None,
        priority: int = 0,
        required: bool = True,
        penalty: int = 0,
        name: str | None = None,
    ) -> tuple[Job, Job]:
        """Add a pickup–delivery pair: ``amount`` is loaded at ``pickup_site`` and
        unloaded at ``delivery_site`` by the same vehicle, pickup first.

        The pair is served or left out as a whole; leaving out an optional pair costs
        ``penalty`` (carried by the pickup half; the delivery half has penalty 0).

        Returns
        -------
        tuple of Job
            The pickup and the delivery job.

        Raises
        ------
        InvalidInputError
            As for :meth:`add_job`.
        """
        j = len(self._jobs)
        nm = f"shipment{j}" if name is None else str(name)
        ps = self._own_site(pickup_site, "pickup_site", nm)
        ds = self._own_site(delivery_site, "delivery_site", nm)
        amt = self._amounts(amount, "amount", nm)
        zero = (0,) * len(self.dimensions)
        sk = self._skill_set(skills, nm)
        common = {
            "skills": sk,
            "priority": _int(priority, "priority", nm, minimum=None),
            "required": bool(required),
        }
        pj = Job(
            index=j,
            name=f"{nm}:pickup",
            site=ps,
            kind="shipment_pickup",
            delivery=zero,
            pickup=amt,
            service=_int(pickup_service, "pickup_service", nm),
            time_windows=_windows(pickup_windows, "pickup_windows", nm),
            penalty=_int(penalty, "penalty", nm),
            pair=j + 1,
            **common,  # type: ignore[arg-type]
        )
        dj = Job(
            index=j + 1,
            name=f"{nm}:delivery",
            site=ds,
            kind="shipment_delivery",
            delivery=amt,
            pickup=zero,
            service=_int(delivery_service, "delivery_service", nm),
            time_windows=_windows(delivery_windows, "delivery_windows", nm),
            penalty=0,
            pair=j,
            **common,  # type: ignore[arg-type]
        )
        self._jobs += [pj, dj]
        return pj, dj

    # ---- matrices -----------------------------------------------------------------------------
    def set_matrix(
        self,
        distance: npt.ArrayLike,
        durations: npt.ArrayLike | Mapping[str, npt.ArrayLike] | None = None,
    ) -> None:
        """Use a user-supplied distance matrix and duration matrices.

        Parameters
        ----------
        distance
            Square ``L×L`` non-negative integers, ``L`` = number of sites (in the
            order they were added), zero diagonal.
        durations
            One ``L×L`` matrix for every profile, or a mapping from profile name
            to matrix. Default: the distance matrix (speed 1).

        Raises
        ------
        InvalidInputError
            Wrong shape, non-integral, negative, NaN or non-zero diagonal entries
            (field ``distance`` or ``durations``). The shape is checked against the
            number of sites when :meth:`data` is called.
        """
        from engine.geo import Matrices

        dur = distance if durations is None else durations
        mats = Matrices.from_user(distance, dict(dur) if isinstance(dur, Mapping) else dur)
        if mats.distance.shape[0] != mats.distance.shape[1]:
            raise InvalidInputError.at("distance", f"must be square, got {mats.distance.shape}")
        self._distance = mats.distance
        self._durations = dict(mats.durations)

    def use_great_circle(self, circuity: float | None = None) -> None:
        """Compute matrices from latitudes/longitudes (the default for geographic sites)."""
        self._distance = None
        self._durations = None
        self._circuity = circuity

    def use_euclidean(self, *, half_up: bool = False) -> None:
        """Compute planar (``x``/``y``) distances as Euclidean rounded half to even
        (``numpy.rint``, the default) or, with ``half_up``, as ``floor(d + 0.5)`` (the VRPLIB
        ``EUC_2D`` convention); travel time equals distance."""
        self._distance = None
        self._durations = None
        self._half_up = half_up

    def _coordinate_arcs(self, profiles: tuple[str, ...]) -> CoordinateArcs:
        """The matrix-free arcs of the sites, the same values :meth:`_matrices` builds."""
        from engine.geo import SpeedProfile
        from engine.units import DEFAULT_CIRCUITY

        if self._distance is not None:
            raise InvalidInputError.at("matrix_free", "a user matrix was set (Model.set_matrix)")
        if all(s.lat is not None for s in self._sites):
            pts = np.array([(s.lat, s.lon) for s in self._sites], dtype=np.float64)
            circ = DEFAULT_CIRCUITY if self._circuity is None else self._circuity
            speeds = []
            for p in profiles:
                sp = SpeedProfile.for_type(p)
                speeds.append((sp.urban_kmh, sp.highway_kmh, sp.urban_m))
            return CoordinateArcs("haversine", pts, float(circ), np.array(speeds, dtype=np.float64))
        if all(s.x is not None for s in self._sites):
            pts = np.array([(s.x, s.y) for s in self._sites], dtype=np.float64)
            metric = "euclidean_half_up" if self._half_up else "euclidean"
            return CoordinateArcs(metric, pts, 1.0, np.zeros((len(profiles), 3)))
        bad = next(s for s in self._sites if s.lat is None and s.x is None)
        raise InvalidInputError.at(
            "site", "has no coordinates (or mixes lat/lon and x/y) for matrix-free arcs", bad.name
        )

    def _matrices(self) -> tuple[IntArray, IntArray, tuple[str, ...]]:
        n = len(self._sites)
        profiles = tuple(dict.fromkeys(t.profile for t in self._types))
        if self._distance is not None and self._durations is not None:
            if self._distance.shape != (n, n):
                raise InvalidInputError.at(
                    "distance", f"shape {self._distance.shape} does not match {n} sites"
                )
            mats = []
            for p in profiles:
                m = self._durations.get(p, self._durations.get("default"))
                if m is None:
                    raise InvalidInputError.at("durations", f"no duration matrix for profile {p!r}")
                mats.append(m)
            return self._distance, np.stack(mats), profiles
        if any(s.lat is None for s in self._sites):
            if all(s.x is not None for s in self._sites):
                xy = np.array([(s.x, s.y) for s in self._sites], dtype=np.float64)
                e = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
                dist = (np.floor(e + 0.5) if self._half_up else np.rint(e)).astype(np.int64)
                return dist, np.stack([dist] * len(profiles)), profiles
            bad = next(s for s in self._sites if s.lat is None and s.x is None)
            raise InvalidInputError.at(
                "site", "has no coordinates and no matrix was set (Model.set_matrix)", bad.name
            )
        from engine.geo import SpeedProfile, distance_matrix
        from engine.units import DEFAULT_CIRCUITY

        lat = np.array([s.lat for s in self._sites], dtype=np.float64)
        lon = np.array([s.lon for s in self._sites], dtype=np.float64)
        circ = DEFAULT_CIRCUITY if self._circuity is None else self._circuity
        dist = distance_matrix(lat, lon, circuity=circ)
        durs = np.stack([SpeedProfile.for_type(p).seconds(dist) for p in profiles])
        return dist, durs, profiles

    # ---- build -------------------------------------------------------------------------------
    def data(
        self,
        *,
        name: str = "",
        meta: Mapping[str, Any] | None = None,
        matrix_free: bool | None = None,
    ) -> Problem:
        """Validate and freeze the model into a :class:`Problem`.

        Parameters
        ----------
        name, meta
            Free-form provenance.
        matrix_free
            Hold coordinates instead of ``L×L`` matrices (arcs computed on demand, see
            :mod:`engine.routing.arcs`). Default: when no matrix was set and there are
            more than :data:`~engine.routing.arcs.MATRIX_FREE_ABOVE` sites.

        Raises
        ------
        InvalidInputError
            An empty fleet (field ``vehicle_types``), no jobs (field ``jobs``), matrices
            that do not match the sites, or ``matrix_free=True`` with a user matrix or
            sites without coordinates.
        """
        if not self._types or sum(t.num_available for t in self._types) == 0:
            raise InvalidInputError.at(
                "vehicle_types", "the fleet is empty: add a vehicle type with num_available > 0"
            )
        if not self._jobs:
            raise InvalidInputError.at("jobs", "the problem has no jobs")
        if matrix_free is None:
            matrix_free = self._distance is None and len(self._sites) > MATRIX_FREE_ABOVE
        arcs: CoordinateArcs | None = None
        dist: IntArray | LazyMatrix
        durs: IntArray | LazyDurations
        if matrix_free:
            profiles = tuple(dict.fromkeys(t.profile for t in self._types))
            arcs = self._coordinate_arcs(profiles)
            dist, durs = LazyMatrix(arcs), LazyDurations(arcs)
        else:
            dist, durs, profiles = self._matrices()
        return Problem(
            dimensions=self.dimensions,
            sites=tuple(self._sites),
            jobs=tuple(self._jobs),
            vehicle_types=tuple(self._types),
            profiles=profiles,
            skills=tuple(self._skills),
            distance=dist,
            durations=durs,
            name=name,
            meta=dict(meta or {}),
            arcs=arcs,
        )

    # ---- frames -------------------------------------------------------------------------------
    @classmethod
    def from_polars(
        cls,
        sites: Any,
        vehicles: Any,
        jobs: Any,
        *,
        dimensions: Sequence[str] = ("weight_kg", "volume_l"),
        distance: npt.ArrayLike | None = None,
        durations: npt.ArrayLike | Mapping[str, npt.ArrayLike] | None = None,
    ) -> Model:
        """Build a model from three Polars frames (see ``docs`` of :mod:`engine.routing`).

        ``sites``: ``site_id``, ``lat``, ``lon`` (or ``x``, ``y``), optional ``is_depot``
        (or a ``kind`` from :data:`DEPOT_KINDS`; the ``sites`` table of
        :mod:`engine.data.schemas` fits).

        ``vehicles``: ``type_id``, ``count``, one capacity column per dimension,
        ``start_site``, optional ``end_site``, ``fixed_cost``, ``cost_per_km``,
        ``cost_per_hour``, ``shift_start``, ``shift_end``, ``max_duration``,
        ``max_distance``, ``skills`` (list or ``|``-separated), ``profile``,
        ``break_start``, ``break_end``, ``break_duration``.

        ``jobs``: ``job_id``, ``kind`` (``delivery``, ``pickup`` or ``shipment``),
        ``site`` (for shipments ``pickup_site`` and ``delivery_site``), one amount
        column per dimension, ``service`` (shipments: ``pickup_service``,
        ``delivery_service``), ``tw_start``/``tw_end`` or a ``time_windows`` list of
        ``[start, end]`` (shipments: ``pickup_tw_start``… ``delivery_tw_end``),
        ``skills``, ``priority``, ``required``, ``penalty``.

        Missing optional columns take the :meth:`add_job`/:meth:`add_vehicle_type`
        defaults; nulls do too.

        Raises
        ------
        InvalidInputError
            Missing columns, unknown sites (field ``jobs.site`` etc. with the row id),
            negative amounts, inverted windows, an empty fleet.
        """
        import polars as pl

        for frame, fname in ((sites, "sites"), (vehicles, "vehicles"), (jobs, "jobs")):
            if not isinstance(frame, pl.DataFrame):
                raise InvalidInputError.at(fname, "must be a polars.DataFrame")
        m = cls(dimensions)

        def need(frame: pl.DataFrame, fname: str, cols: Sequence[str]) -> None:
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                raise InvalidInputError.at(fname, f"missing columns {missing}")

        def get(row: Mapping[str, Any], col: str, default: Any = None) -> Any:
            v = row.get(col)
            return default if v is None else v

        def skills_of(v: Any) -> list[str]:
            if v is None:
                return []
            if isinstance(v, str):
                return [s for s in v.split("|") if s]
            return [str(s) for s in v]

        def unique(frame: pl.DataFrame, fname: str, col: str) -> None:
            ids = frame[col].cast(pl.String)
            if ids.null_count():
                raise InvalidInputError.at(f"{fname}.{col}", "ids must not be empty")
            dup = ids.is_duplicated()
            if dup.any():
                rid = ids.filter(dup)[0]
                raise InvalidInputError.at(
                    f"{fname}.{col}", f"duplicate id {rid!r} ({int(dup.sum())} rows share it)", rid
                )

        need(sites, "sites", ["site_id"])
        unique(sites, "sites", "site_id")
        for r in sites.iter_rows(named=True):
            sid = str(r["site_id"])
            depot = bool(get(r, "is_depot", False)) or get(r, "kind", "") in DEPOT_KINDS
            kw: dict[str, Any] = {"name": sid, "is_depot": depot}
            if "lat" in r and r.get("lat") is not None:
                m.add_site(r["lat"], r["lon"], **kw)
            elif "x" in r and r.get("x") is not None:
                m.add_site(x=r["x"], y=r["y"], **kw)
            else:
                m.add_site(**kw)

        def site_of(row: Mapping[str, Any], col: str, fname: str, rid: object) -> Site:
            v = row.get(col)
            if v is None or str(v) not in m._site_by_name:
                raise InvalidInputError.at(f"{fname}.{col}", f"unknown site {v!r}", rid)
            return m._site_by_name[str(v)]

        need(vehicles, "vehicles", ["type_id", "start_site", *dimensions])
        unique(vehicles, "vehicles", "type_id")
        for r in vehicles.iter_rows(named=True):
            rid = r["type_id"]
            brs = []
            if get(r, "break_duration") is not None:
                brs.append((r["break_start"], r["break_end"], r["break_duration"]))
            shift = None
            if get(r, "shift_start") is not None or get(r, "shift_end") is not None:
                shift = (get(r, "shift_start", 0), get(r, "shift_end", UNLIMITED))
            start = site_of(r, "start_site", "vehicles", rid)
            m.add_vehicle_type(
                get(r, "count", 1),
                capacity=[r[d] for d in dimensions],
                start=start,
                end=site_of(r, "end_site", "vehicles", rid) if get(r, "end_site") else start,
                fixed_cost=get(r, "fixed_cost", 0),
                cost_per_km=get(r, "cost_per_km", 1000),
                cost_per_hour=get(r, "cost_per_hour", 0),
                shift=shift,
                max_duration=get(r, "max_duration"),
                max_distance=get(r, "max_distance"),
                skills=skills_of(get(r, "skills")),
                profile=get(r, "profile", DEFAULT_PROFILE),
                breaks=brs,
                name=str(rid),
            )

        need(jobs, "jobs", ["job_id", *dimensions])
        unique(jobs, "jobs", "job_id")

        def windows(r: Mapping[str, Any], prefix: str) -> list[tuple[int, int]] | None:
            tw = get(r, f"{prefix}time_windows")
            if tw is not None:
                return [(int(w[0]), int(w[1])) for w in tw]
            a, b = get(r, f"{prefix}tw_start"), get(r, f"{prefix}tw_end")
            if a is None and b is None:
                return None
            return [(a if a is not None else 0, b if b is not None else UNLIMITED)]

        for r in jobs.iter_rows(named=True):
            rid = r["job_id"]
            kind = str(get(r, "kind", "delivery"))
            amounts = [get(r, d, 0) for d in dimensions]
            common: dict[str, Any] = {
                "skills": skills_of(get(r, "skills")),
                "priority": get(r, "priority", 0),
                "required": bool(get(r, "required", True)),
                "penalty": get(r, "penalty", 0),
                "name": str(rid),
            }
            if kind == "shipment":
                m.add_shipment(
                    site_of(r, "pickup_site", "jobs", rid),
                    site_of(r, "delivery_site", "jobs", rid),
                    amount=amounts,
                    pickup_service=get(r, "pickup_service", 0),
                    delivery_service=get(r, "delivery_service", 0),
                    pickup_windows=windows(r, "pickup_"),
                    delivery_windows=windows(r, "delivery_"),
                    **common,
                )
            elif kind in ("delivery", "pickup"):
                m.add_job(
                    site_of(r, "site", "jobs", rid),
                    delivery=amounts if kind == "delivery" else None,
                    pickup=amounts if kind == "pickup" else None,
                    service=get(r, "service", 0),
                    time_windows=windows(r, ""),
                    **common,
                )
            else:
                raise InvalidInputError.at(
                    "jobs.kind", f"unknown kind {kind!r} (delivery, pickup, shipment)", rid
                )
        if distance is not None:
            m.set_matrix(distance, durations)
        return m
