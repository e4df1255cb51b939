"""Customs declaration (三单: order, payment and waybill records) and clearance.

A cross-border order is declared with three records pushed together by the platform, the
payment company and the carrier. Customs checks that they agree (same order, the buyer is
the payer, the paid amount is the order total, the goods are on the positive list) and
rejects the declaration otherwise; then the goods clear after a lead time drawn from the
mode's distribution (bonded stock, customs code 1210; direct mail, 9610), unless an
inspection holds them for extra days. A rejection raises :class:`CustomsRejectedError`,
a hold :class:`CustomsHoldError`; both name the order.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from engine.crossborder.errors import CustomsHoldError, CustomsRejectedError
from engine.crossborder.fulfil import Quote
from engine.crossborder.model import Catalog
from engine.crossborder.ruleset import BP, CustomsRules, TaxRules
from engine.errors import InvalidInputError

#: Fulfilment source -> customs mode.
MODE_OF_SOURCE = {"bonded": "bonded", "store": "bonded", "direct_mail": "direct_mail"}


@dataclass(frozen=True, slots=True)
class DeclaredLine:
    """One line of the order record."""

    sku_id: str
    hs_code: str
    quantity: int
    value_fen: int


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """The platform's order record (订单)."""

    order_id: str
    buyer_id: str
    buyer_name: str
    lines: tuple[DeclaredLine, ...]
    goods_fen: int
    freight_fen: int
    tax_fen: int

    @property
    def total_fen(self) -> int:
        """What the buyer pays: goods + freight + tax."""
        return self.goods_fen + self.freight_fen + self.tax_fen


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """The payment company's record (支付单)."""

    payment_id: str
    order_id: str
    payer_id: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class WaybillRecord:
    """The carrier's record (运单)."""

    waybill_id: str
    order_id: str
    consignee_id: str
    weight_g: int


@dataclass(frozen=True, slots=True)
class Declaration:
    """The three records declared together, with the mode and the rule versions."""

    order: OrderRecord
    payment: PaymentRecord
    waybill: WaybillRecord
    mode: str
    declared_on: dt.date
    tax_version: str


@dataclass(frozen=True, slots=True)
class Clearance:
    """A released declaration: days from declaration to release, and whether held first."""

    order_id: str
    mode: str
    days: int
    held_days: int
    released_on: dt.date
    customs_version: str


def declare(
    quote: Quote, catalog: Catalog, declared_on: dt.date, *, payer_id: str | None = None
) -> Declaration:
    """Build the three records of a quoted order (``payer_id`` defaults to the buyer).

    Raises
    ------
    InvalidInputError
        A declaration date before the order date (field ``declared_on``).
    """
    order, opt = quote.order, quote.chosen
    if declared_on < order.order_date:
        raise InvalidInputError.at("declared_on", "is before the order date", order.order_id)
    customer = catalog.customer(order.customer_id)
    lines = tuple(
        DeclaredLine(
            t.sku_id,
            catalog.skus[t.sku_id].hs_code,
            ln.quantity,
            catalog.skus[t.sku_id].unit_price_fen * ln.quantity,
        )
        for t, ln in zip(opt.tax.lines, order.lines, strict=True)
    )
    rec = OrderRecord(
        order.order_id,
        customer.customer_id,
        customer.name,
        lines,
        opt.goods_fen,
        opt.freight_fen,
        opt.tax.total_fen,
    )
    weight = sum(catalog.skus[ln.sku_id].weight_g * ln.quantity for ln in order.lines)
    return Declaration(
        rec,
        PaymentRecord(
            f"PAY-{order.order_id}", order.order_id, payer_id or customer.customer_id, rec.total_fen
        ),
        WaybillRecord(f"WB-{order.order_id}", order.order_id, customer.customer_id, weight),
        MODE_OF_SOURCE[opt.source],
        declared_on,
        opt.tax.rules_version,
    )


def check_records(decl: Declaration, customs: CustomsRules, tax: TaxRules) -> None:
    """Customs' consistency check of the three records.

    Raises
    ------
    CustomsRejectedError
        Records naming different orders, a payer who is not the buyer, a paid amount
        off the order total by more than the tolerance, a consignee who is not the buyer,
        goods off the positive list, an unknown mode; the reason names the record field.
    """
    o, p, w = decl.order, decl.payment, decl.waybill
    oid = o.order_id
    if p.order_id != oid:
        raise CustomsRejectedError(oid, f"payment.order_id {p.order_id!r} is another order")
    if w.order_id != oid:
        raise CustomsRejectedError(oid, f"waybill.order_id {w.order_id!r} is another order")
    if p.payer_id != o.buyer_id:
        raise CustomsRejectedError(
            oid, f"payment.payer_id {p.payer_id!r} is not the buyer {o.buyer_id!r}"
        )
    if abs(p.amount_fen - o.total_fen) > customs.amount_tolerance_fen:
        raise CustomsRejectedError(
            oid, f"payment.amount_fen {p.amount_fen} differs from the order total {o.total_fen}"
        )
    if w.consignee_id != o.buyer_id:
        raise CustomsRejectedError(
            oid, f"waybill.consignee_id {w.consignee_id!r} is not the buyer {o.buyer_id!r}"
        )
    if decl.mode not in customs.modes:
        raise CustomsRejectedError(oid, f"mode {decl.mode!r} unknown to {customs.version}")
    for ln in o.lines:
        if ln.hs_code[:4] not in tax.positive_list:
            raise CustomsRejectedError(
                oid, f"order.lines hs_code {ln.hs_code} not on the positive list ({tax.version})"
            )


def clear(decl: Declaration, customs: CustomsRules, tax: TaxRules, rng: random.Random) -> Clearance:
    """Check the records, then draw the clearance lead time (and an inspection hold).

    Raises
    ------
    CustomsRejectedError
        The records disagree (see :func:`check_records`).
    CustomsHoldError
        Inspection holds the goods; ``extra_days`` is drawn from the mode's hold
        distribution. Call :func:`release` to clear them afterwards.
    """
    check_records(decl, customs, tax)
    mode = customs.modes[decl.mode]
    days = mode.clearance.sample(rng)
    if rng.randrange(BP) < mode.hold_bp:
        extra = mode.hold_extra.sample(rng)
        raise CustomsHoldError(
            decl.order.order_id,
            f"inspection ({customs.version}): {extra} extra day(s)",
            extra,
            days + extra,
        )
    return Clearance(
        decl.order.order_id,
        decl.mode,
        days,
        0,
        decl.declared_on + dt.timedelta(days=days),
        customs.version,
    )


def release(decl: Declaration, hold: CustomsHoldError, customs: CustomsRules) -> Clearance:
    """The clearance of a held declaration once the inspection is over."""
    return Clearance(
        decl.order.order_id,
        decl.mode,
        hold.release_after_days,
        hold.extra_days,
        decl.declared_on + dt.timedelta(days=hold.release_after_days),
        customs.version,
    )


__all__ = [
    "Clearance",
    "Declaration",
    "DeclaredLine",
    "OrderRecord",
    "PaymentRecord",
    "WaybillRecord",
    "check_records",
    "clear",
    "declare",
    "release",
]
