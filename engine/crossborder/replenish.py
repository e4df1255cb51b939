"""Bonded replenishment: reorder point and quantity per SKU, sea or air.

The demand forecast is simple exponential smoothing of daily sales (level and the spread of
one-day-ahead errors). For each leg able to bring the SKU into a bonded warehouse the lead
time is handling + waiting for the cut-off (on average) + transit + bonded clearance; the
demand over the lead time has mean ``d·L`` and variance ``L·σd² + d²·σL²``. Then

* safety stock ``SS = ⌈z·σ⌉`` for the service level's ``z`` (cycle service level);
* reorder point ``ROP = ⌈d·L⌉ + SS``;
* order quantity: the economic order quantity ``√(2·D·S / H)`` (annual demand ``D``,
  cost per replenishment order ``S``, holding cost per unit-year ``H``), rounded up;
* annual cost: freight of ``D`` units on the leg + holding of the cycle stock, safety stock
  and the stock in transit + ordering.

The leg with the lower annual cost wins; both are reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

from engine.crossborder.dist import DayDist
from engine.crossborder.fulfil import HANDLING_DAYS
from engine.crossborder.model import Leg, Sku
from engine.errors import InfeasibleError, InvalidInputError

DAYS_PER_YEAR: Final = 365


@dataclass(frozen=True, slots=True)
class DemandForecast:
    """Daily demand: mean and standard deviation (units per day)."""

    mean: float
    sd: float


def forecast_demand(history: Sequence[int], alpha: float = 0.2) -> DemandForecast:
    """Exponential smoothing of daily sales; ``sd`` from the one-step-ahead errors.

    Raises
    ------
    InvalidInputError
        Empty history, negative sales, ``alpha`` outside (0, 1].
    """
    if not history:
        raise InvalidInputError.at("history", "no sales history")
    if not 0 < alpha <= 1:
        raise InvalidInputError.at("alpha", f"must be in (0, 1], got {alpha}")
    if any(x < 0 for x in history):
        raise InvalidInputError.at("history", "negative sales")
    level = float(history[0])
    sq = 0.0
    for x in history[1:]:
        sq += (x - level) ** 2
        level += alpha * (x - level)
    sd = math.sqrt(sq / max(1, len(history) - 1))
    return DemandForecast(level, sd)


@dataclass(frozen=True, slots=True)
class ModePlan:
    """Replenishment of one SKU by one leg."""

    leg_id: str
    mode: str
    lead_mean_days: float
    lead_sd_days: float
    safety_stock: int
    reorder_point: int
    order_quantity: int
    freight_per_unit_fen: int
    annual_cost_fen: int


@dataclass(frozen=True, slots=True)
class Replenishment:
    """The chosen plan and the alternatives, with why."""

    sku_id: str
    chosen: ModePlan
    alternatives: tuple[ModePlan, ...]
    reason: str


def _lead(leg: Leg, clearance: DayDist) -> tuple[float, float]:
    dist = leg.transit + clearance
    gaps = sorted(leg.cutoff_weekdays)
    waits = [(gaps[(i + 1) % len(gaps)] - g) % 7 or 7 for i, g in enumerate(gaps)]
    wait_mean = sum(w * w for w in waits) / (2 * sum(waits))  # mean residual wait
    mean = HANDLING_DAYS + wait_mean + dist.mean()
    var = sum((dist.offset + i - dist.mean()) ** 2 * w for i, w in enumerate(dist.weights))
    return mean, math.sqrt(var / dist.total)


def plan_mode(
    sku: Sku,
    leg: Leg,
    clearance: DayDist,
    demand: DemandForecast,
    *,
    service_level_bp: int,
    order_cost_fen: int,
    holding_bp_per_year: int,
) -> ModePlan:
    """Reorder point and quantity of ``sku`` replenished by ``leg``.

    ``holding_bp_per_year`` is the yearly holding cost as basis points of the unit price.
    """
    z = NormalDist().inv_cdf(service_level_bp / 10_000)
    lm, ls = _lead(leg, clearance)
    sd_ltd = math.sqrt(lm * demand.sd**2 + demand.mean**2 * ls**2)
    ss = max(0, math.ceil(z * sd_ltd))
    rop = math.ceil(demand.mean * lm) + ss
    annual = demand.mean * DAYS_PER_YEAR
    h = sku.unit_price_fen * holding_bp_per_year / 10_000
    q = max(1, math.ceil(math.sqrt(2 * annual * order_cost_fen / h))) if annual > 0 else 0
    freight = leg.freight_fen(sku.weight_g, sku.volume_ml)
    cost = (
        annual * freight
        + h * (q / 2 + ss + demand.mean * lm)
        + (annual / q * order_cost_fen if q else 0)
    )
    return ModePlan(leg.leg_id, leg.mode, lm, ls, ss, rop, q, freight, round(cost))


def plan_replenishment(
    sku: Sku,
    legs: Sequence[Leg],
    clearance: DayDist,
    demand: DemandForecast,
    *,
    service_level_bp: int = 9500,
    order_cost_fen: int = 50_000,
    holding_bp_per_year: int = 2500,
) -> Replenishment:
    """Choose the leg (sea or air) with the least annual cost and its reorder policy.

    Raises
    ------
    InvalidInputError
        A service level outside (0, 10000) bp, negative costs.
    InfeasibleError
        No leg.
    """
    if not 0 < service_level_bp < 10_000:
        raise InvalidInputError.at(
            "service_level_bp", f"must be in (0, 10000), got {service_level_bp}"
        )
    if order_cost_fen < 0 or holding_bp_per_year <= 0:
        raise InvalidInputError.at("holding_bp_per_year", "costs must be positive")
    if not legs:
        raise InfeasibleError(f"{sku.sku_id}: no leg can replenish it")
    plans = [
        plan_mode(
            sku,
            leg,
            clearance,
            demand,
            service_level_bp=service_level_bp,
            order_cost_fen=order_cost_fen,
            holding_bp_per_year=holding_bp_per_year,
        )
        for leg in legs
    ]
    best = min(plans, key=lambda p: (p.annual_cost_fen, p.lead_mean_days))
    others = tuple(p for p in plans if p is not best)
    reason = f"{best.mode} costs ¥{best.annual_cost_fen / 100:,.0f}/year"
    if others:
        o = min(others, key=lambda p: p.annual_cost_fen)
        reason += (
            f" vs {o.mode} ¥{o.annual_cost_fen / 100:,.0f} (freight "
            f"¥{best.freight_per_unit_fen / 100:,.2f} vs ¥{o.freight_per_unit_fen / 100:,.2f}"
            f" a unit; lead {best.lead_mean_days:.1f}"
            f" vs {o.lead_mean_days:.1f} d)"
        )
    return Replenishment(sku.sku_id, best, others, reason)


__all__ = [
    "DemandForecast",
    "ModePlan",
    "Replenishment",
    "forecast_demand",
    "plan_mode",
    "plan_replenishment",
]
