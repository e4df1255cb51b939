"""Property: a mutated instance file is read exactly as declared or refused, never solved
silently as a different problem (issue 18).

Valid files of every supported format (Solomon, VRPLIB, Li & Lim, one-dimensional and
vector bin packing) are mutated at random: truncated at any byte, a line deleted or
duplicated, a byte replaced, a numeric field replaced by text. A mutation is then either
refused with ``InvalidInputError`` or read; a read file whose data lines were cut,
deleted or duplicated must give exactly the original problem (only blank, header or
trailer lines may go), and a read file whose bytes were replaced must keep the original
problem's shape (the same number of jobs or items: the values are as the file declares).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import InvalidInputError
from engine.routing import formats
from engine.routing.loadplan.io import read_bpp, read_vbp

ROOT = Path(__file__).resolve().parents[2]
ROUTING = ROOT / "tests" / "data" / "routing"
BINPACKING = ROOT / "bench" / "data" / "binpacking"


def _routing_reader(fmt: str) -> Callable[[Path], Any]:
    return lambda p: formats.read(p, fmt)


CASES: dict[str, tuple[Path, str, Callable[[Path], Any]]] = {
    "solomon": (ROUTING / "C101.txt", ".txt", _routing_reader("solomon")),
    "vrplib": (ROUTING / "X-n101-k25.vrp", ".vrp", _routing_reader("vrplib")),
    "lilim": (ROUTING / "lc101.txt", ".txt", _routing_reader("lilim")),
    "bpp": (BINPACKING / "t60" / "Falkenauer_t60_00.txt", ".txt", read_bpp),
    "vbp": (BINPACKING / "multidim" / "Falkenauer" / "classF_60_3_0.vbp", ".vbp", read_vbp),
}


def _fingerprint(obj: Any) -> dict[str, Any]:
    """Everything a solver would see, as comparable plain values."""
    if isinstance(obj, formats.Instance):
        arrays = obj.problem.to_arrays()
        out = {k: np.asarray(v).tolist() for k, v in arrays.items()}
        out["distance"] = obj.problem.distance.tolist()
        out["numbers"] = list(obj.numbers)
        out["fleet"] = [(v.num_available, v.capacity, v.shift) for v in obj.problem.vehicle_types]
        return out
    return {"capacity": getattr(obj, "capacity", None) or obj.capacities, "items": obj.sizes
            if hasattr(obj, "sizes") else obj.items}  # fmt: skip


def _size(obj: Any) -> int:
    """The shape a file declares: jobs, items, or (vector packing, whose demands expand
    into items and are data) the number of dimensions of every item and bin."""
    if isinstance(obj, formats.Instance):
        return int(obj.problem.num_jobs)
    if hasattr(obj, "sizes"):
        return len(obj.sizes)
    dims = {len(obj.capacities), *(len(it) for it in obj.items)}
    assert len(dims) == 1, "every item has one size per bin dimension"
    return dims.pop()


ORIGINAL = {name: _fingerprint(read(path)) for name, (path, _, read) in CASES.items()}


def _read(name: str, data: bytes, tmp: Path) -> Any | None:
    """Read mutated bytes; ``None`` when refused with a clear error."""
    path, suffix, read = CASES[name]
    target = tmp / f"{path.stem}{suffix}"
    target.write_bytes(data)
    try:
        return read(target)
    except InvalidInputError as e:
        refusal = e
    assert str(refusal), "a refusal must say why"
    assert refusal.field, "a refusal must name the field"
    return None


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


_settings = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.mark.parametrize("name", list(CASES))
@_settings
@given(frac=st.floats(0.0, 1.0, exclude_max=True))
def test_truncation_is_refused_or_harmless(name: str, frac: float, tmp_path: Path) -> None:
    data = CASES[name][0].read_bytes()
    cut = int(frac * len(data))
    got = _read(name, data[:cut], tmp_path)
    if got is not None:
        assert _fingerprint(got) == ORIGINAL[name], f"cut at {cut} read as a different problem"


@pytest.mark.parametrize("name", list(CASES))
@_settings
@given(where=st.floats(0.0, 1.0, exclude_max=True), duplicate=st.booleans())
def test_deleted_or_duplicated_line(
    name: str, where: float, duplicate: bool, tmp_path: Path
) -> None:
    lines = _lines(CASES[name][0].read_bytes())
    i = int(where * len(lines))
    mutated = lines[: i + 1] + lines[i:] if duplicate else lines[:i] + lines[i + 1 :]
    got = _read(name, b"".join(mutated), tmp_path)
    if got is not None:
        what = "duplicated" if duplicate else "deleted"
        assert _fingerprint(got) == ORIGINAL[name], f"line {i + 1} {what}: read differently"


@pytest.mark.parametrize("name", list(CASES))
@_settings
@given(where=st.floats(0.0, 1.0, exclude_max=True), byte=st.integers(0, 255))
def test_random_byte_keeps_the_declared_shape(
    name: str, where: float, byte: int, tmp_path: Path
) -> None:
    data = bytearray(CASES[name][0].read_bytes())
    data[int(where * len(data))] = byte
    got = _read(name, bytes(data), tmp_path)
    if got is not None:
        assert _size(got) == _size_of_original(name)


@pytest.mark.parametrize("name", list(CASES))
@_settings
@given(where=st.floats(0.0, 1.0, exclude_max=True), text=st.sampled_from(["abc", "1e", "--", "x1"]))
def test_non_numeric_field_is_refused(name: str, where: float, text: str, tmp_path: Path) -> None:
    lines = _lines(CASES[name][0].read_bytes())
    numeric = [
        i
        for i, ln in enumerate(lines)
        if ln.split() and all(_is_number(t) for t in ln.split()) and i > 0
    ]
    i = numeric[int(where * len(numeric))]
    toks = lines[i].split()
    k = int(where * 997) % len(toks)
    toks[k] = text.encode()
    lines[i] = b"\t".join(toks) + b"\n"
    assert _read(name, b"".join(lines), tmp_path) is None, f"line {i + 1}: {text!r} accepted"


def _is_number(tok: bytes) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def _size_of_original(name: str) -> int:
    path, _, read = CASES[name]
    return _size(read(path))


def test_the_originals_read() -> None:
    assert _size_of_original("solomon") == 100
    assert _size_of_original("vrplib") == 100
    assert _size_of_original("lilim") == 106
    assert _size_of_original("bpp") == 60
    assert _size_of_original("vbp") == 3
