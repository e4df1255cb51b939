//! Problem data for the search core: the flattened arrays of
//! `docs/routing_contract.md`, validated once, plus derived per-node data.

use crate::error::{CoreError, CoreResult};

use super::segment::{Seg, MAX_DIMS};

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
    /// `L × L` distances, row-major.
    pub distance: Vec<i64>,
    /// `P × L × L` travel times, one matrix per speed profile.
    pub durations: Vec<i64>,
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
}

/// Validated problem with derived per-node segments and neighbour lists.
#[derive(Clone, Debug)]
pub struct Problem {
    pub inp: ProblemInput,
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
    /// True when some job has more than one time window or some type has breaks;
    /// such routes are checked exactly by walking them.
    pub job_multi_tw: Vec<bool>,
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
    #[allow(clippy::needless_range_loop)]
    pub fn new(inp: ProblemInput) -> CoreResult<Problem> {
        let l = inp.n_locations;
        let nd = inp.n_dims;
        if nd > MAX_DIMS {
            return Err(CoreError::invalid(
                "n_dims",
                format!("at most {MAX_DIMS} capacity dimensions are supported, got {nd}"),
            ));
        }
        check_len("distance", inp.distance.len(), l * l)?;
        if l == 0 || inp.durations.is_empty() || !inp.durations.len().is_multiple_of(l * l) {
            return Err(CoreError::invalid(
                "durations",
                "must hold P >= 1 matrices of L × L",
            ));
        }
        let n_profiles = inp.durations.len() / (l * l);
        if inp.distance.iter().chain(&inp.durations).any(|&v| v < 0) {
            return Err(CoreError::invalid(
                "distance",
                "matrices must be non-negative",
            ));
        }
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
        let mut start_seg = Vec::with_capacity(nk);
        let mut end_seg = Vec::with_capacity(nk);
        for k in 0..nk {
            let (a, b) = inp.type_tw[k];
            start_seg.push(Seg::node(inp.type_start[k], 0, a, b));
            end_seg.push(Seg::node(inp.type_end[k], 0, a, b));
        }

        let mut neighbours = Vec::with_capacity(nj);
        let kn = MAX_NEIGHBOURS.min(nj.saturating_sub(1));
        for j in 0..nj {
            let lj = inp.job_location[j];
            let mut others: Vec<(i64, u32)> = (0..nj)
                .filter(|&o| o != j)
                .map(|o| {
                    let lo = inp.job_location[o];
                    (
                        inp.distance[lj * l + lo].min(inp.distance[lo * l + lj]),
                        o as u32,
                    )
                })
                .collect();
            if others.len() > kn {
                others.select_nth_unstable(kn);
                others.truncate(kn);
            }
            others.sort_unstable();
            neighbours.push(others.into_iter().map(|x| x.1).collect());
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
        self.inp.distance[a * self.inp.n_locations + b]
    }

    #[inline]
    pub fn time(&self, profile: usize, a: usize, b: usize) -> i64 {
        let l = self.inp.n_locations;
        self.inp.durations[profile * l * l + a * l + b]
    }

    #[inline]
    pub fn job_loc(&self, j: usize) -> usize {
        self.inp.job_location[j]
    }

    /// Concatenate two segments for a vehicle of speed profile `profile`.
    #[inline(always)]
    pub fn concat(&self, profile: usize, a: &Seg, b: &Seg) -> Seg {
        let (la, fb) = (a.last as usize, b.first as usize);
        a.concat(
            b,
            self.dist(la, fb),
            self.time(profile, la, fb),
            self.dims(),
        )
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
