"""Fulfilment choice per order: store shelf, bonded warehouse or overseas direct mail.

Every source that holds all the order's lines is priced — goods, freight, handling, customs
fee and the import tax on the dutiable value (goods + freight) — and given a lead-time
distribution (handling, waiting for the leg's cut-off, international transit, customs
clearance with its chance of an inspection hold, domestic delivery). The promise is the
distribution's quantile at the service level. The cheapest landed cost among the sources
whose promise meets the order's ``deliver_by`` wins; if none does, the fastest wins and the
quote says so. Every quote names the rule-table versions it used.

Purchase modes of the offline stores: ``spot`` (现货购, taken home from the store's shelf),
``sample`` (样品购, scan a sample, shipped home), ``touchscreen`` (触屏购) and ``share``
(分享购, through a store's shared link) — the last three ship from a warehouse to the
customer's home; ``online`` is an order on the platform without a store.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from engine.crossborder.dist import DayDist
from engine.crossborder.errors import LimitError
from engine.crossborder.model import (
    G_PER_KG,
    MAX_QUANTITY,
    Catalog,
    Leg,
    Sku,
    Warehouse,
    great_circle_km,
)
from engine.crossborder.ruleset import CustomsMode, RuleBook, TaxRules
from engine.crossborder.tax import TaxLine, TaxQuote, compute_tax
from engine.errors import InfeasibleError, InvalidInputError

#: Purchase modes and their Chinese names.
PURCHASE_MODES: Final = {
    "spot": "现货购",
    "sample": "样品购",
    "touchscreen": "触屏购",
    "share": "分享购",
    "online": "线上",
}
#: Modes that come through a store.
STORE_MODES: Final = frozenset({"spot", "sample", "touchscreen", "share"})
#: Domestic delivery: (up to this many km, days) bands; beyond the last, its days + 1.
DOMESTIC_DAYS: Final = ((50, 0), (300, 1), (1000, 2), (2000, 3))
#: Domestic express: first kilogram and each started extra kilogram, fen.
DOMESTIC_FIRST_KG_FEN: Final = 800
DOMESTIC_EXTRA_KG_FEN: Final = 200
#: Extra first-kilogram price per distance band (of :data:`DOMESTIC_DAYS`) beyond the first.
DOMESTIC_BAND_FEN: Final = 100
#: Days a warehouse takes to pick and pack before the goods can leave.
HANDLING_DAYS: Final = 1


@dataclass(frozen=True, slots=True)
class OrderLine:
    """``quantity`` units of ``sku_id``."""

    sku_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Order:
    """A customer's order as placed.

    ``deliver_by`` is the latest acceptable delivery date (``None``: no deadline).
    ``store_id`` is required for the store modes.
    """

    order_id: str
    customer_id: str
    order_date: dt.date
    purchase_mode: str
    lines: tuple[OrderLine, ...]
    store_id: str | None = None
    deliver_by: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """One way to fulfil an order, priced and timed.

    ``source`` is ``"store"``, ``"bonded"`` or ``"direct_mail"``; ``leg_id`` is set for
    direct mail. ``promise_days`` is the lead time's quantile at the service level;
    ``line_goods`` the goods value of each line (SKU id, fen); ``before_clearance`` the
    lead time without customs clearance (``lead`` is it plus the clearance distribution).
    """

    source: str
    warehouse_id: str
    leg_id: str | None
    goods_fen: int
    freight_fen: int
    handling_fen: int
    customs_fee_fen: int
    tax: TaxQuote
    lead: DayDist
    promise_days: int
    promised_date: dt.date
    meets_deadline: bool
    line_goods: tuple[tuple[str, int], ...]
    before_clearance: DayDist

    @property
    def landed_fen(self) -> int:
        """Goods + freight + handling + customs fee + import tax."""
        return (
            self.goods_fen
            + self.freight_fen
            + self.handling_fen
            + self.customs_fee_fen
            + self.tax.total_fen
        )

    def describe(self) -> str:
        """One line: where from, landed cost and promise."""
        via = f" via {self.leg_id}" if self.leg_id else ""
        return (
            f"{self.source} {self.warehouse_id}{via}: landed ¥{self.landed_fen / 100:,.2f} "
            f"(tax ¥{self.tax.total_fen / 100:,.2f}), promise {self.promise_days} d "
            f"({self.promised_date})"
        )


@dataclass(frozen=True, slots=True)
class Quote:
    """The fulfilment decision for one order, with its reason and rule versions."""

    order: Order
    chosen: Option
    options: tuple[Option, ...]
    excluded: tuple[tuple[str, str], ...]
    reason: str
    tax_version: str
    customs_version: str
    policy_version: str
    shippers: tuple[tuple[str, str], ...]

    @property
    def on_time(self) -> bool:
        """Whether the chosen option's promise meets ``deliver_by``."""
        return self.chosen.meets_deadline

    def summary(self) -> str:
        """Several lines: the choice, the reason and the alternatives."""
        out = [
            f"order {self.order.order_id}: {self.chosen.describe()}",
            f"  reason: {self.reason}",
            f"  tax: {self.chosen.tax.treatment} ({self.chosen.tax.reason}); rules "
            f"{self.tax_version}, {self.customs_version}, {self.policy_version}",
        ]
        out += [f"  option: {o.describe()}" for o in self.options if o is not self.chosen]
        out += [f"  excluded: {w}: {why}" for w, why in self.excluded]
        return "\n".join(out)


def domestic_days(km: float) -> int:
    """Days of domestic delivery over ``km`` kilometres (see :data:`DOMESTIC_DAYS`)."""
    for limit, days in DOMESTIC_DAYS:
        if km <= limit:
            return days
    return DOMESTIC_DAYS[-1][1] + 1


def domestic_fen(weight_g: int, km: float = 0.0) -> int:
    """Domestic express price of a parcel: first kilogram (plus
    :data:`DOMESTIC_BAND_FEN` per distance band beyond the first) and each extra kilogram."""
    extra = max(0, -(-weight_g // G_PER_KG) - 1)
    band = sum(km > limit for limit, _ in DOMESTIC_DAYS)
    return DOMESTIC_FIRST_KG_FEN + band * DOMESTIC_BAND_FEN + extra * DOMESTIC_EXTRA_KG_FEN


@lru_cache(maxsize=4096)
def _clearance(mode: CustomsMode) -> DayDist:
    return mode.clearance.mixed(mode.clearance + mode.hold_extra, mode.hold_bp)


@lru_cache(maxsize=65536)
def _lead(rest: DayDist, clearance: DayDist) -> DayDist:
    return rest + clearance


class Fulfiller:
    """Quotes orders against a :class:`Catalog` and the :class:`RuleBook`.

    Parameters
    ----------
    catalog
        Merchants, SKUs, warehouses with stock, legs and customers.
    rules
        The rule tables; each quote uses those in force on the order date.
    service_level_bp
        Promise quantile of the lead time (9000 = the date 90% of orders beat).
    """

    def __init__(self, catalog: Catalog, rules: RuleBook, service_level_bp: int = 9000) -> None:
        if not 0 < service_level_bp <= 10_000:
            raise InvalidInputError.at(
                "service_level_bp", f"must be in (0, 10000]: {service_level_bp}"
            )
        self.catalog = catalog
        self.rules = rules
        self.service_level_bp = service_level_bp
        self._bonded = [w for w in catalog.warehouses.values() if w.kind == "bonded"]
        self._overseas = [w for w in catalog.warehouses.values() if w.kind == "overseas"]

    def refresh(self) -> None:
        """Re-read the warehouse list after adding warehouses to the catalog."""
        self._bonded = [w for w in self.catalog.warehouses.values() if w.kind == "bonded"]
        self._overseas = [w for w in self.catalog.warehouses.values() if w.kind == "overseas"]

    def _validate(self, order: Order) -> list[tuple[Sku, int]]:
        cat = self.catalog
        if order.purchase_mode not in PURCHASE_MODES:
            raise InvalidInputError.at(
                "purchase_mode", f"must be one of {list(PURCHASE_MODES)}", order.order_id
            )
        if not order.lines:
            raise InvalidInputError.at("lines", "an order needs at least one line", order.order_id)
        cat.customer(order.customer_id)
        store_merchant = None
        if order.purchase_mode in STORE_MODES:
            if order.store_id is None:
                raise InvalidInputError.at(
                    "store_id", f"required for {order.purchase_mode} orders", order.order_id
                )
            store_merchant = cat.store(order.store_id).merchant_id
        if order.deliver_by is not None and order.deliver_by < order.order_date:
            raise InvalidInputError.at("deliver_by", "is before the order date", order.order_id)
        out: list[tuple[Sku, int]] = []
        seen: set[str] = set()
        for ln in order.lines:
            sku = cat.sku(ln.sku_id)
            if ln.sku_id in seen:
                raise InvalidInputError.at("sku_id", "appears on two lines", ln.sku_id)
            seen.add(ln.sku_id)
            q = ln.quantity
            if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= MAX_QUANTITY:
                raise InvalidInputError.at(
                    "quantity", f"must be in [1, {MAX_QUANTITY}], got {q!r}", ln.sku_id
                )
            if (
                store_merchant is not None
                and sku.owner == "merchant"
                and sku.merchant_id != store_merchant
            ):
                raise InvalidInputError.at(
                    "sku_id",
                    f"another merchant's goods cannot be sold in store {order.store_id}",
                    ln.sku_id,
                )
            out.append((sku, q))
        return out

    def _tax(
        self, order: Order, items: list[tuple[Sku, int]], freight: int, tax_rules: TaxRules
    ) -> TaxQuote:
        """The order's tax with ``freight`` allocated to lines by value (largest remainder
        keeps the sum exact), as freight and insurance are dutiable."""
        goods = [sku.unit_price_fen * q for sku, q in items]
        total_goods = sum(goods)
        shares = [freight * g // total_goods for g in goods]
        left = freight - sum(shares)
        if left:
            by_rest = sorted(range(len(goods)), key=lambda i: -(freight * goods[i] % total_goods))
            for i in by_rest[:left]:
                shares[i] += 1
        lines = [
            TaxLine(sku.sku_id, sku.tax_class, q, g + s)
            for (sku, q), g, s in zip(items, goods, shares, strict=True)
        ]
        used = self.catalog.customers[order.customer_id].used(order.order_date.year)
        return compute_tax(lines, tax_rules, used)

    def _option(
        self,
        order: Order,
        line_goods: tuple[tuple[str, int], ...],
        source: str,
        w: Warehouse,
        leg: Leg | None,
        freight: int,
        handling: int,
        fee: int,
        lead: DayDist,
        before_clearance: DayDist,
        tax: TaxQuote,
    ) -> Option:
        promise = lead.quantile(self.service_level_bp)
        date = order.order_date + dt.timedelta(days=promise)
        meets = order.deliver_by is None or date <= order.deliver_by
        return Option(
            source,
            w.warehouse_id,
            None if leg is None else leg.leg_id,
            sum(g for _, g in line_goods),
            freight,
            handling,
            fee,
            tax,
            lead,
            promise,
            date,
            meets,
            line_goods,
            before_clearance,
        )

    def options(self, order: Order) -> tuple[list[Option], list[tuple[str, str]]]:
        """Every source able to serve ``order`` and the ones excluded, with why.

        Raises
        ------
        InvalidInputError
            Unknown SKU, quantity out of range, missing store for a store mode, ...
        LimitError
            The tax rules refuse the order (the same under every source).
        """
        items = self._validate(order)
        cat = self.catalog
        customer = cat.customers[order.customer_id]
        customs = self.rules.customs(order.order_date)
        tax_rules = self.rules.tax(order.order_date)
        weight = sum(s.weight_g * q for s, q in items)
        volume = sum(s.volume_ml * q for s, q in items)
        opts: list[Option] = []
        excluded: list[tuple[str, str]] = []
        limit_errors: list[LimitError] = []
        taxes: dict[int, TaxQuote | LimitError] = {}
        line_goods = tuple((sku.sku_id, sku.unit_price_fen * q) for sku, q in items)

        def add(
            source: str,
            w: Warehouse,
            leg: Leg | None,
            freight: int,
            handling: int,
            fee: int,
            lead: DayDist,
            rest: DayDist,
        ) -> None:
            # The freight is dutiable, so a limit may bite for one source and not another.
            # Sources with the same freight share one tax computation.
            tax = taxes.get(freight)
            if tax is None:
                try:
                    tax = taxes[freight] = self._tax(order, items, freight, tax_rules)
                except LimitError as e:
                    taxes[freight] = e
                    tax = e
            if isinstance(tax, LimitError):
                limit_errors.append(tax)
                excluded.append((w.warehouse_id, str(tax)))
                return
            opts.append(
                self._option(
                    order, line_goods, source, w, leg, freight, handling, fee, lead, rest, tax
                )
            )

        def holds(w: Warehouse) -> str | None:
            for sku, q in items:
                have = w.stock.get(sku.sku_id, 0)
                if have < q:
                    return f"{sku.sku_id}: {have} in stock, {q} needed"
            return None

        if order.purchase_mode == "spot":
            assert order.store_id is not None
            shelf = cat.warehouse(cat.stores[order.store_id].warehouse_id)
            why = holds(shelf)
            if why is not None:
                raise InfeasibleError(
                    f"order {order.order_id}: spot purchase (现货购) but store "
                    f"{order.store_id} lacks {why}"
                )
            zero = DayDist.fixed(0)
            add("store", shelf, None, 0, 0, customs.modes["bonded"].fee_fen, zero, zero)
        else:
            bonded_fee = customs.modes["bonded"].fee_fen
            mail_fee = customs.modes["direct_mail"].fee_fen
            bonded_clear = _clearance(customs.modes["bonded"])
            mail_clear = _clearance(customs.modes["direct_mail"])
            for w in self._bonded:
                why = holds(w)
                if why is not None:
                    excluded.append((w.warehouse_id, why))
                    continue
                km = great_circle_km(w.lat, w.lon, customer.lat, customer.lon)
                rest = DayDist.fixed(HANDLING_DAYS + domestic_days(km))
                lead = _lead(rest, bonded_clear)
                dom = domestic_fen(weight, km)
                add("bonded", w, None, dom, w.handling_fen, bonded_fee, lead, rest)
            weekday = order.order_date.weekday()
            for w in self._overseas:
                why = holds(w)
                if why is not None:
                    excluded.append((w.warehouse_id, why))
                    continue
                for leg in cat.legs_from.get(w.warehouse_id, ()):
                    wait = leg.days_to_departure((weekday + HANDLING_DAYS) % 7)
                    km = great_circle_km(leg.port_lat, leg.port_lon, customer.lat, customer.lon)
                    rest = leg.transit.shift(HANDLING_DAYS + wait + domestic_days(km))
                    lead = _lead(rest, mail_clear)
                    freight = leg.freight_fen(weight, volume) + domestic_fen(weight, km)
                    add("direct_mail", w, leg, freight, w.handling_fen, mail_fee, lead, rest)
        if not opts and limit_errors:
            raise limit_errors[0]
        return opts, excluded

    def quote(self, order: Order) -> Quote:
        """Choose the source of ``order``: least landed cost among those meeting its
        ``deliver_by`` (else the fastest), with the reason.

        Raises
        ------
        InvalidInputError
            Bad order input (see :meth:`options`).
        LimitError
            The tax rules refuse the order.
        InfeasibleError
            No warehouse (or, for a spot purchase, not the store) holds all the lines.
        """
        opts, excluded = self.options(order)
        if not opts:
            raise InfeasibleError(
                f"order {order.order_id}: no warehouse holds all lines ("
                + "; ".join(f"{w}: {why}" for w, why in excluded[:5])
                + ")"
            )
        ok = [o for o in opts if o.meets_deadline]
        if ok:
            best = min(ok, key=lambda o: (o.landed_fen, o.promise_days, o.warehouse_id))
            dearer = [o for o in opts if o is not best and o.meets_deadline]
            late = len(opts) - len(ok)
            reason = f"least landed cost ¥{best.landed_fen / 100:,.2f} among {len(ok)} source(s)"
            if dearer:
                nxt = min(dearer, key=lambda o: o.landed_fen)
                reason += f" (next: {nxt.source} {nxt.warehouse_id} ¥{nxt.landed_fen / 100:,.2f})"
            if late:
                reason += f"; {late} source(s) miss deliver-by {order.deliver_by}"
        else:
            best = min(opts, key=lambda o: (o.promise_days, o.landed_fen, o.warehouse_id))
            reason = (
                f"no source meets deliver-by {order.deliver_by}; fastest is "
                f"{best.promise_days} d ({best.promised_date})"
            )
        policy = self.rules.orders(order.order_date)
        shippers = tuple(
            (ln.sku_id, policy.shipper[self.catalog.skus[ln.sku_id].owner]) for ln in order.lines
        )
        return Quote(
            order,
            best,
            tuple(opts),
            tuple(excluded),
            reason,
            best.tax.rules_version,
            self.rules.customs(order.order_date).version,
            policy.version,
            shippers,
        )

    def commit(self, quote: Quote) -> None:
        """Take the chosen stock and add the order to the customer's annual total.

        Raises
        ------
        InfeasibleError
            The stock changed since the quote (nothing is taken then).
        """
        w = self.catalog.warehouses[quote.chosen.warehouse_id]
        need = [(ln.sku_id, ln.quantity) for ln in quote.order.lines]
        for sku, q in need:
            if w.stock.get(sku, 0) < q:
                raise InfeasibleError(
                    f"order {quote.order.order_id}: {sku} sold out at {w.warehouse_id}"
                )
        for sku, q in need:
            w.stock[sku] -= q
        c = self.catalog.customers[quote.order.customer_id]
        year = quote.order.order_date.year
        c.annual_total_fen[year] = quote.chosen.tax.annual_after_fen


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0–1) of ``values`` by the nearest-rank method."""
    if not values:
        return math.nan
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


__all__ = [
    "DOMESTIC_DAYS",
    "PURCHASE_MODES",
    "STORE_MODES",
    "Fulfiller",
    "Option",
    "Order",
    "OrderLine",
    "Quote",
    "domestic_days",
    "domestic_fen",
    "percentile",
]
