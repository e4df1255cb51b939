from server.gen.yunli.v1 import common_pb2 as _common_pb2
from server.gen.yunli.v1 import routing_pb2 as _routing_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LiveJob(_message.Message):
    __slots__ = ("job_id", "kind", "lat", "lon", "amounts", "service_s", "windows", "pair", "skills", "required", "penalty", "status", "served_at")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_S_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    PAIR_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SERVED_AT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    kind: str
    lat: float
    lon: float
    amounts: _containers.RepeatedScalarFieldContainer[int]
    service_s: int
    windows: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    pair: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    required: bool
    penalty: int
    status: str
    served_at: int
    def __init__(self, job_id: _Optional[str] = ..., kind: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., amounts: _Optional[_Iterable[int]] = ..., service_s: _Optional[int] = ..., windows: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ..., pair: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., required: _Optional[bool] = ..., penalty: _Optional[int] = ..., status: _Optional[str] = ..., served_at: _Optional[int] = ...) -> None: ...

class LiveVehicle(_message.Message):
    __slots__ = ("vehicle_id", "profile", "capacity", "depot_lat", "depot_lon", "end_lat", "end_lon", "shift_start", "shift_end", "lat", "lon", "position_time", "max_duration_s", "skills", "cost_per_km", "cost_per_hour", "route", "served", "on_board", "driving_since_break_s", "departed", "en_route", "status", "delay_s")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    DEPOT_LAT_FIELD_NUMBER: _ClassVar[int]
    DEPOT_LON_FIELD_NUMBER: _ClassVar[int]
    END_LAT_FIELD_NUMBER: _ClassVar[int]
    END_LON_FIELD_NUMBER: _ClassVar[int]
    SHIFT_START_FIELD_NUMBER: _ClassVar[int]
    SHIFT_END_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    POSITION_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_DURATION_S_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    COST_PER_KM_FIELD_NUMBER: _ClassVar[int]
    COST_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    SERVED_FIELD_NUMBER: _ClassVar[int]
    ON_BOARD_FIELD_NUMBER: _ClassVar[int]
    DRIVING_SINCE_BREAK_S_FIELD_NUMBER: _ClassVar[int]
    DEPARTED_FIELD_NUMBER: _ClassVar[int]
    EN_ROUTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DELAY_S_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: str
    profile: str
    capacity: _containers.RepeatedScalarFieldContainer[int]
    depot_lat: float
    depot_lon: float
    end_lat: float
    end_lon: float
    shift_start: int
    shift_end: int
    lat: float
    lon: float
    position_time: int
    max_duration_s: int
    skills: _containers.RepeatedScalarFieldContainer[str]
    cost_per_km: int
    cost_per_hour: int
    route: _containers.RepeatedScalarFieldContainer[str]
    served: _containers.RepeatedScalarFieldContainer[str]
    on_board: _containers.RepeatedScalarFieldContainer[int]
    driving_since_break_s: int
    departed: bool
    en_route: bool
    status: str
    delay_s: int
    def __init__(self, vehicle_id: _Optional[str] = ..., profile: _Optional[str] = ..., capacity: _Optional[_Iterable[int]] = ..., depot_lat: _Optional[float] = ..., depot_lon: _Optional[float] = ..., end_lat: _Optional[float] = ..., end_lon: _Optional[float] = ..., shift_start: _Optional[int] = ..., shift_end: _Optional[int] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., position_time: _Optional[int] = ..., max_duration_s: _Optional[int] = ..., skills: _Optional[_Iterable[str]] = ..., cost_per_km: _Optional[int] = ..., cost_per_hour: _Optional[int] = ..., route: _Optional[_Iterable[str]] = ..., served: _Optional[_Iterable[str]] = ..., on_board: _Optional[_Iterable[int]] = ..., driving_since_break_s: _Optional[int] = ..., departed: _Optional[bool] = ..., en_route: _Optional[bool] = ..., status: _Optional[str] = ..., delay_s: _Optional[int] = ...) -> None: ...

class Circle(_message.Message):
    __slots__ = ("lat", "lon", "radius_m")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    lat: float
    lon: float
    radius_m: float
    def __init__(self, lat: _Optional[float] = ..., lon: _Optional[float] = ..., radius_m: _Optional[float] = ...) -> None: ...

class Polygon(_message.Message):
    __slots__ = ("lats", "lons")
    LATS_FIELD_NUMBER: _ClassVar[int]
    LONS_FIELD_NUMBER: _ClassVar[int]
    lats: _containers.RepeatedScalarFieldContainer[float]
    lons: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, lats: _Optional[_Iterable[float]] = ..., lons: _Optional[_Iterable[float]] = ...) -> None: ...

class Slowdown(_message.Message):
    __slots__ = ("factor", "start", "end", "circle", "polygon", "leg_from", "leg_to")
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CIRCLE_FIELD_NUMBER: _ClassVar[int]
    POLYGON_FIELD_NUMBER: _ClassVar[int]
    LEG_FROM_FIELD_NUMBER: _ClassVar[int]
    LEG_TO_FIELD_NUMBER: _ClassVar[int]
    factor: float
    start: int
    end: int
    circle: Circle
    polygon: Polygon
    leg_from: str
    leg_to: str
    def __init__(self, factor: _Optional[float] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., circle: _Optional[_Union[Circle, _Mapping]] = ..., polygon: _Optional[_Union[Polygon, _Mapping]] = ..., leg_from: _Optional[str] = ..., leg_to: _Optional[str] = ...) -> None: ...

class LivePlan(_message.Message):
    __slots__ = ("plan_id", "version", "dimensions", "jobs", "vehicles", "now", "slowdowns", "circuity")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    NOW_FIELD_NUMBER: _ClassVar[int]
    SLOWDOWNS_FIELD_NUMBER: _ClassVar[int]
    CIRCUITY_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    version: int
    dimensions: _containers.RepeatedScalarFieldContainer[str]
    jobs: _containers.RepeatedCompositeFieldContainer[LiveJob]
    vehicles: _containers.RepeatedCompositeFieldContainer[LiveVehicle]
    now: int
    slowdowns: _containers.RepeatedCompositeFieldContainer[Slowdown]
    circuity: float
    def __init__(self, plan_id: _Optional[str] = ..., version: _Optional[int] = ..., dimensions: _Optional[_Iterable[str]] = ..., jobs: _Optional[_Iterable[_Union[LiveJob, _Mapping]]] = ..., vehicles: _Optional[_Iterable[_Union[LiveVehicle, _Mapping]]] = ..., now: _Optional[int] = ..., slowdowns: _Optional[_Iterable[_Union[Slowdown, _Mapping]]] = ..., circuity: _Optional[float] = ...) -> None: ...

class StopEta(_message.Message):
    __slots__ = ("vehicle_id", "position", "job_id", "arrival", "service_start", "departure", "late_s")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    SERVICE_START_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_FIELD_NUMBER: _ClassVar[int]
    LATE_S_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: str
    position: int
    job_id: str
    arrival: int
    service_start: int
    departure: int
    late_s: int
    def __init__(self, vehicle_id: _Optional[str] = ..., position: _Optional[int] = ..., job_id: _Optional[str] = ..., arrival: _Optional[int] = ..., service_start: _Optional[int] = ..., departure: _Optional[int] = ..., late_s: _Optional[int] = ...) -> None: ...

class RiskWarning(_message.Message):
    __slots__ = ("kind", "vehicle_id", "job_id", "predicted_time", "margin", "message")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_TIME_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    vehicle_id: str
    job_id: str
    predicted_time: int
    margin: int
    message: str
    def __init__(self, kind: _Optional[str] = ..., vehicle_id: _Optional[str] = ..., job_id: _Optional[str] = ..., predicted_time: _Optional[int] = ..., margin: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class PlanView(_message.Message):
    __slots__ = ("plan", "etas", "warnings", "late_stops", "total_lateness_s", "remaining_distance_m")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    ETAS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    LATE_STOPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LATENESS_S_FIELD_NUMBER: _ClassVar[int]
    REMAINING_DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    plan: LivePlan
    etas: _containers.RepeatedCompositeFieldContainer[StopEta]
    warnings: _containers.RepeatedCompositeFieldContainer[RiskWarning]
    late_stops: int
    total_lateness_s: int
    remaining_distance_m: int
    def __init__(self, plan: _Optional[_Union[LivePlan, _Mapping]] = ..., etas: _Optional[_Iterable[_Union[StopEta, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[RiskWarning, _Mapping]]] = ..., late_stops: _Optional[int] = ..., total_lateness_s: _Optional[int] = ..., remaining_distance_m: _Optional[int] = ...) -> None: ...

class CreatePlanRequest(_message.Message):
    __slots__ = ("plan_id", "problem", "plan", "time_limit_s", "seed", "now", "idempotency_key")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    NOW_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    problem: _routing_pb2.Problem
    plan: LivePlan
    time_limit_s: float
    seed: int
    now: int
    idempotency_key: str
    def __init__(self, plan_id: _Optional[str] = ..., problem: _Optional[_Union[_routing_pb2.Problem, _Mapping]] = ..., plan: _Optional[_Union[LivePlan, _Mapping]] = ..., time_limit_s: _Optional[float] = ..., seed: _Optional[int] = ..., now: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class NewJob(_message.Message):
    __slots__ = ("job", "pair_job")
    JOB_FIELD_NUMBER: _ClassVar[int]
    PAIR_JOB_FIELD_NUMBER: _ClassVar[int]
    job: LiveJob
    pair_job: LiveJob
    def __init__(self, job: _Optional[_Union[LiveJob, _Mapping]] = ..., pair_job: _Optional[_Union[LiveJob, _Mapping]] = ...) -> None: ...

class TimeWindows(_message.Message):
    __slots__ = ("windows",)
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    windows: _containers.RepeatedCompositeFieldContainer[_common_pb2.TimeWindow]
    def __init__(self, windows: _Optional[_Iterable[_Union[_common_pb2.TimeWindow, _Mapping]]] = ...) -> None: ...

class Amounts(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, values: _Optional[_Iterable[int]] = ...) -> None: ...

class ChangeJob(_message.Message):
    __slots__ = ("job_id", "windows", "amounts")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    windows: TimeWindows
    amounts: Amounts
    def __init__(self, job_id: _Optional[str] = ..., windows: _Optional[_Union[TimeWindows, _Mapping]] = ..., amounts: _Optional[_Union[Amounts, _Mapping]] = ...) -> None: ...

class VehicleDelayed(_message.Message):
    __slots__ = ("vehicle_id", "delay_s")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    DELAY_S_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: str
    delay_s: int
    def __init__(self, vehicle_id: _Optional[str] = ..., delay_s: _Optional[int] = ...) -> None: ...

class VehicleAvailable(_message.Message):
    __slots__ = ("vehicle", "vehicle_id")
    VEHICLE_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    vehicle: LiveVehicle
    vehicle_id: str
    def __init__(self, vehicle: _Optional[_Union[LiveVehicle, _Mapping]] = ..., vehicle_id: _Optional[str] = ...) -> None: ...

class PositionUpdate(_message.Message):
    __slots__ = ("vehicle_id", "lat", "lon", "served", "driving_since_break_s", "busy_until")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    SERVED_FIELD_NUMBER: _ClassVar[int]
    DRIVING_SINCE_BREAK_S_FIELD_NUMBER: _ClassVar[int]
    BUSY_UNTIL_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: str
    lat: float
    lon: float
    served: _containers.RepeatedScalarFieldContainer[str]
    driving_since_break_s: int
    busy_until: int
    def __init__(self, vehicle_id: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., served: _Optional[_Iterable[str]] = ..., driving_since_break_s: _Optional[int] = ..., busy_until: _Optional[int] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("t", "new_job", "cancel_job", "change_job", "traffic", "vehicle_delayed", "breakdown", "vehicle_available", "position")
    T_FIELD_NUMBER: _ClassVar[int]
    NEW_JOB_FIELD_NUMBER: _ClassVar[int]
    CANCEL_JOB_FIELD_NUMBER: _ClassVar[int]
    CHANGE_JOB_FIELD_NUMBER: _ClassVar[int]
    TRAFFIC_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_DELAYED_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    t: int
    new_job: NewJob
    cancel_job: str
    change_job: ChangeJob
    traffic: Slowdown
    vehicle_delayed: VehicleDelayed
    breakdown: str
    vehicle_available: VehicleAvailable
    position: PositionUpdate
    def __init__(self, t: _Optional[int] = ..., new_job: _Optional[_Union[NewJob, _Mapping]] = ..., cancel_job: _Optional[str] = ..., change_job: _Optional[_Union[ChangeJob, _Mapping]] = ..., traffic: _Optional[_Union[Slowdown, _Mapping]] = ..., vehicle_delayed: _Optional[_Union[VehicleDelayed, _Mapping]] = ..., breakdown: _Optional[str] = ..., vehicle_available: _Optional[_Union[VehicleAvailable, _Mapping]] = ..., position: _Optional[_Union[PositionUpdate, _Mapping]] = ...) -> None: ...

class ReplanOptions(_message.Message):
    __slots__ = ("replan", "time_limit_s", "allow_diversion", "disruption_cost", "seed")
    REPLAN_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    ALLOW_DIVERSION_FIELD_NUMBER: _ClassVar[int]
    DISRUPTION_COST_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    replan: bool
    time_limit_s: float
    allow_diversion: bool
    disruption_cost: int
    seed: int
    def __init__(self, replan: _Optional[bool] = ..., time_limit_s: _Optional[float] = ..., allow_diversion: _Optional[bool] = ..., disruption_cost: _Optional[int] = ..., seed: _Optional[int] = ...) -> None: ...

class ApplyEventsRequest(_message.Message):
    __slots__ = ("plan_id", "events", "options", "expected_version", "idempotency_key")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    events: _containers.RepeatedCompositeFieldContainer[Event]
    options: ReplanOptions
    expected_version: int
    idempotency_key: str
    def __init__(self, plan_id: _Optional[str] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., options: _Optional[_Union[ReplanOptions, _Mapping]] = ..., expected_version: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class JobMove(_message.Message):
    __slots__ = ("job_id", "from_vehicle", "to_vehicle")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_VEHICLE_FIELD_NUMBER: _ClassVar[int]
    TO_VEHICLE_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    from_vehicle: str
    to_vehicle: str
    def __init__(self, job_id: _Optional[str] = ..., from_vehicle: _Optional[str] = ..., to_vehicle: _Optional[str] = ...) -> None: ...

class EtaChange(_message.Message):
    __slots__ = ("job_id", "change_s")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_S_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    change_s: int
    def __init__(self, job_id: _Optional[str] = ..., change_s: _Optional[int] = ...) -> None: ...

class PlanDiff(_message.Message):
    __slots__ = ("moved", "changed_vehicles", "eta_changes", "distance_change_m", "late_stops_change", "lateness_change_s", "unassigned", "runtime_s", "cost", "feasible", "infeasible", "kept_current")
    class UnassignedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    MOVED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_VEHICLES_FIELD_NUMBER: _ClassVar[int]
    ETA_CHANGES_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_CHANGE_M_FIELD_NUMBER: _ClassVar[int]
    LATE_STOPS_CHANGE_FIELD_NUMBER: _ClassVar[int]
    LATENESS_CHANGE_S_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_S_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    FEASIBLE_FIELD_NUMBER: _ClassVar[int]
    INFEASIBLE_FIELD_NUMBER: _ClassVar[int]
    KEPT_CURRENT_FIELD_NUMBER: _ClassVar[int]
    moved: _containers.RepeatedCompositeFieldContainer[JobMove]
    changed_vehicles: _containers.RepeatedScalarFieldContainer[str]
    eta_changes: _containers.RepeatedCompositeFieldContainer[EtaChange]
    distance_change_m: int
    late_stops_change: int
    lateness_change_s: int
    unassigned: _containers.ScalarMap[str, str]
    runtime_s: float
    cost: float
    feasible: bool
    infeasible: _containers.RepeatedCompositeFieldContainer[UnservedJob]
    kept_current: bool
    def __init__(self, moved: _Optional[_Iterable[_Union[JobMove, _Mapping]]] = ..., changed_vehicles: _Optional[_Iterable[str]] = ..., eta_changes: _Optional[_Iterable[_Union[EtaChange, _Mapping]]] = ..., distance_change_m: _Optional[int] = ..., late_stops_change: _Optional[int] = ..., lateness_change_s: _Optional[int] = ..., unassigned: _Optional[_Mapping[str, str]] = ..., runtime_s: _Optional[float] = ..., cost: _Optional[float] = ..., feasible: _Optional[bool] = ..., infeasible: _Optional[_Iterable[_Union[UnservedJob, _Mapping]]] = ..., kept_current: _Optional[bool] = ...) -> None: ...

class UnservedJob(_message.Message):
    __slots__ = ("job_id", "constraint", "detail")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    constraint: str
    detail: str
    def __init__(self, job_id: _Optional[str] = ..., constraint: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class ApplyEventsResponse(_message.Message):
    __slots__ = ("view", "diff", "released_jobs", "stranded_cargo", "replayed")
    class StrandedCargoEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: JobIds
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[JobIds, _Mapping]] = ...) -> None: ...
    VIEW_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    RELEASED_JOBS_FIELD_NUMBER: _ClassVar[int]
    STRANDED_CARGO_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    view: PlanView
    diff: PlanDiff
    released_jobs: _containers.RepeatedScalarFieldContainer[str]
    stranded_cargo: _containers.MessageMap[str, JobIds]
    replayed: bool
    def __init__(self, view: _Optional[_Union[PlanView, _Mapping]] = ..., diff: _Optional[_Union[PlanDiff, _Mapping]] = ..., released_jobs: _Optional[_Iterable[str]] = ..., stranded_cargo: _Optional[_Mapping[str, JobIds]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class JobIds(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class PlanUpdate(_message.Message):
    __slots__ = ("view",)
    VIEW_FIELD_NUMBER: _ClassVar[int]
    view: PlanView
    def __init__(self, view: _Optional[_Union[PlanView, _Mapping]] = ...) -> None: ...

class PositionReport(_message.Message):
    __slots__ = ("plan_id", "position", "t", "idempotency_key")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    position: PositionUpdate
    t: int
    idempotency_key: str
    def __init__(self, plan_id: _Optional[str] = ..., position: _Optional[_Union[PositionUpdate, _Mapping]] = ..., t: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReportPositionsResponse(_message.Message):
    __slots__ = ("accepted", "version", "warnings")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    version: int
    warnings: _containers.RepeatedCompositeFieldContainer[RiskWarning]
    def __init__(self, accepted: _Optional[int] = ..., version: _Optional[int] = ..., warnings: _Optional[_Iterable[_Union[RiskWarning, _Mapping]]] = ...) -> None: ...
