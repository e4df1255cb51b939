from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
