"""One-dimensional bin packing: :func:`pack_bins` and its result :class:`BinPacking`."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import InvalidInputError
from engine.routing.loadplan.bounds import l2_bound
from engine.routing.loadplan.colgen import ItemTypes, Master, dive
from engine.routing.loadplan.exact import arcflow, enumerate_patterns, set_partition
from engine.routing.loadplan.heuristics import best_fit_decreasing, first_fit_decreasing
from engine.routing.loadplan.tuning import (
    ARCFLOW_FIRST_CELLS,
    ARCFLOW_MIN_S,
    CG_SHARE,
    DIVE_SHARE,
    MARGIN_S,
    MAX_PATTERNS,
    QUICK_PATTERNS,
    QUICK_SHARE,
)


@dataclass(frozen=True, slots=True)
class BinPacking:
    """Result of :func:`pack_bins`.

    Attributes
    ----------
    bins
        Item indices (into the input ``sizes``) per bin.
    lower_bound
        Proven lower bound on the number of bins (L2 or the rounded-up LP bound).
    proven_optimal
        ``len(bins) == lower_bound``.
    ffd_bins
        Bins used by first-fit decreasing, the baseline.
    method
        What produced ``bins``: ``"ffd"``, ``"bfd"``, ``"lp-dive"``, ``"patterns+scip"``
        or ``"arcflow+cpsat"``.
    wall_time_s
        Wall-clock seconds spent.
    """

    bins: list[list[int]]
    lower_bound: int
    proven_optimal: bool
    ffd_bins: int
    method: str
    wall_time_s: float

    @property
    def num_bins(self) -> int:
        """Number of bins used."""
        return len(self.bins)


def _check_sizes(sizes: Sequence[int], capacity: int) -> list[int]:
    if capacity <= 0:
        raise InvalidInputError.at("capacity", f"must be positive, got {capacity}")
    out: list[int] = []
    for i, w in enumerate(sizes):
        if isinstance(w, float) and math.isnan(w):
            raise InvalidInputError.at("sizes", "is NaN", i)
        if int(w) != w:
            raise InvalidInputError.at("sizes", f"must be an integer, got {w}", i)
        if w < 0:
            raise InvalidInputError.at("sizes", f"must be non-negative, got {w}", i)
        if w > capacity:
            raise InvalidInputError.at("sizes", f"{w} exceeds the capacity {capacity}", i)
        out.append(int(w))
    return out


def pack_bins(
    sizes: Sequence[int],
    capacity: int,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 2,
) -> BinPacking:
    """Pack items into the fewest bins of one capacity (one-dimensional bin packing).

    Parameters
    ----------
    sizes
        Non-negative integer item sizes, each at most ``capacity``.
    capacity
        Positive integer bin capacity.
    time_limit
        Wall-clock seconds for the whole call; the best packing found is returned then.
    seed
        Seed of the CP-SAT search.
    workers
        CP-SAT worker threads (SCIP and GLOP run on one thread).

    Returns
    -------
    BinPacking
        Never uses more bins than first-fit decreasing; ``proven_optimal`` when the bins
        used meet the lower bound.

    Raises
    ------
    InvalidInputError
        If the capacity is not positive, or a size is negative, NaN, fractional or larger
        than the capacity (the row id is the item index).
    """
    t0 = time.monotonic()
    deadline = t0 + time_limit - min(MARGIN_S, 0.05 * time_limit)
    sizes = _check_sizes(sizes, capacity)
    active = [i for i, w in enumerate(sizes) if w > 0]
    zeros = [i for i, w in enumerate(sizes) if w == 0]

    def done(bins: list[list[int]], lb: int, method: str, ffd: int) -> BinPacking:
        if zeros:
            bins = [list(b) for b in bins] or [[]]
            bins[0].extend(zeros)
        return BinPacking(bins, lb, len(bins) <= lb, ffd, method, time.monotonic() - t0)

    if not active:
        return done([], 0, "ffd", 1 if zeros else 0)
    sub = [sizes[i] for i in active]
    ffd = [[active[i] for i in b] for b in first_fit_decreasing(sub, capacity)]
    bfd = [[active[i] for i in b] for b in best_fit_decreasing(sub, capacity)]
    best, method = (bfd, "bfd") if len(bfd) < len(ffd) else (ffd, "ffd")
    lower = l2_bound(sub, capacity)
    if len(best) <= lower:
        return done(best, lower, method, len(ffd))
    types = ItemTypes.of(sizes, active)
    hint = [types.pattern_of(b, sizes) for b in best]
    init = hint + [types.pattern_of(b, sizes) for b in ffd]
    total = sum(sub)
    if types.sparse(capacity):
        # Before any LP: the patterns wasting at most what ``lower`` bins allow. With
        # little waste (triplets fill their bins exactly) they are few and SCIP settles
        # them at once; with much waste the enumeration stops at its limit and costs little.
        size_duals = np.asarray(types.sizes, dtype=np.float64) / capacity
        cut = [(size_duals, lower - total / capacity)]
        until = time.monotonic() + QUICK_SHARE * CG_SHARE * (deadline - time.monotonic())
        waste = lower * capacity - total
        few = enumerate_patterns(types, capacity, cut, capacity - waste, QUICK_PATTERNS, until)
        if few is not None:
            status, chosen = set_partition(types, few, lower, until)
            if status == "feasible":
                return done(types.to_bins(chosen), lower, "patterns+scip", len(ffd))
    master = Master(types, capacity, init)
    cg = master.run(t0 + CG_SHARE * time_limit, target=len(best))
    lower = max(lower, math.ceil(cg.bound - 1e-6))
    if len(best) <= lower:
        return done(best, lower, method, len(ffd))
    small_graph = capacity * len(types.sizes) <= ARCFLOW_FIRST_CELLS

    def partition(limit: int, share: float) -> BinPacking | None:
        """Exact search on the reduced-cost patterns (at most ``limit`` of them) with SCIP
        for ``share`` of the time left; raises the lower bound when a target is infeasible.
        None when there are too many patterns or SCIP ran out of its share."""
        nonlocal lower
        while lower < len(best) and time.monotonic() < deadline - 0.05:
            waste = lower * capacity - total
            cut = [(cg.duals, lower - cg.bound)]
            until = time.monotonic() + share * (deadline - time.monotonic())
            patterns = enumerate_patterns(types, capacity, cut, capacity - waste, limit, until)
            if patterns is None:
                return None
            until = time.monotonic() + share * (deadline - time.monotonic())
            status, chosen = set_partition(types, patterns, lower, until)
            if status == "feasible":
                return done(types.to_bins(chosen), lower, "patterns+scip", len(ffd))
            if status != "infeasible":
                return None
            lower += 1
        return done(best, lower, method, len(ffd)) if lower >= len(best) else None

    if not small_graph and (cg.converged or types.sparse(capacity)):
        # A small reduced-cost pattern set first: SCIP settles it quickly either way.
        quick = partition(QUICK_PATTERNS, QUICK_SHARE)
        if quick is not None:
            return quick
        # LP diving, first greedy then randomised, aiming straight at the lower bound.
        rng = np.random.default_rng(seed)
        dive_end = time.monotonic() + DIVE_SHARE * (deadline - time.monotonic())
        tries = 0
        while time.monotonic() < dive_end:
            dived = dive(master, capacity, lower, dive_end, rng if tries else None)
            tries += 1
            if dived is not None and len(dived) <= lower:
                return done(types.to_bins(dived), lower, "lp-dive", len(ffd))
        full = partition(MAX_PATTERNS, 1.0)
        if full is not None:
            return full
    if (
        len(best) <= lower
        or time.monotonic() >= deadline - ARCFLOW_MIN_S
        or types.sparse(capacity)  # the arc-flow graph has a node per load
    ):
        return done(best, lower, method, len(ffd))
    proven, patterns = arcflow(
        types,
        capacity,
        cg.duals,
        len(best) - 1 - cg.bound,
        hint,
        lower,
        deadline,
        seed,
        workers,
    )
    if patterns and len(patterns) < len(best):
        bins = types.to_bins(patterns)
        return done(bins, len(bins) if proven else lower, "arcflow+cpsat", len(ffd))
    if proven:  # no packing with fewer bins than the heuristic's exists
        lower = len(best)
    return done(best, lower, method, len(ffd))
