from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Vehicle(_message.Message):
    __slots__ = ("vehicle_id", "carrier_id", "vehicle_type", "capacity_kg", "capacity_l", "lat", "lon", "available_from", "home_lat", "home_lon", "home_city", "rating", "rating_count", "status")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_KG_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_L_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FROM_FIELD_NUMBER: _ClassVar[int]
    HOME_LAT_FIELD_NUMBER: _ClassVar[int]
    HOME_LON_FIELD_NUMBER: _ClassVar[int]
    HOME_CITY_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    RATING_COUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: int
    carrier_id: int
    vehicle_type: str
    capacity_kg: int
    capacity_l: int
    lat: float
    lon: float
    available_from: int
    home_lat: float
    home_lon: float
    home_city: str
    rating: float
    rating_count: int
    status: str
    def __init__(self, vehicle_id: _Optional[int] = ..., carrier_id: _Optional[int] = ..., vehicle_type: _Optional[str] = ..., capacity_kg: _Optional[int] = ..., capacity_l: _Optional[int] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., available_from: _Optional[int] = ..., home_lat: _Optional[float] = ..., home_lon: _Optional[float] = ..., home_city: _Optional[str] = ..., rating: _Optional[float] = ..., rating_count: _Optional[int] = ..., status: _Optional[str] = ...) -> None: ...

class Load(_message.Message):
    __slots__ = ("load_id", "shipper_id", "origin_lat", "origin_lon", "origin_city", "dest_lat", "dest_lon", "dest_city", "weight_kg", "volume_l", "vehicle_types", "pickup_start", "pickup_end", "delivery_deadline", "price_fen", "posted_at")
    LOAD_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPPER_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LAT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LON_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_CITY_FIELD_NUMBER: _ClassVar[int]
    DEST_LAT_FIELD_NUMBER: _ClassVar[int]
    DEST_LON_FIELD_NUMBER: _ClassVar[int]
    DEST_CITY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    VOLUME_L_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_TYPES_FIELD_NUMBER: _ClassVar[int]
    PICKUP_START_FIELD_NUMBER: _ClassVar[int]
    PICKUP_END_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FEN_FIELD_NUMBER: _ClassVar[int]
    POSTED_AT_FIELD_NUMBER: _ClassVar[int]
    load_id: int
    shipper_id: int
    origin_lat: float
    origin_lon: float
    origin_city: str
    dest_lat: float
    dest_lon: float
    dest_city: str
    weight_kg: int
    volume_l: int
    vehicle_types: _containers.RepeatedScalarFieldContainer[str]
    pickup_start: int
    pickup_end: int
    delivery_deadline: int
    price_fen: int
    posted_at: int
    def __init__(self, load_id: _Optional[int] = ..., shipper_id: _Optional[int] = ..., origin_lat: _Optional[float] = ..., origin_lon: _Optional[float] = ..., origin_city: _Optional[str] = ..., dest_lat: _Optional[float] = ..., dest_lon: _Optional[float] = ..., dest_city: _Optional[str] = ..., weight_kg: _Optional[int] = ..., volume_l: _Optional[int] = ..., vehicle_types: _Optional[_Iterable[str]] = ..., pickup_start: _Optional[int] = ..., pickup_end: _Optional[int] = ..., delivery_deadline: _Optional[int] = ..., price_fen: _Optional[int] = ..., posted_at: _Optional[int] = ...) -> None: ...

class Trip(_message.Message):
    __slots__ = ("trip_id", "vehicle_id", "origin_lat", "origin_lon", "dest_lat", "dest_lon", "completed_at", "weight_kg")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LAT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LON_FIELD_NUMBER: _ClassVar[int]
    DEST_LAT_FIELD_NUMBER: _ClassVar[int]
    DEST_LON_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    trip_id: int
    vehicle_id: int
    origin_lat: float
    origin_lon: float
    dest_lat: float
    dest_lon: float
    completed_at: int
    weight_kg: int
    def __init__(self, trip_id: _Optional[int] = ..., vehicle_id: _Optional[int] = ..., origin_lat: _Optional[float] = ..., origin_lon: _Optional[float] = ..., dest_lat: _Optional[float] = ..., dest_lon: _Optional[float] = ..., completed_at: _Optional[int] = ..., weight_kg: _Optional[int] = ...) -> None: ...

class TimeWindow(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...
