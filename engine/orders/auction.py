"""Sealed bidding (竞价): bid checks, withdrawal and the award rule.

Award rule
----------
Among the bids not withdrawn and at or below the reserve (``order.price_fen``), each bid
gets ``award_score = 0.6·price + 0.25·match + 0.15·credit`` with

* ``price = lowest_amount / amount`` (1 for the cheapest bid),
* ``match = match_score / best_match_score`` among the bids (the matching engine's
  score of the bidding vehicle for the order; 0 when no bid has a positive score),
* ``credit = credit_score / 100`` (the carrier's credit archive score).

The highest award score wins; ties go to the lower amount, then the earlier bid, then
the lower bid id. No admissible bid: nobody wins (an auto-award then expires the order).
A shipper awarding by hand may pick any admissible bid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from engine.errors import InvalidInputError
from engine.orders.errors import OrderStateError
from engine.orders.machine import check_transition
from engine.orders.model import MAX_FEN, Actor, Order, Role, State, check_int

#: Weights of the award rule: price, match score, credit.
AWARD_WEIGHTS: Final = (0.6, 0.25, 0.15)


@dataclass(frozen=True, slots=True)
class Bid:
    """A sealed bid.

    Attributes
    ----------
    bid_id, order_id, carrier_id, vehicle_id
        Ids.
    amount_fen
        Price asked (fen, > 0).
    placed_at
        When it was placed (Unix s).
    match_score
        Matching score of the vehicle for the order when the bid was placed.
    credit
        The carrier's credit score (0–100) when the bid was placed.
    withdrawn
        True once withdrawn.
    outlier
        True when the amount is outside the lane-rate guidance's fences.
    """

    bid_id: int
    order_id: int
    carrier_id: int
    vehicle_id: int
    amount_fen: int
    placed_at: int
    match_score: float = 0.0
    credit: float = 0.0
    withdrawn: bool = False
    outlier: bool = False


def check_bid(order: Order, amount_fen: int, at: int) -> int:
    """Validate a new bid on ``order`` at ``at``; returns the amount.

    Raises
    ------
    OrderStateError
        If the order is not in bidding or its deadline has passed.
    InvalidInputError
        If the amount is not in ``[1, MAX_FEN]`` (field ``amount_fen``).
    """
    check_transition(order, "bid")
    if at > order.deadline:
        raise OrderStateError(
            order.order_id, order.state.value, f"bidding closed at {order.deadline} (now {at})"
        )
    return check_int("amount_fen", amount_fen, 1, MAX_FEN)


def check_withdraw(order: Order, bid: Bid, carrier_id: int, at: int) -> None:
    """A bid may be withdrawn by its carrier before the deadline, once.

    Raises
    ------
    OrderStateError
        If bidding has closed.
    InvalidInputError
        If the bid is not the carrier's (field ``actor``) or is withdrawn already
        (field ``bid_id``).
    """
    check_transition(order, "bid")
    if at > order.deadline:
        raise OrderStateError(
            order.order_id, order.state.value, f"bidding closed at {order.deadline}"
        )
    if bid.carrier_id != carrier_id:
        raise InvalidInputError.at("actor", f"bid {bid.bid_id} is not carrier {carrier_id}'s")
    if bid.withdrawn:
        raise InvalidInputError.at("bid_id", f"bid {bid.bid_id} is withdrawn already")


def admissible(order: Order, bids: Sequence[Bid]) -> list[Bid]:
    """Bids that can win: not withdrawn and at or below the reserve."""
    return [b for b in bids if not b.withdrawn and b.amount_fen <= order.price_fen]


def award_scores(bids: Sequence[Bid]) -> list[float]:
    """The award score of each bid (see the module docstring)."""
    if not bids:
        return []
    low = min(b.amount_fen for b in bids)
    best = max(b.match_score for b in bids)
    wp, wm, wc = AWARD_WEIGHTS
    return [
        wp * low / b.amount_fen
        + wm * (max(b.match_score, 0.0) / best if best > 0 else 0.0)
        + wc * min(max(b.credit, 0.0), 100.0) / 100.0
        for b in bids
    ]


def ranking(order: Order, bids: Sequence[Bid]) -> list[tuple[Bid, float]]:
    """The admissible bids with their award scores, best first (the rule's order,
    ties included)."""
    ok = admissible(order, bids)
    scores = award_scores(ok)
    ranked = sorted(
        zip(ok, scores, strict=True),
        key=lambda x: (-x[1], x[0].amount_fen, x[0].placed_at, x[0].bid_id),
    )
    return ranked


def winner(order: Order, bids: Sequence[Bid]) -> Bid | None:
    """The bid the award rule picks, or None without an admissible bid."""
    ranked = ranking(order, bids)
    return ranked[0][0] if ranked else None


def visible_bids(order: Order, bids: Sequence[Bid], actor: Actor, at: int) -> list[Bid]:
    """The bids ``actor`` may see: sealed bids stay sealed until the deadline.

    * A carrier sees only its own bids, at any time.
    * The shipper and the platform see every bid; before the deadline (while bidding is
      open) with the amount hidden (0) and no outlier flag, so the order's own party
      cannot leak a price to a competitor.
    """
    if actor.role is Role.CARRIER:
        return [b for b in bids if b.carrier_id == actor.id]
    if actor.role is Role.SHIPPER and actor.id != order.shipper_id:
        raise InvalidInputError.at("actor", f"{actor} is not the shipper of order {order.order_id}")
    if order.state is State.BIDDING and at <= order.deadline:
        return [replace(b, amount_fen=0, outlier=False) for b in bids]
    return list(bids)


__all__ = [
    "AWARD_WEIGHTS",
    "Bid",
    "admissible",
    "award_scores",
    "check_bid",
    "check_withdraw",
    "ranking",
    "visible_bids",
    "winner",
]
