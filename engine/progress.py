"""Progress display for long command-line runs (tqdm on standard error).

Shown only when standard error is a terminal (quiet in pipes, logs and CI) unless forced.
A background ticker keeps the elapsed time moving while a native search runs without
reporting; solvers that report improvements call the object with
``(elapsed_seconds, objective)`` and the best cost so far is shown beside the time.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from types import TracebackType

from tqdm import tqdm


class Progress:
    """Elapsed time (against an optional time limit) and the best objective so far.

    Parameters
    ----------
    desc
        What is running (``"solve C101"``).
    time_limit
        Seconds the run may take; draws a bar when given, a running clock otherwise.
    enabled
        Force the display on or off (default: on when standard error is a terminal).
    """

    def __init__(self, desc: str, time_limit: float | None = None, *, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.best: float | None = None
        self._t0 = time.perf_counter()
        self._stop = threading.Event()
        fmt = (
            "{desc}: {bar} {n:.1f}/{total:.0f} s{postfix}"
            if time_limit
            else "{desc}: {n:.1f} s{postfix}"
        )
        size = shutil.get_terminal_size(fallback=(80, 24))
        self._bar = tqdm(
            total=time_limit or None,
            desc=desc,
            bar_format=fmt,
            file=sys.stderr,
            disable=not self.enabled,
            leave=False,
            # a terminal that reports no size (0 x 0) still gets a readable line
            ncols=size.columns or 80,
            nrows=size.lines or 24,
        )
        self._ticker: threading.Thread | None = None
        if self.enabled:
            self._ticker = threading.Thread(target=self._tick, name="yunli-progress", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            self._refresh()

    def _refresh(self) -> None:
        elapsed = time.perf_counter() - self._t0
        total = self._bar.total
        self._bar.n = min(elapsed, total) if total else elapsed
        if self.best is not None:
            self._bar.set_postfix_str(f"best {self.best:,.2f}", refresh=False)
        self._bar.refresh()

    def __call__(self, elapsed: float, objective: float) -> None:
        """Record an improvement reported by a solver."""
        if self.best is None or objective < self.best:
            self.best = objective

    @property
    def elapsed(self) -> float:
        """Seconds since the display was created."""
        return time.perf_counter() - self._t0

    def close(self) -> None:
        """Stop the ticker and clear the line."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["Progress"]
