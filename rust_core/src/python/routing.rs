//! Bindings for [`crate::routing`]: the typed routing boundary.
//!
//! - [`ProblemData`]: the problem of `docs/routing_contract.md`, built once from
//!   NumPy arrays, validated and prepared (relabelled arc table, neighbour
//!   lists), immutable; a search may run on it any number of times, from any
//!   thread.
//! - [`SearchParams`]: time limit, seed, iteration budget and warm start, validated.
//! - [`SearchResult`]: routes, dropped jobs and the search's figures.
//! - [`CancelToken`]: set from any thread (a signal handler) to stop a running
//!   search, which then returns its best solution so far.
//! - `solve_routing(data, params, cancel)`: the one search entry point (GIL
//!   released), on one core or several (`SearchParams.threads`).
//!
//! Adding a contract field touches `ProblemData::new`, `engine/_core.pyi` and
//! the Python builder (`engine/routing/core.py`) only.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use numpy::{Element, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;

use super::convert::{run_detached, to_pyerr};
use crate::error::{CoreError, CoreResult};
use crate::geo::SpeedProfile;
use crate::routing::coords::{CoordInput, Metric};
use crate::routing::parallel::MAX_THREADS;
use crate::routing::{solve, BreakRule, InitialRoute, Problem, ProblemInput};

/// Longest accepted time limit, in seconds (30 days): anything longer is a
/// mistake (and would overflow the search's clock).
pub const MAX_TIME_LIMIT_S: f64 = 30.0 * 86_400.0;

type I64Dyn<'py> = PyReadonlyArrayDyn<'py, i64>;

/// The array's data and shape, after checking it is C-contiguous with `ndim` dimensions.
fn checked<'a, T: Element>(
    py: Python<'_>,
    field: &str,
    arr: &'a PyReadonlyArrayDyn<'_, T>,
    ndim: usize,
) -> PyResult<(&'a [T], Vec<usize>)> {
    let shape = arr.shape().to_vec();
    if shape.len() != ndim {
        return Err(to_pyerr(
            py,
            CoreError::invalid(
                field,
                format!("expected {ndim} dimensions, got {}", shape.len()),
            ),
        ));
    }
    let s = arr
        .as_slice()
        .map_err(|_| to_pyerr(py, CoreError::invalid(field, "array must be C-contiguous")))?;
    Ok((s, shape))
}

/// Copy an array out after checking it is C-contiguous with `ndim` dimensions.
fn flat<T: Element + Copy>(
    py: Python<'_>,
    field: &str,
    arr: &PyReadonlyArrayDyn<'_, T>,
    ndim: usize,
) -> PyResult<(Vec<T>, Vec<usize>)> {
    let (s, shape) = checked(py, field, arr, ndim)?;
    Ok((s.to_vec(), shape))
}

/// A matrix for the core: borrowed from a read-only array, or a copy.
enum Matrix<'a> {
    Borrowed(&'a [i64]),
    Owned(Vec<i64>),
}

impl Matrix<'_> {
    fn as_slice(&self) -> &[i64] {
        match self {
            Matrix::Borrowed(s) => s,
            Matrix::Owned(v) => v,
        }
    }
}

/// [`flat`] for a matrix, borrowed when the array is read-only.
fn matrix<'a>(
    py: Python<'_>,
    field: &str,
    arr: &'a PyReadonlyArrayDyn<'_, i64>,
    ndim: usize,
) -> PyResult<(Matrix<'a>, Vec<usize>)> {
    let writeable: bool = arr
        .as_any()
        .getattr("flags")?
        .getattr("writeable")?
        .extract()?;
    let (s, shape) = checked(py, field, arr, ndim)?;
    let m = if writeable {
        Matrix::Owned(s.to_vec())
    } else {
        Matrix::Borrowed(s)
    };
    Ok((m, shape))
}

fn idx(field: &str, v: &[i64]) -> CoreResult<Vec<usize>> {
    v.iter()
        .map(|&x| {
            usize::try_from(x).map_err(|_| CoreError::invalid(field, format!("negative index {x}")))
        })
        .collect()
}

fn ragged<T>(
    field: &str,
    offsets: &[usize],
    n: usize,
    rows: usize,
    f: impl Fn(usize) -> T,
) -> CoreResult<Vec<Vec<T>>> {
    if offsets.len() != n + 1 || offsets[0] != 0 || offsets[n] != rows {
        return Err(CoreError::invalid(
            field,
            format!(
                "offsets must have length {} and run from 0 to {rows}",
                n + 1
            ),
        ));
    }
    (0..n)
        .map(|i| {
            if offsets[i] > offsets[i + 1] {
                return Err(CoreError::invalid(field, "offsets must be non-decreasing"));
            }
            Ok((offsets[i]..offsets[i + 1]).map(&f).collect())
        })
        .collect()
}

/// The matrix-free form of a problem from its Python arguments.
fn coord_input(
    py: Python<'_>,
    coordinates: &PyReadonlyArrayDyn<'_, f64>,
    metric: Option<&str>,
    circuity: Option<f64>,
    speed_profiles: Option<&PyReadonlyArrayDyn<'_, f64>>,
) -> PyResult<CoordInput> {
    let (xy, shape) = flat(py, "coordinates", coordinates, 2)?;
    let bad = |field: &str, why: String| to_pyerr(py, CoreError::invalid(field, why));
    if shape[1] != 2 {
        return Err(bad(
            "coordinates",
            format!("expected shape (L, 2), got {shape:?}"),
        ));
    }
    let metric = match (metric, circuity) {
        (Some("haversine"), Some(c)) => Metric::Haversine { circuity: c },
        (Some("haversine"), None) => {
            return Err(bad("circuity", "haversine needs a circuity".into()))
        }
        (Some("euclidean"), _) => Metric::EuclidRint,
        (Some("euclidean_half_up"), _) => Metric::EuclidHalfUp,
        (m, _) => {
            return Err(bad(
                "metric",
                format!("{m:?}: use haversine, euclidean or euclidean_half_up"),
            ))
        }
    };
    let Some(sp) = speed_profiles else {
        return Err(bad(
            "speed_profiles",
            "coordinates need speed_profiles (P × 3)".into(),
        ));
    };
    let (sp, sshape) = flat(py, "speed_profiles", sp, 2)?;
    if sshape[1] != 3 {
        return Err(bad(
            "speed_profiles",
            format!("expected shape (P, 3), got {sshape:?}"),
        ));
    }
    let profiles = sp
        .chunks(3)
        .map(|r| {
            if r.iter().all(|&v| v == 0.0) {
                Ok(None)
            } else {
                SpeedProfile::new(r[0], r[1], r[2])
                    .map(Some)
                    .map_err(|e| to_pyerr(py, e))
            }
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(CoordInput {
        metric,
        points: xy.chunks(2).map(|p| (p[0], p[1])).collect(),
        profiles,
    })
}

/// A routing problem (the arrays of `docs/routing_contract.md`), validated and
/// prepared for the search; immutable.
///
/// Shapes: `distance` `L × L`, `durations` `P × L × L`, `job_delivery` /
/// `job_pickup` `J × D`, `job_tw` `W × 2` with job `j`'s windows at rows
/// `job_tw_offsets[j]..job_tw_offsets[j + 1]`, `type_capacity` `K × D`,
/// `type_tw` `K × 2`, `type_breaks` `B × 3` (`window_start, window_end,
/// duration`) with type `k`'s breaks at rows `type_breaks_offsets[k]..[k + 1]`;
/// every other array has one entry per job (`J`) or vehicle type (`K`). The
/// live re-planning terms (`job_allowed_type`, `job_home_type`,
/// `job_disruption_cost`) and soft lateness (`job_due`, `job_late_cost`,
/// `job_late_cost_per_hour`, all three or none) are optional.
///
/// Matrix-free mode: instead of `distance` and `durations`, give
/// `coordinates` (`L × 2`: latitude, longitude in degrees for `metric =
/// "haversine"`, else x, y), `metric` (`"haversine"`: great circle ×
/// `circuity` in metres as `engine.geo.distance_matrix`; `"euclidean"`:
/// rounded half to even as `numpy.rint`; `"euclidean_half_up"`: the VRPLIB
/// rounding) and `speed_profiles` (`P × 3`: `urban_kmh, highway_kmh,
/// urban_m` per profile as `engine.geo.SpeedProfile`; a row of zeros makes
/// travel time equal to distance). Arcs are then computed on demand, bit for
/// bit the values of the matrices, and memory grows with `L`, not `L²`.
///
/// Raises `engine.errors.InvalidInputError` naming the array at fault.
#[pyclass(module = "engine._core", frozen)]
pub struct ProblemData {
    inner: Arc<Problem>,
    n_locations: usize,
}

#[pymethods]
impl ProblemData {
    #[new]
    #[pyo3(signature = (
        *, distance = None, durations = None, job_location, job_delivery, job_pickup, job_service,
        job_tw_offsets, job_tw, job_skills, job_required, job_penalty, job_priority, pair_of,
        is_pickup, type_count, type_capacity, type_start, type_end, type_fixed_cost,
        type_cost_per_km, type_cost_per_hour, type_tw, type_max_duration, type_max_distance,
        type_skills, type_profile, type_breaks_offsets, type_breaks,
        job_allowed_type = None, job_home_type = None, job_disruption_cost = None,
        job_due = None, job_late_cost = None, job_late_cost_per_hour = None,
        coordinates = None, metric = None, circuity = None, speed_profiles = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new<'py>(
        py: Python<'py>,
        distance: Option<I64Dyn<'py>>,
        durations: Option<I64Dyn<'py>>,
        job_location: I64Dyn<'py>,
        job_delivery: I64Dyn<'py>,
        job_pickup: I64Dyn<'py>,
        job_service: I64Dyn<'py>,
        job_tw_offsets: I64Dyn<'py>,
        job_tw: I64Dyn<'py>,
        job_skills: PyReadonlyArrayDyn<'py, u64>,
        job_required: PyReadonlyArrayDyn<'py, bool>,
        job_penalty: I64Dyn<'py>,
        job_priority: I64Dyn<'py>,
        pair_of: I64Dyn<'py>,
        is_pickup: PyReadonlyArrayDyn<'py, bool>,
        type_count: I64Dyn<'py>,
        type_capacity: I64Dyn<'py>,
        type_start: I64Dyn<'py>,
        type_end: I64Dyn<'py>,
        type_fixed_cost: I64Dyn<'py>,
        type_cost_per_km: I64Dyn<'py>,
        type_cost_per_hour: I64Dyn<'py>,
        type_tw: I64Dyn<'py>,
        type_max_duration: I64Dyn<'py>,
        type_max_distance: I64Dyn<'py>,
        type_skills: PyReadonlyArrayDyn<'py, u64>,
        type_profile: I64Dyn<'py>,
        type_breaks_offsets: I64Dyn<'py>,
        type_breaks: I64Dyn<'py>,
        job_allowed_type: Option<I64Dyn<'py>>,
        job_home_type: Option<I64Dyn<'py>>,
        job_disruption_cost: Option<I64Dyn<'py>>,
        job_due: Option<I64Dyn<'py>>,
        job_late_cost: Option<I64Dyn<'py>>,
        job_late_cost_per_hour: Option<I64Dyn<'py>>,
        coordinates: Option<PyReadonlyArrayDyn<'py, f64>>,
        metric: Option<String>,
        circuity: Option<f64>,
        speed_profiles: Option<PyReadonlyArrayDyn<'py, f64>>,
    ) -> PyResult<Self> {
        let coords = match (&coordinates, &distance, &durations) {
            (Some(c), None, None) => Some(coord_input(
                py,
                c,
                metric.as_deref(),
                circuity,
                speed_profiles.as_ref(),
            )?),
            (None, Some(_), Some(_)) => None,
            _ => {
                return Err(to_pyerr(
                    py,
                    CoreError::invalid(
                        "distance",
                        "give distance and durations, or coordinates (matrix-free), not both",
                    ),
                ))
            }
        };
        // Read-only matrices (as `engine.routing.core.problem_data` passes them) are
        // borrowed, not copied: read once into the arc table. Writable ones are
        // copied first, since another thread could write them while the GIL is
        // released.
        let (dist, dshape, durs, tshape) = match (&distance, &durations, &coords) {
            (Some(d), Some(t), None) => {
                let (dist, dshape) = matrix(py, "distance", d, 2)?;
                let (durs, tshape) = matrix(py, "durations", t, 3)?;
                (dist, dshape, durs, tshape)
            }
            (_, _, Some(c)) => {
                let l = c.points.len();
                (
                    Matrix::Owned(Vec::new()),
                    vec![l, l],
                    Matrix::Owned(Vec::new()),
                    vec![c.profiles.len(), l, l],
                )
            }
            _ => unreachable!("checked above"),
        };
        let (jdel, jdshape) = flat(py, "job_delivery", &job_delivery, 2)?;
        let (jpick, _) = flat(py, "job_pickup", &job_pickup, 2)?;
        let (jtw, jtwshape) = flat(py, "job_tw", &job_tw, 2)?;
        let (ttw, _) = flat(py, "type_tw", &type_tw, 2)?;
        let (tbr, tbrshape) = flat(py, "type_breaks", &type_breaks, 2)?;
        let one_i = |f: &str, a: &I64Dyn<'py>| flat(py, f, a, 1).map(|x| x.0);
        let jloc = one_i("job_location", &job_location)?;
        let jsvc = one_i("job_service", &job_service)?;
        let jtwo = one_i("job_tw_offsets", &job_tw_offsets)?;
        let jpen = one_i("job_penalty", &job_penalty)?;
        let jpri = one_i("job_priority", &job_priority)?;
        let jpair = one_i("pair_of", &pair_of)?;
        let tcount = one_i("type_count", &type_count)?;
        let (tcap, tcapshape) = flat(py, "type_capacity", &type_capacity, 2)?;
        let tstart = one_i("type_start", &type_start)?;
        let tend = one_i("type_end", &type_end)?;
        let tfix = one_i("type_fixed_cost", &type_fixed_cost)?;
        let tkm = one_i("type_cost_per_km", &type_cost_per_km)?;
        let thour = one_i("type_cost_per_hour", &type_cost_per_hour)?;
        let tmaxdur = one_i("type_max_duration", &type_max_duration)?;
        let tmaxdist = one_i("type_max_distance", &type_max_distance)?;
        let tprof = one_i("type_profile", &type_profile)?;
        let tbro = one_i("type_breaks_offsets", &type_breaks_offsets)?;
        let jsk = flat(py, "job_skills", &job_skills, 1)?.0;
        let tsk = flat(py, "type_skills", &type_skills, 1)?.0;
        let jreq = flat(py, "job_required", &job_required, 1)?.0;
        let jpu = flat(py, "is_pickup", &is_pickup, 1)?.0;
        let opt = |f: &str, a: &Option<I64Dyn<'py>>| match a {
            Some(a) => flat(py, f, a, 1).map(|x| x.0),
            None => Ok(Vec::new()),
        };
        let jallowed = opt("job_allowed_type", &job_allowed_type)?;
        let jhome = opt("job_home_type", &job_home_type)?;
        let jdisr = opt("job_disruption_cost", &job_disruption_cost)?;
        let jdue = opt("job_due", &job_due)?;
        let jlate = opt("job_late_cost", &job_late_cost)?;
        let jlateh = opt("job_late_cost_per_hour", &job_late_cost_per_hour)?;
        let n_locations = dshape[0];

        let problem = run_detached(py, move || {
            let l = dshape[0];
            if dshape[1] != l || tshape[1] != l || tshape[2] != l {
                return Err(CoreError::invalid("durations", "matrices must be L × L"));
            }
            let nj = jloc.len();
            let nk = tcount.len();
            let nd = jdshape[1];
            if tcapshape[1] != nd {
                return Err(CoreError::invalid(
                    "type_capacity",
                    format!("expected {nd} capacity dimensions, got {}", tcapshape[1]),
                ));
            }
            if jtwshape[1] != 2 || tbrshape[1] != 3 {
                return Err(CoreError::invalid(
                    "job_tw",
                    "windows are (start, end) rows, breaks (start, end, duration)",
                ));
            }
            if ttw.len() != 2 * nk {
                return Err(CoreError::invalid(
                    "type_tw",
                    format!("expected shape ({nk}, 2)"),
                ));
            }
            let jtwo = idx("job_tw_offsets", &jtwo)?;
            let tbro = idx("type_breaks_offsets", &tbro)?;
            let input = ProblemInput {
                distance: Vec::new(),
                durations: Vec::new(),
                coords,
                n_locations: l,
                n_dims: nd,
                job_location: idx("job_location", &jloc)?,
                job_delivery: jdel,
                job_pickup: jpick,
                job_service: jsvc,
                job_tw: ragged("job_tw_offsets", &jtwo, nj, jtwshape[0], |r| {
                    (jtw[2 * r], jtw[2 * r + 1])
                })?,
                job_skills: jsk,
                job_required: jreq,
                job_penalty: jpen,
                job_priority: jpri,
                pair_of: jpair,
                is_pickup: jpu,
                type_count: idx("type_count", &tcount)?,
                type_capacity: tcap,
                type_start: idx("type_start", &tstart)?,
                type_end: idx("type_end", &tend)?,
                type_fixed_cost: tfix,
                type_cost_per_km: tkm,
                type_cost_per_hour: thour,
                type_tw: (0..nk).map(|k| (ttw[2 * k], ttw[2 * k + 1])).collect(),
                type_max_duration: tmaxdur,
                type_max_distance: tmaxdist,
                type_skills: tsk,
                type_profile: idx("type_profile", &tprof)?,
                type_breaks: ragged("type_breaks_offsets", &tbro, nk, tbrshape[0], |r| {
                    BreakRule {
                        start: tbr[3 * r],
                        end: tbr[3 * r + 1],
                        duration: tbr[3 * r + 2],
                    }
                })?,
                job_allowed_type: jallowed,
                job_home_type: jhome,
                job_disruption_cost: jdisr,
                job_due: jdue,
                job_late_cost: jlate,
                job_late_cost_per_hour: jlateh,
            };
            Problem::with_matrices(input, dist.as_slice(), durs.as_slice())
        })?;
        Ok(ProblemData {
            inner: Arc::new(problem),
            n_locations,
        })
    }

    /// Number of jobs `J` (each half of a shipment counts as one).
    #[getter]
    fn num_jobs(&self) -> usize {
        self.inner.n_jobs
    }

    /// Number of vehicle types `K`.
    #[getter]
    fn num_vehicle_types(&self) -> usize {
        self.inner.n_types
    }

    /// Number of locations `L`.
    #[getter]
    fn num_locations(&self) -> usize {
        self.n_locations
    }

    /// A fast starting solution for large problems (nearest-neighbour routes over
    /// the neighbour lists, `O(J · 100)` evaluations): `(vehicle_type, [job, ...])`
    /// per route, every route feasible; pickup–delivery pairs and jobs it could not
    /// place are left out (the search inserts them from a warm start).
    fn nearest_neighbour_routes(&self, py: Python<'_>) -> PyResult<Vec<(usize, Vec<usize>)>> {
        let p = Arc::clone(&self.inner);
        run_detached(py, move || {
            Ok(crate::routing::nearest::nearest_neighbour_routes(&p))
        })
    }

    /// True when arcs are computed from coordinates (no matrices held).
    #[getter]
    fn matrix_free(&self) -> bool {
        self.inner.matrix_free()
    }

    /// Approximate bytes held by the arc table and the neighbour lists.
    #[getter]
    fn arc_bytes(&self) -> usize {
        self.inner.arc_bytes()
    }

    /// Number of capacity dimensions `D`.
    #[getter]
    fn num_dimensions(&self) -> usize {
        self.inner.inp.n_dims
    }

    fn __repr__(&self) -> String {
        format!(
            "ProblemData(jobs={}, vehicle_types={}, locations={})",
            self.inner.n_jobs, self.inner.n_types, self.n_locations
        )
    }
}

/// Settings of one search: wall-clock limit (seconds), seed, optional
/// iteration budget (with it a run is reproducible for a seed and thread
/// count), the warm start: `initial_routes` as `(vehicle_type, [job, ...])`,
/// and per initial route how many leading jobs stay in place
/// (`fixed_prefixes`), whether it must not change at all (`pinned`) and
/// whether it is settled (`settled`: no local-search move between two settled
/// routes improves, so the first descent skips those pairs); and
/// `threads`, the cooperating searches run side by side (`1`: the single
/// search; `0`: one per core; at most `MAX_THREADS`; the iteration budget
/// applies to each).
///
/// Raises `engine.errors.InvalidInputError` for a time limit that is not a
/// finite number in `[0, MAX_TIME_LIMIT_S]` (field `time_limit`), warm-start
/// lists of different lengths, or `threads` outside `[0, MAX_THREADS]` (field
/// `threads`).
#[pyclass(module = "engine._core", frozen)]
pub struct SearchParams {
    #[pyo3(get)]
    time_limit: f64,
    #[pyo3(get)]
    seed: u64,
    #[pyo3(get)]
    max_iterations: Option<u64>,
    #[pyo3(get)]
    initial_routes: Vec<(usize, Vec<usize>)>,
    #[pyo3(get)]
    fixed_prefixes: Vec<usize>,
    #[pyo3(get)]
    pinned: Vec<bool>,
    #[pyo3(get)]
    settled: Vec<bool>,
    #[pyo3(get)]
    threads: usize,
}

/// Check a search time limit (seconds).
pub fn check_time_limit(t: f64) -> CoreResult<std::time::Duration> {
    if !(t.is_finite() && (0.0..=MAX_TIME_LIMIT_S).contains(&t)) {
        return Err(CoreError::invalid(
            "time_limit",
            format!("must be a finite number of seconds in [0, {MAX_TIME_LIMIT_S}], got {t}"),
        ));
    }
    Ok(std::time::Duration::from_secs_f64(t))
}

/// Check a thread count: `0` (one per core) to [`MAX_THREADS`].
pub fn check_threads(threads: i64) -> CoreResult<usize> {
    match usize::try_from(threads) {
        Ok(t) if t <= MAX_THREADS => Ok(t),
        _ => Err(CoreError::invalid(
            "threads",
            format!("must be in [0, {MAX_THREADS}] (0: one per core), got {threads}"),
        )),
    }
}

#[pymethods]
impl SearchParams {
    #[new]
    #[pyo3(signature = (
        *, time_limit, seed = 0, max_iterations = None, initial_routes = None,
        fixed_prefixes = None, pinned = None, threads = 1, settled = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        time_limit: f64,
        seed: u64,
        max_iterations: Option<u64>,
        initial_routes: Option<Vec<(usize, Vec<usize>)>>,
        fixed_prefixes: Option<Vec<usize>>,
        pinned: Option<Vec<bool>>,
        threads: i64,
        settled: Option<Vec<bool>>,
    ) -> PyResult<Self> {
        let routes = initial_routes.unwrap_or_default();
        let fixed = fixed_prefixes.unwrap_or_else(|| vec![0; routes.len()]);
        let pin = pinned.unwrap_or_else(|| vec![false; routes.len()]);
        let settled = settled.unwrap_or_else(|| vec![false; routes.len()]);
        let checked = (|| {
            if fixed.len() != routes.len() || pin.len() != routes.len() {
                return Err(CoreError::invalid(
                    "fixed_prefixes",
                    "fixed_prefixes and pinned must match initial_routes in length",
                ));
            }
            if settled.len() != routes.len() {
                return Err(CoreError::invalid(
                    "settled",
                    "settled must match initial_routes in length",
                ));
            }
            check_threads(threads)?;
            check_time_limit(time_limit)
        })();
        checked.map_err(|e| to_pyerr(py, e))?;
        Ok(SearchParams {
            time_limit,
            seed,
            max_iterations,
            initial_routes: routes,
            fixed_prefixes: fixed,
            pinned: pin,
            settled,
            threads: usize::try_from(threads).unwrap_or(1),
        })
    }
}

/// What a search returns: `routes` as `(vehicle_type, [job, ...])` for every
/// used vehicle, `dropped` (sorted jobs in no route), `cost` (cost units),
/// `distance`, `feasible` (every required job served and every route
/// feasible), `iterations`, `evaluations`, `restarts` (totals over the
/// searches when several ran), `runtime_s`, `soft_late_stops` (soft jobs
/// served after their due time), `threads` (searches run side by side) and
/// `exchanges` (solutions they passed on to each other).
#[pyclass(module = "engine._core", frozen)]
pub struct SearchResult {
    #[pyo3(get)]
    routes: Vec<(usize, Vec<usize>)>,
    #[pyo3(get)]
    dropped: Vec<usize>,
    #[pyo3(get)]
    cost: f64,
    #[pyo3(get)]
    distance: i64,
    #[pyo3(get)]
    feasible: bool,
    #[pyo3(get)]
    iterations: u64,
    #[pyo3(get)]
    evaluations: u64,
    #[pyo3(get)]
    restarts: u64,
    #[pyo3(get)]
    runtime_s: f64,
    #[pyo3(get)]
    soft_late_stops: usize,
    /// Stopped through its [`CancelToken`] before the time limit or budget.
    #[pyo3(get)]
    interrupted: bool,
    #[pyo3(get)]
    threads: usize,
    #[pyo3(get)]
    exchanges: u64,
}

/// A flag that stops running searches: pass it to `solve_routing` and call
/// `cancel()` from any thread (for example a signal handler); the search
/// returns its best solution so far within milliseconds, marked `interrupted`.
#[pyclass(module = "engine._core", frozen)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> Self {
        CancelToken {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Ask every search holding this token to stop.
    fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether `cancel()` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

#[pymethods]
impl SearchResult {
    fn __repr__(&self) -> String {
        format!(
            "SearchResult(cost={}, routes={}, dropped={}, feasible={}, iterations={}, \
             interrupted={})",
            self.cost,
            self.routes.len(),
            self.dropped.len(),
            self.feasible,
            self.iterations,
            self.interrupted
        )
    }
}

/// Search `data` with `params` (the GIL is released for the whole search);
/// `cancel` stops it early (the result is then marked `interrupted`).
///
/// Raises `engine.errors.InvalidInputError` for a warm start that does not
/// fit the problem.
#[pyfunction]
#[pyo3(signature = (data, params, cancel = None))]
fn solve_routing(
    py: Python<'_>,
    data: &ProblemData,
    params: &SearchParams,
    cancel: Option<&CancelToken>,
) -> PyResult<SearchResult> {
    let problem = Arc::clone(&data.inner);
    let prm = crate::routing::SearchParams {
        time_limit: check_time_limit(params.time_limit).map_err(|e| to_pyerr(py, e))?,
        seed: params.seed,
        max_iterations: params.max_iterations,
        initial: params
            .initial_routes
            .iter()
            .zip(params.fixed_prefixes.iter().zip(&params.pinned))
            .zip(&params.settled)
            .map(
                |(((vtype, jobs), (&fixed, &pinned)), &settled)| InitialRoute {
                    vtype: *vtype,
                    jobs: jobs.clone(),
                    fixed,
                    pinned,
                    settled,
                },
            )
            .collect(),
        cancel: cancel.map(|c| Arc::clone(&c.flag)),
        threads: params.threads,
        ..Default::default()
    };
    let out = run_detached(py, move || solve(&problem, &prm))?;
    Ok(SearchResult {
        routes: out.routes,
        dropped: out.dropped,
        cost: out.cost,
        distance: out.distance,
        feasible: out.feasible,
        iterations: out.iterations,
        evaluations: out.evaluations,
        restarts: out.restarts,
        runtime_s: out.runtime.as_secs_f64(),
        soft_late_stops: out.soft_late_stops,
        interrupted: out.interrupted,
        threads: out.threads,
        exchanges: out.exchanges,
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MAX_TIME_LIMIT_S", MAX_TIME_LIMIT_S)?;
    m.add("MAX_THREADS", MAX_THREADS)?;
    m.add_class::<ProblemData>()?;
    m.add_class::<SearchParams>()?;
    m.add_class::<SearchResult>()?;
    m.add_class::<CancelToken>()?;
    m.add_function(wrap_pyfunction!(solve_routing, m)?)?;
    Ok(())
}
