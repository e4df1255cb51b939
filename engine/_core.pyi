"""Type stub of the private native module ``engine._core`` (rust_core, pyo3).

Checked against the built module by ``python -m mypy.stubtest engine._core``.
"""

from typing import Any

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

# --- routing ---
def solve_routing(
    *,
    distance: npt.NDArray[np.int64],
    durations: npt.NDArray[np.int64],
    job_location: npt.NDArray[np.int64],
    job_delivery: npt.NDArray[np.int64],
    job_pickup: npt.NDArray[np.int64],
    job_service: npt.NDArray[np.int64],
    job_tw_offsets: npt.NDArray[np.int64],
    job_tw: npt.NDArray[np.int64],
    job_skills: npt.NDArray[np.uint64],
    job_required: npt.NDArray[np.bool_],
    job_penalty: npt.NDArray[np.int64],
    job_priority: npt.NDArray[np.int64],
    pair_of: npt.NDArray[np.int64],
    is_pickup: npt.NDArray[np.bool_],
    type_count: npt.NDArray[np.int64],
    type_capacity: npt.NDArray[np.int64],
    type_start: npt.NDArray[np.int64],
    type_end: npt.NDArray[np.int64],
    type_fixed_cost: npt.NDArray[np.int64],
    type_cost_per_km: npt.NDArray[np.int64],
    type_cost_per_hour: npt.NDArray[np.int64],
    type_tw: npt.NDArray[np.int64],
    type_max_duration: npt.NDArray[np.int64],
    type_max_distance: npt.NDArray[np.int64],
    type_skills: npt.NDArray[np.uint64],
    type_profile: npt.NDArray[np.int64],
    type_breaks_offsets: npt.NDArray[np.int64],
    type_breaks: npt.NDArray[np.int64],
    time_limit_s: float,
    seed: int = 0,
    max_iterations: int | None = None,
    initial_routes: list[tuple[int, list[int]]] | None = None,
    fixed_prefixes: list[int] | None = None,
    pinned: list[bool] | None = None,
    job_allowed_type: npt.NDArray[np.int64] | None = None,
    job_home_type: npt.NDArray[np.int64] | None = None,
    job_disruption_cost: npt.NDArray[np.int64] | None = None,
) -> dict[str, Any]: ...
