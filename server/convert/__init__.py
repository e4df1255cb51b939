"""Protobuf ⇄ engine conversions: the one conversion point of the server.

One module per service, typed against the generated message stubs (``server/gen``):

* :mod:`server.convert.common` — limits on repeated fields, id lists, finite numbers and
  the small helpers every service shares;
* :mod:`server.convert.fleet` — vehicles, loads and trips tables (validated by
  :mod:`engine.data.loaders`, so a bad row is reported exactly as the engine reports it:
  ``vehicles.lat (row id 7): nan is not in [-90, 90]``; a field left unset is a missing
  value) and the Fleet responses;
* :mod:`server.convert.matching` — recommendations and dispatch results;
* :mod:`server.convert.routing` — routing problems, solutions, progress events and load
  plans;
* :mod:`server.convert.live` — live plans, events, forecasts and re-plan results.
* :mod:`server.convert.orders` — freight orders, bids, events, exceptions, credit and
  price guidance (``yunli.v1.Orders``).
* :mod:`server.convert.community` — community stores, couriers, stock, quotes and order
  statuses (``yunli.v1.Community``).

The servicers build no messages of their own: every response message is made here.
"""
