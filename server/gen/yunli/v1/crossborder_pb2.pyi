from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PutCatalogRequest(_message.Message):
    __slots__ = ("catalog_json",)
    CATALOG_JSON_FIELD_NUMBER: _ClassVar[int]
    catalog_json: str
    def __init__(self, catalog_json: _Optional[str] = ...) -> None: ...

class CatalogSummary(_message.Message):
    __slots__ = ("merchants", "skus", "warehouses", "stores", "legs", "customers", "revision", "tax_version")
    MERCHANTS_FIELD_NUMBER: _ClassVar[int]
    SKUS_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSES_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    LEGS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TAX_VERSION_FIELD_NUMBER: _ClassVar[int]
    merchants: int
    skus: int
    warehouses: int
    stores: int
    legs: int
    customers: int
    revision: int
    tax_version: str
    def __init__(self, merchants: _Optional[int] = ..., skus: _Optional[int] = ..., warehouses: _Optional[int] = ..., stores: _Optional[int] = ..., legs: _Optional[int] = ..., customers: _Optional[int] = ..., revision: _Optional[int] = ..., tax_version: _Optional[str] = ...) -> None: ...

class CrossBorderOrderLine(_message.Message):
    __slots__ = ("sku_id", "quantity")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    quantity: int
    def __init__(self, sku_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class CrossBorderOrderRequest(_message.Message):
    __slots__ = ("order_id", "customer_id", "order_date", "purchase_mode", "lines", "store_id", "deliver_by")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_DATE_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_MODE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVER_BY_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    customer_id: str
    order_date: str
    purchase_mode: str
    lines: _containers.RepeatedCompositeFieldContainer[CrossBorderOrderLine]
    store_id: str
    deliver_by: str
    def __init__(self, order_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., order_date: _Optional[str] = ..., purchase_mode: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CrossBorderOrderLine, _Mapping]]] = ..., store_id: _Optional[str] = ..., deliver_by: _Optional[str] = ...) -> None: ...

class CrossBorderOption(_message.Message):
    __slots__ = ("source", "warehouse_id", "leg_id", "goods_fen", "freight_fen", "handling_fen", "customs_fee_fen", "tax_fen", "landed_fen", "promise_days", "promised_date", "meets_deadline", "treatment")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_ID_FIELD_NUMBER: _ClassVar[int]
    LEG_ID_FIELD_NUMBER: _ClassVar[int]
    GOODS_FEN_FIELD_NUMBER: _ClassVar[int]
    FREIGHT_FEN_FIELD_NUMBER: _ClassVar[int]
    HANDLING_FEN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMS_FEE_FEN_FIELD_NUMBER: _ClassVar[int]
    TAX_FEN_FIELD_NUMBER: _ClassVar[int]
    LANDED_FEN_FIELD_NUMBER: _ClassVar[int]
    PROMISE_DAYS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    MEETS_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    TREATMENT_FIELD_NUMBER: _ClassVar[int]
    source: str
    warehouse_id: str
    leg_id: str
    goods_fen: int
    freight_fen: int
    handling_fen: int
    customs_fee_fen: int
    tax_fen: int
    landed_fen: int
    promise_days: int
    promised_date: str
    meets_deadline: bool
    treatment: str
    def __init__(self, source: _Optional[str] = ..., warehouse_id: _Optional[str] = ..., leg_id: _Optional[str] = ..., goods_fen: _Optional[int] = ..., freight_fen: _Optional[int] = ..., handling_fen: _Optional[int] = ..., customs_fee_fen: _Optional[int] = ..., tax_fen: _Optional[int] = ..., landed_fen: _Optional[int] = ..., promise_days: _Optional[int] = ..., promised_date: _Optional[str] = ..., meets_deadline: _Optional[bool] = ..., treatment: _Optional[str] = ...) -> None: ...

class CrossBorderExcluded(_message.Message):
    __slots__ = ("warehouse_id", "reason")
    WAREHOUSE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    warehouse_id: str
    reason: str
    def __init__(self, warehouse_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CrossBorderShipper(_message.Message):
    __slots__ = ("sku_id", "shipper")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPPER_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    shipper: str
    def __init__(self, sku_id: _Optional[str] = ..., shipper: _Optional[str] = ...) -> None: ...

class CrossBorderQuote(_message.Message):
    __slots__ = ("order_id", "chosen", "alternatives", "excluded", "reason", "tax_version", "customs_version", "policy_version", "shippers", "taxes", "tax_reason", "dutiable_fen", "annual_after_fen", "on_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TAX_VERSION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMS_VERSION_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    SHIPPERS_FIELD_NUMBER: _ClassVar[int]
    TAXES_FIELD_NUMBER: _ClassVar[int]
    TAX_REASON_FIELD_NUMBER: _ClassVar[int]
    DUTIABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_AFTER_FEN_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    chosen: CrossBorderOption
    alternatives: _containers.RepeatedCompositeFieldContainer[CrossBorderOption]
    excluded: _containers.RepeatedCompositeFieldContainer[CrossBorderExcluded]
    reason: str
    tax_version: str
    customs_version: str
    policy_version: str
    shippers: _containers.RepeatedCompositeFieldContainer[CrossBorderShipper]
    taxes: _containers.RepeatedCompositeFieldContainer[CrossBorderLineTax]
    tax_reason: str
    dutiable_fen: int
    annual_after_fen: int
    on_time: bool
    def __init__(self, order_id: _Optional[str] = ..., chosen: _Optional[_Union[CrossBorderOption, _Mapping]] = ..., alternatives: _Optional[_Iterable[_Union[CrossBorderOption, _Mapping]]] = ..., excluded: _Optional[_Iterable[_Union[CrossBorderExcluded, _Mapping]]] = ..., reason: _Optional[str] = ..., tax_version: _Optional[str] = ..., customs_version: _Optional[str] = ..., policy_version: _Optional[str] = ..., shippers: _Optional[_Iterable[_Union[CrossBorderShipper, _Mapping]]] = ..., taxes: _Optional[_Iterable[_Union[CrossBorderLineTax, _Mapping]]] = ..., tax_reason: _Optional[str] = ..., dutiable_fen: _Optional[int] = ..., annual_after_fen: _Optional[int] = ..., on_time: _Optional[bool] = ...) -> None: ...

class CrossBorderEvent(_message.Message):
    __slots__ = ("state", "date", "note")
    STATE_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    state: str
    date: str
    note: str
    def __init__(self, state: _Optional[str] = ..., date: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class CrossBorderDeclaredLine(_message.Message):
    __slots__ = ("sku_id", "hs_code", "quantity", "value_fen")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FEN_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    hs_code: str
    quantity: int
    value_fen: int
    def __init__(self, sku_id: _Optional[str] = ..., hs_code: _Optional[str] = ..., quantity: _Optional[int] = ..., value_fen: _Optional[int] = ...) -> None: ...

class CrossBorderDeclaration(_message.Message):
    __slots__ = ("order_id", "buyer_id", "lines", "goods_fen", "freight_fen", "tax_fen", "payment_id", "payer_id", "paid_fen", "waybill_id", "consignee_id", "weight_g", "mode", "declared_on", "tax_version")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    GOODS_FEN_FIELD_NUMBER: _ClassVar[int]
    FREIGHT_FEN_FIELD_NUMBER: _ClassVar[int]
    TAX_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYER_ID_FIELD_NUMBER: _ClassVar[int]
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    WAYBILL_ID_FIELD_NUMBER: _ClassVar[int]
    CONSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_G_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    DECLARED_ON_FIELD_NUMBER: _ClassVar[int]
    TAX_VERSION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    lines: _containers.RepeatedCompositeFieldContainer[CrossBorderDeclaredLine]
    goods_fen: int
    freight_fen: int
    tax_fen: int
    payment_id: str
    payer_id: str
    paid_fen: int
    waybill_id: str
    consignee_id: str
    weight_g: int
    mode: str
    declared_on: str
    tax_version: str
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CrossBorderDeclaredLine, _Mapping]]] = ..., goods_fen: _Optional[int] = ..., freight_fen: _Optional[int] = ..., tax_fen: _Optional[int] = ..., payment_id: _Optional[str] = ..., payer_id: _Optional[str] = ..., paid_fen: _Optional[int] = ..., waybill_id: _Optional[str] = ..., consignee_id: _Optional[str] = ..., weight_g: _Optional[int] = ..., mode: _Optional[str] = ..., declared_on: _Optional[str] = ..., tax_version: _Optional[str] = ...) -> None: ...

class CrossBorderOrderState(_message.Message):
    __slots__ = ("order_id", "kind", "state", "customer_id", "quote", "history", "declaration", "exception_kind", "exception_reason", "cleared_on", "clearance_days", "held_days", "delivered_on", "refund_fen", "policy_version", "revision")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_KIND_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_REASON_FIELD_NUMBER: _ClassVar[int]
    CLEARED_ON_FIELD_NUMBER: _ClassVar[int]
    CLEARANCE_DAYS_FIELD_NUMBER: _ClassVar[int]
    HELD_DAYS_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_ON_FIELD_NUMBER: _ClassVar[int]
    REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    kind: str
    state: str
    customer_id: str
    quote: CrossBorderQuote
    history: _containers.RepeatedCompositeFieldContainer[CrossBorderEvent]
    declaration: CrossBorderDeclaration
    exception_kind: str
    exception_reason: str
    cleared_on: str
    clearance_days: int
    held_days: int
    delivered_on: str
    refund_fen: int
    policy_version: str
    revision: int
    def __init__(self, order_id: _Optional[str] = ..., kind: _Optional[str] = ..., state: _Optional[str] = ..., customer_id: _Optional[str] = ..., quote: _Optional[_Union[CrossBorderQuote, _Mapping]] = ..., history: _Optional[_Iterable[_Union[CrossBorderEvent, _Mapping]]] = ..., declaration: _Optional[_Union[CrossBorderDeclaration, _Mapping]] = ..., exception_kind: _Optional[str] = ..., exception_reason: _Optional[str] = ..., cleared_on: _Optional[str] = ..., clearance_days: _Optional[int] = ..., held_days: _Optional[int] = ..., delivered_on: _Optional[str] = ..., refund_fen: _Optional[int] = ..., policy_version: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class CrossBorderActionRequest(_message.Message):
    __slots__ = ("order_id", "date", "payer_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    PAYER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    date: str
    payer_id: str
    def __init__(self, order_id: _Optional[str] = ..., date: _Optional[str] = ..., payer_id: _Optional[str] = ...) -> None: ...

class ClearCrossBorderOrderRequest(_message.Message):
    __slots__ = ("order_id", "date", "outcome", "extra_days", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    EXTRA_DAYS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    date: str
    outcome: str
    extra_days: int
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., date: _Optional[str] = ..., outcome: _Optional[str] = ..., extra_days: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class GetCrossBorderOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class ListCrossBorderOrdersRequest(_message.Message):
    __slots__ = ("customer_id", "state")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    state: str
    def __init__(self, customer_id: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class ListCrossBorderOrdersResponse(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[CrossBorderOrderState]
    def __init__(self, orders: _Optional[_Iterable[_Union[CrossBorderOrderState, _Mapping]]] = ...) -> None: ...

class CrossBorderReturnLine(_message.Message):
    __slots__ = ("sku_id", "quantity", "route", "at")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    quantity: int
    route: _containers.RepeatedScalarFieldContainer[str]
    at: str
    def __init__(self, sku_id: _Optional[str] = ..., quantity: _Optional[int] = ..., route: _Optional[_Iterable[str]] = ..., at: _Optional[str] = ...) -> None: ...

class RequestCrossBorderReturnRequest(_message.Message):
    __slots__ = ("order_id", "return_id", "lines", "date")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    RETURN_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    return_id: str
    lines: _containers.RepeatedCompositeFieldContainer[CrossBorderOrderLine]
    date: str
    def __init__(self, order_id: _Optional[str] = ..., return_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CrossBorderOrderLine, _Mapping]]] = ..., date: _Optional[str] = ...) -> None: ...

class AdvanceCrossBorderReturnRequest(_message.Message):
    __slots__ = ("return_id", "action", "sku_id", "place", "date")
    RETURN_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    return_id: str
    action: str
    sku_id: str
    place: str
    date: str
    def __init__(self, return_id: _Optional[str] = ..., action: _Optional[str] = ..., sku_id: _Optional[str] = ..., place: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...

class GetCrossBorderReturnRequest(_message.Message):
    __slots__ = ("return_id",)
    RETURN_ID_FIELD_NUMBER: _ClassVar[int]
    return_id: str
    def __init__(self, return_id: _Optional[str] = ...) -> None: ...

class CrossBorderReturnState(_message.Message):
    __slots__ = ("return_id", "order_id", "state", "requested_on", "lines", "history", "goods_refund_fen", "tax_refund_fen", "revision")
    RETURN_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_ON_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    GOODS_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    TAX_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    return_id: str
    order_id: str
    state: str
    requested_on: str
    lines: _containers.RepeatedCompositeFieldContainer[CrossBorderReturnLine]
    history: _containers.RepeatedCompositeFieldContainer[CrossBorderEvent]
    goods_refund_fen: int
    tax_refund_fen: int
    revision: int
    def __init__(self, return_id: _Optional[str] = ..., order_id: _Optional[str] = ..., state: _Optional[str] = ..., requested_on: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CrossBorderReturnLine, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[CrossBorderEvent, _Mapping]]] = ..., goods_refund_fen: _Optional[int] = ..., tax_refund_fen: _Optional[int] = ..., revision: _Optional[int] = ...) -> None: ...

class RuleTable(_message.Message):
    __slots__ = ("family", "version", "effective_from", "effective_to", "in_force")
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TO_FIELD_NUMBER: _ClassVar[int]
    IN_FORCE_FIELD_NUMBER: _ClassVar[int]
    family: str
    version: str
    effective_from: str
    effective_to: str
    in_force: bool
    def __init__(self, family: _Optional[str] = ..., version: _Optional[str] = ..., effective_from: _Optional[str] = ..., effective_to: _Optional[str] = ..., in_force: _Optional[bool] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("date",)
    DATE_FIELD_NUMBER: _ClassVar[int]
    date: str
    def __init__(self, date: _Optional[str] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("tables",)
    TABLES_FIELD_NUMBER: _ClassVar[int]
    tables: _containers.RepeatedCompositeFieldContainer[RuleTable]
    def __init__(self, tables: _Optional[_Iterable[_Union[RuleTable, _Mapping]]] = ...) -> None: ...

class CrossBorderTaxLine(_message.Message):
    __slots__ = ("sku_id", "tax_class", "quantity", "value_fen")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    TAX_CLASS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FEN_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    tax_class: str
    quantity: int
    value_fen: int
    def __init__(self, sku_id: _Optional[str] = ..., tax_class: _Optional[str] = ..., quantity: _Optional[int] = ..., value_fen: _Optional[int] = ...) -> None: ...

class QuoteTaxRequest(_message.Message):
    __slots__ = ("date", "lines", "annual_used_fen")
    DATE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_USED_FEN_FIELD_NUMBER: _ClassVar[int]
    date: str
    lines: _containers.RepeatedCompositeFieldContainer[CrossBorderTaxLine]
    annual_used_fen: int
    def __init__(self, date: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CrossBorderTaxLine, _Mapping]]] = ..., annual_used_fen: _Optional[int] = ...) -> None: ...

class CrossBorderLineTax(_message.Message):
    __slots__ = ("sku_id", "tariff_fen", "consumption_fen", "vat_fen")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    TARIFF_FEN_FIELD_NUMBER: _ClassVar[int]
    CONSUMPTION_FEN_FIELD_NUMBER: _ClassVar[int]
    VAT_FEN_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    tariff_fen: int
    consumption_fen: int
    vat_fen: int
    def __init__(self, sku_id: _Optional[str] = ..., tariff_fen: _Optional[int] = ..., consumption_fen: _Optional[int] = ..., vat_fen: _Optional[int] = ...) -> None: ...

class QuoteTaxResponse(_message.Message):
    __slots__ = ("rules_version", "treatment", "reason", "lines", "dutiable_fen", "total_fen", "annual_after_fen")
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    TREATMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    DUTIABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEN_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_AFTER_FEN_FIELD_NUMBER: _ClassVar[int]
    rules_version: str
    treatment: str
    reason: str
    lines: _containers.RepeatedCompositeFieldContainer[CrossBorderLineTax]
    dutiable_fen: int
    total_fen: int
    annual_after_fen: int
    def __init__(self, rules_version: _Optional[str] = ..., treatment: _Optional[str] = ..., reason: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CrossBorderLineTax, _Mapping]]] = ..., dutiable_fen: _Optional[int] = ..., total_fen: _Optional[int] = ..., annual_after_fen: _Optional[int] = ...) -> None: ...

class AdvanceOnboardingRequest(_message.Message):
    __slots__ = ("merchant_id", "step", "date")
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    merchant_id: str
    step: str
    date: str
    def __init__(self, merchant_id: _Optional[str] = ..., step: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...

class GetOnboardingRequest(_message.Message):
    __slots__ = ("merchant_id",)
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    merchant_id: str
    def __init__(self, merchant_id: _Optional[str] = ...) -> None: ...

class OnboardingStep(_message.Message):
    __slots__ = ("step", "date")
    STEP_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    step: str
    date: str
    def __init__(self, step: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...

class OnboardingState(_message.Message):
    __slots__ = ("merchant_id", "done", "next_step", "complete", "revision")
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    NEXT_STEP_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    merchant_id: str
    done: _containers.RepeatedCompositeFieldContainer[OnboardingStep]
    next_step: str
    complete: bool
    revision: int
    def __init__(self, merchant_id: _Optional[str] = ..., done: _Optional[_Iterable[_Union[OnboardingStep, _Mapping]]] = ..., next_step: _Optional[str] = ..., complete: _Optional[bool] = ..., revision: _Optional[int] = ...) -> None: ...
