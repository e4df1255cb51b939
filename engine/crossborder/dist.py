"""Discrete lead-time distributions in whole days, with integer weights.

Transit, clearance and last-mile times are given as ``[days, weight]`` pairs; a lead time
through several stages is their convolution, and a promise is a quantile of it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class DayDist:
    """A distribution over whole days: ``weights[i]`` is the weight of ``offset + i`` days.

    Weights are non-negative integers with a positive total; probabilities are
    ``weight / total``.
    """

    offset: int
    weights: tuple[int, ...]

    @classmethod
    def fixed(cls, days: int) -> DayDist:
        """All mass on ``days``."""
        return cls(days, (1,))

    @classmethod
    def from_pairs(cls, pairs: Any, field: str = "days", row_id: object = None) -> DayDist:
        """Build from ``[[days, weight], ...]``.

        Raises
        ------
        InvalidInputError
            Not a list of pairs, negative days or weights, repeated days, zero total.
        """
        if not isinstance(pairs, Sequence) or isinstance(pairs, str) or not pairs:
            raise InvalidInputError.at(field, "must be a non-empty list of [days, weight]", row_id)
        table: dict[int, int] = {}
        for p in pairs:
            if (
                not isinstance(p, Sequence)
                or len(p) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in p)
            ):
                raise InvalidInputError.at(field, f"{p!r} is not an integer [days, weight]", row_id)
            d, w = int(p[0]), int(p[1])
            if d < 0 or w < 0:
                raise InvalidInputError.at(field, f"{p!r}: days and weight must be >= 0", row_id)
            if d in table:
                raise InvalidInputError.at(field, f"day {d} given twice", row_id)
            table[d] = w
        if sum(table.values()) <= 0:
            raise InvalidInputError.at(field, "weights sum to zero", row_id)
        lo, hi = min(table), max(table)
        return cls(lo, tuple(table.get(d, 0) for d in range(lo, hi + 1)))

    @property
    def total(self) -> int:
        """Sum of the weights."""
        return sum(self.weights)

    @property
    def max_days(self) -> int:
        """Largest day with weight (the support's end)."""
        return self.offset + len(self.weights) - 1

    def shift(self, days: int) -> DayDist:
        """The distribution plus a fixed number of days."""
        return DayDist(self.offset + days, self.weights)

    def __add__(self, other: DayDist) -> DayDist:
        """Convolution: the sum of two independent lead times."""
        out = [0] * (len(self.weights) + len(other.weights) - 1)
        for i, a in enumerate(self.weights):
            if a:
                for j, b in enumerate(other.weights):
                    out[i + j] += a * b
        return DayDist(self.offset + other.offset, tuple(out))

    def mixed(self, other: DayDist, other_bp: int) -> DayDist:
        """This distribution with probability ``1 - other_bp/10000``, else ``other``."""
        lo = min(self.offset, other.offset)
        hi = max(self.max_days, other.max_days)
        ta, tb = self.total, other.total
        w = []
        for d in range(lo, hi + 1):
            a = self.weights[d - self.offset] if 0 <= d - self.offset < len(self.weights) else 0
            b = other.weights[d - other.offset] if 0 <= d - other.offset < len(other.weights) else 0
            w.append(a * tb * (10_000 - other_bp) + b * ta * other_bp)
        return DayDist(lo, tuple(w))

    def quantile(self, level_bp: int) -> int:
        """Smallest day ``d`` with ``P(X <= d) >= level_bp / 10000``."""
        need = self.total * level_bp
        acc = 0
        for i, w in enumerate(self.weights):
            acc += w * 10_000
            if acc >= need:
                return self.offset + i
        return self.max_days

    def prob_within(self, days: int) -> float:
        """``P(X <= days)``."""
        k = days - self.offset + 1
        return sum(self.weights[: max(0, k)]) / self.total

    def mean(self) -> float:
        """Expected days."""
        return sum((self.offset + i) * w for i, w in enumerate(self.weights)) / self.total

    def sample(self, rng: random.Random) -> int:
        """Draw one value."""
        r = rng.randrange(self.total)
        for i, w in enumerate(self.weights):
            if r < w:
                return self.offset + i
            r -= w
        return self.max_days  # pragma: no cover - unreachable with a positive total


__all__ = ["DayDist"]
