"""The committed gRPC code (server/gen) is what the .proto files generate, and the check
that lint runs notices when it is not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server import _codegen


def test_committed_code_is_current() -> None:
    assert _codegen.stale_files() == []


def test_check_names_a_changed_a_missing_and_an_extra_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "gen"
    shutil.copytree(_codegen.GEN_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(_codegen, "GEN_DIR", copy)
    (copy / "yunli" / "v1" / "live_pb2.pyi").write_text("# edited by hand\n")
    (copy / "yunli" / "v1" / "fleet_pb2_grpc.py").unlink()
    (copy / "yunli" / "v1" / "orders_pb2.py").write_text("")
    assert _codegen.stale_files() == [
        "yunli/v1/fleet_pb2_grpc.py",
        "yunli/v1/live_pb2.pyi",
        "yunli/v1/orders_pb2.py",
    ]
    assert _codegen.main(["--check"]) == 1
    assert "server/gen is stale" in capsys.readouterr().err
