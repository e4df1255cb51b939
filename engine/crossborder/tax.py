"""The cross-border retail import tax calculator, driven by a :class:`TaxRules` table.

Within the limits (per transaction and per year, on the dutiable value: goods plus freight
and insurance): no tariff, and import VAT and consumption tax at
``within_limits_rate_bp`` (70%) of the statutory amount. Outside them the table says what
happens: general-trade treatment (full tariff, consumption tax and VAT) or rejection.

Per line, with dutiable value ``P``, tariff rate ``t``, consumption-tax rate ``c`` and VAT
rate ``v`` (exact integer arithmetic; each tax rounded half up to the fen once, at the end):

* tariff ``T = P·t`` (zero within the limits);
* consumption tax ``C = (P + T)·c / (1 − c)`` (levied on the tax-inclusive price);
* VAT ``V = (P + T + C)·v``;
* within the limits ``C`` and ``V`` are multiplied by the reduced rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.crossborder.errors import LimitError
from engine.crossborder.ruleset import BP, TaxRules
from engine.errors import InvalidInputError

#: Largest dutiable value of one line accepted (¥10 million).
MAX_LINE_FEN = 1_000_000_000


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One order line as customs sees it: ``value_fen`` is the dutiable value of the whole
    line (unit price × quantity plus its share of freight and insurance)."""

    sku_id: str
    tax_class: str
    quantity: int
    value_fen: int


@dataclass(frozen=True, slots=True)
class LineTax:
    """Taxes of one line, in fen."""

    sku_id: str
    tariff_fen: int
    consumption_fen: int
    vat_fen: int

    @property
    def total_fen(self) -> int:
        """Tariff + consumption tax + VAT."""
        return self.tariff_fen + self.consumption_fen + self.vat_fen


@dataclass(frozen=True, slots=True)
class TaxQuote:
    """The tax of one order under one rule-table version.

    Attributes
    ----------
    rules_version
        The ``cbec_tax`` table version used.
    treatment
        ``"cbec"`` (within the limits) or ``"general_trade"``.
    reason
        Why this treatment, naming the limit and amounts.
    dutiable_fen
        Sum of the lines' dutiable values.
    counts_toward_annual
        Whether the dutiable value is added to the customer's annual total.
    annual_after_fen
        The customer's annual total after this order.
    total_fen
        All taxes of the order.
    """

    rules_version: str
    treatment: str
    reason: str
    lines: tuple[LineTax, ...]
    dutiable_fen: int
    counts_toward_annual: bool
    annual_after_fen: int
    total_fen: int

    @property
    def tariff_fen(self) -> int:
        """Sum of tariffs."""
        return sum(x.tariff_fen for x in self.lines)

    @property
    def consumption_fen(self) -> int:
        """Sum of consumption taxes."""
        return sum(x.consumption_fen for x in self.lines)

    @property
    def vat_fen(self) -> int:
        """Sum of import VAT."""
        return sum(x.vat_fen for x in self.lines)


def line_tax(line: TaxLine, rules: TaxRules, treatment: str) -> LineTax:
    """Taxes of one line under ``treatment`` (``"cbec"`` or ``"general_trade"``).

    Raises
    ------
    InvalidInputError
        An unknown tax class (field ``tax_class``).
    """
    cls = rules.classes.get(line.tax_class)
    if cls is None:
        raise InvalidInputError.at(
            "tax_class", f"unknown in {rules.version}: {line.tax_class!r}", line.sku_id
        )
    p = line.value_fen
    cbec = treatment == "cbec"
    t = cls.tariff_bp if (not cbec or rules.within_limits_tariff) else 0
    c, v = cls.consumption_bp, cls.vat_bp
    share = rules.within_limits_rate_bp if cbec else BP
    # Exact integer forms of T = P·t, C = (P + T)·c/(1 − c), V = (P + T + C)·v, with the
    # rates as bp: C = P(BP + t)c / (BP(BP − c)) and V = P(BP + t)v / (BP(BP − c)).
    base = p * (BP + t)
    den = BP * (BP - c) * BP
    return LineTax(
        line.sku_id,
        _rhu(p * t, BP),
        _rhu(base * c * share, den),
        _rhu(base * v * share, den),
    )


def _rhu(num: int, den: int) -> int:
    """``num / den`` rounded half up (non-negative integers)."""
    return (2 * num + den) // (2 * den)


def classify(
    lines: Sequence[TaxLine], rules: TaxRules, annual_used_fen: int
) -> tuple[str, str, bool]:
    """Decide the treatment of an order: ``(treatment, reason, counts_toward_annual)``.

    Raises
    ------
    LimitError
        When the table says ``"reject"`` for the limit the order breaks (field
        ``customer.annual_total_fen`` or ``order.dutiable_fen``).
    """
    total = sum(x.value_fen for x in lines)
    units = sum(x.quantity for x in lines)
    after = annual_used_fen + total
    if after > rules.annual_fen:
        why = (
            f"annual total {annual_used_fen} + {total} = {after} fen exceeds the annual "
            f"limit {rules.annual_fen} fen ({rules.version})"
        )
        if rules.over_annual == "reject":
            raise LimitError.at("customer.annual_total_fen", why)
        return "general_trade", why, False
    if total > rules.per_transaction_fen:
        single = units == 1
        treat = rules.over_transaction_single_item if single else rules.over_transaction_multi_item
        why = (
            f"dutiable {total} fen exceeds the per-transaction limit "
            f"{rules.per_transaction_fen} fen with {units} unit{'s' if units != 1 else ''} "
            f"({rules.version})"
        )
        if treat == "reject":
            raise LimitError.at("order.dutiable_fen", why + "; split the order")
        return "general_trade", why, True
    return (
        "cbec",
        f"within the limits {rules.per_transaction_fen}/{rules.annual_fen} fen ({rules.version})",
        True,
    )


def compute_tax(lines: Sequence[TaxLine], rules: TaxRules, annual_used_fen: int) -> TaxQuote:
    """Tax an order for a customer who has used ``annual_used_fen`` of this year's limit.

    Raises
    ------
    InvalidInputError
        No lines, a quantity below 1, a value out of ``[0, MAX_LINE_FEN]``, a negative
        annual total, an unknown tax class.
    LimitError
        The order breaks a limit the table rejects (see :func:`classify`).
    """
    if not lines:
        raise InvalidInputError.at("lines", "an order needs at least one line")
    if annual_used_fen < 0:
        raise InvalidInputError.at("customer.annual_total_fen", f"negative: {annual_used_fen}")
    for x in lines:
        if x.quantity < 1:
            raise InvalidInputError.at("quantity", f"must be >= 1, got {x.quantity}", x.sku_id)
        if not 0 <= x.value_fen <= MAX_LINE_FEN:
            raise InvalidInputError.at(
                "value_fen", f"must be in [0, {MAX_LINE_FEN}], got {x.value_fen}", x.sku_id
            )
    treatment, reason, counts = classify(lines, rules, annual_used_fen)
    taxes = tuple(line_tax(x, rules, treatment) for x in lines)
    total = sum(x.value_fen for x in lines)
    return TaxQuote(
        rules.version,
        treatment,
        reason,
        taxes,
        total,
        counts,
        annual_used_fen + (total if counts else 0),
        sum(x.total_fen for x in taxes),
    )


__all__ = ["MAX_LINE_FEN", "LineTax", "TaxLine", "TaxQuote", "classify", "compute_tax", "line_tax"]
