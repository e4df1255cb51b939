"""The public API: every name in ``engine.__all__`` resolves, and ``import engine`` is light."""

from __future__ import annotations

import subprocess
import sys

import engine


def test_all_names_resolve() -> None:
    for name in engine.__all__:
        assert getattr(engine, name) is not None, name


def test_import_is_light() -> None:
    code = "import sys, engine; print('ortools' in sys.modules, 'grpc' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_errors_form_one_hierarchy() -> None:
    for cls in (
        engine.InvalidInputError,
        engine.NotFoundError,
        engine.InfeasibleError,
        engine.SolverTimeoutError,
        engine.InternalError,
    ):
        assert issubclass(cls, engine.YunliError)
