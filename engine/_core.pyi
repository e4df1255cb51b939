"""Type stub of the private native module ``engine._core`` (rust_core, pyo3).

Checked against the built module by ``python -m mypy.stubtest engine._core``.
"""

import numpy as np
import numpy.typing as npt

__version__: str

def distance_matrix(
    src_lat: npt.NDArray[np.float64],
    src_lon: npt.NDArray[np.float64],
    dst_lat: npt.NDArray[np.float64],
    dst_lon: npt.NDArray[np.float64],
    circuity: float,
) -> npt.NDArray[np.int64]: ...
def duration_from_distance(
    dist_m: npt.NDArray[np.int64], urban_kmh: float, highway_kmh: float, urban_m: float
) -> npt.NDArray[np.int64]: ...

# --- matching ---
def max_weight_matching(
    n_rows: int,
    n_cols: int,
    indptr: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    weights: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], int]: ...
def greedy_matching(
    n_rows: int,
    n_cols: int,
    indptr: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    weights: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], int]: ...

# --- end matching ---
