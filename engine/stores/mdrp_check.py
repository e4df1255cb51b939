"""An independent checker of Meal Delivery Routing Problem solution files.

:func:`check_solution` reads the published evaluator's three files
(``solution_info_assignments.txt``, ``solution_info_orders.txt``,
``solution_info_couriers.txt``; whitespace-separated, a header row each) and re-computes
every time from the instance alone: it shares no code with the dispatcher
(:mod:`engine.stores.mdrp_sim`) beyond the instance reader. Each courier starts at its own
point at ``on_time``; each move arrives ``ceil(distance / meters_per_minute)`` minutes
after its departure; a pickup may happen no earlier than the arrival plus half the pickup
service time and the courier leaves no earlier than the pickup plus the other half (the
same for drop-offs with the drop-off service time). The rules refused, by name
(:attr:`Violation.rule`):

``format``
    A missing file, a wrong header, a wrong field count, a time that is not an integer.
``unknown``
    An order or courier id not in the instance.
``duplicate``
    An order in two assignments or in two rows of the orders file.
``mismatch``
    An orders-file row that disagrees with the instance (placement, ready time) or with
    its assignment (courier, pickup time), or a delivered order without an assignment and
    the reverse.
``one_restaurant``
    A bundle with orders of more than one restaurant.
``assigned_early``
    An assignment made before one of its orders was placed, or after the courier left for
    its restaurant.
``ready``
    A pickup before the ready time of one of the bundle's orders.
``off_time``
    A pickup after the courier's off time.
``route``
    A courier's moves that do not go to the restaurant of each of its bundles and then to
    the bundle's customers in the bundle's sequence, one bundle after the other (in pickup
    order).
``continuity``
    A first move not from the start (origin ``0``), a move not from the previous
    destination, a departure before the courier's on time or before it arrived.
``arrival``
    A pickup or drop-off earlier than the arrival (travel rounded up) plus half its
    service time.
``service``
    A departure earlier than the pickup or drop-off plus the other half of its service.

Against the published evaluator (``compute_performance_summary.py`` of grubhub/mdrplib,
whose checks are all covered here) this checker is stricter in three ways: it re-computes
the earliest pickup and drop-off from the arrival and the service split instead of only
asking that the courier be at the place at that minute; it asks that a courier's moves be
exactly its bundles' routes (one bundle at a time, no other moves); and it refuses an
assignment made after the courier left for the restaurant. Undelivered orders are not
violations (they count in the figures).

:func:`verify_solution` raises :class:`~engine.errors.InfeasibleError` on any violation and
otherwise returns the instance's figures (:class:`~engine.stores.mdrp.MdrpMetrics`),
computed from the verified files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import InfeasibleError
from engine.stores.mdrp import SOLUTION_HEADERS, MdrpInstance, MdrpMetrics


@dataclass(frozen=True, slots=True)
class Violation:
    """One refused rule: its name (see the module docstring), where (a file and line, or
    a courier or order id) and what."""

    rule: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.detail}"


@dataclass(frozen=True)
class CheckResult:
    """The violations found (none: the solution is feasible) and the figures of the
    delivered orders."""

    violations: tuple[Violation, ...]
    metrics: MdrpMetrics

    @property
    def feasible(self) -> bool:
        """No violation."""
        return not self.violations

    def rules(self) -> set[str]:
        """The names of the rules violated."""
        return {v.rule for v in self.violations}


def _minutes(x0: float, y0: float, x1: float, y1: float, speed: float) -> int:
    return int(np.ceil(np.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2) / speed))


def _lines(root: Path, name: str, out: list[Violation]) -> list[tuple[int, list[str]]]:
    path = root / name
    if not path.is_file():
        out.append(Violation("format", name, "missing"))
        return []
    rows = [
        (i, ln.split())
        for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ln.strip()
    ]
    header = list(SOLUTION_HEADERS[name])
    if not rows or rows[0][1][: len(header)] != header:
        out.append(Violation("format", f"{name}:1", f"header is not {' '.join(header)}"))
        return []
    return rows[1:]


def _int(v: str, where: str, out: list[Violation]) -> int | None:
    try:
        f = float(v)
    except ValueError:
        out.append(Violation("format", where, f"{v!r} is not a number"))
        return None
    if not math.isfinite(f) or f != int(f):
        out.append(Violation("format", where, f"{v!r} is not a whole minute"))
        return None
    return int(f)


@dataclass
class _Bundle:
    where: str
    assigned: int
    pickup: int
    courier: str
    orders: list[str]


def check_solution(inst: MdrpInstance, folder: str | Path, *, policy: str = "") -> CheckResult:
    """Check the three solution files in ``folder`` against ``inst`` (see the module
    docstring); never raises for a bad solution, only reports it.

    Raises
    ------
    NotFoundError
        ``folder`` does not exist (missing files are ``format`` violations).
    """
    from engine.errors import NotFoundError

    root = Path(folder)
    if not root.is_dir():
        raise NotFoundError(f"solution folder {str(root)!r} does not exist")
    v: list[Violation] = []
    speed = inst.param("meters_per_minute")
    half_p = inst.param("pickup_service_minutes") / 2
    half_d = inst.param("dropoff_service_minutes") / 2
    orders = {o[0]: o for o in inst.orders}
    couriers = {c[0]: c for c in inst.couriers}
    rest_xy = {r[0]: (r[1], r[2]) for r in inst.restaurants}

    bundles: list[_Bundle] = []
    in_bundle: dict[str, _Bundle] = {}
    name = "solution_info_assignments.txt"
    for line, f in _lines(root, name, v):
        where = f"{name}:{line}"
        if len(f) < 4:
            v.append(Violation("format", where, "needs a time, a pickup time, a courier, orders"))
            continue
        at, pick = _int(f[0], where, v), _int(f[1], where, v)
        if at is None or pick is None:
            continue
        if f[2] not in couriers:
            v.append(Violation("unknown", where, f"courier {f[2]!r}"))
            continue
        b = _Bundle(where, at, pick, f[2], f[3:])
        ok = True
        for o in b.orders:
            if o not in orders:
                v.append(Violation("unknown", where, f"order {o!r}"))
                ok = False
            elif o in in_bundle:
                v.append(Violation("duplicate", where, f"order {o} also in {in_bundle[o].where}"))
                ok = False
        if not ok:
            continue
        for o in b.orders:
            in_bundle[o] = b
        bundles.append(b)
        rests = sorted({orders[o][4] for o in b.orders})
        if len(rests) > 1:
            v.append(Violation("one_restaurant", where, f"orders of {', '.join(rests)}"))
        for o in b.orders:
            if at < orders[o][3]:
                v.append(
                    Violation("assigned_early", where, f"at {at}, {o} placed at {orders[o][3]}")
                )
            if pick < orders[o][5]:
                v.append(Violation("ready", where, f"pickup {pick}, {o} ready at {orders[o][5]}"))
        if pick > couriers[b.courier][4]:
            v.append(
                Violation(
                    "off_time",
                    where,
                    f"pickup {pick} after {b.courier}'s off time {couriers[b.courier][4]}",
                )
            )

    drop: dict[str, int] = {}
    name = "solution_info_orders.txt"
    for line, f in _lines(root, name, v):
        where = f"{name}:{line}"
        if len(f) != 6:
            v.append(Violation("format", where, f"{len(f)} fields, expected 6"))
            continue
        nums = [_int(x, where, v) for x in f[1:5]]
        if any(x is None for x in nums) or f[0] not in orders:
            if f[0] not in orders:
                v.append(Violation("unknown", where, f"order {f[0]!r}"))
            continue
        placed, ready, pick, dropped = (int(x) for x in nums)  # type: ignore[arg-type]
        inst_row = orders[f[0]]
        if f[0] in drop:
            v.append(Violation("duplicate", where, f"order {f[0]} has two rows"))
            continue
        drop[f[0]] = dropped
        bnd = in_bundle.get(f[0])
        if (placed, ready) != (inst_row[3], inst_row[5]):
            v.append(Violation("mismatch", where, f"placement/ready {placed}/{ready}, "
                               f"instance {inst_row[3]}/{inst_row[5]}"))  # fmt: skip
        if bnd is None:
            v.append(Violation("mismatch", where, f"order {f[0]} delivered but not assigned"))
        elif (f[5], pick) != (bnd.courier, bnd.pickup):
            v.append(
                Violation(
                    "mismatch",
                    where,
                    f"courier/pickup {f[5]}/{pick}, assignment "
                    f"{bnd.courier}/{bnd.pickup} ({bnd.where})",
                )
            )
    for o, b in in_bundle.items():
        if o not in drop:
            v.append(Violation("mismatch", b.where, f"order {o} assigned but never dropped off"))

    moves: dict[str, list[tuple[str, int, str, str]]] = {}
    name = "solution_info_couriers.txt"
    for line, f in _lines(root, name, v):
        where = f"{name}:{line}"
        if len(f) != 4:
            v.append(Violation("format", where, f"{len(f)} fields, expected 4"))
            continue
        dep = _int(f[1], where, v)
        if dep is None:
            continue
        if f[0] not in couriers:
            v.append(Violation("unknown", where, f"courier {f[0]!r}"))
            continue
        moves.setdefault(f[0], []).append((where, dep, f[2], f[3]))

    by_courier: dict[str, list[_Bundle]] = {}
    for b in bundles:
        by_courier.setdefault(b.courier, []).append(b)
    for cid in sorted(set(by_courier) | set(moves)):
        c = couriers[cid]
        plan = sorted(by_courier.get(cid, []), key=lambda b: b.pickup)
        expected: list[tuple[str, _Bundle]] = []
        for b in plan:
            expected.append((orders[b.orders[0]][4], b))
            expected += [(o, b) for o in b.orders]
        mv = moves.get(cid, [])
        if [m[3] for m in mv] != [e[0] for e in expected]:
            v.append(
                Violation(
                    "route",
                    cid,
                    f"moves go to {[m[3] for m in mv]}, its bundles need "
                    f"{[e[0] for e in expected]}",
                )
            )
            continue
        at_xy = (c[1], c[2])
        at_id, free, t_event = "0", float(c[3]), None
        for (where, dep, origin, dest), (_, b) in zip(mv, expected, strict=True):
            if origin != at_id:
                v.append(Violation("continuity", where, f"from {origin}, the courier is at "
                                   f"{at_id if at_id != '0' else 'its start (0)'}"))  # fmt: skip
            if dep < free:
                rule = "service" if t_event is not None else "continuity"
                v.append(Violation(rule, where, f"leaves at {dep}, free at {free:g}"))
            xy = rest_xy[dest] if dest in rest_xy else (orders[dest][1], orders[dest][2])
            arrival = dep + _minutes(at_xy[0], at_xy[1], xy[0], xy[1], speed)
            if dest in rest_xy:
                if b.assigned > dep:
                    v.append(
                        Violation(
                            "assigned_early",
                            b.where,
                            f"assigned at {b.assigned}, after the courier left for {dest} at {dep}",
                        )
                    )
                t_event, half = b.pickup, half_p
            else:
                t_event, half = drop[dest], half_d
            if t_event < arrival + half:
                v.append(
                    Violation(
                        "arrival",
                        where,
                        f"{'pickup' if dest in rest_xy else 'drop-off'} at "
                        f"{dest} at {t_event}, arrival {arrival} (+{half:g} service)",
                    )
                )
            free = t_event + half
            at_xy, at_id = xy, dest

    # Figures of the delivered orders.
    delivered = [r for r in inst.orders if r[0] in drop and r[0] in in_bundle]
    ctd = np.array([drop[r[0]] - r[3] for r in delivered], dtype=np.float64)
    r2p = np.array([in_bundle[r[0]].pickup - r[5] for r in delivered], dtype=np.float64)
    per: dict[str, int] = {}
    for r in delivered:
        per[in_bundle[r[0]].courier] = per.get(in_bundle[r[0]].courier, 0) + 1
    hours = sum(c[4] - c[3] for c in inst.couriers) / 60
    pay = sum(
        max(
            inst.param("pay_per_order") * per.get(c[0], 0),
            inst.param("guaranteed_pay_per_hour") * (c[4] - c[3]) / 60,
        )
        for c in inst.couriers
    )
    n = len(delivered)
    metrics = MdrpMetrics(
        policy,
        len(inst.orders),
        n,
        float(ctd.mean()) if n else float("nan"),
        float(np.percentile(ctd, 90)) if n else float("nan"),
        float(r2p.mean()) if n else float("nan"),
        n / max(hours, 1e-9),
        pay / n if n else float("nan"),
        float((ctd <= inst.param("target_click_to_door")).sum()) / len(inst.orders),
    )
    return CheckResult(tuple(v), metrics)


def verify_solution(inst: MdrpInstance, folder: str | Path, *, policy: str = "") -> MdrpMetrics:
    """:func:`check_solution`, refusing any violation.

    Raises
    ------
    InfeasibleError
        The solution breaks a rule; the message lists the first violations.
    NotFoundError
        ``folder`` does not exist.
    """
    res = check_solution(inst, folder, policy=policy)
    if res.violations:
        shown = "\n".join(str(x) for x in res.violations[:10])
        more = len(res.violations) - 10
        raise InfeasibleError(
            f"solution in {str(folder)!r} breaks the MDRP rules ({len(res.violations)} "
            f"violations):\n{shown}" + (f"\n… and {more} more" if more > 0 else "")
        )
    return res.metrics
