"""Server configuration defaults."""

from __future__ import annotations

import os
import subprocess
import sys

from server.config import ServerConfig, usable_cores


def test_interactive_pool_defaults_to_one_thread_per_usable_core() -> None:
    """The pool for single recommendations has one thread per core this process may use."""
    assert usable_cores() == len(os.sched_getaffinity(0))
    assert ServerConfig().interactive_workers == usable_cores()
    assert ServerConfig(interactive_workers=0).interactive_workers == 0


def test_usable_cores_follows_the_affinity() -> None:
    """A process pinned to one core gets a pool of one (not the machine's core count)."""
    code = (
        "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
        "from server.config import ServerConfig, usable_cores; "
        "print(usable_cores(), ServerConfig().interactive_workers)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.split() == ["1", "1"]


def test_serve_help_names_the_default_pool() -> None:
    """``yunli serve --help`` says how many interactive threads the default gives here."""
    r = subprocess.run(
        [sys.executable, "-m", "engine.cli", "serve", "--help"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert f"one per usable core ({usable_cores()} here)" in " ".join(r.stdout.split())
