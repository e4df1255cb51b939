"""Double-entry ledger in integer fen: the money side of award, cancellation and settlement.

Accounts are strings: ``shipper:<id>``, ``carrier:<id>``, ``escrow`` (money held for
an awarded order) and ``platform:commission``. A :class:`Transaction` is a list of
postings that sums to zero; a balance is the sum of an account's postings, so it can
always be re-derived from the entries (:func:`check_ledger` proves it).

Money flow
----------
award
    The shipper pays the awarded price into escrow: ``shipper −P``, ``escrow +P``.
settlement (after the shipper confirms delivery)
    charge = P + surcharges − penalties (never below 0). ``escrow −P``,
    ``shipper −(charge − P)`` (extra owed, or a refund when negative),
    ``platform:commission +commission``, ``carrier +(charge − commission)``.
cancellation before award
    No money moved, nothing to post.
cancellation after award, before loading
    fee = max(cancel_fee_bp × P, cancel_fee_min_fen) capped at P, paid by the party
    that cancels. Shipper cancels: ``escrow −P``, ``shipper +(P − fee)`` (refund),
    ``carrier +(fee − commission)``, ``platform:commission +commission``. Carrier
    cancels: ``escrow −P``, ``shipper +(P + fee − commission)``, ``carrier −fee``,
    ``platform:commission +commission``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from engine.errors import InvalidInputError
from engine.orders.model import MAX_FEN, Order, Role, check_int
from engine.orders.tariff import Tariff, bp, tariff_at

ESCROW: Final = "escrow"
COMMISSION: Final = "platform:commission"


def shipper_account(shipper_id: int) -> str:
    """The ledger account of a shipper."""
    return f"shipper:{shipper_id}"


def carrier_account(carrier_id: int) -> str:
    """The ledger account of a carrier."""
    return f"carrier:{carrier_id}"


@dataclass(frozen=True, slots=True)
class Transaction:
    """Balanced postings of one business event.

    Attributes
    ----------
    kind
        ``award``, ``settlement`` or ``cancellation``.
    order_id
        The order.
    postings
        ``(account, amount_fen)`` pairs; amounts sum to zero.
    """

    kind: str
    order_id: int
    postings: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        total = sum(a for _, a in self.postings)
        if total != 0:
            raise InvalidInputError.at("postings", f"transaction does not balance (sum {total})")


def _txn(kind: str, order_id: int, postings: Iterable[tuple[str, int]]) -> Transaction:
    return Transaction(kind, order_id, tuple((a, x) for a, x in postings if x != 0))


def award_transaction(order: Order) -> Transaction:
    """Hold the awarded price in escrow."""
    p = order.awarded_price_fen
    return _txn("award", order.order_id, [(shipper_account(order.shipper_id), -p), (ESCROW, p)])


@dataclass(frozen=True, slots=True)
class Settlement:
    """How an order's money splits.

    Attributes
    ----------
    awarded_fen, surcharges_fen, penalties_fen
        The awarded price and the sums of surcharges and penalties.
    charge_fen
        Freight charge = awarded + surcharges − penalties (>= 0).
    commission_fen
        Platform commission on the charge.
    payout_fen
        Carrier payout = charge − commission.
    transaction
        The ledger transaction.
    """

    awarded_fen: int
    surcharges_fen: int
    penalties_fen: int
    charge_fen: int
    commission_fen: int
    payout_fen: int
    transaction: Transaction


def late_penalty(order: Order, tariff: Tariff | None = None) -> int:
    """Penalty for delivering after the deadline: per started hour, capped."""
    t = tariff or tariff_at(order.awarded_at)
    late = order.delivered_at - order.delivery_deadline
    if late <= 0:
        return 0
    hours = -(-late // 3600)
    return min(
        hours * t.late_penalty_per_hour_fen, bp(order.awarded_price_fen, t.late_penalty_cap_bp)
    )


def settle(
    order: Order,
    surcharges: Mapping[str, int] | None = None,
    penalties: Mapping[str, int] | None = None,
    tariff: Tariff | None = None,
) -> Settlement:
    """The settlement of a confirmed order (surcharges and penalties by name, in fen).

    The late-delivery penalty of the tariff is added to ``penalties`` as ``late``.

    Raises
    ------
    InvalidInputError
        If an amount is negative or too large (field ``surcharges.<name>`` or
        ``penalties.<name>``).
    """
    t = tariff or tariff_at(order.awarded_at)
    s = {k: check_int(f"surcharges.{k}", v) for k, v in (surcharges or {}).items()}
    pen = {k: check_int(f"penalties.{k}", v) for k, v in (penalties or {}).items()}
    late = late_penalty(order, t)
    if late:
        pen["late"] = pen.get("late", 0) + late
    p = order.awarded_price_fen
    sur, pn = sum(s.values()), sum(pen.values())
    check_int("surcharges", sur)
    check_int("penalties", pn)
    charge = max(0, p + sur - pn)
    commission = bp(charge, t.commission_bp)
    payout = charge - commission
    txn = _txn(
        "settlement",
        order.order_id,
        [
            (ESCROW, -p),
            (shipper_account(order.shipper_id), p - charge),
            (COMMISSION, commission),
            (carrier_account(order.carrier_id), payout),
        ],
    )
    return Settlement(p, sur, pn, charge, commission, payout, txn)


def cancellation_fee(order: Order, tariff: Tariff | None = None) -> int:
    """The fee for cancelling an awarded order (0 before award)."""
    if order.carrier_id < 0:
        return 0
    t = tariff or tariff_at(order.awarded_at)
    p = order.awarded_price_fen
    return min(p, max(bp(p, t.cancel_fee_bp), t.cancel_fee_min_fen))


def cancellation_transaction(
    order: Order, by: Role, tariff: Tariff | None = None
) -> Transaction | None:
    """Refund and fee postings for cancelling ``order`` (None before award: no money moved)."""
    if order.carrier_id < 0:
        return None
    t = tariff or tariff_at(order.awarded_at)
    p = order.awarded_price_fen
    fee = cancellation_fee(order, t)
    com = bp(fee, t.commission_bp)
    sh, ca = shipper_account(order.shipper_id), carrier_account(order.carrier_id)
    if by is Role.CARRIER:
        posts = [(ESCROW, -p), (sh, p + fee - com), (ca, -fee), (COMMISSION, com)]
    else:
        posts = [(ESCROW, -p), (sh, p - fee), (ca, fee - com), (COMMISSION, com)]
    return _txn("cancellation", order.order_id, posts)


@dataclass(frozen=True, slots=True)
class LedgerCheck:
    """Outcome of :func:`check_ledger`.

    Attributes
    ----------
    transactions, entries
        Counts checked.
    unbalanced
        Transaction ids whose postings do not sum to zero.
    mismatched
        Accounts whose stored balance differs from the sum of their entries:
        ``account -> (stored, derived)``.
    total
        Sum of every balance (0 when the books balance).
    """

    transactions: int
    entries: int
    unbalanced: list[int] = field(default_factory=list)
    mismatched: dict[str, tuple[int, int]] = field(default_factory=dict)
    total: int = 0

    @property
    def ok(self) -> bool:
        """True when every transaction balances and every balance is re-derived."""
        return not self.unbalanced and not self.mismatched and self.total == 0

    def summary(self) -> str:
        """One line for people."""
        state = "balanced" if self.ok else "NOT balanced"
        return (
            f"ledger {state}: {self.transactions} transactions, {self.entries} entries, "
            f"{len(self.unbalanced)} unbalanced, {len(self.mismatched)} balances differ, "
            f"sum of balances {self.total} fen"
        )


def check_ledger(
    entries: Iterable[tuple[int, str, int]], balances: Mapping[str, int]
) -> LedgerCheck:
    """Prove the books: ``entries`` are ``(txn_id, account, amount_fen)``; ``balances`` the
    stored balance per account. Every transaction must sum to zero and every stored
    balance must equal the sum of its account's entries."""
    by_txn: dict[int, int] = {}
    derived: dict[str, int] = {}
    n = 0
    for txn, account, amount in entries:
        n += 1
        by_txn[txn] = by_txn.get(txn, 0) + amount
        derived[account] = derived.get(account, 0) + amount
    mismatched = {
        a: (balances.get(a, 0), derived.get(a, 0))
        for a in set(derived) | set(balances)
        if balances.get(a, 0) != derived.get(a, 0)
    }
    return LedgerCheck(
        transactions=len(by_txn),
        entries=n,
        unbalanced=sorted(t for t, s in by_txn.items() if s != 0),
        mismatched=mismatched,
        total=sum(balances.values()),
    )


__all__ = [
    "COMMISSION",
    "ESCROW",
    "MAX_FEN",
    "LedgerCheck",
    "Settlement",
    "Transaction",
    "award_transaction",
    "cancellation_fee",
    "cancellation_transaction",
    "carrier_account",
    "check_ledger",
    "late_penalty",
    "settle",
    "shipper_account",
]
