from server.gen.yunli.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanObjective(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_OBJECTIVE_UNSPECIFIED: _ClassVar[PlanObjective]
    PLAN_OBJECTIVE_COST: _ClassVar[PlanObjective]
    PLAN_OBJECTIVE_COUNT: _ClassVar[PlanObjective]
PLAN_OBJECTIVE_UNSPECIFIED: PlanObjective
PLAN_OBJECTIVE_COST: PlanObjective
PLAN_OBJECTIVE_COUNT: PlanObjective

class Site(_message.Message):
    __slots__ = ("name", "lat", "lon", "x", "y", "is_depot")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    IS_DEPOT_FIELD_NUMBER: _ClassVar[int]
    name: str
    lat: float
    lon: float
    x: float
    y: float
    is_depot: bool
    def __init__(self, name: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., x: _Optional[float] = ..., y: _Optional[float] = ..., is_depot: _Optional[bool] = ...) -> None: ...

class Break(_message.Message):
    __slots__ = ("window_start", "window_end", "duration")
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    window_start: int
    window_end: int
    duration: int
    def __init__(self, window_start: _Optional[int] = ..., window_end: _Optional[int] = ..., duration: _Optional[int] = ...) -> None: ...

class VehicleType(_message.Message):
    __slots__ = ("name", "num_available", "capacity", "start_site", "end_site", "fixed_cost", "cost_per_km", "cost_per_hour", "shift", "max_duration", "max_distance", "skills", "profile", "breaks")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUM_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    START_SITE_FIELD_NUMBER: _ClassVar[int]
    END_SITE_FIELD_NUMBER: _ClassVar[int]
    FIXED_COST_FIELD_NUMBER: _ClassVar[int]
    COST_PER_KM_FIELD_NUMBER: _ClassVar[int]
    COST_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    MAX_DURATION_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    BREAKS_FIELD_NUMBER: _ClassVar[int]
    name: str
    num_available: int
    capacity: _containers.RepeatedScalarFieldContainer[int]
    start_site: str
    end_site: str
    fixed_cost: int
    cost_per_km: int
    cost_per_hour: int
    shift: _common_pb2.TimeWindow
    max_duration: int
    max_distance: int
    skills: _containers.RepeatedScalarFieldContainer[str]
    profile: str
    breaks: _containers.RepeatedCompositeFieldContainer[Break]
    def __init__(self, name: _Optional[str] = ..., num_available: _Optional[int] = ..., capacity: _Optional[_Iterable[int]] = ..., start_site: _Optional[str] = ..., end_site: _Optional[str] = ..., fixed_cost: _Optional[int] = ..., cost_per_km: _Optional[int] = ..., cost_per_hour: _Optional[int] = ..., shift: _Optional[_Union[_common_pb2.TimeWindow, _Mapping]] = ..., max_duration: _Optional[int] = ..., max_distance: _Optional[int] = ..., skills: _Optional[_Iterable[str]] = ..., profile: _Optional[str] = ..., breaks: _Optional[_Iterable[_Union[Break, _Mapping]]] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("name", "site", "delivery", "pickup", "service", "time_windows", "skills", "priority", "required", "penalty")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    PICKUP_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    TIME_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    name: str
    site: str
    delivery: _containers.RepeatedScalarFieldContainer[int]
    pickup: _containers.RepeatedScalarFieldContainer[int]
    service: int
    time_windows: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    skills: _containers.RepeatedScalarFieldContainer[str]
    priority: int
    required: bool
    penalty: int
    def __init__(self, name: _Optional[str] = ..., site: _Optional[str] = ..., delivery: _Optional[_Iterable[int]] = ..., pickup: _Optional[_Iterable[int]] = ..., service: _Optional[int] = ..., time_windows: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., skills: _Optional[_Iterable[str]] = ..., priority: _Optional[int] = ..., required: _Optional[bool] = ..., penalty: _Optional[int] = ...) -> None: ...

class Shipment(_message.Message):
    __slots__ = ("name", "pickup_site", "delivery_site", "amount", "pickup_service", "delivery_service", "pickup_windows", "delivery_windows", "skills", "priority", "required", "penalty")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PICKUP_SITE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_SITE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PICKUP_SERVICE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_SERVICE_FIELD_NUMBER: _ClassVar[int]
    PICKUP_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    name: str
    pickup_site: str
    delivery_site: str
    amount: _containers.RepeatedScalarFieldContainer[int]
    pickup_service: int
    delivery_service: int
    pickup_windows: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    delivery_windows: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    skills: _containers.RepeatedScalarFieldContainer[str]
    priority: int
    required: bool
    penalty: int
    def __init__(self, name: _Optional[str] = ..., pickup_site: _Optional[str] = ..., delivery_site: _Optional[str] = ..., amount: _Optional[_Iterable[int]] = ..., pickup_service: _Optional[int] = ..., delivery_service: _Optional[int] = ..., pickup_windows: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., delivery_windows: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., skills: _Optional[_Iterable[str]] = ..., priority: _Optional[int] = ..., required: _Optional[bool] = ..., penalty: _Optional[int] = ...) -> None: ...

class Matrix(_message.Message):
    __slots__ = ("distance", "durations")
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    DURATIONS_FIELD_NUMBER: _ClassVar[int]
    distance: _containers.RepeatedScalarFieldContainer[int]
    durations: _containers.RepeatedCompositeFieldContainer[ProfileDurations]
    def __init__(self, distance: _Optional[_Iterable[int]] = ..., durations: _Optional[_Iterable[_Union[ProfileDurations, _Mapping]]] = ...) -> None: ...

class ProfileDurations(_message.Message):
    __slots__ = ("profile", "values")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    profile: str
    values: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, profile: _Optional[str] = ..., values: _Optional[_Iterable[int]] = ...) -> None: ...

class Problem(_message.Message):
    __slots__ = ("name", "dimensions", "sites", "vehicle_types", "jobs", "shipments", "matrix")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    SITES_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_TYPES_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    MATRIX_FIELD_NUMBER: _ClassVar[int]
    name: str
    dimensions: _containers.RepeatedScalarFieldContainer[str]
    sites: _containers.RepeatedCompositeFieldContainer[Site]
    vehicle_types: _containers.RepeatedCompositeFieldContainer[VehicleType]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    shipments: _containers.RepeatedCompositeFieldContainer[Shipment]
    matrix: Matrix
    def __init__(self, name: _Optional[str] = ..., dimensions: _Optional[_Iterable[str]] = ..., sites: _Optional[_Iterable[_Union[Site, _Mapping]]] = ..., vehicle_types: _Optional[_Iterable[_Union[VehicleType, _Mapping]]] = ..., jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., shipments: _Optional[_Iterable[_Union[Shipment, _Mapping]]] = ..., matrix: _Optional[_Union[Matrix, _Mapping]] = ...) -> None: ...

class OptimizeRequest(_message.Message):
    __slots__ = ("problem", "time_limit_s", "seed", "solver")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    problem: Problem
    time_limit_s: float
    seed: int
    solver: str
    def __init__(self, problem: _Optional[_Union[Problem, _Mapping]] = ..., time_limit_s: _Optional[float] = ..., seed: _Optional[int] = ..., solver: _Optional[str] = ...) -> None: ...

class Route(_message.Message):
    __slots__ = ("vehicle_type", "jobs", "service_starts", "distance", "duration", "departure", "arrival", "peak_load", "cost")
    VEHICLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_STARTS_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    PEAK_LOAD_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    vehicle_type: str
    jobs: _containers.RepeatedScalarFieldContainer[str]
    service_starts: _containers.RepeatedScalarFieldContainer[int]
    distance: int
    duration: int
    departure: int
    arrival: int
    peak_load: _containers.RepeatedScalarFieldContainer[int]
    cost: float
    def __init__(self, vehicle_type: _Optional[str] = ..., jobs: _Optional[_Iterable[str]] = ..., service_starts: _Optional[_Iterable[int]] = ..., distance: _Optional[int] = ..., duration: _Optional[int] = ..., departure: _Optional[int] = ..., arrival: _Optional[int] = ..., peak_load: _Optional[_Iterable[int]] = ..., cost: _Optional[float] = ...) -> None: ...

class Unserved(_message.Message):
    __slots__ = ("job", "required", "reason")
    JOB_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    job: str
    required: bool
    reason: str
    def __init__(self, job: _Optional[str] = ..., required: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class OptimizeResponse(_message.Message):
    __slots__ = ("routes", "unserved", "cost", "distance", "duration", "solver", "solver_reason", "runtime_s", "status", "feasible", "complete", "time_limit_s")
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    UNSERVED_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    SOLVER_REASON_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_S_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FEASIBLE_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    routes: _containers.RepeatedCompositeFieldContainer[Route]
    unserved: _containers.RepeatedCompositeFieldContainer[Unserved]
    cost: float
    distance: int
    duration: int
    solver: str
    solver_reason: str
    runtime_s: float
    status: str
    feasible: bool
    complete: bool
    time_limit_s: float
    def __init__(self, routes: _Optional[_Iterable[_Union[Route, _Mapping]]] = ..., unserved: _Optional[_Iterable[_Union[Unserved, _Mapping]]] = ..., cost: _Optional[float] = ..., distance: _Optional[int] = ..., duration: _Optional[int] = ..., solver: _Optional[str] = ..., solver_reason: _Optional[str] = ..., runtime_s: _Optional[float] = ..., status: _Optional[str] = ..., feasible: _Optional[bool] = ..., complete: _Optional[bool] = ..., time_limit_s: _Optional[float] = ...) -> None: ...

class OptimizeProgress(_message.Message):
    __slots__ = ("elapsed_s", "objective")
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    elapsed_s: float
    objective: float
    def __init__(self, elapsed_s: _Optional[float] = ..., objective: _Optional[float] = ...) -> None: ...

class OptimizeEvent(_message.Message):
    __slots__ = ("progress", "result")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    progress: OptimizeProgress
    result: OptimizeResponse
    def __init__(self, progress: _Optional[_Union[OptimizeProgress, _Mapping]] = ..., result: _Optional[_Union[OptimizeResponse, _Mapping]] = ...) -> None: ...

class PlanShipment(_message.Message):
    __slots__ = ("shipment_id", "weight_kg", "volume_l", "pallets")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    VOLUME_L_FIELD_NUMBER: _ClassVar[int]
    PALLETS_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    weight_kg: int
    volume_l: int
    pallets: int
    def __init__(self, shipment_id: _Optional[str] = ..., weight_kg: _Optional[int] = ..., volume_l: _Optional[int] = ..., pallets: _Optional[int] = ...) -> None: ...

class PlanVehicleType(_message.Message):
    __slots__ = ("vehicle_type", "capacity_kg", "capacity_l", "capacity_pallets", "count", "cost_fen")
    VEHICLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_KG_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_L_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_PALLETS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    COST_FEN_FIELD_NUMBER: _ClassVar[int]
    vehicle_type: str
    capacity_kg: int
    capacity_l: int
    capacity_pallets: int
    count: int
    cost_fen: int
    def __init__(self, vehicle_type: _Optional[str] = ..., capacity_kg: _Optional[int] = ..., capacity_l: _Optional[int] = ..., capacity_pallets: _Optional[int] = ..., count: _Optional[int] = ..., cost_fen: _Optional[int] = ...) -> None: ...

class PlanLoadsRequest(_message.Message):
    __slots__ = ("shipments", "fleet", "objective", "time_limit_s", "seed")
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    shipments: _containers.RepeatedCompositeFieldContainer[PlanShipment]
    fleet: _containers.RepeatedCompositeFieldContainer[PlanVehicleType]
    objective: PlanObjective
    time_limit_s: float
    seed: int
    def __init__(self, shipments: _Optional[_Iterable[_Union[PlanShipment, _Mapping]]] = ..., fleet: _Optional[_Iterable[_Union[PlanVehicleType, _Mapping]]] = ..., objective: _Optional[_Union[PlanObjective, str]] = ..., time_limit_s: _Optional[float] = ..., seed: _Optional[int] = ...) -> None: ...

class LoadedVehicle(_message.Message):
    __slots__ = ("vehicle_id", "vehicle_type", "cost_fen", "shipment_ids", "load", "capacity", "load_factor")
    class LoadEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class CapacityEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class LoadFactorEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COST_FEN_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    LOAD_FACTOR_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: str
    vehicle_type: str
    cost_fen: int
    shipment_ids: _containers.RepeatedScalarFieldContainer[str]
    load: _containers.ScalarMap[str, int]
    capacity: _containers.ScalarMap[str, int]
    load_factor: _containers.ScalarMap[str, float]
    def __init__(self, vehicle_id: _Optional[str] = ..., vehicle_type: _Optional[str] = ..., cost_fen: _Optional[int] = ..., shipment_ids: _Optional[_Iterable[str]] = ..., load: _Optional[_Mapping[str, int]] = ..., capacity: _Optional[_Mapping[str, int]] = ..., load_factor: _Optional[_Mapping[str, float]] = ...) -> None: ...

class UnplacedShipment(_message.Message):
    __slots__ = ("shipment_id", "reason")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    reason: str
    def __init__(self, shipment_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PlanBaseline(_message.Message):
    __slots__ = ("total_cost_fen", "num_vehicles", "unplaced")
    TOTAL_COST_FEN_FIELD_NUMBER: _ClassVar[int]
    NUM_VEHICLES_FIELD_NUMBER: _ClassVar[int]
    UNPLACED_FIELD_NUMBER: _ClassVar[int]
    total_cost_fen: int
    num_vehicles: int
    unplaced: int
    def __init__(self, total_cost_fen: _Optional[int] = ..., num_vehicles: _Optional[int] = ..., unplaced: _Optional[int] = ...) -> None: ...

class PlanLoadsResponse(_message.Message):
    __slots__ = ("objective", "vehicles", "unplaced", "total_cost_fen", "num_vehicles", "lower_bound", "proven_optimal", "method", "wall_time_s", "first_fit_decreasing")
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    UNPLACED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_FEN_FIELD_NUMBER: _ClassVar[int]
    NUM_VEHICLES_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    PROVEN_OPTIMAL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    WALL_TIME_S_FIELD_NUMBER: _ClassVar[int]
    FIRST_FIT_DECREASING_FIELD_NUMBER: _ClassVar[int]
    objective: str
    vehicles: _containers.RepeatedCompositeFieldContainer[LoadedVehicle]
    unplaced: _containers.RepeatedCompositeFieldContainer[UnplacedShipment]
    total_cost_fen: int
    num_vehicles: int
    lower_bound: int
    proven_optimal: bool
    method: str
    wall_time_s: float
    first_fit_decreasing: PlanBaseline
    def __init__(self, objective: _Optional[str] = ..., vehicles: _Optional[_Iterable[_Union[LoadedVehicle, _Mapping]]] = ..., unplaced: _Optional[_Iterable[_Union[UnplacedShipment, _Mapping]]] = ..., total_cost_fen: _Optional[int] = ..., num_vehicles: _Optional[int] = ..., lower_bound: _Optional[int] = ..., proven_optimal: _Optional[bool] = ..., method: _Optional[str] = ..., wall_time_s: _Optional[float] = ..., first_fit_decreasing: _Optional[_Union[PlanBaseline, _Mapping]] = ...) -> None: ...
