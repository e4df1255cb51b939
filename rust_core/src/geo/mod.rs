//! Great-circle distance and travel-time matrices.
//!
//! Distances are integer metres (great-circle distance on a sphere of radius
//! [`EARTH_RADIUS_M`] times a road circuity factor, rounded to the nearest
//! metre); durations are integer seconds from a [`SpeedProfile`].

use rayon::prelude::*;

use crate::error::{CoreError, CoreResult};

/// Mean Earth radius in metres (IUGG), the same constant `engine.geo` uses.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point as unit vector on the sphere; distance between two points is
/// `2 R asin(|a - b| / 2)`, which needs one `asin` per pair and no other
/// trigonometry (the per-point trig is paid once).
#[derive(Clone, Copy, Debug)]
struct Unit3 {
    x: f64,
    y: f64,
    z: f64,
}

impl Unit3 {
    fn from_deg(lat: f64, lon: f64) -> Self {
        let (slat, clat) = lat.to_radians().sin_cos();
        let (slon, clon) = lon.to_radians().sin_cos();
        Unit3 {
            x: clat * clon,
            y: clat * slon,
            z: slat,
        }
    }

    #[inline]
    fn arc(&self, o: &Unit3) -> f64 {
        let dx = self.x - o.x;
        let dy = self.y - o.y;
        let dz = self.z - o.z;
        let half_chord = 0.5 * (dx * dx + dy * dy + dz * dz).sqrt();
        2.0 * asin_unit(half_chord.min(1.0))
    }
}

#[inline(always)]
fn asin_ratio(t: f64) -> f64 {
    const P: [f64; 6] = [
        1.666_666_666_666_666_6e-1,
        -3.255_658_186_224_009e-1,
        2.012_125_321_348_629_3e-1,
        -4.005_553_450_067_941e-2,
        7.915_349_942_898_145e-4,
        3.479_331_075_960_212e-5,
    ];
    const Q: [f64; 4] = [
        -2.403_394_911_734_414,
        2.020_945_760_233_505_7,
        -6.882_839_716_054_533e-1,
        7.703_815_055_590_194e-2,
    ];
    let p = t * (P[0] + t * (P[1] + t * (P[2] + t * (P[3] + t * (P[4] + t * P[5])))));
    let q = 1.0 + t * (Q[0] + t * (Q[1] + t * (Q[2] + t * Q[3])));
    p / q
}

/// `asin(x)` for `x` in `[0, 0.5)` (fdlibm's first branch).
#[inline(always)]
pub(crate) fn asin_small(x: f64) -> f64 {
    x + x * asin_ratio(x * x)
}

/// `asin(x)` for `x` in `[0, 1]` with fdlibm's rational approximation
/// (relative error below 1e-15), branch-light so the matrix loop vectorizes.
#[inline(always)]
pub(crate) fn asin_unit(x: f64) -> f64 {
    // Both branches of fdlibm as selects, so the loop stays vectorizable.
    let big = x >= 0.5;
    let t = if big { (1.0 - x) * 0.5 } else { x * x };
    let root = t.sqrt();
    let s = if big { root } else { x };
    let v = s + s * asin_ratio(t);
    if big {
        std::f64::consts::FRAC_PI_2 - 2.0 * v
    } else {
        v
    }
}

/// Speed profile of a vehicle type: the first `urban_m` metres of a leg are
/// driven at `urban_kmh`, the rest at `highway_kmh`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpeedProfile {
    pub urban_kmh: f64,
    pub highway_kmh: f64,
    pub urban_m: f64,
}

impl SpeedProfile {
    /// Validate the profile (positive, finite speeds; non-negative urban part).
    pub fn new(urban_kmh: f64, highway_kmh: f64, urban_m: f64) -> CoreResult<Self> {
        for (name, v) in [("urban_kmh", urban_kmh), ("highway_kmh", highway_kmh)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(CoreError::invalid(
                    name,
                    format!("speed must be positive, got {v}"),
                ));
            }
        }
        if !(urban_m.is_finite() && urban_m >= 0.0) {
            return Err(CoreError::invalid(
                "urban_m",
                format!("must be >= 0, got {urban_m}"),
            ));
        }
        Ok(SpeedProfile {
            urban_kmh,
            highway_kmh,
            urban_m,
        })
    }

    /// Seconds to drive `metres`, rounded to the nearest second.
    #[inline]
    pub fn seconds(&self, metres: f64) -> i64 {
        let urban = metres.min(self.urban_m);
        let rest = (metres - urban).max(0.0);
        (urban * 3.6 / self.urban_kmh + rest * 3.6 / self.highway_kmh).round() as i64
    }
}

/// Check that latitude/longitude arrays are finite and in range.
pub fn check_coords(field: &str, lat: &[f64], lon: &[f64]) -> CoreResult<()> {
    if lat.len() != lon.len() {
        return Err(CoreError::invalid(
            field,
            format!(
                "latitude has {} values but longitude {}",
                lat.len(),
                lon.len()
            ),
        ));
    }
    for (i, (&a, &o)) in lat.iter().zip(lon).enumerate() {
        if !(a.is_finite() && (-90.0..=90.0).contains(&a)) {
            return Err(CoreError::invalid_at(
                field,
                i,
                format!("latitude {a} is not in [-90, 90]"),
            ));
        }
        if !(o.is_finite() && (-180.0..=180.0).contains(&o)) {
            return Err(CoreError::invalid_at(
                field,
                i,
                format!("longitude {o} is not in [-180, 180]"),
            ));
        }
    }
    Ok(())
}

fn check_circuity(circuity: f64) -> CoreResult<()> {
    if !(circuity.is_finite() && circuity >= 1.0) {
        return Err(CoreError::invalid(
            "circuity",
            format!("must be >= 1, got {circuity}"),
        ));
    }
    Ok(())
}

/// Road distance in metres between two points (great circle × circuity).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64, circuity: f64) -> i64 {
    let a = Unit3::from_deg(lat1, lon1);
    let b = Unit3::from_deg(lat2, lon2);
    (a.arc(&b) * EARTH_RADIUS_M * circuity).round() as i64
}

/// Road distance in metres for each pair `i` (source `i` to destination
/// `i`), bit for bit the cell [`distance_matrix`] computes for that pair.
pub fn pair_distances(
    src_lat: &[f64],
    src_lon: &[f64],
    dst_lat: &[f64],
    dst_lon: &[f64],
    circuity: f64,
) -> CoreResult<Vec<i64>> {
    check_coords("sources", src_lat, src_lon)?;
    check_coords("destinations", dst_lat, dst_lon)?;
    check_circuity(circuity)?;
    if src_lat.len() != dst_lat.len() {
        return Err(CoreError::invalid(
            "destinations",
            format!(
                "{} sources but {} destinations",
                src_lat.len(),
                dst_lat.len()
            ),
        ));
    }
    let scale = 2.0 * EARTH_RADIUS_M * circuity;
    Ok((0..src_lat.len())
        .map(|i| {
            let s = Unit3::from_deg(src_lat[i], src_lon[i]);
            let d = Unit3::from_deg(dst_lat[i], dst_lon[i]);
            let (a, b, c) = (s.x - d.x, s.y - d.y, s.z - d.z);
            let h = (0.5 * (a * a + b * b + c * c).sqrt()).min(1.0);
            (asin_unit(h) * scale + 0.5) as i64
        })
        .collect())
}

/// Great-circle arc in metres (no circuity, not rounded) for each pair `i`.
pub fn pairwise_arc_m(lat1: &[f64], lon1: &[f64], lat2: &[f64], lon2: &[f64]) -> Vec<f64> {
    (0..lat1.len())
        .map(|i| {
            Unit3::from_deg(lat1[i], lon1[i]).arc(&Unit3::from_deg(lat2[i], lon2[i]))
                * EARTH_RADIUS_M
        })
        .collect()
}

/// Row-major `n × m` distance matrix in metres, rows computed in parallel.
pub fn distance_matrix(
    src_lat: &[f64],
    src_lon: &[f64],
    dst_lat: &[f64],
    dst_lon: &[f64],
    circuity: f64,
) -> CoreResult<Vec<i64>> {
    check_coords("sources", src_lat, src_lon)?;
    check_coords("destinations", dst_lat, dst_lon)?;
    check_circuity(circuity)?;
    let src: Vec<Unit3> = src_lat
        .iter()
        .zip(src_lon)
        .map(|(&a, &o)| Unit3::from_deg(a, o))
        .collect();
    let dst: Vec<Unit3> = dst_lat
        .iter()
        .zip(dst_lon)
        .map(|(&a, &o)| Unit3::from_deg(a, o))
        .collect();
    // Structure of arrays so the inner loops vectorize.
    let dx: Vec<f64> = dst.iter().map(|u| u.x).collect();
    let dy: Vec<f64> = dst.iter().map(|u| u.y).collect();
    let dz: Vec<f64> = dst.iter().map(|u| u.z).collect();
    let m = dst.len();
    let scale = 2.0 * EARTH_RADIUS_M * circuity;
    let mut out = big_buffer(src.len() * m);
    if m == 0 {
        return Ok(out);
    }
    out.par_chunks_mut(m).zip(src.par_iter()).for_each_init(
        || vec![0.0f64; m],
        |half, (row, s)| fill_row(row, half, s, &dx, &dy, &dz, scale),
    );
    Ok(out)
}

/// A zeroed `Vec<i64>` of length `n`. Large buffers are advised to use
/// transparent huge pages: on virtual machines first-touch page faults of 4 KiB
/// pages can cost more than the arithmetic that fills a matrix.
pub fn big_buffer(n: usize) -> Vec<i64> {
    let mut v: Vec<i64> = Vec::with_capacity(n);
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = n * size_of::<i64>();
        if bytes >= 4 * HUGE {
            let start = v.as_mut_ptr() as usize;
            let aligned = (start + HUGE - 1) & !(HUGE - 1);
            let len = (start + bytes).saturating_sub(aligned) & !(HUGE - 1);
            if len > 0 {
                // SAFETY: the range lies inside the allocation owned by `v`;
                // MADV_HUGEPAGE only changes how the kernel backs the pages.
                unsafe {
                    libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
                }
            }
        }
    }
    v.resize(n, 0);
    v
}

/// One matrix row; on x86-64 CPUs with AVX2 + FMA a copy compiled for them runs.
fn fill_row(
    row: &mut [i64],
    half: &mut [f64],
    s: &Unit3,
    dx: &[f64],
    dy: &[f64],
    dz: &[f64],
    scale: f64,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports the features the function is compiled for.
            unsafe { fill_row_avx2(row, half, s, dx, dy, dz, scale) };
            return;
        }
    }
    fill_row_generic(row, half, s, dx, dy, dz, scale);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fill_row_avx2(
    row: &mut [i64],
    half: &mut [f64],
    s: &Unit3,
    dx: &[f64],
    dy: &[f64],
    dz: &[f64],
    scale: f64,
) {
    fill_row_generic(row, half, s, dx, dy, dz, scale);
}

#[inline(always)]
fn fill_row_generic(
    row: &mut [i64],
    half: &mut [f64],
    s: &Unit3,
    dx: &[f64],
    dy: &[f64],
    dz: &[f64],
    scale: f64,
) {
    let m = row.len();
    let (dx, dy, dz, half) = (&dx[..m], &dy[..m], &dz[..m], &mut half[..m]);
    // Pass 1: half chord lengths.
    let mut widest = 0.0f64;
    for j in 0..m {
        let (a, b, c) = (s.x - dx[j], s.y - dy[j], s.z - dz[j]);
        let h = (0.5 * (a * a + b * b + c * c).sqrt()).min(1.0);
        half[j] = h;
        widest = widest.max(h);
    }
    // Pass 2: arcs. Below 0.5 (arcs under 60°, ~6,700 km) one branch of asin
    // suffices; otherwise use the two-branch form. Distances are non-negative:
    // truncating x + 0.5 rounds half up without a libm call, so the loop vectorizes.
    if widest < 0.5 {
        for (cell, &h) in row.iter_mut().zip(half.iter()) {
            *cell = (asin_small(h) * scale + 0.5) as i64;
        }
    } else {
        for (cell, &h) in row.iter_mut().zip(half.iter()) {
            *cell = (asin_unit(h) * scale + 0.5) as i64;
        }
    }
}

/// Durations in seconds for a slice of distances in metres, in parallel.
pub fn duration_from_distance(dist_m: &[i64], profile: &SpeedProfile) -> CoreResult<Vec<i64>> {
    if let Some(i) = dist_m.iter().position(|&d| d < 0) {
        return Err(CoreError::invalid(
            "distance",
            format!("entry {i} is negative"),
        ));
    }
    let mut out = big_buffer(dist_m.len());
    out.par_chunks_mut(4096)
        .zip(dist_m.par_chunks(4096))
        .for_each(|(o, d)| {
            for (x, &dm) in o.iter_mut().zip(d) {
                *x = profile.seconds(dm as f64);
            }
        });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
        let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
        let dp = p2 - p1;
        let dl = (lon2 - lon1).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().asin()
    }

    #[test]
    fn shanghai_beijing_matches_haversine() {
        let d = distance_m(31.22222, 121.45806, 39.9075, 116.39723, 1.0);
        let h = haversine(31.22222, 121.45806, 39.9075, 116.39723);
        assert!((d as f64 - h).abs() <= 1.0, "{d} vs {h}");
        assert!((1_050_000..1_080_000).contains(&d));
    }

    #[test]
    fn matrix_shape_and_diagonal() {
        let lat = [30.0, 31.0, 32.5];
        let lon = [120.0, 121.0, 119.0];
        let m = distance_matrix(&lat, &lon, &lat, &lon, 1.3).unwrap();
        assert_eq!(m.len(), 9);
        for i in 0..3 {
            assert_eq!(m[i * 3 + i], 0);
            for j in 0..3 {
                assert_eq!(m[i * 3 + j], m[j * 3 + i]);
                let h = haversine(lat[i], lon[i], lat[j], lon[j]) * 1.3;
                assert!((m[i * 3 + j] as f64 - h).abs() <= 1.0);
            }
        }
    }

    #[test]
    fn rejects_bad_coordinates() {
        let err = distance_matrix(&[f64::NAN], &[0.0], &[0.0], &[0.0], 1.0).unwrap_err();
        assert!(err.to_string().contains("sources"));
        assert!(distance_matrix(&[0.0], &[181.0], &[0.0], &[0.0], 1.0).is_err());
        assert!(distance_matrix(&[0.0], &[0.0], &[0.0], &[0.0], 0.5).is_err());
    }

    #[test]
    fn fast_asin_matches_libm() {
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let x = i as f64 / 200_000.0;
            let e = (asin_unit(x) - x.asin()).abs() / x.asin().max(1e-300);
            worst = worst.max(e);
        }
        assert!(worst < 1e-14, "worst relative error {worst}");
    }

    #[test]
    fn pair_distances_equal_matrix_cells() {
        let lat = [30.0, 31.0, 32.5, -33.9];
        let lon = [120.0, 121.0, 119.0, 151.2];
        let m = distance_matrix(&lat, &lon, &lat, &lon, 1.3).unwrap();
        for i in 0..4 {
            let p = pair_distances(&lat, &lon, &[lat[i]; 4], &[lon[i]; 4], 1.3).unwrap();
            for j in 0..4 {
                assert_eq!(p[j], m[j * 4 + i]);
            }
        }
    }

    #[test]
    fn speed_profile_two_bands() {
        let p = SpeedProfile::new(36.0, 72.0, 10_000.0).unwrap();
        assert_eq!(p.seconds(5_000.0), 500);
        assert_eq!(p.seconds(30_000.0), 1000 + 1000);
        assert!(SpeedProfile::new(0.0, 10.0, 0.0).is_err());
    }
}
