"""Readers for the bin-packing benchmark files used by load planning.

Two formats, as distributed by BPPLIB and VPSolver:

* one-dimensional (``.txt``, BPPLIB): the number of items, the bin capacity, then one item
  size per line;
* vector bin packing (``.vbp``, VPSolver): the number of dimensions ``d``, the ``d`` bin
  capacities, the number of item types ``m``, then ``m`` lines of ``d`` sizes and a demand.

``optima.csv`` (one row per instance: ``instance``, ``optimal_bins``, …) and
``Triplet_LB_OPT.tsv`` (``instance_name``, ``LB``, ``OPT``) list the proven optima.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InvalidInputError, NotFoundError


@dataclass(frozen=True, slots=True)
class BinPackingInstance:
    """A one-dimensional instance: item ``sizes`` and the bin ``capacity``."""

    name: str
    sizes: tuple[int, ...]
    capacity: int


@dataclass(frozen=True, slots=True)
class VectorInstance:
    """A vector bin-packing instance: ``capacities[d]`` and ``items[i][d]`` (demand expanded)."""

    name: str
    capacities: tuple[int, ...]
    items: tuple[tuple[int, ...], ...]


def _ints(path: Path) -> list[int]:
    if not path.exists():
        raise NotFoundError(f"instance file {str(path)!r} does not exist")
    if path.is_dir():
        raise InvalidInputError.at(str(path), "is a directory, not an instance file")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise InvalidInputError.at(str(path), "the file is empty")
    try:
        values = [int(tok) for tok in text.split()]
    except ValueError as e:
        raise InvalidInputError.at(str(path), f"not a list of integers ({e})") from e
    if not text.endswith(("\n", "\r")):
        raise InvalidInputError.at(
            str(path),
            "the last line is not terminated by a line break, so the file may be cut short "
            "inside its last number; add a final newline if the file is complete",
        )
    return values


def read_bpp(path: str | Path) -> BinPackingInstance:
    """Read a one-dimensional BPPLIB instance.

    Parameters
    ----------
    path
        File with ``n``, ``capacity`` and ``n`` item sizes, whitespace separated.

    Returns
    -------
    BinPackingInstance
        Named after the file stem.

    Raises
    ------
    InvalidInputError
        If the file is truncated or holds something other than integers.
    """
    p = Path(path)
    v = _ints(p)
    if len(v) < 2 or len(v) != 2 + v[0]:
        raise InvalidInputError.at(
            str(p),
            f"expected n, the capacity and n item sizes; n = {v[0]} declares {2 + v[0]} "
            f"numbers but the file holds {len(v)} (cut short or lines added?)",
        )
    if v[1] <= 0 or min(v[2:], default=1) <= 0:
        raise InvalidInputError.at(str(p), "the capacity and every item size must be > 0")
    return BinPackingInstance(p.stem, tuple(v[2 : 2 + v[0]]), v[1])


def read_vbp(path: str | Path) -> VectorInstance:
    """Read a VPSolver ``.vbp`` vector bin-packing instance, expanding demands into items.

    Parameters
    ----------
    path
        File with ``d``, ``d`` capacities, ``m``, then ``m`` rows of ``d`` sizes and a demand.

    Returns
    -------
    VectorInstance
        Named after the file stem; item ``i`` appears as many times as its demand.

    Raises
    ------
    InvalidInputError
        If the file is truncated or holds something other than integers.
    """
    p = Path(path)
    v = _ints(p)
    if not v:
        raise InvalidInputError.at(str(p), "empty file")
    d = v[0]
    caps = tuple(v[1 : 1 + d])
    if len(caps) != d or len(v) < 2 + d:
        raise InvalidInputError.at(str(p), "truncated header")
    m = v[1 + d]
    pos = 2 + d
    if len(v) != pos + m * (d + 1):
        raise InvalidInputError.at(
            str(p),
            f"{m} item types of {d} sizes and a demand declare {pos + m * (d + 1)} numbers "
            f"but the file holds {len(v)} (cut short or lines added?)",
        )
    if min(caps) <= 0:
        raise InvalidInputError.at(str(p), "bin capacities must be > 0")
    items: list[tuple[int, ...]] = []
    for _ in range(m):
        row = tuple(v[pos : pos + d])
        items.extend([row] * v[pos + d])
        pos += d + 1
    return VectorInstance(p.stem, caps, tuple(items))


def read_optima(path: str | Path) -> dict[str, int]:
    """Proven optimal bin counts by instance name.

    Reads either BPPLIB's ``optima.csv`` (columns ``instance``, ``optimal_bins``) or the
    vector set's ``Triplet_LB_OPT.tsv`` (``instance_name``, ``LB``, ``OPT``; rows with
    ``OPT = -1`` are skipped).

    Raises
    ------
    InvalidInputError
        If neither header is present.
    """
    p = Path(path)
    with p.open(newline="") as f:
        delim = "\t" if p.suffix == ".tsv" else ","
        rows = list(csv.DictReader(f, delimiter=delim))
    out: dict[str, int] = {}
    for r in rows:
        if "optimal_bins" in r and "instance" in r:
            out[r["instance"]] = int(r["optimal_bins"])
        elif "OPT" in r and "instance_name" in r:
            if int(r["OPT"]) >= 0:
                out[r["instance_name"]] = int(r["OPT"])
        else:
            raise InvalidInputError.at(str(p), "expected columns instance,optimal_bins or OPT")
    return out


__all__ = ["BinPackingInstance", "VectorInstance", "read_bpp", "read_optima", "read_vbp"]
