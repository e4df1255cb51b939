"""Live plan state: jobs, vehicles on the road, their routes and what is committed.

A :class:`LivePlan` is the dispatcher's picture of the day: every job with its
status, every vehicle with its last reported position, the stops it has
served, the cargo on board, the stop it is driving to and the pending route.
It is changed only through :meth:`LivePlan.apply` (events, validated as one
atomic batch) and :meth:`LivePlan.replan`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Final

from engine.errors import InvalidInputError

#: Job kinds: a delivery loaded at the vehicle's start depot, a pickup carried to the
#: end depot, or the two halves of a shipment (pickup then delivery by one vehicle).
JOB_KINDS: Final = ("delivery", "pickup", "shipment_pickup", "shipment_delivery")
#: Job statuses.
JOB_STATUSES: Final = ("pending", "served", "cancelled")
#: Vehicle statuses: ``active`` (on duty), ``broken`` (broken down; keeps its cargo),
#: ``off`` (not on duty).
VEHICLE_STATUSES: Final = ("active", "broken", "off")

#: Continuous driving allowed before a break is due (4 h), and the break length (20 min).
MAX_CONTINUOUS_DRIVING_S: Final = 4 * 3600
MIN_BREAK_S: Final = 20 * 60


@dataclass(slots=True)
class LiveJob:
    """A stop to serve.

    Attributes
    ----------
    job_id
        Unique id.
    kind
        One of :data:`JOB_KINDS`.
    lat, lon
        Where, in degrees.
    amounts
        Amount per capacity dimension (kg, L, …), all ≥ 0.
    service_s
        Service duration in seconds.
    windows
        Time windows ``(start, end)`` in Unix seconds; service must start inside one.
    pair
        The partner job of a shipment half.
    skills
        Skills a vehicle needs to serve it.
    required, penalty
        Optional jobs may be left out at ``penalty`` (cost units).
    status
        One of :data:`JOB_STATUSES`; ``served_at`` when served.
    promised
        The job has been on a vehicle's route (a service time was promised): re-planning
        plans it late rather than dropping it. New jobs are promised once placed.
    """

    job_id: str
    kind: str
    lat: float
    lon: float
    amounts: tuple[int, ...]
    service_s: int = 0
    windows: tuple[tuple[int, int], ...] = ()
    pair: str | None = None
    skills: frozenset[str] = frozenset()
    required: bool = True
    penalty: int = 0
    status: str = "pending"
    served_at: int | None = None
    promised: bool = False


@dataclass(slots=True)
class LiveVehicle:
    """A vehicle of the plan and its live state.

    Attributes
    ----------
    vehicle_id, profile
        Id and speed profile (a vehicle type of :data:`engine.data.schemas.VEHICLE_TYPES`).
    capacity
        Capacity per dimension.
    depot_lat, depot_lon, end_lat, end_lon
        Start and end depot.
    shift_start, shift_end
        Shift window (Unix s); ``max_duration_s`` limits the working time.
    lat, lon, position_time
        Last reported position and when.
    route
        Pending job ids in visit order; while ``en_route`` the first is the stop the
        vehicle is driving to.
    served
        Job ids served, in order (fixed).
    on_board
        Amount per dimension on board now.
    driving_since_break_s
        Continuous driving time as of ``position_time``.
    departed
        The vehicle has left its start depot (cargo of its deliveries is on board).
    """

    vehicle_id: str
    profile: str
    capacity: tuple[int, ...]
    depot_lat: float
    depot_lon: float
    end_lat: float
    end_lon: float
    shift_start: int
    shift_end: int
    lat: float
    lon: float
    position_time: int
    max_duration_s: int = 14 * 3600
    skills: frozenset[str] = frozenset()
    cost_per_km: int = 1000
    cost_per_hour: int = 0
    route: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    on_board: tuple[int, ...] = ()
    driving_since_break_s: int = 0
    departed: bool = False
    en_route: bool = False
    status: str = "active"
    delay_s: int = 0


@dataclass(frozen=True, slots=True)
class Slowdown:
    """A traffic slowdown: travel times are multiplied by ``factor`` for legs that
    cross ``area`` (or are the leg ``leg``) and depart within ``[start, end]``.

    ``area`` is ``("circle", lat, lon, radius_m)`` or ``("polygon", ((lat, lon), ...))``;
    ``leg`` is a pair of job ids (``"@<vehicle_id>"`` names a vehicle's position).
    """

    factor: float
    start: int
    end: int
    area: tuple[object, ...] | None = None
    leg: tuple[str, str] | None = None


@dataclass
class LivePlan:
    """The live state of a day's plan.

    Build it with :func:`engine.live.plan_from_solution` or directly from jobs and
    vehicles; change it with :meth:`apply` and :meth:`replan`; read ETAs and risk
    warnings with :meth:`etas`.
    """

    dimensions: tuple[str, ...]
    jobs: dict[str, LiveJob]
    vehicles: dict[str, LiveVehicle]
    now: int
    slowdowns: list[Slowdown] = field(default_factory=list)
    circuity: float = 1.3
    version: int = 0
    #: Keys (``"v:<id>"``, ``"j:<id>"``) written by the batch being applied.
    touched: set[str] = field(default_factory=set, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.check()

    # -- invariants ------------------------------------------------------------------
    def check(self, only: set[str] | None = None) -> None:
        """Check the plan's invariants (of every object, or of the ``only`` keys written).

        Raises
        ------
        InvalidInputError
            On unknown ids in routes, jobs on two routes, bad amounts or windows.
        """
        nd = len(self.dimensions)
        jobs = (
            self.jobs.values()
            if only is None
            else [self.jobs[k[2:]] for k in only if k.startswith("j:")]
        )
        vehicles = (
            self.vehicles.values()
            if only is None
            else [self.vehicles[k[2:]] for k in only if k.startswith("v:")]
        )
        for j in jobs:
            if j.kind not in JOB_KINDS:
                raise InvalidInputError.at("job.kind", f"unknown kind {j.kind!r}", j.job_id)
            if len(j.amounts) != nd or any(a < 0 for a in j.amounts):
                raise InvalidInputError.at(
                    "job.amounts", f"need {nd} non-negative amounts, got {j.amounts}", j.job_id
                )
            for a, b in j.windows:
                if a > b:
                    raise InvalidInputError.at(
                        "job.windows", f"inverted window ({a}, {b})", j.job_id
                    )
            if j.kind.startswith("shipment") and (j.pair is None or j.pair not in self.jobs):
                raise InvalidInputError.at("job.pair", f"unknown partner {j.pair!r}", j.job_id)
        seen: dict[str, str] = {}
        for v in vehicles:
            if len(v.capacity) != nd or any(c <= 0 for c in v.capacity):
                raise InvalidInputError.at(
                    "vehicle.capacity", f"need {nd} positive capacities", v.vehicle_id
                )
            if not v.on_board:
                v.on_board = (0,) * nd
            for jid in v.route + v.served:
                if jid not in self.jobs:
                    raise InvalidInputError.at(
                        "vehicle.route", f"unknown job {jid!r}", v.vehicle_id
                    )
                if jid in seen:
                    raise InvalidInputError.at(
                        "vehicle.route", f"job {jid!r} is also on {seen[jid]!r}", v.vehicle_id
                    )
                seen[jid] = v.vehicle_id

    def copy(self) -> LivePlan:
        """A deep copy (events are applied to a copy and swapped in atomically)."""
        return copy.deepcopy(self)

    # -- lookups ---------------------------------------------------------------------
    def vehicle_of(self, job_id: str) -> LiveVehicle | None:
        """The vehicle whose route or served list holds ``job_id``."""
        for v in self.vehicles.values():
            if job_id in v.route or job_id in v.served:
                return v
        return None

    def unassigned(self) -> list[str]:
        """Pending jobs on no route."""
        on = {j for v in self.vehicles.values() for j in v.route}
        return [j for j, job in self.jobs.items() if job.status == "pending" and j not in on]

    def committed(self, v: LiveVehicle) -> set[str]:
        """Pending jobs that must stay on ``v``: cargo on board.

        Deliveries loaded at the depot are on board once the vehicle has departed;
        a shipment's delivery is on board once its pickup was served by ``v``.
        """
        out: set[str] = set()
        for jid in v.route:
            job = self.jobs[jid]
            if (job.kind == "delivery" and v.departed) or (
                job.kind == "shipment_delivery" and job.pair in v.served
            ):
                out.add(jid)
        return out

    def fingerprint(self) -> tuple[object, ...]:
        """A value that changes whenever any state changes (used by tests)."""
        return (
            self.now,
            self.version,
            tuple(sorted((k, repr(v)) for k, v in self.jobs.items())),
            tuple(sorted((k, repr(v)) for k, v in self.vehicles.items())),
            tuple(repr(s) for s in self.slowdowns),
        )
