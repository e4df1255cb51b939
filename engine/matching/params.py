"""Weights and parameters of the matching engine.

The match score of a feasible vehicle–load pair is

``score = expertise·w_e + backhaul·w_b − deadhead_km/100·w_d + utilization·w_u
+ rating_vs_prior·w_r + price_margin·w_p``

with the components

=============== ========== ====================================================
component       range      meaning
=============== ========== ====================================================
expertise       [0, 1)     route expertise for the load's lane: decayed trips
                           whose origin *and* destination lie within
                           ``lane_radius_km`` of the load's (biweight kernel),
                           squashed as ``raw / (raw + expertise_saturation)``
backhaul        [0, 1]     the larger of homeward progress (share of the load's
                           length that brings the vehicle closer to its home
                           base) and the share of the vehicle's activity that
                           starts near the load's destination
deadhead_m      metres     empty drive from the vehicle's position to the pickup
utilization     (0, 1]     max(weight / capacity kg, volume / capacity L)
rating_vs_prior stars      Bayesian-smoothed rating minus ``rating_prior_mean``
                           (0 for a vehicle without ratings)
price_margin    [-1, 1]    price per km driven (loaded + deadhead) over the
                           vehicle type's operating cost per km, minus 1
=============== ========== ====================================================

Hard filters (never recommended, never assigned): offline vehicles, vehicle
types the load does not accept (an empty ``vehicle_types`` list accepts any),
weight or volume over capacity, deadhead over ``max_deadhead_km``, and time:
a vehicle free from ``available_from`` driving the deadhead at its type's
speed profile must reach the pickup by ``pickup_end`` and deliver by
``delivery_deadline``.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass, fields

import polars as pl

from engine.errors import InvalidInputError
from engine.units import DEFAULT_CIRCUITY


@dataclass(frozen=True, slots=True)
class MatchWeights:
    """Weights of the soft score terms (finite, ``>= 0``).

    Attributes
    ----------
    expertise
        Per unit of route expertise (0..1).
    backhaul
        Per unit of backhaul credit (0..1).
    deadhead_per_100km
        Penalty per 100 km of empty drive to the pickup.
    utilization
        Per unit of capacity utilization (0..1).
    rating
        Per star of smoothed rating above the prior mean.
    price
        Per unit of price margin (-1..1).
    """

    expertise: float = 1.0
    backhaul: float = 0.15
    deadhead_per_100km: float = 0.3
    utilization: float = 0.4
    rating: float = 0.05
    price: float = 0.2

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise InvalidInputError.at(
                    f"weights.{f.name}", f"must be finite and >= 0, got {v!r}"
                )

    def as_list(self) -> list[float]:
        """The six weights in the order the core expects."""
        return [float(x) for x in astuple(self)]

    def contributions(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add one ``c_<term>`` column per soft term (weight × component) to a
        recommendation frame; the ``c_`` columns sum to ``score``."""
        return frame.with_columns(
            c_expertise=pl.col("expertise") * self.expertise,
            c_backhaul=pl.col("backhaul") * self.backhaul,
            c_deadhead=-pl.col("deadhead_m") / 100_000 * self.deadhead_per_100km,
            c_utilization=pl.col("utilization") * self.utilization,
            c_rating=pl.col("rating_vs_prior") * self.rating,
            c_price=pl.col("price_margin") * self.price,
        )


@dataclass(frozen=True, slots=True)
class MatchParams:
    """Parameters of profiles, filters and dispatch.

    Attributes
    ----------
    half_life_days
        A trip's weight in the expertise profile halves every this many days.
    lane_radius_km
        Kernel radius for lane endpoints: trips whose origin and destination
        are within this distance of the load's count towards expertise.
    expertise_saturation
        Raw (decayed, kernel-weighted) trips at which expertise is 0.5.
    max_deadhead_km
        Largest empty drive to a pickup that is considered.
    circuity
        Road distance / great-circle distance.
    rating_prior_mean, rating_prior_count
        Bayesian prior of ratings: mean stars, and weight in ratings.
    dispatch_candidates
        Candidate vehicles per load in the dispatch graph.
    """

    half_life_days: float = 90.0
    lane_radius_km: float = 40.0
    expertise_saturation: float = 1.0
    max_deadhead_km: float = 200.0
    circuity: float = DEFAULT_CIRCUITY
    rating_prior_mean: float = 4.5
    rating_prior_count: float = 10.0
    dispatch_candidates: int = 30

    def __post_init__(self) -> None:
        for name in (
            "half_life_days",
            "lane_radius_km",
            "expertise_saturation",
            "max_deadhead_km",
        ):
            v = getattr(self, name)
            if not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
                raise InvalidInputError.at(f"params.{name}", f"must be finite and > 0, got {v!r}")
        if not (math.isfinite(self.circuity) and self.circuity >= 1):
            raise InvalidInputError.at("params.circuity", f"must be >= 1, got {self.circuity!r}")
        if not (math.isfinite(self.rating_prior_mean) and 0 <= self.rating_prior_mean <= 5):
            raise InvalidInputError.at(
                "params.rating_prior_mean", f"must be in [0, 5], got {self.rating_prior_mean!r}"
            )
        if not (math.isfinite(self.rating_prior_count) and self.rating_prior_count >= 0):
            raise InvalidInputError.at(
                "params.rating_prior_count", f"must be >= 0, got {self.rating_prior_count!r}"
            )
        if not isinstance(self.dispatch_candidates, int) or self.dispatch_candidates < 1:
            raise InvalidInputError.at(
                "params.dispatch_candidates",
                f"must be an int >= 1, got {self.dispatch_candidates!r}",
            )
