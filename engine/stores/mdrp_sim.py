"""The Meal Delivery Routing Problem under its own rules: an exact minute model, the Yunli
rolling-horizon dispatcher and two baselines.

The rules (Reyes, Erera, Savelsbergh, Sahasrabudhe and O'Neil, "The Meal Delivery Routing
Problem", 2018, and the published evaluator ``compute_performance_summary.py`` of
grubhub/mdrplib), applied exactly by :class:`MinuteModel`:

* x and y are planar metres; times are integer minutes. The travel time between two points
  is ``ceil(sqrt(dx**2 + dy**2) / meters_per_minute)`` (the evaluator's formula).
* Half of each service time falls before and half after the service moment: a courier who
  arrives at a restaurant at ``a`` picks a bundle up at ``max(a + s_r/2, ready times)`` and
  leaves at ``pickup + s_r/2``; arriving at a customer at ``a`` it drops off at
  ``a + s_c/2`` and leaves at ``dropoff + s_c/2``. Service times must therefore be even
  whole minutes (the published instances use 4 and 4).
* A courier starts at its own point at ``on_time``; it may not pick up after ``off_time``
  but finishes the deliveries on board; it carries one bundle at a time and stays where
  its last drop-off was (no repositioning).
* A bundle (one assignment) is a sequence of orders of exactly one restaurant, picked up
  together and delivered in its sequence; it is assigned at or after the placement of
  each of its orders.
* A courier earns ``max(pay_per_order × orders, guaranteed_pay_per_hour × shift hours)``.
* The maximum click-to-door is read but not enforced (nor is it by the published
  evaluator); the target click-to-door is the figure's threshold.

Where the paper's text could not be checked here, the convention is the issue's statement
of the rules together with what the published evaluator checks (it computes travel exactly
so, asks that a courier be at the restaurant or customer strictly after arriving there,
and that successive drop-offs of a bundle be at least one drop-off service time apart,
all of which the split above satisfies).

Policies (:data:`MDRP_POLICIES`), all driving the same model:

``yunli``
    A rolling-horizon scheme after the paper's: an optimization every ``frequency``
    minutes (5 by default) over the orders placed so far that are ready within
    ``horizon`` minutes and the couriers on shift and free within ``courier_window``
    minutes. It builds bundles per restaurant (a target size from the ratio of open orders
    to available couriers, at most ``max_bundle``; each order, by ready time, inserted
    where it adds the least ready-to-door time; deliveries sequenced by enumeration),
    then assigns bundles to couriers with the exact maximum-weight assignment of the Rust
    core (:func:`engine.matching.assignment.max_weight_assignment`): most orders first,
    then the least minutes until delivery and courier minutes to the pickup, every time
    from the exact minute model. An assignment is committed only when the courier has to
    leave before the next optimization to be at the restaurant when the food is ready
    (assign when the pickup is near, as the paper's commitment rule does); the others go
    back into the next optimization. Couriers wait where their last drop-off was. The
    structure (frequency, bundling by restaurant with a target size, matching bundles to
    couriers, commitment) follows the paper's description; the cost weights and windows
    are Yunli's own, chosen on generated instances.
``nearest_idle``
    First come, first served, every minute: the oldest waiting order goes to the nearest
    idle courier on shift, one order per trip.
``greedy``
    Greedy insertion without re-assignment: each order, the minute it is placed, goes to
    the courier that delivers it soonest, appended as a new bundle after the courier's
    committed ones or added to one of its not-yet-started bundles of the same restaurant
    (at most ``max_bundle`` orders, no other order of that bundle pushed past the target
    click-to-door); never moved afterwards.

:func:`simulate_mdrp` replays the orders as placed and returns an :class:`MdrpRun`, whose
:meth:`~MdrpRun.write` writes the published evaluator's three files; the independent
checker :mod:`engine.stores.mdrp_check` recomputes and verifies them.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from engine.errors import InvalidInputError
from engine.matching.assignment import dense_to_csr, max_weight_assignment
from engine.stores.mdrp import MdrpInstance, write_solution_files

#: The dispatch policies of :func:`simulate_mdrp`.
MDRP_POLICIES: Final = ("yunli", "nearest_idle", "greedy")
#: Largest bundle size accepted (deliveries are sequenced by enumeration).
MAX_BUNDLE: Final = 5

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def travel_minutes(x0: float, y0: float, x1: float, y1: float, meters_per_minute: float) -> int:
    """``ceil(Euclidean distance / speed)`` in whole minutes (the evaluator's formula)."""
    return math.ceil(math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2) / meters_per_minute)


class MinuteModel:
    """Points, travel times and service halves of an instance (see the module docstring).

    Points are numbered restaurants first, then orders (customers), then couriers' start
    points.

    Raises
    ------
    InvalidInputError
        A service time that is not an even whole number of minutes.
    """

    def __init__(self, inst: MdrpInstance) -> None:
        self.inst = inst
        self.speed = inst.param("meters_per_minute")
        for name in ("pickup_service_minutes", "dropoff_service_minutes"):
            s = inst.param(name)
            if s != int(s) or int(s) % 2:
                raise InvalidInputError.at(
                    f"instance_parameters.{name}",
                    f"{s:g} is not an even whole number of minutes (half of it falls before "
                    "and half after the service moment, on whole minutes)",
                )
        self.half_pickup = int(inst.param("pickup_service_minutes")) // 2
        self.half_drop = int(inst.param("dropoff_service_minutes")) // 2
        self.n_rest = len(inst.restaurants)
        self.n_orders = len(inst.orders)
        self.n_couriers = len(inst.couriers)
        rid = {r[0]: i for i, r in enumerate(inst.restaurants)}
        xy = [(r[1], r[2]) for r in inst.restaurants]
        xy += [(o[1], o[2]) for o in inst.orders]
        xy += [(c[1], c[2]) for c in inst.couriers]
        self.xy: FloatArray = np.array(xy, dtype=np.float64).reshape(-1, 2)
        self.names = [r[0] for r in inst.restaurants] + [o[0] for o in inst.orders]
        self.names += [c[0] for c in inst.couriers]
        self.order_rest = np.array([rid[o[4]] for o in inst.orders], dtype=np.int64)
        self.placed = np.array([o[3] for o in inst.orders], dtype=np.int64)
        self.ready = np.array([o[5] for o in inst.orders], dtype=np.int64)
        self.on = np.array([c[3] for c in inst.couriers], dtype=np.int64)
        self.off = np.array([c[4] for c in inst.couriers], dtype=np.int64)

    def order_point(self, o: int) -> int:
        """Point number of order ``o``'s customer."""
        return self.n_rest + o

    def courier_point(self, k: int) -> int:
        """Point number of courier ``k``'s start."""
        return self.n_rest + self.n_orders + k

    def tt(self, a: int, b: int) -> int:
        """Travel minutes between points ``a`` and ``b``."""
        (x0, y0), (x1, y1) = self.xy[a], self.xy[b]
        return travel_minutes(float(x0), float(y0), float(x1), float(y1), self.speed)

    def tt_many(self, src: IntArray, dst: IntArray) -> IntArray:
        """Travel minutes from every point of ``src`` (rows) to every one of ``dst``."""
        d = self.xy[src][:, None, :] - self.xy[dst][None, :, :]
        out: IntArray = np.ceil(np.sqrt(d[..., 0] ** 2 + d[..., 1] ** 2) / self.speed).astype(
            np.int64
        )
        return out

    def drop_offsets(self, rest: int, seq: tuple[int, ...]) -> tuple[int, ...]:
        """Drop-off minutes after the pickup moment for the orders of ``seq`` in turn."""
        out = []
        t, at = self.half_pickup, rest
        for o in seq:
            p = self.order_point(o)
            t += self.tt(at, p) + self.half_drop
            out.append(t)
            t += self.half_drop
            at = p
        return tuple(out)

    def best_sequence(self, rest: int, orders: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
        """The delivery sequence of ``orders`` (from ``rest``) with the least total
        drop-off offset, and that total (enumeration: bundles are small)."""
        best: tuple[tuple[int, ...], int] | None = None
        for seq in itertools.permutations(orders):
            tot = sum(self.drop_offsets(rest, seq))
            if best is None or tot < best[1]:
                best = (seq, tot)
        assert best is not None
        return best


@dataclass(frozen=True, slots=True)
class Trip:
    """One assignment as executed: a bundle of one restaurant (orders in delivery
    sequence) and its exact times in minutes."""

    assigned_at: int
    courier: int
    restaurant: int
    orders: tuple[int, ...]
    departure: int
    origin: int
    arrival: int
    pickup: int
    drops: tuple[int, ...]


def plan_trip(
    m: MinuteModel, k: int, at_point: int, free_at: int, t: int, rest: int, seq: tuple[int, ...]
) -> tuple[Trip, int]:
    """The exact trip of courier ``k`` (at ``at_point``, free from ``free_at``) taking
    bundle ``seq`` of ``rest`` when assigned at ``t``, and the minute it is free again."""
    dep = max(t, free_at, int(m.on[k]))
    arr = dep + m.tt(at_point, rest)
    pick = max(arr + m.half_pickup, int(m.ready[list(seq)].max()))
    drops = tuple(pick + d for d in m.drop_offsets(rest, seq))
    return Trip(t, k, rest, seq, dep, at_point, arr, pick, drops), drops[-1] + m.half_drop


@dataclass
class MdrpRun:
    """A policy's day on an instance: the trips, and the run's wall and CPU seconds."""

    policy: str
    model: MinuteModel
    trips: list[Trip] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    rounds: int = 0

    @property
    def assigned(self) -> int:
        """Orders in some trip."""
        return sum(len(tr.orders) for tr in self.trips)

    def write(self, folder: str | Path) -> Path:
        """Write the published evaluator's three files into ``folder`` (see
        :func:`engine.stores.mdrp.write_solution_files`)."""
        m = self.model
        name = m.names
        assignments = []
        orders = []
        moves: dict[int, list[tuple[int, str, str]]] = {}
        started: set[int] = set()
        for tr in sorted(self.trips, key=lambda x: (x.courier, x.departure)):
            assignments.append(
                (
                    tr.assigned_at,
                    tr.pickup,
                    name[m.courier_point(tr.courier)],
                    *(name[m.order_point(o)] for o in tr.orders),
                )
            )
            mv = moves.setdefault(tr.courier, [])
            origin = name[tr.origin] if tr.courier in started else "0"
            started.add(tr.courier)
            mv.append((tr.departure, origin, name[tr.restaurant]))
            prev, leave = tr.restaurant, tr.pickup + m.half_pickup
            for o, d in zip(tr.orders, tr.drops, strict=True):
                p = m.order_point(o)
                mv.append((leave, name[prev], name[p]))
                orders.append(
                    (
                        name[p],
                        int(m.placed[o]),
                        int(m.ready[o]),
                        tr.pickup,
                        d,
                        name[m.courier_point(tr.courier)],
                    )
                )
                prev, leave = p, d + m.half_drop
        assignments.sort(key=lambda a: (a[0], a[2]))
        orders.sort(key=lambda r: (r[1], r[0]))
        move_rows = [(name[m.courier_point(k)], *mv) for k in sorted(moves) for mv in moves[k]]
        return write_solution_files(folder, assignments, orders, move_rows)


class _Fleet:
    """Couriers' committed work: where each is free again and from when."""

    def __init__(self, m: MinuteModel) -> None:
        self.m = m
        n = m.n_couriers
        self.point = np.array([m.courier_point(k) for k in range(n)], dtype=np.int64)
        self.free = m.on.copy()

    def commit(self, trip: Trip, free_again: int) -> None:
        k = trip.courier
        self.point[k] = self.m.order_point(trip.orders[-1])
        self.free[k] = free_again


def _nearest_idle(m: MinuteModel, run: MdrpRun) -> None:
    fleet = _Fleet(m)
    order_ix = sorted(range(m.n_orders), key=lambda o: (int(m.placed[o]), o))
    waiting: list[int] = []
    nxt = 0
    t = int(m.placed.min()) if m.n_orders else 0
    last = int(m.off.max())
    while (nxt < len(order_ix) or waiting) and t <= last:
        while nxt < len(order_ix) and m.placed[order_ix[nxt]] <= t:
            waiting.append(order_ix[nxt])
            nxt += 1
        idle = np.flatnonzero((fleet.free <= t) & (m.on <= t) & (m.off >= t))
        still = []
        for o in waiting:
            if idle.size == 0:
                still.append(o)
                continue
            r = int(m.order_rest[o])
            tt = m.tt_many(fleet.point[idle], np.array([r], dtype=np.int64))[:, 0]
            pick = np.maximum(t + tt + m.half_pickup, int(m.ready[o]))
            ok = pick <= m.off[idle]
            if not ok.any():
                still.append(o)
                continue
            cand = np.flatnonzero(ok)
            j = int(cand[np.argmin(tt[cand])])
            k = int(idle[j])
            trip, free_again = plan_trip(m, k, int(fleet.point[k]), int(fleet.free[k]), t, r, (o,))
            fleet.commit(trip, free_again)
            run.trips.append(trip)
            idle = np.delete(idle, j)
        waiting = still
        t += 1


def _greedy(m: MinuteModel, run: MdrpRun, max_bundle: int) -> None:
    target = int(m.inst.param("target_click_to_door"))
    n = m.n_couriers
    # Per courier: the state after its started trips (point, free), its bundles not yet
    # started (restaurant, sequence, assignment minute) with their timed trips, and the
    # state after all of them (end point, end free) for the vectorized append option.
    base_point = [m.courier_point(k) for k in range(n)]
    base_free = [int(x) for x in m.on]
    done: list[list[Trip]] = [[] for _ in range(n)]
    open_b: list[list[tuple[int, tuple[int, ...], int]]] = [[] for _ in range(n)]
    timed: list[list[Trip]] = [[] for _ in range(n)]
    end_point = np.array(base_point, dtype=np.int64)
    end_free = m.on.copy()

    def retime(
        k: int, bundles: list[tuple[int, tuple[int, ...], int]]
    ) -> tuple[list[Trip], int] | None:
        at, free = base_point[k], base_free[k]
        out = []
        for rest, seq, t_as in bundles:
            trip, free = plan_trip(m, k, at, free, t_as, rest, seq)
            if trip.pickup > m.off[k]:
                return None
            out.append(trip)
            at = m.order_point(seq[-1])
        return out, free

    def freeze(k: int, t: int) -> None:
        while timed[k] and timed[k][0].departure < t:
            tr = timed[k].pop(0)
            open_b[k].pop(0)
            done[k].append(tr)
            base_point[k] = m.order_point(tr.orders[-1])
            base_free[k] = tr.drops[-1] + m.half_drop

    for o in sorted(range(m.n_orders), key=lambda o: (int(m.placed[o]), o)):
        t = int(m.placed[o])
        r = int(m.order_rest[o])
        rest = np.array([r], dtype=np.int64)
        leg = m.half_pickup + m.tt(r, m.order_point(o)) + m.half_drop
        dep = np.maximum(np.maximum(end_free, m.on), t)
        pick = np.maximum(dep + m.tt_many(end_point, rest)[:, 0] + m.half_pickup, m.ready[o])
        drop = np.where(pick <= m.off, pick + leg, np.iinfo(np.int64).max)
        best: tuple[int, int, list[tuple[int, tuple[int, ...], int]] | None] | None = None
        if drop.min() < np.iinfo(np.int64).max:
            k = int(np.argmin(drop))
            best = (int(drop[k]), k, None)
        for k in range(n):
            if not any(b[0] == r and len(b[1]) < max_bundle for b in open_b[k]):
                continue
            freeze(k, t)
            for i, (rb, seq, _t) in enumerate(open_b[k]):
                if rb != r or len(seq) >= max_bundle:
                    continue
                new_seq, _ = m.best_sequence(r, (*seq, o))
                opt = [*open_b[k][:i], (r, new_seq, t), *open_b[k][i + 1 :]]
                res = retime(k, opt)
                if res is None:
                    continue
                trips = res[0]
                d_o = _drop_of(trips, o)
                late = any(
                    d - int(m.placed[q]) > target and d > _drop_of(timed[k], q)
                    for tr in trips
                    for q, d in zip(tr.orders, tr.drops, strict=True)
                    if q != o
                )
                if not late and (best is None or d_o < best[0]):
                    best = (d_o, k, opt)
        if best is None:
            continue  # no courier can pick it up before its off time
        _, k, chosen = best
        if chosen is None:
            freeze(k, t)
            chosen = [*open_b[k], (r, (o,), t)]
        res = retime(k, chosen)
        assert res is not None
        open_b[k] = chosen
        timed[k] = res[0]
        end_point[k] = m.order_point(chosen[-1][1][-1])
        end_free[k] = res[1]
    for k in range(n):
        run.trips.extend(done[k])
        run.trips.extend(timed[k])


def _drop_of(trips: list[Trip], q: int) -> int:
    for tr in trips:
        if q in tr.orders:
            return tr.drops[tr.orders.index(q)]
    return -1


def _bundles(
    m: MinuteModel, pool: list[int], z: int
) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """Per restaurant, ``ceil(n / z)`` bundles of at most ``z`` orders: each order (by
    ready time) inserted where it adds the least ready-to-door time. Returns
    ``(restaurant, sequence, drop offsets)``."""
    by_rest: dict[int, list[int]] = {}
    for o in pool:
        by_rest.setdefault(int(m.order_rest[o]), []).append(o)
    out = []
    for r, os_ in by_rest.items():
        os_.sort(key=lambda o: (int(m.ready[o]), o))
        n_b = math.ceil(len(os_) / z)
        groups: list[tuple[tuple[int, ...], int]] = []

        def cost(orders: tuple[int, ...], r: int = r) -> int:
            _, tot = m.best_sequence(r, orders)
            rmax = int(m.ready[list(orders)].max())
            return tot + sum(rmax - int(m.ready[q]) for q in orders)

        for o in os_:
            best: tuple[int, int] | None = None  # (extra cost, group index or -1)
            if len(groups) < n_b:
                best = (cost((o,)), -1)
            for i, (g, c) in enumerate(groups):
                if len(g) < z:
                    extra = cost((*g, o)) - c
                    if best is None or extra < best[0]:
                        best = (extra, i)
            assert best is not None
            if best[1] < 0:
                groups.append(((o,), best[0]))
            else:
                g, c = groups[best[1]]
                groups[best[1]] = ((*g, o), c + best[0])
        for g, _ in groups:
            seq, _ = m.best_sequence(r, g)
            out.append((r, seq, m.drop_offsets(r, seq)))
    return out


def _yunli(
    m: MinuteModel,
    run: MdrpRun,
    frequency: int,
    horizon: int,
    max_bundle: int,
    courier_window: int,
    late_weight: int,
) -> None:
    fleet = _Fleet(m)
    assigned = np.zeros(m.n_orders, dtype=bool)
    t = int(m.placed.min()) if m.n_orders else 0
    last = int(m.off.max())
    big = 1_000_000
    target = int(m.inst.param("target_click_to_door"))
    while not assigned.all() and t <= last:
        run.rounds += 1
        pool = np.flatnonzero(~assigned & (m.placed <= t) & (m.ready <= t + horizon))
        avail = np.flatnonzero((np.maximum(fleet.free, m.on) <= t + courier_window) & (m.off >= t))
        if pool.size and avail.size:
            z = max(1, min(max_bundle, math.ceil(pool.size / avail.size)))
            bundles = _bundles(m, [int(o) for o in pool], z)
            rests = np.array([b[0] for b in bundles], dtype=np.int64)
            tt = m.tt_many(fleet.point[avail], rests)  # couriers × bundles
            dep = np.maximum(np.maximum(fleet.free[avail], m.on[avail]), t)[:, None]
            arr = dep + tt
            ready_b = np.array([int(m.ready[list(b[1])].max()) for b in bundles])
            pick = np.maximum(arr + m.half_pickup, ready_b[None, :])
            ok = pick <= m.off[avail][:, None]
            size = np.array([len(b[1]) for b in bundles])
            # Per bundle position (padded): drop offset and placement of each order.
            offs = np.zeros((len(bundles), max_bundle), dtype=np.int64)
            plc = np.zeros((len(bundles), max_bundle), dtype=np.int64)
            has = np.zeros((len(bundles), max_bundle), dtype=bool)
            for bi, (_, seq, d_off) in enumerate(bundles):
                offs[bi, : len(seq)] = d_off
                plc[bi, : len(seq)] = m.placed[list(seq)]
                has[bi, : len(seq)] = True
            ctd = np.where(has[None], pick[:, :, None] + offs[None] - plc[None], 0)
            # In tenths of a minute: the minutes from now until each order is delivered
            # (so waiting orders are not starved), extra for each minute past the target,
            # and half the courier's minutes to the pickup (travel and waiting).
            remaining = np.where(has[None], pick[:, :, None] + offs[None] - t, 0).sum(axis=2)
            late = np.maximum(ctd - target, 0).sum(axis=2)
            cost = 10 * remaining + late_weight * late + 5 * (pick - dep)
            weight = big * size[None, :] - cost
            ok &= weight > 0
            res = max_weight_assignment(*dense_to_csr(weight.astype(np.int64), ok))
            for j, bi in _pairs(res.row_col):
                k = int(avail[j])
                r, seq, _ = bundles[bi]
                latest_dep = int(ready_b[bi]) - m.half_pickup - int(tt[j, bi])
                if latest_dep >= t + frequency:
                    continue  # not committed: re-optimized next time
                trip, free_again = plan_trip(
                    m, k, int(fleet.point[k]), int(fleet.free[k]), t, r, seq
                )
                fleet.commit(trip, free_again)
                run.trips.append(trip)
                assigned[list(seq)] = True
        t += frequency


def _pairs(row_col: IntArray) -> list[tuple[int, int]]:
    return [(i, int(c)) for i, c in enumerate(row_col.tolist()) if c >= 0]


def simulate_mdrp(
    inst: MdrpInstance,
    policy: str = "yunli",
    *,
    frequency: int = 5,
    horizon: int = 20,
    courier_window: int = 10,
    max_bundle: int = 3,
    late_weight: int = 0,
) -> MdrpRun:
    """Replay ``inst``'s orders as placed under ``policy`` (:data:`MDRP_POLICIES`) on the
    exact minute model.

    Parameters
    ----------
    frequency
        Minutes between the Yunli optimizations.
    horizon
        Yunli considers the open orders ready within this many minutes.
    courier_window
        Yunli considers the couriers free (on shift, done with their trips) within this
        many minutes; a busy courier's committed bundle starts when it is free.
    max_bundle
        Most orders in one bundle (Yunli and greedy).
    late_weight
        Yunli's extra cost, in tenths, per minute an order is past the target
        click-to-door (0: none; larger trades the mean for the share within target).

    Raises
    ------
    InvalidInputError
        An unknown policy, a non-positive frequency, horizon or bundle size, or odd
        service times.
    """
    if policy not in MDRP_POLICIES:
        raise InvalidInputError.at("policy", f"choose from {', '.join(MDRP_POLICIES)}")
    for name, v in (
        ("frequency", frequency),
        ("horizon", horizon),
        ("courier_window", courier_window),
        ("max_bundle", max_bundle),
    ):
        if v <= 0:
            raise InvalidInputError.at(name, f"must be > 0, got {v}")
    if max_bundle > MAX_BUNDLE:
        raise InvalidInputError.at("max_bundle", f"at most {MAX_BUNDLE}, got {max_bundle}")
    if late_weight < 0:
        raise InvalidInputError.at("late_weight", f"must be >= 0, got {late_weight}")
    w0, c0 = time.perf_counter(), time.process_time()
    m = MinuteModel(inst)
    run = MdrpRun(policy, m)
    if policy == "yunli":
        _yunli(m, run, frequency, horizon, max_bundle, courier_window, late_weight)
    elif policy == "nearest_idle":
        _nearest_idle(m, run)
    else:
        _greedy(m, run, max_bundle)
    run.wall_s = time.perf_counter() - w0
    run.cpu_s = time.process_time() - c0
    return run
