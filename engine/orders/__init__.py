"""Freight orders: the pure rules of the platform's transaction core.

Post, bid (竞价) or grab (抢单), carry, confirm, rate and settle, with no database:

* :mod:`~engine.orders.model` — the :class:`Order`, states, price modes, actors, events
* :mod:`~engine.orders.machine` — the state machine and cancellation rules
* :mod:`~engine.orders.auction` — sealed bids and the award rule
* :mod:`~engine.orders.eligibility` — who may bid or grab; whom an order is pushed to
* :mod:`~engine.orders.pricing` — bid guidance from the lane rate model
* :mod:`~engine.orders.tariff` — versioned fee tables
* :mod:`~engine.orders.ledger` — settlement and the double-entry ledger in fen
* :mod:`~engine.orders.credit` — the credit formula and star levels

The server's storage layer (``server/store/orders.py``) applies these rules inside
database transactions; the rules never import it.
"""

from __future__ import annotations

from engine.orders.auction import Bid, winner
from engine.orders.credit import Credit, CreditStats, credit_score, vehicles_with_credit
from engine.orders.errors import OrderStateError
from engine.orders.ledger import LedgerCheck, Settlement, Transaction, check_ledger, settle
from engine.orders.machine import OrderException, Step
from engine.orders.model import Actor, Event, Order, PriceMode, Role, State
from engine.orders.pricing import LaneRateModel, PriceGuidance

__all__ = [
    "Actor",
    "Bid",
    "Credit",
    "CreditStats",
    "Event",
    "LaneRateModel",
    "LedgerCheck",
    "Order",
    "OrderException",
    "OrderStateError",
    "PriceGuidance",
    "PriceMode",
    "Role",
    "Settlement",
    "State",
    "Step",
    "Transaction",
    "check_ledger",
    "credit_score",
    "settle",
    "vehicles_with_credit",
    "winner",
]
