//! Candidate generation and top-k recommendations, both ways.
//!
//! Load → vehicles: the fleet's position grid yields the vehicles within the
//! search radius of the pickup; the expertise index adds, in one pass over
//! the lanes near the load, the raw expertise and backhaul credit of every
//! vehicle with such a lane; each candidate is filtered and scored. Vehicle →
//! loads: the loads' pickup grid yields the loads near the vehicle, scored
//! with the vehicle's own profile. Cost grows with the number of nearby
//! candidates, not with fleet × loads. Batches run in parallel (rayon).

use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::expertise::Scratch;
use super::scoring::{Components, Loads, Probe, Scorer};

/// A scored candidate: the index of the other side and its components.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ranked {
    pub index: u32,
    pub c: Components,
}

/// How candidates are ranked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rank {
    /// Highest score first (ties: smaller deadhead, then smaller index).
    Score,
    /// Smallest deadhead first (ties: higher score, then smaller index).
    Deadhead,
}

impl Rank {
    #[inline]
    fn cmp(self, a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
        match self {
            Rank::Score => {
                b.c.score
                    .total_cmp(&a.c.score)
                    .then(a.c.deadhead_m.cmp(&b.c.deadhead_m))
                    .then(a.index.cmp(&b.index))
            }
            Rank::Deadhead => {
                a.c.deadhead_m
                    .cmp(&b.c.deadhead_m)
                    .then(b.c.score.total_cmp(&a.c.score))
                    .then(a.index.cmp(&b.index))
            }
        }
    }
}

/// Keep the best `k` of `buf` (in place), sorted best first.
pub fn top_k(buf: &mut Vec<Ranked>, k: usize, rank: Rank) {
    if buf.len() > k {
        if k == 0 {
            buf.clear();
            return;
        }
        buf.select_nth_unstable_by(k - 1, |a, b| rank.cmp(a, b));
        buf.truncate(k);
    }
    buf.sort_unstable_by(|a, b| rank.cmp(a, b));
}

/// Options of a candidate query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Query {
    pub k: usize,
    pub rank: Rank,
    /// Keep only candidates with a score above this (e.g. 0 for dispatch).
    pub min_score: f64,
}

impl Query {
    /// Top `k` by score, any score.
    pub fn top(k: usize) -> Self {
        Query {
            k,
            rank: Rank::Score,
            min_score: f64::NEG_INFINITY,
        }
    }
}

/// Order key of a float consistent with `f64::total_cmp`.
#[inline]
fn float_key(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ (((b >> 63) as u64) >> 1) as i64
}

/// A kept candidate; the heap's maximum is the worst one kept.
struct Kept {
    badness: (i64, i64, u32),
    r: Ranked,
}

impl PartialEq for Kept {
    fn eq(&self, o: &Self) -> bool {
        self.badness == o.badness
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Kept {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.badness.cmp(&o.badness)
    }
}

impl Rank {
    /// Larger = worse; consistent with [`Rank::cmp`].
    #[inline]
    fn badness(self, r: &Ranked) -> (i64, i64, u32) {
        match self {
            Rank::Score => (!float_key(r.c.score), r.c.deadhead_m, r.index),
            Rank::Deadhead => (r.c.deadhead_m, !float_key(r.c.score), r.index),
        }
    }
}

/// An entry of a query's best-first queue: a candidate vehicle (slot) that
/// passed the cheap filters, or a block of the fleet not yet looked into;
/// `key` orders the queue (score upper bound, or minus the deadhead lower
/// bound when ranking by deadhead), `ub` and `dh_lb` bound every vehicle it
/// stands for.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: f64,
    ub: f64,
    dh_lb: f64,
    /// Slot of a vehicle, or index of a block.
    at: u32,
    /// For a block: the end of its slots that can carry the load; 0 for a vehicle.
    fit: u32,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.key.total_cmp(&o.key).is_eq()
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.key.total_cmp(&o.key)
    }
}

thread_local! {
    /// Per-thread queue buffer of [`vehicles_for_load`] (reused across loads).
    static QUEUE: std::cell::RefCell<Vec<Entry>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Best vehicles for load `l`, using `s` (reset on return) as scratch.
///
/// Best-first search over bounds: the vehicles with expertise for the load
/// (from the lane index) enter a priority queue one by one with
/// trigonometry-free bounds (an upper bound on the score, a lower bound on
/// the deadhead); every other vehicle near the pickup enters as part of its
/// fleet block, with one bound for the whole block. The queue yields the
/// most promising entry first: a vehicle is scored exactly, a block is
/// opened (its vehicles enter with their own bounds). Once the best bound
/// left cannot beat the worst of the `k` kept, the search ends: the rest is
/// never looked at. The result is the same as scoring every candidate.
pub fn vehicles_for_load(
    sc: &Scorer<'_>,
    loads: &Loads,
    l: usize,
    q: Query,
    s: &mut Scratch,
) -> Vec<Ranked> {
    top_vehicles(sc, loads, l, q, s, None)
}

/// [`vehicles_for_load`], reading the experts from a batch's `probes`
/// ([`super::scoring::Fleet::probes`] of `sc.fleet`) when given.
fn top_vehicles(
    sc: &Scorer<'_>,
    loads: &Loads,
    l: usize,
    q: Query,
    s: &mut Scratch,
    probes: Option<&[Probe]>,
) -> Vec<Ranked> {
    const EPS: f64 = 1e-9;
    if q.k == 0 {
        return Vec::new();
    }
    let (ol, oo) = (loads.origin_lat[l], loads.origin_lon[l]);
    sc.expertise
        .accumulate(ol, oo, loads.dest_lat[l], loads.dest_lon[l], s);
    let lb = sc.load_bounds(loads, l);
    let max_dh = sc.params.max_deadhead_m as f64;
    let max_chord2 = sc.params.max_chord2();
    let origin = loads.origin(l);
    let key = |ub: f64, dh_lb: f64| match q.rank {
        Rank::Score => ub,
        Rank::Deadhead => -dh_lb,
    };
    let mut queue = QUEUE.with(|c| std::mem::take(&mut *c.borrow_mut()));
    queue.clear();
    // Vehicles with expertise for the load, one by one.
    let mut expert = |ub: f64, dh_lb: f64, slot: u32| {
        if ub + EPS >= q.min_score && dh_lb <= max_dh {
            queue.push(Entry {
                key: key(ub, dh_lb),
                ub,
                dh_lb,
                at: slot,
                fit: 0,
            });
        }
    };
    if let Some(probes) = probes {
        // A batch's table: first those within reach that pass the filters
        // without a distance, with no branch per vehicle (which pass is
        // unpredictable), then their bounds.
        let mut near = std::mem::take(&mut s.near);
        near.clear();
        near.resize(s.touched().len() + 1, 0);
        let mut m = 0;
        for &v in s.touched() {
            let h = &probes[v as usize];
            near[m] = v;
            m += usize::from((h.pos.chord2(origin) <= max_chord2) & Scorer::passes(h, loads, l));
        }
        for &v in &near[..m] {
            let h = &probes[v as usize];
            let (ub, dh_lb) = sc.bounds_probe(&lb, h, loads, l, s.expertise_raw[v as usize]);
            expert(ub, dh_lb, h.slot);
        }
        s.near = near;
    } else {
        for &v in s.touched() {
            if sc.fleet.beyond(v as usize, origin, max_chord2) {
                continue;
            }
            let h = sc.fleet.vehicle(v as usize);
            if Scorer::prefilter(h, loads, l).is_err() {
                continue;
            }
            let (ub, dh_lb) = sc.bounds_with(&lb, h, loads, l, s.expertise_raw[v as usize]);
            expert(ub, dh_lb, h.slot);
        }
    }
    // Every other vehicle near the pickup, by block.
    let (mask, kg) = (loads.type_mask[l], loads.weight_kg[l]);
    sc.fleet.for_each_block_near(
        ol,
        oo,
        sc.params.search_radius_m(),
        mask,
        kg,
        |bi, b, fit| {
            let (ub, dh_lb) = sc.block_bounds(&lb, b, fit, loads, l);
            if ub + EPS < q.min_score || dh_lb > max_dh {
                return;
            }
            queue.push(Entry {
                key: key(ub, dh_lb),
                ub,
                dh_lb,
                at: bi as u32,
                fit: fit as u32,
            });
        },
    );
    let mut queue = BinaryHeap::from(queue);
    let mut heap: BinaryHeap<Kept> = BinaryHeap::with_capacity(q.k + 1);
    let hopeless = |e: &Entry, heap: &BinaryHeap<Kept>| {
        heap.len() == q.k && {
            let worst = &heap.peek().expect("full heap").r;
            match q.rank {
                Rank::Score => e.ub + EPS < worst.c.score,
                Rank::Deadhead => e.dh_lb > worst.c.deadhead_m as f64,
            }
        }
    };
    while let Some(e) = queue.pop() {
        if hopeless(&e, &heap) {
            break; // every entry left is bounded by this one
        }
        if e.fit > 0 {
            let b = sc.fleet.block(e.at as usize);
            for slot in b.start as usize..e.fit as usize {
                let h = sc.fleet.at_slot(slot);
                if s.expertise_raw[h.index as usize] != 0.0
                    || Scorer::prefilter(h, loads, l).is_err()
                {
                    continue; // an expert entered on its own
                }
                let (ub, dh_lb) = sc.bounds_with(&lb, h, loads, l, 0.0);
                let c = Entry {
                    key: key(ub, dh_lb),
                    ub,
                    dh_lb,
                    at: h.slot,
                    fit: 0,
                };
                if ub + EPS < q.min_score || dh_lb > max_dh || hopeless(&c, &heap) {
                    continue;
                }
                queue.push(c);
            }
            continue;
        }
        let h = sc.fleet.at_slot(e.at as usize);
        if let Ok(comp) = sc.score(h, loads, l, s.expertise_raw[h.index as usize]) {
            if comp.score > q.min_score {
                let r = Ranked {
                    index: h.index,
                    c: comp,
                };
                let kept = Kept {
                    badness: q.rank.badness(&r),
                    r,
                };
                if heap.len() < q.k {
                    heap.push(kept);
                } else if kept < *heap.peek().expect("full heap") {
                    heap.pop();
                    heap.push(kept);
                }
            }
        }
    }
    let mut buf = queue.into_vec();
    buf.clear();
    QUEUE.with(|c| *c.borrow_mut() = buf);
    s.reset();
    let mut out: Vec<Kept> = heap.into_vec();
    out.sort_unstable();
    out.into_iter().map(|k| k.r).collect()
}

/// Best vehicles for each of `rows` (load indices), in parallel.
pub fn vehicles_for_loads(
    sc: &Scorer<'_>,
    loads: &Loads,
    rows: &[u32],
    q: Query,
) -> Vec<Vec<Ranked>> {
    let n = sc.fleet.len();
    if rows.len() < 16 {
        // Small batches (single-load requests) run on the caller's thread:
        // no hop to the pool, so latency does not wait on its scheduling.
        let mut s = Scratch::new(n);
        return rows
            .iter()
            .map(|&l| vehicles_for_load(sc, loads, l as usize, q, &mut s))
            .collect();
    }
    // Queries in (pickup cell, delivery cell) order: consecutive loads read
    // the same fleet cells and lane postings while they are in cache.
    let g = super::grid::CellGrid::new(sc.expertise.params().radius_m / 2.0);
    let mut order: Vec<(u64, u64, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            let l = l as usize;
            (
                g.cell(loads.origin_lat[l], loads.origin_lon[l]),
                g.cell(loads.dest_lat[l], loads.dest_lon[l]),
                i as u32,
            )
        })
        .collect();
    order.sort_unstable();
    let probes = sc.fleet.probes();
    let sorted: Vec<Vec<Ranked>> = order
        .par_iter()
        .with_min_len(16)
        .map_init(
            || Scratch::new(n),
            |s, &(_, _, i)| top_vehicles(sc, loads, rows[i as usize] as usize, q, s, Some(&probes)),
        )
        .collect();
    let mut out: Vec<Vec<Ranked>> = (0..rows.len()).map(|_| Vec::new()).collect();
    for (&(_, _, i), list) in order.iter().zip(sorted) {
        out[i as usize] = list;
    }
    out
}

/// Best loads for vehicle `v` among `loads` (empty if the vehicle is offline).
pub fn loads_for_vehicle(sc: &Scorer<'_>, loads: &Loads, v: usize, q: Query) -> Vec<Ranked> {
    let h = sc.fleet.vehicle(v);
    let mut buf = Vec::new();
    if h.offline {
        return buf;
    }
    loads.for_each_near(h.lat, h.lon, sc.params.search_radius_m(), |l| {
        if let Ok(c) = sc.score_direct(v, loads, l as usize) {
            if c.score > q.min_score {
                buf.push(Ranked { index: l, c });
            }
        }
    });
    top_k(&mut buf, q.k, q.rank);
    buf
}

/// Best loads for each of `vehicles`, in parallel.
pub fn loads_for_vehicles(
    sc: &Scorer<'_>,
    loads: &Loads,
    vehicles: &[u32],
    q: Query,
) -> Vec<Vec<Ranked>> {
    if vehicles.len() < 16 {
        return vehicles
            .iter()
            .map(|&v| loads_for_vehicle(sc, loads, v as usize, q))
            .collect();
    }
    vehicles
        .par_iter()
        .with_min_len(16)
        .map(|&v| loads_for_vehicle(sc, loads, v as usize, q))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::geo::SpeedProfile;
    use crate::matching::assignment::tests::Rng;
    use crate::matching::expertise::{ExpertiseIndex, ExpertiseParams, Trips};
    use crate::matching::scoring::{
        Fleet, FleetArrays, LoadArrays, Reject, ScoreParams, VehicleType, Weights,
    };

    /// A small random world around eastern China, owned.
    pub(crate) struct World {
        pub fleet: Fleet,
        pub loads: Loads,
        pub types: Vec<VehicleType>,
        pub index: ExpertiseIndex,
        pub params: ScoreParams,
    }

    impl World {
        pub(crate) fn scorer(&self, w: Weights) -> Scorer<'_> {
            Scorer {
                fleet: &self.fleet,
                types: &self.types,
                expertise: &self.index,
                weights: w,
                params: self.params,
            }
        }
    }

    fn u(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (rng.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn default_weights() -> Weights {
        Weights::new(1.0, 0.3, 0.4, 0.3, 0.1, 0.2).unwrap()
    }

    pub(crate) fn world(seed: u64, nv: usize, nl: usize, nt: usize) -> World {
        let mut rng = Rng(seed);
        let now = 1_000_000_000i64;
        let mut g = |lo, hi| (0..nv).map(|_| u(&mut rng, lo, hi)).collect::<Vec<f64>>();
        let (lat, lon, hlat, hlon) = (
            g(29.0, 33.0),
            g(117.0, 122.0),
            g(29.0, 33.0),
            g(117.0, 122.0),
        );
        let mut rng = Rng(seed + 1);
        let cap_kg: Vec<i64> = (0..nv)
            .map(|_| 2_000 + 1_000 * rng.below(20) as i64)
            .collect();
        let cap_l: Vec<i64> = cap_kg.iter().map(|c| c * 4).collect();
        let vtype: Vec<u8> = (0..nv).map(|_| rng.below(3) as u8).collect();
        let avail: Vec<i64> = (0..nv).map(|_| now + rng.below(3) as i64 * 3_600).collect();
        let rating: Vec<f64> = (0..nv).map(|_| u(&mut rng, 3.0, 5.0)).collect();
        let rcount: Vec<i64> = (0..nv).map(|_| rng.below(30) as i64).collect();
        let offline: Vec<bool> = (0..nv).map(|_| rng.below(10) == 0).collect();
        let params = ScoreParams::new(200_000, 1.3, 4.5, 10.0).unwrap();
        let types: Vec<VehicleType> = (0..3)
            .map(|t| VehicleType {
                profile: SpeedProfile::new(30.0, 70.0 + 5.0 * t as f64, 20_000.0).unwrap(),
                cost_per_km_fen: 400.0 + 100.0 * t as f64,
            })
            .collect();
        let mut fleet = Fleet::new(
            &FleetArrays {
                lat: &lat,
                lon: &lon,
                home_lat: &hlat,
                home_lon: &hlon,
                capacity_kg: &cap_kg,
                capacity_l: &cap_l,
                vehicle_type: &vtype,
                available_from: &avail,
                rating: &rating,
                rating_count: &rcount,
                offline: &offline,
            },
            types.len(),
            &params,
        )
        .unwrap();
        let mut g = |lo, hi| (0..nl).map(|_| u(&mut rng, lo, hi)).collect::<Vec<f64>>();
        let (ola, olo, dla, dlo) = (
            g(29.0, 33.0),
            g(117.0, 122.0),
            g(29.0, 33.0),
            g(117.0, 122.0),
        );
        let weight: Vec<i64> = (0..nl).map(|_| 500 + 500 * rng.below(30) as i64).collect();
        let volume: Vec<i64> = weight.iter().map(|w| w * 3).collect();
        let mask: Vec<u64> = (0..nl)
            .map(|_| [0u64, 1, 3, 4][rng.below(4) as usize])
            .collect();
        let ps: Vec<i64> = (0..nl)
            .map(|_| now + rng.below(12) as i64 * 3_600)
            .collect();
        let pe: Vec<i64> = ps.iter().map(|p| p + 4 * 3_600).collect();
        let dd: Vec<i64> = pe.iter().map(|p| p + 30 * 3_600).collect();
        let price: Vec<i64> = (0..nl)
            .map(|_| 50_000 + rng.below(200_000) as i64)
            .collect();
        let loads = Loads::new(
            &LoadArrays {
                origin_lat: &ola,
                origin_lon: &olo,
                dest_lat: &dla,
                dest_lon: &dlo,
                weight_kg: &weight,
                volume_l: &volume,
                type_mask: &mask,
                pickup_start: &ps,
                pickup_end: &pe,
                delivery_deadline: &dd,
                price_fen: &price,
            },
            &params,
        )
        .unwrap();
        // Trips: each vehicle runs between its home and one of a few anchors.
        let anchors = [
            (31.23, 121.47),
            (30.27, 120.15),
            (32.06, 118.80),
            (31.82, 117.23),
        ];
        let mut tv = Vec::new();
        let (mut tola, mut tolo, mut tdla, mut tdlo, mut tat) =
            (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..nt {
            let v = rng.below(nv as u64) as usize;
            if v.is_multiple_of(20) {
                continue; // cold-start vehicles
            }
            let a = anchors[v % anchors.len()];
            let (o, d) = if rng.below(2) == 0 {
                ((hlat[v], hlon[v]), a)
            } else {
                (a, (hlat[v], hlon[v]))
            };
            tv.push(v as u32);
            tola.push(o.0 + u(&mut rng, -0.1, 0.1));
            tolo.push(o.1 + u(&mut rng, -0.1, 0.1));
            tdla.push(d.0 + u(&mut rng, -0.1, 0.1));
            tdlo.push(d.1 + u(&mut rng, -0.1, 0.1));
            tat.push(now - rng.below(100 * 86_400) as i64);
        }
        let trips = Trips {
            vehicle: &tv,
            origin_lat: &tola,
            origin_lon: &tolo,
            dest_lat: &tdla,
            dest_lon: &tdlo,
            completed_at: &tat,
        };
        let index = ExpertiseIndex::build(
            nv,
            &trips,
            now,
            ExpertiseParams::new(30.0 * 86_400.0, 40_000.0, 2.0).unwrap(),
        )
        .unwrap();
        fleet.attach_origins(&index).unwrap();
        World {
            fleet,
            loads,
            types,
            index,
            params,
        }
    }

    /// Reference: score every pair directly, no index, no grid.
    fn brute_vehicles(sc: &Scorer<'_>, loads: &Loads, l: usize, q: Query) -> Vec<Ranked> {
        let mut buf: Vec<Ranked> = (0..sc.fleet.len())
            .filter_map(|v| {
                sc.score_direct(v, loads, l)
                    .ok()
                    .map(|c| Ranked { index: v as u32, c })
            })
            .filter(|r| r.c.score > q.min_score)
            .collect();
        top_k(&mut buf, q.k, q.rank);
        buf
    }

    fn same(a: &[Ranked], b: &[Ranked]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x.c.score - y.c.score).abs() < 1e-9, "{x:?} vs {y:?}");
            assert_eq!(x.c.deadhead_m, y.c.deadhead_m);
        }
    }

    #[test]
    fn indexed_top_k_equals_brute_force_both_ways() {
        let w = world(3, 400, 300, 20_000);
        let sc = w.scorer(default_weights());
        for (rank, min_score) in [
            (Rank::Score, f64::NEG_INFINITY),
            (Rank::Deadhead, f64::NEG_INFINITY),
            (Rank::Score, 0.0),
            (Rank::Deadhead, 0.0),
        ] {
            let q = Query {
                k: 10,
                rank,
                min_score,
            };
            let rows: Vec<u32> = (0..w.loads.len() as u32).collect();
            let batch = vehicles_for_loads(&sc, &w.loads, &rows, q);
            for (l, got) in batch.iter().enumerate() {
                same(got, &brute_vehicles(&sc, &w.loads, l, q));
            }
            for v in 0..w.fleet.len() {
                let got = loads_for_vehicle(&sc, &w.loads, v, q);
                let mut want: Vec<Ranked> = (0..w.loads.len())
                    .filter_map(|l| {
                        sc.score_direct(v, &w.loads, l)
                            .ok()
                            .map(|c| Ranked { index: l as u32, c })
                    })
                    .filter(|r| r.c.score > q.min_score)
                    .collect();
                top_k(&mut want, q.k, rank);
                same(&got, &want);
            }
        }
    }

    #[test]
    fn top_k_after_an_incremental_fleet_update_equals_brute_force() {
        // Moved, re-typed and offline-toggled vehicles: the experts' cut reads
        // their probes, so stale probes would drop (or admit) the wrong ones.
        let mut w = world(8, 400, 200, 20_000);
        let mut rng = Rng(81);
        let rows: Vec<u32> = (0..60).map(|i| i * 6 + 1).collect();
        let m = rows.len();
        let mut g = |lo, hi| (0..m).map(|_| u(&mut rng, lo, hi)).collect::<Vec<f64>>();
        let (lat, lon, hlat, hlon) = (
            g(29.0, 33.0),
            g(117.0, 122.0),
            g(29.0, 33.0),
            g(117.0, 122.0),
        );
        let rating = g(3.0, 5.0);
        let cap_kg: Vec<i64> = (0..m).map(|j| 2_000 + 1_000 * (j as i64 % 20)).collect();
        let cap_l: Vec<i64> = cap_kg.iter().map(|c| c * 4).collect();
        let vtype: Vec<u8> = (0..m).map(|j| (j % 3) as u8).collect();
        let avail = vec![1_000_000_000i64; m];
        let rcount: Vec<i64> = (0..m).map(|j| j as i64).collect();
        let offline: Vec<bool> = (0..m).map(|j| j % 4 == 0).collect();
        let a = FleetArrays {
            lat: &lat,
            lon: &lon,
            home_lat: &hlat,
            home_lon: &hlon,
            capacity_kg: &cap_kg,
            capacity_l: &cap_l,
            vehicle_type: &vtype,
            available_from: &avail,
            rating: &rating,
            rating_count: &rcount,
            offline: &offline,
        };
        w.fleet = w
            .fleet
            .with_changes(&rows, &a, w.types.len(), &w.params, &w.index)
            .unwrap();
        let sc = w.scorer(default_weights());
        let q = Query::top(10);
        let all: Vec<u32> = (0..w.loads.len() as u32).collect();
        for (l, got) in vehicles_for_loads(&sc, &w.loads, &all, q)
            .iter()
            .enumerate()
        {
            same(got, &brute_vehicles(&sc, &w.loads, l, q));
        }
    }

    #[test]
    fn block_bounds_bound_every_member() {
        let w = world(7, 600, 200, 5_000);
        let sc = w.scorer(default_weights());
        let (mut blocks, mut members) = (0, 0);
        for l in 0..w.loads.len() {
            let lb = sc.load_bounds(&w.loads, l);
            let (mask, kg) = (w.loads.type_mask[l], w.loads.weight_kg[l]);
            let (la, lo) = (w.loads.origin_lat[l], w.loads.origin_lon[l]);
            let r = sc.params.search_radius_m();
            w.fleet
                .for_each_block_near(la, lo, r, mask, kg, |_, b, fit| {
                    let (ub, dh) = sc.block_bounds(&lb, b, fit, &w.loads, l);
                    blocks += 1;
                    for slot in b.start as usize..fit {
                        let h = w.fleet.at_slot(slot);
                        assert!(h.capacity_kg >= kg && h.vehicle_type == b.vehicle_type);
                        if Scorer::prefilter(h, &w.loads, l).is_ok() {
                            let (ub_v, dh_v) = sc.bounds_with(&lb, h, &w.loads, l, 0.0);
                            assert!(ub >= ub_v && dh <= dh_v, "{ub} {ub_v} {dh} {dh_v}");
                            members += 1;
                        }
                    }
                    for slot in fit..b.end as usize {
                        assert!(w.fleet.at_slot(slot).capacity_kg < kg);
                    }
                });
        }
        assert!(blocks > 100 && members > blocks, "{blocks} {members}");
    }

    #[test]
    fn hard_filters_hold_and_scores_add_up() {
        let w = world(4, 300, 200, 10_000);
        let weights = default_weights();
        let sc = w.scorer(weights);
        let mut seen = [0usize; 6];
        for l in 0..w.loads.len() {
            for v in 0..w.fleet.len() {
                match sc.score_direct(v, &w.loads, l) {
                    Ok(c) => {
                        assert!(!w.fleet.vehicle(v).offline);
                        assert!(w.loads.weight_kg[l] <= w.fleet.vehicle(v).capacity_kg);
                        let m = w.loads.type_mask[l];
                        assert!(m == 0 || m & (1 << w.fleet.vehicle(v).vehicle_type) != 0);
                        assert!(c.deadhead_m <= w.params.max_deadhead_m);
                        assert!(c.arrival <= w.loads.pickup_end[l]);
                        assert!(
                            (0.0..1.0).contains(&c.expertise) && (0.0..=1.0).contains(&c.backhaul)
                        );
                        assert!(c.utilization > 0.0 && c.utilization <= 1.0);
                        let s = weights.expertise * c.expertise + weights.backhaul * c.backhaul
                            - weights.deadhead_per_100km * c.deadhead_m as f64 / 1e5
                            + weights.utilization * c.utilization
                            + weights.rating * c.rating
                            + weights.price * c.price;
                        assert!((s - c.score).abs() < 1e-9);
                        seen[0] += 1;
                    }
                    Err(r) => seen[r as usize] += 1,
                }
            }
        }
        assert!(
            seen.iter().all(|&n| n > 0),
            "every outcome occurs: {seen:?}"
        );
        assert_eq!(
            sc.score_direct(0, &w.loads, 0)
                .err()
                .is_some_and(|r| r == Reject::Offline),
            w.fleet.vehicle(0).offline
        );
    }

    #[test]
    fn cold_start_vehicle_scores_with_zero_expertise() {
        let w = world(5, 200, 200, 10_000);
        let sc = w.scorer(default_weights());
        let v = 0; // v % 20 == 0: no trips
        assert_eq!(w.index.trips_of(v), 0);
        let mut any = false;
        for l in 0..w.loads.len() {
            if let Ok(c) = sc.score_direct(v, &w.loads, l) {
                assert_eq!(c.expertise, 0.0);
                any = true;
            }
        }
        assert!(any || w.fleet.vehicle(v).offline);
    }

    #[test]
    fn min_score_and_k_are_respected() {
        let w = world(6, 300, 100, 5_000);
        let sc = w.scorer(default_weights());
        let q = Query {
            k: 3,
            rank: Rank::Score,
            min_score: 0.0,
        };
        let mut s = Scratch::new(w.fleet.len());
        for l in 0..w.loads.len() {
            let r = vehicles_for_load(&sc, &w.loads, l, q, &mut s);
            assert!(r.len() <= 3);
            assert!(r.iter().all(|x| x.c.score > 0.0));
            assert!(r.windows(2).all(|p| p[0].c.score >= p[1].c.score));
        }
    }
}
