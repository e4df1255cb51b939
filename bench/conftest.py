"""Benchmark configuration: quick sizes by default, full sizes with ``YUNLI_BENCH_FULL=1``."""

from __future__ import annotations

import os

import pytest

FULL = os.environ.get("YUNLI_BENCH_FULL", "") not in ("", "0")


@pytest.fixture(scope="session")
def full() -> bool:
    """True when the full-size benchmarks were asked for."""
    return FULL


def size(quick: int, full_size: int) -> int:
    """Pick the quick or the full size of a benchmark."""
    return full_size if FULL else quick
