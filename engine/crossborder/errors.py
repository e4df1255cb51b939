"""Errors of the cross-border subsystem, all within :mod:`engine.errors`' hierarchy."""

from __future__ import annotations

from engine.errors import FieldError, InfeasibleError, InvalidInputError, YunliError


class LimitError(InvalidInputError):
    """An order the tax rules refuse: over the annual limit, or a multi-item order over the
    per-transaction limit (``field`` names the limit, ``reason`` the amounts)."""


class TransitionError(FieldError, InfeasibleError):
    """An action not allowed in the order's (or return's, or onboarding's) current state,
    e.g. cancelling a declared cross-border order; ``field`` is ``"state"``, ``"step"`` or
    the window (``"return_window_days"``).

    A subclass of :class:`~engine.errors.InfeasibleError` (like
    :class:`engine.orders.errors.OrderStateError`), so the server answers
    ``FAILED_PRECONDITION`` and the CLI exits 4; the message names the field, the id and
    the current state.

    Attributes
    ----------
    field
        The field whose value forbids the action.
    row_id
        The order, return or merchant id.
    reason
        The reason, without the field and id prefix.
    """


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
