//! Route segments that concatenate in O(1) (Vidal et al. 2013, "A hybrid
//! genetic algorithm with adaptive diversity management…", time-warp form).
//!
//! A segment summarises a sequence of visits: distance, minimal duration
//! (travel + service + unavoidable waiting), time warp (total lateness that
//! would have to be "warped back" to meet the windows), earliest and latest
//! start, and per capacity dimension the load it needs at its start, its net
//! load change and the highest prefix of that change. A route is feasible for
//! time windows iff its full segment has zero time warp, and for capacity iff
//! `start + max_prefix <= capacity` in every dimension. Simple deliveries load
//! at the start depot, simple pickups unload at the end depot, and a
//! pickup–delivery pair's amount is on board only between its two stops.

/// Most capacity dimensions a problem may use.
pub const MAX_DIMS: usize = 4;

/// Loads are held in 32 bits to keep segments small (96 bytes): a problem's
/// deliveries, and its pickups, must each sum to at most this per dimension
/// (checked by `Problem::new`), so every segment's sums fit.
pub const MAX_LOAD: i64 = i32::MAX as i64;

/// Load summary of one dimension over a segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadDim {
    /// Amount that must be on board when the segment starts (its simple deliveries).
    pub start: i32,
    /// Net change over the segment (pickups minus deliveries).
    pub net: i32,
    /// Maximum over prefixes (including the empty one) of the running change.
    pub max_prefix: i32,
}

/// O(1)-concatenable summary of a sequence of visits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    pub first: u32,
    pub last: u32,
    pub dist: i64,
    pub dur: i64,
    pub tw: i64,
    pub early: i64,
    pub late: i64,
    pub load: [LoadDim; MAX_DIMS],
}

impl Seg {
    /// A single visit at `loc` with `service` time and service-start window `[early, late]`.
    #[inline]
    pub fn node(loc: usize, service: i64, early: i64, late: i64) -> Seg {
        Seg {
            first: loc as u32,
            last: loc as u32,
            dist: 0,
            dur: service,
            tw: 0,
            early,
            late,
            load: [LoadDim::default(); MAX_DIMS],
        }
    }

    /// Set dimension `d` of a single-visit segment: `start` on board from the
    /// depot, `delta` net change at the visit (both within ±[`MAX_LOAD`]).
    #[inline]
    pub fn set_load(&mut self, d: usize, start: i64, delta: i64) {
        let (start, delta) = (start as i32, delta as i32);
        self.load[d] = LoadDim {
            start,
            net: delta,
            max_prefix: delta.max(0),
        };
    }

    /// Highest load on board anywhere in the segment, dimension `d`.
    #[inline]
    pub fn max_load(&self, d: usize) -> i64 {
        i64::from(self.load[d].start) + i64::from(self.load[d].max_prefix)
    }

    /// Load on board when the segment ends, dimension `d`.
    #[inline]
    pub fn end_load(&self, d: usize) -> i64 {
        i64::from(self.load[d].start) + i64::from(self.load[d].net)
    }

    /// `self` followed by `o`, with `dist`/`time` the arc from `self.last` to `o.first`.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    pub fn concat(&self, o: &Seg, dist: i64, time: i64, dims: usize) -> Seg {
        let delta = self.dur - self.tw + time;
        let wait = (o.early - delta - self.late).max(0);
        let warp = (self.early + delta - o.late).max(0);
        let mut load = [LoadDim::default(); MAX_DIMS];
        for d in 0..dims {
            let (a, b) = (&self.load[d], &o.load[d]);
            load[d] = LoadDim {
                start: a.start + b.start,
                net: a.net + b.net,
                max_prefix: a.max_prefix.max(a.net + b.max_prefix),
            };
        }
        Seg {
            first: self.first,
            last: o.last,
            dist: self.dist + dist + o.dist,
            dur: self.dur + o.dur + time + wait,
            tw: self.tw + o.tw + warp,
            early: (o.early - delta).max(self.early) - wait,
            late: (o.late - delta).min(self.late) + warp,
            load,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walk a sequence visit by visit (earliest departure, wait when early) and
    /// return (finish time, lateness sum) — the reference the segments must match
    /// for zero/non-zero time warp.
    fn walk(nodes: &[(i64, i64, i64)], time: i64) -> (i64, i64) {
        let mut t = nodes[0].1;
        let mut late = 0;
        for (i, &(svc, a, b)) in nodes.iter().enumerate() {
            if i > 0 {
                t += time;
            }
            t = t.max(a);
            if t > b {
                late += t - b;
                t = b;
            }
            t += svc;
        }
        (t, late)
    }

    #[test]
    fn concat_matches_walk_on_feasibility() {
        let mut state = 12345u64;
        let mut next = |m: i64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as i64
        };
        for _ in 0..2000 {
            let n = 1 + next(6) as usize;
            let nodes: Vec<(i64, i64, i64)> = (0..n)
                .map(|_| {
                    let a = next(100);
                    (next(10), a, a + next(40))
                })
                .collect();
            let travel = next(15);
            let segs: Vec<Seg> = nodes
                .iter()
                .map(|&(s, a, b)| Seg::node(0, s, a, b))
                .collect();
            // Concatenate in two different groupings: associativity.
            let left = segs[1..]
                .iter()
                .fold(segs[0], |acc, s| acc.concat(s, 0, travel, 0));
            let right = if n > 1 {
                let tail = segs[2..]
                    .iter()
                    .fold(segs[1], |acc, s| acc.concat(s, 0, travel, 0));
                segs[0].concat(&tail, 0, travel, 0)
            } else {
                segs[0]
            };
            assert_eq!(left, right);
            let (_, late) = walk(&nodes, travel);
            // The walk starts at the first window's opening; the segment may start
            // later, which can only help: zero warp iff some start time is feasible,
            // and the walk is feasible => the segment is feasible.
            if late == 0 {
                assert_eq!(left.tw, 0);
            }
            if left.tw == 0 {
                // Start at the latest feasible start time and walk: no lateness.
                let mut t = left.late;
                for (i, &(svc, a, b)) in nodes.iter().enumerate() {
                    if i > 0 {
                        t += travel;
                    }
                    t = t.max(a);
                    assert!(t <= b);
                    t += svc;
                }
            }
        }
    }

    #[test]
    fn load_tracks_peak_with_pairs_and_simple_jobs() {
        // Route: simple delivery 5, pickup(pair) +3, simple pickup 4, delivery(pair) -3.
        let mut a = Seg::node(0, 0, 0, 100);
        a.set_load(0, 5, -5);
        let mut b = Seg::node(0, 0, 0, 100);
        b.set_load(0, 0, 3);
        let mut c = Seg::node(0, 0, 0, 100);
        c.set_load(0, 0, 4);
        let mut d = Seg::node(0, 0, 0, 100);
        d.set_load(0, 0, -3);
        let s = [a, b, c, d]
            .iter()
            .skip(1)
            .fold(a, |acc, x| acc.concat(x, 0, 0, 1));
        // Loads along the route: 5 at start, 0, 3, 7, 4 → peak 7.
        assert_eq!(s.max_load(0), 7);
        let s2 = [c, d, a].iter().fold(b, |acc, x| acc.concat(x, 0, 0, 1));
        // start 5: 5, 8, 12, 9, 4 → peak 12.
        assert_eq!(s2.max_load(0), 12);
    }
}
