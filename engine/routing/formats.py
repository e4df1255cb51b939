"""Standard routing benchmark formats, both ways.

Readers build a :class:`~engine.routing.model.Problem` under each set's own distance
convention (``bench/data/benchmarks/README.md``), applied when building the matrices:

========= =========================== ==================================================
format    files                       convention (integer matrix; cost in file units)
========= =========================== ==================================================
solomon   Solomon / Gehring–Homberger Euclidean truncated to 0.1 (``floor(10 d)``; times
                                      and service ×10; travel time = distance);
                                      cost = distance / 10; vehicles free (≤ fleet)
vrplib    VRPLIB / CVRPLIB (X set)    ``EUC_2D``: Euclidean rounded to an integer;
                                      ``EXPLICIT`` matrices as given (rounded)
lilim     Li & Lim PDPTW              double precision: distance ``round(1000 d)``,
                                      travel time ``ceil(1000 d)``, times ×1000; fewest
                                      vehicles first (a fixed cost per vehicle above any
                                      distance), then distance
========= =========================== ==================================================

Writers produce Yunli's solution JSON (``{"cost", "vehicles", "routes"}`` with customer
numbers as the file numbers them, depot excluded) and the CVRPLIB ``.sol`` convention.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from engine.errors import InvalidInputError, NotFoundError
from engine.routing.model import Model, Problem

FORMATS: Final = ("solomon", "vrplib", "lilim")

#: Fixed cost per vehicle for Li & Lim (distance ×1000): above any total distance, so
#: the objective minimizes the vehicle count first.
LILIM_VEHICLE_COST: Final = 100_000_000


@dataclass(frozen=True)
class Instance:
    """A benchmark instance: the problem plus what is needed to speak the file's language.

    Attributes
    ----------
    name
        Instance name (file stem).
    format
        One of :data:`FORMATS`.
    problem
        The solver-neutral problem.
    numbers
        File number of each job (``numbers[j]`` for job index ``j``).
    coords
        ``(L, 2)`` float coordinates of the problem's locations (for exact costs and plots).
    """

    name: str
    format: str
    problem: Problem
    numbers: tuple[int, ...]
    coords: npt.NDArray[np.float64]

    def cost(self, routes: Sequence[Sequence[int]]) -> float:
        """Cost of routes (job indices, depot excluded) under the set's convention.

        Solomon: sum of ``floor(10 d) / 10``; VRPLIB: sum of rounded distances; Li & Lim:
        sum of double-precision distances.
        """
        total = 0.0
        units = 0  # exact integer sum for the truncated/rounded conventions
        p = self.problem
        loc = [j.site.index for j in p.jobs]
        vt = p.vehicle_types[0]
        for r in routes:
            if not r:
                continue
            path = [vt.start.index, *(loc[j] for j in r), vt.end.index]
            if self.format == "vrplib" and self.problem.meta.get("explicit"):
                units += int(p.distance[path[:-1], path[1:]].sum())
                continue
            a = self.coords[path[:-1]]
            b = self.coords[path[1:]]
            d = np.sqrt(((a - b) ** 2).sum(axis=1))
            if self.format == "solomon":
                units += int(np.floor(10 * d + 1e-9).sum())
            elif self.format == "vrplib":
                units += int(np.floor(d + 0.5).sum())
            else:
                total += float(d.sum())
        return units / 10 if self.format == "solomon" else float(units) + total

    def route_numbers(self, routes: Sequence[Sequence[int]]) -> list[list[int]]:
        """Routes as file numbers (depot excluded)."""
        return [[self.numbers[j] for j in r] for r in routes if r]


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise NotFoundError(f"instance file {str(path)!r} does not exist") from None
    return [ln.strip() for ln in text.splitlines()]


def _euclid(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.asarray(np.sqrt((diff**2).sum(axis=2)))


def read_solomon(path: str | Path) -> Instance:
    """Read a Solomon or Gehring–Homberger VRPTW file.

    Raises
    ------
    NotFoundError
        If the file does not exist.
    InvalidInputError
        If the file is not in the Solomon format (field ``file``).
    """
    p = Path(path)
    lines = _lines(p)
    try:
        vi = next(i for i, ln in enumerate(lines) if ln.upper().startswith("VEHICLE"))
        nveh, cap = (int(v) for v in lines[vi + 2].split()[:2])
        ci = next(i for i, ln in enumerate(lines) if ln.upper().startswith("CUST NO"))
        rows = [ln.split() for ln in lines[ci + 1 :] if ln]
        data = np.array([[float(v) for v in r[:7]] for r in rows if len(r) >= 7])
    except (StopIteration, ValueError, IndexError) as e:
        raise InvalidInputError.at("file", f"{p.name}: not a Solomon file ({e})") from None
    xy = data[:, 1:3]
    sq = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    mat = np.floor(np.sqrt(100.0 * sq) + 1e-9).astype(np.int64)
    m = Model(dimensions=("demand",))
    depot = m.add_depot(x=xy[0, 0], y=xy[0, 1], name=str(int(data[0, 0])))
    sites = [m.add_site(x=r[1], y=r[2], name=str(int(r[0]))) for r in data[1:]]
    m.add_vehicle_type(
        nveh,
        capacity=cap,
        start=depot,
        shift=(int(10 * data[0, 4]), int(10 * data[0, 5])),
        name="vehicle",
    )
    for s, r in zip(sites, data[1:], strict=True):
        m.add_job(
            s,
            delivery=int(r[3]),
            service=round(10 * r[6]),
            time_windows=[(round(10 * r[4]), round(10 * r[5]))],
            name=s.name,
        )
    m.set_matrix(mat)
    prob = m.data(name=p.stem, meta={"format": "solomon", "cost_scale": 10})
    nums = tuple(int(r[0]) for r in data[1:])
    return Instance(p.stem, "solomon", prob, nums, xy.astype(np.float64))


def read_vrplib(path: str | Path, num_vehicles: int | None = None) -> Instance:
    """Read a VRPLIB/CVRPLIB CVRP file (``EUC_2D``, e.g. the X set).

    Parameters
    ----------
    path
        The ``.vrp`` file.
    num_vehicles
        Fleet size; default the file's ``VEHICLES`` field, else the number of customers
        (the X set's fleet is unlimited).

    Raises
    ------
    NotFoundError
        If the file does not exist.
    InvalidInputError
        Unsupported edge weight type or malformed file (field ``file``).
    """
    import vrplib

    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"instance file {str(p)!r} does not exist")
    try:
        inst: dict[str, Any] = vrplib.read_instance(str(p), compute_edge_weights=False)
    except Exception as e:  # vrplib raises assorted errors on malformed files
        raise InvalidInputError.at("file", f"{p.name}: not a VRPLIB file ({e})") from None
    ewt = str(inst.get("edge_weight_type", "EUC_2D"))
    demand = np.asarray(inst["demand"], dtype=np.int64)
    n = len(demand)
    if ewt == "EUC_2D" and "node_coord" in inst:
        xy = np.asarray(inst["node_coord"], dtype=np.float64)
        mat = np.floor(_euclid(xy) + 0.5).astype(np.int64)
    elif ewt == "EXPLICIT":
        full = vrplib.read_instance(str(p), compute_edge_weights=True)
        mat = np.rint(np.asarray(full["edge_weight"], dtype=np.float64)).astype(np.int64)
        xy = np.asarray(inst.get("node_coord", np.zeros((n, 2))), dtype=np.float64)
    else:
        raise InvalidInputError.at("file", f"{p.name}: EDGE_WEIGHT_TYPE {ewt} is not supported")
    depots = np.asarray(inst.get("depot", [0])).ravel()
    if len(depots) != 1:
        raise InvalidInputError.at("file", f"{p.name}: exactly one depot is supported")
    dep = int(depots[0])
    m = Model(dimensions=("demand",))
    sites = []
    for i in range(n):
        add = m.add_depot if i == dep else m.add_site
        sites.append(add(x=xy[i, 0], y=xy[i, 1], name=str(i + 1)))
    nveh = num_vehicles or int(inst.get("vehicles", 0) or 0) or (n - 1)
    m.add_vehicle_type(nveh, capacity=int(inst["capacity"]), start=sites[dep], name="vehicle")
    nums = []
    for i in range(n):
        if i != dep:
            m.add_job(sites[i], delivery=int(demand[i]), name=str(i + 1))
            nums.append(i + 1)
    m.set_matrix(mat)
    meta = {"format": "vrplib", "cost_scale": 1, "explicit": ewt == "EXPLICIT"}
    prob = m.data(name=p.stem, meta=meta)
    return Instance(p.stem, "vrplib", prob, tuple(nums), xy)


def read_lilim(path: str | Path) -> Instance:
    """Read a Li & Lim PDPTW file (tab-separated; task 0 is the depot).

    Raises
    ------
    NotFoundError
        If the file does not exist.
    InvalidInputError
        Malformed file or inconsistent pickup/delivery siblings (field ``file``).
    """
    p = Path(path)
    lines = [ln for ln in _lines(p) if ln]
    try:
        k, cap, speed = (float(v) for v in lines[0].split()[:3])
        data = np.array([[float(v) for v in ln.split()[:9]] for ln in lines[1:]])
    except (ValueError, IndexError) as e:
        raise InvalidInputError.at("file", f"{p.name}: not a Li & Lim file ({e})") from None
    if data.ndim != 2 or data.shape[1] != 9 or int(data[0, 0]) != 0:
        raise InvalidInputError.at("file", f"{p.name}: expected 9 columns and depot 0 first")
    speed = speed or 1.0
    xy = data[:, 1:3]
    d = _euclid(xy)
    dist = np.rint(1000 * d).astype(np.int64)
    travel = np.ceil(1000 * d / speed - 1e-9).astype(np.int64)
    m = Model(dimensions=("demand",))
    sites = [
        (m.add_depot if i == 0 else m.add_site)(x=r[1], y=r[2], name=str(int(r[0])))
        for i, r in enumerate(data)
    ]
    m.add_vehicle_type(
        int(k),
        capacity=int(cap),
        start=sites[0],
        shift=(int(1000 * data[0, 4]), int(1000 * data[0, 5])),
        fixed_cost=LILIM_VEHICLE_COST,
        name="vehicle",
    )
    ids = {int(r[0]): i for i, r in enumerate(data)}
    nums: list[int] = []
    for i, r in enumerate(data[1:], start=1):
        if int(r[8]) == 0:
            continue  # a delivery: added with its pickup
        q = ids.get(int(r[8]))
        if q is None or int(data[q, 7]) != int(r[0]) or r[3] <= 0:
            raise InvalidInputError.at("file", f"{p.name}: bad sibling of task {int(r[0])}")
        rq = data[q]
        m.add_shipment(
            sites[i],
            sites[q],
            amount=int(r[3]),
            pickup_service=round(1000 * r[6]),
            delivery_service=round(1000 * rq[6]),
            pickup_windows=[(round(1000 * r[4]), round(1000 * r[5]))],
            delivery_windows=[(round(1000 * rq[4]), round(1000 * rq[5]))],
            name=str(int(r[0])),
        )
        nums += [int(r[0]), int(rq[0])]
    if 2 * sum(1 for r in data[1:] if int(r[8]) != 0) != len(data) - 1:
        raise InvalidInputError.at("file", f"{p.name}: tasks are not all in pickup–delivery pairs")
    m.set_matrix(dist, travel)
    prob = m.data(name=p.stem, meta={"format": "lilim", "cost_scale": 1000})
    return Instance(p.stem, "lilim", prob, tuple(nums), xy)


def read(path: str | Path, fmt: str | None = None) -> Instance:
    """Read an instance in ``fmt`` (one of :data:`FORMATS`; guessed from the file if None).

    Raises
    ------
    InvalidInputError
        Unknown format (field ``format``) or a malformed file.
    NotFoundError
        If the file does not exist.
    """
    p = Path(path)
    if fmt is None:
        if p.suffix == ".vrp":
            fmt = "vrplib"
        else:
            first = next((ln for ln in _lines(p) if ln), "")
            fmt = "lilim" if len(first.split()) == 3 and "\t" in p.read_text()[:200] else "solomon"
    if fmt == "solomon":
        return read_solomon(p)
    if fmt == "vrplib":
        return read_vrplib(p)
    if fmt == "lilim":
        return read_lilim(p)
    raise InvalidInputError.at("format", f"unknown format {fmt!r}; use one of {FORMATS}")


def solution_dict(inst: Instance, routes: Sequence[Sequence[int]]) -> dict[str, Any]:
    """``{"cost", "vehicles", "routes"}`` with file numbers, cost under the set's convention."""
    rs = inst.route_numbers(routes)
    return {"cost": inst.cost(routes), "vehicles": len(rs), "routes": rs}


def write_json(path: str | Path, inst: Instance, routes: Sequence[Sequence[int]]) -> None:
    """Write the solution JSON of :func:`solution_dict`."""
    Path(path).write_text(json.dumps(solution_dict(inst, routes)) + "\n")


def write_sol(path: str | Path, inst: Instance, routes: Sequence[Sequence[int]]) -> None:
    """Write a CVRPLIB ``.sol`` file (``Route #i: ...`` lines then ``Cost c``).

    Customers are numbered as in CVRPLIB solutions: VRPLIB node ids minus one (the depot
    is 0), Solomon customer numbers and Li & Lim task ids as they are.
    """
    shift = 1 if inst.format == "vrplib" else 0
    out = []
    for i, r in enumerate(inst.route_numbers(routes), start=1):
        out.append(f"Route #{i}: " + " ".join(str(n - shift) for n in r))
    c = inst.cost(routes)
    out.append(f"Cost {int(c) if inst.format == 'vrplib' else round(c, 4):g}")
    Path(path).write_text("\n".join(out) + "\n")


def read_sol(path: str | Path, inst: Instance) -> list[list[int]]:
    """Read a CVRPLIB ``.sol`` file into routes of job indices for ``inst``.

    Raises
    ------
    InvalidInputError
        A customer number the instance does not have (field ``routes``).
    """
    shift = 1 if inst.format == "vrplib" else 0
    index = {n: j for j, n in enumerate(inst.numbers)}
    routes = []
    for ln in _lines(Path(path)):
        if ln.lower().startswith("route"):
            nums = [int(v) + shift for v in ln.split(":", 1)[1].split()]
            try:
                routes.append([index[n] for n in nums])
            except KeyError as e:
                raise InvalidInputError.at("routes", f"unknown customer {e.args[0]}") from None
    return routes


def load_bks(folder: str | Path) -> dict[str, tuple[float, int]]:
    """``bks.csv`` of a benchmark folder: instance -> (best-known cost, vehicles)."""
    out: dict[str, tuple[float, int]] = {}
    for ln in _lines(Path(folder) / "bks.csv")[1:]:
        if ln:
            name, cost, veh = ln.split(",")[:3]
            out[name] = (float(cost), int(float(veh)))
    return out


def gap(cost: float, bks: float) -> float:
    """Relative gap ``cost / bks - 1`` (``inf`` for a non-positive BKS)."""
    return cost / bks - 1 if bks > 0 else math.inf
