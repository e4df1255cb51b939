"""The sparse unbalanced assignment solver against scipy's dense optimum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from engine.errors import InvalidInputError
from engine.matching.assignment import (
    dense_to_csr,
    greedy_assignment,
    max_weight_assignment,
)


def _scipy_optimum(w: np.ndarray, allowed: np.ndarray) -> int:
    """Optimum with unassignment allowed: clip to >= 0, forbid by zero, pad square."""
    value = np.where(allowed, np.maximum(w, 0), 0)
    n, m = value.shape
    square = np.zeros((max(n, m), max(n, m)), dtype=np.int64)
    square[:n, :m] = value
    r, c = linear_sum_assignment(square, maximize=True)
    return int(square[r, c].sum())


def _check_valid(a, w: np.ndarray, allowed: np.ndarray) -> None:
    cols = a.row_col[a.row_col >= 0]
    assert len(np.unique(cols)) == cols.size, "a column is used twice"
    rows = np.nonzero(a.row_col >= 0)[0]
    assert allowed[rows, a.row_col[rows]].all(), "a forbidden pair was assigned"
    assert (w[rows, a.row_col[rows]] > 0).all(), "a non-positive pair was assigned"
    assert int(w[rows, a.row_col[rows]].sum()) == a.total


@pytest.mark.parametrize(
    ("n", "m", "density", "seed"),
    [
        (60, 60, 1.0, 0),
        (80, 50, 1.0, 1),
        (50, 90, 1.0, 2),
        (120, 120, 0.3, 3),
        (100, 40, 0.1, 4),
        (40, 150, 0.05, 5),
        (1, 1, 1.0, 6),
        (200, 200, 0.5, 7),
    ],
)
def test_matches_linear_sum_assignment(n: int, m: int, density: float, seed: int) -> None:
    """Same optimum as scipy on dense, rectangular and forbidden-pair instances
    with negative weights present."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-300, 1000, size=(n, m))
    allowed = rng.random((n, m)) < density
    a = max_weight_assignment(*dense_to_csr(w, allowed))
    _check_valid(a, w, allowed)
    assert a.total == _scipy_optimum(w, allowed)


def test_many_small_random_instances() -> None:
    """Hundreds of small instances, ties included (weights from a tiny range)."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        n, m = rng.integers(1, 12, size=2)
        w = rng.integers(-3, 6, size=(n, m))
        allowed = rng.random((n, m)) < rng.uniform(0.2, 1.0)
        a = max_weight_assignment(*dense_to_csr(w, allowed))
        _check_valid(a, w, allowed)
        assert a.total == _scipy_optimum(w, allowed)


def test_greedy_is_valid_and_not_better() -> None:
    """Greedy is a valid assignment whose total never exceeds the optimum."""
    rng = np.random.default_rng(5)
    w = rng.integers(1, 1000, size=(150, 120))
    allowed = rng.random(w.shape) < 0.2
    g = greedy_assignment(*dense_to_csr(w, allowed))
    o = max_weight_assignment(*dense_to_csr(w, allowed))
    _check_valid(g, w, allowed)
    assert g.total <= o.total
    assert o.total == _scipy_optimum(w, allowed)


def test_unassigned_when_all_pairs_negative() -> None:
    """Nothing is assigned when every pair has non-positive value."""
    w = -np.arange(1, 7, dtype=np.int64).reshape(2, 3)
    a = max_weight_assignment(*dense_to_csr(w))
    assert a.n_assigned == 0
    assert a.total == 0


def test_rejects_bad_csr() -> None:
    """Inconsistent CSR arrays raise InvalidInputError naming the field."""
    with pytest.raises(InvalidInputError, match="indptr"):
        max_weight_assignment(2, 2, [0, 1], [0], [1])
    with pytest.raises(InvalidInputError, match="cols"):
        max_weight_assignment(1, 2, [0, 1], [5], [1])
    with pytest.raises(InvalidInputError, match="weights"):
        max_weight_assignment(1, 2, [0, 1], [0], [1, 2])
    with pytest.raises(InvalidInputError, match="weights"):
        dense_to_csr(np.ones((2, 2)))
