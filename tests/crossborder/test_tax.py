"""The tax calculator against the rule tables (property-based, every shipped version)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.crossborder.errors import LimitError
from engine.crossborder.ruleset import BP, RuleBook, TaxRules
from engine.crossborder.tax import TaxLine, compute_tax
from engine.errors import InvalidInputError

BOOK = RuleBook.load()
FIRST = dt.date(2016, 4, 8)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dates = st.dates(min_value=FIRST, max_value=dt.date(2030, 12, 31))


@st.composite
def orders(draw: st.DrawFn, max_total: int | None = None) -> tuple[TaxRules, list[TaxLine]]:
    rules = BOOK.tax(draw(dates))
    n = draw(st.integers(1, 5))
    cap = max_total or rules.per_transaction_fen
    lines = []
    for i in range(n):
        cls = draw(st.sampled_from(sorted(rules.classes)))
        lines.append(TaxLine(f"s{i}", cls, draw(st.integers(1, 5)), draw(st.integers(0, cap // n))))
    return rules, lines


def comprehensive(rules: TaxRules, line: TaxLine) -> Fraction:
    """The published within-limits formula: value × (c + v) / (1 − c) × 70%."""
    c = rules.classes[line.tax_class]
    cr, vr = Fraction(c.consumption_bp, BP), Fraction(c.vat_bp, BP)
    return line.value_fen * (cr + vr) / (1 - cr) * Fraction(rules.within_limits_rate_bp, BP)


@PROPS
@given(orders(), st.data())
def test_within_limits(order: tuple[TaxRules, list[TaxLine]], data: st.DataObject) -> None:
    """Within both limits: no tariff, and VAT + consumption tax at 70% of statutory (each
    line within a fen of the published formula); the total is added to the annual sum."""
    rules, lines = order
    total = sum(x.value_fen for x in lines)
    used = data.draw(st.integers(0, rules.annual_fen - total))
    q = compute_tax(lines, rules, used)
    assert q.treatment == "cbec"
    assert q.rules_version == rules.version
    assert q.tariff_fen == 0
    for x, t in zip(lines, q.lines, strict=True):
        assert abs(t.total_fen - comprehensive(rules, x)) <= 1
    assert q.annual_after_fen == used + total <= rules.annual_fen


@PROPS
@given(orders(), st.data())
def test_over_annual_is_refused(order: tuple[TaxRules, list[TaxLine]], data: st.DataObject) -> None:
    """An order that takes the customer over the annual limit is refused (every shipped
    table says "reject"), naming the customer's annual total."""
    rules, lines = order
    total = sum(x.value_fen for x in lines)
    used = data.draw(
        st.integers(rules.annual_fen - total + 1, rules.annual_fen + 10**6).filter(lambda u: u >= 0)
    )
    assert rules.over_annual == "reject"
    with pytest.raises(LimitError) as e:
        compute_tax(lines, rules, used)
    assert e.value.field == "customer.annual_total_fen"


@PROPS
@given(dates, st.data())
def test_over_transaction(day: dt.date, data: st.DataObject) -> None:
    """Over the per-transaction limit: one unit goes general trade (full tariff, consumption
    tax and VAT, more than the reduced rate would be); several units are refused."""
    rules = BOOK.tax(day)
    cls = data.draw(st.sampled_from(sorted(rules.classes)))
    value = data.draw(st.integers(rules.per_transaction_fen + 1, rules.annual_fen))
    q = compute_tax([TaxLine("s", cls, 1, value)], rules, 0)
    c = rules.classes[cls]
    p, t = Fraction(value), Fraction(c.tariff_bp, BP)
    cr, vr = Fraction(c.consumption_bp, BP), Fraction(c.vat_bp, BP)
    exact = p * t + (p + p * t) * (cr + vr) / (1 - cr)
    assert q.treatment == "general_trade"
    assert abs(q.total_fen - exact) <= 2
    assert q.total_fen >= comprehensive(rules, TaxLine("s", cls, 1, value)) - 1
    assert q.counts_toward_annual
    units = data.draw(st.integers(2, 9))
    with pytest.raises(LimitError) as e:
        compute_tax([TaxLine("s", cls, units, value)], rules, 0)
    assert e.value.field == "order.dutiable_fen"


@PROPS
@given(orders(), st.integers(1, 10_000))
def test_monotone(order: tuple[TaxRules, list[TaxLine]], extra: int) -> None:
    """Raising a line's value never lowers its tax (within the limits)."""
    rules, lines = order
    q0 = compute_tax(lines, rules, 0)
    bumped = [
        TaxLine(lines[0].sku_id, lines[0].tax_class, lines[0].quantity, lines[0].value_fen + extra)
    ]
    if sum(x.value_fen for x in bumped + lines[1:]) > rules.per_transaction_fen:
        return
    q1 = compute_tax(bumped + lines[1:], rules, 0)
    assert q1.lines[0].total_fen >= q0.lines[0].total_fen


def test_known_values(book: RuleBook) -> None:
    """Worked examples: ¥1,000 of premium cosmetics today pays 23.06% (¥230.59); the
    same in 2017 paid (15% + 17%)/(85%) × 70% = 26.35% (¥263.53)."""
    now = compute_tax(
        [TaxLine("a", "cosmetics_premium", 1, 100_000)], book.tax(dt.date(2026, 1, 1)), 0
    )
    assert (now.consumption_fen, now.vat_fen, now.total_fen) == (12_353, 10_706, 23_059)
    old = compute_tax(
        [TaxLine("a", "cosmetics_premium", 1, 100_000)], book.tax(dt.date(2017, 1, 1)), 0
    )
    assert old.total_fen == 26_353
    assert old.rules_version == "cbec-tax-2016.1"


@pytest.mark.parametrize(
    ("lines", "used", "field"),
    [
        ([], 0, "lines"),
        ([TaxLine("a", "general", 0, 100)], 0, "quantity"),
        ([TaxLine("a", "general", 1, -5)], 0, "value_fen"),
        ([TaxLine("a", "caviar", 1, 100)], 0, "tax_class"),
        ([TaxLine("a", "general", 1, 100)], -1, "customer.annual_total_fen"),
    ],
)
def test_bad_input(book: RuleBook, lines: list[TaxLine], used: int, field: str) -> None:
    """Bad lines and totals fail naming the field."""
    with pytest.raises(InvalidInputError) as e:
        compute_tax(lines, book.tax(dt.date(2026, 1, 1)), used)
    assert e.value.field == field
