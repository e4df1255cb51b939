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
import re
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


def _text(path: Path) -> str:
    """The file's text, with a clear error for a missing path, a directory or an empty file."""
    if not path.exists():
        raise NotFoundError(f"instance file {str(path)!r} does not exist")
    if path.is_dir():
        raise InvalidInputError.at("file", f"{str(path)!r} is a directory, not an instance file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInputError.at(
            "file", f"{path.name}: not a text file (byte {e.start} is not UTF-8)"
        ) from None
    except OSError as e:
        raise InvalidInputError.at("file", f"{path.name}: cannot be read ({e.strerror})") from None
    if not text.strip():
        raise InvalidInputError.at("file", f"{path.name}: the file is empty")
    return text


def _lines(path: Path) -> list[str]:
    return [ln.strip() for ln in _text(path).splitlines()]


def _bad(path: Path, what: str) -> InvalidInputError:
    return InvalidInputError.at("file", f"{path.name}: {what}")


def _number(tok: str, path: Path, where: str, column: str) -> float:
    """A finite number, or an error naming the line and the column."""
    try:
        v = float(tok)
    except ValueError:
        raise _bad(path, f"{where}: {column} {tok!r} is not a number") from None
    if not math.isfinite(v):
        raise _bad(path, f"{where}: {column} is {tok}, not a finite number")
    return v


def _integer(tok: str, path: Path, where: str, column: str, minimum: int | None = 0) -> int:
    """An integer field: fractions, non-numbers and values below ``minimum`` are refused."""
    v = _number(tok, path, where, column)
    if v != int(v):
        raise _bad(path, f"{where}: {column} {tok} is not an integer")
    if minimum is not None and v < minimum:
        raise _bad(path, f"{where}: {column} {tok} is below {minimum}")
    return int(v)


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def _ends_with_newline(text: str, path: Path, what: str) -> None:
    if not text.endswith(("\n", "\r")):
        raise _bad(
            path,
            f"the last line ({what}) is not terminated by a line break, so the file may be cut "
            "short in the middle of a line; add a final newline if the file is complete",
        )


def _euclid(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.asarray(np.sqrt((diff**2).sum(axis=2)))


#: Solomon (100 customers) and Gehring–Homberger (``C1_2_1``: 200) instance names.
_SOLOMON_NAME: Final = re.compile(r"^(?:C|R|RC)[12]\d\d$", re.IGNORECASE)
_GH_NAME: Final = re.compile(r"^(?:C|R|RC)[12]_(\d+)_\d+$", re.IGNORECASE)
_SOLOMON_COLUMNS: Final = (
    "CUST NO.",
    "XCOORD.",
    "YCOORD.",
    "DEMAND",
    "READY TIME",
    "DUE DATE",
    "SERVICE TIME",
)


def _declared_customers(name: str) -> int | None:
    """Customer count a standard instance name declares (None for other names)."""
    if _SOLOMON_NAME.match(name):
        return 100
    m = _GH_NAME.match(name)
    return 100 * int(m.group(1)) if m else None


def read_solomon(path: str | Path) -> Instance:
    """Read a Solomon or Gehring–Homberger VRPTW file.

    The file is checked against what it declares: the ``VEHICLE`` block (number and
    capacity), the customer table header, exactly seven numbers on every customer line,
    customers numbered 0 (the depot), 1, 2, … without gaps or repeats, integer demands,
    and, for the standard names (``C101``: 100 customers, ``RC2_4_1``: 400), the number of
    customers the name declares. A file that does not end with a line break is refused:
    it may have been cut inside its last line.

    Raises
    ------
    NotFoundError
        If the file does not exist.
    InvalidInputError
        If the file is not a complete Solomon file (field ``file``; the message names
        the line and what was expected).
    """
    p = Path(path)
    text = _text(p)
    lines = [ln.strip() for ln in text.splitlines()]
    expected = (
        "a Solomon file: the instance name, a VEHICLE block (NUMBER CAPACITY and their "
        "values), then a CUSTOMER table"
    )
    name = next((ln for ln in lines if ln), "")
    vi = next((i for i, ln in enumerate(lines) if ln.upper().startswith("VEHICLE")), None)
    if vi is None:
        raise _bad(p, f"expected {expected}; found no line starting with VEHICLE")
    vals = next(
        ((i, ln.split()) for i, ln in enumerate(lines[vi + 1 :], vi + 2) if ln and ln[0].isdigit()),
        None,
    )
    if vals is None or len(vals[1]) != 2:
        raise _bad(p, "expected two numbers (vehicle NUMBER and CAPACITY) after the VEHICLE line")
    vline = f"line {vals[0]}"
    nveh = _integer(vals[1][0], p, vline, "vehicle NUMBER", minimum=1)
    cap = _integer(vals[1][1], p, vline, "CAPACITY", minimum=1)
    ci = next((i for i, ln in enumerate(lines) if ln.upper().startswith("CUST NO")), None)
    if ci is None:
        raise _bad(p, f"expected {expected}; found no customer table header (CUST NO. …)")
    rows: list[list[float]] = []
    last = ""
    for i, ln in enumerate(lines[ci + 1 :], ci + 2):
        if not ln:
            continue
        where = f"line {i}"
        toks = ln.split()
        if len(toks) != len(_SOLOMON_COLUMNS):
            raise _bad(
                p,
                f"{where}: expected 7 numbers ({', '.join(_SOLOMON_COLUMNS)}), found "
                f"{len(toks)} — is the file cut short or a line broken?",
            )
        no = _integer(toks[0], p, where, "CUST NO.")
        if no != len(rows):
            raise _bad(
                p,
                f"{where}: customer number {len(rows)} expected, found {no} "
                "(customers are numbered 0 (the depot), 1, 2, … without gaps or repeats)",
            )
        x = _number(toks[1], p, where, "XCOORD.")
        y = _number(toks[2], p, where, "YCOORD.")
        demand = _integer(toks[3], p, where, "DEMAND")
        ready = _number(toks[4], p, where, "READY TIME")
        due = _number(toks[5], p, where, "DUE DATE")
        service = _number(toks[6], p, where, "SERVICE TIME")
        if ready < 0 or service < 0:
            raise _bad(p, f"{where}: READY TIME and SERVICE TIME must be >= 0")
        rows.append([float(no), x, y, float(demand), ready, due, service])
        last = f"customer {no}"
    if len(rows) < 2:
        raise _bad(p, f"the customer table holds {len(rows)} rows; a depot and customers expected")
    declared = _declared_customers(name) or _declared_customers(p.stem)
    if declared is not None and len(rows) - 1 != declared:
        raise _bad(
            p,
            f"instance {name or p.stem} declares {declared} customers but the file holds "
            f"{len(rows) - 1} — is the file cut short?",
        )
    _ends_with_newline(text, p, last)
    data = np.array(rows, dtype=np.float64)
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


#: VRPLIB sections this reader understands; any other section is refused, not ignored.
_VRPLIB_SECTIONS: Final = (
    "NODE_COORD_SECTION",
    "DEMAND_SECTION",
    "DEPOT_SECTION",
    "EDGE_WEIGHT_SECTION",
)
#: Number of values of an ``EXPLICIT`` matrix of dimension n, per ``EDGE_WEIGHT_FORMAT``.
_EXPLICIT_COUNT: Final = {
    "FULL_MATRIX": lambda n: n * n,
    "LOWER_ROW": lambda n: n * (n - 1) // 2,
    "UPPER_ROW": lambda n: n * (n - 1) // 2,
    "LOWER_DIAG_ROW": lambda n: n * (n + 1) // 2,
    "UPPER_DIAG_ROW": lambda n: n * (n + 1) // 2,
}


def _explicit_matrix(values: list[float], n: int, fmt: str) -> npt.NDArray[np.float64]:
    mat = np.zeros((n, n), dtype=np.float64)
    if fmt == "FULL_MATRIX":
        return np.asarray(values, dtype=np.float64).reshape(n, n)
    it = iter(values)
    for i in range(n):
        if fmt == "LOWER_ROW":
            cols = range(i)
        elif fmt == "LOWER_DIAG_ROW":
            cols = range(i + 1)
        elif fmt == "UPPER_ROW":
            cols = range(i + 1, n)
        else:  # UPPER_DIAG_ROW
            cols = range(i, n)
        for j in cols:
            mat[i, j] = mat[j, i] = next(it)
    return mat


def read_vrplib(path: str | Path, num_vehicles: int | None = None) -> Instance:
    """Read a VRPLIB/CVRPLIB CVRP file (``EUC_2D``, e.g. the X set, or ``EXPLICIT``).

    The file is checked against what it declares: ``DIMENSION`` and ``CAPACITY`` present,
    exactly ``DIMENSION`` rows in ``NODE_COORD_SECTION`` and ``DEMAND_SECTION`` (nodes
    1…n, each once, finite coordinates, integer demands), the explicit matrix's value
    count for its ``EDGE_WEIGHT_FORMAT``, and a ``DEPOT_SECTION`` closed by ``-1``.
    Unknown sections are refused rather than ignored.

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
        Unsupported edge weight type or an incomplete or malformed file (field ``file``;
        the message names the section, node or line).
    """
    p = Path(path)
    lines = _lines(p)
    spec: dict[str, str] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for i, ln in enumerate(lines, 1):
        if not ln:
            continue
        head = ln.split()[0].rstrip(":").upper()
        if head == "EOF":
            break
        if head.endswith("_SECTION"):
            if head not in _VRPLIB_SECTIONS:
                raise _bad(p, f"line {i}: section {head} is not supported (CVRP files only)")
            if head in sections:
                raise _bad(p, f"line {i}: section {head} appears twice")
            current = head
            sections[head] = []
            continue
        if ":" in ln and not _is_number(ln.split()[0]):
            key, value = (t.strip() for t in ln.split(":", 1))
            spec[key.upper()] = value
            current = None
            continue
        if current is None:
            raise _bad(p, f"line {i}: expected 'KEY : VALUE' or a section name, found {ln!r}")
        sections[current].append((i, ln.split()))
    for key in ("DIMENSION", "CAPACITY"):
        if key not in spec:
            raise _bad(p, f"the header has no {key} (expected 'KEY : VALUE' lines of VRPLIB)")
    n = _integer(spec["DIMENSION"], p, "header", "DIMENSION", minimum=2)
    capacity = _integer(spec["CAPACITY"], p, "header", "CAPACITY", minimum=1)
    typ = spec.get("TYPE", "CVRP").upper()
    if typ != "CVRP":
        raise _bad(p, f"TYPE {typ} is not supported (CVRP only)")
    ewt = spec.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper()
    if ewt not in ("EUC_2D", "EXPLICIT"):
        raise _bad(p, f"EDGE_WEIGHT_TYPE {ewt} is not supported (EUC_2D or EXPLICIT)")

    def table(name: str, columns: tuple[str, ...]) -> list[list[str]]:
        rows = sections.get(name)
        if rows is None:
            raise _bad(p, f"{name} is missing — is the file cut short?")
        if len(rows) != n:
            raise _bad(
                p,
                f"{name} holds {len(rows)} rows but DIMENSION declares {n} — "
                "is the file cut short or a line duplicated?",
            )
        out: list[list[str]] = [[] for _ in range(n)]
        for i, toks in rows:
            if len(toks) != len(columns):
                raise _bad(
                    p, f"line {i} ({name}): expected {len(columns)} values ({', '.join(columns)})"
                )
            node = _integer(toks[0], p, f"line {i} ({name})", "node", minimum=1)
            if node > n or out[node - 1]:
                raise _bad(p, f"line {i} ({name}): node {node} is out of 1..{n} or repeated")
            out[node - 1] = toks
        return out

    demand_rows = table("DEMAND_SECTION", ("node", "demand"))
    demand = [
        _integer(r[1], p, f"DEMAND_SECTION node {k + 1}", "demand")
        for k, r in enumerate(demand_rows)
    ]
    depot_rows = sections.get("DEPOT_SECTION")
    if depot_rows is None:
        raise _bad(p, "DEPOT_SECTION is missing — is the file cut short?")
    depot_ids = [tok for _, toks in depot_rows for tok in toks]
    if "-1" not in depot_ids:
        raise _bad(p, "DEPOT_SECTION is not closed by -1 — is the file cut short?")
    depot_ids = depot_ids[: depot_ids.index("-1")]
    if len(depot_ids) != 1:
        raise _bad(p, f"exactly one depot is supported, DEPOT_SECTION lists {len(depot_ids)}")
    dep = _integer(depot_ids[0], p, "DEPOT_SECTION", "depot", minimum=1) - 1
    if dep >= n:
        raise _bad(p, f"DEPOT_SECTION: depot {dep + 1} is not a node of 1..{n}")
    coords = sections.get("NODE_COORD_SECTION")
    if ewt == "EUC_2D" or coords is not None:
        coord_rows = table("NODE_COORD_SECTION", ("node", "x", "y"))
        xy = np.array(
            [
                [
                    _number(r[1], p, f"NODE_COORD_SECTION node {k + 1}", "x"),
                    _number(r[2], p, f"NODE_COORD_SECTION node {k + 1}", "y"),
                ]
                for k, r in enumerate(coord_rows)
            ],
            dtype=np.float64,
        )
    else:
        xy = np.zeros((n, 2))
    mat: npt.NDArray[np.int64] | None = None
    if ewt == "EUC_2D":
        pass  # floor(d + 0.5) from the coordinates: a matrix, or matrix-free when large
    else:
        fmt = spec.get("EDGE_WEIGHT_FORMAT", "").upper()
        if fmt not in _EXPLICIT_COUNT:
            raise _bad(p, f"EDGE_WEIGHT_FORMAT {fmt or '(none)'} is not supported")
        weights = sections.get("EDGE_WEIGHT_SECTION")
        if weights is None:
            raise _bad(p, "EDGE_WEIGHT_SECTION is missing — is the file cut short?")
        values = [
            _number(tok, p, f"line {i} (EDGE_WEIGHT_SECTION)", "weight")
            for i, toks in weights
            for tok in toks
        ]
        want = _EXPLICIT_COUNT[fmt](n)
        if len(values) != want:
            raise _bad(
                p,
                f"EDGE_WEIGHT_SECTION holds {len(values)} values; {fmt} of DIMENSION {n} "
                f"needs {want} — is the file cut short?",
            )
        if min(values, default=0) < 0:
            raise _bad(p, "EDGE_WEIGHT_SECTION: weights must be >= 0")
        mat = np.rint(_explicit_matrix(values, n, fmt)).astype(np.int64)
    m = Model(dimensions=("demand",))
    sites = []
    for i in range(n):
        add = m.add_depot if i == dep else m.add_site
        sites.append(add(x=xy[i, 0], y=xy[i, 1], name=str(i + 1)))
    if num_vehicles is None and "VEHICLES" in spec:
        num_vehicles = _integer(spec["VEHICLES"], p, "header", "VEHICLES", minimum=1)
    nveh = num_vehicles or (n - 1)
    m.add_vehicle_type(nveh, capacity=capacity, start=sites[dep], name="vehicle")
    nums = []
    for i in range(n):
        if i != dep:
            m.add_job(sites[i], delivery=demand[i], name=str(i + 1))
            nums.append(i + 1)
    if mat is None:
        m.use_euclidean(half_up=True)
    else:
        m.set_matrix(mat)
    meta = {"format": "vrplib", "cost_scale": 1, "explicit": ewt == "EXPLICIT"}
    prob = m.data(name=p.stem, meta=meta)
    return Instance(p.stem, "vrplib", prob, tuple(nums), xy)


def read_lilim(path: str | Path) -> Instance:
    """Read a Li & Lim PDPTW file (tab-separated; task 0 is the depot).

    Checked: the first line holds the vehicle count, capacity and speed; every task line
    holds exactly nine numbers; tasks are numbered 0 (the depot), 1, 2, … without gaps
    or repeats; demands are integers; every pickup names its delivery and the delivery
    names it back (a file cut short leaves a task without its sibling); the file ends
    with a line break.

    Raises
    ------
    NotFoundError
        If the file does not exist.
    InvalidInputError
        Malformed or incomplete file or inconsistent pickup/delivery siblings (field
        ``file``; the message names the line or task).
    """
    p = Path(path)
    text = _text(p)
    numbered = [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), 1) if ln.strip()]
    head = numbered[0][1].split()
    if len(head) != 3:
        raise _bad(
            p,
            "line 1: expected 3 numbers (vehicles, capacity, speed) as in Li & Lim files, "
            f"found {len(head)}",
        )
    k = _integer(head[0], p, "line 1", "vehicles", minimum=1)
    cap = _integer(head[1], p, "line 1", "capacity", minimum=1)
    speed = _number(head[2], p, "line 1", "speed") or 1.0
    if speed < 0:
        raise _bad(p, "line 1: speed must be > 0")
    columns = ("task", "x", "y", "demand", "earliest", "latest", "service", "pickup", "delivery")
    rows: list[list[float]] = []
    for i, ln in numbered[1:]:
        where = f"line {i}"
        toks = ln.split()
        if len(toks) != 9:
            raise _bad(
                p,
                f"{where}: expected 9 numbers ({', '.join(columns)}), found {len(toks)} — "
                "is the file cut short or a line broken?",
            )
        task = _integer(toks[0], p, where, "task")
        if task != len(rows):
            raise _bad(
                p,
                f"{where}: task {len(rows)} expected, found {task} (tasks are numbered 0 "
                "(the depot), 1, 2, … without gaps or repeats)",
            )
        row = [float(task)]
        for c, tok in zip(columns[1:], toks[1:], strict=True):
            if c in ("demand", "pickup", "delivery"):
                row.append(float(_integer(tok, p, where, c, minimum=None)))
            else:
                row.append(_number(tok, p, where, c))
        rows.append(row)
    if len(rows) < 3:
        raise _bad(p, f"{len(rows)} task lines; the depot and at least one pair expected")
    _ends_with_newline(text, p, f"task {len(rows) - 1}")
    data = np.array(rows, dtype=np.float64)
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
        k,
        capacity=cap,
        start=sites[0],
        shift=(int(1000 * data[0, 4]), int(1000 * data[0, 5])),
        fixed_cost=LILIM_VEHICLE_COST,
        name="vehicle",
    )
    n = len(data)
    nums: list[int] = []
    for i, r in enumerate(data[1:], start=1):
        pick, deliv = int(r[7]), int(r[8])
        if (pick == 0) == (deliv == 0):
            raise _bad(
                p,
                f"task {i}: exactly one of pickup and delivery sibling must be set "
                "(a pickup names its delivery, a delivery its pickup)",
            )
        sib = deliv or pick
        if not 0 < sib < n:
            raise _bad(p, f"task {i}: sibling task {sib} is not in the file — is it cut short?")
        back = int(data[sib, 7]) if deliv else int(data[sib, 8])
        if back != i:
            raise _bad(p, f"task {i}: its sibling task {sib} does not name it back")
        if deliv == 0:
            continue  # a delivery: added with its pickup
        rq = data[deliv]
        if r[3] <= 0 or rq[3] != -r[3]:
            raise _bad(
                p, f"task {i}: pickup demand must be > 0 and its delivery's the negative of it"
            )
        m.add_shipment(
            sites[i],
            sites[deliv],
            amount=int(r[3]),
            pickup_service=round(1000 * r[6]),
            delivery_service=round(1000 * rq[6]),
            pickup_windows=[(round(1000 * r[4]), round(1000 * r[5]))],
            delivery_windows=[(round(1000 * rq[4]), round(1000 * rq[5]))],
            name=str(int(r[0])),
        )
        nums += [int(r[0]), int(rq[0])]
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
        if p.suffix.lower() == ".vrp":
            fmt = "vrplib"
        else:
            text = _text(p)
            first = next((ln for ln in text.splitlines() if ln.strip()), "")
            fmt = "lilim" if len(first.split()) == 3 and "\t" in text[:200] else "solomon"
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
