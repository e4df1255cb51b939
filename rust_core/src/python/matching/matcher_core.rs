//! `MatcherCore`: fleet, vehicle types, weights and route-expertise profiles.
//!
//! The mutable part (fleet state, profiles, weights) sits behind a read/write
//! lock inside the object: queries from any number of threads read it at once,
//! and `set_weights`, `update_fleet` and `add_trips` take it exclusively, so no
//! caller needs a lock of its own. Locks are only taken with the GIL released.

use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use super::load_set::LoadSet;
use super::pairs::{empty_components, flatten, pair_row, PairRow, Pairs};
use super::{to_u32, F64Array, I64Array};
use crate::error::{CoreError, CoreResult};
use crate::geo::SpeedProfile;
use crate::matching::dispatch::{assign, candidate_graph, Method, Objective};
use crate::matching::expertise::{ExpertiseIndex, ExpertiseParams, Scratch, Trips};
use crate::matching::recommend::{
    loads_for_vehicle, loads_for_vehicles, vehicles_for_load, vehicles_for_loads, Query,
};
use crate::matching::scoring::{
    Fleet, FleetArrays, LoadArrays, Loads, ScoreParams, Scorer, VehicleType, Weights,
};
use crate::python::convert::{run_attached, run_detached, slice};

/// Check a single query position and the id array of the other side.
fn check_query(
    field: &str,
    at: i64,
    bound: usize,
    ids: &[i64],
    ids_field: &str,
    n: usize,
) -> CoreResult<usize> {
    let at = to_u32(field, &[at], bound)?[0] as usize;
    if ids.len() != n {
        return Err(CoreError::invalid(
            ids_field,
            format!("must have {n} entries, got {}", ids.len()),
        ));
    }
    Ok(at)
}

/// Trips and decayed weight per vehicle (`profile_totals`).
type Totals<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

/// What updates change: fleet state, route-expertise profiles, weights.
/// Fleet and profiles are shared (`Arc`) with the matchers derived by the
/// copy-on-write methods (`with_fleet`, `with_trips`) until one side changes.
struct State {
    fleet: Arc<Fleet>,
    index: Arc<ExpertiseIndex>,
    weights: Weights,
}

/// Fleet, vehicle types, weights and route-expertise profiles; safe to use
/// from many threads at once (see the module docs).
#[pyclass(module = "engine._core", frozen)]
pub struct MatcherCore {
    types: Vec<VehicleType>,
    params: ScoreParams,
    state: RwLock<State>,
    /// Reusable scratch of single-load queries (one per concurrent caller).
    scratch: Mutex<Vec<Scratch>>,
}

#[allow(clippy::too_many_arguments)]
fn fleet_from<'a, 'py>(
    py: Python<'py>,
    lat: &'a F64Array<'py>,
    lon: &'a F64Array<'py>,
    home_lat: &'a F64Array<'py>,
    home_lon: &'a F64Array<'py>,
    capacity_kg: &'a I64Array<'py>,
    capacity_l: &'a I64Array<'py>,
    vehicle_type: &'a PyReadonlyArray1<'py, u8>,
    available_from: &'a I64Array<'py>,
    rating: &'a F64Array<'py>,
    rating_count: &'a I64Array<'py>,
    offline: &'a PyReadonlyArray1<'py, bool>,
) -> PyResult<FleetArrays<'a>> {
    Ok(FleetArrays {
        lat: slice(py, "lat", lat)?,
        lon: slice(py, "lon", lon)?,
        home_lat: slice(py, "home_lat", home_lat)?,
        home_lon: slice(py, "home_lon", home_lon)?,
        capacity_kg: slice(py, "capacity_kg", capacity_kg)?,
        capacity_l: slice(py, "capacity_l", capacity_l)?,
        vehicle_type: slice(py, "vehicle_type", vehicle_type)?,
        available_from: slice(py, "available_from", available_from)?,
        rating: slice(py, "rating", rating)?,
        rating_count: slice(py, "rating_count", rating_count)?,
        offline: slice(py, "offline", offline)?,
    })
}

/// The profiles with a slot for each of `n` vehicles: shared as they are when
/// they have room (joining vehicles take spare, lane-less slots), else copied
/// once with spare slots for an eighth more (at least 1,024), so the next
/// joining vehicles share the copy.
fn with_room(index: Arc<ExpertiseIndex>, n: usize) -> CoreResult<Arc<ExpertiseIndex>> {
    if n <= index.n_vehicles() {
        return Ok(index);
    }
    let mut grown = (*index).clone();
    grown.extend_vehicles(n + (n / 8).max(1024))?;
    Ok(Arc::new(grown))
}

fn objective(s: &str) -> CoreResult<Objective> {
    Objective::parse(s)
}

fn method(s: &str) -> CoreResult<Method> {
    match s {
        "optimal" => Ok(Method::Optimal),
        "greedy" => Ok(Method::Greedy),
        "nearest" => Ok(Method::Nearest),
        _ => Err(CoreError::invalid(
            "method",
            format!("must be 'optimal', 'greedy' or 'nearest', got {s:?}"),
        )),
    }
}

impl MatcherCore {
    /// The state for reading (call with the GIL released).
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The state for changing (call with the GIL released).
    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn scorer<'a>(&'a self, st: &'a State) -> Scorer<'a> {
        Scorer {
            fleet: &st.fleet,
            types: &self.types,
            expertise: &st.index,
            weights: st.weights,
            params: self.params,
        }
    }

    /// A scratch sized for the fleet, from the pool if one is free.
    fn take_scratch(&self, n: usize) -> Scratch {
        let mut pool = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(s) = pool.pop() {
            if s.expertise_raw.len() == n {
                return s;
            }
        }
        Scratch::new(n)
    }

    /// Return a scratch (left zeroed by the query) to the pool.
    fn give_scratch(&self, s: Scratch) {
        let mut pool = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 64 {
            pool.push(s);
        }
    }

    /// A matcher of the same types and parameters over the given state.
    fn derived(&self, fleet: Arc<Fleet>, index: Arc<ExpertiseIndex>, weights: Weights) -> Self {
        MatcherCore {
            types: self.types.clone(),
            params: self.params,
            state: RwLock::new(State {
                fleet,
                index,
                weights,
            }),
            scratch: Mutex::new(Vec::new()),
        }
    }

    fn check_loads(&self, loads: &LoadSet) -> CoreResult<()> {
        if loads.params != self.params {
            return Err(CoreError::invalid(
                "loads",
                "LoadSet was prepared by another matcher",
            ));
        }
        Ok(())
    }
}

#[pymethods]
impl MatcherCore {
    /// Build the fleet and the route-expertise profiles (GIL released).
    #[new]
    #[pyo3(signature = (
        *, lat, lon, home_lat, home_lon, capacity_kg, capacity_l, vehicle_type, available_from,
        rating, rating_count, offline,
        type_urban_kmh, type_highway_kmh, type_urban_m, type_cost_per_km_fen,
        trip_vehicle, trip_origin_lat, trip_origin_lon, trip_dest_lat, trip_dest_lon, trip_completed_at,
        as_of, half_life_s, lane_radius_m, saturation,
        weights, max_deadhead_m, circuity, rating_prior_mean, rating_prior_count,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new<'py>(
        py: Python<'py>,
        lat: F64Array<'py>,
        lon: F64Array<'py>,
        home_lat: F64Array<'py>,
        home_lon: F64Array<'py>,
        capacity_kg: I64Array<'py>,
        capacity_l: I64Array<'py>,
        vehicle_type: PyReadonlyArray1<'py, u8>,
        available_from: I64Array<'py>,
        rating: F64Array<'py>,
        rating_count: I64Array<'py>,
        offline: PyReadonlyArray1<'py, bool>,
        type_urban_kmh: F64Array<'py>,
        type_highway_kmh: F64Array<'py>,
        type_urban_m: F64Array<'py>,
        type_cost_per_km_fen: F64Array<'py>,
        trip_vehicle: I64Array<'py>,
        trip_origin_lat: F64Array<'py>,
        trip_origin_lon: F64Array<'py>,
        trip_dest_lat: F64Array<'py>,
        trip_dest_lon: F64Array<'py>,
        trip_completed_at: I64Array<'py>,
        as_of: i64,
        half_life_s: f64,
        lane_radius_m: f64,
        saturation: f64,
        weights: [f64; 6],
        max_deadhead_m: i64,
        circuity: f64,
        rating_prior_mean: f64,
        rating_prior_count: f64,
    ) -> PyResult<Self> {
        let fa = fleet_from(
            py,
            &lat,
            &lon,
            &home_lat,
            &home_lon,
            &capacity_kg,
            &capacity_l,
            &vehicle_type,
            &available_from,
            &rating,
            &rating_count,
            &offline,
        )?;
        let (tu, th, tm, tc) = (
            slice(py, "type_urban_kmh", &type_urban_kmh)?,
            slice(py, "type_highway_kmh", &type_highway_kmh)?,
            slice(py, "type_urban_m", &type_urban_m)?,
            slice(py, "type_cost_per_km_fen", &type_cost_per_km_fen)?,
        );
        let tv = slice(py, "trip_vehicle", &trip_vehicle)?;
        let (ola, olo, dla, dlo, at) = (
            slice(py, "trip_origin_lat", &trip_origin_lat)?,
            slice(py, "trip_origin_lon", &trip_origin_lon)?,
            slice(py, "trip_dest_lat", &trip_dest_lat)?,
            slice(py, "trip_dest_lon", &trip_dest_lon)?,
            slice(py, "trip_completed_at", &trip_completed_at)?,
        );
        run_detached(py, || {
            let w = Weights::new(
                weights[0], weights[1], weights[2], weights[3], weights[4], weights[5],
            )?;
            let params = ScoreParams::new(
                max_deadhead_m,
                circuity,
                rating_prior_mean,
                rating_prior_count,
            )?;
            if tu.len() != th.len() || tu.len() != tm.len() || tu.len() != tc.len() || tu.len() > 64
            {
                return Err(CoreError::invalid(
                    "types",
                    "type arrays must have one equal length <= 64",
                ));
            }
            let types = (0..tu.len())
                .map(|t| {
                    if !(tc[t].is_finite() && tc[t] >= 0.0) {
                        return Err(CoreError::invalid(
                            "type_cost_per_km_fen",
                            "must be finite and >= 0",
                        ));
                    }
                    Ok(VehicleType {
                        profile: SpeedProfile::new(tu[t], th[t], tm[t])?,
                        cost_per_km_fen: tc[t],
                    })
                })
                .collect::<CoreResult<Vec<_>>>()?;
            let fleet = Fleet::new(&fa, types.len(), &params)?;
            let tv = to_u32("trips.vehicle", tv, fleet.len())?;
            let trips = Trips {
                vehicle: &tv,
                origin_lat: ola,
                origin_lon: olo,
                dest_lat: dla,
                dest_lon: dlo,
                completed_at: at,
            };
            let ep = ExpertiseParams::new(half_life_s, lane_radius_m, saturation)?;
            let index = ExpertiseIndex::build(fleet.len(), &trips, as_of, ep)?;
            let mut fleet = fleet;
            fleet.attach_origins(&index)?;
            Ok(MatcherCore {
                types,
                params,
                state: RwLock::new(State {
                    fleet: Arc::new(fleet),
                    index: Arc::new(index),
                    weights: w,
                }),
                scratch: Mutex::new(Vec::new()),
            })
        })
    }

    /// Replace the score weights (expertise, backhaul, deadhead per 100 km,
    /// utilization, rating, price).
    fn set_weights(&self, py: Python<'_>, weights: [f64; 6]) -> PyResult<()> {
        run_detached(py, || {
            let w = Weights::new(
                weights[0], weights[1], weights[2], weights[3], weights[4], weights[5],
            )?;
            self.write().weights = w;
            Ok(())
        })
    }

    /// Replace the fleet's state (positions, availability, status, ...); the
    /// number of vehicles must not change (profiles are per vehicle index).
    #[pyo3(signature = (
        *, lat, lon, home_lat, home_lon, capacity_kg, capacity_l, vehicle_type, available_from,
        rating, rating_count, offline,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn update_fleet<'py>(
        &self,
        py: Python<'py>,
        lat: F64Array<'py>,
        lon: F64Array<'py>,
        home_lat: F64Array<'py>,
        home_lon: F64Array<'py>,
        capacity_kg: I64Array<'py>,
        capacity_l: I64Array<'py>,
        vehicle_type: PyReadonlyArray1<'py, u8>,
        available_from: I64Array<'py>,
        rating: F64Array<'py>,
        rating_count: I64Array<'py>,
        offline: PyReadonlyArray1<'py, bool>,
    ) -> PyResult<()> {
        let fa = fleet_from(
            py,
            &lat,
            &lon,
            &home_lat,
            &home_lon,
            &capacity_kg,
            &capacity_l,
            &vehicle_type,
            &available_from,
            &rating,
            &rating_count,
            &offline,
        )?;
        let (nt, params) = (self.types.len(), self.params);
        run_detached(py, || {
            let mut st = self.write();
            let n = st.fleet.len();
            if fa.lat.len() != n {
                return Err(CoreError::invalid(
                    "vehicles",
                    format!("has {} rows, expected {n}", fa.lat.len()),
                ));
            }
            let mut fleet = Fleet::new(&fa, nt, &params)?;
            fleet.attach_origins(&st.index)?;
            st.fleet = Arc::new(fleet);
            Ok(())
        })
    }

    /// Merge newly completed trips into the profiles (GIL released).
    #[pyo3(signature = (*, vehicle, origin_lat, origin_lon, dest_lat, dest_lon, completed_at))]
    #[allow(clippy::too_many_arguments)]
    fn add_trips<'py>(
        &self,
        py: Python<'py>,
        vehicle: I64Array<'py>,
        origin_lat: F64Array<'py>,
        origin_lon: F64Array<'py>,
        dest_lat: F64Array<'py>,
        dest_lon: F64Array<'py>,
        completed_at: I64Array<'py>,
    ) -> PyResult<()> {
        let tv = slice(py, "vehicle", &vehicle)?;
        let (ola, olo, dla, dlo, at) = (
            slice(py, "origin_lat", &origin_lat)?,
            slice(py, "origin_lon", &origin_lon)?,
            slice(py, "dest_lat", &dest_lat)?,
            slice(py, "dest_lon", &dest_lon)?,
            slice(py, "completed_at", &completed_at)?,
        );
        run_detached(py, move || {
            let mut st = self.write();
            let State { fleet, index, .. } = &mut *st;
            let (fleet, index) = (Arc::make_mut(fleet), Arc::make_mut(index));
            let tv = to_u32("trips.vehicle", tv, fleet.len())?;
            index.add_trips(&Trips {
                vehicle: &tv,
                origin_lat: ola,
                origin_lon: olo,
                dest_lat: dla,
                dest_lon: dlo,
                completed_at: at,
            })?;
            fleet.attach_origins(index)
        })
    }

    /// A new matcher with this fleet state (positions, availability, status,
    /// ...), built aside while this one keeps answering (GIL released). The
    /// fleet may grow: vehicles from the current count on are new, with empty
    /// profiles (give them their trips with `with_trips`). Profiles and
    /// weights are shared, not copied: the cost is that of indexing the fleet
    /// arrays, independent of the trip history (when the profiles' spare
    /// slots for joining vehicles run out, they are copied once with room for
    /// an eighth more vehicles, at least 1,024).
    #[pyo3(signature = (
        *, lat, lon, home_lat, home_lon, capacity_kg, capacity_l, vehicle_type, available_from,
        rating, rating_count, offline,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn with_fleet<'py>(
        &self,
        py: Python<'py>,
        lat: F64Array<'py>,
        lon: F64Array<'py>,
        home_lat: F64Array<'py>,
        home_lon: F64Array<'py>,
        capacity_kg: I64Array<'py>,
        capacity_l: I64Array<'py>,
        vehicle_type: PyReadonlyArray1<'py, u8>,
        available_from: I64Array<'py>,
        rating: F64Array<'py>,
        rating_count: I64Array<'py>,
        offline: PyReadonlyArray1<'py, bool>,
    ) -> PyResult<MatcherCore> {
        let fa = fleet_from(
            py,
            &lat,
            &lon,
            &home_lat,
            &home_lon,
            &capacity_kg,
            &capacity_l,
            &vehicle_type,
            &available_from,
            &rating,
            &rating_count,
            &offline,
        )?;
        run_detached(py, || {
            let (index, weights) = {
                let st = self.read();
                (Arc::clone(&st.index), st.weights)
            };
            let index = with_room(index, fa.lat.len())?;
            let mut fleet = Fleet::new(&fa, self.types.len(), &self.params)?;
            fleet.attach_origins(&index)?;
            Ok(self.derived(Arc::new(fleet), index, weights))
        })
    }

    /// A new matcher with some vehicles' state replaced and new vehicles
    /// added, built aside while this one keeps answering (GIL released): row
    /// `j` of the arrays is vehicle index `rows[j]`, an existing vehicle or a
    /// new one (new ones are exactly the indices from the current count on,
    /// each once; they start with empty profiles). Equal to `with_fleet` over
    /// the whole updated arrays, at a cost in proportion to the change: only
    /// the grid cells a changed vehicle leaves or enters are re-indexed.
    #[pyo3(signature = (
        *, rows, lat, lon, home_lat, home_lon, capacity_kg, capacity_l, vehicle_type,
        available_from, rating, rating_count, offline,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn with_fleet_rows<'py>(
        &self,
        py: Python<'py>,
        rows: I64Array<'py>,
        lat: F64Array<'py>,
        lon: F64Array<'py>,
        home_lat: F64Array<'py>,
        home_lon: F64Array<'py>,
        capacity_kg: I64Array<'py>,
        capacity_l: I64Array<'py>,
        vehicle_type: PyReadonlyArray1<'py, u8>,
        available_from: I64Array<'py>,
        rating: F64Array<'py>,
        rating_count: I64Array<'py>,
        offline: PyReadonlyArray1<'py, bool>,
    ) -> PyResult<MatcherCore> {
        let rows = slice(py, "rows", &rows)?;
        let fa = fleet_from(
            py,
            &lat,
            &lon,
            &home_lat,
            &home_lon,
            &capacity_kg,
            &capacity_l,
            &vehicle_type,
            &available_from,
            &rating,
            &rating_count,
            &offline,
        )?;
        run_detached(py, || {
            let (fleet, index, weights) = {
                let st = self.read();
                (Arc::clone(&st.fleet), Arc::clone(&st.index), st.weights)
            };
            let rows = to_u32("rows", rows, fleet.len() + rows.len())?;
            let n = fleet.len() + rows.iter().filter(|&&i| i as usize >= fleet.len()).count();
            let index = with_room(index, n)?;
            let next = fleet.with_changes(&rows, &fa, self.types.len(), &self.params, &index)?;
            Ok(self.derived(Arc::new(next), index, weights))
        })
    }

    /// A new matcher with newly completed trips merged into copies of the
    /// profiles, built aside while this one keeps answering (GIL released);
    /// equal to a full build over the old and new trips together.
    #[pyo3(signature = (*, vehicle, origin_lat, origin_lon, dest_lat, dest_lon, completed_at))]
    #[allow(clippy::too_many_arguments)]
    fn with_trips<'py>(
        &self,
        py: Python<'py>,
        vehicle: I64Array<'py>,
        origin_lat: F64Array<'py>,
        origin_lon: F64Array<'py>,
        dest_lat: F64Array<'py>,
        dest_lon: F64Array<'py>,
        completed_at: I64Array<'py>,
    ) -> PyResult<MatcherCore> {
        let tv = slice(py, "vehicle", &vehicle)?;
        let (ola, olo, dla, dlo, at) = (
            slice(py, "origin_lat", &origin_lat)?,
            slice(py, "origin_lon", &origin_lon)?,
            slice(py, "dest_lat", &dest_lat)?,
            slice(py, "dest_lon", &dest_lon)?,
            slice(py, "completed_at", &completed_at)?,
        );
        run_detached(py, move || {
            let (fleet, index, weights) = {
                let st = self.read();
                (Arc::clone(&st.fleet), Arc::clone(&st.index), st.weights)
            };
            let tv = to_u32("trips.vehicle", tv, fleet.len())?;
            let trips = Trips {
                vehicle: &tv,
                origin_lat: ola,
                origin_lon: olo,
                dest_lat: dla,
                dest_lon: dlo,
                completed_at: at,
            };
            let index = Arc::new(index.updated(index.n_vehicles().max(fleet.len()), &trips)?);
            let mut fleet = (*fleet).clone();
            fleet.attach_origins(&index)?;
            Ok(self.derived(Arc::new(fleet), index, weights))
        })
    }

    /// Validate and index open loads for the queries of this matcher.
    #[pyo3(signature = (
        *, origin_lat, origin_lon, dest_lat, dest_lon, weight_kg, volume_l, type_mask,
        pickup_start, pickup_end, delivery_deadline, price_fen,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn prepare_loads<'py>(
        &self,
        py: Python<'py>,
        origin_lat: F64Array<'py>,
        origin_lon: F64Array<'py>,
        dest_lat: F64Array<'py>,
        dest_lon: F64Array<'py>,
        weight_kg: I64Array<'py>,
        volume_l: I64Array<'py>,
        type_mask: PyReadonlyArray1<'py, u64>,
        pickup_start: I64Array<'py>,
        pickup_end: I64Array<'py>,
        delivery_deadline: I64Array<'py>,
        price_fen: I64Array<'py>,
    ) -> PyResult<LoadSet> {
        let a = LoadArrays {
            origin_lat: slice(py, "origin_lat", &origin_lat)?,
            origin_lon: slice(py, "origin_lon", &origin_lon)?,
            dest_lat: slice(py, "dest_lat", &dest_lat)?,
            dest_lon: slice(py, "dest_lon", &dest_lon)?,
            weight_kg: slice(py, "weight_kg", &weight_kg)?,
            volume_l: slice(py, "volume_l", &volume_l)?,
            type_mask: slice(py, "type_mask", &type_mask)?,
            pickup_start: slice(py, "pickup_start", &pickup_start)?,
            pickup_end: slice(py, "pickup_end", &pickup_end)?,
            delivery_deadline: slice(py, "delivery_deadline", &delivery_deadline)?,
            price_fen: slice(py, "price_fen", &price_fen)?,
        };
        let params = self.params;
        let inner = run_detached(py, || Loads::new(&a, &params))?;
        Ok(LoadSet { inner, params })
    }

    /// Top `k` vehicles for each load position in `rows` (GIL released).
    /// Returns a dict of arrays: `load`, `vehicle`, `rank` (1-based), components.
    #[pyo3(signature = (loads, rows, k))]
    fn recommend_vehicles<'py>(
        &self,
        py: Python<'py>,
        loads: &LoadSet,
        rows: I64Array<'py>,
        k: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let rows = slice(py, "rows", &rows)?;
        let out = run_detached(py, || {
            self.check_loads(loads)?;
            let st = self.read();
            let rows = to_u32("rows", rows, loads.inner.len())?;
            let lists = vehicles_for_loads(&self.scorer(&st), &loads.inner, &rows, Query::top(k));
            Ok(flatten(&rows, lists, false))
        })?;
        out.into_dict(py)
    }

    /// Top `k` vehicles for the load at position `row`, as ready rows: a list
    /// of tuples in `PAIR_COLUMNS` order (`load_id` as given, vehicle ids from
    /// `vehicle_ids`, one per fleet position). Same scoring and order as
    /// `recommend_vehicles`; meant for single requests (GIL released).
    #[pyo3(signature = (loads, row, k, load_id, vehicle_ids))]
    fn recommend_vehicle_rows<'py>(
        &self,
        py: Python<'py>,
        loads: &LoadSet,
        row: i64,
        k: usize,
        load_id: i64,
        vehicle_ids: I64Array<'py>,
    ) -> PyResult<Vec<PairRow>> {
        let ids = slice(py, "vehicle_ids", &vehicle_ids)?;
        run_detached(py, || {
            self.check_loads(loads)?;
            let st = self.read();
            let l = check_query(
                "row",
                row,
                loads.inner.len(),
                ids,
                "vehicle_ids",
                st.fleet.len(),
            )?;
            let mut s = self.take_scratch(st.fleet.len());
            let list = vehicles_for_load(&self.scorer(&st), &loads.inner, l, Query::top(k), &mut s);
            self.give_scratch(s);
            Ok(list
                .iter()
                .enumerate()
                .map(|(rank, r)| pair_row(load_id, ids[r.index as usize], rank, &r.c))
                .collect())
        })
    }

    /// Top `k` vehicles for the load at position `row`, as the protobuf encoding
    /// of a `yunli.v1.RecommendResponse` (`subject_id` = `load_id`): the rows of
    /// `recommend_vehicle_rows`, encoded in the core. `release_gil`: score with
    /// the GIL released (else held: a single query takes tens of microseconds,
    /// about what handing the GIL over and back costs in a busy server).
    #[pyo3(signature = (loads, row, k, load_id, vehicle_ids, release_gil = true))]
    #[allow(clippy::too_many_arguments)]
    fn recommend_vehicles_wire<'py>(
        &self,
        py: Python<'py>,
        loads: &LoadSet,
        row: i64,
        k: usize,
        load_id: i64,
        vehicle_ids: I64Array<'py>,
        release_gil: bool,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let ids = slice(py, "vehicle_ids", &vehicle_ids)?;
        let query = || {
            self.check_loads(loads)?;
            let st = self.read();
            let l = check_query(
                "row",
                row,
                loads.inner.len(),
                ids,
                "vehicle_ids",
                st.fleet.len(),
            )?;
            let mut s = self.take_scratch(st.fleet.len());
            let list = vehicles_for_load(&self.scorer(&st), &loads.inner, l, Query::top(k), &mut s);
            self.give_scratch(s);
            let rows: Vec<PairRow> = list
                .iter()
                .enumerate()
                .map(|(rank, r)| pair_row(load_id, ids[r.index as usize], rank, &r.c))
                .collect();
            Ok(super::wire::recommend_response(load_id, &rows))
        };
        let bytes = if release_gil {
            run_detached(py, query)?
        } else {
            run_attached(py, query)?
        };
        Ok(PyBytes::new(py, &bytes))
    }

    /// Top `k` loads for the vehicle at position `vehicle`, as ready rows in
    /// `PAIR_COLUMNS` order (`vehicle_id` as given, load ids from `load_ids`,
    /// one per position of `loads`). Same scoring and order as
    /// `recommend_loads` (GIL released).
    #[pyo3(signature = (loads, vehicle, k, vehicle_id, load_ids))]
    fn recommend_load_rows<'py>(
        &self,
        py: Python<'py>,
        loads: &LoadSet,
        vehicle: i64,
        k: usize,
        vehicle_id: i64,
        load_ids: I64Array<'py>,
    ) -> PyResult<Vec<PairRow>> {
        let ids = slice(py, "load_ids", &load_ids)?;
        run_detached(py, || {
            self.check_loads(loads)?;
            let st = self.read();
            let v = check_query(
                "vehicle",
                vehicle,
                st.fleet.len(),
                ids,
                "load_ids",
                loads.inner.len(),
            )?;
            let list = loads_for_vehicle(&self.scorer(&st), &loads.inner, v, Query::top(k));
            Ok(list
                .iter()
                .enumerate()
                .map(|(rank, r)| pair_row(ids[r.index as usize], vehicle_id, rank, &r.c))
                .collect())
        })
    }

    /// Top `k` loads for each vehicle index in `vehicles` (GIL released).
    #[pyo3(signature = (loads, vehicles, k))]
    fn recommend_loads<'py>(
        &self,
        py: Python<'py>,
        loads: &LoadSet,
        vehicles: I64Array<'py>,
        k: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let vehicles = slice(py, "vehicles", &vehicles)?;
        let out = run_detached(py, || {
            self.check_loads(loads)?;
            let st = self.read();
            let vs = to_u32("vehicles", vehicles, st.fleet.len())?;
            let lists = loads_for_vehicles(&self.scorer(&st), &loads.inner, &vs, Query::top(k));
            Ok(flatten(&vs, lists, true))
        })?;
        out.into_dict(py)
    }

    /// Components of arbitrary pairs; `reject` is 0 for feasible pairs, else
    /// the code of [`crate::matching::scoring::Reject`] (components NaN / -1).
    #[pyo3(signature = (loads, load_rows, vehicles))]
    fn score_pairs<'py>(
        &self,
        py: Python<'py>,
        loads: &LoadSet,
        load_rows: I64Array<'py>,
        vehicles: I64Array<'py>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (lr, vs) = (
            slice(py, "load_rows", &load_rows)?,
            slice(py, "vehicles", &vehicles)?,
        );
        let out = run_detached(py, || {
            self.check_loads(loads)?;
            let st = self.read();
            if lr.len() != vs.len() {
                return Err(CoreError::invalid(
                    "vehicles",
                    "must have as many entries as load_rows",
                ));
            }
            let lr = to_u32("load_rows", lr, loads.inner.len())?;
            let vs = to_u32("vehicles", vs, st.fleet.len())?;
            let sc = self.scorer(&st);
            let mut p = Pairs::default();
            for (&l, &v) in lr.iter().zip(&vs) {
                match sc.score_direct(v as usize, &loads.inner, l as usize) {
                    Ok(c) => p.push(i64::from(l), i64::from(v), 0, c),
                    Err(r) => {
                        p.push(i64::from(l), i64::from(v), 0, empty_components());
                        *p.reject.last_mut().expect("pushed") = r as i64;
                    }
                }
            }
            Ok(p)
        })?;
        out.into_dict(py)
    }

    /// Assign loads (`rows`) to vehicles over the candidate graph (each load's
    /// best `candidates` feasible vehicles). `objective` is "score" or
    /// "deadhead"; `method` is "optimal", "greedy" or "nearest" (which uses
    /// the deadhead-ranked graph and takes loads in `order`, positions in
    /// `rows`). Returns the assigned pairs with components (rank = 0) and
    /// `n_edges` in the dict.
    #[pyo3(signature = (loads, rows, candidates, objective, method, order))]
    #[allow(clippy::too_many_arguments)]
    fn dispatch<'py>(
        &self,
        py: Python<'py>,
        loads: &LoadSet,
        rows: I64Array<'py>,
        candidates: usize,
        objective: &str,
        method: &str,
        order: I64Array<'py>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (rows, order) = (slice(py, "rows", &rows)?, slice(py, "order", &order)?);
        let (obj, meth) = (self::objective(objective), self::method(method));
        let (out, n_edges) = run_detached(py, || {
            self.check_loads(loads)?;
            let st = self.read();
            let (obj, meth) = (obj?, meth?);
            let rows = to_u32("rows", rows, loads.inner.len())?;
            let order = to_u32("order", order, rows.len())?;
            let obj = if meth == Method::Nearest {
                Objective::Deadhead
            } else {
                obj
            };
            let cg = candidate_graph(&self.scorer(&st), &loads.inner, &rows, candidates, obj)?;
            let chosen = assign(&cg, meth, &order)?;
            let mut p = Pairs::default();
            for (row, e) in chosen {
                let r = cg.edges[e];
                p.push(i64::from(rows[row as usize]), i64::from(r.index), 0, r.c);
            }
            Ok((p, cg.graph.n_edges()))
        })?;
        let d = out.into_dict(py)?;
        d.set_item("n_edges", n_edges)?;
        Ok(d)
    }

    /// Lanes of vehicle `vehicle`, heaviest first (at most `top`): dict of
    /// arrays `origin_lat`, `origin_lon`, `dest_lat`, `dest_lon` (weighted
    /// means), `weight` (decayed) and `trips`.
    #[pyo3(signature = (vehicle, top))]
    fn vehicle_lanes<'py>(
        &self,
        py: Python<'py>,
        vehicle: usize,
        top: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let lanes = run_detached(py, || {
            let st = self.read();
            if vehicle >= st.fleet.len() {
                return Err(CoreError::invalid(
                    "vehicle",
                    format!("index {vehicle} out of range"),
                ));
            }
            let mut lanes = st.index.lanes_of(vehicle);
            lanes.sort_by(|a, b| b.w.total_cmp(&a.w));
            lanes.truncate(top);
            Ok(lanes)
        })?;
        let d = PyDict::new(py);
        let f = |g: fn(&crate::matching::expertise::Lane) -> f64| {
            lanes.iter().map(g).collect::<Vec<f64>>()
        };
        d.set_item("origin_lat", f(|l| l.olat).into_pyarray(py))?;
        d.set_item("origin_lon", f(|l| l.olon).into_pyarray(py))?;
        d.set_item("dest_lat", f(|l| l.dlat).into_pyarray(py))?;
        d.set_item("dest_lon", f(|l| l.dlon).into_pyarray(py))?;
        d.set_item("weight", f(|l| l.w).into_pyarray(py))?;
        d.set_item(
            "trips",
            lanes
                .iter()
                .map(|l| i64::from(l.trips))
                .collect::<Vec<i64>>()
                .into_pyarray(py),
        )?;
        Ok(d)
    }

    /// Trips in the profile and decayed total weight, per vehicle.
    fn profile_totals<'py>(&self, py: Python<'py>) -> PyResult<Totals<'py>> {
        let (trips, w) = run_detached(py, || {
            let st = self.read();
            let n = st.fleet.len();
            let trips: Vec<i64> = (0..n).map(|v| i64::from(st.index.trips_of(v))).collect();
            let w: Vec<f64> = (0..n).map(|v| st.index.weight_of(v)).collect();
            Ok((trips, w))
        })?;
        Ok((trips.into_pyarray(py), w.into_pyarray(py)))
    }

    /// Number of vehicles.
    #[getter]
    fn n_vehicles(&self, py: Python<'_>) -> usize {
        py.detach(|| self.read().fleet.len())
    }

    /// Number of lanes over all profiles.
    #[getter]
    fn n_lanes(&self, py: Python<'_>) -> usize {
        py.detach(|| self.read().index.n_lanes())
    }

    /// Reference time (Unix s) of the decayed profile weights.
    #[getter]
    fn as_of(&self, py: Python<'_>) -> i64 {
        py.detach(|| self.read().index.as_of())
    }
}
