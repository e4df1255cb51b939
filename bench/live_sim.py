"""Day simulator for live re-planning: one event stream, three dispatch policies.

The true world executes each vehicle's current route: travel times from the speed
profile times the *true* traffic (slowdowns act from their start, whether or not a
policy reacts), waiting for windows, service; a broken vehicle stops for good. Every
``step_s`` seconds vehicles report their positions and the stops they served, the
events due are applied to the policy's live plan, and the policy reacts:

``none``
    No re-planning: new orders stay unserved, the broken vehicle's jobs are lost, the
    morning routes are driven as planned.
``greedy``
    New and released jobs are inserted at their cheapest feasible position (distance
    delta; the route's forecast must not get new late stops), nothing else changes.
``yunli``
    :func:`engine.live.replan` after every batch of events (warm-started core search,
    commitments kept, late stops priced, time-aware traffic, new orders accepted only
    where they fit on time and the plan does not get more late stops; orders not
    accepted by the end of the day count as unserved).

Run ``python -m bench.live_sim`` for the full-size table (50 vehicles, 500 stops).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import numpy as np

from engine.live import (
    Breakdown,
    LivePlan,
    NewJob,
    PositionUpdate,
    Slowdown,
    Traffic,
    apply_events,
    plan_from_solution,
    replan,
)
from engine.live.eta import forecast_vehicle, leg_metres, leg_seconds
from engine.live.events import Event
from engine.live.scenario import Scenario, city_day, random_new_shipment
from engine.live.traffic import leg_factor
from engine.routing import solve

POLICIES = ("none", "greedy", "yunli")


@dataclass
class DayEvents:
    """The day's event stream (times in Unix s)."""

    events: list[Event]
    breakdown_vehicle: str


def day_events(sc: Scenario, plan: LivePlan, *, n_orders: int = 60, seed: int = 0) -> DayEvents:
    """New orders every few minutes from 09:00 to 15:00, two traffic jams, one breakdown."""
    rng = np.random.default_rng(seed)
    t0 = sc.day_start
    evs: list[Event] = []
    for i, t in enumerate(sorted(rng.integers(t0 + 3600, t0 + 7 * 3600, n_orders).tolist())):
        p, d = random_new_shipment(rng, sc, int(t), f"N{i:03d}")
        evs.append(NewJob(int(t), p, d))
    lat0, lon0 = sc.depot
    evs.append(
        Traffic(
            t0 + 2 * 3600,
            Slowdown(2.2, t0 + 2 * 3600, t0 + 5 * 3600, area=("circle", lat0, lon0, 9_000.0)),
        )
    )
    poly = ((lat0 + 0.05, lon0 + 0.05), (lat0 + 0.05, lon0 + 0.2), (lat0 + 0.2, lon0 + 0.2))
    evs.append(
        Traffic(t0 + 4 * 3600, Slowdown(1.7, t0 + 4 * 3600, t0 + 7 * 3600, area=("polygon", poly)))
    )
    busiest = max(plan.vehicles.values(), key=lambda v: len(v.route)).vehicle_id
    evs.append(Breakdown(t0 + 3 * 3600, busiest))
    evs.sort(key=lambda e: e.t)
    return DayEvents(evs, busiest)


@dataclass
class _Runner:
    """True-world execution state of one vehicle."""

    lat: float
    lon: float
    free_at: int
    travelled_m: int = 0
    leg: tuple[float, float, float, float, int, int] | None = None  # from, to, depart, arrive
    broken: bool = False


@dataclass
class DayResult:
    """Outcome of one policy over the day."""

    policy: str
    distance_km: float
    served: int
    late_stops: int
    lateness_min: float
    unserved: int
    replans: int
    latency_ms: list[float] = field(default_factory=list)
    #: ``(job_id, seconds late)`` of every stop served late.
    late_jobs: list[tuple[str, int]] = field(default_factory=list)

    def row(self) -> str:
        """A Markdown table row."""
        lat = np.array(self.latency_ms) if self.latency_ms else np.array([0.0])
        return (
            f"| {self.policy} | {self.distance_km:,.1f} | {self.served} | {self.late_stops} | "
            f"{self.lateness_min:,.0f} | {self.unserved} | {self.replans} | "
            f"{np.percentile(lat, 50):.0f} | {np.percentile(lat, 95):.0f} | {lat.max():.0f} |"
        )


HEADER = (
    "| policy | distance km | stops served | late stops | lateness min | unserved jobs | "
    "re-plans | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|---|---|---|---|"
)


def _greedy_insert(plan: LivePlan, job_ids: list[str]) -> None:
    """Cheapest-insertion of ``job_ids`` (shipments as pairs) into current routes."""
    done: set[str] = set()
    for jid in job_ids:
        if jid in done or plan.jobs[jid].status != "pending":
            continue
        job = plan.jobs[jid]
        pair = job.pair if job.kind.startswith("shipment") else None
        first = jid if job.kind != "shipment_delivery" else str(pair)
        second = pair if job.kind == "shipment_pickup" else (jid if pair else None)
        cands: list[tuple[int, str, int, int]] = []
        for v in plan.vehicles.values():
            if v.status != "active":
                continue
            pts = [(v.lat, v.lon)] + [(plan.jobs[j].lat, plan.jobs[j].lon) for j in v.route]
            pts.append((v.end_lat, v.end_lon))
            lo = 1 if v.en_route else 0
            a = plan.jobs[first]
            for i in range(lo, len(v.route) + 1):
                d1 = (
                    leg_metres(pts[i], (a.lat, a.lon), 1.0)
                    + leg_metres((a.lat, a.lon), pts[i + 1], 1.0)
                    - leg_metres(pts[i], pts[i + 1], 1.0)
                )
                if second is None:
                    cands.append((d1, v.vehicle_id, i, -1))
                    continue
                b = plan.jobs[second]
                cands.append(
                    (
                        d1
                        + leg_metres((a.lat, a.lon), (b.lat, b.lon), 1.0)
                        + leg_metres((b.lat, b.lon), pts[i + 1], 1.0)
                        - leg_metres((a.lat, a.lon), pts[i + 1], 1.0),
                        v.vehicle_id,
                        i,
                        i + 1,
                    )
                )
        cands.sort()
        for _, vid, i, k in cands[:40]:
            v = plan.vehicles[vid]
            before = forecast_vehicle(plan, v)
            old = list(v.route)
            new = [*old[:i], first, *old[i:]]
            if second is not None:
                new = [*new[:k], second, *new[k:]]
            v.route = new
            after = forecast_vehicle(plan, v)
            worse = sum(s.late_s > 0 for s in after.stops) > sum(s.late_s > 0 for s in before.stops)
            over = any(w.kind == "overload" for w in after.warnings)
            if not worse and not over:
                break
            v.route = old
        done.update({first} | ({second} if second else set()))


def simulate(
    policy: str,
    sc: Scenario,
    morning: LivePlan,
    day: DayEvents,
    *,
    step_s: int = 300,
    replan_time: float = 0.25,
    seed: int = 0,
) -> DayResult:
    """Run the day under ``policy`` and measure the outcome in the true world."""
    plan = morning.copy()
    true_slow: list[Slowdown] = []
    runners = {
        vid: _Runner(v.lat, v.lon, max(v.shift_start, plan.now)) for vid, v in plan.vehicles.items()
    }
    pending_events = list(day.events)
    latencies: list[float] = []
    late_jobs: list[tuple[str, int]] = []
    late = lateness = served = 0
    t = plan.now
    end = sc.day_start + 16 * 3600
    while t < end:
        t += step_s
        reports: list[Event] = []
        for vid, r in runners.items():
            v = plan.vehicles[vid]
            done: list[str] = []
            while not r.broken and v.route and r.free_at <= t:
                jid = v.route[len(done)] if len(done) < len(v.route) else None
                if jid is None:
                    break
                job = plan.jobs[jid]
                m = leg_metres((r.lat, r.lon), (job.lat, job.lon), plan.circuity)
                sec = leg_seconds(v.profile, m)
                sec = round(
                    sec
                    * leg_factor(true_slow, (r.lat, r.lon), (job.lat, job.lon), "", "", r.free_at)
                )
                arrive = r.free_at + sec
                if arrive > t:
                    r.leg = (r.lat, r.lon, job.lat, job.lon, r.free_at, arrive)
                    break
                start = arrive
                for a, b in job.windows:
                    if arrive <= b:
                        start = max(arrive, a)
                        break
                close = job.windows[-1][1] if job.windows else start
                if start > close:
                    late += 1
                    lateness += start - close
                    late_jobs.append((jid, start - close))
                served += 1
                r.travelled_m += m
                r.lat, r.lon, r.free_at, r.leg = job.lat, job.lon, start + job.service_s, None
                done.append(jid)
            lat, lon = r.lat, r.lon
            busy = r.free_at if r.leg is None and r.free_at > t else None
            if r.leg is not None and not r.broken:
                lat, lon = _position_on_leg(r.leg, t, v.profile, plan.circuity)
            if v.status == "active" and (done or (lat, lon) != (v.lat, v.lon) or busy):
                reports.append(
                    PositionUpdate(t, vid, lat, lon, served=tuple(done), busy_until=busy)
                )
        due = [e for e in pending_events if e.t <= t]
        pending_events = [e for e in pending_events if e.t > t]
        for e in due:
            if isinstance(e, Traffic):
                true_slow.append(e.slowdown)
            if isinstance(e, Breakdown):
                runners[e.vehicle_id].broken = True
        batch = [*reports, *(_at(e, t) for e in due)]
        if not batch:
            continue
        if policy == "none":
            batch = [*reports, *(_at(e, t) for e in due if isinstance(e, Traffic | Breakdown))]
            if batch:
                apply_events(plan, batch)
            continue
        rep = apply_events(plan, batch)
        if not rep.needs_replan:
            continue
        t1 = time.perf_counter()
        if policy == "greedy":
            _greedy_insert(plan, plan.unassigned())
        else:
            replan(plan, time_limit=replan_time, seed=seed)
        latencies.append((time.perf_counter() - t1) * 1000)
    known = set(morning.jobs) | {
        j.job_id
        for e in day.events
        if isinstance(e, NewJob)
        for j in (e.job, e.pair_job)
        if j is not None
    }
    done_ids = {j for j, job in plan.jobs.items() if job.status == "served"}
    cancelled = {j for j, job in plan.jobs.items() if job.status == "cancelled"}
    unserved = len(known - done_ids - cancelled)
    for vid, r in runners.items():
        if not r.broken:
            v = plan.vehicles[vid]
            r.travelled_m += leg_metres((r.lat, r.lon), (v.end_lat, v.end_lon), plan.circuity)
    return DayResult(
        policy,
        sum(r.travelled_m for r in runners.values()) / 1000,
        served,
        late,
        lateness / 60,
        unserved,
        len(latencies),
        latencies,
        late_jobs,
    )


def _position_on_leg(
    leg: tuple[float, float, float, float, int, int], t: int, profile: str, circuity: float
) -> tuple[float, float]:
    """Where on a leg the vehicle is at ``t``: the point from which the speed profile
    predicts exactly the remaining driving time (consistent GPS and ETA)."""
    a_lat, a_lon, b_lat, b_lon, d0, d1 = leg
    left = d1 - t
    full = leg_seconds(profile, leg_metres((a_lat, a_lon), (b_lat, b_lon), circuity))
    if full <= 0:
        return b_lat, b_lon
    left_free = left * full / max(1, d1 - d0)  # remaining share of free-flow time
    lo, hi = 0.0, 1.0
    for _ in range(30):
        f = (lo + hi) / 2
        p = (a_lat + f * (b_lat - a_lat), a_lon + f * (b_lon - a_lon))
        if leg_seconds(profile, leg_metres(p, (b_lat, b_lon), circuity)) > left_free:
            lo = f
        else:
            hi = f
    f = (lo + hi) / 2
    return a_lat + f * (b_lat - a_lat), a_lon + f * (b_lon - a_lon)


def _at(e: Event, t: int) -> Event:
    """The event as learned at simulation time ``t`` (events are batched per step)."""
    import dataclasses

    return dataclasses.replace(e, t=t)


def run_day(
    n_vehicles: int = 50,
    n_stops: int = 500,
    n_orders: int = 60,
    *,
    seed: int = 0,
    morning_time: float = 10.0,
    policies: tuple[str, ...] = POLICIES,
) -> list[DayResult]:
    """Plan the morning, generate the day's events, simulate every policy on them."""
    sc = city_day(n_vehicles, n_stops, seed=seed)
    sol = solve(sc.problem, time_limit=morning_time, seed=seed, solver="core")
    morning = plan_from_solution(sol)
    day = day_events(sc, morning, n_orders=n_orders, seed=seed)
    return [simulate(p, sc, morning, day, seed=seed) for p in policies]


def main() -> None:
    """Print the policy table for a simulated day."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vehicles", type=int, default=50)
    ap.add_argument("--stops", type=int, default=500)
    ap.add_argument("--orders", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--morning-time", type=float, default=10.0)
    a = ap.parse_args()
    res = run_day(a.vehicles, a.stops, a.orders, seed=a.seed, morning_time=a.morning_time)
    print(HEADER)
    for r in res:
        print(r.row())


if __name__ == "__main__":
    main()
