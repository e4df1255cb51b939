//! The match score of a vehicle–load pair: hard filters and explainable soft terms.
//!
//! Hard filters (a pair failing one is never recommended or assigned):
//! vehicle not offline; vehicle type accepted by the load (empty list = any);
//! load weight and volume within the vehicle's capacity; deadhead (empty
//! drive from the vehicle's position to the pickup) at most
//! `max_deadhead_m`; the vehicle, free from `available_from` and driving
//! the deadhead at its type's speed profile, reaches the pickup by
//! `pickup_end`, and (starting no earlier than `pickup_start`) delivers by
//! `delivery_deadline`.
//!
//! Soft terms, each reported as a component:
//!
//! | component     | range     | meaning |
//! |---------------|-----------|---------|
//! | `expertise`   | [0, 1)    | route expertise for the load's lane ([`super::expertise`]) |
//! | `backhaul`    | [0, 1]    | max of homeward progress (share of the load's length that brings the vehicle closer to its home base) and the share of its activity that starts near the load's destination |
//! | `deadhead_m`  | metres    | empty drive to the pickup |
//! | `utilization` | (0, 1]    | max(weight / capacity kg, volume / capacity L) |
//! | `rating`      | stars     | Bayesian-smoothed rating minus the prior mean (0 for a vehicle without ratings) |
//! | `price`       | [-1, 1]   | price per km driven (loaded + deadhead) over the type's operating cost per km, minus 1, clipped |
//!
//! `score = w_e·expertise + w_b·backhaul − w_d·deadhead_m/100 km + w_u·utilization + w_r·rating + w_p·price`.

use super::expertise::{ExpertiseIndex, Origins};
use super::grid::{morton_key, PointGrid, UnitVec};
use crate::error::{CoreError, CoreResult};
use crate::geo::{check_coords, SpeedProfile};

/// Score weights (all finite and `>= 0`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub expertise: f64,
    pub backhaul: f64,
    /// Penalty per 100 km of deadhead.
    pub deadhead_per_100km: f64,
    pub utilization: f64,
    /// Per star above the prior mean.
    pub rating: f64,
    pub price: f64,
}

impl Weights {
    /// Validate every weight: finite and non-negative.
    pub fn new(
        expertise: f64,
        backhaul: f64,
        deadhead_per_100km: f64,
        utilization: f64,
        rating: f64,
        price: f64,
    ) -> CoreResult<Self> {
        for (name, v) in [
            ("expertise", expertise),
            ("backhaul", backhaul),
            ("deadhead_per_100km", deadhead_per_100km),
            ("utilization", utilization),
            ("rating", rating),
            ("price", price),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(CoreError::invalid(
                    format!("weights.{name}"),
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
        }
        Ok(Weights {
            expertise,
            backhaul,
            deadhead_per_100km,
            utilization,
            rating,
            price,
        })
    }
}

/// Scoring parameters other than weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreParams {
    /// Largest deadhead considered, in metres.
    pub max_deadhead_m: i64,
    /// Road distance / great-circle distance.
    pub circuity: f64,
    /// Mean rating assumed before any rating (stars).
    pub rating_prior_mean: f64,
    /// Weight of the prior, in ratings.
    pub rating_prior_count: f64,
    /// Cached [`ScoreParams::max_chord2`].
    max_chord2: f64,
}

impl ScoreParams {
    /// Validate the parameters.
    pub fn new(
        max_deadhead_m: i64,
        circuity: f64,
        rating_prior_mean: f64,
        rating_prior_count: f64,
    ) -> CoreResult<Self> {
        if max_deadhead_m <= 0 {
            return Err(CoreError::invalid(
                "max_deadhead_m",
                format!("must be > 0, got {max_deadhead_m}"),
            ));
        }
        if !(circuity.is_finite() && circuity >= 1.0) {
            return Err(CoreError::invalid(
                "circuity",
                format!("must be >= 1, got {circuity}"),
            ));
        }
        if !(rating_prior_mean.is_finite() && (0.0..=5.0).contains(&rating_prior_mean)) {
            return Err(CoreError::invalid(
                "rating_prior_mean",
                format!("must be in [0, 5], got {rating_prior_mean}"),
            ));
        }
        if !(rating_prior_count.is_finite() && rating_prior_count >= 0.0) {
            return Err(CoreError::invalid(
                "rating_prior_count",
                format!("must be finite and >= 0, got {rating_prior_count}"),
            ));
        }
        let arc = (max_deadhead_m as f64 + 1.0) / (crate::geo::EARTH_RADIUS_M * circuity);
        let chord = 2.0 * (0.5 * arc.min(std::f64::consts::PI)).sin();
        Ok(ScoreParams {
            max_deadhead_m,
            circuity,
            rating_prior_mean,
            rating_prior_count,
            max_chord2: chord * chord * (1.0 + 1e-9),
        })
    }

    /// Squared unit-sphere chord beyond which a pair is certainly over
    /// `max_deadhead_m` (a cheap pre-check before the exact distance).
    #[inline]
    pub fn max_chord2(&self) -> f64 {
        self.max_chord2
    }

    /// Great-circle radius that contains every pair within `max_deadhead_m` of road.
    pub fn search_radius_m(&self) -> f64 {
        self.max_deadhead_m as f64 / self.circuity + 1.0
    }
}

/// A vehicle type: speed profile and operating cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VehicleType {
    pub profile: SpeedProfile,
    pub cost_per_km_fen: f64,
}

/// The fleet's state as parallel arrays (one entry per vehicle).
#[derive(Clone, Copy, Debug)]
pub struct FleetArrays<'a> {
    pub lat: &'a [f64],
    pub lon: &'a [f64],
    pub home_lat: &'a [f64],
    pub home_lon: &'a [f64],
    pub capacity_kg: &'a [i64],
    pub capacity_l: &'a [i64],
    /// Index into the vehicle types.
    pub vehicle_type: &'a [u8],
    pub available_from: &'a [i64],
    pub rating: &'a [f64],
    pub rating_count: &'a [i64],
    pub offline: &'a [bool],
}

/// One vehicle's fields, stored as an array of structs in grid order so a
/// spatial query scans memory linearly. The fields candidate filtering reads
/// come first (one cache line); the rest are read only for exact scoring.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Vehicle {
    pub pos: UnitVec,
    pub capacity_kg: i64,
    pub capacity_l: i64,
    /// Rating component: smoothed rating minus prior mean (stars).
    pub rating_term: f64,
    /// Index in the caller's vehicle arrays.
    pub index: u32,
    pub vehicle_type: u8,
    pub offline: bool,
    /// Position in the fleet's slot order.
    pub slot: u32,
    pub home: UnitVec,
    pub available_from: i64,
    pub lat: f64,
    pub lon: f64,
}

/// What a batch query reads of a vehicle with expertise for its lane before
/// bounding it (its distance cut, the hard filters without a distance, the
/// score bound), by vehicle index: one cache line per vehicle, where the
/// fleet's slot order costs a position lookup, a slot lookup and a record
/// spread over two lines. A batch builds the table once ([`Fleet::probes`]);
/// the live fleet keeps none, so its updates cost what they did.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
pub struct Probe {
    pub pos: UnitVec,
    pub capacity_kg: i64,
    pub capacity_l: i64,
    pub rating_term: f64,
    pub slot: u32,
    pub vehicle_type: u8,
    pub offline: bool,
}

impl Probe {
    fn of(v: &Vehicle) -> Self {
        Probe {
            pos: v.pos,
            capacity_kg: v.capacity_kg,
            capacity_l: v.capacity_l,
            rating_term: v.rating_term,
            slot: v.slot,
            vehicle_type: v.vehicle_type,
            offline: v.offline,
        }
    }
}

/// Most vehicles in one [`Block`].
pub const BLOCK: usize = 16;

/// Up to [`BLOCK`] consecutive fleet slots of one cell and one vehicle type
/// (so in capacity order, then close together in space), with what bounds
/// the score of any of them for a load without a single per-vehicle read: a
/// ball holding their positions, their smallest volume capacity and their
/// best rating term. A load's query bounds whole blocks first and looks
/// inside only those that could beat its current top `k`.
#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub start: u32,
    pub end: u32,
    pub vehicle_type: u8,
    pub center: UnitVec,
    /// Chord (unit sphere) from `center` that contains every position.
    pub radius: f64,
    pub min_capacity_l: i64,
    pub max_rating_term: f64,
}

/// The fleet, validated and indexed by position.
#[derive(Clone, Debug)]
pub struct Fleet {
    /// Vehicles that are not offline in `grid` slot order, then the offline ones.
    vehicles: Vec<Vehicle>,
    /// Slot in `vehicles` of each vehicle index.
    slot_of: Vec<u32>,
    /// Position of each vehicle index (a compact copy for distance cuts).
    pos_of: Vec<UnitVec>,
    /// The blocks of the grid's cells, in slot order.
    blocks: Vec<Block>,
    /// Index in `blocks` of the block starting at each slot of a vehicle
    /// that is not offline (meaningful where a block starts).
    block_at: Vec<u32>,
    /// Positions of vehicles that are not offline.
    grid: PointGrid,
    /// Origin profiles in slot order (copied from the expertise index by
    /// [`Fleet::attach_origins`], so a query reads them near the vehicles).
    origins: Vec<Origins>,
}

/// `InvalidInput` naming the first column (and row) holding a value `<= 0`.
fn check_positive(cols: &[(&str, &[i64])]) -> CoreResult<()> {
    for &(f, col) in cols {
        if let Some(i) = col.iter().position(|&c| c <= 0) {
            return Err(CoreError::invalid_at(
                f,
                i,
                format!("must be > 0, got {}", col[i]),
            ));
        }
    }
    Ok(())
}

fn check_len(field: &str, len: usize, n: usize) -> CoreResult<()> {
    if len != n {
        return Err(CoreError::invalid(
            field,
            format!("has {len} values, expected {n}"),
        ));
    }
    Ok(())
}

impl Fleet {
    /// Validate and index the fleet.
    ///
    /// # Errors
    /// `InvalidInput` on arrays of different lengths, invalid coordinates,
    /// non-positive capacities, unknown type indices, ratings outside [0, 5]
    /// or negative rating counts.
    pub fn new(a: &FleetArrays<'_>, n_types: usize, params: &ScoreParams) -> CoreResult<Self> {
        let n = a.lat.len();
        validate_fleet(a, n_types)?;
        let active = (0..n as u32).filter(|&i| !a.offline[i as usize]);
        // Within a cell: by type, then by capacity (kg) descending, so a query
        // visits only the accepted types' vehicles that can carry the load;
        // equal capacities in Z-order, so a block of them is compact.
        let order = |i: u32| {
            let i = i as usize;
            (
                a.vehicle_type[i],
                std::cmp::Reverse(a.capacity_kg[i]),
                morton_key(a.lat[i], a.lon[i]),
            )
        };
        let grid = PointGrid::build_by(a.lat, a.lon, active, cell_m(params), order);
        let mut vehicles: Vec<Vehicle> = grid
            .items()
            .iter()
            .map(|&i| vehicle_record(a, i as usize, i, params))
            .collect();
        vehicles.extend(
            (0..n)
                .filter(|&i| a.offline[i])
                .map(|i| vehicle_record(a, i, i as u32, params)),
        );
        let (slot_of, pos_of) = index_vehicles(&mut vehicles, n);
        let (blocks, block_at) = make_blocks(&vehicles, &grid);
        Ok(Fleet {
            vehicles,
            slot_of,
            pos_of,
            blocks,
            block_at,
            grid,
            origins: Vec::new(),
        })
    }

    /// This fleet with some vehicles changed and new ones added, equal in every
    /// field to [`Fleet::new`] over the whole updated arrays followed by
    /// [`Fleet::attach_origins`] with `index`, at a cost in proportion to the
    /// change: only the cells a changed vehicle leaves or enters are re-sorted
    /// and re-blocked; the others are copied as they are (slots shifted).
    ///
    /// `rows[j]` is the vehicle index that row `j` of `a` describes: an index
    /// of this fleet (its new state) or a new vehicle; the new ones must be
    /// exactly `len()..len() + m`, each once (in any order).
    ///
    /// # Errors
    /// `InvalidInput` on a repeated or out-of-range index, invalid rows (as
    /// [`Fleet::new`], positions counted in `a`), or an `index` profiling
    /// fewer vehicles than the updated fleet has.
    pub fn with_changes(
        &self,
        rows: &[u32],
        a: &FleetArrays<'_>,
        n_types: usize,
        params: &ScoreParams,
        index: &ExpertiseIndex,
    ) -> CoreResult<Fleet> {
        check_len("rows", a.lat.len(), rows.len())?;
        validate_fleet(a, n_types)?;
        let n_old = self.len();
        let mut row_of: Vec<u32> = vec![u32::MAX; n_old + rows.len()];
        for (j, &i) in rows.iter().enumerate() {
            let i = i as usize;
            if i >= row_of.len() || row_of[i] != u32::MAX {
                return Err(CoreError::invalid_at(
                    "rows",
                    j,
                    format!("vehicle index {i} repeated or out of range"),
                ));
            }
            row_of[i] = j as u32;
        }
        let n = n_old + rows.iter().filter(|&&i| i as usize >= n_old).count();
        if row_of[n..].iter().any(|&r| r != u32::MAX) || row_of[n_old..n].contains(&u32::MAX) {
            return Err(CoreError::invalid(
                "rows",
                format!("new vehicles must be indices {n_old}..{n}, each once"),
            ));
        }
        row_of.truncate(n);
        if index.n_vehicles() < n {
            return Err(CoreError::invalid(
                "profiles",
                format!("profile {} vehicles, fleet has {n}", index.n_vehicles()),
            ));
        }
        // the profiles attached to this fleet are reused (else attached at the end)
        let reuse = self.origins.len() == n_old;
        let grid = &self.grid;
        let changed = |i: u32| (i as usize) >= n_old || row_of[i as usize] != u32::MAX;
        // The changed vehicles' new records (active ones keyed by their new cell).
        let mut entering: Vec<(u64, Vehicle)> = Vec::new();
        let mut offline_new: Vec<Vehicle> = Vec::new();
        let mut affected: Vec<u64> = Vec::new();
        for (j, &i) in rows.iter().enumerate() {
            if (i as usize) < n_old {
                let old = self.vehicle(i as usize);
                if !old.offline {
                    affected.push(grid.cell_key(old.lat, old.lon));
                }
            }
            let v = vehicle_record(a, j, i, params);
            if v.offline {
                offline_new.push(v);
            } else {
                let key = grid.cell_key(v.lat, v.lon);
                affected.push(key);
                entering.push((key, v));
            }
        }
        affected.sort_unstable();
        affected.dedup();
        entering.sort_unstable_by_key(|&(key, v)| (key, slot_order(&v), v.index));
        offline_new.sort_unstable_by_key(|v| v.index);
        // Old cells in key (= slot) order, merged with the cells vehicles enter.
        let mut old_cells: Vec<(u64, u32, u32)> = grid.cells().collect();
        old_cells.sort_unstable_by_key(|&(_, s, _)| s);
        let mut keys: Vec<u64> = old_cells.iter().map(|c| c.0).collect();
        keys.extend(entering.iter().map(|e| e.0));
        keys.sort_unstable();
        keys.dedup();
        let n_active_old = grid.len();
        let mut vehicles: Vec<Vehicle> = Vec::with_capacity(n);
        let mut origins: Vec<Origins> = Vec::with_capacity(n);
        let mut blocks: Vec<Block> = Vec::with_capacity(self.blocks.len() + 2 * affected.len());
        let mut cells: Vec<(u64, u32, u32)> = Vec::with_capacity(keys.len());
        let (mut oc, mut en) = (0usize, 0usize);
        for key in keys {
            let old = match old_cells.get(oc) {
                Some(&(k, s, e)) if k == key => {
                    oc += 1;
                    Some((s as usize, e as usize))
                }
                _ => None,
            };
            let start = vehicles.len();
            if affected.binary_search(&key).is_err() {
                let (s, e) = old.expect("an unaffected cell is an old cell");
                vehicles.extend_from_slice(&self.vehicles[s..e]);
                if reuse {
                    origins.extend_from_slice(&self.origins[s..e]);
                }
                let shift = start as i64 - s as i64;
                let mut bi = self.block_at[s] as usize;
                while let Some(b) = self.blocks.get(bi) {
                    if b.start as usize >= e {
                        break;
                    }
                    blocks.push(Block {
                        start: (b.start as i64 + shift) as u32,
                        end: (b.end as i64 + shift) as u32,
                        ..*b
                    });
                    bi += 1;
                }
            } else {
                // The cell's unchanged vehicles keep their order: merge the
                // entering ones (sorted) into it, each key computed once.
                let from = en;
                while en < entering.len() && entering[en].0 == key {
                    en += 1;
                }
                let mut enter = entering[from..en].iter().map(|e| e.1).peekable();
                let mut stay = old
                    .map_or(&[][..], |(s, e)| &self.vehicles[s..e])
                    .iter()
                    .filter(|v| !changed(v.index))
                    .map(|v| ((slot_order(v), v.index), *v))
                    .peekable();
                let mut enter_key = enter.peek().map(|v| (slot_order(v), v.index));
                loop {
                    let take_stay = match (stay.peek(), enter_key) {
                        (Some((k, _)), Some(ek)) => *k < ek,
                        (Some(_), None) => true,
                        (None, Some(_)) => false,
                        (None, None) => break,
                    };
                    if take_stay {
                        vehicles.push(stay.next().expect("peeked").1);
                    } else {
                        vehicles.push(enter.next().expect("peeked"));
                        enter_key = enter.peek().map(|v| (slot_order(v), v.index));
                    }
                }
                if vehicles.len() == start {
                    continue;
                }
                let members = &vehicles[start..];
                if reuse {
                    origins.extend(members.iter().map(|v| *index.origins_of(v.index as usize)));
                }
                cut_blocks(&vehicles, start, vehicles.len(), &mut blocks);
            }
            cells.push((key, start as u32, vehicles.len() as u32));
        }
        // Offline vehicles after the active ones, by index.
        let n_active = vehicles.len();
        let mut kept = self.vehicles[n_active_old..]
            .iter()
            .filter(|v| !changed(v.index))
            .peekable();
        let mut fresh = offline_new.into_iter().peekable();
        loop {
            let take_kept = match (kept.peek(), fresh.peek()) {
                (Some(k), Some(f)) => k.index < f.index,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let v = if take_kept {
                *kept.next().expect("peeked")
            } else {
                fresh.next().expect("peeked")
            };
            if reuse {
                origins.push(*index.origins_of(v.index as usize));
            }
            vehicles.push(v);
        }
        let (slot_of, pos_of) = index_vehicles(&mut vehicles, n);
        let mut block_at = vec![0u32; n_active];
        for (bi, b) in blocks.iter().enumerate() {
            block_at[b.start as usize] = bi as u32;
        }
        let items = vehicles[..n_active].iter().map(|v| v.index).collect();
        let mut fleet = Fleet {
            grid: grid.with_cells(cells, items),
            vehicles,
            slot_of,
            pos_of,
            blocks,
            block_at,
            origins,
        };
        if !reuse {
            fleet.attach_origins(index)?;
        }
        Ok(fleet)
    }

    /// Number of vehicles.
    pub fn len(&self) -> usize {
        self.vehicles.len()
    }

    /// True if the fleet is empty.
    pub fn is_empty(&self) -> bool {
        self.vehicles.is_empty()
    }

    /// Copy the origin profiles of `index` (built for this fleet) next to the
    /// vehicles; call again after the profiles change. The index may profile
    /// more vehicles than the fleet has (spare slots for vehicles joining
    /// later, without lanes); those are not read.
    ///
    /// # Errors
    /// `InvalidInput` if `index` profiles fewer vehicles than the fleet has.
    pub fn attach_origins(&mut self, index: &ExpertiseIndex) -> CoreResult<()> {
        if index.n_vehicles() < self.len() {
            return Err(CoreError::invalid(
                "profiles",
                format!(
                    "profile {} vehicles, fleet has {}",
                    index.n_vehicles(),
                    self.len()
                ),
            ));
        }
        self.origins = self
            .vehicles
            .iter()
            .map(|v| *index.origins_of(v.index as usize))
            .collect();
        Ok(())
    }

    /// Vehicle `v` (an index in the caller's arrays).
    #[inline]
    pub fn vehicle(&self, v: usize) -> &Vehicle {
        &self.vehicles[self.slot_of[v] as usize]
    }

    /// The vehicle in fleet slot `slot` (see [`Vehicle::slot`]).
    #[inline]
    pub fn at_slot(&self, slot: usize) -> &Vehicle {
        &self.vehicles[slot]
    }

    /// Call `f` with every non-offline vehicle in the cells near a point (a
    /// superset of those within `radius_m`) that is of a type in `type_mask`
    /// (0 = any) and has at least `min_capacity_kg`: each cell's vehicles are
    /// sorted by type and capacity, so the others are cut by binary search,
    /// never visited.
    pub fn for_each_near_fitting(
        &self,
        lat: f64,
        lon: f64,
        radius_m: f64,
        type_mask: u64,
        min_capacity_kg: i64,
        mut f: impl FnMut(&Vehicle),
    ) {
        self.grid
            .for_each_cell_slots_near(lat, lon, radius_m, |a, b| {
                let mut cell = &self.vehicles[a..b];
                while let Some(first) = cell.first() {
                    let t = first.vehicle_type;
                    let end = cell.partition_point(|v| v.vehicle_type == t);
                    let (run, rest) = cell.split_at(end);
                    if type_mask == 0 || type_mask & (1u64 << t) != 0 {
                        let fit = run.partition_point(|v| v.capacity_kg >= min_capacity_kg);
                        run[..fit].iter().for_each(&mut f);
                    }
                    cell = rest;
                }
            });
    }

    /// Call `f(index, block, fit)` with every block in the cells near a point (a
    /// superset of those within `radius_m`) that is of a type in `type_mask`
    /// (0 = any) and has a vehicle of at least `min_capacity_kg`: its
    /// vehicles that can carry that are the slots `block.start..fit` (a
    /// type's blocks in a cell run in capacity order, so the first block
    /// without one ends the type's run).
    pub fn for_each_block_near(
        &self,
        lat: f64,
        lon: f64,
        radius_m: f64,
        type_mask: u64,
        min_capacity_kg: i64,
        mut f: impl FnMut(usize, &Block, usize),
    ) {
        self.grid
            .for_each_cell_slots_near(lat, lon, radius_m, |a, b| {
                let mut bi = self.block_at[a] as usize;
                let mut skip_type: Option<u8> = None;
                while let Some(blk) = self.blocks.get(bi) {
                    if blk.start as usize >= b {
                        break;
                    }
                    bi += 1;
                    let t = blk.vehicle_type;
                    if skip_type == Some(t) || (type_mask != 0 && type_mask & (1u64 << t) == 0) {
                        continue;
                    }
                    let (s, e) = (blk.start as usize, blk.end as usize);
                    if self.vehicles[s].capacity_kg < min_capacity_kg {
                        skip_type = Some(t);
                        continue;
                    }
                    let fit = if self.vehicles[e - 1].capacity_kg >= min_capacity_kg {
                        e
                    } else {
                        s + self.vehicles[s..e]
                            .partition_point(|v| v.capacity_kg >= min_capacity_kg)
                    };
                    f(bi - 1, blk, fit);
                }
            });
    }

    /// Block `b` (see [`Fleet::for_each_block_near`]).
    #[inline]
    pub fn block(&self, b: usize) -> &Block {
        &self.blocks[b]
    }

    /// Every vehicle's [`Probe`], by index (a table for one batch).
    pub fn probes(&self) -> Vec<Probe> {
        let mut probes = vec![Probe::default(); self.slot_of.len()];
        for v in &self.vehicles {
            probes[v.index as usize] = Probe::of(v);
        }
        probes
    }

    /// True if vehicle `v` (an index) is certainly farther than the chord
    /// `sqrt(max_chord2)` (unit sphere) from `p`: a cut on a compact array.
    #[inline]
    pub fn beyond(&self, v: usize, p: &UnitVec, max_chord2: f64) -> bool {
        self.pos_of[v].chord2(p) > max_chord2
    }

    /// Call `f` with every non-offline vehicle in the cells near a point (a
    /// superset of those within `radius_m`), scanning contiguous records.
    pub fn for_each_near(&self, lat: f64, lon: f64, radius_m: f64, mut f: impl FnMut(&Vehicle)) {
        self.grid
            .for_each_slot_near(lat, lon, radius_m, |slot| f(&self.vehicles[slot]));
    }
}

/// Number the slots of `vehicles`; each vehicle index's slot and position.
fn index_vehicles(vehicles: &mut [Vehicle], n: usize) -> (Vec<u32>, Vec<UnitVec>) {
    let mut slot_of = vec![0u32; n];
    let mut pos_of = vec![UnitVec::default(); n];
    for (slot, v) in vehicles.iter_mut().enumerate() {
        v.slot = slot as u32;
        slot_of[v.index as usize] = slot as u32;
        pos_of[v.index as usize] = v.pos;
    }
    (slot_of, pos_of)
}

/// Cell size of the fleet's position grid.
fn cell_m(params: &ScoreParams) -> f64 {
    (params.search_radius_m() / 3.0).max(5_000.0)
}

/// Order of a cell's vehicles (then by index): type, capacity (kg)
/// descending, Z-order of the position.
#[inline]
fn slot_order(v: &Vehicle) -> (u8, std::cmp::Reverse<i64>, u32) {
    (
        v.vehicle_type,
        std::cmp::Reverse(v.capacity_kg),
        morton_key(v.lat, v.lon),
    )
}

/// Check the fleet arrays (lengths, coordinates, capacities, types, ratings).
fn validate_fleet(a: &FleetArrays<'_>, n_types: usize) -> CoreResult<()> {
    let n = a.lat.len();
    for (f, len) in [
        ("vehicles.lon", a.lon.len()),
        ("vehicles.home_lat", a.home_lat.len()),
        ("vehicles.home_lon", a.home_lon.len()),
        ("vehicles.capacity_kg", a.capacity_kg.len()),
        ("vehicles.capacity_l", a.capacity_l.len()),
        ("vehicles.vehicle_type", a.vehicle_type.len()),
        ("vehicles.available_from", a.available_from.len()),
        ("vehicles.rating", a.rating.len()),
        ("vehicles.rating_count", a.rating_count.len()),
        ("vehicles.offline", a.offline.len()),
    ] {
        check_len(f, len, n)?;
    }
    if n >= u32::MAX as usize {
        return Err(CoreError::invalid("vehicles", "too many vehicles"));
    }
    check_coords("vehicles.position", a.lat, a.lon)?;
    check_coords("vehicles.home", a.home_lat, a.home_lon)?;
    check_positive(&[
        ("vehicles.capacity_kg", a.capacity_kg),
        ("vehicles.capacity_l", a.capacity_l),
    ])?;
    if let Some(i) = a.vehicle_type.iter().position(|&t| t as usize >= n_types) {
        return Err(CoreError::invalid_at(
            "vehicles.vehicle_type",
            i,
            format!("type index {} is not < {n_types}", a.vehicle_type[i]),
        ));
    }
    if let Some(i) = a
        .rating
        .iter()
        .position(|r| !(r.is_finite() && (0.0..=5.0).contains(r)))
    {
        return Err(CoreError::invalid_at(
            "vehicles.rating",
            i,
            format!("{} not in [0, 5]", a.rating[i]),
        ));
    }
    if let Some(i) = a.rating_count.iter().position(|&c| c < 0) {
        return Err(CoreError::invalid_at(
            "vehicles.rating_count",
            i,
            "must be >= 0",
        ));
    }
    Ok(())
}

/// The record of row `i` of `a`, as vehicle `index` (slot not set).
fn vehicle_record(a: &FleetArrays<'_>, i: usize, index: u32, params: &ScoreParams) -> Vehicle {
    let (m, mu) = (params.rating_prior_count, params.rating_prior_mean);
    let c = a.rating_count[i] as f64;
    let rating_term = if c + m > 0.0 {
        (c * a.rating[i] + m * mu) / (c + m) - mu
    } else {
        0.0
    };
    Vehicle {
        pos: UnitVec::from_deg(a.lat[i], a.lon[i]),
        home: UnitVec::from_deg(a.home_lat[i], a.home_lon[i]),
        lat: a.lat[i],
        lon: a.lon[i],
        capacity_kg: a.capacity_kg[i],
        capacity_l: a.capacity_l[i],
        available_from: a.available_from[i],
        rating_term,
        index,
        slot: 0,
        vehicle_type: a.vehicle_type[i],
        offline: a.offline[i],
    }
}

/// Cut each cell's slots into [`Block`]s: runs of one type, at most [`BLOCK`] long.
fn make_blocks(vehicles: &[Vehicle], grid: &PointGrid) -> (Vec<Block>, Vec<u32>) {
    let mut cells: Vec<(usize, usize)> = grid.cell_slots().collect();
    cells.sort_unstable();
    let mut blocks = Vec::with_capacity(grid.len() / BLOCK * 2 + cells.len());
    for (a, b) in cells {
        cut_blocks(vehicles, a, b, &mut blocks);
    }
    let mut block_at = vec![0u32; grid.len()];
    for (bi, blk) in blocks.iter().enumerate() {
        block_at[blk.start as usize] = bi as u32;
    }
    (blocks, block_at)
}

/// Append the blocks of the cell of slots `a..b` to `blocks`.
fn cut_blocks(vehicles: &[Vehicle], a: usize, b: usize, blocks: &mut Vec<Block>) {
    let mut s = a;
    while s < b {
        let t = vehicles[s].vehicle_type;
        let mut e = s + 1;
        while e < b && e - s < BLOCK && vehicles[e].vehicle_type == t {
            e += 1;
        }
        let run = &vehicles[s..e];
        let (center, radius) = UnitVec::ball(run.iter().map(|v| v.pos));
        blocks.push(Block {
            start: s as u32,
            end: e as u32,
            vehicle_type: t,
            center,
            radius,
            min_capacity_l: run.iter().map(|v| v.capacity_l).min().unwrap_or(1),
            max_rating_term: run
                .iter()
                .map(|v| v.rating_term)
                .fold(f64::NEG_INFINITY, f64::max),
        });
        s = e;
    }
}

/// Open loads as parallel arrays.
#[derive(Clone, Copy, Debug)]
pub struct LoadArrays<'a> {
    pub origin_lat: &'a [f64],
    pub origin_lon: &'a [f64],
    pub dest_lat: &'a [f64],
    pub dest_lon: &'a [f64],
    pub weight_kg: &'a [i64],
    pub volume_l: &'a [i64],
    /// Bit `t` set = vehicle type `t` accepted; 0 = any type.
    pub type_mask: &'a [u64],
    pub pickup_start: &'a [i64],
    pub pickup_end: &'a [i64],
    pub delivery_deadline: &'a [i64],
    pub price_fen: &'a [i64],
}

/// Loads, validated and indexed by pickup.
#[derive(Clone, Debug)]
pub struct Loads {
    pub origin_lat: Vec<f64>,
    pub origin_lon: Vec<f64>,
    origin: Vec<UnitVec>,
    pub dest_lat: Vec<f64>,
    pub dest_lon: Vec<f64>,
    dest: Vec<UnitVec>,
    pub weight_kg: Vec<i64>,
    pub volume_l: Vec<i64>,
    pub type_mask: Vec<u64>,
    pub pickup_start: Vec<i64>,
    pub pickup_end: Vec<i64>,
    pub delivery_deadline: Vec<i64>,
    pub price_fen: Vec<i64>,
    /// Loaded distance, pickup to delivery, in metres.
    pub load_m: Vec<i64>,
    grid: PointGrid,
}

impl Loads {
    /// Validate and index the loads.
    ///
    /// # Errors
    /// `InvalidInput` on arrays of different lengths, invalid coordinates,
    /// non-positive weight or volume, negative price, or inverted windows.
    pub fn new(a: &LoadArrays<'_>, params: &ScoreParams) -> CoreResult<Self> {
        let n = a.origin_lat.len();
        for (f, len) in [
            ("loads.origin_lon", a.origin_lon.len()),
            ("loads.dest_lat", a.dest_lat.len()),
            ("loads.dest_lon", a.dest_lon.len()),
            ("loads.weight_kg", a.weight_kg.len()),
            ("loads.volume_l", a.volume_l.len()),
            ("loads.type_mask", a.type_mask.len()),
            ("loads.pickup_start", a.pickup_start.len()),
            ("loads.pickup_end", a.pickup_end.len()),
            ("loads.delivery_deadline", a.delivery_deadline.len()),
            ("loads.price_fen", a.price_fen.len()),
        ] {
            check_len(f, len, n)?;
        }
        if n >= u32::MAX as usize {
            return Err(CoreError::invalid("loads", "too many loads"));
        }
        check_coords("loads.origin", a.origin_lat, a.origin_lon)?;
        check_coords("loads.dest", a.dest_lat, a.dest_lon)?;
        check_positive(&[
            ("loads.weight_kg", a.weight_kg),
            ("loads.volume_l", a.volume_l),
        ])?;
        if let Some(i) = a.price_fen.iter().position(|&c| c < 0) {
            return Err(CoreError::invalid_at("loads.price_fen", i, "must be >= 0"));
        }
        for i in 0..n {
            if a.pickup_start[i] > a.pickup_end[i] || a.pickup_end[i] > a.delivery_deadline[i] {
                return Err(CoreError::invalid_at(
                    "loads.pickup_end",
                    i,
                    "windows must satisfy pickup_start <= pickup_end <= delivery_deadline",
                ));
            }
        }
        let origin: Vec<UnitVec> = a
            .origin_lat
            .iter()
            .zip(a.origin_lon)
            .map(|(&la, &lo)| UnitVec::from_deg(la, lo))
            .collect();
        let dest: Vec<UnitVec> = a
            .dest_lat
            .iter()
            .zip(a.dest_lon)
            .map(|(&la, &lo)| UnitVec::from_deg(la, lo))
            .collect();
        let load_m = origin
            .iter()
            .zip(&dest)
            .map(|(o, d)| o.road_m(d, params.circuity))
            .collect();
        let cell = (params.search_radius_m() / 3.0).max(5_000.0);
        let grid = PointGrid::build(a.origin_lat, a.origin_lon, 0..n as u32, cell);
        Ok(Loads {
            origin_lat: a.origin_lat.to_vec(),
            origin_lon: a.origin_lon.to_vec(),
            origin,
            dest_lat: a.dest_lat.to_vec(),
            dest_lon: a.dest_lon.to_vec(),
            dest,
            weight_kg: a.weight_kg.to_vec(),
            volume_l: a.volume_l.to_vec(),
            type_mask: a.type_mask.to_vec(),
            pickup_start: a.pickup_start.to_vec(),
            pickup_end: a.pickup_end.to_vec(),
            delivery_deadline: a.delivery_deadline.to_vec(),
            price_fen: a.price_fen.to_vec(),
            load_m,
            grid,
        })
    }

    /// Number of loads.
    pub fn len(&self) -> usize {
        self.origin_lat.len()
    }

    /// True if there are no loads.
    pub fn is_empty(&self) -> bool {
        self.origin_lat.is_empty()
    }

    /// The pickup of load `l` as a unit vector.
    #[inline]
    pub fn origin(&self, l: usize) -> &UnitVec {
        &self.origin[l]
    }

    /// Call `f` with every load whose pickup is in the cells near a point.
    pub fn for_each_near(&self, lat: f64, lon: f64, radius_m: f64, f: impl FnMut(u32)) {
        self.grid.for_each_near(lat, lon, radius_m, f);
    }
}

/// Why a pair fails the hard filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reject {
    Offline = 1,
    VehicleType = 2,
    Capacity = 3,
    TooFar = 4,
    Late = 5,
}

impl Reject {
    /// Every reject code, in code order.
    pub const ALL: [Reject; 5] = [
        Reject::Offline,
        Reject::VehicleType,
        Reject::Capacity,
        Reject::TooFar,
        Reject::Late,
    ];

    /// Why the pair is rejected, for people (`engine.matching.REJECT_REASONS`).
    pub fn reason(self) -> &'static str {
        match self {
            Reject::Offline => "vehicle offline",
            Reject::VehicleType => "vehicle type not accepted",
            Reject::Capacity => "over capacity (weight or volume)",
            Reject::TooFar => "deadhead over max_deadhead_km",
            Reject::Late => "cannot reach pickup by pickup_end or deliver by delivery_deadline",
        }
    }
}

/// The explained score of a feasible pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Components {
    pub score: f64,
    pub expertise: f64,
    pub backhaul: f64,
    pub deadhead_m: i64,
    /// When the vehicle reaches the pickup (Unix s), before any wait for `pickup_start`.
    pub arrival: i64,
    pub utilization: f64,
    pub rating: f64,
    pub price: f64,
}

/// A load's constants for the bounds of many candidate vehicles.
#[derive(Clone, Copy, Debug)]
pub struct LoadBounds {
    load_m: f64,
    price_fen: f64,
    weight_kg: f64,
    volume_l: f64,
}

/// Everything needed to score pairs.
pub struct Scorer<'a> {
    pub fleet: &'a Fleet,
    pub types: &'a [VehicleType],
    pub expertise: &'a ExpertiseIndex,
    pub weights: Weights,
    pub params: ScoreParams,
}

impl Scorer<'_> {
    /// Cheap filters that need no distance: status, type and capacity.
    #[inline]
    pub fn prefilter(h: &Vehicle, loads: &Loads, l: usize) -> Result<(), Reject> {
        if h.offline {
            return Err(Reject::Offline);
        }
        let mask = loads.type_mask[l];
        if mask != 0 && mask & (1u64 << h.vehicle_type) == 0 {
            return Err(Reject::VehicleType);
        }
        if loads.weight_kg[l] > h.capacity_kg || loads.volume_l[l] > h.capacity_l {
            return Err(Reject::Capacity);
        }
        Ok(())
    }

    /// [`Scorer::prefilter`] from a vehicle's [`Probe`], without a branch:
    /// true if it passes.
    #[inline]
    pub fn passes(h: &Probe, loads: &Loads, l: usize) -> bool {
        let mask = loads.type_mask[l];
        !h.offline
            & ((mask == 0) | (mask & (1u64 << h.vehicle_type) != 0))
            & (loads.weight_kg[l] <= h.capacity_kg)
            & (loads.volume_l[l] <= h.capacity_l)
    }

    /// Score a pair that passed [`Scorer::prefilter`], given its raw
    /// expertise (the backhaul credit is computed here).
    pub fn score(
        &self,
        h: &Vehicle,
        loads: &Loads,
        l: usize,
        expertise_raw: f64,
    ) -> Result<Components, Reject> {
        let c = self.params.circuity;
        if h.pos.chord2(&loads.origin[l]) > self.params.max_chord2() {
            return Err(Reject::TooFar);
        }
        let deadhead_m = h.pos.road_m(&loads.origin[l], c);
        if deadhead_m > self.params.max_deadhead_m {
            return Err(Reject::TooFar);
        }
        let vt = &self.types[h.vehicle_type as usize];
        let arrival = h.available_from + vt.profile.seconds(deadhead_m as f64);
        if arrival > loads.pickup_end[l] {
            return Err(Reject::Late);
        }
        let load_m = loads.load_m[l];
        let delivered = arrival.max(loads.pickup_start[l]) + vt.profile.seconds(load_m as f64);
        if delivered > loads.delivery_deadline[l] {
            return Err(Reject::Late);
        }
        let expertise = self.expertise.squash(expertise_raw);
        let home_o = h.home.road_m(&loads.origin[l], c) as f64;
        let home_d = h.home.road_m(&loads.dest[l], c) as f64;
        let homeward = ((home_o - home_d) / (load_m.max(1) as f64)).clamp(0.0, 1.0);
        let (dl, dn) = (loads.dest_lat[l], loads.dest_lon[l]);
        let lanes = match self.fleet.origins.get(h.slot as usize) {
            Some(o) => self.expertise.backhaul_from(o, dl, dn),
            None => self.expertise.backhaul_lanes(h.index as usize, dl, dn),
        };
        let backhaul = homeward.max(lanes.min(1.0));
        let utilization = (loads.weight_kg[l] as f64 / h.capacity_kg as f64)
            .max(loads.volume_l[l] as f64 / h.capacity_l as f64);
        let rating = h.rating_term;
        let km = ((load_m + deadhead_m) as f64 / 1000.0).max(1.0);
        let price = if vt.cost_per_km_fen > 0.0 {
            (loads.price_fen[l] as f64 / km / vt.cost_per_km_fen - 1.0).clamp(-1.0, 1.0)
        } else {
            1.0
        };
        let w = &self.weights;
        let score = w.expertise * expertise + w.backhaul * backhaul
            - w.deadhead_per_100km * deadhead_m as f64 / 100_000.0
            + w.utilization * utilization
            + w.rating * rating
            + w.price * price;
        Ok(Components {
            score,
            expertise,
            backhaul,
            deadhead_m,
            arrival,
            utilization,
            rating,
            price,
        })
    }

    /// Per-load constants of [`Scorer::bounds_with`].
    #[inline]
    pub fn load_bounds(&self, loads: &Loads, l: usize) -> LoadBounds {
        LoadBounds {
            load_m: loads.load_m[l] as f64,
            price_fen: loads.price_fen[l] as f64,
            weight_kg: loads.weight_kg[l] as f64,
            volume_l: loads.volume_l[l] as f64,
        }
    }

    /// Cheap bounds for a pair that passed [`Scorer::prefilter`], without
    /// trigonometry: an upper bound on its score (backhaul taken as 1, price
    /// margin at the deadhead's lower bound) and a lower bound on its deadhead
    /// in metres (from the chord, which is shorter than the arc).
    #[inline]
    pub fn bounds(&self, h: &Vehicle, loads: &Loads, l: usize, expertise_raw: f64) -> (f64, f64) {
        self.bounds_with(&self.load_bounds(loads, l), h, loads, l, expertise_raw)
    }

    /// [`Scorer::bounds`] with the load's constants computed once.
    #[inline]
    pub fn bounds_with(
        &self,
        lb: &LoadBounds,
        h: &Vehicle,
        loads: &Loads,
        l: usize,
        expertise_raw: f64,
    ) -> (f64, f64) {
        self.bounds_probe(lb, &Probe::of(h), loads, l, expertise_raw)
    }

    /// [`Scorer::bounds_with`] from a vehicle's [`Probe`] (the same values).
    #[inline]
    pub fn bounds_probe(
        &self,
        lb: &LoadBounds,
        h: &Probe,
        loads: &Loads,
        l: usize,
        expertise_raw: f64,
    ) -> (f64, f64) {
        let chord = h.pos.chord2(&loads.origin[l]).sqrt();
        let dh_lb = (chord * crate::geo::EARTH_RADIUS_M * self.params.circuity - 0.5).max(0.0);
        let utilization =
            (lb.weight_kg / h.capacity_kg as f64).max(lb.volume_l / h.capacity_l as f64);
        let ub = self.bound_terms(
            lb,
            dh_lb,
            utilization,
            h.vehicle_type,
            h.rating_term,
            expertise_raw,
        );
        (ub, dh_lb)
    }

    /// The score's upper bound from bounds of its inputs: a lower bound on the
    /// deadhead (metres), an upper bound on utilization, the vehicle type, an
    /// upper bound on the rating term and the raw expertise.
    #[inline]
    fn bound_terms(
        &self,
        lb: &LoadBounds,
        dh_lb: f64,
        utilization: f64,
        vehicle_type: u8,
        rating_term: f64,
        expertise_raw: f64,
    ) -> f64 {
        // km driven is at least (loaded + lower-bound deadhead); price falls with km.
        let km = ((lb.load_m + dh_lb) / 1000.0).max(1.0);
        let cost = self.types[vehicle_type as usize].cost_per_km_fen;
        let price_ub = if cost > 0.0 {
            (lb.price_fen / km / cost - 1.0).clamp(-1.0, 1.0)
        } else {
            1.0
        };
        let w = &self.weights;
        w.expertise * self.expertise.squash(expertise_raw) + w.backhaul
            - w.deadhead_per_100km * dh_lb / 100_000.0
            + w.utilization * utilization
            + w.rating * rating_term
            + w.price * price_ub
    }

    /// Bounds for every vehicle of `b` among its first `fit - b.start` (those
    /// that can carry the load's weight) that passes [`Scorer::prefilter`] and
    /// has no expertise for the load: an upper bound on each one's
    /// [`Scorer::bounds_with`] score bound and a lower bound on its deadhead
    /// bound (metres), from the block's ball, the smallest capacities and the
    /// best rating term. The same arithmetic as [`Scorer::bounds_with`], term
    /// by term at a bound of each input (every step is monotone).
    #[inline]
    pub fn block_bounds(
        &self,
        lb: &LoadBounds,
        b: &Block,
        fit: usize,
        loads: &Loads,
        l: usize,
    ) -> (f64, f64) {
        let chord = (b.center.chord2(&loads.origin[l]).sqrt() - b.radius).max(0.0);
        // A micrometre below the members' bound, for rounding.
        let dh_lb =
            (chord * crate::geo::EARTH_RADIUS_M * self.params.circuity - 0.5 - 1e-6).max(0.0);
        let min_kg = self.fleet.vehicles[fit - 1].capacity_kg as f64;
        let utilization =
            (lb.weight_kg / min_kg).max((lb.volume_l / b.min_capacity_l as f64).min(1.0));
        let ub = self.bound_terms(
            lb,
            dh_lb,
            utilization,
            b.vehicle_type,
            b.max_rating_term,
            0.0,
        );
        (ub, dh_lb)
    }

    /// Score vehicle `v` (an index) for load `l` with the per-vehicle profile
    /// view: every hard filter, then every component.
    pub fn score_direct(&self, v: usize, loads: &Loads, l: usize) -> Result<Components, Reject> {
        let h = self.fleet.vehicle(v);
        Self::prefilter(h, loads, l)?;
        let e = self.expertise.expertise_raw(
            v,
            loads.origin_lat[l],
            loads.origin_lon[l],
            loads.dest_lat[l],
            loads.dest_lon[l],
        );
        self.score(h, loads, l, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::assignment::tests::Rng;
    use crate::matching::expertise::{ExpertiseParams, Trips};

    /// Owned fleet arrays.
    #[derive(Clone)]
    struct Arrays {
        lat: Vec<f64>,
        lon: Vec<f64>,
        hlat: Vec<f64>,
        hlon: Vec<f64>,
        kg: Vec<i64>,
        l: Vec<i64>,
        t: Vec<u8>,
        avail: Vec<i64>,
        rating: Vec<f64>,
        count: Vec<i64>,
        off: Vec<bool>,
    }

    impl Arrays {
        fn view(&self) -> FleetArrays<'_> {
            FleetArrays {
                lat: &self.lat,
                lon: &self.lon,
                home_lat: &self.hlat,
                home_lon: &self.hlon,
                capacity_kg: &self.kg,
                capacity_l: &self.l,
                vehicle_type: &self.t,
                available_from: &self.avail,
                rating: &self.rating,
                rating_count: &self.count,
                offline: &self.off,
            }
        }

        fn push_random(&mut self, rng: &mut Rng) {
            let u = |rng: &mut Rng, lo: f64, hi: f64| {
                lo + (hi - lo) * (rng.next() >> 11) as f64 / (1u64 << 53) as f64
            };
            self.lat.push(u(rng, 29.0, 33.0));
            self.lon.push(u(rng, 117.0, 122.0));
            self.hlat.push(u(rng, 29.0, 33.0));
            self.hlon.push(u(rng, 117.0, 122.0));
            // few capacities: many equal-capacity runs (ties broken by position, index)
            let kg = 2_000 + 1_000 * rng.below(4) as i64;
            self.kg.push(kg);
            self.l.push(kg * 4 - rng.below(3) as i64 * 100);
            self.t.push(rng.below(3) as u8);
            self.avail.push(rng.below(3) as i64 * 3_600);
            self.rating.push(u(rng, 3.0, 5.0));
            self.count.push(rng.below(30) as i64);
            self.off.push(rng.below(8) == 0);
        }

        /// Row `i` as a one-row set of arrays (appended to `out`).
        fn copy_row(&self, i: usize, out: &mut Arrays) {
            out.lat.push(self.lat[i]);
            out.lon.push(self.lon[i]);
            out.hlat.push(self.hlat[i]);
            out.hlon.push(self.hlon[i]);
            out.kg.push(self.kg[i]);
            out.l.push(self.l[i]);
            out.t.push(self.t[i]);
            out.avail.push(self.avail[i]);
            out.rating.push(self.rating[i]);
            out.count.push(self.count[i]);
            out.off.push(self.off[i]);
        }

        fn empty() -> Arrays {
            Arrays {
                lat: vec![],
                lon: vec![],
                hlat: vec![],
                hlon: vec![],
                kg: vec![],
                l: vec![],
                t: vec![],
                avail: vec![],
                rating: vec![],
                count: vec![],
                off: vec![],
            }
        }
    }

    /// Every field of two fleets equal (bit for bit: via `Debug`).
    fn assert_same(a: &Fleet, b: &Fleet) {
        assert_eq!(format!("{:?}", a.vehicles), format!("{:?}", b.vehicles));
        assert_eq!(a.slot_of, b.slot_of);
        assert_eq!(format!("{:?}", a.pos_of), format!("{:?}", b.pos_of));
        assert_eq!(format!("{:?}", a.blocks), format!("{:?}", b.blocks));
        assert_eq!(a.block_at, b.block_at);
        assert_eq!(a.grid.items(), b.grid.items());
        let cells = |f: &Fleet| {
            let mut c: Vec<(u64, u32, u32)> = f.grid.cells().collect();
            c.sort_unstable();
            c
        };
        assert_eq!(cells(a), cells(b));
        assert_eq!(format!("{:?}", a.origins), format!("{:?}", b.origins));
    }

    #[test]
    fn incremental_fleet_update_equals_a_full_build() {
        let mut rng = Rng(7);
        let params = ScoreParams::new(60_000, 1.3, 4.5, 10.0).unwrap();
        let mut arr = Arrays::empty();
        let n0 = 3_000;
        for _ in 0..n0 {
            arr.push_random(&mut rng);
        }
        let (mut tv, mut ola, mut olo, mut dla, mut dlo, mut at) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..20_000 {
            let v = rng.below(n0 as u64) as usize;
            tv.push(v as u32);
            ola.push(arr.hlat[v]);
            olo.push(arr.hlon[v]);
            dla.push(31.2 + 0.01 * rng.below(50) as f64);
            dlo.push(121.4 + 0.01 * rng.below(50) as f64);
            at.push(1_000_000 - rng.below(1_000) as i64 * 3_600);
        }
        let trips = Trips {
            vehicle: &tv,
            origin_lat: &ola,
            origin_lon: &olo,
            dest_lat: &dla,
            dest_lon: &dlo,
            completed_at: &at,
        };
        let ep = ExpertiseParams::new(30.0 * 86_400.0, 40_000.0, 2.0).unwrap();
        let mut index = ExpertiseIndex::build(n0, &trips, 1_000_000, ep).unwrap();
        index.extend_vehicles(n0 + 500).unwrap();
        let mut fleet = Fleet::new(&arr.view(), 3, &params).unwrap();
        fleet.attach_origins(&index).unwrap();
        for round in 0..40 {
            let n = arr.lat.len();
            let mut rows: Vec<u32> = Vec::new();
            let mut changes = Arrays::empty();
            let k = [1usize, 5, 40, 300][round % 4];
            for _ in 0..k {
                let i = rng.below(n as u64) as usize;
                if rows.contains(&(i as u32)) {
                    continue;
                }
                match rng.below(6) {
                    // a small move (mostly within its cell)
                    0 | 1 => arr.lat[i] += 0.001 * (rng.below(21) as f64 - 10.0),
                    // a jump across the map
                    2 => {
                        arr.lat[i] = 29.0 + 0.001 * rng.below(4_000) as f64;
                        arr.lon[i] = 117.0 + 0.001 * rng.below(5_000) as f64;
                    }
                    3 => arr.off[i] = !arr.off[i],
                    4 => {
                        arr.kg[i] = 2_000 + 1_000 * rng.below(4) as i64;
                        arr.t[i] = rng.below(3) as u8;
                    }
                    _ => {} // unchanged row, written again
                }
                rows.push(i as u32);
                arr.copy_row(i, &mut changes);
            }
            for j in 0..[0usize, 0, 3, 0][round % 4] {
                arr.push_random(&mut rng);
                rows.push((n + j) as u32);
                arr.copy_row(n + j, &mut changes);
            }
            // new rows in any order
            if rows.len() > 2 {
                let (a, b) = (0, rows.len() - 1);
                rows.swap(a, b);
                let mut swapped = Arrays::empty();
                let order: Vec<usize> = (0..rows.len())
                    .map(|j| {
                        if j == a {
                            b
                        } else if j == b {
                            a
                        } else {
                            j
                        }
                    })
                    .collect();
                for &j in &order {
                    changes.copy_row(j, &mut swapped);
                }
                changes = swapped;
            }
            let next = fleet
                .with_changes(&rows, &changes.view(), 3, &params, &index)
                .unwrap();
            let mut full = Fleet::new(&arr.view(), 3, &params).unwrap();
            full.attach_origins(&index).unwrap();
            assert_same(&next, &full);
            fleet = next;
        }
        // refused: a repeated row, a gap in the new indices
        let one = {
            let mut c = Arrays::empty();
            arr.copy_row(0, &mut c);
            arr.copy_row(0, &mut c);
            c
        };
        let n = fleet.len() as u32;
        assert!(fleet
            .with_changes(&[0, 0], &one.view(), 3, &params, &index)
            .is_err());
        assert!(fleet
            .with_changes(&[0, n + 1], &one.view(), 3, &params, &index)
            .is_err());
    }
}
