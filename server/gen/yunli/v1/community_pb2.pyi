from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CommunityWindow(_message.Message):
    __slots__ = ("open_s", "close_s")
    OPEN_S_FIELD_NUMBER: _ClassVar[int]
    CLOSE_S_FIELD_NUMBER: _ClassVar[int]
    open_s: int
    close_s: int
    def __init__(self, open_s: _Optional[int] = ..., close_s: _Optional[int] = ...) -> None: ...

class CommunitySite(_message.Message):
    __slots__ = ("site_id", "kind", "lat", "lon", "opening", "radius_m", "capacity", "closed_radius_m", "receiving", "name")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    OPENING_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    CLOSED_RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    kind: str
    lat: float
    lon: float
    opening: _containers.RepeatedCompositeFieldContainer[CommunityWindow]
    radius_m: int
    capacity: int
    closed_radius_m: int
    receiving: _containers.RepeatedCompositeFieldContainer[CommunityWindow]
    name: str
    def __init__(self, site_id: _Optional[str] = ..., kind: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., opening: _Optional[_Iterable[_Union[CommunityWindow, _Mapping]]] = ..., radius_m: _Optional[int] = ..., capacity: _Optional[int] = ..., closed_radius_m: _Optional[int] = ..., receiving: _Optional[_Iterable[_Union[CommunityWindow, _Mapping]]] = ..., name: _Optional[str] = ...) -> None: ...

class CommunitySku(_message.Message):
    __slots__ = ("sku_id", "name", "weight_kg", "volume_l", "price_fen")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    VOLUME_L_FIELD_NUMBER: _ClassVar[int]
    PRICE_FEN_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    name: str
    weight_kg: int
    volume_l: int
    price_fen: int
    def __init__(self, sku_id: _Optional[str] = ..., name: _Optional[str] = ..., weight_kg: _Optional[int] = ..., volume_l: _Optional[int] = ..., price_fen: _Optional[int] = ...) -> None: ...

class CommunityShift(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class CommunityCourier(_message.Message):
    __slots__ = ("courier_id", "mode", "store_id", "shifts")
    COURIER_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    courier_id: str
    mode: str
    store_id: str
    shifts: _containers.RepeatedCompositeFieldContainer[CommunityShift]
    def __init__(self, courier_id: _Optional[str] = ..., mode: _Optional[str] = ..., store_id: _Optional[str] = ..., shifts: _Optional[_Iterable[_Union[CommunityShift, _Mapping]]] = ...) -> None: ...

class CommunityStockLine(_message.Message):
    __slots__ = ("sku_id", "quantity")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    quantity: int
    def __init__(self, sku_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class SetCommunityStockRequest(_message.Message):
    __slots__ = ("store_id", "lines")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    lines: _containers.RepeatedCompositeFieldContainer[CommunityStockLine]
    def __init__(self, store_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CommunityStockLine, _Mapping]]] = ...) -> None: ...

class GetCommunityStockRequest(_message.Message):
    __slots__ = ("store_id",)
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    def __init__(self, store_id: _Optional[str] = ...) -> None: ...

class CommunityStock(_message.Message):
    __slots__ = ("store_id", "lines", "revision")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    lines: _containers.RepeatedCompositeFieldContainer[CommunityStockLine]
    revision: int
    def __init__(self, store_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CommunityStockLine, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class CommunityOrderItem(_message.Message):
    __slots__ = ("sku_id", "quantity")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    quantity: int
    def __init__(self, sku_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class CommunityOrder(_message.Message):
    __slots__ = ("order_id", "store_id", "items", "placed_at", "lat", "lon", "ready_at", "pickup_point_id", "pay_on_delivery")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    READY_AT_FIELD_NUMBER: _ClassVar[int]
    PICKUP_POINT_ID_FIELD_NUMBER: _ClassVar[int]
    PAY_ON_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    store_id: str
    items: _containers.RepeatedCompositeFieldContainer[CommunityOrderItem]
    placed_at: int
    lat: float
    lon: float
    ready_at: int
    pickup_point_id: str
    pay_on_delivery: bool
    def __init__(self, order_id: _Optional[str] = ..., store_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[CommunityOrderItem, _Mapping]]] = ..., placed_at: _Optional[int] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., ready_at: _Optional[int] = ..., pickup_point_id: _Optional[str] = ..., pay_on_delivery: _Optional[bool] = ...) -> None: ...

class CommunityFee(_message.Message):
    __slots__ = ("base_fen", "distance_fen", "weather_fen", "discount_fen", "total_fen", "tariff_version")
    BASE_FEN_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    WEATHER_FEN_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEN_FIELD_NUMBER: _ClassVar[int]
    TARIFF_VERSION_FIELD_NUMBER: _ClassVar[int]
    base_fen: int
    distance_fen: int
    weather_fen: int
    discount_fen: int
    total_fen: int
    tariff_version: str
    def __init__(self, base_fen: _Optional[int] = ..., distance_fen: _Optional[int] = ..., weather_fen: _Optional[int] = ..., discount_fen: _Optional[int] = ..., total_fen: _Optional[int] = ..., tariff_version: _Optional[str] = ...) -> None: ...

class CommunityQuoteOption(_message.Message):
    __slots__ = ("kind", "promise", "eta", "fee", "pickup_point_id", "courier_id", "distance_m")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PROMISE_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    PICKUP_POINT_ID_FIELD_NUMBER: _ClassVar[int]
    COURIER_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    kind: str
    promise: int
    eta: int
    fee: CommunityFee
    pickup_point_id: str
    courier_id: str
    distance_m: int
    def __init__(self, kind: _Optional[str] = ..., promise: _Optional[int] = ..., eta: _Optional[int] = ..., fee: _Optional[_Union[CommunityFee, _Mapping]] = ..., pickup_point_id: _Optional[str] = ..., courier_id: _Optional[str] = ..., distance_m: _Optional[int] = ...) -> None: ...

class QuoteCommunityOrderRequest(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: CommunityOrder
    def __init__(self, order: _Optional[_Union[CommunityOrder, _Mapping]] = ...) -> None: ...

class CommunityQuote(_message.Message):
    __slots__ = ("order_id", "quoted_at", "weather", "tariff_version", "options")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTED_AT_FIELD_NUMBER: _ClassVar[int]
    WEATHER_FIELD_NUMBER: _ClassVar[int]
    TARIFF_VERSION_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    quoted_at: int
    weather: str
    tariff_version: str
    options: _containers.RepeatedCompositeFieldContainer[CommunityQuoteOption]
    def __init__(self, order_id: _Optional[str] = ..., quoted_at: _Optional[int] = ..., weather: _Optional[str] = ..., tariff_version: _Optional[str] = ..., options: _Optional[_Iterable[_Union[CommunityQuoteOption, _Mapping]]] = ...) -> None: ...

class PlaceCommunityOrderRequest(_message.Message):
    __slots__ = ("order", "idempotency_key", "choice", "promise")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CHOICE_FIELD_NUMBER: _ClassVar[int]
    PROMISE_FIELD_NUMBER: _ClassVar[int]
    order: CommunityOrder
    idempotency_key: str
    choice: str
    promise: int
    def __init__(self, order: _Optional[_Union[CommunityOrder, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., choice: _Optional[str] = ..., promise: _Optional[int] = ...) -> None: ...

class CommunityOrderStatus(_message.Message):
    __slots__ = ("order_id", "store_id", "state", "option", "courier_id", "eta", "picked_up_at", "delivered_at", "placed_at", "items", "revision")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OPTION_FIELD_NUMBER: _ClassVar[int]
    COURIER_ID_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    PICKED_UP_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    store_id: str
    state: str
    option: CommunityQuoteOption
    courier_id: str
    eta: int
    picked_up_at: int
    delivered_at: int
    placed_at: int
    items: _containers.RepeatedCompositeFieldContainer[CommunityOrderItem]
    revision: int
    def __init__(self, order_id: _Optional[str] = ..., store_id: _Optional[str] = ..., state: _Optional[str] = ..., option: _Optional[_Union[CommunityQuoteOption, _Mapping]] = ..., courier_id: _Optional[str] = ..., eta: _Optional[int] = ..., picked_up_at: _Optional[int] = ..., delivered_at: _Optional[int] = ..., placed_at: _Optional[int] = ..., items: _Optional[_Iterable[_Union[CommunityOrderItem, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class GetCommunityOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class WatchCommunityOrdersRequest(_message.Message):
    __slots__ = ("store_id", "after_revision")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    after_revision: int
    def __init__(self, store_id: _Optional[str] = ..., after_revision: _Optional[int] = ...) -> None: ...

class ListOpenCommunityOrdersRequest(_message.Message):
    __slots__ = ("store_id",)
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    def __init__(self, store_id: _Optional[str] = ...) -> None: ...

class ListOpenCommunityOrdersResponse(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[CommunityOrderStatus]
    def __init__(self, orders: _Optional[_Iterable[_Union[CommunityOrderStatus, _Mapping]]] = ...) -> None: ...

class CommunityServedStop(_message.Message):
    __slots__ = ("order_id", "stop")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    stop: str
    def __init__(self, order_id: _Optional[str] = ..., stop: _Optional[str] = ...) -> None: ...

class CourierPositionReport(_message.Message):
    __slots__ = ("courier_id", "t", "lat", "lon", "served")
    COURIER_ID_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    SERVED_FIELD_NUMBER: _ClassVar[int]
    courier_id: str
    t: int
    lat: float
    lon: float
    served: _containers.RepeatedCompositeFieldContainer[CommunityServedStop]
    def __init__(self, courier_id: _Optional[str] = ..., t: _Optional[int] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., served: _Optional[_Iterable[_Union[CommunityServedStop, _Mapping]]] = ...) -> None: ...

class CourierPositionAck(_message.Message):
    __slots__ = ("courier_id", "now", "changed")
    COURIER_ID_FIELD_NUMBER: _ClassVar[int]
    NOW_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    courier_id: str
    now: int
    changed: _containers.RepeatedCompositeFieldContainer[CommunityOrderStatus]
    def __init__(self, courier_id: _Optional[str] = ..., now: _Optional[int] = ..., changed: _Optional[_Iterable[_Union[CommunityOrderStatus, _Mapping]]] = ...) -> None: ...

class GetCourierRouteRequest(_message.Message):
    __slots__ = ("courier_id",)
    COURIER_ID_FIELD_NUMBER: _ClassVar[int]
    courier_id: str
    def __init__(self, courier_id: _Optional[str] = ...) -> None: ...

class CommunityRouteStop(_message.Message):
    __slots__ = ("order_id", "stop", "lat", "lon", "eta", "late_s")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    LATE_S_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    stop: str
    lat: float
    lon: float
    eta: int
    late_s: int
    def __init__(self, order_id: _Optional[str] = ..., stop: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., eta: _Optional[int] = ..., late_s: _Optional[int] = ...) -> None: ...

class CourierRoute(_message.Message):
    __slots__ = ("courier_id", "on_duty", "lat", "lon", "stops")
    COURIER_ID_FIELD_NUMBER: _ClassVar[int]
    ON_DUTY_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    STOPS_FIELD_NUMBER: _ClassVar[int]
    courier_id: str
    on_duty: bool
    lat: float
    lon: float
    stops: _containers.RepeatedCompositeFieldContainer[CommunityRouteStop]
    def __init__(self, courier_id: _Optional[str] = ..., on_duty: _Optional[bool] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., stops: _Optional[_Iterable[_Union[CommunityRouteStop, _Mapping]]] = ...) -> None: ...

class CommunityDispatchRequest(_message.Message):
    __slots__ = ("at",)
    AT_FIELD_NUMBER: _ClassVar[int]
    at: int
    def __init__(self, at: _Optional[int] = ...) -> None: ...

class CommunityDispatchResponse(_message.Message):
    __slots__ = ("now", "planned", "open_orders", "late_stops")
    NOW_FIELD_NUMBER: _ClassVar[int]
    PLANNED_FIELD_NUMBER: _ClassVar[int]
    OPEN_ORDERS_FIELD_NUMBER: _ClassVar[int]
    LATE_STOPS_FIELD_NUMBER: _ClassVar[int]
    now: int
    planned: bool
    open_orders: int
    late_stops: int
    def __init__(self, now: _Optional[int] = ..., planned: _Optional[bool] = ..., open_orders: _Optional[int] = ..., late_stops: _Optional[int] = ...) -> None: ...

class CommunitySale(_message.Message):
    __slots__ = ("t", "store_id", "sku_id", "quantity")
    T_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    t: int
    store_id: str
    sku_id: str
    quantity: int
    def __init__(self, t: _Optional[int] = ..., store_id: _Optional[str] = ..., sku_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class PlanReplenishmentRequest(_message.Message):
    __slots__ = ("warehouse_lat", "warehouse_lon", "day_midnight", "vans", "van_weight_kg", "van_volume_l", "shift_start_s", "shift_end_s", "service_level", "review_s", "sales", "time_limit_s", "apply", "store_ids")
    WAREHOUSE_LAT_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_LON_FIELD_NUMBER: _ClassVar[int]
    DAY_MIDNIGHT_FIELD_NUMBER: _ClassVar[int]
    VANS_FIELD_NUMBER: _ClassVar[int]
    VAN_WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    VAN_VOLUME_L_FIELD_NUMBER: _ClassVar[int]
    SHIFT_START_S_FIELD_NUMBER: _ClassVar[int]
    SHIFT_END_S_FIELD_NUMBER: _ClassVar[int]
    SERVICE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    REVIEW_S_FIELD_NUMBER: _ClassVar[int]
    SALES_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    APPLY_FIELD_NUMBER: _ClassVar[int]
    STORE_IDS_FIELD_NUMBER: _ClassVar[int]
    warehouse_lat: float
    warehouse_lon: float
    day_midnight: int
    vans: int
    van_weight_kg: int
    van_volume_l: int
    shift_start_s: int
    shift_end_s: int
    service_level: float
    review_s: int
    sales: _containers.RepeatedCompositeFieldContainer[CommunitySale]
    time_limit_s: float
    apply: bool
    store_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, warehouse_lat: _Optional[float] = ..., warehouse_lon: _Optional[float] = ..., day_midnight: _Optional[int] = ..., vans: _Optional[int] = ..., van_weight_kg: _Optional[int] = ..., van_volume_l: _Optional[int] = ..., shift_start_s: _Optional[int] = ..., shift_end_s: _Optional[int] = ..., service_level: _Optional[float] = ..., review_s: _Optional[int] = ..., sales: _Optional[_Iterable[_Union[CommunitySale, _Mapping]]] = ..., time_limit_s: _Optional[float] = ..., apply: _Optional[bool] = ..., store_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CommunityReplenishmentLine(_message.Message):
    __slots__ = ("store_id", "sku_id", "level", "on_hand", "demand_mean", "quantity")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ON_HAND_FIELD_NUMBER: _ClassVar[int]
    DEMAND_MEAN_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    sku_id: str
    level: int
    on_hand: int
    demand_mean: float
    quantity: int
    def __init__(self, store_id: _Optional[str] = ..., sku_id: _Optional[str] = ..., level: _Optional[int] = ..., on_hand: _Optional[int] = ..., demand_mean: _Optional[float] = ..., quantity: _Optional[int] = ...) -> None: ...

class CommunityVanStop(_message.Message):
    __slots__ = ("van", "store_id", "lines", "service_start")
    VAN_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_START_FIELD_NUMBER: _ClassVar[int]
    van: int
    store_id: str
    lines: _containers.RepeatedCompositeFieldContainer[CommunityStockLine]
    service_start: int
    def __init__(self, van: _Optional[int] = ..., store_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CommunityStockLine, _Mapping]]] = ..., service_start: _Optional[int] = ...) -> None: ...

class CommunityReplenishmentPlan(_message.Message):
    __slots__ = ("day_midnight", "lines", "deliveries", "unserved", "vans_used", "distance_m", "applied", "stock")
    DAY_MIDNIGHT_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    UNSERVED_FIELD_NUMBER: _ClassVar[int]
    VANS_USED_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    day_midnight: int
    lines: _containers.RepeatedCompositeFieldContainer[CommunityReplenishmentLine]
    deliveries: _containers.RepeatedCompositeFieldContainer[CommunityVanStop]
    unserved: _containers.RepeatedScalarFieldContainer[str]
    vans_used: int
    distance_m: int
    applied: bool
    stock: _containers.RepeatedCompositeFieldContainer[CommunityStock]
    def __init__(self, day_midnight: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[CommunityReplenishmentLine, _Mapping]]] = ..., deliveries: _Optional[_Iterable[_Union[CommunityVanStop, _Mapping]]] = ..., unserved: _Optional[_Iterable[str]] = ..., vans_used: _Optional[int] = ..., distance_m: _Optional[int] = ..., applied: _Optional[bool] = ..., stock: _Optional[_Iterable[_Union[CommunityStock, _Mapping]]] = ...) -> None: ...
