//! Problem data for the search core: the flattened arrays of
//! `docs/routing_contract.md`, validated once, plus derived per-node data.

use crate::error::{CoreError, CoreResult};

use super::coords::{CoordArcs, CoordInput, KdTree};
use super::segment::{Seg, MAX_DIMS, MAX_LOAD};

/// Internal cost scale: one cost unit is `COST_SCALE` internal units, so
/// `cost_per_km * dist / 1000` and `cost_per_hour * duration / 3600` are exact
/// integers (`cost_per_km * dist * 3600` and `cost_per_hour * duration * 1000`).
pub const COST_SCALE: i64 = 3_600_000;

/// A driver break: must start within `[start, end]` and lasts `duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakRule {
    pub start: i64,
    pub end: i64,
    pub duration: i64,
}

/// The flattened problem exactly as the contract defines it (row-major arrays).
///
/// `job_tw` and `type_breaks` are ragged: one `Vec` per job / vehicle type.
#[derive(Clone, Debug, Default)]
pub struct ProblemInput {
    /// `L × L` distances, row-major (empty when `coords` is given).
    pub distance: Vec<i64>,
    /// `P × L × L` travel times, one matrix per speed profile (empty when
    /// `coords` is given).
    pub durations: Vec<i64>,
    /// Matrix-free mode: arcs computed on demand from one point per location
    /// and `P` speed profiles, instead of the matrices.
    pub coords: Option<CoordInput>,
    pub n_locations: usize,
    pub n_dims: usize,
    pub job_location: Vec<usize>,
    /// `J × D` delivery amounts.
    pub job_delivery: Vec<i64>,
    /// `J × D` pickup amounts.
    pub job_pickup: Vec<i64>,
    pub job_service: Vec<i64>,
    pub job_tw: Vec<Vec<(i64, i64)>>,
    pub job_skills: Vec<u64>,
    pub job_required: Vec<bool>,
    pub job_penalty: Vec<i64>,
    pub job_priority: Vec<i64>,
    /// Partner of a pickup–delivery job, `-1` for single jobs.
    pub pair_of: Vec<i64>,
    pub is_pickup: Vec<bool>,
    pub type_count: Vec<usize>,
    /// `K × D` capacities.
    pub type_capacity: Vec<i64>,
    pub type_start: Vec<usize>,
    pub type_end: Vec<usize>,
    pub type_fixed_cost: Vec<i64>,
    pub type_cost_per_km: Vec<i64>,
    pub type_cost_per_hour: Vec<i64>,
    pub type_tw: Vec<(i64, i64)>,
    pub type_max_duration: Vec<i64>,
    pub type_max_distance: Vec<i64>,
    pub type_skills: Vec<u64>,
    pub type_profile: Vec<usize>,
    pub type_breaks: Vec<Vec<BreakRule>>,
    /// Live re-planning (optional, empty = absent): the only type that may
    /// serve each job (`-1` = any).
    pub job_allowed_type: Vec<i64>,
    /// Home type of each job (`-1` = none) and the cost of serving it with
    /// another type.
    pub job_home_type: Vec<i64>,
    pub job_disruption_cost: Vec<i64>,
    /// Soft lateness (optional, empty = absent; the three come together): a
    /// service start after `job_due[j]` is late and costs `job_late_cost[j]`
    /// (cost units per late stop) plus `job_late_cost_per_hour[j]` per hour
    /// late, added to the objective; the job's windows stay hard limits.
    /// Jobs with `job_due[j]` at or after their last window end, or with both
    /// costs zero, are not soft.
    pub job_due: Vec<i64>,
    pub job_late_cost: Vec<i64>,
    pub job_late_cost_per_hour: Vec<i64>,
}

/// Distance and travel time of every arc, one `L × L` block per speed
/// profile, interleaved so that a lookup touches one cache line; 32-bit when
/// every entry fits (half the memory traffic of two `i64` matrices). Or, in
/// matrix-free mode, computed on demand from coordinates (`Coords`).
#[derive(Clone, Debug)]
enum Arcs {
    Small(Vec<[i32; 2]>),
    Large(Vec<[i64; 2]>),
    Coords(CoordArcs),
}

impl Arcs {
    /// The table for input matrices `distance` (`L × L`) and `durations`
    /// (`P × L × L`), rows and columns relabelled by `new_of_old`.
    fn new(distance: &[i64], durations: &[i64], new_of_old: &[usize]) -> Arcs {
        fn fill<T: Copy + Default>(
            distance: &[i64],
            durations: &[i64],
            new_of_old: &[usize],
            conv: impl Fn(i64) -> T,
            mut out: Vec<[T; 2]>,
        ) -> Vec<[T; 2]> {
            let l = new_of_old.len();
            out.clear();
            out.resize(durations.len(), [T::default(); 2]);
            for prof in 0..durations.len() / (l * l).max(1) {
                for a in 0..l {
                    let row = (prof * l + new_of_old[a]) * l;
                    let dst = &mut out[row..row + l];
                    let (drow, trow) = (
                        &distance[a * l..(a + 1) * l],
                        &durations[(prof * l + a) * l..(prof * l + a + 1) * l],
                    );
                    for b in 0..l {
                        dst[new_of_old[b]] = [conv(drow[b]), conv(trow[b])];
                    }
                }
            }
            out
        }
        let fits = |v: &i64| i32::try_from(*v).is_ok();
        if distance.iter().all(fits) && durations.iter().all(fits) {
            let spare = take_spare(durations.len());
            Arcs::Small(fill(distance, durations, new_of_old, |v| v as i32, spare))
        } else {
            Arcs::Large(fill(distance, durations, new_of_old, |v| v, Vec::new()))
        }
    }

    /// Distance and time from `a` to `b` for profile `prof` (`l` locations).
    #[inline(always)]
    fn get(&self, l: usize, prof: usize, a: usize, b: usize) -> (i64, i64) {
        match self {
            Arcs::Small(v) => {
                let [d, t] = v[(prof * l + a) * l + b];
                (i64::from(d), i64::from(t))
            }
            Arcs::Large(v) => {
                let [d, t] = v[(prof * l + a) * l + b];
                (d, t)
            }
            Arcs::Coords(c) => c.arc(prof, a, b),
        }
    }

    #[inline(always)]
    fn dist(&self, l: usize, a: usize, b: usize) -> i64 {
        match self {
            Arcs::Small(v) => i64::from(v[a * l + b][0]),
            Arcs::Large(v) => v[a * l + b][0],
            Arcs::Coords(c) => c.dist(a, b),
        }
    }

    #[inline(always)]
    fn time(&self, l: usize, prof: usize, a: usize, b: usize) -> i64 {
        match self {
            Arcs::Small(v) => i64::from(v[(prof * l + a) * l + b][1]),
            Arcs::Large(v) => v[(prof * l + a) * l + b][1],
            Arcs::Coords(c) => c.time(prof, a, b),
        }
    }

    /// Heap bytes of the table.
    fn heap_bytes(&self) -> usize {
        match self {
            Arcs::Small(v) => v.len() * size_of::<[i32; 2]>(),
            Arcs::Large(v) => v.len() * size_of::<[i64; 2]>(),
            Arcs::Coords(c) => c.heap_bytes(),
        }
    }
}

/// The 32-bit arc table of the last problem dropped, kept for the next one:
/// a live plan is re-planned again and again at nearly the same size, and
/// writing into pages already touched costs far less than fresh pages (on a
/// virtual machine the kernel may fault them in slowly). One table at most,
/// of at most [`SPARE_MAX_CELLS`] cells.
const SPARE_MAX_CELLS: usize = 1 << 24;
static SPARE_TABLE: std::sync::Mutex<Vec<[i32; 2]>> = std::sync::Mutex::new(Vec::new());

/// The spare table if it holds `n` cells and is not twice as large (emptied),
/// else a new empty vector.
fn take_spare(n: usize) -> Vec<[i32; 2]> {
    let mut spare = SPARE_TABLE.lock().unwrap_or_else(|e| e.into_inner());
    if spare.capacity() >= n && spare.capacity() <= 2 * n.max(1024) {
        std::mem::take(&mut *spare)
    } else {
        Vec::new()
    }
}

impl Drop for Arcs {
    fn drop(&mut self) {
        if let Arcs::Small(v) = self {
            let mut spare = SPARE_TABLE.lock().unwrap_or_else(|e| e.into_inner());
            if v.capacity() > spare.capacity() && v.capacity() <= SPARE_MAX_CELLS {
                *spare = std::mem::take(v);
            }
        }
    }
}

/// Validated problem with derived per-node segments and neighbour lists.
///
/// Locations are relabelled for cache locality: `inp.job_location`,
/// `inp.type_start` and `inp.type_end` hold internal indices
/// (`location_index[input index]`), and the input matrices are moved into a
/// compact arc table read through [`Problem::dist`] and [`Problem::time`]
/// (`inp.distance` and `inp.durations` are empty after construction).
#[derive(Clone, Debug)]
pub struct Problem {
    pub inp: ProblemInput,
    arcs: Arcs,
    /// Internal index of each input location.
    pub location_index: Vec<usize>,
    /// The distance matrix is symmetric (see [`Problem::dist_to`]).
    pub symmetric: bool,
    pub n_jobs: usize,
    pub n_types: usize,
    pub n_profiles: usize,
    /// Partner job of a pickup–delivery job.
    pub pair: Vec<Option<usize>>,
    /// Single-node segment per job (time-window hull, load deltas).
    pub job_seg: Vec<Seg>,
    /// Start and end depot segments per vehicle type.
    pub start_seg: Vec<Seg>,
    pub end_seg: Vec<Seg>,
    /// True when a job has more than one time window or is soft (see
    /// [`Problem::job_soft`]); routes holding such jobs (or of types with
    /// breaks) are evaluated exactly by walking them.
    pub job_multi_tw: Vec<bool>,
    /// Jobs with a soft due time and a lateness cost (see
    /// [`ProblemInput::job_due`]).
    pub job_soft: Vec<bool>,
    /// Some job is soft.
    pub has_soft: bool,
    /// Jobs sorted by distance from each job (at most `MAX_NEIGHBOURS`).
    pub neighbours: Vec<Vec<u32>>,
    /// Internal-unit penalty of dropping each optional job.
    pub drop_cost: Vec<i64>,
    /// `can_serve[k * J + j]`: skills and capacity allow type k to serve job j.
    pub can_serve: Vec<bool>,
    /// Any job has a disruption cost.
    pub has_disruption: bool,
    /// Some job is restricted to one vehicle type.
    pub has_allowed_type: bool,
}

/// How many nearest jobs each job remembers (ruin adjacency and granular lists).
pub const MAX_NEIGHBOURS: usize = 100;

/// Matrix-free mode: arcs from each job to this many nearest jobs (both
/// ways) are cached, with the depots' arcs to every location.
pub const NEAR_CACHED: usize = 24;

/// A relabelling of the locations (`new index = result[input index]`) that
/// gives close locations close indices, so the arcs a local search touches
/// around a job share cache lines: depots first, then job locations in the
/// order of a greedy nearest-neighbour chain through the jobs (over their
/// neighbour lists, jumping to the nearest unvisited job when all
/// neighbours are visited), then unused locations.
fn locality_order(
    inp: &ProblemInput,
    distance: &[i64],
    neighbours: &[Vec<u32>],
    mut tree: Option<KdTree<'_>>,
) -> Vec<usize> {
    let l = inp.n_locations;
    let nj = inp.job_location.len();
    let mut index = vec![usize::MAX; l];
    let mut next = 0;
    let mut label = |loc: usize, index: &mut [usize]| {
        if index[loc] == usize::MAX {
            index[loc] = next;
            next += 1;
        }
    };
    for &loc in inp.type_start.iter().chain(&inp.type_end) {
        label(loc, &mut index);
    }
    let mut seen = vec![false; nj];
    let mut cur = 0;
    for _ in 0..nj {
        seen[cur] = true;
        if let Some(t) = tree.as_mut() {
            t.remove(cur);
        }
        let lc = inp.job_location[cur];
        label(lc, &mut index);
        let near = neighbours[cur]
            .iter()
            .map(|&o| o as usize)
            .find(|&o| !seen[o]);
        cur = match (near, &tree) {
            (Some(o), _) => o,
            // Matrix-free: the same rule (nearest unseen job, lowest index
            // on ties) from the k-d tree of unseen jobs.
            (None, Some(t)) => t.nearest(lc, 1, None).first().map_or(0, |x| x.1 as usize),
            (None, None) => (0..nj)
                .filter(|&o| !seen[o])
                .min_by_key(|&o| distance[lc * l + inp.job_location[o]])
                .unwrap_or(0),
        };
    }
    for loc in 0..l {
        label(loc, &mut index);
    }
    index
}

/// Whether the `l × l` matrix `d` equals its transpose, compared in square
/// tiles so that both the rows and the columns read stay in cache.
fn is_symmetric(d: &[i64], l: usize) -> bool {
    const TILE: usize = 64;
    for a0 in (0..l).step_by(TILE) {
        for b0 in (0..=a0).step_by(TILE) {
            for a in a0..(a0 + TILE).min(l) {
                for b in b0..(b0 + TILE).min(a) {
                    if d[a * l + b] != d[b * l + a] {
                        return false;
                    }
                }
            }
        }
    }
    true
}

fn check_len(field: &str, got: usize, want: usize) -> CoreResult<()> {
    if got != want {
        return Err(CoreError::invalid(
            field,
            format!("expected length {want}, got {got}"),
        ));
    }
    Ok(())
}

impl Problem {
    /// Validate `inp` and derive the search data.
    ///
    /// # Errors
    /// [`CoreError::InvalidInput`] naming the first offending field.
    pub fn new(mut inp: ProblemInput) -> CoreResult<Problem> {
        let distance = std::mem::take(&mut inp.distance);
        let durations = std::mem::take(&mut inp.durations);
        Problem::with_matrices(inp, &distance, &durations)
    }

    /// [`Problem::new`] with the matrices given apart from `inp` (whose
    /// `distance` and `durations` must then be empty), borrowed: they are read
    /// once into the arc table, never copied whole.
    ///
    /// # Errors
    /// [`CoreError::InvalidInput`] naming the first offending field.
    #[allow(clippy::needless_range_loop)]
    pub fn with_matrices(
        mut inp: ProblemInput,
        distance: &[i64],
        durations: &[i64],
    ) -> CoreResult<Problem> {
        if !inp.distance.is_empty() || !inp.durations.is_empty() {
            return Err(CoreError::invalid(
                "distance",
                "matrices given twice (in the input and apart)",
            ));
        }
        let l = inp.n_locations;
        let nd = inp.n_dims;
        if nd > MAX_DIMS {
            return Err(CoreError::invalid(
                "n_dims",
                format!("at most {MAX_DIMS} capacity dimensions are supported, got {nd}"),
            ));
        }
        let n_profiles = match &inp.coords {
            Some(c) => {
                check_len("coordinates", c.points.len(), l)?;
                if l == 0 || c.profiles.is_empty() {
                    return Err(CoreError::invalid(
                        "speed_profiles",
                        "need at least one location and one speed profile",
                    ));
                }
                if !distance.is_empty() || !durations.is_empty() {
                    return Err(CoreError::invalid(
                        "coordinates",
                        "give coordinates or matrices, not both",
                    ));
                }
                c.validate()?;
                c.profiles.len()
            }
            None => {
                check_len("distance", distance.len(), l * l)?;
                if l == 0 || durations.is_empty() || !durations.len().is_multiple_of(l * l) {
                    return Err(CoreError::invalid(
                        "durations",
                        "must hold P >= 1 matrices of L × L",
                    ));
                }
                if distance.iter().chain(durations).any(|&v| v < 0) {
                    return Err(CoreError::invalid(
                        "distance",
                        "matrices must be non-negative",
                    ));
                }
                durations.len() / (l * l)
            }
        };
        let nj = inp.job_location.len();
        check_len("job_delivery", inp.job_delivery.len(), nj * nd)?;
        check_len("job_pickup", inp.job_pickup.len(), nj * nd)?;
        check_len("job_service", inp.job_service.len(), nj)?;
        check_len("job_tw", inp.job_tw.len(), nj)?;
        check_len("job_skills", inp.job_skills.len(), nj)?;
        check_len("job_required", inp.job_required.len(), nj)?;
        check_len("job_penalty", inp.job_penalty.len(), nj)?;
        check_len("job_priority", inp.job_priority.len(), nj)?;
        check_len("pair_of", inp.pair_of.len(), nj)?;
        check_len("is_pickup", inp.is_pickup.len(), nj)?;
        for (f, v) in [
            ("job_allowed_type", &inp.job_allowed_type),
            ("job_home_type", &inp.job_home_type),
            ("job_disruption_cost", &inp.job_disruption_cost),
            ("job_due", &inp.job_due),
            ("job_late_cost", &inp.job_late_cost),
            ("job_late_cost_per_hour", &inp.job_late_cost_per_hour),
        ] {
            if !v.is_empty() {
                check_len(f, v.len(), nj)?;
            }
        }
        if inp.job_disruption_cost.iter().any(|&c| c < 0) {
            return Err(CoreError::invalid(
                "job_disruption_cost",
                "must be non-negative",
            ));
        }
        if inp.job_disruption_cost.is_empty() != inp.job_home_type.is_empty() {
            return Err(CoreError::invalid(
                "job_home_type",
                "job_home_type and job_disruption_cost come together",
            ));
        }
        let soft_given = [
            inp.job_due.is_empty(),
            inp.job_late_cost.is_empty(),
            inp.job_late_cost_per_hour.is_empty(),
        ];
        if soft_given.iter().any(|&e| e != soft_given[0]) {
            return Err(CoreError::invalid(
                "job_due",
                "job_due, job_late_cost and job_late_cost_per_hour come together",
            ));
        }
        if inp
            .job_late_cost
            .iter()
            .chain(&inp.job_late_cost_per_hour)
            .any(|&c| c < 0)
        {
            return Err(CoreError::invalid(
                "job_late_cost",
                "lateness costs must be non-negative",
            ));
        }
        let nk = inp.type_count.len();
        if nk == 0 {
            return Err(CoreError::invalid("type_count", "no vehicle types"));
        }
        check_len("type_capacity", inp.type_capacity.len(), nk * nd)?;
        for (f, n) in [
            ("type_start", inp.type_start.len()),
            ("type_end", inp.type_end.len()),
            ("type_fixed_cost", inp.type_fixed_cost.len()),
            ("type_cost_per_km", inp.type_cost_per_km.len()),
            ("type_cost_per_hour", inp.type_cost_per_hour.len()),
            ("type_tw", inp.type_tw.len()),
            ("type_max_duration", inp.type_max_duration.len()),
            ("type_max_distance", inp.type_max_distance.len()),
            ("type_skills", inp.type_skills.len()),
            ("type_profile", inp.type_profile.len()),
            ("type_breaks", inp.type_breaks.len()),
        ] {
            check_len(f, n, nk)?;
        }
        for (j, &loc) in inp.job_location.iter().enumerate() {
            if loc >= l {
                return Err(CoreError::invalid(
                    "job_location",
                    format!("job {j}: location {loc} out of range 0..{l}"),
                ));
            }
            if inp.job_service[j] < 0 {
                return Err(CoreError::invalid(
                    "job_service",
                    format!("job {j}: negative"),
                ));
            }
            let tws = &inp.job_tw[j];
            if tws.is_empty() {
                return Err(CoreError::invalid(
                    "job_tw",
                    format!("job {j}: no time window"),
                ));
            }
            for (w, &(a, b)) in tws.iter().enumerate() {
                if a > b || (w > 0 && tws[w - 1].1 >= a) {
                    return Err(CoreError::invalid(
                        "job_tw",
                        format!("job {j}: windows must be sorted, disjoint, start <= end"),
                    ));
                }
            }
            if inp.job_penalty[j] < 0 {
                return Err(CoreError::invalid(
                    "job_penalty",
                    format!("job {j}: negative"),
                ));
            }
        }
        if inp
            .job_delivery
            .iter()
            .chain(&inp.job_pickup)
            .any(|&v| v < 0)
        {
            return Err(CoreError::invalid(
                "job_delivery",
                "amounts must be non-negative",
            ));
        }
        // Segments hold loads in 32 bits: every partial sum of deliveries or
        // of pickups must fit.
        for d in 0..nd {
            for (field, v) in [
                ("job_delivery", &inp.job_delivery),
                ("job_pickup", &inp.job_pickup),
            ] {
                let total: i128 = (0..nj).map(|j| i128::from(v[j * nd + d])).sum();
                if total > i128::from(MAX_LOAD) {
                    return Err(CoreError::invalid(
                        field,
                        format!(
                            "dimension {d}: amounts sum to {total}, above {MAX_LOAD}; \
                             use a coarser unit"
                        ),
                    ));
                }
            }
        }
        let mut pair = vec![None; nj];
        for j in 0..nj {
            let p = inp.pair_of[j];
            if p < 0 {
                continue;
            }
            let p = p as usize;
            if p >= nj || p == j || inp.pair_of[p] != j as i64 {
                return Err(CoreError::invalid(
                    "pair_of",
                    format!("job {j}: partner {p} is not a mutual partner"),
                ));
            }
            if inp.is_pickup[j] == inp.is_pickup[p] {
                return Err(CoreError::invalid(
                    "is_pickup",
                    format!("jobs {j} and {p}: exactly one of a pair is the pickup"),
                ));
            }
            if inp.is_pickup[j] {
                let (a, b) = (
                    &inp.job_pickup[j * nd..(j + 1) * nd],
                    &inp.job_delivery[p * nd..(p + 1) * nd],
                );
                if a != b {
                    return Err(CoreError::invalid(
                        "job_pickup",
                        format!("pair ({j}, {p}): pickup amount must equal delivery amount"),
                    ));
                }
            }
            if inp.job_required[j] != inp.job_required[p] {
                return Err(CoreError::invalid(
                    "job_required",
                    format!("pair ({j}, {p}): both or neither must be required"),
                ));
            }
            pair[j] = Some(p);
        }
        for k in 0..nk {
            if inp.type_start[k] >= l || inp.type_end[k] >= l {
                return Err(CoreError::invalid(
                    "type_start",
                    format!("type {k}: depot location out of range 0..{l}"),
                ));
            }
            if inp.type_profile[k] >= n_profiles {
                return Err(CoreError::invalid(
                    "type_profile",
                    format!(
                        "type {k}: profile {} out of range 0..{n_profiles}",
                        inp.type_profile[k]
                    ),
                ));
            }
            if inp.type_tw[k].0 > inp.type_tw[k].1 {
                return Err(CoreError::invalid(
                    "type_tw",
                    format!("type {k}: start > end"),
                ));
            }
            for f in [
                inp.type_fixed_cost[k],
                inp.type_cost_per_km[k],
                inp.type_cost_per_hour[k],
                inp.type_max_duration[k],
                inp.type_max_distance[k],
            ] {
                if f < 0 {
                    return Err(CoreError::invalid(
                        "type_fixed_cost",
                        format!("type {k}: costs and limits must be non-negative"),
                    ));
                }
            }
            if inp.type_capacity[k * nd..(k + 1) * nd]
                .iter()
                .any(|&c| c < 0)
            {
                return Err(CoreError::invalid(
                    "type_capacity",
                    format!("type {k}: negative"),
                ));
            }
        }

        let mut neighbours = Vec::with_capacity(nj);
        let kn = MAX_NEIGHBOURS.min(nj.saturating_sub(1));
        // Matrix-free: arcs in input labels for the neighbour lists and the
        // locality order, from a k-d tree (O(J · kn) memory, about
        // O(J · kn · log J) time); the lists equal the matrix mode's.
        let identity: Vec<usize> = match &inp.coords {
            Some(_) => (0..l).collect(),
            None => Vec::new(),
        };
        let pre_arcs = inp.coords.as_ref().map(|c| CoordArcs::new(c, &identity));
        if let Some(arcs) = &pre_arcs {
            let tree = KdTree::new(arcs, &inp.job_location);
            for j in 0..nj {
                let near = tree.nearest(inp.job_location[j], kn, Some(j));
                neighbours.push(near.into_iter().map(|x| x.1).collect());
            }
        }
        // A symmetric matrix is read by rows only (`min(d[a][b], d[b][a])` is
        // `d[a][b]`): reading its columns costs a cache miss per entry.
        let symmetric_matrix = pre_arcs.is_none() && is_symmetric(distance, l);
        let mut others: Vec<(i64, u32)> = Vec::with_capacity(nj);
        for j in (0..nj).filter(|_| pre_arcs.is_none()) {
            let lj = inp.job_location[j];
            let row = &distance[lj * l..(lj + 1) * l];
            others.clear();
            others.extend((0..nj).filter(|&o| o != j).map(|o| {
                let lo = inp.job_location[o];
                let d = if symmetric_matrix {
                    row[lo]
                } else {
                    row[lo].min(distance[lo * l + lj])
                };
                (d, o as u32)
            }));
            if others.len() > kn {
                others.select_nth_unstable(kn);
                others.truncate(kn);
            }
            others.sort_unstable();
            neighbours.push(others.iter().map(|x| x.1).collect());
        }
        // Relabel locations for cache locality, then move the matrices into
        // the arc table.
        let tree = pre_arcs
            .as_ref()
            .map(|arcs| KdTree::new(arcs, &inp.job_location));
        let location_index = locality_order(&inp, distance, &neighbours, tree);
        let (symmetric, arcs) = match &inp.coords {
            // Coordinate metrics are symmetric bit for bit ((a - b)² = (b - a)²).
            Some(c) => {
                let mut arcs = CoordArcs::new(c, &location_index);
                let depots: Vec<usize> = inp
                    .type_start
                    .iter()
                    .chain(&inp.type_end)
                    .map(|&d| location_index[d])
                    .collect();
                let (li, jl) = (&location_index, &inp.job_location);
                let near = neighbours.iter().enumerate().flat_map(|(j, nb)| {
                    let a = li[jl[j]];
                    nb.iter()
                        .take(NEAR_CACHED)
                        .map(move |&o| (a, li[jl[o as usize]]))
                });
                arcs.cache_near(&depots, near);
                (true, Arcs::Coords(arcs))
            }
            None => (
                symmetric_matrix,
                Arcs::new(distance, durations, &location_index),
            ),
        };
        for loc in inp
            .job_location
            .iter_mut()
            .chain(&mut inp.type_start)
            .chain(&mut inp.type_end)
        {
            *loc = location_index[*loc];
        }

        let mut job_seg = Vec::with_capacity(nj);
        let mut job_multi_tw = Vec::with_capacity(nj);
        for j in 0..nj {
            let tws = &inp.job_tw[j];
            let mut s = Seg::node(
                inp.job_location[j],
                inp.job_service[j],
                tws[0].0,
                tws[tws.len() - 1].1,
            );
            for d in 0..nd {
                let (del, pick) = (inp.job_delivery[j * nd + d], inp.job_pickup[j * nd + d]);
                let (start, delta) = match pair[j] {
                    Some(_) if inp.is_pickup[j] => (0, pick),
                    Some(_) => (0, -del),
                    None => (del, pick - del),
                };
                s.set_load(d, start, delta);
            }
            job_seg.push(s);
            job_multi_tw.push(tws.len() > 1);
        }
        let job_soft: Vec<bool> = if inp.job_due.is_empty() {
            vec![false; nj]
        } else {
            (0..nj)
                .map(|j| {
                    let last = inp.job_tw[j][inp.job_tw[j].len() - 1].1;
                    inp.job_due[j] < last
                        && (inp.job_late_cost[j] > 0 || inp.job_late_cost_per_hour[j] > 0)
                })
                .collect()
        };
        let has_soft = job_soft.iter().any(|&s| s);
        for j in 0..nj {
            job_multi_tw[j] |= job_soft[j];
        }
        let mut start_seg = Vec::with_capacity(nk);
        let mut end_seg = Vec::with_capacity(nk);
        for k in 0..nk {
            let (a, b) = inp.type_tw[k];
            start_seg.push(Seg::node(inp.type_start[k], 0, a, b));
            end_seg.push(Seg::node(inp.type_end[k], 0, a, b));
        }

        let drop_cost = (0..nj)
            .map(|j| inp.job_penalty[j].saturating_mul(COST_SCALE))
            .collect();
        let mut can_serve = vec![false; nk * nj];
        for k in 0..nk {
            for j in 0..nj {
                let skills_ok = inp.job_skills[j] & !inp.type_skills[k] == 0;
                let cap = &inp.type_capacity[k * nd..(k + 1) * nd];
                let cap_ok = (0..nd).all(|d| {
                    inp.job_delivery[j * nd + d] <= cap[d] && inp.job_pickup[j * nd + d] <= cap[d]
                });
                let allowed = inp
                    .job_allowed_type
                    .get(j)
                    .is_none_or(|&a| a < 0 || a == k as i64);
                can_serve[k * nj + j] = skills_ok && cap_ok && allowed && inp.type_count[k] > 0;
            }
        }
        let has_disruption = inp.job_disruption_cost.iter().any(|&c| c > 0);
        let has_allowed_type = inp.job_allowed_type.iter().any(|&a| a >= 0);
        Ok(Problem {
            arcs,
            location_index,
            symmetric,
            has_disruption,
            has_allowed_type,
            n_jobs: nj,
            n_types: nk,
            n_profiles,
            pair,
            job_seg,
            start_seg,
            end_seg,
            job_multi_tw,
            job_soft,
            has_soft,
            neighbours,
            drop_cost,
            can_serve,
            inp,
        })
    }

    #[inline]
    pub fn dims(&self) -> usize {
        self.inp.n_dims
    }

    #[inline]
    pub fn dist(&self, a: usize, b: usize) -> i64 {
        self.arcs.dist(self.inp.n_locations, a, b)
    }

    #[inline]
    pub fn time(&self, profile: usize, a: usize, b: usize) -> i64 {
        self.arcs.time(self.inp.n_locations, profile, a, b)
    }

    /// True in matrix-free mode (arcs computed from coordinates).
    pub fn matrix_free(&self) -> bool {
        matches!(self.arcs, Arcs::Coords(_))
    }

    /// Approximate heap bytes of the arc table and neighbour lists (the
    /// parts that grow faster than linearly in matrix mode).
    pub fn arc_bytes(&self) -> usize {
        self.arcs.heap_bytes()
            + self
                .neighbours
                .iter()
                .map(|n| n.capacity() * size_of::<u32>())
                .sum::<usize>()
    }

    /// `dist(a, b)` read from row `b` when the matrix is symmetric: scanning
    /// many `a` for one `b` then stays within one row of the table.
    #[inline]
    pub fn dist_to(&self, a: usize, b: usize) -> i64 {
        if self.symmetric {
            self.dist(b, a)
        } else {
            self.dist(a, b)
        }
    }

    /// Distance and travel time from `a` to `b` for speed profile `profile`.
    #[inline(always)]
    pub fn arc(&self, profile: usize, a: usize, b: usize) -> (i64, i64) {
        self.arcs.get(self.inp.n_locations, profile, a, b)
    }

    #[inline]
    pub fn job_loc(&self, j: usize) -> usize {
        self.inp.job_location[j]
    }

    /// Concatenate two segments for a vehicle of speed profile `profile`.
    #[inline(always)]
    pub fn concat(&self, profile: usize, a: &Seg, b: &Seg) -> Seg {
        let (dist, time) = self.arc(profile, a.last as usize, b.first as usize);
        a.concat(b, dist, time, self.dims())
    }

    /// True when type `k` has driver breaks (its routes are checked by walking).
    #[inline]
    pub fn type_has_breaks(&self, k: usize) -> bool {
        !self.inp.type_breaks[k].is_empty()
    }

    /// Feasibility of a complete route segment (depots included) for type `k`.
    #[inline]
    pub fn seg_feasible(&self, k: usize, s: &Seg) -> bool {
        if s.tw > 0
            || s.dur > self.inp.type_max_duration[k]
            || s.dist > self.inp.type_max_distance[k]
        {
            return false;
        }
        self.seg_load_ok(k, s)
    }

    /// Capacity part of [`Problem::seg_feasible`]: the highest load in `s`
    /// fits type `k` in every dimension.
    #[inline]
    pub fn seg_load_ok(&self, k: usize, s: &Seg) -> bool {
        let nd = self.dims();
        let cap = &self.inp.type_capacity[k * nd..(k + 1) * nd];
        (0..nd).all(|d| s.max_load(d) <= cap[d])
    }

    /// Internal-unit cost of a non-empty route whose full segment is `s`.
    #[inline]
    pub fn route_cost(&self, k: usize, s: &Seg) -> i64 {
        self.inp.type_fixed_cost[k] * COST_SCALE
            + self.inp.type_cost_per_km[k] * s.dist * 3600
            + self.inp.type_cost_per_hour[k] * s.dur * 1000
    }

    /// Internal-unit lateness cost of serving soft job `j` at `start` (0 when
    /// `j` is not soft or on time).
    #[inline]
    pub fn late_cost(&self, j: usize, start: i64) -> i64 {
        if !self.job_soft[j] || start <= self.inp.job_due[j] {
            return 0;
        }
        let late = start - self.inp.job_due[j];
        self.inp.job_late_cost[j].saturating_mul(COST_SCALE)
            + self.inp.job_late_cost_per_hour[j].saturating_mul(late) * 1000
    }

    /// Internal-unit cost of a route with `dist` and `dur` (non-empty route).
    #[inline]
    pub fn route_cost_dd(&self, k: usize, dist: i64, dur: i64) -> i64 {
        self.inp.type_fixed_cost[k] * COST_SCALE
            + self.inp.type_cost_per_km[k] * dist * 3600
            + self.inp.type_cost_per_hour[k] * dur * 1000
    }

    #[inline]
    pub fn profile(&self, k: usize) -> usize {
        self.inp.type_profile[k]
    }

    /// Internal-unit disruption cost of serving job `j` with type `k`.
    #[inline]
    pub fn disruption(&self, k: usize, j: usize) -> i64 {
        if !self.has_disruption {
            return 0;
        }
        let home = self.inp.job_home_type[j];
        if home >= 0 && home != k as i64 {
            self.inp.job_disruption_cost[j] * COST_SCALE
        } else {
            0
        }
    }

    /// Disruption cost of a whole job list served by type `k`.
    pub fn disruption_of(&self, k: usize, jobs: impl IntoIterator<Item = usize>) -> i64 {
        if !self.has_disruption {
            return 0;
        }
        jobs.into_iter().map(|j| self.disruption(k, j)).sum()
    }

    #[inline]
    pub fn can_serve(&self, k: usize, j: usize) -> bool {
        self.can_serve[k * self.n_jobs + j]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetry_is_checked_across_tiles() {
        let l = 150; // tiles of 64: a partial last tile
        let mut d: Vec<i64> = (0..l * l).map(|i| ((i / l) * (i % l)) as i64).collect();
        assert!(is_symmetric(&d, l));
        for (a, b) in [(149, 3), (70, 65), (1, 0), (149, 148)] {
            d[a * l + b] += 1;
            assert!(!is_symmetric(&d, l), "({a}, {b})");
            d[a * l + b] -= 1;
            d[b * l + a] += 1;
            assert!(!is_symmetric(&d, l), "({b}, {a})");
            d[b * l + a] -= 1;
        }
    }

    fn two_profile_input(big: i64) -> ProblemInput {
        let l = 3;
        let distance: Vec<i64> = (0..l * l).map(|i| i as i64 * 10).collect();
        let mut durations: Vec<i64> = (0..2 * l * l).map(|i| 1000 + i as i64).collect();
        durations[l * l + 5] = big;
        ProblemInput {
            distance,
            durations,
            n_locations: l,
            n_dims: 1,
            job_location: vec![2, 1],
            job_delivery: vec![1, 1],
            job_pickup: vec![0, 0],
            job_service: vec![0, 0],
            job_tw: vec![vec![(0, 100)]; 2],
            job_skills: vec![0; 2],
            job_required: vec![true; 2],
            job_penalty: vec![0; 2],
            job_priority: vec![0; 2],
            pair_of: vec![-1; 2],
            is_pickup: vec![false; 2],
            type_count: vec![1, 1],
            type_capacity: vec![5, 5],
            type_start: vec![0, 0],
            type_end: vec![0, 0],
            type_fixed_cost: vec![0, 0],
            type_cost_per_km: vec![1, 1],
            type_cost_per_hour: vec![0, 0],
            type_tw: vec![(0, 100); 2],
            type_max_duration: vec![100; 2],
            type_max_distance: vec![100; 2],
            type_skills: vec![0; 2],
            type_profile: vec![0, 1],
            type_breaks: vec![Vec::new(); 2],
            ..Default::default()
        }
    }

    /// The arc table returns the input matrices exactly under the location
    /// relabelling, in 32-bit form when everything fits and in 64-bit form
    /// when some entry does not.
    #[test]
    fn arc_table_matches_input_matrices() {
        for big in [77, i64::from(i32::MAX) + 1, i64::MAX / 4] {
            let inp = two_profile_input(big);
            let p = Problem::new(inp.clone()).unwrap();
            assert_eq!(matches!(p.arcs, Arcs::Small(_)), big == 77);
            let l = inp.n_locations;
            // Depot first, then jobs in chain order: job 0 (location 2) first.
            assert_eq!(p.location_index, vec![0, 2, 1]);
            for j in 0..2 {
                assert_eq!(p.inp.job_location[j], p.location_index[inp.job_location[j]]);
            }
            for prof in 0..2 {
                for a in 0..l {
                    for b in 0..l {
                        let (d, t) = (
                            inp.distance[a * l + b],
                            inp.durations[(prof * l + a) * l + b],
                        );
                        let (ia, ib) = (p.location_index[a], p.location_index[b]);
                        assert_eq!(p.dist(ia, ib), d);
                        assert_eq!(p.time(prof, ia, ib), t);
                        assert_eq!(p.arc(prof, ia, ib), (d, t));
                    }
                }
            }
        }
    }

    /// The same problem given by coordinates (matrix-free) and by the
    /// matrices those coordinates give: identical arcs, neighbour lists,
    /// location order and, for a fixed seed and iteration budget, identical
    /// searches; no `L × L` table is held.
    #[test]
    fn matrix_free_equals_matrix_mode() {
        use super::super::coords::{CoordArcs, CoordInput, Metric};
        use crate::geo::SpeedProfile;
        use crate::routing::lateness::tests::mixed;
        use crate::routing::search::{solve, SearchParams};
        for (metric, n) in [
            (Metric::Haversine { circuity: 1.3 }, 60),
            (Metric::EuclidRint, 60),
            (Metric::EuclidHalfUp, 130),
        ] {
            let mut inp = mixed(n, 5);
            let l = inp.n_locations;
            let mut g = super::super::rng::Rng::new(9);
            let points: Vec<(f64, f64)> = (0..l)
                .map(|_| match metric {
                    Metric::Haversine { .. } => (31.0 + 0.2 * g.f64(), 121.3 + 0.2 * g.f64()),
                    // Integer grid points: many equal distances (ties).
                    _ => (g.below(60) as f64, g.below(60) as f64),
                })
                .collect();
            let profiles = match metric {
                Metric::Haversine { .. } => vec![
                    Some(SpeedProfile::new(30.0, 60.0, 5000.0).unwrap()),
                    Some(SpeedProfile::new(20.0, 50.0, 8000.0).unwrap()),
                ],
                _ => vec![None, None],
            };
            let c = CoordInput {
                metric,
                points,
                profiles,
            };
            let arcs = CoordArcs::new(&c, &(0..l).collect::<Vec<_>>());
            let mut dist = vec![0; l * l];
            let mut durs = vec![0; 2 * l * l];
            for a in 0..l {
                for b in 0..l {
                    dist[a * l + b] = arcs.dist(a, b);
                    for prof in 0..2 {
                        durs[(prof * l + a) * l + b] = arcs.arc(prof, a, b).1;
                    }
                }
            }
            inp.type_profile = vec![0, 1];
            let mut free = inp.clone();
            free.distance = Vec::new();
            free.durations = Vec::new();
            free.coords = Some(c);
            inp.distance = dist;
            inp.durations = durs;
            let (pm, pf) = (Problem::new(inp).unwrap(), Problem::new(free).unwrap());
            assert!(pf.matrix_free() && !pm.matrix_free());
            assert_eq!(pm.neighbours, pf.neighbours, "{metric:?}");
            assert_eq!(pm.location_index, pf.location_index, "{metric:?}");
            assert_eq!(pm.symmetric, pf.symmetric);
            // Linear in L: points, cache slots, depot rows and neighbour lists.
            assert!(pf.arc_bytes() <= 1600 * l, "{}", pf.arc_bytes());
            for a in 0..l {
                for b in 0..l {
                    for prof in 0..2 {
                        assert_eq!(pm.arc(prof, a, b), pf.arc(prof, a, b));
                    }
                }
            }
            let prm = SearchParams {
                time_limit: std::time::Duration::from_secs(60),
                seed: 3,
                max_iterations: Some(300),
                ..Default::default()
            };
            let (rm, rf) = (solve(&pm, &prm).unwrap(), solve(&pf, &prm).unwrap());
            assert_eq!(rm.cost_internal, rf.cost_internal, "{metric:?}");
            assert_eq!(rm.routes, rf.routes, "{metric:?}");
        }
    }

    /// Matrix-free input errors name their field.
    #[test]
    fn matrix_free_input_errors() {
        use super::super::coords::{CoordInput, Metric};
        let mut inp = two_profile_input(77);
        let l = inp.n_locations;
        inp.distance = Vec::new();
        inp.durations = Vec::new();
        let good = CoordInput {
            metric: Metric::EuclidRint,
            points: vec![(0.0, 0.0); l],
            profiles: vec![None, None],
        };
        for (c, field) in [
            (
                CoordInput {
                    points: vec![(0.0, 0.0); l - 1],
                    ..good.clone()
                },
                "coordinates",
            ),
            (
                CoordInput {
                    points: vec![(0.0, f64::INFINITY); l],
                    ..good.clone()
                },
                "coordinates",
            ),
            (
                CoordInput {
                    metric: Metric::Haversine { circuity: 0.5 },
                    ..good.clone()
                },
                "circuity",
            ),
            (
                CoordInput {
                    profiles: vec![None],
                    ..good.clone()
                },
                "type_profile",
            ),
        ] {
            let mut bad = inp.clone();
            bad.coords = Some(c);
            let e = Problem::new(bad).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
        inp.coords = Some(good);
        assert!(Problem::new(inp).unwrap().matrix_free());
    }

    /// Loads are 32-bit inside segments: amounts summing to 2^31 - 1 per
    /// dimension are accepted (and a route carrying them all is judged
    /// exactly), more is refused with the field named.
    #[test]
    fn load_totals_must_fit_32_bits() {
        let mut inp = two_profile_input(77);
        let big = 1i64 << 30;
        inp.job_delivery = vec![big, big - 1];
        inp.type_capacity = vec![2 * big - 1, 2 * big - 2];
        inp.type_max_duration = vec![i64::MAX / 4; 2];
        inp.type_max_distance = vec![i64::MAX / 4; 2];
        inp.job_tw = vec![vec![(0, 10_000)]; 2];
        inp.type_tw = vec![(0, 10_000); 2];
        let p = Problem::new(inp.clone()).unwrap();
        let route = |k: usize| {
            let prof = p.profile(k);
            let s = [0, 1].iter().fold(p.start_seg[k], |acc, &j| {
                p.concat(prof, &acc, &p.job_seg[j])
            });
            p.concat(prof, &s, &p.end_seg[k])
        };
        assert_eq!(route(0).max_load(0), 2 * big - 1);
        assert!(p.seg_feasible(0, &route(0)));
        assert!(!p.seg_feasible(1, &route(1)));
        inp.job_delivery = vec![big, big];
        let err = Problem::new(inp.clone()).unwrap_err();
        assert!(format!("{err}").contains("job_delivery"), "{err}");
        inp.job_delivery = vec![0, 0];
        inp.job_pickup = vec![big, big];
        let err = Problem::new(inp).unwrap_err();
        assert!(format!("{err}").contains("job_pickup"), "{err}");
    }
}
