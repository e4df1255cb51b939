"""Community stores: 30-minute delivery from stores and pick-up points, and replenishment.

A store serves the homes within its service radius (about a kilometre) and promises
delivery within half an hour; campuses and villages whose doors are closed are served
through a pick-up station (gate hand-over). Built on the live re-planner
(:mod:`engine.live`) and the routing core (:mod:`engine.routing`):

* :mod:`engine.stores.model`: stores and pick-up points, SKUs and stock, couriers and
  their shifts, orders, weather; every rule of the store network and its validation.
* :mod:`engine.stores.tariff`: the versioned, configurable delivery-fee tariff (fen).
* :mod:`engine.stores.dispatch`: the promise at order time (from the current plan) and
  the rolling-horizon dispatcher (promises as deadlines, orders not yet picked up
  re-assigned, couriers' positions through :func:`engine.live.apply_events`).
* :mod:`engine.stores.replenish`: hour × weekday demand forecast, order-up-to levels for
  a service-level target, and the van routing plan with store receiving windows.
* :mod:`engine.stores.simulate`: a seeded store day in a real city against the
  nearest-idle first-come-first-served and greedy-insertion baselines.
"""

from __future__ import annotations

from engine.stores.dispatch import Dispatcher, OrderStatus, Quote, QuoteOption
from engine.stores.model import (
    COURIER_MODES,
    Courier,
    Order,
    Site,
    Sku,
    StoreNetwork,
    Weather,
    WeatherPeriod,
)
from engine.stores.tariff import DEFAULT_TARIFF, Fee, Tariff

__all__ = [
    "COURIER_MODES",
    "DEFAULT_TARIFF",
    "Courier",
    "Dispatcher",
    "Fee",
    "Order",
    "OrderStatus",
    "Quote",
    "QuoteOption",
    "Site",
    "Sku",
    "StoreNetwork",
    "Tariff",
    "Weather",
    "WeatherPeriod",
]
