from server.gen.yunli.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UpsertVehiclesRequest(_message.Message):
    __slots__ = ("vehicles",)
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    vehicles: _containers.RepeatedCompositeFieldContainer[_common_pb2.Vehicle]
    def __init__(self, vehicles: _Optional[_Iterable[_Union[_common_pb2.Vehicle, _Mapping]]] = ...) -> None: ...

class UpsertLoadsRequest(_message.Message):
    __slots__ = ("loads",)
    LOADS_FIELD_NUMBER: _ClassVar[int]
    loads: _containers.RepeatedCompositeFieldContainer[_common_pb2.Load]
    def __init__(self, loads: _Optional[_Iterable[_Union[_common_pb2.Load, _Mapping]]] = ...) -> None: ...

class RecordTripsRequest(_message.Message):
    __slots__ = ("trips",)
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    trips: _containers.RepeatedCompositeFieldContainer[_common_pb2.Trip]
    def __init__(self, trips: _Optional[_Iterable[_Union[_common_pb2.Trip, _Mapping]]] = ...) -> None: ...

class GetByIdsRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, ids: _Optional[_Iterable[int]] = ...) -> None: ...

class GetVehiclesResponse(_message.Message):
    __slots__ = ("vehicles",)
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    vehicles: _containers.RepeatedCompositeFieldContainer[_common_pb2.Vehicle]
    def __init__(self, vehicles: _Optional[_Iterable[_Union[_common_pb2.Vehicle, _Mapping]]] = ...) -> None: ...

class GetLoadsResponse(_message.Message):
    __slots__ = ("loads",)
    LOADS_FIELD_NUMBER: _ClassVar[int]
    loads: _containers.RepeatedCompositeFieldContainer[_common_pb2.Load]
    def __init__(self, loads: _Optional[_Iterable[_Union[_common_pb2.Load, _Mapping]]] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ("after_id", "limit")
    AFTER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after_id: int
    limit: int
    def __init__(self, after_id: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListTripsRequest(_message.Message):
    __slots__ = ("vehicle_id", "after_id", "limit")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: int
    after_id: int
    limit: int
    def __init__(self, vehicle_id: _Optional[int] = ..., after_id: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class VehicleColumns(_message.Message):
    __slots__ = ("vehicle_id", "lat", "lon", "type_index", "type_names", "status_index", "status_names", "capacity_kg", "carrier_id")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    TYPE_INDEX_FIELD_NUMBER: _ClassVar[int]
    TYPE_NAMES_FIELD_NUMBER: _ClassVar[int]
    STATUS_INDEX_FIELD_NUMBER: _ClassVar[int]
    STATUS_NAMES_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_KG_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: _containers.RepeatedScalarFieldContainer[int]
    lat: _containers.RepeatedScalarFieldContainer[float]
    lon: _containers.RepeatedScalarFieldContainer[float]
    type_index: _containers.RepeatedScalarFieldContainer[int]
    type_names: _containers.RepeatedScalarFieldContainer[str]
    status_index: _containers.RepeatedScalarFieldContainer[int]
    status_names: _containers.RepeatedScalarFieldContainer[str]
    capacity_kg: _containers.RepeatedScalarFieldContainer[int]
    carrier_id: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, vehicle_id: _Optional[_Iterable[int]] = ..., lat: _Optional[_Iterable[float]] = ..., lon: _Optional[_Iterable[float]] = ..., type_index: _Optional[_Iterable[int]] = ..., type_names: _Optional[_Iterable[str]] = ..., status_index: _Optional[_Iterable[int]] = ..., status_names: _Optional[_Iterable[str]] = ..., capacity_kg: _Optional[_Iterable[int]] = ..., carrier_id: _Optional[_Iterable[int]] = ...) -> None: ...

class LoadColumns(_message.Message):
    __slots__ = ("load_id", "origin_lat", "origin_lon", "dest_lat", "dest_lon", "weight_kg", "price_fen", "posted_at")
    LOAD_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LAT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LON_FIELD_NUMBER: _ClassVar[int]
    DEST_LAT_FIELD_NUMBER: _ClassVar[int]
    DEST_LON_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    PRICE_FEN_FIELD_NUMBER: _ClassVar[int]
    POSTED_AT_FIELD_NUMBER: _ClassVar[int]
    load_id: _containers.RepeatedScalarFieldContainer[int]
    origin_lat: _containers.RepeatedScalarFieldContainer[float]
    origin_lon: _containers.RepeatedScalarFieldContainer[float]
    dest_lat: _containers.RepeatedScalarFieldContainer[float]
    dest_lon: _containers.RepeatedScalarFieldContainer[float]
    weight_kg: _containers.RepeatedScalarFieldContainer[int]
    price_fen: _containers.RepeatedScalarFieldContainer[int]
    posted_at: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, load_id: _Optional[_Iterable[int]] = ..., origin_lat: _Optional[_Iterable[float]] = ..., origin_lon: _Optional[_Iterable[float]] = ..., dest_lat: _Optional[_Iterable[float]] = ..., dest_lon: _Optional[_Iterable[float]] = ..., weight_kg: _Optional[_Iterable[int]] = ..., price_fen: _Optional[_Iterable[int]] = ..., posted_at: _Optional[_Iterable[int]] = ...) -> None: ...

class WriteResponse(_message.Message):
    __slots__ = ("written", "revision")
    WRITTEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    written: int
    revision: int
    def __init__(self, written: _Optional[int] = ..., revision: _Optional[int] = ...) -> None: ...
