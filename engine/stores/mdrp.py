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
the published evaluator's three files (:func:`write_solution_files`, space-separated as the
evaluator ``compute_performance_summary.py`` of grubhub/mdrplib reads them):
``solution_info_assignments.txt`` (``assignment_time pickup_time courier order1 [order2
…]``), ``solution_info_orders.txt`` (``order placement_time ready_time pickup_time
dropoff_time courier``) and ``solution_info_couriers.txt`` (``courier departure_time origin
destination``, origin ``0`` for the courier's start).

The rules themselves (minutes rounded up, service split around the pickup and drop-off
moments, one restaurant per bundle, off times, pay) are applied exactly by
:mod:`engine.stores.mdrp_sim`, which runs the Yunli dispatcher and the baselines on an
instance, and :mod:`engine.stores.mdrp_check`, which verifies solution files
independently and computes the instance's figures (:class:`MdrpMetrics`) from them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import InvalidInputError, NotFoundError
from engine.outputs import atomic_write_text

#: Header rows of the four instance files.
HEADERS = {
    "couriers.txt": ("courier", "x", "y", "on_time", "off_time"),
    "orders.txt": ("order", "x", "y", "placement_time", "restaurant", "ready_time"),
    "restaurants.txt": ("restaurant", "x", "y"),
}
#: The parameter names (the published files' header names are :data:`PARAMETER_HEADER`).
PARAMETERS = (
    "meters_per_minute",
    "pickup_service_minutes",
    "dropoff_service_minutes",
    "target_click_to_door",
    "maximum_click_to_door",
    "pay_per_order",
    "guaranteed_pay_per_hour",
)
#: Header row of ``instance_parameters.txt`` as in the published instances (the names the
#: published evaluator looks up).
PARAMETER_HEADER = (
    "meters_per_minute",
    "pickup service minutes",
    "dropoff service minutes",
    "target click-to-door",
    "maximum click-to-door",
    "pay per order",
    "guaranteed pay per hour",
)
#: Header rows of the three solution files.
SOLUTION_HEADERS = {
    "solution_info_assignments.txt": ("assignment_time", "pickup_time", "courier", "orders"),
    "solution_info_orders.txt": (
        "order",
        "placement_time",
        "ready_time",
        "pickup_time",
        "dropoff_time",
        "courier",
    ),
    "solution_info_couriers.txt": ("courier", "departure_time", "origin", "destination"),
}


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
        "\t".join(PARAMETER_HEADER) + "\n" + "\t".join(_fmt(v) for v in inst.parameters) + "\n",
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


def write_solution_files(
    folder: str | Path,
    assignments: Sequence[tuple[object, ...]],
    orders: Sequence[tuple[object, ...]],
    moves: Sequence[tuple[object, ...]],
) -> Path:
    """Write the published evaluator's three solution files into ``folder`` (created),
    a header row each, fields separated by one space (the evaluator reads the orders file
    with ``sep=' '``): ``assignments`` rows ``(assignment_time, pickup_time, courier,
    order1, …)``, ``orders`` rows ``(order, placement_time, ready_time, pickup_time,
    dropoff_time, courier)``, ``moves`` rows ``(courier, departure_time, origin,
    destination)`` grouped by courier in time order, origin ``"0"`` for the start. Each
    file is written whole or not at all."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("solution_info_assignments.txt", assignments),
        ("solution_info_orders.txt", orders),
        ("solution_info_couriers.txt", moves),
    ):
        text = " ".join(SOLUTION_HEADERS[name]) + "\n"
        text += "".join(" ".join(str(c) for c in r) + "\n" for r in rows)
        atomic_write_text(root / name, text)
    return root


@dataclass(frozen=True)
class MdrpMetrics:
    """The issue's figures for one solution, in the instance's own terms (minutes and its
    money unit): orders delivered, click-to-door mean and p90, ready-to-pickup mean,
    orders per courier-hour (over all shift hours), courier pay per delivered order (each
    courier earns the larger of pay per order × orders and guaranteed pay × shift hours),
    the share of all orders delivered within the target click-to-door; ``wall_s`` and
    ``cpu_s`` of the run that produced it (0 when unknown)."""

    policy: str
    orders: int
    delivered: int
    ctd_mean: float
    ctd_p90: float
    ready_to_pickup_mean: float
    orders_per_courier_hour: float
    pay_per_order: float
    within_target: float
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def row(self) -> dict[str, object]:
        """The figures as one flat row (rounded)."""
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}
