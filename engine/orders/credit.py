"""The credit archive's formula: a score (0–100) and a star level per carrier or shipper.

Formula
-------
Each component is smoothed with a prior, so a new party starts near the middle and
a few events do not swing it::

    rating    = (4.0·5 + Σ stars) / (5 + ratings)                 (1–5 stars)
    on_time   = (8 + deliveries on time) / (10 + deliveries)      (prior 0.8)
    exception = (1 + exceptions) / (10 + orders)                  (prior 0.1)
    cancel    = (1 + cancellations) / (10 + orders)               (prior 0.1)
    score     = 100 · (0.45·(rating − 1)/4 + 0.30·on_time
                       + 0.15·(1 − exception) + 0.10·(1 − cancel))

``orders`` counts awarded orders (the party's commitments). A new party scores 80.25.
Star levels: 5★ ≥ 92, 4★ ≥ 84, 3★ ≥ 75, 2★ ≥ 60, else 1★.

Into matching
-------------
:func:`vehicles_with_credit` writes a carrier's credit into its vehicles' ``rating``
(``1 + 4·score/100`` stars) and ``rating_count`` (ratings + deliveries), the inputs of
the matching score's rating component (``MatchWeights.rating``); the order's
``credit_floor`` filters eligibility (:mod:`engine.orders.eligibility`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import polars as pl

#: Thresholds of the star levels, 5★ first.
STAR_THRESHOLDS: Final = (92.0, 84.0, 75.0, 60.0)
#: Score of a party without history.
NEW_PARTY_SCORE: Final = 80.25


@dataclass(frozen=True, slots=True)
class CreditStats:
    """The raw record of one party (counts of the credit archive)."""

    ratings: int = 0
    stars_sum: int = 0
    deliveries: int = 0
    on_time: int = 0
    orders: int = 0
    exceptions: int = 0
    cancellations: int = 0


@dataclass(frozen=True, slots=True)
class Credit:
    """A credit score with its star level and smoothed components."""

    score: float
    stars: int
    rating: float
    on_time_rate: float
    exception_rate: float
    cancel_rate: float
    evidence: int


def star_level(score: float) -> int:
    """1–5 stars for a score."""
    for i, t in enumerate(STAR_THRESHOLDS):
        if score >= t:
            return 5 - i
    return 1


def credit_score(s: CreditStats) -> Credit:
    """The credit of a party from its record (see the module docstring)."""
    rating = (4.0 * 5 + s.stars_sum) / (5 + s.ratings)
    on_time = (8 + s.on_time) / (10 + s.deliveries)
    exc = (1 + s.exceptions) / (10 + s.orders)
    canc = (1 + s.cancellations) / (10 + s.orders)
    score = 100 * (
        0.45 * (rating - 1) / 4
        + 0.30 * on_time
        + 0.15 * (1 - min(exc, 1.0))
        + 0.10 * (1 - min(canc, 1.0))
    )
    score = round(min(100.0, max(0.0, score)), 2)
    return Credit(score, star_level(score), rating, on_time, exc, canc, s.ratings + s.deliveries)


def vehicles_with_credit(vehicles: pl.DataFrame, credit: Mapping[int, Credit]) -> pl.DataFrame:
    """The vehicles frame with ``rating``/``rating_count`` taken from their carrier's credit
    (carriers without an archive entry keep their rows unchanged)."""
    if not credit:
        return vehicles
    ids = list(credit)
    c = pl.DataFrame(
        {
            "carrier_id": ids,
            "_r": [1.0 + 4.0 * credit[i].score / 100.0 for i in ids],
            "_n": [credit[i].evidence for i in ids],
        },
        schema={"carrier_id": pl.Int64, "_r": pl.Float64, "_n": pl.Int64},
    )
    out = vehicles.join(c, on="carrier_id", how="left", maintain_order="left")
    return out.with_columns(
        pl.coalesce("_r", "rating").alias("rating"),
        pl.coalesce("_n", "rating_count").alias("rating_count"),
    ).select(vehicles.columns)


__all__ = [
    "NEW_PARTY_SCORE",
    "STAR_THRESHOLDS",
    "Credit",
    "CreditStats",
    "credit_score",
    "star_level",
    "vehicles_with_credit",
]
