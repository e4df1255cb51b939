//! Spatial hashing on the sphere: a grid of roughly square cells, and the
//! point geometry (unit vectors, local planar distance) matching needs.
//!
//! Rows are bands of latitude `cell_m` metres high; within a row, columns
//! are `cell_m` metres wide at the row's centre latitude (so cells stay
//! roughly square from the equator to high latitudes). Cells are keyed by a
//! `u64` and looked up in a hash map, so the grid costs memory only where
//! points are. No wrap-around at the antimeridian (freight markets do not
//! straddle it).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::geo::EARTH_RADIUS_M;

/// Metres per degree of latitude on the reference sphere.
pub const M_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// A fast multiplicative hasher for integer keys (the FxHash scheme).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A point on the unit sphere; the great-circle arc between two points needs
/// one `asin` and no other trigonometry. Same arithmetic as `crate::geo`, so
/// distances agree with `engine.geo` to the metre.
#[derive(Clone, Copy, Debug, Default)]
pub struct UnitVec {
    x: f64,
    y: f64,
    z: f64,
}

impl UnitVec {
    /// From degrees of latitude and longitude.
    pub fn from_deg(lat: f64, lon: f64) -> Self {
        let (slat, clat) = lat.to_radians().sin_cos();
        let (slon, clon) = lon.to_radians().sin_cos();
        UnitVec {
            x: clat * clon,
            y: clat * slon,
            z: slat,
        }
    }

    /// Great-circle arc in radians.
    #[inline]
    pub fn arc(&self, o: &UnitVec) -> f64 {
        let dx = self.x - o.x;
        let dy = self.y - o.y;
        let dz = self.z - o.z;
        let half_chord = 0.5 * (dx * dx + dy * dy + dz * dz).sqrt();
        2.0 * half_chord.min(1.0).asin()
    }

    /// Squared chord length (unit sphere): monotone in the arc, and cheap.
    #[inline]
    pub fn chord2(&self, o: &UnitVec) -> f64 {
        let dx = self.x - o.x;
        let dy = self.y - o.y;
        let dz = self.z - o.z;
        dx * dx + dy * dy + dz * dz
    }

    /// Road distance in integer metres (arc × radius × circuity, rounded).
    #[inline]
    pub fn road_m(&self, o: &UnitVec, circuity: f64) -> i64 {
        (self.arc(o) * EARTH_RADIUS_M * circuity).round() as i64
    }

    /// A ball around `points` (non-empty): their mean (a point inside the
    /// sphere, not on it) and a radius that bounds every point's distance to
    /// it, so that `chord(q, p) >= chord(q, centre) - radius` for each point
    /// `p` and any `q` (triangle inequality in space).
    pub fn ball(points: impl Iterator<Item = UnitVec> + Clone) -> (UnitVec, f64) {
        let (mut c, mut n) = (UnitVec::default(), 0.0);
        for p in points.clone() {
            c.x += p.x;
            c.y += p.y;
            c.z += p.z;
            n += 1.0;
        }
        let n = f64::max(n, 1.0);
        let c = UnitVec {
            x: c.x / n,
            y: c.y / n,
            z: c.z / n,
        };
        let r = points.map(|p| c.chord2(&p).sqrt()).fold(0.0, f64::max);
        // Slack for rounding: a millionth of a millimetre on Earth.
        (c, r * (1.0 + 1e-12) + 1e-16)
    }
}

/// Z-order (Morton) key of a position on a grid of 1/100 degree: nearby
/// points get nearby keys, so runs of consecutive keys are compact in space.
pub fn morton_key(lat: f64, lon: f64) -> u32 {
    let q = |x: f64, span: f64| ((x + span) * 100.0).clamp(0.0, 65_535.0) as u32;
    let spread = |mut v: u32| {
        v = (v | (v << 8)) & 0x00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333;
        (v | (v << 1)) & 0x5555_5555
    };
    (spread(q(lat, 90.0)) << 1) | spread(q(lon, 180.0))
}

/// Squared local planar distance in metres² from a query point, in the
/// equirectangular projection at the query's latitude (`cos_lat` is the
/// cosine of `lat1`); accurate to well under 1% over the tens of kilometres
/// the expertise kernels use.
#[inline]
pub fn local_dist2_m(lat1: f64, lon1: f64, cos_lat: f64, lat2: f64, lon2: f64) -> f64 {
    let dy = (lat2 - lat1) * M_PER_DEG;
    let dx = (lon2 - lon1) * M_PER_DEG * cos_lat;
    dx * dx + dy * dy
}

/// A query point for kernel sums: latitude, longitude and the cosine of the latitude.
#[derive(Clone, Copy, Debug)]
pub struct LocalPoint {
    pub lat: f64,
    pub lon: f64,
    pub cos_lat: f64,
}

impl LocalPoint {
    /// From degrees.
    pub fn new(lat: f64, lon: f64) -> Self {
        LocalPoint {
            lat,
            lon,
            cos_lat: lat.to_radians().cos(),
        }
    }

    /// Squared local distance in metres² to `(lat, lon)`.
    #[inline]
    pub fn dist2(&self, lat: f64, lon: f64) -> f64 {
        local_dist2_m(self.lat, self.lon, self.cos_lat, lat, lon)
    }
}

/// Compact, smooth distance kernel (biweight): `(1 - d²/r²)²` for `d < r`, else 0.
#[inline]
pub fn biweight(d2: f64, r2: f64) -> f64 {
    if d2 >= r2 {
        0.0
    } else {
        let t = 1.0 - d2 / r2;
        t * t
    }
}

/// The cell geometry: size and a cosine table per row.
#[derive(Clone, Debug)]
pub struct CellGrid {
    cell_m: f64,
    /// `cos` of the centre latitude of row `r`, at index `r + row_offset`.
    row_cos: Vec<f64>,
    row_offset: i64,
}

/// Smallest cosine used for column widths (keeps cells finite near the poles).
const MIN_COS: f64 = 0.02;

impl CellGrid {
    /// A grid of cells about `cell_m` metres across (`cell_m > 0`).
    pub fn new(cell_m: f64) -> Self {
        let cell_m = cell_m.max(1.0);
        let half = (90.0 * M_PER_DEG / cell_m).ceil() as i64 + 1;
        let row_cos = (-half..=half)
            .map(|r| {
                let lat = ((r as f64 + 0.5) * cell_m / M_PER_DEG).clamp(-90.0, 90.0);
                lat.to_radians().cos().max(MIN_COS)
            })
            .collect();
        CellGrid {
            cell_m,
            row_cos,
            row_offset: half,
        }
    }

    /// Cell size in metres.
    pub fn cell_m(&self) -> f64 {
        self.cell_m
    }

    /// Row index of a latitude.
    #[inline]
    pub fn row(&self, lat: f64) -> i64 {
        ((lat * M_PER_DEG / self.cell_m).floor() as i64).clamp(-self.row_offset, self.row_offset)
    }

    #[inline]
    fn col(&self, row: i64, lon: f64) -> i64 {
        let cos = self.row_cos[(row + self.row_offset) as usize];
        (lon * M_PER_DEG * cos / self.cell_m).floor() as i64
    }

    #[inline]
    fn key(row: i64, col: i64) -> u64 {
        // Offset so that keys order by (row, col): a row's columns are contiguous.
        (((row + (1 << 31)) as u64) << 32) | ((col + (1 << 31)) as u64 & 0xFFFF_FFFF)
    }

    /// Row index of a cell key.
    #[inline]
    pub fn row_of_key(key: u64) -> i64 {
        (key >> 32) as i64 - (1 << 31)
    }

    /// Key of the cell containing a point.
    #[inline]
    pub fn cell(&self, lat: f64, lon: f64) -> u64 {
        let r = self.row(lat);
        Self::key(r, self.col(r, lon))
    }

    /// Call `f(lo, hi)` once per grid row that may hold a point within
    /// `radius_m` of `(lat, lon)`: the keys of that row's candidate cells are
    /// exactly the keys in `lo..=hi` (a superset of the disc; callers check
    /// exact distances). Rows are consecutive, from the southernmost; a row
    /// the disc only grazes still gets a (narrow) span.
    ///
    /// "Within" holds both for great-circle distance and for the local
    /// equirectangular distance of [`local_dist2_m`]: each row spans the
    /// disc's chord at the row's nearest latitude, at the smaller of the
    /// cosines of the query's and the row's farthest-from-equator latitude,
    /// padded by 2% for the great circle against the parallel.
    pub fn for_each_row_span(
        &self,
        lat: f64,
        lon: f64,
        radius_m: f64,
        mut f: impl FnMut(u64, u64),
    ) {
        let dlat = radius_m / M_PER_DEG;
        let r0 = self.row(lat - dlat);
        let r1 = self.row(lat + dlat);
        let cos_q = lat.to_radians().cos().max(MIN_COS);
        let deg_per_row = self.cell_m / M_PER_DEG;
        for r in r0..=r1 {
            // The row's band of latitude, within the disc's band.
            let lo = (r as f64 * deg_per_row).max(lat - dlat);
            let hi = ((r + 1) as f64 * deg_per_row).min(lat + dlat);
            let dy_m = (lo - lat).max(lat - hi).max(0.0) * M_PER_DEG;
            let half_m = (radius_m * radius_m - dy_m * dy_m).max(0.0).sqrt();
            let far = lo.abs().max(hi.abs()).min(90.0);
            let cos_min = far.to_radians().cos().max(MIN_COS).min(cos_q);
            let dlon = (1.02 * half_m / (M_PER_DEG * cos_min) + 1e-6).min(180.0);
            f(
                Self::key(r, self.col(r, lon - dlon)),
                Self::key(r, self.col(r, lon + dlon)),
            );
        }
    }

    /// Call `f` with the key of every cell that may hold a point within
    /// `radius_m` of `(lat, lon)` (a superset: callers check exact distances).
    pub fn for_each_cell_near(&self, lat: f64, lon: f64, radius_m: f64, mut f: impl FnMut(u64)) {
        self.for_each_row_span(lat, lon, radius_m, |lo, hi| {
            for key in lo..=hi {
                f(key);
            }
        });
    }
}

/// Points bucketed by cell: `items` holds point ids grouped by cell.
#[derive(Clone, Debug)]
pub struct PointGrid {
    grid: CellGrid,
    cells: FxMap<u64, (u32, u32)>,
    items: Vec<u32>,
}

impl PointGrid {
    /// Index the points `ids` (with coordinates `lat[id]`, `lon[id]`) in cells of `cell_m`.
    pub fn build(lat: &[f64], lon: &[f64], ids: impl Iterator<Item = u32>, cell_m: f64) -> Self {
        Self::build_by(lat, lon, ids, cell_m, |_| ())
    }

    /// As [`PointGrid::build`], with the points of each cell ordered by
    /// `order(id)` (then by id), so callers can cut a cell's slots by it.
    pub fn build_by<K: Ord>(
        lat: &[f64],
        lon: &[f64],
        ids: impl Iterator<Item = u32>,
        cell_m: f64,
        order: impl Fn(u32) -> K,
    ) -> Self {
        let grid = CellGrid::new(cell_m);
        let mut keyed: Vec<(u64, K, u32)> = ids
            .map(|i| (grid.cell(lat[i as usize], lon[i as usize]), order(i), i))
            .collect();
        keyed.sort_unstable();
        let mut cells = FxMap::default();
        let mut start = 0usize;
        for e in 1..=keyed.len() {
            if e == keyed.len() || keyed[e].0 != keyed[start].0 {
                cells.insert(keyed[start].0, (start as u32, e as u32));
                start = e;
            }
        }
        let items = keyed.into_iter().map(|(_, _, i)| i).collect();
        PointGrid { grid, cells, items }
    }

    /// Number of indexed points.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True if no point is indexed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Point ids in cell order (the slot order of [`PointGrid::for_each_slot_near`]).
    pub fn items(&self) -> &[u32] {
        &self.items
    }

    /// Key of the cell holding `(lat, lon)`.
    #[inline]
    pub fn cell_key(&self, lat: f64, lon: f64) -> u64 {
        self.grid.cell(lat, lon)
    }

    /// Each non-empty cell as `(key, a, b)`: its slots are `a..b` (in no
    /// particular order; slots ascend with keys).
    pub fn cells(&self) -> impl Iterator<Item = (u64, u32, u32)> + '_ {
        self.cells.iter().map(|(&k, &(a, b))| (k, a, b))
    }

    /// A grid of the same geometry holding `items` (point ids in slot order)
    /// in the cells `(key, a, b)` (slots `a..b` of `items`, keys ascending
    /// with slots): what [`PointGrid::build_by`] gives for those points when
    /// `items` is in its order.
    pub fn with_cells(&self, cells: Vec<(u64, u32, u32)>, items: Vec<u32>) -> Self {
        let mut map = FxMap::default();
        map.reserve(cells.len());
        for (k, a, b) in cells {
            map.insert(k, (a, b));
        }
        PointGrid {
            grid: self.grid.clone(),
            cells: map,
            items,
        }
    }

    /// The slot range `a..b` of each non-empty cell (in no particular order).
    pub fn cell_slots(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.cells.values().map(|&(a, b)| (a as usize, b as usize))
    }

    /// Call `f(a, b)` with the slots `a..b` (positions in [`PointGrid::items`])
    /// of each non-empty cell near `(lat, lon)`, in key order.
    pub fn for_each_cell_slots_near(
        &self,
        lat: f64,
        lon: f64,
        radius_m: f64,
        mut f: impl FnMut(usize, usize),
    ) {
        self.grid.for_each_cell_near(lat, lon, radius_m, |key| {
            if let Some(&(a, b)) = self.cells.get(&key) {
                f(a as usize, b as usize);
            }
        });
    }

    /// Call `f` with the slot (position in [`PointGrid::items`]) of every point
    /// in the cells near `(lat, lon)`, so callers can keep per-point data in
    /// slot order and scan it contiguously.
    pub fn for_each_slot_near(&self, lat: f64, lon: f64, radius_m: f64, mut f: impl FnMut(usize)) {
        self.grid.for_each_cell_near(lat, lon, radius_m, |key| {
            if let Some(&(a, b)) = self.cells.get(&key) {
                for slot in a as usize..b as usize {
                    f(slot);
                }
            }
        });
    }

    /// Call `f` with every point id in the cells near `(lat, lon)` — a
    /// superset of the points within `radius_m`.
    pub fn for_each_near(&self, lat: f64, lon: f64, radius_m: f64, mut f: impl FnMut(u32)) {
        self.grid.for_each_cell_near(lat, lon, radius_m, |key| {
            if let Some(&(a, b)) = self.cells.get(&key) {
                for &i in &self.items[a as usize..b as usize] {
                    f(i);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::distance_m;
    use crate::matching::assignment::tests::Rng;

    fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (rng.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn unit_vec_matches_geo_distance() {
        let (a, b) = ((31.2, 121.4), (39.9, 116.4));
        let d = UnitVec::from_deg(a.0, a.1).road_m(&UnitVec::from_deg(b.0, b.1), 1.3);
        assert_eq!(d, distance_m(a.0, a.1, b.0, b.1, 1.3));
    }

    #[test]
    fn near_query_finds_every_point_within_radius() {
        let mut rng = Rng(1);
        for &(lat_lo, lat_hi) in &[(18.0, 54.0), (60.0, 75.0), (-40.0, -10.0)] {
            let n = 3000;
            let lat: Vec<f64> = (0..n).map(|_| uniform(&mut rng, lat_lo, lat_hi)).collect();
            let lon: Vec<f64> = (0..n).map(|_| uniform(&mut rng, 100.0, 110.0)).collect();
            for &cell in &[10_000.0, 50_000.0] {
                let g = PointGrid::build(&lat, &lon, 0..n as u32, cell);
                assert_eq!(g.len(), n);
                for q in 0..50 {
                    let (qa, qo) = (lat[q], lon[q]);
                    for &radius in &[5_000.0, 60_000.0, 200_000.0] {
                        let mut found = vec![false; n];
                        g.for_each_near(qa, qo, radius, |i| found[i as usize] = true);
                        for i in 0..n {
                            if distance_m(qa, qo, lat[i], lon[i], 1.0) as f64 <= radius {
                                assert!(
                                    found[i],
                                    "missed point {i} at cell {cell}, radius {radius}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn row_spans_cover_the_local_disc() {
        // The expertise kernels use the local equirectangular distance: every
        // point within the radius in that metric is in a cell of the spans.
        let mut rng = Rng(2);
        for &(lat_lo, lat_hi) in &[(20.0, 50.0), (60.0, 72.0)] {
            let n = 4000;
            let lat: Vec<f64> = (0..n).map(|_| uniform(&mut rng, lat_lo, lat_hi)).collect();
            let lon: Vec<f64> = (0..n).map(|_| uniform(&mut rng, 100.0, 110.0)).collect();
            let g = PointGrid::build(&lat, &lon, 0..n as u32, 20_000.0);
            for q in 0..60 {
                let p = LocalPoint::new(lat[q], lon[q]);
                let mut found = vec![false; n];
                g.for_each_near(lat[q], lon[q], 40_000.0, |i| found[i as usize] = true);
                for i in 0..n {
                    if p.dist2(lat[i], lon[i]) < 40_000.0f64.powi(2) {
                        assert!(found[i], "missed point {i} near query {q}");
                    }
                }
            }
        }
    }

    #[test]
    fn kernel_and_local_distance() {
        assert_eq!(biweight(0.0, 4.0), 1.0);
        assert_eq!(biweight(4.0, 4.0), 0.0);
        assert!((biweight(1.0, 4.0) - 0.5625).abs() < 1e-12);
        let d = LocalPoint::new(31.0, 121.0).dist2(31.2, 121.2).sqrt();
        let g = distance_m(31.0, 121.0, 31.2, 121.2, 1.0) as f64;
        assert!((d - g).abs() / g < 0.005, "{d} vs {g}");
    }
}
