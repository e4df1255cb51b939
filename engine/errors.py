"""The one exception hierarchy of Yunli.

Every error the engine raises on purpose derives from :class:`YunliError`.
The Rust core raises these same classes (through one conversion in
``rust_core/src/python/convert.rs``, which imports them once) with their structure:
an :class:`InvalidInputError` from the core has ``field`` and ``reason`` set, and
``row_id`` set to the row position in the arrays passed when one row is at fault.
A panic in the core arrives as :class:`InternalError`. The gRPC server maps them to
status codes in one place (``server/status.py``), sending ``field``, ``row_id`` and
``reason`` as trailing metadata.
"""

from __future__ import annotations

from typing import Self


class YunliError(Exception):
    """Base class of every error Yunli raises on purpose."""


class FieldError(YunliError):
    """An error located at a field (and a row): the common shape of
    :class:`InvalidInputError` and the state errors of the subsystems.

    Attributes
    ----------
    field
        The column, argument or message field at fault (``None`` if unknown).
    row_id
        The id of the offending row, when the input is tabular (errors raised by the
        Rust core give the row's position in the arrays passed).
    reason
        Human-readable reason, without the field and row prefix.
    """

    def __init__(
        self, message: str, *, field: str | None = None, row_id: object = None, reason: str = ""
    ) -> None:
        super().__init__(message)
        self.field = field
        self.row_id = row_id
        self.reason = reason or message

    @classmethod
    def at(cls, field: str, reason: str, row_id: object = None) -> Self:
        """Build an error whose message names the field, the row id and the reason."""
        where = f"{field}" if row_id is None else f"{field} (row id {row_id!r})"
        return cls(f"{where}: {reason}", field=field, row_id=row_id, reason=reason)


class InvalidInputError(FieldError, ValueError):
    """Input violates the documented schema or a precondition (``field``, ``row_id`` and
    ``reason`` as in :class:`FieldError`)."""


class NotFoundError(YunliError, KeyError):
    """An id refers to no known vehicle, load, job, site or plan."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class InfeasibleError(YunliError):
    """The problem, or a part of it, admits no feasible solution."""


class SolverTimeoutError(YunliError, TimeoutError):
    """A solver ran out of time before finding any usable solution."""


class InternalError(YunliError, RuntimeError):
    """A bug inside Yunli (for example a panic in the Rust core)."""


__all__ = [
    "FieldError",
    "InfeasibleError",
    "InternalError",
    "InvalidInputError",
    "NotFoundError",
    "SolverTimeoutError",
    "YunliError",
]
