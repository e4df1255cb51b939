"""The delivery-fee tariff: documented, configurable, versioned; every figure in fen.

A fee is the sum of

* ``base_fen`` (¥3 by default), covering the first ``base_distance_m`` road metres from
  the store to the delivery stop (the home, or the pick-up point);
* ``step_fen`` for every started ``step_m`` beyond that (¥0.50 per 500 m by default);
* a bad-weather surcharge by condition at the store when the order is placed
  (¥2 in rain, ¥4 in heavy rain or snow by default);
* minus ``pickup_point_discount_fen`` when the customer collects from a pick-up point
  (never below zero).

Change it with :meth:`Tariff.from_dict` (for example from a JSON file); the
``version`` travels with every quote so a fee can always be traced to its tariff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.errors import InvalidInputError
from engine.stores.model import WEATHER_SLOWDOWN


@dataclass(frozen=True, slots=True)
class Fee:
    """A fee and its parts (fen); ``total`` = base + distance + weather − discount (≥ 0)."""

    base: int
    distance: int
    weather: int
    discount: int
    total: int
    tariff_version: str


@dataclass(frozen=True)
class Tariff:
    """Delivery-fee rules (see the module docstring). All amounts are fen, distances metres.

    Raises
    ------
    InvalidInputError
        Negative amounts, non-positive ``step_m``, unknown weather conditions, an empty
        ``version``.
    """

    version: str = "2026-12-01"
    base_fen: int = 300
    base_distance_m: int = 1_000
    step_m: int = 500
    step_fen: int = 50
    weather_fen: Mapping[str, int] = field(
        default_factory=lambda: {"rain": 200, "heavy_rain": 400, "snow": 400}
    )
    pickup_point_discount_fen: int = 100

    def __post_init__(self) -> None:
        if not str(self.version).strip():
            raise InvalidInputError.at("tariff.version", "must not be empty")
        for f in ("base_fen", "base_distance_m", "step_fen", "pickup_point_discount_fen"):
            v = getattr(self, f)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise InvalidInputError.at(f"tariff.{f}", f"must be an integer >= 0, got {v!r}")
        if not isinstance(self.step_m, int) or self.step_m <= 0:
            raise InvalidInputError.at(
                "tariff.step_m", f"must be an integer > 0, got {self.step_m!r}"
            )
        for cond, v in self.weather_fen.items():
            if cond not in WEATHER_SLOWDOWN:
                raise InvalidInputError.at(
                    "tariff.weather_fen", f"unknown condition {cond!r} ({tuple(WEATHER_SLOWDOWN)})"
                )
            if not isinstance(v, int) or v < 0:
                raise InvalidInputError.at("tariff.weather_fen", f"{cond}: must be an integer >= 0")

    def fee(self, distance_m: int, weather: str = "clear", *, pickup_point: bool = False) -> Fee:
        """The fee for a delivery stop ``distance_m`` road metres from the store.

        Raises
        ------
        InvalidInputError
            Negative distance or an unknown weather condition.
        """
        if distance_m < 0:
            raise InvalidInputError.at("distance_m", f"must be >= 0, got {distance_m}")
        if weather not in WEATHER_SLOWDOWN:
            raise InvalidInputError.at("weather", f"unknown condition {weather!r}")
        extra = max(0, distance_m - self.base_distance_m)
        steps = -(-extra // self.step_m)
        dist = steps * self.step_fen
        wx = int(self.weather_fen.get(weather, 0))
        disc = self.pickup_point_discount_fen if pickup_point else 0
        total = max(0, self.base_fen + dist + wx - disc)
        return Fee(self.base_fen, dist, wx, disc, total, self.version)

    def to_dict(self) -> dict[str, Any]:
        """The tariff as plain JSON-able values."""
        d = asdict(self)
        d["weather_fen"] = dict(self.weather_fen)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Tariff:
        """A tariff from :meth:`to_dict`'s shape (missing keys take the defaults).

        Raises
        ------
        InvalidInputError
            Unknown keys or invalid values.
        """
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise InvalidInputError.at("tariff", f"unknown keys {unknown}")
        kw = dict(d)
        if "weather_fen" in kw:
            kw["weather_fen"] = dict(kw["weather_fen"])
        return cls(**kw)


#: The tariff used unless another is given.
DEFAULT_TARIFF = Tariff()
