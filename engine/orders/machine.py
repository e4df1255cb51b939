"""The order state machine: every action is a pure function returning the new order,
the events to append and the ledger transaction (if money moves).

Transitions
-----------
================== ========================================== =====================
action             from                                       to
================== ========================================== =====================
post               (new)                                      posted, then bidding /
                                                              grabbing / offered
offer              posted                                     offered (fixed price)
decline            offered                                    posted
accept             offered                                    awarded
grab               grabbing                                   awarded
award              bidding                                    awarded
confirm_loading    awarded                                    loading_confirmed
depart             loading_confirmed                          in_transit
deliver            in_transit                                 delivered
confirm_delivery   delivered                                  confirmed
rate               confirmed (→ rated), rated, settled        (unchanged after first)
settle             confirmed, rated                           settled
cancel             posted, bidding, grabbing, offered, awarded cancelled
expire             posted, bidding, grabbing, offered          expired
report_exception   awarded … delivered                        exception
resolve_exception  exception                                  the interrupted state
================== ========================================== =====================

Cancellation rules
------------------
* Before award (posted, bidding, grabbing, offered): free, by the shipper or the platform.
* After award, before loading (awarded): allowed to the shipper, the awarded carrier or
  the platform; the party that cancels pays the tariff's cancellation fee to the other
  (:func:`engine.orders.ledger.cancellation_transaction`); a platform cancellation
  (arbitration) refunds the shipper in full.
* From loading confirmed on: refused; report an exception instead (the goods are on
  the truck and must be returned or delivered).

Deadlines
---------
Grabbing and fixed-price orders expire when nobody took them by ``deadline``.
Bidding orders close for bids at ``deadline``; with ``auto_award`` the best bid by the
award rule wins at once (none within the reserve: expired), otherwise the shipper has
:data:`AWARD_WINDOW_S` to award by hand before the order expires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from engine.errors import InvalidInputError
from engine.orders.errors import OrderStateError
from engine.orders.ledger import (
    Settlement,
    Transaction,
    award_transaction,
    cancellation_fee,
    cancellation_transaction,
    settle,
)
from engine.orders.model import (
    OPEN_STATES,
    SYSTEM,
    Actor,
    Event,
    Order,
    PriceMode,
    Role,
    State,
    check_int,
)
from engine.orders.tariff import exception_terms, tariff_at
from engine.units import SECONDS_PER_HOUR

#: Time the shipper has after a bidding deadline to award by hand (no auto-award).
AWARD_WINDOW_S: Final = 2 * SECONDS_PER_HOUR

#: Allowed source states per action.
TRANSITIONS: Final[dict[str, frozenset[State]]] = {
    "offer": frozenset({State.POSTED}),
    "decline": frozenset({State.OFFERED}),
    "accept": frozenset({State.OFFERED}),
    "grab": frozenset({State.GRABBING}),
    "award": frozenset({State.BIDDING}),
    "bid": frozenset({State.BIDDING}),
    "confirm_loading": frozenset({State.AWARDED}),
    "depart": frozenset({State.LOADING_CONFIRMED}),
    "deliver": frozenset({State.IN_TRANSIT}),
    "confirm_delivery": frozenset({State.DELIVERED}),
    "rate": frozenset({State.CONFIRMED, State.RATED, State.SETTLED}),
    "settle": frozenset({State.CONFIRMED, State.RATED}),
    "cancel": frozenset(OPEN_STATES | {State.AWARDED}),
    "expire": frozenset(OPEN_STATES),
    "report_exception": frozenset(
        {State.AWARDED, State.LOADING_CONFIRMED, State.IN_TRANSIT, State.DELIVERED}
    ),
    "resolve_exception": frozenset({State.EXCEPTION}),
}

#: The state each simple carrier/shipper progress action leads to.
_PROGRESS: Final = {
    "confirm_loading": State.LOADING_CONFIRMED,
    "depart": State.IN_TRANSIT,
    "deliver": State.DELIVERED,
    "confirm_delivery": State.CONFIRMED,
}


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of an action: the changed order, its events and any money moved."""

    order: Order
    events: tuple[Event, ...]
    transaction: Transaction | None = None
    settlement: Settlement | None = None


def check_transition(order: Order, action: str) -> None:
    """Raise :class:`OrderStateError` (naming the current state) if ``action`` is not
    allowed in the order's state."""
    allowed = TRANSITIONS[action]
    if order.state not in allowed:
        if action == "cancel" and order.state in (
            State.LOADING_CONFIRMED,
            State.IN_TRANSIT,
            State.DELIVERED,
            State.EXCEPTION,
        ):
            why = "cannot cancel after loading; report an exception instead"
        else:
            names = ", ".join(sorted(s.value for s in allowed))
            why = f"cannot {action} (allowed from: {names})"
        raise OrderStateError(order.order_id, order.state.value, why)


def _event(
    before: State,
    order: Order,
    kind: str,
    actor: Actor,
    at: int,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
) -> Event:
    return Event(
        order.order_id,
        kind,
        before.value,
        order.state.value,
        str(actor),
        at,
        reason,
        dict(data or {}),
    )


def _moved(order: Order, to: State) -> Order:
    o = order.copy()
    o.state = to
    o.version += 1
    return o


def _require(order: Order, actor: Actor, *roles: Role) -> None:
    """The actor must hold one of ``roles`` on this order (the platform always may)."""
    if actor.role is Role.PLATFORM and Role.PLATFORM in roles:
        return
    if actor.role is Role.SHIPPER and Role.SHIPPER in roles and actor.id == order.shipper_id:
        return
    if actor.role is Role.CARRIER and Role.CARRIER in roles and actor.id == order.carrier_id:
        return
    who = ", ".join(r.value for r in roles)
    raise InvalidInputError.at(
        "actor", f"{actor} may not act on order {order.order_id} (needs its {who})"
    )


def post(order: Order, at: int) -> Step:
    """Post a new order and open it on the channel of its price mode.

    Raises
    ------
    InvalidInputError
        If a posted field is invalid, or the deadline has passed at ``at``.
    """
    order.validate()
    if order.deadline <= at:
        raise InvalidInputError.at("deadline", f"must be after now ({at}), got {order.deadline}")
    shipper = Actor(Role.SHIPPER, order.shipper_id)
    o = order.copy()
    o.state, o.version = State.POSTED, 1
    events = [Event(o.order_id, "posted", "", State.POSTED.value, str(shipper), at)]
    to = {
        PriceMode.BIDDING: State.BIDDING,
        PriceMode.GRABBING: State.GRABBING,
        PriceMode.FIXED: State.OFFERED if o.offered_carrier_id >= 0 else State.POSTED,
    }[o.price_mode]
    if to is not State.POSTED:
        before = o.state
        o = _moved(o, to)
        data = {"carrier_id": o.offered_carrier_id} if to is State.OFFERED else {}
        events.append(_event(before, o, f"opened_{to.value}", shipper, at, data=data))
    return Step(o, tuple(events))


def offer(order: Order, carrier_id: int, actor: Actor, at: int) -> Step:
    """Offer a fixed-price order to a dispatched carrier (platform or shipper)."""
    check_transition(order, "offer")
    _require(order, actor, Role.PLATFORM, Role.SHIPPER)
    check_int("carrier_id", carrier_id, 0, 2**62)
    o = _moved(order, State.OFFERED)
    o.offered_carrier_id = carrier_id
    return Step(o, (_event(order.state, o, "offered", actor, at, data={"carrier_id": carrier_id}),))


def decline(order: Order, actor: Actor, at: int, reason: str = "") -> Step:
    """The offered carrier declines: the order goes back to posted for another dispatch."""
    check_transition(order, "decline")
    if actor.role is not Role.CARRIER or actor.id != order.offered_carrier_id:
        raise InvalidInputError.at(
            "actor", f"{actor} is not the carrier order {order.order_id} was offered to"
        )
    o = _moved(order, State.POSTED)
    o.offered_carrier_id = -1
    return Step(o, (_event(order.state, o, "declined", actor, at, reason),))


def _award(
    order: Order,
    kind: str,
    actor: Actor,
    at: int,
    carrier_id: int,
    vehicle_id: int,
    price: int,
    data: Mapping[str, Any],
) -> Step:
    o = _moved(order, State.AWARDED)
    o.carrier_id, o.vehicle_id = carrier_id, vehicle_id
    o.awarded_price_fen, o.awarded_at = price, at
    ev = _event(
        order.state,
        o,
        kind,
        actor,
        at,
        data={"carrier_id": carrier_id, "vehicle_id": vehicle_id, "price_fen": price, **data},
    )
    return Step(o, (ev,), award_transaction(o))


def accept(order: Order, actor: Actor, vehicle_id: int, at: int) -> Step:
    """The offered carrier accepts a fixed-price order with ``vehicle_id``."""
    check_transition(order, "accept")
    if actor.role is not Role.CARRIER or actor.id != order.offered_carrier_id:
        raise InvalidInputError.at(
            "actor", f"{actor} is not the carrier order {order.order_id} was offered to"
        )
    _open_until(order, at)
    return _award(order, "accepted", actor, at, actor.id, vehicle_id, order.price_fen, {})


def _open_until(order: Order, at: int) -> None:
    if at > order.deadline:
        raise OrderStateError(
            order.order_id, order.state.value, f"its deadline {order.deadline} has passed"
        )


def grab(order: Order, actor: Actor, vehicle_id: int, at: int) -> Step:
    """A carrier grabs a grabbing order at its price (first eligible grab wins).

    Raises
    ------
    OrderStateError
        If the order is not open for grabbing (taken already, cancelled, expired) or its
        deadline has passed.
    """
    check_transition(order, "grab")
    if actor.role is not Role.CARRIER:
        raise InvalidInputError.at("actor", f"only a carrier can grab, got {actor}")
    _open_until(order, at)
    return _award(order, "grabbed", actor, at, actor.id, vehicle_id, order.price_fen, {})


def award(
    order: Order,
    actor: Actor,
    at: int,
    bid_id: int,
    carrier_id: int,
    vehicle_id: int,
    amount_fen: int,
    *,
    auto: bool = False,
) -> Step:
    """Award a bidding order to a bid (by the shipper, or by the system at the deadline).

    Sealed bids are opened at the deadline: a manual award before it is refused.
    """
    check_transition(order, "award")
    if auto:
        _require(order, actor, Role.PLATFORM)
    else:
        _require(order, actor, Role.SHIPPER, Role.PLATFORM)
    if at < order.deadline:
        raise OrderStateError(
            order.order_id, order.state.value, f"sealed bids open at the deadline {order.deadline}"
        )
    kind = "auto_awarded" if auto else "awarded"
    return _award(order, kind, actor, at, carrier_id, vehicle_id, amount_fen, {"bid_id": bid_id})


def progress(
    order: Order,
    action: str,
    actor: Actor,
    at: int,
    *,
    weight_kg: int | None = None,
    pieces: int | None = None,
) -> Step:
    """``confirm_loading``, ``depart``, ``deliver`` (the carrier) or ``confirm_delivery``
    (the shipper). Loading confirmation records the quantity loaded and the agreed fee
    (the awarded price) on site."""
    if action not in _PROGRESS:
        raise InvalidInputError.at("action", f"unknown progress action {action!r}")
    check_transition(order, action)
    if action == "confirm_delivery":
        _require(order, actor, Role.SHIPPER, Role.PLATFORM)
    else:
        _require(order, actor, Role.CARRIER, Role.PLATFORM)
    o = _moved(order, _PROGRESS[action])
    data: dict[str, Any] = {}
    if action == "confirm_loading":
        o.loaded_weight_kg = check_int(
            "weight_kg", order.weight_kg if weight_kg is None else weight_kg, 0, 10**9
        )
        o.loaded_pieces = check_int("pieces", order.pieces if pieces is None else pieces, 0, 10**9)
        o.loaded_at = at
        data = {
            "weight_kg": o.loaded_weight_kg,
            "pieces": o.loaded_pieces,
            "fee_fen": o.awarded_price_fen,
        }
    elif action == "deliver":
        o.delivered_at = at
        data = {"on_time": at <= order.delivery_deadline}
    elif action == "confirm_delivery":
        o.confirmed_at = at
    return Step(
        o,
        (
            _event(
                order.state, o, action if action != "deliver" else "delivered", actor, at, data=data
            ),
        ),
    )


def rate(order: Order, actor: Actor, at: int, stars: int, comment: str = "") -> Step:
    """The shipper rates the carrier or the carrier the shipper (1–5 stars), once each,
    after the shipper confirmed delivery."""
    check_transition(order, "rate")
    _require(order, actor, Role.SHIPPER, Role.CARRIER)
    check_int("stars", stars, 1, 5)
    if len(comment) > 2000:
        raise InvalidInputError.at("comment", "must be at most 2000 characters")
    o = order.copy()
    if actor.role is Role.SHIPPER:
        if order.shipper_rated:
            raise OrderStateError(order.order_id, order.state.value, "the shipper rated it already")
        o.shipper_rated = True
        ratee = f"carrier:{order.carrier_id}"
    else:
        if order.carrier_rated:
            raise OrderStateError(order.order_id, order.state.value, "the carrier rated it already")
        o.carrier_rated = True
        ratee = f"shipper:{order.shipper_id}"
    if order.state is State.CONFIRMED:
        o.state = State.RATED
    o.version += 1
    ev = _event(order.state, o, "rated", actor, at, comment, {"stars": stars, "ratee": ratee})
    return Step(o, (ev,))


def settle_order(
    order: Order,
    actor: Actor,
    at: int,
    surcharges: Mapping[str, int] | None = None,
    penalties: Mapping[str, int] | None = None,
) -> Step:
    """Settle a confirmed order: pay the carrier from escrow (see :mod:`engine.orders.ledger`)."""
    check_transition(order, "settle")
    _require(order, actor, Role.PLATFORM, Role.SHIPPER)
    s = settle(order, surcharges, penalties)
    o = _moved(order, State.SETTLED)
    o.settled_at = at
    data = {
        "charge_fen": s.charge_fen,
        "commission_fen": s.commission_fen,
        "payout_fen": s.payout_fen,
        "surcharges_fen": s.surcharges_fen,
        "penalties_fen": s.penalties_fen,
    }
    return Step(o, (_event(order.state, o, "settled", actor, at, data=data),), s.transaction, s)


def cancel(order: Order, actor: Actor, at: int, reason: str = "") -> Step:
    """Cancel by the rules of the module docstring (free before award, a fee after,
    refused after loading)."""
    check_transition(order, "cancel")
    if order.state is State.AWARDED:
        _require(order, actor, Role.SHIPPER, Role.CARRIER, Role.PLATFORM)
    else:
        _require(order, actor, Role.SHIPPER, Role.PLATFORM)
    if not reason:
        raise InvalidInputError.at("reason", "a cancellation needs a reason")
    o = _moved(order, State.CANCELLED)
    txn = None
    fee = 0
    if order.state is State.AWARDED:
        by = Role.SHIPPER if actor.role is Role.PLATFORM else actor.role
        if actor.role is Role.PLATFORM:
            txn = cancellation_transaction(order, Role.SHIPPER, _no_fee(order))
        else:
            txn = cancellation_transaction(order, by)
            fee = cancellation_fee(order)
    ev = _event(
        order.state, o, "cancelled", actor, at, reason, {"fee_fen": fee, "by": actor.role.value}
    )
    return Step(o, (ev,), txn)


def _no_fee(order: Order) -> Any:
    return replace(tariff_at(order.awarded_at), cancel_fee_bp=0, cancel_fee_min_fen=0)


def due(order: Order, at: int) -> bool:
    """True if the order's deadline has passed at ``at`` and a sweep must act on it
    (expire it, or auto-award a bidding order)."""
    if order.state not in OPEN_STATES:
        return False
    if order.state is State.BIDDING and not order.auto_award:
        return at > order.deadline + AWARD_WINDOW_S
    return at > order.deadline if order.state is not State.BIDDING else at >= order.deadline


def expire(order: Order, at: int, reason: str = "no award by the deadline") -> Step:
    """Expire an open order whose deadline passed (the system)."""
    check_transition(order, "expire")
    if not due(order, at) and not (order.state is State.BIDDING and at >= order.deadline):
        raise OrderStateError(
            order.order_id, order.state.value, f"its deadline {order.deadline} has not passed"
        )
    o = _moved(order, State.EXPIRED)
    return Step(o, (_event(order.state, o, "expired", SYSTEM, at, reason),))


@dataclass(frozen=True, slots=True)
class OrderException:
    """A cargo exception reported on an order.

    Attributes
    ----------
    exception_id, order_id
        Ids.
    kind
        One of :data:`engine.orders.tariff.EXCEPTION_KINDS`.
    owner
        Team that owns it (dispatch, customer_service, finance).
    opened_at, sla_due
        When it was reported and when its SLA runs out (Unix s).
    evidence
        Evidence metadata (photo ids, notes, location) as strings.
    reporter
        Who reported it.
    resolution, resolved_at
        How it was resolved ("" while open).
    surcharge_fen, penalty_fen
        Settlement changes decided by the resolution (added to the freight charge /
        deducted from it).
    escalated_at
        When the SLA ran out unresolved and the owner was alerted (0: not escalated).
    """

    exception_id: int
    order_id: int
    kind: str
    owner: str
    opened_at: int
    sla_due: int
    reporter: str
    evidence: Mapping[str, str]
    resolution: str = ""
    resolved_at: int = 0
    surcharge_fen: int = 0
    penalty_fen: int = 0
    escalated_at: int = 0


def report_exception(
    order: Order, actor: Actor, at: int, exception_id: int, kind: str, evidence: Mapping[str, str]
) -> tuple[Step, OrderException]:
    """Report an exception; the order waits in ``exception`` until it is resolved."""
    check_transition(order, "report_exception")
    _require(order, actor, Role.SHIPPER, Role.CARRIER, Role.PLATFORM)
    owner, sla = exception_terms(kind, at)
    for k, v in evidence.items():
        if len(k) > 64 or len(v) > 2000:
            raise InvalidInputError.at(
                f"evidence.{k[:64]}", "keys up to 64, values up to 2000 characters"
            )
    o = _moved(order, State.EXCEPTION)
    o.resume_state = order.state.value
    exc = OrderException(
        exception_id, order.order_id, kind, owner, at, sla, str(actor), dict(evidence)
    )
    data = {
        "exception_id": exception_id,
        "kind": kind,
        "owner": owner,
        "sla_due": sla,
        "replan": kind == "breakdown" and bool(order.live_plan_id),
    }
    return Step(o, (_event(order.state, o, "exception_reported", actor, at, kind, data),)), exc


def resolve_exception(
    order: Order,
    exc: OrderException,
    actor: Actor,
    at: int,
    resolution: str,
    surcharge_fen: int = 0,
    penalty_fen: int = 0,
) -> tuple[Step, OrderException]:
    """Resolve the open exception (the platform): the order resumes where it stopped and
    the settlement changes are kept for :func:`settle_order`."""
    check_transition(order, "resolve_exception")
    _require(order, actor, Role.PLATFORM)
    if not resolution:
        raise InvalidInputError.at("resolution", "must not be empty")
    check_int("surcharge_fen", surcharge_fen)
    check_int("penalty_fen", penalty_fen)
    o = _moved(order, State(order.resume_state))
    o.resume_state = ""
    done = replace(
        exc,
        resolution=resolution,
        resolved_at=at,
        surcharge_fen=surcharge_fen,
        penalty_fen=penalty_fen,
    )
    data = {
        "exception_id": exc.exception_id,
        "surcharge_fen": surcharge_fen,
        "penalty_fen": penalty_fen,
        "within_sla": at <= exc.sla_due,
    }
    return Step(
        o, (_event(order.state, o, "exception_resolved", actor, at, resolution, data),)
    ), done


def adjustments(exceptions: Iterable[OrderException]) -> tuple[dict[str, int], dict[str, int]]:
    """Surcharges and penalties from resolved exceptions, by ``exception_<id>``."""
    sur = {f"exception_{e.exception_id}": e.surcharge_fen for e in exceptions if e.surcharge_fen}
    pen = {f"exception_{e.exception_id}": e.penalty_fen for e in exceptions if e.penalty_fen}
    return sur, pen


__all__ = [
    "AWARD_WINDOW_S",
    "TRANSITIONS",
    "OrderException",
    "Step",
    "accept",
    "adjustments",
    "award",
    "cancel",
    "check_transition",
    "decline",
    "due",
    "expire",
    "grab",
    "offer",
    "post",
    "progress",
    "rate",
    "report_exception",
    "resolve_exception",
    "settle_order",
]
