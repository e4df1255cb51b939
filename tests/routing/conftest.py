"""Shared helpers for routing tests: small hand-made problems and instance paths."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from engine.routing import Model

DATA = Path(__file__).resolve().parents[1] / "data" / "routing"


@pytest.fixture
def data_dir() -> Path:
    """Folder with the benchmark instances the tests use."""
    return DATA


def depot_model(
    vehicles: int = 1,
    capacity: int | Sequence[int] = 5,
    *,
    dimensions: Sequence[str] = ("amount",),
    depot: str | None = None,
    **vehicle_type: Any,
) -> tuple[Model, str]:
    """The shared builder of the routing tests: a planar model (speed 1) with one depot at
    the origin and one vehicle type of ``vehicles`` vehicles starting there (further
    :meth:`Model.add_vehicle_type` options in ``vehicle_type``). Returns the model and
    the depot's site name."""
    m = Model(dimensions=dimensions)
    d = m.add_depot(x=0, y=0, name=depot)
    m.add_vehicle_type(vehicles, capacity=capacity, start=d, **vehicle_type)
    return m, d


def line_model(
    n: int = 4,
    capacity: int = 10,
    *,
    vehicles: int = 2,
    delivery: int = 1,
    **vehicle_type: Any,
) -> Model:
    """Depot ``D`` at x=0 and ``n`` customers ``j1..jn`` (sites ``s1..sn``) at x=10, 20, ...
    on a line, each delivering ``delivery``; ``vehicles`` trucks (planar, speed 1)."""
    vehicle_type.setdefault("name", "truck")
    m, _ = depot_model(vehicles, capacity, dimensions=("kg",), depot="D", **vehicle_type)
    for i in range(1, n + 1):
        m.add_job(m.add_site(x=10 * i, y=0, name=f"s{i}"), delivery=delivery, name=f"j{i}")
    return m
