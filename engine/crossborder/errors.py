"""Errors of the cross-border subsystem, all within :mod:`engine.errors`' hierarchy."""

from __future__ import annotations

from engine.errors import InvalidInputError, YunliError


class LimitError(InvalidInputError):
    """An order the tax rules refuse: over the annual limit, or a multi-item order over the
    per-transaction limit (``field`` names the limit, ``reason`` the amounts)."""


class TransitionError(InvalidInputError):
    """An action not allowed in the order's (or return's, or onboarding's) current state,
    e.g. cancelling a declared cross-border order; ``field`` is ``"state"`` or the window."""


class CustomsError(YunliError):
    """Customs stopped a declaration.

    Attributes
    ----------
    order_id
        The order declared.
    kind
        ``"hold"`` (inspection: the goods wait, the order may clear later) or
        ``"rejected"`` (the declaration is refused; the order cannot clear).
    reason
        Why, naming the record or field at fault.
    """

    def __init__(self, order_id: str, kind: str, reason: str) -> None:
        super().__init__(f"order {order_id}: customs {kind}: {reason}")
        self.order_id = order_id
        self.kind = kind
        self.reason = reason


class CustomsHoldError(CustomsError):
    """The declaration is held for inspection: ``extra_days`` of inspection, released
    ``release_after_days`` after the declaration."""

    def __init__(
        self, order_id: str, reason: str, extra_days: int, release_after_days: int
    ) -> None:
        super().__init__(order_id, "hold", reason)
        self.extra_days = extra_days
        self.release_after_days = release_after_days


class CustomsRejectedError(CustomsError):
    """The declaration is rejected; the order cannot clear."""

    def __init__(self, order_id: str, reason: str) -> None:
        super().__init__(order_id, "rejected", reason)


__all__ = [
    "CustomsError",
    "CustomsHoldError",
    "CustomsRejectedError",
    "LimitError",
    "TransitionError",
]
