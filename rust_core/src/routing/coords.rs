//! Matrix-free arcs: distances and travel times computed on demand from
//! coordinates, and nearest-neighbour lists from a k-d tree, so a problem's
//! memory grows with its stops × neighbours instead of with `L²`.
//!
//! Every value is bit-identical to the matrix the Python side would have
//! built for the same sites: great circle × circuity exactly as
//! [`crate::geo::distance_matrix`] computes a cell, travel times through
//! [`SpeedProfile::seconds`] as `engine.geo.SpeedProfile.seconds` does, and
//! planar distances rounded as `numpy.rint` (or `floor(x + 0.5)`, the
//! VRPLIB convention).

use crate::error::{CoreError, CoreResult};
use crate::geo::{asin_small, asin_unit, check_coords, SpeedProfile, EARTH_RADIUS_M};

/// How a distance is computed from two points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    /// Points are `(lat, lon)` in degrees: great-circle metres × `circuity`,
    /// rounded to the nearest metre (as `engine.geo.distance_matrix`).
    Haversine { circuity: f64 },
    /// Points are `(x, y)`: Euclidean distance rounded half to even
    /// (`numpy.rint`, as `engine.routing.Model` does for planar sites).
    EuclidRint,
    /// Points are `(x, y)`: Euclidean distance rounded half up
    /// (`floor(d + 0.5)`, the VRPLIB `EUC_2D` convention).
    EuclidHalfUp,
}

/// The coordinate form of a problem's arcs (instead of matrices).
#[derive(Clone, Debug)]
pub struct CoordInput {
    pub metric: Metric,
    /// One `(a, b)` per location: `(lat, lon)` or `(x, y)`.
    pub points: Vec<(f64, f64)>,
    /// Travel time per speed profile: `Some(profile)` computes seconds from
    /// the distance, `None` uses the distance itself (speed 1, planar sets).
    pub profiles: Vec<Option<SpeedProfile>>,
}

impl CoordInput {
    /// Check the points against the metric (finite, latitudes and longitudes
    /// in range) and the circuity (≥ 1), naming the field at fault.
    ///
    /// # Errors
    /// [`CoreError::InvalidInput`] with field `coordinates` (and the row) or
    /// `circuity`.
    pub fn validate(&self) -> CoreResult<()> {
        match self.metric {
            Metric::Haversine { circuity } => {
                if !(circuity.is_finite() && circuity >= 1.0) {
                    return Err(CoreError::invalid(
                        "circuity",
                        format!("must be >= 1, got {circuity}"),
                    ));
                }
                let lat: Vec<f64> = self.points.iter().map(|p| p.0).collect();
                let lon: Vec<f64> = self.points.iter().map(|p| p.1).collect();
                check_coords("coordinates", &lat, &lon)
            }
            Metric::EuclidRint | Metric::EuclidHalfUp => {
                for (i, &(x, y)) in self.points.iter().enumerate() {
                    if !(x.is_finite() && y.is_finite()) {
                        return Err(CoreError::invalid_at(
                            "coordinates",
                            i,
                            format!("({x}, {y}) is not a finite point"),
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

/// Arcs computed on demand: one embedded point per location (internal
/// order), the metric and the speed profiles; plus a cache of the arcs a
/// search reads most (each location to its nearest job locations, and the
/// depots to everything), filled once by [`CoordArcs::cache_near`].
#[derive(Clone, Debug)]
pub struct CoordArcs {
    /// Unit vectors on the sphere (haversine) or `(x, y, 0)` (planar).
    pts: Vec<[f64; 3]>,
    metric: Metric,
    /// `2 R circuity` for the sphere.
    scale: f64,
    profiles: Vec<Option<SpeedProfile>>,
    /// Open-addressing table per location: `SLOTS` keys (other location, or
    /// `EMPTY`) and `1 + P` values (distance, time per profile) per slot.
    keys: Vec<u32>,
    vals: Vec<i32>,
    /// Row of each location among the depot rows (`EMPTY`: not a depot).
    depot_of: Vec<u32>,
    /// `1 + P` values per (depot, location).
    depot_vals: Vec<i64>,
}

/// Slots of the per-location arc cache (a power of two) and how many
/// entries it takes at most (so probing always meets an empty slot).
const SLOTS: usize = 64;
const MAX_FILL: usize = 48;
const EMPTY: u32 = u32::MAX;

#[inline(always)]
fn slot_of(b: usize) -> usize {
    ((b as u32).wrapping_mul(0x9E37_79B1) >> 26) as usize & (SLOTS - 1)
}

/// The embedding of a point: a unit vector for `(lat, lon)` (the same
/// arithmetic as `geo::Unit3::from_deg`), else `(x, y, 0)`.
fn embed(metric: Metric, (a, b): (f64, f64)) -> [f64; 3] {
    match metric {
        Metric::Haversine { .. } => {
            let (slat, clat) = a.to_radians().sin_cos();
            let (slon, clon) = b.to_radians().sin_cos();
            [clat * clon, clat * slon, slat]
        }
        _ => [a, b, 0.0],
    }
}

impl CoordArcs {
    /// The arcs of `inp`, locations relabelled by `new_of_old`.
    pub fn new(inp: &CoordInput, new_of_old: &[usize]) -> CoordArcs {
        let mut pts = vec![[0.0; 3]; inp.points.len()];
        for (old, &new) in new_of_old.iter().enumerate() {
            pts[new] = embed(inp.metric, inp.points[old]);
        }
        CoordArcs::from_points(pts, inp.metric, inp.profiles.clone())
    }

    fn from_points(
        pts: Vec<[f64; 3]>,
        metric: Metric,
        profiles: Vec<Option<SpeedProfile>>,
    ) -> CoordArcs {
        let scale = match metric {
            Metric::Haversine { circuity } => 2.0 * EARTH_RADIUS_M * circuity,
            _ => 1.0,
        };
        CoordArcs {
            pts,
            metric,
            scale,
            profiles,
            keys: Vec::new(),
            vals: Vec::new(),
            depot_of: Vec::new(),
            depot_vals: Vec::new(),
        }
    }

    /// Fill the cache: every location in `depots` to all locations, and each
    /// pair of `near` both ways (up to `MAX_FILL` per location). Values are
    /// the computed ones, so caching never changes a result.
    pub fn cache_near(&mut self, depots: &[usize], near: impl Iterator<Item = (usize, usize)>) {
        let (l, stride) = (self.pts.len(), 1 + self.profiles.len());
        if l >= EMPTY as usize {
            return;
        }
        let mut depot_of = vec![EMPTY; l];
        let mut depot_vals = Vec::new();
        for &d in depots {
            if depot_of[d] != EMPTY {
                continue;
            }
            depot_of[d] = (depot_vals.len() / (l * stride)) as u32;
            for b in 0..l {
                let dist = self.dist_computed(d, b);
                depot_vals.push(dist);
                depot_vals.extend((0..stride - 1).map(|p| self.time_of(p, dist)));
            }
        }
        let mut keys = vec![EMPTY; l * SLOTS];
        let mut vals = vec![0i32; l * SLOTS * stride];
        let mut fill = vec![0u8; l];
        let mut put = |a: usize, b: usize, arcs: &CoordArcs| {
            if fill[a] as usize >= MAX_FILL {
                return;
            }
            let base = a * SLOTS;
            let mut sl = slot_of(b);
            loop {
                let k = keys[base + sl];
                if k == b as u32 {
                    return;
                }
                if k == EMPTY {
                    break;
                }
                sl = (sl + 1) & (SLOTS - 1);
            }
            let dist = arcs.dist_computed(a, b);
            let v: Vec<i64> = std::iter::once(dist)
                .chain((0..stride - 1).map(|p| arcs.time_of(p, dist)))
                .collect();
            if v.iter().any(|&x| i32::try_from(x).is_err()) {
                return;
            }
            keys[base + sl] = b as u32;
            let at = (base + sl) * stride;
            for (i, x) in v.into_iter().enumerate() {
                vals[at + i] = x as i32;
            }
            fill[a] += 1;
        };
        for (a, b) in near {
            if a != b {
                put(a, b, self);
                put(b, a, self);
            }
        }
        self.keys = keys;
        self.vals = vals;
        self.depot_of = depot_of;
        self.depot_vals = depot_vals;
    }

    /// The cached values of arc `a → b` (`1 + P` of them), if cached.
    #[inline(always)]
    fn cached(&self, a: usize, b: usize) -> Option<Cached<'_>> {
        if self.depot_of.is_empty() {
            return None;
        }
        let stride = 1 + self.profiles.len();
        let l = self.pts.len();
        // Symmetric metrics: a depot row serves both directions.
        for (d, o) in [(a, b), (b, a)] {
            let r = self.depot_of[d];
            if r != EMPTY {
                let at = (r as usize * l + o) * stride;
                return Some(Cached::Wide(&self.depot_vals[at..at + stride]));
            }
        }
        let base = a * SLOTS;
        let mut sl = slot_of(b);
        loop {
            let k = self.keys[base + sl];
            if k == b as u32 {
                let at = (base + sl) * stride;
                return Some(Cached::Narrow(&self.vals[at..at + stride]));
            }
            if k == EMPTY {
                return None;
            }
            sl = (sl + 1) & (SLOTS - 1);
        }
    }

    /// Distance from location `a` to `b`.
    #[inline(always)]
    pub fn dist(&self, a: usize, b: usize) -> i64 {
        match self.cached(a, b) {
            Some(c) => c.get(0),
            None => self.dist_computed(a, b),
        }
    }

    /// Distance from location `a` to `b`, computed (never from the cache).
    #[inline(always)]
    pub fn dist_computed(&self, a: usize, b: usize) -> i64 {
        let (p, q) = (&self.pts[a], &self.pts[b]);
        match self.metric {
            Metric::Haversine { .. } => {
                let (x, y, z) = (p[0] - q[0], p[1] - q[1], p[2] - q[2]);
                let h = (0.5 * (x * x + y * y + z * z).sqrt()).min(1.0);
                // Below 0.5 both branches of `asin_unit` give `asin_small`'s value.
                let a = if h < 0.5 { asin_small(h) } else { asin_unit(h) };
                (a * self.scale + 0.5) as i64
            }
            Metric::EuclidRint => {
                let (x, y) = (p[0] - q[0], p[1] - q[1]);
                round_half_even((x * x + y * y).sqrt())
            }
            Metric::EuclidHalfUp => {
                let (x, y) = (p[0] - q[0], p[1] - q[1]);
                ((x * x + y * y).sqrt() + 0.5).floor() as i64
            }
        }
    }

    /// Travel time of distance `d` for speed profile `profile`: the value of
    /// [`SpeedProfile::seconds`], with its rounding done without a libm call.
    #[inline(always)]
    pub fn time_of(&self, profile: usize, d: i64) -> i64 {
        match &self.profiles[profile] {
            Some(sp) => {
                let metres = d as f64;
                let urban = metres.min(sp.urban_m);
                let rest = (metres - urban).max(0.0);
                round_half_away(urban * 3.6 / sp.urban_kmh + rest * 3.6 / sp.highway_kmh)
            }
            None => d,
        }
    }

    /// Distance and travel time from `a` to `b`.
    #[inline(always)]
    pub fn arc(&self, profile: usize, a: usize, b: usize) -> (i64, i64) {
        if let Some(c) = self.cached(a, b) {
            return (c.get(0), c.get(1 + profile));
        }
        let d = self.dist_computed(a, b);
        (d, self.time_of(profile, d))
    }

    /// Travel time from `a` to `b` for `profile`.
    #[inline(always)]
    pub fn time(&self, profile: usize, a: usize, b: usize) -> i64 {
        self.arc(profile, a, b).1
    }

    /// Squared embedded distance (a monotone proxy of [`CoordArcs::dist`]).
    #[inline(always)]
    fn sq(&self, a: &[f64; 3], b: &[f64; 3]) -> f64 {
        let (x, y, z) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        x * x + y * y + z * z
    }

    /// A squared embedded distance at or above that of every pair whose
    /// distance is at most `d` (with slack for rounding).
    fn sq_bound(&self, d: i64) -> f64 {
        let r = match self.metric {
            Metric::Haversine { .. } => {
                let half_angle = (d as f64 + 1.0) / self.scale;
                if half_angle >= std::f64::consts::FRAC_PI_2 {
                    return f64::INFINITY;
                }
                2.0 * half_angle.sin()
            }
            _ => d as f64 + 1.0,
        };
        r * r * (1.0 + 1e-9) + 1e-300
    }

    /// Number of locations.
    pub fn len(&self) -> usize {
        self.pts.len()
    }

    /// True when there are no locations.
    pub fn is_empty(&self) -> bool {
        self.pts.is_empty()
    }

    /// Approximate heap bytes held (points and cache).
    pub fn heap_bytes(&self) -> usize {
        self.pts.len() * size_of::<[f64; 3]>()
            + self.keys.len() * size_of::<u32>()
            + self.vals.len() * size_of::<i32>()
            + self.depot_of.len() * size_of::<u32>()
            + self.depot_vals.len() * size_of::<i64>()
    }
}

/// Cached arc values: `1 + P` of them.
enum Cached<'a> {
    Narrow(&'a [i32]),
    Wide(&'a [i64]),
}

impl Cached<'_> {
    #[inline(always)]
    fn get(&self, i: usize) -> i64 {
        match self {
            Cached::Narrow(v) => i64::from(v[i]),
            Cached::Wide(v) => v[i],
        }
    }
}

/// `x.round() as i64` for finite `0 <= x < 2^62`, without a libm call: the
/// fraction `x - trunc(x)` is exact, so the comparison decides exactly.
#[inline(always)]
fn round_half_away(x: f64) -> i64 {
    let t = x as i64;
    t + i64::from(x - t as f64 >= 0.5)
}

/// `x.round_ties_even() as i64` for finite `0 <= x < 2^62` (see [`round_half_away`]).
#[inline(always)]
fn round_half_even(x: f64) -> i64 {
    let t = x as i64;
    let f = x - t as f64;
    t + i64::from(f > 0.5 || (f == 0.5 && t & 1 == 1))
}

const LEAF: usize = 8;

/// A static k-d tree over the embedded points of some jobs, with deletion
/// (points can be marked taken; subtrees with nothing left are skipped).
pub struct KdTree<'a> {
    arcs: &'a CoordArcs,
    /// Location of each job.
    loc: &'a [usize],
    /// Job ids, permuted into tree order.
    order: Vec<u32>,
    /// Position of each job in `order`.
    pos: Vec<u32>,
    /// Split axis of the internal node whose median sits at each position.
    axis: Vec<u8>,
    /// Jobs still present in the subtree identified by a position (its
    /// median for internal nodes, its first position for leaves).
    alive: Vec<u32>,
    present: Vec<bool>,
}

impl<'a> KdTree<'a> {
    /// Build over jobs `0..loc.len()` located at `loc` (internal locations of `arcs`).
    pub fn new(arcs: &'a CoordArcs, loc: &'a [usize]) -> KdTree<'a> {
        let n = loc.len();
        let mut t = KdTree {
            arcs,
            loc,
            order: (0..n as u32).collect(),
            pos: vec![0; n],
            axis: vec![0; n],
            alive: vec![0; n],
            present: vec![true; n],
        };
        t.build(0, n);
        for (i, &j) in t.order.iter().enumerate() {
            t.pos[j as usize] = i as u32;
        }
        t
    }

    #[inline]
    fn pt(&self, job: u32) -> &[f64; 3] {
        &self.arcs.pts[self.loc[job as usize]]
    }

    fn build(&mut self, lo: usize, hi: usize) {
        if hi - lo <= LEAF {
            if hi > lo {
                self.alive[lo] = (hi - lo) as u32;
            }
            return;
        }
        let mut min = [f64::INFINITY; 3];
        let mut max = [f64::NEG_INFINITY; 3];
        for &j in &self.order[lo..hi] {
            let p = self.arcs.pts[self.loc[j as usize]];
            for d in 0..3 {
                min[d] = min[d].min(p[d]);
                max[d] = max[d].max(p[d]);
            }
        }
        let ax = (0..3)
            .max_by(|&a, &b| (max[a] - min[a]).total_cmp(&(max[b] - min[b])))
            .unwrap_or(0);
        let mid = (lo + hi) / 2;
        let (arcs, loc) = (self.arcs, self.loc);
        self.order[lo..hi].select_nth_unstable_by(mid - lo, |&a, &b| {
            arcs.pts[loc[a as usize]][ax]
                .total_cmp(&arcs.pts[loc[b as usize]][ax])
                .then(a.cmp(&b))
        });
        self.axis[mid] = ax as u8;
        self.alive[mid] = (hi - lo) as u32;
        self.build(lo, mid);
        self.build(mid + 1, hi);
    }

    /// Mark job `j` taken (it is no longer returned).
    pub fn remove(&mut self, j: usize) {
        if !self.present[j] {
            return;
        }
        self.present[j] = false;
        let p = self.pos[j] as usize;
        let (mut lo, mut hi) = (0, self.order.len());
        loop {
            if hi - lo <= LEAF {
                self.alive[lo] -= 1;
                return;
            }
            let mid = (lo + hi) / 2;
            self.alive[mid] -= 1;
            match p.cmp(&mid) {
                std::cmp::Ordering::Equal => return,
                std::cmp::Ordering::Less => hi = mid,
                std::cmp::Ordering::Greater => lo = mid + 1,
            }
        }
    }

    /// The `k` present jobs (other than `skip`) nearest to point `q` by
    /// embedded distance, as `(squared distance, job)`, unsorted.
    fn knn(&self, q: &[f64; 3], k: usize, skip: Option<usize>) -> Vec<(f64, u32)> {
        let mut heap: std::collections::BinaryHeap<(Key, u32)> = Default::default();
        self.knn_rec(0, self.order.len(), q, k, skip, &mut heap);
        heap.into_iter().map(|(d, j)| (d.0, j)).collect()
    }

    fn knn_rec(
        &self,
        lo: usize,
        hi: usize,
        q: &[f64; 3],
        k: usize,
        skip: Option<usize>,
        heap: &mut std::collections::BinaryHeap<(Key, u32)>,
    ) {
        if hi <= lo || k == 0 {
            return;
        }
        let consider = |j: u32, heap: &mut std::collections::BinaryHeap<(Key, u32)>| {
            if !self.present[j as usize] || Some(j as usize) == skip {
                return;
            }
            let d = self.arcs.sq(q, self.pt(j));
            if heap.len() < k {
                heap.push((Key(d), j));
            } else if heap.peek().is_some_and(|top| (Key(d), j) < *top) {
                heap.pop();
                heap.push((Key(d), j));
            }
        };
        if hi - lo <= LEAF {
            if self.alive[lo] == 0 {
                return;
            }
            for &j in &self.order[lo..hi] {
                consider(j, heap);
            }
            return;
        }
        let mid = (lo + hi) / 2;
        if self.alive[mid] == 0 {
            return;
        }
        let ax = self.axis[mid] as usize;
        let m = self.order[mid];
        let diff = q[ax] - self.pt(m)[ax];
        consider(m, heap);
        let (near, far) = if diff <= 0.0 {
            ((lo, mid), (mid + 1, hi))
        } else {
            ((mid + 1, hi), (lo, mid))
        };
        self.knn_rec(near.0, near.1, q, k, skip, heap);
        let bound = if heap.len() < k {
            f64::INFINITY
        } else {
            heap.peek().map_or(f64::INFINITY, |t| t.0 .0)
        };
        if diff * diff <= bound * (1.0 + 1e-12) {
            self.knn_rec(far.0, far.1, q, k, skip, heap);
        }
    }

    /// Every present job (other than `skip`) within squared embedded distance
    /// `r2` of `q`.
    fn within(&self, q: &[f64; 3], r2: f64, skip: Option<usize>, out: &mut Vec<u32>) {
        self.within_rec(0, self.order.len(), q, r2, skip, out);
    }

    fn within_rec(
        &self,
        lo: usize,
        hi: usize,
        q: &[f64; 3],
        r2: f64,
        skip: Option<usize>,
        out: &mut Vec<u32>,
    ) {
        if hi <= lo {
            return;
        }
        let ok = |j: u32| self.present[j as usize] && Some(j as usize) != skip;
        if hi - lo <= LEAF {
            if self.alive[lo] == 0 {
                return;
            }
            for &j in &self.order[lo..hi] {
                if ok(j) && self.arcs.sq(q, self.pt(j)) <= r2 {
                    out.push(j);
                }
            }
            return;
        }
        let mid = (lo + hi) / 2;
        if self.alive[mid] == 0 {
            return;
        }
        let ax = self.axis[mid] as usize;
        let m = self.order[mid];
        let diff = q[ax] - self.pt(m)[ax];
        if ok(m) && self.arcs.sq(q, self.pt(m)) <= r2 {
            out.push(m);
        }
        if diff <= 0.0 || diff * diff <= r2 {
            self.within_rec(lo, mid, q, r2, skip, out);
        }
        if diff >= 0.0 || diff * diff <= r2 {
            self.within_rec(mid + 1, hi, q, r2, skip, out);
        }
    }

    /// The `k` present jobs other than `skip` with the smallest
    /// `(distance from location `from`, job)`, in that order: exactly what
    /// sorting all jobs by that key would give.
    pub fn nearest(&self, from: usize, k: usize, skip: Option<usize>) -> Vec<(i64, u32)> {
        let q = &self.arcs.pts[from];
        let cand = self.knn(q, k, skip);
        if cand.is_empty() {
            return Vec::new();
        }
        let worst = cand
            .iter()
            .map(|&(_, j)| self.arcs.dist_computed(from, self.loc[j as usize]))
            .max()
            .unwrap_or(0);
        let mut all = Vec::with_capacity(cand.len() + 8);
        self.within(q, self.arcs.sq_bound(worst), skip, &mut all);
        let mut out: Vec<(i64, u32)> = all
            .into_iter()
            .map(|j| (self.arcs.dist_computed(from, self.loc[j as usize]), j))
            .collect();
        if out.len() > k {
            out.select_nth_unstable(k);
            out.truncate(k);
        }
        out.sort_unstable();
        out
    }
}

/// A total order on finite non-negative floats for the k-NN heap.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Key {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::rng::Rng;

    fn random_arcs(metric: Metric, n: usize, seed: u64) -> CoordArcs {
        let mut rng = Rng::new(seed);
        let pts = (0..n)
            .map(|i| match metric {
                // Clustered: many points on a few spots, some duplicates.
                Metric::Haversine { .. } => (
                    31.2 + 0.3 * rng.f64() * if i % 3 == 0 { 0.01 } else { 1.0 },
                    121.4 + 0.3 * rng.f64(),
                ),
                _ => (
                    (rng.below(100) as f64).floor(),
                    (rng.below(100) as f64).floor(),
                ),
            })
            .collect();
        let inp = CoordInput {
            metric,
            points: pts,
            profiles: vec![None],
        };
        CoordArcs::new(&inp, &(0..n).collect::<Vec<_>>())
    }

    /// The k-d tree returns exactly the brute-force sorted neighbour lists
    /// (ties by job index), also after deletions.
    #[test]
    fn nearest_matches_brute_force() {
        for metric in [
            Metric::Haversine { circuity: 1.3 },
            Metric::EuclidRint,
            Metric::EuclidHalfUp,
        ] {
            let n = 400;
            let arcs = random_arcs(metric, n, 7);
            let loc: Vec<usize> = (0..n).collect();
            let mut tree = KdTree::new(&arcs, &loc);
            for (step, k) in [(0, 10), (1, 1), (2, 50)] {
                for j in (0..n).step_by(7) {
                    let mut brute: Vec<(i64, u32)> = (0..n)
                        .filter(|&o| o != j && tree.present[o])
                        .map(|o| (arcs.dist(j, o), o as u32))
                        .collect();
                    brute.sort_unstable();
                    brute.truncate(k);
                    assert_eq!(tree.nearest(j, k, Some(j)), brute, "{metric:?} step {step}");
                }
                for j in (step..n).step_by(3) {
                    tree.remove(j);
                }
            }
        }
    }

    /// The libm-free roundings equal `round` and `round_ties_even`.
    #[test]
    fn exact_roundings() {
        let mut rng = Rng::new(1);
        let specials = [
            0.0,
            0.5,
            1.5,
            2.5,
            0.499_999_999_999_999_94,
            4_503_599_627_370_495.5,
        ];
        for i in 0..200_000 {
            let x = if i < specials.len() {
                specials[i]
            } else if i % 2 == 0 {
                (rng.below(100_000) as f64) / 2.0
            } else {
                rng.f64() * 1e7
            };
            assert_eq!(round_half_away(x), x.round() as i64, "{x}");
            assert_eq!(round_half_even(x), x.round_ties_even() as i64, "{x}");
        }
    }

    /// Planar rounding conventions: rint rounds halves to even, VRPLIB up.
    #[test]
    fn planar_rounding() {
        let inp = |metric| CoordInput {
            metric,
            points: vec![(0.0, 0.0), (2.5, 0.0), (3.5, 0.0)],
            profiles: vec![None],
        };
        let r = CoordArcs::new(&inp(Metric::EuclidRint), &[0, 1, 2]);
        let u = CoordArcs::new(&inp(Metric::EuclidHalfUp), &[0, 1, 2]);
        assert_eq!((r.dist(0, 1), r.dist(0, 2)), (2, 4));
        assert_eq!((u.dist(0, 1), u.dist(0, 2)), (3, 4));
        assert_eq!(r.arc(0, 0, 2), (4, 4));
    }

    /// Haversine arcs equal the cells of `geo::distance_matrix` bit for bit,
    /// times equal `SpeedProfile::seconds` of them.
    #[test]
    fn haversine_matches_distance_matrix() {
        let lat = [31.2, 31.25, 39.9, -33.9, 31.2];
        let lon = [121.4, 121.5, 116.4, 151.2, 121.4];
        let sp = SpeedProfile::new(30.0, 70.0, 8000.0).unwrap();
        let inp = CoordInput {
            metric: Metric::Haversine { circuity: 1.3 },
            points: lat.iter().copied().zip(lon.iter().copied()).collect(),
            profiles: vec![Some(sp)],
        };
        inp.validate().unwrap();
        let a = CoordArcs::new(&inp, &[0, 1, 2, 3, 4]);
        let m = crate::geo::distance_matrix(&lat, &lon, &lat, &lon, 1.3).unwrap();
        for i in 0..5 {
            for j in 0..5 {
                assert_eq!(a.dist(i, j), m[i * 5 + j]);
                assert_eq!(a.arc(0, i, j).1, sp.seconds(m[i * 5 + j] as f64));
            }
        }
        let bad = CoordInput {
            points: vec![(0.0, 0.0), (91.0, 0.0)],
            ..inp.clone()
        };
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("coordinates"), "{e}");
        let bad = CoordInput {
            metric: Metric::EuclidRint,
            points: vec![(f64::NAN, 0.0)],
            profiles: vec![None],
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("coordinates"));
    }
}
