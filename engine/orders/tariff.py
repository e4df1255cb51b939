"""Versioned fee tables: commission, cancellation fees, surcharges and SLA clocks.

Rule tables are data with an effective date, not constants in code: :func:`tariff_at`
picks the version in force at an instant, so an order settled today keeps the terms
of the day it was awarded (the caller passes ``awarded_at``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from engine.errors import InvalidInputError
from engine.units import SECONDS_PER_HOUR


@dataclass(frozen=True, slots=True)
class Tariff:
    """One version of the fee rules.

    Attributes
    ----------
    effective_from
        First instant (Unix s) the version applies.
    commission_bp
        Platform commission on the freight charge, in basis points (1/10,000).
    cancel_fee_bp
        Fee for cancelling an awarded (not yet loaded) order, in basis points of the
        awarded price, paid by the party that cancels to the other party (the platform
        takes its commission on it).
    cancel_fee_min_fen
        Floor of that fee (fen), capped at the awarded price.
    late_penalty_per_hour_fen
        Penalty per started hour of late delivery (fen), deducted from the charge.
    late_penalty_cap_bp
        Cap of the late penalty, in basis points of the awarded price.
    exception_sla_s
        Hours (as seconds) the owning team has to resolve each exception kind.
    exception_owner
        Team owning each exception kind (dispatch, customer_service, finance).
    """

    effective_from: int
    commission_bp: int = 800
    cancel_fee_bp: int = 1000
    cancel_fee_min_fen: int = 5_000
    late_penalty_per_hour_fen: int = 2_000
    late_penalty_cap_bp: int = 2000
    exception_sla_s: dict[str, int] = field(default_factory=dict)
    exception_owner: dict[str, str] = field(default_factory=dict)


#: Exception kinds and their default owner and SLA.
EXCEPTION_KINDS: Final = {
    "delay": ("dispatch", 2 * SECONDS_PER_HOUR),
    "damage": ("customer_service", 24 * SECONDS_PER_HOUR),
    "shortage": ("customer_service", 24 * SECONDS_PER_HOUR),
    "refusal": ("customer_service", 4 * SECONDS_PER_HOUR),
    "accident": ("dispatch", 1 * SECONDS_PER_HOUR),
    "breakdown": ("dispatch", 1 * SECONDS_PER_HOUR),
}

#: Every tariff version, oldest first (2026-01-01 00:00 UTC onward).
TARIFFS: Final = (
    Tariff(
        effective_from=1_767_225_600,
        exception_owner={k: v[0] for k, v in EXCEPTION_KINDS.items()},
        exception_sla_s={k: v[1] for k, v in EXCEPTION_KINDS.items()},
    ),
)


def tariff_at(at: int, tariffs: tuple[Tariff, ...] = TARIFFS) -> Tariff:
    """The tariff in force at ``at`` (the earliest version for instants before it)."""
    best = tariffs[0]
    for t in tariffs:
        if t.effective_from <= at:
            best = t
    return best


def bp(amount_fen: int, basis_points: int) -> int:
    """``amount × basis_points / 10,000`` rounded half up, in integer arithmetic."""
    return (amount_fen * basis_points + 5_000) // 10_000


def exception_terms(kind: str, at: int) -> tuple[str, int]:
    """Owner team and SLA due instant of an exception of ``kind`` opened at ``at``.

    Raises
    ------
    InvalidInputError
        If ``kind`` is unknown (field ``kind``).
    """
    t = tariff_at(at)
    if kind not in t.exception_owner:
        raise InvalidInputError.at(
            "kind", f"unknown exception kind {kind!r} (known: {', '.join(EXCEPTION_KINDS)})"
        )
    return t.exception_owner[kind], at + t.exception_sla_s[kind]


__all__ = ["EXCEPTION_KINDS", "TARIFFS", "Tariff", "bp", "exception_terms", "tariff_at"]
