//! Bindings for [`crate::routing`]: one function, `solve_routing`.
//!
//! Python signature (all arrays NumPy, C-contiguous; shapes as named):
//!
//! ```text
//! solve_routing(
//!     *,
//!     distance: int64[L, L], durations: int64[P, L, L],
//!     job_location: int64[J], job_delivery: int64[J, D], job_pickup: int64[J, D],
//!     job_service: int64[J], job_tw_offsets: int64[J + 1], job_tw: int64[W, 2],
//!     job_skills: uint64[J], job_required: bool[J], job_penalty: int64[J],
//!     job_priority: int64[J], pair_of: int64[J], is_pickup: bool[J],
//!     type_count: int64[K], type_capacity: int64[K, D],
//!     type_start: int64[K], type_end: int64[K],
//!     type_fixed_cost: int64[K], type_cost_per_km: int64[K], type_cost_per_hour: int64[K],
//!     type_tw: int64[K, 2], type_max_duration: int64[K], type_max_distance: int64[K],
//!     type_skills: uint64[K], type_profile: int64[K],
//!     type_breaks_offsets: int64[K + 1], type_breaks: int64[B, 3],
//!     time_limit_s: float, seed: int = 0, max_iterations: int | None = None,
//!     initial_routes: list[tuple[int, list[int]]] | None = None,
//!     fixed_prefixes: list[int] | None = None,
//!     pinned: list[bool] | None = None,
//!     job_allowed_type: int64[J] | None = None,
//!     job_home_type: int64[J] | None = None,
//!     job_disruption_cost: int64[J] | None = None,
//!     job_due: int64[J] | None = None,
//!     job_late_cost: int64[J] | None = None,
//!     job_late_cost_per_hour: int64[J] | None = None,
//! ) -> dict
//! ```
//!
//! Job `j`'s windows are rows `job_tw_offsets[j]..job_tw_offsets[j + 1]` of
//! `job_tw`; type `k`'s breaks are rows `type_breaks_offsets[k]..[k + 1]` of
//! `type_breaks` as `(window_start, window_end, duration)`. `fixed_prefixes[i]`
//! and `pinned[i]` refer to `initial_routes[i]`.
//!
//! The result dict has `routes` (list of `(vehicle_type, [job, ...])`),
//! `dropped` (sorted job indices in no route), `cost` (float, cost units),
//! `distance` (int), `feasible` (bool: every required job served, every route
//! feasible), `iterations`, `evaluations`, `runtime_s`, `soft_late_stops`.

use numpy::{Element, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::{run_detached, to_pyerr};
use crate::error::{CoreError, CoreResult};
use crate::routing::{solve, BreakRule, InitialRoute, Problem, ProblemInput, SearchParams};

/// Copy an array out after checking it is C-contiguous with `ndim` dimensions.
fn flat<T: Element + Copy>(
    py: Python<'_>,
    field: &str,
    arr: &PyReadonlyArrayDyn<'_, T>,
    ndim: usize,
) -> PyResult<(Vec<T>, Vec<usize>)> {
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
    Ok((s.to_vec(), shape))
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

/// Solve a routing problem (docs/routing_contract.md arrays) with the Rust search core.
///
/// Parameters
/// ----------
/// distance : int64[L, L]; durations : int64[P, L, L]
/// job_location, job_service, job_penalty, job_priority, pair_of : int64[J]
/// job_delivery, job_pickup : int64[J, D]
/// job_tw_offsets : int64[J + 1]; job_tw : int64[W, 2]
///     Job j's windows are rows ``job_tw_offsets[j]:job_tw_offsets[j + 1]``.
/// job_skills : uint64[J]; job_required, is_pickup : bool[J]
/// type_count, type_start, type_end, type_fixed_cost, type_cost_per_km,
/// type_cost_per_hour, type_max_duration, type_max_distance, type_profile : int64[K]
/// type_capacity : int64[K, D]; type_tw : int64[K, 2]; type_skills : uint64[K]
/// type_breaks_offsets : int64[K + 1]; type_breaks : int64[B, 3]
///     Rows ``(window_start, window_end, duration)``.
/// time_limit_s : float
///     Wall-clock limit.
/// seed : int
/// max_iterations : int or None
///     Iteration budget; with it the run is reproducible for a seed.
/// initial_routes : list of (vehicle_type, list of job) or None
///     Warm start (may be incomplete).
/// fixed_prefixes : list of int or None
///     For each initial route, how many leading jobs must stay in place.
/// pinned : list of bool or None
///     For each initial route, whether it must not change at all.
/// job_allowed_type, job_home_type, job_disruption_cost : int64[J] or None
///     Live re-planning extensions of the contract (absent = no effect).
/// job_due, job_late_cost, job_late_cost_per_hour : int64[J] or None
///     Soft lateness (opt-in, all three or none): a service start after
///     ``job_due[j]`` costs ``job_late_cost[j]`` plus ``job_late_cost_per_hour[j]``
///     per hour late instead of being infeasible (windows stay hard limits).
///
/// Returns
/// -------
/// dict
///     ``routes`` (list of ``(vehicle_type, [job, ...])``), ``dropped`` (sorted
///     job indices in no route), ``cost`` (float, cost units), ``distance``
///     (int), ``feasible`` (every required job served and every route
///     feasible), ``iterations``, ``evaluations``, ``runtime_s``,
///     ``soft_late_stops`` (soft jobs served after their due time).
///
/// Raises
/// ------
/// engine.errors.InvalidInputError
///     Inconsistent arrays or an invalid warm start.
#[pyfunction]
#[pyo3(signature = (
    *, distance, durations, job_location, job_delivery, job_pickup, job_service,
    job_tw_offsets, job_tw, job_skills, job_required, job_penalty, job_priority, pair_of,
    is_pickup, type_count, type_capacity, type_start, type_end, type_fixed_cost,
    type_cost_per_km, type_cost_per_hour, type_tw, type_max_duration, type_max_distance,
    type_skills, type_profile, type_breaks_offsets, type_breaks, time_limit_s, seed = 0,
    max_iterations = None, initial_routes = None, fixed_prefixes = None, pinned = None,
    job_allowed_type = None, job_home_type = None, job_disruption_cost = None,
    job_due = None, job_late_cost = None, job_late_cost_per_hour = None
))]
#[allow(clippy::too_many_arguments)]
fn solve_routing<'py>(
    py: Python<'py>,
    distance: PyReadonlyArrayDyn<'py, i64>,
    durations: PyReadonlyArrayDyn<'py, i64>,
    job_location: PyReadonlyArrayDyn<'py, i64>,
    job_delivery: PyReadonlyArrayDyn<'py, i64>,
    job_pickup: PyReadonlyArrayDyn<'py, i64>,
    job_service: PyReadonlyArrayDyn<'py, i64>,
    job_tw_offsets: PyReadonlyArrayDyn<'py, i64>,
    job_tw: PyReadonlyArrayDyn<'py, i64>,
    job_skills: PyReadonlyArrayDyn<'py, u64>,
    job_required: PyReadonlyArrayDyn<'py, bool>,
    job_penalty: PyReadonlyArrayDyn<'py, i64>,
    job_priority: PyReadonlyArrayDyn<'py, i64>,
    pair_of: PyReadonlyArrayDyn<'py, i64>,
    is_pickup: PyReadonlyArrayDyn<'py, bool>,
    type_count: PyReadonlyArrayDyn<'py, i64>,
    type_capacity: PyReadonlyArrayDyn<'py, i64>,
    type_start: PyReadonlyArrayDyn<'py, i64>,
    type_end: PyReadonlyArrayDyn<'py, i64>,
    type_fixed_cost: PyReadonlyArrayDyn<'py, i64>,
    type_cost_per_km: PyReadonlyArrayDyn<'py, i64>,
    type_cost_per_hour: PyReadonlyArrayDyn<'py, i64>,
    type_tw: PyReadonlyArrayDyn<'py, i64>,
    type_max_duration: PyReadonlyArrayDyn<'py, i64>,
    type_max_distance: PyReadonlyArrayDyn<'py, i64>,
    type_skills: PyReadonlyArrayDyn<'py, u64>,
    type_profile: PyReadonlyArrayDyn<'py, i64>,
    type_breaks_offsets: PyReadonlyArrayDyn<'py, i64>,
    type_breaks: PyReadonlyArrayDyn<'py, i64>,
    time_limit_s: f64,
    seed: u64,
    max_iterations: Option<u64>,
    initial_routes: Option<Vec<(usize, Vec<usize>)>>,
    fixed_prefixes: Option<Vec<usize>>,
    pinned: Option<Vec<bool>>,
    job_allowed_type: Option<PyReadonlyArrayDyn<'py, i64>>,
    job_home_type: Option<PyReadonlyArrayDyn<'py, i64>>,
    job_disruption_cost: Option<PyReadonlyArrayDyn<'py, i64>>,
    job_due: Option<PyReadonlyArrayDyn<'py, i64>>,
    job_late_cost: Option<PyReadonlyArrayDyn<'py, i64>>,
    job_late_cost_per_hour: Option<PyReadonlyArrayDyn<'py, i64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (dist, dshape) = flat(py, "distance", &distance, 2)?;
    let (durs, tshape) = flat(py, "durations", &durations, 3)?;
    let (jdel, jdshape) = flat(py, "job_delivery", &job_delivery, 2)?;
    let (jpick, _) = flat(py, "job_pickup", &job_pickup, 2)?;
    let (jtw, jtwshape) = flat(py, "job_tw", &job_tw, 2)?;
    let (ttw, _) = flat(py, "type_tw", &type_tw, 2)?;
    let (tbr, tbrshape) = flat(py, "type_breaks", &type_breaks, 2)?;
    let one_i = |f: &str, a: &PyReadonlyArrayDyn<'py, i64>| flat(py, f, a, 1).map(|x| x.0);
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
    let opt = |f: &str, a: &Option<PyReadonlyArrayDyn<'py, i64>>| match a {
        Some(a) => flat(py, f, a, 1).map(|x| x.0),
        None => Ok(Vec::new()),
    };
    let jallowed = opt("job_allowed_type", &job_allowed_type)?;
    let jhome = opt("job_home_type", &job_home_type)?;
    let jdisr = opt("job_disruption_cost", &job_disruption_cost)?;
    let jdue = opt("job_due", &job_due)?;
    let jlate = opt("job_late_cost", &job_late_cost)?;
    let jlateh = opt("job_late_cost_per_hour", &job_late_cost_per_hour)?;

    let out = run_detached(py, move || {
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
            distance: dist,
            durations: durs,
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
        let problem = Problem::new(input)?;
        let routes = initial_routes.unwrap_or_default();
        let fixed = fixed_prefixes.unwrap_or_else(|| vec![0; routes.len()]);
        let pin = pinned.unwrap_or_else(|| vec![false; routes.len()]);
        if fixed.len() != routes.len() || pin.len() != routes.len() {
            return Err(CoreError::invalid(
                "fixed_prefixes",
                "fixed_prefixes and pinned must match initial_routes in length",
            ));
        }
        if !(time_limit_s.is_finite() && time_limit_s >= 0.0) {
            return Err(CoreError::invalid(
                "time_limit_s",
                "must be a finite number >= 0",
            ));
        }
        let initial = routes
            .into_iter()
            .zip(fixed.into_iter().zip(pin))
            .map(|((vtype, jobs), (fixed, pinned))| InitialRoute {
                vtype,
                jobs,
                fixed,
                pinned,
            })
            .collect();
        let prm = SearchParams {
            time_limit: std::time::Duration::from_secs_f64(time_limit_s),
            seed,
            max_iterations,
            initial,
            ..Default::default()
        };
        solve(&problem, &prm)
    })?;
    let d = PyDict::new(py);
    d.set_item("routes", out.routes)?;
    d.set_item("dropped", out.dropped)?;
    d.set_item("cost", out.cost)?;
    d.set_item("distance", out.distance)?;
    d.set_item("feasible", out.feasible)?;
    d.set_item("iterations", out.iterations)?;
    d.set_item("evaluations", out.evaluations)?;
    d.set_item("runtime_s", out.runtime.as_secs_f64())?;
    d.set_item("soft_late_stops", out.soft_late_stops)?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(solve_routing, m)?)?;
    Ok(())
}
