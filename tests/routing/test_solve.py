"""Tests of ``solve()``: solver dispatch, per-job infeasibility reasons, the Solution."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from engine.errors import InvalidInputError
from engine.routing import Model, check, core_available, formats, solve, unservable_jobs

from .conftest import line_model


def _model() -> Model:
    return line_model(4, 100, delivery=10, shift=(0, 500), name="van")


def _reasons(sol) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {u.name: u.reason for u in sol.unserved}


@pytest.mark.parametrize("solver", ["ortools", "auto"])
def test_too_heavy_job_is_reported_not_fatal(solver: str) -> None:
    m = _model()
    m.add_job("s1", delivery=500, name="heavy")
    sol = solve(m.data(), time_limit=1.0, solver=solver)
    assert _reasons(sol)["heavy"].startswith("unservable: too heavy")
    assert sol.feasible
    assert not sol.complete
    assert sum(len(r.jobs) for r in sol.routes) == 4


def test_missing_skill_is_reported() -> None:
    m = _model()
    m.add_job("s2", delivery=1, skills=["hazmat"], name="adr")
    sol = solve(m.data(), time_limit=1.0, solver="ortools")
    assert "missing skill" in _reasons(sol)["adr"]
    assert "hazmat" in _reasons(sol)["adr"]


def test_unreachable_window_is_reported() -> None:
    m = _model()
    far = m.add_site(x=200, y=0, name="far")
    m.add_job(far, time_windows=[(0, 100)], name="early")  # 200 away from the depot
    m.add_job(far, time_windows=[(350, 360)], name="late")  # reachable, but no way back by 500
    bad = unservable_jobs(m.data())
    sol = solve(m.data(), time_limit=1.0, solver="ortools")
    r = _reasons(sol)
    assert "time window unreachable" in r["early"]
    assert "shift" in r["late"]
    assert len(bad) == 2


def test_unservable_shipment_reports_both_halves() -> None:
    m = _model()
    m.add_shipment("s1", "s3", amount=1000, name="big")
    sol = solve(m.data(), time_limit=1.0, solver="ortools")
    r = _reasons(sol)
    assert r["big:pickup"] == r["big:delivery"]
    assert "too heavy" in r["big:pickup"]


def test_optional_job_reason_and_penalty_in_cost() -> None:
    m = _model()
    m.add_job(m.add_site(x=0, y=200), required=False, penalty=5, name="skip")
    sol = solve(m.data(), time_limit=1.0, solver="ortools")
    assert _reasons(sol)["skip"].startswith("optional")
    assert sol.complete
    assert sol.cost == pytest.approx(check(sol.problem, sol.route_jobs()).cost)
    assert sol.cost == pytest.approx(80 + 5)


def test_solution_exports() -> None:
    m = _model()
    m.add_job("s1", delivery=500, name="heavy")
    sol = solve(m.data(), time_limit=1.0, solver="ortools")
    df = sol.to_polars()
    assert isinstance(df, pl.DataFrame)
    assert df.height == 5
    assert df.filter(pl.col("route").is_null())["job"].to_list() == ["heavy"]
    s = sol.summary()
    assert "4/5 jobs served" in s
    assert "ortools" in s


def test_bad_solver_and_time_limit() -> None:
    p = _model().data()
    with pytest.raises(InvalidInputError) as e:
        solve(p, solver="gurobi")
    assert e.value.field == "solver"
    with pytest.raises(InvalidInputError) as e:
        solve(p, time_limit=0)
    assert e.value.field == "time_limit"


def test_auto_uses_the_core_when_built_in(data_dir: Path) -> None:
    inst = formats.read(data_dir / "C101.txt")
    sol = solve(inst.problem, time_limit=1.0, solver="auto")
    assert sol.solver == ("core" if core_available() else "ortools")
    assert sol.complete


@pytest.mark.skipif(not core_available(), reason="the Rust core is not built in")
def test_best_runs_both_and_keeps_the_better(data_dir: Path) -> None:
    inst = formats.read(data_dir / "R101.txt")
    sol = solve(inst.problem, time_limit=2.0, solver="best")
    assert sol.complete
    assert sol.solver_reason.startswith("best of")
    # the wall time against the limit: bench/bench_time_limits.py
