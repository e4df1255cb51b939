"""The one mapping from engine errors to status codes."""

from __future__ import annotations

import grpc
import pytest

from engine.errors import (
    InfeasibleError,
    InternalError,
    InvalidInputError,
    NotFoundError,
    SolverTimeoutError,
)
from server.status import UnavailableError, UnimplementedError, status_for


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (InvalidInputError.at("vehicles.lat", "bad", 3), grpc.StatusCode.INVALID_ARGUMENT),
        (NotFoundError("vehicle 3"), grpc.StatusCode.NOT_FOUND),
        (InfeasibleError("no route"), grpc.StatusCode.FAILED_PRECONDITION),
        (SolverTimeoutError("late"), grpc.StatusCode.DEADLINE_EXCEEDED),
        (UnavailableError("db down"), grpc.StatusCode.UNAVAILABLE),
        (UnimplementedError("later"), grpc.StatusCode.UNIMPLEMENTED),
        (InternalError("panic"), grpc.StatusCode.INTERNAL),
    ],
)
def test_engine_errors(exc: Exception, code: grpc.StatusCode) -> None:
    """Each engine error class maps to its documented code, keeping its message."""
    got, msg = status_for(exc)
    assert got == code
    assert str(exc) in msg


def test_invalid_input_names_field() -> None:
    """INVALID_ARGUMENT messages name the field and the row."""
    _, msg = status_for(InvalidInputError.at("loads.weight_kg", "must be > 0", 17))
    assert msg.startswith("loads.weight_kg (row id 17)")


def test_bug_is_internal_without_details() -> None:
    """A non-engine exception is INTERNAL and its text does not leak to the caller."""
    code, msg = status_for(ZeroDivisionError("secret detail"))
    assert code == grpc.StatusCode.INTERNAL
    assert "secret" not in msg
