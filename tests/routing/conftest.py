"""Shared helpers for routing tests: small hand-made problems and instance paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.routing import Model

DATA = Path(__file__).resolve().parents[1] / "data" / "routing"


@pytest.fixture
def data_dir() -> Path:
    """Folder with the benchmark instances the tests use."""
    return DATA


def line_model(n: int = 4, capacity: int = 10) -> Model:
    """Depot at x=0 and ``n`` customers at x=10, 20, ... on a line (planar, speed 1)."""
    m = Model(dimensions=("kg",))
    depot = m.add_depot(x=0, y=0, name="D")
    m.add_vehicle_type(2, capacity=capacity, start=depot, name="truck")
    for i in range(1, n + 1):
        m.add_job(m.add_site(x=10 * i, y=0, name=f"s{i}"), delivery=1, name=f"j{i}")
    return m
