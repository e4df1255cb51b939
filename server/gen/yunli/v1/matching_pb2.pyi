from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DispatchObjective(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPATCH_OBJECTIVE_UNSPECIFIED: _ClassVar[DispatchObjective]
    DISPATCH_OBJECTIVE_MAX_SCORE: _ClassVar[DispatchObjective]
    DISPATCH_OBJECTIVE_MIN_DEADHEAD: _ClassVar[DispatchObjective]
    DISPATCH_OBJECTIVE_FILL: _ClassVar[DispatchObjective]
DISPATCH_OBJECTIVE_UNSPECIFIED: DispatchObjective
DISPATCH_OBJECTIVE_MAX_SCORE: DispatchObjective
DISPATCH_OBJECTIVE_MIN_DEADHEAD: DispatchObjective
DISPATCH_OBJECTIVE_FILL: DispatchObjective

class RecommendLoadsRequest(_message.Message):
    __slots__ = ("vehicle_id", "k")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: int
    k: int
    def __init__(self, vehicle_id: _Optional[int] = ..., k: _Optional[int] = ...) -> None: ...

class RecommendVehiclesRequest(_message.Message):
    __slots__ = ("load_id", "k")
    LOAD_ID_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    load_id: int
    k: int
    def __init__(self, load_id: _Optional[int] = ..., k: _Optional[int] = ...) -> None: ...

class RecommendVehiclesBatchRequest(_message.Message):
    __slots__ = ("load_ids", "k")
    LOAD_IDS_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    load_ids: _containers.RepeatedScalarFieldContainer[int]
    k: int
    def __init__(self, load_ids: _Optional[_Iterable[int]] = ..., k: _Optional[int] = ...) -> None: ...

class ScoreComponents(_message.Message):
    __slots__ = ("expertise", "backhaul", "deadhead_m", "arrival_at", "utilization", "rating_vs_prior", "price_margin")
    EXPERTISE_FIELD_NUMBER: _ClassVar[int]
    BACKHAUL_FIELD_NUMBER: _ClassVar[int]
    DEADHEAD_M_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_AT_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    RATING_VS_PRIOR_FIELD_NUMBER: _ClassVar[int]
    PRICE_MARGIN_FIELD_NUMBER: _ClassVar[int]
    expertise: float
    backhaul: float
    deadhead_m: int
    arrival_at: int
    utilization: float
    rating_vs_prior: float
    price_margin: float
    def __init__(self, expertise: _Optional[float] = ..., backhaul: _Optional[float] = ..., deadhead_m: _Optional[int] = ..., arrival_at: _Optional[int] = ..., utilization: _Optional[float] = ..., rating_vs_prior: _Optional[float] = ..., price_margin: _Optional[float] = ...) -> None: ...

class Recommendation(_message.Message):
    __slots__ = ("vehicle_id", "load_id", "rank", "score", "components")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    LOAD_ID_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: int
    load_id: int
    rank: int
    score: float
    components: ScoreComponents
    def __init__(self, vehicle_id: _Optional[int] = ..., load_id: _Optional[int] = ..., rank: _Optional[int] = ..., score: _Optional[float] = ..., components: _Optional[_Union[ScoreComponents, _Mapping]] = ...) -> None: ...

class RecommendResponse(_message.Message):
    __slots__ = ("subject_id", "recommendations")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    subject_id: int
    recommendations: _containers.RepeatedCompositeFieldContainer[Recommendation]
    def __init__(self, subject_id: _Optional[int] = ..., recommendations: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ...) -> None: ...

class DispatchRequest(_message.Message):
    __slots__ = ("load_ids", "objective")
    LOAD_IDS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    load_ids: _containers.RepeatedScalarFieldContainer[int]
    objective: DispatchObjective
    def __init__(self, load_ids: _Optional[_Iterable[int]] = ..., objective: _Optional[_Union[DispatchObjective, str]] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("load_id", "vehicle_id", "score", "components")
    LOAD_ID_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    load_id: int
    vehicle_id: int
    score: float
    components: ScoreComponents
    def __init__(self, load_id: _Optional[int] = ..., vehicle_id: _Optional[int] = ..., score: _Optional[float] = ..., components: _Optional[_Union[ScoreComponents, _Mapping]] = ...) -> None: ...

class DispatchSummary(_message.Message):
    __slots__ = ("assigned", "loads", "vehicles", "total_score", "total_deadhead_m", "runtime_s")
    ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    LOADS_FIELD_NUMBER: _ClassVar[int]
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SCORE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DEADHEAD_M_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_S_FIELD_NUMBER: _ClassVar[int]
    assigned: int
    loads: int
    vehicles: int
    total_score: float
    total_deadhead_m: int
    runtime_s: float
    def __init__(self, assigned: _Optional[int] = ..., loads: _Optional[int] = ..., vehicles: _Optional[int] = ..., total_score: _Optional[float] = ..., total_deadhead_m: _Optional[int] = ..., runtime_s: _Optional[float] = ...) -> None: ...

class DispatchResponse(_message.Message):
    __slots__ = ("assignments", "optimal", "greedy", "nearest", "candidate_pairs")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    OPTIMAL_FIELD_NUMBER: _ClassVar[int]
    GREEDY_FIELD_NUMBER: _ClassVar[int]
    NEAREST_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_PAIRS_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[Assignment]
    optimal: DispatchSummary
    greedy: DispatchSummary
    nearest: DispatchSummary
    candidate_pairs: int
    def __init__(self, assignments: _Optional[_Iterable[_Union[Assignment, _Mapping]]] = ..., optimal: _Optional[_Union[DispatchSummary, _Mapping]] = ..., greedy: _Optional[_Union[DispatchSummary, _Mapping]] = ..., nearest: _Optional[_Union[DispatchSummary, _Mapping]] = ..., candidate_pairs: _Optional[int] = ...) -> None: ...
