"""Solver processes: they run at the configured OS priority, every thread of them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from server.solver_pool import SolverPool


@pytest.mark.parametrize("nice", [0, 7])
def test_workers_run_at_the_configured_nice(nice: int) -> None:
    """A solve sees the pool's nice value (never below this process's own)."""
    pool = SolverPool(1, nice)
    try:
        got = pool.run(os.getpriority, os.PRIO_PROCESS, 0, timeout=120)
    finally:
        pool.shutdown()
    assert got == max(nice, os.getpriority(os.PRIO_PROCESS, 0))


def test_bad_nice_is_refused() -> None:
    with pytest.raises(ValueError, match="nice"):
        SolverPool(1, 20)
    with pytest.raises(ValueError, match="nice"):
        SolverPool(1, -1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux")
def test_lower_priority_covers_running_and_later_threads() -> None:
    """Threads already running when ``lower_priority`` is called are lowered too (on
    Linux a nice value is per thread), and threads started later inherit it."""
    code = textwrap.dedent(
        """
        import os, threading
        from server.solver_pool import lower_priority
        stop = threading.Event()
        seen = {}
        def early():
            seen["early_tid"] = threading.get_native_id()
            stop.wait()
        t = threading.Thread(target=early); t.start()
        while "early_tid" not in seen: pass
        lower_priority(6)
        def late():
            seen["late"] = os.getpriority(os.PRIO_PROCESS, 0)
        u = threading.Thread(target=late); u.start(); u.join()
        early_nice = os.getpriority(os.PRIO_PROCESS, seen["early_tid"])
        stop.set(); t.join()
        print(os.getpriority(os.PRIO_PROCESS, 0), early_nice, seen["late"])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert out.stdout.split() == [str(max(6, base))] * 3
