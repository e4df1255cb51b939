"""An honest vectorized NumPy/SciPy implementation of Yunli's match scoring and top-k.

The baseline of the matching benchmarks and an independent oracle for the Rust
core: the same lanes (grid aggregation with recency decay), the same biweight
kernels, hard filters, components, score and ranking as
``rust_core/src/matching`` — written the way a competent NumPy user would:
Polars group-bys for the profiles, ``scipy.spatial.cKDTree`` (all cores) for the
spatial joins, whole-array arithmetic over (load, candidate) pairs processed in
chunks of loads, and one ``lexsort`` for the top-k.

Differences from the core are floating-point only (the core stores lane means
and weights in ``f32``), so scores agree to about 1e-6.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.spatial import cKDTree

from engine.data.schemas import VEHICLE_TYPES
from engine.matching import PAIR_COLUMNS, MatchParams, MatchWeights
from engine.units import EARTH_RADIUS_M, SECONDS_PER_DAY

M_PER_DEG: Final = EARTH_RADIUS_M * np.pi / 180.0
TOP_ORIGINS: Final = 8
_TYPES: Final = list(VEHICLE_TYPES)

FArr = npt.NDArray[np.float64]
IArr = npt.NDArray[np.int64]


def _unit(lat: FArr, lon: FArr) -> FArr:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)


def _arc(a: FArr, b: FArr) -> FArr:
    half = 0.5 * np.sqrt(((a - b) ** 2).sum(axis=1))
    return np.asarray(2.0 * np.arcsin(np.minimum(half, 1.0)))


def _round(x: FArr) -> IArr:
    return np.floor(x + 0.5).astype(np.int64)  # Rust f64::round for x >= 0


def _cells(lat: FArr, lon: FArr, cell_m: float) -> tuple[IArr, IArr]:
    half = int(np.ceil(90.0 * M_PER_DEG / cell_m)) + 1
    row = np.clip(np.floor(lat * M_PER_DEG / cell_m), -half, half).astype(np.int64)
    centre = np.clip((row + 0.5) * cell_m / M_PER_DEG, -90.0, 90.0)
    cos = np.maximum(np.cos(np.radians(centre)), 0.02)
    col = np.floor(lon * M_PER_DEG * cos / cell_m).astype(np.int64)
    return row, col


def _biweight(d2: FArr, r2: float) -> FArr:
    t = 1.0 - d2 / r2
    return np.where(d2 < r2, t * t, 0.0)


def _local_d2(lat_q: FArr, lon_q: FArr, lat: FArr, lon: FArr) -> FArr:
    dy = (lat - lat_q) * M_PER_DEG
    dx = (lon - lon_q) * M_PER_DEG * np.cos(np.radians(lat_q))
    return np.asarray(dx * dx + dy * dy)


class NumpyMatcher:
    """Profiles from trips, then top-k vehicles for loads, all in NumPy/SciPy."""

    def __init__(
        self,
        vehicles: pl.DataFrame,
        trips: pl.DataFrame,
        *,
        now: int,
        weights: MatchWeights | None = None,
        params: MatchParams | None = None,
    ) -> None:
        self.w = weights or MatchWeights()
        self.p = params or MatchParams()
        p = self.p
        self.r = p.lane_radius_km * 1000.0
        self.vehicle_ids = vehicles["vehicle_id"].to_numpy()
        nv = vehicles.height
        pos = {int(v): i for i, v in enumerate(self.vehicle_ids)}
        vt = (
            vehicles["vehicle_type"].replace_strict({t: i for i, t in enumerate(_TYPES)}).to_numpy()
        )
        self.vtype = vt.astype(np.int64)
        self.cap_kg = vehicles["capacity_kg"].to_numpy()
        self.cap_l = vehicles["capacity_l"].to_numpy()
        self.avail = vehicles["available_from"].to_numpy()
        self.offline = (vehicles["status"] == "offline").to_numpy()
        c = vehicles["rating_count"].to_numpy().astype(np.float64)
        m, mu = p.rating_prior_count, p.rating_prior_mean
        with np.errstate(invalid="ignore", divide="ignore"):
            rt = (c * vehicles["rating"].to_numpy() + m * mu) / (c + m) - mu
        self.rating = np.where(c + m > 0, rt, 0.0)
        self.pos = _unit(vehicles["lat"].to_numpy(), vehicles["lon"].to_numpy())
        self.home = _unit(vehicles["home_lat"].to_numpy(), vehicles["home_lon"].to_numpy())
        types = [VEHICLE_TYPES[t] for t in _TYPES]
        self.urban_kmh = np.array([t.urban_kmh for t in types])
        self.highway_kmh = np.array([t.highway_kmh for t in types])
        self.urban_m = np.array([float(t.urban_m) for t in types])
        self.cost_km = np.array([float(t.cost_per_km_fen) for t in types])
        active = np.nonzero(~self.offline)[0]
        self.active = active
        self.vtree = cKDTree(self.pos[active])

        # Lanes: (vehicle, origin cell, destination cell) with decayed weight and means.
        tv = trips["vehicle_id"].replace_strict(pos, return_dtype=pl.Int64).to_numpy()
        olat, olon = trips["origin_lat"].to_numpy(), trips["origin_lon"].to_numpy()
        dlat, dlon = trips["dest_lat"].to_numpy(), trips["dest_lon"].to_numpy()
        orow, ocol = _cells(olat, olon, self.r)
        drow, dcol = _cells(dlat, dlon, self.r)
        half_life = p.half_life_days * SECONDS_PER_DAY
        w = np.exp2((trips["completed_at"].to_numpy() - now) / half_life)
        t = pl.DataFrame(
            {
                "v": tv,
                "orow": orow,
                "ocol": ocol,
                "drow": drow,
                "dcol": dcol,
                "w": w,
                "olat": olat * w,
                "olon": olon * w,
                "dlat": dlat * w,
                "dlon": dlon * w,
            }
        )
        lanes = (
            t.group_by("v", "orow", "ocol", "drow", "dcol")
            .agg(
                pl.col("w").sum(),
                pl.len().alias("trips"),
                pl.col("olat").sum(),
                pl.col("olon").sum(),
                pl.col("dlat").sum(),
                pl.col("dlon").sum(),
            )
            .with_columns((pl.col(c) / pl.col("w")) for c in ("olat", "olon", "dlat", "dlon"))
        )
        self.lane_v = lanes["v"].to_numpy()
        self.lane_w = lanes["w"].to_numpy()
        self.lane_olat, self.lane_olon = lanes["olat"].to_numpy(), lanes["olon"].to_numpy()
        self.lane_dlat, self.lane_dlon = lanes["dlat"].to_numpy(), lanes["dlon"].to_numpy()
        self.ltree = cKDTree(_unit(self.lane_olat, self.lane_olon))
        # Origin profile: lanes grouped by origin cell, share of the vehicle's weight, top 8.
        total = lanes.group_by("v").agg(pl.col("w").sum().alias("tw"))
        origins = (
            lanes.with_columns(
                olat_w=pl.col("olat") * pl.col("w"), olon_w=pl.col("olon") * pl.col("w")
            )
            .group_by("v", "orow", "ocol")
            .agg(pl.col("w").sum(), pl.col("olat_w").sum(), pl.col("olon_w").sum())
            .join(total, on="v")
            .with_columns(
                share=pl.col("w") / pl.col("tw"),
                lat=pl.col("olat_w") / pl.col("w"),
                lon=pl.col("olon_w") / pl.col("w"),
            )
            .sort(["v", "share"], descending=[False, True])
            .with_columns(k=pl.int_range(pl.len()).over("v"))
            .filter(pl.col("k") < TOP_ORIGINS)
        )
        self.o_share = np.zeros((nv, TOP_ORIGINS))
        self.o_lat = np.zeros((nv, TOP_ORIGINS))
        self.o_lon = np.zeros((nv, TOP_ORIGINS))
        ov, ok = origins["v"].to_numpy(), origins["k"].to_numpy()
        self.o_share[ov, ok] = origins["share"].to_numpy()
        self.o_lat[ov, ok] = origins["lat"].to_numpy()
        self.o_lon[ov, ok] = origins["lon"].to_numpy()

    def _seconds(self, metres: FArr, vtype: IArr) -> IArr:
        um = self.urban_m[vtype]
        urban = np.minimum(metres, um)
        rest = np.maximum(metres - urban, 0.0)
        return _round(urban * 3.6 / self.urban_kmh[vtype] + rest * 3.6 / self.highway_kmh[vtype])

    def _expertise_raw(self, olat: FArr, olon: FArr, dlat: FArr, dlon: FArr) -> tuple[IArr, FArr]:
        """Raw expertise per (load position in chunk, vehicle): sorted keys
        ``load * n_vehicles + vehicle`` and their values."""
        r2 = self.r * self.r
        chord = 2.0 * np.sin(1.05 * self.r / (2.0 * EARTH_RADIUS_M))
        hits = self.ltree.query_ball_point(_unit(olat, olon), chord, workers=-1)
        lens = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        q = np.repeat(np.arange(len(hits)), lens)
        lane = (
            np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])
            if lens.sum()
            else np.zeros(0, np.int64)
        )
        ko = _biweight(_local_d2(olat[q], olon[q], self.lane_olat[lane], self.lane_olon[lane]), r2)
        kd = _biweight(_local_d2(dlat[q], dlon[q], self.lane_dlat[lane], self.lane_dlon[lane]), r2)
        t = self.lane_w[lane] * ko * kd
        keep = t > 0
        key = q[keep] * len(self.vehicle_ids) + self.lane_v[lane[keep]]
        uniq, inv = np.unique(key, return_inverse=True)
        return uniq, np.bincount(inv, weights=t[keep], minlength=uniq.size)

    def top_vehicles(self, loads: pl.DataFrame, k: int, chunk: int = 1000) -> pl.DataFrame:
        """Top ``k`` vehicles for every load, one row per pair with every component."""
        out = []
        for s in range(0, loads.height, chunk):
            out.append(self._chunk(loads.slice(s, chunk), k))
        return pl.concat(out)

    def _chunk(self, loads: pl.DataFrame, k: int) -> pl.DataFrame:
        p, w, nv = self.p, self.w, len(self.vehicle_ids)
        olat, olon = loads["origin_lat"].to_numpy(), loads["origin_lon"].to_numpy()
        dlat, dlon = loads["dest_lat"].to_numpy(), loads["dest_lon"].to_numpy()
        o, d = _unit(olat, olon), _unit(dlat, dlon)
        circ = p.circuity
        load_m = _round(_arc(o, d) * EARTH_RADIUS_M * circ)
        bits = {t: 1 << i for i, t in enumerate(_TYPES)}
        mask = (
            loads.select(
                pl.col("vehicle_types")
                .list.unique()
                .list.eval(pl.element().replace_strict(bits, return_dtype=pl.Int64))
                .list.sum()
            )
            .to_series()
            .fill_null(0)
            .to_numpy()
        )
        max_dh = round(p.max_deadhead_km * 1000)
        radius = 2.0 * np.sin((max_dh / circ + 1.0) / EARTH_RADIUS_M / 2.0) * 1.0000001
        hits = self.vtree.query_ball_point(o, radius, workers=-1)
        lens = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        li = np.repeat(np.arange(len(hits)), lens)
        vi = self.active[np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])]
        # Hard filters.
        ok = (mask[li] == 0) | ((mask[li] >> self.vtype[vi]) & 1 == 1)
        ok &= loads["weight_kg"].to_numpy()[li] <= self.cap_kg[vi]
        ok &= loads["volume_l"].to_numpy()[li] <= self.cap_l[vi]
        li, vi = li[ok], vi[ok]
        dh = _round(_arc(self.pos[vi], o[li]) * EARTH_RADIUS_M * circ)
        ok = dh <= max_dh
        li, vi, dh = li[ok], vi[ok], dh[ok]
        vt = self.vtype[vi]
        arrival = self.avail[vi] + self._seconds(dh.astype(np.float64), vt)
        start = np.maximum(arrival, loads["pickup_start"].to_numpy()[li])
        delivered = start + self._seconds(load_m[li].astype(np.float64), vt)
        ok = (arrival <= loads["pickup_end"].to_numpy()[li]) & (
            delivered <= loads["delivery_deadline"].to_numpy()[li]
        )
        li, vi, dh, vt, arrival = li[ok], vi[ok], dh[ok], vt[ok], arrival[ok]
        # Components.
        keys, vals = self._expertise_raw(olat, olon, dlat, dlon)
        key = li * nv + vi
        if keys.size:
            at = np.minimum(np.searchsorted(keys, key), keys.size - 1)
            raw = np.where(keys[at] == key, vals[at], 0.0)
        else:
            raw = np.zeros(key.shape)
        expertise = raw / (raw + p.expertise_saturation)
        lm = load_m[li]
        home_o = _round(_arc(self.home[vi], o[li]) * EARTH_RADIUS_M * circ)
        home_d = _round(_arc(self.home[vi], d[li]) * EARTH_RADIUS_M * circ)
        homeward = np.clip((home_o - home_d) / np.maximum(lm, 1), 0.0, 1.0)
        r2 = self.r * self.r
        lanes_term = np.zeros(len(li))
        for j in range(TOP_ORIGINS):
            lanes_term += self.o_share[vi, j] * _biweight(
                _local_d2(dlat[li], dlon[li], self.o_lat[vi, j], self.o_lon[vi, j]), r2
            )
        backhaul = np.maximum(homeward, np.minimum(lanes_term, 1.0))
        util = np.maximum(
            loads["weight_kg"].to_numpy()[li] / self.cap_kg[vi],
            loads["volume_l"].to_numpy()[li] / self.cap_l[vi],
        )
        rating = self.rating[vi]
        km = np.maximum((lm + dh) / 1000.0, 1.0)
        price = np.clip(loads["price_fen"].to_numpy()[li] / km / self.cost_km[vt] - 1.0, -1.0, 1.0)
        score = (
            w.expertise * expertise
            + w.backhaul * backhaul
            - w.deadhead_per_100km * dh / 100_000.0
            + w.utilization * util
            + w.rating * rating
            + w.price * price
        )
        # Top-k per load: score desc, deadhead asc, vehicle index asc.
        order = np.lexsort((vi, dh, -score, li))
        li_s = li[order]
        first = np.searchsorted(li_s, li_s, side="left")
        rank = np.arange(len(li_s)) - first + 1
        keep = order[rank <= k]
        cols = [
            loads["load_id"].to_numpy()[li[keep]],
            self.vehicle_ids[vi[keep]],
            rank[rank <= k].astype(np.int32),
            score[keep],
            *(c[keep] for c in (expertise, backhaul, dh, arrival, util, rating, price)),
        ]
        return pl.DataFrame(dict(zip(PAIR_COLUMNS, cols, strict=True)))
