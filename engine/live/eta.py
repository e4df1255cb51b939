"""ETAs and risk warnings of a live plan.

Each vehicle's pending route is walked from its last reported position and time:
travel times from its speed profile (times the active traffic slowdowns at the
moment each leg departs), waiting for windows, service, load after each stop,
continuous driving since the last break of at least 20 minutes. Four kinds of
warning come out, each with the vehicle, the stop, the predicted time and the
margin:

``late``
    Predicted service start after the stop's last window closes (margin: seconds late).
``overload``
    Load above capacity in some dimension (margin: the excess amount).
``driving_hours``
    More than 4 h of continuous driving without a 20-minute break (margin: seconds over;
    predicted time: when the limit is crossed).
``shift``
    Return to the end depot after the shift ends, or working time above the maximum
    (margin: seconds over).
``stranded``
    Cargo on board a broken-down vehicle (margin 0; predicted time: now).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from engine.data.schemas import VEHICLE_TYPES
from engine.live.state import (
    MAX_CONTINUOUS_DRIVING_S,
    MIN_BREAK_S,
    LiveJob,
    LivePlan,
    LiveVehicle,
)
from engine.live.traffic import leg_factor
from engine.units import EARTH_RADIUS_M


@dataclass(frozen=True, slots=True)
class StopEta:
    """Predicted timing of one pending stop."""

    vehicle_id: str
    position: int
    job_id: str
    arrival: int
    service_start: int
    departure: int
    load: tuple[int, ...]
    late_s: int


@dataclass(frozen=True, slots=True)
class RiskWarning:
    """A predicted problem: ``kind`` is ``late``, ``overload``, ``driving_hours`` or ``shift``.

    ``job_id`` is the stop concerned (``None`` for the return to the end depot),
    ``predicted_time`` when it happens (Unix s) and ``margin`` by how much (seconds,
    or the amount over capacity for ``overload``).
    """

    kind: str
    vehicle_id: str
    job_id: str | None
    predicted_time: int
    margin: int
    message: str


@dataclass(frozen=True, slots=True)
class VehicleForecast:
    """A vehicle's predicted day: its stops, the end-depot arrival and its warnings."""

    vehicle_id: str
    stops: tuple[StopEta, ...]
    end_arrival: int
    distance_m: int
    warnings: tuple[RiskWarning, ...]


def late_warning(vehicle_id: str, job_id: str, arrival: int, late: int) -> RiskWarning:
    """The ``"late"`` warning of a stop reached ``late`` seconds after its window closes."""
    return RiskWarning(
        "late",
        vehicle_id,
        job_id,
        arrival,
        late,
        f"{vehicle_id}: arrives at {job_id} {late // 60} min after its window closes",
    )


def leg_metres(a: tuple[float, float], b: tuple[float, float], circuity: float) -> int:
    """Road distance in metres between two points (same formula as ``engine.geo``)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return int(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h))) * circuity + 0.5)


def leg_seconds(profile: str, metres: int) -> int:
    """Free-flow travel time of ``metres`` under a vehicle type's speed profile."""
    t = VEHICLE_TYPES[profile] if profile in VEHICLE_TYPES else VEHICLE_TYPES["light_truck"]
    urban = min(metres, t.urban_m)
    rest = max(metres - urban, 0)
    return round(urban * 3.6 / t.urban_kmh + rest * 3.6 / t.highway_kmh)


def _service_start(job: LiveJob, arrival: int) -> tuple[int, int]:
    """Service start (waiting for the first window still open) and seconds late (≥ 0)."""
    if not job.windows:
        return arrival, 0
    for a, b in job.windows:
        if arrival <= b:
            return max(arrival, a), 0
    return arrival, arrival - job.windows[-1][1]


def start_load(plan: LivePlan, v: LiveVehicle) -> tuple[int, ...]:
    """Load on board when the pending route starts.

    A vehicle that has not departed loads all its route's depot deliveries first.
    """
    load = list(v.on_board)
    if not v.departed:
        for jid in v.route:
            job = plan.jobs[jid]
            if job.kind == "delivery":
                load = [x + a for x, a in zip(load, job.amounts, strict=True)]
    return tuple(load)


def forecast_vehicle(plan: LivePlan, v: LiveVehicle) -> VehicleForecast:
    """Walk ``v``'s pending route and predict every stop; collect its warnings."""
    warnings: list[RiskWarning] = []
    t = max(v.position_time, plan.now if v.status == "active" else v.position_time) + v.delay_s
    pos = (v.lat, v.lon)
    pos_id = f"@{v.vehicle_id}"
    load = list(start_load(plan, v))
    cont = v.driving_since_break_s
    dist_total = 0
    day_start = min(v.shift_start, v.position_time)
    stops: list[StopEta] = []

    def drive(to: tuple[float, float], to_id: str, t: int, cont: int) -> tuple[int, int, int, int]:
        m = leg_metres(pos, to, plan.circuity)
        sec = leg_seconds(v.profile, m)
        if plan.slowdowns:
            sec = round(sec * leg_factor(plan.slowdowns, pos, to, pos_id, to_id, t))
        if cont < MAX_CONTINUOUS_DRIVING_S < cont + sec:
            warnings.append(
                RiskWarning(
                    "driving_hours",
                    v.vehicle_id,
                    None if to_id.startswith("@") else to_id,
                    t + (MAX_CONTINUOUS_DRIVING_S - cont),
                    cont + sec - MAX_CONTINUOUS_DRIVING_S,
                    f"{v.vehicle_id}: more than 4 h driving without a 20-min break "
                    f"on the way to {to_id}",
                )
            )
        return m, sec, t + sec, cont + sec

    for k in (i for i, c in enumerate(v.capacity) if load[i] > c):
        warnings.append(
            RiskWarning(
                "overload",
                v.vehicle_id,
                v.route[0] if v.route else None,
                t,
                load[k] - v.capacity[k],
                f"{v.vehicle_id}: {plan.dimensions[k]} load {load[k]} above capacity "
                f"{v.capacity[k]} at start",
            )
        )
    for i, jid in enumerate(v.route):
        job = plan.jobs[jid]
        m, _sec, arrival, cont = drive((job.lat, job.lon), jid, t, cont)
        dist_total += m
        start, late = _service_start(job, arrival)
        if late:
            warnings.append(late_warning(v.vehicle_id, jid, arrival, late))
        if start - arrival + job.service_s >= MIN_BREAK_S:
            cont = 0
        depart = start + job.service_s
        sign = -1 if job.kind in ("delivery", "shipment_delivery") else 1
        load = [x + sign * a for x, a in zip(load, job.amounts, strict=True)]
        for k in range(len(load)):
            if load[k] > v.capacity[k]:
                warnings.append(
                    RiskWarning(
                        "overload",
                        v.vehicle_id,
                        jid,
                        depart,
                        load[k] - v.capacity[k],
                        f"{v.vehicle_id}: {plan.dimensions[k]} load {load[k]} above capacity "
                        f"{v.capacity[k]} after {jid}",
                    )
                )
        stops.append(StopEta(v.vehicle_id, i, jid, arrival, start, depart, tuple(load), late))
        pos, pos_id, t = (job.lat, job.lon), jid, depart
    m, _sec, end_arrival, cont = drive((v.end_lat, v.end_lon), "@end", t, cont)
    dist_total += m
    over_shift = end_arrival - v.shift_end
    over_duration = end_arrival - day_start - v.max_duration_s
    if v.route and max(over_shift, over_duration) > 0:
        which = "shift end" if over_shift >= over_duration else "maximum working time"
        warnings.append(
            RiskWarning(
                "shift",
                v.vehicle_id,
                None,
                end_arrival,
                max(over_shift, over_duration),
                f"{v.vehicle_id}: back at depot {max(over_shift, over_duration) // 60} min "
                f"after its {which}",
            )
        )
    return VehicleForecast(v.vehicle_id, tuple(stops), end_arrival, dist_total, tuple(warnings))


@dataclass(frozen=True, slots=True)
class Forecast:
    """ETAs and warnings of a whole plan (or of the vehicles asked for)."""

    vehicles: dict[str, VehicleForecast]

    @property
    def warnings(self) -> list[RiskWarning]:
        """Every warning, by vehicle."""
        return [w for f in self.vehicles.values() for w in f.warnings]

    @property
    def late_stops(self) -> int:
        """Number of stops predicted late."""
        return sum(1 for f in self.vehicles.values() for s in f.stops if s.late_s > 0)

    @property
    def total_lateness_s(self) -> int:
        """Sum of predicted lateness over stops, seconds."""
        return sum(s.late_s for f in self.vehicles.values() for s in f.stops)

    @property
    def distance_m(self) -> int:
        """Predicted remaining distance of every vehicle, metres."""
        return sum(f.distance_m for f in self.vehicles.values())

    def stops_frame(self) -> pl.DataFrame:
        """One row per pending stop with its ETA."""
        rows = [
            (s.vehicle_id, s.position, s.job_id, s.arrival, s.service_start, s.departure, s.late_s)
            for f in self.vehicles.values()
            for s in f.stops
        ]
        return pl.DataFrame(
            rows,
            schema={
                "vehicle_id": pl.String,
                "position": pl.Int64,
                "job_id": pl.String,
                "arrival": pl.Int64,
                "service_start": pl.Int64,
                "departure": pl.Int64,
                "late_s": pl.Int64,
            },
            orient="row",
        )

    def warnings_frame(self) -> pl.DataFrame:
        """One row per warning."""
        return pl.DataFrame(
            [
                (w.kind, w.vehicle_id, w.job_id, w.predicted_time, w.margin, w.message)
                for w in self.warnings
            ],
            schema={
                "kind": pl.String,
                "vehicle_id": pl.String,
                "job_id": pl.String,
                "predicted_time": pl.Int64,
                "margin": pl.Int64,
                "message": pl.String,
            },
            orient="row",
        )


def _stranded(plan: LivePlan, v: LiveVehicle) -> VehicleForecast:
    """A broken-down vehicle: no ETAs; its cargo on board is flagged."""
    warnings = tuple(
        RiskWarning(
            "stranded",
            v.vehicle_id,
            jid,
            plan.now,
            0,
            f"{v.vehicle_id} broke down with {jid} on board: send a vehicle to transship it",
        )
        for jid in v.route
    )
    return VehicleForecast(v.vehicle_id, (), v.position_time, 0, warnings)


def forecast(plan: LivePlan, vehicle_ids: Iterable[str] | None = None) -> Forecast:
    """ETAs and risk warnings for the given vehicles (default: every vehicle with a route).

    A broken-down vehicle gets no ETAs and one ``stranded`` warning per job on board.
    """
    ids = list(plan.vehicles) if vehicle_ids is None else list(vehicle_ids)
    return Forecast(
        {
            vid: (
                _stranded(plan, plan.vehicles[vid])
                if plan.vehicles[vid].status == "broken"
                else forecast_vehicle(plan, plan.vehicles[vid])
            )
            for vid in ids
            if plan.vehicles[vid].status != "off" or plan.vehicles[vid].route
        }
    )
