# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.CrossBorder``: rule tables, import tax and durable merchant onboarding."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import grpc

from engine.crossborder.ruleset import RuleBook
from engine.crossborder.tax import TaxLine, compute_tax
from engine.errors import InvalidInputError
from server.gen.yunli.v1 import crossborder_pb2 as pb
from server.store.crossborder import CrossBorderStore

#: The generated gRPC module (untyped generated code).
crossborder_grpc: Any = importlib.import_module("server.gen.yunli.v1.crossborder_pb2_grpc")


def _day(text: str, field: str) -> dt.date:
    if not text:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError.at(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


class CrossBorderServicer:
    """Implements ``yunli.v1.CrossBorder`` over the shipped rule tables and a
    :class:`~server.store.crossborder.CrossBorderStore`."""

    def __init__(self, store: CrossBorderStore, book: RuleBook | None = None) -> None:
        self._store = store
        self._book = book or RuleBook.load()

    def ListRules(self, request: pb.ListRulesRequest, context: grpc.ServicerContext) -> Any:
        day = _day(request.date, "date")
        return pb.ListRulesResponse(
            tables=[
                pb.RuleTable(
                    family=t.family,
                    version=t.version,
                    effective_from=t.effective_from.isoformat(),
                    effective_to=t.effective_to.isoformat() if t.effective_to else "",
                    in_force=t.covers(day),
                )
                for fam in sorted(self._book.tables)
                for t in self._book.tables[fam]
            ]
        )

    def QuoteTax(self, request: pb.QuoteTaxRequest, context: grpc.ServicerContext) -> Any:
        rules = self._book.tax(_day(request.date, "date"))
        lines = [
            TaxLine(x.sku_id or f"line{i + 1}", x.tax_class, x.quantity, x.value_fen)
            for i, x in enumerate(request.lines)
        ]
        q = compute_tax(lines, rules, request.annual_used_fen)
        return pb.QuoteTaxResponse(
            rules_version=q.rules_version,
            treatment=q.treatment,
            reason=q.reason,
            lines=[
                pb.CrossBorderLineTax(
                    sku_id=t.sku_id,
                    tariff_fen=t.tariff_fen,
                    consumption_fen=t.consumption_fen,
                    vat_fen=t.vat_fen,
                )
                for t in q.lines
            ],
            dutiable_fen=q.dutiable_fen,
            total_fen=q.total_fen,
            annual_after_fen=q.annual_after_fen,
        )

    @staticmethod
    def _state(ob: Any, rev: int) -> Any:
        return pb.OnboardingState(
            merchant_id=ob.merchant_id,
            done=[pb.OnboardingStep(step=s, date=d.isoformat()) for s, d in ob.done],
            next_step=ob.next_step or "",
            complete=ob.complete,
            revision=rev,
        )

    def AdvanceOnboarding(
        self, request: pb.AdvanceOnboardingRequest, context: grpc.ServicerContext
    ) -> Any:
        if not request.merchant_id:
            raise InvalidInputError.at("merchant_id", "is empty")
        ob, rev = self._store.advance(request.merchant_id, request.step, _day(request.date, "date"))
        return self._state(ob, rev)

    def GetOnboarding(self, request: pb.GetOnboardingRequest, context: grpc.ServicerContext) -> Any:
        ob, rev = self._store.onboarding(request.merchant_id)
        return self._state(ob, rev)


def register(server: grpc.Server, store: Any) -> None:
    """Add the ``CrossBorder`` service to ``server``, stored in ``store``'s database."""
    crossborder_grpc.add_CrossBorderServicer_to_server(
        CrossBorderServicer(CrossBorderStore(store)), server
    )
