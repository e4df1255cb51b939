"""Bid guidance: a fair price range for a lane, vehicle type and date (lane rate model).

The model learns rates in fen per km from priced trips: settled orders (the trip
history of the platform, with the price paid) and, until enough of those exist, the
prices shippers posted for open loads. The trip table of the engine carries no price,
so it cannot be the only source.

For a query it uses the most specific group with at least :data:`MIN_OBS` observations:
lane (origin city → destination city) and vehicle type, then lane, then vehicle type,
then everything; with no group that large it falls back to the vehicle type's
operating cost per km × :data:`COST_MARKUP`. The range is the group's quartiles of the
rate (``low`` = Q1, ``mid`` = median, ``high`` = Q3) times the distance, times a
day-of-week factor (median rate that weekday / overall median, from at least
:data:`MIN_OBS` × 4 observations that weekday, clamped to [0.8, 1.25]). A bid is an
outlier outside Tukey's fences ``[Q1 − 1.5·IQR, Q3 + 1.5·IQR]`` (IQR at least 10% of the
median, so a tight group still leaves room).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from engine.data.schemas import VEHICLE_TYPES
from engine.errors import InvalidInputError
from engine.units import METRES_PER_KM

#: Observations a group needs to be used.
MIN_OBS: Final = 5
#: Longest trip priced (100,000 km): keeps every price inside int64.
MAX_DISTANCE_M: Final = 10**8
#: Markup over the operating cost when there is no price history.
COST_MARKUP: Final = 1.3
#: Columns of the observations frame.
OBSERVATION_COLUMNS: Final = (
    "origin_city",
    "dest_city",
    "vehicle_type",
    "distance_m",
    "price_fen",
    "at",
)


@dataclass(frozen=True, slots=True)
class PriceGuidance:
    """A fair price range (fen) for one order.

    Attributes
    ----------
    low_fen, mid_fen, high_fen
        Q1, median and Q3 of the expected price.
    fence_low_fen, fence_high_fen
        Outside these a bid is flagged as an outlier.
    basis
        Which group the range came from (``lane+type``, ``lane``, ``type``, ``all``,
        ``cost``).
    observations
        Observations in that group.
    weekday_factor
        Day-of-week factor applied.
    """

    low_fen: int
    mid_fen: int
    high_fen: int
    fence_low_fen: int
    fence_high_fen: int
    basis: str
    observations: int
    weekday_factor: float

    def is_outlier(self, amount_fen: int) -> bool:
        """True if ``amount_fen`` is outside the fences."""
        return amount_fen < self.fence_low_fen or amount_fen > self.fence_high_fen


def _weekday(at: int) -> int:
    return (at // 86_400 + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


class LaneRateModel:
    """Quartiles of fen/km per lane and vehicle type, fitted once from observations.

    Parameters
    ----------
    observations
        Frame with :data:`OBSERVATION_COLUMNS` (``vehicle_type`` may be ``""`` when
        unknown; rows with a distance under 1 km or a price <= 0 are ignored).

    Raises
    ------
    InvalidInputError
        If a column is missing.
    """

    def __init__(self, observations: pl.DataFrame) -> None:
        missing = [c for c in OBSERVATION_COLUMNS if c not in observations.columns]
        if missing:
            raise InvalidInputError.at("observations", f"missing columns {missing}")
        df = observations.filter(
            (pl.col("distance_m") >= METRES_PER_KM) & (pl.col("price_fen") > 0)
        )
        df = df.with_columns(
            (pl.col("price_fen") * METRES_PER_KM / pl.col("distance_m")).alias("rate"),
            ((pl.col("at") // 86_400 + 3) % 7).alias("wd"),
        )
        self.size = df.height
        self._groups: dict[tuple[str, ...], tuple[float, float, float, int]] = {}
        q = [
            pl.col("rate").quantile(0.25, "linear").alias("q1"),
            pl.col("rate").median().alias("q2"),
            pl.col("rate").quantile(0.75, "linear").alias("q3"),
            pl.len().alias("n"),
        ]
        for keys, tag in (
            (["origin_city", "dest_city", "vehicle_type"], "lt"),
            (["origin_city", "dest_city"], "l"),
            (["vehicle_type"], "t"),
        ):
            for row in df.group_by(keys).agg(q).iter_rows():
                *k, q1, q2, q3, n = row
                if n >= MIN_OBS:
                    self._groups[(tag, *k)] = (q1, q2, q3, n)
        if df.height >= MIN_OBS:
            r = df["rate"]
            self._groups[("a",)] = (
                float(r.quantile(0.25, "linear") or 0),
                float(r.median() or 0),  # type: ignore[arg-type]
                float(r.quantile(0.75, "linear") or 0),
                df.height,
            )
        self._weekday: dict[int, float] = {}
        if df.height:
            overall = float(df["rate"].median() or 0)  # type: ignore[arg-type]
            for wd, med, n in df.group_by("wd").agg(pl.col("rate").median(), pl.len()).iter_rows():
                if n >= MIN_OBS * 4 and overall > 0:
                    self._weekday[int(wd)] = min(1.25, max(0.8, float(med) / overall))

    def guidance(
        self, origin_city: str, dest_city: str, vehicle_type: str, distance_m: int, at: int
    ) -> PriceGuidance:
        """The price range for a trip of ``distance_m`` on the lane with ``vehicle_type``
        (``""``: any) on the date of ``at``.

        Raises
        ------
        InvalidInputError
            If ``distance_m`` is negative or ``vehicle_type`` unknown.
        """
        if not 0 <= distance_m <= MAX_DISTANCE_M:
            raise InvalidInputError.at(
                "distance_m", f"must be in [0, {MAX_DISTANCE_M}], got {distance_m}"
            )
        if vehicle_type and vehicle_type not in VEHICLE_TYPES:
            raise InvalidInputError.at("vehicle_type", f"unknown vehicle type {vehicle_type!r}")
        km = distance_m / METRES_PER_KM
        for key, name in (
            (("lt", origin_city, dest_city, vehicle_type), "lane+type"),
            (("l", origin_city, dest_city), "lane"),
            (("t", vehicle_type), "type"),
            (("a",), "all"),
        ):
            g = self._groups.get(key)
            if g is not None:
                q1, q2, q3, n = g
                basis = name
                break
        else:
            cost = VEHICLE_TYPES[vehicle_type or "medium_truck"].cost_per_km_fen * COST_MARKUP
            q1, q2, q3, n, basis = cost * 0.85, cost, cost * 1.15, 0, "cost"
        f = self._weekday.get(_weekday(at), 1.0)
        iqr = max(q3 - q1, 0.1 * q2)
        return PriceGuidance(
            low_fen=round(q1 * km * f),
            mid_fen=round(q2 * km * f),
            high_fen=round(q3 * km * f),
            fence_low_fen=max(0, round((q1 - 1.5 * iqr) * km * f)),
            fence_high_fen=round((q3 + 1.5 * iqr) * km * f),
            basis=basis,
            observations=int(n),
            weekday_factor=f,
        )


def observations_from_loads(loads: pl.DataFrame) -> pl.DataFrame:
    """Observations from posted loads (engine loads schema): distance by great circle ×
    circuity, vehicle type the first accepted one (``""`` when any)."""
    from engine.orders.eligibility import road_distance_m

    dist = [
        road_distance_m(a, b, c, d)
        for a, b, c, d in loads.select(
            "origin_lat", "origin_lon", "dest_lat", "dest_lon"
        ).iter_rows()
    ]
    return loads.select(
        "origin_city",
        "dest_city",
        pl.col("vehicle_types").list.first().fill_null("").alias("vehicle_type"),
        pl.Series("distance_m", dist, dtype=pl.Int64),
        "price_fen",
        pl.col("posted_at").alias("at"),
    )


__all__ = [
    "COST_MARKUP",
    "MIN_OBS",
    "OBSERVATION_COLUMNS",
    "LaneRateModel",
    "PriceGuidance",
    "observations_from_loads",
]
