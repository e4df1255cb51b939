"""The order state machine, cancellation rules and the ledger it produces (no database)."""

from __future__ import annotations

import itertools

import pytest

from engine.errors import InvalidInputError
from engine.orders import machine as m
from engine.orders.errors import OrderStateError
from engine.orders.ledger import ESCROW, check_ledger, shipper_account
from engine.orders.model import Actor, Order, PriceMode, Role, State
from tests.orders.helpers import T0, make_order

SHIPPER = Actor(Role.SHIPPER, 7)
CARRIER = Actor(Role.CARRIER, 5)
OPS = Actor(Role.PLATFORM, 1)


def _awarded() -> Order:
    o = m.post(make_order(), T0).order
    return m.grab(o, CARRIER, 11, T0 + 10).order


def test_full_lifecycle_events_and_balanced_ledger() -> None:
    """post → grab → load → depart → deliver → confirm → rate ×2 → settle: every step one
    event naming both states, versions increase, and the money balances to zero."""
    steps = [m.post(make_order(), T0)]
    o = steps[-1].order
    assert o.state is State.GRABBING
    assert [e.kind for e in steps[0].events] == [
        "posted",
        "opened_grabbing",
    ]
    steps.append(m.grab(o, CARRIER, 11, T0 + 10))
    for action, actor in (
        ("confirm_loading", CARRIER),
        ("depart", CARRIER),
        ("deliver", CARRIER),
        ("confirm_delivery", SHIPPER),
    ):
        steps.append(m.progress(steps[-1].order, action, actor, T0 + 20_000))
    steps.append(m.rate(steps[-1].order, SHIPPER, T0 + 20_100, 5, "good"))
    steps.append(m.rate(steps[-1].order, CARRIER, T0 + 20_200, 4))
    steps.append(m.settle_order(steps[-1].order, OPS, T0 + 20_300))
    final = steps[-1].order
    assert final.state is State.SETTLED
    assert final.shipper_rated
    assert final.carrier_rated
    events = [e for s in steps for e in s.events]
    assert [e.to_state for e in events][-4:] == ["confirmed", "rated", "rated", "settled"]
    for a, b in itertools.pairwise(events):
        assert b.from_state == a.to_state
    txns = [s.transaction for s in steps if s.transaction is not None]
    entries = [(i, a, x) for i, t in enumerate(txns) for a, x in t.postings]
    balances: dict[str, int] = {}
    for _, a, x in entries:
        balances[a] = balances.get(a, 0) + x
    assert check_ledger(entries, balances).ok
    assert balances[ESCROW] == 0
    assert balances[shipper_account(7)] == -150_000
    s = steps[-1].settlement
    assert s is not None
    assert s.charge_fen == 150_000
    assert s.commission_fen == 12_000
    assert s.payout_fen + s.commission_fen == s.charge_fen


def test_illegal_transition_names_current_state() -> None:
    """Delivering an order still in grabbing is refused with the state named."""
    o = m.post(make_order(), T0).order
    with pytest.raises(OrderStateError, match="order 1 is grabbing: cannot deliver"):
        m.progress(o, "deliver", CARRIER, T0)


def test_second_grab_refused() -> None:
    """Once awarded, another grab answers with the awarded state."""
    o = _awarded()
    with pytest.raises(OrderStateError, match="is awarded"):
        m.grab(o, Actor(Role.CARRIER, 6), 12, T0 + 11)


def test_grab_after_deadline_refused() -> None:
    o = m.post(make_order(), T0).order
    with pytest.raises(OrderStateError, match="deadline"):
        m.grab(o, CARRIER, 11, T0 + 1_801)


def test_cancel_free_before_award() -> None:
    o = m.post(make_order(), T0).order
    step = m.cancel(o, SHIPPER, T0 + 5, "changed plans")
    assert step.order.state is State.CANCELLED
    assert step.transaction is None


def test_cancel_after_award_costs_a_fee_and_refunds_the_rest() -> None:
    """Shipper cancels an awarded order: 10% of the price (min 50 yuan) to the carrier
    less commission, the rest refunded, escrow emptied."""
    step = m.cancel(_awarded(), SHIPPER, T0 + 100, "no longer needed")
    assert step.transaction is not None
    post = dict(step.transaction.postings)
    assert post[ESCROW] == -150_000
    assert post["shipper:7"] == 135_000
    assert post["carrier:5"] + post["platform:commission"] == 15_000
    assert step.events[0].data["fee_fen"] == 15_000


def test_carrier_cancel_pays_the_shipper() -> None:
    step = m.cancel(_awarded(), CARRIER, T0 + 100, "truck broke")
    assert step.transaction is not None
    post = dict(step.transaction.postings)
    assert post["carrier:5"] == -15_000
    assert post["shipper:7"] > 150_000


def test_cancel_refused_after_loading() -> None:
    o = m.progress(_awarded(), "confirm_loading", CARRIER, T0 + 200).order
    with pytest.raises(OrderStateError, match="loading_confirmed: cannot cancel after loading"):
        m.cancel(o, SHIPPER, T0 + 300, "too late")


def test_rating_before_confirmation_refused() -> None:
    o = m.progress(_awarded(), "confirm_loading", CARRIER, T0 + 200).order
    with pytest.raises(OrderStateError, match="is loading_confirmed: cannot rate"):
        m.rate(o, SHIPPER, T0 + 300, 5)


def test_only_parties_act() -> None:
    """A stranger carrier cannot progress the order; the field named is the actor."""
    with pytest.raises(InvalidInputError, match="actor"):
        m.progress(_awarded(), "confirm_loading", Actor(Role.CARRIER, 99), T0 + 200)


def test_expiry_and_due() -> None:
    o = m.post(make_order(), T0).order
    assert not m.due(o, T0 + 1_800)
    assert m.due(o, T0 + 1_801)
    assert m.expire(o, T0 + 1_801).order.state is State.EXPIRED
    with pytest.raises(OrderStateError):
        m.expire(m.post(make_order(), T0).order, T0 + 10)


def test_exception_holds_then_resumes_and_changes_settlement() -> None:
    o = m.progress(_awarded(), "confirm_loading", CARRIER, T0 + 200).order
    o = m.progress(o, "depart", CARRIER, T0 + 300).order
    step, exc = m.report_exception(o, CARRIER, T0 + 400, 1, "damage", {"photo": "p1.jpg"})
    assert step.order.state is State.EXCEPTION
    assert exc.owner == "customer_service"
    assert exc.sla_due == T0 + 400 + 24 * 3600
    with pytest.raises(OrderStateError, match="exception"):
        m.progress(step.order, "deliver", CARRIER, T0 + 500)
    step2, done = m.resolve_exception(
        step.order, exc, OPS, T0 + 600, "carrier pays damage", 0, 20_000
    )
    assert step2.order.state is State.IN_TRANSIT
    o = m.progress(step2.order, "deliver", CARRIER, T0 + 700).order
    o = m.progress(o, "confirm_delivery", SHIPPER, T0 + 800).order
    sur, pen = m.adjustments([done])
    s = m.settle_order(o, OPS, T0 + 900, sur, pen).settlement
    assert s is not None
    assert s.charge_fen == 130_000


def test_late_delivery_penalty() -> None:
    o = m.progress(_awarded(), "confirm_loading", CARRIER, T0 + 200).order
    o = m.progress(o, "depart", CARRIER, T0 + 300).order
    o = m.progress(o, "deliver", CARRIER, o.delivery_deadline + 3_601).order  # 2 started hours
    o = m.progress(o, "confirm_delivery", SHIPPER, o.delivered_at + 10).order
    s = m.settle_order(o, OPS, o.confirmed_at + 1).settlement
    assert s is not None
    assert s.penalties_fen == 4_000
    assert s.charge_fen == 146_000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price_fen", 10**13),
        ("price_fen", -1),
        ("weight_kg", 0),
        ("origin_lat", 91.0),
        ("vehicle_types", ("spaceship",)),
        ("deadline", T0 + 10**6),
    ],
)
def test_post_bad_fields_named(field: str, value: object) -> None:
    """Overflowing or invalid posted values are refused naming the field."""
    with pytest.raises(InvalidInputError) as e:
        m.post(make_order(**{field: value}), T0)
    assert e.value.field == field


def test_fixed_price_offer_accept_decline() -> None:
    o = m.post(make_order(mode=PriceMode.FIXED), T0).order
    assert o.state is State.POSTED
    o = m.offer(o, 5, OPS, T0 + 1).order
    o2 = m.decline(o, CARRIER, T0 + 2).order
    assert o2.state is State.POSTED
    assert o2.offered_carrier_id == -1
    with pytest.raises(InvalidInputError, match="actor"):
        m.accept(o, Actor(Role.CARRIER, 6), 12, T0 + 3)
    a = m.accept(o, CARRIER, 11, T0 + 3)
    assert a.order.state is State.AWARDED
    assert a.order.awarded_price_fen == 150_000
