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
//! [`ExpertiseIndex::add_trips`] merges new trips into the lanes without
//! revisiting old trips.

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
    /// Decayed weight at the index's `as_of`.
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
    touched: Vec<u32>,
    buf: Vec<f32>,
}

impl Scratch {
    /// Scratch for a fleet of `n` vehicles.
    pub fn new(n: usize) -> Self {
        Scratch {
            expertise_raw: vec![0.0; n],
            touched: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// Add `t > 0` to vehicle `v`.
    #[inline]
    fn add(&mut self, v: u32, t: f64) {
        let e = &mut self.expertise_raw[v as usize];
        if *e == 0.0 {
            self.touched.push(v);
        }
        *e += t;
    }

    /// Zero every touched entry.
    pub fn reset(&mut self) {
        for &v in &self.touched {
            self.expertise_raw[v as usize] = 0.0;
        }
        self.touched.clear();
    }

    /// Vehicles with a non-zero entry since the last reset.
    pub fn touched(&self) -> &[u32] {
        &self.touched
    }
}

/// Route-expertise profiles of a fleet, with both query views.
#[derive(Clone, Debug)]
pub struct ExpertiseIndex {
    params: ExpertiseParams,
    grid: CellGrid,
    n_vehicles: usize,
    as_of: i64,
    /// Source of truth, sorted by (vehicle, origin cell, destination cell).
    lanes: Vec<Lane>,
    lane_start: Vec<u32>,
    by_vehicle: Vec<Posting>,
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
        let lanes = aggregate(&grid, n_vehicles, trips, as_of, params.half_life_s);
        let mut idx = ExpertiseIndex {
            params,
            grid,
            n_vehicles,
            as_of,
            lanes,
            lane_start: Vec::new(),
            by_vehicle: Vec::new(),
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
    /// time moves forward and older weights decay accordingly. Costs
    /// `O(new trips + lanes)`, independent of the length of the old history.
    ///
    /// # Errors
    /// As [`ExpertiseIndex::build`].
    pub fn add_trips(&mut self, trips: &Trips<'_>) -> CoreResult<()> {
        trips.validate(self.n_vehicles)?;
        if trips.len() == 0 {
            return Ok(());
        }
        let newest = trips
            .completed_at
            .iter()
            .copied()
            .max()
            .unwrap_or(self.as_of);
        if newest > self.as_of {
            let f = (-((newest - self.as_of) as f64) / self.params.half_life_s).exp2();
            self.lanes.par_iter_mut().for_each(|l| l.w *= f);
            self.as_of = newest;
        }
        let fresh = aggregate(
            &self.grid,
            self.n_vehicles,
            trips,
            self.as_of,
            self.params.half_life_s,
        );
        let old = std::mem::take(&mut self.lanes);
        let mut merged = Vec::with_capacity(old.len() + fresh.len());
        let (mut a, mut b) = (old.into_iter().peekable(), fresh.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => match x.key().cmp(&y.key()) {
                    std::cmp::Ordering::Less => a.next(),
                    std::cmp::Ordering::Greater => b.next(),
                    std::cmp::Ordering::Equal => {
                        let mut l = a.next().expect("peeked");
                        l.merge(&b.next().expect("peeked"));
                        Some(l)
                    }
                },
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            merged.extend(next);
        }
        self.lanes = merged;
        self.derive();
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
    /// next is built). Equal to [`ExpertiseIndex::add_trips`] on a copy, and so
    /// to a full [`ExpertiseIndex::build`] over old and new trips up to
    /// floating-point rounding, but without re-sorting the inverted index:
    /// only the lanes of vehicles with new trips are re-keyed and merged into
    /// the kept order. Cost: `O(lanes)` linear passes (copies, and re-weighting
    /// when the reference time moves) plus `O(t log t)` in the new trips and
    /// the affected vehicles' lanes.
    ///
    /// # Errors
    /// As [`ExpertiseIndex::extend_vehicles`] and [`ExpertiseIndex::add_trips`].
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
        if trips.len() == 0 || self.pair_lane.len() != self.by_pair.len() {
            let mut next = self.clone();
            next.extend_vehicles(n_vehicles)?;
            next.add_trips(trips)?;
            return Ok(next);
        }
        let hl = self.params.half_life_s;
        let newest = trips
            .completed_at
            .iter()
            .copied()
            .max()
            .unwrap_or(self.as_of);
        let (as_of, decay) = if newest > self.as_of {
            (newest, Some((-((newest - self.as_of) as f64) / hl).exp2()))
        } else {
            (self.as_of, None)
        };
        let fresh = aggregate(&self.grid, n_vehicles, trips, as_of, hl);
        let mut touched = vec![false; n_vehicles];
        for l in &fresh {
            touched[l.vehicle as usize] = true;
        }
        // Lanes: the old ones (decayed), fresh ones merged in key order.
        let mut lanes: Vec<Lane> = Vec::with_capacity(self.lanes.len() + fresh.len());
        let mut old_to_new = vec![0u32; self.lanes.len()];
        let mut b = fresh.into_iter().peekable();
        for (i, old) in self.lanes.iter().enumerate() {
            let mut l = *old;
            if let Some(f) = decay {
                l.w *= f;
            }
            while b.peek().is_some_and(|y| y.key() < l.key()) {
                lanes.extend(b.next());
            }
            if b.peek().is_some_and(|y| y.key() == l.key()) {
                l.merge(&b.next().expect("peeked"));
            }
            old_to_new[i] = lanes.len() as u32;
            lanes.push(l);
        }
        lanes.extend(b);

        let mut next = ExpertiseIndex {
            params: self.params,
            grid: self.grid.clone(),
            n_vehicles,
            as_of,
            lanes,
            lane_start: Vec::new(),
            by_vehicle: Vec::new(),
            igrid: self.igrid.clone(),
            by_pair: Vec::new(),
            pair_dkeys: Vec::new(),
            pair_lane: Vec::new(),
            pair_ocells: FxMap::default(),
            row_dir: Vec::new(),
            top_origins: Vec::new(),
            total_w: Vec::new(),
            trips: Vec::new(),
        };
        let n = n_vehicles;
        let mut lane_start = vec![0u32; n + 1];
        for l in &next.lanes {
            lane_start[l.vehicle as usize + 1] += 1;
        }
        for v in 0..n {
            lane_start[v + 1] += lane_start[v];
        }
        next.by_vehicle = next.lanes.par_iter().map(posting).collect();

        // Inverted view: the kept entries stay in their order (their keys did
        // not move and lane positions only shift up); the affected vehicles'
        // lanes are keyed, sorted and merged in. The order equals `derive`'s.
        let ig = &self.igrid;
        let key_of = |li: u32, p: &Posting| {
            (
                (
                    ig.cell(f64::from(p.olat), f64::from(p.olon)),
                    ig.cell(f64::from(p.dlat), f64::from(p.dlon)),
                ),
                li,
            )
        };
        let mut add: Vec<((u64, u64), u32)> = (0..n)
            .filter(|&v| touched[v])
            .flat_map(|v| lane_start[v]..lane_start[v + 1])
            .map(|li| key_of(li, &next.by_vehicle[li as usize]))
            .collect();
        add.sort_unstable();
        let kept: Vec<((u64, u64), u32)> = self
            .by_pair
            .par_iter()
            .zip(self.pair_dkeys.par_iter())
            .zip(self.pair_lane.par_iter())
            .filter(|((p, _), _)| !touched[p.vehicle as usize])
            .map(|((p, &d), &li)| {
                (
                    (ig.cell(f64::from(p.olat), f64::from(p.olon)), d),
                    old_to_new[li as usize],
                )
            })
            .collect();
        let mut order: Vec<((u64, u64), u32)> = Vec::with_capacity(kept.len() + add.len());
        let (mut x, mut y) = (kept.into_iter().peekable(), add.into_iter().peekable());
        loop {
            let item = match (x.peek(), y.peek()) {
                (Some(a), Some(b)) => {
                    if a <= b {
                        x.next()
                    } else {
                        y.next()
                    }
                }
                (Some(_), None) => x.next(),
                (None, Some(_)) => y.next(),
                (None, None) => break,
            };
            order.extend(item);
        }
        next.by_pair = order
            .par_iter()
            .map(|&(_, i)| next.by_vehicle[i as usize])
            .collect();
        next.pair_dkeys = order.iter().map(|&((_, d), _)| d).collect();
        next.pair_lane = order.iter().map(|&(_, i)| i).collect();
        let mut dir_cells: Vec<u64> = Vec::new();
        let mut start = 0usize;
        for e in 1..=order.len() {
            let row = |k: usize| (order[k].0 .0, CellGrid::row_of_key(order[k].0 .1));
            if e == order.len() || row(e) != row(start) {
                next.row_dir.push((row(start).1, start as u32, e as u32));
                dir_cells.push(order[start].0 .0);
                start = e;
            }
        }
        next.pair_ocells = ranges(&dir_cells);
        let (total_w, trips, top) = vehicle_totals(&next.lanes, n);
        next.lane_start = lane_start;
        next.total_w = total_w;
        next.trips = trips;
        next.top_origins = top;
        Ok(next)
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
        self.by_vehicle = lanes.par_iter().map(posting).collect();
        let ig = &self.igrid;
        let mut order: Vec<((u64, u64), u32)> = self
            .by_vehicle
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
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
            .map(|&(_, i)| self.by_vehicle[i as usize])
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
        let (total_w, trips, top) = vehicle_totals(lanes, n);
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
        self.total_w[v]
    }

    /// The lanes of vehicle `v`.
    pub fn lanes_of(&self, v: usize) -> &[Lane] {
        &self.lanes[self.lane_start[v] as usize..self.lane_start[v + 1] as usize]
    }

    /// Reported expertise in `[0, 1)` for a raw value.
    #[inline]
    pub fn squash(&self, raw: f64) -> f64 {
        raw / (raw + self.params.saturation)
    }

    /// Raw expertise of vehicle `v` for a load from `(olat, olon)` to `(dlat, dlon)`.
    pub fn expertise_raw(&self, v: usize, olat: f64, olon: f64, dlat: f64, dlon: f64) -> f64 {
        let posts = &self.by_vehicle[self.lane_start[v] as usize..self.lane_start[v + 1] as usize];
        let q = LaneQuery::new(olat, olon, dlat, dlon, self.params.radius_m);
        posts.iter().map(|p| f64::from(lane_term(p, &q))).sum()
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
                // Two passes: the kernels vectorize, the scatter stays scalar.
                let mut buf = std::mem::take(&mut s.buf);
                buf.clear();
                buf.extend(posts.iter().map(|p| lane_term(p, &q)));
                for (p, &t) in posts.iter().zip(&buf) {
                    if t > 0.0 {
                        s.add(p.vehicle, f64::from(t));
                    }
                }
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
/// heaviest origin cells), used by `derive` and by incremental updates alike.
fn vehicle_totals(lanes: &[Lane], n: usize) -> (Vec<f64>, Vec<u32>, Vec<Origins>) {
    let mut total_w = vec![0.0f64; n];
    let mut trips = vec![0u32; n];
    for l in lanes {
        total_w[l.vehicle as usize] += l.w;
        trips[l.vehicle as usize] += l.trips;
    }
    let mut top = vec![[OriginPosting::default(); TOP_ORIGINS]; n];
    let mut cur: Vec<OriginPosting> = Vec::new();
    let mut i = 0;
    while i < lanes.len() {
        let v = lanes[i].vehicle;
        cur.clear();
        while i < lanes.len() && lanes[i].vehicle == v {
            let oc = lanes[i].ocell;
            let (mut w, mut slat, mut slon) = (0.0, 0.0, 0.0);
            while i < lanes.len() && lanes[i].vehicle == v && lanes[i].ocell == oc {
                w += lanes[i].w;
                slat += lanes[i].w * lanes[i].olat;
                slon += lanes[i].w * lanes[i].olon;
                i += 1;
            }
            let tw = total_w[v as usize];
            if w > 0.0 && tw > 0.0 {
                cur.push(OriginPosting {
                    row: CellGrid::row_of_key(oc) as i32,
                    share: (w / tw) as f32,
                    lat: (slat / w) as f32,
                    lon: (slon / w) as f32,
                });
            }
        }
        cur.sort_by(|a, b| b.share.total_cmp(&a.share));
        for (slot, p) in top[v as usize].iter_mut().zip(&cur) {
            *slot = *p;
        }
    }
    (total_w, trips, top)
}

/// Aggregate trips into lanes sorted by (vehicle, origin cell, destination cell).
fn aggregate(
    grid: &CellGrid,
    n_vehicles: usize,
    t: &Trips<'_>,
    as_of: i64,
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
                let w = ((t.completed_at[i] - as_of) as f64 / half_life_s).exp2();
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

    #[test]
    fn incremental_update_equals_add_trips_exactly() {
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
        let base = ExpertiseIndex::build(60, &old.view(0..5_000), old.at[4_999], params()).unwrap();
        for (lo, hi) in [(0, 1_000), (2, 3), (10, 10)] {
            let inc = base.updated(62, &new.view(lo..hi)).unwrap();
            let mut reference = base.clone();
            reference.extend_vehicles(62).unwrap();
            reference.add_trips(&new.view(lo..hi)).unwrap();
            assert_eq!(inc.lanes, reference.lanes);
            assert_eq!(inc.as_of, reference.as_of);
            assert_eq!(inc.lane_start, reference.lane_start);
            assert_eq!(inc.pair_dkeys, reference.pair_dkeys);
            assert_eq!(inc.pair_lane, reference.pair_lane);
            assert_eq!(inc.row_dir, reference.row_dir);
            assert_eq!(inc.pair_ocells.len(), reference.pair_ocells.len());
            for (k, r) in &reference.pair_ocells {
                assert_eq!(inc.pair_ocells.get(k), Some(r));
            }
            assert_eq!(inc.total_w, reference.total_w);
            assert_eq!(inc.trips, reference.trips);
            for (a, b) in inc.by_pair.iter().zip(&reference.by_pair) {
                assert_eq!(
                    (a.vehicle, a.w, a.olat, a.dlon),
                    (b.vehicle, b.w, b.olat, b.dlon)
                );
            }
            for v in 0..62 {
                let (a, b) = (inc.origins_of(v), reference.origins_of(v));
                for (x, y) in a.iter().zip(b) {
                    assert_eq!(
                        (x.row, x.share, x.lat, x.lon),
                        (y.row, y.share, y.lat, y.lon)
                    );
                }
            }
        }
        assert_eq!(base.n_vehicles(), 60, "the original is untouched");
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
