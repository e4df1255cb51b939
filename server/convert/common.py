"""Conversions every service shares: limits on repeated fields, ids, finite numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from google.protobuf.message import Message

from engine.errors import InvalidInputError
from server.proto import common_pb2


def check_count(field: str, n: int, limit: int) -> None:
    """Reject a repeated field with more than ``limit`` entries.

    Raises
    ------
    InvalidInputError
        Naming ``field``.
    """
    if n > limit:
        raise InvalidInputError.at(field, f"at most {limit:,} entries per call, got {n:,}")


def ids(field: str, values: Sequence[int], limit: int) -> list[int]:
    """A bounded list of ids, duplicates rejected."""
    check_count(field, len(values), limit)
    out = [int(v) for v in values]
    if len(set(out)) != len(out):
        raise InvalidInputError.at(field, "duplicate ids")
    return out


def finite(field: str, value: float) -> float:
    """``value`` if it is a finite number.

    Raises
    ------
    InvalidInputError
        On NaN or infinity.
    """
    if not math.isfinite(value):
        raise InvalidInputError.at(field, f"must be a finite number, got {value}")
    return value


def opt(msg: Message, name: str) -> Any:
    """The field ``name`` of ``msg`` if it is set, else None (``optional`` fields)."""
    return getattr(msg, name) if msg.HasField(name) else None


def windows(items: Sequence[common_pb2.TimeWindow]) -> list[tuple[int, int]]:
    """``(start, end)`` pairs of time-window messages."""
    return [(w.start, w.end) for w in items]
