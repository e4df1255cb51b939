"""Runs that stop when asked: Ctrl-C and SIGTERM cancel running native searches.

A long native call (the routing search) watches a :class:`~engine._core.CancelToken`
and, once it is cancelled, returns its best result so far within milliseconds.
:func:`run_cancellable` wires the token to the signals:

* in the main thread, the native call runs on a helper thread while the main thread
  waits in short joins, so Python's Ctrl-C (``KeyboardInterrupt``) is seen at once and
  cancels the token (a second Ctrl-C aborts);
* in any thread, the token is registered while the call runs, so
  :func:`cancel_running` (the SIGTERM handler :func:`cancel_on_sigterm` installs, in the
  server's solver processes) stops every running search of the process.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

from engine._core import CancelToken

T = TypeVar("T")

__all__ = ["CancelToken", "cancel_on_sigterm", "cancel_running", "run_cancellable"]

#: How often the waiting main thread wakes up to notice signals (seconds).
POLL_S = 0.02

_running: set[CancelToken] = set()
_lock = threading.Lock()


def cancel_running() -> int:
    """Cancel every search running in this process; returns how many there were."""
    with _lock:
        tokens = list(_running)
    for t in tokens:
        t.cancel()
    return len(tokens)


def run_cancellable(call: Callable[[], T], token: CancelToken) -> tuple[T, bool]:
    """Run ``call()``, a native call that stops when ``token`` is cancelled, so that
    Ctrl-C (in the main thread) or :func:`cancel_running` cancels it.

    Returns
    -------
    tuple
        ``(result, interrupted)``: ``interrupted`` is True when Ctrl-C arrived during
        the call (the result is then the best found before it).

    Raises
    ------
    KeyboardInterrupt
        A second Ctrl-C while waiting for the cancelled call to return.
    """
    with _lock:
        _running.add(token)
    try:
        if threading.current_thread() is not threading.main_thread():
            return call(), False
        box: list[T] = []
        error: list[BaseException] = []
        done = threading.Event()

        def target() -> None:
            try:
                box.append(call())
            except BaseException as e:  # re-raised in the caller's thread
                error.append(e)
            finally:
                done.set()

        # An Event, not Thread.join: a join interrupted by Ctrl-C can report a running
        # thread as finished.
        threading.Thread(target=target, name="yunli-native-call", daemon=True).start()
        interrupted = False
        try:
            while not done.wait(POLL_S):
                pass
        except KeyboardInterrupt:
            token.cancel()
            interrupted = True
            done.wait()
        if error:
            raise error[0]
        return box[0], interrupted
    finally:
        with _lock:
            _running.discard(token)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if cancel_running() == 0:
        raise SystemExit(128 + signum)


def cancel_on_sigterm() -> None:
    """Install a SIGTERM handler (main thread only): a running search stops and returns
    its best solution so far; with none running the process exits (status 143)."""
    if sys.platform != "win32":
        signal.signal(signal.SIGTERM, _on_sigterm)
