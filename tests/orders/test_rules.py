"""Bidding, award rule, eligibility, distribution, credit and lane-rate guidance."""

from __future__ import annotations

import polars as pl
import pytest

from engine.errors import InvalidInputError
from engine.orders import machine as m
from engine.orders.auction import Bid, check_bid, check_withdraw, winner
from engine.orders.credit import (
    NEW_PARTY_SCORE,
    CreditStats,
    credit_score,
    star_level,
    vehicles_with_credit,
)
from engine.orders.eligibility import check_eligible, push_list
from engine.orders.errors import OrderStateError
from engine.orders.ledger import check_ledger
from engine.orders.model import Actor, Order, PriceMode, Role, State
from engine.orders.pricing import LaneRateModel, observations_from_loads
from tests.orders.helpers import T0, make_order, vehicle


def _bidding() -> Order:
    return m.post(make_order(mode=PriceMode.BIDDING, price_fen=200_000), T0).order


def test_bids_checked_against_deadline_and_amount() -> None:
    o = _bidding()
    assert check_bid(o, 150_000, T0 + 10) == 150_000  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError) as e:
        check_bid(o, -5, T0 + 10)  # type: ignore[arg-type]
    assert e.value.field == "amount_fen"
    with pytest.raises(InvalidInputError, match="amount_fen"):
        check_bid(o, 10**15, T0 + 10)  # type: ignore[arg-type]
    with pytest.raises(OrderStateError, match="bidding closed"):
        check_bid(o, 150_000, T0 + 1_801)  # type: ignore[arg-type]


def test_withdraw_rules() -> None:
    o = _bidding()
    b = Bid(1, 1, 5, 11, 150_000, T0 + 5)
    check_withdraw(o, b, 5, T0 + 6)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="actor"):
        check_withdraw(o, b, 6, T0 + 6)  # type: ignore[arg-type]
    with pytest.raises(OrderStateError):
        check_withdraw(o, b, 5, T0 + 2_000)  # type: ignore[arg-type]


def test_award_rule_combines_price_match_and_credit() -> None:
    """The cheapest bid wins at equal match and credit; a much better match and credit
    beats a slightly cheaper bid; bids above the reserve and withdrawn bids never win."""
    o = _bidding()
    cheap = Bid(1, 1, 5, 11, 100_000, T0 + 1, match_score=0.5, credit=80)
    dear = Bid(2, 1, 6, 12, 105_000, T0 + 2, match_score=0.5, credit=80)
    assert winner(o, [dear, cheap]) == cheap  # type: ignore[arg-type]
    strong = Bid(3, 1, 7, 13, 104_000, T0 + 3, match_score=1.0, credit=99)
    weak = Bid(4, 1, 8, 14, 100_000, T0 + 4, match_score=0.1, credit=40)
    assert winner(o, [weak, strong]) == strong  # type: ignore[arg-type]
    over = Bid(5, 1, 9, 15, 250_000, T0 + 5, match_score=1.0, credit=100)
    gone = Bid(6, 1, 9, 15, 90_000, T0 + 5, withdrawn=True)
    assert winner(o, [over, gone]) is None  # type: ignore[arg-type]


def test_manual_award_waits_for_deadline_then_auto_award_moves_money() -> None:
    o = _bidding()
    shipper = Actor(Role.SHIPPER, 7)
    with pytest.raises(OrderStateError, match="sealed bids open"):
        m.award(o, shipper, T0 + 10, 1, 5, 11, 100_000)  # type: ignore[arg-type]
    step = m.award(o, Actor(Role.PLATFORM, 0), T0 + 1_800, 1, 5, 11, 100_000, auto=True)  # type: ignore[arg-type]
    assert step.order.state is State.AWARDED
    assert step.events[0].kind == "auto_awarded"
    assert step.transaction is not None
    assert sum(x for _, x in step.transaction.postings) == 0


def test_eligibility_names_the_reason() -> None:
    o = make_order(max_deadhead_m=50_000, credit_floor=85, vehicle_types=("light_truck", "van"))
    check_eligible(o, vehicle(), 5, 90.0)
    cases = [
        (vehicle(carrier_id=6), 90.0, "does not belong"),
        (vehicle(vehicle_type="reefer"), 90.0, "accepts light_truck, van"),
        (vehicle(capacity_kg=1_000), 90.0, "carries 1000 kg"),
        (vehicle(), 80.25, "below the order's floor 85"),
        (vehicle(lat=39.9, lon=116.4), 90.0, "from the pickup"),
        (vehicle(status="offline"), 90.0, "offline"),
    ]
    for v, c, why in cases:
        with pytest.raises(InvalidInputError, match=why) as e:
            check_eligible(o, v, 5, c)
        assert e.value.field == "vehicle_id"


def test_push_list_keeps_a_quota_for_new_carriers() -> None:
    """Ten slots over 30 ranked carriers: the two best new carriers get in even when
    ranked low; without new carriers the top ten are pushed."""
    ranked = [(c, c * 10, 1.0 - c / 100) for c in range(1, 31)]
    veterans = {c: 50 for c in range(1, 31)}
    assert push_list(ranked, veterans, 10) == list(range(1, 11))
    mixed = dict(veterans)
    mixed[25] = 0
    mixed[28] = 1
    mixed[29] = 2
    out = push_list(ranked, mixed, 10)
    assert len(out) == 10
    assert 25 in out
    assert 28 in out
    assert 29 not in out
    assert out[:8] == list(range(1, 9))


def test_credit_formula_and_stars() -> None:
    assert credit_score(CreditStats()).score == NEW_PARTY_SCORE
    good = credit_score(
        CreditStats(ratings=40, stars_sum=200, deliveries=40, on_time=40, orders=40)
    )
    bad = credit_score(
        CreditStats(
            ratings=10,
            stars_sum=15,
            deliveries=10,
            on_time=3,
            orders=20,
            exceptions=6,
            cancellations=8,
        )
    )
    assert good.stars == 5
    assert good.score > 92
    assert bad.stars == 1
    assert bad.score < 60
    assert [star_level(x) for x in (95, 85, 76, 61, 10)] == [5, 4, 3, 2, 1]


def test_credit_feeds_the_matcher_rating(sample_world: object) -> None:
    """The matcher ranks a carrier lower after its credit drops: the rating component
    reads the credit archive through the vehicles' rating columns."""
    from engine.matching import Matcher

    w = sample_world
    vehicles = w.vehicles  # type: ignore[attr-defined]
    load = int(w.loads["load_id"][0])  # type: ignore[attr-defined]
    base = Matcher(vehicles, w.trips, now=w.now, loads=w.loads)  # type: ignore[attr-defined]
    top = base.recommend_vehicles(load, k=5)
    vid = int(top["vehicle_id"][0])
    carrier = int(vehicles.filter(pl.col("vehicle_id") == vid)["carrier_id"][0])
    bad = credit_score(
        CreditStats(
            ratings=200,
            stars_sum=200,
            deliveries=200,
            on_time=0,
            orders=200,
            exceptions=150,
            cancellations=100,
        )
    )
    v2 = vehicles_with_credit(vehicles, {carrier: bad})
    assert v2.filter(pl.col("carrier_id") == carrier)["rating"].max() < 1.5
    after = Matcher(v2, w.trips, now=w.now, loads=w.loads)  # type: ignore[attr-defined]
    row = after.recommend_vehicles(load, k=50).filter(pl.col("vehicle_id") == vid)
    assert row.is_empty() or float(row["score"][0]) < float(top["score"][0])
    assert row.is_empty() or float(row["rating_vs_prior"][0]) < float(top["rating_vs_prior"][0])


@pytest.fixture(scope="module")
def sample_world() -> object:
    from engine.data.sample import load_sample

    return load_sample()


def test_lane_rate_guidance_and_outliers(sample_world: object) -> None:
    """Guidance from the sample's posted prices: a plausible range, a cost fallback for
    an unseen lane and type-less model, and outliers flagged by the fences."""
    obs = observations_from_loads(sample_world.loads)  # type: ignore[attr-defined]
    model = LaneRateModel(obs)
    g = model.guidance("Nowhere", "Elsewhere", "heavy_truck", 500_000, T0)
    assert g.basis in ("type", "all")
    assert g.low_fen < g.mid_fen < g.high_fen
    assert g.fence_low_fen <= g.low_fen
    assert g.high_fen <= g.fence_high_fen
    assert g.is_outlier(g.fence_high_fen + 1)
    assert not g.is_outlier(g.mid_fen)
    empty = LaneRateModel(obs.head(0))
    c = empty.guidance("A", "B", "van", 100_000, T0)
    assert c.basis == "cost"
    assert c.mid_fen == round(250 * 1.3 * 100)
    with pytest.raises(InvalidInputError, match="vehicle_type"):
        model.guidance("A", "B", "boat", 1, T0)
    with pytest.raises(InvalidInputError, match="distance_m"):
        model.guidance("A", "B", "van", 2**62, T0)


def test_check_ledger_catches_tampering() -> None:
    entries = [(1, "a", 5), (1, "b", -5), (2, "a", 3), (2, "c", -2)]
    res = check_ledger(entries, {"a": 8, "b": -5, "c": -2})
    assert not res.ok
    assert res.unbalanced == [2]
    res2 = check_ledger(entries[:2], {"a": 6, "b": -5})
    assert res2.mismatched == {"a": (6, 5)}
    assert not res2.ok


def test_sealed_bids_visibility() -> None:
    """Before the deadline a carrier sees its own bids only and the shipper sees amounts
    hidden; after it the shipper sees them; another shipper is refused."""
    from engine.orders.auction import visible_bids

    o = _bidding()
    bids = [Bid(1, 1, 5, 11, 150_000, T0 + 5), Bid(2, 1, 6, 12, 140_000, T0 + 6)]
    assert visible_bids(o, bids, Actor(Role.CARRIER, 5), T0 + 10) == [bids[0]]
    hidden = visible_bids(o, bids, Actor(Role.SHIPPER, 7), T0 + 10)
    assert [b.amount_fen for b in hidden] == [0, 0]
    assert visible_bids(o, bids, Actor(Role.SHIPPER, 7), T0 + 1_801) == bids
    with pytest.raises(InvalidInputError, match="actor"):
        visible_bids(o, bids, Actor(Role.SHIPPER, 8), T0 + 10)
