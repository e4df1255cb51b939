"""Errors crossing the Rust boundary keep their structure, and panics stay quiet.

The native module raises the classes of :mod:`engine.errors` with ``field``, ``row_id``
and ``reason`` set (not one message to parse), a panic arrives as ``InternalError``
without a backtrace on stderr, and absurd time limits are refused before any search.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import _core
from engine.errors import InternalError, InvalidInputError
from engine.routing import Model, solve
from engine.routing.core import problem_data, search

DATA = Path(__file__).resolve().parent / "data" / "routing"


def test_row_error_carries_field_row_and_reason() -> None:
    """A coordinate out of range in row 1 names the array, the row and the reason."""
    lat = np.array([31.0, 100.0])
    lon = np.array([121.0, 121.0])
    with pytest.raises(InvalidInputError) as e:
        _core.distance_matrix(lat, lon, lat, lon, 1.3)
    assert e.value.field == "sources"
    assert e.value.row_id == 1
    assert e.value.reason == "latitude 100 is not in [-90, 90]"
    assert str(e.value) == "sources (row 1): latitude 100 is not in [-90, 90]"


def test_problem_error_carries_field() -> None:
    """Amounts beyond 32 bits are refused by the core naming ``job_delivery``."""
    m = Model(dimensions=("kg",))
    depot = m.add_depot(x=0, y=0, name="D")
    m.add_vehicle_type(2, capacity=2**31, start=depot)
    for i in range(1, 3):
        m.add_job(m.add_site(x=10 * i, y=0), delivery=2**30)
    with pytest.raises(InvalidInputError) as e:
        problem_data(m.data())
    assert e.value.field == "job_delivery"
    assert e.value.row_id is None
    assert e.value.reason
    assert not e.value.reason.startswith("job_delivery")


@pytest.mark.parametrize("limit", [1e308, float("inf"), float("nan"), -1.0, 31 * 86_400.0])
def test_absurd_time_limit_is_invalid_input(limit: float) -> None:
    """Non-finite, negative or absurdly long limits are InvalidInputError(field=time_limit),
    both at the core boundary and in ``solve``."""
    m = Model(dimensions=("kg",))
    depot = m.add_depot(x=0, y=0, name="D")
    m.add_vehicle_type(1, capacity=10, start=depot)
    m.add_job(m.add_site(x=10, y=0), delivery=1)
    problem = m.data()
    with pytest.raises(InvalidInputError) as e:
        search(problem_data(problem), time_limit=limit)
    assert e.value.field == "time_limit"
    with pytest.raises(InvalidInputError) as e2:
        solve(problem, time_limit=limit)
    assert e2.value.field == "time_limit"


def test_panic_is_internal_error_and_prints_nothing() -> None:
    """A panic inside a core call becomes InternalError with its message and location,
    and the panic hook prints no backtrace (checked in a fresh interpreter)."""
    with pytest.raises(InternalError, match="probe 42"):
        _core._panic_probe("probe 42")
    code = (
        "from engine import _core\n"
        "from engine.errors import InternalError\n"
        "try:\n"
        "    _core._panic_probe('boom')\n"
        "except InternalError as e:\n"
        "    print('caught', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"RUST_BACKTRACE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("caught internal error in engine core: boom (at ")
    assert out.stderr == ""


def test_cli_time_limit_1e308_is_a_one_line_error(tmp_path: Path) -> None:
    """``yunli solve --time-limit 1e308`` exits as bad input with one line naming the
    field, and no panic text (issue 18)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "solve",
            str(DATA / "C101.txt"),
            "--format",
            "solomon",
            "--time-limit",
            "1e308",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert "--time-limit" in out.stderr  # refused by the CLI before it reaches the core
    assert "panicked" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
