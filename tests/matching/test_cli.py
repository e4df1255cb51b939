"""``yunli match`` end to end on the sample world, through files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from engine.cli import EXIT_INVALID, main
from engine.data.loaders import save_world
from engine.data.sample import load_sample
from engine.matching import PAIR_COLUMNS


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("world")
    save_world(load_sample(), d, fmt="parquet")
    save_world(load_sample(), d / "csv", fmt="csv")
    return d


def _args(d: Path, ext: str, out: Path, *extra: str) -> list[str]:
    base = d if ext == "parquet" else d / "csv"
    return [
        "match",
        "--vehicles",
        str(base / f"vehicles.{ext}"),
        "--loads",
        str(base / f"loads.{ext}"),
        "--trips",
        str(base / f"trips.{ext}"),
        "--output",
        str(out),
        *extra,
    ]


def test_recommend_mode_writes_top_k(world_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Recommend mode writes k rows per load with every component (Parquet in, Parquet out)."""
    out = tmp_path / "recs.parquet"
    assert main(_args(world_dir, "parquet", out, "--k", "4")) == 0
    df = pl.read_parquet(out)
    assert tuple(df.columns) == PAIR_COLUMNS
    assert df.group_by("load_id").len()["len"].max() == 4
    assert "top-4 vehicles" in capsys.readouterr().out


def test_dispatch_mode_csv(world_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Dispatch mode reads CSV, writes CSV assignments and prints the comparison."""
    out = tmp_path / "assign.csv"
    assert main(_args(world_dir, "csv", out, "--mode", "dispatch")) == 0
    df = pl.read_csv(out)
    assert df.height > 0
    assert df["vehicle_id"].is_unique().all()
    printed = capsys.readouterr().out
    assert "optimal" in printed
    assert "greedy best-score" in printed


def test_bad_output_and_k(world_dir: Path, tmp_path: Path) -> None:
    """A bad output suffix or k exits with the invalid-input code."""
    assert main(_args(world_dir, "parquet", tmp_path / "x.json")) == EXIT_INVALID
    assert main(_args(world_dir, "parquet", tmp_path / "x.csv", "--k", "0")) == EXIT_INVALID
    assert not (tmp_path / "x.json").exists()
