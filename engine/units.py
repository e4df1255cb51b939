"""Integer units used everywhere inside Yunli, named once.

Floating point appears only at the edges (coordinates in degrees, speeds in
km/h, user-facing summaries). Everything stored, compared or optimized is an
integer in one of these units.

========== ================= ===========================================
quantity   unit              scale factor
========== ================= ===========================================
distance   metre (m)         ``METRES_PER_KM = 1000``
time       second (s)        ``SECONDS_PER_HOUR = 3600``; instants are
                             Unix seconds (UTC)
weight     kilogram (kg)     ``KG_PER_TONNE = 1000``
volume     litre (L = dm³)   ``LITRES_PER_M3 = 1000``
money      fen (CNY cents)   ``FEN_PER_YUAN = 100``
========== ================= ===========================================
"""

from __future__ import annotations

from typing import Final

METRES_PER_KM: Final = 1000
SECONDS_PER_MINUTE: Final = 60
SECONDS_PER_HOUR: Final = 3600
SECONDS_PER_DAY: Final = 86_400
KG_PER_TONNE: Final = 1000
LITRES_PER_M3: Final = 1000
FEN_PER_YUAN: Final = 100

#: Road distance is great-circle distance times this factor unless told otherwise.
DEFAULT_CIRCUITY: Final = 1.3
#: Mean Earth radius in metres (IUGG); the Rust core uses the same constant.
EARTH_RADIUS_M: Final = 6_371_008.8


def km(metres: int | float) -> float:
    """Metres to kilometres, for display."""
    return metres / METRES_PER_KM


def hours(seconds: int | float) -> float:
    """Seconds to hours, for display."""
    return seconds / SECONDS_PER_HOUR


def yuan(fen: int | float) -> float:
    """Fen to yuan, for display."""
    return fen / FEN_PER_YUAN
