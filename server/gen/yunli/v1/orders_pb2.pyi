from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Order(_message.Message):
    __slots__ = ("order_id", "shipper_id", "origin_lat", "origin_lon", "origin_city", "dest_lat", "dest_lon", "dest_city", "weight_kg", "volume_l", "pieces", "declared_value_fen", "cargo_type", "vehicle_types", "pickup_start", "pickup_end", "delivery_deadline", "price_mode", "price_fen", "deadline", "auto_award", "credit_floor", "max_deadhead_m", "offered_carrier_id", "live_plan_id", "state", "version", "carrier_id", "vehicle_id", "awarded_price_fen", "awarded_at", "loaded_weight_kg", "loaded_pieces", "loaded_at", "delivered_at", "confirmed_at", "settled_at", "resume_state", "shipper_rated", "carrier_rated", "posted_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPPER_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LAT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_LON_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_CITY_FIELD_NUMBER: _ClassVar[int]
    DEST_LAT_FIELD_NUMBER: _ClassVar[int]
    DEST_LON_FIELD_NUMBER: _ClassVar[int]
    DEST_CITY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    VOLUME_L_FIELD_NUMBER: _ClassVar[int]
    PIECES_FIELD_NUMBER: _ClassVar[int]
    DECLARED_VALUE_FEN_FIELD_NUMBER: _ClassVar[int]
    CARGO_TYPE_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_TYPES_FIELD_NUMBER: _ClassVar[int]
    PICKUP_START_FIELD_NUMBER: _ClassVar[int]
    PICKUP_END_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    PRICE_MODE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FEN_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    AUTO_AWARD_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FLOOR_FIELD_NUMBER: _ClassVar[int]
    MAX_DEADHEAD_M_FIELD_NUMBER: _ClassVar[int]
    OFFERED_CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    LIVE_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    AWARDED_PRICE_FEN_FIELD_NUMBER: _ClassVar[int]
    AWARDED_AT_FIELD_NUMBER: _ClassVar[int]
    LOADED_WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    LOADED_PIECES_FIELD_NUMBER: _ClassVar[int]
    LOADED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_AT_FIELD_NUMBER: _ClassVar[int]
    SETTLED_AT_FIELD_NUMBER: _ClassVar[int]
    RESUME_STATE_FIELD_NUMBER: _ClassVar[int]
    SHIPPER_RATED_FIELD_NUMBER: _ClassVar[int]
    CARRIER_RATED_FIELD_NUMBER: _ClassVar[int]
    POSTED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: int
    shipper_id: int
    origin_lat: float
    origin_lon: float
    origin_city: str
    dest_lat: float
    dest_lon: float
    dest_city: str
    weight_kg: int
    volume_l: int
    pieces: int
    declared_value_fen: int
    cargo_type: str
    vehicle_types: _containers.RepeatedScalarFieldContainer[str]
    pickup_start: int
    pickup_end: int
    delivery_deadline: int
    price_mode: str
    price_fen: int
    deadline: int
    auto_award: bool
    credit_floor: float
    max_deadhead_m: int
    offered_carrier_id: int
    live_plan_id: str
    state: str
    version: int
    carrier_id: int
    vehicle_id: int
    awarded_price_fen: int
    awarded_at: int
    loaded_weight_kg: int
    loaded_pieces: int
    loaded_at: int
    delivered_at: int
    confirmed_at: int
    settled_at: int
    resume_state: str
    shipper_rated: bool
    carrier_rated: bool
    posted_at: int
    def __init__(self, order_id: _Optional[int] = ..., shipper_id: _Optional[int] = ..., origin_lat: _Optional[float] = ..., origin_lon: _Optional[float] = ..., origin_city: _Optional[str] = ..., dest_lat: _Optional[float] = ..., dest_lon: _Optional[float] = ..., dest_city: _Optional[str] = ..., weight_kg: _Optional[int] = ..., volume_l: _Optional[int] = ..., pieces: _Optional[int] = ..., declared_value_fen: _Optional[int] = ..., cargo_type: _Optional[str] = ..., vehicle_types: _Optional[_Iterable[str]] = ..., pickup_start: _Optional[int] = ..., pickup_end: _Optional[int] = ..., delivery_deadline: _Optional[int] = ..., price_mode: _Optional[str] = ..., price_fen: _Optional[int] = ..., deadline: _Optional[int] = ..., auto_award: _Optional[bool] = ..., credit_floor: _Optional[float] = ..., max_deadhead_m: _Optional[int] = ..., offered_carrier_id: _Optional[int] = ..., live_plan_id: _Optional[str] = ..., state: _Optional[str] = ..., version: _Optional[int] = ..., carrier_id: _Optional[int] = ..., vehicle_id: _Optional[int] = ..., awarded_price_fen: _Optional[int] = ..., awarded_at: _Optional[int] = ..., loaded_weight_kg: _Optional[int] = ..., loaded_pieces: _Optional[int] = ..., loaded_at: _Optional[int] = ..., delivered_at: _Optional[int] = ..., confirmed_at: _Optional[int] = ..., settled_at: _Optional[int] = ..., resume_state: _Optional[str] = ..., shipper_rated: _Optional[bool] = ..., carrier_rated: _Optional[bool] = ..., posted_at: _Optional[int] = ...) -> None: ...

class PriceGuidance(_message.Message):
    __slots__ = ("low_fen", "mid_fen", "high_fen", "fence_low_fen", "fence_high_fen", "basis", "observations", "weekday_factor")
    LOW_FEN_FIELD_NUMBER: _ClassVar[int]
    MID_FEN_FIELD_NUMBER: _ClassVar[int]
    HIGH_FEN_FIELD_NUMBER: _ClassVar[int]
    FENCE_LOW_FEN_FIELD_NUMBER: _ClassVar[int]
    FENCE_HIGH_FEN_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    WEEKDAY_FACTOR_FIELD_NUMBER: _ClassVar[int]
    low_fen: int
    mid_fen: int
    high_fen: int
    fence_low_fen: int
    fence_high_fen: int
    basis: str
    observations: int
    weekday_factor: float
    def __init__(self, low_fen: _Optional[int] = ..., mid_fen: _Optional[int] = ..., high_fen: _Optional[int] = ..., fence_low_fen: _Optional[int] = ..., fence_high_fen: _Optional[int] = ..., basis: _Optional[str] = ..., observations: _Optional[int] = ..., weekday_factor: _Optional[float] = ...) -> None: ...

class OrderReply(_message.Message):
    __slots__ = ("order", "seq", "replayed", "guidance", "pushed_carriers")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    PUSHED_CARRIERS_FIELD_NUMBER: _ClassVar[int]
    order: Order
    seq: int
    replayed: bool
    guidance: PriceGuidance
    pushed_carriers: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ..., seq: _Optional[int] = ..., replayed: _Optional[bool] = ..., guidance: _Optional[_Union[PriceGuidance, _Mapping]] = ..., pushed_carriers: _Optional[_Iterable[int]] = ...) -> None: ...

class PostOrderRequest(_message.Message):
    __slots__ = ("idempotency_key", "order")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order: Order
    def __init__(self, idempotency_key: _Optional[str] = ..., order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: int
    def __init__(self, order_id: _Optional[int] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("state", "shipper_id", "carrier_id", "after_id", "limit")
    STATE_FIELD_NUMBER: _ClassVar[int]
    SHIPPER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    state: str
    shipper_id: int
    carrier_id: int
    after_id: int
    limit: int
    def __init__(self, state: _Optional[str] = ..., shipper_id: _Optional[int] = ..., carrier_id: _Optional[int] = ..., after_id: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class TakeRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "vehicle_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    vehicle_id: int
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., vehicle_id: _Optional[int] = ...) -> None: ...

class OfferRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "carrier_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    carrier_id: int
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., carrier_id: _Optional[int] = ...) -> None: ...

class ActRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PlaceBidRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "vehicle_id", "amount_fen")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    vehicle_id: int
    amount_fen: int
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., vehicle_id: _Optional[int] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class WithdrawBidRequest(_message.Message):
    __slots__ = ("idempotency_key", "bid_id", "actor")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    BID_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    bid_id: int
    actor: str
    def __init__(self, idempotency_key: _Optional[str] = ..., bid_id: _Optional[int] = ..., actor: _Optional[str] = ...) -> None: ...

class Bid(_message.Message):
    __slots__ = ("bid_id", "order_id", "carrier_id", "vehicle_id", "amount_fen", "placed_at", "match_score", "credit", "withdrawn", "outlier", "award_rank", "award_score")
    BID_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    MATCH_SCORE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    OUTLIER_FIELD_NUMBER: _ClassVar[int]
    AWARD_RANK_FIELD_NUMBER: _ClassVar[int]
    AWARD_SCORE_FIELD_NUMBER: _ClassVar[int]
    bid_id: int
    order_id: int
    carrier_id: int
    vehicle_id: int
    amount_fen: int
    placed_at: int
    match_score: float
    credit: float
    withdrawn: bool
    outlier: bool
    award_rank: int
    award_score: float
    def __init__(self, bid_id: _Optional[int] = ..., order_id: _Optional[int] = ..., carrier_id: _Optional[int] = ..., vehicle_id: _Optional[int] = ..., amount_fen: _Optional[int] = ..., placed_at: _Optional[int] = ..., match_score: _Optional[float] = ..., credit: _Optional[float] = ..., withdrawn: _Optional[bool] = ..., outlier: _Optional[bool] = ..., award_rank: _Optional[int] = ..., award_score: _Optional[float] = ...) -> None: ...

class BidReply(_message.Message):
    __slots__ = ("bid_id", "outlier", "seq", "replayed", "guidance")
    BID_ID_FIELD_NUMBER: _ClassVar[int]
    OUTLIER_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    bid_id: int
    outlier: bool
    seq: int
    replayed: bool
    guidance: PriceGuidance
    def __init__(self, bid_id: _Optional[int] = ..., outlier: _Optional[bool] = ..., seq: _Optional[int] = ..., replayed: _Optional[bool] = ..., guidance: _Optional[_Union[PriceGuidance, _Mapping]] = ...) -> None: ...

class ListBidsRequest(_message.Message):
    __slots__ = ("order_id", "actor")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    order_id: int
    actor: str
    def __init__(self, order_id: _Optional[int] = ..., actor: _Optional[str] = ...) -> None: ...

class ListBidsReply(_message.Message):
    __slots__ = ("bids",)
    BIDS_FIELD_NUMBER: _ClassVar[int]
    bids: _containers.RepeatedCompositeFieldContainer[Bid]
    def __init__(self, bids: _Optional[_Iterable[_Union[Bid, _Mapping]]] = ...) -> None: ...

class AwardRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "bid_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    BID_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    bid_id: int
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., bid_id: _Optional[int] = ...) -> None: ...

class ProgressRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "action", "weight_kg", "pieces")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    PIECES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    action: str
    weight_kg: int
    pieces: int
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., weight_kg: _Optional[int] = ..., pieces: _Optional[int] = ...) -> None: ...

class RateRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "stars", "comment")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    stars: int
    comment: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., stars: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class ReportExceptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "kind", "evidence")
    class EvidenceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    kind: str
    evidence: _containers.ScalarMap[str, str]
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., kind: _Optional[str] = ..., evidence: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ResolveExceptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "exception_id", "actor", "resolution", "surcharge_fen", "penalty_fen")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    SURCHARGE_FEN_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FEN_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    exception_id: int
    actor: str
    resolution: str
    surcharge_fen: int
    penalty_fen: int
    def __init__(self, idempotency_key: _Optional[str] = ..., exception_id: _Optional[int] = ..., actor: _Optional[str] = ..., resolution: _Optional[str] = ..., surcharge_fen: _Optional[int] = ..., penalty_fen: _Optional[int] = ...) -> None: ...

class OrderExceptionInfo(_message.Message):
    __slots__ = ("exception_id", "order_id", "kind", "owner", "opened_at", "sla_due", "reporter", "evidence", "resolution", "resolved_at", "surcharge_fen", "penalty_fen", "escalated_at")
    class EvidenceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EXCEPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    SLA_DUE_FIELD_NUMBER: _ClassVar[int]
    REPORTER_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    SURCHARGE_FEN_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FEN_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_AT_FIELD_NUMBER: _ClassVar[int]
    exception_id: int
    order_id: int
    kind: str
    owner: str
    opened_at: int
    sla_due: int
    reporter: str
    evidence: _containers.ScalarMap[str, str]
    resolution: str
    resolved_at: int
    surcharge_fen: int
    penalty_fen: int
    escalated_at: int
    def __init__(self, exception_id: _Optional[int] = ..., order_id: _Optional[int] = ..., kind: _Optional[str] = ..., owner: _Optional[str] = ..., opened_at: _Optional[int] = ..., sla_due: _Optional[int] = ..., reporter: _Optional[str] = ..., evidence: _Optional[_Mapping[str, str]] = ..., resolution: _Optional[str] = ..., resolved_at: _Optional[int] = ..., surcharge_fen: _Optional[int] = ..., penalty_fen: _Optional[int] = ..., escalated_at: _Optional[int] = ...) -> None: ...

class ExceptionReply(_message.Message):
    __slots__ = ("order", "exception", "replan", "plan_version")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    REPLAN_FIELD_NUMBER: _ClassVar[int]
    PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    order: OrderReply
    exception: OrderExceptionInfo
    replan: str
    plan_version: int
    def __init__(self, order: _Optional[_Union[OrderReply, _Mapping]] = ..., exception: _Optional[_Union[OrderExceptionInfo, _Mapping]] = ..., replan: _Optional[str] = ..., plan_version: _Optional[int] = ...) -> None: ...

class SettleRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "actor", "surcharges", "penalties")
    class SurchargesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class PenaltiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SURCHARGES_FIELD_NUMBER: _ClassVar[int]
    PENALTIES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: int
    actor: str
    surcharges: _containers.ScalarMap[str, int]
    penalties: _containers.ScalarMap[str, int]
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[int] = ..., actor: _Optional[str] = ..., surcharges: _Optional[_Mapping[str, int]] = ..., penalties: _Optional[_Mapping[str, int]] = ...) -> None: ...

class SettleReply(_message.Message):
    __slots__ = ("order", "charge_fen", "commission_fen", "payout_fen", "surcharges_fen", "penalties_fen")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CHARGE_FEN_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_FEN_FIELD_NUMBER: _ClassVar[int]
    SURCHARGES_FEN_FIELD_NUMBER: _ClassVar[int]
    PENALTIES_FEN_FIELD_NUMBER: _ClassVar[int]
    order: OrderReply
    charge_fen: int
    commission_fen: int
    payout_fen: int
    surcharges_fen: int
    penalties_fen: int
    def __init__(self, order: _Optional[_Union[OrderReply, _Mapping]] = ..., charge_fen: _Optional[int] = ..., commission_fen: _Optional[int] = ..., payout_fen: _Optional[int] = ..., surcharges_fen: _Optional[int] = ..., penalties_fen: _Optional[int] = ...) -> None: ...

class SweepRequest(_message.Message):
    __slots__ = ("at",)
    AT_FIELD_NUMBER: _ClassVar[int]
    at: int
    def __init__(self, at: _Optional[int] = ...) -> None: ...

class SweepReply(_message.Message):
    __slots__ = ("changed",)
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    changed: _containers.RepeatedCompositeFieldContainer[Order]
    def __init__(self, changed: _Optional[_Iterable[_Union[Order, _Mapping]]] = ...) -> None: ...

class OrderSubscribeRequest(_message.Message):
    __slots__ = ("cursor", "order_id", "shipper_id", "carrier_id", "follow")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPPER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    cursor: int
    order_id: int
    shipper_id: int
    carrier_id: int
    follow: bool
    def __init__(self, cursor: _Optional[int] = ..., order_id: _Optional[int] = ..., shipper_id: _Optional[int] = ..., carrier_id: _Optional[int] = ..., follow: _Optional[bool] = ...) -> None: ...

class OrderEvent(_message.Message):
    __slots__ = ("seq", "order_id", "kind", "from_state", "to_state", "actor", "at", "reason", "data_json")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    seq: int
    order_id: int
    kind: str
    from_state: str
    to_state: str
    actor: str
    at: int
    reason: str
    data_json: str
    def __init__(self, seq: _Optional[int] = ..., order_id: _Optional[int] = ..., kind: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., actor: _Optional[str] = ..., at: _Optional[int] = ..., reason: _Optional[str] = ..., data_json: _Optional[str] = ...) -> None: ...

class FeedRequest(_message.Message):
    __slots__ = ("vehicle_id", "k")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: int
    k: int
    def __init__(self, vehicle_id: _Optional[int] = ..., k: _Optional[int] = ...) -> None: ...

class FeedItem(_message.Message):
    __slots__ = ("order", "score", "deadhead_m")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DEADHEAD_M_FIELD_NUMBER: _ClassVar[int]
    order: Order
    score: float
    deadhead_m: int
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ..., score: _Optional[float] = ..., deadhead_m: _Optional[int] = ...) -> None: ...

class FeedReply(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[FeedItem]
    def __init__(self, items: _Optional[_Iterable[_Union[FeedItem, _Mapping]]] = ...) -> None: ...

class CheckLedgerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LedgerReport(_message.Message):
    __slots__ = ("ok", "transactions", "entries", "unbalanced", "mismatched_accounts", "total_fen", "summary")
    OK_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    UNBALANCED_FIELD_NUMBER: _ClassVar[int]
    MISMATCHED_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEN_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    transactions: int
    entries: int
    unbalanced: _containers.RepeatedScalarFieldContainer[int]
    mismatched_accounts: int
    total_fen: int
    summary: str
    def __init__(self, ok: _Optional[bool] = ..., transactions: _Optional[int] = ..., entries: _Optional[int] = ..., unbalanced: _Optional[_Iterable[int]] = ..., mismatched_accounts: _Optional[int] = ..., total_fen: _Optional[int] = ..., summary: _Optional[str] = ...) -> None: ...

class GetCreditRequest(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: str
    def __init__(self, party: _Optional[str] = ...) -> None: ...

class CreditReply(_message.Message):
    __slots__ = ("party", "score", "stars", "rating", "on_time_rate", "exception_rate", "cancel_rate", "ratings", "deliveries", "orders", "exceptions", "cancellations")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_RATE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_RATE_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    CANCELLATIONS_FIELD_NUMBER: _ClassVar[int]
    party: str
    score: float
    stars: int
    rating: float
    on_time_rate: float
    exception_rate: float
    cancel_rate: float
    ratings: int
    deliveries: int
    orders: int
    exceptions: int
    cancellations: int
    def __init__(self, party: _Optional[str] = ..., score: _Optional[float] = ..., stars: _Optional[int] = ..., rating: _Optional[float] = ..., on_time_rate: _Optional[float] = ..., exception_rate: _Optional[float] = ..., cancel_rate: _Optional[float] = ..., ratings: _Optional[int] = ..., deliveries: _Optional[int] = ..., orders: _Optional[int] = ..., exceptions: _Optional[int] = ..., cancellations: _Optional[int] = ...) -> None: ...

class SyncFleetRatingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SyncFleetRatingsReply(_message.Message):
    __slots__ = ("vehicles_updated", "revision")
    VEHICLES_UPDATED_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    vehicles_updated: int
    revision: int
    def __init__(self, vehicles_updated: _Optional[int] = ..., revision: _Optional[int] = ...) -> None: ...

class PriceGuidanceRequest(_message.Message):
    __slots__ = ("origin_city", "dest_city", "vehicle_type", "distance_m", "at")
    ORIGIN_CITY_FIELD_NUMBER: _ClassVar[int]
    DEST_CITY_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    origin_city: str
    dest_city: str
    vehicle_type: str
    distance_m: int
    at: int
    def __init__(self, origin_city: _Optional[str] = ..., dest_city: _Optional[str] = ..., vehicle_type: _Optional[str] = ..., distance_m: _Optional[int] = ..., at: _Optional[int] = ...) -> None: ...
