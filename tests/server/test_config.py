"""Server configuration defaults."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import ServerConfig, cgroup_cpu_limit, usable_cores


def test_interactive_pool_defaults_to_one_thread_per_usable_core() -> None:
    """The pool for single recommendations has one thread per core this process may use."""
    limit = cgroup_cpu_limit()
    cores = len(os.sched_getaffinity(0))
    assert usable_cores() == (cores if limit is None else max(1, min(cores, math.ceil(limit))))
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


def _cgroups(tmp: Path, files: dict[str, str], self_cgroup: str) -> tuple[Path, Path]:
    root = tmp / "cgroup"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    me = tmp / "self_cgroup"
    me.write_text(self_cgroup)
    return root, me


@pytest.mark.parametrize(
    ("files", "self_cgroup", "expected"),
    [
        ({"cpu.max": "max 100000\n"}, "0::/\n", None),
        ({"cpu.max": "150000 100000\n"}, "0::/\n", 1.5),
        # the process's own (nested) cgroup first, then the root's
        ({"pod/app/cpu.max": "200000 100000\n", "cpu.max": "max 100000\n"}, "0::/pod/app\n", 2.0),
        ({"cpu.max": "50000 100000\n"}, "0::/elsewhere\n", 0.5),
        # cgroup v1
        (
            {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"},
            "1:cpu:/\n0::/\n",
            None,
        ),
        (
            {"cpu/k/cpu.cfs_quota_us": "300000\n", "cpu/k/cpu.cfs_period_us": "100000\n"},
            "3:cpuacct,cpu:/k\n0::/\n",
            3.0,
        ),
        ({}, "0::/\n", None),
        ({"cpu.max": "garbage\n"}, "0::/\n", None),
    ],
)
def test_cgroup_cpu_limit(
    tmp_path: Path, files: dict[str, str], self_cgroup: str, expected: float | None
) -> None:
    """A container's CPU limit is read from cgroup v2 or v1, the process's own cgroup first."""
    root, me = _cgroups(tmp_path, files, self_cgroup)
    assert cgroup_cpu_limit(root, me) == expected


def test_usable_cores_is_capped_by_the_cgroup_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 0.5-CPU container gets one interactive thread, a 1.5-CPU one at most two."""
    import server.config as config

    monkeypatch.setattr(config, "cgroup_cpu_limit", lambda: 0.5)
    assert config.usable_cores() == 1
    monkeypatch.setattr(config, "cgroup_cpu_limit", lambda: 1.5)
    assert config.usable_cores() == min(2, len(os.sched_getaffinity(0)))
