"""Optimal and baseline one-to-one assignment over sparse bipartite graphs.

Rows are loads and columns vehicles (or any two sides). Every row and column
may stay unassigned, and only edges of positive weight are ever used, so a
pair of zero or negative value is never forced. Weights are integers (scores
are quantized before they reach the solver), which makes the optimum exact.

The solver (Rust, ``rust_core/src/matching/assignment.rs``) inserts rows by
successive shortest augmenting paths with Dijkstra on reduced costs; its dual
variables certify optimality. It runs without the GIL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine import _core
from engine.errors import InvalidInputError

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Assignment:
    """A one-to-one assignment of rows to columns.

    Attributes
    ----------
    row_col
        Column assigned to each row, ``-1`` if the row is unassigned.
    total
        Sum of the weights of the assigned edges.
    """

    row_col: IntArray
    total: int

    @property
    def n_assigned(self) -> int:
        """Number of assigned rows."""
        return int((self.row_col >= 0).sum())


def _csr(
    n_rows: int, n_cols: int, indptr: npt.ArrayLike, cols: npt.ArrayLike, weights: npt.ArrayLike
) -> tuple[IntArray, IntArray, IntArray]:
    if n_rows < 0 or n_cols < 0:
        raise InvalidInputError.at("shape", f"must be non-negative, got ({n_rows}, {n_cols})")
    ip = np.ascontiguousarray(indptr, dtype=np.int64)
    c = np.ascontiguousarray(cols, dtype=np.int64)
    w = np.ascontiguousarray(weights, dtype=np.int64)
    return ip, c, w


def max_weight_assignment(
    n_rows: int, n_cols: int, indptr: npt.ArrayLike, cols: npt.ArrayLike, weights: npt.ArrayLike
) -> Assignment:
    """Maximum-weight one-to-one assignment over a sparse graph in CSR form.

    Parameters
    ----------
    n_rows, n_cols
        Sizes of the two sides.
    indptr
        ``n_rows + 1`` offsets: the edges of row ``i`` are
        ``cols[indptr[i]:indptr[i + 1]]``.
    cols
        Column of each edge.
    weights
        Integer weight of each edge; edges with weight ``<= 0`` are never used.

    Returns
    -------
    Assignment
        An optimal assignment (maximum total weight).

    Raises
    ------
    InvalidInputError
        If the CSR arrays are inconsistent or a weight exceeds ``2**52`` in magnitude.
    """
    ip, c, w = _csr(n_rows, n_cols, indptr, cols, weights)
    row_col, total = _core.max_weight_matching(n_rows, n_cols, ip, c, w)
    return Assignment(row_col, int(total))


def greedy_assignment(
    n_rows: int, n_cols: int, indptr: npt.ArrayLike, cols: npt.ArrayLike, weights: npt.ArrayLike
) -> Assignment:
    """Best-weight-first greedy assignment (the baseline), same input as
    :func:`max_weight_assignment`.

    Raises
    ------
    InvalidInputError
        If the CSR arrays are inconsistent.
    """
    ip, c, w = _csr(n_rows, n_cols, indptr, cols, weights)
    row_col, total = _core.greedy_matching(n_rows, n_cols, ip, c, w)
    return Assignment(row_col, int(total))


def dense_to_csr(
    weights: npt.ArrayLike, allowed: npt.ArrayLike | None = None
) -> tuple[int, int, IntArray, IntArray, IntArray]:
    """CSR arrays of a dense weight matrix, keeping the ``allowed`` entries (default: all).

    Returns
    -------
    tuple
        ``(n_rows, n_cols, indptr, cols, weights)``.

    Raises
    ------
    InvalidInputError
        If ``weights`` is not a 2-D integer matrix or ``allowed`` has another shape.
    """
    w = np.asarray(weights)
    if w.ndim != 2 or not np.issubdtype(w.dtype, np.integer):
        raise InvalidInputError.at("weights", "must be a 2-D integer matrix")
    mask = np.ones(w.shape, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if mask.shape != w.shape:
        raise InvalidInputError.at("allowed", f"shape {mask.shape} differs from {w.shape}")
    rows, cols = np.nonzero(mask)
    indptr = np.zeros(w.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=w.shape[0]), out=indptr[1:])
    return (
        int(w.shape[0]),
        int(w.shape[1]),
        indptr,
        cols.astype(np.int64),
        w[rows, cols].astype(np.int64),
    )
