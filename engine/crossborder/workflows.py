"""State machines: the cross-border order, the return flow and merchant onboarding.

Each machine keeps its state and a history of ``(state, date, note)`` and refuses an
action its state does not allow with :class:`TransitionError` (nothing changes then).
Which states allow a cancellation, and the return windows, come from the
``order_policy`` rule table in force on the order date (its version is recorded).

Order states::

    created -> paid -> declared -> cleared -> shipped -> delivered
                          |  \\-> held -> cleared
                          \\-> rejected            (any of created/paid: -> cancelled)

A store spot purchase (现货购) goes ``created -> paid -> declared -> cleared -> delivered``
at the counter. A cross-border order cannot be cancelled at will once declared, nor a
shipped one: it is returned after delivery instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final

from engine.crossborder.customs import Clearance, Declaration
from engine.crossborder.errors import CustomsHoldError, CustomsRejectedError, TransitionError
from engine.crossborder.fulfil import Quote
from engine.crossborder.model import Catalog, great_circle_km
from engine.crossborder.ruleset import OrderPolicy
from engine.errors import InvalidInputError, NotFoundError

#: Allowed order transitions: action -> (states it may start from, state it leads to).
ORDER_TRANSITIONS: Final[Mapping[str, tuple[frozenset[str], str]]] = {
    "pay": (frozenset({"created"}), "paid"),
    "declare": (frozenset({"paid"}), "declared"),
    "clear": (frozenset({"declared", "held"}), "cleared"),
    "hold": (frozenset({"declared"}), "held"),
    "reject": (frozenset({"declared", "held"}), "rejected"),
    "ship": (frozenset({"cleared"}), "shipped"),
    "deliver": (frozenset({"shipped", "cleared"}), "delivered"),
    "cancel": (frozenset({"created", "paid", "declared"}), "cancelled"),
}

#: The return stop at which platform goods go back into the platform's stock.
PLATFORM_WAREHOUSE: Final = "platform_warehouse"

#: The eight onboarding steps of a merchant, in order.
ONBOARDING_STEPS: Final = (
    ("sign", "sign the contract"),
    ("account", "open the account"),
    ("shop", "open the shop"),
    ("publish", "publish own goods"),
    ("push", "receive platform goods pushed for resale"),
    ("list", "list goods in stores"),
    ("buy", "first purchase"),
    ("settle", "pay, ship and settle"),
)


@dataclass(slots=True)
class CrossBorderOrder:
    """One order through its life; build it with :meth:`from_quote`.

    ``kind`` is ``"cross_border"`` (shipped from a bonded or overseas warehouse) or
    ``"store_pickup"`` (a spot purchase taken home). ``exception`` is the customs exception
    raised on the order — ``("hold", reason)`` while inspection holds it,
    ``("rejected", reason)`` for good — and ``None`` otherwise.
    """

    order_id: str
    kind: str
    quote: Quote
    policy: OrderPolicy
    state: str = "created"
    history: list[tuple[str, dt.date, str]] = field(default_factory=list)
    declaration: Declaration | None = None
    clearance: Clearance | None = None
    delivered_on: dt.date | None = None
    refund_fen: int = 0
    exception: tuple[str, str] | None = None

    @classmethod
    def from_quote(cls, quote: Quote, policy: OrderPolicy) -> CrossBorderOrder:
        """A new order in state ``created`` for a quote, under ``policy``."""
        kind = "store_pickup" if quote.chosen.source == "store" else "cross_border"
        o = cls(quote.order.order_id, kind, quote, policy)
        o.history.append(("created", quote.order.order_date, f"policy {policy.version}"))
        return o

    def _go(self, action: str, day: dt.date, note: str = "") -> None:
        allowed, to = ORDER_TRANSITIONS[action]
        if action == "cancel":
            allowed = self.policy.cancel_states[self.kind]
        if self.state not in allowed:
            why = (
                f"{self.kind} orders can only be cancelled in {sorted(allowed)} "
                f"({self.policy.version})"
                if action == "cancel"
                else f"allowed from {sorted(allowed)}"
            )
            raise TransitionError.at(
                "state", f"cannot {action} an order in state {self.state!r}: {why}", self.order_id
            )
        if self.history and day < self.history[-1][1]:
            raise InvalidInputError.at(
                "date", f"{day} is before the last event ({self.history[-1][1]})", self.order_id
            )
        self.state = to
        self.history.append((to, day, note))

    def pay(self, day: dt.date) -> None:
        """The buyer paid."""
        self._go("pay", day)

    def declare(self, decl: Declaration) -> None:
        """The three records were pushed to customs."""
        if decl.order.order_id != self.order_id:
            raise InvalidInputError.at("declaration", "is for another order", self.order_id)
        self._go("declare", decl.declared_on, f"{decl.mode}, tax {decl.tax_version}")
        self.declaration = decl

    def cleared(self, c: Clearance) -> None:
        """Customs released the goods."""
        self._go("clear", c.released_on, f"{c.days} d ({c.customs_version})")
        self.clearance = c
        self.exception = None

    def held(self, hold: CustomsHoldError, day: dt.date) -> None:
        """Customs holds the goods for inspection."""
        self._go("hold", day, hold.reason)
        self.exception = ("hold", hold.reason)

    def rejected(self, rej: CustomsRejectedError, day: dt.date) -> None:
        """Customs rejected the declaration; the payment is refunded in full."""
        self._go("reject", day, rej.reason)
        self.refund_fen = self.quote.chosen.landed_fen
        self.exception = ("rejected", rej.reason)

    def ship(self, day: dt.date) -> None:
        """The goods left for the customer."""
        if self.kind == "store_pickup":
            raise TransitionError.at("state", "a spot purchase is not shipped", self.order_id)
        self._go("ship", day)

    def deliver(self, day: dt.date) -> None:
        """The customer has the goods (for a spot purchase: at the counter)."""
        if self.kind == "cross_border" and self.state != "shipped":
            raise TransitionError.at("state", "a shipped order must ship first", self.order_id)
        self._go("deliver", day)
        self.delivered_on = day

    def cancel(self, day: dt.date) -> None:
        """Cancel at will: only in the states the order policy allows for this kind.

        Raises
        ------
        TransitionError
            Cross-border orders already declared, shipped orders, spot purchases.
        """
        self._go("cancel", day)
        self.refund_fen = self.quote.chosen.landed_fen


@dataclass(slots=True)
class ReturnFlow:
    """The return of some lines of a delivered order.

    Goods travel along the policy's route for their owner (merchant goods back to the
    merchant; platform goods to the merchant, then on to the platform's warehouse). The
    refund is the goods and their tax; the tax is refunded only within the policy's days
    of clearance. A refund also gives the returned lines' share of the order's dutiable
    value back to the customer's annual total (``annual_credit_fen``), when the order
    counted toward it.
    """

    order: CrossBorderOrder
    lines: dict[str, int]
    requested_on: dt.date
    route: dict[str, tuple[str, ...]]
    state: str = "requested"
    at: dict[str, str] = field(default_factory=dict)
    history: list[tuple[str, dt.date, str]] = field(default_factory=list)
    goods_refund_fen: int = 0
    tax_refund_fen: int = 0
    annual_credit_fen: int = 0

    @classmethod
    def request(
        cls,
        order: CrossBorderOrder,
        catalog: Catalog,
        lines: Mapping[str, int],
        day: dt.date,
        returned: Mapping[str, int] | None = None,
    ) -> ReturnFlow:
        """Open a return of ``lines`` (SKU -> units) on ``day``; ``returned`` are the units
        of each SKU already returned by earlier returns of the order.

        Raises
        ------
        TransitionError
            The order is not delivered (field ``state``), or the request is past the return
            window of a line's tax class (field ``return_window_days``).
        InvalidInputError
            A SKU not on the order, or more units than bought and not yet returned
            (field ``lines``).
        """
        if order.state != "delivered" or order.delivered_on is None:
            raise TransitionError.at(
                "state", f"only delivered orders can be returned ({order.state})", order.order_id
            )
        bought = {ln.sku_id: ln.quantity for ln in order.quote.order.lines}
        if not lines:
            raise InvalidInputError.at("lines", "nothing to return", order.order_id)
        route = {}
        for sku_id, q in lines.items():
            if sku_id not in bought:
                raise InvalidInputError.at("lines", f"{sku_id} is not on the order", order.order_id)
            left = bought[sku_id] - (returned or {}).get(sku_id, 0)
            if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= left:
                raise InvalidInputError.at(
                    "lines", f"{sku_id}: return 1..{left} units, got {q!r}", order.order_id
                )
            sku = catalog.sku(sku_id)
            window = order.policy.return_window(sku.tax_class)
            last = order.delivered_on + dt.timedelta(days=window)
            if day > last:
                raise TransitionError.at(
                    "return_window_days",
                    f"{sku_id} ({sku.tax_class}): window of {window} d closed on {last} "
                    f"({order.policy.version})",
                    order.order_id,
                )
            route[sku_id] = order.policy.return_route[sku.owner]
        r = cls(order, dict(lines), day, route)
        r.history.append(("requested", day, ""))
        return r

    def _step(self, frm: Sequence[str], to: str, day: dt.date, note: str = "") -> None:
        if self.state not in frm:
            raise TransitionError.at(
                "state", f"return is {self.state!r}, expected {list(frm)}", self.order.order_id
            )
        if day < self.history[-1][1]:
            raise InvalidInputError.at("date", "is before the last event", self.order.order_id)
        self.state = to
        self.history.append((to, day, note))

    def approve(self, day: dt.date) -> None:
        """The merchant accepts the return; goods leave for their first stop."""
        self._step(("requested",), "approved", day)
        self.at = {s: "in_transit" for s in self.lines}

    def arrive(self, sku_id: str, place: str, day: dt.date) -> None:
        """Returned goods of ``sku_id`` reached ``place`` (the next stop on their route).

        Raises
        ------
        TransitionError
            ``place`` is not the next stop of that SKU's route.
        """
        if self.state not in ("approved", "in_return"):
            raise TransitionError.at("state", f"return is {self.state!r}", self.order.order_id)
        route = self.route.get(sku_id)
        if route is None:
            raise InvalidInputError.at("sku_id", "not in this return", sku_id)
        done = self.at.get(sku_id)
        nxt = route[0] if done == "in_transit" else None
        if done in route:
            i = route.index(done)
            nxt = route[i + 1] if i + 1 < len(route) else None
        if place != nxt:
            raise TransitionError.at(
                "place", f"{sku_id} goes {' -> '.join(route)}; next is {nxt}", self.order.order_id
            )
        self.at[sku_id] = place
        self._step(("approved", "in_return"), "in_return", day, f"{sku_id} at {place}")

    @property
    def goods_home(self) -> bool:
        """Every returned line reached the end of its route."""
        return all(self.at.get(s) == r[-1] for s, r in self.route.items())

    def refund(self, day: dt.date, earlier: Mapping[str, int] | None = None) -> int:
        """Refund goods and (within the policy's days of clearance) their import tax; returns
        the total refunded in fen. ``earlier`` are the units of each SKU refunded by earlier
        returns of the order.

        ``annual_credit_fen`` is set to what the customer's annual total of the order's
        year goes down by: the returned units' share (by goods value) of the order's
        dutiable value, taken cumulatively over the order's refunded returns so that an
        order returned in full gives back exactly its dutiable value. It is 0 for an order
        whose tax did not count toward the annual total.

        Raises
        ------
        TransitionError
            Goods not yet home.
        """
        if not self.goods_home:
            raise TransitionError.at("state", "goods are not back yet", self.order.order_id)
        quote = self.order.quote
        bought = {ln.sku_id: ln.quantity for ln in quote.order.lines}
        goods_of = dict(quote.chosen.line_goods)
        taxes = {t.sku_id: t.total_fen for t in quote.chosen.tax.lines}
        goods = tax = 0
        for sku_id, q in self.lines.items():
            goods += goods_of[sku_id] * q // bought[sku_id]
            tax += taxes[sku_id] * q // bought[sku_id]
        c = self.order.clearance
        limit = self.order.policy.tax_refund_days
        tax_ok = c is not None and (day - c.released_on).days <= limit
        t = quote.chosen.tax
        credit = 0
        if t.counts_toward_annual:
            before = dict(earlier or {})
            after = {s: before.get(s, 0) + q for s, q in self.lines.items()}
            credit = self._share(after) - self._share(before)
        self.goods_refund_fen = goods
        self.tax_refund_fen = tax if tax_ok else 0
        self.annual_credit_fen = credit
        note = (
            f"tax {self.tax_refund_fen} fen refunded"
            if tax_ok
            else f"tax not refunded (> {limit} d after clearance)"
        )
        if t.counts_toward_annual:
            note += f"; annual total -{credit} fen"
        self._step(("in_return",), "refunded", day, note)
        return self.goods_refund_fen + self.tax_refund_fen

    def _share(self, units: Mapping[str, int]) -> int:
        """The order's dutiable value counted by ``units`` returned (floor, exact)."""
        quote = self.order.quote
        bought = {ln.sku_id: ln.quantity for ln in quote.order.lines}
        goods_of = dict(quote.chosen.line_goods)
        total = sum(goods_of.values())
        if total <= 0:
            return 0
        value = sum((Fraction(goods_of[s] * u, bought[s]) for s, u in units.items()), Fraction())
        return int(quote.chosen.tax.dutiable_fen * value // total)

    def restock(self, sku_id: str, place: str, catalog: Catalog) -> tuple[str, int] | None:
        """Where arriving goods go back into the platform's stock: ``(warehouse_id, units)``
        when ``place`` is :data:`PLATFORM_WAREHOUSE` for platform goods, else ``None``
        (merchant goods go back to the merchant, outside the platform's stock).

        The platform's warehouse is the bonded or overseas warehouse the order shipped
        from; for an order served from a store's shelf, the bonded warehouse nearest that
        store (ties by id).

        Raises
        ------
        InvalidInputError
            The SKU is no longer in the catalog (field ``sku_id``).
        NotFoundError
            The order's warehouse is no longer in the catalog, or a store-served order and
            no bonded warehouse in the catalog.
        """
        if place != PLATFORM_WAREHOUSE or sku_id not in self.lines:
            return None
        if catalog.sku(sku_id).owner != "platform":
            return None
        wid = self.order.quote.chosen.warehouse_id
        src = catalog.warehouses.get(wid)
        if src is None:
            raise NotFoundError(f"warehouse_id: {wid!r} is no longer in the catalog")
        if src.kind in ("bonded", "overseas"):
            return src.warehouse_id, self.lines[sku_id]
        bonded = [w for w in catalog.warehouses.values() if w.kind == "bonded"]
        if not bonded:
            raise NotFoundError(f"warehouse_id: no bonded warehouse takes back {sku_id!r}")
        best = min(
            bonded,
            key=lambda w: (great_circle_km(src.lat, src.lon, w.lat, w.lon), w.warehouse_id),
        )
        return best.warehouse_id, self.lines[sku_id]


@dataclass(slots=True)
class Onboarding:
    """A merchant's eight onboarding steps (:data:`ONBOARDING_STEPS`), strictly in order."""

    merchant_id: str
    done: list[tuple[str, dt.date]] = field(default_factory=list)

    @property
    def state(self) -> str:
        """The last step done (``"new"`` before the first)."""
        return self.done[-1][0] if self.done else "new"

    @property
    def next_step(self) -> str | None:
        """The step to do next (``None`` when onboarded)."""
        i = len(self.done)
        return ONBOARDING_STEPS[i][0] if i < len(ONBOARDING_STEPS) else None

    @property
    def complete(self) -> bool:
        """All eight steps done."""
        return len(self.done) == len(ONBOARDING_STEPS)

    def advance(self, step: str, day: dt.date) -> None:
        """Record ``step`` as done on ``day``.

        Raises
        ------
        InvalidInputError
            An unknown step (field ``step``).
        TransitionError
            A step out of order, or after onboarding is complete (field ``step``).
        """
        names = [s for s, _ in ONBOARDING_STEPS]
        if step not in names:
            raise InvalidInputError.at(
                "step", f"unknown step {step!r}; steps: {names}", self.merchant_id
            )
        if step != self.next_step:
            raise TransitionError.at(
                "step",
                f"{step!r} out of order: next is {self.next_step!r} (done: {self.state})",
                self.merchant_id,
            )
        if self.done and day < self.done[-1][1]:
            raise InvalidInputError.at("date", "is before the previous step", self.merchant_id)
        self.done.append((step, day))


__all__ = [
    "ONBOARDING_STEPS",
    "ORDER_TRANSITIONS",
    "PLATFORM_WAREHOUSE",
    "CrossBorderOrder",
    "Onboarding",
    "ReturnFlow",
]
