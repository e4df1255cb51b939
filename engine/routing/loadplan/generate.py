"""Seeded generators of one-dimensional bin-packing instances at large capacities, after the
published rules of two hard classes (for tests and benchmarks).

* :func:`scholl_hard` — Scholl, Klein and Jürgens (1997), data set 3 ("HARD"): 200 items,
  capacity 100,000, sizes uniform in [20,000, 35,000]; three to five items per bin, and the
  LP bound is usually one bin short of the optimum's neighbourhood, which makes the class hard.
* :func:`falkenauer_uniform` — Falkenauer (1996), class U, at any capacity: sizes uniform in
  ``[20, 100]`` for capacity 150, scaled (``[4,000, 20,000]`` kg on a 30,000 kg trailer).
* :func:`falkenauer_triplets` — Falkenauer (1996), class T ("triplets"), at any capacity:
  every bin of the optimum holds exactly three items filling it, so the optimum is ``n / 3``
  by construction. With capacity ``C`` the first item of a triplet is uniform in
  ``[0.38 C, 0.49 C]``, the second uniform in ``[0.25 C, s / 2]`` for the space ``s`` left,
  and the third fills the bin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class GeneratedBpp:
    """A generated instance: ``name``, ``capacity``, item ``sizes`` and the optimum when it
    is known by construction (else None)."""

    name: str
    capacity: int
    sizes: tuple[int, ...]
    optimum: int | None


def scholl_hard(seed: int, *, n: int = 200, capacity: int = 100_000) -> GeneratedBpp:
    """An instance of Scholl–Klein–Jürgens data set 3: ``n`` sizes uniform in
    ``[0.2 C, 0.35 C]`` (``[20,000, 35,000]`` at the published ``C = 100,000``)."""
    if n <= 0:
        raise InvalidInputError.at("n", f"must be positive, got {n}")
    if capacity < 20:
        raise InvalidInputError.at("capacity", f"must be at least 20, got {capacity}")
    rng = np.random.default_rng(seed)
    lo, hi = capacity * 20 // 100, capacity * 35 // 100
    sizes = rng.integers(lo, hi, size=n, endpoint=True)
    name = f"scholl_hard_c{capacity}_n{n}_s{seed}"
    return GeneratedBpp(name, capacity, tuple(map(int, sizes)), None)


def falkenauer_triplets(seed: int, *, n: int = 249, capacity: int = 100_000) -> GeneratedBpp:
    """A triplet instance (Falkenauer class T) of ``n`` items (a multiple of three) whose
    optimum is exactly ``n / 3`` full bins."""
    if n <= 0 or n % 3:
        raise InvalidInputError.at("n", f"must be a positive multiple of 3, got {n}")
    if capacity < 100:
        raise InvalidInputError.at("capacity", f"must be at least 100, got {capacity}")
    rng = np.random.default_rng(seed)
    sizes: list[int] = []
    for _ in range(n // 3):
        a = int(rng.integers(capacity * 38 // 100, capacity * 49 // 100, endpoint=True))
        s = capacity - a
        b = int(rng.integers(capacity // 4, s // 2, endpoint=True))
        sizes += [a, b, s - b]
    order = rng.permutation(len(sizes))
    return GeneratedBpp(
        f"triplets_c{capacity}_n{n}_s{seed}", capacity, tuple(sizes[i] for i in order), n // 3
    )


def falkenauer_uniform(seed: int, *, n: int = 250, capacity: int = 30_000) -> GeneratedBpp:
    """A Falkenauer class U instance of ``n`` items, sizes uniform in ``[20 C / 150,
    100 C / 150]`` (the published ``[20, 100]`` at capacity 150, scaled to ``capacity``)."""
    if n <= 0:
        raise InvalidInputError.at("n", f"must be positive, got {n}")
    if capacity < 150:
        raise InvalidInputError.at("capacity", f"must be at least 150, got {capacity}")
    rng = np.random.default_rng(seed)
    sizes = rng.integers(capacity * 20 // 150, capacity * 100 // 150, size=n, endpoint=True)
    name = f"uniform_c{capacity}_n{n}_s{seed}"
    return GeneratedBpp(name, capacity, tuple(map(int, sizes)), None)
