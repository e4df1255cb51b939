"""Output files: checked before any work starts, written atomically.

A command that plans for minutes must not discover at the end that it cannot write its
result, and a reader must never see half a file: :func:`check_output` validates an output
path up front (its folder exists and is writable, the suffix is one the command writes),
and :func:`atomic_write` writes next to the target and renames into place, so the target
is either the complete new file or untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from engine.errors import InvalidInputError


def check_output(
    path: str | os.PathLike[str] | None, suffixes: Iterable[str], field: str = "output"
) -> Path | None:
    """Validate an output path before the work that produces it.

    Parameters
    ----------
    path
        The path given by the user (``None``: no output requested, returned as is).
    suffixes
        Accepted suffixes, lower case with the dot (``(".json", ".csv")``).
    field
        The option or argument named in errors (``output``, ``plot`` …).

    Raises
    ------
    InvalidInputError
        If the suffix is not accepted, the path is a directory, its folder does not exist
        or is not a folder, or the folder is not writable.
    """
    if path is None:
        return None
    p = Path(path)
    allowed = tuple(suffixes)
    if p.suffix.lower() not in allowed:
        raise InvalidInputError.at(
            field, f"{str(p)!r}: unsupported file type {p.suffix or '(none)'!r}; use {allowed}"
        )
    if p.is_dir():
        raise InvalidInputError.at(field, f"{str(p)!r} is a directory; give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise InvalidInputError.at(
            field, f"folder {str(parent)!r} does not exist; create it first or write elsewhere"
        )
    if not parent.is_dir():
        raise InvalidInputError.at(field, f"{str(parent)!r} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidInputError.at(field, f"folder {str(parent)!r} is not writable")
    return p


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    The temporary file keeps the target's suffix (writers that choose the format by suffix
    still work) and is removed if ``write`` fails, leaving any existing target untouched.
    """
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent or "."
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_write`."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


__all__ = ["atomic_write", "atomic_write_text", "check_output"]
