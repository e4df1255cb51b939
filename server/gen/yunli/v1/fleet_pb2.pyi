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

class WriteResponse(_message.Message):
    __slots__ = ("written", "revision")
    WRITTEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    written: int
    revision: int
    def __init__(self, written: _Optional[int] = ..., revision: _Optional[int] = ...) -> None: ...
