"""Rules as versioned data: rule tables loaded from TOML files and checked.

Every table file under ``engine/crossborder/rules/<family>/`` carries ``family``,
``version``, ``effective_from`` (a date) and optionally ``effective_to`` (exclusive; absent
means "until replaced"). The tables of one family must tile time without gaps or overlaps
from the first ``effective_from`` on; the last one may be open-ended. A :class:`RuleBook`
picks the table in force on a date, and everything computed from a table (a tax quote, a
cancellation decision) names the table's ``version``.

Three families are read into typed views: ``cbec_tax`` (:class:`TaxRules`),
``order_policy`` (:class:`OrderPolicy`) and ``customs`` (:class:`CustomsRules`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from engine.crossborder.dist import DayDist
from engine.errors import InvalidInputError, NotFoundError

#: The folder of the rule tables shipped with Yunli.
RULES_DIR: Final = Path(__file__).with_name("rules")
#: Rate denominator: rates are integer basis points (1 bp = 0.01%).
BP: Final = 10_000
#: What happens to an order outside the limits.
TREATMENTS: Final = ("general_trade", "reject")
FAMILIES: Final = ("cbec_tax", "order_policy", "customs")


@dataclass(frozen=True, slots=True)
class RuleTable:
    """One version of one rule table: its dates, provenance and raw content."""

    family: str
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    data: Mapping[str, Any]

    def covers(self, day: dt.date) -> bool:
        """Whether the table is in force on ``day``."""
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


def _date(v: Any, field: str, where: str) -> dt.date:
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    raise InvalidInputError.at(field, f"must be a TOML date (YYYY-MM-DD), got {v!r}", where)


def parse_table(data: Mapping[str, Any], source: str) -> RuleTable:
    """Check a table's header fields and wrap it.

    Raises
    ------
    InvalidInputError
        A missing or malformed ``family``, ``version`` or date, or ``effective_to`` not
        after ``effective_from`` (the row id is the source file).
    """
    for key in ("family", "version", "effective_from"):
        if key not in data:
            raise InvalidInputError.at(key, "missing in rule table", source)
    family, version = data["family"], data["version"]
    if family not in FAMILIES:
        raise InvalidInputError.at("family", f"unknown family {family!r}", source)
    if not isinstance(version, str) or not version:
        raise InvalidInputError.at("version", "must be a non-empty string", source)
    start = _date(data["effective_from"], "effective_from", source)
    end = (
        None if "effective_to" not in data else _date(data["effective_to"], "effective_to", source)
    )
    if end is not None and end <= start:
        raise InvalidInputError.at("effective_to", f"{end} is not after {start}", source)
    return RuleTable(family, version, start, end, source, data)


def load_table(path: Path) -> RuleTable:
    """Read one TOML rule table.

    Raises
    ------
    InvalidInputError
        Malformed TOML or header (see :func:`parse_table`).
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise InvalidInputError.at("rules", f"malformed TOML: {e}", str(path)) from None
    return parse_table(data, str(path))


def check_timeline(tables: Iterable[RuleTable]) -> list[RuleTable]:
    """Sort one family's tables by date and check they tile time.

    Raises
    ------
    InvalidInputError
        Duplicate versions, overlapping dates, a gap between two tables, or an
        open-ended table that is not the last (field ``effective_from``/``effective_to``).
    """
    out = sorted(tables, key=lambda t: t.effective_from)
    seen: set[str] = set()
    for t in out:
        if t.version in seen:
            raise InvalidInputError.at("version", f"duplicate version {t.version!r}", t.source)
        seen.add(t.version)
    for a, b in itertools.pairwise(out):
        if a.effective_to is None or a.effective_to > b.effective_from:
            raise InvalidInputError.at(
                "effective_from",
                f"{b.version} (from {b.effective_from}) overlaps {a.version} "
                f"(to {a.effective_to or 'open end'})",
                b.source,
            )
        if a.effective_to < b.effective_from:
            raise InvalidInputError.at(
                "effective_to",
                f"gap from {a.effective_to} to {b.effective_from} after {a.version}",
                a.source,
            )
    return out


def _int(v: Any, field: str, where: str, lo: int = 0, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
        bound = f"an integer >= {lo}" + ("" if hi is None else f" and <= {hi}")
        raise InvalidInputError.at(field, f"must be {bound}, got {v!r}", where)
    return v


def _section(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    v = data.get(key)
    if not isinstance(v, Mapping):
        raise InvalidInputError.at(key, "missing table", where)
    return v


@dataclass(frozen=True, slots=True)
class TaxClass:
    """Statutory rates of one tax class, in basis points."""

    name: str
    vat_bp: int
    consumption_bp: int
    tariff_bp: int


@dataclass(frozen=True, slots=True)
class TaxRules:
    """The cross-border retail import tax table in force (family ``cbec_tax``).

    Attributes
    ----------
    version
        The table version a quote names.
    per_transaction_fen, annual_fen
        The per-transaction and annual limits on the dutiable value.
    within_limits_rate_bp
        Share of the statutory VAT and consumption tax charged within the limits (7000 = 70%).
    within_limits_tariff
        Whether tariff is charged within the limits (false under every table so far).
    over_transaction_single_item, over_transaction_multi_item, over_annual
        ``"general_trade"`` (full tariff, VAT and consumption tax) or ``"reject"``.
    classes
        Rates per tax class.
    positive_list
        HS heading (first four digits) -> tax class of goods allowed.
    """

    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    per_transaction_fen: int
    annual_fen: int
    within_limits_rate_bp: int
    within_limits_tariff: bool
    over_transaction_single_item: str
    over_transaction_multi_item: str
    over_annual: str
    classes: Mapping[str, TaxClass]
    positive_list: Mapping[str, str]

    @classmethod
    def from_table(cls, t: RuleTable) -> TaxRules:
        """Validate a ``cbec_tax`` table.

        Raises
        ------
        InvalidInputError
            Missing sections, rates outside [0, 10000) bp, unknown treatments, a positive
            list naming an unknown class or a malformed heading.
        """
        src = t.source
        lim = _section(t.data, "limits", src)
        tr = _section(t.data, "treatment", src)
        per = _int(lim.get("per_transaction_fen"), "limits.per_transaction_fen", src, 1)
        annual = _int(lim.get("annual_fen"), "limits.annual_fen", src, 1)
        if annual < per:
            raise InvalidInputError.at(
                "limits.annual_fen", "is below the per-transaction limit", src
            )
        treat = {}
        for key in ("over_transaction_single_item", "over_transaction_multi_item", "over_annual"):
            v = tr.get(key)
            if v not in TREATMENTS:
                raise InvalidInputError.at(f"treatment.{key}", f"must be one of {TREATMENTS}", src)
            treat[key] = str(v)
        tariff_within = tr.get("within_limits_tariff")
        if not isinstance(tariff_within, bool):
            raise InvalidInputError.at("treatment.within_limits_tariff", "must be a boolean", src)
        classes = {}
        for name, c in _section(t.data, "tax_classes", src).items():
            f = f"tax_classes.{name}"
            classes[name] = TaxClass(
                name,
                _int(c.get("vat_bp"), f + ".vat_bp", src, 0, BP - 1),
                _int(c.get("consumption_bp"), f + ".consumption_bp", src, 0, BP - 1),
                _int(c.get("tariff_bp"), f + ".tariff_bp", src, 0, 5 * BP),
            )
        plist = {}
        for heading, cname in _section(t.data, "positive_list", src).items():
            if len(heading) != 4 or not heading.isdigit():
                raise InvalidInputError.at(
                    "positive_list", f"heading {heading!r} not 4 digits", src
                )
            if cname not in classes:
                raise InvalidInputError.at(
                    "positive_list", f"{heading}: unknown class {cname!r}", src
                )
            plist[heading] = str(cname)
        return cls(
            t.version,
            t.effective_from,
            t.effective_to,
            per,
            annual,
            _int(tr.get("within_limits_rate_bp"), "treatment.within_limits_rate_bp", src, 0, BP),
            tariff_within,
            treat["over_transaction_single_item"],
            treat["over_transaction_multi_item"],
            treat["over_annual"],
            classes,
            plist,
        )

    def tax_class_of(self, hs_code: str, field: str = "hs_code", row_id: object = None) -> str:
        """The tax class of a 10-digit HS code on the positive list.

        Raises
        ------
        InvalidInputError
            A malformed code, or a heading not on the positive list of this version.
        """
        if not isinstance(hs_code, str) or len(hs_code) != 10 or not hs_code.isdigit():
            raise InvalidInputError.at(field, f"{hs_code!r} is not a 10-digit HS code", row_id)
        cname = self.positive_list.get(hs_code[:4])
        if cname is None:
            raise InvalidInputError.at(
                field,
                f"heading {hs_code[:4]} is not on the positive list of {self.version}",
                row_id,
            )
        return cname


@dataclass(frozen=True, slots=True)
class OrderPolicy:
    """Cancellation, return and shipping policy (family ``order_policy``)."""

    version: str
    cancel_states: Mapping[str, frozenset[str]]
    return_window_days: Mapping[str, int]
    tax_refund_days: int
    shipper: Mapping[str, str]
    return_route: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_table(cls, t: RuleTable) -> OrderPolicy:
        """Validate an ``order_policy`` table.

        Raises
        ------
        InvalidInputError
            Missing sections, negative windows, an order kind or owner missing.
        """
        src = t.source
        cancel = {
            k: frozenset(str(s) for s in v) for k, v in _section(t.data, "cancel", src).items()
        }
        for kind in ("cross_border", "domestic", "store_pickup"):
            if kind not in cancel:
                raise InvalidInputError.at(f"cancel.{kind}", "missing", src)
        windows = {
            k: _int(v, f"return_window_days.{k}", src)
            for k, v in _section(t.data, "return_window_days", src).items()
        }
        if "default" not in windows:
            raise InvalidInputError.at("return_window_days.default", "missing", src)
        shipper = {str(k): str(v) for k, v in _section(t.data, "shipper", src).items()}
        route = {
            str(k): tuple(str(x) for x in v)
            for k, v in _section(t.data, "return_route", src).items()
        }
        for owner in ("merchant", "platform"):
            if owner not in shipper:
                raise InvalidInputError.at(f"shipper.{owner}", "missing", src)
            if not route.get(owner):
                raise InvalidInputError.at(f"return_route.{owner}", "missing or empty", src)
        refund = _section(t.data, "tax_refund", src).get("within_days_of_clearance")
        return cls(
            t.version,
            cancel,
            windows,
            _int(refund, "tax_refund.within_days_of_clearance", src),
            shipper,
            route,
        )

    def return_window(self, tax_class: str) -> int:
        """Days after delivery in which goods of this tax class may be returned."""
        return self.return_window_days.get(tax_class, self.return_window_days["default"])


@dataclass(frozen=True, slots=True)
class CustomsMode:
    """Clearance of one fulfilment mode: lead time, holds and fee."""

    clearance: DayDist
    hold_bp: int
    hold_extra: DayDist
    fee_fen: int


@dataclass(frozen=True, slots=True)
class CustomsRules:
    """Customs clearance parameters (family ``customs``)."""

    version: str
    modes: Mapping[str, CustomsMode]
    amount_tolerance_fen: int

    @classmethod
    def from_table(cls, t: RuleTable) -> CustomsRules:
        """Validate a ``customs`` table.

        Raises
        ------
        InvalidInputError
            A mode missing, a malformed distribution, a rate outside [0, 10000] bp.
        """
        src = t.source
        modes = {}
        for name, m in _section(t.data, "modes", src).items():
            f = f"modes.{name}"
            modes[name] = CustomsMode(
                DayDist.from_pairs(m.get("clearance_days"), f + ".clearance_days", src),
                _int(m.get("inspection_hold_bp"), f + ".inspection_hold_bp", src, 0, BP),
                DayDist.from_pairs(m.get("hold_extra_days"), f + ".hold_extra_days", src),
                _int(m.get("fee_fen"), f + ".fee_fen", src),
            )
        for mode in ("bonded", "direct_mail"):
            if mode not in modes:
                raise InvalidInputError.at(f"modes.{mode}", "missing", src)
        tol = _section(t.data, "three_records", src).get("amount_tolerance_fen")
        return cls(t.version, modes, _int(tol, "three_records.amount_tolerance_fen", src))


class RuleBook:
    """All rule tables, by family, checked; answers "which table is in force on a day".

    Parameters
    ----------
    tables
        Tables of any families; each family's must tile time (:func:`check_timeline`).
    """

    def __init__(self, tables: Iterable[RuleTable]) -> None:
        by: dict[str, list[RuleTable]] = {}
        for t in tables:
            by.setdefault(t.family, []).append(t)
        for fam in FAMILIES:
            if fam not in by:
                raise InvalidInputError.at("rules", f"no table of family {fam!r}")
        self.tables: dict[str, list[RuleTable]] = {f: check_timeline(ts) for f, ts in by.items()}
        self._tax = {t.version: TaxRules.from_table(t) for t in self.tables["cbec_tax"]}
        self._orders = {t.version: OrderPolicy.from_table(t) for t in self.tables["order_policy"]}
        self._customs = {t.version: CustomsRules.from_table(t) for t in self.tables["customs"]}

    @classmethod
    def load(cls, folder: Path | str = RULES_DIR) -> RuleBook:
        """Load every ``*.toml`` under ``folder`` (recursively).

        Raises
        ------
        InvalidInputError
            Any table malformed, a family missing, gaps or overlaps in a family.
        NotFoundError
            If ``folder`` does not exist.
        """
        root = Path(folder)
        if not root.is_dir():
            raise NotFoundError(f"rules folder {root} does not exist")
        return cls(load_table(p) for p in sorted(root.rglob("*.toml")))

    def table(self, family: str, day: dt.date) -> RuleTable:
        """The table of ``family`` in force on ``day``.

        Raises
        ------
        InvalidInputError
            An unknown family, or a day before the first table (field ``date``).
        """
        if family not in self.tables:
            raise InvalidInputError.at("family", f"unknown rule family {family!r}")
        for t in self.tables[family]:
            if t.covers(day):
                return t
        raise InvalidInputError.at("date", f"no {family} table in force on {day}")

    def tax(self, day: dt.date) -> TaxRules:
        """The tax rules in force on ``day``."""
        return self._tax[self.table("cbec_tax", day).version]

    def orders(self, day: dt.date) -> OrderPolicy:
        """The order policy in force on ``day``."""
        return self._orders[self.table("order_policy", day).version]

    def customs(self, day: dt.date) -> CustomsRules:
        """The customs parameters in force on ``day``."""
        return self._customs[self.table("customs", day).version]


__all__ = [
    "BP",
    "RULES_DIR",
    "CustomsMode",
    "CustomsRules",
    "OrderPolicy",
    "RuleBook",
    "RuleTable",
    "TaxClass",
    "TaxRules",
    "check_timeline",
    "load_table",
    "parse_table",
]
