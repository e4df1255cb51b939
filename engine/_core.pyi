"""Type stub of the private native module ``engine._core`` (rust_core, pyo3).

Checked against the built module by ``python -m mypy.stubtest engine._core``.
"""

from collections.abc import Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt

__version__: str

def _panic_probe(message: str) -> None: ...
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
def pair_distances(
    src_lat: npt.NDArray[np.float64],
    src_lon: npt.NDArray[np.float64],
    dst_lat: npt.NDArray[np.float64],
    dst_lon: npt.NDArray[np.float64],
    circuity: float,
) -> npt.NDArray[np.int64]: ...

# --- packing ---
def knapsack_pareto(
    sizes: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    capacity: int,
    floor: float,
    max_extra: int,
) -> tuple[float, list[int], list[list[int]]]: ...

# --- matching ---
_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_PairRow = tuple[int, int, int, float, float, float, int, int, float, float, float]

REJECT_REASONS: dict[int, str]

def max_weight_matching(
    n_rows: int, n_cols: int, indptr: _I64, cols: _I64, weights: _I64
) -> tuple[_I64, int]: ...
def greedy_matching(
    n_rows: int, n_cols: int, indptr: _I64, cols: _I64, weights: _I64
) -> tuple[_I64, int]: ...

@final
class LoadSet:
    def __len__(self) -> int: ...
    def load_m(self) -> _I64: ...

@final
class MatcherCore:
    def __new__(
        cls,
        *,
        lat: _F64,
        lon: _F64,
        home_lat: _F64,
        home_lon: _F64,
        capacity_kg: _I64,
        capacity_l: _I64,
        vehicle_type: npt.NDArray[np.uint8],
        available_from: _I64,
        rating: _F64,
        rating_count: _I64,
        offline: npt.NDArray[np.bool_],
        type_urban_kmh: _F64,
        type_highway_kmh: _F64,
        type_urban_m: _F64,
        type_cost_per_km_fen: _F64,
        trip_vehicle: _I64,
        trip_origin_lat: _F64,
        trip_origin_lon: _F64,
        trip_dest_lat: _F64,
        trip_dest_lon: _F64,
        trip_completed_at: _I64,
        as_of: int,
        half_life_s: float,
        lane_radius_m: float,
        saturation: float,
        weights: Sequence[float],
        max_deadhead_m: int,
        circuity: float,
        rating_prior_mean: float,
        rating_prior_count: float,
    ) -> MatcherCore: ...
    def set_weights(self, weights: Sequence[float]) -> None: ...
    def update_fleet(
        self,
        *,
        lat: _F64,
        lon: _F64,
        home_lat: _F64,
        home_lon: _F64,
        capacity_kg: _I64,
        capacity_l: _I64,
        vehicle_type: npt.NDArray[np.uint8],
        available_from: _I64,
        rating: _F64,
        rating_count: _I64,
        offline: npt.NDArray[np.bool_],
    ) -> None: ...
    def add_trips(
        self,
        *,
        vehicle: _I64,
        origin_lat: _F64,
        origin_lon: _F64,
        dest_lat: _F64,
        dest_lon: _F64,
        completed_at: _I64,
    ) -> None: ...
    def with_fleet(
        self,
        *,
        lat: _F64,
        lon: _F64,
        home_lat: _F64,
        home_lon: _F64,
        capacity_kg: _I64,
        capacity_l: _I64,
        vehicle_type: npt.NDArray[np.uint8],
        available_from: _I64,
        rating: _F64,
        rating_count: _I64,
        offline: npt.NDArray[np.bool_],
    ) -> MatcherCore: ...
    def with_fleet_rows(
        self,
        *,
        rows: _I64,
        lat: _F64,
        lon: _F64,
        home_lat: _F64,
        home_lon: _F64,
        capacity_kg: _I64,
        capacity_l: _I64,
        vehicle_type: npt.NDArray[np.uint8],
        available_from: _I64,
        rating: _F64,
        rating_count: _I64,
        offline: npt.NDArray[np.bool_],
    ) -> MatcherCore: ...
    def with_trips(
        self,
        *,
        vehicle: _I64,
        origin_lat: _F64,
        origin_lon: _F64,
        dest_lat: _F64,
        dest_lon: _F64,
        completed_at: _I64,
    ) -> MatcherCore: ...
    def prepare_loads(
        self,
        *,
        origin_lat: _F64,
        origin_lon: _F64,
        dest_lat: _F64,
        dest_lon: _F64,
        weight_kg: _I64,
        volume_l: _I64,
        type_mask: npt.NDArray[np.uint64],
        pickup_start: _I64,
        pickup_end: _I64,
        delivery_deadline: _I64,
        price_fen: _I64,
    ) -> LoadSet: ...
    def recommend_vehicles(self, loads: LoadSet, rows: _I64, k: int) -> dict[str, Any]: ...
    def recommend_loads(self, loads: LoadSet, vehicles: _I64, k: int) -> dict[str, Any]: ...
    def recommend_vehicle_rows(
        self, loads: LoadSet, row: int, k: int, load_id: int, vehicle_ids: _I64
    ) -> list[_PairRow]: ...
    def recommend_vehicles_wire(
        self,
        loads: LoadSet,
        row: int,
        k: int,
        load_id: int,
        vehicle_ids: _I64,
        release_gil: bool = True,
    ) -> bytes: ...
    def recommend_load_rows(
        self, loads: LoadSet, vehicle: int, k: int, vehicle_id: int, load_ids: _I64
    ) -> list[_PairRow]: ...
    def score_pairs(self, loads: LoadSet, load_rows: _I64, vehicles: _I64) -> dict[str, Any]: ...
    def dispatch(
        self,
        loads: LoadSet,
        rows: _I64,
        candidates: int,
        objective: str,
        method: str,
        order: _I64,
    ) -> dict[str, Any]: ...
    def vehicle_lanes(self, vehicle: int, top: int) -> dict[str, Any]: ...
    def profile_totals(self) -> tuple[_I64, _F64]: ...
    @property
    def n_vehicles(self) -> int: ...
    @property
    def n_lanes(self) -> int: ...
    @property
    def as_of(self) -> int: ...

# --- end matching ---

# --- routing ---
MAX_TIME_LIMIT_S: float
MAX_THREADS: int

@final
class ProblemData:
    def __new__(
        cls,
        *,
        distance: _I64 | None = None,
        durations: _I64 | None = None,
        job_location: _I64,
        job_delivery: _I64,
        job_pickup: _I64,
        job_service: _I64,
        job_tw_offsets: _I64,
        job_tw: _I64,
        job_skills: npt.NDArray[np.uint64],
        job_required: npt.NDArray[np.bool_],
        job_penalty: _I64,
        job_priority: _I64,
        pair_of: _I64,
        is_pickup: npt.NDArray[np.bool_],
        type_count: _I64,
        type_capacity: _I64,
        type_start: _I64,
        type_end: _I64,
        type_fixed_cost: _I64,
        type_cost_per_km: _I64,
        type_cost_per_hour: _I64,
        type_tw: _I64,
        type_max_duration: _I64,
        type_max_distance: _I64,
        type_skills: npt.NDArray[np.uint64],
        type_profile: _I64,
        type_breaks_offsets: _I64,
        type_breaks: _I64,
        job_allowed_type: _I64 | None = None,
        job_home_type: _I64 | None = None,
        job_disruption_cost: _I64 | None = None,
        job_due: _I64 | None = None,
        job_late_cost: _I64 | None = None,
        job_late_cost_per_hour: _I64 | None = None,
        coordinates: npt.NDArray[np.float64] | None = None,
        metric: str | None = None,
        circuity: float | None = None,
        speed_profiles: npt.NDArray[np.float64] | None = None,
    ) -> ProblemData: ...
    @property
    def num_jobs(self) -> int: ...
    @property
    def num_vehicle_types(self) -> int: ...
    @property
    def num_locations(self) -> int: ...
    @property
    def num_dimensions(self) -> int: ...
    def nearest_neighbour_routes(self) -> list[tuple[int, list[int]]]: ...
    @property
    def matrix_free(self) -> bool: ...
    @property
    def arc_bytes(self) -> int: ...

@final
class SearchParams:
    def __new__(
        cls,
        *,
        time_limit: float,
        seed: int = 0,
        max_iterations: int | None = None,
        initial_routes: Sequence[tuple[int, Sequence[int]]] | None = None,
        fixed_prefixes: Sequence[int] | None = None,
        pinned: Sequence[bool] | None = None,
        threads: int = 1,
        settled: Sequence[bool] | None = None,
    ) -> SearchParams: ...
    @property
    def time_limit(self) -> float: ...
    @property
    def seed(self) -> int: ...
    @property
    def max_iterations(self) -> int | None: ...
    @property
    def initial_routes(self) -> list[tuple[int, list[int]]]: ...
    @property
    def fixed_prefixes(self) -> list[int]: ...
    @property
    def pinned(self) -> list[bool]: ...
    @property
    def settled(self) -> list[bool]: ...
    @property
    def threads(self) -> int: ...

@final
class SearchResult:
    @property
    def routes(self) -> list[tuple[int, list[int]]]: ...
    @property
    def dropped(self) -> list[int]: ...
    @property
    def cost(self) -> float: ...
    @property
    def distance(self) -> int: ...
    @property
    def feasible(self) -> bool: ...
    @property
    def iterations(self) -> int: ...
    @property
    def evaluations(self) -> int: ...
    @property
    def restarts(self) -> int: ...
    @property
    def runtime_s(self) -> float: ...
    @property
    def soft_late_stops(self) -> int: ...
    @property
    def interrupted(self) -> bool: ...
    @property
    def threads(self) -> int: ...
    @property
    def exchanges(self) -> int: ...

@final
class CancelToken:
    def __new__(cls) -> CancelToken: ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...

def solve_routing(
    data: ProblemData, params: SearchParams, cancel: CancelToken | None = None
) -> SearchResult: ...
