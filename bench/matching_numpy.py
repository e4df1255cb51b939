"""Yunli's match scoring and top-k written as a NumPy expert would: the baseline of the
matching benchmarks and an independent oracle for the Rust core.

The same model as ``rust_core/src/matching`` — lanes (grid aggregation of trips with
recency decay), biweight kernels, hard filters, components, score and ranking rule
(score descending, then deadhead ascending, then vehicle position ascending) — with
the same algorithmic shortcuts, in whole-array NumPy, single-threaded:

* **grid joins on packed integer keys.** Cells are keyed by one ``int64``
  (row-major), so a query row's cells are one contiguous key range. Vehicles are
  renumbered in cell order ("slots"): a load's candidate vehicles are one slot range
  per grid row, found by two ``searchsorted`` calls, and come out sorted by slot.
  Lanes are bucketed by the packed (origin cell, destination cell) pair and looked up
  on *both* keys; ranges are expanded with ``repeat``/``cumsum`` arithmetic, never
  Python lists.
* **bincount aggregation.** A lane's kernel term goes to its (load, vehicle slot)
  candidate by ``searchsorted`` into the sorted candidate keys and ``bincount``; no
  sort of the pairs.
* **the core's bound pruning.** Every candidate gets the trigonometry-free score
  upper bound of the core (backhaul taken as 1, price margin at the deadhead's
  lower bound); per load the ``k`` best bounds are scored exactly by
  ``argpartition``, their ``k``-th score is the bar, and only candidates whose bound
  reaches it are scored exactly. (Since 2026-12-03 the core also bounds whole fleet
  blocks of up to 16 vehicles and searches best-first, so most vehicles never get a
  bound of their own; that search is sequential per load and is not reproduced here:
  this baseline bounds every candidate.)
* **per-load top-k by ``argpartition``** over a padded (load × candidate) matrix;
  only the few rows tied at the boundary go through a small ``lexsort`` for the
  ranking rule.

The lane kernels are computed in ``float32`` exactly as the core computes them (the
core stores lane weights and means in ``f32``), everything else in ``float64``, so
scores agree with the core to about 1e-9 (summation order only).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from engine.data.schemas import VEHICLE_TYPES
from engine.matching import PAIR_COLUMNS, MatchParams, MatchWeights
from engine.units import EARTH_RADIUS_M, SECONDS_PER_DAY

M_PER_DEG: Final = EARTH_RADIUS_M * np.pi / 180.0
TOP_ORIGINS: Final = 8
EPOCH_HALF_LIVES: Final = 16.0  # the core's expertise::EPOCH_HALF_LIVES
MIN_COS: Final = 0.02
EPS: Final = 1e-9
_TYPES: Final = list(VEHICLE_TYPES)

FArr = npt.NDArray[np.float64]
IArr = npt.NDArray[np.int64]


def _unit(lat: FArr, lon: FArr) -> FArr:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)


def _chord2(a: FArr, b: FArr) -> FArr:
    d = a - b
    return np.asarray(np.einsum("ij,ij->i", d, d))


def _road_m(a: FArr, b: FArr, circuity: float) -> IArr:
    arc = 2.0 * np.arcsin(np.minimum(0.5 * np.sqrt(_chord2(a, b)), 1.0))
    return np.floor(arc * EARTH_RADIUS_M * circuity + 0.5).astype(np.int64)


def _ranges(start: IArr, count: IArr) -> tuple[IArr, IArr]:
    """Expand ranges ``start[i] .. start[i] + count[i]``: (range number, value) per element."""
    total = int(count.sum())
    which = np.repeat(np.arange(count.size), count)
    first = np.cumsum(count) - count
    return which, np.arange(total) - first[which] + start[which]


class _Grid:
    """The core's cell grid (``CellGrid`` in ``grid.rs``) with packed ``int64`` keys."""

    def __init__(self, cell_m: float) -> None:
        self.cell_m = max(cell_m, 1.0)
        self.half = int(np.ceil(90.0 * M_PER_DEG / self.cell_m)) + 1
        rows = np.arange(-self.half, self.half + 1)
        centre = np.clip((rows + 0.5) * self.cell_m / M_PER_DEG, -90.0, 90.0)
        self.row_cos = np.maximum(np.cos(np.radians(centre)), MIN_COS)
        self.col_off = int(np.ceil(180.0 * M_PER_DEG / self.cell_m)) + 2
        self.n_cols = 2 * self.col_off + 1
        self.n_keys = (2 * self.half + 1) * self.n_cols

    def row(self, lat: FArr) -> IArr:
        r = np.floor(lat * M_PER_DEG / self.cell_m).astype(np.int64)
        return np.clip(r, -self.half, self.half)

    def col(self, row: IArr, lon: FArr) -> IArr:
        return np.floor(lon * M_PER_DEG * self.row_cos[row + self.half] / self.cell_m).astype(
            np.int64
        )

    def key(self, row: IArr, col: IArr) -> IArr:
        return (row + self.half) * self.n_cols + np.clip(col + self.col_off, 0, self.n_cols - 1)

    def cell(self, lat: FArr, lon: FArr) -> IArr:
        r = self.row(lat)
        return self.key(r, self.col(r, lon))

    def row_spans(self, lat: FArr, lon: FArr, radius_m: float) -> tuple[IArr, IArr, IArr]:
        """Per query and row offset: (valid, lowest key, highest key) of the row's cells
        that may hold a point within ``radius_m`` (great-circle or local
        equirectangular), as ``CellGrid::for_each_row_span`` computes them."""
        dlat = radius_m / M_PER_DEG
        r0, r1 = self.row(lat - dlat), self.row(lat + dlat)
        n_rows = int((r1 - r0).max(initial=0)) + 1
        r = r0[:, None] + np.arange(n_rows)[None, :]
        valid = r <= r1[:, None]
        cos_q = np.maximum(np.cos(np.radians(lat)), MIN_COS)[:, None]
        deg = self.cell_m / M_PER_DEG
        lo = np.maximum(r * deg, (lat - dlat)[:, None])
        hi = np.minimum((r + 1) * deg, (lat + dlat)[:, None])
        dy = np.maximum(np.maximum(lo - lat[:, None], lat[:, None] - hi), 0.0) * M_PER_DEG
        half = np.sqrt(np.maximum(radius_m * radius_m - dy * dy, 0.0))
        far = np.minimum(np.maximum(np.abs(lo), np.abs(hi)), 90.0)
        cos_min = np.minimum(np.maximum(np.cos(np.radians(far)), MIN_COS), cos_q)
        dlon = np.minimum(1.02 * half / (M_PER_DEG * cos_min) + 1e-6, 180.0)
        rc = np.clip(r, -self.half, self.half)
        lon2 = lon[:, None]
        return (
            valid,
            self.key(rc, self.col(rc, lon2 - dlon)),
            self.key(rc, self.col(rc, lon2 + dlon)),
        )


class NumpyMatcher:
    """Profiles from trips, then top-k vehicles for loads, in NumPy on one thread."""

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
        self.p = p = params or MatchParams()
        self.r = p.lane_radius_km * 1000.0
        self.vehicle_ids = vehicles["vehicle_id"].to_numpy()
        nv = vehicles.height
        types = [VEHICLE_TYPES[t] for t in _TYPES]
        self.urban_kmh = np.array([t.urban_kmh for t in types], dtype=np.float64)
        self.highway_kmh = np.array([t.highway_kmh for t in types], dtype=np.float64)
        self.urban_m = np.array([float(t.urban_m) for t in types])
        self.cost_km = np.array([float(t.cost_per_km_fen) for t in types])
        self.max_dh = round(p.max_deadhead_km * 1000)

        # Fleet in slot order: vehicles not offline, sorted by search-grid cell.
        vt = vehicles["vehicle_type"].replace_strict({t: i for i, t in enumerate(_TYPES)})
        lat, lon = vehicles["lat"].to_numpy(), vehicles["lon"].to_numpy()
        search_m = self.max_dh / p.circuity + 1.0
        self.vgrid = _Grid(max(search_m / 3.0, 5_000.0))
        self.search_m = search_m
        active = np.nonzero((vehicles["status"] != "offline").to_numpy())[0]
        vkey = self.vgrid.cell(lat[active], lon[active])
        order = np.argsort(vkey, kind="stable")
        slot_v = active[order]  # vehicle position of each slot
        self.slot_v = slot_v
        self.slot_of = np.full(nv, -1, dtype=np.int64)
        self.slot_of[slot_v] = np.arange(slot_v.size)
        skey = vkey[order]
        self.cell_keys, self.cell_start = np.unique(skey, return_index=True)
        self.cell_end = np.append(self.cell_start[1:], skey.size)
        self.s_type = vt.to_numpy().astype(np.int64)[slot_v]
        self.s_cap_kg = vehicles["capacity_kg"].to_numpy().astype(np.float64)[slot_v]
        self.s_cap_l = vehicles["capacity_l"].to_numpy().astype(np.float64)[slot_v]
        self.s_avail = vehicles["available_from"].to_numpy().astype(np.int64)[slot_v]
        c = vehicles["rating_count"].to_numpy().astype(np.float64)
        m, mu = p.rating_prior_count, p.rating_prior_mean
        with np.errstate(invalid="ignore", divide="ignore"):
            rt = (c * vehicles["rating"].to_numpy() + m * mu) / (c + m) - mu
        self.s_rating = np.where(c + m > 0, rt, 0.0)[slot_v]
        self.s_pos = _unit(lat, lon)[slot_v]
        self.s_home = _unit(vehicles["home_lat"].to_numpy(), vehicles["home_lon"].to_numpy())[
            slot_v
        ]

        # Lanes: trips aggregated by (vehicle, origin cell, destination cell).
        g = self.lgrid = _Grid(self.r)
        pos = {int(v): i for i, v in enumerate(self.vehicle_ids)}
        tv = trips["vehicle_id"].replace_strict(pos, return_dtype=pl.Int64).to_numpy()
        olat, olon = trips["origin_lat"].to_numpy(), trips["origin_lon"].to_numpy()
        dlat, dlon = trips["dest_lat"].to_numpy(), trips["dest_lon"].to_numpy()
        oc, dc = g.cell(olat, olon), g.cell(dlat, dlon)
        half_life = p.half_life_days * SECONDS_PER_DAY
        # The core stores weights decayed to an epoch (a multiple of EPOCH_HALF_LIVES
        # half-lives) and scales each lane term by 2^((epoch - now) / half-life).
        step = max(int(EPOCH_HALF_LIVES * half_life), 1)
        epoch = (now // step) * step
        self.scale = float(np.exp2((epoch - now) / half_life))
        w = np.exp2((trips["completed_at"].to_numpy() - epoch) / half_life)
        key = (tv * g.n_keys + oc) * g.n_keys + dc
        ukey, first, inv = np.unique(key, return_index=True, return_inverse=True)
        lw = np.bincount(inv, weights=w)
        lane_v, lane_oc = tv[first], oc[first]
        means = [np.bincount(inv, weights=w * x) / lw for x in (olat, olon, dlat, dlon)]
        # Origin profile: lanes grouped by (vehicle, origin cell), TOP_ORIGINS heaviest.
        tw = np.bincount(lane_v, weights=lw, minlength=nv)
        okey = lane_v * g.n_keys + lane_oc  # lanes are sorted by it already
        _, ofirst, oinv = np.unique(okey, return_index=True, return_inverse=True)
        ow = np.bincount(oinv, weights=lw)
        o_lat = np.bincount(oinv, weights=lw * means[0]) / ow
        o_lon = np.bincount(oinv, weights=lw * means[1]) / ow
        ov = lane_v[ofirst]
        share = (ow / tw[ov]).astype(np.float32)
        # heaviest first within each vehicle; ties keep cell order (a stable sort)
        o_ord = np.lexsort((-share.astype(np.float64), ov))
        ov_s = ov[o_ord]
        rank = np.arange(ov_s.size) - np.searchsorted(ov_s, ov_s, side="left")
        keep = rank < TOP_ORIGINS
        sel, rk = o_ord[keep], rank[keep]
        self.o_share = np.zeros((nv, TOP_ORIGINS))
        self.o_lat = np.zeros((nv, TOP_ORIGINS))
        self.o_lon = np.zeros((nv, TOP_ORIGINS))
        self.o_share[ov[sel], rk] = share[sel].astype(np.float64)
        self.o_lat[ov[sel], rk] = o_lat[sel].astype(np.float32).astype(np.float64)
        self.o_lon[ov[sel], rk] = o_lon[sel].astype(np.float32).astype(np.float64)
        self.o_share, self.o_lat, self.o_lon = (
            a[slot_v] for a in (self.o_share, self.o_lat, self.o_lon)
        )
        # Lane index: f32 postings sorted by the packed key (origin cell, destination
        # cell) of their means on a grid of half the kernel radius.
        ig = self.igrid = _Grid(self.r / 2.0)
        post = [x.astype(np.float32) for x in means]
        pk = ig.cell(*(x.astype(np.float64) for x in post[:2])) * ig.n_keys + ig.cell(
            *(x.astype(np.float64) for x in post[2:])
        )
        lord = np.argsort(pk, kind="stable")
        self.lane_keys = pk[lord]
        self.ocells = np.unique(self.lane_keys // ig.n_keys)
        self.l_slot = self.slot_of[lane_v[lord]]
        self.l_w = lw[lord].astype(np.float32)
        self.l_olat, self.l_olon, self.l_dlat, self.l_dlon = (x[lord] for x in post)
        self.n_lanes = int(ukey.size)
        # Score bound constants.
        self.max_rating = float(self.s_rating.max(initial=0.0))

    # --- pieces -------------------------------------------------------------------------

    def _seconds(self, metres: FArr, vt: IArr) -> IArr:
        um = self.urban_m[vt]
        urban = np.minimum(metres, um)
        rest = np.maximum(metres - urban, 0.0)
        s = urban * 3.6 / self.urban_kmh[vt] + rest * 3.6 / self.highway_kmh[vt]
        return np.floor(s + 0.5).astype(np.int64)

    def _expert_terms(self, L: dict[str, FArr]) -> tuple[IArr, IArr, npt.NDArray[np.float32]]:
        """Lane terms ``w·K(origin)·K(destination)`` > 0 near each load: (load, slot, term).

        Lanes are sorted by the packed key (origin index cell, destination index
        cell), so the lanes of one origin cell whose destination lies in one row
        span of cells are one contiguous range: two ``searchsorted`` per (origin
        cell, destination row) of a load.
        """
        g, r = self.igrid, self.r
        n = L["olat"].size
        valid, lo, hi = g.row_spans(L["olat"], L["olon"], r)
        width = int((hi - lo).max(initial=0)) + 1
        oc = lo[:, :, None] + np.arange(width)[None, None, :]
        ok = valid[:, :, None] & (oc <= hi[:, :, None])
        oc = np.where(ok, oc, -1).reshape(n, -1)
        # keep origin cells that hold lanes
        at = np.minimum(np.searchsorted(self.ocells, oc), self.ocells.size - 1)
        oc = np.where((oc >= 0) & (self.ocells[at] == oc), oc, -1)
        dvalid, dlo, dhi = g.row_spans(L["dlat"], L["dlon"], r)
        use = (oc >= 0)[:, :, None] & dvalid[:, None, :]
        base = oc[:, :, None] * g.n_keys
        lo_k = (base + dlo[:, None, :])[use]
        hi_k = (base + dhi[:, None, :])[use]
        q = np.broadcast_to(np.arange(n)[:, None, None], use.shape)[use]
        a = np.searchsorted(self.lane_keys, lo_k, side="left")
        b = np.searchsorted(self.lane_keys, hi_k, side="right")
        which, lane = _ranges(a, b - a)
        li = q[which]
        f32 = np.float32
        ky = f32(M_PER_DEG)
        kxo = (M_PER_DEG * np.cos(np.radians(L["olat"]))).astype(f32)[li]
        kxd = (M_PER_DEG * np.cos(np.radians(L["dlat"]))).astype(f32)[li]
        inv_r2 = f32(1.0 / (r * r))
        dyo = (self.l_olat[lane] - L["olat"].astype(f32)[li]) * ky
        dxo = (self.l_olon[lane] - L["olon"].astype(f32)[li]) * kxo
        dyd = (self.l_dlat[lane] - L["dlat"].astype(f32)[li]) * ky
        dxd = (self.l_dlon[lane] - L["dlon"].astype(f32)[li]) * kxd
        one, zero = f32(1.0), f32(0.0)
        ko = np.maximum(one - (dxo * dxo + dyo * dyo) * inv_r2, zero)
        kd = np.maximum(one - (dxd * dxd + dyd * dyd) * inv_r2, zero)
        t = self.l_w[lane] * (ko * ko) * (kd * kd)
        keep = (t > 0) & (self.l_slot[lane] >= 0)
        return li[keep], self.l_slot[lane[keep]], t[keep]

    def _candidates(self, L: dict[str, FArr]) -> tuple[IArr, IArr]:
        """(load, slot) of every vehicle in the cells near each pickup, sorted."""
        valid, lo, hi = self.vgrid.row_spans(L["olat"], L["olon"], self.search_m)
        c0 = np.searchsorted(self.cell_keys, lo[valid], side="left")
        c1 = np.searchsorted(self.cell_keys, hi[valid], side="right")
        q = np.broadcast_to(np.arange(lo.shape[0])[:, None], lo.shape)[valid]
        nonempty = c1 > c0
        c0, c1, q = c0[nonempty], c1[nonempty], q[nonempty]
        s0 = self.cell_start[c0]
        which, slot = _ranges(s0, self.cell_end[c1 - 1] - s0)
        return q[which], slot

    def _exact(
        self, L: dict[str, FArr], li: IArr, s: IArr, raw: FArr
    ) -> tuple[npt.NDArray[np.bool_], dict[str, FArr]]:
        """Hard filters that need distances, and every component, for (load, slot) pairs."""
        p, w, circ = self.p, self.w, self.p.circuity
        o = L["o"][li]
        dh = _road_m(self.s_pos[s], o, circ)
        vt = self.s_type[s]
        arrival = self.s_avail[s] + self._seconds(dh.astype(np.float64), vt)
        lm = L["load_m"][li]
        delivered = np.maximum(arrival, L["ps"][li]) + self._seconds(lm.astype(np.float64), vt)
        ok = (dh <= self.max_dh) & (arrival <= L["pe"][li]) & (delivered <= L["dd"][li])
        expertise = raw / (raw + p.expertise_saturation)
        home_o = _road_m(self.s_home[s], o, circ)
        home_d = _road_m(self.s_home[s], L["d"][li], circ)
        homeward = np.clip((home_o - home_d) / np.maximum(lm, 1), 0.0, 1.0)
        dlat, dlon = L["dlat"][li], L["dlon"][li]
        cos_d = np.cos(np.radians(dlat))
        r2 = self.r * self.r
        lanes = np.zeros(li.size)
        for j in range(TOP_ORIGINS):
            dy = (self.o_lat[s, j] - dlat) * M_PER_DEG
            dx = (self.o_lon[s, j] - dlon) * M_PER_DEG * cos_d
            t = 1.0 - (dx * dx + dy * dy) / r2
            lanes += self.o_share[s, j] * np.where(t > 0.0, t * t, 0.0)
        backhaul = np.maximum(homeward, np.minimum(lanes, 1.0))
        util = np.maximum(L["kg"][li] / self.s_cap_kg[s], L["l"][li] / self.s_cap_l[s])
        rating = self.s_rating[s]
        km = np.maximum((lm + dh) / 1000.0, 1.0)
        cost = self.cost_km[vt]
        with np.errstate(divide="ignore", invalid="ignore"):
            price = np.where(cost > 0, np.clip(L["price"][li] / km / cost - 1.0, -1.0, 1.0), 1.0)
        score = (
            w.expertise * expertise
            + w.backhaul * backhaul
            - w.deadhead_per_100km * dh / 100_000.0
            + w.utilization * util
            + w.rating * rating
            + w.price * price
        )
        comp = {
            "score": score,
            "expertise": expertise,
            "backhaul": backhaul,
            "deadhead_m": dh,
            "arrival_at": arrival,
            "utilization": util,
            "rating_vs_prior": rating,
            "price_margin": price,
        }
        return ok, comp

    @staticmethod
    def _padded(li: IArr, n: int, values: FArr, fill: float) -> tuple[FArr, IArr]:
        """Values of per-load groups (``li`` sorted) in an (n × widest group) matrix."""
        count = np.bincount(li, minlength=n)
        first = np.cumsum(count) - count
        col = np.arange(li.size) - first[li]
        mat = np.full((n, int(count.max(initial=0)) or 1), fill)
        mat[li, col] = values
        return mat, first

    def _top_per_row(self, mat: FArr, k: int) -> IArr:
        """Column indices of the k largest entries of each row (unordered)."""
        if mat.shape[1] <= k:
            return np.broadcast_to(np.arange(mat.shape[1]), mat.shape).copy()
        return np.argpartition(-mat, k - 1, axis=1)[:, :k]

    # --- query --------------------------------------------------------------------------

    def top_vehicles(self, loads: pl.DataFrame, k: int, chunk: int = 1000) -> pl.DataFrame:
        """Top ``k`` vehicles for every load, one row per pair with every component."""
        out = [self._chunk(loads.slice(s, chunk), k) for s in range(0, loads.height, chunk)]
        return pl.concat(out)

    def _chunk(self, loads: pl.DataFrame, k: int) -> pl.DataFrame:
        p, w = self.p, self.w
        n = loads.height
        L: dict[str, FArr] = {
            "olat": loads["origin_lat"].to_numpy(),
            "olon": loads["origin_lon"].to_numpy(),
            "dlat": loads["dest_lat"].to_numpy(),
            "dlon": loads["dest_lon"].to_numpy(),
            "kg": loads["weight_kg"].to_numpy().astype(np.float64),
            "l": loads["volume_l"].to_numpy().astype(np.float64),
            "ps": loads["pickup_start"].to_numpy(),
            "pe": loads["pickup_end"].to_numpy(),
            "dd": loads["delivery_deadline"].to_numpy(),
            "price": loads["price_fen"].to_numpy().astype(np.float64),
        }
        L["o"], L["d"] = _unit(L["olat"], L["olon"]), _unit(L["dlat"], L["dlon"])
        L["load_m"] = _road_m(L["o"], L["d"], p.circuity)
        bits = {t: 1 << i for i, t in enumerate(_TYPES)}
        mask = (
            loads.select(
                pl.col("vehicle_types")
                .list.unique()
                .list.eval(pl.element().replace_strict(bits, return_dtype=pl.Int64))
                .list.sum()
                .fill_null(0)
            )
            .to_series()
            .to_numpy()
        )

        # Candidates: vehicles near the pickup, then the cheap filters.
        li, s = self._candidates(L)
        m = mask[li]
        ok = (m == 0) | ((m >> self.s_type[s]) & 1 == 1)
        ok &= (L["kg"][li] <= self.s_cap_kg[s]) & (L["l"][li] <= self.s_cap_l[s])
        li, s = li[ok], s[ok]
        chord = np.sqrt(_chord2(self.s_pos[s], L["o"][li]))
        dh_lb = np.maximum(chord * EARTH_RADIUS_M * p.circuity - 0.5, 0.0)
        ok = dh_lb <= self.max_dh
        li, s, dh_lb = li[ok], s[ok], dh_lb[ok]

        # Raw expertise of each candidate: lane terms joined on the sorted (load, slot) key.
        nslot = self.slot_v.size
        ckey = li * nslot + s
        eq, es, et = self._expert_terms(L)
        ekey = eq * nslot + es
        at = np.minimum(np.searchsorted(ckey, ekey), max(ckey.size - 1, 0))
        hit = ckey[at] == ekey if ckey.size else np.zeros(ekey.size, bool)
        raw = np.bincount(
            at[hit], weights=et[hit].astype(np.float64) * self.scale, minlength=ckey.size
        )

        # Upper bound of each candidate's score (the core's `Scorer::bounds`).
        util = np.maximum(L["kg"][li] / self.s_cap_kg[s], L["l"][li] / self.s_cap_l[s])
        km = np.maximum((L["load_m"][li] + dh_lb) / 1000.0, 1.0)
        cost = self.cost_km[self.s_type[s]]
        with np.errstate(divide="ignore", invalid="ignore"):
            price_ub = np.where(cost > 0, np.clip(L["price"][li] / km / cost - 1.0, -1.0, 1.0), 1.0)
        ub = (
            w.expertise * (raw / (raw + p.expertise_saturation))
            + w.backhaul
            - w.deadhead_per_100km * dh_lb / 100_000.0
            + w.utilization * util
            + w.rating * self.s_rating[s]
            + w.price * price_ub
        )

        # Bar per load: the k-th exact score among the k best bounds.
        ub_mat, first = self._padded(li, n, ub, -np.inf)
        seed_col = self._top_per_row(ub_mat, k)
        seed_rows = np.broadcast_to(np.arange(n)[:, None], seed_col.shape)
        real = np.isfinite(ub_mat[seed_rows, seed_col])
        seed = (first[:, None] + seed_col)[real]
        seed_ok, seed_c = self._exact(L, li[seed], s[seed], raw[seed])
        seed_score = np.full(seed_col.shape, -np.inf)
        seed_score[real] = np.where(seed_ok, seed_c["score"], -np.inf)
        full = np.isfinite(seed_score).sum(axis=1) >= k
        bar = np.where(full, seed_score.min(axis=1), -np.inf)

        # Exact scores of every candidate whose bound reaches the bar.
        cand = np.nonzero(ub + EPS >= bar[li])[0]
        ok, comp = self._exact(L, li[cand], s[cand], raw[cand])
        ok &= comp["score"] >= bar[li[cand]]  # the k-th best score is at least the bar
        cand = cand[ok]
        comp = {c: v[ok] for c, v in comp.items()}
        cl = li[cand]

        # Top k per load by argpartition; ties at the boundary by the ranking rule.
        sc_mat, first = self._padded(cl, n, comp["score"], -np.inf)
        kth = -np.partition(-sc_mat, min(k, sc_mat.shape[1]) - 1, axis=1)[
            :, min(k, sc_mat.shape[1]) - 1
        ]
        keep = comp["score"] >= kth[cl]
        idx = np.nonzero(keep)[0]
        vpos = self.slot_v[s[cand[idx]]]
        order = np.lexsort((vpos, comp["deadhead_m"][idx], -comp["score"][idx], cl[idx]))
        idx, vpos = idx[order], vpos[order]
        ls = cl[idx]
        rank = np.arange(ls.size) - np.searchsorted(ls, ls, side="left") + 1
        top = rank <= k
        idx, vpos, rank = idx[top], vpos[top], rank[top]
        cols = {
            "load_id": loads["load_id"].to_numpy()[cl[idx]],
            "vehicle_id": self.vehicle_ids[vpos],
            "rank": rank.astype(np.int32),
            **{c: comp[c][idx] for c in PAIR_COLUMNS[3:]},
        }
        return pl.DataFrame(cols, schema_overrides={"load_id": pl.Int64, "vehicle_id": pl.Int64})
