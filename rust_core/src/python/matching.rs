//! Bindings for [`crate::matching`].
//!
//! - `max_weight_matching`, `greedy_matching`: the assignment solvers on CSR arrays.
//! - `MatcherCore`: fleet, vehicle types and route-expertise profiles, built
//!   once from arrays and queried many times; `LoadSet`: open loads indexed
//!   by pickup (made by `MatcherCore.prepare_loads`).
//!
//! Results come back as dicts of NumPy arrays (one entry per recommendation
//! or assigned pair) with the score components. Indices are positions in the
//! arrays the caller passed (vehicles, loads); ids stay on the Python side.
//! The single-query methods `recommend_vehicle_rows` / `recommend_load_rows`
//! (the server's per-request path) return ready rows instead: a list of tuples
//! in `PAIR_COLUMNS` order with the ids filled in from the caller's id array.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::{run_detached, slice};
use crate::error::{CoreError, CoreResult};
use crate::geo::SpeedProfile;
use crate::matching::dispatch::{assign, candidate_graph, Method, Objective};
use crate::matching::expertise::{ExpertiseIndex, ExpertiseParams, Scratch, Trips};
use crate::matching::recommend::{
    loads_for_vehicle, loads_for_vehicles, vehicles_for_load, vehicles_for_loads, Query, Ranked,
};
use crate::matching::scoring::{
    Components, Fleet, FleetArrays, LoadArrays, Loads, ScoreParams, Scorer, VehicleType, Weights,
};
use crate::matching::{self, BipartiteGraph, Matching};

type I64Array<'py> = PyReadonlyArray1<'py, i64>;
type F64Array<'py> = PyReadonlyArray1<'py, f64>;

/// One recommendation in `PAIR_COLUMNS` order: load id, vehicle id, rank
/// (1-based), score, expertise, backhaul, deadhead m, arrival, utilization,
/// rating vs prior, price margin.
type PairRow = (i64, i64, i64, f64, f64, f64, i64, i64, f64, f64, f64);

fn pair_row(load_id: i64, vehicle_id: i64, rank: usize, c: &Components) -> PairRow {
    (
        load_id,
        vehicle_id,
        rank as i64 + 1,
        c.score,
        c.expertise,
        c.backhaul,
        c.deadhead_m,
        c.arrival,
        c.utilization,
        c.rating,
        c.price,
    )
}

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

fn to_u32(field: &str, v: &[i64], bound: usize) -> CoreResult<Vec<u32>> {
    v.iter()
        .map(|&x| {
            if x < 0 || x as u64 >= bound as u64 {
                Err(CoreError::invalid(
                    field,
                    format!("index {x} is not in [0, {bound})"),
                ))
            } else {
                Ok(x as u32)
            }
        })
        .collect()
}

fn graph(
    n_rows: usize,
    n_cols: usize,
    indptr: &[i64],
    cols: &[i64],
    weights: &[i64],
) -> CoreResult<BipartiteGraph> {
    let ip: Vec<usize> = indptr
        .iter()
        .map(|&x| {
            usize::try_from(x)
                .map_err(|_| CoreError::invalid("indptr", format!("negative offset {x}")))
        })
        .collect::<CoreResult<_>>()?;
    let cs = to_u32("cols", cols, n_cols)?;
    BipartiteGraph::new(n_rows, n_cols, ip, cs, weights.to_vec())
}

fn matching_out(py: Python<'_>, m: Matching) -> (Bound<'_, PyArray1<i64>>, i64) {
    let rc: Vec<i64> = m.row_col.iter().map(|c| c.map_or(-1, i64::from)).collect();
    (rc.into_pyarray(py), m.total)
}

/// Optimal maximum-weight matching over a CSR graph; returns (column per row or -1, total).
#[pyfunction]
#[pyo3(signature = (n_rows, n_cols, indptr, cols, weights))]
fn max_weight_matching<'py>(
    py: Python<'py>,
    n_rows: usize,
    n_cols: usize,
    indptr: I64Array<'py>,
    cols: I64Array<'py>,
    weights: I64Array<'py>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, i64)> {
    let (a, b, c) = (
        slice(py, "indptr", &indptr)?,
        slice(py, "cols", &cols)?,
        slice(py, "weights", &weights)?,
    );
    let m = run_detached(py, || {
        Ok(matching::max_weight_matching(&graph(
            n_rows, n_cols, a, b, c,
        )?))
    })?;
    Ok(matching_out(py, m))
}

/// Best-weight-first greedy matching over a CSR graph; returns (column per row or -1, total).
#[pyfunction]
#[pyo3(signature = (n_rows, n_cols, indptr, cols, weights))]
fn greedy_matching<'py>(
    py: Python<'py>,
    n_rows: usize,
    n_cols: usize,
    indptr: I64Array<'py>,
    cols: I64Array<'py>,
    weights: I64Array<'py>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, i64)> {
    let (a, b, c) = (
        slice(py, "indptr", &indptr)?,
        slice(py, "cols", &cols)?,
        slice(py, "weights", &weights)?,
    );
    let m = run_detached(py, || {
        Ok(matching::greedy_matching(&graph(n_rows, n_cols, a, b, c)?))
    })?;
    Ok(matching_out(py, m))
}

/// Open loads indexed by pickup; build with `MatcherCore.prepare_loads`.
#[pyclass(module = "engine._core", frozen)]
pub struct LoadSet {
    inner: Loads,
    /// Search radius and circuity the set was indexed with.
    params: ScoreParams,
}

#[pymethods]
impl LoadSet {
    /// Number of loads.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Loaded distance (pickup → delivery) of every load, in metres.
    fn load_m<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        self.inner.load_m.clone().into_pyarray(py)
    }
}

/// Fleet, vehicle types, weights and route-expertise profiles.
#[pyclass(module = "engine._core")]
pub struct MatcherCore {
    fleet: Fleet,
    types: Vec<VehicleType>,
    index: ExpertiseIndex,
    weights: Weights,
    params: ScoreParams,
    /// Reusable scratch of single-load queries (one per concurrent caller).
    scratch: Mutex<Vec<Scratch>>,
}

/// Flat result columns, one entry per (load, vehicle) pair.
#[derive(Default)]
struct Pairs {
    load: Vec<i64>,
    vehicle: Vec<i64>,
    rank: Vec<i64>,
    reject: Vec<i64>,
    c: Vec<Components>,
}

impl Pairs {
    fn push(&mut self, load: i64, vehicle: i64, rank: i64, c: Components) {
        self.load.push(load);
        self.vehicle.push(vehicle);
        self.rank.push(rank);
        self.reject.push(0);
        self.c.push(c);
    }

    fn into_dict(self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        let col_f = |f: fn(&Components) -> f64| self.c.iter().map(f).collect::<Vec<f64>>();
        let col_i = |f: fn(&Components) -> i64| self.c.iter().map(f).collect::<Vec<i64>>();
        d.set_item("score", col_f(|c| c.score).into_pyarray(py))?;
        d.set_item("expertise", col_f(|c| c.expertise).into_pyarray(py))?;
        d.set_item("backhaul", col_f(|c| c.backhaul).into_pyarray(py))?;
        d.set_item("deadhead_m", col_i(|c| c.deadhead_m).into_pyarray(py))?;
        d.set_item("arrival", col_i(|c| c.arrival).into_pyarray(py))?;
        d.set_item("utilization", col_f(|c| c.utilization).into_pyarray(py))?;
        d.set_item("rating", col_f(|c| c.rating).into_pyarray(py))?;
        d.set_item("price", col_f(|c| c.price).into_pyarray(py))?;
        d.set_item("load", self.load.into_pyarray(py))?;
        d.set_item("vehicle", self.vehicle.into_pyarray(py))?;
        d.set_item("rank", self.rank.into_pyarray(py))?;
        d.set_item("reject", self.reject.into_pyarray(py))?;
        Ok(d)
    }
}

fn empty_components() -> Components {
    Components {
        score: f64::NAN,
        expertise: f64::NAN,
        backhaul: f64::NAN,
        deadhead_m: -1,
        arrival: -1,
        utilization: f64::NAN,
        rating: f64::NAN,
        price: f64::NAN,
    }
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
    fn scorer(&self) -> Scorer<'_> {
        Scorer {
            fleet: &self.fleet,
            types: &self.types,
            expertise: &self.index,
            weights: self.weights,
            params: self.params,
        }
    }

    /// A scratch sized for the fleet, from the pool if one is free.
    fn take_scratch(&self) -> Scratch {
        let n = self.fleet.len();
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
                fleet,
                types,
                index,
                weights: w,
                params,
                scratch: Mutex::new(Vec::new()),
            })
        })
    }

    /// Replace the score weights (expertise, backhaul, deadhead per 100 km,
    /// utilization, rating, price).
    fn set_weights(&mut self, py: Python<'_>, weights: [f64; 6]) -> PyResult<()> {
        let w = run_detached(py, || {
            Weights::new(
                weights[0], weights[1], weights[2], weights[3], weights[4], weights[5],
            )
        })?;
        self.weights = w;
        Ok(())
    }

    /// Replace the fleet's state (positions, availability, status, ...); the
    /// number of vehicles must not change (profiles are per vehicle index).
    #[pyo3(signature = (
        *, lat, lon, home_lat, home_lon, capacity_kg, capacity_l, vehicle_type, available_from,
        rating, rating_count, offline,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn update_fleet<'py>(
        &mut self,
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
        let (n, nt, params) = (self.fleet.len(), self.types.len(), self.params);
        let index = &self.index;
        let fleet = run_detached(py, || {
            if fa.lat.len() != n {
                return Err(CoreError::invalid(
                    "vehicles",
                    format!("has {} rows, expected {n}", fa.lat.len()),
                ));
            }
            let mut fleet = Fleet::new(&fa, nt, &params)?;
            fleet.attach_origins(index)?;
            Ok(fleet)
        })?;
        self.fleet = fleet;
        Ok(())
    }

    /// Merge newly completed trips into the profiles (GIL released).
    #[pyo3(signature = (*, vehicle, origin_lat, origin_lon, dest_lat, dest_lon, completed_at))]
    #[allow(clippy::too_many_arguments)]
    fn add_trips<'py>(
        &mut self,
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
        let n = self.fleet.len();
        let (index, fleet) = (&mut self.index, &mut self.fleet);
        run_detached(py, move || {
            let tv = to_u32("trips.vehicle", tv, n)?;
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
            let rows = to_u32("rows", rows, loads.inner.len())?;
            let lists = vehicles_for_loads(&self.scorer(), &loads.inner, &rows, Query::top(k));
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
            let l = check_query(
                "row",
                row,
                loads.inner.len(),
                ids,
                "vehicle_ids",
                self.fleet.len(),
            )?;
            let mut s = self.take_scratch();
            let list = vehicles_for_load(&self.scorer(), &loads.inner, l, Query::top(k), &mut s);
            self.give_scratch(s);
            Ok(list
                .iter()
                .enumerate()
                .map(|(rank, r)| pair_row(load_id, ids[r.index as usize], rank, &r.c))
                .collect())
        })
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
            let v = check_query(
                "vehicle",
                vehicle,
                self.fleet.len(),
                ids,
                "load_ids",
                loads.inner.len(),
            )?;
            let list = loads_for_vehicle(&self.scorer(), &loads.inner, v, Query::top(k));
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
            let vs = to_u32("vehicles", vehicles, self.fleet.len())?;
            let lists = loads_for_vehicles(&self.scorer(), &loads.inner, &vs, Query::top(k));
            Ok(flatten(&vs, lists, true))
        })?;
        out.into_dict(py)
    }

    /// Components of arbitrary pairs; `reject` is 0 for feasible pairs, else
    /// 1 offline, 2 vehicle type, 3 capacity, 4 too far, 5 late (components NaN / -1).
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
            if lr.len() != vs.len() {
                return Err(CoreError::invalid(
                    "vehicles",
                    "must have as many entries as load_rows",
                ));
            }
            let lr = to_u32("load_rows", lr, loads.inner.len())?;
            let vs = to_u32("vehicles", vs, self.fleet.len())?;
            let sc = self.scorer();
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
            let (obj, meth) = (obj?, meth?);
            let rows = to_u32("rows", rows, loads.inner.len())?;
            let order = to_u32("order", order, rows.len())?;
            let obj = if meth == Method::Nearest {
                Objective::Deadhead
            } else {
                obj
            };
            let cg = candidate_graph(&self.scorer(), &loads.inner, &rows, candidates, obj)?;
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
        if vehicle >= self.fleet.len() {
            return Err(super::convert::to_pyerr(
                py,
                CoreError::invalid("vehicle", format!("index {vehicle} out of range")),
            ));
        }
        let mut lanes = self.index.lanes_of(vehicle).to_vec();
        lanes.sort_by(|a, b| b.w.total_cmp(&a.w));
        lanes.truncate(top);
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
    fn profile_totals<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>) {
        let n = self.fleet.len();
        let trips: Vec<i64> = (0..n).map(|v| i64::from(self.index.trips_of(v))).collect();
        let w: Vec<f64> = (0..n).map(|v| self.index.weight_of(v)).collect();
        (trips.into_pyarray(py), w.into_pyarray(py))
    }

    /// Number of vehicles.
    #[getter]
    fn n_vehicles(&self) -> usize {
        self.fleet.len()
    }

    /// Number of lanes over all profiles.
    #[getter]
    fn n_lanes(&self) -> usize {
        self.index.n_lanes()
    }

    /// Reference time (Unix s) of the decayed profile weights.
    #[getter]
    fn as_of(&self) -> i64 {
        self.index.as_of()
    }
}

/// Flatten per-query lists; `by_vehicle` says the query side is the vehicle.
fn flatten(queries: &[u32], lists: Vec<Vec<Ranked>>, by_vehicle: bool) -> Pairs {
    let mut p = Pairs::default();
    for (&q, list) in queries.iter().zip(lists) {
        for (rank, r) in list.into_iter().enumerate() {
            let (l, v) = if by_vehicle {
                (r.index, q)
            } else {
                (q, r.index)
            };
            p.push(i64::from(l), i64::from(v), rank as i64 + 1, r.c);
        }
    }
    p
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(max_weight_matching, m)?)?;
    m.add_function(wrap_pyfunction!(greedy_matching, m)?)?;
    m.add_class::<MatcherCore>()?;
    m.add_class::<LoadSet>()?;
    Ok(())
}
