"""Errors of the order rules (all from :mod:`engine.errors`)."""

from __future__ import annotations

from engine.errors import InfeasibleError


class OrderStateError(InfeasibleError):
    """The action is not allowed in the order's current state (or the order was taken).

    A subclass of :class:`~engine.errors.InfeasibleError`, so the server answers
    ``FAILED_PRECONDITION``; the message names the order and its current state.

    Attributes
    ----------
    order_id
        The order.
    state
        Its current state.
    """

    def __init__(self, order_id: int, state: str, message: str) -> None:
        super().__init__(f"order {order_id} is {state}: {message}")
        self.order_id = order_id
        self.state = state


__all__ = ["OrderStateError"]
