"""Cross-border O2O supply chain: bonded and overseas fulfilment, customs, consolidation,
returns, offline stores and merchant onboarding.

Pure rules and models (no storage imports). Rules are versioned data under
``engine/crossborder/rules/`` (see :mod:`engine.crossborder.ruleset`); money is integer
fen, weights grams, volumes millilitres, lead times whole days.
"""

from __future__ import annotations

from engine.crossborder.dist import DayDist
from engine.crossborder.errors import (
    CustomsError,
    CustomsHoldError,
    CustomsRejectedError,
    LimitError,
    TransitionError,
)
from engine.crossborder.fulfil import Fulfiller, Option, Order, OrderLine, Quote
from engine.crossborder.model import Catalog, Customer, Leg, Merchant, Sku, Store, Warehouse
from engine.crossborder.ruleset import RuleBook, RuleTable, TaxRules
from engine.crossborder.tax import TaxLine, TaxQuote, compute_tax

__all__ = [
    "Catalog",
    "Customer",
    "CustomsError",
    "CustomsHoldError",
    "CustomsRejectedError",
    "DayDist",
    "Fulfiller",
    "Leg",
    "LimitError",
    "Merchant",
    "Option",
    "Order",
    "OrderLine",
    "Quote",
    "RuleBook",
    "RuleTable",
    "Sku",
    "Store",
    "TaxLine",
    "TaxQuote",
    "TaxRules",
    "TransitionError",
    "Warehouse",
    "compute_tax",
]
