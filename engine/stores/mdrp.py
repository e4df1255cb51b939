"""The Meal Delivery Routing Problem (Grubhub / Georgia Tech) instance and solution formats.

An instance is a folder of tab-separated files with a header row:

* ``couriers.txt``: ``courier x y on_time off_time``
* ``orders.txt``: ``order x y placement_time restaurant ready_time``
* ``restaurants.txt``: ``restaurant x y``
* ``instance_parameters.txt``: meters per minute, pickup service minutes, dropoff service
  minutes, target click-to-door, maximum click-to-door, pay per order, guaranteed pay per
  hour (one row, e.g. ``320 4 4 40 90 10 15``).

x and y are planar metres and times integer minutes from the start of the day; travel
time is the Euclidean distance divided by the speed, rounded up. Solutions are written in
the published evaluator's three files: ``solution_info_assignments.txt``
(``assignment_time pickup_time courier order1 [order2 …]``), ``solution_info_orders.txt``
(``order placement_time ready_time pickup_time dropoff_time courier``) and
``solution_info_couriers.txt`` (``courier departure_time origin destination``, origin
``0`` for the start).

:func:`to_store_day` turns an instance into a :class:`~engine.stores.simulate.StoreDay`
(restaurants become stores, the plane is laid on the globe at the equator scaled so that
the dispatcher's e-bike speed equals the instance's speed, service and target times are
the instance's), so :func:`~engine.stores.simulate.simulate` runs Yunli and the baselines
on it; :func:`mdrp_metrics` reports in the instance's own terms and
:func:`write_solution` writes the evaluator's files. The simulation's travel model is the
live plan's (seconds, not minutes rounded up, and service times starting at the stop rather
than split around the pickup moment): figures are close to, not identical with, the
published evaluator's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import InvalidInputError, NotFoundError
from engine.stores.model import COURIER_MODES, Courier, Order, Site, Sku, StoreNetwork, Weather
from engine.units import DEFAULT_CIRCUITY, EARTH_RADIUS_M

if TYPE_CHECKING:
    from engine.stores.simulate import DayReport, StoreDay

#: Header rows of the four instance files.
HEADERS = {
    "couriers.txt": ("courier", "x", "y", "on_time", "off_time"),
    "orders.txt": ("order", "x", "y", "placement_time", "restaurant", "ready_time"),
    "restaurants.txt": ("restaurant", "x", "y"),
}
PARAMETERS = (
    "meters_per_minute",
    "pickup_service_minutes",
    "dropoff_service_minutes",
    "target_click_to_door",
    "maximum_click_to_door",
    "pay_per_order",
    "guaranteed_pay_per_hour",
)


@dataclass(frozen=True)
class MdrpInstance:
    """An MDRP instance (see the module docstring); rows are tuples of the files' columns."""

    name: str
    couriers: tuple[tuple[str, float, float, int, int], ...]
    orders: tuple[tuple[str, float, float, int, str, int], ...]
    restaurants: tuple[tuple[str, float, float], ...]
    parameters: tuple[float, ...]

    def param(self, name: str) -> float:
        """One parameter by name (:data:`PARAMETERS`)."""
        return self.parameters[PARAMETERS.index(name)]


def _rows(path: Path, header: Sequence[str]) -> list[list[str]]:
    if not path.exists():
        raise NotFoundError(f"{path.name}: missing from the instance folder {str(path.parent)!r}")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not lines:
        raise InvalidInputError.at(path.name, "is empty")
    got = [c.strip() for c in lines[0].split("\t")]
    if got != list(header):
        raise InvalidInputError.at(path.name, f"header {got} is not {list(header)}")
    out = []
    for i, ln in enumerate(lines[1:], start=2):
        cells = [c.strip() for c in ln.split("\t")]
        if len(cells) != len(header):
            raise InvalidInputError.at(
                path.name, f"line {i}: {len(cells)} fields, expected {len(header)}"
            )
        out.append(cells)
    return out


def _num(v: str, fname: str, row: object, *, integer: bool = False) -> float:
    try:
        f = float(v)
    except ValueError:
        raise InvalidInputError.at(fname, f"{v!r} is not a number", row) from None
    if not math.isfinite(f) or (integer and f != int(f)):
        raise InvalidInputError.at(
            fname, f"{v!r} is not {'an integer' if integer else 'finite'}", row
        )
    return f


def read_instance(folder: str | Path) -> MdrpInstance:
    """Read and check an instance folder.

    Raises
    ------
    NotFoundError
        The folder or one of its files is missing.
    InvalidInputError
        Wrong headers or field counts, non-numbers, fractional times, duplicate ids,
        orders of unknown restaurants, ready before placement, shifts ending before they
        start, a parameter row without seven positive numbers.
    """
    root = Path(folder)
    if not root.is_dir():
        raise NotFoundError(f"instance folder {str(root)!r} does not exist")
    rest = []
    for r in _rows(root / "restaurants.txt", HEADERS["restaurants.txt"]):
        rest.append((r[0], _num(r[1], "restaurants.x", r[0]), _num(r[2], "restaurants.y", r[0])))
    rids = {r[0] for r in rest}
    if len(rids) != len(rest):
        raise InvalidInputError.at("restaurants.restaurant", "duplicate ids")
    cour = []
    for r in _rows(root / "couriers.txt", HEADERS["couriers.txt"]):
        on = int(_num(r[3], "couriers.on_time", r[0], integer=True))
        off = int(_num(r[4], "couriers.off_time", r[0], integer=True))
        if off <= on:
            raise InvalidInputError.at("couriers.off_time", "must be after on_time", r[0])
        cour.append((r[0], _num(r[1], "couriers.x", r[0]), _num(r[2], "couriers.y", r[0]), on, off))
    if len({c[0] for c in cour}) != len(cour):
        raise InvalidInputError.at("couriers.courier", "duplicate ids")
    orders = []
    for r in _rows(root / "orders.txt", HEADERS["orders.txt"]):
        placed = int(_num(r[3], "orders.placement_time", r[0], integer=True))
        ready = int(_num(r[5], "orders.ready_time", r[0], integer=True))
        if r[4] not in rids:
            raise InvalidInputError.at("orders.restaurant", f"unknown restaurant {r[4]!r}", r[0])
        if ready < placed:
            raise InvalidInputError.at("orders.ready_time", "is before placement_time", r[0])
        orders.append(
            (r[0], _num(r[1], "orders.x", r[0]), _num(r[2], "orders.y", r[0]), placed, r[4], ready)
        )
    if len({o[0] for o in orders}) != len(orders):
        raise InvalidInputError.at("orders.order", "duplicate ids")
    p = root / "instance_parameters.txt"
    if not p.exists():
        raise NotFoundError(f"instance_parameters.txt: missing from {str(root)!r}")
    lines = [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    vals = lines[-1].split() if lines else []
    if len(vals) != len(PARAMETERS):
        raise InvalidInputError.at(
            "instance_parameters", f"need {len(PARAMETERS)} numbers, got {vals}"
        )
    params = tuple(
        _num(v, f"instance_parameters.{n}", None) for v, n in zip(vals, PARAMETERS, strict=True)
    )
    if params[0] <= 0 or any(x < 0 for x in params):
        raise InvalidInputError.at("instance_parameters", "speed must be > 0 and nothing negative")
    if not orders or not cour:
        raise InvalidInputError.at("orders", "an instance needs orders and couriers")
    return MdrpInstance(root.name, tuple(cour), tuple(orders), tuple(rest), params)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def write_instance(inst: MdrpInstance, folder: str | Path) -> Path:
    """Write the four files of ``inst`` into ``folder`` (created)."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("couriers.txt", inst.couriers),
        ("orders.txt", inst.orders),
        ("restaurants.txt", inst.restaurants),
    ):
        text = "\t".join(HEADERS[name]) + "\n"
        text += "".join(
            "\t".join(_fmt(c) if not isinstance(c, str) else c for c in r) + "\n" for r in rows
        )
        (root / name).write_text(text, encoding="utf-8")
    (root / "instance_parameters.txt").write_text(
        "\t".join(PARAMETERS) + "\n" + "\t".join(_fmt(v) for v in inst.parameters) + "\n",
        encoding="utf-8",
    )
    return root


def generate_instance(
    n_orders: int = 500,
    n_couriers: int = 100,
    n_restaurants: int = 60,
    *,
    seed: int = 0,
    size_m: float = 12_000.0,
    parameters: tuple[float, ...] = (320, 4, 4, 40, 90, 10, 15),
) -> MdrpInstance:
    """A seeded instance in the published format: restaurants in a few clusters, customers
    in clusters around them, lunch (11:30–13:30) and dinner (17:30–20:30) peaks over a day
    from 10:00 (minute 600) to 23:00, and courier shifts of 2–5 hours weighted to the
    peaks.

    Raises
    ------
    InvalidInputError
        Non-positive sizes.
    """
    if min(n_orders, n_couriers, n_restaurants) <= 0:
        raise InvalidInputError.at("n_orders", "sizes must be positive")
    rng = np.random.default_rng(seed)
    k = max(2, n_restaurants // 12)
    centers = rng.uniform(0.2 * size_m, 0.8 * size_m, (k, 2))
    rxy = centers[rng.integers(0, k, n_restaurants)] + rng.normal(0, 600, (n_restaurants, 2))
    rxy = np.clip(rxy, 0, size_m)
    minutes = np.arange(600, 1380)
    rate = (
        0.2
        + np.exp(-0.5 * ((minutes - 750) / 40) ** 2)
        + 1.3 * np.exp(-0.5 * ((minutes - 1140) / 55) ** 2)
    )
    placed = np.sort(rng.choice(minutes, n_orders, p=rate / rate.sum()))
    rest = rng.integers(0, n_restaurants, n_orders)
    oxy = rxy[rest] + rng.normal(0, 1_500, (n_orders, 2))
    oxy = np.clip(oxy, 0, size_m)
    ready = placed + rng.integers(5, 21, n_orders)
    starts = rng.choice(minutes[:-120], n_couriers, p=(rate[:-120] / rate[:-120].sum()))
    lengths = rng.integers(2, 6, n_couriers) * 60
    cxy = rxy[rng.integers(0, n_restaurants, n_couriers)] + rng.normal(0, 800, (n_couriers, 2))
    return MdrpInstance(
        f"generated_o{n_orders}_c{n_couriers}_s{seed}",
        tuple(
            (
                f"c{i + 1}",
                round(float(cxy[i, 0])),
                round(float(cxy[i, 1])),
                int(starts[i]),
                int(min(1440, starts[i] + lengths[i])),
            )
            for i in range(n_couriers)
        ),
        tuple(
            (
                f"o{i + 1}",
                round(float(oxy[i, 0])),
                round(float(oxy[i, 1])),
                int(placed[i]),
                f"r{int(rest[i]) + 1}",
                int(ready[i]),
            )
            for i in range(n_orders)
        ),
        tuple(
            (f"r{i + 1}", round(float(rxy[i, 0])), round(float(rxy[i, 1])))
            for i in range(n_restaurants)
        ),
        tuple(float(p) for p in parameters),
    )


#: The plane is laid on the globe at this instant: minute 0 of the instance.
MDRP_EPOCH = 1_796_140_800


def _scale(inst: MdrpInstance) -> float:
    """Great-circle metres per planar metre so that the e-bike's speed is the instance's."""
    ebike_m_per_min = COURIER_MODES["ebike"].speed_kmh * 1000 / 60 / DEFAULT_CIRCUITY
    return ebike_m_per_min / inst.param("meters_per_minute")


def to_store_day(inst: MdrpInstance) -> tuple[StoreDay, dict[str, tuple[float, float]]]:
    """The instance as a store day (see the module docstring) and the lat/lon of each
    planar point id (restaurants, and ``@<order>`` for customers)."""
    from engine.stores.simulate import StoreDay

    k = _scale(inst)

    def ll(x: float, y: float) -> tuple[float, float]:
        return (
            round(math.degrees(y * k / EARTH_RADIUS_M), 7),
            round(math.degrees(x * k / EARTH_RADIUS_M), 7),
        )

    t0 = MDRP_EPOCH
    sites = [Site(r[0], "store", *ll(r[1], r[2]), radius_m=10**7) for r in inst.restaurants]
    # A courier starts at the restaurant nearest to its start point (couriers start at a
    # store in the store model).
    rxy = np.array([(r[1], r[2]) for r in inst.restaurants])

    def home(x: float, y: float) -> str:
        return inst.restaurants[int(np.argmin(np.hypot(rxy[:, 0] - x, rxy[:, 1] - y)))][0]

    couriers = [
        Courier(c[0], "ebike", home(c[1], c[2]), ((t0 + c[3] * 60, t0 + c[4] * 60),))
        for c in inst.couriers
    ]
    net = StoreNetwork.build(
        sites, [Sku("meal", "meal", 1, 1, 0)], couriers, {s.site_id: {"meal": 10**6} for s in sites}
    )
    orders = tuple(
        Order(o[0], o[4], (("meal", 1),), t0 + o[3] * 60, *ll(o[1], o[2]), ready_at=t0 + o[5] * 60)
        for o in inst.orders
    )
    pts = {r[0]: ll(r[1], r[2]) for r in inst.restaurants}
    pts.update({f"@{o[0]}": ll(o[1], o[2]) for o in inst.orders})
    day = StoreDay(
        inst.name,
        net,
        orders,
        Weather(),
        t0 + min(o[3] for o in inst.orders) * 60 - 60,
        t0 + max(o[3] for o in inst.orders) * 60,
        0,
        promise_s=int(inst.param("target_click_to_door") * 60),
        pickup_service_s=int(inst.param("pickup_service_minutes") * 60),
        drop_service_s=int(inst.param("dropoff_service_minutes") * 60),
    )
    return day, pts


@dataclass(frozen=True)
class MdrpMetrics:
    """The instance's own figures for one run (minutes and the instance's money unit)."""

    policy: str
    orders: int
    delivered: int
    ctd_mean: float
    ctd_p90: float
    ready_to_pickup_mean: float
    orders_per_courier_hour: float
    pay_per_order: float
    within_target: float
    wall_s: float

    def row(self) -> dict[str, object]:
        """The figures as one flat row (rounded)."""
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _per_order(rep: DayReport) -> dict[str, dict[str, tuple[str, int]]]:
    out: dict[str, dict[str, tuple[str, int]]] = {}
    for oid, kind, cid, t in rep.events:
        out.setdefault(oid, {})[kind] = (cid, t)
    return out


def mdrp_metrics(inst: MdrpInstance, rep: DayReport) -> MdrpMetrics:
    """Figures of a :func:`~engine.stores.simulate.simulate` run on ``to_store_day(inst)``:
    orders delivered, click-to-door mean and p90, ready-to-pickup mean, orders per
    courier-hour, courier pay per order (each courier earns the larger of pay per order ×
    orders and guaranteed pay × shift hours) and the share within the target."""
    ev = _per_order(rep)
    ctd, r2p = [], []
    per_courier: dict[str, int] = {}
    for o in inst.orders:
        e = ev.get(o[0], {})
        if "drop" not in e:
            continue
        ctd.append((e["drop"][1] - MDRP_EPOCH) / 60 - o[3])
        if "pickup" in e:
            r2p.append((e["pickup"][1] - MDRP_EPOCH) / 60 - o[5])
        per_courier[e["drop"][0]] = per_courier.get(e["drop"][0], 0) + 1
    hours = sum(c[4] - c[3] for c in inst.couriers) / 60
    pay = sum(
        max(
            inst.param("pay_per_order") * per_courier.get(c[0], 0),
            inst.param("guaranteed_pay_per_hour") * (c[4] - c[3]) / 60,
        )
        for c in inst.couriers
    )
    n = len(ctd)
    return MdrpMetrics(
        rep.policy,
        len(inst.orders),
        n,
        float(np.mean(ctd)) if n else float("nan"),
        float(np.percentile(ctd, 90)) if n else float("nan"),
        float(np.mean(r2p)) if r2p else float("nan"),
        n / max(hours, 1e-9),
        pay / max(n, 1),
        sum(c <= inst.param("target_click_to_door") for c in ctd) / len(inst.orders),
        rep.wall_s,
    )


def write_solution(inst: MdrpInstance, rep: DayReport, folder: str | Path) -> Path:
    """Write a run in the published evaluator's three files (times in whole minutes).

    A bundle (one assignment row) is the orders a courier picks up at one restaurant one
    after the other; its ``assignment_time`` is when its last order was placed (the
    dispatcher assigns it in the next round).
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    ev = _per_order(rep)
    odata = {o[0]: o for o in inst.orders}

    def minute(t: int) -> int:
        return round((t - MDRP_EPOCH) / 60)

    lines = ["order\tplacement_time\tready_time\tpickup_time\tdropoff_time\tcourier"]
    for o in inst.orders:
        e = ev.get(o[0], {})
        if "drop" in e and "pickup" in e:
            lines.append(
                f"{o[0]}\t{o[3]}\t{o[5]}\t{minute(e['pickup'][1])}\t"
                f"{minute(e['drop'][1])}\t{e['drop'][0]}"
            )
    (root / "solution_info_orders.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    by_courier: dict[str, list[tuple[int, str, str]]] = {}
    for oid, kind, cid, t in rep.events:
        by_courier.setdefault(cid, []).append((t, kind, oid))
    assign = ["assignment_time\tpickup_time\tcourier\torders"]
    moves = ["courier\tdeparture_time\torigin\tdestination"]
    shift = {c[0]: c[3] for c in inst.couriers}
    for cid, evs in sorted(by_courier.items()):
        evs.sort()
        bundle: list[str] = []
        prev_t, prev_place = shift.get(cid, 0), "0"
        for i, (t, kind, oid) in enumerate(evs):
            place = odata[oid][4] if kind == "pickup" else oid
            if place != prev_place:
                moves.append(f"{cid}\t{prev_t}\t{prev_place}\t{place}")
            prev_t, prev_place = minute(t), place
            if kind == "pickup":
                bundle.append(oid)
                nxt = evs[i + 1] if i + 1 < len(evs) else None
                if nxt is None or nxt[1] != "pickup" or odata[nxt[2]][4] != odata[oid][4]:
                    at = max(odata[b][3] for b in bundle)
                    assign.append(f"{at}\t{minute(t)}\t{cid}\t" + "\t".join(bundle))
                    bundle = []
    (root / "solution_info_assignments.txt").write_text("\n".join(assign) + "\n", encoding="utf-8")
    (root / "solution_info_couriers.txt").write_text("\n".join(moves) + "\n", encoding="utf-8")
    return root
