//! Route-expertise profiles (擅长线路) learned from completed trips.
//!
//! Each trip adds weight `2^((completed_at - as_of) / half_life)` (recency
//! decay; one trip = one unit of volume) to its vehicle's *lane*: the pair
//! (origin cell, destination cell) of a grid whose cells are `radius_m`
//! across. A lane keeps its decayed weight, its raw trip count and the
//! weighted mean of its trips' origins and destinations.
//!
//! Expertise of a vehicle for a load from `O` to `D` is
//! `raw = Σ_lanes w · K(|O - lane origin|) · K(|D - lane destination|)`
//! with the compact biweight kernel `K` of radius `radius_m`, reported as
//! `raw / (raw + saturation)` in `[0, 1)`. Trips whose origin *and*
//! destination are near the load's count, not only identical city pairs.
//!
//! Backhaul credit uses the vehicle's *origin profile*: its lanes grouped by
//! origin cell, of which the [`TOP_ORIGINS`] heaviest are kept (the starts
//! of its frequent lanes), each with its share of the vehicle's decayed
//! activity. A load ending where the vehicle often starts trips
//! (`Σ share · K(|D - origin|)`, in `[0, 1]`) leaves it where it finds its
//! next load.
//!
//! Two views of the lanes: per vehicle (for vehicle → loads queries, the
//! backhaul credit and explanations) and an inverted index for load →
//! vehicles queries: lanes sorted by the (origin, destination) cells of a
//! finer grid (half the kernel radius), so one query visits only the lanes
//! whose origin cell is near the load's origin and, by binary search within
//! each, whose destination cell is near the load's destination.
//! [`ExpertiseIndex::updated`] (and [`ExpertiseIndex::add_trips`]) merges new
//! trips into the lanes without revisiting old trips: lane weights are stored
//! decayed to an epoch that moves in steps of [`EPOCH_HALF_LIVES`] half-lives,
//! so a later reference time changes one scale factor, not every lane, and
//! only the lanes that gain trips are re-keyed.

use rayon::prelude::*;

use super::grid::{biweight, CellGrid, FxMap, LocalPoint};
use crate::error::{CoreError, CoreResult};
use crate::geo::check_coords;

/// Parameters of the profiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpertiseParams {
    /// Half-life of a trip's weight, in seconds.
    pub half_life_s: f64,
    /// Kernel radius (and grid cell size) for lane endpoints, in metres.
    pub radius_m: f64,
    /// Raw expertise at which the reported expertise is 0.5.
    pub saturation: f64,
}

impl ExpertiseParams {
    /// Validate: all three must be finite and positive.
    pub fn new(half_life_s: f64, radius_m: f64, saturation: f64) -> CoreResult<Self> {
        for (name, v) in [
            ("half_life_s", half_life_s),
            ("radius_m", radius_m),
            ("saturation", saturation),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(CoreError::invalid(
                    name,
                    format!("must be finite and > 0, got {v}"),
                ));
            }
        }
        Ok(ExpertiseParams {
            half_life_s,
            radius_m,
            saturation,
        })
    }
}

/// Trip history as parallel arrays (`vehicle` is a fleet index).
#[derive(Clone, Copy, Debug)]
pub struct Trips<'a> {
    pub vehicle: &'a [u32],
    pub origin_lat: &'a [f64],
    pub origin_lon: &'a [f64],
    pub dest_lat: &'a [f64],
    pub dest_lon: &'a [f64],
    pub completed_at: &'a [i64],
}

impl Trips<'_> {
    fn len(&self) -> usize {
        self.vehicle.len()
    }

    fn validate(&self, n_vehicles: usize) -> CoreResult<()> {
        let n = self.len();
        for (name, len) in [
            ("trips.origin_lat", self.origin_lat.len()),
            ("trips.origin_lon", self.origin_lon.len()),
            ("trips.dest_lat", self.dest_lat.len()),
            ("trips.dest_lon", self.dest_lon.len()),
            ("trips.completed_at", self.completed_at.len()),
        ] {
            if len != n {
                return Err(CoreError::invalid(
                    name,
                    format!("has {len} values, expected {n}"),
                ));
            }
        }
        if let Some(i) = self.vehicle.iter().position(|&v| v as usize >= n_vehicles) {
            return Err(CoreError::invalid_at(
                "trips.vehicle",
                i,
                format!("vehicle index {} is not < {n_vehicles}", self.vehicle[i]),
            ));
        }
        check_coords("trips.origin", self.origin_lat, self.origin_lon)?;
        check_coords("trips.dest", self.dest_lat, self.dest_lon)
    }
}

/// One vehicle's lane: decayed weight, trips and mean endpoints.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lane {
    pub vehicle: u32,
    pub ocell: u64,
    pub dcell: u64,
    /// Decayed weight at the index's epoch (inside the index; at its `as_of`
    /// from [`ExpertiseIndex::lanes_of`]).
    pub w: f64,
    /// Raw number of trips.
    pub trips: u32,
    pub olat: f64,
    pub olon: f64,
    pub dlat: f64,
    pub dlon: f64,
}

impl Lane {
    fn merge(&mut self, o: &Lane) {
        let w = self.w + o.w;
        let (a, b) = if w > 0.0 {
            (self.w / w, o.w / w)
        } else {
            (0.5, 0.5)
        };
        self.olat = a * self.olat + b * o.olat;
        self.olon = a * self.olon + b * o.olon;
        self.dlat = a * self.dlat + b * o.dlat;
        self.dlon = a * self.dlon + b * o.dlon;
        self.w = w;
        self.trips += o.trips;
    }

    fn key(&self) -> (u32, u64, u64) {
        (self.vehicle, self.ocell, self.dcell)
    }
}

/// Compact copy of a lane used by the queries.
#[derive(Clone, Copy, Debug)]
struct Posting {
    vehicle: u32,
    w: f32,
    olat: f32,
    olon: f32,
    dlat: f32,
    dlon: f32,
}

/// Origins kept per vehicle for the backhaul credit.
pub const TOP_ORIGINS: usize = 8;

/// A vehicle's origin profile: its heaviest origins, heaviest first.
pub type Origins = [OriginPosting; TOP_ORIGINS];

/// A vehicle's activity starting in one cell: share of its total weight and mean origin.
#[derive(Clone, Copy, Debug, Default)]
pub struct OriginPosting {
    /// Row of the origin cell (rows far from a query are skipped without arithmetic).
    row: i32,
    share: f32,
    lat: f32,
    lon: f32,
}

/// Per-thread scratch for load → vehicles accumulation.
#[derive(Clone, Debug)]
pub struct Scratch {
    /// Raw expertise per vehicle (zero where untouched).
    pub expertise_raw: Vec<f64>,
    /// The vehicles with a non-zero entry are `touched[..n_touched]`; one
    /// slot per vehicle and a spare, so a branch-free append always has room.
    touched: Vec<u32>,
    n_touched: usize,
    buf: Vec<f32>,
    /// A query's own list of vehicles (kept to reuse its allocation).
    pub near: Vec<u32>,
}

impl Scratch {
    /// Scratch for a fleet of `n` vehicles.
    pub fn new(n: usize) -> Self {
        Scratch {
            expertise_raw: vec![0.0; n],
            touched: vec![0; n + 1],
            n_touched: 0,
            buf: Vec::new(),
            near: Vec::new(),
        }
    }

    /// Add each `terms[i] * scale` to vehicle `vehicles[i]` (terms and
    /// scale `>= 0`), without a branch per term: whether a term is zero and
    /// whether its vehicle is new are unpredictable, so every term is added
    /// (adding 0 leaves a sum as it is) and every vehicle is written at the
    /// end of `touched`, kept only if its entry turns non-zero (each
    /// vehicle at most once: `touched` never overflows).
    #[inline]
    fn add_all(&mut self, vehicles: impl Iterator<Item = u32>, terms: &[f32], scale: f64) {
        let (raw, touched) = (&mut self.expertise_raw, &mut self.touched);
        let mut m = self.n_touched;
        for (v, &t) in vehicles.zip(terms) {
            let e = raw[v as usize];
            let x = e + f64::from(t) * scale;
            touched[m] = v;
            m += usize::from((e == 0.0) & (x > 0.0));
            raw[v as usize] = x;
        }
        self.n_touched = m;
    }

    /// Zero every touched entry.
    pub fn reset(&mut self) {
        for &v in &self.touched[..self.n_touched] {
            self.expertise_raw[v as usize] = 0.0;
        }
        self.n_touched = 0;
    }

    /// Vehicles with a non-zero entry since the last reset.
    pub fn touched(&self) -> &[u32] {
        &self.touched[..self.n_touched]
    }
}

/// Route-expertise profiles of a fleet, with both query views.
#[derive(Clone, Debug)]
pub struct ExpertiseIndex {
    params: ExpertiseParams,
    grid: CellGrid,
    n_vehicles: usize,
    as_of: i64,
    /// Lane weights are stored decayed to this time (see [`EPOCH_HALF_LIVES`]).
    epoch: i64,
    /// Factor from weights at `epoch` to weights at `as_of`.
    scale: f64,
    /// Source of truth, sorted by (vehicle, origin cell, destination cell).
    lanes: Vec<Lane>,
    lane_start: Vec<u32>,
    /// Index cells (half the kernel radius) for the inverted views.
    igrid: CellGrid,
    /// Lanes sorted by (origin index cell, destination index cell) of their means.
    by_pair: Vec<Posting>,
    /// Destination index cell of each `by_pair` entry.
    pair_dkeys: Vec<u64>,
    /// Lane (position in `lanes`) of each `by_pair` entry, for incremental updates.
    pair_lane: Vec<u32>,
    /// Range of `by_pair` per origin index cell.
    /// Per origin index cell: its range of `row_dir`.
    pair_ocells: FxMap<u64, (u32, u32)>,
    /// Per (origin index cell, destination row), sorted by row within each
    /// cell: `(row, start, end)` range of `by_pair`.
    row_dir: Vec<(i64, u32, u32)>,
    /// Each vehicle's heaviest origins (share 0 = unused slot).
    top_origins: Vec<Origins>,
    total_w: Vec<f64>,
    trips: Vec<u32>,
}

fn ranges<K: Copy + Eq + std::hash::Hash>(keys: &[K]) -> FxMap<K, (u32, u32)> {
    let mut map = FxMap::default();
    let mut start = 0usize;
    for e in 1..=keys.len() {
        if e == keys.len() || keys[e] != keys[start] {
            map.insert(keys[start], (start as u32, e as u32));
            start = e;
        }
    }
    map
}

impl ExpertiseIndex {
    /// Build profiles for `n_vehicles` vehicles from `trips`, decayed to `as_of` (Unix s).
    ///
    /// # Errors
    /// `InvalidInput` on arrays of different lengths, invalid coordinates or
    /// vehicle indices out of range.
    pub fn build(
        n_vehicles: usize,
        trips: &Trips<'_>,
        as_of: i64,
        params: ExpertiseParams,
    ) -> CoreResult<Self> {
        if n_vehicles >= u32::MAX as usize {
            return Err(CoreError::invalid("n_vehicles", "too many vehicles"));
        }
        trips.validate(n_vehicles)?;
        let grid = CellGrid::new(params.radius_m);
        let epoch = epoch_for(as_of, params.half_life_s);
        let lanes = aggregate(&grid, n_vehicles, trips, epoch, params.half_life_s);
        let mut idx = ExpertiseIndex {
            params,
            grid,
            n_vehicles,
            as_of,
            epoch,
            scale: scale_of(epoch, as_of, params.half_life_s),
            lanes,
            lane_start: Vec::new(),
            igrid: CellGrid::new(params.radius_m / 2.0),
            by_pair: Vec::new(),
            pair_dkeys: Vec::new(),
            pair_lane: Vec::new(),
            pair_ocells: FxMap::default(),
            row_dir: Vec::new(),
            top_origins: Vec::new(),
            total_w: Vec::new(),
            trips: Vec::new(),
        };
        idx.derive();
        Ok(idx)
    }

    /// Merge newly completed trips. If they end after `as_of`, the reference
    /// time moves forward and older weights decay accordingly. Costs as
    /// [`ExpertiseIndex::updated`], independent of the length of the old history.
    ///
    /// # Errors
    /// As [`ExpertiseIndex::build`].
    pub fn add_trips(&mut self, trips: &Trips<'_>) -> CoreResult<()> {
        *self = self.updated(self.n_vehicles, trips)?;
        Ok(())
    }

    /// Grow the profiles to `n_vehicles` vehicles: the new ones (indices from
    /// the old count on) start with empty profiles (cold starts). Costs
    /// `O(new vehicles)`; give them their trips with [`ExpertiseIndex::add_trips`].
    ///
    /// # Errors
    /// `InvalidInput` if `n_vehicles` is smaller than the current count or too large.
    pub fn extend_vehicles(&mut self, n_vehicles: usize) -> CoreResult<()> {
        if n_vehicles < self.n_vehicles {
            return Err(CoreError::invalid(
                "n_vehicles",
                format!("cannot shrink from {} to {n_vehicles}", self.n_vehicles),
            ));
        }
        if n_vehicles >= u32::MAX as usize {
            return Err(CoreError::invalid("n_vehicles", "too many vehicles"));
        }
        let end = *self.lane_start.last().unwrap_or(&0);
        self.lane_start.resize(n_vehicles + 1, end);
        self.top_origins
            .resize(n_vehicles, [OriginPosting::default(); TOP_ORIGINS]);
        self.total_w.resize(n_vehicles, 0.0);
        self.trips.resize(n_vehicles, 0);
        self.n_vehicles = n_vehicles;
        Ok(())
    }

    /// New profiles: these grown to `n_vehicles` vehicles with `trips` merged
    /// in (the copy-on-write path: this index keeps serving queries while the
    /// next is built). Equal to a full [`ExpertiseIndex::build`] over old and
    /// new trips up to floating-point rounding of the merged lanes, without
    /// re-sorting the inverted index: only the lanes that gain trips are
    /// re-keyed and merged into the kept order, and only the vehicles with new
    /// trips get new totals and origin profiles. Weights are stored relative to
    /// an epoch (see [`EPOCH_HALF_LIVES`]), so a later reference time changes
    /// one scale factor, not every lane. Cost: block copies of the kept arrays
    /// plus `O(t log t)` in the new trips' lanes; once every
    /// [`EPOCH_HALF_LIVES`] half-lives the epoch steps and every lane is
    /// re-weighted and re-indexed.
    ///
    /// # Errors
    /// As [`ExpertiseIndex::extend_vehicles`] and [`ExpertiseIndex::build`].
    pub fn updated(&self, n_vehicles: usize, trips: &Trips<'_>) -> CoreResult<Self> {
        if n_vehicles < self.n_vehicles {
            return Err(CoreError::invalid(
                "n_vehicles",
                format!("cannot shrink from {} to {n_vehicles}", self.n_vehicles),
            ));
        }
        if n_vehicles >= u32::MAX as usize {
            return Err(CoreError::invalid("n_vehicles", "too many vehicles"));
        }
        trips.validate(n_vehicles)?;
        if trips.len() == 0 {
            let mut next = self.clone();
            next.extend_vehicles(n_vehicles)?;
            return Ok(next);
        }
        let hl = self.params.half_life_s;
        let newest = trips
            .completed_at
            .iter()
            .copied()
            .max()
            .unwrap_or(self.as_of);
        let as_of = newest.max(self.as_of);
        let epoch = epoch_for(as_of, hl);
        if epoch != self.epoch {
            // The epoch steps: every lane is re-weighted once, then the trips merge in.
            let mut base = self.clone();
            let f = ((self.epoch - epoch) as f64 / hl).exp2();
            base.lanes.par_iter_mut().for_each(|l| l.w *= f);
            base.epoch = epoch;
            base.as_of = as_of;
            base.scale = scale_of(epoch, as_of, hl);
            base.derive();
            return base.updated(n_vehicles, trips);
        }
        let fresh = aggregate(&self.grid, n_vehicles, trips, epoch, hl);
        let n = n_vehicles;
        let old = &self.lanes;
        let old_n = self.lane_start.len() - 1;

        // Plan: where each fresh lane goes among the old ones (searched within
        // its vehicle's lanes), whether it merges into an old lane, the
        // resulting lane and its new position; per vehicle, its fresh lanes and
        // the new lanes of the vehicles before it (an untouched vehicle's
        // lanes shift by that).
        let mut at: Vec<(u32, bool)> = Vec::with_capacity(fresh.len());
        let mut changed: Vec<(Lane, u32)> = Vec::with_capacity(fresh.len());
        let mut fresh_start = vec![0u32; n + 1];
        let mut added = vec![0u32; n];
        let (mut i, mut merged_before) = (0usize, 0usize);
        for (k, f) in fresh.iter().enumerate() {
            let v = f.vehicle as usize;
            fresh_start[v + 1] += 1;
            let end = if v < old_n {
                self.lane_start[v + 1] as usize
            } else {
                old.len()
            };
            let p = i + old[i..end.max(i)].partition_point(|l| l.key() < f.key());
            let merged = p < old.len() && old[p].key() == f.key();
            let lane = if merged {
                let mut l = old[p];
                l.merge(f);
                l
            } else {
                added[v] += 1;
                *f
            };
            at.push((p as u32, merged));
            changed.push((lane, (p - merged_before + k) as u32));
            i = p + usize::from(merged);
            merged_before += usize::from(merged);
        }
        let mut lane_start = vec![0u32; n + 1];
        let mut added_before = vec![0u32; n];
        let mut extra = 0u32;
        let old_end = *self.lane_start.last().unwrap_or(&0);
        for v in 0..n {
            fresh_start[v + 1] += fresh_start[v];
            added_before[v] = extra;
            extra += added[v];
            let e = if v < old_n {
                self.lane_start[v + 1]
            } else {
                old_end
            };
            lane_start[v + 1] = e + extra;
        }
        let touched: Vec<u32> = (0..n as u32)
            .filter(|&v| fresh_start[v as usize] < fresh_start[v as usize + 1])
            .collect();

        // The lanes (block copies of the kept ones, the changed ones in their
        // places) and the inverted view are built at the same time.
        let build_lanes = || {
            let mut lanes: Vec<Lane> = Vec::with_capacity(old.len() + fresh.len() - merged_before);
            let mut i = 0usize;
            for (&(p, merged), (lane, _)) in at.iter().zip(&changed) {
                lanes.extend_from_slice(&old[i..p as usize]);
                lanes.push(*lane);
                i = p as usize + usize::from(merged);
            }
            lanes.extend_from_slice(&old[i..]);
            lanes
        };
        // Inverted view: the kept entries stay in their order (their keys did
        // not move and lane positions only shift up); the changed lanes are
        // keyed, sorted and merged in. The order equals `derive`'s.
        let build_pairs = || {
            let ig = &self.igrid;
            let mut add: Vec<((u64, u64), u32, Posting)> = changed
                .iter()
                .map(|(l, li)| {
                    let p = posting(l);
                    (
                        (
                            ig.cell(f64::from(p.olat), f64::from(p.olon)),
                            ig.cell(f64::from(p.dlat), f64::from(p.dlon)),
                        ),
                        *li,
                        p,
                    )
                })
                .collect();
            add.sort_unstable_by_key(|&(key, li, _)| (key, li));
            let mut dir_okey = vec![0u64; self.row_dir.len()];
            for (&ok, &(a, b)) in &self.pair_ocells {
                dir_okey[a as usize..b as usize].fill(ok);
            }
            let mut out = PairBuilder::with_capacity(
                self.by_pair.len() + fresh.len() - merged_before,
                self.row_dir.len() + add.len(),
            );
            let mut adds = add.iter().peekable();
            for (&(_, from, to), &ok) in self.row_dir.iter().zip(&dir_okey) {
                for pos in from as usize..to as usize {
                    let v = self.by_pair[pos].vehicle as usize;
                    let o = self.pair_lane[pos];
                    let (f0, f1) = (fresh_start[v] as usize, fresh_start[v + 1] as usize);
                    let mut li = o + added_before[v];
                    if f0 < f1 {
                        // a vehicle with new trips: its new lanes before this one, or this one merged
                        let mut gone = false;
                        for &(p, merged) in &at[f0..f1] {
                            if merged {
                                gone |= p == o;
                            } else if p <= o {
                                li += 1;
                            }
                        }
                        if gone {
                            continue;
                        }
                    }
                    let key = ((ok, self.pair_dkeys[pos]), li);
                    while let Some(&(k, a, p)) = adds.next_if(|x| (x.0, x.1) < key) {
                        out.push(k.0, k.1, a, p);
                    }
                    out.push(ok, key.0 .1, li, self.by_pair[pos]);
                }
            }
            for &(k, a, p) in adds {
                out.push(k.0, k.1, a, p);
            }
            out.finish()
        };
        let (lanes, (by_pair, pair_dkeys, pair_lane, row_dir, dir_cells)) =
            rayon::join(build_lanes, build_pairs);

        // Totals and origin profiles: the vehicles with new trips only.
        let mut total_w = self.total_w.clone();
        let mut trip_counts = self.trips.clone();
        let mut top_origins = self.top_origins.clone();
        total_w.resize(n, 0.0);
        trip_counts.resize(n, 0);
        top_origins.resize(n, [OriginPosting::default(); TOP_ORIGINS]);
        let profiles: Vec<(f64, u32, Origins)> = touched
            .par_iter()
            .map(|&v| {
                let v = v as usize;
                vehicle_profile(&lanes[lane_start[v] as usize..lane_start[v + 1] as usize])
            })
            .collect();
        for (&v, (w, t, top)) in touched.iter().zip(profiles) {
            total_w[v as usize] = w;
            trip_counts[v as usize] = t;
            top_origins[v as usize] = top;
        }
        Ok(ExpertiseIndex {
            params: self.params,
            grid: self.grid.clone(),
            n_vehicles,
            as_of,
            epoch,
            scale: scale_of(epoch, as_of, hl),
            lanes,
            lane_start,
            igrid: self.igrid.clone(),
            by_pair,
            pair_dkeys,
            pair_lane,
            pair_ocells: ranges(&dir_cells),
            row_dir,
            top_origins,
            total_w,
            trips: trip_counts,
        })
    }

    /// Rebuild the query views from `lanes`.
    fn derive(&mut self) {
        let n = self.n_vehicles;
        let lanes = &self.lanes;
        let mut lane_start = vec![0u32; n + 1];
        for l in lanes {
            lane_start[l.vehicle as usize + 1] += 1;
        }
        for v in 0..n {
            lane_start[v + 1] += lane_start[v];
        }
        let ig = &self.igrid;
        let mut order: Vec<((u64, u64), u32)> = lanes
            .par_iter()
            .enumerate()
            .map(|(i, l)| {
                let p = posting(l);
                let oc = ig.cell(f64::from(p.olat), f64::from(p.olon));
                (
                    (oc, ig.cell(f64::from(p.dlat), f64::from(p.dlon))),
                    i as u32,
                )
            })
            .collect();
        order.par_sort_unstable();
        self.by_pair = order
            .par_iter()
            .map(|&(_, i)| posting(&lanes[i as usize]))
            .collect();
        self.pair_dkeys = order.iter().map(|&((_, d), _)| d).collect();
        self.pair_lane = order.iter().map(|&(_, i)| i).collect();
        let rows: Vec<(u64, i64)> = order
            .iter()
            .map(|&((o, d), _)| (o, CellGrid::row_of_key(d)))
            .collect();
        let mut dir_cells: Vec<u64> = Vec::new();
        self.row_dir.clear();
        let mut start = 0usize;
        for e in 1..=rows.len() {
            if e == rows.len() || rows[e] != rows[start] {
                self.row_dir.push((rows[start].1, start as u32, e as u32));
                dir_cells.push(rows[start].0);
                start = e;
            }
        }
        self.pair_ocells = ranges(&dir_cells);

        // Per-vehicle totals and origin profile (each vehicle's TOP_ORIGINS heaviest
        // origins: its frequent lanes' starts).
        let (total_w, trips, top) = vehicle_totals(lanes, &lane_start);
        self.top_origins = top;
        self.lane_start = lane_start;
        self.total_w = total_w;
        self.trips = trips;
    }

    /// The parameters.
    pub fn params(&self) -> ExpertiseParams {
        self.params
    }

    /// Number of vehicles profiled.
    pub fn n_vehicles(&self) -> usize {
        self.n_vehicles
    }

    /// Reference time of the decayed weights.
    pub fn as_of(&self) -> i64 {
        self.as_of
    }

    /// Number of lanes over all vehicles.
    pub fn n_lanes(&self) -> usize {
        self.lanes.len()
    }

    /// Raw trips of vehicle `v` in the profile.
    pub fn trips_of(&self, v: usize) -> u32 {
        self.trips[v]
    }

    /// Decayed total weight of vehicle `v`.
    pub fn weight_of(&self, v: usize) -> f64 {
        self.total_w[v] * self.scale
    }

    /// The lanes of vehicle `v`, weights decayed to `as_of`.
    pub fn lanes_of(&self, v: usize) -> Vec<Lane> {
        self.lanes[self.lane_start[v] as usize..self.lane_start[v + 1] as usize]
            .iter()
            .map(|l| Lane {
                w: l.w * self.scale,
                ..*l
            })
            .collect()
    }

    /// Reported expertise in `[0, 1)` for a raw value.
    #[inline]
    pub fn squash(&self, raw: f64) -> f64 {
        raw / (raw + self.params.saturation)
    }

    /// Raw expertise of vehicle `v` for a load from `(olat, olon)` to `(dlat, dlon)`.
    pub fn expertise_raw(&self, v: usize, olat: f64, olon: f64, dlat: f64, dlon: f64) -> f64 {
        let lanes = &self.lanes[self.lane_start[v] as usize..self.lane_start[v + 1] as usize];
        let q = LaneQuery::new(olat, olon, dlat, dlon, self.params.radius_m);
        lanes
            .iter()
            .map(|l| f64::from(lane_term(&posting(l), &q)) * self.scale)
            .sum()
    }

    /// Backhaul (origin-profile) credit of vehicle `v` for a load ending at `(dlat, dlon)`.
    pub fn backhaul_lanes(&self, v: usize, dlat: f64, dlon: f64) -> f64 {
        self.backhaul_from(&self.top_origins[v], dlat, dlon)
    }

    /// The origin profile of vehicle `v` (for callers that keep a copy next
    /// to other per-vehicle data; see [`ExpertiseIndex::backhaul_from`]).
    pub fn origins_of(&self, v: usize) -> &Origins {
        &self.top_origins[v]
    }

    /// Backhaul (origin-profile) credit of an origin profile for a load ending at `(dlat, dlon)`.
    #[inline]
    pub fn backhaul_from(&self, origins: &Origins, dlat: f64, dlon: f64) -> f64 {
        let r2 = self.params.radius_m * self.params.radius_m;
        let d = LocalPoint::new(dlat, dlon);
        // Rows within the kernel radius, one row of slack each side.
        let dl = self.params.radius_m / super::grid::M_PER_DEG;
        let (r0, r1) = (self.grid.row(dlat - dl) - 1, self.grid.row(dlat + dl) + 1);
        origins
            .iter()
            .filter(|p| p.share > 0.0 && (r0..=r1).contains(&i64::from(p.row)))
            .map(|p| origin_term(p, &d, r2))
            .sum()
    }

    /// Accumulate the raw expertise of every vehicle with a lane near the
    /// load into `s` (same values as [`ExpertiseIndex::expertise_raw`]).
    pub fn accumulate(&self, olat: f64, olon: f64, dlat: f64, dlon: f64, s: &mut Scratch) {
        let r = self.params.radius_m;
        let q = LaneQuery::new(olat, olon, dlat, dlon, r);
        let mut dspans: Vec<(u64, u64)> = Vec::with_capacity(8);
        self.igrid
            .for_each_row_span(dlat, dlon, r, |lo, hi| dspans.push((lo, hi)));
        let (row_lo, row_hi) = (
            CellGrid::row_of_key(dspans[0].0),
            CellGrid::row_of_key(dspans[dspans.len() - 1].0),
        );
        self.igrid.for_each_cell_near(olat, olon, r, |oc| {
            let Some(&(a, b)) = self.pair_ocells.get(&oc) else {
                return;
            };
            let dir = &self.row_dir[a as usize..b as usize];
            let first = dir.partition_point(|&(row, _, _)| row < row_lo);
            for &(row, from, to) in &dir[first..] {
                if row > row_hi {
                    break;
                }
                let (lo, hi) = dspans[(row - row_lo) as usize];
                let (from, to) = (from as usize, to as usize);
                let keys = &self.pair_dkeys[from..to];
                let (a, b) = if keys.len() <= 24 {
                    let a = keys.iter().position(|&k| k >= lo).unwrap_or(keys.len());
                    let b = a + keys[a..]
                        .iter()
                        .position(|&k| k > hi)
                        .unwrap_or(keys.len() - a);
                    (a, b)
                } else {
                    let a = keys.partition_point(|&k| k < lo);
                    (a, a + keys[a..].partition_point(|&k| k <= hi))
                };
                let posts = &self.by_pair[from + a..from + b];
                // Two passes: the kernels vectorize, the scatter is branch-free.
                let mut buf = std::mem::take(&mut s.buf);
                buf.clear();
                buf.extend(posts.iter().map(|p| lane_term(p, &q)));
                s.add_all(posts.iter().map(|p| p.vehicle), &buf, self.scale);
                s.buf = buf;
            }
        });
    }
}

/// A load's endpoints prepared for lane kernels in `f32` (the precision the
/// postings are stored in): the equirectangular scale at each endpoint and
/// `1 / r²`.
#[derive(Clone, Copy, Debug)]
struct LaneQuery {
    olat: f32,
    olon: f32,
    dlat: f32,
    dlon: f32,
    ky: f32,
    kxo: f32,
    kxd: f32,
    inv_r2: f32,
}

impl LaneQuery {
    fn new(olat: f64, olon: f64, dlat: f64, dlon: f64, radius_m: f64) -> Self {
        let m = super::grid::M_PER_DEG;
        LaneQuery {
            olat: olat as f32,
            olon: olon as f32,
            dlat: dlat as f32,
            dlon: dlon as f32,
            ky: m as f32,
            kxo: (m * olat.to_radians().cos()) as f32,
            kxd: (m * dlat.to_radians().cos()) as f32,
            inv_r2: (1.0 / (radius_m * radius_m)) as f32,
        }
    }
}

/// Kernel-weighted lane weight `w · K(origin) · K(destination)`, branch-free
/// (the biweight is `max(1 - d²/r², 0)²`), in `f32`.
#[inline]
fn lane_term(p: &Posting, q: &LaneQuery) -> f32 {
    let (dyo, dxo) = ((p.olat - q.olat) * q.ky, (p.olon - q.olon) * q.kxo);
    let (dyd, dxd) = ((p.dlat - q.dlat) * q.ky, (p.dlon - q.dlon) * q.kxd);
    let ko = (1.0 - (dxo * dxo + dyo * dyo) * q.inv_r2).max(0.0);
    let kd = (1.0 - (dxd * dxd + dyd * dyd) * q.inv_r2).max(0.0);
    p.w * (ko * ko) * (kd * kd)
}

#[inline]
fn origin_term(p: &OriginPosting, d: &LocalPoint, r2: f64) -> f64 {
    f64::from(p.share) * biweight(d.dist2(f64::from(p.lat), f64::from(p.lon)), r2)
}

/// The query copy of a lane (as `derive` makes it).
fn posting(l: &Lane) -> Posting {
    Posting {
        vehicle: l.vehicle,
        w: l.w as f32,
        olat: l.olat as f32,
        olon: l.olon as f32,
        dlat: l.dlat as f32,
        dlon: l.dlon as f32,
    }
}

/// Per vehicle: decayed total weight, trips and origin profile (its TOP_ORIGINS
/// heaviest origin cells), used by `derive`; `lane_start` delimits each vehicle's lanes.
fn vehicle_totals(lanes: &[Lane], lane_start: &[u32]) -> (Vec<f64>, Vec<u32>, Vec<Origins>) {
    let n = lane_start.len() - 1;
    let per: Vec<(f64, u32, Origins)> = (0..n)
        .into_par_iter()
        .with_min_len(256)
        .map(|v| vehicle_profile(&lanes[lane_start[v] as usize..lane_start[v + 1] as usize]))
        .collect();
    let mut total_w = Vec::with_capacity(n);
    let mut trips = Vec::with_capacity(n);
    let mut top = Vec::with_capacity(n);
    for (w, t, o) in per {
        total_w.push(w);
        trips.push(t);
        top.push(o);
    }
    (total_w, trips, top)
}

/// One vehicle's decayed total weight, trips and origin profile, from its
/// lanes (sorted by origin cell): the same for a full build and an update.
fn vehicle_profile(lanes: &[Lane]) -> (f64, u32, Origins) {
    let mut total_w = 0.0f64;
    let mut trips = 0u32;
    for l in lanes {
        total_w += l.w;
        trips += l.trips;
    }
    let mut top = [OriginPosting::default(); TOP_ORIGINS];
    let mut cur: Vec<OriginPosting> = Vec::new();
    let mut i = 0;
    while i < lanes.len() {
        let oc = lanes[i].ocell;
        let (mut w, mut slat, mut slon) = (0.0, 0.0, 0.0);
        while i < lanes.len() && lanes[i].ocell == oc {
            w += lanes[i].w;
            slat += lanes[i].w * lanes[i].olat;
            slon += lanes[i].w * lanes[i].olon;
            i += 1;
        }
        if w > 0.0 && total_w > 0.0 {
            cur.push(OriginPosting {
                row: CellGrid::row_of_key(oc) as i32,
                share: (w / total_w) as f32,
                lat: (slat / w) as f32,
                lon: (slon / w) as f32,
            });
        }
    }
    cur.sort_by(|a, b| b.share.total_cmp(&a.share));
    for (slot, p) in top.iter_mut().zip(&cur) {
        *slot = *p;
    }
    (total_w, trips, top)
}

/// Lane weights are stored decayed to an epoch, a multiple of this many
/// half-lives: a later reference time in the same step changes only the
/// index's scale factor (in `(2^-16, 1]`), and an update re-weights every
/// lane only when the epoch steps. A full build at the same reference time
/// uses the same epoch, so both store the same weights.
pub const EPOCH_HALF_LIVES: f64 = 16.0;

/// The epoch of a reference time `as_of` (see [`EPOCH_HALF_LIVES`]).
fn epoch_for(as_of: i64, half_life_s: f64) -> i64 {
    let step = ((EPOCH_HALF_LIVES * half_life_s) as i64).max(1);
    as_of.div_euclid(step) * step
}

/// Factor from weights decayed to `epoch` to weights decayed to `as_of`.
fn scale_of(epoch: i64, as_of: i64, half_life_s: f64) -> f64 {
    ((epoch - as_of) as f64 / half_life_s).exp2()
}

/// The inverted view in the making: entries pushed in (origin cell,
/// destination cell, lane) order, with the per-row directory built as they come.
struct PairBuilder {
    by_pair: Vec<Posting>,
    pair_dkeys: Vec<u64>,
    pair_lane: Vec<u32>,
    row_dir: Vec<(i64, u32, u32)>,
    dir_cells: Vec<u64>,
    cur: Option<(u64, i64)>,
    start: u32,
}

/// `PairBuilder::finish`'s parts: `by_pair`, `pair_dkeys`, `pair_lane`, `row_dir` and each row's origin cell.
type PairParts = (
    Vec<Posting>,
    Vec<u64>,
    Vec<u32>,
    Vec<(i64, u32, u32)>,
    Vec<u64>,
);

impl PairBuilder {
    fn with_capacity(n: usize, rows: usize) -> Self {
        PairBuilder {
            by_pair: Vec::with_capacity(n),
            pair_dkeys: Vec::with_capacity(n),
            pair_lane: Vec::with_capacity(n),
            row_dir: Vec::with_capacity(rows),
            dir_cells: Vec::with_capacity(rows),
            cur: None,
            start: 0,
        }
    }

    #[inline]
    fn push(&mut self, okey: u64, dkey: u64, lane: u32, p: Posting) {
        let row = CellGrid::row_of_key(dkey);
        if self.cur != Some((okey, row)) {
            self.close();
            self.cur = Some((okey, row));
            self.start = self.by_pair.len() as u32;
        }
        self.by_pair.push(p);
        self.pair_dkeys.push(dkey);
        self.pair_lane.push(lane);
    }

    fn close(&mut self) {
        if let Some((okey, row)) = self.cur {
            self.row_dir
                .push((row, self.start, self.by_pair.len() as u32));
            self.dir_cells.push(okey);
        }
    }

    fn finish(mut self) -> PairParts {
        self.close();
        (
            self.by_pair,
            self.pair_dkeys,
            self.pair_lane,
            self.row_dir,
            self.dir_cells,
        )
    }
}

/// Aggregate trips into lanes sorted by (vehicle, origin cell, destination cell),
/// weights decayed to `epoch`.
fn aggregate(
    grid: &CellGrid,
    n_vehicles: usize,
    t: &Trips<'_>,
    epoch: i64,
    half_life_s: f64,
) -> Vec<Lane> {
    // Counting sort of trip indices by vehicle.
    let mut start = vec![0u32; n_vehicles + 1];
    for &v in t.vehicle {
        start[v as usize + 1] += 1;
    }
    for v in 0..n_vehicles {
        start[v + 1] += start[v];
    }
    let mut fill = start.clone();
    let mut order = vec![0u32; t.len()];
    for (i, &v) in t.vehicle.iter().enumerate() {
        order[fill[v as usize] as usize] = i as u32;
        fill[v as usize] += 1;
    }
    (0..n_vehicles)
        .into_par_iter()
        .with_min_len(64)
        .flat_map_iter(|v| {
            let idx = &order[start[v] as usize..start[v + 1] as usize];
            let mut keyed: Vec<(u64, u64, u32)> = idx
                .iter()
                .map(|&i| {
                    let i = i as usize;
                    (
                        grid.cell(t.origin_lat[i], t.origin_lon[i]),
                        grid.cell(t.dest_lat[i], t.dest_lon[i]),
                        i as u32,
                    )
                })
                .collect();
            keyed.sort_unstable();
            let mut out: Vec<Lane> = Vec::new();
            for (oc, dc, i) in keyed {
                let i = i as usize;
                let w = ((t.completed_at[i] - epoch) as f64 / half_life_s).exp2();
                let lane = Lane {
                    vehicle: v as u32,
                    ocell: oc,
                    dcell: dc,
                    w,
                    trips: 1,
                    olat: t.origin_lat[i],
                    olon: t.origin_lon[i],
                    dlat: t.dest_lat[i],
                    dlon: t.dest_lon[i],
                };
                match out.last_mut() {
                    Some(last) if last.ocell == oc && last.dcell == dc => last.merge(&lane),
                    _ => out.push(lane),
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::assignment::tests::Rng;

    struct OwnedTrips {
        vehicle: Vec<u32>,
        olat: Vec<f64>,
        olon: Vec<f64>,
        dlat: Vec<f64>,
        dlon: Vec<f64>,
        at: Vec<i64>,
    }

    impl OwnedTrips {
        fn view(&self, r: std::ops::Range<usize>) -> Trips<'_> {
            Trips {
                vehicle: &self.vehicle[r.clone()],
                origin_lat: &self.olat[r.clone()],
                origin_lon: &self.olon[r.clone()],
                dest_lat: &self.dlat[r.clone()],
                dest_lon: &self.dlon[r.clone()],
                completed_at: &self.at[r],
            }
        }
    }

    fn jitter(rng: &mut Rng, x: f64, amp: f64) -> f64 {
        x + amp * ((rng.next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
    }

    /// Vehicles run one of a few city pairs with jitter (as the generator does).
    fn random_trips(rng: &mut Rng, n_vehicles: u32, n: usize) -> OwnedTrips {
        let cities = [
            (31.23, 121.47),
            (30.27, 120.15),
            (32.06, 118.80),
            (39.90, 116.40),
            (23.13, 113.26),
        ];
        let mut t = OwnedTrips {
            vehicle: vec![],
            olat: vec![],
            olon: vec![],
            dlat: vec![],
            dlon: vec![],
            at: vec![],
        };
        for _ in 0..n {
            let v = rng.below(u64::from(n_vehicles)) as u32;
            let a = cities[(v as usize + rng.below(2) as usize) % cities.len()];
            let b = cities[(v as usize * 3 + 1 + rng.below(2) as usize) % cities.len()];
            t.vehicle.push(v);
            t.olat.push(jitter(rng, a.0, 0.3));
            t.olon.push(jitter(rng, a.1, 0.3));
            t.dlat.push(jitter(rng, b.0, 0.3));
            t.dlon.push(jitter(rng, b.1, 0.3));
            t.at.push(1_000_000 + rng.below(10_000_000) as i64);
        }
        t
    }

    fn params() -> ExpertiseParams {
        ExpertiseParams::new(30.0 * 86_400.0, 40_000.0, 2.0).unwrap()
    }

    /// Reference: kernel sum over individual trips (no aggregation).
    fn brute(
        t: &OwnedTrips,
        v: u32,
        o: (f64, f64),
        d: (f64, f64),
        as_of: i64,
        p: ExpertiseParams,
    ) -> f64 {
        let r2 = p.radius_m * p.radius_m;
        (0..t.vehicle.len())
            .filter(|&i| t.vehicle[i] == v)
            .map(|i| {
                let w = ((t.at[i] - as_of) as f64 / p.half_life_s).exp2();
                let (o, d) = (LocalPoint::new(o.0, o.1), LocalPoint::new(d.0, d.1));
                w * biweight(o.dist2(t.olat[i], t.olon[i]), r2)
                    * biweight(d.dist2(t.dlat[i], t.dlon[i]), r2)
            })
            .sum()
    }

    #[test]
    fn index_view_equals_per_vehicle_view() {
        let mut rng = Rng(9);
        let t = random_trips(&mut rng, 50, 5_000);
        let idx = ExpertiseIndex::build(50, &t.view(0..5_000), 11_000_000, params()).unwrap();
        let mut s = Scratch::new(50);
        for q in 0..40 {
            let (o, d) = ((t.olat[q], t.olon[q]), (t.dlat[q], t.dlon[q]));
            idx.accumulate(o.0, o.1, d.0, d.1, &mut s);
            for v in 0..50 {
                let e = idx.expertise_raw(v, o.0, o.1, d.0, d.1);
                let b = idx.backhaul_lanes(v, d.0, d.1);
                assert!(
                    (s.expertise_raw[v] - e).abs() <= 1e-9 * (1.0 + e),
                    "v{v}: {} vs {e}",
                    s.expertise_raw[v]
                );
                assert!((0.0..=1.0 + 1e-6).contains(&b));
            }
            s.reset();
            assert!(s.expertise_raw.iter().all(|&x| x == 0.0));
        }
    }

    #[test]
    fn aggregated_expertise_tracks_trip_level_kernel() {
        let mut rng = Rng(5);
        let t = random_trips(&mut rng, 20, 3_000);
        let as_of = 11_000_000;
        let idx = ExpertiseIndex::build(20, &t.view(0..3_000), as_of, params()).unwrap();
        // At a trip's own endpoints the aggregated and exact kernel sums agree
        // closely (means inside a 40 km cell move endpoints by a few km).
        let mut rel = Vec::new();
        for q in 0..60 {
            let v = t.vehicle[q];
            let (o, d) = ((t.olat[q], t.olon[q]), (t.dlat[q], t.dlon[q]));
            let exact = brute(&t, v, o, d, as_of, params());
            let agg = idx.expertise_raw(v as usize, o.0, o.1, d.0, d.1);
            assert!(exact > 0.0);
            rel.push((agg - exact).abs() / exact);
        }
        rel.sort_by(f64::total_cmp);
        assert!(
            rel[rel.len() / 2] < 0.35,
            "median relative error {}",
            rel[rel.len() / 2]
        );
    }

    #[test]
    fn expertise_credits_nearby_lanes_and_decays() {
        // One vehicle, one trip Shanghai → Hangzhou.
        let t = OwnedTrips {
            vehicle: vec![0],
            olat: vec![31.23],
            olon: vec![121.47],
            dlat: vec![30.27],
            dlon: vec![120.15],
            at: vec![1_000],
        };
        let p = params();
        let idx = ExpertiseIndex::build(2, &t.view(0..1), 1_000, p).unwrap();
        let same = idx.expertise_raw(0, 31.23, 121.47, 30.27, 120.15);
        assert!((same - 1.0).abs() < 1e-6);
        let near = idx.expertise_raw(0, 31.33, 121.47, 30.27, 120.25); // ~11 km and ~10 km off
        assert!(near > 0.5 && near < 1.0, "{near}");
        assert_eq!(
            idx.expertise_raw(0, 30.27, 120.15, 31.23, 121.47),
            0.0,
            "reverse lane is another lane"
        );
        assert_eq!(
            idx.expertise_raw(1, 31.23, 121.47, 30.27, 120.15),
            0.0,
            "cold start"
        );
        // Backhaul: a load ending in Shanghai (where the vehicle starts) gets credit.
        assert!((idx.backhaul_lanes(0, 31.23, 121.47) - 1.0).abs() < 1e-6);
        // One half-life later the same trip counts half.
        let idx2 =
            ExpertiseIndex::build(2, &t.view(0..1), 1_000 + p.half_life_s as i64, p).unwrap();
        assert!((idx2.expertise_raw(0, 31.23, 121.47, 30.27, 120.15) - 0.5).abs() < 1e-6);
        assert!((idx.squash(2.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn incremental_equals_full_build() {
        let mut rng = Rng(21);
        let mut t = random_trips(&mut rng, 30, 4_000);
        // Sort by time so the second half is "newer".
        let mut ord: Vec<usize> = (0..4_000).collect();
        ord.sort_by_key(|&i| t.at[i]);
        let perm = |x: &Vec<f64>| ord.iter().map(|&i| x[i]).collect::<Vec<_>>();
        t = OwnedTrips {
            vehicle: ord.iter().map(|&i| t.vehicle[i]).collect(),
            olat: perm(&t.olat),
            olon: perm(&t.olon),
            dlat: perm(&t.dlat),
            dlon: perm(&t.dlon),
            at: ord.iter().map(|&i| t.at[i]).collect(),
        };
        let last = t.at[3_999];
        let full = ExpertiseIndex::build(30, &t.view(0..4_000), last, params()).unwrap();
        let mut inc = ExpertiseIndex::build(30, &t.view(0..2_500), t.at[2_499], params()).unwrap();
        inc.add_trips(&t.view(2_500..4_000)).unwrap();
        assert_eq!(inc.as_of(), full.as_of());
        assert_eq!(inc.n_lanes(), full.n_lanes());
        for (a, b) in inc.lanes.iter().zip(&full.lanes) {
            assert_eq!(a.key(), b.key());
            assert_eq!(a.trips, b.trips);
            assert!((a.w - b.w).abs() <= 1e-9 * b.w.max(1.0));
            assert!((a.olat - b.olat).abs() < 1e-9 && (a.dlon - b.dlon).abs() < 1e-9);
        }
        for v in 0..30 {
            assert_eq!(inc.trips_of(v), full.trips_of(v));
        }
    }

    #[test]
    fn grown_profiles_equal_full_build() {
        let mut rng = Rng(33);
        let t = random_trips(&mut rng, 40, 3_000);
        // Vehicles 30..40 join later, with their own trips.
        let old: Vec<usize> = (0..3_000).filter(|&i| t.vehicle[i] < 30).collect();
        let new: Vec<usize> = (0..3_000).filter(|&i| t.vehicle[i] >= 30).collect();
        let pick = |ix: &[usize]| OwnedTrips {
            vehicle: ix.iter().map(|&i| t.vehicle[i]).collect(),
            olat: ix.iter().map(|&i| t.olat[i]).collect(),
            olon: ix.iter().map(|&i| t.olon[i]).collect(),
            dlat: ix.iter().map(|&i| t.dlat[i]).collect(),
            dlon: ix.iter().map(|&i| t.dlon[i]).collect(),
            at: ix.iter().map(|&i| t.at[i]).collect(),
        };
        let (a, b) = (pick(&old), pick(&new));
        let as_of = 11_000_000;
        let base = ExpertiseIndex::build(30, &a.view(0..a.vehicle.len()), as_of, params()).unwrap();
        let mut cold = base.clone();
        cold.extend_vehicles(40).unwrap();
        assert_eq!(cold.n_vehicles(), 40);
        assert_eq!(cold.trips_of(35), 0);
        assert!(cold.lanes_of(39).is_empty());
        assert_eq!(cold.backhaul_lanes(39, 31.23, 121.47), 0.0);
        let grown = base.updated(40, &b.view(0..b.vehicle.len())).unwrap();
        let full = ExpertiseIndex::build(40, &t.view(0..3_000), as_of, params()).unwrap();
        assert_eq!(base.n_vehicles(), 30, "the original is untouched");
        assert_eq!(grown.n_lanes(), full.n_lanes());
        let mut s = Scratch::new(40);
        for q in 0..30 {
            let (o, d) = ((t.olat[q], t.olon[q]), (t.dlat[q], t.dlon[q]));
            grown.accumulate(o.0, o.1, d.0, d.1, &mut s);
            for v in 0..40 {
                let e = full.expertise_raw(v, o.0, o.1, d.0, d.1);
                assert!((s.expertise_raw[v] - e).abs() <= 1e-6 * (1.0 + e));
                assert_eq!(grown.trips_of(v), full.trips_of(v));
            }
            s.reset();
        }
        assert!(base.updated(20, &b.view(0..0)).is_err());
    }

    /// Every view of `a` equals `b`'s exactly.
    fn assert_same_views(a: &ExpertiseIndex, b: &ExpertiseIndex) {
        assert_eq!(a.lanes, b.lanes);
        assert_eq!((a.as_of, a.epoch, a.scale), (b.as_of, b.epoch, b.scale));
        assert_eq!(a.lane_start, b.lane_start);
        assert_eq!(a.pair_dkeys, b.pair_dkeys);
        assert_eq!(a.pair_lane, b.pair_lane);
        assert_eq!(a.row_dir, b.row_dir);
        assert_eq!(a.pair_ocells.len(), b.pair_ocells.len());
        for (k, r) in &b.pair_ocells {
            assert_eq!(a.pair_ocells.get(k), Some(r));
        }
        assert_eq!(a.total_w, b.total_w);
        assert_eq!(a.trips, b.trips);
        let post = |p: &Posting| (p.vehicle, p.w, p.olat, p.olon, p.dlat, p.dlon);
        assert_eq!(a.by_pair.len(), b.by_pair.len());
        for (x, y) in a.by_pair.iter().zip(&b.by_pair) {
            assert_eq!(post(x), post(y));
        }
        for v in 0..a.n_vehicles {
            let (x, y) = (a.origins_of(v), b.origins_of(v));
            for (x, y) in x.iter().zip(y) {
                assert_eq!(
                    (x.row, x.share, x.lat, x.lon),
                    (y.row, y.share, y.lat, y.lon)
                );
            }
        }
    }

    #[test]
    fn incremental_update_equals_rebuilt_views_and_full_build() {
        let mut rng = Rng(77);
        let t = random_trips(&mut rng, 60, 6_000);
        let mut ord: Vec<usize> = (0..6_000).collect();
        ord.sort_by_key(|&i| t.at[i]);
        let pick = |ix: &[usize]| OwnedTrips {
            vehicle: ix.iter().map(|&i| t.vehicle[i]).collect(),
            olat: ix.iter().map(|&i| t.olat[i]).collect(),
            olon: ix.iter().map(|&i| t.olon[i]).collect(),
            dlat: ix.iter().map(|&i| t.dlat[i]).collect(),
            dlon: ix.iter().map(|&i| t.dlon[i]).collect(),
            at: ix.iter().map(|&i| t.at[i]).collect(),
        };
        let old = pick(&ord[..5_000]);
        // a "day" of newer trips on a few vehicles, plus trips of two new vehicles
        let mut new = pick(&ord[5_000..]);
        new.vehicle.iter_mut().for_each(|v| *v %= 7);
        new.vehicle[0] = 60;
        new.vehicle[1] = 61;
        let p = params();
        let base = ExpertiseIndex::build(60, &old.view(0..5_000), old.at[4_999], p).unwrap();
        let step = (EPOCH_HALF_LIVES * p.half_life_s) as i64;
        // the last case moves the reference time past the next epoch
        let mut late = pick(&ord[5_000..5_200]);
        late.at.iter_mut().for_each(|a| *a += step);
        let cases = [
            (&new, 0..1_000),
            (&new, 2..3),
            (&new, 10..10),
            (&late, 0..200),
        ];
        for (batch, r) in cases {
            let inc = base.updated(62, &batch.view(r.clone())).unwrap();
            // the same lanes, with every view derived from scratch
            let mut rebuilt = inc.clone();
            rebuilt.derive();
            assert_same_views(&inc, &rebuilt);
            // a full build over old and new trips together (lane means and
            // weights up to rounding: trips are summed in another order)
            let all = OwnedTrips {
                vehicle: [&old.vehicle[..], &batch.vehicle[r.clone()]].concat(),
                olat: [&old.olat[..], &batch.olat[r.clone()]].concat(),
                olon: [&old.olon[..], &batch.olon[r.clone()]].concat(),
                dlat: [&old.dlat[..], &batch.dlat[r.clone()]].concat(),
                dlon: [&old.dlon[..], &batch.dlon[r.clone()]].concat(),
                at: [&old.at[..], &batch.at[r.clone()]].concat(),
            };
            let full =
                ExpertiseIndex::build(62, &all.view(0..all.vehicle.len()), inc.as_of(), p).unwrap();
            assert_eq!((inc.epoch, inc.scale), (full.epoch, full.scale));
            assert_eq!(inc.n_lanes(), full.n_lanes());
            for (a, b) in inc.lanes.iter().zip(&full.lanes) {
                assert_eq!((a.key(), a.trips), (b.key(), b.trips));
                assert!((a.w - b.w).abs() <= 1e-12 * b.w.max(1.0));
                assert!((a.olat - b.olat).abs() < 1e-9 && (a.dlon - b.dlon).abs() < 1e-9);
            }
            for v in 0..62 {
                assert_eq!(inc.trips_of(v), full.trips_of(v));
                let (a, b) = (inc.weight_of(v), full.weight_of(v));
                assert!((a - b).abs() <= 1e-12 * b.max(1.0), "{a} {b}");
            }
            let mut s = Scratch::new(62);
            for q in 0..40 {
                let (o, d) = ((t.olat[q], t.olon[q]), (t.dlat[q], t.dlon[q]));
                inc.accumulate(o.0, o.1, d.0, d.1, &mut s);
                for v in 0..62 {
                    let e = full.expertise_raw(v, o.0, o.1, d.0, d.1);
                    assert!((s.expertise_raw[v] - e).abs() <= 1e-6 * (1.0 + e));
                }
                s.reset();
            }
        }
        assert_eq!(base.n_vehicles(), 60, "the original is untouched");
        // a later reference time within the epoch only changes the scale
        let mut one = pick(&ord[5_000..5_001]);
        one.at[0] = base.epoch + step - 1;
        let inc = base.updated(60, &one.view(0..1)).unwrap();
        assert_eq!(inc.epoch, base.epoch);
        assert!(inc.scale < base.scale);
        assert!((inc.weight_of(3) - base.weight_of(3) * inc.scale / base.scale).abs() < 1e-9);
    }

    #[test]
    fn rejects_bad_trips() {
        let t = OwnedTrips {
            vehicle: vec![3],
            olat: vec![31.0],
            olon: vec![121.0],
            dlat: vec![30.0],
            dlon: vec![120.0],
            at: vec![0],
        };
        let err = ExpertiseIndex::build(2, &t.view(0..1), 0, params()).unwrap_err();
        assert!(err.to_string().contains("trips.vehicle"));
        let bad = OwnedTrips {
            olat: vec![f64::NAN],
            vehicle: vec![0],
            ..t
        };
        assert!(ExpertiseIndex::build(2, &bad.view(0..1), 0, params()).is_err());
        assert!(ExpertiseParams::new(0.0, 1.0, 1.0).is_err());
        assert!(ExpertiseParams::new(1.0, f64::NAN, 1.0).is_err());
    }
}
