"""Tests of ``yunli solve`` and ``yunli optimize``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from engine.cli import main
from engine.routing import check, formats


def test_solve_writes_file_numbered_routes(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    sol = tmp_path / "r.sol"
    rc = main(
        [
            "solve",
            str(data_dir / "X-n101-k25.vrp"),
            "--format",
            "vrplib",
            "--time-limit",
            "1",
            "--seed",
            "3",
            "--solver",
            "ortools",
            "--output",
            str(out),
            "--sol",
            str(sol),
        ]
    )
    assert rc == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("X-n101-k25: cost ")
    assert "feasible" in line
    js = json.loads(out.read_text())
    assert set(js) == {"cost", "vehicles", "routes"}
    assert sorted(n for r in js["routes"] for n in r) == list(range(2, 102))
    inst = formats.read(data_dir / "X-n101-k25.vrp")
    routes = [[inst.numbers.index(n) for n in r] for r in js["routes"]]
    assert check(inst.problem, [(0, r) for r in routes]).feasible
    assert js["cost"] == inst.cost(routes)
    assert js["vehicles"] == len(js["routes"])
    assert formats.read_sol(sol, inst) == routes


def test_solve_missing_file_exit_code(tmp_path: Path) -> None:
    assert main(["solve", str(tmp_path / "nope.txt"), "--format", "solomon"]) == 3


def _tables(tmp_path: Path) -> list[str]:
    sites = pl.DataFrame(
        {
            "site_id": ["DC", *[f"S{i}" for i in range(12)]],
            "lat": [31.23] + [31.10 + 0.03 * (i % 4) for i in range(12)],
            "lon": [121.47] + [121.30 + 0.05 * (i // 4) for i in range(12)],
        }
    )
    vehicles = pl.DataFrame(
        {
            "type_id": ["van"],
            "count": [3],
            "weight_kg": [1500],
            "volume_l": [6000],
            "start_site": ["DC"],
            "shift_start": [8 * 3600],
            "shift_end": [20 * 3600],
            "cost_per_km": [250],
            "profile": ["van"],
        }
    )
    jobs = pl.DataFrame(
        {
            "job_id": [f"J{i}" for i in range(13)],
            "kind": ["delivery"] * 13,
            "site": [f"S{i}" for i in range(12)] + ["S0"],
            "weight_kg": [200] * 12 + [9000],
            "volume_l": [300] * 13,
            "service": [600] * 13,
            "tw_start": [9 * 3600] * 13,
            "tw_end": [18 * 3600] * 13,
        }
    )
    paths = []
    for name, df in (("sites", sites), ("vehicles", vehicles), ("jobs", jobs)):
        p = tmp_path / f"{name}.{'parquet' if name == 'jobs' else 'csv'}"
        df.write_parquet(p) if p.suffix == ".parquet" else df.write_csv(p)
        paths += [f"--{name}", str(p)]
    return paths


def test_optimize_tables_with_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, png = tmp_path / "plan.json", tmp_path / "plan.png"
    rc = main(
        [
            "optimize",
            *_tables(tmp_path),
            "--time-limit",
            "2",
            "--solver",
            "ortools",
            "--output",
            str(out),
            "--plot",
            str(png),
        ]
    )
    captured = capsys.readouterr()
    assert rc == 4  # J12 weighs 9 t: reported unserved, plan returned anyway
    assert "unserved J12: unservable: too heavy" in captured.out
    assert "optimizing 13 jobs" in captured.err
    doc = json.loads(out.read_text())
    assert sum(len(r["jobs"]) for r in doc["routes"]) == 12
    assert doc["unserved"][0]["job"] == "J12"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_optimize_writes_visit_table(tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    main(["optimize", *_tables(tmp_path), "--time-limit", "1", "--output", str(out), "--quiet"])
    df = pl.read_csv(out)
    assert df.height == 13
    assert {"route", "job", "service_start", "reason"} <= set(df.columns)
